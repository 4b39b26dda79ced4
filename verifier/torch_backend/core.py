r"""Torch backend: the Gram matrix K = J J^T of layered MLPs without forming J.

At a point of M = H^{-1}(0) the Hessian of L = sum_r H_r^2 is 2 J^T J; its
nonzero eigenvalues are those of 2 K with K = J J^T (m = l*d rows, point-major
r = i*l + k), and the other n - m eigenvalues are exactly 0 when J has full
row rank.

Structured Gram (derivation)
----------------------------
Layer k computes Z_k = A_{k-1} W_k^T + 1 b_k^T and A_k = sigma(Z_k) (the
output layer L+1 is linear). For residual row r = (i, o) (point i, output o)
let D_k[r, a] = d f_o(x_i) / d Z_k[i, a]. The chain rule gives

    dH_r / dW_k[a, b] = D_k[r, a] * A_{k-1}[i, b],     dH_r / db_k[a] = D_k[r, a],

so, for rows r = (i, o) and s = (j, o'),

    K[r, s] = sum_k sum_a D_k[r, a] D_k[s, a] * (sum_b A_{k-1}[i, b] A_{k-1}[j, b] + [bias])
            = sum_k (D_k D_k^T)[r, s] * (A_{k-1} A_{k-1}^T + 1_bias)[i, j].

D_{L+1}[(i, o), o''] = delta_{o o''}; D_k = (D_{k+1} W_{k+1}) * sigma'(Z_k) is the
batched backward pass (all l outputs at once). Cost: O(sum_k m^2 (w_k + w_{k-1}))
flops and O(m (w_k + w_{k-1})) memory per layer chunk; J (m x n) is never formed.
"""

from __future__ import annotations

import contextlib
import math
import os
from fractions import Fraction

import torch

from ..errors import InputError

U = 2.0 ** -53          # unit roundoff of IEEE binary64 (round to nearest)
ETA = 2.0 ** -1074      # smallest positive subnormal


# ---------------------------------------------------------------------------- thread pools


_THREADPOOL_CONTROLLER = None


def _threadpool_controller():
    """A cached ``threadpoolctl.ThreadpoolController`` (None when threadpoolctl is missing)."""
    global _THREADPOOL_CONTROLLER
    if _THREADPOOL_CONTROLLER is None:
        try:
            import numpy  # noqa: F401  (its BLAS must be loaded before the controller looks)
            from threadpoolctl import ThreadpoolController
        except ImportError:         # optional at run time: then pinning does nothing
            _THREADPOOL_CONTROLLER = False
        else:
            _THREADPOOL_CONTROLLER = ThreadpoolController()
    return _THREADPOOL_CONTROLLER or None


@contextlib.contextmanager
def pinned_threads(*, blas: int | None = 1, torch_threads: int | None = None):
    """Pin the thread pools of one phase, restoring them afterwards.

    torch (OpenMP + statically linked MKL) and numpy (its own OpenBLAS) each start
    one thread per core and spin-wait after a call; on a small machine the two pools
    oversubscribe the cores when their calls alternate (``benchmarks/bench_threads.py``).
    ``blas`` limits numpy's BLAS (``threadpoolctl``, ``user_api="blas"``; torch's MKL
    is invisible to it, so torch keeps its threads) around torch-heavy phases;
    ``torch_threads`` limits torch's intra-op pool (around numpy-heavy phases).
    ``None`` leaves a pool alone. Without threadpoolctl the BLAS limit is skipped;
    ``VERIFIER_PIN_THREADS=0`` in the environment disables both.
    """
    if os.environ.get("VERIFIER_PIN_THREADS", "1").strip() in ("0", "no", "false", "off"):
        yield
        return
    with contextlib.ExitStack() as stack:
        ctl = _threadpool_controller() if blas is not None else None
        if ctl is not None:
            stack.enter_context(ctl.limit(limits=int(blas), user_api="blas"))
        if torch_threads is not None:
            before = torch.get_num_threads()
            torch.set_num_threads(int(torch_threads))
            stack.callback(torch.set_num_threads, before)
        yield


# ---------------------------------------------------------------------------- activations


