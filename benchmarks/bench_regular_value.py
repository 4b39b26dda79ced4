"""cooper-2.1-global: the old route (Nullstellensatz test of V(H), then Lagrange charts lam_k = 1 with Singular
lift) against the new one (the singular-locus ideal (H, maximal minors of J): msolve to route, Singular std,
lift cofactors when cheap), and a bare Singular std of the singular-locus ideal in the same run.

    PYTHONPATH=. python benchmarks/bench_regular_value.py [timeout_s]
    PYTHONPATH=. python benchmarks/bench_regular_value.py --end-to-end [timeout_s]

``--end-to-end`` times what a user gets instead: ``verifier.verify("cooper-2.1-global", ...)`` (routing,
engines, the checker's seal), then ``check_certificate`` as a fresh ``verifier check`` process would run it (the
checker's remembered Singular answers forgotten first), against the bare Singular std of the singular-locus
ideal, and prints the ratio verify / bare.
"""

import math
import random
import sys
import time

from flint import fmpq

from verifier.activations import polynomial, power
from verifier.algebra import engines
from verifier.algebra.polys import compile_polynomials
from verifier.certificate import VERIFIED
from verifier.checker.format import CLAIM_STATEMENTS
from verifier.data import Dataset
from verifier.errors import BudgetExceeded
from verifier.network import liao_poggio_tree, mlp
from verifier.theorems import liao_poggio as lp


def ds(X, Y):
    def q(c):
        return fmpq(*map(int, c.split("/"))) if isinstance(c, str) else fmpq(c)
    return Dataset([[q(c) for c in r] for r in X], [[q(c) for c in r] for r in Y])


def rnd(seed, d, p):
    rng = random.Random(seed)
    return ds([[rng.randint(-5, 5) for _ in range(p)] for _ in range(d)], [[rng.randint(-5, 5)] for _ in range(d)])


def instances():
    out = [
        ("square 2-2-1 t^2 d=8 (8x8)", mlp(2, [2], activation=power(2), output_bias=False), rnd(1, 8, 2)),
        ("1-2-1 t+t^2 d=7 (7x7)", mlp(1, [2], activation=polynomial(["0", "1", "1"])), rnd(2, 7, 1)),
        ("tree t^2 d=8 (8x8)", liao_poggio_tree(activation=power(2)), rnd(3, 8, 4)),
        ("tree t^2 d=3", liao_poggio_tree(activation=power(2)), rnd(4, 3, 4)),
        ("corpus square-unit-d3", mlp(1, [1], activation=power(2)), ds([[1], [2], [3]], [[1], [3], [2]])),
        ("corpus square-unit-d2", mlp(1, [1], activation=power(2)), ds([[1], [2]], [[1], [3]])),
        ("corpus wide-square-d4", mlp(2, [3], activation=power(2)),
         ds([[1, 2], [3, -1], [0, 5], [2, 2]], [[1], [2], [0], [4]])),
    ]
    for s in range(3):
        rng = random.Random(100 + s)
        d = rng.randint(2, 4)
        out.append((f"random 1-1-1 t^2 d={d} #{s}", mlp(1, [1], activation=power(2)), rnd(200 + s, d, 1)))
    out.append(("random 1-2-1 t+t^2 d=4", mlp(1, [2], activation=polynomial(["0", "1", "1"]), bias=False),
                rnd(300, 4, 1)))
    # more than 64 maximal minors (the singular-locus ideal and the charts in turn)
    t2m1, tmt3 = polynomial(["-1", "0", "1"]), polynomial(["0", "1", "0", "-1"])
    out += [("mlp 3-1-3-1 t^2-1 d=3 (120 minors)", mlp(3, [1, 3], activation=t2m1, bias=False, output_bias=True),
             ds([[-2, -1, "3/2"], [-3, -1, 1], [1, -4, 0]], [["2/3"], ["-2/3"], [0]])),
            ("mlp 3-2-1 t^2-1 d=4 (126 minors)", mlp(3, [2], activation=t2m1, bias=False, output_bias=True),
             ds([[1, -2, -2], [-3, -2, -3], [4, 4, 3], ["1/2", -1, -3]], [[1], [3], [-1], ["-4/3"]])),
            ("mlp 2-1-3-1 t-t^3 d=3 (84 minors)", mlp(2, [1, 3], activation=tmt3, bias=False, output_bias=True),
             ds([[0, -2], [-2, -1], [2, -1]], [[-3], ["-4/3"], [1]]))]
    return out


