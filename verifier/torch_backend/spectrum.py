r"""Hessian spectra off M: after training that stops short of a zero of H.

At a point w with a small nonzero residual H(w) (point-major, m = l*d rows) the
loss L = sum_r H_r^2 has

    Hess L = 2 J^T J + S,        S = 2 sum_r H_r(w) Hess H_r(w).

* The Gram part 2 J^T J has the m eigenvalues of 2 K, K = J J^T (structured for
  :class:`~verifier.torch_backend.core.TorchMLP`, J never formed), and n - m
  further eigenvalues that are exactly 0.
* S is reached only through Hessian-vector products: with c = H(w) held fixed,
  S v = 2 d/dw [ sum_r c_r grad H_r(w) . v ], one double-backward pass on the
  scalar sum_r c_r H_r(w). Lanczos (full reorthogonalisation) on S gives
  ``theta = sigma_max(T~_k)``, the largest ||S y|| over unit y in the Krylov
  space: a **lower bound** on ||S||_2 (Lanczos converges from inside), and,
  by Kuczynski & Wozniakowski (SIAM J. Matrix Anal. Appl. 13 (1992) 1094-1122,
  Thm. 4.2 applied to the positive semidefinite S^2, whose Krylov space
  K_{ceil(k/2)}(S^2, b) lies in K_k(S, b)), a **probabilistic upper bound**
  ``theta / sqrt(1 - eps)`` that holds with probability >= 1 - delta over the
  random start vector, where 1.648 sqrt(n) exp(-sqrt(eps) (2 k' - 1)) = delta,
  k' = ceil(k / 2).
* Weyl's inequality: the j-th eigenvalue (ascending) of Hess L is within
  ||S||_2 of the j-th eigenvalue of 2 J^T J. So with s >= ||S||_2, every
  eigenvalue mu of 2K with mu > s gives an eigenvalue of Hess L that is
  certainly positive, and the remaining n - #{mu > s} eigenvalues all lie in
  [-s, s + max{mu <= s}]: they may be positive, zero or negative.
"""

from __future__ import annotations

import math

import torch

U = 2.0 ** -53

__all__ = ["lanczos", "kw_epsilon", "second_part_matvec", "loss_hvp", "hessian_off_M", "hessian_eigs_top",
           "weyl_counts"]


# ---------------------------------------------------------------------------- Lanczos


def lanczos(matvec, n, steps, seed=0, dtype=torch.float64, device="cpu", *, v0=None, progress=None,
            explicit_residuals=0):
    """Symmetric Lanczos with full reorthogonalisation (classical Gram-Schmidt, twice).

    Parameters
    ----------
    matvec : callable
        ``v -> A v`` for a symmetric A (n x n), on tensors of shape (n,).
    n, steps : int
        Dimension and number of Lanczos steps (<= n; about 100 at most: the basis
        is stored, steps * n numbers).
    seed : int
        Seeds the Gaussian start vector (normalised: uniform on the sphere), unless ``v0``.
    explicit_residuals : int
        For this many Ritz pairs at each end of the spectrum, also compute the residual
        ||A y - theta y|| explicitly (one extra matvec each) instead of |beta_k s_k|.

    Returns
    -------
    dict
        ``ritz_values`` (ascending), ``residual_norms`` (for each Ritz value theta some
        eigenvalue lambda of A has |theta - lambda| <= residual, exact arithmetic),
        ``sigma_max`` (largest singular value of the (k+1) x k extended tridiagonal
        matrix = max ||A y|| over unit y in the Krylov space, a lower bound on ||A||_2),
        ``alpha``, ``beta``, ``steps`` (taken; fewer when an invariant subspace is found),
        ``invariant`` (True when it was), ``orthogonality`` (max |Q^T Q - I|).
    """
    steps = int(min(steps, n))
    if steps < 1:
        raise ValueError("lanczos: steps must be >= 1")
    if v0 is None:
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        q = torch.randn(n, generator=gen, dtype=dtype).to(device)
    else:
        q = torch.as_tensor(v0, dtype=dtype, device=device).clone()
    q = q / torch.linalg.vector_norm(q)
    Q = torch.empty((steps + 1, n), dtype=dtype, device=device)
    Q[0] = q
    alpha, beta = [], []
    invariant = False
    k = 0
    for j in range(steps):
        w = matvec(Q[j]).to(dtype=dtype, device=device).reshape(-1)
        a = float(torch.dot(Q[j], w))
        alpha.append(a)
        k = j + 1
        # full reorthogonalisation against Q[0..j], twice (CGS2)
        for _ in range(2):
            w = w - Q[:k].T @ (Q[:k] @ w)
        b = float(torch.linalg.vector_norm(w))
        beta.append(b)
        if progress is not None:
            progress(k, steps)
        # invariant subspace: the remaining w is rounding noise
        if b <= 1e-12 * max(1.0, max(abs(x) for x in alpha)):
            invariant = True
            beta[-1] = 0.0
            break
        Q[k] = w / b
    T = torch.diag(torch.tensor(alpha, dtype=torch.float64))
    if k > 1:
        off = torch.tensor(beta[:k - 1], dtype=torch.float64)
        T += torch.diag(off, 1) + torch.diag(off, -1)
    theta, Svec = torch.linalg.eigh(T)
    res = (abs(beta[k - 1]) * Svec[k - 1, :].abs()).clone()
    Tx = torch.zeros((k + 1, k), dtype=torch.float64)
    Tx[:k] = T
    Tx[k, k - 1] = beta[k - 1]
    sigma_max = float(torch.linalg.svdvals(Tx)[0])
    Qk = Q[:k]
    G = Qk @ Qk.T
    ortho = float((G - torch.eye(k, dtype=dtype, device=device)).abs().max())
    if explicit_residuals:
        idx = sorted(set(list(range(min(explicit_residuals, k))) + list(range(max(0, k - explicit_residuals), k))))
        for i in idx:
            y = Qk.T @ Svec[:, i].to(dtype=dtype, device=device)
            yn = float(torch.linalg.vector_norm(y))
            r = matvec(y).to(dtype=dtype, device=device).reshape(-1) - theta[i].item() * y
            res[i] = float(torch.linalg.vector_norm(r)) / yn
    return {"ritz_values": theta, "residual_norms": res, "sigma_max": sigma_max, "alpha": alpha,
            "beta": beta[:k], "steps": k, "invariant": invariant, "orthogonality": ortho, "n": n}


