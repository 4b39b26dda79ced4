"""The ``path`` and ``segment-loss`` claims of ``cooper-connected``: a chain of Krawczyk tests along a route in M.

The parameters split into l*d *pivots* u and the other, *free*, coordinates v. A *leg* is a straight route
v(t) = a + s(t) (b - a), s(t) = (t - t0) / (t1 - t0), over [t0, t1], with one split. Each *segment* [ta, tb] of a
leg carries a box X of the pivots (midpoint x, a radius per pivot). With T = [ta, tb], tm its midpoint, V(T) the
box of v over T, delta = dv/dt = (b - a) / (t1 - t0) and any matrix R (a preconditioner, not trusted):

    K = x - R F(x, v(tm)) - (R F_t) (T - tm) + (I - R J_u(X, v(tm)) - (R J_u,t) (T - tm)) (X - x),

where F(u, v) = H(u, v), F_t = J_v delta is enclosed over {x} x V(T) (forward mode) and J_u,t = d/dt
J_u(u, v(t)) over X x V(T) (forward over reverse). For each fixed t in T and u in X, F(x, v(t)) = F(x, v(tm)) + F_t(x, v(tau))
(t - tm) and J_u(u, v(t)) = J_u(u, v(tm)) + J_u,t(u, v(tau')) (t - tm), entry by entry, for some tau, tau' in T
(mean value theorem in t), so K contains the Krawczyk operator of u -> F(u, v(t)) on X. When some pivot is
not one H is affine in (J_u then depends on the pivots), the same is done in the pivots too: R J_u(X, v(t))
lies in R J_u(x, v(tm)) + (R J_u,t(x, V(T))) (T - tm) + sum_j (R dJ_u/du_j(X, V(T))) (X_j - x_j), on the legs
whose evidence says ``centred`` (it costs one more pass per pivot; both forms are enclosures). If K lies in the interior of X, then for every t in
T there is exactly one zero u(t) of F(., v(t)) in X, every matrix in J_u(X, V(T)) is nonsingular, and t -> u(t)
is continuous (the implicit function theorem gives a local continuous branch, and uniqueness in X makes it this
one). A zero in X is a fixed point of the Krawczyk map, so at a fixed t it lies in
K_t = x - R F(x, v(t)) + (I - R J_u(X, V(T))) (X - x): the *enclosure* of u(t) at the segment's ends.

*Joints.* Consecutive segments of a leg share their end t: if the first's enclosure at t lies in the second's
box, the first's zero there is a zero in the second's box, hence its unique one, and the two pieces join.

*Legs.* Leg j + 1 starts at the t where leg j ends. With the same split and a_{j+1} = b_j it is a joint as above.
Otherwise a *bridge* joins P, the end of leg j, to Q, the start of leg j + 1. A small box of the old pivots inside
the last box of leg j passes the Krawczyk test at v = b_j, so it holds a zero, which is P (unique in that last
box); likewise a small box of the new pivots inside the first box of leg j + 1 holds Q. Both small boxes (with
their exact free coordinates) must lie in X_b x V_b, where V_b is the smallest box holding the new free
coordinates of both, and X_b (a box of the new pivots) passes the Krawczyk test with v ranging over V_b. Then M
meets X_b x V_b in the graph of a continuous function over the convex V_b, and the straight line from P's to Q's
free coordinates lifts to a path from P to Q in M.

Every point of the chained path is a zero of H (L = 0) at which a square block J_u of J is nonsingular, so
rank J = l*d along all of it. The solver calls :func:`segment` and :func:`bridge` while it searches (they are
the proof; it only chooses the boxes), and this rule re-runs every one of them.
"""

from __future__ import annotations

import flint
from flint import arb, arb_mat, fmpq

from ..format import FormatError, arb_to_fmpq, parse_rational, path_message, segment_loss_message
from .norms import norm2_upper
from .preconditioner import preconditioner

V, I = "verified", "inconclusive"

__all__ = ["Leg", "segment", "bridge", "box_test", "junction", "affine_labels", "within", "inside", "distance", "segment_loss", "rule_path", "rule_segment_loss", "MAX_SEGMENTS"]

