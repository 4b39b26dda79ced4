"""Benchmark the torch backend: structured Gram, spectrum and Gauss-Newton to M at n ~ 1e5 / 1e6.

Usage::

    python benchmarks/bench_torch_gram.py            # n ~ 1e5 (d = 500) and n ~ 1e6 (d = 2000)
    python benchmarks/bench_torch_gram.py --quick    # n ~ 1e5, d = 500 only
    python benchmarks/bench_torch_gram.py --threads 1

Input dimension 20, scalar output, softplus. The point on M: random hidden weights, the
output layer fitted exactly by least squares (width >= d), then perturbed by 1e-4 and
pulled back by Gauss-Newton. Goals of the issue: spectrum for n = 1e6, d = 2000 under 60 s
and under 5 minutes including Gauss-Newton on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import torch

from verifier.network import mlp
from verifier.torch_backend import (
    TorchMLP,
    certify_gram_pd,
    gauss_newton_to_M,
    hessian_spectrum_at_M,
)


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def point_on_M(model, X, Y, seed):
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(model.n, generator=gen, dtype=torch.float64)
    layers = model.weights(w)
    # He-like scaling keeps the hidden activations O(1)
    layers = [(W / W.shape[1] ** 0.5, b) for W, b in layers]
    A = X
    for k in range(model.n_layers - 1):
        W, b = layers[k]
        A = model.acts[k][0](A @ W.T + (0 if b is None else b))
    Aaug = torch.cat([A, torch.ones(A.shape[0], 1, dtype=A.dtype)], dim=1)
    sol = torch.linalg.lstsq(Aaug, Y).solution
    layers[-1] = (sol[:-1].T.contiguous(), sol[-1])
    return model.flatten(layers)


def run(widths, d, seed=0, certify=True):
    net = mlp(20, widths, l=1, activation="softplus")
    model = TorchMLP.from_network(net)
    rng = np.random.default_rng(seed)
    X = torch.as_tensor(rng.normal(size=(d, 20)))
    Y = torch.as_tensor(rng.normal(size=(d, 1)))
    row = {"widths": "-".join(map(str, [20, *widths, 1])), "n": net.n, "d": d}
    t = time.perf_counter()
    w = point_on_M(model, X, Y, seed)
    row["fit_s"] = time.perf_counter() - t
    row["H0"] = float(model.residual(w, X, Y).abs().max())
    t = time.perf_counter()
    K = model.gram_structured(w, X)
    row["gram_s"] = time.perf_counter() - t
    t = time.perf_counter()
    spec = hessian_spectrum_at_M(K, n=net.n)
    row["eigh_s"] = time.perf_counter() - t
    ev = spec["eigenvalues"]
    row["hess_min"], row["hess_max"] = float(ev[0]), float(ev[-1])
    if certify:
        t = time.perf_counter()
        res = certify_gram_pd(lambda: model.gram_structured(w, X, with_abs=True), lambda_hint=float(ev[0]) / 2)
        row["cert_s"] = time.perf_counter() - t
        row["cert"] = res["positive_definite"]
        row["lam_lower"] = res["lambda_min_lower"]
    gen = torch.Generator().manual_seed(seed + 1)
    wp = w + 1e-4 * torch.randn(model.n, generator=gen, dtype=torch.float64) / max(widths) ** 0.5
    t = time.perf_counter()
    _, hist = gauss_newton_to_M(model, wp, X, Y, steps=10, tol=1e-9)
    row["gn_s"] = time.perf_counter() - t
    row["gn_hist"] = " ".join(f"{h:.1e}" for h in hist)
    row["peak_GiB"] = peak_rss_gib()
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only n ~ 1e5, d = 500")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch intra-op threads")
    ap.add_argument("--no-certify", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, cpus {os.cpu_count()}")
    configs = [([4762], 500)]                     # n = 22*4762 + 1 = 104765
    if not args.quick:
        configs.append(([493, 2000], 2000))       # n = 21*493 + 2001*2000 + 2001 = 1000354; last width >= d
    rows = [run(wd, d, certify=not args.no_certify) for wd, d in configs]
    keys = ["widths", "n", "d", "H0", "gram_s", "eigh_s", "cert_s", "cert", "lam_lower", "gn_s", "peak_GiB",
            "hess_min", "hess_max", "gn_hist"]
    for r in rows:
        print()
        for k in keys:
            if k in r:
                v = r[k]
                print(f"  {k:10s} {v:.3g}" if isinstance(v, float) else f"  {k:10s} {v}")


if __name__ == "__main__":
    main()
