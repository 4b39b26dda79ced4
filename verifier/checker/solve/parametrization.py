"""Exact check of a rational parametrization of solutions (``solutions-certified``, evidence ``parametrization``).

A parametrization names deg(w) distinct complex solutions of F = 0 with no interval arithmetic:

    x_j = N_j(t) / den(t)   at every root t of w(t),   with   sum_j l_j x_j = t,

for polynomials w, den, N_j in Q[t] and rationals l_j. The checker verifies, exactly over Q[t] / (w):

1. w has degree >= 1 and is squarefree (gcd(w, w') = 1): deg(w) distinct roots;
2. gcd(w, den) = 1: den(t) != 0 at each root, so x(t) is defined;
3. sum_j l_j N_j = t den (mod w): the linear form recovers t, so distinct roots give distinct points, and
   a non-real root gives a non-real point (l is real); a real root gives a real point (N_j, den are real);
4. den^D_k F_k(N / den) = 0 (mod w) for each equation F_k of degree D_k: every such point solves F = 0.

So F has at least deg(w) distinct complex solutions, exactly r of them real where r is the number of real roots
of w (Arb's root isolation of the squarefree w, ``fmpz_poly.complex_roots``: real roots come back with an
exactly zero imaginary part; a root whose imaginary part is neither 0 nor bounded away from 0 counts as
undecided). Nothing here needs the roots to be simple solutions of F: this is how multiple roots, which no
Krawczyk box can hold, are counted. Whether these are *all* the solutions is a separate claim
(``count-exact``).

Where the parametrization comes from (msolve's ``-P 1`` output, converted by the solver) does not matter: a wrong
one fails a check, it cannot pass one.
"""

from __future__ import annotations

import time

import flint
from flint import fmpq, fmpq_poly

from ..format import FormatError, parse_rational

MAX_DEGREE = 5_000            # deg(w): roots to isolate and residues to carry
MAX_WORK = 20_000_000         # sum over equations of terms * deg(w)^2, a guard against hopeless jobs


def _poly(obj, what, max_len):
    if not isinstance(obj, list) or not obj or len(obj) > max_len:
        raise FormatError(f"parametrization.{what} must be a nonempty list of at most {max_len} rationals "
                          "(coefficients, constant first)")
    return fmpq_poly([parse_rational(c) for c in obj])


def read(ev, n):
    """(w, den, N, l) from the evidence; FormatError when it is malformed."""
    if not isinstance(ev, dict) or set(ev) != {"w", "den", "numerators", "linear_form"}:
        raise FormatError("parametrization must be {w, den, numerators, linear_form}")
    w = _poly(ev["w"], "w", MAX_DEGREE + 1)
    den = _poly(ev["den"], "den", MAX_DEGREE + 1)
    nums = ev["numerators"]
    if not isinstance(nums, list) or len(nums) != n:
        raise FormatError(f"parametrization.numerators must list one polynomial per variable ({n})")
    N = [_poly(v, "numerators[j]", MAX_DEGREE + 1) for v in nums]
    lf = ev["linear_form"]
    if not isinstance(lf, list) or len(lf) != n:
        raise FormatError(f"parametrization.linear_form must list {n} rationals")
    return w, den, N, [parse_rational(c) for c in lf]


def _power_table(base, top, w):
    out = [fmpq_poly([1])]
    for _ in range(top):
        out.append((out[-1] * base) % w)
    return out


def verify_parametrization(eqs, ev, budget: float | None = None) -> dict:
    """``{"ok", "reason", "count", "real", "counts"}`` (``counts``: certified, real, non_real and undecided, the
    claim's counts; a root whose imaginary part Arb neither fixes at 0 nor excludes 0 is undecided) for the
    parametrization ``ev`` of the system ``eqs`` (fmpq_mpoly in
    the system's variable order), within ``budget`` seconds (checked between monomials; None: no limit).
    Raises FormatError on malformed evidence."""
    deadline = None if budget is None else time.monotonic() + budget
    n = len(eqs)
    w, den, N, lf = read(ev, n)
    k = w.degree()
    bad = {"ok": False, "count": 0, "real": 0}
    if k < 1:
        return {**bad, "reason": "w must have degree >= 1"}
    work = sum(len(e) for e in eqs) * k * k
    if work > MAX_WORK:
        return {**bad, "reason": f"too large to check ({work} > {MAX_WORK} coefficient operations)"}
    if flint.fmpq_poly.gcd(w, w.derivative()).degree() != 0:
        return {**bad, "reason": "w is not squarefree"}
    if flint.fmpq_poly.gcd(w, den).degree() != 0:
        return {**bad, "reason": "den and w have a common root"}
    t = fmpq_poly([0, 1])
    acc = fmpq_poly([])
    for c, v in zip(lf, N):
        acc += v * fmpq(c)
    if (acc - t * den) % w != 0:
        return {**bad, "reason": "the linear form does not recover t"}
    Nr = [v % w for v in N]
    top = max((e.total_degree() for e in eqs), default=0)
    dens = _power_table(den % w, top, w)
    powers = [{} for _ in range(n)]

    def power(j, e):
        tab = powers[j]
        if e not in tab:
            tab[e] = fmpq_poly([1]) if e == 0 else (power(j, e - 1) * Nr[j]) % w
        return tab[e]

    for i, f in enumerate(eqs):
        D = f.total_degree()
        total = fmpq_poly([])
        for mon, c in zip(f.monoms(), f.coeffs()):
            if deadline is not None and time.monotonic() > deadline:
                return {**bad, "reason": f"the {budget:g} s budget ran out at equation {i}"}
            term = dens[D - sum(int(x) for x in mon)] * fmpq(c)
            for j, e in enumerate(mon):
                if e:
                    term = (term * power(j, int(e))) % w
            total += term
        if total % w != 0:
            return {**bad, "reason": f"equation {i} does not vanish at the parametrized points"}
    # Clear denominators for Arb's isolation (same roots).
    zw = w.numer()
    roots = zw.complex_roots()
    if sum(m for _, m in roots) != k or any(m != 1 for _, m in roots):
        return {**bad, "reason": "the roots of w were not isolated"}
    real = sum(1 for r, _ in roots if r.imag == 0)
    non_real = sum(1 for r, _ in roots if not r.imag.contains(0))
    return {"ok": True, "reason": "", "count": k, "real": real,
            "counts": {"certified": k, "real": real, "non_real": non_real, "undecided": k - real - non_real}}


def points(ev, n, prec=128):
    """The parametrized points in balls: ``[(coordinates: n acb, real: bool)]`` per root of w (real roots first),
    from Arb's isolation of w and ``N_j(t) / den(t)`` in ball arithmetic. For listing the solutions; the proof
    is :func:`verify_parametrization`."""
    w, den, N, _ = read(ev, n)
    out = []
    with flint.ctx.workprec(prec):
        dpoly = flint.acb_poly(den.coeffs())
        npolys = [flint.acb_poly(v.coeffs()) for v in N]
        for t, _ in w.numer().complex_roots():
            t = flint.acb(t)
            dt = dpoly(t)
            out.append(([p(t) / dt for p in npolys], t.imag == 0))
    return out
