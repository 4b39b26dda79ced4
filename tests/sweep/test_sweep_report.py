"""`verifier report DIR` for a sweep results folder: HTML and Markdown, figures, escaping, bad input."""

import json
import os

import pytest

pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("matplotlib")

from verifier.cli import main  # noqa: E402
from verifier.errors import InputError  # noqa: E402
from verifier.sweep.report import sweep_report  # noqa: E402

NAME = "tiny <script>alert(1)</script> & co"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from verifier.sweep import sweep
    out = tmp_path_factory.mktemp("sweep") / "results"
    spec = {"theorem": "cooper-4.1", "name": NAME, "data": {"inputs": 1}, "grid": {"data.points": [2, 3, 4]}}
    frame = sweep(spec, str(out), client="in-process")
    assert list(frame["status"]) == ["verified"] * 3
    return str(out)


def _marker(folder, theorem, name="synthetic"):
    os.makedirs(os.path.join(folder, "rows"), exist_ok=True)
    doc = {"format": "verifier-sweep", "version": 1, "software": {"verifier": "test"},
           "spec": {"theorem": theorem, "name": name, "grid": {"data.points": [1, 2, 3, 4]}}}
    with open(os.path.join(folder, "sweep.json"), "w") as fh:
        json.dump(doc, fh)


def _row(folder, i, **values):
    key = f"k{i}"
    row = {"key": key, "index": i, "theorem": "liao-poggio-dimension", "reason": "", "seconds": 0.01 * (i + 1),
           **values}
    with open(os.path.join(folder, "rows", key + ".json"), "w") as fh:
        json.dump(row, fh)


@pytest.fixture
def dimension_store(tmp_path):
    """A dimension sweep written by hand, without results.parquet: generic ranks, one of them defective."""
    folder = str(tmp_path / "dim")
    _marker(folder, "liao-poggio-dimension")
    for i, d in enumerate([1, 2, 3, 4]):
        rank = min(7, d) if d != 3 else 2              # d = 3 falls short of min(n, l*d) = 3
        _row(folder, i, status="verified", **{"data.points": d, "network.widths": "[2]"}, n=7, l=1, d=d,
             generic_rank=rank)
    _row(folder, 4, status="error", reason="crash: <img src=x onerror=alert(2)>", **{"data.points": 5}, n=7, l=1,
         d=5)
    return folder


def _run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_html_report_of_a_sweep(store, tmp_path, capsys):
    page = tmp_path / "sweep.html"
    rc, out, err = _run(capsys, "report", store, "--format", "html", "--out", str(page))
    assert rc == 0, err
    assert out.strip() == f"report {page}"
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert text.count("<svg") == 2                               # status bars; time against size (d = 2, 3, 4)
    assert 'id="fig-sweep-status"' in text and 'id="fig-sweep-time"' in text
    assert "time ~ d^" in text                                   # the fitted growth exponent in the legend
    assert "sweep-dimension" not in text                         # not a dimension sweep
    assert "3 instances: verified 3" in text                     # counts by status
    assert '<span class="badge verified">verified</span></td><td class="num">3</td>' in text
    assert "cooper-4.1" in text and "<h3><code>data.points</code></h3>" in text
    # every string from the store is escaped: the spec's name carries a script tag
    assert "<script" not in text
    assert "tiny &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    # deterministic: the same store gives the same page
    assert sweep_report(store, "html") == text


def test_markdown_to_stdout_has_no_figures(store, capsys):
    rc, out, err = _run(capsys, "report", store, "--format", "md")
    assert rc == 0, err
    assert out.startswith("# Sweep tiny &lt;script&gt;alert(1)&lt;/script&gt; &amp; co: `cooper-4.1`")
    assert "| verified | 3 | 100% |" in out
    assert "| data.points | verified |" in out and "| 4 | 1 |" in out
    assert "## Results" in out and "<svg" not in out and "](" not in out


