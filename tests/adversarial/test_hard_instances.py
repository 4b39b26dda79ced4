"""The verifier on hard and near-singular instances: never a wrong `verified`.

Each test states the expected status and the start of the expected reason. Where the
verifier may legitimately go either way (a true theorem that may or may not be
decidable at the given precision), the test demands: verified => the independent
checker accepts the certificate; otherwise inconclusive with a reason.
"""

from __future__ import annotations

import copy
from fractions import Fraction

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adversarial_support import (check, cert_41, dataset_from_arrays, gauss_newton_point, random_data,
                                 reseal, time_limit, unknowns)
from verifier.checker.format import parse_rational, rational_str
from verifier.network import mlp, validate
from verifier.theorems import verify

F = Fraction


def run(theorem, X, Y, **options):
    """(status, reason, checker report) for a verifier run; the certificate goes through the checker."""
    cert = verify(theorem, dataset_from_arrays(X, Y), **options)
    doc = cert.to_json()
    rep = check(doc)
    if cert.status == "verified":
        assert rep.ok, f"the verifier says verified but the checker rejects:\n{rep.text()}"
    else:
        assert not rep.ok, rep.text()
    return cert.status, cert.reason, rep


def simple_point(net, sign=True):
    return {lab: F((-1) ** i if sign else 1, 2 + i) for i, lab in enumerate(net.labels)}


# ---------------------------------------------------------------------------- (a) violated hypotheses

TANH3 = mlp(1, [3], activation="tanh")


@pytest.mark.parametrize("theorem", ["cooper-2.1", "cooper-2.3"])
@pytest.mark.parametrize("X, Y, expected", [
    ([[1], [1], [2]], [[1], [2], [0]], "distinct-inputs: duplicate inputs x_i at rows 1 and 2"),
    ([[1], [1], [2]], [[1], [1], [0]], "distinct-inputs: duplicate inputs x_i at rows 1 and 2"),
    ([[0], [2], [F(1, 3)], [2]], [[0], [5], [1], [5]], "distinct-inputs: duplicate inputs x_i at rows 2 and 4"),
], ids=["same-x-different-y", "same-x-same-y", "same-x-later-rows"])
def test_duplicate_inputs_make_the_theorem_not_apply(theorem, X, Y, expected):
    status, reason, rep = run(theorem, X, Y, network=TANH3, point=simple_point(TANH3))
    assert status == "not-applicable"
    assert reason.startswith(expected), reason
    assert rep.status == "not-applicable", rep.text()


@pytest.mark.parametrize("theorem", ["cooper-2.1", "cooper-2.3"])
@pytest.mark.parametrize("width, d", [(1, 4), (1, 5), (2, 7)])
def test_not_overparameterized_is_not_applicable(theorem, width, d):
    net = mlp(1, [width], activation="tanh")
    X = [[i] for i in range(d)]
    Y = [[i % 2] for i in range(d)]
    status, reason, rep = run(theorem, X, Y, network=net, point=simple_point(net))
    assert status == "not-applicable"
    assert reason.startswith(f"overparameterized: n = {net.n} <= l*d = {d}"), reason
    assert rep.status == "not-applicable"


@pytest.mark.parametrize("theorem", ["cooper-4.1", "cooper-3.3", "cooper-3.4"])
def test_construction_with_duplicate_inputs_is_not_applicable(theorem):
    status, reason, _ = run(theorem, [[0], [1], [1]], [[0], [1], [2]])
    assert status == "not-applicable"
    assert reason.startswith("distinct-inputs: duplicate inputs x_i at rows 2 and 3"), reason


# ---------------------------------------------------------------------------- (b) structurally rank-deficient J

NOT_VERIFIED = ("inconclusive", "refuted", "not-applicable")


