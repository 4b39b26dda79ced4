"""Start-up time: what every command, every engine subprocess test and every sweep task pays first.

Usage::

    python benchmarks/bench_startup.py               # 15 runs each, about half a minute on 2 cores
    python benchmarks/bench_startup.py --runs 30

Each command runs as a fresh process, back to back and interleaved with the baseline
(``python -c "import numpy"``), so both see the same load; the table gives the median and minimum
wall seconds over the runs and the ratio of medians to the baseline. The target: ``verifier --help``
within 1.5x of ``import numpy``. Rows:

* ``import numpy``: the baseline;
* ``import verifier``: the package (its names load on first use);
* ``verifier --help``, ``verifier theorems``: the command line (``python -m verifier``, which is what the
  ``verifier`` script runs);
* ``verify cooper-3.3 (d = 4)``: a whole small proof, for scale.

Prints the machine (cores, load average before and after) with the table; exits 1 if ``verifier --help``
misses the target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TARGET = 1.5


def _time(argv, env, cwd) -> float:
    t0 = time.perf_counter()
    res = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if res.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed: {res.stderr.decode()[-500:]}")
    return dt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args(argv)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=repo + os.pathsep + os.environ.get("PYTHONPATH", ""))
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "pts.csv"), "w", encoding="utf-8") as fh:
            fh.write("0,1\n1,2\n2,0\n3,1\n")
        rows = [("import numpy", [py, "-c", "import numpy"]),
                ("import verifier", [py, "-c", "import verifier"]),
                ("verifier --help", [py, "-m", "verifier", "--help"]),
                ("verifier theorems", [py, "-m", "verifier", "theorems"]),
                ("verify cooper-3.3 (d = 4)", [py, "-m", "verifier", "verify", "cooper-3.3", "--data", "pts.csv"])]
        load0 = os.getloadavg()[0]
        for _, cmd in rows:                                  # warm the file cache once
            _time(cmd, env, tmp)
        times = {name: [] for name, _ in rows}
        for _ in range(args.runs):                          # interleaved: the same load for every row
            for name, cmd in rows:
                times[name].append(_time(cmd, env, tmp))
        load1 = os.getloadavg()[0]
    base = statistics.median(times["import numpy"])
    print(f"start-up, {args.runs} runs each, interleaved; {os.cpu_count()} cores, load {load0:.2f} -> {load1:.2f}; "
          f"python {sys.version.split()[0]}")
    print(f"{'command':28s} {'median s':>9s} {'min s':>7s} {'/ numpy':>8s}")
    for name, _ in rows:
        med = statistics.median(times[name])
        print(f"{name:28s} {med:9.3f} {min(times[name]):7.3f} {med / base:8.2f}")
    ratio = statistics.median(times["verifier --help"]) / base
    print(f"target: verifier --help within {TARGET}x of import numpy: {'met' if ratio <= TARGET else 'MISSED'} "
          f"({ratio:.2f}x)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
