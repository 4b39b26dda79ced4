"""Checker rules for the algebraic claims (polynomial networks).

Everything here is re-derived from the instance: the residual polynomials are
compiled by ``polys`` (the checker's own compiler), cofactors are expanded
exactly, minors are recomputed modulo the stated prime, symmetry fields are
differentiated symbolically, exact points are substituted. The one exception
is the dimension and degree of V(H) from a Groebner basis (``variety-dimension``),
which the checker can only recompute with an engine (``engine.py``, Singular);
without one it says so.
"""

from __future__ import annotations

import math

import flint

from ..format import FormatError, parse_rational
from . import engine
from .bezout import multihomogeneous_count
from .funcspace import SupportTooLarge, function_space, node_supports
from .modp import minor_nonzero_mod_p
from .polys import (check_combination, composition_equals, cut_map, distinct_inputs, lagrange_generators,
                    left_vanishes_identically, maximal_minors, poly_context, poly_from_json, polynomial_residuals,
                    vanishes_identically)

V, R, I = "verified", "refuted", "inconclusive"
MAX_CHECK_VARIABLES = 2000
MAX_MIDDLE_CUTS = 8



def _no_singular(what: str) -> str:
    """Why a claim resting on the checker's Singular run stays inconclusive: not installed (with the extra to
    install), or the run's own failure (out of time, out of memory, failed)."""
    if engine._singular() is None:
        return (f"{what} needs Singular: pip install 'landscape-verifier[algebra]' (in a checkout: "
                "pip install -e \".[algebra]\")")
    return f"{what}: {engine.unavailable()}"

def _variables(ctx, claim_ev, extra=(), *, expand=True):
    names = claim_ev.get("variables")
    if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
        raise FormatError("evidence.variables must be a list of names")
    n = ctx.n
    if len(names) != n + len(extra) or set(names[:n]) != ctx.net.labels or len(set(names)) != len(names):
        raise FormatError("evidence.variables must list every parameter label once, then the extra variables")
    if expand and len(names) > MAX_CHECK_VARIABLES:
        raise FormatError(f"more than {MAX_CHECK_VARIABLES} variables: too many to expand polynomials in")
    return names


def _engine_budget(ev) -> float:
    """The checker's time for re-running an engine answer: four times the seconds the evidence says it took
    (at least 10 s), at most engine.TIMEOUT_S; engine.TIMEOUT_S when the evidence gives no usable time."""
    spent = ev.get("engine_seconds")
    if isinstance(spent, (int, float)) and not isinstance(spent, bool) and spent >= 0:
        return min(engine.TIMEOUT_S, max(10.0, 4 * spent))
    return engine.TIMEOUT_S


def _system(ctx, variables, Y=None):
    """(fctx, H) for these variables, cached per variable list and targets."""
    key = (tuple(variables), None if Y is None else tuple(tuple((q.p, q.q) for q in r) for r in Y))
    cache = ctx.__dict__.setdefault("poly_cache", {})
    if key not in cache:
        cache[key] = polynomial_residuals(ctx.net, ctx.Xq, ctx.Yq if Y is None else Y, list(variables))
    return cache[key]


def _all_polynomial(ctx):
    return all(a.coeffs is not None for a in ctx.net.acts)


