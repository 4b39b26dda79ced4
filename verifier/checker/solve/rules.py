"""Checker for certificates about square polynomial systems (docs/solving.md).

Theorems ``polynomial-solutions``, ``witness-degree`` and ``liao-poggio-prop-1``. The instance is

    {"system": {"format": "verifier-polynomial-system", "version": 1,
                "variables": [names], "equations": [poly_to_json(p), ...]},
     "source": {"kind": "file" | "network" | "witness" | "deep-linear" | "network-loss", ...},
     "sha256": sha256 of {"system", "source"}}

Whenever the source is not ``"file"`` the checker RE-DERIVES the equations from the source with its own
code (``algebra/polys.polynomial_residuals`` for network residuals; the products, the loss and its gradient below
with fmpq_mpoly) and requires them to equal the stored ones exactly: the stored system of a network source
is never trusted. Claims:

* ``solutions-certified``: the boxes, re-run through ``krawczyk.verify_solution_boxes``; the counts are
  lower bounds (distinct complex solutions; real solutions).
* ``bezout-bounds-square``: total-degree and multihomogeneous Bezout numbers, recomputed; the certified
  count must not exceed them.
* ``count-exact``: the count is exact when it equals a Bezout bound, or when the checker's own Singular
  call (``algebra/engine.singular_vdim``: ``std``, then ``vdim`` if ``dim == 0``) gives the count with
  multiplicity equal to it, or (``method: bkk``) when it equals the mixed volume of the Newton polytopes
  with the origin added (Singular's gfanlib): all isolated solutions; all of V(H) when the torus
  conditions of :func:`_count_bkk` hold too.
* ``critical-classification``: Hessian inertia of L over each real box, recomputed in Arb.

Standard library, python-flint and ``verifier.checker`` only.
"""

from __future__ import annotations

import math

import flint
from flint import arb, fmpq

from ..algebra import engine
from ..algebra.bezout import MAX_STATES, multihomogeneous_count
from ..algebra.polys import poly_context, poly_from_json, polynomial_residuals
from ..core.evaluate import Network
from ..format import FormatError, arb_to_fmpq, parse_rational, rational_str, sha256
from .complex_point import slice_polynomial
from .krawczyk import certified_inertia, inertia_label, lowest_group, parse_box, verify_solution_boxes
from .parametrization import verify_parametrization

V, R, I = "verified", "refuted", "inconclusive"
SYSTEM_FORMAT = "verifier-polynomial-system"
MAX_VARIABLES = 200
MAX_BEZOUT_STATES = MAX_STATES
SOURCE_KINDS = ("file", "network", "witness", "deep-linear", "network-loss")
LABELS = ("global-minimum", "global-minimum-zero-loss", "local-minimum", "local-maximum", "saddle", "degenerate")


def system_hash(instance: dict) -> str:
    """sha256 of the canonical JSON of the instance's system and source."""
    return sha256({"system": instance["system"], "source": instance["source"]})


# ------------------------------------------------------------------------------------ re-deriving systems

def _rows(obj, what):
    if not isinstance(obj, list) or not obj or not all(isinstance(r, list) for r in obj):
        raise FormatError(f"{what} must be a nonempty list of rows")
    return [[parse_rational(c) for c in r] for r in obj]


def _data(obj):
    if not isinstance(obj, dict) or not isinstance(obj.get("x"), list) or not isinstance(obj.get("y"), list):
        raise FormatError("source.data must hold lists of rows 'x' and 'y'")
    X, Y = _rows(obj["x"], "data.x"), _rows(obj["y"], "data.y")
    if len(X) != len(Y):
        raise FormatError("data.x and data.y differ in length")
    return X, Y


def _lambdas(obj, n):
    if not isinstance(obj, list) or len(obj) != n:
        raise FormatError(f"source.lambdas must list {n} constants")
    lam = [parse_rational(c) for c in obj]
    if any(v < 0 for v in lam):
        raise FormatError("source.lambdas must be nonnegative")
    return lam


def _loss(residuals, gens, lambdas, ctx):
    loss = ctx.constant(0)
    for r in residuals:
        loss += r * r
    for w, lam in zip(gens, lambdas):
        if lam != 0:
            loss += lam * w * w
    return loss * fmpq(1, 2)


