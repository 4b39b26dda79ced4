"""Upper bounds on the generic rank of J from a factorization H = Psi o phi through a cut of the network.

If the residual map factors as ``H(w) = Psi(phi(w))`` with ``phi: Q^n -> Q^N`` and ``Psi: Q^N -> Q^m``
polynomial, the chain rule gives ``J_H(w) = J_Psi(phi(w)) J_phi(w)``, so at every w the rank of J_H is at most
the rank of J_Psi at phi(w), hence at most the generic rank of J_Psi. If k polynomial fields v(u) with
``J_Psi(u) v(u) = 0`` identically are independent at one point, they are independent on a dense open set,
which meets the dense open set where J_Psi has its generic rank: the generic rank of J_H is ``<= N - k``.

This closes gaps that the network's own symmetry fields leave where the rank deficiency comes from a
bottleneck, for instance two outputs behind a width-1 layer (the outputs ``a_o z(x_i)`` form a rank-one
l x d matrix: N = l + d values, one scaling field) or a layer whose pre-activation lies in a small space
of polynomials in x (its coefficients are the N values). The kernel of J_H over Q(w) itself has vectors of
high degree there (Cramer's rule and Singular's ``syz`` run out of time), while Psi is small and its
fields are scalings found by linear algebra on exponent vectors, or affine fields ``A u + b`` found mod p and
lifted (:func:`affine_fields`).

A *cut* is a topological generation g of the DAG that every path from an input to an output crosses: no
edge jumps from below g to above it, and no output lies at or below g. Psi's variables describe

* the cut's values (before or after the cut's activation), as ``values`` (one per node and distinct input),
  ``coefficients`` (of the node's polynomial in x, one per monomial) or ``parameters`` (the labels below
  the cut, used as they are); and
* the part above the cut, as ``parameters`` (its labels) or ``coefficients`` (each output as a polynomial
  in the cut's values, one variable per coefficient).

:func:`factorizations` tries every combination on every cut and returns the best bounds first; the solver
checks ``Psi(phi(w)) == H(w)`` by expansion, and the checker again, so nothing here is trusted.
:func:`cut_factorizations` needs no expansion of H (it serves where H is too large, and where the expanded
search leaves a gap): the cut's values or coefficients, then optionally a chain of later cuts, each node a
polynomial in the previous cut's values (the outputs may be the last), then the labels above the last cut.
H = Psi o phi holds by the graph alone, and the checker rebuilds Psi from the network and the data.
Hand-written: no library factors a polynomial map through a network's cut.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import flint
from flint import fmpq

from ..errors import BudgetExceeded
from .polys import polynomial_activation_coeffs

__all__ = ["CutFactorization", "Factorization", "cut_factorizations", "factorizations", "torus_fields"]

MAX_VARIABLES = 400           # Psi's variables; a larger N rarely beats the network's own bound


@dataclass
class Factorization:
    """``H = Psi o phi`` with Psi's scaling fields. ``phi`` lives in the system's context, ``psi`` in ``ctx``."""

    description: str
    names: list
    phi: list
    psi: list
    ctx: object
    fields: list          # [(description, components)] with J_Psi v = 0 identically
    point: list           # rationals, one per Psi variable
    rank: int             # rank of the fields at ``point``

    @property
    def bound(self) -> int:
        return len(self.names) - self.rank

    def composes(self, H) -> bool:
        """Whether ``Psi(phi(w)) == H(w)`` for every residual, by exact expansion."""
        if len(self.psi) != len(H):
            return False
        wctx = H[0].context()
        return all(p.compose(*self.phi, ctx=wctx) == h for p, h in zip(self.psi, H))


def torus_fields(polys, ctx) -> tuple:
    """(fields, point, rank): the scalings ``u_j -> t^lambda_j u_j`` that leave every polynomial unchanged.

    A scaling fixes a polynomial exactly when ``lambda . e = 0`` for each of its exponent vectors e, so the
    lambdas are the null space of the exponent matrix; the field ``v_j(u) = lambda_j u_j`` then has
    ``J v = 0`` identically, and independent lambdas give fields of that rank at any point with no zero
    coordinate."""
    N = ctx.nvars()
    rows = sorted({e for p in polys for e in p.monoms() if any(e)})
    if not rows:
        return [], [], 0
    X, nullity = flint.fmpz_mat([list(e) for e in rows]).nullspace()
    gens = ctx.gens()
    fields = []
    for c in range(nullity):
        lam = [int(X[j, c]) for j in range(N)]
        comp = [gens[j] * lam[j] for j in range(N)]
        fields.append((f"scaling of Psi's variables by t^({', '.join(map(str, lam))})", comp))
    rng = random.Random(N)
    point = [fmpq(rng.choice([-1, 1]) * rng.randint(1, 50), rng.randint(1, 7)) for _ in range(N)]
    return fields, point, nullity


def _generations(net) -> dict:
    gen = {v: 0 for v in net.inputs}
    for v in net.order:
        gen[v] = 1 + max((gen[u] for u, _ in net.in_edges(v)), default=0)
    return gen


def _cuts(net) -> list:
    """[(g, cut nodes)] for each generation every input-output path crosses."""
    gen = _generations(net)
    top = max(gen[o] for o in net.outputs)
    out = []
    for g in range(1, top):
        if any(gen[o] <= g for o in net.outputs):
            break
        if all(gen[u] >= g for v in net.order if gen[v] > g for u, _ in net.in_edges(v)):
            out.append((g, [v for v in net.order if gen[v] == g]))
    return out


class _Pass:
    """Forward passes over a set of nodes with polynomials for parameters and starting values."""

    def __init__(self, net):
        self.net = net
        self.coeffs = {v: polynomial_activation_coeffs(net, v) for v in net.order if net.kind(v) != "output"}

    @staticmethod
    def activate(cs, z, max_terms, deadline):
        """sigma(z) by Horner's rule (as ``apply_activation``), one guarded product a step."""
        out = z * 0
        for c in reversed(cs):
            out = _guarded_mul(out, z, max_terms) + c
            _tick(deadline)
        return out

    def run(self, nodes, start, param, zero, *, activate=(), keep=(), max_terms=200_000, deadline=None):
        """Values of ``nodes`` (topological) from ``start``. Nodes in ``activate`` (starting ones) get their
        activation applied first; nodes in ``keep`` keep their pre-activation value. Every product is guarded
        (``_guarded_mul``) and ``deadline`` is checked between them: one product cannot be interrupted."""
        net, o = self.net, dict(start)

        def act(cs, z):
            return self.activate(cs, z, max_terms, deadline)

        for v in activate:
            o[v] = act(self.coeffs[v], o[v])
        for v in nodes:
            z = param(net.bias(v)) if net.bias(v) is not None else zero
            for u, lab in net.in_edges(v):
                z = z + _guarded_mul(param(lab), o[u], max_terms)
            if net.kind(v) != "output" and v not in keep:
                z = act(self.coeffs[v], z)
            if len(z) > max_terms:
                raise BudgetExceeded(f"a polynomial grew past {max_terms} terms at node {v!r}")
            o[v] = z
        return o


