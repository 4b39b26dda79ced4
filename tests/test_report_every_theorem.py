"""`verifier report` on every kind of certificate the tool writes, with every status.

One small certificate per theorem id (the rigorous network theorems, the algebraic ones, the square systems
of ``verifier solve``, ``degree`` and ``critical-points``, and the floating-point tier of the torch backend),
including refuted, inconclusive and not-applicable ones. Each is read back through JSON, as ``verifier
report`` reads it, and rendered as Markdown and as HTML: the headline names the theorem, the status and the
tier, and the CLI exits 0. Then what a reader needs from the solving certificates (counts, the engines'
numbers labelled, disagreements, the critical points) and that long evidence is summarised, never dumped.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from flint import fmpq

from verifier.activations import power
from verifier.algebra import engines
from verifier.checker.format import STATUSES
from verifier.cli import main
from verifier.data import Dataset
from verifier.errors import BudgetExceeded
from verifier.network import mlp, network_from_json
from verifier.report import FLOAT_TIER, RIGOROUS_TIER, html_report, is_float_tier, markdown_report, tier
from verifier.theorems import verify

# Networks as in tests/solve/test_solve_commands.py.
CUBE = {"format": "verifier-network", "version": 1, "name": "w (w x)^2", "activation": {"name": "power", "r": 2},
        "inputs": ["x0"], "outputs": ["y0"],
        "nodes": [{"id": "x0", "kind": "input"}, {"id": "h0", "kind": "hidden"}, {"id": "y0", "kind": "output"}],
        "edges": [{"from": "x0", "to": "h0", "weight": "w"}, {"from": "h0", "to": "y0", "weight": "w"}]}
SURF = {"format": "verifier-network", "version": 1, "name": "a (w x + b)^2", "activation": {"name": "power", "r": 2},
        "inputs": ["x0"], "outputs": ["y0"],
        "nodes": [{"id": "x0", "kind": "input"}, {"id": "h0", "kind": "hidden", "bias": "b"},
                  {"id": "y0", "kind": "output"}],
        "edges": [{"from": "x0", "to": "h0", "weight": "w"}, {"from": "h0", "to": "y0", "weight": "a"}]}


def ds(xs, ys):
    return Dataset([[fmpq(x)] for x in xs], [[fmpq(y)] for y in ys])


def _json(cert):
    """The certificate as ``verifier report`` sees it: a JSON round trip of the written document."""
    return json.loads(json.dumps(cert.to_json() if hasattr(cert, "to_json") else cert))


def _square():
    return mlp(1, [1], activation=power(2))


def _softplus_unit():
    """f(x) = a softplus(w x + b) through (1, 1): n = 3 > l*d = 1, and a point of M (as in tests/test_report.py)."""
    net = mlp(1, [1], output_bias=False, activation="softplus")
    return net, dict(zip(net.labels, [1.0, 0.0, 1 / np.log1p(np.e)]))


def _budget_exceeded(*a, **k):
    raise BudgetExceeded("Singular ran past the 0.01 s time budget")


def _solve(kind, tmp_dir=None, **kw):
    from verifier.theorems import solving as st
    if kind == "network":
        return st.solve_network(network_from_json(CUBE), ds([1], [2]), **kw)
    if kind == "degree":
        return st.witness_degree(network_from_json(SURF), ds([1], [2]), seed=3, **kw)
    if kind == "deep-linear":
        return st.critical_points_deep_linear(1, 1, 1, 1, 1, **kw)
    if kind == "network-loss":
        return st.critical_points_network(network_from_json(CUBE), ds([1], [2]), **kw)
    raise AssertionError(kind)


def _solve_file(text, tmp_path_factory, **kw):
    from verifier.theorems.solving import solve_file
    path = tmp_path_factory.mktemp("system") / "system.txt"
    path.write_text(text)
    return solve_file(str(path), **kw)


def _float(theorem, hidden, act, d, seed=0, **kw):
    torch = pytest.importorskip("torch", reason="the floating-point tier needs torch (optional dependency)")
    from verifier.torch_backend import models
    from verifier.theorems.cooper_float import verify_at_scale
    torch.manual_seed(seed)
    seq = torch.nn.Sequential(torch.nn.Linear(2, hidden), act(torch), torch.nn.Linear(hidden, 1))
    doc, w = models.from_module(seq)
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(d, 2)), rng.normal(size=(d, 1))
    return verify_at_scale(theorem, doc, w, X, Y, **kw)


# name -> (builder(tmp_path_factory), expected status or None where it depends on an installed engine)
CASES = {
    # rigorous network theorems (Arb balls)
    "cooper-3.3": (lambda f: verify("cooper-3.3", ds([0, 1], [1, 2])), "verified"),
    "cooper-3.3-tanh": (lambda f: verify("cooper-3.3", ds([0, 1], [1, 2]), activation="tanh"), "not-applicable"),
    "cooper-3.4": (lambda f: verify("cooper-3.4", ds([0, 1], [1, 2])), "verified"),
    "cooper-4.1": (lambda f: verify("cooper-4.1", ds([0, 1], [1, 2])), "verified"),
    "cooper-4.1-repeated-input": (lambda f: verify("cooper-4.1", ds([0, 0, 1], [0, 1, 1])), "not-applicable"),
    "cooper-4.2": (lambda f: verify("cooper-4.2", ds([0, 1], [1, 2])), "verified"),
    "cooper-2.1": (lambda f: verify("cooper-2.1", ds([1], [1]), network=_softplus_unit()[0],
                                    point=_softplus_unit()[1]), "verified"),
    "cooper-2.3": (lambda f: verify("cooper-2.3", ds([1], [1]), network=_softplus_unit()[0],
                                    point=_softplus_unit()[1]), "verified"),
    # algebraic theorems (exact and modular arithmetic, Singular evidence)
    "liao-poggio-bezout": (lambda f: verify("liao-poggio-bezout", ds([1, 2, 3, 4], [1, 0, 2, 5]), network=_square()),
                           "verified"),
    "liao-poggio-dimension": (lambda f: verify("liao-poggio-dimension", ds([1, 2, 3, 5], [1, 0, 2, 5]),
                                               network=_square(), groebner=False), "verified"),
    "liao-poggio-nullstellensatz": (lambda f: verify("liao-poggio-nullstellensatz", ds([0, 1, 2, 3], [0, 1, 8, 27]),
                                                     network=_square()), None),
    "liao-poggio-nullstellensatz-budget": (lambda f: _with(mock.patch.object(engines, "lift_one", _budget_exceeded),
                                                           lambda: verify("liao-poggio-nullstellensatz",
                                                                          ds([0, 1, 2, 3], [0, 1, 8, 27]),
                                                                          network=_square(), timeout=0.01)),
                                           "inconclusive"),
    "liao-poggio-nullstellensatz-consistent": (lambda f: verify("liao-poggio-nullstellensatz", ds([0, 1, 2], [1, 2, 7]),
                                                                network=mlp(1, [3], activation=power(2))), "refuted"),
    "liao-poggio-nullstellensatz-tanh": (lambda f: verify("liao-poggio-nullstellensatz", ds([1, 2, 3], [1, 0, 1]),
                                                          network=mlp(1, [2], activation="tanh")), "not-applicable"),
    "cooper-2.1-global": (lambda f: verify("cooper-2.1-global", ds([1, 2, 3], [1, 3, 2]), network=_square()), None),
    # square polynomial systems (verifier solve, degree, critical-points)
    "polynomial-solutions-file": (lambda f: _solve_file("vars: x, y\nx^2 + y^2 - 5\nx*y - 2\n", f, timeout=60),
                                  "verified"),
    "polynomial-solutions-file-3": (lambda f: _solve_file("vars: x, y, z\nx - 1\ny^2 - 2\nz^2 + 3\n", f,
                                                          method="homotopy"), "verified"),
    "polynomial-solutions-network": (lambda f: _solve("network", method="homotopy"), "verified"),
    "witness-degree": (lambda f: _solve("degree"), "verified"),
    "liao-poggio-prop-1": (lambda f: _solve("deep-linear"), "verified"),
    "liao-poggio-prop-1-network": (lambda f: _solve("network-loss", method="homotopy"), None),
    # floating-point tier (torch backend)
    "float-cooper-2.3": (lambda f: _float("cooper-2.3", 6, lambda t: t.nn.Softplus(), 4), "verified"),
    "float-cooper-2.1": (lambda f: _float("cooper-2.1", 6, lambda t: t.nn.Softplus(), 4), "verified"),
    "float-cooper-2.3-underparameterized": (lambda f: _float("cooper-2.3", 1, lambda t: t.nn.Tanh(), 10),
                                            "not-applicable"),
    "float-cooper-2.3-linear": (lambda f: _float("cooper-2.3", 3, lambda t: t.nn.Identity(), 4, seed=5, steps=8),
                                "inconclusive"),
}


def _with(ctx: contextlib.AbstractContextManager, fn):
    with ctx:
        return fn()


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """name -> the certificate as read from JSON, each built on first use."""
    cache = {}

    def get(name):
        if name not in cache:
            obj = CASES[name][0](tmp_path_factory)
            if getattr(obj, "arrays", None) is not None:       # a floating-point certificate: its arrays file
                folder = tmp_path_factory.mktemp("float")      # lies beside it, where the checker looks
                obj.write(folder / "c.json")
                BASE_DIRS[name] = str(folder)
            cache[name] = _json(obj)
        return cache[name]
    return get


BASE_DIRS: dict = {}


def _headline(doc):
    return f"{doc['theorem']}: {doc['status']} (tier: {tier(doc)})"


# ------------------------------------------------------------------------------------------ every certificate


@pytest.mark.parametrize("name", list(CASES))
def test_markdown_and_html_name_theorem_status_and_tier(certs, name):
    doc = certs(name)
    expected = CASES[name][1]
    assert doc["status"] in STATUSES
    if expected is not None:
        assert doc["status"] == expected, doc.get("reason")
    want_tier = FLOAT_TIER if name.startswith("float-") else RIGOROUS_TIER
    assert tier(doc) == want_tier and is_float_tier(doc) == name.startswith("float-")
    md = markdown_report(doc, base_dir=BASE_DIRS.get(name))
    assert md.splitlines()[0] == f"# {_headline(doc)}"
    assert doc["theorem"] in md and doc["status"] in md and want_tier in md
    for c in doc["claims"]:
        assert f"`{c['id']}`" in md
    page = html_report(doc, base_dir=BASE_DIRS.get(name))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert f"<title>{_headline(doc)}</title>" in page
    h1 = re.search(r"<h1>(.*?)</h1>", page).group(1)
    if want_tier == RIGOROUS_TIER:
        assert doc["theorem"] in h1 and f'badge {doc["status"]}">{doc["status"]}<' in h1 and "(tier: rigorous)" in h1
    else:       # the floating-point tier's badge names its tier: it never reads like a rigorous "verified"
        assert doc["theorem"] in h1 and f'badge {doc["status"]} float-tier">{doc["status"]} ({want_tier})<' in h1
    assert '<h2 id="figures">Figures</h2>' in page
    if doc["status"] != "verified" and doc.get("reason"):
        assert "Reason:" in md and "Reason:" in page


@pytest.mark.parametrize("name", list(CASES))
def test_cli_report_exits_0(certs, name, tmp_path, capsys):
    doc = certs(name)
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(doc))
    if name in BASE_DIRS:                      # floating-point: the certificate beside its arrays file
        path = Path(BASE_DIRS[name]) / "c.json"
    assert main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# {_headline(doc)}")
    if doc["theorem"] in ("polynomial-solutions", "witness-degree", "liao-poggio-prop-1"):
        assert main(["report", str(path), "--format", "html", "--out", str(tmp_path / "cert.html")]) == 0
        assert main(["report", str(path), "--out", str(tmp_path / "cert.md")]) == 0
        assert (tmp_path / "cert.html").read_text().startswith("<!DOCTYPE html>")
        assert "## Solutions" in (tmp_path / "cert.md").read_text()


def test_every_status_is_covered(certs):
    """Without torch or the engines too: the rigorous and algebraic cases alone give all four statuses."""
    seen = {certs(name)["status"] for name, (_, expected) in CASES.items()
            if expected is not None and not name.startswith("float-")}
    assert seen == set(STATUSES)


def test_not_applicable_reads_as_such(certs):
    doc = certs("cooper-3.3-tanh")
    md, page = markdown_report(doc), html_report(doc, figures=False)
    assert "a hypothesis of the theorem fails" in md and "activation-rectified" in md
    assert '<span class="badge not-applicable">not-applicable</span>' in page


# ------------------------------------------------------------------------------------------ the tier


def test_float_tier_constant_matches_the_checker():
    from verifier.checker.float.tier import TIER
    assert FLOAT_TIER == TIER


def test_a_rigorous_tier_key_reads_like_no_key(certs):
    """Every certificate carries "tier"; a rigorous one is never taken for the floating-point tier, and an
    older certificate without the key reads the same."""
    for name in ("cooper-4.1", "liao-poggio-bezout", "witness-degree"):
        doc = certs(name)
        assert doc["tier"] == RIGOROUS_TIER
        untagged = {k: v for k, v in doc.items() if k != "tier"}
        assert not is_float_tier(doc) and tier(untagged) == RIGOROUS_TIER
        assert markdown_report(untagged) == markdown_report(doc)
        assert "arrays file" not in markdown_report(doc)
    pytest.importorskip("matplotlib")
    doc = certs("cooper-4.1")
    untagged = {k: v for k, v in doc.items() if k != "tier"}
    figs = re.findall(r'<figure id="fig-([^"]+)"', html_report(doc))
    assert figs == re.findall(r'<figure id="fig-([^"]+)"', html_report(untagged)) and "architecture" in figs


def test_float_tier_headline_and_rows(certs):
    doc = certs("float-cooper-2.3")
    md = markdown_report(doc, base_dir=BASE_DIRS["float-cooper-2.3"])
    assert md.startswith("# cooper-2.3: verified (tier: floating-point with error bounds)")
    assert "The independent checker re-derived every claim" in md
    alone = markdown_report(doc)               # without its arrays file nothing can be re-derived
    assert alone.startswith("# cooper-2.3: inconclusive") and "does NOT accept" in alone
    assert "| arrays file |" in md and "| tier | floating-point with error bounds |" in md
    rig = certs("cooper-2.3")
    assert markdown_report(rig).startswith("# cooper-2.3: verified (tier: rigorous)")


@pytest.mark.parametrize("name, rests_on, not_said", [
    ("cooper-4.1", "the Arb ball-arithmetic computations above", "a-priori"),
    ("float-cooper-2.3", "float64 computations with a-priori rounding-error bounds", "Arb"),
    ("liao-poggio-bezout", "exact arithmetic over Q and modulo primes", "Arb"),
    ("witness-degree", "the Krawczyk tests in Arb ball arithmetic and the exact Bezout numbers", "a-priori"),
])
def test_figures_say_what_the_claims_rest_on(certs, name, rests_on, not_said, tmp_path):
    pytest.importorskip("matplotlib")
    doc = certs(name)
    page = html_report(doc)
    sentence = re.search(r'<h2 id="figures">Figures</h2>\n<p class="muted">(.*?)</p>', page).group(1)
    assert rests_on in sentence and not_said not in sentence
    md = markdown_report(doc, figures_dir=tmp_path / "figs", link_base=tmp_path)
    section = md[md.index("## Figures"):]
    assert rests_on in section and "rest on the Arb computations" not in section


# ------------------------------------------------------------------------------------------ solving certificates


def test_solving_report_describes_the_system_and_counts(certs):
    doc = certs("polynomial-solutions-network")
    md = markdown_report(doc)
    assert "| system | 1 polynomial equations over Q in 1 unknowns |" in md
    assert "| source | network:" in md and "| network | w (w x)^2, power" in md
    assert "| certified complex solutions | 3 (exact) |" in md and "| certified real | 1 (exact) |" in md
    assert "| certified non-real | 2 |" in md
    assert "| Bezout bound, total degree | 3 |" in md and "| Bezout bound, multihomogeneous |" in md
    assert "homotopy (numerical, not a proof)" in md
    page = html_report(doc)
    assert '<h2 id="solutions">Solutions</h2>' in page and "<td>certified complex solutions</td>" in page


def test_msolve_numbers_are_labelled_not_a_proof(certs):
    doc = certs("polynomial-solutions-file")
    md = markdown_report(doc)
    ms = doc["extra"].get("msolve", {})
    if ms.get("solutions") is not None:
        assert f"| msolve (multi-modular: not a proof) | {ms['solutions']} distinct complex" in md
    else:
        assert "| msolve (multi-modular: not a proof) |" in md
    assert "| source | file:" in md and "| unknowns | `x, y` |" in md


def test_boxes_are_summarised_never_dumped(certs):
    for name in ("polynomial-solutions-file", "witness-degree", "liao-poggio-prop-1"):
        doc = certs(name)
        boxes = next(c for c in doc["claims"] if c["id"] == "solutions-certified")["evidence"]["boxes"]
        long = [x for b in boxes for pair in b["center"] for x in pair if len(x) > 12] + \
            [b["radius"] for b in boxes if len(b["radius"]) > 12]
        assert long                                   # Newton-refined centres are long rationals
        for text in (markdown_report(doc), html_report(doc, figures=False)):
            assert not any(x in text for x in long)
            assert f"{len(boxes)} boxes, " in text


def test_witness_degree_reports_the_degree_bound_and_network_counts(certs):
    doc = certs("witness-degree")
    md = markdown_report(doc)
    assert "| certified witness points on the slices | 3 (exact) |" in md
    assert "| degree of the (n - l*d)-dimensional part of V(H) | = 3" in md
    assert "network counts (reported, not bounds)" in md and "Liao-Poggio" in md
    assert "| slices | 2 affine hyperplanes" in md and "| network | a (w x + b)^2, power" in md


def test_critical_points_table(certs):
    doc = certs("liao-poggio-prop-1")
    md = markdown_report(doc)
    assert "## Critical points" in md and "| box | label | index | inertia | loss L in |" in md
    assert re.search(r"\| \d \| saddle \| 1 \| \+1 -1 \?0 \| \[0\.5, 0\.5\] \|", md)   # box order: the route's
    assert md.count("| global-minimum | 0 | +2 -0 ?0 |") == 2
    assert "| source | deep-linear:" in md and "| regularisation lambdas | 112/1683, 923/1722 |" in md
    page = html_report(doc, figures=False)
    assert '<h2 id="critical-points">Critical points</h2>' in page and "<td>saddle</td>" in page


def test_long_critical_point_tables_are_cut(certs):
    doc = copy.deepcopy(certs("liao-poggio-prop-1"))
    cl = next(c for c in doc["claims"] if c["id"] == "critical-classification")
    cl["evidence"]["points"] = [dict(cl["evidence"]["points"][1], box=k) for k in range(45)]
    md = markdown_report(doc)
    rows = [ln for ln in md.splitlines() if re.match(r"\| \d+ \| saddle \|", ln)]
    assert len(rows) == 20 and "| 19 | saddle |" in md and "| 20 | saddle |" not in md
    assert "... and 25 more points (all in the certificate)." in md
    assert "45 real critical points classified: 45 saddle" in md
    page = html_report(doc, figures=False)
    assert page.count("<td>saddle</td>") == 20 and "... and 25 more points" in page


def test_disagreements_are_shown(certs):
    doc = copy.deepcopy(certs("polynomial-solutions-network"))
    doc["summary"]["disagreements"] = ["msolve counts 4 distinct complex solutions, 3 certified"]
    md = markdown_report(doc)
    assert "## Disagreements" in md and "- msolve counts 4 distinct complex solutions, 3 certified" in md
    page = html_report(doc, figures=False)
    assert '<h2 id="disagreements">Disagreements</h2>' in page
    assert "<li>msolve counts 4 distinct complex solutions, 3 certified</li>" in page
    assert "## Disagreements" not in markdown_report(certs("polynomial-solutions-network"))


def test_solving_figures(certs):
    pytest.importorskip("matplotlib")
    none = html_report(certs("polynomial-solutions-file-3"))         # 3 unknowns from a file: nothing to draw
    assert "There are no figures for this kind of certificate" in none and "<svg" not in none
    crit = html_report(certs("liao-poggio-prop-1"))                   # 2 unknowns: the real critical points
    assert re.findall(r'<figure id="fig-([^"]+)"', crit) == ["solutions"]
    assert "saddle (1)" in crit and "global-minimum (2)" in crit
    deg = html_report(certs("witness-degree"))                        # 3 unknowns, a network source
    assert re.findall(r'<figure id="fig-([^"]+)"', deg) == ["architecture"]
    assert "(the source network)" in deg


# ------------------------------------------------------------------------------------------ robustness


@pytest.mark.parametrize("name", ["cooper-4.1", "liao-poggio-nullstellensatz-consistent",
                                  "polynomial-solutions-network", "liao-poggio-prop-1", "float-cooper-2.3"])
def test_missing_optional_keys_do_not_raise(certs, name):
    doc = certs(name)
    for key in ("summary", "extra", "claims", "instance", "software", "timings_s", "notes", "point", "seed",
                "prec_bits", "out_of_scope", "statement", "reason", "assumptions"):
        broken = {k: v for k, v in doc.items() if k != key}
        assert markdown_report(broken).startswith(f"# {doc['theorem']}")
        assert "<h1>" in html_report(broken, figures=False)
    wrong = copy.deepcopy(doc)
    wrong.update(summary=None, extra=[], software="x", timings_s={"total": "fast"}, notes=None)
    for c in wrong.get("claims", []):
        c.pop("scope", None)
        c["evidence"] = None
    if isinstance(wrong.get("instance"), dict):
        wrong["instance"].pop("sha256", None)
        wrong["instance"].pop("source", None)
    assert "?" in markdown_report(wrong)
    html_report(wrong, figures=False)
    # a malformed certificate: the report shows what the checker establishes (inconclusive), and says so
    md = markdown_report({"theorem": doc["theorem"]})
    assert md.startswith(f"# {doc['theorem']}: inconclusive (tier: ") and "does NOT accept" in md
