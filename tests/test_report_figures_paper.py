"""Figures fit for a paper and tier-correct headlines: the float-tier badge names its tier, the Hessian
spectrum is sorted as its axis says, M is drawn as a curve for n = 3, the loss slice names its scales, and
`verifier report CERT --figures DIR` writes every figure as PNG and PDF."""

from __future__ import annotations

import json

import numpy as np
import pytest
from flint import fmpq

import verifier
from verifier.cli import main
from verifier.data import Dataset
from verifier.network import mlp
from verifier.report import html_report, markdown_report

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def cert_curve():
    """f(x) = a softplus(w x + b) through (0, log 2) and (1, log(1 + e)): n = 3, d = 2, M is a curve in R^3."""
    net = mlp(1, [1], output_bias=False, activation="softplus")
    ds = Dataset(((fmpq(0),), (fmpq(1),)), ((fmpq(6931471805599453, 10 ** 16),), (fmpq(13132616875182228, 10 ** 16),)))
    cert = verifier.verify("cooper-2.1", ds, network=net, point=dict(zip(net.labels, [1.0, 0.0, 1.0])))
    assert cert.status == "verified"
    return json.loads(json.dumps(cert.to_json()))


def test_rigorous_headline_badge_says_verified_and_the_tier_beside(cert_curve):
    page = html_report(cert_curve, figures=False)
    assert '<span class="badge verified">verified</span> <span class="tier">(tier: rigorous)</span>' in page


def test_float_tier_headline_badge_names_the_tier(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text("import torch, torch.nn as nn\ndef build():\n    torch.manual_seed(0)\n"
                                   "    return nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1)).double()\n")
    (tmp_path / "d.csv").write_text("0,1\n1,2\n2,0\n")
    assert main(["verify", "cooper-2.1", "--torch-model", "m.py:build", "--data", "d.csv", "--out", "f.json"]) == 0
    capsys.readouterr()
    cert = json.loads((tmp_path / "f.json").read_text())
    page = html_report(cert, base_dir=str(tmp_path))
    h1 = page[page.index("<h1>"):page.index("</h1>")]
    assert "verified (floating-point with error bounds)</span>" in h1 and ">verified</span>" not in h1
    figures = page[page.index('id="figures"'):page.index('id="not-claimed"')]
    assert "Arb" not in figures and "a-priori rounding-error bounds" in figures     # tier-correct sentence
    assert markdown_report(cert, base_dir=str(tmp_path)).startswith(
        "# cooper-2.1: verified (tier: floating-point with error bounds)")
    # --figures DIR on a float certificate: its own figures, PNG and PDF
    assert main(["report", "f.json", "--figures", "figs"]) == 0
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [
        "fig-gauss-newton.pdf", "fig-gauss-newton.png", "fig-hessian-spectrum-float.pdf",
        "fig-hessian-spectrum-float.png"]


def test_M_is_drawn_as_a_traced_curve_for_n_3(cert_curve):
    from verifier.figures import _context, certificate_figures, trace_curve
    figs = {f.key: f for f in certificate_figures(cert_curve)}
    man = figs["manifold"]
    assert "traced from the certified point" in man.caption and "curve (dimension 1)" in man.svg
    ctx = _context(cert_curve)
    R = max(2.0, 1.5 * float(np.max(np.abs(ctx.w))))
    pts = trace_curve(ctx.system, ctx.w, R, R / 150)
    assert len(pts) > 50
    assert max(np.linalg.norm(ctx.system.value_f64(p)) for p in pts) < 1e-8       # on M
    steps = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    assert steps.max() < 3 * R / 150                                             # one connected piece


def test_hessian_axis_says_how_it_is_sorted_and_the_slice_names_its_scales(cert_curve):
    from verifier.figures import certificate_figures
    figs = {f.key: f for f in certificate_figures(cert_curve)}
    assert "each by |lambda| descending" in figs["hessian-spectrum"].svg
    assert "descending)" not in figs["hessian-spectrum"].svg.replace("|lambda| descending", "")
    sl = figs["loss-slice"]
    assert "u / " in sl.svg and "v / " in sl.svg and "units of its window" not in sl.svg
    assert "one unit of u is" in sl.caption


def test_hessian_zeros_are_plotted_by_absolute_value_descending(cert_curve, monkeypatch):
    """The zeros (rounding-level values of either sign) are sorted by |lambda|, so the dots fall monotonically."""
    import verifier.figures as F
    plotted = []
    real = F.render_svg

    def spy(key, draw, **kw):
        if key == "hessian-spectrum":
            from matplotlib.figure import Figure as MplFigure
            fig = MplFigure()
            draw(fig)
            for line in fig.axes[0].get_lines():
                if line.get_label().endswith("(float64 rounding, |lambda|)"):
                    plotted.append(np.asarray(line.get_ydata()))
        return real(key, draw, **kw)
    monkeypatch.setattr(F, "render_svg", spy)
    F.hessian_spectrum_figure(F._context(cert_curve))
    assert plotted and np.all(np.diff(plotted[0]) <= 0)


def test_report_figures_dir_writes_png_and_pdf_of_every_figure(cert_curve, tmp_path, capsys):
    (tmp_path / "c.json").write_text(json.dumps(cert_curve))
    assert main(["report", str(tmp_path / "c.json"), "--format", "html", "--out", str(tmp_path / "c.html"),
                 "--figures", str(tmp_path / "figs"), "--json"]) == 0
    env = json.loads(capsys.readouterr().out)
    keys = ["architecture", "singular-values", "hessian-spectrum", "loss-slice", "manifold"]
    want = sorted(f"fig-{k}.{x}" for k in keys for x in ("png", "pdf"))
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == want
    assert sorted(env["files"]) == sorted([str(tmp_path / "c.html")] + [str(tmp_path / "figs" / f) for f in want])
    for name in want:
        head = (tmp_path / "figs" / name).read_bytes()[:8]
        assert head.startswith(b"\x89PNG") if name.endswith(".png") else head.startswith(b"%PDF")


@pytest.mark.parametrize("make, argv, needle", [
    (lambda d: (d / "figs").write_text("x"), ["--figures", "figs"], "exists and is not a folder"),
    (lambda d: None, ["--figures", "no/such/figs"], "parent folder does not exist"),
    (lambda d: None, ["--figures"], "--figures goes with"),
])
def test_report_figures_bad_input(cert_curve, tmp_path, capsys, monkeypatch, make, argv, needle):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.json").write_text(json.dumps(cert_curve))
    make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["report", "c.json", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