def deep_linear_names(H, d, dx, dy):
    shapes = [(d, dx)] + [(d, d)] * (H - 1) + [(dy, d)]
    return shapes, [f"W{k}_{i}_{j}" for k, (r, c) in enumerate(shapes, start=1) for i in range(r) for j in range(c)]


def derive(source, variables):
    """(equations or None for a file source, info dict) from the source, in the context of ``variables``.

    info: ``loss`` (fmpq_mpoly, for critical-point sources), ``residuals``, ``lambdas``, ``groups``
    (natural variable groups, for reports only) and ``n_eq`` (the number of non-slice equations).
    """
    if not isinstance(source, dict) or source.get("kind") not in SOURCE_KINDS:
        raise FormatError(f"source.kind must be one of {SOURCE_KINDS}")
    kind = source["kind"]
    nv = len(variables)
    ctx = poly_context(nv)
    gens = ctx.gens()
    info = {"kind": kind, "loss": None, "residuals": None, "lambdas": None}
    if kind == "file":
        if set(source) != {"kind"}:
            raise FormatError("a file source has no other keys")
        return None, info
    if kind == "deep-linear":
        for key in ("H", "d", "dx", "dy"):
            if type(source.get(key)) is not int or not 1 <= source[key] <= 50:
                raise FormatError(f"source.{key} must be an integer between 1 and 50")
        H, d, dx, dy = source["H"], source["d"], source["dx"], source["dy"]
        X, Y = _rows(source.get("X"), "source.X"), _rows(source.get("Y"), "source.Y")
        if len(X) != len(Y) or any(len(r) != dx for r in X) or any(len(r) != dy for r in Y):
            raise FormatError("source.X must be m x dx and source.Y m x dy")
        shapes, names = deep_linear_names(H, d, dx, dy)
        if list(variables) != names:
            raise FormatError("the variables are not the deep linear network's weights W{k}_{i}_{j} in order")
        lam = _lambdas(source.get("lambdas"), nv)
        mats, pos = [], 0
        for r, c in shapes:
            mats.append([[gens[pos + i * c + j] for j in range(c)] for i in range(r)])
            pos += r * c
        residuals = []
        for xk, yk in zip(X, Y):
            v = [ctx.constant(x) for x in xk]
            for W in mats:
                v = [sum((W[i][j] * v[j] for j in range(len(v))), ctx.constant(0)) for i in range(len(W))]
            residuals.extend(v[i] - yk[i] for i in range(dy))
        loss = _loss(residuals, gens, lam, ctx)
        info.update(loss=loss, residuals=residuals, lambdas=lam)
        return [loss.derivative(j) for j in range(nv)], info
    net = Network(source.get("network"))
    X, Y = _data(source.get("data"))
    if any(len(r) != len(net.inputs) for r in X) or any(len(r) != len(net.outputs) for r in Y):
        raise FormatError("source.data does not match the network")
    n = len(net.labels)
    if set(variables[:n]) != set(net.labels) or nv != n:
        raise FormatError("the variables must be exactly the network's parameter labels")
    expected = {"network": {"kind", "network", "data"}, "witness": {"kind", "network", "data", "slices"},
                "network-loss": {"kind", "network", "data", "lambdas"}}[kind]
    if set(source) != expected:
        raise FormatError(f"a {kind} source has exactly the keys {sorted(expected)}")
    fctx, Hres = polynomial_residuals(net, X, Y, list(variables))
    if fctx is not ctx:
        raise FormatError("internal: contexts differ")
    m = len(Hres)
    if kind == "network":
        if m != n:
            raise FormatError(f"a network source needs a square system: n = {n} parameters, l*d = {m}")
        info.update(residuals=Hres)
        return list(Hres), info
    if kind == "witness":
        slices = source["slices"]
        if not isinstance(slices, list) or len(slices) != n - m or n <= m:
            raise FormatError(f"a witness source needs n - l*d = {n - m} > 0 slices")
        eqs = list(Hres) + [slice_polynomial(s, ctx, n) for s in slices]
        info.update(residuals=Hres)
        return eqs, info
    lam = _lambdas(source["lambdas"], n)
    loss = _loss(Hres, gens, lam, ctx)
    info.update(loss=loss, residuals=Hres, lambdas=lam)
    return [loss.derivative(j) for j in range(n)], info


