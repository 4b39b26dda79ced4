"""``cooper-connected``: a certified path in M between two approximate zeros of H (``verifier connect``).

The search: split the parameters into l*d pivots u (as many as possible among the parameters H is affine
in, completed by QR with column pivoting on J at the start point) and free coordinates v; walk v along the straight route from the start's free coordinates to the end's; follow
u(t) with Newton steps in float64; cut [0, 1] into segments with adaptive steps and, for each, a box of the
pivots sized from the numerical drift; and prove each segment with the checker's own Krawczyk test
(``verifier.checker.core.path.segment``), so a segment enters the certificate only once it is proven.
Where the steps get too small (J_u near singular), re-pivot: a new split at the current point, a new leg
towards the end's free coordinates in that split, and a bridge test joining the two (``path.bridge``).
The checker re-runs every test. Beside the path: the loss along the straight segment between the two
points, enclosed on a grid (``segment-loss``).

Searches choose; the checker's tests decide. A search that fails leaves the path claim ``inconclusive``
with the t where it stopped, unless (polynomial networks) a coordinate that never vanishes on M separates the
two points: then the path claim is ``refuted`` on the ``separated`` claim's evidence.
"""

from __future__ import annotations

import time

import flint
import numpy as np
from flint import arb, fmpq

from ..certificate import INCONCLUSIVE, REFUTED, VERIFIED, Certificate, Claim
from ..checker.core.evaluate import Network as CheckNetwork
from ..checker.core.path import (Leg, affine_labels, box_test, distance, inside, junction, segment, segment_loss,
                                 within)
from ..checker.core.rules import Context
from ..checker.format import (CLAIM_STATEMENTS, REQUIRED_CLAIMS, arb_to_fmpq, decimal_str, parse_rational,
                              path_message, rational_str, segment_loss_message)
from ..checks import choose_unknowns, round_decimal, round_down, to_fmpq
from ..construction import round_up_rational
from ..data import Dataset
from ..errors import BudgetExceeded, InputError
from ..network import network_to_json
from ..search import gauss_newton
from ..system import compile_system
from ..theorems.base import activation_claims, instance_summary, overparam_claim, point_values
from ..theorems.cooper import default_max_distance

DEFAULT_TIMEOUT = 600.0
MIN_STEP = fmpq(1, 2 ** 24)
MAX_STEP = fmpq(1, 4)


class _Stop(Exception):
    """The search gives up: the reason, and the t where it stopped."""

    def __init__(self, reason: str, t):
        super().__init__(reason)
        self.reason, self.t = reason, t


def sci(q: fmpq) -> str:
    """A short decimal rational as exact scientific text ("2.42e-12"), for the numbers a reader reads."""
    from decimal import Decimal
    text = decimal_str(q)
    if "/" in text or q == 0 or fmpq(1, 1000) <= abs(q) < 10000:
        return text
    return format(Decimal(text).normalize(), "e")


def _short(q: fmpq) -> fmpq:
    """A short decimal near q (a box midpoint or a route point: any rational will do)."""
    return round_decimal(q, 20)


def _rad_up(x: float) -> fmpq:
    """A short decimal >= x > 0."""
    return round_up_rational(fmpq(to_fmpq(float(x))), digits=2)


class _Tracker:
    """Float64 continuation of u(t) on one leg: H(u, v(t)) = 0 by Newton steps in the pivots."""

    def __init__(self, system, labels, leg: Leg):
        self.system = system
        index = {lab: i for i, lab in enumerate(labels)}
        self.piv = np.array([index[p] for p in leg.pivots])
        self.free = np.array([index[f] for f in leg.free])
        self.a = np.array([float(leg.a[f]) for f in leg.free])
        self.b = np.array([float(leg.b[f]) for f in leg.free])
        self.t0, self.t1 = float(leg.t0), float(leg.t1)
        self.scale = 1.0 + float(np.max(np.abs(system.data.y_f64()))) if system.data.d else 1.0

    def w_at(self, u, t: float) -> np.ndarray:
        w = np.empty(len(self.piv) + len(self.free))
        w[self.free] = self.a + (t - self.t0) / (self.t1 - self.t0) * (self.b - self.a)
        w[self.piv] = u
        return w

    def solve(self, u, t: float, iters: int = 12):
        """Newton in the pivots from u at t; (u, max |H|, cond estimate) or None when it fails."""
        w = self.w_at(np.array(u, dtype=float), t)
        with np.errstate(all="ignore"):
            for _ in range(iters):
                h = self.system.value_f64(w)
                if not np.all(np.isfinite(h)):
                    return None
                res = float(np.max(np.abs(h))) if len(h) else 0.0
                Ju = self.system.jacobian_f64(w)[:, self.piv]
                if res <= 1e-14 * self.scale:
                    break
                try:
                    w[self.piv] -= np.linalg.solve(Ju, h)
                except np.linalg.LinAlgError:
                    return None
            else:
                h = self.system.value_f64(w)
                res = float(np.max(np.abs(h)))
                if not res <= 1e-9 * self.scale:
                    return None
            try:
                cond = float(np.linalg.cond(Ju))
            except np.linalg.LinAlgError:
                return None
        return w[self.piv].copy(), res, cond


