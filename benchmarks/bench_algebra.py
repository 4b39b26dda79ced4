"""Benchmark: the Groebner-based answers on polynomial networks against bare Singular, msolve and sympy.

For each instance (a polynomial network with n <= 12 parameters on d <= 8 points, seeded data) and
each of the three Groebner-based answers

* ``dimension``: ``liao-poggio-dimension`` (``trials=1``), whose ``variety-dimension`` claim is a
  Singular ``std`` basis with ``dim`` and ``mult``;
* ``regular``: ``cooper-2.1-global``, Nullstellensatz cofactors (Singular ``lift``) for each of the
  l*d Lagrange charts ``H = 0, J^T lam = 0, lam_k = 1`` (with zero targets: the first chart is not
  empty, an exact singular point refutes, and the charts are lifted again for perturbed targets);
* ``nullstellensatz``: ``liao-poggio-nullstellensatz`` on data no network of the architecture fits,
  cofactors 1 = sum g_r H_r (Singular ``lift``),

it measures, in this one process:

1. the verifier end to end, in-process (interpreter start-up excluded): ``verifier.verify`` (compile
   the residual polynomials, run the engines, build the certificate), ``Certificate.to_json``, and
   the independent ``verifier.checker.check_certificate`` on the JSON round trip (the JSON parse
   itself is not timed). Wall and CPU seconds (this process plus its reaped children, the engines).
   The engine subprocesses started inside are timed too (wrapping
   ``verifier.algebra.engines.run_engine`` and the checker's ``verifier.checker.algebra.engine`` functions),
   so the Python share of the time is visible;
2. a bare Singular script doing the same computation on the same ideal, written here (not the
   verifier's scripts): ``std`` + ``dim`` + ``mult`` for the dimension; ``lift(I, ideal(1))`` with
   the cofactors printed for the Nullstellensatz; for the regular value the ``std`` of the first
   chart of the original targets when the verifier found it non-empty, then a ``lift`` (printed)
   for every chart of the system the certificate carries cofactors for. One subprocess, wall and CPU
   time; the ratio is verifier total / this time (start-up included: the verifier pays one start-up
   per engine call). Singular's start-up (median of runs of an empty script) is printed, and the JSON
   also has the time net of it (``bare_net_s``), which decides whether an instance needs >= 1 s;
3. sympy's ``groebner`` (QQ, grevlex) on the same ideals (the charts one after the other for the
   regular value) in a forked child process under ``--sympy-timeout`` (capped by
   ``--sympy-timeout-large`` on the large instances, to keep the run short); only the ``groebner`` calls
   are timed (the conversion to sympy is not). sympy computes a Groebner basis only, no cofactors,
   so the ratio understates sympy's cost for the two lift answers;
4. the emptiness question (Nullstellensatz yes/no; for the regular value: is each chart empty?)
   answered by Singular (``std`` and ``dim == -1``, bare script) and by msolve
   (``verifier.algebra.engines.msolve_solve``, status ``empty``), one subprocess per ideal for both
   (the verifier asks one question per run), wall times including start-up, and which engine was
   faster. msolve is probabilistic over Q, so it could screen a question, never certify it.

Goals printed against (not enforced): total under 1 s per answer on the small instances; within 2x
of bare Singular where bare Singular needs >= 1 s; >= 100x faster than sympy where sympy finishes.

    PYTHONPATH=. python benchmarks/bench_algebra.py            # all instances, about 5 minutes
    PYTHONPATH=. python benchmarks/bench_algebra.py --quick    # small instances, sympy 3 s: < 1 minute
    PYTHONPATH=. python benchmarks/bench_algebra.py --only 2-2 --json out.json

Exit status 0 when every answer is conclusive, the checker re-derives every claim's status, the bare
Singular scripts agree with the certificates, and sympy (where it finished) agrees on emptiness;
1 otherwise. Needs Singular and msolve (``pip install -e '.[algebra]'``) and sympy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.append(_ROOT)      # after PYTHONPATH: a verifier given there is the one measured

import flint
from flint import fmpq

import verifier
from verifier import activations as A
from verifier import network as N
from verifier.algebra import engines
from verifier.algebra.polys import compile_polynomials
from verifier.checker import check_certificate
from verifier.data import Dataset
from verifier.errors import BudgetExceeded

THEOREM = {"dimension": "liao-poggio-dimension", "regular": "cooper-2.1-global",
           "nullstellensatz": "liao-poggio-nullstellensatz"}
ANSWER_CLAIM = {"dimension": "variety-dimension", "regular": "regular-value", "nullstellensatz": "infeasible"}
SMALL_TOTAL_S = 1.0       # goal: total per answer on the small instances
SINGULAR_RATIO = 2.0      # goal: verifier / bare Singular where bare Singular needs >= 1 s
SYMPY_RATIO = 100.0       # goal: sympy / verifier where sympy finishes
BIG_SINGULAR_S = 1.0


# --------------------------------------------------------------------------- instances

def _square():
    return A.power(2)


def _cube():
    return A.power(3)


def _quad():
    return A.polynomial(["0", "1", "1/2"])     # t + t^2/2: not homogeneous


@dataclass(frozen=True)
class Instance:
    """One answer on one seeded instance."""

    name: str           # architecture and activation, e.g. "mlp 2-2-1 t^2"
    answer: str         # dimension / regular / nullstellensatz
    size: str           # small / large
    p: int
    widths: tuple
    act: object         # builder of the activation
    d: int
    targets: str        # zero / random / "x" (y = x_1) / "x1^2+x2"
    output_bias: bool = True
    seed: int = 0

    def network(self):
        return N.mlp(self.p, list(self.widths), activation=self.act(), output_bias=self.output_bias)

    def dataset(self) -> Dataset:
        rng = random.Random(1000 * self.seed + 7 * self.d + self.p)
        X, seen = [], set()
        while len(X) < self.d:
            row = tuple(fmpq(rng.randint(-9, 9), rng.randint(1, 3)) for _ in range(self.p))
            if row not in seen:
                seen.add(row)
                X.append(list(row))
        if self.targets == "zero":
            Y = [[fmpq(0)] for _ in X]
        elif self.targets == "random":
            Y = [[fmpq(rng.randint(-9, 9), rng.randint(1, 3))] for _ in X]
        elif self.targets == "x":
            Y = [[x[0]] for x in X]
        elif self.targets == "x1^2+x2":
            Y = [[x[0] ** 2 + x[1]] for x in X]
        else:  # pragma: no cover - the table below uses the names above
            raise ValueError(self.targets)
        return Dataset(X, Y, source=f"bench_algebra {self.targets} targets, seed {self.seed}")

    def label(self) -> str:
        return f"{self.name}, d={self.d}, y={self.targets}"


SQ, CU, P4, QD = ("t^2", _square), ("t^3", _cube), ("t^4", lambda: A.power(4)), ("t+t^2/2", _quad)


def _inst(answer, size, p, widths, act, d, targets, output_bias=True, seed=0):
    arch = "-".join(str(v) for v in (p, *widths, 1)) + ("" if output_bias else " no-out-bias")
    return Instance(f"mlp {arch} {act[0]}", answer, size, p, tuple(widths), act[1], d, targets, output_bias, seed)


def instances(quick: bool) -> list[Instance]:
    """The benchmark's answers. Large ones were picked by experiment so that bare Singular needs >= 1 s."""
    small = [
        # the t^2 unit a (w x + b)^2 + c: quadratics in x whose x^2 coefficient is not 0, so data on a
        # non-constant line (y = x) is infeasible
        _inst("dimension", "small", 1, [1], SQ, 4, "zero"),
        _inst("regular", "small", 1, [1], SQ, 3, "zero"),
        _inst("nullstellensatz", "small", 1, [1], SQ, 3, "x"),
        # width 2, t^2: sums of two squares of affine forms plus c; x1^2 + x2 is a quadric of rank 3
        # whose quadratic part has rank 1, which no such sum equals
        _inst("dimension", "small", 2, [2], SQ, 4, "zero"),
        _inst("regular", "small", 2, [2], SQ, 4, "zero"),
        _inst("nullstellensatz", "small", 2, [2], SQ, 6, "x1^2+x2"),
        _inst("regular", "small", 2, [2], QD, 4, "random"),
        # width 3 without the output bias keeps n = 12; 7 random targets are not the values of a quadratic
        _inst("dimension", "small", 2, [3], SQ, 6, "zero", output_bias=False),
        _inst("regular", "small", 2, [3], SQ, 5, "random", output_bias=False),
        _inst("nullstellensatz", "small", 2, [3], SQ, 7, "random", output_bias=False),
    ]
    large = [
        # t + t^2/2 on mlp(2, [3]): on 5 points the basis takes > 60 s; on 4 points 3 to 15 s by seed
        # (seed 3: about 3 s)
        _inst("dimension", "large", 2, [3], QD, 4, "random", output_bias=False, seed=3),
        _inst("dimension", "large", 2, [2], CU, 7, "zero", seed=1),
        # zero targets: chart 0 is not empty (the zero network is a singular point), then Sard
        _inst("regular", "large", 2, [3], SQ, 5, "zero", output_bias=False),
        _inst("regular", "large", 2, [1], P4, 4, "random"),
        # a (w.x + b)^3 + c spans a 5-dimensional family of cubics: 6 random values do not fit
        _inst("nullstellensatz", "large", 3, [1], CU, 6, "random"),
    ]
    return small if quick else small + large