# Budgets on what a certificate may ask the checker to re-run (a hostile one cannot make it run for ever).
MAX_SEGMENTS = 20_000
MAX_LEGS = 1_000
MAX_GRID = 1_000


class Leg:
    """One straight route of the free coordinates: v(t) = a + (t - t0)/(t1 - t0) (b - a), t in [t0, t1]."""

    def __init__(self, pivots, free, a: dict, b: dict, t0: fmpq, t1: fmpq, centred: bool = False):
        self.pivots, self.free, self.a, self.b, self.t0, self.t1 = list(pivots), list(free), a, b, t0, t1
        self.centred = centred     # the centred form in the pivots as well (one more pass per pivot)

    def v(self, t: fmpq) -> dict:
        """The free coordinates at t, exactly."""
        s = (t - self.t0) / (self.t1 - self.t0)
        return {f: self.a[f] + s * (self.b[f] - self.a[f]) for f in self.free}

    def v_box(self, ta: fmpq, tb: fmpq) -> dict:
        """Balls holding v(t) for every t in [ta, tb] (each coordinate is linear in t: its ends are its extremes)."""
        va, vb = self.v(ta), self.v(tb)
        return {f: arb(va[f]).union(arb(vb[f])) for f in self.free}

    def delta(self) -> dict:
        """dv/dt as balls."""
        return {f: arb((self.b[f] - self.a[f]) / (self.t1 - self.t0)) for f in self.free}


def _residuals(ctx, params) -> list:
    O, _, _ = ctx.net.forward(ctx.arb_rows(ctx.Xq), params)
    return ctx.net.residuals(O, ctx.arb_rows(ctx.Yq))


def _col(values) -> arb_mat:
    return arb_mat([[x] for x in values])


def _box(mid, rad) -> arb:
    return arb(mid - rad).union(arb(mid + rad))


def inside(ball: arb, mid: fmpq, rad: fmpq) -> bool:
    """Every point of ``ball`` lies in the closed interval [mid - rad, mid + rad] (exact comparison)."""
    return ball.is_finite() and arb_to_fmpq(ball.lower()) >= mid - rad and arb_to_fmpq(ball.upper()) <= mid + rad


def affine_labels(net) -> set:
    """Labels that H is affine in: weights of edges into output nodes and output biases that appear nowhere
    else (an output node has no activation). J_u does not depend on such pivots."""
    into, elsewhere = set(), set()
    for v, preds in net.preds.items():
        bucket = into if net.kind[v] == "output" else elsewhere
        bucket.update(lab for _, lab in preds)
        if net.bias[v] is not None:
            bucket.add(net.bias[v])
    return into - elsewhere


def _krawczyk(ctx, pivots, mid, rad, F, Ju, Jd=None, Jut=None, dT=None, hint=None, Jux=()):
    """(reason, None) or (None, (R, E dX, ||E|| bound)) after checking that
    K = x - R F + (I - R J_u)(X - x) lies in the interior of X.

    Without ``dT``: ``F`` holds F(x, v) for every v considered and ``Ju`` holds J_u over the box. With it (a
    segment): ``F`` is F(x, v(tm)), ``Jd`` holds dF/dt over the box, ``Ju`` holds J_u(X, v(tm)) and ``Jut`` holds
    dJ_u/dt over the box, and the mean value theorem in t gives R F(x, v(t)) in R F + (R Jd) dT and R J_u in
    R Ju + (R Jut) dT: R is multiplied into the derivatives before the scalar interval dT, so their components
    stay correlated (no wrapping over the many free coordinates). ``Jux``: pairs (D_j, X_j - x_j) of the
    centred form in the pivots (then ``Ju`` is J_u at x itself): R J_u over X lies in R Ju + sum_j (R D_j)
    (X_j - x_j), D_j enclosing dJ_u/du_j over the box."""
    m = len(pivots)
    Rm = preconditioner(Ju, ctx.prec)
    if Rm is None:
        return "the Jacobian block of the pivots is numerically singular", None
    RJ = Rm * Ju
    if Jut is not None:
        RJ = RJ + (Rm * Jut) * dT
    for D, dx in Jux:
        RJ = RJ + (Rm * D) * dx
    E = -RJ
    for i in range(m):
        E[i, i] = E[i, i] + 1
    dX = _col([_box(x, r) - arb(x) for x, r in zip(mid, rad)])
    EdX = E * dX
    K = _col([arb(x) for x in mid]) - Rm * _col(F) + EdX
    if Jd is not None:
        RJd = Rm * _col(Jd)
        K = K - _col([RJd[i, 0] * dT for i in range(m)])
    for i, p in enumerate(pivots):
        k = K[i, 0]
        if not (k.is_finite() and arb_to_fmpq(k.lower()) > mid[i] - rad[i] and arb_to_fmpq(k.upper()) < mid[i] + rad[i]):
            if hint is not None:          # for the search: how far K reached (epsilon-inflation of the box)
                hint["K"] = [K[j, 0] for j in range(m)]
            return f"Krawczyk inclusion fails for pivot {p!r} at {ctx.prec} bits (K = {k.str(5)})", None
    e2 = norm2_upper(E)
    if not e2 < 1:
        return "the contraction ||I - R J_u|| is not below 1", None
    return None, (Rm, EdX, e2)


