"""Liao-Poggio: generic rank of J, dimension and degree of V(H).

Theorem: the image of w -> (f_w(x_i))_i has dimension r = generic rank of J; r < l*d makes M empty for
generic targets, r = l*d makes M (for generic targets) empty or smooth of dimension n - l*d; every component
of V(H) has dimension >= n - l*d, and special targets (y = 0) give components of larger dimension.

Instance family: the t^2 unit (rank 3 = l*d on 3 points; rank 3 < 4 on 4 points), zero targets (an excess
component), wider and rational-quadratic networks (full rank), a linear network (rank 3 from its symmetries
and its function space), bias-free t^2 networks whose outputs are binary forms (rank 3 and 5 < l*d from the
function space: 3 quadratic, 5 quartic monomials); failing: softplus (not polynomial); a Groebner basis past
its time budget stays inconclusive.
"""

import sys

from _algebra_family import PLANE, data1, data2, half_quadratic, linear, square_unit, wide_square
from _corpus import Instance, main

from verifier.activations import power
from verifier.network import mlp

THEOREM = "liao-poggio-dimension"
BRIEF = [(1, 2), (3, -1), (2, 5), (-1, 4), (1, 7)]
FAMILY = ("t^2 unit, zero targets, 2-3-1 quadratics, linear 2-2-1, bias-free t^2 2-2-1 and 2-2-2-1 (binary forms); "
          "n = 4..13, d = 3..7; failing: softplus")


def instances():
    return [
        Instance("square-unit-d3", data1([1, 2, 3], [1, 3, 2]), {"network": square_unit()}, note="r = l*d = 3"),
        Instance("square-unit-d4", data1([0, 1, 2, 5], [1, 0, 2, 5]), {"network": square_unit()},
                 note="r = 3 < l*d = 4: image of measure zero"),
        Instance("square-unit-zero-targets", data1([1, 2, 3], [0, 0, 0]), {"network": square_unit()},
                 note="y = 0: excess component {a = c = 0} of dimension 2 > 1"),
        Instance("wide-square-d4", data2(PLANE[:4], [1, 2, 0, 4]), {"network": wide_square()}),
        Instance("half-quadratic-d5-budget", data2(PLANE[:5], [1, 2, 0, 4, 1]),
                 {"network": half_quadratic(), "timeout": 2.0}, "inconclusive",
                 "the generic rank is certified; the Groebner basis runs past its 2 s budget: inconclusive"),
        Instance("linear-d6", data2(PLANE, [1, 2, 0, 4, 1, 3]), {"network": linear(), "groebner": False},
                 note="affine functions: r = 3, by GL and bias-shift symmetries and the function space"),
        Instance("binary-quadratic-form-d5", data2(BRIEF, [1, 2, 3, 4, 5]),
                 {"network": mlp(2, [2], activation=power(2), bias=False), "groebner": False},
                 note="f is a binary quadratic form: 3 monomials, r = 3 < l*d = 5 (symmetries give only 4)"),
        Instance("binary-quartic-d7", data2(BRIEF + [(4, 1), (-2, 3)], [1, 2, 3, 4, 5, 6, 7]),
                 {"network": mlp(2, [2, 2], activation=power(2), bias=False), "groebner": False},
                 note="two t^2 layers: a binary quartic, 5 monomials, r = 5 < l*d = 7 (symmetries give only 6)"),
        Instance("softplus-d3", data1([1, 2, 3], [1, 0, 1]), {"network": mlp(1, [2], activation="softplus")},
                 "not-applicable", "hypothesis fails: softplus is not a polynomial"),
    ]


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
