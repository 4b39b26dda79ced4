"""The solver-side certified helpers: norm bounds, rounding of stored bounds, the Krawczyk driver."""

import numpy as np
import pytest
from flint import arb, arb_mat, fmpq

from verifier.checks import _decimal_upper, certify_zero, norm2_upper, round_decimal, round_down
from verifier.data import dataset_from_arrays
from verifier.network import mlp
from verifier.system import compile_system


@pytest.mark.parametrize("seed", range(5))
def test_norm2_upper_bounds_the_spectral_norm(seed):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(7, 5)) * 10.0 ** rng.integers(-200, 200)
    bound = norm2_upper(arb_mat(M.tolist()))
    assert bound >= arb(float(np.linalg.norm(M, 2)) * (1 - 1e-15))


def test_norm2_upper_handles_underflow_and_overflow():
    assert norm2_upper(arb_mat([[arb("1e-400")]])) >= arb("1e-400")
    assert not norm2_upper(arb_mat([[arb("1e400")]])).is_finite()
    assert not (norm2_upper(arb_mat([[arb("nan")]])) < 1)


@pytest.mark.parametrize("q", [fmpq(1, 3), fmpq(123456789, 10 ** 20), fmpq(7), fmpq(10 ** 30 + 1, 3)])
def test_round_down_is_a_short_lower_bound(q):
    r = round_down(q)
    assert 0 < r <= q
    assert r >= q * fmpq(998, 1000)


@pytest.mark.parametrize("q", [fmpq(1, 3), fmpq(1, 2 ** 90), fmpq(5), fmpq(1), fmpq(10 ** 40 + 1)])
def test_decimal_upper_is_a_power_of_ten_above(q):
    r = _decimal_upper(q)
    assert r >= q and r < 10 * q


@pytest.mark.parametrize("q", [fmpq(1, 3), fmpq(-2000, 3), fmpq(2) ** 300 / 7, fmpq(1, 7 * 2 ** 300)])
def test_round_decimal_keeps_the_leading_digits(q):
    r = round_decimal(q, 12)
    assert abs(r - q) <= abs(q) * fmpq(1, 10 ** 11)


def test_certify_zero_is_not_fooled_by_a_point_far_from_M():
    # f(x) = a * softplus(w x + b) + c on 2 points with n = 4 > 2; unknowns a, c at a point with
    # residuals of order 1: refinement finds the true zero, and the box is where that zero is.
    data = dataset_from_arrays([[0], [1]], [1, 2])
    net = mlp(1, [1], activation="softplus")
    system = compile_system(net, data)
    idx = {lab: j for j, lab in enumerate(net.labels)}
    params = [fmpq(1)] * net.n
    unknowns = sorted([idx["W2[0,0]"], idx["b2[0]"]])
    res = certify_zero(system, params, unknowns, prec_bits=128)
    assert res.ok
    vals = list(params)
    for u, v in zip(unknowns, res.mid):
        vals[u] = v
    H, _ = system.evaluate_ball(vals, prec_bits=128)
    assert all(abs(h) < res.rad * 100 for h in H)


def test_certify_zero_singular_subsystem_is_inconclusive():
    # Two data points with equal x: the square subsystem is singular at every point.
    data = dataset_from_arrays([[1], [1]], [1, 2])
    net = mlp(1, [1], activation="softplus")
    system = compile_system(net, data)
    idx = {lab: j for j, lab in enumerate(net.labels)}
    res = certify_zero(system, [fmpq(1)] * net.n, sorted([idx["W2[0,0]"], idx["b2[0]"]]))
    assert not res.ok
