"""Reports of a certificate: Markdown (optionally with SVG figures beside it) and one self-contained HTML page.

The figures (verifier/figures.py) are float64 pictures drawn from the certificate alone; these tests check
that they are produced, inlined or linked correctly, that the page needs nothing from the network, that
matplotlib stays optional (and out of ``import verifier``), and, where chromium is installed, that a
headless browser renders the page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from flint import fmpq

import verifier
from verifier.data import Dataset
from verifier.demo import spiral_dataset
from verifier.network import mlp
from verifier.report import html_report, markdown_report

REPO = Path(__file__).resolve().parents[1]


def _doc(cert):
    return json.loads(json.dumps(cert.to_json()))          # as a reader of the JSON file sees it


@pytest.fixture(scope="module")
def cert41():
    """The demo's cooper-4.1 certificate (spiral, mlp 2-12-1, n = 49, d = 12)."""
    return _doc(verifier.verify("cooper-4.1", spiral_dataset(), prec_bits=128, seed=0))


@pytest.fixture(scope="module")
def cert23():
    """Proposition 2.3 on mlp 2-3-1 softplus at a Gauss-Newton minimum (as in the demo), n = 13, d = 4."""
    from verifier.demo import trained_point
    from verifier.system import compile_system
    data = spiral_dataset()
    small = Dataset(data.X[:4], data.Y[:4], source="spiral, first 4")
    net = mlp(2, [3], activation="softplus")
    w = trained_point(compile_system(net, small))
    return _doc(verifier.verify("cooper-2.3", small, network=net, point=dict(zip(net.labels, map(float, w)))))


@pytest.fixture(scope="module")
def cert_tiny():
    """f(x) = a softplus(w x + b) through one point (1, 1): n = 3, M is a surface in R^3."""
    net = mlp(1, [1], output_bias=False, activation="softplus")
    ds = Dataset(((fmpq(1),),), ((fmpq(1),),))
    return _doc(verifier.verify("cooper-2.1", ds, network=net, point=dict(zip(net.labels, [1.0, 0.0, 1 / np.log1p(np.e)]))))


@pytest.fixture(scope="module")
def html41(cert41):
    return html_report(cert41)


