"""The one replay loop every tier shares: document, statement, digest, claims, verdict.

Standard library and ``format`` only. A *tier* is a small object that says what differs between the
kinds of certificate (see :class:`Tier`); :func:`replay` does everything else, the same way for all:

1. the document: a ``verifier-certificate`` of this schema version, a theorem the tier covers, a known
   status;
2. the instance, read by the tier (:meth:`Tier.read`), with its own problems (e.g. the instance hash);
3. the statement of the theorem verbatim, ``out_of_scope`` where the theorem needs it, the tier's own
   header checks (:meth:`Tier.problems`), the digest;
4. the claims: every id known to the tier and stated once; each re-derived by the tier's rule (in the
   tier's fixed order, if it has one); its scope and, where the claim has one, its fixed statement
   verbatim; a claim whose stored status differs from the re-checked one is a problem;
5. the verdict (``format.verdict``): ``verified`` only when every required claim re-checks as verified
   and nothing went wrong.

A rule is ``rule(context, claim) -> (status, message)``; it may raise ``FormatError`` for evidence it
cannot read, which makes the whole certificate malformed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .format import (CLAIM_STATEMENTS, FORMAT_TAG, GLOBAL_SMOOTHNESS, NEEDS_OUT_OF_SCOPE, OUT_OF_SCOPE_SENTENCES,
                     SCHEMA_VERSION, STATEMENTS, STATUSES, FormatError, digest, reasons, verdict)

__all__ = ["CheckReport", "Instance", "Tier", "run_claims", "replay"]

V, R, I = "verified", "refuted", "inconclusive"


@dataclass
class CheckReport:
    """The checker's verdict. ``ok`` is True only for a verified certificate whose every required claim re-checks."""

    ok: bool
    status: str                     # the status the checker establishes: verified / refuted / inconclusive / ...
    header: str                     # what was checked: theorem, sizes, instance hash, arithmetic
    lines: list = field(default_factory=list)   # one line per claim: id, stored status, checked status, message
    seconds: float = 0.0
    # one dict per claim, in the order of ``lines``: {"id", "stated", "checked", "message"}
    results: list = field(default_factory=list)

    def text(self) -> str:
        return "\n".join([self.header, *self.lines, f"checker: {self.status} ({self.seconds:.2f} s)"])

    def __repr__(self) -> str:
        return f"CheckReport(ok={self.ok}, status={self.status!r}, claims={len(self.results)})"

    def _repr_html_(self) -> str:
        """A badge and one row per claim (Jupyter); every string is escaped."""
        from html import escape
        rows = "".join(f"<tr><td><code>{escape(str(r.get('id')))}</code></td><td>{escape(str(r.get('stated')))}</td>"
                       f"<td>{_badge(str(r.get('checked')))}</td><td>{escape(str(r.get('message')))}</td></tr>"
                       for r in self.results)
        # The claims' lines come first, then the problems (and a malformed certificate's reason).
        problems = "".join(f"<li>{escape(line.strip())}</li>" for line in self.lines[len(self.results):])
        return (f"<div class=\"verifier-check\"><p><b>checker</b> {_badge(self.status)} "
                f"{'accepted' if self.ok else 'not accepted'} in {self.seconds:.2f} s<br>{escape(self.header)}</p>"
                + (f"<ul>{problems}</ul>" if problems else "")
                + (f"<table><tr><th>claim</th><th>stated</th><th>checked</th><th>message</th></tr>{rows}</table>"
                   if rows else "") + "</div>")


_BADGE_COLOURS = {"verified": "#1a7f37", "refuted": "#cf222e", "not-applicable": "#6e7781", "inconclusive": "#9a6700"}


def _badge(status: str) -> str:
    from html import escape
    colour = _BADGE_COLOURS.get(status, "#6e7781")
    return (f"<span style=\"background:{colour};color:#fff;border-radius:3px;padding:0 .4em\">"
            f"{escape(status)}</span>")


@dataclass
class Instance:
    """What a tier reads from a certificate."""

    context: object                 # handed to every rule of the tier
    header: str                     # what is checked, as the report's first line
    problems: list = field(default_factory=list)    # found while reading (instance hash, ...)
    # When set, no rule runs: every claim re-checks as inconclusive with this reason (e.g. the stored
    # system differs from the one re-derived from its source, so nothing about it can be trusted).
    blocked: str | None = None


class Tier:
    """What a tier provides to :func:`replay` (subclass it or supply the same attributes).

    ``name``: how messages name the tier (``"the floating-point tier"``). ``required``: theorem ->
    the claim ids a verified certificate needs (its keys are the theorems the tier covers).
    ``rules``: claim id -> rule. ``scopes``: claim id -> the scope the claim must state.
    ``statements``: claim id -> the fixed statement the claim must carry verbatim (ids absent from it
    carry none). ``order``: claim ids in the order the rules run (None: the certificate's order).
    ``width``: the width of the claim-id column in the report lines. ``refutable``: whether a
    certificate of the tier may say ``refuted``.
    """

    name = "this tier"
    required: dict = {}
    rules: dict = {}
    scopes: dict = {}
    statements: dict = CLAIM_STATEMENTS
    order = None
    width = 22
    refutable = True

    def read(self, cert: dict) -> Instance:           # pragma: no cover - every tier overrides it
        raise NotImplementedError

    def problems(self, cert: dict, instance: Instance) -> list:
        """Problems with the certificate's header beyond those :func:`replay` checks for every tier."""
        return []

    def after(self, cert: dict, instance: Instance, checked: dict) -> list:
        """Problems found once every claim re-checked (e.g. a summary that says more than the claims)."""
        return []

    def texts(self, cid: str, status: str, context, claim: dict, message: str):
        """(statement, message) a claim re-checked as ``status`` must carry verbatim; None where free.

        ``message`` is the rule's own. By default the fixed statement of ``statements`` and no message; a
        tier that renders its claims' words from the facts it re-derives (so that a claim cannot say more
        than it proves) returns them.
        """
        return self.statements.get(cid), None


