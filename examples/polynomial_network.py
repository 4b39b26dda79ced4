"""Liao-Poggio's algebraic picture on a small polynomial network, end to end.

The network f(x) = a (w x + b)^2 + c (one hidden unit, activation t^2, n = 4 parameters) can only
represent quadratics in x. The script asks the verifier four questions and re-checks each answer with
the independent checker:

1. ``liao-poggio-bezout``: the residuals' exact degrees and the Bezout numbers;
2. ``liao-poggio-dimension``: the generic rank of J is 3 = dim span{1, x, x^2}, so on 4 points the image
   has measure zero and M is empty for generic targets (certified from both sides: a nonzero minor
   modulo a prime, and the rescaling symmetry of the hidden unit);
3. ``liao-poggio-nullstellensatz``: y = x^3 on 4 points has no interpolant; cofactors with
   1 = sum g_i H_i prove it;
4. ``cooper-2.1-global``: with targets y = 0 on 3 points, 0 is a critical value (the zero network fits
   with rank J = 1); a perturbation of the targets by less than 1/1000 makes it a regular value.

Usage::

    python examples/polynomial_network.py [--out-dir DIR]

Needs the engines of the ``algebra`` extra (``pip install -e ".[algebra]"``). Writes the four
certificates and ``report.html`` (the regular-value one) into ``--out-dir`` (default: a temporary
directory). Exit code 0 only if every answer is as expected AND re-checks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from flint import fmpq

import verifier
from verifier.activations import power


def data(xs, ys):
    return verifier.Dataset([[fmpq(x)] for x in xs], [[fmpq(y)] for y in ys])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", help="folder for the certificates and report.html (default: a temporary directory)")
    args = ap.parse_args(argv)
    out_dir = args.out_dir or tempfile.mkdtemp(prefix="verifier-poly-")
    os.makedirs(out_dir, exist_ok=True)
    net = verifier.mlp(1, [1], activation=power(2))
    print(f"network: {net.summary()}  (labels {', '.join(net.labels)})")

    questions = [
        ("liao-poggio-bezout", data([0, 1, 2, 3], [1, 0, 2, 5]), "verified"),
        ("liao-poggio-dimension", data([0, 1, 2, 5], [1, 0, 2, 5]), "verified"),
        ("liao-poggio-nullstellensatz", data([0, 1, 2, 3], [0, 1, 8, 27]), "verified"),
        ("cooper-2.1-global", data([1, 2, 3], [0, 0, 0]), "refuted"),
    ]
    ok = True
    for theorem, ds, expected in questions:
        cert = verifier.verify(theorem, ds, network=net, timeout=60)
        print("\n" + cert.summary())
        path = os.path.join(out_dir, f"{theorem}.json")
        cert.write(path)
        with open(path, encoding="utf-8") as fh:
            report = verifier.check(json.load(fh))
        print(f"  checker: {report.status}")
        ok &= cert.status == expected and report.status == expected
        if theorem == "liao-poggio-bezout":
            ps = verifier.compile_polynomials(net, ds)
            print(f"  H_1 = {ps.sympy()[0]}")
        if theorem == "cooper-2.1-global":
            html_path = os.path.join(out_dir, "report.html")
            with open(html_path, "w", encoding="utf-8") as fh:
                fh.write(verifier.html_report(cert.to_json()))
            print(f"  report: {html_path}")
            print("  0 is a critical value at y = 0; the sard-perturbation claim certifies y + r with |r| < 1/1000")
    print(f"\nresult: {'all four answers as expected and independently re-checked' if ok else 'UNEXPECTED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
