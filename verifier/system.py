"""The residual system H(w) = (f_w(x_i) - y_i)_i of a network on a dataset.

``compile_system(network, data)`` builds a layer plan once (the topological
generations of the DAG, each with a dense block of parameter indices) and then
evaluates it in three arithmetics:

* float64, vectorised over the data with numpy: value and Jacobian
  (reverse mode, exact derivatives of the float model, never finite
  differences); ``J`` for n = 10^4, d = 10^3 takes about a second;
* Arb balls (python-flint ``arb``/``arb_mat``) at any precision, at a point
  whose coordinates may themselves be balls (a box): value and selected
  Jacobian columns, each an enclosure valid for every point of the box;
* exact rationals (``fmpq``/``fmpq_mat``) when every activation is a polynomial.

Residuals are ordered point-major: row ``r = i*l + k`` is output k at point i.
At a point of M = H^{-1}(0) the Hessian of L = sum_r H_r^2 is exactly
``2 J^T J`` (the second-order term carries the factor H_r = 0), which is what
Proposition 2.3 needs; :meth:`ResidualSystem.loss_hessian_f64` returns the
full Hessian for small n away from M as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import flint
import numpy as np

from .data import Dataset
from .errors import InputError
from .network import Network


@dataclass(frozen=True)
class _Layer:
    nodes: np.ndarray      # global node indices computed in this layer
    srcs: np.ndarray       # global node indices read by this layer
    widx: np.ndarray       # (len(nodes), len(srcs)) parameter index or -1
    bidx: np.ndarray       # (len(nodes),) parameter index or -1
    groups: tuple          # ((activation or None, row indices), ...)
    e_rows: np.ndarray     # nonzero entries of widx: rows, cols, parameter
    e_cols: np.ndarray
    e_par: np.ndarray
    used: tuple            # parameter indices this layer reads


class ResidualSystem:
    """H: R^n -> R^{l*d} for a network and a dataset; see the module docstring.

    Attributes
    ----------
    network, data : Network, Dataset
    n, d, l : int
        Parameters, data points, outputs; ``m = l*d`` equations.
    """

    def __init__(self, network: Network, data: Dataset):
        if data.p != network.p:
            raise InputError(f"the data has p = {data.p} input columns but the network has {network.p} inputs")
        if data.l != network.l:
            raise InputError(f"the data has l = {data.l} target columns but the network has {network.l} outputs")
        self.network, self.data = network, data
        self.n, self.d, self.l = network.n, data.d, network.l
        self.m = self.l * self.d
        index = network.node_index()
        self._index = index
        self._n_nodes = len(index)
        self._out = np.array([index[v] for v in network.outputs])
        layers = []
        for plan in network.dense_layers():
            nodes, srcs, widx, bidx = plan.nodes, plan.srcs, plan.widx, plan.bidx
            e_rows, e_cols = np.nonzero(widx >= 0)
            used = tuple(sorted(set(widx[widx >= 0].tolist()) | set(bidx[bidx >= 0].tolist())))
            layers.append(_Layer(np.array([index[v] for v in nodes]), np.array([index[u] for u in srcs]),
                                 widx, bidx, plan.act_rows,
                                 e_rows, e_cols, widx[e_rows, e_cols], used))
        self._layers = layers
        self._cache = {}   # (mode, prec) -> per-layer results of the last generic evaluation
        self._f64_data = None   # (x, y) in float64, made on first use: exact data of any size compiles
        self._sparse = None

    # What the float64 evaluation serves, for the message when the data leave the float64 range.
    FLOAT_NEED = "the float64 evaluation of H (Gauss-Newton, the choice of unknowns, figures)"

    @property
    def _x(self) -> np.ndarray:
        return self._data_f64()[0]

    @property
    def _y(self) -> np.ndarray:
        return self._data_f64()[1]

    def _data_f64(self):
        if self._f64_data is None:
            self._f64_data = (self.data.x_f64(self.FLOAT_NEED), self.data.y_f64(self.FLOAT_NEED))
        return self._f64_data

    # ------------------------------------------------------------------ float64

    def _weights_f64(self, L: _Layer, w: np.ndarray):
        W = np.where(L.widx >= 0, w[np.maximum(L.widx, 0)], 0.0)
        b = np.where(L.bidx >= 0, w[np.maximum(L.bidx, 0)], 0.0)
        return W, b

    def _forward_f64(self, w: np.ndarray, x: np.ndarray):
        O = np.zeros((self._n_nodes, x.shape[0]))
        O[: self.network.p] = x.T
        D1 = []
        for L in self._layers:
            W, b = self._weights_f64(L, w)
            Z = W @ O[L.srcs] + b[:, None]
            d1 = np.ones_like(Z)
            for act, rows in L.groups:
                if act is None:
                    O[L.nodes[rows]] = Z[rows]
                else:
                    val, der, _ = act.f64(Z[rows])
                    O[L.nodes[rows]] = val
                    d1[rows] = der
            D1.append(d1)
        return O, D1

    def predict_f64(self, w, x=None) -> np.ndarray:
        """Network outputs f_w(x) as an array (d, l); x defaults to the data."""
        w = self._check_w(w)
        O, _ = self._forward_f64(w, self._x if x is None else np.asarray(x, dtype=float))
        return O[self._out].T

    def value_f64(self, w) -> np.ndarray:
        """H(w) in float64, shape (l*d,)."""
        return (self.predict_f64(w) - self._y).reshape(-1)

    def jacobian_f64(self, w) -> np.ndarray:
        """J(w) = dH/dw in float64, shape (l*d, n), by reverse-mode differentiation."""
        w = self._check_w(w)
        O, D1 = self._forward_f64(w, self._x)
        d, n = self.d, self.n
        J = np.zeros((d, self.l, n))
        for k, out in enumerate(self._out):
            adjO = np.zeros_like(O)
            adjO[out] = 1.0
            JT = np.zeros((n, d))
            for L, d1 in zip(reversed(self._layers), reversed(D1)):
                adjZ = adjO[L.nodes] * d1
                if not adjZ.any():
                    continue
                W, _ = self._weights_f64(L, w)
                adjO[L.srcs] += W.T @ adjZ
                contrib = adjZ[L.e_rows] * O[L.srcs[L.e_cols]]
                JT += self._scatter(L, "w") @ contrib
                if (L.bidx >= 0).any():
                    JT += self._scatter(L, "b") @ adjZ
            J[:, k, :] = JT.T
        return J.reshape(self.m, n)

    def _scatter(self, L: _Layer, which: str):
        # Sparse 0/1 matrices that add per-entry contributions into parameter rows
        # (this is how shared labels accumulate their derivatives).
        if self._sparse is None:
            self._sparse = {}
        key = (id(L), which)
        if key not in self._sparse:
            import scipy.sparse as sp   # here, not at import: the small answers never need it (0.1 s)
            if which == "w":
                par, cols = L.e_par, np.arange(len(L.e_par))
                shape = (self.n, len(L.e_par))
            else:
                rows = np.nonzero(L.bidx >= 0)[0]
                par, cols, shape = L.bidx[rows], rows, (self.n, len(L.nodes))
            self._sparse[key] = sp.csr_matrix((np.ones(len(par)), (par, cols)), shape=shape)
        return self._sparse[key]

    def upstream_labels(self, k: int) -> set:
        """Parameter indices that output k depends on (edges and biases of its ancestors).

        Residual (i, k) has an identically zero derivative in every other parameter.
        """
        net, pidx = self.network, {lab: j for j, lab in enumerate(self.network.labels)}
        out = net.outputs[k]
        nodes = net.ancestors(out) | {out}
        labs = set()
        for v in nodes:
            if net.kind(v) != "input":
                labs.update(pidx[lab] for _, lab in net.in_edges(v))
                if net.bias(v) is not None:
                    labs.add(pidx[net.bias(v)])
        return labs

    def loss_f64(self, w) -> float:
        """L(w) = sum_r H_r(w)^2."""
        h = self.value_f64(w)
        return float(h @ h)

    def loss_hessian_f64(self, w) -> np.ndarray:
        """Full Hessian of L at w (small n): 2 J^T J + 2 sum_r H_r Hess H_r.

        The second-order term is the Hessian of phi(w) = sum_r h_r H_r(w) with h
        frozen at H(w); its column j is the forward-mode (tangent) derivative of
        phi's reverse-mode gradient along e_j. Exact derivatives of the float
        model, no finite differences; O(n) passes, so meant for n up to a few
        hundred.
        """
        w = self._check_w(w)
        J = self.jacobian_f64(w)
        h = self.value_f64(w)
        G = 2.0 * J.T @ J
        if not np.any(h):
            return G
        return G + 2.0 * self._second_order_term(w, h)

    def _second_order_term(self, w, h):
        n = self.n
        Hs = np.zeros((n, n))
        hmat = h.reshape(self.d, self.l)
        for j in range(n):
            Hs[:, j] = self._grad_phi_directional(w, hmat, j)
        return 0.5 * (Hs + Hs.T)

    def _grad_phi_directional(self, w, hmat, j):
        # Forward pass with tangents (value, dot) along e_j, then reverse pass on
        # phi = sum_i sum_k hmat[i,k] f_k(x_i) with tangent-carrying adjoints.
        x = self._x
        O = np.zeros((self._n_nodes, x.shape[0]))
        Od = np.zeros_like(O)
        O[: self.network.p] = x.T
        tape = []
        e = np.zeros(self.n)
        e[j] = 1.0
        for L in self._layers:
            W, b = self._weights_f64(L, w)
            Wd, bd = self._weights_f64(L, e)
            Z = W @ O[L.srcs] + b[:, None]
            Zd = Wd @ O[L.srcs] + W @ Od[L.srcs] + bd[:, None]
            d1 = np.ones_like(Z)
            d2 = np.zeros_like(Z)
            for act, rows in L.groups:
                if act is None:
                    O[L.nodes[rows]] = Z[rows]
                    Od[L.nodes[rows]] = Zd[rows]
                else:
                    val, der, der2 = act.f64(Z[rows])
                    O[L.nodes[rows]] = val
                    Od[L.nodes[rows]] = der * Zd[rows]
                    d1[rows], d2[rows] = der, der2
            tape.append((W, Wd, d1, d2, Zd))
        adjO = np.zeros_like(O)
        adjOd = np.zeros_like(O)
        adjO[self._out] = hmat.T
        g = np.zeros(self.n)
        for L, (W, Wd, d1, d2, Zd) in zip(reversed(self._layers), reversed(tape)):
            adjZ = adjO[L.nodes] * d1
            adjZd = adjOd[L.nodes] * d1 + adjO[L.nodes] * d2 * Zd
            adjO[L.srcs] += W.T @ adjZ
            adjOd[L.srcs] += Wd.T @ adjZ + W.T @ adjZd
            contrib_d = adjZd[L.e_rows] * O[L.srcs[L.e_cols]] + adjZ[L.e_rows] * Od[L.srcs[L.e_cols]]
            g += self._scatter(L, "w") @ contrib_d.sum(axis=1)
            if (L.bidx >= 0).any():
                g += self._scatter(L, "b") @ adjZd.sum(axis=1)
        return g

    def _check_w(self, w) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        if w.shape != (self.n,):
            raise InputError(f"a parameter vector needs {self.n} entries, got shape {w.shape}")
        return w

    # ---------------------------------------------------------- balls / exact

    def evaluate_ball(self, params, *, cols=None, rows=None, prec_bits: int = 128):
        """Enclose H (and optionally columns of J) over a box in Arb ball arithmetic.

        Parameters
        ----------
        params : sequence
            One entry per label (in ``network.labels`` order): ``fmpq``, int, or
            ``arb`` (a ball: the result encloses every point of the box).
        cols : sequence of int, optional
            Parameter indices whose Jacobian columns are wanted.
        rows : sequence of int, optional
            Residual indices whose Jacobian rows are kept (default: all).
        prec_bits : int
            Working precision.

        Returns
        -------
        H : list of arb, length l*d
        JS : arb_mat of shape (len(rows) or l*d, len(cols)), or None
        """
        if len(params) != self.n:
            raise InputError(f"a parameter vector needs {self.n} entries, got {len(params)}")
        with flint.ctx.workprec(prec_bits):
            vals = [v if isinstance(v, flint.arb) else flint.arb(v) for v in params]
            keys = [v.repr() if isinstance(v, flint.arb) else flint.fmpq(v) for v in params]
            return self._evaluate_generic(vals, keys, cols, flint.arb, flint.arb_mat, ("ball", prec_bits), rows)

    def evaluate_exact(self, params, *, cols=None):
        """H and columns of J exactly over Q; every activation must be a polynomial."""
        for act in self.network.activations():
            if not act.is_polynomial:
                raise InputError(f"exact evaluation needs polynomial activations, not {act.name}")
        vals = [flint.fmpq(v) if not isinstance(v, flint.fmpq) else v for v in params]
        return self._evaluate_generic(vals, vals, cols, flint.fmpq, flint.fmpq_mat, ("exact", 0))

    def _evaluate_generic(self, vals, keys, cols, scalar, mat, mode, keep_rows=None):
        # ``keys`` identify the parameter values exactly; a layer whose parameters
        # and predecessors are unchanged since the last call in this mode reuses
        # its results (e.g. the hidden layers while only output weights vary).
        d, p = self.d, self.network.p
        cache = self._cache.setdefault(mode, [])
        fresh = False
        zero, one = scalar(0), scalar(1)
        X = [[scalar(c) for c in row] for row in self.data.X]
        O = [None] * self._n_nodes          # each entry: list of d scalars
        for i in range(p):
            O[i] = [X[t][i] for t in range(d)]
        D1 = []
        wmats = []
        for t, L in enumerate(self._layers):
            lkey = tuple(keys[j] for j in L.used)
            if not fresh and t < len(cache) and cache[t][0] == lkey:
                _, outs, d1, Wm = cache[t]
                for gi, row in outs.items():
                    O[gi] = row
                D1.append(d1)
                wmats.append(Wm)
                continue
            fresh = True
            Wrows = [[vals[j] if j >= 0 else zero for j in row] + [vals[b] if b >= 0 else zero]
                     for row, b in zip(L.widx.tolist(), L.bidx.tolist())]
            Wm = mat(Wrows)
            Om = mat([O[s] for s in L.srcs.tolist()] + [[one] * d])
            Z = (Wm * Om).tolist()
            d1 = [None] * len(L.nodes)
            for act, rows in L.groups:
                for r in rows.tolist():
                    gi = int(L.nodes[r])
                    if act is None:
                        O[gi] = Z[r]
                    else:
                        f = act.ball if mode[0] == "ball" else act.exact
                        res = [f(z) for z in Z[r]]
                        O[gi] = [v for v, _, _ in res]
                        d1[r] = [g for _, g, _ in res]
            D1.append(d1)
            wmats.append(Wm)
            del cache[t:]
            cache.append((lkey, {int(gi): O[int(gi)] for gi in L.nodes}, d1, Wm))
        Y = self.data.Y
        H = [O[self._out[k]][i] - scalar(Y[i][k]) for i in range(d) for k in range(self.l)]
        if cols is None:
            return H, None
        cols = list(cols)
        where = {c: j for j, c in enumerate(cols)}
        JS = [[zero] * len(cols) for _ in range(self.m)]
        # Only sweep back as far as the earliest layer that holds a wanted label.
        first = next((t for t, L in enumerate(self._layers)
                      if any(int(q) in where for q in L.e_par) or any(int(q) in where for q in L.bidx)), None)
        if first is None:
            return H, mat([JS[r] for r in keep_rows] if keep_rows is not None else JS) if cols else None
        for k in range(self.l):
            adjO = {int(self._out[k]): [one] * d}
            for t in range(len(self._layers) - 1, first - 1, -1):
                L, d1 = self._layers[t], D1[t]
                adjZ = []
                for r, gi in enumerate(L.nodes.tolist()):
                    a = adjO.get(gi)
                    if a is None:
                        adjZ.append(None)
                    elif d1[r] is None:
                        adjZ.append(a)
                    else:
                        adjZ.append([x * y for x, y in zip(a, d1[r])])
                for r, c, q in zip(L.e_rows.tolist(), L.e_cols.tolist(), L.e_par.tolist()):
                    if q in where and adjZ[r] is not None:
                        src = O[int(L.srcs[c])]
                        jc = where[q]
                        for i in range(d):
                            JS[i * self.l + k][jc] += adjZ[r][i] * src[i]
                for r, q in enumerate(L.bidx.tolist()):
                    if q in where and adjZ[r] is not None:
                        jc = where[q]
                        for i in range(d):
                            JS[i * self.l + k][jc] += adjZ[r][i]
                if t > first:
                    live = [r for r in range(len(L.nodes)) if adjZ[r] is not None]
                    if not live:
                        break
                    Wt = mat([[wmats[t][r, c] for r in live] for c in range(len(L.srcs))])
                    A = mat([adjZ[r] for r in live])
                    back = (Wt * A).tolist()
                    for c, s in enumerate(L.srcs.tolist()):
                        if s < p:
                            continue
                        prev = adjO.get(s)
                        adjO[s] = back[c] if prev is None else [x + y for x, y in zip(prev, back[c])]
        return H, mat([JS[r] for r in keep_rows] if keep_rows is not None else JS)


def compile_system(network: Network, data: Dataset) -> ResidualSystem:
    """Compile (network, data) into the residual system H; see :class:`ResidualSystem`."""
    return ResidualSystem(network, data)
