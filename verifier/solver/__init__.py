"""Solving and counting polynomial systems: homotopy continuation, Krawczyk certificates,
witness-set degrees and critical points of small losses.

Submodules: :mod:`numeric` (vectorised evaluation), :mod:`homotopy` (path tracking),
:mod:`certify` (ball-arithmetic certificates of the solutions), :mod:`critical`
(gradient systems of losses), :mod:`exact` (the msolve route), :mod:`monodromy` (witness sets
by monodromy loops and the trace test) and :mod:`parse` (the safe reader of system files).
The theorems built on them (the solve, degree and critical-points commands) are in
:mod:`verifier.theorems.solving`.
"""
