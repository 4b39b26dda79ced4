"""Activation functions that know what they are and evaluate in four arithmetics.

Every :class:`Activation` carries its structural flags (polynomial? rectified
in the sense of Cooper, Def. 3.1? real-analytic?) and evaluates value, first
and second derivative in

* ``f64``   -- vectorised float64 (numpy), warning-free for ``|t| <= 1e300``;
* ``ball``  -- :class:`flint.arb` enclosures valid for every point of the ball;
* ``exact`` -- :class:`flint.fmpq` (polynomial activations only);
* ``sympy`` -- a symbolic expression (value only; differentiate it yourself).

Activations serialise to JSON (:meth:`Activation.to_json`) and are rebuilt by
:func:`activation_from_json`, which rejects malformed specs with a one-line
:class:`~verifier.errors.InputError`.  Rationals in specs are parsed by
:func:`parse_rational` -- never by ``eval``/``sympify``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

from flint import arb, fmpq, fmpq_poly, fmpz

from verifier.data import parse_exact
from verifier.errors import InputError

__all__ = [
    "Activation", "activation_from_json", "get_activation", "parse_rational",
    "smoolu", "identity", "softplus", "tanh", "sigmoid", "polynomial", "power",
    "relu_approx", "NAMES",
]

NAMES = ("smoolu", "polynomial", "power", "relu-approx", "softplus", "tanh", "sigmoid", "identity")
_BARE = ("smoolu", "softplus", "tanh", "sigmoid", "identity")
_MAX_STR = 2000          # longest rational string accepted
_MAX_COEFFS = 10000
_MAX_POWER = 1000
_MAX_RELU_DEGREE = 200
# pi to 50 digits; relu-approx uses its best rational approximation with denominator <= 1e12
# (|P - pi| < 1e-24).  The error bound is computed for the actual rational polynomial.
_PI_50 = Fraction("3.1415926535897932384626433832795028841971693993751")
_PI_Q = _PI_50.limit_denominator(10**12)


# ----------------------------------------------------------------------------- rationals


def _show(x, n: int = 40) -> str:
    s = repr(x)
    return s if len(s) <= n else s[: n - 3] + "..."


def parse_rational(s) -> fmpq:
    """Parse an exact rational number.

    Parameters
    ----------
    s : str or int or fractions.Fraction or flint.fmpq
        A string ``"3"``, ``"-2/7"``, ``"+3/4"``, ``"0.125"``, ``"1e-3"``, ``"2.5E+2"``
        (decimals are exact: ``"0.1"`` is 1/10), or an exact Python/flint number.
        Strings follow the one grammar of docs/data-format.md (:func:`verifier.data.parse_exact`),
        at most 2000 characters. Floats and bools are rejected.

    Returns
    -------
    flint.fmpq

    Raises
    ------
    InputError
        For anything that is not an exact finite rational.
    """
    if isinstance(s, fmpq):
        return s
    if isinstance(s, bool):
        raise InputError(f"expected an exact rational, got bool {s!r}")
    if isinstance(s, (int, fmpz)):
        return fmpq(s)
    if isinstance(s, Fraction):
        return fmpq(s.numerator, s.denominator)
    if isinstance(s, float):
        raise InputError(f"expected an exact rational, got float {s!r}; write exact rationals as strings, e.g. \"1/10\"")
    if not isinstance(s, str):
        raise InputError(f"expected an exact rational as a string, got {type(s).__name__}")
    return parse_exact(s, max_chars=_MAX_STR)


# ----------------------------------------------------------------------------- class
@dataclass(frozen=True, eq=False, repr=False)
class Activation:
    """An activation function with its structural properties.

    Build instances with the constructors (:func:`smoolu`, :func:`polynomial`,
    ...), :func:`get_activation` or :func:`activation_from_json`.

    Attributes
    ----------
    name : str
        One of :data:`NAMES`.
    is_polynomial : bool
    degree : int or None
        Exact degree of the polynomial (``None`` if not polynomial).
    is_rectified : bool
        Cooper Def. 3.1: zero for ``t <= 0``, strictly increasing for ``t > 0``.
    is_smooth : bool
        C-infinity on R.
    is_analytic : bool
        Real-analytic on R.
    radius, sup_error_bound, sup_error_observed : flint.fmpq or None
        relu-approx only: approximation interval ``[-R, R]``, a rigorous upper
        bound and an observed lower bound of ``sup |p(t) - max(t, 0)|`` on it.
    """

    name: str
    is_polynomial: bool
    degree: int | None
    is_rectified: bool
    is_smooth: bool
    is_analytic: bool
    radius: fmpq | None = None
    sup_error_bound: fmpq | None = None
    sup_error_observed: fmpq | None = None
    _coeffs: tuple | None = field(default=None)
    _param: int | None = field(default=None)  # power r / requested relu-approx degree
    _key: str = field(init=False)
    _fcoeffs: tuple | None = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "_key", json.dumps(self.to_json(), sort_keys=True))
        fc = None if self._coeffs is None else tuple(float(c) for c in self._coeffs)
        object.__setattr__(self, "_fcoeffs", fc)

    # -- identity ---------------------------------------------------------------
    def __eq__(self, other):
        return isinstance(other, Activation) and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        if self.name == "polynomial":
            return f"Activation(polynomial, degree={self.degree})"
        if self.name == "power":
            return f"Activation(power, r={self._param})"
        if self.name == "relu-approx":
            return f"Activation(relu-approx, degree={self._param}, radius={self.radius})"
        return f"Activation({self.name})"

    # -- serialisation ------------------------------------------------------------
    def to_json(self) -> str | dict:
        """JSON-ready form: a bare name, or a dict with exact rational strings."""
        if self.name in _BARE:
            return self.name
        if self.name == "power":
            return {"name": "power", "r": self._param}
        cs = [str(c) for c in self._coeffs]
        if self.name == "polynomial":
            return {"name": "polynomial", "coefficients": cs}
        return {"name": "relu-approx", "degree": self._param, "radius": str(self.radius), "coefficients": cs}

    def coefficients(self) -> tuple | None:
        """Monomial coefficients ``(c0, c1, ...)`` as fmpq for polynomial activations, else None."""
        return self._coeffs

    # -- float64 ------------------------------------------------------------------
    def f64(self, t):
        """Value, first and second derivative in float64 (vectorised, warning-free).

        Parameters
        ----------
        t : array_like

        Returns
        -------
        tuple of numpy.ndarray
            ``(sigma(t), sigma'(t), sigma''(t))``, each of the shape of ``t``.
        """
        import numpy as np      # here: exact and ball evaluation never need it
        t = np.asarray(t, dtype=np.float64)
        with np.errstate(all="ignore"):
            if self._coeffs is not None:
                c = self._fcoeffs
                v, d1, d2 = np.full_like(t, c[-1]), np.zeros_like(t), np.zeros_like(t)
                for ck in c[-2::-1]:
                    d2 = d2 * t + 2.0 * d1
                    d1 = d1 * t + v
                    v = v * t + ck
                return v, d1, d2
            return _F64[self.name](t)

    # -- balls --------------------------------------------------------------------
    def ball(self, t):
        """Enclosures of value, first and second derivative over the whole ball ``t``.

        Parameters
        ----------
        t : flint.arb
            (ints, fmpq and floats are converted exactly or to a containing ball.)

        Returns
        -------
        tuple of flint.arb
            Each contains ``sigma^(k)(s)`` for every point ``s`` of ``t``, at the
            current ``flint.ctx.prec``.
        """
        if not isinstance(t, arb):
            t = arb(t)
        if self._coeffs is not None:
            cs = [arb(ck) for ck in self._coeffs]
            v, d1, d2 = cs[-1], arb(0), arb(0)
            for ck in cs[-2::-1]:
                d2 = d2 * t + 2 * d1
                d1 = d1 * t + v
                v = v * t + ck
            return v, d1, d2
        return _BALL[self.name](t)

    # -- exact --------------------------------------------------------------------
    def exact(self, t):
        """Exact value and derivatives at a rational point (polynomial activations only).

        Raises
        ------
        TypeError
            If the activation is not polynomial or ``t`` is not an exact rational.
        """
        if self._coeffs is None:
            raise TypeError(f"exact evaluation needs a polynomial activation; {self.name} is not polynomial")
        if isinstance(t, Fraction):
            t = fmpq(t.numerator, t.denominator)
        elif isinstance(t, (int, fmpz)) and not isinstance(t, bool):
            t = fmpq(t)
        elif not isinstance(t, fmpq):
            raise TypeError(f"exact evaluation needs an exact rational point, got {type(t).__name__}")
        p = fmpq_poly(list(self._coeffs))
        dp = p.derivative()
        return p(t), dp(t), dp.derivative()(t)

    # -- sympy --------------------------------------------------------------------
    def sympy(self, t):
        """Symbolic expression of the activation in ``t`` (smoolu as a Piecewise)."""
        import sympy as sp

        if self._coeffs is not None:
            return sp.Add(*[sp.Rational(int(c.p), int(c.q)) * t**k for k, c in enumerate(self._coeffs)])
        if self.name == "smoolu":
            return sp.Piecewise((sp.Integer(0), t <= 0), (t * sp.exp(-1 / t), True))
        if self.name == "softplus":
            return sp.log(1 + sp.exp(t))
        if self.name == "tanh":
            return sp.tanh(t)
        return 1 / (1 + sp.exp(-t))  # sigmoid


# ----------------------------------------------------------------------------- float kernels
def _sigmoid_pair(t):
    """(sigmoid(t), sigmoid(-t)) without overflow."""
    import numpy as np
    e = np.exp(-np.abs(t))
    a, b = 1.0 / (1.0 + e), e / (1.0 + e)
    pos = t >= 0
    return np.where(pos, a, b), np.where(pos, b, a)


def _f64_smoolu(t):
    import numpy as np
    pos = t > 0
    u = np.where(pos, 1.0 / np.where(pos, t, 1.0), 1.0)
    u = np.minimum(u, 2000.0)  # everything is exactly 0 in float64 beyond this
    e = np.exp(-u)
    v = np.where(u < 700.0, np.where(pos, t, 0.0) * e, np.exp(-u - np.log(u)))
    d1 = np.exp(-u + np.log1p(u))
    d2 = np.exp(-u + 3.0 * np.log(u))
    out = []
    for x in (v, d1, d2):
        x = np.where(pos, x, 0.0)
        out.append(np.where(np.isnan(t), np.nan, x))
    return tuple(out)


def _f64_softplus(t):
    import numpy as np
    s, sm = _sigmoid_pair(t)
    return np.logaddexp(0.0, t), s, s * sm


def _f64_sigmoid(t):
    import numpy as np
    s, sm = _sigmoid_pair(t)
    d1 = s * sm
    return s, d1, -d1 * np.tanh(0.5 * t)


def _f64_tanh(t):
    import numpy as np
    th = np.tanh(t)
    e = np.exp(-2.0 * np.abs(t))
    sech2 = 4.0 * e / ((1.0 + e) * (1.0 + e))
    return th, sech2, -2.0 * th * sech2


_F64 = {"smoolu": _f64_smoolu, "softplus": _f64_softplus, "sigmoid": _f64_sigmoid, "tanh": _f64_tanh}


# ----------------------------------------------------------------------------- ball kernels
def _smoolu_pos(t):
    """smoolu formulas on a ball of positive reals."""
    inv = 1 / t
    e = (-inv).exp()
    return t * e, e * (1 + inv), e * inv**3


def _ball_smoolu(t):
    if t.is_nan():
        return arb.nan(), arb.nan(), arb.nan()
    zero = arb(0)
    hi = t.upper()  # exact, rounded up
    if hi <= 0:
        return zero, zero, zero
    if t.lower() > 0:
        return _smoolu_pos(t)
    # the ball touches or straddles 0; s, s' increase on (0, inf), s'' increases on (0, 1/3]
    if not hi.is_finite():
        return zero.union(arb.pos_inf()), zero.union(arb.pos_inf()), zero.union(27 * arb(-3).exp())
    v, d1, d2 = _smoolu_pos(hi)
    if not (3 * hi < 1):
        d2 = 27 * arb(-3).exp()  # global maximum of s'' over t > 0, at t = 1/3
    return zero.union(v), zero.union(d1), zero.union(d2)


def _ball_sigmoid_pair(t):
    """Enclosures of (sigmoid(t), sigmoid'(t)); accurate for large |t|."""
    if t.mid() >= 0:
        s = 1 / (1 + (-t).exp())
    else:
        e = t.exp()
        s = e / (1 + e)
    e = (-abs(t)).exp()
    return s, e / ((1 + e) * (1 + e))


def _ball_softplus(t):
    if t.mid() >= 0:
        v = t + (-t).exp().log1p()
    else:
        v = t.exp().log1p()
    s, ds = _ball_sigmoid_pair(t)
    return v, s, ds


def _ball_sigmoid(t):
    s, ds = _ball_sigmoid_pair(t)
    return s, ds, -ds * (t / 2).tanh()


def _ball_tanh(t):
    th = t.tanh()
    sech2 = t.sech() ** 2
    return th, sech2, -2 * th * sech2


_BALL = {"smoolu": _ball_smoolu, "softplus": _ball_softplus, "sigmoid": _ball_sigmoid, "tanh": _ball_tanh}


# ----------------------------------------------------------------------------- relu-approx
def _round_sig(x: fmpq, digits: int, up: bool) -> fmpq:
    """Round a nonnegative rational to about ``digits`` significant decimals (up or down)."""
    if x == 0:
        return x
    k = digits - (len(str(x.p)) - len(str(x.q)))
    num, den = (x.p * 10**k, x.q) if k >= 0 else (x.p, x.q * 10 ** (-k))
    n = -((-num) // den) if up else num // den
    return fmpq(n, 10**k) if k >= 0 else fmpq(n * 10 ** (-k))


def _sup_abs(q: fmpq_poly, pieces, lower: fmpq, tol: fmpq, max_depth: int = 40):
    """Rigorous upper bound of max |q| over the union of ``pieces`` (adaptive Taylor bisection).

    Returns ``(upper, lower)`` where ``lower`` is the best exact |q| seen at sample points.
    """
    taylor, d, fact = [], q, 1
    for k in range(max(q.degree(), 0) + 1):
        taylor.append(d * fmpq(1, fact))
        d, fact = d.derivative(), fact * (k + 1)
    upper = fmpq(0)
    stack = [(a, b, 0) for a, b in pieces]
    while stack:
        a, b, depth = stack.pop()
        c, r = (a + b) / 2, (b - a) / 2
        vals = [abs(tk(c)) for tk in taylor]
        lower = max(lower, vals[0])
        u, rk = vals[0], fmpq(1)
        for vk in vals[1:]:
            rk *= r
            u += vk * rk
        if u <= (1 + tol) * lower or depth >= max_depth:
            upper = max(upper, u)
        else:
            stack.extend([(c, b, depth + 1), (a, c, depth + 1)])
    return upper, lower


@lru_cache(maxsize=64)
def _relu_approx_data(degree: int, radius: fmpq):
    m = degree // 2
    x = fmpq_poly([0, 1])
    t_prev, t_cur = fmpq_poly([1]), x
    s = fmpq_poly([2])
    for n in range(2, 2 * m + 1):
        t_prev, t_cur = t_cur, 2 * x * t_cur - t_prev
        if n % 2 == 0:
            j = n // 2
            s += fmpq(4 * (-1) ** (j + 1), 4 * j * j - 1) * t_cur
    pi_q = fmpq(_PI_Q.numerator, _PI_Q.denominator)
    a = s * (1 / pi_q)                                   # ~ |x| on [-1, 1]
    p = radius / 2 * a(fmpq_poly([0, 1 / radius])) + x / 2   # ~ max(t, 0) on [-R, R]
    coeffs = tuple(fmpq(c) for c in p.coeffs())
    neg, posq = p, p - x                                  # the error on [-R, 0] and [0, R]
    lo = max(abs(neg(-radius)), abs(neg(fmpq(0))), abs(posq(radius)))
    tol, n0 = fmpq(1, 20), 8
    grid = [radius * fmpq(i, n0) for i in range(n0 + 1)]
    up1, lo = _sup_abs(neg, [(-grid[i + 1], -grid[i]) for i in range(n0)], lo, tol)
    up2, lo = _sup_abs(posq, [(grid[i], grid[i + 1]) for i in range(n0)], lo, tol)
    return coeffs, _round_sig(max(up1, up2), 8, up=True), _round_sig(lo, 8, up=False)


# ----------------------------------------------------------------------------- constructors
def smoolu() -> Activation:
    """smooLU (Cooper Def. 3.2): 0 for t <= 0, t*exp(-1/t) for t > 0. Rectified, smooth, not analytic."""
    return Activation("smoolu", False, None, True, True, False)


def softplus() -> Activation:
    """log(1 + exp(t))."""
    return Activation("softplus", False, None, False, True, True)


def tanh() -> Activation:
    """Hyperbolic tangent."""
    return Activation("tanh", False, None, False, True, True)


def sigmoid() -> Activation:
    """Logistic function 1 / (1 + exp(-t))."""
    return Activation("sigmoid", False, None, False, True, True)


def identity() -> Activation:
    """t (polynomial of degree 1)."""
    return Activation("identity", True, 1, False, True, True, _coeffs=(fmpq(0), fmpq(1)))


def polynomial(coefficients) -> Activation:
    """Polynomial ``c0 + c1 t + c2 t^2 + ...`` with exact rational coefficients.

    Parameters
    ----------
    coefficients : sequence of (int | str | fractions.Fraction | flint.fmpq)
        ``c0`` first; strings as accepted by :func:`parse_rational`.
        Trailing zeros are trimmed (the zero polynomial has degree 0).
    """
    if isinstance(coefficients, (str, bytes, dict)) or not hasattr(coefficients, "__iter__"):
        raise InputError("polynomial coefficients must be a list of exact rationals")
    coefficients = list(coefficients)
    if not coefficients:
        raise InputError("polynomial coefficients must be a non-empty list")
    if len(coefficients) > _MAX_COEFFS:
        raise InputError(f"too many polynomial coefficients ({len(coefficients)} > {_MAX_COEFFS})")
    cs = []
    for i, c in enumerate(coefficients):
        try:
            cs.append(parse_rational(c))
        except InputError as exc:
            raise InputError(f"polynomial coefficient {i}: {exc}") from None
    while len(cs) > 1 and cs[-1] == 0:
        cs.pop()
    return Activation("polynomial", True, len(cs) - 1, False, True, True, _coeffs=tuple(cs))


def _check_int(x, what: str, lo: int, hi: int) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, fmpz)):
        raise InputError(f"{what} must be an integer, got {type(x).__name__} {_show(x)}")
    x = int(x)
    if not lo <= x <= hi:
        raise InputError(f"{what} must be between {lo} and {hi}, got {x}")
    return x


def power(r) -> Activation:
    """t**r for an integer ``1 <= r <= 1000``."""
    r = _check_int(r, "power r", 1, _MAX_POWER)
    return Activation("power", True, r, False, True, True, _coeffs=(fmpq(0),) * r + (fmpq(1),), _param=r)


def relu_approx(degree, radius) -> Activation:
    """Polynomial approximation of ReLU(t) = max(t, 0) on [-R, R] with exact rational coefficients.

    Method: ReLU(t) = (t + |t|)/2 and ``|x|`` on [-1, 1] has the Chebyshev series
    ``2/pi + (4/pi) sum_{j>=1} (-1)^(j+1) T_2j(x) / (4j^2 - 1)``.  We truncate it at
    the even degree ``2*(degree//2)`` (an odd ``degree`` gives degree ``degree - 1``,
    the odd Chebyshev terms of |x| vanish), replace pi by a rational within 1e-24,
    convert to monomials exactly in fmpq and rescale ``x = t/R``.

    ``sup_error_bound`` is a rigorous bound on ``sup_{[-R,R]} |p(t) - ReLU(t)|``:
    with ``q = p`` on [-R, 0] and ``q = p - t`` on [0, R] (both polynomials), each
    subinterval ``[c - r, c + r]`` is bounded by the exact Taylor expansion at its centre,
    ``|q(t)| <= sum_k |q^(k)(c)/k!| r^k`` (all in exact fmpq), and subintervals are
    bisected adaptively until that bound is within 5% of the largest exact ``|q|`` at
    the centres/endpoints seen so far, which is ``sup_error_observed`` (a true lower
    bound).  The bound is rounded up to 8 significant digits, the observed value down.

    Parameters
    ----------
    degree : int
        Requested degree, 2 <= degree <= 200.
    radius : int or str or fractions.Fraction or flint.fmpq
        R > 0, exact rational.
    """
    k = _check_int(degree, "relu-approx degree", 2, _MAX_RELU_DEGREE)
    try:
        rad = parse_rational(radius)
    except InputError as exc:
        raise InputError(f"relu-approx radius: {exc}") from None
    if rad <= 0:
        raise InputError(f"relu-approx radius must be positive, got {rad}")
    coeffs, bound, observed = _relu_approx_data(k, rad)
    return Activation("relu-approx", True, len(coeffs) - 1, False, True, True, radius=rad,
                      sup_error_bound=bound, sup_error_observed=observed, _coeffs=coeffs, _param=k)


# ----------------------------------------------------------------------------- loading
_KEYS = {"polynomial": {"coefficients"}, "power": {"r"}, "relu-approx": {"degree", "radius", "coefficients"}}
_REQUIRED = {"polynomial": {"coefficients"}, "power": {"r"}, "relu-approx": {"degree", "radius"}}
_SIMPLE = {"smoolu": smoolu, "softplus": softplus, "tanh": tanh, "sigmoid": sigmoid, "identity": identity}


def _normal_name(name) -> str:
    if not isinstance(name, str):
        raise InputError(f"activation name must be a string, got {type(name).__name__}")
    n = "relu-approx" if name == "relu_approx" else name
    if n not in NAMES:
        raise InputError(f"unknown activation {_show(name)} (expected one of: {', '.join(NAMES)})")
    return n


def activation_from_json(spec) -> Activation:
    """Rebuild an :class:`Activation` from its :meth:`~Activation.to_json` form.

    Parameters
    ----------
    spec : str or dict
        A bare name (``"smoolu"``), a dict such as
        ``{"name": "polynomial", "coefficients": ["0", "1", "1/2"]}``, or JSON text of one.

    Raises
    ------
    InputError
        One-line message for unknown names/keys, wrong types, floats where exact
        rationals are needed, empty lists, and relu-approx coefficients that do not
        match their degree and radius.
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str) and spec.lstrip()[:1] in ("{", '"'):
        try:
            spec = json.loads(spec)
        except (ValueError, RecursionError) as exc:
            raise InputError(f"activation spec is not valid JSON: {str(exc).splitlines()[0]}") from None
    if isinstance(spec, str):
        name = _normal_name(spec)
        if name not in _SIMPLE:
            raise InputError(f"activation {name!r} needs parameters; write it as an object with a \"name\" key")
        return _SIMPLE[name]()
    if not isinstance(spec, dict):
        raise InputError(f"activation spec must be a name or an object, got {type(spec).__name__}")
    if "name" not in spec:
        raise InputError("activation object needs a \"name\" key")
    name = _normal_name(spec["name"])
    params = {k: v for k, v in spec.items() if k != "name"}
    allowed = _KEYS.get(name, set())
    for key in params:
        if key not in allowed:
            ok = ", ".join(sorted(allowed | {"name"}))
            raise InputError(f"unknown key {_show(key)} in {name} activation (allowed: {ok})")
    missing = sorted(_REQUIRED.get(name, set()) - params.keys())
    if missing:
        raise InputError(f"{name} activation needs key {missing[0]!r}")
    if name in _SIMPLE:
        return _SIMPLE[name]()
    if name == "polynomial":
        return polynomial(params["coefficients"])
    if name == "power":
        return power(params["r"])
    act = relu_approx(params["degree"], params["radius"])
    if "coefficients" in params:
        given = params["coefficients"]
        try:
            same = polynomial(given).coefficients() == act.coefficients()
        except InputError as exc:
            raise InputError(f"relu-approx {exc}") from None
        if not same:
            raise InputError(f"relu-approx coefficients do not match degree {act._param}, radius {act.radius}")
    return act


def get_activation(name: str, **params) -> Activation:
    """Build an activation by name, e.g. ``get_activation("relu-approx", degree=8, radius=1)``."""
    if not isinstance(name, str):
        raise InputError(f"activation name must be a string, got {type(name).__name__}")
    return activation_from_json({"name": name, **params})
