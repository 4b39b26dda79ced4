"""The certified complex point of V(H) (claim ``complex-point``): found, re-checked, and forgeries rejected."""

from __future__ import annotations

import copy
import json

import flint
import networkx as nx
import pytest
from flint import acb, arb, fmpq
from hypothesis import given
from hypothesis import strategies as st

from verifier.activations import identity, polynomial, power
from verifier.algebra.polys import compile_polynomials
from verifier.checker import check_certificate
from verifier.checker.format import digest, instance_hash, parse_rational
from verifier.data import Dataset
from verifier.network import mlp, validate
from verifier.solver.complex_point import complex_point, slice_polys
from verifier.strategies import datasets, networks
from verifier.theorems import verify

SMALL_Q = st.fractions(min_value=-3, max_value=3, max_denominator=3).map(lambda f: fmpq(f.numerator, f.denominator))
NONZERO_Q = SMALL_Q.filter(lambda q: q != 0)


def complex_only_net():
    """f(x) = a (w x)^2 + a x (the output edges share the label a): on x = 1, 2 with targets 0, -2 the zeros
    are a = 1, w = +-i. V(H) is nonempty, with no real point."""
    g = nx.DiGraph()
    g.add_node("x", kind="input")
    g.add_node("h", kind="hidden")
    g.add_node("y", kind="output")
    g.add_edge("x", "h", weight="w")
    g.add_edge("h", "y", weight="a")
    g.add_edge("x", "y", weight="a")
    return validate(g, activation=power(2), name="complex-only")


COMPLEX_DATA = Dataset([[fmpq(1)], [fmpq(2)]], [[fmpq(0)], [fmpq(-2)]])


def sliced_instance():
    """n = 4 > l*d = 2: a one-hidden-unit square network, two data points, so two slices."""
    return mlp(1, [1], activation=power(2)), Dataset([[fmpq(1)], [fmpq(2)]], [[fmpq(-1)], [fmpq(3)]])


def roundtrip(cert):
    doc = json.loads(json.dumps(cert.to_json()))
    return doc, check_certificate(copy.deepcopy(doc))


def retamper(doc, fn):
    bad = copy.deepcopy(doc)
    fn(bad)
    bad["digest"] = digest(bad)
    return check_certificate(bad)


def claim(doc, cid):
    return next(c for c in doc["claims"] if c["id"] == cid)


def checked(rep, cid):
    return next((r["checked"] for r in rep.results if r["id"] == cid), None)


def box_values(ps, res):
    """H over the certified box, in acb (the box is the product of closed squares of the radius)."""
    r = parse_rational(res["box"]["radius"])
    with flint.ctx.workprec(res["prec_bits"]):
        z = [acb(arb(parse_rational(re), r), arb(parse_rational(im), r)) for re, im in res["box"]["center"]]
        return [_eval(h, z) for h in ps.H]


def _eval(p, z):
    s = acb(0)
    for mon, c in zip(p.monoms(), p.coeffs()):
        t = acb(arb(fmpq(c)))
        for zj, e in zip(z, mon):
            t *= zj ** int(e)
        s += t
    return s


# -- the search and the ball -----------------------------------------------------------------------


@given(net=networks(p=st.integers(1, 2), depth=1, widths=st.integers(1, 2), bias=True,
                    activation=st.sampled_from([power(2), power(3), identity(), polynomial(["1", "-1", "1/2"])])),
       d=st.integers(1, 4), seed=st.integers(0, 3), data=st.data())
def test_a_certified_complex_point_satisfies_h_within_its_ball(net, d, seed, data):
    ds = data.draw(datasets(d=d, p=net.p, l=1, values=NONZERO_Q, targets=SMALL_Q))
    ps = compile_polynomials(net, ds)
    assert net.n <= 10
    res = complex_point(ps.H, ps.ctx, seed=seed, timeout=5, engines_ok=False)
    if res["status"] != "certified":
        return
    # H vanishes somewhere in the ball: every residual's enclosure over the box contains 0.
    assert all(v.contains(0) for v in box_values(ps, res))
    # the slices pass through the ball too, and the checker agrees through a certificate.
    assert len(res["slices"]) == net.n - sum(1 for h in ps.H if not h.is_zero())
    for s in slice_polys(ps.ctx, res["slices"]):
        assert _eval(s, [acb(arb(parse_rational(re), parse_rational(res["box"]["radius"])),
                             arb(parse_rational(im), parse_rational(res["box"]["radius"])))
                         for re, im in res["box"]["center"]]).contains(0)


def test_overdetermined_systems_are_left_alone():
    net = mlp(1, [1], activation=power(2))           # n = 4
    ds = Dataset([[fmpq(k)] for k in range(1, 6)], [[fmpq(k * k)] for k in range(1, 6)])
    ps = compile_polynomials(net, ds)
    res = complex_point(ps.H, ps.ctx, timeout=2)
    assert res["status"] == "failed" and "5 residuals in 4 unknowns" in res["reason"]


# -- the theorems ------------------------------------------------------------------------------------


def test_no_real_point_but_a_complex_one_makes_v_h_nonempty():
    doc, rep = roundtrip(verify("liao-poggio-nullstellensatz", network=complex_only_net(), data=COMPLEX_DATA,
                                timeout=20))
    assert doc["status"] == "refuted" and rep.status == "refuted" and rep.ok is False
    assert claim(doc, "infeasible")["evidence"] == {"method": "complex-point"}
    cp = claim(doc, "complex-point")
    assert cp["status"] == "verified" and checked(rep, "complex-point") == "verified"
    # the certified zero is not real: |Im w| > r in the box
    r = parse_rational(cp["evidence"]["box"]["radius"])
    assert any(abs(parse_rational(im)) > r for _, im in cp["evidence"]["box"]["center"])
    assert not [ln for ln in rep.lines if "problem" in ln]


