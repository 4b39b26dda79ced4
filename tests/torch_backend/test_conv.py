"""Conv1d networks in the floating-point tier: Gram, Jacobians, Lipschitz bound, checker, tampering, CLI."""

import json
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend needs torch (optional dependency)")

from verifier.checker import check_certificate
from verifier.checker.float.conv import ConvNet, read_conv_model
from verifier.checker.float.numerics import lipschitz_J
from verifier.checker.format import digest, sha256
from verifier.errors import InputError
from verifier.torch_backend import models
from verifier.torch_backend.conv import multiplicity, out_length
from verifier.theorems.cooper_float import verify_at_scale
from verifier.torch_backend.verify import hessian_bounds, lipschitz_data, lipschitz_mlp

nn = torch.nn

# (channels_in, length, [(channels_out, kernel, stride, padding, dilation, bias)], head widths, l)
GEOMETRIES = {
    "plain": (1, 9, [(2, 3, 1, 0, 1, True)], [], 1),
    "padded-two-layers": (2, 10, [(3, 3, 1, 1, 1, True), (2, 3, 2, 0, 2, True)], [4], 2),
    "strided-no-bias": (2, 11, [(3, 4, 3, 2, 1, False), (2, 2, 1, 1, 3, True)], [3], 2),
    "kernel-one": (3, 7, [(2, 1, 1, 0, 1, True)], [5, 3], 1),
}
ACTS = [nn.Tanh, nn.Softplus, models.SmooLU, nn.Sigmoid, lambda: models.Polynomial([0, 1, "1/2"])]


def _build(name, seed=0, acts=None):
    c, L, convs, head, l = GEOMETRIES[name]
    torch.manual_seed(seed)
    acts = acts or ACTS
    mods, a = [], 0
    for co, k, s, pad, dil, bias in convs:
        mods += [nn.Conv1d(c, co, k, stride=s, padding=pad, dilation=dil, bias=bias), acts[a % len(acts)]()]
        a += 1
        L = out_length(L, k, s, pad, dil)
        c = co
    mods.append(nn.Flatten())
    fan = c * L
    for h in head:
        mods += [nn.Linear(fan, h), acts[a % len(acts)]()]
        a += 1
        fan = h
    mods.append(nn.Linear(fan, l))
    p = GEOMETRIES[name][0] * GEOMETRIES[name][1]
    return nn.Sequential(*mods).double(), p, l


def _checker_net(doc, w, X):
    p, l, geom = read_conv_model(doc)
    return ConvNet(geom, p, l, w, X)


@pytest.mark.parametrize("name", sorted(GEOMETRIES))
def test_forward_gram_and_jacobian_match_explicit(name):
    module, p, l = _build(name)
    doc, w = models.from_module(module, p=p)
    assert models.n_params(doc) == len(w) == sum(t.numel() for t in module.parameters())
    d = 6
    X = np.random.default_rng(1).normal(size=(d, p))
    model = models.model_from_doc(doc)
    wt, Xt = torch.as_tensor(w), torch.as_tensor(X)
    c, L = GEOMETRIES[name][:2]
    out = module(Xt.reshape(d, c, L)).detach()
    assert torch.allclose(model.predict(wt, Xt), out, atol=1e-12)
    Kx = model.gram_explicit(wt, Xt)
    K, Ka, m_round, ufl = model.gram_structured(wt, Xt, with_abs=True)
    scale = float(Kx.abs().max())
    assert float((K - Kx).abs().max()) <= 1e-13 * scale
    assert bool((Ka >= K.abs() - 1e-13 * scale).all()) and m_round > 0 and ufl > 0
    Jx = model.jacobian_explicit(wt, Xt)[:, :model.n_conv]
    assert float((model.conv_jacobian(wt, Xt) - Jx).abs().max()) <= 1e-13 * float(Jx.abs().max())
    # the checker's own numpy derivation
    net = _checker_net(doc, w, X)
    assert np.abs(net.output() - out.numpy()).max() <= 1e-12
    assert np.abs(net.conv_jacobian() - Jx.numpy()).max() <= 1e-13 * float(Jx.abs().max())
    assert np.abs(net.gram()[0] - Kx.numpy()).max() <= 1e-13 * scale


