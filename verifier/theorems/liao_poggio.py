"""Liao-Poggio's algebraic statements and the global form of Cooper's Theorem 2.1, as theorem objects.

* ``liao-poggio-bezout``: exact residual polynomials, their degrees, and the
  total-degree, multihomogeneous, Liao-Poggio and Smale-Shub counts.
* ``liao-poggio-dimension``: the generic rank of J (the dimension of the image
  of w -> outputs on the data), certified from below by a nonzero minor modulo
  a prime at an integer point and from above by exact symmetry vector fields,
  by the function space (the monomials in x the outputs can contain) and by
  polynomial kernel vectors of J over Q(w) (Cramer's rule, Singular's syz);
  the dimension and degree of V(H) over C by a Groebner basis; components of
  excess dimension.
* ``liao-poggio-nullstellensatz``: V(H) is empty over C, with cofactors
  1 = sum g_r H_r, or nonempty, with an exact rational point or, without one, a
  certified complex point (claim ``complex-point``: a Krawczyk box around a zero of H
  on n - l*d rational affine slices; the argument is in :mod:`verifier.solver.complex_point`).
  ``liao-poggio-dimension`` (without a Groebner answer) and ``cooper-2.1-global`` (which then
  skips the emptiness test) carry the same claim when it is certified.
* ``cooper-2.1-global``: 0 is a regular value of H over C (no point of V(H)
  where rank J < l*d), with Nullstellensatz cofactors for every affine chart of
  the Lagrange system H = 0, J^T lam = 0, lam_k = 1; otherwise an exact singular
  point, and then a small rational perturbation of the targets after which 0 is
  a regular value (Theorem 2.1's Sard step), certified the same way.

Every ``verified`` rests on evidence the checker re-verifies without an engine:
minors modulo a prime, symbolic identities, cofactor expansions, exact points, Krawczyk boxes.
Dimension and degree from a Groebner basis are an engine's answer; the
certificate labels them so and the checker recomputes them when Singular is
installed.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
import time

import flint
from flint import fmpq, fmpq_mat

from ..algebra import engines
from ..algebra.bounds import bounds_report
from ..algebra.factor import CutFactorization, cut_factorizations, factorizations
from ..algebra.function_space import TooLarge, function_space_bound
from ..algebra.polys import PolySystem, compile_polynomials, degree_report, is_polynomial_network
from ..algebra.symmetries import cramer_kernel, field_vanishes, independent_at, kernel_vectors, symmetry_fields
from ..certificate import INCONCLUSIVE, REFUTED, VERIFIED, Certificate, Claim
from ..checker.format import ALGEBRAIC_CLAIMS, CLAIM_STATEMENTS, STATEMENTS, rational_str
from ..checker.algebra.polys import poly_to_json
from ..data import Dataset
from ..errors import BudgetExceeded, InputError
from ..network import Network, network_to_json
from .base import instance_summary

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_MEMORY_MB = 4096
ENGINE_NOTE = "engine answers (Singular) are labelled as such; everything marked verified is re-checked without one"


# ---------------------------------------------------------------------------
# helpers


def _new_cert(thm_id: str, net: Network, data: Dataset, claims, seed) -> Certificate:
    info = {**instance_summary(net, data), "arithmetic": "exact over Q and modulo primes"}
    return Certificate(thm_id, STATEMENTS[thm_id], network_to_json(net), data.to_json(), None, claims, 128, seed,
                       summary_info=info, notes=[ENGINE_NOTE])


def _system_claim(net: Network, data: Dataset, max_terms: int):
    """(claim, PolySystem or None)."""
    statement = CLAIM_STATEMENTS["polynomial-system"]
    if not is_polynomial_network(net):
        bad = sorted({net.node_activation(v).name for v in net.order
                      if net.node_activation(v) is not None and net.node_activation(v).coefficients() is None})
        return Claim("polynomial-system", REFUTED, "instance", statement, {"activations": bad},
                     f"{', '.join(bad)} is not a polynomial; use polynomial, power, relu-approx or identity"), None
    try:
        ps = compile_polynomials(net, data, max_terms=max_terms)
    except BudgetExceeded as exc:
        return Claim("polynomial-system", INCONCLUSIVE, "instance", statement, {}, str(exc)), None
    rep = degree_report(ps)
    ev = {"variables": list(net.labels), "degrees": rep["degrees"],
          "groups": [[net.labels[j] for j in g] for g in ps.groups], "group_degrees": rep["group_degrees"],
          "liao_poggio": rep["liao_poggio"], "terms": [len(h) for h in ps.H]}
    msg = (f"{ps.m} residual polynomials in {ps.n} unknowns, degrees {min(rep['degrees'])}..{rep['max_degree']}; "
           f"{rep['explanation']}")
    return Claim("polynomial-system", VERIFIED, "instance", statement, ev, msg), ps


def _embed(polys, big_ctx, extra: int):
    """Move polynomials in w0..w{n-1} into a context with ``extra`` more variables (appended)."""
    pad = (0,) * extra
    return [big_ctx.from_dict({tuple(int(e) for e in mon) + pad: c for mon, c in zip(p.monoms(), p.coeffs())})
            for p in polys]


def _exact_point_json(net: Network, vals) -> dict:
    return {lab: rational_str(v) for lab, v in zip(net.labels, vals)}


def _evaluate(ps: PolySystem, vals) -> list:
    return [h(*vals) for h in ps.H]


def _rank_at(ps: PolySystem, vals) -> int:
    J = [[dh(*vals) for dh in row] for row in ps.jacobian()]
    return fmpq_mat(J).rank() if J and J[0] else 0


def _output_layer_point(ps: PolySystem, rng: random.Random, *, zero_hidden: bool = False):
    """An exact point of V(H), if one is found by fixing every parameter outside the last layer's
    weights into the outputs and solving the linear system for the rest (Cooper's construction idea)."""
    net = ps.network
    out_labels = set()
    for o in net.outputs:
        out_labels.update(lab for _, lab in net.in_edges(o))
        if net.bias(o) is not None:
            out_labels.add(net.bias(o))
    free = [j for j, lab in enumerate(net.labels) if lab in out_labels]
    if not free:
        return None
    vals = [fmpq(0) if zero_hidden else fmpq(rng.randint(-9, 9), rng.randint(1, 4)) for _ in range(net.n)]
    # H is affine in the output-layer parameters once the others are fixed: H = A t + b.
    base = list(vals)
    for j in free:
        base[j] = fmpq(0)
    b = _evaluate(ps, base)
    A = []
    for j in free:
        e = list(base)
        e[j] = fmpq(1)
        col = _evaluate(ps, e)
        A.append([c - b0 for c, b0 in zip(col, b)])
    A = fmpq_mat([[A[c][r] for c in range(len(free))] for r in range(ps.m)])
    rhs = fmpq_mat([[-v] for v in b])
    try:
        # Least squares is not wanted: solve a consistent system through its rref.
        aug = fmpq_mat([[A[r, c] for c in range(A.ncols())] + [rhs[r, 0]] for r in range(A.nrows())])
        R, rank = aug.rref()
    except Exception:  # pragma: no cover - flint raises only on malformed input
        return None
    t = [fmpq(0)] * len(free)
    for r in range(rank):
        piv = next(c for c in range(R.ncols()) if R[r, c] != 0)
        if piv == len(free):
            return None   # inconsistent: the last column is a pivot
        t[piv] = R[r, len(free)] / R[r, piv]
    for j, v in zip(free, t):
        vals[j] = v
    return vals if all(h == 0 for h in _evaluate(ps, vals)) else None


def _complex_point_claim(net: Network, ps: PolySystem, seed: int, timeout: float, max_memory_mb: int):
    """(``complex-point`` claim or None, reason): a Krawczyk box around a complex zero of H on rational slices
    (:mod:`verifier.solver.complex_point`), re-checked by the checker; None with the reason when none is
    certified within ``timeout`` seconds."""
    from ..solver.complex_point import complex_point
    res = complex_point(ps.H, ps.ctx, seed=seed, timeout=timeout, max_memory_mb=max_memory_mb)
    if res["status"] != "certified":
        return None, f"no certified complex point ({res['reason']})"
    ev = {"variables": list(net.labels), "slices": res["slices"], "box": res["box"], "prec_bits": res["prec_bits"],
          "route": res["route"]}
    k = len(res["slices"])
    return Claim("complex-point", VERIFIED, "global", CLAIM_STATEMENTS["complex-point"], ev,
                 f"a complex zero of H on {k} rational affine slice{'s' if k != 1 else ''}, certified by the "
                 f"Krawczyk test ({res['route']}, {res['seconds']} s)"), None


def _engine_failure_claim(cid, statement, exc, scope="global"):
    if isinstance(exc, engines.EngineMissing):
        return Claim(cid, INCONCLUSIVE, scope, statement, {"engine": "missing"}, str(exc))
    if isinstance(exc, BudgetExceeded):
        return Claim(cid, INCONCLUSIVE, scope, statement, {"budget": str(exc)},
                     str(exc) if exc.fixed else f"{exc}; raise --timeout / --max-memory")
    return Claim(cid, INCONCLUSIVE, scope, statement, {}, f"the engine failed: {exc}")


# ---------------------------------------------------------------------------
# liao-poggio-bezout


def bezout_evidence(rep: dict) -> dict:
    """The checkable part of a bounds report: every number the checker recomputes, nothing else."""
    lp = rep["degrees"]["liao_poggio"]
    return {"n": rep["n"], "equations": rep["equations"], "slices": rep["slices"],
            "total_degree": {"bound": rep["total_degree"]["bound"]},
            "multihomogeneous": {"bound": rep["multihomogeneous"]["bound"]},
            "liao_poggio": {"k": lp["k"], "depth": lp["depth"], "value": rep["liao_poggio"]["value"]},
            "smale_shub_real_estimate": {"k": lp["k"], "depth": lp["depth"],
                                         "value": rep["smale_shub_real_estimate"]["value"]}}


def verify_bezout(net: Network, data: Dataset, *, max_terms: int = 200_000, seed: int = 0, counts: bool = True,
                  timeout: float = 20.0, max_memory_mb: int = DEFAULT_MAX_MEMORY_MB, groebner: bool = True,
                  **_) -> Certificate:
    t0 = time.perf_counter()
    sc, ps = _system_claim(net, data, max_terms)
    claims = [sc]
    if ps is not None:
        rep = bounds_report(ps)
        ev = bezout_evidence(rep)
        tot, mh = rep["total_degree"]["bound"], rep["multihomogeneous"]["bound"]
        msg = (f"total-degree Bezout {tot}" + (f", multihomogeneous (by layer) {mh}" if mh is not None else "")
               + f"; they bound the {rep['total_degree']['bounds']}. Beside them (not bounds): Liao-Poggio "
               + f"k^(N*depth) = {rep['liao_poggio']['formula'].split('= ')[1]}, Smale-Shub's real estimate "
               + rep["smale_shub_real_estimate"]["formula"].split("= ")[1])
        claims.append(Claim("bezout-bounds", VERIFIED, "global",
                            CLAIM_STATEMENTS["bezout-bounds"], ev, msg))
    cert = _new_cert("liao-poggio-bezout", net, data, claims, seed)
    if ps is not None and counts and groebner:
        cert.extra["counts"] = _engine_counts(ps, timeout, max_memory_mb)
    cert.timings_s["verify"] = time.perf_counter() - t0
    return cert


def _engine_counts(ps: PolySystem, timeout: float, max_memory_mb: int) -> dict:
    """Solution counts from the engines, beside the bounds (not part of the certified claims).

    Square systems: msolve's number of distinct complex solutions and of real ones. n > l*d: the degree of
    V(H) from Singular, which is the number of points of M on a generic slice when V(H) has the expected
    dimension.
    """
    out = {"certified": False, "note": "engine answers shown beside the bounds; the claims do not rest on them"}
    try:
        if ps.n == ps.m:
            t = time.perf_counter()
            out["complex_solutions"] = engines.msolve_count(ps.H, ps.ctx, timeout=timeout, max_memory_mb=max_memory_mb)
            sol = engines.msolve_solve(ps.H, ps.ctx, timeout=timeout, max_memory_mb=max_memory_mb)
            out["real_solutions"] = len(sol["real_boxes"]) if sol["status"] == "finite" else None
            out["engine"] = "msolve"
            out["seconds"] = round(time.perf_counter() - t, 4)
        elif ps.n > ps.m:
            info = engines.groebner_dimension(ps.H, ps.ctx, timeout=timeout, max_memory_mb=max_memory_mb)
            out["dimension"] = info["dim"]
            if info["dim"] == ps.n - ps.m:
                out["degree_of_M"] = info["degree"]
            out["engine"] = info["engine"]
            out["seconds"] = round(info["seconds"], 4)
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError) as exc:
        out["unavailable"] = str(exc)
    return out


