"""Solving and counting polynomial systems: homotopy continuation, Krawczyk certificates,
witness-set degrees and critical points of small losses.

Submodules: :mod:`numeric` (vectorised evaluation), :mod:`homotopy` (path tracking),
:mod:`certify` (ball-arithmetic certificates of the solutions), :mod:`critical`
(gradient systems of losses), :mod:`exact` (the msolve route).
"""
