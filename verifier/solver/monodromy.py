"""Witness sets by monodromy, completed when the trace test passes.

Problem
-------
``F = (F_1, ..., F_m)``: the ``m = l*d`` residual polynomials of an overparameterized network in
``n > m`` unknowns (exact rationals). ``M = V(F)``; its ``k = n - m``-dimensional part ``M_k`` has a
degree: the number of points of ``M_k`` on a generic affine linear space ``{A w = b}`` of codimension
``k``. Such a point set is a *witness set*. The total-degree homotopy for ``F`` plus ``k`` slices tracks
``prod deg F_i`` paths, usually far more than ``deg M_k``. Monodromy tracks only points of ``M``.

Parameter homotopy
------------------
For slice parameters ``p = (A, b)`` (``A`` complex ``k x n``, ``b`` complex ``k``) the square system is
``(F(w), A w - b)``. ``M`` is rarely compact (a hidden unit's scaling ``a -> a / s^r``, ``w -> s w`` keeps
the network's function), so witness points can be huge; the tracker works in homogeneous coordinates
``Z = (x, h)``, ``w = x / h``, on a random affine patch ``c . Z = 1``:
``G(Z; A, b) = (F^h(Z), A x - b h, c . Z - 1)``, ``F^h_i = h^{d_i} F_i(x / h)`` (each ``F_i`` scaled to
coefficients of size at most 1). Along a straight segment ``p(t) = (1 - t) p_0 + t p_1``, ``t`` in
``[0, 1]``, a regular solution moves by the Davidenko equation ``dZ/dt = -G_Z^{-1} G_t``. When ``p_0`` and
``p_1`` are generic complex points the segment misses the discriminant (a complex hypersurface, real
codimension 2) with probability one, so every path is smooth and the solutions at ``p_0`` and ``p_1``
correspond one to one. Tracking (:func:`track_segment`): RK4 predictor, at most three Newton corrections,
step control on the size of the first correction (as in :mod:`verifier.solver.homotopy`); all paths of a
batch, with parameters per row, advance together with batched evaluation
(:class:`~verifier.solver.numeric.NumericSystem`) and batched ``solve``. Endpoints are refined by Newton
and must have a (row-balanced) condition number below ``1e10`` and ``|h| > 1e-10 |Z|``. Two paths of
one segment that end at the same point are tracked again with tighter settings; collisions that survive
are dropped (``path_jumps``). Failed paths, jumps and endpoints at infinity are counted, never hidden.

First point and base slice
--------------------------
Gauss-Newton with least-norm steps ``w <- w - J^+ F(w)`` (``J^+ = J^H (J J^H)^{-1}``) from random
complex starts converges to points of ``M``; a point where ``J_F`` has full rank ``m`` is a smooth point
of a ``k``-dimensional component (points of excess components, where the rank drops, are rejected).
Random complex ``A`` and ``b = A w_0`` give the base slice through the first point; a few more starting
points ``w_i`` are moved onto it along ``(A, A w_i) -> (A, b)``.

Monodromy
---------
A loop ``p_0 -> p_1 -> p_2 -> p_0`` through random complex parameters permutes the witness set; tracking
every known point around it and keeping the new endpoints fills the orbit, i.e. the witness set of every
irreducible component met so far (the monodromy group of an irreducible component acts transitively;
Sommese-Verschelde-Wampler 2001; Duff, Hill, Jensen, Lee, Leykin, Sommars, *Solving polynomial systems via
homotopy continuation and monodromy*, IMA J. Numer. Anal. 2019). By default loops move ``A`` and ``b``
(``move="b"``: only ``b``; that group is transitive too, but its branch points can lie far out, so it
mixes slowly, though its paths are cheaper: moving ``A`` brings witness points close to infinity;
``move="mixed"`` alternates). Several loops (``batch_loops``) run in one batch: for small witness sets the cost of a
step is mostly fixed overhead. Around loops a path that needs more than 400 steps is dropped, not chased
(it passes close to a singular point, usually at infinity); its point comes back on a later loop. Loops
continue until ``stall`` consecutive loops find nothing new.

The trace test
--------------
Move ``b`` along a parallel family ``b(t) = b_0 + t v`` (``A`` fixed). For a set ``W`` of points of ``M_k``
on the slice, the trace ``s(t) = sum_{w in W(t)} u . w`` (a random linear projection ``u``) is an affine
linear function of ``t`` iff ``W`` is a union of complete witness sets of irreducible components
(Sommese-Verschelde-Wampler, *Symmetric functions applied to decomposing solution sets*, SINUM 2002;
Leykin-Rodriguez-Sottile, *Trace test*, Arnold Math. J. 2018): ``{A w in b_0 + C v}`` cuts ``M_k`` in a
curve and the slices are parallel hyperplanes in it. Tracking ``W`` to ``t_1`` and ``t_2`` (``|t_1| = 1``,
``|t_2| = 2``, random phases, ``|v| = max(1, |b_0|)``) gives the residual
``|s(t_1) - s(0) - (t_1/t_2)(s(t_2) - s(0))| / (mean over the three sets of sum |u . w|)``; the test
passes when it is below ``trace_tol`` (``1e-6``; measured: complete sets ``1e-16 .. 2e-9``, one point
removed ``2e-4 .. 5e-3`` on the networks of the tests). When it passes, a few fresh starting points are
tried (components not met so far are only found that way); if none is new, the set is ``complete``.

The trace test is floating-point **numerical evidence of completeness, not a proof**: the degree
claimed in a certificate is the number of Krawczyk-certified points, a lower bound (exact only when it
meets a Bezout bound or the checker's Singular vdim).

To the rational slices
----------------------
:func:`move_witness_set` moves the witness set from the complex base slice to the rational slices of
the certificate (rows scaled to unit norm: the same slices) through a random complex intermediate slice
(the gamma trick). If paths fail on the way and fewer distinct endpoints than witness points arrive, the
whole set is sent along a new route and the union of the endpoints is kept (at most 6 routes).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .numeric import (NumericSystem, SingleThread, batched_solve, compiled_tracker, complex_randn, csr_rows,
                      row_norms, table_recursion)

_ctrack = compiled_tracker()   # the compiled loop for families that provide ``ctable`` (or None)

__all__ = ["MonodromyResult", "TraceTest", "TrackOptions", "monodromy_solve", "trace_test", "track_segment",
           "move_witness_set", "point_on_variety", "monodromy_witness", "slice_parameters"]

_COND_TOL = 1e10
_DEDUPE_TOL = 1e-7      # distance of two points (homogeneous, on the patch) in x / max(1, |x|)
_RANK_TOL = 1e-8        # smallest / largest singular value of J_F at a starting point


@dataclass
class TrackOptions:
    kappa: float = 1e-4      # accepted first Newton correction (the predictor's error), relative
    tol: float = 1e-9        # Newton corrector tolerance along the path, relative
    hmax: float = 0.1        # largest step in t
    h0: float = 0.02
    hmin: float = 1e-11
    max_steps: int = 5000
    floor: float = 1e-7      # a corrector stalling below this (relative) is at its rounding level: converged
    max_norm: float = 1e10   # a path whose point grows past this (relative to the start) fails


TIGHT = TrackOptions(kappa=1e-6, tol=1e-9, hmax=0.01, h0=0.002, max_steps=60_000)
# around monodromy loops a path that needs many steps (it passes close to a singular point, often at
# infinity: M is rarely compact) is dropped, not chased: its point comes back on a later loop; a path
# that jumps only costs a collision (every endpoint is refined to a regular solution at the base slice)
LOOP = TrackOptions(kappa=1e-3, hmax=0.2, max_steps=400)
FINAL = TrackOptions(max_steps=600)
LOOP_TIGHT = TrackOptions(kappa=1e-6, tol=1e-9, hmax=0.01, h0=0.002, max_steps=4000)


@dataclass
class TraceTest:
    """Result of :func:`trace_test`: ``residual`` (relative), ``passed`` (residual < ``tol`` and no
    path failed), ``failures`` (paths that did not arrive or collided), ``points``, ``t`` (the two
    trace parameters), ``tol``."""

    residual: float
    passed: bool
    failures: int
    points: int
    tol: float
    t: tuple = ()

    def to_json(self) -> dict:
        return {"residual": float(self.residual) if math.isfinite(self.residual) else None,
                "passed": bool(self.passed), "failures": int(self.failures), "points": int(self.points),
                "tol": self.tol}


@dataclass
class MonodromyResult:
    """A witness set found by monodromy.

    ``points`` (P, n) complex: the witness points on the base slice ``A w = b``. ``loops``: monodromy
    loops run; ``history``: the number of points after each loop; ``trace``: the last
    :class:`TraceTest` (``None`` when none ran); ``stop_reason``: ``complete`` (trace test passed and
    fresh starts found nothing new), ``max_points``, ``max_loops``, ``timeout`` or ``no start point``;
    ``paths``: point-paths tracked (every point over every segment, the trace test and starting
    points included); ``steps``: predictor-corrector steps; ``failures``: paths that failed;
    ``jumps``: path collisions dropped; ``starts``: starting points found by Gauss-Newton.
    """

    points: np.ndarray
    A: np.ndarray
    b: np.ndarray
    loops: int = 0
    history: list = field(default_factory=list)
    trace: TraceTest | None = None
    traces: int = 0
    stop_reason: str = ""
    paths: int = 0
    steps: int = 0
    failures: int = 0
    jumps: int = 0
    infinity: int = 0
    why: dict = field(default_factory=dict)
    starts: int = 0
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.stop_reason == "complete"

    def summary(self) -> dict:
        return {"points": int(len(self.points)), "loops": int(self.loops), "history": list(self.history),
                "trace_residual": (float(self.trace.residual) if self.trace is not None
                                   and math.isfinite(self.trace.residual) else None),
                "trace_passed": bool(self.trace is not None and self.trace.passed), "trace_tests": self.traces,
                "trace_tol": self.trace.tol if self.trace is not None else None,
                "stop_reason": self.stop_reason, "paths_tracked": int(self.paths), "steps": int(self.steps),
                "failed_paths": int(self.failures), "path_jumps": int(self.jumps),
                "paths_at_infinity": int(self.infinity), "failure_reasons": dict(self.why),
                "start_points": int(self.starts), "seconds": round(float(self.seconds), 4),
                "timings_s": {k: round(float(v), 4) for k, v in self.timings.items()}}


# -- small helpers -----------------------------------------------------------------------------


class TrackStats:
    def __init__(self):
        self.paths = 0
        self.steps = 0
        self.failures = 0
        self.jumps = 0
        self.infinity = 0
        self.why = {"step size": 0, "steps": 0, "newton": 0}


def compact_rows(X):
    X = np.asarray(X, dtype=np.complex128)
    y = X / np.maximum(1.0, row_norms(X))[:, None]
    return np.concatenate([y.real, y.imag], axis=1)


_U_CACHE: dict = {}


def _direction(dim):
    u = _U_CACHE.get(dim)
    if u is None:
        u = np.random.default_rng(271828).standard_normal(dim)
        u /= np.linalg.norm(u)
        _U_CACHE[dim] = u
    return u


def novel_rows(known, cand, tol=_DEDUPE_TOL):
    """Mask of the rows of ``cand`` that are at relative distance > ``tol`` from every row of ``known``
    and from every earlier kept row of ``cand`` (so the kept rows are distinct)."""
    cand = np.asarray(cand)
    P = len(cand)
    keep = np.zeros(P, dtype=bool)
    if P == 0:
        return keep
    Yc = compact_rows(cand)
    u = _direction(Yc.shape[1])
    pc = Yc @ u
    if len(known):
        Yk = compact_rows(known)
        pk = Yk @ u
        order = np.argsort(pk, kind="stable")
        pks = pk[order]
        lo = np.searchsorted(pks, pc - tol, "left")
        hi = np.searchsorted(pks, pc + tol, "right")
    else:
        Yk = None
        lo = hi = np.zeros(P, dtype=np.int64)
    # distinct among themselves: sweep in the order of the projections
    corder = np.argsort(pc, kind="stable")
    kept_idx = []                      # indices (into cand) kept, in sweep order
    kept_proj = []
    for i in corder:
        if hi[i] > lo[i]:
            idx = order[lo[i]:hi[i]]
            if (np.linalg.norm(Yk[idx] - Yc[i], axis=1) <= tol).any():
                continue
        j = len(kept_proj)
        dup = False
        while j > 0 and kept_proj[j - 1] >= pc[i] - tol:
            j -= 1
            if np.linalg.norm(Yc[kept_idx[j]] - Yc[i]) <= tol:
                dup = True
                break
        if not dup:
            keep[i] = True
            kept_idx.append(i)
            kept_proj.append(pc[i])
    return keep


# -- the parameter homotopy --------------------------------------------------------------------


def _solve(Gz, rhs):
    """``Gz^{-1} rhs`` row by row (the rows of ``Gz`` are balanced by construction: see :class:`_Family`)."""
    return batched_solve(Gz, rhs)


class _Family:
    """The slice family in homogeneous coordinates ``Z = (x, h)`` on a random affine patch ``c . Z = 1``:
    ``G(Z; A, b) = (F^h(Z), A x - b h, c . Z - 1)`` (``F^h_i = h^{d_i} F_i(x / h)``), ``n + 1`` equations
    in ``n + 1`` unknowns, ``w = x / h``. Witness points of large norm (``M`` is often not compact: the
    scalings of a hidden unit) stay of moderate size and well conditioned on the patch."""

    def __init__(self, F: NumericSystem, rng):
        n = F.n
        exps = []
        for E in F.exponents:
            deg = E.sum(axis=1)
            exps.append(np.concatenate([E, (deg.max() - deg)[:, None]], axis=1))
        self.F, self.n, self.m = F, n, F.m
        # each equation scaled to coefficients of size <= 1 (the same zeros; balanced Jacobian rows)
        coefs = [c / max(1e-300, float(np.abs(c).max())) if len(c) else c for c in F.coefficients]
        self.Fh = NumericSystem.from_terms(exps, coefs, n + 1)
        self.c = complex_randn(rng, n + 1) / math.sqrt(n + 1)

    def ctable(self):
        """The family in the compiled tracker's form (``ctrack.track_family``, mode 1): the sparse rows of
        ``[F^h; J_F^h]``, its monomial recursion and the patch (``starts`` is not read in this mode)."""
        if getattr(self, "_ctab", None) is None:
            cval, ccol, crow = csr_rows(self.Fh._C)
            par, var = table_recursion(self.Fh)
            self._ctab = (cval, ccol, crow, par, var, np.zeros(self.n + 1, dtype=np.int64),
                          np.ascontiguousarray(self.c, dtype=np.complex128))
        return self._ctab

    def cparams(self, seg, P):
        """``(p0, dp, mode, m)`` of a segment: the slices ``(A, b)`` flattened per row (mode 1)."""
        p0 = np.concatenate([seg.A0.reshape(P, -1), seg.b0.reshape(P, -1)], axis=1)
        dp = np.concatenate([seg.dA.reshape(P, -1), seg.db.reshape(P, -1)], axis=1)
        return p0, dp, 1, self.m

    def lift(self, W):
        W = np.asarray(W, dtype=np.complex128).reshape(-1, self.n)
        Z = np.concatenate([W, np.ones((len(W), 1), dtype=np.complex128)], axis=1)
        return Z / (Z @ self.c)[:, None]

    def drop(self, Z):
        return Z[:, :self.n] / Z[:, self.n:]

    def system(self, Z, A, b):
        """Values (P, n+1) and Jacobians (P, n+1, n+1); ``A`` (k, n) or (P, k, n), ``b`` (k,) or (P, k)."""
        P, n, m = len(Z), self.n, self.m
        k = A.shape[-2]
        Fv, J = self.Fh.eval_jac(Z)
        G = np.empty((P, n + 1), dtype=np.complex128)
        Gz = np.empty((P, n + 1, n + 1), dtype=np.complex128)
        x, h = Z[:, :n], Z[:, n:]
        G[:, :m] = Fv
        if A.ndim == 3:
            G[:, m:m + k] = np.matmul(A, x[:, :, None])[:, :, 0] - b * h
        else:
            G[:, m:m + k] = x @ A.T - b * h
        G[:, n] = Z @ self.c - 1.0
        Gz[:, :m] = J
        Gz[:, m:m + k, :n] = A
        Gz[:, m:m + k, n] = -b
        Gz[:, n] = self.c
        return G, Gz

    def at_infinity(self, Z, tol=1e-10):
        return np.abs(Z[:, self.n]) < tol * row_norms(Z)

    def segment(self, p0, p1, P):
        """The straight segment ``p(t) = (1 - t) p0 + t p1`` for ``P`` rows (see :class:`_SliceSegment`)."""
        return _SliceSegment(self, p0, p1, P)

    @staticmethod
    def sub(p, rows):
        """The parameters of the given rows (one pair for all rows, or per-row arrays)."""
        return _sub(p, rows)


class _SliceSegment:
    """The family along ``p(t) = (1 - t) p0 + t p1`` (parameters one pair for all rows, or one per row:
    ``(P, k, n)`` and ``(P, k)``). The hook :func:`_track` uses: ``system(rows, Z, t)`` (values and
    Jacobians at ``p(t)`` for those rows), ``dt(rows, Z, t)`` (``dG/dt`` along the segment) and
    ``end(rows, Z)`` (the system at ``p1``). Any family providing ``segment``, ``sub``, ``n``, ``lift``,
    ``drop`` and ``at_infinity`` can be tracked, moved and deduplicated by this module's functions
    (e.g. the coefficient family of :mod:`verifier.solver.sparse`)."""

    def __init__(self, fam, p0, p1, P):
        n = fam.n
        self.fam, self.m = fam, fam.m
        A0, b0, A1, b1 = (np.asarray(x, dtype=np.complex128) for x in (*p0, *p1))
        k = self.k = b0.shape[-1]
        self.A0, self.A1 = (np.broadcast_to(x, (P, k, n)) for x in (A0, A1))
        self.b0, self.b1 = (np.broadcast_to(x, (P, k)) for x in (b0, b1))
        self.dA, self.db = self.A1 - self.A0, self.b1 - self.b0
        self.moveA = bool(np.any(self.dA != 0))

    def params(self, rows, t):
        A = self.A0[rows] + t[:, None, None] * self.dA[rows] if self.moveA else self.A0[rows]
        return A, self.b0[rows] + t[:, None] * self.db[rows]

    def system(self, rows, Z, t):
        return self.fam.system(Z, *self.params(rows, t))

    def dt(self, rows, Z, t):
        n, m, k = self.fam.n, self.m, self.k
        Gt = np.zeros((len(Z), n + 1), dtype=np.complex128)
        lin = np.einsum("pkn,pn->pk", self.dA[rows], Z[:, :n]) if self.moveA else 0.0
        Gt[:, m:m + k] = lin - self.db[rows] * Z[:, n:]
        return Gt

    def end(self, rows, Z):
        return self.fam.system(Z, self.A1[rows], self.b1[rows])


def _track(fam: _Family, Z, p0, p1, opts: TrackOptions | None, deadline: float, stats: TrackStats | None):
    """Track the rows of ``Z`` (homogeneous, on the patch; solutions at ``p0``) along
    ``p(t) = (1 - t) p0 + t p1``; returns ``(Z1, ok)`` (see :func:`track_segment`). The family supplies
    the segment (``fam.segment(p0, p1, P)``: see :class:`_SliceSegment`)."""
    opts = opts or TrackOptions()
    Z = np.array(Z, dtype=np.complex128, copy=True).reshape(-1, fam.n + 1)
    P = len(Z)
    seg = fam.segment(p0, p1, P)
    if stats is not None:
        stats.paths += P
    if _ctrack is not None and hasattr(fam, "ctable"):
        return _track_compiled(fam, seg, Z, p0, p1, opts, deadline, stats)
    s = np.zeros(P)
    h = np.full(P, min(opts.h0, opts.hmax))
    state = np.zeros(P, dtype=np.int8)          # 0 running, 1 arrived, -1 failed
    local = np.zeros(P, dtype=np.int64)
    norm0 = np.maximum(1.0, row_norms(Z))

    def deriv(rows, z, t):
        _, Gz = seg.system(rows, z, t)
        return -_solve(Gz, seg.dt(rows, z, t))

    while True:
        act = np.nonzero(state == 0)[0]
        if not len(act):
            break
        if time.monotonic() > deadline:
            state[act] = -1
            break
        z = Z[act]
        si = s[act]
        hi = np.minimum(h[act], 1.0 - si)
        hh = hi[:, None]
        k1 = deriv(act, z, si)
        k2 = deriv(act, z + 0.5 * hh * k1, si + 0.5 * hi)
        k3 = deriv(act, z + 0.5 * hh * k2, si + 0.5 * hi)
        k4 = deriv(act, z + hh * k3, si + hi)
        zp = z + (hh / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        t1 = si + hi
        nz = np.maximum(1.0, row_norms(zp))
        bad = ~np.isfinite(zp).all(axis=1)
        zc = np.where(bad[:, None], z, zp)
        conv = np.zeros(len(act), dtype=bool)
        d_first = np.full(len(act), np.inf)
        d_prev = np.full(len(act), np.inf)
        for it in range(3):
            todo = ~(conv | bad)
            if not todo.any():
                break
            ii = np.nonzero(todo)[0]
            Gv, Gz = seg.system(act[ii], zc[ii], t1[ii])
            dz = _solve(Gz, Gv)
            dn = row_norms(dz)
            fin = np.isfinite(dn)
            zc[ii[fin]] -= dz[fin]
            bad[ii[~fin]] = True
            if it == 0:
                d_first[ii] = dn
            conv[ii[fin & (dn <= opts.tol * nz[ii])]] = True
            if it > 0:
                # no contraction: the rounding level (accept when small) or divergence
                stall = fin & (dn > 0.5 * d_prev[ii]) & ~conv[ii]
                conv[ii[stall & (d_prev[ii] <= opts.floor * nz[ii])]] = True
                bad[ii[stall & (d_prev[ii] > opts.floor * nz[ii])]] = True
            d_prev[ii] = dn
        acc = conv & ~bad & (d_first <= opts.kappa * nz)
        local[act] += 1
        if stats is not None:
            stats.steps += len(act)
        ia = act[acc]
        Z[ia] = zc[acc]
        s[ia] = si[acc] + hi[acc]
        ratio = np.clip(0.8 * (opts.kappa * nz[acc] / np.maximum(d_first[acc], 1e-300)) ** 0.2, 0.25, 2.5)
        h[ia] = np.minimum(hi[acc] * ratio, opts.hmax)
        state[ia[s[ia] >= 1.0 - 1e-15]] = 1
        state[ia[row_norms(Z[ia]) > opts.max_norm * norm0[ia]]] = -1
        ir = act[~acc]
        h[ir] = 0.5 * hi[~acc]
        small = ir[h[ir] < opts.hmin]
        state[small] = -1
        over = act[(local[act] >= opts.max_steps) & (state[act] == 0)]
        state[over] = -1
        if stats is not None:
            stats.why["step size"] += len(small)
            stats.why["steps"] += len(over)
    Z1, good = _refine(seg.end, Z, state == 1)
    if stats is not None:
        stats.why["newton"] += int(((state == 1) & ~good).sum())
    Z1[~good] = np.nan
    return Z1, good


def _track_compiled(fam, seg, Z, p0, p1, opts, deadline, stats):
    """:func:`_track` through the compiled loop (``ctrack.track_family``, the same rules path by path)
    for a family with ``ctable`` and ``cparams`` (the slice family, the sparse start's coefficient family)."""
    cval, ccol, crow, par, var, starts, c = fam.ctable()
    P = len(Z)
    a, dp, mode, m = fam.cparams(seg, P)
    a = np.ascontiguousarray(a, dtype=np.complex128)
    dp = np.ascontiguousarray(dp, dtype=np.complex128)
    steps = np.zeros(P, dtype=np.int64)
    code = np.zeros(P, dtype=np.int8)
    _ctrack.track_family(cval, ccol, crow, par, var, starts, len(cval), len(par), fam.n, a.shape[1], P, c, a, dp,
                         Z, steps, code, float(opts.kappa), float(opts.tol), float(opts.hmax), float(opts.h0),
                         float(opts.hmin), float(opts.floor), float(opts.max_norm),
                         float(deadline - time.monotonic()), int(opts.max_steps), mode, m)
    if stats is not None:
        stats.steps += int(steps.sum())
        stats.why["step size"] += int((code == -1).sum())
        stats.why["steps"] += int((code == -2).sum())
    Z1, good = _refine(seg.end, Z, code == 1)
    if stats is not None:
        stats.why["newton"] += int(((code == 1) & ~good).sum())
    Z1[~good] = np.nan
    return Z1, good


def _refine(system, Z, mask, iterations: int = 8):
    """Newton on the system ``system(rows, Z) -> (values, Jacobians)`` (the family at the end of a
    segment) for the rows in ``mask``; returns ``(Z, good)``, good = converged (quadratically to
    ``1e-12``, or stalling at the rounding level below ``1e-7``, relative) with (row-balanced) condition
    number below ``1e10``."""
    Z = Z.copy()
    P = len(Z)
    conv = np.zeros(P, dtype=bool)
    ok = np.asarray(mask, dtype=bool).copy()
    d_prev = np.full(P, np.inf)
    for it in range(iterations):
        ii = np.nonzero(ok & ~conv)[0]
        if not len(ii):
            break
        Gv, Gz = system(ii, Z[ii])
        dz = _solve(Gz, Gv)
        dn = row_norms(dz)
        fin = np.isfinite(dn)
        ok[ii[~fin]] = False
        nz = np.maximum(1.0, row_norms(Z[ii]))
        stalled = fin & (dn >= 0.25 * d_prev[ii])        # no quadratic decrease: rounding level, or off
        Z[ii[fin & ~stalled]] -= dz[fin & ~stalled]
        conv[ii[fin & (dn <= 1e-12 * nz)]] = True
        conv[ii[stalled & (d_prev[ii] <= 1e-7 * nz)]] = True
        ok[ii[stalled & (d_prev[ii] > 1e-7 * nz)]] = False
        d_prev[ii] = dn
    good = conv & ok
    gi = np.nonzero(good)[0]
    if len(gi):
        _, Gz = system(gi, Z[gi])
        r = np.sqrt((Gz.real ** 2 + Gz.imag ** 2).sum(axis=2))
        cond = np.linalg.cond(Gz / np.where(r > 0, r, 1.0)[:, :, None])
        good[gi[~(cond < _COND_TOL)]] = False
    return Z, good


def track_segment(F, W, p0, p1, *, opts: TrackOptions | None = None, timeout: float = 600.0, seed: int = 0):
    """Track the affine points ``W`` (rows; solutions of ``F = 0, A_0 w = b_0``) along the segment
    ``p(t) = (1 - t) p_0 + t p_1`` of slice parameters ``p = (A, b)``.

    ``F``: a :class:`NumericSystem` or ``fmpq_mpoly`` list. Returns ``(W1, ok)``: the points at ``t = 1``
    (Newton-refined there; NaN where the path failed, went to infinity or ended ill-conditioned) and the
    mask of the paths that arrived."""
    F = F if isinstance(F, NumericSystem) else NumericSystem.from_flint(F)
    fam = _Family(F, np.random.default_rng([seed, 31]))
    with SingleThread():
        Z1, ok = _track(fam, fam.lift(W), p0, p1, opts, time.monotonic() + timeout, None)
    ok &= ~fam.at_infinity(np.nan_to_num(Z1, nan=1.0))
    W1 = np.full((len(Z1), F.n), np.nan + 0j)
    W1[ok] = fam.drop(Z1[ok])
    return W1, ok


def _sub(p, rows):
    """The parameters of the given rows (``p`` is one pair for all rows, or per-row arrays)."""
    A, b = p
    A, b = np.asarray(A), np.asarray(b)
    return (A[rows] if A.ndim == 3 else A, b[rows] if b.ndim == 2 else b)


def _collisions(Z1, ok, groups):
    """``(dropped, involved)``: rows (among ``ok``) whose endpoint repeats an earlier one of the same
    group, and every row sharing an endpoint with another of its group."""
    n1 = Z1.shape[1]
    dropped, involved = [], []
    labels = np.zeros(len(Z1), dtype=np.int64) if groups is None else np.asarray(groups)
    for g in np.unique(labels[ok]):
        idx = np.nonzero(ok & (labels == g))[0]
        keep = novel_rows(np.zeros((0, n1)), Z1[idx])
        if keep.all():
            continue
        dropped.append(idx[~keep])
        involved.append(idx[~novel_rows(Z1[idx[~keep]], Z1[idx]) | ~keep])
    cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0, dtype=np.int64))
    return cat(dropped), cat(involved)


