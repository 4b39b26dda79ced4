r"""``cooper-connected`` in the floating-point tier: a chain of float64 points and one contraction test per
segment (numpy; the solver calls these same functions, the checker re-runs them).

The mathematics
---------------
H: R^n -> R^m (m = l*d), J = DH. The certificate stores float64 points p_0, ..., p_K (the *chain*) and, per
segment j = 0..K-1, a lower bound sigma_j on lambda_min(K_j), K_j = J(p_j) J(p_j)^T, and a radius r_j.
Write c = p_j (the segment's centre), s = sqrt(sigma_j) <= sigma_min(J(c)), and A = J(c)^+ = J(c)^T K_j^{-1},
the exact pseudo-inverse (never computed: the argument uses only J(c) A = I and ||A|| = 1/sigma_min(J(c))
<= 1/s). The *base set* of the segment is the capsule

    S_j = {x + u : x in [p_j, p_{j+1}], ||u|| <= rho_j},

rho_0 = 0 and rho_j (j >= 1) the bound below on how far the zero of segment j-1 at p_j lies from p_j.
For a base point q in S_j let T_q(y) = y - H(q + A y), y in R^m. Then T_q'(y) = (J(c) - J(x)) A with
x = q + A y, so with

    h = ||p_{j+1} - p_j||,  delta = h + rho_j,  R = delta + r_j / s,
    gamma >= a Lipschitz constant of J (spectral norm) on the ball B(c, R) (:func:`numerics.lipschitz_J`,
             the bound the zero-float claim uses; the same numbers bound ||D^2 H(x)[u, u]|| <= gamma ||u||^2),
    kappa = gamma R / s,
    eps = max(||H(p_j)||, ||H(p_{j+1})||) + gamma h^2 / 8 + (sqrt(Lam_j) + gamma R) rho_j
          (Lam_j >= lambda_max(K_j); the second term bounds the gap between H on the segment and the linear
          interpolation of its end values, the third the move by u along the capsule),

every T_q (q in S_j) is a kappa-contraction of the closed ball B(0, r_j) into itself when kappa < 1 and
eps <= (1 - kappa) r_j: ||T_q(y)|| <= ||H(q)|| + kappa ||y|| <= r_j. So H(q + A y) = 0 has exactly one
solution y*(q) in that ball, and y*(q) depends continuously on q (a uniform contraction). The zeros
Phi_j(q) = q + A y*(q) form the continuous image of the convex set S_j, a path-connected subset of M, and
sigma_min(J(x)) >= s - gamma R = s (1 - kappa) > 0 on B(c, R), which contains it: rank J = l*d there.
At q = p_{j+1} the fixed point lies within ||T(0)|| / (1 - kappa) of 0, so the zero z_{j+1} = Phi_j(p_{j+1})
lies within rho_{j+1} = ||H(p_{j+1})|| / ((1 - kappa) s) of p_{j+1} (likewise z_0 = Phi_0(p_0) within
||H(p_0)|| / ((1 - kappa_0) s_0) of p_0). z_{j+1} lies in S_{j+1} and is a zero, so Phi_{j+1}(z_{j+1}) =
z_{j+1} (y = 0 is the unique fixed point): consecutive pieces share a point, and the union of the Phi_j(S_j)
holds a path in M from z_0 to z_K with rank J = l*d along it. The distances from the given points follow:
max|z_0 - w_start| <= max|p_0 - w_start| + ||z_0 - p_0||, likewise at the end.

The sampled form (a segment that states ``samples`` = N; without it the one-piece form above). Sample
points x_k = p_j + (k/N)(p_{j+1} - p_j) in float64 (x_0 = p_j, x_N = p_{j+1} exactly); the base line is the
polyline through them and S_j its capsule of radius rho_j (path-connected, holding p_j and p_{j+1}: the argument
above goes through unchanged). With h_k >= ||x_{k+1} - x_k||, D_k >= ||J(x_k) - J(c)||_F >= ||J(x_k) - J(c)||_2
(exactly from the layer factors, :func:`jacobian_gap`), hx >= max_k ||x_k - c|| and R = hx + rho_j + r_j / s
(the tube lies in B(c, R)): a point x of the tube is x' + v with x' on the piece [x_k, x_{k+1}] at distance a
from x_k (h_k - a from x_{k+1}) and ||v|| <= t = rho_j + r_j / s, so
||J(x) - J(c)|| <= min(D_k + gamma (a + t), D_{k+1} + gamma (h_k - a + t)) <= (D_k + D_{k+1} + gamma h_k) / 2
+ gamma t (the smaller of two lines is at most their mean), and

    kappa = min(gamma R, max_k (D_k + D_{k+1} + gamma h_k) / 2 + gamma (rho_j + r_j / s)) / s,
    eps = max_k [max(||H(x_k)||, ||H(x_{k+1})||) + gamma h_k^2 / 8] + (sqrt(Lam_j) + gamma R) rho_j.

The sampled Jacobian differences replace gamma's share along the segment (measured on MLP 20-500-1 tanh,
d = 100: gamma = 112 against ||J(q) - J(c)||_2 / ||q - c|| = 2.4 and ||J(q) - J(c)||_F / ||q - c|| = 9.3), so a
segment may be about s / ||J'||_F long instead of s / gamma; gamma still bounds J's change across the tube and
between neighbouring samples (N about gamma h / (0.2 s) keeps that share near 0.1).

Floating point: the forward pass values at every chain and sample point (hence H, the factors of K and
the layer factors of J) are the float64
values this module computes (the tier's assumption); K's forming error is bounded a priori and Rump's test
proves lambda_min(K_j) > sigma_j (the zero-float claim's machinery). The scalar bounds above are evaluated
in float64 with a relative margin of 1e-9 per step, the 2-norms of n-vectors with a margin of 1e-6 (their
rounding is at most n u < 5e-8 for the n this checker accepts).

Standard library, numpy and ``verifier.checker`` only.
"""

