"""Gradient systems of small losses, and certified classification of their real critical points.

Two builders give the critical-point equations ``grad L = 0`` as exact python-flint
``fmpq_mpoly`` polynomials over Q:

* :func:`deep_linear_gradient`: the regularised deep linear network of Mehta-Chen-Tang-Hauenstein
  (TPAMI 2021) and Bharadwaj-Hosten (arXiv:2301.12651): ``f_W(x) = W_{H+1} ... W_1 x``, no biases,
  ``L = 1/2 sum_k |f(x_k) - y_k|^2 + 1/2 sum_w lambda_w w^2`` with one ``lambda`` per weight;
* :func:`network_loss_gradient`: any polynomial network of the repository (residuals from
  :func:`verifier.algebra.polys.compile_polynomials`), optionally L2-regularised.

:func:`classify_critical_point` evaluates the Hessian of ``L`` in Arb ball arithmetic over a box
that contains a real critical point and decides its inertia (Sylvester's law of inertia after a
floating-point eigenbasis, then Gershgorin components); :func:`classify_critical_points` does it for
a complete list of real critical points and also certifies which of them are global minima.

Soundness notes. The Hessian enclosure holds for every point of the box, so the signature is that of
the Hessian at the critical point the box contains; the box itself (e.g. an msolve isolating box) is
an input, and its correctness is the caller's (msolve is probabilistic over Q). A loss enclosure that
contains 0 is not a proof that ``L = 0``; zero loss is only claimed from an exact rational point whose
residuals vanish exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction

import flint
from flint import arb, fmpq

from ..checker.solve.krawczyk import certified_inertia, inertia_label, lowest_group
from ..errors import InputError

__all__ = [
    "GradientSystem",
    "classify_critical_point",
    "classify_critical_points",
    "deep_linear_gradient",
    "evaluate_arb",
    "network_loss_gradient",
]


# --------------------------------------------------------------------------- the system

@dataclass
class GradientSystem:
    """The critical-point equations of a polynomial loss.

    Attributes
    ----------
    ctx : flint.fmpq_mpoly_ctx
        One variable per weight (``names``), degrevlex.
    equations : list of fmpq_mpoly
        ``dL/dw_j`` for ``j = 0..N-1`` (a square system).
    loss : fmpq_mpoly
        ``L``.
    residuals : list of fmpq_mpoly
        ``H_r = f(x_k)_i - y_ki`` (sample-major).
    names : tuple of str
        Variable names (weight labels).
    data : dict
        ``{"X": [[str]], "Y": [[str]]}``: the data as exact rational strings.
    lambdas : list of str
        One regularisation constant per variable, exact rational strings (``"0"`` when none).
    description : str
    symmetries : list of list of int
        Sign-flip symmetries of ``L``: each a list of ``+1/-1`` per variable with
        ``L(s * w) = L(w)`` (checked exactly when the system is built).
    meta : dict
        Builder parameters (``H, d, dx, dy, m, seed`` for deep linear networks).
    """

    ctx: object
    equations: list
    loss: object
    residuals: list
    names: tuple
    data: dict
    lambdas: list
    description: str
    symmetries: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    _hessian: list | None = field(default=None, repr=False)

    @property
    def N(self) -> int:
        return self.ctx.nvars()

    def hessian(self) -> list:
        """The Hessian of ``L`` as an ``N x N`` list of lists of polynomials (computed once)."""
        if self._hessian is None:
            n = self.N
            rows = [[None] * n for _ in range(n)]
            for i, g in enumerate(self.equations):
                for j in range(i, n):
                    rows[i][j] = rows[j][i] = g.derivative(j)
            self._hessian = rows
        return self._hessian

    def degrees(self) -> list:
        return [int(g.total_degree()) if not g.is_zero() else -1 for g in self.equations]

    def bezout_bound(self) -> int:
        out = 1
        for deg in self.degrees():
            out *= max(deg, 0)
        return out

    def to_json(self) -> dict:
        """JSON-ready description (data and constants as exact rational strings)."""
        return {"description": self.description, "variables": list(self.names), "data": self.data,
                "lambdas": list(self.lambdas), "degrees": self.degrees(), "meta": dict(self.meta)}


def _q(v) -> fmpq:
    if isinstance(v, fmpq):
        return v
    if isinstance(v, (int, flint.fmpz)):
        return fmpq(v)
    if isinstance(v, Fraction):
        return fmpq(v.numerator, v.denominator)
    if isinstance(v, str):
        f = Fraction(v.strip())
        return fmpq(f.numerator, f.denominator)
    if isinstance(v, float):
        f = Fraction(v)
        return fmpq(f.numerator, f.denominator)
    raise InputError(f"expected an exact rational, got {type(v).__name__}")


def _s(q: fmpq) -> str:
    return str(q.p) if q.q == 1 else f"{q.p}/{q.q}"


def _random_rational(rng: random.Random, lo: int, hi: int, den: int, *, nonzero: bool = True) -> fmpq:
    while True:
        q = fmpq(rng.randint(lo * den, hi * den), rng.randint(1, den))
        if q != 0 or not nonzero:
            return q


def _loss_from(residuals, variables, lambdas, ctx):
    half = fmpq(1, 2)
    loss = ctx.from_dict({})
    for r in residuals:
        loss += r * r
    for w, lam in zip(variables, lambdas):
        if lam != 0:
            loss += lam * w * w
    return loss * half


def _check_symmetry(loss, sign) -> bool:
    """L(s*w) == L(w) for a sign vector s: every monomial's exponent vector has an even s-parity."""
    flips = [j for j, s in enumerate(sign) if s < 0]
    for mon in loss.monoms():
        if sum(int(mon[j]) for j in flips) % 2:
            return False
    return True