def torch_activation(act):
    """``(sigma, dsigma)`` as torch functions for a :class:`verifier.activations.Activation`.

    Both are NaN-free in value and (autograd) gradient for finite inputs; ``act``
    None means linear (output nodes).
    """
    if act is None:
        return (lambda t: t), (lambda t: torch.ones_like(t))
    coeffs = act.coefficients()
    if coeffs is not None:
        c = [float(x) for x in coeffs]
        dc = [k * c[k] for k in range(1, len(c))] or [0.0]

        def horner(cs):
            def f(t):
                v = torch.full_like(t, cs[-1])
                for ck in cs[-2::-1]:
                    v = v * t + ck
                return v
            return f
        return horner(c), horner(dc)
    name = act.name
    if name == "smoolu":
        return smoolu, _dsmoolu
    if name == "softplus":
        return (lambda t: torch.logaddexp(torch.zeros_like(t), t)), torch.sigmoid
    if name == "sigmoid":
        return torch.sigmoid, (lambda t: torch.sigmoid(t) * torch.sigmoid(-t))
    if name == "tanh":
        def dtanh(t):
            # sech^2 without the cancellation of 1 - tanh^2 for large |t|
            e = torch.exp(-2.0 * t.abs())
            return 4.0 * e / ((1.0 + e) * (1.0 + e))
        return torch.tanh, dtanh
    raise InputError(f"the torch backend does not know activation {name!r}")


# Below t = 1e-3, t*exp(-1/t) and its derivatives are < exp(-990), i.e. exactly 0 in
# float64; clamping there keeps 1/t finite so neither value nor gradient is NaN.
_SMOOLU_FLOOR = 1e-3


def smoolu(t):
    pos = t > _SMOOLU_FLOOR
    tq = torch.clamp(t, min=_SMOOLU_FLOOR)
    return torch.where(pos, tq * torch.exp(-1.0 / tq), torch.zeros_like(t))


def _dsmoolu(t):
    pos = t > _SMOOLU_FLOOR
    tq = torch.clamp(t, min=_SMOOLU_FLOOR)
    u = 1.0 / tq
    return torch.where(pos, torch.exp(-u) * (1.0 + u), torch.zeros_like(t))


# ---------------------------------------------------------------------------- helpers


def _as_tensor(x, dtype, device):
    if isinstance(x, torch.Tensor):
        return x.to(dtype=dtype, device=device)
    return torch.as_tensor(x, dtype=dtype, device=device)


def _labels_index(net):
    return {lab: j for j, lab in enumerate(net.labels)}


class ModelBase:
    """Shared by :class:`TorchMLP` and :class:`GenericModel`: residual, explicit J and K."""

    def _t(self, x):
        return _as_tensor(x, self.dtype, self.device)

    def residual(self, w, X, Y):
        """H(w) = (f_w(x_i) - y_i), point-major, shape (l*d,)."""
        Y = self._t(Y).reshape(-1, self.l)
        return (self.predict(self._t(w), self._t(X)) - Y).reshape(-1)

    def jacobian_explicit(self, w, X):
        """J = dH/dw (l*d x n) by torch.func.jacrev; for small problems and tests."""
        w, X = self._t(w), self._t(X)
        return torch.func.jacrev(lambda v: self.predict(v, X).reshape(-1))(w)

    def gram_explicit(self, w, X):
        """K = J J^T from the explicit Jacobian (small problems, any architecture)."""
        J = self.jacobian_explicit(w, X)
        return J @ J.T

    def vjp(self, w, X, v):
        """J^T v by one reverse pass (J never formed)."""
        w = self._t(w).detach().requires_grad_(True)
        out = self.predict(w, self._t(X)).reshape(-1)
        (g,) = torch.autograd.grad(out, w, grad_outputs=self._t(v))
        return g


# ---------------------------------------------------------------------------- generic DAG


