"""Vectorised floating-point evaluation of polynomial systems and their Jacobians.

A system ``F = (F_1, ..., F_m)`` in ``N`` variables is stored as

* a *monomial table* ``z^{e_0}, ..., z^{e_{M-1}}`` shared by all equations and by all partial
  derivatives, closed under the "canonical parent" map ``e -> e - u_{j(e)}`` with ``j(e)`` the first
  variable with ``e_j > 0``. Sorting the table by total degree, every monomial of degree ``k`` is
  its parent (degree ``k - 1``) times one variable, so the whole table is evaluated at ``P`` points
  with one gather-and-multiply per degree level: ``M * P`` complex products and ``D`` numpy calls;
* a coefficient matrix ``C`` of shape ``(m + m*N, M)``: row ``i`` holds the coefficients of ``F_i``,
  row ``m + i*N + j`` those of ``dF_i/dz_j``, i.e. ``e_j * c_e`` at the column of ``e - u_j``
  (``d/dz_j z^e = e_j z^{e - u_j}``).

Then ``[F; vec J](Z) = C @ V(Z)`` with ``V`` the ``(M, P)`` table of monomial values: one BLAS
product (or a sparse product when ``C`` is sparse) evaluates the values and the Jacobians of ``P``
points at once. No Python loop runs over points.

:meth:`NumericSystem.eval_mp` and :func:`newton_mp` evaluate and refine one point in higher
precision with mpmath, from the exact rational coefficients when the system came from flint.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import numpy as np


def _scipy_sparse():
    """scipy.sparse, imported on first need (only large sparse tables use it; importing it costs
    about a tenth of a second, more than a small system takes to solve); None without scipy."""
    try:  # scipy is a dependency, but keep the module importable without it
        import scipy.sparse as sparse
    except ImportError:  # pragma: no cover
        return None
    return sparse


def _loaded_torch():
    # torch's batched LU is 2-3x faster than numpy's gufunc on small complex matrices; it is used
    # only when the caller has already imported torch (importing it here would cost seconds and
    # break the rule that only verifier/torch_backend imports torch).
    return sys.modules.get("torch")


def batched_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve ``A[p] x[p] = b[p]`` for every ``p``; ``A`` is (P, n, n), ``b`` is (P, n).

    Singular matrices give non-finite rows (never an exception), so that callers can mark the
    corresponding paths instead of aborting the batch.
    """
    P = A.shape[0]
    if P == 0:
        return np.zeros_like(b)
    _torch = _loaded_torch()
    if _torch is not None and P >= 64:
        At = _torch.from_numpy(np.ascontiguousarray(A))
        bt = _torch.from_numpy(np.ascontiguousarray(b))[..., None]
        x, info = _torch.linalg.solve_ex(At, bt)
        x = x[..., 0].numpy()
        bad = info.numpy() != 0
        if bad.any():
            x = x.copy()
            x[bad] = np.nan
        return x
    try:
        return np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full_like(b, np.nan)
        for p in range(P):  # rare fallback: isolate the singular matrices
            try:
                out[p] = np.linalg.solve(A[p], b[p])
            except np.linalg.LinAlgError:
                pass
        return out


