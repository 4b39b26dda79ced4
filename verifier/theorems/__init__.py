"""The one registry of theorems: every id the verifier proves instances of, in one place.

Each entry states the theorem, its hypotheses (in words and as the claim ids that check them), the
inputs it needs, the options it takes, the engines it may use, the tiers it has and where its
implementation lives. Listing the registry (``verifier theorems``) imports no implementation; a
theorem's module is imported when it is verified.

>>> sorted(THEOREMS)[:3]
['cooper-2.1', 'cooper-2.1-global', 'cooper-2.3']
>>> THEOREMS["cooper-3.3"].tiers
('rigorous',)
"""

from __future__ import annotations

import importlib
import itertools
import math
import sys
import types
from dataclasses import dataclass
from fractions import Fraction

from ..checker.format import FLOAT_TIER, HYPOTHESES, RIGOROUS_TIER, STATEMENTS, TIERS
from ..errors import InputError

__all__ = ["THEOREMS", "Theorem", "theorem", "verify", "check_options", "check_option_names"]


# --------------------------------------------------------------------------- option validation


def _int(lo=None, hi=None):
    def check(name, v):
        if isinstance(v, bool) or not isinstance(v, int) and not (hasattr(v, "__index__")):
            raise InputError(f"{name}={v!r:.60}: must be an integer")
        v = int(v)
        if lo is not None and v < lo or hi is not None and v > hi:
            rng = f"between {lo} and {hi}" if lo is not None and hi is not None else f">= {lo}"
            raise InputError(f"{name}={v!r}: must be an integer {rng}")
        return v
    return check


def _positive_number(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, float, Fraction)) or not math.isfinite(float(v)) \
            or not float(v) > 0:
        raise InputError(f"{name}={v!r:.60}: must be a positive number")
    return float(v)


def _bool(name, v):
    if not isinstance(v, bool):
        raise InputError(f"{name}={v!r:.60}: must be True or False")
    return v


def _optional_int(name, v):
    return None if v is None else _int()(name, v)


def _callable(name, v):
    if v is not None and not callable(v):
        raise InputError(f"{name}={v!r:.60}: must be a callable taking one message, or None")
    return v


def _network(name, v):
    from ..network import Network
    if not isinstance(v, Network):
        raise InputError(f"{name}={type(v).__name__}: must be a verifier Network (load_network, mlp, ...)")
    return v


def _anything(name, v):
    return v


def _widths(name, v):
    if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
        raise InputError(f"{name}={v!r:.60}: must be a list of hidden widths")
    v = list(itertools.islice(v, MAX_CONSTRUCTION_PARAMETERS + 1))
    if len(v) > MAX_CONSTRUCTION_PARAMETERS:
        raise InputError(f"{name}: more than {MAX_CONSTRUCTION_PARAMETERS} hidden layers")
    return [_int(1)(f"{name}[{i}]", w) for i, w in enumerate(v)]


def _activation(name, v):
    from ..activations import Activation
    if not isinstance(v, (str, dict, Activation)):
        raise InputError(f"{name}={v!r:.60}: must be an activation name, a JSON spec or an Activation")
    return v


def _rational(name, v):
    from ..activations import parse_rational
    if isinstance(v, bool) or not isinstance(v, (str, int, Fraction)) and type(v).__name__ != "fmpq":
        raise InputError(f"{name}={v!r:.60}: must be an exact rational such as '1/1000'")
    if isinstance(v, str):
        try:
            parse_rational(v)
        except (InputError, ValueError):
            raise InputError(f"{name}={v!r:.60}: must be an exact rational such as '1/1000'") from None
    return v


def _positive_rational(name, v):
    from flint import fmpq

    from ..activations import parse_rational
    _rational(name, v)
    q = parse_rational(v) if isinstance(v, str) else fmpq(v.numerator, v.denominator) if isinstance(v, Fraction) \
        else fmpq(v)
    if not q > 0:
        raise InputError(f"{name}={v!r:.60}: must be a positive exact rational such as '1/100'")
    return q


def _choice(*values):
    def check(name, v):
        if v not in values:
            raise InputError(f"{name}={v!r:.60}: must be one of {', '.join(map(repr, values))}")
        return v
    return check


