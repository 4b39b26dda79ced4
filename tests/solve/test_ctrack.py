"""The compiled tracker loop (verifier/solver/ctrack.c) against the numpy loop it replaces."""

from __future__ import annotations

import time

import flint
import numpy as np
import pytest
from flint import fmpq

from verifier.solver import homotopy as hm
from verifier.solver.numeric import NumericSystem

pytestmark = pytest.mark.skipif(hm._ctrack is None, reason="the compiled tracker is not built")


def _systems():
    ctx = flint.fmpq_mpoly_ctx.get(("x", 3), "degrevlex")
    x, y, z = ctx.gens()
    yield "dense", [x ** 2 * y - 3 * z + fmpq(1, 3), y * z ** 2 - x + 2, x + y + z - 1], "total-degree", None
    c5 = flint.fmpq_mpoly_ctx.get(("z", 5), "degrevlex")
    v = c5.gens()
    cyc = []
    for k in range(1, 5):
        s = c5.from_dict({})
        for i in range(5):
            t = c5.from_dict({(0,) * 5: 1})
            for j in range(k):
                t *= v[(i + j) % 5]
            s += t
        cyc.append(s)
    p = c5.from_dict({(0,) * 5: 1})
    for i in range(5):
        p *= v[i]
    cyc.append(p - 1)
    yield "cyclic5", cyc, "total-degree", None
    c4 = flint.fmpq_mpoly_ctx.get(("w", 4), "degrevlex")
    a, b, c, d = c4.gens()
    # a bilinear system in two groups (the multihomogeneous start: fused linear products)
    yield "bilinear", [a * c + b * d - 1, a * d - 2 * b * c + fmpq(1, 2), a + 3 * b - 2, c - d + fmpq(1, 3)], \
        "multihomogeneous", [[0, 1], [2, 3]]


