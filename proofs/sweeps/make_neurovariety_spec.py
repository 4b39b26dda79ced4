"""Write proofs/sweeps/neurovariety.toml: the architectures of the neurovariety-dimension sweep.

Networks f(x) = W_h s(W_{h-1} ... s(W_1 x)) with s(t) = t^r at every hidden layer and no biases
(Kileel, Trager and Bruna, "On the expressive power of deep polynomial neural networks", 2019): widths
(d_0, d_1, ..., d_h) with depth h = 2..4 and widths 1..5, r = 2 and 3. f is homogeneous of degree r^(h-1)
in the d_0 inputs; each instance gets as many random data points as there are monomials of that degree, so
that the data map separates the function space and the generic rank of J is the dimension of the
neurovariety. Architectures with more than MAX_POINTS monomials or MAX_PARAMS weights are left out.

    PYTHONPATH=. python proofs/sweeps/make_neurovariety_spec.py
"""

from __future__ import annotations

import itertools
import math
import os

MAX_POINTS = 15
MAX_PARAMS = 30


def monomials(p: int, degree: int) -> int:
    return math.comb(p + degree - 1, degree)


def architectures():
    out = []
    for h in (2, 3, 4):
        for widths in itertools.product(range(1, 6), repeat=h + 1):
            d0, dh = widths[0], widths[-1]
            if d0 < 2 or dh > 2:
                continue
            n = sum(a * b for a, b in zip(widths, widths[1:]))
            for r in (2, 3):
                deg = r ** (h - 1)
                pts = monomials(d0, deg)
                if pts <= MAX_POINTS and n <= MAX_PARAMS and pts * dh >= 3:
                    out.append((widths, r, pts))
    return out


def main():
    arch = architectures()
    # a spread of the family: every depth and degree, thinned to about 60 instances
    keep = arch[:: max(1, len(arch) // 60)]
    lines = [
        "# Neurovariety dimensions (liao-poggio-dimension): t -> t^r at every hidden layer, no biases, depth 2-4,",
        "# widths 1-5, r = 2, 3; as many random points as monomials of the output degree.",
        "# Written by proofs/sweeps/make_neurovariety_spec.py.",
        "# Reproduce:  verifier sweep proofs/sweeps/neurovariety.toml --out proofs/sweeps/neurovariety",
        'theorem = "liao-poggio-dimension"',
        'name = "neurovariety dimensions, t^r activations without biases"',
        "seed = 7",
        "",
        "[network]",
        'builder = "mlp"',
        "inputs = 2",
        "widths = [2]",
        "bias = false",
        'activation = { name = "power", r = 2 }',
        "",
        "[data]",
        "points = 3",
        "scale = 20",
        "denominator = 16",
        "",
        "[options]",
        "timeout = 120",
        "max_memory_mb = 4000",
        "groebner = false",
        "",
        "[grid]",
        "cases = [",
    ]
    for widths, r, pts in keep:
        d0, hidden, dh = widths[0], list(widths[1:-1]), widths[-1]
        lines.append(f'  {{ "network.inputs" = {d0}, "network.widths" = {hidden}, "network.outputs" = {dh}, '
                     f'"network.activation" = {{ name = "power", r = {r} }}, "data.points" = {pts} }},')
    lines.append("]")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "neurovariety.toml")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"{path}: {len(keep)} architectures of {len(arch)}")


if __name__ == "__main__":
    main()