# ---------------------------------------------------------------------------
# liao-poggio-dimension


MAX_KERNEL_TERMS = 60_000      # kernel vectors in a certificate, all terms together (about 3 MB of JSON)


def _short_reason(exc) -> str:
    return str(exc).split("\n")[0][:120]


def _factorization_evidence(fac):
    """(evidence, message part) for a factorization: Psi and phi written out, or a cut the checker rebuilds Psi
    from (``CutFactorization``: neither H nor phi is expanded)."""
    ev = {"description": fac.description}
    if isinstance(fac, CutFactorization):
        ev.update({"cut": {"nodes": list(fac.nodes), "before_activation": fac.before}, "inner": fac.inner,
                   "outer_labels": list(fac.outer_labels)})
        if fac.middle:
            ev["middle"] = [{"nodes": list(nodes), "before_activation": b} for nodes, b in fac.middle]
    else:
        ev.update({"phi": [poly_to_json(c) for c in fac.phi], "psi": [poly_to_json(c) for c in fac.psi]})
    ev.update({"variables": list(fac.names),
               "fields": [{"description": desc, "components": [poly_to_json(c) for c in comp]}
                          for desc, comp in fac.fields],
               "field_point": [rational_str(v) for v in fac.point], "field_rank": fac.rank})
    N, k = len(fac.names), fac.rank
    return ev, (f"; H factors through Q^{N} ({fac.description}) with {k} field{'s' if k != 1 else ''} of Psi "
                f"there: r <= {N} - {k} = {fac.bound}")


