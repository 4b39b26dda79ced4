"""--quiet and --verbose: progress on stderr, with counts (paths tracked of total), never on stdout."""

from __future__ import annotations

import json
import re

import pytest

from verifier.cli import _Progress, main


def test_verbose_prints_stages_and_counts_on_stderr_beside_json(capsys):
    assert main(["critical-points", "--deep-linear", "1,1,1,1,1", "--method", "homotopy", "--json", "-v"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["command"] == "critical-points"
    lines = err.splitlines()
    assert lines and all(re.match(r"verifier: \[ *\d+\.\d s\] ", ln) for ln in lines)
    assert any(re.search(r"homotopy \(total-degree\): 9 of 9 paths tracked$", ln) for ln in lines), err
    assert any(re.search(r"certifying homotopy endpoints .*: 5 of 5$", ln) for ln in lines), err


@pytest.mark.parametrize("flags", [["-q"], ["--quiet"], []])
def test_quiet_and_default_off_a_terminal_print_no_progress(capsys, flags):
    assert main(["critical-points", "--deep-linear", "1,1,1,1,1", "--method", "homotopy", *flags]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "liao-poggio-prop-1  verified" in out


@pytest.mark.parametrize("command", [["solve", "s.txt"], ["degree", "--network", "n", "--data", "d"],
                                     ["critical-points", "--deep-linear", "1,1,1,1,1"],
                                     ["verify", "cooper-4.1", "--data", "d.csv"], ["spectrum", "--data", "d.npz"],
                                     ["sweep", "s.toml", "--out", "o"]])
def test_quiet_and_verbose_exclude_each_other(capsys, command):
    assert main([*command, "-q", "-v"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not allowed with argument" in err


def test_verbose_lines_are_rate_limited_within_a_stage(capsys, monkeypatch):
    import time
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    p = _Progress("lines")
    for k in range(50):
        p(f"homotopy: {k} of 50 paths tracked")
        clock[0] += 0.125
    p("homotopy: 50 of 50 paths tracked")
    p("certifying")
    p("certifying")
    p("lanczos 3/60")
    err = capsys.readouterr().err.splitlines()
    assert [ln.split("] ", 1)[1] for ln in err] == [
        "homotopy: 0 of 50 paths tracked", "homotopy: 16 of 50 paths tracked", "homotopy: 32 of 50 paths tracked",
        "homotopy: 48 of 50 paths tracked",
        "homotopy: 50 of 50 paths tracked", "certifying", "lanczos 3/60"]
    _Progress("off")("anything")
    assert capsys.readouterr().err == ""
