"""The independent checker: re-verifies a certificate from its instance and evidence.

Trusted base: this package (``format``, ``evaluate``, ``rules``), the Python
standard library and python-flint (Arb); numpy computes only the (untrusted)
Krawczyk preconditioner, and the float64 recomputation of the floating-point
tier (``float_tier.py``; those certificates say so). It imports nothing else from
``verifier``; ``tests/test_architecture.py`` enforces that. See README.md here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import flint

from .evaluate import Network
from .format import (FLOAT_TIER, RIGOROUS_TIER, TIERS, ALGEBRAIC_THEOREMS, CLAIM_SCOPES, CLAIM_STATEMENTS, FORMAT_TAG, GLOBAL_SMOOTHNESS, NEEDS_OUT_OF_SCOPE, REQUIRED_CLAIMS,
                     SOLVE_THEOREMS,
                     SCHEMA_VERSION, STATEMENTS, STATUSES, FormatError, digest, instance_hash, parse_rational, verdict)
from .rules import RULES, Context

__all__ = ["check_certificate", "CheckReport", "FormatError"]

MAX_PREC_BITS = 1 << 16


@dataclass
class CheckReport:
    """The checker's verdict. ``ok`` is True only for a verified certificate whose every required claim re-checks."""

    ok: bool
    status: str                     # the status the checker establishes: verified / refuted / inconclusive
    header: str                     # what was checked: theorem, n, d, l, instance hash
    lines: list = field(default_factory=list)   # one line per claim: id, stored status, checked status, message
    seconds: float = 0.0

    def text(self) -> str:
        return "\n".join([self.header, *self.lines, f"checker: {self.status} ({self.seconds:.2f} s)"])


def _point(obj, labels, prec):
    if obj is None:
        return None   # no point was reached (e.g. a refuted hypothesis); rules that need one say so
    if not isinstance(obj, dict) or set(obj) != labels:
        missing = sorted(labels - set(obj)) if isinstance(obj, dict) else []
        raise FormatError("the point must map every parameter label of the network" +
                          (f" (missing {missing[0]!r})" if missing else ""))
    out = {}
    with flint.ctx.workprec(prec):
        for lab, v in obj.items():
            if isinstance(v, dict):
                if set(v) != {"mid", "rad"}:
                    raise FormatError(f"point[{lab!r}] must be an exact rational or {{mid, rad}}")
                mid, rad = parse_rational(v["mid"]), parse_rational(v["rad"])
                if rad < 0:
                    raise FormatError(f"point[{lab!r}] has a negative radius")
                # A ball containing [mid - rad, mid + rad] (outward rounded).
                box = flint.arb(mid - rad).union(flint.arb(mid + rad))
                out[lab] = {"mid_q": mid, "rad": rad, "mid": flint.arb(mid), "box": box}
            else:
                q = parse_rational(v)
                out[lab] = {"mid_q": q, "rad": None, "mid": flint.arb(q), "box": flint.arb(q)}
    return out