def _cut_factorization(net, data, budget: float, limit: int, target: int):
    """The best factorization through one or two cuts of the graph below ``limit`` (a quarter of ``budget``
    seconds), or None."""
    try:
        cuts = cut_factorizations(net, data, deadline=time.monotonic() + max(1.0, budget / 4), limit=limit,
                                  target=target)
    except BudgetExceeded:
        return None
    return cuts[0] if cuts else None


def _generic_rank_claim(net: Network, data: Dataset, ps: PolySystem | None, seed: int, trials: int, *,
                        kernel: bool = True, timeout: float = DEFAULT_TIMEOUT,
                        max_memory_mb: int = DEFAULT_MAX_MEMORY_MB, share: float = 1.0):
    from ..algebra.rank import generic_rank
    m = net.l * data.d
    statement = CLAIM_STATEMENTS["generic-rank"]
    # The function-space bound: f_w(x) lies in a span of monomials in x read off the graph (cheap; budgeted).
    try:
        fs = function_space_bound(net, data)
        fs_note = ""
    except TooLarge as exc:
        fs, fs_note = None, f"; no function-space bound ({exc})"
    res = generic_rank(net, data, trials=trials, seed=seed, upper=None if fs is None else fs["rank"])
    lower = res["rank"]
    upper = min(net.n, m)
    ev = {"prime": res["prime"], "point": {lab: int(v) for lab, v in zip(net.labels, res["point"])},
          "rows": [int(r) for r in res["rows"]], "cols": [net.labels[c] for c in res["cols"]],
          "lower": lower}
    trials_note = f" (ranks at the trial points: {', '.join(str(int(r)) for r in res['trial_ranks'])})"
    fields_note = kernel_note = ""
    full = upper
    if fs is not None and lower < full:
        ev["function_space"] = fs
        upper = min(upper, fs["rank"])
        fs_note = (f"; f_w(x) lies in a span of {'/'.join(map(str, sorted(set(fs['monomials']))))} monomials in x "
                   f"per output, an evaluation matrix of rank {fs['rank']}")
    if ps is not None and lower < full:
        rng = random.Random(seed)
        pt = [fmpq(rng.randint(-50, 50), rng.randint(1, 7)) for _ in range(net.n)]
        fields = [(desc, comp) for desc, comp in symmetry_fields(net, ps.ctx) if field_vanishes(ps.H, comp, net.n)]
        k = fmpq_mat([[c(*pt) for c in comp] for _, comp in fields]).rank() if fields else 0
        sym = len(fields)
        left = []
        # Symmetry fields are the fast path; where they leave a gap, the kernel of J over Q(w) closes it:
        # Cramer's rule on the lower bound's minor (cheap while the rank is small; on the side with fewer
        # vectors), then Singular's syz (right kernel, then left) whenever the engine finishes.
        deadline = time.monotonic() + timeout * share    # with a Groebner basis asked for, half is left to it
        # A factorization H = Psi o phi through a cut of the network (a bottleneck, a layer whose values lie in
        # a small space of polynomials) bounds r by Psi's variables less its scaling fields: cheap, so first.
        fac = None
        if kernel and lower < min(upper, net.n - k):
            try:
                facs = factorizations(ps, deadline=time.monotonic() + max(1.0, timeout * share / 4),
                                      limit=min(upper, net.n - k), target=lower)
            except BudgetExceeded:
                facs = []
            fac = facs[0] if facs else None
            if fac is None or fac.bound > lower:
                # the same through one or two cuts of the graph (its Psi rebuilt by the checker from the graph),
                # before the kernel routes: cheap where the layers between two cuts are a small family
                cut = _cut_factorization(net, data, timeout * share, min(upper, net.n - k), lower)
                if cut is not None and (fac is None or cut.bound < fac.bound):
                    fac = cut
        fac_bound = fac.bound if fac is not None else upper
        small_side = "left" if m < net.n else "right"
        routes = [("cramer", small_side), ("syz", "right"), ("syz", "left")] if kernel else []
        for route, side in routes:
            if lower >= min(upper, net.n - k, m - len(left), fac_bound):
                break
            budget = deadline - time.monotonic()
            if budget <= 0.5:
                kernel_note = "; the kernel of J over Q(w) ran out of time"
                break
            try:
                if route == "cramer":
                    vecs = cramer_kernel(ps, res["rows"], res["cols"], left=side == "left",
                                         deadline=time.monotonic() + min(budget, max(1.0, budget / 4)))
                else:
                    vecs = kernel_vectors(ps, left=side == "left", timeout=budget, max_memory_mb=max_memory_mb)
            except (engines.EngineMissing, BudgetExceeded, engines.EngineError) as exc:
                kernel_note = f"; the {side} kernel of J over Q(w) was not found ({_short_reason(exc)})"
                continue
            # The smallest vectors first; a certificate whose vectors exceed MAX_KERNEL_TERMS is too big to ship.
            vecs = sorted(vecs, key=lambda item: sum(len(c) for c in item[1]))
            chosen = independent_at(vecs, pt, net.n - lower if side == "right" else m - lower,
                                    base=fields if side == "right" else left)
            terms = sum(len(c) for _, comp in chosen for c in comp)
            if terms > MAX_KERNEL_TERMS:
                kernel_note = (f"; the {side} kernel of J over Q(w) was found but its vectors have {terms} terms, more "
                               f"than a certificate carries ({MAX_KERNEL_TERMS})")
                continue
            if side == "right":
                fields = chosen
                k = fmpq_mat([[c(*pt) for c in comp] for _, comp in fields]).rank() if fields else 0
            else:
                left = chosen
        if fields:
            ev["fields"] = [{"description": desc, "components": [poly_to_json(c) for c in comp]}
                            for desc, comp in fields]
            ev["field_rank"] = k
            upper = min(upper, net.n - k)
            extra = len(fields) - sym
            fields_note = (f"; {sym} symmetry field{'s' if sym != 1 else ''}"
                           + (f" and {extra} kernel vector{'s' if extra != 1 else ''} of J over Q(w)" if extra else "")
                           + f" of rank {k} give r <= n - {k} = {net.n - k}")
        if left:
            ev["left_kernel"] = [{"description": desc, "components": [poly_to_json(c) for c in comp]}
                                 for desc, comp in left]
            ev["left_rank"] = len(left)
            upper = min(upper, m - len(left))
            fields_note += (f"; {len(left)} left kernel vector{'s' if len(left) != 1 else ''} of J over Q(w) "
                            f"give r <= l*d - {len(left)} = {m - len(left)}")
        if fields or left:
            ev["field_point"] = {lab: rational_str(v) for lab, v in zip(net.labels, pt)}
        if fac is not None and fac.bound < upper:
            ev["factorization"], note = _factorization_evidence(fac)
            upper = fac.bound
            fields_note += note
    if ps is None and kernel and lower < upper:
        # H too large to expand: a factorization through a cut (or two) still bounds r, and the checker rebuilds
        # its Psi from the graph and the data alone.
        cut = _cut_factorization(net, data, timeout * share, upper, lower)
        if cut is not None:
            ev["factorization"], note = _factorization_evidence(cut)
            upper = cut.bound
            fields_note += note
    ev["upper"] = upper
    ev["equations"] = m
    if lower == upper:
        cons = (f"r = l*d = {m}: the map is generically a submersion; for generic targets M is empty or a smooth "
                f"manifold of dimension n - l*d = {net.n - m}" if lower == m else
                f"r = {lower} < l*d = {m}: the image is a proper subvariety, so M is empty for generic targets")
        return Claim("generic-rank", VERIFIED, "global", statement, ev,
                     f"generic rank {lower} (nonzero {lower}x{lower} minor mod {res['prime']} at an integer point"
                     f"{trials_note}{fs_note}{fields_note}); {cons}")
    return Claim("generic-rank", INCONCLUSIVE, "global", statement, ev,
                 f"{lower} <= generic rank <= {upper}: the bounds do not meet (neither the function space nor a "
                 f"kernel vector explains the gap{fs_note}{fields_note}{kernel_note}); try more --trials or a longer "
                 "--timeout")


