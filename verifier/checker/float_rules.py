"""One rule per claim of the floating-point tier (see float_tier.py for what is recomputed).

A rule returns ``(status, message)``; stored numbers are read only as claims to be
implied by the checker's own: a stored lower bound must be <= its own proven one,
a stored radius >= its own.
"""

from __future__ import annotations

import math

import numpy as np

from .float_tier import SAFETY, FormatError, _float, error_norm, forward, gram_structured, rump_pd, split_weights

V, R, I = "verified", "refuted", "inconclusive"


def _gram(ctx):
    if "K" not in ctx:
        Wb = split_weights(ctx["w"], ctx["p"], ctx["layers"])
        ctx["Wb"] = Wb
        K, Ka, mr, ufl = gram_structured(Wb, ctx["layers"], ctx["X"])
        ctx.update(K=K, Mbound=error_norm(Ka, mr, ufl))
    return ctx["K"]


def rule_distinct(ctx, claim):
    X = ctx["X"]
    uniq = np.unique(X, axis=0)
    if uniq.shape[0] == X.shape[0]:
        return V, f"the {X.shape[0]} inputs are pairwise distinct (exact float64 comparison)"
    return R, f"{X.shape[0] - uniq.shape[0]} input(s) repeat an earlier one"


def rule_smooth(ctx, claim):
    names = [act.name for _, _, act in ctx["layers"] if act is not None]
    bad = [a for a in names if a == "relu"]
    if bad:
        return R, "relu is not smooth"
    return V, "every hidden activation (" + ", ".join(sorted(set(names))) + ") is C-infinity"


def rule_over(ctx, claim):
    n, m = ctx["n"], ctx["m"]
    return (V if n > m else R), f"n = {n} {'>' if n > m else '<='} l*d = {m}"


def rule_rank(ctx, claim):
    ev = claim.get("evidence") or {}
    if claim.get("status") != V:
        return I, "not claimed"
    sigma = _float(ev.get("lambda_min_lower"), "lambda_min_lower")
    K = _gram(ctx)
    if not sigma > 0 or not rump_pd(K, sigma, ctx["Mbound"]):
        return I, f"Rump's test does not prove lambda_min(K) > {sigma:.3e}"
    ctx["sigma"] = sigma
    return V, f"K = J J^T ({ctx['m']} x {ctx['m']}) positive definite, lambda_min > {sigma:.3e} " \
              f"(own Gram, error bound {ctx['Mbound']:.1e}, own shift, float64 Cholesky)"


def _lipschitz(ctx, rho):
    (W, b), (Vout, _) = ctx["Wb"]
    X = ctx["X"]
    act = ctx["layers"][0][2]
    xi = np.sqrt((X * X).sum(axis=1) + (1.0 if b is not None else 0.0))
    Z = X @ W.T + (b if b is not None else 0.0)
    zmax = float(np.abs(Z).max()) + rho * float(xi.max())
    S1, S2 = act.sups(zmax)
    vmax = np.abs(Vout).max(axis=1) + rho
    g = vmax[None, :] * S2 * (xi ** 2)[:, None] + S1 * xi[:, None]
    return float(np.sqrt((g * g).sum())) * SAFETY


def rule_zero(ctx, claim):
    if claim.get("status") != V:
        return I, "not claimed"
    if "sigma" not in ctx:
        return I, "needs a verified rank-J-float claim first"
    if len(ctx["layers"]) != 2:
        return I, "the Lipschitz bound is implemented for one hidden layer only"
    ev = claim.get("evidence") or {}
    stored = _float(ev.get("radius"), "radius")
    K, sigma = ctx["K"], ctx["sigma"]
    _, out = forward(ctx["Wb"], ctx["layers"], ctx["X"])
    H = (out - ctx["Y"]).reshape(-1)
    hnorm = float(np.linalg.norm(H)) * SAFETY
    lam_max = float(np.abs(K).sum(axis=1).max()) * SAFETY + ctx["Mbound"]
    eta = hnorm / sigma
    rho = math.sqrt(lam_max) * 2.0 * eta * SAFETY
    gamma = _lipschitz(ctx, rho)
    h = gamma * lam_max * eta / sigma * SAFETY
    if not h <= 0.5:
        return I, f"Kantorovich h = {h:.3e} > 1/2 with the checker's own bounds"
    if not stored >= rho:
        return I, f"the stated radius {stored:.3e} is below the checker's own {rho:.3e}"
    ctx.update(rho=rho, gamma=gamma)
    return V, f"zero within {rho:.2e}: h = {h:.1e} <= 1/2 (own ||H|| = {hnorm:.2e}, gamma_J <= {gamma:.2e})"


def rule_manifold(ctx, claim):
    if claim.get("status") != V:
        return I, "not claimed"
    if "rho" not in ctx:
        return I, "needs verified rank-J-float and zero-float claims first"
    dim = (claim.get("evidence") or {}).get("dimension")
    if dim != ctx["n"] - ctx["m"]:
        return I, f"dimension must be n - l*d = {ctx['n'] - ctx['m']}"
    smin = math.sqrt(ctx["sigma"]) - ctx["gamma"] * ctx["rho"]
    if not smin > 0:
        return I, "sigma_min(J) - gamma_J rho is not positive"
    ctx["smin"] = smin
    return V, f"sigma_min(J(w*)) >= {smin:.3e}: M is a smooth {dim}-manifold near w*"


def rule_hessian(ctx, claim):
    if claim.get("status") != V:
        return I, "not claimed"
    if "smin" not in ctx:
        return I, "needs a verified manifold-float claim first"
    ev = claim.get("evidence") or {}
    n, m = ctx["n"], ctx["m"]
    if ev.get("positive") != m or ev.get("zero") != n - m:
        return I, f"the signature must be {m} positive, {n - m} zero"
    lo = _float(ev.get("min_positive_lower"), "min_positive_lower")
    own = 2.0 * ctx["smin"] ** 2 / SAFETY
    if not lo <= own:
        return I, f"the stated bound {lo:.3e} exceeds the checker's own {own:.3e}"
    top = ev.get("top_eigenvalues_2K")
    if not isinstance(top, list) or len(top) > m:
        raise FormatError("top_eigenvalues_2K must be a list of at most l*d numbers")
    if top:
        mine = np.linalg.eigvalsh(2.0 * ctx["K"])[::-1][:len(top)]
        got = np.array([_float(t, "eigenvalue") for t in top])
        tol = 1e-8 * float(abs(mine[0])) + 2.0 * ctx["Mbound"]
        if not np.all(np.abs(mine - got) <= tol):
            return I, "the listed eigenvalues of 2K disagree with the checker's"
    return V, f"{m} positive eigenvalues >= {lo:.3e}, {n - m} zero; {len(top)} listed eigenvalues agree"


FLOAT_RULES = {"distinct-inputs": rule_distinct, "activation-smooth": rule_smooth, "overparameterized": rule_over,
               "rank-J-float": rule_rank, "zero-float": rule_zero, "manifold-float": rule_manifold,
               "hessian-signature-float": rule_hessian}