from __future__ import annotations

import math

import numpy as np

from ..format import FormatError
from .dense import DenseNet
from .numerics import SAFETY, error_norm, lipschitz_J, parse_float, rump_pd, spectral_cheap, spectral_proven

__all__ = ["NORM_SAFETY", "MAX_SAMPLES", "norm_up", "point_facts", "centre_problem", "jacobian_factors", "jacobian_gap",
           "segment_samples", "segment_bounds", "check_chain"]

NORM_SAFETY = 1.0 + 1e-6
MAX_SAMPLES = 4096
# relative allowance for the rounding of the sums in jacobian_gap (each sum has at most 10^7 terms: gamma_k < 2e-9)
GAP_ROUND = 1e-8


def norm_up(v) -> float:
    """An upper bound on the 2-norm of the float64 vector v (margin for its rounding, n u <= 5e-8)."""
    v = np.asarray(v, dtype=np.float64).reshape(-1)
    return float(np.sqrt(np.dot(v, v))) * NORM_SAFETY


def point_facts(model, w, X, Y, *, centre: bool = True) -> dict:
    """What the tests need at a chain point: ||H|| (upper bound); for a centre also K = J J^T (the structured
    formula), its error bound M, Lam >= lambda_max(K) and the radius-free part of the Lipschitz bound."""
    p, l, layers = model
    net = DenseNet(p, l, layers, w, X)
    H = (net.output() - Y).reshape(-1)
    out = {"hnorm": norm_up(H)}
    if not np.isfinite(H).all():
        out["hnorm"] = math.inf
        return out
    if centre:
        K, Ka, mr, ufl = net.gram()
        M = error_norm(Ka, mr, ufl)
        out.update(net=net, K=K, M=M, m_round=int(mr),
                   lam_max=float(np.abs(K).sum(axis=1).max()) * SAFETY + M, prep=net.lipschitz_prep())
    return out


