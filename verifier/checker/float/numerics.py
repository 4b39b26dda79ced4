"""The float64 numerics of the floating-point tier, shared by its rules and network readers.

* the activations (value, derivative and sup |s'|, |s''|) and the strict float parser;
* the a-priori bound on the error of forming K = J J^T (:func:`error_norm`) and Rump's
  positive-definiteness test (BIT 46, 2006; :func:`rump_pd`);
* bounds on spectral norms of weight matrices (:func:`spectral_cheap`, :func:`spectral_proven`);
* the bound on the Lipschitz constant of J (:func:`lipschitz_prep_layers`, :func:`lipschitz_J`; the
  bound of :mod:`verifier.torch_backend.verify`, recomputed here).

Standard library, numpy and ``verifier.checker.format`` only; imports nothing else of the tier.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..format import FormatError, parse_rational

__all__ = ["U", "ETA", "SAFETY", "SUP_D", "SMOOTH", "BOUNDED", "parse_float", "Act", "error_norm", "rump_pd",
           "spectral_cheap", "spectral_proven", "lipschitz_prep_layers", "lipschitz_J"]

U = 2.0 ** -53
ETA = 2.0 ** -1074
SAFETY = 1.0 + 1e-9
SUP_D = {"tanh": (1.0, 0.7699), "sigmoid": (0.25, 0.0963), "softplus": (1.0, 0.25),
         "smoolu": (1.0, 1.3444), "identity": (1.0, 0.0)}
SMOOTH = ("smoolu", "softplus", "tanh", "sigmoid", "identity", "polynomial", "power")
BOUNDED = {"tanh": (1.0, 2.0), "sigmoid": (1.0, 1.0)}    # sup |s|, sup s - inf s
SPECTRAL_MAX_SIDE = 8192


# ---------------------------------------------------------------------------- reading


def parse_float(text, what):
    """A finite float64 from its short decimal text (the floating-point tier writes numbers so)."""
    if not isinstance(text, str) or len(text) > 40:
        raise FormatError(f"{what} must be a float written as a short string")
    try:
        x = float(text)
    except ValueError:
        raise FormatError(f"{what} is not a number") from None
    if not math.isfinite(x):
        raise FormatError(f"{what} is not finite")
    return x


class Act:
    """Value, derivative and sup |s'|, |s''| of a hidden activation, in float64."""

    def __init__(self, spec):
        if isinstance(spec, str):
            name, coeffs = spec, None
        elif isinstance(spec, dict) and isinstance(spec.get("name"), str):
            name = spec["name"]
            if name == "polynomial":
                cs = spec.get("coefficients")
                if set(spec) != {"name", "coefficients"} or not isinstance(cs, list) or not 1 <= len(cs) <= 1001:
                    raise FormatError("polynomial activation needs 1 to 1001 coefficients")
                coeffs = [float(parse_rational(c)) for c in cs]
            elif name == "power":
                r = spec.get("r")
                if set(spec) != {"name", "r"} or type(r) is not int or not 1 <= r <= 1000:
                    raise FormatError("power activation needs an integer 1 <= r <= 1000")
                coeffs = [0.0] * r + [1.0]
            else:
                raise FormatError(f"unknown activation {name!r:.40}")
        else:
            raise FormatError("activation must be a name or an object")
        if name == "identity":
            coeffs = [0.0, 1.0]
        self.name, self.coeffs = name, coeffs
        self.smooth = name in SMOOTH
        if name not in SMOOTH and name != "relu":
            raise FormatError(f"unknown activation {name!r:.40}")

    def f(self, t):
        if self.coeffs is not None:
            v = np.full_like(t, self.coeffs[-1])
            for c in self.coeffs[-2::-1]:
                v = v * t + c
            return v
        if self.name == "tanh":
            return np.tanh(t)
        if self.name == "sigmoid":
            return 0.5 * (1.0 + np.tanh(0.5 * t))
        if self.name == "softplus":
            return np.logaddexp(0.0, t)
        if self.name == "smoolu":
            tq = np.maximum(t, 1e-3)
            return np.where(t > 1e-3, tq * np.exp(-1.0 / tq), 0.0)
        raise FormatError(f"activation {self.name} has no value here")

    def df(self, t):
        if self.coeffs is not None:
            dc = [k * self.coeffs[k] for k in range(1, len(self.coeffs))] or [0.0]
            v = np.full_like(t, dc[-1])
            for c in dc[-2::-1]:
                v = v * t + c
            return v
        if self.name == "tanh":
            e = np.exp(-2.0 * np.abs(t))
            return 4.0 * e / ((1.0 + e) * (1.0 + e))
        if self.name == "sigmoid":
            s = 0.5 * (1.0 + np.tanh(0.5 * t))
            return s * (1.0 - s)
        if self.name == "softplus":
            return 0.5 * (1.0 + np.tanh(0.5 * t))
        if self.name == "smoolu":
            tq = np.maximum(t, 1e-3)
            return np.where(t > 1e-3, np.exp(-1.0 / tq) * (1.0 + 1.0 / tq), 0.0)
        raise FormatError(f"activation {self.name} has no derivative here")

    def sups(self, zmax):
        """(S1, S2) >= (|s'|, |s''|) on [-zmax, zmax]; zmax a number or an array (then arrays).

        Raises FormatError for an activation without bounds (relu)."""
        if self.name in SUP_D:
            return SUP_D[self.name]
        if self.coeffs is None:
            raise FormatError(f"no derivative bound for activation {self.name}")
        c = [abs(x) for x in self.coeffs]
        z = np.asarray(zmax, dtype=np.float64)
        s1, s2 = np.zeros_like(z), np.zeros_like(z)
        with np.errstate(over="ignore", invalid="ignore"):
            for k in range(1, len(c)):
                if c[k] != 0.0:
                    s1 = s1 + k * c[k] * z ** (k - 1)
                    if k >= 2:
                        s2 = s2 + k * (k - 1) * c[k] * z ** (k - 2)
        s1 = np.where(np.isnan(s1), np.inf, s1) * SAFETY
        s2 = np.where(np.isnan(s2), np.inf, s2) * SAFETY
        return (float(s1), float(s2)) if s1.ndim == 0 else (s1, s2)