def choose_pivots(J: np.ndarray, labels, affine: set) -> list:
    """l*d pivot columns of J (indices): as many as possible among the affine labels (QR with column pivoting on
    their columns, up to their numerical rank), completed by QR with column pivoting on the other columns
    projected off the chosen ones; plain QR on all of J when that block is ill-conditioned. A search heuristic:
    any choice is sound, the affine ones make the Krawczyk contraction independent of those pivots' box."""
    import scipy.linalg
    m = J.shape[0]
    cand = [i for i, lab in enumerate(labels) if lab in affine]
    chosen = []
    if cand:
        with np.errstate(all="ignore"):
            _, R, piv = scipy.linalg.qr(J[:, cand], mode="economic", pivoting=True)
        diag = np.abs(np.diag(R))
        rank = int(np.sum(diag > 1e-8 * diag[0])) if len(diag) and diag[0] > 0 else 0
        chosen = [cand[i] for i in piv[:min(rank, m)]]
    if len(chosen) < m:
        rest = [i for i in range(J.shape[1]) if i not in set(chosen)]
        A = J[:, rest]
        if chosen:
            Q, _ = np.linalg.qr(J[:, chosen])
            A = A - Q @ (Q.T @ A)
        _, piv = scipy.linalg.qr(A, mode="r", pivoting=True)
        chosen += [rest[i] for i in piv[:m - len(chosen)]]
    with np.errstate(all="ignore"):
        try:
            if len(chosen) == m and np.linalg.cond(J[:, chosen]) < 1e8:
                return sorted(chosen)
        except np.linalg.LinAlgError:
            pass
    return choose_unknowns(J)


def _box_for(u_a, u_m, u_b, grow: float):
    """Midpoint (exact, short) and radii of a segment's box: the drift from the midpoint, with margins."""
    mid = [_short(to_fmpq(float(x))) for x in u_m]
    midf = np.array([float(q) for q in mid])
    drift = np.maximum(np.abs(u_a - midf), np.abs(u_b - midf))
    # A chord's sag: u(tm) against the mean of the ends (curvature), so the box covers the arc.
    sag = np.abs(0.5 * (u_a + u_b) - midf)
    top = float(np.max(drift)) if len(drift) else 0.0
    rad = grow * (2.0 * drift + 2.0 * sag + 0.05 * top) + 1e-13 * (1.0 + np.abs(midf))
    return mid, [_rad_up(r) for r in rad]


