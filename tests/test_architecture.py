"""Import rules, read from the source with ``ast`` (no verifier code is run for (a) and (b)).

(a) The independent checker (``verifier/checker/``) trusts only the standard library,
    python-flint and itself: no other ``verifier`` module. The exceptions are numpy in
    ``core/preconditioner.py``, which computes a hint the Krawczyk test does not trust (any
    preconditioner is valid; a bad one makes the test fail, never pass), and numpy in the
    floating-point tier (``float/``), whose certificates state float64 arithmetic and LAPACK's
    error model as assumptions. Its modules form a DAG (no import circle, not even through
    imports inside functions), import no private name (``_x``) from one another, and
    ``import verifier.checker.format`` loads neither the rules, the evaluator, numpy nor a tier.
(b) Nothing under ``verifier/`` imports torch at module level, except the
    ``verifier/torch_backend/`` package.
(c) ``import verifier`` leaves torch and matplotlib out of ``sys.modules``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "verifier"
CHECKER = PKG / "checker"
TORCH_BACKEND = PKG / "torch_backend"

STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def modules(folder: Path):
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def dotted(path: Path) -> str:
    """verifier/checker/core/rules.py -> verifier.checker.core.rules; .../__init__.py -> the package."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(node: ast.ImportFrom, path: Path) -> str:
    """The absolute module an ImportFrom refers to (relative imports resolved against ``path``)."""
    if node.level == 0:
        return node.module or ""
    package = dotted(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]              # a module's package
    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join(base + ([node.module] if node.module else []))


