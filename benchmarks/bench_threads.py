"""Thread pools on a small machine: torch (OpenMP + MKL) and numpy (OpenBLAS) in one process.

Usage::

    PYTHONPATH=. python benchmarks/bench_threads.py            # about 1-2 minutes on 2 cores
    PYTHONPATH=. python benchmarks/bench_threads.py --d 800 --width 2000 --reps 3
    PYTHONPATH=. python benchmarks/bench_threads.py --library --d 500 --width 5000   # the library's pinning

torch's CPU wheel runs its intra-op work on an OpenMP pool (libgomp) with MKL linked in; numpy
brings its own OpenBLAS with its own pthread pool. Both default to one thread per core and both
spin-wait for a while after a call, so alternating or overlapping calls can oversubscribe the cores.

One repetition = the structured Gram K (torch, J never formed) + ``torch.linalg.eigvalsh(2K)`` +
a numpy step on the same data (``numpy.linalg.eigvalsh(K)`` and ``A @ A.T`` for a d x width float64
A). Two schedules:

* ``sequential``: torch work, then numpy work, repeated;
* ``overlapped``: the numpy step of repetition r runs in a worker thread while torch computes
  repetition r + 1 (a pipeline, as when checking and reporting overlap).

``--library`` times the library itself instead: ``verify_at_scale`` (20-width-1 tanh, start near M)
and the numpy checker in the same process, with the pinning of ``core.pinned_threads`` (numpy's BLAS
on one thread during the torch phases) switched off (``VERIFIER_PIN_THREADS=0``) and on, alternating.

Configurations: torch threads T (``torch.set_num_threads``) x numpy BLAS threads B
(``threadpoolctl.threadpool_limits(B, user_api="blas")``, which limits numpy's OpenBLAS only: torch's
MKL is linked statically and its OpenMP pool is ``user_api="openmp"``). The table gives the median
seconds per repetition, CPU seconds and the ratio to the default (T = B = cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from verifier.network import mlp
from verifier.torch_backend import TorchMLP


def setup(d, width, seed=0):
    net = mlp(20, [width], l=1, activation="tanh")
    model = TorchMLP.from_network(net)
    rng = np.random.default_rng(seed)
    X = torch.as_tensor(rng.normal(size=(d, 20)))
    w = torch.as_tensor(rng.normal(size=net.n)) / np.sqrt(20)
    A = rng.normal(size=(d, width))
    return model, w, X, A


def torch_step(model, w, X):
    K = model.gram(w, X)
    ev = torch.linalg.eigvalsh(2.0 * K)
    return K, float(ev[-1])


def numpy_step(K, A):
    Kn = K.numpy()
    ev = np.linalg.eigvalsh(Kn)
    G = A @ A.T
    return float(ev[-1]) + float(G[0, 0])


def run(schedule, model, w, X, A, reps):
    times = []
    if schedule == "sequential":
        for _ in range(reps + 1):                 # first repetition warms up, not timed
            t = time.perf_counter()
            K, _ = torch_step(model, w, X)
            numpy_step(K, A)
            times.append(time.perf_counter() - t)
    else:
        with ThreadPoolExecutor(1) as ex:
            K, _ = torch_step(model, w, X)
            fut = None
            for _ in range(reps + 1):
                t = time.perf_counter()
                fut = ex.submit(numpy_step, K, A)
                K, _ = torch_step(model, w, X)
                fut.result()
                times.append(time.perf_counter() - t)
    return statistics.median(times[1:])


def library(d, width, reps):
    import json
    import tempfile

    from verifier.checker import check_certificate
    from verifier.theorems.cooper_float import verify_at_scale
    doc = {"format": "verifier-mlp", "version": 1, "p": 20, "l": 1,
           "layers": [{"out": width, "bias": True, "activation": "tanh"}, {"out": 1, "bias": True, "activation": None}]}
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(d, 20)), rng.normal(size=(d, 1))
    W, b = rng.normal(size=(width, 20)) / np.sqrt(20), rng.normal(size=width) * 0.5
    Aa = np.hstack([np.tanh(X @ W.T + b), np.ones((d, 1))])
    sol = np.linalg.lstsq(Aa, Y, rcond=None)[0]
    w0 = np.concatenate([W.ravel(), b, sol[:-1].T.ravel(), sol[-1]])
    w0[-(width + 1):] += 1e-3 * rng.normal(size=width + 1)
    print(f"library: verify_at_scale cooper-2.3, 20-{width}-1 tanh, n = {w0.size}, d = {d}, then the numpy checker "
          f"in the same process; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    res = {"0": [], "1": []}
    for r in range(reps + 1):                     # alternate off/on; the first round warms up
        for flag in ("0", "1"):
            os.environ["VERIFIER_PIN_THREADS"] = flag
            t, c0 = time.perf_counter(), time.process_time()
            cert = verify_at_scale("cooper-2.3", doc, w0, X, Y, arrays_name="t.arrays.npz")
            tv, cv = time.perf_counter() - t, time.process_time() - c0
            with tempfile.TemporaryDirectory() as tmp:
                cert.write(os.path.join(tmp, "t.json"))
                t = time.perf_counter()
                rep = check_certificate(json.load(open(os.path.join(tmp, "t.json"))), base_dir=tmp)
                tc = time.perf_counter() - t
            assert cert.status == "verified" and rep.status == "verified"
            if r:
                res[flag].append((tv, tc, cert.doc["timings_s"], cv))
    os.environ.pop("VERIFIER_PIN_THREADS")
    print(f"{'pinning':8s}  {'verify s':>8s}  {'CPU s':>6s}  {'GN s':>6s}  {'Gram s':>6s}  {'eig s':>6s}  "
          f"{'PD s':>6s}  {'Lip s':>6s}  {'checker s':>9s}")
    for flag, name in (("0", "off"), ("1", "on")):
        rows = res[flag]
        med = lambda f: statistics.median(f(x) for x in rows)   # noqa: E731
        print(f"{name:8s}  {med(lambda x: x[0]):8.2f}  {med(lambda x: x[3]):6.2f}  "
              f"{med(lambda x: x[2]['gauss_newton']):6.2f}  "
              f"{med(lambda x: x[2]['gram']):6.2f}  {med(lambda x: x[2]['spectrum']):6.2f}  "
              f"{med(lambda x: x[2]['pd_proof']):6.2f}  {med(lambda x: x[2].get('lipschitz', 0.0)):6.2f}  "
              f"{med(lambda x: x[1]):9.2f}")
    print(f"load average at end {os.getloadavg()[0]:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=1000)
    ap.add_argument("--width", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--library", action="store_true", help="time verify_at_scale with the library's pinning off/on")
    args = ap.parse_args()
    if args.library:
        return library(args.d, args.width, args.reps)
    cores = os.cpu_count()
    model, w, X, A = setup(args.d, args.width)
    print(f"thread pools: torch {torch.__version__}, numpy {np.__version__}; {cores} CPUs; "
          f"load average {os.getloadavg()[0]:.2f}")
    for i in threadpool_info():
        print(f"  {i['user_api']:7s} {i['internal_api']:9s} {i['num_threads']} threads  {os.path.basename(i['filepath'])}")
    print(f"  torch intra-op threads {torch.get_num_threads()} (MKL inside torch is static, invisible to threadpoolctl)")
    print(f"one repetition: structured Gram (d = {args.d}, 20-{args.width}-1 tanh, n = {model.n}) + torch eigvalsh "
          f"+ numpy eigvalsh({args.d}x{args.d}) + numpy ({args.d}x{args.width}) @ its transpose; "
          f"median of {args.reps} after one warm-up")
    configs = [(cores, None), (cores, 1), (1, None), (1, 1)]
    rows = []
    for schedule in ("sequential", "overlapped"):
        base = None
        for tt, bb in configs:
            torch.set_num_threads(tt)
            c0 = time.process_time()
            if bb is None:
                med = run(schedule, model, w, X, A, args.reps)
            else:
                with threadpool_limits(limits=bb, user_api="blas"):
                    med = run(schedule, model, w, X, A, args.reps)
            cpu = (time.process_time() - c0) / (args.reps + 1)
            base = med if base is None else base
            rows.append((schedule, tt, bb if bb is not None else cores, med, cpu, base / med))
        torch.set_num_threads(cores)
    print()
    print(f"{'schedule':10s}  {'torch thr':>9s}  {'numpy BLAS thr':>14s}  {'s/rep':>7s}  {'CPU s/rep':>9s}  "
          f"{'speed-up vs default':>19s}")
    for s, tt, bb, med, cpu, ratio in rows:
        print(f"{s:10s}  {tt:9d}  {bb:14d}  {med:7.3f}  {cpu:9.3f}  {ratio:18.2f}x")
    print(f"load average at end {os.getloadavg()[0]:.2f} (other load on the machine inflates wall times)")


if __name__ == "__main__":
    main()
