r"""Cooper's Theorems 2.1 and 2.3 at scale, in the floating-point tier.

Pipeline for a layered MLP (model document, canonical weights ``w0``, data X, Y):

1. hypotheses: distinct inputs (exact float comparison), smooth activations, n > l*d;
2. optionally an optimiser (Adam, SGD or L-BFGS) on L = sum_r H_r^2, then least-norm
   Gauss-Newton ``w <- w - J^T K^{-1} H`` (J never formed);
3. ``rank-J-float``: K = J J^T by the structured formula and a Rump-style proof that
   K is positive definite with lambda_min(K) >= sigma (:func:`core.certify_gram_pd`);
4. ``zero-float``: a Newton-Kantorovich bound that a true zero w* of H lies within
   rho of the computed point (below), for layered MLPs of any depth;
5. ``manifold-float`` and ``hessian-signature-float``: rank J(w*) = l*d, so M is a
   smooth (n - l*d)-manifold near w*, and Hess L(w*) = 2 J*^T J* has l*d positive
   eigenvalues (each >= the stated bound) and n - l*d zeros; the l*d eigenvalues of
   2K at the computed point are listed.

Newton-Kantorovich on the range of J0^T
---------------------------------------
Let J0 = J(w0), K0 = J0 J0^T with lambda_min(K0) >= sigma and lambda_max(K0) <= Lam.
G(y) = H(w0 + J0^T y) is a square map R^m -> R^m with G'(0) = K0, so
||G'(0)^{-1}|| <= beta = 1/sigma and ||G'(0)^{-1} G(0)|| <= eta = ||H(w0)||_2 / sigma.
If J is gamma_J-Lipschitz (spectral norm) on the ball of radius rho = sqrt(Lam) * 2 eta
around w0, then G' is (gamma_J Lam)-Lipschitz on the ball of radius 2 eta, and
Kantorovich's theorem (Ortega-Rheinboldt 12.6.2) with h = beta * gamma_J * Lam * eta <= 1/2
gives a zero y* with ||y*|| <= (1 - sqrt(1 - 2h)) / (beta gamma_J Lam) <= 2 eta; so
w* = w0 + J0^T y* is a zero of H with ||w* - w0|| <= rho. Then
sigma_min(J(w*)) >= sqrt(sigma) - gamma_J rho. The certificate applies this with
eta' = 4 eta (any upper bound on eta serves), so that the checker's own float64 ||H||
may exceed this one by up to 4x and its rho, gamma_J and h still stay below the stated ones.

Lipschitz constant of J (layered MLPs of any depth)
-------------------------------------------------
a_0 = x, z_k = W_k a_{k-1} + b_k, a_k = s_k(z_k) (k = 1..L), f = z_{L+1}. Along a unit
direction delta = (dW_k, db_k)_k, e_k = ||(dW_k, db_k)||_F (sum e_k^2 <= 1), at any w of
the ball ||w - w0|| <= rho, per sample (' = d/dt):
z_k' = dW_k a_{k-1} + db_k + W_k a_{k-1}',  a_k' = s'(z_k) z_k',
z_k'' = 2 dW_k a_{k-1}' + W_k a_{k-1}'',    a_k'' = s''(z_k) z_k'^2 + s'(z_k) z_k''.
Bounds valid on the whole ball (from the forward pass at w0):
  xi_{k-1} >= ||(a_{k-1}, [bias_k])|| with ||a_k|| <= ||a_k(w0)|| + Delta_k (and <= sqrt(w_k) for
  tanh/sigmoid), ||z_k - z_k(w0)|| <= zeta_k = rho xi_{k-1} + ||W_k(w0)||_2 Delta_{k-1},
  Delta_k = S1_k zeta_k, Delta_0 = 0; S1_k, S2_k bound |s_k'|, |s_k''| on |z| <= max_j |z_kj(w0)|
  + zeta_k (global constants for tanh, sigmoid, softplus, smoolu; per sample for polynomials);
  omega_k = ||W_k(w0)||_2 + rho (a proven upper bound, :func:`core.spectral_norm_upper`),
  kappa_k = max column norm of W_k(w0) + rho, so ||W_k y|| <= kappa_k ||y||_1.
Then ||z_k'|| <= v_k(e), linear in e with coefficient norm N_k, and ||z_k''|| <= r_k:
  N_1 = xi_0, N_k^2 = xi_{k-1}^2 + (omega_k S1_{k-1} N_{k-1})^2, r_1 = 0,
  r_k = S1_{k-1} N_{k-1} + kappa_k S2_{k-1} N_{k-1}^2 + omega_k S1_{k-1} r_{k-1}
(the first term is max 2 e_k S1_{k-1} v_{k-1}(e) over unit e, v_{k-1} not involving e_k; the
second bounds W_k (s'' z'^2) through ||s'' z'^2||_1 <= S2 ||z'||^2; the third W_k (s' z'')).
For output o, with kappa_o = max_j |W_{L+1}[o, j]| + rho, omega_o = ||W_{L+1}[o, :]|| + rho:
  |delta^T Hess f_o(x_i) delta| <= g_{i,o} = S1_L N_L + kappa_o S2_L N_L^2 + omega_o S1_L r_L,
and gamma_J = sqrt(sum_{i,o} g_{i,o}^2) bounds the Frobenius, hence the spectral, Lipschitz
constant of J on the ball. For one hidden layer this is the earlier bound
g = (max_j |V[o,j]| + rho) S2 xi^2 + S1 xi; a linear network (L = 0) has gamma_J = 0. Cost:
one forward pass, O(d sum_k w_k) for the recursion, and per hidden-to-hidden W_k (w_k x w_{k-1})
the spectral bound (O(s^2 k + s^3), s = min(w_k, w_{k-1}) <= sqrt(w_k w_{k-1})).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import time

import numpy as np
import torch

from ..certificate import Certificate
from ..checker.float.tier import ASSUMPTIONS_COMMON, CONV_ASSUMPTION, REQUIRED_FLOAT_CLAIMS
from ..checker.format import FLOAT_TIER, GLOBAL_SMOOTHNESS, REMARK_2_2, STATEMENTS, sha256
from ..errors import InputError
from . import models
from .core import certify_gram_pd, pinned_threads

TIER = FLOAT_TIER
THEOREMS = ("cooper-2.1", "cooper-2.3")
FLOAT_CLAIM_STATEMENTS = {
    "rank-J-float": "J J^T at the computed point is positive definite with lambda_min >= the stated bound "
                    "(Rump's floating-point test with an a-priori error bound), so rank J = l*d there",
    "zero-float": "a true zero w* of H lies within the stated radius of the computed point (Newton-Kantorovich "
                  "on the range of J^T)",
    "manifold-float": "rank J(w*) = l*d, so M is a smooth manifold of dimension n - l*d near w*",
    "hessian-signature-float": "Hess L(w*) = 2 J(w*)^T J(w*) has l*d positive eigenvalues, each >= the stated "
                               "bound, and n - l*d zero eigenvalues",
}
# sup |s'|, sup |s''| over R (smoolu: s' increases to 1; s'' = e^(-1/t)/t^3 peaks at t = 1/3)
SUP_D = {"tanh": (1.0, 0.7699), "sigmoid": (0.25, 0.0963), "softplus": (1.0, 0.25),
         "smoolu": (1.0, 1.3444), "identity": (1.0, 0.0)}
SAFETY = 1.0 + 1e-9   # relative margin on the float64 evaluation of the Kantorovich bounds


def _num(x) -> str:
    """A float as the shortest decimal that reads back to the same float64."""
    return repr(float(x))


def _poly_sup(coeffs, Z):
    """(S1, S2) >= (|p'|, |p''|) on [-Z, Z] for the polynomial sum_k c_k t^k (Z scalar or array)."""
    c = [abs(float(q)) for q in coeffs]
    Z = np.asarray(Z, dtype=np.float64)
    s1, s2 = np.zeros_like(Z), np.zeros_like(Z)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, len(c)):
            if c[k]:
                s1 = s1 + k * c[k] * Z ** (k - 1)
                if k >= 2:
                    s2 = s2 + k * (k - 1) * c[k] * Z ** (k - 2)
    s1 = np.where(np.isnan(s1), np.inf, s1) * SAFETY
    s2 = np.where(np.isnan(s2), np.inf, s2) * SAFETY
    return (float(s1), float(s2)) if s1.ndim == 0 else (s1, s2)


