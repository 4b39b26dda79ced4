"""Repository-level pytest configuration: the torch backend is collected (for doctests) only when torch is installed."""

import importlib.util

# The torch backend and the floating-point tier's theorem import torch at module level.
collect_ignore_glob = [] if importlib.util.find_spec("torch") is not None else ["verifier/torch_backend/*",
                                                                                "verifier/theorems/cooper_float.py"]