@pytest.mark.parametrize("L,k,s,pad,dil", [(9, 3, 1, 0, 1), (10, 3, 2, 1, 2), (11, 4, 3, 2, 1), (7, 1, 1, 0, 1),
                                           (8, 5, 1, 4, 1), (12, 2, 4, 0, 5)])
def test_multiplicity_counts_readers(L, k, s, pad, dil):
    Lo = out_length(L, k, s, pad, dil)
    counts = [sum(1 for pos in range(Lo) for t in range(k) if pos * s + t * dil - pad == j) for j in range(L)]
    assert multiplicity(L, Lo, k, s, pad, dil) == max(counts)
    # ||U(a)||_F^2 <= mult ||a||^2 and ||T(W)||_2 <= sqrt(mult) ||W2||_2 on a random instance
    rng = np.random.default_rng(0)
    W = torch.as_tensor(rng.normal(size=(3, 2, k)))
    T = torch.func.jacrev(lambda a: torch.nn.functional.conv1d(a.reshape(1, 2, L), W, stride=s, padding=pad,
                                                               dilation=dil).reshape(-1))(torch.zeros(2 * L,
                                                                                                      dtype=W.dtype))
    mult = multiplicity(L, Lo, k, s, pad, dil)
    assert float(torch.linalg.matrix_norm(T, 2)) <= np.sqrt(mult) * float(torch.linalg.matrix_norm(W.reshape(3, -1),
                                                                                                     2)) * (1 + 1e-12)
    col = float(torch.sqrt((W * W).sum(dim=(0, 2))).max())
    assert float(torch.linalg.vector_norm(T, dim=0).max()) <= col * (1 + 1e-12)


def _lip(model, w, X):
    wt = torch.as_tensor(w)
    layers = [(W.numpy(), None if b is None else b.numpy()) for W, b in model.weights(wt)]
    return lipschitz_data(layers, model.act_specs, X, norms=model.forward_norms(wt, torch.as_tensor(X)),
                          geometry=model.lipschitz_geometry())


@pytest.mark.parametrize("name", ["padded-two-layers", "strided-no-bias"])
@pytest.mark.parametrize("shift", [0, 2])
def test_hessian_bound_holds_on_the_ball(name, shift):
    acts = ACTS[shift:] + ACTS[:shift]
    module, p, l = _build(name, seed=shift, acts=acts)
    doc, w = models.from_module(module, p=p)
    model = models.model_from_doc(doc)
    d = 3
    X = np.random.default_rng(2).normal(size=(d, p))
    lip = _lip(model, w, X)
    rng = np.random.default_rng(7)
    Xt = torch.as_tensor(X)
    for rho in (0.0, 0.05, 0.3):
        g = hessian_bounds(lip, rho)
        for _ in range(2):
            dv = rng.normal(size=len(w))
            wp = torch.as_tensor(w + dv * rho * rng.uniform() / np.linalg.norm(dv))
            for i in range(d):
                for o in range(l):
                    Hm = torch.func.jacrev(torch.func.jacrev(lambda v: model.predict(v, Xt[i:i + 1])[0, o]))(wp)
                    assert float(torch.linalg.matrix_norm(Hm, 2)) <= g[i, o], (rho, i, o)


def test_checker_recomputes_the_same_lipschitz_bound():
    module, p, l = _build("padded-two-layers", seed=1)
    doc, w = models.from_module(module, p=p)
    model = models.model_from_doc(doc)
    X = np.random.default_rng(3).normal(size=(5, p))
    lip = _lip(model, w, X)
    prep = _checker_net(doc, w, X).lipschitz_prep()
    assert prep["mult"] == lip.mult and prep["npos"] == lip.npos
    for rho in (0.0, 1e-9, 0.2):
        mine, theirs = lipschitz_mlp(lip, rho), lipschitz_J(prep, rho, lip.spectral)
        assert abs(mine - theirs) <= 1e-9 * mine


# ---------------------------------------------------------------------------- end to end


