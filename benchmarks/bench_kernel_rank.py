"""liao-poggio-dimension's generic rank with and without its upper-bound routes, on random polynomial networks.

Usage: python benchmarks/bench_kernel_rank.py [instances] [timeout_s] [seed] [--bottleneck]

Random MLPs (depth 1-3, one or two outputs, two outputs also behind two hidden layers), conv1d networks and
the Liao-Poggio tree with t^2, t^3, t + t^2, 1 + t^2 + t^3 or the identity, n <= 12, d in 1..8 points (plain,
collinear, repeated or zero inputs). Each instance is run three times: the symmetry fields and the function
space only; plus the kernel of J over Q(w) (Cramer's rule, syz); plus the factorizations through a cut (the
default, tried before the kernel). With ``--bottleneck`` the draw is MLPs with a narrow hidden layer instead
(inputs 2-3, two or three hidden layers one of which has width 1 or 2, one or two outputs, t^2, t^3 or t + t^2,
no biases, 6 to 15 points, n <= 30): the defective architectures where the kernel vectors have high degree.
Prints, per route, how many generic-rank claims are verified and the median
and largest time, and whether the checker reaches the same status on every generic-rank claim.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time

from flint import fmpq

from verifier.activations import polynomial
from verifier.checker import check_certificate
from verifier.data import Dataset
from verifier.errors import BudgetExceeded
from verifier.network import conv1d, liao_poggio_tree, mlp
from verifier.theorems import liao_poggio, verify

ACTS = [polynomial([0, 0, 1]), polynomial([0, 0, 0, 1]), polynomial([0, 1, 1]), polynomial([0, 1]),
        polynomial([1, 0, 1, 1])]


def instance(rng):
    while True:
        act, bias = rng.choice(ACTS), rng.random() < 0.6
        kind = rng.choice(["mlp", "mlp2", "mlp2", "conv", "tree"])
        if kind == "mlp":
            p = rng.randint(1, 3)
            net = mlp(p, [rng.randint(1, 3) for _ in range(rng.randint(1, 3))], activation=act, bias=bias)
        elif kind == "mlp2":
            p = rng.randint(1, 3)
            widths = [rng.randint(1, 2) for _ in range(rng.randint(1, 2))]
            net = mlp(p, widths, l=2, activation=act, bias=bias)
        elif kind == "conv":
            p = rng.randint(2, 5)
            net = conv1d(p, rng.randint(1, min(3, p)), activation=act, bias=bias)
        else:
            net = liao_poggio_tree(activation=act, bias=bias)
            p = len(net.inputs)
        if net.n > 12:
            continue
        d, shape = rng.randint(1, 8), rng.choice(["plain", "plain", "collinear", "repeat", "zero"])
        X = []
        for i in range(d):
            if shape == "collinear":
                t = fmpq(rng.randint(-9, 9), rng.randint(1, 5))
                X.append([t * (k + 1) for k in range(p)])
            elif shape == "repeat" and i == d - 1 and i > 0:
                X.append(list(X[0]))
            elif shape == "zero" and i == 0:
                X.append([fmpq(0)] * p)
            else:
                X.append([fmpq(rng.randint(-9, 9), rng.randint(1, 5)) for _ in range(p)])
        Y = [[fmpq(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(net.l)] for _ in range(d)]
        try:
            return net, Dataset(X, Y), shape
        except Exception:           # noqa: BLE001 - a drawn dataset the loader refuses (duplicate rows): draw again
            continue


def bottleneck_instance(rng):
    while True:
        act = rng.choice(ACTS[:3])
        p = rng.randint(2, 3)
        widths = [rng.randint(1, 4) for _ in range(rng.randint(2, 3))]
        widths[rng.randrange(len(widths))] = rng.randint(1, 2)
        net = mlp(p, widths, l=rng.randint(1, 2), activation=act, bias=False)
        if net.n > 30:
            continue
        d = rng.randint(6, 15)
        X = [[fmpq(rng.randint(-20, 20), 16) for _ in range(p)] for _ in range(d)]
        Y = [[fmpq(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(net.l)] for _ in range(d)]
        try:
            return net, Dataset(X, Y), "bottleneck"
        except Exception:           # noqa: BLE001 - a drawn dataset the loader refuses (duplicate rows): draw again
            continue


def run(net, data, timeout):
    t0 = time.perf_counter()
    cert = verify("liao-poggio-dimension", data, network=net, groebner=False, timeout=timeout)
    seconds = time.perf_counter() - t0
    claim = next(c for c in cert.claims if c.id == "generic-rank")
    rep = check_certificate(json.loads(json.dumps(cert.to_json())))
    checked = [r["checked"] for r in rep.results if r["id"] == "generic-rank"]
    return claim.status, seconds, checked == [claim.status]


def main(argv):
    bottleneck = "--bottleneck" in argv
    argv = [a for a in argv if a != "--bottleneck"]
    count = int(argv[1]) if len(argv) > 1 else 120
    timeout = float(argv[2]) if len(argv) > 2 else 30.0
    rng = random.Random(int(argv[3]) if len(argv) > 3 else 2)
    cases = [(bottleneck_instance if bottleneck else instance)(rng) for _ in range(count)]
    names = ("cramer_kernel", "kernel_vectors", "factorizations", "cut_factorizations")
    real = tuple(getattr(liao_poggio, name) for name in names)

    def withheld(*a, **k):
        raise BudgetExceeded("switched off for the baseline")

    def none(*a, **k):
        return []
    rows = {}
    routes = {"symmetries + function space": (withheld, withheld, none, none),
              "+ kernel of J over Q(w)": (real[0], real[1], none, none),
              "+ factorization through a cut (default)": real}
    for route, fns in routes.items():
        for name, fn in zip(names, fns):
            setattr(liao_poggio, name, fn)
        rows[route] = [run(net, data, timeout) for net, data, _ in cases]
    for name, fn in zip(names, real):
        setattr(liao_poggio, name, fn)
    what = "MLPs with a narrow hidden layer, n <= 30, d <= 15" if bottleneck else \
        "random polynomial networks, n <= 12, d <= 8"
    print(f"{count} {what}; timeout {timeout:g} s per instance\n")
    print("| route | verified | median s | max s | checker agrees |")
    print("|---|---|---|---|---|")
    for route, res in rows.items():
        times = [s for _, s, _ in res]
        print(f"| {route} | {sum(st == 'verified' for st, _, _ in res)} of {len(res)} | "
              f"{statistics.median(times):.3f} | {max(times):.2f} | {all(ok for _, _, ok in res)} |")
    counts = [sum(st == "verified" for st, _, _ in r) for r in rows.values()]
    print(f"\nratio verified, default / symmetries only: {counts[2] / max(counts[0], 1):.2f}; "
          f"default / with the kernel: {counts[2] / max(counts[1], 1):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