def segment(ctx, leg: Leg, ta: fmpq, tb: fmpq, mid: list, rad: list, hint=None):
    """The Krawczyk test of one segment (see the module docstring).

    Returns (None, (enclosure at ta, enclosure at tb, contraction)), the enclosures lists of balls over
    ``leg.pivots`` and the contraction an upper bound on ||I - R J_u|| (a float, for the search's step control),
    or (reason, None). ``mid``, ``rad``: exact rationals per pivot, rad > 0. ``hint`` (a dict, for the search):
    where the inclusion fails, K is left there under "K".
    """
    Xd = ctx.arb_rows(ctx.Xq)
    with flint.ctx.workprec(ctx.prec):
        X = {p: _box(x, r) for p, x, r in zip(leg.pivots, mid, rad)}
        xm = {p: arb(x) for p, x in zip(leg.pivots, mid)}
        tm, half = (ta + tb) / 2, (tb - ta) / 2
        point = {f: arb(q) for f, q in leg.v(tm).items()}
        box, tangent = {**X, **leg.v_box(ta, tb)}, leg.delta()
        # dF/dt at x over V(T) (forward mode); F at (x, v(tm)). When every pivot is one H is affine in, J_u does
        # not depend on the pivots: J_u at v(tm) and dJ_u/dt over V(T) (forward over reverse). Otherwise the
        # centred form in the pivots as well: J_u and dJ_u/dt at x, and dJ_u/du_j over X x V(T) for each pivot.
        xbox = {**xm, **leg.v_box(ta, tb)}
        _, Ot, _, _ = ctx.net.forward_tangent(Xd, xbox, tangent)
        Jd = [Ot[o][i] for i in range(ctx.d) for o in ctx.net.outputs]
        centred = leg.centred and not set(leg.pivots) <= affine_labels(ctx.net)
        O, Ot, D1, D1t = ctx.net.forward_tangent(Xd, xbox if centred else box, tangent)
        _, Jut = ctx.net.jacobian_columns_tangent(O, Ot, D1, D1t, xbox if centred else box, tangent, leg.pivots)
        at_mid = {**(xm if centred else X), **point}
        Om, _, D1m = ctx.net.forward(Xd, at_mid)
        Ju = ctx.net.jacobian_columns(Om, D1m, at_mid, leg.pivots)
        Jux = []
        if centred:
            for p, x in zip(leg.pivots, mid):
                O, Ot, D1, D1t = ctx.net.forward_tangent(Xd, box, {p: arb(1)})
                _, D = ctx.net.jacobian_columns_tangent(O, Ot, D1, D1t, box, {p: arb(1)}, leg.pivots)
                Jux.append((D, X[p] - arb(x)))
        Fm = _residuals(ctx, {**xm, **point})
        dT = arb(-half).union(arb(half))
        reason, pre = _krawczyk(ctx, leg.pivots, mid, rad, Fm, Ju, Jd, Jut, dT, hint, Jux)
        if reason:
            return reason, None
        Rm, EdX, e2 = pre
        encs = []
        for t in (ta, tb):
            Ft = _residuals(ctx, {**xm, **{f: arb(q) for f, q in leg.v(t).items()}})
            K = _col([arb(x) for x in mid]) - Rm * _col(Ft) + EdX
            encs.append([K[i, 0] for i in range(len(mid))])
        return None, (*encs, float(e2.upper()))


