r"""The checker for certificates of the floating-point tier (the torch backend).

Such a certificate describes a layered MLP by a model document and stores the
inputs, targets and weights as float64 arrays in an ``.npz`` beside it (its
sha256 is in the instance). This module recomputes, with numpy and without the
solver or torch:

* the residual H at the stored weights, and K = J J^T by the structured layer
  formula K = sum_k (D_k D_k^T) * (A_{k-1} A_{k-1}^T + 1) with the entrywise
  a-priori bound on its forming error (the same mathematics as the solver, written
  again here);
* ``rank-J-float``: Rump's positive-definiteness test (BIT 46, 2006) of K at the
  stored lower bound sigma: floating-point Cholesky of fl_down(K - sigma I - c I)
  with c its own shift, computed exactly in rationals;
* ``zero-float``: the Newton-Kantorovich condition h <= 1/2 with its own
  ||H||, lambda bounds and Lipschitz constant of J (layered MLPs of any depth:
  the bound of :mod:`verifier.torch_backend.verify`, recomputed here from the
  arrays; the stated spectral-norm bounds of the hidden-to-hidden weight
  matrices are accepted only above its own cheap bound or proven by its own
  Rump test of t^2 I - W W^T);
* ``manifold-float``, ``hessian-signature-float``: the consequences, with the
  stored bounds implied by its own.

Trusted base of this tier (stated in the certificate's ``assumptions``): IEEE
binary64, numpy/LAPACK products and Cholesky satisfying the standard error
model, and the float64 forward/backward values (their rounding is not enclosed).
"""

from __future__ import annotations

import hashlib
import math
import os
from fractions import Fraction

import numpy as np

from .format import FLOAT_TIER, GLOBAL_SMOOTHNESS, STATEMENTS, FormatError, digest, parse_rational, sha256, verdict

TIER = FLOAT_TIER
REQUIRED_FLOAT_CLAIMS = {
    "cooper-2.1": ("distinct-inputs", "activation-smooth", "overparameterized", "rank-J-float", "zero-float",
                   "manifold-float"),
    "cooper-2.3": ("distinct-inputs", "activation-smooth", "overparameterized", "rank-J-float", "zero-float",
                   "manifold-float", "hessian-signature-float"),
}
FLOAT_SCOPES = {"distinct-inputs": "instance", "activation-smooth": "instance", "overparameterized": "instance",
                "rank-J-float": "local", "zero-float": "local", "manifold-float": "local",
                "hessian-signature-float": "local"}
# Sentences every certificate of the tier must state verbatim (the solver imports them from here).
ASSUMPTIONS_COMMON = [
    "every number of the instance is the float64 value stored in the arrays file (inputs, targets, weights)",
    "the forward pass and the layer derivatives D_k, A_(k-1) are the float64 values computed by the checker; their "
    "own rounding errors (and those of exp, log, tanh) are NOT covered: the tier is floating-point with error bounds, "
    "not rigorous",
]
CONV_ASSUMPTION = (
    "Conv1d layers share their weights: K_true adds J_conv J_conv^T, with J_conv the computed per-sample Jacobian "
    "of the outputs with respect to the conv parameters (a factor like D_k and A_(k-1): its own rounding is NOT "
    "covered); forming the product errs entrywise by <= gamma_m |J_conv||J_conv|^T")
U = 2.0 ** -53
ETA = 2.0 ** -1074
SAFETY = 1.0 + 1e-9
SUP_D = {"tanh": (1.0, 0.7699), "sigmoid": (0.25, 0.0963), "softplus": (1.0, 0.25),
         "smoolu": (1.0, 1.3444), "identity": (1.0, 0.0)}
SMOOTH = ("smoolu", "softplus", "tanh", "sigmoid", "identity", "polynomial", "power")
MAX_ENTRIES = 4 * 10**8          # n, d*p and m^2 limits keep the checker's memory bounded
V, R, I = "verified", "refuted", "inconclusive"


# ---------------------------------------------------------------------------- reading


def _float(text, what):
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


