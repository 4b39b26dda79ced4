"""The floating-point tier: Cooper's 2.1 and 2.3 for torch-scale networks, float64 with error bounds.

Its certificates state their tier and list their assumptions (IEEE binary64, numpy/LAPACK's error
model, the float64 forward and backward values). The modules, in import order (no circle):

* ``numerics.py``: activations, the float parser, a-priori error bounds, Rump's test, spectral-norm
  bounds, the Lipschitz bound on J;
* ``dense.py``: layered MLPs (``read_model``, ``DenseNet``); ``conv.py``: Conv1d networks
  (``read_conv_model``, ``ConvNet``);
* ``rules.py``: one rule per claim (``FLOAT_RULES``);
* ``tier.py``: the arrays file, the required claims and assumptions, ``FloatTier`` for the replay loop.

Standard library, numpy and ``verifier.checker`` only. Nothing is imported here.
"""
