"""Regenerate the whole proof corpus and write proofs/README.md.

Runs every proof script (each in its own process), then reads
the ``index.json`` each one wrote under ``proofs/certificates/<theorem>/`` and
writes the summary table to ``proofs/README.md``. Exits non-zero if any script
failed, i.e. if any instance's status differs from the expected one.

Usage (from the repository root)::

    PYTHONPATH=. python proofs/run_all.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CERT_DIR = os.path.join(HERE, "certificates")
SCRIPTS = {"cooper_2_1.py": "cooper-2.1", "cooper_2_3.py": "cooper-2.3", "cooper_3_3.py": "cooper-3.3",
           "cooper_3_4.py": "cooper-3.4", "cooper_4_1.py": "cooper-4.1", "cooper_4_2.py": "cooper-4.2",
           "liao_poggio_bezout.py": "liao-poggio-bezout", "liao_poggio_dimension.py": "liao-poggio-dimension",
           "liao_poggio_nullstellensatz.py": "liao-poggio-nullstellensatz",
           "cooper_2_1_global.py": "cooper-2.1-global", "cooper_connected.py": "cooper-connected"}
ORDER = ("verified", "refuted", "not-applicable", "inconclusive")


def _statuses(rows) -> str:
    parts = []
    for st in ORDER:
        hit = [r for r in rows if r["status"] == st]
        if not hit:
            continue
        text = f"{len(hit)} {st}"
        if st != "verified":
            text += " (expected)" if all(r["expected"] == st for r in hit) else " (NOT expected)"
        parts.append(text)
    bad = [r["name"] for r in rows if r["status"] != r["expected"]]
    if bad and not any("NOT" in p for p in parts):
        parts.append(f"mismatch: {', '.join(bad)}")
    return ", ".join(parts)


def _size(path) -> int:
    return sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(path) for f in fs)


def write_readme(timings: dict) -> str:
    lines = [
        "# Proof corpus",
        "",
        "Certificates for every theorem the verifier knows, on deterministic families of small instances,",
        "including instances where a hypothesis fails (the verifier must call them not-applicable) and one where no proof",
        "is expected (the verifier must stay inconclusive). Each script states its theorem and its",
        "family in its docstring; the certificates are in `certificates/<theorem>/<instance>.json`, with an",
        "`index.json` per theorem (instance, status, expected status, sizes).",
        "",
        "| theorem | family | instances | statuses | script | time |",
        "|---|---|---|---|---|---|",
    ]
    total = 0
    for script, theorem in SCRIPTS.items():
        with open(os.path.join(CERT_DIR, theorem, "index.json"), encoding="utf-8") as fh:
            idx = json.load(fh)
        rows = idx["instances"]
        total += len(rows)
        lines.append(f"| `{theorem}` | {idx['family']} | {len(rows)} | {_statuses(rows)} | "
                     f"[`{script}`]({script}) | {timings.get(script, float('nan')):.1f} s |")
    size = _size(CERT_DIR)
    lines += [
        "",
        f"{total} certificates, {size / 1e6:.2f} MB in all.",
        "",
        "## Regenerate",
        "",
        "```",
        "PYTHONPATH=. python proofs/run_all.py          # all theorems; rewrites certificates/ and this README",
        "PYTHONPATH=. python proofs/cooper_4_1.py       # one theorem",
        "```",
        "",
        "Each script prints one line per instance (name, status, expected status) and exits non-zero if a",
        "status differs from the expected one. Datasets, projections and Gauss-Newton starts are seeded, so",
        "the instances and verdicts are the same on every run; only the recorded timings (and hence the",
        "digests) change.",
        "",
        "## Check",
        "",
        "```",
        "verifier check proofs/certificates/cooper-4.1/spiral-d12.json   # exit 0 only for verified",
        "python -m pytest tests/test_proofs.py -q                        # re-checks every certificate",
        "```",
        "",
        "The test re-checks each certificate with the independent checker: `verified` ones must check ok,",
        "`refuted` and `not-applicable` ones must re-check so, and `inconclusive` ones occur only where the script "
        "expected it.",
        "",
    ]
    text = "\n".join(lines)
    with open(os.path.join(HERE, "README.md"), "w", encoding="utf-8") as fh:
        fh.write(text)
    return text


def main() -> int:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    failed, timings = [], {}
    t_all = time.perf_counter()
    for script in SCRIPTS:
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, os.path.join(HERE, script)], cwd=ROOT, env=env)
        timings[script] = time.perf_counter() - t0
        if rc != 0:
            failed.append(script)
    write_readme(timings)
    print(f"wrote {os.path.relpath(os.path.join(HERE, 'README.md'), ROOT)}; certificates "
          f"{_size(CERT_DIR) / 1e6:.2f} MB; {time.perf_counter() - t_all:.1f} s")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
