"""The generic rank's upper bound from a factorization H = Psi o phi through a cut of the network.

Hand-checked bottlenecks whose kernel vectors of J over Q(w) have high degree (Cramer's rule and syz run out
of time there), the scaling fields of Psi, and forgeries the checker must reject: a Psi that does not compose
back to H, a changed phi, a field that does not annihilate J_Psi, an overstated field rank, malformed shapes.
"""

from __future__ import annotations

import random

import networkx as nx
import pytest
from flint import fmpq

from test_kernel_rank import rank_claim, retamper

from verifier.activations import polynomial, power
from verifier.algebra import engines
from verifier.algebra.factor import factorizations, torus_fields
from verifier.algebra.polys import compile_polynomials
from verifier.checker import check_certificate
from verifier.data import Dataset
from verifier.network import mlp, validate

pytestmark = pytest.mark.skipif(engines.singular_path() is None,
                                reason="Singular is not installed (pip install -e '.[algebra]')")


def data(p, l, d, seed=0):  # noqa: E741 - the output dimension
    rng = random.Random(seed)
    X = [[fmpq(rng.randint(-20, 20), 16) for _ in range(p)] for _ in range(d)]
    Y = [[fmpq(rng.randint(-20, 20), 16) for _ in range(l)] for _ in range(d)]
    return Dataset(X, Y)


def bottleneck():
    """MLP 3-2-1-2 with t + t^2, no biases, on 4 points: f(x_i) = (a_1 z_i, a_2 z_i) with z_i the width-1 unit's
    value, so the outputs form a rank-one 2 x 4 matrix (a z^T): 2 + 4 - 1 = 5, and rank J = 5 < 8 = l*d."""
    return mlp(3, [2, 1], l=2, activation=polynomial(["0", "1", "1"]), bias=False), data(3, 2, 4)


def bottleneck_repeated():
    """The bottleneck with its fourth input equal to its first (other targets): z_4 = z_1, so the outputs are
    a rank-one 2 x 3 matrix repeated in one column: 2 + 3 - 1 = 4."""
    net, ds = bottleneck()
    return net, Dataset(list(ds.X[:3]) + [ds.X[0]], ds.Y)


@pytest.mark.parametrize("net, ds, rank, kind", [
    (*bottleneck(), 5, "values"),
    (*bottleneck_repeated(), 4, "values"),
    # x -> (W x)^3 (4 units) -> c = v.(W x)^3, a binary cubic (4 coefficients) -> (a_1 c^3, a_2 c^3):
    # (a, c) -> a c^3 has one scaling (c -> t c, a -> t^-3 a): 6 - 1 = 5, where the symmetries give 9.
    (mlp(2, [4, 1], l=2, activation=power(3), bias=False), data(2, 2, 10), 5, "coefficients"),
    # t_s = w_s.x (two units), each output a binary cubic form in (t_1^3, t_2^3) (4 coefficients, all reached
    # by three cubes): (w, 8 coefficients) less two scalings: 10, where the symmetries give 11.
    (mlp(2, [2, 3], l=2, activation=power(3), bias=False), data(2, 2, 10), 10, "coefficients"),
])
def test_bottlenecks_are_certified_through_the_cut(net, ds, rank, kind):
    gr, doc = rank_claim(net, ds)
    assert gr.status == "verified", gr.message
    ev = gr.evidence
    assert ev["lower"] == ev["upper"] == rank
    fa = ev["factorization"]
    assert f"the cut as {kind}" in fa["description"]
    assert len(fa["variables"]) - fa["field_rank"] == rank
    assert "H = Psi o phi through Q^" in gr.message
    rep = check_certificate(doc)
    assert rep.ok, rep.text()


def test_every_factorization_found_composes_back_to_H():
    net, ds = bottleneck()
    ps = compile_polynomials(net, ds)
    found = factorizations(ps)
    assert found and found[0].bound == 5
    assert all(f.composes(ps.H) and f.bound < min(ps.n, ps.m) for f in found)
    assert [f.bound for f in found] == sorted(f.bound for f in found)


