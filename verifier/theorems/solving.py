"""Certificates for square polynomial systems: ``verifier solve``, ``verifier degree``, ``verifier critical-points``.

Theorems (statements in :mod:`verifier.checker.format`; checker in :mod:`verifier.checker.solve`):

* ``polynomial-solutions``: all solutions of a square system (a text file, or the residuals of a square
  polynomial network, n = l*d);
* ``witness-degree``: V(H) of a network with n > l*d cut by n - l*d seeded random affine hyperplanes with
  small rational coefficients (a witness set): its certified points bound the degree of the
  (n - l*d)-dimensional part of V(H) from below;
* ``liao-poggio-prop-1``: the real critical points of a polynomial loss (regularised deep linear network or
  polynomial network), classified by certified Hessian inertia.

Pipeline: homotopy continuation (:func:`verifier.solver.homotopy.track`) and/or msolve (count with
multiplicity, real isolation) -- or, for ``witness-degree``, a monodromy witness set completed by the trace
test and moved to the rational slices (:mod:`verifier.solver.monodromy`) -- then Newton in Arb and the Krawczyk test
(:mod:`verifier.solver.certify`); only the certified boxes are claims, every engine count goes to
``extra``. Claim statuses are computed by the checker's own rules, so a certificate says ``verified`` only
when ``verifier check`` will agree. Disagreements between routes are reported in ``summary`` and ``extra``.
"""

from __future__ import annotations

import time

import flint

from ..algebra import engines
from ..certificate import Certificate
from ..checker.algebra.engine import TIMEOUT_S as CHECKER_ENGINE_TIMEOUT
from ..checker.algebra.polys import poly_to_json
from ..checker.format import CLAIM_SCOPES, CLAIM_STATEMENTS, REQUIRED_CLAIMS, STATEMENTS
from ..checker.solve import rules as solve_rules
from ..checker.solve.krawczyk import boxes_disjoint, parse_box, verify_solution_boxes
from ..checker.solve.parametrization import verify_parametrization
from ..checker.solve.tier import evaluate_claims
from ..data import read_limited
from ..errors import BudgetExceeded, InputError, install_hint
from ..solver.complex_point import random_slices as _random_slices
from ..solver.complex_point import slice_polys
from ..solver.parse import ParseError, parse_polynomial

PREC = 128
MAX_FILE_BYTES = 1_000_000


# ------------------------------------------------------------------------------------ inputs

def read_system_file(path):
    """(variable names, fmpq_mpoly list) from a text file: a header ``vars: x, y`` and one polynomial per
    line (``#`` starts a comment), with parentheses, powers, rationals and exact decimals. Read only by the
    safe parser :func:`verifier.solver.parse.parse_polynomial` (nothing is evaluated)."""
    try:
        raw = read_limited(path, limit=MAX_FILE_BYTES, what=f"system file {path}")
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines or not lines[0].lower().startswith("vars:"):
        raise InputError(f"{path}: the first line must be 'vars: x, y, ...'")
    names = [v.strip() for v in lines[0][5:].split(",")]
    if not names or any(not v.isidentifier() for v in names) or len(set(names)) != len(names):
        raise InputError(f"{path}: variable names must be distinct identifiers")
    if len(names) > solve_rules.MAX_VARIABLES:
        raise InputError(f"{path}: more than {solve_rules.MAX_VARIABLES} variables")
    ctx = flint.fmpq_mpoly_ctx.get(tuple(names), "degrevlex")
    polys = []
    for k, ln in enumerate(lines[1:], start=1):
        try:
            p = parse_polynomial(ln, ctx, names=names)
        except ParseError as exc:
            raise InputError(f"{path}: equation {k}: {exc}") from None
        polys.append(p)
    if len(polys) != len(names):
        raise InputError(f"{path}: {len(polys)} equations in {len(names)} unknowns; the system must be square")
    if any(p.total_degree() < 1 for p in polys):
        raise InputError(f"{path}: every equation must be a non-constant polynomial")
    return names, polys


def random_slices(n: int, k: int, seed: int) -> list:
    """k affine hyperplanes a . w = b with small random rationals (nonzero integers |a| <= 9, b = p/q)."""
    return _random_slices(n, k, seed, purpose="witness")


def sliced_system(ps, slices) -> list:
    """The residual polynomials of ``ps`` (a PolySystem) followed by one ``a . w - b`` per slice."""
    return list(ps.H) + slice_polys(ps.ctx, slices)


