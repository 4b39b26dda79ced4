r"""Certificates of the floating-point tier (the torch backend): how the replay loop reads them.

Such a certificate describes a layered MLP (``dense.py``) or a Conv1d network (``conv.py``) by a
model document and stores the inputs, targets and weights as float64 arrays in an ``.npz`` beside it
(its sha256 is in the instance). The tier recomputes, with numpy and without the solver or torch:

* the residual H at the stored weights, and K = J J^T by the structured layer
  formula K = sum_k (D_k D_k^T) * (A_{k-1} A_{k-1}^T + 1) with the entrywise
  a-priori bound on its forming error (the same mathematics as the solver, written
  again here);
* ``rank-J-float``: Rump's positive-definiteness test (BIT 46, 2006) of K at the
  stored lower bound sigma: floating-point Cholesky of fl_down(K - sigma I - c I)
  with c its own shift, computed exactly in rationals;
* ``zero-float``: the Newton-Kantorovich condition h <= 1/2 with its own
  ||H||, lambda bounds and Lipschitz constant of J (layered MLPs of any depth:
  the bound of :mod:`verifier.torch_backend.verify`, recomputed here from the
  arrays; the stated spectral-norm bounds of the hidden-to-hidden weight
  matrices are accepted only above its own cheap bound or proven by its own
  Rump test of t^2 I - W W^T);
* ``manifold-float``, ``hessian-signature-float``: the consequences, with the
  stored bounds implied by its own (the rules are in ``rules.py``, the numerics in ``numerics.py``).

Trusted base of this tier (stated in the certificate's ``assumptions``): IEEE
binary64, numpy/LAPACK products and Cholesky satisfying the standard error
model, and the float64 forward/backward values (their rounding is not enclosed).
"""


from __future__ import annotations

import hashlib
import io
import os
import re

import numpy as np

from ..format import FLOAT_TIER, FormatError, sha256
from ..replay import Instance, Tier
from .conv import ConvNet, read_conv_model
from .dense import DenseNet, gram_roundings, read_model
from .rules import FLOAT_RULES, gram

__all__ = ["TIER", "REQUIRED_FLOAT_CLAIMS", "FLOAT_SCOPES", "ASSUMPTIONS_COMMON", "CONV_ASSUMPTION", "FloatTier",
           "load_arrays", "FLOAT_EVIDENCE_KEYS", "FLOAT_EXPLANATION_KEYS", "model_description"]

TIER = FLOAT_TIER
REQUIRED_FLOAT_CLAIMS = {
    "cooper-2.1": ("distinct-inputs", "activation-smooth", "overparameterized", "rank-J-float", "zero-float",
                   "manifold-float"),
    "cooper-2.3": ("distinct-inputs", "activation-smooth", "overparameterized", "rank-J-float", "zero-float",
                   "manifold-float", "hessian-signature-float"),
    # a chain of float64 points on M, one contraction test per segment (path.py)
    "cooper-connected": ("activation-smooth", "overparameterized", "path"),
}
FLOAT_SCOPES = {"distinct-inputs": "instance", "activation-smooth": "instance", "overparameterized": "instance",
                "rank-J-float": "local", "zero-float": "local", "manifold-float": "local",
                "hessian-signature-float": "local", "path": "global"}
# Sentences every certificate of the tier must state verbatim (the solver imports them from here).
ASSUMPTIONS_COMMON = [
    "every number of the instance is the float64 value stored in the arrays file (inputs, targets, weights)",
    "the forward pass and the layer derivatives D_k, A_(k-1) are the float64 values computed by the checker; their "
    "own rounding errors (and those of exp, log, tanh) are NOT covered: the tier is floating-point with error bounds, "
    "not rigorous",
]
CONV_ASSUMPTION = (
    "Conv1d layers share their weights: K_true adds J_conv J_conv^T, with J_conv the computed per-sample Jacobian "
    "of the outputs with respect to the conv parameters (a factor like D_k and A_(k-1): its own rounding is NOT "
    "covered); forming the product errs entrywise by <= gamma_m |J_conv||J_conv|^T")