def read_model(doc):
    """(p, l, [(out, bias, Act or None)]) from a model document, read strictly."""
    if not isinstance(doc, dict) or doc.get("format") != "verifier-mlp" or doc.get("version") != 1 \
            or set(doc) != {"format", "version", "p", "l", "layers"}:
        raise FormatError("instance.model is not a verifier-mlp version 1 document")
    p, l, layers = doc["p"], doc["l"], doc["layers"]
    if type(p) is not int or type(l) is not int or p < 1 or l < 1 or not isinstance(layers, list) \
            or not 1 <= len(layers) <= 64:
        raise FormatError("model p, l, layers malformed")
    out = []
    for k, layer in enumerate(layers):
        if not isinstance(layer, dict) or set(layer) != {"out", "bias", "activation"} \
                or type(layer["out"]) is not int or layer["out"] < 1 or type(layer["bias"]) is not bool:
            raise FormatError(f"model layer {k + 1} malformed")
        last = k == len(layers) - 1
        if last:
            if layer["activation"] is not None or layer["out"] != l:
                raise FormatError("the last model layer must be linear with out = l")
            out.append((layer["out"], layer["bias"], None))
        else:
            out.append((layer["out"], layer["bias"], Act(layer["activation"])))
    return p, l, out


def load_arrays(meta, base_dir, p, l, n):
    if not isinstance(meta, dict) or set(meta) != {"file", "sha256", "n", "d", "p", "l"}:
        raise FormatError("instance.arrays must have file, sha256, n, d, p, l")
    name = meta["file"]
    if not isinstance(name, str) or os.path.basename(name) != name or not name.endswith(".npz") \
            or name.startswith("."):
        raise FormatError("instance.arrays.file must be a bare .npz file name")
    if base_dir is None:
        raise FormatError("the arrays file can only be found next to the certificate file")
    path = os.path.join(base_dir, name)
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
    except OSError:
        raise FormatError(f"arrays file {name} not found next to the certificate") from None
    if hashlib.sha256(blob).hexdigest() != meta["sha256"]:
        raise FormatError(f"arrays file {name} does not match its sha256 (it was altered)")
    import io
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        if set(z.files) != {"X", "Y", "w"}:
            raise FormatError("the arrays file must hold exactly X, Y and w")
        X, Y, w = z["X"], z["Y"], z["w"]
    d = meta["d"]
    if any(a.dtype != np.float64 for a in (X, Y, w)) or X.shape != (d, p) or Y.shape != (d, l) or w.shape != (n,):
        raise FormatError("arrays have the wrong dtype or shape for the model")
    if not (np.isfinite(X).all() and np.isfinite(Y).all() and np.isfinite(w).all()):
        raise FormatError("arrays hold non-finite values")
    if meta["n"] != n or meta["p"] != p or meta["l"] != l or type(d) is not int or d < 1:
        raise FormatError("instance.arrays sizes disagree with the model")
    return X, Y, w


# ---------------------------------------------------------------------------- numerics


def split_weights(w, p, layers):
    out, off, prev = [], 0, p
    for o, bias, _ in layers:
        W = w[off:off + o * prev].reshape(o, prev)
        off += o * prev
        b = None
        if bias:
            b = w[off:off + o]
            off += o
        out.append((W, b))
        prev = o
    return out


def forward(Wb, layers, X):
    Zs, A = [], X
    for k, ((W, b), (_, _, act)) in enumerate(zip(Wb, layers)):
        Z = A @ W.T
        if b is not None:
            Z = Z + b
        if act is None:
            return Zs, Z
        Zs.append(Z)
        A = act.f(Z)
    raise FormatError("no output layer")  # pragma: no cover


