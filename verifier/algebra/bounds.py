"""Root-count bounds for the residual system H = 0 of a polynomial network.

* Total-degree Bezout: a square system (n = m equations) has at most
  prod deg H_r isolated solutions in C^n. For n > m, slicing M with n - m
  generic affine hyperplanes gives a square system whose isolated solutions
  number at most prod deg H_r (hyperplanes have degree 1): a bound on the
  degree of M. For n < m the n largest degrees bound the isolated solutions
  (the refined Bezout theorem).
* Multihomogeneous Bezout with the variables grouped by layer: the
  coefficient of prod_g z_g^{n_g} in prod_r (sum_g deg_g(H_r) z_g), with each
  slicing hyperplane contributing (z_1 + ... + z_G). Usually far tighter,
  because most residuals have low degree in the last layer's weights (for
  square systems; with many slicing hyperplanes it can exceed the total degree).
* Liao-Poggio's k^{N*depth} and Smale-Shub's estimate k^{N*depth/2} of the
  real solutions (N = l*d equations, k the activation degree, depth the number
  of hidden layers), reported as the papers state them, next to the others.
  Neither is a bound on this system: k^depth is the degree of f in x, and a
  network on one point already has a degree-(k+1) hypersurface M.

All bounds are exact integers (Python ints, JSON strings when large).
"""

from __future__ import annotations

import math

from ..checker.algebra.bezout import multihomogeneous_count
from .polys import PolySystem, degree_report

MAX_STATES = 2_000_000


def _int_json(x: int | None):
    if x is None:
        return None
    return x if abs(x) < 2 ** 53 else str(x)


def _log10(x: int | None):
    if x is None or x <= 0:
        return None
    return round(math.log10(x) if x < 10 ** 300 else (x.bit_length() - 1) * math.log10(2), 4)


def total_degree_bezout(degrees, n: int) -> tuple:
    """(bound, what it bounds) from the residual degrees and the number of unknowns."""
    m = len(degrees)
    if any(dg <= 0 for dg in degrees):
        return None, "a residual is constant: the system is inconsistent or has a trivial equation"
    if m == n:
        return math.prod(degrees), "isolated solutions of the square system"
    if m < n:
        return math.prod(degrees), (f"points of M on a generic affine slice of codimension {n - m} "
                                    f"(the degree of M's top-dimensional part)")
    top = sorted(degrees, reverse=True)[:n]
    return math.prod(top), "isolated solutions of the overdetermined system (product of the n largest degrees)"


def multihomogeneous_bezout(group_degrees, group_sizes) -> tuple:
    """(bound or None, note): the m-Bezout number with one slicing hyperplane per missing equation.

    The count is the checker's own lemma (:func:`verifier.checker.algebra.bezout.multihomogeneous_count`),
    so the number stated here is the number the checker recomputes."""
    n = sum(group_sizes)
    m = len(group_degrees)
    if m > n:
        return None, "not defined for overdetermined systems here"
    rows = [tuple(r) for r in group_degrees] + [tuple(1 for _ in group_sizes)] * (n - m)
    count = multihomogeneous_count(rows, group_sizes, max_states=MAX_STATES)
    if count is None:
        states = math.prod(s + 1 for s in group_sizes)
        return None, f"too many layer groups for the exact count ({states} states)"
    return count, "variables grouped by layer"


def bounds_report(ps: PolySystem) -> dict:
    """Every bound for the instance, with the degree report it rests on."""
    rep = degree_report(ps)
    n, m = ps.n, ps.m
    tot, tot_what = total_degree_bezout(rep["degrees"], n)
    mh, mh_note = multihomogeneous_bezout(rep["group_degrees"], rep["group_sizes"])
    lp = rep["liao_poggio"]
    k, L = lp["k"], lp["depth"]
    lp_bound = k ** (m * L)
    smale_exp = m * L / 2
    smale = k ** (m * L // 2) if (m * L) % 2 == 0 else None
    return {
        "n": n, "equations": m, "square": n == m,
        "slices": max(0, n - m),
        "degrees": rep,
        "total_degree": {"bound": _int_json(tot), "log10": _log10(tot), "bounds": tot_what},
        "multihomogeneous": {"bound": _int_json(mh), "log10": _log10(mh), "groups": rep["group_sizes"],
                             "note": mh_note},
        "liao_poggio": {"value": _int_json(lp_bound), "log10": _log10(lp_bound),
                        "formula": f"k^(N*depth) = {k}^({m}*{L})",
                        "note": "Liao-Poggio's count (k^depth is the degree in x): reported, not a bound here"},
        "smale_shub_real_estimate": {"value": _int_json(smale) if smale is not None else None,
                                     "log10": round(smale_exp * math.log10(k), 4) if k > 1 else 0.0,
                                     "formula": f"k^(N*depth/2) = {k}^({m}*{L}/2)",
                                     "note": "an estimate of the number of real solutions, not a bound"},
    }