# The sentences the Gram PD proof states (torch_backend.core.certify_gram_pd writes them from here); a
# certificate's assumptions must be exactly the common ones, the Conv1d one where it applies and these.
PD_ASSUMPTIONS = (
    "IEEE 754 binary64 arithmetic with rounding to nearest, no overflow; underflow is covered by the eta terms",
    "BLAS/LAPACK use conventional (non-Strassen) products: every computed dot product of length k satisfies "
    "|fl(x.y) - x.y| <= gamma_k |x|.|y|, gamma_k = k u/(1 - k u), u = 2^-53 (any summation order and FMA allowed)",
    "the Cholesky test (torch.linalg.cholesky_ex -> LAPACK potrf) satisfies the standard backward error bound used "
    "by Rump, BIT 46 (2006) 433-452 (the bound in INTLAB isspd)",
)
PD_SYMMETRIC = "K was not exactly symmetric; its symmetric part was certified"
PD_FORMING = ("K_true is the exact sum_k (D_k D_k^T) * (A_{{k-1}} A_{{k-1}}^T + 1) of the computed factors D_k, "
              "A_(k-1); forming it in floats errs entrywise by <= gamma_m |D||D|^T*(|A||A|^T+1), m = {m} roundings "
              "per term, bounded with a safety factor of 2 for the rounding of that bound itself; rounding errors "
              "of the factors (forward/backward pass, exp/log) are NOT covered")
PD_ENTRY = "|K - K_true| <= entry_error entrywise (supplied by the caller); row sums taken with a safety factor of 2"
PD_EXACT = "K_true is the floating-point matrix K itself (no forming error)"

# The evidence each claim may carry: every field is checked by its rule or by ``FloatTier.problems``.
FLOAT_EVIDENCE_KEYS = {
    "distinct-inputs": {"duplicate_indices"}, "activation-smooth": {"activations"},
    "overparameterized": {"n", "equations"},
    "rank-J-float": {"lambda_min_lower", "assumptions"},
    "zero-float": {"radius", "gamma_J", "h", "spectral_norm_upper"},
    "manifold-float": {"dimension"},
    "hessian-signature-float": {"positive", "zero", "min_positive_lower", "top_eigenvalues_2K"},
    "path": {"segments", "start_distance", "end_distance", "max_distance"},
}
# An inconclusive claim claims nothing; its evidence may also say what was computed on the way to the failure
# (a report shows it as the explanation of an inconclusive claim, never as a result).
FLOAT_EXPLANATION_KEYS = {"residual_norm", "lambda_max_upper", "eta", "shift", "error_norm_bound", "assumptions",
                          "lambda_min_lower", "gamma_J", "h", "spectral_norm_upper", "stopped_at", "segments",
                          "max_distance"}


def known_pd_assumption(text) -> bool:
    """Whether ``text`` is one of the sentences the PD proof states (PD_FORMING with any m)."""
    if text in PD_ASSUMPTIONS or text in (PD_SYMMETRIC, PD_ENTRY, PD_EXACT):
        return True
    head, tail = PD_FORMING.split("{m}")
    head, tail = head.replace("{{", "{").replace("}}", "}"), tail.replace("{{", "{").replace("}}", "}")
    middle = text[len(head):len(text) - len(tail)] if text.startswith(head) and text.endswith(tail) else ""
    return middle.isdigit()


# The statement of each claim of the tier (required verbatim).
FLOAT_CLAIM_STATEMENTS = {
    "distinct-inputs": "the inputs x_i are pairwise distinct",
    "activation-smooth": "every hidden activation is smooth (C-infinity)",
    "overparameterized": "the network has more parameters than equations: n > l*d",
    "rank-J-float": "J J^T at the computed point is positive definite with lambda_min >= the stated bound "
                    "(Rump's floating-point test with an a-priori error bound), so rank J = l*d there",
    "zero-float": "a true zero w* of H lies within the stated radius of the computed point (Newton-Kantorovich "
                  "on the range of J^T)",
    "manifold-float": "rank J(w*) = l*d, so M is a smooth manifold of dimension n - l*d near w*",
    "hessian-signature-float": "Hess L(w*) = 2 J(w*)^T J(w*) has l*d positive eigenvalues, each >= the stated "
                               "bound, and n - l*d zero eigenvalues",
    "path": "a continuous path in M (H = 0, so L = 0, at every point of it) joins a zero of H within start_distance "
            "(max-norm) of the given start to one within end_distance of the given end; it runs through the "
            "fibres over a chain of float64 points, each segment proven by a contraction bound with "
            "lambda_min(J J^T) >= the stated bound at its centre (Rump's test), and rank J = l*d along it",
}