def generic_lambdas(rng, N: int) -> list:
    """N pairwise distinct rationals a/b in (0, 1], 1000 <= b <= 9999, from ``rng``.

    Equal constants are a closed condition that lowers the number of critical points (e.g. two equal
    lambdas in a column of the last weight matrix: 29 instead of 33 for H = 1, d = 2, dx = dy = 2); the
    earlier draw (i/9)(j/9) had 36 values and hit it on about 6% of the published rows' instances. A
    coincidence is resampled, so the seeded instance stays deterministic and avoids it."""
    out, seen = [], set()
    while len(out) < N:
        b = rng.randint(1000, 9999)
        q = fmpq(rng.randint(1, b), b)
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


def deep_linear_gradient(H: int, d: int, dx: int, dy: int, m: int, *, X=None, Y=None, lambdas=None,
                         seed: int = 0) -> GradientSystem:
    """Critical-point equations of the regularised deep linear network.

    ``f_W(x) = W_{H+1} ... W_1 x`` with ``W_1`` of shape ``d x dx``, ``W_2..W_H`` of shape ``d x d``
    and ``W_{H+1}`` of shape ``dy x d``; ``N = d*dx + (H-1)*d^2 + dy*d`` weights, named
    ``W{k}_{i}_{j}`` (layer k, row i, column j), ordered layer by layer, row-major.
    ``L = 1/2 sum_k |f(x_k) - y_k|^2 + 1/2 sum_w lambda_w w^2``; the equations are the N partial
    derivatives (degree 2H+1).

    Parameters
    ----------
    H : number of hidden layers (``H >= 1``); d : hidden width; dx, dy : input and output sizes;
    m : number of samples.
    X, Y : optional ``m x dx`` and ``m x dy`` exact rationals (int, Fraction, fmpq or "p/q" text);
        when omitted, random nonzero rationals ``a/b`` with ``|a/b| <= 2`` and ``b <= 9``
        (seeded by ``seed``).
    lambdas : optional, one per weight (a scalar is used for every weight); when omitted, pairwise
        distinct random rationals ``a/b`` in ``(0, 1]`` with ``1000 <= b <= 9999`` (seeded;
        :func:`generic_lambdas`), so that no coincidence (two equal constants in a column of the last
        weight matrix makes critical points disappear) makes the seeded instance degenerate. Zero
        constants are allowed (the critical set may then be positive-dimensional).
    """
    for name, v, lo in (("H", H, 1), ("d", d, 1), ("dx", dx, 1), ("dy", dy, 1), ("m", m, 1)):
        if not isinstance(v, int) or v < lo:
            raise InputError(f"deep_linear_gradient: {name} must be an integer >= {lo}, got {v!r}")
    shapes = [(d, dx)] + [(d, d)] * (H - 1) + [(dy, d)]
    names = tuple(f"W{k}_{i}_{j}" for k, (r, c) in enumerate(shapes, start=1) for i in range(r) for j in range(c))
    N = len(names)
    rng = random.Random(f"deep-linear:{seed}:{H}:{d}:{dx}:{dy}:{m}")
    if X is None:
        X = [[_random_rational(rng, -2, 2, 9) for _ in range(dx)] for _ in range(m)]
    if Y is None:
        Y = [[_random_rational(rng, -2, 2, 9) for _ in range(dy)] for _ in range(m)]
    X = [[_q(v) for v in row] for row in X]
    Y = [[_q(v) for v in row] for row in Y]
    if len(X) != m or len(Y) != m or any(len(r) != dx for r in X) or any(len(r) != dy for r in Y):
        raise InputError(f"deep_linear_gradient: X must be {m} x {dx} and Y {m} x {dy}")
    if lambdas is None:
        lambdas = generic_lambdas(rng, N)
    elif not isinstance(lambdas, (list, tuple)):
        lambdas = [lambdas] * N
    lambdas = [_q(v) for v in lambdas]
    if len(lambdas) != N or any(v < 0 for v in lambdas):
        raise InputError(f"deep_linear_gradient: need {N} nonnegative lambdas, got {len(lambdas)}")

    ctx = flint.fmpq_mpoly_ctx.get(names, "degrevlex")
    gens = ctx.gens()
    mats, pos = [], 0
    for r, c in shapes:
        mats.append([[gens[pos + i * c + j] for j in range(c)] for i in range(r)])
        pos += r * c
    zero = ctx.from_dict({})
    residuals = []
    for xk, yk in zip(X, Y):
        v = [zero + xi for xi in xk]
        for W in mats:
            v = [sum((W[i][j] * v[j] for j in range(len(v))), zero) for i in range(len(W))]
        residuals.extend(v[i] - yk[i] for i in range(dy))
    loss = _loss_from(residuals, gens, lambdas, ctx)
    equations = [loss.derivative(j) for j in range(N)]
    # sign flips of one hidden unit: row i of W_k and column i of W_{k+1}
    symmetries = []
    for k in range(H):
        for i in range(d):
            sign = [1] * N
            off = sum(r * c for r, c in shapes[:k])
            r, c = shapes[k]
            for j in range(c):
                sign[off + i * c + j] = -1
            off2 = off + r * c
            r2, c2 = shapes[k + 1]
            for row in range(r2):
                sign[off2 + row * c2 + i] = -1
            if _check_symmetry(loss, sign):
                symmetries.append(sign)
    desc = (f"regularised deep linear network H={H}, d={d}, dx={dx}, dy={dy}, m={m}: N={N} weights, "
            f"grad L = 0 of degree {2 * H + 1}")
    return GradientSystem(ctx, equations, loss, residuals, names,
                          {"X": [[_s(v) for v in r] for r in X], "Y": [[_s(v) for v in r] for r in Y]},
                          [_s(v) for v in lambdas], desc, symmetries,
                          {"H": H, "d": d, "dx": dx, "dy": dy, "m": m, "seed": seed, "N": N})


