"""Exact polynomial arithmetic for algebraic certificates, with python-flint only.

The checker verifies Nullstellensatz cofactors (``1 = sum_i g_i F_i``),
identities ``J(w) v(w) = 0`` for polynomial vector fields and exact zeros
without any computer-algebra engine: it compiles the residual map H of a
network with polynomial activations into ``flint.fmpq_mpoly`` itself and
checks every identity by exact expansion. Nothing here trusts the solver's
network code (``verifier.network``, ``verifier.system``): the network comes
from :class:`verifier.checker.core.evaluate.Network`.

Variables
---------
A certificate names its variables in an ordered list that starts with every
parameter label of the network (in the order the certificate chose) and may
continue with extra names (Lagrange multipliers, ...). Labels are arbitrary
strings, so flint sees the generated names ``v0, v1, ...`` instead: variable
``i`` of the certificate is flint's generator ``i``. Exponent vectors in the
JSON form follow the same order.

Budgets
-------
A hostile certificate must not hang the checker: every intermediate
polynomial is limited to ``max_terms`` terms and total degree ``max_degree``,
every product to ``max_work`` monomial products (``len(a) * len(b)``,
checked *before* multiplying) and one call to ``50 * max_work`` products in
all. Exceeding one raises :class:`FormatError` with a message containing
``"polynomial too large"``.
"""

from __future__ import annotations

import math

import flint

from ..format import FormatError, parse_rational

MAX_TERMS = 200_000          # terms of any one polynomial
MAX_DEGREE = 10_000          # total degree of any one polynomial
MAX_EXPONENT = 10_000        # one exponent in the JSON form
_INT = frozenset({int})
WORK_FACTOR = 100            # max_work = WORK_FACTOR * max_terms monomial products per multiplication
TOTAL_FACTOR = 50            # and TOTAL_FACTOR * max_work products over one call (about a minute at most)


class _Budget:
    """Size guards for products and sums (raise before flint gets a hopeless job)."""

    def __init__(self, max_terms, max_degree, max_work, what):
        for name, x in (("max_terms", max_terms), ("max_degree", max_degree)):
            if type(x) is not int or x < 1:
                raise ValueError(f"{name} must be a positive int")
        self.max_terms, self.max_degree, self.what = max_terms, max_degree, what
        self.max_work = WORK_FACTOR * max_terms if max_work is None else max_work
        self.left = TOTAL_FACTOR * self.max_work

    def check(self, p):
        if len(p) > self.max_terms:
            raise FormatError(f"{self.what} polynomial too large: more than {self.max_terms} terms")
        if p.total_degree() > self.max_degree:
            raise FormatError(f"{self.what} polynomial too large: total degree above {self.max_degree}")
        return p

    def mul(self, a, b):
        # Both bounds are exact or upper bounds of the product's cost and size,
        # so a product that would take minutes or gigabytes is never started.
        work = len(a) * len(b)
        if work > self.max_work:
            raise FormatError(f"{self.what} polynomial too large: a product of {len(a)} and {len(b)} terms "
                              f"exceeds {self.max_work} monomial products")
        # Many products each just under the limit must not add up to hours either.
        self.left -= work
        if self.left < 0:
            raise FormatError(f"{self.what} polynomial too large: more than "
                              f"{TOTAL_FACTOR * self.max_work} monomial products in all")
        if a.total_degree() + b.total_degree() > self.max_degree:
            raise FormatError(f"{self.what} polynomial too large: total degree above {self.max_degree}")
        return self.check(a * b)


def poly_context(nvars: int):
    """The flint context of ``nvars`` variables named ``v0 .. v{nvars-1}`` (cached by flint)."""
    return flint.fmpq_mpoly_ctx.get(tuple(f"v{i}" for i in range(nvars)), "degrevlex")


def _same_context(polys, what):
    for p in polys:
        if not isinstance(p, flint.fmpq_mpoly):
            raise FormatError(f"{what}: expected exact polynomials over Q")
    if len({id(p.context()) for p in polys}) > 1:
        raise FormatError(f"{what}: polynomials over different variable lists")


