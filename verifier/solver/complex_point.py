"""One certified complex point of V(H): proof that V(H) is nonempty over C without a rational point.

The argument (checked by :mod:`verifier.checker.solve.complex_point`, which re-derives H itself)
------------------------------------------------------------------------------------------------
Let H = (H_1, ..., H_m) be the residual polynomials over Q in n unknowns and H' the m' of them that are
not identically zero (the others vanish everywhere, so V(H) = V(H')). Suppose m' <= n and put
k = n - m'. Choose k affine hyperplanes a_s . w = b_s with exact rational a_s, b_s and form the square
system

    F(w) = (H'_1(w), ..., H'_m'(w), a_1 . w - b_1, ..., a_k . w - b_k)        (n equations, n unknowns).

If the Krawczyk test (:func:`verifier.checker.solve.krawczyk.krawczyk_test`) passes on a complex box B,
F has exactly one zero w* in B and J_F is nonsingular on B. Then

1. H'(w*) = 0, hence H(w*) = 0: **V(H) is nonempty over C**. (The slices only select which point;
   they need not be generic for this to be true, only for a point to exist on them.)
2. J_F(w*) = [J_H'(w*); A] is nonsingular, so its first m' rows are independent: rank J_H(w*) = m'.
   By the holomorphic implicit function theorem V(H) is, near w*, a complex manifold of dimension
   n - m': V(H) has an irreducible component of dimension exactly n - m' (= n - l*d when no residual
   vanishes identically), smooth at w*.

Nothing else is needed: no genericity, no count, no engine. The checker appends the stated slices to its
own H' and re-runs the Krawczyk test in Arb at the stated precision.

When this cannot work (and the caller stays inconclusive)
---------------------------------------------------------
* m' > n (more equations than unknowns): a Krawczyk box for a square subsystem, e.g. n random
  combinations of the H_r, proves a zero of the combination only; that the remaining equations vanish
  at it is an exact statement that balls cannot decide. Not attempted.
* rank J_H < m' at every point of V(H) (generic rank of J below m', or every component of V(H) of excess
  dimension or non-reduced): F then has no regular zero and every Krawczyk test fails.
* The search below finds no point within the budget.

How the point is found (none of this is trusted)
------------------------------------------------
1. Newton on H' (minimum-norm steps, numpy complex128) from random complex starts gives a point w0 near
   V(H) with rank J_H'(w0) = m'. For k > 0 one path of a parameter homotopy then moves it onto the
   rational slices: H'(w) = 0, A w = b0 + t (b - b0), t from 0 to 1, b0 = A w0 (complex), predictor
   along the tangent, Newton corrector, adaptive step. The straight segment of right-hand sides avoids
   the discriminant (a complex hypersurface, real codimension 2) for all but a measure-zero set of
   starts.
2. Failing that, msolve (when installed) on F: every complex point of its rational parametrization is a
   candidate (:func:`verifier.solver.exact.complex_solutions`).
3. Failing that, a total-degree homotopy on F (:func:`verifier.solver.homotopy.track`) when its number of
   paths is small.

Each candidate is refined by Newton in Arb and certified by :func:`verifier.solver.certify.refine_and_certify`,
whose boxes are the checker's own verdict; the search stops at the first certified box.
"""

from __future__ import annotations

import math
import random
import time

import numpy as np
from flint import fmpq

from ..checker.format import rational_str
from ..errors import BudgetExceeded
from .numeric import NumericSystem

__all__ = ["PREC", "complex_point", "slice_polys", "random_slices"]

PREC = 128
SECONDS_PER_TERM = 1.5e-4      # building the numeric evaluator (NumericSystem), per term of H
MAX_HOMOTOPY_PATHS = 2000


def random_slices(n: int, k: int, seed: int, purpose: str = "complex-point") -> list:
    """k affine hyperplanes a . w = b, JSON-ready: nonzero integers |a_j| <= 9, b = p/q with |p|, q <= 9;
    ``purpose`` names the random stream (witness sets draw their own)."""
    rng = random.Random(f"{purpose}-slices:{seed}:{n}:{k}")
    out = []
    for _ in range(k):
        a = [rng.choice([i for i in range(-9, 10) if i]) for _ in range(n)]
        b = fmpq(rng.randint(-9, 9), rng.randint(1, 9))
        out.append({"a": [str(x) for x in a], "b": rational_str(b)})
    return out


