"""Searches, not proofs: Gauss-Newton towards M and seeded starting points. Whatever they return is
only a candidate; the checks (:mod:`verifier.checks`) decide."""

from __future__ import annotations

import numpy as np


def gauss_newton(system, w: np.ndarray, *, steps: int = 30) -> np.ndarray:
    """Least-norm Gauss-Newton steps w <- w - t J^+ H(w) in float64, with backtracking on t.

    A search, not a proof: returns the point with the smallest residual seen.
    """
    w = np.asarray(w, dtype=float)
    with np.errstate(all="ignore"):
        h = system.value_f64(w)
        if not np.all(np.isfinite(h)):
            return w
        best = float(h @ h)
        for _ in range(steps):
            if best < 1e-30:
                break
            J = system.jacobian_f64(w)
            if not np.all(np.isfinite(J)):
                break
            step = np.linalg.lstsq(J, h, rcond=None)[0]
            t = 1.0
            for _ in range(12):
                trial = w - t * step
                ht = system.value_f64(trial)
                val = float(ht @ ht) if np.all(np.isfinite(ht)) else np.inf
                if val < best:
                    break
                t /= 2
            else:
                break
            w, h, best = trial, ht, val
    return w


def random_start(net, seed: int) -> list:
    """A seeded start with entries N(0, 1/fan_in) per node (the usual scaling)."""
    rng = np.random.default_rng(seed)
    fan = {}
    for v in net.order:
        for _, lab in net.in_edges(v):
            fan[lab] = max(len(net.in_edges(v)), 1)
    return [float(rng.normal() / np.sqrt(fan.get(lab, 1))) for lab in net.labels]