@pytest.mark.parametrize("theorem", ["cooper-2.1", "cooper-2.3"])
@pytest.mark.parametrize("activation, Y, why", [
    ("identity", [[0], [1], [0], [1]], "f is affine in x: no exact fit of a zig-zag, M is empty"),
    ("identity", [[0], [1], [2], [3]], "f is affine in x: M is nonempty but rank J <= 2 < 4 everywhere"),
    ({"name": "power", "r": 2}, [[0], [1], [4], [9]], "f is quadratic in x: rank J <= 3 < 4 everywhere"),
    ({"name": "polynomial", "coefficients": ["1", "1/2"]}, [[1], [2], [3], [4]], "affine activation, rank <= 2"),
])
def test_structurally_rank_deficient(theorem, activation, Y, why):
    net = mlp(1, [2], activation=activation)
    assert net.n > 4          # overparameterized, so only the mathematics can stop it
    status, reason, _ = run(theorem, [[0], [1], [2], [3]], Y, network=net, point=simple_point(net, sign=False))
    assert status in NOT_VERIFIED, why
    assert status == "inconclusive"
    assert reason.startswith("zero:"), reason


def test_rank_deficient_two_outputs_sharing_everything():
    """l = 2 outputs computed by the same hidden unit with a shared output label: f_1 = f_2 + const."""
    g = nx.DiGraph()
    g.add_node("x0", kind="input")
    g.add_node("h", kind="hidden", bias="b")
    g.add_node("h2", kind="hidden", bias="b2")
    g.add_node("y0", kind="output", bias="c0")
    g.add_node("y1", kind="output", bias="c1")
    g.add_edge("x0", "h", weight="w")
    g.add_edge("x0", "h2", weight="w2")
    g.add_edge("h", "y0", weight="v")
    g.add_edge("h", "y1", weight="v")
    g.add_edge("h2", "y0", weight="u")
    g.add_edge("h2", "y1", weight="u")
    net = validate(g, activation="tanh")          # n = 8 > l*d = 4, but rows y0 and y1 differ only in c0/c1
    X, Y = [[0], [1]], [[0, 1], [1, 5]]          # y1 - y0 is not constant: M is empty
    status, reason, _ = run("cooper-2.1", X, Y, network=net, point=simple_point(net))
    assert status == "inconclusive"
    assert reason.startswith("zero:"), reason


# ---------------------------------------------------------------------------- (c) near-singular data


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # float overflow in the verifier's reading-only spectrum
@pytest.mark.parametrize("theorem", ["cooper-4.1", "cooper-3.4", "cooper-3.3"])
@pytest.mark.parametrize("k", [30, 100, 300])
def test_nearly_equal_inputs_1d(theorem, k):
    """x_1 and x_2 differ by 10^-k (exact). The theorem is true: verified (and the checker agrees) or inconclusive."""
    eps = F(1, 10**k)
    status, reason, _ = run(theorem, [[0], [eps], [1], [2], [3]], [[0], [1], [0], [1], [2]])
    if status != "verified":
        assert status == "inconclusive" and reason, reason


@pytest.mark.parametrize("k", [30, 100])
def test_nearly_equal_inputs_4_2(k):
    eps = F(1, 10**k)
    status, reason, _ = run("cooper-4.2", [[0], [eps], [1], [2]], [[0, 1], [1, 0], [0, 0], [1, 1]])
    if status != "verified":
        assert status == "inconclusive" and reason, reason


@pytest.mark.parametrize("prec", [128, 1024])
def test_nearly_equal_inputs_2d(prec):
    eps = F(1, 10**30)
    status, reason, _ = run("cooper-4.1", [[0, 1], [eps, 1], [1, 0], [2, 2]], [[0], [1], [0], [1]],
                            prec_bits=prec)
    if status != "verified":
        assert status == "inconclusive" and reason, reason


@pytest.mark.parametrize("theorem", ["cooper-4.1", "cooper-3.4"])
def test_inputs_1e_minus_1000_apart(theorem):
    eps = F(1, 10**1000)
    status, reason, _ = run(theorem, [[0], [eps], [1], [2], [3]], [[0], [1], [0], [1], [2]])
    if status != "verified":
        assert status == "inconclusive" and reason