def polynomial_residuals(net, X, Y, variables, *, max_terms: int = MAX_TERMS, max_degree: int = MAX_DEGREE,
                         max_work: int | None = None):
    """The residual map H as exact polynomials over Q.

    Parameters
    ----------
    net : verifier.checker.core.evaluate.Network
        Every hidden node must have a polynomial activation (``act.coeffs``).
    X, Y : list of rows of flint.fmpq
        The data: ``len(X) == len(Y) == d``, rows of ``p`` inputs and ``l`` outputs.
    variables : list of str
        Ordered variable names: the first ``len(net.labels)`` are exactly the
        network's parameter labels (any order), the rest are extra variables.
    max_terms, max_degree, max_work : int
        Budgets (see the module docstring); ``max_work`` defaults to
        ``100 * max_terms``.

    Returns
    -------
    ctx : flint.fmpq_mpoly_ctx
        Context with one generator per entry of ``variables``, in that order.
    H : list of flint.fmpq_mpoly
        Point-major: ``H[i*l + k] = f_k(x_i) - y_ik``.

    Raises
    ------
    FormatError
        On a variable list that does not start with the labels, data of the
        wrong shape, a non-polynomial activation or an exceeded budget.
    """
    labels = net.labels
    if not isinstance(variables, (list, tuple)) or not all(isinstance(s, str) for s in variables):
        raise FormatError("variables must be a list of strings")
    if len(set(variables)) != len(variables):
        raise FormatError("variables contain a repeated name")
    n = len(labels)
    if len(variables) < n or set(variables[:n]) != set(labels):
        raise FormatError(f"variables must start with the network's {n} parameter labels")
    if not isinstance(X, (list, tuple)) or not isinstance(Y, (list, tuple)) or len(X) != len(Y):
        raise FormatError("data X and Y must be lists of the same length")
    p, l = len(net.inputs), len(net.outputs)
    if any(not isinstance(r, (list, tuple)) or len(r) != p for r in X) or \
            any(not isinstance(r, (list, tuple)) or len(r) != l for r in Y):
        raise FormatError(f"data rows must have {p} inputs and {l} outputs")
    hidden = [v for gen in net.generations for v in gen if net.kind[v] == "hidden"]
    for v in hidden:
        if net.act[v] is None or net.act[v].coeffs is None:
            name = getattr(net.act[v], "name", None)
            raise FormatError(f"hidden node {v!r} has the non-polynomial activation {name!r}; "
                              "algebraic certificates need polynomial activations")
    budget = _Budget(max_terms, max_degree, max_work, "residual")
    ctx = poly_context(len(variables))
    gens = ctx.gens()
    var = {lab: gens[i] for i, lab in enumerate(variables[:n])}
    # Activations with trailing zero coefficients trimmed (Horner then starts at the true degree).
    coeffs = {}
    for v in hidden:
        cs = [flint.fmpq(c) for c in net.act[v].coeffs]
        while len(cs) > 1 and cs[-1] == 0:
            cs.pop()
        coeffs[v] = cs
    H = []
    for x, y in zip(X, Y):
        out = {u: ctx.constant(flint.fmpq(x[j])) for j, u in enumerate(net.inputs)}
        for gen in net.generations:
            for v in gen:
                out[v] = _node_value(net, v, out, var, coeffs, budget, ctx)
        for k, o in enumerate(net.outputs):
            H.append(out[o] - flint.fmpq(y[k]))
    return ctx, H


