"""Cooper, Theorem 2.1, global form for polynomial networks.

Theorem: if 0 is a regular value of H (rank J = l*d at every zero), M = H^{-1}(0) is empty or a smooth
(n - l*d)-manifold; for almost every target vector it is (Sard). Over C this is decided exactly: the
Lagrange system H = 0, J^T lam = 0 has no solution in any chart lam_k = 1.

Instance family: the t^2 unit and a 2-3-1 t^2 network at generic targets (verified); zero targets, where the
network with a = c = 0 fits with rank J < l*d (refuted by an exact singular point, then a certified
perturbation of the targets); failing: tanh (not polynomial).
"""

import sys

from _algebra_family import PLANE, data1, data2, square_unit, wide_square
from _corpus import Instance, main

from verifier.network import mlp

THEOREM = "cooper-2.1-global"
FAMILY = "t^2 unit and 2-3-1 t^2 at generic targets; zero targets (singular point + Sard perturbation); tanh"


def instances():
    return [
        Instance("square-unit-d3", data1([1, 2, 3], [1, 3, 2]), {"network": square_unit()}),
        Instance("square-unit-d2", data1([1, 2], [1, 3]), {"network": square_unit()}),
        Instance("wide-square-d4", data2(PLANE[:4], [1, 2, 0, 4]), {"network": wide_square()}),
        Instance("square-unit-zero-targets", data1([1, 2, 3], [0, 0, 0]), {"network": square_unit()}, "refuted",
                 "0 is a critical value; a perturbation of the targets by < 1/1000 is certified regular"),
        Instance("tanh-d3", data1([1, 2, 3], [1, 0, 1]), {"network": mlp(1, [2], activation="tanh")}, "not-applicable",
                 "hypothesis fails: tanh is not a polynomial"),
    ]


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
