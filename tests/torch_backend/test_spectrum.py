"""Hessian spectra off M: Lanczos, the second part S, Weyl intervals against the explicit Hessian."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend needs torch (optional dependency)")

from verifier.network import conv1d, mlp
from verifier.torch_backend import TorchMLP, gauss_newton_to_M, model_from_network
from verifier.torch_backend.spectrum import (
    hessian_eigs_top,
    hessian_off_M,
    kw_epsilon,
    lanczos,
    loss_hvp,
    second_part_matvec,
    weyl_counts,
)

NETS = [
    ("mlp-tanh-l2", lambda: mlp(3, [6], l=2, activation="tanh")),
    ("mlp-softplus-deep", lambda: mlp(2, [4, 3], activation="softplus")),
    ("mlp-smoolu", lambda: mlp(3, [5], activation="smoolu")),
    ("conv-shared", lambda: conv1d(5, 2, channels=2, activation="softplus")),
]


def _problem(net, d, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    X = torch.as_tensor(rng.normal(size=(d, net.p)))
    Y = torch.as_tensor(rng.normal(size=(d, net.l)))
    w = torch.as_tensor(scale * rng.normal(size=net.n))
    return X, Y, w


def _explicit(model, w, X, Y):
    def loss(v):
        H = model.residual(v, X, Y)
        return (H * H).sum()
    Hess = torch.autograd.functional.hessian(loss, w)
    J = model.jacobian_explicit(w, X)
    return Hess, J, Hess - 2.0 * J.T @ J


# ---------------------------------------------------------------------------- Lanczos


def test_lanczos_known_matrix():
    n = 200
    gen = torch.Generator().manual_seed(1)
    Qm, _ = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    lam = torch.linspace(-1.0, 1.0, n, dtype=torch.float64)
    lam[-1], lam[0] = 10.0, -7.0          # well separated extremes
    A = (Qm * lam) @ Qm.T
    res = lanczos(lambda v: A @ v, n, 40, seed=3, explicit_residuals=2)
    th, r = res["ritz_values"], res["residual_norms"]
    assert res["orthogonality"] < 1e-12 and res["steps"] == 40
    assert abs(float(th[-1]) - 10.0) < 1e-8 and abs(float(th[0]) + 7.0) < 1e-8
    # Ritz values lie inside the spectrum and the sigma_max bound is from inside
    assert float(th.min()) >= -7.0 - 1e-10 and float(th.max()) <= 10.0 + 1e-10
    assert res["sigma_max"] <= 10.0 + 1e-10 and res["sigma_max"] > 10.0 - 1e-8
    # every Ritz value has an eigenvalue within its residual
    for t, rr in zip(th.tolist(), r.tolist()):
        assert float((lam - t).abs().min()) <= rr + 1e-10
    # full run: exact spectrum, invariant subspace detected
    full = lanczos(lambda v: A @ v, n, n, seed=0)
    torch.testing.assert_close(full["ritz_values"], torch.sort(lam).values, rtol=0, atol=1e-10)


def test_lanczos_invariant_subspace_low_rank():
    n = 50
    gen = torch.Generator().manual_seed(2)
    B = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    A = B @ B.T                            # rank 3: Krylov space of dimension <= 4
    res = lanczos(lambda v: A @ v, n, 30, seed=0)
    assert res["invariant"] and res["steps"] <= 4
    top = torch.linalg.eigvalsh(A)[-1]
    assert abs(res["sigma_max"] - float(top)) < 1e-9 * float(top)


def test_kw_epsilon():
    assert kw_epsilon(10**6, 1) == 1.0                     # one step proves nothing
    e50, e100 = kw_epsilon(10**6, 50), kw_epsilon(10**6, 100)
    assert 0 < e100 < e50 < 1
    kp = 50
    assert math.isclose(1.648 * 1e3 * math.exp(-math.sqrt(e100) * (2 * kp - 1)), 1e-3, rel_tol=1e-9)


# ---------------------------------------------------------------------------- S and Hess L products


@pytest.mark.parametrize("name,build", NETS, ids=[n for n, _ in NETS])
def test_hvps_match_explicit_hessian(name, build):
    net = build()
    model = model_from_network(net)
    X, Y, w = _problem(net, 4, 7)
    Hess, J, S = _explicit(model, w, X, Y)
    v = torch.as_tensor(np.random.default_rng(0).normal(size=net.n))
    scale = float(Hess.abs().max())
    torch.testing.assert_close(loss_hvp(model, w, X, Y)(v), Hess @ v, rtol=0, atol=1e-11 * scale * net.n)
    torch.testing.assert_close(second_part_matvec(model, w, X, Y)(v), S @ v, rtol=0, atol=1e-11 * scale * net.n)


# ---------------------------------------------------------------------------- Weyl intervals off M


@pytest.mark.parametrize("name,build", NETS, ids=[n for n, _ in NETS])
@pytest.mark.parametrize("mode", ["lanczos-short", "lanczos-full", "explicit"])
def test_weyl_intervals_contain_true_eigenvalues(name, build, mode):
    net = build()
    model = model_from_network(net)
    X, Y, w = _problem(net, 4, 11)
    Hess, J, S = _explicit(model, w, X, Y)
    true = torch.linalg.eigvalsh(Hess)
    s_true = float(torch.linalg.matrix_norm(S, 2))
    kw = dict(second_part="explicit") if mode == "explicit" else \
        dict(lanczos_steps=net.n if mode == "lanczos-full" else 12, seed=5)
    r = hessian_off_M(model, w, X, Y, **kw)
    m, n = model.l * X.shape[0], net.n
    assert r["m"] == m and r["n"] == n
    assert {"tier", "assumptions", "statement", "loss", "residual_norm"} <= set(r)
    torch.testing.assert_close(r["loss"], float(r["residual_norm"]) ** 2, rtol=1e-12, atol=0)
    # the Gram part's spectrum: 2K's eigenvalues and n - m zeros = spectrum of 2 J^T J
    mu_full = torch.sort(torch.cat([r["gram_eigenvalues"], torch.zeros(n - m, dtype=torch.float64)])).values
    gn = torch.linalg.eigvalsh(2.0 * J.T @ J)
    torch.testing.assert_close(mu_full, gn, rtol=0, atol=1e-10 * float(gn.max()))
    # the norm of S: Lanczos from inside (lower), the bound above (probabilistic; holds here)
    assert r["second_part_norm_lower"] <= s_true * (1 + 1e-10)
    assert r["second_part_norm_bound"] >= s_true * (1 - 1e-10)
    if mode != "lanczos-short":
        assert math.isclose(r["second_part_norm_estimate"], s_true, rel_tol=1e-9)
    # Weyl: each true eigenvalue within the bound of the corresponding Gram-part eigenvalue
    s = r["second_part_norm_bound"]
    assert float((true - mu_full).abs().max()) <= s * (1 + 1e-9) + 1e-10
    # the counts are consistent with the true spectrum
    assert int((true > 0).sum()) >= r["n_positive"]
    assert int((true < 0).sum()) <= r["n_possibly_negative"]
    assert r["n_positive"] + r["n_near_zero"] == n
    lo, hi = r["near_zero_interval"]
    assert float(true[: r["n_near_zero"]].min()) >= lo - 1e-9 and float(true[: r["n_near_zero"]].max()) <= hi + 1e-9
    if r["n_positive"]:
        assert float(true[-r["n_positive"]:].min()) > 0


def test_weyl_counts_simple():
    c = weyl_counts(torch.tensor([0.5, 2.0, 10.0]), 10, 1.0)
    assert c["n_positive"] == 2 and c["n_near_zero"] == 8 and c["n_possibly_negative"] == 8
    assert c["n_near_zero_from_gram"] == 1 and c["near_zero_interval"] == (-1.0, 1.5)


# ---------------------------------------------------------------------------- on and near M


@pytest.mark.parametrize("widths,l", [([8], 1), ([5, 6], 2)])
def test_on_M_second_part_vanishes(widths, l):
    net = mlp(3, widths, l=l, activation="softplus")
    model = TorchMLP.from_network(net)
    X, Y, w0 = _problem(net, 3, 2, scale=0.5)
    w, hist = gauss_newton_to_M(model, w0, X, Y, steps=30, tol=1e-14)
    assert hist[-1] < 1e-12
    r = hessian_off_M(model, w, X, Y, lanczos_steps=min(net.n, 40))
    m = l * X.shape[0]
    mu = r["gram_eigenvalues"]
    assert r["second_part_norm_bound"] < 1e-9 * float(mu.max())
    assert r["n_positive"] == m and r["n_near_zero"] == net.n - m
    # and the top of Hess L is the top of 2K
    top = hessian_eigs_top(model, w, X, Y, 3)
    torch.testing.assert_close(top["eigenvalues"], mu.flip(0)[:3], rtol=1e-9, atol=0)


def test_near_M_positive_count_survives():
    net = mlp(3, [10], activation="tanh")
    model = TorchMLP.from_network(net)
    X, Y, w0 = _problem(net, 4, 9, scale=0.5)
    w, _ = gauss_newton_to_M(model, w0, X, Y, steps=30, tol=1e-14)
    wp = w + 1e-4 * torch.as_tensor(np.random.default_rng(1).normal(size=net.n))
    r = hessian_off_M(model, wp, X, Y, lanczos_steps=30)
    assert 0 < r["residual_norm"] < 1e-2
    assert r["n_positive"] == 4 and r["n_near_zero"] == net.n - 4
    Hess, _, S = _explicit(model, wp, X, Y)
    assert r["second_part_norm_bound"] >= float(torch.linalg.matrix_norm(S, 2))


@pytest.mark.parametrize("name,build", NETS[:2], ids=[n for n, _ in NETS[:2]])
def test_hessian_eigs_top_matches_explicit(name, build):
    net = build()
    model = model_from_network(net)
    X, Y, w = _problem(net, 4, 3)
    Hess, _, _ = _explicit(model, w, X, Y)
    ev = torch.linalg.eigvalsh(Hess).flip(0)
    top = hessian_eigs_top(model, w, X, Y, 4, steps=net.n)
    torch.testing.assert_close(top["eigenvalues"], ev[:4], rtol=1e-9, atol=1e-9)
    assert float(top["residual_norms"].max()) < 1e-6 * float(ev[0])


def test_progress_callback():
    net = mlp(2, [3])
    model = TorchMLP.from_network(net)
    X, Y, w = _problem(net, 3, 0)
    seen = []
    hessian_off_M(model, w, X, Y, lanczos_steps=5, progress=lambda *a: seen.append(a))
    assert seen and seen[0][0] == "lanczos" and seen[-1][2] == 5


# ---------------------------------------------------------------------------- CLI


def test_cli_spectrum_conv_model(tmp_path, cli):
    import json
    import os

    import numpy as np
    pytest.importorskip("matplotlib")
    (tmp_path / "model.py").write_text(
        "import torch\n"
        "def build():\n"
        "    torch.manual_seed(0)\n"
        "    return torch.nn.Sequential(torch.nn.Conv1d(1, 3, 3, padding=1), torch.nn.Tanh(), torch.nn.Flatten(),\n"
        "                               torch.nn.Linear(3 * 6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))\n")
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "data.npz", X=rng.normal(size=(10, 1, 6)), Y=rng.normal(size=(10, 1)))
    r = cli("spectrum", "--torch-model", "model.py:build", "--data", "data.npz", "--optimizer", "adam",
             "--optimizer-steps", "30", "--lr", "0.01", "--lanczos-steps", "30", "--out", "s.json",
             "--figure", "s.svg", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    env = json.loads(r.stdout)
    assert env["command"] == "spectrum" and env["files"] == ["s.json", "s.svg"]
    out = env["result"]
    assert out["n"] == 3 * 1 * 3 + 3 + 18 * 8 + 8 + 8 + 1 and out["m"] == 10
    assert len(out["gram_eigenvalues"]) == 10 and len(out["optimizer_losses"]) == 30
    assert out["second_part_norm_lower"] <= out["second_part_norm_bound"]
    assert out["n_positive"] + out["n_near_zero"] == out["n"]
    assert json.loads((tmp_path / "s.json").read_text())["n"] == out["n"]
    assert (tmp_path / "s.svg").read_text().lstrip().startswith("<svg")
    # text output, and bad input: one line on stderr, exit 2, nothing written
    r = cli("spectrum", "--torch-model", "model.py:build", "--data", "data.npz", "--lanczos-steps", "5",
             cwd=tmp_path)
    assert r.returncode == 0 and "certainly positive" in r.stdout, r.stderr
    for bad in (["--lanczos-steps", "0"], ["--delta", "2"], ["--point", "p.json"],
                ["--device", "foo"], ["--figure", "bad.json"],
                ["--optimizer", "sgd", "--optimizer-steps", "20", "--lr", "1e300"]):
        r = cli("spectrum", "--torch-model", "model.py:build", "--data", "data.npz", "--out", "bad.json", *bad,
                 cwd=tmp_path)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, bad
        assert not os.path.exists(tmp_path / "bad.json")
