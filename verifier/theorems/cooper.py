"""Cooper's theorems in the rigorous tier: Lemma 3.3, Corollary 3.4, Theorem 4.1, Remark 4.2 (by the
construction) and Theorem 2.1 / Proposition 2.3 in local form (from an approximate zero).

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

import time

import flint
import numpy as np
from flint import arb, fmpq

from ..activations import Activation, get_activation
from ..certificate import INCONCLUSIVE, REFUTED, VERIFIED, Certificate, Claim
from ..checker.format import (GLOBAL_SMOOTHNESS, cooper_message, cooper_statement, decimal_str, parse_rational,
                              rational_str)
from ..checks import choose_unknowns, certify_zero, round_down, to_fmpq
from ..construction import Undecided, construction, round_up_rational
from ..data import Dataset
from ..errors import InputError
from ..network import Network, mlp, network_to_json
from ..search import gauss_newton
from ..system import compile_system
from .base import (REMARK_2_2, activation_claims, distinct_claim, instance_summary, overparam_claim, point_values,
                   width_claim)

# Seconds the rigorous tier may spend on one Krawczyk test (an estimate decides before it starts).
DEFAULT_TIMEOUT = 600.0


def _distance(point: dict, labels, given) -> fmpq:
    """max over coordinates of |w - given| for w in the certified box (exact): |given - mid| + rad."""
    out = fmpq(0)
    for lab, g in zip(labels, given):
        v = point[lab]
        if isinstance(v, dict):
            dist = abs(parse_rational(v["mid"]) - g) + parse_rational(v["rad"])
        else:
            dist = abs(parse_rational(v) - g)
        out = dist if dist > out else out
    return out


def default_max_distance(given) -> fmpq:
    """How far from a given point its certified zero may lie for the point to count as an approximate zero:
    1e-3 (1 + max |w_i|) in the max-norm."""
    top = max((abs(fmpq(g)) for g in given), default=fmpq(0))
    return round_up_rational(fmpq(1, 1000) * (1 + top), digits=3)


def krawczyk_seconds(unknowns: int, prec_bits: int) -> float:
    """A rough estimate of the Krawczyk test's seconds on this kind of machine: cubic in the unknowns, quadratic
    in the precision, calibrated on 1000 unknowns at 128 bits (about 20 s; benchmarks/bench_cooper41.py)."""
    return unknowns ** 3 * (prec_bits / 128) ** 2 / 5e7


def zero_claims(system, params, unknowns, prec_bits, *, hessian: bool, progress=None, given=None,
                max_distance=None, timeout: float = DEFAULT_TIMEOUT):
    """zero, rank-J, manifold (and hessian-signature) from one Krawczyk run; returns (claims, point).

    ``given``: the exact point the user gave (local theorems): the zero claim then states a checked bound
    on the distance from it to the certified box, and is verified only when that bound is at most
    ``max_distance`` (default :func:`default_max_distance`).
    """
    net = system.network
    labels = net.labels
    n, m, d = system.n, system.m, system.data.d
    seconds = krawczyk_seconds(len(unknowns), prec_bits)
    if seconds > timeout:
        why = (f"the Krawczyk test on {len(unknowns)} unknowns at {prec_bits} bits would take about {seconds:.0f} s, "
               f"past the budget of {timeout:g} s: lower --prec or raise --timeout")
        claims = [Claim("zero", INCONCLUSIVE, "global", cooper_statement("zero", n, m), {}, why)]
        claims += [Claim(cid, INCONCLUSIVE, "local", cooper_statement(cid, n, m), {}, "rests on the zero claim")
                   for cid in ("rank-J", "manifold") + (("hessian-signature",) if hessian else ())]
        return claims, None
    res = certify_zero(system, params, unknowns, prec_bits=prec_bits, progress=progress)
    names = [labels[u] for u in unknowns]
    point = {} if res.ok else None      # a failed attempt certifies no point
    mids = dict(zip(unknowns, res.mid)) if res.mid else {}
    for j, lab in enumerate(labels if res.ok else ()):
        if j in mids:
            point[lab] = {"mid": decimal_str(mids[j]), "rad": decimal_str(res.rad)}
        else:
            point[lab] = decimal_str(to_fmpq(params[j]))
    ev = {"unknowns": names, "blocks": [[labels[u] for u in b] for b in res.blocks or [unknowns]],
          "radius": decimal_str(res.rad) if res.ok else None, "prec_bits": prec_bits}
    st, msg, distance = (VERIFIED, None, None) if res.ok else (INCONCLUSIVE, res.message, None)
    if given is not None:
        limit = fmpq(max_distance) if max_distance is not None else default_max_distance(given)
        ev["given_point"] = {lab: decimal_str(g) for lab, g in zip(labels, given)}
        ev["max_distance"] = decimal_str(limit)
        if res.ok:
            dist = _distance(point, labels, given)
            distance = decimal_str(round_up_rational(dist, digits=3)) if dist > 0 else "0"
            ev["distance_bound"] = distance
            if parse_rational(distance) > limit:
                st = INCONCLUSIVE
                msg = (f"the certified zero lies within {distance} of the given point, farther than max_distance = "
                       f"{ev['max_distance']}: the given point is not an approximate zero (give max_distance to "
                       "accept a far zero, or a point closer to M)")
    zero_ok = st == VERIFIED
    claims = [Claim("zero", st, "global", cooper_statement("zero", n, m), ev,
                    msg or cooper_message("zero", st, n=n, m=m, d=d, radius=ev["radius"], distance=distance))]
    sig = round_down(res.sigma_min_lower) if zero_ok else fmpq(0)
    rank_ok = zero_ok and sig > 0
    claims.append(Claim("rank-J", VERIFIED if rank_ok else INCONCLUSIVE, "local", cooper_statement("rank-J", n, m),
                        {"rank": m, "sigma_min_lower": rational_str(sig)},
                        cooper_message("rank-J", VERIFIED, n=n, m=m, d=d, sigma=sig) if rank_ok else
                        "rests on the zero claim, which is not verified" if not zero_ok else
                        "no positive lower bound on sigma_min(J)"))
    man_ok = rank_ok and n > m
    claims.append(Claim("manifold", VERIFIED if man_ok else INCONCLUSIVE, "local",
                        cooper_statement("manifold", n, m), {"dimension": n - m},
                        cooper_message("manifold", VERIFIED, n=n, m=m, d=d) if man_ok
                        else "rests on the zero and rank claims"))
    if hessian:
        lam = round_down(2 * sig * sig) if rank_ok else fmpq(0)
        hev = {"positive": m, "zero": n - m, "min_positive_lower": rational_str(lam)}
        if rank_ok and n <= 200:
            hev.update(_spectrum(system, point, prec_bits))
        claims.append(Claim("hessian-signature", VERIFIED if rank_ok else INCONCLUSIVE, "local",
                            cooper_statement("hessian-signature", n, m), hev,
                            cooper_message("hessian-signature", VERIFIED, n=n, m=m, d=d, lam=lam) if rank_ok
                            else "rests on the zero and rank claims"))
    return claims, point


def _spectrum(system, point, prec_bits) -> dict:
    """Enclosures of the l*d nonzero eigenvalues of Hess L(w*) = 2 J^T J (small n).

    J is evaluated over the certified box, so 2 J J^T (its nonzero eigenvalues
    are those of 2 J^T J) encloses the matrix at w*; Arb's eigenvalue routine
    (Rump's method) isolates its eigenvalues. Evidence for reading: the claim
    itself rests on the rank and sigma_min bound, which the checker re-derives.
    """
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


def verify_construction(thm, data: Dataset, *, width=None, widths=None, depth: int = 1,
                         activation="smoolu", prec_bits: int = 128, seed: int = 0, progress=None,
                         smooth_claims: bool = False, timeout: float = None) -> Certificate:
    t0 = time.perf_counter()
    act = activation if isinstance(activation, Activation) else get_activation(activation)
    if widths is None:
        h = data.d if width is None else int(width)
        widths = [1] * (depth - 1) + [h]
    widths = [int(w) for w in widths]
    net = mlp(data.p, widths, l=data.l, activation=act)
    n, m = net.n, data.l * data.d
    claims = [distinct_claim(data, n)] + activation_claims(net, data, rectified=True, smooth=smooth_claims)
    if smooth_claims:
        claims.append(overparam_claim(n, m, data.d))
    claims.append(width_claim(widths[-1], n, m, data.d))
    timings = {}
    cert = Certificate(thm.id, thm.statement, network_to_json(net), data.to_json(), None, claims, prec_bits, seed,
                       summary_info=instance_summary(net, data), timings_s=timings)
    if smooth_claims:
        cert.out_of_scope.append(GLOBAL_SMOOTHNESS)
        cert.notes.append(REMARK_2_2)
    if any(c.status == REFUTED for c in claims):
        timings["verify"] = time.perf_counter() - t0
        return cert
    try:
        net, params, unknowns, columns, rows, _ = construction(data, widths, act, seed, prec_bits)
    except (OverflowError, Undecided) as exc:
        # Float64 starting values out of range, or a separation the balls could not decide.
        claims.append(Claim("construction", INCONCLUSIVE, "instance", cooper_statement("construction", n, m),
                            {}, str(exc) if isinstance(exc, Undecided) else
                            "the construction's numbers leave the float64 range (inputs extremely close "
                            "together or extremely large); rescale the data"))
        return cert
    timings["construction"] = time.perf_counter() - t0
    system = compile_system(net, data)
    claims.append(Claim("construction", VERIFIED, "instance", cooper_statement("construction", n, m),
                        {"columns": columns, "rows": rows},
                        cooper_message("construction", VERIFIED, n=n, m=m, d=data.d)))
    t1 = time.perf_counter()
    zc, point = zero_claims(system, params, unknowns, prec_bits, hessian=smooth_claims, progress=progress,
                            timeout=timeout or DEFAULT_TIMEOUT)
    timings["certify"] = time.perf_counter() - t1
    if smooth_claims:
        claims.extend(zc)
    else:
        claims.append(zc[0])
    cert.point = point
    return cert


def verify_local(thm, data: Dataset, *, network: Network, point, prec_bits: int = 128,
                 seed: int | None = None, hessian: bool = False, progress=None, unknowns=None,
                 max_distance=None, timeout: float = None) -> Certificate:
    t0 = time.perf_counter()
    if network is None or point is None:
        raise InputError(f"{thm.id} needs --network and --point")
    system = compile_system(network, data)
    claims = [distinct_claim(data, network.n)] + activation_claims(network, data, rectified=False, smooth=True)
    claims.append(overparam_claim(network.n, system.m, data.d))
    params = point_values(network, point)
    cert = Certificate(thm.id, thm.statement, network_to_json(network), data.to_json(), None, claims, prec_bits,
                       seed, summary_info=instance_summary(network, data), out_of_scope=[GLOBAL_SMOOTHNESS],
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
        claims.append(Claim("zero", INCONCLUSIVE, "global", cooper_statement("zero", network.n, system.m),
                            {"max_residual_f64": f"{res:.3e}"},
                            f"Gauss-Newton from the given point did not reach M (max |H| = {res:.2e}); "
                            "give a point closer to a zero (e.g. after training)"))
        cert.timings_s["verify"] = time.perf_counter() - t0
        return cert
    if unknowns is None:
        unknowns = choose_unknowns(system.jacobian_f64(w))
    vals = [to_fmpq(float(x)) for x in w]
    zc, pt = zero_claims(system, vals, unknowns, prec_bits, hessian=hessian, progress=progress, given=params,
                         max_distance=max_distance, timeout=timeout or DEFAULT_TIMEOUT)
    claims.extend(zc)
    cert.point = pt
    cert.timings_s["verify"] = time.perf_counter() - t0
    return cert


# --------------------------------------------------------------------------- entries of the registry


def verify_lemma_3_3(thm, data: Dataset, **options) -> Certificate:
    return verify_construction(thm, data, **{**options, "depth": 1})


def verify_corollary_3_4(thm, data: Dataset, **options) -> Certificate:
    return verify_construction(thm, data, **{"depth": 2, **options})


def verify_theorem_4_1(thm, data: Dataset, **options) -> Certificate:
    """Theorem 4.1 and Remark 4.2 (l outputs): the construction, then rank, manifold and Hessian claims."""
    return verify_construction(thm, data, **options, smooth_claims=True)


def verify_theorem_2_1(thm, data: Dataset, **options) -> Certificate:
    return verify_local(thm, data, **options, hessian=False)


def verify_proposition_2_3(thm, data: Dataset, **options) -> Certificate:
    return verify_local(thm, data, **options, hessian=True)
