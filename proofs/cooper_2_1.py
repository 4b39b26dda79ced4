"""Cooper, Theorem 2.1 (local form): near a point of M, M is a smooth (n - l*d)-manifold.

Theorem: for a network with a smooth activation and more parameters than equations
(n > l*d), given an approximate zero of H(w) = (f_w(x_i) - y_i)_i (e.g. a trained
network), there is a true point w* of M = L^{-1}(0) nearby at which the Jacobian J
of H has full rank l*d on a whole box; by the implicit function theorem M is then a
smooth submanifold of dimension n - l*d near w*. (Cooper's global statement, that M
is smooth everywhere, needs a generic perturbation of the data and is not claimed.)

Instance family (see _local_family.py; 128-bit balls):

* ``softplus-spiral-d4-h3``: the demo instance (first 4 spiral points, mlp 2-3-1, seed 1);
* ``softplus-d8-p2-h6``, ``softplus-d16-p2-h8``: softplus, one hidden layer;
* ``tanh-d6-p1-h5``, ``tanh-d8-p2-h3x3``: tanh, one and two hidden layers;
* ``sigmoid-d10-p3-h6``: sigmoid;
* ``poly3-d6-p2-h5``: the cubic polynomial activation t + t^2/2 + t^3/6;
* ``softplus-d6-p2-l2-h4``: two outputs (l*d = 12 equations);

expected inconclusive:

* ``stalled-tanh-d8-p2-h3x3``: from this start Gauss-Newton stalls at a non-zero local
  minimum, so no point of M is certified (the verifier must not say verified);

hypothesis failures (not-applicable):

* ``underparam-softplus-d12-p2-h2``: n = 9 <= l*d = 12 (not overparameterized);
* ``dup-softplus-d8-p2-h6``: two equal inputs.
"""

import sys

from _corpus import main
from _local_family import FAMILY, family

THEOREM = "cooper-2.1"


def instances():
    return family()


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