def distinct_inputs(X) -> list:
    """For each data point, the index of its input among the distinct inputs in order of first occurrence:
    points with equal inputs share the cut's values, so Psi gets one set of variables per distinct input."""
    first, where = {}, []
    for x in X:
        where.append(first.setdefault(tuple(fmpq(c) for c in x), len(first)))
    return where


def _split(poly, nw: int, wctx):
    """Group a polynomial in (w, extra) by the exponents of the extra variables: {extra exponents: w-poly}."""
    groups = {}
    for e, c in zip(poly.monoms(), poly.coeffs()):
        groups.setdefault(tuple(e[nw:]), {})[tuple(e[:nw])] = c
    return {k: wctx.from_dict(v) for k, v in sorted(groups.items())}


def factorizations(ps, *, deadline: float | None = None, max_terms: int = 200_000, limit: int | None = None,
                   target: int = 0) -> list:
    """Factorizations of ``ps.H`` through a cut whose bound ``N - k`` is below ``limit``, best first.

    Candidates are built in order of their number N of variables (the cut's polynomials are expanded once per
    cut and side), and the search stops at the first bound ``<= target`` (the lower bound: nothing can beat
    it) or at ``deadline`` (time.monotonic()). Each one returned has been checked to compose back to H."""
    if limit is None:
        limit = min(ps.n, ps.m)
    search = _Search(ps, max_terms, deadline)
    found, tries = [], [AFFINE_TRIES]
    try:
        plans = sorted(search.plans(), key=lambda t: t[0])
        for N, plan in plans:
            if N > MAX_VARIABLES:
                break
            try:
                f = search.build(*plan)
                f = _maybe_affine(f, target, tries, deadline)
            except BudgetExceeded:
                if deadline is not None and time.monotonic() > deadline:
                    break
                continue
            if f.bound < limit and f.composes(ps.H):
                found.append(f)
                if f.bound <= target:
                    break
    except BudgetExceeded:
        pass                                  # out of time while expanding a cut: keep what was found
    return sorted(found, key=lambda f: (f.bound, len(f.names)))