def cut_map(net, X, Y, nodes, before: bool, inner: str, outer_labels, supports=None, *, middle=None,
            max_terms: int = MAX_TERMS):
    """Psi for a cut of the network: the residuals as polynomials in the cut's variables and the labels above it.

    ``nodes``: the cut (hidden nodes); ``before``: the cut's variables are pre-activations (Psi applies the
    cut's activations); ``inner``: ``"values"`` (one variable per distinct input and cut node, point-major in
    the order of first occurrence: points with equal inputs have equal values) or
    ``"coefficients"`` (one per monomial of ``supports[v]``, the x-support of the cut node, node by node);
    ``outer_labels``: the labels of the nodes above the cut, as Psi's last variables, in this order.
    Returns (psi, N), or (None, why) when the cut does not separate: every output must lie above it, and every
    node above it must read only nodes above it or on it. Then ``H(w) = Psi(phi(w))`` for the polynomial map
    phi of the cut's values (or coefficients) and the labels above: nothing about phi needs expanding.

    ``middle`` = [(nodes B, before_B, supports), ...]: later cuts, each above the one before it. Each node of B (its
    pre-activation with before_B, Psi then applying B's activation) is a polynomial in the previous cut's values
    (after their activation) with coefficients polynomial in w, one variable of Psi per monomial of its support
    (cut by cut, node by node, after the first cut's variables); ``supports[b]`` must contain that support (the
    caller derives it from the graph: ``funcspace.node_supports`` with the previous cut as sources). The last
    cut must separate like a cut (it may be the outputs themselves), and ``outer_labels`` are then the labels
    above it.
    """
    cut = list(nodes)
    C = set(cut)
    succ = {}
    for v, preds in net.preds.items():
        for u, _ in preds:
            succ.setdefault(u, []).append(v)

    def descendants(start):
        found, stack = set(), list(start)
        while stack:
            for v in succ.get(stack.pop(), []):
                if v not in found and v not in start:
                    found.add(v)
                    stack.append(v)
        return found

    above = descendants(C)
    if not all(o in above for o in net.outputs):
        return None, "an output does not lie above the cut"
    if any(u not in above and u not in C for v in above for u, _ in net.preds[v]):
        return None, "a node above the cut reads a node below it"
    # ``middle``: later cuts, each a list of nodes above the previous one whose values are polynomials in it
    hops = [(list(h[0]), h[1], h[2]) for h in (middle or [])]
    top, prev = above, C
    for mid_nodes, mid_before, _ in hops:
        if not mid_nodes or not set(mid_nodes) <= descendants(prev):
            return None, "a later cut's nodes do not all lie above the cut before it"
        if mid_before and any(net.kind[v] != "hidden" for v in mid_nodes):
            return None, "an output node has no activation to apply"
        prev = set(mid_nodes)
    if hops:
        top = descendants(prev)
        if not all(o in top or o in prev for o in net.outputs):
            return None, "an output does not lie above or on the last cut"
        if any(u not in top and u not in prev for v in top for u, _ in net.preds[v]):
            return None, "a node above the last cut reads a node below it"
    used = {lab for v in top for _, lab in net.preds[v]} | {net.bias[v] for v in top if net.bias[v] is not None}
    if sorted(outer_labels) != sorted(used) or len(set(outer_labels)) != len(outer_labels):
        return None, "the labels above the cut are not the stated ones"
    k = len(cut)
    where = distinct_inputs(X)
    if inner == "values":
        n_in = k * (max(where) + 1 if where else 0)
    else:
        offsets, n_in = [], 0
        for v in cut:
            offsets.append(n_in)
            n_in += len(supports[v])
    offs, n_mid = [], 0                 # per hop, per node: the offset of its coefficients
    for mid_nodes, _, mid_sup in hops:
        offs.append([])
        for v in mid_nodes:
            offs[-1].append(n_in + n_mid)
            n_mid += len(mid_sup[v])
    N = n_in + n_mid + len(outer_labels)
    budget = _Budget(max_terms, MAX_DEGREE, None, "cut map")
    ctx = poly_context(N)
    gens = ctx.gens()
    var = {lab: gens[n_in + n_mid + j] for j, lab in enumerate(outer_labels)}
    coeffs = {}
    for v in list(above) + cut:
        if net.kind[v] == "hidden":
            cs = [flint.fmpq(c) for c in net.act[v].coeffs]
            while len(cs) > 1 and cs[-1] == 0:
                cs.pop()
            coeffs[v] = cs
    order = [v for gen in net.generations for v in gen if v in top]
    psi = []
    for i, (x, y) in enumerate(zip(X, Y)):
        out = {}
        for s, v in enumerate(cut):
            if inner == "values":
                z = gens[where[i] * k + s]
            else:
                z = ctx.constant(0)
                for j, beta in enumerate(supports[v]):
                    m = flint.fmpq(1)
                    for xj, e in zip(x, beta):
                        m *= flint.fmpq(xj) ** e
                    z = budget.check(z + gens[offsets[s] + j] * m)
            out[v] = _horner(coeffs[v], z, budget, ctx) if before else z
        prev_nodes = cut
        for (mid_nodes, mid_before, mid_sup), off_h in zip(hops, offs):
            vals, out, powers = [out[v] for v in prev_nodes], {}, {}
            for v, off in zip(mid_nodes, off_h):
                z = ctx.constant(0)
                for j, gamma in enumerate(mid_sup[v]):
                    m = gens[off + j]
                    for s, e in enumerate(gamma):
                        if e:
                            for f in range(1, e + 1):
                                if (s, f) not in powers:
                                    powers[(s, f)] = vals[s] if f == 1 else budget.mul(powers[(s, f - 1)], vals[s])
                            m = budget.mul(m, powers[(s, e)])
                    z = budget.check(z + m)
                out[v] = _horner(coeffs[v], z, budget, ctx) if mid_before else z
            prev_nodes = mid_nodes
        for v in order:
            out[v] = _node_value(net, v, out, var, coeffs, budget, ctx)
        for j, o in enumerate(net.outputs):
            psi.append(out[o] - flint.fmpq(y[j]))
    return psi, N


