"""The checker's exact polynomial compilation of H and its certificate identities.

verifier/checker/algebra/polys.py
"""

from __future__ import annotations

import itertools
import random
import time

import networkx as nx
import pytest
from flint import arb, fmpq

from verifier import activations as A
from verifier import network as N
from verifier.checker.core.evaluate import Network
from verifier.checker.format import FormatError, arb_to_fmpq, parse_rational, rational_str
from verifier.checker.algebra.polys import (check_combination, evaluate_exact, jacobian_polys, lagrange_generators,
                                    poly_from_json, poly_to_json, polynomial_residuals, vanishes_identically)


def checker_net(net):
    return Network(N.network_to_json(net))


def rq(rng, den=7):
    return fmpq(rng.randint(-9, 9), rng.randint(1, den))


def data(rng, d, p, l):
    return [[rq(rng) for _ in range(p)] for _ in range(d)], [[rq(rng) for _ in range(l)] for _ in range(d)]


def contains(ball, q):
    """Whether the exact rational q lies in the arb ball (endpoints compared exactly)."""
    return arb_to_fmpq(ball.lower()) <= q <= arb_to_fmpq(ball.upper())


def skip_dag():
    """A DAG with a skip connection, per-node activations and a label shared by two edges."""
    g = nx.DiGraph()
    for v in ("a", "b"):
        g.add_node(v, kind="input")
    g.add_node("h", kind="hidden", bias="c", activation=A.polynomial(["0", "1/2", "1"]))
    g.add_node("k", kind="hidden", activation=A.identity())
    g.add_node("out", kind="output", bias="d")
    g.add_edge("a", "h", weight="u")
    g.add_edge("b", "h", weight="s")
    g.add_edge("h", "k", weight="s")          # shared with b -> h
    g.add_edge("a", "k", weight="t")
    g.add_edge("k", "out", weight="o1")
    g.add_edge("b", "out", weight="o2")       # skip connection
    return N.validate(g, activation=A.power(3), name="skip dag")


def test_one_hidden_layer_matches_hand_computation():
    rng = random.Random(1)
    net = N.mlp(2, [3], activation=A.power(2))
    X, Y = data(rng, 3, 2, 1)
    variables = list(reversed(net.labels)) + ["lam0"]        # any order, plus an extra variable
    ctx, H = polynomial_residuals(checker_net(net), X, Y, variables)
    assert ctx.nvars() == net.n + 1 and len(H) == 3
    v = dict(zip(variables, ctx.gens()))
    for i in range(3):
        f = v["b2[0]"]
        for j in range(3):
            z = v[f"W1[{j},0]"] * X[i][0] + v[f"W1[{j},1]"] * X[i][1] + v[f"b1[{j}]"]
            f += v[f"W2[0,{j}]"] * z * z
        assert H[i] == f - Y[i][0]
    assert all(h.degrees()[-1] == 0 for h in H)               # the extra variable does not occur


def test_point_major_order_with_several_outputs():
    rng = random.Random(2)
    net = N.mlp(1, [], l=2, activation=A.identity())           # y_k = W1[k,0] x + b1[k]
    X, Y = data(rng, 2, 1, 2)
    ctx, H = polynomial_residuals(checker_net(net), X, Y, list(net.labels))
    v = dict(zip(net.labels, ctx.gens()))
    for i in range(2):
        for k in range(2):
            assert H[i * 2 + k] == v[f"W1[{k},0]"] * X[i][0] + v[f"b1[{k}]"] - Y[i][k]


@pytest.mark.parametrize("make", [
    lambda: N.mlp(2, [3, 2], l=2, activation=A.polynomial(["1/3", "-1", "1/2"])),
    lambda: N.liao_poggio_tree(activation=A.power(2)),
    lambda: N.conv1d(4, 2, channels=2, activation=A.relu_approx(4, 2)),
    skip_dag,
])
def test_exact_values_lie_in_the_arb_forward_pass(make):
    rng = random.Random(3)
    net = make()
    cn = checker_net(net)
    X, Y = data(rng, 3, net.p, net.l)
    variables = list(net.labels)
    rng.shuffle(variables)
    _, H = polynomial_residuals(cn, X, Y, variables)
    for _ in range(3):
        point = [rq(rng, 5) for _ in variables]
        exact = evaluate_exact(H, point)
        params = {lab: arb(q) for lab, q in zip(variables, point)}
        O, _, D1 = cn.forward([[arb(q) for q in row] for row in X], params)
        balls = cn.residuals(O, Y)
        assert len(balls) == len(exact)
        assert all(contains(b, q) for b, q in zip(balls, exact))
        # The Jacobian of the compiled H agrees with the checker's reverse-mode columns.
        J = jacobian_polys(H, len(variables))
        cols = cn.jacobian_columns(O, D1, params, variables)
        for r in range(len(H)):
            vals = evaluate_exact(J[r], point)
            assert all(contains(cols[r, j], vals[j]) for j in range(len(variables)))