def move_points(fam, Z, p0, p1, deadline, stats, opts=None, tight=TIGHT, groups=None, retry=False):
    """Track ``Z`` from ``p0`` to ``p1``; two paths of the same group (rows with the same label in
    ``groups``: the same parameters) ending at one point are re-tracked with ``tight`` settings, and
    survivors of a collision are dropped except one; endpoints at infinity are dropped. ``retry``: failed
    paths are tracked again with ``tight`` settings too. Returns ``(Z1, ok)``."""
    Z1, ok = _track(fam, Z, p0, p1, opts, deadline, stats)
    if retry and not ok.all() and time.monotonic() < deadline:
        bad = np.nonzero(~ok)[0]
        Zr, okr = _track(fam, Z[bad], fam.sub(p0, bad), fam.sub(p1, bad), tight, deadline, stats)
        Z1[bad], ok[bad] = Zr, okr
    for attempt in range(2):
        dropped, involved = _collisions(Z1, ok, groups)
        if not len(dropped):
            break
        if attempt == 0 and time.monotonic() < deadline:
            Zr, okr = _track(fam, Z[involved], fam.sub(p0, involved), fam.sub(p1, involved), tight, deadline,
                              stats)
            Z1[involved], ok[involved] = Zr, okr
            continue
        stats.jumps += int(len(dropped))
        ok[dropped] = False
        Z1[dropped] = np.nan
    inf = ok & fam.at_infinity(np.nan_to_num(Z1, nan=1.0))
    ok &= ~inf
    Z1[inf] = np.nan
    stats.infinity += int(inf.sum())
    stats.failures += int((~ok).sum() - inf.sum())
    return Z1, ok