class NumericSystem:
    """``m`` polynomials in ``N`` variables, evaluated at many points at once in complex128.

    Build with :meth:`from_flint` (python-flint ``fmpq_mpoly``) or :meth:`from_terms`
    (exponent arrays and complex coefficients).

    Attributes
    ----------
    n : int
        Number of variables ``N``.
    m : int
        Number of equations.
    degrees : list of int
        Total degree of every equation (``-1`` for the zero polynomial).
    exponents, coefficients : lists of arrays
        Per equation, the ``(k_i, N)`` exponent matrix and the ``(k_i,)`` complex coefficients.
    """

    def __init__(self, exponents, coefficients, nvars: int, exact=None):
        self.n = int(nvars)
        self.m = len(exponents)
        self.exponents = [np.asarray(E, dtype=np.int64).reshape(-1, self.n) for E in exponents]
        self.coefficients = [np.asarray(c, dtype=np.complex128).reshape(-1) for c in coefficients]
        self.degrees = [int(E.sum(axis=1).max()) if len(E) else -1 for E in self.exponents]
        self._exact = exact  # per equation, list of Fraction coefficients (same order), or None
        self._build()

    # -- construction ---------------------------------------------------------------

    @classmethod
    def from_flint(cls, polys) -> "NumericSystem":
        """From a list of ``fmpq_mpoly`` in one context (the number of variables is the context's)."""
        polys = list(polys)
        if not polys:
            raise ValueError("NumericSystem: empty system")
        nv = polys[0].context().nvars()
        exps, coefs, exact = [], [], []
        for p in polys:
            terms = list(p.terms())
            E = np.array([list(mon) for mon, _ in terms], dtype=np.int64).reshape(-1, nv)
            fr = [Fraction(int(c.p), int(c.q)) for _, c in terms]
            exps.append(E)
            coefs.append(np.array([float(f) for f in fr], dtype=np.complex128))
            exact.append(fr)
        return cls(exps, coefs, nv, exact=exact)

    @classmethod
    def from_terms(cls, exponents, coefficients, nvars: int) -> "NumericSystem":
        """From per-equation exponent matrices ``(k_i, N)`` and complex coefficients ``(k_i,)``."""
        return cls(exponents, coefficients, nvars)

    def _build(self) -> None:
        N, m = self.n, self.m
        index: dict = {(0,) * N: 0}
        table = [(0,) * N]

        def add(e: tuple) -> int:
            k = index.get(e)
            if k is None:
                # canonical parent first, so that every monomial's parent is in the table
                j = next(i for i, v in enumerate(e) if v > 0)
                add(e[:j] + (e[j] - 1,) + e[j + 1:])
                k = index[e] = len(table)
                table.append(e)
            return k

        rows_f, cols_f, vals_f = [], [], []
        rows_j, cols_j, vals_j = [], [], []
        for i, (E, c) in enumerate(zip(self.exponents, self.coefficients)):
            for e, ce in zip(map(tuple, E.tolist()), c):
                if ce == 0:
                    continue
                rows_f.append(i)
                cols_f.append(add(e))
                vals_f.append(ce)
                for j in range(N):
                    if e[j] > 0:
                        rows_j.append(i * N + j)
                        cols_j.append(add(e[:j] + (e[j] - 1,) + e[j + 1:]))
                        vals_j.append(ce * e[j])
        M = len(table)
        T = np.array(table, dtype=np.int64).reshape(M, N)
        deg = T.sum(axis=1)
        order = np.argsort(deg, kind="stable")
        inv = np.empty(M, dtype=np.int64)
        inv[order] = np.arange(M)
        T = T[order]
        deg = deg[order]
        self.monomials = T
        # parent and multiplying variable of every non-constant monomial, grouped by degree
        self._levels = []
        for k in range(1, int(deg.max()) + 1 if M > 1 else 1):
            sel = np.nonzero(deg == k)[0]
            if not len(sel):
                continue
            E = T[sel]
            var = np.argmax(E > 0, axis=1)
            par = E.copy()
            par[np.arange(len(sel)), var] -= 1
            pidx = inv[[index[tuple(r)] for r in par.tolist()]]
            self._levels.append((int(sel[0]), int(sel[-1]) + 1, pidx, var))
            assert np.all(np.diff(sel) == 1)
        # the same with the variables' rows placed after the table (see monomial_values)
        self._levels_ext = [(a, b, pidx, M + var) for a, b, pidx, var in self._levels]
        R = m + m * N
        rows = np.array(rows_f + [m + r for r in rows_j], dtype=np.int64)
        cols = inv[np.array(cols_f + cols_j, dtype=np.int64)] if rows.size else np.zeros(0, np.int64)
        vals = np.array(vals_f + vals_j, dtype=np.complex128)
        C = np.zeros((R, M), dtype=np.complex128)
        np.add.at(C, (rows, cols), vals)
        self._nnz = int(np.count_nonzero(C))
        self._C = C
        self._Cf = np.ascontiguousarray(C[:m])
        self._Csp = None
        self._Cfsp = None
        sparse = _scipy_sparse() if C.size > 40_000 and self._nnz < 0.15 * C.size else None
        if sparse is not None:
            self._Csp = sparse.csr_matrix(C)
            self._Cfsp = sparse.csr_matrix(self._Cf)

    # -- evaluation -----------------------------------------------------------------

    def monomial_values(self, Z: np.ndarray) -> np.ndarray:
        """The ``(M, P)`` table ``V[k, p] = Z[p]^{e_k}``."""
        Z = np.asarray(Z, dtype=np.complex128)
        P = Z.shape[0]
        M = len(self.monomials)
        # one array for the table and, below it, the variables (rows M..M+N-1), so that every
        # degree level is two `take`s from it and one product
        W = np.empty((M + self.n, P), dtype=np.complex128)
        W[M:] = Z.T
        W[0] = 1.0
        for a, b, pidx, var in self._levels_ext:
            np.multiply(W.take(pidx, axis=0), W.take(var, axis=0), out=W[a:b])
        return W[:M]

    def _apply(self, dense, sp, V):
        if sp is not None:
            return np.asarray(sp @ V)
        return dense @ V

    def eval(self, Z: np.ndarray) -> np.ndarray:
        """``F(Z[p])`` for every row: (P, N) -> (P, m)."""
        V = self.monomial_values(Z)
        return self._apply(self._Cf, self._Cfsp, V).T

    def term_scale(self, Z: np.ndarray) -> np.ndarray:
        """``sum_k |c_ik Z[p]^{e_ik}|`` for every row and equation, ``(P, m)``: the size of the terms, so
        that ``|F_i(Z)| / term_scale`` is a relative residual (about 1e-16 times a condition number at a
        root; about 1 at a point where one term is left over)."""
        V = np.abs(self.monomial_values(Z))
        if self._Cfsp is not None:
            return np.asarray(abs(self._Cfsp) @ V).T
        return (np.abs(self._Cf) @ V).T

    def jacobian(self, Z: np.ndarray) -> np.ndarray:
        """``dF_i/dz_j (Z[p])``: (P, N) -> (P, m, N)."""
        return self.eval_jac(Z)[1]

    def eval_jac(self, Z: np.ndarray) -> tuple:
        """Values (P, m) and Jacobians (P, m, N) with one monomial table and one matrix product."""
        V = self.monomial_values(Z)
        R = self._apply(self._C, self._Csp, V)
        m, N = self.m, self.n
        P = V.shape[1]
        F = R[:m].T
        J = R[m:].reshape(m, N, P).transpose(2, 0, 1)
        return F, J

    # -- one point in higher precision -------------------------------------------------

    def _mp_coeffs(self, mp):
        if self._exact is not None:
            return [[mp.mpf(f.numerator) / f.denominator for f in fr] for fr in self._exact]
        return [[mp.mpc(complex(c)) for c in cs] for cs in self.coefficients]

    def eval_mp(self, z, dps: int = 50) -> tuple:
        """``F(z)`` and ``J(z)`` at one point with mpmath at ``dps`` digits.

        Returns ``(F, J)`` as mpmath matrices (m x 1 and m x N). Coefficients are exact rationals
        rounded to ``dps`` digits when the system came from flint.
        """
        import mpmath

        with mpmath.workdps(dps):
            zz = [mpmath.mpc(complex(v)) if not isinstance(v, mpmath.mpc) else v for v in z]
            return self._eval_mp(zz, mpmath)

    def _eval_mp(self, zz, mpmath):
        N = self.n
        coeffs = self._mp_coeffs(mpmath)
        F = mpmath.matrix(self.m, 1)
        J = mpmath.matrix(self.m, N)
        for i, (E, cs) in enumerate(zip(self.exponents, coeffs)):
            for e, c in zip(E.tolist(), cs):
                pw = [zz[j] ** e[j] if e[j] else mpmath.mpf(1) for j in range(N)]
                t = c
                for v in pw:
                    t *= v
                F[i] += t
                for j in range(N):
                    if e[j]:
                        d = c * e[j] * (zz[j] ** (e[j] - 1))
                        for k in range(N):
                            if k != j:
                                d *= pw[k]
                        J[i, j] += d
        return F, J


