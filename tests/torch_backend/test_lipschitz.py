"""The Lipschitz bound on J for layered MLPs of any depth (zero-float of the floating-point tier).

Soundness against explicit Jacobians and Hessians (torch.func, float64) on random points of the
ball, agreement of the solver's and the checker's independent implementations, the proven
spectral-norm bounds, a deep instance end to end, and tampering with the stated bounds.
"""

import json
import math
import types

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend needs torch (optional dependency)")

from verifier.checker import check_certificate
from verifier.checker.float.dense import DenseNet, read_model
from verifier.checker.float.numerics import Act, lipschitz_J, spectral_cheap, spectral_proven
from verifier.checker.format import FormatError, digest, sha256
from verifier.errors import InputError
from verifier.torch_backend import models
from verifier.torch_backend.core import spectral_norm_cheap, spectral_norm_upper
from verifier.theorems.cooper_float import verify_at_scale
from verifier.torch_backend.verify import SUP_D, hessian_bounds, lipschitz_data, lipschitz_mlp, lipschitz_one_hidden

ACTS = {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "softplus": torch.nn.Softplus, "smoolu": models.SmooLU,
        "poly": lambda: models.Polynomial(["1/4", "1", "1/2", "-1/6"]), "identity": torch.nn.Identity}


def _net(p, widths, l, acts, seed, scale=1.5):
    """A random MLP (document, canonical weights); the first layer has no bias when depth >= 2."""
    torch.manual_seed(seed)
    mods, prev = [], p
    for k, (h, a) in enumerate(zip(widths, acts)):
        mods += [torch.nn.Linear(prev, h, bias=not (k == 0 and len(widths) >= 2)), ACTS[a]()]
        prev = h
    mods.append(torch.nn.Linear(prev, l))
    doc, w = models.from_module(torch.nn.Sequential(*mods))
    return doc, w * scale


def _layers(model, w):
    return [(W.numpy(), None if b is None else b.numpy()) for W, b in model.weights(torch.as_tensor(w))]


CASES = [("tanh",), ("sigmoid",), ("softplus",), ("smoolu",), ("poly",),
         ("tanh", "sigmoid"), ("softplus", "smoolu"), ("poly", "tanh"), ("sigmoid", "poly"), ("identity", "softplus"),
         ("tanh", "softplus", "sigmoid"), ("smoolu", "poly", "tanh")]


def _ball_point(rng, w0, rho, boundary=False):
    u = rng.normal(size=w0.shape)
    r = rho if boundary else rho * rng.uniform() ** (1.0 / w0.size)
    return w0 + r * u / np.linalg.norm(u)


@pytest.mark.parametrize("acts", CASES, ids=["-".join(c) for c in CASES])
def test_bound_holds_on_the_ball(acts):
    rng = np.random.default_rng(len(acts) * 100 + sum(map(ord, "".join(acts))))
    doc, w0 = _net(3, [6] * len(acts), 2, acts, seed=len(acts))
    model = models.model_from_doc(doc)
    X = rng.normal(size=(4, 3))
    Xt = torch.as_tensor(X)
    lip = lipschitz_data(_layers(model, w0), model.act_specs, X)
    rho = 0.4
    gamma = lipschitz_mlp(lip, rho)
    g = hessian_bounds(lip, rho)
    assert math.isfinite(gamma) and g.shape == (4, 2)
    # ||J(w) - J(w')||_2 <= gamma ||w - w'|| for random pairs of the ball (some on its boundary)
    worst = 0.0
    for t in range(8):
        w, v = _ball_point(rng, w0, rho, t % 2 == 0), _ball_point(rng, w0, rho, t % 4 == 0)
        dJ = model.jacobian_explicit(torch.as_tensor(w), Xt) - model.jacobian_explicit(torch.as_tensor(v), Xt)
        worst = max(worst, float(torch.linalg.matrix_norm(dJ, 2)) / float(np.linalg.norm(w - v)))
    assert worst <= gamma, (worst, gamma)
    # ||Hess_w f_o(x_i)||_2 <= g[i, o] at random points of the ball, and the row bound implies gamma
    hess = torch.func.jacrev(torch.func.jacrev(lambda v: model.predict(v, Xt).reshape(-1)))   # reverse mode only
    for t in range(2):
        w = torch.as_tensor(_ball_point(rng, w0, rho, boundary=t == 0))
        Hs = hess(w)                                              # (d*l, n, n), point-major rows
        norms = torch.linalg.eigvalsh(Hs).abs().amax(dim=1).numpy().reshape(4, 2)
        assert (norms <= g * (1 + 1e-12)).all(), (norms, g)
    assert float(np.sqrt((g * g).sum())) <= gamma