def derivative_sups(act, zmax):
    """(S1, S2) bounding |s'| and |s''| on [-zmax, zmax] (global for bounded ones); zmax may be an array."""
    if act.name in SUP_D:
        return SUP_D[act.name]
    coeffs = act.coefficients()
    if coeffs is None:
        raise InputError(f"no derivative bound for activation {act.name!r}")
    return _poly_sup(coeffs, zmax)


# sup |s| and sup s - inf s of the bounded activations (caps on ||a_k|| and its change)
BOUNDED = {"tanh": (1.0, 2.0), "sigmoid": (1.0, 1.0)}
GAMMA_MARGIN = 1.0 + 1e-6   # the stated gamma_J: room for the checker's own float64 evaluation


class LipschitzData:
    """What gamma_J needs from the point, independent of the radius (numpy float64).

    Attributes: ``xnorm`` (d,) the |x_i|; per hidden layer k = 1..L ``anorm[k-1]``
    (d,) = |a_k(x_i)| and ``zabs[k-1]`` (d,) = max_j |z_kj(x_i)| at the point, ``widths``
    (units per layer), ``acts``, ``bias`` (per layer 1..L+1); ``spectral[k-2]`` (upper
    bound on ||W_k||_2, for a convolution on its kernel matrix) and ``colnorm[k-2]`` (max
    column norm of the layer's linear map, with margin) for k = 2..L; ``out_rownorm``,
    ``out_rowabs`` (l,) the norms and max |entries| of the output rows; ``mult``, ``npos``
    per layer (1 for dense layers; a convolution's input multiplicity and output length,
    :mod:`conv`).
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)


def lipschitz_data(layers, acts, X, *, norms=None, spectral=None, geometry=None) -> LipschitzData:
    """Prepare :func:`lipschitz_mlp` for the layers ``[(W_k, b_k)]`` (numpy) and hidden ``acts``.

    ``norms`` = ``(anorm, zabs)`` from a forward pass done elsewhere (:func:`forward_norms`
    in torch); by default a numpy forward pass with the activations' float64 values
    (dense layers only). ``spectral``: proven upper bounds on ||W_k||_2 for k = 2..L
    (default: :func:`core.spectral_norm_upper`; a conv kernel W (out, in, kernel) is
    bounded as the matrix W.reshape(out, -1)). ``geometry``: per layer ``(mult, npos,
    units)`` (:meth:`conv.TorchConv1dNet.lipschitz_geometry`); default dense. Raises
    InputError for an activation without derivative bounds.
    """
    from .core import spectral_norm_upper
    L = len(layers) - 1
    for act in acts:
        if act.name not in SUP_D and act.coefficients() is None:
            raise InputError(f"no derivative bound for activation {act.name!r}")
    X = np.asarray(X, dtype=np.float64)
    if geometry is None:
        geometry = [(1, 1, W.shape[0]) for W, _ in layers]
    if norms is None:
        if any(np.ndim(W) != 2 for W, _ in layers):
            raise InputError("lipschitz_data: convolution layers need norms from the model's forward pass")
        anorm, zabs, A = [], [], X
        for k in range(L):
            W, b = layers[k]
            Z = A @ W.T
            if b is not None:
                Z = Z + b
            zabs.append(np.abs(Z).max(axis=1))
            A = acts[k].f64(Z)[0]
            anorm.append(np.sqrt((A * A).sum(axis=1)))
    else:
        anorm, zabs = norms
    mats = [np.asarray(layers[k][0]).reshape(layers[k][0].shape[0], -1) for k in range(1, L)]
    if spectral is None:
        spectral = [spectral_norm_upper(Wm) for Wm in mats]
    if len(spectral) != max(L - 1, 0) or len(anorm) != L or len(zabs) != L or len(geometry) != L + 1:
        raise InputError("lipschitz_data: one norm per hidden layer and one spectral bound per W_2..W_L")
    # column norms of the layer's map: a kernel weight occurs at most once per column (conv.py)
    colnorm = []
    for k in range(1, L):
        W = np.asarray(layers[k][0])
        W3 = W if W.ndim == 3 else W[:, :, None]
        colnorm.append(float(np.sqrt((W3 * W3).sum(axis=(0, 2))).max()) * SAFETY)
    Wout = layers[-1][0]
    if np.ndim(Wout) != 2 or geometry[-1][0] != 1:
        raise InputError("lipschitz_data: the output layer must be dense")
    return LipschitzData(L=L, xnorm=np.sqrt((X * X).sum(axis=1)), anorm=[np.asarray(a) for a in anorm],
                         zabs=[np.asarray(z) for z in zabs], widths=[int(g[2]) for g in geometry],
                         acts=list(acts), bias=[b is not None for _, b in layers],
                         spectral=[float(t) for t in spectral], colnorm=colnorm,
                         mult=[int(g[0]) for g in geometry], npos=[int(g[1]) for g in geometry],
                         out_rownorm=np.sqrt((Wout * Wout).sum(axis=1)) * SAFETY,
                         out_rowabs=np.abs(Wout).max(axis=1))


@torch.no_grad()
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


def hessian_bounds(data: LipschitzData, rho: float):
    """g (d, l): ||Hess_w f_o(x_i)||_2 <= g[i, o] for every w with ||w - w0|| <= rho (module docstring).

    A convolution layer k enters through mult_k (xi^2 = mult ||a||^2 + npos [bias], the
    spectral bound sqrt(mult) ||W2||_2 and the factor sqrt(mult) on 2 dW a'; :mod:`conv`).
    """
    L, rho = data.L, float(rho)
    d = data.xnorm.shape[0]
    if L == 0:
        return np.zeros((d, data.out_rowabs.shape[0]))
    mult = getattr(data, "mult", [1] * (L + 1))
    npos = getattr(data, "npos", [1] * (L + 1))
    with np.errstate(over="ignore", invalid="ignore"):
        alpha, Delta = data.xnorm, np.zeros(d)
        xi2 = mult[0] * alpha * alpha + (npos[0] if data.bias[0] else 0.0)
        N2 = r = S1p = S2p = None
        for k in range(1, L + 1):                       # hidden layer k reads a_{k-1}
            act, width = data.acts[k - 1], data.widths[k - 1]
            sm = math.sqrt(mult[k - 1])
            zeta = rho * np.sqrt(xi2)
            if k >= 2:
                zeta = zeta + sm * data.spectral[k - 2] * Delta
            S1, S2 = derivative_sups(act, data.zabs[k - 1] + zeta)
            if k == 1:
                N2, r = xi2, np.zeros(d)
            else:
                om, ka = sm * (data.spectral[k - 2] + rho), data.colnorm[k - 2] + rho
                r = sm * S1p * np.sqrt(N2) + ka * S2p * N2 + om * S1p * r
                N2 = xi2 + (om * S1p) ** 2 * N2
            Delta = S1 * zeta
            alpha = data.anorm[k - 1] + Delta
            if act.name in BOUNDED:
                sup, osc = BOUNDED[act.name]
                Delta = np.minimum(Delta, osc * math.sqrt(width))
                alpha = np.minimum(alpha, sup * math.sqrt(width))
            xi2 = mult[k] * alpha * alpha + (npos[k] if data.bias[k] else 0.0)
            S1p, S2p = S1, S2
        N = np.sqrt(N2)
        g = (S1p * N)[:, None] + (data.out_rowabs + rho)[None, :] * (S2p * N2)[:, None] \
            + (data.out_rownorm + rho)[None, :] * (S1p * r)[:, None]
        return np.where(np.isnan(g), np.inf, g)


def lipschitz_mlp(data: LipschitzData, rho: float) -> float:
    """gamma_J: a Lipschitz constant (spectral norm) of J on the ball of radius rho (inf if overflowing)."""
    g = hessian_bounds(data, rho)
    with np.errstate(over="ignore"):
        gamma = float(np.sqrt((g * g).sum())) * SAFETY
    return gamma if math.isfinite(gamma) else math.inf


def lipschitz_one_hidden(layers, act, X, rho: float) -> float:
    """gamma_J on the ball of radius rho for one hidden layer (:func:`lipschitz_mlp` at depth 1)."""
    if len(layers) != 2:
        raise InputError("lipschitz_one_hidden: the network must have exactly one hidden layer")
    return lipschitz_mlp(lipschitz_data(layers, [act], X), rho)


# ---------------------------------------------------------------------------- optimisers


def pretrain(model, w, X, Y, *, optimizer: str, steps: int, lr: float, progress=None):
    """A few steps of Adam, SGD or L-BFGS on L = sum_r H_r^2; returns (w, losses)."""
    w = w.clone().requires_grad_(True)
    make = {"adam": lambda: torch.optim.Adam([w], lr=lr), "sgd": lambda: torch.optim.SGD([w], lr=lr),
            "lbfgs": lambda: torch.optim.LBFGS([w], lr=lr, max_iter=1, line_search_fn="strong_wolfe")}
    if optimizer not in make:
        raise InputError(f"unknown optimizer {optimizer!r} (adam, sgd, lbfgs)")
    opt = make[optimizer]()
    losses = []

    def closure():
        opt.zero_grad()
        loss = (model.residual(w, X, Y) ** 2).sum()
        loss.backward()
        return loss
    for k in range(steps):
        loss = opt.step(closure)
        losses.append(float(loss.detach()))
        if progress:
            progress(f"{optimizer} step {k + 1}/{steps}: L = {losses[-1]:.3e}")
        if not math.isfinite(losses[-1]):
            break
    return w.detach(), losses


@pinned_threads(blas=1)
def gauss_newton(model, w, X, Y, *, steps: int, tol: float, progress=None, halvings: int = 30):
    """Least-norm Gauss-Newton ``w <- w - t J^T K^{-1} H`` with the residual per step.

    The direction s = J^T K^{-1} H is a descent direction of ||H||^2 (its slope is
    -2 ||H||^2), so a step length t = 2^-j (j <= ``halvings``) that decreases ||H||_2
    exists unless rounding dominates; near M with J of full rank t = 1 is accepted and
    convergence is quadratic. Stops at max|H| <= tol, after ``steps`` steps, or when no
    step length decreases ||H|| (the floating-point floor). J is never formed.
    """
    hist = []
    with torch.no_grad():
        h = model.residual(w, X, Y)
    for k in range(steps + 1):
        hist.append(float(h.abs().max()))
        if progress:
            progress(f"Gauss-Newton step {k}/{steps}: max|H| = {hist[-1]:.3e}")
        if hist[-1] <= tol or k == steps or not math.isfinite(hist[-1]):
            break
        K = model.gram(w, X)
        Lc, info = torch.linalg.cholesky_ex(K)
        if int(info) == 0:
            v = torch.cholesky_solve(h[:, None], Lc)[:, 0]
        else:
            v = torch.linalg.lstsq(K, h[:, None]).solution[:, 0]
        step = model.vjp(w, X, v)
        norm0, t = float(torch.linalg.vector_norm(h)), 1.0
        for _ in range(halvings + 1):
            w_try = w - t * step
            with torch.no_grad():
                h_try = model.residual(w_try, X, Y)
            if float(torch.linalg.vector_norm(h_try)) < norm0:
                break
            t *= 0.5
        else:
            break          # no decrease: the floating-point floor (or a rank-deficient K)
        w, h = w_try, h_try
    return w, hist


# ---------------------------------------------------------------------------- the verifier


def _claim(cid, status, scope, statement, evidence, message):
    return {"id": cid, "status": status, "scope": scope, "statement": statement, "evidence": evidence,
            "message": message}


def _arrays_blob(X, Y, w):
    arrays = {"X": np.ascontiguousarray(X, dtype=np.float64), "Y": np.ascontiguousarray(Y, dtype=np.float64),
              "w": np.ascontiguousarray(w, dtype=np.float64)}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return arrays, hashlib.sha256(buf.getvalue()).hexdigest()


def verify_at_scale(theorem: str, doc: dict, w0, X, Y, *, arrays_name: str = "certificate.arrays.npz",
                    steps: int = 20, tol: float = 1e-13, optimizer: str | None = None, optimizer_steps: int = 0,
                    lr: float = 1e-3, device: str = "cpu", progress=None, seed: int | None = None) -> Certificate:
    """Verify cooper-2.1 or cooper-2.3 for a layered MLP in the floating-point tier.

    Parameters
    ----------
    theorem : "cooper-2.1" or "cooper-2.3"
    doc : dict
        Model document (:mod:`models`); ``w0`` its canonical float64 weights (the start).
    X, Y : array (d, p), (d, l)
    arrays_name : str
        File name (no folder) of the arrays file written beside the certificate.
    steps, tol : Gauss-Newton steps and the target max|H|.
    optimizer, optimizer_steps, lr : optional pre-training before Gauss-Newton.
    device : "cpu", "cuda" or "cuda:N".

    Returns
    -------
    Certificate
    """
    if theorem not in THEOREMS:
        raise InputError(f"the torch backend verifies {', '.join(THEOREMS)}; got {theorem!r}")
    if os.path.basename(arrays_name) != arrays_name or not arrays_name.endswith(".npz"):
        raise InputError("arrays_name must be a bare file name ending in .npz")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available (torch.cuda.is_available() is False)")
    models.check_model_doc(doc)
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
    n, d, l = models.n_params(doc), X.shape[0], doc["l"]
    p = models.n_inputs(doc)
    if X.shape[1] != p or Y.shape[1] != l:
        raise InputError(f"the data have {X.shape[1]} inputs and {Y.shape[1]} outputs; the model expects "
                         f"{p} and {l}")
    w0 = np.asarray(w0, dtype=np.float64).reshape(-1)
    if w0.shape[0] != n or not np.isfinite(w0).all():
        raise InputError(f"the weights must be {n} finite numbers")
    m = l * d
    timings = {}
    t0 = time.perf_counter()
    claims = []
    acts = models.smooth(doc)
    # -- hypotheses
    _, first = np.unique(X, axis=0, return_index=True)
    if len(first) < d:
        dup = sorted(set(range(d)) - set(first.tolist()))[0]
        orig = int(np.flatnonzero((X == X[dup]).all(axis=1))[0])
        claims.append(_claim("distinct-inputs", "refuted", "instance", "the inputs x_i are pairwise distinct",
                             {"duplicate_indices": [orig, dup]}, f"duplicate inputs x_i at rows {orig} and {dup}"))
    else:
        claims.append(_claim("distinct-inputs", "verified", "instance", "the inputs x_i are pairwise distinct", {},
                             f"the {d} inputs are pairwise distinct (exact comparison of the float64 values)"))
    bad = [a for a, ok in acts if not ok]
    claims.append(_claim("activation-smooth", "refuted" if bad else "verified", "instance",
                         "every hidden activation is smooth (C-infinity)", {"activations": [a for a, _ in acts]},
                         f"{bad[0]} is not smooth" if bad else ", ".join(sorted({a for a, _ in acts})) + " is smooth"))
    over = n > m
    claims.append(_claim("overparameterized", "verified" if over else "refuted", "instance",
                         "the network has more parameters than equations: n > l*d", {"n": n, "equations": m},
                         f"n = {n} {'>' if over else '<='} l*d = {m}"))
    history, pre_losses, w_final = [], [], w0
    extra = {"device": str(device)}
    # numpy's BLAS pinned to one thread while torch's pool does the heavy work (benchmarks/bench_threads.py)
    with pinned_threads(blas=1):
        if not bad and over and claims[0]["status"] == "verified":
            model = models.model_from_doc(doc, device=device)
            Xt = torch.as_tensor(X, device=device)
            Yt = torch.as_tensor(Y, device=device)
            w = torch.as_tensor(w0, device=device)
            if optimizer and optimizer_steps > 0:
                w, pre_losses = pretrain(model, w, Xt, Yt, optimizer=optimizer, steps=optimizer_steps, lr=lr,
                                         progress=progress)
                timings["optimizer"] = time.perf_counter() - t0
                if not bool(torch.isfinite(w).all()):
                    raise InputError(f"{optimizer} diverged (the weights are no longer finite): lower --lr")
            t1 = time.perf_counter()
            w, history = gauss_newton(model, w, Xt, Yt, steps=steps, tol=tol, progress=progress)
            timings["gauss_newton"] = time.perf_counter() - t1
            w_final = w.detach().cpu().numpy().astype(np.float64)
            # Re-evaluate everything at the float64 point that is stored (on the CPU, as the checker does).
            cpu = models.model_from_doc(doc)
            wc, Xc, Yc = torch.as_tensor(w_final), torch.as_tensor(X), torch.as_tensor(Y)
            t1 = time.perf_counter()
            if progress:
                progress(f"structured Gram K = J J^T ({m} x {m})")
            with torch.no_grad():
                Hres = cpu.residual(wc, Xc, Yc).numpy()
            K, Kabs, mround, ufl = cpu.gram_structured(wc, Xc, with_abs=True)
            timings["gram"] = time.perf_counter() - t1
            if not (bool(torch.isfinite(K).all()) and bool(torch.isfinite(Kabs).all()) and np.isfinite(Hres).all()):
                raise InputError("K = J J^T or the residual overflows float64 at this point: rescale the data or "
                                 "the weights")
            t1 = time.perf_counter()
            if progress:
                progress("eigenvalues of 2K")
            ev = torch.linalg.eigvalsh(2.0 * K).numpy()
            timings["spectrum"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            if progress:
                progress("positive-definiteness proof of K")
            pd = certify_gram_pd(K, Kabs=Kabs, m=mround, underflow=ufl, lambda_hint=float(ev[0]) / 2)
            timings["pd_proof"] = time.perf_counter() - t1
            extra.update(gauss_newton_max_abs_H=history, optimizer_losses=pre_losses, optimizer=optimizer,
                         eigenvalues_2K_float=[_num(v) for v in ev])
            claims += _tail_claims(theorem, doc, cpu, wc, X, Hres, K, Kabs, pd, ev, n, m, timings=timings,
                                   progress=progress)
    timings["total"] = time.perf_counter() - t0
    arrays, arrays_sha = _arrays_blob(X, Y, w_final)
    instance = {"model": doc, "arrays": {"file": arrays_name, "sha256": arrays_sha, "n": n, "d": d,
                                         "p": p, "l": l}}
    instance["sha256"] = sha256({"model": instance["model"], "arrays": instance["arrays"]})
    assumptions = list(ASSUMPTIONS_COMMON)
    if doc["format"] != models.MODEL_FORMAT:
        assumptions.append(CONV_ASSUMPTION)
    pd_claim = next((c for c in claims if c["id"] == "rank-J-float"), None)
    if pd_claim is not None:
        assumptions += [a for a in pd_claim["evidence"].get("assumptions", []) if a not in assumptions]
    return Certificate(
        theorem, STATEMENTS[theorem], None, None, {"array": "w"}, claims, 53, seed,
        out_of_scope=[GLOBAL_SMOOTHNESS,
                      "the rigorous tier (Arb balls) for this instance: rounding errors of the forward and "
                      "backward passes are not enclosed"],
        notes=[REMARK_2_2], timings_s=timings,
        summary_info={"network": models.describe(doc), "n": n, "d": d, "l": l, "p": p, "device": str(device),
                      "arithmetic": f"float64 with a-priori error bounds ({TIER})"},
        extra=extra, tier=TIER, instance=instance, required=REQUIRED_FLOAT_CLAIMS[theorem],
        assumptions=assumptions, arrays=arrays, software={"torch": torch.__version__, "numpy": np.__version__})


def _tail_claims(theorem, doc, model, wc, X, Hres, K, Kabs, pd, ev, n, m, *, timings=None, progress=None):
    out = []
    st = FLOAT_CLAIM_STATEMENTS
    if not pd["positive_definite"]:
        msg = f"not proven positive definite: {pd.get('reason', '')} (smallest computed eigenvalue of K " \
              f"{ev[0] / 2:.3e})"
        out.append(_claim("rank-J-float", "inconclusive", "local", st["rank-J-float"],
                          {"assumptions": pd["assumptions"]}, msg))
        return out
    sigma = pd["lambda_min_lower"]
    out.append(_claim("rank-J-float", "verified", "local", st["rank-J-float"],
                      {"lambda_min_lower": _num(sigma), "shift": _num(pd["shift"]),
                       "error_norm_bound": _num(pd["error_norm_bound"]), "assumptions": pd["assumptions"]},
                      f"K = J J^T ({m} x {m}) positive definite, lambda_min(K) >= {sigma:.3e} "
                      f"(sigma_min(J) >= {math.sqrt(sigma):.3e}); Rump test, error ||K - K_true|| <= "
                      f"{pd['error_norm_bound']:.1e}"))
    if sigma <= 0:
        out[-1].update(status="inconclusive", message="the proof gave only lambda_min >= 0")
        return out
    layers = [(W.numpy(), None if b is None else b.numpy()) for W, b in model.weights(wc)]
    lam_max = float(np.abs(K.numpy()).sum(axis=1).max()) * SAFETY + pd["error_norm_bound"]
    hnorm = float(np.linalg.norm(Hres)) * SAFETY
    eta = hnorm / sigma
    # Every stated number is an upper bound that the checker's own evaluation must stay below:
    # at the rounding floor its float64 ||H|| can differ from this one by a small factor, so
    # Kantorovich is applied with eta' = 4 eta >= ||G'(0)^{-1} G(0)|| (any upper bound on eta
    # serves): radius rho = sqrt(Lam) 2 eta', gamma_J on that ball (with a margin for the
    # checker's evaluation), h = beta gamma_J Lam eta'. The checker accepts a radius, gamma_J
    # and h that are >= its own, with its own h <= 1/2.
    eta4 = 4.0 * eta
    rho = math.sqrt(lam_max) * 2.0 * eta4 * SAFETY
    L = len(doc["layers"]) - 1
    t1 = time.perf_counter()
    try:
        if progress:
            progress(f"Lipschitz bound on J ({L} hidden layer{'s' if L != 1 else ''})")
        if hasattr(model, "lipschitz_geometry"):      # Conv1d network
            lip = lipschitz_data(layers, model.act_specs, X, norms=model.forward_norms(wc, torch.as_tensor(X)),
                                 geometry=model.lipschitz_geometry())
        else:
            lip = lipschitz_data(layers, model.act_specs, X, norms=forward_norms(model, wc, torch.as_tensor(X)))
    except InputError as exc:
        out.append(_claim("zero-float", "inconclusive", "local", st["zero-float"],
                          {"residual_norm": _num(hnorm)}, f"||H|| = {hnorm:.3e}; no Lipschitz bound on J: {exc}"))
        return out
    finally:
        if timings is not None:
            timings["lipschitz"] = time.perf_counter() - t1
    gamma = lipschitz_mlp(lip, rho) * GAMMA_MARGIN
    beta = 1.0 / sigma
    h = beta * gamma * lam_max * eta4 * SAFETY
    ev_z = {"residual_norm": _num(hnorm), "lambda_min_lower": _num(sigma), "lambda_max_upper": _num(lam_max),
            "eta": _num(eta), "gamma_J": _num(gamma), "h": _num(h),
            "spectral_norm_upper": [_num(t) for t in lip.spectral]}
    if not h <= 0.5:
        out.append(_claim("zero-float", "inconclusive", "local", st["zero-float"], ev_z,
                          f"Kantorovich h = {h:.3e} > 1/2 (||H|| = {hnorm:.3e}, gamma_J <= {gamma:.3e}): "
                          "take more Gauss-Newton steps"))
        return out
    # ||w* - w0|| <= sqrt(Lam) r0 with r0 = (1 - sqrt(1 - 2h)) / (beta gamma Lam) <= 2 eta': rho bounds it.
    ev_z["radius"] = _num(rho)
    out.append(_claim("zero-float", "verified", "local", st["zero-float"], ev_z,
                      f"a zero w* of H within {rho:.2e} of the point (Kantorovich h = {h:.1e} <= 1/2, "
                      f"||H|| = {hnorm:.2e}, gamma_J <= {gamma:.2e} on that ball, {L} hidden "
                      f"layer{'s' if L != 1 else ''})"))
    smin = math.sqrt(sigma) - gamma * rho
    if not smin > 0:
        out.append(_claim("manifold-float", "inconclusive", "local", st["manifold-float"], {"dimension": n - m},
                          "sigma_min(J) - gamma_J rho is not positive"))
        return out
    out.append(_claim("manifold-float", "verified", "local", st["manifold-float"], {"dimension": n - m},
                      f"sigma_min(J(w*)) >= {smin:.3e} > 0: M is a smooth {n - m}-manifold near w*"))
    if theorem == "cooper-2.3":
        lo = 2.0 * smin * smin / SAFETY
        top = [_num(v) for v in ev[::-1][:min(m, 20)]]
        out.append(_claim("hessian-signature-float", "verified", "local", st["hessian-signature-float"],
                          {"positive": m, "zero": n - m, "min_positive_lower": _num(lo), "top_eigenvalues_2K": top},
                          f"{m} positive eigenvalues >= {lo:.3e} (largest {ev[-1]:.3e}), {n - m} zero"))
    return out