OPTIONS = {
    "prec_bits": _int(32, 65536), "seed": _optional_int, "progress": _callable,
    "width": _int(1), "widths": _widths, "depth": _int(1), "activation": _activation,
    "network": _network, "point": _anything, "unknowns": _anything,
    "timeout": _positive_number, "max_memory_mb": _int(64), "max_terms": _int(1), "trials": _int(1, 100),
    "epsilon": _rational, "groebner": _bool, "counts": _bool, "sard_tries": _int(1, 100),
    "method": _choice("auto", "homotopy", "msolve", "both", "monodromy"), "start": _choice("auto", "total-degree",
                                                                                    "multihomogeneous", "sparse"),
    "loops": _int(1), "stall": _int(1), "lam": _rational, "max_distance": _positive_rational,
    "tier": _choice(*TIERS), "torch_model": _anything, "device": _anything, "steps": _int(0),
    "tol": lambda name, v: 0.0 if v == 0 else _positive_number(name, v),
    "optimizer": _choice(None, "adam", "sgd", "lbfgs"), "optimizer_steps": _int(0), "lr": _positive_number,
    "arrays_name": _anything, "start": _anything, "end": _anything, "max_segments": _int(1, 20000),
    "grid": _int(0, 1000),
}

_RIGOROUS = ("prec_bits", "seed", "progress", "timeout")
_CONSTRUCTION = _RIGOROUS + ("width", "widths", "depth", "activation")
_LOCAL = _RIGOROUS + ("network", "point", "unknowns", "max_distance")
# The floating-point tier of cooper-2.1/2.3 (torch backend): tier="floating-point with error bounds".
_FLOAT = ("tier", "torch_model", "device", "steps", "tol", "optimizer", "optimizer_steps", "lr", "arrays_name")
_ALGEBRA = ("network", "seed", "progress", "timeout", "max_memory_mb", "max_terms")
_SOLVE = ("network", "seed", "progress", "timeout", "max_memory_mb", "max_terms", "method", "start")


def _show(value) -> str:
    """A short one-line repr for messages."""
    text = repr(value).splitlines()[0] if repr(value) else ""
    return text if len(text) <= 40 else text[:37] + "..."


def check_option_names(theorem: "Theorem", options: dict) -> None:
    """The option names (and the tier) against what ``theorem`` takes; InputError naming ``name=value``."""
    float_tier = options.get("tier") == FLOAT_TIER
    if "tier" in options and options["tier"] not in theorem.tiers:
        raise InputError(f"tier={options['tier']!r:.60}: {theorem.id} has the tiers {', '.join(theorem.tiers)}")
    for name, value in options.items():
        if name in _FLOAT[1:] and not float_tier and name in theorem.options:
            raise InputError(f"{name}={_show(value)} belongs to the floating-point tier: add "
                             f"tier={FLOAT_TIER!r}")
        if name not in theorem.options:
            raise InputError(f"{theorem.id} takes no option {name}={_show(value)}; it takes: "
                             f"{', '.join(sorted(theorem.options))}")


def check_options(theorem: "Theorem", options: dict) -> dict:
    """The options, checked against what ``theorem`` takes: an unknown name or a bad value raises
    InputError naming ``name=value`` (before any computation)."""
    check_option_names(theorem, options)
    float_tier = options.get("tier") == FLOAT_TIER
    out = {name: OPTIONS[name](name, value) for name, value in options.items()}
    if float_tier:
        if (out.get("torch_model") is None) == (out.get("network") is None):
            raise InputError(f"{theorem.id} in the floating-point tier needs torch_model=... or network=...")
        return out
    for name in theorem.needs:
        if name != "data" and out.get(name) is None:
            raise InputError(f"{theorem.id} needs {name}=... (see verifier theorems)")
    if ("point" in theorem.needs or "start" in theorem.needs) and out.get("network") is None:
        raise InputError(f"{theorem.id} needs network=... and point=...")
    return out


# --------------------------------------------------------------------------- size budgets (before any work)

# The largest network the rigorous construction (cooper-3.3/3.4/4.1/4.2) builds: n parameters. The d = 1000
# benchmark (p = 10, one hidden layer of width d) has n = 12001; a network this size takes minutes and GBs.
MAX_CONSTRUCTION_PARAMETERS = 1_000_000