def test_weight_sharing_is_one_variable():
    rng = random.Random(4)
    net = N.liao_poggio_tree(activation=A.power(2))
    X, Y = data(rng, 2, 4, 1)
    ctx, H = polynomial_residuals(checker_net(net), X, Y, list(net.labels))
    assert ctx.nvars() == 8                                    # h1 h2 hb g1 g2 gb a c
    v = dict(zip(net.labels, ctx.gens()))
    for i, x in enumerate(X):
        hL = (v["h1"] * x[0] + v["h2"] * x[1] + v["hb"]) ** 2
        hR = (v["h1"] * x[2] + v["h2"] * x[3] + v["hb"]) ** 2
        f = v["a"] * (v["g1"] * hL + v["g2"] * hR + v["gb"]) ** 2 + v["c"]
        assert H[i] == f - Y[i][0]


def test_rejects_non_polynomial_activation_and_bad_variables():
    X, Y = [[fmpq(1), fmpq(2)]], [[fmpq(0)]]
    net = N.mlp(2, [2], activation="smoolu")
    with pytest.raises(FormatError, match="non-polynomial activation"):
        polynomial_residuals(checker_net(net), X, Y, list(net.labels))
    net = N.mlp(2, [2], activation=A.power(2))
    cn = checker_net(net)
    labels = list(net.labels)
    with pytest.raises(FormatError, match="start with"):
        polynomial_residuals(cn, X, Y, ["extra"] + labels)
    with pytest.raises(FormatError, match="start with"):
        polynomial_residuals(cn, X, Y, labels[:-1])
    with pytest.raises(FormatError, match="repeated"):
        polynomial_residuals(cn, X, Y, labels + [labels[0]])
    with pytest.raises(FormatError, match="data rows"):
        polynomial_residuals(cn, [[fmpq(1)]], Y, labels)


def test_budget_stops_a_deep_degree_five_network():
    net = N.mlp(2, [3, 3, 3], activation=A.power(5))
    X, Y = [[fmpq(1, 3), fmpq(2)], [fmpq(-1), fmpq(5, 7)]], [[fmpq(0)], [fmpq(1)]]
    cn = checker_net(net)
    t = time.perf_counter()
    with pytest.raises(FormatError, match="polynomial too large"):
        polynomial_residuals(cn, X, Y, list(net.labels))
    assert time.perf_counter() - t < 5
    with pytest.raises(FormatError, match="polynomial too large"):
        polynomial_residuals(cn, X, Y, list(net.labels), max_terms=1000)
    with pytest.raises(FormatError, match="monomial products"):
        polynomial_residuals(cn, X, Y, list(net.labels), max_work=50)
    # A single chain of high powers: few terms but a degree that explodes.
    chain = N.mlp(1, [1, 1, 1], activation=A.power(1000), bias=False)
    with pytest.raises(FormatError, match="polynomial too large"):
        polynomial_residuals(checker_net(chain), [[fmpq(3, 2)]], [[fmpq(0)]], list(chain.labels))


def test_check_combination_on_a_known_identity():
    import flint
    ctx = flint.fmpq_mpoly_ctx.get(("v0",), "degrevlex")
    (x,) = ctx.gens()
    F = [x ** 2, x - 1]
    assert check_combination([ctx.constant(1), -x - 1], F)
    assert not check_combination([ctx.constant(1), -x], F)
    assert not check_combination([ctx.constant(0), ctx.constant(0)], F)
    with pytest.raises(FormatError, match="cofactors"):
        check_combination([ctx.constant(1)], F)
    big = (x + 1) ** 100
    with pytest.raises(FormatError, match="polynomial too large"):
        check_combination([big, ctx.constant(0)], [big, x], max_work=1000)
    other = flint.fmpq_mpoly_ctx.get(("v0", "v1"), "degrevlex")
    with pytest.raises(FormatError, match="different variable lists"):
        check_combination([other.constant(1), -x - 1], F)


