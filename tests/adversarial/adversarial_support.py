"""Shared set-up for the adversarial tests: honest certificates, resealing, time limits.

Not a test module (no ``test_`` prefix); the test files import it by name (pytest puts
this folder on ``sys.path`` because ``tests/`` has no ``__init__.py``).
"""

from __future__ import annotations

import contextlib
import copy
import random
import signal
from fractions import Fraction

import numpy as np

from verifier.checker import check_certificate
from verifier.checker.format import digest, instance_hash
from verifier.data import dataset_from_arrays
from verifier.network import mlp
from verifier.system import compile_system
from verifier.search import gauss_newton
from verifier.theorems import verify


# ---------------------------------------------------------------------------- certificates


def random_data(seed: int, d: int, p: int, l: int = 1):  # noqa: E741
    """d distinct random rational inputs in R^p with rational targets in R^l."""
    rng = random.Random(seed)
    X, seen = [], set()
    while len(X) < d:
        row = tuple(Fraction(rng.randint(-40, 40), rng.randint(1, 9)) for _ in range(p))
        if row not in seen:
            seen.add(row)
            X.append(list(row))
    Y = [[Fraction(rng.randint(-30, 30), rng.randint(1, 7)) for _ in range(l)] for _ in range(d)]
    return dataset_from_arrays(X, Y)


def cert_41(d: int = 6, seed: int = 1) -> dict:
    return verify("cooper-4.1", random_data(seed, d, 2)).to_json()


def cert_42(d: int = 5, seed: int = 2) -> dict:
    return verify("cooper-4.2", random_data(seed, d, 2, l=2)).to_json()


def gauss_newton_point(net, data, seed: int = 2, scale: float = 0.5) -> dict:
    """A float point near M for (net, data): Gauss-Newton from a small random start, as exact Fractions."""
    system = compile_system(net, data)
    rng = np.random.default_rng(seed)
    w = gauss_newton(system, scale * rng.normal(size=net.n))
    return {lab: Fraction(float(v)) for lab, v in zip(net.labels, w)}


def cert_23(d: int = 4, seed: int = 6) -> dict:
    net = mlp(2, [3], activation="softplus")
    data = random_data(seed, d, 2)
    point = gauss_newton_point(net, data)
    return verify("cooper-2.3", data, network=net, point=point).to_json()


def reseal(cert: dict) -> dict:
    """The informed attacker: recompute the instance hash and the digest after editing."""
    inst = cert.get("instance")
    if isinstance(inst, dict) and "network" in inst and "data" in inst:
        try:
            inst["sha256"] = instance_hash(inst)
        except (TypeError, ValueError):
            pass
    cert["digest"] = digest(cert)
    return cert


def claim(cert: dict, cid: str) -> dict:
    return next(c for c in cert["claims"] if c["id"] == cid)


def unknowns(cert: dict) -> list:
    return claim(cert, "zero")["evidence"]["unknowns"]


def fixed_label(cert: dict, prefixes=("W1", "b1")) -> str:
    """A label whose point coordinate is exact (not a ball), preferring the first layer."""
    for lab, v in cert["point"].items():
        if not isinstance(v, dict) and lab.startswith(prefixes):
            return lab
    raise LookupError("no fixed first-layer coordinate")


def check(cert):
    """check_certificate on a deep copy (so a test cannot see the checker mutate anything)."""
    return check_certificate(copy.deepcopy(cert))


# ---------------------------------------------------------------------------- time limits


class TimeLimit(Exception):
    """Raised inside the code under test when a time limit expires."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Interrupt the body after ``seconds`` (SIGALRM; main thread, POSIX only).

    A long C-level call (e.g. one big-integer power) is interrupted only when it returns.
    """
    def handler(signum, frame):
        raise TimeLimit(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