def kw_epsilon(n, steps, delta=1e-3):
    """eps with 1.648 sqrt(n) exp(-sqrt(eps)(2k' - 1)) = delta, k' = ceil(steps / 2).

    Kuczynski & Wozniakowski (1992), Thm. 4.2: for a positive semidefinite A and a start
    vector uniform on the sphere, P[largest Ritz value of A after k' Lanczos steps
    < (1 - eps) lambda_max(A)] <= 1.648 sqrt(n) exp(-sqrt(eps)(2 k' - 1)). Applied to
    A = S^2: K_{k'}(S^2, b) lies in K_steps(S, b). Returns 1.0 (no bound) when eps >= 1.
    """
    kp = (int(steps) + 1) // 2
    if kp < 1:
        return 1.0
    se = math.log(1.648 * math.sqrt(n) / delta) / (2 * kp - 1)
    return min(1.0, max(0.0, se) ** 2)


# ---------------------------------------------------------------------------- Hessian-vector products


def _graph(model, w, X, Y, weights):
    """w (leaf, requires grad) and grad of sum_r weights_r H_r(w) with create_graph."""
    wl = model._t(w).detach().clone().requires_grad_(True)
    H = model.residual(wl, X, Y)
    if weights is None:                   # L itself: sum H_r^2
        g = (H * H).sum()
    else:
        g = (weights(H) * H).sum()
    (grad,) = torch.autograd.grad(g, wl, create_graph=True)
    return wl, grad


def _hvp_from(wl, grad, scale):
    def mv(v):
        (hv,) = torch.autograd.grad(grad, wl, grad_outputs=v.to(wl), retain_graph=True)
        return scale * hv.detach()
    return mv


def second_part_matvec(model, w, X, Y):
    """``v -> S v``, S = 2 sum_r H_r(w) Hess H_r(w) (c = H(w) held fixed; double backward)."""
    X, Y = model._t(X), model._t(Y)
    wl, grad = _graph(model, w, X, Y, weights=lambda H: H.detach())
    return _hvp_from(wl, grad, 2.0)


def loss_hvp(model, w, X, Y):
    """``v -> Hess L(w) v`` for L = sum_r H_r(w)^2 (double backward)."""
    X, Y = model._t(X), model._t(Y)
    wl, grad = _graph(model, w, X, Y, weights=None)
    return _hvp_from(wl, grad, 1.0)


# ---------------------------------------------------------------------------- Weyl