def read_system(inst):
    """(variables, equations, info) with the equations re-derived from a non-file source and compared."""
    if not isinstance(inst, dict) or set(inst) != {"system", "source", "sha256"}:
        raise FormatError("instance must be {system, source, sha256}")
    sysj = inst["system"]
    if not isinstance(sysj, dict) or sysj.get("format") != SYSTEM_FORMAT or sysj.get("version") != 1 \
            or type(sysj.get("version")) is not int or set(sysj) != {"format", "version", "variables", "equations"}:
        raise FormatError(f"instance.system is not a {SYSTEM_FORMAT} version 1 document")
    names, eqj = sysj["variables"], sysj["equations"]
    if not isinstance(names, list) or not names or not all(isinstance(x, str) and x for x in names) \
            or len(set(names)) != len(names):
        raise FormatError("system.variables must be a nonempty list of distinct names")
    if len(names) > MAX_VARIABLES:
        raise FormatError(f"more than {MAX_VARIABLES} variables")
    if not isinstance(eqj, list) or len(eqj) != len(names):
        raise FormatError("the system must be square: as many equations as variables")
    ctx = poly_context(len(names))
    eqs = [poly_from_json(e, ctx, len(names)) for e in eqj]
    derived, info = derive(inst["source"], names)
    # A file states its equations: a constant one is an error there. A system derived from a network and
    # its data may have one (e.g. the zero input of a network without biases: the residual is -y), and it
    # is then an answer, not bad input (see constant_equations).
    if derived is None and any(e.total_degree() < 1 for e in eqs):
        raise FormatError("every equation must be a non-constant polynomial")
    if derived is not None:
        if len(derived) != len(eqs) or any(a != b for a, b in zip(derived, eqs)):
            bad = next(i for i, (a, b) in enumerate(zip(derived, eqs)) if a != b) if len(derived) == len(eqs) else 0
            info["mismatch"] = f"stored equation {bad} differs from the one re-derived from the source"
    return names, eqs, info


def constant_equations(eqs):
    """(indices of identically zero equations, [(index, value)] of nonzero constant ones)."""
    zero = [k for k, e in enumerate(eqs) if e.is_zero()]
    nonzero = [(k, e.coeffs()[0]) for k, e in enumerate(eqs) if not e.is_zero() and e.total_degree() < 1]
    return zero, nonzero


def constant_reason(eqs, witness=False):
    """Why a system with a constant equation has no certified box (None when no equation is constant).

    A nonzero constant c = 0 has no solution, so the system has none; an identically zero equation imposes
    nothing, so every solution of the others lies on a component of positive dimension (n - 1 equations in n
    unknowns) and none is isolated; for a witness system, V(H) is then cut out by fewer than l*d residuals and
    has no component of dimension n - l*d."""
    zero, nonzero = constant_equations(eqs)
    if nonzero:
        k, c = nonzero[0]
        return (f"equation {k} is the nonzero constant {rational_str(c)}: the system has no complex solution"
                + (" (V(H) is empty: no network fits the data)" if witness else ""))
    if zero:
        if witness:
            return (f"residual {zero[0]} is identically 0 (that data point is fitted by every parameter): V(H) is cut "
                    "out by fewer than l*d equations, so every component has dimension > n - l*d and there is no "
                    "(n - l*d)-dimensional part to count; drop that data point")
        return (f"equation {zero[0]} is identically 0: every solution lies on a component of positive dimension, "
                "none is isolated, so there is nothing to box")
    return None


# ------------------------------------------------------------------------------------ Bezout numbers

def total_degree(eqs) -> int:
    """The total-degree Bezout number (0 when an equation is constant: no isolated solution)."""
    return math.prod(max(int(e.total_degree()), 0) for e in eqs)


def multihomogeneous(eqs, groups) -> int | None:
    """Coefficient of prod z_g^{n_g} in prod_i sum_g deg_g(F_i) z_g (None when too many states)."""
    rows = [[max((int(sum(mon[j] for j in g)) for mon in e.monoms()), default=0) for g in groups] for e in eqs]
    return multihomogeneous_count(rows, [len(g) for g in groups], max_states=MAX_BEZOUT_STATES)


