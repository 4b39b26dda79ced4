"""Sweeps: what the sweep machinery costs per instance, and how two workers compare with one.

Usage::

    PYTHONPATH=. python benchmarks/bench_sweep.py                 # about a minute on 2 cores
    PYTHONPATH=. python benchmarks/bench_sweep.py --reps 3        # part (b) three times, alternating 1 and 2 workers
    PYTHONPATH=. python benchmarks/bench_sweep.py --json out.json

(a) **Per-instance overhead.** N = 40 tiny Theorem 4.1 instances (3 points in 2 dimensions, one seed each:
``draws = 40``). The baseline, in this process and in the same run: for each instance, build its data as a
sweep does (:func:`verifier.sweep.spec.build`), then ``verifier.verify`` (and ``cert.to_json()``, which a
sweep's ``seconds`` also covers), then the independent checker on the JSON round trip, which every sweep task
also runs. The same instances then run through ``verifier.sweep`` into a fresh store, in-process
(``client="in-process"``: a forked child per instance) and on a 1-worker ``LocalCluster`` started beforehand
(its start and the worker's one-time imports are timed apart). Columns:

* ``row overhead``: ``task_seconds - seconds - check_seconds`` of each row: the time the task spends beyond
  the proof and the check (fork, pipe, JSON, the row); mean and p90 over the rows;
* ``row task - seconds``: ``task_seconds - seconds``, the same with the check left in;
* ``wall/inst``: the sweep's wall seconds divided by N (expansion, store, rows, certificates, the table and,
  on the cluster, scheduling and transfers included);
* ``wall overhead``: ``wall/inst`` minus the baseline's verify + check per instance.

Target: the mean overheads under 50 ms per instance.

(b) **Two workers vs one.** 16 Theorem 4.1 instances of about half a second each (``--points`` points in 4
dimensions), on a LocalCluster of 1 and then of 2 one-thread worker processes, each cluster started and its
workers' imports done before the clock starts; wall seconds of the sweep into a fresh store and the ratio.
Target: >= 1.7x on 2 cores. Next to it, the speed-up the machine itself gives two processes at that moment (the
same pure-Python loop twice, serially and in two processes): on a shared machine whose other work holds a core,
that reference is near 1.0 and no sweep can do better.

Prints the machine (cores, the load average before and after each part) with the tables; exits 0 even when a
target is missed (the table says so).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time


def _p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def _load():
    return "%.2f" % os.getloadavg()[0]


def _commit():
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        head = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--", "../verifier"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + ("+dirty" if dirty else "")


def machine():
    import verifier
    model = ""
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    from importlib.metadata import version
    return {"cpu_model": model or platform.machine(), "nproc": os.cpu_count(),
            "usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "python": platform.python_version(), "dask": version("dask"), "distributed": version("distributed"),
            "verifier_path": os.path.dirname(os.path.abspath(verifier.__file__)), "commit": _commit()}


def tiny_spec(n):
    return {"theorem": "cooper-4.1", "seed": 0, "draws": n, "data": {"inputs": 2, "points": 3}}


def heavy_spec(n, points):
    return {"theorem": "cooper-4.1", "seed": 1, "draws": n, "data": {"inputs": 4, "points": points}}


def baseline(spec):
    """verify (+ to_json) and check per instance, called directly in this process."""
    import verifier
    from verifier.checker import check_certificate
    from verifier.sweep import expand
    from verifier.sweep.spec import build
    verify_s, check_s = [], []
    for inst in expand(spec):
        _, data, _ = build(inst)
        t0 = time.perf_counter()
        cert = verifier.verify(inst["theorem"], data, seed=inst["seed"], **inst["options"])
        doc = cert.to_json()
        t1 = time.perf_counter()
        rep = check_certificate(json.loads(json.dumps(doc)))
        t2 = time.perf_counter()
        assert cert.status == "verified" and rep.ok, (cert.status, rep.ok)
        verify_s.append(t1 - t0)
        check_s.append(t2 - t1)
    return verify_s, check_s


def local_cluster(n):
    from distributed import Client, LocalCluster
    from verifier.sweep.run import _warm
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=40)
    client = Client(cluster)
    client.wait_for_workers(n)
    t1 = time.perf_counter()
    client.run(_warm, "cooper-4.1")          # the imports each worker does once, before its first fork
    t2 = time.perf_counter()
    return client, cluster, t1 - t0, t2 - t1


def timed_sweep(spec, client):
    import verifier
    out = tempfile.mkdtemp(prefix="bench-sweep-")
    t0 = time.perf_counter()
    frame = verifier.sweep(spec, os.path.join(out, "r"), client=client)
    wall = time.perf_counter() - t0
    assert len(frame) == spec["draws"] and set(frame["status"]) == {"verified"}, frame["status"].value_counts()
    assert not frame.attrs.get("lost")
    import shutil
    shutil.rmtree(out, ignore_errors=True)
    return frame, wall


def overhead_row(name, frame, wall, n, base_verify, base_check):
    check = frame["check_seconds"] if "check_seconds" in frame.columns else 0.0
    machinery = list(frame["task_seconds"] - frame["seconds"] - check)
    with_check = list(frame["task_seconds"] - frame["seconds"])
    base = statistics.mean(base_verify) + statistics.mean(base_check)
    return {"how": name, "n": n, "row_overhead_mean_ms": 1e3 * statistics.mean(machinery),
            "row_overhead_median_ms": 1e3 * statistics.median(machinery),
            "task_minus_seconds_median_ms": 1e3 * statistics.median(with_check),
            "row_overhead_p90_ms": 1e3 * _p90(machinery),
            "task_minus_seconds_mean_ms": 1e3 * statistics.mean(with_check),
            "task_minus_seconds_p90_ms": 1e3 * _p90(with_check), "wall_per_instance_ms": 1e3 * wall / n,
            "wall_overhead_ms": 1e3 * (wall / n - base),
            "theorem_seconds_mean_ms": 1e3 * float(frame["seconds"].mean()),
            "check_seconds_mean_ms": 1e3 * float(check.mean()) if hasattr(check, "mean") else 0.0}


def part_a(n):
    spec = tiny_spec(n)
    load0 = _load()
    baseline(tiny_spec(3))                   # imports and first-call costs out of the way
    bv, bc = baseline(spec)
    rows = [{"how": "baseline: verify + check in a loop", "n": n, "verify_mean_ms": 1e3 * statistics.mean(bv),
             "verify_p90_ms": 1e3 * _p90(bv), "check_mean_ms": 1e3 * statistics.mean(bc),
             "check_p90_ms": 1e3 * _p90(bc)}]
    frame, wall = timed_sweep(spec, "in-process")
    rows.append(overhead_row("sweep in-process (fork per instance)", frame, wall, n, bv, bc))
    client, cluster, start_s, warm_s = local_cluster(1)
    try:
        frame, wall = timed_sweep(spec, client)
    finally:
        client.close()
        cluster.close()
    row = overhead_row("sweep on a 1-worker LocalCluster", frame, wall, n, bv, bc)
    row.update(cluster_start_s=start_s, worker_imports_s=warm_s)
    rows.append(row)
    return {"rows": rows, "load_before": load0, "load_after": _load()}


def _spin(n):
    t0 = time.perf_counter()
    x = 0
    for i in range(n):
        x += i * i
    return time.perf_counter() - t0


def machine_parallelism(n=10_000_000):
    """The same pure-Python loop twice, one after the other and then in two processes: the speed-up this
    machine gives two processes right now (2.0 on two idle cores; about 1.0 when other work holds a core)."""
    from concurrent.futures import ProcessPoolExecutor
    t0 = time.perf_counter()
    _spin(n), _spin(n)
    serial = time.perf_counter() - t0
    with ProcessPoolExecutor(2) as ex:
        list(ex.map(_spin, [1000, 1000]))
        t0 = time.perf_counter()
        list(ex.map(_spin, [n, n]))
        parallel = time.perf_counter() - t0
    return serial / parallel


def part_b(n, points, reps):
    spec = heavy_spec(n, points)
    load0 = _load()
    spin = [machine_parallelism()]
    runs = []
    for rep in range(reps):
        for workers in (1, 2):
            client, cluster, start_s, warm_s = local_cluster(workers)
            try:
                load = _load()
                frame, wall = timed_sweep(spec, client)
            finally:
                client.close()
                cluster.close()
            runs.append({"rep": rep, "workers": workers, "wall_s": wall, "cluster_start_s": start_s,
                         "worker_imports_s": warm_s, "task_seconds_mean": float(frame["task_seconds"].mean()),
                         "seconds_mean": float(frame["seconds"].mean()), "load": load})
        spin.append(machine_parallelism())
    w1 = [r["wall_s"] for r in runs if r["workers"] == 1]
    w2 = [r["wall_s"] for r in runs if r["workers"] == 2]
    ratios = [a / b for a, b in zip(w1, w2)]
    return {"runs": runs, "n": n, "points": points, "median_wall_1": statistics.median(w1),
            "median_wall_2": statistics.median(w2), "ratios": ratios, "median_ratio": statistics.median(ratios),
            "load_before": load0, "load_after": _load(), "machine_parallelism": spin}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=40, help="tiny instances in part (a) (default 40)")
    ap.add_argument("--heavy", type=int, default=16, help="instances in part (b) (default 16)")
    ap.add_argument("--points", type=int, default=120, help="points per instance in part (b) (default 120)")
    ap.add_argument("--reps", type=int, default=1, help="repetitions of part (b), 1 and 2 workers alternating")
    ap.add_argument("--skip-a", action="store_true")
    ap.add_argument("--skip-b", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="also write every number as JSON")
    args = ap.parse_args(argv)
    info = machine()
    print(f"sweep benchmark: {info['cpu_model']}, {info['nproc']} CPUs ({info['usable']} usable), "
          f"Python {info['python']}, dask {info['dask']}, distributed {info['distributed']}")
    print(f"verifier at {info['verifier_path']} (commit {info['commit']}); load average {_load()} at the start")
    result = {"machine": info}
    if not args.skip_a:
        a = part_a(args.n)
        result["a"] = a
        base = a["rows"][0]
        print(f"\n(a) per-instance overhead, N = {args.n} cooper-4.1 instances (3 points, 2 inputs); "
              f"load {a['load_before']} -> {a['load_after']}")
        print(f"    baseline (this process, no sweep): verify {base['verify_mean_ms']:.1f} ms mean "
              f"(p90 {base['verify_p90_ms']:.1f}), check {base['check_mean_ms']:.1f} ms mean "
              f"(p90 {base['check_p90_ms']:.1f})")
        head = (f"    {'how':38s} {'row overhead ms':>20s} {'task - seconds ms':>20s} {'theorem ms':>10s} "
                f"{'check ms':>9s} {'wall/inst ms':>12s} {'wall overhead ms':>16s}  target")
        print(head)
        print(f"    {'':38s} {'mean/median/p90':>20s} {'mean/median/p90':>20s} {'mean':>10s} {'mean':>9s}")
        print("    " + "-" * (len(head) - 4))
        for r in a["rows"][1:]:
            ok = r["row_overhead_mean_ms"] < 50 and r["wall_overhead_ms"] < 50
            print(f"    {r['how']:38s} {r['row_overhead_mean_ms']:6.1f} /{r['row_overhead_median_ms']:5.1f} /"
                  f"{r['row_overhead_p90_ms']:5.1f} {r['task_minus_seconds_mean_ms']:6.1f} /"
                  f"{r['task_minus_seconds_median_ms']:5.1f} /{r['task_minus_seconds_p90_ms']:5.1f} "
                  f"{r['theorem_seconds_mean_ms']:10.1f} {r['check_seconds_mean_ms']:9.1f} "
                  f"{r['wall_per_instance_ms']:12.1f} {r['wall_overhead_ms']:16.1f}  "
                  f"{'< 50 ms: ok' if ok else '< 50 ms: MISSED'}")
            if "cluster_start_s" in r:
                print(f"    (LocalCluster start {r['cluster_start_s']:.2f} s and the worker's imports "
                      f"{r['worker_imports_s']:.2f} s, once per sweep, not in the columns)")
    if not args.skip_b:
        b = part_b(args.heavy, args.points, args.reps)
        result["b"] = b
        print(f"\n(b) 2 workers vs 1: {b['n']} cooper-4.1 instances ({b['points']} points, 4 inputs); "
              f"load {b['load_before']} -> {b['load_after']}")
        print(f"    {'rep':>3s} {'workers':>7s} {'wall s':>7s} {'task s/inst':>11s} {'theorem s/inst':>14s} "
              f"{'cluster start s':>15s} {'imports s':>9s} {'load':>5s}")
        for r in b["runs"]:
            print(f"    {r['rep']:3d} {r['workers']:7d} {r['wall_s']:7.2f} {r['task_seconds_mean']:11.3f} "
                  f"{r['seconds_mean']:14.3f} {r['cluster_start_s']:15.2f} {r['worker_imports_s']:9.2f} "
                  f"{r['load']:>5s}")
        print(f"    median wall: 1 worker {b['median_wall_1']:.2f} s, 2 workers {b['median_wall_2']:.2f} s; "
              f"speed-up {b['median_ratio']:.2f}x (each rep: {', '.join('%.2f' % x for x in b['ratios'])}); "
              f"target >= 1.7x on 2 cores: {'ok' if b['median_ratio'] >= 1.7 else 'MISSED'}")
        print(f"    the machine's own 2-process speed-up (a pure-Python loop, before and after each rep): "
              f"{', '.join('%.2f' % x for x in b['machine_parallelism'])}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