class GenericModel(ModelBase):
    """Any verifier Network as a torch function of the flat parameter vector.

    Walks topological generations; every edge and bias reads ``w[label index]``,
    so shared labels (weight sharing) are one parameter and autograd sums their
    contributions.
    """

    def __init__(self, net, dtype=torch.float64, device="cpu"):
        self.net, self.dtype, self.device = net, dtype, device
        self.n, self.p, self.l = net.n, net.p, net.l
        index = net.node_index()
        self._index = index
        plan = []
        for layer in net.dense_layers():
            widx = torch.from_numpy(layer.widx)
            bidx = torch.from_numpy(layer.bidx)
            acts = [(torch_activation(a)[0], torch.from_numpy(rs)) for a, rs in layer.act_rows]
            plan.append(([index[v] for v in layer.nodes], [index[u] for u in layer.srcs], widx, bidx, acts))
        self._plan = plan
        self._out = [index[v] for v in net.outputs]

    def predict(self, w, X):
        """Network outputs, shape (d, l)."""
        vals = {i: X[:, i] for i in range(self.p)}
        zero = torch.zeros((), dtype=w.dtype, device=w.device)
        for nodes, srcs, widx, bidx, acts in self._plan:
            W = torch.where(widx >= 0, w[widx.clamp(min=0)], zero)
            b = torch.where(bidx >= 0, w[bidx.clamp(min=0)], zero)
            Z = torch.stack([vals[s] for s in srcs], dim=1) @ W.T + b
            out = torch.empty_like(Z)
            for f, rows in acts:
                out[:, rows] = f(Z[:, rows])
            for c, v in enumerate(nodes):
                vals[v] = out[:, c]
        return torch.stack([vals[o] for o in self._out], dim=1)

    gram = ModelBase.gram_explicit


def generic_residual_fn(net, dtype=torch.float64, device="cpu"):
    """A torch function ``H(w, X, Y)`` (point-major) for any verifier Network."""
    model = GenericModel(net, dtype=dtype, device=device)
    return model.residual


# ---------------------------------------------------------------------------- layered MLP


