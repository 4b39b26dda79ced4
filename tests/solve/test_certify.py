"""Certified solutions (Krawczyk) and certified inertia: verifier.checker.solve.krawczyk, verifier.solver.certify."""

from __future__ import annotations

import itertools

import flint
import numpy as np
import pytest
from flint import arb, fmpq
from hypothesis import given
from hypothesis import strategies as st

from verifier.checker.solve.krawczyk import (PolySystem, boxes_disjoint, certified_inertia, krawczyk_test,
                                       verify_solution_boxes)
from verifier.checker.format import parse_rational, rational_str
from verifier.solver.certify import boxes_from_msolve, refine_and_certify

Q = fmpq
CTX2 = flint.fmpq_mpoly_ctx.get(("x", "y"), "degrevlex")
X, Y = CTX2.gens()
CTX3 = flint.fmpq_mpoly_ctx.get(("a", "b", "c"), "degrevlex")


def planted(ctx, roots_per_var, mix=None):
    """F = M G with G_i = prod_k (x_i - a_ik) (a_ik rational, or complex via x^2 + 1): roots on a grid."""
    gens = ctx.gens()
    G = []
    for g, roots in zip(gens, roots_per_var):
        p = ctx.from_dict({}) + 1
        for a in roots:
            p *= (g * g + 1) if a == "i" else (g - a)
        G.append(p)
    if mix is None:
        return G
    return [sum((Q(m) * q for m, q in zip(row, G)), ctx.from_dict({})) for row in mix]


def grid(roots_per_var):
    """The roots as complex128 points (same order as exact_grid)."""
    return [[complex(float(re), float(im)) for re, im in root] for root in exact_grid(roots_per_var)]


def exact_grid(roots_per_var):
    """The exact roots as lists of (re, im) fmpq pairs."""
    axes = []
    for rs in roots_per_var:
        ax = []
        for a in rs:
            ax += [(Q(0), Q(1)), (Q(0), Q(-1))] if a == "i" else [(Q(a), Q(0))]
        axes.append(ax)
    return [list(p) for p in itertools.product(*axes)]


def box(center, radius, real=None):
    b = {"center": [[rational_str(Q(re)), rational_str(Q(im))] for re, im in center], "radius": rational_str(Q(radius))}
    if real is not None:
        b["real"] = real
    return b


def contains(b, root):
    c = [(parse_rational(re), parse_rational(im)) for re, im in b["center"]]
    r = parse_rational(b["radius"])
    return all(abs(re - a) <= r and abs(im - bb) <= r for (re, im), (a, bb) in zip(c, root))


ROOTS2 = [[Q(1), Q(-2), Q(1, 3)], [Q(3), "i"]]
MIX2 = [[2, 1], [1, 1]]
F2 = planted(CTX2, ROOTS2, MIX2)


# ------------------------------------------------------------------------------------------
# the Krawczyk test
# ------------------------------------------------------------------------------------------

def test_krawczyk_certifies_planted_roots_and_rejects_wrong_boxes():
    for root in exact_grid(ROOTS2):
        res = krawczyk_test(F2, root, Q(1, 10**6))
        assert res["ok"], res
        assert 0 <= res["contraction"] < 1 and res["inclusion"] < 1
    # centre off the root by 10 radii: K is not inside B
    res = krawczyk_test(F2, [(Q(1) + Q(1, 10**5), Q(0)), (Q(3), Q(0))], Q(1, 10**6))
    assert not res["ok"] and "not inside" in res["reason"]
    # a huge box holding several roots
    assert not krawczyk_test(F2, [(Q(0), Q(0)), (Q(2), Q(0))], Q(4))["ok"]
    assert not krawczyk_test(F2, [(Q(1), Q(0)), (Q(3), Q(0))], 0)["ok"]
    with pytest.raises(ValueError):
        PolySystem([X + Y])                         # not square


