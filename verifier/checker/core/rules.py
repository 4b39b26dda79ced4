"""One rule per Cooper claim id: re-derive the claim from the instance and the evidence.

A rule returns ``(status, message)`` where status is the status the checker
itself can establish: ``verified`` only when its own computation proves the
claim, ``refuted`` when it proves the claim's refutation, else
``inconclusive``. Stored numbers are never trusted: a stored bound must be
implied by the bound recomputed here.
"""

from __future__ import annotations

import flint
from flint import arb, arb_mat

from ..format import FormatError, arb_to_fmpq, parse_rational
from .evaluate import RECTIFIED, SMOOTH
from .norms import norm2_upper
from .path import rule_path, rule_segment_loss
from .preconditioner import preconditioner

V, R, I = "verified", "refuted", "inconclusive"


class Context:
    """What the rules share: the parsed instance, the point, and cached computations."""

    def __init__(self, net, X, Y, point, prec_bits, theorem=None):
        self.net, self.Xq, self.Yq, self.point, self.prec = net, X, Y, point, prec_bits
        self.theorem = theorem
        self.d, self.l = len(X), len(net.outputs)
        self.m = self.l * self.d
        self.n = len(net.labels)
        self.krawczyk = None   # set by the zero rule when it verifies
        self.forward = {}      # forward passes at the midpoint and over the box
        self.endpoints = None  # the given points of a path claim (cooper-connected), read by its rule
        self.separated = None  # (label, start value, end value, max_distance) of a verified separated claim
        self.progress = None   # optional callable(text): progress of long rules

    def arb_rows(self, rows):
        return [[arb(c) for c in row] for row in rows]


def _num(q) -> str:
    """A short decimal for messages, also beyond the float64 range."""
    try:
        return f"{float(q):.3e}"
    except OverflowError:
        return f"2^{int(q.p).bit_length() - int(q.q).bit_length()}"


def rule_distinct_inputs(ctx, claim):
    seen = {}
    dups = []
    for i, row in enumerate(ctx.Xq):
        key = tuple((q.p, q.q) for q in row)
        if key in seen:
            dups.append((seen[key], i))
        else:
            seen[key] = i
    if not dups:
        return V, f"the {ctx.d} inputs x_i are pairwise distinct (exact comparison)"
    ev = claim.get("evidence", {})
    stated = ev.get("duplicate_indices")
    if stated is not None and (not isinstance(stated, list) or sorted(map(tuple, stated)) != sorted(dups)
                               or not isinstance(ev.get("rows"), list) or len(ev["rows"]) != len(stated)):
        return I, "the evidence's duplicate_indices are not the duplicate pairs of the data (or rows do not match)"
    return R, f"x_i repeat (data indices {dups[0][0]} and {dups[0][1]})"


def rule_overparameterized(ctx, claim):
    ev = claim.get("evidence", {})
    if ev.get("n") != ctx.n or ev.get("equations") != ctx.m:
        return I, f"evidence says n = {ev.get('n')}, l*d = {ev.get('equations')}; recomputed n = {ctx.n}, l*d = {ctx.m}"
    return (V, f"n = {ctx.n} > l*d = {ctx.m}") if ctx.n > ctx.m else (R, f"n = {ctx.n} <= l*d = {ctx.m}")


def _activation_rule(names, what):
    def rule(ctx, claim):
        have = sorted({a.name for a in ctx.net.acts})
        if claim.get("evidence", {}).get("activations") != have:
            return I, f"the evidence's activations are not the network's ({', '.join(have)})"
        bad = sorted({a.name for a in ctx.net.acts if a.name not in names})
        if bad:
            return R, f"activation(s) {', '.join(bad)} not {what}"
        return V, f"every hidden activation is {what} ({', '.join(sorted({a.name for a in ctx.net.acts}))})"
    return rule


def last_hidden(ctx):
    """Hidden nodes that feed every output directly (the last hidden layer of an MLP)."""
    return [v for v in ctx.net.kind if ctx.net.kind[v] == "hidden"
            and all(any(u == v for u, _ in ctx.net.preds[o]) for o in ctx.net.outputs)]


