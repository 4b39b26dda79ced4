"""The results store of a sweep: a folder that makes sweeps resumable and shareable.

Layout (docs/sweep-format.md)::

    OUT/sweep.json                       the normalised spec, the software versions
    OUT/certificates/THEOREM/KEY.json    one certificate per instance, under its content address
    OUT/certificates/THEOREM/KEY.npz     its arrays (floating-point tier only)
    OUT/rows/KEY.json                    its row of the results table, with the certificate's sha256
    OUT/results.parquet                  the table of the spec's instances (one row each)

An instance is finished when its row exists and, where the row names a certificate, the certificate file's
sha256 matches the row and its digest matches its content; anything else (a missing, corrupted or altered
entry) is recomputed. Every file is written through a temporary file and a rename; the row is written last, so
a sweep stopped at any moment leaves only whole entries. Two results for one key (a task Dask ran twice after a
worker was lost) write the same files: the store keeps one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from ..certificate import write_bytes_atomic, write_text_atomic
from ..errors import InputError

__all__ = ["Store", "TABLE"]

TABLE = "results.parquet"
MAX_ROW_BYTES = 1 << 20


class Store:
    """A results folder (created if missing; an existing folder must be a store or empty)."""

    def __init__(self, root, *, create: bool = True):
        self.root = os.fspath(root)
        marker = os.path.join(self.root, "sweep.json")
        if os.path.lexists(self.root) and not os.path.isdir(self.root):
            raise InputError(f"{self.root} exists and is not a folder")
        if os.path.isdir(self.root) and os.listdir(self.root) and not os.path.isfile(marker):
            raise InputError(f"{self.root} is not a sweep results folder (no sweep.json) and is not empty")
        if not create and not os.path.isfile(marker):
            raise InputError(f"{self.root} is not a sweep results folder (no sweep.json)")
        self.marker = marker

    # -- layout
    def cert_path(self, key, theorem) -> str:
        return os.path.join(self.root, "certificates", theorem, f"{key}.json")

    def row_path(self, key) -> str:
        return os.path.join(self.root, "rows", f"{key}.json")

    def init(self, spec: dict, software: dict) -> None:
        for sub in ("", "rows", "certificates", os.path.join("certificates", spec["theorem"])):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        doc = {"format": "verifier-sweep", "version": 1,
               "spec": {k: v for k, v in spec.items() if k != "base_dir"}, "software": software}
        write_text_atomic(self.marker, json.dumps(doc, indent=1, sort_keys=True) + "\n")

    # -- reading
    def row(self, key) -> dict | None:
        """The stored row of ``key`` when the entry is whole and untampered, else None."""
        path = self.row_path(key)
        try:
            if os.path.getsize(path) > MAX_ROW_BYTES:
                return None
            with open(path, encoding="utf-8") as fh:
                row = json.load(fh)
        except (OSError, ValueError):
            return None
        if not isinstance(row, dict) or row.get("key") != key:
            return None
        sha = row.get("certificate_sha256")
        if sha is None:
            return row
        try:
            with open(self.cert_path(key, row.get("theorem", "")), "rb") as fh:
                blob = fh.read()
        except OSError:
            return None
        if hashlib.sha256(blob).hexdigest() != sha or not _digest_ok(blob):
            return None
        arrays = row.get("arrays_sha256")
        if arrays is not None:
            try:
                with open(self.cert_path(key, row["theorem"])[:-5] + ".npz", "rb") as fh:
                    if hashlib.sha256(fh.read()).hexdigest() != arrays:
                        return None
            except OSError:
                return None
        return row

    def keys(self) -> list:
        """The keys of every row file in the store, sorted."""
        folder = os.path.join(self.root, "rows")
        return sorted(n[:-5] for n in os.listdir(folder) if n.endswith(".json")) if os.path.isdir(folder) else []

    def rows(self):
        """``(whole rows, keys of damaged entries)``: every row file read through :meth:`row`."""
        rows, damaged = [], []
        for key in self.keys():
            row = self.row(key)
            (damaged.append(key) if row is None else rows.append(row))
        return rows, damaged

    # -- writing
    def write(self, result: dict, theorem: str) -> dict:
        """Store one task's result (certificate, arrays, then the row); returns the row as stored."""
        key, row = result["key"], dict(result["row"])
        os.makedirs(os.path.dirname(self.cert_path(key, theorem)), exist_ok=True)
        if result.get("arrays"):
            blob = base64.b64decode(result["arrays"])
            write_bytes_atomic(self.cert_path(key, theorem)[:-5] + ".npz", blob)
            row["arrays_sha256"] = hashlib.sha256(blob).hexdigest()
        if result.get("certificate") is not None:
            blob = result["certificate"].encode("utf-8")
            write_bytes_atomic(self.cert_path(key, theorem), blob)
            row["certificate_sha256"] = hashlib.sha256(blob).hexdigest()
            row["certificate"] = os.path.relpath(self.cert_path(key, theorem), self.root)
        write_text_atomic(self.row_path(key), json.dumps(row, sort_keys=True) + "\n")
        return row

    def write_table(self, rows: list) -> str:
        """results.parquet from ``rows`` (in instance order); returns its path."""
        import io
        frame = table(rows)
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        path = os.path.join(self.root, TABLE)
        write_bytes_atomic(path, buf.getvalue())
        return path


def table(rows):
    """A pandas DataFrame of result rows, in instance order, with the leading columns first."""
    import pandas as pd
    frame = pd.DataFrame(sorted(rows, key=lambda r: r.get("index", 0)))
    first = [c for c in ("index", "theorem", "status", "reason") if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]


def _digest_ok(blob: bytes) -> bool:
    from ..checker.format import digest
    try:
        doc = json.loads(blob)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("digest") == digest(doc)