class TorchMLP(ModelBase):
    """A layered MLP read from a verifier Network; structured Gram matrix and friends.

    Attributes
    ----------
    widths : list of int
        ``[p, w_1, ..., w_L, l]``.
    widx, bidx : list of torch.LongTensor
        Per layer k = 1..L+1: index into the flat parameter vector (``net.labels``
        order) of each entry of W_k (w_k x w_{k-1}) and of b_k (None without bias).
    """

    def __init__(self, net, widths, widx, bidx, acts, dtype, device, *, n=None, p=None, l=None):  # noqa: E741
        self.net, self.widths, self.widx, self.bidx = net, widths, widx, bidx
        self.dtype, self.device = dtype, device
        if net is not None:
            n, p, l = net.n, net.p, net.l
        self.n, self.p, self.l = n, p, l
        self.act_specs = list(acts)
        self.acts = [torch_activation(a) for a in acts]   # per hidden layer
        if str(device) != "cpu":
            self.widx = [Wi.to(device) for Wi in widx]
            self.bidx = [None if bi is None else bi.to(device) for bi in bidx]
        self.n_layers = len(widx)

    @classmethod
    def from_network(cls, net, dtype=torch.float64, device="cpu"):
        """Detect the layered structure of ``net`` (as built by ``verifier.network.mlp``).

        Raises
        ------
        InputError
            If the network is not a plain layered MLP: a node that does not read
            every node of the previous generation, a repeated label (weight
            sharing), mixed biases or activations within a layer.
        """
        gens = net.generations()
        index = {v: i for i, v in enumerate(list(net.inputs) + list(net.order))}
        if set(gens[0]) != set(net.inputs):
            raise InputError("not a layered MLP: some input is not in the first generation")
        if set(gens[-1]) != set(net.outputs):
            raise InputError("not a layered MLP: the outputs are not exactly the last generation")
        occurrences = sum(len(net.in_edges(v)) + (net.bias(v) is not None) for v in net.order)
        if occurrences != net.n:
            raise InputError("not a layered MLP: some label is used more than once (weight sharing); "
                             "use GenericModel")
        pidx = _labels_index(net)
        prev = list(net.inputs)
        widths, widx, bidx, acts = [len(prev)], [], [], []
        for k, gen in enumerate(gens[1:], start=1):
            last = k == len(gens) - 1
            layer = list(net.outputs) if last else sorted(gen, key=index.__getitem__)
            pos = {u: c for c, u in enumerate(prev)}
            W = torch.empty((len(layer), len(prev)), dtype=torch.long)
            has_b = [net.bias(v) is not None for v in layer]
            if any(has_b) and not all(has_b):
                raise InputError(f"not a layered MLP: layer {k} mixes nodes with and without bias")
            for j, v in enumerate(layer):
                edges = net.in_edges(v)
                if len(edges) != len(prev) or {u for u, _ in edges} != set(prev):
                    raise InputError(f"not a layered MLP: node {v!r} does not read every node of layer {k - 1}")
                for u, lab in edges:
                    W[j, pos[u]] = pidx[lab]
            widx.append(W)
            bidx.append(torch.tensor([pidx[net.bias(v)] for v in layer]) if all(has_b) else None)
            if not last:
                la = {net.node_activation(v) for v in layer}
                if len(la) != 1:
                    raise InputError(f"not a layered MLP: layer {k} mixes activations")
                acts.append(la.pop())
            widths.append(len(layer))
            prev = layer
        return cls(net, widths, widx, bidx, acts, dtype, device)

    # -- parameters <-> layers
    def weights(self, w):
        """``[(W_k, b_k or None)]`` for k = 1..L+1, gathered from the flat ``w``."""
        return [(w[Wi], None if bi is None else w[bi]) for Wi, bi in zip(self.widx, self.bidx)]

    def flatten(self, layers):
        """Inverse of :meth:`weights`: the flat vector in ``net.labels`` order."""
        w = torch.empty(self.n, dtype=self.dtype, device=self.device)
        for (W, b), Wi, bi in zip(layers, self.widx, self.bidx):
            w[Wi.reshape(-1)] = W.reshape(-1).to(w)
            if bi is not None:
                w[bi] = b.to(w)
        return w

    def predict(self, w, X):
        """Network outputs, shape (d, l)."""
        A = X
        for k, (W, b) in enumerate(self.weights(w)):
            Z = A @ W.T
            if b is not None:
                Z = Z + b
            A = self.acts[k][0](Z) if k < self.n_layers - 1 else Z
        return A

    def _forward_pre(self, layers, X):
        # Pre-activations Z_1..Z_L of the hidden layers (the only state the Gram needs).
        Zs, A = [], X
        for k in range(self.n_layers - 1):
            W, b = layers[k]
            Z = A @ W.T
            if b is not None:
                Z = Z + b
            Zs.append(Z)
            A = self.acts[k][0](Z)
        return Zs

    @torch.no_grad()
    @pinned_threads(blas=1)
    def gram_structured(self, w, X, *, chunk=4096, with_abs=False):
        """K = J J^T by the layer formula (module docstring); J is never formed.

        Parameters
        ----------
        w : tensor (n,)
        X : tensor (d, p)
        chunk : int
            Columns of a layer processed at once (bounds memory at O(l d chunk)).
        with_abs : bool
            Also return ``Kabs = sum_k (|D_k||D_k|^T) * (|A_{k-1}||A_{k-1}|^T + 1)``,
            ``m``, the largest number of roundings any term of any K entry passes
            through, and ``underflow``, a bound on the absolute error per entry from
            gradual underflow (for :func:`certify_gram_pd`'s a-priori error bound).

        Returns
        -------
        K : tensor (l*d, l*d), or ``(K, Kabs, m, underflow)`` when ``with_abs``.
        """
        w, X = self._t(w), self._t(X)
        d, l, L1 = X.shape[0], self.l, self.n_layers
        layers = self.weights(w)
        Zs = self._forward_pre(layers, X)
        m_rows = d * l
        K = torch.zeros((d, l, d, l), dtype=self.dtype, device=self.device)
        Ka = torch.zeros_like(K) if with_abs else None
        m_round, ufl = 0, 0.0
        # G holds D_{k+1} as (d*l, w_{k+1}); for the output layer it is e_o per row (i, o).
        G = torch.eye(l, dtype=self.dtype, device=self.device).repeat(d, 1)
        for k in range(L1, 0, -1):               # layer k reads A_{k-1}
            W, b = layers[k - 1]
            wk, wprev = W.shape
            # Q = A_{k-1} A_{k-1}^T (+1), accumulated over column chunks of A_{k-1}
            Q = torch.zeros((d, d), dtype=self.dtype, device=self.device)
            Qa = torch.zeros_like(Q) if with_abs else None
            for c0 in range(0, wprev, chunk):
                Ac = X[:, c0:c0 + chunk] if k == 1 else self.acts[k - 2][0](Zs[k - 2][:, c0:c0 + chunk])
                Q += Ac @ Ac.T
                if with_abs:
                    Aa = Ac.abs()
                    Qa += Aa @ Aa.T
            if b is not None:
                Q += 1.0
                if with_abs:
                    Qa += 1.0
            # P = D_k D_k^T with D_k = G (the derivative w.r.t. Z_k); next G = (D_k W_k) * sigma'(Z_{k-1})
            if k == L1:
                # output layer: D D^T[(i,o),(j,o')] = delta_{o o'}
                eye = torch.eye(l, dtype=self.dtype, device=self.device)
                K += Q[:, None, :, None] * eye[None, :, None, :]
                if with_abs:
                    Ka += Qa[:, None, :, None] * eye[None, :, None, :]
                pmax = 1.0
                Gnext_pre = G @ W                       # (d*l, w_{k-1}) = D_L before sigma'
            else:
                P = torch.zeros((m_rows, m_rows), dtype=self.dtype, device=self.device)
                Pa = torch.zeros_like(P) if with_abs else None
                Gnext_pre = torch.zeros((m_rows, wprev), dtype=self.dtype, device=self.device) if k > 1 else None
                for c0 in range(0, wk, chunk):
                    Gc = G[:, c0:c0 + chunk]
                    P += Gc @ Gc.T
                    if with_abs:
                        Ga = Gc.abs()
                        Pa += Ga @ Ga.T
                    if k > 1:
                        Gnext_pre += Gc @ W[c0:c0 + chunk]
                K += P.view(d, l, d, l) * Q[:, None, :, None]
                if with_abs:
                    Ka += Pa.view(d, l, d, l) * Qa[:, None, :, None]
                pmax = float(Pa.abs().max()) if with_abs else 0.0
                del P, Pa
            # roundings per term: the D-Gram sum (w_k), the A-Gram sum and +1 (w_{k-1}+1),
            # the entrywise product (1), the accumulation over layers (L+1)
            m_round = max(m_round, wk + wprev + 2 + L1)
            if with_abs:
                # gradual underflow: each product may add an absolute error <= eta/2, later
                # multiplied by at most the other factor's magnitude (factor 2 for its rounding)
                ufl += 2.0 * ETA * (wk * (float(Qa.max()) + 1.0) + wprev * pmax + 1.0)
            if k > 1:
                dsig = self.acts[k - 2][1](Zs[k - 2])   # (d, w_{k-1})
                G = (Gnext_pre.view(d, l, wprev) * dsig[:, None, :]).reshape(m_rows, wprev)
                del Gnext_pre
        K = K.reshape(m_rows, m_rows)
        if with_abs:
            return K, Ka.reshape(m_rows, m_rows), m_round, ufl
        return K

    def gram(self, w, X):
        return self.gram_structured(w, X)


