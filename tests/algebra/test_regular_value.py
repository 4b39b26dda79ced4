"""cooper-2.1-global's singular-locus route: I = (H, maximal minors of J); 0 is a regular value iff 1 is in I.

The routes (singular-locus ideal vs Lagrange charts) must agree; the 8x8 square system answers in seconds;
tampered cofactors and an engine claim for targets where 0 is a critical value are rejected by the checker."""

from __future__ import annotations

import copy
import itertools
import json
import random
import time

import pytest
from flint import fmpq, fmpq_mat

from verifier.activations import polynomial, power
from verifier.algebra import engines
from verifier.algebra.polys import compile_polynomials
from verifier.checker import check_certificate
from verifier.checker.algebra.polys import maximal_minors
from verifier.checker.format import digest
from verifier.data import Dataset
from verifier.errors import BudgetExceeded
from verifier.network import mlp
from verifier.theorems import liao_poggio, verify

needs_singular = pytest.mark.skipif(engines.singular_path() is None, reason="Singular is not installed")


def ds(X, Y):
    return Dataset([[fmpq(c) for c in r] for r in X], [[fmpq(c) for c in r] for r in Y])


def rv_claim(doc):
    return next(c for c in doc["claims"] if c["id"] == "regular-value")


def recheck(doc, fn=None):
    bad = copy.deepcopy(doc)
    if fn is not None:
        fn(bad)
    bad["digest"] = digest(bad)
    rep = check_certificate(bad)
    return rep, {r["id"]: r["checked"] for r in rep.results}


SQUARE8 = (lambda: mlp(2, [2], activation=power(2), output_bias=False),
           ds([[1, 2], [3, -1], [0, 5], [2, 2], [-1, -3], [4, 1], [2, -2], [-3, 1]],
              [[1], [2], [0], [4], [-1], [3], [2], [5]]))


def test_maximal_minors_are_the_determinants():
    rng = random.Random(3)
    for net, data in [(mlp(1, [1], activation=power(2)), ds([[1], [2], [3]], [[1], [3], [2]])),
                      (mlp(2, [2], activation=polynomial(["1", "1", "1"])),
                       ds([[1, 2], [0, 1], [2, -1], [1, 1]], [[1], [0], [2], [1]]))]:
        ps = compile_polynomials(net, data)
        M = maximal_minors(list(ps.H), ps.n)
        J = ps.jacobian()
        for _ in range(2):
            pt = [fmpq(rng.randint(-9, 9), rng.randint(1, 5)) for _ in range(ps.n)]
            for S, mi in zip(itertools.combinations(range(ps.n), ps.m), M):
                assert fmpq_mat([[J[r][j](*pt) for j in S] for r in range(ps.m)]).det() == mi(*pt)
    ps = compile_polynomials(mlp(1, [1], activation=power(2)), ds([[k] for k in range(5)], [[0]] * 5))
    assert maximal_minors(list(ps.H), ps.n) == []          # n < l*d: no maximal minor


def _instances():
    rng = random.Random(11)
    out = []
    for d in (2, 3, 4):
        out.append((mlp(1, [1], activation=power(2)), ds([[x] for x in rng.sample(range(-4, 5), d)],
                                                         [[rng.randint(-3, 3)] for _ in range(d)])))
    out.append((mlp(1, [1], activation=power(2)), ds([[1], [2], [3]], [[0], [0], [0]])))   # critical value
    out.append((mlp(1, [2], activation=polynomial(["0", "1", "1"]), bias=False),
                ds([[1], [2], [-1]], [[1], [2], [3]])))
    return out


@needs_singular
@pytest.mark.parametrize("k", range(5))
def test_routes_agree(k):
    """std of the singular-locus ideal says 'empty' exactly when every Lagrange chart is empty."""
    net, data = _instances()[k]
    ps = compile_polynomials(net, data)
    gens, live = liao_poggio.singular_locus(ps)
    locus_empty = engines.groebner_dimension([gens[i] for i in live], ps.ctx, timeout=30)["dim"] == -1
    big, charts = liao_poggio.lagrange_charts(ps)
    charts_empty = all(engines.groebner_dimension(c, big, timeout=30)["dim"] == -1 for c in charts)
    assert locus_empty == charts_empty
    cert = verify("cooper-2.1-global", data, network=net, timeout=20)
    rv = next(c for c in cert.claims if c.id == "regular-value")
    assert rv.status == ("verified" if locus_empty else "refuted"), rv.message


@needs_singular
def test_square_8x8_answers_within_seconds():
    net, data = SQUARE8[0](), SQUARE8[1]
    t0 = time.perf_counter()
    cert = verify("cooper-2.1-global", data, network=net, timeout=30)
    assert time.perf_counter() - t0 < 10
    doc = json.loads(json.dumps(cert.to_json()))
    rv = rv_claim(doc)
    assert rv["status"] == "verified" and rv["evidence"]["method"] == "singular-locus", rv["message"]
    rep, got = recheck(doc)
    assert rep.ok and got["regular-value"] == "verified", rep.text()


