"""Homotopy continuation (verifier.solver.homotopy) and vectorised evaluation (verifier.solver.numeric)."""

from __future__ import annotations

import itertools
import random

import flint
import numpy as np
import pytest
from flint import fmpq
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from verifier.errors import BudgetExceeded
from verifier.solver.homotopy import HomotopyResult, multihomogeneous_count, total_degree_count, track
from verifier.solver.numeric import NumericSystem, newton_mp


def ctx_of(n, name="x"):
    ctx = flint.fmpq_mpoly_ctx.get((name, n), "degrevlex")
    return ctx, ctx.gens()


def sorted_points(P):
    P = np.asarray(P)
    return P[np.lexsort(np.round(P.real, 6).T[::-1])] if len(P) else P


def same_points(A, B, tol=1e-7):
    A, B = np.asarray(A), np.asarray(B)
    if A.shape != B.shape:
        return False
    used = np.zeros(len(B), dtype=bool)
    for a in A:
        d = np.abs(B - a).max(axis=1)
        d[used] = np.inf
        k = int(np.argmin(d))
        if d[k] > tol * max(1.0, np.abs(a).max()):
            return False
        used[k] = True
    return True


# -- numeric ---------------------------------------------------------------------------------------


def test_numeric_eval_and_jacobian_match_direct_formulas():
    ctx, (x, y, z) = ctx_of(3)
    F = [x ** 2 * y - 3 * z + fmpq(1, 3), y * z ** 3 - x, x + y + z - 1]
    S = NumericSystem.from_flint(F)
    assert S.n == 3 and S.m == 3 and S.degrees == [3, 4, 1]
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((7, 3)) + 1j * rng.standard_normal((7, 3))
    a, b, c = Z.T
    Fv, J = S.eval_jac(Z)
    ref = np.stack([a * a * b - 3 * c + 1 / 3, b * c ** 3 - a, a + b + c - 1], axis=1)
    assert np.allclose(Fv, ref) and np.allclose(S.eval(Z), ref)
    Jref = np.zeros((7, 3, 3), dtype=complex)
    Jref[:, 0] = np.stack([2 * a * b, a * a, -3 + 0 * a], axis=1)
    Jref[:, 1] = np.stack([-1 + 0 * a, c ** 3, 3 * b * c ** 2], axis=1)
    Jref[:, 2] = 1
    assert np.allclose(J, Jref) and np.allclose(S.jacobian(Z), Jref)
    Fm, Jm = S.eval_mp(Z[0], dps=40)
    assert abs(complex(Fm[1]) - ref[0, 1]) < 1e-12 and abs(complex(Jm[1, 2]) - Jref[0, 1, 2]) < 1e-12


def test_newton_mp_refines_to_high_accuracy():
    ctx, (x, y) = ctx_of(2)
    S = NumericSystem.from_flint([x ** 2 - 2, y - x])
    z, res = newton_mp(S, np.array([1.4 + 0j, 1.4 + 0j]), dps=50)
    assert abs(z[0] - np.sqrt(2)) < 1e-15 and res < 1e-40


# -- solving -----------------------------------------------------------------------------------------


def test_linear_factors_give_all_known_roots():
    ctx, (x, y) = ctx_of(2)
    F = [(x - 1) * (x + 2) * (y - 3), (y - 2) * (x - y - 1)]
    # x = 1 or x = -2 with y = 2 or y = x - 1; or y = 3 and x = 4: five simple roots, one at infinity
    r = track(F)
    sols = r.solutions()
    expect = np.array([[1, 2], [1, 0], [-2, 2], [-2, -3], [4, 3]], dtype=complex)
    assert r.paths == 6
    assert same_points(sorted_points(sols), sorted_points(expect))
    s = r.summary()
    assert s["nonsingular"] == 5 and s["infinity"] == 1 and s["failed"] == 0 and s["real"] == 5


def test_univariate_matches_numpy_roots():
    ctx, (x,) = ctx_of(1)
    coeffs = [3, -2, 5, 1, -7, 2, 4]  # x^6 ... constant, distinct roots
    p = sum((fmpq(c) * x ** (6 - k) for k, c in enumerate(coeffs)), ctx.from_dict({}))
    r = track([p])
    assert r.summary()["nonsingular"] == 6
    assert same_points(r.solutions()[:, 0][:, None], np.roots(coeffs)[:, None], tol=1e-9)
    assert np.all(r.residual < 1e-10)


