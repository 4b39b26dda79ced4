"""The sparse start system: a generic member of ``F``'s sparse family, solved by monodromy.

Start system
------------
For a square system ``F = (F_1, ..., F_n)`` with supports ``S_i`` (exponent sets), the start system
``G`` has, for each equation, random complex coefficients on ``A_i = S_i + {0}`` (the constant
monomial added when absent). By Bernstein-Kushnirenko (with the origin added: Li and Wang, *The BKK
root count in C^n*, Math. Comp. 1996) a system with generic coefficients on these supports has exactly
``MV(A_1, ..., A_n)`` roots in ``C^n``, all regular, and none on a coordinate hyperplane (there the
``n`` equations, each with a generic constant term, restrict to an overdetermined system in fewer
unknowns). The coefficient-parameter homotopy from ``G`` to ``F`` (Morgan and Sommese 1989; Li,
Sauer and Yorke 1989), ``(1 - t) F + t gamma G``, stays in the family for ``t`` in ``(0, 1]``, so its
``MV`` paths reach every isolated root of ``F`` (:mod:`verifier.solver.homotopy` tracks them).

Roots of the start system by monodromy
--------------------------------------
Write ``G(x) = G_nc(x) + b`` with ``b`` the constant terms. A random complex ``x_0`` and
``b_0 = -G_nc(x_0)`` give a start system with one known root. Let ``p`` be the vector of all
coefficients of ``G`` (supports fixed). The incidence variety ``I = {(p, x) : G(p; x) = 0}`` is
irreducible: for each ``x`` the conditions are ``n`` linear equations in ``p``, independent because the
constant term of each equation has coefficient 1, so ``I`` is a vector bundle over ``C^n``. Its
projection to the coefficients is generically finite of degree ``MV``, so the monodromy group of the
roots over the complement of the discriminant acts transitively (Sommese and Wampler, *The Numerical
Solution of Systems of Polynomials*, A.8; Harris, *Galois groups of enumerative problems*, 1979):
moving ``p`` around loops and tracking the known roots eventually reaches every root. (The same holds
for moving only ``b``: the roots are the fibre of the map ``x -> G_nc(x)`` over ``-b`` and ``C^n`` is
irreducible. That group mixes far more slowly in practice, measured on the deep linear gradient
system dln(1-1-1-1): 14 of 17 roots after 19 edges for one seed, so ``move="all"`` is the default.)

The loops are organised as in Duff, Hill, Jensen, Lee, Leykin and Sommars, *Solving polynomial
systems via homotopy continuation and monodromy* (IMA J. Numer. Anal. 2019): two parameter nodes,
``p_0`` and a random ``p_1``, joined by edges ``p_0 -> m_e -> p_1`` (two straight segments through a
random complex ``m_e`` of log-uniform size, 1/4 to 64 times that of the nodes: branch points can lie
far out). Any two edges form a loop ``p_0 -> p_1 -> p_0``. Every node keeps its known
roots; every edge remembers which roots of each node it has carried (a root that arrives along an edge
is marked carried back along it: the reverse path is known). Each round tracks, for every edge and
direction, the roots not yet carried, in one batch, and adds the novel endpoints (at relative distance
``> 1e-7``) to the other node. When nothing is left to carry, the known sets are closed under the
loops of the current edges: a new edge (a new random midpoint) is added. The search stops when the
start node has ``MV`` roots (the target; Singular's gfanlib computes ``MV``), or after ``stall``
edges added in a row without a new root, or at the deadline. Paths are tracked in homogeneous
coordinates on a random patch (:func:`verifier.solver.monodromy._track`, the tracker of the witness-set
monodromy, through its family hook); endpoints that collide, are ill conditioned (singular) or lie at
infinity are discarded, never kept.

When the start set is short of ``MV`` (or ``MV`` is unknown and the search stopped by stall), the
homotopy's count is a lower bound; soundness never rests on it (every root is certified separately).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .monodromy import LOOP, LOOP_TIGHT, TrackStats, compact_rows, move_points, novel_rows
from .numeric import NumericSystem, complex_randn, csr_rows, row_norms, table_recursion

__all__ = ["SparseStart", "sparse_supports", "sparse_start"]

_MATCH_TOL = 1e-7
_SPREAD = (-1.0, 3.0)       # log4 of the midpoints' sizes relative to the nodes


def sparse_supports(F: NumericSystem) -> list:
    """Per equation, the exponent tuples of ``F_i`` with the origin added (sorted)."""
    zero = (0,) * F.n
    return [sorted(set(map(tuple, E.tolist())) | {zero}) for E in F.exponents]


def mixed_volume(F: NumericSystem) -> int | None:
    """``MV`` of the supports with the origin added (Singular's gfanlib), None without Singular."""
    from ..checker.algebra.engine import singular_mixed_volume

    return singular_mixed_volume([list(A) for A in sparse_supports(F)])


@dataclass
class SparseStart:
    """The start system and its roots.

    ``exponents``/``coefficients``: per equation, the affine support (the constant monomial last) and
    the complex coefficients of ``G``; ``roots`` (R, n): the roots of ``G`` found; ``mixed_volume``:
    the target (None when unknown); ``stop_reason``: ``complete`` (the target reached), ``stall``,
    ``timeout``, ``max_roots`` or ``no roots`` (``MV = 0``); ``edges``: parameter edges used (``edges - 1``
    independent loops); ``rounds``: batches tracked; ``paths``/``steps``/``failures``/``jumps``/
    ``infinity``: tracker counts; ``history``: roots at the start node after each round."""

    exponents: list
    coefficients: list
    roots: np.ndarray
    mixed_volume: int | None
    stop_reason: str = ""
    edges: int = 0
    rounds: int = 0
    paths: int = 0
    steps: int = 0
    failures: int = 0
    jumps: int = 0
    infinity: int = 0
    seconds: float = 0.0
    history: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.stop_reason == "complete"

    def summary(self) -> dict:
        return {"roots": int(len(self.roots)), "mixed_volume": self.mixed_volume, "stop_reason": self.stop_reason,
                "complete": self.complete, "loops": max(0, self.edges - 1), "edges": self.edges,
                "rounds": self.rounds, "paths_tracked": int(self.paths), "steps": int(self.steps),
                "failed_paths": int(self.failures), "path_jumps": int(self.jumps),
                "paths_at_infinity": int(self.infinity), "seconds": round(float(self.seconds), 4)}


# -- the coefficient family ---------------------------------------------------------------------------


class _CoefficientFamily:
    """``G(Z; p) = (sum_k p_ik Z^{e_ik}, c . Z - 1)`` in homogeneous coordinates ``Z = (x, h)`` (every
    monomial of equation ``i`` homogenised to its degree ``d_i``) on a random affine patch; parameters
    ``p``: all coefficients, equation by equation, ``(K,)`` or per row ``(P, K)``. Provides the hook of
    :func:`verifier.solver.monodromy._track` (``segment``, ``sub``)."""

    def __init__(self, exps, degrees, n, rng):
        self.n = self.m = n
        self.sizes = [len(E) for E in exps]
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]]).astype(np.int64)
        self.K = int(sum(self.sizes))
        terms = [np.concatenate([e, [d - e.sum()]])[None] for E, d in zip(exps, degrees) for e in E]
        # one single-term "equation" per monomial: values (P, K) and derivatives (P, K, n + 1) in one product
        self.T = NumericSystem.from_terms(terms, [np.ones(1)] * self.K, n + 1)
        self.c = complex_randn(rng, n + 1) / math.sqrt(n + 1)

    def ctable(self):
        """The family in the compiled tracker's form (``ctrack.track_family``): the sparse rows of the
        term table, its monomial recursion, the equations' first terms and the patch."""
        if getattr(self, "_ctab", None) is None:
            cval, ccol, crow = csr_rows(self.T._C)
            par, var = table_recursion(self.T)
            starts = np.concatenate([self.starts, [self.K]]).astype(np.int64)
            self._ctab = (cval, ccol, crow, par, var, starts, np.ascontiguousarray(self.c, dtype=np.complex128))
        return self._ctab

    def cparams(self, seg, P):
        """``(p0, dp, mode, m)`` of a segment for ``ctrack.track_family`` (mode 0: coefficients)."""
        return seg.p0, seg.dp, 0, self.n

    def lift(self, W):
        W = np.asarray(W, dtype=np.complex128).reshape(-1, self.n)
        Z = np.concatenate([W, np.ones((len(W), 1), dtype=np.complex128)], axis=1)
        return Z / (Z @ self.c)[:, None]

    def drop(self, Z):
        return Z[:, :self.n] / Z[:, self.n:]

    def at_infinity(self, Z, tol=1e-10):
        return np.abs(Z[:, self.n]) < tol * row_norms(Z)

    def system(self, Z, p, V=None):
        n = self.n
        P = len(Z)
        V, dV = self.T.eval_jac(Z)
        G = np.empty((P, n + 1), dtype=np.complex128)
        Gz = np.empty((P, n + 1, n + 1), dtype=np.complex128)
        G[:, :n] = np.add.reduceat(p * V, self.starts, axis=1)
        G[:, n] = Z @ self.c - 1.0
        Gz[:, :n] = np.add.reduceat((p[..., None] if p.ndim == 2 else p[:, None]) * dV, self.starts, axis=1)
        Gz[:, n] = self.c
        return G, Gz

    def values(self, Z, p):
        """``G(Z; p)`` without the patch row (for ``dG/dt = G(Z; dp)``)."""
        V = self.T.eval(Z)
        return np.add.reduceat(p * V, self.starts, axis=1)

    def segment(self, p0, p1, P):
        return _CoefficientSegment(self, p0, p1, P)

    @staticmethod
    def sub(p, rows):
        p = np.asarray(p)
        return p[rows] if p.ndim == 2 else p


