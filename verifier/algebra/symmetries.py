"""Continuous symmetries of a network as exact polynomial vector fields.

A vector field v(w) with J(w) v(w) = 0 for every w moves the parameters without
changing any output on any data, so it lies in the kernel of J everywhere. If
k such fields are linearly independent at one point, they are independent on
a dense open set, hence rank J <= n - k generically: an upper bound on the
generic rank that meets the modular lower bound in the cases we know.

Two families are exhibited (each only where every label involved occurs once,
so weight sharing cannot break the invariance):

* rescaling through a homogeneous activation sigma(t) = c t^k: scale the
  unit's incoming weights and bias by s and its outgoing weights by s^-k; the
  infinitesimal field is +w on incoming labels and -k*a on outgoing ones;
* mixing of linear hidden units (identity activation) with the same
  predecessors and successors: W_v += s W_u, a_u -= s a_v (a generator of the
  GL symmetry of linear layers);
* bias shifts through a linear unit v: b_v += s and each successor's bias
  -= s * (weight v -> successor);
* rotations of quadratic units u, v (sigma(t) = c t^2) whose only successor is
  the same node t and which read the same sources: z_u += s c_v a_v z_v,
  z_v -= s c_u a_u z_u keeps c_u a_u z_u^2 + c_v a_v z_v^2 (a generator of the
  orthogonal group of the quadratic form; the field has degree 2).

Sign flips and permutations are discrete and do not reduce the rank. Every
field is verified symbolically (J v == 0 identically) by the solver and again
by the checker before it counts.

Where the symmetries leave a gap, :func:`cramer_kernel` and :func:`kernel_vectors`
find the whole kernel of J over Q(w) (right, J v = 0, or left, u^T J = 0) by
Cramer's rule on a nonsingular minor or by Singular's ``syz``; the same exact
expansion decides whether each vector counts.
"""

from __future__ import annotations

from collections import Counter

from ..network import Network


def _label_uses(net: Network) -> Counter:
    uses = Counter()
    for v in net.order:
        for _, lab in net.in_edges(v):
            uses[lab] += 1
        if net.bias(v) is not None:
            uses[net.bias(v)] += 1
    return uses


def _homogeneous_degree(cs) -> int | None:
    nz = [k for k, c in enumerate(cs) if c != 0]
    return nz[0] if len(nz) == 1 and nz[0] >= 1 else None


