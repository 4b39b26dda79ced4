"""Rigorous certificates about a network and data: how the replay loop reads them.

The instance is ``{"network", "data", "sha256"}``; the point maps every parameter label to an exact
rational or a ball ``{mid, rad}``; ``prec_bits`` is the Arb precision. The rules come from the caller
(``check.py`` passes Cooper's claims of ``rules.py`` and the algebraic claims of ``algebra/rules.py``).
"""

from __future__ import annotations

import flint

from ..format import (ALGEBRAIC_THEOREMS, CLAIM_SCOPES, REQUIRED_CLAIMS, SOLVE_THEOREMS, FormatError, instance_hash,
                      parse_rational)
from ..replay import Instance, Tier
from .evaluate import Network
from .rules import Context

__all__ = ["NetworkTier", "read_point", "MAX_PREC_BITS"]

MAX_PREC_BITS = 1 << 16


def read_point(obj, labels, prec):
    """{label: {"mid_q", "rad", "mid", "box"}} from the certificate's point, or None when it has none."""
    if obj is None:
        return None   # no point was reached (e.g. a refuted hypothesis); rules that need one say so
    if not isinstance(obj, dict) or set(obj) != labels:
        missing = sorted(labels - set(obj)) if isinstance(obj, dict) else []
        raise FormatError("the point must map every parameter label of the network" +
                          (f" (missing {missing[0]!r})" if missing else ""))
    out = {}
    with flint.ctx.workprec(prec):
        for lab, v in obj.items():
            if isinstance(v, dict):
                if set(v) != {"mid", "rad"}:
                    raise FormatError(f"point[{lab!r}] must be an exact rational or {{mid, rad}}")
                mid, rad = parse_rational(v["mid"]), parse_rational(v["rad"])
                if rad < 0:
                    raise FormatError(f"point[{lab!r}] has a negative radius")
                # A ball containing [mid - rad, mid + rad] (outward rounded).
                box = flint.arb(mid - rad).union(flint.arb(mid + rad))
                out[lab] = {"mid_q": mid, "rad": rad, "mid": flint.arb(mid), "box": box}
            else:
                q = parse_rational(v)
                out[lab] = {"mid_q": q, "rad": None, "mid": flint.arb(q), "box": flint.arb(q)}
    return out


class NetworkTier(Tier):
    """The rigorous theorems about a network and data (Cooper's and the algebraic ones)."""

    name = "network certificates"
    required = {thm: req for thm, req in REQUIRED_CLAIMS.items() if thm not in SOLVE_THEOREMS}
    scopes = CLAIM_SCOPES
    width = 22

    def __init__(self, rules: dict):
        self.rules = rules

    def read(self, cert):
        theorem = cert["theorem"]
        inst = cert["instance"]
        net = Network(inst["network"])
        data = inst["data"]
        if not isinstance(data, dict) or not isinstance(data.get("x"), list) or not isinstance(data.get("y"), list) \
                or not all(isinstance(r, list) for r in data["x"] + data["y"]):
            raise FormatError("instance.data must hold lists of rows 'x' and 'y'")
        X = [[parse_rational(c) for c in row] for row in data["x"]]
        Y = [[parse_rational(c) for c in row] for row in data["y"]]
        if not X or len(X) != len(Y) or any(len(r) != len(net.inputs) for r in X) \
                or any(len(r) != len(net.outputs) for r in Y):
            raise FormatError("data shape does not match the network")
        prec = cert.get("prec_bits")
        if not isinstance(prec, int) or isinstance(prec, bool) or not 32 <= prec <= MAX_PREC_BITS:
            raise FormatError("prec_bits must be an integer between 32 and 65536")
        ctx = Context(net, X, Y, read_point(cert.get("point"), net.labels, prec), prec, theorem)
        h = instance_hash(inst)
        arith = "exact and modular arithmetic" if theorem in ALGEBRAIC_THEOREMS else f"{prec}-bit balls"
        header = f"checking {theorem}: n = {ctx.n}, d = {ctx.d}, l = {ctx.l}, instance sha256 {h[:16]}, {arith}"
        problems = [] if inst.get("sha256") == h else ["instance hash does not match the instance"]
        return Instance(ctx, header, problems)
