"""Hypothesis strategies for property tests of the theorems: data, activations, networks, instances.

Shaped like :mod:`hypothesis.extra.numpy`: small functions that return composable
strategies. Every option is keyword-only and takes either a value or a strategy;
a strategy is drawn from once per example. Values are checked when the function
is *called* (``datasets(d=0)`` raises :class:`hypothesis.errors.InvalidArgument`
"d=0 must be >= 1" at once); values drawn from a strategy are checked when they
are drawn and raise the same message, with the strategy named.

* :func:`rationals` -- exact rationals (:class:`flint.fmpq`) with small denominators;
* :func:`datasets` -- :class:`verifier.data.Dataset` of exact rationals, distinct
  inputs by default, or with a forced repeated input for negative tests;
* :func:`activations` -- :class:`verifier.activations.Activation` of the given kinds;
* :func:`networks` -- MLPs (:func:`verifier.network.mlp`);
* :func:`shared_weight_networks` -- :func:`~verifier.network.conv1d` and
  :func:`~verifier.network.liao_poggio_tree` (labels repeat: weight sharing);
* :func:`instances` -- ``(network, dataset)`` pairs that satisfy a theorem's
  hypotheses (in particular ``n > l*d``);
* :func:`verify_options` -- the ``verify`` options that rebuild an instance's MLP.

Worked example: Theorem 4.1 as a property test (copy it into a test module and
drop the ``>>>``; ``examples/property_test_theorem_4_1.py`` is the full version).

>>> import json
>>> from hypothesis import given, settings
>>> from verifier.checker import check_certificate
>>> from verifier.strategies import instances, verify_options
>>> from verifier.theorems import verify
>>> @settings(max_examples=5, deadline=None, database=None)
... @given(instances(theorem="cooper-4.1", d=3))
... def test_theorem_4_1(instance):
...     network, data = instance
...     cert = verify("cooper-4.1", data, **verify_options(network))
...     assert cert.status == "verified"
...     assert check_certificate(json.loads(json.dumps(cert.to_json()))).ok
>>> test_theorem_4_1()

Options are checked eagerly:

>>> datasets(d=0)
Traceback (most recent call last):
    ...
hypothesis.errors.InvalidArgument: d=0 must be >= 1
"""

from __future__ import annotations

import inspect
import math
import numbers
import re
from fractions import Fraction

import hypothesis.strategies as st
from flint import fmpq, fmpz
from hypothesis import reject
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from .activations import Activation, get_activation, polynomial, power, relu_approx
from .data import Dataset
from .errors import InputError
from .network import Network, conv1d, liao_poggio_tree, mlp

__all__ = [
    "ACTIVATION_KINDS", "THEOREM_IDS", "activations", "datasets", "instances", "networks", "rationals",
    "shared_weight_networks", "verify_options",
]

#: Kinds :func:`activations` can draw; the default draws all but ``"power"``.
ACTIVATION_KINDS = ("smoolu", "softplus", "tanh", "sigmoid", "polynomial", "identity", "relu-approx", "power")
#: Theorems :func:`instances` can draw for.
THEOREM_IDS = ("cooper-3.3", "cooper-3.4", "cooper-4.1", "cooper-4.2", "cooper-2.1", "cooper-2.3")
SHARED_KINDS = ("conv1d", "liao-poggio-tree")
_CONSTRUCTION = ("cooper-3.3", "cooper-3.4", "cooper-4.1", "cooper-4.2")
_LOCAL_ACTIVATIONS = ("softplus", "tanh", "sigmoid", "smoolu")


# ---------------------------------------------------------------------------
# options: a value checked now, or a strategy whose draws are checked then


def _short(x, limit: int = 60) -> str:
    s = repr(x)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _fail(name, value, what, source):
    """InvalidArgument("name=value what"), naming the strategy when the value was drawn."""
    drawn = f" (drawn from {_short(source)})" if source is not None else ""
    return InvalidArgument(f"{name}={_short(value)} {what}{drawn}")


class _Option:
    """One keyword option: validated at once if it is a value, on every draw if it is a strategy."""

    __slots__ = ("name", "value", "check", "strategy")

    def __init__(self, name, value, check):
        self.name, self.check = name, check
        self.strategy = isinstance(value, SearchStrategy)
        self.value = value if self.strategy else check(name, value, None)

    def draw(self, draw):
        if self.strategy:
            return self.check(self.name, draw(self.value), self.value)
        return self.value

    @property
    def fixed(self):
        """The checked value, or None when the option is a strategy."""
        return None if self.strategy else self.value


