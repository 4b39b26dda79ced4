"""Benchmark: cooper-connected in the floating-point tier (torch models at scale) against certifying one point
(cooper-2.3, floating-point tier), same network, same run.

MLP 20-W-1 (tanh) on d seeded Gaussian points (targets Gaussian), W = 5000 and d = 500 by default
(n = 110,001). w0: Gauss-Newton from a start near M (as bench_torch_verify.py); w1: Gauss-Newton from w0 plus
Gaussian noise of 2-norm ``--distance`` (a nearby minimum); with ``--retrained`` also two minima from w0
perturbed independently by Gaussian noise of 0.1 times each layer's weight spread and retrained by
Gauss-Newton (the Liao-Poggio protocol; bench_connect.py perturbs by absolute noise 0.1). Prints one row per
pair: segments, seconds to search and certify, seconds per segment, seconds for the checker, the baseline's
seconds and the ratio. The segments of the
sampled test are about sqrt(sigma) / ||J'||_F long (0.1 to 0.2 here; the one-piece test's sqrt(sigma)/gamma_J
was 0.014), each costing its centre's Gram matrix and N forward and backward passes at the sample points.

Usage::

    PYTHONPATH=. python benchmarks/bench_connect_float.py [--width 5000] [--d 500] [--distance 0.5 2]
        [--retrained] [--timeout 600]

The target (issue: the floating-point tier of connect): n about 1e5, d about 500 within 10 minutes on this
2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import verifier  # noqa: E402
from bench_torch_verify import start  # noqa: E402
from verifier.checker.format import FLOAT_TIER  # noqa: E402
from verifier.theorems.cooper_float import verify_at_scale  # noqa: E402
from verifier.torch_backend import models  # noqa: E402
from verifier.torch_backend.verify import gauss_newton  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=5000)
    ap.add_argument("--d", type=int, default=500)
    ap.add_argument("--distance", type=float, nargs="+", default=[0.25, 0.5])
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--retrained", action="store_true",
                    help="also two minima from w0 perturbed independently (noise 0.1 of each layer's weight spread) "
                         "and retrained by Gauss-Newton")
    args = ap.parse_args(argv)
    doc = {"format": "verifier-mlp", "version": 1, "p": 20, "l": 1,
           "layers": [{"out": args.width, "bias": True, "activation": "tanh"},
                      {"out": 1, "bias": True, "activation": None}]}
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(args.d, 20)), rng.normal(size=(args.d, 1))
    model = models.model_from_doc(doc)
    Xt, Yt = torch.as_tensor(X), torch.as_tensor(Y)
    w0 = gauss_newton(model, torch.as_tensor(start(doc, X, Y, 0)), Xt, Yt, steps=30, tol=1e-13)[0].numpy()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; torch threads "
          f"{torch.get_num_threads()}; n = {model.n}, d = {args.d}")
    t = time.perf_counter()
    base = verify_at_scale("cooper-2.3", doc, w0, X, Y, arrays_name="b.arrays.npz")
    t_base = time.perf_counter() - t
    print(f"baseline cooper-2.3 (floating-point tier) at w0: {base.status}, {t_base:.1f} s")
    print(f"{'distance':>8} {'status':>12} {'segments':>8} {'search s':>9} {'s/segment':>9} {'check s':>8} "
          f"{'2.3 s':>6} {'ratio':>6} {'load':>5}")
    pairs = [("d", dist) for dist in args.distance] + ([("retrained", 0.1)] if args.retrained else [])
    for kind, dist in pairs:
        if kind == "d":
            noise = rng.normal(size=model.n)
            noise *= dist / np.linalg.norm(noise)
            wa, w1 = w0, gauss_newton(model, torch.as_tensor(w0 + noise), Xt, Yt, steps=30, tol=1e-13)[0].numpy()
        else:
            wa, w1 = (gauss_newton(model, torch.as_tensor(w0 + _layer_noise(doc, w0, dist, rng)), Xt, Yt, steps=30,
                                   tol=1e-13)[0].numpy() for _ in range(2))
        t = time.perf_counter()
        cert = verifier.verify("cooper-connected", (X, Y), tier=FLOAT_TIER, torch_model=_module(doc, wa),
                               start=wa, end=w1, timeout=args.timeout, arrays_name="c.arrays.npz")
        t_path = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as tmp:
            cert.write(os.path.join(tmp, "c.json"))
            t = time.perf_counter()
            rep = verifier.check(os.path.join(tmp, "c.json"))
            t_check = time.perf_counter() - t
        path = next(c for c in cert.to_json()["claims"] if c["id"] == "path")
        segs = len(path["evidence"].get("segments", []))
        print(f"{np.linalg.norm(w1 - wa):>8.3f} {cert.status + ('' if rep.ok else '*'):>12} {segs:>8} "
              f"{t_path:>9.1f} {t_path / max(segs, 1):>9.2f} {t_check:>8.1f} {t_base:>6.1f} {t_path / t_base:>6.1f} "
              f"{os.getloadavg()[0]:>5.2f}", flush=True)
        if not rep.ok:
            print("    checker:", next((x.strip() for x in rep.lines if "path" in x), rep.status)[:300])
        if cert.status != "verified":
            print("   ", json.dumps(path["message"])[:200])
    print("(* the checker did not accept the certificate; distance: ||w1 - w0||_2 of the two minima)")
    return 0


def _layer_noise(doc, w, scale, rng):
    """Gaussian noise of scale times each layer's weight spread (the std of each of W_1, b_1, V; |c| for c)."""
    out, off, prev = np.zeros_like(w), 0, doc["p"]
    for layer in doc["layers"]:
        for size in (layer["out"] * prev, layer["out"] if layer["bias"] else 0):
            block = w[off:off + size]
            out[off:off + size] = scale * (float(block.std()) if size > 1 else abs(float(block[0])) if size else 0.0) \
                * rng.normal(size=size)
            off += size
        prev = layer["out"]
    return out


def _module(doc, w):
    """The nn.Sequential of the model document (what --torch-model would build)."""
    h = doc["layers"][0]["out"]
    m = torch.nn.Sequential(torch.nn.Linear(doc["p"], h), torch.nn.Tanh(), torch.nn.Linear(h, 1)).double()
    torch.nn.utils.vector_to_parameters(torch.as_tensor(w), m.parameters())
    return m


if __name__ == "__main__":
    raise SystemExit(main())