def test_planted_roots_are_found_and_residuals_small():
    # each equation has a factor vanishing at p = (1, 1, 1) and one that does not: p is a simple root
    ctx, (x, y, z) = ctx_of(3)
    F = [(x + 2 * y - 3) * (x - z + 1), (y - 1) * (x + y + z), (z - 1) * (2 * x - y + 1)]
    r = track(F)
    sols = r.solutions()
    res = NumericSystem.from_flint(F).eval(sols)
    assert np.abs(res).max() < 1e-10
    assert any(np.allclose(s, [1, 1, 1]) for s in sols)
    assert r.summary()["nonsingular"] + r.summary()["infinity"] + r.summary()["singular_paths"] == r.paths == 8


def test_solutions_at_infinity():
    ctx, (x, y) = ctx_of(2)
    F = [x * y - 1, x ** 2 - 2]          # Bezout 4, two finite roots (+-sqrt2, +-1/sqrt2)
    r = track(F)
    s = r.summary()
    assert s["nonsingular"] == 2 and s["infinity"] == 2 and s["failed"] == 0
    assert same_points(sorted_points(r.solutions()),
                       sorted_points([[np.sqrt(2), 1 / np.sqrt(2)], [-np.sqrt(2), -1 / np.sqrt(2)]]))


def test_singular_double_root_has_multiplicity_two():
    ctx, (x, y) = ctx_of(2)
    r = track([x + y - 2, x * y - 1])   # (1, 1) with multiplicity 2
    s = r.summary()
    assert s["singular_points"] == 1 and s["singular_multiplicities"] == [2] and s["nonsingular"] == 0
    assert np.allclose(r.solutions("singular"), [[1, 1]], atol=1e-6)
    assert list(r.multiplicity) == [2, 2]


def test_singular_and_nonsingular_together():
    ctx, (x, y) = ctx_of(2)
    r = track([(x - 1) ** 2 * (x + 1), y - x])   # x = 1 double, x = -1 simple; 1 path at infinity? no: deg 3*1
    s = r.summary()
    assert s["nonsingular"] == 1 and s["singular_points"] == 1 and s["singular_multiplicities"] == [2]
    assert np.allclose(r.solutions(), [[-1, -1]])


def test_multihomogeneous_start_count_is_the_m_bezout_number():
    ctx, (a, b, c, d) = ctx_of(4)
    # bilinear-ish system in groups {a, b}, {c, d}
    F = [a * c + b * d - 1, a * d - 2 * b * c + 3, a + b + c * d - 2, a * c * d - b + 1]
    groups = [[0, 1], [2, 3]]
    mb = multihomogeneous_count(F, groups)
    assert mb < total_degree_count(F) == 2 * 2 * 2 * 3
    r = track(F, start="multihomogeneous", groups=groups)
    assert r.paths == r.start_count == mb
    r2 = track(F, start="total-degree")
    assert r2.summary()["nonsingular"] == r.summary()["nonsingular"]
    assert same_points(sorted_points(r.solutions()), sorted_points(r2.solutions()))


def test_bad_inputs_and_budgets():
    ctx, (x, y) = ctx_of(2)
    with pytest.raises(ValueError):
        track([x - 1])
    with pytest.raises(ValueError):
        track([x - 1, y - 2], start="multihomogeneous")
    with pytest.raises(ValueError):
        track([x - 1, y - 2], start="multihomogeneous", groups=[[0], [0]])
    with pytest.raises(BudgetExceeded):          # a budget, not bad input
        track([x ** 3 - 1, y ** 3 - 2], max_paths=8)
    r = track([x ** 3 - 1, y ** 3 - 2], timeout=0.0)
    assert not r.complete and r.summary()["failed"] == 9


def test_deterministic_and_progress_called():
    ctx, (x, y) = ctx_of(2)
    F = [x ** 2 + y - 3, x * y - 1]
    seen = []
    r1 = track(F, seed=3, progress=lambda done, total: seen.append((done, total)))
    r2 = track(F, seed=3)
    assert np.array_equal(r1.endpoints, r2.endpoints, equal_nan=True) and r1.status == r2.status
    assert seen and seen[-1] == (4, 4)
    assert isinstance(r1, HomotopyResult) and r1.summary()["nonsingular"] == 3


