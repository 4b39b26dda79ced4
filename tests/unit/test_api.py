"""The Python verbs (verifier.api) mirror the command line; options are checked before any computation;
the one certificate type; the four statuses; atomic writes that respect the umask."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import verifier
from verifier.certificate import Certificate
from verifier.checker.format import FLOAT_TIER, HYPOTHESES, RIGOROUS_TIER, STATEMENTS, STATUSES, digest
from verifier.errors import InputError

REPO = Path(__file__).resolve().parents[2]
FOUR = verifier.dataset_from_arrays([[0], [1], [2], [3]], [[0], [1], [0], [1]])


def reseal(doc):
    doc = json.loads(json.dumps(doc))
    doc["digest"] = digest(doc)
    return doc


# ---------------------------------------------------------------------------- the registry


def test_registry_holds_every_theorem_once():
    ids = [t.id for t in verifier.theorems()]
    assert ids == list(STATEMENTS) and len(ids) == 14 == len(set(ids))
    for t in verifier.theorems():
        assert t.statement == STATEMENTS[t.id] and t.hypotheses and t.options and t.engines and t.tiers
        assert set(t.hypothesis_claims) == set(HYPOTHESES.get(t.id, ()))
        assert callable(t.implementation())                  # every entry resolves
    assert verifier.THEOREMS["cooper-2.3"].tiers == (RIGOROUS_TIER, FLOAT_TIER)


@pytest.mark.parametrize("options, needle", [
    ({"prec_bits": 8}, "prec_bits=8: must be an integer between 32 and 65536"),
    ({"prec_bits": "128"}, "prec_bits='128': must be an integer"),
    ({"foo": 1}, "cooper-3.3 takes no option foo=1; it takes: activation, depth"),
    ({"width": 0}, "width=0: must be an integer >= 1"),
    ({"network": verifier.mlp(1, [2])}, "cooper-3.3 takes no option network="),
    ({"tier": FLOAT_TIER}, "cooper-3.3 has the tiers rigorous"),
    ({"seed": 1.5}, "seed=1.5: must be an integer"),
])
def test_options_are_checked_up_front(options, needle):
    with pytest.raises(InputError, match=None) as exc:
        verifier.verify("cooper-3.3", FOUR, **options)
    assert needle in str(exc.value), str(exc.value)


def test_options_of_the_local_and_algebraic_theorems():
    with pytest.raises(InputError, match="cooper-2.1 needs network"):
        verifier.verify("cooper-2.1", FOUR)
    with pytest.raises(InputError, match="steps=3 belongs to the floating-point tier"):
        verifier.verify("cooper-2.1", FOUR, network=verifier.mlp(1, [3]), point=[0] * 10, steps=3)
    with pytest.raises(InputError, match="timeout=0: must be a positive number"):
        verifier.verify("liao-poggio-bezout", FOUR, network=verifier.mlp(1, [1], activation="identity"), timeout=0)
    with pytest.raises(InputError, match="unknown theorem 'cooper-9'"):
        verifier.verify("cooper-9", FOUR)


def test_moved_names_keep_working():
    from verifier.algebra.polys import PolySystem
    from verifier.search import gauss_newton
    from verifier.theorems import gauss_newton as old_gauss_newton
    assert verifier.PolySystem is PolySystem and old_gauss_newton is gauss_newton


# ---------------------------------------------------------------------------- verbs


def test_verify_check_report_round_trip(tmp_path):
    cert = verifier.verify("cooper-3.3", FOUR)
    assert isinstance(cert, Certificate) and cert.status == "verified" and cert.tier == RIGOROUS_TIER
    path = tmp_path / "c.json"
    cert.write(path)
    for form in (cert, cert.to_json(), str(path), path):
        rep = verifier.check(form)
        assert rep.ok and rep.status == "verified"
        assert [r["id"] for r in rep.results] == [c.id for c in cert.claims]
        assert all(r["checked"] == r["stated"] == "verified" for r in rep.results)
    md = verifier.report(path)
    assert md.startswith("# cooper-3.3: verified")
    assert "<html" in verifier.report(cert, format="html")
    assert verifier.report(cert, format="pdf").startswith(b"%PDF")
    with pytest.raises(InputError, match="format='docx'"):
        verifier.report(cert, format="docx")


def test_data_and_network_may_be_files(tmp_path):
    (tmp_path / "pts.csv").write_text("0,0\n1,1\n2,0\n", encoding="utf-8")
    net = verifier.mlp(1, [2], activation="softplus")
    from verifier.network import network_to_json
    (tmp_path / "net.json").write_text(json.dumps(network_to_json(net)), encoding="utf-8")
    cert = verifier.verify("cooper-2.3", str(tmp_path / "pts.csv"), network=str(tmp_path / "net.json"),
                           point=[0.5, -0.3, 0.8, 0.1, 1.0, -1.0, 0.2])
    assert cert.theorem == "cooper-2.3" and cert.status in ("verified", "inconclusive")


def test_solving_verbs_return_certificates():
    from verifier.activations import power
    cert = verifier.critical_points(deep_linear=(1, 1, 1, 1, 1), method="homotopy", timeout=60)
    assert isinstance(cert, Certificate) and cert.theorem == "liao-poggio-prop-1" and cert.status == "verified"
    assert verifier.check(cert).ok
    assert "system      2 equations in 2 unknowns" in cert.summary()
    net = verifier.mlp(1, [1], activation=power(2), output_bias=False)       # w2 (w1 x + b1)^2: n = 3
    cert = verifier.degree(net, verifier.dataset_from_arrays([[1]], [[2]]), method="homotopy", timeout=60)
    assert cert.theorem == "witness-degree" and verifier.check(cert).status == cert.status
    with pytest.raises(InputError, match="give either system=FILE or network="):
        verifier.solve()
    with pytest.raises(InputError, match="no option trials=2"):
        verifier.solve("x.txt", trials=2)
    with pytest.raises(InputError, match="deep_linear="):
        verifier.critical_points(deep_linear=(1, 1))


# ---------------------------------------------------------------------------- statuses


def test_four_statuses_defined_once():
    assert STATUSES == ("verified", "refuted", "inconclusive", "not-applicable")


@pytest.mark.parametrize("options, hypothesis", [({"activation": "tanh"}, "activation-rectified"),
                                                 ({"width": 2}, "hidden-width")])
def test_a_failed_hypothesis_is_not_applicable_never_refuted(options, hypothesis):
    cert = verifier.verify("cooper-3.3", FOUR, **options)
    assert cert.status == "not-applicable" and cert.reason.startswith(hypothesis)
    assert "does not apply" in cert.reason
    rep = verifier.check(cert)
    assert rep.status == "not-applicable" and not rep.ok
    forged = reseal(dict(cert.to_json(), status="refuted"))           # the same evidence, called refuted
    rep = verifier.check(forged)
    assert rep.status == "inconclusive" and "not-applicable, not refuted" in rep.text()


def test_a_refutation_cannot_be_relabelled_not_applicable():
    from verifier.activations import power
    net = verifier.mlp(1, [3], activation=power(2))
    cert = verifier.verify("liao-poggio-nullstellensatz", verifier.dataset_from_arrays([[0], [1], [2]], [1, 2, 7]),
                           network=net)
    assert cert.status == "refuted"
    forged = reseal(dict(cert.to_json(), status="not-applicable"))
    rep = verifier.check(forged)
    assert rep.status == "inconclusive" and "no hypothesis of liao-poggio-nullstellensatz" in rep.text()


# ---------------------------------------------------------------------------- writes


def test_writes_respect_the_umask_and_refuse_special_files(tmp_path):
    cert = verifier.verify("cooper-3.3", FOUR)
    old = os.umask(0o022)
    try:
        cert.write(tmp_path / "c.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "c.json").st_mode) == 0o644
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        cert.write(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)                           # left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json", "pipe"]   # no temporary file left


def test_import_verifier_is_light():
    code = ("import sys, verifier\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sympy', 'networkx', 'scipy', 'numpy', 'flint', 'matplotlib', 'torch'))))\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and res.stdout.strip() == "", res.stdout + res.stderr
