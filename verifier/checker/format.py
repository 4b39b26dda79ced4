"""The certificate format shared by writer and reader (docs/certificate-format.md).

Standard library and python-flint only: this module is part of the checker's
trusted base, and the solver imports it to write certificates, so writer and
reader agree on one schema.
"""

from __future__ import annotations

import hashlib
import json
import re

import flint

FORMAT_TAG = "verifier-certificate"
SCHEMA_VERSION = 1
# A certificate's status, defined once (docs/certificate-format.md):
#   verified        the theorem's conclusion is proven for the instance;
#   refuted         the conclusion is proven false, with the evidence;
#   inconclusive    neither (the reason says why: budget, undecided ball, missing engine);
#   not-applicable  a hypothesis of the theorem fails, so the theorem says nothing here (the reason names it).
# A claim is verified, refuted or inconclusive; a hypothesis claim that is refuted makes the
# certificate not-applicable, never refuted.
STATUSES = ("verified", "refuted", "inconclusive", "not-applicable")
CLAIM_STATUSES = ("verified", "refuted", "inconclusive")
# Every certificate states its tier: exact and ball arithmetic, or float64 with a-priori error bounds
# (the torch backend; its certificates list their assumptions). A certificate without a tier is rigorous.
RIGOROUS_TIER = "rigorous"
FLOAT_TIER = "floating-point with error bounds"
TIERS = (RIGOROUS_TIER, FLOAT_TIER)
# Claims that state a hypothesis of a theorem, not part of its conclusion.
HYPOTHESIS_CLAIMS = ("distinct-inputs", "activation-rectified", "activation-smooth", "overparameterized",
                     "hidden-width", "polynomial-system")
SCOPES = ("global", "local", "after-perturbation", "instance")

# Claims each theorem needs before its certificate may say `verified`.
REQUIRED_CLAIMS = {
    "cooper-3.3": ("distinct-inputs", "activation-rectified", "construction", "zero"),
    "cooper-3.4": ("distinct-inputs", "activation-rectified", "construction", "zero"),
    "cooper-2.1": ("distinct-inputs", "activation-smooth", "overparameterized", "zero", "rank-J", "manifold"),
    "cooper-2.3": ("distinct-inputs", "activation-smooth", "overparameterized", "zero", "rank-J", "manifold",
                   "hessian-signature"),
    "cooper-4.1": ("distinct-inputs", "activation-rectified", "activation-smooth", "overparameterized",
                   "construction", "zero", "rank-J", "manifold", "hessian-signature"),
}
REQUIRED_CLAIMS["cooper-4.2"] = REQUIRED_CLAIMS["cooper-4.1"]
# A certified path in M between two approximate zeros (verifier connect); segment-loss is reported beside it.
REQUIRED_CLAIMS["cooper-connected"] = ("activation-smooth", "overparameterized", "path")
PATH_CLAIMS = ("path", "segment-loss", "separated")
REQUIRED_CLAIMS.update({
    "liao-poggio-bezout": ("polynomial-system", "bezout-bounds"),
    "liao-poggio-dimension": ("polynomial-system", "generic-rank"),
    "liao-poggio-nullstellensatz": ("polynomial-system", "infeasible"),
    "cooper-2.1-global": ("polynomial-system", "regular-value"),
    # Square polynomial systems (verifier/checker/solve/; instance: a system and its source).
    "polynomial-solutions": ("solutions-certified", "bezout-bounds-square"),
    "witness-degree": ("solutions-certified", "bezout-bounds-square"),
    "liao-poggio-prop-1": ("solutions-certified", "critical-classification"),
})

# The hypotheses of each theorem, as claim ids: a refuted one makes a certificate not-applicable. The
# construction theorems' width hypothesis is implied by a verified construction claim, so it is not required.
HYPOTHESES = {thm: tuple(c for c in req if c in HYPOTHESIS_CLAIMS) for thm, req in REQUIRED_CLAIMS.items()}
for _thm in ("cooper-3.3", "cooper-3.4", "cooper-4.1", "cooper-4.2"):
    HYPOTHESES[_thm] += ("hidden-width",)

