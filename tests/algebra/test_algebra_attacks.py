"""Hand-forged certificates for the polynomial-network theorems: none may check as verified.

The attacker here is informed: after every edit the instance hash and the digest are recomputed
(:func:`reseal`), so only the mathematics can catch the forgery. Every attack asserts that the
checker's report is not ``ok`` and that its status is neither ``verified`` nor the status the
forgery claims. Honest certificates come from the solver on the square unit
``f(x) = a (w x + b)^2 + c`` (``mlp(1, [1], power(2))``), whose algebra is small enough to
reason about by hand.

Attacks needing an engine to build their honest certificate (cofactors from Singular ``lift``) are
skipped without Singular; the checker itself never needs one except to recompute a Groebner
dimension.
"""

from __future__ import annotations

import copy
import json
import time

import pytest
from flint import fmpq, fmpq_mat

from verifier.activations import polynomial, power
from verifier.algebra import engines
from verifier.checker import check_certificate
from verifier.checker.format import REQUIRED_CLAIMS, STATEMENTS, digest, instance_hash, rational_str
from verifier.data import Dataset
from verifier.network import mlp
from verifier.theorems import verify

SINGULAR = engines.singular_path()
needs_singular = pytest.mark.skipif(SINGULAR is None, reason="Singular not installed: pip install -e '.[algebra]'")

SQUARE = mlp(1, [1], activation=power(2))        # labels W1[0,0], b1[0], W2[0,0], b2[0]: w, b, a, c


# ---------------------------------------------------------------------------- helpers


def ds(xs, ys) -> Dataset:
    return Dataset([[fmpq(x)] for x in xs], [[fmpq(y)] for y in ys])


def reseal(doc: dict) -> dict:
    """The informed attacker: recompute instance.sha256 and the digest after editing."""
    doc["instance"]["sha256"] = instance_hash(doc["instance"])
    doc["digest"] = digest(doc)
    return doc


def claim(doc: dict, cid: str) -> dict:
    return next(c for c in doc["claims"] if c["id"] == cid)


def rechecked(report, cid):
    """The status the checker established for claim ``cid`` (None when it never got there)."""
    for line in report.lines:
        parts = line.split()
        if parts and parts[0] == cid and "->" in parts:
            return parts[parts.index("->") + 1]
    return None


def assert_rejected(doc: dict, *, claimed=None):
    """Check a deep copy; the forgery must neither be ok nor be given the status it claims."""
    claimed = claimed or doc.get("status")
    report = check_certificate(copy.deepcopy(doc))
    assert not report.ok, report.text()
    assert report.status != "verified", report.text()
    if claimed in ("verified", "refuted", "not-applicable"):
        assert report.status != claimed, report.text()
    return report


def set_y(doc: dict, ys):
    doc["instance"]["data"]["y"] = [[rational_str(fmpq(y))] for y in ys]


def set_x(doc: dict, xs):
    doc["instance"]["data"]["x"] = [[rational_str(fmpq(x))] for x in xs]


