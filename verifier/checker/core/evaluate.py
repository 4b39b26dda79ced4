"""The checker's own evaluator: a network from its JSON form, in Arb balls.

Deliberately independent of ``verifier.network``, ``verifier.activations`` and
``verifier.system``: a bug there cannot make a certificate pass here. Kept
small: activations (value and first derivative), a strict reading of the
network document, a forward pass by topological generations with ``arb_mat``
products, and reverse-mode columns of the Jacobian.
"""

from __future__ import annotations

import flint
from flint import arb, arb_mat

from ..format import FormatError, parse_rational

RECTIFIED = frozenset({"smoolu"})   # sigma = 0 on t <= 0, strictly increasing on t > 0
SMOOTH = frozenset({"smoolu", "polynomial", "power", "relu-approx", "softplus", "tanh", "sigmoid", "identity"})
POLYNOMIAL = frozenset({"polynomial", "power", "relu-approx", "identity"})


class Activation:
    """Value and derivative of a named activation, as ball enclosures."""

    def __init__(self, spec):
        if isinstance(spec, str):
            spec = {"name": spec}
        if not isinstance(spec, dict) or spec.get("name") not in SMOOTH:
            raise FormatError(f"unknown activation {spec!r:.60}")
        self.name = spec["name"]
        self.coeffs = None
        if self.name in ("polynomial", "relu-approx"):
            cs = spec.get("coefficients")
            if not isinstance(cs, list) or not 1 <= len(cs) <= 1001:
                raise FormatError(f"activation {self.name} needs a list of 1 to 1001 coefficients")
            self.coeffs = [parse_rational(c) for c in cs]
        elif self.name == "power":
            r = spec.get("r")
            if type(r) is not int or not 1 <= r <= 1000:
                raise FormatError("activation power needs an integer 1 <= r <= 1000")
            self.coeffs = [flint.fmpq(0)] * r + [flint.fmpq(1)]
        elif self.name == "identity":
            self.coeffs = [flint.fmpq(0), flint.fmpq(1)]

    def __call__(self, t: arb):
        """(sigma(t), sigma'(t)) enclosing the values at every point of the ball t."""
        if self.coeffs is not None:
            v, dv = arb(0), arb(0)
            for c in reversed(self.coeffs):
                dv = dv * t + v
                v = v * t + arb(c)
            return v, dv
        if self.name == "smoolu":
            if t.upper() <= 0:
                return arb(0), arb(0)
            if t.lower() > 0:
                e = (-1 / t).exp()
                return t * e, e * (1 + 1 / t)
            # The ball straddles 0: s and s' are increasing and >= 0, so both lie
            # between 0 and their value at the upper end.
            hi = t.upper()
            e = (-1 / hi).exp()
            return arb(0).union(hi * e), arb(0).union(e * (1 + 1 / hi))
        if self.name == "softplus":
            s = 1 / (1 + (-t).exp())
            return t.exp().log1p(), s
        if self.name == "sigmoid":
            s = 1 / (1 + (-t).exp())
            return s, s * (1 - s)
        if self.name == "tanh":
            th = t.tanh()
            return th, 1 - th * th
        raise FormatError(f"unknown activation {self.name}")  # pragma: no cover


    def second(self, t: arb) -> arb:
        """sigma''(t) enclosed at every point of the ball t (for derivatives of the Jacobian along a route)."""
        if self.coeffs is not None:
            v, dv, d2 = arb(0), arb(0), arb(0)
            for c in reversed(self.coeffs):
                d2 = d2 * t + 2 * dv
                dv = dv * t + v
                v = v * t + arb(c)
            return d2
        if self.name == "smoolu":
            # sigma'' = exp(-1/t) / t^3 for t > 0 (0 for t <= 0); it increases on (0, 1/3] and decreases after.
            if t.upper() <= 0:
                return arb(0)
            if t.lower() > 0:
                return (-1 / t).exp() / (t * t * t)
            top = t.upper() if t.upper() <= arb(1) / 3 else arb(1) / 3
            return arb(0).union((-1 / top).exp() / (top * top * top))
        if self.name in ("softplus", "sigmoid"):
            s = 1 / (1 + (-t).exp())
            ds = s * (1 - s)
            return ds if self.name == "softplus" else ds * (1 - 2 * s)
        if self.name == "tanh":
            th = t.tanh()
            return -2 * th * (1 - th * th)
        raise FormatError(f"unknown activation {self.name}")  # pragma: no cover


