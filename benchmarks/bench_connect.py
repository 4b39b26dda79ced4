"""Benchmark: cooper-connected (verifier connect) against certifying one point (cooper-2.1), same network.

For MLPs p-h-1 (tanh) on d seeded points: two zeros w0, w1 (Gauss-Newton from a seeded start; w1 from w0 plus
noise, or from an independent start), then the certified path between them, and the checker's re-run. The
baseline, measured in the same run: cooper-2.1 at w0 (one Krawczyk test on l*d unknowns). Prints one row per
case: n, d, segments, legs, seconds to search and certify, seconds per segment, seconds to check, and the ratio
to the baseline.

Usage::

    PYTHONPATH=. python benchmarks/bench_connect.py [--quick]

The target (issue: landscape): an MLP with n about 1,000 and d about 50 within 5 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import verifier
from verifier.search import gauss_newton
from verifier.system import compile_system

CASES = [  # (p, hidden, d, noise or None for an independent start)
    (3, 20, 10, 0.3),
    (10, 80, 50, 0.1),
    (10, 80, 50, 0.5),
    (10, 80, 50, None),
]


def instance(p, h, d, noise, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(d, p))
    Y = rng.uniform(-1, 1, size=(d, 1))
    data = verifier.dataset_from_arrays(X.tolist(), Y.tolist())
    net = verifier.mlp(p, [h], l=1, activation="tanh")
    s = compile_system(net, data)
    w0 = gauss_newton(s, rng.normal(size=net.n) / np.sqrt(p), steps=60)
    start = w0 + noise * rng.normal(size=net.n) if noise is not None else rng.normal(size=net.n) / np.sqrt(p)
    w1 = gauss_newton(s, start, steps=60)
    return net, data, [float(x) for x in w0], [float(x) for x in w1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the smallest case")
    args = ap.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"{'n':>5} {'d':>4} {'pair':>12} {'status':>12} {'segments':>8} {'legs':>4} {'search s':>9} "
          f"{'s/segment':>9} {'check s':>8} {'2.1 s':>7} {'ratio':>7}")
    for p, h, d, noise in CASES[:1] if args.quick else CASES:
        net, data, w0, w1 = instance(p, h, d, noise)
        t = time.perf_counter()
        base = verifier.verify("cooper-2.1", data, network=net, point=w0)
        t_base = time.perf_counter() - t
        t = time.perf_counter()
        cert = verifier.verify("cooper-connected", data, network=net, start=w0, end=w1, timeout=1200, grid=0)
        t_path = time.perf_counter() - t
        t = time.perf_counter()
        report = verifier.check(cert)
        t_check = time.perf_counter() - t
        ev = next(c for c in cert.to_json()["claims"] if c["id"] == "path")["evidence"]
        legs = ev.get("legs", [])
        segs = sum(len(g["segments"]) for g in legs)
        pair = f"noise {noise}" if noise is not None else "independent"
        print(f"{net.n:>5} {d:>4} {pair:>12} {cert.status + ('' if report.ok else '*'):>12} {segs:>8} "
              f"{len(legs):>4} {t_path:>9.1f} {t_path / max(segs, 1):>9.3f} {t_check:>8.1f} {t_base:>7.2f} "
              f"{t_path / t_base:>7.1f}" + ("" if base.status == "verified" else "  (2.1: " + base.status + ")"))
    print("(* the checker did not accept the certificate)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
