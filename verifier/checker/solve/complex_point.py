"""Checker rule for ``complex-point``: a certified complex zero of H, so V(H) is nonempty over C.

The argument (also in :mod:`verifier.solver.complex_point`): H' = the residuals that are not identically 0,
m' of them, m' <= n; the evidence states n - m' affine hyperplanes a . w = b (exact rationals) and a complex
box B. If the Krawczyk test passes for F = (H', a_1 . w - b_1, ...) on B, F has exactly one zero w* in B
with J_F(w*) nonsingular: H(w*) = 0 (V(H) is nonempty over C) and rank J_H(w*) = m', so V(H) is a complex
manifold of dimension n - m' near w*.

H is the checker's own (``algebra/polys``, through the ``polynomial-system`` rule, which must have verified
first); the slices are parsed as exact rationals; the box goes through :func:`krawczyk.verify_solution_boxes`.
Sets ``ctx.complex_point`` for the ``infeasible`` rule (a refutation of emptiness by this claim).
Standard library, python-flint and ``verifier.checker`` only.
"""

from __future__ import annotations

from ..format import FormatError, parse_rational, rational_str
from .krawczyk import MAX_PREC, verify_solution_boxes

V, R, I = "verified", "refuted", "inconclusive"
EVIDENCE_KEYS = {"variables", "slices", "box", "prec_bits", "route"}
MIN_PREC_BITS = 53


def _slices(obj, ctx_poly, n, k):
    if not isinstance(obj, list) or len(obj) != k:
        raise FormatError(f"complex-point needs exactly {k} slices (n minus the residuals that are not 0)")
    return [slice_polynomial(s, ctx_poly, n) for s in obj]


def slice_polynomial(s, ctx_poly, n: int):
    """``a . w - b`` exactly from a slice ``{"a": [n rationals], "b": rational}`` (strictly read; also the
    witness sets' slices)."""
    if not isinstance(s, dict) or set(s) != {"a", "b"} or not isinstance(s["a"], list) or len(s["a"]) != n:
        raise FormatError(f'a slice is {{"a": [{n} rationals], "b": rational}} meaning a . w = b')
    p = ctx_poly.constant(-parse_rational(s["b"]))
    for g, c in zip(ctx_poly.gens(), s["a"]):
        q = parse_rational(c)
        if q != 0:
            p += q * g
    if p.total_degree() < 1:
        raise FormatError("a slice has no variable")
    return p


def rule_complex_point(ctx, claim):
    ev = claim.get("evidence") or {}
    alg = getattr(ctx, "algebra", None)
    if alg is None:
        return I, "needs a verified polynomial-system claim first"
    needed = {"variables", "slices", "box", "prec_bits"}
    if not isinstance(ev, dict) or set(ev) - EVIDENCE_KEYS or not needed <= set(ev):
        return I, "complex-point evidence is exactly variables, slices, box, prec_bits (and route)"
    if ev["variables"] != alg["variables"]:
        raise FormatError("complex-point variables must be the polynomial system's")
    prec = ev["prec_bits"]
    if type(prec) is not int or not MIN_PREC_BITS <= prec <= min(MAX_PREC, 4096):
        raise FormatError(f"complex-point prec_bits must be an integer in [{MIN_PREC_BITS}, 4096]")
    if claim.get("status") == R:
        return I, "a complex point can only show that V(H) is nonempty, not refute anything"
    H = [h for h in alg["H"] if not h.is_zero()]
    n = ctx.n
    if not H:
        return I, "every residual is identically 0: nothing to certify"
    if len(H) > n:
        return I, f"{len(H)} residuals in {n} unknowns: a box cannot prove a zero of an overdetermined system"
    fctx = H[0].context()
    F = H + _slices(ev["slices"], fctx, n, n - len(H))
    box = ev["box"]
    if not isinstance(box, dict) or set(box) != {"center", "radius"}:
        raise FormatError("complex-point box is {center: [[re, im], ...], radius}")
    rep = verify_solution_boxes(F, [box], prec=prec, max_boxes=1, budget=None)
    if not (rep["ok"] and rep["certified"] == 1):
        return I, f"the box does not pass the Krawczyk test: {rep['reason'][:160]}"
    ctx.complex_point = True
    k = n - len(H)
    sliced = f" and {k} affine slice{'s' if k != 1 else ''}" if k else ""
    return V, (f"Krawczyk test passes for H{sliced} on a box of radius "
               f"{rational_str(parse_rational(box['radius']))}: H has a zero there, with rank J = {len(H)}, so V(H) is "
               f"nonempty over C and "
               f"has a component of dimension {k}")


NETWORK_RULES = {"complex-point": rule_complex_point}
