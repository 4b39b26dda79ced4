"""End to end at scale: verify_at_scale (Gauss-Newton, Gram, spectrum, PD proof, Kantorovich) and the
numpy checker, for a one-hidden-layer MLP 20-W-1 (tanh) at n ~ 1e5 (d = 500) and n ~ 1e6 (d = 2000).

Usage::

    python benchmarks/bench_torch_verify.py            # both sizes
    python benchmarks/bench_torch_verify.py --quick    # n ~ 1e5 only

The start: random hidden weights (1/sqrt(fan-in)), output layer fitted by least squares and perturbed by
1e-3, so Gauss-Newton starts near M. Prints one row per size: times of each stage and of the checker,
peak RSS. Baseline in the same run: forming J explicitly (torch.func.jacrev) at the small size only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time

import numpy as np
import torch

from verifier.checker import check_certificate
from verifier.torch_backend import models
from verifier.theorems.cooper_float import verify_at_scale


def start(doc, X, Y, seed):
    model = models.model_from_doc(doc)
    rng = np.random.default_rng(seed)
    p, h = doc["p"], doc["layers"][0]["out"]
    W = rng.normal(size=(h, p)) / np.sqrt(p)
    b = rng.normal(size=h) * 0.5
    A = np.tanh(X @ W.T + b)
    Aa = np.hstack([A, np.ones((A.shape[0], 1))])
    sol = np.linalg.lstsq(Aa, Y, rcond=None)[0]
    V, c = sol[:-1].T, sol[-1]
    w = np.concatenate([W.ravel(), b, V.ravel(), c])
    w[-(h + 1):] += 1e-3 * rng.normal(size=h + 1)
    assert w.shape[0] == model.n
    return w


def run(h, d, seed=0, baseline=False):
    doc = {"format": "verifier-mlp", "version": 1, "p": 20, "l": 1,
           "layers": [{"out": h, "bias": True, "activation": "tanh"}, {"out": 1, "bias": True, "activation": None}]}
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(d, 20)), rng.normal(size=(d, 1))
    w0 = start(doc, X, Y, seed)
    t0 = time.perf_counter()
    cert = verify_at_scale("cooper-2.3", doc, w0, X, Y, arrays_name="b.arrays.npz")
    t_verify = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        cert.write(os.path.join(tmp, "b.json"))
        t0 = time.perf_counter()
        rep = check_certificate(json.load(open(os.path.join(tmp, "b.json"))), base_dir=tmp)
        t_check = time.perf_counter() - t0
    row = {"n": models.n_params(doc), "d": d, "status": cert.status, "checker": rep.status,
           **{k: round(v, 2) for k, v in cert.doc["timings_s"].items()}, "check_s": round(t_check, 2),
           "verify_s": round(t_verify, 2), "GN max|H|": cert.doc["extra"]["gauss_newton_max_abs_H"][-1],
           "peak_rss_GiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)}
    if baseline:
        m = models.model_from_doc(doc)
        t0 = time.perf_counter()
        J = m.jacobian_explicit(torch.as_tensor(cert.arrays["w"]), torch.as_tensor(X))
        (J @ J.T)
        row["explicit_J_JJt_s"] = round(time.perf_counter() - t0, 2)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    sizes = [(5000, 500, True)] + ([] if args.quick else [(50000, 2000, False)])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cpus")
    rows = [run(h, d, baseline=b) for h, d, b in sizes]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r.get(k, "")) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