@pytest.mark.parametrize("acts", CASES, ids=["-".join(c) for c in CASES])
def test_checker_recomputes_the_same_bound(acts):
    doc, w0 = _net(3, [5] * len(acts), 2, acts, seed=7)
    model = models.model_from_doc(doc)
    X = np.random.default_rng(3).normal(size=(5, 3))
    lip = lipschitz_data(_layers(model, w0), model.act_specs, X)
    p, l, layers = read_model(doc)
    prep = DenseNet(p, l, layers, w0, X).lipschitz_prep()
    for rho in (0.0, 1e-12, 0.3):
        mine, theirs = lipschitz_mlp(lip, rho), lipschitz_J(prep, rho, lip.spectral)
        assert abs(mine - theirs) <= 1e-9 * mine, (rho, mine, theirs)


def test_torch_forward_norms_agree():
    from verifier.torch_backend.verify import forward_norms
    doc, w0 = _net(3, [7, 9, 5], 2, ["tanh", "poly", "softplus"], seed=1)
    model = models.model_from_doc(doc)
    X = np.random.default_rng(0).normal(size=(6, 3))
    anorm, zabs = forward_norms(model, torch.as_tensor(w0), torch.as_tensor(X), chunk=2)
    lip = lipschitz_data(_layers(model, w0), model.act_specs, X)
    for a, b in zip(anorm + zabs, lip.anorm + lip.zabs):
        assert np.allclose(a, b, rtol=1e-13, atol=0)


def test_one_hidden_layer_is_as_tight_as_before():
    # the former closed form g = (max_j |V_oj| + rho) S2 xi^2 + S1 xi, S1, S2 over the global range of z
    from verifier.torch_backend.verify import derivative_sups
    for acts in (("tanh",), ("poly",), ("smoolu",)):
        doc, w0 = _net(4, [9], 3, acts, seed=1)
        model = models.model_from_doc(doc)
        X = np.random.default_rng(0).normal(size=(6, 4))
        (W, b), (V, _) = _layers(model, w0)
        for rho in (1e-10, 0.2):
            xi = np.sqrt((X * X).sum(axis=1) + 1.0)
            zmax = float(np.abs(X @ W.T + b).max()) + rho * float(xi.max())
            S1, S2 = derivative_sups(model.act_specs[0], zmax)
            g = (np.abs(V).max(axis=1) + rho)[None, :] * S2 * (xi ** 2)[:, None] + S1 * xi[:, None]
            before = float(np.sqrt((g * g).sum())) * (1 + 1e-9)
            now = lipschitz_one_hidden(_layers(model, w0), model.act_specs[0], X, rho)
            assert now <= before * (1 + 1e-9), (acts, rho, now, before)


def test_linear_network_has_zero_constant():
    doc, w0 = _net(3, [], 2, [], seed=0)
    model = models.model_from_doc(doc)
    assert lipschitz_mlp(lipschitz_data(_layers(model, w0), [], np.ones((2, 3))), 1.0) == 0.0


def test_unknown_activation_has_no_bound():
    fake = types.SimpleNamespace(name="relu", coefficients=lambda: None)
    doc, w0 = _net(2, [3], 1, ["tanh"], seed=0)
    model = models.model_from_doc(doc)
    with pytest.raises(InputError, match="no derivative bound"):
        lipschitz_data(_layers(model, w0), [fake], np.ones((2, 2)))
    p, l, layers = read_model(doc)
    layers = [(o, bias, Act("relu") if act is not None else None) for o, bias, act in layers]
    with pytest.raises(FormatError, match="no derivative bound"):
        DenseNet(p, l, layers, w0, np.ones((2, 2))).lipschitz_prep()
    assert "relu" not in SUP_D


@pytest.mark.parametrize("shape", [(5, 7), (7, 5), (40, 40), (1, 6), (6, 1), (30, 200)])
def test_spectral_norm_bound(shape):
    W = np.random.default_rng(shape[0] * 1000 + shape[1]).normal(size=shape) / math.sqrt(shape[1])
    true = float(np.linalg.norm(W, 2))
    t = spectral_norm_upper(W)
    assert true <= t <= spectral_norm_cheap(W) and t <= true * (1 + 1e-4) + 1e-12
    assert spectral_proven(W, t) and spectral_proven(W, true * 1.001)
    assert not spectral_proven(W, true * 0.999) and not spectral_proven(W, float("nan"))
    assert spectral_proven(W, spectral_cheap(W)) and not spectral_proven(W, -1.0)


