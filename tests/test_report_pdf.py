"""`verifier report CERT --format pdf --out report.pdf`: the report's text pages, then one page per figure,
drawn with matplotlib alone; the same certificate gives the same bytes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import verifier
from verifier.cli import main
from verifier.report import figures_of

pytest.importorskip("matplotlib")

CERTS = Path(__file__).resolve().parents[1] / "proofs" / "certificates"
RIGOROUS = CERTS / "cooper-4.1" / "random-d3-p1.json"
CONNECTED = CERTS / "cooper-connected" / "tanh-d3-p1-h4-near.json"


def _pages(blob: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", blob))


@pytest.fixture(scope="module")
def rigorous():
    """(certificate, PDF bytes, page count, the strings drawn on each page)."""
    from verifier.report import render_pdf
    cert = json.loads(RIGOROUS.read_text(encoding="utf-8"))
    texts = {}
    blob, n = render_pdf(cert, page_hook=lambda k, page: texts.setdefault(k, [t.get_text() for t in page.texts]))
    return cert, blob, n, texts


def test_pdf_has_the_text_pages_then_one_page_per_figure(rigorous):
    cert, blob, n, texts = rigorous
    figs, why = figures_of(cert)
    assert blob.startswith(b"%PDF-") and blob.rstrip().endswith(b"%%EOF") and len(blob) > 20_000
    assert why is None and len(figs) == 4
    assert _pages(blob) == n == len(texts)
    text_pages = n - len(figs)
    assert text_pages >= 1
    first = texts[0]
    assert first[0] == "cooper-4.1: verified (tier: rigorous)"                 # the headline, status and tier
    assert "verified   (tier: rigorous)" in first and "Instance" in first and "Claims" in first
    words = " ".join(s for k in range(text_pages) for s in texts[k])
    for c in cert["claims"]:
        assert c["id"] in words and c["scope"] in words
    for needle in ("The independent checker re-derived every claim", "Not claimed", "Provenance",
                   cert["statement"].split()[0]):
        assert needle in words
    for k, f in enumerate(figs):                                                # a page per figure, in order
        page = texts[text_pages + k]
        assert f"Figure {k + 1} of 4: {f.title}" in page
        assert page[-1].endswith(f"page {text_pages + k + 1} of {n}")            # the footer
    assert b"cooper-4.1: verified" in blob                                       # the document's title


def test_pdf_is_deterministic_and_dateless(rigorous):
    from verifier.report import pdf_report
    cert, blob, _, _ = rigorous
    assert pdf_report(cert) == blob
    assert b"/CreationDate" not in blob and b"/Producer" not in blob and b"Matplotlib" not in blob


def test_pdf_lines_fit_the_page(rigorous):
    """Every string of the text pages is no wider than the page's body (wrapped by textwrap and measured)."""
    from verifier.report import report_content
    from verifier.report_pdf import _MARGIN, PAPERS, _Layout, _text_rows
    cert = rigorous[0]
    W = PAPERS["a4"][0] - 2 * _MARGIN
    rows = _text_rows(report_content(cert), W)
    fonts = _Layout(W).fonts
    widths = [x + fonts.width(text, style) for r in rows for x, text, style in r.texts if not style.startswith("badge:")]
    assert widths and max(widths) <= W + 0.01


def test_cli_pdf_of_a_connected_certificate_and_the_api_agree(tmp_path, capsys):
    out = tmp_path / "path.pdf"
    assert main(["report", str(CONNECTED), "--format", "pdf", "--out", str(out), "--json"]) == 0
    env = json.loads(capsys.readouterr().out)
    blob = out.read_bytes()
    assert env["theorem"] == "cooper-connected" and env["status"] == "verified"
    assert env["result"]["format"] == "pdf" and env["result"]["report"] == str(out)
    figs, _ = figures_of(json.loads(CONNECTED.read_text(encoding="utf-8")))
    assert env["result"]["pages"] == _pages(blob) > len(figs) == 2 and env["files"] == [str(out)]
    assert blob.startswith(b"%PDF-")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]   # written atomically
    # the Python verb gives the same bytes, and writes them too with out=
    assert verifier.report(str(CONNECTED), format="pdf", out=tmp_path / "api.pdf") == blob
    assert (tmp_path / "api.pdf").read_bytes() == blob
    # --out FOLDER names the file after the certificate
    assert main(["report", str(CONNECTED), "--format", "pdf", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "tanh-d3-p1-h4-near.pdf").read_bytes() == blob


def test_letter_paper():
    from verifier.report import pdf_report
    cert = json.loads(CONNECTED.read_text(encoding="utf-8"))
    assert b"/MediaBox [0 0 612 792]" in pdf_report(cert, paper="letter").replace(b" ]", b"]").replace(b"[ ", b"[")


@pytest.mark.parametrize("argv, needle", [
    (["--format", "pdf"], "--format pdf needs --out"),
    (["--format", "pdf", "--out", "no/such/folder/x.pdf"], "folder does not exist"),
    (["--format", "pdf", "--out", "x.pdf", "--figures"], "--figures goes with"),
])
def test_cli_pdf_bad_input_is_one_line_exit_2(tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(CONNECTED), *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and needle in err, err
    assert list(tmp_path.iterdir()) == []


def test_cli_pdf_of_a_sweep_folder_is_refused(tmp_path, capsys):
    (tmp_path / "sweep.json").write_text("{}", encoding="utf-8")
    assert main(["report", str(tmp_path), "--format", "pdf", "--out", str(tmp_path / "s.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--format pdf goes with a certificate" in err


def test_cli_pdf_without_matplotlib_names_the_plots_extra(tmp_path, monkeypatch, capsys):
    import verifier.figures as F
    monkeypatch.setattr(F, "figures_available", lambda: False)
    assert main(["report", str(CONNECTED), "--format", "pdf", "--out", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs matplotlib" in err and "[plots]" in err
    assert list(tmp_path.iterdir()) == []