# -- starting points -----------------------------------------------------------------------------


def point_on_variety(F: NumericSystem, rng, *, count: int = 8, iterations: int = 80, real: bool = False):
    """Points of ``V(F)`` (m < n equations) by Gauss-Newton with least-norm steps from random starts.

    Returns the ``(P, n)`` points that converged (``|F| <= 1e-12`` relative) where ``J_F`` has full
    rank ``m`` (smallest / largest singular value above ``1e-8``): smooth points of components of
    dimension ``n - m``."""
    n, m = F.n, F.m
    Z = rng.standard_normal((count, n)) + (0 if real else 1j * rng.standard_normal((count, n)))
    Z = Z.astype(np.complex128)
    alive = np.ones(count, dtype=bool)
    done = np.zeros(count, dtype=bool)
    for _ in range(iterations):
        ii = np.nonzero(alive & ~done)[0]
        if not len(ii):
            break
        Fv, J = F.eval_jac(Z[ii])
        JH = np.conj(np.transpose(J, (0, 2, 1)))
        y = batched_solve(J @ JH, Fv)
        step = (JH @ y[..., None])[..., 0]
        sn = row_norms(step)
        nz = np.maximum(1.0, row_norms(Z[ii]))
        fin = np.isfinite(sn)
        alive[ii[~fin]] = False
        damp = np.minimum(1.0, 2.0 * nz / np.maximum(sn, 1e-300))[:, None]     # no wild jumps
        Z[ii[fin]] -= (damp * step)[fin]
        done[ii[fin & (sn <= 1e-13 * nz)]] = True
        alive[ii[row_norms(Z[ii]) > 1e8]] = False
    good = np.nonzero(alive & np.isfinite(Z).all(axis=1))[0]
    if not len(good):
        return np.zeros((0, n), dtype=np.complex128)
    Fv, J = F.eval_jac(Z[good])
    nz = np.maximum(1.0, row_norms(Z[good]))
    sv = np.linalg.svd(J, compute_uv=False)
    res = np.abs(Fv).max(axis=1)
    scale = np.maximum(1.0, np.abs(J).max(axis=(1, 2)) * nz)
    fine = (res <= 1e-11 * scale) & (sv[:, -1] > _RANK_TOL * sv[:, 0])
    return Z[good[fine]]