def test_torus_fields_are_the_null_space_of_the_exponents():
    import flint
    ctx = flint.fmpq_mpoly_ctx.get(("u", 3), "degrevlex")
    a, b, c = ctx.gens()
    # a b^2 and a^3 c^... : lambda_a + 2 lambda_b = 0 and lambda_c free only if c never appears.
    fields, point, rank = torus_fields([a * b**2 - 3, a * b**2 * c + 1], ctx)
    assert rank == 1 and len(fields) == 1
    lam = [comp[j].coeffs()[0] if not comp[j].is_zero() else 0 for j, comp in [(j, fields[0][1]) for j in range(3)]]
    assert lam[0] == -2 * lam[1] and lam[2] == 0
    assert torus_fields([ctx.constant(1)], ctx) == ([], [], 0)


# -- forgeries ------------------------------------------------------------------------------

def _doc():
    gr, doc = rank_claim(*bottleneck())
    assert gr.status == "verified"
    return doc


def _bump_first_term(poly_json):
    c, e = poly_json["terms"][0]
    poly_json["terms"][0] = [str(fmpq(c) + 1), e]


@pytest.mark.parametrize("forge, why", [
    (lambda fa: _bump_first_term(fa["psi"][0]), "does not compose"),
    (lambda fa: _bump_first_term(fa["phi"][0]), "does not compose"),
    # A constant first component: not in the kernel of J_Psi.
    (lambda fa: fa["fields"][0]["components"].__setitem__(0, {"terms": [["1", [0] * len(fa["variables"])]]}),
     "does not annihilate"),
    (lambda fa: fa.__setitem__("field_rank", fa["field_rank"] + 1), "rank 1 at the stated point"),
    (lambda fa: fa["fields"].append(fa["fields"][0]), None),
])
def test_forged_factorizations_are_rejected(forge, why):
    status, rep = retamper(_doc(), lambda ev: forge(ev["factorization"]))
    if why is None:                    # a repeated field raises nothing but its rank: the stated rank still holds
        assert status == "verified", rep.text()
        return
    assert status == "inconclusive", rep.text()
    assert why in rep.text(), rep.text()


def test_a_smaller_psi_that_does_not_compose_is_rejected():
    """Forge N = 5 (a lower, false bound of 4) by dropping the last value variable: Psi no longer composes."""
    def forge(ev):
        fa = ev["factorization"]
        fa["variables"].pop()
        fa["phi"].pop()
        fa["field_point"].pop()
        for f in fa["fields"]:
            f["components"].pop()
            for c in f["components"]:
                for t in c["terms"]:
                    t[1].pop()
        for c in fa["psi"]:
            c["terms"] = [[k, e[:-1]] for k, e in c["terms"] if e[-1] == 0]
        ev["upper"] = 4
    status, rep = retamper(_doc(), forge)
    assert status == "inconclusive", rep.text()


@pytest.mark.parametrize("forge", [
    lambda fa: fa.pop("psi"),
    lambda fa: fa["psi"].pop(),
    lambda fa: fa.__setitem__("variables", []),
    lambda fa: fa.__setitem__("variables", ["v"] * 5000),
    lambda fa: fa.__setitem__("fields", {}),
    lambda fa: fa["fields"][0]["components"].pop(),
    lambda fa: fa.__setitem__("extra", 1),
])
def test_malformed_factorizations_are_malformed(forge):
    status, rep = retamper(_doc(), lambda ev: forge(ev["factorization"]))
    assert status == "malformed" or not rep.ok and "malformed" in rep.text().lower(), rep.text()


# -- a cut of the graph, when H is too large to expand ------------------------------------------

def _cut_doc():
    """The bottleneck with --max-terms 20: H is not expanded, and the checker rebuilds Psi from the graph."""
    net, ds = bottleneck()
    gr, doc = rank_claim(net, ds, max_terms=20)
    return gr, doc


