"""The checker's own calls to Singular, for the claims no certificate can carry cheaply.

* ``variety-dimension`` (``algebra/rules.py``): the dimension and degree of V(H) from a Groebner
  basis (:func:`singular_dimension`: ``std``, ``dim``, ``mult``);
* ``infeasible`` refuted with ``method: groebner`` (``algebra/rules.py``): dim V(H) >= 0, so 1 is not in
  the ideal and V(H) is nonempty over C (:func:`singular_dimension`);
* ``count-exact`` with ``method: singular``, and ``solutions-certified`` with no box (``solve/rules.py``):
  dimension 0 and the number of solutions with multiplicity, or dimension -1 (no solution)
  (:func:`singular_vdim`: ``slimgb``, then ``std`` if it runs out of time, ``dim``, ``vdim``);
* ``count-exact`` with ``method: bkk`` (``solve/rules.py``): the mixed volume of Newton polytopes
  (:func:`singular_mixed_volume`: gfanlib's ``mixedVolumeInternal`` through Singular's ``gfan.lib``).

The checker writes its own short Singular script when the binary is installed (extra ``algebra``),
runs it with a time and memory budget, and reads back two integers. Without Singular it returns None
and the rule says so (the claim re-checks as inconclusive). Standard library only.

A process remembers the output of every script that answered (:data:`_ANSWERS`, by a hash of the binary's
path and the script): Singular is deterministic, so running the same script again would print the same
lines. This is what makes the verifier's own check of a fresh certificate (``seal_messages``) cost no second
engine run when the verifier asked its question through these functions. A new process (``verifier check``
on a file) starts with none; :func:`forget` empties it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
import time

TIMEOUT_S = 120
MAX_MEMORY_MB = 4096


def _singular() -> str | None:
    env = os.environ.get("VERIFIER_SINGULAR")
    if env:
        return env if os.path.isfile(env) else None
    spec = importlib.util.find_spec("sage_wheels")
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            cand = os.path.join(loc, "bin", "Singular")
            if os.path.isfile(cand):
                return cand
    return shutil.which("Singular")


def _limit(max_memory_mb: int):  # pragma: no cover - runs in the child
    import resource
    cap = max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


#: Why the last Singular run of this process gave no answer ("" after a run that answered): "not installed",
#: "ran out of its N s budget", "ran out of memory" or "failed"; for the rules' messages only.
last_failure = ""

#: stdout of the scripts that answered in this process, by sha256 of binary path and script (at most
#: :data:`MAX_ANSWERS`; the oldest goes first).
_ANSWERS: dict[str, str] = {}
MAX_ANSWERS = 256


def forget() -> None:
    """Empty this process's memory of Singular's answers (:data:`_ANSWERS`)."""
    _ANSWERS.clear()


def _run(exe: str, script: str, timeout: float, max_memory_mb: int | None = None) -> str | None:
    """Singular's stdout for a script, or None when it fails or runs out of time or memory (then
    :data:`last_failure` says which). A script that answered before in this process is not run again."""
    global last_failure
    last_failure = ""
    key = hashlib.sha256(f"{exe}\0{script}".encode()).hexdigest()
    if key in _ANSWERS:
        return _ANSWERS[key]
    memory = MAX_MEMORY_MB if max_memory_mb is None else max_memory_mb
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "check.sing")
        with open(path, "w") as fh:
            fh.write(script)
        try:
            res = subprocess.run([exe, "-q", "--no-rc", path], capture_output=True, text=True, timeout=timeout,
                                 preexec_fn=functools.partial(_limit, memory), start_new_session=True)
        except subprocess.TimeoutExpired:
            last_failure = f"ran out of its {timeout:g} s budget"
            return None
        except OSError:
            last_failure = "failed to start"
            return None
    if res.returncode != 0 or "?" in res.stdout.split("\n", 1)[0]:
        oom = re.search(r"no more memory|out of memory|bad_alloc|allocat", res.stdout + res.stderr, re.I)
        last_failure = f"ran out of its {memory} MB of memory" if oom else "failed"
    else:
        if len(_ANSWERS) >= MAX_ANSWERS:
            del _ANSWERS[next(iter(_ANSWERS))]
        _ANSWERS[key] = res.stdout
    return res.stdout


#: Singular's two Groebner-basis commands, tried in this order with these shares of the budget: ``slimgb``
#: answers in milliseconds on witness systems (a network's residuals plus rational slices) where ``std``
#: runs out of 120 s, and is within 2x of ``std`` on the benchmark systems (benchmarks/README.md).
GROEBNER = (("slimgb", 0.25), ("std", 1.0))


def _groebner_run(exe: str, script_for, timeout: float) -> str | None:
    """``script_for(command)`` run with each command of :data:`GROEBNER` in turn, within ``timeout`` in
    all; the first output that answers (or None, :data:`last_failure` saying why the last one did not)."""
    global last_failure
    deadline = time.monotonic() + timeout
    for cmd, share in GROEBNER:
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        out = _run(exe, script_for(cmd), left * share)
        if out is not None and not last_failure:
            return out
    if "budget" in last_failure:
        last_failure = f"ran out of its {timeout:g} s budget"
    return None


def unavailable() -> str:
    """Why the checker's Singular gave no answer, as a phrase: not installed, out of time or memory, or failed."""
    if _singular() is None:
        return "Singular is not installed for the checker (extra: algebra)"
    return f"the checker's Singular run {last_failure or 'failed'}"


