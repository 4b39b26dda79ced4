"""Cooper's Lemma 3.3 / Corollary 3.4 construction: exact parameters that make the last hidden layer's
matrix A_ij = sigma(z_j(x_i)) lower triangular with a positive diagonal, and float starting values for
the output weights (the Krawczyk test in :mod:`verifier.checks` then proves the exact fit).
"""

from __future__ import annotations

import random

import flint
import numpy as np
from flint import arb, fmpq

from .activations import Activation
from .checker.format import arb_to_fmpq, rational_str
from .data import Dataset
from .errors import InputError
from .network import mlp


# Neighbouring projections are scaled to be at least GAP apart, so every diagonal
# pre-activation of the construction is at least GAP/2 = 16, where smoolu is
# nearly linear (smoolu(16) ~ 15.03). With half-gaps near 1 instead, the units sit
# in smoolu's curved corner and A is ~10^5 times worse conditioned than its ReLU
# counterpart; at 16 it is about as well conditioned, so a float64 preconditioner
# suffices for the Krawczyk test even at d = 1000.
GAP = 32


def projection(data: Dataset, seed: int):
    """An exact a with distinct a.x_i, scaled so that the smallest gap between them is GAP."""
    rng = random.Random(seed)
    X = data.X
    for _ in range(64):
        a = [fmpq(rng.randint(-2 ** 20, 2 ** 20)) for _ in range(data.p)]
        t = [sum((ai * xi for ai, xi in zip(a, x)), fmpq(0)) for x in X]
        order = sorted(range(data.d), key=lambda i: t[i])
        gaps = [t[order[j]] - t[order[j - 1]] for j in range(1, data.d)]
        if all(g > 0 for g in gaps):
            s = fmpq(GAP) / min(gaps) if gaps else fmpq(1)
            return [ai * s for ai in a], [ti * s for ti in t], order
    raise InputError("could not find a projection with distinct values (are the inputs distinct?)")


class Undecided(Exception):
    """A construction step that the balls could not decide at this precision."""


def construction(data: Dataset, widths, activation: Activation, seed: int, prec_bits: int):
    """Parameters of Lemma 3.3 (depth 1) or Corollary 3.4 (depth T) except the output weights.

    Returns (network, params, unknowns, columns, rows, info) where ``params``
    holds exact values for every fixed coordinate and float starting values
    for the unknown output weights.
    """
    d, p, l = data.d, data.p, data.l
    T = len(widths)
    if widths[-1] < d:
        raise InputError(f"the last hidden layer needs width >= d = {d} (got {widths[-1]})")
    net = mlp(p, widths, l=l, activation=activation)
    index = {lab: j for j, lab in enumerate(net.labels)}
    params = [fmpq(0)] * net.n
    a, t, order = projection(data, seed)
    if T == 1:
        with flint.ctx.workprec(prec_bits):
            u = [arb(ti) for ti in t]      # the exact inputs to the last hidden layer, as balls
        c = None
    else:
        tmin = t[order[0]]
        for i in range(p):
            params[index[f"W1[0,{i}]"]] = a[i]
        params[index["b1[0]"]] = GAP // 2 - tmin   # z = t_i - t_min + 16 >= 16 > 0 at every point
        for k in range(2, T):
            params[index[f"W{k}[0,0]"]] = fmpq(1)
        with flint.ctx.workprec(prec_bits):
            u = [arb(ti - tmin + GAP // 2) for ti in t]
            for _ in range(T - 1):
                u = [activation.ball(z)[0] for z in u]
            gaps = [u[order[j]] - u[order[j - 1]] for j in range(1, d)]
            if any(not g > 0 for g in gaps):
                raise Undecided(f"the deep construction could not separate the points at {prec_bits} bits "
                                 f"(try --prec {2 * prec_bits})")
            lo = min((arb_to_fmpq(g.lower()) for g in gaps), default=fmpq(1))
            c = round_up_rational(GAP / lo) if gaps else fmpq(1)
            u = [c * z for z in u]
    # biases of the last hidden layer: b_1 below the first value, b_j between consecutive ones
    with flint.ctx.workprec(prec_bits):
        mids = [arb_to_fmpq(u[i].mid()) for i in order]
        b = [mids[0] - GAP // 2] + [(mids[j - 1] + mids[j]) / 2 for j in range(1, d)]
        for j in range(1, d):
            if not (u[order[j - 1]] < arb(b[j]) < u[order[j]]):
                raise Undecided(f"the construction's biases are not separated at {prec_bits} bits "
                                 f"(try --prec {2 * prec_bits})")
    for j in range(d):
        node_in = range(p) if T == 1 else [0]
        for i in node_in:
            params[index[f"W{T}[{j},{i}]"]] = a[i] if T == 1 else c
        params[index[f"b{T}[{j}]"]] = -b[j]
    # float starting values for the output weights: solve A m = y
    uf = np.array([float(z.mid()) for z in u])
    A = activation.f64(uf[:, None] - np.array([float(x) for x in b])[None, :])[0]
    Y = data.y_f64("the construction of cooper-3.3/3.4/4.1/4.2 (float64 starting values for the output weights)")
    try:
        M = np.linalg.solve(A, Y)        # (d, l)
    except np.linalg.LinAlgError:
        M = np.linalg.lstsq(A, Y, rcond=None)[0]
    unknowns = []
    for j in range(d):
        for k in range(l):
            q = index[f"W{T + 1}[{k},{j}]"]
            params[q] = float(M[j, k])
            unknowns.append(q)
    info = {"a": [rational_str(x) for x in a], "order": order, "depth": T,
            "last_layer_scale": rational_str(c) if c is not None else None}
    columns = [f"h{T}_{j}" for j in range(d)]
    rows = list(order)
    return net, params, sorted(unknowns), columns, rows, info


def round_up_rational(x: fmpq, digits: int = 6) -> fmpq:
    """A short decimal rational >= x (x > 0)."""
    f = float(x) * (1 + 1e-9)
    e = int(np.floor(np.log10(f))) - (digits - 1)
    num = int(np.ceil(f / 10.0 ** e)) + 1
    r = fmpq(num) * (fmpq(10) ** e if e >= 0 else fmpq(1, 10 ** (-e)))
    return r if r >= x else x