def _search(ctx, system, labels, start, end, *, affine, timeout, max_segments, say, via=()):
    """The chain of legs [(Leg, bridge box or None, [(t, mid, rad)])] and the enclosures of its two ends, or
    raises _Stop.

    ``via``: waypoints (full points, short decimals); the free coordinates then run straight to each in turn,
    the k-th reached at t = k / (len(via) + 1), and a leg ends there and the next goes on with the same
    pivots (a plain joint: the checker asks only that the previous zero lie in the next box)."""
    t_start = time.perf_counter()
    targets = list(via) + [end]
    breaks = [fmpq(k + 1, len(targets)) for k in range(len(targets))]
    stage = 0
    w0 = np.array([float(start[lab]) for lab in labels])
    try:
        piv_idx = choose_pivots(system.jacobian_f64(w0), labels, affine)
    except (ValueError, np.linalg.LinAlgError):
        raise _Stop("the Jacobian at the start point is not finite", fmpq(0)) from None
    pivots = [labels[i] for i in piv_idx]
    free = [lab for lab in labels if lab not in set(pivots)]
    leg = Leg(pivots, free, {f: start[f] for f in free}, {f: targets[0][f] for f in free}, fmpq(0), breaks[0],
              centred=_centred(pivots, affine))
    tr = _Tracker(system, labels, leg)
    got = tr.solve(w0[tr.piv], 0.0)
    if got is None:
        raise _Stop("Newton in the pivots from the start point did not reach M (give a point closer to a zero)",
                    fmpq(0))
    legs = []
    u0 = u = got[0]
    cond_limit = max(1e4, 100 * got[2])      # re-pivot before J_u gets this ill-conditioned
    size_limit = 1e4 * (1 + max(abs(float(q)) for q in list(start.values()) + list(end.values())))
    t, h = fmpq(0), fmpq(1, 16)
    segs, entry, pending = [], None, None    # this leg's segments, its bridge box, the point P it must join
    prev_end, prev_box, start_enc, count = None, None, None, 0
    joint = False                            # the first segment of a leg after a plain joint meets the last zero
    while t < 1:
        if time.perf_counter() - t_start > timeout:
            raise _Stop(f"budget: the search ran past the timeout of {timeout:g} s", t)
        if count >= max_segments:
            raise _Stop(f"budget: {max_segments} segments (max_segments) were not enough", t)
        h = min(h, leg.t1 - t, MAX_STEP)
        found, worse = None, False
        while h >= MIN_STEP and found is None:
            tb = t + h
            um = tr.solve(u, float(t + h / 2))
            ub = tr.solve(2 * um[0] - u, float(tb)) if um is not None else None
            if ub is not None and (max(um[2], ub[2]) > cond_limit or np.max(np.abs(ub[0])) > size_limit) and segs:
                worse = True             # J_u of this split is getting singular ahead: change the split here
                break
            if ub is not None:
                found = _try_segment(ctx, leg, t, tb, u, um[0], ub[0], prev_end if segs or joint else None,
                                     pending)
            if found is None:
                h /= 2
        if found is None:
            # Re-pivot: a new split at the current point, a leg towards the end in it, a bridge into it.
            if prev_end is None or not segs:
                raise _Stop("no segment could be certified here (the Jacobian block of the pivots is too "
                            "ill-conditioned, or the point is not near M)", t)
            w = tr.w_at(u, float(t))
            new_piv = [labels[i] for i in choose_pivots(system.jacobian_f64(w), labels, affine)]
            if set(new_piv) == set(leg.pivots):
                new_piv = [labels[i] for i in choose_unknowns(system.jacobian_f64(w))]
            if set(new_piv) == set(leg.pivots) or len(legs) >= 50:
                raise _Stop("the pivots' Jacobian block gets singular along the route and no other split helps"
                            if worse else f"the steps along the route fell below {float(MIN_STEP):.1e} and no "
                            "other split helps", t)
            done = Leg(leg.pivots, leg.free, leg.a, leg.v(t), leg.t0, t, centred=leg.centred)
            legs.append((done, entry, segs))
            end_box = _tight_box(ctx, done.pivots, done.b, u)
            if end_box is None or not within(end_box, prev_box):
                raise _Stop("the point test at the end of the leg failed", t)
            pending = (done, prev_box, end_box)
            for piv in (new_piv, [labels[i] for i in choose_unknowns(system.jacobian_f64(w))]):
                new_free = [lab for lab in labels if lab not in set(piv)]
                a_new = {f: done.b[f] if f in done.b else _short(to_fmpq(float(w[labels.index(f)])))
                         for f in new_free}
                leg = Leg(piv, new_free, a_new, {f: targets[stage][f] for f in new_free}, t, breaks[stage],
                          centred=_centred(piv, affine))
                tr = _Tracker(system, labels, leg)
                got = tr.solve(w[tr.piv], float(t))
                if got is not None:
                    break
            else:
                raise _Stop("Newton in the new pivots failed", t)
            say(f"re-pivoting at t = {float(t):.4g} (leg {len(legs) + 1})")
            u, segs, entry, h, joint = got[0], [], None, fmpq(1, 64), False
            cond_limit = max(1e4, 100 * got[2])
            continue
        mid, rad, encs, box = found
        if not segs and pending is not None:
            entry, pending = box, None
        segs.append((tb, mid, rad))
        count += 1
        if start_enc is None:
            start_enc = encs[0]
        prev_end, prev_box, u, t = encs[1], (mid, rad), ub[0], tb
        joint = False
        # Aim the next step at a contraction near 1/3 (the test fails as it nears 1).
        h = h * _step_factor(encs[2])
        say(f"segment {count}: t = {float(t):.4g}")
        if t == leg.t1 and t < 1:
            # A waypoint reached: the next leg keeps the pivots and heads for the next target.
            legs.append((leg, entry, segs))
            stage += 1
            leg = Leg(leg.pivots, leg.free, leg.b, {f: targets[stage][f] for f in leg.free}, t, breaks[stage],
                      centred=leg.centred)
            tr = _Tracker(system, labels, leg)
            segs, entry, joint = [], None, True
            say(f"waypoint {stage} of {len(via)} reached at t = {float(t):.4g}")
    legs.append((leg, entry, segs))
    # Small boxes at the two ends, for tight distances from the given points (kept only when they pass).
    first = legs[0][2][0][1:]
    boxes = (_tight_box(ctx, legs[0][0].pivots, legs[0][0].a, u0), _tight_box(ctx, leg.pivots, leg.b, u))
    boxes = tuple(b if b is not None and within(b, outer) else None for b, outer in zip(boxes, (first, prev_box)))
    return legs, start_enc, prev_end, boxes