class _CoefficientSegment:
    """``p(t) = (1 - t) p_0 + t p_1`` for ``P`` rows (see :class:`verifier.solver.monodromy._SliceSegment`);
    ``G`` is linear in ``p``, so ``dG/dt = G(Z; p_1 - p_0)``."""

    def __init__(self, fam, p0, p1, P):
        self.fam = fam
        self.p0 = np.broadcast_to(np.asarray(p0, dtype=np.complex128), (P, fam.K))
        self.p1 = np.broadcast_to(np.asarray(p1, dtype=np.complex128), (P, fam.K))
        self.dp = self.p1 - self.p0

    def system(self, rows, Z, t):
        return self.fam.system(Z, self.p0[rows] + t[:, None] * self.dp[rows])

    def dt(self, rows, Z, t):
        n = self.fam.n
        Gt = np.zeros((len(Z), n + 1), dtype=np.complex128)
        Gt[:, :n] = self.fam.values(Z, self.dp[rows])
        return Gt

    def end(self, rows, Z):
        return self.fam.system(Z, self.p1[rows])


def _match(known, cand, tol=_MATCH_TOL):
    """For every row of ``cand`` the index of a row of ``known`` at relative distance ``<= tol`` (in the
    compactified coordinates of :func:`verifier.solver.monodromy.novel_rows`), or -1."""
    out = np.full(len(cand), -1, dtype=np.int64)
    if not len(known) or not len(cand):
        return out
    Yk, Yc = compact_rows(known), compact_rows(cand)
    u = np.random.default_rng(314159).standard_normal(Yk.shape[1])
    u /= np.linalg.norm(u)
    pk, pc = Yk @ u, Yc @ u
    order = np.argsort(pk, kind="stable")
    pks = pk[order]
    lo = np.searchsorted(pks, pc - tol, "left")
    hi = np.searchsorted(pks, pc + tol, "right")
    for i in np.nonzero(hi > lo)[0]:
        idx = order[lo[i]:hi[i]]
        d = np.linalg.norm(Yk[idx] - Yc[i], axis=1)
        j = int(np.argmin(d))
        if d[j] <= tol:
            out[i] = idx[j]
    return out


