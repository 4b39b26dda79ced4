"""Unit tests for verifier.activations."""

import json
import math
import warnings
from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy as sp
from flint import arb, fmpq, fmpq_poly

from verifier.activations import (
    Activation, activation_from_json, get_activation, identity, parse_rational, polynomial,
    power, relu_approx, sigmoid, smoolu, softplus, tanh,
)
from verifier.errors import InputError

ALL = [
    smoolu(), softplus(), tanh(), sigmoid(), identity(),
    polynomial(["0", "1", "1/2"]), polynomial([3, "-2/7", Fraction(1, 3), fmpq(-5, 4)]),
    power(1), power(3), relu_approx(8, 1), relu_approx(5, "5/2"),
]
POINTS = [-50.0, -3.0, -1.0, -1e-3, -1e-300, 0.0, 1e-300, 1e-3, 0.01, 0.2, 1 / 3, 0.5, 1.0, 3.0, 50.0]


def _contains_float(b: arb, x: float, rel=1e-12, abs_=1e-300) -> bool:
    """Is float x in ball b, up to float rounding of x?"""
    if math.isnan(x):
        return False
    mid, rad = float(b.mid()), float(b.rad())
    return abs(x - mid) <= rad + rel * abs(x) + abs_ + 1e-15 * abs(mid)


@pytest.mark.parametrize("act", ALL, ids=repr)
def test_float_inside_ball(act):
    ts = np.array(POINTS)
    fv = act.f64(ts)
    for i, t in enumerate(POINTS):
        for ball in (arb(t), arb(t, abs(t) * 2.0**-70 + 2.0**-1100)):
            bs = act.ball(ball)
            for k in range(3):
                assert _contains_float(bs[k], fv[k][i]), (act, t, k, bs[k], fv[k][i])


@pytest.mark.parametrize("act", ALL, ids=repr)
def test_f64_shapes_and_no_warnings(act):
    t = np.array([-1e300, -1e30, -745.0, -1.0, -5e-324, 0.0, 5e-324, 1e-310, 1e-3, 1.0, 1e30, 1e300])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = act.f64(t)
        scalar = act.f64(0.5)
    assert all(o.shape == t.shape and o.dtype == np.float64 for o in out)
    assert all(np.ndim(s) == 0 for s in scalar)
    if not act.is_polynomial:
        assert all(np.all(np.isfinite(o[1:-1])) for o in out)
        assert all(not np.any(np.isnan(o)) for o in out)


def test_smoolu_float_exact_zero_and_tiny():
    v, d1, d2 = smoolu().f64(np.array([-1.0, -0.0, 0.0, 1e-320, 1e-3]))
    assert np.all(v == 0) and np.all(d1 == 0) and np.all(d2 == 0)
    v, d1, d2 = smoolu().f64(1.0)
    assert v == pytest.approx(math.exp(-1)) and d1 == pytest.approx(2 * math.exp(-1))
    assert d2 == pytest.approx(math.exp(-1))
    assert np.isnan(smoolu().f64(np.nan)[0])


@pytest.mark.parametrize("mid,rad", [(0, 0.5), (0.1, 0.2), (-0.1, 0.1), (0.25, 0.25), (0.3, 0.5),
                                     (1.0, 2.0), (0.05, 0.1), (-3.0, 1.0), (0.2, 0.1), (-1e-3, 2e-3)])
def test_smoolu_ball_straddling_zero(mid, rad):
    act = smoolu()
    big = arb(mid, rad)
    enc = act.ball(big)
    lo, hi = float(big.lower()), float(big.upper())
    for s in np.linspace(lo, hi, 101)[1:-1].tolist() + [0.0, 1 / 3]:
        if not lo < s < hi:
            continue
        pt = act.ball(arb(s))
        for k in range(3):
            assert enc[k].contains(pt[k]), (mid, rad, s, k, enc[k], pt[k])
    if hi <= 0:
        assert all(e == 0 and e.is_exact() for e in enc)


def test_smoolu_ball_cases():
    zero = smoolu().ball(arb(-2, 1))
    assert all(z.is_exact() and z == 0 for z in zero)
    # d2 max over t > 0 is 27 e^-3 at 1/3: a ball reaching past 1/3 must contain it
    enc = smoolu().ball(arb(0.5, 0.6))
    assert enc[2].contains(27 * arb(-3).exp())
    assert enc[0].contains(0) and enc[1].contains(0) and enc[2].contains(0)
    wide = smoolu().ball(arb(0, "inf"))
    assert all(w.contains(0) for w in wide)
    assert all(x.is_nan() for x in smoolu().ball(arb("nan")))


@pytest.mark.parametrize("act", [softplus(), tanh(), sigmoid(), relu_approx(6, 2), polynomial([1, -3, 0, 2])],
                         ids=repr)
