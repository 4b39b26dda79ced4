"""Certified facts at a point: a true zero of H nearby, rank J, the Hessian of L.

The main tool is the Krawczyk test on a square subsystem. Choose l*d
parameters S (the *unknowns*), fix the others at exact rationals, and let
G(z) = H(w_S = z, w_F fixed). For a box Z around z0 and any matrix R, if

    K = z0 - R G(z0) + (I - R J_S(Z)) (Z - z0)   lies in the interior of Z,

then G has exactly one zero z* in Z, z* lies in K, and every matrix in J_S(Z)
is nonsingular (Krawczyk; Rump). So w* = (z*, w_F) is a point of M, rank J = l*d
at every point of the box, and by the implicit function theorem M is a smooth
manifold of dimension n - l*d near w*. With E = I - R J_S(Z) and ||E||_2 < 1,
sigma_min(J(w)) >= sigma_min(J_S(w)) >= (1 - ||E||_2) / ||R||_2 on the box, and at
w* (where H = 0) the Hessian of L = sum H_r^2 is 2 J^T J: l*d eigenvalues at least
2 sigma_min^2 and n - l*d zeros (Proposition 2.3).

Every comparison on balls goes through Arb's own predicates, which are true
only when they hold for every point of the balls.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np
from flint import arb, arb_mat, fmpq

from .checker.format import arb_to_fmpq


def to_fmpq(x) -> fmpq:
    """Exact rational of an int, Fraction, fmpq or float (a float's exact binary value)."""
    if isinstance(x, fmpq):
        return x
    f = Fraction(x) if not isinstance(x, Fraction) else x
    return fmpq(f.numerator, f.denominator)


def round_down(q: fmpq, digits: int = 4) -> fmpq:
    """A short decimal rational <= q (q > 0), for stored lower bounds."""
    if q <= 0:
        return fmpq(0)
    x = float(q) * (1 - 1e-9)
    e = int(np.floor(np.log10(x))) - (digits - 1)
    num = int(np.floor(x / 10.0 ** e))
    r = fmpq(num) * (fmpq(10) ** e if e >= 0 else fmpq(1, 10 ** (-e)))
    while r > q:   # float rounding could overshoot; step down exactly
        num -= 1
        r = fmpq(num) * (fmpq(10) ** e if e >= 0 else fmpq(1, 10 ** (-e)))
    return r


@dataclass
class ZeroResult:
    """Outcome of :func:`certify_zero`. ``ok`` is a proof; False proves nothing."""

    ok: bool
    message: str
    mid: list            # fmpq midpoints of the unknowns
    rad: fmpq            # common radius of the box
    sigma_min_lower: fmpq
    contraction: float   # upper bound of ||I - R J_S(Z)||_2
    refinements: int = 0


def norm2_upper(M: arb_mat) -> arb:
    """Upper bound of the spectral norm, sqrt(||M||_1 ||M||_inf), as an exact arb."""
    rows_a = [arb(0)] * M.nrows()
    cols_a = [arb(0)] * M.ncols()
    for i, row in enumerate(M.tolist()):
        for j, x in enumerate(row):
            a = abs(x).upper()
            rows_a[i] += a
            cols_a[j] += a
    r = max(rows_a, key=lambda x: x.upper().mid())
    c = max(cols_a, key=lambda x: x.upper().mid())
    return (r * c).sqrt().upper()


def approx_inverse(M: arb_mat) -> arb_mat:
    """An approximate inverse of mid(M) at the working precision (no error bound: a preconditioner)."""
    n = M.nrows()
    eye = arb_mat(n, n)
    for i in range(n):
        eye[i, i] = 1
    return M.mid().solve(eye, algorithm="approx")


def certify_zero(system, params, unknowns, *, prec_bits: int = 128, max_refine: int = 6,
                 progress=None) -> ZeroResult:
    """Refine an approximate zero on the unknowns and run the Krawczyk test.

    Parameters
    ----------
    system : ResidualSystem
    params : sequence
        One value per label; exact (fmpq/int/Fraction) for fixed coordinates,
        anything convertible for the unknowns (their starting values).
    unknowns : sequence of int
        l*d parameter indices S.
    progress : callable, optional
        Called with a short text before each expensive step.

    Verified means
    --------------
    ``ok`` True: H has exactly one zero with w_F as given and w_S in the box
    ``mid +- rad``; every J_S in that box is nonsingular.

    Inconclusive when
    -----------------
    J_S is numerically singular, refinement stalls, or the Krawczyk inclusion
    fails (try a higher ``prec_bits`` or a better point).
    """
    m = system.m
    unknowns = list(unknowns)
    if len(unknowns) != m:
        raise ValueError("need exactly l*d unknowns")
    say = progress or (lambda text: None)
    vals = [to_fmpq(v) for v in params]
    fail = lambda msg, steps=0: ZeroResult(False, msg, [vals[u] for u in unknowns], fmpq(0), fmpq(0),  # noqa: E731
                                           float("inf"), steps)
    with flint.ctx.workprec(prec_bits):
        say("Jacobian of the unknowns at the start point")
        H, JS = system.evaluate_ball(vals, cols=unknowns, prec_bits=prec_bits)
        say(f"preconditioner ({m} x {m}, {prec_bits} bits)")
        try:
            Rm = approx_inverse(JS)
        except (ZeroDivisionError, ValueError):
            return fail("the Jacobian columns of the unknowns are numerically singular "
                        "(choose other unknowns or another point)")
        target = fmpq(1, 2 ** ((prec_bits * 3) // 4))
        last, steps = None, 0
        for steps in range(1, max_refine + 1):
            say(f"Newton refinement, step {steps}")
            delta = Rm * arb_mat([[h] for h in H])
            dq = [arb_to_fmpq(delta[j, 0].mid()) for j in range(m)]
            size = max((abs(x) for x in dq), default=fmpq(0))
            scale = max([fmpq(1)] + [abs(vals[u]) for u in unknowns])
            if last is not None and size >= last:
                break
            for j, u in enumerate(unknowns):
                vals[u] = vals[u] - dq[j]
            last = size
            H, _ = system.evaluate_ball(vals, prec_bits=prec_bits)
            if size <= target * scale * fmpq(1, 1000):
                break
        scale = max([fmpq(1)] + [abs(vals[u]) for u in unknowns])
        rad = _short_upper(max(8 * (last or fmpq(0)), target * scale))
        G0 = arb_mat([[h] for h in H])
        for _attempt in range(3):
            say(f"Krawczyk test on a box of radius {float(rad):.1e}")
            box = list(vals)
            for u in unknowns:
                box[u] = arb(vals[u] - rad).union(arb(vals[u] + rad))
            _, JSb = system.evaluate_ball(box, cols=unknowns, prec_bits=prec_bits)
            E = -(Rm * JSb)
            for i in range(m):
                E[i, i] = E[i, i] + 1
            dz = arb_mat([[box[u] - arb(vals[u])] for u in unknowns])
            K = arb_mat([[arb(vals[u])] for u in unknowns]) - Rm * G0 + E * dz
            inside = all(box[u].contains_interior(K[j, 0]) and arb_to_fmpq(K[j, 0].lower()) > vals[u] - rad
                         and arb_to_fmpq(K[j, 0].upper()) < vals[u] + rad for j, u in enumerate(unknowns))
            if inside:
                e2 = norm2_upper(E)
                if e2 < 1:
                    sig = ((1 - e2) / norm2_upper(Rm)).lower()
                    sig_q = arb_to_fmpq(sig) if sig > 0 else fmpq(0)
                    return ZeroResult(True, f"Krawczyk inclusion holds on a box of radius {float(rad):.2e} "
                                      f"(||I - R J_S|| <= {float(arb_to_fmpq(e2)):.2e})",
                                      [vals[u] for u in unknowns], rad, sig_q, float(arb_to_fmpq(e2)), steps)
            rad = rad * 1024
    return ZeroResult(False, f"Krawczyk inclusion failed at {prec_bits} bits (try --prec {2 * prec_bits}, "
                      "or a point closer to M)", [vals[u] for u in unknowns], rad, fmpq(0), float("inf"), steps)


def _short_upper(q: fmpq) -> fmpq:
    """A power of two >= q (q > 0): keeps stored radii short."""
    e = 0
    while fmpq(2) ** e < q:
        e += 1
    while e > -100000 and fmpq(1, 2 ** (1 - e)) >= q:
        e -= 1
    return fmpq(2) ** e if e >= 0 else fmpq(1, 2 ** (-e))


def choose_unknowns(J: np.ndarray) -> list:
    """l*d well-conditioned columns of J by QR with column pivoting (a hint, not a proof)."""
    import scipy.linalg
    m = J.shape[0]
    _, piv = scipy.linalg.qr(J, mode="r", pivoting=True)
    return sorted(int(c) for c in piv[:m])