# --------------------------------------------------------------------------- instrumentation

class EngineClock:
    """Wall time and count of the engine subprocesses started by the verifier and by the checker."""

    def __init__(self):
        self.calls: list[tuple[str, str, float]] = []    # (side, engine, seconds)
        self.side = "verify"
        self._patch()

    def _patch(self):
        original = engines.run_engine

        def timed_run_engine(name, *args, **kwargs):
            t = time.perf_counter()
            try:
                return original(name, *args, **kwargs)
            finally:
                self.calls.append((self.side, name, time.perf_counter() - t))
        engines.run_engine = timed_run_engine
        try:
            from verifier.checker.algebra import engine as check_engine
        except ImportError:   # pragma: no cover - a checker without engine calls
            return
        for attr in dir(check_engine):
            fn = getattr(check_engine, attr)
            if attr.startswith("_") or not callable(fn) or getattr(fn, "__module__", "") != check_engine.__name__:
                continue

            def wrap(fn=fn, attr=attr):
                def timed(*args, **kwargs):
                    t = time.perf_counter()
                    try:
                        return fn(*args, **kwargs)
                    finally:
                        self.calls.append((self.side, f"checker.{attr}", time.perf_counter() - t))
                return timed
            setattr(check_engine, attr, wrap())

    def take(self) -> list:
        out, self.calls = self.calls, []
        return out


