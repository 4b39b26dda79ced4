"""``verifier demo``: the main job on a built-in dataset.

Verifies Theorem 4.1 (with Lemma 3.3 and Proposition 2.3) on twelve points of
a spiral in the plane, then Proposition 2.3 at a minimum found by Gauss-Newton
from a random start on a second, smaller network; writes certificates and
Markdown reports, re-checks each certificate with the independent checker, and
prints what was proven.
"""

from __future__ import annotations

import json
import os

import numpy as np
from flint import fmpq

from .certificate import write_text_atomic
from .checker import check_certificate
from .data import Dataset
from .envelope import envelope
from .errors import InputError
from .network import mlp
from .report import markdown_report
from .theorems import verify


def spiral_dataset(d: int = 12) -> Dataset:
    """d exact rational points on a spiral with targets +-1 alternating (the built-in demo data)."""
    X, Y = [], []
    for i in range(d):
        r = fmpq(i + 2, 4)
        ang = 2.4 * i
        X.append((r * fmpq(round(1000 * np.cos(ang)), 1000), r * fmpq(round(1000 * np.sin(ang)), 1000)))
        Y.append((fmpq(1 if i % 2 == 0 else -1),))
    return Dataset(tuple(X), tuple(Y), source="built-in spiral")


def trained_point(system, seed: int = 1) -> np.ndarray:
    """Gauss-Newton from a random start: an approximate zero of H (a search, not a proof)."""
    from .search import gauss_newton
    rng = np.random.default_rng(seed)
    return gauss_newton(system, rng.normal(size=system.n), steps=50)


def run_demo(out_dir: str, *, as_json: bool = False) -> int:
    from .system import compile_system
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise InputError(f"--out-dir {out_dir} exists and is not a folder")
    os.makedirs(out_dir, exist_ok=True)
    data = spiral_dataset()
    results = []

    cert = verify("cooper-4.1", data, prec_bits=128, seed=0)
    results.append(("cooper-4.1", cert))

    small = Dataset(data.X[:4], data.Y[:4], source="built-in spiral, first 4 points")
    net = mlp(2, [3], activation="softplus")
    system = compile_system(net, small)
    w = trained_point(system)
    point = {lab: float(x) for lab, x in zip(net.labels, w)}
    cert2 = verify("cooper-2.3", small, network=net, point=point, prec_bits=128)
    results.append(("cooper-2.3", cert2))

    summary, ok = [], True
    for name, c in results:
        path = os.path.join(out_dir, f"{name}.json")
        c.write(path)
        doc = c.to_json()
        write_text_atomic(os.path.join(out_dir, f"{name}.md"), markdown_report(doc))
        rep = check_certificate(json.loads(json.dumps(doc)))
        ok = ok and c.status == "verified" and rep.ok
        summary.append({"theorem": name, "status": c.status, "checker": rep.status, "certificate": path,
                        "report": os.path.join(out_dir, f"{name}.md")})
        if not as_json:
            print(c.summary())
            print(f"  certificate {path}   report {os.path.join(out_dir, name + '.md')}")
            print(f"  independent checker: {rep.status} ({rep.seconds:.2f} s)")
            print()
    if as_json:
        print(json.dumps(envelope("demo", status="verified" if ok else "inconclusive",
                                  reason="" if ok else "a demo certificate did not verify or re-check",
                                  files=[p for s in summary for p in (s["certificate"], s["report"])],
                                  result={"certificates": summary}), indent=1))
    else:
        s = results[0][1].summary_info
        print("Proven:")
        print(f"  * Lemma 3.3: a width-{s['d']} smooLU network fits the {s['d']} spiral points exactly "
              "(a true zero of H inside a certified box).")
        print(f"  * Theorem 4.1: M = L^-1(0) is nonempty and, near that zero, a smooth manifold of dimension "
              f"n - d = {s['n']} - {s['d']} = {s['n'] - s['d']}.")
        print(f"  * Proposition 2.3: there the Hessian of L has {s['d']} positive and {s['n'] - s['d']} zero "
              "eigenvalues.")
        s2 = results[1][1].summary_info
        print(f"  * Proposition 2.3 again at a minimum found by Gauss-Newton on a softplus network "
              f"(n = {s2['n']}, d = {s2['d']}): {s2['d']} positive, {s2['n'] - s2['d']} zero eigenvalues.")
        print("Not claimed: smoothness of M on all of R^n (Theorem 2.1 gives it only after a generic "
              "perturbation of the data).")
    return 0 if ok else 1
