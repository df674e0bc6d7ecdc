"""Checks at the public boundary: clear ``TypeError`` / ``ValueError`` naming the argument.

Value checks run in NumPy on concrete inputs, so they also work for concrete
values closed over inside a ``jax.jit`` trace.

Jitted inner code assumes valid input; these run once, eagerly, on concrete
values. Under tracing (``jax.jit`` / ``vmap`` of a public function) the value
checks that need concrete numbers are skipped; shape and dtype checks still run.
"""

from __future__ import annotations

import numpy as np
import jax
import jax.numpy as jnp


def is_concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


def as_real_array(x, name: str, *, ndim: int | None = None, shape=None):
    """Convert to a floating JAX array (float32 unless x64 is on); reject complex, bool, object."""
    if x is None:
        raise TypeError(f"{name} must be an array of real numbers, got None")
    if isinstance(x, jax.core.Tracer):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be an array of real numbers: {exc}") from None
    dtype = arr.dtype
    if dtype == np.bool_ or not (
        np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.integer)
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {tuple(arr.shape)}")
    if shape is not None and tuple(arr.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(arr.shape)}")
    if not np.issubdtype(dtype, np.floating):
        arr = arr.astype(jnp.result_type(float))
    if is_concrete(arr) and not np.all(np.isfinite(np.asarray(arr))):
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")
    return jnp.asarray(arr)


def _bounded_scalar(x, name: str, strict: bool):
    kind = "positive" if strict else "non-negative"
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be a {kind} real number, got a bool")
    arr = as_real_array(x, name)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {tuple(arr.shape)}")
    value = np.asarray(arr) if is_concrete(arr) else None
    if value is not None and not (value > 0 if strict else value >= 0):
        raise ValueError(f"{name} must be {kind} and finite, got {float(value)}")
    return arr


def positive_scalar(x, name: str):
    """A positive finite scalar (Python number or 0-d array)."""
    return _bounded_scalar(x, name, strict=True)


def nonnegative_scalar(x, name: str):
    """A non-negative finite scalar."""
    return _bounded_scalar(x, name, strict=False)


def count(x, name: str, *, minimum: int = 0) -> int:
    """A Python integer >= minimum (used for static sizes such as step counts)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}")
    if x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}")
    return int(x)


def states(x, name: str, n: int, *, batch_ok: bool = True):
    """Node states in [-1, 1] with last axis n."""
    arr = as_real_array(x, name)
    if arr.ndim == 0 or arr.shape[-1] != n or (not batch_ok and arr.ndim != 1):
        want = f"({n},)" if not batch_ok else f"(..., {n})"
        raise ValueError(f"{name} must have shape {want}, got {tuple(arr.shape)}")
    if is_concrete(arr) and np.any(np.abs(np.asarray(arr)) > 1):
        raise ValueError(f"{name} must lie in [-1, 1]")
    return arr


def prng_key(key, name: str = "key"):
    if not isinstance(key, (jax.Array, np.ndarray)):
        raise TypeError(f"{name} must be a JAX PRNG key (jax.random.key(seed)), got {type(key).__name__}")
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    if key.dtype == jnp.uint32 and key.shape[-1:] == (2,):
        return key
    raise TypeError(f"{name} must be a JAX PRNG key (jax.random.key(seed)), got dtype {key.dtype}")
