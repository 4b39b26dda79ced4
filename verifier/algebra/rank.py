"""Generic rank of the Jacobian of a polynomial network, certified from below mod p.

For a network whose activations are polynomials with rational coefficients and
data with rational inputs, every entry of ``J(w) = dH/dw`` is a polynomial in
``w`` with coefficients in ``Z_(p)`` (rationals whose denominators are prime to
p) as soon as p divides no denominator of the data and of the activation
coefficients. Reduction ``Z_(p) -> F_p`` is a ring homomorphism, so at an
integer point ``w`` the matrix ``J(w) mod p`` computed here is the reduction of
the rational matrix ``J(w)``. A nonzero ``r x r`` minor mod p is the reduction
of a nonzero rational minor: ``rank_Q J(w) >= r``, hence the generic rank of J
is ``>= r``. Nothing here is probabilistic except *which* lower bound we find;
the checker (``verifier.checker.algebra.modp``) re-verifies the minor independently.

Speed: the per-generation products ``W @ O`` (forward) and ``W^T @ adj``
(reverse) run in float64 BLAS, exactly: with ``p < 2^26`` one factor is split
into 13-bit halves, so every product is ``< 2^39`` and a sum of at most
``2^14`` of them stays below ``2^53``, where float64 integer arithmetic is
exact whatever the summation order. The rank uses python-flint's ``nmod_mat``
only on matrices of about ``min(l*d, n)^2`` entries (a random column sample,
and when that is not of full rank a random sketch and a null-space repair;
see :func:`rank_mod_p`): converting the whole ``l*d x n`` array into
``nmod_mat`` (about 0.35 us an entry) costs about as much as eliminating it.

Measured on 2 cores (``benchmarks/bench_generic_rank.py``): ``mlp 20-450-1``,
n = 9901, l*d = 1000: J mod p in 0.3 to 0.6 s, its rank with a nonzero minor
in 0.5 to 1.1 s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import flint
import numpy as np

from ..errors import InputError

__all__ = ["P_MAX", "choose_prime", "generic_rank", "jacobian_mod_p", "rank_mod_p"]

P_MAX = 1 << 26          # primes up to here keep the split float64 products exact
_HALF = 13               # bits of each half of a split factor
_KCHUNK = 1 << 14        # inner dimension per float64 product: 2^14 * 2^39 = 2^53
_SKETCH_EXTRA = 16       # extra sketch columns: rank loss then needs 17 unlucky events


# ---------------------------------------------------------------------------- arithmetic mod p

def _matmul_mod(A: np.ndarray, B: np.ndarray, p: int) -> np.ndarray:
    """``A @ B mod p`` exactly for int64 arrays with entries in ``[0, p)``, ``p <= 2^26``."""
    b = B.shape[1]
    # Split B into 13-bit halves and multiply both in one BLAS call.
    both = np.concatenate([B >> _HALF, B & ((1 << _HALF) - 1)], axis=1).astype(np.float64)
    prod = _matmul_f64(A, both, p)
    return ((prod[:, :b] << _HALF) + prod[:, b:]) % p


def _matmul_f64(A: np.ndarray, B13: np.ndarray, p: int) -> np.ndarray:
    """``A @ B13 mod p`` for int64 ``A`` with entries in ``[0, 2^26)`` and float64 ``B13`` of integers in ``[0, 2^13)``.

    Each product is ``< 2^39`` and each float64 dot product sums at most ``2^14`` of
    them, so it is an integer ``< 2^53``: exact in any summation order.
    """
    a, K = A.shape
    out = np.zeros((a, B13.shape[1]), dtype=np.int64)
    if out.size == 0 or K == 0:
        return out
    for k0 in range(0, K, _KCHUNK):
        k1 = min(K, k0 + _KCHUNK)
        out += (A[:, k0:k1].astype(np.float64) @ B13[k0:k1]).astype(np.int64) % p
        out %= p
    return out


def _mod_scalar(q, p: int) -> int:
    """A rational (fmpq) reduced mod p; the caller has checked that p does not divide its denominator."""
    q = flint.fmpq(q)
    return int(q.p) % p * pow(int(q.q) % p, -1, p) % p


def _poly_mod(coeffs, p: int):
    """Activation coefficients and those of its derivative, reduced mod p."""
    c = [_mod_scalar(x, p) for x in coeffs]
    dc = [i * c[i] % p for i in range(1, len(c))] or [0]
    return c, dc


def _horner(coeffs, Z: np.ndarray, p: int) -> np.ndarray:
    """``sum_i coeffs[i] Z^i mod p`` elementwise; every intermediate is ``< 2^53``."""
    v = np.full(Z.shape, coeffs[-1], dtype=np.int64)
    for c in reversed(coeffs[:-1]):
        v *= Z
        v += c
        v %= p
    return v


def _denominators(net, data):
    """Every denominator whose prime factors p must avoid (data and activation coefficients)."""
    dens = {int(x.q) for row in data.X for x in row} | {int(y.q) for row in data.Y for y in row}
    for v in net.order:
        act = net.node_activation(v)
        if act is not None and act.coefficients() is not None:
            dens.update(int(flint.fmpq(c).q) for c in act.coefficients())
    dens.discard(1)
    return dens


def choose_prime(net, data, below: int = P_MAX) -> int:
    """The largest prime ``< below`` that divides no denominator of the data or of an activation."""
    dens = _denominators(net, data)
    p = below - 1
    while p >= 2:
        if flint.fmpz(p).is_prime() and all(d % p for d in dens):
            return p
        p -= 1
    raise InputError(f"no usable prime below {below}")  # pragma: no cover - denominators are finite


def _check_prime(net, data, p) -> int:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer, flint.fmpz)):
        raise InputError(f"the prime must be an integer, got {type(p).__name__}")
    p = int(p)
    if not 2 <= p <= P_MAX or not flint.fmpz(p).is_prime():
        raise InputError(f"p = {p} must be a prime between 2 and 2^26")
    bad = next((d for d in sorted(_denominators(net, data)) if d % p == 0), None)
    if bad is not None:
        raise InputError(f"p = {p} divides the denominator {bad} of the data or an activation; choose another prime")
    return p


def _check_polynomial(net):
    for v in net.order:
        act = net.node_activation(v)
        if act is not None and act.coefficients() is None:
            raise InputError(f"node {v!r} has activation {act.name}, which is not a polynomial; "
                             "the generic rank mod p needs polynomial activations")


# ---------------------------------------------------------------------------- the layer plan

@dataclass(frozen=True)
class _Layer:
    nodes: np.ndarray       # node indices computed in this generation
    srcs: np.ndarray        # node indices it reads
    hidden_src: np.ndarray  # which srcs are not inputs (they receive adjoints)
    widx: np.ndarray        # (len(nodes), len(srcs)) parameter index or -1
    bidx: np.ndarray        # (len(nodes),) parameter index or -1
    groups: list            # [(activation or None, row indices)]
    e_rows: np.ndarray      # per edge: row in nodes, source node index
    e_src: np.ndarray
    b_rows: np.ndarray      # rows with a bias
    par: np.ndarray         # parameter of each contribution: edges, then biases
    shared: bool            # whether par repeats (weight sharing inside the generation)
    order: np.ndarray       # argsort of par, and the starts of its runs, for reduceat
    starts: np.ndarray
    upar: np.ndarray        # the distinct parameters, one per run


class _Plan:
    """Topological generations of the DAG as dense layers (as in ``verifier.system``), built once."""

    def __init__(self, net):
        index = net.node_index()
        self.n_nodes, self.n_in = len(index), len(net.inputs)
        self.out = [index[v] for v in net.outputs]
        self.layers = []
        for plan in net.dense_layers():
            nodes, srcs, widx, bidx = plan.nodes, plan.srcs, plan.widx, plan.bidx
            e_rows, e_cols = np.nonzero(widx >= 0)
            b_rows = np.nonzero(bidx >= 0)[0]
            # Contributions to J: one row per edge, then one per bias; ``par`` says which
            # parameter each adds to. Shared labels are summed with reduceat over ``order``.
            par = np.concatenate([widx[e_rows, e_cols], bidx[b_rows]])
            order = np.argsort(par, kind="stable")
            spar = par[order]
            starts = np.concatenate([[0], np.nonzero(np.diff(spar))[0] + 1]).astype(np.int64) if len(spar) \
                else np.zeros(0, dtype=np.int64)
            src_nodes = np.array([index[u] for u in srcs], dtype=np.int64)
            self.layers.append(_Layer(
                nodes=np.array([index[v] for v in nodes], dtype=np.int64), srcs=src_nodes,
                hidden_src=src_nodes >= self.n_in, widx=widx, bidx=bidx,
                groups=list(plan.act_rows),
                e_rows=e_rows, e_src=src_nodes[e_cols], b_rows=b_rows, par=par,
                shared=len(starts) < len(par), order=order, starts=starts, upar=spar[starts]))


# ---------------------------------------------------------------------------- Jacobian mod p

_CONTRIB_CHUNK = 1 << 22   # entries of edge-contribution temporaries per step (memory bound)


def jacobian_mod_p(net, data, point, p: int) -> np.ndarray:
    """``J(w) mod p`` for an integer point ``w``, exactly, by reverse mode per generation.

    Parameters
    ----------
    net : verifier.network.Network
        Every hidden activation must be a polynomial (``Activation.coefficients()``).
    data : verifier.data.Dataset
    point : sequence of int
        One integer per label, in ``net.labels`` order; reduced mod p.
    p : int
        A prime ``<= 2^26`` dividing no denominator of the data or of an activation
        coefficient (:func:`choose_prime` picks one).

    Returns
    -------
    numpy.ndarray of int64, shape ``(l*d, n)``
        Row ``i*l + k`` (data point i, output k), column j = ``net.labels[j]``;
        entries in ``[0, p)``. A label on several edges gets the sum of their columns.

    Raises
    ------
    InputError
        Non-polynomial activation, unusable prime, wrong point length, data shape mismatch.
    """
    _check_polynomial(net)
    _check_shapes(net, data)
    p = _check_prime(net, data, p)
    w = _point_mod(net, point, p)
    return _jacobian(net, data, w, p)


def _check_shapes(net, data):
    if data.p != net.p:
        raise InputError(f"the data has p = {data.p} input columns but the network has {net.p} inputs")
    if data.l != net.l:
        raise InputError(f"the data has l = {data.l} target columns but the network has {net.l} outputs")


def _point_mod(net, point, p) -> np.ndarray:
    vals = list(point)
    if len(vals) != net.n:
        raise InputError(f"the point needs {net.n} integers (one per label), got {len(vals)}")
    out = []
    for lab, v in zip(net.labels, vals):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer, flint.fmpz)):
            raise InputError(f"point[{lab!r}] must be an integer, got {type(v).__name__}")
        out.append(int(v) % p)
    return np.array(out, dtype=np.int64)


def _jacobian(net, data, w: np.ndarray, p: int) -> np.ndarray:
    plan = _Plan(net)
    d, l, n = data.d, net.l, net.n
    O = np.zeros((plan.n_nodes, d), dtype=np.int64)
    O[: plan.n_in] = np.array([[_mod_scalar(x, p) for x in row] for row in data.X], dtype=np.int64).T
    polys = {}
    D1, Wv = [], []
    for L in plan.layers:
        W = np.where(L.widx >= 0, w[np.maximum(L.widx, 0)], 0)
        b = np.where(L.bidx >= 0, w[np.maximum(L.bidx, 0)], 0)
        Z = (_matmul_mod(W, O[L.srcs], p) + b[:, None]) % p
        d1 = None
        for act, rows in L.groups:
            if act is None:
                O[L.nodes[rows]] = Z[rows]
                continue
            if act not in polys:
                polys[act] = _poly_mod(act.coefficients(), p)
            c, dc = polys[act]
            if d1 is None:
                d1 = np.ones_like(Z)
            O[L.nodes[rows]] = _horner(c, Z[rows], p)
            d1[rows] = _horner(dc, Z[rows], p)
        D1.append(d1)
        Wv.append(W)
    # JT[q, i, k] accumulates dH_{i,k}/dw_q; entries stay sums of a few values < p.
    JT = np.zeros((n, d, l), dtype=np.int64)
    for k, out in enumerate(plan.out):
        adjO = {out: np.ones(d, dtype=np.int64)}
        for L, d1, W in zip(reversed(plan.layers), reversed(D1), reversed(Wv)):
            nodes = L.nodes
            live = [r for r, v in enumerate(nodes.tolist()) if v in adjO]
            if not live:
                continue
            adjZ = np.zeros((len(nodes), d), dtype=np.int64)
            for r in live:
                adjZ[r] = adjO.pop(int(nodes[r]))
            if d1 is not None:
                adjZ = adjZ * d1 % p
            _scatter(JT, L, adjZ, O, k, p)
            hid = L.hidden_src
            if hid.any():
                back = _matmul_mod(np.ascontiguousarray(W[:, hid].T), adjZ, p)
                for s, row in zip(L.srcs[hid].tolist(), back):
                    prev = adjO.get(s)
                    adjO[s] = row if prev is None else (prev + row) % p
    JT %= p
    return np.ascontiguousarray(JT.reshape(n, d * l).T)


def _scatter(JT, L, adjZ, O, k, p):
    """Add this layer's contributions ``adjZ_v * o_u`` (edges) and ``adjZ_v`` (biases) into ``JT[:, :, k]``."""
    e_rows, e_src, b_rows = L.e_rows, L.e_src, L.b_rows
    d = adjZ.shape[1]
    ne = len(e_rows)
    if not L.shared:
        # Distinct parameters: plain fancy-index assignment-add, chunked to bound memory.
        step = max(1, _CONTRIB_CHUNK // max(d, 1))
        par = L.par
        for a in range(0, ne, step):
            z = min(ne, a + step)
            JT[par[a:z], :, k] += adjZ[e_rows[a:z]] * O[e_src[a:z]] % p
        if len(b_rows):
            JT[par[ne:], :, k] += adjZ[b_rows]
        return
    contrib = np.concatenate([adjZ[e_rows] * O[e_src] % p, adjZ[b_rows]])
    sums = np.add.reduceat(contrib[L.order], L.starts, axis=0) % p
    JT[L.upar, :, k] += sums


# ---------------------------------------------------------------------------- rank mod p

def _nmod(A: np.ndarray, p: int):
    # Through fmpz_mat: about 1.5 times faster than nmod_mat from the same flat list.
    m, n = (int(x) for x in A.shape)
    return flint.nmod_mat(flint.fmpz_mat(m, n, np.ascontiguousarray(A).ravel().tolist()), p)


def _pivots(R, rank: int) -> list:
    """Pivot columns of an nmod_mat in reduced row echelon form (they increase, so the scan is linear)."""
    piv, j = [], 0
    for i in range(rank):
        while int(R[i, j]) == 0:
            j += 1
        piv.append(j)
        j += 1
    return piv


def _rref_pivots(A: np.ndarray, p: int) -> list:
    """Pivot columns of the rref of ``A`` mod p: a maximal set of independent columns."""
    if A.size == 0:
        return []
    R, r = _nmod(A, p).rref()
    return _pivots(R, r)


def rank_mod_p(A, p: int, *, seed: int = 0):
    """Rank of an integer matrix mod a prime, with row and column index sets of a nonzero minor.

    Parameters
    ----------
    A : array_like of int, shape (m, n)
        Entries are reduced mod p.
    p : int
        A prime ``<= 2^26``.
    seed : int
        Seeds the column sample and the random sketch. They affect the speed and,
        with probability below ``2^-99`` for ranks up to 1000, may make the rank
        found too small; the returned minor is invertible mod p in every case.

    Returns
    -------
    (rank, pivot_rows, pivot_cols) : (int, list of int, list of int)
        ``A[rows][:, cols]`` is a ``rank x rank`` matrix invertible mod p; both lists sorted.

    Notes
    -----
    Say ``m <= n`` (else the same on the transpose), ``k = min(n, m + 16)``.

    1. The rref of ``A[:, S]`` for k random columns S gives independent columns
       P. If ``|P| = m`` (full rank, the common overparameterized case) we are
       done: one ``m x k`` matrix goes through ``nmod_mat``.
    2. Otherwise a sketch ``A R`` (R random ``n x w``, entries in ``[0, 2^13)``,
       one exact BLAS product) gives the rank w.h.p.: ``rank(A R) <= rank(A)``
       always, and rows independent in ``A R`` are independent in A. The width
       w is ``2 |P| + 32``, or k if that sketch comes within 16 of its width.
    3. If the sketch finds no more than ``|P|``, the rows come from the rref of
       ``A[:, P]^T``. Otherwise they come from the sketch, and the columns from
       ``A[rows]``: a fresh sample, then, if it falls short, the left null space
       N of the columns found so far; further columns come from the rref of
       ``N A[rows]``, which has full row rank because ``A[rows]`` has.

    Every index set returned is proven by an exact rref mod p, not by the
    random choices, which only decide how fast and how large.
    """
    A = np.asarray(A)
    if A.ndim != 2:
        raise InputError("rank_mod_p needs a matrix")
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or not 2 <= p <= P_MAX \
            or not flint.fmpz(int(p)).is_prime():
        raise InputError(f"rank_mod_p needs a prime p <= 2^26 (the exact float64 products rely on it), got {p!r}")
    p = int(p)
    return _rank_minor(A.astype(np.int64) % p, p, np.random.default_rng(seed))


def _rank_minor(A: np.ndarray, p: int, rng) -> tuple:
    if A.shape[0] > A.shape[1]:
        r, cols, rows = _select(np.ascontiguousarray(A.T), p, rng)
        return r, sorted(rows), sorted(cols)
    r, rows, cols = _select(A, p, rng)
    return r, sorted(rows), sorted(cols)


def _select(A: np.ndarray, p: int, rng) -> tuple:
    """(rank, rows, cols) for ``A`` with ``m <= n`` rows; see :func:`rank_mod_p`."""
    m, n = A.shape
    if m == 0:
        return 0, [], []
    k = min(n, m + _SKETCH_EXTRA)
    sample = np.arange(n) if k == n else np.sort(rng.choice(n, size=k, replace=False))
    cols = [int(sample[j]) for j in _rref_pivots(A[:, sample], p)]
    if len(cols) == m:
        return m, list(range(m)), cols
    r_sketch = len(cols) if k == n else None     # with every column sampled, the rank is exact
    width = min(k, 2 * len(cols) + 2 * _SKETCH_EXTRA)
    while r_sketch is None:
        # A random n x width matrix R with entries in [0, 2^13): one exact BLAS product. If
        # A[rows] has rank r, each column of A R falls in a given proper subspace of the
        # span with probability <= 2^-13 (Schwartz-Zippel), so losing rank needs 17 of
        # the r + 16 columns to fail: probability <= C(r + 16, 17) 2^-221, below 2^-99 for r <= 1000.
        R = rng.integers(0, 1 << _HALF, size=(n, width), dtype=np.int16).astype(np.float64)
        sketch_rows = _rref_pivots(_matmul_f64(A, R, p).T, p)
        if len(sketch_rows) + _SKETCH_EXTRA < width or width == k:
            r_sketch = len(sketch_rows)
        else:
            width = k   # the narrow sketch may have cut the rank off: use the full width
    if r_sketch <= len(cols):
        rows = _rref_pivots(A[:, cols].T, p)
        return len(cols), rows, cols
    return r_sketch, sketch_rows, _select_cols(A[sketch_rows], p, rng)


def _select_cols(AI: np.ndarray, p: int, rng) -> list:
    """Columns of ``AI`` (r x n, rank r mod p) forming an invertible r x r submatrix."""
    r, n = AI.shape
    sample = np.sort(rng.choice(n, size=min(n, r + _SKETCH_EXTRA), replace=False))
    cols = [int(sample[j]) for j in _rref_pivots(AI[:, sample], p)]
    if len(cols) == r:
        return cols
    # Repair: N spans the left null space of AI[:, cols]. If y^T [AI[:, cols], AI[:, J']] = 0
    # then y = N^T z and z^T (N AI)[:, J'] = 0, so J' with (N AI)[:, J'] invertible completes
    # the set; N AI has full row rank because AI has.
    if cols:
        X, nullity = _nmod(AI[:, cols].T, p).nullspace()
        N = np.array([int(x) for x in X.entries()], dtype=np.int64).reshape(r, r)[:, :nullity].T
    else:
        N, nullity = np.eye(r, dtype=np.int64), r
    G = _matmul_mod(np.ascontiguousarray(N), AI, p)
    cand = np.nonzero(G.any(axis=0))[0]
    extra = [int(cand[j]) for j in _rref_pivots(G[:, cand], p)]
    if len(extra) != nullity:   # pragma: no cover - impossible when AI has full row rank
        raise RuntimeError("column selection mod p failed: the rows are not independent")
    return sorted(cols + extra)


# ---------------------------------------------------------------------------- generic rank

def generic_rank(net, data, *, trials: int = 2, seed: int = 0, p=None, upper=None) -> dict:
    """A certified lower bound on the generic rank of ``J = dH/dw`` (usually the rank itself).

    At ``trials`` random integer points (entries in ``[0, p)``), J mod p is
    computed and its rank found with a nonzero minor; the best trial wins. Stops
    early once a trial reaches ``min(n, l*d)``, which no point can exceed.

    Parameters
    ----------
    net : verifier.network.Network
        Polynomial activations only.
    data : verifier.data.Dataset
    trials : int
        Random points to try (>= 1).
    seed : int
        Seeds the points and the sketches: the result is reproducible.
    p : int, optional
        The prime; default :func:`choose_prime` (just below 2^26).
    upper : int, optional
        A proven upper bound on the generic rank (e.g. the function-space bound); the trials stop
        once one reaches it. Default and cap: ``min(n, l*d)``.

    Returns
    -------
    dict
        ``rank`` (the best lower bound r), ``prime``, ``point`` (ints in label order,
        the trial point achieving r), ``rows`` and ``cols`` (sorted indices into the
        rows of J and into ``net.labels``: ``J(point)[rows][:, cols]`` is invertible
        mod p), ``trial_ranks``, ``upper`` (the bound the trials stop at), ``seconds``, and
        ``timing`` (seconds spent on the Jacobians and on the rank).

    Raises
    ------
    InputError
        Non-polynomial activation (naming the node), unusable prime, shape mismatch.
    """
    t0 = time.perf_counter()
    _check_polynomial(net)
    _check_shapes(net, data)
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise InputError(f"trials must be a positive integer, got {trials!r}")
    p = choose_prime(net, data) if p is None else _check_prime(net, data, p)
    rng = np.random.default_rng(seed)
    upper = min(net.n, net.l * data.d) if upper is None else min(net.n, net.l * data.d, int(upper))
    best = None
    ranks, t_jac, t_rank = [], 0.0, 0.0
    for _ in range(trials):
        w = rng.integers(0, p, size=net.n, dtype=np.int64)
        t = time.perf_counter()
        J = _jacobian(net, data, w, p)
        t_jac += time.perf_counter() - t
        t = time.perf_counter()
        r, rows, cols = _rank_minor(J, p, rng)
        t_rank += time.perf_counter() - t
        ranks.append(r)
        if best is None or r > best[0]:
            best = (r, w, rows, cols)
        if r == upper:
            break
    r, w, rows, cols = best
    return {"rank": r, "prime": p, "point": [int(x) for x in w], "rows": sorted(rows), "cols": sorted(cols),
            "trial_ranks": ranks, "upper": upper, "seconds": time.perf_counter() - t0,
            "timing": {"jacobian": t_jac, "rank": t_rank}}
