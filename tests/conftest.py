"""Shared pytest fixtures.

``x64`` / ``x32``: run one test with ``jax_enable_x64`` switched on / off, restoring the previous
value afterwards, so that float64 tests do not leak global JAX state into other
tests (the flag is part of JAX's trace/compile cache keys, so toggling it is safe).
"""

from __future__ import annotations

import jax
import pytest


def _with_x64(value: bool):
    old = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", value)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", old)


@pytest.fixture
def x64():
    """Enable float64 in JAX for the duration of one test, then restore the old setting."""
    yield from _with_x64(True)


@pytest.fixture
def x32():
    """Run a test with float64 disabled (JAX's default), restoring the old setting."""
    yield from _with_x64(False)


# Property-based tests (hypothesis): bounded and deterministic in the default suite, so they
# stay fast and never flake; `HYPOTHESIS_PROFILE=thorough pytest ...` explores more.
import os as _os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default-suite", max_examples=12, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile(
    "thorough", max_examples=500, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "default-suite"))


def _call_checked(f, names, *args, **kwargs):
    """f(*args, **kwargs), or None when it raised ValueError / TypeError whose message names one of ``names``
    (any other exception, or a message naming none of them, fails the test)."""
    try:
        return f(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        assert any(name in str(exc) for name in names), (names, exc)
        return None


@pytest.fixture
def call_checked():
    """For property tests of the public boundary: ``call_checked(f, names, *args, **kwargs)`` is the result of
    ``f(*args, **kwargs)``, or None when f raised ValueError / TypeError naming one of the arguments ``names``."""
    return _call_checked
