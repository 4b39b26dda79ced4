"""The floating-point tier end to end: verify_at_scale, its checker, the CLI, tampering, bad input."""

import json
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend needs torch (optional dependency)")

from verifier.checker import check_certificate
from verifier.checker.format import digest, sha256
from verifier.data import dataset_from_arrays
from verifier.network import mlp
from verifier.theorems import verify
from verifier.torch_backend import models
from verifier.theorems.cooper_float import verify_at_scale


def _seq(p, h, l, act=torch.nn.Tanh, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(p, h), act(), torch.nn.Linear(h, l))


def _data(d, p, l, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, p)), rng.normal(size=(d, l))


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("float")
    doc, w = models.from_module(_seq(3, 30, 2, torch.nn.Softplus))
    X, Y = _data(12, 3, 2)
    cert = verify_at_scale("cooper-2.3", doc, w, X, Y, arrays_name="c.arrays.npz")
    cert.write(folder / "c.json")
    return folder, cert


def _check(folder, doc=None):
    doc = doc if doc is not None else json.loads((folder / "c.json").read_text())
    return check_certificate(doc, base_dir=str(folder))


def _reseal(doc):
    doc["digest"] = digest(doc)
    return doc


def test_verified_and_rechecked(written):
    folder, cert = written
    assert cert.status == "verified", cert.summary()
    assert cert.doc["tier"] == "floating-point with error bounds" and cert.doc["assumptions"]
    rep = _check(folder)
    assert rep.ok and rep.status == "verified", rep.text()
    hist = cert.doc["extra"]["gauss_newton_max_abs_H"]
    assert hist[-1] < 1e-10 < hist[0]


def test_module_checker_finds_the_arrays_file(written, capsys):
    # ``python -m verifier.checker CERT.json`` looks for the arrays file next to the certificate.
    from verifier.checker.__main__ import main
    folder, _ = written
    assert main([str(folder / "c.json")]) == 0, capsys.readouterr().out


def test_agrees_with_the_rigorous_core():
    # Same instance through the Arb path: a point of M from the float tier, then cooper-2.3 in balls.
    net = mlp(2, [8], l=1, activation="tanh")
    X, Y = _data(5, 2, 1, seed=3)
    rng = np.random.default_rng(1)
    w_labels = rng.normal(size=net.n) / 2
    doc, w0 = models.from_network(net, w_labels)
    cert = verify_at_scale("cooper-2.3", doc, w0, X, Y)
    assert cert.status == "verified", cert.summary()
    wstar = cert.arrays["w"]
    # canonical order -> label order
    mlp_model = models.TorchMLP.from_network(net)
    lab = np.empty(net.n)
    off = 0
    for Wi, bi in zip(mlp_model.widx, mlp_model.bidx):
        k = Wi.numel()
        lab[Wi.reshape(-1).numpy()] = wstar[off:off + k]
        off += k
        if bi is not None:
            lab[bi.numpy()] = wstar[off:off + bi.numel()]
            off += bi.numel()
    data = dataset_from_arrays(X.tolist(), Y.tolist())
    point = {label: float(v) for label, v in zip(net.labels, lab)}
    rig = verify("cooper-2.3", data, network=net, point=point)
    assert rig.status == "verified", rig.summary()
    hs = next(c for c in rig.claims if c.id == "hessian-signature")
    from flint import arb
    encl = sorted((arb(s.strip("[]").split("+/-")[0]), s) for s in hs.evidence["spectrum"])
    mids = sorted(float(e[0]) for e in encl)
    floats = sorted(float(v) for v in cert.doc["extra"]["eigenvalues_2K_float"])
    assert len(mids) == len(floats) == 5
    assert np.allclose(mids, floats, rtol=1e-6, atol=1e-9)
    sig = next(c for c in cert.claims if c["id"] == "hessian-signature-float")
    assert float(sig["evidence"]["min_positive_lower"]) <= mids[0]


def test_failed_hypotheses_make_the_theorem_not_apply():
    X, Y = _data(10, 3, 1)
    doc, w = models.from_module(_seq(3, 4, 1))            # n = 21 > 10
    doc2, w2 = models.from_module(_seq(3, 1, 1))          # n = 6 <= 10
    c = verify_at_scale("cooper-2.3", doc2, w2, X, Y)
    assert c.status == "not-applicable" and c.reason.startswith("overparameterized")
    doc3, w3 = models.from_module(_seq(3, 20, 1, torch.nn.ReLU))
    c = verify_at_scale("cooper-2.3", doc3, w3, X, Y)
    assert c.status == "not-applicable" and "relu is not smooth" in c.reason
    Xd = X.copy()
    Xd[4] = Xd[1]
    c = verify_at_scale("cooper-2.1", doc, w, Xd, Y)
    assert c.status == "not-applicable" and c.reason.startswith("distinct-inputs")
    assert check_certificate(c.to_json(), base_dir=None).status == "inconclusive"   # arrays not written