def _fresh(fam, A, b, rng, deadline, stats, count=4):
    """Fresh points of ``M`` moved onto the slice ``(A, b)`` along ``(A, A w) -> (A, b)`` (homogeneous)."""
    W = point_on_variety(fam.F, rng, count=count)
    out = []
    for w in W:
        if time.monotonic() > deadline:
            break
        Z1, ok = move_points(fam, fam.lift(w[None]), (A, A @ w), (A, b), deadline, stats)
        if ok[0]:
            out.append(Z1[0])
    return np.array(out, dtype=np.complex128).reshape(-1, fam.n + 1), len(W)


# -- the trace test ---------------------------------------------------------------------------------


def _trace_impl(fam, A, b, Z, rng, tol, deadline, stats):
    Z = np.asarray(Z, dtype=np.complex128).reshape(-1, fam.n + 1)
    P = len(Z)
    if P == 0:
        return TraceTest(math.inf, False, 0, 0, tol)
    k = len(b)
    v = complex_randn(rng, k)
    v *= max(1.0, float(np.linalg.norm(b))) / np.linalg.norm(v)
    t1, t2 = np.exp(2j * np.pi * rng.random()), 2.0 * np.exp(2j * np.pi * rng.random())
    u = complex_randn(rng, fam.n)
    u /= np.linalg.norm(u)
    Z1, ok1 = move_points(fam, Z, (A, b), (A, b + t1 * v), deadline, stats, tight=LOOP_TIGHT, retry=True)
    Z2, ok2 = move_points(fam, Z, (A, b), (A, b + t2 * v), deadline, stats, tight=LOOP_TIGHT, retry=True)
    fails = int((~ok1).sum() + (~ok2).sum())
    if fails:
        return TraceTest(math.inf, False, fails, P, tol, (complex(t1), complex(t2)))
    p0, p1, p2 = fam.drop(Z) @ u, fam.drop(Z1) @ u, fam.drop(Z2) @ u      # the trace is affine in w
    s0, s1, s2 = p0.sum(), p1.sum(), p2.sum()
    scale = max(1.0, float(np.abs(p0).sum() + np.abs(p1).sum() + np.abs(p2).sum()) / 3)
    r = abs(s1 - s0 - (t1 / t2) * (s2 - s0)) / scale
    return TraceTest(float(r), bool(r < tol), 0, P, tol, (complex(t1), complex(t2)))


