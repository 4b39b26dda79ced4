"""Pure lemma: an upper bound on the spectral norm of every matrix in a ball matrix.

Standard library and python-flint only. The solver imports it too (``verifier.checks``), so the
bound the solver aims for is the bound the checker proves.
"""

from __future__ import annotations

import math

from flint import arb

__all__ = ["norm2_upper"]


def norm2_upper(M):
    """An exact arb >= ||M||_2 for every matrix in the ``arb_mat`` M, via sqrt(||M||_1 ||M||_inf).

    Each |m_ij| upper bound goes to a float (python-flint rounds toward zero, relative
    error below 2^-52) and is scaled by (1 + 2^-50), which covers that rounding and the
    multiplication's own; fsum is correctly rounded; (1 + 2^-48) covers the last
    roundings (sum, product and square root) and 2^-900 covers entries that underflow
    in float64. A non-finite entry gives +inf, so a claim resting on it stays undecided.
    """
    up, tiny = 1.0 + 2.0 ** -50, 2.0 ** -900
    rows, cols = [], [[] for _ in range(M.ncols())]
    for row in M.tolist():
        vals = [float(abs(x).upper()) * up for x in row]
        rows.append(math.fsum(vals))
        for j, v in enumerate(vals):
            cols[j].append(v)
    n1 = max((math.fsum(c) for c in cols), default=0.0) + tiny
    ninf = max(rows, default=0.0) + tiny
    b = math.sqrt(n1) * math.sqrt(ninf) * (1.0 + 2.0 ** -48)
    return arb(b) if math.isfinite(b) else arb.pos_inf()