def _conv_model(seed=0, head=12):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv1d(1, 4, 5, padding=2), nn.Tanh(), nn.Conv1d(4, 3, 3, stride=2), nn.Softplus(),
                         nn.Flatten(), nn.Linear(3 * 7, head), nn.Tanh(), nn.Linear(head, 1))


@pytest.fixture(scope="module")
def conv_cert(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conv")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 1, 16))
    Y = np.sin(X.sum(axis=(1, 2)))[:, None]
    doc, w = models.from_module(_conv_model(), p=16)
    cert = verify_at_scale("cooper-2.3", doc, w, X.reshape(30, -1), Y, arrays_name="c.arrays.npz")
    cert.write(folder / "c.json")
    return folder, cert


def _load(folder):
    return json.loads((folder / "c.json").read_text())


def _check(folder, doc, reseal_instance=False):
    if reseal_instance:
        doc["instance"]["sha256"] = sha256({"model": doc["instance"]["model"], "arrays": doc["instance"]["arrays"]})
    doc["digest"] = digest(doc)
    return check_certificate(doc, base_dir=str(folder))


def _ev(doc, cid):
    return next(c for c in doc["claims"] if c["id"] == cid)["evidence"]


def test_conv_instance_verified_and_rechecked(conv_cert):
    folder, cert = conv_cert
    assert cert.status == "verified", cert.summary()
    assert [c["status"] for c in cert.claims] == ["verified"] * 7
    assert cert.doc["instance"]["model"]["format"] == "verifier-conv1d"
    assert any("Conv1d layers share their weights" in a for a in cert.doc["assumptions"])
    assert cert.doc["extra"]["gauss_newton_max_abs_H"][-1] < 1e-12
    assert len(_ev(cert.doc, "zero-float")["spectral_norm_upper"]) == 2
    rep = check_certificate(_load(folder), base_dir=str(folder))
    assert rep.ok and rep.status == "verified", rep.text()


TAMPER = {
    "gamma below the checker's": lambda d: _ev(d, "zero-float").update(
        gamma_J=repr(float(_ev(d, "zero-float")["gamma_J"]) * (1 - 1e-4))),
    "radius below the checker's": lambda d: _ev(d, "zero-float").update(
        radius=repr(float(_ev(d, "zero-float")["radius"]) / 8)),
    "h below the checker's": lambda d: _ev(d, "zero-float").update(h=repr(float(_ev(d, "zero-float")["h"]) / 64)),
    "kernel bound lowered": lambda d: _ev(d, "zero-float")["spectral_norm_upper"].__setitem__(0, "0.01"),
    "kernel bound deleted": lambda d: _ev(d, "zero-float")["spectral_norm_upper"].pop(0),
    "lambda_min raised": lambda d: _ev(d, "rank-J-float").update(
        lambda_min_lower=repr(float(_ev(d, "rank-J-float")["lambda_min_lower"]) * 100)),
    "signature bound raised": lambda d: _ev(d, "hessian-signature-float").update(
        min_positive_lower=repr(float(_ev(d, "hessian-signature-float")["min_positive_lower"]) * 100)),
    "dimension changed": lambda d: _ev(d, "manifold-float").update(dimension=_ev(d, "manifold-float")["dimension"] + 1),
    "conv assumption dropped": lambda d: d.update(assumptions=[a for a in d["assumptions"]
                                                               if not a.startswith("Conv1d layers share")]),
    "assumptions replaced": lambda d: d.update(assumptions=["none"]),
}


@pytest.mark.parametrize("name", sorted(TAMPER))
def test_tampered_conv_certificate_is_rejected(conv_cert, name):
    folder, _ = conv_cert
    doc = _load(folder)
    TAMPER[name](doc)
    rep = _check(folder, doc)
    assert not rep.ok and rep.status != "verified", rep.text()


@pytest.mark.parametrize("change", ["stride", "padding", "dilation", "same-shape"])
def test_tampered_geometry_is_not_verified(conv_cert, change):
    # A resealed document with another geometry describes another instance: the checker
    # recomputes everything for it, and the stored point is not a zero of that network.
    folder, _ = conv_cert
    doc = _load(folder)
    layers = doc["instance"]["model"]["layers"]
    if change == "stride":
        layers[0]["stride"] = 2          # changes n: the arrays no longer fit the model
    elif change == "padding":
        layers[1]["padding"] = 1
    elif change == "dilation":
        layers[0]["dilation"] = 2
    else:                                # the same n and shapes, another network
        layers[0]["padding"], layers[0]["dilation"] = 4, 2
    rep = _check(folder, doc, reseal_instance=True)
    if change == "same-shape":
        assert "format error" not in rep.text() and "zero-float" in rep.text()
    assert not rep.ok and rep.status != "verified", rep.text()


def test_changed_weights_resealed_are_not_verified(conv_cert, tmp_path):
    folder, _ = conv_cert
    doc = _load(folder)
    with np.load(folder / "c.arrays.npz") as z:
        arrays = {k: z[k].copy() for k in z.files}
    arrays["w"][0] += 1e-3                       # a conv kernel weight
    import hashlib
    import io
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    (tmp_path / "c.arrays.npz").write_bytes(buf.getvalue())
    doc["instance"]["arrays"]["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    rep = _check(tmp_path, doc, reseal_instance=True)
    assert not rep.ok and rep.status != "verified", rep.text()
    # without resealing the arrays, the hash mismatch is caught
    (tmp_path / "c.arrays.npz").write_bytes(buf.getvalue())
    doc = _load(folder)
    rep = _check(tmp_path, doc)
    assert not rep.ok


def test_rank_deficient_conv_instance_is_not_verified(tmp_path):
    # Stride 3 with kernel 1 reads positions 0, 3, 6, ...: inputs that differ only at position 1
    # are distinct, yet every network of this architecture maps them to the same output, so two
    # rows of J coincide and no point fits different targets. Nothing may be verified.
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv1d(1, 3, 1, stride=3), nn.Tanh(), nn.Flatten(), nn.Linear(9, 8), nn.Tanh(),
                           nn.Linear(8, 1))
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 9))
    X[1] = X[0]
    X[1, 1] += 1.0
    Y = rng.normal(size=(6, 1))
    doc, w = models.from_module(module, p=9)
    cert = verify_at_scale("cooper-2.1", doc, w, X, Y, arrays_name="c.arrays.npz", steps=8)
    st = {c["id"]: c["status"] for c in cert.claims}
    assert st["distinct-inputs"] == "verified" and st["rank-J-float"] != "verified"
    assert cert.status == "inconclusive", cert.summary()
    cert.write(tmp_path / "c.json")
    rep = check_certificate(json.loads((tmp_path / "c.json").read_text()), base_dir=str(tmp_path))
    assert rep.status == "inconclusive" and "problem:" not in rep.text(), rep.text()


