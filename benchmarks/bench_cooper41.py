"""Benchmark: certify Cooper's Theorem 4.1 on random data, re-check the certificate, compare with mpmath.

For each size d: a seeded random dataset (p columns of exact rationals k/50,
scalar targets k/50), ``verifier.verify("cooper-4.1", data, prec_bits=...)``
timed, the certificate serialised to JSON and re-checked with
``verifier.checker.check_certificate`` (timed), and the same Krawczyk proof
re-done with mpmath's interval arithmetic (``benchmarks/mpmath_baseline.py``)
on the very same instance (network and point read from the certificate).

Above ``--skip-baseline-above`` the mpmath baseline is not run (its matrix
products are O(d^3) Python-level operations): its time is then an ESTIMATE,
each phase scaled from the largest size measured in this run (O(d^2) phases by
d^2, O(d^3) phases by d^3), and is printed as such. ``--skip-baseline-above 0``
turns the baseline off.

    PYTHONPATH=. python benchmarks/bench_cooper41.py                  # d = 50, 200, 1000
    PYTHONPATH=. python benchmarks/bench_cooper41.py --sizes 200 --skip-baseline-above 0
    PYTHONPATH=. python benchmarks/bench_cooper41.py --json results.json

Exit status 0 when every certificate is verified, re-checks, and every
measured baseline agrees; 1 otherwise. Missing a time target does not change
the exit status (it is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
if _ROOT not in sys.path:
    sys.path.append(_ROOT)      # after PYTHONPATH: a verifier given there is the one measured

import flint  # noqa: E402
import mpmath  # noqa: E402
from flint import fmpq  # noqa: E402

import mpmath_baseline  # noqa: E402
import verifier  # noqa: E402
from verifier.checker import check_certificate  # noqa: E402

# Targets from the issue: seconds, per size.
TARGETS = {200: {"verify": 5.0, "check": 2.0}, 1000: {"verify": 60.0}}


def make_dataset(d: int, p: int, seed: int) -> verifier.Dataset:
    """d distinct points in Q^p with entries k/50 (k in [-1000, 1000]) and scalar targets k/50."""
    rng = random.Random(1_000_003 * seed + d)
    X, seen = [], set()
    while len(X) < d:
        ks = tuple(rng.randint(-1000, 1000) for _ in range(p))
        if ks not in seen:
            seen.add(ks)
            X.append([fmpq(k, 50) for k in ks])
    Y = [[fmpq(rng.randint(-1000, 1000), 50)] for _ in range(d)]
    return verifier.Dataset(X, Y, source=f"random d={d} p={p} seed={seed}")


def _commit() -> str:
    """The git commit of the measured verifier package, with '+dirty' when its files differ from it."""
    import subprocess
    if os.environ.get("BENCH_VERIFIER_COMMIT"):       # e.g. when measuring an exported snapshot
        return os.environ["BENCH_VERIFIER_COMMIT"] + " (as given in BENCH_VERIFIER_COMMIT)"
    pkg = os.path.dirname(os.path.abspath(verifier.__file__))
    try:
        head = subprocess.run(["git", "-C", pkg, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return "unknown (not a git checkout)"
        dirty = subprocess.run(["git", "-C", pkg, "status", "--porcelain", "--", "."], capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return head.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine() -> dict:
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        affinity = None
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    return {"cpu_model": model or platform.processor() or platform.machine(), "verifier_path": os.path.dirname(os.path.abspath(verifier.__file__)), "verifier_commit": _commit(),
            "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "cpus_usable": affinity, "python": platform.python_version(),
            "python-flint": flint.__version__, "mpmath": mpmath.__version__,
            "mpmath_backend": mpmath.libmp.BACKEND, "verifier": verifier.__version__}


def run_size(d: int, p: int, prec: int, seed: int, baseline: bool, log) -> dict:
    data = make_dataset(d, p, seed)
    load0 = _load()
    log(f"d = {d}: verify ...")
    t, c = time.perf_counter(), time.process_time()
    cert = verifier.verify("cooper-4.1", data, prec_bits=prec)
    verify_s, verify_cpu = time.perf_counter() - t, time.process_time() - c
    t = time.perf_counter()
    text = json.dumps(cert.to_json())
    serialise_s = time.perf_counter() - t
    doc = json.loads(text)
    log(f"d = {d}: verify {verify_s:.2f} s ({cert.status}); check ...")
    t, c = time.perf_counter(), time.process_time()
    report = check_certificate(doc)
    check_s, check_cpu = time.perf_counter() - t, time.process_time() - c
    row = {"d": d, "p": p, "n": cert.summary_info.get("n"), "prec_bits": prec, "verify_s": verify_s, "verify_cpu_s": verify_cpu,
           "verify_phases_s": dict(cert.timings_s), "serialise_s": serialise_s, "json_bytes": len(text),
           "check_s": check_s, "check_cpu_s": check_cpu, "verify_status": cert.status, "check_status": report.status,
           "check_ok": report.ok, "zero_message": next((c.message for c in cert.claims if c.id == "zero"), ""),
           "baseline": None}
    log(f"d = {d}: check {check_s:.2f} s ({report.status})")
    if baseline and cert.status == "verified":
        log(f"d = {d}: mpmath baseline ...")
        c = time.process_time()
        res = mpmath_baseline.run(doc, data.X, data.Y, prec)
        row["baseline"] = {"kind": "measured", "seconds": res["seconds"], "cpu_s": time.process_time() - c,
                           "phases_s": res["phases"],
                           "ok": res["ok"], "message": res["message"]}
        log(f"d = {d}: baseline {res['seconds']:.2f} s ({'verified' if res['ok'] else 'FAILED'})")
    row["loadavg_1min"] = [load0, _load()]
    return row


def _load():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover
        return None


def _targets(row) -> str:
    tg = TARGETS.get(row["d"])
    if not tg:
        return "-"
    parts = []
    for key, lim in tg.items():
        val = row[f"{key}_s"]
        parts.append(f"{key} < {lim:g} s: {'met' if val < lim else 'MISSED'}")
    return "; ".join(parts)


def _status(row) -> str:
    bad = []
    if row["verify_status"] != "verified":
        bad.append(f"verify {row['verify_status']}")
    if not row["check_ok"]:
        bad.append(f"check {row['check_status']}")
    b = row["baseline"]
    if b and b["kind"] == "measured" and not b["ok"]:
        bad.append("baseline failed")
    return "verified" if not bad else ", ".join(bad)


def table(rows, info, args) -> str:
    out = [f"cooper-4.1 benchmark: p = {args.p}, {args.prec}-bit balls, seed {args.seed}",
           f"machine: {info['cpu_model']} ({info['processor']}), {info['platform']}, {info['cpu_count']} CPUs "
           f"({info['cpus_usable']} usable), Python {info['python']}",
           f"python-flint {info['python-flint']}, mpmath {info['mpmath']} (backend {info['mpmath_backend']})",
           f"verifier {info['verifier']} at {info['verifier_path']} (commit {info['verifier_commit']})",
           "targets (issue): d=200 verify < 5 s and check < 2 s; d=1000 verify < 60 s",
           "times are wall seconds; 'cpu' is this process's CPU seconds (less sensitive to other load)", ""]
    head = (f"{'d':>5} {'n':>6} {'verify s':>9} {'(cpu)':>7} {'check s':>8} {'(cpu)':>7} {'baseline s':>16} "
            f"{'base/verify':>12}  {'status':<9} {'load':>9}  targets")
    out += [head, "-" * len(head)]
    notes = []
    for r in rows:
        b = r["baseline"]
        if b is None:
            bs, ratio = "skipped", "-"
        elif b["kind"] == "measured":
            bs, ratio = f"{b['seconds']:.2f}", f"{b['seconds'] / r['verify_s']:.1f}"
        else:
            bs, ratio = f"~{b['seconds']:.0f} (est.)", f"~{b['seconds'] / r['verify_s']:.0f} (est.)"
            notes.append(f"d = {r['d']}: baseline NOT measured; ESTIMATE from the phases measured at "
                         f"d = {b['from_d']} (O(d^2) phases x (d/{b['from_d']})^2, O(d^3) phases x "
                         f"(d/{b['from_d']})^3)")
        load = "/".join("?" if x is None else f"{x:.1f}" for x in r["loadavg_1min"])
        out.append(f"{r['d']:>5} {r['n']:>6} {r['verify_s']:>9.2f} {r['verify_cpu_s']:>7.2f} {r['check_s']:>8.2f} "
                   f"{r['check_cpu_s']:>7.2f} {bs:>16} {ratio:>12}  {_status(r):<9} {load:>9}  {_targets(r)}")
    out.append("")
    out.append("load: the 1-minute load average before/after the size (other processes on the machine)")
    for r in rows:
        out.append(f"d={r['d']} verify phases (s): " + ", ".join(
            f"{k} {v:.2f}" for k, v in r["verify_phases_s"].items()) + f"; zero claim: {r['zero_message']}")
    for r in rows:
        b = r["baseline"]
        if b and b["kind"] == "measured":
            out.append(f"d={r['d']} mpmath baseline phases (s): " + ", ".join(
                f"{k} {v:.2f}" for k, v in b["phases_s"].items()) + f"; cpu {b['cpu_s']:.2f} s, cpu ratio "
                f"baseline/verify {b['cpu_s'] / max(r['verify_cpu_s'], 1e-9):.1f}; {b['message']}")
    out += notes
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="50,200,1000", help="comma-separated d values (default 50,200,1000)")
    ap.add_argument("--p", type=int, default=10, help="input columns (default 10)")
    ap.add_argument("--prec", type=int, default=128, help="ball precision in bits (default 128)")
    ap.add_argument("--seed", type=int, default=0, help="dataset seed (default 0)")
    ap.add_argument("--skip-baseline-above", type=int, default=200, metavar="D",
                    help="run the mpmath baseline only for d <= D and estimate it above (default 200; 0: never)")
    ap.add_argument("--json", nargs="?", const="-", metavar="FILE",
                    help="write the results as JSON to FILE; '--json' alone prints JSON instead of the table")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    log = (lambda s: None) if args.quiet else (lambda s: print(f"[{time.strftime('%H:%M:%S')}] {s}",
                                                                file=sys.stderr, flush=True))
    info = machine()
    rows = []
    for d in sizes:
        rows.append(run_size(d, args.p, args.prec, args.seed, 0 < d <= args.skip_baseline_above, log))
    # Baseline estimates above the threshold, from the largest size measured in this run.
    big = [r for r in rows if r["baseline"] is None and 0 < args.skip_baseline_above < r["d"]]
    if big:
        measured = [r for r in rows if r["baseline"] and r["baseline"]["kind"] == "measured" and r["baseline"]["ok"]]
        if measured:
            ref = max(measured, key=lambda r: r["d"])
        else:
            d_ref = args.skip_baseline_above
            log(f"no baseline measured at d <= {d_ref}: measuring it at d = {d_ref} for the estimate")
            ref = run_size(d_ref, args.p, args.prec, args.seed, True, log)
        for r in big:
            est = mpmath_baseline.extrapolate(ref["baseline"]["phases_s"], ref["d"], r["d"])
            r["baseline"] = {"kind": "estimate", "seconds": est, "from_d": ref["d"],
                             "note": "NOT measured: each phase of the measured run scaled by its order in d"}
    text = table(rows, info, args)
    if args.json == "-":
        print(json.dumps({"machine": info, "args": vars(args), "targets_s": TARGETS, "rows": rows}, indent=1))
    else:
        print(text)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump({"machine": info, "args": vars(args), "targets_s": TARGETS, "rows": rows}, fh, indent=1)
    return 0 if all(_status(r) == "verified" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
