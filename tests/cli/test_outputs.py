"""--outputs against the data and the network: refused on one line when they cannot agree."""

from __future__ import annotations

import json

import pytest

from verifier.cli import main
from verifier.network import mlp, network_to_json


@pytest.fixture
def files(tmp_path, monkeypatch):
    from verifier.activations import polynomial
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shifted.csv").write_text("0,1,5\n1,1,2\n0,2,0\n")        # 2 inputs, 1 output
    (tmp_path / "two.json").write_text(json.dumps({"x": [[0], [1], [2]], "y": [[1], [2], [0]]}))
    net = mlp(2, [2], activation=polynomial(["0", "1", "0", "1"]))
    (tmp_path / "net.json").write_text(json.dumps(network_to_json(net)))
    return tmp_path


@pytest.mark.parametrize("argv, needle", [
    (["verify", "cooper-4.1", "--data", "shifted.csv", "--outputs", "2"],
     "--outputs 2 leaves 1 input column whose values repeat (rows 1 and 3), while with --outputs 1 the inputs are "
     "distinct: does shifted.csv have 2 target columns?"),
    (["verify", "cooper-3.3", "--data", "two.json", "--outputs", "2"],
     "--outputs 2, but two.json holds 1 target column"),
    (["degree", "--network", "net.json", "--data", "shifted.csv", "--outputs", "2"],
     "the data have 1 input column and 2 target columns (--outputs 2); the network has 2 inputs and 1 output: "
     "give --outputs 1"),
    (["verify", "liao-poggio-bezout", "--network", "net.json", "--data", "shifted.csv", "--outputs", "2"],
     "give --outputs 1"),
])
def test_outputs_mismatch_is_refused(files, capsys, argv, needle):
    before = sorted(p.name for p in files.iterdir())
    assert main([*argv, "--out", "c.json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and needle in err, err
    assert sorted(p.name for p in files.iterdir()) == before


def test_outputs_that_fit_still_work(files, capsys):
    assert main(["verify", "cooper-4.1", "--data", "shifted.csv"]) == 0
    assert main(["verify", "cooper-3.3", "--data", "two.json", "--outputs", "1"]) == 0
    capsys.readouterr()
