"""Benchmark: the generic rank of J mod p (``verifier.algebra.rank``) and its re-check
(``verifier.checker.algebra.modp``).

Cases (seeded data: p input columns of exact rationals k/7, k in [-50, 50), zero targets):

* ``mlp 20-450-1`` on d = 1000 points, n = 9901 parameters, l*d = 1000 equations, with the cubic
  ``t/2 + t^2 + t^3/3`` (full rank 1000: cubics in 20 variables span 1771 dimensions) and with
  ``t^2`` (rank 231 = dim of quadratics in 20 variables, below l*d: the sketch path);
* ``mlp 10-100-1`` on d = 200 (n = 1201) with the same two activations (ranks 200 and 66).

Columns:

| column | what |
|---|---|
| `J s` | one ``jacobian_mod_p`` at a random point (exact, float64 BLAS with split factors) |
| `rank s` | ``rank_mod_p`` on that J (rank, rows and columns of a nonzero minor) |
| `generic s` | ``generic_rank(net, data, trials=2)`` end to end (stops after one trial at full rank) |
| `check s` | ``minor_nonzero_mod_p`` on its result, network document parsed included |
| `rank` / `expected` | the certified lower bound and the known generic rank |

    PYTHONPATH=. python benchmarks/bench_generic_rank.py
    PYTHONPATH=. python benchmarks/bench_generic_rank.py --small-only

Exit status 0 when every rank equals the expected one and the checker accepts every minor; 1 otherwise.
The target (n = 10^4, l*d = 10^3: J and rank under 10 s on 2 cores) is printed, not enforced.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from math import comb

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.append(_ROOT)      # after PYTHONPATH: a verifier given there is the one measured

import numpy as np
from flint import fmpq

from verifier import activations as A
from verifier import network as N
from verifier.algebra.rank import choose_prime, generic_rank, jacobian_mod_p, rank_mod_p
from verifier.checker.core.evaluate import Network as CheckerNet
from verifier.checker.algebra.modp import minor_nonzero_mod_p
from verifier.data import Dataset

TARGET_S = 10.0
CUBIC = ("cubic", lambda: A.polynomial(["0", "1/2", "1", "1/3"]))
SQUARE = ("t^2", lambda: A.power(2))


def cases(small_only: bool):
    out = [(10, 100, 200, CUBIC, 200), (10, 100, 200, SQUARE, comb(12, 2))]
    if not small_only:
        out += [(20, 450, 1000, CUBIC, 1000), (20, 450, 1000, SQUARE, comb(22, 2))]
    return out


def dataset(p: int, d: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = [[fmpq(int(k), 7) for k in row] for row in rng.integers(-50, 50, size=(d, p))]
    return Dataset(X, [[fmpq(0)] for _ in range(d)])


def run_case(p, width, d, act, expected):
    net = N.mlp(p, [width], activation=act[1]())
    data = dataset(p, d)
    prime = choose_prime(net, data)
    w = np.random.default_rng(1).integers(0, prime, size=net.n)
    t = time.perf_counter()
    J = jacobian_mod_p(net, data, w, prime)
    t_j = time.perf_counter() - t
    t = time.perf_counter()
    r_single = rank_mod_p(J, prime)[0]
    t_r = time.perf_counter() - t
    res = generic_rank(net, data, trials=2)
    t = time.perf_counter()
    ok, why = minor_nonzero_mod_p(CheckerNet(N.network_to_json(net)), [list(r) for r in data.X],
                                  [list(r) for r in data.Y], res["prime"], dict(zip(net.labels, res["point"])),
                                  res["rows"], res["cols"], list(net.labels))
    t_c = time.perf_counter() - t
    good = ok and res["rank"] == expected == r_single
    return {"case": f"{net.name} {act[0]}", "n": net.n, "m": net.l * d, "J": t_j, "rank_s": t_r,
            "J+rank": t_j + t_r, "generic": res["seconds"], "trials": len(res["trial_ranks"]), "check": t_c,
            "rank": res["rank"], "expected": expected, "ok": good, "why": why}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small-only", action="store_true", help="only the n ~ 10^3 cases")
    args = ap.parse_args(argv)
    print(f"# generic rank mod p: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"numpy {np.__version__}")
    print("| case | n | l*d | J s | rank s | J+rank s | generic s (trials) | check s | rank | expected | status |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for p, width, d, act, expected in cases(args.small_only):
        row = run_case(p, width, d, act, expected)
        failed |= not row["ok"]
        print(f"| {row['case']} | {row['n']} | {row['m']} | {row['J']:.2f} | {row['rank_s']:.2f} | "
              f"{row['J+rank']:.2f} | {row['generic']:.2f} ({row['trials']}) | {row['check']:.2f} | {row['rank']} | "
              f"{row['expected']} | {'ok' if row['ok'] else 'FAILED: ' + row['why']} |", flush=True)
        if row["n"] >= 9000 and row["J+rank"] > TARGET_S:
            print(f"  target missed: J + rank {row['J+rank']:.2f} s > {TARGET_S} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
