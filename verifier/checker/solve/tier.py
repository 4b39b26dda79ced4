"""Certificates of the solving theorems: how the replay loop reads them (instance: a system and its source).

The claims run in a fixed order (``rules.ORDER``: each rests on the ones before it); when the stored
system differs from the one re-derived from its source, no claim is re-derived (each re-checks as
inconclusive with that reason). A solving certificate is never ``refuted``: a failed check is
inconclusive.
"""

from __future__ import annotations

from ..format import CLAIM_SCOPES, REQUIRED_CLAIMS, SOLVE_THEOREMS
from ..replay import Instance, Tier, run_claims
from .rules import ORDER, RULES, read_system, system_hash

__all__ = ["SolveTier", "evaluate_claims", "BUDGET_S"]

BUDGET_S = 600.0        # wall-clock seconds for re-checking the boxes

# The source kinds each theorem accepts.
SOURCES = {"polynomial-solutions": ("file", "network"), "witness-degree": ("witness",),
           "liao-poggio-prop-1": ("deep-linear", "network-loss")}


class SolveTier(Tier):
    """The solving theorems (``format.SOLVE_THEOREMS``)."""

    name = "solving certificates"
    required = {thm: REQUIRED_CLAIMS[thm] for thm in SOLVE_THEOREMS}
    rules = RULES
    scopes = CLAIM_SCOPES
    order = ORDER
    width = 24
    refutable = False

    def __init__(self, budget: float | None = BUDGET_S):
        self.budget = budget

    def state(self, inst) -> dict:
        """What the rules share: the variables, the equations (re-derived from the source and compared
        with the stored ones), what the source says, the budget; the rules add their results."""
        names, eqs, info = read_system(inst)
        return {"names": names, "eqs": eqs, "info": info, "budget": self.budget}

    def read(self, cert):
        theorem = cert["theorem"]
        inst = cert.get("instance")
        st = self.state(inst)
        names, info = st["names"], st["info"]
        h = system_hash(inst)
        header = (f"checking {theorem}: {len(names)} equations in {len(names)} unknowns, source "
                  f"{info['kind']}, instance sha256 {h[:16]}, ball arithmetic and exact arithmetic over Q")
        problems = [] if inst.get("sha256") == h else ["instance hash does not match the instance"]
        if "mismatch" in info:
            problems.append(info["mismatch"])
        return Instance(st, header, problems, blocked=info.get("mismatch"))

    def problems(self, cert, instance):
        theorem, kind = cert["theorem"], instance.context["info"]["kind"]
        if kind in SOURCES[theorem]:
            return []
        return [f"{theorem} needs a {' or '.join(SOURCES[theorem])} source"]


def evaluate_claims(inst, claims, *, budget=BUDGET_S):
    """([(claim, status, message)] in the fixed order, state): what the checker finds for these claims.

    The solver calls it to state each claim's status as the checker will re-check it. Raises
    FormatError on a malformed instance or claim list.
    """
    tier = SolveTier(budget)
    st = tier.state(inst)
    return run_claims(tier, st, claims, st["info"].get("mismatch")), st
