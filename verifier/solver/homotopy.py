"""Numerical homotopy continuation for square polynomial systems, all paths tracked together.

Problem
-------
``F = (F_1, ..., F_n)``, polynomials in ``x = (x_1, ..., x_n)`` with rational coefficients. We
want every isolated solution of ``F = 0`` in ``C^n``, with multiplicities, and the number of
solution paths that go to infinity.

Multi-projective formulation
----------------------------
The variables are partitioned into groups ``g = 1..G`` (one group for the total-degree start
system; the given ``groups`` for the multihomogeneous one). Each group gets a homogenising
coordinate ``h_g``; ``F_i`` is homogenised group by group,
``F^h_i(x, h) = prod_g h_g^{D_ig} F_i(x_1/h_1, ..., x_G/h_G)`` with ``D_ig`` the degree of ``F_i`` in
the variables of group ``g``. A solution of ``F^h`` with every ``h_g != 0`` is a finite solution
``x_g / h_g``; one with some ``h_g = 0`` lies at infinity. Each group's projective space is cut by
a random affine patch ``a_g . (x_g, h_g) = 1`` (``a_g`` complex Gaussian), so the ``n + G``
unknowns ``Z = (x, h)`` satisfy ``n + G`` equations and paths that diverge in ``C^n`` stay bounded:
they converge to points with ``h_g -> 0``, which we classify as ``infinity``.

Homotopy (the gamma trick)
--------------------------
``H(Z, t) = (1 - t) F^h(Z) + t * gamma * G^h(Z)`` together with the patches, ``t`` from 1 to 0,
``gamma = exp(2 pi i theta)`` random. For all but finitely many ``gamma`` on the unit circle the
solution paths are smooth for ``t`` in ``(0, 1]`` and start at the ``B`` regular start solutions
(Sommese-Wampler, *The Numerical Solution of Systems of Polynomials*, Thm. 8.3.1; Morgan).

* total degree: ``G_i = x_i^{d_i} - h^{d_i}``, ``B = prod d_i``, start points ``x_i = d_i``-th roots of 1;
* multihomogeneous: ``G_i = prod_g prod_{k < D_ig} (a_igk . x_g + b_igk h_g)``, random complex
  coefficients, ``B`` the m-Bezout number (coefficient of ``prod_g z_g^{n_g}`` in
  ``prod_i sum_g D_ig z_g``). A start solution picks, for each equation, one linear factor, so that
  group ``g`` is picked by exactly ``n_g`` equations; then each group's ``n_g`` linear forms (with
  ``h_g = 1``) give an ``n_g x n_g`` linear system. Enumerating the picks gives exactly ``B`` points.

Path tracking
-------------
Along a segment ``t = t_a + s (t_b - t_a)``, ``s`` in ``[0, 1]``, the path satisfies the Davidenko
equation ``dZ/ds = -H_Z^{-1} H_t (t_b - t_a)``, ``H_t = gamma G^h - F^h``. Every step is a classical
RK4 predictor followed by at most three Newton corrections on ``H(., t(s + h)) = 0``. A step is
accepted when Newton converges (correction below ``tol_track * max(1, |Z|)``, or below
``1e-7 max(1, |Z|)`` with ``|d_k|^2 / |d_{k-1}|``, the error left after it under quadratic
convergence, below ``tol_track * max(1, |Z|)``; within three iterations, with contraction ratio at
most ``1/2``) and the first correction ``d_1`` (the predictor's error) is below
``kappa * max(1, |Z|)``; then ``h <- h * clip(0.8 (kappa |Z| / d_1)^{1/5}, 1/4, 2.5)`` (RK4's local
error is ``O(h^5)``). Rejected steps halve ``h`` (a first correction above the bound stops the
Newton iterations at once). Each Newton iteration also solves for the tangent with the same LU;
the tangent of an accepted step's last iteration is the next step's first RK4 stage, so a step
costs three predictor and usually two corrector evaluations. ``kappa`` is ``1e-3`` for ``t`` in
``[0.1, 1]``, ``1e-4 min(1, sqrt(t / 1e-2))`` on the endgame's decade from ``t`` and
``1e-3 min(1, sqrt(r / 1e-3))`` on the Cauchy loops at radius ``r`` (at least ``1e-6``): the
branches of a cycle of winding number ``c`` are about ``t^{1/c}`` apart. Step sizes, positions and
counters are per path; all paths of a batch advance together with batched evaluation and batched
``solve`` on ``(P, N, N)`` arrays. A path fails when ``h`` falls below ``1e-13`` or it exceeds
``max_steps``.

Endgame
-------
From ``t = 0.1`` the paths visit ``t_k = 10^{-k-1}``. At each ``t_k``:

1. *Newton test.* Newton on ``H(., 0)`` from ``Z(t_k)``; if it converges quadratically to a point
   with Jacobian condition number below ``1e10`` and the point agrees with the one found from the
   previous ``t_{k-1}``, the path ends there (a regular root of the homogenised system).
2. *Infinity by decay.* ``rho_g = |h_g| / |(x_g, h_g)|`` decreasing over the last two decades
   and below ``1e-8``, or decreasing like a steady power of ``t`` over the last three decades
   (every decade's ``log10`` decrease at least 0.1, all within 10%) and below ``1e-4`` (Bertini's
   default ``SecurityMaxNorm`` of ``1e4``): the path goes to infinity. A path heading for a finite
   point has ``rho_g`` levelling off instead; a finite endpoint with ``|x| >~ 1e4`` and a winding
   number above 12 could be taken for one at infinity.
3. *Cauchy endgame* (for ``t_k <= 10^{-3}``, on the paths whose Newton test failed, on all at the
   last level). Near ``t = 0`` the path is a Puiseux series
   ``Z(t) = sum_j a_j t^{j/c}`` with winding number ``c``. Track it around the polygon with vertices
   ``t_k exp(2 pi i j / 8)`` until it closes up after ``c`` loops; by Cauchy's integral formula in
   ``s = t^{1/c}``, the mean of the ``8c`` vertex values is ``Z(0)`` up to ``O(t_k^8)``
   (the trapezoidal rule is exact on the terms ``s^j`` with ``8c`` not dividing ``j``). Three
   successive radii agreeing to ``1e-8`` (relative) with the same winding number end the path; one
   radius suffices for an estimate at infinity with ``rho_g`` decaying, and two radii whose
   estimates both have ``rho_g < 1e-4`` (loops closed, path approaching them) mean infinity too
   (Bertini's security rule: the estimates of a finite endpoint converge to it). A path whose
   loops did not close within 12 loops and whose ``rho_g`` follows a steady power law that reaches
   ``1e-4`` within the remaining levels skips the loops (thousands of steps at high winding
   numbers: cyclic(6)'s paths to infinity) until the trend breaks or the last level. A cycle (``c > 1``) whose estimate
   has a residual ``|H(., 0)| > 1e-8 max(1, |Z|)^deg`` is not a root: loops above the branch point
   of two close regular roots close after two turns around their midpoint. Such paths keep the
   estimate but continue to the smaller radii, where they separate.

Classification
--------------
An endpoint with ``|h_g| < 1e-8 |(x_g, h_g)|`` for some group is at ``infinity``. Otherwise it is
dehomogenised, refined by Newton on ``F``, and is ``nonsingular`` if its winding number is 1,
the condition number of ``J_F`` is below ``1e10`` and no other path ends at the same point;
else ``singular``. Endpoints are clustered (relative distance ``1e-6``); the multiplicity of a
singular point is the number of paths ending at it (a lower bound on the algebraic multiplicity
when the start system is not total degree, equal to it for the total-degree homotopy with
generic ``gamma``). Two "nonsingular" paths ending at the same point means a path jumped: those
paths are tracked again with tighter settings. Duplicates that survive are ``singular`` when the
condition number there is at least ``1e6`` (a double root where two branches of winding number 1
meet: at a point known to ~1e-11 the computed condition number is ~1e9-1e11, not always above
``1e10``), otherwise all but one are ``failed``.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .numeric import (NumericSystem, SingleThread, batched_solve, compiled_tracker, complex_randn, csr_rows,
                      row_norms, table_recursion)

_ctrack = compiled_tracker()   # the compiled inner loop, or None (the numpy loop below does the same)

STATUSES = ("nonsingular", "singular", "infinity", "failed")

# endgame and classification constants (documented in the module docstring)
_T_ENDGAME = 0.1
_LEVELS = 10            # t_k = 10^{-1}, ..., 10^{-10}
_CAUCHY_FROM = 1e-3
_CAUCHY_VERTICES = 8
_CAUCHY_MAX_LOOPS = 12
_INF_TOL = 1e-8
_COND_TOL = 1e10
_SUSPECT_RES = 1e-8    # a cycle's estimate with a larger residual may be the midpoint of two roots
_DUP_SINGULAR_COND = 1e6   # a shared endpoint this ill-conditioned is a singular root
_CLUSTER_TOL = 1e-6
_DECAY_MIN = 0.05     # log10 decrease of h_g per decade of t that counts as decaying
_TREND_LOG = -4.0     # log10 rho below which a steady power-law decay counts as infinity
_REL_RES = 1e-4       # an unconfirmed endpoint with a larger residual, relative to its terms and coefficients, is no root


# -- root counts ------------------------------------------------------------------------


def _degrees(polys) -> list:
    return [int(p.total_degree()) if not p.is_zero() else -1 for p in polys]


def total_degree_count(polys) -> int:
    """Bezout's total-degree number ``prod_i deg F_i`` (a bound on the isolated roots in C^n)."""
    return math.prod(_degrees(polys))