def run_cli(args, cwd, timeout=120):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.run([sys.executable, "-m", "verifier", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


# ------------------------------------------------------------------------------------------ HTML


def test_html_report_has_every_claim_figures_and_captions(cert41, html41):
    pytest.importorskip("matplotlib")
    assert html41.startswith("<!DOCTYPE html>") and html41.rstrip().endswith("</html>")
    for c in cert41["claims"]:
        assert f"<code>{c['id']}</code>" in html41
        assert f'id="claim-{c["id"]}"' in html41
    assert html41.count("<svg") == 4              # architecture, singular values, Hessian spectrum, loss slice
    assert html41.count("<figcaption>") == 4
    for fig in ("fig-architecture", "fig-singular-values", "fig-hessian-spectrum", "fig-loss-slice"):
        assert f'id="{fig}"' in html41
    assert "certified lower bound sigma_min(J) &gt;= 0.784" in html41     # the rank-J bound 98/125, in the caption
    assert "12 positive eigenvalues" not in html41 or "37 zeros" in html41
    assert "no certified point" not in html41 and "plots` extra" not in html41


def test_html_report_is_self_contained(html41):
    low = html41.lower()
    assert "<script" not in low and "<link" not in low and "@import" not in low and "<iframe" not in low
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//|file:)""", low)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//)", low)
    # The only "http" left are XML namespace names of the inline SVGs, which fetch nothing.
    for m in re.finditer(r"http", html41):
        before = html41[max(0, m.start() - 30):m.start()]
        assert re.search(r"xmlns(:\w+)?=\"$", before), html41[m.start() - 60:m.start() + 60]
    assert "<?xml" not in html41 and "<!DOCTYPE svg" not in html41


def test_figure_ids_are_unique_across_inline_svgs(html41):
    ids = re.findall(r'\sid="([^"]+)"', html41)
    assert len(ids) == len(set(ids))


def test_html_report_without_matplotlib_still_renders(cert23, monkeypatch):
    from verifier import figures

    def missing():
        raise figures.FiguresUnavailable(figures.PLOTS_MISSING)
    monkeypatch.setattr(figures, "_matplotlib", missing)
    page = html_report(cert23)
    assert "figures need the <code>plots</code> extra" in page
    assert "<svg" not in page
    for c in cert23["claims"]:
        assert f"<code>{c['id']}</code>" in page
    assert not figures.figures_available()


def test_html_report_without_a_point_says_so(cert23):
    pytest.importorskip("matplotlib")
    doc = dict(cert23, point=None)
    page = html_report(doc)
    assert "no certified point" in page
    assert page.count("<svg") == 1 and 'id="fig-architecture"' in page     # the architecture needs no point


def test_html_report_draws_the_architecture_first(html41):
    pytest.importorskip("matplotlib")
    figures = re.findall(r'<figure id="fig-([^"]+)"', html41)
    assert figures[0] == "architecture" and len(figures) == 4
    section = html41[html41.index('id="fig-architecture"'):]
    caption = section[section.index("<figcaption>"):section.index("</figcaption>")]
    assert "mlp 2-12-1" in caption and "n = 49 parameters" in caption and "No label is shared" in caption


def test_architecture_shows_the_shared_labels_of_the_liao_poggio_tree():
    pytest.importorskip("matplotlib")
    from verifier.figures import architecture_figure
    from verifier.network import network_to_json
    cert = {"instance": {"network": network_to_json(verifier.liao_poggio_tree())}, "point": None}
    fig = architecture_figure(cert)
    assert fig.key == "architecture" and fig.svg.lstrip().startswith("<svg")
    assert "h1 (2 edges)" in fig.caption and "h2 (2 edges)" in fig.caption and "hb (2 biases)" in fig.caption
    assert "g1" not in fig.caption.split("Weight sharing")[1]                   # used once: not shared
    for lab in ("h1 (x2)", "h2 (x2)", "hb (x2)"):                               # the legend, as SVG text
        assert lab in fig.svg
    assert "n = 8 parameters" in fig.caption


def test_not_applicable_certificate_still_gets_the_architecture():
    pytest.importorskip("matplotlib")
    X = ((fmpq(0),), (fmpq(0),), (fmpq(1),))
    Y = ((fmpq(0),), (fmpq(1),), (fmpq(1),))                  # x = 0 twice, with different targets
    doc = _doc(verifier.verify("cooper-4.1", Dataset(X, Y)))
    assert doc["status"] == "not-applicable" and doc["point"] is None
    page = html_report(doc)
    assert re.findall(r'<figure id="fig-([^"]+)"', page) == ["architecture"]
    assert "no certified point" in page
    text = markdown_report(doc, figures_dir=None)
    assert "## Figures" not in text


def test_architecture_of_a_wide_network_is_elided_and_fast():
    pytest.importorskip("matplotlib")
    import time

    from verifier.figures import architecture_figure
    from verifier.network import network_to_json
    cert = {"instance": {"network": network_to_json(mlp(10, [300]))}}
    t0 = time.perf_counter()
    fig = architecture_figure(cert)
    assert time.perf_counter() - t0 < 3.0
    assert "... 280 more" in fig.svg and "widths 10-300-1" in fig.caption


def test_tiny_network_draws_M_itself(cert_tiny):
    pytest.importorskip("matplotlib")
    from verifier.figures import certificate_figures
    figs = certificate_figures(cert_tiny)
    assert [f.key for f in figs] == ["architecture", "singular-values", "hessian-spectrum", "loss-slice", "manifold"]
    man = figs[-1]
    assert man.svg.lstrip().startswith("<svg") and "surface" in man.caption
    assert "lies on it" in man.caption


# ------------------------------------------------------------------------------------------ Markdown


def test_markdown_report_unchanged_without_figures(cert41):
    text = markdown_report(cert41)
    assert "## Figures" not in text and text.startswith("# cooper-4.1: verified")


def test_markdown_report_writes_the_figures_it_links(cert23, tmp_path):
    pytest.importorskip("matplotlib")
    text = markdown_report(cert23, figures_dir=tmp_path / "r-figures", link_base=tmp_path)
    (tmp_path / "r.md").write_text(text, encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links == ["r-figures/architecture.svg", "r-figures/singular-values.svg", "r-figures/hessian-spectrum.svg", "r-figures/loss-slice.svg"]
    for rel in links:
        svg = (tmp_path / rel).read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "## Figures" in text and text.index("## Figures") < text.index("## Provenance")


def test_import_verifier_does_not_import_matplotlib():
    code = "import sys, verifier, verifier.report, verifier.figures; print('matplotlib' in sys.modules)"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"


# ------------------------------------------------------------------------------------------ CLI


@pytest.fixture(scope="module")
def cli_html(cert23, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    (folder / "c.json").write_text(json.dumps(cert23), encoding="utf-8")
    res = run_cli(["report", "c.json", "--format", "html", "--out", "x.html"], folder)
    return folder, res


def test_cli_report_html(cli_html, cert23):
    folder, res = cli_html
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    page = (folder / "x.html").read_text(encoding="utf-8")
    for c in cert23["claims"]:
        assert c["id"] in page
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]     # written atomically


def test_cli_report_html_into_a_folder_and_as_json(cli_html):
    folder, _ = cli_html
    (folder / "out").mkdir()
    res = run_cli(["report", "c.json", "--format", "html", "--out", "out", "--json", "--figures"], folder)
    assert res.returncode == 2 and "--figures" in res.stderr                   # html carries its figures inline
    res = run_cli(["report", "c.json", "--format", "md", "--out", "out", "--json"], folder)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["command"] == "report" and doc["theorem"] == "cooper-2.3"
    doc = doc["result"]
    assert doc["report"] == os.path.join("out", "c.md") and doc["markdown"].startswith("# cooper-2.3")
    assert (folder / "out" / "c.md").is_file()


@pytest.mark.parametrize("argv, expect", [
    (["report", "c.json", "--format", "html"], "--format html needs --out"),
    (["report", "c.json", "--format", "docx", "--out", "x.docx"], "invalid choice"),
    (["report", "c.json", "--figures"], "--figures goes with"),
    (["report", "nowhere.json", "--format", "html", "--out", "x.html"], "cannot read certificate file"),
    (["report", "c.json", "--format", "html", "--out", "no/such/folder/x.html"], "folder does not exist"),
])
def test_cli_report_bad_input_is_one_line_exit_2(cli_html, argv, expect):
    folder, _ = cli_html
    res = run_cli(argv, folder)
    assert res.returncode == 2
    assert expect in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert res.stdout == ""


# ------------------------------------------------------------------------------------------ a real browser


def test_headless_browser_renders_the_page(cli_html):
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("chromium not installed: the page's rendering in a browser is not tested here")
    folder, res = cli_html
    assert res.returncode == 0
    page, shot = folder / "x.html", folder / "x.png"
    proc = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--no-first-run", f"--screenshot={shot}", "--window-size=1200,3000", page.as_uri()],
                          capture_output=True, text=True, timeout=90, check=False)
    assert shot.is_file(), proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000            # a blank 1200 x 3000 page compresses to a few KB