# The centred form in the pivots costs one forward-over-reverse pass per pivot and segment: worth it for a few
# dozen pivots (the steps grow several times where J_u depends on them), not for hundreds.
CENTRED_MAX_PIVOTS = 32


def _centred(pivots, affine: set) -> bool:
    return not set(pivots) <= affine and len(pivots) <= CENTRED_MAX_PIVOTS


def _step_factor(contraction: float) -> fmpq:
    """How much to grow (or shrink) the next step after a segment with this contraction (dyadic, so t stays
    a short binary fraction)."""
    if contraction < 0.05:
        return fmpq(2)
    if contraction < 0.2:
        return fmpq(3, 2)
    if contraction < 0.45:
        return fmpq(1)
    return fmpq(3, 4)


def _try_segment(ctx, leg, t, tb, u_a, u_m, u_b, joint, pending):
    """(mid, rad, enclosures, bridge box or None) of a segment that passes its tests, or None.

    The box starts from the numerical drift; where the inclusion fails with a small contraction, it is
    inflated to hold the K the test computed (epsilon-inflation) and tried again."""
    mid, rad = _box_for(u_a, u_m, u_b, 2.5)
    if joint is not None:       # the box must hold the previous segment's zero at t, with a margin
        rad = [max(r, _reach(e, x, 1.25)) for e, x, r in zip(joint, mid, rad)]
    for _ in range(3):
        hint = {}
        reason, encs = segment(ctx, leg, t, tb, mid, rad, hint)
        if reason:
            if "K" not in hint:
                return None
            rad = [max(r, _reach(k, x, 1.5)) for k, x, r in zip(hint["K"], mid, rad)]
            continue
        if joint is not None and not all(inside(e, x, r) for e, x, r in zip(joint, mid, rad)):
            return None
        box = None
        if pending is not None:
            box = _junction(ctx, pending, leg, (mid, rad), u_a)
            if box is None:
                return None
        return mid, rad, encs, box
    return None


def _reach(ball, x: fmpq, factor: float) -> fmpq:
    """A short decimal radius: ``factor`` times the distance from x to the far end of the ball."""
    if not ball.is_finite():
        return fmpq(10) ** 30
    return _rad_up(factor * float(max(abs(arb_to_fmpq(ball.upper()) - x), abs(x - arb_to_fmpq(ball.lower())))) + 1e-300)


def _tight_box(ctx, pivots, v: dict, u):
    """A small box around the float64 zero u of H(., v) that passes the point Krawczyk test, or None."""
    mid = [_short(to_fmpq(float(x))) for x in u]
    for scale in (1e-12, 1e-9, 1e-6):
        rad = [_rad_up(scale * (1 + abs(float(x)))) for x in mid]
        if box_test(ctx, pivots, {f: arb(q) for f, q in v.items()}, mid, rad) is None:
            return mid, rad
    return None