_HONEST = {
    # Bezout numbers of 4 cubics in 4 unknowns.
    "bezout": lambda: verify("liao-poggio-bezout", ds([1, 2, 3, 4], [1, 0, 2, 5]), network=SQUARE, counts=False),
    # Generic rank 3 < 4 = l*d: the minor gives 3, the rescaling field (w, b, a) -> (t w, t b, a / t^2) gives <= 3.
    "rank": lambda: verify("liao-poggio-dimension", ds([1, 2, 3, 5], [1, 0, 2, 5]), network=SQUARE, groebner=False),
    # Denominators 7 in the data (for the prime attacks).
    "rank-sevenths": lambda: verify("liao-poggio-dimension", ds([fmpq(1, 7), 2, 3], [1, fmpq(3, 7), 2]),
                                    network=SQUARE, groebner=False),
    # An activation coefficient with denominator 2.
    "rank-half": lambda: verify("liao-poggio-dimension", ds([1, 2, 3], [1, 0, 2]),
                                network=mlp(1, [1], activation=polynomial(["0", "1", "1/2"])), groebner=False),
    # y = 0 on 3 points: V(H) has an excess component {a = c = 0} of dimension 2 > 1.
    "dimension": lambda: verify("liao-poggio-dimension", ds([1, 2, 3], [0, 0, 0]), network=SQUARE),
    # y = x^3 on 4 points is no quadratic: Nullstellensatz cofactors.
    "null": lambda: verify("liao-poggio-nullstellensatz", ds([0, 1, 2, 3], [0, 1, 8, 27]), network=SQUARE),
    # Another inconsistent dataset on the same inputs.
    "null-other": lambda: verify("liao-poggio-nullstellensatz", ds([0, 1, 2, 3], [1, 0, 0, 5]), network=SQUARE),
    # y = x^2 + 1 is fitted (a = w = 1, b = 0, c = 1): refuted with an exact point.
    "null-consistent": lambda: verify("liao-poggio-nullstellensatz", ds([0, 1, 2, 3], [1, 2, 5, 10]),
                                      network=SQUARE),
    # Generic targets: 0 is a regular value (3 charts).
    "global": lambda: verify("cooper-2.1-global", ds([1, 2, 3], [1, 3, 2]), network=SQUARE),
    # The same with the singular-locus route off (too many minors): the Lagrange charts' cofactors.
    "global-charts": lambda: _charts_only(lambda: verify("cooper-2.1-global", ds([1, 2, 3], [1, 3, 2]),
                                                         network=SQUARE)),
    # Zero targets: the zero network is a singular zero; the Sard perturbation is certified.
    "global-zero": lambda: verify("cooper-2.1-global", ds([1, 2, 3], [0, 0, 0]), network=SQUARE),
}
_NEEDS_SINGULAR = {"dimension", "null", "null-other", "global", "global-charts", "global-zero"}
_STATUS = {"bezout": "verified", "rank": "verified", "rank-sevenths": "verified", "rank-half": "verified",
           "dimension": "verified", "null": "verified", "null-other": "verified", "null-consistent": "refuted",
           "global": "verified", "global-charts": "verified", "global-zero": "refuted"}
_CACHE: dict = {}


def _charts_only(run):
    """Run with the singular-locus route unavailable, as when J has too many maximal minors."""
    from verifier.theorems import liao_poggio
    keep = liao_poggio.singular_locus
    liao_poggio.singular_locus = lambda *a, **k: None
    try:
        return run()
    finally:
        liao_poggio.singular_locus = keep


def honest(name: str) -> dict:
    """A fresh copy of an honest certificate (built once), after a JSON round trip; checked once."""
    if name in _NEEDS_SINGULAR and SINGULAR is None:
        pytest.skip("the honest certificate needs Singular")
    if name not in _CACHE:
        doc = json.loads(json.dumps(_HONEST[name]().to_json()))
        assert doc["status"] == _STATUS[name], (name, doc["reason"])
        rep = check_certificate(copy.deepcopy(doc))
        assert rep.status == _STATUS[name] and rep.ok == (doc["status"] == "verified"), rep.text()
        _CACHE[name] = doc
    return copy.deepcopy(_CACHE[name])


VERIFIED = ("bezout", "rank", "null", "global")


@pytest.mark.parametrize("name", sorted(_HONEST))
def test_honest_baselines(name):
    doc = honest(name)
    rep = check_certificate(doc)
    assert rep.status == _STATUS[name], rep.text()


# ---------------------------------------------------------------------------- cofactors out of place


@pytest.mark.parametrize("edit", [
    lambda d: set_y(d, [0, 1, 8, 28]),          # other targets, still inconsistent
    lambda d: set_y(d, [1, 0, 0, 5]),           # the targets of null-other
    lambda d: set_y(d, [0, 1, 4, 9]),           # consistent targets (y = x^2)
    lambda d: set_x(d, [0, 1, 2, 4]),           # other inputs
], ids=["targets", "other-inconsistent", "consistent", "inputs"])
def test_nullstellensatz_cofactors_for_a_different_dataset(edit):
    doc = honest("null")
    edit(doc)
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "infeasible") != "verified"