def _int_check(lo: int = 1, hi: int | None = None):
    def check(name, value, source):
        if isinstance(value, bool) or not isinstance(value, (numbers.Integral, fmpz)):
            kind = "an integer" if source is not None else "an integer or a strategy"
            raise _fail(name, value, f"must be {kind}, not {type(value).__name__}", source)
        value = int(value)
        if value < lo:
            raise _fail(name, value, f"must be >= {lo}", source)
        if hi is not None and value > hi:
            raise _fail(name, value, f"must be <= {hi}", source)
        return value
    return check


def _bool_check(name, value, source):
    if not isinstance(value, bool):
        kind = "a bool" if source is not None else "a bool or a strategy"
        raise _fail(name, value, f"must be {kind}, not {type(value).__name__}", source)
    return value


def _as_fmpq(value, name: str, source):
    """An exact rational from fmpq, int, Fraction, finite float (its binary value) or rational text."""
    if isinstance(value, fmpq):
        return value
    if isinstance(value, bool):
        raise _fail(name, value, "must be an exact rational, not a bool", source)
    if isinstance(value, (int, fmpz)):
        return fmpq(int(value))
    if isinstance(value, Fraction):
        return fmpq(value.numerator, value.denominator)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _fail(name, value, "must be finite", source)
        num, den = value.as_integer_ratio()
        return fmpq(num, den)
    if isinstance(value, str):
        from .activations import parse_rational
        try:
            return parse_rational(value)
        except InputError as exc:
            raise _fail(name, value, f"is not an exact rational ({exc})", source) from None
    raise _fail(name, value, f"must be an exact rational (fmpq, int, Fraction), not {type(value).__name__}",
                source)


def _rational_check(name, value, source):
    return _as_fmpq(value, name, source)


def _strategy_or_none(name, value):
    if value is not None and not isinstance(value, SearchStrategy):
        raise InvalidArgument(f"{name}={_short(value)} must be a strategy or None")
    return value


def _sequence_check(allowed, what):
    def check(name, value, source):
        if isinstance(value, str):
            value = (value,)
        if not isinstance(value, (tuple, list, frozenset, set)):
            raise _fail(name, value, f"must be a sequence of {what}", source)
        value = tuple(value)
        if not value:
            raise _fail(name, value, "must not be empty", source)
        for v in value:
            if v not in allowed:
                raise _fail(name, value, f"holds {v!r}, which is not one of {', '.join(allowed)}", source)
        return tuple(dict.fromkeys(value))
    return check


def _activation_check(name, value, source):
    if isinstance(value, Activation):
        return value
    if isinstance(value, (str, dict)):
        try:
            return get_activation(value) if isinstance(value, str) else get_activation(**value)
        except (InputError, TypeError) as exc:
            raise _fail(name, value, f"is not an activation ({exc})", source) from None
    raise _fail(name, value, f"must be an Activation, an activation name or a strategy, not {type(value).__name__}",
                source)


def _named(public, impl, given: dict) -> SearchStrategy:
    """``impl(draw)`` as a strategy whose repr is ``public(<options that differ from the defaults>)``."""
    defaults = {k: v.default for k, v in inspect.signature(public).parameters.items()}

    def same(v, dflt):
        if v is dflt:
            return True
        if isinstance(v, SearchStrategy) or isinstance(dflt, SearchStrategy) or type(v) is not type(dflt):
            return False
        try:
            return bool(v == dflt)
        except Exception:  # noqa: BLE001 - a value without a usable ==
            return False

    shown = {k: v for k, v in given.items() if not (k in defaults and same(v, defaults[k]))}

    def draw_one(draw, **_options):
        return impl(draw)

    draw_one.__name__ = draw_one.__qualname__ = public.__name__
    return st.composite(draw_one)(**shown)


# ---------------------------------------------------------------------------
# rationals


def _simplest_between(lo: Fraction, hi: Fraction) -> Fraction:
    """The rational with the smallest denominator in the closed interval [lo, hi] (lo <= hi)."""
    fl = math.floor(lo)
    if fl == lo or fl + 1 <= hi:
        return Fraction(fl if fl == lo else fl + 1)
    # lo and hi both lie in the open interval (fl, fl + 1)
    return fl + 1 / _simplest_between(1 / (hi - fl), 1 / (lo - fl))


