"""The independent checker: re-verifies a certificate from its instance and evidence.

One sub-package per tier, on a shared top (see README.md here for the trusted base of each):

* ``format.py``: the schema shared by writer and reader (statuses, statements, digests, ``verdict``);
* ``replay.py``: the one replay loop and ``CheckReport``; ``check.py``: ``check_certificate``;
* ``core/``: networks in Arb balls and Cooper's claims (with the norm bound and the untrusted
  Krawczyk preconditioner);
* ``algebra/``: the algebraic claims of polynomial networks (exact and modular arithmetic; Singular
  for ``variety-dimension``);
* ``solve/``: the solving theorems (Krawczyk in complex boxes, certified inertia; Singular for
  ``count-exact`` by ``method: singular``);
* ``float/``: the floating-point tier (numpy; its certificates list their assumptions).

Trusted base: these files, the Python standard library and python-flint (Arb); numpy computes only
the (untrusted) Krawczyk preconditioner and the float64 recomputation of the floating-point tier.
It imports nothing else from ``verifier``; ``tests/test_architecture.py`` enforces that.

This module stays light: importing ``verifier.checker.format`` runs it, and must not load the rules,
the evaluator, numpy or the sub-packages. ``check_certificate``, ``CheckReport`` and ``FormatError``
are resolved on first use (PEP 562). (Importing ``verifier.checker.float`` binds the name ``float``
in this module's namespace, so code here must not call the builtin ``float``.)
"""

__all__ = ["check_certificate", "CheckReport", "FormatError"]

_LAZY = {"check_certificate": "check", "CheckReport": "replay", "FormatError": "format"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