def test_nullstellensatz_cofactors_pasted_from_another_certificate():
    doc, other = honest("null"), honest("null-other")
    claim(doc, "infeasible")["evidence"]["cofactors"] = claim(other, "infeasible")["evidence"]["cofactors"]
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "infeasible") != "verified"


@pytest.mark.parametrize("edit", [
    lambda d: set_y(d, [0, 0, 0]),              # 0 is then a critical value (the zero network)
    lambda d: set_y(d, [1, 3, 3]),
    lambda d: set_y(d, [2, 6, 4]),              # scaled targets
    lambda d: set_x(d, [1, 2, 4]),
], ids=["zero-targets", "other-targets", "scaled-targets", "inputs"])
def test_global_charts_for_the_original_targets_with_changed_data(edit):
    """Every chart's combination is exactly 1 for the original H; the changed data change H."""
    doc = honest("global-charts")
    edit(doc)
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "regular-value") != "verified"


def test_sard_charts_pasted_as_a_regular_value_certificate():
    """The Sard charts prove regularity for y + r, not for y (where 0 is a critical value)."""
    doc = honest("global-zero")
    sard = claim(doc, "sard-perturbation")
    rv = claim(doc, "regular-value")
    rv["status"] = "verified"
    rv["evidence"] = {k: v for k, v in sard["evidence"].items() if k not in ("epsilon", "perturbation")}
    doc["claims"] = [c for c in doc["claims"] if c["id"] != "sard-perturbation"]
    doc["status"], doc["point"] = "verified", None
    assert_rejected(reseal(doc))


# ---------------------------------------------------------------------------- generic rank


def rank_ev(doc):
    return claim(doc, "generic-rank")["evidence"]


def test_rank_rows_repeat_an_index():
    doc = honest("rank")
    ev = rank_ev(doc)
    ev["rows"][1] = ev["rows"][0]
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "generic-rank") != "verified"


def test_rank_inflated_by_a_repeated_row():
    """Claim rank 4 = l*d (a submersion) with a 4 x 4 'minor' that uses one residual twice."""
    doc = honest("rank")
    ev = rank_ev(doc)
    for k in ("fields", "field_point", "field_rank"):
        ev.pop(k)
    ev["rows"].append(ev["rows"][0])
    ev["cols"].append(next(lab for lab in doc["claims"][0]["evidence"]["variables"] if lab not in ev["cols"]))
    ev["lower"] = ev["upper"] = 4
    assert_rejected(reseal(doc))


def test_rank_columns_repeat_a_label():
    doc = honest("rank")
    ev = rank_ev(doc)
    ev["cols"][1] = ev["cols"][0]
    assert_rejected(reseal(doc))


@pytest.mark.parametrize("name, prime", [("rank-sevenths", 7), ("rank-half", 2)],
                         ids=["data-denominator", "activation-denominator"])
def test_rank_prime_divides_a_denominator(name, prime):
    """Reduction mod p is not a ring map on rationals whose denominator p divides: no proof."""
    doc = honest(name)
    rank_ev(doc)["prime"] = prime
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "generic-rank") != "verified"


@pytest.mark.parametrize("bad", ["composite", "square", 1, 0, -1, "negative", "huge", True, "string", "float"])
def test_rank_modulus_is_not_a_prime(bad):
    doc = honest("rank")
    ev = rank_ev(doc)
    p = ev["prime"]
    ev["prime"] = {"composite": p + 1, "square": p * p, "negative": -p, "huge": 2**64 + 13, "string": str(p),
                   "float": float(p)}.get(bad, bad)
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "generic-rank") != "verified"