def _tick(deadline):
    if deadline is not None and time.monotonic() > deadline:
        raise BudgetExceeded("the factorization search ran out of time")


class _Search:
    """The cuts of one system, the sides' variables (expanded once each, on demand) and Psi for a combination."""

    def __init__(self, ps, max_terms, deadline):
        self.ps, self.net, self.data = ps, ps.network, ps.data
        self.max_terms, self.deadline = max_terms, deadline
        self.w = ps.ctx.gens()
        self.index = {lab: j for j, lab in enumerate(self.net.labels)}
        self.fp = _Pass(self.net)
        self.cache = {}
        self.where = distinct_inputs(self.data.X)
        self.reps = [self.where.index(j) for j in range(len(set(self.where)))]

    def plans(self):
        """[(N, (g, cut, pre, inner, outer))] for every combination, N counted from the cached expansions."""
        net, gen = self.net, _generations(self.net)
        out = []
        for g, cut in _cuts(net):
            below = [v for v in net.order if gen[v] <= g]
            above = [v for v in net.order if gen[v] > g]
            in_labels = list(dict.fromkeys([lab for v in below for _, lab in net.in_edges(v)]
                                           + [net.bias(v) for v in below if net.bias(v) is not None]))
            out_labels = list(dict.fromkeys([lab for v in above for _, lab in net.in_edges(v)]
                                            + [net.bias(v) for v in above if net.bias(v) is not None]))
            shared = set(in_labels) & set(out_labels)
            for pre in (True, False):
                if pre and any(self.fp.coeffs[v] == (0, 1) for v in cut):
                    continue          # an identity activation: pre and post are the same cut
                sides = (g, tuple(cut), tuple(below), tuple(above), tuple(in_labels), tuple(out_labels), pre)
                sizes = {"values": len(cut) * len(self.reps), "parameters": len(in_labels)}
                for inner in ("values", "coefficients", "parameters"):
                    for outer in ("parameters", "coefficients"):
                        if inner == "parameters" and outer == "parameters":
                            continue
                        try:
                            n_in = sizes[inner] if inner in sizes else len(self.inner(sides, inner)[0])
                            n_out = (len(out_labels) - (len(shared) if inner == "parameters" else 0)
                                     if outer == "parameters" else len(self.outer(sides)[0]))
                        except BudgetExceeded:
                            if self.deadline is not None and time.monotonic() > self.deadline:
                                return out
                            continue
                        out.append((n_in + n_out, (sides, inner, outer)))
        return out

    def inner(self, sides, inner):
        """(names, phi, monomials) for the cut's variables; ``monomials`` per cut node for ``coefficients``."""
        key = ("inner", sides, inner)
        if key in self.cache:
            return self.cache[key]
        g, cut, below, _, in_labels, _, pre = sides
        net, w, index = self.net, self.w, self.index
        place = "pre-activation" if pre else "value"
        keep = set(cut) if pre else set()
        names, phi, monos = [], [], []
        one_w = w[0] * 0 + 1
        if inner == "values":
            for i in self.reps:
                x = self.data.X[i]
                _tick(self.deadline)
                o = self.fp.run(below, {u: one_w * x[j] for j, u in enumerate(net.inputs)},
                                lambda lab: w[index[lab]], one_w * 0, keep=keep, max_terms=self.max_terms)
                for v in cut:
                    names.append(f"{place} of {v} at point {i + 1}")
                    phi.append(o[v])
        elif inner == "coefficients":
            _tick(self.deadline)
            o = self._expand(below, net.inputs, "x", keep=keep)
            monos = self._coefficient_variables(o, cut, names, phi,
                                                lambda beta, v: f"coefficient of x^{beta} in the {place} of {v}")
        else:
            for lab in in_labels:
                names.append(lab)
                phi.append(w[index[lab]])
        self.cache[key] = names, phi, monos
        return self.cache[key]

    def _expand(self, nodes, starts, prefix, **kw):
        """A forward pass over ``nodes`` in the parameters and one extra variable per node of ``starts``."""
        nw = self.ps.n
        ctx = flint.fmpq_mpoly_ctx.get([f"w{j}" for j in range(nw)] + [f"{prefix}{j}" for j in range(len(starts))],
                                       "degrevlex")
        g = ctx.gens()
        return self.fp.run(nodes, {u: g[nw + j] for j, u in enumerate(starts)}, lambda lab: g[self.index[lab]],
                           g[0] * 0, max_terms=self.max_terms, **kw)

    def _coefficient_variables(self, o, targets, names, phi, describe) -> list:
        """One new variable (name and phi) per monomial in the extra variables of ``o[v]``, for each v in
        ``targets``; per target, [(exponents, variable index)]."""
        rows = []
        for v in targets:
            row = []
            for e, coef in _split(o[v], self.ps.n, self.ps.ctx).items():
                row.append((e, len(names)))
                names.append(describe(e, v))
                phi.append(coef)
            rows.append(row)
        return rows

    def outer(self, sides):
        """(names, phi, terms): each output as a polynomial in the cut's values, one variable per coefficient."""
        key = ("outer", sides)
        if key in self.cache:
            return self.cache[key]
        _tick(self.deadline)
        g, cut, _, above, _, _, pre = sides
        place = "pre-activation" if pre else "value"
        o = self._expand(above, cut, "t", activate=cut if pre else ())
        names, phi = [], []
        terms = self._coefficient_variables(
            o, self.net.outputs, names, phi,
            lambda gamma, out: f"coefficient of the cut's {place}s^{gamma} in output {out}")
        self.cache[key] = names, phi, terms
        return self.cache[key]

    def build(self, sides, inner, outer):
        """The factorization for one combination (not yet checked to compose back to H)."""
        g, cut, below, above, in_labels, out_labels, pre = sides
        net, data = self.net, self.data
        k, max_terms = len(cut), self.max_terms
        keep = set(cut) if pre else set()
        names, phi, monos = (list(x) for x in self.inner(sides, inner))
        n_inner = len(names)
        if outer == "parameters":
            for lab in out_labels:
                if not (inner == "parameters" and lab in in_labels):
                    names.append(lab)
                    phi.append(self.w[self.index[lab]])
        else:
            o_names, o_phi, kterms = self.outer(sides)
            kterms = [[(gamma, j + n_inner) for gamma, j in row] for row in kterms]
            names += o_names
            phi += o_phi
        N = len(names)
        uctx = flint.fmpq_mpoly_ctx.get(("u", N), "degrevlex")
        u = uctx.gens()
        zero_u = u[0] * 0
        one_u = zero_u + 1
        uvar = {lab: u[j] for j, lab in enumerate(names)}
        psi = []                                  # point-major like H
        for i, (x, y) in enumerate(zip(data.X, data.Y)):
            _tick(self.deadline)
            if inner == "values":
                cv = {v: u[self.where[i] * k + s] for s, v in enumerate(cut)}
            elif inner == "coefficients":
                cv = {}
                for v, row in zip(cut, monos):
                    z = zero_u
                    for beta, j in row:
                        m = fmpq(1)
                        for xj, e in zip(x, beta):
                            m *= fmpq(xj) ** e
                        z += u[j] * m
                    cv[v] = z
            else:
                o = self.fp.run(below, {v: one_u * x[j] for j, v in enumerate(net.inputs)}, lambda lab: uvar[lab],
                                zero_u, keep=keep, max_terms=max_terms)
                cv = {v: o[v] for v in cut}
            if outer == "parameters":
                o = self.fp.run(above, cv, lambda lab: uvar[lab], zero_u, activate=cut if pre else (),
                                max_terms=max_terms)
                outs = [o[out] for out in net.outputs]
            else:
                outs = []
                for row in kterms:
                    z = zero_u
                    for gamma, j in row:
                        m = one_u
                        for s, e in enumerate(gamma):
                            if e:
                                m = m * cv[cut[s]] ** e
                        z += u[j] * m
                        if len(z) > max_terms:
                            raise BudgetExceeded(f"Psi grew past {max_terms} terms")
                    outs.append(z)
            psi.extend(o_ - yk for o_, yk in zip(outs, y))
        _tick(self.deadline)
        fields, point, rank = torus_fields(psi, uctx)
        desc = (f"through generation {g} ({', '.join(map(str, cut[:4]))}{', ...' if len(cut) > 4 else ''}, "
                f"{'before' if pre else 'after'} its activation): the cut as {inner}"
                f"{f' ({n_inner})' if inner != 'parameters' else ''}, the layers above as {outer}")
        return Factorization(desc, names, phi, psi, uctx, fields, point, rank)


