"""Exceptions that separate bad input from "could not decide".

``InputError``   the user's input is malformed or violates a format (CLI exit 2).
``BudgetExceeded``  a time or memory budget ran out (the answer becomes inconclusive).
"""


class InputError(ValueError):
    """Malformed or inconsistent input. The message is one line, meant for the user."""


class BudgetExceeded(RuntimeError):
    """A time or memory budget ran out before the computation finished."""
