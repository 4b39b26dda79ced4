"""The scripts in examples/ run as users would run them."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# script -> (a characteristic line of its output, the files it writes into --out-dir)
SCRIPTS = {
    "verify_theorem_4_1_from_csv.py": ("cooper-4.1  verified", {"cert.json", "report.md", "points.csv"}),
    "train_then_certify.py": ("numerical counts match the certified signature", {"cert.json", "report.html"}),
    "multi_output.py": ("the square system splits into 3 independent blocks (one per output):",
                        {"cert.json", "points.csv", "report.html"}),
    "notebook_train_verify_report.py": ("Certificate(theorem='cooper-2.3', status='verified', tier='rigorous', n=17, "
                                        "d=4, l=1, claims=7)", {"cert.json", "report.html", "figures"}),
}
CHECKED = "result: VERIFIED and independently re-checked"


def _env(tmp_path):
    tmp = tmp_path / "tmpdir"
    tmp.mkdir(exist_ok=True)
    return dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1",
                TMPDIR=str(tmp), TEMP=str(tmp), TMP=str(tmp))


def _run_script(name, args, *, cwd, env):
    return subprocess.run([sys.executable, str(REPO / "examples" / name), *args], cwd=cwd, env=env,
                          check=False, capture_output=True, text=True, timeout=120)


def _files(top):
    skip = {".git", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"}
    out = set()
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in skip and not d.endswith(".egg-info")]
        out.update(os.path.relpath(os.path.join(root, f), top) for f in files)
    return out


def test_property_test_example_passes(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), CI="true")
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                          str(REPO / "examples" / "property_test_theorem_4_1.py")],
                         cwd=tmp_path, env=env, check=False, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]   # 0: tests ran and passed


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_example_script_verifies_and_rechecks(name, tmp_path):
    line, files = SCRIPTS[name]
    out = tmp_path / "out"
    res = _run_script(name, ["--out-dir", str(out)], cwd=tmp_path, env=_env(tmp_path))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    lines = [ln.strip() for ln in res.stdout.splitlines()]
    assert line in lines, res.stdout[-3000:]
    assert CHECKED in lines
    assert "checker: verified" in res.stdout
    assert {p.name for p in out.iterdir()} == files
    # The certificate on disk is accepted by the checker in this process as well.
    import verifier
    doc = json.loads((out / "cert.json").read_text(encoding="utf-8"))
    assert doc["status"] == "verified"
    assert verifier.check(doc).ok


def test_csv_example_takes_a_csv(tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text("x,y\n0,1\n1/3,0.5\n1,-2/7\n2,0.1\n", encoding="utf-8")
    out = tmp_path / "out"
    res = _run_script("verify_theorem_4_1_from_csv.py", ["--csv", str(csv), "--out-dir", str(out)],
                      cwd=tmp_path, env=_env(tmp_path))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "dataset: d = 4 points in R^1, l = 1 output(s)" in res.stdout
    assert {p.name for p in out.iterdir()} == {"cert.json", "report.md"}
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# cooper-4.1: verified")


def test_csv_example_rejects_duplicate_inputs(tmp_path):
    csv = tmp_path / "dup.csv"
    csv.write_text("0,1\n0.5,2\n1/2,3\n", encoding="utf-8")     # 0.5 == 1/2: M is empty
    res = _run_script("verify_theorem_4_1_from_csv.py", ["--csv", str(csv), "--out-dir", str(tmp_path / "o")],
                      cwd=tmp_path, env=_env(tmp_path))
    assert res.returncode == 1
    assert "cooper-4.1  not-applicable" in res.stdout


def test_example_scripts_leave_no_files_in_the_repository(tmp_path):
    # Run as a user copying the README would: from the repository root, without --out-dir.
    # Everything must go to a fresh temporary directory (TMPDIR here), nothing into the repository.
    # The scripts run from a private copy of examples/ and verifier/, so that files other people
    # add to the working tree meanwhile cannot make the comparison flaky; the real repository is
    # checked for the files the scripts write as well.
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for sub in ("examples", "verifier"):
        shutil.copytree(REPO / sub, copy / sub, ignore=ignore)
    env = dict(_env(tmp_path), PYTHONPATH=str(copy))
    outputs = set().union(*(files for _, files in SCRIPTS.values()))
    before, repo_before = _files(copy), _files(REPO)
    for name in sorted(SCRIPTS):
        res = subprocess.run([sys.executable, f"examples/{name}"], cwd=copy, env=env,
                             check=False, capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        assert CHECKED in res.stdout.splitlines()
    new = _files(copy) - before
    assert not new, f"example scripts wrote into the repository: {sorted(new)}"
    new_outputs = [f for f in _files(REPO) - repo_before if os.path.basename(f) in outputs]
    assert not new_outputs, f"example output files appeared in the repository: {new_outputs}"
    written = {p.name for p in (tmp_path / "tmpdir").rglob("*")}      # files, and folders such as figures/
    assert outputs <= written, written


def test_polynomial_network_example(tmp_path):
    from verifier.algebra import engines
    if engines.singular_path() is None:
        pytest.skip("Singular is not installed (pip install -e '.[algebra]')")
    out = tmp_path / "out"
    res = _run_script("polynomial_network.py", ["--out-dir", str(out)], cwd=tmp_path, env=_env(tmp_path))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "result: all four answers as expected and independently re-checked" in res.stdout
    assert {p.name for p in out.iterdir()} == {"liao-poggio-bezout.json", "liao-poggio-dimension.json",
                                              "liao-poggio-nullstellensatz.json", "cooper-2.1-global.json",
                                              "report.html"}


def test_conv1d_example_verifies_and_rechecks(tmp_path):
    pytest.importorskip("torch", reason="the Conv1d example needs torch (optional dependency)")
    out = tmp_path / "out"
    res = _run_script("conv1d_at_scale.py", ["--out-dir", str(out), "--steps", "60"], cwd=tmp_path,
                      env=_env(tmp_path))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    lines = [ln.strip() for ln in res.stdout.splitlines()]
    assert CHECKED in lines and "checker: verified" in res.stdout
    assert any(ln.startswith("near M: ||S||_2 <=") for ln in lines)
    assert {p.name for p in out.iterdir()} == {"cert.json", "cert.arrays.npz"}


def test_notebook_example_is_cells_and_writes_png_and_pdf_figures(tmp_path):
    """The notebook-as-script: `# %%` cells (jupytext percent format), run top to bottom, figures for a paper."""
    text = (REPO / "examples" / "notebook_train_verify_report.py").read_text(encoding="utf-8")
    assert text.count("# %%") >= 8 and text.startswith("# %% [markdown]")
    out = tmp_path / "out"
    res = _run_script("notebook_train_verify_report.py", ["--out-dir", str(out)], cwd=tmp_path, env=_env(tmp_path))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "CheckReport(ok=True, status='verified', claims=7)" in res.stdout
    names = {p.name for p in (out / "figures").iterdir()}
    keys = ("architecture", "singular-values", "hessian-spectrum", "loss-slice")
    assert names == {f"fig-{k}.{x}" for k in keys for x in ("png", "pdf")}
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