def test_a_cut_of_the_graph_bounds_the_rank_without_expanding_H():
    gr, doc = _cut_doc()
    sc = next(c for c in doc["claims"] if c["id"] == "polynomial-system")
    assert sc["status"] == "inconclusive"                      # H past the expansion budget
    assert gr.status == "verified" and gr.evidence["lower"] == gr.evidence["upper"] == 5, gr.message
    fa = gr.evidence["factorization"]
    assert fa["cut"] == {"nodes": ["h2_0"], "before_activation": False} and fa["inner"] == "values"
    assert len(fa["variables"]) == 6 and fa["field_rank"] == 1
    rep = check_certificate(doc)
    got = [r["checked"] for r in rep.results if r["id"] == "generic-rank"]
    assert got == ["verified"], rep.text()


def repeated_inputs():
    """MLP 1-3-1-1-2 with s(t) = (t - 1)^3 / 2 + 2 and biases on 4 points, two of them with the input x = 1 (and
    different targets). Both outputs are affine in one scalar u(x), so f at the points is (v_k u_i + w_k): u at
    the 3 distinct inputs is arbitrary (the first layers reach every cubic, then s is onto), and the 2 x 4 output
    values have 3 + 4 - 2 = 5 dimensions (the scaling u -> t u, v -> v / t and the shift u -> u + c,
    w -> w - c v). One variable per point instead of per distinct input gives only 6."""
    net = mlp(1, [3, 1, 1], l=2, activation=polynomial(["3/2", "3/2", "-3/2", "1/2"]), bias=True)
    X = [[fmpq(0)], [fmpq(1)], [fmpq(1)], [fmpq(-1)]]
    Y = [[fmpq(1), fmpq(-2)], [fmpq(0), fmpq(3)], [fmpq(2), fmpq(1)], [fmpq(-1), fmpq(1)]]
    return net, Dataset(X, Y)


@pytest.mark.parametrize("max_terms", [None, 20])
def test_repeated_inputs_share_the_cuts_values(max_terms):
    net, ds = repeated_inputs()
    kw = {} if max_terms is None else {"max_terms": max_terms}
    gr, doc = rank_claim(net, ds, timeout=30, **kw)
    assert gr.status == "verified" and gr.evidence["lower"] == gr.evidence["upper"] == 5, gr.message
    fa = gr.evidence["factorization"]
    if max_terms is not None:
        assert "cut" in fa
    if fa.get("inner") == "values" or "the cut as values" in fa["description"]:
        assert not any("point 3" in v for v in fa["variables"])
    rep = check_certificate(doc)
    got = [r["checked"] for r in rep.results if r["id"] == "generic-rank"]
    assert got == ["verified"], rep.text()


@pytest.mark.parametrize("forge, why", [
    # a first-layer node alone is no cut: the other first-layer node leads to the outputs around it
    (lambda fa: fa["cut"].__setitem__("nodes", ["h1_0"]), "not a cut"),
    (lambda fa: fa["outer_labels"].pop(), "not the stated ones"),
    (lambda fa: fa["cut"].__setitem__("before_activation", True), None),
    (lambda fa: fa.__setitem__("field_rank", 2), "rank 1 at the stated point"),
    (lambda fa: fa["variables"].pop(), "variables, not the"),
])
def test_forged_cuts_are_rejected(forge, why):
    _, doc = _cut_doc()
    status, rep = retamper(doc, lambda ev: forge(ev["factorization"]))
    assert status == "inconclusive", rep.text()
    if why is not None:
        assert why in rep.text(), rep.text()


@pytest.mark.parametrize("forge", [
    lambda fa: fa["cut"].__setitem__("nodes", ["no such node"]),
    lambda fa: fa["cut"].__setitem__("nodes", []),
    lambda fa: fa.__setitem__("inner", "parameters"),
    lambda fa: fa.pop("outer_labels"),
])
def test_malformed_cuts_are_malformed(forge):
    _, doc = _cut_doc()
    status, rep = retamper(doc, lambda ev: forge(ev["factorization"]))
    assert status == "malformed" or not rep.ok and "malformed" in rep.text().lower(), rep.text()


