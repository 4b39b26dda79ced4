"""The exact route for zero-dimensional systems: msolve counts and real isolation, torus counts.

* :func:`exact_count`: number of distinct complex solutions (degree of msolve's eliminating
  polynomial, ``-P 1``) and the count with multiplicity (``dim_Q Q[x]/I``);
* :func:`exact_real_solutions`: the real solutions in isolating boxes with rational corners
  (msolve ``-p``);
* :func:`count_in_torus`: the solutions with no zero coordinate, either by msolve on the
  Rabinowitsch system ``{polys, t * x_1 ... x_n - 1}`` (default: its distinct solutions are in
  bijection with those of ``polys`` in ``(C^*)^n``) or by Singular's saturation
  ``I : (x_1 ... x_n)^infinity`` (then ``vdim`` counts them with multiplicity).

Every function takes ``timeout`` (seconds) and ``max_memory_mb`` budgets, raises
:class:`verifier.algebra.engines.EngineMissing` when the engine is not installed and
:class:`verifier.errors.BudgetExceeded` past a budget. msolve computes modulo primes and lifts, so
its answers over Q are correct with high probability, not proofs (see
:mod:`verifier.algebra.engines`); Singular's Groebner bases over Q are exact.
"""

from __future__ import annotations

import time

import flint

from ..algebra import engines
from ..errors import InputError

__all__ = ["complex_solutions", "count_in_torus", "exact_count", "exact_real_solutions", "parametrization_evidence",
           "parametrization_points", "singular_saturation_count"]


def exact_count(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096) -> dict:
    """Complex solution count of a square (or any zero-dimensional) system with msolve.

    Returns ``{"status", "solutions", "multiplicity", "seconds", "engine"}``: ``status`` is
    ``"finite"``, ``"empty"`` or ``"positive-dimensional"`` (then the counts are None);
    ``solutions`` is the number of distinct complex solutions, ``multiplicity`` the number
    counted with multiplicity (equal for a system whose solutions are all nonsingular).
    """
    engines.require("msolve")
    res = engines.msolve_parametrization(list(polys), ctx, timeout=timeout, max_memory_mb=max_memory_mb)
    return {"status": res["status"], "solutions": res["solutions"], "multiplicity": res["multiplicity_degree"],
            "seconds": res["seconds"], "engine": "msolve -P 1"}


def exact_real_solutions(polys, ctx, *, precision: int = 128, timeout: float = 60,
                         max_memory_mb: int = 4096) -> dict:
    """Real solutions of a zero-dimensional system in isolating boxes (msolve real root isolation).

    Returns ``{"status", "count", "boxes", "seconds", "engine"}``; ``boxes`` has one entry per real
    solution: a list (context variable order) of exact ``(lo, hi)`` fmpq pairs about ``precision``
    bits wide. ``count`` is None for a positive-dimensional system.
    """
    engines.require("msolve")
    res = engines.msolve_solve(list(polys), ctx, timeout=timeout, max_memory_mb=max_memory_mb, precision=precision)
    count = len(res["real_boxes"]) if res["status"] != "positive-dimensional" else None
    return {"status": res["status"], "count": count, "boxes": res["real_boxes"], "seconds": res["seconds"],
            "engine": f"msolve -p {precision}"}


def _coordinates(par: dict, n: int):
    """(den, [N_j], [l_j]) in the input's variable order, exact (fmpq_poly, rationals): every solution is
    ``x_j = N_j(t) / den(t)`` at a root t of msolve's eliminating polynomial, and ``sum_j l_j x_j = t``; None
    when the parametrization has an unexpected shape."""
    if par is None or par["nvars"] not in (n, n + 1) or len(par.get("order") or []) != par["nvars"]:
        return None
    order, raw = par["order"], [int(c) for c in par["linear_form"]]
    if len(raw) != par["nvars"] or len(par["params"]) != par["nvars"] - 1:
        return None
    t = flint.fmpq_poly([0, 1])
    den = flint.fmpq_poly([int(c) for c in par["den"]])
    nums = [None] * n
    for j, (v, c) in zip(order, par["params"]):
        nums[j] = flint.fmpq_poly([-int(a) for a in v]) / int(c)
    lf = [flint.fmpq(0)] * n
    if par["nvars"] == n:
        # the last variable in msolve's order is t itself; the linear form (in msolve's order) says so
        if any(c != 0 for c in raw[:-1]) or raw[-1] == 0:
            return None
        nums[order[-1]] = t * den / raw[-1]
        lf[order[-1]] = flint.fmpq(raw[-1])
    else:
        # msolve added the unknown t with sum_j raw_j x_j + raw_n t = 0
        if raw[-1] == 0:
            return None
        for j, c in zip(order[:-1], raw[:-1]):
            lf[j] = flint.fmpq(-c, raw[-1])
    if any(v is None for v in nums):
        return None
    return den, nums, lf