def _group_degrees(polys, groups) -> list:
    out = []
    for p in polys:
        row = [0] * len(groups)
        for mon in p.monoms():
            for g, idx in enumerate(groups):
                s = int(sum(mon[j] for j in idx))
                row[g] = max(row[g], s)
        out.append(row)
    return out


def multihomogeneous_count(polys, groups) -> int:
    """The m-Bezout number for the variable partition ``groups``.

    The coefficient of ``prod_g z_g^{n_g}`` in ``prod_i (sum_g D_ig z_g)``, ``D_ig`` the degree of
    ``F_i`` in the variables of group ``g`` and ``n_g`` the group's size (computed by
    :func:`verifier.algebra.bounds.multihomogeneous_bezout`).
    """
    from ..algebra.bounds import multihomogeneous_bezout

    groups = _check_groups(groups, polys[0].context().nvars())
    bound, _ = multihomogeneous_bezout(_group_degrees(polys, groups), [len(g) for g in groups])
    if bound is None:
        raise ValueError("multihomogeneous_count: too many groups for the exact count")
    return int(bound)


def _check_groups(groups, n: int) -> list:
    if groups is None:
        raise ValueError("the multihomogeneous start system needs a variable partition `groups`")
    groups = [[int(j) for j in g] for g in groups if len(g)]
    flat = sorted(j for g in groups for j in g)
    if flat != list(range(n)):
        raise ValueError(f"groups must partition the variables 0..{n - 1}")
    return groups


# -- result -----------------------------------------------------------------------------


@dataclass
class HomotopyResult:
    """Endpoints of all paths and their classification.

    Attributes
    ----------
    paths : int
        Number of paths tracked (the start system's root count).
    endpoints : (P, n) complex128
        Affine endpoints; for ``infinity`` paths the direction ``x / |x|`` of the point at
        infinity (from the homogeneous coordinates); for ``failed`` paths NaN, or the endgame's
        estimate when it is finite but not a root (its residual is too large).
    status : list of str
        ``nonsingular``, ``singular``, ``infinity`` or ``failed`` per path.
    multiplicity : (P,) int
        1 for nonsingular endpoints; for singular ones the number of paths ending at the same
        point; 0 for ``infinity`` and ``failed``.
    condition : (P,) float
        2-norm condition number of ``J_F`` at finite endpoints (NaN otherwise).
    residual : (P,) float
        ``max_i |F_i(x)|`` at finite endpoints (NaN otherwise).
    winding : (P,) int
        Winding number estimated by the endgame (1 when the Newton test ended the path, 0 unknown).
    steps : (P,) int
        Accepted plus rejected predictor-corrector steps.
    seconds : float
    start_system : str
    start_count : int
    gamma : complex
    complete : bool
        False when ``timeout`` ran out (unfinished paths are ``failed``), and for the sparse start
        system when its roots found by monodromy are fewer than the mixed volume (or the mixed
        volume is unknown): the counts are then lower bounds.
    mixed_volume : int or None
        Sparse start system: the mixed volume of the supports with the origin added (None for the
        other start systems, or without Singular).
    start_info : dict
        Sparse start system: the monodromy's report (:meth:`verifier.solver.sparse.SparseStart.summary`).
    """

    paths: int
    endpoints: np.ndarray
    status: list
    multiplicity: np.ndarray
    condition: np.ndarray
    residual: np.ndarray
    seconds: float
    start_system: str = "total-degree"
    start_count: int = 0
    gamma: complex = 1.0
    complete: bool = True
    winding: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    mixed_volume: int | None = None
    start_info: dict = field(default_factory=dict)

    def solutions(self, kind: str = "nonsingular", *, distinct: bool = True) -> np.ndarray:
        """Endpoints of the given status, ``(k, n)``; singular points once each when ``distinct``."""
        if kind not in STATUSES:
            raise ValueError(f"kind must be one of {STATUSES}")
        sel = np.array([s == kind for s in self.status], dtype=bool)
        pts = self.endpoints[sel]
        if distinct and kind == "singular" and len(pts):
            labels = _cluster(pts, _CLUSTER_TOL)
            _, first = np.unique(labels, return_index=True)
            pts = pts[np.sort(first)]
        return pts

    def candidates(self) -> tuple:
        """``(points, labelled)``: the points worth certifying, nonsingular endpoints first (``labelled`` of
        them), then the singular points and the failed paths' finite estimates, once each. Newton from
        an ill-conditioned simple root labelled singular, or from an estimate of a path that had not
        converged (a root of large modulus approached slowly), can still prove a root; the rest fail
        the Krawczyk test and count for nothing."""
        ns = self.solutions("nonsingular")
        extra = [self.solutions("singular")]
        st = np.array(self.status)
        failed = self.endpoints[st == "failed"] if len(st) else self.endpoints[:0]
        failed = failed[np.isfinite(failed).all(axis=1)] if len(failed) else failed
        if len(failed):
            labels = _cluster(failed, _CLUSTER_TOL)
            _, first = np.unique(labels, return_index=True)
            extra.append(failed[np.sort(first)])
        rest = [e for e in extra if len(e)]
        return (np.vstack([ns] + rest) if rest else ns), len(ns)

    def real_solutions(self, tol: float = 1e-8) -> np.ndarray:
        """Nonsingular endpoints with ``max |Im x_j| < tol * max(1, |x|)``."""
        pts = self.solutions("nonsingular")
        if not len(pts):
            return pts
        scale = np.maximum(1.0, np.abs(pts).max(axis=1))
        return pts[np.abs(pts.imag).max(axis=1) < tol * scale]

    def summary(self) -> dict:
        """Counts for reports: paths, finite nonsingular / singular (with multiplicities), at
        infinity, failed, real, seconds, start system and its root count."""
        st = np.array(self.status)
        sing = self.solutions("singular")
        sing_sel = st == "singular"
        mults = []
        if sing_sel.any():
            labels = _cluster(self.endpoints[sing_sel], _CLUSTER_TOL)
            mults = sorted((int(c) for c in np.bincount(labels)), reverse=True)
        out = {
            "paths": int(self.paths),
            "nonsingular": int((st == "nonsingular").sum()),
            "singular_points": int(len(sing)),
            "singular_paths": int(sing_sel.sum()),
            "singular_multiplicities": mults,
            "infinity": int((st == "infinity").sum()),
            "failed": int((st == "failed").sum()),
            "real": int(len(self.real_solutions())),
            "seconds": round(float(self.seconds), 4),
            "start_system": self.start_system,
            "start_count": int(self.start_count),
            "complete": bool(self.complete),
        }
        if self.start_system == "sparse":
            out["mixed_volume"] = self.mixed_volume
            out["start_complete"] = bool(self.start_info.get("complete", False))
            out["monodromy"] = dict(self.start_info)
        return out


def _close_pairs(Y: np.ndarray, tol: float, scale: np.ndarray | None = None) -> np.ndarray:
    """All pairs ``(a, b)``, ``a < b``, of rows of the real array ``Y`` with
    ``|Y_a - Y_b| <= tol * max(scale_a, scale_b)`` (``scale`` defaults to ones).

    Sweep along a fixed random direction ``u``: ``|u . (Y_a - Y_b)| <= |Y_a - Y_b|``, so after
    sorting the projections only rows whose projections differ by at most the threshold are
    compared (exact; no scipy import, which costs half a second on the first call). With
    ``scale_a = max(1, |Y_a|)`` a close pair has ``max(scale_a, scale_b) <= scale_a / (1 - tol)``,
    a bound that depends on the lower row only, so the sweep can stop at the first offset ``k``
    where no row has a candidate.
    """
    P = len(Y)
    if scale is None:
        scale = np.ones(P)
    u = np.random.default_rng(12345).standard_normal(Y.shape[1])
    u /= np.linalg.norm(u)
    order = np.argsort(Y @ u, kind="stable")
    proj = (Y @ u)[order]
    Ys = Y[order]
    sc = scale[order]
    thr = tol * sc / max(1.0 - tol, 0.5)
    out = []
    k = 1
    idx = np.arange(P)
    while k < P:
        cand = idx[:P - k][proj[k:] - proj[:P - k] <= thr[:P - k]]
        if not len(cand):
            break
        d = np.linalg.norm(Ys[cand + k] - Ys[cand], axis=1)
        hit = cand[d <= tol * np.maximum(sc[cand], sc[cand + k])]
        if len(hit):
            out.append(np.stack([order[hit], order[hit + k]], axis=1))
        k += 1
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(out)
    return np.sort(pairs, axis=1)


def _cluster(points: np.ndarray, tol: float) -> np.ndarray:
    """Cluster labels: points ``a, b`` with ``|a - b| <= tol * max(1, |a|, |b|)`` (relative distance
    for large points) share a label (single linkage).

    (Not the distance of the compactified points ``x / max(1, |x|)``: that map sends every point
    of a ray outside the unit ball to one point, and distinct roots such as ``(4/3, -4/3)`` and
    ``(17/2, -17/2)`` were reported as one path jumping onto another's root.)
    """
    P = len(points)
    if P == 0:
        return np.zeros(0, dtype=np.int64)
    Y = np.concatenate([points.real, points.imag], axis=1)
    scale = np.maximum(1.0, np.linalg.norm(Y, axis=1))
    parent = np.arange(P)

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    pairs = _close_pairs(Y, tol, scale)
    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(a) for a in range(P)])
    _, labels = np.unique(roots, return_inverse=True)
    return labels


# -- the homotopy ---------------------------------------------------------------------------


