"""Sweeps: one registered theorem over a family of instances, on Dask, into a resumable results store.

>>> import verifier
>>> spec = {"theorem": "cooper-4.1", "grid": {"data.points": [2, 3]}, "data": {"inputs": 1}}
>>> frame = verifier.sweep(spec, out=str(getfixture("tmp_path") / "r"), client="in-process")
>>> list(frame["status"])
['verified', 'verified']

``verifier.sweep(spec, out=..., client=None)`` expands the spec (a TOML file or its dict,
:mod:`verifier.sweep.spec`), skips the instances the store already holds whole (:mod:`verifier.sweep.store`),
runs the others as Dask tasks (:func:`verifier.sweep.run.run_instance`) on a ``LocalCluster`` of one-thread
processes, on the scheduler address given, or on the ``distributed.Client`` given, writes each result as it
completes, and returns the results table (a pandas DataFrame, also written as ``results.parquet``).
``client="in-process"`` runs the instances one after another in this process (no Dask), for tests and tiny
sweeps.
"""

from __future__ import annotations

import os
import sys
import types
from collections import Counter

from ..errors import InputError

__all__ = ["sweep", "check_store", "load_spec", "expand", "is_store"]


def load_spec(spec):
    from .spec import load_spec as load, parse_spec
    if isinstance(spec, dict):
        return parse_spec(spec)
    return load(spec)


def expand(spec):
    """The instance list of a spec (a TOML file or its dict)."""
    from .spec import expand as ex
    return ex(load_spec(spec))


def is_store(path) -> bool:
    """Whether ``path`` is a sweep results folder."""
    return os.path.isfile(os.path.join(os.fspath(path), "sweep.json"))


def _software():
    import platform
    from importlib.metadata import PackageNotFoundError, version
    from ..version import __version__
    out = {"verifier": __version__, "python": platform.python_version()}
    for name in ("python-flint", "dask", "distributed", "pandas", "pyarrow"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def _local_cluster(workers):
    from distributed import Client, LocalCluster
    n = workers or max(1, os.cpu_count() or 1)
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=":0", silence_logs=40)
    return Client(cluster), cluster


def sweep(spec, out, *, client=None, scheduler: str | None = None, workers: int | None = None,
          progress=None, retry_inconclusive: bool = False):
    """Run a sweep; returns its results table (pandas DataFrame). See the module docstring.

    Parameters
    ----------
    spec : path or dict
        The TOML spec file, or its content as a dict.
    out : path
        The results folder (created; an existing one is resumed).
    client : distributed.Client, "in-process" or None
        Where the tasks run; None starts a LocalCluster (or connects to ``scheduler``).
    scheduler : str, optional
        A Dask scheduler address (``tcp://host:8786``).
    workers : int, optional
        Worker processes of the LocalCluster (default: the number of CPUs).
    progress : callable, optional
        Called with ``(done, total, counts_by_status)`` after each result.
    retry_inconclusive : bool
        Recompute instances stored as inconclusive by a budget (for a second try with larger budgets the
        options change, and with them the content address, so this is rarely needed).
    """
    from .run import run_instance
    from .store import Store, table
    parsed = load_spec(spec)
    from .spec import expand as ex
    instances = ex(parsed)
    store = Store(out)
    rows, todo = {}, []
    for inst in instances:
        row = store.row(inst["key"])
        if row is not None and not (retry_inconclusive and str(row.get("reason", "")).startswith("budget:")):
            rows[inst["key"]] = {**row, "index": inst["index"]}
        else:
            todo.append(inst)
    own = None
    if todo and client is None and scheduler:    # connect before writing: an unreachable scheduler leaves no folder
        from distributed import Client
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        own = (client, None)
    try:
        store.init(parsed, _software())
    except BaseException:
        if own is not None:
            own[0].close()
        raise
    counts = Counter(r["status"] for r in rows.values())
    total, done = len(instances), len(rows)
    if progress:
        progress(done, total, dict(counts))
    lost = []

    def record(result):
        nonlocal done
        row = store.write(result, parsed["theorem"])
        rows[result["key"]] = row
        counts[row["status"]] += 1
        done += 1
        if progress:
            progress(done, total, dict(counts))

    if todo and client == "in-process":
        for inst in todo:
            record(run_instance(inst, isolate=True))
    elif todo:
        if client is None:
            client, cluster = _local_cluster(workers)
            own = (client, cluster)
        try:
            if progress is not None and hasattr(progress, "dashboard") and _has_dashboard(client):
                progress.dashboard(client.dashboard_link)
            lost = _run_on(client, todo, record)
        finally:
            if own is not None:
                own[0].close()
                if own[1] is not None:
                    own[1].close()
    store.write_table(list(rows.values()))
    frame = table(list(rows.values()))
    frame.attrs.update(total=total, lost=lost, store=store.root)
    return frame


def _has_dashboard(client) -> bool:
    """Whether the cluster serves Dask's dashboard (it needs bokeh)."""
    import importlib.util
    try:
        return bool(client.dashboard_link) and importlib.util.find_spec("bokeh") is not None
    except (KeyError, AttributeError, ValueError):
        return False


def _run_on(client, todo, record):
    """Submit ``todo`` to a Dask client and record each result as it completes; returns the keys that ended
    without a result (a task whose workers kept dying), which a later run recomputes."""
    from distributed import as_completed
    from .run import run_instance
    futures = [client.submit(run_instance, inst, key=f"verifier-sweep-{inst['key']}", pure=False,
                             retries=2) for inst in todo]
    lost = []
    for fut in as_completed(futures):
        try:
            result = fut.result()
        except Exception as exc:           # KilledWorker, CancelledError: not a result, recomputed next time
            lost.append((fut.key, f"{type(exc).__name__}: {exc}"))
            continue
        record(result)
        fut.release()
    return lost


def check_store(path, *, client=None, progress=None) -> dict:
    """Re-verify every certificate of a results folder with the independent checker; returns
    ``{"total", "ok", "failed": [(path, first problem)], "tampered": [keys]}``."""
    from .store import Store
    store = Store(path, create=False)
    rows, tampered = store.rows()
    paths = [store.cert_path(row["key"], row["theorem"]) for row in rows if row.get("certificate_sha256")]
    results = []
    if client is not None and paths:
        futures = client.map(_check_one, paths, pure=False)
        results = client.gather(futures)
    else:
        for i, p in enumerate(paths):
            results.append(_check_one(p))
            if progress:
                progress(i + 1, len(paths))
    failed = [(p, msg) for p, (ok, msg) in zip(paths, results) if not ok]
    return {"total": len(paths), "ok": len(paths) - len(failed), "failed": failed, "tampered": tampered}


def _check_one(path):
    from ..api import check
    try:
        rep = check(path)
    except InputError as exc:
        return False, str(exc)
    if rep.ok:
        return True, ""
    lines = [ln.strip() for ln in rep.text().splitlines() if "problem" in ln or "FAIL" in ln]
    return False, (lines[0] if lines else rep.status)[:200]


class _SweepModule(types.ModuleType):
    """``verifier.sweep`` is this package and, called, :func:`sweep`."""

    def __call__(self, spec, out, **options):
        return sweep(spec, out, **options)


sys.modules[__name__].__class__ = _SweepModule
