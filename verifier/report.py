"""Readable reports of a certificate (Markdown, one self-contained HTML page, or a PDF file drawn by
:mod:`verifier.report_pdf` from the same parts), from the certificate alone.

Every certificate the tool writes gets a report: the rigorous network theorems (Arb balls), the algebraic
ones (exact and modular arithmetic, Singular evidence), the square polynomial systems of ``verifier solve``,
``verifier degree`` and ``verifier critical-points`` (Krawczyk boxes), and the floating-point tier of the
torch backend; with any of the four statuses. The headline names the tier: a certificate without a
``tier`` key is rigorous. A certificate that lacks an optional key still renders ("?" where a value is
missing).
"""

from __future__ import annotations

import sys
import types
from fractions import Fraction

from .checker.format import ALGEBRAIC_THEOREMS, SOLVE_THEOREMS, instance_hash
from .certificate import count_text
from .errors import install_hint

# The two tiers (verifier.checker.float.tier.TIER names the second). A certificate without "tier" is rigorous.
RIGOROUS_TIER = "rigorous"
FLOAT_TIER = "floating-point with error bounds"

_STATUS_MEANING = {
    "verified": "the theorem's conclusion is proven for this instance.",
    "refuted": "the theorem's conclusion is proven false for this instance; the evidence is below.",
    "inconclusive": "neither proven nor refuted; the reason says why (a budget, an undecided ball, a missing "
                    "engine).",
    "not-applicable": "a hypothesis of the theorem fails for this instance, so the theorem says nothing here; "
                      "the reason names the hypothesis.",
}

_WHY = {
    "distinct-inputs": "Cooper's theorems assume distinct inputs; a repeated x_i with different targets makes M empty.",
    "activation-rectified": "Lemma 3.3 needs sigma = 0 on t <= 0 and increasing on t > 0, which makes A triangular.",
    "activation-smooth": "Theorem 2.1 needs H to be smooth, which holds when every activation is.",
    "overparameterized": "With n > l*d the solution set of l*d equations can have dimension n - l*d > 0.",
    "hidden-width": "Lemma 3.3 places one hidden unit per data point, so the last hidden layer needs width >= d.",
    "construction": "A triangular matrix with a positive diagonal is invertible, so the output weights "
                    "m = A^{-1} y exist and fit the data exactly.",
    "zero": "A Krawczyk inclusion K(Z) in int(Z) proves a unique zero of the square subsystem in the box: "
            "a true global minimum with L = 0, so M is nonempty.",
    "rank-J": "The Krawczyk inclusion also proves that every J_S in the box is nonsingular, so J has full rank l*d "
              "there; (1 - ||I - R J_S||)/||R|| bounds its smallest singular value from below.",
    "manifold": "Full rank at a zero gives, by the implicit function theorem, a smooth manifold of dimension "
                "n - l*d near that zero (Theorem 2.1, local form).",
    "hessian-signature": "At a zero, Hess L = 2 J^T J, whose nonzero eigenvalues are 2 sigma_k(J)^2 >= "
                         "2 sigma_min(J)^2 > 0; there are rank J = l*d of them and n - l*d zeros (Proposition 2.3).",
    "rank-J-float": "A positive definite J J^T means J has full row rank l*d at the computed point; the floating-point "
                    "Cholesky of a shifted K, with an a-priori bound on every rounding error, proves it without "
                    "forming J (n x l*d entries).",
    "zero-float": "Training stops near M, not on it; Kantorovich's theorem turns a small residual, a well-conditioned "
                  "K and a Lipschitz bound on J into a true global minimum within the stated radius.",
    "manifold-float": "Full rank persists from the computed point to the true zero because the radius is small "
                      "against sigma_min(J); the implicit function theorem gives the manifold.",
    "hessian-signature-float": "At the true zero Hess L = 2 J^T J: l*d positive eigenvalues (those of 2 J J^T, "
                               "listed at the computed point) and n - l*d exact zeros, the flat directions of M.",
    "solutions-certified": "A Krawczyk box holds exactly one solution, a regular one, and the boxes are disjoint, so "
                           "they count distinct solutions from below; a box proven real holds a real solution.",
    "bezout-bounds-square": "Bezout numbers bound the isolated solutions from above; with the certified count from "
                            "below they bracket the true number.",
    "count-exact": "A certified count that meets an upper bound (a Bezout number, or Singular's vdim) leaves no "
                   "solution out: the count is exact and every solution is simple.",
    "critical-classification": "The inertia of the Hessian on a box (how many positive and negative eigenvalues) "
                               "tells a minimum from a saddle of a given index or a maximum.",
}


def _cell(text) -> str:
    """Text for a Markdown table cell: pipes escaped, one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


_EVIDENCE_HIDDEN = ("unknowns", "columns", "rows", "order", "spectrum", "spectrum_zeros", "a", "assumptions")
_TABLE_ROWS = 20          # rows of a long table (critical points) shown before "... and N more"


def _dict(x) -> dict:
    return x if isinstance(x, dict) else {}


def _list(x) -> list:
    return x if isinstance(x, list) else []


def tier(cert: dict) -> str:
    """The certificate's tier: its ``tier`` key, or ``"rigorous"`` where it has none (older rigorous ones)."""
    t = cert.get("tier")
    return t if isinstance(t, str) and t else RIGOROUS_TIER


def is_float_tier(cert: dict) -> bool:
    """Whether the certificate is of the floating-point tier (never by the mere presence of a ``tier`` key)."""
    return cert.get("tier") == FLOAT_TIER