def narrow_above_wide():
    """x in Q^2 -> z = (w_1.x, w_2.x), cubed -> four units (b_j.Z)^3 with Z = (z_1^3, z_2^3) -> one unit
    q^2 with q = sum_j c_j (b_j.Z)^3, a binary cubic form in Z (4 coefficients) -> (a_1 q^2, a_2 q^2), no biases,
    on 8 points. By hand: (w, q's 4 coefficients, a) has 4 + 4 + 2 = 10 coordinates and 3 scalings (z_1, z_2 and
    q against a): r = 7. The symmetries give 18 - 7 = 11; one cut alone gives 8 + 2 - 1 = 9 (the width-1 unit's
    values) or 11 (the coefficients of q in x, a binary nonic); two cuts (the first layer's pre-activation as
    its coefficients in x, the width-1 unit's pre-activation as a cubic in the first layer's values) give 7."""
    g = nx.DiGraph(mlp(2, [2, 4, 1], l=2, activation=power(3), bias=False).graph)
    g.nodes["h3_0"]["activation"] = power(2)
    return validate(g, activation=power(3), name="narrow above wide"), data(2, 2, 8)


@pytest.fixture(scope="module")
def two_cut_doc():
    import verifier.theorems.liao_poggio as lp
    net, ds = narrow_above_wide()
    mp = pytest.MonkeyPatch()
    mp.setattr(lp, "factorizations", lambda *a, **k: [])        # the expanded search would take ~10 s
    try:
        gr, doc = rank_claim(net, ds, timeout=30)
    finally:
        mp.undo()
    return gr, doc


def test_two_cuts_bound_a_narrow_layer_above_a_wide_one(two_cut_doc):
    gr, doc = two_cut_doc
    assert gr.status == "verified" and gr.evidence["lower"] == gr.evidence["upper"] == 7, gr.message
    fa = gr.evidence["factorization"]
    assert fa["cut"] == {"nodes": ["h1_0", "h1_1"], "before_activation": True} and fa["inner"] == "coefficients"
    assert fa["middle"] == [{"nodes": ["h3_0"], "before_activation": True}]
    assert fa["outer_labels"] == ["W4[0,0]", "W4[1,0]"] and len(fa["variables"]) == 10 and fa["field_rank"] == 3
    rep = check_certificate(doc)
    got = [r["checked"] for r in rep.results if r["id"] == "generic-rank"]
    assert got == ["verified"], rep.text()


@pytest.mark.parametrize("forge, why", [
    # the first layer is not a polynomial in itself: no support over the first cut
    (lambda fa: fa["middle"][0].__setitem__("nodes", ["h1_0"]), "not polynomials in the previous cut"),
    # a middle layer node alone is no cut: the other three lead to the output around it
    (lambda fa: fa["middle"][0].__setitem__("nodes", ["h2_0"]), "last cut"),
    (lambda fa: fa["middle"][0].__setitem__("before_activation", False), None),
    (lambda fa: fa.pop("middle"), None),
    (lambda fa: fa["outer_labels"].append("W3[0,0]"), "not the stated ones"),
    (lambda fa: fa.__setitem__("field_rank", 4), "rank 3 at the stated point"),
])
def test_forged_two_cuts_are_rejected(two_cut_doc, forge, why):
    _, doc = two_cut_doc
    status, rep = retamper(doc, lambda ev: forge(ev["factorization"]))
    assert status == "inconclusive", rep.text()
    if why is not None:
        assert why in rep.text(), rep.text()


@pytest.mark.parametrize("forge", [
    lambda fa: fa["middle"][0].__setitem__("nodes", []),
    lambda fa: fa["middle"][0].__setitem__("nodes", ["no such node"]),
    lambda fa: fa["middle"][0].pop("before_activation"),
    lambda fa: fa.__setitem__("middle", []),
    lambda fa: fa.__setitem__("middle", fa["middle"] * 9),
    lambda fa: fa.__setitem__("middle", ["h3_0"]),
    lambda fa: fa.__setitem__("middle", {"nodes": ["h3_0"], "before_activation": True}),
])
def test_malformed_two_cuts_are_malformed(two_cut_doc, forge):
    _, doc = two_cut_doc
    status, rep = retamper(doc, lambda ev: forge(ev["factorization"]))
    assert status == "malformed" or not rep.ok and "malformed" in rep.text().lower(), rep.text()