def _document(cert, tier) -> str:
    """The theorem of a well-formed document of this schema that the tier covers (else FormatError)."""
    if not isinstance(cert, dict) or cert.get("format") != FORMAT_TAG:
        raise FormatError(f"not a {FORMAT_TAG} document")
    if type(cert.get("schema_version")) is not int or cert.get("schema_version") != SCHEMA_VERSION:
        raise FormatError(f"schema_version {cert.get('schema_version')!r:.40} is not {SCHEMA_VERSION}")
    theorem = cert.get("theorem")
    if not isinstance(theorem, str) or theorem not in tier.required:
        raise FormatError(f"unknown theorem {theorem!r:.60} for {tier.name} (it covers {', '.join(tier.required)})")
    if cert.get("status") not in STATUSES:
        raise FormatError(f"status {cert.get('status')!r:.40} is not one of {STATUSES}")
    return theorem


def run_claims(tier, context, claims, blocked=None) -> list:
    """[(claim, status, message)]: every claim re-derived by the tier's rule, in the tier's order.

    Raises FormatError unless ``claims`` is a list of claims with known, distinct ids. The solver
    calls this too (through its tier) to state what the checker will find.
    """
    if not isinstance(claims, list):
        raise FormatError("claims must be a list")
    seen = set()
    for claim in claims:
        cid = claim.get("id") if isinstance(claim, dict) else None
        if not isinstance(cid, str) or cid not in tier.rules:
            raise FormatError(f"unknown claim id {cid!r:.60} for {tier.name}")
        if cid in seen:
            raise FormatError(f"claim {cid!r} appears twice")
        seen.add(cid)
    if tier.order is not None:
        claims = sorted(claims, key=lambda c: tier.order.index(c["id"]))
    out = []
    for claim in claims:
        status, msg = (I, blocked) if blocked is not None else tier.rules[claim["id"]](context, claim)
        out.append((claim, status, msg))
    return out


def replay(cert, tier) -> CheckReport:
    """Re-verify a certificate with a tier's reader and rules (steps 1-5 of the module docstring).

    Raises FormatError (and, on hostile content, the errors ``check_certificate`` turns into a report).
    """
    theorem = _document(cert, tier)
    inst = tier.read(cert)
    problems = list(inst.problems)
    if cert.get("statement") != STATEMENTS.get(theorem):
        problems.append(f"the statement is not the statement of {theorem}")
    if theorem in NEEDS_OUT_OF_SCOPE and GLOBAL_SMOOTHNESS not in (cert.get("out_of_scope") or []):
        problems.append("out_of_scope must state that global smoothness of M is not claimed")
    if any(x not in OUT_OF_SCOPE_SENTENCES for x in (cert.get("out_of_scope") or [])):
        problems.append("out_of_scope may list only the tool's own sentences of what is not claimed")
    if (cert.get("reason") or "") != "" if cert.get("status") == V else cert.get("reason") not in reasons(
            cert.get("claims")):
        problems.append("the reason must be empty for a verified certificate, else the words of one of its "
                        "claims that is not verified")
    problems += tier.problems(cert, inst)
    if cert.get("digest") != digest(cert):
        problems.append("digest does not match the certificate's content (it was altered)")
    lines, results, checked = [], [], {}
    for claim, status, msg in run_claims(tier, inst.context, cert.get("claims"), inst.blocked):
        cid, stated = claim["id"], claim.get("status")
        if claim.get("scope") != tier.scopes[cid]:
            problems.append(f"claim {cid} states scope {claim.get('scope')!r}; what is proven has scope "
                            f"{tier.scopes[cid]!r}")
        want_statement, want_message = tier.texts(cid, status, inst.context, claim, msg)
        if want_statement is not None and claim.get("statement") != want_statement:
            problems.append(f"claim {cid} does not state its fixed statement verbatim"
                            + (f" (the checker renders: {want_statement!r})" if cid not in tier.statements else ""))
        if want_message is not None and status == stated and claim.get("message") != want_message:
            problems.append(f"claim {cid}'s message is not what its evidence shows (the checker renders: "
                            f"{want_message!r})")
        checked[cid] = status
        lines.append(f"  {cid:{tier.width}s} {str(claim.get('status', '?')):12s} -> {status:12s} {msg}")
        results.append({"id": cid, "stated": stated, "checked": status, "message": msg})
        if status != stated:
            problems.append(f"claim {cid} says {stated!r} but re-checks as {status!r}")
    problems += tier.after(cert, inst, checked)
    stated = cert["status"]
    if stated == R and not tier.refutable:
        problems.append(f"{theorem} certificates are never refuted: a failed check is inconclusive")
        status = I
    else:
        status = verdict(theorem, stated, tier.required[theorem], checked, problems)
    lines += [f"  problem: {p}" for p in problems]
    return CheckReport(ok=(status == V and not problems), status=status, header=inst.header, lines=lines,
                       results=results)
