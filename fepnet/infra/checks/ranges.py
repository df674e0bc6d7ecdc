"""Arrays whose values must lie in a range: an interval, {0, 1}, [-1, 1] or the extended reals.

:func:`in_interval` refuses values outside [lo, hi]; :func:`binary_mask` (zeros and ones) and
:func:`states` (node states in [-1, 1]) convert and check; :func:`extended_real_array` accepts
+-inf where :func:`~fepnet.infra.checks.arrays.as_real_array` would not. Value checks are skipped
under tracing.
"""

from __future__ import annotations

import numpy as np
import jax
import jax.numpy as jnp

from .arrays import as_real_array, is_concrete

__all__ = ["binary_mask", "extended_real_array", "in_interval", "states"]


def binary_mask(x, name: str, *, shape=None):
    """An array of zeros and ones (any real or bool dtype), as the working float dtype.

    Parameters
    ----------
    x : array_like
        Zeros and ones (a list or array of a real dtype, or a NumPy/JAX bool array).
    name : str
        The argument's name in messages.
    shape : tuple of int, optional
        Required shape.

    Returns
    -------
    jax.Array
        Floating, values 0.0 and 1.0.

    Raises
    ------
    TypeError
        As :func:`as_real_array`.
    ValueError
        For another value, or a wrong shape.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.infra.checks import binary_mask
    >>> binary_mask(np.array([True, False]), "mask").tolist()
    [1.0, 0.0]
    """
    if isinstance(x, (np.ndarray, jax.Array)) and not isinstance(x, jax.core.Tracer) and x.dtype == np.bool_:
        x = np.asarray(x, dtype=np.float32)
    arr = as_real_array(x, name, shape=shape)
    if is_concrete(arr):
        a = np.asarray(arr)
        if not bool(np.all((a == 0) | (a == 1))):
            raise ValueError(f"{name} must hold only 0 and 1")
    return arr


def extended_real_array(x, name: str, *, dtype=None):
    """Like :func:`as_real_array`, but +-inf are accepted (for limits such as an infinite bias).

    NaN is still refused, and so is a finite value that overflows on the cast to the
    working dtype (1e39 under float32 is not a stand-in for inf).

    Parameters
    ----------
    x : array_like
        Real numbers or +-inf.
    name : str
        The argument's name in messages.
    dtype : dtype-like, optional
        Floating dtype to cast to.

    Returns
    -------
    jax.Array

    Raises
    ------
    TypeError
        As :func:`as_real_array`.
    ValueError
        For NaN, or a finite value beyond the working dtype's range.

    Examples
    --------
    >>> from fepnet.infra.checks import extended_real_array
    >>> extended_real_array([1.0, float("inf")], "bias").tolist()
    [1.0, inf]
    """
    if x is None or isinstance(x, (str, bytes, jax.core.Tracer)):
        return as_real_array(x, name, dtype=dtype)
    try:
        arr = np.asarray(x)
    except Exception:  # ragged lists and the like: as_real_array says why
        return as_real_array(x, name, dtype=dtype)
    if not np.issubdtype(arr.dtype, np.floating):
        return as_real_array(arr, name, dtype=dtype)
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    if not np.isinf(arr).any():
        return as_real_array(arr, name, dtype=dtype)
    finite = as_real_array(np.where(np.isinf(arr), arr.dtype.type(0), arr), name, dtype=dtype)  # the overflow check
    return jnp.asarray(arr, dtype=finite.dtype)


def in_interval(x, name: str, lo: float, hi: float):
    """Refuse concrete values outside [lo, hi], NaN included; traced values pass unchecked.

    Parameters
    ----------
    x : array_like
        Any shape.
    name : str
        The argument's name in messages.
    lo, hi : float
        The closed interval.

    Returns
    -------
    array_like
        ``x`` unchanged.

    Raises
    ------
    ValueError
        Naming the first value outside.

    Examples
    --------
    >>> from fepnet.infra.checks import in_interval
    >>> in_interval(0.5, "p", 0, 1)
    0.5
    >>> in_interval([0.5, 2.0], "p", 0, 1)
    Traceback (most recent call last):
        ...
    ValueError: p must lie in [0, 1], got 2.0
    """
    if is_concrete(x):
        values = np.asarray(x)
        bad = ~((values >= lo) & (values <= hi))
        if bad.any():
            raise ValueError(f"{name} must lie in [{lo:g}, {hi:g}], got {float(values[bad].ravel()[0])}")
    return x


def states(x, name: str, n: int, *, batch_ok: bool = True):
    """Node states in [-1, 1] with last axis ``n``, as a floating JAX array.

    Parameters
    ----------
    x : array_like
        Shape ``(n,)``, or ``(..., n)`` when ``batch_ok``.
    name : str
        The argument's name in messages.
    n : int
        Number of nodes N.
    batch_ok : bool
        Allow leading batch axes.

    Returns
    -------
    jax.Array

    Raises
    ------
    TypeError
        As :func:`as_real_array`.
    ValueError
        For a wrong shape, or a concrete value outside [-1, 1].

    Examples
    --------
    >>> from fepnet.infra.checks import states
    >>> states([[0.5, -1.0]], "sigma", 2).shape
    (1, 2)
    >>> states([2.0, 0.0], "sigma", 2)
    Traceback (most recent call last):
        ...
    ValueError: sigma must lie in [-1, 1]
    """
    arr = as_real_array(x, name)
    if arr.ndim == 0 or arr.shape[-1] != n or (not batch_ok and arr.ndim != 1):
        want = f"({n},)" if not batch_ok else f"(..., {n})"
        raise ValueError(f"{name} must have shape {want}, got {tuple(arr.shape)}")
    if is_concrete(arr) and np.any(np.abs(np.asarray(arr)) > 1):
        raise ValueError(f"{name} must lie in [-1, 1]")
    return arr