def centre_problem(facts: dict, sigma: float, spectral) -> str | None:
    """None when Rump's test proves lambda_min(K) > sigma at the centre and the stated spectral-norm bounds of
    the hidden-to-hidden weight matrices hold there; else the reason."""
    net = facts["net"]
    if not (np.isfinite(facts["K"]).all() and math.isfinite(facts["lam_max"]) and math.isfinite(facts["M"])):
        return "K = J J^T or its error bound is not finite at the centre"
    if len(spectral) != max(net.L - 1, 0):
        return f"spectral_norm_upper must list one bound per hidden-to-hidden weight matrix ({max(net.L - 1, 0)})"
    for k, (t, Wk) in enumerate(zip(spectral, net.spectral_matrices()), start=2):
        if not spectral_proven(Wk, t):
            return f"the stated bound ||W_{k}||_2 <= {t:.6e} is not proven (own cheap bound {spectral_cheap(Wk):.6e})"
    if not (sigma > 0 and rump_pd(facts["K"], sigma, facts["M"])):
        return f"Rump's test does not prove lambda_min(J J^T) > {sigma:.3e}"
    return None


def jacobian_factors(net):
    """Per layer k = 1..L+1: (A_{k-1}, bias_k, Delta_k) with the rows of J = DH (sample i, output o) made of the
    blocks vec(Delta_k[i, o] (A_{k-1}[i], [1])^T) (the gradient of f_o(x_i) in (W_k, b_k)); A_0 = X,
    Delta_{L+1}[i] = I_l, Delta_k = (Delta_{k+1} W_{k+1}) * s_k'(Z_k). The float64 values of the forward and
    backward pass (the tier's assumption, as for the factors of K)."""
    Wb, layers, X = net.Wb, net.layers, net.X
    d, l = X.shape[0], net.l
    As, Zs = [X], []
    for (W, b), act in zip(Wb[:-1], net.acts):          # the forward pass of dense.forward, keeping A_k
        Z = As[-1] @ W.T
        if b is not None:
            Z = Z + b
        Zs.append(Z)
        As.append(act.f(Z))
    Delta = np.broadcast_to(np.eye(l), (d, l, l))
    out = []
    for k in range(len(layers), 0, -1):
        out.append((As[k - 1], layers[k - 1][1], Delta))
        if k > 1:
            Delta = (Delta @ Wb[k - 1][0]) * net.acts[k - 2].df(Zs[k - 2])[:, None, :]
    return out[::-1]


def _rowdot(a, b):
    """sum over the last axis of a * b (no temporary of a's size)."""
    return np.einsum("...k,...k->...", a, b)


def jacobian_gap(fP, fQ) -> float:
    """An upper bound on ||J(P) - J(Q)||_2 from :func:`jacobian_factors` at P and Q: its Frobenius norm, block
    by block ||u a^T + v b^T||_F^2 = |u|^2 |a|^2 + |v|^2 |b|^2 + 2 (u.v)(a.b) with u = Delta_P - Delta_Q,
    v = Delta_Q, a = (A_P, [1]), b = (A_P - A_Q, [0]); each block's rounding (the two subtractions and the
    sums, at most 10^7 terms each) is below GAP_ROUND (|u||a| + |v||b|)^2."""
    tot = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for (AP, bias, DP), (AQ, _, DQ) in zip(fP, fQ):
            u = DP - DQ
            uu, vv, uv = _rowdot(u, u), _rowdot(DQ, DQ), _rowdot(u, DQ)
            bv = AP - AQ
            aa = _rowdot(AP, AP) + (1.0 if bias else 0.0)
            bb, ab = _rowdot(bv, bv), _rowdot(AP, bv)
            S = uu * aa[:, None] + vv * bb[:, None] + 2.0 * uv * ab[:, None]
            T = np.sqrt(uu * aa[:, None]) + np.sqrt(vv * bb[:, None])
            tot += float((np.maximum(S, 0.0) + GAP_ROUND * T * T).sum())
    out = math.sqrt(tot) * NORM_SAFETY if math.isfinite(tot) else math.inf
    return out


