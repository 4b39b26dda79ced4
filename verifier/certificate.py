"""Claims and certificates (the JSON format is in docs/certificate-format.md)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from dataclasses import dataclass, field

import flint

from .version import __version__
from .checker.format import (CLAIM_STATUSES, FLOAT_TIER, FORMAT_TAG, HYPOTHESIS_CLAIMS, HYPOTHESIS_SUFFIX, RIGOROUS_TIER, SCHEMA_VERSION,
                             SCOPES, STATUSES, TIERS, claims_status, digest, instance_hash)
from .errors import InputError

VERIFIED, REFUTED, INCONCLUSIVE, NOT_APPLICABLE = STATUSES
_BADGE_COLOURS = {VERIFIED: "#1a7f37", REFUTED: "#cf222e", NOT_APPLICABLE: "#6e7781", INCONCLUSIVE: "#9a6700"}


@dataclass(frozen=True)
class Claim:
    """One statement of a certificate, with its own status, scope and evidence.

    ``message`` says in words what was shown, or why not (with a remedy).
    """

    id: str
    status: str
    scope: str
    statement: str
    evidence: dict = field(default_factory=dict)
    message: str = ""

    def __post_init__(self):
        if self.status not in CLAIM_STATUSES:
            raise ValueError(f"claim status {self.status!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"claim scope {self.scope!r}")

    def to_json(self) -> dict:
        return {"id": self.id, "status": self.status, "scope": self.scope, "statement": self.statement,
                "evidence": self.evidence, "message": self.message}

    def __getitem__(self, key):
        """``claim["status"]`` as on the JSON form (claims of the floating-point tier were dicts)."""
        return self.to_json()[key]


def overall_status(claims) -> str:
    """not-applicable if a hypothesis claim is refuted, refuted if another claim is, verified if all
    are verified, else inconclusive (the rule of ``checker.format.claims_status``)."""
    return claims_status((c.id, c.status) for c in claims)


def status_reason(claims) -> str:
    """Why a certificate is not verified: the failed hypothesis, the refuted claim, or the first open one."""
    for c in claims:
        if c.id in HYPOTHESIS_CLAIMS and c.status == REFUTED:
            return f"{c.id}: {c.message}{HYPOTHESIS_SUFFIX}"
    for c in claims:
        if c.status == REFUTED:
            return f"{c.id}: {c.message}"
    for c in claims:
        if c.status != VERIFIED:
            return f"{c.id}: {c.message}"
    return ""


def count_text(entry: dict) -> str:
    """A reported count: its value, or 10^log10 where the value is not an integer (Smale-Shub's estimate)."""
    if entry.get("value") is not None:
        return str(entry["value"])
    lg = entry.get("log10")
    return f"10^{lg}" if isinstance(lg, (int, float)) else "?"


@dataclass
class Certificate:
    """A theorem instance with its verdict: the one certificate type every theorem builds.

    The instance is a network with exact data (``network``, ``data``), or, for theorems about other
    objects, ``instance`` (a polynomial system with its source; a model document with its arrays
    file). ``tier`` is ``rigorous`` or ``floating-point with error bounds`` (then ``assumptions``
    lists what the claims rest on beyond the computation, and ``arrays`` holds the arrays file's
    content: X, Y, w). ``required`` names the claims the status rests on (default: every claim).
    ``to_json`` is what ``verifier check`` reads (docs/certificate-format.md).
    """

    theorem: str
    statement: str
    network: dict | None
    data: dict | None
    point: dict | None
    claims: list
    prec_bits: int | None
    seed: int | None = None
    out_of_scope: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    timings_s: dict = field(default_factory=dict)
    summary_info: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    tier: str = RIGOROUS_TIER
    instance: dict | None = None
    required: tuple = ()
    assumptions: list = field(default_factory=list)
    arrays: dict | None = field(default=None, repr=False)
    software: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.tier not in TIERS:
            raise ValueError(f"certificate tier {self.tier!r}")
        for i, c in enumerate(self.claims):          # in place: theorems append to the list they passed
            if not isinstance(c, Claim):
                self.claims[i] = Claim(**c)

    @property
    def status(self) -> str:
        st = overall_status(self.claims)
        if not self.required or st == NOT_APPLICABLE:
            return st
        needed = [c for c in self.claims if c.id in self.required]
        if st == REFUTED and any(c.status == REFUTED for c in needed):
            return REFUTED
        return VERIFIED if set(self.required) <= {c.id for c in needed if c.status == VERIFIED} else INCONCLUSIVE

    @property
    def reason(self) -> str:
        """Why the certificate is not verified ('' when it is)."""
        if self.status == VERIFIED:
            return ""
        claims = [c for c in self.claims if not self.required or c.id in self.required
                  or c.id in HYPOTHESIS_CLAIMS]
        return status_reason(claims) or status_reason(self.claims)

    def instance_json(self) -> dict:
        """The instance with its sha256 (of the network and data, or of the other instance's content)."""
        if self.instance is not None:
            return self.instance
        inst = {"network": self.network, "data": self.data}
        inst["sha256"] = instance_hash(inst)
        return inst

    def to_json(self) -> dict:
        doc = {
            "format": FORMAT_TAG, "schema_version": SCHEMA_VERSION, "theorem": self.theorem, "tier": self.tier,
            "statement": self.statement, "status": self.status, "reason": self.reason,
            "instance": self.instance_json(), "point": self.point, "claims": [c.to_json() for c in self.claims],
            "out_of_scope": self.out_of_scope, "notes": self.notes, "prec_bits": self.prec_bits,
            "seed": self.seed, "timings_s": {k: round(v, 4) for k, v in self.timings_s.items()},
            "summary": self.summary_info, "extra": self.extra,
            "software": {"verifier": __version__, "python-flint": flint.__version__,
                         "python": platform.python_version(), **self.software},
        }
        if self.tier == FLOAT_TIER:
            doc["assumptions"] = list(self.assumptions)
        doc["digest"] = digest(doc)
        return doc

    @property
    def doc(self) -> dict:
        """The JSON document (``to_json()``)."""
        return self.to_json()

    def write(self, path) -> str | None:
        """Write the certificate atomically (a temporary file renamed into place); a floating-point-tier
        certificate also writes its arrays file beside it. Returns the arrays file's path, or None."""
        doc = self.to_json()
        target = None
        if self.arrays is not None:
            import io

            import numpy as np
            folder = os.path.dirname(os.path.abspath(os.fspath(path)))
            if not os.path.isdir(folder):
                raise InputError(f"cannot write {path}: folder {folder} does not exist")
            buf = io.BytesIO()
            np.savez(buf, **self.arrays)
            blob = buf.getvalue()
            meta = doc["instance"]["arrays"]
            if hashlib.sha256(blob).hexdigest() != meta["sha256"]:
                raise RuntimeError("arrays changed after the certificate was sealed")   # pragma: no cover
            target = os.path.join(folder, meta["file"])
            write_bytes_atomic(target, blob)
        write_json_atomic(path, doc)
        return target

    def _sizes(self) -> list:
        """(name, value) of the instance's sizes: n, d, l for a network, the unknowns of a system."""
        s = self.summary_info
        keys = ("n", "d", "l") if "n" in s else ("unknowns",) if "unknowns" in s else ()
        return [(k, s[k]) for k in keys if s.get(k) is not None]

    def __repr__(self) -> str:
        sizes = "".join(f", {k}={v!r}" for k, v in self._sizes())
        return (f"Certificate(theorem={self.theorem!r}, status={self.status!r}, tier={self.tier!r}{sizes}, "
                f"claims={len(self.claims)})")

    def _repr_html_(self) -> str:
        """A status badge, the instance and one row per claim (Jupyter); every string is escaped."""
        from html import escape
        status = self.status
        colour = _BADGE_COLOURS.get(status, "#6e7781")
        shown = status if self.tier == RIGOROUS_TIER else f"{status} ({self.tier})"   # never "verified" alone
        badge = (f"<span style=\"background:{colour};color:#fff;border-radius:3px;padding:0 .4em\">"
                 f"{escape(shown)}</span>")
        network = self.summary_info.get("network")
        what = ", ".join(([str(network)] if network else []) + [f"{k} = {v}" for k, v in self._sizes()])
        rows = "".join(f"<tr><td><code>{escape(str(c.id))}</code></td><td>{escape(str(c.status))}</td>"
                       f"<td>{escape(str(c.scope))}</td><td>{escape(str(c.message))}</td></tr>" for c in self.claims)
        reason = f"<br>reason: {escape(self.reason)}" if status != VERIFIED else ""
        return (f"<div class=\"verifier-certificate\"><p><b>{escape(self.theorem)}</b> {badge} "
                f"<small>tier: {escape(self.tier)}</small><br>{escape(what)}{reason}</p>"
                f"<table><tr><th>claim</th><th>status</th><th>scope</th><th>message</th></tr>{rows}</table></div>")

    def summary(self) -> str:
        """A short human summary in the style of ``verifier`` output."""
        s = self.summary_info
        counts = {st: sum(c.status == st for c in self.claims) for st in CLAIM_STATUSES}
        tier = f"  [tier: {self.tier}]" if self.tier != RIGOROUS_TIER else ""
        lines = [f"{self.theorem}  {self.status}{tier}"]
        inst = self.instance_json()
        if "system" in inst and self.status == VERIFIED and s.get("exact") is False:
            # a verified lower bound is not a count: the status line says so, not only the exact flag
            lines[0] += f"  (at least {s.get('certified')} solutions: a lower bound, not the exact count)"
        if "system" in inst:
            lines += _system_lines(self.to_json())
        else:
            lines.append(f"  instance    {s.get('network', '?')}, n = {s.get('n')}, d = {s.get('d')}, l = {s.get('l')}"
                         f"   (sha256 {inst['sha256'][:12]})")
            lines.append(f"  claims      {counts[VERIFIED]} verified, {counts[INCONCLUSIVE]} inconclusive, "
                         f"{counts[REFUTED]} refuted")
            arith = s.get("arithmetic") or f"Arb balls, {self.prec_bits} bits"
            lines.append(f"  arithmetic  {arith}      seed {self.seed}      {sum(self.timings_s.values()):.1f} s")
            for c in self.claims:
                lines.append(f"  [{c.status:^12s}] {c.id}: {c.message}")
        if self.status != VERIFIED:
            lines.append(f"  reason      {self.reason}")
        return "\n".join(lines)


def _system_lines(doc) -> list:
    """The summary lines of a certificate about a polynomial system (solve, degree, critical-points)."""
    s = doc["summary"]
    lines = [f"  system      {s['unknowns']} equations in {s['unknowns']} unknowns (source: {s['source']})"]
    h = s.get("homotopy")
    hx = doc["extra"].get("homotopy") or {}
    if hx.get("status") == "not run":
        lines.append(f"  homotopy    not run: {hx.get('reason')}")
    if h:
        mult = _multiplicities(h["singular_multiplicities"])
        lines.append(f"  homotopy    {h['paths']} paths ({h['start_system']}): {h['nonsingular']} finite nonsingular, "
                     f"{h['singular_points']} singular (multiplicities {mult}), {h['infinity']} at infinity, "
                     f"{h['failed']} failed, {h['real']} real")
    mo = doc["extra"].get("monodromy")
    if mo:
        tr = mo.get("trace_residual")
        mv = mo.get("final_move", {})
        lines.append(f"  monodromy   {mo.get('points')} witness points, {mo.get('loops')} loops, "
                     f"{mo.get('paths_tracked')} paths tracked (total-degree Bezout "
                     f"{mo.get('bezout_paths_total_degree')}); trace test "
                     f"{'passed' if mo.get('trace_passed') else 'NOT passed'} (residual "
                     f"{'-' if tr is None else f'{tr:.1e}'}; numerical evidence, not a proof); "
                     f"{mv.get('distinct')} endpoints on the rational slices")
    rt = s.get("route")
    if rt:
        lines.append(f"  route       {rt['method']}: {rt['reason']}" + (f"; {rt['fallback']}" if rt.get("fallback") else ""))
    least = "" if s["exact"] else "at least "
    lines.append(f"  certified   {least}{s['certified']} complex solutions ({least}{s['real']} real, {s['non_real']} "
                 f"non-real, {s['undecided']} undecided)  -- "
                 + ("lower bounds" if not s["exact"] else "exact" if s.get("exact_scope") != "isolated" else
                    "exact: all the isolated solutions (the mixed-volume bound does not exclude positive-dimensional "
                    "components)"))
    lines.append(f"  bezout      total degree {s['total_degree_bezout']}, multihomogeneous {s['multihomogeneous_bezout']}")
    ms = doc["extra"].get("msolve")
    if ms:
        lines.append(f"  msolve      {ms.get('solutions', '-')} distinct complex, {ms.get('multiplicity', '-')} with "
                     f"multiplicity, {ms.get('real', '-')} real ({ms.get('status')}; not a proof)"
                     + (f"; {ms['parametrized_certified']} of its {ms['parametrized_points']} parametrized points "
                        "certified" if ms.get("parametrized_points") else "")
                     if ms.get("status") not in ("not installed", "failed") else f"  msolve      {ms.get('status')}")
    nc = doc["extra"].get("network_counts")
    if nc:
        lines.append(f"  network     Liao-Poggio {nc['liao_poggio']['formula']} = {nc['liao_poggio']['value']}, "
                     f"Smale-Shub {nc['smale_shub_real_estimate']['formula']} = "
                     f"{count_text(nc['smale_shub_real_estimate'])} (reported, not bounds); degree certified {'' if s['exact'] else 'at least '}{s['certified']}")
    if doc["extra"].get("constant_equation"):
        lines.append(f"  constant    {doc['extra']['constant_equation']}")
    for c in doc["claims"]:
        lines.append(f"  [{c['status']:^12s}] {c['id']}: {c['message']}")
    from .solutions import solutions_table
    lines += solutions_table(doc)
    for dmsg in s["disagreements"]:
        lines.append(f"  DISAGREEMENT {dmsg}")
    return lines


def _multiplicities(mults) -> str:
    """``[3, 2, 2, 1]`` -> ``"3, 2 (x2), 1"``: each multiplicity once, with how many points have it."""
    from collections import Counter
    counts = Counter(mults)
    return ", ".join(f"{m}" + (f" (x{k})" if k > 1 else "") for m, k in sorted(counts.items(), reverse=True)) or "-"


def write_json_atomic(path, obj) -> None:
    """Write JSON to ``path`` via a temporary file in the same folder, then rename."""
    write_text_atomic(path, json.dumps(obj, indent=1) + "\n")


def write_text_atomic(path, text: str) -> None:
    """Write text to ``path`` via a temporary file in the same folder, then rename (no partial files)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path, blob: bytes) -> None:
    """Write bytes to ``path`` via a temporary file in the same folder, then rename (no partial files).

    The file gets the mode a plain ``open(path, "w")`` would give (0666 less the user's umask), not the
    temporary file's 0600. Only a regular file (or a new name) is replaced.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"cannot write {path}: folder {folder} does not exist")
    if os.path.lexists(path) and not os.path.isfile(path):
        raise InputError(f"cannot write {path}: it exists and is not a regular file")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