def model_from_network(net, dtype=torch.float64, device="cpu"):
    """A :class:`TorchMLP` when ``net`` is a layered MLP, else a :class:`GenericModel`."""
    try:
        return TorchMLP.from_network(net, dtype=dtype, device=device)
    except InputError:
        return GenericModel(net, dtype=dtype, device=device)


# ---------------------------------------------------------------------------- Gauss-Newton


@pinned_threads(blas=1)
def gauss_newton_to_M(model, w, X, Y, steps=20, tol=1e-12):
    """Least-norm Gauss-Newton towards M = {H = 0}: ``w <- w - J^T K^{-1} H(w)``.

    K comes from ``model.gram`` (structured for :class:`TorchMLP`), ``J^T v`` from one
    vector-Jacobian product; J is never formed. Converges quadratically near M when
    J has full row rank.

    Returns
    -------
    w : tensor (n,)
    history : list of float
        ``max|H|`` before each step and at the end.
    """
    w, X, Y = model._t(w).clone(), model._t(X), model._t(Y)
    hist = []
    for _ in range(steps):
        with torch.no_grad():
            h = model.residual(w, X, Y)
        hist.append(float(h.abs().max()))
        if hist[-1] <= tol:
            return w, hist
        K = model.gram(w, X)
        Lc, info = torch.linalg.cholesky_ex(K)
        if int(info) == 0:
            v = torch.cholesky_solve(h[:, None], Lc)[:, 0]
        else:   # rank-deficient K: least-squares solve
            v = torch.linalg.lstsq(K, h[:, None]).solution[:, 0]
        w = w - model.vjp(w, X, v)
    with torch.no_grad():
        hist.append(float(model.residual(w, X, Y).abs().max()))
    return w, hist


# ---------------------------------------------------------------------------- spectrum