def test_underparameterized_and_relu_are_not_applicable(tmp_path):
    torch.manual_seed(0)
    small = nn.Sequential(nn.Conv1d(1, 1, 2), nn.Tanh(), nn.Flatten(), nn.Linear(3, 1))
    X = np.random.default_rng(0).normal(size=(9, 4))
    Y = np.zeros((9, 1))
    doc, w = models.from_module(small, p=4)
    cert = verify_at_scale("cooper-2.1", doc, w, X, Y)
    assert cert.status == "not-applicable" and "overparameterized" in cert.reason
    relu = nn.Sequential(nn.Conv1d(1, 2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(6, 1))
    doc, w = models.from_module(relu, p=4)
    cert = verify_at_scale("cooper-2.1", doc, w, X[:3], Y[:3], arrays_name="r.arrays.npz")
    assert cert.status == "not-applicable" and "relu" in cert.reason
    cert.write(tmp_path / "r.json")
    rep = check_certificate(json.loads((tmp_path / "r.json").read_text()), base_dir=str(tmp_path))
    assert rep.status == "not-applicable" and "problem:" not in rep.text(), rep.text()


BAD_MODULES = {
    "no flatten": (lambda: nn.Sequential(nn.Conv1d(1, 2, 3), nn.Tanh(), nn.Linear(4, 1)), "nn.Flatten"),
    "conv without activation": (lambda: nn.Sequential(nn.Conv1d(1, 2, 3), nn.Conv1d(2, 2, 1), nn.Tanh(),
                                                      nn.Flatten(), nn.Linear(8, 1)), "followed by an activation"),
    "groups": (lambda: nn.Sequential(nn.Conv1d(2, 2, 3, groups=2), nn.Tanh(), nn.Flatten(), nn.Linear(4, 1)),
               "groups"),
    "circular padding": (lambda: nn.Sequential(nn.Conv1d(1, 2, 3, padding=1, padding_mode="circular"), nn.Tanh(),
                                               nn.Flatten(), nn.Linear(12, 1)), "padding_mode"),
    "wrong head width": (lambda: nn.Sequential(nn.Conv1d(1, 2, 3), nn.Tanh(), nn.Flatten(), nn.Linear(5, 1)),
                         "does not match"),
    "kernel too long": (lambda: nn.Sequential(nn.Conv1d(1, 2, 9), nn.Tanh(), nn.Flatten(), nn.Linear(5, 1)),
                        "does not fit"),
    "ends in activation": (lambda: nn.Sequential(nn.Conv1d(1, 2, 3), nn.Tanh(), nn.Flatten(), nn.Linear(8, 1),
                                                 nn.Tanh()), "end with an nn.Linear"),
    "pooling": (lambda: nn.Sequential(nn.Conv1d(1, 2, 3), nn.Tanh(), nn.MaxPool1d(2), nn.Flatten(), nn.Linear(4, 1)),
                "unsupported module MaxPool1d"),
    "conv after linear": (lambda: nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Conv1d(1, 2, 3)), "nn.Conv1d"),
}