def _linear_excess(ps: PolySystem):
    """Coordinate subspaces {w_S = 0} on which H vanishes identically and whose dimension exceeds n - l*d.

    Greedy: the outgoing-weight sets of the output layer (a = 0 kills every path) are the usual culprits for
    targets the zero network fits."""
    net = ps.network
    out = []
    cands = []
    outs = []
    for o in net.outputs:
        outs += [lab for _, lab in net.in_edges(o)] + ([net.bias(o)] if net.bias(o) is not None else [])
    cands.append(sorted(set(outs)))
    index = {lab: j for j, lab in enumerate(net.labels)}
    for S in cands:
        if net.n - len(S) <= net.n - ps.m:
            continue
        vals_zero = {index[lab] for lab in S}
        # H restricted to w_S = 0: substitute zeros and test for the zero polynomial.
        gens = ps.ctx.gens()
        subs = [gens[j] * 0 if j in vals_zero else gens[j] for j in range(net.n)]
        if all(h.compose(*subs).is_zero() for h in ps.H):
            out.append({"zero_labels": S, "dimension": net.n - len(S)})
    return out


def _excess_primes(ps: PolySystem, expected: int, timeout: float, max_memory_mb: int) -> list:
    """Minimal primes of V(H) of dimension above ``expected`` (Singular minAssGTZ), generators in label names."""
    try:
        primes = engines.minimal_primes(ps.H, ps.ctx, timeout=timeout, max_memory_mb=max_memory_mb)
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError):
        return []
    names = {f"w{j}": lab for j, lab in enumerate(ps.network.labels)}
    out = []
    for P in primes:
        if P["dim"] > expected:
            gens = []
            for g in P["generators"]:
                # One pass, so a label that looks like a variable name is not renamed twice.
                gens.append(re.sub(r"\bw(\d+)\b", lambda mt: names[mt.group(0)], str(g)))
            out.append({"dim": P["dim"], "generators": gens})
    return out


def verify_dimension(net: Network, data: Dataset, *, max_terms: int = 200_000, seed: int = 0, trials: int = 2,
                     timeout: float = DEFAULT_TIMEOUT, max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
                     groebner: bool = True, **_) -> Certificate:
    t0 = time.perf_counter()
    poly_ok = is_polynomial_network(net)
    if not poly_ok:
        sc, ps = _system_claim(net, data, max_terms)
        cert = _new_cert("liao-poggio-dimension", net, data, [sc], seed)
        cert.timings_s["verify"] = time.perf_counter() - t0
        return cert
    # The generic rank needs only J modulo p, so it scales to networks whose polynomials are too big to expand.
    small = net.n <= 400 and data.d * net.l <= 400
    if small:
        sc, ps = _system_claim(net, data, max_terms)
    else:
        sc = Claim("polynomial-system", VERIFIED, "instance",
                   "every activation is a polynomial with rational coefficients, so H is a polynomial map over Q",
                   {"variables": list(net.labels), "expanded": False},
                   f"H is polynomial ({net.n} unknowns, {net.l * data.d} equations); too large to expand, so only "
                   "modular evidence is used")
        ps = None
    claims = [sc]
    claims.append(_generic_rank_claim(net, data, ps, seed, trials, timeout=timeout, max_memory_mb=max_memory_mb,
                                      share=0.5 if groebner else 1.0))
    m = net.l * data.d
    if ps is not None:
        statement = CLAIM_STATEMENTS["variety-dimension"]
        excess = _linear_excess(ps)
        ev = {"expected_dimension": net.n - m, "excess_linear": excess}
        if groebner:
            try:
                info = engines.checked_dimension(ps.H, ps.ctx, timeout=timeout, max_memory_mb=max_memory_mb)
                ev.update({"dimension": info["dim"], "degree": info["degree"], "engine": info["engine"],
                           "engine_seconds": round(info["seconds"], 4)})
                dim = info["dim"]
                if dim == -1:
                    msg = "V(H) is empty over C (the Groebner basis is {1})"
                else:
                    msg = (f"V(H) has dimension {dim} and degree {info['degree']} over C "
                           f"(expected n - l*d = {net.n - m})")
                    if dim > net.n - m:
                        msg += f": an excess component of dimension {dim} > {net.n - m}"
                        # The minimal primes (Singular minAssGTZ) only name what the linear space does not.
                        comps = [] if any(e["dimension"] == dim for e in excess) else \
                            _excess_primes(ps, net.n - m, timeout, max_memory_mb)
                        if comps:
                            ev["excess_components"] = comps
                            msg += (f" ({len(comps)} of the minimal primes exceed it, e.g. "
                                    f"{{{', '.join(comps[0]['generators'][:4])}}}, dimension {comps[0]['dim']})")
                if excess:
                    msg += (f"; H vanishes identically on {{{', '.join(excess[0]['zero_labels'])} = 0}}, a linear "
                            f"space of dimension {excess[0]['dimension']} > n - l*d (checked by substitution)")
                claims.append(Claim("variety-dimension", VERIFIED, "global", statement, ev, msg))
            except (engines.EngineMissing, BudgetExceeded, engines.EngineError) as exc:
                claims.append(_engine_failure_claim("variety-dimension", statement, exc))
        if groebner and claims[-1].status != VERIFIED:
            # Without a Groebner answer (a budget, no Singular), a certified complex zero still shows V(H)
            # nonempty (dim >= 0), with a component of dimension n - l*d; the claim is added only when
            # certified. (--no-groebner asks for the modular rank only, so nothing runs then.)
            cp, _ = _complex_point_claim(net, ps, seed, max(2.0, timeout / 4), max_memory_mb)
            if cp is not None:
                claims.append(cp)
    cert = _new_cert("liao-poggio-dimension", net, data, claims, seed)
    cert.timings_s["verify"] = time.perf_counter() - t0
    return cert


# ---------------------------------------------------------------------------
# liao-poggio-nullstellensatz


