"""Rigorous certificates about a network and data: how the replay loop reads them.

The instance is ``{"network", "data", "sha256"}``; the point maps every parameter label to an exact
rational or a ball ``{mid, rad}``; ``prec_bits`` is the Arb precision. The rules come from the caller
(``check.py`` passes Cooper's claims of ``rules.py`` and the algebraic claims of ``algebra/rules.py``).
"""

from __future__ import annotations

import flint

from ..format import (ALGEBRAIC_CLAIMS, ALGEBRAIC_THEOREMS, CLAIM_SCOPES, COOPER_STATEMENTS, HYPOTHESIS_CLAIMS,
                      PATH_CLAIMS, REQUIRED_CLAIMS, SOLVE_THEOREMS, FormatError, cooper_message, cooper_statement, instance_hash, parse_rational)
from ..replay import Instance, Tier
from .evaluate import Network
from .rules import Context, last_hidden

# The evidence fields each of Cooper's claims may carry: every one is re-derived or checked by its rule (or, for
# an inconclusive claim, only explains it); anything else would be words nobody checked.
EVIDENCE_KEYS = {
    "distinct-inputs": {"duplicate_indices", "rows"},
    "activation-rectified": {"activations"}, "activation-smooth": {"activations"},
    "overparameterized": {"n", "equations"}, "hidden-width": {"width", "d"},
    "construction": {"columns", "rows"},
    "zero": {"unknowns", "blocks", "radius", "prec_bits", "given_point", "distance_bound", "max_distance",
             "max_residual_f64"},
    "rank-J": {"rank", "sigma_min_lower"}, "manifold": {"dimension"},
    "hessian-signature": {"positive", "zero", "min_positive_lower", "spectrum", "spectrum_zeros"},
    "path": {"prec_bits", "start", "end", "legs", "max_distance", "start_distance", "end_distance", "stopped_at",
             "start_box", "end_box"},
    "segment-loss": {"t", "lower", "upper", "barrier_lower"},
    "separated": {"variables", "coordinate", "cofactors", "engine", "start_value", "end_value", "max_distance"},
}
# What an algebraic certificate's summary says of its arithmetic.
EXACT_ARITHMETIC = "exact over Q and modulo primes"

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
        if data.get("format") != "verifier-dataset" or type(data.get("version")) is not int or data["version"] != 1 \
                or data.get("p") != len(net.inputs) or data.get("l") != len(net.outputs) \
                or type(data.get("p")) is not int or type(data.get("l")) is not int \
                or set(data) != {"format", "version", "p", "l", "x", "y"}:
            raise FormatError("instance.data must be a verifier-dataset version 1 with exactly format, version, p, l, "
                              "x, y, and p and l the data's shape")
        prec = cert.get("prec_bits")
        if not isinstance(prec, int) or isinstance(prec, bool) or not 32 <= prec <= MAX_PREC_BITS:
            raise FormatError("prec_bits must be an integer between 32 and 65536")
        ctx = Context(net, X, Y, read_point(cert.get("point"), net.labels, prec), prec, theorem)
        h = instance_hash(inst)
        arith = "exact and modular arithmetic" if theorem in ALGEBRAIC_THEOREMS else f"{prec}-bit balls"
        header = f"checking {theorem}: n = {ctx.n}, d = {ctx.d}, l = {ctx.l}, instance sha256 {h[:16]}, {arith}"
        problems = [] if inst.get("sha256") == h else ["instance hash does not match the instance"]
        return Instance(ctx, header, problems)

    def problems(self, cert, instance):
        """The summary a report shows must be the instance's; Cooper's claims carry only checked evidence."""
        ctx = instance.context
        out = []
        names = ", ".join(sorted({a.name for a in ctx.net.acts}))
        net_name = cert["instance"]["network"].get("name", "network")
        want = {"network": f"{net_name}, {names}", "n": ctx.n, "d": ctx.d, "l": ctx.l, "p": len(ctx.net.inputs)}
        if cert["theorem"] in ALGEBRAIC_THEOREMS:
            want["arithmetic"] = EXACT_ARITHMETIC
        if cert.get("summary") != want:
            out.append(f"the summary must state exactly the instance: {want}")
        for claim in cert.get("claims") or []:
            cid = claim.get("id") if isinstance(claim, dict) else None
            ev = claim.get("evidence") if isinstance(claim, dict) else None
            if cid in EVIDENCE_KEYS and (not isinstance(ev, dict) or set(ev) - EVIDENCE_KEYS[cid]):
                extra = sorted(set(ev) - EVIDENCE_KEYS[cid]) if isinstance(ev, dict) else ["(not an object)"]
                out.append(f"claim {cid} carries evidence the checker does not check: {', '.join(extra)}")
        return out

    def texts(self, cid, status, ctx, claim, message):
        """Cooper's claims: the statement with the instance's numbers; the message of a verified claim or a
        failed hypothesis, rendered from the facts re-derived here and the evidence the rule verified."""
        if cid in ALGEBRAIC_CLAIMS or cid in PATH_CLAIMS:   # a verified claim says what the rule found
            return self.statements.get(cid), (message if status == "verified" else None)
        if cid not in COOPER_STATEMENTS:
            return super().texts(cid, status, ctx, claim, message)
        statement = cooper_statement(cid, ctx.n, ctx.m)
        if status != "verified" and not (status == "refuted" and cid in HYPOTHESIS_CLAIMS):
            return statement, None
        ev = claim.get("evidence") or {}
        facts = {"activations": sorted({a.name for a in ctx.net.acts}), "width": len(last_hidden(ctx)),
                 "rows": ev.get("rows"), "radius": ev.get("radius"), "distance": ev.get("distance_bound")}
        try:
            if cid == "rank-J":
                facts["sigma"] = parse_rational(ev.get("sigma_min_lower"))
            if cid == "hessian-signature":
                facts["lam"] = parse_rational(ev.get("min_positive_lower"))
        except FormatError:
            return statement, None          # the rule has already said why it cannot verify the claim
        return statement, cooper_message(cid, status, n=ctx.n, m=ctx.m, d=ctx.d, **facts)