# ------------------------------------------------------------------------------------ the pipeline

def _merge(boxes, new):
    """Append the boxes of ``new`` that are disjoint from every box kept so far."""
    n = len(boxes[0]["center"]) if boxes else (len(new[0]["center"]) if new else 0)
    kept = [parse_box(b, n)[:2] for b in boxes]
    out = list(boxes)
    for b in new:
        c, r, _ = parse_box(b, n)
        if all(boxes_disjoint(c, r, c2, r2) for c2, r2 in kept):
            out.append(b)
            kept.append((c, r))
    return out


def _claim(cid, evidence):
    return {"id": cid, "status": "inconclusive", "scope": CLAIM_SCOPES[cid], "statement": CLAIM_STATEMENTS[cid],
            "evidence": evidence, "message": ""}


#: The auto route (``--method`` not given, msolve installed) hands a system to msolve alone when the
#: homotopy's start system has more paths than this; at or below it both routes run and cross-check.
#: Measured (benchmarks/bench_critical_routes.py, table in benchmarks/README.md, 2-core VM): on the deep linear
#: gradient systems the msolve route (one ``-P 1`` run, then Krawczyk on every parametrized point) takes
#: 0.05-0.4 s up to 3125 paths, the homotopy route 0.2 s at 9-81 paths, 0.5 s at 125, 2 s at 243, 7 s at 729,
#: 20 s at 2401 and 34 s at 3125 (roughly 10 ms a path). msolve is faster at every size; below 200 paths the
#: homotopy's independent cross-check costs under a second, so it is kept there.
ROUTE_MSOLVE_ABOVE_PATHS = 200
#: Share of --timeout that msolve gets when the route chose it alone: when it fails or runs out of that, the
#: homotopy gets what is left, so an answer that msolve cannot give in time is a certified lower bound instead
#: of no point at all.
MSOLVE_ROUTE_SHARE = 0.6


def start_paths(eqs, groups, start) -> int | None:
    """Paths the homotopy's start system tracks: the total-degree or multihomogeneous Bezout number, or for
    the sparse start system the mixed volume of the supports with the origin added (Singular's gfanlib; the
    total degree without Singular)."""
    tot = solve_rules.total_degree(eqs)
    if start == "multihomogeneous":
        mh = solve_rules.multihomogeneous(eqs, groups)
        return mh if mh is not None else tot
    if start == "sparse":
        mv = solve_rules.mixed_volume({"eqs": eqs}, True) if eqs and all(not p.is_zero() for p in eqs) else None
        return mv if mv is not None else tot
    return tot


#: ``start="auto"``: the sparse start system replaces the Bezout one when the Bezout paths exceed the route
#: threshold and ten times the mixed volume is below them. Measured (benchmarks/README.md, the compiled
#: loops' tables): finding the sparse start roots by monodromy costs about ten paths per root (seven to nine
#: segments of 50-80 steps), so the sparse start is slower on cyclic(5) (70 roots against 120 paths: 0.14 s
#: against 0.04 s), cyclic(6) (156 against 720: 0.72 s against 0.51 s) and the small networks, and faster on
#: dln(1-1-1-1-1-1) (129 against 2,329: 0.31 s against 19 s) and the shared-weight tree (135 against 1,920:
#: 1.8 s against 3.1 s).
SPARSE_COST_PER_ROOT = 10


def resolve_start(eqs, groups, start) -> tuple:
    """(start system, paths it tracks, why) for ``start`` (``"auto"``: chosen by measurement, see
    :data:`SPARSE_COST_PER_ROOT`; any other: as given)."""
    if start != "auto":
        return start, start_paths(eqs, groups, start), f"{start} (given)"
    start, paths = "total-degree", solve_rules.total_degree(eqs)
    if paths is not None and paths > ROUTE_MSOLVE_ABOVE_PATHS:
        mv = start_paths(eqs, groups, "sparse")
        if mv is not None and SPARSE_COST_PER_ROOT * mv < paths:
            return "sparse", mv, (f"sparse: mixed volume {mv}, {SPARSE_COST_PER_ROOT} x {mv} < {paths} {start} "
                                  "paths")
    return start, paths, f"{start}: {paths} paths" + ("" if paths is None or paths <= ROUTE_MSOLVE_ABOVE_PATHS
                                                      else " (the sparse start saves less than its monodromy costs)")


