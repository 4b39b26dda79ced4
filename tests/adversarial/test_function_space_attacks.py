"""Forged function-space bounds on the generic rank: the checker re-derives the supports and the
evaluation rank itself, so a smaller upper bound than the network and data allow is rejected."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from adversarial_support import check, claim, reseal, time_limit
from flint import fmpq

from verifier.activations import power
from verifier.algebra.rank import jacobian_mod_p, rank_mod_p
from verifier.checker.algebra.funcspace import function_space
from verifier.checker.core.evaluate import Network as CheckerNetwork
from verifier.data import dataset_from_arrays
from verifier.network import mlp, network_from_json, network_to_json
from verifier.theorems import verify

REPO = Path(__file__).resolve().parents[2]


def honest(widths, X, seed=0, **options):
    net = mlp(len(X[0]), widths, activation=power(2), bias=False)
    data = dataset_from_arrays(X, list(range(1, len(X) + 1)))
    return verify("liao-poggio-dimension", data, network=net, groebner=False, seed=seed, **options).to_json()


# No time for the kernel of J over Q(w): the honest certificate of the defective network stays open.
OPEN = {"timeout": 0.01}


QUARTIC_X = [[1, 2], [3, -1], [2, 5], [-1, 4], [1, 7], [4, 1], [-2, 3]]


def rank_ev(doc):
    return claim(doc, "generic-rank")["evidence"]


def forge_verified(doc):
    doc["status"] = "verified"
    doc["reason"] = None
    c = claim(doc, "generic-rank")
    c["status"] = "verified"
    return reseal(doc)


def assert_rank_rejected(doc):
    rep = check(doc)
    assert not rep.ok
    assert next(r for r in rep.results if r["id"] == "generic-rank")["checked"] != "verified"
    return rep


def test_honest_baseline_is_verified():
    doc = honest([2, 2], QUARTIC_X)
    assert rank_ev(doc)["function_space"] == {"monomials": [5], "degrees": [4], "rank": 5}
    rep = check(doc)
    assert rep.ok and rep.status == "verified", rep.text()


def without_rotations(monkeypatch):
    """Withhold the rotation of quadratic units into one output, which alone closes the gap of mlp 3-2-1 with
    t^2 (5 = 8 - 2 rescalings - 1 rotation), so that the honest certificate stays open."""
    from verifier.algebra import symmetries
    real = symmetries.symmetry_fields
    monkeypatch.setattr("verifier.theorems.liao_poggio.symmetry_fields",
                        lambda net, ctx: [f for f in real(net, ctx) if not f[0].startswith("rotation")])


def test_forged_rank_closes_a_gap_in_an_open_certificate(monkeypatch):
    """p = 3, width 2: 5 <= r <= 6 without the kernel vectors and the rotation of the two quadratic units;
    a function-space rank of 5 would close it without proof."""
    without_rotations(monkeypatch)
    X = [[1, 2, 0], [3, -1, 2], [2, 5, 1], [-1, 4, 3], [1, 7, -2], [4, 1, 1], [-2, 3, 5], [0, 1, 4]]
    doc = honest([2], X, **OPEN)
    ev = rank_ev(doc)
    assert (ev["lower"], ev["upper"]) == (5, 6)
    ev["function_space"]["rank"] = ev["upper"] = 5
    assert_rank_rejected(forge_verified(doc))


def test_forged_smaller_bound_with_a_smaller_true_minor_claims_a_false_rank():
    """The true rank is 5. Keep a genuine nonzero 4 x 4 minor (lower = 4, which is true) and state a
    function space of rank 4: the claim 'generic rank 4' is false, and only the re-derivation catches it."""
    doc = honest([2, 2], QUARTIC_X)
    ev = rank_ev(doc)
    net = network_from_json(doc["instance"]["network"])
    data = dataset_from_arrays(QUARTIC_X, list(range(1, len(QUARTIC_X) + 1)))
    J = jacobian_mod_p(net, data, [ev["point"][lab] for lab in net.labels], ev["prime"])
    cols = [net.labels.index(c) for c in ev["cols"]]
    sub = J[np.ix_(ev["rows"][:4], cols)]
    r, _, keep = rank_mod_p(sub, ev["prime"])
    assert r == 4
    ev["rows"] = ev["rows"][:4]
    ev["cols"] = [ev["cols"][j] for j in keep]
    ev["lower"] = ev["upper"] = 4
    ev["function_space"]["rank"] = 4
    assert_rank_rejected(forge_verified(doc))


@pytest.mark.parametrize("edit", ["monomials", "degrees", "rank-only", "upper-only", "dropped", "not-a-dict",
                                  "extra-key"])
def test_forged_function_space_fields(edit):
    doc = honest([2, 2], QUARTIC_X)
    ev = rank_ev(doc)
    fs = ev["function_space"]
    if edit == "monomials":
        fs["monomials"] = [4]
        fs["rank"] = ev["upper"] = ev["lower"] = 4
    elif edit == "degrees":
        fs["degrees"] = [3]
    elif edit == "rank-only":
        fs["rank"] = 4
    elif edit == "upper-only":
        ev["upper"] = 4
    elif edit == "dropped":
        ev.pop("function_space")        # the rescalings alone give 6, not 5 (the rotation would give 5)
        ev["fields"] = [f for f in ev["fields"] if not f["description"].startswith("rotation")]
        ev["field_rank"] = len(ev["fields"])
    elif edit == "not-a-dict":
        ev["function_space"] = 4
    else:
        fs["trusted"] = True
    assert_rank_rejected(reseal(doc))


def test_verifier_check_rejects_a_forged_bound(tmp_path, monkeypatch):
    """The same forgery through the command line: `verifier check` exits nonzero."""
    without_rotations(monkeypatch)
    doc = honest([2], [[1, 2, 0], [3, -1, 2], [2, 5, 1], [-1, 4, 3], [1, 7, -2], [4, 1, 1], [-2, 3, 5],
                       [0, 1, 4]], **OPEN)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc))
    bad_doc = copy.deepcopy(doc)
    ev = rank_ev(bad_doc)
    ev["function_space"]["rank"] = ev["upper"] = ev["lower"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(forge_verified(bad_doc)))
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, "-m", "verifier", "check", str(good)], env=env, capture_output=True,
                        text=True, timeout=120)
    assert ok.returncode != 0 and "inconclusive" in ok.stdout.lower()     # honest but open: not exit 0
    res = subprocess.run([sys.executable, "-m", "verifier", "check", str(bad)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode != 0
    assert "function space re-derived" in res.stdout + res.stderr


def test_wide_layers_do_not_make_the_supports_expensive():
    """300 x 300 edges into nodes that share one support: each node unions its distinct sources once."""
    net = mlp(6, [300, 300], activation=power(2))
    with time_limit(10):
        fs = function_space(CheckerNetwork(network_to_json(net)), [[fmpq(i + j * j) for j in range(6)]
                                                                   for i in range(3)])
    assert fs == {"monomials": [210], "degrees": [4], "rank": 3}
