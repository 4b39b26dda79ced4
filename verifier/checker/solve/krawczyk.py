"""Certified zeros of square polynomial systems, and certified inertia, in Arb ball arithmetic.

Part of the independent checker: standard library, python-flint and ``verifier.checker`` only. Pure
lemmas: the solver imports them (``verifier.solver.certify``, ``verifier.solver.critical``,
``verifier.theorems.solving``) rather than keeping a copy.

Boxes
-----
A box is given by an exact centre ``c`` in Q(i)^n (pairs of rationals ``(re, im)``) and one exact
rational radius ``r > 0``. It is the product of closed complex *squares*

    B = { z in C^n : |Re z_j - Re c_j| <= r and |Im z_j - Im c_j| <= r for every j },

which is exactly the set an Arb ``acb`` ball ``acb(arb(re, r), arb(im, r))`` describes (Arb's complex
balls are rectangles). Every ball we build from ``c`` and ``r`` encloses the exact sets (the radius of an
``arb`` is rounded up, midpoint rounding errors go into the radius); every comparison that the verdict
depends on is decided either exactly in rationals or by Arb, whose ``<`` is true only when it holds for
every point of both balls.

The Krawczyk test (Krawczyk 1969; Moore 1977; Rump 1983)
---------------------------------------------------------
Let F: C^n -> C^n be a polynomial map, J its Jacobian, Y any complex n x n matrix, and let ``J(B)`` be a
matrix of complex rectangles enclosing J(z) for every z in B. Put

    K = c - Y F(c) + (I - Y J(B)) (B - c)          (interval evaluation).

**Theorem.** If K lies in the interior of B, and ``q = ||I - Y J(B)||_inf < 1`` (an upper bound over all
matrices in the enclosure, complex moduli), then F has exactly one zero in B, and J(z) is nonsingular for
every z in B (so the zero is regular).

*Proof.* For x, y in B, F(x) - F(y) = S(x, y) (x - y) with S(x, y) = int_0^1 J(y + t(x - y)) dt (the
fundamental theorem of calculus along the segment, valid for holomorphic F); the segment lies in the convex
set B and each entry of J(B) is a convex rectangle, so S(x, y) lies in J(B). Hence g(x) = x - Y F(x) =
c - Y F(c) + (I - Y S(x, c)) (x - c) lies in K, a subset of B, for every x in B; g is continuous, so by
Brouwer it has a fixed point x*, and Y F(x*) = 0. Every matrix M in J(B) has ||I - Y M||_inf <= q < 1,
so Y M is nonsingular, hence Y and M are nonsingular: F(x*) = 0, J is nonsingular on B (take M = J(z)),
and a second zero y* would give 0 = Y S(x*, y*)(x* - y*), so y* = x*. []

This is Rump's formulation of the Krawczyk operator (S. M. Rump, "Verification methods: rigorous results
using floating-point arithmetic", Acta Numerica 19, 2010, Sec. 13): any Y is allowed, a bad Y makes the
test fail, never pass. The condition q < 1 is implied by K in int(B) up to the overestimation of interval
arithmetic (Perron-Frobenius); we check it explicitly because it makes the uniqueness argument elementary.

Realness (F with real, here rational, coefficients)
----------------------------------------------------
* If every ``Im c_j`` is exactly 0, B is invariant under complex conjugation; conj(x*) is a zero of F in B,
  so by uniqueness x* = conj(x*) is real.
* If some ``|Im c_j| > r`` (exact rationals), no point of B is real, so x* is not real.
* Otherwise realness is undecided.

Disjointness
------------
Two boxes are disjoint when, for some coordinate j, ``|Re c_j - Re c'_j| > r + r'`` or
``|Im c_j - Im c'_j| > r + r'`` (exact rationals; for products of squares this is also necessary).
Certified, pairwise disjoint boxes contain pairwise distinct zeros, so their number is a lower bound on
the number of (regular, isolated) complex zeros of F.

Inertia
-------
:func:`certified_inertia` uses Sylvester's law of inertia and Gershgorin's theorem; see its docstring.
"""

from __future__ import annotations

import math
import time