@dataclass
class CutFactorization:
    """A factorization by the network's structure alone: Psi is the part above a cut, in the cut's values
    (at the data points) or in the coefficients of its polynomials in x, and the labels above it. H = Psi o phi
    holds because every path from an input to an output crosses the cut, so neither H nor phi is expanded:
    this is what the checker rebuilds (``verifier.checker.algebra.polys.cut_map``)."""

    description: str
    nodes: list
    before: bool
    inner: str
    outer_labels: list
    names: list
    psi: list
    fields: list
    point: list
    rank: int
    # [(nodes, before)] of later cuts above the first, each one's nodes Psi's polynomials in the previous cut's
    # values (one variable per monomial of each node's support); the outer labels are then those above the last
    middle: list = field(default_factory=list)

    @property
    def bound(self) -> int:
        return len(self.names) - self.rank


def cut_factorizations(net, data, *, deadline: float | None = None, max_terms: int = 200_000,
                       limit: int | None = None, target: int = 0) -> list:
    """Factorizations through a cut built from the graph alone (for networks whose residuals are too large to
    expand), best first: the cut's values or coefficients (before or after its activation) and the labels
    above it. Psi's variables are ordered as the checker orders them: point-major values, or each cut node's
    support in sorted order; then the labels above the cut in the network's label order."""
    from .function_space import TooLarge, node_supports
    if limit is None:
        limit = min(net.n, net.l * data.d)
    fp = _Pass(net)
    gen = _generations(net)
    n_points = len(set(distinct_inputs(data.X)))
    plans = []
    cuts = _cuts(net)

    def labels_above(g):
        above = [v for v in net.order if gen[v] > g]
        used = {lab for v in above for _, lab in net.in_edges(v)} | {net.bias(v) for v in above
                                                                      if net.bias(v) is not None}
        return above, [lab for lab in net.labels if lab in used]

    hop_cache = {}

    def hop(a, b):
        """(pre, post) supports of cut b's nodes (or of the outputs, b = None) over cut a's values, or None."""
        if (a, b) not in hop_cache:
            nodes = list(net.outputs) if b is None else cuts[b][1]
            try:
                hop_cache[(a, b)] = node_supports(net, nodes, sources=cuts[a][1])
            except (TooLarge, KeyError):
                hop_cache[(a, b)] = None
        return hop_cache[(a, b)]

    def chains(a, depth):
        """[(hops, top, top labels, coefficients)] above cut a: nothing more, later cuts (each node a polynomial
        in the previous cut's values, the layers between as its coefficients: a narrow layer above a wide one,
        where no single cut is small), or finally the outputs as polynomials in the last cut's values."""
        above, outer = labels_above(cuts[a][0])
        out = [([], above, outer, 0)]
        if depth >= MAX_HOPS:
            return out
        sup = hop(a, None)
        if sup is not None:
            outs = list(net.outputs)
            out.append(([(outs, False, sup[1])], [], [], sum(len(sup[1][v]) for v in outs)))
        for b in range(a + 1, len(cuts)):
            sup = hop(a, b)
            if sup is None:
                continue
            for before2 in (True, False):
                ms = sup[0] if before2 else sup[1]
                n = sum(len(ms[v]) for v in cuts[b][1])
                for rest, top, labels, n_rest in chains(b, depth + 1):
                    out.append(([(cuts[b][1], before2, ms)] + rest, top, labels, n + n_rest))
        return out

    for a, (g, cut) in enumerate(cuts):
        try:
            pre_sup, post_sup = node_supports(net, cut)
        except TooLarge:
            pre_sup = post_sup = None
        above_a = chains(a, 0)
        for before in (True, False):
            for inner in ("values", "coefficients"):
                sup = (pre_sup if before else post_sup) if inner == "coefficients" else None
                if inner == "coefficients" and sup is None:
                    continue
                n_in = len(cut) * n_points if sup is None else sum(len(sup[v]) for v in cut)
                for hops, top, top_labels, n_mid in above_a:
                    N = n_in + n_mid + len(top_labels)
                    if N <= MAX_VARIABLES:
                        plans.append(((N, len(hops), len(top)), (cut, top, top_labels, before, inner, sup, n_in,
                                                                 hops)))
    found, tries = [], [AFFINE_TRIES]
    # The fewest variables first, then the fewest cuts, then the fewest layers above the last cut (Psi is
    # cheapest to build there).
    for _, plan in sorted(plans, key=lambda t: t[0]):
        now = time.monotonic()
        if deadline is not None and now > deadline:
            break
        # no one plan takes more than a third of what is left (a long chain's Psi can be large)
        mine = None if deadline is None else now + max(0.5, (deadline - now) / 3)
        try:
            f = _cut_psi(net, data, fp, *plan, max_terms, mine)
        except BudgetExceeded:
            continue
        try:
            f = _maybe_affine(f, target, tries, mine)
        except BudgetExceeded:
            pass                     # the scalings' bound stands
        if f.bound < limit:
            found.append(f)
            if f.bound <= target:
                break
    return sorted(found, key=lambda f: (f.bound, len(f.names)))