def distinct_inputs(X) -> list:
    """For each data point, the index of its input among the distinct inputs in order of first occurrence."""
    first, where = {}, []
    for x in X:
        where.append(first.setdefault(tuple(flint.fmpq(c) for c in x), len(first)))
    return where


def _node_value(net, v, out, var, coeffs, budget, ctx):
    """Node v's value from its sources' values ``out`` and the label variables ``var``, under the budget."""
    z = var[net.bias[v]] if net.bias[v] is not None else ctx.constant(0)
    for u, lab in net.preds[v]:
        z = budget.check(z + budget.mul(out[u], var[lab]))
    return _horner(coeffs[v], z, budget, ctx) if net.kind[v] == "hidden" else z


def _horner(cs, z, budget, ctx):
    """sigma(z) = c0 + c1 z + ... by Horner's rule, every step under the budget."""
    acc = ctx.constant(cs[-1])
    for c in reversed(cs[:-1]):
        acc = budget.check(budget.mul(acc, z) + c)
    return acc


def poly_from_json(obj, ctx, nvars: int, *, max_terms: int = MAX_TERMS):
    """Read ``{"terms": [[coef, [e_0, ..., e_{nvars-1}]], ...]}`` into ``ctx``.

    ``coef`` is an exact rational (``"-3/7"``, ``"2"``; see
    :func:`verifier.checker.format.parse_rational`); exponents are ints in
    ``[0, 10^4]``; repeated exponent vectors add up. ``nvars`` may be less
    than ``ctx.nvars()``: the missing trailing exponents are 0.

    Raises
    ------
    FormatError
        On any other shape, more than ``max_terms`` terms, a bool, negative or
        oversized exponent or an exponent vector of the wrong length.
    """
    if type(nvars) is not int or not 0 <= nvars <= ctx.nvars():
        raise FormatError(f"polynomial: {nvars!r} variables do not fit a context of {ctx.nvars()}")
    if not isinstance(obj, dict) or set(obj) != {"terms"} or not isinstance(obj["terms"], list):
        raise FormatError('a polynomial must be {"terms": [[coefficient, [exponents]], ...]}')
    terms = obj["terms"]
    if len(terms) > max_terms:
        raise FormatError(f"polynomial too large: {len(terms)} terms (at most {max_terms})")
    pad = (0,) * (ctx.nvars() - nvars)
    acc, seen = {}, {}
    for t in terms:
        if type(t) is not list or len(t) != 2 or type(t[1]) is not list or len(t[1]) != nvars:
            raise FormatError(f"polynomial term must be [coefficient, [{nvars} exponents]]")
        c, e = t
        # Exact type int rejects bools (a subclass of int) and floats; map(type) keeps the loop in C.
        if not set(map(type, e)) <= _INT or (e and (min(e) < 0 or max(e) > MAX_EXPONENT)):
            raise FormatError(f"polynomial exponents must be integers between 0 and {MAX_EXPONENT}")
        # Cache parsed strings only: the int 1 and True hash alike, and a bool must still be rejected.
        q = seen.get(c) if type(c) is str else None
        if q is None:
            q = parse_rational(c)
            if type(c) is str and len(seen) < 4096:
                seen[c] = q
        key = tuple(e) + pad
        acc[key] = acc[key] + q if key in acc else q
    return ctx.from_dict(acc)


