"""Cooper's theorems as objects: statement, hypotheses, ``verify(...) -> Certificate``.

Each theorem produces claims whose scopes say where they hold:

* ``instance``: a fact about the given data and network (distinct inputs, n > l*d);
* ``global``: a fact about all of R^n (M is nonempty: a point of M was certified);
* ``local``: a fact on a certified box around that point (rank J, the manifold
  structure of M there, the Hessian signature at the point).

Global smoothness of M for smooth non-polynomial activations, i.e. that 0 is a
regular value of H everywhere, is out of reach of a finite computation; Theorem
2.1 asserts it only after an arbitrarily small perturbation of the data. The
certificates say so in ``out_of_scope`` rather than imply it.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import flint
import numpy as np
from flint import arb, fmpq

from .activations import Activation, get_activation
from .certificate import INCONCLUSIVE, REFUTED, VERIFIED, Certificate, Claim
from .checker.format import GLOBAL_SMOOTHNESS, STATEMENTS, arb_to_fmpq, decimal_str, rational_str
from .checks import _fmt, certify_zero, choose_unknowns, round_down, to_fmpq
from .data import Dataset
from .errors import InputError
from .network import Network, mlp, network_to_json
from .system import compile_system

REMARK_2_2 = ("Remark 2.2: the losses L_a = sum_i |f_i|^a (a >= 1) vanish exactly where L does, so every "
              "statement about M = L^{-1}(0) holds for them as well.")
@dataclass(frozen=True)
class Theorem:
    """A named theorem of the source papers that the verifier can check on instances."""

    id: str
    title: str
    statement: str
    hypotheses: tuple
    needs: tuple = ("data",)
    verify_fn: object = field(default=None, repr=False, compare=False)

    def verify(self, data: Dataset, **options) -> Certificate:
        """Verify the theorem on an instance; see :func:`verify` for the options."""
        return self.verify_fn(self, data, **options)


# ---------------------------------------------------------------------------
# claims shared by several theorems


def _distinct_claim(data: Dataset) -> Claim:
    groups = data.duplicate_rows()
    statement = "the inputs x_i are pairwise distinct"
    if not groups:
        return Claim("distinct-inputs", VERIFIED, "instance", statement, {},
                     f"the {data.d} inputs are pairwise distinct (exact comparison)")
    labels = data.row_labels or tuple(range(1, data.d + 1))
    pairs = [[g[0] - 1, j - 1] for g in groups for j in g[1:]]
    rows = [[labels[i] for i in pair] for pair in pairs]
    return Claim("distinct-inputs", REFUTED, "instance", statement,
                 {"duplicate_indices": pairs, "rows": rows},
                 f"duplicate inputs x_i at rows {rows[0][0]} and {rows[0][1]}"
                 + (f" (and {len(rows) - 1} more pairs)" if len(rows) > 1 else ""))


def _activation_claims(net: Network, *, rectified: bool, smooth: bool) -> list:
    acts = net.activations()
    names = ", ".join(a.name for a in acts)
    out = []
    if rectified:
        bad = [a.name for a in acts if not a.is_rectified]
        out.append(Claim("activation-rectified", REFUTED if bad else VERIFIED, "instance",
                         "every hidden activation is rectified (0 for t <= 0, increasing for t > 0)",
                         {"activations": [a.name for a in acts]},
                         f"{', '.join(bad)} is not rectified; Lemma 3.3 needs a rectified activation such as smoolu"
                         if bad else f"{names} is rectified"))
    if smooth:
        bad = [a.name for a in acts if not a.is_smooth]
        out.append(Claim("activation-smooth", REFUTED if bad else VERIFIED, "instance",
                         "every hidden activation is smooth (C-infinity)", {"activations": [a.name for a in acts]},
                         f"{', '.join(bad)} is not smooth" if bad else f"{names} is smooth"))
    return out


def _overparam_claim(n: int, m: int) -> Claim:
    ok = n > m
    return Claim("overparameterized", VERIFIED if ok else REFUTED, "instance",
                 "the network has more parameters than equations: n > l*d", {"n": n, "equations": m},
                 f"n = {n} > l*d = {m}" if ok else f"n = {n} <= l*d = {m}: M is not expected to have "
                 "positive dimension")


def _width_claim(width: int, d: int) -> Claim:
    ok = width >= d
    return Claim("hidden-width", VERIFIED if ok else REFUTED, "instance",
                 "the last hidden layer has width >= d", {"width": width, "d": d},
                 f"last hidden width {width} >= d = {d}" if ok else
                 f"the last hidden layer has width {width} < d = {d}; Lemma 3.3 needs width >= d")


def _zero_claims(system, params, unknowns, prec_bits, *, hessian: bool, progress=None):
    """zero, rank-J, manifold (and hessian-signature) from one Krawczyk run; returns (claims, point)."""
    net = system.network
    labels = net.labels
    res = certify_zero(system, params, unknowns, prec_bits=prec_bits, progress=progress)
    names = [labels[u] for u in unknowns]
    point = {} if res.ok else None      # a failed attempt certifies no point
    mids = dict(zip(unknowns, res.mid)) if res.mid else {}
    for j, lab in enumerate(labels if res.ok else ()):
        if j in mids:
            point[lab] = {"mid": decimal_str(mids[j]), "rad": decimal_str(res.rad)}
        else:
            point[lab] = decimal_str(to_fmpq(params[j]))
    n, m = system.n, system.m
    st = VERIFIED if res.ok else INCONCLUSIVE
    claims = [Claim("zero", st, "global",
                    "H has a zero w* (a global minimum of L with L = 0) in the stated box; hence M is nonempty",
                    {"unknowns": names, "blocks": [[labels[u] for u in b] for b in res.blocks or [unknowns]],
                     "radius": decimal_str(res.rad) if res.ok else None, "prec_bits": prec_bits,
                     "contraction_upper": f"{res.contraction:.3e}", "refinements": res.refinements},
                    res.message)]
    sig = round_down(res.sigma_min_lower) if res.ok else fmpq(0)
    rank_ok = res.ok and sig > 0
    claims.append(Claim("rank-J", VERIFIED if rank_ok else INCONCLUSIVE, "local",
                        f"rank J = l*d = {m} at every point of the box (J_S is nonsingular there)",
                        {"rank": m, "sigma_min_lower": rational_str(sig)},
                        f"sigma_min(J) >= {_fmt(sig)} on the box" if rank_ok else
                        "rests on the zero claim, which is not verified" if not res.ok else
                        "no positive lower bound on sigma_min(J)"))
    claims.append(Claim("manifold", VERIFIED if rank_ok and n > m else INCONCLUSIVE, "local",
                        f"near w*, M is a smooth submanifold of dimension n - l*d = {n - m} (Theorem 2.1, local form)",
                        {"dimension": n - m},
                        f"M is a smooth {n - m}-dimensional manifold near w* (implicit function theorem)"
                        if rank_ok and n > m else "rests on the zero and rank claims"))
    if hessian:
        lam = round_down(2 * sig * sig) if rank_ok else fmpq(0)
        ev = {"positive": m, "zero": n - m, "min_positive_lower": rational_str(lam)}
        if rank_ok and n <= 200:
            ev.update(_spectrum(system, point, prec_bits))
        claims.append(Claim("hessian-signature", VERIFIED if rank_ok else INCONCLUSIVE, "local",
                            f"at w*, the Hessian of L has {m} positive and {n - m} zero eigenvalues "
                            "(Proposition 2.3)", ev,
                            f"{m} eigenvalues >= {_fmt(lam)} (= 2 sigma_min^2), {n - m} zero" if rank_ok
                            else "rests on the zero and rank claims"))
    return claims, point


def _spectrum(system, point, prec_bits) -> dict:
    """Enclosures of the l*d nonzero eigenvalues of Hess L(w*) = 2 J^T J (small n).

    J is evaluated over the certified box, so 2 J J^T (its nonzero eigenvalues
    are those of 2 J^T J) encloses the matrix at w*; Arb's eigenvalue routine
    (Rump's method) isolates its eigenvalues. Evidence for reading: the claim
    itself rests on the rank and sigma_min bound, which the checker re-derives.
    """
    from .checker.format import parse_rational
    labels = system.network.labels
    box = []
    with flint.ctx.workprec(prec_bits):
        for lab in labels:
            v = point[lab]
            if isinstance(v, dict):
                mid, rad = parse_rational(v["mid"]), parse_rational(v["rad"])
                box.append(arb(mid - rad).union(arb(mid + rad)))
            else:
                box.append(arb(parse_rational(v)))
        _, J = system.evaluate_ball(box, cols=range(system.n), prec_bits=prec_bits)
        G = 2 * (J * J.transpose())
        try:
            eig = sorted((e.real for e in flint.acb_mat(G).eig(algorithm="rump")), key=lambda x: x.mid())
            return {"spectrum": [e.str(8, radius=True) for e in eig], "spectrum_zeros": system.n - system.m}
        except ValueError:
            return {}    # eigenvalues not isolated at this precision: no spectrum reported


def _mid_value(v):
    from .checker.format import parse_rational
    return parse_rational(v["mid"] if isinstance(v, dict) else v)


def _summary(net: Network, data: Dataset) -> dict:
    acts = ", ".join(a.name for a in net.activations())
    return {"network": f"{net.name}, {acts}", "n": net.n, "d": data.d, "l": data.l, "p": data.p}


# ---------------------------------------------------------------------------
# Lemma 3.3 / Corollary 3.4 construction


# Neighbouring projections are scaled to be at least GAP apart, so every diagonal
# pre-activation of the construction is at least GAP/2 = 16, where smoolu is
# nearly linear (smoolu(16) ~ 15.03). With half-gaps near 1 instead, the units sit
# in smoolu's curved corner and A is ~10^5 times worse conditioned than its ReLU
# counterpart; at 16 it is about as well conditioned, so a float64 preconditioner
# suffices for the Krawczyk test even at d = 1000.
GAP = 32


def _projection(data: Dataset, seed: int):
    """An exact a with distinct a.x_i, scaled so that the smallest gap between them is GAP."""
    rng = random.Random(seed)
    X = data.X
    for _ in range(64):
        a = [fmpq(rng.randint(-2 ** 20, 2 ** 20)) for _ in range(data.p)]
        t = [sum((ai * xi for ai, xi in zip(a, x)), fmpq(0)) for x in X]
        order = sorted(range(data.d), key=lambda i: t[i])
        gaps = [t[order[j]] - t[order[j - 1]] for j in range(1, data.d)]
        if all(g > 0 for g in gaps):
            s = fmpq(GAP) / min(gaps) if gaps else fmpq(1)
            return [ai * s for ai in a], [ti * s for ti in t], order
    raise InputError("could not find a projection with distinct values (are the inputs distinct?)")


class _Undecided(Exception):
    """A construction step that the balls could not decide at this precision."""


def _construction(data: Dataset, widths, activation: Activation, seed: int, prec_bits: int):
    """Parameters of Lemma 3.3 (depth 1) or Corollary 3.4 (depth T) except the output weights.

    Returns (network, params, unknowns, columns, rows, info) where ``params``
    holds exact values for every fixed coordinate and float starting values
    for the unknown output weights.
    """
    d, p, l = data.d, data.p, data.l
    T = len(widths)
    if widths[-1] < d:
        raise InputError(f"the last hidden layer needs width >= d = {d} (got {widths[-1]})")
    net = mlp(p, widths, l=l, activation=activation)
    index = {lab: j for j, lab in enumerate(net.labels)}
    params = [fmpq(0)] * net.n
    a, t, order = _projection(data, seed)
    if T == 1:
        with flint.ctx.workprec(prec_bits):
            u = [arb(ti) for ti in t]      # the exact inputs to the last hidden layer, as balls
        c = None
    else:
        tmin = t[order[0]]
        for i in range(p):
            params[index[f"W1[0,{i}]"]] = a[i]
        params[index["b1[0]"]] = GAP // 2 - tmin   # z = t_i - t_min + 16 >= 16 > 0 at every point
        for k in range(2, T):
            params[index[f"W{k}[0,0]"]] = fmpq(1)
        with flint.ctx.workprec(prec_bits):
            u = [arb(ti - tmin + GAP // 2) for ti in t]
            for _ in range(T - 1):
                u = [activation.ball(z)[0] for z in u]
            gaps = [u[order[j]] - u[order[j - 1]] for j in range(1, d)]
            if any(not g > 0 for g in gaps):
                raise _Undecided(f"the deep construction could not separate the points at {prec_bits} bits "
                                 f"(try --prec {2 * prec_bits})")
            lo = min((arb_to_fmpq(g.lower()) for g in gaps), default=fmpq(1))
            c = round_up_rational(GAP / lo) if gaps else fmpq(1)
            u = [c * z for z in u]
    # biases of the last hidden layer: b_1 below the first value, b_j between consecutive ones
    with flint.ctx.workprec(prec_bits):
        mids = [arb_to_fmpq(u[i].mid()) for i in order]
        b = [mids[0] - GAP // 2] + [(mids[j - 1] + mids[j]) / 2 for j in range(1, d)]
        for j in range(1, d):
            if not (u[order[j - 1]] < arb(b[j]) < u[order[j]]):
                raise _Undecided(f"the construction's biases are not separated at {prec_bits} bits "
                                 f"(try --prec {2 * prec_bits})")
    for j in range(d):
        node_in = range(p) if T == 1 else [0]
        for i in node_in:
            params[index[f"W{T}[{j},{i}]"]] = a[i] if T == 1 else c
        params[index[f"b{T}[{j}]"]] = -b[j]
    # float starting values for the output weights: solve A m = y
    uf = np.array([float(z.mid()) for z in u])
    A = activation.f64(uf[:, None] - np.array([float(x) for x in b])[None, :])[0]
    Y = data.y_f64()
    try:
        M = np.linalg.solve(A, Y)        # (d, l)
    except np.linalg.LinAlgError:
        M = np.linalg.lstsq(A, Y, rcond=None)[0]
    unknowns = []
    for j in range(d):
        for k in range(l):
            q = index[f"W{T + 1}[{k},{j}]"]
            params[q] = float(M[j, k])
            unknowns.append(q)
    info = {"a": [rational_str(x) for x in a], "order": order, "depth": T,
            "last_layer_scale": rational_str(c) if c is not None else None}
    columns = [f"h{T}_{j}" for j in range(d)]
    rows = list(order)
    return net, params, sorted(unknowns), columns, rows, info


def round_up_rational(x: fmpq, digits: int = 6) -> fmpq:
    """A short decimal rational >= x (x > 0)."""
    f = float(x) * (1 + 1e-9)
    e = int(np.floor(np.log10(f))) - (digits - 1)
    num = int(np.ceil(f / 10.0 ** e)) + 1
    r = fmpq(num) * (fmpq(10) ** e if e >= 0 else fmpq(1, 10 ** (-e)))
    return r if r >= x else x


# ---------------------------------------------------------------------------
# Theorem implementations


def _verify_construction(thm: Theorem, data: Dataset, *, width=None, widths=None, depth: int = 1,
                         activation="smoolu", prec_bits: int = 128, seed: int = 0, progress=None,
                         smooth_claims: bool = False) -> Certificate:
    t0 = time.perf_counter()
    act = activation if isinstance(activation, Activation) else get_activation(activation)
    if widths is None:
        h = data.d if width is None else int(width)
        widths = [1] * (depth - 1) + [h]
    widths = [int(w) for w in widths]
    net = mlp(data.p, widths, l=data.l, activation=act)
    claims = [_distinct_claim(data)] + _activation_claims(net, rectified=True, smooth=smooth_claims)
    if smooth_claims:
        claims.append(_overparam_claim(net.n, data.l * data.d))
    claims.append(_width_claim(widths[-1], data.d))
    timings = {}
    cert = Certificate(thm.id, thm.statement, network_to_json(net), data.to_json(), None, claims, prec_bits, seed,
                       summary_info=_summary(net, data), timings_s=timings)
    if smooth_claims:
        cert.out_of_scope.append(GLOBAL_SMOOTHNESS)
        cert.notes.append(REMARK_2_2)
    if any(c.status == REFUTED for c in claims):
        timings["verify"] = time.perf_counter() - t0
        return cert
    try:
        net, params, unknowns, columns, rows, info = _construction(data, widths, act, seed, prec_bits)
    except (OverflowError, _Undecided) as exc:
        # Float64 starting values out of range, or a separation the balls could not decide.
        claims.append(Claim("construction", INCONCLUSIVE, "instance", "Lemma 3.3 construction",
                            {}, str(exc) if isinstance(exc, _Undecided) else
                            "the construction's numbers leave the float64 range (inputs extremely close "
                            "together or extremely large); rescale the data"))
        return cert
    timings["construction"] = time.perf_counter() - t0
    system = compile_system(net, data)
    claims.append(Claim("construction", VERIFIED, "instance",
                        "the last hidden layer's matrix A_ij = sigma(z_j(x_i)) is lower triangular with positive "
                        "diagonal (rows in the order of the projections a.x_i), hence invertible",
                        {"columns": columns, "rows": rows, **info},
                        "pre-activations are <= 0 above the diagonal and > 0 on it (by construction)"))
    t1 = time.perf_counter()
    zc, point = _zero_claims(system, params, unknowns, prec_bits, hessian=smooth_claims, progress=progress)
    timings["certify"] = time.perf_counter() - t1
    if smooth_claims:
        claims.extend(zc)
    else:
        claims.append(zc[0])
    cert.point = point
    return cert


def _verify_local(thm: Theorem, data: Dataset, *, network: Network, point, prec_bits: int = 128,
                  seed: int | None = None, hessian: bool = False, progress=None, unknowns=None) -> Certificate:
    t0 = time.perf_counter()
    if network is None or point is None:
        raise InputError(f"{thm.id} needs --network and --point")
    system = compile_system(network, data)
    claims = [_distinct_claim(data)] + _activation_claims(network, rectified=False, smooth=True)
    claims.append(_overparam_claim(network.n, system.m))
    params = _point_values(network, point)
    cert = Certificate(thm.id, thm.statement, network_to_json(network), data.to_json(), None, claims, prec_bits,
                       seed, summary_info=_summary(network, data), out_of_scope=[GLOBAL_SMOOTHNESS],
                       notes=[REMARK_2_2])
    if any(c.status == REFUTED for c in claims):
        cert.timings_s["verify"] = time.perf_counter() - t0
        return cert
    w = np.array([float(v) for v in params])
    w = gauss_newton(system, w)
    h = system.value_f64(w) if np.all(np.isfinite(w)) else np.array([np.inf])
    scale = 1.0 + float(np.max(np.abs(data.y_f64())))
    if not np.all(np.isfinite(h)) or float(np.max(np.abs(h))) > 1e-6 * scale or np.max(np.abs(w)) > 1e12:
        res = float(np.max(np.abs(h))) if np.all(np.isfinite(h)) else float("inf")
        claims.append(Claim("zero", INCONCLUSIVE, "global", "H has a zero w* near the given point",
                            {"max_residual_f64": f"{res:.3e}"},
                            f"Gauss-Newton from the given point did not reach M (max |H| = {res:.2e}); "
                            "give a point closer to a zero (e.g. after training)"))
        cert.timings_s["verify"] = time.perf_counter() - t0
        return cert
    if unknowns is None:
        unknowns = choose_unknowns(system.jacobian_f64(w))
    vals = [to_fmpq(float(x)) for x in w]
    zc, pt = _zero_claims(system, vals, unknowns, prec_bits, hessian=hessian, progress=progress)
    if zc[0].status == VERIFIED:
        given = np.array([float(v) for v in params])
        found = np.array([float(_mid_value(pt[lab])) for lab in network.labels])
        dist = float(np.max(np.abs(found - given))) if network.n else 0.0
        zc[0].evidence["distance_from_given_point"] = f"{dist:.3e}"
        zc[0] = Claim(zc[0].id, zc[0].status, zc[0].scope, zc[0].statement, zc[0].evidence,
                      zc[0].message + f"; the certified zero is {dist:.2e} (max-norm) from the given point")
    claims.extend(zc)
    cert.point = pt
    cert.timings_s["verify"] = time.perf_counter() - t0
    return cert


def gauss_newton(system, w: np.ndarray, *, steps: int = 30) -> np.ndarray:
    """Least-norm Gauss-Newton steps w <- w - t J^+ H(w) in float64, with backtracking on t.

    A search, not a proof: returns the point with the smallest residual seen.
    """
    w = np.asarray(w, dtype=float)
    with np.errstate(all="ignore"):
        h = system.value_f64(w)
        if not np.all(np.isfinite(h)):
            return w
        best = float(h @ h)
        for _ in range(steps):
            if best < 1e-30:
                break
            J = system.jacobian_f64(w)
            if not np.all(np.isfinite(J)):
                break
            step = np.linalg.lstsq(J, h, rcond=None)[0]
            t = 1.0
            for _ in range(12):
                trial = w - t * step
                ht = system.value_f64(trial)
                val = float(ht @ ht) if np.all(np.isfinite(ht)) else np.inf
                if val < best:
                    break
                t /= 2
            else:
                break
            w, h, best = trial, ht, val
    return w


def _point_values(net: Network, point) -> list:
    """A point given as {label: value} or a sequence in label order -> list of exact rationals."""
    from .activations import parse_rational
    if isinstance(point, (str, bytes)) or not isinstance(point, (dict, list, tuple, np.ndarray)):
        raise InputError("a point must be a JSON object {label: value} or a list of values in label order")
    if isinstance(point, dict):
        missing = [lab for lab in net.labels if lab not in point]
        extra = [k for k in point if k not in set(net.labels)]
        if missing or extra:
            raise InputError("the point must give every parameter label exactly once"
                             + (f" (missing {missing[0]!r})" if missing else f" (unknown {extra[0]!r})"))
        vals = [point[lab] for lab in net.labels]
    else:
        vals = list(point)
        if len(vals) != net.n:
            raise InputError(f"the point needs {net.n} values, got {len(vals)}")
    out = []
    for v in vals:
        if isinstance(v, str):
            q = parse_rational(v)
            if abs(q) > fmpq(2) ** 1000:
                raise InputError(f"point value {v[:40]!r} is too large: |w| must stay below 2^1000 (float64 range)")
            out.append(q)
        elif isinstance(v, bool) or not isinstance(v, (int, float, fmpq)) and not hasattr(v, "__float__"):
            raise InputError(f"point value {v!r:.40} is not a number")
        else:
            if isinstance(v, float) and not np.isfinite(v):
                raise InputError("the point has a non-finite value")
            out.append(to_fmpq(v) if not isinstance(v, np.floating) else to_fmpq(float(v)))
    return out


# ---------------------------------------------------------------------------
# Registry

THEOREMS = {}


def _register(thm: Theorem):
    THEOREMS[thm.id] = thm
    return thm


_register(Theorem(
    "cooper-3.3", "Lemma 3.3 (exact fit with one hidden layer)",
    STATEMENTS["cooper-3.3"],
    ("x_i pairwise distinct", "activation rectified", "width h >= d"),
    verify_fn=lambda thm, data, **kw: _verify_construction(thm, data, **{**kw, "depth": 1})))
_register(Theorem(
    "cooper-3.4", "Corollary 3.4 (exact fit with T hidden layers)",
    STATEMENTS["cooper-3.4"],
    ("x_i pairwise distinct", "activation rectified", "last hidden width >= d"),
    verify_fn=lambda thm, data, **kw: _verify_construction(thm, data, **{"depth": 2, **kw})))
_register(Theorem(
    "cooper-4.1", "Theorem 4.1 (M is nonempty and smooth of dimension n - d)",
    STATEMENTS["cooper-4.1"],
    ("x_i pairwise distinct", "activation rectified and smooth", "last hidden width >= d", "n > l*d"),
    verify_fn=lambda thm, data, **kw: _verify_construction(thm, data, **kw, smooth_claims=True)))
_register(Theorem(
    "cooper-4.2", "Remark 4.2 (l outputs: codimension l*d)",
    STATEMENTS["cooper-4.2"],
    ("x_i pairwise distinct", "activation rectified and smooth", "last hidden width >= d", "n > l*d"),
    verify_fn=lambda thm, data, **kw: _verify_construction(thm, data, **kw, smooth_claims=True)))
_register(Theorem(
    "cooper-2.1", "Theorem 2.1, local form (M is a smooth (n - l*d)-manifold near a point)",
    STATEMENTS["cooper-2.1"],
    ("activation smooth", "n > l*d", "x_i pairwise distinct", "an approximate zero (e.g. from training)"),
    needs=("data", "network", "point"),
    verify_fn=lambda thm, data, **kw: _verify_local(thm, data, **kw, hessian=False)))
_register(Theorem(
    "cooper-2.3", "Proposition 2.3 (Hessian signature on M)",
    STATEMENTS["cooper-2.3"],
    ("activation smooth", "n > l*d", "x_i pairwise distinct", "an approximate zero (e.g. from training)"),
    needs=("data", "network", "point"),
    verify_fn=lambda thm, data, **kw: _verify_local(thm, data, **kw, hessian=True)))


def _algebraic(thm: Theorem, data: Dataset, *, network: Network | None = None, **options) -> Certificate:
    # Imported here: the algebra package pulls in the engine drivers, which the numeric theorems never need.
    from .algebra.theorems import THEOREM_FUNCS
    if network is None:
        raise InputError(f"{thm.id} needs --network (a network with polynomial activations)")
    options.pop("point", None)
    return THEOREM_FUNCS[thm.id](network, data, **options)


for _id, _title, _hyp in [
        ("liao-poggio-bezout", "Liao-Poggio: Bezout bounds for the polynomial system H = 0",
         ("polynomial activations with rational coefficients",)),
        ("liao-poggio-dimension", "Liao-Poggio: generic rank of J, dimension and degree of V(H)",
         ("polynomial activations with rational coefficients",)),
        ("liao-poggio-nullstellensatz", "Liao-Poggio: inconsistent data and Hilbert's Nullstellensatz",
         ("polynomial activations with rational coefficients",)),
        ("cooper-2.1-global", "Theorem 2.1, global form for polynomial networks (0 a regular value over C)",
         ("polynomial activations with rational coefficients",))]:
    _register(Theorem(_id, _title, STATEMENTS[_id], _hyp, needs=("data", "network"), verify_fn=_algebraic))


def verify(theorem: str, data: Dataset, **options) -> Certificate:
    """Verify a theorem instance and return its certificate.

    Parameters
    ----------
    theorem : str
        One of :data:`THEOREMS` (``verifier theorems`` lists them).
    data : Dataset
    **options
        ``cooper-3.3/3.4/4.1/4.2``: ``width``, ``widths``, ``depth``, ``activation``,
        ``prec_bits``, ``seed``. ``cooper-2.1/2.3``: ``network``, ``point``, ``prec_bits``.

    Verified means
    --------------
    Every claim of the certificate was proven with exact rationals or with Arb
    balls that decide it; each claim's ``scope`` says where it holds.

    Inconclusive when
    -----------------
    A ball could not decide a claim (precision, conditioning); the reason says what to try.

    Raises
    ------
    InputError
        Unknown theorem, missing options, inconsistent shapes.
    """
    if theorem not in THEOREMS:
        raise InputError(f"unknown theorem {theorem!r}; known: {', '.join(THEOREMS)}")
    return THEOREMS[theorem].verify(data, **options)