def gram_structured(Wb, layers, X, chunk=4096):
    """(K, Kabs, m_round, underflow) by the structured formula, float64.

    Columns of each layer are processed ``chunk`` at a time, so that besides the
    pre-activations only one d*l x width array (the back-propagated D before sigma')
    is held at once.
    """
    d = X.shape[0]
    l = layers[-1][0]
    M = d * l
    Zs, _ = forward(Wb, layers, X)
    K = np.zeros((M, M))
    Ka = np.zeros_like(K)
    Gpre = None                            # D_k before the factor sigma'(Z_k); None for the output layer
    m_round, ufl = 0, 0.0
    L1 = len(layers)
    for k in range(L1, 0, -1):
        W, b = Wb[k - 1]
        wk, wprev = W.shape
        Q = np.zeros((d, d))
        Qa = np.zeros((d, d))
        P = np.zeros((M, M)) if Gpre is not None else None
        Pa = np.zeros((M, M)) if Gpre is not None else None
        nxt = np.zeros((M, wprev)) if k > 1 else None
        for c0 in range(0, wprev, chunk):
            A = X[:, c0:c0 + chunk] if k == 1 else layers[k - 2][2].f(Zs[k - 2][:, c0:c0 + chunk])
            Q += A @ A.T
            Aa = np.abs(A)
            Qa += Aa @ Aa.T
        for c0 in range(0, wk, chunk):
            if Gpre is None:                   # output layer: D[(i, o), o'] = delta_{o o'}
                G = np.tile(np.eye(l), (d, 1))[:, c0:c0 + chunk]
            else:
                dsig = layers[k - 1][2].df(Zs[k - 1][:, c0:c0 + chunk])
                G = (Gpre[:, c0:c0 + chunk].reshape(d, l, -1) * dsig[:, None, :]).reshape(M, -1)
                P += G @ G.T
                Ga = np.abs(G)
                Pa += Ga @ Ga.T
            if nxt is not None:
                nxt += G @ W[c0:c0 + chunk]
        if b is not None:
            Q += 1.0
            Qa += 1.0
        if P is None:
            eye = np.eye(l)
            K += (Q[:, None, :, None] * eye[None, :, None, :]).reshape(M, M)
            Ka += (Qa[:, None, :, None] * eye[None, :, None, :]).reshape(M, M)
            pmax = 1.0
        else:
            K += (P.reshape(d, l, d, l) * Q[:, None, :, None]).reshape(M, M)
            Ka += (Pa.reshape(d, l, d, l) * Qa[:, None, :, None]).reshape(M, M)
            pmax = float(Pa.max())
        del P, Pa
        m_round = max(m_round, wk + wprev + 2 + L1)
        ufl += 2.0 * ETA * (wk * (float(Qa.max()) + 1.0) + wprev * pmax + 1.0)
        Gpre = nxt
    return K, Ka, m_round, ufl


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

BOUNDED = {"tanh": (1.0, 2.0), "sigmoid": (1.0, 1.0)}    # sup |s|, sup s - inf s
SPECTRAL_MAX_SIDE = 8192


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


class DenseNet:
    """A layered MLP at the stored weights, for the rules (float_rules.py).

    Interface shared with :class:`float_conv.ConvNet`: ``acts`` (hidden activations),
    ``L`` (hidden layers), :meth:`output`, :meth:`gram`, :meth:`spectral_matrices`
    (the matrices whose 2-norms the certificate bounds, layers 2..L) and
    :meth:`lipschitz_prep`.
    """

    def __init__(self, p, l, layers, w, X):
        self.p, self.l, self.layers, self.X = p, l, layers, X
        self.Wb = split_weights(w, p, layers)
        self.acts = [act for _, _, act in layers[:-1]]
        self.L = len(layers) - 1
        self._fwd = None

    @property
    def Zs(self):
        """Pre-activations of the hidden layers (computed on first use: relu has no values here)."""
        if self._fwd is None:
            self._fwd = forward(self.Wb, self.layers, self.X)
        return self._fwd[0]

    def output(self):
        self.Zs
        return self._fwd[1]

    def gram(self):
        return gram_structured(self.Wb, self.layers, self.X)

    def spectral_matrices(self):
        return [self.Wb[k][0] for k in range(1, self.L)]

    def hidden_norms(self):
        """(zabs, anorm) per hidden layer: max |z_kj| and |a_k| per sample."""
        zabs, anorm = [], []
        for Z, act in zip(self.Zs, self.acts):
            A = act.f(Z)
            zabs.append(np.abs(Z).max(axis=1))
            anorm.append(np.sqrt((A * A).sum(axis=1)))
        return zabs, anorm

    def lipschitz_prep(self):
        for act in self.acts:
            if act.name not in SUP_D and act.coeffs is None:
                raise FormatError(f"no derivative bound for activation {act.name}")
        zabs, anorm = self.hidden_norms()
        cols = [float(np.sqrt((self.Wb[k][0] ** 2).sum(axis=0)).max()) * SAFETY for k in range(1, self.L)]
        return lipschitz_prep_layers(self.acts, self.X, anorm, zabs, [o for o, _, _ in self.layers],
                                     [bias for _, bias, _ in self.layers], cols, self.Wb[-1][0])


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


# ---------------------------------------------------------------------------- the check