def test_wide_ball_contains_points(act):
    big = arb(0.3, 2.5)
    enc = act.ball(big)
    for s in np.linspace(-2.19, 2.79, 37):
        pt = act.ball(arb(float(s)))
        assert all(enc[k].contains(pt[k]) for k in range(3))


def test_ball_precision_and_context_untouched():
    prec = flint.ctx.prec
    with flint.ctx.workprec(200):
        b = tanh().ball(arb(1) / 3)
        assert b[0].rad() < arb(2) ** -190
    relu_approx(10, "3/2")
    assert flint.ctx.prec == prec


def test_exact_polynomial_derivatives():
    p = polynomial(["1", "-2", "1/2", "3"])
    t = fmpq(2, 3)
    v, d1, d2 = p.exact(t)
    assert v == 1 - 2 * t + t**2 / 2 + 3 * t**3
    assert d1 == -2 + t + 9 * t**2
    assert d2 == 1 + 18 * t
    assert power(3).exact(fmpq(2)) == (8, 12, 12)
    assert identity().exact(Fraction(-7, 2)) == (fmpq(-7, 2), 1, 0)
    assert power(2).exact(5) == (25, 10, 2)
    ra = relu_approx(8, 1)
    q = fmpq_poly(list(ra.coefficients()))
    assert ra.exact(fmpq(1, 5)) == (q(fmpq(1, 5)), q.derivative()(fmpq(1, 5)), q.derivative().derivative()(fmpq(1, 5)))
    with pytest.raises(TypeError):
        smoolu().exact(fmpq(1))
    with pytest.raises(TypeError):
        p.exact(0.5)


@pytest.mark.parametrize("act", ALL, ids=repr)
def test_sympy_derivatives_agree(act):
    x = sp.Symbol("x", real=True)
    e = act.sympy(x)
    exprs = [e, sp.diff(e, x), sp.diff(e, x, 2)]
    pts = [-2.0, -0.5, 0.2, 0.7, 1.5]
    fv = act.f64(np.array(pts))
    for i, t in enumerate(pts):
        for k in range(3):
            val = float(exprs[k].subs(x, sp.Rational(t)).evalf(30))
            assert val == pytest.approx(fv[k][i], rel=1e-10, abs=1e-14), (act, t, k)


def test_sympy_smoolu_is_piecewise():
    assert isinstance(smoolu().sympy(sp.Symbol("t")), sp.Piecewise)