MAX_PRODUCT_WORK = 50_000_000  # term pairs in one product while building Psi (a few seconds; one product cannot be
                               # interrupted)


def _guarded_mul(a, b, max_terms):
    if len(a) * len(b) > MAX_PRODUCT_WORK:
        raise BudgetExceeded(f"Psi needs a product of more than {MAX_PRODUCT_WORK} term pairs")
    out = a * b
    if len(out) > max_terms:
        raise BudgetExceeded(f"Psi grew past {max_terms} terms")
    return out


def _power(vals, s, e, cache, max_terms, deadline):
    """``vals[s] ** e`` by repeated guarded products, cached per (s, e), the deadline checked between them."""
    if (s, e) not in cache:
        cache[(s, e)] = vals[s] if e == 1 else \
            _guarded_mul(_power(vals, s, e - 1, cache, max_terms, deadline), vals[s], max_terms)
        _tick(deadline)
    return cache[(s, e)]


def _nodes(cut) -> str:
    return f"{', '.join(map(str, cut[:4]))}{', ...' if len(cut) > 4 else ''}"


def _cut_psi(net, data, fp, cut, above, outer, before, inner, sup, n_in, hops, max_terms, deadline):
    k = len(cut)
    place = "pre-activation" if before else "value"
    where = distinct_inputs(data.X)
    if inner == "values":
        names = [f"{place} of {v} at point {where.index(j) + 1}" for j in range(len(set(where))) for v in cut]
        offsets = []
    else:
        names, offsets = [], []
        for v in cut:
            offsets.append(len(names))
            names += [f"coefficient of x^{beta} in the {place} of {v}" for beta in sup[v]]
    hop_off = []                     # per later cut, per node: the offset of its coefficients
    for nodes, b, msup in hops:
        place2 = "pre-activation" if b else "value"
        hop_off.append([])
        for v in nodes:
            hop_off[-1].append(len(names))
            names += [f"coefficient of the previous cut's values^{gamma} in the {place2} of {v}" for gamma in msup[v]]
    n_low = len(names)
    names += list(outer)
    N = len(names)
    uctx = flint.fmpq_mpoly_ctx.get(("u", N), "degrevlex")
    u = uctx.gens()
    zero = u[0] * 0
    var = {lab: u[n_low + j] for j, lab in enumerate(outer)}
    psi = []
    for i, (x, y) in enumerate(zip(data.X, data.Y)):
        _tick(deadline)
        cv = {}
        for s, v in enumerate(cut):
            if inner == "values":
                cv[v] = u[where[i] * k + s]
            else:
                z = zero
                for j, beta in enumerate(sup[v]):
                    m = fmpq(1)
                    for xj, e in zip(x, beta):
                        m *= fmpq(xj) ** e
                    z += u[offsets[s] + j] * m
                cv[v] = z
        start, activate, prev, prev_before = cv, (cut if before else ()), cut, before
        for (nodes, b, msup), offs in zip(hops, hop_off):
            # each node of the next cut as a polynomial in the previous cut's values (after its activation)
            vals = [fp.activate(fp.coeffs[v], start[v], max_terms, deadline) if prev_before else start[v]
                    for v in prev]
            start, activate, prev, prev_before = {}, (nodes if b else ()), nodes, b
            powers = {}
            for v, off in zip(nodes, offs):
                z = zero
                for j, gamma in enumerate(msup[v]):
                    m = u[off + j]
                    for s, e in enumerate(gamma):
                        if e:
                            m = _guarded_mul(m, _power(vals, s, e, powers, max_terms, deadline), max_terms)
                    z += m
                    if len(z) > max_terms:
                        raise BudgetExceeded(f"Psi grew past {max_terms} terms")
                start[v] = z
        o = fp.run(above, start, lambda lab: var[lab], zero, activate=activate, max_terms=max_terms,
                   deadline=deadline)
        psi.extend(o[out] - yk for out, yk in zip(net.outputs, y))
    _tick(deadline)
    fields, point, rank = torus_fields(psi, uctx)
    desc = (f"through the cut {_nodes(cut)} ({'before' if before else 'after'} its activation): the cut as {inner} "
            f"({n_in})")
    for nodes, b, msup in hops:
        n = sum(len(msup[v]) for v in nodes)
        if all(net.kind(v) == "output" for v in nodes):
            desc += f", each output as a polynomial in the previous cut's values ({n} coefficients)"
        else:
            desc += (f", the cut {_nodes(nodes)} ({'before' if b else 'after'} its activation) as polynomials in the "
                     f"previous cut's values ({n} coefficients)")
    if not hops or not all(net.kind(v) == "output" for v in hops[-1][0]):
        desc += f", the layers above as parameters ({len(outer)})"
    return CutFactorization(desc, list(cut), before, inner, list(outer), names, psi, fields, point, rank,
                            [(list(nodes), b) for nodes, b, _ in hops])


