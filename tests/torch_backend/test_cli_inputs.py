"""Inputs of the torch-backend commands, in-process: --lanczos-steps clamped to n, a missing --torch-model
file, --outputs that disagrees with the data or the model, rows numbered from 1 as in CSV messages."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch", reason="the torch backend needs torch (optional dependency)")

from verifier.cli import main  # noqa: E402

MODEL = """import torch.nn as nn
def build():
    return nn.Sequential(nn.Linear({p}, 2), nn.Tanh(), nn.Linear(2, 1))
"""


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m1.py").write_text(MODEL.format(p=1))
    (tmp_path / "m2.py").write_text(MODEL.format(p=2))
    (tmp_path / "one.csv").write_text("0,1\n1,2\n2,0\n")
    (tmp_path / "two.csv").write_text("0,1,5\n1,1,2\n2,1,0\n")
    np.savez(tmp_path / "dup.npz", X=np.array([[0.0], [1.0], [1.0]]), Y=np.array([[1.0], [2.0], [3.0]]))
    np.savez(tmp_path / "nan.npz", X=np.array([[0.0], [1.0], [np.nan]]), Y=np.array([[1.0], [2.0], [3.0]]))
    (tmp_path / "dup.csv").write_text("0,1\n1,2\n1,3\n")
    return tmp_path


def _bad(capsys, argv, needle, folder):
    before = sorted(p.name for p in folder.iterdir())
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("verifier: error: ") and needle in err, err
    assert sorted(p.name for p in folder.iterdir()) == before


def test_default_lanczos_steps_are_clamped_to_n(files, capsys):
    """n = 7 < the default 60: the command runs with 7 steps and says so."""
    assert main(["spectrum", "--torch-model", "m1.py:build", "--data", "one.csv", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)["result"]
    assert res["n"] == 7 and res["lanczos_steps"] <= 7 and res["lanczos_steps_requested"] == 60
    assert main(["spectrum", "--torch-model", "m1.py:build", "--data", "one.csv"]) == 0
    assert "= n, not the 60 asked for" in capsys.readouterr().out


def test_missing_torch_model_file_says_it_does_not_exist(files, capsys):
    _bad(capsys, ["spectrum", "--torch-model", "missing.py:build", "--data", "one.csv"],
         "--torch-model: missing.py does not exist", files)
    _bad(capsys, ["verify", "cooper-2.1", "--torch-model", "m1.txt:build", "--data", "one.csv"],
         "m1.txt is not a .py file", files)


@pytest.mark.parametrize("argv, needle", [
    (["spectrum", "--torch-model", "m2.py:build", "--data", "two.csv", "--outputs", "2"],
     "the data have 1 input column and 2 target columns (--outputs 2); the model has 2 inputs and 1 output: "
     "give --outputs 1"),
    (["verify", "cooper-2.1", "--torch-model", "m2.py:build", "--data", "two.csv", "--outputs", "2",
      "--out", "c.json"], "give --outputs 1"),
    (["spectrum", "--torch-model", "m1.py:build", "--data", "dup.npz", "--outputs", "2"],
     "--outputs 2, but dup.npz holds 1 target column"),
])
def test_outputs_that_disagree_with_model_or_data_are_refused(files, capsys, argv, needle):
    _bad(capsys, argv, needle, files)


def test_npz_rows_are_numbered_from_1_like_csv_rows(files, capsys):
    assert main(["verify", "cooper-2.1", "--torch-model", "m1.py:build", "--data", "dup.npz", "--json"]) == 1
    npz = json.loads(capsys.readouterr().out)["reason"]
    assert main(["verify", "cooper-4.1", "--data", "dup.csv", "--json"]) == 1
    csv = json.loads(capsys.readouterr().out)["reason"]
    assert "duplicate inputs x_i at rows 2 and 3" in npz and "duplicate inputs x_i at rows 2 and 3" in csv
    _bad(capsys, ["spectrum", "--torch-model", "m1.py:build", "--data", "nan.npz"],
         "nan.npz:X has non-finite values (first at row 3, column 1)", files)


def test_float_certificate_with_1_based_rows_rechecks(files, capsys):
    assert main(["verify", "cooper-2.1", "--torch-model", "m1.py:build", "--data", "dup.npz", "--out", "c.json"]) == 1
    capsys.readouterr()
    assert main(["check", "c.json", "--json"]) == 1
    env = json.loads(capsys.readouterr().out)
    assert env["status"] == "not-applicable" and env["result"]["problems"] == [], env