def box_test(ctx, pivots, V: dict, mid: list, rad: list, hint=None):
    """Krawczyk on the box X = mid +- rad of ``pivots`` with the free coordinates ranging over the balls ``V``
    (direct ball evaluation: for V a point or a tiny box). None when, for every v in V, exactly one zero of
    H(., v) lies in X and J_u is nonsingular on X x V; else the reason."""
    with flint.ctx.workprec(ctx.prec):
        box = {**{p: _box(x, r) for p, x, r in zip(pivots, mid, rad)}, **V}
        O, _, D1 = ctx.net.forward(ctx.arb_rows(ctx.Xq), box)
        Ju = ctx.net.jacobian_columns(O, D1, box, pivots)
        F = _residuals(ctx, {**{p: arb(x) for p, x in zip(pivots, mid)}, **V})
        reason, _ = _krawczyk(ctx, pivots, mid, rad, F, Ju, hint=hint)
        return reason


def bridge(ctx, pivots, free, P: dict, Q: dict, mid: list, rad: list, hint=None):
    """The Krawczyk test of a bridge between P and Q (full-coordinate balls: {label: arb}); None when it proves
    that P and Q are joined by a path in M (see the module docstring), else the reason."""
    with flint.ctx.workprec(ctx.prec):
        for name, pt in (("the end of the previous leg", P), ("the start of the next leg", Q)):
            for p, x, r in zip(pivots, mid, rad):
                if not inside(pt[p], x, r):
                    return f"{name} is not in the bridge's box (pivot {p!r})"
        return box_test(ctx, pivots, {f: P[f].union(Q[f]) for f in free}, mid, rad, hint)


def within(inner, outer) -> bool:
    """Box (mid, rad) ``inner`` lies in box ``outer`` (exact)."""
    return all(x - r >= y - s and x + r <= y + s for x, r, y, s in zip(*inner, *outer))


# --------------------------------------------------------------------------- reading the evidence


def _q(text, what) -> fmpq:
    try:
        return parse_rational(text)
    except FormatError as exc:
        raise FormatError(f"{what}: {exc}") from None


def _point(obj, labels, what) -> dict:
    if not isinstance(obj, dict) or set(obj) != set(labels):
        raise FormatError(f"{what} must map exactly the free or all labels it covers")
    return {lab: _q(v, f"{what}[{lab!r}]") for lab, v in obj.items()}


def _read_box(obj, m, what) -> tuple:
    if not isinstance(obj, dict) or set(obj) != {"mid", "rad"}:
        raise FormatError(f"{what} must be {{mid, rad}}")
    return _qlist(obj["mid"], m, f"{what} mid"), _qlist(obj["rad"], m, f"{what} rad", positive=True)


def _qlist(obj, m, what, positive=False) -> list:
    if not isinstance(obj, list) or len(obj) != m:
        raise FormatError(f"{what} must list {m} numbers")
    out = [_q(v, what) for v in obj]
    if positive and not all(r > 0 for r in out):
        raise FormatError(f"{what} must be positive")
    return out


def read_endpoints(ctx, ev) -> tuple:
    labels = sorted(ctx.net.labels)
    return _point(ev.get("start"), labels, "start"), _point(ev.get("end"), labels, "end")