def rule_hidden_width(ctx, claim):
    """Lemma 3.3's hypothesis: the last hidden layer has width >= d."""
    width = len(last_hidden(ctx))
    ev = claim.get("evidence", {})
    if ev.get("width") != width or ev.get("d") != ctx.d:
        return I, f"evidence says width {ev.get('width')}, d = {ev.get('d')}; recomputed {width}, d = {ctx.d}"
    return (V, f"last hidden width {width} >= d = {ctx.d}") if width >= ctx.d else \
        (R, f"last hidden width {width} < d = {ctx.d}")


def rule_construction(ctx, claim):
    """Lemma 3.3 / Cor. 3.4: the last hidden layer's matrix A is lower triangular with positive diagonal.

    Evidence: ``columns`` (hidden node ids, in order) and ``rows`` (data indices,
    in order). A_ij = sigma(z_j(x_i)); for a rectified sigma, z <= 0 gives 0 and
    z > 0 gives a positive value, so the signs of the pre-activations decide it.
    """
    last = last_hidden(ctx)
    if len(last) < ctx.d:
        return R, f"only {len(last)} hidden nodes feed the outputs directly; the construction needs d = {ctx.d}"
    if ctx.point is None:
        return I, "the certificate has no point"
    ev = claim.get("evidence", {})
    cols, rows = ev.get("columns"), ev.get("rows")
    if not isinstance(cols, list) or not isinstance(rows, list) or len(cols) != len(rows) \
            or sorted(rows) != list(range(ctx.d)) or len(set(cols)) != len(cols) \
            or any(c not in ctx.net.kind or ctx.net.kind[c] != "hidden" for c in cols):
        return I, "construction evidence must list d distinct hidden nodes and a permutation of the data indices"
    if any(ctx.net.act[c].name not in RECTIFIED for c in cols):
        return R, "a node of the construction does not have a rectified activation"
    feeds = {(u, o) for o in ctx.net.outputs for u, _ in ctx.net.preds[o]}
    if any((c, o) not in feeds for c in cols for o in ctx.net.outputs):
        return I, "the construction's hidden nodes must feed every output directly (the last hidden layer)"
    if ctx.theorem == "cooper-3.3" and any(ctx.net.kind[u] != "input" for v in ctx.net.kind
                                           if ctx.net.kind[v] == "hidden" for u, _ in ctx.net.preds[v]):
        return R, "cooper-3.3 is about one hidden layer; this network is deeper (see cooper-3.4)"
    _, Z, _ = _forward(ctx, box=True)   # the signs must hold at every point of the box
    for a, i in enumerate(rows):
        for b, c in enumerate(cols):
            z = Z[c][i]
            if b > a and not z.upper() <= 0:
                return I, f"cannot show z_{c}(x_{i}) <= 0 (above the diagonal): {z.str(5)}"
            if b == a and not z.lower() > 0:
                return I, f"cannot show z_{c}(x_{i}) > 0 (on the diagonal): {z.str(5)}"
    return V, f"A ({ctx.d} x {ctx.d}) is lower triangular with positive diagonal, hence invertible"


def _forward(ctx, box=False):
    """(O, Z, D1) at the midpoint of the point, or over its box; computed once."""
    key = "box" if box else "mid"
    if key not in ctx.forward:
        params = {lab: v[key] for lab, v in ctx.point.items()}
        # Over the box, nodes that read no ball coordinate equal their midpoint values.
        reuse = _forward(ctx) if box else None
        exact = {lab for lab, v in ctx.point.items() if v["rad"] is None}
        with flint.ctx.workprec(ctx.prec):
            ctx.forward[key] = ctx.net.forward(ctx.arb_rows(ctx.Xq), params, reuse=reuse, exact=exact)
    return ctx.forward[key]