def _kind(cert: dict) -> str:
    """``float`` (torch backend), ``solve`` (a square polynomial system), ``algebraic`` (exact, modular and
    Singular evidence) or ``network`` (Arb balls on a network and data)."""
    if is_float_tier(cert):
        return "float"
    inst = _dict(cert.get("instance"))
    if cert.get("theorem") in SOLVE_THEOREMS or ("system" in inst and "network" not in inst):
        return "solve"
    if cert.get("theorem") in ALGEBRAIC_THEOREMS:
        return "algebraic"
    return "network"


# What the figures show, and what the claims rest on instead, per kind of certificate.
_FIGURES_SHOW = {
    "network": "float64 pictures drawn from the certificate alone (network, data and the midpoints of the "
               "certified point)",
    "algebraic": "pictures drawn from the certificate alone (the network, and the bounds and counts it records)",
    "float": "float64 pictures drawn from the numbers stored in the certificate",
    "solve": "float64 pictures drawn from the certificate alone",
}
_SOLVE_FIGURES_SHOW = {"architecture": "the source network", "solutions": "the midpoints of the certified real boxes"}
_CLAIMS_REST_ON = {
    "network": "the claims rest on the Arb ball-arithmetic computations above, which `verifier check` repeats",
    "algebraic": "the claims rest on exact arithmetic over Q and modulo primes, and on the Singular evidence "
                 "above (cofactors, charts) expanded exactly, which `verifier check` repeats",
    "float": "the claims rest on the float64 computations with a-priori rounding-error bounds above (tier: "
             "floating-point with error bounds), which `verifier check` repeats",
    "solve": "the claims rest on the Krawczyk tests in Arb ball arithmetic and the exact Bezout numbers above "
             "(and on Singular's exact count where count-exact says so), which `verifier check` repeats",
}


def _figures_sentence(cert: dict, figs=()) -> str:
    """What the figures are and what the claims rest on instead, right for the certificate's kind."""
    k = _kind(cert)
    show = _FIGURES_SHOW[k]
    if cert.get("theorem") == "cooper-connected":
        show = ("pictures drawn from the certificate alone (the network, the boxes of the path's segments and the "
                "enclosures of the loss on the straight segment)")
    if k == "solve":
        what = [_SOLVE_FIGURES_SHOW[f.key] for f in figs if f.key in _SOLVE_FIGURES_SHOW]
        show += f" ({' and '.join(what)})" if what else ""
    return f"Figures are {show}; {_CLAIMS_REST_ON[k]}."


def _instance_sha(cert) -> str:
    inst = _dict(cert.get("instance"))
    if not is_float_tier(cert) and "network" in inst and "data" in inst:
        try:
            return instance_hash(inst)
        except (TypeError, ValueError):
            pass
    sha = inst.get("sha256")
    return sha if isinstance(sha, str) and sha else "?"


def _short(key, value):
    """Evidence values for reading: polynomial lists (cofactors, charts, fields) and solution boxes become counts,
    long text is cut."""
    if key in ("cofactors", "charts", "fields"):
        polys = _polys(value)
        terms = sum(len(p.get("terms", [])) for p in polys)
        what = {"cofactors": "cofactors", "charts": f"{_len(value)} charts", "fields": f"{_len(value)} fields"}[key]
        return f"{what}: {len(polys)} polynomials, {terms} terms (in the certificate)"
    if key == "boxes" and isinstance(value, list):
        real = sum(1 for b in value if isinstance(b, dict) and b.get("real") is True)
        return f"{len(value)} boxes, {real} of them real (centres and radii in the certificate)"
    if key == "points" and isinstance(value, list) and all(isinstance(p, dict) for p in value):
        return f"{len(value)} classified points (see the table of critical points)"
    text = str(value)
    return text if len(text) <= 300 else text[:300] + f"... ({len(text)} characters)"


def _len(x) -> int:
    try:
        return len(x)
    except TypeError:
        return 0


def _polys(value) -> list:
    out = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict) and "terms" in v:
            out.append(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def _product(a, b):
    return a * b if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) else "?"


def _listing(items, keep: int = 12) -> str:
    items = [str(x) for x in items]
    if len(items) <= keep:
        return ", ".join(items)
    return ", ".join(items[:keep]) + f", ... ({len(items)} in all)"


def _float_text(q) -> str:
    try:
        return f"{float(Fraction(str(q))):.6g}"
    except (ValueError, ZeroDivisionError, OverflowError):
        return str(q)


# ----------------------------------------------------------------------------- square polynomial systems

_SOURCES = {
    "file": "a text file: the system as written, one equation per line",
    "network": "the residuals f(x_i) - y_i of a square polynomial network (n = l*d)",
    "witness": "the residuals f(x_i) - y_i of a polynomial network with n > l*d, cut by seeded random affine "
               "hyperplanes (a witness system)",
    "deep-linear": "the gradient of the regularised loss of a deep linear network (grad L = 0)",
    "network-loss": "the gradient of the loss of a polynomial network (grad L = 0)",
}


def _degree(poly) -> object:
    terms = _list(_dict(poly).get("terms"))
    try:
        return max(sum(int(e) for e in t[1]) for t in terms) if terms else "?"
    except (TypeError, ValueError, IndexError, KeyError):
        return "?"


def _network_text(raw) -> str:
    """A network JSON as one line (name, activations, n, p, l), or its name where it cannot be rebuilt."""
    try:
        from .network import network_from_json
        return network_from_json(raw).summary()
    except Exception:       # a malformed network: the report still renders (verifier check says what is wrong)
        return str(_dict(raw).get("name", "?"))