def poly_to_json(p) -> dict:
    """The JSON form read by :func:`poly_from_json`, terms in flint's (degrevlex) order."""
    # str(fmpq) is already canonical ("3", "-3/7", lowest terms), the same text as rational_str, and cheaper.
    return {"terms": [[str(c), list(map(int, m))] for m, c in zip(p.monoms(), p.coeffs())]}


def check_combination(cofactors, generators, *, max_terms: int = MAX_TERMS, max_work: int | None = None) -> bool:
    """Exactly whether ``sum_i cofactors[i] * generators[i] == 1``.

    Raises
    ------
    FormatError
        If the lists differ in length, mix variable lists, or a product or the
        running sum exceeds the budget.
    """
    cofactors, generators = list(cofactors), list(generators)
    if len(cofactors) != len(generators):
        raise FormatError(f"{len(cofactors)} cofactors for {len(generators)} generators")
    if not generators:
        return False
    _same_context(cofactors + generators, "combination")
    # Degree is not the danger here (cofactor exponents are bounded when read); term counts are.
    budget = _Budget(max_terms, 2**62, max_work, "combination")
    total = generators[0].context().constant(0)
    for g, F in zip(cofactors, generators):
        if g.is_zero() or F.is_zero():
            continue
        total = budget.check(total + budget.mul(g, F))
    return total.is_one()


def jacobian_polys(H, n_params: int):
    """``J[r][j] = dH_r / dv_j`` for the first ``n_params`` variables."""
    return [[h.derivative(j) for j in range(n_params)] for h in H]


def lagrange_generators(H, n_params: int, lam_offset: int, chart: int, *, max_terms: int = MAX_TERMS):
    """Generators of the Lagrange system for the singular locus of H, in chart ``chart``.

    With ``m = len(H)`` and multipliers ``lam_r`` = variable ``lam_offset + r``,
    a point where the Jacobian has rank < m is a common zero of (in this order,
    which the certificate's cofactor lists follow):

    1. ``H_0, ..., H_{m-1}``                             (m generators),
    2. ``sum_r lam_r * dH_r/dv_j`` for ``j = 0 .. n_params-1`` (n_params generators),
    3. ``lam_chart - 1``                                 (one generator).

    Chart ``c`` normalises ``lam_c = 1``; the charts ``0 .. m-1`` together cover
    every nonzero multiplier vector, so a Nullstellensatz certificate in every
    chart proves that 0 is a regular value of H.
    """
    m = len(H)
    if m == 0:
        raise FormatError("lagrange system of an empty residual map")
    _same_context(H, "lagrange system")
    ctx = H[0].context()
    if type(lam_offset) is not int or lam_offset < n_params or lam_offset + m > ctx.nvars():
        raise FormatError(f"lagrange multipliers v{lam_offset}.. do not fit {ctx.nvars()} variables")
    if type(chart) is not int or not 0 <= chart < m:
        raise FormatError(f"lagrange chart must be an integer in [0, {m})")
    gens = ctx.gens()
    lam = gens[lam_offset:lam_offset + m]
    budget = _Budget(max_terms, 2**62, None, "lagrange")
    out = list(H)
    for j in range(n_params):
        s = ctx.constant(0)
        for r, h in enumerate(H):
            s = budget.check(s + budget.mul(lam[r], h.derivative(j)))
        out.append(s)
    out.append(lam[chart] - 1)
    return out


