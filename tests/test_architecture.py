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
    ``verifier/torch_backend/`` package and ``verifier/theorems/cooper_float.py`` (the floating-point tier's
    theorem, which the registry imports only when that tier is asked for).
(c) ``import verifier`` leaves torch and matplotlib out of ``sys.modules``; the light commands load none of
    the heavy libraries, and the small answers (solve, check, verify cooper-3.3) only those they use.
"""

from __future__ import annotations

import ast
import json
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
           *((f"verifier/checker/float/{name}.py", "numpy") for name in ("numerics", "dense", "conv", "rules", "tier", "path"))}


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


def test_checker_tiers_import_only_the_tiers_below():
    # Each tier reads only the shared top and the tiers below it: core <- algebra <- solve; float alone.
    # (Circles and private names are ruled out for the whole package below.)
    graph = _checker_graph()
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
    if TORCH_BACKEND in path.parents or path == PKG / "theorems" / "cooper_float.py":
        pytest.skip("the torch backend package and the floating-point tier's theorem may import torch")
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


# ---------------------------------------------------------------------------- layering: stages, circles, private names

# The stages of the pipeline, lowest first. A module may import modules of its own stage or a lower one,
# never a higher one (imports inside functions included): the checker below everything but the basics,
# the mathematics (model, evaluation, engines) below the certificate, the theorems above all of them,
# reports and the interfaces on top. A module is in the stage of the longest prefix listed.
STAGES = [
    ("basics", ["verifier.version", "verifier.errors", "verifier.envelope"]),
    ("checker", ["verifier.checker"]),
    ("model", ["verifier.activations", "verifier.data", "verifier.network"]),
    ("evaluation", ["verifier.system", "verifier.checks", "verifier.construction", "verifier.search"]),
    ("engines", ["verifier.algebra", "verifier.solver"]),
    ("certificate", ["verifier.certificate", "verifier.solutions"]),
    ("torch backend", ["verifier.torch_backend"]),
    ("theorems", ["verifier.theorems"]),
    ("reports", ["verifier.figures", "verifier.report", "verifier.report_pdf"]),
    ("interfaces", ["verifier.api", "verifier.sweep", "verifier.demo", "verifier.strategies", "verifier.doctor",
                    "verifier.cli",
                    "verifier.__main__",
                    "verifier"]),
]


def stage_of(module: str) -> int:
    best, level = -1, None
    for i, (_, prefixes) in enumerate(STAGES):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, level = len(p), i
    assert level is not None, f"{module} is in no stage: add it to STAGES"
    return level


MODULES = {dotted(p): p for p in modules(PKG)}


def _target(name: str):
    """The verifier module an imported name refers to (the longest known module prefix), or None."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        cand = ".".join(parts[:k])
        if cand in MODULES:
            return cand
    return None


def import_graph() -> dict:
    """module -> {imported verifier module: first line}; importing an enclosing package (as relative
    imports of siblings do) is not an edge."""
    graph = {}
    for mod, path in MODULES.items():
        edges = {}
        for line, name in imports(path):
            t = _target(name)
            if t and t != mod and not mod.startswith(t + "."):
                edges.setdefault(t, line)
        graph[mod] = edges
    return graph


def test_every_module_has_a_stage():
    for mod in MODULES:
        stage_of(mod)


def test_no_module_imports_a_higher_stage():
    bad = []
    for mod, edges in import_graph().items():
        for t, line in edges.items():
            if stage_of(t) > stage_of(mod):
                bad.append(f"{MODULES[mod].relative_to(REPO)}:{line} ({STAGES[stage_of(mod)][0]}) imports {t} "
                           f"({STAGES[stage_of(t)][0]})")
    assert not bad, "\n".join(bad)


