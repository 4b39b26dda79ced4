"""The function-space upper bound on the generic rank, re-derived from the network's structure.

Every node of a polynomial network computes a polynomial in the input x whose coefficients are polynomials
in w. Its x-support (the exponents that can occur) is contained in a set computed from the graph alone:
an input x_j has {e_j}; a pre-activation z_v = sum w o_u (+ b) has the union of its sources' supports (and
0 with a bias); sigma(z) = sum_i c_i z^i has the union, over the i with c_i != 0, of the i-fold sumsets
(0 for i = 0). Cancellations can only make the true support smaller, so the set is a superset of it.

Output k is then f_k(w, x) = sum_{alpha in S_k} c_{k,alpha}(w) x^alpha, so the data map is
w -> E c(w) (+ constants) with E block-diagonal, block k the d x |S_k| evaluation matrix
[x_i^alpha], and rank J(w) <= rank E = sum_k rank E_k for every w: the generic rank r <= rank E.

rank E_k is exact: a rank mod a prime is a lower bound on the rank over Q; when it equals
min(d, |S_k|) it is the rank. Otherwise the exact rank over Q (fmpq_mat) is computed when the matrix is
small enough (``MAX_EXACT_WORK``), else min(d, |S_k|) is used, which is always an upper bound. The result
does not depend on the prime. Budgets (degree, support sizes, sumset work, matrix entries) keep a hostile
certificate from hanging the checker; past them there is no function-space bound.
"""

from __future__ import annotations

import flint

MAX_DEGREE = 10_000            # total degree in x of any node
MAX_MONOMIALS = 20_000         # support size of any node (and of every power of a pre-activation)
MAX_SUMSET_WORK = 2_000_000    # pairs added in all sumsets (one per distinct pre-activation support), plus
                               # per node the sizes of its distinct source supports (the unions)
MAX_ENTRIES = 500_000          # evaluation matrix entries, over the distinct output supports
MAX_EXACT_WORK = 1_000_000     # d * |S| * min(d, |S|) for an exact rank over Q

__all__ = ["node_supports", "MAX_DEGREE", "MAX_MONOMIALS", "MAX_SUMSET_WORK", "MAX_ENTRIES", "MAX_EXACT_WORK",
           "SupportTooLarge", "output_supports", "evaluation_rank", "function_space"]


class SupportTooLarge(Exception):
    """A budget above was exceeded: no function-space bound."""


def _top(coeffs):
    """The highest i with c_i != 0, or -1 for the zero polynomial."""
    return max((i for i, c in enumerate(coeffs) if c != 0), default=-1)


def output_supports(net):
    """[S_k per output]: each a sorted list of exponent tuples (length p), a superset of f_k's x-support.

    ``net`` is the checker's ``core.evaluate.Network``. Raises SupportTooLarge past a budget.
    """
    _, post = node_supports(net, net.outputs)
    return [post[o] for o in net.outputs]