def verify_nullstellensatz(net: Network, data: Dataset, *, max_terms: int = 200_000, seed: int = 0,
                           timeout: float = DEFAULT_TIMEOUT, max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
                           **_) -> Certificate:
    t0 = time.perf_counter()
    sc, ps = _system_claim(net, data, max_terms)
    claims = [sc]
    cert = _new_cert("liao-poggio-nullstellensatz", net, data, claims, seed)
    if ps is not None:
        statement = CLAIM_STATEMENTS["infeasible"]
        rng = random.Random(seed)
        point = None
        for _ in range(4):
            point = _output_layer_point(ps, rng)
            if point is not None:
                break
        if point is not None:
            cert.point = _exact_point_json(net, point)
            claims.append(Claim("infeasible", REFUTED, "global", statement, {"point": "exact"},
                                "V(H) is nonempty: the exact rational point in `point` fits every data point"))
        else:
            claims += _infeasible_claims(net, ps, cert, statement, seed, timeout, max_memory_mb)
    cert.timings_s["verify"] = time.perf_counter() - t0
    return cert


def _cofactor_claim(net, statement, cof):
    ev = {"variables": list(net.labels), "cofactors": [poly_to_json(g) for g in cof], "engine": "Singular lift"}
    return Claim("infeasible", VERIFIED, "global", statement, ev,
                 f"1 = sum g_r H_r with {len(cof)} cofactors of degree <= "
                 f"{max(int(g.total_degree()) for g in cof if not g.is_zero())} (checked by exact expansion)")


def _infeasible_claims(net, ps, cert, statement, seed, timeout, max_memory_mb) -> list:
    """The ``infeasible`` claim (preceded by ``complex-point`` when that settles it) when no exact point is at
    hand: a quick Nullstellensatz attempt (an empty V(H) is usually decided at once), then a certified complex
    zero, then the engine with the rest of the budget, an exact rational point, the checker's Groebner run."""
    deadline = time.perf_counter() + timeout
    quick = max(1.0, timeout / 8)
    try:
        cof = engines.lift_one(ps.H, ps.ctx, timeout=quick, max_memory_mb=max_memory_mb)
        one_outside = cof is None
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError):
        cof, one_outside = None, False
    if cof is not None:
        return [_cofactor_claim(net, statement, cof)]
    cp, cp_why = _complex_point_claim(net, ps, seed, max(1.0, timeout / 4), max_memory_mb)
    if cp is not None:
        return [cp, Claim("infeasible", REFUTED, "global", statement, {"method": "complex-point"},
                          "V(H) is nonempty over C: the complex-point claim certifies a zero of H")]
    try:
        if not one_outside:
            left = max(1.0, deadline - time.perf_counter())
            cof = engines.lift_one(ps.H, ps.ctx, timeout=left, max_memory_mb=max_memory_mb)
            if cof is not None:
                return [_cofactor_claim(net, statement, cof)]
        # 1 is not in the ideal: V(H) is nonempty over C. An exact rational point certifies it without an
        # engine; failing that (none found, or the search ran out of budget), the checker re-derives
        # "1 is not in (H)" with its own Singular run.
        pt, why = None, f"no exact rational point was found and {cp_why}"
        try:
            pt = engines.rational_point(ps.H, ps.ctx, timeout=timeout, max_memory_mb=max_memory_mb, seed=seed)
        except (engines.EngineMissing, BudgetExceeded, engines.EngineError) as exc:
            why = f"the search for an exact point stopped: {exc}; {cp_why}"
        if pt is not None:
            vals = [pt[name] for name in ps.ctx.names()]
            cert.point = _exact_point_json(net, vals)
            return [Claim("infeasible", REFUTED, "global", statement, {"point": "exact"},
                          "V(H) is nonempty: the exact rational point in `point` fits the data")]
        return [_groebner_refutation(cert, statement, why)]
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError) as exc:
        fail = _engine_failure_claim("infeasible", statement, exc)
        return [dataclasses.replace(fail, message=f"{fail.message}; {cp_why}")]


def _groebner_refutation(cert, statement, why):
    """``infeasible`` refuted by "1 is not in the ideal" when the checker's own Singular run re-derives it;
    else inconclusive with the engine's finding in the message."""
    import json

    from ..checker import check_certificate
    claim = Claim("infeasible", REFUTED, "global", statement, {"method": "groebner", "engine": "Singular std"},
                  f"1 is not in the ideal (H) (Singular's Groebner basis is not {{1}}), so V(H) is nonempty over C "
                  f"(Hilbert's Nullstellensatz); {why}")
    cert.claims.append(claim)
    try:
        rep = check_certificate(json.loads(json.dumps(cert.to_json())))
        ok = any(r["id"] == "infeasible" and r["checked"] == REFUTED for r in rep.results)
    finally:
        cert.claims.remove(claim)
    if ok:
        return claim
    return Claim("infeasible", INCONCLUSIVE, "global", statement, {"one_in_ideal": False},
                 f"1 is not in the ideal (Singular), so V(H) is nonempty over C, but the checker could not re-derive "
                 f"that with its own Singular run, and {why}")


# ---------------------------------------------------------------------------
# cooper-2.1-global


def lagrange_charts(ps: PolySystem):
    """(ctx, [generators of chart k for k < m]): H, J^T lam, lam_k - 1 in variables w0.., l0.."""
    n, m = ps.n, ps.m
    names = tuple([f"w{j}" for j in range(n)] + [f"l{r}" for r in range(m)])
    big = flint.fmpq_mpoly_ctx.get(names, "degrevlex")
    H = _embed(ps.H, big, m)
    g = big.gens()
    lam = g[n:]
    grads = [sum((lam[r] * H[r].derivative(j) for r in range(m)), big.from_dict({})) for j in range(n)]
    charts = [H + grads + [lam[k] - 1] for k in range(m)]
    return big, charts


def _regular_value(ps: PolySystem, timeout, max_memory_mb, deadline):
    """('regular', [cofactor lists]) or ('singular', None) or raises."""
    big, charts = lagrange_charts(ps)
    cofs = []
    for k, gens in enumerate(charts):
        left = deadline - time.perf_counter()
        if left <= 0:
            raise BudgetExceeded(f"the time budget ran out after {k} of {len(charts)} charts")
        c = engines.lift_one(gens, big, timeout=min(timeout, left), max_memory_mb=max_memory_mb)
        if c is None:
            return "singular", k
        cofs.append(c)
    return "regular", cofs


def _cheap_singular_point(ps: PolySystem, seed: int):
    """Engine-free candidates: the output layer solved with every other parameter 0, and the zero network."""
    rng = random.Random(seed)
    cands = []
    p0 = _output_layer_point(ps, rng, zero_hidden=True)
    if p0 is not None:
        cands.append(p0)
    cands.append([fmpq(0)] * ps.n)
    for vals in cands:
        if all(h == 0 for h in _evaluate(ps, vals)) and _rank_at(ps, vals) < ps.m:
            return vals
    return None