class _Homotopy:
    """``H(Z, t)`` on the multi-projective patches; see the module docstring."""

    def __init__(self, F: NumericSystem, groups: list, start: str, rng: np.random.Generator,
                 gamma: complex, sparse=None):
        n = F.n
        self.F, self.n, self.groups, self.G = F, n, groups, len(groups)
        self.N = N = n + self.G
        self.gamma = complex(gamma)
        self.kind = start
        gid = np.zeros(n, dtype=np.int64)
        for g, idx in enumerate(groups):
            gid[idx] = g
        self.gid = gid
        # homogenise group by group
        D = np.zeros((n, self.G), dtype=np.int64)
        exps = []
        for i, E in enumerate(F.exponents):
            dg = np.stack([E[:, idx].sum(axis=1) for idx in groups], axis=1)  # (k, G)
            D[i] = dg.max(axis=0) if len(E) else 0
            exps.append(np.concatenate([E, D[i][None, :] - dg], axis=1))
        self.D = D
        self.Fh = NumericSystem.from_terms(exps, F.coefficients, N)
        # random patches a_g . (x_g, h_g) = 1
        A = np.zeros((self.G, N), dtype=np.complex128)
        for g, idx in enumerate(groups):
            cols = list(idx) + [n + g]
            A[g, cols] = complex_randn(rng, len(cols)) / math.sqrt(len(cols))
        self.A = A
        if start == "total-degree":
            self.d = D[:, 0].copy()
            # F^h and G^h = x_i^{d_i} - h^{d_i} share one monomial table: one evaluation gives both
            gexps, gcoefs = [], []
            for i in range(n):
                E = np.zeros((2, N), dtype=np.int64)
                E[0, i] = self.d[i]
                E[1, n] = self.d[i]
                gexps.append(E)
                gcoefs.append(np.array([1.0, -1.0], dtype=np.complex128))
            self.FGh = NumericSystem.from_terms(exps + gexps, list(F.coefficients) + gcoefs, N)
        elif start == "sparse":
            # G: random coefficients on the supports of F plus the constant monomial, homogenised with
            # F_i's degree (the same family: (1 - t) F^h + t gamma G^h); its roots come with it
            self.d = D[:, 0].copy()
            self.sparse_roots = np.asarray(sparse.roots, dtype=np.complex128).reshape(-1, n)
            gexps, gcoefs = [], []
            for i in range(n):
                E = np.asarray(sparse.exponents[i], dtype=np.int64)
                c = np.asarray(sparse.coefficients[i], dtype=np.complex128)
                # each G_i scaled to the size of F_i (the same roots; balanced H for t in (0, 1))
                c = c * (np.linalg.norm(F.coefficients[i]) / max(np.linalg.norm(c), 1e-300))
                gexps.append(np.concatenate([E, (self.d[i] - E.sum(axis=1))[:, None]], axis=1))
                gcoefs.append(c)
            self.FGh = NumericSystem.from_terms(exps + gexps, list(F.coefficients) + gcoefs, N)
        else:
            self.FGh = None
            self._build_linear_product(rng)
            gexps = self._expand_linear_product()
            if gexps is not None:
                self.FGh = NumericSystem.from_terms(exps + [e for e, _ in gexps],
                                                    list(F.coefficients) + [c for _, c in gexps], N)
        self._ctab = None
        self._fuse()
        self._bufP = 0

    def _fuse(self):
        """Coefficient rows of ``[F^h; vec J_F^h]`` and ``[G^h; vec J_G^h]`` stacked, so that one
        product with the shared monomial table and one weighted sum give ``H`` and ``H_Z`` for all
        points (the per-call array work dominates for the small batches of the endgame)."""
        self._C2 = self._C2sp = None
        if self.FGh is None:
            return
        n, N = self.n, self.N
        C = self.FGh._C
        m = 2 * n
        CF = np.concatenate([C[:n], C[m:m + n * N]])
        CG = np.concatenate([C[n:m], C[m + n * N:m + 2 * n * N]])
        self._K = n + n * N
        self._C2 = np.ascontiguousarray(np.concatenate([CF, CG]))
        if self.FGh._Csp is not None:
            import scipy.sparse as sp

            self._C2sp = sp.csr_matrix(self._C2)

    # start systems -------------------------------------------------------------------

    def ctable(self):
        """The homotopy in the compiled tracker's form: ``(cval, ccol, crow, par, var, Lc, nf, Kmax)``,
        the sparse rows of the table (``[F^h; J_F^h]`` then ``[G^h; J_G^h]``) over a monomial table
        given by parent and variable per monomial. For the multihomogeneous start ``G^h`` is evaluated
        as the product of its linear forms (``Lc``, ``nf`` factors per equation, at most ``Kmax``): the
        table holds ``F^h`` only (its expansion has many more terms than ``F`` on most systems)."""
        if self._ctab is None:
            if self.kind in ("total-degree", "sparse"):
                C, table = self._C2, self.FGh
                Lc, nf, Kmax = np.zeros(0, dtype=np.complex128), np.zeros(0, dtype=np.int64), 0
            else:
                C, table = self.Fh._C, self.Fh
                C = np.concatenate([C, np.zeros_like(C)])
                Lc = np.ascontiguousarray(self.Lc)
                nf = self.Lmask.sum(axis=1).astype(np.int64)
                Kmax = int(self.K)
            cval, ccol, crow = csr_rows(C)
            par, var = table_recursion(table)
            self._patch_c = np.ascontiguousarray(self.A, dtype=np.complex128)
            self._ctab = (cval, ccol, crow, par, var, Lc, nf, Kmax)
        return self._ctab

    def _build_linear_product(self, rng):
        n, N, G = self.n, self.N, self.G
        K = int(self.D.sum(axis=1).max())
        Lc = np.zeros((n, K, N), dtype=np.complex128)
        mask = np.zeros((n, K), dtype=bool)
        self.factor_index = {}
        for i in range(n):
            f = 0
            for g, idx in enumerate(self.groups):
                for k in range(int(self.D[i, g])):
                    cols = list(idx) + [n + g]
                    Lc[i, f, cols] = complex_randn(rng, len(cols))
                    mask[i, f] = True
                    self.factor_index[(i, g, k)] = f
                    f += 1
        self.Lc, self.Lmask, self.K = Lc, mask, K

    def _expand_linear_product(self, limit: int = 2_000):
        """The start system's products of linear forms expanded into monomials (exponents,
        coefficients per equation), so that ``F^h`` and ``G^h`` share one evaluation; ``None``
        when the expansion has more than ``limit`` terms in all (then products are evaluated)."""
        N = self.N
        out, total = [], 0
        for i in range(self.n):
            poly = {(0,) * N: 1.0 + 0j}
            for f in np.nonzero(self.Lmask[i])[0]:
                c = self.Lc[i, f]
                nz = np.nonzero(c)[0]
                new: dict = {}
                for e, v in poly.items():
                    for j in nz:
                        e2 = e[:j] + (e[j] + 1,) + e[j + 1:]
                        new[e2] = new.get(e2, 0j) + v * c[j]
                poly = new
                if total + len(poly) > limit:
                    return None
            total += len(poly)
            E = np.array(list(poly.keys()), dtype=np.int64).reshape(-1, N)
            out.append((E, np.array(list(poly.values()), dtype=np.complex128)))
        return out

    def start_eval_jac(self, Z):
        P = Z.shape[0]
        n = self.n
        if self.kind == "total-degree":
            x, h = Z[:, :n], Z[:, n]
            d = self.d
            xd1 = _int_power(x, d - 1)
            hd1 = _int_power(np.broadcast_to(h[:, None], x.shape), d - 1)
            Gv = xd1 * x - hd1 * h[:, None]
            J = np.zeros((P, n, self.N), dtype=np.complex128)
            ar = np.arange(n)
            J[:, ar, ar] = d * xd1
            J[:, :, n] = -d * hd1
            return Gv, J
        L = (Z @ self.Lc.reshape(n * self.K, self.N).T).reshape(P, n, self.K)
        L = np.where(self.Lmask, L, 1.0)
        pre = np.ones_like(L)
        suf = np.ones_like(L)
        if self.K > 1:
            pre[:, :, 1:] = np.cumprod(L[:, :, :-1], axis=2)
            suf[:, :, :-1] = np.cumprod(L[:, :, :0:-1], axis=2)[:, :, ::-1]
        Gv = pre[:, :, -1] * L[:, :, -1]
        excl = pre * suf * self.Lmask
        J = np.einsum("pik,ikv->piv", excl, self.Lc)
        return Gv, J

    def start_solutions(self) -> np.ndarray:
        n = self.n
        if self.kind == "total-degree":
            roots = [np.exp(2j * np.pi * np.arange(d) / d) for d in self.d]
            grid = np.array(list(itertools.product(*[range(int(d)) for d in self.d])), dtype=np.int64)
            grid = grid.reshape(-1, n)
            X = np.stack([roots[j][grid[:, j]] for j in range(n)], axis=1)
            Z = np.concatenate([X, np.ones((len(X), 1), dtype=np.complex128)], axis=1)
            return self._to_patch(Z)
        if self.kind == "sparse":
            X = self.sparse_roots
            return self._to_patch(np.concatenate([X, np.ones((len(X), 1), dtype=np.complex128)], axis=1))
        return self._to_patch(self._linear_product_roots())

    def _linear_product_roots(self) -> np.ndarray:
        n, G = self.n, self.G
        sizes = [len(g) for g in self.groups]
        D = self.D
        # group assignments: equation i -> group, each group g used sizes[g] times, D[i,g] > 0
        assigns = []

        def rec(i, left, cur):
            if i == n:
                assigns.append(list(cur))
                return
            for g in range(G):
                if left[g] and D[i, g] > 0:
                    left[g] -= 1
                    cur.append(g)
                    rec(i + 1, left, cur)
                    cur.pop()
                    left[g] += 1

        rec(0, list(sizes), [])
        blocks = []
        for a in assigns:
            grid = np.array(list(itertools.product(*[range(int(D[i, a[i]])) for i in range(n)])),
                            dtype=np.int64).reshape(-1, n)
            fac = np.array([[self.factor_index[(i, a[i], 0)] for i in range(n)]], dtype=np.int64) + grid
            grp = np.broadcast_to(np.array(a, dtype=np.int64), fac.shape)
            blocks.append((grp, fac))
        if not blocks:
            return np.zeros((0, self.N), dtype=np.complex128)
        grp = np.concatenate([b[0] for b in blocks])
        fac = np.concatenate([b[1] for b in blocks])
        P = len(grp)
        order = np.argsort(grp, axis=1, kind="stable")
        Z = np.zeros((P, self.N), dtype=np.complex128)
        off = 0
        rows = np.arange(P)[:, None]
        for g, idx in enumerate(self.groups):
            ng = len(idx)
            eq = order[:, off:off + ng]                    # (P, ng) equations assigned to g
            k = fac[rows, eq]                              # their chosen factors
            coef = self.Lc[eq, k]                          # (P, ng, N)
            Ag = coef[:, :, idx]
            bg = -coef[:, :, n + g]
            Z[:, idx] = batched_solve(Ag, bg)
            Z[:, n + g] = 1.0
            off += ng
        return Z

    def _to_patch(self, Z: np.ndarray) -> np.ndarray:
        Z = Z.copy()
        for g, idx in enumerate(self.groups):
            cols = list(idx) + [self.n + g]
            lam = Z[:, cols] @ self.A[g, cols]
            Z[:, cols] /= lam[:, None]
        return Z

    # homotopy -------------------------------------------------------------------------

    def eval(self, Z, t, need_h=True):
        """``H``, ``H_Z`` and ``H_t`` at points ``Z`` (P, N) and parameters ``t`` (P,) (``H`` is
        None when not ``need_h``)."""
        n = self.n
        P = Z.shape[0]
        N = self.N
        if self._C2 is not None:
            V = self.FGh.monomial_values(Z)
            R = np.asarray(self._C2sp @ V) if self._C2sp is not None else self._C2 @ V
            K = self._K
            RF, RG = R[:K], R[K:]
            HH = (1.0 - t) * RF
            HH += (t * self.gamma) * RG
            H = None
            if need_h:
                H = np.empty((P, N), dtype=np.complex128)
                H[:, :n] = HH[:n].T
                H[:, n:] = Z @ self.A.T
                H[:, n:] -= 1.0
            HZ = np.empty((P, N, N), dtype=np.complex128)
            HZ[:, :n] = HH[n:].reshape(n, N, P).transpose(2, 0, 1)
            HZ[:, n:] = self.A
            Ht = np.zeros((P, N), dtype=np.complex128)
            Ht[:, :n] = (self.gamma * RG[:n] - RF[:n]).T
            return H, HZ, Ht
        if self.FGh is not None:
            FG, JFG = self.FGh.eval_jac(Z)
            Fv, Gv, JF, JG = FG[:, :n], FG[:, n:], JFG[:, :n], JFG[:, n:]
        else:
            Fv, JF = self.Fh.eval_jac(Z)
            Gv, JG = self.start_eval_jac(Z)
        a = (1.0 - t)[:, None]
        b = (t * self.gamma)[:, None]
        P = Z.shape[0]
        H = np.empty((P, self.N), dtype=np.complex128)
        H[:, :n] = a * Fv + b * Gv
        H[:, n:] = Z @ self.A.T - 1.0
        HZ = np.empty((P, self.N, self.N), dtype=np.complex128)
        HZ[:, :n] = a[:, :, None] * JF + b[:, :, None] * JG
        HZ[:, n:] = self.A
        Ht = np.zeros((P, self.N), dtype=np.complex128)
        Ht[:, :n] = self.gamma * Gv - Fv
        return H, HZ, Ht

    def _buffers(self, P):
        """Preallocated ``(P, N, N)`` Jacobian and ``(P, N, 2)``, ``(P, N, 1)`` right-hand side
        arrays whose patch rows are already filled (``A`` and 0); leading slices of buffers that
        grow with the largest batch seen, so that the per-step work writes only the ``n`` rows of
        ``F``. Valid until the next call (the solver copies its inputs)."""
        if P > self._bufP:
            n, N = self.n, self.N
            A = np.empty((P, N, N), dtype=np.complex128)
            A[:, n:] = self.A
            self._bufA = A
            self._bufB2 = np.zeros((P, N, 2), dtype=np.complex128)
            self._bufB1 = np.zeros((P, N, 1), dtype=np.complex128)
            self._bufP = P
        return self._bufA[:P], self._bufB2[:P], self._bufB1[:P]

    def _system(self, Z, t, dt, need_h):
        """``H_Z`` and the right-hand sides ``[H, H_t dt]`` (``need_h``) or ``[H_t dt]`` at points
        ``Z`` and parameters ``t`` (see :meth:`eval`), written into the buffers of :meth:`_buffers`
        (the fused table: one monomial evaluation, one product, no intermediate ``H``, ``H_t``)."""
        if self._C2 is None:
            H, HZ, Ht = self.eval(Z, t, need_h=need_h)
            Htd = Ht * dt[:, None]
            return HZ, (np.stack([H, Htd], axis=2) if need_h else Htd[:, :, None])
        n, N, K = self.n, self.N, self._K
        P = Z.shape[0]
        V = self.FGh.monomial_values(Z)
        R = np.asarray(self._C2sp @ V) if self._C2sp is not None else self._C2 @ V
        A, B2, B1 = self._buffers(P)
        # (1 - t) [F; J_F] + t gamma [G; J_G]; the Jacobian rows go to the rows of F in A
        HH = (1.0 - t) * R[:K]
        HH += (t * self.gamma) * R[K:]
        A[:, :n] = HH[n:].reshape(n, N, P).transpose(2, 0, 1)
        Ht = self.gamma * R[K:K + n]
        Ht -= R[:n]
        if need_h:
            B2[:, :n, 0] = HH[:n].T
            np.subtract(Z @ self.A.T, 1.0, out=B2[:, n:, 0])
            np.multiply(Ht.T, dt[:, None], out=B2[:, :n, 1])
            return A, B2
        np.multiply(Ht.T, dt[:, None], out=B1[:, :n, 0])
        return A, B1

    def tangent(self, Z, t, dt):
        """The Davidenko right-hand side ``-H_Z^{-1} H_t dt`` at ``(Z, t)``, ``(P, N)``."""
        A, B = self._system(Z, t, dt, False)
        return -_solve_raw(A, B)[:, :, 0]

    def newton(self, Z, t, dt):
        """``H_Z^{-1} [H, H_t dt]`` at ``(Z, t)``, ``(P, N, 2)``: the Newton correction and minus the
        tangent, with one LU."""
        A, B = self._system(Z, t, dt, True)
        return _solve_raw(A, B)

    def target(self, Z):
        """``H(Z, 0)`` and its Jacobian."""
        n = self.n
        Fv, JF = self.Fh.eval_jac(Z)
        P = Z.shape[0]
        H = np.empty((P, self.N), dtype=np.complex128)
        H[:, :n] = Fv
        H[:, n:] = Z @ self.A.T - 1.0
        HZ = np.empty((P, self.N, self.N), dtype=np.complex128)
        HZ[:, :n] = JF
        HZ[:, n:] = self.A
        return H, HZ