def _solve_instance(cert) -> list:
    inst = _dict(cert.get("instance"))
    system, src = _dict(inst.get("system")), _dict(inst.get("source"))
    s = _dict(cert.get("summary"))
    names, eqs = _list(system.get("variables")), _list(system.get("equations"))
    n = len(names) if names else s.get("unknowns", "?")
    kind = src.get("kind", s.get("source", "?"))
    rows = [("system", f"{len(eqs) if eqs else '?'} polynomial equations over Q in {n} unknowns", False),
            ("unknowns", _listing(names) if names else "?", True),
            ("equation degrees", _listing([_degree(p) for p in eqs]) if eqs else "?", False),
            ("source", f"{kind}: {_SOURCES[kind]}" if isinstance(kind, str) and kind in _SOURCES else str(kind),
             False)]
    if isinstance(src.get("network"), dict):
        rows.append(("network", _network_text(src["network"]), False))
    data = _dict(src.get("data"))
    if data:
        rows.append(("data", f"d = {_len(data.get('x'))} points, input dimension p = {data.get('p', '?')}, "
                             f"outputs l = {data.get('l', '?')}", False))
    if kind == "deep-linear":
        rows.append(("deep linear network", f"H = {src.get('H', '?')} hidden layers of width d = {src.get('d', '?')}, "
                                            f"input dx = {src.get('dx', '?')}, output dy = {src.get('dy', '?')}, "
                                            f"{_len(src.get('X'))} data points", False))
    if src.get("lambdas"):
        rows.append(("regularisation lambdas", _listing(_list(src.get("lambdas"))), False))
    if src.get("slices"):
        rows.append(("slices", f"{_len(src['slices'])} affine hyperplanes a . w = b with small seeded random "
                               "rationals", False))
    sol = _claim_by_id(cert, "solutions-certified")
    prec = _dict((sol or {}).get("evidence")).get("prec", "?")
    rows += [("instance sha256", _instance_sha(cert)[:16], True),
             ("arithmetic", f"Arb balls, {prec} bits (Newton, Krawczyk); exact rationals for the system and the "
                            "Bezout numbers", False),
             ("seed", cert.get("seed"), False)]
    return rows


def _claim_by_id(cert, cid):
    return next((c for c in _list(cert.get("claims")) if isinstance(c, dict) and c.get("id") == cid), None)


def _solve_sections(cert) -> list:
    """The counts (certified, Bezout, the engines' numbers), the disagreements and the critical points."""
    s = _dict(cert.get("summary"))
    extra = _dict(cert.get("extra"))
    thm = cert.get("theorem")
    c = s.get("certified", "?")
    exact = s.get("exact") is True
    undecided = s.get("undecided")
    real_exact = exact and undecided == 0
    what = "witness points on the slices" if thm == "witness-degree" else (
        "critical points (complex)" if thm == "liao-poggio-prop-1" else "complex solutions")
    isolated = s.get("exact_scope") == "isolated"
    rows = [(f"certified {what}", f"{c} ({('exact: all isolated ones' if isolated else 'exact') if exact else 'a lower bound'})"),
            ("certified real", f"{s.get('real', '?')} ({'exact' if real_exact else 'a lower bound'})"),
            ("certified non-real", s.get("non_real", "?")),
            ("realness undecided", undecided if undecided is not None else "?")]
    tot, mh = s.get("total_degree_bezout", "?"), s.get("multihomogeneous_bezout", "?")
    if thm == "witness-degree":
        cex = _claim_by_id(cert, "count-exact") or {}
        at_bezout = exact and _dict(cex.get("evidence")).get("method") == "bezout" and c in (tot, mh)
        rows.append(("degree of the (n - l*d)-dimensional part of V(H)",
                     f"= {c} (the count meets a Bezout bound)" if at_bezout else f">= {c}"))
    rows += [("Bezout bound, total degree", tot), ("Bezout bound, multihomogeneous", mh)]
    h = _dict(s.get("homotopy") or extra.get("homotopy"))
    if h.get("status") == "not run":
        rows.append(("homotopy", f"not run: {h.get('reason', '?')}"))
    elif h:
        rows.append(("homotopy (numerical, not a proof)",
                     f"{h.get('paths', '?')} paths ({h.get('start_system', '?')}): {h.get('nonsingular', '?')} finite "
                     f"nonsingular, {h.get('singular_points', '?')} singular, {h.get('infinity', '?')} at infinity, "
                     f"{h.get('failed', '?')} failed, {h.get('real', '?')} real"))
    mo = _dict(extra.get("monodromy"))
    if mo:
        tr = mo.get("trace_residual")
        rows.append(("monodromy (numerical, not a proof)",
                     f"{mo.get('points', '?')} witness points, {mo.get('loops', '?')} loops, "
                     f"{mo.get('paths_tracked', '?')} paths tracked; trace test "
                     f"{'passed' if mo.get('trace_passed') else 'not passed'}"
                     + (f" (residual {tr:.1e})" if isinstance(tr, (int, float)) else "")))
    ms = _dict(extra.get("msolve"))
    if ms:
        if ms.get("status") in ("not installed", "failed") or ms.get("solutions") is None:
            text = str(ms.get("status", "?")) + (f" ({ms['error']})" if ms.get("error") else "")
        else:
            text = (f"{ms.get('solutions')} distinct complex, {ms.get('multiplicity', '?')} with multiplicity, "
                    f"{ms.get('real', '?')} real ({ms.get('status', '?')})")
        rows.append(("msolve (multi-modular: not a proof)", text))
    elif s.get("msolve_solutions") is not None:
        rows.append(("msolve (multi-modular: not a proof)",
                     f"{s['msolve_solutions']} distinct complex, {s.get('msolve_real', '?')} real"))
    nc = _dict(extra.get("network_counts"))
    lp, ss = _dict(nc.get("liao_poggio")), _dict(nc.get("smale_shub_real_estimate"))
    if lp or ss:
        rows.append(("network counts (reported, not bounds)",
                     f"Liao-Poggio {lp.get('formula', '?')} = {count_text(lp)}; Smale-Shub real estimate "
                     f"{ss.get('formula', '?')} = {count_text(ss)}"))
    sections = [{"id": "solutions", "title": "Solutions", "rows": [[k, v] for k, v in rows], "header": None,
                 "intro": "Certified counts are proven (Krawczyk boxes); the engines' numbers are reported beside "
                          "them and prove nothing.", "more": "", "items": [], "note": False}]
    dis = [str(d) for d in _list(s.get("disagreements") or extra.get("disagreements"))]
    if dis:
        sections.append({"id": "disagreements", "title": "Disagreements", "rows": [], "header": None,
                         "intro": "The routes disagree; the certified numbers are the ones that count.", "more": "",
                         "items": dis, "note": True})
    crit = _claim_by_id(cert, "critical-classification")
    if crit is not None:
        sections.append(_critical_section(crit))
    return sections


