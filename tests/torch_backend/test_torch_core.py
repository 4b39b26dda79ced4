"""Torch backend: structured Gram == J J^T, agreement with verifier.system, GN to M, PD certificate."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend needs torch (optional dependency)")

from verifier.activations import polynomial, power, relu_approx
from verifier.data import dataset_from_arrays
from verifier.errors import InputError
from verifier.network import conv1d, liao_poggio_tree, mlp
from verifier.system import compile_system
from verifier.torch_backend import (
    GenericModel,
    TorchMLP,
    certify_gram_pd,
    gauss_newton_to_M,
    hessian_spectrum_at_M,
    model_from_network,
)

ACTS = ["smoolu", "softplus", "tanh", "sigmoid", power(2), polynomial(["0", "1/2", "1/3"]),
        relu_approx(4, "2")]
CASES = [([5], 1, True), ([4, 3], 2, False), ([3, 4, 2], 2, True), ([6], 2, True), ([3, 3], 1, False)]


def _problem(net, d, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(d, net.p))
    Y = rng.normal(size=(d, net.l))
    w = scale * rng.normal(size=net.n)
    return X, Y, w


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a if isinstance(a, str) else a.name)
@pytest.mark.parametrize("widths,l,bias", CASES)
def test_structured_gram_equals_explicit(widths, l, bias, act):
    net = mlp(3, widths, l=l, activation=act, bias=bias)
    model = TorchMLP.from_network(net)
    X, _, w = _problem(net, 7, len(widths) + l)
    K = model.gram_structured(w, X, chunk=2)        # small chunks exercise the accumulation
    Ke = model.gram_explicit(w, X)
    assert K.shape == (7 * l, 7 * l)
    torch.testing.assert_close(K, Ke, rtol=1e-10, atol=1e-12 * float(Ke.abs().max()))


@pytest.mark.parametrize("act", ["smoolu", "tanh", power(3)], ids=str)
@pytest.mark.parametrize("widths,l,bias", CASES[:3])
def test_residual_and_jacobian_match_system(widths, l, bias, act):
    net = mlp(3, widths, l=l, activation=act, bias=bias)
    model = TorchMLP.from_network(net)
    X, Y, w = _problem(net, 5, 11)
    sysm = compile_system(net, dataset_from_arrays(X, Y))
    np.testing.assert_allclose(model.residual(w, X, Y).numpy(), sysm.value_f64(w), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(model.jacobian_explicit(w, X).numpy(), sysm.jacobian_f64(w), rtol=1e-10, atol=1e-13)
    # the flat <-> layer mapping round-trips
    wt = torch.as_tensor(w)
    assert torch.equal(model.flatten(model.weights(wt)), wt)


@pytest.mark.parametrize("net", [liao_poggio_tree(), liao_poggio_tree(activation="tanh", bias=False),
                                 conv1d(5, 2, channels=2, l=2), conv1d(6, 3, stride=3, activation="softplus")],
                         ids=["tree", "tree-tanh-nobias", "conv-l2", "conv-stride"])
def test_generic_path_with_weight_sharing(net):
    with pytest.raises(InputError, match="not a layered MLP"):
        TorchMLP.from_network(net)
    model = model_from_network(net)
    assert isinstance(model, GenericModel)
    X, Y, w = _problem(net, 4, 3)
    sysm = compile_system(net, dataset_from_arrays(X, Y))
    np.testing.assert_allclose(model.residual(w, X, Y).numpy(), sysm.value_f64(w), rtol=1e-12, atol=1e-13)
    J = sysm.jacobian_f64(w)
    np.testing.assert_allclose(model.jacobian_explicit(w, X).numpy(), J, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(model.gram_explicit(w, X).numpy(), J @ J.T, rtol=1e-10, atol=1e-12)


def test_smoolu_nan_free():
    model = TorchMLP.from_network(mlp(1, [3], activation="smoolu"))
    t = torch.tensor([-1e300, -1.0, 0.0, 1e-320, 1e-10, 1e-3, 0.5, 1e300], dtype=torch.float64, requires_grad=True)
    f, df = model.acts[0]
    v = f(t)
    (g,) = torch.autograd.grad(v.sum(), t)
    assert torch.isfinite(v).all() and torch.isfinite(g).all() and torch.isfinite(df(t)).all()
    torch.testing.assert_close(g, df(t).detach(), rtol=1e-12, atol=0)


def _point_on_M(net, d, seed):
    # Fit the output layer exactly (width >= d): least squares puts w on M directly.
    model = TorchMLP.from_network(net)
    X, Y, w = _problem(net, d, seed)
    w = torch.as_tensor(w)
    layers = model.weights(w)
    A = torch.as_tensor(X)
    for k in range(model.n_layers - 1):
        W, b = layers[k]
        A = model.acts[k][0](A @ W.T + (0 if b is None else b))
    Aaug = torch.cat([A, torch.ones(d, 1, dtype=A.dtype)], dim=1)
    sol = torch.linalg.lstsq(Aaug, torch.as_tensor(Y)).solution
    layers[-1] = (sol[:-1].T.contiguous(), sol[-1])
    return model, X, Y, model.flatten(layers)


def test_gauss_newton_quadratic():
    net = mlp(3, [12, 10], l=2, activation="softplus")
    model, X, Y, w0 = _point_on_M(net, 4, 5)
    assert float(model.residual(w0, X, Y).abs().max()) < 1e-10
    w = w0 + 1e-2 * torch.as_tensor(np.random.default_rng(1).normal(size=net.n))
    _, hist = gauss_newton_to_M(model, w, X, Y, steps=10, tol=1e-13)
    assert hist[-1] < 1e-10
    big = [h for h in hist if h > 1e-9]
    # quadratic decrease: h_{k+1} <= C h_k^2 once close
    for a, b in zip(big[1:], hist[2:]):
        assert b <= 50.0 * a * a + 1e-13
    assert len(hist) <= 7


def test_gauss_newton_generic_model():
    net = liao_poggio_tree()
    model = GenericModel(net)
    X, Y, w = _problem(net, 3, 8, scale=0.5)
    w, hist = gauss_newton_to_M(model, w, X, Y, steps=30, tol=1e-12)
    assert hist[-1] < 1e-10


def _exact_lambda_min(K_factors):
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    K = K_factors
    N = K.rows
    ev = mpmath.eigsy(K, eigvals_only=True)
    return min(ev[i] for i in range(N))


def _mp_gram(model, w, X):
    """K_true = sum_k (D_k D_k^T) * (A A^T + 1) in 60-digit arithmetic from the float64 J factors.

    J's entries are products of two floats (exact at 60 digits), so mp J J^T is the true Gram of
    the float factors, the matrix certify_gram_pd speaks about."""
    import mpmath
    mpmath.mp.dps = 60
    # explicit J rows via the chain rule factors: use autograd J (each entry is D*A in float,
    # one rounding away from the factor product; the test allows for it via a tolerance below)
    J = model.jacobian_explicit(w, X).numpy()
    Jm = mpmath.matrix(J.tolist())
    return Jm * Jm.T


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_certificate_sound_and_positive(seed):
    net = mlp(2, [6], l=1, activation="softplus")
    model = TorchMLP.from_network(net)
    X, _, w = _problem(net, 5, seed)
    res = certify_gram_pd(lambda: model.gram_structured(w, X, with_abs=True))
    assert res["positive_definite"] is True and res["tier"] == "floating-point with error bounds"
    assert res["assumptions"]
    lam = _exact_lambda_min(_mp_gram(model, w, X))
    # the bound is a lower bound on lambda_min (the slack covers the rounding of J's entries)
    assert res["lambda_min_lower"] <= float(lam) * (1 + 1e-12)
    assert res["lambda_min_lower"] > 0.5 * float(lam)


def test_certificate_never_true_on_singular():
    net = mlp(2, [6], l=1, activation="smoolu")
    model = TorchMLP.from_network(net)
    X, _, w = _problem(net, 5, 3)
    X[4] = X[1]                                   # duplicated data row: K exactly singular
    res = certify_gram_pd(lambda: model.gram_structured(w, X, with_abs=True))
    assert res["positive_definite"] is False and res["lambda_min_lower"] is None
    # l*d > n: K = J J^T has rank <= n < l*d
    net = mlp(1, [2], l=2, activation="tanh")
    model = TorchMLP.from_network(net)
    X, _, w = _problem(net, 6, 4)
    assert model.n < 12
    assert certify_gram_pd(lambda: model.gram_structured(w, X, with_abs=True))["positive_definite"] is False


def test_certificate_nearly_singular_and_plain_matrices():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(30, 30)))
    for lam_min, expect in [(1e-2, True), (1e-17, False), (0.0, False), (-1e-14, False)]:
        ev = np.linspace(1.0, 2.0, 30)
        ev[0] = lam_min
        K = torch.as_tensor((Q * ev) @ Q.T)
        K = 0.5 * (K + K.T)
        res = certify_gram_pd(K)
        assert res["positive_definite"] is expect, lam_min
        if expect:
            # exact lambda_min of the float matrix K at 60 digits
            lam = _exact_lambda_min(__import__("mpmath").matrix(K.numpy().tolist()))
            assert res["lambda_min_lower"] <= float(lam)
    # an entrywise error bound larger than lambda_min defeats the proof
    ev = np.linspace(1e-3, 1.0, 30)
    K = torch.as_tensor((Q * ev) @ Q.T)
    K = 0.5 * (K + K.T)
    assert certify_gram_pd(K, entry_error=1e-3)["positive_definite"] is False
    assert certify_gram_pd(K, entry_error=1e-7)["positive_definite"] is True


def test_hessian_spectrum_at_M():
    net = mlp(2, [8], l=1, activation="softplus")
    model, X, Y, w = _point_on_M(net, 4, 9)
    K = model.gram_structured(w, X)
    spec = hessian_spectrum_at_M(K, n=net.n)
    sysm = compile_system(net, dataset_from_arrays(X, Y))
    Hfull = np.linalg.eigvalsh(sysm.loss_hessian_f64(w.numpy()))
    top = np.sort(Hfull)[-4:]
    np.testing.assert_allclose(spec["eigenvalues"].numpy(), top, rtol=1e-8)
    assert spec["n_zero"] == net.n - 4
    assert np.abs(np.sort(Hfull)[:-4]).max() < 1e-8


def test_not_layered_errors_are_one_line():
    with pytest.raises(InputError) as e:
        TorchMLP.from_network(liao_poggio_tree())
    assert "\n" not in str(e.value)


def test_verifier_import_does_not_import_torch():
    import subprocess
    import sys
    code = "import sys, verifier, verifier.system, verifier.network; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
