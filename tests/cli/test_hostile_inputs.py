"""Hostile inputs: each ends in seconds, in bounded memory, with exit 2 and one stderr line (or, for a budget,
exit 1 with status inconclusive), no traceback and no file written (docs/data-format.md, "Limits").

Every row is a command line and the files it reads. Rows that would eat memory or never end if a guard were
missing (``/dev/zero``, a 200 MB CSV, an endless pipe, a 10^12-row ``.npy`` header, ``--width 10**9``) run in
a subprocess, two at a time, whose peak resident memory is ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``
as a small launcher process sees it (started from pytest directly, a child's maxrss would count the copy of
pytest's memory it had before exec); the others run in-process through ``verifier.cli.main``.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import pickle
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flint import fmpq, fmpz

import verifier
from verifier.checker.format import decimal_str, rational_str
from verifier.cli import main
from verifier.errors import InputError

REPO = Path(__file__).resolve().parents[2]
HAS_TORCH = importlib.util.find_spec("torch") is not None
WALL_S = 20.0          # generous: every row answers in about a second
MAX_RSS_MB = 400       # subprocess rows; importing torch alone takes about 250 MB

NET = {
    "format": "verifier-network", "version": 1, "name": "tiny", "activation": "softplus",
    "inputs": ["x0", "x1"], "outputs": ["y"],
    "nodes": [{"id": "x0", "kind": "input"}, {"id": "x1", "kind": "input"},
              {"id": "h", "kind": "hidden", "bias": "b"}, {"id": "y", "kind": "output", "bias": "c"}],
    "edges": [{"from": "x0", "to": "h", "weight": "w0"}, {"from": "x1", "to": "h", "weight": "w1"},
              {"from": "h", "to": "y", "weight": "a"}],
}
POLY = {
    "format": "verifier-network", "version": 1, "name": "poly",
    "activation": {"name": "polynomial", "coefficients": ["0", "1", "1"]}, "inputs": ["x0"], "outputs": ["y"],
    "nodes": [{"id": "x0", "kind": "input"}, {"id": "h", "kind": "hidden", "bias": "b"},
              {"id": "y", "kind": "output", "bias": "c"}],
    "edges": [{"from": "x0", "to": "h", "weight": "w"}, {"from": "h", "to": "y", "weight": "a"}],
}
POINT = {"w0": "1/2", "w1": "-1/3", "b": "0.1", "a": "2", "c": "0"}
BASE = {"pts.csv": "x1,x2,y\n0,0,1\n1,0,-1\n0,1,1/2\n1,1,1/4\n", "net.json": json.dumps(NET),
        "point.json": json.dumps(POINT), "poly.json": json.dumps(POLY), "q.csv": "x,y\n1,1\n2,3\n3,5\n",
        "model.py": "import torch.nn as nn\n\ndef build():\n    return nn.Sequential(nn.Linear(2, 3), nn.Tanh(), "
                    "nn.Linear(3, 1))\n"}
BIG_INT = "9" * 5000          # past Python's 4300-digit limit for int(str)


def _fake_npy(shape) -> bytes:
    """An .npy header declaring ``shape`` (float64) followed by only 64 bytes of data."""
    head = "{'descr': '<f8', 'fortran_order': False, 'shape': %r, }" % (shape,)
    head += " " * (118 - len(head)) + "\n"
    return b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head.encode("latin1") + b"\0" * 64


def _fake_npz(shape) -> bytes:
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("X.npy", _fake_npy(shape))
        z.writestr("Y.npy", _fake_npy((shape[0], 1)))
    return buf.getvalue()


def _cert(extra: str) -> str:
    return '{"format": "verifier-certificate", "theorem": "cooper-4.1", ' + extra + "}"


# Special file contents: ("link", target), ("sparse", size) (a CSV header, then a hole), ("fifo",) (an endless
# writer feeds it while the row runs).
DEV_ZERO, DEV_URANDOM = ("link", "/dev/zero"), ("link", "/dev/urandom")
SPARSE_200MB = ("sparse", 200 * 2 ** 20)
FIFO = ("fifo",)


def _power_net(r, depth):
    from verifier.activations import power
    from verifier.network import mlp, network_to_json
    return network_to_json(mlp(1, [1] * depth, activation=power(r)))


def _relu_net(k):
    """One hidden layer of k units, each with its own relu-approx radius."""
    nodes = [{"id": "x0", "kind": "input"}, {"id": "y0", "kind": "output"}]
    edges = []
    for j in range(k):
        nodes.insert(1, {"id": f"h{j}", "kind": "hidden",
                         "activation": {"name": "relu-approx", "degree": 8, "radius": f"{j + 2}/2"}})
        edges += [{"from": "x0", "to": f"h{j}", "weight": f"a{j}"}, {"from": f"h{j}", "to": "y0", "weight": f"b{j}"}]
    return {"format": "verifier-network", "version": 1, "activation": "identity", "nodes": nodes, "edges": edges}


def v(theorem, data, *more):
    return ["verify", theorem, "--data", data, "--out", "cert.json", *more]


def v21(data="pts.csv", net="net.json", point="point.json"):
    return v("cooper-2.1", data, "--network", net, "--point", point)


def torch_v(data):
    return ["verify", "cooper-2.1", "--torch-model", "model.py:build", "--data", data, "--out", "cert.json"]


# (id, files besides BASE, argv, exit code, a fragment of the stderr line (exit 2) or of the reason (exit 1),
#  "sub" for a subprocess row or "in" for an in-process one)
ROWS = [
    # --- strict CSV header: a malformed first row is an error, not a header -----------------------------
    ("csv-first-row-spaced-fraction", {"d.csv": "1 / 2,7\n1,2\n3,4\n"}, v("cooper-3.3", "d.csv"), 2,
     "d.csv, row 1, column 1: not an exact rational number: '1 / 2'", "in"),
    ("csv-first-row-two-points", {"d.csv": "0.5.1,3\n1,2\n3,4\n"}, v("cooper-3.3", "d.csv"), 2,
     "d.csv, row 1, column 1", "in"),
    ("csv-first-row-half-a-header", {"d.csv": "x,inf\n1,2\n3,4\n"}, v("cooper-3.3", "d.csv"), 2,
     "column 2 'inf' is not a column name", "in"),
    ("csv-number-with-10001-digits", {"d.csv": "x,y\n1," + "7" * 10001 + "\n2,3\n"}, v("cooper-3.3", "d.csv"), 2,
     "more than 10000 digits", "in"),
    ("csv-exponent-10001", {"d.csv": "x,y\n1,1e-10001\n2,3\n"}, v("cooper-3.3", "d.csv"), 2,
     "exponent out of range", "in"),
    # --- bounded reads: sizes, devices, endless pipes -----------------------------------------------------
    ("csv-200MB", {"d.csv": SPARSE_200MB}, v("cooper-3.3", "d.csv"), 2, "larger than the limit of 64 MiB", "sub"),
    ("csv-endless-pipe", {"d.csv": FIFO}, v("cooper-3.3", "d.csv"), 2, "larger than the limit of 64 MiB", "sub"),
    ("csv-is-dev-zero", {"d.csv": DEV_ZERO}, v("cooper-3.3", "d.csv"), 2, "d.csv: a character device", "sub"),
    ("json-data-is-dev-urandom", {"d.json": DEV_URANDOM}, v("cooper-3.3", "d.json"), 2, "character device", "sub"),
    ("npy-data-is-dev-zero", {"d.npy": DEV_ZERO}, v("cooper-3.3", "d.npy"), 2, "character device", "sub"),
    # small files that would take a hundred times their size in memory if split or parsed unchecked
    ("csv-3M-blank-lines", {"d.csv": "\n" * 3_000_000 + "1,2\n"}, v("cooper-3.3", "d.csv"), 2,
     "3000002 lines, more than the 2000000", "sub"),
    ("csv-one-line-of-2M-commas", {"d.csv": "," * 2_000_000 + "\n"}, v("cooper-3.3", "d.csv"), 2,
     "2000001 values, more than the 1000000", "sub"),
    ("json-data-of-empty-lists", {"d.json": '{"x": [' + "[]," * 1_600_000 + '[1]], "y": [1]}'},
     v("cooper-3.3", "d.json"), 2, "JSON values", "sub"),
    ("point-of-empty-lists", {"p.json": "[" + "[]," * 4_100_000 + "[]]"}, v21(point="p.json"), 2,
     "more than 8000000 JSON values", "sub"),
    ("npy-header-claims-10^12-rows", {"d.npy": _fake_npy((10 ** 12, 3))}, v("cooper-3.3", "d.npy"), 2,
     "declares shape (1000000000000, 3)", "sub"),
    ("npy-header-claims-more-than-the-file", {"d.npy": _fake_npy((1000, 3))}, v("cooper-3.3", "d.npy"), 2,
     "declares 24000 bytes of data but the file holds 64", "in"),
    ("point-is-dev-zero", {"p.json": DEV_ZERO}, v21(point="p.json"), 2, "point file p.json: a character device",
     "sub"),
    ("network-is-dev-urandom", {"n.json": DEV_URANDOM}, v21(net="n.json"), 2, "network file n.json: a character",
     "sub"),
    ("certificate-is-dev-zero-check", {"c.json": DEV_ZERO}, ["check", "c.json"], 2, "certificate file c.json: a",
     "sub"),
    ("certificate-is-dev-urandom-report", {"c.json": DEV_URANDOM}, ["report", "c.json", "--out", "r.md"], 2,
     "character device", "sub"),
    ("system-file-is-dev-zero", {"s.txt": DEV_ZERO}, ["solve", "s.txt", "--out", "cert.json"], 2,
     "system file s.txt: a character device", "sub"),
    # --- JSON integers past 4300 digits -------------------------------------------------------------------
    ("point-int-5000-digits", {"p.json": json.dumps(POINT)[:-1] + ', "w9": ' + BIG_INT + "}"}, v21(point="p.json"),
     2, "an integer of 5000 digits is too long", "in"),
    ("network-int-5000-digits", {"n.json": json.dumps(NET)[:-1] + ', "version": ' + BIG_INT + "}"},
     v21(net="n.json"), 2, "an integer of 5000 digits is too long", "in"),
    ("certificate-int-5000-digits", {"c.json": _cert('"n": ' + BIG_INT)}, ["check", "c.json"], 2,
     "an integer of 5000 digits is too long", "in"),
    ("json-data-number-10001-digits", {"d.json": json.dumps({"x": [["1" * 10001], ["2"]], "y": [1, 2]})},
     v("cooper-3.3", "d.json"), 2, "more than 10000 digits", "in"),
    # --- lone surrogates: refused where they are read, not when the certificate is printed -----------------
    ("network-name-lone-surrogate", {"n.json": json.dumps({**NET, "name": "\ud800"})}, v21(net="n.json"), 2,
     "lone surrogate", "in"),
    ("point-label-lone-surrogate", {"p.json": json.dumps({**POINT, "\udfff": "1"})}, v21(point="p.json"), 2,
     "lone surrogate", "in"),
    ("certificate-lone-surrogate-report", {"c.json": _cert('"name": "\\udc80"')}, ["report", "c.json"], 2,
     "lone surrogate", "in"),
    ("json-data-lone-surrogate", {"d.json": '{"x": [["\\ud800"], ["1"]], "y": [1, 2]}'}, v("cooper-3.3", "d.json"),
     2, "lone surrogate", "in"),
    ("point-duplicate-key", {"p.json": '{"w0": "1", "w0": "2", "w1": "1", "b": "0", "a": "1", "c": "0"}'},
     v21(point="p.json"), 2, "duplicate key 'w0'", "in"),
    # --- sizes refused before the network is built ----------------------------------------------------------
    ("cooper-3.3-width-10^9", {}, v("cooper-3.3", "pts.csv", "--width", "1000000000"), 2,
     "width=1000000000 (--width): the construction's network would have n = ", "sub"),
    ("cooper-4.1-width-10^7", {}, v("cooper-4.1", "pts.csv", "--width", "10000000"), 2,
     "width=10000000 (--width)", "sub"),
    ("cooper-3.4-depth-10^9", {}, v("cooper-3.4", "pts.csv", "--depth", "1000000000"), 2,
     "depth=1000000000 (--depth)", "sub"),
    ("cooper-4.1-depth-10^9", {}, v("cooper-4.1", "pts.csv", "--depth", "1000000000"), 2,
     "depth=1000000000 (--depth)", "sub"),
    ("cooper-3.3-depth-10^9", {}, v("cooper-3.3", "pts.csv", "--depth", "1000000000"), 2,
     "cooper-3.3 (Lemma 3.3) has one hidden layer", "sub"),
    # --- exact data beyond float64, where a float64 path needs it -----------------------------------------
    ("cooper-2.1-data-beyond-float64", {"big.csv": "x1,x2,y\n0,0,1e400\n1,0,-1\n0,1,1/2\n1,1,1/4\n"},
     v21(data="big.csv"), 2, "is beyond the float64 range (about 1.8e308), and the float64 evaluation of H", "in"),
    ("construction-targets-beyond-float64", {"big.csv": "x,y\n0,1\n1,-1e400\n"}, v("cooper-3.3", "big.csv"), 2,
     "the construction of cooper-3.3/3.4/4.1/4.2", "in"),
    # --- a budget is not bad input: inconclusive with the reason ------------------------------------------
    ("budget-max-terms", {}, ["verify", "liao-poggio-bezout", "--network", "poly.json", "--data", "q.csv",
                              "--max-terms", "1", "--json"], 1, "raise --max-terms", "in"),
    ("budget-power-1000-three-layers", {"p1000.json": json.dumps(_power_net(1000, 3))},
     ["verify", "liao-poggio-bezout", "--network", "p1000.json", "--data", "q.csv", "--json"], 1,
     "would grow to up to", "in"),
    ("budget-prec-65536-at-d60", {"d60.csv": "".join(f"{i}/7,{(-1) ** i}\n" for i in range(60))},
     ["verify", "cooper-4.1", "--data", "d60.csv", "--prec", "65536", "--json"], 1, "past the budget of 600 s", "in"),
    ("relu-approx-64-radii", {"r64.json": json.dumps(_relu_net(64))},
     ["verify", "liao-poggio-bezout", "--network", "r64.json", "--data", "q.csv"], 2,
     "more than 16 distinct relu-approx activations", "in"),
]

TORCH_ROWS = [
    ("torch-pt-pickle", {"d.pt": pickle.dumps({"X": [[1.0, 2.0]], "Y": [[1.0]]}, protocol=4)}, torch_v("d.pt"), 2,
     "pickles are never loaded", "sub"),
    ("torch-npz-header-claims-10^12-rows", {"d.npz": _fake_npz((10 ** 12, 2))}, torch_v("d.npz"), 2,
     "d.npz:X: the header declares shape (1000000000000, 2)", "sub"),
    ("torch-pt-is-dev-zero", {"d.pt": DEV_ZERO}, torch_v("d.pt"), 2, "d.pt: not a regular file", "sub"),
    ("torch-data-beyond-float64", {"big.csv": "x1,x2,y\n0,0,1e400\n1,0,-1\n"}, torch_v("big.csv"), 2,
     "and the torch backend (floating-point tier) needs float64", "sub"),
]


def _params(rows, marks=()):
    return [pytest.param(*row, id=row[0], marks=list(marks)) for row in rows]


ALL = _params(ROWS) + _params(TORCH_ROWS, [pytest.mark.skipif(not HAS_TORCH, reason="needs torch")])
SUB = [r for r in ROWS + TORCH_ROWS if r[5] == "sub" and (HAS_TORCH or r not in TORCH_ROWS)]


def write_files(folder: Path, files: dict):
    for name, content in {**BASE, **files}.items():
        path = folder / name
        if isinstance(content, tuple) and content[0] == "link":
            path.symlink_to(content[1])
        elif isinstance(content, tuple) and content[0] == "sparse":
            with open(path, "wb") as fh:
                fh.write(b"x,y\n")
                fh.truncate(content[1])           # a hole: 200 MB on paper, nothing on disk
        elif content == FIFO:
            os.mkfifo(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def listing(folder: Path):
    return sorted(str(p.relative_to(folder)) for p in folder.iterdir())


def _feed(path: Path, stop: threading.Event):
    """Write CSV rows into the pipe ``path`` without end, until the reader goes away or ``stop`` is set."""
    fd = None
    while fd is None and not stop.is_set():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:          # ENXIO: no reader yet
                return
            time.sleep(0.005)
    if fd is None:
        return
    chunk = b"1,2\n" * 16384
    try:
        while not stop.is_set():
            try:
                os.write(fd, chunk)
            except BlockingIOError:
                time.sleep(0.0005)
    except OSError:                                # EPIPE: the reader refused the file and left
        pass
    finally:
        os.close(fd)


# A small launcher between pytest and the command: a child's ru_maxrss counts the memory it had before exec,
# i.e. a copy of its parent's, so the command is started by this fresh, small process, which reports
# getrusage(RUSAGE_CHILDREN).ru_maxrss (KiB on Linux) of its one child into a file.
_MEASURE = """\
import resource, subprocess, sys
timeout, report = float(sys.argv[1]), sys.argv[2]
try:
    code = subprocess.run(sys.argv[3:], timeout=timeout).returncode