def symmetry_fields(net: Network, ctx) -> list:
    """[(description, [n polynomials])] for the network's continuous symmetries."""
    w = ctx.gens()
    zero = w[0] * 0
    index = {lab: j for j, lab in enumerate(net.labels)}
    uses = _label_uses(net)
    succ = {v: [] for v in list(net.inputs) + list(net.order)}
    for v in net.order:
        for u, lab in net.in_edges(v):
            succ[u].append((v, lab))
    fields = []
    hidden = [v for v in net.order if net.kind(v) == "hidden"]

    def incoming(v):
        labs = [lab for _, lab in net.in_edges(v)] + ([net.bias(v)] if net.bias(v) is not None else [])
        return labs

    for v in hidden:
        k = _homogeneous_degree(net.node_activation(v).coefficients() or ())
        if k is None:
            continue
        labs_in, labs_out = incoming(v), [lab for _, lab in succ[v]]
        if any(uses[lab] != 1 for lab in labs_in + labs_out):
            continue
        comp = [zero] * net.n
        for lab in labs_in:
            comp[index[lab]] = w[index[lab]]
        for lab in labs_out:
            comp[index[lab]] = -k * w[index[lab]]
        fields.append((f"rescaling of unit {v} (activation homogeneous of degree {k})", comp))
    # Mixing of linear units with identical neighbourhoods.
    linear = [v for v in hidden if _homogeneous_degree(net.node_activation(v).coefficients() or ()) == 1
              and net.node_activation(v).coefficients()[1] == 1]
    for u in linear:
        for v in linear:
            if u == v:
                continue
            pu, pv = [s for s, _ in net.in_edges(u)], [s for s, _ in net.in_edges(v)]
            su, sv = [t for t, _ in succ[u]], [t for t, _ in succ[v]]
            if sorted(pu) != sorted(pv) or sorted(su) != sorted(sv) or \
                    (net.bias(u) is None) != (net.bias(v) is None):
                continue
            labs = incoming(u) + incoming(v) + [lab for _, lab in succ[u]] + [lab for _, lab in succ[v]]
            if any(uses[lab] != 1 for lab in labs):
                continue
            comp = [zero] * net.n
            # d/ds of W_v + s W_u (incoming of v, matched by source), a_u - s a_v (outgoing, matched by target)
            win_u = {s: lab for s, lab in net.in_edges(u)}
            for s, lab in net.in_edges(v):
                comp[index[lab]] = w[index[win_u[s]]]
            if net.bias(v) is not None:
                comp[index[net.bias(v)]] = w[index[net.bias(u)]]
            out_v = {t: lab for t, lab in succ[v]}
            for t, lab in succ[u]:
                comp[index[lab]] = -w[index[out_v[t]]]
            fields.append((f"mixing of linear units {u} <- {v}", comp))
    # Rotations of quadratic units into one common successor: sum_u a_u c_u z_u^2 is a quadratic form in the
    # pre-activations z; z_u += s c_v a_v z_v, z_v -= s c_u a_u z_u leaves it unchanged to first order (the
    # generators of the orthogonal group of diag(c_u a_u)). Each unit must feed only that successor, and both
    # must read the same sources (and both have a bias or neither).
    quad = [v for v in hidden if _homogeneous_degree(net.node_activation(v).coefficients() or ()) == 2
            and len(succ[v]) == 1]
    for i, u in enumerate(quad):
        for v in quad[i + 1:]:
            (tu, au), (tv, av) = succ[u][0], succ[v][0]
            if tu != tv or sorted(s for s, _ in net.in_edges(u)) != sorted(s for s, _ in net.in_edges(v)) or \
                    (net.bias(u) is None) != (net.bias(v) is None):
                continue
            labs = incoming(u) + incoming(v) + [au, av]
            if any(uses[lab] != 1 for lab in labs):
                continue
            cu = net.node_activation(u).coefficients()[2]
            cv = net.node_activation(v).coefficients()[2]
            comp = [zero] * net.n
            win_v = {s: lab for s, lab in net.in_edges(v)}
            for s, lab in net.in_edges(u):
                comp[index[lab]] = cv * w[index[av]] * w[index[win_v[s]]]
                comp[index[win_v[s]]] = -cu * w[index[au]] * w[index[lab]]
            if net.bias(u) is not None:
                comp[index[net.bias(u)]] = cv * w[index[av]] * w[index[net.bias(v)]]
                comp[index[net.bias(v)]] = -cu * w[index[au]] * w[index[net.bias(u)]]
            fields.append((f"rotation of quadratic units {u}, {v} into {tu}", comp))
    # Bias shifts through a linear unit: b_v += s, and every successor t's bias -= s * a_vt.
    for v in linear:
        if net.bias(v) is None or not succ[v] or any(net.bias(t) is None for t, _ in succ[v]):
            continue
        labs = [net.bias(v)] + [lab for _, lab in succ[v]] + [net.bias(t) for t, _ in succ[v]]
        if any(uses[lab] != 1 for lab in labs):
            continue
        comp = [zero] * net.n
        comp[index[net.bias(v)]] = zero + 1
        for t, lab in succ[v]:
            comp[index[net.bias(t)]] = comp[index[net.bias(t)]] - w[index[lab]]
        fields.append((f"bias shift through linear unit {v}", comp))
    return fields


def field_vanishes(H, field_comp, n: int) -> bool:
    """J v == 0 identically: every residual's derivative along the field is the zero polynomial."""
    for h in H:
        acc = h * 0
        for j in range(n):
            if not field_comp[j].is_zero():
                acc += field_comp[j] * h.derivative(j)
        if not acc.is_zero():
            return False
    return True


def left_vanishes(H, u, n: int) -> bool:
    """u^T J == 0 identically: ``sum_r u[r] * dH_r/dw_j`` is the zero polynomial for every parameter j."""
    for j in range(n):
        acc = H[0] * 0
        for h, c in zip(H, u):
            if not c.is_zero():
                acc += c * h.derivative(j)
        if not acc.is_zero():
            return False
    return True


def kernel_vectors(ps, *, left: bool, timeout: float, max_memory_mb: int) -> list:
    """[(description, components)] generating the kernel of J over Q(w) (right: J v = 0, n components;
    left: u^T J = 0, l*d components), from Singular's ``syz``; each is re-checked here by exact expansion.

    Symmetry fields explain the rank deficiency a network's structure causes; these also catch what the
    data cause (collinear, repeated or zero inputs) and polynomial identities between weights (e.g. output
    weights that enter only through one combination)."""
    from . import engines
    J = ps.jacobian()
    vecs = engines.syzygies(J, ps.ctx, transpose=left, timeout=timeout, max_memory_mb=max_memory_mb)
    side = "left" if left else "right"
    out = []
    for k, v in enumerate(vecs):
        ok = left_vanishes(ps.H, v, ps.n) if left else field_vanishes(ps.H, v, ps.n)
        if not ok:
            raise engines.EngineError(f"Singular's syzygy {k + 1} is not in the {side} kernel of J")
        out.append((f"{side} kernel vector {k + 1} of J over Q(w) (Singular syz)", v))
    return out


