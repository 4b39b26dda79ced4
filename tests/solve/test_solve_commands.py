"""End to end: `verifier solve`, `verifier degree`, `verifier critical-points`, re-checked by `verifier check`."""

import json

import pytest

from verifier.algebra import engines
from verifier.checker import check_certificate
from verifier.checker.algebra import engine as checker_engine
from verifier.cli import main
from verifier.errors import BudgetExceeded

HAS_MSOLVE = engines.msolve_path() is not None
HAS_SINGULAR = checker_engine._singular() is not None

CUBE = {"format": "verifier-network", "version": 1, "name": "w (w x)^2", "activation": {"name": "power", "r": 2},
        "inputs": ["x0"], "outputs": ["y0"],
        "nodes": [{"id": "x0", "kind": "input"}, {"id": "h0", "kind": "hidden"}, {"id": "y0", "kind": "output"}],
        "edges": [{"from": "x0", "to": "h0", "weight": "w"}, {"from": "h0", "to": "y0", "weight": "w"}]}
SURF = {"format": "verifier-network", "version": 1, "name": "a (w x + b)^2", "activation": {"name": "power", "r": 2},
        "inputs": ["x0"], "outputs": ["y0"],
        "nodes": [{"id": "x0", "kind": "input"}, {"id": "h0", "kind": "hidden", "bias": "b"},
                  {"id": "y0", "kind": "output"}],
        "edges": [{"from": "x0", "to": "h0", "weight": "w"}, {"from": "h0", "to": "y0", "weight": "a"}]}


def _files(tmp_path):
    (tmp_path / "cube.json").write_text(json.dumps(CUBE))
    (tmp_path / "surf.json").write_text(json.dumps(SURF))
    (tmp_path / "one.csv").write_text("1,2\n")
    (tmp_path / "circle.txt").write_text("vars: x, y\n# a circle and a hyperbola\nx^2 + y^2 - 5\nx*y - 2\n")
    (tmp_path / "deficient.txt").write_text("vars: x, y\nx*y - 1\nx^2 - 2\n")
    return tmp_path


def _run(capsys, *argv):
    rc = main([*argv, "--json"])
    env = json.loads(capsys.readouterr().out)
    assert env["command"] in ("solve", "degree", "critical-points") and set(env["result"]) >= {"claims", "summary",
                                                                                                 "extra"}
    return rc, {**env, **env["result"]}        # the payload's claims, summary and extra beside the envelope


def _recheck(path, capsys):
    rc = main(["check", str(path)])
    out = capsys.readouterr().out
    return rc, out


def test_solve_file_circle(tmp_path, capsys):
    d = _files(tmp_path)
    rc, doc = _run(capsys, "solve", str(d / "circle.txt"), "--out", str(d / "c.json"), "--timeout", "60")
    assert rc == 0 and doc["status"] == "verified"
    s = doc["summary"]
    assert (s["certified"], s["real"], s["exact"], s["total_degree_bezout"]) == (4, 4, True, 4)
    assert s["disagreements"] == []
    assert _recheck(d / "c.json", capsys)[0] == 0


def test_solve_network_hand_case_w_cubed(tmp_path, capsys):
    """f(x) = w (w x)^2 at (1, 2): w^3 = 2, three simple complex solutions, one real (Bezout 3: exact)."""
    d = _files(tmp_path)
    rc, doc = _run(capsys, "solve", "--network", str(d / "cube.json"), "--data", str(d / "one.csv"),
                   "--out", str(d / "n.json"), "--method", "homotopy")
    assert rc == 0
    s = doc["summary"]
    assert (s["certified"], s["real"], s["non_real"], s["exact"]) == (3, 1, 2, True)
    rc, out = _recheck(d / "n.json", capsys)
    assert rc == 0 and "source network" in out


