"""Cooper, Theorem 4.1 (M is nonempty and a smooth manifold of dimension n - d).

Theorem: for pairwise distinct inputs, a rectified smooth activation (smooLU)
and a feedforward network whose last hidden layer has width >= d (so n > d),
the zero set M = L^{-1}(0) of L(w) = sum_i (f_w(x_i) - y_i)^2 is nonempty and,
near the constructed point, a smooth manifold of dimension n - d; the Hessian
of L there has d positive and n - d zero eigenvalues (Proposition 2.3).
Global smoothness of M on all of R^n is not claimed (see the certificates'
out_of_scope).

Instance family (smooLU, 128-bit balls, scalar targets):

* ``spiral-d12``: the built-in spiral, one hidden layer of width 12 (the demo instance);
* ``random-d{d}-p{p}``: random grid data, one hidden layer of width d, for
  (d, p) = (3, 1), (6, 2), (10, 3), (15, 4), (20, 2);
* ``random-d8-p2-T2``: two hidden layers, widths [1, 8];

hypothesis failures (not-applicable):

* ``dup-d8-p2``: two equal inputs;
* ``tanh-d8-p2``: tanh is smooth but not rectified;
* ``softplus-d8-p2``: softplus is smooth but not rectified (positive for t <= 0).
"""

import sys

from _corpus import Instance, main, random_dataset, spiral_dataset, with_duplicate

THEOREM = "cooper-4.1"
FAMILY = ("smooLU, last hidden width d (1 or 2 hidden layers), l = 1; spiral and random grid data, d = 3..20, "
          "p = 1..4; failing: duplicate inputs, tanh, softplus")


def instances():
    out = [Instance("spiral-d12", spiral_dataset(12), {"prec_bits": 128}, note="built-in spiral, h = d")]
    for d, p in [(3, 1), (6, 2), (10, 3), (15, 4), (20, 2)]:
        out.append(Instance(f"random-d{d}-p{p}", random_dataset(d, p), {"prec_bits": 128}, note="h = d"))
    out.append(Instance("random-d8-p2-T2", random_dataset(8, 2), {"depth": 2, "prec_bits": 128},
                        note="widths [1, 8]"))
    out.append(Instance("dup-d8-p2", with_duplicate(random_dataset(8, 2)), {"prec_bits": 128}, "not-applicable",
                        "hypothesis fails: x_8 = x_1"))
    out.append(Instance("tanh-d8-p2", random_dataset(8, 2), {"activation": "tanh", "prec_bits": 128}, "not-applicable",
                        "hypothesis fails: tanh is not rectified"))
    out.append(Instance("softplus-d8-p2", random_dataset(8, 2), {"activation": "softplus", "prec_bits": 128},
                        "not-applicable", "hypothesis fails: softplus is not rectified"))
    return out


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