# Theorems whose instance is a polynomial system with its source, not a network and data.
SOLVE_THEOREMS = ("polynomial-solutions", "witness-degree", "liao-poggio-prop-1")

# The claims of the algebraic theorems (a verified one's message is the checker rule's own, verbatim).
ALGEBRAIC_CLAIMS = ("polynomial-system", "bezout-bounds", "generic-rank", "variety-dimension", "infeasible",
                    "regular-value", "sard-perturbation", "complex-point")
ALGEBRAIC_THEOREMS = ("liao-poggio-bezout", "liao-poggio-dimension", "liao-poggio-nullstellensatz",
                      "cooper-2.1-global")

# The statement of each theorem, as certificates state it (the checker requires it verbatim).
STATEMENTS = {
    "cooper-3.3": "For distinct x_i and a rectified activation, a one-hidden-layer network of width h >= d fits "
                  "the data exactly: f(x_i) = y_i for all i.",
    "cooper-3.4": "For distinct x_i and a rectified activation, a network with T hidden layers whose last hidden "
                  "layer has width >= d fits the data exactly.",
    "cooper-4.1": "For distinct x_i, a rectified smooth activation and a feedforward network whose last hidden layer "
                  "has width >= d, M = L^{-1}(0) is nonempty and, near the constructed point, a smooth manifold of "
                  "dimension n - l*d; the Hessian of L there has l*d positive and n - l*d zero eigenvalues.",
    "cooper-4.2": "With targets y_i in R^l, the construction and Theorem 4.1 hold with codimension l*d: M is "
                  "nonempty and smooth of dimension n - l*d near the constructed point.",
    "cooper-2.1": "Given an approximate zero of H, there is a true point w* of M nearby, rank J = l*d on a box "
                  "around it, and M is a smooth submanifold of dimension n - l*d near w*.",
    "cooper-2.3": "At a point w* of M with rank J = l*d, the Hessian of L = sum f_i^2 has l*d positive "
                  "eigenvalues, each >= 2 sigma_min(J)^2, and n - l*d zero eigenvalues.",
    "cooper-connected": "Given two approximate zeros w0 and w1 of H, there are true points of M near each, joined "
                        "by a continuous path in M: L = 0 at every point of the path and rank J = l*d along it, so "
                        "both points lie in one connected component of the smooth part of M.",
    "liao-poggio-bezout": "For a polynomial network, H = 0 is a system of l*d polynomial equations over Q in n "
                          "unknowns; its isolated complex solutions (for n > l*d: the points of M on a generic "
                          "affine slice of codimension n - l*d) number at most the Bezout numbers of its degrees.",
    "liao-poggio-dimension": "For a polynomial network, the image of w -> (f_w(x_i))_i has dimension r = generic "
                             "rank of J; if r < l*d, M is empty for generic targets, if r = l*d, M is for generic "
                             "targets empty or smooth of dimension n - l*d; every component of V(H) has dimension "
                             ">= n - l*d.",
    "liao-poggio-nullstellensatz": "For a polynomial network, no parameters fit the data (V(H) is empty over C) "
                                   "if and only if 1 = sum_r g_r H_r for some polynomials g_r (Hilbert's "
                                   "Nullstellensatz).",
    "cooper-2.1-global": "For a polynomial network, 0 is a regular value of H over C (rank J = l*d at every zero), "
                         "so M is empty or a smooth manifold of dimension n - l*d; if it is not, then after an "
                         "arbitrarily small perturbation of the targets it is (Theorem 2.1).",
    "polynomial-solutions": "For the square polynomial system F = 0 over Q in the instance (re-derived from its "
                            "source when that is a network), each certified box holds exactly one complex "
                            "solution, a regular one, and the boxes are pairwise disjoint: the certified count is a "
                            "lower bound on the number of distinct complex solutions and the certified real count a "
                            "lower bound on the real ones; both are exact only where the claim count-exact says so.",
    "witness-degree": "For a polynomial network with n > l*d, V(H) cut by the n - l*d affine hyperplanes in the "
                      "instance is a square system; each certified box holds exactly one regular solution, so V(H) "
                      "is smooth of dimension n - l*d there, and the certified count is a lower bound on the degree "
                      "of the (n - l*d)-dimensional part of V(H) over C; it equals that degree only where the claim "
                      "count-exact says so.",
    "liao-poggio-prop-1": "For the polynomial loss L in the instance (regularised deep linear network or polynomial "
                          "network), grad L = 0 is a square polynomial system; each certified real box holds exactly "
                          "one real critical point of L, classified by the certified inertia of the Hessian of L on "
                          "the box (local minimum, saddle of the stated index, local maximum or degenerate); a point "
                          "is called a global minimum only when it is proven to attain min L.",
}

