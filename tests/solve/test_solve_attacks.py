"""Tampered solve certificates, resealed (digest and instance sha recomputed), never re-check as verified."""

import copy
import json

import pytest

from verifier.checker import check_certificate
from verifier.checker.format import digest, parse_rational, rational_str
from verifier.checker.solve.rules import system_hash
from verifier.theorems.solving import critical_points_deep_linear, witness_degree

SURF = {"format": "verifier-network", "version": 1, "name": "a (w x + b)^2", "activation": {"name": "power", "r": 2},
        "inputs": ["x0"], "outputs": ["y0"],
        "nodes": [{"id": "x0", "kind": "input"}, {"id": "h0", "kind": "hidden", "bias": "b"},
                  {"id": "y0", "kind": "output"}],
        "edges": [{"from": "x0", "to": "h0", "weight": "w"}, {"from": "h0", "to": "y0", "weight": "a"}]}


@pytest.fixture(scope="module")
def dl():
    return critical_points_deep_linear(1, 1, 1, 1, 1, method="homotopy", timeout=60).to_json()


@pytest.fixture(scope="module")
def wd():
    from verifier.network import network_from_json
    return witness_degree(network_from_json(SURF), _one_point(), method="homotopy", timeout=60).to_json()


def _one_point():
    import os
    import tempfile

    from verifier.data import load_dataset
    with tempfile.TemporaryDirectory() as tmp:
        q = os.path.join(tmp, "d.csv")
        with open(q, "w") as fh:
            fh.write("1,2\n")
        return load_dataset(q, outputs=1)


def reseal(doc):
    doc["instance"]["sha256"] = system_hash(doc["instance"])
    doc["digest"] = digest(doc)
    return doc


def _claim(doc, cid):
    return next(c for c in doc["claims"] if c["id"] == cid)


def test_untampered(dl, wd):
    assert check_certificate(dl).ok and check_certificate(wd).ok


def shift_box(doc):
    box = _claim(doc, "solutions-certified")["evidence"]["boxes"][0]
    re = parse_rational(box["center"][0][0])
    box["center"][0][0] = rational_str(re + parse_rational(box["radius"]) * 1000 + parse_rational("1/10"))


def duplicate_box(doc):
    ev = _claim(doc, "solutions-certified")["evidence"]
    ev["boxes"].append(copy.deepcopy(ev["boxes"][0]))
    ev["certified"] += 1
    ev["real" if ev["boxes"][0].get("real") else "non_real"] += 1


def edit_equation(doc):
    eq = doc["instance"]["system"]["equations"][0]["terms"]
    eq[-1][0] = rational_str(parse_rational(eq[-1][0]) + 1)


def raise_count(doc):
    _claim(doc, "solutions-certified")["evidence"]["certified"] += 1


def raise_exact_count(doc):
    _claim(doc, "count-exact")["evidence"]["count"] += 1


def edit_statement(doc):
    doc["statement"] = doc["statement"] + " All solutions are found."


def edit_claim_statement(doc):
    c = _claim(doc, "solutions-certified")
    c["statement"] = c["statement"].replace("LOWER bound", "exact number")
    assert c["statement"] != _claim({"claims": []} if False else doc, "bezout-bounds-square")["statement"]


def edit_source_data(doc):
    src = doc["instance"]["source"]
    if "Y" in src:
        src["Y"][0][0] = rational_str(parse_rational(src["Y"][0][0]) + 1)
    else:
        src["data"]["y"][0][0] = "3"


def relabel_saddle(doc):
    for p in _claim(doc, "critical-classification")["evidence"]["points"]:
        if p["label"] == "saddle":
            p["label"] = "local-minimum"


def drop_symmetry(doc):
    _claim(doc, "critical-classification")["evidence"]["symmetries"] = []


def file_source(doc):
    doc["instance"]["source"] = {"kind": "file"}


def raise_bezout(doc):
    _claim(doc, "bezout-bounds-square")["evidence"]["total_degree"] += 1


ATTACKS = [shift_box, duplicate_box, edit_equation, raise_count, raise_exact_count, edit_statement,
           edit_claim_statement, edit_source_data, file_source, raise_bezout]


@pytest.mark.parametrize("attack", ATTACKS + [relabel_saddle, drop_symmetry], ids=lambda f: f.__name__)
def test_deep_linear_tampering(dl, attack):
    doc = copy.deepcopy(dl)
    attack(doc)
    rep = check_certificate(reseal(doc))
    assert not rep.ok and rep.status != "verified", rep.text()


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda f: f.__name__)
def test_witness_tampering(wd, attack):
    doc = copy.deepcopy(wd)
    attack(doc)
    rep = check_certificate(reseal(doc))
    assert not rep.ok and rep.status != "verified", rep.text()


def test_unsealed_edit_is_caught(dl):
    doc = copy.deepcopy(dl)
    raise_count(doc)
    assert "digest" in check_certificate(doc).text()


def test_stored_refuted_is_not_upgraded(dl):
    doc = copy.deepcopy(dl)
    doc["status"] = "refuted"
    assert check_certificate(reseal(doc)).status == "inconclusive"


def test_garbage_is_inconclusive(dl):
    for bad in (lambda d: d["instance"].pop("source"), lambda d: d["claims"].append({"id": "nope"}),
                lambda d: d["instance"]["system"].update(variables=["a"])):
        doc = copy.deepcopy(dl)
        bad(doc)
        rep = check_certificate(doc)
        assert not rep.ok and rep.status == "inconclusive"
