"""Exact generic rank: the upper bound from polynomial kernel vectors of J over Q(w) (Singular syz).

The lower bound is a nonzero minor mod p; the upper bound n - k (k right kernel vectors independent at a
point) or l*d - k (left kernel vectors). Hand-checked cases, a property test that the bounds meet on random
small polynomial networks, and tampering the checker must reject.
"""

from __future__ import annotations

import copy
import json

import hypothesis.strategies as st
import pytest
from flint import fmpq
from hypothesis import given, note, settings

from verifier.activations import identity, polynomial, power
from verifier.algebra import engines
from verifier.algebra import symmetries
from verifier.checker import check_certificate
from verifier.checker.format import digest
from verifier.data import Dataset
from verifier.errors import BudgetExceeded
from verifier.network import mlp
from verifier.strategies import activations, datasets, networks, rationals
from verifier.theorems import verify

pytestmark = pytest.mark.skipif(engines.singular_path() is None,
                                reason="Singular is not installed (pip install -e '.[algebra]')")


def ds(xs, ys):
    return Dataset([[fmpq(c) for c in (x if isinstance(x, tuple) else (x,))] for x in xs], [[fmpq(y)] for y in ys])


def rank_claim(net, data, **kw):
    cert = verify("liao-poggio-dimension", data, network=net, groebner=False, **kw)
    gr = next(c for c in cert.claims if c.id == "generic-rank")
    doc = json.loads(json.dumps(cert.to_json()))
    return gr, doc


def gr_index(doc):
    return next(i for i, c in enumerate(doc["claims"]) if c["id"] == "generic-rank")


def retamper(doc, fn):
    bad = copy.deepcopy(doc)
    fn(bad["claims"][gr_index(bad)]["evidence"])
    bad["digest"] = digest(bad)
    rep = check_certificate(bad)
    got = [r["checked"] for r in rep.results if r["id"] == "generic-rank"]
    return (got[0] if got else "malformed"), rep


def squares_net():
    """x -> (w.x)^2 -> three units c_k z^2 -> sum a_k: f = (sum_k a_k c_k^2) (w.x)^4, no biases.

    By hand: the parameters enter through s = sum a_k c_k^2 and w, and (s, w) -> s (w.x)^4 has a
    one-dimensional scaling fibre (w -> t w, s -> t^-4 s), so the generic rank is 1 + 3 - 1 = 3. The
    rescalings (one per unit) give only r <= 9 - 4 = 5; with the rotations of the three quadratic units into
    the output (3 more fields) the symmetries alone give 3."""
    return mlp(3, [1, 3], activation=power(2), bias=False)


def general_points(d, p=3):
    pts = [(1, 2, 3), (2, -1, 1), (-3, 1, 2), (1, 1, -2), (4, 2, -1), (-1, -2, 5), (2, 3, 4), (5, -3, 1)]
    return [tuple(x[:p]) for x in pts[:d]]


def data7():
    return ds(general_points(7), [1, 2, 0, -1, 3, 1, 2])


@pytest.fixture
def kernel_only(monkeypatch):
    """Withhold the factorization routes (tried first) and the rotations of quadratic units (which alone close
    the squares network's gap: three units into one output) so that the kernel routes are the ones under test."""
    monkeypatch.setattr("verifier.theorems.liao_poggio.factorizations", lambda *a, **k: [])
    monkeypatch.setattr("verifier.theorems.liao_poggio.cut_factorizations", lambda *a, **k: [])
    real = symmetries.symmetry_fields
    monkeypatch.setattr("verifier.theorems.liao_poggio.symmetry_fields",
                        lambda net, ctx: [f for f in real(net, ctx) if not f[0].startswith("rotation")])


def no_cramer(monkeypatch):
    def refuse(*a, **k):
        raise BudgetExceeded("Cramer's rule withheld by the test")
    monkeypatch.setattr("verifier.theorems.liao_poggio.cramer_kernel", refuse)