def imports(path: Path, *, module_level_only: bool = False):
    """(line, absolute module name) for every import in ``path``.

    ``from pkg import name`` yields ``pkg.name`` too (it may be a submodule). With
    ``module_level_only``, imports inside function bodies are skipped (class bodies and
    top-level if/try blocks run at import time, so they count). Calls such as
    ``importlib.import_module("x")`` and ``__import__("x")`` with a constant name count too.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []

    def visit(node, in_function):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            in_function = True
        if not (module_level_only and in_function):
            if isinstance(node, ast.Import):
                found.extend((node.lineno, a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = resolve(node, path)
                found.append((node.lineno, base))
                found.extend((node.lineno, f"{base}.{a.name}") for a in node.names if a.name != "*")
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                if name in ("import_module", "__import__"):
                    found.append((node.lineno, node.args[0].value))
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(tree, False)
    return found


def test_the_package_is_where_we_look():
    assert (PKG / "__init__.py").is_file()
    assert (CHECKER / "__init__.py").is_file()
    assert len(modules(CHECKER)) >= 3


# Known violations, each a bug to fix in verifier/ (strict: the marker fails once it is fixed).
CHECKER_BUGS = {}

# Untrusted helpers allowed one extra import: (file, imported module).
ALLOWED = {("verifier/checker/core/preconditioner.py", "numpy"),
           # The floating-point tier is float64 arithmetic by definition (its certificates say so and
           # list numpy/LAPACK's error model among their assumptions).
           *((f"verifier/checker/float/{name}.py", "numpy") for name in ("numerics", "dense", "conv", "rules", "tier"))}


def _checker_param(path):
    rel = path.relative_to(REPO).as_posix()
    marks = [pytest.mark.xfail(strict=True, reason=CHECKER_BUGS[rel])] if rel in CHECKER_BUGS else []
    return pytest.param(path, id=rel, marks=marks)


@pytest.mark.parametrize("path", [_checker_param(p) for p in modules(CHECKER)])
def test_checker_imports_only_stdlib_flint_and_itself(path):
    bad = []
    for line, name in imports(path):
        top = name.split(".")[0]
        if name == "verifier.checker" or name.startswith("verifier.checker."):
            continue
        if top == "flint" or top in STDLIB or (path.relative_to(REPO).as_posix(), top) in ALLOWED:
            continue
        bad.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    assert not bad, "\n".join(bad)


def test_resolve_relative_imports():
    # The resolver the rule above relies on: `from .. import x` inside the checker leaves it.
    rules = CHECKER / "core" / "rules.py"
    init = CHECKER / "__init__.py"
    assert resolve(ast.parse("from ..format import x").body[0], rules) == "verifier.checker.format"
    assert resolve(ast.parse("from .evaluate import x").body[0], rules) == "verifier.checker.core.evaluate"
    assert resolve(ast.parse("from ... import data").body[0], rules) == "verifier"
    assert resolve(ast.parse("from ...system import y").body[0], rules) == "verifier.system"
    assert resolve(ast.parse("from .check import f").body[0], init) == "verifier.checker.check"
    assert resolve(ast.parse("from ..network import z").body[0], init) == "verifier.network"


def _checker_graph():
    """{module: set of checker modules it imports} (imports inside functions included)."""
    nodes = {dotted(p): p for p in modules(CHECKER)}
    return {name: {dep for _, dep in imports(path) if dep in nodes and dep != name} for name, path in nodes.items()}


def test_checker_imports_form_a_dag():
    graph = _checker_graph()
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycles.append(" -> ".join(stack[stack.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import circles in the checker:\n" + "\n".join(cycles)
    # Each tier reads only the shared top and the tiers below it: core <- algebra <- solve; float alone.
    below = {"core": set(), "algebra": {"core"}, "solve": {"core", "algebra"}, "float": set()}
    bad = []
    for node, deps in graph.items():
        parts = node.split(".")
        if len(parts) > 3 and parts[2] in below:
            for dep in deps:
                dparts = dep.split(".")
                if len(dparts) > 3 and dparts[2] != parts[2] and dparts[2] not in below[parts[2]]:
                    bad.append(f"{node} imports {dep}")
    assert not bad, "\n".join(bad)


def test_checker_modules_import_no_private_names():
    bad = []
    for path in modules(CHECKER):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and resolve(node, path).startswith("verifier.checker"):
                bad += [f"{path.relative_to(REPO)}:{node.lineno} imports {a.name}" for a in node.names
                        if a.name.startswith("_")]
    assert not bad, "\n".join(bad)


def test_importing_the_checker_format_is_light():
    # The solver imports verifier.checker.format to write certificates; that runs the package's
    # __init__, which must not load the rules, the evaluator, numpy or a tier.
    code = ("import sys, verifier.checker.format\n"
            "print(','.join(sorted(m for m in sys.modules if m.startswith(('verifier', 'numpy')))))\n"
            "from verifier.checker import check_certificate, CheckReport, FormatError\n"
            "assert FormatError is verifier.checker.format.FormatError and callable(check_certificate)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    loaded = res.stdout.strip().split(",")
    assert loaded == ["verifier", "verifier.checker", "verifier.checker.format", "verifier.version"], loaded


def test_import_scanner_sees_nested_and_dynamic_imports(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import os\ntry:\n    import torch\nexcept ImportError:\n    pass\n"
                   "class A:\n    import numpy as np\n"
                   "def f():\n    import torch.nn\n    importlib.import_module('torch')\n"
                   "x = __import__('matplotlib')\n", encoding="utf-8")
    names = [n for _, n in imports(src, module_level_only=True)]
    assert names == ["os", "torch", "numpy", "matplotlib"]
    assert "torch.nn" in [n for _, n in imports(src)]


@pytest.mark.parametrize("path", modules(PKG), ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_level_torch_import(path):
    if TORCH_BACKEND in path.parents:
        pytest.skip("the torch backend package may import torch")
    bad = [f"{path.relative_to(REPO)}:{line} imports {name} at module level"
           for line, name in imports(path, module_level_only=True) if name.split(".")[0] == "torch"]
    assert not bad, "\n".join(bad)


def test_import_verifier_loads_neither_torch_nor_matplotlib():
    code = ("import sys, verifier\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'matplotlib'))\n"
            "print(','.join(heavy))\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "", f"import verifier loaded {res.stdout.strip()}"
