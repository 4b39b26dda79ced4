"""The algebraic theorems end to end: verify, certificate, independent check, tampering."""

from __future__ import annotations

import copy
import json

import pytest
from flint import fmpq

from verifier.activations import identity, polynomial, power
from verifier.algebra import engines
from verifier.algebra.bounds import multihomogeneous_bezout, total_degree_bezout
from verifier.algebra.polys import compile_polynomials, degree_report, liao_poggio_degree
from verifier.certificate import Certificate
from verifier.checker import check_certificate
from verifier.checker.format import digest
from verifier.data import Dataset
from verifier.network import mlp
from verifier.theorems import verify

needs_singular = pytest.mark.skipif(engines.singular_path() is None,
                                    reason="Singular is not installed (pip install -e '.[algebra]')")


def ds(xs, ys):
    return Dataset([[fmpq(x) if not isinstance(x, list) else fmpq(*x)] if not isinstance(x, tuple)
                    else [fmpq(c) for c in x] for x in xs], [[fmpq(y)] for y in ys])


def square_net():
    """f(x) = a (w x + b)^2 + c: n = 4, and the function space is span{1, x, x^2} (dimension 3)."""
    return mlp(1, [1], activation=power(2))


def check(cert: Certificate):
    doc = cert.to_json()
    rep = check_certificate(json.loads(json.dumps(doc)))
    return doc, rep


def retamper(doc, fn):
    bad = copy.deepcopy(doc)
    fn(bad)
    bad["digest"] = digest(bad)
    return check_certificate(bad)


# -- degrees and bounds -------------------------------------------------------------


def test_degrees_of_one_hidden_layer():
    ps = compile_polynomials(square_net(), ds([1, 2, 3], [0, 1, 4]))
    rep = degree_report(ps)
    assert rep["degrees"] == [3, 3, 3]
    assert rep["group_sizes"] == [2, 2] and rep["group_degrees"][0] == [2, 1]
    assert liao_poggio_degree(square_net()) == {"k": 2, "depth": 1, "k_pow_depth": 2, "layered": 3}


def test_deep_degree_formula():
    net = mlp(2, [2, 2], activation=power(3))
    assert liao_poggio_degree(net)["layered"] == 1 + 3 + 9
    ps = compile_polynomials(net, ds([(1, 2), (3, -1)], [1, 2]))
    assert degree_report(ps)["max_degree"] == 13


def test_bezout_numbers_by_hand():
    assert total_degree_bezout([3, 3, 3], 3)[0] == 27
    assert total_degree_bezout([3, 3], 4)[0] == 9          # sliced by 2 hyperplanes
    assert total_degree_bezout([2, 5, 3], 2)[0] == 15       # overdetermined: two largest degrees
    # 9 equations of multidegree (2, 1) in groups of sizes 6 and 3: C(9, 6) 2^6 = 5376.
    assert multihomogeneous_bezout([[2, 1]] * 9, [6, 3])[0] == 5376
    # One hyperplane (1, 1) added to two equations of multidegree (1, 1) in groups (2, 1): 3 * 1 ... by DP
    assert multihomogeneous_bezout([[1, 1], [1, 1]], [2, 1])[0] == 3


def test_bezout_certificate_checks_and_tampering_fails():
    cert = verify("liao-poggio-bezout", ds([1, 2, 3, 4], [1, 0, 2, 5]), network=square_net())
    doc, rep = check(cert)
    assert cert.status == "verified" and rep.ok, rep.text()
    bad = retamper(doc, lambda d: d["claims"][1]["evidence"]["total_degree"].__setitem__("bound", 80))
    assert not bad.ok
    bad = retamper(doc, lambda d: d["claims"][0]["evidence"].__setitem__("degrees", [2, 3, 3, 3]))
    assert not bad.ok


def test_non_polynomial_network_is_not_applicable():
    cert = verify("liao-poggio-bezout", ds([1, 2], [1, 0]), network=mlp(1, [2], activation="tanh"))
    assert cert.status == "not-applicable"
    _, rep = check(cert)
    assert rep.status == "not-applicable"


# -- generic rank ------------------------------------------------------------------


