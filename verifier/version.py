"""The version of verifier (one place; imported by the package and by whatever records provenance)."""

__version__ = "0.1.0"