def _critical_section(claim) -> dict:
    points = [p for p in _list(_dict(claim.get("evidence")).get("points")) if isinstance(p, dict)]
    labels = {}
    for p in points:
        labels[str(p.get("label", "?"))] = labels.get(str(p.get("label", "?")), 0) + 1
    rows = []
    for p in points[:_TABLE_ROWS]:
        inert = _dict(p.get("inertia"))
        loss = _list(p.get("loss"))
        rows.append([p.get("box", "?"), p.get("label", "?"), "-" if p.get("index") is None else p.get("index"),
                     f"+{inert.get('positive', '?')} -{inert.get('negative', '?')} ?{inert.get('undecided', '?')}",
                     f"[{_float_text(loss[0])}, {_float_text(loss[1])}]" if len(loss) == 2 else "?"])
    more = (f"... and {len(points) - _TABLE_ROWS} more points (all in the certificate)."
            if len(points) > _TABLE_ROWS else "")
    intro = (f"{len(points)} real critical points classified: " + ", ".join(f"{v} {k}" for k, v in labels.items())
             + ". Inertia: positive, negative and undecided eigenvalues of the Hessian of L on the box; the loss "
               "interval is the exact enclosure, rounded for reading." if points
             else "No real critical point was classified.")
    return {"id": "critical-points", "title": "Critical points", "intro": intro,
            "header": ["box", "label", "index", "inertia", "loss L in"], "rows": rows, "more": more, "items": [],
            "note": False}


# ----------------------------------------------------------------------------- all kinds

def _network_instance(cert) -> list:
    s = _dict(cert.get("summary"))
    rows = [("network", s.get("network", "?"), False),
            ("parameters n", s.get("n", "?"), False),
            ("data points d", s.get("d", "?"), False),
            ("outputs l", s.get("l", "?"), False),
            ("input dimension p", s.get("p", "?"), False),
            ("equations l*d", _product(s.get("l"), s.get("d")), False),
            ("instance sha256", _instance_sha(cert)[:16], True),
            ("arithmetic", s.get("arithmetic") or f"Arb balls, {cert.get('prec_bits', '?')} bits", False),
            ("seed", cert.get("seed"), False)]
    if is_float_tier(cert):
        arrays = _dict(_dict(cert.get("instance")).get("arrays"))
        rows += [("device", s.get("device", "cpu"), False), ("arrays file", arrays.get("file", "?"), True)]
        gn = _dict(cert.get("extra")).get("gauss_newton_max_abs_H")
        if isinstance(gn, list) and gn:
            try:
                rows.append(("Gauss-Newton max abs H per step", ", ".join(f"{float(v):.1e}" for v in gn), False))
            except (TypeError, ValueError):
                pass
    pt = cert.get("point")
    if isinstance(pt, dict) and pt and all(isinstance(v, str) for v in pt.values()) and not is_float_tier(cert):
        rows.append(("exact point", _short("point", ", ".join(f"{k} = {v}" for k, v in pt.items())), True))
    return rows


def _provenance(cert) -> str:
    sw = _dict(cert.get("software"))
    t = _dict(cert.get("timings_s"))
    engines = ", ".join(f"{k} {v}" for k, v in sw.items() if k != "verifier")
    times = ", ".join(f"{k} {v:.2f} s" if isinstance(v, (int, float)) else f"{k} {v}" for k, v in t.items())
    return f"verifier {sw.get('verifier', '?')}" + (f", {engines}" if engines else "") + \
        "; timings: " + (times or "none recorded")


_CHECKED: dict = {}      # digest -> CheckReport: a report re-checks each certificate once per process


def _recheck(cert: dict, base_dir):
    """The independent checker's report on ``cert`` (cached by digest and folder), or None if it cannot run."""
    from .checker import check_certificate
    key = (str(cert.get("digest")), base_dir)
    if key not in _CHECKED:
        if len(_CHECKED) > 64:
            _CHECKED.clear()
        _CHECKED[key] = check_certificate(cert, base_dir=base_dir)
    return _CHECKED[key]


