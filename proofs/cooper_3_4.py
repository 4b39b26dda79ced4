"""Cooper, Corollary 3.4 (exact fit with T hidden layers).

Theorem: for pairwise distinct inputs and a rectified activation, a feedforward
network with T hidden layers whose last hidden layer has width >= d fits any
targets exactly. (The earlier layers pass a separating projection a.x of the
inputs forward; the last layer is Lemma 3.3's construction.)

Instance family (smooLU, 128-bit balls):

* ``spiral-d12-T2``: the built-in spiral, widths [1, 12];
* ``random-d{d}-p{p}-T{T}``: random grid data (as in cooper_3_3.py) with widths
  [1]*(T-1) + [d], for (d, p, T) = (4, 1, 2), (8, 2, 2), (12, 3, 3), (16, 2, 4), (20, 4, 2);
* ``random-d10-p3-widths-3-5-12``: wider earlier layers, widths [3, 5, 12] (last width > d);

hypothesis failures (not-applicable):

* ``dup-d8-p2-T2``: two equal inputs;
* ``tanh-d8-p2-T2``: tanh is not rectified.
"""

import sys

from _corpus import Instance, main, random_dataset, spiral_dataset, with_duplicate

THEOREM = "cooper-3.4"
FAMILY = ("T = 2..4 hidden smooLU layers, last width >= d; spiral and random grid data, d = 4..20, p = 1..4; "
          "failing: duplicate inputs, tanh")


def instances():
    out = [Instance("spiral-d12-T2", spiral_dataset(12), {"depth": 2, "prec_bits": 128}, note="widths [1, 12]")]
    for d, p, T in [(4, 1, 2), (8, 2, 2), (12, 3, 3), (16, 2, 4), (20, 4, 2)]:
        out.append(Instance(f"random-d{d}-p{p}-T{T}", random_dataset(d, p), {"depth": T, "prec_bits": 128},
                            note=f"widths {[1] * (T - 1) + [d]}"))
    out.append(Instance("random-d10-p3-widths-3-5-12", random_dataset(10, 3), {"widths": [3, 5, 12], "prec_bits": 128},
                        note="widths [3, 5, 12]"))
    out.append(Instance("dup-d8-p2-T2", with_duplicate(random_dataset(8, 2)), {"depth": 2, "prec_bits": 128},
                        "not-applicable", "hypothesis fails: x_8 = x_1"))
    out.append(Instance("tanh-d8-p2-T2", random_dataset(8, 2), {"depth": 2, "activation": "tanh", "prec_bits": 128},
                        "not-applicable", "hypothesis fails: tanh is not rectified"))
    return out


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