def _groups(obj, names):
    if not isinstance(obj, list) or not all(isinstance(g, list) and g for g in obj):
        raise FormatError("evidence.groups must be a list of nonempty lists of variable names")
    flat = [x for g in obj for x in g]
    if sorted(flat) != sorted(names) or len(set(flat)) != len(flat):
        raise FormatError("evidence.groups must partition the variables")
    pos = {x: i for i, x in enumerate(names)}
    return [[pos[x] for x in g] for g in obj]


# ------------------------------------------------------------------------------------ claims

def _int(x):
    return type(x) is int


def _engine_timeout(st):
    """Seconds for one of the checker's Singular runs: ``engine.TIMEOUT_S``, or what the solver has left of its
    own budget when it states the claims (``evaluate_claims(engine_timeout=...)``)."""
    return st.get("engine_timeout") or engine.TIMEOUT_S


def _not_rerun(st, claim):
    """Why ``verifier check`` does not start Singular for this claim, or None: a claim stated inconclusive is
    not upgraded (the solver's budget may have been shorter than the checker's), so its engine run is skipped."""
    if "engine_timeout" in st or claim.get("status") == V:
        return None
    return "not re-run: the claim is stated inconclusive, and the checker confirms verified claims only"


def _singular_vdim(st, key="singular_vdim", eqs=None):
    """(dim, vdim) of the system (or of ``eqs``) from the checker's own Singular run, once per check (None
    without Singular)."""
    if key not in st:
        st[key] = engine.singular_vdim(st["eqs"] if eqs is None else eqs, timeout=_engine_timeout(st))
    return st[key]


def rule_solutions(st, claim):
    ev = claim.get("evidence") or {}
    prec = ev.get("prec")
    if not _int(prec) or not 32 <= prec <= 4096:
        raise FormatError("solutions-certified: evidence.prec must be an integer between 32 and 4096")
    boxes = ev.get("boxes")
    if not isinstance(boxes, list):
        raise FormatError("solutions-certified: evidence.boxes must be a list")
    pre = st.pop("boxes_checked", None)      # the solver's own run on this very list (never from a certificate)
    if pre is not None and pre[0] is boxes and pre[1] == prec:
        res = pre[2]
    else:
        res = verify_solution_boxes(st["eqs"], boxes, prec=prec, budget=st["budget"])
    st["boxes"] = res
    st["parsed_boxes"] = [parse_box(b, len(st["names"])) if v["verdict"] in ("real", "non-real", "undecided")
                          else None for b, v in zip(boxes, res["boxes"])]
    counts = {k: res[k] for k in ("certified", "real", "non_real", "undecided")}
    stated = {k: ev.get(k) for k in counts}
    if not res["ok"]:
        return I, f"not every box re-checks: {res['reason'][:200]}"
    par = None
    if "parametrization" in ev:
        # Exact points (multiple roots included): the larger of the two lower bounds is the count.
        pre = st.pop("parametrization_checked", None)    # the solver's own run on this very evidence
        par = pre[1] if pre is not None and pre[0] is ev["parametrization"] else \
            verify_parametrization(st["eqs"], ev["parametrization"], st["budget"])
        if not par["ok"]:
            return I, f"the parametrization does not re-check: {par['reason']}"
        if par["count"] > counts["certified"]:
            counts = dict(par["counts"])
        else:
            par = None
    if stated != counts:
        return I, f"the stated counts {stated} differ from the re-checked {counts}"
    st["counts"] = counts
    st["certified"] = counts["certified"]
    if par is not None:
        st["parametrized"] = True
        return V, (f"an exact rational parametrization over the {par['count']} roots of a squarefree w(t) (checked "
                   f"modulo w: every equation vanishes, the linear form recovers t): at least {par['count']} "
                   f"distinct complex solutions, {par['real']} of them real ({res['certified']} also in certified "
                   "boxes; lower bounds)")
    if res["certified"] == 0:
        # A lower bound of 0 says nothing: with no box, the claim stands only where the system provably has
        # no complex solution at all (a nonzero constant equation, or the checker's own Singular run: the
        # Groebner basis is {1}).
        zero, nonzero = constant_equations(st["eqs"])
        why = constant_reason(st["eqs"], witness=st["info"]["kind"] == "witness")
        if nonzero:
            return V, f"no box, and none is missing: {why}"
        if zero:
            return I, f"no box: {why}"
        skip = _not_rerun(st, claim)
        if skip is not None:
            return I, f"no box certified; {skip}"
        if st["info"]["kind"] == "witness":
            # No point on the slices: the degree is 0 only when V(H) itself is empty (the slices are not
            # proven generic), which the checker's own Singular run on the residuals alone can show.
            res_h = _singular_vdim(st, "singular_vdim_h", st["info"]["residuals"])
            if res_h is not None and res_h[0] == -1:
                return V, ("no witness point, and none is missing: the checker's Singular run gives the Groebner "
                           "basis {1} for the residuals H alone, so V(H) is empty (no network fits the data) and "
                           "its degree is 0")
            return I, ("no witness point certified: a lower bound of 0 on the degree says nothing (no solver "
                       "route found a point of V(H) on the slices"
                       + (f"; {engine.unavailable()} for the residuals alone" if res_h is None else
                          f"; Singular finds V(H) nonempty, of dimension {res_h[0]}") + ")")
        res_s = _singular_vdim(st)
        if res_s is None:
            return I, (f"no box certified, and {engine.unavailable()}, so that the system has no solution cannot be "
                       "re-checked: a lower bound of 0 says nothing")
        if res_s[0] != -1:
            return I, (f"no box certified, but Singular finds the system consistent (dimension {res_s[0]}): a "
                       "lower bound of 0 says nothing")
        return V, ("no box, and none is missing: the checker's Singular run gives the Groebner basis {1}, so the "
                   "system has no complex solution")
    return V, (f"{res['certified']} disjoint certified boxes ({res['real']} real, {res['non_real']} non-real, "
               f"{res['undecided']} undecided): at least {res['certified']} distinct complex solutions and at "
               f"least {res['real']} real ones (lower bounds)")