# ---------------------------------------------------------------------------- end to end, tampering


@pytest.fixture(scope="module")
def deep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deep")
    doc, w = _net(3, [8, 8, 8], 2, ["softplus", "poly", "tanh"], seed=4, scale=1.0)
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    cert = verify_at_scale("cooper-2.3", doc, w, X, Y, arrays_name="d.arrays.npz")
    cert.write(folder / "d.json")
    return folder, cert


def _check(folder, doc):
    doc["instance"]["sha256"] = sha256({"model": doc["instance"]["model"], "arrays": doc["instance"]["arrays"]})
    doc["digest"] = digest(doc)
    return check_certificate(doc, base_dir=str(folder))


def _zero(doc):
    return next(c for c in doc["claims"] if c["id"] == "zero-float")["evidence"]


def test_deep_instance_end_to_end(deep):
    folder, cert = deep
    assert cert.status == "verified", cert.summary()
    assert [c["status"] for c in cert.claims] == ["verified"] * 7
    ev = _zero(cert.doc)
    assert len(ev["spectral_norm_upper"]) == 2 and float(ev["h"]) <= 0.5
    assert "lipschitz" in cert.doc["timings_s"]
    rep = check_certificate(json.loads((folder / "d.json").read_text()), base_dir=str(folder))
    assert rep.ok and rep.status == "verified", rep.text()


def _own_gamma(folder, doc, radius):
    with np.load(folder / "d.arrays.npz") as z:
        X, w = z["X"], z["w"]
    p, l, layers = read_model(doc["instance"]["model"])
    prep = DenseNet(p, l, layers, w, X).lipschitz_prep()
    return lipschitz_J(prep, radius, [float(t) for t in _zero(doc)["spectral_norm_upper"]])


def test_consistent_inflated_radius_is_accepted(deep):
    folder, _ = deep
    doc = json.loads((folder / "d.json").read_text())
    ev = _zero(doc)
    ev["radius"] = "0.01"
    ev["gamma_J"] = repr(_own_gamma(folder, doc, 0.01) * 1.01)
    ev["h"] = "0.25"
    # a weaker claim, said as such: the message rendered from the new evidence (the checker requires it)
    from verifier.checker.float.tier import float_message
    claim = next(c for c in doc["claims"] if c["id"] == "zero-float")
    claim["message"] = float_message("zero-float", "verified", n=0, m=0, d=0, evidence=ev)
    rep = _check(folder, doc)
    assert rep.ok and rep.status == "verified", rep.text()
    claim["message"] = claim["message"].replace("0.01", "1e-9")       # the same evidence, a stronger sentence
    assert not _check(folder, doc).ok


TAMPER = {
    "gamma below the checker's": lambda d, ev: ev.update(gamma_J=repr(float(ev["gamma_J"]) * (1 - 1e-4))),
    "radius inflated, gamma kept": lambda d, ev: ev.update(radius="0.5"),
    "radius below the checker's": lambda d, ev: ev.update(radius=repr(float(ev["radius"]) / 8)),
    "h below the checker's": lambda d, ev: ev.update(h=repr(float(ev["h"]) / 64)),
    "h above 1/2": lambda d, ev: ev.update(h="0.6"),
    "layer bound deleted": lambda d, ev: ev["spectral_norm_upper"].pop(0),
    "layer bound lowered": lambda d, ev: ev["spectral_norm_upper"].__setitem__(1, "0.01"),
    "layer bound raised": lambda d, ev: ev["spectral_norm_upper"].__setitem__(0, "1e3"),
    "layer bound not a number": lambda d, ev: ev["spectral_norm_upper"].__setitem__(0, "nan"),
    "bounds missing": lambda d, ev: ev.pop("spectral_norm_upper"),
    "hidden layer deleted": lambda d, ev: d["instance"]["model"]["layers"].pop(1),
}


@pytest.mark.parametrize("name", sorted(TAMPER))
def test_tampered_bounds_are_rejected(deep, name):
    folder, _ = deep
    doc = json.loads((folder / "d.json").read_text())
    TAMPER[name](doc, _zero(doc))
    rep = _check(folder, doc)
    assert not rep.ok and rep.status != "verified", rep.text()
