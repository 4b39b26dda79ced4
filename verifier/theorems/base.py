"""What every theorem module shares: the hypothesis claims, the instance summary, reading a point."""

from __future__ import annotations

import numpy as np
from flint import fmpq

from ..activations import parse_rational
from ..certificate import REFUTED, VERIFIED, Claim
from ..checker.format import REMARK_2_2  # noqa: F401 - re-exported for the theorem modules
from ..checks import to_fmpq
from ..data import Dataset
from ..errors import InputError
from ..network import Network

def distinct_claim(data: Dataset) -> Claim:
    groups = data.duplicate_rows()
    statement = "the inputs x_i are pairwise distinct"
    if not groups:
        return Claim("distinct-inputs", VERIFIED, "instance", statement, {},
                     f"the {data.d} inputs are pairwise distinct (exact comparison)")
    labels = data.row_labels or tuple(range(1, data.d + 1))
    pairs = [[g[0] - 1, j - 1] for g in groups for j in g[1:]]
    rows = [[labels[i] for i in pair] for pair in pairs]
    return Claim("distinct-inputs", REFUTED, "instance", statement,
                 {"duplicate_indices": pairs, "rows": rows},
                 f"duplicate inputs x_i at rows {rows[0][0]} and {rows[0][1]}"
                 + (f" (and {len(rows) - 1} more pairs)" if len(rows) > 1 else ""))


def activation_claims(net: Network, *, rectified: bool, smooth: bool) -> list:
    acts = net.activations()
    names = ", ".join(a.name for a in acts)
    out = []
    if rectified:
        bad = [a.name for a in acts if not a.is_rectified]
        out.append(Claim("activation-rectified", REFUTED if bad else VERIFIED, "instance",
                         "every hidden activation is rectified (0 for t <= 0, increasing for t > 0)",
                         {"activations": [a.name for a in acts]},
                         f"{', '.join(bad)} is not rectified; Lemma 3.3 needs a rectified activation such as smoolu"
                         if bad else f"{names} is rectified"))
    if smooth:
        bad = [a.name for a in acts if not a.is_smooth]
        out.append(Claim("activation-smooth", REFUTED if bad else VERIFIED, "instance",
                         "every hidden activation is smooth (C-infinity)", {"activations": [a.name for a in acts]},
                         f"{', '.join(bad)} is not smooth" if bad else f"{names} is smooth"))
    return out


def overparam_claim(n: int, m: int) -> Claim:
    ok = n > m
    return Claim("overparameterized", VERIFIED if ok else REFUTED, "instance",
                 "the network has more parameters than equations: n > l*d", {"n": n, "equations": m},
                 f"n = {n} > l*d = {m}" if ok else f"n = {n} <= l*d = {m}: M is not expected to have "
                 "positive dimension")


def width_claim(width: int, d: int) -> Claim:
    ok = width >= d
    return Claim("hidden-width", VERIFIED if ok else REFUTED, "instance",
                 "the last hidden layer has width >= d", {"width": width, "d": d},
                 f"last hidden width {width} >= d = {d}" if ok else
                 f"the last hidden layer has width {width} < d = {d}; Lemma 3.3 needs width >= d")


def instance_summary(net: Network, data: Dataset) -> dict:
    acts = ", ".join(a.name for a in net.activations())
    return {"network": f"{net.name}, {acts}", "n": net.n, "d": data.d, "l": data.l, "p": data.p}


def point_values(net: Network, point) -> list:
    """A point given as {label: value} or a sequence in label order -> list of exact rationals."""
    if isinstance(point, (str, bytes)) or not isinstance(point, (dict, list, tuple, np.ndarray)):
        raise InputError("a point must be a JSON object {label: value} or a list of values in label order")
    if isinstance(point, dict):
        missing = [lab for lab in net.labels if lab not in point]
        extra = [k for k in point if k not in set(net.labels)]
        if missing or extra:
            raise InputError("the point must give every parameter label exactly once"
                             + (f" (missing {missing[0]!r})" if missing else f" (unknown {extra[0]!r})"))
        vals = [point[lab] for lab in net.labels]
    else:
        vals = list(point)
        if len(vals) != net.n:
            raise InputError(f"the point needs {net.n} values, got {len(vals)}")
    out = []
    bound = fmpq(2) ** 1000
    for v in vals:
        if isinstance(v, str):
            q = parse_rational(v)
        elif isinstance(v, bool) or not isinstance(v, (int, float, fmpq)) and not hasattr(v, "__float__"):
            raise InputError(f"point value {v!r:.40} is not a number")
        else:
            if isinstance(v, float) and not np.isfinite(v):
                raise InputError("the point has a non-finite value")
            q = to_fmpq(v) if not isinstance(v, np.floating) else to_fmpq(float(v))
        if abs(q) > bound:
            shown = repr(v[:40]) if isinstance(v, str) else f"of {len(str(abs(q.p) // q.q))} digits"
            raise InputError(f"point value {shown} is too large: |w| must stay below 2^1000 (float64 range), "
                             "as cooper-2.1/2.3 run Gauss-Newton from the point in float64")
        out.append(q)
    return out