def independent_at(candidates, point, need: int, base=()) -> list:
    """Greedily the candidates (in order, so cheap ones first) that raise the rank of ``base`` at ``point``,
    until ``need`` vectors are independent there; ``base`` (kept whole, independent or not) comes first."""
    from flint import fmpq_mat
    chosen = list(base)
    rows = [[c(*point) for c in item[1]] for item in chosen]
    rank = fmpq_mat(rows).rank() if rows else 0
    for item in candidates:
        if rank >= need:
            break
        row = [c(*point) for c in item[1]]
        if fmpq_mat(rows + [row]).rank() > rank:
            rows.append(row)
            chosen.append(item)
            rank += 1
    return chosen


def cramer_kernel(ps, rows, cols, *, left: bool, max_terms: int = 100_000, deadline: float | None = None,
                  max_work: int = 4_000_000) -> list:
    """[(description, components)]: the kernel of J over Q(w) by Cramer's rule on a nonsingular minor.

    ``rows``/``cols`` index an r x r minor A of J that is not identically zero (the modular minor of the
    lower bound). Fraction-free Gauss-Jordan elimination (Bareiss: every division exact) turns the rows
    J_R into det(A) A^-1 J_R; for each column j outside ``cols``, v_j = det(A) e_j - sum_k
    (det(A) A^-1 J_R)_kj e_(cols_k) has J_R v_j = 0 and the v_j are independent wherever det(A) != 0. They
    lie in the kernel of all of J exactly when the generic rank is r, which :func:`field_vanishes`
    checks here and the checker again. With ``left`` the same on J^T (rows and columns exchanged), giving
    u with u^T J = 0. The entries are r x r minors, so this is for small r; ``max_terms``, ``max_work`` (term
    pairs in one product or division) and ``deadline`` bound the work (``BudgetExceeded``). Hand-written:
    flint has no matrices over multivariate polynomials.
    """
    import time
    from ..errors import BudgetExceeded
    J = ps.jacobian()
    M = [list(col) for col in zip(*J)] if left else J
    P, Q = (list(cols), list(rows)) if left else (list(rows), list(cols))
    T = [list(M[i]) for i in P]
    N = len(M[0]) if M else 0
    one = ps.ctx.constant(1)
    prev = one
    for k, q in enumerate(Q):
        piv = next((i for i in range(k, len(T)) if not T[i][q].is_zero()), None)
        if piv is None:
            raise BudgetExceeded("the stated minor is singular over Q(w)")
        T[k], T[piv] = T[piv], T[k]
        pk = T[k][q]
        for i in range(len(T)):
            if i == k:
                continue
            f = T[i][q]
            row, terms = [], 0
            for j in range(N):
                if deadline is not None and time.monotonic() > deadline:
                    raise BudgetExceeded("Cramer's rule ran out of time")
                # One product or exact division of large polynomials cannot be interrupted: refuse those whose
                # term-by-term cost exceeds the budget instead (the deadline is checked between them).
                if len(pk) * len(T[i][j]) + len(f) * len(T[k][j]) > max_work:
                    raise BudgetExceeded(f"Cramer's rule needs a product of more than {max_work} term pairs")
                num = pk * T[i][j] - f * T[k][j]
                if len(num) * len(prev) > max_work:
                    raise BudgetExceeded(f"Cramer's rule needs a division of more than {max_work} term pairs")
                e = num / prev
                terms += len(e)
                if terms > max_terms:
                    raise BudgetExceeded(f"Cramer's rule needs more than {max_terms} terms")
                row.append(e)
            T[i] = row
        prev = pk
    det = prev
    side = "left" if left else "right"
    out = []
    for j in range(N):
        if j in Q:
            continue
        v = [ps.ctx.constant(0)] * N
        v[j] = det
        for k, q in enumerate(Q):
            v[q] = -T[k][j]
        ok = left_vanishes(ps.H, v, ps.n) if left else field_vanishes(ps.H, v, ps.n)
        if not ok:
            return []          # the rank over Q(w) exceeds r: no kernel of this size
        out.append((f"{side} kernel vector of J over Q(w) (Cramer's rule on a {len(Q)}x{len(Q)} minor)", v))
    return out
