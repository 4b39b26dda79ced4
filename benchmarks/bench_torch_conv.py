"""Conv1d networks in the torch backend: the Gram matrix K = J J^T against an explicit Jacobian, and
verify_at_scale + the numpy checker end to end.

Model (input 1 x L, channels x length)::

    Conv1d(1, 16, 5, padding=2) + Tanh, Conv1d(16, 16, 5, stride=2, padding=2) + Tanh, Flatten,
    Linear(16 * L/2, W) + Tanh, Linear(W, 1)

with W chosen so that n (all parameters) is about ``--params``. Data: X ~ N(0, 1) of shape (d, 1, L)
(passed to the backend as (d, L)), Y = sin(2 <x, u>) for a fixed random unit vector u.

Per d, each phase runs in its own child process (so that each has its own peak RSS, and a phase
can be stopped at a timeout):

``gram``      K by the backend's path, ``TorchConv1dNet.gram_structured(w, X)``: the first call (cold:
              it includes torch.func's one-off set-up, about 1 s; the ratio uses it) and the best of
              ``--repeat`` further calls (warm); its part ``conv_jacobian`` (vmap(jacrev) over samples,
              conv parameters only) is timed on its own too (warm).
``baseline``  the explicit Jacobian J (m x n) by reverse mode over *all* parameters of the batched
              network, i.e. what ``jacrev`` (and the backend's ``gram_explicit``) does: one vjp
              function, vmapped over the rows of the identity, here in chunks of rows (``jacrev``'s
              ``chunk_size``) so that the intermediates fit ``--baseline-max-gb``; then J J^T.
              Skipped (with a note) when J alone, m n 8 bytes, exceeds ``--baseline-max-gb``.
              Compared with K: max|K - K_explicit| / max|K|. A second, stronger baseline in the same
              process: the per-sample Jacobians over all n parameters (vmap over samples of jacrev,
              ``--per-sample-chunk`` samples at a time; the backend's method applied to every
              parameter), then J J^T; its time and ratio are printed beside the first.
``verify``    ``verify_at_scale("cooper-2.3", ...)`` from a start near M (torch's default init for
              the convolutions and the hidden layer, the output layer fitted by least squares on the
              hidden activations and perturbed by 1e-3), certificate written to a temp folder.
``check``     ``verifier.checker.check_certificate`` on that certificate (JSON loaded from the file).

Usage::

    python benchmarks/bench_torch_conv.py --quick            # small preset, d = 200: < 1 minute
    python benchmarks/bench_torch_conv.py                    # n ~ 1e5, d = 500 and 2000
    python benchmarks/bench_torch_conv.py --preset small     # n ~ 1e4, d = 200 and 500
    python benchmarks/bench_torch_conv.py --d 500 --params 200000 --skip verify,check
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

PRESETS = {"small": {"params": 10_000, "d": [200, 500]}, "1e5": {"params": 100_000, "d": [500, 2000]}}
PHASES = ("gram", "baseline", "verify", "check")


# ---------------------------------------------------------------------------- the instance


def hidden_width(params, length):
    """W such that n = n_conv + (F + 1) W + W + 1 is closest to ``params`` (F = 16 * L_out)."""
    n_conv = (1 * 16 * 5 + 16) + (16 * 16 * 5 + 16)
    F = 16 * ((length + 4 - 5) // 2 + 1)
    return max(1, round((params - n_conv - 1) / (F + 2)))


def build(length, width, d, seed):
    """(doc, w_init, X (d, L), Y (d, 1), module); deterministic in ``seed``."""
    import torch
    from verifier.torch_backend import models
    nn = torch.nn
    torch.manual_seed(seed)
    L2 = (length + 4 - 5) // 2 + 1
    module = nn.Sequential(nn.Conv1d(1, 16, 5, padding=2), nn.Tanh(),
                           nn.Conv1d(16, 16, 5, stride=2, padding=2), nn.Tanh(),
                           nn.Flatten(), nn.Linear(16 * L2, width), nn.Tanh(), nn.Linear(width, 1))
    doc, w = models.from_module(module, p=length)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(d, 1, length))
    u = rng.normal(size=length)
    u /= np.linalg.norm(u)
    Y = np.sin(2.0 * X.reshape(d, -1) @ u)[:, None]
    return doc, w, X.reshape(d, length), Y, module


def start_point(doc, w, X, Y, seed):
    """Output layer fitted by least squares on the hidden activations, perturbed by 1e-3."""
    import torch
    from verifier.torch_backend import models
    model = models.model_from_doc(doc)
    width = doc["layers"][-2]["out"]
    with torch.no_grad():
        feats = model.features(w, X)
        W1, b1 = model.weights(torch.as_tensor(w))[-2]
        A = torch.tanh(feats @ W1.T + b1).numpy()
    Aa = np.hstack([A, np.ones((A.shape[0], 1))])
    sol = np.linalg.lstsq(Aa, Y, rcond=None)[0]
    w = w.copy()
    w[-(width + 1):] = sol[:, 0] + 1e-3 * np.random.default_rng(seed + 1).normal(size=width + 1)
    return w


def peak_rss_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20     # KiB on Linux


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- phases (child processes)


def phase_gram(args, doc, w, X, Y, tmp):
    import torch
    from verifier.torch_backend import models
    model = models.model_from_doc(doc)
    wt, Xt = torch.as_tensor(w), torch.as_tensor(X)
    t0 = time.perf_counter()
    K = model.gram_structured(wt, Xt)            # first call: includes torch.func's one-off set-up
    cold = time.perf_counter() - t0
    best, best_j = float("inf"), float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        K = model.gram_structured(wt, Xt)
        best = min(best, time.perf_counter() - t0)
        t0 = time.perf_counter()
        Jc = model.conv_jacobian(wt, Xt)
        best_j = min(best_j, time.perf_counter() - t0)
    np.save(os.path.join(tmp, "K.npy"), K.numpy())
    return {"gram_s": cold, "gram_warm_s": best, "conv_jac_s": best_j, "n_conv": model.n_conv,
            "Jconv_shape": list(Jc.shape),
            "gram_rss_GiB": peak_rss_gib()}


def phase_baseline(args, doc, w, X, Y, tmp):
    import torch
    from verifier.torch_backend import models
    model = models.model_from_doc(doc)
    wt, Xt = torch.as_tensor(w), torch.as_tensor(X)
    m, n = X.shape[0] * doc["l"], model.n
    cap = args.baseline_max_gb * 2**30
    # intermediates of one chunk of c vjps over the whole batch: about c * d * (sum of units) numbers,
    # a few times over (activations' and pre-activations' cotangents); J itself is preallocated.
    units = sum(g["units"] for g in model.geom) + model.p
    per_row = 4 * X.shape[0] * units * 8 + n * 8
    chunk = int(max(1, min(m, (cap - m * n * 8) // per_row)))
    t0 = time.perf_counter()
    out, vjp_fn = torch.func.vjp(lambda v: model.predict(v, Xt).reshape(-1), wt)
    J = torch.empty(m, n, dtype=torch.float64)
    eye_rows = torch.eye(m, dtype=torch.float64)
    batched = torch.func.vmap(vjp_fn)
    for s in range(0, m, chunk):
        J[s:s + chunk] = batched(eye_rows[s:s + chunk])[0]
        log(f"baseline rows {min(m, s + chunk)}/{m} at {time.perf_counter() - t0:.1f} s")
    t_j = time.perf_counter() - t0
    t0 = time.perf_counter()
    Ke = J @ J.T
    t_jj = time.perf_counter() - t0
    K = np.load(os.path.join(tmp, "K.npy"))
    err = float(np.abs(K - Ke.numpy()).max() / np.abs(K).max())
    del J, Ke, eye_rows
    out = {"base_J_s": t_j, "base_JJt_s": t_jj, "base_s": t_j + t_jj, "base_chunk": chunk, "rel_err": err}
    # second baseline: per-sample Jacobians over all n parameters (vmap over samples of jacrev, as the
    # backend does for the conv parameters only), then J J^T
    def one(v, x):
        return model.predict(v, x[None])[0]
    t0 = time.perf_counter()
    J = torch.func.vmap(torch.func.jacrev(one), in_dims=(None, 0), chunk_size=args.per_sample_chunk)(wt, Xt)
    J = J.reshape(m, n)
    t_j2 = time.perf_counter() - t0
    t0 = time.perf_counter()
    Ke = J @ J.T
    t_jj2 = time.perf_counter() - t0
    err2 = float(np.abs(K - Ke.numpy()).max() / np.abs(K).max())
    out.update({"ps_J_s": t_j2, "ps_JJt_s": t_jj2, "ps_s": t_j2 + t_jj2, "ps_rel_err": err2,
                "base_rss_GiB": peak_rss_gib()})
    return out


def phase_verify(args, doc, w, X, Y, tmp):
    from verifier.theorems.cooper_float import verify_at_scale
    w0 = start_point(doc, w, X, Y, args.seed)
    t0 = time.perf_counter()
    cert = verify_at_scale("cooper-2.3", doc, w0, X, Y, arrays_name="conv.arrays.npz", steps=args.gn_steps,
                           progress=log)
    t_v = time.perf_counter() - t0
    cert.write(os.path.join(tmp, "conv.json"))
    tm = cert.doc["timings_s"]
    failed = [f"{c['id']}: {c['status']}" for c in cert.doc["claims"] if c["status"] != "verified"]
    return {"status": cert.status, "verify_s": t_v, "gn_s": tm.get("gauss_newton"),
            "cert_gram_s": tm.get("gram"), "spectrum_s": tm.get("spectrum"), "pd_s": tm.get("pd_proof"),
            "lip_s": tm.get("lipschitz"), "gn_hist": cert.doc["extra"].get("gauss_newton_max_abs_H"),
            "reason": cert.doc.get("reason", ""), "not_verified": failed, "verify_rss_GiB": peak_rss_gib()}


def phase_check(args, doc, w, X, Y, tmp):
    from verifier.checker import check_certificate
    path = os.path.join(tmp, "conv.json")
    t0 = time.perf_counter()
    with open(path) as f:
        cert = json.load(f)
    rep = check_certificate(cert, base_dir=tmp)
    t_c = time.perf_counter() - t0
    out = {"checker": rep.status, "check_s": t_c, "check_rss_GiB": peak_rss_gib()}
    if not rep.ok:
        out["checker_lines"] = rep.lines
    return out


def child(args):
    """Run one phase; print its JSON result as the last line of stdout."""
    width = args.width or hidden_width(args.params, args.length)
    doc, w, X, Y, _ = build(args.length, width, args.child_d, args.seed)
    fn = {"gram": phase_gram, "baseline": phase_baseline, "verify": phase_verify, "check": phase_check}
    res = fn[args.phase](args, doc, w, X, Y, args.tmp)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    res[f"{args.phase}_cpu_s"] = ru.ru_utime + ru.ru_stime      # the whole child, imports included
    print(json.dumps(res, default=float))
    return 0


# ---------------------------------------------------------------------------- driver


def run_phase(args, phase, d, tmp, timeout):
    argv = [sys.executable, os.path.abspath(__file__), "--_phase", phase, "--_d", str(d), "--_tmp", tmp,
            "--length", str(args.length), "--params", str(args.params), "--seed", str(args.seed),
            "--repeat", str(args.repeat), "--baseline-max-gb", str(args.baseline_max_gb),
            "--gn-steps", str(args.gn_steps), "--per-sample-chunk", str(args.per_sample_chunk)]
    if args.width:
        argv += ["--width", str(args.width)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=None if args.verbose else subprocess.PIPE,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        last = [ln for ln in err.splitlines() if ln.strip()][-1:] if err else []
        return {"_error": f"timed out after {timeout:.0f} s" + (f" (last: {last[0]})" if last else "")}
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-5:]
        return {"_error": f"exit {proc.returncode}: " + " | ".join(tail)}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res[f"{phase}_proc_s"] = wall
    return res


def fmt(v, nd=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}e}" if (v != 0 and abs(v) < 10 ** -nd) else f"{v:.{nd}f}"
    return str(v)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small preset, d = 200 only (a smoke test, < 1 minute)")
    ap.add_argument("--preset", choices=sorted(PRESETS), default="1e5",
                    help="sizes: 1e5 (n ~ 1e5, d = 500, 2000; the default) or small (n ~ 1e4, d = 200, 500)")
    ap.add_argument("--params", type=int, default=None, help="target number of parameters n (sets W)")
    ap.add_argument("--width", type=int, default=None, help="hidden width W (overrides --params)")
    ap.add_argument("--length", type=int, default=64, help="input length L (1 channel)")
    ap.add_argument("--d", type=int, action="append", help="number of samples (repeatable)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=2,
                    help="structured Gram: after the first (cold) call, best of this many further calls")
    ap.add_argument("--baseline-max-gb", type=float, default=4.0,
                    help="skip the explicit-J baseline when J (m*n*8 bytes) exceeds this; also its chunk budget")
    ap.add_argument("--baseline-timeout-s", type=float, default=1200.0)
    ap.add_argument("--per-sample-chunk", type=int, default=16,
                    help="second baseline (per-sample vmap(jacrev) over all parameters): samples per chunk")
    ap.add_argument("--verify-timeout-s", type=float, default=900.0)
    ap.add_argument("--gn-steps", type=int, default=20, help="Gauss-Newton steps of verify_at_scale")
    ap.add_argument("--skip", default="", help="comma-separated phases to skip: " + ",".join(PHASES))
    ap.add_argument("--json", default=None, help="also write all numbers to this JSON file")
    ap.add_argument("--verbose", action="store_true", help="show the children's progress on stderr")
    ap.add_argument("--_phase", dest="phase", choices=PHASES, help=argparse.SUPPRESS)
    ap.add_argument("--_d", dest="child_d", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--_tmp", dest="tmp", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    preset = PRESETS["small" if args.quick else args.preset]
    if args.params is None:
        args.params = preset["params"]
    if args.phase:
        return child(args)
    ds = args.d or ([200] if args.quick else preset["d"])
    skip = {s for s in args.skip.split(",") if s}
    if skip - set(PHASES):
        ap.error(f"--skip: unknown phases {sorted(skip - set(PHASES))}")

    import torch
    from verifier.torch_backend import models
    width = args.width or hidden_width(args.params, args.length)
    doc, w, _, _, _ = build(args.length, width, 2, args.seed)
    n = models.n_params(doc)
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    print(f"Conv1d benchmark: {models.describe(doc)}, n = {n:,} (W = {width}), seed {args.seed}")
    print(f"machine: {cpu}, {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads), numpy {np.__version__}; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    print("times are wall seconds of single runs; each phase in its own process (peak RSS per phase); "
          "'proc cpu s': user + system CPU seconds of the verify child (imports and set-up included)")
    rows = []
    for d in ds:
        m = d * doc["l"]
        row = {"n": n, "d": d, "load_before": os.getloadavg()[0]}
        with tempfile.TemporaryDirectory() as tmp:
            for phase in PHASES:
                if phase in skip:
                    continue
                if phase == "baseline":
                    if "gram" in skip:
                        row["base_note"] = "needs the gram phase"
                        continue
                    if m * n * 8 > args.baseline_max_gb * 2**30:
                        row["base_note"] = (f"skipped: J needs {m * n * 8 / 2**30:.3g} GiB "
                                            f"> --baseline-max-gb {args.baseline_max_gb}")
                        continue
                if phase == "check" and "verify" in skip:
                    continue
                timeout = {"baseline": args.baseline_timeout_s, "verify": args.verify_timeout_s}.get(phase)
                log(f"d = {d}: {phase}")
                res = run_phase(args, phase, d, tmp, timeout)
                if "_error" in res:
                    row[f"{phase}_error"] = res["_error"]
                    log(f"d = {d}: {phase} failed: {res['_error']}")
                    if phase == "verify":
                        break
                    continue
                row.update(res)
                log(f"d = {d}: {phase} done: " + ", ".join(f"{k} = {fmt(v) if not isinstance(v, list) else v}"
                                                          for k, v in res.items() if k != "checker_lines"))
        row["load_after"] = os.getloadavg()[0]
        if "base_s" in row and "gram_s" in row:
            row["ratio"] = row["base_s"] / row["gram_s"]
            row["ratio_warm"] = row["base_s"] / row["gram_warm_s"]
        if "ps_s" in row and "gram_s" in row:
            row["ps_ratio"] = row["ps_s"] / row["gram_s"]
            row["ps_ratio_warm"] = row["ps_s"] / row["gram_warm_s"]
        rows.append(row)

    cols = [("n", "n"), ("d", "d"), ("gram_s", "K structured s"), ("gram_warm_s", "(warm s)"),
            ("conv_jac_s", "(J_conv warm s)"),
            ("base_s", "explicit J + JJ^T s"), ("base_J_s", "(J s)"), ("ratio", "ratio (cold, warm)"),
            ("rel_err", "max|dK|/max|K|"), ("ps_s", "per-sample J + JJ^T s"), ("ps_J_s", "(J s)"),
            ("ps_ratio", "ratio (cold, warm)"), ("status", "verify status"), ("verify_s", "verify s"),
            ("verify_cpu_s", "(verify proc cpu s)"),
            ("gn_s", "(GN s)"), ("cert_gram_s", "(Gram+abs s)"), ("spectrum_s", "(eigvalsh s)"),
            ("pd_s", "(PD s)"), ("lip_s", "(Lip s)"), ("checker", "checker"), ("check_s", "check s"),
            ("gram_rss_GiB", "RSS K"), ("base_rss_GiB", "RSS base"), ("verify_rss_GiB", "RSS verify"),
            ("check_rss_GiB", "RSS check"), ("load_before", "load")]
    print()
    print("| " + " | ".join(h for _, h in cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        cells = []
        for k, _ in cols:
            v = r.get(k)
            if k in ("ratio", "ps_ratio") and v is not None:
                cells.append(f"{v:.1f}x, {r[k + '_warm']:.0f}x")
            elif k == "rel_err" and v is not None:
                cells.append(f"{v:.1e}")
            elif k == "load_before":
                cells.append(f"{r['load_before']:.1f}/{r['load_after']:.1f}")
            elif k in ("n",):
                cells.append(f"{v:,}")
            else:
                cells.append(fmt(v))
        print("| " + " | ".join(cells) + " |")
    notes = []
    for r in rows:
        for k in ("base_note", "baseline_error", "gram_error", "verify_error", "check_error"):
            if k in r:
                notes.append(f"d = {r['d']}: {k.replace('_', ' ')}: {r[k]}")
        if "gn_hist" in r:
            notes.append(f"d = {r['d']}: Gauss-Newton max|H|: " + ", ".join(f"{h:.1e}" for h in r["gn_hist"]))
        if "base_chunk" in r:
            notes.append(f"d = {r['d']}: explicit J in chunks of {r['base_chunk']} rows; per-sample J: "
                         f"max|K - K_explicit|/max|K| = {r['ps_rel_err']:.1e} (runs after the first baseline, "
                         "so torch.func is already set up: compare it with the warm K)")
        if r.get("not_verified"):
            notes.append(f"d = {r['d']}: claims not verified: {r['not_verified']} ({r.get('reason', '')})")
        if r.get("checker_lines"):
            notes.append(f"d = {r['d']}: checker: " + " | ".join(r["checker_lines"]))
    for line in notes:
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"n": n, "width": width, "rows": rows}, f, indent=1, default=float)
    ok = all(r.get("status", "verified") == "verified" and r.get("checker", "verified") == "verified"
             and not any(k.endswith("_error") and k != "baseline_error" for k in r) for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