def _mlp_parameters(p: int, widths: list, l: int) -> int:  # noqa: E741
    """Parameters of verifier.network.mlp(p, widths, l=l) with biases (without importing networkx)."""
    n, fan_in = 0, p
    for w in widths:
        n += (fan_in + 1) * w
        fan_in = w
    return n + (fan_in + 1) * l


def construction_budget(thm: "Theorem", data, opts: dict) -> None:
    """Refuse, before anything is built, a construction whose network would exceed
    :data:`MAX_CONSTRUCTION_PARAMETERS` (e.g. ``width=10**9`` or ``depth=10**9``), naming the option."""
    if not all(isinstance(getattr(data, k, None), int) for k in ("d", "p", "l")):
        return                                  # not a Dataset: the implementation says so
    depth = opts.get("depth")
    if thm.id == "cooper-3.3" and depth is not None and depth != 1 and opts.get("widths") is None:
        raise InputError(f"depth={depth} (--depth): cooper-3.3 (Lemma 3.3) has one hidden layer; "
                         "cooper-3.4 takes --depth")
    given = [(k, opts[k]) for k in ("widths", "width", "depth") if opts.get(k) is not None]
    if opts.get("widths") is not None:
        n = _mlp_parameters(data.p, list(opts["widths"]), data.l)
    else:
        T = 1 if thm.id == "cooper-3.3" else depth if depth is not None else (2 if thm.id == "cooper-3.4" else 1)
        h = opts.get("width") if opts.get("width") is not None else data.d
        # widths [1] * (T - 1) + [h], without building the list
        n = (data.p + 1) * h + (h + 1) * data.l if T == 1 else \
            (data.p + 1) + 2 * (T - 2) + 2 * h + (h + 1) * data.l
    if n > MAX_CONSTRUCTION_PARAMETERS:
        named = ", ".join(f"{k}={_show(v)}" + ("" if k == "widths" else f" (--{k})") for k, v in given
                          if k != "depth" or thm.id != "cooper-3.3") or f"width=d={data.d} (the default, --width)"
        raise InputError(f"{named}: the construction's network would have n = {n} parameters, more than the "
                         f"rigorous construction's budget of {MAX_CONSTRUCTION_PARAMETERS}")


# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Theorem:
    """A theorem the verifier proves instances of.

    ``hypotheses`` in words; ``hypothesis_claims`` the claim ids that check them (a refuted one makes
    a certificate ``not-applicable``); ``needs`` the inputs (``data``, ``network``, ``point``);
    ``options`` the keyword options :func:`verify` accepts; ``engines`` what may run; ``tiers`` the
    tiers it has (``rigorous``, and for some ``floating-point with error bounds``, through the torch
    backend); ``entry`` the implementation as ``module:function``, imported when it runs.
    """

    id: str
    title: str
    source: str
    hypotheses: tuple
    needs: tuple
    options: tuple
    engines: tuple
    entry: str
    tiers: tuple = (RIGOROUS_TIER,)
    commands: tuple = ("verify",)
    float_entry: str = ""
    budget: object = None      # budget(theorem, data, options): refuse an instance too large to start

    @property
    def statement(self) -> str:
        return STATEMENTS[self.id]

    @property
    def hypothesis_claims(self) -> tuple:
        return HYPOTHESES.get(self.id, ())

    def implementation(self, tier: str = RIGOROUS_TIER):
        module, _, func = (self.float_entry if tier == FLOAT_TIER else self.entry).partition(":")
        return getattr(importlib.import_module(module), func)

    def verify(self, data, **options):
        """Verify the theorem on an instance; see :func:`verify`."""
        opts = check_options(self, options)
        if self.budget is not None:
            self.budget(self, data, opts)
        tier = opts.pop("tier", RIGOROUS_TIER)
        return self.implementation(tier)(self, data, **opts)

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "source": self.source, "statement": self.statement,
                "hypotheses": list(self.hypotheses), "hypothesis_claims": list(self.hypothesis_claims),
                "needs": list(self.needs), "options": list(self.options), "engines": list(self.engines),
                "tiers": list(self.tiers), "commands": list(self.commands)}


THEOREMS: dict = {}


