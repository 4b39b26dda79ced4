"""cooper-connected: two approximate zeros of H joined by a certified path in M (L = 0 along all of it).

Theorem (made constructive from Cooper's Theorem 2.1): for a network with a smooth activation and n > l*d,
given two approximate zeros w0 and w1 of H (e.g. two trained networks), there are true points of M near each,
joined by a continuous path in M on which rank J = l*d; so both lie in one connected component of the smooth
part of M. The certificate stores the chain of Krawczyk segments (t-intervals, boxes, splits) and the checker
re-runs every test; beside it, the loss along the straight segment between the two points, enclosed on a grid.

Instances (128-bit balls; w0 by Gauss-Newton from a seeded start, w1 by Gauss-Newton from w0 plus seeded noise
of the stated scale, or as stated):

* ``tanh-d3-p1-h4-near``, ``tanh-d3-p1-h4-far``: mlp 1-4-1, tanh, noise 0.3 and 1.0;
* ``softplus-d6-p2-h8``: mlp 2-8-1, softplus, noise 0.5;
* ``tanh-d5-p2-h6-independent``: mlp 2-6-1 between two independent Gauss-Newton runs (two seeded starts), inputs
  in [-2, 2];
* ``softplus-d8-p2-h4x8``: two hidden layers, mlp 2-4-8-1, noise 0.2;
* ``softplus-d6-p2-l2-h6``: two outputs, noise 0.5;
* ``tanh-d5-p2-h6-swap``, ``tanh-d5-p2-h6-cycle``, ``tanh-d5-p2-h6-signflip``: a minimum w0 of mlp 2-6-1 and
  its image under a symmetry of the network (hidden units 0 and 1 exchanged; all six units cycled; unit 0's
  signs flipped, tanh being odd). The two points compute the same function, sit 5.6-10.6 apart, and are
  joined by a certified path in M: with n = 25 > l*d = 5 the symmetric copies of a minimum are not isolated
  in separate components here;

expected refuted (the disconnected counter-case, never verified):

* ``hyperbola-sign-flip``: f(x) = w2 (w1 x), no biases, one point (x, y) = (1, 1): M = {w1 w2 = 1} is a
  hyperbola with two components, and w0 = (1, 1), w1 = (-1, -1) (a sign flip of the hidden unit) lie on
  different ones. The search finds no path (there is none), and the claim separated proves why: w1 never
  vanishes on M (Nullstellensatz cofactors for (w1 w2 - 1, w1), expanded exactly by the checker) and has
  opposite signs at the two points, so the path claim is refuted;

hypothesis failures (not-applicable):

* ``underparam-d4-p1-h1``: mlp 1-1-1 has n = 4 <= l*d = 4.
"""

import sys

import numpy as np

from _corpus import Instance, main, random_dataset, trained_point
from verifier.data import Dataset
from verifier.network import mlp, network_from_json
from verifier.search import gauss_newton
from verifier.system import compile_system
from flint import fmpq

THEOREM = "cooper-connected"
FAMILY = ("MLPs (tanh, softplus; 1-2 hidden layers; l = 1, 2) between two Gauss-Newton points; a minimum and its "
          "copy under a permutation or sign flip of hidden units; the hyperbola w1 w2 = 1 (two components, a sign "
          "flip: refuted); failing: n <= l*d")


def pair(name, data, *, p, widths, activation, l=1, seed=0, noise=0.5, expected="verified", note=""):  # noqa: E741
    net = mlp(p, widths, l=l, activation=activation)
    w0 = trained_point(net, data, seed)
    system = compile_system(net, data)
    rng = np.random.default_rng(seed + 1000)
    start = np.array([w0[lab] for lab in net.labels])
    start = start + noise * rng.normal(size=net.n) if noise is not None else rng.normal(size=net.n)
    w1 = dict(zip(net.labels, (float(x) for x in gauss_newton(system, start, steps=60))))
    return Instance(name, data, {"network": net, "start": w0, "end": w1, "prec_bits": 128, "seed": seed},
                    expected, note)