def test_generic_rank_of_the_square_unit_is_three():
    """Hand computation: f lies in span{1, x, x^2}, so 4 points give rank 3 < 4 = l*d."""
    cert = verify("liao-poggio-dimension", ds([1, 2, 3, 5], [1, 0, 2, 5]), network=square_net(), groebner=False)
    gr = next(c for c in cert.claims if c.id == "generic-rank")
    assert gr.status == "verified", gr.message
    assert gr.evidence["lower"] == gr.evidence["upper"] == 3
    assert "empty for generic targets" in gr.message
    doc, rep = check(cert)
    assert rep.ok, rep.text()
    # Claiming a larger rank than the minor shows is caught.
    bad = retamper(doc, lambda d: d["claims"][1]["evidence"].__setitem__("lower", 4))
    assert not bad.ok
    # The function space (span{1, x, x^2}) and the symmetry fields each give r <= 3 on their own.
    assert gr.evidence["function_space"] == {"monomials": [3], "degrees": [2], "rank": 3}
    assert gr.evidence["field_rank"] == 1
    # Dropping both leaves the upper bound at 4, which no longer meets the lower bound.
    bad = retamper(doc, lambda d: [d["claims"][1]["evidence"].pop(k) for k in ("fields", "field_point",
                                                                             "field_rank", "function_space")])
    assert not bad.ok


def test_generic_rank_full_on_random_dense_case():
    net = mlp(2, [3], activation=polynomial(["0", "1", "1/2"]))
    data = ds([(1, 2), (3, -1), (0, 5), (2, 2), (-1, -3)], [1, 2, 0, 4, 1])
    cert = verify("liao-poggio-dimension", data, network=net, groebner=False)
    gr = next(c for c in cert.claims if c.id == "generic-rank")
    assert gr.status == "verified" and gr.evidence["lower"] == min(net.n, 5)
    _, rep = check(cert)
    assert rep.ok, rep.text()


def test_linear_network_rank_is_bounded_by_affine_functions():
    # f(x) = affine in x in R^2: 3-dimensional function space; 5 points -> rank 3.
    net = mlp(2, [2], activation=identity())
    data = ds([(1, 2), (3, -1), (0, 5), (2, 2), (-1, -3)], [1, 2, 0, 4, 1])
    cert = verify("liao-poggio-dimension", data, network=net, groebner=False)
    gr = next(c for c in cert.claims if c.id == "generic-rank")
    assert gr.evidence["lower"] == 3
    assert gr.status == "verified", gr.message
    _, rep = check(cert)
    assert rep.ok, rep.text()


@needs_singular
def test_variety_dimension_and_excess_component_for_zero_targets():
    # y = 0 on 3 points: the generic fibre has dimension n - l*d = 1, but {a = 0, c = 0} has dimension 2.
    net = square_net()
    cert = verify("liao-poggio-dimension", ds([1, 2, 3], [0, 0, 0]), network=net)
    vd = next(c for c in cert.claims if c.id == "variety-dimension")
    assert vd.status == "verified", vd.message
    assert vd.evidence["dimension"] > net.n - 3
    assert "excess" in vd.message
    _, rep = check(cert)
    assert rep.ok, rep.text()


# -- Nullstellensatz -----------------------------------------------------------------


@needs_singular
def test_nullstellensatz_four_points_no_quadratic():
    """y = x^3 on 4 points is not in span{1, x, x^2}: no interpolant, cofactors must exist."""
    cert = verify("liao-poggio-nullstellensatz", ds([0, 1, 2, 3], [0, 1, 8, 27]), network=square_net())
    inf = next(c for c in cert.claims if c.id == "infeasible")
    assert inf.status == "verified", inf.message
    doc, rep = check(cert)
    assert rep.ok, rep.text()
    # A wrong cofactor is caught by the expansion.
    bad = retamper(doc, lambda d: d["claims"][1]["evidence"]["cofactors"][0]["terms"].append(["1", [1, 0, 0, 0]]))
    assert not bad.ok


@needs_singular
def test_nullstellensatz_repeated_input_with_two_targets():
    net = mlp(1, [2], activation=power(2))
    cert = verify("liao-poggio-nullstellensatz", ds([1, 1], [0, 1]), network=net)
    assert cert.status == "verified"
    _, rep = check(cert)
    assert rep.ok


def test_nullstellensatz_consistent_data_gives_a_point():
    # Three hidden units and an output bias: with the hidden weights fixed, the 3 equations are linear in 4 unknowns.
    cert = verify("liao-poggio-nullstellensatz", ds([0, 1, 2], [1, 2, 7]), network=mlp(1, [3], activation=power(2)))
    assert cert.status == "refuted" and cert.point is not None
    doc, rep = check(cert)
    assert rep.status == "refuted", rep.text()
    bad = retamper(doc, lambda d: d["point"].__setitem__(next(iter(d["point"])), "12345"))
    assert bad.status != "refuted"


# -- global regular value ------------------------------------------------------------------