def _check_parts(cert: dict, base_dir) -> dict:
    """What the checker says of the certificate: whether it accepts it as written, and per claim its own
    status and message (the report shows these, not the writer's words, when it does not accept it)."""
    rep = _recheck(cert, base_dir)
    problems = [line.split("problem: ", 1)[1] for line in rep.lines if line.strip().startswith("problem: ")]
    accepted = rep.status == cert.get("status") and not problems
    by_id = {r["id"]: r for r in rep.results}
    if accepted:
        text = (f"The independent checker re-derived every claim and confirms the status {rep.status} "
                f"({rep.header}).")
    else:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        text = (f"The independent checker does NOT accept this certificate as written: it establishes "
                f"{rep.status}" + (f" ({shown})" if shown else "") + ". The claims below show what the checker "
                "itself re-derived, not the certificate's words.")
    return {"accepted": accepted, "status": rep.status, "text": text, "by_id": by_id}


def _parts(cert: dict, base_dir=None) -> dict:
    """The report's content, independent of the output format (Markdown, HTML and PDF render the same parts).

    Never raises KeyError or TypeError on a certificate (a dict) that lacks optional keys: missing values
    read "?". The certificate is re-checked first (``base_dir``: its folder, where a floating-point
    certificate's arrays file lies); what the report states as shown is what the checker derived.
    """
    kind = _kind(cert)
    check = _check_parts(cert, base_dir)
    instance = _solve_instance(cert) if kind == "solve" else _network_instance(cert)
    instance.append(("tier", tier(cert), False))
    sections = _solve_sections(cert) if kind == "solve" else []
    claims = []
    for c in _list(cert.get("claims")):
        if not isinstance(c, dict):
            continue
        ev_all = _dict(c.get("evidence"))
        spectrum = None
        spec = ev_all.get("spectrum")
        if isinstance(spec, list) and spec:
            spectrum = (f"Spectrum of Hess L at w* (Arb enclosures over the box): {len(spec)} positive eigenvalues, "
                        f"smallest {spec[0]}, largest {spec[-1]}, and {ev_all.get('spectrum_zeros', '?')} zeros.")
        cid = str(c.get("id", "?"))
        status, message = str(c.get("status", "?")), str(c.get("message") or "")
        if not check["accepted"]:
            mine = check["by_id"].get(cid)
            status, message = (mine["checked"], mine["message"]) if mine else ("unchecked", "not re-derived")
        claims.append({"id": cid, "status": status, "scope": str(c.get("scope", "?")),
                       "message": message, "statement": str(c.get("statement") or ""),
                       "why": _WHY.get(cid),
                       "evidence": [(k, _short(k, v)) for k, v in ev_all.items() if k not in _EVIDENCE_HIDDEN],
                       "spectrum": spectrum})
    notes = [str(x) for x in _list(cert.get("notes"))]
    if is_float_tier(cert):
        notes = [f"Tier: {FLOAT_TIER}. Assumptions: " + "; ".join(map(str, _list(cert.get("assumptions")))) + "."] \
            + notes
    monodromy_note = _dict(_dict(cert.get("extra")).get("monodromy")).get("note")
    if kind == "solve" and monodromy_note:
        notes.append(str(monodromy_note))
    status = cert.get("status") if check["accepted"] else check["status"]
    return {"theorem": str(cert.get("theorem") or "?"), "status": str(status) if status is not None else "?",
            "check": check["text"], "accepted": check["accepted"],
            "tier": tier(cert), "kind": kind, "statement": str(cert.get("statement") or ""),
            "meaning": _STATUS_MEANING.get(status, "") if isinstance(status, str) else "",
            "reason": (str(cert.get("reason") or "") if check["accepted"] else "") if status != "verified" else "",
            "instance": instance,
            "sections": sections, "claims": claims, "out_of_scope": [str(x) for x in _list(cert.get("out_of_scope"))],
            "notes": notes, "provenance": _provenance(cert)}


def _headline(P) -> str:
    return f"{P['theorem']}: {P['status']} (tier: {P['tier']})"


_NO_SOLVE_FIGURES = ("There are no figures for this kind of certificate (a square polynomial system): it has no "
                     "network to draw, and its real solutions can be drawn only for 1 or 2 unknowns; the tables "
                     "above say what was certified")


def figures_of(cert: dict):
    """(figures, why the rest were not drawn or None) of a certificate, as the report draws them."""
    return _figures(cert)


def _figures(cert: dict):
    """(figures, why the rest were not drawn or None): never raises for a certificate that parsed as JSON.

    The architecture figure needs only the network, so it is drawn even where the others cannot be (a
    refuted certificate has no point): then both the figures and the reason come back.
    """
    from .errors import InputError
    from .figures import FiguresUnavailable, architecture_figure, certificate_figures
    errors = (InputError, ValueError, KeyError, TypeError, ArithmeticError, AttributeError, IndexError)

    def why_not(exc, what):
        return f"{what} not drawn: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    figs = []
    kind = _kind(cert)
    if kind == "float":                    # floating-point tier: the model document has no graph to draw
        from .figures import float_figures
        try:
            return float_figures(cert), None
        except FiguresUnavailable as exc:
            return [], str(exc)
        except errors as exc:
            return [], why_not(exc, "figures")
    if kind == "solve":
        from .figures import solve_figures
        try:
            figs = solve_figures(cert)
        except FiguresUnavailable as exc:
            return [], str(exc)
        except errors as exc:
            return [], why_not(exc, "figures")
        return (figs, None) if figs else ([], _NO_SOLVE_FIGURES)
    try:
        figs.append(architecture_figure(cert))
    except FiguresUnavailable as exc:
        return [], str(exc)
    except errors as exc:
        return [], why_not(exc, "figures")
    try:
        figs += certificate_figures(cert, architecture=False)
    except errors as exc:
        return figs, why_not(exc, "other figures")
    return figs, None