# ---------------------------------------------------------------------------- error bounds


def _gamma(k):
    ku = Fraction(k) * Fraction(U)
    if ku >= Fraction(1, 8):
        raise FormatError("the problem is too large for the a-priori error bound")
    return ku / (1 - ku)


def _up(q):
    f = float(q)
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


def _down_sub(a, c):
    f = a - c
    return f if Fraction(f) <= Fraction(a) - Fraction(c) else math.nextafter(f, -math.inf)


def error_norm(Kabs, m_round, ufl):
    """A bound M >= ||K_computed - K_exact||_2 (max row sum of the entrywise bound, factor 2)."""
    N = Kabs.shape[0]
    g = _gamma(m_round)
    _gamma(N)
    rs = float(Kabs.sum(axis=1).max())
    return _up(2 * g * Fraction(rs) + 2 * Fraction(N) * (Fraction(ufl) + Fraction(ETA)))


def rump_pd(K, sigma, Mbound):
    """True iff Rump's test proves lambda_min(K_exact) > sigma for every K_exact within Mbound of K."""
    N = K.shape[0]
    if N >= 67108861 or not (sigma >= 0):
        return False
    diag = [float(x) for x in np.diag(K)]
    d1 = [_down_sub(a, sigma) for a in diag]
    if min(d1) <= 0:
        return False
    s = sum((Fraction(j + 3) * Fraction(U) * Fraction(a) for j, a in enumerate(d1)), Fraction(0))
    s += Fraction(Mbound) + 6 * N * (N + Fraction(max(d1))) * Fraction(ETA)
    c = _up(s)
    d2 = [_down_sub(a, c) for a in d1]
    if min(d2) <= 0:
        return False
    B = K.copy()
    B[np.diag_indices(N)] = d2
    try:
        np.linalg.cholesky(B)
    except np.linalg.LinAlgError:
        return False
    return True


# ---------------------------------------------------------------------------- Lipschitz bound on J


def spectral_cheap(W):
    """min(||W||_F, sqrt(||W||_1 ||W||_inf)) * SAFETY >= ||W||_2."""
    if W.size == 0:
        return 0.0
    Wa = np.abs(W)
    fro = float(np.sqrt((W * W).sum()))
    return min(fro, math.sqrt(float(Wa.sum(axis=0).max()) * float(Wa.sum(axis=1).max()))) * SAFETY


