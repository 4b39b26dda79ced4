"""The version of verifier (one place; imported by the package and by whatever records provenance)."""

__version__ = "0.1.0"

#: The distribution's name on the package index (``verifier`` there is an unrelated project); the
#: import name and the command stay ``verifier``.
DISTRIBUTION = "landscape-verifier"