def weyl_counts(gram_eigs, n, s, *, eig_error=0.0):
    """Counts from Weyl's inequality: Hess L = 2 J^T J + S with ||S||_2 <= s.

    ``gram_eigs``: the m eigenvalues of 2K (any order); the other n - m eigenvalues of
    2 J^T J are 0. ``eig_error``: an allowance for the error of the computed eigenvalues
    of 2K (added to s on both sides).
    """
    mu = torch.sort(torch.as_tensor(gram_eigs, dtype=torch.float64)).values
    m = mu.numel()
    r = float(s) + float(eig_error)
    n_pos = int((mu > r).sum())
    n_small = m - n_pos
    small_max = float(mu[mu <= r].max()) if n_small else 0.0
    return {"n_positive": n_pos,
            "n_near_zero": n - n_pos,          # all of these lie in [-r, max(small mu) + r]
            "n_near_zero_from_gram": n_small,
            "n_possibly_negative": n - n_pos,  # Weyl interval [mu - r, mu + r] reaches below 0
            "n_certainly_negative": 0,         # mu >= 0, so Weyl never proves negativity
            "near_zero_interval": (-r, small_max + r),
            "radius": r}


# ---------------------------------------------------------------------------- main entry


def hessian_off_M(model, w, X, Y, *, lanczos_steps=60, seed=0, progress=None, delta=1e-3,
                  second_part="lanczos"):
    """The Hessian spectrum of L at a point w near (not on) M, with Weyl error bars.

    Parameters
    ----------
    model : TorchMLP or GenericModel
    w, X, Y : the point, inputs (d, p), targets (d, l)
    lanczos_steps : int
        Lanczos steps on S (one Hessian-vector product each; the basis holds
        ``lanczos_steps * n`` numbers).
    seed : int
        Start vector of Lanczos; the probabilistic bound is over this randomness.
    progress : callable, optional
        ``progress(stage, i, total)``; stage ``"lanczos"``.
    delta : float
        Failure probability of the probabilistic upper bound on ||S||_2.
    second_part : "lanczos" or "explicit"
        ``"explicit"`` forms S column by column (n HVPs) and takes its eigenvalues; for small
        n only (tests, cross-checks).

    Returns
    -------
    dict
        ``gram_eigenvalues`` (ascending eigenvalues of 2K), ``n``, ``m``, ``loss``,
        ``residual_norm``, ``second_part_norm_estimate`` (Lanczos; equals the lower bound),
        ``second_part_norm_lower`` (deterministic in exact arithmetic), ``second_part_norm_bound``
        (probabilistic upper bound, ``second_part_bound_confidence`` = 1 - delta; or the explicit
        norm with ``second_part="explicit"``), ``second_part_ritz`` (extreme Ritz values of S with
        ``second_part_ritz_residuals``), counts from :func:`weyl_counts` at the bound
        (``n_positive``, ``n_near_zero``, ``n_possibly_negative``, ``n_certainly_negative``) and at
        the estimate (``counts_at_estimate``), ``eig_error`` (allowance for eigvalsh), ``statement``,
        ``tier``, ``assumptions``.
    """
    X, Y = model._t(X), model._t(Y)
    w = model._t(w)
    n, m = model.n, model.l * X.shape[0]
    with torch.no_grad():
        H = model.residual(w, X, Y)
    loss = float((H * H).sum())
    K = model.gram(w, X)
    mu = torch.linalg.eigvalsh(2.0 * K)
    # eigvalsh is backward stable: |computed - exact| <= c m u ||2K||_2; c = 1 taken, stated below
    eig_error = m * U * float(mu.abs().max()) if m else 0.0
    out = {"gram_eigenvalues": mu, "n": n, "m": m, "loss": loss,
           "residual_norm": float(torch.linalg.vector_norm(H)), "eig_error": eig_error}
    Smv = second_part_matvec(model, w, X, Y)
    assumptions = [
        "floating-point computation; rounding errors of the forward/backward passes are not bounded",
        f"the computed eigenvalues of 2K are within m u ||2K||_2 = {eig_error:.3g} of the exact ones "
        "(backward-stable eigvalsh with constant 1; not proven)",
        "Weyl's inequality: |lambda_j(2 J^T J + S) - lambda_j(2 J^T J)| <= ||S||_2 (sorted eigenvalues)",
    ]
    if second_part == "explicit":
        eye = torch.eye(n, dtype=model.dtype, device=model.device)
        Sm = torch.stack([Smv(eye[j]) for j in range(n)], dim=1)
        Sm = 0.5 * (Sm + Sm.T)
        ev = torch.linalg.eigvalsh(Sm)
        s = float(ev.abs().max())
        out.update(second_part_norm_estimate=s, second_part_norm_lower=s, second_part_norm_bound=s,
                   second_part_bound_confidence=1.0, second_part_ritz=ev, second_part_ritz_residuals=None,
                   second_part_eigenvalues=ev, lanczos_steps=0)
        tier = "floating-point (S formed explicitly from n Hessian-vector products; no rounding bound)"
        bound_kind = "the explicitly computed ||S||_2"
    elif second_part == "lanczos":
        cb = None if progress is None else (lambda i, t: progress("lanczos", i, t))
        lz = lanczos(Smv, n, lanczos_steps, seed=seed, dtype=model.dtype, device=model.device, progress=cb,
                     explicit_residuals=1)
        theta = lz["ritz_values"]
        lower = lz["sigma_max"]
        eps = 0.0 if lz["invariant"] else kw_epsilon(n, lz["steps"], delta)
        bound = lower / math.sqrt(1.0 - eps) if eps < 1.0 else math.inf
        out.update(second_part_norm_estimate=lower, second_part_norm_lower=lower,
                   second_part_norm_bound=bound, second_part_bound_confidence=1.0 - delta,
                   second_part_kw_epsilon=eps, second_part_ritz=theta[[0, -1]] if theta.numel() > 1 else theta,
                   second_part_ritz_residuals=lz["residual_norms"][[0, -1]] if theta.numel() > 1
                   else lz["residual_norms"],
                   lanczos_steps=lz["steps"], lanczos_orthogonality=lz["orthogonality"],
                   lanczos_invariant=lz["invariant"])
        tier = "probabilistic upper bound (Kuczynski-Wozniakowski), deterministic lower bound; floating point"
        assumptions += [
            "Lanczos with full reorthogonalisation behaves as in exact arithmetic "
            f"(measured max |Q^T Q - I| = {lz['orthogonality']:.1e})",
            "second_part_norm_lower = sigma_max of the extended Lanczos tridiagonal = ||S y|| for a unit y "
            "in the Krylov space: a lower bound on ||S||_2 (Lanczos converges from inside)",
            f"second_part_norm_bound holds with probability >= {1 - delta:g} over the random start vector "
            f"(seed {seed}): Kuczynski & Wozniakowski 1992 Thm 4.2 for S^2 with k' = ceil(k/2) = "
            f"{(lz['steps'] + 1) // 2} steps, eps = {eps:.3g}; it is NOT a deterministic bound"
            + ("; Lanczos found an invariant subspace, so the bound is the exact norm on it" if lz["invariant"]
               else ""),
            "each Ritz value theta of S has an eigenvalue of S within its residual norm "
            "(second_part_ritz_residuals, computed explicitly for the two extremes)",
        ]
        bound_kind = f"a probabilistic upper bound on ||S||_2 (confidence {1 - delta:g})"
    else:
        raise ValueError(f"second_part must be 'lanczos' or 'explicit', not {second_part!r}")
    counts = weyl_counts(mu, n, out["second_part_norm_bound"], eig_error=eig_error)
    out.update(counts)
    out["counts_at_estimate"] = weyl_counts(mu, n, out["second_part_norm_estimate"], eig_error=eig_error)
    s = out["second_part_norm_bound"]
    lo, hi = counts["near_zero_interval"]
    out["statement"] = (
        f"Hess L = 2 J^T J + S at a point with ||H|| = {out['residual_norm']:.3g} (L = {loss:.3g}); "
        f"||S||_2 <= {s:.3g} ({bound_kind}; Lanczos estimate {out['second_part_norm_estimate']:.3g}). "
        f"By Weyl: {counts['n_positive']} of the {n} eigenvalues of Hess L are certainly positive "
        f"(the eigenvalues of 2K above {counts['radius']:.3g}, each moved by at most that much); the other "
        f"{counts['n_near_zero']} (the {n - m} zeros of 2 J^T J and {counts['n_near_zero_from_gram']} small "
        f"eigenvalues of 2K) lie in [{lo:.3g}, {hi:.3g}] and may be negative; none is proven negative.")
    out["tier"] = tier
    out["assumptions"] = assumptions
    return out


def hessian_eigs_top(model, w, X, Y, k, *, steps=None, seed=0, progress=None):
    """Top-k eigenvalues of Hess L (largest algebraic) by Lanczos on Hessian-vector products.

    Returns a dict with ``eigenvalues`` (descending, k of them), ``residual_norms`` (same order;
    some eigenvalue of Hess L lies within each), ``steps`` and ``orthogonality``. ``steps``
    defaults to ``max(3 k, k + 40)`` (capped at n).
    """
    X, Y = model._t(X), model._t(Y)
    mv = loss_hvp(model, w, X, Y)
    steps = min(model.n, steps or max(3 * k, k + 40))
    cb = None if progress is None else (lambda i, t: progress("lanczos", i, t))
    lz = lanczos(mv, model.n, steps, seed=seed, dtype=model.dtype, device=model.device, progress=cb)
    th, res = lz["ritz_values"], lz["residual_norms"]
    order = torch.argsort(th, descending=True)[:k]
    return {"eigenvalues": th[order], "residual_norms": res[order], "steps": lz["steps"],
            "orthogonality": lz["orthogonality"]}