def _junction(ctx, pending, leg: Leg, first_box, u_q):
    """The bridge evidence {end, start, box} from the end of the previous leg into ``leg``, or None."""
    done, prev_box, end_box = pending
    start_box = _tight_box(ctx, leg.pivots, leg.a, u_q)
    if start_box is None or not within(start_box, first_box):
        return None
    P = {**dict(zip(done.pivots, zip(*end_box))), **{f: (q, fmpq(0)) for f, q in done.b.items()}}
    Q = {**dict(zip(leg.pivots, zip(*start_box))), **{f: (q, fmpq(0)) for f, q in leg.a.items()}}
    mid = [Q[p][0] for p in leg.pivots]
    rad = [_rad_up(4 * (float(abs(P[p][0] - Q[p][0]) + P[p][1] + Q[p][1]) + 1e-13 * (1 + abs(float(Q[p][0])))))
           for p in leg.pivots]
    for _ in range(4):
        br, hint = {"end": end_box, "start": start_box, "box": (mid, rad)}, {}
        if junction(ctx, done, prev_box, leg, first_box, br, hint) is None:
            return br
        if "K" not in hint:
            return None
        rad = [max(r, _reach(k, x, 1.5)) for k, x, r in zip(hint["K"], mid, rad)]
    return None


def _legs_json(legs) -> list:
    out = []
    for j, (leg, br, segs) in enumerate(legs):
        g = {"pivots": list(leg.pivots)}
        if leg.centred:
            g["centred"] = True
        if j:
            g["from"] = {f: decimal_str(q) for f, q in leg.a.items()}
        if j < len(legs) - 1:
            g["to"] = {f: decimal_str(q) for f, q in leg.b.items()}
        if br is not None:
            g["bridge"] = {k: {"mid": [decimal_str(x) for x in br[k][0]], "rad": [decimal_str(x) for x in br[k][1]]}
                           for k in ("end", "start")}
            g["bridge"].update(mid=[decimal_str(x) for x in br["box"][0]], rad=[decimal_str(x) for x in br["box"][1]])
        g["segments"] = [{"t": rational_str(t), "mid": [decimal_str(x) for x in mid],
                          "rad": [decimal_str(x) for x in rad]} for t, mid, rad in segs]
        out.append(g)
    return out


def _lower(q: fmpq) -> fmpq:
    """A short decimal <= q."""
    return round_down(q, 6) if q > 0 else -round_up_rational(-q, digits=3) if q < 0 else fmpq(0)


def _loss_claim(ctx, start, end, grid: int) -> Claim:
    ts = [fmpq(i, grid - 1) for i in range(grid)] if grid > 1 else [fmpq(0)]
    lo, hi = [], []
    for t in ts:
        L = segment_loss(ctx, start, end, t)
        if not L.is_finite():
            return Claim("segment-loss", INCONCLUSIVE, "instance", CLAIM_STATEMENTS["segment-loss"], {},
                         f"L is not finite at t = {float(t):.4g} on the segment")
        lo.append(_lower(arb_to_fmpq(L.lower())))
        up = arb_to_fmpq(L.upper())
        hi.append(round_up_rational(up, digits=6) if up > 0 else fmpq(0))
    barrier = max(lo)
    ev = {"t": [rational_str(t) for t in ts], "lower": [decimal_str(x) for x in lo],
          "upper": [decimal_str(x) for x in hi], "barrier_lower": sci(barrier)}
    return Claim("segment-loss", VERIFIED, "instance", CLAIM_STATEMENTS["segment-loss"], ev,
                 segment_loss_message(len(ts), ev["barrier_lower"]))


def _separation(network, data, start: dict, end: dict, limit: fmpq, *, timeout: float, say):
    """The separated claim, when the network is polynomial and some coordinate w_k has opposite signs at the two
    points, farther than ``limit`` from 0, and never vanishes on M (Singular finds 1 in the ideal (H, w_k));
    else None. Polynomial networks only; without Singular, None."""
    from ..algebra.polys import compile_polynomials, is_polynomial_network
    if not is_polynomial_network(network):
        return None
    from ..algebra import engines
    from ..checker.algebra.polys import poly_to_json
    labels = list(network.labels)
    candidates = [k for k in labels if start[k] * end[k] < 0 and abs(start[k]) > limit and abs(end[k]) > limit]
    if not candidates or engines.singular_path() is None:
        return None
    try:
        ps = compile_polynomials(network, data)
    except (InputError, ValueError):
        return None
    for k in candidates[:8]:
        say(f"looking for a separating coordinate: {k}")
        wk = ps.ctx.gens()[labels.index(k)]
        try:
            cof = engines.lift_one(list(ps.H) + [wk], ps.ctx, timeout=timeout, max_memory_mb=2048)
        except (engines.EngineError, InputError, BudgetExceeded):
            continue
        if cof is None:
            continue
        ev = {"variables": labels, "coordinate": k, "cofactors": [poly_to_json(g) for g in cof],
              "engine": "Singular lift", "start_value": decimal_str(start[k]), "end_value": decimal_str(end[k]),
              "max_distance": decimal_str(limit)}
        return Claim("separated", VERIFIED, "global", CLAIM_STATEMENTS["separated"], ev,
                     f"{k} never vanishes on M (1 = sum g_r H_r + g {k}, exact expansion) and is {float(start[k]):.3g} "
                     f"at the start, {float(end[k]):.3g} at the end: the two lie in different components of M")
    return None


