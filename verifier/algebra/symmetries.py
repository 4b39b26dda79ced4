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
  -= s * (weight v -> successor).

Sign flips and permutations are discrete and do not reduce the rank. Every
field is verified symbolically (J v == 0 identically) by the solver and again
by the checker before it counts.
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