def test_rank_deficient_is_never_verified():
    # A linear network is affine in x: on 4 points in R^1 the image of w -> f(x_i) has dimension 2 < 4,
    # so J never has rank 4 and M is empty for generic y.
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(1, 3), torch.nn.Identity(), torch.nn.Linear(3, 1))
    doc, w = models.from_module(seq)
    X, Y = _data(4, 1, 1, seed=5)
    c = verify_at_scale("cooper-2.3", doc, w, X, Y, steps=8)
    assert c.status == "inconclusive"
    rank = next(x for x in c.claims if x["id"] == "rank-J-float")
    assert rank["status"] == "inconclusive"


def test_deep_network_is_verified(tmp_path):
    # Two hidden layers (tanh, sigmoid): the Lipschitz bound on J covers any depth, and the checker agrees.
    torch.manual_seed(2)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 10), torch.nn.Tanh(), torch.nn.Linear(10, 10), torch.nn.Sigmoid(),
                              torch.nn.Linear(10, 1))
    doc, w = models.from_module(seq)
    X, Y = _data(6, 2, 1)
    c = verify_at_scale("cooper-2.3", doc, w, X, Y, arrays_name="deep.arrays.npz")
    assert c.status == "verified", c.summary()
    z = next(x for x in c.claims if x["id"] == "zero-float")
    assert "Kantorovich h <=" in z["message"] and len(z["evidence"]["spectral_norm_upper"]) == 1   # 2 hidden layers
    c.write(tmp_path / "deep.json")
    rep = check_certificate(json.loads((tmp_path / "deep.json").read_text()), base_dir=str(tmp_path))
    assert rep.ok and rep.status == "verified", rep.text()


TAMPER = {
    "sigma too large": lambda d: d["claims"][3]["evidence"].update(lambda_min_lower="1e6"),
    "radius too small": lambda d: d["claims"][4]["evidence"].update(radius="1e-30"),
    "gamma too small": lambda d: d["claims"][4]["evidence"].update(gamma_J="1e-3"),
    "h too small": lambda d: d["claims"][4]["evidence"].update(h="1e-300"),
    "h above 1/2": lambda d: d["claims"][4]["evidence"].update(h="0.75"),
    "spectral bound added": lambda d: d["claims"][4]["evidence"]["spectral_norm_upper"].append("1e9"),
    "bound too large": lambda d: d["claims"][6]["evidence"].update(min_positive_lower="1e9"),
    "eigenvalue edited": lambda d: d["claims"][6]["evidence"]["top_eigenvalues_2K"].__setitem__(0, "1.5"),
    "signature": lambda d: d["claims"][6]["evidence"].update(zero=1),
    "dimension": lambda d: d["claims"][5]["evidence"].update(dimension=3),
    "scope": lambda d: d["claims"][3].update(scope="global"),
    "statement": lambda d: d.update(statement="anything"),
    "no assumptions": lambda d: d.update(assumptions=[]),
    "out of scope": lambda d: d.update(out_of_scope=[]),
    "model widened": lambda d: d["instance"]["model"]["layers"][0].update(out=31),
    "arrays renamed": lambda d: d["instance"]["arrays"].update(file="../c.arrays.npz"),
    "arrays hash": lambda d: d["instance"]["arrays"].update(sha256="0" * 64),
    "tier removed": lambda d: d.pop("tier"),
    "tier renamed": lambda d: d.update(tier="rigorous"),
    "point": lambda d: d.update(point={"array": "X"}),
    "claim dropped": lambda d: d["claims"].pop(4),
    "activation": lambda d: d["instance"]["model"]["layers"][0].update(activation="tanh"),
}


@pytest.mark.parametrize("name", sorted(TAMPER))
def test_tampering_is_caught(written, name):
    folder, _ = written
    doc = json.loads((folder / "c.json").read_text())
    TAMPER[name](doc)
    doc["instance"]["sha256"] = sha256({"model": doc["instance"]["model"], "arrays": doc["instance"]["arrays"]})
    rep = _check(folder, _reseal(doc))
    assert not rep.ok and rep.status != "verified", rep.text()


def test_altered_arrays_file(written, tmp_path):
    folder, cert = written
    doc = json.loads((folder / "c.json").read_text())
    arrays = {k: v.copy() for k, v in cert.arrays.items()}
    arrays["w"][0] += 1e-3
    np.savez(tmp_path / "c.arrays.npz", **arrays)
    rep = check_certificate(doc, base_dir=str(tmp_path))
    assert not rep.ok and "sha256" in rep.text()
    rep = check_certificate(doc, base_dir=str(tmp_path / "missing"))
    assert not rep.ok and "not found" in rep.text()


def test_module_conversion_errors():
    from verifier.errors import InputError
    with pytest.raises(InputError, match="Conv1d"):
        models.from_module(torch.nn.Sequential(torch.nn.Conv1d(1, 2, 3), torch.nn.Linear(2, 1)))
    with pytest.raises(InputError, match="end with an nn.Linear"):
        models.from_module(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh()))
    with pytest.raises(InputError, match="not a torch.nn.Module"):
        models.from_module("model")
    doc, w = models.from_module(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1)))
    assert doc["layers"][0]["activation"] == "identity" and w.shape == (13,)
    # module weights land in the canonical order, and the torch model reproduces the module
    seq = _seq(2, 4, 3, torch.nn.Sigmoid).double()
    doc, w = models.from_module(seq)
    X = torch.randn(5, 2, dtype=torch.float64)
    m = models.model_from_doc(doc)
    assert torch.allclose(m.predict(torch.as_tensor(w), X), seq(X), atol=1e-14)