def network_loss_gradient(net, data, *, lam=0, max_terms: int | None = None) -> GradientSystem:
    """Critical-point equations of ``L = 1/2 sum_r H_r^2 + 1/2 sum_w lambda_w w^2`` for a polynomial
    network (residuals from :func:`verifier.algebra.polys.compile_polynomials`).

    ``lam``: a scalar used for every weight (default 0: unregularised), a sequence with one
    constant per parameter (``net.labels`` order) or a dict ``{label: constant}`` (missing labels 0).
    Variables are the compiled system's ``w0..w{n-1}``; ``names`` gives the network labels.
    """
    from ..algebra.polys import DEFAULT_MAX_TERMS, compile_polynomials

    ps = compile_polynomials(net, data, max_terms=max_terms or DEFAULT_MAX_TERMS)
    n = ps.n
    if isinstance(lam, dict):
        unknown = set(lam) - set(net.labels)
        if unknown:
            raise InputError(f"network_loss_gradient: unknown labels {sorted(unknown)}")
        lambdas = [_q(lam.get(label, 0)) for label in net.labels]
    elif isinstance(lam, (list, tuple)):
        lambdas = [_q(v) for v in lam]
    else:
        lambdas = [_q(lam)] * n
    if len(lambdas) != n or any(v < 0 for v in lambdas):
        raise InputError(f"network_loss_gradient: need {n} nonnegative lambdas")
    gens = ps.ctx.gens()
    loss = _loss_from(ps.H, gens, lambdas, ps.ctx)
    equations = [loss.derivative(j) for j in range(n)]
    regular = "unregularised" if all(v == 0 for v in lambdas) else "L2-regularised"
    desc = f"{regular} squared loss of {net.name} on {len(data.X)} points: N={n} weights"
    return GradientSystem(ps.ctx, equations, loss, list(ps.H), tuple(net.labels),
                          {"X": [[_s(v) for v in r] for r in data.X], "Y": [[_s(v) for v in r] for r in data.Y]},
                          [_s(v) for v in lambdas], desc, [], {"network": net.name})