def test_lagrange_generators_order_and_a_nullstellensatz_certificate():
    # y = W1[0,0] x + b1[0] at x = 1: H = w + b, J = [1, 1] has full rank everywhere.
    net = N.mlp(1, [], activation=A.identity())
    ctx, H = polynomial_residuals(checker_net(net), [[fmpq(1)]], [[fmpq(0)]], list(net.labels) + ["lam"])
    w, b, lam = ctx.gens()
    G = lagrange_generators(H, 2, 2, 0)
    assert G == [w + b, lam, lam, lam - 1]
    zero, one = ctx.constant(0), ctx.constant(1)
    assert check_combination([zero, one, zero, -one], G)
    with pytest.raises(FormatError, match="chart"):
        lagrange_generators(H, 2, 2, 1)
    with pytest.raises(FormatError, match="multipliers"):
        lagrange_generators(H, 2, 3, 0)


def test_lagrange_generators_are_lambda_transpose_jacobian():
    rng = random.Random(5)
    net = N.mlp(2, [2], activation=A.power(2))
    X, Y = data(rng, 2, 2, 1)
    n = net.n
    ctx, H = polynomial_residuals(checker_net(net), X, Y, list(net.labels) + ["l0", "l1"])
    G = lagrange_generators(H, n, n, 1)
    lam = ctx.gens()[n:]
    J = jacobian_polys(H, n)
    assert len(G) == len(H) + n + 1 and G[:len(H)] == H and G[-1] == lam[1] - 1
    for j in range(n):
        assert G[len(H) + j] == lam[0] * J[0][j] + lam[1] * J[1][j]


@pytest.mark.parametrize("bias", [False, True])
def test_rescaling_field_vanishes_identically(bias):
    rng = random.Random(6)
    h = 3
    net = N.mlp(2, [h], activation=A.power(2), bias=bias)
    X, Y = data(rng, 4, 2, 1)
    ctx, H = polynomial_residuals(checker_net(net), X, Y, list(net.labels))
    v = dict(zip(net.labels, ctx.gens()))
    zero = ctx.constant(0)
    for unit in range(h):
        # Unit j: incoming weights and bias scale by t, its outgoing weight by t^-2.
        field = {lab: zero for lab in net.labels}
        for i in range(2):
            field[f"W1[{unit},{i}]"] = v[f"W1[{unit},{i}]"]
        if bias:
            field[f"b1[{unit}]"] = v[f"b1[{unit}]"]
        field[f"W2[0,{unit}]"] = -2 * v[f"W2[0,{unit}]"]
        comps = [field[lab] for lab in net.labels]
        assert vanishes_identically(H, net.n, comps)
        bad = dict(field)
        bad[f"W2[0,{unit}]"] = -v[f"W2[0,{unit}]"]
        assert not vanishes_identically(H, net.n, [bad[lab] for lab in net.labels])
        shifted = dict(field)
        shifted[f"W1[{unit},0]"] = v[f"W1[{unit},0]"] + 1
        assert not vanishes_identically(H, net.n, [shifted[lab] for lab in net.labels])
    with pytest.raises(FormatError, match="components"):
        vanishes_identically(H, net.n, [zero])


def test_evaluate_exact_at_an_exact_zero():
    net = N.mlp(1, [1], activation=A.power(2))                # y = a (w x + b)^2 + c
    X, Y = [[fmpq(1)], [fmpq(2)]], [[fmpq(5)], [fmpq(10)]]
    _, H = polynomial_residuals(checker_net(net), X, Y, list(net.labels))
    point = {"W1[0,0]": fmpq(1), "b1[0]": fmpq(1), "W2[0,0]": fmpq(1), "b2[0]": fmpq(1)}
    assert evaluate_exact(H, [point[lab] for lab in net.labels]) == [0, 0]
    point["b2[0]"] = fmpq(3, 2)
    assert evaluate_exact(H, [point[lab] for lab in net.labels]) == [fmpq(1, 2), fmpq(1, 2)]
    with pytest.raises(FormatError, match="coordinates"):
        evaluate_exact(H, [fmpq(1)])