def rule_polynomial_system(ctx, claim):
    ev = claim.get("evidence") or {}
    if not _all_polynomial(ctx):
        bad = sorted({a.name for a in ctx.net.acts if a.coeffs is None})
        return R, f"{', '.join(bad)} is not a polynomial activation"
    if claim.get("status") != V and "variables" not in ev:
        # The solver's expansion ran past its budget: nothing to re-derive, and no claim to check.
        return I, "not claimed (the solver did not expand the residual polynomials within its budget)"
    if ev.get("expanded") is False:
        _variables(ctx, ev, expand=False)
        return V, "every activation is polynomial with rational coefficients (not expanded: too large)"
    names = _variables(ctx, ev)
    _, H = _system(ctx, names)
    degs = [int(h.total_degree()) if not h.is_zero() else -1 for h in H]
    if ev.get("degrees") != degs:
        return I, "the stated degrees differ from the recomputed ones"
    groups = ev.get("groups")
    if not isinstance(groups, list) or not all(isinstance(g, list) and g for g in groups) or \
            sorted(x for g in groups for x in g) != sorted(ctx.net.labels):
        return I, "the layer groups do not partition the parameters into nonempty groups"
    pos = {lab: j for j, lab in enumerate(names)}
    idx = [{pos[lab] for lab in g} for g in groups]
    gdeg = []
    for h in H:
        # The degree in a group: inflate that group's exponents by K = deg(h) + 1 (injective, so nothing
        # cancels); each term's new degree is K * (its group degree) + (less than K).
        K = int(h.total_degree()) + 1 if not h.is_zero() else 1
        gdeg.append([0 if h.is_zero() else
                     int(h.inflate([K if j in g else 1 for j in range(len(names))]).total_degree()) // K
                     for g in idx])
    if ev.get("group_degrees") != gdeg:
        return I, "the stated per-layer degrees differ from the recomputed ones"
    if ev.get("terms") != [len(h) for h in H]:
        return I, "the stated term counts differ from the recomputed ones"
    k = max(len(a.coeffs) - 1 for a in ctx.net.acts) if ctx.net.acts else 1
    depth = _depth(ctx.net)
    if ev.get("liao_poggio") != {"k": k, "depth": depth, "k_pow_depth": k ** depth,
                                 "layered": sum(k ** j for j in range(depth + 1))}:
        return I, "the stated Liao-Poggio degree counts differ from the recomputed ones"
    ctx.algebra = {"variables": names, "H": H, "degrees": degs, "group_degrees": gdeg,
                   "group_sizes": [len(g) for g in groups]}
    zero = [r for r, h in enumerate(H) if h.is_zero()]
    const = [r for r, h in enumerate(H) if not h.is_zero() and h.total_degree() < 1]
    if not zero and not const:
        return V, f"{len(H)} residual polynomials recompiled; degrees {min(degs)}..{max(degs)} match"
    rest = [dg for dg in degs if dg > 0]
    words = []
    if const:
        words.append(f"residual {const[0]} is the nonzero constant {H[const[0]].coeffs()[0]}, so V(H) is empty")
    if zero:
        words.append(f"{len(zero)} residual(s) identically 0 (residual {zero[0]} first: every parameter fits that "
                     "data point)")
    return V, (f"{len(H)} residual polynomials recompiled; degrees match; " + "; ".join(words)
               + (f"; the other degrees {min(rest)}..{max(rest)}" if rest else ""))


def _mbezout(group_degrees, sizes):
    """The multihomogeneous Bezout number with one slicing hyperplane (degree 1 in every group) per
    missing equation; None for an overdetermined system or too many states."""
    n, m = sum(sizes), len(group_degrees)
    if m > n:
        return None
    rows = [tuple(r) for r in group_degrees] + [tuple(1 for _ in sizes)] * (n - m)
    return multihomogeneous_count(rows, sizes)


def _json_int(x):
    return None if x is None else (x if abs(x) < 2 ** 53 else str(x))