def _frac(q: fmpq) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def _rational_bounds(lo: fmpq, hi: fmpq, max_den: int, source) -> int:
    """Check that [lo, hi] holds a rational with denominator <= max_den; return the smallest such denominator."""
    if lo > hi:
        raise _fail("min_value", lo, f"must be <= max_value={hi}", source)
    s = _simplest_between(_frac(lo), _frac(hi))
    if s.denominator > max_den:
        raise _fail("max_denominator", max_den, f"is too small: no rational in [{lo}, {hi}] has a denominator "
                    f"<= {max_den} (the simplest is {s})", source)
    return s.denominator


def rationals(*, min_value=-10, max_value=10, max_denominator=20) -> SearchStrategy:
    """Exact rationals ``p/q`` in ``[min_value, max_value]`` with ``1 <= q <= max_denominator``.

    Parameters
    ----------
    min_value, max_value : int, fractions.Fraction, flint.fmpq, float, str or strategy
        Closed bounds (a float is taken at its exact binary value, a string such as
        ``"1/3"`` or ``"0.25"`` exactly).
    max_denominator : int or strategy
        Largest denominator, ``>= 1``.

    Returns
    -------
    SearchStrategy of flint.fmpq
        Shrinks towards small denominators and towards 0 (or the bound nearest it).

    Raises
    ------
    InvalidArgument
        At call time for non-rational bounds, ``min_value > max_value``,
        ``max_denominator < 1``, or an interval with no rational of a small enough
        denominator.

    Examples
    --------
    >>> rationals(min_value=0, max_value=1, max_denominator=4)
    rationals(max_denominator=4, max_value=1, min_value=0)
    """
    lo = _Option("min_value", min_value, _rational_check)
    hi = _Option("max_value", max_value, _rational_check)
    den = _Option("max_denominator", max_denominator, _int_check(1))
    if lo.fixed is not None and hi.fixed is not None and den.fixed is not None:
        _rational_bounds(lo.fixed, hi.fixed, den.fixed, None)
    elif lo.fixed is not None and hi.fixed is not None and lo.fixed > hi.fixed:
        raise _fail("min_value", lo.fixed, f"must be <= max_value={hi.fixed}", None)

    def _draw(draw):
        a, b, m = lo.draw(draw), hi.draw(draw), den.draw(draw)
        drawn = lo.strategy or hi.strategy or den.strategy
        fallback = _rational_bounds(a, b, m, (lo.value, hi.value, den.value) if drawn else None)
        q = draw(st.integers(1, m))
        num_lo, num_hi = int((a * q).ceil()), int((b * q).floor())
        if num_lo > num_hi:
            q = fallback
            num_lo, num_hi = int((a * q).ceil()), int((b * q).floor())
        return fmpq(draw(st.integers(num_lo, num_hi)), q)

    return _named(rationals, _draw, {"min_value": min_value, "max_value": max_value,
                                     "max_denominator": max_denominator})


# ---------------------------------------------------------------------------
# datasets


def _exact_values(strategy, name):
    return strategy.map(lambda v: _as_fmpq(v, name, strategy))