# ---------------------------------------------------------------------------- CLI




@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "model.py").write_text("import torch\n\ndef build():\n    torch.manual_seed(1)\n"
                                "    return torch.nn.Sequential(torch.nn.Linear(3, 24), torch.nn.Tanh(), "
                                "torch.nn.Linear(24, 1))\n\ndef broken():\n    raise RuntimeError('boom')\n")
    X, Y = _data(15, 3, 1, seed=2)
    np.savez(d / "data.npz", X=X, Y=Y)
    np.save(d / "rows.npy", np.hstack([X, Y]))
    torch.save({"X": torch.as_tensor(X), "Y": torch.as_tensor(Y)}, d / "data.pt")
    return d


@pytest.mark.parametrize("data", ["data.npz", "rows.npy", "data.pt"])
def test_cli_verify_check_report(cli_dir, data, cli):
    r = cli("verify", "cooper-2.3", "--torch-model", "model.py:build", "--data", data, "--out", "c.json",
             "--json", cwd=cli_dir)
    assert r.returncode == 0, r.stderr + r.stdout
    out = json.loads(r.stdout)
    assert out["status"] == "verified" and out["tier"] == "floating-point with error bounds"
    assert (cli_dir / "c.arrays.npz").is_file()
    r = cli("check", "c.json", cwd=cli_dir)
    assert r.returncode == 0 and "checker: verified" in r.stdout
    r = cli("report", "c.json", cwd=cli_dir)
    assert r.returncode == 0 and "floating-point with error bounds" in r.stdout


def test_cli_network_json_path(cli_dir, cli):
    from verifier.network import network_to_json
    net = mlp(3, [30], l=1, activation="softplus")
    (cli_dir / "net.json").write_text(json.dumps(network_to_json(net)))
    r = cli("verify", "cooper-2.1", "--torch", "--network", "net.json", "--data", "data.npz", "--out", "n.json",
             cwd=cli_dir)
    assert r.returncode == 0, r.stderr + r.stdout
    assert cli("check", "n.json", cwd=cli_dir).returncode == 0


BAD = [
    (["--torch-model", "model.py"], "FILE.py:FUNCTION"),
    (["--torch-model", "nofile.py:build"], "nofile.py does not exist"),
    (["--torch-model", "model.txt:build"], "not a .py file"),
    (["--torch-model", "model.py:missing"], "no function missing"),
    (["--torch-model", "model.py:broken"], "RuntimeError: boom"),
    (["--torch-model", "model.py:build", "--device", "cuda:7"], None),
    (["--torch-model", "model.py:build", "--steps", "-1"], "--steps"),
    (["--torch-model", "model.py:build", "--optimizer-steps", "3"], "--optimizer"),
]


@pytest.mark.parametrize("extra,msg", BAD)
def test_cli_bad_input(cli_dir, extra, msg, cli):
    if extra[-1] == "cuda:7" and torch.cuda.is_available():
        pytest.skip("a CUDA device exists here")
    before = set(os.listdir(cli_dir))
    r = cli("verify", "cooper-2.3", "--data", "data.npz", "--out", "bad.json", *extra, cwd=cli_dir)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    if msg:
        assert msg in r.stderr
    assert set(os.listdir(cli_dir)) == before


def test_cli_refuses_pickles(cli_dir, cli):
    np.save(cli_dir / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    torch.save({"X": "not a tensor"}, cli_dir / "bad.pt")
    for name in ("obj.npy", "bad.pt"):
        r = cli("verify", "cooper-2.3", "--torch-model", "model.py:build", "--data", name, cwd=cli_dir)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("chunk", [1, 3, 4096])
def test_checker_gram_equals_explicit(chunk):
    # The checker's own numpy Gram (chunked) against torch's explicit J J^T, deep and multi-output.
    from verifier.checker.float.dense import gram_structured, read_model, split_weights
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(3, 7), torch.nn.Tanh(), torch.nn.Linear(7, 5), torch.nn.Softplus(),
                              torch.nn.Linear(5, 6), torch.nn.Sigmoid(), torch.nn.Linear(6, 2))
    doc, w = models.from_module(seq)
    X = np.random.default_rng(0).normal(size=(9, 3))
    K = models.model_from_doc(doc).gram_explicit(torch.as_tensor(w), torch.as_tensor(X)).numpy()
    p, l, layers = read_model(doc)
    K2, Ka, _, _ = gram_structured(split_weights(w, p, layers), layers, X, chunk=chunk)
    assert np.abs(K - K2).max() <= 1e-13 * np.abs(K).max()
    assert (Ka >= np.abs(K2) * (1 - 1e-12)).all()