# -- monodromy -------------------------------------------------------------------------------------------


def sparse_start(F: NumericSystem, rng, *, target: int | None, deadline: float, stall: int = 3,
                 max_roots: int = 1_000_000, move: str = "all", edges: int = 3, progress=None) -> SparseStart:
    """A random member ``G`` of the sparse family of ``F`` (coefficients from ``rng``) and its roots by
    monodromy (see the module docstring). ``target``: the expected root count (the mixed volume), None
    when unknown (then only ``stall``, ``max_roots`` and ``deadline`` stop the search). ``move``:
    ``"all"`` (the other nodes and the midpoints are random coefficient vectors) or ``"b"`` (only the
    constant terms move: the fibres of ``x -> G_nc(x)``; slower mixing, measured). ``edges``: edges to
    start with (``edges - 1`` independent loops: with one loop the known roots grow by one orbit step per
    two rounds, with two or more they grow geometrically, and small batches cost mostly fixed overhead)."""
    if move not in ("all", "b"):
        raise ValueError("move must be 'all' or 'b'")
    t0 = time.monotonic()
    say = progress or (lambda text: None)
    n = F.n
    zero = np.zeros((1, n), dtype=np.int64)
    exps, coefs = [], []
    for E in F.exponents:
        E = np.unique(E[E.sum(axis=1) > 0], axis=0)
        exps.append(np.concatenate([E, zero]))                   # the constant term last
        coefs.append(complex_randn(rng, len(E) + 1) / math.sqrt(len(E) + 1))
    degrees = [int(E.sum(axis=1).max()) for E in exps]
    fam = _CoefficientFamily(exps, degrees, n, rng)
    last = fam.starts + np.asarray(fam.sizes) - 1                # positions of the constant terms
    stats = TrackStats()
    out = SparseStart(exponents=exps, coefficients=coefs, roots=np.zeros((0, n), dtype=np.complex128),
                      mixed_volume=target)
    # a random x0 and constant terms b0 = -G_nc(x0): x0 is a root; it must be regular (J_G(x0) invertible)
    p0 = x0 = None
    for _ in range(5):
        x = complex_randn(rng, n)
        p = np.concatenate(coefs)
        p[last] = 0.0
        G, Gz = fam.system(fam.lift(x[None]), p)
        p[last] = -G[0, :n] / fam.lift(x[None])[0, n] ** np.asarray(degrees)
        sv = np.linalg.svd(fam.system(fam.lift(x[None]), p)[1][0], compute_uv=False)
        if sv[-1] > 1e-8 * sv[0]:
            x0, p0 = x, p
            break
    if x0 is None or target == 0:
        # J_G singular at random roots: x -> G_nc(x) is not dominant and a generic G has no root (MV = 0)
        out.stop_reason = "no roots"
        out.seconds = time.monotonic() - t0
        return out
    out.coefficients = [p0[a:a + k] for a, k in zip(fam.starts, fam.sizes)]
    # coefficient vectors of the same size, equation by equation
    eq = np.repeat(np.arange(n), fam.sizes)
    rms = np.sqrt(np.bincount(eq, np.abs(p0) ** 2) / np.asarray(fam.sizes))

    def random_node(spread):
        if move == "all":
            return complex_randn(rng, fam.K) * rms[eq] * spread
        q = p0.copy()
        q[last] = complex_randn(rng, n) * np.abs(p0[last]).mean() * spread
        return q

    nodes = [p0, random_node(1.0)]
    X = [fam.lift(x0[None]), np.zeros((0, n + 1), dtype=np.complex128)]
    mids, sent = [], []         # per edge: midpoint, and per node a mask of the roots carried along it

    def add_edge():
        # branch points can lie far out: midpoints of random sizes (log-uniform, 1/4 .. 64)
        mids.append(random_node(4.0 ** rng.uniform(*_SPREAD)))
        sent.append([np.zeros(len(X[0]), dtype=bool), np.zeros(len(X[1]), dtype=bool)])

    for _ in range(max(2, int(edges))):
        add_edge()
    quiet = 0
    reason = ""
    while True:
        if target is not None and len(X[0]) >= target:
            reason = "complete"
            break
        if len(X[0]) >= max_roots:
            reason = "max_roots"
            break
        if time.monotonic() > deadline:
            reason = "timeout"
            break
        tasks = [(e, side, np.nonzero(~sent[e][side])[0]) for e in range(len(mids)) for side in (0, 1)]
        tasks = [t for t in tasks if len(t[2])]
        if not tasks:
            # closed under the loops of the current edges: one more edge (a new random midpoint)
            if quiet >= stall:
                reason = "stall"
                break
            quiet += 1
            add_edge()
            continue
        Zs, pa, pm, pb, lab = [], [], [], [], []
        for k, (e, side, rows) in enumerate(tasks):
            sent[e][side][rows] = True
            Zs.append(X[side][rows])
            R = len(rows)
            pa.append(np.broadcast_to(nodes[side], (R, fam.K)))
            pm.append(np.broadcast_to(mids[e], (R, fam.K)))
            pb.append(np.broadcast_to(nodes[1 - side], (R, fam.K)))
            lab.append(np.full(R, k))
        Zs, pa, pm, pb, lab = (np.concatenate(v) for v in (Zs, pa, pm, pb, lab))
        Z1, ok = move_points(fam, Zs, pa, pm, deadline, stats, LOOP, LOOP_TIGHT, groups=lab)
        Z1, pm, pb, lab = Z1[ok], pm[ok], pb[ok], lab[ok]
        Z2, ok2 = move_points(fam, Z1, pm, pb, deadline, stats, LOOP, LOOP_TIGHT, groups=lab)
        Z2, lab = Z2[ok2], lab[ok2]
        out.rounds += 1
        found = 0
        for k, (e, side, _) in enumerate(tasks):
            other = 1 - side
            Y = Z2[lab == k]
            if not len(Y):
                continue
            idx = _match(X[other], Y)
            sent[e][other][idx[idx >= 0]] = True          # the reverse path along e is known
            Y = Y[idx < 0]
            Y = Y[novel_rows(np.zeros((0, n + 1)), Y)]
            if not len(Y):
                continue
            found += len(Y)
            X[other] = np.concatenate([X[other], Y])
            for f in range(len(mids)):
                sent[f][other] = np.concatenate([sent[f][other], np.full(len(Y), f == e)])
        if found:
            quiet = 0
        out.history.append(int(len(X[0])))
        say(f"sparse start: round {out.rounds}, {len(X[0])} of {target if target is not None else '?'} roots, "
            f"{len(mids)} edges")
    out.roots = fam.drop(X[0])
    out.stop_reason = reason
    out.edges = len(mids)
    out.paths, out.steps, out.failures, out.jumps = stats.paths, stats.steps, stats.failures, stats.jumps
    out.infinity = stats.infinity
    out.seconds = time.monotonic() - t0
    return out