def spectral_proven(W, t):
    """True iff ||W||_2 <= t follows from the cheap bound or from Rump's test of t^2 I - W W^T.

    G = W W^T (or W^T W, the smaller side s, inner dimension k) errs by at most
    gamma_k |W||W|^T entrywise; its row sums bound the 2-norm of that error (factor 2
    for their own rounding, plus underflow). The diagonal of T I - G is rounded down
    with T <= t^2; Rump's test then proves lambda_max(G_true) < T.
    """
    if not (math.isfinite(t) and t >= 0.0):
        return False
    if t >= spectral_cheap(W):
        return True
    out, inn = W.shape
    s, k = min(out, inn), max(out, inn)
    if s > SPECTRAL_MAX_SIDE or Fraction(k) * Fraction(U) >= Fraction(1, 8) or t == 0.0:
        return False
    Wa = np.abs(W)
    if out <= inn:
        G, rows = W @ W.T, Wa @ (Wa.T @ np.ones(out))
    else:
        G, rows = W.T @ W, Wa.T @ (Wa @ np.ones(inn))
    G = np.tril(G) + np.tril(G, -1).T
    M = _up(2 * _gamma(k) * Fraction(float(rows.max())) + 2 * s * k * Fraction(ETA))
    T = t * t
    if Fraction(T) > Fraction(t) ** 2:
        T = math.nextafter(T, 0.0)
    A = -G
    A[np.diag_indices(s)] = [_down_sub(T, float(g)) for g in np.diag(G)]
    return rump_pd(A, 0.0, M)


def lipschitz_prep_layers(acts, X, anorm, zabs, widths, bias, colnorm, Wout, *, mult=None, npos=None):
    """The radius-independent part of the bound on J's Lipschitz constant, from per-layer norms."""
    for act in acts:
        if act.name not in SUP_D and act.coeffs is None:
            raise FormatError(f"no derivative bound for activation {act.name}")
    L = len(acts)
    return {"L": L, "acts": list(acts), "xnorm": np.sqrt((X * X).sum(axis=1)), "anorm": anorm, "zabs": zabs,
            "widths": widths, "bias": bias, "colnorm": colnorm,
            "mult": mult or [1] * (L + 1), "npos": npos or [1] * (L + 1),
            "rownorm": np.sqrt((Wout * Wout).sum(axis=1)) * SAFETY, "rowabs": np.abs(Wout).max(axis=1)}


def lipschitz_J(prep, rho, spectral):
    """A Lipschitz constant of J (spectral norm) on the ball of radius rho around the point.

    Per sample and output, g >= ||Hess_w f_o(x_i)||_2 on the ball by the recursion of
    the torch backend's module docstring (N_k: first directional derivatives of z_k,
    r_k: second ones; ``spectral[k-2]`` >= ||W_k||_2 at the point for k = 2..L; a
    convolution layer enters through ``mult``: its map's norm is at most sqrt(mult)
    times its kernel matrix's, and its input factor is mult |a|^2 + npos [bias]);
    gamma = sqrt(sum g^2) * SAFETY; inf when it overflows.
    """
    L, d = prep["L"], prep["xnorm"].shape[0]
    if L == 0:
        return 0.0
    mult, npos = prep["mult"], prep["npos"]
    with np.errstate(over="ignore", invalid="ignore"):
        a = prep["xnorm"]
        Dl = np.zeros(d)
        xi2 = mult[0] * a * a + (npos[0] if prep["bias"][0] else 0.0)
        for k in range(1, L + 1):
            act = prep["acts"][k - 1]
            sm = math.sqrt(mult[k - 1])
            zeta = rho * np.sqrt(xi2) + (sm * spectral[k - 2] * Dl if k >= 2 else 0.0)
            S1, S2 = act.sups(prep["zabs"][k - 1] + zeta)
            if k == 1:
                N2, r = xi2, np.zeros(d)
            else:
                om, ka = sm * (spectral[k - 2] + rho), prep["colnorm"][k - 2] + rho
                r = sm * P1 * np.sqrt(N2) + ka * P2 * N2 + om * P1 * r
                N2 = xi2 + (om * P1) ** 2 * N2
            Dl = S1 * zeta
            a = prep["anorm"][k - 1] + Dl
            if act.name in BOUNDED:
                top, osc = BOUNDED[act.name]
                w = prep["widths"][k - 1]
                Dl, a = np.minimum(Dl, osc * math.sqrt(w)), np.minimum(a, top * math.sqrt(w))
            xi2 = mult[k] * a * a + (npos[k] if prep["bias"][k] else 0.0)
            P1, P2 = S1, S2
        g = (P1 * np.sqrt(N2))[:, None] + np.outer(P2 * N2, prep["rowabs"] + rho) \
            + np.outer(P1 * r, prep["rownorm"] + rho)
        gamma = float(np.sqrt((g * g).sum())) * SAFETY
    return gamma if math.isfinite(gamma) else math.inf