def test_kernel_vectors_close_the_gap_the_symmetries_leave(kernel_only):
    # Default route: l*d = 7 < n = 9, so Cramer's rule on the lower bound's 3x3 minor, left side: 7 - 3 vectors.
    gr, doc = rank_claim(squares_net(), data7())
    assert gr.status == "verified", gr.message
    ev = gr.evidence
    assert ev["lower"] == ev["upper"] == 3
    assert ev["left_rank"] == 4 and ev["field_rank"] == 4          # the four rescalings stay as they were
    assert "u^T J = 0 identically, of rank 4" in gr.message
    rep = check_certificate(doc)
    assert rep.ok, rep.text()
    # Without the kernel vectors the symmetry fields alone leave 3 <= r <= 5.
    gr0, _ = rank_claim(squares_net(), data7(), timeout=0.01)
    assert gr0.status == "inconclusive" and gr0.evidence["upper"] == 5
    assert "ran out of time" in gr0.message or "not found" in gr0.message


def test_singular_syz_gives_the_right_kernel(monkeypatch, kernel_only):
    no_cramer(monkeypatch)
    gr, doc = rank_claim(squares_net(), data7())
    assert gr.status == "verified", gr.message
    ev = gr.evidence
    assert ev["field_rank"] == 6 and len(ev["fields"]) > 4 and "left_kernel" not in ev
    assert "symmetry fields of rank 6: n - 6 = 3" in gr.message
    assert check_certificate(doc).ok


def test_a_vector_not_identically_in_the_kernel_is_rejected(monkeypatch, kernel_only):
    no_cramer(monkeypatch)
    _, doc = rank_claim(squares_net(), data7())

    def swap(ev):
        # A kernel vector with two components exchanged: J v != 0 as polynomials.
        comps = ev["fields"][-1]["components"]
        i, j = next((i, j) for i in range(len(comps)) for j in range(len(comps)) if comps[i] != comps[j])
        comps[i], comps[j] = comps[j], comps[i]
    status, rep = retamper(doc, swap)
    assert status == "inconclusive" and "annihilate" in rep.text()
    # Stating a larger rank for the fields than they have at the point.
    status, _ = retamper(doc, lambda ev: ev.__setitem__("field_rank", ev["field_rank"] + 1))
    assert status != "verified"
    # Dropping a vector keeps the bound honest: the gap reopens.
    status, _ = retamper(doc, lambda ev: (ev["fields"].pop(), ev.__setitem__("field_rank", ev["field_rank"] - 1)))
    assert status == "inconclusive"


def test_the_left_kernel_from_syz_when_the_right_one_is_not_found(monkeypatch, kernel_only):
    no_cramer(monkeypatch)
    real = symmetries.kernel_vectors

    def right_fails(ps, *, left, timeout, max_memory_mb):
        if not left:
            raise engines.EngineError("right kernel withheld by the test")
        return real(ps, left=left, timeout=timeout, max_memory_mb=max_memory_mb)
    monkeypatch.setattr("verifier.theorems.liao_poggio.kernel_vectors", right_fails)
    gr, doc = rank_claim(squares_net(), data7())
    assert gr.status == "verified", gr.message
    assert "Singular syz" in gr.evidence["left_kernel"][0]["description"]
    check_left_kernel_tampering(gr, doc)


def test_cramer_left_kernel_tampering(kernel_only):
    gr, doc = rank_claim(squares_net(), data7())
    assert "Cramer" in gr.evidence["left_kernel"][0]["description"]
    check_left_kernel_tampering(gr, doc)


