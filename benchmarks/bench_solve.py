"""Benchmark: vectorised homotopy continuation (verifier.solver.homotopy) vs msolve, PHCpack, Bertini 2.

    python benchmarks/bench_solve.py            # every system
    python benchmarks/bench_solve.py --quick    # a small subset (~1 min; Bertini adds ~1 min)
    python benchmarks/bench_solve.py --largest dense2,katsura --limit 600   # largest n per tool

For every square system the table lists the number of paths our tracker follows, the finite
solutions it finds (nonsingular + distinct singular points), the same count from msolve
(``msolve_count``: distinct complex solutions, exact over Q up to msolve's probabilistic
choices) and whether the two agree, from PHCpack's blackbox solver (``phc -b``, which picks its own
start system: the number of paths it tracked is shown beside) and from Bertini 2's blackbox
zero-dimensional solve through its Python bindings (total-degree start, double precision, Cauchy
endgame; only systems with at most 200 total-degree paths, only if ``import bertini`` works) and from bare
Singular on the same question (``vdim(std(I))`` over Q, the count with multiplicity: the exact answer a
computer algebra user would ask for first), with wall-clock seconds, and the ratio of our time to PHCpack's. ``--largest`` instead runs families of
growing size (dense random quadrics, katsura(n)) and reports, per tool, the largest n it finishes
within ``--limit`` seconds per run. Everything runs single-threaded. Systems (all seeded, self-contained):

* ``dense(n, d)``: n random dense polynomials of degree d with small rational coefficients;
* ``katsura(n)``: Katsura-n (n + 1 unknowns, Bezout 2^n);
* ``cyclic(n)``: cyclic-n roots (positive-dimensional for n = 4; 5 is finite with 70 roots);
* ``net ...``: the residual system of a polynomial network with n = l*d, built by verifier;
* ``dln(...)``: the gradient system of a regularised deep linear network loss;
* ``tree``: the square residual system of the shared-weight binary tree (``liao_poggio_tree``,
  activation t + t^2, no biases) on 5 points of R^4: 5 unknowns, total degree 16807.

``--sparse`` adds, for every system, a row for our homotopy from the sparse start system
(``start="sparse"``: a random member of the system's sparse family, its roots found by monodromy,
as many paths as the mixed volume); its ``paths`` column reads ``start roots / mixed volume`` and
its seconds include the monodromy (given in brackets). ``--sparse-only`` runs only that row.
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

from verifier.solver.homotopy import track  # noqa: E402

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


def tree():
    """The shared-weight binary tree g(h(x1, x2), h(x3, x4)), activation t + t^2, no biases, on 5 points
    of R^4: 5 unknowns (h1, h2, g1, g2, a), 5 equations of degree 7."""
    from verifier.activations import polynomial
    from verifier.algebra.polys import compile_polynomials
    from verifier.data import dataset_from_arrays
    from verifier.network import liao_poggio_tree

    rows = [[-2, 1, 3, 3, 0], [3, -3, -1, -3, 0], [0, 3, 0, 0, 1], [2, 0, 3, -2, 3], [-3, 0, -3, 3, 3]]
    net = liao_poggio_tree(activation=polynomial([0, 1, 1]), bias=False)
    ps = compile_polynomials(net, dataset_from_arrays([r[:4] for r in rows], [[r[4]] for r in rows]))
    return "tree 4-2-1 s=t+t^2", ps.H, ps.groups


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


def singular(F, timeout=120):
    """Bare Singular on the same question: the number of solutions with multiplicity, ``vdim(std(I))`` over Q
    (degree reverse lexicographic order), one process per run; ``(count or "pos-dim", seconds)``."""
    from verifier.checker.algebra import engine

    if engine._singular() is None:
        return "not installed"
    t = time.perf_counter()
    res = engine.singular_vdim(F, timeout=timeout)
    sec = time.perf_counter() - t
    if res is None:
        return "timeout" if "budget" in engine.unavailable() else "failed"
    return ("pos-dim" if res[0] > 0 else 0 if res[0] < 0 else res[1]), sec


def _bertini_system(F):
    import bertini as pb

    n = F[0].context().nvars()
    X = [pb.Variable(f"x{j}") for j in range(n)]
    sysb = pb.System()
    for p in F:
        e = None
        for mon, c in zip(p.monoms(), p.coeffs()):
            term = pb.function_tree.symbol.Rational(f"{int(c.p)}/{int(c.q)}")
            for j, k in enumerate(mon):
                if k:
                    term = term * X[j] ** int(k)
            e = term if e is None else e + term
        sysb.add_function(e)
    sysb.add_variable_group(pb.VariableGroup(X))
    return sysb


def _bertini_child(F, queue):
    import bertini as pb

    zd = pb.nag_algorithm.ZeroDimCauchyDoublePrecisionTotalDegree(_bertini_system(F))
    t = time.perf_counter()
    zd.solve()
    sec = time.perf_counter() - t
    queue.put((np.array([np.asarray(s, dtype=complex) for s in zd.solutions()]), sec))


def bertini_solve(F, timeout=120, max_paths=200):
    """Bertini 2's blackbox zero-dimensional solve through its Python bindings (PyPI ``bertini``
    2.0.0): ``nag_algorithm.ZeroDimCauchyDoublePrecisionTotalDegree`` (total-degree start, double
    precision tracker, Cauchy endgame), run in a child process under ``timeout``. Returns
    (distinct finite solutions, paths, seconds) or a string.

    The bindings return the endpoints in homogeneous coordinates (homogenising coordinate first)
    but not the per-path metadata (``solution_metadata()`` has no Python converter in 2.0.0), so
    the endpoints are classified here: finite when ``|h| > 1e-5 |(h, x)|`` and the residual of the
    dehomogenised point is below ``1e-6`` (relative), then clustered at relative distance
    ``1e-5``. Only for systems with at most ``max_paths`` total-degree paths (a few to a few dozen
    paths per second)."""
    try:
        import bertini  # noqa: F401
    except Exception:
        return "not installed"
    from math import prod

    paths = prod(int(p.total_degree()) for p in F)
    if paths > max_paths:
        return "skipped (paths)"
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=_bertini_child, args=(F, q))
    proc.start()
    try:
        S, sec = q.get(timeout=timeout)
    except Exception:
        proc.terminate()
        proc.join()
        return "timeout"
    proc.join()
    from verifier.solver.homotopy import _cluster
    from verifier.solver.numeric import NumericSystem

    if not len(S):
        return 0, paths, sec
    h = S[:, 0]
    fin = np.abs(h) > 1e-5 * np.linalg.norm(S, axis=1)
    X = S[fin, 1:] / h[fin, None]
    NS = NumericSystem.from_flint(F)
    res = np.abs(NS.eval(X)).max(axis=1) / np.maximum(1, np.abs(X).max(axis=1)) ** max(NS.degrees) if len(X) \
        else np.zeros(0)
    good = X[res < 1e-6]
    count = len(np.unique(_cluster(good, 1e-5))) if len(good) else 0
    return count, len(S), sec


# -- main --------------------------------------------------------------------------------------------


def _best(fn, repeat):
    """Run ``fn`` ``repeat`` times; the result of the fastest run (tuples whose last or third item is seconds)."""
    best = None
    for _ in range(max(1, repeat)):
        r = fn()
        if not isinstance(r, tuple):
            return r
        sec = r[2] if len(r) == 3 else r[1]
        if best is None or sec < best[0]:
            best = (sec, r)
    return best[1]


def run(cases, *, msolve_timeout=60, phc_timeout=300, external=True, only=None, skip=(), sparse=False,
        sparse_only=False, repeat=1):
    rows = []
    # warm-up: one tiny solve first, so that one-time imports (scipy, LAPACK set-up) are not charged
    # to the first system (phc -b and msolve start a process per run, charged to them)
    track(dense(2, 2)[1], seed=0)
    for name, F, groups in cases:
        if only is not None and not re.search(only, name):
            continue
        start = "multihomogeneous" if groups is not None else "total-degree"
        runs = []
        for st in ([] if sparse_only else [start]) + (["sparse"] if sparse or sparse_only else []):
            best = None
            for _ in range(max(1, repeat)):
                t = time.perf_counter()
                try:
                    r = track(F, start=st, groups=groups if st == "multihomogeneous" else None, seed=0, timeout=600)
                except Exception as exc:            # BudgetExceeded: too many paths
                    print(f"| {name} | {st} | {type(exc).__name__}: {exc} |", flush=True)
                    break
                sec = time.perf_counter() - t
                if best is None or sec < best[1]:
                    best = (r.summary(), sec)
            if best is not None:
                runs.append(best)
        if external:
            ms = _best(lambda: msolve(F, msolve_timeout), repeat) if "msolve" not in skip else "not run"
            ph = _best(lambda: phc_solve(F, phc_timeout), repeat) if "phc" not in skip else "not run"
            be = bertini_solve(F) if "bertini" not in skip else "not run"
            sg = _best(lambda: singular(F, msolve_timeout), repeat) if "singular" not in skip else "not run"
        else:
            ms, ph, be, sg = "not run", "not run", "not run", "not run"
        for s, ours in runs:
            finite = s["nonsingular"] + s["singular_points"]
            rows.append((name, s, finite, ours, ms, ph, be, sg))
            _print_row(rows[-1])
    return rows


HEADER = ("| system | start | paths | ours: finite (ns+sing) / inf / fail | ours s | ms/path | msolve | msolve s "
          "| ours = msolve | phc finite (paths) | phc s | ours/phc | Singular vdim | Singular s | bertini finite (paths) s |")


def _print_row(row):
    name, s, finite, ours, ms, ph, be, sg = row
    sg_c, sg_t = (sg if isinstance(sg, tuple) else (sg, None))
    ms_c, ms_t = (ms if isinstance(ms, tuple) else (ms, None))
    if isinstance(ph, tuple):
        ph_c, ph_p, ph_t = ph
        ph_s = f"{ph_c} ({ph_p})"
        ratio = f"{ours / ph_t:.2f}" if ph_t > 0 else "-"
        ph_ts = f"{ph_t:.3f}"
    else:
        ph_s, ph_ts, ratio = ph, "-", "-"
    st = {"multihomogeneous": "mhom", "sparse": "sparse"}.get(s["start_system"], "tdeg")
    paths = s["paths"]
    if st == "sparse":
        mono = s.get("monodromy", {})
        paths = f"{s['paths']}/{s.get('mixed_volume')} ({mono.get('seconds', 0):.2f} s mon.)"
    be_s = f"{be[0]} ({be[1]}) {be[2]:.2f} s" if isinstance(be, tuple) else be
    # the check the issue asks for: our distinct finite solutions against msolve's exact count
    match = ("yes" if finite == ms_c else "NO") if isinstance(ms_c, int) else "-"
    print(f"| {name} | {st} | {paths} | {finite} ({s['nonsingular']}+{s['singular_points']}) / "
          f"{s['infinity']} / {s['failed']} | {ours:.3f} | {1e3 * ours / max(1, s['paths']):.2f} | {ms_c} | "
          f"{'-' if ms_t is None else f'{ms_t:.3f}'} | {match} | {ph_s} | {ph_ts} | {ratio} | {sg_c} | "
          f"{'-' if sg_t is None else f'{sg_t:.3f}'} | {be_s} |", flush=True)


def cases(quick: bool):
    if quick:
        return [dense(3, 3), dense(4, 3), dense(5, 3), katsura(5), cyclic(5),
                network(2, [1], ["0", "1", "1"], output_bias=False), network(1, [1], ["0", "0", "1"]),
                deep_linear([1, 1, 1, 1])]
    return [dense(3, 3), dense(4, 3), dense(5, 3), dense(6, 3), dense(7, 3), dense(4, 5), dense(10, 2),
            dense(11, 2), katsura(5), katsura(7), katsura(9), katsura(10), cyclic(5), cyclic(6),
            network(2, [1], ["0", "1", "1"], output_bias=False), network(1, [1], ["0", "0", "1"]),
            network(1, [2], ["0", "0", "1"]), network(2, [1], ["0", "1", "1"]),
            deep_linear([1, 1, 1, 1]), deep_linear([2, 2, 1]), deep_linear([1, 1, 1, 1, 1, 1]), tree()]


FAMILIES = {
    # name: (system builder, first n); every family has a finite solution set for every n
    "dense2": (lambda n: dense(n, 2), 6),      # 2^n paths, 2^n solutions
    "dense3": (lambda n: dense(n, 3), 4),      # 3^n paths
    "katsura": (katsura, 5),                   # 2^n paths, 2^n solutions
}


def largest(families, tools, limit, max_n=40):
    """For every family and tool, run n = n0, n0 + 1, ... with ``limit`` seconds per run and report
    the largest n finished within the limit (with its count and time). A tool stops at the first
    n it does not finish (timeout, incomplete, or no answer); counts are printed for comparison."""
    out = {}
    for fam in families:
        build, n0 = FAMILIES[fam]
        for tool in tools:
            best = None
            for n in range(n0, max_n + 1):
                name, F, _ = build(n)
                t = time.perf_counter()
                if tool == "ours":
                    r = track(F, seed=0, timeout=limit, max_paths=10 ** 7)
                    s = r.summary()
                    ok = r.complete and s["failed"] == 0
                    count = s["nonsingular"] + s["singular_points"]
                    sec = time.perf_counter() - t
                    extra = f"paths {s['paths']}, inf {s['infinity']}, fail {s['failed']}"
                elif tool == "phc":
                    res = phc_solve(F, timeout=limit)
                    ok = isinstance(res, tuple)
                    count, sec = (res[0], res[2]) if ok else (res, time.perf_counter() - t)
                    extra = f"paths {res[1]}" if ok else ""
                elif tool == "msolve":
                    res = msolve(F, timeout=limit)
                    ok = isinstance(res, tuple) and isinstance(res[0], int)
                    count, sec = (res[0], res[1]) if ok else (res, time.perf_counter() - t)
                    extra = ""
                else:
                    raise ValueError(tool)
                print(f"| {fam} | {tool} | {name} | {count} | {sec:.1f} | {'ok' if ok else 'NOT FINISHED'} | {extra} |",
                      flush=True)
                if not ok or sec > limit:
                    break
                best = (n, count, sec)
            out[(fam, tool)] = best
            print(f"largest {fam} {tool}: {best}", flush=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small subset, under a minute")
    ap.add_argument("--only", help="regular expression on the system names")
    ap.add_argument("--ours-only", action="store_true", help="skip msolve, PHCpack and Bertini")
    ap.add_argument("--phc-timeout", type=float, default=300)
    ap.add_argument("--repeat", type=int, default=1, help="best of N runs for ours, msolve, phc and Singular "
                    "(small systems, where one run's time is mostly noise)")
    ap.add_argument("--sparse", action="store_true", help="also run the sparse start system (start='sparse')")
    ap.add_argument("--sparse-only", action="store_true", help="only the sparse start system for ours")
    ap.add_argument("--skip", default="", help="comma-separated external tools to skip (msolve, phc, singular, "
                    "bertini)")
    ap.add_argument("--largest", metavar="FAMILIES",
                    help=f"comma-separated families ({', '.join(FAMILIES)}): the largest n each tool "
                         "finishes within --limit seconds per run")
    ap.add_argument("--tools", default="ours,phc,msolve", help="tools for --largest")
    ap.add_argument("--limit", type=float, default=600, help="seconds per run for --largest")
    args = ap.parse_args(argv)
    if args.largest:
        largest(args.largest.split(","), args.tools.split(","), args.limit)
        return
    print(HEADER)
    print("|" + "---|" * (HEADER.count("|") - 1))
    run(cases(args.quick), external=not args.ours_only, only=args.only, phc_timeout=args.phc_timeout,
        skip=tuple(x for x in args.skip.split(",") if x), sparse=args.sparse, sparse_only=args.sparse_only,
        repeat=args.repeat)


if __name__ == "__main__":
    main()
