"""Short reprs and Jupyter HTML of Certificate and CheckReport (every string escaped)."""

from __future__ import annotations

import dataclasses

import pytest

import verifier
from verifier.certificate import Certificate
from verifier.checker import CheckReport
from verifier.data import dataset_from_arrays

HOSTILE = "<script>alert('x')</script> & \"q\""


@pytest.fixture(scope="module")
def cert():
    data = dataset_from_arrays([[0, 0], [1, 0], [0, 1], [1, 1]], [[0], [1], [1], [0]])
    return verifier.verify("cooper-4.1", data)


def test_certificate_repr_is_one_short_line(cert):
    assert repr(cert) == "Certificate(theorem='cooper-4.1', status='verified', tier='rigorous', n=17, d=4, l=1, " \
                         f"claims={len(cert.claims)})"


def test_certificate_repr_of_a_system_names_its_unknowns(cert):
    other = dataclasses.replace(cert, summary_info={"unknowns": 3, "source": "file"})
    assert ", unknowns=3, claims=" in repr(other)


def test_check_report_repr(cert):
    report = verifier.check(cert)
    assert repr(report) == f"CheckReport(ok=True, status='verified', claims={len(cert.claims)})"
    malformed = CheckReport(False, "inconclusive", "certificate: malformed", ["  format error: no claims"])
    assert repr(malformed) == "CheckReport(ok=False, status='inconclusive', claims=0)"


def test_certificate_html_has_a_badge_and_escapes_every_string(cert):
    page = cert._repr_html_()
    assert ">verified</span>" in page and "mlp 2-4-1, smoolu, n = 17, d = 4, l = 1" in page
    assert page.count("<tr>") == len(cert.claims) + 1
    claims = list(cert.claims)
    claims[0] = dataclasses.replace(claims[0], id=HOSTILE, message=HOSTILE)
    bad = dataclasses.replace(cert, theorem=HOSTILE, claims=claims,
                              summary_info={**cert.summary_info, "network": HOSTILE})
    page = bad._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp;" in page


def test_check_report_html_has_a_badge_and_escapes_every_string(cert):
    page = verifier.check(cert)._repr_html_()
    assert ">verified</span>" in page and "accepted" in page and page.count("<tr>") == len(cert.claims) + 1
    hostile = CheckReport(False, "inconclusive", HOSTILE, ["  id verified -> verified ok", f"  problem: {HOSTILE}"],
                          results=[{"id": HOSTILE, "stated": HOSTILE, "checked": "verified", "message": HOSTILE}])
    page = hostile._repr_html_()
    assert "<script>" not in page and page.count("&lt;script&gt;") == 5
    assert "not accepted" in page and ">inconclusive</span>" in page
