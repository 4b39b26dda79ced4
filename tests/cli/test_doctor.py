"""`verifier doctor`: a report of the engines and extras (exit 0 whatever it finds), text or the --json envelope."""

from __future__ import annotations

import json

import pytest

from verifier import doctor
from verifier.algebra import engines
from verifier.cli import main

NAMES = ["python-flint", "ctrack", "Singular", "msolve", "torch", "matplotlib", "dask", "distributed", "pandas", "pyarrow",
         "chromium"]
ENVELOPE_KEYS = {"command", "theorem", "tier", "status", "reason", "counts", "certificate", "files", "timings_s",
                 "result"}


def test_doctor_json_is_the_one_envelope_and_says_what_works(capsys):
    assert main(["doctor", "--json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert set(doc) == ENVELOPE_KEYS and doc["command"] == "doctor" and doc["status"] == "ok"
    rows = doc["result"]["components"]
    assert [r["name"] for r in rows] == NAMES
    assert all(r["status"] in doctor.STATUSES for r in rows)
    by = {r["name"]: r for r in rows}
    assert by["python-flint"]["status"] == "works"
    assert by["Singular"]["status"] == ("works" if engines.singular_path() else "missing")
    assert by["msolve"]["status"] == ("works" if engines.msolve_path() else "missing")
    for r in rows:
        if r["status"] == "missing" and r["name"] not in ("chromium", "ctrack"):
            assert r["extra"] in ("algebra", "torch", "plots", "sweep")
    if by["torch"]["status"] == "works":
        assert "CUDA" in by["torch"]["detail"]
    assert doc["result"]["distribution"] == "landscape-verifier"
    assert doc["timings_s"]["doctor"] < 30


def _fake_children(monkeypatch):
    """No child interpreters: every heavy check answers as if the library were missing."""
    monkeypatch.setattr(doctor, "_found", lambda module: False)
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)


def test_doctor_names_the_extra_of_whatever_is_missing(capsys, monkeypatch):
    _fake_children(monkeypatch)
    monkeypatch.setattr(engines, "singular_path", lambda: None)
    monkeypatch.setattr(engines, "msolve_path", lambda: None)
    monkeypatch.delenv("VERIFIER_SINGULAR", raising=False)
    monkeypatch.delenv("VERIFIER_MSOLVE", raising=False)
    assert main(["doctor"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    table = {line.split()[0]: line.split() for line in out.splitlines()[3:] if line.strip()}
    for name, extra in [("Singular", "algebra"), ("msolve", "algebra"), ("torch", "torch"), ("matplotlib", "plots"),
                        ("dask", "sweep"), ("pyarrow", "sweep")]:
        assert table[name][1:4] == ["missing", "-", extra], table[name]
    assert table["chromium"][1] == "missing" and "apt install chromium" in out
    assert table["python-flint"][1] == "works"
    last = out.strip().splitlines()[-1]
    assert last.startswith("to install an extra (algebra, plots, sweep, torch): "
                           "pip install 'landscape-verifier[EXTRA]'")


def test_a_failing_engine_is_broken_not_an_error(capsys, monkeypatch):
    if engines.singular_path() is None:
        pytest.skip("Singular is not installed (pip install -e '.[algebra]')")
    _fake_children(monkeypatch)

    def fails(*a, **k):
        raise engines.EngineError("Singular failed with exit status 1: ? segmentation fault")
    monkeypatch.setattr(engines, "groebner_dimension", fails)
    assert main(["doctor", "--json"]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out)["result"]["components"] if r["name"] == "Singular")
    assert row["status"] == "broken" and "segmentation fault" in row["detail"]


def test_a_child_that_hangs_or_fails_is_reported_in_one_line():
    ans, why = doctor._child("import time; time.sleep(5)", timeout=0.5)
    assert ans is None and why == "no answer within 0.5 s"
    ans, why = doctor._child("raise SystemExit('no such library\\nsecond line')", timeout=10)
    assert ans is None and why == "second line"
    ans, why = doctor._child("print('{\"a\": 1}')", timeout=10)
    assert ans == {"a": 1} and why == ""


def test_torch_row_names_the_cuda_device(monkeypatch):
    # No GPU here: the child's answer is faked; the real child runs in the --json test above.
    monkeypatch.setattr(doctor, "_found", lambda module: True)
    monkeypatch.setattr(doctor, "_child", lambda code, timeout: (
        {"version": "2.13.0", "sum": 3.0, "cuda": True, "device": "NVIDIA H100 80GB HBM3", "devices": 2}, ""))
    row = doctor.check_torch()
    assert row == {"name": "torch", "status": "works", "version": "2.13.0", "extra": "torch",
                   "detail": "CUDA available: NVIDIA H100 80GB HBM3 (and 1 more)"}
    monkeypatch.setattr(doctor, "_child", lambda code, timeout: (None, "ImportError: libcudart.so.12"))
    assert doctor.check_torch()["status"] == "broken"