def test_linear_maps_of_the_last_hidden_layer_are_affine_fields():
    """mlp 2-1-2-3 with s(t) = 2 + 2t + t^3/2 and biases on 6 points, 4 distinct inputs: the outputs are
    Y = A h + a_0 with h the last hidden layer's 2 values, so Psi (h at the 4 distinct inputs, A, a_0: 17
    variables) keeps its value under h -> M h, A -> A M^-1 (4 linear fields) and h -> h + c, a_0 -> a_0 - A c
    (2 affine ones): r <= 17 - 6 = 11. By hand: each output's values span, with 1, one 3-space of Q^4 (2
    dimensions of such spaces) holding 3 vectors (9): 11. The scalings alone give 2, and the modular search for
    the affine fields must sample past the rank of J_Psi (11 < 17 rows per point) to find all six."""
    net = mlp(2, [1, 2], l=3, activation=polynomial(["2", "2", "0", "1/2"]), bias=True)
    X = [[fmpq(a), fmpq(b)] for a, b in [(0, 1), (0, 0), (1, 0), (0, 0), (1, 1), (1, 0)]]
    Y = [[fmpq(c) for c in row] for row in [(3, -1, -1), (-1, 0, 3), (-3, -1, 0), (0, 1, 2), (-2, 1, -1), (1, -3, -1)]]
    gr, doc = rank_claim(net, Dataset(X, Y), timeout=30)
    assert gr.status == "verified" and gr.evidence["lower"] == gr.evidence["upper"] == 11, gr.message
    fa = gr.evidence["factorization"]
    assert len(fa["variables"]) == 17 and fa["field_rank"] == 6
    rep = check_certificate(doc)
    got = [r["checked"] for r in rep.results if r["id"] == "generic-rank"]
    assert got == ["verified"], rep.text()


def outputs_over_a_width_one_unit():
    """mlp 1-2-1-3-2 with s(t) = 1 - t + t^3 and biases on 12 points: the width-1 unit's pre-activation z is a
    cubic in x (4 coefficients) and each output is a cubic in u = s(z) (A h + a_0 with h_j = s(c_j u + e_j): 4
    coefficients), so r <= 4 + 8 = 12, the lower bound's minor. Through the width-1 unit alone, its values at 12
    points and the 14 labels above give nothing; its value's coefficients in x (10) and the outputs' in u (8)
    give 18 less two affine fields, 16. The outputs are the second cut here, over the unit's pre-activation."""
    net = mlp(1, [2, 1, 3], l=2, activation=polynomial(["1", "-1", "0", "1"]), bias=True)
    X = [[fmpq(v, 2)] for v in range(-6, 6)]
    Y = [[fmpq((3 * i) % 5 - 2), fmpq((7 * i) % 4 - 1)] for i in range(12)]
    return net, Dataset(X, Y)


def test_the_outputs_as_polynomials_in_a_cut_without_expanding_H():
    net, ds = outputs_over_a_width_one_unit()
    gr, doc = rank_claim(net, ds, max_terms=20, timeout=30)
    assert gr.status == "verified" and gr.evidence["lower"] == gr.evidence["upper"] == 12, gr.message
    fa = gr.evidence["factorization"]
    assert fa["cut"] == {"nodes": ["h2_0"], "before_activation": True} and fa["inner"] == "coefficients"
    assert fa["middle"] == [{"nodes": ["y0", "y1"], "before_activation": False}] and fa["outer_labels"] == []
    rep = check_certificate(doc)
    got = [r["checked"] for r in rep.results if r["id"] == "generic-rank"]
    assert got == ["verified"], rep.text()
    for forge, why in [(lambda fa: fa["middle"][0].__setitem__("before_activation", True), "no activation"),
                       (lambda fa: fa["middle"][0].__setitem__("nodes", ["y0"]), "does not lie above or on")]:
        status, rep = retamper(doc, lambda ev: forge(ev["factorization"]))
        assert status == "inconclusive" and why in rep.text(), rep.text()


