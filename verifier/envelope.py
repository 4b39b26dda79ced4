"""The one ``--json`` shape of every command (docs/json-output.md).

Every command prints one object with the same keys: ``command``, ``theorem``, ``tier``, ``status``,
``reason``, ``counts`` (claims by status), ``certificate`` (the path read or written), ``files`` (other
files written), ``timings_s`` and ``result``, which holds what is particular to the command.

>>> sorted(envelope("theorems", status="ok"))
['certificate', 'command', 'counts', 'files', 'reason', 'result', 'status', 'theorem', 'tier', 'timings_s']
"""

from __future__ import annotations


def envelope(command, *, status, theorem=None, tier=None, reason="", counts=None, certificate=None, files=(),
             timings=None, result=None) -> dict:
    """The one ``--json`` shape of every command (docs/json-output.md); ``result`` holds what is
    particular to the command."""
    return {"command": command, "theorem": theorem, "tier": tier, "status": status, "reason": reason or "",
            "counts": counts or {}, "certificate": certificate, "files": list(files), "timings_s": timings or {},
            "result": result if result is not None else {}}


def claim_counts(claims) -> dict:
    out = {"verified": 0, "refuted": 0, "inconclusive": 0}
    for c in claims:
        out[c["status"]] = out.get(c["status"], 0) + 1
    return out