# The statement of each algebraic claim (the checker requires it verbatim: a claim cannot be reworded to say more).
#: count-exact's statement before method bkk existed; still accepted on claims by Bezout or Singular.
COUNT_EXACT_STATEMENT_V1 = (
    "the certified count is the exact number of complex solutions of the system, all simple: it equals a Bezout "
    "bound, or the checker's own Groebner basis over Q (Singular) shows dimension 0 and vdim equal to it; the real "
    "count is exact too when no certified box has undecided realness (real_exact); for a witness system this is "
    "the number of points on this slice, and the degree of V(H)'s (n - l*d)-dimensional part only when the count "
    "equals a Bezout bound")

#: count-exact's statement before method singular-radical existed; still accepted on claims by the methods it names.
COUNT_EXACT_STATEMENT_V2 = (
    "the certified count is the exact number of complex solutions of the system, all simple: it "
    "equals a Bezout bound, or the checker's own Groebner basis over Q (Singular) shows dimension 0 "
    "and vdim equal to it, or (method bkk, scope all) it equals the mixed volume of the Newton "
    "polytopes, every box lies in the torus and no solution has a zero coordinate (Bernstein); with "
    "method bkk and scope isolated it equals the mixed volume with the origin added, so it is the "
    "exact number of ISOLATED solutions (Li-Wang) and positive-dimensional components are not "
    "excluded; the real count is exact too when no certified box has undecided realness "
    "(real_exact); for a witness system this is the number of points on this slice, and the degree "
    "of V(H)'s (n - l*d)-dimensional part only when the count equals a Bezout bound")

#: solutions-certified's statement before parametrizations existed; still accepted on claims with boxes only.
SOLUTIONS_STATEMENT_V1 = (
    "each box passes the Krawczyk test (exactly one complex solution in it, with a "
    "nonsingular Jacobian) and the boxes are pairwise disjoint; the certified count is a LOWER "
    "bound on the number of distinct complex solutions, the count of boxes proven real a "
    "LOWER bound on the number of real solutions")

#: Earlier statements a claim may still carry: (claim id, statement) -> the evidence methods it covers (None: any
#: evidence without a parametrization).
EARLIER_STATEMENTS = {
    ("count-exact", COUNT_EXACT_STATEMENT_V1): ("bezout", "singular"),
    ("count-exact", COUNT_EXACT_STATEMENT_V2): ("bezout", "singular", "bkk"),
    ("solutions-certified", SOLUTIONS_STATEMENT_V1): None,
}