# --------------------------------------------------------------------------- ball arithmetic

def _compile_arb(p):
    """(coefficient as arb, exponent tuple) pairs of an fmpq_mpoly."""
    return [(arb(c), tuple(int(e) for e in mon)) for mon, c in zip(p.monoms(), p.coeffs())]


def _eval_compiled(terms, box, powers):
    total = arb(0)
    for c, mon in terms:
        t = c
        for j, e in enumerate(mon):
            if e:
                t = t * powers[j][e]
        total += t
    return total


def _powers(box, maxdeg):
    out = []
    for v in box:
        row = [arb(1)]
        for _ in range(maxdeg):
            row.append(row[-1] * v)
        out.append(row)
    return out


def evaluate_arb(p, box) -> arb:
    """Enclosure of ``p`` over a box given as a list of arb balls (one per variable)."""
    deg = int(p.total_degree()) if not p.is_zero() else 0
    return _eval_compiled(_compile_arb(p), box, _powers(box, max(deg, 1)))


def _as_box(point_or_box, n: int, radius) -> tuple:
    """(list of arb, exact centre or None) from the accepted point formats."""
    pts = point_or_box
    if isinstance(pts, dict):
        pts = [pts[k] for k in range(n)] if all(isinstance(k, int) for k in pts) else list(pts.values())
    pts = list(pts)
    if len(pts) != n:
        raise InputError(f"expected {n} coordinates, got {len(pts)}")
    if all(isinstance(v, arb) for v in pts):
        return pts, None
    if all(isinstance(v, (tuple, list)) and len(v) == 2 for v in pts):
        box = []
        for lo, hi in pts:
            lo, hi = _q(lo), _q(hi)
            if lo > hi:
                raise InputError("an interval has lo > hi")
            box.append(_hull(lo, hi))
        return box, None
    centre = [_q(v) for v in pts]
    rad = abs(_q(radius)) if radius is not None else fmpq(0)
    box = [_hull(c - rad, c + rad) if rad != 0 else arb(c) for c in centre]
    return box, centre