def rule_bezout(st, claim):
    ev = claim.get("evidence") or {}
    groups = _groups(ev.get("groups"), st["names"])
    tot = total_degree(st["eqs"])
    mh = multihomogeneous(st["eqs"], groups)
    if ev.get("total_degree") != tot or ev.get("multihomogeneous") != mh:
        return I, (f"stated bounds {ev.get('total_degree')}, {ev.get('multihomogeneous')} differ from the "
                   f"recomputed {tot}, {mh}")
    st["bezout"] = [b for b in (tot, mh) if b is not None]
    st["bezout_numbers"] = (tot, mh)
    c = st.get("certified")
    if c is None:
        return I, "the certified count did not re-check, so it cannot be compared with the bounds"
    if c > min(st["bezout"]):
        return I, f"{c} certified solutions exceed the Bezout bound {min(st['bezout'])}: something is wrong"
    return V, f"total-degree Bezout {tot}, multihomogeneous {mh}; certified count {c} within both"


def rule_count_exact(st, claim):
    ev = claim.get("evidence") or {}
    c = st.get("certified")
    if c is None:
        return I, "the certified count did not re-check"
    if ev.get("count") != c:
        return I, f"stated count {ev.get('count')!r} is not the certified count {c}"
    und = st["counts"]["undecided"]
    if ev.get("real_exact") is not (und == 0):
        return I, f"real_exact must be {und == 0} ({und} boxes of undecided realness)"
    zero, _ = constant_equations(st["eqs"])
    if zero:
        return I, f"equation {zero[0]} is identically 0: the Bezout number 0 counts isolated solutions only"
    method = ev.get("method")
    real = (f"; the real count {st['counts']['real']} is exact" if und == 0
            else f"; {und} boxes of undecided realness: the real count is a lower bound")
    if method == "bezout":
        bounds = [b for b in st.get("bezout", []) if b == c]
        if not bounds:
            return I, "the certified count equals no re-checked Bezout bound"
        st["complete"] = True
        return V, f"the certified count {c} equals a Bezout bound: all solutions found, all simple" + real
    if method == "singular":
        skip = _not_rerun(st, claim)
        if skip is not None:
            return I, skip
        if c == 0 and st["info"]["kind"] == "witness":
            # V(H) empty (the run on the residuals alone that the witness rule made, or makes now) leaves no point
            # on any slice: the sliced system, often harder for Singular, need not be solved
            res_h = _singular_vdim(st, "singular_vdim_h", st["info"]["residuals"])
            if res_h is not None and res_h[0] == -1:
                st["complete"] = True
                return V, ("Singular: the Groebner basis of the residuals H alone is {1}, so V(H) is empty, no slice "
                           "of it has a point, and the degree 0 is exact")
        res = _singular_vdim(st)
        if res is None:
            return I, f"{engine.unavailable()}: the count cannot be re-checked exactly"
        dim, vdim = res
        if dim == -1 and c == 0:
            st["complete"] = True
            return V, "Singular: the Groebner basis is {1}, the system has no complex solutions: the count 0 is exact"
        if dim != 0:
            return I, f"Singular: the system has dimension {dim}, not 0"
        if vdim != c:
            return I, f"Singular: {vdim} solutions with multiplicity, {c} certified: not shown exact"
        st["complete"] = True
        return V, f"Singular: dimension 0 and vdim = {vdim} = the certified count: all solutions found, all simple" + real
    if method == "bkk":
        return _count_bkk(st, ev, c, real)
    if method == "singular-radical":
        # Multiple roots: the count of distinct solutions is the vdim of the radical (Singular's primdec.lib).
        skip = _not_rerun(st, claim)
        if skip is not None:
            return I, skip
        if "singular_radical" not in st:
            st["singular_radical"] = engine.singular_vdim(st["eqs"], timeout=_engine_timeout(st), radical=True)
        res = st["singular_radical"]
        if res is None:
            return I, f"{engine.unavailable()}: the count of distinct solutions cannot be re-checked"
        dim, rv = res
        if dim != 0:
            return I, f"Singular: the system has dimension {dim}, not 0"
        if rv != c:
            return I, f"Singular: the radical has {rv} distinct solutions, {c} certified: not shown exact"
        return V, (f"Singular: dimension 0 and the radical's vdim = {rv} = the certified count: all distinct "
                   "solutions found (some may be multiple; resting on the engine: Singular's radical)" + real)
    return I, f"unknown method {method!r} (bezout, singular, bkk or singular-radical)"