CLAIM_STATEMENTS = {
    "polynomial-system": "every activation is a polynomial with rational coefficients, so H is a polynomial map "
                         "over Q",
    "bezout-bounds": "the number of isolated complex solutions of H = 0 (for n > l*d: of M cut by n - l*d generic "
                     "affine hyperplanes) is at most the total-degree and the multihomogeneous Bezout number; the "
                     "Liao-Poggio and Smale-Shub numbers are reported beside them, not claimed as bounds",
    "generic-rank": "the generic rank r of J (the dimension of the image of w -> (f_w(x_i))_i) lies between the "
                    "stated bounds; r < l*d means M is empty for generic targets, r = l*d that M is, for generic "
                    "targets, empty or smooth of dimension n - l*d",
    "variety-dimension": "V(H) over C has the stated dimension and degree (Groebner basis); every component has "
                         "dimension >= n - l*d when V(H) is nonempty, and components above that are excess",
    "infeasible": "V(H) is empty over C, i.e. 1 = sum_r g_r H_r for polynomial cofactors g_r (Hilbert's "
                  "Nullstellensatz): no network of this architecture fits the data",
    "complex-point": "H has a complex zero w* in the stated box: the residuals that are not identically 0 (m' of "
                     "them, m' <= n) together with the stated n - m' affine hyperplanes a . w = b (exact rationals) "
                     "form a square system that passes the Krawczyk test on the box, so it has exactly one zero "
                     "there, a regular one; hence V(H) is nonempty over C, rank J(w*) = m', and V(H) has a "
                     "component of dimension n - m', smooth at w*",
    "regular-value": "0 is a regular value of H over C: rank J(w) = l*d at every complex zero of H, so "
                     "M = H^{-1}(0) is empty or a smooth manifold of dimension n - l*d everywhere",
    "sard-perturbation": "Theorem 2.1's perturbation: for the stated targets y + r with max |r| < epsilon, 0 is a "
                         "regular value of the perturbed H over C",
    "path": "a continuous path w(t), t in [0, 1], with H(w(t)) = 0 at every t (so L = 0 along it) joins a zero of H "
            "within start_distance (max-norm) of the given start point to a zero within end_distance of the given end "
            "point; on every piece of the path a square l*d x l*d block J_u of J is nonsingular, so rank J = l*d "
            "along the whole path and it lies in the smooth part of M",
    "separated": "the coordinate w_k does not vanish on M over C (1 = sum_r g_r H_r + g w_k, Hilbert's "
                 "Nullstellensatz) and has opposite signs on the max_distance boxes around the two given points, "
                 "which do not reach w_k = 0: every zero of H near the start lies on one side of w_k = 0, every "
                 "zero near the end on the other, so no path in M joins them (a polynomial network)",
    "segment-loss": "at each stated t, the loss L = sum_i |f_w(x_i) - y_i|^2 at w = (1 - t) w0 + t w1 on the straight "
                    "segment between the given points lies in the stated interval; the largest lower end is a "
                    "certified lower bound on the loss barrier along that segment (a fact about the segment, not "
                    "about M)",
    "solutions-certified": "each box passes the Krawczyk test (exactly one complex solution in it, with a "
                           "nonsingular Jacobian) and the boxes are pairwise disjoint; where a parametrization is "
                           "given, its points x = N(t)/den(t) over the roots of a squarefree w(t) are solutions, "
                           "checked exactly modulo w, pairwise distinct (a linear form recovers t) and real exactly "
                           "at the real roots of w, multiple solutions included; the certified count (boxes, or the "
                           "parametrization's points where they are more) is a LOWER bound on the number of distinct "
                           "complex solutions, the count proven real a LOWER bound on the number of real solutions",
    "bezout-bounds-square": "the total-degree Bezout number and the multihomogeneous Bezout number of the stated "
                            "variable groups are upper bounds on the number of isolated complex solutions; the "
                            "certified count does not exceed them",
    "count-exact": "the certified count is the exact number of complex solutions of the system, all simple: it "
                   "equals a Bezout bound, or the checker's own Groebner basis over Q (Singular) shows dimension 0 "
                   "and vdim equal to it, or (method bkk, scope all) it equals the mixed volume of the Newton "
                   "polytopes, every box lies in the torus and no solution has a zero coordinate (Bernstein); with "
                   "method bkk and scope isolated it equals the mixed volume with the origin added, so it is the "
                   "exact number of ISOLATED solutions (Li-Wang) and positive-dimensional components are not "
                   "excluded; with method singular-radical the checker's Singular shows dimension 0 and a radical "
                   "with exactly that many solutions, so it is the exact number of DISTINCT complex solutions, "
                   "some of which may be multiple (not simple); the real count is exact too when no certified box "
                   "has undecided realness (real_exact); for a witness system this is the number of points on this "
                   "slice, and the degree of V(H)'s (n - l*d)-dimensional part only when the count equals a Bezout "
                   "bound",
    "critical-classification": "for each certified real critical point: the inertia of the Hessian of L on its box "
                               "(certified by Sylvester and Gershgorin in ball arithmetic) and the label it implies; "
                               "global-minimum only when all real critical points are certified (count-exact and "
                               "every realness decided), L is coercive (every lambda > 0) and the point's loss is "
                               "proven lowest (enclosures separated, equal losses via verified sign symmetries); "
                               "global-minimum-zero-loss only for an unregularised loss vanishing exactly at the "
                               "box centre",
}

