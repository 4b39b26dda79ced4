"""Small polynomial networks and data shared by the algebraic proof scripts."""

import _corpus  # noqa: F401  (puts the repository on sys.path)
from flint import fmpq

from verifier.activations import identity, polynomial, power, relu_approx
from verifier.data import Dataset
from verifier.network import liao_poggio_tree, mlp


def data1(xs, ys, source=""):
    """One input, one output, exact rationals."""
    return Dataset([[fmpq(x)] for x in xs], [[fmpq(y)] for y in ys], source=source)


def data2(rows, ys, source=""):
    return Dataset([[fmpq(c) for c in r] for r in rows], [[fmpq(y)] for y in ys], source=source)


def square_unit():
    """f(x) = a (w x + b)^2 + c: n = 4; its functions span {1, x, x^2}."""
    return mlp(1, [1], activation=power(2))


def wide_square(p=2, h=3):
    return mlp(p, [h], activation=power(2))


def half_quadratic(p=2, h=3):
    return mlp(p, [h], activation=polynomial(["0", "1", "1/2"]))


def deep_square():
    return mlp(1, [2, 2], activation=power(2))


def relu4():
    return mlp(1, [2], activation=relu_approx(4, 2))


def linear(p=2, h=2):
    return mlp(p, [h], activation=identity())


def tree():
    return liao_poggio_tree(activation=power(2))


PLANE = [(1, 2), (3, -1), (0, 5), (2, 2), (-1, -3), (4, 1)]
