"""Pure lemma: the multihomogeneous Bezout number, by exact coefficient extraction.

Standard library only. The algebraic claims (``bezout-bounds``), the solving claims
(``bezout-bounds-square``) and the solver (``verifier.algebra.bounds``) all count with this one function.
"""

from __future__ import annotations

import math

__all__ = ["MAX_STATES", "multihomogeneous_count"]

MAX_STATES = 2_000_000


def multihomogeneous_count(rows, sizes, *, max_states: int = MAX_STATES) -> int | None:
    """The coefficient of prod_g z_g^{sizes[g]} in prod_i sum_g rows[i][g] z_g.

    ``rows[i][g]`` is the degree of equation i in the variable group g, ``sizes[g]`` the number of
    variables in group g; with as many equations as variables this is the multihomogeneous Bezout
    number (an upper bound on the number of isolated complex solutions). Dynamic programming over the
    factors, on the exponent vectors a <= sizes; None when there are more than ``max_states`` of them.
    """
    target = tuple(sizes)
    if math.prod(s + 1 for s in target) > max_states:
        return None
    dp = {tuple(0 for _ in target): 1}
    for row in rows:
        nxt = {}
        for a, c in dp.items():
            for g, dg in enumerate(row):
                if dg and a[g] < target[g]:
                    b = a[:g] + (a[g] + 1,) + a[g + 1:]
                    nxt[b] = nxt.get(b, 0) + c * dg
        dp = nxt
        if not dp:
            break
    return dp.get(target, 0)
