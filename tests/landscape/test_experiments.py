"""The landscape experiments: MDS, PCA, filter normalisation, layer noise, and `verifier landscape` end to end
(tiny sizes), reproducible from the seed; bad input exits 2 with one line and writes nothing."""

import json
import os

import numpy as np
import pytest

from verifier.landscape.analysis import (classical_mds, cosine_dissimilarity, filter_normalize, layer_noise,
                                         parameter_groups, pca)
from verifier.network import mlp


def _pairwise(X):
    return np.linalg.norm(X[:, None, :] - X[None, :, :], axis=-1)


def test_classical_mds_recovers_a_planar_configuration():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(12, 2)) * [3.0, 1.0]
    Z, ev = classical_mds(_pairwise(X), 2)
    assert np.allclose(_pairwise(Z), _pairwise(X), atol=1e-9)      # up to a rigid motion
    assert ev[2:].max() < 1e-9 and ev[1] > 0                        # rank 2: nothing beyond two axes
    # a configuration in R^5 that lies in a 2-plane: the same
    Q, _ = np.linalg.qr(rng.normal(size=(5, 2)))
    Z5, _ = classical_mds(_pairwise(X @ Q.T + 7.0), 2)
    assert np.allclose(_pairwise(Z5), _pairwise(X), atol=1e-8)


def test_cosine_dissimilarity_and_pca():
    W = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0], [-1.0, 0.0]])
    D = cosine_dissimilarity(W)
    assert np.allclose(D, [[0, 0, 1, 2], [0, 0, 1, 2], [1, 1, 0, 1], [2, 2, 1, 0]])
    pts = np.array([[3.0, 0, 0], [-3.0, 0, 0], [0, 0.5, 0], [0, -0.5, 0]]) + [1.0, 2.0, 3.0]
    coords, comps, c, ratio = pca(pts, 2)
    assert np.allclose(np.abs(comps[0]), [1, 0, 0], atol=1e-12) and np.allclose(np.abs(comps[1]), [0, 1, 0])
    assert np.isclose(ratio.sum(), 1.0)
    assert np.allclose(coords @ comps + c, pts)


def test_filter_normalisation_preserves_filter_norms():
    net = mlp(3, [4, 5], l=2, activation="tanh")
    filters, biases, layers = parameter_groups(net)
    # one filter per non-input node (4 + 5 + 2), the incoming weights of that node
    assert [len(f) for f in filters] == [3] * 4 + [4] * 5 + [5] * 2
    assert len(biases) == 4 + 5 + 2
    assert sorted(np.concatenate(filters).tolist() + biases.tolist()) == list(range(net.n))
    assert sorted(np.concatenate(layers).tolist()) == list(range(net.n)) and len(layers) == 3
    rng = np.random.default_rng(3)
    w, d = rng.normal(size=net.n), rng.normal(size=net.n) * 10
    dn = filter_normalize(d, w, filters, biases)
    for f in filters:
        assert np.isclose(np.linalg.norm(dn[f]), np.linalg.norm(w[f]))            # norm of the weights' filter
        assert np.isclose(abs(np.dot(dn[f], d[f])), np.linalg.norm(dn[f]) * np.linalg.norm(d[f]))  # direction kept
    assert np.all(dn[biases] == 0)
    assert np.isclose(np.linalg.norm(dn), np.linalg.norm(np.delete(w, biases)))
    # noise scaled per layer: zero-spread layer gets no noise
    w2 = w.copy()
    w2[layers[0]] = 0.5
    noise = layer_noise(w2, layers, 0.1, np.random.default_rng(0))
    assert np.all(noise[layers[0]] == 0) and np.all(noise[layers[1]] != 0)


pytest.importorskip("torch", reason="verifier landscape trains with torch (optional dependency)")
pytest.importorskip("matplotlib", reason="verifier landscape draws with matplotlib")

from verifier.cli import main  # noqa: E402

TINY = ["landscape", "--task", "teacher", "--points", "8", "--runs", "2", "--branches", "1", "--steps", "40",
        "--grid", "5", "--quiet"]


def _numbers(folder):
    with open(os.path.join(folder, "landscape.json")) as fh:
        doc = json.load(fh)
    doc.pop("timings_s")
    for ep in doc["endpoints"]:
        ep["certificate"].pop("seconds", None)
    for pair in doc["connect"]:
        pair.pop("seconds", None)
    return doc


