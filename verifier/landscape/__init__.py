"""Landscapes: certified zero-loss paths between global minima, and the experiments around them.

* ``connect``: the ``cooper-connected`` theorem (a chain of Krawczyk tests along a route in the
  free coordinates; every point of the path is a zero of H, so L = 0 along it).
* ``experiments``: the landscape experiments (training runs with perturbation branches,
  trajectories by MDS and PCA, interpolation curves, filter-normalised loss surfaces, spectra),
  with every endpoint that reaches M certified and ``connect`` tried between endpoint pairs.

Nothing here is imported by ``import verifier``.
"""