# Cooper's claims: statements with the instance's numbers, and the messages of verified claims and of
# failed hypotheses, rendered by one function from facts the checker re-derives (the instance's n, l*d,
# d, activations, widths) and evidence values it verifies. The writer renders with the same function and
# the checker requires both texts verbatim, so a certificate cannot say more in words than it proves.
COOPER_STATEMENTS = {
    "distinct-inputs": "the inputs x_i are pairwise distinct",
    "activation-rectified": "every hidden activation is rectified (0 for t <= 0, increasing for t > 0)",
    "activation-smooth": "every hidden activation is smooth (C-infinity)",
    "overparameterized": "the network has more parameters than equations: n > l*d",
    "hidden-width": "the last hidden layer has width >= d",
    "construction": "the last hidden layer's matrix A_ij = sigma(z_j(x_i)) is lower triangular with positive diagonal "
                    "(rows in the order of the projections a.x_i), hence invertible",
    "zero": "H has a zero w* (a global minimum of L with L = 0) in the stated box; hence M is nonempty",
    "rank-J": "rank J = l*d = {m} at every point of the box (J_S is nonsingular there)",
    "manifold": "near w*, M is a smooth submanifold of dimension n - l*d = {dim} (Theorem 2.1, local form)",
    "hessian-signature": "at w*, the Hessian of L has {m} positive and {dim} zero eigenvalues (Proposition 2.3)",
}


def short_number(q) -> str:
    """A rational as a short decimal for messages (``%.2e``), also beyond the float64 range."""
    q = flint.fmpq(q)
    try:
        return f"{float(q):.2e}"
    except OverflowError:
        return f"2^{int(q.p).bit_length() - int(q.q).bit_length()}"


def cooper_statement(cid: str, n: int, m: int) -> str:
    """The statement of Cooper's claim ``cid`` on an instance with n parameters and l*d = m equations."""
    return COOPER_STATEMENTS[cid].format(m=m, dim=n - m)


