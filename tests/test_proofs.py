"""The committed proof corpus (proofs/certificates) re-checks with the independent checker.

* a certificate stored as ``verified`` checks ok;
* one stored as ``refuted`` re-checks as refuted (the conclusion is false, with the evidence);
* one stored as ``not-applicable`` re-checks so (a hypothesis the theorem needs fails);
* one stored as ``inconclusive`` exists only where its script expected it (``index.json``),
  and the checker does not upgrade it;
* every theorem has at least one verified and one hypothesis-failing (not-applicable) certificate;
* one certificate goes through the CLI (``python -m verifier check``) in a subprocess.

Regenerate the corpus with ``PYTHONPATH=. python proofs/run_all.py``.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.checker import check_certificate
from verifier.checker.format import SOLVE_THEOREMS
from verifier.theorems import THEOREMS

ROOT = Path(__file__).resolve().parent.parent
CERT_DIR = ROOT / "proofs" / "certificates"
CERTS = sorted(p for p in CERT_DIR.glob("*/*.json") if p.name != "index.json")


def _load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _expected():
    """{(theorem, file name): expected status} from every index.json."""
    out = {}
    for idx in CERT_DIR.glob("*/index.json"):
        doc = _load(idx)
        for row in doc["instances"]:
            out[(idx.parent.name, row["file"])] = row["expected"]
    return out


EXPECTED = _expected()


def test_corpus_present():
    assert CERTS, "no certificates under proofs/certificates (run proofs/run_all.py)"
    listed = {(t, f) for t, f in EXPECTED}
    present = {(p.parent.name, p.name) for p in CERTS}
    assert listed == present, "index.json files and certificates disagree"


@pytest.mark.parametrize("path", CERTS, ids=[f"{p.parent.name}/{p.stem}" for p in CERTS])
def test_certificate_rechecks(path):
    cert = _load(path)
    assert cert["theorem"] == path.parent.name
    stored = cert["status"]
    assert stored == EXPECTED[(path.parent.name, path.name)], "stored status differs from the script's expectation"
    report = check_certificate(cert)
    if stored == "verified":
        assert report.ok and report.status == "verified", report.text()
    elif stored in ("refuted", "not-applicable"):
        assert report.status == stored and not report.ok, report.text()
    else:
        assert stored == "inconclusive"
        assert report.status == "inconclusive" and not report.ok, report.text()


def test_every_theorem_has_verified_and_failing_certificates():
    by_thm = {}
    for path in CERTS:
        by_thm.setdefault(path.parent.name, set()).add(EXPECTED[(path.parent.name, path.name)])
    # The solving theorems (polynomial-solutions, witness-degree, liao-poggio-prop-1) have their own
    # certified corpora in tests/solve and docs/bezout-versus-actual.md.
    for thm in (t for t in THEOREMS if t not in SOLVE_THEOREMS):
        assert "verified" in by_thm.get(thm, set()), f"{thm}: no verified certificate in the corpus"
        assert "not-applicable" in by_thm.get(thm, set()), f"{thm}: no hypothesis-failing certificate in the corpus"


def test_cli_check_one_certificate():
    path = CERT_DIR / "cooper-4.1" / "spiral-d12.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run([sys.executable, "-m", "verifier", "check", str(path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---------------------------------------------------------------------------- the solver still reproduces them

SCRIPTS = sorted(p.name for p in (ROOT / "proofs").glob("*.py") if not p.name.startswith("_")
                 and p.name != "run_all.py")


@pytest.mark.parametrize("script", SCRIPTS)
def test_solver_reproduces_the_committed_corpus(script, tmp_path):
    """Re-run a corpus script into a temporary folder: same instances, same statuses, claim by claim."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), VERIFIER_PROOFS_OUT=str(tmp_path))
    res = subprocess.run([sys.executable, str(ROOT / "proofs" / script)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    theorem = re.search(r'^THEOREM = "([^"]+)"', (ROOT / "proofs" / script).read_text(encoding="utf-8"), re.M).group(1)
    committed = ROOT / "proofs" / "certificates" / theorem
    out = tmp_path / theorem
    fresh = sorted(p.name for p in out.glob("*.json") if p.name != "index.json")
    assert fresh and fresh == sorted(p.name for p in committed.glob("*.json") if p.name != "index.json")
    for name in fresh:
        old = json.loads((committed / name).read_text(encoding="utf-8"))
        new = json.loads((out / name).read_text(encoding="utf-8"))
        assert new["instance"]["sha256"] == old["instance"]["sha256"], name
        assert new["status"] == old["status"], name
        assert [(c["id"], c["status"]) for c in new["claims"]] == [(c["id"], c["status"]) for c in old["claims"]], name