def test_poly_json_round_trip_and_duplicates():
    rng = random.Random(7)
    net = N.mlp(2, [2], activation=A.polynomial(["1/3", "-1", "1/2"]))
    X, Y = data(rng, 2, 2, 1)
    ctx, H = polynomial_residuals(checker_net(net), X, Y, list(net.labels))
    for h in H:
        js = poly_to_json(h)
        assert all(isinstance(c, str) and isinstance(e, list) for c, e in js["terms"])
        assert poly_from_json(js, ctx, net.n) == h
    n = ctx.nvars()
    e = [1] + [0] * (n - 1)
    p = poly_from_json({"terms": [["1/2", e], ["1/2", e], ["-3", [0] * n], [2, [0] * n]]}, ctx, n)
    assert p == ctx.gens()[0] - 1
    assert poly_from_json({"terms": [["1", e], ["-1", e]]}, ctx, n).is_zero()
    assert poly_from_json({"terms": []}, ctx, n).is_zero()
    # Fewer variables than the context: trailing exponents are zero.
    assert poly_from_json({"terms": [["2", [1]]]}, ctx, 1) == 2 * ctx.gens()[0]
    assert poly_to_json(ctx.constant(fmpq(-3, 7))) == {"terms": [["-3/7", [0] * n]]}


@pytest.mark.parametrize("obj, nvars, match", [
    ({"terms": [["1", [True, 0]]]}, 2, "exponents"),
    ({"terms": [["1", [-1, 0]]]}, 2, "exponents"),
    ({"terms": [["1", [1.0, 0]]]}, 2, "exponents"),
    ({"terms": [["1", [10001, 0]]]}, 2, "exponents"),
    ({"terms": [["1", [1, 0, 0]]]}, 2, "term must be"),
    ({"terms": [["1", [1]]]}, 2, "term must be"),
    ({"terms": [["1e99999", [1, 0]]]}, 2, "rational"),
    ({"terms": [["1/0", [1, 0]]]}, 2, "denominator"),
    ({"terms": [[True, [1, 0]]]}, 2, "rational"),
    ({"terms": [[0.5, [1, 0]]]}, 2, "rational"),
    ({"terms": [["1", [1, 0], "x"]]}, 2, "term must be"),
    ({"terms": [("1", [1, 0])]}, 2, "term must be"),
    ({"terms": "x"}, 2, "polynomial must be"),
    ({"terms": [], "extra": 1}, 2, "polynomial must be"),
    ([["1", [1, 0]]], 2, "polynomial must be"),
    ({"terms": []}, 3, "do not fit"),
    ({"terms": []}, True, "do not fit"),
])
def test_poly_from_json_rejects_malformed(obj, nvars, match):
    import flint
    ctx = flint.fmpq_mpoly_ctx.get(("v0", "v1"), "degrevlex")
    with pytest.raises(FormatError, match=match):
        poly_from_json(obj, ctx, nvars)


def test_poly_from_json_term_budget_and_speed():
    import flint
    ctx = flint.fmpq_mpoly_ctx.get(tuple(f"v{i}" for i in range(10)), "degrevlex")
    with pytest.raises(FormatError, match="polynomial too large"):
        poly_from_json({"terms": [["1", [0] * 10]] * 200_001}, ctx, 10)
    with pytest.raises(FormatError, match="polynomial too large"):
        poly_from_json({"terms": [["1", [0] * 10]] * 11}, ctx, 10, max_terms=10)
    coefs = [f"{a}/{b}" for a in range(-99, 100) for b in range(1, 10)]
    exps = itertools.islice(itertools.product(range(4), repeat=10), 100_000)
    terms = [[coefs[i % len(coefs)], list(e)] for i, e in enumerate(exps)]
    t = time.perf_counter()
    p = poly_from_json({"terms": terms}, ctx, 10)
    assert time.perf_counter() - t < 5
    js = poly_to_json(p)
    assert poly_from_json(js, ctx, 10) == p
    assert all(c == rational_str(parse_rational(c)) for c, _ in js["terms"][:1000])