@pytest.fixture(scope="module")
def honest8():
    if engines.singular_path() is None:
        pytest.skip("needs Singular")
    net, data = SQUARE8[0](), SQUARE8[1]
    return json.loads(json.dumps(verify("cooper-2.1-global", data, network=net, timeout=30).to_json()))


def test_tampered_cofactors_are_rejected(honest8):
    assert "cofactors" in rv_claim(honest8)["evidence"]

    def swap(d):
        cof = rv_claim(d)["evidence"]["cofactors"]
        cof[0], cof[1] = cof[1], cof[0]

    def drop_minor(d):
        rv_claim(d)["evidence"]["cofactors"].pop()

    def scale(d):
        cof = rv_claim(d)["evidence"]["cofactors"]
        cof[0] = {"terms": [[t[0] + "*2" if False else ("2" if t[0] == "1" else "1"), t[1]]
                            for t in cof[0]["terms"]]} if cof[0]["terms"] else {"terms": [["1", [0] * 8]]}

    for fn in (swap, drop_minor, scale):
        rep, got = recheck(honest8, fn)
        assert got["regular-value"] != "verified" and not rep.ok


def _as_engine_claim(d):
    ev = rv_claim(d)["evidence"]
    ev.pop("cofactors")
    ev["engine"] = "Singular std"


def test_engine_claim_is_rerun_by_the_checker(honest8):
    rep, got = recheck(honest8, _as_engine_claim)
    assert got["regular-value"] == "verified", rep.text()
    assert any("resting on the engine" in r["message"] for r in rep.results if r["id"] == "regular-value")


def test_engine_claim_for_a_critical_value_is_rejected():
    """Zero targets: the zero network is a zero of H where J = 0, so the singular locus is nonempty. The honest
    certificate (refuted by that point) with its regular-value claim replaced by a verified engine claim must
    fail the checker's own Singular run."""
    if engines.singular_path() is None:
        pytest.skip("needs Singular")
    net, data = SQUARE8[0](), SQUARE8[1]
    zero = Dataset(data.X, [[fmpq(0)] for _ in data.Y])
    doc = json.loads(json.dumps(verify("cooper-2.1-global", zero, network=net, timeout=30).to_json()))
    assert doc["status"] == "refuted"

    def forge(d):
        rv = rv_claim(d)
        rv["status"] = "verified"
        rv["evidence"] = {"variables": d["claims"][0]["evidence"]["variables"], "method": "singular-locus",
                          "minors": 1, "engine": "Singular std", "engine_seconds": 0.1}
        d["claims"] = [c for c in d["claims"] if c["id"] != "sard-perturbation"]
        d["status"], d["point"] = "verified", None

    rep, got = recheck(doc, forge)
    msg = next(r["message"] for r in rep.results if r["id"] == "regular-value")
    assert got["polynomial-system"] == "verified"
    assert got["regular-value"] != "verified" and not rep.ok
    assert "Singular run finds the singular-locus ideal proper" in msg, msg


def test_engine_claim_without_singular_is_inconclusive(honest8, monkeypatch):
    from verifier.checker.algebra import engine as checker_engine
    monkeypatch.setattr(checker_engine, "_singular", lambda: None)
    rep, got = recheck(honest8, _as_engine_claim)
    msg = next(r["message"] for r in rep.results if r["id"] == "regular-value")
    assert got["regular-value"] == "inconclusive" and "needs Singular" in msg


def test_budget_gives_inconclusive_with_a_reason(monkeypatch):
    def out_of_time(*a, **k):
        raise BudgetExceeded("Singular ran past the 0.1 s time budget")

    monkeypatch.setattr(engines, "groebner_dimension", out_of_time)
    monkeypatch.setattr(engines, "checked_dimension", out_of_time)
    monkeypatch.setattr(engines, "msolve_solve", out_of_time)
    monkeypatch.setattr(engines, "rational_point", out_of_time)
    monkeypatch.setattr(liao_poggio, "_complex_point_claim", lambda *a, **k: (None, "no complex point"))
    net, data = SQUARE8[0](), SQUARE8[1]
    cert = verify("cooper-2.1-global", data, network=net, timeout=5)
    rv = next(c for c in cert.claims if c.id == "regular-value")
    assert rv.status == "inconclusive" and "no answer" in rv.message, rv.message
    assert cert.status == "inconclusive"


@needs_singular
def test_many_minors_still_try_the_singular_locus():
    """120 maximal minors (more than MAX_LOCUS_MINORS): the singular-locus ideal, tried in turn with the
    Lagrange charts, answers (Singular's std in about a second), where the charts alone ran out of 30 s."""
    net = mlp(3, [1, 3], activation=polynomial(["-1", "0", "1"]), bias=False, output_bias=True)
    data = ds([[-2, -1, fmpq(3, 2)], [-3, -1, 1], [1, -4, 0]], [[fmpq(2, 3)], [fmpq(-2, 3)], [0]])
    assert liao_poggio.MAX_LOCUS_MINORS < 120 <= liao_poggio.MAX_LOCUS_MINORS_SHARED
    cert = verify("cooper-2.1-global", data, network=net, timeout=60)
    rv = next(c for c in cert.claims if c.id == "regular-value")
    assert rv.status == "verified" and rv.evidence["method"] == "singular-locus" and rv.evidence["minors"] == 120
    rep = check_certificate(json.loads(json.dumps(cert.to_json())))
    assert rep.status == "verified"