def _read_legs(ctx, ev, start, end) -> list:
    """[(Leg, bridge (mid, rad) or None, [(t, mid, rad)])], strictly read."""
    legs = ev.get("legs")
    if not isinstance(legs, list) or not legs or len(legs) > MAX_LEGS:
        raise FormatError(f"legs must be a list of 1 to {MAX_LEGS} legs")
    if sum(len(g.get("segments") or []) if isinstance(g, dict) else 0 for g in legs) > MAX_SEGMENTS:
        raise FormatError(f"more than {MAX_SEGMENTS} segments")
    labels = set(ctx.net.labels)
    out, t0, prev = [], fmpq(0), None
    for j, g in enumerate(legs):
        last = j == len(legs) - 1
        want = {"pivots", "segments", "centred"} | ({"from", "bridge"} if j else set()) | (set() if last else {"to"})
        if not isinstance(g, dict) or not set(g) <= want or not {"pivots", "segments"} <= set(g) \
                or (j and "from" not in g) or (not last and "to" not in g):
            raise FormatError(f"leg {j + 1} must have pivots and segments, 'from' after the first leg, 'to' before "
                              "the last, and an optional bridge")
        piv = g["pivots"]
        if not isinstance(piv, list) or len(piv) != ctx.m or len(set(piv)) != ctx.m or not set(piv) <= labels:
            raise FormatError(f"leg {j + 1}: pivots must be {ctx.m} distinct parameter labels")
        free = sorted(labels - set(piv))
        a = {f: start[f] for f in free} if j == 0 else _point(g["from"], free, f"leg {j + 1} from")
        b = {f: end[f] for f in free} if last else _point(g["to"], free, f"leg {j + 1} to")
        segs = g["segments"]
        if not isinstance(segs, list) or not segs:
            raise FormatError(f"leg {j + 1}: segments must be a non-empty list")
        parsed, t = [], t0
        for k, s in enumerate(segs):
            if not isinstance(s, dict) or set(s) != {"t", "mid", "rad"}:
                raise FormatError(f"leg {j + 1}, segment {k + 1} must be {{t, mid, rad}}")
            tk = _q(s["t"], "t")
            if not tk > t:
                raise FormatError(f"leg {j + 1}, segment {k + 1}: t must increase")
            parsed.append((tk, _qlist(s["mid"], ctx.m, "mid"), _qlist(s["rad"], ctx.m, "rad", positive=True)))
            t = tk
        if last and t != 1:
            raise FormatError("the last segment must end at t = 1")
        if not last and not t < 1:
            raise FormatError(f"leg {j + 1} ends at t >= 1 before the last leg")
        if g.get("centred", False) not in (True, False):
            raise FormatError(f"leg {j + 1}: centred must be true or false")
        leg = Leg(piv, free, a, b, t0, t, centred=g.get("centred", False))
        plain = prev is not None and prev.pivots == leg.pivots and prev.b == leg.a
        br = None
        if j and not plain:
            bg = g.get("bridge")
            if not isinstance(bg, dict) or set(bg) != {"end", "start", "mid", "rad"} \
                    or not all(isinstance(bg[k], dict) and set(bg[k]) == {"mid", "rad"} for k in ("end", "start")):
                raise FormatError(f"leg {j + 1} changes the split or the route's point: it needs a bridge "
                                  "{end: {mid, rad}, start: {mid, rad}, mid, rad}")
            br = {k: _read_box(bg[k], ctx.m, f"bridge {k}") for k in ("end", "start")}
            br["box"] = _read_box({"mid": bg["mid"], "rad": bg["rad"]}, ctx.m, "bridge")
        elif "bridge" in g:
            raise FormatError(f"leg {j + 1} continues the previous leg: it takes no bridge")
        out.append((leg, br, parsed))
        prev, t0 = leg, t
    return out