def cooper_message(cid: str, status: str, *, n: int, m: int, d: int, activations=(), width=None, rows=None,
                   radius=None, distance=None, sigma=None, lam=None):
    """The message of Cooper's claim ``cid`` when it is verified, or refuted (a failed hypothesis); None for
    other cases (an inconclusive claim's message is the writer's explanation, and the checker shows its own).
    ``activations``: the hidden activations' names, sorted and distinct; ``rows``: the duplicate row pairs
    of distinct-inputs; ``radius``, ``distance``, ``sigma``, ``lam``: verified evidence values."""
    names = ", ".join(activations)
    if status == "verified":
        return {
            "distinct-inputs": f"the {d} inputs are pairwise distinct (exact comparison)",
            "activation-rectified": f"{names} is rectified" if len(activations) == 1 else f"{names} are rectified",
            "activation-smooth": f"{names} is smooth" if len(activations) == 1 else f"{names} are smooth",
            "overparameterized": f"n = {n} > l*d = {m}",
            "hidden-width": f"last hidden width {width} >= d = {d}",
            "construction": "pre-activations are <= 0 above the diagonal and > 0 on it, over the whole box",
            "zero": f"Krawczyk inclusion holds on a box of radius {radius}"
                    + (f"; the certified zero is within {distance} (max-norm) of the given point"
                       if distance is not None else ""),
            "rank-J": f"sigma_min(J) >= {short_number(sigma)} on the box" if sigma is not None else None,
            "manifold": f"M is a smooth {n - m}-dimensional manifold near w* (implicit function theorem)",
            "hessian-signature": f"{m} eigenvalues >= {short_number(lam)} (= 2 sigma_min^2), {n - m} zero"
                                 if lam is not None else None,
        }.get(cid)
    if status == "refuted":
        if cid == "distinct-inputs" and rows:
            return (f"duplicate inputs x_i at rows {rows[0][0]} and {rows[0][1]}"
                    + (f" (and {len(rows) - 1} more pairs)" if len(rows) > 1 else ""))
        return {
            "activation-rectified": f"{names}: not every activation is rectified; Lemma 3.3 needs a rectified "
                                    "activation such as smoolu",
            "activation-smooth": f"{names}: not every activation is smooth",
            "overparameterized": f"n = {n} <= l*d = {m}: M is not expected to have positive dimension",
            "hidden-width": f"the last hidden layer has width {width} < d = {d}; Lemma 3.3 needs width >= d",
        }.get(cid)
    return None


# What a local certificate does not claim; the checker requires it in ``out_of_scope``.
GLOBAL_SMOOTHNESS = ("M is a smooth (n - l*d)-manifold on all of R^n: that needs 0 to be a regular value of H "
                     "everywhere, which Theorem 2.1 gives only after an arbitrarily small perturbation of the data "
                     "(scope after-perturbation); for smooth non-polynomial activations it is not decided here.")
# A note Cooper's certificates carry.
REMARK_2_2 = ("Remark 2.2: the losses L_a = sum_i |f_i|^a (a >= 1) vanish exactly where L does, so every "
              "statement about M = L^{-1}(0) holds for them as well.")
# What a floating-point-tier certificate does not claim (besides GLOBAL_SMOOTHNESS).
FLOAT_NOT_ENCLOSED = ("the rigorous tier (Arb balls) for this instance: rounding errors of the forward and "
                      "backward passes are not enclosed")
# The only sentences a certificate may list as not claimed (a report shows them under "Not claimed").
OUT_OF_SCOPE_SENTENCES = (GLOBAL_SMOOTHNESS, FLOAT_NOT_ENCLOSED)
HYPOTHESIS_SUFFIX = " (a hypothesis fails, so the theorem does not apply)"


def reasons(claims) -> list:
    """The reasons a certificate with these claims (JSON objects) may state when it is not verified: a
    failed hypothesis, a refuted claim or an open one, in the words of that claim."""
    out = []
    for c in claims if isinstance(claims, list) else []:
        if isinstance(c, dict) and c.get("status") != "verified":
            text = f"{c.get('id')}: {c.get('message')}"
            out += [text, text + HYPOTHESIS_SUFFIX]
    return out


NEEDS_OUT_OF_SCOPE = ("cooper-2.1", "cooper-2.3", "cooper-4.1", "cooper-4.2")