MAX_HOPS = 3                   # later cuts above the first one (the outputs count as one)
AFFINE_MAX_VARIABLES = 60      # N^2 + N unknowns: a 3660-column system mod p at most
AFFINE_TRIES = 3               # searches for affine fields per factorization search (each up to a few seconds)
AFFINE_FREE_VARIABLES = 24     # up to this N a search takes well under a second and counts against no try


def _maybe_affine(f, target: int, tries: list, deadline):
    """``f`` with Psi's affine fields where its scalings leave it above ``target`` (``tries[0]`` such searches
    left in this factorization search)."""
    N = len(f.names)
    if f.bound > target and N <= AFFINE_MAX_VARIABLES and (tries[0] > 0 or N <= AFFINE_FREE_VARIABLES):
        if N > AFFINE_FREE_VARIABLES:
            tries[0] -= 1
        f = with_affine_fields(f, deadline=deadline)
    return f


def _rational_reconstruction(a: int, p: int):
    """The fraction u/v with |u|, |v| <= sqrt(p/2) and u = a v mod p, or None (Wang's extended Euclid).
    Hand-written: python-flint has no rational reconstruction."""
    bound = int((p // 2) ** 0.5)
    r0, r1, s0, s1 = p, a % p, 0, 1
    while r1 > bound:
        q = r0 // r1
        r0, r1, s0, s1 = r1, r0 - q * r1, s1, s0 - q * s1
    if s1 == 0 or abs(s1) > bound:
        return None
    return fmpq(r1, s1) if s1 > 0 else fmpq(-r1, -s1)


def affine_fields(polys, ctx, *, deadline: float | None = None, seed: int = 0) -> list:
    """[(description, components)]: fields v(u) = A u + b (degree <= 1) with J v = 0 identically.

    They generalize the scalings (A diagonal, b = 0), e.g. c -> t (c + 1/2) - 1/2 of t + t^2 = (t + 1/2)^2 - 1/4.
    The conditions sum_j v_j(u) dP/du_j (u) = 0 are linear in (A, b); at random points mod a prime they give a
    system whose null space, lifted by rational reconstruction, is a candidate basis. Every candidate is then
    expanded exactly over Q (only those whose J v vanishes identically are returned), so the modular step
    decides nothing."""
    import flint as fl
    from .rank import P_MAX
    from .symmetries import field_vanishes
    N = ctx.nvars()
    if N > AFFINE_MAX_VARIABLES or not polys:
        return []
    p = fl.fmpz(P_MAX - 1)
    while not p.is_prime():
        p -= 1
    p = int(p)
    U = N * N + N
    D = [[h.derivative(j) for j in range(N)] for h in polys]
    rng = random.Random(seed)
    rows = []

    def add_point():
        # At one point u every row is (dP_r/du(u)) (x) (u, 1), so a point gives at most rank J_Psi(u) <= N
        # independent rows: N random combinations of its m rows.
        _tick(deadline)
        pt = [rng.randrange(1, 1 << 20) for _ in range(N)]
        V = [[_mod(d(*pt), p) if not d.is_zero() else 0 for d in Dr] for Dr in D]
        for _ in range(min(N, len(V))):
            lam = [rng.randrange(p) for _ in V]
            vals = [sum(c * row[j] for c, row in zip(lam, V)) % p for j in range(N)]
            rows.append([vals[j] * pt[k] % p for j in range(N) for k in range(N)] + vals)

    while len(rows) < U + 8:
        add_point()
    X, nullity = fl.nmod_mat(rows, p).nullspace()
    # Where J_Psi has rank below N a point gives fewer independent rows, and the null space is too large (its
    # spurious vectors do not lift): add points until the nullity stops falling.
    while nullity:
        for _ in range(max(1, U // (4 * N))):
            add_point()
        X, smaller = fl.nmod_mat(rows, p).nullspace()
        if smaller == nullity:
            break
        nullity = smaller
    if nullity == 0:
        return []
    basis = fl.nmod_mat([[int(X[i, c]) for i in range(U)] for c in range(nullity)], p).rref()[0]
    gens = ctx.gens()
    out = []
    for c in range(nullity):
        coefs = []
        for i in range(U):
            q = _rational_reconstruction(int(basis[c, i]), p)
            if q is None:
                break
            coefs.append(q)
        else:
            comp = []
            for j in range(N):
                v = ctx.from_dict({}) + coefs[N * N + j]
                for k in range(N):
                    if coefs[j * N + k] != 0:
                        v += coefs[j * N + k] * gens[k]
                comp.append(v)
            _tick(deadline)
            if any(not v.is_zero() for v in comp) and field_vanishes(polys, comp, N):
                out.append((f"affine field {c + 1} of Psi (degree <= 1)", comp))
    return out


def _mod(q, p: int) -> int:
    return int(q.p) * pow(int(q.q), -1, p) % p


def with_affine_fields(f, *, deadline: float | None = None):
    """``f`` (a factorization) with Psi's affine fields added to its scalings where they raise the rank."""
    from flint import fmpq_mat
    from .symmetries import independent_at
    extra = affine_fields(f.psi, f.psi[0].context(), deadline=deadline)
    if extra:
        f.fields = independent_at(extra, f.point, len(f.names), base=f.fields)
        f.rank = fmpq_mat([[c(*f.point) for c in comp] for _, comp in f.fields]).rank() if f.fields else 0
    return f
