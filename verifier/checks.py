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

import math
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
    """An exact arb >= the spectral norm of every matrix in M: sqrt(||M||_1 ||M||_inf).

    Entry bounds |m_ij| <= u_ij are taken to float64 (nearest) and scaled by
    (1 + 2^-50), which covers that rounding and the multiplication's own;
    ``math.fsum`` rounds each row and column sum correctly, a final factor
    (1 + 2^-48) covers that and the product and square root, and an absolute
    2^-900 covers entries that underflow in float64. A non-finite entry gives
    +inf, so a claim resting on it stays undecided.
    """
    up = 1.0 + 2.0 ** -50
    tiny = 2.0 ** -900
    rows, cols = [], [[] for _ in range(M.ncols())]
    for row in M.tolist():
        r = [float(abs(x).upper()) * up for x in row]
        rows.append(math.fsum(r))
        for j, v in enumerate(r):
            cols[j].append(v)
    n1 = max((math.fsum(c) for c in cols), default=0.0) + tiny
    ninf = max(rows, default=0.0) + tiny
    bound = math.sqrt(n1) * math.sqrt(ninf) * (1.0 + 2.0 ** -48)   # no underflow in the product
    if not math.isfinite(bound):
        return arb.pos_inf()
    return arb(bound)


def approx_inverse(M: arb_mat, prec_bits: int):
    """A preconditioner for M: a float64 inverse of mid(M), or Arb's approximate solve.

    Returns (R as arb_mat, R as numpy array or None). No error bound is needed:
    any R is valid in the Krawczyk test; a poor one only makes it fail.
    """
    mid = np.array([[float(x) for x in row] for row in M.mid().tolist()])
    with np.errstate(all="ignore"):
        try:
            Rf = np.linalg.inv(mid)
            if np.all(np.isfinite(Rf)):
                E = np.eye(len(mid)) - Rf @ mid
                if np.abs(E).sum(axis=1).max() < 1e-3:
                    return arb_mat(Rf.tolist()), Rf
        except np.linalg.LinAlgError:
            pass
    n = M.nrows()
    eye = arb_mat(n, n)
    for i in range(n):
        eye[i, i] = 1
    with flint.ctx.workprec(prec_bits):
        return M.mid().solve(eye, algorithm="approx"), None


def certify_zero(system, params, unknowns, *, prec_bits: int = 128, max_refine: int = 12,
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

    def fail(msg, steps=0):
        return ZeroResult(False, msg, [vals[u] for u in unknowns], fmpq(0), fmpq(0), float("inf"), steps)

    with flint.ctx.workprec(prec_bits):
        say("Jacobian of the unknowns at the start point")
        H, JS = system.evaluate_ball(vals, cols=unknowns, prec_bits=prec_bits)
        say(f"preconditioner ({m} x {m})")
        try:
            Rm, Rf = approx_inverse(JS, prec_bits)
        except (ZeroDivisionError, ValueError):
            return fail("the Jacobian columns of the unknowns are numerically singular "
                        "(choose other unknowns or another point)")
        target = fmpq(1, 2 ** ((prec_bits * 3) // 4))
        last, steps = None, 0
        for steps in range(1, max_refine + 1):
            say(f"Newton refinement, step {steps}")
            if Rf is not None:
                # Chord step in float: G's midpoints are accurate to the working
                # precision and delta only needs its own leading digits.
                dq = [to_fmpq(float(x)) for x in Rf @ np.array([float(h.mid()) for h in H])]
            else:
                delta = Rm * arb_mat([[h] for h in H])
                dq = [arb_to_fmpq(delta[j, 0].mid()) for j in range(m)]
            size = max((abs(x) for x in dq), default=fmpq(0))
            if last is not None and size >= last:
                break
            for j, u in enumerate(unknowns):
                vals[u] = vals[u] - dq[j]
            last = size
            H, _ = system.evaluate_ball(vals, prec_bits=prec_bits)
            scale = max([fmpq(1)] + [abs(vals[u]) for u in unknowns])
            if size <= target * scale * fmpq(1, 1000):
                break
        scale = max([fmpq(1)] + [abs(vals[u]) for u in unknowns])
        rad = _short_upper(max(8 * (last or fmpq(0)), target * scale))
        G0 = arb_mat([[h] for h in H])
        r2 = norm2_upper(Rm)
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
                    sig = ((1 - e2) / r2).lower()
                    sig_q = arb_to_fmpq(sig) if sig > 0 else fmpq(0)
                    return ZeroResult(True, f"Krawczyk inclusion holds on a box of radius {float(rad):.2e} "
                                      f"(||I - R J_S|| <= {float(arb_to_fmpq(e2)):.2e})",
                                      [vals[u] for u in unknowns], rad, sig_q, float(arb_to_fmpq(e2)), steps)
            rad = rad * 1024
    return fail(f"Krawczyk inclusion failed at {prec_bits} bits (try --prec {2 * prec_bits}, "
                "or a point closer to M)", steps)


def _short_upper(q: fmpq) -> fmpq:
    """The smallest power of two >= q (q > 0): keeps stored radii short."""
    two, e = fmpq(2), 0
    while two ** e < q:
        e += 1
    while two ** (e - 1) >= q:
        e -= 1
    return two ** e


def choose_unknowns(J: np.ndarray) -> list:
    """l*d well-conditioned columns of J by QR with column pivoting (a hint, not a proof)."""
    import scipy.linalg
    m = J.shape[0]
    _, piv = scipy.linalg.qr(J, mode="r", pivoting=True)
    return sorted(int(c) for c in piv[:m])