def test_cooper_global_and_dimension_carry_the_point():
    doc, rep = roundtrip(verify("cooper-2.1-global", network=complex_only_net(), data=COMPLEX_DATA, timeout=20))
    assert claim(doc, "complex-point")["status"] == "verified" and checked(rep, "complex-point") == "verified"
    assert rep.status == doc["status"]
    net, ds = sliced_instance()
    doc, rep = dimension_without_groebner(net, ds)
    cp = claim(doc, "complex-point")
    assert len(cp["evidence"]["slices"]) == 2 and checked(rep, "complex-point") == "verified"
    assert rep.status == doc["status"] == "inconclusive"          # variety-dimension ran out of budget
    assert claim(doc, "variety-dimension")["status"] == "inconclusive"


def dimension_without_groebner(net, ds):
    """liao-poggio-dimension with the Groebner dimension out of budget (so the complex point is looked for)."""
    from verifier.algebra import engines
    from verifier.errors import BudgetExceeded

    def boom(*a, **k):
        raise BudgetExceeded("Singular ran past the time budget")
    saved = engines.groebner_dimension, engines.checked_dimension
    engines.groebner_dimension = engines.checked_dimension = boom
    try:
        return roundtrip(verify("liao-poggio-dimension", network=net, data=ds))
    finally:
        engines.groebner_dimension, engines.checked_dimension = saved


# -- forgeries ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sliced_doc():
    net, ds = sliced_instance()
    doc, rep = dimension_without_groebner(net, ds)
    assert checked(rep, "complex-point") == "verified"
    return doc


@pytest.fixture(scope="module")
def nonempty_doc():
    doc, rep = roundtrip(verify("liao-poggio-nullstellensatz", network=complex_only_net(), data=COMPLEX_DATA,
                                timeout=20))
    assert rep.status == "refuted"
    return doc


def _cp(doc):
    return claim(doc, "complex-point")["evidence"]


def _shift(doc, by):
    box = _cp(doc)["box"]
    re, im = box["center"][0]
    box["center"][0] = [str(parse_rational(re) + by), im]


def test_a_box_that_holds_no_zero_is_rejected(nonempty_doc, sliced_doc):
    for doc in (nonempty_doc, sliced_doc):
        rep = retamper(doc, lambda d: _shift(d, fmpq(1, 2)))
        assert checked(rep, "complex-point") == "inconclusive" and rep.status == "inconclusive"


def test_a_large_box_around_no_zero_is_rejected(nonempty_doc):
    def far(d):
        _cp(d)["box"] = {"center": [["5", "5"], ["5", "5"]], "radius": "4"}
    rep = retamper(nonempty_doc, far)
    assert checked(rep, "complex-point") == "inconclusive" and checked(rep, "infeasible") == "inconclusive"
    assert rep.status == "inconclusive"


def test_a_truncated_radius_is_rejected(sliced_doc):
    # The centre is the zero rounded to a grid of radius / 2^24 (it is irrational here, so not exact): a box of
    # radius / 2^60 around it misses the zero, and the Krawczyk test cannot pass. (Around an exact zero, as in
    # the complex-only instance, any radius is correct and passes.)
    net, ds = sliced_instance()
    ps = compile_polynomials(net, ds)
    ev = _cp(sliced_doc)
    centre = [parse_rational(re) for re, im in ev["box"]["center"]]
    assert all(parse_rational(im) == 0 for _, im in ev["box"]["center"]) is False or \
        any(h(*centre) != 0 for h in ps.H)

    def shrink(d):
        box = _cp(d)["box"]
        box["radius"] = str(parse_rational(box["radius"]) / 2 ** 60)
    rep = retamper(sliced_doc, shrink)
    assert checked(rep, "complex-point") == "inconclusive" and rep.status == "inconclusive"


def test_wrong_slice_coefficients_are_rejected(sliced_doc):
    def move_b(d):
        s = _cp(d)["slices"][0]
        s["b"] = str(parse_rational(s["b"]) + fmpq(1, 3))

    def move_a(d):
        s = _cp(d)["slices"][1]
        s["a"][0] = str(parse_rational(s["a"][0]) + 1)

    for fn in (move_b, move_a):
        rep = retamper(sliced_doc, fn)
        assert checked(rep, "complex-point") == "inconclusive" and rep.status == "inconclusive"
    rep = retamper(sliced_doc, lambda d: _cp(d)["slices"].pop())          # malformed: one slice too few
    assert checked(rep, "complex-point") != "verified" and rep.status == "inconclusive"


def test_a_refutation_needs_the_certified_point_first(nonempty_doc):
    rep = retamper(nonempty_doc, lambda d: d["claims"].remove(claim(d, "complex-point")))
    assert checked(rep, "infeasible") == "inconclusive" and rep.status == "inconclusive"

    def swap(d):
        cp = claim(d, "complex-point")
        d["claims"].remove(cp)
        d["claims"].append(cp)
    rep = retamper(nonempty_doc, swap)
    assert checked(rep, "infeasible") == "inconclusive" and rep.status == "inconclusive"


def test_unchecked_evidence_and_other_targets_are_rejected(nonempty_doc):
    rep = retamper(nonempty_doc, lambda d: _cp(d).update(note="trust me"))
    assert checked(rep, "complex-point") == "inconclusive"

    def other_targets(d):
        d["instance"]["data"]["y"][1] = ["-3"]          # now a = 3/2 at the zeros, outside the box
        d["instance"]["sha256"] = instance_hash(d["instance"])
    rep = retamper(nonempty_doc, other_targets)
    assert checked(rep, "complex-point") == "inconclusive" and rep.status == "inconclusive"