def datasets(*, d=st.integers(1, 8), p=st.integers(1, 3), l=1, distinct=True, duplicates=False,  # noqa: E741
             values=None, targets=None) -> SearchStrategy:
    """Datasets of ``d`` exact rational points ``x_i`` in ``Q^p`` with targets ``y_i`` in ``Q^l``.

    Parameters
    ----------
    d, p, l : int or strategy
        Number of points, input and output dimension, each ``>= 1``.
    distinct : bool or strategy
        True (default): the inputs ``x_i`` are pairwise distinct, guaranteed
        (a hypothesis ``lists(..., unique=True)``: a bounded rejection). False: inputs are drawn
        independently and may repeat.
    duplicates : bool or strategy
        True forces at least one repeated input (for negative tests); needs
        ``distinct=False`` and ``d >= 2`` (a drawn ``d = 1`` is rejected).
    values : strategy, optional
        Entries of the ``x_i`` (and of the ``y_i`` unless ``targets`` is given);
        draws may be fmpq, int, Fraction or finite float and are converted
        exactly. Default :func:`rationals`.
    targets : strategy, optional
        Entries of the ``y_i``; default ``values``.

    Returns
    -------
    SearchStrategy of verifier.data.Dataset

    Raises
    ------
    InvalidArgument
        At call time for a bad value (``d=0 must be >= 1``, ``duplicates=True``
        with ``distinct=True``, ...); at draw time for a bad drawn value. With
        ``distinct=True`` and a ``values`` strategy with too few values for ``d``
        distinct rows, hypothesis gives up (``Unsatisfiable``) rather than loop.

    Examples
    --------
    >>> s = datasets(d=4, p=2, l=1)
    >>> datasets(distinct=True, duplicates=True)
    Traceback (most recent call last):
        ...
    hypothesis.errors.InvalidArgument: duplicates=True contradicts distinct=True; pass distinct=False as well
    """
    o_d = _Option("d", d, _int_check(1))
    o_p = _Option("p", p, _int_check(1))
    o_l = _Option("l", l, _int_check(1))
    o_distinct = _Option("distinct", distinct, _bool_check)
    o_dup = _Option("duplicates", duplicates, _bool_check)
    xs = _strategy_or_none("values", values)
    ys = _strategy_or_none("targets", targets)
    if o_distinct.fixed is True and o_dup.fixed is True:
        raise InvalidArgument("duplicates=True contradicts distinct=True; pass distinct=False as well")
    if o_dup.fixed is True and o_d.fixed is not None and o_d.fixed < 2:
        raise InvalidArgument(f"d={o_d.fixed} must be >= 2 when duplicates=True")
    xs = _exact_values(rationals() if xs is None else xs, "values")
    ys = xs if ys is None else _exact_values(ys, "targets")

    def _draw(draw):
        n_pts, dim_in, dim_out = o_d.draw(draw), o_p.draw(draw), o_l.draw(draw)
        want_distinct, want_dup = o_distinct.draw(draw), o_dup.draw(draw)
        if want_distinct and want_dup:
            raise InvalidArgument(f"duplicates=True contradicts distinct=True (drawn from "
                                  f"{_short(o_distinct.value)} / {_short(o_dup.value)})")
        if want_dup and n_pts < 2:
            reject()
        row = st.tuples(*[xs] * dim_in)
        X = draw(st.lists(row, min_size=n_pts, max_size=n_pts, unique=want_distinct))
        if want_dup:
            i = draw(st.integers(0, n_pts - 1))
            j = draw(st.integers(0, n_pts - 2))
            X[j if j < i else j + 1] = X[i]
        Y = draw(st.lists(st.tuples(*[ys] * dim_out), min_size=n_pts, max_size=n_pts))
        return Dataset(tuple(X), tuple(Y))

    return _named(datasets, _draw, {"d": d, "p": p, "l": l, "distinct": distinct, "duplicates": duplicates,
                                    "values": values, "targets": targets})


# ---------------------------------------------------------------------------
# activations


def _small_polynomial():
    coeff = rationals(min_value=-2, max_value=2, max_denominator=4)
    lead = st.tuples(st.sampled_from((1, -1)), rationals(min_value=fmpq(1, 4), max_value=2, max_denominator=4))

    @st.composite
    def _draw(draw):
        degree = draw(st.integers(1, 3))
        cs = [draw(coeff) for _ in range(degree)]
        sign, mag = draw(lead)
        return polynomial(cs + [sign * mag])

    return _draw()


_BUILDERS = {
    "smoolu": lambda: st.just(get_activation("smoolu")),
    "softplus": lambda: st.just(get_activation("softplus")),
    "tanh": lambda: st.just(get_activation("tanh")),
    "sigmoid": lambda: st.just(get_activation("sigmoid")),
    "identity": lambda: st.just(get_activation("identity")),
    "polynomial": _small_polynomial,
    "relu-approx": lambda: st.builds(relu_approx, st.integers(2, 8),
                                     rationals(min_value=fmpq(1, 2), max_value=4, max_denominator=2)),
    "power": lambda: st.builds(power, st.integers(1, 3)),
}


