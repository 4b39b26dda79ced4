"""`verifier landscape` on scikit-learn's bundled digits: the whole experiment, timed.

The task ``digits``: 300 distinct 8x8 images (pixels / 16), scalar target (class - 4.5)/4.5, a 64-96-96-1
tanh MLP (n = 15,649 weights, l*d = 300). By default 8 runs of 1000 full-batch Adam steps, 2 perturbation
branches per run from step 500, every endpoint pushed to M and certified in the floating-point tier,
figures, report. The target (issue 19): within 15 minutes on CPU.

Prints one table: total seconds and its phases, n, d, endpoints reached / certified, the 1-minute load
average before and after (the machine may be shared: say so when quoting the number).

Usage::

    python benchmarks/bench_landscape.py                     # runs 8, branches 2, steps 1000
    python benchmarks/bench_landscape.py --runs 2 --steps 300
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--branches", type=int, default=2)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="keep the results here (default: a temporary folder)")
    args = ap.parse_args(argv)
    from verifier.landscape.experiments import run_landscape
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or os.path.join(tmp, "landscape")
        t0 = time.perf_counter()
        c0 = time.process_time()
        res = run_landscape(task="digits", runs=args.runs, branches=args.branches, steps=args.steps, lr=args.lr,
                            seed=args.seed, out=out)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    load1 = os.getloadavg()[0]
    eps = res["endpoints"]
    reached = sum(ep["reached_M"] for ep in eps)
    cert = sum(bool(ep["certificate"].get("certified")) for ep in eps)
    t = res["timings_s"]
    print("| task | n | d | runs x (1 + branches) | steps | reached M | certified | total s (cpu s) | training | "
          "endpoints | MDS+PCA | interp. | surface | figures+files | load before/after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    files = wall - t["total"]
    print(f"| digits | {res['n']} | {res['d']} | {args.runs} x {1 + args.branches} | {args.steps} | {reached}/{len(eps)} "
          f"| {cert}/{len(eps)} | {wall:.0f} ({cpu:.0f}) | {t['training']:.0f} | {t['endpoints']:.0f} | "
          f"{t['mds_pca']:.0f} | {t['interpolation']:.0f} | {t['surface']:.0f} | {files:.0f} | "
          f"{load0:.2f}/{load1:.2f} |")
    return 0 if wall <= 900 else 1


if __name__ == "__main__":
    sys.exit(main())
