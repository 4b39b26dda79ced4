"""Monodromy witness sets and the trace test (verifier.solver.monodromy), and `verifier degree --method monodromy`.

Networks: f(x) = W2 (W1 x + b1)^2 + b2 (n = 4) on two points (l*d = 2): V(H) is a surface of degree 7 in C^4,
the sliced system has Bezout number 9; and the deep f = W3 (W2 (W1 x + b1)^2 + b2)^2 + b3 (n = 6) on four
points: a surface of degree 18 while the sliced system's total-degree Bezout number is 7^4 = 2401.
"""

import copy
import json

import numpy as np
import pytest

from verifier.algebra import engines
from verifier.algebra.polys import compile_polynomials
from verifier.checker import check_certificate
from verifier.checker.format import digest, parse_rational, rational_str
from verifier.checker.solve.rules import system_hash
from verifier.cli import main
from verifier.data import dataset_from_arrays
from verifier.errors import InputError
from verifier.network import mlp, network_to_json
from verifier.solver import monodromy as mo
from verifier.solver.numeric import NumericSystem
from verifier.theorems.solving import certify_system, random_slices, sliced_system, witness_degree

SQUARE = {"name": "power", "r": 2}


def _shallow():
    net = mlp(1, [1], activation=SQUARE)
    return net, dataset_from_arrays([[1], [2]], [[2], [-3]])


@pytest.fixture(scope="module")
def shallow():
    net, data = _shallow()
    ps = compile_polynomials(net, data)
    return ps, mo.monodromy_solve(ps.H, seed=0, timeout=60)


@pytest.fixture(scope="module")
def rational(shallow):
    """The witness set moved to the rational slices of `verifier degree --seed 0`."""
    ps, res = shallow
    slices = random_slices(ps.n, ps.n - ps.m, 0)
    cand, info = mo.move_witness_set(ps.H, res.points, (res.A, res.b), mo.slice_parameters(slices), timeout=60)
    return slices, cand, dict(res.summary(), final_move=info)


def test_witness_set_complete(shallow):
    ps, res = shallow
    assert (ps.n, ps.m) == (4, 2)
    assert res.stop_reason == "complete" and res.trace.passed and res.trace.residual < 1e-8
    assert len(res.points) == 7 and res.failures == 0
    F = NumericSystem.from_flint(ps.H)
    W = res.points
    scale = np.maximum(1, np.abs(W).max(axis=1))
    assert np.abs(F.eval(W)).max(axis=1).max() < 1e-8 * scale.max() ** 3
    assert np.abs(W @ res.A.T - res.b).max() < 1e-8 * scale.max()
    s = res.summary()
    assert s["points"] == 7 and s["trace_passed"] and s["loops"] == len(s["history"]) >= 5


def test_trace_test_detects_a_missing_point(shallow):
    ps, res = shallow
    full = mo.trace_test(ps.H, res.A, res.b, res.points, seed=3)
    assert full.passed and full.failures == 0 and full.points == 7
    for drop in (0, 6):
        part = mo.trace_test(ps.H, res.A, res.b, np.delete(res.points, drop, axis=0), seed=3)
        assert not part.passed and part.residual > 1e3 * part.tol


def test_degree_agrees_with_homotopy_and_msolve(shallow, rational):
    """Same rational witness system: monodromy (moved to the rational slices and Krawczyk-certified),
    the total-degree homotopy and msolve all count 7."""
    from verifier.solver.certify import refine_and_certify
    from verifier.solver.homotopy import track
    ps, _ = shallow
    slices, cand, info = rational
    polys = sliced_system(ps, slices)
    assert info["points"] == info["final_move"]["distinct"] == len(cand) == 7
    assert refine_and_certify(polys, cand).certified == 7
    hom = track(polys, seed=0, timeout=60)
    assert hom.paths == 9 and hom.summary()["nonsingular"] == 7
    if engines.msolve_path() is not None:
        from verifier.solver.exact import exact_count
        assert exact_count(polys, ps.ctx, timeout=60)["solutions"] == 7


def test_far_fewer_paths_than_bezout():
    """deg V(H) = 18 while the total-degree homotopy of the sliced system tracks 7^4 = 2401 paths (each with
    an endgame); monodromy tracks about 450 segments (measured: 436 on 14 loops, 1 s; the homotopy: 36 s)."""
    net = mlp(1, [1, 1], activation=SQUARE)
    data = dataset_from_arrays([[1], [2], [3], [4]], [[2], [-3], [4], [-5]])
    ps = compile_polynomials(net, data)
    bezout = int(np.prod([p.total_degree() for p in ps.H]))
    assert (ps.n, ps.m, bezout) == (6, 4, 2401)
    res = mo.monodromy_solve(ps.H, seed=0, timeout=60)
    assert res.complete and len(res.points) == 18
    assert res.paths < bezout / 3


def test_budget_is_reported():
    net, data = _shallow()
    ps = compile_polynomials(net, data)
    res = mo.monodromy_solve(ps.H, seed=0, max_loops=1, batch_loops=1, stall=100, timeout=60)
    assert res.stop_reason == "max_loops" and res.loops == 1
    assert res.trace is not None and res.trace.points == len(res.points)     # a residual is reported