def activations(*, kinds=("smoolu", "softplus", "tanh", "sigmoid", "polynomial", "identity", "relu-approx")
                ) -> SearchStrategy:
    """Activations of the given kinds.

    Parameters
    ----------
    kinds : sequence of str or strategy
        Names from :data:`ACTIVATION_KINDS`. ``"polynomial"`` draws degree 1-3
        with coefficients ``p/q``, ``|p/q| <= 2``, ``q <= 4`` (nonzero leading
        coefficient); ``"relu-approx"`` degree 2-8 on ``[-R, R]`` with
        ``R`` in ``[1/2, 4]``; ``"power"`` ``t^r`` with ``r`` in 1-3.

    Returns
    -------
    SearchStrategy of verifier.activations.Activation
        Shrinks towards the first kind listed.

    Raises
    ------
    InvalidArgument
        Empty ``kinds`` or an unknown name.

    Examples
    --------
    >>> activations(kinds=("smoolu", "relu"))
    Traceback (most recent call last):
        ...
    hypothesis.errors.InvalidArgument: kinds=('smoolu', 'relu') holds 'relu', which is not one of smoolu, ...
    """
    o_kinds = _Option("kinds", kinds, _sequence_check(ACTIVATION_KINDS, "activation names"))
    fixed = None if o_kinds.fixed is None else st.one_of(*[_BUILDERS[k]() for k in o_kinds.fixed])

    def _draw(draw):
        if fixed is not None:
            return draw(fixed)
        return draw(st.one_of(*[_BUILDERS[k]() for k in o_kinds.draw(draw)]))

    return _named(activations, _draw, {"kinds": kinds})


# ---------------------------------------------------------------------------
# networks


def _widths_option(value):
    """widths: an int (every layer), a sequence of ints (explicit), or a strategy."""
    check = _int_check(1)
    if isinstance(value, SearchStrategy):
        return value, None
    if isinstance(value, (list, tuple)):
        if not value:
            raise InvalidArgument("widths=[] must hold at least one width")
        return None, [check(f"widths[{i}]", w, None) for i, w in enumerate(value)]
    return None, check("widths", value, None)


def _draw_widths(draw, strategy, fixed, depth):
    check = _int_check(1)
    if strategy is None:
        return list(fixed) if isinstance(fixed, list) else [fixed] * depth
    first = draw(strategy)
    if isinstance(first, (list, tuple)):
        if not first:
            raise _fail("widths", first, "must hold at least one width", strategy)
        return [check(f"widths[{i}]", w, strategy) for i, w in enumerate(first)]
    return [check("widths", first, strategy)] + [check("widths", draw(strategy), strategy)
                                                 for _ in range(depth - 1)]


def networks(*, p=st.integers(1, 3), l=1, depth=st.integers(1, 2), widths=st.integers(1, 4),  # noqa: E741
             bias=st.booleans(), activation=None) -> SearchStrategy:
    """Fully connected networks ``p -> widths... -> l`` built by :func:`verifier.network.mlp`.

    Parameters
    ----------
    p, l : int or strategy
        Input and output dimension (``>= 1``).
    depth : int or strategy
        Number of hidden layers (``>= 1``).
    widths : int, sequence of int, or strategy
        An int gives every hidden layer that width; a sequence gives the widths
        explicitly (and fixes the depth: a fixed ``depth`` must agree); a strategy
        of ints is drawn once per hidden layer, a strategy of sequences once.
    bias : bool or strategy
        Whether every layer has biases.
    activation : Activation, str or strategy, optional
        Hidden activation; default :func:`activations`.

    Returns
    -------
    SearchStrategy of verifier.network.Network

    Examples
    --------
    >>> s = networks(p=2, widths=[3, 5], activation="tanh")
    >>> networks(depth=2, widths=[3])
    Traceback (most recent call last):
        ...
    hypothesis.errors.InvalidArgument: depth=2 does not match widths=[3] (1 hidden layer)
    """
    o_p = _Option("p", p, _int_check(1))
    o_l = _Option("l", l, _int_check(1))
    o_depth = _Option("depth", depth, _int_check(1))
    o_bias = _Option("bias", bias, _bool_check)
    o_act = _Option("activation", activations() if activation is None else activation, _activation_check)
    w_strategy, w_fixed = _widths_option(widths)
    if isinstance(w_fixed, list) and o_depth.fixed is not None and o_depth.fixed != len(w_fixed):
        raise InvalidArgument(f"depth={o_depth.fixed} does not match widths={w_fixed} "
                              f"({len(w_fixed)} hidden layer{'s' if len(w_fixed) > 1 else ''})")

    def _draw(draw):
        dim_in, dim_out = o_p.draw(draw), o_l.draw(draw)
        n_layers = len(w_fixed) if isinstance(w_fixed, list) else o_depth.draw(draw)
        ws = _draw_widths(draw, w_strategy, w_fixed, n_layers)
        return mlp(dim_in, ws, l=dim_out, activation=o_act.draw(draw), bias=o_bias.draw(draw))

    return _named(networks, _draw, {"p": p, "l": l, "depth": depth, "widths": widths, "bias": bias,
                                    "activation": activation})


