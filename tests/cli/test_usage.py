"""`verifier --version` and argparse's usage errors, run in-process."""

from __future__ import annotations

import pytest

from verifier.cli import main
from verifier.version import __version__


def test_version_prints_the_version_and_exits_0(capsys):
    assert main(["--version"]) == 0
    out, err = capsys.readouterr()
    assert out == f"verifier {__version__}\n" and err == ""


def test_version_with_a_command_is_a_usage_error(capsys):
    assert main(["--version", "theorems"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "verifier: error: --version takes no command\n"


@pytest.mark.parametrize("argv, expect", [
    (["verify"], "verifier: error: verify: the following arguments are required: theorem, --data"),
    (["verify", "cooper-4.1", "--data", "d.csv", "--prec", "x"],
     "verifier: error: verify: argument --prec: invalid int value: 'x'"),
    (["--bogus"], "verifier: error: unrecognized arguments: --bogus"),
    (["theorems", "--bogus"], "verifier: error: unrecognized arguments: --bogus"),
    (["frob"], "verifier: error: argument command: invalid choice: 'frob'"),
    (["check"], "verifier: error: check: the following arguments are required: certificate"),
    (["report", "c.json", "--format", "docx"], "verifier: error: report: argument --format: invalid choice: 'docx'"),
    (["critical-points", "--method", "x"], "verifier: error: critical-points: argument --method: invalid choice"),
    (["spectrum", "--data"], "verifier: error: spectrum: argument --data: expected one argument"),
])
def test_usage_errors_are_one_line_with_one_prefix(capsys, argv, expect):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(expect), err
    assert err.count("verifier") == 1, err      # "verifier: error: verifier verify: ..." was the old double prefix


def test_every_command_has_a_row_in_the_json_docs():
    import argparse
    import re
    from pathlib import Path

    from verifier.cli import build_parser
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    text = (Path(__file__).resolve().parents[2] / "docs" / "json-output.md").read_text(encoding="utf-8")
    rows = {name for line in text.splitlines() if line.startswith("| `")
            for name in re.findall(r"`([a-z-]+)`", line.split("|")[1])}
    assert set(sub.choices) <= rows, sorted(set(sub.choices) - rows)


@pytest.mark.parametrize("command", ["verify", "spectrum"])
def test_a_relu_torch_model_is_a_usage_error(capsys, tmp_path, command):
    # docs/torch-backend.md: nn.ReLU is refused with one line and exit 2 (not a not-applicable certificate).
    pytest.importorskip("torch", reason="the torch backend needs torch")
    import numpy as np
    (tmp_path / "m.py").write_text("import torch.nn as nn\n\ndef build():\n"
                                   "    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1)).double()\n",
                                   encoding="utf-8")
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", X=rng.standard_normal((4, 2)), Y=rng.standard_normal((4, 1)))
    argv = ([command, "cooper-2.3"] if command == "verify" else [command]) + [
        "--torch-model", f"{tmp_path / 'm.py'}:build", "--data", str(tmp_path / "d.npz")]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == ("verifier: error: activation 'relu' is not smooth: the torch backend needs C^2 "
                                 "activations\n")


def _subparsers():
    import argparse

    from verifier.cli import build_parser
    top = build_parser()
    subs = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    return [("verifier", top)] + sorted(subs.choices.items())


def test_every_option_of_every_command_has_help_and_states_its_default():
    """`verifier COMMAND --help` explains every option, and names the default of every option that has one."""
    import argparse
    seen = 0
    for name, parser in _subparsers():
        formatter = parser._get_formatter()
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            seen += 1
            label = f"{name} {'/'.join(action.option_strings) or action.dest}"
            assert action.help and action.help.strip(), f"{label} has no help text"
            text = formatter._expand_help(action)
            if not (action.default is None or action.default is False or action.default == argparse.SUPPRESS):
                assert "default" in text, f"{label} does not state its default {action.default!r}: {text}"
    assert seen > 100


@pytest.mark.parametrize("command, needle", [
    ("verify", "default 60"), ("verify", "default 600"), ("solve", "default 600"), ("degree", "default 600"),
    ("critical-points", "default 600"), ("spectrum", "--lanczos-steps"),
])
def test_help_states_the_timeouts(capsys, command, needle):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert needle in " ".join(capsys.readouterr().out.split())
