"""Remark 4.2: with l outputs, M = L^{-1}(0) has codimension l*d (dimension n - l*d).

A dataset with l = 3 targets per point, loaded from a CSV with ``outputs=3`` (the last
three columns are targets). ``verify("cooper-4.2", ...)`` builds the Lemma 3.3 fit for
all three outputs and proves a true zero with Arb balls. The residuals of output k
depend only on the parameters upstream of output k, so the square system splits into
one d x d block per output; the zero claim's evidence lists these blocks.

Usage::

    python examples/multi_output.py [--csv pts.csv --outputs 3] [--out-dir DIR]

Writes ``points.csv`` (the demo data, unless ``--csv`` is given) and ``cert.json`` into
``--out-dir`` (default: a temporary directory). Exit code 0 only if the certificate is
verified AND the independent checker accepts it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import verifier

# 7 points in R^2, three targets each: columns x1, x2, y1, y2, y3 (exact rationals).
DEMO_CSV = """\
x1,x2,y1,y2,y3
0,0,1,0,-1/2
1,0,0.2,1,3/7
0,1,-1,0.5,0
1,1,2/3,-2,0.1
1/2,1/2,0,0,1
-1,1/4,0.75,-1/3,2
2,-0.5,-0.4,1/9,-1
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", help="dataset CSV whose last --outputs columns are targets (default: 7-point demo)")
    ap.add_argument("--outputs", type=int, default=3, help="number of target columns l (default 3)")
    ap.add_argument("--out-dir", help="folder for cert.json and report.html (default: a temporary directory)")
    args = ap.parse_args(argv)
    out_dir = args.out_dir or tempfile.mkdtemp(prefix="verifier-4.2-")
    os.makedirs(out_dir, exist_ok=True)
    csv_path = args.csv
    if csv_path is None:
        csv_path = os.path.join(out_dir, "points.csv")
        with open(csv_path, "w", encoding="utf-8") as fh:
            fh.write(DEMO_CSV)
        print(f"wrote demo dataset {csv_path}")
    try:
        data = verifier.load_dataset(csv_path, outputs=args.outputs)
    except verifier.InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # The same from arrays: verifier.dataset_from_arrays(X, Y) with Y of shape (d, 3).
    print(f"dataset: d = {data.d} points in R^{data.p}, l = {data.l} outputs")

    cert = verifier.verify("cooper-4.2", data)
    print(cert.summary())

    claims = {c.id: c for c in cert.claims}
    n = cert.summary_info["n"]
    if cert.status == "verified":
        codim = claims["rank-J"].evidence["rank"]
        dim = claims["manifold"].evidence["dimension"]
        print(f"\nn = {n} parameters, l*d = {data.l} * {data.d} equations")
        print(f"codimension of M near the certified zero: rank J = l*d = {codim}")
        print(f"dimension of M near the certified zero:   n - l*d = {n} - {codim} = {dim}")
        blocks = claims["zero"].evidence["blocks"]
        print(f"the square system splits into {len(blocks)} independent blocks (one per output):")
        for k, block in enumerate(blocks):
            print(f"  block {k}: {len(block)} unknowns  {', '.join(block)}")

    cert_path = os.path.join(out_dir, "cert.json")
    cert.write(cert_path)
    html_path = os.path.join(out_dir, "report.html")     # the readable report, figures inline
    with open(html_path, "w", encoding="utf-8") as fh:
        fh.write(verifier.html_report(cert.to_json()))
    print(f"report: {html_path}")
    with open(cert_path, encoding="utf-8") as fh:
        report = verifier.check(json.load(fh))        # the independent checker
    print(f"\nwrote {cert_path}\n")
    print(report.text())
    ok = cert.status == "verified" and report.ok
    print(f"\nresult: {'VERIFIED and independently re-checked' if ok else 'NOT verified'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