@st.composite
def planted_systems(draw):
    """n in {2, 3}; F_i = (random affine form vanishing at p) * (random affine form), so p is a
    root, and the system has generically prod deg = 2^n roots in all (all found: nonsingular or at
    infinity, no failures)."""
    n = draw(st.integers(2, 3))
    seed = draw(st.integers(0, 10 ** 6))
    rnd = random.Random(seed)
    ctx, X = ctx_of(n)
    p = [fmpq(rnd.randint(-3, 3), rnd.randint(1, 2)) for _ in range(n)]
    F = []
    for _ in range(n):
        a = [fmpq(rnd.randint(-4, 4) or 1, rnd.randint(1, 3)) for _ in range(n)]
        l1 = sum((a[j] * (X[j] - p[j]) for j in range(n)), ctx.from_dict({}))
        b = [fmpq(rnd.randint(-4, 4), rnd.randint(1, 3)) for _ in range(n + 1)]
        l2 = sum((b[j] * X[j] for j in range(n)), ctx.from_dict({})) + b[n]
        F.append(l1 * l2 if not l2.is_zero() and l2.total_degree() > 0 else l1 * (X[0] + 1))
    return F, [complex(float(v)) for v in p], p


def _isolated_at(F, p):
    """Whether the exact point ``p`` is an isolated root of ``F``, every ``F_i`` a product of affine
    linear forms: near ``p`` the zero set is the union, over the choices of one factor through
    ``p`` per equation, of the affine spaces those factors cut out; ``p`` is isolated iff every
    choice has linearly independent normals."""
    n = len(F)
    through = []
    for f in F:
        facs = []
        for q, _ in f.factor()[1]:
            assert q.total_degree() == 1
            if q(*p) == 0:
                facs.append([q.coefficient(q.monoms().index(tuple(int(j == k) for j in range(n))))
                             if tuple(int(j == k) for j in range(n)) in q.monoms() else fmpq(0)
                             for k in range(n)])
        through.append(facs)
    return all(flint.fmpq_mat(list(rows)).rank() == n for rows in itertools.product(*through))


@settings(max_examples=8, deadline=None)
@given(planted_systems())
def test_property_planted_root_found_and_paths_accounted(case):
    F, p, p_exact = case
    # two equations with a common factor (parallel planted lines) vanish on a curve through p:
    # then p is not an isolated root and no path needs to end at it
    assume(all(F[i].gcd(F[j]).total_degree() == 0 for i in range(len(F)) for j in range(i)))
    # likewise for n = 3 when three factors through p, one per equation, have linearly dependent
    # normals without two being parallel: they share a line through p (msolve: positive
    # dimensional; e.g. seeds 539 and 1563 of the strategy's random.Random)
    assume(_isolated_at(F, p_exact))
    r = track(F, seed=1)
    s = r.summary()
    assert s["failed"] == 0
    assert s["nonsingular"] + s["singular_paths"] + s["infinity"] == r.paths == 2 ** len(F)
    finite = np.concatenate([r.solutions(), r.solutions("singular")])
    assert any(np.allclose(q, p, atol=1e-6) for q in finite)
    if s["nonsingular"]:
        assert np.abs(NumericSystem.from_flint(F).eval(r.solutions())).max() < 1e-8


def test_against_total_enumeration_for_a_product_system():
    # x_j^2 = j + 1: 2^3 real roots, every one nonsingular
    ctx, X = ctx_of(3)
    F = [X[j] ** 2 - (j + 1) for j in range(3)]
    r = track(F, start="multihomogeneous", groups=[[0], [1], [2]])
    expect = np.array(list(itertools.product(*[[np.sqrt(j + 1), -np.sqrt(j + 1)] for j in range(3)])))
    assert same_points(sorted_points(r.solutions()), sorted_points(expect))
    assert r.summary()["real"] == 8


# -- a polynomial network, against msolve ------------------------------------------------------------


def _network_case(coeffs, output_bias):
    from verifier.activations import polynomial
    from verifier.algebra.polys import compile_polynomials
    from verifier.data import Dataset
    from verifier.network import mlp

    net = mlp(2, [1], activation=polynomial(coeffs), output_bias=output_bias)
    rng = random.Random(1)
    d = net.n
    xs = [[fmpq(rng.randint(-5, 5), rng.randint(1, 4)) for _ in range(2)] for _ in range(d)]
    ys = [[fmpq(rng.randint(-5, 5), rng.randint(1, 4))] for _ in range(d)]
    return compile_polynomials(net, Dataset(xs, ys))