def test_box_with_two_roots_fails():
    ctx1 = flint.fmpq_mpoly_ctx.get(("t",), "lex")
    (t,) = ctx1.gens()
    eps = Q(1, 10**8)
    close = [(t - eps) * (t + eps)]
    assert not krawczyk_test(close, [(Q(0), Q(0))], Q(1, 10**6))["ok"]          # both roots inside
    assert krawczyk_test(close, [(eps, Q(0))], Q(1, 10**10))["ok"]              # one root, small box
    double = [t * t]
    for r in (Q(1, 10), Q(1, 10**6), Q(1, 10**30)):
        assert not krawczyk_test(double, [(Q(0), Q(0))], r)["ok"]
    # a double root in 2 variables: (x - 1)^2, y - 2
    F = [(X - 1) ** 2, Y - 2]
    assert not krawczyk_test(F, [(Q(1), Q(0)), (Q(2), Q(0))], Q(1, 10**9))["ok"]
    approx = np.array([[1 + 1e-9, 2], [1 - 1e-7, 2 + 1e-9j]])
    cs = refine_and_certify(F, approx)
    assert cs.certified == 0 and len(cs.failures) == 2


# ------------------------------------------------------------------------------------------
# the solver side
# ------------------------------------------------------------------------------------------

def test_refine_and_certify_planted_roots_realness_and_duplicates():
    rng = np.random.default_rng(0)
    pts = np.array(grid(ROOTS2))
    noisy = pts + 1e-9 * (rng.standard_normal(pts.shape) + 1j * rng.standard_normal(pts.shape))
    approx = np.vstack([noisy, noisy[:4] + 1e-11, [[np.nan, 0]]])
    cs = refine_and_certify(F2, approx)
    assert cs.certified == len(pts) == 9
    assert cs.real == 3 and cs.non_real == 6 and cs.undecided == 0
    assert len(cs.duplicates) == 4 and len(cs.failures) == 1
    # every exact root in exactly one box, every box around exactly one root
    roots = exact_grid(ROOTS2)
    for b in cs.boxes:
        inside = [r for r in roots if contains(b, r)]
        assert len(inside) == 1
        is_real = all(im == 0 for _, im in inside[0])
        assert b["real"] is is_real
        if is_real:
            assert all(im == "0" for _, im in b["center"])
    # the checker agrees, independently, from the JSON boxes alone
    rep = verify_solution_boxes(F2, cs.to_json()["boxes"])
    assert rep["ok"] and rep["certified"] == 9 and rep["real"] == 3 and rep["non_real"] == 6


def test_three_variables_mixed():
    roots = [[Q(1), Q(2)], [Q(-1), "i"], [Q(1, 2), Q(5, 7)]]
    F = planted(CTX3, roots, [[1, 1, 0], [0, 1, 1], [1, 0, 2]])
    pts = np.array(grid(roots)) + 1e-8
    cs = refine_and_certify(F, pts)
    assert cs.certified == 12 and cs.real == 4 and cs.non_real == 8


def test_real_snap_only_when_proved():
    # x^2 + 1e-20 has roots +-1e-10 i: they look real in float64 but are not
    ctx1 = flint.fmpq_mpoly_ctx.get(("t",), "lex")
    (t,) = ctx1.gens()
    F = [t * t + Q(1, 10**20)]
    cs = refine_and_certify(F, np.array([[1e-12 + 1e-10j], [0.0 - 1e-10j]]))
    assert cs.certified == 2 and cs.real == 0
    for b in cs.boxes:
        assert b.get("real") is not True


# ------------------------------------------------------------------------------------------
# the checker rejects tampered boxes
# ------------------------------------------------------------------------------------------