def parametrization_points(par: dict, eliminating, n: int, *, prec: int = 128, max_prec: int = 2048):
    """Approximate complex solutions from msolve's rational parametrization (:func:`complex_solutions`).

    The roots of the eliminating polynomial are isolated by Arb (``fmpz_poly.complex_roots``; a real
    root comes back with an exactly zero imaginary part) and put into ``x_j = N_j(t) / den(t)``
    (:func:`_coordinates`) in ball arithmetic, with the precision doubled (up to ``max_prec`` bits) until every
    coordinate is known to about 2^-40 relative. Returns ``(points, real)``: per root a list of ``n`` acb
    midpoints and whether the root t is real (then every coordinate is real). These are *candidates* only: the
    caller certifies them with Newton and the Krawczyk test, so a wrong parametrization costs boxes,
    never soundness. ``([], [])`` when the parametrization has an unexpected shape."""
    co = _coordinates(par, n)
    if co is None:
        return [], []
    den, nums, _ = co
    w = flint.fmpz_poly([flint.fmpz(c) for c in eliminating])
    p = prec
    while True:
        with flint.ctx.workprec(p):
            roots = [t for t, _mult in w.complex_roots()]
            pts, real, tight = [], [], True
            for t in roots:
                t = flint.acb(t)
                dt = flint.acb_poly(den.coeffs())(t)
                xs = [flint.acb_poly(v.coeffs())(t) / dt for v in nums]
                for x in xs:
                    if not x.is_finite():
                        tight = False
                        break
                    size = max(1.0, abs(complex(float(x.real.mid()), float(x.imag.mid()))))
                    if float(x.rad()) > size * 2.0 ** -40:
                        tight = False
                        break
                pts.append([x.mid() for x in xs])
                real.append(bool(t.imag == 0))
        if tight or p >= max_prec:
            return pts, real
        p *= 2


def parametrization_evidence(par: dict, eliminating, n: int) -> dict | None:
    """msolve's rational parametrization in the checker's exact form (``checker/solve/parametrization.py``):
    ``{"w", "den", "numerators", "linear_form"}`` with ``x_j = N_j(t) / den(t)`` at the roots of ``w`` and
    ``sum_j l_j x_j = t``, coefficients as rational strings; None when the output has an unexpected shape.
    Nothing is checked here: the checker's ``verify_parametrization`` decides whether these points solve the
    system."""
    from ..checker.format import rational_str
    co = _coordinates(par, n)
    if co is None or not eliminating:
        return None
    den, nums, lf = co

    def coeffs(p):
        return [rational_str(c) for c in p.coeffs()] or ["0"]

    return {"w": [str(int(c)) for c in eliminating], "den": coeffs(den), "numerators": [coeffs(v) for v in nums],
            "linear_form": [rational_str(c) for c in lf]}


def complex_solutions(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096, prec: int = 128) -> dict:
    """One msolve run (``-P 1``): the count, msolve's real isolating boxes and approximations of *all*
    complex solutions from its rational parametrization.

    Returns ``{"status", "solutions", "multiplicity", "real_boxes", "points", "points_real", "seconds",
    "seconds_points", "engine"}``; ``points`` (one list of acb midpoints per distinct solution) are
    candidates to certify (:func:`verifier.solver.certify.certify_candidates`), ``points_real`` flags the
    ones from real roots of the eliminating polynomial. msolve over Q is probabilistic; nothing here is
    a claim."""
    engines.require("msolve")
    res = engines.msolve_parametrization(list(polys), ctx, timeout=timeout, max_memory_mb=max_memory_mb)
    out = {"status": res["status"], "solutions": res["solutions"], "multiplicity": res["multiplicity_degree"],
           "real_boxes": res.get("real_boxes", []), "points": [], "points_real": [], "seconds": res["seconds"],
           "seconds_points": 0.0, "engine": "msolve -P 1"}
    if res["status"] == "finite" and res.get("parametrization") is not None:
        out["parametrization"], out["eliminating"] = res["parametrization"], res["eliminating"]
        t0 = time.monotonic()
        out["points"], out["points_real"] = parametrization_points(res["parametrization"], res["eliminating"],
                                                                   ctx.nvars(), prec=prec)
        out["seconds_points"] = time.monotonic() - t0
    return out