def _now() -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process plus its reaped children: the engines)."""
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time() + ch.ru_utime + ch.ru_stime


def _since(t0: tuple[float, float]) -> tuple[float, float]:
    t1 = _now()
    return t1[0] - t0[0], t1[1] - t0[1]


def _sum(calls, side):
    sel = [s for sd, _, s in calls if sd == side]
    return sum(sel), len(sel)


# --------------------------------------------------------------------------- the verifier

def _check_lines(report) -> dict:
    """{claim id: (stored, checked)} from the checker's report lines ('  id  stored  -> checked  msg')."""
    out = {}
    for line in report.lines:
        parts = line.split()
        if len(parts) >= 4 and parts[2] == "->":
            out[parts[0]] = (parts[1], parts[3])
    return out


def run_verifier(inst: Instance, clock: EngineClock, timeout: float) -> dict:
    net, data = inst.network(), inst.dataset()
    opts = {"network": net, "timeout": timeout}
    if inst.answer == "dimension":
        opts["trials"] = 1
    clock.take()
    clock.side = "verify"
    t = time.perf_counter()
    compile_polynomials(net, data)          # timed alone for the breakdown; verify compiles again
    compile_s = time.perf_counter() - t
    t = _now()
    cert = verifier.verify(THEOREM[inst.answer], data, **opts)
    verify_s, verify_cpu = _since(t)
    t = _now()
    doc = cert.to_json()
    json_s, json_cpu = _since(t)
    text = json.dumps(doc)
    doc = json.loads(text)                  # the checker reads what a file would hold (parse not timed)
    clock.side = "check"
    t = _now()
    report = check_certificate(doc)
    check_s, check_cpu = _since(t)
    calls = clock.take()
    lines = _check_lines(report)
    claims = {c["id"]: c for c in doc["claims"]}
    agree = bool(lines) and all(st == ck for st, ck in lines.values()) and report.status == doc["status"]
    answer = claims.get(ANSWER_CLAIM[inst.answer])
    if inst.answer == "regular" and answer is not None and answer["status"] != "verified":
        sard = claims.get("sard-perturbation")
        verdict = f"{answer['status']}; sard {sard['status'] if sard else '-'}"
    else:
        verdict = answer["status"] if answer else "missing"
    if inst.answer == "dimension" and answer is not None and answer["status"] == "verified":
        ev = answer["evidence"]
        verdict = f"dim {ev.get('dimension')}, deg {ev.get('degree')}"
    conclusive = answer is not None and answer["status"] != "inconclusive" and \
        (inst.answer != "regular" or answer["status"] == "verified" or
         (claims.get("sard-perturbation") or {}).get("status") == "verified")
    v_eng, v_n = _sum(calls, "verify")
    c_eng, c_n = _sum(calls, "check")
    return {"doc": doc, "verify_s": verify_s, "compile_s": compile_s, "json_s": json_s, "check_s": check_s,
            "total_s": verify_s + json_s + check_s, "total_cpu": verify_cpu + json_cpu + check_cpu,
            "verify_engine_s": v_eng, "verify_engine_calls": v_n,
            "check_engine_s": c_eng, "check_engine_calls": c_n,
            "engine_calls": [(sd, nm, round(s, 4)) for sd, nm, s in calls],
            "cert_kb": len(text) / 1024, "verdict": verdict, "checker_agrees": agree, "conclusive": conclusive,
            "checker_status": report.status, "claims": {k: v for k, v in lines.items()}}


# --------------------------------------------------------------------------- ideals

def charts(H: list):
    """(ctx, [chart k generators]): H, J^T lam, lam_k - 1 in w0..w{n-1}, l0..l{m-1} (degrevlex)."""
    ctx = H[0].context()
    n, m = ctx.nvars(), len(H)
    names = tuple([f"w{j}" for j in range(n)] + [f"l{r}" for r in range(m)])
    big = flint.fmpq_mpoly_ctx.get(names, "degrevlex")
    pad = (0,) * m
    HB = [big.from_dict({tuple(int(e) for e in mon) + pad: c for mon, c in zip(h.monoms(), h.coeffs())}) for h in H]
    lam = big.gens()[n:]
    grads = []
    for j in range(n):
        g = big.from_dict({})
        for r in range(m):
            g += lam[r] * HB[r].derivative(j)
        grads.append(g)
    return big, [HB + grads + [lam[k] - 1] for k in range(m)]