# The scope each claim id must state: what the proof covers.
CLAIM_SCOPES = {
    "distinct-inputs": "instance", "activation-rectified": "instance", "activation-smooth": "instance",
    "overparameterized": "instance", "hidden-width": "instance", "construction": "instance", "zero": "global", "rank-J": "local",
    "manifold": "local", "hessian-signature": "local",
    "polynomial-system": "instance", "bezout-bounds": "global", "generic-rank": "global",
    "variety-dimension": "global", "infeasible": "global", "regular-value": "global", "complex-point": "global",
    "sard-perturbation": "after-perturbation",
    "solutions-certified": "global", "bezout-bounds-square": "global", "count-exact": "global",
    "critical-classification": "local", "path": "global", "segment-loss": "instance", "separated": "global",
}


def path_message(segments: int, legs: int, start_distance: str, end_distance: str, waypoints: int = 0) -> str:
    """The message of a verified ``path`` claim, rendered from the chain's counts and the distance bounds it
    verified (the writer and the checker render it with this one function). ``waypoints``: the joints where
    the pivots stay and only the route turns (the rest of the legs' joints are re-pivots)."""
    pivots = legs - 1 - waypoints
    turns = f", {waypoints} waypoint{'s' if waypoints != 1 else ''}" if waypoints else ""
    return (f"{segments} Krawczyk segments in {legs} leg{'s' if legs != 1 else ''} ({pivots} re-pivot"
            f"{'s' if pivots != 1 else ''}{turns}) chain a zero within {start_distance} of the start point to a "
            f"zero within {end_distance} of the end point")


def segment_loss_message(points: int, barrier_lower: str) -> str:
    """The message of a verified ``segment-loss`` claim."""
    return (f"L enclosed at {points} points of the straight segment; the loss barrier along it is at least "
            f"{barrier_lower}")

# The number grammar of docs/data-format.md (the loaders' grammar, written again here): [sign]p/q, or
# [sign]digits[.digits][e[sign]digits] with digits on at least one side of the point, |exponent| <= 10000.
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?", re.ASCII)
_FRACTION = re.compile(r"([+-]?[0-9]+)/([0-9]+)", re.ASCII)
_WS = " \t\r\n\f\v"
MAX_EXPONENT = 10_000


class FormatError(ValueError):
    """The certificate is not a well-formed document of this schema."""


def parse_rational(text) -> flint.fmpq:
    """An exact rational from ``"-3/7"``, ``"0.1"`` (= 1/10), ``"2.5e-3"`` or an int."""
    if isinstance(text, bool):
        raise FormatError(f"expected an exact rational, got {text!r}")
    if isinstance(text, int):
        return flint.fmpq(text)
    if not isinstance(text, str) or len(text) > 100000:
        raise FormatError(f"expected an exact rational string, got {type(text).__name__}")
    t = text.strip(_WS)
    m = _FRACTION.fullmatch(t)
    if m:
        q = flint.fmpz(m.group(2))
        if q == 0:
            raise FormatError(f"zero denominator in {text[:40]!r}")
        return flint.fmpq(flint.fmpz(m.group(1).lstrip("+")), q)
    m = _DECIMAL.fullmatch(t)
    if not m or not (m.group(2) or m.group(3)) or len((m.group(4) or "").lstrip("+-").lstrip("0")) > 6 \
            or abs(int(m.group(4) or 0)) > MAX_EXPONENT:
        raise FormatError(f"not an exact rational: {text[:40]!r}")
    sign, whole, frac, exp = m.group(1), m.group(2), m.group(3) or "", int(m.group(4) or 0)
    num = flint.fmpz((whole + frac).lstrip("0") or "0") * (-1 if sign == "-" else 1)
    e = exp - len(frac)
    return flint.fmpq(num * flint.fmpz(10) ** e) if e >= 0 else flint.fmpq(num, flint.fmpz(10) ** (-e))


def rational_str(q) -> str:
    """Canonical text of an exact rational: ``"3"``, ``"-3/7"``."""
    q = flint.fmpq(q)
    return str(q.p) if q.q == 1 else f"{q.p}/{q.q}"


