"""Cooper, Lemma 3.3 (exact fit with one hidden layer).

Theorem: if the inputs x_1, ..., x_d in R^p are pairwise distinct and the activation
is rectified (zero for t <= 0, increasing for t > 0, e.g. smooLU), then a network
with one hidden layer of width h >= d can fit any targets exactly: there are
weights with f(x_i) = y_i for every i.

Instance family (all smooLU, 128-bit balls, projection seed 0 unless stated):

* ``spiral-d12``: the built-in 12-point spiral in the plane, width 12;
* ``random-d{d}-p{p}``: d points on a 1/16 grid in [-4, 4]^p with targets on a 1/4 grid,
  for (d, p) = (3, 1), (6, 2), (10, 3), (16, 4), (20, 5), width h = d;
* ``random-d8-p2-wide``: h = d + 4 > d (the extra units are not used by the construction);
* ``random-d10-p3-seed7``: a different projection seed for the same data;

hypothesis failures (the verifier must refute):

* ``dup-d8-p2``: two equal inputs (not distinct);
* ``tanh-d8-p2``: tanh is not rectified.
"""

import sys

from _corpus import Instance, main, random_dataset, spiral_dataset, with_duplicate

THEOREM = "cooper-3.3"
FAMILY = ("one hidden smooLU layer, width h >= d; spiral and random grid data, d = 3..20, p = 1..5; "
          "failing: duplicate inputs, tanh")


def instances():
    out = [Instance("spiral-d12", spiral_dataset(12), {"prec_bits": 128}, note="built-in spiral, h = d")]
    for d, p in [(3, 1), (6, 2), (10, 3), (16, 4), (20, 5)]:
        out.append(Instance(f"random-d{d}-p{p}", random_dataset(d, p), {"prec_bits": 128}, note="h = d"))
    out.append(Instance("random-d8-p2-wide", random_dataset(8, 2), {"width": 12, "prec_bits": 128},
                        note="h = d + 4"))
    out.append(Instance("random-d10-p3-seed7", random_dataset(10, 3), {"seed": 7, "prec_bits": 128},
                        note="projection seed 7"))
    out.append(Instance("dup-d8-p2", with_duplicate(random_dataset(8, 2)), {"prec_bits": 128}, "not-applicable",
                        "hypothesis fails: x_8 = x_1"))
    out.append(Instance("tanh-d8-p2", random_dataset(8, 2), {"activation": "tanh", "prec_bits": 128}, "not-applicable",
                        "hypothesis fails: tanh is not rectified"))
    return out


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