def newton_supports(eqs, origin=False):
    out = []
    for e in eqs:
        A = {tuple(int(k) for k in m) for m in e.monoms()}
        if origin:
            A.add((0,) * len(e.context().names()))
        out.append(sorted(A))
    return out


def mixed_volume(st, origin, timeout=engine.TIMEOUT_S):
    key = "mixed_volume_0" if origin else "mixed_volume"
    if key not in st:
        st[key] = engine.singular_mixed_volume(newton_supports(st["eqs"], origin), timeout=timeout)
    return st[key]


def off_torus_empty(st, j, timeout=engine.TIMEOUT_S):
    """True when the checker shows that no solution has coordinate j equal to 0: a nonzero constant after
    x_j = 0 (no engine), or its own Singular run (std of H and x_j is {1}); False when a solution has x_j = 0
    or the run fails."""
    eqs = st["eqs"]
    ctx = eqs[0].context()
    zero = ctx.from_dict({})
    subs = [e.compose(*[zero if k == j else ctx.gen(k) for k in range(ctx.nvars())]) for e in eqs]
    if any(not p.is_zero() and p.total_degree() < 1 for p in subs):
        return True
    res = engine.singular_vdim(list(eqs) + [ctx.gen(j)], timeout=timeout)
    return res is not None and res[0] == -1