@pytest.mark.parametrize("coeffs,output_bias", [(["0", "0", "1"], False), (["0", "1", "1"], False)])
def test_square_network_system_matches_msolve(coeffs, output_bias):
    from verifier.algebra import engines

    ps = _network_case(coeffs, output_bias)
    assert ps.n == len(ps.H)  # square: n = l*d
    r = track(ps.H, start="multihomogeneous", groups=ps.groups)
    s = r.summary()
    assert s["failed"] == 0 and r.paths == multihomogeneous_count(ps.H, ps.groups)
    if engines.msolve_path() is None:
        pytest.skip("msolve is not installed")
    count = engines.msolve_count(ps.H, ps.ctx, timeout=60)
    assert count is not None
    assert s["nonsingular"] + s["singular_points"] == count


def test_newton_endgame_does_not_finish_a_path_on_a_nearby_root():
    """Regression: in the gradient system of a deep linear network, Newton on H(., 0) from the
    path at t = 0.1 and t = 0.01 converges to the critical point W = 0 while the path heads for
    another one; agreement of the two Newton points alone finished the path there, two paths
    shared W = 0 and one was reported failed. The endgame now also asks the path to approach the
    Newton point like t (distance shrinking by about 10 per decade)."""
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
    from bench_solve import deep_linear

    _, F, groups = deep_linear([1, 1, 1, 1])
    r = track(F, start="multihomogeneous", groups=groups, seed=0)
    s = r.summary()
    assert (s["nonsingular"], s["singular_paths"], s["infinity"], s["failed"]) == (17, 0, 12, 0)


def test_paths_to_infinity_with_high_winding_numbers():
    """x^2 y = 1, x y^2 = 1: 3 finite roots (x = y, x^3 = 1) and 6 of the 9 total-degree paths
    diverge; they must be classified ``infinity`` by the decay test of the homogenising coordinate
    or the one-radius Cauchy loops, never ``failed`` or finite."""
    ctx, (x, y) = ctx_of(2)
    F = [x ** 2 * y - 1, x * y ** 2 - 1]
    r = track(F, seed=3)
    s = r.summary()
    assert (s["nonsingular"], s["singular_paths"], s["infinity"], s["failed"]) == (3, 0, 6, 0)
    sols = r.solutions()
    assert np.abs(sols ** 3 - 1).max() < 1e-8 and np.abs(sols[:, 0] - sols[:, 1]).max() < 1e-8


def test_distinct_roots_on_one_ray_are_not_duplicates():
    """Regression (a planted-root example the dev hypothesis profile found): the roots (4/3, -4/3)
    and (17/2, -17/2) lie on one ray through 0. Clustering compared x / max(1, |x|), which maps the
    whole ray outside the unit ball to one point, so two correct paths looked like a path jump and
    one was reported failed. Clustering now uses |a - b| <= tol max(1, |a|, |b|)."""
    from verifier.solver.homotopy import _cluster

    ctx, (x, y) = ctx_of(2)
    F = [fmpq(-2, 3) * x ** 2 - fmpq(2, 3) * x * y + fmpq(1, 2) * y ** 2 - fmpq(3, 2) * x + fmpq(41, 12) * y
         + fmpq(17, 3), fmpq(8, 9) * x ** 2 - fmpq(8, 9) * y ** 2 + fmpq(4, 9) * x + fmpq(4, 9) * y]
    r = track(F, seed=1)
    s = r.summary()
    assert (s["nonsingular"], s["failed"]) == (4, 0)
    expect = [[4.5, 5], [4 / 3, -4 / 3], [8.5, -8.5], [-2, -1.5]]
    assert same_points(sorted_points(r.solutions()), sorted_points(np.array(expect, dtype=complex)))
    pts = np.array([[4 / 3, -4 / 3], [8.5, -8.5], [8.5 + 1e-9, -8.5]], dtype=complex)
    assert list(_cluster(pts, 1e-6)) == [0, 1, 1]