import flint
from flint import acb, acb_mat, arb, arb_mat, fmpq

from ..format import FormatError, arb_to_fmpq, parse_rational, rational_str

MIN_PREC, MAX_PREC = 16, 20_000
MAX_BOXES = 10_000
MAX_TERMS_PER_BOX = 5_000_000     # derivative terms * variables, a guard against hopeless jobs

__all__ = ["KrawczykResult", "krawczyk_test", "verify_solution_boxes", "certified_inertia", "inertia_label",
           "lowest_group", "parse_box", "realness", "boxes_disjoint", "PolySystem"]


# --------------------------------------------------------------------------------------------
# polynomial systems evaluated over complex balls
# --------------------------------------------------------------------------------------------

class PolySystem:
    """A square system F = (f_1, ..., f_n) of ``fmpq_mpoly`` in one context, prepared for ball evaluation.

    Terms are kept as exact (exponent vector, fmpq coefficient) pairs; each evaluation converts the
    coefficients at the working precision (``arb(fmpq)`` encloses the exact rational) and multiplies
    power tables of the arguments. Every Arb operation is inclusion-monotone, so the value encloses
    f(z) for every z in the argument balls.
    """

    def __init__(self, polys):
        polys = list(polys)
        if not polys:
            raise ValueError("empty polynomial system")
        ctx = polys[0].context()
        for p in polys:
            if not isinstance(p, flint.fmpq_mpoly) or p.context() is not ctx:
                raise ValueError("the system must be fmpq_mpoly in one context")
        n = ctx.nvars()
        if len(polys) != n:
            raise ValueError(f"the system is not square: {len(polys)} equations in {n} unknowns")
        self.n, self.ctx = n, ctx
        self.polys = polys
        self.terms = [self._terms(p) for p in polys]
        self.jac_terms = [[self._terms(p.derivative(j)) for j in range(n)] for p in polys]
        self.degrees = [0] * n
        for p in polys:
            for mon in p.monoms():
                for j, e in enumerate(mon):
                    self.degrees[j] = max(self.degrees[j], int(e))
        self.work = n * (sum(len(t) for t in self.terms) + sum(len(t) for row in self.jac_terms for t in row))

    @staticmethod
    def _terms(p):
        return [(tuple(int(e) for e in mon), fmpq(c)) for mon, c in zip(p.monoms(), p.coeffs())]

    def _powers(self, z):
        table = []
        for j, zj in enumerate(z):
            row = [acb(1)]
            for _ in range(self.degrees[j]):
                row.append(row[-1] * zj)
            table.append(row)
        return table

    @staticmethod
    def _eval(terms, table, cache):
        s = acb(0)
        for mon, c in terms:
            v = cache.get(mon)
            if v is None:
                v = acb(1)
                for j, e in enumerate(mon):
                    if e:
                        v = v * table[j][e]
                cache[mon] = v
            s += v * arb(c)
        return s

    def values(self, z):
        """[f_i(z)] as acb balls, enclosing f_i at every point of the balls ``z``."""
        table, cache = self._powers(z), {}
        return [self._eval(t, table, cache) for t in self.terms]

    def jacobian(self, z):
        """acb_mat enclosing the Jacobian at every point of the balls ``z``."""
        table, cache = self._powers(z), {}
        return acb_mat([[self._eval(t, table, cache) for t in row] for row in self.jac_terms])


def _system(polys):
    return polys if isinstance(polys, PolySystem) else PolySystem(polys)


# --------------------------------------------------------------------------------------------
# the Krawczyk test
# --------------------------------------------------------------------------------------------