def _hull(lo: fmpq, hi: fmpq) -> arb:
    """A ball containing the rational interval [lo, hi] (at the current precision)."""
    return arb(lo).union(arb(hi))


def _arb_q(x: arb) -> fmpq | None:
    """The exact value of an exact, finite arb (e.g. ``b.lower()``), None otherwise."""
    if not (x.is_finite() and x.is_exact()):
        return None
    man, exp = x.man_exp()
    man, exp = int(man), int(exp)
    return fmpq(man * 2 ** exp) if exp >= 0 else fmpq(man, 2 ** -exp)


def _inertia(A) -> dict:
    """Certified inertia of the symmetric interval matrix A: the checker's pure lemma (Sylvester and
    Gershgorin in ball arithmetic), imported rather than copied so that solver and checker agree."""
    out = certified_inertia(A)
    return {"positive": out["positive"], "negative": out["negative"], "undecided": out["undecided"],
            "method": "checker.solve.krawczyk.certified_inertia"}


def _interval(b: arb) -> list:
    """[lower, upper] of a ball as exact rational strings ("inf"/"-inf" when unbounded)."""
    lo, hi = _arb_q(b.lower()), _arb_q(b.upper())
    return [_s(lo) if lo is not None else "-inf", _s(hi) if hi is not None else "inf"]


def classify_critical_point(gs: GradientSystem, point_or_box, *, radius=None, prec: int = 128,
                            check_gradient: bool = True) -> dict:
    """Certified local classification of a real critical point of ``gs.loss``.

    ``point_or_box``: exact rational coordinates (with ``radius``, a box of that half-width around
    them; radius 0 or None means the exact point), a list of ``(lo, hi)`` rational pairs (e.g. an
    msolve isolating box), or a list of arb balls. The box must contain a true critical point.

    Returns a dict:

    * ``label``: ``"global-minimum"`` (only for an exact rational point of an unregularised loss
      whose residuals vanish exactly: then ``L = 0 = min L``), ``"local-minimum"`` (every Hessian
      eigenvalue certified > 0), ``"local-maximum"``, ``"saddle"`` (every eigenvalue certified
      nonzero, ``index`` of them negative), ``"degenerate"`` (some eigenvalue could not be
      shown nonzero: ``undecided`` > 0; a truly singular Hessian always lands here), or ``"not-critical"`` (the gradient enclosure
      excludes 0 on the box);
    * ``index``: number of negative eigenvalues (None when undecided);
    * ``counts``: ``{"positive", "negative", "undecided"}`` and the inertia method;
    * ``loss``: ``[lower, upper]`` of ``L`` on the box (decimal strings), ``loss_mid``;
    * ``zero_loss``: ``"exact"`` (residuals vanish exactly at the rational point), ``"contains-0"``
      (the residual enclosures all contain 0: not a proof), or ``"no"``.
    """
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        n = gs.N
        box, centre = _as_box(point_or_box, n, radius)
        maxdeg = max([int(p.total_degree()) for p in [gs.loss] + gs.residuals if not p.is_zero()] + [1])
        powers = _powers(box, maxdeg)
        ev = lambda p: _eval_compiled(_compile_arb(p), box, powers)
        if check_gradient:
            grads = [ev(g) for g in gs.equations]
            if any(not g.contains(0) for g in grads):
                return {"label": "not-critical", "index": None, "counts": None, "loss": None,
                        "loss_mid": None, "zero_loss": None}
        hess = gs.hessian()
        A = [[None] * n for _ in range(n)]
        for i in range(n):
            for j in range(i, n):
                A[i][j] = A[j][i] = ev(hess[i][j])
        inertia = _inertia(A)
        loss = ev(gs.loss)
        unregularised = all(Fraction(v) == 0 for v in gs.lambdas)
        zero_loss = "no"
        if centre is not None and (radius is None or _q(radius) == 0):
            if all(r(*centre) == 0 for r in gs.residuals) and unregularised:
                zero_loss = "exact"
        elif all(ev(r).contains(0) for r in gs.residuals) and loss.contains(0):
            zero_loss = "contains-0"
        pos, neg, und = inertia["positive"], inertia["negative"], inertia["undecided"]
        label = "global-minimum" if zero_loss == "exact" else inertia_label(pos, neg, und)
        return {"label": label, "index": None if und else neg,
                "counts": {"positive": pos, "negative": neg, "undecided": und, "method": inertia["method"]},
                "loss": _interval(loss), "loss_mid": float(loss.mid()), "zero_loss": zero_loss}
    finally:
        flint.ctx.prec = old


