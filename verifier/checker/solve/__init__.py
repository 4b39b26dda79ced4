"""The solving tier: certificates about square polynomial systems (docs/solving.md).

* ``rules.py``: reading and re-deriving the system from its source, the Bezout numbers, one rule per
  claim (``RULES`` in the fixed ``ORDER``), the classification of real critical points;
* ``tier.py``: reads a solving certificate for the replay loop (``SolveTier``), and
  ``evaluate_claims``, which the solver calls to state what the checker will find;
* ``krawczyk.py``: pure lemmas, the Krawczyk test in complex boxes, disjointness and realness of
  boxes, certified inertia (Sylvester + Gershgorin); the solver imports them.

Also uses ``core/evaluate.py`` (network sources), ``algebra/polys.py`` (residual polynomials),
``algebra/bezout.py`` and ``algebra/engine.py`` (Singular, for ``count-exact`` by ``method: singular``).
Standard library, python-flint and ``verifier.checker`` only. Nothing is imported here.
"""
