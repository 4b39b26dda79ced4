"""Happy paths through the real command line (``python -m verifier ...`` in a subprocess).

Exit codes: 0 verified, 1 refuted, inconclusive or not-applicable (with the reason), 2 bad input
(tests/cli/test_bad_input.py). Runs share module-scoped folders to stay fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
THEOREM_IDS = ("cooper-2.1", "cooper-2.3", "cooper-3.3", "cooper-3.4", "cooper-4.1", "cooper-4.2")
CLAIMS_41 = ("distinct-inputs", "activation-rectified", "activation-smooth", "overparameterized", "hidden-width",
             "construction",
             "zero", "rank-J", "manifold", "hessian-signature")
ENVELOPE = {"command", "theorem", "tier", "status", "reason", "counts", "certificate", "files", "timings_s", "result"}
PTS = "x1,x2,y\n0,0,1\n1,0,-1\n0,1,1/2\n1,1,0.25\n"


def run_cli(args, cwd, timeout=180):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.run([sys.executable, "-m", "verifier", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def run_module_checker(cert, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "verifier.checker", str(cert)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)


def ok(res, code=0):
    assert res.returncode == code, f"exit {res.returncode}\n--- stdout\n{res.stdout[-3000:]}\n--- stderr\n" \
                                   f"{res.stderr[-3000:]}"
    assert "Traceback" not in res.stderr
    return res


# ----------------------------------------------------------------------------- theorems

def test_theorems_lists_every_theorem(tmp_path):
    out = ok(run_cli(["theorems"], tmp_path)).stdout
    for tid in THEOREM_IDS:
        assert tid in out
    assert "hypotheses:" in out and "--network" in out

    env = json.loads(ok(run_cli(["theorems", "--json"], tmp_path)).stdout)
    assert env["command"] == "theorems" and env["status"] == "ok"
    doc = env["result"]["theorems"]
    from verifier.checker.format import STATEMENTS
    assert [t["id"] for t in doc] == list(STATEMENTS)        # every theorem id, once, in one registry
    for tid in STATEMENTS:
        assert tid in out
    for t in doc:
        assert set(t) == {"id", "title", "source", "statement", "hypotheses", "hypothesis_claims", "needs",
                          "options", "engines", "tiers", "commands"}
        assert t["title"] and t["statement"] and isinstance(t["hypotheses"], list)
    needs = {t["id"]: t["needs"] for t in doc}
    assert needs["cooper-2.1"] == ["data", "network", "point"]
    assert needs["cooper-4.1"] == ["data"]


# ----------------------------------------------------------------------------- verify -> check -> report

@pytest.fixture(scope="module")
def cert41(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cert41")
    (folder / "pts.csv").write_text(PTS, encoding="utf-8")
    res = run_cli(["verify", "cooper-4.1", "--data", "pts.csv", "--out", "cert.json"], folder)
    return folder, res


def test_verify_41_writes_a_certificate(cert41):
    folder, res = cert41
    ok(res)
    assert res.stdout.startswith("cooper-4.1  verified")
    assert "n = 17, d = 4, l = 1" in res.stdout
    assert "certificate cert.json" in res.stdout
    doc = json.loads((folder / "cert.json").read_text(encoding="utf-8"))
    assert doc["format"] == "verifier-certificate" and doc["theorem"] == "cooper-4.1"
    assert doc["status"] == "verified" and doc["reason"] == ""
    assert [c["id"] for c in doc["claims"]] == list(CLAIMS_41)
    assert all(c["status"] == "verified" for c in doc["claims"])
    assert (doc["summary"]["n"], doc["summary"]["d"], doc["summary"]["l"]) == (17, 4, 1)
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]      # no temporary files left


def test_module_checker_accepts_the_certificate(cert41):
    folder, _ = cert41
    res = run_module_checker("cert.json", folder)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "checker: verified" in res.stdout


def _instance_hash(folder):
    from verifier.checker.format import instance_hash
    doc = json.loads((folder / "cert.json").read_text(encoding="utf-8"))
    return instance_hash(doc["instance"])


def test_check_accepts_the_certificate_verify_wrote(cert41):
    folder, _ = cert41
    res = ok(run_cli(["check", "cert.json"], folder))
    out = res.stdout
    assert "checking cooper-4.1" in out
    assert "n = 17" in out and "d = 4" in out and "l = 1" in out
    assert f"instance sha256 {_instance_hash(folder)[:16]}" in out
    assert "problem" not in out
    assert out.rstrip().splitlines()[-1].startswith("checker: verified")


@pytest.fixture(scope="module")
def check_json(cert41):
    folder, _ = cert41
    return folder, run_cli(["check", "cert.json", "--json"], folder)


def test_check_json_parses(check_json):
    folder, res = check_json
    assert res.returncode in (0, 1) and "Traceback" not in res.stderr
    env = json.loads(res.stdout)
    assert set(env) == ENVELOPE and env["command"] == "check" and env["theorem"] == "cooper-4.1"
    doc = env["result"]
    assert "checking cooper-4.1" in doc["header"]
    assert "n = 17, d = 4, l = 1" in doc["header"]
    assert _instance_hash(folder)[:16] in doc["header"]
    assert [c["id"] for c in doc["claims"]] == list(CLAIMS_41)            # structured, one per claim
    assert all(set(c) == {"id", "stated", "checked", "message"} for c in doc["claims"])
    assert env["counts"]["verified"] == len(CLAIMS_41) and doc["problems"] == []


def test_check_json_says_verified(check_json):
    _, res = check_json
    doc = json.loads(res.stdout)
    assert doc["result"]["claims"] and doc["result"]["problems"] == [] and doc["reason"] == ""
    assert doc["result"]["ok"] is True and doc["status"] == "verified"
    assert all(c["checked"] == "verified" for c in doc["result"]["claims"])
    assert res.returncode == 0


def _check_markdown(text):
    assert text.startswith("# cooper-4.1: verified")
    assert "## Claims" in text
    lines = text.splitlines()
    head = lines.index("| claim | status | scope | what was shown |")
    assert lines[head + 1] == "|---|---|---|---|"
    rows = [line for line in lines[head + 2:head + 2 + len(CLAIMS_41)]]
    assert [r.split("|")[1].strip() for r in rows] == [f"`{c}`" for c in CLAIMS_41]
    assert all(r.split("|")[2].strip() == "verified" for r in rows)
    assert "| parameters n | 17 |" in text and "| data points d | 4 |" in text


def test_report_of_the_certificate_verify_wrote(cert41):
    folder, _ = cert41
    res = ok(run_cli(["report", "cert.json"], folder))
    _check_markdown(res.stdout)


def test_report_markdown_claims_table(cert41, tmp_path):
    # `report --out --no-figures` writes the same Markdown to a file; by default figures go beside it.
    folder, _ = cert41
    doc = json.loads((folder / "cert.json").read_text(encoding="utf-8"))
    (tmp_path / "c.json").write_text(json.dumps(doc), encoding="utf-8")
    res = ok(run_cli(["report", "c.json"], tmp_path))
    _check_markdown(res.stdout)
    ok(run_cli(["report", "c.json", "--out", "r.md", "--no-figures"], tmp_path))
    assert (tmp_path / "r.md").read_text(encoding="utf-8").strip() == res.stdout.strip()
    ok(run_cli(["report", "c.json", "--out", "f.md"], tmp_path))
    assert (tmp_path / "f-figures" / "architecture.svg").is_file()
    assert "f-figures/architecture.svg" in (tmp_path / "f.md").read_text(encoding="utf-8")


def test_report_takes_json_like_every_command(cert41, tmp_path):
    folder, _ = cert41
    doc = json.loads((folder / "cert.json").read_text(encoding="utf-8"))
    doc["timings_s"] = {}
    (tmp_path / "c.json").write_text(json.dumps(doc), encoding="utf-8")
    res = ok(run_cli(["report", "c.json", "--json"], tmp_path))
    json.loads(res.stdout)


def test_verify_json_output(tmp_path):
    (tmp_path / "pts.csv").write_text(PTS, encoding="utf-8")
    res = ok(run_cli(["verify", "cooper-4.1", "--data", "pts.csv", "--json", "--out", "c.json"], tmp_path))
    doc = json.loads(res.stdout)
    assert set(doc) == ENVELOPE and doc["command"] == "verify" and doc["tier"] == "rigorous"
    assert doc["theorem"] == "cooper-4.1" and doc["status"] == "verified" and doc["reason"] == ""
    assert doc["certificate"] == "c.json" and (tmp_path / "c.json").is_file()
    assert doc["counts"] == {"verified": len(CLAIMS_41), "refuted": 0, "inconclusive": 0}
    assert [c["id"] for c in doc["result"]["claims"]] == list(CLAIMS_41)
    assert all(set(c) == {"id", "status", "scope", "message"} for c in doc["result"]["claims"])
    assert res.stderr == ""          # --json: no progress lines


# ----------------------------------------------------------------------------- the other theorems

def test_verify_21_at_a_gauss_newton_point(tmp_path):
    from verifier.data import load_dataset
    from verifier.network import mlp, network_to_json, point_to_json
    from verifier.system import compile_system
    from verifier.search import gauss_newton

    (tmp_path / "pts.csv").write_text(PTS, encoding="utf-8")
    net = mlp(2, [3], activation="softplus")
    system = compile_system(net, load_dataset(tmp_path / "pts.csv"))
    w = gauss_newton(system, np.random.default_rng(0).normal(size=net.n), steps=50)
    assert np.abs(system.value_f64(w)).max() < 1e-10
    (tmp_path / "net.json").write_text(json.dumps(network_to_json(net)), encoding="utf-8")
    (tmp_path / "w.json").write_text(json.dumps(point_to_json(net, w)), encoding="utf-8")

    res = ok(run_cli(["verify", "cooper-2.1", "--data", "pts.csv", "--network", "net.json", "--point", "w.json",
                      "--out", "c.json"], tmp_path))
    assert res.stdout.startswith("cooper-2.1  verified")
    assert "n = 13, d = 4, l = 1" in res.stdout
    doc = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert {c["id"]: c["status"] for c in doc["claims"]}["manifold"] == "verified"
    assert run_module_checker("c.json", tmp_path).returncode == 0


def test_verify_34_depth_2(tmp_path):
    (tmp_path / "pts.csv").write_text(PTS, encoding="utf-8")
    res = ok(run_cli(["verify", "cooper-3.4", "--data", "pts.csv", "--depth", "2"], tmp_path))
    assert res.stdout.startswith("cooper-3.4  verified")
    assert "mlp 2-1-4-1" in res.stdout


def test_verify_42_two_outputs(tmp_path):
    (tmp_path / "two.csv").write_text("x,y1,y2\n0,0,1\n1,1,0\n2,-1,1/2\n", encoding="utf-8")
    res = ok(run_cli(["verify", "cooper-4.2", "--data", "two.csv", "--outputs", "2", "--json"], tmp_path))
    doc = json.loads(res.stdout)
    assert doc["status"] == "verified"
    msgs = {c["id"]: c["message"] for c in doc["result"]["claims"]}
    assert "l*d = 6" in msgs["overparameterized"]
    assert "6 eigenvalues" in msgs["hessian-signature"]


def test_activation_that_is_not_rectified_is_not_applicable(tmp_path):
    (tmp_path / "pts.csv").write_text(PTS, encoding="utf-8")
    res = ok(run_cli(["verify", "cooper-4.1", "--data", "pts.csv", "--activation", "tanh", "--out", "c.json"],
                     tmp_path), code=1)
    assert res.stdout.startswith("cooper-4.1  not-applicable")
    assert "reason      activation-rectified: tanh: not every activation is rectified" in res.stdout
    doc = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert doc["status"] == "not-applicable" and "tanh" in doc["reason"]


# ----------------------------------------------------------------------------- demo

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    return folder, run_cli(["demo", "--out-dir", "X"], folder)


def test_demo_writes_certificates_and_reports(demo):
    folder, res = demo
    ok(res)
    assert "Proven:" in res.stdout
    for name in ("cooper-4.1", "cooper-2.3"):
        assert (folder / "X" / f"{name}.json").is_file()
        assert (folder / "X" / f"{name}.md").read_text(encoding="utf-8").startswith(f"# {name}: verified")
    assert run_module_checker("X/cooper-4.1.json", folder).returncode == 0


def test_check_accepts_the_demo_certificate(demo):
    folder, res = demo
    assert res.returncode == 0
    out = ok(run_cli(["check", "X/cooper-4.1.json"], folder)).stdout
    assert "checking cooper-4.1" in out and out.rstrip().endswith(")")
    assert "checker: verified" in out



def test_closed_pipe_stops_quietly():
    """`verifier ... | head` must not end in a traceback when the reader goes away."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    r, w = os.pipe()
    os.close(r)                    # nobody reads: the first write fails with EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "verifier", "theorems"], stdout=w, stderr=subprocess.PIPE,
                              text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    finally:
        os.close(w)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 141