def junction(ctx, prev_leg: Leg, prev_box, leg: Leg, first_box, br: dict, hint=None):
    """The bridge from the end P of ``prev_leg`` (the unique zero in its last box ``prev_box`` at its last t) to
    the start Q of ``leg`` (the unique zero in its first box ``first_box`` at its first t); None when proven.

    ``br["end"]``: a small box of the old pivots inside ``prev_box`` that holds a zero at v = b (point
    Krawczyk), so it holds P; ``br["start"]``: the same for Q in the new split; ``br["box"]``: the bridge box."""
    if not within(br["end"], prev_box) or not within(br["start"], first_box):
        return "the small boxes at the junction must lie in the boxes of the segments they meet"
    with flint.ctx.workprec(ctx.prec):
        reason = box_test(ctx, prev_leg.pivots, {f: arb(q) for f, q in prev_leg.b.items()}, *br["end"]) or \
            box_test(ctx, leg.pivots, {f: arb(q) for f, q in leg.a.items()}, *br["start"])
        if reason:
            return f"the point test at the junction: {reason}"
        P = {**{p: _box(x, r) for p, x, r in zip(prev_leg.pivots, *br["end"])},
             **{f: arb(q) for f, q in prev_leg.b.items()}}
        Q = {**{p: _box(x, r) for p, x, r in zip(leg.pivots, *br["start"])}, **{f: arb(q) for f, q in leg.a.items()}}
    return bridge(ctx, leg.pivots, leg.free, P, Q, *br["box"], hint)


def distance(enc: list, pivots, given: dict) -> fmpq:
    """max over the pivots of |w - given| for w in the enclosure (an exact upper bound)."""
    out = fmpq(0)
    for p, e in zip(pivots, enc):
        g = given[p]
        gap = max(arb_to_fmpq(e.upper()) - g, g - arb_to_fmpq(e.lower()))
        out = gap if gap > out else out
    return out


def _t(q) -> str:
    try:
        return f"{float(q):.6g}"
    except OverflowError:    # pragma: no cover - t lies in [0, 1]
        return str(q)


def rule_path(ctx, claim):
    """Re-run every segment, joint and bridge of the chain (see the module docstring) and the distance bounds."""
    ev = claim.get("evidence") or {}
    if ev.get("prec_bits") != ctx.prec:
        return I, "the path evidence's prec_bits differs from the certificate's"
    try:
        start, end = read_endpoints(ctx, ev)
    except FormatError as exc:
        return I, f"path evidence: {exc}"
    ctx.endpoints = (start, end)
    sep = getattr(ctx, "separated", None)
    if claim.get("status") == "refuted" and sep is not None:
        # A separated claim (checked before this one) proved that the coordinate sep[0] never vanishes on M
        # and has opposite signs at these two points, each farther than max_distance from 0.
        k, a, b, limit = sep
        try:
            same = start[k] == a and end[k] == b and _q(ev.get("max_distance"), "max_distance") == limit
        except FormatError as exc:
            return I, f"path evidence: {exc}"
        if not same:
            return I, "the separated claim is about other points or another max_distance"
        return "refuted", (f"no path in M joins zeros near the two points: {k} does not vanish on M and has opposite "
                           "signs near them (claim separated)")
    if "legs" not in ev:
        return I, "the certificate holds no complete chain of segments"
    try:
        legs = _read_legs(ctx, ev, start, end)
        limit = _q(ev.get("max_distance"), "max_distance")
        sd, ed = _q(ev.get("start_distance"), "start_distance"), _q(ev.get("end_distance"), "end_distance")
    except FormatError as exc:
        return I, f"path evidence: {exc}"
    say = getattr(ctx, "progress", None) or (lambda text: None)
    total = sum(len(s) for _, _, s in legs)
    done, prev_end, prev_box, prev_leg, start_enc, first_box = 0, None, None, None, None, None
    for j, (leg, br, segs) in enumerate(legs):
        t = leg.t0
        for k, (tk, mid, rad) in enumerate(segs):
            done += 1
            say(f"segment {done} of {total} (t = {_t(tk)})")
            where = f"leg {j + 1}, segment {k + 1} (t in [{_t(t)}, {_t(tk)}])"
            reason, encs = segment(ctx, leg, t, tk, mid, rad)
            if reason:
                return I, f"{where}: {reason}"
            if j == 0 and k == 0:
                start_enc, first_box = encs[0], (mid, rad)
            elif k > 0 or br is None:        # a joint: the previous zero lies in this box
                with flint.ctx.workprec(ctx.prec):
                    if not all(inside(e, x, r) for e, x, r in zip(prev_end, mid, rad)):
                        return I, f"{where}: the previous segment's zero at t = {_t(t)} is not in this box"
            else:                             # a bridge from the end of the previous leg to this leg's start
                reason = junction(ctx, prev_leg, prev_box, leg, (mid, rad), br)
                if reason:
                    return I, f"bridge into leg {j + 1} at t = {_t(t)}: {reason}"
            prev_end, prev_box, t = encs[1], (mid, rad), tk
        prev_leg = leg
    # The ends: a small box inside the first (last) segment's box that passes the point test holds the path's
    # end there (unique in that box), which bounds its distance from the given point more tightly.
    ends = []
    for key, leg, outer, enc, v in (("start_box", legs[0][0], first_box, start_enc, legs[0][0].a),
                                    ("end_box", legs[-1][0], prev_box, prev_end, legs[-1][0].b)):
        if key in ev:
            try:
                small = _read_box(ev[key], ctx.m, key)
            except FormatError as exc:
                return I, f"path evidence: {exc}"
            if not within(small, outer):
                return I, f"the {key} does not lie in the box of the segment it refines"
            reason = box_test(ctx, leg.pivots, {f: arb(q) for f, q in v.items()}, *small)
            if reason:
                return I, f"the point test of the {key}: {reason}"
            with flint.ctx.workprec(ctx.prec):
                enc = [_box(x, r) for x, r in zip(*small)]
        ends.append(enc)
    d0 = distance(ends[0], legs[0][0].pivots, start)
    d1 = distance(ends[1], legs[-1][0].pivots, end)
    if not (d0 <= sd and d1 <= ed):
        return I, "a stated distance bound is below the distance of the enclosed endpoint from the given point"
    if not (sd <= limit and ed <= limit):
        return I, (f"the path ends within {ev.get('start_distance')} and {ev.get('end_distance')} of the given points, "
                   f"not within max_distance = {ev.get('max_distance')}")
    turns = sum(1 for j, (_, br, _) in enumerate(legs) if j and br is None)
    return V, path_message(total, len(legs), ev["start_distance"], ev["end_distance"], turns)


