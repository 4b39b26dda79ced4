"""Certified solutions of square polynomial systems: Newton refinement in Arb, then the Krawczyk test.

Solver side of :mod:`verifier.checker.solve.krawczyk`. Approximate solutions (complex128, e.g. homotopy
endpoints, or msolve's real isolating boxes) are refined by Newton's method at ``prec`` bits, turned into
boxes with exact rational centres and radii, and certified with the checker's
:func:`~verifier.checker.solve.krawczyk.krawczyk_test` (Krawczyk 1969 / Moore / Rump: K(B) in int(B) and
||I - Y J(B)|| < 1 imply exactly one zero in B, with J nonsingular on B). Nothing here is trusted: the
counts returned are those of the checker's :func:`~verifier.checker.solve.krawczyk.verify_solution_boxes`
run on the final boxes.

Realness is proved, never assumed: a real-looking solution gets a real centre (imaginary parts exactly 0)
only when the box around that real centre passes the Krawczyk test; the box is then invariant under
conjugation and its unique zero is real. A solution is certified non-real when some ``|Im c_j| > r``.

Box format (JSON-ready, exact rational strings)::

    {"center": [["re_1", "im_1"], ..., ["re_n", "im_n"]], "radius": "r", "real": true | false}

The box is the product of the closed squares |Re z_j - re_j| <= r, |Im z_j - im_j| <= r; ``real`` is
present when realness is decided (true: real; false: not real) and is re-checked by the checker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import flint
from flint import acb, acb_mat, arb, fmpq

from ..checker.format import arb_to_fmpq, rational_str
from ..checker.solve.krawczyk import PolySystem, boxes_disjoint, krawczyk_test, realness, verify_solution_boxes

__all__ = ["CertifiedSolutions", "boxes_from_msolve", "certify_candidates", "newton_refine", "refine_and_certify"]


@dataclass
class CertifiedSolutions:
    """Certified solution boxes and what became of each approximation.

    ``boxes``: JSON-ready boxes (module docstring), pairwise disjoint, each certified to hold exactly one
    regular zero. ``certified``, ``real``, ``non_real``, ``undecided``: the checker's counts for these
    boxes (real + non_real + undecided == certified). ``failures``: ``{"index", "approx", "reason"}``
    for approximations that yielded no box. ``duplicates``: ``{"index", "of"}`` for approximations whose
    solution is already boxed (``of`` is the box index). ``sources``: for each box, the index of the
    approximation it came from. ``prec``: bits used. ``check``: the checker's full report.
    """

    boxes: list = field(default_factory=list)
    certified: int = 0
    real: int = 0
    non_real: int = 0
    undecided: int = 0
    failures: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    prec: int = 128
    check: dict = field(default_factory=dict)

    @property
    def counts(self) -> dict:
        return {"certified": self.certified, "real": self.real, "non_real": self.non_real,
                "undecided": self.undecided, "failed": len(self.failures), "duplicates": len(self.duplicates)}

    def to_json(self) -> dict:
        return {"prec": self.prec, "boxes": self.boxes, "counts": self.counts, "failures": self.failures,
                "duplicates": self.duplicates, "sources": self.sources}


# --------------------------------------------------------------------------------------------
# Newton's method in Arb (midpoints only: a heuristic, the Krawczyk test decides)
# --------------------------------------------------------------------------------------------

def _vec_abs_max(v) -> float:
    m = 0.0
    for z in v:
        try:
            a = abs(complex(float(z.real.mid()), float(z.imag.mid())))
        except (OverflowError, ValueError):
            return math.inf
        if not math.isfinite(a):
            return math.inf
        m = max(m, a)
    return m


def _newton_step(F: PolySystem, x, prec):
    """(dx, ok): dx ~ J(x)^-1 F(x) at the exact point x (acb midpoints)."""
    n = F.n
    Fx = F.values(x)
    J = F.jacobian(x).mid()
    try:
        dx = J.solve(acb_mat([[v.mid()] for v in Fx]), algorithm="approx")
    except (ZeroDivisionError, ValueError):
        return None
    dx = [dx[i, 0].mid() for i in range(n)]
    if not all(v.is_finite() for v in dx):
        return None
    return dx


def newton_refine(F, x0, *, prec: int = 128, max_iter: int = 60, real: bool = False):
    """Newton's method at ``prec`` bits from ``x0`` (complex numbers or acb).

    Returns ``(x, step, converged)``: x a list of exact acb midpoints, step the size (max-modulus) of
    the last correction, converged True when it fell to the rounding level. With ``real=True``
    imaginary parts are dropped at every step (for real systems and real starting points).
    """
    F = F if isinstance(F, PolySystem) else PolySystem(F)
    with flint.ctx.workprec(prec):
        x = [acb(z) if isinstance(z, acb) else acb(complex(z)) for z in x0]
        if real:
            x = [acb(z.real) for z in x]
        x = [z.mid() for z in x]
        step, prev, converged = math.inf, math.inf, False
        for _ in range(max_iter):
            dx = _newton_step(F, x, prec)
            if dx is None:
                return x, math.inf, False
            if real:
                dx = [acb(d.real) for d in dx]
            step = _vec_abs_max(dx)
            if not math.isfinite(step):
                return x, math.inf, False
            x = [(a - d).mid() for a, d in zip(x, dx)]
            scale = max(1.0, _vec_abs_max(x))
            if step <= scale * 2.0 ** (-prec + 6):
                converged = True
                break
            if step <= scale * 2.0 ** (-(prec // 2)) and step > prev / 2:   # stagnating at rounding level
                converged = True
                break
            prev = step
    return x, step, converged


# --------------------------------------------------------------------------------------------
# boxes
# --------------------------------------------------------------------------------------------

def _pow2_at_least(t: float) -> fmpq:
    """The smallest power of two >= t (t > 0, finite), as an exact fmpq."""
    e = math.frexp(t)[1]                 # t <= 2^e
    while e > -100000 and 2.0 ** (e - 1) >= t:
        e -= 1
    return fmpq(2) ** e if e >= 0 else fmpq(1, 2 ** (-e))


def _round_to(q: fmpq, grid: fmpq) -> fmpq:
    """q rounded to the nearest multiple of grid (a power of two): a short exact rational."""
    k = (q / grid + fmpq(1, 2)).floor()
    return fmpq(k) * grid


def _center(x, grid, *, real: bool):
    c = []
    for z in x:
        re = _round_to(arb_to_fmpq(z.real.mid()), grid)
        im = fmpq(0) if real else _round_to(arb_to_fmpq(z.imag.mid()), grid)
        c.append((re, im))
    return c


def _residual_step(F: PolySystem, c, prec) -> float:
    """|J(c)^-1 F(c)|, an estimate of the distance from c to the zero (untrusted)."""
    with flint.ctx.workprec(prec):
        x = [acb(arb(re), arb(im)).mid() for re, im in c]
        dx = _newton_step(F, x, prec)
    return math.inf if dx is None else _vec_abs_max(dx)


def _json_box(c, r, kind):
    box = {"center": [[rational_str(re), rational_str(im)] for re, im in c], "radius": rational_str(r)}
    if kind == "real":
        box["real"] = True
    elif kind == "non-real":
        box["real"] = False
    return box


def _inside(c, box_c, box_r) -> bool:
    return all(abs(re - a) <= box_r and abs(im - b) <= box_r for (re, im), (a, b) in zip(c, box_c))


def _try_certify(F, x, prec, radius_factor, accepted, *, real):
    """Certify a box around the Newton point x. Returns (centre, radius, kind, None) or
    (None, None, None, reason) or ("dup", k, None, reason) when x is inside accepted box k."""
    scale = max(1.0, _vec_abs_max(x))
    floor_r = scale * 2.0 ** (-(prec // 2))
    grid_probe = _pow2_at_least(floor_r) * fmpq(1, 2 ** 30)
    c = _center(x, grid_probe, real=real)
    for k, (bc, br) in enumerate(accepted):
        if _inside(c, bc, br / 2):
            return "dup", k, None, f"the solution is already in box {k}"
    d = _residual_step(F, c, prec)
    if not math.isfinite(d):
        return None, None, None, "the Jacobian at the refined point is numerically singular"
    radii = []
    r = max(radius_factor * d, floor_r)
    while len(radii) < 8 and r >= 2 * d and r > 0:
        radii.append(r)
        r *= 2.0 ** -8
    if not real:
        im_max = max(abs(float(z.imag.mid())) for z in x)
        if 0 < im_max / 4 < radii[0] and im_max / 4 > 2 * d:
            radii.insert(1, im_max / 4)          # small enough to certify the zero non-real
    last = "no radius was tried"
    overlap = None
    for rf in radii:
        rq = _pow2_at_least(rf)
        grid = rq * fmpq(1, 2 ** 24)
        cq = _center(x, grid, real=real)
        res = krawczyk_test(F, cq, rq, prec=prec)
        if not res["ok"]:
            last = res["reason"]
            continue
        clash = next((k for k, (bc, br) in enumerate(accepted) if not boxes_disjoint(cq, rq, bc, br)), None)
        if clash is not None:
            if _inside(cq, *accepted[clash]):
                return "dup", clash, None, f"the solution is already in box {clash}"
            overlap = clash
            last = f"the certified box meets box {clash}"
            continue
        kind = realness(cq, rq)
        if kind == "undecided" and not real:
            im_max = max(abs(float(im)) for _, im in cq)
            if im_max > 0 and float(rq) > im_max / 4:
                # keep it, but a smaller radius might decide non-realness: try once
                rs = _pow2_at_least(im_max / 4) / 2
                if float(rs) > 2 * d:
                    cs = _center(x, rs * fmpq(1, 2 ** 24), real=False)
                    if krawczyk_test(F, cs, rs, prec=prec)["ok"] and \
                            all(boxes_disjoint(cs, rs, bc, br) for bc, br in accepted):
                        return cs, rs, realness(cs, rs), None
        return cq, rq, kind, None
    if overlap is not None:
        return None, None, None, last + " (probably the same solution)"
    return None, None, None, f"Krawczyk test failed: {last}"


def _certify_points(F, starts, prec, radius_factor, *, real_hint=None, labels=None, progress=None):
    """Shared loop: starts is a list of complex vectors (or None for a malformed one);
    ``progress(done, total)`` after each."""
    out = CertifiedSolutions(prec=prec)
    accepted = []           # (centre, radius)
    kinds = []
    for i, x0 in enumerate(starts):
        if progress is not None:
            progress(i, len(starts))
        approx = labels[i] if labels is not None else None
        if x0 is None:
            out.failures.append({"index": i, "approx": approx, "reason": "not a finite point"})
            continue
        want_real = real_hint[i] if real_hint is not None else None
        x, step, conv = newton_refine(F, x0, prec=prec, real=bool(want_real))
        if not math.isfinite(step):
            out.failures.append({"index": i, "approx": approx,
                                 "reason": "Newton's method failed (singular Jacobian or divergence)"})
            continue
        tries = []
        im_max = max(abs(float(z.imag.mid())) for z in x)
        scale = max(1.0, _vec_abs_max(x))
        if want_real or (want_real is None and im_max <= scale * 1e-6):
            xr = x if want_real else newton_refine(F, [acb(z.real) for z in x], prec=prec, real=True)[0]
            tries.append((xr, True))
        if not want_real:
            tries.append((x, False))
        reasons = []
        done = False
        for xt, real in tries:
            c, r, kind, reason = _try_certify(F, xt, prec, radius_factor, accepted, real=real)
            if c == "dup":
                out.duplicates.append({"index": i, "of": r})
                done = True
                break
            if c is not None:
                accepted.append((c, r))
                kinds.append(kind)
                out.boxes.append(_json_box(c, r, kind))
                out.sources.append(i)
                done = True
                break
            reasons.append(("real centre: " if real else "") + reason)
        if not done:
            why = "; ".join(reasons)
            if not conv:
                why = "Newton's method did not converge (singular or clustered solution?); " + why
            out.failures.append({"index": i, "approx": approx, "reason": why})
    if progress is not None:
        progress(len(starts), len(starts))
    report = verify_solution_boxes(F, out.boxes, prec=prec, budget=None)
    out.check = report
    out.certified, out.real = report["certified"], report["real"]
    out.non_real, out.undecided = report["non_real"], report["undecided"]
    if not report["ok"]:            # cannot happen unless the two sides disagree; keep what checks
        keep = [v["index"] for v in report["boxes"] if v["verdict"] in ("real", "non-real", "undecided")]
        for v in report["boxes"]:
            if v["index"] not in keep:
                out.failures.append({"index": out.sources[v["index"]], "approx": None,
                                     "reason": f"rejected by the checker: {v['reason']}"})
        out.boxes = [out.boxes[k] for k in keep]
        out.sources = [out.sources[k] for k in keep]
    return out


def _as_rows(approx):
    """Rows of complex numbers from an array-like of shape (k, n); None for non-finite rows."""
    try:
        import numpy as np
        arr = np.asarray(approx, dtype=complex)
        if arr.ndim == 1 and arr.size == 0:
            arr = arr.reshape(0, 0)
        if arr.ndim != 2:
            raise ValueError("approximations must have shape (k, n)")
        rows = [[complex(z) for z in row] for row in arr]
    except ImportError:          # pragma: no cover - numpy is a dependency
        rows = [[complex(z) for z in row] for row in approx]
    return [row if all(math.isfinite(z.real) and math.isfinite(z.imag) for z in row) else None
            for row in rows]


def refine_and_certify(polys, approx, *, prec: int = 128, radius_factor: float = 16.0,
                       progress=None) -> CertifiedSolutions:
    """Certify approximate solutions of the square system ``polys``.

    Parameters
    ----------
    polys : n ``fmpq_mpoly`` in one context with n variables.
    approx : array-like of shape (k, n) of complex numbers (e.g. numpy complex128 homotopy endpoints).
    prec : Arb precision in bits for Newton refinement and the Krawczyk test.
    radius_factor : the first radius tried is ``radius_factor`` times the last Newton correction, at
        least ``2^-(prec/2)`` times max(1, |x|); smaller radii (down to twice the correction) are
        tried when it fails or overlaps another box.
    progress : optional ``callable(done, total)``, called before each approximation and at the end.

    Each approximation is refined by Newton's method at ``prec`` bits. Real-looking ones
    (|Im| <= 1e-6 |x|) first get a real centre; if that box fails the Krawczyk test, the complex
    centre is tried (realness then undecided or non-real). An approximation whose refined point lies
    in an accepted box (or whose box contains its centre) is a duplicate; boxes are kept pairwise
    disjoint, so no solution is counted twice. The counts are the checker's.
    """
    F = polys if isinstance(polys, PolySystem) else PolySystem(polys)
    rows = _as_rows(approx)
    for row in rows:
        if row is not None and len(row) != F.n:
            raise ValueError(f"an approximation has {len(row)} coordinates for {F.n} unknowns")
    labels = [None if row is None else [[z.real, z.imag] for z in row] for row in rows]
    return _certify_points(F, rows, prec, radius_factor, labels=labels, progress=progress)


def boxes_from_msolve(polys, ctx, real_boxes, *, prec: int = 128, radius_factor: float = 16.0) \
        -> CertifiedSolutions:
    """Krawczyk-certified real boxes from msolve's real isolating boxes.

    ``real_boxes`` is ``msolve_solve(...)["real_boxes"]``: per solution a list of exact ``(lo, hi)``
    intervals, one per variable of ``ctx``. Each midpoint is refined by real Newton at ``prec`` bits
    and certified with a real centre, so the checker re-verifies the real solutions (and their count,
    as pairwise disjoint boxes) without msolve.
    """
    F = polys if isinstance(polys, PolySystem) else PolySystem(polys)
    if ctx is not None and ctx.nvars() != F.n:
        raise ValueError("the context does not match the system")
    starts, labels = [], []
    with flint.ctx.workprec(prec):
        for box in real_boxes:
            if len(box) != F.n:
                raise ValueError(f"an msolve box has {len(box)} intervals for {F.n} unknowns")
            mids = [(fmpq(lo) + fmpq(hi)) / 2 for lo, hi in box]
            starts.append([acb(arb(m)).mid() for m in mids])
            labels.append([[rational_str(fmpq(lo)), rational_str(fmpq(hi))] for lo, hi in box])
    return _certify_points(F, starts, prec, radius_factor, real_hint=[True] * len(starts), labels=labels)


def certify_candidates(polys, points, real, *, prec: int = 128, radius_factor: float = 16.0,
                       progress=None) -> CertifiedSolutions:
    """Certify candidate solutions given as lists of acb (e.g. from msolve's rational parametrization,
    :func:`verifier.solver.exact.complex_solutions`). ``real[i]``: the candidate came from a real root of
    the eliminating polynomial, so a real centre is tried first (and a complex one after it fails).
    Everything is re-proved by Newton and the Krawczyk test; a wrong candidate only yields no box."""
    F = polys if isinstance(polys, PolySystem) else PolySystem(polys)
    starts, labels = [], []
    for x in points:
        if len(x) != F.n:
            raise ValueError(f"a candidate has {len(x)} coordinates for {F.n} unknowns")
        starts.append(list(x))
        labels.append([[float(z.real.mid()), float(z.imag.mid())] for z in x])
    hint = [True if r else None for r in real]
    return _certify_points(F, starts, prec, radius_factor, real_hint=hint, labels=labels, progress=progress)