def _int_power(x, e):
    """``x ** e`` column by column for small integer exponents ``e`` (by repeated products;
    numpy's complex power goes through exp and log and is ten times slower)."""
    out = np.ones_like(x)
    for k in range(int(e.max()) if len(e) else 0):
        sel = e > k
        if sel.all():
            out *= x
        else:
            out[:, sel] *= x[:, sel]
    return out


# -- the tracker -------------------------------------------------------------------------------


@dataclass
class _Opts:
    kappa: float = 1e-3        # accepted predictor error, relative, for t in [0.1, 1]
    # the same for t < 0.1, times min(1, sqrt(t / 1e-2)) for the decade starting at t, at least 1e-6:
    # the branches of a cycle of winding number c are ~ t^{1/c} apart (c >= 2 for two paths meeting)
    kappa_endgame: float = 1e-4
    # the same on the Cauchy loops at radius r, times min(1, sqrt(r / 1e-3)), at least 1e-6
    kappa_loop: float = 1e-3
    tol_track: float = 1e-9    # Newton corrector tolerance, relative
    hmax: float = 0.2          # largest step in s
    h0: float = 0.05
    hmin: float = 1e-13
    max_steps: int = 3000


def _kappa_at(kappa, t, ref):
    """``kappa * min(1, sqrt(|t| / ref))``, at least ``min(kappa, 1e-6)`` (see :class:`_Opts`)."""
    return max(min(kappa, 1e-6), kappa * min(1.0, math.sqrt(abs(t) / ref)))


try:  # the LAPACK gufunc behind np.linalg.solve, without the wrapper's checks (half the cost on
    # the small batches of the endgame); singular matrices give NaN under np.errstate(invalid=...)
    from numpy.linalg import _umath_linalg as _ul

    _GUFUNC = _ul.solve if callable(getattr(_ul, "solve", None)) else None
except ImportError:  # pragma: no cover
    _GUFUNC = None