def test_a_chain_of_cuts():
    """mlp 1-2-1-1-3-2 with t^2 and biases on 9 points, H not expanded: the first width-1 unit's pre-activation
    z is a quadratic in x (3 coefficients), the second's is a h + c in the first's value h = z^2 (2), and each
    output is a quadratic in the second's value (A g + a_0 with g_j = (c_j v + e_j)^2: 3 each, 6). Psi has 11
    variables and two scalings (z against a, and the second unit's pre-activation against the outputs'
    coefficients): r = 9, the lower bound."""
    net = mlp(1, [2, 1, 1, 3], l=2, activation=power(2), bias=True)
    X = [[fmpq(i, 2)] for i in range(9)]
    Y = [[fmpq((7 * i + k) % 5 - 2) for k in range(2)] for i in range(9)]
    gr, doc = rank_claim(net, Dataset(X, Y), max_terms=20, timeout=30)
    assert gr.status == "verified" and gr.evidence["lower"] == gr.evidence["upper"] == 9, gr.message
    fa = gr.evidence["factorization"]
    assert fa["cut"] == {"nodes": ["h2_0"], "before_activation": True}
    assert fa["middle"] == [{"nodes": ["h3_0"], "before_activation": True},
                            {"nodes": ["y0", "y1"], "before_activation": False}]
    rep = check_certificate(doc)
    got = [r["checked"] for r in rep.results if r["id"] == "generic-rank"]
    assert got == ["verified"], rep.text()
    for forge in (lambda fa: fa["middle"].pop(0), lambda fa: fa["middle"].reverse(),
                  lambda fa: fa["middle"][0].__setitem__("before_activation", False),
                  lambda fa: fa["middle"].insert(1, {"nodes": ["h3_0"], "before_activation": True})):
        status, rep = retamper(doc, lambda ev: forge(ev["factorization"]))
        assert status == "inconclusive", rep.text()


def test_affine_fields_of_psi():
    """t + t^2 = (t + 1/2)^2 - 1/4: f = a (c + c^2) + b has the field c -> t (c + 1/2) - 1/2, a -> t^-2 a,
    b -> b + (a - t^-2 a) / 4 (delta c = c + 1/2, delta a = -2 a, delta b = -a / 2), affine but no scaling.
    mlp 3-4-1-2 with biases on 15 points: the bottleneck's pre-activation is a quadratic in x (10
    coefficients), and with the 4 labels above it N = 14, less the affine field: r = 13."""
    net = mlp(3, [4, 1], l=2, activation=polynomial(["0", "1", "1"]), bias=True)
    gr, doc = rank_claim(net, data(3, 2, 15))
    assert gr.status == "verified" and gr.evidence["upper"] == 13, gr.message
    fa = gr.evidence["factorization"]
    assert any(f["description"].startswith("affine field") for f in fa["fields"]), fa["fields"]
    assert check_certificate(doc).ok


def test_affine_fields_are_found_and_only_true_ones_kept():
    import flint
    from verifier.algebra.factor import affine_fields
    ctx = flint.fmpq_mpoly_ctx.get(("u", 3), "degrevlex")
    c, a, b = ctx.gens()
    P = [a * (c + c**2) + b - 1, a * (c + c**2) * 2 + 2 * b + 5]
    fields = affine_fields(P, ctx)
    assert len(fields) == 1
    comp = fields[0][1]
    # proportional to (c + 1/2, -2 a, -a / 2)
    k = comp[0].coeffs()[0]
    assert comp[0] == k * (c + fmpq(1, 2)) and comp[1] == k * (-2 * a) and comp[2] == k * (-a / 2)


def test_building_psi_refuses_a_product_past_its_work_budget(monkeypatch):
    """One product of large polynomials cannot be interrupted by the deadline: building Psi refuses those whose
    term pairs exceed MAX_PRODUCT_WORK (a budget: that candidate is skipped), here with no budget at all."""
    import verifier.algebra.factor as F
    from verifier.algebra.factor import cut_factorizations
    net, ds = bottleneck()
    assert cut_factorizations(net, ds, target=5)
    monkeypatch.setattr(F, "MAX_PRODUCT_WORK", 0)
    assert cut_factorizations(net, ds, target=5) == []