class KrawczykResult(dict):
    """dict with keys ``ok`` (bool), ``reason`` (str, empty when ok), ``contraction`` (float upper bound
    on ||I - Y J(B)||_inf, or None), ``inclusion`` (float upper bound on max_j |K_j - c_j| / r over real
    and imaginary parts; < 1 when ok, or None). Attribute access works too (``res.ok``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _result(ok, reason="", contraction=None, inclusion=None):
    return KrawczykResult(ok=bool(ok), reason=reason, contraction=contraction, inclusion=inclusion)


def _float_up(x: arb) -> float:
    """A float >= every point of the arb ``x`` (inf if not finite)."""
    if not x.is_finite():
        return math.inf
    u = arb_to_fmpq(x.upper())
    try:
        f = float(u)                            # correctly rounded from the exact rational
    except OverflowError:
        return math.inf
    if math.isinf(f):
        return f
    return f if fmpq(*f.as_integer_ratio()) >= u else math.nextafter(f, math.inf)


def _ratio(bound: float, r: fmpq) -> float:
    """bound / r in floats, for reports only (never used in a decision)."""
    try:
        rf = float(r)
    except OverflowError:
        return math.inf if math.isinf(bound) else 0.0
    return bound / rf if rf > 0 else math.inf


def _approx_inverse(M: acb_mat, prec: int):
    """Any matrix is a valid Y; this one approximates mid(M)^-1 (exact midpoints, no radii)."""
    n = M.nrows()
    eye = acb_mat(n, n)
    for i in range(n):
        eye[i, i] = 1
    try:
        Y = M.mid().solve(eye, algorithm="approx")
    except (ZeroDivisionError, ValueError):
        return None
    Y = Y.mid()
    if not all(e.is_finite() for e in Y.entries()):
        return None
    return Y


def _as_fmpq(x, what):
    if isinstance(x, fmpq):
        return x
    if isinstance(x, (int, flint.fmpz)) and not isinstance(x, bool):
        return fmpq(x)
    if isinstance(x, str):
        return parse_rational(x)
    raise FormatError(f"{what} must be an exact rational (fmpq, int or rational string), got {type(x).__name__}")


def krawczyk_test(polys, center, radius, *, prec: int = 128) -> KrawczykResult:
    """Krawczyk test on the box of exact centre ``center`` and radius ``radius`` (see the module docstring).

    Parameters
    ----------
    polys : list of n ``fmpq_mpoly`` in one context with n variables (or a prepared :class:`PolySystem`).
    center : n pairs ``(re, im)`` of exact rationals (fmpq, int, or rational strings such as ``"3/7"``).
    radius : exact rational > 0; the box is the product of the closed squares
        ``|Re z_j - re_j| <= radius``, ``|Im z_j - im_j| <= radius``.
    prec : Arb working precision in bits.

    Returns
    -------
    KrawczykResult
        ``ok`` is True only if the theorem applies: F has exactly one zero in the box and J is
        nonsingular on the box. ``reason`` says why not otherwise.
    """
    if type(prec) is not int or not MIN_PREC <= prec <= MAX_PREC:
        raise ValueError(f"prec must be an int in [{MIN_PREC}, {MAX_PREC}]")
    F = _system(polys)
    n = F.n
    try:
        r = _as_fmpq(radius, "radius")
        if len(center) != n:
            return _result(False, f"the centre has {len(center)} coordinates for {n} unknowns")
        c = [(_as_fmpq(re, "centre"), _as_fmpq(im, "centre")) for re, im in center]
    except (FormatError, TypeError, ValueError) as exc:
        return _result(False, f"malformed box: {exc}")
    if not r > 0:
        return _result(False, "the radius must be positive")
    with flint.ctx.workprec(prec):
        rr = arb(r)
        point = [acb(arb(re), arb(im)) for re, im in c]
        box = [acb(arb(re, r), arb(im, r)) for re, im in c]
        dev = acb(arb(0, r), arb(0, r))                     # B - c, one coordinate
        Fc = F.values(point)
        if not all(v.is_finite() for v in Fc):
            return _result(False, "F(c) is not finite")
        JB = F.jacobian(box)
        if not all(v.is_finite() for v in JB.entries()):
            return _result(False, "the Jacobian over the box is not finite")
        Y = _approx_inverse(JB, prec)
        if Y is None:
            return _result(False, "the midpoint Jacobian is numerically singular")
        eye = acb_mat(n, n)
        for i in range(n):
            eye[i, i] = 1
        C = eye - Y * JB
        YF = Y * acb_mat([[v] for v in Fc])
        rows = C.tolist()
        q_max = None
        worst = 0.0
        failed = None
        for j in range(n):
            row_norm = arb(0)
            s = acb(0)
            for x in rows[j]:
                row_norm += x.abs_upper()
                s += x * dev
            q_up = row_norm.upper()
            if q_max is None or q_up > q_max:
                q_max = q_up
            delta = s - YF[j, 0]                            # K_j - c_j
            re_ok = abs(delta.real) < rr
            im_ok = abs(delta.imag) < rr
            bound = max(_float_up(abs(delta.real)), _float_up(abs(delta.imag)))
            worst = max(worst, _ratio(bound, r))
            if failed is None and not (re_ok and im_ok):
                failed = j
        contraction = _float_up(q_max)
        if failed is not None:
            return _result(False, f"K is not inside the box in coordinate {failed} "
                                  f"(|K_j - c_j| / r up to {worst:.3g})", contraction, worst)
        if not q_max < 1:
            return _result(False, f"||I - Y J(B)||_inf is not certified below 1 (bound {contraction:.3g})",
                           contraction, worst)
    return _result(True, "", contraction, worst)


# --------------------------------------------------------------------------------------------
# lists of boxes: unique zeros, disjointness, realness
# --------------------------------------------------------------------------------------------

def parse_box(box, n):
    """(centre [(re, im)] of fmpq, radius fmpq, claimed realness or None) from the JSON form."""
    if not isinstance(box, dict):
        raise FormatError("a box must be an object with 'center' and 'radius'")
    cen = box.get("center")
    if not isinstance(cen, list) or len(cen) != n:
        raise FormatError(f"'center' must be a list of {n} [re, im] pairs")
    c = []
    for pair in cen:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise FormatError("each centre coordinate must be a [re, im] pair of rational strings")
        c.append((parse_rational(pair[0]), parse_rational(pair[1])))
    if "radius" not in box:
        raise FormatError("missing 'radius'")
    r = parse_rational(box["radius"])
    if not r > 0:
        raise FormatError("the radius must be positive")
    claim = box.get("real")
    if claim is not None and not isinstance(claim, bool):
        raise FormatError("'real', when present, must be true or false")
    return c, r, claim


def boxes_disjoint(c1, r1, c2, r2) -> bool:
    """True iff the closed square boxes (c1, r1) and (c2, r2) are disjoint (exact rationals)."""
    s = r1 + r2
    for (a, b), (x, y) in zip(c1, c2):
        if abs(a - x) > s or abs(b - y) > s:
            return True
    return False


def realness(c, r) -> str:
    """'real', 'non-real' or 'undecided' for the unique zero of a certified box (module docstring)."""
    if all(im == 0 for _, im in c):
        return "real"
    if any(abs(im) > r for _, im in c):
        return "non-real"
    return "undecided"


def verify_solution_boxes(polys, boxes, *, prec: int = 128, max_boxes: int = MAX_BOXES,
                          budget: float | None = 600.0) -> dict:
    """Re-verify a list of solution boxes of the square system ``polys``.

    Each box is ``{"center": [[re, im], ...], "radius": r}`` with rational strings (``"3/7"``,
    ``"-1"``, ``"0.25"``, ``"2.5e-3"``) and optionally ``"real": true|false``, a claim that the
    checker decides itself. Each box is run through :func:`krawczyk_test`; a box counts when it is
    certified and disjoint (exactly, :func:`boxes_disjoint`) from every box counted before it, so
    ``certified`` is a proven lower bound on the number of distinct regular complex zeros of F.
    Realness of each counted zero is decided as in the module docstring.

    ``max_boxes`` bounds the list (longer lists are not checked); ``budget`` is a wall-clock budget in
    seconds (None: none); boxes not reached in time are reported as not checked.

    Returns
    -------
    dict
        ``ok``: every box certified, pairwise disjoint, every realness claim confirmed, nothing left
        unchecked; ``reason``; ``certified``, ``real``, ``non_real``, ``undecided`` (counted boxes
        whose realness is undecided; real + non_real + undecided == certified), ``failed`` (boxes not
        counted); ``boxes``: per box ``{"index", "verdict", "reason", "contraction"}`` where verdict is
        ``"real"``, ``"non-real"``, ``"undecided"`` (certified, realness open), ``"failed"``,
        ``"overlap"``, ``"claim-refuted"`` or ``"not-checked"``.
    """
    F = _system(polys)
    n = F.n
    out = {"ok": False, "reason": "", "certified": 0, "real": 0, "non_real": 0, "undecided": 0,
           "failed": 0, "boxes": []}
    if not isinstance(boxes, list):
        out["reason"] = "boxes must be a list"
        return out
    if len(boxes) > max_boxes:
        out["reason"] = f"{len(boxes)} boxes exceed the limit of {max_boxes}"
        out["failed"] = len(boxes)
        return out
    if F.work > MAX_TERMS_PER_BOX:
        out["reason"] = "the system is too large to evaluate"
        out["failed"] = len(boxes)
        return out
    start = time.monotonic()
    counted = []                           # (index, centre, radius)
    problems = []
    for i, box in enumerate(boxes):
        verdict = {"index": i, "verdict": "failed", "reason": "", "contraction": None}
        out["boxes"].append(verdict)
        if budget is not None and time.monotonic() - start > budget:
            verdict.update(verdict="not-checked", reason="time budget exhausted")
            continue
        try:
            c, r, claim = parse_box(box, n)
        except FormatError as exc:
            verdict["reason"] = f"malformed box: {exc}"
            continue
        res = krawczyk_test(F, c, r, prec=prec)
        verdict["contraction"] = res["contraction"]
        if not res["ok"]:
            verdict["reason"] = res["reason"]
            continue
        clash = next((j for j, cj, rj in counted if not boxes_disjoint(c, r, cj, rj)), None)
        if clash is not None:
            verdict.update(verdict="overlap", reason=f"meets box {clash}, which may hold the same zero")
            continue
        kind = realness(c, r)
        if claim is True and kind != "real":
            verdict.update(verdict="claim-refuted", reason=f"claimed real, but realness is {kind}")
            continue
        if claim is False and kind != "non-real":
            verdict.update(verdict="claim-refuted", reason=f"claimed non-real, but realness is {kind}")
            continue
        counted.append((i, c, r))
        verdict.update(verdict=kind, reason="unique zero in the box" +
                       ("" if kind == "undecided" else f", {kind}"))
    for v in out["boxes"]:
        if v["verdict"] == "real":
            out["real"] += 1
        elif v["verdict"] == "non-real":
            out["non_real"] += 1
        elif v["verdict"] == "undecided":
            out["undecided"] += 1
        else:
            out["failed"] += 1
            problems.append(f"box {v['index']}: {v['verdict']} ({v['reason']})")
    out["certified"] = out["real"] + out["non_real"] + out["undecided"]
    out["ok"] = not problems
    out["reason"] = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
    return out


# --------------------------------------------------------------------------------------------
# inertia of real symmetric interval matrices
# --------------------------------------------------------------------------------------------

def _approx_eigenvectors(mid_rows):
    """Columns of an approximately orthogonal real matrix that nearly diagonalises the symmetric matrix.

    Not trusted: Arb's approximate eigensolver, real parts after a phase normalisation, then two
    passes of modified Gram-Schmidt in floats. A poor V makes the certificate weaker, never wrong.
    """
    n = len(mid_rows)
    try:
        with flint.ctx.workprec(64):
            _, R = acb_mat(mid_rows).eig(right=True, algorithm="approx")
        cols = []
        for k in range(n):
            v = [complex(float(R[i, k].real.mid()), float(R[i, k].imag.mid())) for i in range(n)]
            big = max(v, key=abs)
            if abs(big) == 0 or not all(math.isfinite(abs(x)) for x in v):
                raise ValueError
            ph = big.conjugate() / abs(big)
            cols.append([(x * ph).real for x in v])
    except (ValueError, ZeroDivisionError, ArithmeticError):
        cols = [[1.0 if i == k else 0.0 for i in range(n)] for k in range(n)]
    basis = []
    for v in cols:
        for _ in range(2):
            for b in basis:
                d = math.fsum(x * y for x, y in zip(v, b))
                v = [x - d * y for x, y in zip(v, b)]
        nv = math.sqrt(math.fsum(x * x for x in v))
        if not nv > 1e-8 or not math.isfinite(nv):
            v = None
            for e in range(n):            # replace a lost direction by the best unit vector
                w = [1.0 if i == e else 0.0 for i in range(n)]
                for _ in range(2):
                    for b in basis:
                        d = math.fsum(x * y for x, y in zip(w, b))
                        w = [x - d * y for x, y in zip(w, b)]
                nw = math.sqrt(math.fsum(x * x for x in w))
                if nw > 0.5:
                    v, nv = w, nw
                    break
            if v is None:
                v, nv = [1.0] * n, math.sqrt(n)
        basis.append([x / nv for x in v])
    return basis


def lowest_group(lows, highs):
    """(group, separated): the indices of the loss enclosures [lows[i], highs[i]] that overlap the one with
    the lowest upper end (transitively), and whether every other enclosure lies strictly above them all.
    Exact numbers only (the solver labels global minima with it too)."""
    best = min(range(len(highs)), key=lambda i: highs[i])
    group, changed = {best}, True
    while changed:
        changed = False
        for i in range(len(highs)):
            if i not in group and any(lows[i] <= highs[g] and lows[g] <= highs[i] for g in group):
                group.add(i)
                changed = True
    gmax = max(highs[g] for g in group)
    return group, all(lows[i] > gmax for i in range(len(highs)) if i not in group)


def inertia_label(positive: int, negative: int, undecided: int) -> str:
    """The kind of critical point a certified Hessian inertia shows (the solver labels with it too)."""
    if undecided:
        return "degenerate"
    if negative == 0:
        return "local-minimum"
    return "local-maximum" if positive == 0 else "saddle"


def certified_inertia(A, *, prec: int = 128) -> dict:
    """Certified inertia of a real symmetric interval matrix ``A`` (list of lists of ``arb``).

    The statement covers every real symmetric matrix with entries in the balls (entry (i, j) is
    taken from the upper triangle, i <= j; the balls (i, j) and (j, i) must overlap).

    Method (Sylvester's law of inertia + Gershgorin's circle theorem):

    1. V: approximate orthonormal eigenvectors of mid(A), in floats (untrusted).
    2. In Arb: ||I - V^T V||_inf < 1 proves V nonsingular; then every symmetric member A0 of A is
       congruent to V^T A0 V, which lies in the enclosure B = V^T A V, and has the same inertia
       (Sylvester).
    3. Gershgorin for the real symmetric B0 = V^T A0 V: its (real) eigenvalues lie in the union of the
       intervals G_i = [b_ii - R_i, b_ii + R_i], R_i = sum_{j != i} |b_ij|; each connected component
       of the union made of k intervals holds exactly k eigenvalues (with multiplicity). We use
       outward-rounded endpoints valid for every B0 in B.
    4. A component inside (0, inf) gives k positive eigenvalues, one inside (-inf, 0) k negative ones;
       a component containing 0 (or touching it) gives k *undecided* ones. Zero eigenvalues of a
       singular member always land in the undecided count, never in the positive or negative one.
    5. Eigenvalue enclosures for A0 itself (not only its inertia): by Ostrowski's theorem
       lambda_k(V^T A0 V) = theta_k lambda_k(A0) with theta_k in [1 - e, 1 + e], e >= ||I - V^T V||_2;
       a component [lo, hi] of k intervals holds k consecutive eigenvalues of B0, so the same k
       eigenvalues of A0 lie in [lo, hi] divided by [1 - e, 1 + e] (outward, exact rationals).

    Returns
    -------
    dict
        ``ok`` (False when V could not be proved nonsingular or the entries are not finite; then all
        n counts are undecided), ``positive``, ``negative``, ``undecided`` (they sum to n),
        ``components``: sorted list of ``{"lo", "hi", "count", "sign"}`` (exact rational strings of
        the outward-rounded endpoints; sign ``"+"``, ``"-"`` or ``"0?"``), ``eigenvalues``: certified
        enclosures ``(lo, hi)`` as exact fmpq pairs, one per component of count 1 (all of them when the
        intervals are pairwise disjoint), ``reason``.
    """
    if type(prec) is not int or not MIN_PREC <= prec <= MAX_PREC:
        raise ValueError(f"prec must be an int in [{MIN_PREC}, {MAX_PREC}]")
    n = len(A)
    if n == 0:
        return {"ok": True, "positive": 0, "negative": 0, "undecided": 0, "components": [],
                "eigenvalues": [], "reason": ""}
    if any(len(row) != n for row in A):
        raise ValueError("certified_inertia needs a square matrix")
    fail = {"ok": False, "positive": 0, "negative": 0, "undecided": n, "components": [], "eigenvalues": []}
    with flint.ctx.workprec(prec):
        S = [[arb(A[min(i, j)][max(i, j)]) for j in range(n)] for i in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                if not arb(A[i][j]).overlaps(arb(A[j][i])):
                    raise ValueError(f"entries ({i},{j}) and ({j},{i}) do not overlap: no symmetric member")
        if not all(x.is_finite() for row in S for x in row):
            return dict(fail, reason="the matrix has non-finite entries")
        mid = [[float(x.mid()) for x in row] for row in S]
        if not all(math.isfinite(x) for row in mid for x in row):
            return dict(fail, reason="the matrix midpoint overflows floats")
        cols = _approx_eigenvectors(mid)
        V = arb_mat([[cols[k][i] for k in range(n)] for i in range(n)])      # exact floats
        Vt = V.transpose()
        E = Vt * V
        for i in range(n):
            E[i, i] -= 1
        e = fmpq(0)                       # e >= ||I - V^T V||_inf >= ||I - V^T V||_2 (symmetric)
        for i in range(n):
            row = arb(0)
            for j in range(n):
                row += abs(E[i, j])
            if not row.is_finite():
                return dict(fail, reason="V is not certified nonsingular")
            e = max(e, arb_to_fmpq(row.upper()))
        if not e < 1:
            return dict(fail, reason="V is not certified nonsingular (||I - V^T V||_inf >= 1)")
        B = Vt * arb_mat(S) * V
        rows = B.tolist()
        intervals = []
        for i in range(n):
            rad = arb(0)
            for j in range(n):
                if j != i:
                    rad += abs(rows[i][j])
            d = rows[i][i]
            if not (d.is_finite() and rad.is_finite()):
                return dict(fail, reason="non-finite Gershgorin discs")
            lo = arb_to_fmpq((d - rad).lower())
            hi = arb_to_fmpq((d + rad).upper())
            intervals.append((lo, hi, i))
    intervals.sort(key=lambda t: (t[0], t[1]))
    comps = []
    for lo, hi, _ in intervals:
        if comps and lo <= comps[-1][1]:
            comps[-1][1] = max(comps[-1][1], hi)
            comps[-1][2] += 1
        else:
            comps.append([lo, hi, 1])
    # Ostrowski: lambda_k(V^T A0 V) = theta_k lambda_k(A0), theta_k in [sigma_min(V)^2, sigma_max(V)^2],
    # a subset of [1 - e, 1 + e]; a component holds consecutive eigenvalues, so it maps to A0's.
    lo_t, hi_t = 1 - e, 1 + e
    pos = neg = und = 0
    components, eigs = [], []
    for lo, hi, k in comps:
        if lo > 0:
            sign, a_lo, a_hi = "+", lo / hi_t, hi / lo_t
            pos += k
        elif hi < 0:
            sign, a_lo, a_hi = "-", lo / lo_t, hi / hi_t
            neg += k
        else:
            sign, a_lo, a_hi = "0?", lo / lo_t, hi / lo_t
            und += k
        components.append({"lo": rational_str(a_lo), "hi": rational_str(a_hi), "count": k, "sign": sign})
        if k == 1:
            eigs.append((a_lo, a_hi))
    return {"ok": True, "positive": pos, "negative": neg, "undecided": und, "components": components,
            "eigenvalues": eigs, "reason": ""}