@pytest.mark.skipif(not HAS_SINGULAR, reason="Singular not installed")
def test_count_exact_through_singular(tmp_path, capsys):
    """x y = 1, x^2 = 2: two solutions, Bezout 4; exactness only from the checker's own Singular vdim."""
    d = _files(tmp_path)
    rc, doc = _run(capsys, "solve", str(d / "deficient.txt"), "--out", str(d / "s.json"), "--method", "homotopy")
    assert rc == 0
    claims = {c["id"]: c for c in doc["claims"]}
    assert claims["count-exact"]["status"] == "verified" and "Singular" in claims["count-exact"]["message"]
    assert doc["summary"]["certified"] == 2
    assert _recheck(d / "s.json", capsys)[0] == 0


def test_degree_witness_cubic_surface(tmp_path, capsys):
    """a (w x + b)^2 = 2 is a cubic surface in C^3: a generic line (2 slices) meets it in 3 points."""
    d = _files(tmp_path)
    rc, doc = _run(capsys, "degree", "--network", str(d / "surf.json"), "--data", str(d / "one.csv"),
                   "--out", str(d / "w.json"), "--seed", "3")
    assert rc == 0
    s = doc["summary"]
    assert s["certified"] == 3 and s["exact"] and s["total_degree_bezout"] == 3
    assert doc["extra"]["network_counts"]["liao_poggio"]["value"] == 2     # reported beside, not a bound
    assert _recheck(d / "w.json", capsys)[0] == 0


def test_critical_points_deep_linear_11111(tmp_path, capsys):
    """H=d=dx=dy=m=1: 5 complex critical points (m-Bezout 5: exact), 3 real: 2 global minima, 1 saddle."""
    d = _files(tmp_path)
    out = d / "dl.json"
    rc, doc = _run(capsys, "critical-points", "--deep-linear", "1,1,1,1,1", "--out", str(out))
    assert rc == 0
    s = doc["summary"]
    assert (s["certified"], s["real"], s["exact"], s["multihomogeneous_bezout"]) == (5, 3, True, 5)
    cert = json.loads(out.read_text())
    cl = next(c for c in cert["claims"] if c["id"] == "critical-classification")
    labels = sorted((p["label"], p["index"]) for p in cl["evidence"]["points"])
    assert labels == [("global-minimum", 0), ("global-minimum", 0), ("saddle", 1)]
    assert check_certificate(cert).ok


def test_critical_points_network_unregularised(tmp_path, capsys):
    """L = 1/2 (w^3 - 2)^2: critical points w^3 = 2 (3 complex, 1 real: L = 0 there) and w = 0 (double)."""
    d = _files(tmp_path)
    rc, doc = _run(capsys, "critical-points", "--network", str(d / "cube.json"), "--data", str(d / "one.csv"),
                   "--out", str(d / "nl.json"), "--method", "homotopy")
    # w = 0 is a singular (multiple) critical point: no box, so the count cannot be exact; the real
    # point w = 2^(1/3) is irrational, so it is a certified local minimum, not claimed as L = 0.
    cert = json.loads((d / "nl.json").read_text())
    cl = next(c for c in cert["claims"] if c["id"] == "critical-classification")
    assert [p["label"] for p in cl["evidence"]["points"]] == ["local-minimum"]
    assert check_certificate(cert).status == cert["status"]