def newton_mp(system: NumericSystem, z, *, dps: int = 40, iterations: int = 8) -> tuple:
    """Newton's method on a square system at one point in ``dps``-digit arithmetic.

    Returns ``(z, residual)`` with ``z`` as a complex128 array (the refined point rounded back)
    and ``residual`` the max-norm of ``F(z)`` computed in high precision. Stops early when the
    correction is below ``10^{-dps+5}`` relative to ``|z|``.
    """
    import mpmath

    if system.m != system.n:
        raise ValueError("newton_mp: the system must be square")
    with mpmath.workdps(dps):
        zz = [mpmath.mpc(complex(v)) for v in z]
        for _ in range(iterations):
            F, J = system._eval_mp(zz, mpmath)
            try:
                dz = mpmath.lu_solve(J, F)
            except ZeroDivisionError:
                break
            zz = [a - dz[k] for k, a in enumerate(zz)]
            nz = max(abs(a) for a in zz) or 1
            if max(abs(dz[k]) for k in range(len(zz))) < mpmath.mpf(10) ** (-dps + 5) * max(1, nz):
                break
        F, _ = system._eval_mp(zz, mpmath)
        res = float(max(abs(F[k]) for k in range(system.m)))
        return np.array([complex(a) for a in zz], dtype=np.complex128), res