def float_message(cid: str, status: str, *, n: int, m: int, d: int, activations=(), evidence=None):
    """The message of a verified claim of the tier, or of a failed hypothesis, from the instance's facts and
    the evidence values its rule verifies (written by the solver with this function, required verbatim by
    the checker); None where the message is free (an inconclusive claim's explanation)."""
    ev = evidence or {}
    if status == "verified":
        return {
            "distinct-inputs": f"the {d} inputs are pairwise distinct (exact comparison of the float64 values)",
            "activation-smooth": ", ".join(activations) + (" is smooth" if len(activations) == 1 else " are smooth"),
            "overparameterized": f"n = {n} > l*d = {m}",
            "rank-J-float": f"K = J J^T ({m} x {m}) positive definite, lambda_min(K) >= {ev.get('lambda_min_lower')} "
                            "(Rump's test)",
            "zero-float": f"a zero w* of H within {ev.get('radius')} of the point (Kantorovich h <= {ev.get('h')} "
                          f"<= 1/2, gamma_J <= {ev.get('gamma_J')} on that ball)",
            "manifold-float": f"sigma_min(J(w*)) > 0: M is a smooth {n - m}-manifold near w*",
            "hessian-signature-float": f"{m} positive eigenvalues >= {ev.get('min_positive_lower')}, {n - m} zero",
            "path": f"{len(ev.get('segments') or [])} segments proven by contraction bounds; the path's ends lie "
                    f"within {ev.get('start_distance')} and {ev.get('end_distance')} of the given points",
        }.get(cid)
    if status == "refuted":
        pair = ev.get("duplicate_indices") if isinstance(ev.get("duplicate_indices"), list) else ["?", "?"]
        rows = [i + 1 if type(i) is int else i for i in (pair[0], pair[-1])]     # 0-based indices, rows from 1
        return {
            "distinct-inputs": f"duplicate inputs x_i at rows {rows[0]} and {rows[1]}",
            "activation-smooth": ", ".join(a for a in activations if a == "relu") + " is not smooth",
            "overparameterized": f"n = {n} <= l*d = {m}",
        }.get(cid)
    return None


def model_description(model) -> str:
    """The network as a certificate's summary names it ("mlp 2-6-1, softplus", "conv1d 1x8-conv3(2x6)-1, tanh"),
    from a model document (written by the solver with this function, required by the checker)."""
    if isinstance(model, dict) and model.get("format") == "verifier-conv1d":
        _, _, geom = read_conv_model(model)
        parts = [f"{model['input'][0]}x{model['input'][1]}"] + [
            f"conv{g['kernel']}({g['c_out']}x{g['l_out']})" if g["kind"] == "conv1d" else str(g["out"]) for g in geom]
        head = "conv1d " + "-".join(parts)
    else:
        read_model(model)
        head = "mlp " + "-".join(map(str, [model["p"]] + [layer["out"] for layer in model["layers"]]))
    acts = sorted({a if isinstance(a, str) else str(a.get("name", "?"))
                   for a in (layer["activation"] for layer in model["layers"][:-1])})
    return head + (", " + "/".join(acts) if acts else "")


# Where the solver ran (a summary's ``device``, a torch device name; the numbers are float64 on any of them).
DEVICE = re.compile(r"(cpu|cuda|mps|xpu)(:[0-9]{1,3})?")
MAX_ENTRIES = 4 * 10**8          # n, d*p and m^2 limits keep the checker's memory bounded


ARRAYS = ("X", "Y", "w")
# cooper-connected: the given start point (w), the given end point and the chain of points (K+1, n)
PATH_ARRAYS = ("X", "Y", "w", "w_end", "chain")