def _covers(p: int, k: int, stride: int) -> bool:
    """Whether windows of size k at 0, stride, 2*stride, ... <= p - k read every one of p inputs."""
    return k <= p and stride <= k and (p - k) % stride == 0


def shared_weight_networks(*, kinds=SHARED_KINDS, p=st.integers(2, 5), l=1, kernel_size=None,  # noqa: E741
                           channels=st.integers(1, 2), stride=st.integers(1, 2), bias=st.booleans(),
                           activation=None) -> SearchStrategy:
    """Networks whose parameter labels repeat (weight sharing): 1-D convolutions and the Liao-Poggio tree.

    Parameters
    ----------
    kinds : sequence of str or strategy
        From ``("conv1d", "liao-poggio-tree")``.
    p, l : int or strategy
        Input and output dimension of ``conv1d``. The Liao-Poggio tree always has
        ``p = 4`` and ``l = 1``: it is left out when a fixed ``p`` or ``l`` rules it
        out, and ignores ``p`` and ``l`` strategies.
    kernel_size : int or strategy, optional
        ``conv1d`` kernel size; default drawn from the sizes in ``1..p`` whose
        windows, at the drawn stride, read every input.
    channels, stride : int or strategy
        ``conv1d`` channels and stride (``>= 1``). Windows must read every input
        (``stride <= kernel_size``, ``(p - kernel_size) % stride == 0``), else the
        network has an unused input and is not valid: fixed values that violate
        this raise, drawn ones reject the example.
    bias : bool or strategy
    activation : Activation, str or strategy, optional
        Default :func:`activations`.

    Returns
    -------
    SearchStrategy of verifier.network.Network

    Examples
    --------
    >>> shared_weight_networks(kinds=("liao-poggio-tree",), p=3)
    Traceback (most recent call last):
        ...
    hypothesis.errors.InvalidArgument: kinds=('liao-poggio-tree',) leaves nothing to draw (the tree needs p=4, l=1)
    """
    o_kinds = _Option("kinds", kinds, _sequence_check(SHARED_KINDS, "network kinds"))
    o_p = _Option("p", p, _int_check(1))
    o_l = _Option("l", l, _int_check(1))
    o_k = None if kernel_size is None else _Option("kernel_size", kernel_size, _int_check(1))
    o_c = _Option("channels", channels, _int_check(1))
    o_s = _Option("stride", stride, _int_check(1))
    o_bias = _Option("bias", bias, _bool_check)
    o_act = _Option("activation", activations() if activation is None else activation, _activation_check)
    tree_ok = (o_p.fixed in (None, 4)) and (o_l.fixed in (None, 1))
    if o_kinds.fixed is not None:
        left = [k for k in o_kinds.fixed if k != "liao-poggio-tree" or tree_ok]
        if not left:
            raise InvalidArgument(f"kinds={o_kinds.fixed!r} leaves nothing to draw (the tree needs p=4, l=1)")
    if o_k is not None and o_k.fixed is not None and o_p.fixed is not None:
        if o_k.fixed > o_p.fixed:
            raise InvalidArgument(f"kernel_size={o_k.fixed} must be <= p={o_p.fixed}")
        if o_s.fixed is not None and not _covers(o_p.fixed, o_k.fixed, o_s.fixed):
            raise InvalidArgument(f"stride={o_s.fixed} must let kernels of size {o_k.fixed} cover all p={o_p.fixed} "
                                  "inputs (stride <= kernel_size and (p - kernel_size) % stride == 0)")

    def _draw(draw):
        ks = [k for k in o_kinds.draw(draw) if k != "liao-poggio-tree" or tree_ok]
        if not ks:
            reject()
        kind = draw(st.sampled_from(ks))
        act, b = o_act.draw(draw), o_bias.draw(draw)
        if kind == "liao-poggio-tree":
            return liao_poggio_tree(activation=act, bias=b)
        dim_in, dim_out, step = o_p.draw(draw), o_l.draw(draw), o_s.draw(draw)
        if o_k is None:
            fits = [k for k in range(1, dim_in + 1) if _covers(dim_in, k, step)]
            k = draw(st.sampled_from(fits))      # never empty: k = p fits
        else:
            k = o_k.draw(draw)
            if not _covers(dim_in, k, step):
                reject()
        return conv1d(dim_in, k, channels=o_c.draw(draw), stride=step, l=dim_out, activation=act, bias=b)

    return _named(shared_weight_networks, _draw, {"kinds": kinds, "p": p, "l": l, "kernel_size": kernel_size,
                                                  "channels": channels, "stride": stride, "bias": bias,
                                                  "activation": activation})


