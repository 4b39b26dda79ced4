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
from typing import TYPE_CHECKING

import flint
from flint import arb, arb_mat, fmpq

from .checker.core.norms import norm2_upper  # the checker's own lemma: the bound it will prove
from .checker.format import arb_to_fmpq

if TYPE_CHECKING:   # annotations only: numpy is imported where arrays are made
    import numpy as np


def to_fmpq(x) -> fmpq:
    """Exact rational of an int, Fraction, fmpq or float (a float's exact binary value)."""
    if isinstance(x, fmpq):
        return x
    f = Fraction(x) if not isinstance(x, Fraction) else x
    return fmpq(f.numerator, f.denominator)


def round_down(q: fmpq, digits: int = 4) -> fmpq:
    """A short decimal rational <= q (q > 0), for stored lower bounds; exact, any magnitude."""
    if q <= 0:
        return fmpq(0)
    ten = fmpq(10)
    e = int((int(q.p).bit_length() - int(q.q).bit_length()) * 0.30103)   # near log10(q)
    while ten ** (e + 1) <= q:
        e += 1
    while ten ** e > q:
        e -= 1
    scale = ten ** (digits - 1 - e)          # 10^e <= q < 10^(e+1)
    x = q * scale
    return fmpq(int(x.p) // int(x.q)) / scale


@dataclass
class ZeroResult:
    """Outcome of :func:`certify_zero`. ``ok`` is a proof; False proves nothing."""

    ok: bool
    message: str
    mid: list            # fmpq midpoints of the unknowns
    rad: fmpq            # common radius of the box
    sigma_min_lower: fmpq
    contraction: float   # upper bound of ||I - R J_S(Z)||_2 (the largest over the blocks)
    refinements: int = 0
    blocks: list = None  # the unknowns of each independent block


def approx_inverse(M: arb_mat, prec_bits: int):
    """A preconditioner for M: a float64 inverse of mid(M), or Arb's approximate solve.

    Returns (R as arb_mat, R as numpy array or None, estimate of ||I - R mid(M)||_inf).
    No error bound is needed: any R is valid in the Krawczyk test; a poor one
    only makes it fail. The float inverse is kept while its estimated
    contraction is below 1/2 (iterative refinement in :func:`certify_zero`
    makes up for the rest).
    """
    import numpy as np
    mid = np.array([[float(x) for x in row] for row in M.mid().tolist()])
    with np.errstate(all="ignore"):
        try:
            Rf = np.linalg.inv(mid)
            if np.all(np.isfinite(Rf)):
                e = float(np.abs(np.eye(len(mid)) - Rf @ mid).sum(axis=1).max())
                if e < 0.5:
                    return arb_mat(Rf.tolist()), Rf, e
        except np.linalg.LinAlgError:
            pass
    n = M.nrows()
    eye = arb_mat(n, n)
    for i in range(n):
        eye[i, i] = 1
    with flint.ctx.workprec(prec_bits):
        return M.mid().solve(eye, algorithm="approx"), None, 0.0


def float_norm2_upper(A: np.ndarray) -> arb:
    """An exact arb >= ||A||_2 for a float64 matrix: sqrt(||A||_1 ||A||_inf) with rounding margins.

    Sums of nonnegative floats have relative error at most (k-1) u, u = 2^-53
    (any summation order); the margin (1 + 2 (k+1) u) covers it, (1 + 2^-48)
    the product and square root, 2^-900 underflow.
    """
    import numpy as np
    a = np.abs(A)
    k = max(A.shape) if A.size else 1
    g = 1.0 + 2.0 * (k + 1) * 2.0 ** -53
    n1 = float(a.sum(axis=0).max(initial=0.0)) * g + 2.0 ** -900
    ninf = float(a.sum(axis=1).max(initial=0.0)) * g + 2.0 ** -900
    b = math.sqrt(n1) * math.sqrt(ninf) * (1.0 + 2.0 ** -48)
    return arb(b) if math.isfinite(b) else arb.pos_inf()


def _newton_step(Rm, JSmid, H, prec_bits, max_inner: int = 60):
    """Solve J_S delta = G(z) for the Newton step, by iterative refinement.

    delta = R G, then delta += R (G - J_S delta) with the residual computed in
    balls (matrix-vector products only), until the corrections vanish at the
    working precision. This makes a float64 preconditioner with a modest
    contraction converge like an exact solve. A search, not a proof.
    """
    g = arb_mat([[h.mid()] for h in H])
    delta = (Rm * g).mid()
    tol = arb(2) ** (-(prec_bits - 8))
    for _ in range(max_inner):
        corr = (Rm * (g - JSmid * delta)).mid()
        delta = (delta + corr).mid()
        big = max((abs(delta[j, 0]) for j in range(delta.nrows())), key=lambda x: x.mid(), default=arb(0))
        small = max((abs(corr[j, 0]) for j in range(corr.nrows())), key=lambda x: x.mid(), default=arb(0))
        if not small.is_finite() or small <= tol * big:
            break
    return [arb_to_fmpq(delta[j, 0].mid()) if delta[j, 0].mid().is_finite() else None
            for j in range(delta.nrows())]


def output_blocks(system, unknowns) -> list:
    """Independent square subsystems of G: ``[(residual rows, unknown indices), ...]``.

    Residual (i, k) depends only on parameters upstream of output k (every other
    derivative is identically zero). Outputs that share an unknown are grouped;
    when every group has as many residuals as unknowns, the groups are independent
    square systems and the Krawczyk test can run on each. Otherwise: one block.
    """
    unknowns = list(unknowns)
    uset = set(unknowns)
    ups = [system.upstream_labels(k) & uset for k in range(system.l)]
    groups = []                        # [(set of outputs, set of unknowns)]
    for k, u in enumerate(ups):
        merged = ({k}, set(u))
        for g in [g for g in groups if g[1] & u]:
            groups.remove(g)
            merged = (merged[0] | g[0], merged[1] | g[1])
        groups.append(merged)
    everything = [(list(range(system.m)), unknowns)]
    if len(groups) == 1 or set().union(*(g[1] for g in groups)) != uset:
        return everything
    blocks = []
    for outs, us in groups:
        rows = [i * system.l + k for i in range(system.d) for k in sorted(outs)]
        if len(rows) != len(us):
            return everything
        blocks.append((sorted(rows), sorted(us)))
    return sorted(blocks)


def certify_zero(system, params, unknowns, *, prec_bits: int = 128, max_refine: int = 8,
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

    The square system is split into the independent blocks of
    :func:`output_blocks` (one per output for the Lemma 3.3 construction), and
    each block gets its own preconditioner and Krawczyk test on the common box.

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
    blocks = output_blocks(system, unknowns)

    def fail(msg, steps=0):
        return ZeroResult(False, msg, [vals[u] for u in unknowns], fmpq(0), fmpq(0), float("inf"), steps,
                          [list(c) for _, c in blocks])

    with flint.ctx.workprec(prec_bits):
        say("residuals and Jacobian of the unknowns at the start point")
        H, _ = system.evaluate_ball(vals, prec_bits=prec_bits)
        pre = []
        for b, (rows, cols) in enumerate(blocks):
            say(f"preconditioner for block {b + 1} of {len(blocks)} ({len(cols)} x {len(cols)})")
            _, JSk = system.evaluate_ball(vals, cols=cols, rows=rows, prec_bits=prec_bits)
            try:
                Rm, Rf, e_est = approx_inverse(JSk, prec_bits)
            except (ZeroDivisionError, ValueError):
                return fail("the Jacobian columns of the unknowns are numerically singular "
                            "(choose other unknowns or another point)")
            pre.append((rows, cols, Rm, Rf, e_est, JSk.mid()))
        target = fmpq(1, 2 ** ((prec_bits * 3) // 4))
        last, steps = None, 0
        for steps in range(1, max_refine + 1):
            say(f"Newton refinement, step {steps}")
            update = {}
            for rows, cols, Rm, _, _, JSmid in pre:
                dq = _newton_step(Rm, JSmid, [H[r] for r in rows], prec_bits)
                if any(x is None for x in dq):
                    return fail("Newton refinement diverged (the point is too far from a zero)", steps)
                update.update(zip(cols, dq))
            size = max((abs(x) for x in update.values()), default=fmpq(0))
            if last is not None and size >= last:
                break
            for u, dx in update.items():
                vals[u] = vals[u] - dx
            last = size
            H, _ = system.evaluate_ball(vals, prec_bits=prec_bits)
            scale = max([fmpq(1)] + [abs(vals[u]) for u in unknowns])
            if size <= target * scale * fmpq(1, 1000):
                break
        scale = max([fmpq(1)] + [abs(vals[u]) for u in unknowns])
        if last is None or last > scale * fmpq(1, 2 ** 16):
            return fail("Newton refinement did not converge (the Jacobian of the unknowns is too "
                        "ill-conditioned here; try another point or --prec)", steps)
        # Decimal midpoints (about 10 digits beyond what the precision carries), so the
        # certificate's point is readable; the test below is about this very box.
        digits = int(prec_bits * 0.30103) + 10
        for u in unknowns:
            vals[u] = round_decimal(vals[u], digits)
        H, _ = system.evaluate_ball(vals, prec_bits=prec_bits)
        scale = max([fmpq(1)] + [abs(vals[u]) for u in unknowns])
        need = target * scale
        RGs = []
        for rows, cols, Rm, _, e_est, _ in pre:
            RG = Rm * arb_mat([[H[r]] for r in rows])
            if any(not RG[j, 0].is_finite() for j in range(len(rows))):
                return fail("the residual at the refined point is not finite", steps)
            rho = max((arb_to_fmpq(abs(RG[j, 0]).upper()) for j in range(len(rows))), default=fmpq(0))
            if rho > scale * fmpq(1, 2 ** 16):
                return fail(f"Newton refinement did not converge (|R G| ~ {format_bound(rho)}); the Jacobian of the "
                            "unknowns is too ill-conditioned here (try another point or --prec)", steps)
            # |K - z| <= |R G| + ||E|| r, so r = 2 |R G| / (1 - ||E||) should include.
            need = max(need, 2 * rho / to_fmpq(max(1e-3, 1 - min(e_est, 0.999))))
            RGs.append(RG)
        rad = _decimal_upper(need)
        r2s = [float_norm2_upper(Rf) if Rf is not None else norm2_upper(Rm) for _, _, Rm, Rf, _, _ in pre]
        for _attempt in range(3):
            say(f"Krawczyk test on a box of radius {format_bound(rad)}")
            box = list(vals)
            for u in unknowns:
                box[u] = arb(vals[u] - rad).union(arb(vals[u] + rad))
            sig, worst = None, arb(0)
            for (rows, cols, Rm, _, _, _), RG, r2 in zip(pre, RGs, r2s):
                _, JSb = system.evaluate_ball(box, cols=cols, rows=rows, prec_bits=prec_bits)
                E = -(Rm * JSb)
                for i in range(len(cols)):
                    E[i, i] = E[i, i] + 1
                dz = arb_mat([[box[u] - arb(vals[u])] for u in cols])
                K = arb_mat([[arb(vals[u])] for u in cols]) - RG + E * dz
                if not all(box[u].contains_interior(K[j, 0]) and arb_to_fmpq(K[j, 0].lower()) > vals[u] - rad
                           and arb_to_fmpq(K[j, 0].upper()) < vals[u] + rad for j, u in enumerate(cols)):
                    break
                e2 = norm2_upper(E)
                if not e2 < 1:
                    break
                s_k = ((1 - e2) / r2).lower()
                sig = s_k if sig is None or s_k < sig else sig
                worst = e2 if e2 > worst else worst
            else:
                sig_q = arb_to_fmpq(sig) if sig is not None and sig > 0 else fmpq(0)
                return ZeroResult(True, f"Krawczyk inclusion holds on a box of radius {format_bound(rad)} "
                                  f"(||I - R J_S|| <= {float(arb_to_fmpq(worst)):.2e}"
                                  + (f", {len(blocks)} independent blocks)" if len(blocks) > 1 else ")"),
                                  [vals[u] for u in unknowns], rad, sig_q, float(arb_to_fmpq(worst)), steps,
                                  [list(c) for _, c in blocks])
            rad = rad * 1024
    return fail(f"Krawczyk inclusion failed at {prec_bits} bits (try --prec {2 * prec_bits}, "
                "or a point closer to M)", steps)


def round_decimal(q: fmpq, digits: int) -> fmpq:
    """q rounded to ``digits`` significant decimal digits (an exact decimal rational)."""
    if q == 0:
        return fmpq(0)
    e = int(q.p).bit_length() - int(q.q).bit_length()          # |q| ~ 2^e
    k = digits - int(math.floor(e * math.log10(2))) - 1        # decimals after the point
    scale = fmpq(10) ** k if k >= 0 else fmpq(1, 10 ** (-k))
    x = q * scale
    n = int(x.p) // int(x.q)
    if 2 * (x - n) >= 1:
        n += 1
    return fmpq(n) / scale


def _decimal_upper(q: fmpq) -> fmpq:
    """The smallest power of ten >= q (q > 0): short decimal radii."""
    ten = fmpq(10)
    e = int((int(q.p).bit_length() - int(q.q).bit_length()) * 0.30103)
    while ten ** e < q:
        e += 1
    while ten ** (e - 1) >= q:
        e -= 1
    return ten ** e


def format_bound(q: fmpq) -> str:
    """A short decimal for messages, also for numbers beyond float64."""
    try:
        return f"{float(q):.2e}"
    except OverflowError:
        return f"2^{int(q.p).bit_length() - int(q.q).bit_length()}"


def choose_unknowns(J: np.ndarray) -> list:
    """l*d well-conditioned columns of J by QR with column pivoting (a hint, not a proof)."""
    import scipy.linalg
    m = J.shape[0]
    _, piv = scipy.linalg.qr(J, mode="r", pivoting=True)
    return sorted(int(c) for c in piv[:m])
