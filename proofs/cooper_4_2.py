"""Cooper, Remark 4.2 (l outputs: codimension l*d).

Theorem: with targets y_i in R^l, Lemma 3.3's construction and Theorem 4.1 go
through output by output: for pairwise distinct inputs, a rectified smooth
activation and last hidden width >= d, M = L^{-1}(0) is nonempty and, near the
constructed point, a smooth manifold of dimension n - l*d, where the Hessian of
L has l*d positive and n - l*d zero eigenvalues.

Instance family (smooLU, one hidden layer of width d unless stated, 128-bit balls):

* ``random-d{d}-p{p}-l{l}``: random grid data with l-dimensional targets, for
  (d, p, l) = (4, 1, 2), (6, 2, 2), (8, 3, 3), (12, 2, 3), (16, 4, 2), (10, 2, 4);
* ``random-d8-p2-l2-T2``: two hidden layers, widths [1, 8];

hypothesis failures (not-applicable):

* ``dup-d8-p2-l2``: two equal inputs;
* ``tanh-d8-p2-l2``: tanh is not rectified.
"""

import sys

from _corpus import Instance, main, random_dataset, with_duplicate

THEOREM = "cooper-4.2"
FAMILY = ("smooLU, last hidden width d, l = 2..4 outputs (1 or 2 hidden layers); random grid data, d = 4..16, "
          "p = 1..4; failing: duplicate inputs, tanh")


def instances():
    out = []
    for d, p, l in [(4, 1, 2), (6, 2, 2), (8, 3, 3), (12, 2, 3), (16, 4, 2), (10, 2, 4)]:
        out.append(Instance(f"random-d{d}-p{p}-l{l}", random_dataset(d, p, l), {"prec_bits": 128},
                            note=f"h = d, l = {l}"))
    out.append(Instance("random-d8-p2-l2-T2", random_dataset(8, 2, 2), {"depth": 2, "prec_bits": 128},
                        note="widths [1, 8], l = 2"))
    out.append(Instance("dup-d8-p2-l2", with_duplicate(random_dataset(8, 2, 2)), {"prec_bits": 128}, "not-applicable",
                        "hypothesis fails: x_8 = x_1"))
    out.append(Instance("tanh-d8-p2-l2", random_dataset(8, 2, 2), {"activation": "tanh", "prec_bits": 128},
                        "not-applicable", "hypothesis fails: tanh is not rectified"))
    return out


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