def answer_ideals(inst: Instance, doc: dict) -> dict:
    """The ideals the verifier worked on: {'H': [...]} plus, for the regular value, the chart lists."""
    net, data = inst.network(), inst.dataset()
    H = compile_polynomials(net, data).H
    out = {"H": H, "probe": None, "lifted": None}
    if inst.answer != "regular":
        return out
    claims = {c["id"]: c for c in doc["claims"]}
    reg = claims.get("regular-value") or {}
    if reg.get("status") == "verified":
        out["lifted"] = charts(H)[1]
        return out
    # Refuted or inconclusive: the verifier found chart 0 non-empty, then lifted the perturbed charts.
    out["probe"] = charts(H)[1][0]
    sard = claims.get("sard-perturbation") or {}
    pert = (sard.get("evidence") or {}).get("perturbation")
    if sard.get("status") == "verified" and pert:
        from verifier.activations import parse_rational
        Y = [[y + parse_rational(e) for y, e in zip(yr, er)] for yr, er in zip(data.Y, pert)]
        Hp = compile_polynomials(net, Dataset(data.X, Y)).H
        out["lifted"] = charts(Hp)[1]
    return out


def _text(polys) -> str:
    return ",\n".join(str(p).replace(" ", "") for p in polys)


# --------------------------------------------------------------------------- bare Singular

def _run_script(binary: str, script: str, timeout: float, cpu: list | None = None) -> tuple[float | None, str]:
    """Wall seconds of one Singular run of ``script`` (None past ``timeout``) and its stdout; the run's
    CPU seconds are appended to ``cpu`` when given."""
    with tempfile.TemporaryDirectory(prefix="bench-algebra-") as folder:
        path = os.path.join(folder, "bench.sing")
        with open(path, "w", encoding="ascii") as fh:
            fh.write(script + "quit;\n")
        t = _now()
        try:
            proc = subprocess.run([binary, "-q", "--no-rc", path], check=False, capture_output=True, text=True,
                                  timeout=timeout, env=dict(os.environ, OMP_NUM_THREADS="1"))
        except subprocess.TimeoutExpired:
            return None, ""
        wall, used = _since(t)
        if cpu is not None:
            cpu.append(used)
        return wall, proc.stdout


def singular_startup(binary: str, runs: int = 15) -> float:
    times = [_run_script(binary, "", 30)[0] for _ in range(runs)]
    return statistics.median(t for t in times if t is not None)


def _ring(nvars: int, names) -> str:
    return f"ring R = 0, ({','.join(names[:nvars])}), dp;\n"


def bare_script(inst: Instance, ideals: dict) -> tuple[str, int]:
    """(Singular script, number of lifts) doing the verifier's engine computation with plain commands."""
    if inst.answer == "regular":
        some = ideals["lifted"] or [ideals["probe"]]
        ctx = some[0][0].context()
        s = _ring(ctx.nvars(), ctx.names())
        if ideals["probe"] is not None:
            s += f"ideal P = {_text(ideals['probe'])};\nideal SP = std(P);\n\"PROBE\"; dim(SP);\n"
        for k, gens in enumerate(ideals["lifted"] or []):
            s += f"ideal C{k} = {_text(gens)};\nmatrix T{k} = lift(C{k}, ideal(1));\nT{k};\nkill T{k};\n"
        return s, len(ideals["lifted"] or [])
    H = ideals["H"]
    ctx = H[0].context()
    s = _ring(ctx.nvars(), ctx.names()) + f"ideal I = {_text(H)};\n"
    if inst.answer == "dimension":
        return s + "ideal G = std(I);\n\"DIM\"; dim(G); mult(G);\n", 0
    return s + "matrix T = lift(I, ideal(1));\nT;\n", 1


def primes_script(ideals: dict) -> str:
    """The dimension answer plus Singular's minimal primes (what the verifier adds for excess dimension)."""
    H = ideals["H"]
    ctx = H[0].context()
    return ('LIB "primdec.lib";\n' + _ring(ctx.nvars(), ctx.names()) + f"ideal I = {_text(H)};\n"
            + "ideal G = std(I);\n\"DIM\"; dim(G); mult(G);\nlist L = minAssGTZ(I);\nsize(L);\n")


def emptiness_script(polys_list) -> str:
    ctx = polys_list[0][0].context()
    s = _ring(ctx.nvars(), ctx.names())
    for k, polys in enumerate(polys_list):
        s += f"ideal E{k} = {_text(polys)};\n\"EMPTY\"; dim(std(E{k}));\n"
    return s


def _after(out: str, key: str) -> list[str]:
    lines = [ln.strip() for ln in out.splitlines()]
    return [lines[i + 1] for i, ln in enumerate(lines[:-1]) if ln == key]


