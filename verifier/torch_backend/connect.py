"""The search of ``cooper-connected`` in the floating-point tier: a chain of float64 points on M between two
approximate zeros, each segment proven by the checker's own contraction test
(:mod:`verifier.checker.float.path`, where the mathematics is).

1. Both given points are pushed to M by least-norm Gauss-Newton (:func:`verify.gauss_newton`): p_0 and b.
2. From the current chain point p (a centre: K = J J^T with its error bound, a lower bound sigma on
   lambda_min(K) proven by Rump's test, the Lipschitz bound's data), the next point is aimed at along the
   straight line towards b, at a distance h = f sqrt(sigma) / gamma_J (f adaptive: it grows by up to 1.5x a
   segment towards kappa = KAPPA_AIM and shrinks by 0.6 where the test fails), and projected back to M by chord
   Newton steps x <- x - J(x)^T K^{-1} H(x) with the centre's K (least-norm corrections, J never formed;
   full Gauss-Newton when the chord steps stall). The last step aims at b itself, so the chain ends at b.
3. The segment [p, q] is tested in the sampled form (:func:`path.segment_samples`: ||J(x_k) - J(p)||_F and
   ||H(x_k)|| at N = gamma_J h / (SAMPLE_SPACING sqrt(sigma)) points) and enters the chain only once
   :func:`path.segment_bounds` passes with the stated radius; on failure the step is shortened (more segments
   where J turns fast or sigma is small).

A budget (``timeout``, ``max_segments``) or steps that shrink below ``MIN_STEP`` stop the search; the caller
states the path claim inconclusive with the fraction of the distance covered.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from ..checker.float.dense import read_model
from ..checker.float.path import (MAX_SAMPLES, centre_problem, jacobian_factors, norm_up, point_facts,
                                  segment_bounds, segment_samples)
from .core import pinned_threads, spectral_norm_upper
from .verify import gauss_newton, short_number

MIN_STEP = 1e-12          # relative to ||b - p_0||: below it the search stops


class Stop(Exception):
    """The search ends without reaching the end point: why, and the fraction of the route covered."""

    def __init__(self, reason: str, t: float):
        super().__init__(reason)
        self.reason, self.t = reason, t


def _sigma(facts, spectral) -> float | None:
    """A lower bound on lambda_min(K) that the centre's test (Rump's, and the spectral bounds) proves, or None."""
    lam = float(np.linalg.eigvalsh(facts["K"])[0])
    for f in (0.99, 0.9, 0.5, 0.1):
        s = float(short_number(f * lam))
        if s > 0 and centre_problem(facts, s, spectral) is None:
            return s
    return None


# the sampled test (path.segment_samples): samples spaced about SAMPLE_SPACING sqrt(sigma) / gamma_J apart, so
# that gamma_J's share of kappa stays near SAMPLE_SPACING / 2; the step grows towards kappa = KAPPA_AIM, up to F_MAX
# sqrt(sigma) / gamma_J (kappa grows about linearly with the step: the step aims at kappa = KAPPA_AIM)
SAMPLE_SPACING = 0.2
KAPPA_AIM = 0.75
F_MAX = 1e4
KAPPA_MAX = 0.95          # margins the search keeps, so that the checker's own float64 numbers pass too
EPS_ROOM = 0.8
# ||H|| at a point of M is at the rounding floor, where another BLAS thread count changes it by a small factor:
# the search tests (and states distances) with 4 ||H||; every bound is increasing in ||H||, so the checker's own
# smaller values pass.
H_MARGIN = 4.0


def _radius(facts, sigma, spectral, h, rho_in, hnext, samples=None):
    """(stated radius, numbers) passing the segment test with margins (kappa <= KAPPA_MAX, eps <= EPS_ROOM
    (1 - kappa) r), or (None, reason)."""
    r = 2.0 * (max(facts["hnorm"], hnext) + 1e-300)
    for _ in range(40):
        bad, nums = segment_bounds(facts, sigma, r, spectral, h, rho_in, hnext, samples)
        if bad is None and not nums["kappa"] <= KAPPA_MAX:
            return None, f"kappa = {nums['kappa']:.3f} above the search's margin {KAPPA_MAX}"
        if bad is None and nums["eps"] <= EPS_ROOM * (1.0 - nums["kappa"]) * r:
            return float(short_number(r)), nums
        if "kappa" not in nums or not nums["kappa"] < KAPPA_MAX or "eps" not in nums:
            return None, bad or "no contraction margin"
        r = max(r * 1.0001, 1.25 * nums["eps"] / (1.0 - nums["kappa"]))
        r = float(short_number(r))
    return None, bad


def search_chain(doc, X, Y, w_start, w_end, *, timeout: float, max_segments: int, steps: int = 30,
                 tol: float = 1e-13, progress=None):
    """(chain, segments, (rho_start, rho_end)): the chain (list of float64 vectors), the segments' stated
    numbers and the bounds on how far the path's ends lie from the chain's ends (the checker's own formulas,
    :func:`path.segment_bounds`); raises :class:`Stop` with the proven prefix in ``Stop.chain``,
    ``Stop.segments``."""
    from . import models
    say = progress or (lambda text: None)
    t_start = time.perf_counter()
    model = models.model_from_doc(doc)
    mdl = read_model(doc)
    Xt, Yt = torch.as_tensor(X), torch.as_tensor(Y)
    L = len(doc["layers"]) - 1

    def project_gn(x):
        w, hist = gauss_newton(model, torch.as_tensor(x), Xt, Yt, steps=steps, tol=tol)
        return w.detach().numpy().astype(np.float64), hist[-1]

    say("Gauss-Newton to M at the start and the end")
    p0, h0 = project_gn(w_start)
    b, h1 = project_gn(w_end)
    chain, segments = [p0], []
    total = max(float(np.linalg.norm(b - p0)), 1e-300)

    def covered(p):
        return max(0.0, min(1.0, 1.0 - float(np.linalg.norm(b - p)) / total))

    def stop(reason, p):
        exc = Stop(reason, covered(p))
        exc.chain, exc.segments = chain, segments
        return exc

    if not (math.isfinite(h0) and math.isfinite(h1)):
        raise stop("Gauss-Newton diverged at the start or the end", p0)

    def centre(p):
        facts = point_facts(mdl, p, X, Y)
        facts["hnorm"] *= H_MARGIN
        if not math.isfinite(facts["hnorm"]):
            raise stop("H is not finite at a chain point", p)
        layers = [W for W, _ in facts["net"].Wb]
        spectral = [float(short_number(spectral_norm_upper(layers[k]))) for k in range(1, L)]
        sigma = _sigma(facts, spectral)
        if sigma is None:
            raise stop("J J^T is not proven positive definite at a chain point (rank J < l*d there?), or a "
                       "spectral-norm bound failed", p)
        Kc = torch.as_tensor(facts["K"])
        chol, info = torch.linalg.cholesky_ex(0.5 * (Kc + Kc.T))
        facts["factors"] = jacobian_factors(facts["net"])
        return facts, sigma, spectral, (chol if int(info) == 0 else None)

    def project_chord(x, chol):
        """Chord Newton towards M with the centre's K; (point, max|H|) or None when it stalls."""
        w = torch.as_tensor(x)
        with torch.no_grad():
            r = model.residual(w, Xt, Yt)
        for _ in range(12):
            err = float(r.abs().max())
            if err <= tol:
                return w.numpy().astype(np.float64)
            if chol is None or not math.isfinite(err):
                return None
            v = torch.cholesky_solve(r[:, None], chol)[:, 0]
            w_new = w - model.vjp(w, Xt, v)
            with torch.no_grad():
                r_new = model.residual(w_new, Xt, Yt)
            if not float(r_new.abs().max()) < err:
                break
            w, r = w_new, r_new
        return None

    f = 0.5
    rho_in, rho_first = 0.0, None
    p = p0
    with pinned_threads(blas=1):
        facts, sigma, spectral, chol = centre(p)
        while True:
            if time.perf_counter() - t_start > timeout:
                raise stop(f"the time budget of {timeout:g} s ran out after {len(segments)} segments", p)
            if len(segments) >= max_segments:
                raise stop(f"the budget of {max_segments} segments ran out", p)
            dist = float(np.linalg.norm(b - p))
            gamma0 = segment_bounds(facts, sigma, 1e-300, spectral, 0.0, rho_in, facts["hnorm"])[1].get("gamma", 1.0)
            for _ in range(40):
                h = f * math.sqrt(sigma) / max(gamma0, 1e-300)
                last = h >= dist
                if last:
                    q = b
                else:
                    x = p + (h / dist) * (b - p)
                    q = project_chord(x, chol)
                    if q is None:
                        q, err = project_gn(x)
                        if not err <= 1e3 * tol:
                            q = None
                if q is not None:
                    hq = norm_up(q - p)
                    hnext = point_facts(mdl, q, X, Y, centre=False)["hnorm"] * H_MARGIN
                    nsamp = min(MAX_SAMPLES, max(1, math.ceil(gamma0 * hq / (SAMPLE_SPACING * math.sqrt(sigma)))))
                    samp = segment_samples(mdl, X, Y, p, q, nsamp, facts["factors"])
                    # interior ||H|| with the same allowance for another BLAS thread count as the ends
                    samp["hn"] = samp["hn"] * (1.0 + 1e-6) + (H_MARGIN - 1.0) * max(samp["hn"][0], samp["hn"][-1])
                    r, nums = _radius(facts, sigma, spectral, hq, rho_in, hnext, samp)
                    if r is not None:
                        break
                f *= 0.6
                if f * math.sqrt(sigma) / max(gamma0, 1e-300) < MIN_STEP * total:
                    raise stop("the steps shrank below 1e-12 of the distance (J near rank-deficient on the route?)",
                               p)
            else:
                raise stop("no step passed the segment test", p)
            segments.append({"lambda_min_lower": short_number(sigma), "radius": short_number(r),
                             "spectral_norm_upper": [short_number(t) for t in spectral], "samples": nsamp})
            chain.append(q)
            rho_first = nums["rho_start"] if rho_first is None else rho_first
            rho_in, p = nums["rho_out"], q
            say(f"segment {len(segments)}: {covered(p):.1%} of the way, h = {hq:.3g}, {nsamp} samples, "
                f"kappa = {nums['kappa']:.2f}")
            f = min(F_MAX, f * min(1.5, max(1.0, KAPPA_AIM / max(nums["kappa"], 1e-3))))
            if last:
                return chain, segments, (rho_first, rho_in)
            facts, sigma, spectral, chol = centre(p)
