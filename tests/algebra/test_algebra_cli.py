"""The algebraic theorems from the command line: certificates, checks, bad input."""

from __future__ import annotations

import json
import os

import pytest

from verifier.activations import power
from verifier.algebra import engines
from verifier.cli import main
from verifier.network import mlp, network_to_json

needs_singular = pytest.mark.skipif(engines.singular_path() is None,
                                    reason="Singular is not installed (pip install -e '.[algebra]')")


@pytest.fixture()
def files(tmp_path):
    net = tmp_path / "net.json"
    net.write_text(json.dumps(network_to_json(mlp(1, [1], activation=power(2)))))
    tanh = tmp_path / "tanh.json"
    tanh.write_text(json.dumps(network_to_json(mlp(1, [2], activation="tanh"))))
    zero = tmp_path / "zero.csv"
    zero.write_text("1,0\n2,0\n3,0\n")
    cubic = tmp_path / "cubic.csv"
    cubic.write_text("0,0\n1,1\n2,8\n3,27\n")
    return tmp_path, str(net), str(tanh), str(zero), str(cubic)


def test_theorems_lists_the_algebraic_ones(capsys):
    assert main(["theorems", "--json"]) == 0
    ids = {t["id"] for t in json.loads(capsys.readouterr().out)["result"]["theorems"]}
    assert {"liao-poggio-bezout", "liao-poggio-dimension", "liao-poggio-nullstellensatz",
            "cooper-2.1-global"} <= ids


def test_bezout_and_dimension_then_check(files, capsys):
    tmp, net, _, zero, _ = files
    out = str(tmp / "b.json")
    assert main(["verify", "liao-poggio-bezout", "--network", net, "--data", zero, "--out", out]) == 0
    assert main(["check", out]) == 0
    capsys.readouterr()
    out = str(tmp / "d.json")
    rc = main(["verify", "liao-poggio-dimension", "--network", net, "--data", zero, "--out", out, "--no-groebner",
               "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and doc["status"] == "verified"
    assert main(["check", out]) == 0


@needs_singular
def test_nullstellensatz_and_global_regular_value(files, capsys):
    tmp, net, _, zero, cubic = files
    out = str(tmp / "n.json")
    assert main(["verify", "liao-poggio-nullstellensatz", "--network", net, "--data", cubic, "--out", out]) == 0
    assert main(["check", out]) == 0
    out = str(tmp / "g.json")
    assert main(["verify", "cooper-2.1-global", "--network", net, "--data", zero, "--out", out,
                 "--epsilon", "1/100"]) == 1
    capsys.readouterr()
    assert main(["check", out, "--json"]) == 1
    rep = json.loads(capsys.readouterr().out)
    assert rep["status"] == "refuted"
    assert main(["report", out]) == 0


def test_non_polynomial_network_is_not_applicable_not_an_error(files, capsys):
    tmp, _, tanh, zero, _ = files
    assert main(["verify", "liao-poggio-bezout", "--network", tanh, "--data", zero]) == 1
    assert "not a polynomial" in capsys.readouterr().out


@pytest.mark.parametrize("extra, needle", [
    ([], "needs --network"),
    (["--network", "NET", "--point", "NET"], "does not use --point"),
    (["--network", "NET", "--timeout", "0"], "--timeout"),
    (["--network", "NET", "--max-memory", "10"], "--max-memory"),
    (["--network", "NET", "--trials", "0"], "--trials"),
    (["--network", "NET", "--epsilon", "-1"], "epsilon"),
    (["--network", "NET", "--epsilon", "abc"], ""),
])
def test_bad_input_is_one_line_exit_2_no_files(files, capsys, extra, needle):
    tmp, net, _, zero, _ = files
    out = tmp / "never.json"
    argv = ["verify", "cooper-2.1-global", "--data", zero, "--out", str(out)] + [net if a == "NET" else a
                                                                                 for a in extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err
    assert not out.exists()
    assert not [f for f in os.listdir(tmp) if f.startswith(".tmp-")]