def slice_polys(ctx, slices) -> list:
    """``a . w - b`` for each slice, as fmpq_mpoly in ``ctx`` (exact)."""
    gens = ctx.gens()
    out = []
    for s in slices:
        num, _, den = s["b"].partition("/")
        p = ctx.constant(-fmpq(int(num), int(den or 1)))
        for g, a in zip(gens, s["a"]):
            p += int(a) * g
        out.append(p)
    return out


# ------------------------------------------------------------------------------------ numerics (untrusted)

def _newton_min_norm(NH, w, *, iters=60):
    """Damped Newton with minimum-norm steps on the (under)determined system NH from w; (w, residual)."""
    def res(z):
        return float(np.linalg.norm(NH.eval(z[None, :])[0]))
    r = res(w)
    for _ in range(iters):
        F, J = NH.eval_jac(w[None, :])
        dx = np.linalg.lstsq(J[0], F[0], rcond=None)[0]
        lam = 1.0
        while lam > 1e-4:
            wn = w - lam * dx
            rn = res(wn)
            if np.isfinite(rn) and rn < r:
                break
            lam /= 2
        else:
            return w, r
        w, r = wn, rn
        if r < 1e-13 * max(1.0, float(np.abs(w).max())) or np.linalg.norm(lam * dx) < 1e-15:
            break
    return w, r


def _full_rank(NH, w, m) -> bool:
    J = NH.jacobian(w[None, :])[0]
    s = np.linalg.svd(J, compute_uv=False)
    return len(s) == m and s[-1] > 1e-8 * max(1.0, s[0])


def _track_slice(NH, A, b0, b1, w, *, deadline, max_steps=4000):
    """One path of H'(w) = 0, A w = b0 + t (b1 - b0), t: 0 -> 1, from w (a solution at t = 0); the end or None."""
    m = NH.m
    db = b1 - b0

    def system(z, t):
        F, J = NH.eval_jac(z[None, :])
        G = np.concatenate([F[0], A @ z - (b0 + t * db)])
        return G, np.vstack([J[0], A])

    t, h, steps = 0.0, 0.05, 0
    rhs_t = np.concatenate([np.zeros(m, dtype=complex), -db])
    while t < 1.0:
        steps += 1
        if steps > max_steps or time.monotonic() > deadline or h < 1e-9:
            return None
        h = min(h, 1.0 - t)
        try:
            _, J = system(w, t)
            tangent = -np.linalg.solve(J, rhs_t)
        except np.linalg.LinAlgError:
            return None
        z = w + h * tangent
        scale = max(1.0, float(np.abs(w).max()))
        ok = False
        for it in range(5):
            G, J = system(z, t + h)
            try:
                dz = np.linalg.solve(J, G)
            except np.linalg.LinAlgError:
                break
            z = z - dz
            nd = float(np.abs(dz).max())
            if it == 0 and nd > 0.1 * scale:
                break
            if nd < 1e-10 * scale:
                ok = True
                break
        if ok and np.all(np.isfinite(z)) and float(np.abs(z).max()) < 1e8:
            w, t = z, t + h
            h *= 1.6
        else:
            h /= 2
    for _ in range(8):           # polish at t = 1
        G, J = system(w, 1.0)
        try:
            w = w - np.linalg.solve(J, G)
        except np.linalg.LinAlgError:
            return None
    return w if np.all(np.isfinite(w)) else None


def _numeric_candidates(Hp, slices, ctx, seed, deadline, tries):
    """Approximate zeros of F (generator of complex128 vectors)."""
    n = ctx.nvars()
    NH = NumericSystem.from_flint(Hp)
    m = NH.m
    rng = np.random.default_rng(seed)
    A = np.array([[int(a) for a in s["a"]] for s in slices], dtype=complex).reshape(len(slices), n)
    b1 = np.array([float(fmpq(*map(int, (s["b"].split("/") + ["1"])[:2]))) for s in slices], dtype=complex)
    for _ in range(tries):
        if time.monotonic() > deadline:
            return
        w0 = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(complex)
        w0, r = _newton_min_norm(NH, w0)
        if not np.all(np.isfinite(w0)) or r > 1e-8 * max(1.0, float(np.abs(w0).max())) or not _full_rank(NH, w0, m):
            continue
        if not slices:
            yield w0
            continue
        w = _track_slice(NH, A, A @ w0, b1, w0, deadline=deadline)
        if w is not None:
            yield w


# ------------------------------------------------------------------------------------ the search

def _certify_one(F, approx):
    from .certify import refine_and_certify
    cs = refine_and_certify(F, np.asarray([approx], dtype=complex), prec=PREC)
    if cs.boxes:
        b = cs.boxes[0]
        return {"center": b["center"], "radius": b["radius"]}
    return None