def test_verify_rejects_tampered_boxes():
    r = Q(1, 10**9)
    good = box([(1, 0), (3, 0)], r, real=True)
    assert verify_solution_boxes(F2, [good])["ok"]
    cases = {
        "shifted": box([(Q(1) + 100 * r, 0), (3, 0)], r),
        "two roots": box([(Q(-1, 2), 0), (3, 0)], 2),
        "root excluded": box([(Q(1) + Q(1, 10**6), 0), (3, 0)], Q(1, 10**8)),
        "non-real claimed real": box([(1, 0), (0, 1)], r, real=True),
        "non-real with real centre": box([(1, 0), (0, 0)], Q(1, 2)),
        "claimed non-real but real": box([(1, 0), (3, 0)], r, real=False),
        "zero radius": {"center": [["1", "0"], ["3", "0"]], "radius": "0"},
        "malformed": {"center": [["1", "0"]], "radius": "1/10"},
        "garbage": {"center": [["1", "zero"], ["3", "0"]], "radius": "1/10"},
    }
    for name, b in cases.items():
        rep = verify_solution_boxes(F2, [b])
        assert not rep["ok"], name
        assert rep["certified"] == 0 and rep["failed"] == 1, name
        assert rep["boxes"][0]["verdict"] in ("failed", "claim-refuted"), name
        rep = verify_solution_boxes(F2, [good, b])
        assert not rep["ok"] and rep["certified"] == 1, name
    # overlapping duplicates: same zero in two boxes is counted once
    dup = box([(Q(1) + r / 2, 0), (3, 0)], r)
    rep = verify_solution_boxes(F2, [good, dup, good])
    assert not rep["ok"] and rep["certified"] == 1
    assert [v["verdict"] for v in rep["boxes"]] == ["real", "overlap", "overlap"]
    # too many boxes, and a time budget
    assert not verify_solution_boxes(F2, [good] * 3, max_boxes=2)["ok"]
    rep = verify_solution_boxes(F2, [good], budget=-1)
    assert not rep["ok"] and rep["boxes"][0]["verdict"] == "not-checked" and rep["certified"] == 0


def test_disjointness_is_exact():
    r = Q(1, 10)
    assert boxes_disjoint([(Q(0), Q(0))], r, [(Q(1, 5) + Q(1, 10**30), Q(0))], r)
    assert not boxes_disjoint([(Q(0), Q(0))], r, [(Q(1, 5), Q(0))], r)              # touching
    assert boxes_disjoint([(Q(0), Q(0)), (Q(0), Q(0))], r, [(Q(0), Q(0)), (Q(0), Q(1))], r)


@given(st.lists(st.tuples(st.integers(-40, 40), st.integers(-40, 40), st.integers(0, 80),
                          st.sampled_from([0, 1, 2, 3])), min_size=1, max_size=8))
def test_certified_boxes_contain_exactly_one_planted_root(specs):
    """Soundness against arbitrary boxes: whatever the checker counts holds exactly one true root."""
    roots = exact_grid(ROOTS2)
    boxes = []
    for k, (dx, dy, e, which) in enumerate(specs):
        base = roots[(k + which) % len(roots)]
        r = Q(1, 2 ** (e % 60 + 1))
        shift = Q(1, 2 ** (e % 7 + 1))
        c = [(base[0][0] + dx * shift / 8, base[0][1]), (base[1][0], base[1][1] + dy * shift / 8)]
        boxes.append(box(c, r))
    rep = verify_solution_boxes(F2, boxes)
    counted = [b for b, v in zip(boxes, rep["boxes"]) if v["verdict"] in ("real", "non-real", "undecided")]
    assert rep["certified"] == len(counted) <= len(roots)
    seen = set()
    for b in counted:
        inside = [i for i, root in enumerate(roots) if contains(b, root)]
        assert len(inside) == 1
        assert inside[0] not in seen
        seen.add(inside[0])


@given(st.lists(st.integers(-3, 3), min_size=12, max_size=12), st.integers(0, 2**32 - 1))
def test_certified_count_never_exceeds_bezout(coeffs, seed):
    # two random dense quadrics in x, y: Bezout bound 4
    mons = [X**2, X * Y, Y**2, X, Y, X**0]
    f = sum((Q(c) * m for c, m in zip(coeffs[:6], mons)), CTX2.from_dict({}))
    g = sum((Q(c) * m for c, m in zip(coeffs[6:], mons)), CTX2.from_dict({}))
    if f.is_zero() or g.is_zero():
        return
    bezout = max(f.total_degree(), 0) * max(g.total_degree(), 0)
    rng = np.random.default_rng(seed)
    starts = 2 * (rng.standard_normal((12, 2)) + 1j * rng.standard_normal((12, 2)))
    cs = refine_and_certify([f, g], np.vstack([starts, starts[:3]]), prec=96)
    assert cs.certified <= bezout
    assert cs.real + cs.non_real + cs.undecided == cs.certified
    rep = verify_solution_boxes([f, g], cs.boxes, prec=96)
    assert rep["ok"] and rep["certified"] == cs.certified
    # feeding every box twice never raises the count
    rep2 = verify_solution_boxes([f, g], cs.boxes + cs.boxes, prec=96)
    assert rep2["certified"] == cs.certified