def _register(thm: Theorem) -> Theorem:
    if thm.id in THEOREMS or thm.id not in STATEMENTS:
        raise RuntimeError(f"theorem {thm.id!r} registered twice or without a statement")
    THEOREMS[thm.id] = thm
    return thm


_COOPER = "verifier.theorems.cooper"
_FLOAT_ENTRY = "verifier.theorems.cooper_float:verify_float"
_CONSTRUCTION_HYP = ("x_i pairwise distinct", "activation rectified", "last hidden width h >= d")
_SMOOTH_HYP = _CONSTRUCTION_HYP + ("activation smooth", "n > l*d")
_LOCAL_HYP = ("x_i pairwise distinct", "activation smooth", "n > l*d",
              "an approximate zero (e.g. from training) is given")
_POLY_HYP = ("polynomial activations with rational coefficients",)
for _thm in [
    Theorem("cooper-3.3", "Lemma 3.3 (exact fit with one hidden layer)", "Cooper, Lemma 3.3", _CONSTRUCTION_HYP,
            ("data",), _CONSTRUCTION, ("arb",), f"{_COOPER}:verify_lemma_3_3",
            budget=construction_budget),
    Theorem("cooper-3.4", "Corollary 3.4 (exact fit with T hidden layers)", "Cooper, Corollary 3.4",
            _CONSTRUCTION_HYP, ("data",), _CONSTRUCTION, ("arb",), f"{_COOPER}:verify_corollary_3_4",
            budget=construction_budget),
    Theorem("cooper-4.1", "Theorem 4.1 (M is nonempty and smooth of dimension n - d)", "Cooper, Theorem 4.1",
            _SMOOTH_HYP, ("data",), _CONSTRUCTION, ("arb",), f"{_COOPER}:verify_theorem_4_1",
            budget=construction_budget),
    Theorem("cooper-4.2", "Remark 4.2 (l outputs: codimension l*d)", "Cooper, Remark 4.2", _SMOOTH_HYP,
            ("data",), _CONSTRUCTION, ("arb",), f"{_COOPER}:verify_theorem_4_1",
            budget=construction_budget),
    Theorem("cooper-2.1", "Theorem 2.1, local form (M is a smooth (n - l*d)-manifold near a point)",
            "Cooper, Theorem 2.1", _LOCAL_HYP, ("data", "network", "point"), _LOCAL + _FLOAT, ("arb", "torch"),
            f"{_COOPER}:verify_theorem_2_1", tiers=(RIGOROUS_TIER, FLOAT_TIER), float_entry=_FLOAT_ENTRY),
    Theorem("cooper-2.3", "Proposition 2.3 (Hessian signature on M)", "Cooper, Proposition 2.3", _LOCAL_HYP,
            ("data", "network", "point"), _LOCAL + _FLOAT, ("arb", "torch"), f"{_COOPER}:verify_proposition_2_3",
            tiers=(RIGOROUS_TIER, FLOAT_TIER), float_entry=_FLOAT_ENTRY),
    Theorem("cooper-connected", "Two approximate zeros joined by a certified path in M (L = 0 along it)",
            "Cooper, Theorem 2.1 (M a manifold), made constructive: a chain of Krawczyk tests along a route",
            ("activation smooth", "n > l*d", "two approximate zeros (e.g. trained minima) are given"),
            ("data", "network", "start", "end"), _RIGOROUS + ("network", "start", "end", "max_distance",
                                                             "max_segments", "grid", "tier", "torch_model",
                                                             "device", "arrays_name"),
            ("arb", "torch"), "verifier.landscape.connect:verify_connected", commands=("connect", "verify"),
            tiers=(RIGOROUS_TIER, FLOAT_TIER), float_entry="verifier.theorems.cooper_float:verify_connected_float"),
    Theorem("liao-poggio-bezout", "Liao-Poggio: Bezout bounds for the polynomial system H = 0",
            "Liao and Poggio, Section 4 (Bezout)", _POLY_HYP, ("data", "network"),
            _ALGEBRA + ("counts", "groebner"), ("msolve", "singular"), "verifier.theorems.liao_poggio:run"),
    Theorem("liao-poggio-dimension", "Liao-Poggio: generic rank of J, dimension and degree of V(H)",
            "Liao and Poggio, Section 4 (dimension)", _POLY_HYP, ("data", "network"),
            _ALGEBRA + ("trials", "groebner"), ("singular",), "verifier.theorems.liao_poggio:run"),
    Theorem("liao-poggio-nullstellensatz", "Liao-Poggio: inconsistent data and Hilbert's Nullstellensatz",
            "Liao and Poggio, Section 4 (Nullstellensatz)", _POLY_HYP, ("data", "network"), _ALGEBRA,
            ("singular",), "verifier.theorems.liao_poggio:run"),
    Theorem("cooper-2.1-global", "Theorem 2.1, global form for polynomial networks (0 a regular value over C)",
            "Cooper, Theorem 2.1 (with Sard's perturbation)", _POLY_HYP, ("data", "network"),
            _ALGEBRA + ("epsilon", "sard_tries"), ("singular",), "verifier.theorems.liao_poggio:run"),
    Theorem("polynomial-solutions", "All solutions of a square polynomial system, certified",
            "homotopy continuation and Krawczyk; Liao-Poggio's square systems", _POLY_HYP + ("n = l*d (square)",),
            ("data", "network"), _SOLVE, ("homotopy", "msolve", "singular"),
            "verifier.theorems.solving:verify_solutions", commands=("solve", "verify")),
    Theorem("witness-degree", "Witness set of V(H): a certified lower bound on its degree",
            "numerical algebraic geometry (witness sets, monodromy, trace test)", _POLY_HYP + ("n > l*d",),
            ("data", "network"), _SOLVE + ("loops", "stall"), ("homotopy", "msolve", "singular"),
            "verifier.theorems.solving:verify_witness_degree", commands=("degree", "verify")),
    Theorem("liao-poggio-prop-1", "Critical points of a polynomial loss, classified by certified Hessian inertia",
            "Liao and Poggio, Proposition 1; deep linear networks", _POLY_HYP,
            ("data", "network"), _SOLVE + ("lam",), ("homotopy", "msolve", "singular"),
            "verifier.theorems.solving:verify_critical_points", commands=("critical-points", "verify")),
]:
    _register(_thm)