@pytest.mark.parametrize("argv", [
    ["solve"], ["solve", "nofile.txt"], ["critical-points", "--deep-linear", "1,1,1"],
    ["critical-points", "--deep-linear", "1,1,1,1,0"], ["degree", "--network", "x.json"],
    ["solve", "--network", "NET", "--data", "DATA", "--timeout", "0"],
])
def test_bad_input_exit_2_no_files(tmp_path, capsys, argv, monkeypatch):
    d = _files(tmp_path)
    monkeypatch.chdir(d)
    before = set(p.name for p in d.iterdir())
    argv = [str(d / "cube.json") if a == "NET" else str(d / "one.csv") if a == "DATA" else a for a in argv]
    assert main([*argv, "--out", str(d / "new.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("verifier: error:")
    assert set(p.name for p in d.iterdir()) == before


@pytest.mark.parametrize("text", ["vars: x\n__import__('os')\n", "vars: x, y\nx^(1/2)\ny\n",
                                  "vars: x, y\n(x + y\ny\n", "x^2\n", "vars: x, y\nx^2 - 1\n", "vars: x\n3\n"])
def test_bad_system_files(tmp_path, capsys, text):
    p = tmp_path / "bad.txt"
    p.write_text(text)
    assert main(["solve", str(p), "--out", str(tmp_path / "o.json")]) == 2
    assert not (tmp_path / "o.json").exists()
    assert "error" in capsys.readouterr().err


def test_network_not_square_is_bad_input(tmp_path, capsys):
    d = _files(tmp_path)
    assert main(["solve", "--network", str(d / "surf.json"), "--data", str(d / "one.csv")]) == 2
    assert "degree" in capsys.readouterr().err


@pytest.mark.skipif(not HAS_SINGULAR, reason="Singular (passagemath-singular) is not installed")
def test_empty_system_count_zero_is_exact(tmp_path, capsys):
    """x*y = 1 and x*y = 2 have no common solution: Singular's basis {1} makes the count 0 exact."""
    (tmp_path / "empty.txt").write_text("vars: x, y\nx*y - 1\n(x*y) - 2\n")
    rc, doc = _run(capsys, "solve", str(tmp_path / "empty.txt"), "--out", str(tmp_path / "e.json"),
                   "--method", "homotopy")
    assert rc == 0 and doc["summary"]["certified"] == 0 and doc["summary"]["exact"] is True
    assert _recheck(tmp_path / "e.json", capsys)[0] == 0


@pytest.mark.skipif(not HAS_SINGULAR, reason="Singular (passagemath-singular) is not installed")
def test_count_zero_on_a_solvable_system_is_not_exact(tmp_path, capsys):
    """Dropping every box of a solvable system leaves count 0, which Singular (dim 0, vdim 4) does not confirm."""
    d = _files(tmp_path)
    rc, doc = _run(capsys, "solve", str(d / "circle.txt"), "--out", str(d / "c.json"), "--method", "homotopy")
    cert = json.loads((d / "c.json").read_text())
    for cl in cert["claims"]:
        if cl["id"] == "solutions-certified":
            cl["evidence"].update(boxes=[], certified=0, real=0, non_real=0, undecided=0)
        if cl["id"] == "count-exact":
            cl["evidence"].update(count=0, method="singular")
    from verifier.checker.format import digest
    cert["digest"] = digest(cert)
    rep = check_certificate(cert)
    line = next(ln for ln in rep.lines if "count-exact" in ln)
    assert "verified     -> inconclusive" in line or "-> inconclusive" in line, rep.text()


def test_singular_endpoints_that_are_simple_roots_get_certified():
    """Regression: on this square network the total-degree tracker ends 12 paths each at two simple roots
    of large modulus and labels them singular; certifying the tracker's singular endpoints too proves
    them, so all 8 solutions (msolve: 8, all simple) are boxed."""
    from flint import fmpq

    from verifier.activations import polynomial
    from verifier.data import Dataset
    from verifier.network import mlp
    from verifier.theorems.solving import solve_network

    rows = [(1, 2), (3, -1), (0, 5), (2, 2), (-1, -3)]
    data = Dataset([[fmpq(a), fmpq(b)] for a, b in rows], [[fmpq(y)] for y in (1, 2, 0, 4, 1)])
    doc = solve_network(mlp(2, [1], activation=polynomial(["0", "1", "0", "1"])), data, method="homotopy",
                        timeout=120).to_json()
    assert doc["summary"]["certified"] == 8 and doc["status"] == "verified"
    assert check_certificate(doc).ok


@pytest.mark.parametrize("target, rc_want, status, words", [
    ("1", 0, "verified", "nonzero constant -1"),           # f(0) = 0 without biases: the residual is -1, V(H) empty
    ("0", 1, "inconclusive", "identically 0"),             # the residual is 0 = 0: it constrains nothing
])
def test_degree_with_the_zero_input_is_an_answer_not_a_traceback(tmp_path, capsys, target, rc_want, status, words):
    """A network without biases maps the zero input to 0, so its residual is the constant -y: with y != 0, V(H)
    is empty (verified, exactly: no witness point and none missing); with y = 0 the equation is 0 = 0, V(H) has
    no (n - l*d)-dimensional part and the answer is inconclusive with that reason. Never exit 2, never a
    traceback, and the checker agrees; the Bezout message names the constant residual."""
    from verifier.activations import power
    from verifier.network import mlp, network_to_json
    (tmp_path / "nb.json").write_text(json.dumps(network_to_json(mlp(1, [2], activation=power(2), bias=False))))
    (tmp_path / "z.csv").write_text(f"0,{target}\n1,2\n")
    out = tmp_path / "w.json"
    for method in ("homotopy", "monodromy"):
        rc, doc = _run(capsys, "degree", "--network", str(tmp_path / "nb.json"), "--data", str(tmp_path / "z.csv"),
                       "--method", method, "--out", str(out))
        assert rc == rc_want and doc["status"] == status, doc
        sol = next(c for c in doc["claims"] if c["id"] == "solutions-certified")
        assert words in sol["message"] and doc["summary"]["certified"] == 0
        assert _recheck(out, capsys)[0] == rc_want
    rc = main(["verify", "liao-poggio-bezout", "--network", str(tmp_path / "nb.json"), "--data",
               str(tmp_path / "z.csv")])
    text = capsys.readouterr().out
    assert rc == 0 and "-1..3" not in text and "total None" not in text
    assert ("nonzero constant -1" if target == "1" else "identically 0") in text


def test_path_budget_is_inconclusive_not_bad_input(tmp_path, capsys):
    """H = 2, d = 2, dx = dy = m = 1: the total-degree start system has 5^8 = 390625 paths, past the tracker's
    budget of 200000. A budget is not bad input: the certificate is written, inconclusive, with the reason
    (exit 1, never 2), and the checker agrees."""
    out = tmp_path / "dl.json"
    rc, doc = _run(capsys, "critical-points", "--deep-linear", "2,2,1,1,1", "--method", "homotopy", "--start",
                   "total-degree", "--out", str(out))
    assert rc == 1 and doc["status"] == "inconclusive"
    assert "max_paths=200000" in doc["reason"]
    assert json.loads(out.read_text())["extra"]["homotopy"]["status"] == "not run"
    assert _recheck(out, capsys)[0] == 1


def test_auto_start_takes_the_sparse_start_system_where_it_pays(tmp_path, capsys):
    """H = 4, d = dx = dy = m = 1 (five weights): total degree 9^5 = 59049, mixed volume 129, so the start system
    chosen by measurement is the sparse one (its 129 roots found by monodromy), and every critical point is
    certified, the count exact."""
    out = tmp_path / "dl.json"
    rc, doc = _run(capsys, "critical-points", "--deep-linear", "4,1,1,1,1", "--method", "homotopy", "--out", str(out))
    assert rc == 0 and doc["status"] == "verified", doc
    cert = json.loads(out.read_text())
    assert cert["extra"]["homotopy"]["start_system"] == "sparse" and cert["extra"]["homotopy"]["paths"] == 129
    assert cert["summary"]["certified"] == 129 and cert["summary"]["exact"]
    assert _recheck(out, capsys)[0] == 0


def test_solve_prints_the_solutions_and_writes_them(tmp_path, capsys):
    """The text output ends with a table of the certified solutions; --solutions-out writes CSV or JSON."""
    import csv
    d = _files(tmp_path)
    rc = main(["solve", str(d / "circle.txt"), "--method", "homotopy", "--solutions-out", str(d / "s.csv")])
    out = capsys.readouterr().out
    assert rc == 0
    table = out[out.index("  solutions   4 certified boxes"):].splitlines()
    assert table[1].split() == ["#", "real", "x", "y"]
    assert sorted(tuple(line.split()[2:]) for line in table[2:6]) == [("-1", "-2"), ("-2", "-1"), ("1", "2"),
                                                                        ("2", "1")]
    assert f"solutions   {d / 's.csv'}" in out
    rows = list(csv.DictReader((d / "s.csv").open()))
    assert [r["solution"] for r in rows] == ["1", "2", "3", "4"] and {r["real"] for r in rows} == {"true"}
    assert sorted((float(r["x_re"]), float(r["y_re"])) for r in rows) == [(-2, -1), (-1, -2), (1, 2), (2, 1)]
    assert {float(r["x_im"]) for r in rows} == {0.0} and all(0 < float(r["radius"]) < 1e-10 for r in rows)
    rc, doc = _run(capsys, "solve", str(d / "circle.txt"), "--method", "homotopy", "--solutions-out",
                   str(d / "s.json"))
    assert doc["files"] == [str(d / "s.json")] and doc["result"]["variables"] == ["x", "y"]
    saved = json.loads((d / "s.json").read_text())
    assert saved["count"] == 4 and saved["variables"] == ["x", "y"] and saved["solutions"] == doc["solutions"]
    assert sorted(tuple(r["center"][0]) for r in saved["solutions"]) == [("-1", "0"), ("-2", "0"), ("1", "0"),
                                                                         ("2", "0")]


def test_critical_points_table_labels_and_truncation(tmp_path, capsys):
    from verifier.solutions import solution_rows, solutions_table
    d = _files(tmp_path)
    rc = main(["critical-points", "--deep-linear", "1,1,1,1,1", "--out", str(d / "dl.json")])
    out = capsys.readouterr().out
    assert rc == 0 and "saddle (index 1)  1/1/0" in out and out.count("global-minimum    2/0/0") == 2
    doc = json.loads((d / "dl.json").read_text())
    names, rows = solution_rows(doc)
    assert len(rows) == 5 and sorted(str(r["label"]) for r in rows) == ["None", "None", "global-minimum",
                                                                         "global-minimum", "saddle"]
    lines = solutions_table(doc, limit=2)
    assert len(lines) == 1 + 1 + 2 + 1 and lines[-1].strip().startswith("... and 3 more")


def test_multiplicities_are_grouped():
    from verifier.certificate import _multiplicities
    assert _multiplicities([]) == "-"
    assert _multiplicities([3, 2, 2, 1]) == "3, 2 (x2), 1"
    assert _multiplicities([2] * 240) == "2 (x240)"


@pytest.mark.parametrize("name", ["s.txt", "sub/s.csv", "same"])
def test_bad_solutions_out(tmp_path, capsys, name):
    d = _files(tmp_path)
    before = set(p.name for p in d.iterdir())
    target = str(d / "c.json") if name == "same" else str(d / name)
    assert main(["solve", str(d / "circle.txt"), "--out", str(d / "c.json"), "--solutions-out", target]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("verifier: error:")
    assert set(p.name for p in d.iterdir()) == before


# --------------------------------------------------------------------------- the route chosen per system

needs_msolve_and_singular = pytest.mark.skipif(not (HAS_MSOLVE and HAS_SINGULAR),
                                               reason="needs msolve and Singular (pip install -e '.[algebra]')")


@needs_msolve_and_singular
def test_default_route_is_msolve_above_the_threshold_and_exact(tmp_path, capsys):
    """H = 1, d = 2, dx = dy = 2, m = 1: 3^8 = 6561 total-degree paths (the mixed volume, 1921, saves less than
    the monodromy of the sparse start costs), so the default route is msolve alone.
    Every one of the 33 complex critical points (Bharadwaj's Table 3.1) is a Krawczyk box built from msolve's
    rational parametrization, the count is exact by the checker's Singular vdim, every real point is classified,
    and `verifier check` agrees."""
    from verifier.theorems.solving import ROUTE_MSOLVE_ABOVE_PATHS
    out = tmp_path / "dl.json"
    rc, doc = _run(capsys, "critical-points", "--deep-linear", "1,2,2,2,1", "--out", str(out))
    assert rc == 0 and doc["status"] == "verified"
    route = doc["extra"]["route"]
    assert route["method"] == "msolve" and route["start"] == "total-degree"
    assert route["start_paths"] == 6561 > ROUTE_MSOLVE_ABOVE_PATHS
    assert doc["summary"]["route"]["method"] == "msolve" and "6561 paths" in doc["summary"]["route"]["reason"]
    assert "homotopy" not in doc["extra"]
    s = doc["summary"]
    assert (s["certified"], s["undecided"], s["exact"]) == (33, 0, True)
    claims = {c["id"]: c for c in json.loads(out.read_text())["claims"]}
    assert claims["count-exact"]["evidence"]["method"] == "singular"
    assert "vdim = 33" in claims["count-exact"]["message"]
    assert len(claims["critical-classification"]["evidence"]["points"]) == s["real"]
    rc, text = _recheck(out, capsys)
    assert rc == 0 and "checker: verified" in text
    main(["critical-points", "--deep-linear", "1,2,2,2,1"])
    text = capsys.readouterr().out
    assert "route       msolve: the total-degree start system has 6561 paths" in text
    assert "certified   33 complex solutions" in text


@needs_msolve_and_singular
def test_default_route_counts_equal_the_published_ones(capsys):
    """Small rows of Bharadwaj's tables, default route: the certified counts are exact and equal the published
    ones (17 for H = 2, d = 1: the table's 16 misses the origin)."""
    from verifier.theorems.solving import critical_points_deep_linear
    for row, nc in (((1, 1, 1, 1, 1), 5), ((1, 1, 3, 3, 1), 13), ((2, 1, 1, 1, 1), 17)):
        doc = critical_points_deep_linear(*row, seed=0, timeout=60).to_json()
        assert doc["status"] == "verified", row
        assert (doc["summary"]["certified"], doc["summary"]["exact"]) == (nc, True), row
        assert doc["extra"]["disagreements"] == [], row
    # 9 paths: both routes run and agree; 729 paths: msolve alone
    assert critical_points_deep_linear(1, 1, 1, 1, 1, timeout=60).to_json()["extra"]["route"]["method"] == "both"
    assert critical_points_deep_linear(1, 1, 3, 3, 1, timeout=60).to_json()["extra"]["route"]["method"] == "msolve"


def test_default_route_without_msolve_is_the_homotopy(monkeypatch):
    """With msolve absent (engine detection patched) the default route is the homotopy, whatever the size."""
    from verifier.solver.critical import deep_linear_gradient
    from verifier.theorems import solving
    monkeypatch.setattr(engines, "msolve_path", lambda: None)
    gs = deep_linear_gradient(2, 2, 1, 1, 1)
    route = solving.choose_route(gs.equations, [list(range(gs.N))], "total-degree")
    assert route["method"] == "homotopy" and "not installed" in route["reason"] and route["start_paths"] == 390625
    doc = solving.critical_points_deep_linear(1, 1, 1, 1, 1, timeout=60).to_json()
    assert doc["extra"]["route"]["method"] == "homotopy" and "msolve" not in doc["extra"]
    assert doc["summary"]["certified"] == 5 and doc["extra"]["homotopy"]["paths"] == 9


@pytest.mark.skipif(not HAS_MSOLVE, reason="needs msolve")
def test_method_homotopy_still_forces_the_homotopy(tmp_path, capsys, monkeypatch):
    """--method homotopy is obeyed on a row the default would give to msolve (the threshold is lowered to 50
    so that an 81-path row, fast enough for a unit test, is above it)."""
    from verifier.theorems import solving
    monkeypatch.setattr(solving, "ROUTE_MSOLVE_ABOVE_PATHS", 50)
    assert solving.critical_points_deep_linear(1, 1, 2, 2, 1, timeout=60).to_json()["extra"]["route"]["method"] \
        == "msolve"
    out = tmp_path / "h.json"
    rc, doc = _run(capsys, "critical-points", "--deep-linear", "1,1,2,2,1", "--method", "homotopy", "--out", str(out))
    assert rc == 0 and "msolve" not in doc["extra"] and "route" not in doc["extra"]
    assert json.loads(out.read_text())["extra"]["homotopy"]["paths"] == 81
    assert doc["summary"]["route"] == {"method": "homotopy", "reason": "given by --method"}
    assert doc["summary"]["certified"] == 9


@needs_msolve_and_singular
def test_msolve_failure_on_the_auto_route_falls_back_to_the_homotopy(monkeypatch):
    """An msolve error on the auto route is reported, and the homotopy runs with the time that is left."""
    from verifier.solver import exact
    from verifier.theorems import solving

    def broken(*a, **k):
        raise RuntimeError("engine crashed")
    monkeypatch.setattr(solving, "ROUTE_MSOLVE_ABOVE_PATHS", 5)
    monkeypatch.setattr(exact, "complex_solutions", broken)
    doc = solving.critical_points_deep_linear(1, 1, 1, 1, 1, timeout=60).to_json()
    assert doc["extra"]["msolve"]["status"] == "failed" and "engine crashed" in doc["extra"]["route"]["fallback"]
    assert doc["extra"]["homotopy"]["paths"] == 9 and doc["summary"]["certified"] == 5
    assert doc["status"] == "verified"


@needs_msolve_and_singular
def test_msolve_out_of_its_share_of_the_budget_leaves_time_for_the_homotopy(monkeypatch):
    """msolve alone gets MSOLVE_ROUTE_SHARE of --timeout; when it runs out of that (a budget, not an answer),
    the homotopy runs with what is left, so the answer is certified points, not none."""
    from verifier.solver import exact
    from verifier.theorems import solving
    seen = []

    def slow(*a, **k):
        seen.append(k["timeout"])
        raise BudgetExceeded(f"msolve ran past the {k['timeout']:g} s time budget")
    monkeypatch.setattr(solving, "ROUTE_MSOLVE_ABOVE_PATHS", 5)
    monkeypatch.setattr(exact, "complex_solutions", slow)
    doc = solving.critical_points_deep_linear(1, 1, 1, 1, 1, timeout=60).to_json()
    assert seen == [pytest.approx(60 * solving.MSOLVE_ROUTE_SHARE)]
    assert "ran past" in doc["extra"]["route"]["fallback"] and doc["summary"]["certified"] == 5


@needs_msolve_and_singular
def test_a_tampered_msolve_route_box_is_rejected(tmp_path, capsys):
    """A box of the msolve route moved off its solution: the checker no longer verifies the certificate."""
    from verifier.checker.format import parse_rational, rational_str
    out = tmp_path / "dl.json"
    rc, doc = _run(capsys, "critical-points", "--deep-linear", "1,1,3,3,1", "--out", str(out))
    assert rc == 0 and doc["extra"]["route"]["method"] == "msolve"
    cert = json.loads(out.read_text())
    sol = next(c for c in cert["claims"] if c["id"] == "solutions-certified")
    box = sol["evidence"]["boxes"][-1]
    box["center"][0][0] = rational_str(parse_rational(box["center"][0][0]) + parse_rational("1/3"))
    out.write_text(json.dumps(cert))
    rc, text = _recheck(out, capsys)
    assert rc != 0 and "checker: verified" not in text


def _degree_even(tmp_path, capsys, rows):
    """`verifier degree` on a (w x)^2 network without biases: f = alpha x^2 + c, so the data decide V(H)."""
    from verifier.activations import power
    from verifier.network import mlp, network_to_json
    (tmp_path / "ev.json").write_text(json.dumps(network_to_json(mlp(1, [2], activation=power(2), bias=False,
                                                                     output_bias=True))))
    (tmp_path / "ev.csv").write_text("".join(f"{x},{y}\n" for x, y in rows))
    out = tmp_path / "ev-cert.json"
    return (*_run(capsys, "degree", "--network", str(tmp_path / "ev.json"), "--data", str(tmp_path / "ev.csv"),
                  "--out", str(out)), out)


@pytest.mark.skipif(not HAS_SINGULAR, reason="Singular (passagemath-singular) is not installed")
def test_degree_of_an_empty_variety_is_zero_and_verified(tmp_path, capsys):
    """alpha + c = 0, 4 alpha + c = 1, 9 alpha + c = 0 has no solution: V(H) is empty, which the checker's
    Singular run on the residuals alone shows, so the degree 0 is verified (not 'a lower bound of 0')."""
    rc, doc, out = _degree_even(tmp_path, capsys, [(1, 0), (2, 1), (3, 0)])
    sol = next(c for c in doc["claims"] if c["id"] == "solutions-certified")
    assert rc == 0 and doc["status"] == "verified" and doc["summary"]["certified"] == 0, doc
    assert "V(H) is empty" in sol["message"] and doc["summary"]["exact"] is True
    assert _recheck(out, capsys)[0] == 0


@pytest.mark.skipif(not HAS_SINGULAR, reason="Singular (passagemath-singular) is not installed")
def test_degree_zero_is_exact_from_the_residuals_alone(tmp_path, capsys, monkeypatch):
    """The count 0 of an empty V(H) is exact from Singular's run on the residuals alone: the sliced system, which
    Singular may not finish (here: made to fail), need not be solved."""
    from verifier.checker.solve import rules
    real = rules.engine.singular_vdim

    def only_the_residuals(H, **k):
        return real(H, **k) if len(H) == 3 else None      # the 3 residuals; the sliced system has 5 equations
    monkeypatch.setattr(rules.engine, "singular_vdim", only_the_residuals)
    rc, doc, out = _degree_even(tmp_path, capsys, [(1, 0), (2, 1), (3, 0)])
    cex = next(c for c in doc["claims"] if c["id"] == "count-exact")
    assert rc == 0 and cex["status"] == "verified" and "residuals H alone" in cex["message"], cex
    assert doc["summary"]["exact"] is True and _recheck(out, capsys)[0] == 0


@pytest.mark.skipif(not HAS_SINGULAR, reason="Singular (passagemath-singular) is not installed")
def test_dropped_witness_points_are_not_a_degree_zero(tmp_path, capsys):
    """Adversarial: the boxes of a nonempty V(H) removed and the count restated as 0: the checker's run on the
    residuals finds V(H) nonempty and refuses the 0."""
    rc, doc, out = _degree_even(tmp_path, capsys, [(1, 1), (2, 4)])
    assert rc == 0 and doc["summary"]["certified"] >= 1, doc
    cert = json.loads(out.read_text())
    for cl in cert["claims"]:
        if cl["id"] == "solutions-certified":
            cl["evidence"].update(boxes=[], certified=0, real=0, non_real=0, undecided=0)
        if cl["id"] == "count-exact":
            cl["evidence"].update(count=0, method="singular")
    cert["summary"]["certified"] = 0
    from verifier.checker.format import digest
    cert["digest"] = digest(cert)
    rep = check_certificate(cert)
    line = next(ln for ln in rep.lines if "solutions-certified" in ln)
    assert not rep.ok and "-> inconclusive" in line and "nonempty" in line, rep.text()


def test_the_solver_passes_its_budget_left_to_the_rules_engine_runs(tmp_path, monkeypatch):
    """The claims' own Singular runs (a count with no box) get what is left of --timeout, not the checker's
    120 s; `verifier check` does not start Singular for a count stated inconclusive (it confirms, never upgrades)."""
    from verifier.checker.solve import rules
    from verifier.theorems.solving import solve_file
    seen = []

    def fake(H, *, timeout=120):
        seen.append(timeout)
        return None

    monkeypatch.setattr(rules.engine, "singular_vdim", fake)
    monkeypatch.setattr(rules.engine, "singular_mixed_volume", lambda *a, **k: None)
    (tmp_path / "e.txt").write_text("vars: x, y\nx*y - 1\n(x*y) - 2\n")
    doc = solve_file(str(tmp_path / "e.txt"), method="homotopy", timeout=7.0).to_json()
    assert seen and all(t <= 7.0 for t in seen), seen
    assert doc["status"] == "inconclusive"
    seen.clear()
    rep = check_certificate(json.loads(json.dumps(doc)))
    assert seen == [] and rep.status == "inconclusive" and "not re-run" in rep.text(), rep.text()