def _distances(legs, e0, e1, boxes, start: dict, end: dict, prec_bits: int):
    """Upper bounds on the distances of the path's two ends from the given points: each end enclosed by its
    small box where it passed the point test, else by the segment's enclosure."""
    ends = []
    with flint.ctx.workprec(prec_bits):
        for b, enc in zip(boxes, (e0, e1)):
            if b is not None:
                enc = [arb(x - r).union(arb(x + r)) for x, r in zip(*b)]
            ends.append(enc)
    return distance(ends[0], legs[0][0].pivots, start), distance(ends[1], legs[-1][0].pivots, end)


def _midpoint(system, labels, start: dict, end: dict):
    """A point of M near the middle of the two points: least-norm Gauss-Newton from their midpoint (a search,
    not a proof; the path's segments decide), as short decimals; None when it does not converge."""
    w = (np.array([float(start[lab]) for lab in labels]) + np.array([float(end[lab]) for lab in labels])) / 2
    m = gauss_newton(system, w, steps=60)
    with np.errstate(all="ignore"):
        h = system.value_f64(m)
    if not np.all(np.isfinite(h)) or float(np.abs(h).max()) > 1e-10:
        return None
    return {lab: _short(to_fmpq(float(x))) for lab, x in zip(labels, m)}


def _route(ctx, system, labels, start, end, *, limit, timeout, max_segments, say):
    """The straight route; where it stops short of its budget, or ends at a zero farther than ``limit`` from a
    given point (another branch of M over the same free coordinates), the route through a midpoint on M.

    Returns (legs, start enclosure, end enclosure, end boxes, the waypoints as text) or raises the straight
    route's _Stop (with what the midpoint route did, when it was tried)."""
    t0 = time.perf_counter()
    affine = affine_labels(ctx.net)
    try:
        straight = _search(ctx, system, labels, start, end, affine=affine, timeout=timeout,
                           max_segments=max_segments, say=say)
    except _Stop as exc:
        stop, straight = exc, None
        if stop.reason.startswith("budget"):
            raise
    else:
        if max(_distances(*straight, start, end, ctx.prec)) <= limit:
            return (*straight, [])
        stop = None
    left = timeout - (time.perf_counter() - t0)
    mid = _midpoint(system, labels, start, end) if left > 1 else None
    if mid is None:
        if straight is not None:
            return (*straight, [])
        raise _Stop(stop.reason + ("; no midpoint on M for another route (Gauss-Newton did not converge)"
                                   if left > 1 else ""), stop.t)
    say("the straight route " + (f"stopped at t = {float(stop.t):.4g}" if stop else "ends on another branch of M")
        + "; trying the route through a midpoint on M")
    try:
        found = _search(ctx, system, labels, start, end, affine=affine, timeout=left, max_segments=max_segments,
                        say=say, via=[mid])
    except _Stop as again:
        if straight is not None:
            return (*straight, [])
        raise _Stop(f"{stop.reason}; the route through a midpoint on M stopped too, at t = {float(again.t):.4g} "
                    f"({again.reason})", stop.t) from None
    if straight is not None and max(_distances(*found, start, end, ctx.prec)) > limit:
        return (*straight, [])
    return (*found, [{lab: decimal_str(q) for lab, q in mid.items()}])


