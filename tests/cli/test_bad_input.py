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
    # --- network files -------------------------------------------------------------------------------
    ("net-cycle", {"net.json": net_with(_cycle)}, verify21()),
    ("net-input-with-incoming-edge", {"net.json": net_with(_input_incoming)}, verify21()),
    ("net-output-with-outgoing-edge", {"net.json": net_with(_output_outgoing)}, verify21()),
    ("net-dead-node", {"net.json": net_with(_dead)}, verify21()),
    ("net-unreachable-node", {"net.json": net_with(_unreachable)}, verify21()),
    ("net-edge-without-weight", {"net.json": net_with(_no_weight)}, verify21()),
    ("net-edge-null-weight", {"net.json": net_with(_null_weight)}, verify21()),
    ("net-unknown-activation", {"net.json": net_with(_unknown_act)}, verify21()),
    ("net-unknown-top-level-key", {"net.json": net_with(_unknown_top)}, verify21()),
    ("net-unknown-node-key", {"net.json": net_with(_unknown_node_key)}, verify21()),
    ("net-wrong-format-tag", {"net.json": net_with(_bad_format)}, verify21()),
    ("net-wrong-version", {"net.json": net_with(_bad_version)}, verify21()),
    ("net-bool-version", {"net.json": net_with(_bool_version)}, verify21()),
    ("net-code-in-activation", {"net.json": net_with(_code_activation)}, verify21()),
    ("net-code-in-node-activation", {"net.json": net_with(_code_node_activation)}, verify21()),
    ("net-code-in-coefficient", {"net.json": net_with(_code_coefficient)}, verify21()),
    ("net-invalid-json", {"net.json": '{"format": "verifier-network", "version": 1,'}, verify21()),
    ("net-nan", {"net.json": json.dumps(NET)[:-1] + ', "scale": NaN}'}, verify21()),
    ("net-not-an-object", {"net.json": "[1, 2, 3]"}, verify21()),
    ("net-duplicate-node-id", {"net.json": net_with(_dup_node)}, verify21()),
    ("net-missing-file", {}, verify21(net="nowhere.json")),
    # --- data files ----------------------------------------------------------------------------------
    ("csv-malformed-cell", {"d.csv": "a,b,y\n0,0,1\n1,zwei,0\n"}, v41("d.csv")),
    ("csv-code-cell", {"d.csv": "a,b,y\n0,0,1\n1,__import__('os').system('touch pwned'),0\n"}, v41("d.csv")),
    ("csv-ragged-row", {"d.csv": "a,b,y\n0,0,1\n1,0\n"}, v41("d.csv")),
    ("csv-nan", {"d.csv": "a,b,y\n0,0,1\n1,nan,0\n"}, v41("d.csv")),
    ("csv-inf", {"d.csv": "a,b,y\n0,0,1\n1,0,-inf\n"}, v41("d.csv")),
    ("csv-empty", {"d.csv": ""}, v41("d.csv")),
    ("csv-only-header", {"d.csv": "a,b,y\n"}, v41("d.csv")),
    ("data-unknown-suffix", {"d.txt": PTS}, v41("d.txt")),
    ("data-missing-file", {}, v41("nowhere.csv")),
    ("npy-object-array", {"d.npy": _npy_object_array()}, v41("d.npy")),
    ("npy-pickle-payload", {"d.npy": _npy_pickle_bomb()}, v41("d.npy")),
    ("json-data-unknown-keys", {"d.json": json.dumps({"x": [[0], [1]], "y": [[0], [1]], "w": 1})}, v41("d.json")),
    # --- usage ---------------------------------------------------------------------------------------
    ("unknown-theorem", {}, ["verify", "cooper-9.9", "--data", "pts.csv", "--out", "cert.json"]),
    ("unknown-subcommand", {}, ["prove", "cooper-4.1"]),
    ("missing-data", {}, ["verify", "cooper-4.1", "--out", "cert.json"]),
    ("prec-zero", {}, ["verify", "cooper-4.1", "--data", "pts.csv", "--prec", "0", "--out", "cert.json"]),
    ("prec-not-an-int", {}, ["verify", "cooper-4.1", "--data", "pts.csv", "--prec", "lots"]),
    ("cooper-2.1-without-network-and-point", {}, ["verify", "cooper-2.1", "--data", "pts.csv", "--out", "cert.json"]),
    ("cooper-2.1-without-point", {"net.json": json.dumps(NET)},
     ["verify", "cooper-2.1", "--data", "pts.csv", "--network", "net.json", "--out", "cert.json"]),
    ("cooper-4.1-with-network", {"net.json": json.dumps(NET)}, v41("pts.csv") + ["--network", "net.json"]),
    ("out-into-missing-folder", {}, ["verify", "cooper-4.1", "--data", "pts.csv", "--out", "no/such/dir/cert.json"]),
    ("depth-zero", {}, v41("pts.csv") + ["--depth", "0"]),
    ("activation-unknown-name", {}, v41("pts.csv") + ["--activation", "relu"]),
    ("activation-bad-json", {}, v41("pts.csv") + ["--activation", "{not json"]),
    ("point-missing-label", {"net.json": json.dumps(NET),
                             "point.json": json.dumps({k: v for k, v in POINT.items() if k != "a"})}, verify21()),
    ("point-unknown-label", {"net.json": json.dumps(NET), "point.json": json.dumps({**POINT, "zz": "1"})},
     verify21()),
    ("point-non-numeric-string", {"net.json": json.dumps(NET), "point.json": json.dumps({**POINT, "a": "two"})},
     verify21()),
    ("point-code-string", {"net.json": json.dumps(NET),
                           "point.json": json.dumps({**POINT, "a": "__import__('os').system('touch pwned')"})},
     verify21()),
    ("point-invalid-json", {"net.json": json.dumps(NET), "point.json": "{'a': 1}"}, verify21()),
    ("point-shape-mismatch", {"net.json": json.dumps(NET)},
     ["verify", "cooper-2.1", "--data", "pts3.csv", "--network", "net.json", "--point", "point.json",
      "--out", "cert.json"]),
    # --- check / report ------------------------------------------------------------------------------
    ("check-missing-file", {}, ["check", "nowhere.json"]),
    ("check-non-json", {"c.json": "this is not JSON\n"}, ["check", "c.json"]),
    ("report-missing-file", {}, ["report", "nowhere.json", "--out", "r.md"]),
    ("report-non-certificate", {"c.json": json.dumps({"theorem": "cooper-4.1", "status": "verified"})},
     ["report", "c.json", "--out", "r.md"]),
    ("report-non-json", {"c.json": "[1, 2,"}, ["report", "c.json"]),
]