def strongly_connected(graph) -> list:
    """Tarjan's strongly connected components with more than one module (the import circles)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_strongly_connected_finds_a_circle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    circles = strongly_connected({m: set(e) for m, e in import_graph().items()})
    assert not circles, "import circles (imports inside functions count): " + "; ".join(" <-> ".join(c)
                                                                                           for c in circles)


def test_no_private_names_imported_across_modules():
    bad = []
    for mod, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and _target(resolve(node, path) or "") is not None:
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        bad.append(f"{path.relative_to(REPO)}:{node.lineno} imports {a.name} from "
                                   f"{resolve(node, path)}")
    assert not bad, "\n".join(bad)


def checker_lines_per_tier() -> dict:
    """Lines of the checker's trusted base per tier (a sub-package, or the shared top of the checker)."""
    out = {}
    for p in modules(CHECKER):
        rel = p.relative_to(CHECKER)
        tier = rel.parts[0] if len(rel.parts) > 1 else "shared (format, replay, entry)"
        out[tier] = out.get(tier, 0) + len(p.read_text(encoding="utf-8").splitlines())
    return out


def test_checker_line_count_per_tier(capsys):
    counts = checker_lines_per_tier()
    with capsys.disabled():
        print("\nchecker lines per tier: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
              + f"; total {sum(counts.values())}")
    assert sum(counts.values()) > 0


HEAVY = ("sympy", "scipy", "networkx", "matplotlib", "torch", "numpy")


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["theorems"], ["theorems", "--json"]])
def test_light_commands_load_no_heavy_library(argv):
    """`verifier --help`, `verifier --version` and `verifier theorems` start fast: sympy, scipy, networkx,
    matplotlib, torch and numpy load only when a command needs them (benchmarks/bench_startup.py measures the
    time)."""
    loaded = _heavy_loaded(argv, REPO)
    assert loaded == [], f"verifier {' '.join(argv)} loaded {','.join(loaded)}"


def _heavy_loaded(argv, cwd) -> list:
    """The HEAVY libraries in sys.modules after ``verifier ARGV`` (run in a fresh interpreter, in ``cwd``)."""
    code = ("import contextlib, io, sys\nfrom verifier.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        rc = main(sys.argv[1:])\n    except SystemExit as exc:\n        rc = exc.code\n"
            "assert rc in (0, 1), rc\n"
            f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    return [m for m in res.stdout.strip().split(",") if m]


def test_small_answers_load_only_what_they_use(tmp_path):
    """The small answers end to end (benchmarks/bench_startup.py times them): `verifier solve --method homotopy`
    loads numpy (the tracker) but neither scipy, networkx nor sympy; `verifier check` of its certificate
    (flint and the checker only) loads none of HEAVY, numpy included; `verify cooper-3.3` loads numpy, not
    networkx (the network is verifier.network's own DAG), scipy or sympy, and its check none of HEAVY;
    `verify liao-poggio-bezout` none of HEAVY."""
    (tmp_path / "sys.txt").write_text("vars: x, y\nx^2 + y^2 - 5\nx*y - 2\n", encoding="utf-8")
    (tmp_path / "pts.csv").write_text("0,1\n1,2\n2,0\n3,1\n", encoding="utf-8")
    assert _heavy_loaded(["solve", "sys.txt", "--method", "homotopy", "--out", "s.json", "-q"], tmp_path) == ["numpy"]
    assert _heavy_loaded(["check", "s.json"], tmp_path) == []
    assert _heavy_loaded(["verify", "cooper-3.3", "--data", "pts.csv", "--out", "c.json", "-q"],
                         tmp_path) == ["numpy"]
    # its check: the Krawczyk preconditioner of a small matrix comes from Arb, not numpy
    assert _heavy_loaded(["check", "c.json"], tmp_path) == []
    # a polynomial network's degrees and Bezout bounds are exact polynomial work: no numpy (nor networkx)
    net = {"format": "verifier-network", "version": 1, "activation": {"name": "power", "r": 2},
           "nodes": [{"id": "x0", "kind": "input"}, {"id": "h0", "kind": "hidden"}, {"id": "y0", "kind": "output"}],
           "edges": [{"from": "x0", "to": "h0", "weight": "a"}, {"from": "h0", "to": "y0", "weight": "v"}]}
    (tmp_path / "net.json").write_text(json.dumps(net), encoding="utf-8")
    (tmp_path / "p.csv").write_text("1,2\n2,3\n", encoding="utf-8")
    assert _heavy_loaded(["verify", "liao-poggio-bezout", "--network", "net.json", "--data", "p.csv", "--out", "b.json",
                          "-q"], tmp_path) == []
    assert _heavy_loaded(["check", "b.json"], tmp_path) == []