except subprocess.TimeoutExpired:
    code = 124
with open(report, "w") as fh:
    fh.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code if code >= 0 else 128 - code)
"""


def run_sub(argv, cwd: Path, logs: Path, fifos=(), timeout=60.0):
    """(exit code, stdout, stderr, wall seconds, peak RSS in MB) of ``python -m verifier ARGV`` in ``cwd``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONSTARTUP", None)
    stop = threading.Event()
    feeders = [threading.Thread(target=_feed, args=(cwd / f, stop), daemon=True) for f in fifos]
    report = logs / "maxrss"
    with open(logs / "out", "w+b") as out, open(logs / "err", "w+b") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", _MEASURE, str(timeout), str(report),
                                 sys.executable, "-m", "verifier", *argv],
                                cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        for t in feeders:
            t.start()
        try:
            code = proc.wait(timeout + 30)
        finally:
            stop.set()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        wall = time.monotonic() - t0
        for t in feeders:
            t.join(5)
        out.seek(0)
        err.seek(0)
        rss_kib = int(report.read_text()) if report.exists() else 10 ** 9
        return code, out.read().decode(errors="replace"), err.read().decode(errors="replace"), wall, rss_kib / 1024


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """Run the subprocess rows two at a time, each in a fresh folder, before their tests look at them."""
    runs = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for cid, files, argv, *_ in SUB:
            folder = tmp_path_factory.mktemp(cid.replace("^", ""), numbered=True)
            logs = tmp_path_factory.mktemp("logs", numbered=True)
            write_files(folder, files)
            fifos = [name for name, c in files.items() if c == FIFO]
            runs[cid] = (folder, listing(folder), pool.submit(run_sub, argv, folder, logs, fifos))
        yield {cid: (folder, before, fut.result()) for cid, (folder, before, fut) in runs.items()}


