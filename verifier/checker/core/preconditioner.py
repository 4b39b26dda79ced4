"""The Krawczyk preconditioner R of the ``zero`` rule: NOT part of the trusted base.

The Krawczyk test is valid for any matrix R (a bad R makes it fail, never pass), so R is a hint
computed here with Arb's approximate solve for small matrices (up to ``SMALL`` rows: microseconds, and no
numpy import, which would cost a small check about a third of its time), and for larger ones with numpy
(float64) when that is accurate enough, else again with Arb. This is the one module of the rigorous tiers
that imports numpy (on first use, and only for matrices above ``SMALL`` rows).
"""

from __future__ import annotations

import flint
from flint import arb_mat

__all__ = ["preconditioner"]

SMALL = 40


def preconditioner(JS, prec):
    """An approximate inverse of mid(J_S) (an ``arb_mat`` of exact entries), or None when singular."""
    m = JS.nrows()
    if m > SMALL:
        import numpy as np
        mid = np.array([[float(x) for x in row] for row in JS.mid().tolist()])
        with np.errstate(all="ignore"):
            try:
                Rf = np.linalg.inv(mid)
                if np.all(np.isfinite(Rf)) and np.abs(np.eye(len(mid)) - Rf @ mid).sum(axis=1).max() < 0.5:
                    return arb_mat(Rf.tolist())
            except np.linalg.LinAlgError:
                pass
    eye = arb_mat(m, m)
    for i in range(m):
        eye[i, i] = 1
    mid = JS.mid()
    R = None
    # An ill-conditioned mid(J_S) (inputs 1e-100 apart) needs more bits than the test's own precision for R
    # to be a good inverse: raise them until ||I - R mid|| < 1/2 (the test itself stays at ``prec``).
    for bits in (prec, 4 * prec, 16 * prec):
        try:
            with flint.ctx.workprec(bits):
                R = mid.solve(eye, algorithm="approx")
                E = eye - R * mid
                if max(sum(abs(E[i, j]).upper() for j in range(m)) for i in range(m)) < 0.5:
                    return R
        except (ZeroDivisionError, ValueError):
            continue
    return R
