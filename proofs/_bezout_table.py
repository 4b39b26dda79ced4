"""Bezout bounds against the actual numbers, per polynomial network.

For each instance (a small polynomial network and exact data) this prints one Markdown row with,
side by side:

* n, N = l*d, the activation's degree k and the depth;
* Liao-Poggio's k^(N*depth) and Smale-Shub's k^(N*depth/2) (reported; neither is a bound here);
* the total-degree and multihomogeneous (layer groups) Bezout bounds of the square system solved
  (H alone when n = N; H plus n - N seeded rational affine slices when n > N: a witness set of M);
* the number of solutions found and **certified** (Krawczyk boxes, re-verified by ``verifier check``),
  whether that count is proven exact (equal to a Bezout bound, or to the checker's Singular vdim), and
  the certified real ones;
* msolve's count on the same system (multi-modular: not a proof), the homotopy's paths and the
  wall-clock time (homotopy + msolve + certification + the checker's rules);
* for n > N, the same witness system by ``--method monodromy``: certified count, path segments
  tracked, whether the trace test passed (numerical evidence), time and the checker's verdict.

For n = N the count is the number of complex parameter vectors that fit the data exactly (the square
interpolation count); for n > N it is the degree of the (n - N)-dimensional solution set M, found on
one seeded slice.

    PYTHONPATH=. python proofs/_bezout_table.py [--timeout 300] [--out FOLDER]

``--out`` also writes each certificate there (``verifier check FILE`` re-verifies it). The output is
the table of docs/bezout-versus-actual.md. The leading underscore keeps tests/test_proofs.py from
treating this script as a proof instance.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _algebra_family import PLANE, data1, data2  # noqa: E402

from verifier.activations import polynomial, power  # noqa: E402
from verifier.algebra.bounds import bounds_report  # noqa: E402
from verifier.algebra.polys import compile_polynomials  # noqa: E402
from verifier.checker import check_certificate  # noqa: E402
from verifier.network import mlp  # noqa: E402
from verifier.theorems.solving import solve_network, witness_degree  # noqa: E402


def instances():
    """(name, network, data): square ones first, then overparameterized ones."""
    sq = power(2)
    half = polynomial(["0", "1", "1/2"])
    cube = power(3)
    t3 = polynomial(["0", "1", "0", "1"])
    return [
        # the image of (a, w, b, c) is 3-dimensional (a (wx+b)^2 + c spans quadratics with a scaling
        # symmetry), so 4 generic points are never fitted: 0 solutions, proven by Singular's basis {1}
        ("a(wx+b)^2+c, d=4 (square)", mlp(1, [1], activation=sq), data1([0, 1, 2, 3], [1, 0, 2, 5])),
        # t + t^2/2 = ((t + 1)^2 - 1)/2 is a shifted square: the same scaling symmetry, again 0
        ("2-1-1 t+t^2/2, d=5 (square)", mlp(2, [1], activation=half), data2(PLANE[:5], [1, 2, 0, 4, 1])),
        # t + t^3 has no such symmetry: finitely many exact fits
        ("2-1-1 t+t^3, d=5 (square)", mlp(2, [1], activation=t3), data2(PLANE[:5], [1, 2, 0, 4, 1])),
        ("a(wx+b)^2+c, d=3", mlp(1, [1], activation=sq), data1([1, 2, 3], [1, 3, 2])),
        ("a(wx+b)^2+c, d=2", mlp(1, [1], activation=sq), data1([1, 2], [1, 3])),
        ("a(wx+b)^3+c, d=3", mlp(1, [1], activation=cube), data1([1, 2, 3], [1, 3, 2])),
        ("2-1-1 t+t^2/2, d=4", mlp(2, [1], activation=half), data2(PLANE[:4], [1, 2, 0, 4])),
        ("2-2-1 t^2, d=6", mlp(2, [2], activation=sq), data2(PLANE, [1, 2, 0, 4, 1, 3])),
        ("1-1-1 t+t^3, d=3", mlp(1, [1], activation=t3), data1([1, 2, 3], [1, 3, 2])),
        ("1-1-1-1 t^2 (depth 2), d=4", mlp(1, [1, 1], activation=sq), data1([1, 2, 3, 4], [1, 0, 1, 2])),
    ]


def _fmt(v):
    if v is None:
        return "-"
    if isinstance(v, dict):
        v = v.get("value")
    return "-" if v is None else str(v)


def row(name, net, data, timeout, out_dir, monodromy=True):
    ps = compile_polynomials(net, data)
    rep = bounds_report(ps)
    k, depth = rep["degrees"]["liao_poggio"]["k"], rep["degrees"]["liao_poggio"]["depth"]
    t0 = time.perf_counter()
    if ps.n == ps.m:
        doc = solve_network(net, data, timeout=timeout).to_json()
    else:
        doc = witness_degree(net, data, timeout=timeout).to_json()
    secs = time.perf_counter() - t0
    s = doc["summary"]
    rc = check_certificate(doc)
    if out_dir:
        safe = "".join(c if c.isalnum() else "-" for c in name).strip("-")
        with open(os.path.join(out_dir, f"{safe}.json"), "w") as fh:
            json.dump(doc, fh, indent=1)
    found = f"{s['certified']}{' (exact)' if s['exact'] else ' (lower bound)'}"
    mono = "-"
    if ps.n > ps.m and monodromy:
        t0 = time.perf_counter()
        md = witness_degree(net, data, timeout=timeout, method="monodromy").to_json()
        ms = time.perf_counter() - t0
        mo = md["summary"]["monodromy"]
        ok = check_certificate(md).status
        trace = ("no start point" if mo["stop_reason"] == "no start point"
                 else f"trace {'passed' if mo['trace_passed'] else 'NOT passed'}")
        mono = (f"{md['summary']['certified']}{' (exact)' if md['summary']['exact'] else ''}, "
                f"{mo['paths_tracked']} paths, {trace}, {ms:.1f} s, {ok}")
    hom = s.get("homotopy") or {}
    return (f"| {name} | {ps.n} | {ps.m} | {k} | {depth} | {_fmt(rep['liao_poggio'])} | "
            f"{_fmt(rep['smale_shub_real_estimate'])} | {s['total_degree_bezout']} | {s['multihomogeneous_bezout']} | "
            f"{found} | {s['real']} | {_fmt(s.get('msolve_solutions'))} | {hom.get('paths', '-')} | {secs:.1f} | "
            f"{rc.status} | {mono} |")


HEADER = ("| instance | n | N = l*d | k | depth | Liao-Poggio k^(N depth) | Smale-Shub k^(N depth/2) | total-degree "
          "Bezout | m-Bezout | certified (complex) | certified real | msolve | homotopy paths | s | checker | "
          "monodromy: certified, paths, trace test, s, checker |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--out", default=None, help="folder for the certificates")
    ap.add_argument("--only", default=None, help="substring of the instance names to run")
    ap.add_argument("--no-monodromy", action="store_true", help="skip the monodromy column")
    args = ap.parse_args(argv)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    print(HEADER)
    for name, net, data in instances():
        if args.only and args.only not in name:
            continue
        print(row(name, net, data, args.timeout, args.out, monodromy=not args.no_monodromy), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