class Network:
    """A network document, read strictly, with its generations precomputed."""

    def __init__(self, doc):
        if not isinstance(doc, dict) or doc.get("format") != "verifier-network" or type(doc.get("version")) is not int \
                or doc.get("version") != 1:
            raise FormatError("instance.network is not a verifier-network version 1 document")
        if set(doc) - {"format", "version", "name", "activation", "inputs", "outputs", "nodes", "edges"}:
            raise FormatError("instance.network has unknown keys")
        nodes, edges = doc.get("nodes"), doc.get("edges")
        if not isinstance(nodes, list) or not isinstance(edges, list):
            raise FormatError("network nodes/edges must be lists")
        default = Activation(doc.get("activation"))
        self.kind, self.bias, self.act, self.preds = {}, {}, {}, {}
        for nd in nodes:
            if not isinstance(nd, dict) or not isinstance(nd.get("id"), str) or nd["id"] in self.kind \
                    or set(nd) - {"id", "kind", "bias", "activation"}:
                raise FormatError("network node must be {id, kind[, bias][, activation]} with a unique string id")
            v, kind = nd["id"], nd.get("kind")
            if kind not in ("input", "hidden", "output"):
                raise FormatError(f"node {v!r} has kind {kind!r}")
            if "activation" in nd and kind != "hidden":
                raise FormatError(f"{kind} node {v!r} cannot have an activation")
            if nd.get("bias") is not None and (kind == "input" or not isinstance(nd["bias"], str)):
                raise FormatError(f"node {v!r}: bias must be a string label on a hidden or output node")
            self.kind[v] = kind
            self.bias[v] = nd.get("bias")
            self.act[v] = (Activation(nd["activation"]) if "activation" in nd else default) if kind == "hidden" else None
            self.preds[v] = []
        seen_edges = set()
        for e in edges:
            if not isinstance(e, dict) or set(e) != {"from", "to", "weight"} or e["from"] not in self.kind \
                    or e["to"] not in self.kind or not isinstance(e["weight"], str):
                raise FormatError("network edge must be {from, to, weight} linking known nodes with a string label")
            if self.kind[e["to"]] == "input" or self.kind[e["from"]] == "output":
                raise FormatError("network edge into an input or out of an output")
            if (e["from"], e["to"]) in seen_edges:
                raise FormatError(f"duplicate network edge {e['from']!r} -> {e['to']!r}")
            seen_edges.add((e["from"], e["to"]))
            self.preds[e["to"]].append((e["from"], e["weight"]))
        self.inputs = doc.get("inputs") or [v for v in self.kind if self.kind[v] == "input"]
        self.outputs = doc.get("outputs") or [v for v in self.kind if self.kind[v] == "output"]
        if not isinstance(self.inputs, list) or not isinstance(self.outputs, list) or \
                sorted(self.inputs) != sorted(v for v in self.kind if self.kind[v] == "input") or \
                sorted(self.outputs) != sorted(v for v in self.kind if self.kind[v] == "output"):
            raise FormatError("network inputs/outputs do not match the node kinds")
        if not self.inputs or not self.outputs:
            raise FormatError("network needs at least one input and one output")
        self.labels = set()
        for v in self.kind:
            self.labels.update(lab for _, lab in self.preds[v])
            if self.bias[v] is not None:
                self.labels.add(self.bias[v])
        # Kahn's algorithm by generations, O(nodes + edges); a cycle leaves nodes unplaced.
        succ = {v: [] for v in self.kind}
        missing = {v: len(self.preds[v]) for v in self.kind}
        for v in self.kind:
            for u, _ in self.preds[v]:
                succ[u].append(v)
        ready = [v for v in self.inputs if missing[v] == 0]
        self.generations, placed = [], len(ready)
        while ready:
            nxt = []
            for u in ready:
                for v in succ[u]:
                    missing[v] -= 1
                    if missing[v] == 0:
                        nxt.append(v)
            if nxt:
                self.generations.append(nxt)
            placed += len(nxt)
            ready = nxt
        if placed != len(self.kind):
            raise FormatError("network has a cycle or a node that no input reaches")
        for v in self.kind:
            if self.kind[v] != "input" and not self.preds[v]:
                raise FormatError(f"network node {v!r} has no inputs")
        useful, stack = set(self.outputs), list(self.outputs)
        while stack:
            for u, _ in self.preds[stack.pop()]:
                if u not in useful:
                    useful.add(u)
                    stack.append(u)
        if len(useful) != len(self.kind):
            raise FormatError("network has a node that does not lead to any output")
        self.acts = [a for v, a in self.act.items() if a is not None]

    def forward(self, X, params, reuse=None, exact=()):
        """Forward pass on data X (list of rows of arb) with params {label: arb}.

        Returns (O, Z, D1): node outputs, pre-activations and sigma' per node,
        each a list over the data points. With ``reuse`` (an earlier result at
        the same values of the labels in ``exact``), a generation that reads only
        labels in ``exact`` and nodes that were themselves reused is copied.
        """
        d = len(X)
        O = {v: [X[t][j] for t in range(d)] for j, v in enumerate(self.inputs)}
        Z, D1 = {}, {}
        same = set(self.inputs)
        for gen in self.generations:
            if reuse is not None and all(
                    u in same and lab in exact for v in gen for u, lab in self.preds[v]) and all(
                    self.bias[v] is None or self.bias[v] in exact for v in gen):
                for v in gen:
                    O[v], Z[v], D1[v] = reuse[0][v], reuse[1][v], reuse[2][v]
                    same.add(v)
                continue
            srcs = sorted({u for v in gen for u, _ in self.preds[v]})
            col = {u: c for c, u in enumerate(srcs)}
            rows = []
            for v in gen:
                row = [arb(0)] * (len(srcs) + 1)
                for u, lab in self.preds[v]:
                    row[col[u]] = row[col[u]] + params[lab]
                row[-1] = params[self.bias[v]] if self.bias[v] is not None else arb(0)
                rows.append(row)
            prod = (arb_mat(rows) * arb_mat([O[u] for u in srcs] + [[arb(1)] * d])).tolist()
            for v, z in zip(gen, prod):
                Z[v] = z
                if self.act[v] is None:
                    O[v], D1[v] = z, None
                else:
                    pairs = [self.act[v](t) for t in z]
                    O[v] = [a for a, _ in pairs]
                    D1[v] = [b for _, b in pairs]
        return O, Z, D1

    def residuals(self, O, Y):
        """H as a list, point-major: r = i*l + k."""
        return [O[o][i] - Y[i][k] for i in range(len(Y)) for k, o in enumerate(self.outputs)]

    def jacobian_columns(self, O, D1, params, wanted):
        """Columns dH/dp for labels p in ``wanted`` (list), as an arb_mat (l*d x len(wanted))."""
        d, l = len(next(iter(O.values()))), len(self.outputs)
        where = {lab: j for j, lab in enumerate(wanted)}
        J = [[arb(0)] * len(wanted) for _ in range(l * d)]
        order = [v for gen in self.generations for v in gen]
        for k, out in enumerate(self.outputs):
            adj = {out: [arb(1)] * d}
            for v in reversed(order):
                a = adj.pop(v, None)
                if a is None:
                    continue
                if D1[v] is not None:
                    a = [x * y for x, y in zip(a, D1[v])]
                if self.bias[v] in where:
                    j = where[self.bias[v]]
                    for i in range(d):
                        J[i * l + k][j] += a[i]
                for u, lab in self.preds[v]:
                    if lab in where:
                        j = where[lab]
                        for i in range(d):
                            J[i * l + k][j] += a[i] * O[u][i]
                    if self.kind[u] != "input":
                        w = params[lab]
                        prev = adj.get(u)
                        contrib = [w * x for x in a]
                        adj[u] = contrib if prev is None else [x + y for x, y in zip(prev, contrib)]
        return arb_mat(J)

    def forward_tangent(self, X, params, tangent):
        """The forward pass with its derivative along a direction of the parameters (forward mode).

        ``tangent``: {label: arb}, the direction's components (absent labels: 0). Returns (O, Ot, D1, D1t):
        node outputs and their derivatives, sigma' per hidden node and its derivative, each a list over the
        data points (Ot of an output node is the directional derivative of f there).
        """
        d = len(X)
        O = {v: [X[t][j] for t in range(d)] for j, v in enumerate(self.inputs)}
        Ot = {v: [arb(0)] * d for v in self.inputs}
        D1, D1t = {}, {}
        zero = arb(0)
        for gen in self.generations:
            srcs = sorted({u for v in gen for u, _ in self.preds[v]})
            col = {u: c for c, u in enumerate(srcs)}
            rows, trows = [], []
            for v in gen:
                row, trow = [zero] * (len(srcs) + 1), [zero] * (len(srcs) + 1)
                for u, lab in self.preds[v]:
                    row[col[u]] = row[col[u]] + params[lab]
                    trow[col[u]] = trow[col[u]] + tangent.get(lab, zero)
                if self.bias[v] is not None:
                    row[-1], trow[-1] = params[self.bias[v]], tangent.get(self.bias[v], zero)
                rows.append(row)
                trows.append(trow)
            src = arb_mat([O[u] for u in srcs] + [[arb(1)] * d])
            tsrc = arb_mat([Ot[u] for u in srcs] + [[zero] * d])
            Z = (arb_mat(rows) * src).tolist()
            Zt = (arb_mat(trows) * src + arb_mat(rows) * tsrc).tolist()
            for v, z, zt in zip(gen, Z, Zt):
                if self.act[v] is None:
                    O[v], Ot[v], D1[v], D1t[v] = z, zt, None, None
                else:
                    pairs = [self.act[v](x) for x in z]
                    O[v] = [a for a, _ in pairs]
                    D1[v] = [b for _, b in pairs]
                    Ot[v] = [b * x for (_, b), x in zip(pairs, zt)]
                    D1t[v] = [self.act[v].second(x) * y for x, y in zip(z, zt)]
        return O, Ot, D1, D1t

    def jacobian_columns_tangent(self, O, Ot, D1, D1t, params, tangent, wanted):
        """The columns dH/dp for p in ``wanted`` and their derivatives along ``tangent`` (forward over reverse),
        from :meth:`forward_tangent`'s result: returns (J, Jt) as arb_mats (l*d x len(wanted))."""
        d, l = len(next(iter(O.values()))), len(self.outputs)
        where = {lab: j for j, lab in enumerate(wanted)}
        zero = arb(0)
        J = [[zero] * len(wanted) for _ in range(l * d)]
        Jt = [[zero] * len(wanted) for _ in range(l * d)]
        order = [v for gen in self.generations for v in gen]
        for k, out in enumerate(self.outputs):
            adj = {out: ([arb(1)] * d, [zero] * d)}
            for v in reversed(order):
                got = adj.pop(v, None)
                if got is None:
                    continue
                a, at = got
                if D1[v] is not None:
                    a, at = [x * y for x, y in zip(a, D1[v])], [x * y + z * w for x, y, z, w in
                                                                 zip(at, D1[v], a, D1t[v])]
                if self.bias[v] in where:
                    j = where[self.bias[v]]
                    for i in range(d):
                        J[i * l + k][j] += a[i]
                        Jt[i * l + k][j] += at[i]
                for u, lab in self.preds[v]:
                    if lab in where:
                        j = where[lab]
                        for i in range(d):
                            J[i * l + k][j] += a[i] * O[u][i]
                            Jt[i * l + k][j] += at[i] * O[u][i] + a[i] * Ot[u][i]
                    if self.kind[u] != "input":
                        w, wt = params[lab], tangent.get(lab, zero)
                        c = [w * x for x in a]
                        ct = [wt * x + w * y for x, y in zip(a, at)]
                        prev = adj.get(u)
                        adj[u] = (c, ct) if prev is None else ([x + y for x, y in zip(prev[0], c)],
                                                              [x + y for x, y in zip(prev[1], ct)])
        return arb_mat(J), arb_mat(Jt)