def check_certificate(cert, base_dir=None) -> CheckReport:
    """Re-verify a certificate (a parsed JSON object). Never raises on bad content: reports it.

    ``base_dir``: the folder of the certificate file, where a floating-point-tier
    certificate's arrays file lies (see float_tier.py).
    """
    t0 = time.perf_counter()
    try:
        tier = cert.get("tier", RIGOROUS_TIER) if isinstance(cert, dict) else None
        if tier == FLOAT_TIER:
            report = _check_float(cert, base_dir)
        elif tier != RIGOROUS_TIER:
            raise FormatError(f"unknown tier {tier!r:.60}; known: {', '.join(TIERS)}")
        elif isinstance(cert, dict) and cert.get("theorem") in SOLVE_THEOREMS:
            report = _check_solve(cert)
        else:
            report = _check(cert)
    except FormatError as exc:
        report = CheckReport(False, "inconclusive", "certificate: malformed", [f"  format error: {exc}"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError, OverflowError,
            RecursionError, MemoryError) as exc:
        report = CheckReport(False, "inconclusive", "certificate: malformed",
                             [f"  malformed certificate ({type(exc).__name__}: {str(exc)[:80]})"])
    report.seconds = time.perf_counter() - t0
    return report


def _check_float(cert, base_dir) -> CheckReport:
    from .float_tier import TIER, check_float_certificate
    if cert.get("tier") != TIER or cert.get("format") != FORMAT_TAG or cert.get("schema_version") != SCHEMA_VERSION:
        raise FormatError(f"unknown tier {cert.get('tier')!r:.60} or not a {FORMAT_TAG} document")
    if cert.get("status") not in STATUSES:
        raise FormatError(f"status {cert.get('status')!r} is not one of {STATUSES}")
    status, header, lines, problems = check_float_certificate(cert, base_dir)
    lines = lines + [f"  problem: {p}" for p in problems]
    return CheckReport(ok=(status == "verified" and not problems), status=status, header=header, lines=lines)


def _check_solve(cert) -> CheckReport:
    from .solve_rules import check_solve_certificate
    if cert.get("format") != FORMAT_TAG or type(cert.get("schema_version")) is not int \
            or cert.get("schema_version") != SCHEMA_VERSION:
        raise FormatError(f"not a {FORMAT_TAG} document of schema version {SCHEMA_VERSION}")
    if cert.get("status") not in STATUSES:
        raise FormatError(f"status {cert.get('status')!r} is not one of {STATUSES}")
    status, header, lines, problems = check_solve_certificate(cert)
    lines = lines + [f"  problem: {p}" for p in problems]
    return CheckReport(ok=(status == "verified" and not problems), status=status, header=header, lines=lines)


def _check(cert) -> CheckReport:
    if not isinstance(cert, dict) or cert.get("format") != FORMAT_TAG:
        raise FormatError(f"not a {FORMAT_TAG} document")
    if type(cert.get("schema_version")) is not int or cert.get("schema_version") != SCHEMA_VERSION:
        raise FormatError(f"schema_version {cert.get('schema_version')!r} is not {SCHEMA_VERSION}")
    theorem = cert.get("theorem")
    if theorem not in REQUIRED_CLAIMS:
        raise FormatError(f"unknown theorem {theorem!r}")
    stated = cert.get("status")
    if stated not in STATUSES:
        raise FormatError(f"status {stated!r} is not one of {STATUSES}")
    inst = cert["instance"]
    net = Network(inst["network"])
    data = inst["data"]
    if not isinstance(data, dict) or not isinstance(data.get("x"), list) or not isinstance(data.get("y"), list) \
            or not all(isinstance(r, list) for r in data["x"] + data["y"]):
        raise FormatError("instance.data must hold lists of rows 'x' and 'y'")
    X = [[parse_rational(c) for c in row] for row in data["x"]]
    Y = [[parse_rational(c) for c in row] for row in data["y"]]
    if not X or len(X) != len(Y) or any(len(r) != len(net.inputs) for r in X) \
            or any(len(r) != len(net.outputs) for r in Y):
        raise FormatError("data shape does not match the network")
    prec = cert.get("prec_bits")
    if not isinstance(prec, int) or isinstance(prec, bool) or not 32 <= prec <= MAX_PREC_BITS:
        raise FormatError("prec_bits must be an integer between 32 and 65536")
    ctx = Context(net, X, Y, _point(cert.get("point"), net.labels, prec), prec, theorem)
    h = instance_hash(inst)
    arith = "exact and modular arithmetic" if theorem in ALGEBRAIC_THEOREMS else f"{prec}-bit balls"
    header = f"checking {theorem}: n = {ctx.n}, d = {ctx.d}, l = {ctx.l}, instance sha256 {h[:16]}, {arith}"
    lines = []
    problems = []
    if inst.get("sha256") != h:
        problems.append("instance hash does not match the instance")
    if theorem in NEEDS_OUT_OF_SCOPE and GLOBAL_SMOOTHNESS not in (cert.get("out_of_scope") or []):
        problems.append("out_of_scope must state that global smoothness of M is not claimed")
    if cert.get("statement") != STATEMENTS.get(theorem):
        problems.append(f"the statement is not the statement of {theorem}")
    if cert.get("digest") != digest(cert):
        problems.append("digest does not match the certificate's content (it was altered)")
    claims = cert.get("claims")
    if not isinstance(claims, list):
        raise FormatError("claims must be a list")
    checked = {}
    for claim in claims:
        cid = claim.get("id") if isinstance(claim, dict) else None
        rule = RULES.get(cid)
        if rule is None:
            raise FormatError(f"unknown claim id {cid!r}")
        if cid in checked:
            raise FormatError(f"claim {cid!r} appears twice")
        status, msg = rule(ctx, claim)
        if claim.get("scope") != CLAIM_SCOPES[cid]:
            problems.append(f"claim {cid} states scope {claim.get('scope')!r}; what is proven has scope "
                            f"{CLAIM_SCOPES[cid]!r}")
        if cid in CLAIM_STATEMENTS and claim.get("statement") != CLAIM_STATEMENTS[cid]:
            problems.append(f"claim {cid} does not state its fixed statement verbatim")
        checked[cid] = status
        agree = status == claim.get("status")
        lines.append(f"  {cid:22s} {claim.get('status', '?'):12s} -> {status:12s} {msg}")
        if not agree:
            problems.append(f"claim {cid} says {claim.get('status')!r} but re-checks as {status!r}")
    status = verdict(theorem, stated, REQUIRED_CLAIMS[theorem], checked, problems)
    lines += [f"  problem: {p}" for p in problems]
    return CheckReport(ok=(status == "verified" and not problems), status=status, header=header, lines=lines)
