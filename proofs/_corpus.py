"""Shared machinery for the proof corpus (``proofs/cooper_*.py``).

Each script builds a deterministic list of :class:`Instance` objects and calls
:func:`main`, which verifies every instance, writes its certificate to
``proofs/certificates/<theorem>/<name>.json``, prints one line per instance
(name, status, expected status) and an ``index.json`` that ``run_all.py`` and
``tests/test_proofs.py`` read. The exit status is non-zero if any status differs
from the expected one.

Everything here is deterministic: datasets are exact rationals drawn from
``random.Random(seed)``, starting points for Gauss-Newton from
``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
from flint import fmpq  # noqa: E402

from verifier.data import Dataset  # noqa: E402
from verifier.demo import spiral_dataset  # noqa: E402,F401  (re-exported for the scripts)
from verifier.network import mlp  # noqa: E402
from verifier.system import compile_system  # noqa: E402
from verifier.search import gauss_newton
from verifier.theorems import THEOREMS  # noqa: E402

# VERIFIER_PROOFS_OUT redirects the certificates (the tests regenerate the corpus into a
# temporary folder and compare it with the committed one).
CERT_DIR = os.environ.get("VERIFIER_PROOFS_OUT") or os.path.join(HERE, "certificates")


@dataclass
class Instance:
    """One theorem instance: a dataset, the options for ``verify`` and the status we expect."""

    name: str
    data: Dataset
    options: dict
    expected: str = "verified"
    note: str = ""                       # what the instance is (and, for a failing one, which hypothesis fails)
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# deterministic datasets


def random_dataset(d: int, p: int, l: int = 1, seed: int = 0, *, source: str = "") -> Dataset:  # noqa: E741
    """d pairwise distinct inputs in [-4, 4]^p on the grid (1/16)Z^p, targets in [-2, 2] on (1/4)Z.

    Exact rationals throughout; the same (d, p, l, seed) always gives the same dataset.
    """
    rng = random.Random(f"{d}-{p}-{l}-{seed}")
    X, seen = [], set()
    while len(X) < d:
        x = tuple(fmpq(rng.randint(-64, 64), 16) for _ in range(p))
        if x not in seen:
            seen.add(x)
            X.append(x)
    Y = [tuple(fmpq(rng.randint(-8, 8), 4) for _ in range(l)) for _ in range(d)]
    return Dataset(tuple(X), tuple(Y), source=source or f"random d={d} p={p} l={l} seed={seed}")


def with_duplicate(data: Dataset, *, source: str = "") -> Dataset:
    """The same dataset with the last input replaced by a copy of the first (targets kept): not distinct."""
    X = list(data.X)
    X[-1] = X[0]
    return Dataset(tuple(X), data.Y, source=source or (data.source + ", last input = first input"))


def trained_point(net, data: Dataset, seed: int, steps: int = 60) -> dict:
    """Gauss-Newton (float64) from a seeded standard-normal start: an approximate zero (a search, not a proof)."""
    system = compile_system(net, data)
    rng = np.random.default_rng(seed)
    w = gauss_newton(system, rng.normal(size=system.n), steps=steps)
    return {lab: float(x) for lab, x in zip(net.labels, w)}


def local_instance(name, data, *, p, widths, activation, l=1, seed=0, expected="verified", note=""):  # noqa: E741
    """A cooper-2.1 / 2.3 instance: mlp(p, widths, l, activation) at a Gauss-Newton point from ``seed``."""
    net = mlp(p, widths, l=l, activation=activation)
    point = trained_point(net, data, seed)
    return Instance(name, data, {"network": net, "point": point, "prec_bits": 128, "seed": seed}, expected, note)


# ---------------------------------------------------------------------------
# the common loop


def main(theorem: str, family: str, instances: list) -> int:
    """Verify, write certificates and index.json, print one line per instance; 0 iff every status is as expected."""
    thm = THEOREMS[theorem]
    out = os.path.join(CERT_DIR, theorem)
    os.makedirs(out, exist_ok=True)
    names = [inst.name for inst in instances]
    if len(set(names)) != len(names):
        raise SystemExit(f"{theorem}: duplicate instance names")
    for f in os.listdir(out):                       # a regenerated corpus has no stale certificates
        if f.endswith(".json"):
            os.unlink(os.path.join(out, f))
    rows, bad = [], 0
    t_all = time.perf_counter()
    print(f"{theorem}: {family}")
    for inst in instances:
        t0 = time.perf_counter()
        cert = thm.verify(inst.data, **inst.options)
        secs = time.perf_counter() - t0
        path = os.path.join(out, f"{inst.name}.json")
        cert.write(path)
        ok = cert.status == inst.expected
        bad += not ok
        s = cert.summary_info
        print(f"  {inst.name:34s} {cert.status:12s} expected {inst.expected:12s} "
              f"{'ok' if ok else 'MISMATCH'}  (n={s.get('n')}, d={s.get('d')}, p={s.get('p')}, l={s.get('l')}; "
              f"{secs:.2f} s)" + ("" if cert.status == "verified" else f"  -- {cert.reason}"))
        rows.append({"name": inst.name, "file": f"{inst.name}.json", "status": cert.status,
                     "expected": inst.expected, "note": inst.note, "n": s.get("n"), "d": s.get("d"),
                     "p": s.get("p"), "l": s.get("l"), "network": s.get("network"), "seconds": round(secs, 3)})
    index = {"theorem": theorem, "title": thm.title, "family": family, "script": f"proofs/{_script(theorem)}",
             "instances": rows}
    with open(os.path.join(out, "index.json"), "w", encoding="utf-8") as fh:
        json.dump(index, fh, indent=1)
        fh.write("\n")
    print(f"  {len(rows)} instances, {len(rows) - bad} as expected, {time.perf_counter() - t_all:.1f} s")
    return 1 if bad else 0


def _script(theorem: str) -> str:
    return theorem.replace("-", "_").replace(".", "_") + ".py"