def load_arrays(meta, base_dir, p, l, n, names=ARRAYS):
    """The arrays (X, Y, w[, w_end, chain]) from the arrays file next to the certificate, checked against its
    sha256 and the model; a tuple in the order of ``names``."""
    if not isinstance(meta, dict) or set(meta) != {"file", "sha256", "n", "d", "p", "l"}:
        raise FormatError("instance.arrays must have file, sha256, n, d, p, l")
    name = meta["file"]
    if not isinstance(name, str) or os.path.basename(name) != name or not name.endswith(".npz") \
            or name.startswith("."):
        raise FormatError("instance.arrays.file must be a bare .npz file name")
    if base_dir is None:
        raise FormatError("the arrays file can only be found next to the certificate file")
    path = os.path.join(base_dir, name)
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
    except OSError:
        raise FormatError(f"arrays file {name} not found next to the certificate") from None
    if hashlib.sha256(blob).hexdigest() != meta["sha256"]:
        raise FormatError(f"arrays file {name} does not match its sha256 (it was altered)")
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        if set(z.files) != set(names):
            raise FormatError(f"the arrays file must hold exactly {', '.join(names)}")
        got = {k: z[k] for k in names}
    d = meta["d"]
    X, Y, w = got["X"], got["Y"], got["w"]
    if any(a.dtype != np.float64 for a in got.values()) or X.shape != (d, p) or Y.shape != (d, l) or w.shape != (n,):
        raise FormatError("arrays have the wrong dtype or shape for the model")
    if "w_end" in got and got["w_end"].shape != (n,):
        raise FormatError("w_end has the wrong shape for the model")
    if "chain" in got and (got["chain"].ndim != 2 or got["chain"].shape[1] != n or got["chain"].shape[0] < 1
                           or got["chain"].size > MAX_ENTRIES):
        raise FormatError("chain must be (K+1, n) with n the model's parameters")
    if not all(np.isfinite(a).all() for a in got.values()):
        raise FormatError("arrays hold non-finite values")
    if meta["n"] != n or meta["p"] != p or meta["l"] != l or type(d) is not int or d < 1:
        raise FormatError("instance.arrays sizes disagree with the model")
    return tuple(got[k] for k in names)



