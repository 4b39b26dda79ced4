"""Re-verify a lower bound on the generic rank of J: a nonzero minor of J(w) mod a prime.

Independent of the solver (``verifier.algebra.rank``): its own forward and
reverse pass, in Python integers and python-flint ``nmod_mat`` products per
topological generation, on the checker's own network reader.

Why a minor mod p proves something over Q: the entries of ``J(w)`` are
polynomials in w whose coefficients are built from the data and the activation
coefficients by ring operations; if p divides none of their denominators they
lie in ``Z_(p)``, and reduction ``Z_(p) -> F_p`` is a ring homomorphism. At an
integer point w, ``det(J(w)[rows, cols]) mod p`` is therefore the reduction of
the rational minor; nonzero mod p means nonzero over Q, so ``rank_Q J(w) >= r``
and the generic rank of J is at least r (rank is lower semicontinuous).
"""

from __future__ import annotations

import flint

__all__ = ["minor_nonzero_mod_p"]

_MAX_P = 1 << 62     # nmod_mat needs a word-size modulus


def _is_int(x) -> bool:
    return type(x) is int


def _indices(xs, bound: int, what: str):
    """None when ``xs`` is a list of distinct ints in [0, bound), else why not."""
    if not isinstance(xs, list) or not all(_is_int(x) for x in xs):
        return f"{what} must be a list of integers"
    if len(set(xs)) != len(xs):
        return f"{what} repeat an index"
    bad = next((x for x in xs if not 0 <= x < bound), None)
    if bad is not None:
        return f"{what} index {bad} is out of range [0, {bound})"
    return None


