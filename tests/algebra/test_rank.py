"""Generic rank of J mod p (verifier/algebra/rank.py) and its independent re-check.

The re-check: verifier/checker/algebra/modp.py.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from flint import fmpq, fmpq_mat, fmpz, nmod_mat

from verifier import activations as A
from verifier import network as N
from verifier.algebra import rank as R
from verifier.algebra.rank import (
    P_MAX,
    choose_prime,
    generic_rank,
    jacobian_mod_p,
    rank_mod_p,
)
from verifier.checker.core.evaluate import Network as CheckerNet
from verifier.checker.algebra.modp import minor_nonzero_mod_p
from verifier.data import Dataset, dataset_from_arrays
from verifier.errors import InputError
from verifier.system import compile_system

CUBIC = A.polynomial(["0", "1/2", "1", "1/3"])


def int_data(rng, net, d, lo=-3, hi=4):
    return dataset_from_arrays(rng.integers(lo, hi, size=(d, net.p)), rng.integers(lo, hi, size=(d, net.l)))


def skip_dag():
    """Skip connections, per-node activations, a label on edges of different layers and as a bias, two outputs."""
    g = nx.DiGraph()
    for i in range(3):
        g.add_node(f"x{i}", kind="input")
    g.add_node("a", kind="hidden", bias="s", activation=A.power(2))
    g.add_node("b", kind="hidden", bias="t", activation=A.polynomial(["1", "2", "0", "-1"]))
    g.add_node("c", kind="hidden", bias="s")                      # the default activation
    g.add_node("y0", kind="output", bias="u")
    g.add_node("y1", kind="output")
    for u, v, lab in [("x0", "a", "s"), ("x1", "a", "k"), ("x1", "b", "k"), ("x2", "b", "m"), ("a", "c", "k"),
                      ("x2", "c", "q"), ("c", "y0", "v"), ("b", "y0", "s"), ("x0", "y0", "z"), ("a", "y1", "v"),
                      ("c", "y1", "k")]:
        g.add_edge(u, v, weight=lab)
    return N.validate(g, activation=A.identity(), name="skip dag")


def check(net, data, result, *, labels=None, **changes):
    """Run the checker on a generic_rank result, with optional tampering."""
    labels = list(net.labels) if labels is None else labels
    args = {"p": result["prime"], "point": dict(zip(net.labels, result["point"])), "rows": list(result["rows"]),
            "cols": [labels.index(net.labels[c]) for c in result["cols"]]}
    args.update(changes)
    return minor_nonzero_mod_p(CheckerNet(N.network_to_json(net)), [list(r) for r in data.X],
                               [list(r) for r in data.Y], args["p"], args["point"], args["rows"], args["cols"], labels)


# ----------------------------------------------------------------------------- J mod p

NETS = {
    "mlp-poly-2-outputs": lambda: N.mlp(3, [4, 3], l=2, activation=A.polynomial(["1", "-2", "3"])),
    "liao-poggio-tree": lambda: N.liao_poggio_tree(activation=A.power(2)),
    "conv1d": lambda: N.conv1d(6, 3, channels=2, l=2, activation=A.power(3)),
    "skip-dag": skip_dag,
}


@pytest.mark.parametrize("name", NETS)
def test_jacobian_mod_p_matches_float_jacobian_at_small_integer_points(name):
    # Integer data and points keep every entry of J an integer well below 2^50, so the
    # float64 Jacobian is exact and its reduction mod p must equal J mod p.
    net = NETS[name]()
    rng = np.random.default_rng(1)
    data = int_data(rng, net, 5)
    system = compile_system(net, data)
    p = choose_prime(net, data)
    for _ in range(3):
        w = rng.integers(-2, 3, size=net.n)
        Jf = system.jacobian_f64(w.astype(float))
        assert np.abs(Jf).max() < 2.0 ** 50
        Jm = jacobian_mod_p(net, data, [int(x) for x in w], p)
        assert Jm.shape == (net.l * data.d, net.n) and Jm.dtype == np.int64
        assert np.array_equal(np.round(Jf).astype(np.int64) % p, Jm)


@pytest.mark.parametrize("name", ["mlp-poly-2-outputs", "skip-dag"])
def test_jacobian_mod_p_is_the_reduction_of_the_exact_rational_jacobian(name):
    # Rational data (denominators 1..6) and a small prime: compare with J over Q entry by entry.
    net = NETS[name]()
    rng = np.random.default_rng(2)
    d = 4
    X = [[fmpq(int(rng.integers(-9, 10)), int(rng.integers(1, 7))) for _ in range(net.p)] for _ in range(d)]
    Y = [[fmpq(0)] * net.l for _ in range(d)]
    data = Dataset(X, Y)
    p = 10007
    w = [int(x) for x in rng.integers(-5, 6, size=net.n)]
    _, J = compile_system(net, data).evaluate_exact([fmpq(x) for x in w], cols=range(net.n))
    want = np.array([[int(q.p) * pow(int(q.q), -1, p) % p for q in row] for row in J.tolist()], dtype=np.int64)
    assert np.array_equal(jacobian_mod_p(net, data, w, p), want)
    # The point may be given by representatives outside [0, p).
    assert np.array_equal(jacobian_mod_p(net, data, [x + 3 * p for x in w], p), want)


def test_weight_sharing_sums_the_columns_of_a_shared_label():
    # conv1d: every position uses K0[s]; its column is the sum over positions.
    net = N.conv1d(4, 2, channels=1, l=1, activation=A.identity(), bias=False)
    data = dataset_from_arrays([[1, 2, 3, 4]], [[0]])
    point = {lab: 1 for lab in net.labels}
    J = jacobian_mod_p(net, data, [point[lab] for lab in net.labels], 101)
    col = dict(zip(net.labels, J[0].tolist()))
    # f = sum_t V[0,0,t] (K0[0] x_t + K0[1] x_{t+1}): d f / d K0[0] = x0 + x1 + x2 = 6, d/dK0[1] = 9.
    assert col["K0[0]"] == 6 and col["K0[1]"] == 9
    assert [col[f"V[0,0,{t}]"] for t in range(3)] == [3, 5, 7]


def test_bad_inputs_raise_one_line_input_errors():
    net = N.mlp(2, [2], activation="smoolu")
    data = dataset_from_arrays([[0, 1], [1, 2]], [[0], [1]])
    with pytest.raises(InputError, match=r"node 'h1_0' has activation smoolu, which is not a polynomial"):
        generic_rank(net, data)
    net = N.mlp(2, [2], activation=CUBIC)
    for bad, match in [(4, "must be a prime"), (P_MAX + 15, "must be a prime"), (3, "divides the denominator 3")]:
        with pytest.raises(InputError, match=match) as exc:
            jacobian_mod_p(net, data, [0] * net.n, bad)
        assert "\n" not in str(exc.value)
    with pytest.raises(InputError, match="needs 9 integers"):
        jacobian_mod_p(net, data, [0] * 3, 101)
    with pytest.raises(InputError, match="must be an integer"):
        jacobian_mod_p(net, data, [0.5] * net.n, 101)
    with pytest.raises(InputError, match="input columns"):
        generic_rank(net, dataset_from_arrays([[0]], [[0]]))
    with pytest.raises(InputError, match="trials"):
        generic_rank(net, data, trials=0)


def test_choose_prime_avoids_denominators():
    net = N.mlp(1, [1], activation=A.polynomial(["0", "1", "1/67108859"]))
    data = dataset_from_arrays([["1/67108837"]], [[0]])
    p = choose_prime(net, data)
    assert p < 67108837 and fmpz(p).is_prime() and p == 67108819
    assert choose_prime(N.mlp(1, [1], activation=CUBIC), dataset_from_arrays([[1]], [[0]])) == 67108859


# ----------------------------------------------------------------------------- rank_mod_p

def test_split_float_product_is_exact_beyond_one_chunk():
    # Inner dimension 40000 > 2^14: three float64 chunks, each exact, reduced between chunks.
    p = 67108859
    rng = np.random.default_rng(4)
    a = rng.integers(p - 1000, p, size=(2, 40000))      # entries near p: the worst case for the bounds
    b = rng.integers(p - 1000, p, size=(40000, 3))
    want = [[sum(int(x) * int(y) for x, y in zip(a[i], b[:, j])) % p for j in range(3)] for i in range(2)]
    assert R._matmul_mod(a, b, p).tolist() == want
    assert rank_mod_p(np.zeros((0, 5), dtype=np.int64), p) == (0, [], [])
    with pytest.raises(InputError):
        rank_mod_p(np.zeros(3, dtype=np.int64), p)
    for bad in (2**31 - 1, 15, 1.0):
        with pytest.raises(InputError, match="needs a prime"):
            rank_mod_p(np.eye(2, dtype=np.int64), bad)


def _assert_minor(A, p, r, rows, cols):
    assert len(rows) == len(cols) == r == len(set(rows)) == len(set(cols))
    assert rows == sorted(rows) and cols == sorted(cols)
    if r:
        S = np.asarray(A)[np.ix_(rows, cols)] % p
        assert nmod_mat(r, r, S.ravel().tolist(), p).det() != 0


def test_rank_mod_p_on_random_structured_matrices():
    p = 67108859
    rng = np.random.default_rng(5)
    for t in range(120):
        m, n = (int(x) for x in rng.integers(0, 30, size=2))
        kind = t % 3
        if kind == 0:
            M = rng.integers(0, p, size=(m, n))
        elif kind == 1:   # low rank
            k = int(rng.integers(0, 5))
            M = rng.integers(0, 50, size=(m, k)) @ rng.integers(0, 50, size=(k, n))
        else:             # few nonzero columns
            M = np.zeros((m, n), dtype=np.int64)
            nz = rng.choice(n, size=min(n, 3), replace=False) if n else []
            M[:, nz] = rng.integers(0, p, size=(m, len(nz)))
        r, rows, cols = rank_mod_p(M, p, seed=t)
        assert r == (nmod_mat(m, n, (M % p).ravel().tolist(), p).rank() if m * n else 0)
        _assert_minor(M, p, r, rows, cols)


@pytest.mark.parametrize("transpose", [False, True])
def test_rank_mod_p_sketch_and_column_repair(transpose):
    # 60 useful columns among 3000: the random column sample misses most of them, so the
    # rank comes from the sketch and the columns from the null-space repair.
    p = 67108859
    rng = np.random.default_rng(6)
    M = np.zeros((50, 3000), dtype=np.int64)
    M[:, rng.choice(3000, 60, replace=False)] = rng.integers(0, p, size=(50, 60))
    M = M.T if transpose else M
    r, rows, cols = rank_mod_p(M, p)
    assert r == 50
    _assert_minor(M, p, r, rows, cols)
    # Five useful columns among 3000: the samples see none of them (repair from nothing).
    M = np.zeros((5, 3000), dtype=np.int64)
    M[:, [7, 1000, 1500, 2200, 2999]] = rng.integers(0, p, size=(5, 5))
    r, rows, cols = rank_mod_p(M.T if transpose else M, p, seed=1)
    assert r == 5 and (rows if transpose else cols) == [7, 1000, 1500, 2200, 2999]
    # Rank-deficient and wide: rank 20 from a narrow sketch; rows from the sampled columns.
    M = rng.integers(0, 1000, size=(80, 20)) @ rng.integers(0, 1000, size=(20, 500))
    r, rows, cols = rank_mod_p(M, p)
    assert r == 20
    _assert_minor(M, p, r, rows, cols)


# ----------------------------------------------------------------------------- generic rank, known cases

def test_one_square_unit_spans_quadratics():
    # f = a (w x + b)^2 + c: n = 4 parameters, but f lies in span{1, x, x^2}.
    net = N.mlp(1, [1], activation=A.power(2))
    assert net.n == 4
    for d, want in [(2, 2), (3, 3), (4, 3), (7, 3)]:
        data = dataset_from_arrays([[i] for i in range(d)], [[0]] * d)
        res = generic_rank(net, data)
        assert res["rank"] == want and res["upper"] == min(4, d)
        assert check(net, data, res)[0]


def test_linear_network_rank_is_the_dimension_of_affine_maps():
    net = N.mlp(2, [3], activation=A.identity())       # f affine in x in R^2: dimension 3
    rng = np.random.default_rng(0)
    data = int_data(rng, net, 6, -20, 20)
    res = generic_rank(net, data, trials=3)
    assert res["rank"] == 3 and res["trial_ranks"] == [3, 3, 3] and res["upper"] == 6


@pytest.mark.parametrize("net_d", [(lambda: N.mlp(3, [4], activation=CUBIC), 10),
                                   (lambda: N.mlp(2, [3], l=2, activation=A.polynomial(["1"] * 5)), 30),
                                   (lambda: N.mlp(4, [30], activation=A.polynomial(["1"] * 6)), 60)])
def test_generic_dense_case_has_full_rank(net_d):
    net, d = net_d[0](), net_d[1]
    data = int_data(np.random.default_rng(1), net, d, -20, 20)
    res = generic_rank(net, data)
    assert res["rank"] == res["upper"] == min(net.n, net.l * d)
    assert res["trial_ranks"] == [res["rank"]]          # stops once the upper bound is reached
    J = jacobian_mod_p(net, data, res["point"], res["prime"])
    _assert_minor(J, res["prime"], res["rank"], res["rows"], res["cols"])
    assert check(net, data, res)[0]


def test_rank_below_the_parameter_count_and_data_size():
    # Quadratic network on R^4: f is a quadratic form plus affine part, dimension 15 < 40 < n = 121.
    net = N.mlp(4, [20], activation=A.power(2))
    data = int_data(np.random.default_rng(2), net, 40, -20, 20)
    res = generic_rank(net, data, seed=3)
    assert res["rank"] == 15 and res["trial_ranks"] == [15, 15] and net.n == 121
    assert check(net, data, res)[0]
    assert set(res) >= {"rank", "prime", "point", "rows", "cols", "trial_ranks", "upper", "seconds"}


# ----------------------------------------------------------------------------- the checker

@pytest.fixture(scope="module")
def square_unit():
    net = N.mlp(1, [1], activation=A.power(2))
    data = dataset_from_arrays([["1/2"], ["2"], ["-3"], ["5/7"]], [[0], [1], [2], [3]])
    return net, data, generic_rank(net, data)


def test_checker_accepts_the_solvers_minor_in_any_label_order(square_unit):
    net, data, res = square_unit
    assert res["rank"] == 3
    ok, why = check(net, data, res)
    assert ok, why
    assert "3 x 3 minor" in why
    assert check(net, data, res, labels=list(reversed(net.labels)))[0]


def test_checker_rejects_a_dependent_column(square_unit):
    # w d/dw + b d/db = 2 a d/da: the columns of w, b, a are dependent at every point.
    net, data, res = square_unit
    labels = list(net.labels)
    dependent = sorted(labels.index(x) for x in ("W1[0,0]", "b1[0]", "W2[0,0]"))
    ok, why = check(net, data, res, cols=dependent)
    assert not ok and "vanishes" in why


def test_checker_rejects_a_point_where_the_minor_vanishes(square_unit):
    net, data, res = square_unit
    point = dict(zip(net.labels, res["point"]))
    point["W2[0,0]"] = 3 * res["prime"]           # a = 0 mod p: the columns of w and b vanish
    ok, why = check(net, data, res, point=point)
    assert not ok and "vanishes" in why


def test_checker_rejects_a_prime_dividing_the_minor(square_unit):
    # The exact rational minor at the point; any prime factor of its numerator makes it vanish mod p.
    net, data, res = square_unit
    labels = list(net.labels)
    _, J = compile_system(net, data).evaluate_exact([fmpq(x) for x in res["point"]], cols=res["cols"])
    det = fmpq_mat([[J[i, j] for j in range(len(res["cols"]))] for i in res["rows"]]).det()
    assert det != 0
    dens = {int(q.q) for row in data.X + data.Y for q in row}
    q = next(int(f) for f, _ in fmpz(det.p).factor() if all(x % int(f) for x in dens))
    ok, why = check(net, data, res, p=q)
    assert not ok and "vanishes" in why
    # A prime with the minor nonzero mod it is fine: the certificate does not depend on p being large.
    other = next(x for x in range(10007, 20000) if fmpz(x).is_prime() and int(det.p) % x)
    assert check(net, data, res, p=other)[0]
    assert labels  # (labels kept for readability of the failure output)


@pytest.mark.parametrize("changes, message", [
    ({"p": 67108859 * 3}, "not prime"),
    ({"p": 1}, "modulus must be an integer"),
    ({"p": True}, "modulus must be an integer"),
    ({"p": 7}, "divides the denominator"),
    ({"rows": [0, 0, 1]}, "rows repeat"),
    ({"rows": [0, 1, 4]}, "out of range"),
    ({"cols": [0, 1, 4]}, "out of range"),
    ({"cols": [0, 1]}, "not square"),
    ({"rows": [0, 1, "2"]}, "list of integers"),
    ({"point": {"W1[0,0]": 1}}, "every parameter label"),
    ({"point": {"W1[0,0]": 1, "b1[0]": 2, "W2[0,0]": 3, "b2[0]": 4.0}}, "is not an integer"),
])
def test_checker_rejects_malformed_evidence(square_unit, changes, message):
    net, data, res = square_unit
    ok, why = check(net, data, res, **changes)
    assert not ok and message in why


def test_checker_empty_minor_and_bad_data(square_unit):
    net, data, res = square_unit
    assert check(net, data, res, rows=[], cols=[]) == (True, "empty minor: rank >= 0 holds trivially")
    cn = CheckerNet(N.network_to_json(net))
    args = (res["prime"], dict(zip(net.labels, res["point"])), res["rows"], res["cols"], list(net.labels))
    ok, why = minor_nonzero_mod_p(cn, [list(r) for r in data.X], [list(r) for r in data.Y][:2], *args)
    assert not ok and "does not match" in why
    ok, why = minor_nonzero_mod_p(cn, [[0.5]] * 4, [list(r) for r in data.Y], *args)
    assert not ok and "not an exact rational" in why


def test_checker_rejects_non_polynomial_activations_and_bad_label_lists(square_unit):
    net, data, res = square_unit
    cn = CheckerNet(N.network_to_json(net))
    point = dict(zip(net.labels, res["point"]))
    for labels in (list(net.labels)[:3], list(net.labels) + ["c"], list(net.labels)[:3] * 2):
        ok, why = minor_nonzero_mod_p(cn, [list(r) for r in data.X], [list(r) for r in data.Y], res["prime"],
                                      point, [0], [0], labels)
        assert not ok and "exactly once" in why
    smooth = N.mlp(1, [1], activation="smoolu")
    ok, why = minor_nonzero_mod_p(CheckerNet(N.network_to_json(smooth)), [list(r) for r in data.X],
                                  [list(r) for r in data.Y], res["prime"], dict(zip(smooth.labels, res["point"])),
                                  [0], [0], list(smooth.labels))
    assert not ok and "non-polynomial" in why


def test_checker_on_the_skip_dag_with_two_outputs():
    net = skip_dag()
    data = int_data(np.random.default_rng(3), net, 6)
    res = generic_rank(net, data)
    assert res["rank"] == net.n == 8
    assert check(net, data, res)[0]
    # Swapping one row for another point's row can only be accepted if that minor is nonzero too.
    J = jacobian_mod_p(net, data, res["point"], res["prime"])
    rows = res["rows"][:-1] + [r for r in range(net.l * data.d) if r not in res["rows"]][:1]
    S = J[np.ix_(rows, res["cols"])]
    expected = nmod_mat(8, 8, S.ravel().tolist(), res["prime"]).det() != 0
    assert check(net, data, res, rows=rows)[0] == expected