# -- shared by the trackers (homotopy, monodromy, sparse start) ----------------------------------

CTRACK_ABI = 5   # must equal CTRACK_ABI in ctrack.c (a stale build is ignored; `pip install -e .` rebuilds)


def compiled_tracker():
    """The compiled inner loops of the trackers (``verifier/solver/ctrack.c``, built by ``pip install``
    where a C compiler is available), or None: not built, built from another version of the file, or
    ``VERIFIER_TRACKER=numpy`` in the environment. The numpy loops do the same, slower on small batches."""
    import os

    if os.environ.get("VERIFIER_TRACKER", "").lower() == "numpy":
        return None
    try:
        from . import ctrack
    except ImportError:  # pragma: no cover - no compiler at install time
        return None
    return ctrack if getattr(ctrack, "ABI", None) == CTRACK_ABI else None


def table_recursion(system: "NumericSystem") -> tuple:
    """``(par, var)`` per monomial of ``system``'s table: ``monomial[k] = monomial[par[k]] * z[var[k]]``
    (k >= 1, in table order; the form the compiled loops take)."""
    M = len(system.monomials)
    par = np.zeros(M, dtype=np.int64)
    var = np.zeros(M, dtype=np.int64)
    for a, b, pidx, v in system._levels:
        par[a:b] = pidx
        var[a:b] = v
    return par, var


def csr_rows(C: np.ndarray) -> tuple:
    """``(values, columns, row pointers)`` of the nonzeros of a dense matrix, row by row."""
    rows, cols = np.nonzero(C)
    ptr = np.zeros(C.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=C.shape[0]), out=ptr[1:])
    return np.ascontiguousarray(C[rows, cols]), cols.astype(np.int64), ptr


def complex_randn(rng, *shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2)


def row_norms(V):
    return np.sqrt((V.real ** 2 + V.imag ** 2).sum(axis=-1))


class SingleThread:
    """Run BLAS, LAPACK and torch on one thread: the batched operations are small, and
    multithreaded BLAS on them is slower (much slower on a loaded machine)."""

    def __enter__(self):
        self._limits = None
        self._torch = None
        try:
            from threadpoolctl import threadpool_limits

            self._limits = threadpool_limits(1)
        except ImportError:  # pragma: no cover
            pass
        torch = sys.modules.get("torch")   # only when already loaded (see numeric._loaded_torch)
        if torch is not None:
            self._torch = (torch, torch.get_num_threads())
            torch.set_num_threads(1)
        return self

    def __exit__(self, *exc):
        if self._limits is not None:
            self._limits.restore_original_limits()
        if self._torch is not None:
            self._torch[0].set_num_threads(self._torch[1])
        return False