def _solve2(A, B):
    """``A[p] X[p] = B[p]`` for ``(P, N, N)`` matrices and ``(P, N, k)`` right-hand sides (one LU
    per matrix for all ``k`` columns); singular matrices give non-finite rows, never an exception."""
    P = A.shape[0]
    if P == 0:
        return np.zeros_like(B)
    if P >= 64 and sys.modules.get("torch") is not None:
        k = B.shape[2]
        return batched_solve(np.repeat(A, k, axis=0), B.transpose(0, 2, 1).reshape(P * k, -1)) \
            .reshape(P, k, -1).transpose(0, 2, 1) if k > 1 else batched_solve(A, B[:, :, 0])[:, :, None]
    if _GUFUNC is not None:
        with np.errstate(all="ignore"):
            return _GUFUNC(A, B, signature="DD->D")
    try:
        return np.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        out = np.full_like(B, np.nan)
        for p in range(P):
            try:
                out[p] = np.linalg.solve(A[p], B[p])
            except np.linalg.LinAlgError:
                pass
        return out


def _solve(A, b):
    """``A[p] x[p] = b[p]`` for ``(P, N)`` right-hand sides (see :func:`_solve2`)."""
    return _solve2(A, b[:, :, None])[:, :, 0]


def _solve_raw(A, B):
    """:func:`_solve2` for callers already under ``np.errstate(all="ignore")`` (the tracker's loop)."""
    if _GUFUNC is not None and (A.shape[0] < 64 or sys.modules.get("torch") is None) and A.shape[0]:
        return _GUFUNC(A, B, signature="DD->D")
    return _solve2(A, B)


def _track(hom: _Homotopy, Z, ta, tb, opts: _Opts, deadline: float, steps, h0=None, hmax=None, kappa=None,
           h_io=None):
    """Track every row of ``Z`` from ``t = ta`` to ``t = tb`` along straight segments.

    Returns ``(Z, ok)``: the endpoints and a boolean mask of the paths that reached ``tb``.
    ``steps`` (int array, one per row) is incremented in place. ``h_io`` (optional float array,
    one per row) gives per-path initial steps and receives the last proposed steps (so that
    consecutive segments of equal length, the Cauchy polygon's edges, need no step-size search).

    Each Newton iteration solves for the correction and the tangent ``-H_Z^{-1} H_t dt`` with one
    LU; the tangent from the last iteration of an accepted step (taken at a point within
    ``1e-7 |Z|`` of the new one) is the next step's first RK4 stage, so a step costs three
    predictor evaluations and (usually) two Newton evaluations. Newton stops when the correction
    is below ``tol_track |Z|``, or when the estimated remaining error ``|d_k|^2 / |d_{k-1}|``
    (quadratic convergence) is below it with ``|d_k| <= 1e-7 |Z|``.

    The running paths are kept in compact arrays (compressed only when some path arrives or
    fails), and the Newton iterations index subsets only when some path has already stopped, so
    that a step on a small batch costs few array operations.
    """
    ctab = hom.ctable() if _ctrack is not None else None
    if ctab is not None:
        return _track_compiled(hom, ctab, Z, ta, tb, opts, deadline, steps, h0, hmax, kappa, h_io)
    with np.errstate(all="ignore"):
        return _track_loop(hom, Z, ta, tb, opts, deadline, steps, h0, hmax, kappa, h_io)


def _track_compiled(hom, ctab, Z, ta, tb, opts, deadline, steps, h0, hmax, kappa, h_io):
    """:func:`_track` through the compiled loop (``ctrack.c``): the same rules, one path at a time."""
    P = Z.shape[0]
    hmax = opts.hmax if hmax is None else hmax
    kappa = opts.kappa if kappa is None else kappa
    if h_io is not None:
        h = np.minimum(np.asarray(h_io, dtype=float), hmax)
    else:
        h = np.full(P, min(opts.h0 if h0 is None else h0, hmax))
    h = np.ascontiguousarray(h, dtype=np.float64)
    Zc = np.array(Z, dtype=np.complex128, order="C")
    tav = np.ascontiguousarray(np.broadcast_to(np.asarray(ta, dtype=np.complex128), (P,)))
    tbv = np.ascontiguousarray(np.broadcast_to(np.asarray(tb, dtype=np.complex128), (P,)))
    st = np.zeros(P, dtype=np.int64)
    state = np.zeros(P, dtype=np.int8)
    cval, ccol, crow, par, var, Lc, nf, Kmax = ctab
    _ctrack.track(cval, ccol, crow, par, var, len(cval), len(par), hom.n, hom.N, hom._K, P, hom.gamma,
                  hom._patch_c, Lc, nf, Kmax, Zc, tav, tbv, h, st, state, float(hmax), float(kappa),
                  float(opts.tol_track), float(opts.hmin), float(deadline - time.monotonic()), int(opts.max_steps))
    steps += st
    if h_io is not None:
        h_io[:] = h
    return Zc, state == 1