def segment_loss(ctx, w0: dict, w1: dict, t: fmpq) -> arb:
    """A ball holding L((1 - t) w0 + t w1)."""
    with flint.ctx.workprec(ctx.prec):
        H = _residuals(ctx, {lab: arb((1 - t) * w0[lab] + t * w1[lab]) for lab in w0})
        total = arb(0)
        for h in H:
            total += h * h
        return total


def rule_segment_loss(ctx, claim):
    """Recompute each enclosure of L on the straight segment; the stored intervals must contain them."""
    ends = getattr(ctx, "endpoints", None)
    if ends is None:
        return I, "segment-loss reads the given points of the path claim, which must come first"
    ev = claim.get("evidence") or {}
    ts, lo, hi = ev.get("t"), ev.get("lower"), ev.get("upper")
    if not isinstance(ts, list) or not 1 <= len(ts) <= MAX_GRID or not isinstance(lo, list) \
            or not isinstance(hi, list) or not len(ts) == len(lo) == len(hi):
        return I, f"segment-loss must list 1 to {MAX_GRID} values of t with a lower and an upper end each"
    try:
        tq = [_q(x, "t") for x in ts]
        lq, hq = [_q(x, "lower") for x in lo], [_q(x, "upper") for x in hi]
        barrier = _q(ev.get("barrier_lower"), "barrier_lower")
    except FormatError as exc:
        return I, f"segment-loss evidence: {exc}"
    if not all(0 <= t <= 1 for t in tq):
        return I, "segment-loss: every t must lie in [0, 1]"
    for t, a, b in zip(tq, lq, hq):
        L = segment_loss(ctx, *ends, t)
        if not (L.is_finite() and arb_to_fmpq(L.lower()) >= a and arb_to_fmpq(L.upper()) <= b):
            return I, f"at t = {_t(t)} the recomputed L = {L.str(5)} is not inside the stated interval"
    if not barrier <= max(lq):
        return I, "barrier_lower exceeds every stated lower end"
    return V, segment_loss_message(len(tq), ev["barrier_lower"])