def segment_samples(model, X, Y, c, q, samples: int, cfac=None) -> dict:
    """The sample points of a segment and what the test needs at them: x_k = c + (k/N)(q - c) in float64
    (k = 1..N-1), x_0 = c, x_N = q; the polyline through them is the segment's base line. Returns
    ``h`` (N,) >= ||x_{k+1} - x_k||, ``gap`` (N+1,) >= ||J(x_k) - J(c)||_2 (:func:`jacobian_gap`),
    ``hn`` (N+1,) >= ||H(x_k)||, ``reach`` >= max_k ||x_k - c||."""
    p, l, layers = model
    N = int(samples)
    if cfac is None:
        cfac = jacobian_factors(DenseNet(p, l, layers, c, X))
    xs = [c] + [c + (k / N) * (q - c) for k in range(1, N)] + [q]
    h = np.array([norm_up(xs[k + 1] - xs[k]) for k in range(N)])
    gap, hn = np.zeros(N + 1), np.zeros(N + 1)
    for k, x in enumerate(xs):
        net = DenseNet(p, l, layers, x, X)
        fac = jacobian_factors(net) if k > 0 else cfac
        W, b = net.Wb[-1]
        out = fac[-1][0] @ W.T                  # the output layer from the factors' last hidden layer
        H = ((out + b) if b is not None else out) - Y
        H = H.reshape(-1)
        hn[k] = norm_up(H) if np.isfinite(H).all() else math.inf
        if k > 0:
            gap[k] = jacobian_gap(fac, cfac) if math.isfinite(hn[k]) else math.inf
    return {"h": h, "gap": gap, "hn": hn, "reach": max(norm_up(x - c) for x in xs)}


def segment_bounds(facts: dict, sigma: float, radius: float, spectral, h: float, rho_in: float,
                   hnorm_next: float, samples: dict | None = None):
    """The contraction test of one segment (module docstring), its scalar part: (reason or None, numbers).

    ``facts``: :func:`point_facts` at the centre (whose Rump test :func:`centre_problem` must pass too);
    ``h`` >= ||p_{j+1} - p_j||, ``rho_in`` the capsule's radius, ``hnorm_next`` >= ||H(p_{j+1})||;
    ``samples``: :func:`segment_samples` (the sampled form), None for the one-piece form. The numbers:
    kappa, eps, gamma, R, rho_out (the next zero's distance from p_{j+1}), rho_start (this segment's zero at
    p_j from p_j)."""
    if not (math.isfinite(radius) and radius > 0 and sigma > 0):
        return "the radius and sigma must be positive", {}
    s = math.sqrt(sigma) / SAFETY
    reach = h if samples is None else max(h, samples["reach"])
    delta = (reach + rho_in) * SAFETY
    tube = (rho_in + radius / s * SAFETY) * SAFETY
    R = (delta + radius / s * SAFETY) * SAFETY
    gamma = lipschitz_J(facts["prep"], R, spectral)
    kappa = gamma * R / s * SAFETY
    nums = {"gamma": gamma, "R": R}
    if samples is None:
        far = max(facts["hnorm"], hnorm_next) * SAFETY + gamma * h * h / 8.0 * SAFETY ** 3
    else:
        hk, gap, hn = samples["h"], samples["gap"], samples["hn"].copy()
        hn[0], hn[-1] = max(hn[0], facts["hnorm"]), max(hn[-1], hnorm_next)
        with np.errstate(over="ignore", invalid="ignore"):
            along = float(((gap[:-1] + gap[1:]) * SAFETY + gamma * hk * SAFETY ** 2).max()) / 2.0 * SAFETY
            kappa = min(kappa, (along + gamma * tube * SAFETY) / s * SAFETY ** 2)
            far = float((np.maximum(hn[:-1], hn[1:]) * SAFETY + gamma * hk * hk / 8.0 * SAFETY ** 3).max()) \
                * SAFETY
        if not math.isfinite(far):
            far = math.inf
        nums["along"] = along / s
    nums["kappa"] = kappa
    if not kappa < 1.0:
        return f"no contraction: kappa = {kappa:.3e} >= 1 (gamma_J <= {gamma:.3e}, R = {R:.3e})", nums
    eps = (far + (math.sqrt(facts["lam_max"]) * SAFETY + gamma * R * SAFETY) * rho_in * SAFETY) * SAFETY ** 2
    nums["eps"] = eps
    room = (1.0 - kappa) * radius / SAFETY ** 2
    if not eps <= room:
        return f"the ball of radius {radius:.3e} is not mapped into itself: eps = {eps:.3e} > (1 - kappa) r " \
               f"= {room:.3e}", nums
    low = (1.0 - kappa) * s / SAFETY ** 2
    nums.update(rho_out=hnorm_next / low * SAFETY, rho_start=facts["hnorm"] / low * SAFETY)
    return None, nums