def rule_bezout(ctx, claim):
    alg = getattr(ctx, "algebra", None)
    if alg is None:
        return I, "needs a verified polynomial-system claim first"
    ev = claim.get("evidence") or {}
    degs, n, m = alg["degrees"], ctx.n, ctx.m
    if any(dg <= 0 for dg in degs):
        tot = None
    elif m <= n:
        tot = math.prod(degs)
    else:
        tot = math.prod(sorted(degs, reverse=True)[:n])
    mh = _mbezout(alg["group_degrees"], alg["group_sizes"])
    k = max(len(a.coeffs) - 1 for a in ctx.net.acts) if ctx.net.acts else 1
    depth = _depth(ctx.net)
    if m * depth > 100000 and k > 1:
        raise FormatError("the Liao-Poggio count is too large to recompute")
    smale = k ** (m * depth // 2) if (m * depth) % 2 == 0 else None
    expected = {"n": n, "equations": m, "slices": max(0, n - m),
                "total_degree": {"bound": _json_int(tot)}, "multihomogeneous": {"bound": _json_int(mh)},
                "liao_poggio": {"k": k, "depth": depth, "value": _json_int(k ** (m * depth))},
                "smale_shub_real_estimate": {"k": k, "depth": depth, "value": _json_int(smale)}}
    if ev != expected:
        wrong = sorted(key for key in set(ev) | set(expected) if ev.get(key) != expected.get(key))
        return I, f"the stated numbers differ from the recomputed ones ({', '.join(wrong)[:80]})"
    if tot is None:
        return V, (f"Bezout numbers recomputed from the degrees: no total-degree number (a residual is constant), "
                   f"multihomogeneous {mh}")
    return V, f"Bezout numbers recomputed from the degrees: total {tot}, multihomogeneous {mh}"


def _depth(net):
    hid = {v: 0 for v in net.inputs}
    for gen in net.generations:
        for v in gen:
            hid[v] = max(hid[u] for u, _ in net.preds[v]) + (1 if net.kind[v] == "hidden" else 0)
    return max(hid[o] for o in net.outputs)


def rule_generic_rank(ctx, claim):
    ev = claim.get("evidence") or {}
    if not _all_polynomial(ctx):
        return I, "the activations are not all polynomial"
    labels = sorted(ctx.net.labels) if getattr(ctx, "algebra", None) is None else ctx.algebra["variables"]
    p, rows, cols, point = ev.get("prime"), ev.get("rows"), ev.get("cols"), ev.get("point")
    if type(p) is not int or not isinstance(rows, list) or not isinstance(cols, list) or not isinstance(point, dict):
        raise FormatError("generic-rank evidence needs prime, rows, cols and point")
    allowed = {"prime", "point", "rows", "cols", "lower", "upper", "equations", "fields", "field_point", "field_rank",
               "function_space", "left_kernel", "left_rank", "factorization"}
    if set(ev) - allowed:
        return I, f"unchecked evidence keys: {', '.join(sorted(set(ev) - allowed))[:60]}"
    if ev.get("equations") != ctx.m:
        return I, "the stated number of equations is wrong"
    if set(point) != ctx.net.labels or not all(type(v) is int for v in point.values()):
        raise FormatError("generic-rank point must give an integer for every label")
    if not all(isinstance(c, str) and c in ctx.net.labels for c in cols):
        raise FormatError("generic-rank cols must be parameter labels")
    order = list(labels)
    idx = {lab: j for j, lab in enumerate(order)}
    ok, why = minor_nonzero_mod_p(ctx.net, ctx.Xq, ctx.Yq, p, point, rows, [idx[c] for c in cols], order)
    if not ok:
        return I, f"the stated minor does not certify the lower bound: {why}"
    lower = len(rows)
    upper = min(ctx.n, ctx.m)
    sources = [f"min(n, l*d) = {upper}"]
    if "function_space" in ev:
        try:
            fs = function_space(ctx.net, ctx.Xq)
        except SupportTooLarge as exc:
            return I, f"the function-space bound is too large to re-derive: {exc}"
        if ev["function_space"] != fs:
            return I, (f"the function space re-derived from the network ({fs['monomials']} monomials per output, "
                       f"evaluation rank {fs['rank']}) differs from the stated one")
        upper = min(upper, fs["rank"])
        sizes = sorted(set(fs["monomials"]))
        sources.append(f"f_w(x) lies in the span of {'/'.join(map(str, sizes))} monomials in x per output "
                       f"(degree <= {max(fs['degrees'])}), an evaluation matrix of rank {fs['rank']}")
    for key, left in (("fields", False), ("left_kernel", True)):
        if key not in ev:
            continue
        alg = getattr(ctx, "algebra", None)
        if alg is None:
            return I, "symmetry fields and kernel vectors need a verified polynomial-system claim"
        fctx_H = alg["H"]
        fctx = fctx_H[0].context() if fctx_H else None
        size = ctx.m if left else ctx.n
        if not isinstance(ev[key], list):
            raise FormatError(f"generic-rank {key} must be a list")
        comps, cache = [], {}
        for f in ev[key]:
            cs = f.get("components") if isinstance(f, dict) else None
            if not isinstance(cs, list) or len(cs) != size:
                raise FormatError(f"a {'left kernel vector' if left else 'field'} needs one component per "
                                  f"{'residual' if left else 'parameter'}")
            comp = [poly_from_json(c, fctx, ctx.n) for c in cs]
            ok = left_vanishes_identically(fctx_H, ctx.n, comp) if left else \
                vanishes_identically(fctx_H, ctx.n, comp, cache=cache)
            if not ok:
                what = "u^T J" if left else "J"
                return I, f"the vector '{str(f.get('description'))[:60]}' does not annihilate {what} identically"
            comps.append(comp)
        fp = ev.get("field_point")
        if not isinstance(fp, dict) or set(fp) != ctx.net.labels:
            raise FormatError("field_point must give every label")
        vals = [parse_rational(fp[lab]) for lab in alg["variables"]]
        k = flint.fmpq_mat([[c(*vals) for c in comp] for comp in comps]).rank() if comps else 0
        stated = ev.get("left_rank" if left else "field_rank")
        if stated != k:
            return I, f"the {'left kernel vectors' if left else 'fields'} have rank {k} at the stated point, not {stated}"
        plural = "" if len(comps) == 1 else "s"
        if left:
            upper = min(upper, ctx.m - k)
            sources.append(f"{len(comps)} vector{plural} u with u^T J = 0 identically, of rank {k} at a point: "
                           f"l*d - {k} = {ctx.m - k}")
        else:
            upper = min(upper, ctx.n - k)
            # A field with J v = 0 identically is a symmetry of the data map (H is constant along its flow).
            sources.append(f"{len(comps)} symmetry field{plural} of rank {k}: n - {k} = {ctx.n - k}")
    if "factorization" in ev:
        alg = getattr(ctx, "algebra", None)
        fa = ev["factorization"]
        if isinstance(fa, dict) and "cut" in fa:
            bound, why = _cut_bound(fa, ctx)
        elif alg is None:
            return I, "a factorization needs a verified polynomial-system claim"
        else:
            bound, why = _factorization_bound(fa, alg["H"], ctx.n, ctx.m)
        if bound is None:
            return I, why
        upper = min(upper, bound)
        sources.append(why)
    if ev.get("lower") != lower or ev.get("upper") != upper:
        return I, f"recomputed bounds {lower} <= r <= {upper} differ from the stated ones"
    if lower == upper:
        # Certificates without a function space or a factorization keep the message they had before those existed.
        named = f" ({'; '.join(sources)})" if "function_space" in ev or "factorization" in ev else ""
        return V, (f"generic rank {lower}: nonzero minor mod {p}, upper bound {upper} re-derived{named}; "
                   + (f"r < l*d = {ctx.m}: the image is a proper subvariety, so M is empty for generic targets"
                      if lower < ctx.m else f"r = l*d = {ctx.m}: for generic targets M is empty or smooth of "
                      f"dimension n - l*d = {ctx.n - ctx.m}"))
    return I, f"{lower} <= r <= {upper}: the bounds do not meet"


MAX_FACTOR_VARIABLES = 2000


def _factorization_bound(fa, H, n: int, m: int):
    """(N - k, source) for ``H = Psi o phi`` with k fields of Psi, or (None, why not).

    J_H(w) = J_Psi(phi(w)) J_phi(w), so rank J_H(w) <= rank J_Psi(phi(w)) <= the generic rank of J_Psi, and k
    fields with J_Psi v = 0 identically, independent at a point, bound that by N - k."""
    keys = {"description", "variables", "phi", "psi", "fields", "field_point", "field_rank"}
    if not isinstance(fa, dict) or set(fa) != keys:
        raise FormatError(f"a factorization needs exactly {', '.join(sorted(keys))}")
    names, phi_j, psi_j, fields, fpt = (fa["variables"], fa["phi"], fa["psi"], fa["fields"], fa["field_point"])
    if not isinstance(names, list) or not 1 <= len(names) <= MAX_FACTOR_VARIABLES \
            or not all(isinstance(x, str) for x in names):
        raise FormatError(f"factorization variables must be a list of 1 to {MAX_FACTOR_VARIABLES} names")
    N = len(names)
    for what, obj, size in (("phi", phi_j, N), ("psi", psi_j, m), ("field_point", fpt, N)):
        if not isinstance(obj, list) or len(obj) != size:
            raise FormatError(f"factorization {what} must be a list of {size}")
    if not isinstance(fields, list):
        raise FormatError("factorization fields must be a list")
    fctx = H[0].context()
    uctx = poly_context(N)
    phi = [poly_from_json(c, fctx, n) for c in phi_j]
    psi = [poly_from_json(c, uctx, N) for c in psi_j]
    if not composition_equals(psi, phi, H):
        return None, "Psi(phi(w)) is not H(w): the stated factorization does not compose back to the residuals"
    return _fields_bound(fa, psi, uctx, N)


def _cut_bound(fa, ctx):
    """(N - k, source) for a cut of the network: the checker builds Psi itself from the graph and the data
    (``cut_map``); H = Psi o phi holds by the cut, with no expansion of H or phi."""
    keys = {"description", "cut", "inner", "outer_labels", "variables", "fields", "field_point", "field_rank"}
    if set(fa) - {"middle"} != keys:
        raise FormatError(f"a factorization through a cut needs exactly {', '.join(sorted(keys))} (and optionally "
                          "middle)")
    cut, inner, outer = fa["cut"], fa["inner"], fa["outer_labels"]
    if not isinstance(cut, dict) or set(cut) != {"nodes", "before_activation"} or \
            type(cut["before_activation"]) is not bool or not isinstance(cut["nodes"], list) or not cut["nodes"]:
        raise FormatError("a cut needs nodes (a nonempty list) and before_activation (true or false)")
    net = ctx.net
    nodes = cut["nodes"]
    if len({repr(v) for v in nodes}) != len(nodes) or \
            not all(isinstance(v, (str, int)) and v in net.kind and net.kind[v] == "hidden" for v in nodes):
        raise FormatError("the cut's nodes must be distinct hidden nodes of the network")
    if inner not in ("values", "coefficients"):
        raise FormatError('a cut\'s inner variables must be "values" or "coefficients"')
    if not isinstance(outer, list) or not all(isinstance(x, str) for x in outer):
        raise FormatError("outer_labels must be a list of labels")
    supports = None
    if inner == "coefficients":
        try:
            pre, post = node_supports(net, nodes)
        except SupportTooLarge as exc:
            return None, f"the cut's supports are too large to re-derive: {exc}"
        supports = pre if cut["before_activation"] else post
    size = len(outer) + (len(nodes) * len(set(distinct_inputs(ctx.Xq))) if supports is None
                         else sum(len(supports[v]) for v in nodes))
    middle, prev = [], nodes
    if "middle" in fa:
        # later cuts above the first: each one's nodes as polynomials in the previous cut's values
        if not isinstance(fa["middle"], list) or not 1 <= len(fa["middle"]) <= MAX_MIDDLE_CUTS:
            raise FormatError(f"middle must be a list of 1 to {MAX_MIDDLE_CUTS} cuts")
        for mid in fa["middle"]:
            if not isinstance(mid, dict) or set(mid) != {"nodes", "before_activation"} or \
                    type(mid["before_activation"]) is not bool or not isinstance(mid["nodes"], list) or \
                    not mid["nodes"]:
                raise FormatError("a middle cut needs nodes (a nonempty list) and before_activation (true or false)")
            mnodes = mid["nodes"]
            if len({repr(v) for v in mnodes}) != len(mnodes) or \
                    not all(isinstance(v, (str, int)) and v in net.kind and net.kind[v] in ("hidden", "output")
                            for v in mnodes):
                raise FormatError("a middle cut's nodes must be distinct hidden or output nodes of the network")
            try:
                mpre, mpost = node_supports(net, mnodes, sources=prev)
            except SupportTooLarge as exc:
                return None, f"a middle cut's supports are too large to re-derive: {exc}"
            except KeyError:
                return None, "a middle cut's nodes are not polynomials in the previous cut's values"
            msup = mpre if mid["before_activation"] else mpost
            middle.append((mnodes, mid["before_activation"], msup))
            size += sum(len(msup[v]) for v in mnodes)
            prev = mnodes
    if size > MAX_FACTOR_VARIABLES:
        raise FormatError(f"the cut gives Psi more than {MAX_FACTOR_VARIABLES} variables")
    psi, N = cut_map(net, ctx.Xq, ctx.Yq, nodes, cut["before_activation"], inner, outer, supports, middle=middle)
    if psi is None:
        return None, f"not a cut of the network: {N}"
    if not isinstance(fa["variables"], list) or len(fa["variables"]) != N:
        return None, f"the cut gives Psi {N} variables, not the {len(fa['variables'])} stated"
    if not isinstance(fa["field_point"], list) or len(fa["field_point"]) != N:
        raise FormatError(f"factorization field_point must be a list of {N}")
    if not isinstance(fa["fields"], list):
        raise FormatError("factorization fields must be a list")
    return _fields_bound(fa, psi, psi[0].context(), N)


def _fields_bound(fa, psi, uctx, N):
    """(N - k, source) from the stated fields of Psi, each expanded (J_Psi v = 0 identically), and their rank."""
    comps, cache = [], {}
    for f in fa["fields"]:
        cs = f.get("components") if isinstance(f, dict) else None
        if not isinstance(cs, list) or len(cs) != N:
            raise FormatError("a field of Psi needs one component per variable of Psi")
        comp = [poly_from_json(c, uctx, N) for c in cs]
        if not vanishes_identically(psi, N, comp, cache=cache):
            return None, f"the field '{str(f.get('description'))[:60]}' of Psi does not annihilate J_Psi identically"
        comps.append(comp)
    vals = [parse_rational(v) for v in fa["field_point"]]
    k = flint.fmpq_mat([[c(*vals) for c in comp] for comp in comps]).rank() if comps else 0
    if fa["field_rank"] != k:
        return None, f"the fields of Psi have rank {k} at the stated point, not {fa['field_rank']}"
    return N - k, (f"H = Psi o phi through Q^{N} ({str(fa['description'])[:160]}), {len(comps)} field"
                   f"{'s' if len(comps) != 1 else ''} of Psi of rank {k}: N - {k} = {N - k}")


def rule_variety_dimension(ctx, claim):
    ev = claim.get("evidence") or {}
    if claim.get("status") != V:
        return I, "not claimed (the solver's engine run did not finish)"
    alg = getattr(ctx, "algebra", None)
    if alg is None:
        return I, "needs a verified polynomial-system claim first"
    H = alg["H"]
    fctx = H[0].context()
    gens = fctx.gens()
    msgs = []
    for comp in ev.get("excess_linear") or []:
        S = comp.get("zero_labels") if isinstance(comp, dict) else None
        if not isinstance(S, list) or not set(S) <= ctx.net.labels:
            raise FormatError("excess_linear entries need zero_labels")
        subs = [gens[j] * 0 if alg["variables"][j] in S else gens[j] for j in range(ctx.n)]
        if not all(h.compose(*subs).is_zero() for h in H) or comp.get("dimension") != ctx.n - len(set(S)):
            return I, "a stated excess linear space is not contained in V(H)"
        msgs.append(f"H vanishes on {{{', '.join(S[:4])}{'...' if len(S) > 4 else ''} = 0}} (dimension "
                    f"{ctx.n - len(set(S))})")
    res = engine.singular_dimension(H, alg["variables"], timeout=_engine_budget(ev))
    if res is None:
        return I, _no_singular("re-checking the Groebner dimension")
    dim, deg = res
    if ev.get("dimension") != dim or (dim >= 0 and ev.get("degree") != deg):
        return I, f"Singular recomputes dimension {dim}, degree {deg}, not the stated values"
    expected = ctx.n - ctx.m
    head = (f"dimension {dim}, degree {deg} recomputed by Singular"
            + (": V(H) is empty" if dim < 0 else f": an excess component of dimension {dim} > n - l*d = {expected}"
               if dim > expected else ""))
    return V, "; ".join([head] + msgs)


def _exact_point(ctx, names):
    if ctx.point is None:
        return None
    if any(ctx.point[lab]["rad"] is not None for lab in ctx.net.labels):
        return None
    return [ctx.point[lab]["mid_q"] for lab in names]


def rule_infeasible(ctx, claim):
    ev = claim.get("evidence") or {}
    status = claim.get("status")
    alg = getattr(ctx, "algebra", None)
    if alg is None:
        return I, "needs a verified polynomial-system claim first"
    H = alg["H"]
    if status == R and ev.get("method") == "groebner":
        # No point: the engine found 1 outside the ideal (H). The checker re-derives that with its own
        # Singular run (std, dim), like variety-dimension: dim >= 0 means the Groebner basis is not {1}.
        res = engine.singular_dimension(H, alg["variables"], timeout=engine.TIMEOUT_S)
        if res is None:
            return I, _no_singular("re-checking that 1 is not in the ideal")
        if res[0] < 0:
            return I, "Singular finds 1 in the ideal: V(H) is empty"
        return R, (f"the checker's Singular run: the Groebner basis of (H) is not {{1}} (dim V(H) = {res[0]}), so "
                   "V(H) is nonempty over C (Hilbert's Nullstellensatz); no exact point is given")
    if status == R and ev.get("method") == "complex-point":
        # A certified complex zero (the complex-point claim, checked before this one) is a point of V(H).
        if getattr(ctx, "complex_point", None) is not True:
            return I, "needs a verified complex-point claim before this one"
        return R, "the certified complex zero of the complex-point claim lies in V(H): V(H) is nonempty over C"
    if status == R:
        vals = _exact_point(ctx, alg["variables"])
        if vals is None:
            return I, "a refutation needs an exact point"
        if all(h(*vals) == 0 for h in H):
            return R, "the exact point fits every data point: V(H) is nonempty"
        return I, "the stated point is not a zero of H"
    cof = ev.get("cofactors")
    if not isinstance(cof, list) or len(cof) != len(H):
        return I, "needs one cofactor per residual"
    _variables(ctx, ev)
    if ev.get("variables") != alg["variables"]:
        raise FormatError("cofactor variables must match the polynomial system's")
    fctx = H[0].context()
    g = [poly_from_json(c, fctx, ctx.n) for c in cof]
    if check_combination(g, H):
        return V, f"1 = sum g_r H_r with {len(g)} cofactors (exact expansion)"
    return I, "the cofactors do not combine to 1"


def rule_separated(ctx, claim):
    """cooper-connected, refuted: a coordinate w_k that never vanishes on M (Nullstellensatz cofactors for
    H and w_k, expanded exactly) and has opposite signs at the two given points (``start_value``,
    ``end_value``: their k-th coordinates), each farther than ``max_distance`` from w_k = 0. Sets
    ``ctx.separated`` for the path rule, which checks that its given points and max_distance are these."""
    ev = claim.get("evidence") or {}
    if not _all_polynomial(ctx):
        return I, "a separation by the Nullstellensatz needs polynomial activations"
    names = _variables(ctx, ev)
    k = ev.get("coordinate")
    if k not in ctx.net.labels:
        return I, "the separating coordinate must be a parameter label"
    a, b = parse_rational(ev.get("start_value")), parse_rational(ev.get("end_value"))
    limit = parse_rational(ev.get("max_distance"))
    if not (a * b < 0 and abs(a) > limit and abs(b) > limit and limit >= 0):
        return I, (f"{k} must have opposite signs at the two given points, each farther than max_distance from 0 "
                   f"(they are {float(a):.3g} and {float(b):.3g})")
    fctx, H = _system(ctx, names)
    cof = ev.get("cofactors")
    if not isinstance(cof, list) or len(cof) != len(H) + 1:
        return I, f"needs {len(H) + 1} cofactors (one per residual, then one for {k})"
    g = [poly_from_json(c, fctx, ctx.n) for c in cof]
    wk = fctx.gens()[names.index(k)]
    if not check_combination(g, list(H) + [wk]):
        return I, "the cofactors do not combine to 1"
    ctx.separated = (k, a, b, limit)
    return V, (f"{k} never vanishes on M (1 = sum g_r H_r + g {k}, exact expansion) and is {float(a):.3g} at the "
               f"start, {float(b):.3g} at the end: the two lie in different components of M")


def _perturbed_targets(ctx, ev):
    eps = parse_rational(ev.get("epsilon"))
    pert = ev.get("perturbation")
    if not eps > 0 or not isinstance(pert, list) or len(pert) != ctx.d or \
            not all(isinstance(r, list) and len(r) == ctx.l for r in pert):
        raise FormatError("sard-perturbation needs a positive epsilon and an l-vector per data point")
    rs = [[parse_rational(e) for e in row] for row in pert]
    if any(abs(e) >= eps for row in rs for e in row):
        return None, eps
    return [[y + e for y, e in zip(yr, er)] for yr, er in zip(ctx.Yq, rs)], eps


def _charts_rule(ctx, claim, Y):
    ev = claim.get("evidence") or {}
    charts = ev.get("charts")
    if "charts" not in ev and claim.get("status") != V:
        # What an inconclusive claim carries is what was found before it stopped (a chart with solutions, a
        # budget, a number of tries), not cofactors: there is nothing to expand, and that is not malformed.
        return I, "no chart cofactors to expand (the claim is not stated verified)"
    names = _variables(ctx, ev, extra=range(ctx.m))
    if not isinstance(charts, list) or len(charts) != ctx.m:
        return I, f"needs cofactors for all {ctx.m} charts"
    fctx, H = _system(ctx, names, Y)
    for k, cof in enumerate(charts):
        gens = lagrange_generators(H, ctx.n, ctx.n, k)
        if not isinstance(cof, list) or len(cof) != len(gens):
            return I, f"chart {k}: needs one cofactor per generator"
        g = [poly_from_json(c, fctx, len(names)) for c in cof]
        if not check_combination(g, gens):
            return I, f"chart {k}: the cofactors do not combine to 1"
    return V, f"all {ctx.m} Lagrange charts have Nullstellensatz certificates (exact expansion)"


def rule_regular_value(ctx, claim):
    if claim.get("status") == R:
        alg = getattr(ctx, "algebra", None)
        if alg is None:
            return I, "needs a verified polynomial-system claim first"
        ev = claim.get("evidence") or {}
        if ev.get("method") == "singular-locus" and ev.get("engine") == "Singular std":
            if not _all_polynomial(ctx):
                return I, "the activations are not all polynomial"
            return _singular_locus_refutation(ctx, ev)
        vals = _exact_point(ctx, alg["variables"])
        if vals is None:
            return I, "a refutation needs an exact singular point or the engine answer 'Singular std'"
        H = alg["H"]
        if not all(h(*vals) == 0 for h in H):
            return I, "the stated point is not a zero of H"
        J = flint.fmpq_mat([[h.derivative(j)(*vals) for j in range(ctx.n)] for h in H])
        rank = J.rank()
        if rank < ctx.m:
            return R, f"exact singular point: H = 0 and rank J = {rank} < l*d = {ctx.m}"
        return I, "rank J is full at the stated point"
    if not _all_polynomial(ctx):
        return I, "the activations are not all polynomial"
    ev = claim.get("evidence") or {}
    if ev.get("method") == "singular-locus":
        return _singular_locus_rule(ctx, claim)
    if "cofactors" in ev:
        # V(H) empty: no zero at all, so rank J = l*d at every zero (vacuously).
        status, msg = rule_infeasible(ctx, {"status": V, "evidence": ev})
        if status != V:
            return I, f"V(H) is not shown empty: {msg}"
        return V, (f"V(H) is empty ({msg}): 0 is a regular value of H vacuously, and M is empty")
    return _charts_rule(ctx, claim, None)


def _locus_generators(ctx, ev, Y=None):
    """(H, the generators of the singular-locus ideal: H then every maximal minor of J, a phrase naming them),
    derived by the checker itself; or the reason it cannot, as a string."""
    alg = getattr(ctx, "algebra", None)
    if alg is None:
        return "needs a verified polynomial-system claim first"
    _variables(ctx, ev)
    if ev.get("variables") != alg["variables"]:
        raise FormatError("singular-locus variables must match the polynomial system's")
    H = alg["H"] if Y is None else _system(ctx, alg["variables"], Y)[1]
    try:
        minors = maximal_minors(H, ctx.n)
    except FormatError as exc:
        return f"the checker does not derive the minors of J: {exc}"
    return H, list(H) + minors, f"H and the {len(minors)} maximal minors of J"


def _singular_locus_refutation(ctx, ev):
    """regular-value refuted with ``method: singular-locus, engine: Singular std`` and no point: the checker's own
    Singular run finds the singular-locus ideal I proper (its Groebner basis is not {1}), so V(I) has a complex
    point (Hilbert's Nullstellensatz): H = 0 and rank J < l*d there. An engine's answer, labelled so, like the
    Groebner refutation of ``infeasible``."""
    got = _locus_generators(ctx, ev)
    if isinstance(got, str):
        return I, got
    _, gens, what = got
    live = [p for p in gens if not p.is_zero()]
    if not live:
        return R, f"every generator of the singular-locus ideal ({what}) is 0: every zero of H is singular"
    res = engine.singular_dimension(live, ctx.algebra["variables"], timeout=_engine_budget(ev))
    if res is None:
        return I, _no_singular("re-checking the singular-locus ideal")
    if res[0] < 0:
        return I, "the checker's Singular run finds the Groebner basis {1}: no zero of H is singular"
    return R, (f"the checker's Singular run: the Groebner basis of ({what}) is not {{1}} (dimension {res[0]}), so "
               f"by Hilbert's Nullstellensatz some complex zero of H has rank J < l*d = {ctx.m}: 0 is a critical "
               "value of H over C (resting on the engine: Singular std; no exact point is given)")


def _singular_locus_rule(ctx, claim, Y=None):
    """regular-value with ``method: singular-locus``: the ideal I of H and the m x m minors of J (m = l*d),
    which the checker derives itself (``maximal_minors``: every column subset in combinations order). A zero
    of H where rank J < m is a zero of I, so 1 in I proves that 0 is a regular value. Evidence: ``cofactors``
    (one per generator, H first, then every minor; expanded exactly, no engine), or ``engine: Singular std``
    (the checker's own Singular run must find the Groebner basis {1}: an engine's answer, labelled so)."""
    ev = claim.get("evidence") or {}
    if claim.get("status") != V:
        return I, "no singular-locus certificate to re-check (the claim is not stated verified)"
    got = _locus_generators(ctx, ev, Y)
    if isinstance(got, str):
        return I, got
    H, gens, what = got
    alg = ctx.algebra
    cof = ev.get("cofactors")
    if cof is not None:
        if not isinstance(cof, list) or len(cof) != len(gens):
            return I, f"needs one cofactor per generator ({len(gens)}: {what})"
        fctx = H[0].context()
        g = [poly_from_json(c, fctx, ctx.n) for c in cof]
        if not check_combination(g, gens):
            return I, "the singular-locus cofactors do not combine to 1"
        return V, (f"1 = sum g_i F_i over {what} (exact expansion): no zero of H where rank J < l*d = {ctx.m}, "
                   "so 0 is a regular value of H")
    if ev.get("engine") != "Singular std":
        return I, "a singular-locus claim needs cofactors or the engine answer 'Singular std'"
    live = [p for p in gens if not p.is_zero()]
    if not live:
        return I, "every generator of the singular-locus ideal is zero"
    res = engine.singular_dimension(live, alg["variables"], timeout=_engine_budget(ev))
    if res is None:
        return I, _no_singular("re-checking the singular-locus ideal")
    if res[0] >= 0:
        return I, (f"the checker's Singular run finds the singular-locus ideal proper (dim {res[0]}): 0 may be a "
                   "critical value")
    return V, (f"the checker's Singular run: the Groebner basis of ({what}) is {{1}}, so no zero of H has "
               f"rank J < l*d = {ctx.m} and 0 is a regular value of H (resting on the engine: Singular std)")


def rule_sard(ctx, claim):
    ev = claim.get("evidence") or {}
    if not _all_polynomial(ctx):
        return I, "the activations are not all polynomial"
    if "perturbation" not in ev and claim.get("status") != V:
        return I, "no certified perturbation to re-check (the claim is not stated verified)"
    Y, eps = _perturbed_targets(ctx, ev)
    if Y is None:
        return I, "a perturbation entry is not smaller than epsilon"
    if ev.get("method") == "singular-locus":
        status, msg = _singular_locus_rule(ctx, claim, Y)
    else:
        status, msg = _charts_rule(ctx, claim, Y)
    return status, (f"targets moved by less than {eps}: " + msg) if status == V else msg


ALGEBRA_RULES = {
    "polynomial-system": rule_polynomial_system,
    "bezout-bounds": rule_bezout,
    "generic-rank": rule_generic_rank,
    "variety-dimension": rule_variety_dimension,
    "infeasible": rule_infeasible,
    "regular-value": rule_regular_value,
    "sard-perturbation": rule_sard,
    "separated": rule_separated,
}