def node_supports(net, nodes, sources=None):
    """(pre, post) for the non-input ``nodes``: sorted exponent tuples containing the x-support of each one's
    pre-activation and of its value (``post`` = ``pre`` for an output). Raises SupportTooLarge past a budget.

    With ``sources`` (hidden nodes), the supports are in one variable per source value instead of x: a node is a
    polynomial in the sources' values when every path into it from an input crosses a source; the other nodes
    get no support, and a requested one without a support raises ``KeyError``."""
    starts = list(net.inputs) if sources is None else list(sources)
    p = len(starts)
    skip = set(starts)
    # Degrees first (cheap), so exponents can be packed into integers in base B without carries.
    deg = {v: 1 for v in starts}
    for gen in net.generations:
        for v in gen:
            if v in skip or any(u not in deg for u, _ in net.preds[v]):
                continue
            dz = max(deg[u] for u, _ in net.preds[v])
            dv = dz if net.act[v] is None else max(_top(net.act[v].coeffs), 0) * dz
            if dv > MAX_DEGREE:
                raise SupportTooLarge(f"node {v!r} has degree {dv} > {MAX_DEGREE} in x")
            deg[v] = dv
    B = max(deg.values()) + 1
    sup = {v: frozenset({B ** j}) for j, v in enumerate(starts)}
    canon = {s: s for s in sup.values()}   # equal supports share one frozenset: distinct sets, distinct objects
    pre_sup = {}
    powers = {}          # frozenset(Z) -> [P_0, P_1, ...]: the i-fold sumsets of Z
    work = 0
    for gen in net.generations:
        for v in gen:
            if v in skip or v not in deg:
                continue
            srcs = list({id(sup[u]): sup[u] for u, _ in net.preds[v]}.values())
            work += sum(len(s) for s in srcs)      # the union reads each distinct source support once
            if work > MAX_SUMSET_WORK:
                raise SupportTooLarge(f"the supports need more than {MAX_SUMSET_WORK} additions and unions")
            z = set().union(*srcs)
            if net.bias[v] is not None:
                z.add(0)
            pre_sup[v] = frozenset(z)
            if net.act[v] is None:
                out = z
            else:
                coeffs = net.act[v].coeffs
                k = _top(coeffs)
                key = frozenset(z)
                P = powers.setdefault(key, [{0}, set(z)])
                while len(P) <= k:
                    prev = P[-1]
                    work += len(prev) * len(z)
                    if work > MAX_SUMSET_WORK:
                        raise SupportTooLarge(f"the supports need more than {MAX_SUMSET_WORK} additions and unions")
                    nxt = {a + b for a in prev for b in z}
                    if len(nxt) > MAX_MONOMIALS:
                        raise SupportTooLarge(f"a power of node {v!r}'s input has more than {MAX_MONOMIALS} "
                                              "monomials")
                    P.append(nxt)
                out = set()
                for i in range(k + 1):
                    if coeffs[i] != 0:
                        out |= P[i]
            if len(out) > MAX_MONOMIALS:
                raise SupportTooLarge(f"node {v!r} has more than {MAX_MONOMIALS} monomials")
            out = frozenset(out)
            sup[v] = canon.setdefault(out, out)

    def unpack(code):
        e = []
        for _ in range(p):
            code, r = divmod(code, B)
            e.append(r)
        return tuple(e)

    return ({v: sorted(unpack(c) for c in pre_sup[v]) for v in nodes},
            {v: sorted(unpack(c) for c in sup[v]) for v in nodes})


def _prime(X):
    """The least prime above 2^62 dividing no denominator of the data."""
    dens = {int(x.q) for row in X for x in row}
    p = 2 ** 62 + 1
    while not flint.fmpz(p).is_prime() or any(q % p == 0 for q in dens):
        p += 2
    return p


def evaluation_rank(X, S):
    """rank over Q of the d x |S| matrix [x_i^alpha] (exact; see the module's docstring)."""
    d, s = len(X), len(S)
    top = min(d, s)
    if top == 0:
        return 0
    if d * s > MAX_ENTRIES:
        return top
    p = _prime(X)
    emax = [max((a[j] for a in S), default=0) for j in range(len(X[0]))]
    rows = []
    for x in X:
        pw = []
        for j, xj in enumerate(x):
            t = int(xj.p) % p * pow(int(xj.q) % p, -1, p) % p
            col = [1]
            for _ in range(emax[j]):
                col.append(col[-1] * t % p)
            pw.append(col)
        row = []
        for a in S:
            v = 1
            for j, e in enumerate(a):
                if e:
                    v = v * pw[j][e] % p
            row.append(v)
        rows.append(row)
    # Only a shortcut: the rank mod p is at most the rank over Q, and ``top`` bounds it anyway.
    if flint.nmod_mat(rows, p).rank() == top:
        return top
    if d * s * top > MAX_EXACT_WORK:
        return top
    exact = [[_monomial(x, a) for a in S] for x in X]
    return flint.fmpq_mat(exact).rank()


def _monomial(x, a):
    v = flint.fmpq(1)
    for xj, e in zip(x, a):
        if e:
            v *= xj ** e
    return v


def function_space(net, X):
    """{"monomials": [|S_k|], "degrees": [max |alpha| over S_k, -1 if empty], "rank": rank E}.

    Raises SupportTooLarge past a budget.
    """
    supports = output_supports(net)
    if sum(len(X) * len(S) for S in {tuple(S) for S in supports}) > MAX_ENTRIES:
        ranks = [min(len(X), len(S)) for S in supports]
    else:
        cache = {}
        ranks = []
        for S in supports:
            key = tuple(S)
            if key not in cache:
                cache[key] = evaluation_rank(X, S)
            ranks.append(cache[key])
    return {"monomials": [len(S) for S in supports],
            "degrees": [max((sum(a) for a in S), default=-1) for S in supports],
            "rank": sum(ranks)}
