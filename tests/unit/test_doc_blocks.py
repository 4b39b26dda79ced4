"""Every ```python block of README.md and docs/*.md compiles, and every ```json / ```toml block parses."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks():
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            if m.group(1) in ("python", "json", "toml"):
                line = text[:m.start()].count("\n") + 1
                yield pytest.param(m.group(1), m.group(2), id=f"{path.relative_to(REPO)}:{line}")


BLOCKS = list(blocks())


def test_the_docs_have_python_blocks():
    assert sum(p.values[0] == "python" for p in BLOCKS) >= 3


@pytest.mark.parametrize("lang, code", BLOCKS)
def test_block_is_valid(lang, code):
    if lang == "python":
        compile(code, "<block>", "exec")
    elif lang == "json":
        json.loads(code)
    else:
        tomllib.loads(code)


def test_docs_index_lists_every_page_and_its_links_resolve():
    index = REPO / "docs" / "index.md"
    text = index.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert all((index.parent / link).resolve().is_file() for link in links), links
    pages = {p.name for p in (REPO / "docs").glob("*.md")} - {"index.md"}
    assert pages <= {Path(link).name for link in links}, sorted(pages - {Path(link).name for link in links})
    assert "(docs/index.md)" in (REPO / "README.md").read_text(encoding="utf-8")