def test_long_exact_rational_in_the_data():
    X = [[F(1, 3**10000)], [1], [2], [3]]
    status, reason, _ = run("cooper-4.1", X, [[0], [1], [0], [1]])
    assert status in ("verified", "inconclusive")


# ---------------------------------------------------------------------------- (d) points far from M


def _shared_sign_network():
    """f(x) = a tanh(a x) + b tanh(b x) >= 0 for x > 0: the target -1 at x = 1 is out of reach (M is empty)."""
    g = nx.DiGraph()
    g.add_node("x0", kind="input")
    g.add_node("h0", kind="hidden")
    g.add_node("h1", kind="hidden")
    g.add_node("y", kind="output")
    g.add_edge("x0", "h0", weight="a")
    g.add_edge("h0", "y", weight="a")
    g.add_edge("x0", "h1", weight="b")
    g.add_edge("h1", "y", weight="b")
    return validate(g, activation="tanh")


@pytest.mark.parametrize("case", ["tanh-1e6", "sigmoid-1e6", "sign-constrained", "divergent-start"])
def test_unreachable_or_far_from_M(case):
    """Gauss-Newton cannot converge: inconclusive (reason starts with 'zero:'), and quickly (no hang)."""
    if case in ("tanh-1e6", "sigmoid-1e6"):
        net = mlp(1, [2], activation=case.split("-")[0], bias=False)
        X, Y, pt = [[1], [2]], [[10**6], [-10**6]], simple_point(net, sign=False)
        theorem = "cooper-2.1"
    elif case == "sign-constrained":
        net = _shared_sign_network()
        X, Y, pt = [[1]], [[-1]], {"a": F(1, 2), "b": F(1, 3)}
        theorem = "cooper-2.1"
    else:
        net = mlp(2, [3], activation="softplus")
        data = random_data(4, 4, 2)
        X = [[F(int(c.p), int(c.q)) for c in row] for row in data.X]
        Y = [[F(int(c.p), int(c.q)) for c in row] for row in data.Y]
        pt = gauss_newton_point(net, data, seed=3, scale=1.0)     # Gauss-Newton wanders off to |w| ~ 1e10
        theorem = "cooper-2.3"
    with time_limit(15):
        status, reason, _ = run(theorem, X, Y, network=net, point=pt)
    assert status == "inconclusive"
    assert reason.startswith("zero:"), reason


# ---------------------------------------------------------------------------- (e) low precision


LOW_PREC_CASES = {
    "4.1-d5": ("cooper-4.1", [[0, 1], [1, 0], [2, 3], [3, 1], [-1, 2]], [[1], [2], [3], [4], [5]], {}),
    "4.1-d8-big-y": ("cooper-4.1", [[0, 1], [1, 0], [2, 3], [3, 1], [-1, 2], [F(1, 3), F(7, 5)], [4, 4], [F(-5, 2), 0]],
                     [[10**5], [2], [-3], [4], [5], [6], [-7], [8]], {}),
    "4.1-close-x": ("cooper-4.1", [[0], [F(1, 10**6)], [1], [2]], [[0], [1], [0], [1]], {}),
    "3.4-depth3": ("cooper-3.4", [[0], [1], [2], [3], [4]], [[3], [1], [4], [1], [5]], {"depth": 3}),
    "4.2-l2": ("cooper-4.2", [[0], [1], [2]], [[0, 1], [1, 0], [5, 5]], {}),
}


@pytest.mark.parametrize("prec", [32, 40, 53])
@pytest.mark.parametrize("case", list(LOW_PREC_CASES))
def test_low_precision_construction(case, prec):
    theorem, X, Y, opts = LOW_PREC_CASES[case]
    status, reason, rep = run(theorem, X, Y, prec_bits=prec, **opts)
    if status != "verified":
        assert status == "inconclusive" and reason, reason
    else:
        assert rep.ok