def test_rank_bogus_symmetry_field_closes_the_gap():
    """Replace the rescaling field by d/dc (the output bias): J e_c = (1, ..., 1) != 0, so it is no symmetry."""
    doc = honest("rank")
    ev = rank_ev(doc)
    names = doc["claims"][0]["evidence"]["variables"]
    n = len(names)
    unit = [{"terms": [["1", [0] * n]]} if lab == "b2[0]" else {"terms": []} for lab in names]
    ev["fields"] = [{"description": "translate the output bias", "components": unit}]
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "generic-rank") != "verified"


def test_rank_symmetry_field_component_altered():
    doc = honest("rank")
    comps = rank_ev(doc)["fields"][0]["components"]
    live = next(c for c in comps if c["terms"])
    live["terms"][0][0] = "7"
    assert_rejected(reseal(doc))


def test_rank_fields_without_an_expanded_system():
    """With polynomial-system 'not expanded' the checker has no H to test the fields against."""
    doc = honest("rank")
    ps = claim(doc, "polynomial-system")
    ps["evidence"] = {"variables": ps["evidence"]["variables"], "expanded": False}
    assert_rejected(reseal(doc))


# ---------------------------------------------------------------------------- points


def test_singular_point_that_is_not_a_zero():
    doc = honest("global-zero")
    doc["point"]["b2[0]"] = "1"                  # c = 1: f = 1 != 0 = y
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "regular-value") != "refuted"


def test_singular_point_that_is_a_regular_zero():
    """An exact zero of H for y = (1, 3, 2) at x = (1, 2, 3), where rank J = 3 = l*d: not singular."""
    doc = honest("global")
    # The interpolating quadratic A x^2 + B x + C, written as a (w x + b)^2 + c with w = 1.
    A, B, C = fmpq(-3, 2), fmpq(13, 2), fmpq(-4)
    w, a = fmpq(1), A
    b = B / (2 * A)
    c = C - a * b * b
    assert all(a * (w * x + b) ** 2 + c == y for x, y in [(1, 1), (2, 3), (3, 2)])
    J = fmpq_mat([[2 * a * (w * x + b) * x, 2 * a * (w * x + b), (w * x + b) ** 2, 1] for x in (1, 2, 3)])
    assert J.rank() == 3
    doc["point"] = {"W1[0,0]": rational_str(w), "b1[0]": rational_str(b), "W2[0,0]": rational_str(a),
                    "b2[0]": rational_str(c)}
    rv = claim(doc, "regular-value")
    rv["status"], rv["evidence"] = "refuted", {"singular_point": "exact"}
    doc["status"] = "refuted"
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "regular-value") != "refuted"


def test_singular_point_given_as_a_ball():
    """A refutation needs an exact point; a ball around a singular zero proves nothing exactly."""
    doc = honest("global-zero")
    doc["point"]["W1[0,0]"] = {"mid": "0", "rad": "1/1000"}
    assert_rejected(reseal(doc))


# ---------------------------------------------------------------------------- Sard perturbation


def sard_ev(doc):
    return claim(doc, "sard-perturbation")["evidence"]


@pytest.mark.parametrize("edit", [
    lambda ev: ev["perturbation"][0].__setitem__(0, ev["epsilon"]),                  # |r| = epsilon
    lambda ev: ev["perturbation"][0].__setitem__(0, "-" + ev["epsilon"]),            # |r| = epsilon, negative
    lambda ev: ev["perturbation"][1].__setitem__(0, "1"),                            # |r| > epsilon
    lambda ev: ev.__setitem__("epsilon", "1/10000000000"),                           # epsilon below |r|
], ids=["equal", "minus-equal", "larger", "shrunk-epsilon"])
def test_sard_perturbation_not_below_epsilon(edit):
    doc = honest("global-zero")
    edit(sard_ev(doc))
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "sard-perturbation") != "verified"
    assert rep.status == "inconclusive", rep.text()


@pytest.mark.parametrize("eps", ["-1/1000", "0", "-0", "0/5", 0, -1, True, 0.001, None, "1/0", "nan", "inf"])
def test_sard_epsilon_not_positive(eps):
    doc = honest("global-zero")
    ev = sard_ev(doc)
    ev["epsilon"] = eps
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "sard-perturbation") != "verified"