# ---------------------------------------------------------------------------
# instances


def _theorem_check(name, value, source):
    if value not in THEOREM_IDS:
        raise _fail(name, value, f"must be one of {', '.join(THEOREM_IDS)}", source)
    return value


def instances(*, theorem="cooper-4.1", d=st.integers(1, 6), p=st.integers(1, 3), l=None,  # noqa: E741
              depth=None, extra_width=st.integers(0, 2), inner_widths=st.integers(1, 3), activation=None,
              values=None, targets=None) -> SearchStrategy:
    """``(network, dataset)`` pairs that satisfy a theorem's hypotheses; always ``n > l*d``.

    Parameters
    ----------
    theorem : str or strategy
        One of :data:`THEOREM_IDS`.

        * ``cooper-3.3``, ``cooper-3.4``, ``cooper-4.1``, ``cooper-4.2`` (the
          construction): an MLP with biases and smoolu whose last hidden layer has
          width ``d + extra_width`` (hence ``n > l*d``), on distinct inputs; the
          same MLP :func:`verifier.theorems.verify` builds from
          ``verify_options(network)``.
        * ``cooper-2.1``, ``cooper-2.3`` (local): an MLP with a smooth activation
          (default softplus, tanh, sigmoid or smoolu) whose last hidden width is
          the smallest that makes ``n > l*d``, plus ``extra_width``; distinct inputs.
          Pair it with a point, e.g. from :func:`verifier.theorems.gauss_newton`.
    d, p : int or strategy
        Number of points (``>= 1``) and input dimension (``>= 1``).
    l : int or strategy, optional
        Outputs; default 1, or 2-3 for ``cooper-4.2``.
    depth : int or strategy, optional
        Hidden layers; default 1 for ``cooper-3.3`` (which needs 1), 2 for
        ``cooper-3.4``, 1-2 otherwise.
    extra_width : int or strategy
        Added to the smallest admissible last hidden width (``>= 0``).
    inner_widths : int or strategy
        Widths of the hidden layers before the last (``>= 1``), drawn per layer.
    activation : Activation, str or strategy, optional
        Only for ``cooper-2.1``/``cooper-2.3`` (the construction theorems need smoolu).
    values, targets : strategy, optional
        As in :func:`datasets`.

    Returns
    -------
    SearchStrategy of tuple (verifier.network.Network, verifier.data.Dataset)

    Examples
    --------
    >>> s = instances(theorem="cooper-4.2", d=3, l=2)
    >>> instances(theorem="cooper-3.3", depth=2)
    Traceback (most recent call last):
        ...
    hypothesis.errors.InvalidArgument: depth=2 must be 1 for theorem='cooper-3.3' (one hidden layer)
    """
    o_thm = _Option("theorem", theorem, _theorem_check)
    o_d = _Option("d", d, _int_check(1))
    o_p = _Option("p", p, _int_check(1))
    o_l = None if l is None else _Option("l", l, _int_check(1))
    o_depth = None if depth is None else _Option("depth", depth, _int_check(1))
    o_extra = _Option("extra_width", extra_width, _int_check(0))
    o_inner = _Option("inner_widths", inner_widths, _int_check(1))
    o_act = None if activation is None else _Option("activation", activation, _activation_check)
    thm = o_thm.fixed
    if thm == "cooper-3.3" and o_depth is not None and o_depth.fixed not in (None, 1):
        raise InvalidArgument(f"depth={o_depth.fixed} must be 1 for theorem='cooper-3.3' (one hidden layer)")
    if thm in _CONSTRUCTION and o_act is not None:
        raise InvalidArgument(f"activation={_short(activation)} cannot be chosen for theorem={thm!r}: the "
                              "construction needs smoolu (rectified and smooth)")
    if o_act is not None and o_act.fixed is not None and not o_act.fixed.is_smooth:
        raise InvalidArgument(f"activation={o_act.fixed!r} must be smooth")
    data_kw = {"values": values, "targets": targets}
    _strategy_or_none("values", values)
    _strategy_or_none("targets", targets)

    def _draw(draw):
        th = o_thm.draw(draw)
        n_pts, dim_in = o_d.draw(draw), o_p.draw(draw)
        dim_out = o_l.draw(draw) if o_l is not None else (draw(st.integers(2, 3)) if th == "cooper-4.2" else 1)
        if o_depth is not None:
            T = o_depth.draw(draw)
            if th == "cooper-3.3" and T != 1:
                raise _fail("depth", T, "must be 1 for theorem='cooper-3.3' (one hidden layer)", o_depth.value)
        else:
            T = {"cooper-3.3": 1, "cooper-3.4": 2}.get(th) or draw(st.integers(1, 2))
        inner = [o_inner.draw(draw) for _ in range(T - 1)]
        extra = o_extra.draw(draw)
        if th in _CONSTRUCTION:
            if o_act is not None:
                raise InvalidArgument(f"activation cannot be chosen for theorem={th!r}: the construction "
                                      "needs smoolu")
            act = get_activation("smoolu")
            last = n_pts
        else:
            act = o_act.draw(draw) if o_act is not None else draw(activations(kinds=_LOCAL_ACTIVATIONS))
            if not act.is_smooth:
                raise _fail("activation", act, "must be smooth", o_act.value if o_act else None)
            last = 1
            while mlp(dim_in, inner + [last], l=dim_out, activation=act).n <= dim_out * n_pts:
                last += 1
        net = mlp(dim_in, inner + [last + extra], l=dim_out, activation=act)
        data = draw(datasets(d=n_pts, p=dim_in, l=dim_out, distinct=True, **data_kw))
        return net, data

    return _named(instances, _draw, {"theorem": theorem, "d": d, "p": p, "l": l, "depth": depth,
                                     "extra_width": extra_width, "inner_widths": inner_widths,
                                     "activation": activation, "values": values, "targets": targets})