def complex_point(H, ctx, *, seed: int = 0, timeout: float = 30.0, max_memory_mb: int = 4096,
                  tries: int = 12, engines_ok: bool = True) -> dict:
    """Search for one certified complex zero of the residuals ``H`` (fmpq_mpoly in ``ctx``, n variables).

    Returns ``{"status": "certified", "slices", "box", "prec_bits", "route", "seconds"}`` (the box is
    certified by the Krawczyk test for H' plus the slices; see the module docstring) or
    ``{"status": "failed", "reason", "seconds"}``. Never raises on a budget: running out is a reason.
    """
    t0 = time.monotonic()
    deadline = t0 + max(0.1, float(timeout))
    n = ctx.nvars()

    def failed(reason):
        return {"status": "failed", "reason": reason, "seconds": round(time.monotonic() - t0, 3)}

    Hp = [h for h in H if not h.is_zero()]
    if any(h.total_degree() < 1 for h in Hp):
        return failed("a residual is a nonzero constant: V(H) is empty")
    if not Hp:
        return failed("every residual is identically 0: V(H) is all of C^n (no box is needed)")
    m = len(Hp)
    if m > n:
        return failed(f"{m} residuals in {n} unknowns: a box for a square subsystem would not prove a zero of H")
    slices = random_slices(n, n - m, seed)
    F = list(Hp) + slice_polys(ctx, slices)

    def done(box, route):
        return {"status": "certified", "slices": slices, "box": box, "prec_bits": PREC, "route": route,
                "seconds": round(time.monotonic() - t0, 3)}

    # The numeric evaluator is built term by term in Python (about 0.15 ms a term on the project's machine: an
    # mlp with 161 parameters on 20 points, 897,000 terms, took 140 s): a system too large for the budget is
    # a reason, not a wait past --timeout. msolve and the homotopy below need the same terms, and more.
    terms = sum(len(h) for h in Hp)
    if terms * SECONDS_PER_TERM > max(0.1, float(timeout)):
        return failed(f"H has {terms} terms: building its numeric evaluator would take about "
                      f"{terms * SECONDS_PER_TERM:.0f} s, more than the {float(timeout):g} s budget")
    # 1. Newton on H' and one path onto the slices.
    num_deadline = t0 + max(0.1, min(float(timeout) / 2, 20.0))
    for w in _numeric_candidates(Hp, slices, ctx, seed, num_deadline, tries):
        box = _certify_one(F, w)
        if box is not None:
            return done(box, "newton" if not slices else "newton and one homotopy path onto the slices")
    reasons = ["Newton and one-path homotopy found no certified point"]
    # 2. msolve on the square system.
    from ..algebra import engines
    if engines_ok and engines.msolve_path() is not None and time.monotonic() < deadline:
        from .certify import certify_candidates
        from .exact import complex_solutions
        try:
            cnt = complex_solutions(F, ctx, timeout=max(1.0, deadline - time.monotonic()),
                                    max_memory_mb=max_memory_mb, prec=PREC)
            if cnt["status"] == "finite" and cnt["solutions"] == 0:
                reasons.append("msolve: the sliced system has no solution")
            for x, real in zip(cnt["points"], cnt["points_real"]):
                if time.monotonic() > deadline:
                    break
                cs = certify_candidates(F, [x], [real], prec=PREC)
                if cs.boxes:
                    return done({"center": cs.boxes[0]["center"], "radius": cs.boxes[0]["radius"]}, "msolve")
            if cnt["points"]:
                reasons.append("msolve's points did not pass the Krawczyk test (singular?)")
        except (engines.EngineMissing, engines.EngineError, BudgetExceeded) as exc:
            reasons.append(f"msolve: {str(exc)[:120]}")
    # 3. A total-degree homotopy when it is small.
    paths = math.prod(int(p.total_degree()) for p in F)
    if paths <= MAX_HOMOTOPY_PATHS and time.monotonic() < deadline:
        from .homotopy import track
        try:
            res = track(F, seed=seed, timeout=max(0.5, deadline - time.monotonic()), max_paths=MAX_HOMOTOPY_PATHS)
            for w in res.candidates()[0]:
                if time.monotonic() > deadline:
                    break
                box = _certify_one(F, w)
                if box is not None:
                    return done(box, "total-degree homotopy")
            reasons.append(f"total-degree homotopy ({paths} paths): no certified endpoint")
        except (BudgetExceeded, ValueError) as exc:
            reasons.append(f"homotopy: {str(exc)[:120]}")
    if time.monotonic() >= deadline:
        reasons.append("the time budget ran out")
    return failed("; ".join(reasons))