def _count_bkk(st, ev, c, real):
    """``method: bkk``; ``evidence.mixed_volume`` is the bound the scope uses, re-computed here.

    ``scope: isolated``: Li-Wang (Math. Comp. 1996): the isolated solutions of a square system in C^n, counted
    with multiplicity, number at most MV_0, the mixed volume of the Newton polytopes of the equations with the
    origin added. The c certified boxes hold c distinct simple solutions, so c = MV_0 means they are all the
    isolated solutions. A positive-dimensional component is not excluded by this bound.

    ``scope: all``: c = MV, the mixed volume of the Newton polytopes themselves; every box excludes 0 in every
    coordinate and no solution has a zero coordinate (the checker's own test per coordinate). Bernstein
    (1975): the isolated solutions in (C*)^n, counted with multiplicity, number at most MV (so these c are
    all of them), and strictly fewer as soon as some face system in_w(H), w != 0, has a root in (C*)^n. A
    positive-dimensional component in the torus would give one (a curve in it leaves every compact set of
    the torus along a Puiseux branch x(s) = a s^w + ..., and in_w(H)(a) = 0), so V(H) is exactly the c points."""
    if st["info"]["kind"] == "witness":
        return I, "method bkk is for square systems, not witness slices"
    scope = ev.get("scope")
    if scope not in ("isolated", "all"):
        raise FormatError("count-exact: evidence.scope must be 'isolated' or 'all' for method bkk")
    st["exact_scope"] = scope
    what = "with the origin added" if scope == "isolated" else "in the torus"
    mv = mixed_volume(st, scope == "isolated")
    if mv is None:
        return I, f"{engine.unavailable()}: the mixed volume cannot be re-checked"
    if ev.get("mixed_volume") != mv:
        return I, f"stated mixed volume {ev.get('mixed_volume')!r}, re-computed {mv} ({what})"
    if mv != c:
        return I, f"the mixed volume {what} is {mv}, the certified count {c}: not shown exact"
    if scope == "isolated":
        return V, (f"the certified count {c} equals the mixed volume of the Newton polytopes with the origin added "
                   "(Li-Wang's bound on the isolated solutions in C^n, re-computed by the checker's Singular): these "
                   "are all the isolated solutions, all simple" + real.replace("the real count", "the number of real "
                                                                              "isolated solutions"))
    for k, pb in enumerate(st.get("parsed_boxes") or []):
        if pb is None:
            continue
        cen, r, _ = pb
        for j, (a, b) in enumerate(cen):
            if abs(a) <= r and abs(b) <= r:
                return I, f"box {k} meets the coordinate hyperplane {st['names'][j]} = 0: not shown in the torus"
    for j in range(len(st["names"])):
        if not off_torus_empty(st, j):
            return I, f"not shown that no solution has {st['names'][j]} = 0 (scope all needs every solution in " \
                      "the torus)"
    st["complete"] = True
    return V, (f"the certified count {c} equals the mixed volume of the Newton polytopes in the torus (re-computed by "
               "the checker's Singular), every box lies in the torus and no solution has a zero coordinate: by "
               "Bernstein's theorems V(H) is exactly these points, all simple" + real)


# ------------------------------------------------------------------------------------ classification

def _eval_arb(p, box):
    acc = arb(0)
    powers = {}
    for mon, c in zip(p.monoms(), p.coeffs()):
        t = arb(c)
        for j, e in enumerate(mon):
            e = int(e)
            if e:
                key = (j, e)
                if key not in powers:       # repeated products: arb ** int may go through exp/log (NaN at 0)
                    v = box[j]
                    for _ in range(e - 1):
                        v = v * box[j]
                    powers[key] = v
                t *= powers[key]
        acc += t
    return acc


def _exact(x):
    if not x.is_finite():
        raise FormatError("a loss enclosure is not finite")
    return fmpq(0) if x == 0 else arb_to_fmpq(x)


def _real_box(c, r):
    return [arb(re - r).union(arb(re + r)) for re, _ in c]


