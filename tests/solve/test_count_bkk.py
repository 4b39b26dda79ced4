"""count-exact by mixed volume (method bkk): Li-Wang's bound on isolated solutions (scope isolated) and
Bernstein's torus count with no solution off the torus (scope all); tampered evidence never re-checks."""

import copy

import pytest

from test_solve_attacks import _claim, reseal

from verifier.algebra import engines
from verifier.checker import check_certificate
from verifier.theorems.solving import certify_system

pytestmark = pytest.mark.skipif(engines.singular_path() is None, reason="needs Singular (mixed volumes)")


def _system(lines, names=("x", "y")):
    import flint

    from verifier.solver.parse import parse_polynomial
    ctx = flint.fmpq_mpoly_ctx.get(list(names), "lex")
    return [parse_polynomial(s, ctx, list(names)) for s in lines]


def _cert(lines, names=("x", "y")):
    polys = _system(lines, names)
    return certify_system("polynomial-solutions", list(names), polys, {"kind": "file"},
                          method="homotopy", timeout=60).to_json()


@pytest.fixture(scope="module")
def torus():
    # y = 2/x, x^3 - 4x + 2 = 0: three simple roots, none on a coordinate axis; Bezout 4, mixed volume 3
    return _cert(["x*y - 2", "x^2 + y - 4"])


@pytest.fixture(scope="module")
def off_torus():
    # y (x - 1) = 0: (1, 3), and (2, 0), (-2, 0) off the torus; Bezout 4, torus mixed volume 1, with 0: 3.
    # Singular's exact count would settle it in milliseconds, so the solver's brief Groebner try is made to
    # fail here, as it does on the systems this method is for (the square tree below)
    from verifier.checker.algebra import engine
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "singular_vdim", lambda *a, **k: None)
        return _cert(["x*y - y", "x^2 + y - 4"])


def test_critical_points_take_a_quick_groebner_count_first():
    # H = 2, d = dx = dy = m = 1: 17 critical points, also the mixed volume with the origin added; the scope
    # isolated would leave positive-dimensional components open (no global-minimum label), Singular's count
    # in milliseconds closes them
    from verifier.theorems.solving import critical_points_deep_linear
    doc = critical_points_deep_linear(2, 1, 1, 1, 1, timeout=60).to_json()
    assert _claim(doc, "count-exact")["evidence"]["method"] == "singular" and check_certificate(doc).ok
    assert any(p["label"] == "global-minimum" for p in _claim(doc, "critical-classification")["evidence"]["points"])


def test_torus_count_is_all_of_v(torus):
    ev = _claim(torus, "count-exact")["evidence"]
    assert ev["method"] == "bkk" and ev["scope"] == "all" and ev["mixed_volume"] == 3
    rep = check_certificate(torus)
    assert rep.ok and _claim(torus, "count-exact")["status"] == "verified", rep.text()
    assert "Bernstein" in _claim(torus, "count-exact")["message"]


def test_off_torus_roots_give_the_isolated_scope(off_torus):
    ev = _claim(off_torus, "count-exact")["evidence"]
    assert _claim(off_torus, "solutions-certified")["evidence"]["certified"] == 3
    assert ev["method"] == "bkk" and ev["scope"] == "isolated" and ev["mixed_volume"] == 3
    rep = check_certificate(off_torus)
    assert rep.ok, rep.text()
    assert "isolated" in _claim(off_torus, "count-exact")["message"]


def test_positive_dimensional_component_is_not_called_exact():
    # V = the line x = 1 and the point (3, 0): one isolated solution, never "all of V"
    doc = _cert(["x*y - y", "x^2 + x*y - 4*x - y + 3"])
    cex = _claim(doc, "count-exact")
    assert _claim(doc, "solutions-certified")["evidence"]["certified"] == 1
    assert cex["evidence"]["method"] != "bkk" and cex["status"] != "verified", cex
    cex.update(status="verified")
    cex["evidence"].update(method="bkk", scope="all", mixed_volume=1)
    rep = check_certificate(reseal(doc))
    assert not rep.ok and "meets the coordinate hyperplane" in rep.text(), rep.text()


def _scope_all(doc):
    _claim(doc, "count-exact")["evidence"].update(scope="all", mixed_volume=1)


def _raise_mv(doc):
    _claim(doc, "count-exact")["evidence"]["mixed_volume"] += 1


def _drop_box(doc):
    sol = _claim(doc, "solutions-certified")["evidence"]
    sol["boxes"].pop()
    sol["certified"] -= 1
    real = sol["real"] > 0
    sol["real" if real else "non_real"] -= 1
    _claim(doc, "count-exact")["evidence"]["count"] -= 1


@pytest.mark.parametrize("attack", [_scope_all, _raise_mv, _drop_box], ids=lambda f: f.__name__)
def test_tampered_bkk_claims_are_rejected(off_torus, attack):
    doc = copy.deepcopy(off_torus)
    attack(doc)
    rep = check_certificate(reseal(doc))
    assert not rep.ok and "count-exact" in rep.text(), rep.text()


def test_scope_all_with_a_box_on_an_axis_is_rejected(off_torus):
    doc = copy.deepcopy(off_torus)
    _claim(doc, "count-exact")["evidence"].update(scope="all", mixed_volume=1)
    rep = check_certificate(reseal(doc))
    assert not rep.ok


@pytest.mark.skipif(engines.msolve_path() is None, reason="needs msolve")
def test_square_shared_weight_tree_is_exact(tmp_path):
    # 5 unknowns, total degree 16807, multihomogeneous Bezout 1920, mixed volume 135; some solutions have
    # g2 = 0, so the count is exact for the isolated solutions (Li-Wang), not by the torus route
    from verifier.activations import polynomial
    from verifier.data import load_dataset
    from verifier.network import liao_poggio_tree
    from verifier.theorems.solving import solve_network

    (tmp_path / "d.csv").write_text("-2,1,3,3,0\n3,-3,-1,-3,0\n0,3,0,0,1\n2,0,3,-2,3\n-3,0,-3,3,3\n")
    net = liao_poggio_tree(activation=polynomial([0, 1, 1]), bias=False)
    doc = solve_network(net, load_dataset(tmp_path / "d.csv", outputs=1), timeout=300).to_json()
    s = doc["summary"]
    assert s["certified"] == 135 and s["msolve_solutions"] == 135 and s["real"] == s["msolve_real"] == 65
    assert s["exact"] and s["exact_scope"] == "isolated" and s["undecided"] == 0
    assert _claim(doc, "count-exact")["evidence"] == {"method": "bkk", "scope": "isolated", "mixed_volume": 135,
                                                      "count": 135, "real_exact": True}
    assert check_certificate(doc).ok