class FloatTier(Tier):
    """The floating-point tier (``format.FLOAT_TIER``): Cooper's 2.1 and 2.3 in float64 with error bounds.

    ``base_dir``: the folder of the certificate file, where its arrays file lies.
    """

    name = "the floating-point tier"
    required = REQUIRED_FLOAT_CLAIMS
    rules = FLOAT_RULES
    scopes = FLOAT_SCOPES
    statements = FLOAT_CLAIM_STATEMENTS
    order = None
    width = 24
    refutable = True

    def __init__(self, base_dir=None):
        self.base_dir = base_dir

    def texts(self, cid, status, ctx, claim, message):
        """The fixed statement; the message of a verified claim or a failed hypothesis rendered from the
        instance's facts and the evidence the rule verified (:func:`float_message`)."""
        names = sorted({act.name for act in ctx["net"].acts})
        return self.statements.get(cid), float_message(cid, status, n=ctx["n"], m=ctx["m"], d=ctx["d"],
                                                       activations=names, evidence=claim.get("evidence"))

    def read(self, cert):
        theorem = cert["theorem"]
        inst = cert.get("instance")
        if not isinstance(inst, dict) or set(inst) != {"model", "arrays", "sha256"}:
            raise FormatError("instance must hold model, arrays and sha256")
        model = inst["model"]
        if isinstance(model, dict) and model.get("format") == "verifier-conv1d":
            p, l, geom = read_conv_model(model)
            n = sum(g["n"] for g in geom)
            layers = None
        else:
            p, l, layers = read_model(model)
            n, prev = 0, p
            for o, bias, _ in layers:
                n += o * prev + (o if bias else 0)
                prev = o
        if n > MAX_ENTRIES:
            raise FormatError("the model is too large for this checker")
        extra = {}
        if theorem == "cooper-connected":
            if layers is None:
                raise FormatError("cooper-connected in the floating-point tier covers layered MLPs only")
            X, Y, w, w_end, chain = load_arrays(inst["arrays"], self.base_dir, p, l, n, PATH_ARRAYS)
            extra = {"w_end": w_end, "chain": chain, "model": (p, l, layers)}
        else:
            X, Y, w = load_arrays(inst["arrays"], self.base_dir, p, l, n)
        d = X.shape[0]
        m = l * d
        if m * m > MAX_ENTRIES or d * p > MAX_ENTRIES:
            raise FormatError("the data are too large for this checker")
        if layers is None:
            n_conv = sum(g["n"] for g in geom if g["kind"] == "conv1d")
            padded = max(g["c_in"] * (g["l_in"] + 2 * g["padding"]) for g in geom if g["kind"] == "conv1d")
            if m * n_conv > MAX_ENTRIES or m * max(g["units"] for g in geom) > MAX_ENTRIES \
                    or m * padded > MAX_ENTRIES:
                raise FormatError("the conv layers are too large for this checker")
            net = ConvNet(geom, p, l, w, X)
        else:
            net = DenseNet(p, l, layers, w, X)
        problems = []
        if inst["sha256"] != sha256({"model": inst["model"], "arrays": inst["arrays"]}):
            problems.append("instance hash does not match the instance")
        header = (f"checking {theorem}: n = {n}, d = {d}, l = {l}, instance sha256 {inst['sha256'][:16]}, "
                  f"float64 with a-priori error bounds ({TIER})")
        ctx = {"X": X, "Y": Y, "w": w, "p": p, "l": l, "d": d, "n": n, "m": m, "net": net, **extra}
        summary = cert.get("summary")
        want = {"network": model_description(model), "n": n, "d": d, "l": l, "p": p, "arithmetic": f"float64 with "
                f"a-priori error bounds ({TIER})"}
        if not isinstance(summary, dict) or set(summary) != set(want) | {"device"} \
                or any(summary[k] != v for k, v in want.items()) or not (isinstance(summary["device"], str) and DEVICE.fullmatch(summary["device"])):
            problems.append(f"the summary must state exactly the instance: {want} and the device")
        return Instance(ctx, header, problems)

    def problems(self, cert, instance):
        out = []
        if cert.get("point") != {"array": "w"}:
            out.append("point must be {\"array\": \"w\"}")
        if not isinstance(cert.get("assumptions"), list) or not cert["assumptions"]:
            out.append("a floating-point certificate must list its assumptions")
        else:
            ctx = instance.context
            conv = isinstance(ctx["net"], ConvNet)
            needed = ASSUMPTIONS_COMMON + ([CONV_ASSUMPTION] if conv else [])
            if any(isinstance(c, dict) and c.get("id") in ("rank-J-float", "path") for c in cert.get("claims") or []):
                # the Gram proof's sentences, with the number of roundings per term of the checker's own K
                if "model" in ctx:          # a path: every centre's K has the roundings of the layer shapes
                    ctx["m_round"] = gram_roundings(ctx["p"], ctx["model"][2])
                else:
                    gram(ctx)
                forming = PD_FORMING.format(m=ctx["m_round"])
                needed = needed + list(PD_ASSUMPTIONS) + [forming]
                if any(isinstance(a, str) and a != forming and known_pd_assumption(a) and a.startswith(forming[:40])
                       for a in cert["assumptions"]):
                    out.append("the assumptions must state the checker's own roundings per term: "
                               f"m = {ctx['m_round']}")
            missing = [a for a in needed if a not in cert["assumptions"]]
            if missing:
                out.append(f"the assumptions must state: {missing[0][:80]}...")
            other = [a for a in cert["assumptions"] if a not in needed]
            if any(not isinstance(a, str) or a != PD_SYMMETRIC for a in other) \
                    or len(set(map(str, cert["assumptions"]))) != len(cert["assumptions"]):
                out.append("the assumptions may state only the tier's own sentences, once each (one is not: "
                           + next((str(a)[:60] for a in other if not isinstance(a, str)
                                   or a != PD_SYMMETRIC), "a repeat") + ")")
        return out + self._evidence_problems(cert, instance.context)

    @staticmethod
    def _evidence_problems(cert, ctx):
        """Each claim carries only evidence its rule checks; the instance facts it states are the instance's."""
        out = []
        names = sorted({act.name for act in ctx["net"].acts})
        for claim in cert.get("claims") or []:
            if not isinstance(claim, dict) or claim.get("id") not in FLOAT_EVIDENCE_KEYS:
                continue
            cid, ev = claim["id"], claim.get("evidence")
            allowed = FLOAT_EVIDENCE_KEYS[cid] | (FLOAT_EXPLANATION_KEYS if claim.get("status") == "inconclusive"
                                                  else set())
            if not isinstance(ev, dict) or set(ev) - allowed:
                extra = sorted(set(ev) - allowed) if isinstance(ev, dict) else ["(not an object)"]
                out.append(f"claim {cid} carries evidence the checker does not check: {', '.join(map(str, extra))}")
                continue
            if cid == "overparameterized" and ev and (ev.get("n"), ev.get("equations")) != (ctx["n"], ctx["m"]):
                out.append(f"claim overparameterized must state n = {ctx['n']}, equations = {ctx['m']}")
            if cid == "activation-smooth" and "activations" in ev and (
                    not isinstance(ev["activations"], list) or not all(isinstance(a, str) for a in ev["activations"])
                    or sorted(set(ev["activations"])) != names):
                out.append(f"claim activation-smooth must list the network's activations: {', '.join(names)}")
            if "assumptions" in ev and (not isinstance(ev["assumptions"], list) or any(
                    not isinstance(a, str) or a not in (cert.get("assumptions") or []) for a in ev["assumptions"])):
                out.append(f"claim {cid} may state only assumptions the certificate lists")
        return out