# --------------------------------------------------------------------------- sympy in a child

def _to_terms(polys) -> list:
    return [[(tuple(int(e) for e in mon), int(c.p), int(c.q)) for mon, c in zip(p.monoms(), p.coeffs())]
            for p in polys]


def _sympy_child(conn, systems, nvars):
    import sympy
    from sympy import QQ
    gens = sympy.symbols(f"v0:{nvars}")
    spent, results = 0.0, []
    try:
        for terms in systems:
            polys = [sympy.Poly.from_dict({m: QQ(a, b) for m, a, b in t}, *gens, domain=QQ) for t in terms]
            t = time.perf_counter()
            G = sympy.groebner(polys, *gens, order="grevlex", domain=QQ)
            spent += time.perf_counter() - t
            results.append(len(G.exprs) == 1 and G.exprs[0] == 1)
            conn.send(("partial", spent, len(results)))
    except Exception as exc:  # noqa: BLE001 - any sympy failure is reported, not hidden behind a timeout
        conn.send(("error", f"{type(exc).__name__}: {str(exc)[:120]}"))
    else:
        conn.send(("done", spent, results))
    conn.close()


def run_sympy(systems: list, timeout: float) -> dict:
    """sympy.groebner on each system in turn, in a forked child; {'seconds' or None, 'unit': [bool]}."""
    if timeout <= 0:
        return {"seconds": None, "unit": None, "done": 0, "of": len(systems), "skipped": True, "error": None}
    nvars = systems[0][0].context().nvars()
    payload = [_to_terms(s) for s in systems]
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_sympy_child, args=(child, payload, nvars), daemon=True)
    proc.start()
    child.close()
    deadline = time.monotonic() + timeout + 5          # conversion time is not charged to sympy
    done, result, error = 0, None, None
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not parent.poll(left):
            break
        try:
            msg = parent.recv()
        except EOFError:
            break
        if msg[0] == "partial":
            done = msg[2]
            if msg[1] > timeout:
                break
        elif msg[0] == "error":
            error = msg[1]
            break
        else:
            result = msg
            break
    if proc.is_alive():
        proc.kill()
    proc.join()
    if result is None or result[1] > timeout:
        return {"seconds": None, "unit": None, "done": done, "of": len(systems), "skipped": False, "error": error}
    return {"seconds": result[1], "unit": result[2], "done": len(systems), "of": len(systems), "skipped": False,
            "error": None}


# --------------------------------------------------------------------------- msolve

def run_msolve_emptiness(polys_list, timeout: float) -> dict:
    """msolve's status for each ideal and the wall seconds of each ``msolve_solve`` call (None past timeout)."""
    statuses, each = [], []
    for polys in polys_list:
        ctx = polys[0].context()
        t = time.perf_counter()
        try:
            res = engines.msolve_solve(polys, ctx, timeout=timeout)
        except BudgetExceeded:
            return {"seconds": None, "statuses": statuses}
        each.append(time.perf_counter() - t)
        statuses.append(res["status"])
    return {"seconds": each, "statuses": statuses}


def msolve_startup(runs: int = 7) -> float:
    ctx = flint.fmpq_mpoly_ctx.get(("a", "b"), "degrevlex")
    a, b = ctx.gens()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        engines.msolve_solve([a - 1, b - 2], ctx, timeout=30)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


# --------------------------------------------------------------------------- one row

