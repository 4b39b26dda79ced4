r"""The numerics of the floating-point tier: Lipschitz and Hessian bounds for the Newton-Kantorovich
radius, training and Gauss-Newton towards M. The theorem that uses them (hypotheses, claims, the
certificate) is :mod:`verifier.theorems.cooper_float`.

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

import math

import numpy as np
import torch

from ..errors import InputError
from .core import forward_norms, pinned_threads  # noqa: F401 - forward_norms: lipschitz_data's norms

SUP_D = {"tanh": (1.0, 0.7699), "sigmoid": (0.25, 0.0963), "softplus": (1.0, 0.25),
         "smoolu": (1.0, 1.3444), "identity": (1.0, 0.0)}
SAFETY = 1.0 + 1e-9   # relative margin on the float64 evaluation of the Kantorovich bounds


def short_number(x) -> str:
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
