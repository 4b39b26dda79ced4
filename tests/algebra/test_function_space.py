"""The function-space upper bound on the generic rank (liao-poggio-dimension's generic-rank claim).

f_w(x) lies in the span of the monomials in x that the network can produce, so the data map factors
through the d x |S| evaluation matrix E and r <= rank E. Without biases and with t -> t^s the output is
homogeneous of degree s^(hidden layers) (Kileel-Trager-Bruna's neurovarieties); with biases every
monomial up to that degree can occur.
"""

from __future__ import annotations

import json
import math
import random

import pytest
from flint import fmpq, fmpq_mpoly_ctx

from verifier.activations import identity, polynomial, power
from verifier.algebra.function_space import TooLarge, function_space_bound, supports
from verifier.checker import check_certificate
from verifier.checker.algebra.funcspace import SupportTooLarge, evaluation_rank, function_space, output_supports
from verifier.checker.core.evaluate import Network as CheckerNetwork
from verifier.data import dataset_from_arrays
from verifier.network import conv1d, liao_poggio_tree, mlp, network_to_json
from verifier.theorems import verify


def rank_claim(cert):
    return next(c for c in cert.claims if c.id == "generic-rank")


def verify_and_check(net, data, **options):
    cert = verify("liao-poggio-dimension", data, network=net, groebner=False, **options)
    rep = check_certificate(json.loads(json.dumps(cert.to_json())))
    return cert, rank_claim(cert), rep


def random_data(p, d, l=1, seed=0):  # noqa: E741
    rng = random.Random(seed)
    X = [[rng.randint(-30, 30) for _ in range(p)] for _ in range(d)]
    Y = [[rng.randint(-9, 9) for _ in range(l)] for _ in range(d)]
    return dataset_from_arrays(X, Y)


# ---------------------------------------------------------------------------- end to end


def test_quadratic_form_in_two_variables_has_rank_three():
    """f_w(x) = sum_j a_j (w_j . x)^2 is a binary quadratic form: 3 monomials, so r <= 3 < l*d = 5."""
    net = mlp(2, [2], activation=power(2), bias=False)
    data = dataset_from_arrays([[1, 2], [3, -1], [2, 5], [-1, 4], [1, 7]], [1, 2, 3, 4, 5])
    cert = verify("liao-poggio-dimension", data, network=net)
    assert cert.status == "verified", cert.to_json()["reason"]
    gr = rank_claim(cert)
    assert gr.status == "verified" and gr.evidence["lower"] == gr.evidence["upper"] == 3
    assert gr.evidence["function_space"] == {"monomials": [3], "degrees": [2], "rank": 3}
    assert "3 monomials in x" in gr.message and "empty for generic targets" in gr.message
    rep = check_certificate(json.loads(json.dumps(cert.to_json())))
    assert rep.ok and rep.status == "verified", rep.text()


def test_biases_give_every_monomial_up_to_the_degree():
    """sum_j a_j (w_j . x + b_j)^2 + c: all 6 monomials of degree <= 2 in 2 variables; 8 points give r = 6."""
    net = mlp(2, [2], activation=power(2), bias=True)
    data = random_data(2, 8, seed=1)
    cert, gr, rep = verify_and_check(net, data)
    assert gr.evidence["function_space"] == {"monomials": [6], "degrees": [2], "rank": 6}
    assert gr.status == "verified" and gr.evidence["lower"] == gr.evidence["upper"] == 6, gr.message
    assert rep.ok, rep.text()


def test_function_space_larger_than_the_data_is_not_binding():
    """10 monomials of degree <= 2 in 3 variables, 4 points: the evaluation matrix has rank 4 = l*d."""
    net = mlp(3, [3], activation=power(2), bias=True)
    cert, gr, rep = verify_and_check(net, random_data(3, 4, seed=2))
    assert gr.status == "verified" and gr.evidence["lower"] == 4
    assert "function_space" not in gr.evidence      # the lower bound already reaches min(n, l*d)
    assert rep.ok, rep.text()
    # Stated anyway, it is re-derived and changes nothing.
    assert function_space_bound(net, random_data(3, 4, seed=2)) == {"monomials": [10], "degrees": [2], "rank": 4}


def test_deep_quadratic_network_is_a_binary_quartic():
    """p = 2, widths [2, 2], t^2, no bias: f is a binary quartic (5 monomials); n = 10, the rescalings give only
    6, with the rotation of the two second-layer units into the output 5."""
    net = mlp(2, [2, 2], activation=power(2), bias=False)
    data = random_data(2, 7, seed=3)
    cert, gr, rep = verify_and_check(net, data)
    assert gr.evidence["function_space"] == {"monomials": [5], "degrees": [4], "rank": 5}
    assert gr.evidence["field_rank"] == 5            # 4 rescalings and 1 rotation: n - 5 = 5
    assert gr.status == "verified" and gr.evidence["lower"] == gr.evidence["upper"] == 5
    assert rep.ok, rep.text()


def test_points_on_few_lines_through_the_origin_lower_the_evaluation_rank():
    """A binary quadratic form evaluated at points on 2 lines through 0: the rows span only 2 dimensions
    (x^alpha scales by t^2 along a line), so r <= 2 although there are 3 monomials and 5 points."""
    net = mlp(2, [2], activation=power(2), bias=False)
    data = dataset_from_arrays([[1, 2], [2, 4], [-3, -6], [1, -1], [5, -5]], [1, 2, 3, 4, 5])
    cert, gr, rep = verify_and_check(net, data)
    assert gr.evidence["function_space"] == {"monomials": [3], "degrees": [2], "rank": 2}
    assert gr.status == "verified" and gr.evidence["lower"] == gr.evidence["upper"] == 2
    assert rep.ok, rep.text()


