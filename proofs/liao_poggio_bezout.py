"""Liao-Poggio: Bezout bounds for the polynomial system H = 0.

Theorem (Bezout; Liao-Poggio section 3): for polynomial activations H = 0 is a system of l*d polynomial
equations over Q in n unknowns; its isolated complex solutions (for n > l*d: the points of M on a generic
affine slice of codimension n - l*d) number at most the product of the degrees, and at most the
multihomogeneous Bezout number with the variables grouped by layer.

Instance family: t^2 networks (one unit, three units, two hidden layers), a rational quadratic, the
ReLU approximation of degree 4, the Liao-Poggio tree with shared weights; failing: tanh (not polynomial).
"""

import sys

from _algebra_family import PLANE, data1, data2, deep_square, half_quadratic, relu4, square_unit, tree, wide_square
from _corpus import Instance, main

from verifier.network import mlp

THEOREM = "liao-poggio-bezout"
FAMILY = "t^2, rational quadratic, relu-approx(4), Liao-Poggio tree; n = 4..13, d = 3..6; failing: tanh"


# The bounds need no engine; the engines' solution counts shown beside them get a 2 s budget here.
T = 2.0


def instances():
    return [
        Instance("square-unit-d4", data1([0, 1, 2, 3], [1, 0, 2, 5]), {"network": square_unit(), "timeout": T},
                 note="square system n = l*d = 4"),
        Instance("square-unit-d3", data1([1, 2, 3], [1, 3, 2]), {"network": square_unit(), "timeout": T},
                 note="n = 4 > 3"),
        Instance("wide-square-d6", data2(PLANE, [1, 2, 0, 4, 1, 3]), {"network": wide_square(), "timeout": T}),
        Instance("half-quadratic-d5", data2(PLANE[:5], [1, 2, 0, 4, 1]),
                 {"network": half_quadratic(), "timeout": T}),
        Instance("deep-square-d3", data1([1, 2, 3], [1, 0, 1]), {"network": deep_square(), "timeout": T},
                 note="two hidden layers: degree 1 + 2 + 4 = 7"),
        Instance("relu4-d3", data1([-1, 0, 1], [1, 0, 1]), {"network": relu4(), "timeout": T}),
        Instance("tree-d4", data2([(1, 0, 0, 1), (0, 1, 1, 0), (1, 1, 0, 0), (0, 0, 1, 1)], [1, 2, 3, 4]),
                 {"network": tree(), "timeout": T}, note="shared weights"),
        Instance("tanh-d3", data1([1, 2, 3], [1, 0, 1]), {"network": mlp(1, [2], activation="tanh"), "timeout": T},
                 "not-applicable",
                 "hypothesis fails: tanh is not a polynomial"),
    ]


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