def symmetric(name, data, *, p, widths, seed, relabel, note):
    """w0 and its image under a permutation or sign flip of the hidden units of mlp p-h-1 (labels W1[i,j],
    b1[i], W2[0,i]); ``relabel(i)`` gives (new unit, sign) for unit i."""
    net = mlp(p, widths, activation="tanh")
    w0 = trained_point(net, data, seed)
    w1 = dict(w0)
    for lab, val in w0.items():
        if lab.startswith(("W1[", "b1[", "W2[")):
            idx = [int(k) for k in lab[3:-1].split(",")]
            unit = idx[1] if lab.startswith("W2[") else idx[0]
            new, sign = relabel(unit)
            if lab.startswith("W1["):
                w1[f"W1[{new},{idx[1]}]"] = sign * val
            elif lab.startswith("b1["):
                w1[f"b1[{new}]"] = sign * val
            else:
                w1[f"W2[{idx[0]},{new}]"] = sign * val
    return Instance(name, data, {"network": net, "start": w0, "end": w1, "prec_bits": 128, "seed": seed},
                    "verified", note)


def scaled(data, c):
    """The dataset with inputs scaled by c (inputs in [-2, 2] instead of [-4, 4])."""
    return Dataset(tuple(tuple(c * x for x in row) for row in data.X), data.Y, source=data.source + f", x scaled by {c}")


def hyperbola():
    doc = {"format": "verifier-network", "version": 1, "name": "x -> w2 (w1 x)", "activation": "identity",
           "nodes": [{"id": "x", "kind": "input"}, {"id": "h", "kind": "hidden"}, {"id": "o", "kind": "output"}],
           "edges": [{"from": "x", "to": "h", "weight": "w1"}, {"from": "h", "to": "o", "weight": "w2"}]}
    net = network_from_json(doc)
    data = Dataset(((fmpq(1),),), ((fmpq(1),),), source="one point (1, 1)")
    return Instance("hyperbola-sign-flip", data, {"network": net, "start": {"w1": 1, "w2": 1},
                                                  "end": {"w1": -1, "w2": -1}, "prec_bits": 128, "seed": 0},
                    "refuted", "M = {w1 w2 = 1} has two components; the points lie on different ones")


def instances():
    return [
        pair("tanh-d3-p1-h4-near", random_dataset(3, 1), p=1, widths=[4], activation="tanh", seed=1, noise=0.3,
             note="mlp 1-4-1, noise 0.3"),
        pair("tanh-d3-p1-h4-far", random_dataset(3, 1), p=1, widths=[4], activation="tanh", seed=1, noise=1.0,
             note="mlp 1-4-1, noise 1.0"),
        pair("softplus-d6-p2-h8", random_dataset(6, 2), p=2, widths=[8], activation="softplus", seed=2,
             note="mlp 2-8-1"),
        pair("tanh-d5-p2-h6-independent", scaled(random_dataset(5, 2), fmpq(1, 2)), p=2, widths=[6],
             activation="tanh", seed=2, noise=None, note="mlp 2-6-1, two independent Gauss-Newton runs"),
        pair("softplus-d8-p2-h4x8", random_dataset(8, 2), p=2, widths=[4, 8], activation="softplus", seed=6,
             noise=0.2, note="two hidden layers, mlp 2-4-8-1"),
        pair("softplus-d6-p2-l2-h6", random_dataset(6, 2, 2), p=2, widths=[6], l=2, activation="softplus", seed=8,
             note="two outputs, mlp 2-6-2"),
        symmetric("tanh-d5-p2-h6-swap", random_dataset(5, 2), p=2, widths=[6], seed=1,
                  relabel=lambda i: ({0: 1, 1: 0}.get(i, i), 1), note="mlp 2-6-1, units 0 and 1 exchanged"),
        symmetric("tanh-d5-p2-h6-cycle", random_dataset(5, 2), p=2, widths=[6], seed=1,
                  relabel=lambda i: ((i + 1) % 6, 1), note="mlp 2-6-1, the six units cycled"),
        symmetric("tanh-d5-p2-h6-signflip", random_dataset(5, 2), p=2, widths=[6], seed=1,
                  relabel=lambda i: (i, -1 if i == 0 else 1), note="mlp 2-6-1, unit 0's signs flipped"),
        hyperbola(),
        pair("underparam-d4-p1-h1", random_dataset(4, 1), p=1, widths=[1], activation="tanh", seed=3,
             expected="not-applicable", note="hypothesis fails: n = 4 <= l*d = 4"),
    ]


if __name__ == "__main__":
    sys.exit(main(THEOREM, FAMILY, instances()))