# ------------------------------------------------------------------------------------------
# certified inertia
# ------------------------------------------------------------------------------------------

def arb_matrix(M):
    return [[arb(float(x)) for x in row] for row in M]


@given(st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_inertia_matches_numpy(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    A = (A + A.T) / 2
    ev = np.linalg.eigvalsh(A)
    res = certified_inertia(arb_matrix(A))
    assert res["ok"]
    assert res["positive"] + res["negative"] + res["undecided"] == n
    assert res["positive"] <= int((ev > 0).sum()) and res["negative"] <= int((ev < 0).sum())
    if np.min(np.abs(ev)) > 1e-8:
        assert res["positive"] == int((ev > 0).sum()) and res["negative"] == int((ev < 0).sum())
    # enclosures (one per isolated eigenvalue) contain numpy's eigenvalues, in order
    comps = res["components"]
    k = 0
    for c in comps:
        lo, hi = float(parse_rational(c["lo"])), float(parse_rational(c["hi"]))
        for _ in range(c["count"]):
            assert lo - 1e-9 <= ev[k] <= hi + 1e-9
            k += 1


def test_inertia_of_singular_matrices_reports_zeros_undecided():
    rng = np.random.default_rng(1)
    for n, k in [(3, 1), (5, 2), (6, 4), (8, 3)]:
        Bm = rng.integers(-4, 5, size=(n, k))
        signs = np.diag(rng.choice([-1, 1], size=k))
        A = Bm @ signs @ Bm.T                      # exact integers, rank <= k
        rank = np.linalg.matrix_rank(A)
        res = certified_inertia([[arb(int(x)) for x in row] for row in A])
        assert res["ok"]
        assert res["undecided"] >= n - rank
        ev = np.linalg.eigvalsh(A.astype(float))
        assert res["positive"] <= int((ev > 1e-9).sum()) and res["negative"] <= int((ev < -1e-9).sum())
        assert res["positive"] + res["negative"] == rank       # the nonzero ones are still decided
    # the zero matrix and a matrix with wide balls
    assert certified_inertia([[arb(0)] * 3 for _ in range(3)])["undecided"] == 3
    wide = [[arb(1, 2), arb(0)], [arb(0), arb(5)]]
    res = certified_inertia(wide)
    assert res["positive"] == 1 and res["undecided"] == 1 and res["negative"] == 0
    with pytest.raises(ValueError):
        certified_inertia([[arb(1), arb(1)], [arb(2), arb(1)]])     # no symmetric member


def test_inertia_repeated_eigenvalues():
    rng = np.random.default_rng(2)
    Qm, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    A = Qm @ np.diag([2, 2, 2, -1, -1, 0.5]) @ Qm.T
    A = (A + A.T) / 2
    res = certified_inertia(arb_matrix(A))
    assert (res["positive"], res["negative"], res["undecided"]) == (4, 2, 0)


# ------------------------------------------------------------------------------------------
# msolve round trip
# ------------------------------------------------------------------------------------------

def _msolve():
    try:
        from verifier.algebra import engines
    except ImportError:
        return None
    return engines if engines.msolve_path() else None


@pytest.mark.skipif(_msolve() is None, reason="msolve not installed: pip install -e '.[algebra]'")
@pytest.mark.parametrize("which", ["circle-hyperbola", "planted"])
def test_msolve_real_boxes_certified(which):
    engines = _msolve()
    if which == "circle-hyperbola":
        F, ctx = [X**2 + Y**2 - 4, X * Y - 1], CTX2
    else:
        F, ctx = planted(CTX3, [[Q(1), Q(2)], [Q(-1), "i"], [Q(1, 2), Q(5, 7), Q(-3)]], None), CTX3
    sol = engines.msolve_solve(F, ctx, precision=64, timeout=60)
    assert sol["status"] == "finite"
    cs = boxes_from_msolve(F, ctx, sol["real_boxes"])
    assert cs.certified == cs.real == len(sol["real_boxes"]) > 0
    assert not cs.failures and not cs.duplicates
    rep = verify_solution_boxes(F, cs.boxes)
    assert rep["ok"] and rep["real"] == len(sol["real_boxes"])
