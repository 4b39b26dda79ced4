"""Cooper, Proposition 2.3 (Hessian signature on M).

Theorem: at a point w* of M = L^{-1}(0) where the Jacobian J of H has rank l*d,
the Hessian of L = sum_i (f_i - y_i)^2 is 2 J^T J: it has exactly l*d positive
eigenvalues, each >= 2 sigma_min(J)^2, and n - l*d zero eigenvalues. The verifier
certifies w* near a Gauss-Newton point (as for Theorem 2.1) and a lower bound on
sigma_min(J); for n <= 200 the certificate also encloses the nonzero spectrum.

Instance family: the same networks, data and points as cooper_2_1.py (see
_local_family.py; 128-bit balls):

* ``softplus-spiral-d4-h3`` (the demo instance), ``softplus-d8-p2-h6``, ``softplus-d16-p2-h8``,
  ``tanh-d6-p1-h5``, ``tanh-d8-p2-h3x3`` (two hidden layers), ``sigmoid-d10-p3-h6``,
  ``poly3-d6-p2-h5`` (cubic polynomial activation), ``softplus-d6-p2-l2-h4`` (l = 2);

expected inconclusive:

* ``stalled-tanh-d8-p2-h3x3``: Gauss-Newton stalls at a non-zero local minimum;

hypothesis failures (not-applicable):

* ``underparam-softplus-d12-p2-h2``: n = 9 <= l*d = 12;
* ``dup-softplus-d8-p2-h6``: two equal inputs.
"""

import sys

from _corpus import main
from _local_family import FAMILY, family

THEOREM = "cooper-2.3"


def instances():
    return family()


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
