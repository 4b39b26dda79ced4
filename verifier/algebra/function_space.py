"""The function-space upper bound on the generic rank of J (solver side).

For a polynomial network, output k is a polynomial f_k(w, x) = sum_{alpha in S_k} c_{k,alpha}(w) x^alpha,
where S_k is a superset of its x-support read off the graph (inputs: e_j; a pre-activation: the union of
its sources' supports, plus 0 with a bias; sigma(z) = sum_i c_i z^i: the union over c_i != 0 of the i-fold
sumsets). The data map factors as w -> c(w) -> E c(w) with E block-diagonal (block k: the d x |S_k| matrix
[x_i^alpha]), so the generic rank r <= rank E. This is the bound behind Kileel-Trager-Bruna's neurovariety
dimensions: without biases and with t -> t^s, the output is homogeneous of degree s^(hidden layers).

Written independently of the checker's ``verifier.checker.algebra.funcspace`` (exponent tuples here,
packed integers there); only the budgets are shared, and the solver stays within half of the support
budgets so whatever it states the checker can re-derive.
"""

from __future__ import annotations

import flint

from ..checker.algebra.funcspace import MAX_DEGREE, MAX_ENTRIES, MAX_EXACT_WORK, MAX_MONOMIALS, MAX_SUMSET_WORK

__all__ = ["TooLarge", "node_supports", "supports", "function_space_bound"]


class TooLarge(Exception):
    """The supports exceed the (halved) budgets: no function-space bound is stated."""


def _add(a, b):
    return tuple(x + y for x, y in zip(a, b))


def supports(net) -> list:
    """Per output, the sorted exponent tuples that can occur in f_k(w, x) (a superset of the support)."""
    _, post = node_supports(net, net.outputs)
    return [post[v] for v in net.outputs]


def node_supports(net, nodes, sources=None) -> tuple:
    """(pre, post) for the non-input ``nodes``: the sorted exponent tuples that can occur in each one's
    pre-activation and value, as polynomials in x (supersets of the supports).

    With ``sources`` (hidden nodes), in one variable per source value instead, for the nodes every input path
    into which crosses a source; a requested node without a support raises ``KeyError`` (as the checker's
    does)."""
    starts = list(net.inputs) if sources is None else list(sources)
    p = len(starts)
    pre = {}
    zero = (0,) * p
    sup = {v: frozenset({tuple(1 if i == j else 0 for i in range(p))}) for j, v in enumerate(starts)}
    degree = {v: 1 for v in starts}
    skip = set(starts)
    pow_cache = {}
    work = 0
    for v in net.order:
        if v in skip or any(u not in sup for u, _ in net.in_edges(v)):
            continue
        distinct = {sup[u] for u, _ in net.in_edges(v)}
        work += sum(len(s) for s in distinct)
        if work > MAX_SUMSET_WORK // 2:
            raise TooLarge("the supports need too many additions and unions")
        z = set().union(*distinct)
        if net.bias(v) is not None:
            z.add(zero)
        pre[v] = frozenset(z)
        dz = max(degree[u] for u, _ in net.in_edges(v))
        act = net.node_activation(v)
        if act is None:
            sup[v], degree[v] = frozenset(z), dz
            continue
        coeffs = [flint.fmpq(c) for c in act.coefficients()]
        nz = [i for i, c in enumerate(coeffs) if c != 0]
        top = nz[-1] if nz else 0
        if top * dz > MAX_DEGREE // 2:
            raise TooLarge(f"node {v!r} has degree {top * dz} in x")
        degree[v] = top * dz
        key = frozenset(z)
        P = pow_cache.get(key)
        if P is None:
            P = pow_cache[key] = [{zero}, set(z)]
        while len(P) <= top:
            work += len(P[-1]) * len(z)
            if work > MAX_SUMSET_WORK // 2:
                raise TooLarge("the supports need too many sumset additions")
            nxt = {_add(a, b) for a in P[-1] for b in z}
            if len(nxt) > MAX_MONOMIALS // 2:
                raise TooLarge(f"a power of node {v!r}'s pre-activation has {len(nxt)} monomials")
            P.append(nxt)
        out = set()
        for i in nz:
            out.update(P[i])
        if len(out) > MAX_MONOMIALS // 2:
            raise TooLarge(f"node {v!r} has {len(out)} monomials")
        sup[v] = frozenset(out)
    for v in net.outputs:
        if len(sup[v]) > MAX_MONOMIALS // 2:
            raise TooLarge(f"output {v!r} has {len(sup[v])} monomials")
    return {v: sorted(pre[v]) for v in nodes}, {v: sorted(sup[v]) for v in nodes}


def _rank(X, S) -> int:
    """rank over Q of [x_i^alpha]: min(d, |S|) when a rank mod p reaches it, else exact within the budget."""
    d, s = len(X), len(S)
    full = min(d, s)
    if full == 0 or d * s > MAX_ENTRIES:
        return full
    rows = [[_mono(x, a) for a in S] for x in X]
    # Any prime dividing no denominator: the rank mod p is a lower bound on the rank over Q.
    dens = 1
    for x in X:
        for c in x:
            dens *= int(c.q)
    p = (1 << 61) - 1      # a Mersenne prime
    while dens % p == 0 or not flint.fmpz(p).is_prime():
        p -= 2
    num = [[int(c.p) * pow(int(c.q), -1, p) % p for c in row] for row in rows]
    if flint.nmod_mat(num, p).rank() == full:
        return full
    if d * s * full > MAX_EXACT_WORK:
        return full
    return flint.fmpq_mat(rows).rank()


def _mono(x, a):
    v = flint.fmpq(1)
    for c, e in zip(x, a):
        v *= c ** e
    return v


def function_space_bound(net, data) -> dict:
    """The ``function_space`` evidence of the generic-rank claim:
    {"monomials": [|S_k|], "degrees": [max |alpha| on S_k, -1 if empty], "rank": rank E}.

    Raises TooLarge when the supports exceed half of the checker's budgets.
    """
    S = supports(net)
    X = [[flint.fmpq(c) for c in row] for row in data.X]
    distinct = {tuple(s) for s in S}
    big = sum(len(X) * len(s) for s in distinct) > MAX_ENTRIES
    ranks = {}
    for s in distinct:
        ranks[s] = min(len(X), len(s)) if big else _rank(X, list(s))
    return {"monomials": [len(s) for s in S], "degrees": [max((sum(a) for a in s), default=-1) for s in S],
            "rank": sum(ranks[tuple(s)] for s in S)}