def test_sard_perturbation_claimed_as_the_regular_value():
    """A certified perturbation is not regularity at the stated targets: the theorem stays refuted/unproven."""
    doc = honest("global-zero")
    doc["status"] = "verified"
    assert_rejected(reseal(doc), claimed="verified")


# ---------------------------------------------------------------------------- malformed polynomials


def _terms(n, e=None):
    return [["1", list(e) if e is not None else [0] * n]]


POLY_ATTACKS = {
    "bool-exponent": lambda n: {"terms": [["1", [True] + [0] * (n - 1)]]},
    "float-exponent": lambda n: {"terms": [["1", [1.0] + [0] * (n - 1)]]},
    "negative-exponent": lambda n: {"terms": [["1", [-1] + [0] * (n - 1)]]},
    "huge-exponent": lambda n: {"terms": [["1", [10**6] + [0] * (n - 1)]]},
    "giant-exponent": lambda n: {"terms": [["1", [2**80] + [0] * (n - 1)]]},
    "short-exponents": lambda n: {"terms": [["1", [0] * (n - 1)]]},
    "long-exponents": lambda n: {"terms": [["1", [0] * (n + 1)]]},
    "bool-coefficient": lambda n: {"terms": [[True, [0] * n]]},
    "float-coefficient": lambda n: {"terms": [[0.5, [0] * n]]},
    "zero-denominator": lambda n: {"terms": [["1/0", [0] * n]]},
    "text-coefficient": lambda n: {"terms": [["x + 1", [0] * n]]},
    "extra-key": lambda n: {"terms": _terms(n), "degree": 0},
    "terms-not-a-list": lambda n: {"terms": {"1": [0] * n}},
    "not-a-dict": lambda n: [["1", [0] * n]],
    # 10^6 terms (one shared row: building distinct ones only slows the test, the checker counts first).
    "million-terms": lambda n: {"terms": [["1", [0] * n]] * 10**6},
}


@pytest.mark.parametrize("kind", sorted(POLY_ATTACKS))
@pytest.mark.parametrize("where", ["infeasible", "chart"])
def test_malformed_polynomials_are_rejected_quickly(kind, where):
    doc = honest("null" if where == "infeasible" else "global-charts")
    if where == "infeasible":
        ev = claim(doc, "infeasible")["evidence"]
        ev["cofactors"][0] = POLY_ATTACKS[kind](len(ev["variables"]))
    else:
        ev = claim(doc, "regular-value")["evidence"]
        ev["charts"][0][0] = POLY_ATTACKS[kind](len(ev["variables"]))
    reseal(doc)
    t0 = time.perf_counter()
    assert_rejected(doc)
    assert time.perf_counter() - t0 < 5.0


def test_huge_exponents_within_the_limit_are_just_wrong():
    """Exponents at the reader's limit (10^4) parse, expand cheaply, and do not combine to 1."""
    doc = honest("null")
    ev = claim(doc, "infeasible")["evidence"]
    n = len(ev["variables"])
    ev["cofactors"][0]["terms"].append(["1", [10**4] * n])
    reseal(doc)
    t0 = time.perf_counter()
    assert_rejected(doc)
    assert time.perf_counter() - t0 < 2.0


# ---------------------------------------------------------------------------- variety dimension


@needs_singular
@pytest.mark.parametrize("edit", [
    lambda ev: ev.__setitem__("dimension", ev["dimension"] + 1),
    lambda ev: ev.__setitem__("dimension", ev["dimension"] - 1),     # the expected n - l*d = 1: no excess
    lambda ev: ev.__setitem__("dimension", -1),                      # "V(H) is empty"
    lambda ev: ev.__setitem__("degree", ev["degree"] + 1),
    lambda ev: ev["excess_linear"].append({"zero_labels": ["W2[0,0]"], "dimension": 3}),
], ids=["dim+1", "dim-1", "empty", "degree+1", "bogus-excess"])
def test_variety_dimension_wrong(edit):
    doc = honest("dimension")
    vd = claim(doc, "variety-dimension")
    assert vd["status"] == "verified"
    edit(vd["evidence"])
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "variety-dimension") != "verified"