def _with_t(polys, ctx):
    """The Rabinowitsch system in a context with one more variable ``t`` (last)."""
    names = tuple(ctx.names())
    tname = "t"
    while tname in names:
        tname += "_"
    big = flint.fmpq_mpoly_ctx.get(names + (tname,), "degrevlex")
    n = ctx.nvars()
    lifted = []
    for p in polys:
        lifted.append(big.from_dict({tuple(int(e) for e in mon) + (0,): c for mon, c in zip(p.monoms(), p.coeffs())}))
    gens = big.gens()
    prod = gens[n]
    for j in range(n):
        prod = prod * gens[j]
    return lifted + [prod - 1], big


def singular_saturation_count(polys, ctx, *, timeout: float = 60, max_memory_mb: int = 4096) -> dict:
    """Singular: ``J = I : (x_1 ... x_n)^infinity`` (``elim.lib`` ``sat``), then ``dim`` and ``vdim``
    of a standard basis of ``J``. Returns ``{"dim", "vdim", "seconds", "engine"}``; ``vdim`` is the
    number of solutions of ``I`` in the torus counted with multiplicity (-1 when not finite)."""
    started = time.monotonic()
    polys = [p for p in polys if not p.is_zero()]
    if not polys:
        raise InputError("singular_saturation_count needs a nonzero polynomial")
    n = ctx.nvars()
    script = (engines._singular_preamble(n, ["elim.lib"]) + engines._singular_ideal("vfI", polys)
              + "poly vfP = " + "*".join(f"x({i})" for i in range(1, n + 1)) + ";\n"
              + "def vfS = sat(vfI, vfP);\n"
              + "ideal vfJ;\n"
              + 'if (typeof(vfS) == "list") { vfJ = vfS[1]; } else { vfJ = vfS; }\n'
              + "vfJ = std(vfJ);\n"
              + '"@@RESULT " + string(dim(vfJ)) + " " + string(vdim(vfJ));\n')
    start = time.monotonic()
    records, version = engines.run_singular(script, timeout=timeout, max_memory_mb=max_memory_mb,
                                            started=started)
    seconds = time.monotonic() - start
    result = [v for k, v in records if k == "RESULT"]
    if len(result) != 1 or len(result[0].split()) != 2:
        raise engines.EngineError("Singular printed no saturation line")
    dim, vdim = (engines._int(v, "number") for v in result[0].split())
    return {"dim": dim, "vdim": vdim, "seconds": seconds, "engine": version}


def count_in_torus(polys, ctx, *, method: str = "msolve", timeout: float = 60, max_memory_mb: int = 4096) -> dict:
    """Number of complex solutions with no zero coordinate (NC* of the deep-linear tables).

    ``method="msolve"``: distinct solutions of ``{polys, t * prod(x) - 1}`` by msolve's
    parametrization (``solutions``; ``multiplicity`` is the count with multiplicity of that system).
    ``method="singular"``: ``vdim`` of the saturation ``I : (prod x)^infinity`` (with multiplicity;
    ``solutions`` is set to it only when the caller knows the solutions are simple; it is reported
    as ``multiplicity`` and ``solutions`` is None). Returns ``{"status", "solutions",
    "multiplicity", "seconds", "engine", "method"}``.
    """
    polys = list(polys)
    if method == "msolve":
        engines.require("msolve")
        big_polys, big = _with_t(polys, ctx)
        res = engines.msolve_parametrization(big_polys, big, timeout=timeout, max_memory_mb=max_memory_mb)
        return {"status": res["status"], "solutions": res["solutions"], "multiplicity": res["multiplicity_degree"],
                "seconds": res["seconds"], "engine": "msolve -P 1", "method": "rabinowitsch"}
    if method == "singular":
        engines.require("Singular")
        res = singular_saturation_count(polys, ctx, timeout=timeout, max_memory_mb=max_memory_mb)
        if res["dim"] == -1:
            status, mult = "empty", 0
        elif res["dim"] == 0:
            status, mult = "finite", res["vdim"]
        else:
            status, mult = "positive-dimensional", None
        return {"status": status, "solutions": 0 if status == "empty" else None, "multiplicity": mult,
                "seconds": res["seconds"], "engine": res["engine"], "method": "saturation"}
    raise InputError(f"count_in_torus: method must be 'msolve' or 'singular', got {method!r}")
