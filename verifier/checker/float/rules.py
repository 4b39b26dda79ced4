"""One rule per claim of the floating-point tier (see tier.py for what is recomputed).

A rule returns ``(status, message)``; stored numbers are read only as claims to be
implied by the checker's own: a stored lower bound must be <= its own proven one,
a stored radius, Lipschitz constant gamma_J (recomputed at the stored radius) and
Kantorovich h >= its own, a stored spectral-norm bound proven by its own test.
"""

from __future__ import annotations

import math

import numpy as np

from ..format import FormatError
from .path import check_chain
from .numerics import SAFETY, error_norm, lipschitz_J, parse_float, rump_pd, spectral_cheap, spectral_proven

V, R, I = "verified", "refuted", "inconclusive"


def gram(ctx):
    """The checker's own K = J J^T (cached in ``ctx`` with its error bound and its roundings per term)."""
    if "K" not in ctx:
        K, Ka, mr, ufl = ctx["net"].gram()
        ctx.update(K=K, Mbound=error_norm(Ka, mr, ufl), m_round=int(mr))
    return ctx["K"]


def rule_distinct(ctx, claim):
    X = ctx["X"]
    uniq = np.unique(X, axis=0)
    if uniq.shape[0] == X.shape[0]:
        return V, f"the {X.shape[0]} inputs are pairwise distinct (exact float64 comparison)"
    pair = (claim.get("evidence") or {}).get("duplicate_indices")
    if not (isinstance(pair, list) and len(pair) == 2 and all(type(i) is int and 0 <= i < X.shape[0] for i in pair)
            and pair[0] != pair[1] and np.array_equal(X[pair[0]], X[pair[1]])):
        return I, "the evidence's duplicate_indices are not two equal inputs"
    return R, f"{X.shape[0] - uniq.shape[0]} input(s) repeat an earlier one"


def rule_smooth(ctx, claim):
    names = [act.name for act in ctx["net"].acts]
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
    sigma = parse_float(ev.get("lambda_min_lower"), "lambda_min_lower")
    K = gram(ctx)
    if not sigma > 0 or not rump_pd(K, sigma, ctx["Mbound"]):
        return I, f"Rump's test does not prove lambda_min(K) > {sigma:.3e}"
    ctx["sigma"] = sigma
    return V, f"K = J J^T ({ctx['m']} x {ctx['m']}) positive definite, lambda_min > {sigma:.3e} " \
              f"(own Gram, error bound {ctx['Mbound']:.1e}, own shift, float64 Cholesky)"


def rule_zero(ctx, claim):
    if claim.get("status") != V:
        return I, "not claimed"
    if "sigma" not in ctx:
        return I, "needs a verified rank-J-float claim first"
    ev = claim.get("evidence") or {}
    stored = parse_float(ev.get("radius"), "radius")
    stated_gamma = parse_float(ev.get("gamma_J"), "gamma_J")
    stated_h = parse_float(ev.get("h"), "h")
    net = ctx["net"]
    L = net.L
    spec = ev.get("spectral_norm_upper")
    if not isinstance(spec, list) or len(spec) != max(L - 1, 0):
        return I, f"spectral_norm_upper must list one bound per hidden-to-hidden weight matrix ({max(L - 1, 0)})"
    spectral = [parse_float(t, "spectral_norm_upper") for t in spec]
    for k, (t, Wk) in enumerate(zip(spectral, net.spectral_matrices()), start=2):
        if not spectral_proven(Wk, t):
            return I, f"the stated bound ||W_{k}||_2 <= {t:.6e} is not proven (own cheap bound " \
                      f"{spectral_cheap(Wk):.6e}, Rump test failed)"
    try:
        prep = net.lipschitz_prep()
    except FormatError as exc:
        return I, f"no Lipschitz bound on J: {exc}"
    K, sigma = ctx["K"], ctx["sigma"]
    H = (net.output() - ctx["Y"]).reshape(-1)
    hnorm = float(np.linalg.norm(H)) * SAFETY
    lam_max = float(np.abs(K).sum(axis=1).max()) * SAFETY + ctx["Mbound"]
    eta = hnorm / sigma
    rho = math.sqrt(lam_max) * 2.0 * eta * SAFETY
    gamma = lipschitz_J(prep, rho, spectral)
    h = gamma * lam_max * eta / sigma * SAFETY
    if not h <= 0.5:
        return I, f"Kantorovich h = {h:.3e} > 1/2 with the checker's own bounds"
    if not h <= stated_h <= 0.5:
        return I, f"the stated h = {stated_h:.3e} is not between the checker's own {h:.3e} and 1/2"
    if not stored >= rho:
        return I, f"the stated radius {stored:.3e} is below the checker's own {rho:.3e}"
    gamma_at = lipschitz_J(prep, stored, spectral)
    if not stated_gamma >= gamma_at:
        return I, f"the stated gamma_J {stated_gamma:.6e} is below the checker's own {gamma_at:.6e} on the " \
                  f"ball of the stated radius {stored:.3e}"
    ctx.update(rho=rho, gamma=gamma)
    return V, f"zero within {rho:.2e}: h = {h:.1e} <= 1/2 (own ||H|| = {hnorm:.2e}, gamma_J <= {gamma:.2e}, " \
              f"{L} hidden layer{'s' if L != 1 else ''}); stated gamma_J >= own {gamma_at:.2e} on the stated ball"


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
    lo = parse_float(ev.get("min_positive_lower"), "min_positive_lower")
    own = 2.0 * ctx["smin"] ** 2 / SAFETY
    if not lo <= own:
        return I, f"the stated bound {lo:.3e} exceeds the checker's own {own:.3e}"
    top = ev.get("top_eigenvalues_2K")
    if not isinstance(top, list) or len(top) > m:
        raise FormatError("top_eigenvalues_2K must be a list of at most l*d numbers")
    if top:
        mine = np.linalg.eigvalsh(2.0 * ctx["K"])[::-1][:len(top)]
        got = np.array([parse_float(t, "eigenvalue") for t in top])
        tol = 1e-8 * float(abs(mine[0])) + 2.0 * ctx["Mbound"]
        if not np.all(np.abs(mine - got) <= tol):
            return I, "the listed eigenvalues of 2K disagree with the checker's"
    return V, f"{m} positive eigenvalues >= {lo:.3e}, {n - m} zero; {len(top)} listed eigenvalues agree"


def rule_path(ctx, claim):
    """cooper-connected: every segment of the chain re-tested (path.py), the distances re-derived."""
    if claim.get("status") != V:
        return I, "not claimed"
    if "chain" not in ctx:
        return I, "a path claim belongs to a cooper-connected certificate"
    ev = claim.get("evidence") or {}
    reason, nums = check_chain(ctx["model"], ctx["X"], ctx["Y"], ctx["chain"], ev.get("segments"),
                               start=ctx["w"], end=ctx["w_end"], stated=ev)
    if reason:
        return I, reason
    k = ctx["chain"].shape[0] - 1
    return V, f"{k} segment{'s' if k != 1 else ''} re-proven (own K, Rump's test, Lipschitz bound and contraction " \
              f"at each centre); ends within {nums['start_distance']:.2e} and {nums['end_distance']:.2e}"


FLOAT_RULES = {"distinct-inputs": rule_distinct, "activation-smooth": rule_smooth, "overparameterized": rule_over,
               "rank-J-float": rule_rank, "zero-float": rule_zero, "manifold-float": rule_manifold,
               "hessian-signature-float": rule_hessian, "path": rule_path}
