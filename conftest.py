"""Repository-level pytest configuration: the torch backend is collected (for doctests) only when torch is installed."""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("torch") is not None else ["verifier/torch_backend/*"]
