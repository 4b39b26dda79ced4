"""Certificates of the solving theorems: how the replay loop reads them (instance: a system and its source).

The claims run in a fixed order (``rules.ORDER``: each rests on the ones before it); when the stored
system differs from the one re-derived from its source, no claim is re-derived (each re-checks as
inconclusive with that reason). A solving certificate is never ``refuted``: a failed check is
inconclusive.
"""

from __future__ import annotations

from ..format import CLAIM_SCOPES, EARLIER_STATEMENTS, REQUIRED_CLAIMS, SOLVE_THEOREMS
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

    def texts(self, cid, status, context, claim, message):
        """The fixed statement; a verified claim's message is the rule's own (counts and labels, exact).
        Certificates written earlier carry a claim's earlier statement (``format.EARLIER_STATEMENTS``), which
        says the same for the evidence it covers."""
        statement = self.statements.get(cid)
        ev = claim.get("evidence") if isinstance(claim, dict) else None
        said = claim.get("statement") if isinstance(claim, dict) else None
        if (cid, said) in EARLIER_STATEMENTS and isinstance(ev, dict):
            methods = EARLIER_STATEMENTS[(cid, said)]
            if (ev.get("method") in methods) if methods is not None else "parametrization" not in ev:
                statement = said
        return statement, (message if status == "verified" else None)

    def after(self, cert, instance, checked):
        """The summary's certified counts and bounds must be the re-checked ones (engine numbers beside them,
        msolve and homotopy, are labelled as not proofs wherever they are shown)."""
        st, s = instance.context, cert.get("summary")
        if not isinstance(s, dict):
            return ["the summary must be an object"]
        want = {"theorem": cert["theorem"], "unknowns": len(st["names"]), "source": st["info"]["kind"],
                "exact": checked.get("count-exact") == "verified"}
        if "exact_scope" in st:
            want["exact_scope"] = st["exact_scope"] if want["exact"] else None
        counts = st.get("counts")
        if isinstance(counts, dict) and checked.get("solutions-certified") == "verified":
            want.update({k: counts[k] for k in ("certified", "real", "non_real", "undecided")})
        if "bezout_numbers" in st:
            want["total_degree_bezout"], want["multihomogeneous_bezout"] = st["bezout_numbers"]
        wrong = sorted(k for k, v in want.items() if s.get(k) != v)
        return [f"the summary's {', '.join(wrong)} differ from what the claims re-check"] if wrong else []

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


#: What the solver may hand :func:`evaluate_claims` from its own runs of the same rule functions:
#: ``boxes_checked`` = ``(boxes, prec, result)`` of ``krawczyk.verify_solution_boxes`` on this very list (no
#: budget), ``parametrization_checked`` = ``(evidence, result)`` of ``parametrization.verify_parametrization`` on
#: this very evidence, and the mixed volumes ``rules.mixed_volume`` cached. ``verifier check`` always computes them.
KNOWN_KEYS = ("boxes_checked", "parametrization_checked", "mixed_volume", "mixed_volume_0")


def evaluate_claims(inst, claims, *, budget=BUDGET_S, known=None, engine_timeout=None):
    """([(claim, status, message)] in the fixed order, state): what the checker finds for these claims.

    The solver calls it to state each claim's status as the checker will re-check it, with ``known``: results
    of the rules' own computations it already ran on this instance (:data:`KNOWN_KEYS`), not computed twice.
    ``engine_timeout``: seconds for each of the rules' Singular runs (the solver's budget left; default the
    checker's ``engine.TIMEOUT_S``). Raises FormatError on a malformed instance or claim list.
    """
    tier = SolveTier(budget)
    st = tier.state(inst)
    st.update({k: v for k, v in (known or {}).items() if k in KNOWN_KEYS})
    st["engine_timeout"] = engine_timeout
    return run_claims(tier, st, claims, st["info"].get("mismatch")), st