def minor_nonzero_mod_p(net, X, Y, p, point, rows, cols, labels):
    """Whether ``det J(point)[rows, cols] != 0 mod p``, after checking that this proves rank >= len(rows).

    Parameters
    ----------
    net : verifier.checker.core.evaluate.Network
        Every hidden activation must be a polynomial.
    X, Y : list of lists of flint.fmpq
        The data (d rows; Y only for its shape and denominators).
    p : int
        Must be a prime (checked) dividing no denominator of X, Y or an activation coefficient.
    point : dict
        ``{label: int}`` for every parameter label of ``net``.
    rows : list of int
        Residual indices ``i*l + k`` (data point i, output k).
    cols : list of int
        Indices into ``labels``.
    labels : list of str
        The parameter labels in the order ``cols`` refers to: every label of ``net`` once.

    Returns
    -------
    (bool, str)
        True and a summary when the minor is nonzero mod p; otherwise False and what failed.
    """
    if not _is_int(p) or not 2 <= p < _MAX_P:
        return False, f"the modulus must be an integer in [2, 2^62), got {p!r:.40}"
    if not flint.fmpz(p).is_prime():
        return False, f"the modulus {p} is not prime"
    if not isinstance(labels, list) or len(set(labels)) != len(labels) or set(labels) != set(net.labels):
        return False, "labels must list every parameter label of the network exactly once"
    if not isinstance(point, dict) or set(point) != set(net.labels):
        return False, "the point must give a value for every parameter label"
    bad = next((lab for lab, v in point.items() if not _is_int(v)), None)
    if bad is not None:
        return False, f"point[{bad!r}] is not an integer"
    d, l, n_in = len(X), len(net.outputs), len(net.inputs)
    if len(Y) != d or any(len(r) != n_in for r in X) or any(len(r) != l for r in Y):
        return False, "the data does not match the network's inputs and outputs"
    for v, act in net.act.items():
        if act is not None and act.coeffs is None:
            return False, f"node {v!r} has the non-polynomial activation {act.name}"
    for what, values in (("data", [q for row in list(X) + list(Y) for q in row]),
                         ("activation coefficient", [c for a in net.act.values() if a is not None for c in a.coeffs])):
        for q in values:
            if not isinstance(q, flint.fmpq):
                return False, f"a {what} value is not an exact rational"
            if int(q.q) % p == 0:
                return False, f"p = {p} divides the denominator of the {what} {q}"
    why = _indices(rows, l * d, "rows") or _indices(cols, len(labels), "cols")
    if why:
        return False, why
    if len(rows) != len(cols):
        return False, f"the minor is not square: {len(rows)} rows, {len(cols)} columns"
    r = len(rows)
    if r == 0:
        return True, "empty minor: rank >= 0 holds trivially"

    wanted = {labels[c]: b for b, c in enumerate(cols)}
    pts = sorted({i // l for i in rows})
    outs = sorted({i % l for i in rows})
    w = {lab: v % p for lab, v in point.items()}
    cols_by_k = _columns(net, [X[i] for i in pts], w, wanted, outs, p)
    pos = {i: t for t, i in enumerate(pts)}
    flat = []
    for i in rows:
        col = cols_by_k[i % l]
        t = pos[i // l]
        flat.extend(col[b][t] for b in range(r))
    det = flint.nmod_mat(r, r, flat, p).det()
    if int(det) == 0:
        return False, f"the {r} x {r} minor of J at the point vanishes mod {p}"
    return True, f"a {r} x {r} minor of J at the point is nonzero mod {p}: rank J >= {r}"


def _inv_mod(q, p: int) -> int:
    return int(q.p) % p * pow(int(q.q) % p, -1, p) % p


def _columns(net, X, w, wanted, outs, p):
    """Columns ``dH/dw_lab`` for the labels in ``wanted`` (label -> position), per output k, mod p.

    Returns ``{k: [column 0, column 1, ...]}``, each column a list over the given data points.
    """
    d = len(X)
    O = {v: [_inv_mod(row[j], p) for row in X] for j, v in enumerate(net.inputs)}
    polys = {}
    D1 = {}
    plans = []
    for gen in net.generations:
        srcs = sorted({u for v in gen for u, _ in net.preds[v]})
        col = {u: c for c, u in enumerate(srcs)}
        Wrows = []
        for v in gen:
            row = [0] * (len(srcs) + 1)
            for u, lab in net.preds[v]:
                row[col[u]] = (row[col[u]] + w[lab]) % p
            if net.bias[v] is not None:
                row[-1] = w[net.bias[v]]
            Wrows.append(row)
        Om = flint.nmod_mat([O[u] for u in srcs] + [[1] * d], p)
        Z = (flint.nmod_mat(Wrows, p) * Om).entries()
        for a, v in enumerate(gen):
            z = [int(x) for x in Z[a * d:(a + 1) * d]]
            act = net.act[v]
            if act is None:
                O[v], D1[v] = z, None
                continue
            key = id(act)
            if key not in polys:
                c = [_inv_mod(x, p) for x in act.coeffs]
                polys[key] = (c, [i * c[i] % p for i in range(1, len(c))] or [0])
            c, dc = polys[key]
            O[v] = [_horner(c, t, p) for t in z]
            D1[v] = [_horner(dc, t, p) for t in z]
        plans.append((gen, srcs, Wrows))
    # Reverse sweep per output; stop below the first generation that holds a wanted label.
    first = next((g for g, (gen, _, _) in enumerate(plans)
                  if any(net.bias[v] in wanted or any(lab in wanted for _, lab in net.preds[v]) for v in gen)),
                 len(plans))
    result = {}
    for k in outs:
        J = [[0] * d for _ in wanted]
        adj = {net.outputs[k]: [1] * d}
        for g in range(len(plans) - 1, first - 1, -1):
            gen, srcs, Wrows = plans[g]
            live, A = [], []
            for a, v in enumerate(gen):
                av = adj.pop(v, None)
                if av is None:
                    continue
                if D1[v] is not None:
                    av = [x * y % p for x, y in zip(av, D1[v])]
                live.append(a)
                A.append(av)
                if net.bias[v] in wanted:
                    _add(J[wanted[net.bias[v]]], av, p)
                for u, lab in net.preds[v]:
                    if lab in wanted:
                        _add(J[wanted[lab]], [x * y for x, y in zip(av, O[u])], p)
            hidden = [c for c, u in enumerate(srcs) if net.kind[u] != "input"]
            if not live or g == first or not hidden:
                continue
            Wt = flint.nmod_mat([[Wrows[a][c] for a in live] for c in hidden], p)
            back = (Wt * flint.nmod_mat(A, p)).entries()
            for t, c in enumerate(hidden):
                row = [int(x) for x in back[t * d:(t + 1) * d]]
                u = srcs[c]
                prev = adj.get(u)
                adj[u] = row if prev is None else [(x + y) % p for x, y in zip(prev, row)]
        result[k] = J
    return result


def _add(target, values, p):
    for i, x in enumerate(values):
        target[i] = (target[i] + x) % p


def _horner(c, t, p):
    v = 0
    for x in reversed(c):
        v = (v * t + x) % p
    return v