def _median_run(inst, clock, timeout, repeat):
    runs = [run_verifier(inst, clock, timeout)]
    if runs[0]["total_s"] < 1.0:
        runs += [run_verifier(inst, clock, timeout) for _ in range(repeat - 1)]
    runs.sort(key=lambda r: r["total_s"])
    return runs[len(runs) // 2]


def run_row(inst: Instance, args, clock: EngineClock, singular: str, startup: float, log) -> dict:
    log(f"{inst.label()}: {inst.answer}: verifier ...")
    ver = _median_run(inst, clock, args.timeout, args.repeat)
    ideals = answer_ideals(inst, ver["doc"])
    row = {"instance": inst.label(), "answer": inst.answer, "size": inst.size,
           "n": inst.network().n, "d": inst.d, **{k: v for k, v in ver.items() if k != "doc"}}

    # bare Singular
    log(f"{inst.label()}: {inst.answer}: bare Singular ...")
    script, lifts = bare_script(inst, ideals)
    reps, cpus = 1, []
    bare, out = _run_script(singular, script, args.singular_timeout, cpus)
    if bare is not None and bare < 1.0:
        more = [_run_script(singular, script, args.singular_timeout, cpus)[0] for _ in range(args.repeat - 1)]
        bare = statistics.median([bare, *[t for t in more if t is not None]])
        reps = args.repeat
    row.update({"bare_s": bare, "bare_net_s": None if bare is None else max(bare - startup, 1e-4),
                "bare_cpu": statistics.median(cpus) if cpus else None, "bare_runs": reps, "bare_lifts": lifts})
    # Singular reports errors on lines starting with '?' and carries on.
    ok_bare = bare is not None and not any(ln.lstrip().startswith("?") for ln in out.splitlines())
    if inst.answer == "dimension" and bare is not None:
        vals = out.split("DIM", 1)[1].split() if "DIM" in out else []
        row["bare_answer"] = f"dim {vals[0]}, deg {vals[1]}" if len(vals) >= 2 else "?"
        # dimension and degree must both match (an empty variety has no degree in the certificate)
        ok_bare = ok_bare and len(vals) >= 2 and (row["verdict"] == row["bare_answer"] or
                                                  (vals[0] == "-1" and row["verdict"].startswith("dim -1,")))
    elif bare is not None:
        row["bare_answer"] = f"{lifts} lift(s)" + (", probe dim " + _after(out, "PROBE")[0]
                                                   if _after(out, "PROBE") else "")
        ok_bare = ok_bare and out.count("[1,1]=") >= lifts
    row["bare_agrees"] = ok_bare
    if inst.answer == "dimension" and "excess_components" in json.dumps(ver["doc"]):
        t, _ = _run_script(singular, primes_script(ideals), args.singular_timeout)
        row["bare_primes_s"] = None if t is None else max(t - startup, 1e-4)

    # emptiness: Singular std vs msolve
    if inst.answer in ("nullstellensatz", "regular"):
        polys_list = [ideals["H"]] if inst.answer == "nullstellensatz" else \
            ([ideals["probe"]] if ideals["probe"] is not None else []) + list(ideals["lifted"] or [])
        log(f"{inst.label()}: {inst.answer}: emptiness, Singular and msolve ...")
        sing_s, sing_empty = [], []
        for polys in polys_list:        # one run per ideal, as the verifier asks one question per run
            t, out = _run_script(singular, emptiness_script([polys]), args.singular_timeout)
            sing_s.append(t)
            sing_empty.append(_after(out, "EMPTY") == ["-1"])
        ms = run_msolve_emptiness(polys_list, args.singular_timeout)
        ms_empty = [st == "empty" for st in ms["statuses"]]
        s_tot = None if None in sing_s else sum(sing_s)
        m_tot = None if ms["seconds"] is None else sum(ms["seconds"])
        row["emptiness"] = {"systems": len(polys_list), "singular_s": s_tot, "msolve_s": m_tot,
                            "singular_each_s": sing_s, "msolve_each_s": ms["seconds"],
                            "singular_empty": sum(sing_empty), "msolve_empty": sum(ms_empty),
                            "first_is_probe": ideals["probe"] is not None,
                            "agree": sing_empty == ms_empty,
                            "faster": None if s_tot is None or m_tot is None else
                            ("msolve" if m_tot < s_tot else "Singular")}

    # sympy
    systems = [ideals["H"]] if inst.answer != "regular" else \
        ([ideals["probe"]] if ideals["probe"] is not None else []) + list(ideals["lifted"] or [])
    limit = args.sympy_timeout if inst.size == "small" else min(args.sympy_timeout, args.sympy_timeout_large)
    log(f"{inst.label()}: {inst.answer}: sympy groebner ({len(systems)} ideal(s), timeout {limit:g} s) ...")
    sp = run_sympy(systems, limit)
    sp["timeout"] = limit
    row["sympy"] = sp
    if sp["unit"] is not None:
        want = [True] * len(systems)
        if inst.answer == "regular" and ideals["probe"] is not None:
            want[0] = False
        if inst.answer == "dimension":
            want = [row["verdict"].startswith("dim -1")]
        row["sympy_agrees"] = sp["unit"] == want
    return row


# --------------------------------------------------------------------------- report

def _fmt(x, digits=2):
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 0.1:
        return f"{x:.{digits}f}"
    return f"{x:.3f}"


def ratios(row) -> tuple:
    """(wall, cpu) of verifier total / bare Singular (one run, start-up included); None where not measured."""
    wall = None if row.get("bare_s") is None else row["total_s"] / row["bare_s"]
    cpu = None if not row.get("bare_cpu") else row["total_cpu"] / row["bare_cpu"]
    return wall, cpu


def goals(row) -> list[str]:
    out = []
    if row["size"] == "small":
        out.append(f"<1 s: {'met' if row['total_s'] < SMALL_TOTAL_S else 'MISSED'}")
    if row.get("bare_net_s") is not None and row["bare_net_s"] >= BIG_SINGULAR_S:
        out.append(f"<=2x Sing: {'met' if ratios(row)[0] <= SINGULAR_RATIO else 'MISSED'}")
    sp = row["sympy"]
    if sp["seconds"] is not None:
        out.append(f">=100x sympy: {'met' if sp['seconds'] / row['total_s'] >= SYMPY_RATIO else 'MISSED'}")
    return out


def machine(singular: str, msolve: str) -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        usable = None
    import sympy
    version = "?"
    try:
        raw = subprocess.run([singular, "-q", "--no-rc", "-c", 'string(system("version")); quit;'],
                                 check=False, capture_output=True, text=True, timeout=30).stdout.strip()
        if raw.isdigit():
            v = int(raw)
            version = f"{v // 10000}.{v // 1000 % 10}.{v // 100 % 10} ({raw})"
    except (OSError, subprocess.SubprocessError):
        pass
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "platform": platform.platform(), "cpu_model": model or platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "cpus_usable": usable, "python": platform.python_version(),
            "python-flint": flint.__version__, "sympy": sympy.__version__, "singular": singular,
            "singular_version": version, "msolve": msolve, "verifier": verifier.__version__,
            "verifier_path": os.path.dirname(os.path.abspath(verifier.__file__)), "verifier_commit": _commit(),
            "load": _load()}