def theorem(theorem_id: str) -> Theorem:
    """The registered theorem ``theorem_id``; InputError naming the known ids otherwise."""
    if theorem_id not in THEOREMS:
        raise InputError(f"unknown theorem {theorem_id!r:.60}; known: {', '.join(THEOREMS)}")
    return THEOREMS[theorem_id]


def verify(theorem_id: str, data, **options):
    """Verify a theorem instance and return its certificate.

    Parameters
    ----------
    theorem_id : str
        One of :data:`THEOREMS` (``verifier theorems`` lists them, with the options each takes).
    data : Dataset
    **options
        Checked up front against the theorem's ``options``: an unknown name or a bad value raises
        InputError naming ``name=value``. Construction theorems (``cooper-3.3/3.4/4.1/4.2``):
        ``width``, ``widths``, ``depth``, ``activation``, ``prec_bits``, ``seed``. Local theorems
        (``cooper-2.1/2.3``): ``network``, ``point``, ``prec_bits``. Polynomial networks: ``network``,
        ``timeout``, ``max_memory_mb`` and the theorem's own.

    Verified means
    --------------
    Every claim the theorem requires was proven with exact rationals or with Arb balls that decide
    it; each claim's ``scope`` says where it holds. ``not-applicable``: a hypothesis fails (the
    reason names it); ``refuted``: the conclusion is proven false; ``inconclusive``: neither.

    Raises
    ------
    InputError
        Unknown theorem, unknown or bad options, missing inputs, inconsistent shapes.
    """
    return theorem(theorem_id).verify(data, **options)


# Names this module used to hold, and where they live now (still importable from here).
_MOVED = {"gauss_newton": "verifier.search", "random_start": "verifier.search",
          "round_up_rational": "verifier.construction", "GAP": "verifier.construction"}


def __getattr__(name):
    if name in _MOVED:
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'verifier.theorems' has no attribute {name!r}")


class _Registry(types.ModuleType):
    """This module, callable: ``verifier.theorems()`` is the verb of ``verifier theorems``."""

    def __call__(self):
        """The registered theorems (:class:`Theorem`), in the registry's order."""
        return list(THEOREMS.values())


sys.modules[__name__].__class__ = _Registry