def report_content(cert: dict, base_dir=None) -> dict:
    """What every report of ``cert`` says, built once: the parts, the figures (and why some are missing), the
    headline, the status line and the figures' sentences (the PDF report lays these out)."""
    P = _parts(cert, base_dir)
    figs, why = _figures(cert)
    return {"parts": P, "figures": figs, "why": why, "headline": _headline(P),
            "status_line": headline_status(P["status"], P["tier"]),
            "figures_sentence": _figures_sentence(cert, figs) if figs else "",
            "why_sentence": _sentence(why) if why else ""}


def render_pdf(cert: dict, *, base_dir=None, paper: str = "a4", page_hook=None) -> tuple:
    """(PDF bytes, number of pages) of the report of ``cert`` (see :mod:`verifier.report_pdf`)."""
    from .report_pdf import draw_pdf
    return draw_pdf(report_content(cert, base_dir), paper=paper, page_hook=page_hook)


def pdf_report(cert: dict, *, base_dir=None, paper: str = "a4") -> bytes:
    """The report of a certificate (a parsed JSON object) as PDF bytes: text pages, then one page per
    figure. ``paper``: ``"a4"`` (default) or ``"letter"``, portrait. Needs matplotlib (the ``plots``
    extra); raises :class:`verifier.figures.FiguresUnavailable` without it."""
    return render_pdf(cert, base_dir=base_dir, paper=paper)[0]


def markdown_report(cert: dict, *, figures_dir=None, link_base=None, base_dir=None) -> str:
    """Markdown for a certificate (a parsed JSON object).

    With ``figures_dir``, the figures of :mod:`verifier.figures` are written there as SVG files and a
    "Figures" section links them by a path relative to ``link_base`` (the folder the Markdown file will
    live in; default: the parent of ``figures_dir``). Without matplotlib the section says so instead.
    """
    P = _parts(cert, base_dir)
    lines = [f"# {_headline(P)}", "", f"> {P['statement']}", ""]
    if P["meaning"]:
        lines += [f"*{P['status']}:* {P['meaning']}", ""]
    lines += [("" if P["accepted"] else "**") + P["check"] + ("" if P["accepted"] else "**"), ""]
    if P["reason"]:
        lines += [f"**Reason:** {P['reason']}", ""]
    lines += ["## Instance", "", "| | |", "|---|---|"]
    lines += [f"| {k} | `{_cell(v)}` |" if code else f"| {k} | {_cell(v)} |" for k, v, code in P["instance"]]
    lines += [""]
    for sec in P["sections"]:
        lines += _markdown_section(sec)
    lines += ["## Claims", "",
              "| claim | status | scope | what was shown |", "|---|---|---|---|"]
    for c in P["claims"]:
        lines.append(f"| `{c['id']}` | {c['status']} | {c['scope']} | {_cell(c['message'])} |")
    lines += [""]
    for c in P["claims"]:
        lines += [f"### `{c['id']}`: {c['status']}", "", c["statement"], ""]
        if c["why"]:
            lines += [f"*Why it matters:* {c['why']}", ""]
        if c["evidence"]:
            lines += ["Evidence: " + ", ".join(f"{k} = `{v}`" for k, v in c["evidence"]), ""]
        if c["spectrum"]:
            lines += [c["spectrum"], ""]
    if figures_dir is not None:
        lines += _markdown_figures(cert, figures_dir, link_base)
    if P["out_of_scope"]:
        lines += ["## Not claimed", ""] + [f"- {x}" for x in P["out_of_scope"]] + [""]
    if P["notes"]:
        lines += ["## Notes (commentary: not checked)", ""] + [f"- {x}" for x in P["notes"]] + [""]
    lines += ["## Provenance", "", P["provenance"], "",
              "Re-check with `verifier check CERT.json`.", ""]
    return "\n".join(lines)


def _markdown_section(sec) -> list:
    lines = [f"## {sec['title']}", ""]
    if sec["intro"]:
        lines += [sec["intro"], ""]
    if sec["rows"]:
        head = sec["header"] or ["", ""]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(_cell(x) for x in row) + " |" for row in sec["rows"]]
        lines += [""]
    if sec["more"]:
        lines += [sec["more"], ""]
    if sec["items"]:
        lines += [f"- {x}" for x in sec["items"]] + [""]
    return lines


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


def _markdown_figures(cert, figures_dir, link_base) -> list:
    import os

    from .figures import write_figures
    figs, why = _figures(cert)
    lines = ["## Figures", ""]
    if not figs:
        return lines + [f"*{_sentence(why)}*", ""]
    base = link_base if link_base is not None else os.path.dirname(os.path.abspath(figures_dir))
    for f, path in zip(figs, write_figures(figs, figures_dir)):
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base)).replace(os.sep, "/")
        lines += [f"### {f.title}", "", f"![{f.title}]({rel})", "", f.caption, ""]
    if why:
        lines += [f"*{_sentence(why)}*", ""]
    lines += [_figures_sentence(cert, figs), ""]
    return lines


# ------------------------------------------------------------------------------------------------ HTML

REPORT_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0;
       color: #1d2330; background: #f6f7f9; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #dde1e7; padding-bottom: 4px; }