def test_incomplete_witness_set_is_a_reported_disagreement(shallow, rational):
    """Certification stays honest: fewer candidates give fewer boxes (a lower bound), and a failed trace
    test and the lost point are listed in the disagreements."""
    net, data = _shallow()
    ps, res = shallow
    slices, cand, info = rational
    info = dict(info, trace_passed=False, final_move=dict(info["final_move"], distinct=6))
    src = {"kind": "witness", "network": network_to_json(net), "data": data.to_json(), "slices": slices}
    doc = certify_system("witness-degree", list(net.labels), sliced_system(ps, slices), src, method="monodromy",
                         candidates=cand[:-1], extra={"monodromy": info}).to_json()
    assert doc["summary"]["certified"] == 6
    dis = " ".join(doc["summary"]["disagreements"])
    assert "trace test did not pass" in dis and "7 witness points" in dis
    assert check_certificate(doc).status == doc["status"]
    with pytest.raises(InputError):
        certify_system("witness-degree", list(net.labels), sliced_system(ps, slices), src, method="monodromy")


def test_square_system_is_refused():
    net, data = _shallow()
    ps = compile_polynomials(net, data)
    with pytest.raises(ValueError):
        mo.monodromy_solve(ps.H + ps.H, seed=0)


def _reseal(doc):
    doc["instance"]["sha256"] = system_hash(doc["instance"])
    doc["digest"] = digest(doc)
    return doc


def test_cli_monodromy_certificate(tmp_path, capsys):
    net, _ = _shallow()
    (tmp_path / "net.json").write_text(json.dumps(network_to_json(net)))
    (tmp_path / "d.csv").write_text("1,2\n2,-3\n")
    out = tmp_path / "w.json"
    rc = main(["degree", "--network", str(tmp_path / "net.json"), "--data", str(tmp_path / "d.csv"),
               "--method", "monodromy", "--stall", "4", "--out", str(out), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and doc["status"] == "verified"
    doc = {**doc, **doc["result"]}
    mono = doc["extra"]["monodromy"]
    assert mono["points"] == 7 and mono["trace_passed"] and "not a proof" in mono["note"]
    assert mono["final_move"]["distinct"] == 7 and mono["bezout_paths_total_degree"] == 9
    assert doc["summary"]["certified"] == 7 and doc["summary"]["disagreements"] == []
    assert main(["check", str(out)]) == 0
    capsys.readouterr()
    cert = json.loads(out.read_text())
    assert check_certificate(cert).ok
    bad = copy.deepcopy(cert)
    box = next(c for c in bad["claims"] if c["id"] == "solutions-certified")["evidence"]["boxes"][0]
    re = parse_rational(box["center"][0][0])
    box["center"][0][0] = rational_str(re + parse_rational(box["radius"]) * 1000 + parse_rational("1/10"))
    res = check_certificate(_reseal(bad))
    assert not res.ok and res.status != "verified"


def test_cli_rejects_bad_loop_options(tmp_path, capsys):
    net, _ = _shallow()
    (tmp_path / "net.json").write_text(json.dumps(network_to_json(net)))
    (tmp_path / "d.csv").write_text("1,2\n2,-3\n")
    rc = main(["degree", "--network", str(tmp_path / "net.json"), "--data", str(tmp_path / "d.csv"),
               "--method", "monodromy", "--loops", "0"])
    assert rc == 2


def test_no_witness_point_is_inconclusive(shallow, rational):
    """A monodromy run that ends with no point (e.g. no first point found) certifies 0 boxes: a lower bound
    of 0 says nothing, so the certificate is inconclusive with that reason, and the checker agrees; a
    verified certificate whose boxes were all removed is not accepted."""
    net, data = _shallow()
    ps, _ = shallow
    slices, cand, info = rational
    src = {"kind": "witness", "network": network_to_json(net), "data": data.to_json(), "slices": slices}
    doc = certify_system("witness-degree", list(net.labels), sliced_system(ps, slices), src, method="monodromy",
                         candidates=cand[:0], extra={"monodromy": dict(info, points=0)}).to_json()
    assert doc["summary"]["certified"] == 0
    assert doc["status"] == "inconclusive" and "no witness point certified" in doc["reason"]
    rep = check_certificate(doc)
    assert rep.status == "inconclusive" and not rep.ok
    good = certify_system("witness-degree", list(net.labels), sliced_system(ps, slices), src, method="monodromy",
                          candidates=cand, extra={"monodromy": info}).to_json()
    assert good["status"] == "verified"
    bad = copy.deepcopy(good)
    for cl in bad["claims"]:
        if cl["id"] == "solutions-certified":
            cl["evidence"].update(boxes=[], certified=0, real=0, non_real=0, undecided=0)
        if cl["id"] == "count-exact":
            cl["evidence"].update(count=0, real_exact=True)
    bad["summary"].update(certified=0, real=0, non_real=0, undecided=0)
    rep = check_certificate(_reseal(bad))
    assert not rep.ok and rep.status != "verified"


def test_witness_count_of_a_deep_network_is_exact_through_slimgb():
    """W3 (W2 (W1 x + b1)^2 + b2)^2 + b3 on four points, cut by two rational slices: the checker's Singular
    ``std`` ran out of its 120 s on this witness system and the count stayed a lower bound; ``slimgb``
    answers in milliseconds (dimension 0, vdim 18), so the certified count 18 is exact."""
    from verifier.checker.algebra import engine

    if engine._singular() is None:
        pytest.skip("Singular is not installed")
    net = mlp(1, [1, 1], activation=SQUARE)
    data = dataset_from_arrays([[1], [2], [3], [4]], [[2], [-3], [4], [-5]])
    cert = witness_degree(net, data, method="homotopy", timeout=60)
    claims = cert.to_json()["claims"]
    assert cert.status == "verified"
    assert claims[-1]["status"] == "verified" and "vdim = 18" in claims[-1]["message"]