def test_double_root_reached_by_two_winding_one_paths_is_singular():
    """Regression (the dev profile's other failure): (-2, 1) is a double root where two branches of
    winding number 1 meet; both paths end there with a computed condition number of ~2e9 (below the
    1e10 threshold), looked like a path jump, and one was reported failed. A duplication that
    survives the tighter retracking at an ill-conditioned point is a singular root."""
    ctx, (x, y) = ctx_of(2)
    F = [-x * y + 2 * y ** 2 + fmpq(1, 2) * x - 5 * y + 2, -6 * x ** 2 - 8 * x * y - 2 * y ** 2 - 16 * x - 12 * y - 10]
    r = track(F, seed=1)
    s = r.summary()
    assert (s["nonsingular"], s["singular_points"], s["singular_multiplicities"], s["failed"]) == (2, 1, [2], 0)
    assert np.allclose(r.solutions("singular"), [[-2, 1]], atol=1e-6)


def test_nonsingular_endpoint_shared_with_a_singular_one_is_a_duplicate():
    """Two paths at one double root, computed condition numbers 1.9e9 and 1.5e10 (either side of
    the 1e10 threshold): the compiled tracker once reported 3 nonsingular roots and a singular one
    of multiplicity 1 on the system of the test above. The nonsingular end is a duplicate of the
    singular one."""
    from verifier.solver.homotopy import _duplicates

    X = np.array([[-2, 1], [-2 + 1e-9, 1], [-1.5, 0.5], [0.3, 0.1]], dtype=complex)
    status = np.array(["singular", "nonsingular", "nonsingular", "singular"], dtype=object)
    dup, _ = _duplicates(X, status)
    assert len(dup) == 0
    dup, (pool, labels) = _duplicates(X, status, with_singular=True)
    assert dup.tolist() == [1]
    assert sorted(pool.tolist()) == [0, 1, 2, 3]


def test_cauchy_estimate_that_is_not_a_root_is_failed_not_singular():
    """A Cauchy estimate (route 2) at a point where a term is left over (on the shared-weight tree: the output
    weight 0, so F_i = -y_i, residual 3 but within the absolute test at |x| ~ 30) was labelled a singular
    root; the residual relative to the size of the terms rejects it."""
    from verifier.solver import homotopy as hm

    ctx, (x, y) = ctx_of(2)
    polys = [x * y - 2, x + y - 3]
    F = NumericSystem.from_flint(polys)
    assert np.allclose(F.term_scale(np.array([[0.0, 30.0]])), [[2.0, 33.0]])
    hom = hm._Homotopy(F, [[0, 1]], "total-degree", np.random.default_rng(0), 1j)
    end = np.array([[0.0, 30.0, 1.0], [2.0, 1.0, 1.0]], dtype=complex)     # (x, y, h)
    end /= (end @ hom.A[0])[:, None]
    status, X, _, _ = hm._classify(hom, end, np.array([2, 2]), np.array([3, 3]))
    # (0, 30): F = (-2, 27), not a root; (2, 1) is a root
    assert status[0] == "failed"
    assert status[1] in ("singular", "nonsingular")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_deep_linear_critical_points_certified_from_every_seed(seed):
    """The 9 critical points of the 1-hidden-layer deep linear network (d = 1, dx = 2, dy = 2, one sample)
    by the total-degree homotopy (81 paths). Two regressions: the root at the origin (every term ~1e-29) was
    rejected by a residual relative to the terms' size, and on seed 2 four roots of modulus ~2600 are
    reached only by estimates with winding number 3 that are no roots themselves: certification starts
    Newton from those too (``HomotopyResult.candidates``)."""
    from verifier.theorems.solving import critical_points_deep_linear

    doc = critical_points_deep_linear(1, 1, 2, 2, 1, seed=seed, method="homotopy", timeout=60).to_json()
    assert doc["summary"]["certified"] == 9


def test_candidates_are_nonsingular_first_then_singular_and_failed_estimates_once_each():
    nan = complex("nan")
    res = HomotopyResult(paths=6, endpoints=np.array([[1, 2], [3, 4], [3, 4 + 1e-9], [5, 6], [5, 6], [nan, nan]],
                                                     dtype=complex),
                         status=["nonsingular", "singular", "singular", "failed", "failed", "failed"],
                         multiplicity=np.array([1, 2, 2, 0, 0, 0]), condition=np.zeros(6), residual=np.zeros(6),
                         seconds=0.0)
    pts, labelled = res.candidates()
    assert labelled == 1 and pts.shape == (3, 2)
    assert np.allclose(pts, [[1, 2], [3, 4], [5, 6]])