def check_float_certificate(cert, base_dir):
    """(status, header, lines, problems) for a floating-point-tier certificate."""
    theorem = cert.get("theorem")
    if theorem not in REQUIRED_FLOAT_CLAIMS:
        raise FormatError(f"the floating-point tier covers {', '.join(REQUIRED_FLOAT_CLAIMS)}, not {theorem!r}")
    inst = cert.get("instance")
    if not isinstance(inst, dict) or set(inst) != {"model", "arrays", "sha256"}:
        raise FormatError("instance must hold model, arrays and sha256")
    model = inst["model"]
    if isinstance(model, dict) and model.get("format") == "verifier-conv1d":
        from .float_conv import read_conv_model
        p, l, geom = read_conv_model(model, Act)
        n = sum(g["n"] for g in geom)
        layers = None
    else:
        p, l, layers = read_model(model)
        n, prev = 0, p
        for o, bias, _ in layers:
            n += o * prev + (o if bias else 0)
            prev = o
    if n > MAX_ENTRIES:
        raise FormatError("the model is too large for this checker")
    X, Y, w = load_arrays(inst["arrays"], base_dir, p, l, n)
    d = X.shape[0]
    m = l * d
    if m * m > MAX_ENTRIES or d * p > MAX_ENTRIES:
        raise FormatError("the data are too large for this checker")
    if layers is None:
        from .float_conv import ConvNet
        n_conv = sum(g["n"] for g in geom if g["kind"] == "conv1d")
        padded = max(g["c_in"] * (g["l_in"] + 2 * g["padding"]) for g in geom if g["kind"] == "conv1d")
        if m * n_conv > MAX_ENTRIES or m * max(g["units"] for g in geom) > MAX_ENTRIES or m * padded > MAX_ENTRIES:
            raise FormatError("the conv layers are too large for this checker")
        net = ConvNet(geom, p, l, w, X)
    else:
        net = DenseNet(p, l, layers, w, X)
    problems = []
    if inst["sha256"] != sha256({"model": inst["model"], "arrays": inst["arrays"]}):
        problems.append("instance hash does not match the instance")
    if cert.get("statement") != STATEMENTS[theorem]:
        problems.append(f"the statement is not the statement of {theorem}")
    if GLOBAL_SMOOTHNESS not in (cert.get("out_of_scope") or []):
        problems.append("out_of_scope must state that global smoothness of M is not claimed")
    if cert.get("point") != {"array": "w"}:
        problems.append("point must be {\"array\": \"w\"}")
    if not isinstance(cert.get("assumptions"), list) or not cert["assumptions"]:
        problems.append("a floating-point certificate must list its assumptions")
    else:
        needed = ASSUMPTIONS_COMMON + ([CONV_ASSUMPTION] if layers is None else [])
        missing = [a for a in needed if a not in cert["assumptions"]]
        if missing:
            problems.append(f"the assumptions must state: {missing[0][:80]}...")
    if cert.get("digest") != digest(cert):
        problems.append("digest does not match the certificate's content (it was altered)")
    header = (f"checking {theorem}: n = {n}, d = {d}, l = {l}, instance sha256 {inst['sha256'][:16]}, "
              f"float64 with a-priori error bounds ({TIER})")
    ctx = {"X": X, "Y": Y, "w": w, "p": p, "l": l, "d": d, "n": n, "m": m, "net": net}
    claims = cert.get("claims")
    if not isinstance(claims, list):
        raise FormatError("claims must be a list")
    from .float_rules import FLOAT_RULES
    lines, checked = [], {}
    for claim in claims:
        cid = claim.get("id") if isinstance(claim, dict) else None
        rule = FLOAT_RULES.get(cid)
        if rule is None:
            raise FormatError(f"unknown claim id {cid!r} for the floating-point tier")
        if cid in checked:
            raise FormatError(f"claim {cid!r} appears twice")
        status, msg = rule(ctx, claim)
        if claim.get("scope") != FLOAT_SCOPES[cid]:
            problems.append(f"claim {cid} states scope {claim.get('scope')!r}; what is proven has scope "
                            f"{FLOAT_SCOPES[cid]!r}")
        checked[cid] = status
        lines.append(f"  {cid:24s} {claim.get('status', '?'):12s} -> {status:12s} {msg}")
        if status != claim.get("status"):
            problems.append(f"claim {cid} says {claim.get('status')!r} but re-checks as {status!r}")
    status = verdict(theorem, cert.get("status"), REQUIRED_FLOAT_CLAIMS[theorem], checked, problems)
    return status, header, lines, problems
