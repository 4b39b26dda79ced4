"""Optional torch backend: Gram matrices, Gauss-Newton to M and PD certificates at scale.

Importing this package imports torch; ``import verifier`` never does. See
:mod:`verifier.torch_backend.core` for the mathematics.
"""

from .core import (
    GenericModel,
    TorchMLP,
    certify_gram_pd,
    gauss_newton_to_M,
    generic_residual_fn,
    hessian_spectrum_at_M,
    model_from_network,
    torch_activation,
)

__all__ = [
    "GenericModel",
    "TorchMLP",
    "certify_gram_pd",
    "gauss_newton_to_M",
    "generic_residual_fn",
    "hessian_spectrum_at_M",
    "model_from_network",
    "torch_activation",
]
