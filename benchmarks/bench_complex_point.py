"""liao-poggio-nullstellensatz with and without the certified complex point, on random small polynomial networks.

Usage: python benchmarks/bench_complex_point.py [instances] [timeout_s] [seed]

Random one- and two-hidden-layer MLPs with biases (p in {1, 2}, widths 1..3, activation t^2, t^3 or a random
quadratic), n <= 12, d in 1..8 data points with small random rational inputs and targets. Each instance is run
twice: with the complex point switched off (the behaviour before it existed) and on; the table lists the
statuses, the times and the route that found the point. Every certificate is re-checked by the checker.
"""

from __future__ import annotations

import json
import random
import sys
import time

from flint import fmpq

from verifier.activations import polynomial, power
from verifier.checker import check_certificate
from verifier.data import Dataset
from verifier.network import mlp
from verifier.theorems import liao_poggio


def instance(rng):
    while True:
        p = rng.choice([1, 2])
        widths = [rng.randint(1, 3)] if rng.random() < 0.7 else [rng.randint(1, 2), rng.randint(1, 2)]
        act = rng.choice([power(2), power(3),
                          polynomial([str(fmpq(rng.randint(-3, 3), rng.randint(1, 3))),
                                      str(fmpq(rng.randint(-3, 3), rng.randint(1, 3))),
                                      str(fmpq(rng.choice([-3, -2, -1, 1, 2, 3]), rng.randint(1, 3)))])])
        net = mlp(p, widths, activation=act)
        if net.n > 12:
            continue
        d = rng.randint(1, 8)
        X = [[fmpq(rng.choice([-3, -2, -1, 1, 2, 3]), rng.randint(1, 3)) for _ in range(p)] for _ in range(d)]
        Y = [[fmpq(rng.randint(-3, 3), rng.randint(1, 3))] for _ in range(d)]
        return net, Dataset(X, Y), act.name


def run(net, data, timeout, on):
    saved = liao_poggio._complex_point_claim
    if not on:
        liao_poggio._complex_point_claim = lambda *a, **k: (None, "complex point switched off")
    try:
        t0 = time.perf_counter()
        cert = liao_poggio.run(type("T", (), {"id": "liao-poggio-nullstellensatz"}), data, network=net,
                               timeout=timeout)
        dt = time.perf_counter() - t0
    finally:
        liao_poggio._complex_point_claim = saved
    doc = cert.to_json()
    rep = check_certificate(json.loads(json.dumps(doc)))
    cp = next((c for c in doc["claims"] if c["id"] == "complex-point"), None)
    return doc["status"], rep.status, dt, (cp["evidence"]["route"] if cp else "")


def main():
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    flips = incon = 0
    print(f"{'#':>3} {'n':>3} {'m':>3} {'act':10s} {'before':13s} {'s':>6} {'after':13s} {'s':>6} route")
    for i in range(k):
        net, data, act = instance(rng)
        b, bc, bt, _ = run(net, data, timeout, False)
        a, ac, at, route = run(net, data, timeout, True)
        assert bc == b and ac == a, (b, bc, a, ac)
        incon += b == "inconclusive"
        flips += b == "inconclusive" and a != "inconclusive"
        print(f"{i:3d} {net.n:3d} {data.d:3d} {act:10s} {b:13s} {bt:6.2f} {a:13s} {at:6.2f} {route}", flush=True)
    print(f"inconclusive before: {incon} of {k}; decided now: {flips}")


if __name__ == "__main__":
    main()
