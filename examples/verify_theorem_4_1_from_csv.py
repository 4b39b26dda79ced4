"""Certify Cooper's Theorem 4.1 on a CSV dataset, write the certificate and a report, re-check it.

Theorem 4.1: for pairwise distinct inputs x_1..x_d and a smooth rectified activation,
a network whose last hidden layer has width >= d fits the data exactly, so
M = L^{-1}(0) is nonempty, and near the constructed fit M is a smooth manifold of
dimension n - l*d; the Hessian of L there has l*d positive and n - l*d zero eigenvalues.

Usage::

    python examples/verify_theorem_4_1_from_csv.py                  # writes a small demo CSV first
    python examples/verify_theorem_4_1_from_csv.py --csv pts.csv --out-dir results/

The CSV has an optional header; the last column is the target. Values are read as
exact rationals: ``0.1`` is 1/10, ``3/7`` is 3/7. Output files (``cert.json``,
``report.md`` and, for the demo, ``points.csv``) go into ``--out-dir`` (default: a
fresh temporary directory). Exit code 0 only if the certificate is verified AND the
independent checker accepts it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from fractions import Fraction

import verifier

# 12 points in R^3 with a target each: fractions and decimals, all exact.
DEMO_CSV = """\
# x1, x2, x3, y  (exact rationals: 0.1 = 1/10, 3/7 = 3/7)
x1,x2,x3,y
0,0,0,1/2
1,0,0,-0.3
0,1,0,3/7
0,0,1,0.1
1,1,0,2
1,0,1,-5/11
0,1,1,0.25
1,1,1,-1
1/2,1/3,1/4,0.7
-0.2,0.4,3/7,1/9
2,-1,0.5,-2/3
-1/3,-0.6,1.5,0.05
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", help="dataset (CSV, last column = target); default: a 12-point demo CSV")
    ap.add_argument("--out-dir", help="folder for cert.json and report.md (default: a temporary directory)")
    ap.add_argument("--prec", type=int, default=128, help="Arb working precision in bits (default 128)")
    args = ap.parse_args(argv)

    out_dir = args.out_dir or tempfile.mkdtemp(prefix="verifier-4.1-")
    os.makedirs(out_dir, exist_ok=True)
    csv_path = args.csv
    if csv_path is None:
        csv_path = os.path.join(out_dir, "points.csv")
        with open(csv_path, "w", encoding="utf-8") as fh:
            fh.write(DEMO_CSV)
        print(f"wrote demo dataset {csv_path}")

    try:
        data = verifier.load_dataset(csv_path)      # exact rationals
    except verifier.InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"dataset: d = {data.d} points in R^{data.p}, l = {data.l} output(s)")

    cert = verifier.verify("cooper-4.1", data, prec_bits=args.prec)
    print(cert.summary())

    claims = {c.id: c for c in cert.claims}
    n, m = cert.summary_info["n"], data.l * data.d
    if cert.status == "verified":
        print(f"\nM = L^-1(0) is nonempty (a certified zero), and near it a smooth manifold of "
              f"dimension n - l*d = {n} - {m} = {claims['manifold'].evidence['dimension']}")
        sig = claims["hessian-signature"].evidence
        print(f"Hessian of L there: {sig['positive']} positive eigenvalues "
              f"(each >= {float(Fraction(sig['min_positive_lower'])):.3e}), "
              f"{sig['zero']} zero")

    cert_path = os.path.join(out_dir, "cert.json")
    report_path = os.path.join(out_dir, "report.md")
    cert.write(cert_path)
    with open(cert_path, encoding="utf-8") as fh:
        doc = json.load(fh)                          # re-read exactly what was written
    with open(report_path, "w", encoding="utf-8") as fh:
        fh.write(verifier.markdown_report(doc))
    print(f"\nwrote {cert_path}\nwrote {report_path}")

    report = verifier.check(doc)                     # the independent checker
    print("\n" + report.text())
    ok = cert.status == "verified" and report.ok
    print(f"\nresult: {'VERIFIED and independently re-checked' if ok else 'NOT verified'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