EXTRA = {"pts3.csv": "a,b,c,y\n0,0,0,1\n1,0,0,2\n"}


@pytest.mark.parametrize("files, argv", [pytest.param(f, a, id=i) for i, f, a in CASES])
def test_bad_input_exits_2_with_one_line(tmp_path, files, argv):
    for name, content in {**BASE, **EXTRA, **files}.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    before = listing(tmp_path)

    res = run_cli(argv, tmp_path)

    assert res.returncode == 2, (res.returncode, res.stdout[-2000:], res.stderr[-2000:])
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), res.stderr
    assert "Traceback" not in res.stderr
    assert "verifier-certificate" not in res.stdout and '"claims"' not in res.stdout
    assert res.stdout.strip() == "", res.stdout
    assert not (tmp_path / "pwned").exists()
    assert listing(tmp_path) == before


def test_duplicate_inputs_refute_cooper_41_citing_file_lines(tmp_path):
    # Lines: 1 header, 2 first point, 3 second point, 4 comment, 5 blank, 6 repeat of line 2's input.
    (tmp_path / "dup.csv").write_text("x1,x2,y\n0,0,1\n1,0,2\n# a comment\n\n0,0,3\n2,1,0\n", encoding="utf-8")
    res = run_cli(["verify", "cooper-4.1", "--data", "dup.csv", "--json"], tmp_path)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    out = json.loads(res.stdout)
    assert out["status"] == "refuted"
    assert "rows 2 and 6" in out["reason"]
    claim = next(c for c in out["claims"] if c["id"] == "distinct-inputs")
    assert claim["status"] == "refuted" and "rows 2 and 6" in claim["message"]

    res = run_cli(["verify", "cooper-4.1", "--data", "dup.csv"], tmp_path)
    assert res.returncode == 1
    assert "refuted" in res.stdout and "rows 2 and 6" in res.stdout