@needs_singular
def test_variety_dimension_claimed_without_the_engine_run():
    """A claim the solver gave up on (budget), turned verified with invented numbers: recomputed, refused."""
    doc = honest("dimension")
    vd = claim(doc, "variety-dimension")
    vd["evidence"] = {"expected_dimension": 1, "excess_linear": [], "dimension": 1, "degree": 2,
                      "engine": "Singular 4.4.0", "engine_seconds": 0.01}
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "variety-dimension") != "verified"


# ---------------------------------------------------------------------------- infeasible claims for consistent data


def forge_infeasible(cofactors_for):
    doc = honest("null-consistent")
    doc["point"] = None
    inf = claim(doc, "infeasible")
    names = claim(doc, "polynomial-system")["evidence"]["variables"]
    inf["status"] = doc["status"] = "verified"
    inf["evidence"] = {"variables": names, "cofactors": cofactors_for(len(names)), "engine": "Singular lift"}
    return reseal(doc)


@pytest.mark.parametrize("cofactors", [
    lambda n: [{"terms": []} for _ in range(4)],
    lambda n: [{"terms": [["1", [0] * n]]} for _ in range(4)],
    lambda n: [{"terms": [["1/4", [0] * n]]}, {"terms": [["-1/4", [0] * n]]}, {"terms": [["1/4", [0] * n]]},
               {"terms": [["-1/4", [0] * n]]}],
    lambda n: [{"terms": [[str(k + 1), [k % 2, 0, 1, 0]]]} for k in range(4)],
    lambda n: [{"terms": [["1", [0] * n]]} for _ in range(3)],                  # too few
], ids=["zeros", "ones", "alternating", "random", "too-few"])
def test_infeasible_verified_for_consistent_data_with_garbage_cofactors(cofactors):
    assert_rejected(forge_infeasible(cofactors))


def test_infeasible_verified_for_consistent_data_with_real_cofactors_of_other_data():
    """Singular's cofactors for y = x^3 pasted into the certificate of y = x^2 + 1 (which is fitted)."""
    stolen = claim(honest("null"), "infeasible")["evidence"]["cofactors"]
    assert_rejected(forge_infeasible(lambda n: stolen))


# ---------------------------------------------------------------------------- non-polynomial networks


@pytest.mark.parametrize("name", VERIFIED)
@pytest.mark.parametrize("activation", [
    "tanh",
    {"name": "tanh"},
    {"name": "softplus"},
    {"name": "tanh", "coefficients": ["0", "1"]},      # coefficients do not make tanh a polynomial
    {"name": "smoolu"},
], ids=["tanh", "tanh-dict", "softplus", "tanh-with-coefficients", "smoolu"])
def test_verified_claimed_for_a_non_polynomial_network(name, activation):
    doc = honest(name)
    doc["instance"]["network"]["activation"] = activation
    rep = assert_rejected(reseal(doc))
    assert rechecked(rep, "polynomial-system") in (None, "refuted")


@pytest.mark.parametrize("name", VERIFIED)
def test_verified_claimed_with_one_tanh_node(name):
    doc = honest(name)
    node = next(nd for nd in doc["instance"]["network"]["nodes"] if nd["kind"] == "hidden")
    node["activation"] = {"name": "tanh"}
    assert_rejected(reseal(doc))


@pytest.mark.parametrize("name", VERIFIED)
def test_polynomial_activation_with_other_coefficients(name):
    """Same name, other coefficients: the compiled H changes, the evidence no longer fits."""
    doc = honest(name)
    doc["instance"]["network"]["activation"] = {"name": "polynomial", "coefficients": ["0", "0", "1", "1"]}
    assert_rejected(reseal(doc))


