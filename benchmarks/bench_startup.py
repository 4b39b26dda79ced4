"""Start-up time: what every command, every engine subprocess test and every sweep task pays first.

Usage::

    python benchmarks/bench_startup.py               # 15 runs each, about two minutes on 2 cores
    python benchmarks/bench_startup.py --large-runs 0  # without the larger answer (about 4 s a run)
    python benchmarks/bench_startup.py --runs 30
    python benchmarks/bench_startup.py --against /tmp/old-checkout   # each verifier row also timed there, interleaved

Each command runs as a fresh process, back to back and interleaved with the baseline
(``python -c "import numpy"``), so both see the same load; the table gives the median and minimum
wall seconds over the runs and the ratio of medians to the baseline. The target: ``verifier --help``
within 1.5x of ``import numpy``. Rows:

* ``import numpy``: the baseline;
* ``import verifier``: the package (its names load on first use);
* ``verifier --help``, ``verifier theorems``: the command line (``python -m verifier``, which is what the
  ``verifier`` script runs);
* ``verify cooper-3.3 (d = 4)``: a whole small proof, for scale;
* small answers end to end (n <= 8 unknowns), each command and the ``verifier check`` of the certificate it
  writes: ``solve`` of a 2-variable system (x^2 + y^2 = 5, x y = 2; 4 solutions) with ``--method homotopy``
  and with the default route (homotopy and msolve), ``verify cooper-3.3`` and ``verify liao-poggio-dimension``
  on a 4-parameter polynomial network (Singular computes the dimension of V(H));
* bare Singular (``Singular -q --no-rc``, a script on stdin) answering the same question: the solution count
  ``vdim(std(I))`` of the 2-variable system, the dimension ``dim(std(I))`` of V(H) of the network.

A larger answer, where bare Singular needs more than a second (``--large-runs`` runs, interleaved on their own):
``solve`` of a dense system in 3 unknowns of degrees 6, 6, 7 (seeded integer coefficients in [-9, 9]; 252
solutions, the default route is msolve) and its check, against Singular's ``vdim(std(I))`` of it (the goal: within 2x).

The second table gives, per answer, the median over the runs of (command + check) seconds, its ratio to bare
Singular where there is one, and the target: end to end under 0.3 s. Bytecode caches are written in the warm-up
run (``PYTHONDONTWRITEBYTECODE`` is dropped), as an installed package has them.

Prints the machine (cores, load average before and after) with the table; exits 1 if ``verifier --help``
misses the target.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

TARGET = 1.5
TARGET_ANSWER_S = 0.3

SYSTEM = "vars: x, y\nx^2 + y^2 - 5\nx*y - 2\n"
SYSTEM_SINGULAR = "ring r = 0, (x, y), dp; ideal I = x2 + y2 - 5, xy - 2; vdim(std(I)); quit;\n"
# f(x) = v0 (a0 x)^2 + v1 (a1 x)^2 on the points (1, 2), (2, 3)
POLY_NET = {"format": "verifier-network", "version": 1, "name": "power-2 1-2-1", "activation": {"name": "power", "r": 2},
            "inputs": ["x0"], "outputs": ["y0"],
            "nodes": [{"id": "x0", "kind": "input"}, {"id": "h0", "kind": "hidden"}, {"id": "h1", "kind": "hidden"},
                      {"id": "y0", "kind": "output"}],
            "edges": [{"from": "x0", "to": "h0", "weight": "a0"}, {"from": "x0", "to": "h1", "weight": "a1"},
                      {"from": "h0", "to": "y0", "weight": "v0"}, {"from": "h1", "to": "y0", "weight": "v1"}]}
LARGE_DEGREES = (6, 6, 7)      # 252 solutions; bare Singular's vdim takes 1.5-2 s on the project's machine
POLY_DATA = "1,2\n2,3\n"
POLY_SINGULAR = ("ring r = 0, (a0, a1, v0, v1), dp; ideal I = v0*a0^2 + v1*a1^2 - 2, 4*v0*a0^2 + 4*v1*a1^2 - 3; "
                 "dim(std(I)); quit;\n")


def dense_system(degrees, seed: int):
    """(variable names, polynomial texts): one dense polynomial per entry of ``degrees`` in as many unknowns,
    every monomial of degree <= d with a seeded integer coefficient in [-9, 9] (zeros left out)."""
    rnd = random.Random(seed)
    n = len(degrees)
    names = [f"x{i}" for i in range(1, n + 1)]
    eqs = []
    for d in degrees:
        mons = [e for e in itertools.product(range(d + 1), repeat=n) if sum(e) <= d]
        terms = []
        for e in mons:
            c = rnd.randint(-9, 9)
            if c:
                m = "*".join(f"{names[i]}^{k}" if k > 1 else names[i] for i, k in enumerate(e) if k)
                terms.append(f"{c}*{m}" if m else f"{c}")
        eqs.append(" + ".join(terms).replace("+ -", "- "))
    return names, eqs


def _time(argv, env, cwd, stdin=None) -> float:
    t0 = time.perf_counter()
    res = subprocess.run(argv, env=env, cwd=cwd, input=stdin.encode() if stdin else None,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if res.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed: {res.stderr.decode()[-500:]}")
    return dt


def _singular():
    try:
        from verifier.algebra.engines import singular_path
    except ImportError:     # pragma: no cover
        return None
    return singular_path()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--large-runs", type=int, default=5, help="runs of the larger answer (0: leave it out)")
    ap.add_argument("--against", metavar="CHECKOUT", help="another checkout (e.g. an older commit's tree): every "
                    "verifier row is timed there too, interleaved, and shown beside this one")
    args = ap.parse_args(argv)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=repo + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    envs = {"": env}
    if args.against:
        envs["against"] = dict(env, PYTHONPATH=os.path.abspath(args.against) + os.pathsep
                               + os.environ.get("PYTHONPATH", ""))
    py = sys.executable
    vf = [py, "-m", "verifier"]
    singular = _singular()
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in (("pts.csv", "0,1\n1,2\n2,0\n3,1\n"), ("sys2.txt", SYSTEM), ("poly.json", json.dumps(POLY_NET)),
                           ("poly.csv", POLY_DATA)):
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        # (name, argv, stdin)
        rows = [("import numpy", [py, "-c", "import numpy"], None),
                ("import verifier", [py, "-c", "import verifier"], None),
                ("verifier --help", [*vf, "--help"], None),
                ("verifier theorems", [*vf, "theorems"], None),
                ("verify cooper-3.3 (d = 4)", [*vf, "verify", "cooper-3.3", "--data", "pts.csv", "--out", "c33.json"],
                 None),
                ("  check its certificate", [*vf, "check", "c33.json"], None),
                ("solve 2x2 --method homotopy", [*vf, "solve", "sys2.txt", "--method", "homotopy", "--out", "s1.json"],
                 None),
                ("  check its certificate", [*vf, "check", "s1.json"], None),
                ("solve 2x2 (default route)", [*vf, "solve", "sys2.txt", "--out", "s2.json"], None),
                ("  check its certificate", [*vf, "check", "s2.json"], None),
                ("verify liao-poggio-dimension", [*vf, "verify", "liao-poggio-dimension", "--network", "poly.json",
                                                  "--data", "poly.csv", "--out", "dim.json"], None),
                ("  check its certificate", [*vf, "check", "dim.json"], None)]
        if singular:
            rows += [("Singular: vdim(std(I)) 2x2", [singular, "-q", "--no-rc"], SYSTEM_SINGULAR),
                     ("Singular: dim(std(I)) net", [singular, "-q", "--no-rc"], POLY_SINGULAR)]
        keys = [f"{i}:{name}" for i, (name, _, _) in enumerate(rows)]
        # rows run in both checkouts: verifier's, not the baselines
        both = {k for k, (name, cmd, _) in zip(keys, rows) if cmd[0] == py and name != "import numpy"}
        load0 = os.getloadavg()[0]
        for e in envs.values():                              # warm the file cache (and write bytecode) once
            for _, cmd, stdin in rows:
                _time(cmd, e, tmp, stdin)
        times = {(tag, k): [] for tag in envs for k in keys}
        for _ in range(args.runs):                          # interleaved: the same load for every row
            for k, (_, cmd, stdin) in zip(keys, rows):
                for tag, e in envs.items():
                    if tag == "" or k in both:
                        times[tag, k].append(_time(cmd, e, tmp, stdin))
        large = {}
        if args.large_runs > 0:
            names, eqs = dense_system(LARGE_DEGREES, 1)
            with open(os.path.join(tmp, "dense.txt"), "w", encoding="utf-8") as fh:
                fh.write("vars: " + ", ".join(names) + "\n" + "\n".join(eqs) + "\n")
            lrows = [("solve", [*vf, "solve", "dense.txt", "--out", "dense.json"], None, True),
                     ("check", [*vf, "check", "dense.json"], None, True)]
            if singular:
                lrows.append(("Singular", [singular, "-q", "--no-rc"],
                              f"ring r = 0, ({', '.join(names)}), dp; ideal I = {', '.join(eqs)}; vdim(std(I)); "
                              "quit;\n", False))
            for tag, e in envs.items():
                for _, cmd, stdin, _ in lrows:
                    _time(cmd, e, tmp, stdin)
            large = {(tag, name): [] for tag in envs for name, *_ in lrows}
            for _ in range(args.large_runs):
                for name, cmd, stdin, vrow in lrows:
                    for tag, e in envs.items():
                        if tag == "" or vrow:
                            large[tag, name].append(_time(cmd, e, tmp, stdin))
        load1 = os.getloadavg()[0]
    base = statistics.median(times["", keys[0]])
    print(f"start-up, {args.runs} runs each, interleaved; {os.cpu_count()} cores, load {load0:.2f} -> {load1:.2f}; "
          f"python {sys.version.split()[0]}" + (f"; against {args.against}" if args.against else ""))
    vs = f" {'against s':>9s} {'/ numpy':>8s}" if args.against else ""
    print(f"{'command':30s} {'median s':>9s} {'min s':>7s} {'/ numpy':>8s}{vs}")
    for k, (name, _, _) in zip(keys, rows):
        med = statistics.median(times["", k])
        other = ""
        if args.against and k in both:
            om = statistics.median(times["against", k])
            other = f" {om:9.3f} {om / base:8.2f}"
        print(f"{name:30s} {med:9.3f} {min(times['', k]):7.3f} {med / base:8.2f}{other}")
    # end to end: the command and the check of its certificate, summed run by run
    answers = [("verify cooper-3.3 (d = 4)", 4, None), ("solve 2x2 --method homotopy", 6, 12),
               ("solve 2x2 (default route)", 8, 12), ("verify liao-poggio-dimension", 10, 13)]
    vs = f" {'against s':>9s} {'/ Singular':>10s}" if args.against else ""
    print(f"\n{'answer + check, end to end':30s} {'median s':>9s} {'min s':>7s} {'/ Singular':>10s} "
          f"{'< ' + str(TARGET_ANSWER_S) + ' s':>7s}{vs}")
    meds, ometa = [], []
    for name, i, j in answers:
        cols = []
        for tag in envs:
            tot = [a + b for a, b in zip(times[tag, keys[i]], times[tag, keys[i + 1]])]
            med = statistics.median(tot)
            sing = f"{med / statistics.median(times['', keys[j]]):10.2f}" if singular and j is not None else f"{'-':>10s}"
            cols.append((med, min(tot), sing))
        (med, lo, sing), other = cols[0], ""
        meds.append(med)
        if len(cols) > 1:
            ometa.append(cols[1][0])
            other = f" {cols[1][0]:9.3f} {cols[1][2]}"
        print(f"{name:30s} {med:9.3f} {lo:7.3f} {sing} {'yes' if med < TARGET_ANSWER_S else 'no':>7s}{other}")
    print(f"median small answer end to end: {statistics.median(meds):.3f} s (target < {TARGET_ANSWER_S} s)"
          + (f"; against: {statistics.median(ometa):.3f} s" if ometa else ""))
    if large:
        print(f"\nlarger answer, {args.large_runs} runs: solve of a dense system in 3 unknowns of degrees "
              f"{', '.join(map(str, LARGE_DEGREES))} (252 solutions)")
        sing = statistics.median(large["", "Singular"]) if singular else None
        for tag in envs:
            tot = [a + b for a, b in zip(large[tag, "solve"], large[tag, "check"])]
            med = statistics.median(tot)
            ratio = f", {med / sing:.2f}x bare Singular (target <= 2x)" if sing else ""
            print(f"  {'against: ' if tag else ''}solve {statistics.median(large[tag, 'solve']):.3f} s + check "
                  f"{statistics.median(large[tag, 'check']):.3f} s: end to end {med:.3f} s (min {min(tot):.3f}){ratio}")
        if sing:
            print(f"  bare Singular vdim(std(I)): {sing:.3f} s (min {min(large['', 'Singular']):.3f})")
    ratio = statistics.median(times["", keys[2]]) / base
    print(f"target: verifier --help within {TARGET}x of import numpy: {'met' if ratio <= TARGET else 'MISSED'} "
          f"({ratio:.2f}x)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