blockquote { margin: 0.6em 0; padding: 0.4em 1em; border-left: 4px solid #9aa5b8; background: #f3f5f8; }
table { border-collapse: collapse; margin: 0.6em 0; } td, th { border: 1px solid #dde1e7; padding: 4px 8px;
       text-align: left; vertical-align: top; } th { background: #eef1f5; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.92em; background: #f0f2f5;
       padding: 0 3px; border-radius: 3px; word-break: break-all; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.85em; font-weight: 600;
         color: #fff; } .verified { background: #1f8a4c; } .refuted { background: #c0392b; }
.inconclusive { background: #b7791f; } .not-applicable { background: #4b5563; } .unknown { background: #6b7280; }
.tier { font-size: 0.6em; font-weight: 400; color: #3d4658; }
.badge.float-tier { background-image: repeating-linear-gradient(135deg, rgba(255,255,255,.22) 0 6px,
       transparent 6px 12px); outline: 2px dashed rgba(0,0,0,.35); outline-offset: 1px; }
.badge.verified.float-tier { background-color: #2f7d6d; }
.glance { display: flex; gap: 24px; flex-wrap: wrap; } .glance > div { flex: 1 1 320px; }
.claim { border: 1px solid #dde1e7; border-radius: 6px; padding: 8px 14px; margin: 10px 0; }
.claim h3 { margin: 0.2em 0; font-size: 1.05em; } .why { color: #3d4658; font-style: italic; }
figure { margin: 18px 0 28px; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #3d4658; font-size: 0.93em; margin-top: 4px; } .note { color: #6b4d00; background: #fff7e0;
       padding: 6px 10px; border-radius: 4px; } .muted { color: #6b7280; font-size: 0.9em; }
"""


def _esc(x) -> str:
    import html
    return html.escape(str(x), quote=True)


def _code_spans(text) -> str:
    """Escape text and turn `backtick` spans into <code>."""
    import re
    return re.sub(r"`([^`]+)`", lambda m: f"<code>{m.group(1)}</code>", _esc(text))


def _badge(status) -> str:
    cls = status if status in ("verified", "refuted", "inconclusive", "not-applicable") else "unknown"
    return f'<span class="badge {cls}">{_esc(status)}</span>'


def headline_status(status, tier_name) -> str:
    """The status as the headline states it: with the tier where it is not the rigorous one, so a
    floating-point certificate never reads like a rigorous one ("verified (floating-point with error bounds)")."""
    return str(status) if tier_name == RIGOROUS_TIER else f"{status} ({tier_name})"


def _headline_badge(P) -> str:
    """The page's status badge: the tier in its text (and a hatched look) for the floating-point tier."""
    status = P["status"]
    cls = status if status in ("verified", "refuted", "inconclusive", "not-applicable") else "unknown"
    if P["tier"] == RIGOROUS_TIER:
        return f'<span class="badge {cls}">{_esc(status)}</span> <span class="tier">(tier: {_esc(P["tier"])})</span>'
    return f'<span class="badge {cls} float-tier">{_esc(headline_status(status, P["tier"]))}</span>'


def _html_section(sec) -> list:
    out = [f'<h2 id="{_esc(sec["id"])}">{_esc(sec["title"])}</h2>']
    if sec["intro"]:
        out.append(f'<p class="muted">{_esc(sec["intro"])}</p>')
    if sec["rows"]:
        out.append("<table>")
        if sec["header"]:
            out.append("<tr>" + "".join(f"<th>{_esc(h)}</th>" for h in sec["header"]) + "</tr>")
        out += ["<tr>" + "".join(f"<td>{_esc(x)}</td>" for x in row) + "</tr>" for row in sec["rows"]]
        out.append("</table>")
    if sec["more"]:
        out.append(f'<p class="muted">{_esc(sec["more"])}</p>')
    if sec["items"]:
        cls = ' class="note"' if sec["note"] else ""
        out += [f"<ul{cls}>"] + [f"<li>{_esc(x)}</li>" for x in sec["items"]] + ["</ul>"]
    return out


def html_report(cert: dict, *, figures: bool = True, base_dir=None) -> str:
    """One self-contained HTML page for a certificate: inline CSS and SVG figures, no scripts, no external files.

    Without matplotlib (the ``plots`` extra) the page renders all the same and says that figures need it.
    """
    P = _parts(cert, base_dir)
    figs, why = _figures(cert) if figures else ([], "figures were not requested")
    counts = {}
    for c in P["claims"]:
        counts[c["status"]] = counts.get(c["status"], 0) + 1
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_esc(_headline(P))}</title>", f"<style>{REPORT_CSS}</style>", "</head>",
           "<body>", "<main>",
           f"<h1><code>{_esc(P['theorem'])}</code>: {_headline_badge(P)}</h1>",
           f"<blockquote>{_esc(P['statement'])}</blockquote>"]
    if P["meaning"]:
        out.append(f'<p class="muted"><em>{_esc(P["status"])}:</em> {_esc(P["meaning"])}</p>')
    out.append(f'<p class="{"muted" if P["accepted"] else "note"}">{_esc(P["check"])}</p>')
    if P["reason"]:
        out.append(f"<p><strong>Reason:</strong> {_code_spans(P['reason'])}</p>")
    # At a glance: the instance and the claims in one screen.
    out += ['<h2 id="glance">At a glance</h2>', '<div class="glance">', "<div>", "<table>",
            "<tr><th colspan=2>Instance</th></tr>"]
    for k, v, code in P["instance"]:
        out.append(f"<tr><td>{_esc(k)}</td><td>{f'<code>{_esc(v)}</code>' if code else _esc(v)}</td></tr>")
    out += ["</table>", "</div>", "<div>", "<table>", "<tr><th>claim</th><th>status</th><th>scope</th></tr>"]
    for c in P["claims"]:
        out.append(f'<tr><td><a href="#claim-{_esc(c["id"])}"><code>{_esc(c["id"])}</code></a></td>'
                   f"<td>{_badge(c['status'])}</td><td>{_esc(c['scope'])}</td></tr>")
    out += ["</table>", '<p class="muted">' + (_esc(", ".join(f"{v} {k}" for k, v in counts.items())) or "no claims")
            + "</p>", "</div>", "</div>"]
    for sec in P["sections"]:
        out += _html_section(sec)
    # Claims in plain words.
    out.append('<h2 id="claims">Claims</h2>')
    for c in P["claims"]:
        out += [f'<div class="claim" id="claim-{_esc(c["id"])}">',
                (f"<h3><code>{_esc(c['id'])}</code> {_badge(c['status'])} <span class=muted>scope: "
                 f"{_esc(c['scope'])}</span></h3>"),
                f"<p>{_esc(c['statement'])}</p>",
                f"<p><strong>What was shown:</strong> {_code_spans(c['message'])}</p>"]
        if c["why"]:
            out.append(f'<p class="why">Why it matters: {_esc(c["why"])}</p>')
        if c["evidence"]:
            out.append("<p><strong>Evidence:</strong> " + ", ".join(f"{_esc(k)} = <code>{_esc(v)}</code>"
                                                                    for k, v in c["evidence"]) + "</p>")
        if c["spectrum"]:
            out.append(f"<p>{_esc(c['spectrum'])}</p>")
        out.append("</div>")
    # Figures.
    out.append('<h2 id="figures">Figures</h2>')
    if figs:
        out.append(f'<p class="muted">{_code_spans(_figures_sentence(cert, figs))}</p>')
    if why:
        out.append(f'<p class="note">{_code_spans(_sentence(why))}</p>')
    for f in figs:
        out += [f'<figure id="fig-{_esc(f.key)}">', f"<h3>{_esc(f.title)}</h3>", f.svg,
                f"<figcaption>{_esc(f.caption)}</figcaption>", "</figure>"]
    if P["out_of_scope"]:
        out += ['<h2 id="not-claimed">Not claimed</h2>', "<ul>"] + [f"<li>{_esc(x)}</li>" for x in P["out_of_scope"]] \
            + ["</ul>"]
    if P["notes"]:
        out += ['<h2 id="notes">Notes (commentary: not checked)</h2>', "<ul>"] + [f"<li>{_esc(x)}</li>" for x in P["notes"]] + ["</ul>"]
    out += ['<h2 id="provenance">Provenance</h2>', f"<p>{_esc(P['provenance'])}</p>",
            "<p>Re-check with <code>verifier check CERT.json</code>.</p>", "</main>", "</body>", "</html>", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- the verb


def report(certificate, *, format: str = "md", figures_dir=None, out=None, paper: str = "a4"):
    """A readable report of a certificate (a Certificate, its JSON or a path): Markdown
    (``format="md"``; the figures as SVG files in ``figures_dir`` when given), one self-contained HTML
    page with inline figures (``"html"``), or one PDF file (``"pdf"``: the bytes; the text pages, then one
    page per figure; ``paper`` ``"a4"`` or ``"letter"``; needs matplotlib, the ``plots`` extra). With
    ``out`` the report is also written to that file (atomically). Returns the text, or for pdf the bytes.
    ``verifier.report(...)`` calls this."""
    import json
    import os

    from .errors import InputError
    if format not in ("md", "html", "pdf"):
        raise InputError(f"format={format!r:.40}: must be 'md', 'html' or 'pdf'")
    if paper not in ("a4", "letter"):
        raise InputError(f"paper={paper!r:.40}: must be 'a4' or 'letter'")
    if hasattr(certificate, "to_json"):
        doc = json.loads(json.dumps(certificate.to_json()))
    elif isinstance(certificate, dict):
        doc = certificate
    elif isinstance(certificate, (str, os.PathLike)):
        from .data import read_json
        doc = read_json(os.fspath(certificate), "certificate", exact_floats=False)
    else:
        raise InputError(f"certificate={type(certificate).__name__}: give a Certificate, its JSON (dict) or a path")
    if not isinstance(doc, dict):
        raise InputError("not a verifier certificate")
    base_dir = os.path.dirname(os.path.abspath(os.fspath(certificate))) \
        if isinstance(certificate, (str, os.PathLike)) else None
    if format == "pdf":
        from .figures import FiguresUnavailable
        try:
            result = pdf_report(doc, base_dir=base_dir, paper=paper)
        except FiguresUnavailable:
            raise InputError(f"format='pdf' needs matplotlib: {install_hint('plots')}") from None
    elif format == "html":
        result = html_report(doc, base_dir=base_dir)
    else:
        result = markdown_report(doc, figures_dir=figures_dir, base_dir=base_dir)
    if out is not None:
        from .certificate import write_bytes_atomic, write_text_atomic
        (write_bytes_atomic if format == "pdf" else write_text_atomic)(out, result)
    return result


class _ReportModule(types.ModuleType):
    """This module, callable: ``verifier.report(cert)`` is :func:`report`."""

    def __call__(self, certificate, **options):
        return report(certificate, **options)


sys.modules[__name__].__class__ = _ReportModule