_HIDDEN = re.compile(r"h([0-9]+)_([0-9]+)\Z")


def verify_options(network: Network) -> dict:
    """The options of :func:`verifier.theorems.verify` that rebuild this MLP for the construction theorems.

    ``verify("cooper-4.1", data, **verify_options(net))`` certifies the instance on
    exactly ``net`` (same labels) when ``net`` came from :func:`instances` or from
    :func:`verifier.network.mlp` with biases.

    Parameters
    ----------
    network : verifier.network.Network

    Returns
    -------
    dict
        ``{"widths": [...], "activation": Activation}``.

    Raises
    ------
    InvalidArgument
        If ``network`` is not such an MLP.
    """
    if not isinstance(network, Network):
        raise InvalidArgument(f"network={_short(network)} must be a verifier.network.Network")
    counts: dict = {}
    for v in network.order:
        m = _HIDDEN.match(str(v)) if network.kind(v) == "hidden" else None
        if network.kind(v) == "hidden" and m is None:
            raise InvalidArgument(f"network {network.name!r} is not an MLP built by verifier.network.mlp")
        if m:
            counts[int(m.group(1))] = counts.get(int(m.group(1)), 0) + 1
    widths = [counts[k] for k in sorted(counts)]
    if not widths or sorted(counts) != list(range(1, len(widths) + 1)):
        raise InvalidArgument(f"network {network.name!r} is not an MLP built by verifier.network.mlp")
    rebuilt = mlp(network.p, widths, l=network.l, activation=network.activation)
    if rebuilt.labels != network.labels or any(network.graph.nodes[v].get("activation") for v in network.order):
        raise InvalidArgument(f"network {network.name!r} is not an MLP with biases as verify builds it")
    return {"widths": widths, "activation": network.activation}
