"""The bad-input table: every malformed input ends with exit 2, one stderr line, no traceback, no files.

Each case runs the real command line (``python -m verifier ...``) in a subprocess whose
working folder is a fresh ``tmp_path``; the folder listing must be the same before and
after (``--out cert.json`` must not create ``cert.json``, code in a string must not run).
"""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def run_cli(args, cwd, timeout=120):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONSTARTUP", None)
    return subprocess.run([sys.executable, "-m", "verifier", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def listing(folder: Path):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ---------------------------------------------------------------------------- inputs

PTS = "x1,x2,y\n0,0,1\n1,0,-1\n0,1,1/2\n1,1,1/4\n"

# A small valid network: two inputs, one hidden softplus unit, one output.
NET = {
    "format": "verifier-network", "version": 1, "name": "tiny", "activation": "softplus",
    "inputs": ["x0", "x1"], "outputs": ["y"],
    "nodes": [{"id": "x0", "kind": "input"}, {"id": "x1", "kind": "input"},
              {"id": "h", "kind": "hidden", "bias": "b"}, {"id": "y", "kind": "output", "bias": "c"}],
    "edges": [{"from": "x0", "to": "h", "weight": "w0"}, {"from": "x1", "to": "h", "weight": "w1"},
              {"from": "h", "to": "y", "weight": "a"}],
}
POINT = {"w0": "1/2", "w1": "-1/3", "b": "0.1", "a": "2", "c": "0"}


def net_with(change):
    doc = copy.deepcopy(NET)
    change(doc)
    return json.dumps(doc)


def _add(doc, nodes=(), edges=()):
    doc["nodes"] += [dict(n) for n in nodes]
    doc["edges"] += [{"from": u, "to": v, "weight": w} for u, v, w in edges]


def _drop_io_orders(doc):
    doc.pop("inputs")
    doc.pop("outputs")


def _cycle(doc):
    _add(doc, [{"id": "g", "kind": "hidden"}], [("h", "g", "u1"), ("g", "h", "u2"), ("g", "y", "u3")])


def _input_incoming(doc):
    _add(doc, edges=[("x1", "x0", "v")])


def _output_outgoing(doc):
    _drop_io_orders(doc)
    _add(doc, [{"id": "z", "kind": "output"}], [("y", "z", "v")])


def _dead(doc):
    _add(doc, [{"id": "dead", "kind": "hidden"}], [("x0", "dead", "v")])


def _unreachable(doc):
    _add(doc, [{"id": "lost", "kind": "hidden"}], [("lost", "y", "v")])


def _no_weight(doc):
    del doc["edges"][0]["weight"]


def _null_weight(doc):
    doc["edges"][0]["weight"] = None


def _unknown_act(doc):
    doc["activation"] = "relu"


def _unknown_top(doc):
    doc["optimizer"] = "adam"


def _unknown_node_key(doc):
    doc["nodes"][2]["color"] = "red"


def _bad_format(doc):
    doc["format"] = "onnx"


def _bad_version(doc):
    doc["version"] = 2


def _bool_version(doc):
    doc["version"] = True


def _code_activation(doc):
    doc["activation"] = "__import__('os').system('touch pwned')"


def _code_node_activation(doc):
    doc["nodes"][2]["activation"] = "__import__('os').system('touch pwned')"


def _code_coefficient(doc):
    doc["activation"] = {"name": "polynomial", "coefficients": ["0", "__import__('os').system('touch pwned')"]}


def _dup_node(doc):
    doc["nodes"].append({"id": "h", "kind": "hidden"})


def _npy_object_array():
    buf = io.BytesIO()
    np.save(buf, np.array([[1, 2, 3], [4, 5, object()]], dtype=object), allow_pickle=True)
    return buf.getvalue()


def _npy_pickle_bomb():
    # An object array whose pickle would run `touch pwned` when loaded with allow_pickle=True.
    class Evil:
        def __reduce__(self):
            return (os.system, ("touch pwned",))

    buf = io.BytesIO()
    np.save(buf, np.array([[Evil(), 1.0]], dtype=object), allow_pickle=True)
    return buf.getvalue()


def verify21(net="net.json", point="point.json"):
    return ["verify", "cooper-2.1", "--data", "pts.csv", "--network", net, "--point", point, "--out", "cert.json"]


def v41(data):
    return ["verify", "cooper-4.1", "--data", data, "--out", "cert.json"]


BASE = {"pts.csv": PTS, "point.json": json.dumps(POINT)}

CASES = [
    # (id, files to write besides BASE, argv, a fragment of the one stderr line)
    # --- network files -------------------------------------------------------------------------------
    ("net-cycle", {"net.json": net_with(_cycle)}, verify21(), "the network has a cycle"),
    ("net-input-with-incoming-edge", {"net.json": net_with(_input_incoming)}, verify21(),
     "input node 'x0' has incoming edges"),
    ("net-output-with-outgoing-edge", {"net.json": net_with(_output_outgoing)}, verify21(),
     "output node 'y' has outgoing edges"),
    ("net-dead-node", {"net.json": net_with(_dead)}, verify21(), "node 'dead' does not lead to any output"),
    ("net-unreachable-node", {"net.json": net_with(_unreachable)}, verify21(),
     "node 'lost' is not reachable from any input"),
    ("net-edge-without-weight", {"net.json": net_with(_no_weight)}, verify21(), "exactly 'from', 'to', 'weight'"),
    ("net-edge-null-weight", {"net.json": net_with(_null_weight)}, verify21(), "has no weight label"),
    ("net-unknown-activation", {"net.json": net_with(_unknown_act)}, verify21(), "unknown activation 'relu'"),
    ("net-unknown-top-level-key", {"net.json": net_with(_unknown_top)}, verify21(), "unknown key(s) optimizer"),
    ("net-unknown-node-key", {"net.json": net_with(_unknown_node_key)}, verify21(), "unknown key(s) color"),
    ("net-wrong-format-tag", {"net.json": net_with(_bad_format)}, verify21(), "'format' must be"),
    ("net-wrong-version", {"net.json": net_with(_bad_version)}, verify21(), "unsupported version 2"),
    ("net-bool-version", {"net.json": net_with(_bool_version)}, verify21(), "unsupported version True"),
    ("net-code-in-activation", {"net.json": net_with(_code_activation)}, verify21(), "unknown activation"),
    ("net-code-in-node-activation", {"net.json": net_with(_code_node_activation)}, verify21(), "unknown activation"),
    ("net-code-in-coefficient", {"net.json": net_with(_code_coefficient)}, verify21(), "not an exact rational"),
    ("net-invalid-json", {"net.json": '{"format": "verifier-network", "version": 1,'}, verify21(), "not valid JSON"),
    ("net-nan", {"net.json": json.dumps(NET)[:-1] + ', "scale": NaN}'}, verify21(), "NaN is not allowed"),
    ("net-not-an-object", {"net.json": "[1, 2, 3]"}, verify21(), "must be a JSON object"),
    ("net-duplicate-node-id", {"net.json": net_with(_dup_node)}, verify21(), "duplicate node id 'h'"),
    ("net-missing-file", {}, verify21(net="nowhere.json"), "cannot read network file nowhere.json"),
    # --- data files ----------------------------------------------------------------------------------
    ("csv-malformed-cell", {"d.csv": "a,b,y\n0,0,1\n1,zwei,0\n"}, v41("d.csv"), "d.csv, row 3, column 2"),
    ("csv-code-cell", {"d.csv": "a,b,y\n0,0,1\n1,__import__('os').system('touch pwned'),0\n"}, v41("d.csv"),
     "d.csv, row 3, column 2"),
    ("csv-ragged-row", {"d.csv": "a,b,y\n0,0,1\n1,0\n"}, v41("d.csv"), "d.csv, row 3: 2 columns, expected 3"),
    ("csv-nan", {"d.csv": "a,b,y\n0,0,1\n1,nan,0\n"}, v41("d.csv"), "non-finite value 'nan'"),
    ("csv-inf", {"d.csv": "a,b,y\n0,0,1\n1,0,-inf\n"}, v41("d.csv"), "non-finite value '-inf'"),
    ("csv-empty", {"d.csv": ""}, v41("d.csv"), "d.csv: empty file"),
    ("csv-only-header", {"d.csv": "a,b,y\n"}, v41("d.csv"), "no data rows"),
    ("data-unknown-suffix", {"d.txt": PTS}, v41("d.txt"), "unsupported file type '.txt'"),
    ("data-missing-file", {}, v41("nowhere.csv"), "nowhere.csv: cannot read file"),
    ("npy-object-array", {"d.npy": _npy_object_array()}, v41("d.npy"), "allow_pickle=False"),
    ("npy-pickle-payload", {"d.npy": _npy_pickle_bomb()}, v41("d.npy"), "allow_pickle=False"),
    ("json-data-unknown-keys", {"d.json": json.dumps({"x": [[0], [1]], "y": [[0], [1]], "w": 1})}, v41("d.json"),
     "exactly the keys 'x' and 'y'"),
    ("json-dataset-unknown-keys", {"d.json": json.dumps({"format": "verifier-dataset", "version": 1, "p": 1, "l": 1,
                                                         "x": [["0"]], "y": [["1"]], "extra": 0})}, v41("d.json"),
     "unknown keys ['extra']"),
    # --- usage ---------------------------------------------------------------------------------------
    ("unknown-theorem", {}, ["verify", "cooper-9.9", "--data", "pts.csv", "--out", "cert.json"],
     "unknown theorem 'cooper-9.9'"),
    ("unknown-subcommand", {}, ["prove", "cooper-4.1"], "invalid choice: 'prove'"),
    ("missing-data", {}, ["verify", "cooper-4.1", "--out", "cert.json"], "required: --data"),
    ("prec-zero", {}, ["verify", "cooper-4.1", "--data", "pts.csv", "--prec", "0", "--out", "cert.json"],
     "--prec must be between"),
    ("prec-not-an-int", {}, ["verify", "cooper-4.1", "--data", "pts.csv", "--prec", "lots"], "invalid int value"),
    ("cooper-2.1-without-network-and-point", {}, ["verify", "cooper-2.1", "--data", "pts.csv", "--out", "cert.json"],
     "cooper-2.1 needs --network"),
    ("cooper-2.1-without-point", {"net.json": json.dumps(NET)},
     ["verify", "cooper-2.1", "--data", "pts.csv", "--network", "net.json", "--out", "cert.json"],
     "cooper-2.1 needs --network"),
    ("cooper-4.1-with-network", {"net.json": json.dumps(NET)}, v41("pts.csv") + ["--network", "net.json"],
     "builds its own network"),
    ("out-into-missing-folder", {}, ["verify", "cooper-4.1", "--data", "pts.csv", "--out", "no/such/dir/cert.json"],
     "its folder does not exist"),
    ("out-is-an-existing-folder", {"sub": None}, ["verify", "cooper-4.1", "--data", "pts.csv", "--out", "sub"],
     "sub"),
    ("depth-zero", {}, v41("pts.csv") + ["--depth", "0"], "--depth must be >= 1"),
    ("outputs-zero", {}, v41("pts.csv") + ["--outputs", "0"], "outputs must be a positive integer"),
    ("activation-unknown-name", {}, v41("pts.csv") + ["--activation", "relu"], "unknown activation 'relu'"),
    ("activation-bad-json", {}, v41("pts.csv") + ["--activation", "{not json"], "neither a name nor valid JSON"),
    ("point-missing-label", {"net.json": json.dumps(NET),
                             "point.json": json.dumps({k: v for k, v in POINT.items() if k != "a"})}, verify21(),
     "missing 'a'"),
    ("point-unknown-label", {"net.json": json.dumps(NET), "point.json": json.dumps({**POINT, "zz": "1"})},
     verify21(), "unknown 'zz'"),
    ("point-non-numeric-string", {"net.json": json.dumps(NET), "point.json": json.dumps({**POINT, "a": "two"})},
     verify21(), "not an exact rational number: 'two'"),
    ("point-code-string", {"net.json": json.dumps(NET),
                           "point.json": json.dumps({**POINT, "a": "__import__('os').system('touch pwned')"})},
     verify21(), "not an exact rational number"),
    ("point-bool", {"net.json": json.dumps(NET), "point.json": json.dumps({**POINT, "a": True})}, verify21(),
     "is not a number"),
    ("point-invalid-json", {"net.json": json.dumps(NET), "point.json": "{'a': 1}"}, verify21(), "not valid JSON"),
    ("point-file-is-a-number", {"net.json": json.dumps(NET), "point.json": "42"}, verify21(), "point"),
    ("point-file-is-a-string", {"net.json": json.dumps(NET), "point.json": '"00000"'}, verify21(), "point"),
    ("point-value-beyond-float64", {"net.json": json.dumps(NET), "point.json": json.dumps({**POINT, "a": "1e309"})},
     verify21(), "float64"),
    ("data-network-shape-mismatch", {"net.json": json.dumps(NET)},
     ["verify", "cooper-2.1", "--data", "pts3.csv", "--network", "net.json", "--point", "point.json",
      "--out", "cert.json"], "the data have 3 input columns and 1 target column (--outputs 1); "
      "the network has 2 inputs and 1 output"),
    # --- check / report ------------------------------------------------------------------------------
    ("check-missing-file", {}, ["check", "nowhere.json"], "cannot read certificate file nowhere.json"),
    ("check-non-json", {"c.json": "this is not JSON\n"}, ["check", "c.json"], "not valid JSON"),
    ("check-json-array", {"c.json": "[]"}, ["check", "c.json"], "c.json"),
    ("report-missing-file", {}, ["report", "nowhere.json", "--out", "r.md"], "cannot read certificate file"),
    ("report-non-certificate", {"c.json": json.dumps({"theorem": "cooper-4.1", "status": "verified"})},
     ["report", "c.json", "--out", "r.md"], "c.json is not a verifier certificate"),
    ("report-non-json", {"c.json": "[1, 2,"}, ["report", "c.json"], "not valid JSON"),
]

# Cases that show a bug in verifier/ (strict: the marker fails once the bug is fixed).
BUGS = {}


def _param(case):
    cid, files, argv, expect = case
    marks = [pytest.mark.xfail(strict=True, reason=BUGS[cid])] if cid in BUGS else []
    return pytest.param(files, argv, expect, id=cid, marks=marks)


EXTRA = {"pts3.csv": "a,b,c,y\n0,0,0,1\n1,0,0,2\n"}


def write_files(folder: Path, files: dict):
    for name, content in files.items():
        path = folder / name
        if content is None:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture(scope="module")
def launched(request, tmp_path_factory):
    """Start the selected cases' subprocesses in a small pool (each in its own fresh folder) so that they
    overlap; every parametrized test then waits for its own run and checks it."""
    selected = {item.callspec.id for item in request.session.items
                if getattr(item, "originalname", None) == "test_bad_input_exits_2_with_one_line"}
    runs = {}
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 1))) as pool:
        for cid, files, argv, _ in CASES:
            if cid in selected:
                folder = tmp_path_factory.mktemp(cid, numbered=True)
                write_files(folder, {**BASE, **EXTRA, **files})
                runs[cid] = (folder, listing(folder), pool.submit(run_cli, argv, folder))
        yield runs