def verify_connected(thm, data: Dataset, *, network, start, end, prec_bits: int = 128, seed=None, progress=None,
                     timeout: float = None, max_distance=None, max_segments: int = 5000, grid: int = 21):
    """Certify a path in M from near ``start`` to near ``end`` (both approximate zeros of H)."""
    t0 = time.perf_counter()
    if network is None or start is None or end is None:
        raise InputError(f"{thm.id} needs a network, a start point and an end point")
    say = progress or (lambda text: None)
    system = compile_system(network, data)
    n, m, d = network.n, system.m, data.d
    labels = list(network.labels)
    w0, w1 = point_values(network, start), point_values(network, end)
    start_q, end_q = dict(zip(labels, w0)), dict(zip(labels, w1))
    claims = activation_claims(network, data, rectified=False, smooth=True) + [overparam_claim(n, m, d)]
    cert = Certificate(thm.id, thm.statement, network_to_json(network), data.to_json(), None, claims, prec_bits, seed,
                       summary_info=instance_summary(network, data), required=REQUIRED_CLAIMS[thm.id])
    if any(c.status == REFUTED for c in claims):
        cert.timings_s["verify"] = time.perf_counter() - t0
        return cert
    doc = cert.to_json()["instance"]
    ctx = Context(CheckNetwork(doc["network"]), [[parse_rational(c) for c in r] for r in doc["data"]["x"]],
                  [[parse_rational(c) for c in r] for r in doc["data"]["y"]], None, prec_bits, thm.id)
    limit = fmpq(max_distance) if max_distance is not None else max(default_max_distance(w0),
                                                                     default_max_distance(w1))
    ev = {"prec_bits": prec_bits, "start": {lab: decimal_str(q) for lab, q in start_q.items()},
          "end": {lab: decimal_str(q) for lab, q in end_q.items()}, "max_distance": decimal_str(limit)}
    try:
        legs, e0, e1, boxes, route = _route(ctx, system, labels, start_q, end_q, limit=limit,
                                            timeout=timeout or DEFAULT_TIMEOUT, max_segments=max_segments, say=say)
        if route:
            cert.notes.append("the straight route failed; the path turns at a midpoint on M found by Gauss-Newton "
                              "(the legs' 'to' and 'from' hold it)")
    except _Stop as stop:
        sep = _separation(network, data, start_q, end_q, limit, timeout=min(60.0, timeout or 60.0), say=say)
        if sep is not None:
            # The path claim is refuted on the separated claim's evidence, which must come before it.
            claims.append(sep)
            k = sep.evidence["coordinate"]
            claims.append(Claim("path", REFUTED, "global", CLAIM_STATEMENTS["path"], ev,
                                f"no path in M joins zeros near the two points: {k} does not vanish on M and has "
                                "opposite signs near them (claim separated)"))
        else:
            ev["stopped_at"] = rational_str(stop.t)
            claims.append(Claim("path", INCONCLUSIVE, "global", CLAIM_STATEMENTS["path"], ev,
                                f"no certified path: {stop.reason} (stopped at t = {float(stop.t):.10g})"))
    else:
        for key, b in zip(("start_box", "end_box"), boxes):
            if b is not None:
                ev[key] = {"mid": [decimal_str(x) for x in b[0]], "rad": [decimal_str(x) for x in b[1]]}
        d0, d1 = _distances(legs, e0, e1, boxes, start_q, end_q, prec_bits)
        sd = round_up_rational(d0, digits=3) if d0 > 0 else fmpq(0)
        ed = round_up_rational(d1, digits=3) if d1 > 0 else fmpq(0)
        ev.update(legs=_legs_json(legs), start_distance=sci(sd), end_distance=sci(ed))
        total = sum(len(s) for _, _, s in legs)
        if sd <= limit and ed <= limit:
            claims.append(Claim("path", VERIFIED, "global", CLAIM_STATEMENTS["path"], ev,
                                path_message(total, len(legs), ev["start_distance"], ev["end_distance"],
                                             sum(1 for j, (_, br, _) in enumerate(legs) if j and br is None))))
        else:
            far = "end" if ed > limit else "start"
            claims.append(Claim("path", INCONCLUSIVE, "global", CLAIM_STATEMENTS["path"], ev,
                                f"a certified path of {total} segments joins zeros of H, but the one at the {far} lies "
                                f"{sci(sd if far == 'start' else ed)} from the given {far} point, farther "
                                f"than max_distance = {ev['max_distance']}: another point of M over the same free "
                                "coordinates (try another route, or give max_distance)"))
    cert.timings_s["path"] = time.perf_counter() - t0
    if grid:
        t1 = time.perf_counter()
        claims.append(_loss_claim(ctx, start_q, end_q, grid))
        cert.timings_s["segment-loss"] = time.perf_counter() - t1
    cert.timings_s["verify"] = time.perf_counter() - t0
    return cert