def _load():
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover
        return None


def _commit() -> str:
    pkg = os.path.dirname(os.path.abspath(verifier.__file__))
    try:
        head = subprocess.run(["git", "-C", pkg, "rev-parse", "--short", "HEAD"], check=False,
                              capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return "unknown (not a git checkout)"
        dirty = subprocess.run(["git", "-C", pkg, "status", "--porcelain", "--", "."], check=False,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def print_report(info, rows, args, out=sys.stdout):
    w = out.write
    w("Groebner-based answers on polynomial networks: verifier vs bare Singular vs sympy\n")
    w(f"date: {info['date']}\n")
    w(f"machine: {info['cpu_model']}, {info['platform']}, {info['cpu_count']} CPUs ({info['cpus_usable']} usable), "
      f"Python {info['python']}, load {_fmt(info['load'])} at start\n")
    w(f"python-flint {info['python-flint']}, sympy {info['sympy']}, Singular {info['singular_version']}, "
      f"msolve at {info['msolve']}\n")
    w(f"verifier {info['verifier']} at {info['verifier_path']} (commit {info['verifier_commit']})\n")
    w(f"Singular start-up {info['singular_startup_s'] * 1000:.1f} ms (median of empty scripts; included in "
      f"'Sing s', subtracted in the JSON's bare_net_s); msolve start-up through msolve_solve {info['msolve_startup_s'] * 1000:.1f} ms\n")
    w(f"sympy timeout {args.sympy_timeout:g} s (large instances {min(args.sympy_timeout, args.sympy_timeout_large):g} s); engine budget {args.timeout:g} s; runs under 1 s are medians of "
      f"{args.repeat}\n\n")
    hdr = (f"{'instance':<40} {'answer':<8} {'n':>2} {'d':>1}  {'verdict':<22} {'verify':>6} {'check':>6} "
           f"{'total':>6} {'(cpu)':>6} {'in eng':>6}  {'Sing s':>6} {'(cpu)':>6} {'ver/Sing':>8} {'(cpu)':>5}  "
           f"{'sympy s':>7} {'sympy/ver':>9}  goals")
    w(hdr + "\n" + "-" * len(hdr) + "\n")
    for r in rows:
        rw, rc = ratios(r)
        sp = r["sympy"]
        if sp["seconds"] is not None:
            sps, spr = _fmt(sp["seconds"]), f"{sp['seconds'] / r['total_s']:.0f}"
        elif sp.get("skipped"):
            sps, spr = "not run", "-"
        elif sp.get("error"):
            sps, spr = "error", "-"
        else:
            sps, spr = f"> {sp['timeout']:g}", f"> {sp['timeout'] / r['total_s']:.0f}"
        eng = r["verify_engine_s"] + r["check_engine_s"]
        w(f"{r['instance'][:40]:<40} {r['answer'][:8]:<8} {r['n']:>2} {r['d']:>1}  {r['verdict'][:22]:<22} "
          f"{_fmt(r['verify_s']):>6} {_fmt(r['check_s']):>6} {_fmt(r['total_s']):>6} {_fmt(r['total_cpu']):>6} "
          f"{_fmt(eng):>6}  {_fmt(r.get('bare_s')):>6} {_fmt(r.get('bare_cpu')):>6} "
          f"{'-' if rw is None else f'{rw:.1f}':>8} {'-' if rc is None else f'{rc:.1f}':>5}  {sps:>7} {spr:>9}  "
          f"{'; '.join(goals(r))}\n")
    w("\nverify = verifier.verify (compile, engines, certificate); check = check_certificate; total = verify + "
      "to_json + check; (cpu) = CPU seconds of\nthis process and its engine subprocesses; 'in eng' = wall time "
      "inside engine subprocesses (verifier and checker); Sing s = one bare Singular\nscript, start-up included "
      "(net of start-up in the JSON); ver/Sing = total / Sing s; sympy = sympy.groebner only (no cofactors),\n"
      "'> T' = did not finish in T s; goal '<=2x Sing' applies where Sing s minus start-up >= 1 s\n")
    emp = [r for r in rows if "emptiness" in r]
    if emp:
        w("\nemptiness (is 1 in the ideal?): one subprocess per ideal, wall seconds with start-up, summed; for the "
          "regular value the\nideals are the charts, 'probe' the first chart of the zero targets (not empty), then "
          "the charts the certificate lifts\n")
        h2 = (f"{'instance':<40} {'answer':<8} {'ideals':>6} {'empty':>5}  {'Singular s':>10} {'msolve s':>8}  "
              f"{'faster':<8}  probe: Singular / msolve s")
        w(h2 + "\n" + "-" * len(h2) + "\n")
        for r in emp:
            e = r["emptiness"]
            probe = "-"
            if e["first_is_probe"] and e["singular_each_s"] and e["msolve_each_s"]:
                probe = f"{_fmt(e['singular_each_s'][0])} / {_fmt(e['msolve_each_s'][0])}"
            w(f"{r['instance'][:40]:<40} {r['answer'][:8]:<8} {e['systems']:>6} {e['singular_empty']:>5}  "
              f"{_fmt(e['singular_s']):>10} {_fmt(e['msolve_s']):>8}  {e['faster'] or '-':<8}  {probe}"
              f"{'' if e['agree'] else '  (ENGINES DISAGREE)'}\n")
    w("\nbreakdown (s): compile / verify engine (calls) / verify Python / to_json / check engine (calls) / check "
      "Python; certificate size\n")
    for r in rows:
        vpy = r["verify_s"] - r["verify_engine_s"]
        cpy = r["check_s"] - r["check_engine_s"]
        extra = ""
        if r.get("bare_primes_s") is not None:
            extra = f"; bare Singular std+dim+mult+minAssGTZ {_fmt(r['bare_primes_s'])} s"
        if r["sympy"]["seconds"] is not None and r.get("bare_s"):
            extra += f"; sympy / bare Singular {r['sympy']['seconds'] / r['bare_s']:.1f}"
        w(f"  {r['instance']} {r['answer']}: {_fmt(r['compile_s'])} / {_fmt(r['verify_engine_s'])} "
          f"({r['verify_engine_calls']}) / {_fmt(vpy)} / {_fmt(r['json_s'])} / {_fmt(r['check_engine_s'])} "
          f"({r['check_engine_calls']}) / {_fmt(cpy)}; {r['cert_kb']:.0f} KB{extra}\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small instances only, sympy timeout 3 s (< 1 minute)")
    ap.add_argument("--only", default=None, help="run the rows whose label or answer contains this text")
    ap.add_argument("--sympy-timeout", type=float, default=None,
                    help="seconds for sympy per answer (default 60, --quick 3; 0: do not run sympy)")
    ap.add_argument("--sympy-timeout-large", type=float, default=20.0,
                    help="cap on sympy's seconds for the large instances (default 20; in a test with 120 s "
                         "it finished only the t^4 charts, in about 10 s)")
    ap.add_argument("--timeout", type=float, default=300.0, help="the verifier's engine budget (s)")
    ap.add_argument("--singular-timeout", type=float, default=300.0, help="budget of each bare engine run (s)")
    ap.add_argument("--repeat", type=int, default=3, help="runs (median) of answers that take under 1 s")
    ap.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                    help="write all numbers as JSON to FILE ('--json' alone: print JSON instead of the table)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = ap.parse_args(argv)
    if args.sympy_timeout is None:
        args.sympy_timeout = 3.0 if args.quick else 60.0
    args.repeat = max(1, args.repeat)

    def log(msg):
        if not args.quiet:
            print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    singular, msolve = engines.singular_path(), engines.msolve_path()
    if singular is None or msolve is None:
        print("bench_algebra needs Singular and msolve: pip install -e '.[algebra]'", file=sys.stderr)
        return 2
    clock = EngineClock()
    info = machine(singular, msolve)
    info["singular_startup_s"] = singular_startup(singular)
    info["msolve_startup_s"] = msolve_startup()
    todo = [i for i in instances(args.quick)
            if args.only is None or args.only in i.label() or args.only == i.answer]
    t0 = time.perf_counter()
    rows = []
    for inst in todo:
        rows.append(run_row(inst, args, clock, singular, info["singular_startup_s"], log))
    info["wall_s"] = time.perf_counter() - t0
    info["load_end"] = _load()
    if args.json != "-":
        print_report(info, rows, args)
        print(f"\nwall time of the run: {info['wall_s']:.0f} s; load {_fmt(info['load_end'])} at the end")
    if args.json is not None:
        text = json.dumps({"machine": info, "args": vars(args), "rows": rows}, indent=1, default=str)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
    bad = [r for r in rows if not (r["conclusive"] and r["checker_agrees"] and r.get("bare_agrees", False)
                                   and r.get("sympy_agrees", True) and not r["sympy"].get("error")
                                   and (r.get("emptiness") or {}).get("agree", True))]
    for r in bad:
        print(f"FAILED: {r['instance']} {r['answer']}: conclusive {r['conclusive']}, checker agrees "
              f"{r['checker_agrees']}, bare Singular agrees {r.get('bare_agrees')}, sympy agrees "
              f"{r.get('sympy_agrees', '-')}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