def choose_route(eqs, groups, start, *, threshold: int | None = None) -> dict:
    """The solver route when ``--method`` is not given: ``{"method", "reason", "start", "start_reason",
    "start_paths", "threshold"}``.

    Without msolve: the homotopy. With msolve: msolve alone when the start system has more than
    ``threshold`` paths (default :data:`ROUTE_MSOLVE_ABOVE_PATHS`), both routes (cross-checked) otherwise.
    The homotopy's start system is ``start`` resolved by :func:`resolve_start` (the sparse one counts
    :data:`SPARSE_COST_PER_ROOT` paths per root). The route changes the time taken, never what is claimed:
    every claim rests on Krawczyk boxes the checker re-verifies, and exactness on a Bezout bound, the
    checker's own Singular run or a mixed volume the checker re-computes."""
    limit = ROUTE_MSOLVE_ABOVE_PATHS if threshold is None else threshold
    start, paths, why = resolve_start(eqs, groups, start)
    base = {"start_paths": paths, "start": start, "start_reason": why, "threshold": limit}
    if start == "sparse" and paths is not None:
        paths = SPARSE_COST_PER_ROOT * paths         # what the sparse start costs, in Bezout paths
    if engines.msolve_path() is None:
        return {"method": "homotopy", "reason": "msolve is not installed", **base}
    size = (f"the sparse start system costs about {paths} paths ({base['start_paths']} roots found by monodromy)"
            if start == "sparse" else f"the {start} start system has {paths} paths")
    if paths is not None and paths > limit:
        return {"method": "msolve", "reason": f"{size} > {limit}: msolve (count, real isolation and all complex "
                "points from its rational parametrization, each certified by Krawczyk) is faster", **base}
    return {"method": "both", "reason": f"{size} <= {limit}: homotopy and msolve both run and cross-check", **base}


def _homotopy_route(eqs, groups, start, seed, timeout, say, extra, timings, notes, budget_notes):
    """(certified boxes, homotopy summary or None, tracker result or None)."""
    from ..solver.certify import refine_and_certify
    from ..solver.homotopy import track
    say(f"homotopy continuation ({start})")
    t0 = time.monotonic()
    try:
        res = track(eqs, start=start, groups=groups if start == "multihomogeneous" else None, seed=seed,
                    timeout=timeout, progress=lambda done, total: say(
                        f"homotopy ({start}): {done} of {total} paths tracked"))
    except ValueError as exc:
        raise InputError(f"homotopy: {exc}") from None
    except BudgetExceeded as exc:       # a budget is never bad input: the answer is a lower bound or inconclusive
        budget_notes.append(f"homotopy not run: {exc}")
        extra["homotopy"] = {"status": "not run", "reason": str(exc)}
        timings["homotopy"] = time.monotonic() - t0
        return [], None, None
    timings["homotopy"] = time.monotonic() - t0
    hom = res.summary()
    say("certifying homotopy endpoints (Newton in Arb, Krawczyk)")
    t0 = time.monotonic()
    # The tracker's "singular" endpoints and failed paths' estimates are tried too: an ill-conditioned
    # simple root (e.g. one of large modulus, reached by several paths that the endgame could not separate)
    # is then still proven; a truly singular one, or a point that is no root, fails the Krawczyk test and
    # counts for nothing.
    pts, n_ns = res.candidates()
    cs = refine_and_certify(eqs, pts, prec=PREC,
                            progress=lambda done, total: say(
                                f"certifying homotopy endpoints (Newton in Arb, Krawczyk): {done} of {total}"))
    timings["certify"] = time.monotonic() - t0
    hom["uncertified_endpoints"] = len(cs.failures)
    hom["singular_endpoints_certified_simple"] = sum(1 for src in cs.sources if src >= n_ns)
    extra["homotopy"] = hom
    if not res.complete:
        notes.append("homotopy ran out of time: some paths were not tracked")
    return list(cs.boxes), hom, res


