"""Shared by the torch backend's tests."""

import subprocess
import sys

import pytest


@pytest.fixture
def cli():
    """``cli(*args, cwd=...)``: run ``python -m verifier ARGS`` in ``cwd``, capturing text output."""
    def run(*args, cwd, timeout=300):
        return subprocess.run([sys.executable, "-m", "verifier", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=timeout)
    return run