def run_in(argv, folder: Path, capsys, monkeypatch):
    monkeypatch.chdir(folder)
    capsys.readouterr()
    t0 = time.monotonic()
    code = main(list(argv))
    wall = time.monotonic() - t0
    cap = capsys.readouterr()
    return code, cap.out, cap.err, wall, None


@pytest.mark.parametrize("cid, files, argv, code, expect, mode", ALL)
def test_hostile_input_is_answered_in_bounds(request, tmp_path, capsys, monkeypatch, cid, files, argv, code, expect,
                                            mode):
    if mode == "sub":
        folder, before, (rc, out, err, wall, rss_mb) = request.getfixturevalue("launched")[cid]
    else:
        write_files(tmp_path, files)
        folder, before = tmp_path, listing(tmp_path)
        rc, out, err, wall, rss_mb = run_in(argv, tmp_path, capsys, monkeypatch)
    assert "Traceback" not in err, err[-2000:]
    assert rc == code, (rc, out[-1000:], err[-1000:])
    assert wall < WALL_S, f"{cid} took {wall:.1f} s"
    if rss_mb is not None:
        assert rss_mb < MAX_RSS_MB, f"{cid} peaked at {rss_mb:.0f} MB"
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("verifier: error: "), err
        assert expect in lines[0], lines[0]
        assert out.strip() == "", out[-1000:]
    else:                                            # a budget: inconclusive, with the reason
        assert err == "", err
        doc = json.loads(out)
        assert doc["status"] == "inconclusive" and expect in doc["reason"], doc["reason"]
    assert listing(folder) == before, "a file was written"


