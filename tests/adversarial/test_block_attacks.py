"""The zero claim's ``blocks`` hint: a wrong hint can make the check fail, never pass wrongly."""

import copy
import json

import pytest

from verifier import check, dataset_from_arrays, verify
from verifier.checker.format import digest, instance_hash


@pytest.fixture(scope="module")
def cert42():
    X = [[i, (i * i) % 7] for i in range(6)]
    Y = [[i % 3, 1 - i, (i * 5) % 4] for i in range(6)]
    doc = verify("cooper-4.2", dataset_from_arrays(X, Y)).to_json()
    return json.loads(json.dumps(doc))


def reseal(cert):
    cert["instance"]["sha256"] = instance_hash(cert["instance"])
    cert["digest"] = digest(cert)
    return cert


def zero_claim(cert):
    return next(c for c in cert["claims"] if c["id"] == "zero")


def test_honest_certificate_has_one_block_per_output(cert42):
    blocks = zero_claim(cert42)["evidence"]["blocks"]
    assert len(blocks) == 3 and sorted(len(b) for b in blocks) == [6, 6, 6]
    rep = check(cert42)
    assert rep.ok, rep.text()
    assert "3 independent blocks" in rep.text()


@pytest.mark.parametrize("change, why", [
    (lambda b: [b[0] + b[1], b[2]], "merging blocks is harmless: a larger block is still a square system"),
    (lambda b: None, "no hint: one dense block"),
])
def test_harmless_hints_still_verify(cert42, change, why):
    cert = copy.deepcopy(cert42)
    ev = zero_claim(cert)["evidence"]
    new = change(ev["blocks"])
    if new is None:
        del ev["blocks"]
    else:
        ev["blocks"] = new
    assert check(reseal(cert)).ok, why


@pytest.mark.parametrize("change, message", [
    (lambda b: [b[0][:-1] + [b[1][0]], [b[0][-1]] + b[1][1:], b[2]], "depends on unknowns of 2 blocks"),
    (lambda b: [b[0] + [b[0][0]], b[1], b[2]], "blocks must partition the unknowns"),
    (lambda b: [b[0], b[1]], "blocks must partition the unknowns"),
    (lambda b: [b[0][:3], b[0][3:], b[1], b[2]], "depends on unknowns of 2 blocks"),
    (lambda b: "all", "blocks must partition the unknowns"),
])
def test_wrong_hints_are_rejected(cert42, change, message):
    cert = copy.deepcopy(cert42)
    ev = zero_claim(cert)["evidence"]
    ev["blocks"] = change(ev["blocks"])
    rep = check(reseal(cert))
    assert not rep.ok
    assert message in rep.text(), rep.text()
