"""Exceptions that separate bad input from "could not decide".

``InputError``   the user's input is malformed or violates a format (CLI exit 2).
``BudgetExceeded``  a time or memory budget ran out (the answer becomes inconclusive).
``install_hint``  the one wording of "install this extra" in messages.
"""

from .version import DISTRIBUTION


def install_hint(extra: str) -> str:
    """How to install an optional extra, from the package index or in a checkout.

    >>> print(install_hint("algebra"))
    pip install 'landscape-verifier[algebra]' (in a checkout: pip install -e ".[algebra]")
    """
    return f"pip install '{DISTRIBUTION}[{extra}]' (in a checkout: pip install -e \".[{extra}]\")"


class InputError(ValueError):
    """Malformed or inconsistent input. The message is one line, meant for the user."""


class BudgetExceeded(RuntimeError):
    """A time or memory budget ran out before the computation finished. ``fixed``: the limit is a fixed size
    limit that no option raises (e.g. the terms an engine script may hold), not --timeout / --max-memory."""

    def __init__(self, *args, fixed: bool = False):
        super().__init__(*args)
        self.fixed = fixed
