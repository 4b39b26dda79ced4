"""Cooper's Theorem 2.1 (local form) and Proposition 2.3 in the floating-point tier, at scale (torch).

The tier ``floating-point with error bounds``: float64 arithmetic with a-priori bounds on every rounding
error, and the assumptions each certificate lists. The steps (the mathematics is in
:mod:`verifier.torch_backend.verify` and :mod:`verifier.torch_backend.core`):

1. the hypotheses: distinct inputs, smooth activations, n > l*d;
2. optionally an optimiser on L, then least-norm Gauss-Newton towards M (J never formed);
3. ``rank-J-float``: K = J J^T and a Rump-style proof that K is positive definite;
4. ``zero-float``: a Newton-Kantorovich radius within which a true zero w* of H lies;
5. ``manifold-float`` and ``hessian-signature-float``: M is a smooth (n - l*d)-manifold near w*, and the
   Hessian of L there has l*d positive eigenvalues and n - l*d zeros.

The certificate (one :class:`~verifier.certificate.Certificate`, tier floating-point) names an arrays file
(X, Y, w) that ``verifier check`` re-reads with its own numpy checker. This module imports torch: the
registry imports it only when the tier is asked for.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import time

import numpy as np
import torch

from ..certificate import Certificate
from ..checker.float.tier import (ASSUMPTIONS_COMMON, CONV_ASSUMPTION, FLOAT_CLAIM_STATEMENTS, REQUIRED_FLOAT_CLAIMS,
                                   float_message)
from ..checker.format import FLOAT_NOT_ENCLOSED, FLOAT_TIER, GLOBAL_SMOOTHNESS, REMARK_2_2, STATEMENTS, sha256
from ..errors import InputError
from ..torch_backend import models
from ..torch_backend.core import certify_gram_pd, forward_norms, pinned_threads
from ..torch_backend.verify import (GAMMA_MARGIN, SAFETY, gauss_newton, lipschitz_data, lipschitz_mlp, pretrain,
                                    short_number)

TIER = FLOAT_TIER
THEOREMS = ("cooper-2.1", "cooper-2.3")
# sup |s'|, sup |s''| over R (smoolu: s' increases to 1; s'' = e^(-1/t)/t^3 peaks at t = 1/3)


def _claim(cid, status, scope, statement, evidence, message):
    return {"id": cid, "status": status, "scope": scope, "statement": statement, "evidence": evidence,
            "message": message}


def _arrays_blob(X, Y, w):
    arrays = {"X": np.ascontiguousarray(X, dtype=np.float64), "Y": np.ascontiguousarray(Y, dtype=np.float64),
              "w": np.ascontiguousarray(w, dtype=np.float64)}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return arrays, hashlib.sha256(buf.getvalue()).hexdigest()


def verify_at_scale(theorem: str, doc: dict, w0, X, Y, *, arrays_name: str = "certificate.arrays.npz",
                    steps: int = 20, tol: float = 1e-13, optimizer: str | None = None, optimizer_steps: int = 0,
                    lr: float = 1e-3, device: str = "cpu", progress=None, seed: int | None = None) -> Certificate:
    """Verify cooper-2.1 or cooper-2.3 for a layered MLP in the floating-point tier.

    Parameters
    ----------
    theorem : "cooper-2.1" or "cooper-2.3"
    doc : dict
        Model document (:mod:`models`); ``w0`` its canonical float64 weights (the start).
    X, Y : array (d, p), (d, l)
    arrays_name : str
        File name (no folder) of the arrays file written beside the certificate.
    steps, tol : Gauss-Newton steps and the target max|H|.
    optimizer, optimizer_steps, lr : optional pre-training before Gauss-Newton.
    device : "cpu", "cuda" or "cuda:N".

    Returns
    -------
    Certificate
    """
    if theorem not in THEOREMS:
        raise InputError(f"the torch backend verifies {', '.join(THEOREMS)}; got {theorem!r}")
    if os.path.basename(arrays_name) != arrays_name or not arrays_name.endswith(".npz"):
        raise InputError("arrays_name must be a bare file name ending in .npz")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available (torch.cuda.is_available() is False)")
    models.check_model_doc(doc)
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
    n, d, l = models.n_params(doc), X.shape[0], doc["l"]
    p = models.n_inputs(doc)
    if X.shape[1] != p or Y.shape[1] != l:
        raise InputError(f"the data have {X.shape[1]} inputs and {Y.shape[1]} outputs; the model expects "
                         f"{p} and {l}")
    w0 = np.asarray(w0, dtype=np.float64).reshape(-1)
    if w0.shape[0] != n or not np.isfinite(w0).all():
        raise InputError(f"the weights must be {n} finite numbers")
    m = l * d
    timings = {}
    t0 = time.perf_counter()
    claims = []
    acts = models.smooth(doc)
    # -- hypotheses
    _, first = np.unique(X, axis=0, return_index=True)
    names = sorted({a for a, _ in acts})

    def hyp(cid, status, evidence):
        return _claim(cid, status, "instance", FLOAT_CLAIM_STATEMENTS[cid], evidence,
                      float_message(cid, status, n=n, m=m, d=d, activations=names, evidence=evidence))
    if len(first) < d:
        dup = sorted(set(range(d)) - set(first.tolist()))[0]
        orig = int(np.flatnonzero((X == X[dup]).all(axis=1))[0])
        claims.append(hyp("distinct-inputs", "refuted", {"duplicate_indices": [orig, dup]}))
    else:
        claims.append(hyp("distinct-inputs", "verified", {}))
    bad = [a for a, ok in acts if not ok]
    claims.append(hyp("activation-smooth", "refuted" if bad else "verified", {"activations": [a for a, _ in acts]}))
    claims.append(hyp("overparameterized", "verified" if n > m else "refuted", {"n": n, "equations": m}))
    history, pre_losses, w_final = [], [], w0
    extra = {"device": str(device)}
    # numpy's BLAS pinned to one thread while torch's pool does the heavy work (benchmarks/bench_threads.py)
    with pinned_threads(blas=1):
        if not bad and n > m and claims[0]["status"] == "verified":
            model = models.model_from_doc(doc, device=device)
            Xt = torch.as_tensor(X, device=device)
            Yt = torch.as_tensor(Y, device=device)
            w = torch.as_tensor(w0, device=device)
            if optimizer and optimizer_steps > 0:
                w, pre_losses = pretrain(model, w, Xt, Yt, optimizer=optimizer, steps=optimizer_steps, lr=lr,
                                         progress=progress)
                timings["optimizer"] = time.perf_counter() - t0
                if not bool(torch.isfinite(w).all()):
                    raise InputError(f"{optimizer} diverged (the weights are no longer finite): lower --lr")
            t1 = time.perf_counter()
            w, history = gauss_newton(model, w, Xt, Yt, steps=steps, tol=tol, progress=progress)
            timings["gauss_newton"] = time.perf_counter() - t1
            w_final = w.detach().cpu().numpy().astype(np.float64)
            # Re-evaluate everything at the float64 point that is stored (on the CPU, as the checker does).
            cpu = models.model_from_doc(doc)
            wc, Xc, Yc = torch.as_tensor(w_final), torch.as_tensor(X), torch.as_tensor(Y)
            t1 = time.perf_counter()
            if progress:
                progress(f"structured Gram K = J J^T ({m} x {m})")
            with torch.no_grad():
                Hres = cpu.residual(wc, Xc, Yc).numpy()
            K, Kabs, mround, ufl = cpu.gram_structured(wc, Xc, with_abs=True)
            timings["gram"] = time.perf_counter() - t1
            if not (bool(torch.isfinite(K).all()) and bool(torch.isfinite(Kabs).all()) and np.isfinite(Hres).all()):
                raise InputError("K = J J^T or the residual overflows float64 at this point: rescale the data or "
                                 "the weights")
            t1 = time.perf_counter()
            if progress:
                progress("eigenvalues of 2K")
            ev = torch.linalg.eigvalsh(2.0 * K).numpy()
            timings["spectrum"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            if progress:
                progress("positive-definiteness proof of K")
            pd = certify_gram_pd(K, Kabs=Kabs, m=mround, underflow=ufl, lambda_hint=float(ev[0]) / 2)
            timings["pd_proof"] = time.perf_counter() - t1
            extra.update(gauss_newton_max_abs_H=history, optimizer_losses=pre_losses, optimizer=optimizer,
                         eigenvalues_2K_float=[short_number(v) for v in ev])
            claims += _tail_claims(theorem, doc, cpu, wc, X, Hres, K, Kabs, pd, ev, n, m, timings=timings,
                                   progress=progress)
    timings["total"] = time.perf_counter() - t0
    arrays, arrays_sha = _arrays_blob(X, Y, w_final)
    instance = {"model": doc, "arrays": {"file": arrays_name, "sha256": arrays_sha, "n": n, "d": d,
                                         "p": p, "l": l}}
    instance["sha256"] = sha256({"model": instance["model"], "arrays": instance["arrays"]})
    assumptions = list(ASSUMPTIONS_COMMON)
    if doc["format"] != models.MODEL_FORMAT:
        assumptions.append(CONV_ASSUMPTION)
    pd_claim = next((c for c in claims if c["id"] == "rank-J-float"), None)
    if pd_claim is not None:
        assumptions += [a for a in pd_claim["evidence"].get("assumptions", []) if a not in assumptions]
    return Certificate(
        theorem, STATEMENTS[theorem], None, None, {"array": "w"}, claims, 53, seed,
        out_of_scope=[GLOBAL_SMOOTHNESS, FLOAT_NOT_ENCLOSED],
        notes=[REMARK_2_2], timings_s=timings,
        summary_info={"network": models.describe(doc), "n": n, "d": d, "l": l, "p": p, "device": str(device),
                      "arithmetic": f"float64 with a-priori error bounds ({TIER})"},
        extra=extra, tier=TIER, instance=instance, required=REQUIRED_FLOAT_CLAIMS[theorem],
        assumptions=assumptions, arrays=arrays, software={"torch": torch.__version__, "numpy": np.__version__})


def _tail_claims(theorem, doc, model, wc, X, Hres, K, Kabs, pd, ev, n, m, *, timings=None, progress=None):
    out = []
    st = FLOAT_CLAIM_STATEMENTS
    if not pd["positive_definite"]:
        msg = f"not proven positive definite: {pd.get('reason', '')} (smallest computed eigenvalue of K " \
              f"{ev[0] / 2:.3e})"
        out.append(_claim("rank-J-float", "inconclusive", "local", st["rank-J-float"],
                          {"assumptions": pd["assumptions"]}, msg))
        return out
    sigma = pd["lambda_min_lower"]
    # a claimed result carries only what the checker verifies (checker.float.tier.FLOAT_EVIDENCE_KEYS)
    ev_r = {"lambda_min_lower": short_number(sigma), "assumptions": pd["assumptions"]}
    out.append(_claim("rank-J-float", "verified", "local", st["rank-J-float"], ev_r,
                      float_message("rank-J-float", "verified", n=n, m=m, d=0, evidence=ev_r)))
    if sigma <= 0:
        out[-1].update(status="inconclusive", message="the proof gave only lambda_min >= 0")
        return out
    layers = [(W.numpy(), None if b is None else b.numpy()) for W, b in model.weights(wc)]
    lam_max = float(np.abs(K.numpy()).sum(axis=1).max()) * SAFETY + pd["error_norm_bound"]
    hnorm = float(np.linalg.norm(Hres)) * SAFETY
    eta = hnorm / sigma
    # Every stated number is an upper bound that the checker's own evaluation must stay below:
    # at the rounding floor its float64 ||H|| can differ from this one by a small factor, so
    # Kantorovich is applied with eta' = 4 eta >= ||G'(0)^{-1} G(0)|| (any upper bound on eta
    # serves): radius rho = sqrt(Lam) 2 eta', gamma_J on that ball (with a margin for the
    # checker's evaluation), h = beta gamma_J Lam eta'. The checker accepts a radius, gamma_J
    # and h that are >= its own, with its own h <= 1/2.
    eta4 = 4.0 * eta
    rho = math.sqrt(lam_max) * 2.0 * eta4 * SAFETY
    L = len(doc["layers"]) - 1
    t1 = time.perf_counter()
    try:
        if progress:
            progress(f"Lipschitz bound on J ({L} hidden layer{'s' if L != 1 else ''})")
        if hasattr(model, "lipschitz_geometry"):      # Conv1d network
            lip = lipschitz_data(layers, model.act_specs, X, norms=model.forward_norms(wc, torch.as_tensor(X)),
                                 geometry=model.lipschitz_geometry())
        else:
            lip = lipschitz_data(layers, model.act_specs, X, norms=forward_norms(model, wc, torch.as_tensor(X)))
    except InputError as exc:
        out.append(_claim("zero-float", "inconclusive", "local", st["zero-float"],
                          {"residual_norm": short_number(hnorm)}, f"||H|| = {hnorm:.3e}; no Lipschitz bound on J: {exc}"))
        return out
    finally:
        if timings is not None:
            timings["lipschitz"] = time.perf_counter() - t1
    gamma = lipschitz_mlp(lip, rho) * GAMMA_MARGIN
    beta = 1.0 / sigma
    h = beta * gamma * lam_max * eta4 * SAFETY
    ev_z = {"residual_norm": short_number(hnorm), "lambda_min_lower": short_number(sigma), "lambda_max_upper": short_number(lam_max),
            "eta": short_number(eta), "gamma_J": short_number(gamma), "h": short_number(h),
            "spectral_norm_upper": [short_number(t) for t in lip.spectral]}
    if not h <= 0.5:
        out.append(_claim("zero-float", "inconclusive", "local", st["zero-float"], ev_z,
                          f"Kantorovich h = {h:.3e} > 1/2 (||H|| = {hnorm:.3e}, gamma_J <= {gamma:.3e}): "
                          "take more Gauss-Newton steps"))
        return out
    # ||w* - w0|| <= sqrt(Lam) r0 with r0 = (1 - sqrt(1 - 2h)) / (beta gamma Lam) <= 2 eta': rho bounds it.
    ev_z = {"radius": short_number(rho), "gamma_J": ev_z["gamma_J"], "h": ev_z["h"],
            "spectral_norm_upper": ev_z["spectral_norm_upper"]}
    out.append(_claim("zero-float", "verified", "local", st["zero-float"], ev_z,
                      float_message("zero-float", "verified", n=n, m=m, d=0, evidence=ev_z)))
    smin = math.sqrt(sigma) - gamma * rho
    if not smin > 0:
        out.append(_claim("manifold-float", "inconclusive", "local", st["manifold-float"], {"dimension": n - m},
                          "sigma_min(J) - gamma_J rho is not positive"))
        return out
    out.append(_claim("manifold-float", "verified", "local", st["manifold-float"], {"dimension": n - m},
                      float_message("manifold-float", "verified", n=n, m=m, d=0)))
    if theorem == "cooper-2.3":
        lo = 2.0 * smin * smin / SAFETY
        top = [short_number(v) for v in ev[::-1][:min(m, 20)]]
        ev_h = {"positive": m, "zero": n - m, "min_positive_lower": short_number(lo), "top_eigenvalues_2K": top}
        out.append(_claim("hessian-signature-float", "verified", "local", st["hessian-signature-float"], ev_h,
                          float_message("hessian-signature-float", "verified", n=n, m=m, d=0, evidence=ev_h)))
    return out


def verify_float(thm, data, *, torch_model=None, network=None, point=None, seed: int | None = 0,
                 arrays_name: str = "certificate.arrays.npz", steps: int = 20, tol: float = 1e-13,
                 optimizer: str | None = None, optimizer_steps: int = 0, lr: float = 1e-3, device: str = "cpu",
                 progress=None) -> Certificate:
    """The registry's entry for ``cooper-2.1`` / ``cooper-2.3`` with ``tier="floating-point with error
    bounds"``: ``torch_model`` (FILE.py:FUNCTION, an nn.Sequential or a layered Network) or ``network`` with
    an optional ``point``; ``data`` a Dataset, a file (.npz, .npy, .pt, .csv, .json) or a pair (X, Y)."""
    from ..data import Dataset
    from ..torch_backend.instance import check_device, load_instance
    if isinstance(data, Dataset):
        need = "the torch backend (floating-point tier)"
        data = (data.x_f64(need), data.y_f64(need))
    if optimizer_steps and not optimizer:
        raise InputError("optimizer_steps needs optimizer='adam', 'sgd' or 'lbfgs'")
    doc, w0, X, Y = load_instance(data=data, torch_model=torch_model, network=network, point=point,
                                  seed=seed or 0)
    check_device(device)
    return verify_at_scale(thm.id, doc, w0, X, Y, arrays_name=arrays_name, steps=steps, tol=tol, optimizer=optimizer,
                           optimizer_steps=optimizer_steps, lr=lr, device=device, progress=progress, seed=seed)


# ---------------------------------------------------------------------------- cooper-connected, float tier


def _point_array(value, what, *, n, doc, X, module=None, network=None):
    """A given point of the path as canonical float64 weights (n,).

    ``value``: a file (.pt: a flat tensor or the model's state_dict, read with ``torch.load(weights_only=True)``;
    .npy; .json: {label: value} for a network, or a list in canonical order), an nn.Module of the same
    architecture, a state_dict, {label: value} (with a network) or a sequence of n numbers in canonical order."""
    import copy

    from ..data import read_npy
    from ..network import read_json
    from ..torch_backend.instance import point_float
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        suffix = os.path.splitext(path)[1].lower()
        if not os.path.isfile(path):
            raise InputError(f"{path}: no such file ({what})")
        if suffix == ".pt":
            value = models.load_pt(path)
        elif suffix == ".npy":
            value = read_npy(path, what=what)
        elif suffix == ".json":
            value = read_json(path, what)
        else:
            raise InputError(f"{path}: the {what} must be a .pt, .npy or .json file")
    if isinstance(value, torch.nn.Module):
        doc2, w = models.from_module(value, X=X)
        if doc2 != doc:
            raise InputError(f"the {what} is a module of another architecture than the model")
        return w
    if isinstance(value, dict) and value and all(isinstance(v, torch.Tensor) for v in value.values()):
        if module is None:
            raise InputError(f"the {what} is a state_dict: it needs torch_model=... (--torch-model)")
        m = copy.deepcopy(module)
        try:
            m.load_state_dict(value, strict=True)
        except (RuntimeError, KeyError, TypeError) as exc:
            raise InputError(f"the {what}'s state_dict does not fit the model: {str(exc).splitlines()[0][:100]}") \
                from None
        return _point_array(m, what, n=n, doc=doc, X=X)
    if isinstance(value, dict):
        if network is None:
            raise InputError(f"the {what} gives {{label: value}}: that needs network=... (--network)")
        missing = [lab for lab in network.labels if lab not in value]
        extra = [k for k in value if k not in set(network.labels)]
        if missing or extra:
            raise InputError(f"the {what} must give every parameter label exactly once"
                             + (f" (missing {missing[0]!r})" if missing else f" (unknown {str(extra[0])[:40]!r})"))
        _, w = models.from_network(network, [point_float(value[lab], lab) for lab in network.labels])
        return w
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise InputError(f"the {what} must be weights: a file, a module, a state_dict or {n} numbers")
    try:
        w = np.asarray([point_float(v, i) for i, v in enumerate(np.asarray(value, dtype=object).reshape(-1))],
                       dtype=np.float64)
    except InputError as exc:
        raise InputError(f"the {what}: {exc}") from None
    if w.shape != (n,):
        raise InputError(f"the {what} has {w.shape[0]} values; the model has n = {n} parameters")
    return w


def verify_connected_float(thm, data, *, torch_model=None, network=None, start=None, end=None, timeout=None,
                           max_segments: int = 5000, max_distance=None, seed: int | None = 0, progress=None,
                           device: str = "cpu", arrays_name: str = "certificate.arrays.npz", prec_bits=None,
                           grid=None) -> Certificate:
    """The registry's entry for ``cooper-connected`` with ``tier="floating-point with error bounds"``: a chain
    of float64 points on M between ``start`` and ``end`` (each a file, a module, a state_dict, {label: value}
    or n numbers), every segment proven by a contraction bound (:mod:`verifier.checker.float.path`)."""
    from ..data import Dataset
    from ..torch_backend.connect import Stop, search_chain
    from ..torch_backend.instance import check_device, load_instance
    t0 = time.perf_counter()
    if grid:
        raise InputError("grid: segment-loss is not computed in the floating-point tier (its forward pass is not "
                         "enclosed, so an 'enclosure' of L would be a float value); give grid=0 or leave it out")
    if start is None or end is None:
        raise InputError(f"{thm.id} needs start=... and end=...")
    if os.path.basename(arrays_name) != arrays_name or not arrays_name.endswith(".npz"):
        raise InputError("arrays_name must be a bare file name ending in .npz")
    check_device(device)
    if str(device) != "cpu":
        raise InputError("cooper-connected in the floating-point tier runs on the CPU (device='cpu')")
    if isinstance(data, Dataset):
        need = "the torch backend (floating-point tier)"
        data = (data.x_f64(need), data.y_f64(need))
    module = models.load_builder(torch_model) if isinstance(torch_model, str) else torch_model
    doc, _, X, Y = load_instance(data=data, torch_model=module, network=network, seed=seed or 0)
    if doc["format"] != models.MODEL_FORMAT:
        raise InputError("cooper-connected in the floating-point tier covers layered MLPs (nn.Linear and "
                         "activations), not Conv1d networks")
    net = None
    if network is not None:
        from ..network import Network, load_network
        net = network if isinstance(network, Network) else load_network(network)
    n, d, l, p = models.n_params(doc), X.shape[0], doc["l"], models.n_inputs(doc)
    w0 = _point_array(start, "start point", n=n, doc=doc, X=X, module=module, network=net)
    w1 = _point_array(end, "end point", n=n, doc=doc, X=X, module=module, network=net)
    m = l * d
    acts = models.smooth(doc)
    names = sorted({a for a, _ in acts})

    def hyp(cid, status, evidence):
        return _claim(cid, status, "instance", FLOAT_CLAIM_STATEMENTS[cid], evidence,
                      float_message(cid, status, n=n, m=m, d=d, activations=names, evidence=evidence))
    bad = [a for a, ok in acts if not ok]
    claims = [hyp("activation-smooth", "refuted" if bad else "verified", {"activations": [a for a, _ in acts]}),
              hyp("overparameterized", "verified" if n > m else "refuted", {"n": n, "equations": m})]
    limit = float(max_distance) if max_distance is not None else \
        1e-3 * (1.0 + max(float(np.abs(w0).max()), float(np.abs(w1).max())))
    limit_s = short_number(limit)
    chain = np.asarray(w0, dtype=np.float64)[None, :]
    extra = {"device": str(device)}
    timings = {}
    if not bad and n > m:
        ev = {"max_distance": limit_s}
        try:
            pts, segs, rhos = search_chain(doc, X, Y, w0, w1, timeout=timeout or 600.0, max_segments=max_segments,
                                     progress=progress)
        except Stop as stop:
            chain = np.asarray(stop.chain, dtype=np.float64)
            ev.update(stopped_at=short_number(stop.t), segments=stop.segments)
            claims.append(_claim("path", "inconclusive", "global", FLOAT_CLAIM_STATEMENTS["path"], ev,
                                 f"no certified path: {stop.reason} (stopped at t = {stop.t:.4g}, the fraction of "
                                 f"the distance covered; {len(stop.segments)} segments proven)"))
        else:
            chain = np.asarray(pts, dtype=np.float64)
            timings["search"] = time.perf_counter() - t0
            # The distances as the checker derives them (path.check_chain), stated with a margin of 1e-3.
            sd, ed = _distances(chain, w0, w1, rhos)
            ev.update(segments=segs, start_distance=short_number(sd * 1.001), end_distance=short_number(ed * 1.001))
            if sd * 1.001 <= limit and ed * 1.001 <= limit:
                claims.append(_claim("path", "verified", "global", FLOAT_CLAIM_STATEMENTS["path"], ev,
                                     float_message("path", "verified", n=n, m=m, d=d, evidence=ev)))
            else:
                far = "end" if ed * 1.001 > limit else "start"
                claims.append(_claim("path", "inconclusive", "global", FLOAT_CLAIM_STATEMENTS["path"], ev,
                                     f"a certified path of {len(segs)} segments joins zeros of H, but the one at the "
                                     f"{far} lies farther than max_distance = {limit_s} from the given {far} point "
                                     "(Gauss-Newton moved it: give max_distance, or points nearer M)"))
        extra["segments"] = chain.shape[0] - 1
    timings["total"] = time.perf_counter() - t0
    arrays = {"X": np.ascontiguousarray(X, dtype=np.float64), "Y": np.ascontiguousarray(Y, dtype=np.float64),
              "w": np.ascontiguousarray(w0, dtype=np.float64), "w_end": np.ascontiguousarray(w1, dtype=np.float64),
              "chain": np.ascontiguousarray(chain, dtype=np.float64)}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    instance = {"model": doc, "arrays": {"file": arrays_name, "sha256": hashlib.sha256(buf.getvalue()).hexdigest(),
                                         "n": n, "d": d, "p": p, "l": l}}
    instance["sha256"] = sha256({"model": instance["model"], "arrays": instance["arrays"]})
    from ..checker.float.dense import gram_roundings, read_model
    from ..checker.float.tier import PD_ASSUMPTIONS, PD_FORMING
    assumptions = list(ASSUMPTIONS_COMMON)
    if any(c["id"] == "path" for c in claims):
        assumptions += list(PD_ASSUMPTIONS) + [PD_FORMING.format(m=gram_roundings(p, read_model(doc)[2]))]
    return Certificate(
        thm.id, STATEMENTS[thm.id], None, None, {"array": "w"}, claims, 53, seed,
        out_of_scope=[FLOAT_NOT_ENCLOSED], timings_s=timings,
        summary_info={"network": models.describe(doc), "n": n, "d": d, "l": l, "p": p, "device": str(device),
                      "arithmetic": f"float64 with a-priori error bounds ({TIER})"},
        extra=extra, tier=TIER, instance=instance, required=REQUIRED_FLOAT_CLAIMS[thm.id],
        assumptions=assumptions, arrays=arrays, software={"torch": torch.__version__, "numpy": np.__version__})


def _distances(chain, w0, w1, rhos):
    """(start_distance, end_distance) by the checker's formulas (:func:`verifier.checker.float.path.check_chain`)
    from the segment tests' bounds ``rhos`` = (rho_start, rho_end), which the search computed with 4 ||H|| (the
    checker's own ||H|| may differ at the rounding floor)."""
    from ..checker.float.numerics import SAFETY as S
    from ..checker.float.path import NORM_SAFETY
    return (float(np.abs(chain[0] - w0).max()) * NORM_SAFETY ** 2 + rhos[0] * S,
            float(np.abs(chain[-1] - w1).max()) * NORM_SAFETY ** 2 + rhos[1] * S)