def test_markdown_writes_its_figures(store, tmp_path, capsys):
    md = tmp_path / "sweep.md"
    rc, out, err = _run(capsys, "report", store, "--format", "md", "--out", str(md), "--json")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["command"] == "report" and doc["theorem"] == "cooper-4.1" and doc["counts"] == {"verified": 3}
    figures = tmp_path / "sweep-figures"
    assert sorted(os.listdir(figures)) == ["sweep-status.svg", "sweep-time.svg"]
    assert sorted(doc["files"]) == sorted([str(md)] + [str(figures / f) for f in os.listdir(figures)])
    text = md.read_text()
    assert "![Status by family parameter](sweep-figures/sweep-status.svg)" in text
    assert "![Time against size](sweep-figures/sweep-time.svg)" in text
    assert (figures / "sweep-time.svg").read_text().lstrip().startswith("<svg")


def test_out_folder_names_the_report_after_the_store(store, tmp_path, capsys):
    rc, out, err = _run(capsys, "report", store, "--format", "html", "--out", str(tmp_path))
    assert rc == 0, err
    assert (tmp_path / "results.html").is_file()


def test_dimension_sweep_marks_the_defective_instances(dimension_store, capsys):
    text = sweep_report(dimension_store, "html")
    assert "results.parquet is missing: the table was rebuilt from 5 row file(s)" in text
    assert text.count("<svg") == 3 and 'id="fig-sweep-dimension"' in text
    assert "expected generic rank min(n, l·d)" in text and "defective (1)" in text
    assert '<h3 id="defective">Defective instances</h3>' in text
    section = text.split('<h3 id="defective">')[1].split("</table>")[0]
    assert "<td>generic_rank</td>" in section and "<td>2</td><td>3</td><td>-1</td>" in section
    assert "<img" not in text and "&lt;img src=x onerror=alert(2)&gt;" in text
    assert '<span class="badge error">error</span>' in text
    md = sweep_report(dimension_store, "md")
    assert "### Defective instances" in md and "| generic_rank |" in md
    assert "| verified | 4 | 80% |" in md and "| error | 1 | 20% |" in md


def test_dimension_figure_in_markdown(dimension_store, tmp_path, capsys):
    md = tmp_path / "dim.md"
    rc, out, err = _run(capsys, "report", dimension_store, "--out", str(md))
    assert rc == 0, err
    assert (tmp_path / "dim-figures" / "sweep-dimension.svg").is_file()
    assert "![Certified against expected](dim-figures/sweep-dimension.svg)" in md.read_text()


def test_unreadable_table_is_rebuilt_from_rows(dimension_store):
    with open(os.path.join(dimension_store, "results.parquet"), "wb") as fh:
        fh.write(b"not parquet at all")
    text = sweep_report(dimension_store, "md")
    assert "results.parquet is unreadable" in text and "rebuilt from 5 row file(s)" in text


def test_unreadable_table_without_rows_is_bad_input(tmp_path, capsys):
    folder = str(tmp_path / "broken")
    _marker(folder, "cooper-4.1")
    os.rmdir(os.path.join(folder, "rows"))
    with open(os.path.join(folder, "results.parquet"), "wb") as fh:
        fh.write(b"PAR1 garbage")
    rc, out, err = _run(capsys, "report", folder, "--format", "md")
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "results.parquet is unreadable" in err


def test_empty_store_says_there_are_no_instances(tmp_path, capsys):
    folder = str(tmp_path / "empty")
    _marker(folder, "cooper-4.1")
    rc, out, err = _run(capsys, "report", folder, "--format", "md")
    assert rc == 0, err
    assert "There are no instances in this results folder" in out
    page = tmp_path / "empty.html"
    assert _run(capsys, "report", folder, "--format", "html", "--out", str(page))[0] == 0
    assert "There are no instances" in page.read_text() and "<svg" not in page.read_text()


def test_a_folder_that_is_not_a_store_exits_2(tmp_path, capsys):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "x.txt").write_text("hello")
    rc, out, err = _run(capsys, "report", str(tmp_path / "plain"), "--format", "md")
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("verifier: error:") and "not a sweep results folder" in lines[0]
    with pytest.raises(InputError):
        sweep_report(str(tmp_path / "plain"))


def test_html_needs_out(store, capsys):
    rc, out, err = _run(capsys, "report", store, "--format", "html")
    assert rc == 2 and "--out" in err and len(err.strip().splitlines()) == 1
