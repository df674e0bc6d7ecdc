"""Scalar arguments: positive or non-negative real numbers, and integer counts.

:func:`positive_scalar` and :func:`nonnegative_scalar` give 0-d JAX arrays (optionally cast to a
dtype and checked after the cast); :func:`count` gives a Python integer in a range, by default
[0, ``INT32_MAX``] (JAX's default integer).
"""

from __future__ import annotations

import numpy as np

from .arrays import as_real_array, is_concrete

__all__ = ["count", "nonnegative_scalar", "positive_scalar"]


def _bounded_scalar(x, name: str, strict: bool, dtype=None):
    kind = "positive" if strict else "non-negative"
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be a {kind} real number, got a bool")
    arr = as_real_array(x, name)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {tuple(arr.shape)}")
    if dtype is not None:  # the same value as arr.astype(dtype), checked after that cast
        arr = as_real_array(arr, name, dtype=dtype)
    value = np.asarray(arr) if is_concrete(arr) else None
    if value is not None and not (value > 0 if strict else value >= 0):
        raise ValueError(f"{name} must be {kind} and finite, got {float(value)}")
    return arr


def positive_scalar(x, name: str, *, dtype=None):
    """A positive finite scalar (Python number or 0-d array), as a 0-d JAX array.

    With ``dtype`` the value is cast to it and checked after the cast (1e39 is refused
    for float32; 1e-50 becomes 0 and is refused as not positive).

    Parameters
    ----------
    x : float or array_like
        A 0-d real value.
    name : str
        The argument's name in messages.
    dtype : dtype-like, optional
        Floating dtype to cast to.

    Returns
    -------
    jax.Array
        0-d.

    Raises
    ------
    TypeError
        For a bool or a non-real value.
    ValueError
        For a non-scalar, a value <= 0, NaN or inf.

    Examples
    --------
    >>> from fepnet.infra.checks import positive_scalar
    >>> float(positive_scalar(0.5, "learning_rate"))
    0.5
    >>> positive_scalar(0.0, "learning_rate")
    Traceback (most recent call last):
        ...
    ValueError: learning_rate must be positive and finite, got 0.0
    """
    return _bounded_scalar(x, name, strict=True, dtype=dtype)


def nonnegative_scalar(x, name: str, *, dtype=None):
    """A non-negative finite scalar, as a 0-d JAX array (``dtype``: as for :func:`positive_scalar`).

    Parameters
    ----------
    x : float or array_like
        A 0-d real value.
    name : str
        The argument's name in messages.
    dtype : dtype-like, optional
        Floating dtype to cast to.

    Returns
    -------
    jax.Array
        0-d.

    Raises
    ------
    TypeError
        For a bool or a non-real value.
    ValueError
        For a non-scalar, a negative value, NaN or inf.

    Examples
    --------
    >>> from fepnet.infra.checks import nonnegative_scalar
    >>> float(nonnegative_scalar(0, "noise"))
    0.0
    """
    return _bounded_scalar(x, name, strict=False, dtype=dtype)


INT32_MAX = int(np.iinfo(np.int32).max)


def count(x, name: str, *, minimum: int = 0, maximum: int = INT32_MAX) -> int:
    """A Python integer in [minimum, maximum], for static sizes such as step counts.

    The default maximum is the largest int32, JAX's default integer: a larger count
    would overflow inside a jitted loop or allocate without bound.

    Parameters
    ----------
    x : int
        A Python or NumPy integer (not bool).
    name : str
        The argument's name in messages.
    minimum, maximum : int
        The allowed range (default 0 and 2**31 - 1).

    Returns
    -------
    int

    Raises
    ------
    TypeError
        For a bool, float or other non-integer.
    ValueError
        Outside the range.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.infra.checks import count
    >>> count(np.int64(3), "n_steps")
    3
    >>> count(1.0, "n_steps")
    Traceback (most recent call last):
        ...
    TypeError: n_steps must be an integer, got float
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}")
    if x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}")
    if x > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {x}")
    return int(x)
