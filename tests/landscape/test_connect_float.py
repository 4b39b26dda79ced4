"""cooper-connected in the floating-point tier (torch models): a chain of float64 points on M, one contraction
test per segment, re-run by the numpy checker.

Two minima of a small tanh MLP connect and the checker agrees; tampering with a chain point, a radius, a
sigma, a distance or the arrays file is rejected; the CLI writes the certificate and its arrays file, and
refuses bad input with one line and nothing written; a budget gives inconclusive; n <= l*d not-applicable.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the floating-point tier needs torch (optional dependency)")

import verifier  # noqa: E402
from verifier.checker import check_certificate  # noqa: E402
from verifier.checker.format import FLOAT_TIER, digest, sha256  # noqa: E402
from verifier.cli import main  # noqa: E402
from verifier.torch_backend import models  # noqa: E402
from verifier.torch_backend.verify import gauss_newton  # noqa: E402

MODEL_PY = """import torch


def build():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).double()
"""


def _build(width=16):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(2, width), torch.nn.Tanh(), torch.nn.Linear(width, 1)).double()


def _data(d=6):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, size=(d, 2)), rng.uniform(-1, 1, size=(d, 1))


def _minima(noise=0.3):
    """Two zeros of H: one from a seeded start, one from it plus noise (both by Gauss-Newton)."""
    X, Y = _data()
    doc, w = models.from_module(_build(), X=X)
    model = models.model_from_doc(doc)
    Xt, Yt = torch.as_tensor(X), torch.as_tensor(Y)
    a, _ = gauss_newton(model, torch.as_tensor(w), Xt, Yt, steps=40, tol=1e-14)
    rng = np.random.default_rng(1)
    b, _ = gauss_newton(model, a + noise * torch.as_tensor(rng.normal(size=a.shape[0])), Xt, Yt, steps=40, tol=1e-14)
    return X, Y, a.numpy().copy(), b.numpy().copy()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fpconnect")
    X, Y, a, b = _minima()
    cert = verifier.verify("cooper-connected", (X, Y), tier=FLOAT_TIER, torch_model=_build(), start=a, end=b,
                           arrays_name="c.arrays.npz")
    cert.write(folder / "c.json")
    return folder, cert


def _doc(folder):
    return json.loads((folder / "c.json").read_text())


def _path(doc):
    return next(c for c in doc["claims"] if c["id"] == "path")


def _check(folder, doc):
    return check_certificate(doc, base_dir=str(folder))


def _reseal(doc):
    doc["digest"] = digest(doc)
    return doc


def _rewrite_arrays(folder, doc, change):
    """Alter the arrays file and re-seal its hash, the instance hash and the digest: only the checker's own
    tests can then catch the change."""
    with np.load(folder / "c.arrays.npz") as z:
        arrays = {k: z[k].copy() for k in z.files}
    change(arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    out = folder / "t.arrays.npz"
    out.write_bytes(buf.getvalue())
    doc = copy.deepcopy(doc)
    doc["instance"]["arrays"].update(file="t.arrays.npz", sha256=hashlib.sha256(buf.getvalue()).hexdigest())
    doc["instance"]["sha256"] = sha256({"model": doc["instance"]["model"], "arrays": doc["instance"]["arrays"]})
    return _reseal(doc)


def test_two_minima_connect_and_the_checker_agrees(written):
    folder, cert = written
    assert cert.status == "verified", cert.reason
    doc = _doc(folder)
    assert doc["tier"] == FLOAT_TIER and doc["assumptions"]
    ev = _path(doc)["evidence"]
    assert len(ev["segments"]) >= 2
    assert float(ev["start_distance"]) < 1e-6 and float(ev["end_distance"]) < 1e-6
    rep = _check(folder, doc)
    assert rep.ok and rep.status == "verified", rep.text()
    with np.load(folder / "c.arrays.npz") as z:
        assert z["chain"].shape == (len(ev["segments"]) + 1, 65)


@pytest.mark.parametrize("what", ["chain-point", "middle-point-off-M", "radius-small", "radius-large", "sigma",
                                  "distance", "max-distance", "drop-segment"])
def test_tampering_is_rejected(written, what):
    folder, _ = written
    doc = _doc(folder)
    ev = _path(doc)["evidence"]
    if what == "chain-point":
        doc = _rewrite_arrays(folder, doc, lambda a: a["chain"].__setitem__((1, 3), a["chain"][1, 3] + 0.05))
    elif what == "middle-point-off-M":
        k = len(ev["segments"]) // 2

        def shift(a):
            a["chain"][k] += 1e-3
        doc = _rewrite_arrays(folder, doc, shift)
    elif what == "radius-small":
        ev["segments"][0]["radius"] = repr(float(ev["segments"][0]["radius"]) * 1e-6)
    elif what == "radius-large":
        ev["segments"][0]["radius"] = "1000.0"
    elif what == "sigma":
        ev["segments"][-1]["lambda_min_lower"] = repr(float(ev["segments"][-1]["lambda_min_lower"]) * 1e3)
    elif what == "distance":
        ev["end_distance"] = "1e-30"
    elif what == "max-distance":
        ev["max_distance"] = "1e-30"
    else:
        del ev["segments"][1]
    rep = _check(folder, _reseal(doc))
    assert not rep.ok and rep.status != "verified", what


def _longest(ev):
    return max(range(len(ev["segments"])), key=lambda j: ev["segments"][j].get("samples", 1))


@pytest.mark.parametrize("what", ["one-sample", "no-samples-old-rule", "zero", "negative", "too-many", "string",
                                  "bool"])
def test_tampered_samples_are_rejected(written, what):
    """The sampled test's only stated number is the count of sample points: fewer of them (or the one-piece
    rule of certificates without it) cannot carry a long segment, and a malformed count is refused."""
    folder, _ = written
    doc = _doc(folder)
    ev = _path(doc)["evidence"]
    seg = ev["segments"][_longest(ev)]
    assert seg["samples"] >= 8
    if what == "no-samples-old-rule":
        del seg["samples"]
    else:
        seg["samples"] = {"one-sample": 1, "zero": 0, "negative": -3, "too-many": 10 ** 6, "string": "16",
                          "bool": True}[what]
    rep = _check(folder, _reseal(doc))
    assert not rep.ok and rep.status != "verified", what


def test_more_samples_still_verify(written):
    """The checker recomputes every sampled bound: a larger count only refines the test."""
    folder, _ = written
    doc = _doc(folder)
    ev = _path(doc)["evidence"]
    seg = ev["segments"][_longest(ev)]
    seg["samples"] *= 2
    rep = _check(folder, _reseal(doc))
    assert rep.ok and rep.status == "verified", rep.text()


def test_jacobian_gap_bounds_the_jacobian_difference():
    """jacobian_gap >= ||J(P) - J(Q)||_F (>= the spectral norm), tight to rounding; two hidden layers, l = 2."""
    from verifier.checker.float.dense import DenseNet, read_model
    from verifier.checker.float.path import jacobian_factors, jacobian_gap
    doc = {"format": "verifier-mlp", "version": 1, "p": 3, "l": 2,
           "layers": [{"out": 6, "bias": False, "activation": "tanh"},
                      {"out": 5, "bias": True, "activation": "softplus"}, {"out": 2, "bias": True, "activation": None}]}
    model, mdl = models.model_from_doc(doc), read_model(doc)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    P = rng.normal(size=model.n)
    for scale in (0.1, 1e-6):
        Q = P + scale * rng.normal(size=model.n)
        jac = torch.func.jacrev(lambda v: model.residual(v, torch.as_tensor(X), torch.as_tensor(Y)))
        true = float(torch.linalg.norm(jac(torch.as_tensor(P)) - jac(torch.as_tensor(Q))))
        gap = jacobian_gap(jacobian_factors(DenseNet(*mdl, P, X)), jacobian_factors(DenseNet(*mdl, Q, X)))
        assert true <= gap <= true * (1 + 1e-4), (scale, true, gap)


def test_an_altered_arrays_file_is_rejected(written):
    folder, _ = written
    doc = _doc(folder)
    with np.load(folder / "c.arrays.npz") as z:
        arrays = {k: z[k].copy() for k in z.files}
    arrays["Y"][0, 0] += 1e-9
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    (folder / "x.arrays.npz").write_bytes(buf.getvalue())
    doc["instance"]["arrays"]["file"] = "x.arrays.npz"       # same sha256 stated: the file no longer matches
    doc["instance"]["sha256"] = sha256({"model": doc["instance"]["model"], "arrays": doc["instance"]["arrays"]})
    rep = _check(folder, _reseal(doc))
    assert not rep.ok and "sha256" in rep.text()


def test_a_budget_is_inconclusive_with_where_it_stopped(tmp_path):
    X, Y, a, b = _minima(noise=1.0)
    cert = verifier.verify("cooper-connected", (X, Y), tier=FLOAT_TIER, torch_model=_build(), start=a, end=b,
                           max_segments=2, arrays_name="c.arrays.npz")
    assert cert.status == "inconclusive"
    path = _path(cert.to_json())
    assert "stopped at t = " in path["message"] and "budget of 2 segments" in path["message"]
    assert 0 < float(path["evidence"]["stopped_at"]) < 1
    cert.write(tmp_path / "c.json")
    rep = verifier.check(tmp_path / "c.json")
    assert rep.status == "inconclusive" and not any("problem" in x for x in rep.lines), rep.text()


def test_not_applicable_when_n_is_at_most_ld(tmp_path):
    X, Y = _data()
    net = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Tanh(), torch.nn.Linear(1, 1)).double()  # n = 5 <= 6
    w = models.from_module(net, X=X)[1]
    cert = verifier.verify("cooper-connected", (X, Y), tier=FLOAT_TIER, torch_model=net, start=w, end=w,
                           arrays_name="c.arrays.npz")
    assert cert.status == "not-applicable" and "overparameterized" in cert.reason
    cert.write(tmp_path / "c.json")
    rep = verifier.check(tmp_path / "c.json")
    assert rep.status == "not-applicable" and not any("problem" in x for x in rep.lines), rep.text()


def test_cli_connect_torch_model(tmp_path, capsys):
    X, Y, a, b = _minima()
    (tmp_path / "model.py").write_text(MODEL_PY)
    np.savez(tmp_path / "data.npz", X=X, Y=Y)
    for name, w in (("w0", a), ("w1", b)):
        m = _build()
        torch.nn.utils.vector_to_parameters(torch.as_tensor(w), m.parameters())
        torch.save(m.state_dict(), tmp_path / f"{name}.pt")
    np.save(tmp_path / "w1.npy", b)
    out = tmp_path / "path.json"
    base = ["--torch-model", f"{tmp_path / 'model.py'}:build", "--data", str(tmp_path / "data.npz")]
    assert main(["connect", *base, "--from", str(tmp_path / "w0.pt"), "--to", str(tmp_path / "w1.npy"),
                 "--out", str(out), "--json"]) == 0
    env = json.loads(capsys.readouterr().out)
    assert env["status"] == "verified" and env["theorem"] == "cooper-connected"
    assert (tmp_path / "path.arrays.npz").exists()
    assert main(["check", str(out)]) == 0
    capsys.readouterr()
    # the same through verify, and a budget: inconclusive (exit 1), never bad input
    assert main(["verify", "cooper-connected", *base, "--from", str(tmp_path / "w0.pt"), "--to",
                 str(tmp_path / "w1.pt")]) == 0
    capsys.readouterr()
    assert main(["connect", *base, "--from", str(tmp_path / "w0.pt"), "--to", str(tmp_path / "w1.pt"),
                 "--max-segments", "1"]) == 1
    capsys.readouterr()
    # bad input: one line, exit 2, nothing written
    bad = tmp_path / "bad.json"
    torch.save({"0.weight": torch.zeros(3, 3)}, tmp_path / "wrong.pt")
    np.save(tmp_path / "short.npy", b[:10])
    (tmp_path / "obj.pt").write_bytes(b"not a torch file")
    for frm in ("nope.pt", "wrong.pt", "short.npy", "obj.pt"):
        assert main(["connect", *base, "--from", str(tmp_path / frm), "--to", str(tmp_path / "w1.pt"),
                     "--out", str(bad)]) == 2, frm
        err = capsys.readouterr().err
        assert err.count("\n") == 1, (frm, err)
        assert not bad.exists() and not (tmp_path / "bad.arrays.npz").exists()
    assert main(["connect", *base, "--from", str(tmp_path / "w0.pt"), "--to", str(tmp_path / "w1.pt"),
                 "--grid", "5"]) == 2
    capsys.readouterr()


def test_the_report_draws_the_chain(written):
    """verifier report on a floating-point path: the architecture and the chain's figure (sigma_min bounds and
    contraction radii per segment), read from the certificate alone."""
    pytest.importorskip("matplotlib")
    from verifier.figures import certificate_figures
    folder, _ = written
    figs = certificate_figures(_doc(folder))
    path = next(f for f in figs if f.key == "path")
    assert path.svg.lstrip().startswith("<svg") and "floating-point tier" in path.caption
    assert f"{len(_path(_doc(folder))['evidence']['segments'])} segments" in path.caption
