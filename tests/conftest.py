"""Shared test set-up: hypothesis profiles (deterministic in CI, heavier locally)."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, max_examples=15, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _fresh_engine_answers():
    """Each test starts with no remembered Singular answers (the checker's in-process memo), so a test of a
    timeout or a tampered input never reads an answer another test left behind."""
    from verifier.checker.algebra import engine
    engine.forget()
    yield