def decimal_str(q) -> str:
    """Exact decimal text of a rational whose denominator is 2^a 5^b with at most 3000 decimal places
    (else ``rational_str``). Bounded work for any input: a denominator above 10^3000 is never factored,
    and the digits are made by flint (no limit on the length of an integer's text)."""
    q = flint.fmpq(q)
    den = int(q.q)
    places = 3000
    if den.bit_length() > 3.33 * places:     # above 10^3000: more than 3000 places, so never factored
        return rational_str(q)
    a = (den & -den).bit_length() - 1
    rest, b = den >> a, 0
    while rest % 5 == 0:
        rest //= 5
        b += 1
    k = max(a, b)
    if rest != 1 or k > places:
        return rational_str(q)
    num = q.p * flint.fmpz(10) ** k // q.q
    sign, digits = ("-" if num < 0 else ""), str(abs(num)).rjust(k + 1, "0")
    return sign + (digits[:-k] + "." + digits[-k:] if k else digits)


def arb_to_fmpq(x: flint.arb) -> flint.fmpq:
    """The exact value of an exact arb (e.g. ``b.upper()``) as a rational."""
    man, exp = x.mid().man_exp()
    man, exp = int(man), int(exp)
    return flint.fmpq(man * 2 ** exp) if exp >= 0 else flint.fmpq(man, 2 ** (-exp))


def claims_status(statuses) -> str:
    """A certificate's status from its claims' statuses (in order), by the rule above."""
    statuses = list(statuses)
    if any(cid in HYPOTHESIS_CLAIMS and st == "refuted" for cid, st in statuses):
        return "not-applicable"
    if any(st == "refuted" for _, st in statuses):
        return "refuted"
    if statuses and all(st == "verified" for _, st in statuses):
        return "verified"
    return "inconclusive"


def verdict(theorem: str, stated, required, checked: dict, problems: list) -> str:
    """The status a checker establishes from the stated status and each claim's re-checked status.

    verified only when every required claim re-checks as verified and nothing else went wrong;
    not-applicable only when a hypothesis claim re-checks as refuted; refuted only when a required
    claim of the conclusion re-checks as refuted and no hypothesis fails. Appends to ``problems``
    what blocks the stated status.
    """
    failed_hyp = [c for c in HYPOTHESES.get(theorem, ()) if checked.get(c) == "refuted"]
    if stated == "verified":
        missing = [c for c in required if checked.get(c) != "verified"]
        if missing:
            problems.append(f"a verified {theorem} needs these claims verified: {', '.join(missing)}")
        return "verified" if not problems else "inconclusive"
    if stated == "not-applicable":
        if not failed_hyp:
            problems.append(f"the certificate says not-applicable but no hypothesis of {theorem} re-checks as "
                            "refuted")
        return "not-applicable" if failed_hyp and not problems else "inconclusive"
    if stated == "refuted":
        # Only a claim of the conclusion that the theorem needs can refute it; a failed hypothesis
        # makes the theorem not apply instead.
        hit = [c for c in required if checked.get(c) == "refuted" and c not in HYPOTHESIS_CLAIMS]
        if failed_hyp:
            problems.append(f"hypothesis {failed_hyp[0]} fails, so {theorem} does not apply: the status is "
                            "not-applicable, not refuted")
        elif not hit:
            problems.append(f"the certificate says refuted but no claim of the conclusion of {theorem} re-checks "
                            "as refuted")
        return "refuted" if hit and not problems else "inconclusive"
    if failed_hyp:
        problems.append(f"hypothesis {failed_hyp[0]} fails: the status is not-applicable, not {stated}")
    return "inconclusive"


def canonical_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def sha256(obj) -> str:
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def digest(cert: dict) -> str:
    """Integrity digest: sha256 of the canonical JSON of everything but ``digest``."""
    return sha256({k: v for k, v in cert.items() if k != "digest"})


def instance_hash(instance: dict) -> str:
    return sha256({"network": instance["network"], "data": instance["data"]})