def check_left_kernel_tampering(gr, doc):
    ev = gr.evidence
    assert ev["left_rank"] == 7 - 3 and len(ev["left_kernel"]) == 4
    assert "u^T J = 0 identically, of rank 4" in gr.message
    rep = check_certificate(doc)
    assert rep.ok, rep.text()
    # A left vector with one coefficient doubled is no longer in the left kernel.
    status, rep = retamper(doc, lambda ev: _double_a_coefficient(ev["left_kernel"][0]["components"]))
    assert status == "inconclusive", rep.text()
    status, _ = retamper(doc, lambda ev: ev.__setitem__("left_rank", 5))
    assert status != "verified"
    # A repeated vector adds nothing: the rank at the point is recomputed, not counted.
    status, _ = retamper(doc, lambda ev: (ev["left_kernel"].append(copy.deepcopy(ev["left_kernel"][0])),
                                          ev.__setitem__("left_rank", 5), ev.__setitem__("upper", 2)))
    assert status != "verified"


def _double_a_coefficient(comps):
    comp = next(c for c in comps if c["terms"])
    coeff = fmpq(*map(int, comp["terms"][0][0].split("/"))) if "/" in comp["terms"][0][0] else fmpq(int(comp["terms"][0][0]))
    comp["terms"][0][0] = str(2 * coeff)


# -- hand-checked data cases: collinear, repeated, zero input -----------------------------


@pytest.mark.parametrize("xs, ys, bias, rank", [
    # f = a (w.x + b)^2 + c, n = 5, with one rescaling ((w, b) -> s (w, b), a -> a / s^2): r <= 4.
    # On points of one line f is a quadratic in t: rank 3.
    ([(1, 2), (2, 4), (3, 6), (-1, -2), (5, 10)], [1, 0, 2, 3, 1], True, 3),
    # A repeated input (equal targets, then different ones): two equal rows of J, so 3 rows of rank 3.
    ([(1, 2), (3, -1), (1, 2), (0, 5)], [1, 2, 1, 4], True, 3),
    ([(1, 2), (3, -1), (1, 2), (0, 5)], [1, 2, 7, 4], True, 3),
    # The zero input with biases: f(0) = a b^2 + c is a row like any other, rank 4 = n - 1.
    ([(0, 0), (1, 2), (3, -1), (2, 2), (-1, -3), (4, 1)], [0, 1, 2, 0, 4, 1], True, 4),
    # Without biases f(0) = 0 for every w: the zero input's row of J vanishes, two points give rank 2.
    ([(0, 0), (1, 2), (3, -1)], [0, 1, 2], False, 2),
])
def test_data_cases_by_hand(xs, ys, bias, rank):
    net = mlp(2, [1], activation=power(2), bias=bias)
    gr, doc = rank_claim(net, ds(xs, ys))
    assert gr.status == "verified", gr.message
    assert gr.evidence["lower"] == gr.evidence["upper"] == rank
    assert check_certificate(doc).ok


# -- the bounds meet on random small polynomial networks ----------------------------------

SMALL_ACTS = st.one_of(st.just(power(2)), st.just(power(3)), st.just(identity()),
                       st.just(polynomial(["0", "1", "1"])), activations(kinds=("polynomial",)))


@st.composite
def small_instances(draw):
    """One hidden layer (any of the activations, one or two outputs) or two (quadratic, cubic or linear units,
    one or two outputs): two outputs behind a width-1 layer have kernel vectors of J over Q(w) of high degree,
    and the bounds meet there through a factorization of H through the bottleneck."""
    depth = draw(st.integers(1, 2))
    acts = SMALL_ACTS if depth == 1 else st.one_of(st.just(power(2)), st.just(power(3)), st.just(identity()),
                                                    st.just(polynomial(["0", "1", "1"])))
    net = draw(networks(p=st.integers(1, 3), l=st.integers(1, 2), depth=depth,
                        widths=st.integers(1, 3 if depth == 1 else 2), bias=st.booleans(), activation=acts))
    if net.n > 10:
        net = mlp(net.p, [1], l=net.l, activation=draw(SMALL_ACTS), bias=draw(st.booleans()))
    d = draw(st.integers(1, 6))
    data = draw(datasets(d=d, p=net.p, l=net.l, distinct=st.booleans(),
                         values=rationals(min_value=-3, max_value=3, max_denominator=3),
                         targets=rationals(min_value=-3, max_value=3, max_denominator=3)))
    return net, data