def _track_loop(hom, Z, ta, tb, opts, deadline, steps, h0, hmax, kappa, h_io):
    P = Z.shape[0]
    Zout = Z.copy()
    if np.ndim(ta) == 0 and np.ndim(tb) == 0:
        ta, tb = complex(ta), complex(tb)
        dt = np.full(P, tb - ta)
        ta = np.full(P, ta)
    else:
        ta = np.broadcast_to(np.asarray(ta, dtype=np.complex128), (P,)).copy()
        tb = np.broadcast_to(np.asarray(tb, dtype=np.complex128), (P,)).copy()
        dt = tb - ta
    hmax = opts.hmax if hmax is None else hmax
    kappa = opts.kappa if kappa is None else kappa
    tol = opts.tol_track
    hmin, max_steps = opts.hmin, opts.max_steps
    h = np.full(P, min(opts.h0 if h0 is None else h0, hmax))
    if h_io is not None:
        h = np.minimum(np.asarray(h_io, dtype=float).copy(), hmax)
    hout = h.copy()
    state = np.zeros(P, dtype=np.int8)  # 0 running, 1 arrived, -1 failed
    # compact arrays of the running paths (row ids idx); all of them started together, so every
    # running path has taken `loc` steps in this call
    idx = np.arange(P)
    z = Z.copy()
    s = np.zeros(P)
    loc = 0
    k1c = np.zeros_like(z)                 # tangent at the current point, when known
    k1ok = np.zeros(P, dtype=bool)
    while len(idx):
        if time.monotonic() > deadline:
            state[idx] = -1
            Zout[idx] = z
            hout[idx] = h
            steps[idx] += loc
            break
        hi = np.minimum(h, 1.0 - s)
        hh = hi[:, None]
        if k1ok.all():
            k1 = k1c
        elif not k1ok.any():
            k1 = hom.tangent(z, ta + s * dt, dt)
        else:
            k1 = k1c.copy()
            ii = np.nonzero(~k1ok)[0]
            k1[ii] = hom.tangent(z[ii], ta[ii] + s[ii] * dt[ii], dt[ii])
        hh2 = 0.5 * hh
        tm = ta + (s + 0.5 * hi) * dt
        k2 = hom.tangent(z + hh2 * k1, tm, dt)
        k3 = hom.tangent(z + hh2 * k2, tm, dt)
        s1 = s + hi
        t1 = ta + s1 * dt
        k4 = hom.tangent(z + hh * k3, t1, dt)
        zp = z + (hh / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        # Newton corrector, at most 3 iterations. d_prev ends as the last correction of every
        # path that was corrected; d_first is the first (the predictor's error).
        Pa = len(idx)
        nz = np.maximum(1.0, row_norms(zp))
        d_prev = np.full(Pa, np.inf)
        conv = np.zeros(Pa, dtype=bool)
        bad = ~np.isfinite(zp).all(axis=1)
        tan = None
        if bad.any():
            zc = np.where(bad[:, None], z, zp)
            tan = np.zeros_like(zc)
            d_first = np.full(Pa, np.inf)
        else:
            zc = zp
        for it in range(3):
            todo = ~(conv | bad)
            if todo.all():
                ii = None
                X = hom.newton(zc, t1, dt)
                nzi, dpi = nz, d_prev
            else:
                ii = np.nonzero(todo)[0]
                if not len(ii):
                    break
                X = hom.newton(zc[ii], t1[ii], dt[ii])
                nzi, dpi = nz[ii], d_prev[ii]
            dz = X[:, :, 0]
            dn = row_norms(dz)
            fin = np.isfinite(X[:, :, 1]).all(axis=1)
            fin &= np.isfinite(dn)
            allfin = fin.all()
            if it == 0:
                # the step is rejected anyway: no further Newton iterations for it
                newbad = dn > kappa * nzi
                # d_prev = inf: the quadratic test reduces to |d| <= 1e-7 |Z|
                done = (dn <= tol * nzi) | (dn <= 1e-7 * nzi)
            else:
                newbad = dn > 0.5 * dpi
                if not allfin:
                    newbad &= fin
                done = (dn <= tol * nzi) | ((dn <= 1e-7 * nzi) & (dn * dn <= tol * nzi * dpi))
            if not allfin:
                newbad |= ~fin
                done &= fin
            if ii is None:
                if allfin:
                    zc -= dz
                else:
                    zc[fin] -= dz[fin]
                if tan is None:
                    tan = -X[:, :, 1]
                else:
                    tan[:] = -X[:, :, 1]
                if it == 0:
                    d_first = dn.copy()     # d_prev (below) is updated in place later
                    bad = newbad
                    conv = done
                else:
                    bad |= newbad
                    conv |= done
                d_prev = dn
            else:
                zc[ii[fin]] -= dz[fin]
                tan[ii] = -X[:, :, 1]
                if it == 0:
                    d_first[ii] = dn
                bad[ii] |= newbad
                conv[ii] |= done
                d_prev[ii] = dn
        acc = conv & ~bad       # (a first correction above kappa |Z| marked the step bad)
        loc += 1
        if acc.all():
            z = zc
            s = s1
            k1c = tan
            k1ok = d_prev <= 1e-7 * nz
            ratio = np.minimum(np.maximum(0.8 * (kappa * nz / np.maximum(d_first, 1e-300)) ** 0.2, 0.25), 2.5)
            h = np.minimum(hi * ratio, hmax)
            arrived = s >= 1.0 - 1e-15
            failed = None
        else:
            z[acc] = zc[acc]
            s[acc] = s1[acc]
            k1c[acc] = tan[acc]
            nza = nz[acc]
            k1ok[acc] = d_prev[acc] <= 1e-7 * nza
            ratio = np.minimum(np.maximum(0.8 * (kappa * nza / np.maximum(d_first[acc], 1e-300)) ** 0.2, 0.25), 2.5)
            h[acc] = np.minimum(hi[acc] * ratio, hmax)
            rej = ~acc
            h[rej] = 0.5 * hi[rej]
            arrived = acc & (s >= 1.0 - 1e-15)
            failed = rej & (h < hmin)
        if loc >= max_steps:
            failed = ~arrived
        leave = arrived if failed is None else arrived | failed
        if leave.any():
            li = idx[leave]
            Zout[li] = z[leave]
            hout[li] = h[leave]
            state[li] = np.where(arrived[leave], 1, -1)
            steps[li] += loc
            if leave.all():
                break
            keep = ~leave
            idx, z, s, h, k1c, k1ok, ta, dt = (idx[keep], z[keep], s[keep], h[keep], k1c[keep], k1ok[keep],
                                               ta[keep], dt[keep])
    if h_io is not None:
        h_io[:] = hout
    return Zout, state == 1


def _newton_target(hom: _Homotopy, Z, iterations: int = 6):
    """Newton on ``H(., 0)``: returns ``(Z, converged, condition)`` where converged means the last
    correction is below ``1e-11 |Z|`` after quadratic-looking decrease."""
    Z = Z.copy()
    P = len(Z)
    conv = np.zeros(P, dtype=bool)
    ok = np.ones(P, dtype=bool)
    d_prev = np.full(P, np.inf)
    for it in range(iterations):
        ii = np.nonzero(ok & ~conv)[0]
        if not len(ii):
            break
        Hv, HZ = hom.target(Z[ii])
        dz = _solve(HZ, Hv)
        dn = row_norms(dz)
        fin = np.isfinite(dn)
        Z[ii[fin]] -= dz[fin]
        ok[ii[~fin]] = False
        nz = np.maximum(1.0, row_norms(Z[ii]))
        if it > 0:
            ok[ii[fin & (dn > 0.25 * d_prev[ii]) & (dn > 1e-13 * nz)]] = False
        d_prev[ii] = dn
        conv[ii[fin & (dn <= 1e-11 * nz)]] = True
    cond = np.full(P, np.inf)
    good = np.nonzero(conv & ok)[0]
    if len(good):
        _, HZ = hom.target(Z[good])
        cond[good] = np.linalg.cond(HZ)
    return Z, conv & ok & (cond < _COND_TOL), cond


def _cauchy_loops(hom, Z, r, opts, deadline, steps):
    """Cauchy endgame at radius ``r`` for every row of ``Z`` (points at ``t = r``).

    Returns ``(Z_back, estimate, winding, ok)``: the points after the loops (back at ``t = r``),
    the mean of the vertex values (the Cauchy estimate of ``Z(0)``), the winding numbers and a mask
    of the rows whose loops closed within ``_CAUCHY_MAX_LOOPS``.
    """
    P = len(Z)
    m = _CAUCHY_VERTICES
    verts = r * np.exp(2j * np.pi * np.arange(m + 1) / m)
    Z0 = Z.copy()
    cur = Z.copy()
    acc = np.zeros_like(Z)
    wind = np.zeros(P, dtype=np.int64)
    live = np.ones(P, dtype=bool)
    done = np.zeros(P, dtype=bool)
    hstep = np.full(P, 1.0)
    for loop in range(1, _CAUCHY_MAX_LOOPS + 1):
        for j in range(m):
            ii = np.nonzero(live)[0]
            if not len(ii):
                break
            st = steps[ii]
            hh = hstep[ii]
            zn, ok = _track(hom, cur[ii], verts[j], verts[j + 1], opts, deadline, st, h0=1.0, hmax=1.0,
                            kappa=_kappa_at(opts.kappa_loop, r, 1e-3), h_io=hh)
            hstep[ii] = np.where(hh * (1.0 + 1e-12) >= 1.0, 1.0, np.minimum(1.0, 1.25 * hh))
            steps[ii] = st
            cur[ii] = zn
            acc[ii] += zn
            live[ii[~ok]] = False
        ii = np.nonzero(live)[0]
        if not len(ii):
            break
        nz = np.maximum(1.0, row_norms(Z0[ii]))
        closed = row_norms(cur[ii] - Z0[ii]) <= 1e-6 * nz
        jj = ii[closed]
        wind[jj] = loop
        done[jj] = True
        live[jj] = False
        if not live.any():
            break
    est = acc / np.maximum(wind * m, 1)[:, None]
    return cur, est, wind, done


def _steady_decay(lr) -> np.ndarray:
    """``(P, k+1, G)`` values of ``log10 rho`` at consecutive levels -> ``(P, G)``: every one of the
    ``k`` decades decreases by at least 0.1 and the decreases agree to 10% (+ 0.02), i.e.
    ``h_g ~ t^a`` with a steady ``a``; a path heading for a finite point levels off instead."""
    d = lr[:, :-1] - lr[:, 1:]
    with np.errstate(invalid="ignore"):
        lo, hi = d.min(axis=1), d.max(axis=1)
        return (lo >= 0.1) & (hi - lo <= 0.1 * hi + 0.02)


def _log_rho(hom: _Homotopy, Z) -> np.ndarray:
    """``log10(|h_g| / |(x_g, h_g)|)`` per row and group, ``(P, G)``: how close to infinity."""
    out = np.empty((len(Z), hom.G))
    n = hom.n
    with np.errstate(divide="ignore", invalid="ignore"):
        for g, idx in enumerate(hom.groups):
            cols = list(idx) + [n + g]
            out[:, g] = np.log10(np.abs(Z[:, n + g]) / row_norms(Z[:, cols]))
    return out


def _run_paths(hom: _Homotopy, Z0, opts: _Opts, deadline: float, progress=None, base=0, total=0):
    """Track the rows of ``Z0`` and run the endgame. Returns per path: the projective endpoint,
    a route code (1 Newton test, 2 Cauchy, 3 last point, 4 infinity by decay, -1 failed), the
    winding number, steps."""
    P = len(Z0)
    steps = np.zeros(P, dtype=np.int64)
    end = np.full((P, hom.N), np.nan + 0j)
    route = np.full(P, -1, dtype=np.int64)
    wind = np.zeros(P, dtype=np.int64)
    Z, ok = _track(hom, Z0, 1.0, _T_ENDGAME, opts, deadline, steps)
    act = np.nonzero(ok)[0]
    Z = Z[act]
    k = len(act)
    # per active path state, filtered together with `act`
    S = {
        "pn": np.full((k, hom.N), np.nan + 0j),       # Newton point of the previous level
        "pc": np.full((k, hom.N), np.nan + 0j),       # Cauchy estimate of the previous level
        "pp": np.full((k, hom.N), np.nan + 0j),       # path point at the previous level
        "streak": np.zeros(k, dtype=np.int64),        # consecutive radii whose estimates agree
        "pw": np.zeros(k, dtype=np.int64),            # previous winding number
        "open": np.zeros(k, dtype=bool),              # the last loops did not close
        "held": np.zeros(k, dtype=bool),              # a suspect cycle estimate is recorded (route 2)
        "far": np.zeros(k, dtype=bool),               # the last estimate had rho_g < 1e-4
        "lr": np.full((k, _LEVELS, hom.G), np.nan),   # log10 rho per level and group
    }

    def keep_only(mask):
        nonlocal act, Z
        act, Z = act[mask], Z[mask]
        for key in S:
            S[key] = S[key][mask]

    t = _T_ENDGAME
    log_inf = math.log10(_INF_TOL)
    hrad = np.full(P, 0.25)   # step (fraction of the segment) carried from decade to decade
    for level in range(_LEVELS):
        if level > 0:
            S["pp"] = Z.copy()
            st = steps[act]
            hh = hrad[act]
            Z, ok = _track(hom, Z, t, t / 10.0, opts, deadline, st, h0=1.0, hmax=1.0,
                           kappa=_kappa_at(opts.kappa_endgame, t, 1e-2),
                           h_io=hh)
            hrad[act] = np.clip(2.0 * hh, 0.05, 1.0)
            steps[act] = st
            t = t / 10.0
            keep_only(ok)
        if not len(act) or time.monotonic() > deadline:
            break
        S["lr"][:, level] = _log_rho(hom, Z)
        # 1. Newton test with agreement across two levels
        Zn, good, _ = _newton_target(hom, Z)
        nz = np.maximum(1.0, row_norms(Zn))
        fin = good & (row_norms(Zn - S["pn"]) <= 1e-8 * nz)
        # and the path approaches that point like t (nonsingular endpoint: Z(t) - Z(0) ~ t Z'(0), the
        # distance shrinks by ~10 per level; 0.15 allows the O(t^2) terms):
        # Newton from a path heading elsewhere can land on a nearby regular root at two levels
        with np.errstate(invalid="ignore"):
            fin &= row_norms(Z - Zn) <= 0.15 * row_norms(S["pp"] - Zn) + 1e-10 * nz
        end[act[fin]] = Zn[fin]
        route[act[fin]] = 1
        wind[act[fin]] = 1
        S["pn"] = np.where(good[:, None], Zn, np.nan)
        good = good[~fin]
        keep_only(~fin)
        if progress is not None:
            progress(base + P - len(act), total)
        if not len(act):
            break
        # 2. infinity: some h_g decreasing like a power of t over the last two decades and already
        # below the classification threshold (no loops needed: the limit is smaller still)
        lr = S["lr"]
        dec1 = np.zeros((len(act), hom.G), dtype=bool)
        if level >= 1:
            with np.errstate(invalid="ignore"):
                dec1 = lr[:, level - 1] - lr[:, level] >= _DECAY_MIN
        if level >= 2:
            with np.errstate(invalid="ignore"):
                dec2 = dec1 & (lr[:, level - 2] - lr[:, level - 1] >= _DECAY_MIN)
                deep = (dec2 & (lr[:, level] < log_inf)).any(axis=1)
                # or a steady power law h_g ~ t^a over the last three decades with the path already
                # far out (|h_g| < 1e-4 |(x_g, h_g)|, Bertini's default SecurityMaxNorm 1e4): high
                # winding numbers at infinity (cyclic(6): a ~ 0.43, loops not closing within
                # _CAUCHY_MAX_LOOPS) never reach 1e-8 by t = 1e-10
                if level >= 3:
                    deep |= (_steady_decay(lr[:, level - 3:level + 1]) & (lr[:, level] < _TREND_LOG)).any(axis=1)
            end[act[deep]] = Z[deep]
            route[act[deep]] = 4
            good, dec1 = good[~deep], dec1[~deep]
            keep_only(~deep)
            if not len(act):
                break
        # 3. Cauchy endgame, only on paths whose Newton at t = 0 failed or is ill-conditioned
        # (every remaining path at the last level)
        if t <= _CAUCHY_FROM * (1 + 1e-12):
            sel = ~good if level < _LEVELS - 1 else np.ones(len(act), dtype=bool)
            lr = S["lr"]
            if 3 <= level < _LEVELS - 1:
                # defer the loops of a path whose last loops did not close (winding number above
                # _CAUCHY_MAX_LOOPS or a failure) and whose h_g follows a steady power law over three
                # decades that reaches the threshold above within the remaining levels: it is
                # probably diverging, and the decades cost a few steps where the loops cost
                # thousands. If the trend breaks, the loops run at that level; at the last level
                # they always run.
                with np.errstate(invalid="ignore", divide="ignore"):
                    last = lr[:, level - 1] - lr[:, level]
                    need = (lr[:, level] - _TREND_LOG) / last
                    defer = (_steady_decay(lr[:, level - 3:level + 1]) & (need <= _LEVELS - 2 - level)).any(axis=1)
                sel &= ~(defer & S["open"])
            S["streak"][~sel] = 0
            S["pc"][~sel] = np.nan
            ci = np.nonzero(sel)[0]
            if len(ci):
                Zc = Z[ci]
                st = steps[act[ci]]
                Zb, est, w, closed = _cauchy_loops(hom, Zc, t, opts, deadline, st)
                steps[act[ci]] = st
                nz = np.maximum(1.0, row_norms(est))
                agree = closed & (row_norms(est - S["pc"][ci]) <= 1e-8 * nz)
                # Puiseux decay: |Z(t_k) - Z(0)| ~ |a| t_k^{w/c}, w >= 1, so from t_{k-1} = 10 t_k the
                # distance to the estimate must shrink by about 10^{-1/c}; a loop that encloses another
                # branch point gives the same estimate at both radii but no decay
                factor = np.minimum(1.5 * 10.0 ** (-1.0 / np.maximum(w, 1)), 0.9)
                decay = row_norms(Zc - est) <= factor * row_norms(S["pp"][ci] - est) + 1e-12 * nz
                agree &= decay & (w == S["pw"][ci])
                # three radii in a row with the same winding number and agreeing estimates: a branch
                # point inside the smaller loops would change the winding number or the estimate
                streak = np.where(agree, S["streak"][ci] + 1, 0)
                S["streak"][ci] = streak
                S["pw"][ci] = np.where(closed, w, 0)
                S["open"][ci] = ~closed
                done = streak >= 2
                # a path whose h_g decays and whose loops close on an estimate with h_g below the
                # threshold goes to infinity: one radius suffices
                with np.errstate(invalid="ignore"):
                    est_inf = (dec1[ci] & (_log_rho(hom, est) < log_inf)).any(axis=1)
                done |= closed & decay & est_inf
                end[act[ci[done]]] = est[done]
                route[act[ci[done]]] = 2
                wind[act[ci[done]]] = w[done]
                # Bertini's security rule: estimates beyond |x| ~ 1e4 (rho_g < 1e-4) at two
                # successive radii, loops closed and the path approaching them, mean infinity (the
                # estimates of a finite endpoint converge to it; paths to a positive-dimensional set
                # at infinity reach rho_g < 1e-8 only after many radii)
                with np.errstate(invalid="ignore"):
                    far = closed & decay & (_log_rho(hom, est).min(axis=1) < _TREND_LOG)
                far2 = far & S["far"][ci] & ~done
                S["far"][ci] = far
                end[act[ci[far2]]] = est[far2]
                route[act[ci[far2]]] = 4
                wind[act[ci[far2]]] = w[far2]
                done |= far2
                # a cycle (w > 1) whose estimate is not a root is suspect: loops above the branch
                # point of two close regular roots close after two turns, and their mean is the
                # midpoint, where H(., 0) is ~ delta^2, not ~ the estimate's error (katsura(11): a
                # conjugate pair 1e-3 apart, cond 2e3, residual 4e-5 at the midpoint, was reported as
                # one double root). Such paths keep the estimate but go on to the smaller radii,
                # where they separate and the Newton test or one-turn loops end them.
                pend = done & (w > 1) & ~est_inf & ~far2
                if level < _LEVELS - 1 and pend.any():
                    pi = np.nonzero(pend)[0]
                    He, _ = hom.target(est[pi])
                    scale = np.maximum(1.0, np.abs(est[pi]).max(axis=1)) ** max(hom.F.degrees)
                    with np.errstate(invalid="ignore"):
                        pend[pi[~(np.abs(He).max(axis=1) > _SUSPECT_RES * scale)]] = False
                else:
                    pend[:] = False
                S["held"][ci] |= pend
                # continue from the loop's end point (the same branch, back at t)
                Z[ci] = np.where(closed[:, None], Zb, Zc)
                S["pc"][ci] = np.where(closed[:, None], est, np.nan)
                # record the latest estimate for paths that never agree
                lastest = closed & ~done & ~S["held"][ci]
                end[act[ci[lastest]]] = est[lastest]
                wind[act[ci[lastest]]] = w[lastest]
                route[act[ci[lastest]]] = 3
                keep = np.ones(len(act), dtype=bool)
                keep[ci[done & ~pend]] = False
                keep_only(keep)
        if not len(act):
            break
    # paths still active without estimate: last point
    noest = act[(route[act] != 3) & (route[act] != 2)]
    if len(noest) and time.monotonic() <= deadline:
        idx = np.searchsorted(act, noest)
        end[noest] = Z[idx]
        route[noest] = 3
    return end, route, wind, steps


# -- classification -----------------------------------------------------------------------


def _classify(hom: _Homotopy, end, route, wind):
    """Statuses, affine endpoints, condition numbers and residuals (before duplicate checks)."""
    F = hom.F
    n = hom.n
    P = len(end)
    status = np.array(["failed"] * P, dtype=object)
    X = np.full((P, n), np.nan + 0j)
    cond = np.full(P, np.nan)
    res = np.full(P, np.nan)
    have = (route > 0) & np.isfinite(end).all(axis=1)
    inf = np.zeros(P, dtype=bool)
    for g, idx in enumerate(hom.groups):
        cols = list(idx) + [n + g]
        nrm = np.linalg.norm(end[:, cols], axis=1)
        with np.errstate(invalid="ignore"):
            inf |= have & (np.abs(end[:, n + g]) < _INF_TOL * nrm)
    inf |= route == 4
    status[inf] = "infinity"
    ii = np.nonzero(inf)[0]
    if len(ii):
        x = end[ii, :n]
        X[ii] = x / np.maximum(np.linalg.norm(x, axis=1), 1e-300)[:, None]
    fi = np.nonzero(have & ~inf)[0]
    if len(fi):
        x = end[fi, :n] / end[fi][:, n + hom.gid]
        # Newton refinement on F in affine coordinates
        for _ in range(3):
            Fv, J = F.eval_jac(x)
            dx = batched_solve(J, Fv)
            okd = np.isfinite(dx).all(axis=1) & (route[fi] == 1)
            x = np.where(okd[:, None], x - dx, x)
        Fv, J = F.eval_jac(x)
        c = np.linalg.cond(J)
        c[~np.isfinite(c)] = np.inf
        X[fi] = x
        cond[fi] = c
        res[fi] = np.abs(Fv).max(axis=1)
        nonsing = (route[fi] == 1) | ((route[fi] == 2) & (wind[fi] == 1))
        nonsing &= c < _COND_TOL
        scale = np.maximum(1.0, np.abs(x).max(axis=1))
        resok = res[fi] <= 1e-6 * scale ** max(F.degrees)
        # and relative to the size of the terms: a Cauchy estimate that did not converge (a path heading slowly
        # for a point at infinity of one group, winding number 6 on the shared-weight tree) can sit where one
        # term is left over (|F_i| = |y_i| with the output weight 0), within the absolute test above. Only for
        # endpoints that Newton did not confirm (route 1 converged quadratically to a root), and with the
        # coefficients' size added to the terms' (at a root at the origin every term is ~0, and so is F)
        with np.errstate(invalid="ignore", divide="ignore"):
            size = F.term_scale(x) + np.array([np.abs(c).sum() for c in F.coefficients])[None, :]
            rel = (np.abs(Fv) / size).max(axis=1)
        root = (route[fi] == 1) | ~(rel > _REL_RES)
        cand = resok | (route[fi] == 2)
        status[fi] = np.where(nonsing & root, "nonsingular", np.where(cand & root, "singular", "failed"))
        # a failed estimate keeps its point: Newton from it can still reach a nearby root (certification
        # tries it, see HomotopyResult.candidates); the other failed endpoints have none
        X[fi[~cand & ~(nonsing & root)]] = np.nan
    return status, X, cond, res


def _duplicates(X, status, with_singular: bool = False):
    """Indices of nonsingular endpoints that share their point with another nonsingular path (or,
    ``with_singular``, with any path that ended at a finite point), and ``(pool, labels)``: the
    clustered endpoints and their cluster labels."""
    ns = status == "nonsingular"
    pool = np.nonzero(ns | (status == "singular") if with_singular else ns)[0]
    if len(pool) < 2 or not ns[pool].any():
        return np.zeros(0, dtype=np.int64), None
    labels = _cluster(X[pool], _CLUSTER_TOL)
    counts = np.bincount(labels)
    dup = pool[(counts[labels] > 1) & ns[pool]]
    return dup, (pool, labels)


# -- entry point -------------------------------------------------------------------------------


def track(polys, *, start: str = "total-degree", groups=None, gamma=None, seed: int = 0,
          timeout: float = 600.0, max_paths: int = 200_000, tol: float = 1e-10,
          progress=None, chunk: int | None = None) -> HomotopyResult:
    """Solve the square system ``polys`` (``fmpq_mpoly`` in one context) by homotopy continuation.

    Parameters
    ----------
    start : ``"total-degree"``, ``"multihomogeneous"`` (needs ``groups``, a partition of the
        variable indices, e.g. ``PolySystem.groups``) or ``"sparse"`` (a random member of the sparse
        family of ``polys``, its roots found by monodromy: as many paths as the mixed volume of the
        supports with the origin added; see :mod:`verifier.solver.sparse`; the monodromy shares
        ``timeout``; ``max_paths`` bounds the mixed volume).
    gamma : the gamma-trick constant; default ``exp(2 pi i u)`` with ``u`` from ``seed``.
    seed : seeds gamma, the patches and the start system's coefficients (deterministic).
    timeout : seconds; on expiry the unfinished paths are ``failed`` and ``complete=False``.
    max_paths : refuse (``BudgetExceeded``: a budget, not bad input) a start system with more paths.
    tol : Newton corrector tolerance along the paths is ``max(tol, 1e-12)*10`` relative.
    progress : optional ``callable(done, total)``.
    chunk : paths per batch (default from the size of the monomial table).
    """
    with SingleThread():
        return _track_impl(polys, start, groups, gamma, seed, timeout, max_paths, tol, progress, chunk)


def _track_impl(polys, start, groups, gamma, seed, timeout, max_paths, tol, progress, chunk):
    t_start = time.monotonic()
    deadline = t_start + float(timeout)
    polys = list(polys)
    if not polys:
        raise ValueError("track: empty system")
    n = polys[0].context().nvars()
    if len(polys) != n:
        raise ValueError(f"track: the system must be square ({len(polys)} equations, {n} unknowns)")
    if any(p.is_zero() or p.total_degree() < 1 for p in polys):
        raise ValueError("track: every equation must be a non-constant polynomial")
    F = NumericSystem.from_flint(polys)
    rng = np.random.default_rng(seed)
    if gamma is None:
        gamma = np.exp(2j * np.pi * rng.random())
    if start == "total-degree":
        grp = [list(range(n))]
        count = total_degree_count(polys)
    elif start == "multihomogeneous":
        grp = _check_groups(groups, n)
        count = multihomogeneous_count(polys, grp)
    elif start == "sparse":
        grp = [list(range(n))]
        from .sparse import mixed_volume
        count = mixed_volume(F)
    else:
        raise ValueError("start must be 'total-degree', 'multihomogeneous' or 'sparse'")
    if count is not None and count > max_paths:
        from ..errors import BudgetExceeded
        raise BudgetExceeded(f"the {start} start system has {count} paths, more than the budget max_paths={max_paths}")
    sp = None
    if start == "sparse":
        from .sparse import sparse_start
        sp = sparse_start(F, np.random.default_rng([seed, 7331]), target=count, deadline=deadline,
                          max_roots=max_paths + 1)
        if len(sp.roots) > max_paths:
            from ..errors import BudgetExceeded
            raise BudgetExceeded(f"the sparse start system has more than max_paths={max_paths} roots")
    hom = _Homotopy(F, grp, start, rng, gamma, sparse=sp)
    Z0 = hom.start_solutions()
    mv = count if start == "sparse" else None
    if start == "sparse":
        count = len(Z0)
    assert len(Z0) == count, (len(Z0), count)
    opts = _Opts(tol_track=max(float(tol), 1e-12) * 10)
    P = len(Z0)
    if chunk is None:
        per = len(hom.Fh.monomials) + hom.N * hom.N * 8
        chunk = int(min(50_000, max(2_000, 4e7 // per)))
    end = np.full((P, hom.N), np.nan + 0j)
    route = np.full(P, -1, dtype=np.int64)
    wind = np.zeros(P, dtype=np.int64)
    steps = np.zeros(P, dtype=np.int64)
    for a in range(0, P, chunk):
        b = min(P, a + chunk)
        if time.monotonic() > deadline:
            break
        e, r, w, s = _run_paths(hom, Z0[a:b], opts, deadline, progress, a, P)
        end[a:b], route[a:b], wind[a:b], steps[a:b] = e, r, w, s
    status, X, cond, res = _classify(hom, end, route, wind)
    tight = _Opts(kappa=opts.kappa / 100, kappa_endgame=opts.kappa_endgame / 100, kappa_loop=opts.kappa_loop / 100,
                  tol_track=opts.tol_track, hmax=0.02, h0=0.005, max_steps=20 * opts.max_steps)
    # failed paths (step size or step budget exhausted, Newton lost) once more with tighter settings; an
    # endpoint that lands on another path's nonsingular point jumped on the way and stays failed
    failed = np.nonzero(status == "failed")[0]
    if len(failed) and time.monotonic() < deadline:
        old = (end[failed].copy(), route[failed].copy(), wind[failed].copy(), steps[failed].copy())
        e, r, w, s = _run_paths(hom, Z0[failed], tight, deadline)
        end[failed], route[failed], wind[failed], steps[failed] = e, r, w, steps[failed] + s
        status, X, cond, res = _classify(hom, end, route, wind)
        dup, _ = _duplicates(X, status)
        back = failed[np.isin(failed, dup)]
        if len(back):
            keep = np.isin(failed, back)
            end[back], route[back], wind[back] = old[0][keep], old[1][keep], old[2][keep]
            status, X, cond, res = _classify(hom, end, route, wind)
    # path jumping: track the duplicated nonsingular paths again with tighter settings (a
    # nonsingular endpoint shared with a path that ended "singular" is a duplication too: the same
    # double root computed with condition numbers on both sides of the threshold)
    dup, _ = _duplicates(X, status, with_singular=True)
    if len(dup) and time.monotonic() < deadline:
        e, r, w, s = _run_paths(hom, Z0[dup], tight, deadline)
        end[dup], route[dup], wind[dup], steps[dup] = e, r, w, steps[dup] + s
        status, X, cond, res = _classify(hom, end, route, wind)
        dup, info = _duplicates(X, status, with_singular=True)
        if len(dup):
            # the duplication survived the tighter tracking. At an ill-conditioned point it is a
            # singular root reached by several cycles of winding number 1 (a double root where two
            # branches meet transversally): the condition number of J_F computed at a point known
            # to ~1e-11 is then ~1e9-1e11, not always above the 1e10 threshold; a path that ended
            # "singular" at the point settles it. At a well-conditioned point only one path can end
            # (generic gamma): the others jumped and are failed.
            pool, labels = info
            dset = set(dup.tolist())
            lab_cond: dict = {}
            for k, lab in zip(pool, labels):
                c = float(cond[k]) if k in dset else (np.inf if status[k] == "singular" else 0.0)
                lab_cond[lab] = max(lab_cond.get(lab, 0.0), c)
            seen = set()
            for k, lab in zip(pool, labels):
                if k in dset:
                    if lab_cond[lab] >= _DUP_SINGULAR_COND:
                        status[k] = "singular"
                    elif lab in seen:
                        status[k] = "failed"
                    seen.add(lab)
    mult = np.zeros(P, dtype=np.int64)
    mult[status == "nonsingular"] = 1
    sing = np.nonzero(status == "singular")[0]
    if len(sing):
        labels = _cluster(X[sing], _CLUSTER_TOL)
        mult[sing] = np.bincount(labels)[labels]
    complete = time.monotonic() <= deadline
    if sp is not None:
        complete = complete and sp.complete        # short of the mixed volume, or unknown: a lower bound
    if progress is not None:
        progress(P, P)
    return HomotopyResult(paths=P, endpoints=X, status=[str(s) for s in status], multiplicity=mult,
                          condition=cond, residual=res, seconds=time.monotonic() - t_start,
                          start_system=start, start_count=count, gamma=complex(gamma),
                          complete=complete, winding=wind, steps=steps, mixed_volume=mv,
                          start_info=sp.summary() if sp is not None else {})
