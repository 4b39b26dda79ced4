"""The core tier: networks and data in Arb balls, and Cooper's claims.

* ``evaluate.py``: the checker's own network reader and evaluator (forward pass by topological
  generations, reverse-mode Jacobian columns), in Arb balls;
* ``rules.py``: one rule per Cooper claim (``RULES``) and the ``Context`` they share;
* ``tier.py``: reads a network-and-data certificate for the replay loop (``NetworkTier``);
* ``norms.py``: pure lemma, an upper bound on the spectral norm of a ball matrix;
* ``preconditioner.py``: the Krawczyk preconditioner (numpy; not trusted: any matrix is valid).

Standard library, python-flint and ``verifier.checker`` only (numpy in ``preconditioner.py``).
Nothing is imported here, so importing one module of the tier loads only what it needs.
"""