@pytest.mark.parametrize("name", sorted(BAD_MODULES))
def test_unsupported_conv_modules_are_refused(name):
    build, msg = BAD_MODULES[name]
    with pytest.raises(InputError, match=msg):
        models.from_module(build(), p=6)


def test_input_length_must_divide():
    with pytest.raises(InputError, match="multiple of the first Conv1d"):
        models.from_module(nn.Sequential(nn.Conv1d(2, 2, 1), nn.Tanh(), nn.Flatten(), nn.Linear(6, 1)), p=7)


def test_bad_documents_are_refused():
    doc, _ = models.from_module(_conv_model(), p=16)
    for mutate in (lambda d: d["layers"][0].update(stride=0), lambda d: d["layers"][0].update(extra=1),
                   lambda d: d.update(input=[1]), lambda d: d["layers"].reverse(),
                   lambda d: d["layers"][0].update(activation=None), lambda d: d["layers"][0].update(kernel=99)):
        bad = json.loads(json.dumps(doc))
        mutate(bad)
        with pytest.raises(InputError):
            models.check_model_doc(bad)


# ---------------------------------------------------------------------------- CLI




def test_cli_conv_model_with_three_dimensional_data(tmp_path, cli):
    (tmp_path / "model.py").write_text(
        "import torch\n"
        "def build():\n"
        "    torch.manual_seed(0)\n"
        "    return torch.nn.Sequential(torch.nn.Conv1d(2, 3, 3, padding=1), torch.nn.Tanh(),\n"
        "                               torch.nn.Flatten(), torch.nn.Linear(3 * 8, 10), torch.nn.Tanh(),\n"
        "                               torch.nn.Linear(10, 1))\n")
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "data.npz", X=rng.normal(size=(12, 2, 8)), Y=rng.normal(size=(12, 1)))
    r = cli("verify", "cooper-2.3", "--torch-model", "model.py:build", "--data", "data.npz", "--out", "c.json",
             "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "verified" and os.path.exists(tmp_path / "c.arrays.npz")
    r = cli("check", "c.json", cwd=tmp_path)
    assert r.returncode == 0 and "checker: verified" in r.stdout, r.stdout + r.stderr
    # the data's length must fit the model: one line, exit 2, no files
    np.savez(tmp_path / "bad.npz", X=rng.normal(size=(12, 3, 5)), Y=rng.normal(size=(12, 1)))
    r = cli("verify", "cooper-2.3", "--torch-model", "model.py:build", "--data", "bad.npz", "--out", "b.json",
             cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not os.path.exists(tmp_path / "b.json") and not os.path.exists(tmp_path / "b.arrays.npz")


# ---------------------------------------------------------------------------- against the rigorous core


def test_conv_network_agrees_with_the_rigorous_core():
    # verifier.network.conv1d (shared kernels) through the float tier, then cooper-2.3 in Arb balls at its point.
    from flint import arb

    from verifier.data import dataset_from_arrays
    from verifier.network import conv1d
    from verifier.theorems import verify
    from verifier.torch_backend.conv import canonical_labels
    net = conv1d(6, 3, channels=2, stride=1, l=1, activation="tanh")
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(5, 6)), rng.normal(size=(5, 1))
    doc, w0 = models.from_network(net, rng.normal(size=net.n) / 2)
    assert doc["format"] == "verifier-conv1d"
    cert = verify_at_scale("cooper-2.3", doc, w0, X, Y)
    assert cert.status == "verified", cert.summary()
    _, labels = canonical_labels(net)
    point = {lab: float(v) for lab, v in zip(labels, cert.arrays["w"])}
    rig = verify("cooper-2.3", dataset_from_arrays(X.tolist(), Y.tolist()), network=net, point=point)
    assert rig.status == "verified", rig.summary()
    hs = next(c for c in rig.claims if c.id == "hessian-signature")
    mids = sorted(float(arb(s.strip("[]").split("+/-")[0])) for s in hs.evidence["spectrum"])
    floats = sorted(float(v) for v in cert.doc["extra"]["eigenvalues_2K_float"])
    assert len(mids) == len(floats) == 5
    assert np.allclose(mids, floats, rtol=1e-6, atol=1e-9)
    sig = next(c for c in cert.claims if c["id"] == "hessian-signature-float")
    assert float(sig["evidence"]["min_positive_lower"]) <= mids[0]


def test_other_shared_weights_are_refused():
    from verifier.network import liao_poggio_tree
    with pytest.raises(InputError, match="one-layer convolution"):
        models.from_network(liao_poggio_tree(activation="tanh"))


def test_cli_network_json_conv(tmp_path, cli):
    from verifier.network import conv1d, network_to_json
    net = conv1d(8, 3, channels=2, stride=1, activation="tanh")
    (tmp_path / "net.json").write_text(json.dumps(network_to_json(net)))
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "data.npz", X=rng.normal(size=(6, 8)), Y=rng.normal(size=(6, 1)))
    r = cli("verify", "cooper-2.1", "--torch", "--network", "net.json", "--data", "data.npz", "--out", "c.json",
             cwd=tmp_path)
    assert r.returncode == 0 and "conv1d 1x8-conv3(2x6)-1" in r.stdout, r.stdout + r.stderr
    r = cli("check", "c.json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


MALFORMED = {
    "kernel 0": lambda L: L[0].update(kernel=0),
    "negative padding": lambda L: L[0].update(padding=-1),
    "stride a float": lambda L: L[0].update(stride=1.0),
    "conv after linear": lambda L: L.insert(3, dict(L[0])),
    "no activation on conv": lambda L: L[0].update(activation=None),
    "unknown activation": lambda L: L[1].update(activation="gelu"),
    "extra key": lambda L: L[0].update(groups=1),
    "linear first": lambda L: L.insert(0, {"type": "linear", "out": 3, "bias": True, "activation": "tanh"}),
    "only convolutions": lambda L: L.__delitem__(slice(2, None)),
    "huge kernel times length": lambda L: L[0].update(kernel=4096, padding=4096, channels=1),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_conv_documents_are_reported(conv_cert, name):
    folder, _ = conv_cert
    doc = _load(folder)
    MALFORMED[name](doc["instance"]["model"]["layers"])
    rep = _check(folder, doc, reseal_instance=True)
    assert not rep.ok and rep.status != "verified", rep.text()


def test_report_draws_the_float_figures(conv_cert, tmp_path):
    pytest.importorskip("matplotlib")
    from verifier.figures import float_figures
    from verifier.report import html_report
    folder, cert = conv_cert
    figs = float_figures(cert.doc)
    assert [f.key for f in figs] == ["hessian-spectrum-float", "gauss-newton"]
    assert all(f.svg.startswith("<svg") for f in figs)
    page = html_report(cert.doc)
    assert page.count("<svg") == 2 and "figures not drawn" not in page
    refuted = dict(cert.doc, extra={}, claims=[])
    assert float_figures(refuted) == []


class _FlippedConv(nn.Conv1d):
    def forward(self, x):
        return super().forward(x.flip(-1))


class _SquaredLinear(nn.Linear):
    def forward(self, x):
        return super().forward(x) ** 2


class _OwnSequential(nn.Sequential):
    def forward(self, x):
        return 2 * super().forward(x)


def _hooked():
    m = nn.Sequential(nn.Conv1d(1, 2, 3), nn.Tanh(), nn.Flatten(), nn.Linear(8, 1))
    m[1].register_forward_hook(lambda mod, inp, out: out * 3)
    return m


MISREAD = {
    "softplus threshold 0": (lambda: nn.Sequential(nn.Linear(10, 4), nn.Softplus(threshold=0.0), nn.Linear(4, 1)),
                             "threshold"),
    "conv subclass with its own forward": (lambda: nn.Sequential(_FlippedConv(1, 2, 3), nn.Tanh(), nn.Flatten(),
                                                                 nn.Linear(16, 1)), "unsupported module"),
    "linear subclass with its own forward": (lambda: nn.Sequential(nn.Linear(10, 4), nn.Tanh(), _SquaredLinear(4, 1)),
                                             "unsupported module"),
    "sequential subclass with its own forward": (lambda: _OwnSequential(nn.Linear(10, 4), nn.Tanh(), nn.Linear(4, 1)),
                                                 "not an nn.Sequential"),
    "forward hook": (_hooked, "unsupported module"),
}


@pytest.mark.parametrize("name", sorted(MISREAD))
def test_modules_that_compute_something_else_are_refused(name):
    build, msg = MISREAD[name]
    torch.manual_seed(0)
    module = build().double()
    X = np.random.default_rng(0).normal(size=(5, 10))
    with pytest.raises(InputError, match=msg):
        models.from_module(module, X=X)


def test_global_hook_is_caught_on_the_data():
    torch.manual_seed(0)
    module = _conv_model().double()
    X = np.random.default_rng(0).normal(size=(4, 16))
    doc, w = models.from_module(module, X=X)             # reproduces: accepted
    handle = torch.nn.modules.module.register_module_forward_hook(
        lambda mod, inp, out: out + 0.5 if isinstance(mod, nn.Tanh) else None)
    try:
        with pytest.raises(InputError, match="does not reproduce"):
            models.from_module(module, X=X)
    finally:
        handle.remove()
    # float32 modules are compared at float32 accuracy
    doc32, _ = models.from_module(_conv_model(), X=X)
    assert doc32 == doc


def test_padded_inputs_are_bounded_before_any_allocation(conv_cert, tmp_path):
    # A tiny arrays file whose model pads one input to length 8193 in 4096 channels: the checker
    # must refuse it by its size limits, not try to allocate d * 4096 * 8193 numbers.
    import hashlib
    import io
    folder, _ = conv_cert
    doc = _load(folder)
    model = {"format": "verifier-conv1d", "version": 1, "input": [1, 1], "l": 1, "layers": [
        {"type": "conv1d", "channels": 4096, "kernel": 1, "stride": 1, "padding": 0, "dilation": 1, "bias": True,
         "activation": "tanh"},
        {"type": "conv1d", "channels": 1, "kernel": 1, "stride": 1, "padding": 4096, "dilation": 1, "bias": True,
         "activation": "tanh"},
        {"type": "linear", "out": 1, "bias": True, "activation": None}]}
    n = 4096 + 4096 + 4096 + 1 + 8193 + 1
    d = 20
    buf = io.BytesIO()
    np.savez(buf, X=np.zeros((d, 1)), Y=np.zeros((d, 1)), w=np.zeros(n))
    (tmp_path / "c.arrays.npz").write_bytes(buf.getvalue())
    doc["instance"]["model"] = model
    doc["instance"]["arrays"].update(sha256=hashlib.sha256(buf.getvalue()).hexdigest(), n=n, d=d, p=1)
    rep = _check(tmp_path, doc, reseal_instance=True)
    assert not rep.ok and "too large" in rep.text(), rep.text()