def rule_zero(ctx, claim):
    """Krawczyk on the square subsystem in the ``unknowns``; the other labels are exact.

    With Z the box of the unknowns, z its midpoint, G the residuals as a function
    of the unknowns and R ~ mid(J_S(Z))^{-1}: if K = z - R G(z) + (I - R J_S(Z))(Z - z)
    lies in the interior of Z, then G has exactly one zero in Z, it lies in K,
    and every matrix in J_S(Z) is nonsingular.
    """
    if ctx.point is None:
        return I, "the certificate has no point"
    ev = claim.get("evidence", {})
    unknowns = ev.get("unknowns")
    if "prec_bits" in ev and ev["prec_bits"] != ctx.prec:
        return I, "the zero evidence's prec_bits differs from the certificate's"
    if not isinstance(unknowns, list) or len(unknowns) != ctx.m or len(set(unknowns)) != ctx.m \
            or any(u not in ctx.point for u in unknowns):
        return I, f"zero evidence must name {ctx.m} distinct unknown labels of the point"
    for lab, v in ctx.point.items():
        if (lab in unknowns) != (v["rad"] is not None):
            return I, f"label {lab!r}: unknowns must be balls and all other coordinates exact"
    try:
        if ev.get("radius") is not None and unknowns and parse_rational(ev["radius"]) != max(ctx.point[u]["rad"] for u in unknowns):
            return I, "the zero evidence's radius differs from the point's"
    except FormatError as exc:
        return I, f"radius: {exc}"
    blocks = _blocks(ctx, unknowns, ev.get("blocks"))
    if isinstance(blocks, str):
        return I, blocks
    with flint.ctx.workprec(ctx.prec):
        Y = ctx.arb_rows(ctx.Yq)
        G = ctx.net.residuals(_forward(ctx)[0], Y)
        Ob, _, D1b = _forward(ctx, box=True)
        params_box = {lab: v["box"] for lab, v in ctx.point.items()}
        sig, worst = None, arb(0)
        for rows, labels in blocks:
            full = ctx.net.jacobian_columns(Ob, D1b, params_box, labels).tolist()
            JS = arb_mat([full[r] for r in rows])
            Rm = preconditioner(JS, ctx.prec)
            if Rm is None:
                return I, "the midpoint Jacobian of the unknowns is numerically singular"
            E = -(Rm * JS)
            for i in range(len(labels)):
                E[i, i] = E[i, i] + 1
            zmid = [arb(ctx.point[u]["mid_q"]) for u in labels]
            dz = arb_mat([[ctx.point[u]["box"] - zm] for u, zm in zip(labels, zmid)])
            K = arb_mat([[zm] for zm in zmid]) - Rm * arb_mat([[G[r]] for r in rows]) + E * dz
            for j, u in enumerate(labels):
                k = K[j, 0]
                lo_q, hi_q = ctx.point[u]["mid_q"] - ctx.point[u]["rad"], ctx.point[u]["mid_q"] + ctx.point[u]["rad"]
                if not (ctx.point[u]["box"].contains_interior(k) and arb_to_fmpq(k.lower()) > lo_q
                        and arb_to_fmpq(k.upper()) < hi_q):
                    return I, f"Krawczyk inclusion fails for {u!r} at {ctx.prec} bits (K = {k.str(5)})"
            e2 = norm2_upper(E)
            if not e2 < 1:
                return I, "the contraction ||I - R J_S|| is not below 1"
            s_k = ((1 - e2) / norm2_upper(Rm)).lower()
            sig = s_k if sig is None or s_k < sig else sig
            worst = e2 if e2 > worst else worst
    if ctx.theorem in LOCAL_THEOREMS:
        near = _near_given_point(ctx, ev)
        if near is not None:
            return I, near
    ctx.krawczyk = {"sigma_min_lower": arb_to_fmpq(sig) if sig is not None and sig > 0 else flint.fmpq(0),
                    "unknowns": unknowns}
    return V, (f"Krawczyk: exactly one zero of H in the {ctx.m}-dimensional box "
               f"(contraction ||I - R J_S|| <= {float(arb_to_fmpq(worst)):.2e}"
               + (f", {len(blocks)} independent blocks)" if len(blocks) > 1 else ")"))