@pytest.mark.parametrize("degree,radius", [(2, 1), (3, 1), (8, 1), (12, "1/2"), (20, 3)])
def test_relu_approx_bound(degree, radius):
    a = relu_approx(degree, radius)
    R = a.radius
    assert a.degree == 2 * (degree // 2) and len(a.coefficients()) == a.degree + 1
    q = fmpq_poly(list(a.coefficients()))
    errs = []
    for i in range(-400, 401):
        t = R * fmpq(i, 400)
        errs.append(abs(q(t) - max(t, fmpq(0))))
    worst = max(errs)
    assert worst <= a.sup_error_bound
    assert a.sup_error_observed <= a.sup_error_bound
    assert a.sup_error_bound <= fmpq(3, 2) * a.sup_error_observed
    assert a.sup_error_bound <= fmpq(3, 2) * worst
    # the float evaluation agrees with the exact polynomial
    assert a.f64(0.3)[0] == pytest.approx(float(q(fmpq(3, 10))), rel=1e-12)


def test_json_roundtrip_every_kind():
    for act in ALL:
        spec = act.to_json()
        back = activation_from_json(spec)
        assert back == act and hash(back) == hash(act) and back.degree == act.degree
        assert activation_from_json(json.loads(json.dumps(spec))) == act
        assert activation_from_json(json.dumps(spec)) == act
    assert smoolu().to_json() == "smoolu" and identity().to_json() == "identity"
    assert power(2).to_json() == {"name": "power", "r": 2}
    assert polynomial([0, 1, Fraction(1, 2), 0, 0]).to_json() == {"name": "polynomial",
                                                                   "coefficients": ["0", "1", "1/2"]}
    ra = relu_approx(8, 1).to_json()
    assert ra["degree"] == 8 and ra["radius"] == "1"
    assert activation_from_json({"name": "relu-approx", "degree": 8, "radius": "1"}) == relu_approx(8, 1)
    assert activation_from_json({"name": "tanh"}) == tanh()
    assert activation_from_json(relu_approx(3, 1).to_json()).to_json()["degree"] == 3


def test_get_activation_and_equality():
    assert get_activation("smoolu") == smoolu()
    assert get_activation("relu_approx", degree=6, radius=Fraction(1, 2)) == relu_approx(6, "0.5")
    assert get_activation("polynomial", coefficients=["0.1", 2]) == polynomial([fmpq(1, 10), 2])
    assert get_activation("power", r=4).degree == 4
    assert len({smoolu(), smoolu(), tanh()}) == 2
    assert polynomial([0, 1]) != identity()
    assert repr(smoolu()) == "Activation(smoolu)"
    with pytest.raises(Exception):
        smoolu().name = "tanh"
    with pytest.raises(InputError):
        get_activation("tanh", degree=3)


def test_properties():
    s = smoolu()
    assert s.is_rectified and s.is_smooth and not s.is_analytic and not s.is_polynomial and s.degree is None
    for a in (tanh(), sigmoid(), softplus()):
        assert not a.is_rectified and a.is_analytic and a.is_smooth and not a.is_polynomial
    assert identity().is_polynomial and identity().degree == 1 and identity().coefficients() == (0, 1)
    assert polynomial(["0", "0", "3/7"]).degree == 2
    assert polynomial([0, 0, 0]).degree == 0 and polynomial([0, 0]).coefficients() == (0,)
    assert power(5).degree == 5 and power(5).coefficients()[-1] == 1
    assert relu_approx(8, 1).is_polynomial and not relu_approx(8, 1).is_rectified
    assert smoolu().coefficients() is None and smoolu().radius is None


@pytest.mark.parametrize("text,value", [
    ("3", fmpq(3)), ("-2/4", fmpq(-1, 2)), ("0.1", fmpq(1, 10)), ("1e-3", fmpq(1, 1000)),
    (" +2.5E+2 ", fmpq(250)), (".5", fmpq(1, 2)), ("5.", fmpq(5)), ("-0", fmpq(0)),
    (7, fmpq(7)), (Fraction(3, 9), fmpq(1, 3)), (fmpq(2, 5), fmpq(2, 5)), ("12.5e-1", fmpq(5, 4)),
])
def test_parse_rational_ok(text, value):
    assert parse_rational(text) == value


@pytest.mark.parametrize("bad", ["1/0", "abc", "1e", "", "inf", "nan", "0x10", "1_000", "\u0661\u0662",
                                 "1/-2", "2/3/4", "1e99999", "__import__('os')", 0.5, True, None, [1], "1" * 3000])
def test_parse_rational_bad(bad):
    with pytest.raises(InputError) as ei:
        parse_rational(bad)
    assert "\n" not in str(ei.value)


_R8 = relu_approx(8, 1).to_json()["coefficients"]


@pytest.mark.parametrize("spec,needle", [
    ("relu", "unknown activation"),
    ({"name": "gelu"}, "unknown activation"),
    ({"name": "polynomial", "coefficients": ["1"], "degree": 0}, "unknown key"),
    ({"name": "smoolu", "alpha": "1"}, "unknown key"),
    ({"name": "polynomial", "coefficients": [0.5, 1]}, "strings"),
    ({"name": "polynomial", "coefficients": ["__import__('os')"]}, "rational"),
    ({"name": "polynomial", "coefficients": []}, "non-empty"),
    ({"name": "polynomial", "coefficients": [True]}, "bool"),
    ({"name": "polynomial", "coefficients": [[1]]}, "list"),
    ({"name": "polynomial", "coefficients": "1"}, "list"),
    ({"name": "polynomial", "coefficients": [{"a": 1}]}, "dict"),
    ({"name": "polynomial", "coefficients": ["NaN"]}, "rational"),
    ({"name": "polynomial"}, "coefficients"),
    ({"name": "power", "r": 2.0}, "integer"),
    ({"name": "power", "r": True}, "integer"),
    ({"name": "power", "r": 0}, "between"),
    ({"name": "power", "r": "2"}, "integer"),
    ({"name": "relu-approx", "degree": 8, "radius": "1", "coefficients": _R8[:-1] + ["1"]},
     "relu-approx coefficients do not match degree 8, radius 1"),
    ({"name": "relu-approx", "degree": 8, "radius": "2", "coefficients": _R8}, "do not match"),
    ({"name": "relu-approx", "degree": 1, "radius": "1"}, "degree"),
    ({"name": "relu-approx", "degree": 8, "radius": "-1"}, "positive"),
    ({"name": "relu-approx", "degree": 8, "radius": 1.0}, "strings"),
    ({"name": "relu-approx", "degree": 8}, "radius"),
    ({"coefficients": ["1"]}, "name"),
    ({"name": 3}, "name"),
    ("polynomial", "needs parameters"),
    (["smoolu"], "must be a name or an object"),
    (None, "must be a name or an object"),
    (True, "must be a name or an object"),
    ("{not json", "not valid JSON"),
])
def test_malformed_specs(spec, needle):
    with pytest.raises(InputError) as ei:
        activation_from_json(spec)
    msg = str(ei.value)
    assert needle in msg and "\n" not in msg


def test_activation_is_instance_and_immutable():
    a = polynomial([1, 2])
    assert isinstance(a, Activation)
    with pytest.raises(Exception):
        a.degree = 5