def _singular_point(ps: PolySystem, seed: int, timeout, max_memory_mb):
    """An exact point with H = 0 and rank J < l*d, if one is found."""
    vals = _cheap_singular_point(ps, seed)
    if vals is not None:
        return vals
    deadline = time.perf_counter() + timeout
    sl = singular_locus(ps)
    if sl is not None:
        # A rational point of the singular-locus ideal (H, maximal minors of J), in the n unknowns only.
        try:
            pt = engines.rational_point([sl[0][i] for i in sl[1]], ps.ctx, timeout=timeout / 2,
                                        max_memory_mb=max_memory_mb, seed=seed)
        except (engines.EngineMissing, BudgetExceeded, engines.EngineError):
            pt = None
        if pt is not None:
            vals = [pt[name] for name in ps.ctx.names()]
            if all(h == 0 for h in _evaluate(ps, vals)) and _rank_at(ps, vals) < ps.m:
                return vals
    try:
        big, charts = lagrange_charts(ps)
        for gens in charts[:3]:
            left = deadline - time.perf_counter()
            if left < 1.0:
                break
            pt = engines.rational_point(gens, big, timeout=left, max_memory_mb=max_memory_mb, seed=seed)
            if pt is not None:
                vals = [pt[f"w{j}"] for j in range(ps.n)]
                if all(h == 0 for h in _evaluate(ps, vals)) and _rank_at(ps, vals) < ps.m:
                    return vals
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError):
        pass
    return None


def _engine_critical_claim(net, ps, statement, timeout, max_memory_mb):
    """``regular-value`` refuted by the engine, where no exact singular point is found: Singular's std of the
    singular-locus ideal I is not {1} (asked through the checker's engine call, so the answer of an earlier std of
    the same ideal is reused), hence V(I) has a complex point (Nullstellensatz): H = 0 and rank J < l*d there.
    The checker re-runs the std (``_singular_locus_refutation``). None when Singular gives no answer or finds I
    to be the unit ideal."""
    sl = singular_locus(ps)
    if sl is None:
        return None
    gl = [sl[0][i] for i in sl[1]]
    if not gl or sum(len(g) for g in gl) > engines.MAX_INPUT_TERMS:
        return None
    try:
        gd = engines.checked_dimension(gl, ps.ctx, timeout=timeout, max_memory_mb=max_memory_mb)
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError):
        return None
    if gd["dim"] < 0:
        return None
    ev = {"variables": list(net.labels), "method": "singular-locus", "minors": len(sl[0]) - ps.m,
          "engine": "Singular std", "engine_seconds": round(gd["seconds"], 3), "dimension": gd["dim"]}
    return Claim("regular-value", REFUTED, "global", statement, ev,
                 f"Singular's std of (H and the {len(sl[0]) - ps.m} maximal minors of J) is not {{1}} (dimension "
                 f"{gd['dim']}): by Hilbert's Nullstellensatz some complex zero of H has rank J < l*d = {ps.m}, so 0 "
                 "is a critical value over C (resting on the engine, re-run by the checker's own Singular call; no "
                 "exact point)")


def _empty_regular_claim(net, ps, statement, timeout, max_memory_mb):
    """``regular-value`` verified vacuously when V(H) is empty (Nullstellensatz cofactors of H, which the
    checker expands); None when V(H) is nonempty or the engine does not answer within a quarter of the
    budget (the Lagrange charts then decide)."""
    try:
        cof = engines.lift_one(ps.H, ps.ctx, timeout=max(1.0, timeout / 4), max_memory_mb=max_memory_mb)
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError):
        return None
    if cof is None:
        return None
    ev = {"variables": list(net.labels), "cofactors": [poly_to_json(g) for g in cof], "engine": "Singular lift"}
    return Claim("regular-value", VERIFIED, "global", statement, ev,
                 "V(H) is empty (1 = sum g_r H_r, checked by exact expansion): 0 is a regular value vacuously")


MAX_LIFT_AFTER_STD_S = 0.5   # a slower std: no lift, the engine claim (benchmarks/bench_regular_value.py)
MAX_LOCUS_COFACTOR_TERMS = 50_000   # larger lift cofactors: the engine claim (the checker's Singular run) instead
# Measured (benchmarks/bench_regular_value.py): with one or a few dozen minors the singular-locus ideal beats the
# Lagrange charts (a tree with 56 minors: verified in 17 s where the charts stopped at the budget), so it goes
# first with the whole budget. With more, a Nullstellensatz test of V(H) comes first (wide-square-d4, 715 minors,
# V(H) empty: 1.1 s), then the ideal and the charts in turn (_many_minors_claim): on random networks with 70 to
# 924 minors the ideal decided everything the charts did and more (an mlp 3-1-3-1 with 120 minors: 1.6 s where
# the charts ran out of 30 s).
MAX_LOCUS_MINORS = 64
MAX_LOCUS_MINORS_SHARED = 1000  # more minors: the charts alone
MSOLVE_EMPTY = "msolve (probabilistic over Q, not evidence) finds V(I) empty"   # in a finding: no point to look for
QUICK_ROUTE_S = 2.0             # the first slice of each route when both are tried in turn


def singular_locus(ps: PolySystem, max_terms: int = 200_000):
    """(generators, nonzero) of the singular-locus ideal: H, then the maximal minors of J in the checker's order
    (``maximal_minors``), and the indices of the nonzero generators; None when the minors exceed the budgets.
    Computed once per system and size budget (the route, the point search and the engine refutation all ask;
    126 minors of cubics take seconds)."""
    from ..checker.algebra.polys import maximal_minors
    from ..checker.format import FormatError
    cache = ps.__dict__.setdefault("_singular_locus", {})
    if max_terms not in cache:
        try:
            minors = maximal_minors(list(ps.H), ps.n, max_terms=max_terms)
        except FormatError:
            cache[max_terms] = None
        else:
            gens = list(ps.H) + minors
            cache[max_terms] = (gens, [i for i, g in enumerate(gens) if not g.is_zero()])
    return cache[max_terms]


def _msolve_route(gens, ctx, timeout, max_memory_mb):
    """msolve's finding on V(gens) (probabilistic over Q; used to route, never as evidence): 'empty',
    'nonempty' or None (no answer: msolve missing, out of budget, or an unreadable output)."""
    try:
        st = engines.msolve_solve(gens, ctx, timeout=timeout, max_memory_mb=max_memory_mb, precision=16)["status"]
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError, InputError):
        return None
    return "empty" if st == "empty" else "nonempty"