@pytest.mark.parametrize("case", list(_systems()), ids=lambda c: c[0])
def test_compiled_segment_matches_numpy_loop(case):
    _, polys, start, groups = case
    F = NumericSystem.from_flint(polys)
    n = F.n
    grp = [list(range(n))] if groups is None else groups
    rng = np.random.default_rng(3)
    hom = hm._Homotopy(F, grp, start, rng, np.exp(0.7j))
    assert hom.ctable() is not None
    Z0 = hom.start_solutions()
    opts = hm._Opts()
    deadline = time.monotonic() + 60
    for ta, tb, kw in [(1.0, 0.1, {}), (0.1, 0.01, dict(h0=1.0, hmax=1.0, kappa=1e-4))]:
        s_np = np.zeros(len(Z0), dtype=np.int64)
        s_c = np.zeros(len(Z0), dtype=np.int64)
        h_np = np.full(len(Z0), 0.3)
        h_c = h_np.copy()
        with np.errstate(all="ignore"):
            Znp, ok_np = hm._track_loop(hom, Z0, ta, tb, opts, deadline, s_np, kw.get("h0"), kw.get("hmax"),
                                        kw.get("kappa"), h_np)
        Zc, ok_c = hm._track_compiled(hom, hom.ctable(), Z0, ta, tb, opts, deadline, s_c, kw.get("h0"),
                                      kw.get("hmax"), kw.get("kappa"), h_c)
        assert (ok_np == ok_c).all()
        scale = np.maximum(1.0, np.abs(Znp).max(axis=1))
        assert (np.abs(Zc - Znp).max(axis=1)[ok_np] <= 1e-8 * scale[ok_np]).all()
        # the same steps, up to a rare rounding-level difference in an accept/reject decision (LAPACK's
        # blocked LU and the loop's own round differently)
        assert np.sum(s_np != s_c) <= max(1, len(s_np) // 10)
        assert np.sum(~np.isclose(h_np, h_c, rtol=1e-6)) <= max(1, len(h_np) // 10)
        Z0 = Znp[ok_np]


@pytest.mark.parametrize("case", list(_systems()), ids=lambda c: c[0])
def test_track_counts_agree_with_numpy_loop(case, monkeypatch):
    _, polys, start, groups = case
    kw = dict(start=start, groups=groups, seed=1)
    fast = hm.track(polys, **kw).summary()
    monkeypatch.setattr(hm, "_ctrack", None)
    slow = hm.track(polys, **kw).summary()
    for key in ("paths", "nonsingular", "singular_points", "infinity", "failed", "real"):
        assert fast[key] == slow[key], key


def test_past_deadline_fails_every_path():
    ctx = flint.fmpq_mpoly_ctx.get(("x", 2), "degrevlex")
    x, y = ctx.gens()
    F = NumericSystem.from_flint([x ** 2 - 2, y ** 2 + x - 1])
    hom = hm._Homotopy(F, [[0, 1]], "total-degree", np.random.default_rng(0), 1j)
    Z0 = hom.start_solutions()
    steps = np.zeros(len(Z0), dtype=np.int64)
    Z, ok = hm._track_compiled(hom, hom.ctable(), Z0, 1.0, 0.0, hm._Opts(), time.monotonic() - 1, steps,
                               None, None, None, None)
    assert not ok.any() and (steps == 0).all() and np.array_equal(Z, Z0)


def test_malformed_table_is_rejected():
    ctx = flint.fmpq_mpoly_ctx.get(("x", 2), "degrevlex")
    x, y = ctx.gens()
    F = NumericSystem.from_flint([x ** 2 - 2, y ** 2 + x - 1])
    hom = hm._Homotopy(F, [[0, 1]], "total-degree", np.random.default_rng(0), 1j)
    cval, ccol, crow, par, var, Lc, nf, Kmax = hom.ctable()
    Z0 = hom.start_solutions()
    P = len(Z0)
    args = lambda cc, pp: (cval, cc, crow, pp, var, len(cval), len(par), hom.n, hom.N, hom._K, P, hom.gamma,  # noqa: E731
                           hom._patch_c, Lc, nf, Kmax, Z0.copy(), np.ones(P, complex), np.zeros(P, complex), np.full(P, 0.1),
                           np.zeros(P, np.int64), np.zeros(P, np.int8), 0.2, 1e-3, 1e-9, 1e-13,
                           10.0, 100)
    bad_col = ccol.copy()
    bad_col[0] = len(par) + 5
    with pytest.raises(ValueError, match="out of range"):
        hm._ctrack.track(*args(bad_col, par))
    bad_par = par.copy()
    bad_par[-1] = len(par)
    with pytest.raises(ValueError, match="out of range"):
        hm._ctrack.track(*args(ccol, bad_par))
    with pytest.raises(ValueError, match="bytes"):
        hm._ctrack.track(*args(ccol[:-1], par))


def test_sparse_start_monodromy_matches_numpy_loop(monkeypatch):
    """The coefficient family of the sparse start tracked by ``ctrack.track_family``: the same roots,
    loops and steps as the numpy loop of monodromy._track."""
    from verifier.solver import monodromy
    from verifier.solver.sparse import mixed_volume, sparse_start

    _, polys, _, _ = list(_systems())[1]     # cyclic-5: 70 roots
    F = NumericSystem.from_flint(polys)
    mv = mixed_volume(F)

    def run():
        return sparse_start(F, np.random.default_rng(5), target=mv, deadline=time.monotonic() + 120)

    fast = run()
    monkeypatch.setattr(monodromy, "_ctrack", None)
    slow = run()
    assert len(fast.roots) == len(slow.roots) == mv == 70
    # the same work (equal here; a rounding-level difference in some accept/reject decision may change
    # a loop on another machine)
    assert 0.67 * slow.steps <= fast.steps <= 1.5 * slow.steps
    d = np.abs(fast.roots[:, None, :] - slow.roots[None, :, :]).max(axis=2)
    assert (d.min(axis=1) <= 1e-8 * np.maximum(1, np.abs(fast.roots).max(axis=1))).all()


def test_family_table_is_checked():
    from verifier.solver.sparse import _CoefficientFamily

    exps = [np.array([[1, 0], [0, 1], [0, 0]]), np.array([[2, 0], [0, 0]])]
    fam = _CoefficientFamily(exps, [1, 2], 2, np.random.default_rng(0))
    cval, ccol, crow, par, var, starts, c = fam.ctable()
    K = int(starts[-1])
    Z = fam.lift(np.array([[0.3, 0.2]]))
    bad = starts.copy()
    bad[-1] = K + 1
    with pytest.raises(ValueError, match="out of range"):
        hm._ctrack.track_family(cval, ccol, crow, par, var, bad, len(cval), len(par), 2, K, 1, c,
                                np.zeros((1, K), complex), np.zeros((1, K), complex), Z, np.zeros(1, np.int64),
                                np.zeros(1, np.int8), 1e-4, 1e-9, 0.1, 0.02, 1e-11, 1e-7, 1e10,
                                5.0, 100, 0, 2)


def test_witness_monodromy_matches_numpy_loop(monkeypatch):
    """The slice family of the witness sets tracked by ``ctrack.track_family`` (mode 1): the same witness
    points (18 on the deep network of docs/solving.md) as the numpy loop of monodromy._track."""
    from verifier.activations import power
    from verifier.algebra.polys import compile_polynomials
    from verifier.data import dataset_from_arrays
    from verifier.network import mlp
    from verifier.solver import monodromy

    net = mlp(1, [1, 1], activation=power(2))
    ps = compile_polynomials(net, dataset_from_arrays([[1], [2], [3], [4]], [[2], [-3], [4], [-5]]))
    fast = monodromy.monodromy_solve(ps.H, seed=0, timeout=120)
    monkeypatch.setattr(monodromy, "_ctrack", None)
    slow = monodromy.monodromy_solve(ps.H, seed=0, timeout=120)
    assert len(fast.points) == len(slow.points) == 18
    assert fast.trace.passed and slow.trace.passed and fast.complete and slow.complete
    assert 0.67 * slow.steps <= fast.steps <= 1.5 * slow.steps


def test_ctrl_c_stops_a_long_compiled_call():
    """The compiled loop runs Python's signal handlers every 32 paths: Ctrl-C (here a simulated SIGINT)
    stops a long call within a few paths instead of when the whole batch is done."""
    import _thread
    import threading

    ctx = flint.fmpq_mpoly_ctx.get(("x", 5), "degrevlex")
    g = ctx.gens()
    rnd = np.random.default_rng(7)
    polys = [sum((int(rnd.integers(-5, 6)) * g[a] * g[b] for a in range(5) for b in range(a, 5)), ctx.from_dict({}))
             + sum((int(rnd.integers(-5, 6)) * v for v in g), ctx.from_dict({})) + 1 for _ in range(5)]
    F = NumericSystem.from_flint(polys)
    hom = hm._Homotopy(F, [list(range(5))], "total-degree", np.random.default_rng(0), np.exp(0.3j))
    Z0 = np.tile(hom.start_solutions(), (200, 1))          # 6,400 paths: seconds in one call
    P = len(Z0)
    cval, ccol, crow, par, var, Lc, nf, Kmax = hom.ctable()
    steps = np.zeros(P, dtype=np.int64)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            hm._ctrack.track(cval, ccol, crow, par, var, len(cval), len(par), hom.n, hom.N, hom._K, P, hom.gamma,
                             hom._patch_c, Lc, nf, Kmax, Z0.copy(), np.ones(P, complex), np.full(P, 0.1 + 0j),
                             np.full(P, 0.05), steps, np.zeros(P, np.int8), 0.2, 1e-3, 1e-9, 1e-13, 600.0, 3000)
    finally:
        timer.cancel()
    done = int((steps > 0).sum())
    assert 0 < done < P - 64, done