def trace_test(F, A, b, points, *, seed: int = 0, tol: float = 1e-6, timeout: float = 600.0) -> TraceTest:
    """The trace test for ``points`` (affine rows, solutions of ``F = 0, A w = b``): passes when their
    trace along a random parallel family ``b + t v`` is affine linear in ``t`` (see the module docstring).
    ``F``: a :class:`NumericSystem` or a list of ``fmpq_mpoly``. Numerical evidence, not a proof."""
    F = F if isinstance(F, NumericSystem) else NumericSystem.from_flint(F)
    rng = np.random.default_rng([seed, 7])
    fam = _Family(F, rng)
    with SingleThread():
        return _trace_impl(fam, np.asarray(A, dtype=np.complex128), np.asarray(b, dtype=np.complex128),
                           fam.lift(points), rng, tol, time.monotonic() + timeout, TrackStats())


# -- monodromy ----------------------------------------------------------------------------------------


def monodromy_solve(F, *, slices: int | None = None, seed: int = 0, stall: int = 5, max_loops: int = 500,
                    max_points: int = 1_000_000, timeout: float = 600.0, trace_tol: float = 1e-6,
                    starts: int = 4, move: str = "both", batch_loops: int = 8, progress=None) -> MonodromyResult:
    """A witness set of the ``(n - m)``-dimensional part of ``V(F)`` by monodromy and the trace test.

    ``F``: ``m`` polynomials (a list of ``fmpq_mpoly`` in one context, or a :class:`NumericSystem`) in
    ``n > m`` unknowns; ``slices``: codimension of the base slice (default ``n - m``). ``stall``:
    consecutive loops without a new point before the trace test runs; ``max_loops``, ``max_points``,
    ``timeout``: budget; ``starts``: Gauss-Newton starting points tried at the beginning and again each
    time the trace test passes; ``move``: ``"both"`` (loops move ``A`` and ``b``), ``"b"`` (only ``b``:
    cheaper paths, slower mixing) or ``"mixed"`` (every third batch of loops moves ``A`` too);
    ``batch_loops``: loops tracked together in one batch.
    ``progress``: optional ``callable(text)``. Deterministic for a given ``seed`` (up to the timeout).
    """
    if move not in ("both", "b", "mixed"):
        raise ValueError("move must be 'both', 'b' or 'mixed'")
    F = F if isinstance(F, NumericSystem) else NumericSystem.from_flint(F)
    n, m = F.n, F.m
    k = n - m if slices is None else int(slices)
    if k < 1 or m < 1:
        raise ValueError(f"monodromy needs 0 < m < n equations (m = {m}, n = {n})")
    with SingleThread():
        return _monodromy(F, k, seed, stall, max_loops, max_points, timeout, trace_tol, starts, move, batch_loops,
                          progress)