def classify_boxes(st, prec, symmetries):
    """Per real certified box: inertia, loss enclosure and label (the same function serves the solver)."""
    info = st["info"]
    loss, eqs = info["loss"], st["eqs"]
    n = len(eqs)
    hess = [[eqs[i].derivative(j) for j in range(n)] for i in range(n)]
    out = []
    with flint.ctx.workprec(prec):
        for idx, pb in enumerate(st["parsed_boxes"]):
            v = st["boxes"]["boxes"][idx]["verdict"]
            if pb is None or v != "real":
                continue
            c, r, _ = pb
            box = _real_box(c, r)
            A = [[_eval_arb(hess[i][j], box) for j in range(n)] for i in range(n)]
            inert = certified_inertia(A, prec=prec)
            L = _eval_arb(loss, box)
            pos, neg, und = inert["positive"], inert["negative"], inert["undecided"]
            label = inertia_label(pos, neg, und)
            if all(x == 0 for x in info["lambdas"]) and all(res(*[re for re, _ in c]) == 0
                                                            for res in info["residuals"]):
                label = "global-minimum-zero-loss"      # L >= 0 and L(centre) = 0; the centre is the box's point
            out.append({"box": idx, "label": label, "index": None if und else neg,
                        "inertia": {"positive": pos, "negative": neg, "undecided": und},
                        "loss": [rational_str(_exact(L.lower())), rational_str(_exact(L.upper()))],
                        "_c": c, "_r": r})
    # global minima of a coercive loss with every real critical point certified
    coercive = all(x > 0 for x in info["lambdas"])
    if out and coercive and st.get("complete") and not st.get("parametrized") and st["boxes"]["undecided"] == 0:
        lo = [fmpq(parse_rational(p["loss"][0])) for p in out]
        hi = [fmpq(parse_rational(p["loss"][1])) for p in out]
        group, separated = lowest_group(lo, hi)
        ok_syms = [s for s in symmetries if _symmetric(loss, s)]
        if separated and _connected(out, sorted(group), ok_syms):
            for g in group:
                out[g]["label"] = "global-minimum"
    for p in out:
        del p["_c"], p["_r"]
    return out


def _symmetric(loss, sign):
    flips = [j for j, s in enumerate(sign) if s == -1]
    return all(sum(int(mon[j]) for j in flips) % 2 == 0 for mon in loss.monoms())


def _connected(out, members, syms):
    """Every member is the image of members[0] under a chain of verified sign symmetries: the flipped
    box meets exactly one box of the (complete) list of real critical points, so the flipped critical
    point lies in it; symmetric points share the loss value."""
    def flip(p, s):
        return [((re * s[j]), im) for j, (re, im) in enumerate(p["_c"])], p["_r"]

    def meets(c1, r1, c2, r2):
        return all(abs(a - x) <= r1 + r2 for (a, _), (x, _) in zip(c1, c2))

    reach, frontier = {members[0]}, [members[0]]
    while frontier:
        i = frontier.pop()
        for s in syms:
            c, r = flip(out[i], s)
            hits = [k for k in range(len(out)) if meets(c, r, out[k]["_c"], out[k]["_r"])]
            if len(hits) == 1 and hits[0] in members and hits[0] not in reach:
                reach.add(hits[0])
                frontier.append(hits[0])
    return reach == set(members)


def rule_classification(st, claim):
    ev = claim.get("evidence") or {}
    if st["info"]["loss"] is None:
        return I, "classification needs a deep-linear or network-loss source (a loss to differentiate)"
    if st.get("certified") is None:
        return I, "the solution boxes did not re-check"
    prec = ev.get("prec")
    if not _int(prec) or not 32 <= prec <= 4096:
        raise FormatError("critical-classification: evidence.prec must be an integer between 32 and 4096")
    syms = ev.get("symmetries", [])
    n = len(st["names"])
    if not isinstance(syms, list) or not all(isinstance(s, list) and len(s) == n and all(x in (1, -1) and _int(x)
                                                                                     for x in s) for s in syms):
        raise FormatError(f"evidence.symmetries must be lists of {n} entries +1/-1")
    points = classify_boxes(st, prec, syms)
    stated = ev.get("points")
    if stated != points:
        return I, "the stated classification differs from the recomputed one"
    tally = {}
    for p in points:
        key = p["label"] + (f"(index {p['index']})" if p["label"] == "saddle" else "")
        tally[key] = tally.get(key, 0) + 1
    text = ", ".join(f"{v} {k}" for k, v in sorted(tally.items())) or "no real critical points certified"
    return V, f"{len(points)} real critical points classified: {text}"


RULES = {"solutions-certified": rule_solutions, "bezout-bounds-square": rule_bezout, "count-exact": rule_count_exact,
         "critical-classification": rule_classification}
ORDER = ("solutions-certified", "bezout-bounds-square", "count-exact", "critical-classification")