def _singular_locus_claim(net, ps, statement, timeout, max_memory_mb, max_terms=200_000, *, cid="regular-value",
                          scope="global", extra_ev=None):
    """The singular-locus route for ``regular-value``: I = (H, maximal minors of J); 0 is a regular value
    iff 1 is in I. Returns (claim or None, finding): a verified claim with cofactors (engine-free) or with the
    engine's answer (Singular std, which the checker re-runs); None with finding 'nonempty' (V(I) has a point:
    0 is a critical value), 'unavailable' (too many minors: the Lagrange charts decide) or a reason string
    (no answer within the budget)."""
    if math.comb(ps.n, ps.m) > MAX_LOCUS_MINORS_SHARED or ps.m > ps.n:
        return None, "unavailable"
    sl = singular_locus(ps, max_terms)
    if sl is None:
        return None, "unavailable"
    gens, live = sl
    gl = [gens[i] for i in live]
    if sum(len(g) for g in gl) > engines.MAX_INPUT_TERMS:
        return None, "unavailable"      # too large to hand to an engine at all: the charts decide
    deadline = time.perf_counter() + timeout
    # msolve only routes; below a 4 s budget its eighth (and printing its input, which no budget interrupts)
    # would leave Singular's std too little
    route = _msolve_route(gl, ps.ctx, timeout / 8, max_memory_mb) if timeout >= 4 else None
    if route == "nonempty":
        return None, "nonempty"
    try:
        left = deadline - time.perf_counter()
        if left <= 0.05:
            raise BudgetExceeded(f"budget: the {timeout:g} s timeout ran out before Singular's std")
        gd = engines.checked_dimension(gl, ps.ctx, timeout=left, max_memory_mb=max_memory_mb)
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError) as exc:
        why = f"Singular's std on the singular-locus ideal gave no answer ({_short_reason(exc)})"
        if route == "empty":
            why += "; " + MSOLVE_EMPTY
        return None, why
    if gd["dim"] >= 0:
        return None, "nonempty"
    n_minors = len(gens) - ps.m
    base = {**(extra_ev or {}), "variables": list(net.labels), "method": "singular-locus", "minors": n_minors}
    # 1 is in I. Cofactors when the std was quick (lift redoes it and costs more) and Singular's lift finishes
    # within a small budget with cofactors that are not huge (checked by exact expansion, no engine); else the
    # engine's answer, which the checker re-derives at the cost of one more std (so a slow std is not followed
    # by a lift that would cost more than that check: the answer stays within 2x of a bare std).
    std_s = gd["seconds"]
    try:
        left = deadline - time.perf_counter()
        if left <= 0.05 or std_s >= MAX_LIFT_AFTER_STD_S:
            raise BudgetExceeded("no time left for lift")
        cof = engines.lift_one(gl, ps.ctx, timeout=min(left, max(1.0, 3 * std_s), max(timeout / 4, 0.05)),
                               max_memory_mb=max_memory_mb)
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError):
        cof = None
    if cof is not None and sum(len(g) for g in cof) <= MAX_LOCUS_COFACTOR_TERMS:
        full = [ps.ctx.from_dict({}) for _ in gens]
        for i, g in zip(live, cof):
            full[i] = g
        ev = {**base, "cofactors": [poly_to_json(g) for g in full], "engine": "Singular lift"}
        return Claim(cid, VERIFIED, scope, statement, ev,
                     f"1 = sum g_i F_i over H and the {n_minors} maximal minors of J (checked by exact expansion): "
                     "no zero of H where rank J < l*d"), None
    ev = {**base, "engine": "Singular std", "engine_seconds": round(std_s, 3)}
    return Claim(cid, VERIFIED, scope, statement, ev,
                 f"Singular's std of (H, the {n_minors} maximal minors of J) is {{1}}: no zero of H where rank J < "
                 "l*d (an engine's answer, re-run by the checker's own Singular call)"), None


def _regular_claim(cid, ps, statement, scope, timeout, max_memory_mb, extra_ev=None):
    deadline = time.perf_counter() + timeout
    try:
        verdict, payload = _regular_value(ps, timeout, max_memory_mb, deadline)
    except (engines.EngineMissing, BudgetExceeded, engines.EngineError) as exc:
        return _engine_failure_claim(cid, statement, exc, scope), None
    ev = dict(extra_ev or {})
    if verdict == "regular":
        ev.update({"variables": [*ps.network.labels, *[f"lam{r}" for r in range(ps.m)]],
                   "charts": [[poly_to_json(g) for g in cof] for cof in payload], "engine": "Singular lift"})
        return Claim(cid, VERIFIED, scope, statement, ev,
                     f"for each of the {ps.m} charts lam_k = 1 of the Lagrange system H = 0, J^T lam = 0, "
                     f"1 = sum g F (checked by exact expansion): rank J = l*d at every complex zero"), None
    return None, payload


def verify_global_regular(net: Network, data: Dataset, *, max_terms: int = 200_000, seed: int = 0,
                          timeout: float = DEFAULT_TIMEOUT, max_memory_mb: int = DEFAULT_MAX_MEMORY_MB,
                          epsilon: str | fmpq = "1/1000", sard_tries: int = 3, **_) -> Certificate:
    t0 = time.perf_counter()
    eps = epsilon if isinstance(epsilon, fmpq) else _parse_eps(epsilon)
    sc, ps = _system_claim(net, data, max_terms)
    claims = [sc]
    cert = _new_cert("cooper-2.1-global", net, data, claims, seed)
    if ps is None:
        cert.timings_s["verify"] = time.perf_counter() - t0
        return cert
    statement = CLAIM_STATEMENTS["regular-value"]
    # A singular point that costs nothing to find (e.g. the zero network for zero targets) settles the
    # question before any Groebner computation.
    sp = _cheap_singular_point(ps, seed)
    claim, chart, finding = None, None, None
    cp = None
    few = ps.m <= ps.n and math.comb(ps.n, ps.m) <= MAX_LOCUS_MINORS
    if sp is None and few:
        # The singular-locus ideal (H, maximal minors of J) first: one Groebner basis instead of l*d charts.
        claim, finding = _singular_locus_claim(net, ps, statement, timeout, max_memory_mb, max_terms)
    if sp is None:
        # A certified complex zero shows V(H) nonempty (kept as its own claim; it also skips the
        # Nullstellensatz test of emptiness below).
        cp, _ = _complex_point_claim(net, ps, seed, max(1.0, timeout / 8), max_memory_mb)
    if sp is None and claim is None and (not few or finding == "unavailable"):
        # Many minors (or minors too large): a Nullstellensatz test of V(H) (often at once when V(H) is empty),
        # then the singular-locus ideal and the Lagrange charts in turn.
        claim, finding, chart = _many_minors_claim("regular-value", net, ps, statement, "global", None, cp is None,
                                                   not few, timeout, max_memory_mb, max_terms)
    if claim is None and sp is None and MSOLVE_EMPTY not in (finding or ""):
        # (where msolve finds V(I) empty a search for an exact singular point would only use up its budget; where
        # Singular finds V(I) nonempty the engine's answer is the fallback, so the search gets a quarter)
        sp = _singular_point(ps, seed, timeout / 4 if finding == "nonempty" else timeout, max_memory_mb)
    if claim is None and sp is None and finding == "nonempty":
        # no exact singular point: Singular's std of I (remembered when it ran above) is not {1}
        claim = _engine_critical_claim(net, ps, statement, timeout, max_memory_mb)
    if claim is None:
        if sp is not None:
            cert.point = _exact_point_json(net, sp)
            claim = Claim("regular-value", REFUTED, "global", statement, {"singular_point": "exact"},
                          f"the exact point in `point` is a zero of H where rank J = {_rank_at(ps, sp)} < l*d = "
                          f"{ps.m}: 0 is a critical value")
        elif finding not in (None, "nonempty", "unavailable"):
            claim = Claim("regular-value", INCONCLUSIVE, "global", statement, {"method": "singular-locus"},
                          f"undecided: {finding}")
        elif finding == "nonempty":
            claim = Claim("regular-value", INCONCLUSIVE, "global", statement, {"method": "singular-locus"},
                          "the singular-locus ideal (H, maximal minors of J) has complex zeros (msolve or Singular), "
                          "so 0 is a critical value over C, but no exact singular point was found to certify it")
        else:
            claim = Claim("regular-value", INCONCLUSIVE, "global", statement, {"chart": chart},
                          f"chart lam_{chart} = 1 of the Lagrange system has complex solutions (Singular), so 0 is "
                          "a critical value over C, but no exact singular point was found to certify it")
    claims.append(claim)
    if claim.status != VERIFIED:
        claims.append(_sard_claim(net, data, ps, eps, seed, sard_tries, timeout, max_memory_mb, max_terms))
    if cp is not None:
        claims.append(cp)       # last: the claims before it keep their places
    cert.timings_s["verify"] = time.perf_counter() - t0
    return cert


