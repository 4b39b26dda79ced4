"""Sweeps (``verifier sweep`` / ``verifier.sweep``): spec expansion and refusal, the in-process store (resume,
tampering, deleted rows, the results table), budgets, and a LocalCluster run.

Every instance is Theorem 4.1 (``cooper-4.1``) on a handful of points (tens of milliseconds each), except the
memory-budget case, which needs a theorem that takes ``max_memory_mb`` and replaces the computation anyway.
The command line runs in this process (``verifier.cli.main``); a refused spec must leave no ``--out`` folder.
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest

pytest.importorskip("distributed", reason="verifier sweep needs dask[distributed]")
pd = pytest.importorskip("pandas", reason="the results table needs pandas")
pytest.importorskip("pyarrow", reason="results.parquet needs pyarrow")

import verifier  # noqa: E402
from verifier.cli import main  # noqa: E402
from verifier.errors import InputError  # noqa: E402
from verifier.sweep import check_store, expand, load_spec  # noqa: E402
from verifier.sweep import run as sweep_run  # noqa: E402

SPEC = {"theorem": "cooper-4.1", "data": {"inputs": 2}, "grid": {"data.points": [2, 3, 4]}}
SPEC_TOML = 'theorem = "cooper-4.1"\n[data]\ninputs = 2\n[grid]\n"data.points" = [2, 3, 4]\n'


def _keys(spec):
    return [inst["key"] for inst in expand(spec)]


def _rows(out):
    folder = os.path.join(out, "rows")
    return {name[:-5]: open(os.path.join(folder, name), "rb").read()
            for name in sorted(os.listdir(folder)) if name.endswith(".json")}


class Computed:
    """Wraps ``run_instance`` to record the keys a sweep actually computes."""

    def __init__(self, monkeypatch):
        self.keys = []
        real = sweep_run.run_instance

        def wrapped(inst, **kw):
            self.keys.append(inst["key"])
            return real(inst, **kw)
        monkeypatch.setattr(sweep_run, "run_instance", wrapped)


def _refused(capsys, argv, out):
    rc = main(argv)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2, err
    assert len(lines) == 1 and lines[0].startswith("verifier: error: "), err
    assert "Traceback" not in err
    return lines[0]


# ---------------------------------------------------------------------------- the spec

def test_expansion_is_deterministic(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SPEC_TOML)
    first, second = _keys(SPEC), _keys(SPEC)
    assert first == second == _keys(str(path))           # the dict and the TOML file mean the same instances
    assert len(set(first)) == 3 and all(k.startswith("cooper-4.1-") for k in first)
    assert [i["index"] for i in expand(SPEC)] == [0, 1, 2]
    assert _keys({**SPEC, "seed": 1}) != first           # the spec's seed changes every instance


def test_grid_times_random_draws():
    spec = {"theorem": "cooper-4.1", "seed": 7, "data": {"inputs": 2, "points": 3},
            "grid": {"data.points": [2, 3], "data.scale": [2, 4, 8]},
            "random": {"draws": 4, "data.denominator": {"int": [2, 9]}, "options.prec_bits": {"choice": [64, 128]}}}
    insts = expand(spec)
    assert len(insts) == 2 * 3 * 4
    assert len({i["key"] for i in insts}) == 24
    assert [i["key"] for i in expand(spec)] == [i["key"] for i in insts]       # the draws are seeded
    assert all(2 <= i["params"]["data.denominator"] <= 9 for i in insts)
    assert {i["params"]["options.prec_bits"] for i in insts} <= {64, 128}
    assert {(i["params"]["data.points"], i["params"]["data.scale"]) for i in insts} == \
        {(p, s) for p in (2, 3) for s in (2, 4, 8)}
    assert len(expand({**spec, "random": {"draws": 5}})) == 30                # draws without random axes: seeds


BAD_SPECS = {
    "unknown top key": ('theorem = "cooper-4.1"\nfoo = 1\n', "unknown key 'foo'"),
    "unknown network key": ('theorem = "liao-poggio-bezout"\n[network]\nbuilder = "liao_poggio_tree"\nfoo = 1\n'
                            '[data]\npoints = 2\n', "unknown key network.foo"),
    "bad range": ('theorem = "cooper-4.1"\n[data]\ninputs = 2\n[grid]\n"data.points" = [0]\n', "data.points = 0"),
    "wrong type": ('theorem = "cooper-4.1"\n[data]\ninputs = 2\npoints = "3"\n', "data.points"),
    "wrong type of a table": ('theorem = "cooper-4.1"\ndata = 3\n', "[data] must be a table"),
    "code string": ('theorem = "__import__(\'os\').system(\'touch PWNED\')"\n', "is not a registered theorem"),
    "option not taken": ('theorem = "cooper-4.1"\n[data]\ninputs = 2\npoints = 3\n[options]\nmax_terms = 5\n',
                         "options.max_terms is not an option of cooper-4.1"),
    "option not taken, as an axis": ('theorem = "cooper-4.1"\n[data]\ninputs = 2\npoints = 3\n[grid]\n'
                                     '"options.max_terms" = [5]\n', "options.max_terms is not an option"),
    "option the sweep owns": ('theorem = "liao-poggio-bezout"\n[network]\nbuilder = "liao_poggio_tree"\n'
                              '[data]\npoints = 2\n[options]\nnetwork = "x.json"\n', "options.network"),
    "timeout not a number": ('theorem = "cooper-4.1"\n[data]\ninputs = 2\npoints = 3\n[options]\ntimeout = "x"\n',
                             "options.timeout"),
    "timeout nan": ('theorem = "cooper-4.1"\n[data]\ninputs = 2\npoints = 3\n[options]\ntimeout = nan\n',
                    "options.timeout"),
    "seed axis not an integer": ('theorem = "cooper-4.1"\n[data]\ninputs = 2\npoints = 3\n[grid]\nseed = ["x"]\n',
                                 "seed"),
    "the same instance twice": ('theorem = "cooper-4.1"\n[data]\ninputs = 2\npoints = 3\n[grid]\nseed = [1, 1]\n',
                                "the same instance"),
    "bad random rule": ('theorem = "cooper-4.1"\n[data]\ninputs = 2\npoints = 3\n[random]\ndraws = 2\n'
                        '"data.scale" = {uniform = [1, 2]}\n', "unknown rule"),
    "missing required key": ('theorem = "cooper-4.1"\n[data]\ninputs = 2\n', "data.points is required"),
    "TOML syntax error": ('theorem = "cooper-4.1"\n[data\n', "not a valid TOML spec"),
    "not UTF-8": (b'theorem = "cooper-4.1\xff"\n', "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_spec_refused_nothing_written(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text, expected = BAD_SPECS[case]
    spec = tmp_path / "bad.toml"
    (spec.write_bytes if isinstance(text, bytes) else spec.write_text)(text)
    out = tmp_path / "out"
    line = _refused(capsys, ["sweep", str(spec), "--out", str(out), "--in-process"], out)
    assert expected in line
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["bad.toml"]               # no PWNED, no out folder


@pytest.mark.parametrize("case", ["/dev/zero", "huge", "missing", "a folder"])
def test_hostile_spec_file_refused(case, tmp_path, capsys):
    spec = {"/dev/zero": "/dev/zero", "huge": str(tmp_path / "huge.toml"), "missing": str(tmp_path / "nope.toml"),
            "a folder": str(tmp_path)}[case]
    if case == "huge":
        with open(spec, "w") as fh:                     # valid TOML (one comment line) far past the size limit
            fh.write("#" * (8 << 20) + "\n")
    out = tmp_path / "out"
    t0 = time.monotonic()
    _refused(capsys, ["sweep", spec, "--out", str(out), "--in-process"], out)
    assert time.monotonic() - t0 < 10
    assert not out.exists()


def test_out_is_a_foreign_folder(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC_TOML)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me\n")
    line = _refused(capsys, ["sweep", str(spec), "--out", str(out), "--in-process"], out)
    assert "not a sweep results folder" in line
    assert os.listdir(out) == ["notes.txt"] and (out / "notes.txt").read_text() == "keep me\n"
    file_out = tmp_path / "s.toml"                       # --out naming a file
    _refused(capsys, ["sweep", str(spec), "--out", str(file_out), "--in-process"], file_out)
    assert file_out.read_text() == SPEC_TOML


def test_bad_command_line_options(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC_TOML)
    out = tmp_path / "out"
    _refused(capsys, ["sweep", str(spec), "--out", str(out), "--workers", "0"], out)
    _refused(capsys, ["sweep", str(spec), "--out", str(out), "--in-process", "--workers", "2"], out)
    assert not out.exists()


def test_api_refuses_with_input_error(tmp_path):
    with pytest.raises(InputError, match="unknown key"):
        verifier.sweep({**SPEC, "bogus": 1}, out=str(tmp_path / "o"), client="in-process")
    assert not (tmp_path / "o").exists()
    with pytest.raises(InputError):
        load_spec({"theorem": "no-such-theorem"})


# ---------------------------------------------------------------------------- the in-process store

def test_in_process_sweep_store_resume_and_check(tmp_path, capsys, monkeypatch):
    out = str(tmp_path / "r")
    progress = []
    frame = verifier.sweep(SPEC, out, client="in-process", progress=lambda *a: progress.append(a))
    keys = _keys(SPEC)
    assert list(frame["status"]) == ["verified"] * 3
    assert list(frame["key"]) == keys and list(frame["index"]) == [0, 1, 2]
    assert progress[0] == (0, 3, {}) and progress[-1] == (3, 3, {"verified": 3})
    assert frame.attrs["total"] == 3 and frame.attrs["lost"] == []
    for key in keys:
        row = json.loads(open(os.path.join(out, "rows", key + ".json")).read())
        assert row["status"] == "verified" and row["task_seconds"] >= row["seconds"] > 0
        assert os.path.isfile(os.path.join(out, row["certificate"]))
    doc = json.load(open(os.path.join(out, "sweep.json")))
    assert doc["format"] == "verifier-sweep" and doc["spec"]["theorem"] == "cooper-4.1"

    # the results table: one row per instance, the family column, the certificate's numbers
    table = pd.read_parquet(os.path.join(out, "results.parquet"))
    assert len(table) == 3 and sorted(table["key"]) == sorted(keys)
    assert list(table["data.points"]) == [2, 3, 4] and list(table["d"]) == [2, 3, 4]
    assert set(table["status"]) == {"verified"}

    assert main(["check", out]) == 0
    assert "3 accepted, 0 rejected, 0 damaged" in capsys.readouterr().out

    # a rerun computes nothing and leaves every row as it was
    before = _rows(out)
    computed, progress = Computed(monkeypatch), []
    again = verifier.sweep(SPEC, out, client="in-process", progress=lambda *a: progress.append(a))
    assert computed.keys == [] and progress == [(3, 3, {"verified": 3})]
    assert _rows(out) == before
    assert list(again["key"]) == keys and list(again["task_seconds"]) == list(frame["task_seconds"])

    # one digit of one certificate changed: check_store names it, the next run recomputes exactly that one
    victim = keys[1]
    cert = os.path.join(out, json.loads(before[victim])["certificate"])
    text = open(cert).read()
    m = re.search(r'"rank": (\d)', text) or re.search(r"\d", text[text.index('"claims"'):])
    pos = m.start(1) if m.re.groups else text.index('"claims"') + m.start()
    text = text[:pos] + ("1" if text[pos] != "1" else "2") + text[pos + 1:]
    open(cert, "w").write(text)
    res = check_store(out)
    assert res["tampered"] == [victim] and res["total"] == 2 and res["ok"] == 2
    assert main(["check", out]) == 1
    assert "DAMAGED  " + victim in capsys.readouterr().out
    computed.keys.clear()
    verifier.sweep(SPEC, out, client="in-process")
    assert computed.keys == [victim]
    after = _rows(out)
    assert {k: v for k, v in after.items() if k != victim} == {k: v for k, v in before.items() if k != victim}
    assert check_store(out) == {"total": 3, "ok": 3, "failed": [], "tampered": []}

    # a deleted row file is recomputed (and only it)
    os.remove(os.path.join(out, "rows", keys[0] + ".json"))
    computed.keys.clear()
    frame = verifier.sweep(SPEC, out, client="in-process")
    assert computed.keys == [keys[0]] and len(frame) == 3
    assert main(["check", out]) == 0


def test_cli_in_process_json(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC_TOML)
    out = str(tmp_path / "r")
    assert main(["sweep", str(spec), "--out", out, "--in-process", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "complete" and doc["counts"] == {"verified": 3}
    assert doc["result"]["instances"] == 3 and len(doc["result"]["rows"]) == 3
    assert main(["check", out, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["accepted"] == 3


# ---------------------------------------------------------------------------- budgets and failing instances

def test_time_budget_stops_an_instance(tmp_path, monkeypatch):
    real = sweep_run._compute

    def slow(inst):                    # runs in the forked child, which inherits this patch
        if inst["data"]["points"] == 3:
            time.sleep(60)
        return real(inst)
    monkeypatch.setattr(sweep_run, "_compute", slow)
    monkeypatch.setattr(sweep_run, "GRACE_S", 0.5)
    spec = {**SPEC, "options": {"timeout": 1}}
    t0 = time.monotonic()
    frame = verifier.sweep(spec, str(tmp_path / "r"), client="in-process")
    assert time.monotonic() - t0 < 20
    by = dict(zip(frame["data.points"], zip(frame["status"], frame["reason"])))
    assert by[2][0] == by[4][0] == "verified"
    assert by[3][0] == "inconclusive" and by[3][1].startswith("budget:") and "time budget of 1 s" in by[3][1]
    assert check_store(str(tmp_path / "r"))["tampered"] == []


def test_memory_budget_stops_an_instance(tmp_path, monkeypatch):
    def hungry(inst):
        blocks = [bytearray(1 << 28) for _ in range(64)]     # 16 GiB of address space, far past the budget
        return {"error": f"allocated {len(blocks)} blocks", "seconds": 0.0}
    monkeypatch.setattr(sweep_run, "_compute", hungry)
    spec = {"theorem": "liao-poggio-bezout",
            "network": {"builder": "liao_poggio_tree", "activation": {"name": "power", "r": 2}},
            "data": {"points": 2}, "options": {"max_memory_mb": 64}}
    frame = verifier.sweep(spec, str(tmp_path / "r"), client="in-process")
    assert len(frame) == 1
    assert frame["status"][0] == "inconclusive" and frame["reason"][0].startswith("budget:"), frame["reason"][0]
    assert "memory" in frame["reason"][0]


def test_bad_instance_is_an_error_row_and_the_sweep_goes_on(tmp_path):
    # one input column, values k/1 with |k| <= 1: only three distinct points exist, so 5 points cannot be drawn
    spec = {"theorem": "cooper-4.1", "data": {"inputs": 1, "scale": 1, "denominator": 1},
            "grid": {"data.points": [2, 5, 3]}}
    out = str(tmp_path / "r")
    frame = verifier.sweep(spec, out, client="in-process")
    assert list(frame["status"]) == ["verified", "error", "verified"]
    assert "distinct points" in frame["reason"][1]
    assert check_store(out) == {"total": 2, "ok": 2, "failed": [], "tampered": []}
    assert len(_rows(out)) == 3                     # the error is a stored result: a rerun does not redo it


def test_crashing_instance_is_an_error_row(tmp_path, monkeypatch):
    def broken(inst):
        raise RuntimeError("boom")
    monkeypatch.setattr(sweep_run, "_compute", broken)
    frame = verifier.sweep({**SPEC, "grid": {"data.points": [2]}}, str(tmp_path / "r"), client="in-process")
    assert frame["status"][0] == "error" and frame["reason"][0].startswith("crash: RuntimeError: boom")


# ---------------------------------------------------------------------------- a LocalCluster

def test_local_cluster_runs_every_instance_once(tmp_path):
    spec = {"theorem": "cooper-4.1", "data": {"inputs": 2}, "grid": {"data.points": [2, 3, 4, 5, 6, 7]}}
    out = str(tmp_path / "r")
    frame = verifier.sweep(spec, out, workers=2)
    keys = _keys(spec)
    assert frame.attrs["lost"] == []
    assert list(frame["key"]) == keys and frame["key"].is_unique
    assert set(frame["status"]) == {"verified"}
    assert sorted(_rows(out)) == sorted(keys)
    assert len(pd.read_parquet(os.path.join(out, "results.parquet"))) == len(keys)
    assert check_store(out) == {"total": 6, "ok": 6, "failed": [], "tampered": []}


def test_a_certificate_the_checker_rejects_is_never_a_verified_row(tmp_path, monkeypatch):
    """The row's status is the certificate's only when the independent checker accepts it."""
    import verifier.checker as checker_pkg
    from verifier.sweep.run import run_instance
    from verifier.sweep.spec import expand, parse_spec

    class Rejected:
        ok, status = False, "verified"
    monkeypatch.setattr(checker_pkg, "check_certificate", lambda doc, **_: Rejected())
    inst = expand(parse_spec({"theorem": "cooper-4.1", "data": {"inputs": 1, "points": 3}}))[0]
    row = run_instance(inst, isolate=False)["row"]
    assert row["check_ok"] is False and row["status"] == "inconclusive"
    assert "did not accept" in row["reason"]
