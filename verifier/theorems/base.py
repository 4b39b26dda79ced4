"""What every theorem module shares: the hypothesis claims, the instance summary, reading a point."""

from __future__ import annotations

from flint import fmpq

from ..activations import parse_rational
from ..certificate import REFUTED, VERIFIED, Claim
from ..checker.format import REMARK_2_2, cooper_message, cooper_statement  # noqa: F401 - REMARK_2_2 re-exported
from ..checks import to_fmpq
from ..data import Dataset
from ..errors import InputError
from ..network import Network

def _claim(cid: str, status: str, scope: str, evidence: dict, n: int, m: int, d: int, **facts) -> Claim:
    """A Cooper claim whose statement and message are the shared rendering (checker.format) the checker
    requires verbatim."""
    return Claim(cid, status, scope, cooper_statement(cid, n, m), evidence,
                 cooper_message(cid, status, n=n, m=m, d=d, **facts) or "")


def distinct_claim(data: Dataset, n: int) -> Claim:
    groups = data.duplicate_rows()
    m = data.l * data.d
    if not groups:
        return _claim("distinct-inputs", VERIFIED, "instance", {}, n, m, data.d)
    labels = data.row_labels or tuple(range(1, data.d + 1))
    pairs = [[g[0] - 1, j - 1] for g in groups for j in g[1:]]
    rows = [[labels[i] for i in pair] for pair in pairs]
    return _claim("distinct-inputs", REFUTED, "instance", {"duplicate_indices": pairs, "rows": rows}, n, m, data.d,
                  rows=rows)


def activation_names(net: Network) -> list:
    """The hidden activations' names, sorted and distinct (as claims and the checker state them)."""
    return sorted({a.name for a in net.activations()})


def activation_claims(net: Network, data: Dataset, *, rectified: bool, smooth: bool) -> list:
    acts = net.activations()
    names = activation_names(net)
    m = data.l * data.d
    out = []
    if rectified:
        ok = all(a.is_rectified for a in acts)
        out.append(_claim("activation-rectified", VERIFIED if ok else REFUTED, "instance", {"activations": names},
                          net.n, m, data.d, activations=names))
    if smooth:
        ok = all(a.is_smooth for a in acts)
        out.append(_claim("activation-smooth", VERIFIED if ok else REFUTED, "instance", {"activations": names},
                          net.n, m, data.d, activations=names))
    return out


def overparam_claim(n: int, m: int, d: int) -> Claim:
    return _claim("overparameterized", VERIFIED if n > m else REFUTED, "instance", {"n": n, "equations": m}, n, m, d)


def width_claim(width: int, n: int, m: int, d: int) -> Claim:
    return _claim("hidden-width", VERIFIED if width >= d else REFUTED, "instance", {"width": width, "d": d}, n, m, d,
                  width=width)


def instance_summary(net: Network, data: Dataset) -> dict:
    return {"network": f"{net.name}, {', '.join(activation_names(net))}", "n": net.n, "d": data.d, "l": data.l,
            "p": data.p}


def point_values(net: Network, point) -> list:
    """A point given as {label: value} or a sequence in label order -> list of exact rationals."""
    import numpy as np
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