LOCAL_THEOREMS = ("cooper-2.1", "cooper-2.3")


def _near_given_point(ctx, ev):
    """Theorem 2.1's "nearby", checked: every point of the certified box lies within ``distance_bound``
    (max-norm) of the given point, and that bound is at most ``max_distance``. None when it holds, else why."""
    given = ev.get("given_point")
    if not isinstance(given, dict) or set(given) != set(ctx.point):
        return "the zero evidence must give the given point (every parameter label) of the local theorem"
    try:
        bound, limit = parse_rational(ev.get("distance_bound")), parse_rational(ev.get("max_distance"))
        dist = flint.fmpq(0)
        for lab, v in ctx.point.items():
            g = parse_rational(given[lab])
            gap = abs(v["mid_q"] - g) + (v["rad"] if v["rad"] is not None else 0)
            dist = gap if gap > dist else dist
    except FormatError as exc:
        return f"the given point or the distance bounds: {exc}"
    if not dist <= bound:
        return f"the stated distance bound {ev.get('distance_bound')} is below the distance {_num(dist)} of the box"
    if not bound <= limit:
        return f"the certified zero is {ev.get('distance_bound')} from the given point, farther than max_distance"
    return None


def _upstream(net, out):
    """Labels that output ``out`` depends on: edges and biases of it and its ancestors."""
    labs, seen, stack = set(), {out}, [out]
    while stack:
        v = stack.pop()
        if net.bias[v] is not None:
            labs.add(net.bias[v])
        for u, lab in net.preds[v]:
            labs.add(lab)
            if u not in seen:
                seen.add(u)
                stack.append(u)
    return labs


def _blocks(ctx, unknowns, hint):
    """[(residual rows, unknown labels)] of independent square subsystems, or a reason string.

    Without a hint: one block. With one (a partition of the unknowns), each output's
    unknowns must lie in a single block, and that block's rows are the residuals of
    those outputs; every other derivative of those rows is structurally zero, so the
    blocks are independent square systems.
    """
    if hint is None:
        return [(list(range(ctx.m)), list(unknowns))]
    if not isinstance(hint, list) or not all(isinstance(b, list) and b for b in hint) \
            or sorted(x for b in hint for x in b if isinstance(x, str)) != sorted(unknowns) \
            or sum(len(b) for b in hint) != len(unknowns):
        return "the zero evidence's blocks must partition the unknowns"
    where = {u: c for c, b in enumerate(hint) for u in b}
    rows = [[] for _ in hint]
    for k, out in enumerate(ctx.net.outputs):
        own = _upstream(ctx.net, out) & set(unknowns)
        homes = {where[u] for u in own}
        if len(homes) != 1:
            return f"output {out!r} depends on unknowns of {len(homes)} blocks (need exactly one)"
        rows[homes.pop()].extend(i * ctx.l + k for i in range(ctx.d))
    for c, b in enumerate(hint):
        if len(rows[c]) != len(b):
            return f"block {c} has {len(rows[c])} residuals for {len(b)} unknowns"
    return [(sorted(r), list(b)) for r, b in zip(rows, hint)]


def rule_rank(ctx, claim):
    """rank J = l*d on the whole box: J_S is nonsingular there (from the zero rule); sigma_min(J) >= bound."""
    if ctx.krawczyk is None:
        return I, "rank-J rests on the zero claim, which did not check"
    ev = claim.get("evidence", {})
    if ev.get("rank") != ctx.m:
        return I, f"evidence rank {ev.get('rank')} differs from l*d = {ctx.m}"
    got = ctx.krawczyk["sigma_min_lower"]
    try:
        stored = parse_rational(ev.get("sigma_min_lower", "0"))
    except FormatError as exc:
        return I, f"sigma_min_lower: {exc}"
    if stored > got:
        return I, f"stored sigma_min lower bound {stored.str()[:30]} exceeds the recomputed {_num(got)}"
    if got <= 0:
        return I, "no positive lower bound on sigma_min(J)"
    return V, f"rank J = {ctx.m} at every point of the box; sigma_min(J) >= {_num(got)}"


