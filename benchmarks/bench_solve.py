"""Benchmark: vectorised homotopy continuation (verifier.solve.homotopy) vs msolve, PHCpack, Bertini 2.

    python benchmarks/bench_solve.py            # every system
    python benchmarks/bench_solve.py --quick    # a small subset (< 1 min)

For every square system the table lists the number of paths our tracker follows, the finite
solutions it finds (nonsingular + distinct singular points), the same count from msolve
(``msolve_count``: distinct complex solutions, exact over Q up to msolve's probabilistic
choices), from PHCpack's blackbox solver (``phc -b``, which picks its own start system: the number
of paths it tracked is shown beside) and from the Bertini 2 Python bindings (only on tiny systems,
only if ``import bertini`` works), with wall-clock seconds, and the ratio of our time to
PHCpack's. Everything runs single-threaded. Systems (all seeded, self-contained):

* ``dense(n, d)``: n random dense polynomials of degree d with small rational coefficients;
* ``katsura(n)``: Katsura-n (n + 1 unknowns, Bezout 2^n);
* ``cyclic(n)``: cyclic-n roots (positive-dimensional for n = 4; 5 is finite with 70 roots);
* ``net ...``: the residual system of a polynomial network with n = l*d, built by verifier;
* ``dln(...)``: the gradient system of a regularised deep linear network loss.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

import flint
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from verifier.solve.homotopy import track  # noqa: E402

# -- systems -----------------------------------------------------------------------------------


def dense(n, d, seed=0):
    rnd = random.Random(1000 * n + 10 * d + seed)
    ctx = flint.fmpq_mpoly_ctx.get(("x", n), "degrevlex")
    mons = [e for e in itertools.product(range(d + 1), repeat=n) if sum(e) <= d]
    F = [ctx.from_dict({e: flint.fmpq(rnd.randint(-9, 9) or 1, rnd.randint(1, 5)) for e in mons})
         for _ in range(n)]
    return f"dense({n},{d})", F, None


def katsura(n):
    ctx = flint.fmpq_mpoly_ctx.get(("u", n + 1), "degrevlex")
    u = ctx.gens()

    def U(i):
        i = abs(i)
        return u[i] if i <= n else ctx.from_dict({})

    F = [sum((U(i) for i in range(-n, n + 1)), ctx.from_dict({})) - 1]
    for m in range(n):
        F.append(sum((U(i) * U(m - i) for i in range(-n, n + 1)), ctx.from_dict({})) - U(m))
    return f"katsura({n})", F, None


def cyclic(n):
    ctx = flint.fmpq_mpoly_ctx.get(("z", n), "degrevlex")
    z = ctx.gens()
    F = []
    for k in range(1, n):
        s = ctx.from_dict({})
        for i in range(n):
            t = ctx.from_dict({(0,) * n: 1})
            for j in range(k):
                t *= z[(i + j) % n]
            s += t
        F.append(s)
    prod = ctx.from_dict({(0,) * n: 1})
    for i in range(n):
        prod *= z[i]
    F.append(prod - 1)
    return f"cyclic({n})", F, None


def network(p, widths, coeffs, *, output_bias=True, seed=1):
    from flint import fmpq

    from verifier.activations import polynomial
    from verifier.algebra.polys import compile_polynomials
    from verifier.data import Dataset
    from verifier.network import mlp

    net = mlp(p, widths, activation=polynomial(coeffs), output_bias=output_bias)
    rng = random.Random(seed)
    d = net.n
    xs = [[fmpq(rng.randint(-5, 5), rng.randint(1, 4)) for _ in range(p)] for _ in range(d)]
    ys = [[fmpq(rng.randint(-5, 5), rng.randint(1, 4))] for _ in range(d)]
    ps = compile_polynomials(net, Dataset(xs, ys))
    act = "+".join(f"{c}t^{k}" for k, c in enumerate(coeffs) if c != "0")
    return f"net {p}-{'-'.join(map(str, widths))}-1 s={act}", ps.H, ps.groups


def deep_linear(widths, lam="1/10", seed=2):
    """Critical points of L(W) = 1/2 |W_L ... W_1 X - Y|^2 + lam/2 sum |W_k|^2 (scalar layers
    chained over the width list, one data point per output): the gradient system."""
    rnd = random.Random(seed)
    dims = list(widths)
    shapes = [(dims[k + 1], dims[k]) for k in range(len(dims) - 1)]
    n = sum(a * b for a, b in shapes)
    ctx = flint.fmpq_mpoly_ctx.get(("w", n), "degrevlex")
    g = iter(ctx.gens())
    Ws = [[[next(g) for _ in range(b)] for _ in range(a)] for a, b in shapes]
    X = [[flint.fmpq(rnd.randint(-3, 3) or 1, rnd.randint(1, 3)) for _ in range(dims[0])] for _ in range(dims[0])]
    Y = [[flint.fmpq(rnd.randint(-3, 3), rnd.randint(1, 3)) for _ in range(dims[0])] for _ in range(dims[-1])]
    M = [[ctx.from_dict({(0,) * n: X[i][j]}) for j in range(len(X[0]))] for i in range(len(X))]
    for W in Ws:
        M = [[sum((W[i][k] * M[k][j] for k in range(len(M))), ctx.from_dict({})) for j in range(len(M[0]))]
             for i in range(len(W))]
    lam = flint.fmpq(*map(int, lam.split("/")))
    L = sum(((M[i][j] - Y[i][j]) ** 2 for i in range(len(M)) for j in range(len(M[0]))), ctx.from_dict({})) / 2
    L += lam / 2 * sum((w ** 2 for W in Ws for row in W for w in row), ctx.from_dict({}))
    F = [L.derivative(j) for j in range(n)]
    groups, k = [], 0
    for a, b in shapes:
        groups.append(list(range(k, k + a * b)))
        k += a * b
    return f"dln({'-'.join(map(str, widths))})", F, groups


# -- external solvers ----------------------------------------------------------------------------


def _phc_text(F):
    ctx = F[0].context()
    names = [f"x{j}" for j in range(ctx.nvars())]
    lines = [str(len(F))]
    for p in F:
        terms = []
        for mon, c in zip(p.monoms(), p.coeffs()):
            mon_s = "*".join(f"{names[j]}^{e}" if e > 1 else names[j] for j, e in enumerate(mon) if e)
            cs = f"({int(c.p)}/{int(c.q)})" if c.q != 1 else f"({int(c.p)})"
            terms.append(f"{cs}*{mon_s}" if mon_s else cs)
        lines.append(" + ".join(terms) + ";")
    return "\n".join(lines) + "\n"


def phc_solve(F, timeout=300):
    """``phc -b`` (blackbox) on one core; returns (finite solutions, paths, seconds) or a string."""
    exe = shutil.which("phc")
    if exe is None:
        return "not installed"
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "in"), os.path.join(tmp, "out")
        with open(inp, "w") as fh:
            fh.write(_phc_text(F))
        t = time.perf_counter()
        try:
            subprocess.run([exe, "-b", inp, out], cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return "timeout"
        sec = time.perf_counter() - t
        text = open(out).read() if os.path.exists(out) else ""
    reg = (re.findall(r"Number of regular solutions\s*:\s*(\d+)", text) or [None])[-1]
    sing = (re.findall(r"Number of singular solutions\s*:\s*(\d+)", text) or ["0"])[-1]
    paths = re.findall(r"#regu :\s*(\d+) = #sing :\s*(\d+) = #clus :\s*(\d+) = #infi :\s*(\d+) = #fail :\s*(\d+)",
                       text)
    if reg is None:
        return "no answer"
    tracked = sum(int(x) for x in paths[-1]) if paths else None
    return int(reg) + int(sing), tracked, sec


def msolve(F, timeout=120):
    try:
        from verifier.algebra.engines import msolve_count, msolve_path

        if msolve_path() is None:
            return "not installed"
        t = time.perf_counter()
        c = msolve_count(F, F[0].context(), timeout=timeout)
        return ("pos-dim" if c is None else c), time.perf_counter() - t
    except Exception as e:  # BudgetExceeded, EngineError
        return "timeout" if "budget" in str(e) else type(e).__name__


def bertini_solve(F):
    try:
        import bertini  # noqa: F401
    except Exception:
        return "not installed"
    # `pip install bertini` (2.0.0) installs the Python bindings in seconds, but they expose the
    # building blocks (System, trackers, endgames), not a blackbox solve; not wired up here
    return "bindings only, not wired"


# -- main --------------------------------------------------------------------------------------------


def run(cases, *, msolve_timeout=60, phc_timeout=300, external=True, only=None):
    rows = []
    for name, F, groups in cases:
        if only is not None and not re.search(only, name):
            continue
        start = "multihomogeneous" if groups is not None else "total-degree"
        t = time.perf_counter()
        r = track(F, start=start, groups=groups, seed=0, timeout=600)
        ours = time.perf_counter() - t
        s = r.summary()
        finite = s["nonsingular"] + s["singular_points"]
        if external:
            ms = msolve(F, msolve_timeout)
            ph = phc_solve(F, phc_timeout)
            be = bertini_solve(F)
        else:
            ms, ph, be = "not run", "not run", "not run"
        rows.append((name, s, finite, ours, ms, ph, be))
        _print_row(rows[-1])
    return rows


HEADER = ("| system | start | paths | ours: finite (ns+sing) / inf / fail | ours s | ms/path | msolve | msolve s "
          "| phc finite (paths) | phc s | ours/phc | bertini |")


def _print_row(row):
    name, s, finite, ours, ms, ph, be = row
    ms_c, ms_t = (ms if isinstance(ms, tuple) else (ms, None))
    if isinstance(ph, tuple):
        ph_c, ph_p, ph_t = ph
        ph_s = f"{ph_c} ({ph_p})"
        ratio = f"{ours / ph_t:.2f}" if ph_t > 0 else "-"
        ph_ts = f"{ph_t:.3f}"
    else:
        ph_s, ph_ts, ratio = ph, "-", "-"
    st = "mhom" if s["start_system"] == "multihomogeneous" else "tdeg"
    print(f"| {name} | {st} | {s['paths']} | {finite} ({s['nonsingular']}+{s['singular_points']}) / "
          f"{s['infinity']} / {s['failed']} | {ours:.3f} | {1e3 * ours / max(1, s['paths']):.2f} | {ms_c} | "
          f"{'-' if ms_t is None else f'{ms_t:.3f}'} | {ph_s} | {ph_ts} | {ratio} | {be} |", flush=True)


def cases(quick: bool):
    if quick:
        return [dense(3, 3), dense(4, 3), dense(5, 3), katsura(5), cyclic(5),
                network(2, [1], ["0", "1", "1"], output_bias=False), network(1, [1], ["0", "0", "1"]),
                deep_linear([1, 1, 1, 1])]
    return [dense(3, 3), dense(4, 3), dense(5, 3), dense(6, 3), dense(7, 3), dense(4, 5), dense(10, 2),
            dense(11, 2), katsura(5), katsura(7), katsura(9), katsura(10), cyclic(5), cyclic(6),
            network(2, [1], ["0", "1", "1"], output_bias=False), network(1, [1], ["0", "0", "1"]),
            network(1, [2], ["0", "0", "1"]), network(2, [1], ["0", "1", "1"]),
            deep_linear([1, 1, 1, 1]), deep_linear([2, 2, 1]), deep_linear([1, 1, 1, 1, 1, 1])]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small subset, under a minute")
    ap.add_argument("--only", help="regular expression on the system names")
    ap.add_argument("--ours-only", action="store_true", help="skip msolve, PHCpack and Bertini")
    ap.add_argument("--phc-timeout", type=float, default=300)
    args = ap.parse_args(argv)
    print(HEADER)
    print("|" + "---|" * (HEADER.count("|") - 1))
    run(cases(args.quick), external=not args.ours_only, only=args.only, phc_timeout=args.phc_timeout)


if __name__ == "__main__":
    main()
