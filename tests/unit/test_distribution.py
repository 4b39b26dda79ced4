"""The distribution is `landscape-verifier` on the package index (`verifier` there is an unrelated project):
every install hint names it, or an editable install of the checkout, never `verifier[...]`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from verifier.errors import install_hint
from verifier.version import DISTRIBUTION, __version__

REPO = Path(__file__).resolve().parents[2]


def test_pyproject_names_the_distribution():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION == "landscape-verifier"
    assert project["version"] == __version__
    assert project["scripts"] == {"verifier": "verifier.cli:main"}


def test_install_hint_names_the_distribution_and_the_checkout():
    hint = install_hint("algebra")
    assert "pip install 'landscape-verifier[algebra]'" in hint and 'pip install -e ".[algebra]"' in hint


def test_no_hint_installs_the_unrelated_verifier_project():
    # `pip install verifier`, `'verifier[x]'`, "verifier[x]": each would install a stranger's code.
    bad_pattern = re.compile(r"""pip install\s+['"]?verifier\b|['"]verifier\[""")
    files = [REPO / "README.md"]
    for folder in ("verifier", "docs", "examples", "benchmarks", "proofs"):
        files += [p for p in (REPO / folder).rglob("*") if p.suffix in (".py", ".md", ".toml") and p.is_file()]
    bad = [f"{p.relative_to(REPO)}:{i}: {line.strip()}" for p in files
           for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if bad_pattern.search(line)]
    assert not bad, "\n".join(bad)