def ktb_expected(p, widths, l, s):  # noqa: E741
    """Kileel-Trager-Bruna: min(d_h + sum_i (d_{i-1} - 1) d_i, l * C(p + D - 1, D)), D = s^(hidden layers)."""
    dims = [p, *widths, l]
    D = s ** len(widths)
    ambient = l * math.comb(p + D - 1, D)
    return min(dims[-1] + sum((dims[i - 1] - 1) * dims[i] for i in range(1, len(dims))), ambient), D


@pytest.mark.parametrize("p, widths, l, s", [
    (2, [2], 1, 2), (2, [2, 2], 1, 2), (2, [3, 2], 1, 2), (3, [3], 1, 2), (2, [2], 2, 2), (3, [2], 2, 2),
    (2, [2], 1, 3), (3, [2], 1, 3), (2, [2, 2], 1, 3),
], ids=lambda v: str(v))
def test_generic_rank_matches_kileel_trager_bruna(p, widths, l, s):  # noqa: E741
    """With at least as many generic points as monomials of the output degree, E is injective on the
    function space, so r is the neurovariety's dimension; these architectures are not defective."""
    expected, D = ktb_expected(p, widths, l, s)
    net = mlp(p, widths, l=l, activation=power(s), bias=False)
    data = random_data(p, math.comb(p + D - 1, D) + 2, l=l, seed=7)
    cert, gr, rep = verify_and_check(net, data)
    assert gr.status == "verified", gr.message
    assert gr.evidence["lower"] == gr.evidence["upper"] == expected
    assert rep.ok, rep.text()


def test_defective_quadratic_network():
    """p = 3, width 2, t^2: f is a ternary quadratic form of rank <= 2, a variety of dimension 5 < 6 (the
    formula's count). The function space does not prove 5 from above; the two rescalings and the rotation of
    the two quadratic units into the output (w_1 += s v_2 w_2, w_2 -= s v_1 w_1) do, with no kernel search,
    so even without time for one the claim is verified."""
    net = mlp(3, [2], activation=power(2), bias=False)
    data = random_data(3, 8, seed=4)
    for options in ({}, {"timeout": 0.01}):
        cert, gr, rep = verify_and_check(net, data, **options)
        assert gr.evidence["lower"] == gr.evidence["upper"] == 5
        assert any(f["description"].startswith("rotation") for f in gr.evidence["fields"])
        assert gr.status == "verified" and rep.status == "verified"


# ---------------------------------------------------------------------------- the supports


def true_supports(net):
    """The x-support of each output, by expanding f(w, x) with w and x symbolic."""
    p, n = len(net.inputs), net.n
    ctx = fmpq_mpoly_ctx.get(tuple([f"w{j}" for j in range(n)] + [f"x{j}" for j in range(p)]), "lex")
    g = ctx.gens()
    idx = {lab: j for j, lab in enumerate(net.labels)}
    val = {v: g[n + j] for j, v in enumerate(net.inputs)}
    for v in net.order:
        z = sum((g[idx[lab]] * val[u] for u, lab in net.in_edges(v)), ctx.from_dict({}))
        if net.bias(v) is not None:
            z += g[idx[net.bias(v)]]
        act = net.node_activation(v)
        if act is None:
            val[v] = z
        else:
            out = ctx.from_dict({})
            for c in reversed(act.coefficients()):
                out = out * z + fmpq(c)
            val[v] = out
    return [sorted({tuple(int(e) for e in mon[n:]) for mon in val[o].monoms()}) for o in net.outputs]


NETWORKS = {
    "power2-nobias": mlp(2, [2], activation=power(2), bias=False),
    "power2-bias": mlp(2, [2], activation=power(2)),
    "deep-power2": mlp(2, [2, 2], activation=power(2), bias=False),
    "power3-two-outputs": mlp(3, [2], l=2, activation=power(3), bias=False),
    "sparse-polynomial": mlp(2, [2], activation=polynomial(["1", "0", "0", "2"]), bias=False),
    "constant-term": mlp(2, [2], activation=polynomial(["1", "0", "1"]), bias=False),
    "identity": mlp(2, [3], activation=identity()),
    "tree": liao_poggio_tree(activation=power(2), bias=False),
    "conv": conv1d(4, 2, activation=power(2), bias=False),
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_solver_and_checker_supports_agree_and_contain_the_true_support(name):
    net = NETWORKS[name]
    mine = supports(net)
    theirs = output_supports(CheckerNetwork(network_to_json(net)))
    assert mine == theirs
    true = true_supports(net)
    assert all(set(t) <= set(s) for t, s in zip(true, mine))
    assert true == mine          # no cancellation in these architectures: the supports are exact


def test_sparse_polynomial_keeps_its_gaps():
    """sigma(t) = 1 + 2 t^3 on linear forms in 2 variables: the constant and the 4 cubics, nothing between."""
    S = supports(NETWORKS["sparse-polynomial"])[0]
    assert S == [(0, 0), (0, 3), (1, 2), (2, 1), (3, 0)]


def test_evaluation_rank_is_exact_for_dependent_points():
    """Repeated points make the rank mod p fall short of min(d, |S|): the exact rank over Q decides."""
    X = [[fmpq(1), fmpq(2)], [fmpq(1), fmpq(2)], [fmpq(3), fmpq(1, 2)], [fmpq(3), fmpq(1, 2)]]
    S = [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]
    assert evaluation_rank(X, S) == 2
    assert evaluation_rank(X, []) == 0


def test_budgets_refuse_huge_supports():
    net = mlp(3, [3, 3], activation=power(40), bias=True)
    with pytest.raises(SupportTooLarge):
        function_space(CheckerNetwork(network_to_json(net)), [[fmpq(1)] * 3])
    with pytest.raises(TooLarge):
        supports(net)