def old_route(net, ps, timeout):
    st = CLAIM_STATEMENTS["regular-value"]
    c = lp._empty_regular_claim(net, ps, st, timeout, 4096)
    if c is None:
        c, chart = lp._regular_claim("regular-value", ps, st, "global", timeout, 4096)
        if c is None:
            return f"singular (chart {chart})"
    return "verified" if c.status == VERIFIED else f"{c.status}"


def new_route(net, ps, timeout):
    c, finding = lp._singular_locus_claim(net, ps, CLAIM_STATEMENTS["regular-value"], timeout, 4096)
    if c is None:
        return finding if finding in ("nonempty", "unavailable") else "inconclusive"
    return "verified (" + ("cofactors" if "cofactors" in c.evidence else "engine") + ")"


def bare(ps, timeout):
    gens, live = lp.singular_locus(ps)
    try:
        d = engines.groebner_dimension([gens[i] for i in live], ps.ctx, timeout=timeout)["dim"]
        return "empty" if d == -1 else f"dim {d}"
    except BudgetExceeded:
        return "timeout"


def timed(fn, *a):
    t = time.perf_counter()
    r = fn(*a)
    return r, time.perf_counter() - t


def end_to_end(timeout):
    import json

    from verifier.checker import check_certificate
    from verifier.checker.algebra import engine as checker_engine
    from verifier.theorems import verify
    print(f"timeout {timeout:g} s; verify = verifier.verify (seal included); check = check_certificate after "
          "forgetting the remembered Singular answers (a fresh process)")
    print("| instance | n x l*d | minors | regular-value | route | verify s | check s | bare std | bare s | "
          "verify/bare |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, net, data in instances():
        ps = compile_polynomials(net, data)
        checker_engine.forget()
        cert, tv = timed(lambda: verify("cooper-2.1-global", data, network=net, timeout=timeout))
        rv = next(c for c in cert.claims if c.id == "regular-value")
        ev = rv.evidence
        route = (f"locus ({'cofactors' if 'cofactors' in ev else 'engine'})" if ev.get("method") == "singular-locus"
                 else "charts" if "charts" in ev else "V(H) empty" if "cofactors" in ev else "-")
        checker_engine.forget()
        rep, tc = timed(lambda: check_certificate(json.loads(json.dumps(cert.to_json()))))
        assert rep.status == cert.status, (name, rep.status, cert.status)
        b, tb = timed(bare, ps, timeout)
        minors = math.comb(ps.n, ps.m) if ps.m <= ps.n else 0
        print(f"| {name} | {ps.n} x {ps.m} | {minors} | {rv.status} | {route} | {tv:.2f} | {tc:.2f} | {b} | {tb:.2f} "
              f"| {tv / tb:.1f} |", flush=True)


def main():
    if "--end-to-end" in sys.argv:
        sys.argv.remove("--end-to-end")
        return end_to_end(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
    timeout = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    print(f"timeout {timeout:g} s per route")
    print("| instance | n x l*d | old route | old s | new route | new s | bare Singular std | bare s | old/new |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, net, data in instances():
        ps = compile_polynomials(net, data)
        try:
            o, to = timed(old_route, net, ps, timeout)
        except Exception as exc:  # noqa: BLE001
            o, to = f"error {type(exc).__name__}", float("nan")
        nw, tn = timed(new_route, net, ps, timeout)
        b, tb = timed(bare, ps, timeout)
        print(f"| {name} | {ps.n} x {ps.m} | {o} | {to:.2f} | {nw} | {tn:.2f} | {b} | {tb:.2f} | {to / tn:.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