# ---------------------------------------------------------------------------- the same limits from Python


@pytest.mark.parametrize("options, fragment", [
    ({"width": 10 ** 9}, "width=1000000000"),
    ({"width": 10 ** 7}, "width=10000000"),
    ({"depth": 10 ** 9}, "depth=1000000000"),
    ({"widths": [10 ** 4] * 20}, "widths=[10000"),
])
def test_python_verify_refuses_a_huge_construction_up_front(options, fragment):
    data = verifier.dataset_from_arrays([[0], [1], [2]], [1, 0, 1])
    t0 = time.monotonic()
    with pytest.raises(InputError) as ei:
        verifier.verify("cooper-4.1", data, **options)
    assert time.monotonic() - t0 < 2
    msg = str(ei.value)
    assert "\n" not in msg and fragment in msg and "budget of 1000000" in msg


def test_builders_refuse_graphs_of_many_gigabytes():
    t0 = time.monotonic()
    for build in (lambda: verifier.mlp(2, [10 ** 9]), lambda: verifier.mlp(1, iter(lambda: 1, 0)),
                  lambda: verifier.conv1d(10 ** 7, 3, channels=8)):
        with pytest.raises(InputError, match="builder's limit"):
            build()
    assert time.monotonic() - t0 < 2


@pytest.mark.parametrize("q", [fmpq(1, fmpz(10) ** 5000), fmpq(1, fmpz(5) ** 10 ** 6), fmpq(3, fmpz(2) ** 10 ** 7),
                               fmpq(fmpz(10) ** 6000 + 1, fmpz(2) ** 3000), fmpq(-fmpz(10) ** 5000, 8),
                               fmpq(-1, fmpz(10) ** 3000)])
def test_decimal_str_is_bounded(q):
    """format.decimal_str never factors a denominator above 10^3000 and makes long digits with flint."""
    t0 = time.monotonic()
    text = decimal_str(q)
    assert time.monotonic() - t0 < 2
    if "/" in text:
        assert text == rational_str(q) and q.q > fmpz(10) ** 3000
    else:
        sign = -1 if text.startswith("-") else 1
        whole, _, frac = text.lstrip("-").partition(".")
        assert sign * fmpq(fmpz(whole + frac), fmpz(10) ** len(frac)) == q


@pytest.mark.skipif(not HAS_TORCH, reason="needs torch")
def test_python_float_tier_names_itself_for_data_beyond_float64():
    from verifier.checker.format import FLOAT_TIER
    data = verifier.dataset_from_arrays([[0, 0], [1, 0]], [["1e400"], [1]])
    with pytest.raises(InputError, match="the torch backend .floating-point tier. needs float64"):
        verifier.verify("cooper-2.1", data, tier=FLOAT_TIER, network=verifier.mlp(2, [3], activation="tanh"))
