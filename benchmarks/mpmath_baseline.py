"""The expensive part of the cooper-4.1 certification, re-implemented with mpmath only.

This is the yardstick for ``bench_cooper41.py``: the same Krawczyk proof the
verifier does with Arb (python-flint), done with mpmath's interval context
``mpmath.iv`` at the same precision in bits. It runs on *the same instance*:
the network, the unknowns and the certified box are read from the verifier's
certificate (``cert.to_json()``), the data points are the exact rationals of the
dataset. Nothing from ``verifier`` or ``flint`` is imported here; exact
rationals are ``fractions.Fraction``.

For the Lemma 3.3 network (one hidden layer, smooLU, output layer linear in the
unknown output weights ``W2[0, j]``) the square subsystem is

    G(m) = A m + b_out - y,     A_ij = smoolu(sum_k W1[j, k] x_ik + b1[j]),

and its Jacobian in the unknowns is A itself, independent of m. The steps, each
timed on its own (``phases``):

``hidden``     the d x d pre-activations (d*d*(p+1) interval multiply-adds) and
               smooLU on each, O(d^2 p);
``residual``   G(m0) = A m0 + b_out - y in intervals, O(d^2);
``inverse``    R ~ mid(A)^{-1} with ``mp.inverse`` on the midpoints at the same
               precision (a preconditioner, no error bound needed), O(d^3);
``krawczyk``   K = m0 - R G(m0) + (I - R A)(Z - m0) with ``iv.matrix`` products,
               O(d^3) (the product R A dominates);
``inclusion``  K inside the interior of the exact box Z (endpoints compared as
               exact rationals), and the contraction bound
               ||I - R A||_2 <= sqrt(||.||_1 ||.||_inf), O(d^2).

What it leaves out of the verifier's work: the construction of the network and
of the float starting point, the Newton refinement of m0 (the certificate's
point is already refined), the second ball evaluation of the network over the
box (here A is evaluated once: it does not depend on the unknowns), sigma_min
and the float Hessian spectrum. So it is a *lower* bound on what a full
mpmath-only verifier would cost.
"""

from __future__ import annotations

import re
import time
from fractions import Fraction

import mpmath
from mpmath import iv, mp
from mpmath.libmp import to_rational

# Growth of each phase in d, for the labelled extrapolation (p fixed).
PHASE_ORDER = {"hidden": 2, "residual": 2, "inverse": 3, "krawczyk": 3, "inclusion": 2}

_LABEL = re.compile(r"^(W|b)(\d+)\[(\d+)(?:,(\d+))?\]$")


class BaselineError(Exception):
    """The certificate is not a one-hidden-layer smooLU instance this baseline knows."""


def _q(text) -> Fraction:
    """An exact rational from the certificate's text ("p/q" or an integer)."""
    return Fraction(str(text))


def _iv(q: Fraction):
    """An interval enclosing the exact rational q (outward rounded at iv.prec)."""
    if q.denominator == 1:
        return iv.mpf(q.numerator)
    return iv.mpf(q.numerator) / iv.mpf(q.denominator)


def _exact(point) -> Fraction | None:
    """Exact value of an interval endpoint (an ivmpf point), None when not finite."""
    try:
        p, q = to_rational(point._mpi_[0])
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return Fraction(p, q)


def smoolu_iv(t):
    """smooLU on an interval: t*exp(-1/t) for t > 0, 0 for t <= 0, [0, s(hi)] when t straddles 0.

    s is increasing and >= 0, so on a straddling interval its range lies in [0, s(hi)].
    """
    if t.b <= 0:
        return iv.mpf(0)
    if t.a > 0:
        return t * iv.exp(-1 / t)
    hi = t.b
    return iv.mpf([0, (hi * iv.exp(-1 / hi)).b])


def parse_instance(cert: dict, X, Y):
    """The pieces of the Lemma 3.3 network the proof needs, from the certificate and the exact data.

    X, Y: rows of exact rationals (anything ``str()`` turns into "p/q" text, or Fractions).
    Returns a dict with the hidden layer (weights, biases), the output bias, the
    unknown labels in the certificate's order, their hidden node, and the box.
    """
    net = cert["instance"]["network"]
    kind = {nd["id"]: nd["kind"] for nd in net["nodes"]}
    bias = {nd["id"]: nd.get("bias") for nd in net["nodes"]}
    inputs, outputs = list(net["inputs"]), list(net["outputs"])
    if len(outputs) != 1:
        raise BaselineError("the baseline handles scalar targets (l = 1) only")
    act = net.get("activation")
    if act not in ("smoolu", {"name": "smoolu"}) or any("activation" in nd for nd in net["nodes"]):
        raise BaselineError("the baseline handles the smooLU activation only")
    hidden = [nd["id"] for nd in net["nodes"] if nd["kind"] == "hidden"]
    preds = {v: [] for v in kind}
    for e in net["edges"]:
        preds[e["to"]].append((e["from"], e["weight"]))
    if any(kind[u] != "input" for v in hidden for u, _ in preds[v]):
        raise BaselineError("the baseline handles one hidden layer only")
    point = cert["point"]
    col = {u: c for c, u in enumerate(inputs)}
    W1 = []
    for v in hidden:
        row = [Fraction(0)] * len(inputs)
        for u, lab in preds[v]:
            row[col[u]] += _q(point[lab])
        W1.append(row)
    b1 = [_q(point[bias[v]]) if bias[v] is not None else Fraction(0) for v in hidden]
    out = outputs[0]
    b_out = _q(point[bias[out]]) if bias[out] is not None else Fraction(0)
    zero = next(c for c in cert["claims"] if c["id"] == "zero")
    unknowns = list(zero["evidence"]["unknowns"])
    src_of = {lab: u for u, lab in preds[out]}
    hidx = {v: j for j, v in enumerate(hidden)}
    if set(unknowns) != set(src_of) or len(unknowns) != len(X):
        raise BaselineError("the unknowns must be the d output weights")
    if any(kind[src_of[lab]] != "hidden" for lab in unknowns):
        raise BaselineError("an output edge that does not come from the hidden layer")
    cols = [hidx[src_of[lab]] for lab in unknowns]
    mid = [_q(point[lab]["mid"]) for lab in unknowns]
    rad = [_q(point[lab]["rad"]) for lab in unknowns]
    return {"X": [[_q(c) for c in row] for row in X], "y": [_q(row[0]) for row in Y],
            "W1": W1, "b1": b1, "b_out": b_out, "unknowns": unknowns, "cols": cols, "mid": mid, "rad": rad}


