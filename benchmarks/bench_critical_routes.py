"""Benchmark: the two routes for the critical points of regularised deep linear networks.

    python benchmarks/bench_critical_routes.py                  # the default rows (a few minutes)
    python benchmarks/bench_critical_routes.py --quick          # the three smallest rows (~20 s)
    python benchmarks/bench_critical_routes.py --rows 2,2,1,1,1 1,3,2,2,1 --timeout 300

For each row (H, d, dx, dy, m; instance seed 0, the certificate of ``verifier critical-points
--deep-linear``) the whole pipeline runs once per route through
:func:`verifier.theorems.solving.critical_points_deep_linear`, certificate and checker rules included:

* ``homotopy`` (``method="homotopy"``): total-degree homotopy, then Newton in Arb and the Krawczyk test
  on every endpoint;
* ``msolve`` (``method="msolve"``): one msolve ``-P 1`` run (count, real isolating boxes, rational
  parametrization), then Newton in Arb and the Krawczyk test on msolve's real boxes and on every point
  of the parametrization.

Columns: start-system paths (the total-degree Bezout number), the published complex count NC
(Bharadwaj's Tables 3.1/3.2, Mehta et al.; /work/shared/reference/deep-linear-critical-points.md and
docs/deep-linear-critical-points.md), per route the wall-clock seconds, the certified complex and
real counts, whether the count is exact (``count-exact`` verified: the checker's Bezout or Singular
vdim), and the certified / published ratio. ``route`` is what the default (``--method`` not given)
picks. A homotopy beyond its path budget (200000 paths) or past ``--timeout`` is reported as such.
Single process, wall-clock; the machine may be shared and loaded, so compare columns of one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from verifier.algebra import engines  # noqa: E402
from verifier.theorems.solving import critical_points_deep_linear  # noqa: E402

# (H, d, dx, dy, m) -> published NC (Bharadwaj 2022 Table 3.1 / 3.2; Bharadwaj-Hosten 2023; the H = 2, d = 1
# row is published as 16, the correct count is 17: the origin is a critical point too)
PUBLISHED = {
    (1, 1, 1, 1, 1): 5, (1, 1, 2, 2, 1): 9, (1, 1, 3, 3, 1): 13, (2, 1, 1, 1, 1): 17, (3, 1, 1, 1, 1): 49,
    (2, 1, 2, 2, 1): 33, (1, 2, 1, 1, 1): 9, (1, 2, 2, 2, 1): 33, (2, 2, 1, 1, 1): 129, (1, 3, 2, 2, 1): 73,
    (1, 2, 3, 3, 1): 73, (1, 1, 2, 2, 2): 17,
}
QUICK = [(1, 1, 1, 1, 1), (2, 1, 1, 1, 1), (1, 1, 3, 3, 1)]
DEFAULT = QUICK + [(3, 1, 1, 1, 1), (2, 1, 2, 2, 1), (1, 2, 2, 2, 1), (2, 2, 1, 1, 1), (1, 3, 2, 2, 1),
                   (1, 2, 3, 3, 1)]


def run(row, method, timeout):
    t0 = time.monotonic()
    cert = critical_points_deep_linear(*row, seed=0, method=method, timeout=timeout)
    secs = time.monotonic() - t0
    doc = cert.to_json()
    s = doc["summary"]
    hx = doc["extra"].get("homotopy") or {}
    note = ""
    if hx.get("status") == "not run":
        note = "not run (path budget)"
    elif method == "homotopy" and any("ran out of time" in n for n in doc.get("notes", [])):
        note = "timeout"
    return {"seconds": secs, "certified": s["certified"], "real": s["real"], "exact": s["exact"],
            "status": doc["status"], "note": note}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", nargs="*", help="rows H,d,dx,dy,m (default: a fixed list)")
    ap.add_argument("--quick", action="store_true", help="only the three smallest rows")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds per route and row (default 240)")
    ap.add_argument("--skip-homotopy-above", type=int, default=200000,
                    help="do not run the homotopy on rows with more start paths (default 200000: its budget)")
    args = ap.parse_args(argv)
    if engines.msolve_path() is None:
        print("msolve is not installed (pip install -e '.[algebra]'): nothing to compare")
        return 1
    rows = [tuple(int(x) for x in r.split(",")) for r in args.rows] if args.rows else (QUICK if args.quick
                                                                                      else DEFAULT)
    from verifier.solver.critical import deep_linear_gradient
    from verifier.theorems.solving import choose_route
    print("| H | d | dx | dy | m | N | paths | published NC | route | homotopy s | hom. certified (real) | hom. exact "
          "| hom./publ. | msolve s | msolve certified (real) | msolve exact | msolve/publ. | speed-up |")
    print("|" + "---|" * 18)
    for row in rows:
        gs = deep_linear_gradient(*row, seed=0)
        route = choose_route(gs.equations, [list(range(gs.N))], "total-degree")
        paths, pub = route["start_paths"], PUBLISHED.get(row)
        ms = run(row, "msolve", args.timeout)
        if paths <= args.skip_homotopy_above:
            hm = run(row, "homotopy", args.timeout)
        else:
            hm = {"seconds": None, "certified": None, "real": None, "exact": None, "note": "not run (path budget)"}

        def cell(r):
            if r["certified"] is None:
                return ["-", r["note"], "-", "-"]
            ratio = f"{r['certified'] / pub:.2f}" if pub else "-"
            return [f"{r['seconds']:.1f}" + (f" ({r['note']})" if r["note"] else ""),
                    f"{r['certified']} ({r['real']})", "yes" if r["exact"] else "no (lower bound)", ratio]

        speed = f"{hm['seconds'] / ms['seconds']:.0f}x" if hm["seconds"] else "-"
        print("| " + " | ".join(str(v) for v in (*row, gs.N, paths, pub if pub else "-", route["method"],
                                                  *cell(hm), *cell(ms), speed)) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