def _monodromy(F, k, seed, stall, max_loops, max_points, timeout, trace_tol, starts, move, batch_loops, progress):
    say = progress or (lambda text: None)
    t_start = time.monotonic()
    deadline = t_start + float(timeout)
    rng = np.random.default_rng([seed, 1009])
    fam = _Family(F, rng)
    stats = TrackStats()
    n = F.n
    timings = {"start": 0.0, "loops": 0.0, "trace": 0.0}
    A = complex_randn(rng, k, n) / math.sqrt(n)
    res = MonodromyResult(points=np.zeros((0, n), dtype=np.complex128), A=A, b=np.zeros(k, dtype=np.complex128))
    say("monodromy: a first point (Gauss-Newton)")
    W = np.zeros((0, n), dtype=np.complex128)
    for _ in range(5):
        W = point_on_variety(F, rng, count=max(8, starts))
        if len(W) or time.monotonic() > deadline:
            break
    res.starts = len(W)
    if not len(W):
        res.stop_reason = "no start point"
        res.seconds = time.monotonic() - t_start
        timings["start"] = res.seconds
        res.timings = timings
        return res
    w0 = W[0]
    b = A @ w0
    res.b = b
    X = fam.lift(w0[None])
    for w in W[1:starts]:
        Z1, ok = move_points(fam, fam.lift(w[None]), (A, A @ w), (A, b), deadline, stats)
        if ok[0]:
            X = np.concatenate([X, Z1[:1][novel_rows(X, Z1[:1])]])
    timings["start"] = time.monotonic() - t_start
    scale_b = max(1.0, float(np.linalg.norm(b))) / math.sqrt(k)
    quiet = 0
    batch = 0
    reason = ""
    while True:
        if len(X) >= max_points:
            reason = "max_points"
            break
        if time.monotonic() > deadline:
            reason = "timeout"
            break
        if quiet >= stall:
            t0 = time.monotonic()
            say(f"monodromy: trace test on {len(X)} points")
            tr = _trace_impl(fam, A, b, X, rng, trace_tol, deadline, stats)
            res.trace, res.traces = tr, res.traces + 1
            if tr.passed:
                Y, _ = _fresh(fam, A, b, rng, deadline, stats, count=starts)
                res.starts += len(Y)
                new = novel_rows(X, Y)
                timings["trace"] += time.monotonic() - t0
                if not new.any():
                    reason = "complete"
                    break
                X = np.concatenate([X, Y[new]])
                res.trace = None
            else:
                timings["trace"] += time.monotonic() - t0
            quiet = 0
            continue
        if res.loops >= max_loops:
            reason = "max_loops"
            break
        t0 = time.monotonic()
        # L loops at once in one batch (the per-step cost is mostly fixed overhead for small batches)
        L = int(max(1, min(batch_loops, max_loops - res.loops, -(-256 // len(X)),
                           stall - quiet if quiet else batch_loops)))
        P = len(X)
        batch += 1
        if move == "both" or (move == "mixed" and batch % 3 == 0):
            A1 = complex_randn(rng, L, k, n) / math.sqrt(n)
            A2 = complex_randn(rng, L, k, n) / math.sqrt(n)
            b1 = complex_randn(rng, L, k) * scale_b
            b2 = complex_randn(rng, L, k) * scale_b
        else:
            # branch points of w -> A w can lie far out: loops of random sizes (log-uniform, 1/4 .. 64)
            A1 = A2 = np.broadcast_to(A, (L, k, n))
            b1 = complex_randn(rng, L, k) * scale_b * (4.0 ** rng.uniform(-1, 3, L))[:, None]
            b2 = complex_randn(rng, L, k) * scale_b * (4.0 ** rng.uniform(-1, 3, L))[:, None]
        lab = np.repeat(np.arange(L), P)
        q1 = (np.repeat(A1, P, axis=0), np.repeat(b1, P, axis=0))
        q2 = (np.repeat(A2, P, axis=0), np.repeat(b2, P, axis=0))
        Z = np.tile(X, (L, 1))
        for leg in range(3):
            u0, u1 = (((A, b), q1), (q1, q2), (q2, (A, b)))[leg]
            Z1, ok = move_points(fam, Z, u0, u1, deadline, stats, LOOP, LOOP_TIGHT, groups=lab)
            Z, lab = Z1[ok], lab[ok]
            q1, q2 = _sub(q1, ok), _sub(q2, ok)
            if not len(Z):
                break
        res.loops += L
        timings["loops"] += time.monotonic() - t0
        for g in range(L):                       # loop by loop, for the stall count and the history
            Zg = Z[lab == g]
            new = novel_rows(X, Zg) if len(Zg) else np.zeros(0, dtype=bool)
            if new.any():
                X = np.concatenate([X, Zg[new]])[:max_points]
                quiet = 0
            else:
                quiet += 1
            res.history.append(int(len(X)))
        say(f"monodromy: loop {res.loops}, {len(X)} points")
    if reason not in ("complete", "timeout") and (res.trace is None or res.trace.points != len(X)):
        t0 = time.monotonic()        # report a trace residual for what was found
        tr = _trace_impl(fam, A, b, X, rng, trace_tol, deadline, stats)
        res.trace, res.traces = tr, res.traces + 1
        timings["trace"] += time.monotonic() - t0
    res.points = fam.drop(X)
    res.stop_reason = reason
    res.paths, res.steps, res.failures, res.jumps = stats.paths, stats.steps, stats.failures, stats.jumps
    res.infinity, res.why = stats.infinity, dict(stats.why)
    res.seconds = time.monotonic() - t_start
    res.timings = timings
    return res


def _unit_rows(A, b):
    A, b = np.asarray(A, dtype=np.complex128), np.asarray(b, dtype=np.complex128)
    r = np.linalg.norm(A, axis=1)
    r = np.where(r > 0, r, 1.0)
    return A / r[:, None], b / r


def move_witness_set(F, points, p0, p1, *, seed: int = 0, timeout: float = 600.0, routes_max: int = 6):
    """Move the witness set ``points`` (affine rows) from the slice ``p0 = (A0, b0)`` to ``p1 = (A1, b1)``
    (e.g. real rational slices) through a random complex intermediate slice (the gamma trick: the open
    segments avoid the discriminant with probability one; ``p1`` itself may be special, then paths go to
    infinity, fail or collide, and are counted). While paths fail on the way and fewer distinct endpoints
    than points have arrived, the whole set is sent again along a new route (at most ``routes_max``) and
    the union of the endpoints is kept. Returns ``(endpoints, info)``: the distinct regular finite
    endpoints at ``p1`` (affine) and counts ``{"tracked", "arrived" (best route), "distinct", "infinity",
    "failed", "jumps", "routes", "why" (failure reasons), "paths", "steps", "seconds"}``."""
    F = F if isinstance(F, NumericSystem) else NumericSystem.from_flint(F)
    t0 = time.monotonic()
    with SingleThread():
        rng = np.random.default_rng([seed, 4242])
        fam = _Family(F, rng)
        # a slice a . w = b is the same after scaling (a, b): rows of unit norm make the segments tamer
        A0, b0 = _unit_rows(*p0)
        A1, b1 = _unit_rows(*p1)
        k, n = A0.shape
        sb = max(1.0, float(np.abs(b0).max()), float(np.abs(b1).max()))
        stats = TrackStats()
        deadline = t0 + float(timeout)
        X = fam.lift(points)
        E = np.zeros((0, n + 1), dtype=np.complex128)
        arrived = routes = 0
        while routes < routes_max and time.monotonic() < deadline:
            # every route (through a new random mid point) carries the whole witness set; a path that
            # fails (it passed close to a singular point, often at infinity) is not chased: the union of
            # the endpoints of the routes is kept, each point once
            routes += 1
            before = stats.why["step size"] + stats.why["steps"]
            mid = (complex_randn(rng, k, n) / math.sqrt(n), complex_randn(rng, k) * sb)
            Z, ok = move_points(fam, X, (A0, b0), mid, deadline, stats, FINAL)
            Z2, ok2 = move_points(fam, Z[ok], mid, (A1, b1), deadline, stats, FINAL)
            arrived = max(arrived, int(ok2.sum()))
            E = np.concatenate([E, Z2[ok2][novel_rows(E, Z2[ok2])]])
            if len(E) >= len(X) or stats.why["step size"] + stats.why["steps"] == before:
                break        # complete, or nothing failed on the way (the target itself is special)
        info = {"tracked": int(len(X)), "arrived": arrived, "distinct": int(len(E)),
                "infinity": int(stats.infinity), "failed": int(stats.failures), "jumps": int(stats.jumps),
                "routes": routes, "why": dict(stats.why), "paths": int(stats.paths), "steps": int(stats.steps),
                "seconds": round(time.monotonic() - t0, 4)}
    return fam.drop(E), info


def slice_parameters(slices):
    """``(A, b)`` (complex128) of rational slices ``[{"a": [...], "b": "p/q"}, ...]``."""
    from fractions import Fraction
    A = np.array([[float(Fraction(a)) for a in s["a"]] for s in slices], dtype=np.complex128)
    b = np.array([float(Fraction(s["b"])) for s in slices], dtype=np.complex128)
    return A, b


def monodromy_witness(residuals, slices, *, seed: int = 0, progress=None, timeout: float = 600.0, **kw):
    """The pipeline used by ``verifier degree --method monodromy``.

    ``residuals``: the ``m`` residual polynomials (``fmpq_mpoly``); ``slices``: the rational slices
    ``[{"a": [...], "b": "p/q"}, ...]`` of the witness system (as in
    :func:`verifier.theorems.solving.random_slices`). Runs :func:`monodromy_solve` on complex base slices,
    then :func:`move_witness_set` to the rational slices. Returns ``(endpoints, info)``: approximate
    solutions of the rational witness system (to be certified) and a JSON-ready report.
    """
    t0 = time.monotonic()
    F = NumericSystem.from_flint(residuals)
    res = monodromy_solve(F, seed=seed, progress=progress, timeout=timeout, **kw)
    A1, b1 = slice_parameters(slices)
    info = res.summary()
    if len(res.points):
        if progress:
            progress(f"monodromy: moving {len(res.points)} points to the rational slices")
        left = max(1.0, timeout - (time.monotonic() - t0))
        E, mv = move_witness_set(F, res.points, (res.A, res.b), (A1, b1), seed=seed, timeout=left)
    else:
        E, mv = np.zeros((0, F.n), dtype=np.complex128), {"tracked": 0, "arrived": 0, "distinct": 0, "infinity": 0,
                                                         "failed": 0, "jumps": 0, "paths": 0, "steps": 0,
                                                         "seconds": 0.0}
    info["final_move"] = mv
    return E, info