@needs_singular
def test_zero_targets_make_zero_a_critical_value_and_a_perturbation_fixes_it():
    cert = verify("cooper-2.1-global", ds([1, 2, 3], [0, 0, 0]), network=square_net())
    rv = next(c for c in cert.claims if c.id == "regular-value")
    assert rv.status == "refuted", rv.message
    sard = next(c for c in cert.claims if c.id == "sard-perturbation")
    assert sard.status == "verified", sard.message
    doc, rep = check(cert)
    assert rep.status == "refuted", rep.text()
    assert all("->" not in ln or "problem" not in ln for ln in rep.lines)
    # A perturbation at least epsilon is rejected.
    bad = retamper(doc, lambda d: d["claims"][2]["evidence"]["perturbation"][0].__setitem__(0, "1"))
    assert any("problem" in ln for ln in bad.lines)


@needs_singular
def test_inconclusive_regular_value_does_not_hide_a_verified_sard_perturbation(monkeypatch):
    """With no exact singular point found, regular-value is inconclusive (evidence: the chart with complex
    solutions) and the Sard perturbation is verified: the checker reads the inconclusive claim's evidence as
    what it is (not as malformed cofactors) and re-checks the perturbation as verified."""
    from verifier.theorems import liao_poggio
    monkeypatch.setattr(liao_poggio, "_cheap_singular_point", lambda *a, **k: None)
    monkeypatch.setattr(liao_poggio, "_singular_point", lambda *a, **k: None)
    monkeypatch.setattr(liao_poggio, "_engine_critical_claim", lambda *a, **k: None)    # (else refuted by Singular)
    cert = verify("cooper-2.1-global", ds([1, 2, 3], [0, 0, 0]), network=square_net())
    rv = next(c for c in cert.claims if c.id == "regular-value")
    assert rv.status == "inconclusive" and rv.evidence.get("method") == "singular-locus", rv.message
    sard = next(c for c in cert.claims if c.id == "sard-perturbation")
    assert sard.status == "verified", sard.message
    doc, rep = check(cert)
    assert rep.status == "inconclusive" and not any("problem" in ln for ln in rep.lines), rep.text()
    got = {r["id"]: r["checked"] for r in rep.results}
    assert got["regular-value"] == "inconclusive" and got["sard-perturbation"] == "verified", rep.text()
    # An inconclusive Sard claim (no perturbation certified: evidence epsilon and tries) is read as such too.
    monkeypatch.setattr(liao_poggio, "_regular_claim", lambda *a, **k: (None, 0))
    monkeypatch.setattr(liao_poggio, "singular_locus", lambda *a, **k: None)
    cert = verify("cooper-2.1-global", ds([1, 2, 3], [0, 0, 0]), network=square_net())
    assert [c.status for c in cert.claims[1:]] == ["inconclusive", "inconclusive"]
    doc, rep = check(cert)
    assert rep.status == "inconclusive" and not any("problem" in ln for ln in rep.lines), rep.text()


@needs_singular
def test_empty_variety_makes_zero_a_regular_value_vacuously():
    """y = x^3 on four points is fitted by no a (w x + b)^2 + c: V(H) is empty, so 0 is a regular value
    vacuously; the evidence is Nullstellensatz cofactors of H and det J (the singular-locus ideal), which the
    checker expands."""
    cert = verify("cooper-2.1-global", ds([0, 1, 2, 3], [0, 1, 8, 27]), network=square_net())
    rv = next(c for c in cert.claims if c.id == "regular-value")
    assert rv.status == "verified" and "cofactors" in rv.evidence, rv.message
    assert [c.id for c in cert.claims] == ["polynomial-system", "regular-value"]
    doc, rep = check(cert)
    assert rep.ok, rep.text()
    bad = retamper(doc, lambda d: d["claims"][1]["evidence"]["cofactors"].__setitem__(
        0, d["claims"][1]["evidence"]["cofactors"][1]))
    assert not bad.ok and bad.status != "verified"


@needs_singular
def test_generic_targets_give_a_regular_value():
    cert = verify("cooper-2.1-global", ds([1, 2, 3], [1, 3, 2]), network=square_net())
    rv = next(c for c in cert.claims if c.id == "regular-value")
    assert rv.status == "verified", rv.message
    doc, rep = check(cert)
    assert rep.ok, rep.text()
    bad = retamper(doc, lambda d: d["claims"][1]["evidence"]["cofactors"].pop())
    assert not bad.ok