def hessian_spectrum_at_M(K, n=None):
    """The l*d nonzero Hessian eigenvalues at a point of M: eigenvalues of 2K.

    Returns
    -------
    dict
        ``eigenvalues`` (ascending tensor of 2K's eigenvalues), ``n_zero`` (``n - l*d``
        when ``n`` is given: at a point of M, Hess L = 2 J^T J has exactly these
        further eigenvalues equal to 0, since J^T J and J J^T share their nonzero
        spectrum and rank J^T J <= l*d) and ``statement``.
    """
    ev = torch.linalg.eigvalsh(2.0 * K)
    m = K.shape[0]
    out = {"eigenvalues": ev, "n_zero": None if n is None else n - m,
           "statement": "at a point of M, Hess L = 2 J^T J: its nonzero eigenvalues are those of 2 J J^T "
                        f"(the {m} listed, all > 0 iff J has full row rank) and the remaining "
                        + ("n - l*d" if n is None else str(n - m)) + " are exactly 0"}
    return out


# ---------------------------------------------------------------------------- PD certificate


def _round_up(q: Fraction) -> float:
    """The smallest float >= the rational q."""
    f = float(q)
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


def _sub_down(a: float, c: float) -> float:
    """The largest float <= a - c (exact check with rationals)."""
    f = a - c
    return f if Fraction(f) <= Fraction(a) - Fraction(c) else math.nextafter(f, -math.inf)


def _gamma(k: int) -> Fraction:
    ku = Fraction(k) * Fraction(U)
    if ku >= 1:
        raise InputError(f"error bound undefined: k u >= 1 for k = {k}")
    return ku / (1 - ku)


def _rump_shift(diag, n: int, M: float) -> float:
    # Rump (2006), "Verification of positive definiteness", BIT 46:433-452 (as in INTLAB's
    # isspd, pure floating-point branch): for a dense symmetric A in F^{n x n}, alpha_j =
    # (t_j + 3) u with t_j = j (0-based; the number of entries left of the diagonal)
    # bounds gamma_{t_j+2}/(1-gamma_{t_j+2}) for n < 67108861; with
    #   c >= sum_j alpha_j a_jj + M + 6 n (n + max a_jj) eta,
    # where M >= ||rad||_2 of an interval around A, success of the floating-point
    # Cholesky of fl_down(A - c I) proves every symmetric matrix in [A - rad, A + rad]
    # positive definite. Computed exactly in rationals, then rounded up.
    if n >= 67108861:
        raise InputError("certify_gram_pd: n too large for the alpha_j bound")
    s = sum((Fraction(j + 3) * Fraction(U) * Fraction(a) for j, a in enumerate(diag)), Fraction(0))
    s += Fraction(M) + 6 * n * (n + Fraction(max(diag))) * Fraction(ETA)
    return _round_up(s)


def _chol_ok(Kf, diag_new):
    B = Kf.clone()
    B.diagonal().copy_(torch.tensor(diag_new, dtype=Kf.dtype))
    _, info = torch.linalg.cholesky_ex(B)
    return int(info) == 0