MAX_MINORS = 1000              # maximal minors C(n, m) of the Jacobian the singular-locus ideal may list
MAX_MINOR_SUBSETS = 20000      # column subsets the Laplace recursion visits in all


def maximal_minors(H, n_params: int, *, max_terms: int = MAX_TERMS) -> list:
    """The m x m minors of the Jacobian ``J[r][j] = dH_r/dv_j`` (m = len(H), j < n_params), one per
    column subset in ``itertools.combinations(range(n_params), m)`` order (zero minors included).

    With the residuals H they generate the singular-locus ideal: V(H, minors) is the set of zeros of H
    where rank J < m, so 1 in that ideal proves that 0 is a regular value of H. Computed by Laplace
    expansion along the rows, sharing the minors of the first k rows between column subsets. Empty when
    n_params < m (there is no m x m minor: rank J < m everywhere). Raises FormatError past the budgets.
    """
    import itertools
    import math
    m = len(H)
    if m == 0:
        raise FormatError("minors of an empty residual map")
    _same_context(H, "minors")
    if type(n_params) is not int or not 0 <= n_params <= H[0].context().nvars():
        raise FormatError("minors: bad number of parameters")
    if n_params < m:
        return []
    if math.comb(n_params, m) > MAX_MINORS:
        raise FormatError(f"{math.comb(n_params, m)} maximal minors: more than {MAX_MINORS}")
    if sum(math.comb(n_params, k) for k in range(m + 1)) > MAX_MINOR_SUBSETS:
        raise FormatError(f"the Laplace expansion of the minors visits more than {MAX_MINOR_SUBSETS} subsets")
    ctx = H[0].context()
    J = jacobian_polys(H, n_params)
    budget = _Budget(max_terms, 2**62, None, "minor")
    D = {(): ctx.constant(1)}
    for k in range(m):
        nxt = {}
        for S in itertools.combinations(range(n_params), k + 1):
            s = ctx.constant(0)
            for pos, j in enumerate(S):
                a, b = J[k][j], D[S[:pos] + S[pos + 1:]]
                if a.is_zero() or b.is_zero():
                    continue
                t = budget.mul(a, b)
                s = budget.check(s + t if (k + pos) % 2 == 0 else s - t)
            nxt[S] = s
        D = nxt
    return [D[S] for S in itertools.combinations(range(n_params), m)]