@settings(deadline=None, max_examples=25)
@given(small_instances())
def test_lower_and_upper_bounds_meet(inst):
    net, data = inst
    gr, doc = rank_claim(net, data)
    note(f"n = {net.n}, l*d = {net.l * data.d}: {gr.message}")
    assert gr.status == "verified", gr.message
    rep = check_certificate(doc)
    assert rep.ok, rep.text()


def test_two_outputs_behind_a_bottleneck_are_certified_within_a_short_budget():
    """MLP 3-2-1-2 with t + t^2 on 4 points (n = 10, l*d = 8): both outputs are multiples of one scalar
    function, so the generic rank is 5. The kernel of J over Q(w) has vectors of high degree (Cramer's rule and
    syz run past the budget); H factors through the bottleneck's 4 values and the 2 output weights, where one
    scaling field gives r <= 6 - 1 = 5 (tests/algebra/test_factor_rank.py)."""
    net = mlp(3, [2, 1], l=2, activation=polynomial(["0", "1", "1"]), bias=False)
    data = ds([(1, -1, -2), (2, 3, -1), (fmpq(-2, 3), fmpq(4, 3), 0), (fmpq(-2, 3), -1, -1)], [0, 0, 0, 0])
    data = Dataset(data.X, [[fmpq(1), fmpq(2)], [fmpq(0), fmpq(1)], [fmpq(-1), fmpq(1)], [fmpq(2), fmpq(0)]])
    gr, doc = rank_claim(net, data, timeout=3)
    assert gr.status == "verified" and "generic rank 5" in gr.message, gr.message
    assert "factorization" in gr.evidence
    rep = check_certificate(doc)
    assert rep.ok, rep.text()


def test_quadratic_units_into_one_successor_rotate():
    """mlp 3-2-1-1 with t^2 and no biases on 8 points: f = a (v_1 (w_1.x)^2 + v_2 (w_2.x)^2)^2, a ternary
    quadric of rank 2 (5 dimensions) squared and scaled: r = 5. The rescalings give 3 fields; the fourth is the
    rotation w_1 += s v_2 w_2, w_2 -= s v_1 w_1 of the two quadratic units (a degree-2 field), so no kernel
    search is needed."""
    net = mlp(3, [2, 1], activation=power(2), bias=False)
    data = ds(general_points(8), [1, 2, 0, -1, 3, 1, 2, 5])
    gr, doc = rank_claim(net, data)
    assert gr.status == "verified" and gr.evidence["upper"] == 5, gr.message
    descs = [f["description"] for f in gr.evidence["fields"]]
    assert any(d.startswith("rotation of quadratic units") for d in descs), descs
    assert "factorization" not in gr.evidence and "left_kernel" not in gr.evidence
    assert check_certificate(doc).ok


def test_cramers_rule_refuses_a_product_past_its_work_budget():
    """One product or exact division of large polynomials cannot be interrupted by the deadline: Cramer's rule
    refuses those whose term pairs exceed ``max_work`` (a budget, reported as the kernel not being found)."""
    from verifier.algebra.polys import compile_polynomials
    from verifier.algebra.rank import generic_rank
    from verifier.algebra.symmetries import cramer_kernel
    net, data = squares_net(), data7()
    ps = compile_polynomials(net, data)
    res = generic_rank(net, data, trials=2, seed=0)
    with pytest.raises(BudgetExceeded, match="term pairs"):
        cramer_kernel(ps, res["rows"], res["cols"], left=True, max_work=1)
    assert cramer_kernel(ps, res["rows"], res["cols"], left=True)      # the default budget suffices here