def certify_gram_pd(K, *, Kabs=None, m=None, underflow=0.0, entry_error=None, lambda_hint=None, tries=6):
    """Floating-point proof that a Gram matrix is positive definite, with a lower bound on lambda_min.

    Parameters
    ----------
    K : tensor (N, N) or callable
        The computed (float64) Gram matrix, or a callable returning ``(K, Kabs, m, underflow)``
        (e.g. ``lambda: model.gram_structured(w, X, with_abs=True)``).
    Kabs, m, underflow : tensor, int, float, optional
        From :meth:`TorchMLP.gram_structured` with ``with_abs=True``: the a-priori
        forming error is bounded entrywise by ``2 gamma_m Kabs + underflow``.
    entry_error : tensor or float, optional
        Instead of ``Kabs, m``: any entrywise bound on ``|K - K_true|``. When both are
        absent, K itself is the matrix certified (error 0).
    lambda_hint : float, optional
        An estimate of lambda_min(K) (default: from eigvalsh); only steers the search.

    Returns
    -------
    dict
        ``positive_definite`` (True only with a proof), ``lambda_min_lower`` (a lower
        bound on lambda_min(K_true) when proved, else None), ``error_norm_bound``
        (bound on ||K - K_true||_2), ``shift``, ``assumptions``, ``tier``.
    """
    if callable(K):
        K, Kabs, m, underflow = K()
    K = K.detach().to(torch.float64).cpu()
    N = K.shape[0]
    from ..checker.float.tier import PD_ASSUMPTIONS, PD_ENTRY, PD_EXACT, PD_FORMING, PD_SYMMETRIC
    assumptions = list(PD_ASSUMPTIONS)
    if not torch.equal(K, K.T):
        K = 0.5 * (K + K.T)   # averaging two floats can round: recorded as an assumption below
        assumptions.append(PD_SYMMETRIC)
    # ||E||_2 <= max row sum of an entrywise bound on |E| (E symmetric).
    if Kabs is not None:
        g = _gamma(int(m))
        Ka = Kabs.detach().to(torch.float64).cpu()
        # computed row sums of nonnegative floats under-estimate by at most gamma_N; the
        # computed Kabs under-estimates the exact one by at most gamma_m: factor 2 covers both
        # (gamma_m, gamma_N < 1/4 here) and is stated.
        if g > Fraction(1, 8) or _gamma(N) > Fraction(1, 8):
            raise InputError("certify_gram_pd: problem too large for the a-priori bound")
        rs = float(Ka.sum(dim=1).max())
        M = _round_up(2 * g * Fraction(rs) + 2 * Fraction(N) * (Fraction(underflow) + Fraction(ETA)))
        assumptions.append(PD_FORMING.format(m=m))
    elif entry_error is not None:
        E = entry_error if not isinstance(entry_error, torch.Tensor) else entry_error.to(torch.float64).cpu()
        rs = float(E) * N if not isinstance(E, torch.Tensor) else float(E.sum(dim=1).max())
        M = _round_up(2 * Fraction(rs))
        assumptions.append(PD_ENTRY)
    else:
        M = 0.0
        assumptions.append(PD_EXACT)
    diag = K.diagonal().tolist()
    result = {"positive_definite": False, "lambda_min_lower": None, "error_norm_bound": M,
              "shift": None, "assumptions": assumptions, "tier": "floating-point with error bounds", "n": N}
    if min(diag) <= M or not all(math.isfinite(x) for x in diag):
        result["reason"] = "a diagonal entry is not provably positive"
        return result
    if lambda_hint is None:
        lambda_hint = float(torch.linalg.eigvalsh(K)[0])
    c0 = _rump_shift(diag, N, M)
    # Try sigma (the claimed lower bound) from near the estimate down to 0: certify A1 - c I where
    # A1 = K with diagonal fl_down(K_jj - sigma) <= K - sigma I; then lambda_min(K_true) > sigma.
    sigmas = []
    s = (lambda_hint - c0) * 0.9
    for _ in range(tries):
        if s > 0:
            sigmas.append(s)
        s *= 0.25
    sigmas.append(0.0)
    for sigma in sigmas:
        d1 = [_sub_down(a, sigma) for a in diag]
        c = _rump_shift(d1, N, M)
        d2 = [_sub_down(a, c) for a in d1]
        if min(d1) <= 0:
            continue
        if _chol_ok(K, d2):
            result.update(positive_definite=True, lambda_min_lower=sigma, shift=c)
            return result
    result["reason"] = "the shifted floating-point Cholesky failed"
    return result


# ---------------------------------------------------------------------------- spectral norms

SPECTRAL_MAX_SIDE = 8192    # beyond this min(out, in) only the cheap norm bound is used
_NORM_SAFETY = 1.0 + 1e-9   # relative margin on float64 norms (as the Kantorovich SAFETY)


def spectral_norm_cheap(W) -> float:
    """min(||W||_F, sqrt(||W||_1 ||W||_inf)) with a relative margin: an upper bound on ||W||_2."""
    W = torch.as_tensor(W, dtype=torch.float64)
    Wa = W.abs()
    fro = float(torch.linalg.vector_norm(W))
    n1 = float(Wa.sum(dim=0).max()) if W.numel() else 0.0
    ninf = float(Wa.sum(dim=1).max()) if W.numel() else 0.0
    return min(fro, math.sqrt(n1 * ninf)) * _NORM_SAFETY * _NORM_SAFETY