def vanishes_identically(H, n_params: int, field, *, max_terms: int = MAX_TERMS, cache: dict | None = None) -> bool:
    """Whether ``sum_j field[j] * dH_r/dv_j == 0`` identically for every r.

    ``field`` lists the ``n_params`` polynomial components of a vector field on
    parameter space; True means every residual is constant along its flow (the
    field is tangent to every level set of H). ``cache`` (a dict, one per H) keeps H's exponent vectors between
    calls for several scaling fields.
    """
    field = list(field)
    if len(field) != n_params:
        raise FormatError(f"vector field has {len(field)} components for {n_params} parameters")
    if not H:
        return True
    _same_context(list(H) + field, "vector field")
    weights = _diagonal_weights(field)
    if weights is not None:
        # v_j = c_j u_j: sum_j c_j u_j dh/du_j multiplies each term u^e of h by sum_j c_j e_j, and distinct terms
        # cannot cancel, so the field annihilates h exactly when that sum is 0 on every exponent of h
        # (no products: a scaling field of a large Psi is checked in one pass over its exponents)
        den = 1
        for c in weights:
            den = den * int(c.q) // math.gcd(den, int(c.q))
        nz = [(j, int(c.p) * (den // int(c.q))) for j, c in enumerate(weights) if c != 0]
        cache = {} if cache is None else cache
        if "exponents" not in cache:
            cache["exponents"] = exps = set()
            for h in H:
                exps.update(h.monoms())
        exps = cache["exponents"]
        return all(sum(c * e[j] for j, c in nz) == 0 for e in exps)
    return _combinations_vanish((((c, h, j) for j, c in enumerate(field)) for h in H),
                                _Budget(max_terms, 2**62, None, "vector field"))


def _diagonal_weights(field):
    """[c_j] when every component is ``c_j * u_j`` (c_j rational, possibly 0), else None."""
    out = []
    for j, c in enumerate(field):
        if c.is_zero():
            out.append(flint.fmpq(0))
            continue
        if len(c) != 1:
            return None
        e = c.monoms()[0]
        if e[j] != 1 or sum(e) != 1:
            return None
        out.append(flint.fmpq(c.coeffs()[0]))
    return out


def composition_equals(psi, phi, H, *, max_terms: int = MAX_TERMS) -> bool:
    """Whether ``psi[r](phi[0], ..., phi[N-1]) == H[r]`` for every r, by exact expansion.

    ``psi`` lives in a context of ``N = len(phi)`` variables, ``phi`` and ``H`` in the parameters' context. Each
    term of psi is a product of cached powers of the phi's, every product under the size guards."""
    psi, phi, H = list(psi), list(phi), list(H)
    if len(psi) != len(H) or not H:
        return False
    _same_context(psi, "composition")
    if psi[0].context().nvars() != len(phi):
        raise FormatError(f"composition: {len(phi)} inner polynomials for {psi[0].context().nvars()} variables")
    _same_context(phi + H, "composition")
    budget = _Budget(max_terms, MAX_DEGREE, None, "composition")
    zero = H[0] * 0
    powers = [[zero + 1, f] for f in phi]          # powers[j][e] = phi[j]^e, grown on demand

    def power(j, e):
        row = powers[j]
        while len(row) <= e:
            row.append(budget.mul(row[-1], phi[j]))
        return row[e]

    for p, h in zip(psi, H):
        acc = zero
        for e, c in zip(p.monoms(), p.coeffs()):
            t = zero + c
            for j, ej in enumerate(e):
                if ej:
                    t = budget.mul(t, power(j, ej))
            acc = budget.check(acc + t)
        if acc != h:
            return False
    return True


def _combinations_vanish(groups, budget) -> bool:
    """Whether, for every group of (c, h, j) triples, ``sum c * dh/dv_j`` is the zero polynomial (the shared core
    of a field's J v = 0 and a left vector's u^T J = 0; a derivative is taken only where c != 0)."""
    for group in groups:
        s = None
        for c, h, j in group:
            if c.is_zero():
                continue
            term = budget.mul(c, h.derivative(j))
            s = budget.check(term if s is None else s + term)
        if s is not None and not s.is_zero():
            return False
    return True


def left_vanishes_identically(H, n_params: int, row, *, max_terms: int = MAX_TERMS) -> bool:
    """Whether ``sum_r row[r] * dH_r/dv_j == 0`` identically for every parameter j (``row^T J == 0``).

    ``row`` lists one polynomial per residual; True means ``sum_r row[r] dH_r`` is the zero form, so the
    residuals' gradients are dependent everywhere and rank J <= l*d - (independent such rows)."""
    row = list(row)
    if len(row) != len(H):
        raise FormatError(f"left kernel vector has {len(row)} components for {len(H)} residuals")
    if not H:
        return True
    _same_context(list(H) + row, "left kernel vector")
    return _combinations_vanish((((c, h, j) for c, h in zip(row, H)) for j in range(n_params)),
                                _Budget(max_terms, 2**62, None, "left kernel vector"))


def evaluate_exact(H, values):
    """``[h(values) for h in H]`` exactly, ``values`` a list of rationals in variable order."""
    if not H:
        return []
    _same_context(H, "evaluation")
    nv = H[0].context().nvars()
    if not isinstance(values, (list, tuple)) or len(values) != nv:
        raise FormatError(f"evaluation point must have {nv} coordinates")
    vals = [flint.fmpq(v) for v in values]
    return [flint.fmpq(h(*vals)) for h in H]
