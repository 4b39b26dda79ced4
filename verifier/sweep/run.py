"""Running one sweep instance (on a Dask worker, or in this process) under its budgets.

:func:`run_instance` is the task: it takes an instance spec (:func:`verifier.sweep.spec.expand`), builds the
network and data, runs the theorem through the same verbs as the command line and returns a plain dict: the
certificate's JSON text, its arrays (floating-point tier) and the row of the results table. The computation
runs in a forked child process with the instance's budgets (``timeout`` seconds of wall clock, ``max_memory_mb``
of address space): a child that runs past them is killed and the row says ``inconclusive`` with the budget as
the reason, so one runaway instance cannot stall a worker. ``os.fork`` rather than :mod:`multiprocessing`:
Dask's workers are daemonic processes, which multiprocessing does not let start children.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import select
import signal
import time

from ..errors import InputError

__all__ = ["run_instance", "key_numbers", "DEFAULT_TIMEOUT", "GRACE_S"]

DEFAULT_TIMEOUT = 600          # seconds per instance when the spec sets no timeout
GRACE_S = 10                   # past the theorem's own timeout before the child is killed
POINT_THEOREMS = ("cooper-2.1", "cooper-2.3")


def _verify(inst):
    """The certificate of one instance (in the process that runs it)."""
    from .. import api
    from .spec import build
    net, data, deep = build(inst)
    opts = dict(inst["options"])
    theorem = inst["theorem"]
    if deep is not None:
        opts.setdefault("seed", inst["seed"])
        opts.setdefault("method", "homotopy")
        return api.critical_points(deep_linear=deep, **opts)
    if theorem in POINT_THEOREMS:      # an approximate zero found by Gauss-Newton from a seeded start
        import numpy as np
        from ..search import gauss_newton
        from ..system import compile_system
        w = gauss_newton(compile_system(net, data), np.random.default_rng(inst["seed"]).normal(size=net.n))
        opts["point"] = [float(x) for x in w]
    if net is not None:
        opts["network"] = net
    opts.setdefault("seed", inst["seed"])
    return api.verify(theorem, data, **opts)


def _compute(inst) -> dict:
    t0 = time.perf_counter()
    try:
        cert = _verify(inst)
    except InputError as exc:
        return {"error": str(exc), "seconds": time.perf_counter() - t0}
    doc = cert.to_json()
    seconds = time.perf_counter() - t0
    checked = {}
    if getattr(cert, "arrays", None) is None:       # the independent checker's verdict and its time, per row
        from ..checker import check_certificate
        t1 = time.perf_counter()
        rep = check_certificate(json.loads(json.dumps(doc)))
        checked = {"check_ok": bool(rep.ok), "check_status": rep.status, "check_seconds": time.perf_counter() - t1}
    arrays = None
    if getattr(cert, "arrays", None) is not None:      # pragma: no cover - the float tier is not swept yet
        import io
        import numpy as np
        buf = io.BytesIO()
        np.savez(buf, **cert.arrays)
        arrays = base64.b64encode(buf.getvalue()).decode()
    return {"certificate": json.dumps(doc, indent=1) + "\n", "arrays": arrays, "seconds": seconds, **checked}


def _budgets(inst):
    opts = inst["options"]
    timeout = opts.get("timeout", DEFAULT_TIMEOUT)
    memory = opts.get("max_memory_mb")
    return float(timeout) + GRACE_S, (int(memory) if memory else None)


def _in_child(inst, wall, memory_mb) -> dict:
    """``_compute(inst)`` in a forked child killed after ``wall`` seconds; its address space capped at the
    parent's plus ``memory_mb`` MiB when given."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                                          # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(r)
            if memory_mb:
                base = _address_space()
                limit = base + memory_mb * 2**20
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            try:
                out = _compute(inst)
            except MemoryError:
                out = {"budget": f"ran past its memory budget of {memory_mb} MiB"}
            except Exception as exc:                       # a bug: reported, never a result
                out = {"crash": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
            data = json.dumps(out).encode()
            with os.fdopen(w, "wb") as fh:
                fh.write(data)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    chunks, deadline = [], time.monotonic() + wall
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                return {"budget": f"ran past its time budget of {wall - GRACE_S:g} s"}
            ready, _, _ = select.select([r], [], [], min(left, 1.0))
            if ready:
                block = os.read(r, 1 << 20)
                if not block:
                    break
                chunks.append(block)
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        sig = -os.waitstatus_to_exitcode(status) if os.WIFSIGNALED(status) else None
        if sig == signal.SIGKILL:
            return {"budget": "killed (out of memory?)"}
        return {"crash": f"the instance's process ended without a result (exit status {os.waitstatus_to_exitcode(status)})"}
    return json.loads(b"".join(chunks))


_WARM = set()


def _warm(theorem):
    """Import what an instance of ``theorem`` needs once per worker process, before the fork, so that each
    child starts with it loaded (about 0.5 s per instance otherwise)."""
    if theorem in _WARM:
        return
    from .. import api, data, network, search, system  # noqa: F401 - loaded before the fork
    from ..theorems import THEOREMS
    from . import spec  # noqa: F401
    THEOREMS[theorem].implementation()
    from ..checker.check import tier_for       # each task runs the checker too: load its modules here as well
    from ..checker.core import evaluate, preconditioner  # noqa: F401
    tier_for({"theorem": theorem})
    _WARM.add(theorem)


def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def run_instance(inst, *, isolate: bool = True) -> dict:
    """Run one instance; returns ``{"key", "index", "row", "certificate", "arrays"}`` (certificate and arrays
    None when the instance stopped without one: a budget, bad input for this instance, or a crash)."""
    t0 = time.perf_counter()
    wall, memory = _budgets(inst)
    if isolate:
        _warm(inst["theorem"])
    out = _in_child(inst, wall, memory) if isolate else _compute(inst)
    row = {"key": inst["key"], "index": inst["index"], "theorem": inst["theorem"], **_params(inst)}
    cert_text = out.get("certificate")
    if cert_text is not None:
        doc = json.loads(cert_text)
        row.update(status=doc["status"], reason=doc.get("reason") or "", tier=doc.get("tier", ""),
                   **key_numbers(doc))
    elif "budget" in out:
        row.update(status="inconclusive", reason=f"budget: {out['budget']}", tier="")
    elif "error" in out:
        row.update(status="error", reason=out["error"], tier="")
    else:
        row.update(status="error", reason=f"crash: {out.get('crash', 'no result')}", tier="")
    row["seconds"] = round(float(out.get("seconds", time.perf_counter() - t0)), 6)
    if "check_ok" in out:
        row["check_ok"] = out["check_ok"]
        if not out["check_ok"]:      # the table never shows a status the independent checker did not accept
            checked = str(out.get("check_status") or "")
            row.update(status=checked if checked in ("refuted", "not-applicable") else "inconclusive",
                       reason=f"the independent checker did not accept the certificate (it stated {row['status']})")
        row["check_seconds"] = round(float(out["check_seconds"]), 6)
    row["task_seconds"] = round(time.perf_counter() - t0, 6)
    row["worker"] = os.getpid()
    return {"key": inst["key"], "index": inst["index"], "row": row, "certificate": cert_text,
            "arrays": out.get("arrays")}


def _params(inst) -> dict:
    """The family parameters of an instance as table columns (lists and tables as JSON text)."""
    out = {}
    for key, v in inst["params"].items():
        out[key] = json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v
    return out


# (claim id, evidence key) -> column of the results table
_CLAIM_COLUMNS = {
    ("rank-J", "rank"): "rank", ("manifold", "dimension"): "dimension", ("generic-rank", "rank"): "generic_rank",
    ("variety-dimension", "dimension"): "variety_dimension", ("variety-dimension", "degree"): "variety_degree",
    ("variety-dimension", "expected_dimension"): "expected_dimension",
    ("bezout-bounds", "total_degree"): "bezout_total", ("bezout-bounds", "multihomogeneous"): "bezout_multi",
    ("bezout-bounds-square", "total_degree"): "bezout_total",
    ("bezout-bounds-square", "multihomogeneous"): "bezout_multi",
    ("count-exact", "count"): "count_exact", ("manifold-float", "dimension"): "dimension",
}
_SUMMARY_COLUMNS = ("n", "d", "l", "p", "unknowns", "certified", "real", "non_real", "undecided", "exact")


def key_numbers(doc) -> dict:
    """The numbers of a certificate a results table shows: sizes from the summary, ranks, dimensions, degrees,
    counts and bounds from verified claims (an unverified claim's numbers are left out), and the timings."""
    out = {}
    summary = doc.get("summary") if isinstance(doc.get("summary"), dict) else {}
    for k in _SUMMARY_COLUMNS:
        v = summary.get(k)
        if isinstance(v, (int, bool)) and v is not None:
            out[k] = v
    for claim in doc.get("claims") or []:
        if isinstance(claim, dict) and claim.get("id") == "generic-rank":
            # proven bounds even when they do not meet (the checker re-derives both in either case)
            ev = claim.get("evidence") if isinstance(claim.get("evidence"), dict) else {}
            for key in ("lower", "upper"):
                if isinstance(ev.get(key), int) and not isinstance(ev.get(key), bool):
                    out[f"generic_rank_{key}"] = ev[key]
        if not isinstance(claim, dict) or claim.get("status") != "verified":
            continue
        ev = claim.get("evidence") if isinstance(claim.get("evidence"), dict) else {}
        if claim.get("id") == "generic-rank" and isinstance(ev.get("lower"), int) and ev.get("lower") == ev.get("upper"):
            out["generic_rank"] = ev["lower"]
        for (cid, key), col in _CLAIM_COLUMNS.items():
            if claim.get("id") == cid and isinstance(ev.get(key), int) and not isinstance(ev.get(key), bool):
                out[col] = ev[key]
    timings = doc.get("timings_s") if isinstance(doc.get("timings_s"), dict) else {}
    total = sum(v for v in timings.values() if isinstance(v, (int, float)))
    out["theorem_seconds"] = round(float(timings.get("total", total)), 6)
    return out