def test_landscape_end_to_end_and_reproducible(tmp_path, capsys):
    a, b = (str(tmp_path / x) for x in "ab")
    assert main(TINY + ["--out", a]) == 0
    text = capsys.readouterr()
    assert "certified" in text.out and text.err == ""
    for name in ("report.html", "landscape.json", "figures/mds.png", "figures/mds.pdf", "figures/surface.pdf",
                 "certificates/run1.json"):
        assert os.path.isfile(os.path.join(a, name)), name
    html = open(os.path.join(a, "report.html")).read()
    assert "data:image/png;base64," in html and "not proof" in html and "cooper-connected" in html
    doc = _numbers(a)
    assert doc["n"] == 97 and doc["d"] == 8 and len(doc["endpoints"]) == 4
    for ep in doc["endpoints"]:       # tiny, heavily overparameterized: every endpoint reaches M and is proven
        assert ep["reached_M"] and ep["certificate"]["status"] == "verified"
        assert ep["certificate"]["tier"] == "rigorous" and ep["certificate"]["check"] == "accepted"
        assert len(ep["spectrum"]["eigenvalues_2K"]) == 8 and ep["spectrum"]["min"] > 0
    assert {c["status"] for c in doc["connect"]} <= {"not available", "verified", "inconclusive", "refuted",
                                                     "not-applicable", "input error", "error"}
    # the same seed: the same numbers; another seed: others
    assert main(TINY + ["--out", b, "--json"]) == 0
    env = json.loads(capsys.readouterr().out)
    assert env["command"] == "landscape" and env["result"]["certified"] == 4
    assert _numbers(b) == doc
    from verifier.landscape.experiments import run_landscape
    other = run_landscape(task="teacher", points=8, runs=2, branches=1, steps=40, grid=5, seed=1, certify=False)
    assert other["trajectories"][0]["loss"] != doc["trajectories"][0]["loss"]
    assert other["endpoints"][0]["certificate"]["status"] == "not attempted"


@pytest.mark.parametrize("argv, words", [
    (["--task", "nope"], "--task"),
    (["--task", "teacher", "--runs", "0"], "--runs"),
    (["--task", "teacher", "--noise", "-1"], "--noise"),
    (["--network", "missing.json", "--data", "missing.csv"], "missing.json"),
    (["--task", "teacher", "--network", "x.json"], "either"),
    ([], "either"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, argv, words):
    out = tmp_path / "out"
    assert main(["landscape"] + argv + ["--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("verifier: error:") and words in err
    assert not out.exists()


def test_network_and_data_files(tmp_path, capsys):
    from verifier.network import network_to_json
    net = mlp(2, [5], activation="softplus")
    (tmp_path / "net.json").write_text(json.dumps(network_to_json(net)))
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    np.savetxt(tmp_path / "pts.csv", np.hstack([X, Y]), delimiter=",", header="x1,x2,y", comments="")
    out = tmp_path / "land"
    assert main(["landscape", "--network", str(tmp_path / "net.json"), "--data", str(tmp_path / "pts.csv"),
                 "--runs", "2", "--branches", "1", "--steps", "30", "--grid", "5", "--quiet", "--out", str(out)]) == 0
    doc = _numbers(out)
    assert doc["n"] == 21 and doc["d"] == 6 and len(doc["trajectories"]) == 4
    # a network with n <= l*d: one line, exit 2
    small = mlp(2, [1], activation="softplus")
    (tmp_path / "small.json").write_text(json.dumps(network_to_json(small)))
    capsys.readouterr()
    assert main(["landscape", "--network", str(tmp_path / "small.json"), "--data", str(tmp_path / "pts.csv"),
                 "--quiet", "--out", str(tmp_path / "x")]) == 2
    assert "n = 5 <= l*d = 6" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_digits_task_loads_without_download():
    pytest.importorskip("sklearn", reason="the digits task needs scikit-learn")
    from verifier.landscape.experiments import builtin_task
    net, X, Y, desc = builtin_task("digits", 0, points=50)
    assert X.shape == (50, 64) and Y.shape == (50, 1) and 10 ** 4 <= net.n <= 10 ** 5
    assert len(np.unique(X, axis=0)) == 50
    net2, X2, Y2, _ = builtin_task("digits", 0, points=50)
    assert np.array_equal(X, X2) and np.array_equal(Y, Y2)


def test_try_connect_records_what_the_registry_answers(monkeypatch):
    import verifier
    from verifier.landscape.experiments import try_connect
    net = mlp(1, [2], activation="tanh")
    w = [0.0] * net.n
    monkeypatch.setattr(verifier, "THEOREMS", {})
    assert try_connect(None, net, w, w)["status"] == "not available"
    calls = []

    class Fake:
        status, reason = "inconclusive", "budget"

    def fake_verify(theorem, data, **options):
        calls.append((theorem, sorted(options)))
        if options["timeout"] < 1:
            raise RuntimeError("under construction")
        return Fake()
    monkeypatch.setattr(verifier, "THEOREMS", {"cooper-connected": None})
    monkeypatch.setattr(verifier, "verify", fake_verify)
    res = try_connect("data", net, w, w, timeout=5)
    assert res["status"] == "inconclusive" and res["certificate"].reason == "budget"
    assert calls[0] == ("cooper-connected", ["end", "network", "start", "timeout"])
    res = try_connect("data", net, w, w, timeout=0.5)       # an exception is recorded, not raised
    assert res["status"] == "error" and "under construction" in res["reason"]


def test_one_run_without_branches_and_a_missing_torch(tmp_path, capsys, monkeypatch):
    from verifier.landscape.experiments import run_landscape
    res = run_landscape(task="random-labels", points=6, runs=1, branches=0, steps=20, grid=5,
                        out=str(tmp_path / "one"))
    assert len(res["endpoints"]) == 1 and res["interpolation"]["curves"] == [] and res["connect"] == []
    assert os.path.isfile(tmp_path / "one" / "figures" / "interpolation.pdf")
    import sys
    monkeypatch.setitem(sys.modules, "torch", None)           # import torch now raises ImportError
    assert main(TINY + ["--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs torch" in err and "landscape-verifier[torch]" in err
    assert not (tmp_path / "x").exists()
