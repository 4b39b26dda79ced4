"""The sparse start system (verifier.solver.sparse): a random member of F's sparse family whose roots are found
by monodromy, then tracked to F; `verifier solve --start sparse`."""

from __future__ import annotations

import json
import os
import sys

import flint
import numpy as np
import pytest

from verifier.algebra import engines
from verifier.checker.algebra import engine as checker_engine
from verifier.cli import main
from verifier.errors import BudgetExceeded
from verifier.solver.homotopy import total_degree_count, track
from verifier.solver.numeric import NumericSystem

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
from bench_solve import cyclic, deep_linear, network  # noqa: E402

HAS_MSOLVE = engines.msolve_path() is not None
HAS_SINGULAR = checker_engine._singular() is not None


def _planted():
    """x^3 y^2 + 3 x y - 10, x^2 y^3 - x - 7: planted root (1, 2); total degree 25."""
    ctx = flint.fmpq_mpoly_ctx.get(("x", 2), "degrevlex")
    x, y = ctx.gens()
    return "planted", [x ** 3 * y ** 2 + 3 * x * y - 10, x ** 2 * y ** 3 - x - 7], None


CASES = {
    # name: (builder, msolve's count)
    "dln(1-1-1-1)": (lambda: deep_linear([1, 1, 1, 1]), 17),
    "cyclic(5)": (lambda: cyclic(5), 70),
    "net 2-1-1": (lambda: network(2, [1], ["0", "1", "1"], output_bias=False), 6),
    "planted": (_planted, None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_sparse_start_finds_every_root(name):
    build, count = CASES[name]
    _, F, _ = build()
    r = track(F, start="sparse", seed=0, timeout=120)
    s = r.summary()
    if HAS_SINGULAR:
        assert r.mixed_volume is not None and r.start_count == r.mixed_volume == r.paths
        assert s["start_complete"] and r.complete and s["monodromy"]["stop_reason"] == "complete"
    assert r.start_count < total_degree_count(F)
    assert s["failed"] == 0 and s["singular_paths"] == 0
    if count is None and HAS_MSOLVE:
        count = engines.msolve_count(F, F[0].context(), timeout=60)
    if count is not None:
        assert s["nonsingular"] == count
    # every finite endpoint is a root
    X = r.solutions("nonsingular")
    NS = NumericSystem.from_flint(F)
    scale = np.maximum(1.0, np.abs(X).max(axis=1)) ** max(NS.degrees)
    assert (np.abs(NS.eval(X)).max(axis=1) <= 1e-8 * scale).all()
    if name == "planted":
        assert np.abs(X - np.array([1.0, 2.0])).max(axis=1).min() < 1e-9


def test_start_roots_are_distinct_roots_of_the_start_system():
    from verifier.solver.sparse import mixed_volume, sparse_start
    _, F, _ = deep_linear([1, 1, 1, 1])
    NS = NumericSystem.from_flint(F)
    import time
    st = sparse_start(NS, np.random.default_rng(3), target=mixed_volume(NS), deadline=time.monotonic() + 60)
    G = NumericSystem.from_terms(st.exponents, st.coefficients, NS.n)
    R = st.roots
    assert len(R) == 17 or not HAS_SINGULAR
    assert np.abs(G.eval(R)).max() < 1e-9
    d = np.abs(R[:, None, :] - R[None, :, :]).max(axis=2) + np.eye(len(R))
    assert d.min() > 1e-6
    # every support is F_i's plus the constant monomial
    for E, Ef in zip(st.exponents, NS.exponents):
        assert {tuple(e) for e in E} == {tuple(e) for e in Ef} | {(0, 0, 0)}


def test_timeout_is_an_incomplete_result_not_an_error():
    _, F, _ = cyclic(5)
    r = track(F, start="sparse", seed=0, timeout=0.01)
    assert not r.complete and not r.summary()["start_complete"]


@pytest.mark.skipif(not HAS_SINGULAR, reason="Singular not installed")
def test_budget_and_determinism():
    _, F, _ = network(2, [1], ["0", "1", "1"], output_bias=False)
    with pytest.raises(BudgetExceeded):
        track(F, start="sparse", max_paths=5)
    a = track(F, start="sparse", seed=4)
    b = track(F, start="sparse", seed=4)
    assert a.summary()["nonsingular"] == 6 and a.start_count == 7
    assert np.array_equal(a.solutions(), b.solutions())


def test_cli_solve_start_sparse(tmp_path, capsys):
    p = tmp_path / "planted.txt"
    p.write_text("vars: x, y\nx^3*y^2 + 3*x*y - 10\nx^2*y^3 - x - 7\n")
    out = tmp_path / "c.json"
    rc = main(["solve", str(p), "--start", "sparse", "--method", "homotopy", "--out", str(out), "--timeout", "60",
               "--json"])
    env = json.loads(capsys.readouterr().out)
    hom = env["result"]["summary"]["homotopy"]
    assert hom["start_system"] == "sparse" and hom["start_count"] < 25
    assert env["result"]["summary"]["certified"] == hom["nonsingular"] > 0
    if HAS_SINGULAR:
        assert rc == 0 and hom["start_count"] == hom["mixed_volume"]
    assert main(["check", str(out)]) in ((0,) if HAS_SINGULAR else (0, 1))


@pytest.mark.skipif(not HAS_SINGULAR, reason="Singular not installed")
def test_route_counts_the_mixed_volume():
    from verifier.theorems.solving import start_paths
    _, F, _ = cyclic(5)
    assert start_paths(F, None, "sparse") == 70 and start_paths(F, None, "total-degree") == 120