def _spectral_estimate(G, iters=200):
    """lambda_max of the PSD matrix G: eigvalsh up to 2048 rows, else power iteration (an estimate)."""
    s = G.shape[0]
    if s <= 2048:
        return float(torch.linalg.eigvalsh(G)[-1])
    gen = torch.Generator().manual_seed(0)
    v = torch.randn(s, dtype=G.dtype, generator=gen)
    lam = 0.0
    for _ in range(iters):
        u = G @ v
        nu = float(torch.linalg.vector_norm(u))
        if not nu > 0:
            return 0.0
        lam, v = float(v @ u), u / nu
    return lam


@pinned_threads(blas=1)
def spectral_norm_upper(W, *, margins=(1e-6, 1e-3, 3e-2, 0.3)) -> float:
    """An upper bound t >= ||W||_2 (floating-point tier): the cheap norm bound or a Rump-style proof.

    With G = W W^T (or W^T W, the smaller side s; forming error <= gamma_k |W||W|^T
    entrywise, k the inner dimension, so ||G - G_true||_2 <= M = 2 gamma_k max row sum
    of |W||W|^T + 2 s k eta), a trial T = t^2 above the estimated lambda_max(G) is
    proven by Rump's positive-definiteness test of T I - G (diagonal rounded down, shift
    c for the Cholesky's rounding, as in :func:`certify_gram_pd`): then
    lambda_max(G_true) < T and ||W||_2 < t. Returns the smaller of t and the cheap bound
    min(||W||_F, sqrt(||W||_1 ||W||_inf)); O(s^2 k + s^3) flops, s^2 <= out * in.
    """
    W = torch.as_tensor(W, dtype=torch.float64).cpu()
    cheap = spectral_norm_cheap(W)
    out, inn = W.shape
    s, k = min(out, inn), max(out, inn)
    if s == 0 or cheap == 0.0 or s > SPECTRAL_MAX_SIDE or k * U >= 0.125:
        return cheap
    Wa = W.abs()
    if out <= inn:
        G, rows = W @ W.T, Wa @ (Wa.T @ torch.ones(out, dtype=W.dtype))
    else:
        G, rows = W.T @ W, Wa.T @ (Wa @ torch.ones(inn, dtype=W.dtype))
    G = torch.tril(G) + torch.tril(G, -1).T     # exactly symmetric: the lower triangle, mirrored
    M = _round_up(2 * _gamma(k) * Fraction(float(rows.max())) + 2 * s * k * Fraction(ETA))
    lam = _spectral_estimate(G)
    if not math.isfinite(lam) or not math.isfinite(M):
        return cheap
    gdiag = G.diagonal().tolist()
    for mg in margins:
        t = math.nextafter(math.sqrt(max(lam, 0.0) * (1.0 + mg) + 4.0 * M), math.inf)
        if t >= cheap:
            break
        T = t * t
        if Fraction(T) > Fraction(t) ** 2:
            T = math.nextafter(T, 0.0)
        d1 = [_sub_down(T, g) for g in gdiag]
        if min(d1) <= 0:
            continue
        c = _rump_shift(d1, s, M)
        d2 = [_sub_down(a, c) for a in d1]
        if min(d2) > 0 and _chol_ok(-G, d2):
            return t
    return cheap


def forward_norms(model, w, X, chunk=4096):
    """``(anorm, zabs)`` of :func:`lipschitz_data` by the torch forward pass of a TorchMLP.

    Column chunks keep the temporaries at O(d * chunk); only the pre-activations of one
    layer and the activations feeding the next are held in full.
    """
    w, X = model._t(w), model._t(X)
    anorm, zabs, A = [], [], X
    layers = model.weights(w)
    for k in range(model.n_layers - 1):
        W, b = layers[k]
        Z = A @ W.T
        if b is not None:
            Z = Z + b
        f = model.acts[k][0]
        last = k == model.n_layers - 2
        za = torch.zeros(Z.shape[0], dtype=Z.dtype, device=Z.device)
        a2 = torch.zeros_like(za)
        A = None if last else torch.empty_like(Z)
        for c0 in range(0, Z.shape[1], chunk):
            Zc = Z[:, c0:c0 + chunk]
            za = torch.maximum(za, Zc.abs().amax(dim=1))
            Ac = f(Zc)
            a2 += (Ac * Ac).sum(dim=1)
            if A is not None:
                A[:, c0:c0 + chunk] = Ac
        del Z
        zabs.append(za.cpu().numpy())
        anorm.append(torch.sqrt(a2).cpu().numpy())
    return anorm, zabs
