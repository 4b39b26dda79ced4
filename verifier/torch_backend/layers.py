"""What the model documents share: the activations the floating-point tier accepts and the check of a
dense layer (used by the MLP document in :mod:`models` and the Conv1d document's head in :mod:`conv`)."""

from __future__ import annotations

from ..activations import activation_from_json
from ..errors import InputError

# Names the model document accepts; "relu" is accepted only so that a certificate can
# say that the smoothness hypothesis fails (it has no C^2 derivative).
SMOOTH_NAMES = ("smoolu", "softplus", "tanh", "sigmoid", "identity", "polynomial", "power")
NON_SMOOTH = ("relu",)


def act_spec(a):
    """Validate one layer's activation entry; returns (json form, Activation or None, smooth)."""
    if a is None:
        return None, None, True
    if a in NON_SMOOTH:
        return a, None, False
    act = activation_from_json(a)
    if act.name not in SMOOTH_NAMES:
        raise InputError(f"the floating-point tier does not support activation {act.name!r}")
    return act.to_json(), act, True


def check_linear_layer(layer, k, last, l) -> None:  # noqa: E741
    """Check a dense layer's out, bias and activation (layer ``k`` from 0; ``last``: the linear output)."""
    if type(layer["out"]) is not int or not 1 <= layer["out"] <= 10**7 or type(layer["bias"]) is not bool:
        raise InputError(f"layer {k + 1}: out must be a positive integer and bias a boolean")
    if last and (layer["activation"] is not None or layer["out"] != l):
        raise InputError(f"the last layer must be linear (activation null) with out = l = {l}")
    if not last:
        if layer["activation"] is None:
            raise InputError(f"hidden layer {k + 1} needs an activation (use \"identity\" for a linear one)")
        act_spec(layer["activation"])
