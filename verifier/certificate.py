"""Claims and certificates (the JSON format is in docs/certificate-format.md)."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from dataclasses import dataclass, field

import flint

from . import __version__
from .checker.format import (CLAIM_STATUSES, FORMAT_TAG, HYPOTHESIS_CLAIMS, SCHEMA_VERSION, SCOPES, STATUSES,
                             claims_status, digest, instance_hash)
from .errors import InputError

VERIFIED, REFUTED, INCONCLUSIVE, NOT_APPLICABLE = STATUSES


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


def overall_status(claims) -> str:
    """not-applicable if a hypothesis claim is refuted, refuted if another claim is, verified if all
    are verified, else inconclusive (the rule of ``checker.format.claims_status``)."""
    return claims_status((c.id, c.status) for c in claims)


def status_reason(claims) -> str:
    """Why a certificate is not verified: the failed hypothesis, the refuted claim, or the first open one."""
    for c in claims:
        if c.id in HYPOTHESIS_CLAIMS and c.status == REFUTED:
            return f"{c.id}: {c.message} (a hypothesis fails, so the theorem does not apply)"
    for c in claims:
        if c.status == REFUTED:
            return f"{c.id}: {c.message}"
    for c in claims:
        if c.status != VERIFIED:
            return f"{c.id}: {c.message}"
    return ""


@dataclass
class Certificate:
    """A theorem instance with its verdict; ``to_json`` is what ``verifier check`` reads."""

    theorem: str
    statement: str
    network: dict
    data: dict
    point: dict
    claims: list
    prec_bits: int
    seed: int | None = None
    out_of_scope: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    timings_s: dict = field(default_factory=dict)
    summary_info: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return overall_status(self.claims)

    @property
    def reason(self) -> str:
        """Why the certificate is not verified ('' when it is)."""
        return status_reason(self.claims)

    def to_json(self) -> dict:
        inst = {"network": self.network, "data": self.data}
        inst["sha256"] = instance_hash(inst)
        doc = {
            "format": FORMAT_TAG, "schema_version": SCHEMA_VERSION, "theorem": self.theorem,
            "statement": self.statement, "status": self.status, "reason": self.reason,
            "instance": inst, "point": self.point, "claims": [c.to_json() for c in self.claims],
            "out_of_scope": self.out_of_scope, "notes": self.notes, "prec_bits": self.prec_bits,
            "seed": self.seed, "timings_s": {k: round(v, 4) for k, v in self.timings_s.items()},
            "summary": self.summary_info, "extra": self.extra,
            "software": {"verifier": __version__, "python-flint": flint.__version__,
                         "python": platform.python_version()},
        }
        doc["digest"] = digest(doc)
        return doc

    def write(self, path) -> None:
        """Write the certificate atomically (a temporary file renamed into place)."""
        write_json_atomic(path, self.to_json())

    def summary(self) -> str:
        """A short human summary in the style of ``verifier`` output."""
        s = self.summary_info
        counts = {st: sum(c.status == st for c in self.claims) for st in CLAIM_STATUSES}
        lines = [f"{self.theorem}  {self.status}",
                 f"  instance    {s.get('network', '?')}, n = {s.get('n')}, d = {s.get('d')}, l = {s.get('l')}"
                 f"   (sha256 {instance_hash({'network': self.network, 'data': self.data})[:12]})",
                 f"  claims      {counts[VERIFIED]} verified, {counts[INCONCLUSIVE]} inconclusive, "
                 f"{counts[REFUTED]} refuted",
                 f"  arithmetic  {s.get('arithmetic') or f'Arb balls, {self.prec_bits} bits'}      seed {self.seed}      "
                 f"{sum(self.timings_s.values()):.1f} s"]
        for c in self.claims:
            lines.append(f"  [{c.status:^12s}] {c.id}: {c.message}")
        if self.status != VERIFIED:
            lines.append(f"  reason      {self.reason}")
        return "\n".join(lines)


def write_json_atomic(path, obj) -> None:
    """Write JSON to ``path`` via a temporary file in the same folder, then rename."""
    write_text_atomic(path, json.dumps(obj, indent=1) + "\n")


def write_text_atomic(path, text: str) -> None:
    """Write text to ``path`` via a temporary file in the same folder, then rename (no partial files)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"cannot write {path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