@pytest.mark.parametrize("prec", [32, 40])
@pytest.mark.parametrize("activation", ["softplus", "tanh", "sigmoid"])
def test_low_precision_local(activation, prec):
    net = mlp(2, [3], activation=activation)
    data = random_data(6, 4, 2)
    pt = gauss_newton_point(net, data, seed=0)
    X = [[F(int(c.p), int(c.q)) for c in row] for row in data.X]
    Y = [[F(int(c.p), int(c.q)) for c in row] for row in data.Y]
    status, reason, rep = run("cooper-2.3", X, Y, network=net, point=pt, prec_bits=prec)
    if status != "verified":
        assert status == "inconclusive" and reason.startswith("zero:"), reason


def test_certificate_made_at_128_bits_checked_at_32():
    """Lowering prec_bits after the fact must not raise; the 1e-28 box cannot be re-proved with 32-bit balls."""
    cert = cert_41(d=6, seed=1)
    cert["prec_bits"] = 32
    rep = check(reseal(cert))
    assert not rep.ok and rep.status == "inconclusive"
    assert any(m in rep.text() for m in ("Krawczyk inclusion fails", "problem: claim construction",
                                         "prec_bits differs")), rep.text()


# ---------------------------------------------------------------------------- (f) properties

_rational = st.builds(F, st.integers(-30, 30), st.integers(1, 6))


@st.composite
def instances(draw, max_d=6):
    p = draw(st.integers(1, 3))
    d = draw(st.integers(2, max_d))
    l = draw(st.integers(1, 2))  # noqa: E741
    X = draw(st.lists(st.tuples(*[_rational] * p), min_size=d, max_size=d, unique=True))
    Y = draw(st.lists(st.tuples(*[_rational] * l), min_size=d, max_size=d))
    return [list(r) for r in X], [list(r) for r in Y]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(), which=st.integers(0, 100), factor=st.fractions(F(101, 100), F(1000), max_denominator=1000),
       sign=st.sampled_from([1, -1]), prec=st.sampled_from([64, 128]))
def test_mid_moved_beyond_the_radius_is_rejected(inst, which, factor, sign, prec):
    """Moving one ball's mid by more than its radius puts the (unique) zero outside the box: must be rejected."""
    X, Y = inst
    theorem = "cooper-4.1" if len(Y[0]) == 1 else "cooper-4.2"
    cert = verify(theorem, dataset_from_arrays(X, Y), prec_bits=prec).to_json()
    if cert["status"] != "verified":
        assert not check(cert).ok
        return
    assert check(cert).ok
    us = unknowns(cert)
    lab = us[which % len(us)]
    ballv = cert["point"][lab]
    rad = parse_rational(ballv["rad"])
    shift = rad * (factor.numerator) / (factor.denominator) * sign
    moved = copy.deepcopy(cert)
    moved["point"][lab]["mid"] = rational_str(parse_rational(ballv["mid"]) + shift)
    rep = check(reseal(moved))
    assert not rep.ok, rep.text()
    assert "Krawczyk inclusion fails" in rep.text(), rep.text()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(max_d=5), prec=st.sampled_from([32, 36, 48]))
def test_low_precision_never_wrongly_verified(inst, prec):
    """At 32-48 bits: verified only if the checker (at the certificate's precision) accepts."""
    X, Y = inst
    theorem = "cooper-4.1" if len(Y[0]) == 1 else "cooper-4.2"
    status, reason, _ = run(theorem, X, Y, prec_bits=prec)
    if status != "verified":
        assert status == "inconclusive" and reason


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(max_d=4), shift=st.fractions(F(-1, 2), F(1, 2), max_denominator=1000).filter(lambda v: v != 0))
def test_targets_moved_after_certification_are_rejected(inst, shift):
    """Changing one target by a macroscopic amount (informed attacker) must fail the Krawczyk test."""
    X, Y = inst
    theorem = "cooper-4.1" if len(Y[0]) == 1 else "cooper-4.2"
    cert = verify(theorem, dataset_from_arrays(X, Y)).to_json()
    if cert["status"] != "verified":
        return
    y = cert["instance"]["data"]["y"]
    y[0][0] = rational_str(parse_rational(y[0][0]) + parse_rational(f"{shift.numerator}/{shift.denominator}"))
    rep = check(reseal(cert))
    assert not rep.ok, rep.text()