def rule_manifold(ctx, claim):
    ev = claim.get("evidence", {})
    if ctx.krawczyk is None:
        return I, "manifold rests on the zero and rank claims"
    if ev.get("dimension") != ctx.n - ctx.m:
        return I, f"evidence dimension {ev.get('dimension')} differs from n - l*d = {ctx.n - ctx.m}"
    if ctx.n <= ctx.m:
        return R, f"n = {ctx.n} <= l*d = {ctx.m}"
    return V, f"near the certified point M is a smooth manifold of dimension {ctx.n - ctx.m} (implicit function theorem)"


def rule_hessian(ctx, claim):
    """At w* in M, Hess L = 2 J^T J: l*d eigenvalues >= 2 sigma_min(J)^2 > 0 and n - l*d zeros."""
    if ctx.krawczyk is None:
        return I, "the Hessian signature rests on the zero and rank claims"
    ev = claim.get("evidence", {})
    if ev.get("positive") != ctx.m or ev.get("zero") != ctx.n - ctx.m:
        return I, f"evidence counts ({ev.get('positive')}, {ev.get('zero')}) differ from ({ctx.m}, {ctx.n - ctx.m})"
    bound = 2 * ctx.krawczyk["sigma_min_lower"] ** 2
    try:
        stored = parse_rational(ev.get("min_positive_lower", "0"))
    except FormatError as exc:
        return I, f"min_positive_lower: {exc}"
    if stored > bound:
        return I, f"stored eigenvalue bound {stored.str()[:30]} exceeds the recomputed {_num(bound)}"
    if bound <= 0:
        return I, "no positive eigenvalue bound"
    if "spectrum" in ev:
        problem = _check_spectrum(ctx, ev["spectrum"], ev.get("spectrum_zeros"))
        if problem:
            return I, problem
    return V, f"Hess L(w*) has {ctx.m} eigenvalues >= {_num(bound)} and {ctx.n - ctx.m} zero eigenvalues"


def _check_spectrum(ctx, spectrum, zeros):
    """Stored enclosures of the l*d nonzero eigenvalues of Hess L(w*) must contain our own.

    Ours: J over the box (every label), G = 2 J J^T (whose eigenvalues are those of
    2 J^T J but the zeros), eigenvalues isolated by Arb (Rump's method).
    """
    if ctx.n > 200:
        return "the spectrum is re-derived only for n <= 200"
    if zeros != ctx.n - ctx.m or not isinstance(spectrum, list) or len(spectrum) != ctx.m:
        return f"the spectrum must list {ctx.m} eigenvalues and {ctx.n - ctx.m} zeros"
    labels = sorted(ctx.net.labels)
    Ob, _, D1b = _forward(ctx, box=True)
    with flint.ctx.workprec(ctx.prec):
        J = ctx.net.jacobian_columns(Ob, D1b, {lab: v["box"] for lab, v in ctx.point.items()}, labels)
        G = 2 * (J * J.transpose())
        try:
            own = sorted((e.real for e in flint.acb_mat(G).eig(algorithm="rump")), key=lambda x: x.mid())
            stored = sorted((arb(s) for s in spectrum), key=lambda x: x.mid())
        except (ValueError, TypeError):
            return "the spectrum could not be re-derived or read"
    for k, (mine, theirs) in enumerate(zip(own, stored)):
        if not theirs.contains(mine):
            return f"stored eigenvalue {k} {theirs.str(5)} does not contain the recomputed {mine.str(5)}"
    return None


RULES = {
    "distinct-inputs": rule_distinct_inputs,
    "overparameterized": rule_overparameterized,
    "activation-rectified": _activation_rule(RECTIFIED, "rectified"),
    "activation-smooth": _activation_rule(SMOOTH, "smooth"),
    "hidden-width": rule_hidden_width,
    "construction": rule_construction,
    "zero": rule_zero,
    "rank-J": rule_rank,
    "manifold": rule_manifold,
    "hessian-signature": rule_hessian,
    "path": rule_path,
    "segment-loss": rule_segment_loss,
}
