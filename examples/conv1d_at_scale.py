"""A Conv1d network trained in torch: its Hessian near M, then Theorem 2.3 in the floating-point tier.

Needs the extra ``torch`` (CPU: ``pip install torch==2.13.0``). The network reads signals
of length 64 (one channel): two convolutions with tanh, a flattening, a tanh layer of
width 64 and a linear output; n = 16,889 parameters, d = 120 signals.

1. Train with Adam for ``--steps`` steps (the loss stays small but nonzero).
2. At the trained point, ``hessian_off_M``: all 120 eigenvalues of 2 J J^T, a bound on the
   rest of the Hessian by Lanczos, and Weyl's counts (how many eigenvalues are certainly
   positive; the others may be zero or negative).
3. ``verify_at_scale("cooper-2.3", ...)``: Gauss-Newton to M, a Rump positive-definiteness
   proof of J J^T, a Kantorovich radius to a true zero, the Hessian signature there
   (120 positive, n - 120 zero). The certificate is written with its arrays file and
   re-checked by the independent numpy checker.

Usage::

    python examples/conv1d_at_scale.py [--steps 150] [--out-dir DIR]

Writes ``cert.json`` and ``cert.arrays.npz`` into ``--out-dir`` (default: a temporary
directory). Exit code 0 only if the certificate is verified AND the checker accepts it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import numpy as np

try:
    import torch
except ImportError:
    sys.exit("this example needs torch: pip install torch==2.13.0")

from verifier.checker import check_certificate
from verifier.torch_backend import models
from verifier.torch_backend.spectrum import hessian_off_M
from verifier.theorems.cooper_float import verify_at_scale


def build():
    torch.manual_seed(0)
    nn = torch.nn
    return nn.Sequential(nn.Conv1d(1, 8, 5, padding=2), nn.Tanh(),
                         nn.Conv1d(8, 8, 5, stride=2, padding=2), nn.Tanh(),
                         nn.Flatten(), nn.Linear(8 * 32, 64), nn.Tanh(), nn.Linear(64, 1)).double()


def data(d=120, length=64, seed=0):
    """Noisy sine bursts; the target is the burst's frequency (a smooth function of the signal)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, length)
    freq = rng.uniform(1.0, 6.0, size=d)
    X = np.sin(2 * np.pi * freq[:, None] * t[None, :]) + 0.1 * rng.normal(size=(d, length))
    return X[:, None, :], ((freq - 3.5) / 2.5)[:, None]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=150, help="Adam steps before the analysis (default 150)")
    ap.add_argument("--out-dir", help="where to write cert.json (default: a temporary directory)")
    args = ap.parse_args(argv)
    out = args.out_dir or tempfile.mkdtemp(prefix="verifier-conv1d-")
    os.makedirs(out, exist_ok=True)

    module = build()
    X, Y = data()
    Xt, Yt = torch.as_tensor(X), torch.as_tensor(Y)
    opt = torch.optim.Adam(module.parameters(), lr=3e-3)
    for step in range(args.steps):
        opt.zero_grad()
        loss = ((module(Xt) - Yt) ** 2).sum()
        loss.backward()
        opt.step()
    print(f"trained {args.steps} Adam steps: L = {loss.item():.3e}")

    Xf = X.reshape(X.shape[0], -1)
    doc, w = models.from_module(module, X=Xf)       # X: also checks that the document reproduces the module
    model = models.model_from_doc(doc)
    print(f"network: {models.describe(doc)}, n = {model.n}, d = {Xf.shape[0]}")

    res = hessian_off_M(model, w, Xf, Y, lanczos_steps=30)
    print(f"near M: ||S||_2 <= {res['second_part_norm_bound']:.3e} (probability >= "
          f"{res['second_part_bound_confidence']:g}); {res['n_positive']} of {res['n']} Hessian eigenvalues "
          f"certainly positive, {res['n_near_zero']} within [{res['near_zero_interval'][0]:.2e}, "
          f"{res['near_zero_interval'][1]:.2e}]")

    cert = verify_at_scale("cooper-2.3", doc, w, Xf, Y, arrays_name="cert.arrays.npz")
    print(cert.summary())
    path = os.path.join(out, "cert.json")
    cert.write(path)
    with open(path, encoding="utf-8") as fh:
        rep = check_certificate(json.load(fh), base_dir=out)
    print(rep.text())
    ok = cert.status == "verified" and rep.ok
    print("result: VERIFIED and independently re-checked" if ok else "result: NOT verified")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