def _many_minors_claim(cid, net, ps, statement, scope, extra_ev, test_empty, locus, timeout, max_memory_mb,
                       max_terms):
    """(claim or None, finding, chart) when the singular-locus ideal is not tried first (more than MAX_LOCUS_MINORS
    maximal minors, or minors too large): a Nullstellensatz test of V(H) (``test_empty``, regular-value only; a
    quarter of the budget), then the singular-locus ideal (``locus``; at most MAX_LOCUS_MINORS_SHARED minors) and
    the Lagrange charts in turn, each first on a short slice (QUICK_ROUTE_S, and an eighth of the budget for the
    locus) and then on half of what is left (the charts last on all of it): on random networks with 70 to 924
    minors the locus decided everything the charts did and more (84 minors: 3 s where the charts ran out of 30
    s), but the charts are kept for systems where their small Groebner bases win. The finding is
    ``_singular_locus_claim``'s, or 'unavailable' when ``chart`` (its index) has complex solutions."""
    deadline = time.perf_counter() + timeout
    claim, finding, chart, why = None, "unavailable", None, []
    if test_empty:
        claim = _empty_regular_claim(net, ps, statement, timeout, max_memory_mb)
        if claim is not None:
            return claim, finding, chart
    quick = {"locus": max(QUICK_ROUTE_S, timeout / 8), "charts": max(0.5, min(QUICK_ROUTE_S, timeout / 8))}
    stages = ([("locus", "quick"), ("charts", "quick"), ("locus", "half")] if locus else []) + [("charts", "rest")]
    for route, part in stages:
        left = deadline - time.perf_counter()
        if left <= 0.1 and why:
            break
        if route == "locus" and not locus:
            continue
        if locus and part == "quick":
            budget = min(quick[route], left)
        elif locus and part == "half":
            budget = left / 2
        else:
            budget = left
        budget = max(0.1, budget)
        if route == "locus":
            claim, found = _singular_locus_claim(net, ps, statement, budget, max_memory_mb, max_terms, cid=cid,
                                                 scope=scope, extra_ev=extra_ev)
            if claim is not None or found == "nonempty":
                return claim, found if claim is None else None, None
            if found == "unavailable":      # the minors exceed the size budgets: the charts alone
                locus = False
                continue
            why.append(found)
        else:
            claim, chart = _regular_claim(cid, ps, statement, scope, budget, max_memory_mb, extra_ev)
            if claim is None or claim.status == VERIFIED:
                return claim, "unavailable", chart
            why.append(f"the Lagrange charts: {claim.message}")
    if not locus:
        return claim, "unavailable", None
    return None, "; ".join(dict.fromkeys(why)), None


def _parse_eps(text) -> fmpq:
    from ..activations import parse_rational
    eps = parse_rational(str(text))
    if not eps > 0:
        raise InputError(f"--epsilon must be positive, got {text}")
    return eps


def _sard_claim(net, data, ps, eps, seed, tries, timeout, max_memory_mb, max_terms):
    statement = CLAIM_STATEMENTS["sard-perturbation"]
    rng = random.Random(seed + 1)
    den = 10 ** (len(str(int(1 / eps))) + 2) if eps < 1 else 100
    for t in range(tries):
        r = []
        for _ in range(data.d):
            row = []
            for _ in range(data.l):
                while True:
                    q = fmpq(rng.randint(-den, den), den) * eps
                    if abs(q) < eps and q != 0:
                        break
                row.append(q)
            r.append(row)
        Y = [[y + e for y, e in zip(yr, er)] for yr, er in zip(data.Y, r)]
        pdata = Dataset(data.X, Y, source=data.source)
        pps = compile_polynomials(net, pdata, max_terms=max_terms)
        ev = {"epsilon": rational_str(eps), "perturbation": [[rational_str(e) for e in row] for row in r]}
        few = pps.m <= pps.n and math.comb(pps.n, pps.m) <= MAX_LOCUS_MINORS
        claim, finding = None, "unavailable"
        if few:
            claim, finding = _singular_locus_claim(net, pps, statement, timeout, max_memory_mb, max_terms,
                                                   cid="sard-perturbation", scope="after-perturbation", extra_ev=ev)
        if claim is None and (not few or finding == "unavailable"):
            claim, finding, _ = _many_minors_claim("sard-perturbation", net, pps, statement, "after-perturbation", ev,
                                                   False, not few, timeout, max_memory_mb, max_terms)
        if claim is None and finding == "nonempty":
            continue            # these targets are (probably) critical values too: try another perturbation
        if claim is None and finding != "unavailable":
            return Claim("sard-perturbation", INCONCLUSIVE, "after-perturbation", statement, ev,
                         f"try {t + 1}: {finding}")
        if claim is not None and claim.status == VERIFIED:
            return Claim(claim.id, VERIFIED, claim.scope, statement, claim.evidence,
                         f"after perturbing the targets by less than {rational_str(eps)} (try {t + 1}), "
                         + claim.message)
        if claim is not None:
            return claim
    return Claim("sard-perturbation", INCONCLUSIVE, "after-perturbation", statement,
                 {"epsilon": rational_str(eps), "tries": tries},
                 f"no perturbation among {tries} random tries was certified regular; raise --sard-tries")


THEOREM_FUNCS = {
    "liao-poggio-bezout": verify_bezout,
    "liao-poggio-dimension": verify_dimension,
    "liao-poggio-nullstellensatz": verify_nullstellensatz,
    "cooper-2.1-global": verify_global_regular,
}


def run(thm, data: Dataset, *, network: Network, progress=None, **options) -> Certificate:
    """The registry's entry for the four theorems of this module."""
    return seal_messages(THEOREM_FUNCS[thm.id](network, data, **options))


def seal_messages(cert: Certificate) -> Certificate:
    """The message of every verified algebraic claim becomes the checker's own (exact, so the same on every
    machine): what a reader reads is what ``verifier check`` re-derives, and the checker requires it."""
    import dataclasses
    import json

    from ..checker import check_certificate
    rep = check_certificate(json.loads(json.dumps(cert.to_json())))
    mine = {r["id"]: r for r in rep.results}
    for i, c in enumerate(cert.claims):
        r = mine.get(c.id)
        if c.id in ALGEBRAIC_CLAIMS and r is not None and r["checked"] == c.status == VERIFIED:
            cert.claims[i] = dataclasses.replace(c, message=r["message"])
    return cert
