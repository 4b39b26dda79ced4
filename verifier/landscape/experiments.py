"""The landscape experiments (``verifier landscape``): training runs with perturbation branches, trajectories,
interpolation curves, filter-normalised loss surfaces and Hessian spectra, with the endpoints certified.

The protocol (Liao and Poggio, Theory of Deep Learning II, Sections 4 and B.4; Li et al. 2018):

1. **Runs.** ``runs`` full-batch training runs (Adam on L(w) = sum_r H_r(w)^2) from seeded starts
   (entries N(0, 1/fan_in)); the weights are recorded along the way.
2. **Branches.** At step ``branch_at`` of each run, ``branches`` copies of the weights are perturbed with
   Gaussian noise whose standard deviation is ``noise`` times the standard deviation of each layer's
   parameters (layer by layer), and trained on for the remaining steps.
3. **Endpoints.** Every final point (main and branch) is pushed towards M = H^{-1}(0) by least-norm
   Gauss-Newton; an endpoint that gets there (max|H| <= ``reach_tol``) is certified: ``cooper-2.3``
   (which contains Theorem 2.1's claims) in the rigorous tier when l*d and n are small, else in the
   floating-point tier with error bounds. Each certificate is re-checked by ``verifier check``.
4. **Pictures and numbers** (all float64, *numerical*, not certified): classical MDS of every recorded
   point with 1 - cosine dissimilarity; PCA of run 1's points with contours of log10 L on the PCA plane;
   L along straight lines between endpoints (within a run, across runs); L on a 2-D plane of
   filter-normalised random directions around run 1's endpoint; the l*d nonzero Hessian eigenvalues at
   each endpoint (eigenvalues of 2 J J^T, the other n - l*d being 0 on M).
5. **Connect.** ``cooper-connected`` (a certified zero-loss path) is tried between a few endpoint pairs
   when the registry has it; otherwise each pair is recorded as "not available".

Everything random is drawn from numpy Generators seeded by ``seed`` (training itself is deterministic), so
the same seed gives the same numbers. torch is imported only inside :func:`run_landscape`.

>>> res = run_landscape(task="teacher", runs=2, branches=1, steps=200, out="landscape/")   # doctest: +SKIP
>>> res["endpoints"][0]["certificate"]["status"]                                          # doctest: +SKIP
'verified'
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

from ..errors import InputError, install_hint
from .analysis import (classical_mds, cosine_dissimilarity, filter_normalize, layer_noise, parameter_groups,
                       pca)

TASKS = ("teacher", "random-labels", "digits")
# Rigorous tier (Arb, Krawczyk) when both are at most these; its cost grows like (l*d)^3.
RIGOROUS_MAX_M = 200
RIGOROUS_MAX_N = 3000
FLOAT_TIER = "floating-point with error bounds"


def _seed_int(*parts) -> int:
    return int(np.random.SeedSequence([abs(int(p)) for p in parts]).generate_state(1)[0])


# --------------------------------------------------------------------------- tasks


def builtin_task(name: str, seed: int = 0, *, points: int | None = None):
    """``(network, X, Y, description)`` of a built-in task.

    * ``teacher``: 24 points x ~ N(0, I_4); targets from a seeded teacher 4-8-1 tanh network; the student
      is a 4-16-1 tanh MLP (n = 97, l*d = 24).
    * ``random-labels``: the same inputs with labels drawn uniformly from {-1, +1} (the memo's random-label
      experiment, as regression).
    * ``digits``: ``points`` (default 300) images of scikit-learn's bundled 8x8 digits (no download), pixels
      divided by 16, target (class - 4.5)/4.5; a 64-96-96-1 tanh MLP (n = 15,649, l*d = 300).
    """
    from ..network import mlp
    if name not in TASKS:
        raise InputError(f"--task {name!r:.40}: use one of {', '.join(TASKS)}")
    rng = np.random.default_rng(_seed_int(seed, 7))
    if name in ("teacher", "random-labels"):
        d = points or 24
        X = rng.normal(size=(d, 4))
        if name == "teacher":
            teacher = mlp(4, [8], activation="tanh")
            from ..search import random_start
            wt = np.array(random_start(teacher, _seed_int(seed, 11)))
            Y = _numpy_mlp_predict(teacher, wt, X)
            desc = f"teacher: {d} Gaussian points in R^4, targets of a random 4-8-1 tanh teacher"
        else:
            Y = rng.choice([-1.0, 1.0], size=(d, 1))
            desc = f"random labels: {d} Gaussian points in R^4, labels uniform in {{-1, +1}}"
        return mlp(4, [16], activation="tanh"), X, Y, desc
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise InputError(f"--task digits needs scikit-learn (it ships the data set): {install_hint('landscape')}") \
            from None
    d = points or 300
    dig = load_digits()
    Xall, yall = dig.data.astype(np.float64) / 16.0, dig.target.astype(np.float64)
    _, first = np.unique(Xall, axis=0, return_index=True)        # distinct inputs (Cooper's hypothesis)
    keep = np.sort(first)
    pick = np.sort(rng.choice(keep, size=min(d, len(keep)), replace=False))
    X, Y = Xall[pick], ((yall[pick] - 4.5) / 4.5)[:, None]
    desc = f"digits: {len(pick)} distinct 8x8 images of scikit-learn's bundled digits, target (class - 4.5)/4.5"
    return mlp(64, [96, 96], activation="tanh"), X, Y, desc


def _numpy_mlp_predict(net, w, X):
    from ..system import compile_system
    from ..data import dataset_from_arrays
    sysm = compile_system(net, dataset_from_arrays(X, np.zeros((X.shape[0], net.l))))
    return sysm.value_f64(w).reshape(X.shape[0], net.l)


# --------------------------------------------------------------------------- connect


def try_connect(data, net, w0, w1, *, timeout: float = 60.0) -> dict:
    """``cooper-connected`` between two points when the registry has it, else "not available".

    Kept in one function so it is easy to adjust to the theorem's final options. Returns
    ``{"status", "reason", "seconds"}``; the status is the certificate's (only ``verified`` means a
    certified zero-loss path).
    """
    import verifier
    if "cooper-connected" not in verifier.THEOREMS:
        return {"status": "not available", "reason": "the registry has no cooper-connected theorem", "seconds": 0.0}
    t0 = time.perf_counter()
    try:
        cert = verifier.verify("cooper-connected", data, network=net, start=[float(x) for x in w0],
                               end=[float(x) for x in w1], timeout=timeout)
    except InputError as exc:
        return {"status": "input error", "reason": str(exc).splitlines()[0], "seconds": time.perf_counter() - t0}
    except Exception as exc:   # one failed attempt must not end a long experiment: recorded as is, with its type
        return {"status": "error", "reason": f"{type(exc).__name__}: {str(exc)[:200]}",
                "seconds": time.perf_counter() - t0}
    return {"status": cert.status, "reason": cert.reason or "", "seconds": time.perf_counter() - t0,
            "certificate": cert}


# --------------------------------------------------------------------------- the experiment


def _check_options(runs, branches, steps, branch_at, noise, lr, grid, record):
    if not 1 <= runs <= 64:
        raise InputError("--runs must be between 1 and 64")
    if not 0 <= branches <= 16:
        raise InputError("--branches must be between 0 and 16")
    if not 2 <= steps <= 10 ** 6:
        raise InputError("--steps must be between 2 and 1000000")
    if branch_at is not None and not 0 <= branch_at < steps:
        raise InputError("--branch-at must be >= 0 and below --steps")
    if not (math.isfinite(noise) and noise > 0):
        raise InputError("--noise must be a positive number")
    if not (math.isfinite(lr) and lr > 0):
        raise InputError("--lr must be a positive number")
    if not 5 <= grid <= 101:
        raise InputError("--grid must be between 5 and 101")
    if not 2 <= record <= 1000:
        raise InputError("--record must be between 2 and 1000")


def load_problem(*, task=None, network=None, data=None, outputs: int = 1, seed: int = 0, points=None):
    """``(net, X, Y, Dataset, description)`` from a built-in ``task`` or a ``network`` and ``data`` (files
    or objects). Checks the network is smooth enough for the experiments and matches the data."""
    from ..data import Dataset, dataset_from_arrays, load_dataset
    from ..network import Network, load_network
    if (task is None) == (network is None and data is None):
        raise InputError("give either --task NAME or --network NET.json with --data PTS.csv")
    if task is not None:
        net, X, Y, desc = builtin_task(task, seed, points=points)
        ds = dataset_from_arrays(X, Y, source=f"task {task}")
    else:
        if network is None or data is None:
            raise InputError("--network and --data go together")
        net = network if isinstance(network, Network) else load_network(os.fspath(network))
        ds = data if isinstance(data, Dataset) else load_dataset(os.fspath(data), outputs=outputs)
        need = "the landscape experiments (float64)"
        X, Y = ds.x_f64(need), ds.y_f64(need)
        desc = f"{getattr(ds, 'source', '') or 'data'}: {X.shape[0]} points"
    if X.shape[1] != net.p or Y.shape[1] != net.l:
        raise InputError(f"the data have {X.shape[1]} inputs and {Y.shape[1]} outputs; the network expects "
                         f"{net.p} and {net.l}")
    if net.n <= net.l * X.shape[0]:
        raise InputError(f"the network has n = {net.n} <= l*d = {net.l * X.shape[0]} parameters: M is not a "
                         "positive-dimensional manifold here (Cooper's n > l*d)")
    return net, np.ascontiguousarray(X), np.ascontiguousarray(Y), ds, desc


def _torch():
    try:
        import torch
    except ImportError:
        raise InputError(f"verifier landscape needs torch: {install_hint('torch')}; for the CPU build, "
                         "pip install torch==2.13.0 first") from None
    return torch


def run_landscape(*, task=None, network=None, data=None, outputs: int = 1, runs: int = 8, branches: int = 2,
                  steps: int = 1000, branch_at=None, noise: float = 0.25, lr: float = 1e-2, seed: int = 0,
                  grid: int = 21, record: int = 20, reach_tol: float = 1e-9, certify: bool = True,
                  connect_pairs: int = 3, connect_timeout: float = 60.0, out=None, points=None,
                  threads: int = 1, progress=None) -> dict:
    """Run the experiments and return their numbers (a JSON-ready dict; the certificates as objects under
    ``"_certificates"``, the connect certificates under ``"_connect_certificates"``).

    With ``out`` (a folder) everything is written there as well (:func:`verifier.landscape.report.write_all`):
    report.html, landscape.json, figures/*.png|pdf, certificates/*.json.
    """
    _check_options(runs, branches, steps, branch_at, noise, lr, grid, record)
    if not 1 <= threads <= 1024:
        raise InputError("--threads must be between 1 and 1024")
    if out is not None:
        from .report import check_out
        check_out(out)
    say = progress or (lambda text: None)
    net, X, Y, ds, desc = load_problem(task=task, network=network, data=data, outputs=outputs, seed=seed,
                                       points=points)
    torch = _torch()
    from ..torch_backend.core import pinned_threads
    # torch's intra-op pool: at these sizes (matrices of a few hundred rows) one thread is several times
    # faster than two on a shared machine (spin-waiting threads); numpy's BLAS pinned to one as well
    with pinned_threads(blas=1, torch_threads=threads):
        from ..search import random_start
        from ..torch_backend.core import hessian_spectrum_at_M, model_from_network
        from ..torch_backend.verify import gauss_newton
        t_all = time.perf_counter()
        timings = {}
        model = model_from_network(net)
        Xt, Yt = torch.as_tensor(X), torch.as_tensor(Y)
        n, d, l = net.n, X.shape[0], net.l  # noqa: E741
        m = l * d
        filters, biases, layers = parameter_groups(net)
        branch_at = steps // 2 if branch_at is None else branch_at
        every = max(1, steps // record)

        def loss_of(w) -> float:
            with torch.no_grad():
                h = model.residual(torch.as_tensor(w), Xt, Yt)
            return float((h * h).sum())

        def losses_of(Wmat) -> np.ndarray:
            return np.array([loss_of(w) for w in Wmat])

        def train(w0, k0, k1, label):
            """Adam (full batch) from step k0 to k1; the weights at every ``every``-th step and at k1."""
            w = torch.as_tensor(np.array(w0, dtype=np.float64)).clone().requires_grad_(True)
            opt = torch.optim.Adam([w], lr=lr)
            snaps, snap_steps, snap_loss = [np.array(w0, dtype=np.float64)], [k0], []
            for k in range(k0, k1):
                opt.zero_grad()
                h = model.residual(w, Xt, Yt)
                loss = (h * h).sum()
                if k == k0:
                    snap_loss.append(float(loss.detach()))
                (loss / d).backward()
                opt.step()
                if (k + 1) % every == 0 or k + 1 == k1:
                    snaps.append(w.detach().numpy().copy())
                    snap_steps.append(k + 1)
                    snap_loss.append(loss_of(snaps[-1]))
                if (k + 1) % max(1, (k1 - k0) // 4) == 0 or k + 1 == k1:
                    say(f"{label}, step {k + 1}/{steps}: L = {snap_loss[-1]:.3e}")
            if not np.all(np.isfinite(snaps[-1])):
                raise InputError(f"{label}: training diverged (the weights are no longer finite): lower --lr")
            return snaps, snap_steps, snap_loss

        # 1-2. runs and branches
        t0 = time.perf_counter()
        trajectories, endpoints = [], []
        for r in range(runs):
            w_init = random_start(net, _seed_int(seed, 1000 + r))
            snaps, ks, ls = train(w_init, 0, steps, f"run {r + 1}/{runs}")
            trajectories.append({"run": r, "branch": None, "steps": ks, "loss": ls, "_W": snaps})
            i_at = int(np.searchsorted(np.array(ks), branch_at, side="right") - 1)   # the snapshot at or before
            start_step, w_at = ks[i_at], snaps[i_at]
            rng = np.random.default_rng(_seed_int(seed, 2000 + r))
            for b in range(branches):
                w_b = w_at + layer_noise(w_at, layers, noise, rng)
                s2, k2, l2 = train(w_b, start_step, steps, f"run {r + 1}/{runs} branch {b + 1}/{branches}")
                trajectories.append({"run": r, "branch": b, "steps": k2, "loss": l2, "_W": s2,
                                     "branch_step": start_step})
        timings["training"] = time.perf_counter() - t0

        # 3. endpoints: Gauss-Newton to M, spectrum, certificate
        t0 = time.perf_counter()
        scale = 1.0 + float(np.max(np.abs(Y)))
        certs = {}
        for i, tr in enumerate(trajectories):
            name = f"run{tr['run'] + 1}" + ("" if tr["branch"] is None else f"-branch{tr['branch'] + 1}")
            say(f"endpoint {i + 1}/{len(trajectories)} ({name}): Gauss-Newton to M")
            w_end = tr["_W"][-1]
            # tol 0: on to the floating-point floor (no step decreases ||H||); the floating-point tier's
            # Kantorovich test needs h ~ ||H|| gamma_J / lambda_min <= 1/2, so a residual of 1e-13 can fail where
            # 1e-15 passes
            wM, hist = gauss_newton(model, torch.as_tensor(w_end), Xt, Yt, steps=15, tol=0.0)
            wM = wM.detach().numpy().copy()
            reached = bool(np.isfinite(hist[-1]) and hist[-1] <= reach_tol * scale)
            ep = {"name": name, "run": tr["run"], "branch": tr["branch"], "trained_loss": tr["loss"][-1],
                  "gauss_newton_max_residual": hist, "reached_M": reached,
                  "distance_trained_to_M": float(np.linalg.norm(wM - w_end)), "loss": loss_of(wM),
                  "_w": wM if reached else w_end}
            if reached:
                K = model.gram(torch.as_tensor(wM), Xt)
                sp = hessian_spectrum_at_M(K, n)
                ev = sp["eigenvalues"].numpy()
                ep["spectrum"] = {"eigenvalues_2K": ev.tolist(), "n_zero": sp["n_zero"], "min": float(ev[0]),
                                  "max": float(ev[-1]), "statement": sp["statement"],
                                  "kind": "numerical (float64 eigvalsh of 2 J J^T at the computed point)"}
            if reached and certify:
                say(f"endpoint {i + 1}/{len(trajectories)} ({name}): certifying cooper-2.3")
                ep["certificate"], certs[name] = _certify(net, ds, X, Y, wM, name, m)
            else:
                ep["certificate"] = {"status": "not attempted",
                                     "reason": "the endpoint did not reach M" if not reached else "certify=False"}
            endpoints.append(ep)
        timings["endpoints"] = time.perf_counter() - t0

        # 4a. trajectories: classical MDS on 1 - cos, PCA of run 1 with loss contours
        t0 = time.perf_counter()
        say("MDS and PCA of the trajectories")
        # each trajectory's recorded weights, then its endpoint on M (the Gauss-Newton leg) when reached
        allW = np.vstack([np.vstack(tr["_W"]) for tr in trajectories] + [ep["_w"][None] for ep in endpoints])
        owner = np.concatenate([[i] * len(tr["_W"]) for i, tr in enumerate(trajectories)]
                               + [[-1 - i] for i in range(len(endpoints))])
        D = cosine_dissimilarity(allW)
        Zm, evm = classical_mds(D, 2)
        for i, tr in enumerate(trajectories):
            tr["mds"] = Zm[owner == i].tolist()
            tr["mds_endpoint"] = Zm[owner == -1 - i][0].tolist()
        mds = {"dissimilarity": "1 - cosine similarity of the whole parameter vectors",
               "method": "classical (strain) MDS: double centring and eigh",
               "eigenvalues_top": evm[:6].tolist(),
               "positive_eigenvalue_share_2d": float(evm[:2].clip(0).sum() / max(evm.clip(0).sum(), 1e-300))}
        run1 = [i for i, tr in enumerate(trajectories) if tr["run"] == 0]
        W1 = np.vstack([np.vstack(trajectories[i]["_W"]) for i in run1])
        center = endpoints[0]["_w"]
        P1, comps, c, ratio = pca(W1, 2, center=center)
        P1 = np.vstack([P1] + [((endpoints[i]["_w"] - c) @ comps.T)[None] for i in run1])
        for i in run1:
            trajectories[i]["pca"] = ((np.vstack(trajectories[i]["_W"]) - c) @ comps.T).tolist()
            trajectories[i]["pca_endpoint"] = ((endpoints[i]["_w"] - c) @ comps.T).tolist()
        pad = 0.15
        lo, hi = np.minimum(P1.min(axis=0), 0.0), np.maximum(P1.max(axis=0), 0.0)   # the centre is on the plane
        span = np.maximum(hi - lo, 1e-12)
        ax = np.linspace(lo[0] - pad * span[0], hi[0] + pad * span[0], grid)
        ay = np.linspace(lo[1] - pad * span[1], hi[1] + pad * span[1], grid)
        Lp = np.array([[loss_of(c + a * comps[0] + b * comps[1]) for a in ax] for b in ay])
        pca_out = {"center": "run 1's endpoint", "explained_variance_ratio": ratio.tolist(), "alpha": ax.tolist(),
                   "beta": ay.tolist(), "loss": Lp.tolist(), "note": "L on the plane through run 1's endpoint "
                   "spanned by the top two principal directions of run 1's recorded weights (numerical)"}
        timings["mds_pca"] = time.perf_counter() - t0

        # 4b. interpolation curves
        t0 = time.perf_counter()
        say("interpolation curves")
        ts = np.linspace(-0.25, 1.25, 61)
        mains = [j for j, ep in enumerate(endpoints) if ep["branch"] is None]
        pairs = [(mains[r], j, "within run") for r in range(runs) for j, ep in enumerate(endpoints)
                 if ep["run"] == r and ep["branch"] is not None]
        pairs += [(mains[r], mains[r + 1], "across runs") for r in range(runs - 1)]
        interp = []
        for a, b, kind in pairs:
            wa, wb = endpoints[a]["_w"], endpoints[b]["_w"]
            Ls = [loss_of((1 - t) * wa + t * wb) for t in ts]
            inside = [L for t, L in zip(ts, Ls) if -1e-12 <= t <= 1 + 1e-12]
            ends = max(Ls[int(np.argmin(np.abs(ts)))], Ls[int(np.argmin(np.abs(ts - 1)))])     # L(0), L(1)
            interp.append({"a": endpoints[a]["name"], "b": endpoints[b]["name"], "kind": kind, "loss": Ls,
                           "barrier": float(max(inside) - ends),
                           "distance": float(np.linalg.norm(wa - wb))})
        timings["interpolation"] = time.perf_counter() - t0

        # 4c. filter-normalised surface around run 1's endpoint
        t0 = time.perf_counter()
        say("filter-normalised loss surface")
        rng = np.random.default_rng(_seed_int(seed, 3000))
        d1 = filter_normalize(rng.normal(size=n), center, filters, biases)
        d2 = filter_normalize(rng.normal(size=n), center, filters, biases)
        g = np.linspace(-1.0, 1.0, grid)
        Ls2 = np.array([[loss_of(center + a * d1 + b * d2) for a in g] for b in g])
        surface = {"center": endpoints[0]["name"], "alpha": g.tolist(), "beta": g.tolist(), "loss": Ls2.tolist(),
                   "directions": "two Gaussian directions, filter-normalised (Li et al.): each neuron's incoming "
                   "weights rescaled to the norm of the same weights at the center; bias directions 0",
                   "direction_norms": [float(np.linalg.norm(d1)), float(np.linalg.norm(d2))]}
        timings["surface"] = time.perf_counter() - t0

        # 5. connect
        t0 = time.perf_counter()
        cands = [(a, b, k) for a, b, k in pairs if endpoints[a]["reached_M"] and endpoints[b]["reached_M"]]
        within = [p for p in cands if p[2] == "within run"][:max(1, connect_pairs - 1)]
        across = [p for p in cands if p[2] == "across runs"][:max(1, connect_pairs - len(within))]
        connect, connect_certs = [], {}
        for a, b, kind in (within + across)[:connect_pairs]:
            say(f"connect {endpoints[a]['name']} - {endpoints[b]['name']}")
            res = try_connect(ds, net, endpoints[a]["_w"], endpoints[b]["_w"], timeout=connect_timeout)
            cert = res.pop("certificate", None)
            if cert is not None:
                connect_certs[f"connect-{endpoints[a]['name']}-{endpoints[b]['name']}"] = cert
            connect.append({"a": endpoints[a]["name"], "b": endpoints[b]["name"], "kind": kind, **res})
        timings["connect"] = time.perf_counter() - t0
        timings["total"] = time.perf_counter() - t_all

        result = {
            "task": task, "description": desc, "network": _net_text(net), "n": n, "d": d, "l": l, "m": m,
            "options": {"runs": runs, "branches": branches, "steps": steps, "branch_at": branch_at, "noise": noise,
                        "lr": lr, "seed": seed, "grid": grid, "record_every": every, "reach_tol": reach_tol},
            "trajectories": [{k: v for k, v in tr.items() if not k.startswith("_")} for tr in trajectories],
            "endpoints": [{k: v for k, v in ep.items() if not k.startswith("_")} for ep in endpoints],
            "mds": mds, "pca": pca_out, "interpolation": {"t": ts.tolist(), "curves": interp},
            "surface": surface, "connect": connect, "timings_s": timings,
        }
        result = _finite(result)
        result["_certificates"], result["_connect_certificates"] = certs, connect_certs
        if out is not None:
            from .report import write_all
            result["files"] = write_all(result, out, progress=say)
        return result


def _net_text(net) -> str:
    try:
        from ..torch_backend.core import TorchMLP
        mod = TorchMLP.from_network(net)
        acts = sorted({getattr(a, "name", str(a)) for a in mod.act_specs})
        return "MLP " + "-".join(map(str, mod.widths)) + f" ({', '.join(acts)})"
    except InputError:
        return f"DAG network, {net.n} parameters"


def _certify(net, ds, X, Y, w, name, m):
    """Certify ``cooper-2.3`` at an endpoint: rigorous for small l*d and n, else the floating-point tier.
    Returns (summary dict, Certificate)."""
    import verifier
    t0 = time.perf_counter()
    rigorous = m <= RIGOROUS_MAX_M and net.n <= RIGOROUS_MAX_N
    try:
        if rigorous:
            cert = verifier.verify("cooper-2.3", ds, network=net, point=[float(x) for x in w])
        else:
            cert = verifier.verify("cooper-2.3", (X, Y), network=net, point=dict(zip(net.labels, map(float, w))),
                                   tier=FLOAT_TIER, arrays_name=f"{name}.arrays.npz", tol=0.0, steps=10)
    except InputError as exc:
        return {"status": "input error", "reason": str(exc).splitlines()[0], "tier": None}, None
    summary = {"theorem": "cooper-2.3", "status": cert.status, "tier": cert.tier or "rigorous",
               "reason": cert.reason or "", "claims": {c.id: c.status for c in cert.claims},
               "file": f"certificates/{name}.json", "seconds": time.perf_counter() - t0}
    return summary, cert


def _finite(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if isinstance(obj, np.floating):
        return _finite(float(obj))
    if isinstance(obj, np.integer):
        return int(obj)
    return obj
