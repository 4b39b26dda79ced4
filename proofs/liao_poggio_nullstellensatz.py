"""Liao-Poggio: inconsistent data and Hilbert's Nullstellensatz.

Theorem: no parameters fit the data (V(H) is empty over C) iff 1 = sum_r g_r H_r for polynomials g_r.

Instance family: y = x^3 on 4 points against the t^2 unit (its functions span {1, x, x^2}); a repeated
input with two targets; three non-collinear points against a linear network (affine functions of one
input); consistent data, where the verifier exhibits an exact fitting point (refuted: V(H) is nonempty).
"""

import sys

from _algebra_family import data1, square_unit
from _corpus import Instance, main

from verifier.activations import identity, power
from verifier.network import mlp

THEOREM = "liao-poggio-nullstellensatz"
FAMILY = "t^2 unit vs cubic data, repeated input, linear net vs non-collinear points; consistent data (refuted); failing: tanh"


def instances():
    return [
        Instance("square-unit-cubic-d4", data1([0, 1, 2, 3], [0, 1, 8, 27]), {"network": square_unit()},
                 note="y = x^3 is not quadratic"),
        Instance("repeated-input", data1([1, 1], [0, 1]), {"network": mlp(1, [2], activation=power(2))},
                 note="x_1 = x_2, y_1 != y_2"),
        Instance("linear-three-points", data1([0, 1, 2], [0, 1, 0]), {"network": mlp(1, [1], activation=identity())},
                 note="not collinear"),
        Instance("consistent-d3", data1([0, 1, 2], [1, 2, 7]), {"network": mlp(1, [3], activation=power(2))},
                 "refuted", "V(H) nonempty: an exact point fits"),
        Instance("tanh-d3", data1([1, 2, 3], [1, 0, 1]), {"network": mlp(1, [2], activation="tanh")},
                 "not-applicable", "hypothesis fails: tanh is not a polynomial"),
    ]


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
