"""verifier: certified theorem instances about loss landscapes of overparameterized networks."""

__version__ = "0.1.0"
