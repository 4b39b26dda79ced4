"""The instance family shared by cooper_2_1.py and cooper_2_3.py (same networks, same points).

Each instance is an MLP with a smooth activation at a point found by Gauss-Newton
(``verifier.search.gauss_newton``, float64, 60 steps) from a seeded standard-normal
start: an approximate zero of H, as after training. The verifier refines it and
certifies a true zero nearby (Krawczyk), rank J = l*d on a box, and (2.3) the
Hessian signature.
"""

from _corpus import local_instance, random_dataset, spiral_dataset, with_duplicate
from verifier.data import Dataset

CUBIC = {"name": "polynomial", "coefficients": ["0", "1", "1/2", "1/6"]}   # t + t^2/2 + t^3/6
POLY_NOTE = "polynomial t + t^2/2 + t^3/6"


def _act(spec):
    from verifier.activations import activation_from_json
    return activation_from_json(spec)


def family():
    spiral = spiral_dataset(12)
    spiral4 = Dataset(spiral.X[:4], spiral.Y[:4], source="built-in spiral, first 4 points")
    out = [
        local_instance("softplus-spiral-d4-h3", spiral4, p=2, widths=[3], activation="softplus", seed=1,
                       note="the demo instance: mlp 2-3-1"),
        local_instance("softplus-d8-p2-h6", random_dataset(8, 2), p=2, widths=[6], activation="softplus", seed=2,
                       note="mlp 2-6-1"),
        local_instance("softplus-d16-p2-h8", random_dataset(16, 2), p=2, widths=[8], activation="softplus", seed=3,
                       note="mlp 2-8-1"),
        local_instance("tanh-d6-p1-h5", random_dataset(6, 1), p=1, widths=[5], activation="tanh", seed=4,
                       note="mlp 1-5-1"),
        local_instance("tanh-d8-p2-h3x3", random_dataset(8, 2), p=2, widths=[3, 3], activation="tanh", seed=6,
                       note="two hidden layers, mlp 2-3-3-1"),
        local_instance("sigmoid-d10-p3-h6", random_dataset(10, 3), p=3, widths=[6], activation="sigmoid", seed=6,
                       note="mlp 3-6-1"),
        local_instance("poly3-d6-p2-h5", random_dataset(6, 2), p=2, widths=[5], activation=_act(CUBIC), seed=7,
                       note=f"mlp 2-5-1, {POLY_NOTE}"),
        local_instance("softplus-d6-p2-l2-h4", random_dataset(6, 2, 2), p=2, widths=[4], l=2,
                       activation="softplus", seed=8, note="two outputs, mlp 2-4-2"),
        # no proof expected: from this start Gauss-Newton stalls at a non-zero local minimum of L
        # (max |H| ~ 0.34), so the verifier must answer inconclusive, not verified
        local_instance("stalled-tanh-d8-p2-h3x3", random_dataset(8, 2), p=2, widths=[3, 3], activation="tanh",
                       seed=5, expected="inconclusive",
                       note="no zero reached: Gauss-Newton stalls at a local minimum (expected inconclusive)"),
        # hypothesis failures
        local_instance("underparam-softplus-d12-p2-h2", random_dataset(12, 2), p=2, widths=[2],
                       activation="softplus", seed=9, expected="not-applicable",
                       note="hypothesis fails: n = 9 <= l*d = 12"),
        local_instance("dup-softplus-d8-p2-h6", with_duplicate(random_dataset(8, 2)), p=2, widths=[6],
                       activation="softplus", seed=2, expected="not-applicable", note="hypothesis fails: x_8 = x_1"),
    ]
    return out


FAMILY = ("MLPs (softplus, tanh, sigmoid, cubic polynomial; 1-2 hidden layers; l = 1, 2) at Gauss-Newton points "
          "from seeded starts; spiral and random grid data, d = 4..16, p = 1..3; failing: n <= l*d, "
          "duplicate inputs; one stalled Gauss-Newton start (inconclusive)")