def singular_dimension(H, variables, *, timeout: float = TIMEOUT_S, max_memory_mb: int | None = None) -> tuple | None:
    """(Krull dimension, degree) of V(H) over C (dimension -1 when empty), or None without Singular (or when
    it fails or runs out of time or memory: :data:`last_failure`)."""
    exe = _singular()
    if exe is None:
        return None
    n = len(H[0].context().names()) if H else 0
    names = H[0].context().names()
    ring = f"ring r = 0, ({', '.join(names)}), dp;"
    polys = ",\n".join(str(h) for h in H)
    script = f"{ring}\noption(redSB);\nideal i = {polys};\nideal g = std(i);\n" \
             f"print(\"DIM\"); print(dim(g)); print(\"DEG\"); print(mult(g)); quit;\n"
    out = _run(exe, script, timeout, max_memory_mb)
    if out is None:
        return None
    m = re.search(r"DIM\s+(-?\d+)\s+DEG\s+(-?\d+)", out)
    if not m or n == 0:
        return None
    dim, deg = int(m.group(1)), int(m.group(2))
    return dim, (None if dim < 0 else deg)


def singular_vdim(H, *, timeout: float = TIMEOUT_S, radical: bool = False) -> tuple | None:
    """(dim, vdim) of the ideal of H over Q from a Groebner basis (``slimgb``, else ``std``: :data:`GROEBNER`;
    vdim only when dim == 0, else None),
    or None without Singular (or when it fails or runs out of time).

    ``vdim`` of a zero-dimensional ideal is dim_Q Q[x]/I: the number of complex solutions counted with
    multiplicity. ``dim`` is -1 for the unit ideal (no solutions). With ``radical``, vdim is that of the
    radical (Singular's primdec.lib ``radical`` of the ideal itself): the number of *distinct* solutions.
    """
    exe = _singular()
    if exe is None or not H:
        return None
    names = H[0].context().names()
    ring = f"ring r = 0, ({', '.join(names)}), dp;"
    polys = ",\n".join(str(h) for h in H)
    lib, count = ('LIB "primdec.lib";\n', "std(radical(i))") if radical else ("", "g")
    out = _groebner_run(exe, lambda cmd: f"{lib}{ring}\nideal i = {polys};\nideal g = {cmd}(i);\nint v = -1;\n"
                        f"if (dim(g) == 0) {{ v = vdim({count}); }}\n"
                        f"print(\"DIM\"); print(dim(g)); print(\"VDIM\"); print(v); quit;\n", timeout)
    if out is None:
        return None
    m = re.search(r"DIM\s+(-?\d+)\s+VDIM\s+(-?\d+)", out)
    if not m:
        return None
    dim, vdim = int(m.group(1)), int(m.group(2))
    return dim, (vdim if dim == 0 and vdim >= 0 else None)


def singular_mixed_volume(supports, *, timeout: float = TIMEOUT_S) -> int | None:
    """The mixed volume MV(conv A_1, ..., conv A_n) of n exponent sets in Z^n (lists of tuples of non-negative
    integers), normalised so that MV = n! vol for n equal polytopes (Bernstein's count), from Singular's gfanlib
    (``newtonPolytope`` of a 0/1 polynomial with support A_i, then ``mixedVolumeInternal``); None without
    Singular, or when it fails or runs out of time."""
    exe = _singular()
    n = len(supports)
    if exe is None or n == 0 or any(not A or any(len(a) != n for a in A) for A in supports):
        return None
    names = [f"x{j + 1}" for j in range(n)]

    def monomial(a):
        return "*".join(f"{v}^{int(k)}" for v, k in zip(names, a) if int(k)) or "1"

    polys = ",\n".join("newtonPolytope(" + " + ".join(monomial(a) for a in sorted(set(map(tuple, A)))) + ")"
                       for A in supports)
    script = f'LIB "gfan.lib";\nring r = 0, ({", ".join(names)}), dp;\nlist L = {polys};\n' \
             f'print("MV"); print(mixedVolumeInternal(L)); quit;\n'
    out = _run(exe, script, timeout)
    if out is None:
        return None
    m = re.search(r"MV\s+(\d+)\s*$", out)
    return int(m.group(1)) if m else None
