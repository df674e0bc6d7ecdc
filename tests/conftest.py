"""Shared pytest fixtures.

``x64``: run one test with ``jax_enable_x64`` switched on, restoring the previous
value afterwards, so that float64 tests do not leak global JAX state into other
tests (the flag is part of JAX's trace/compile cache keys, so toggling it is safe).
"""

from __future__ import annotations

import jax
import pytest


@pytest.fixture
def x64():
    """Enable float64 in JAX for the duration of one test, then restore the old setting."""
    old = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", old)
