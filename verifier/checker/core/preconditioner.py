"""The Krawczyk preconditioner R of the ``zero`` rule: NOT part of the trusted base.

The Krawczyk test is valid for any matrix R (a bad R makes it fail, never pass), so R is a hint
computed here with numpy (float64) when that is accurate enough, else with Arb's approximate solve.
This is the one module of the rigorous tiers that imports numpy (on first use, so a check whose
certificate has no ``zero`` claim never loads it).
"""

from __future__ import annotations

import flint
from flint import arb_mat

__all__ = ["preconditioner"]


def preconditioner(JS, prec):
    """An approximate inverse of mid(J_S) (an ``arb_mat`` of exact entries), or None when singular."""
    import numpy as np
    mid = np.array([[float(x) for x in row] for row in JS.mid().tolist()])
    with np.errstate(all="ignore"):
        try:
            Rf = np.linalg.inv(mid)
            if np.all(np.isfinite(Rf)) and np.abs(np.eye(len(mid)) - Rf @ mid).sum(axis=1).max() < 0.5:
                return arb_mat(Rf.tolist())
        except np.linalg.LinAlgError:
            pass
    m = JS.nrows()
    eye = arb_mat(m, m)
    for i in range(m):
        eye[i, i] = 1
    try:
        with flint.ctx.workprec(prec):
            return JS.mid().solve(eye, algorithm="approx")
    except (ZeroDivisionError, ValueError):
        return None