@pytest.mark.parametrize("files, argv, expect", [_param(c) for c in CASES])
def test_bad_input_exits_2_with_one_line(request, launched, files, argv, expect):
    folder, before, future = launched[request.node.callspec.id]
    assert before == sorted(list(files) + [n for n in {**BASE, **EXTRA} if n not in files])

    res = future.result()

    assert res.returncode == 2, (res.returncode, res.stdout[-2000:], res.stderr[-2000:])
    lines = res.stderr.splitlines()
    assert "Traceback" not in res.stderr
    assert len(lines) == 1 and lines[0].strip(), res.stderr
    assert lines[0].startswith("verifier: error: ") and expect in lines[0], lines[0]
    assert "verifier-certificate" not in res.stdout and '"claims"' not in res.stdout
    assert res.stdout.strip() == "", res.stdout
    assert not (folder / "pwned").exists()
    assert listing(folder) == before


def test_duplicate_inputs_make_cooper_41_not_apply_citing_file_lines(tmp_path):
    # Lines: 1 header, 2 first point, 3 second point, 4 comment, 5 blank, 6 repeat of line 2's input.
    (tmp_path / "dup.csv").write_text("x1,x2,y\n0,0,1\n1,0,2\n# a comment\n\n0,0,3\n2,1,0\n", encoding="utf-8")
    res = run_cli(["verify", "cooper-4.1", "--data", "dup.csv", "--json"], tmp_path)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    out = json.loads(res.stdout)
    assert out["status"] == "not-applicable"
    assert "rows 2 and 6" in out["reason"]
    claim = next(c for c in out["result"]["claims"] if c["id"] == "distinct-inputs")
    assert claim["status"] == "refuted" and "rows 2 and 6" in claim["message"]

    res = run_cli(["verify", "cooper-4.1", "--data", "dup.csv"], tmp_path)
    assert res.returncode == 1
    assert "not-applicable" in res.stdout and "rows 2 and 6" in res.stdout


# A point from which Gauss-Newton diverges, on a network that cannot fit the data at all (one softplus unit
# cannot be monotone in the order these four targets need, so M is empty): the honest answer is exit 1 with
# "inconclusive" (or "refuted"), quickly, and never a traceback or a hang.
DIVERGENT = [
    pytest.param({"w0": 1, "w1": 0, "b": 1, "a": 0, "c": 1}, id="non-finite-newton-step"),
    pytest.param({"w0": 1, "w1": 2, "b": 3, "a": 4, "c": 5}, id="no-answer-in-15s"),
]


@pytest.mark.parametrize("point", DIVERGENT)
def test_point_far_from_M_is_answered_not_crashed(tmp_path, point):
    write_files(tmp_path, {**BASE, "net.json": json.dumps(NET), "point.json": json.dumps(point)})
    try:
        res = run_cli(["verify", "cooper-2.1", "--data", "pts.csv", "--network", "net.json", "--point", "point.json",
                       "--json"], tmp_path, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("no answer within 15 s")
    assert "Traceback" not in res.stderr, res.stderr[-1500:]
    assert res.returncode == 1, res.stderr[-1500:]
    assert json.loads(res.stdout)["status"] in ("inconclusive", "refuted", "not-applicable")
