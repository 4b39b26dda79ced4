"""``check_certificate``: pick the tier of a certificate and replay it (``replay.py``).

Which tier reads a certificate:

* ``"tier": "floating-point with error bounds"``: the floating-point tier (``float/``, numpy);
* a rigorous certificate of a solving theorem (``format.SOLVE_THEOREMS``): ``solve/``;
* any other rigorous certificate (a network and data): ``core/`` reads it, with the rules of
  ``core/rules.py`` (Cooper's claims), ``algebra/rules.py`` (the algebraic claims) and
  ``solve/complex_point.py`` (``complex-point``: a Krawczyk box, so it lives beside the Krawczyk test).

The tiers are imported on first use, so a rigorous check never loads numpy's float tier.
"""

from __future__ import annotations

import time

from .format import FLOAT_TIER, RIGOROUS_TIER, SOLVE_THEOREMS, TIERS, FormatError
from .replay import CheckReport, replay

__all__ = ["check_certificate", "tier_for"]


def tier_for(cert, base_dir=None):
    """The tier object that replays ``cert`` (FormatError for an unknown tier)."""
    tier = cert.get("tier", RIGOROUS_TIER) if isinstance(cert, dict) else None
    if tier == FLOAT_TIER:
        from .float.tier import FloatTier
        return FloatTier(base_dir)
    if tier != RIGOROUS_TIER:
        raise FormatError(f"unknown tier {tier!r:.60}; known: {', '.join(TIERS)}")
    if cert.get("theorem") in SOLVE_THEOREMS:
        from .solve.tier import SolveTier
        return SolveTier()
    from .algebra.rules import ALGEBRA_RULES
    from .core.rules import RULES
    from .core.tier import NetworkTier
    from .solve.complex_point import NETWORK_RULES
    return NetworkTier({**RULES, **ALGEBRA_RULES, **NETWORK_RULES})


def check_certificate(cert, base_dir=None) -> CheckReport:
    """Re-verify a certificate (a parsed JSON object). Never raises on bad content: reports it.

    ``base_dir``: the folder of the certificate file, where a floating-point-tier
    certificate's arrays file lies (see float/tier.py).
    """
    t0 = time.perf_counter()
    try:
        report = replay(cert, tier_for(cert, base_dir))
    except FormatError as exc:
        report = CheckReport(False, "inconclusive", "certificate: malformed", [f"  format error: {exc}"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError, OverflowError,
            RecursionError, MemoryError) as exc:
        report = CheckReport(False, "inconclusive", "certificate: malformed",
                             [f"  malformed certificate ({type(exc).__name__}: {str(exc)[:80]})"])
    report.seconds = time.perf_counter() - t0
    return report