def certify(inst: dict, prec_bits: int = 128) -> dict:
    """Krawczyk test in mpmath intervals on a parsed instance; returns verdict and per-phase seconds."""
    phases = {}
    old_iv, old_mp = iv.prec, mp.prec
    iv.prec = prec_bits
    mp.prec = prec_bits
    try:
        d, p = len(inst["X"]), len(inst["X"][0])
        m = len(inst["unknowns"])

        t = time.perf_counter()
        Xi = [[_iv(c) for c in row] for row in inst["X"]]
        Wi = [[_iv(c) for c in row] for row in inst["W1"]]
        bi = [_iv(c) for c in inst["b1"]]
        A = iv.matrix(d, m)
        for jj, j in enumerate(inst["cols"]):
            w, b = Wi[j], bi[j]
            for i in range(d):
                z = b
                x = Xi[i]
                for k in range(p):
                    z = z + w[k] * x[k]
                A[i, jj] = smoolu_iv(z)
        phases["hidden"] = time.perf_counter() - t

        t = time.perf_counter()
        m0 = iv.matrix([[_iv(q)] for q in inst["mid"]])
        AM = A * m0
        b_out = _iv(inst["b_out"])
        G = iv.matrix(d, 1)
        for i in range(d):
            G[i, 0] = AM[i, 0] + b_out - _iv(inst["y"][i])
        phases["residual"] = time.perf_counter() - t

        t = time.perf_counter()
        Amid = mp.matrix(d, m)
        for i in range(d):
            for j in range(m):
                Amid[i, j] = mp.make_mpf(A[i, j].mid._mpi_[0])
        try:
            R = mp.inverse(Amid)
        except ZeroDivisionError:
            return {"ok": False, "message": "mid(A) is numerically singular", "phases": phases}
        phases["inverse"] = time.perf_counter() - t

        t = time.perf_counter()
        Ri = iv.matrix(m, d)
        for i in range(m):
            for j in range(d):
                Ri[i, j] = iv.mpf(R[i, j])          # an mpf is exact in iv at the same precision
        E = Ri * A
        for i in range(m):
            for j in range(m):
                E[i, j] = (1 if i == j else 0) - E[i, j]
        lo = [q - r for q, r in zip(inst["mid"], inst["rad"])]
        hi = [q + r for q, r in zip(inst["mid"], inst["rad"])]
        dz = iv.matrix(m, 1)
        for j in range(m):
            Zj = iv.mpf([_iv(lo[j]).a, _iv(hi[j]).b])   # encloses the exact box [mid - rad, mid + rad]
            dz[j, 0] = Zj - m0[j, 0]
        K = m0 - Ri * G + E * dz
        phases["krawczyk"] = time.perf_counter() - t

        t = time.perf_counter()
        inside = True
        for j in range(m):
            ka, kb = _exact(K[j, 0].a), _exact(K[j, 0].b)
            if ka is None or kb is None or not (lo[j] < ka and kb < hi[j]):
                inside = False
                break
        rows = [iv.mpf(0)] * m
        cols = [iv.mpf(0)] * m
        for i in range(m):
            for j in range(m):
                a = abs(E[i, j]).b
                rows[i] += a
                cols[j] += a
        e2 = iv.sqrt(max(rows, key=lambda x: x.b) * max(cols, key=lambda x: x.b)).b
        phases["inclusion"] = time.perf_counter() - t
    finally:
        iv.prec, mp.prec = old_iv, old_mp
    ok = inside and e2 < 1
    msg = (f"Krawczyk inclusion holds (mpmath.iv, {prec_bits} bits; ||I - R A|| <= {float(e2.b):.2e})"
           if ok else "Krawczyk inclusion fails in mpmath.iv")
    return {"ok": ok, "message": msg, "phases": phases, "contraction_upper": float(e2.b)}


def run(cert: dict, X, Y, prec_bits: int = 128) -> dict:
    """Parse and certify; ``seconds`` covers both (parsing the rationals is part of the work)."""
    t = time.perf_counter()
    inst = parse_instance(cert, X, Y)
    parse_s = time.perf_counter() - t
    res = certify(inst, prec_bits)
    res["phases"] = {"parse": parse_s, **res["phases"]}
    res["seconds"] = sum(res["phases"].values())
    return res


def extrapolate(phases: dict, d_ref: int, d: int) -> float:
    """ESTIMATE of the seconds at size d from phases measured at d_ref: each phase scaled by its order."""
    return sum(s * (d / d_ref) ** PHASE_ORDER.get(k, 2) for k, s in phases.items())
