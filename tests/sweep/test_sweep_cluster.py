"""Sweeps on a real Dask cluster: a ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1.

A worker killed (SIGKILL) in the middle of a sweep, and a client (``verifier sweep --scheduler``) interrupted
and run again, must still leave every instance in the store exactly once, the earlier rows untouched, and a
store that ``verifier check DIR --scheduler ADDR`` accepts. The instances are Theorem 4.1 on 80 points in
four dimensions, a few hundred milliseconds each, so that a sweep is still running when it is interrupted.
Every process is started in its own process group and killed with it in the fixture's teardown.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("distributed", reason="verifier sweep on a cluster needs dask[distributed]")
pd = pytest.importorskip("pandas", reason="the results table needs pandas")

import verifier  # noqa: E402
from verifier.cli import main  # noqa: E402
from verifier.sweep import check_store, expand  # noqa: E402

BIN = os.path.dirname(sys.executable)
DASK = os.path.join(BIN, "dask")
N = 20
SPEC_TOML = f'theorem = "cooper-4.1"\ndraws = {N}\n[data]\ninputs = 4\npoints = 80\n'


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env():
    env = dict(os.environ)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = repo + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONSTARTUP", None)
    return env


def _kill_group(proc, sig=signal.SIGKILL):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Cluster:
    def __init__(self, log_dir):
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.log_dir = log_dir
        self.scheduler = None
        self.workers = []
        self.others = []

    def _start(self, args, name):
        log = open(os.path.join(self.log_dir, f"{name}.log"), "wb")
        return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=_env(), cwd=self.log_dir)

    def start(self):
        if not os.path.isfile(DASK):
            pytest.fail(f"no dask command next to {sys.executable}")
        self.scheduler = self._start([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--no-dashboard"], "scheduler")
        self.ensure_workers(2)

    def alive_workers(self):
        return [w for w in self.workers if w.poll() is None]

    def ensure_workers(self, n, timeout=60):
        from distributed import Client
        for _ in range(n - len(self.alive_workers())):
            self.workers.append(self._start([DASK, "worker", self.address, "--nthreads", "1", "--nworkers", "1",
                                             "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                                             "--death-timeout", "60"], f"worker{len(self.workers)}"))
        deadline = time.monotonic() + timeout
        client = None
        try:
            while client is None:
                try:
                    client = Client(self.address, timeout="5s")
                except (OSError, TimeoutError):
                    if time.monotonic() > deadline or self.scheduler.poll() is not None:
                        raise
            client.wait_for_workers(n, timeout=max(1, deadline - time.monotonic()))
            while len(client.scheduler_info(n_workers=-1)["workers"]) != n:   # a killed one may linger briefly
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the scheduler does not see {n} workers")
                time.sleep(0.1)
        finally:
            if client is not None:
                client.close()

    def stop(self):
        for p in self.others + self.workers + ([self.scheduler] if self.scheduler else []):
            _kill_group(p)
        for p in self.others + self.workers + ([self.scheduler] if self.scheduler else []):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp("dask-logs")))
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SPEC_TOML)
    return str(path)


def _rows(out):
    folder = os.path.join(out, "rows")
    if not os.path.isdir(folder):
        return {}
    return {n[:-5]: open(os.path.join(folder, n), "rb").read() for n in os.listdir(folder) if n.endswith(".json")}


def _wait_rows(out, k, timeout, also=lambda: True):
    deadline = time.monotonic() + timeout
    while len(_rows(out)) < k:
        assert time.monotonic() < deadline, f"only {len(_rows(out))} rows after {timeout} s"
        assert also(), "the sweep ended early"
        time.sleep(0.05)


def _complete(out, keys):
    rows = _rows(out)
    assert sorted(rows) == sorted(keys)
    table = pd.read_parquet(os.path.join(out, "results.parquet"))
    assert len(table) == len(keys) and table["key"].is_unique and sorted(table["key"]) == sorted(keys)
    assert set(table["status"]) == {"verified"}
    res = check_store(out)
    assert res == {"total": len(keys), "ok": len(keys), "failed": [], "tampered": []}
    return rows, table


def test_worker_killed_mid_sweep(cluster, spec_file, tmp_path):
    cluster.ensure_workers(2)
    out = str(tmp_path / "r")
    keys = [i["key"] for i in expand(spec_file)]
    assert len(keys) == N
    result, done = {}, []

    def run():
        try:
            result["frame"] = verifier.sweep(spec_file, out, scheduler=cluster.address,
                                             progress=lambda d, t, c: done.append(d))
        except BaseException as exc:            # noqa: BLE001 - re-raised in the test's thread
            result["error"] = exc
    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        _wait_rows(out, 4, 90, also=t.is_alive)
        victim = cluster.alive_workers()[0]
        _kill_group(victim)                     # SIGKILL: the worker and the instance it was running
        victim.wait(timeout=10)
        assert len(_rows(out)) < N, "the sweep finished before a worker could be killed"
    finally:
        t.join(timeout=180)
    assert not t.is_alive(), "the sweep did not finish after a worker was killed"
    assert "error" not in result, repr(result.get("error"))
    frame = result["frame"]
    assert frame.attrs["lost"] == []
    assert len(frame) == N and frame["key"].is_unique and list(frame["key"]) == keys
    assert done == sorted(done) and done[-1] == N and len(done) == len(set(done))  # each instance recorded once
    _complete(out, keys)


def test_interrupted_client_resumes(cluster, spec_file, tmp_path):
    cluster.ensure_workers(2)
    out = str(tmp_path / "r")
    keys = [i["key"] for i in expand(spec_file)]
    cmd = [os.path.join(BIN, "verifier"), "sweep", spec_file, "--out", out, "--scheduler", cluster.address]
    if not os.path.isfile(cmd[0]):
        cmd[:1] = [sys.executable, "-m", "verifier"]
    log = open(tmp_path / "client.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=_env())
    cluster.others.append(proc)
    try:
        _wait_rows(out, 5, 90, also=lambda: proc.poll() is None)
        os.killpg(proc.pid, signal.SIGINT)      # Ctrl-C
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            pytest.fail("verifier sweep did not stop on SIGINT within 30 s")
    finally:
        _kill_group(proc)
        proc.wait(timeout=10)
    assert rc == 130, (rc, (tmp_path / "client.log").read_text()[-2000:])
    early = _rows(out)
    assert 5 <= len(early) < N, f"{len(early)} rows when interrupted"
    assert not os.path.exists(os.path.join(out, "results.parquet"))   # the table is written at the end

    progress = []
    frame = verifier.sweep(spec_file, out, scheduler=cluster.address, progress=lambda *a: progress.append(a))
    assert progress[0][0] == len(early) and progress[-1][0] == N
    assert len(progress) == 1 + N - len(early)      # only the missing instances were computed
    rows, _ = _complete(out, keys)
    assert {k: rows[k] for k in early} == early     # the earlier rows are untouched
    assert len(frame) == N and list(frame["key"]) == keys


def test_check_on_the_scheduler(cluster, spec_file, tmp_path, capsys):
    cluster.ensure_workers(2)
    out = str(tmp_path / "r")
    small = os.path.join(str(tmp_path), "small.toml")
    with open(small, "w") as fh:
        fh.write('theorem = "cooper-4.1"\n[data]\ninputs = 2\n[grid]\n"data.points" = [2, 3, 4, 5]\n')
    assert main(["sweep", small, "--out", out, "--scheduler", cluster.address, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "complete" and doc["counts"] == {"verified": 4}
    assert main(["check", out, "--scheduler", cluster.address]) == 0
    assert "checked 4 certificates" in capsys.readouterr().out and True
    assert main(["check", out, "--scheduler", cluster.address, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == {"accepted": 4, "rejected": 0, "tampered": 0}
    # a tampered certificate is found on the cluster too
    key = sorted(_rows(out))[0]
    row = json.loads(_rows(out)[key])
    cert = os.path.join(out, row["certificate"])
    text = open(cert).read()
    i = text.index('"digest"') - 10
    while not text[i].isdigit():
        i -= 1
    open(cert, "w").write(text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:])
    assert main(["check", out, "--scheduler", cluster.address]) == 1
    assert f"DAMAGED  {key}" in capsys.readouterr().out


@pytest.mark.parametrize("address", ["refused", "tcp://127.0.0.1", "foo://127.0.0.1:1"])
def test_bad_scheduler_address_is_an_input_error(address, tmp_path, spec_file, capsys, monkeypatch):
    import distributed
    real = distributed.Client
    monkeypatch.setattr(distributed, "Client", lambda addr, timeout=None, **kw: real(addr, timeout="2s", **kw))
    if address == "refused":
        address = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "r"
    t0 = time.monotonic()
    rc = main(["sweep", spec_file, "--out", str(out), "--scheduler", address])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2 and len(lines) == 1 and "cannot connect" in lines[0] and "Traceback" not in err, err
    assert not out.exists()                     # nothing written before the scheduler answered
    assert time.monotonic() - t0 < 30
    store = tmp_path / "store"
    verifier.sweep({"theorem": "cooper-4.1", "data": {"inputs": 2, "points": 2}}, str(store), client="in-process")
    assert main(["check", str(store), "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert "cannot connect" in err and "Traceback" not in err, err