def _msolve_route(eqs, ctx, say, *, timeout, max_memory_mb, timings):
    """One msolve run (``-P 1``): the count, the real isolating boxes and every complex point of the rational
    parametrization, all certified here by Newton in Arb and the Krawczyk test (msolve's own output is never a
    claim). Returns (report for ``extra["msolve"]``, boxes: the real ones first, the parametrization in the
    checker's exact form or None): the parametrization is kept when fewer points than msolve's count were
    boxed (multiple roots, which no Krawczyk box holds), for the checker to verify exactly."""
    from ..solver.certify import boxes_from_msolve, certify_candidates
    from ..solver.exact import complex_solutions, parametrization_evidence
    say("msolve: count, real isolation and rational parametrization")
    t0 = time.monotonic()
    boxes, par = [], None
    try:
        cnt = complex_solutions(eqs, ctx, timeout=timeout, max_memory_mb=max_memory_mb, prec=PREC)
        msolve = {"status": cnt["status"], "solutions": cnt["solutions"], "multiplicity": cnt["multiplicity"],
                  "real": len(cnt["real_boxes"]) if cnt["status"] != "positive-dimensional" else None,
                  "seconds_engine": round(cnt["seconds"], 3),
                  "note": "msolve is multi-modular (correct with high probability), not a proof; its points are "
                          "only starting points, every box is certified by Krawczyk"}
        timings["msolve"] = time.monotonic() - t0
        t0 = time.monotonic()
        if cnt["real_boxes"]:
            say(f"certifying msolve's {len(cnt['real_boxes'])} real boxes (Newton in Arb, Krawczyk)")
            mb = boxes_from_msolve(eqs, ctx, cnt["real_boxes"], prec=PREC)
            msolve["real_certified"] = mb.real
            boxes = list(mb.boxes)
        if cnt["points"]:
            cs = certify_candidates(eqs, cnt["points"], cnt["points_real"], prec=PREC,
                                    progress=lambda done, total: say(
                                        f"certifying msolve's parametrized points (Newton in Arb, Krawczyk): "
                                        f"{done} of {total}"))
            boxes = _merge(boxes, cs.boxes)
            msolve["parametrized_points"] = len(cnt["points"])
            msolve["parametrized_certified"] = cs.certified
            msolve["parametrized_failures"] = len(cs.failures)
        elif cnt["status"] == "finite" and cnt["solutions"]:
            msolve["parametrized_points"] = 0
            msolve["parametrized_note"] = "no usable parametrization: only the real boxes are certified"
        if cnt["status"] == "finite" and cnt["solutions"] and len(boxes) < cnt["solutions"]:
            par = parametrization_evidence(cnt.get("parametrization"), cnt.get("eliminating"), ctx.nvars())
        timings["msolve_certify"] = time.monotonic() - t0
    except Exception as exc:        # an engine failure is reported, never fatal
        msolve = {"status": "failed", "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        timings["msolve"] = time.monotonic() - t0
    return msolve, boxes, par


def _bkk_evidence(st, boxes, c, say, timeout, finite_first=False):
    """``count-exact`` evidence by mixed volume (method ``bkk``; the checker's rule ``_count_bkk`` says why it is
    sound), or None when neither mixed volume equals the certified count ``c`` (or Singular is missing or runs
    out of time). Scope ``all`` (V(H) is exactly the certified points) when ``c`` is the torus mixed volume,
    every box excludes 0 in every coordinate and no solution has a zero coordinate (the n tests share one
    ``timeout``); else scope ``isolated``
    when ``c`` is the mixed volume with the origin added (all isolated solutions) and Singular's own count does
    not confirm ``c`` within 10 s (``finite_first``, for critical points: that count shows V(H) finite, which
    the scope isolated leaves open and the classification needs). Each Singular run gets at most ``timeout``
    seconds. ``st``: ``{"eqs": ...}``, where the mixed volumes are cached for the claims' evaluation."""
    say("mixed volumes of the Newton polytopes (Singular's gfanlib)")
    eqs = st["eqs"]
    if solve_rules.mixed_volume(st, False, timeout) == c:
        parsed = [parse_box(b, len(eqs))[:2] for b in boxes]
        torus = all(abs(a) > r or abs(b) > r for cen, r in parsed for a, b in cen)
        deadline = time.monotonic() + timeout          # one budget for all n tests

        def off_torus_empty(j):
            left = deadline - time.monotonic()
            return left > 0.5 and solve_rules.off_torus_empty(st, j, left)

        if torus and all(off_torus_empty(j) for j in range(len(eqs))):
            return {"method": "bkk", "scope": "all", "mixed_volume": c}
    if solve_rules.mixed_volume(st, True, timeout) == c:
        if finite_first:
            # Li-Wang's bound leaves positive-dimensional components open, and a critical-point classification
            # then labels no global minimum: a Groebner count that finishes quickly says more, so it goes first
            from ..checker.algebra.engine import singular_vdim
            say("Singular's exact count (std, vdim), briefly, before the mixed-volume bound")
            if singular_vdim(eqs, timeout=min(10.0, timeout)) == (0, c):
                return None
        return {"method": "bkk", "scope": "isolated", "mixed_volume": c}
    return None


def certify_system(theorem, names, polys, source, *, groups=None, method="auto", start="auto", seed=0,
                   timeout=600.0, max_memory_mb=4096, progress=None, symmetries=None, extra=None,
                   candidates=None, timings=None) -> Certificate:
    """Solve and certify a square system; returns its certificate.

    ``polys``: fmpq_mpoly (any context with ``len(names)`` variables, variable j = ``names[j]``);
    ``groups``: variable index groups for the multihomogeneous bound and start system (default: one group).
    ``method="monodromy"``: no solver runs here; ``candidates`` (a ``(k, n)`` complex array, e.g. the
    monodromy witness set moved to these slices by :func:`witness_degree`) are certified instead, and the
    report ``extra["monodromy"]`` is completed. ``timings``: seconds already spent (merged).
    """
    say = progress or (lambda text: None)
    timings = dict(timings or {})
    n = len(names)
    system = {"format": solve_rules.SYSTEM_FORMAT, "version": 1, "variables": list(names),
              "equations": [poly_to_json(p) for p in polys]}
    inst = {"system": system, "source": source}
    inst["sha256"] = solve_rules.system_hash(inst)
    t0 = time.monotonic()
    _, eqs, info = solve_rules.read_system(inst)     # the checker's own reading (and re-derivation)
    if "mismatch" in info:
        raise RuntimeError(f"internal: {info['mismatch']}")
    timings["system"] = time.monotonic() - t0
    groups = groups or [list(range(n))]
    ctx = eqs[0].context()
    extra = dict(extra or {})
    boxes, notes, disagreements, budget_notes = [], [], [], []
    hom = None
    const = solve_rules.constant_reason(eqs, witness=source["kind"] == "witness")
    if const is not None:
        # Nothing to solve: a constant equation settles the system (no solution, or none isolated).
        notes.append(const)
        extra["constant_equation"] = const
        method = "none"
    route = None
    if method == "auto":
        route = choose_route(eqs, groups, start)
        method = route["method"]
        start = route["start"]
        extra["route"] = route
        say(f"route: {route['method']} ({route['reason']})")
    if start == "auto" and method in ("homotopy", "both"):
        start = resolve_start(eqs, groups, start)[0]
    res = None
    fallback = False
    if method in ("homotopy", "both"):
        boxes, hom, res = _homotopy_route(eqs, groups, start, seed, timeout, say, extra, timings, notes,
                                          budget_notes)
    mono = None
    if method == "monodromy":
        if candidates is None:
            raise InputError("--method monodromy is for `verifier degree` (witness sets)")
        from ..solver.certify import refine_and_certify
        say("certifying the monodromy endpoints (Newton in Arb, Krawczyk)")
        t0 = time.monotonic()
        cs = refine_and_certify(eqs, candidates, prec=PREC, progress=lambda done, total: say(
            f"certifying the monodromy endpoints (Newton in Arb, Krawczyk): {done} of {total}"))
        timings["certify"] = time.monotonic() - t0
        boxes = list(cs.boxes)
        mono = extra.setdefault("monodromy", {})
        mono["uncertified_endpoints"] = len(cs.failures)
        mono["duplicate_endpoints"] = len(cs.duplicates)
        if mono.get("stop_reason") == "timeout":
            notes.append("monodromy ran out of time: the witness set may be incomplete")
    msolve, par = None, None
    if method in ("msolve", "both"):
        if engines.msolve_path() is None:
            if method == "msolve":
                raise InputError(f"--method msolve needs msolve: {install_hint('algebra')}")
            extra["msolve"] = {"status": "not installed"}
        else:
            alone = route is not None and route["method"] == "msolve"
            msolve, mboxes, par = _msolve_route(eqs, ctx, say, timeout=timeout * MSOLVE_ROUTE_SHARE if alone
                                                else timeout, max_memory_mb=max_memory_mb, timings=timings)
            # msolve's boxes first: a real root that the homotopy boxed with a tiny imaginary part (realness
            # undecided) is then represented by msolve's real box, and the homotopy box meeting it is dropped
            boxes = _merge(mboxes, boxes)
            extra["msolve"] = msolve
            left = timeout - sum(timings.get(k, 0.0) for k in ("msolve", "msolve_certify"))
            if alone and msolve.get("status") == "failed" and left > 1:
                fallback = True     # an engine error or budget, not an answer: the homotopy gets the time left
                timeout = left
    if fallback:
        if start == "auto":
            start = resolve_start(eqs, groups, start)[0]
        route["fallback"] = f"msolve failed ({msolve.get('error', '')[:120]}): the homotopy ran after it"
        say("route: " + route["fallback"])
        hboxes, hom, res = _homotopy_route(eqs, groups, start, seed, timeout, say, extra, timings, notes,
                                           budget_notes)
        boxes = _merge(boxes, hboxes)
    say("re-checking the boxes")
    chk = verify_solution_boxes(eqs, boxes, prec=PREC, budget=None)
    counts = {k: chk[k] for k in ("certified", "real", "non_real", "undecided")}
    known = {"boxes_checked": (boxes, PREC, chk)}
    sol_ev = {"prec": PREC, "boxes": boxes}
    if par is not None:
        # msolve's points that no box holds (multiple roots): its parametrization, checked exactly modulo w
        say("checking msolve's parametrization exactly (every equation modulo the eliminating polynomial)")
        t0 = time.monotonic()
        pchk = verify_parametrization(eqs, par, max(1.0, float(timeout) - sum(timings.values())))
        timings["parametrization"] = time.monotonic() - t0
        if pchk["ok"] and pchk["count"] > counts["certified"]:
            counts = dict(pchk["counts"])
            sol_ev["parametrization"] = par
            known["parametrization_checked"] = (par, pchk)
        elif not pchk["ok"]:
            notes.append(f"msolve's parametrization does not check exactly ({pchk['reason']}): not used")
    sol = _claim("solutions-certified", {**sol_ev, **counts})
    tot = solve_rules.total_degree(eqs)
    mh = solve_rules.multihomogeneous(eqs, groups)
    bez = _claim("bezout-bounds-square", {"groups": [[names[j] for j in g] for g in groups], "total_degree": tot,
                                          "multihomogeneous": mh})
    cex_ev = {"method": "bezout" if counts["certified"] in (tot, mh) else "singular"}
    if "parametrization" in sol_ev and (msolve or {}).get("multiplicity") not in (None, counts["certified"]):
        # msolve counts multiple roots (a route, not evidence): only the radical can make the count exact
        cex_ev = {"method": "singular-radical"}
    if cex_ev["method"] == "singular" and counts["certified"] and source["kind"] != "witness":
        t0 = time.monotonic()
        known["eqs"] = eqs
        cex_ev = _bkk_evidence(known, boxes, counts["certified"], say, min(60.0, float(timeout)),
                               finite_first=theorem == "liao-poggio-prop-1") or cex_ev
        timings["mixed_volume"] = time.monotonic() - t0
    cex = _claim("count-exact", {**cex_ev, "count": counts["certified"], "real_exact": counts["undecided"] == 0})
    claims = [sol, bez, cex]
    if theorem == "liao-poggio-prop-1":
        claims.append(_claim("critical-classification", {"prec": PREC, "symmetries": symmetries or [],
                                                         "points": []}))
    say("checking the claims")
    t0 = time.monotonic()
    # The rules' own Singular runs (a count with no box, method singular) get what is left of --timeout.
    spent = sum(v for k, v in timings.items() if k != "check")
    results, st = evaluate_claims(inst, claims, known=known,
                                  engine_timeout=max(1.0, min(CHECKER_ENGINE_TIMEOUT, float(timeout) - spent)))
    if theorem == "liao-poggio-prop-1":
        cl = claims[-1]
        if st.get("certified") is not None:
            cl["evidence"]["points"] = solve_rules.classify_boxes(st, PREC, symmetries or [])
        status, msg = solve_rules.rule_classification(st, cl)
        results[-1] = (cl, status, msg)
    for claim, status, msg in results:
        if status != "verified" and budget_notes:
            msg = "; ".join(budget_notes) + "; " + msg      # an inconclusive claim's message says why
        claim["status"], claim["message"] = status, msg
    notes.extend(budget_notes)
    timings["check"] = time.monotonic() - t0
    # disagreements, reported, never hidden
    c = counts["certified"]
    if msolve and msolve.get("solutions") is not None and msolve["solutions"] != c:
        disagreements.append(f"msolve counts {msolve['solutions']} distinct complex solutions, {c} certified")
    if msolve and msolve.get("real") is not None and msolve["real"] != counts["real"]:
        disagreements.append(f"msolve isolates {msolve['real']} real solutions, {counts['real']} certified real")
    if hom is not None and hom["nonsingular"] != c and not (
            "parametrization" in sol_ev and hom["nonsingular"] + hom.get("singular_points", 0) == c):
        disagreements.append(f"homotopy ends {hom['nonsingular']} nonsingular paths, {c} certified")
    if mono is not None:
        mv = mono.get("final_move", {})
        if mv.get("distinct") is not None and mv["distinct"] != mono.get("points"):
            disagreements.append(f"monodromy found {mono.get('points')} witness points on the complex base slice, "
                                 f"{mv['distinct']} distinct regular endpoints on the rational slices")
        if mv.get("distinct") is not None and mv["distinct"] != c:
            disagreements.append(f"monodromy ends {mv['distinct']} distinct endpoints on the rational slices, "
                                 f"{c} certified")
        if "trace_passed" in mono and not mono["trace_passed"]:
            disagreements.append("the trace test did not pass: the monodromy witness set may be incomplete")
    if cex["status"] == "verified" and msolve and msolve.get("multiplicity") not in (None, c) \
            and cex["evidence"]["method"] != "singular-radical":
        disagreements.append(f"msolve's count with multiplicity {msolve['multiplicity']} differs from the exact "
                             f"certified count {c}")
    extra["disagreements"] = disagreements
    summary = {"theorem": theorem, "unknowns": n, "source": source["kind"], "certified": c, "real": counts["real"],
               "non_real": counts["non_real"], "undecided": counts["undecided"],
               "exact": cex["status"] == "verified",
               "exact_scope": (None if cex["status"] != "verified" else cex["evidence"].get("scope", "all")),
               "total_degree_bezout": tot, "multihomogeneous_bezout": mh,
               "msolve_solutions": (msolve or {}).get("solutions"), "msolve_real": (msolve or {}).get("real"),
               "homotopy": hom, "disagreements": disagreements,
               "route": ({k: route[k] for k in ("method", "reason", "start", "start_paths", "threshold", "fallback")
                          if k in route}
                         if route is not None else
                         {"method": "none", "reason": "a constant equation settles the system: nothing to solve"}
                         if method == "none" else {"method": method, "reason": "given by --method"})}
    if mono is not None:
        summary["monodromy"] = {k: mono.get(k) for k in ("points", "loops", "paths_tracked", "trace_residual",
                                                         "trace_passed", "stop_reason")}
    return Certificate(theorem, STATEMENTS[theorem], None, None, None, claims, None, seed, notes=notes,
                       timings_s=timings, summary_info=summary, extra=extra, instance=inst,
                       required=REQUIRED_CLAIMS[theorem])


# ------------------------------------------------------------------------------------ the three commands

def solve_file(path, **kw) -> Certificate:
    names, polys = read_system_file(path)
    return certify_system("polynomial-solutions", names, polys, {"kind": "file"}, **kw)


def _network_source(net, data):
    from ..network import network_to_json
    return {"network": network_to_json(net), "data": data.to_json()}


def solve_network(net, data, *, max_terms=200_000, **kw) -> Certificate:
    from ..algebra.polys import compile_polynomials, is_polynomial_network
    if not is_polynomial_network(net):
        raise InputError("solve --network needs polynomial activations (polynomial, power, relu-approx, identity)")
    ps = compile_polynomials(net, data, max_terms=max_terms)
    if ps.m != ps.n:
        raise InputError(f"the residual system is not square: n = {ps.n} parameters, l*d = {ps.m} equations "
                         f"(use `verifier degree` for n > l*d)")
    src = {"kind": "network", **_network_source(net, data)}
    return certify_system("polynomial-solutions", list(net.labels), ps.H, src, groups=ps.groups, **kw)


MONODROMY_NOTE = ("The trace test is floating-point numerical evidence that the witness set is complete, not a "
                  "proof. The claims rest only on the Krawczyk boxes of the rational witness system: the certified "
                  "count is a lower bound on the degree, exact only when it meets a Bezout bound or the checker's "
                  "Singular vdim.")


def witness_degree(net, data, *, seed=0, max_terms=200_000, loops=500, stall=5, **kw) -> Certificate:
    """The ``witness-degree`` certificate of V(H) (n > l*d). ``method``: ``homotopy``, ``msolve``,
    ``both`` (passed to :func:`certify_system`) or ``monodromy``: a witness set on complex slices from
    one point by monodromy loops (at most ``loops``; the trace test runs after ``stall`` loops that find
    nothing new), moved to the rational slices and certified (:mod:`verifier.solver.monodromy`)."""
    from ..algebra.bounds import bounds_report
    from ..algebra.polys import compile_polynomials, is_polynomial_network
    if not is_polynomial_network(net):
        raise InputError("degree needs polynomial activations (polynomial, power, relu-approx, identity)")
    ps = compile_polynomials(net, data, max_terms=max_terms)
    if ps.n <= ps.m:
        raise InputError(f"degree needs n > l*d (n = {ps.n}, l*d = {ps.m}); use `verifier solve` for n = l*d")
    slices = random_slices(ps.n, ps.n - ps.m, seed)
    polys = sliced_system(ps, slices)
    rep = bounds_report(ps)
    lp = {"liao_poggio": rep["liao_poggio"], "smale_shub_real_estimate": rep["smale_shub_real_estimate"],
          "layered_degree": rep["degrees"]["liao_poggio"]}
    src = {"kind": "witness", **_network_source(net, data), "slices": slices}
    extra = {"network_counts": lp}
    if kw.get("method") == "monodromy" and solve_rules.constant_reason(ps.H) is None:
        from ..solver.monodromy import monodromy_witness
        t0 = time.monotonic()
        cand, info = monodromy_witness(ps.H, slices, seed=seed, progress=kw.get("progress"),
                                       timeout=kw.get("timeout", 600.0), max_loops=loops, stall=stall)
        info["bezout_paths_total_degree"] = solve_rules.total_degree(polys)
        info["note"] = MONODROMY_NOTE
        extra["monodromy"] = info
        kw["candidates"] = cand
        kw["timings"] = {"monodromy": time.monotonic() - t0}
    return certify_system("witness-degree", list(net.labels), polys, src, groups=ps.groups, seed=seed,
                          extra=extra, **kw)


def critical_points_deep_linear(H, d, dx, dy, m, *, seed=0, **kw) -> Certificate:
    from ..solver.critical import deep_linear_gradient
    gs = deep_linear_gradient(H, d, dx, dy, m, seed=seed)
    src = {"kind": "deep-linear", "H": H, "d": d, "dx": dx, "dy": dy, "X": gs.data["X"], "Y": gs.data["Y"],
           "lambdas": list(gs.lambdas)}
    shapes = [(d, dx)] + [(d, d)] * (H - 1) + [(dy, d)]
    groups, pos = [], 0
    for r, c in shapes:
        groups.append(list(range(pos, pos + r * c)))
        pos += r * c
    return certify_system("liao-poggio-prop-1", list(gs.names), gs.equations, src, groups=groups, seed=seed,
                          symmetries=[list(s) for s in gs.symmetries], **kw)


def critical_points_network(net, data, *, lam="0", max_terms=200_000, **kw) -> Certificate:
    from ..algebra.polys import is_polynomial_network, layer_groups
    from ..solver.critical import network_loss_gradient
    if not is_polynomial_network(net):
        raise InputError("critical-points --network needs polynomial activations")
    gs = network_loss_gradient(net, data, lam=lam, max_terms=max_terms)
    src = {"kind": "network-loss", **_network_source(net, data), "lambdas": list(gs.lambdas)}
    groups, _ = layer_groups(net)
    return certify_system("liao-poggio-prop-1", list(net.labels), gs.equations, src, groups=groups, **kw)


# ------------------------------------------------------------------------------------ entries of the registry


def verify_solutions(thm, data, *, network, progress=None, **options) -> Certificate:
    """polynomial-solutions for a square polynomial network (n = l*d)."""
    return solve_network(network, data, progress=progress, **options)


def verify_witness_degree(thm, data, *, network, progress=None, **options) -> Certificate:
    """witness-degree for a polynomial network with n > l*d."""
    return witness_degree(network, data, progress=progress, **options)


def verify_critical_points(thm, data, *, network, progress=None, lam="0", **options) -> Certificate:
    """liao-poggio-prop-1 for the (optionally L2-regularised) squared loss of a polynomial network."""
    return critical_points_network(network, data, lam=str(lam), progress=progress, **options)
