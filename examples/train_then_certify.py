"""Train a small softplus MLP by gradient descent, then certify Proposition 2.3 at the trained point.

Proposition 2.3: at a point w* of M = L^{-1}(0) where J = dH/dw has full rank l*d,
the Hessian of L = |H|^2 is 2 J^T J, with l*d positive eigenvalues and n - l*d zeros.

Training only gets *near* M. ``verify("cooper-2.3", ...)`` starts from the trained
weights, refines them (Gauss-Newton, float64) and proves with Arb balls that a true
zero of H lies in a tiny box there, with rank J = l*d on the box; the certificate
states the Hessian signature. As a numerical cross-check this script then computes
the full Hessian of L in float64 at the certified midpoint and counts its (numerically)
zero eigenvalues with numpy.

Usage::

    python examples/train_then_certify.py [--steps 4000] [--out-dir DIR]

Writes ``cert.json`` into ``--out-dir`` (default: a temporary directory). Exit code 0
only if the certificate is verified AND the independent checker accepts it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from fractions import Fraction

import numpy as np

import verifier

# 5 points in R^2 with one target each (exact rationals).
X = [["0", "0"], ["1", "0"], ["0", "1"], ["1", "1"], ["1/2", "-1/3"]]
Y = ["1/2", "-1/4", "3/10", "1", "-0.6"]


def train(system, w, *, steps: int, lr: float, every: int) -> np.ndarray:
    """Plain gradient descent on L(w) = |H(w)|^2, gradient 2 J^T H."""
    for step in range(steps + 1):
        h = system.value_f64(w)
        loss = float(h @ h)
        if step % every == 0 or step == steps:
            print(f"  step {step:5d}   L = {loss:.3e}")
        if step == steps:
            break
        w = w - lr * 2.0 * system.jacobian_f64(w).T @ h
    return w


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=4000, help="gradient-descent steps (default 4000)")
    ap.add_argument("--lr", type=float, default=0.02, help="learning rate (default 0.02)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random initialisation")
    ap.add_argument("--out-dir", help="folder for cert.json and report.html (default: a temporary directory)")
    args = ap.parse_args(argv)
    out_dir = args.out_dir or tempfile.mkdtemp(prefix="verifier-train-")
    os.makedirs(out_dir, exist_ok=True)

    data = verifier.dataset_from_arrays(X, Y, source="train_then_certify")
    net = verifier.mlp(2, [6], activation="softplus")
    system = verifier.compile_system(net, data)
    n, m = net.n, data.l * data.d
    print(f"network {net.name} (softplus), n = {n} parameters; d = {data.d} points, l*d = {m} equations")

    rng = np.random.default_rng(args.seed)
    w0 = rng.normal(scale=0.5, size=n)
    print(f"gradient descent, {args.steps} steps, learning rate {args.lr}:")
    w = train(system, w0, steps=args.steps, lr=args.lr, every=max(1, args.steps // 8))

    point = {lab: float(v) for lab, v in zip(net.labels, w)}      # {label: value}
    cert = verifier.verify("cooper-2.3", data, network=net, point=point)
    print()
    print(cert.summary())

    claims = {c.id: c for c in cert.claims}
    ok_numeric = False
    if cert.status == "verified":
        # The certified point: each coordinate is {mid, rad} (an unknown) or an exact rational.
        mids = np.array([float(Fraction(v["mid"] if isinstance(v, dict) else v)) for v in
                         (cert.point[lab] for lab in net.labels)])
        print(f"\nthe certified zero is within {claims['zero'].evidence['distance_bound']} (max-norm, checked) "
              f"of the trained weights; float64 loss there {system.loss_f64(mids):.1e}")
        lam = np.linalg.eigvalsh(system.loss_hessian_f64(mids))
        n_zero, n_pos = int(np.sum(np.abs(lam) < 1e-8)), int(np.sum(np.abs(lam) > 1e-8))
        sig = claims["hessian-signature"].evidence
        print("Hessian of L at the certified midpoint (float64, numpy eigvalsh):")
        print(f"  numerical: {n_pos} eigenvalues with |lambda| > 1e-8 (smallest {np.sort(np.abs(lam))[n_zero]:.3e}), "
              f"{n_zero} with |lambda| < 1e-8 (largest {np.max(np.abs(lam)[np.abs(lam) < 1e-8], initial=0):.1e})")
        print(f"  certified: {sig['positive']} positive (each >= {float(Fraction(sig['min_positive_lower'])):.3e}), "
              f"{sig['zero']} zero      [l*d = {m}, n - l*d = {n - m}]")
        if sig.get("spectrum"):   # Arb enclosures of the positive eigenvalues (reported for small n)
            print("  certified enclosures of the positive eigenvalues: " + ", ".join(sig["spectrum"]))
            print("  numerical positive eigenvalues:                   "
                  + ", ".join(f"{x:.8g}" for x in np.sort(lam[np.abs(lam) > 1e-8])))
        ok_numeric = (n_pos, n_zero) == (sig["positive"], sig["zero"])
        print(f"  numerical counts {'match' if ok_numeric else 'DO NOT match'} the certified signature")

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