@needs_singular
def test_the_checker_runs_each_singular_script_once_per_process(monkeypatch):
    """The verifier asks its Groebner questions through the checker's engine call, which remembers what Singular
    answered: the seal and an in-process check run no second std; a run that gave no answer is not remembered,
    and after ``forget`` (as in a new process) the check runs Singular itself."""
    from verifier.checker.algebra import engine as ce
    from verifier.checker.algebra.polys import poly_context
    runs = []
    real = ce.subprocess.run

    def counting(*a, **k):
        runs.append(a[0])
        return real(*a, **k)
    monkeypatch.setattr(ce.subprocess, "run", counting)
    net, data = mlp(1, [1], activation=power(2)), ds([[1], [2]], [[1], [3]])
    cert = verify("liao-poggio-dimension", data, network=net, timeout=60)
    vd = next(c for c in cert.claims if c.id == "variety-dimension")
    assert vd.status == "verified" and vd.evidence["engine"].startswith("Singular")
    doc = json.loads(json.dumps(cert.to_json()))
    before = len(runs)
    assert before >= 1 and check_certificate(doc).status == cert.status == "verified"
    assert len(runs) == before
    ce.forget()
    assert check_certificate(doc).status == "verified" and len(runs) > before
    ps = compile_polynomials(net, data)
    H = [poly_context(ps.n).from_dict(p.to_dict()) for p in ps.H]
    ce.forget()
    n0 = len(runs)
    assert ce.singular_dimension(H, None, timeout=1e-4) is None and "budget" in ce.last_failure
    assert ce.singular_dimension(H, None, timeout=60) == ce.singular_dimension(H, None, timeout=60) is not None
    assert len(runs) == n0 + 2


def test_no_singular_point_search_where_msolve_finds_the_locus_empty(monkeypatch):
    """Singular's std runs out of time and msolve (routing only) finds V(I) empty: the claim is inconclusive with
    both findings, and no budget goes to a search for an exact singular point that msolve says is not there."""
    def out_of_time(*a, **k):
        raise BudgetExceeded("Singular ran past the 0.1 s time budget")

    searched = []
    monkeypatch.setattr(liao_poggio, "_msolve_route", lambda *a, **k: "empty")
    monkeypatch.setattr(engines, "checked_dimension", out_of_time)
    monkeypatch.setattr(liao_poggio, "_singular_point", lambda *a, **k: searched.append(1))
    monkeypatch.setattr(liao_poggio, "_complex_point_claim", lambda *a, **k: (None, "no complex point"))
    net, data = SQUARE8[0](), SQUARE8[1]
    cert = verify("cooper-2.1-global", data, network=net, timeout=5)
    rv = next(c for c in cert.claims if c.id == "regular-value")
    assert rv.status == "inconclusive" and liao_poggio.MSOLVE_EMPTY in rv.message, rv.message
    assert not searched


@needs_singular
def test_a_proper_singular_locus_refutes_through_the_engine(monkeypatch):
    """No exact singular point found (the searches switched off here), but Singular's std of the singular-locus
    ideal is not {1}: regular-value is refuted over C by the engine's answer, which the checker re-runs; the same
    evidence where the ideal is the unit ideal is not confirmed."""
    monkeypatch.setattr(liao_poggio, "_cheap_singular_point", lambda *a, **k: None)
    monkeypatch.setattr(liao_poggio, "_singular_point", lambda *a, **k: None)
    net = mlp(1, [1], activation=power(2))
    cert = verify("cooper-2.1-global", ds([[1], [2]], [[0], [0]]), network=net, timeout=30)
    rv = next(c for c in cert.claims if c.id == "regular-value")
    assert rv.status == "refuted" and rv.evidence["engine"] == "Singular std" and cert.point is None, rv
    doc = json.loads(json.dumps(cert.to_json()))
    rep, got = recheck(doc)
    assert got["regular-value"] == "refuted" and rep.status == cert.status == "refuted", rep.text()   # ok: verified only

    good = json.loads(json.dumps(verify("cooper-2.1-global", ds([[1], [2], [3]], [[1], [3], [2]]), network=net,
                                        timeout=30).to_json()))
    assert rv_claim(good)["status"] == "verified"

    def forge(d):
        c = rv_claim(d)
        c["status"] = "refuted"
        c["evidence"] = {"variables": c["evidence"]["variables"], "method": "singular-locus", "engine": "Singular std"}
    rep, got = recheck(good, forge)
    assert got["regular-value"] == "inconclusive" and not rep.ok, rep.text()