def check_chain(model, X, Y, chain, segments, *, start, end, stated, say=None):
    """Re-run every segment of a chain (the checker's rule; also what the solver states).

    ``chain`` (K+1, n) float64, ``segments`` K dicts with lambda_min_lower, radius, spectral_norm_upper (short
    float strings); ``start``, ``end`` the given points; ``stated``: start_distance, end_distance, max_distance
    (strings). Returns (reason or None, message numbers)."""
    if chain.ndim != 2 or chain.shape[0] < 2:
        raise FormatError("the chain must hold at least two points")
    if not isinstance(segments, list) or len(segments) != chain.shape[0] - 1:
        raise FormatError("one segment per consecutive pair of chain points")
    rho_in, rho_first = 0.0, None
    hnext = None
    for j, seg in enumerate(segments):
        if not isinstance(seg, dict) or set(seg) - {"samples"} != {"lambda_min_lower", "radius", "spectral_norm_upper"}:
            raise FormatError("a segment holds exactly lambda_min_lower, radius, spectral_norm_upper and optionally "
                              "samples")
        nsamp = seg.get("samples")
        if nsamp is not None and (type(nsamp) is not int or not 1 <= nsamp <= MAX_SAMPLES):
            raise FormatError(f"samples must be an integer from 1 to {MAX_SAMPLES}")
        sigma = parse_float(seg["lambda_min_lower"], "lambda_min_lower")
        radius = parse_float(seg["radius"], "radius")
        if not isinstance(seg["spectral_norm_upper"], list):
            raise FormatError("spectral_norm_upper must be a list")
        spectral = [parse_float(t, "spectral_norm_upper") for t in seg["spectral_norm_upper"]]
        facts = point_facts(model, chain[j], X, Y)
        if not math.isfinite(facts["hnorm"]):
            return f"segment {j + 1}: H is not finite at its centre", {}
        bad = centre_problem(facts, sigma, spectral)
        if bad:
            return f"segment {j + 1}: {bad}", {}
        hnext = point_facts(model, chain[j + 1], X, Y, centre=False)["hnorm"]
        h = norm_up(chain[j + 1] - chain[j])
        samp = None if nsamp is None else segment_samples(model, X, Y, chain[j], chain[j + 1], nsamp,
                                                          jacobian_factors(facts["net"]))
        bad, nums = segment_bounds(facts, sigma, radius, spectral, h, rho_in, hnext, samp)
        if bad:
            return f"segment {j + 1}: {bad}", {}
        if rho_first is None:
            rho_first = nums["rho_start"]
        rho_in = nums["rho_out"]
        if say:
            say(f"segment {j + 1}/{len(segments)}: kappa = {nums['kappa']:.3f}")
    sd = float(np.abs(chain[0] - start).max()) * NORM_SAFETY + rho_first * SAFETY
    ed = float(np.abs(chain[-1] - end).max()) * NORM_SAFETY + rho_in * SAFETY
    limit = parse_float(stated.get("max_distance"), "max_distance")
    for what, own in (("start", sd), ("end", ed)):
        told = parse_float(stated.get(f"{what}_distance"), f"{what}_distance")
        if not own <= told:
            return f"the stated {what}_distance {told:.3e} is below the checker's own {own:.3e}", {}
        if not told <= limit:
            return f"the {what} of the path lies {told:.3e} from the given {what} point, farther than " \
                   f"max_distance = {limit:.3e}", {}
    return None, {"start_distance": sd, "end_distance": ed}
