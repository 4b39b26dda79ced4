"""The algebraic tier: claims about networks with polynomial activations, in exact and modular arithmetic.

* ``rules.py``: one rule per algebraic claim (``ALGEBRA_RULES``), on the network instance that
  ``core/tier.py`` reads;
* ``polys.py``: the checker's own compiler of the residuals into ``fmpq_mpoly``, with budgets;
  Nullstellensatz combinations, Lagrange charts, symmetry fields, exact evaluation;
* ``modp.py``: a minor of J modulo a prime, by the checker's own modular forward and reverse pass;
* ``bezout.py``: pure lemma, the multihomogeneous Bezout number;
* ``engine.py``: the checker's own Singular call (standard library only): ``variety-dimension`` here,
  and ``count-exact`` with ``method: singular`` in ``solve/``.

Standard library, python-flint and ``verifier.checker`` only. Nothing is imported here.
"""