# ---------------------------------------------------------------------------- statements, scopes, ids


@pytest.mark.parametrize("name", VERIFIED)
@pytest.mark.parametrize("edit", [
    lambda s, th: s + " ",
    lambda s, th: s.replace("polynomial network", "neural network"),
    lambda s, th: s.replace("a", "\u0430", 1),                  # a Cyrillic homoglyph
    lambda s, th: s.upper(),
    lambda s, th: STATEMENTS["cooper-2.1"],
    lambda s, th: STATEMENTS[next(t for t in ("liao-poggio-bezout", "cooper-2.1-global") if t != th)],
    lambda s, th: "",
    lambda s, th: None,
], ids=["trailing-space", "neural", "homoglyph", "upper", "local-2.1", "other-algebraic", "empty", "missing"])
def test_statement_changed_from_the_verbatim_text(name, edit):
    doc = honest(name)
    doc["statement"] = edit(doc["statement"], doc["theorem"])
    assert doc["statement"] != STATEMENTS[doc["theorem"]]
    assert_rejected(reseal(doc))


@pytest.mark.parametrize("name", VERIFIED)
def test_theorem_relabelled_with_its_own_statement(name):
    """A certificate for one theorem presented as another (statement changed to match)."""
    doc = honest(name)
    target = {"liao-poggio-bezout": "liao-poggio-nullstellensatz"}.get(doc["theorem"], "liao-poggio-bezout")
    if target == doc["theorem"]:
        target = "cooper-2.1-global"
    doc["theorem"], doc["statement"] = target, STATEMENTS[target]
    assert_rejected(reseal(doc))


@pytest.mark.parametrize("name, cid, text", [
    ("bezout", "bezout-bounds", "H = 0 has at most 3 real solutions and M is compact"),
    ("rank", "generic-rank", "the generic rank of J is l*d: for generic targets M is smooth of dimension n - l*d"),
    ("null", "infeasible", "V(H) is empty over C for every target vector y"),
    ("global", "regular-value", "0 is a regular value of H for all targets and every width"),
], ids=["bezout", "rank", "null", "global"])
def test_claim_statement_rewritten(name, cid, text):
    doc = honest(name)
    claim(doc, cid)["statement"] = text
    assert_rejected(reseal(doc))


@pytest.mark.parametrize("name, cid, scope", [
    ("global", "regular-value", "after-perturbation"),
    ("global", "regular-value", "local"),
    ("null", "infeasible", "instance"),
    ("rank", "generic-rank", "local"),
])
def test_claim_scope_changed(name, cid, scope):
    doc = honest(name)
    claim(doc, cid)["scope"] = scope
    assert_rejected(reseal(doc))


@pytest.mark.parametrize("name", VERIFIED)
def test_required_claim_dropped_or_duplicated(name):
    doc = honest(name)
    required = REQUIRED_CLAIMS[doc["theorem"]]
    last = [c for c in doc["claims"] if c["id"] in required][-1]
    dropped = copy.deepcopy(doc)
    dropped["claims"] = [c for c in dropped["claims"] if c["id"] != last["id"]]
    assert_rejected(reseal(dropped))
    doc["claims"].append(copy.deepcopy(last))
    assert_rejected(reseal(doc))


def test_regular_value_with_the_first_chart_copied_to_all():
    doc = honest("global-charts")
    charts = claim(doc, "regular-value")["evidence"]["charts"]
    charts[1:] = [copy.deepcopy(charts[0]) for _ in charts[1:]]
    assert_rejected(reseal(doc))


def test_regular_value_with_one_multiplier_too_few():
    doc = honest("global-charts")
    ev = claim(doc, "regular-value")["evidence"]
    ev["variables"] = ev["variables"][:-1]
    ev["charts"] = [[{"terms": [[c, e[:-1]] for c, e in g["terms"]]} for g in chart[:-1]] for chart in ev["charts"][:-1]]
    assert_rejected(reseal(doc))