def _flip_box(box, sign):
    return [(lo, hi) if s > 0 else (-hi, -lo) for (lo, hi), s in zip(box, sign)]


def _meets(a, b) -> bool:
    return all(alo <= bhi and blo <= ahi for (alo, ahi), (blo, bhi) in zip(a, b))


def classify_critical_points(gs: GradientSystem, boxes, *, complete: bool = True, prec: int = 128) -> list:
    """Classify every real critical point in ``boxes`` (lists of ``(lo, hi)`` rational pairs, one
    per variable, pairwise disjoint, each with exactly one critical point, e.g. from msolve).

    With ``complete=True`` (the boxes hold *all* real critical points) and every ``lambda > 0`` (so
    ``L`` is coercive and attains its minimum at a critical point), the points of the lowest group of
    overlapping loss enclosures are relabelled ``"global-minimum"`` when that group is separated from
    every other enclosure and its points are images of one another under the verified sign-flip
    symmetries of ``L`` (then they share the exact loss value, which is the minimum). Each result
    also carries ``"global": True/False/None`` (None: not decided).
    """
    out = [classify_critical_point(gs, [tuple(iv) for iv in box], prec=prec) for box in boxes]
    for r in out:
        r["global"] = None
    coercive = all(Fraction(v) > 0 for v in gs.lambdas)
    if not (complete and coercive and out) or any(r["loss"] is None for r in out):
        return out
    lows = [Fraction(r["loss"][0]) if _finite(r["loss"][0]) else None for r in out]
    highs = [Fraction(r["loss"][1]) if _finite(r["loss"][1]) else None for r in out]
    if any(v is None for v in lows + highs):
        return out
    # the group of enclosures overlapping the lowest one (transitively)
    group, separated = lowest_group(lows, highs)
    if not separated:
        return out
    qboxes = [[(_q(lo), _q(hi)) for lo, hi in box] for box in boxes]
    members = sorted(group)

    def related(i, j):
        for sign in gs.symmetries:
            image = _flip_box(qboxes[i], sign)
            hits = [k for k in range(len(qboxes)) if _meets(image, qboxes[k])]
            if hits == [j]:
                return True
        return i == j

    # connectivity of the group under the symmetries (the flipped critical point is a critical point,
    # lies in the flipped box, and the boxes hold all real critical points: one hit means it is that one)
    reach, frontier = {members[0]}, [members[0]]
    while frontier:
        i = frontier.pop()
        for j in members:
            if j not in reach and related(i, j):
                reach.add(j)
                frontier.append(j)
    if reach != group:
        return out
    for i in range(len(out)):
        out[i]["global"] = i in group
        if i in group and out[i]["label"] == "local-minimum":
            out[i]["label"] = "global-minimum"
    return out


def _finite(text: str) -> bool:
    try:
        Fraction(text)
        return True
    except (ValueError, ZeroDivisionError):
        return False