@needs_singular
def test_nonempty_without_a_point_is_refuted_by_the_groebner_basis(monkeypatch):
    """When the point search runs out of budget, the engine's "1 is not in the ideal" is kept: the infeasible
    claim is refuted (V(H) nonempty over C) and the checker re-derives it with its own Singular run; tampered
    to an empty V(H), the same evidence is not accepted; without Singular in the checker it is inconclusive."""
    from verifier.checker.algebra import engine as checker_engine
    from verifier.errors import BudgetExceeded
    from verifier.theorems import liao_poggio

    def boom(*a, **k):
        raise BudgetExceeded("Singular ran past the time budget")
    monkeypatch.setattr(liao_poggio, "_output_layer_point", lambda *a, **k: None)
    monkeypatch.setattr(liao_poggio, "_complex_point_claim", lambda *a, **k: (None, "no complex point (off)"))
    monkeypatch.setattr(engines, "rational_point", boom)
    cert = verify("liao-poggio-nullstellensatz", ds([1, 2, 3], [1, 3, 2]), network=square_net())
    inf = next(c for c in cert.claims if c.id == "infeasible")
    assert inf.status == "refuted" and inf.evidence["method"] == "groebner" and "not in the ideal" in inf.message
    assert cert.point is None
    doc, rep = check(cert)
    assert rep.status == "refuted" and rep.ok is False and not any("problem" in ln for ln in rep.lines), rep.text()
    # The same evidence for data no network fits (y = x^3 on 4 points is no quadratic): not refuted.
    bad = verify("liao-poggio-nullstellensatz", ds([0, 1, 2, 3], [0, 1, 8, 27]), network=square_net())
    assert next(c for c in bad.claims if c.id == "infeasible").status == "verified"
    bdoc = bad.to_json()
    claim = next(c for c in bdoc["claims"] if c["id"] == "infeasible")
    claim.update(status="refuted", evidence={"method": "groebner", "engine": "Singular std"})
    bdoc["status"] = "refuted"
    bdoc["reason"] = claim["message"]
    bdoc["digest"] = digest(bdoc)
    brep = check_certificate(json.loads(json.dumps(bdoc)))
    assert brep.status != "refuted" and not brep.ok
    # A checker without Singular cannot re-derive it: the solver then says inconclusive, with the finding.
    monkeypatch.setattr(checker_engine, "_singular", lambda: None)
    cert = verify("liao-poggio-nullstellensatz", ds([1, 2, 3], [1, 3, 2]), network=square_net())
    inf = next(c for c in cert.claims if c.id == "infeasible")
    assert inf.status == "inconclusive" and "1 is not in the ideal" in inf.message
    assert check(cert)[1].status == "inconclusive"


def test_budget_gives_inconclusive(monkeypatch):
    from verifier.errors import BudgetExceeded

    def boom(*a, **k):
        raise BudgetExceeded("Singular ran past the 0.01 s time budget")
    monkeypatch.setattr(engines, "lift_one", boom)
    cert = verify("liao-poggio-nullstellensatz", ds([0, 1, 2, 3], [0, 1, 8, 27]), network=square_net(), timeout=0.01)
    inf = next(c for c in cert.claims if c.id == "infeasible")
    assert inf.status == "inconclusive" and "budget" in inf.message
    _, rep = check(cert)
    assert rep.status == "inconclusive"


def test_missing_engine_names_the_extra(monkeypatch):
    def missing(*a, **k):
        raise engines.EngineMissing("this answer needs Singular: pip install -e '.[algebra]'")
    monkeypatch.setattr(engines, "lift_one", missing)
    cert = verify("liao-poggio-nullstellensatz", ds([0, 1, 2, 3], [0, 1, 8, 27]), network=square_net())
    inf = next(c for c in cert.claims if c.id == "infeasible")
    assert inf.status == "inconclusive" and "[algebra]" in inf.message


@pytest.mark.parametrize("theorem", ["liao-poggio-dimension", "liao-poggio-bezout", "liao-poggio-nullstellensatz",
                                     "cooper-2.1-global"])
def test_a_system_past_the_expansion_budget_is_inconclusive_not_malformed(theorem):
    """When the residual polynomials grow past --max-terms the polynomial-system claim is inconclusive with no
    variables to re-derive; the checker agrees instead of calling the certificate malformed."""
    net = mlp(1, [3, 2, 1], activation=power(3), bias=True)
    data = ds([1, 2, -1], [0, 1, 2])
    cert = verify(theorem, data, network=net, max_terms=20, groebner=False) if theorem == "liao-poggio-dimension" \
        else verify(theorem, data, network=net, max_terms=20)
    sc = next(c for c in cert.claims if c.id == "polynomial-system")
    assert sc.status == "inconclusive" and "terms" in sc.message
    rep = check_certificate(json.loads(json.dumps(cert.to_json())))
    assert "malformed" not in rep.text(), rep.text()
    got = [r["checked"] for r in rep.results if r["id"] == "polynomial-system"]
    assert got == ["inconclusive"]
