"""Real arrays at the public boundary: conversion to a finite floating array, and its shape.

:func:`as_real_array` converts and checks (dtype, shape, finiteness after the cast to the working
dtype; large JAX arrays on the default device in place), :func:`all_finite` is its finiteness
test, :func:`as_float64` the NumPy float64 variant, :func:`broadcastable` a shape check, and
:func:`is_concrete` tells whether a value is concrete (its values can be checked) or traced.
"""

from __future__ import annotations

import numpy as np
import jax
import jax.numpy as jnp

from .dtypes import float_dtype

__all__ = ["all_finite", "as_float64", "as_real_array", "broadcastable", "is_concrete"]


def is_concrete(x) -> bool:
    """Whether ``x`` is a concrete value (not a JAX tracer inside ``jit`` / ``vmap``).

    Parameters
    ----------
    x : object
        Any value.

    Returns
    -------
    bool
        False only for a ``jax.core.Tracer``.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet.infra.checks import is_concrete
    >>> is_concrete(jnp.ones(2)), jax.jit(lambda x: jnp.float32(is_concrete(x)))(1.0).item()
    (True, 0.0)
    """
    return not isinstance(x, jax.core.Tracer)


def as_real_array(x, name: str, *, ndim: int | None = None, shape=None, dtype=None):
    """Convert to a finite floating JAX array, or refuse with an error naming the argument.

    The array is cast to its working dtype first (``dtype``, or float32 unless x64 is
    on; float64 input stays float64 only when x64 is on) and then checked for
    finiteness, so a float64 value beyond the float32 range (say 1e39) is refused
    rather than silently becoming inf. Large concrete JAX arrays on the default device
    (2**20 elements or more) are checked in place, without a host copy. Under tracing
    only the dtype and shape checks run.

    Parameters
    ----------
    x : array_like
        Real numbers (integer or floating); any shape unless ``ndim`` / ``shape`` say otherwise.
    name : str
        The argument's name in messages.
    ndim : int, optional
        Required number of dimensions.
    shape : tuple of int, optional
        Required shape.
    dtype : dtype-like, optional
        Floating dtype to cast to (:func:`float_dtype`).

    Returns
    -------
    jax.Array
        ``x`` as a floating array.

    Raises
    ------
    TypeError
        For None, strings, bool, complex or object input, or a ragged list.
    ValueError
        For a wrong ``ndim`` or ``shape``, NaN or inf, or values beyond the range of the working dtype.

    Examples
    --------
    >>> from fepnet.infra.checks import as_real_array
    >>> as_real_array([1, 2], "b").tolist()
    [1.0, 2.0]
    >>> as_real_array([[1.0]], "b", ndim=1)
    Traceback (most recent call last):
        ...
    ValueError: b must be 1-dimensional, got shape (1, 1)
    """
    if x is None:
        raise TypeError(f"{name} must be an array of real numbers, got None")
    if _on_default_device(x) and x.size >= _LARGE:  # a large JAX array: checked in place, not copied
        return _jax_real_array(x, name, ndim, shape, dtype)
    if isinstance(x, jax.core.Tracer):
        arr = x
    else:
        if isinstance(x, (str, bytes)):
            raise TypeError(f"{name} must be an array of real numbers, got {type(x).__name__}")
        try:
            arr = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be an array of real numbers: {exc}") from None
    src = _check_kind(arr, name, ndim, shape)
    if dtype is not None:
        target = float_dtype(dtype, "dtype")
    elif np.issubdtype(src, np.floating):
        target = None  # keep it (jnp.asarray narrows float64 to float32 unless x64 is on)
    else:
        target = jnp.result_type(float)
    with np.errstate(over="ignore", invalid="ignore"):
        out = jnp.asarray(arr, dtype=target)
    if is_concrete(out) and not all_finite(out):
        if is_concrete(arr) and bool(np.isfinite(np.asarray(arr)).all()):
            raise ValueError(f"{name} holds values beyond the range of {out.dtype} "
                             f"(largest magnitude {float(np.max(np.abs(np.asarray(arr)))):.3g})")
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")
    return out


# Arrays of at least this many elements are checked for finiteness with a matrix-vector product.
_LARGE = 1 << 20


@jax.jit
def _finite_rows(x, zeros):
    return jnp.all(jnp.isfinite(x.reshape(-1, x.shape[-1]) @ zeros))


def all_finite(x) -> bool:
    """Whether every element of the concrete array ``x`` (NumPy or JAX) is finite.

    Large arrays (2**20 elements or more) are checked in one pass without temporaries:
    :math:`x` reshaped to (M, K) times ``zeros(K)`` has a NaN row sum exactly where a row
    holds inf or NaN (inf * 0 = NaN); the product streams ``x`` once with no boolean copy.
    Non-floating arrays are finite by definition.

    Parameters
    ----------
    x : numpy.ndarray or jax.Array
        Any shape (concrete, not traced).

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.infra.checks import all_finite
    >>> all_finite(np.array([1.0, 2.0])), all_finite(np.array([1.0, np.inf]))
    (True, False)
    """
    if not jnp.issubdtype(x.dtype, jnp.floating):
        return True
    if isinstance(x, jax.Array) and not x.is_fully_addressable:  # spans processes: reduce on the devices
        return bool(jnp.all(jnp.isfinite(x)))
    if x.size < _LARGE or x.ndim == 0:  # small: NumPy (a jitted check would compile for every new shape)
        return bool(np.isfinite(np.asarray(x)).all())
    if isinstance(x, np.ndarray):  # row blocks of about 16 MB: a bounded boolean temporary
        rows = x.reshape(-1, x.shape[-1])
        step = max(1, (1 << 24) // max(1, rows.shape[1] * rows.itemsize))
        return all(bool(np.isfinite(rows[i:i + step]).all()) for i in range(0, rows.shape[0], step))
    return bool(_finite_rows(x, jnp.zeros((x.shape[-1],), x.dtype)))


def _on_default_device(x) -> bool:
    """A concrete JAX array that lives (whole) on JAX's default device, where it can be checked in place.

    :func:`as_real_array` takes this path for arrays of at least ``_LARGE`` elements (a network's
    couplings at large N): the host round trip of the general path would copy them. Smaller
    arrays take the general path, which returns a new array as always.
    """
    if not isinstance(x, jax.Array) or isinstance(x, jax.core.Tracer):
        return False
    try:
        devices = x.sharding.device_set
    except Exception:  # deleted or otherwise unusable: the host path says why
        return False
    return len(devices) == 1 and next(iter(devices)) == jax.devices()[0] and x.is_fully_addressable


def _check_kind(arr, name, ndim, shape):
    """The dtype (real: integer or floating, not bool), ``ndim`` and ``shape`` checks of :func:`as_real_array`,
    shared by its host and device paths; returns the array's dtype."""
    src = arr.dtype
    if src == np.bool_ or not (jnp.issubdtype(src, jnp.floating) or jnp.issubdtype(src, jnp.integer)):
        raise TypeError(f"{name} must hold real numbers, got dtype {src}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {tuple(arr.shape)}")
    if shape is not None and tuple(arr.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(arr.shape)}")
    return src


def _jax_real_array(x, name, ndim, shape, dtype):
    """:func:`as_real_array` for a concrete JAX array on the default device: the same checks and
    messages, the cast done by JAX (no copy when the dtype is already right)."""
    src = _check_kind(x, name, ndim, shape)
    if dtype is not None:
        target = jax.dtypes.canonicalize_dtype(float_dtype(dtype, "dtype"))
    elif jnp.issubdtype(src, jnp.floating):
        target = src
    else:
        target = jnp.result_type(float)
    out = x if target == src and not x.weak_type else jax.lax.convert_element_type(x, target)
    if not all_finite(out):
        if out is not x and all_finite(x):
            largest = float(jnp.max(jnp.abs(x.astype(jnp.result_type(float)))))
            raise ValueError(f"{name} holds values beyond the range of {out.dtype} (largest magnitude {largest:.3g})")
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")
    return out


def as_float64(x, name: str, *, ndim: int | None = None) -> np.ndarray:
    """A finite real array as NumPy float64 (no detour through float32, whatever JAX's x64 flag).

    For code that works in float64 NumPy (references, diagnostics, preprocessing).

    Parameters
    ----------
    x : array_like
        Real numbers, any shape unless ``ndim`` is given.
    name : str
        The argument's name in messages.
    ndim : int, optional
        Required number of dimensions.

    Returns
    -------
    numpy.ndarray
        float64.

    Raises
    ------
    TypeError
        For None, strings, bool, complex or object input, or a ragged list.
    ValueError
        For a wrong ``ndim``, NaN or inf.

    Examples
    --------
    >>> from fepnet.infra.checks import as_float64
    >>> as_float64([1, 2], "x").dtype
    dtype('float64')
    """
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, got {type(x).__name__}")
    try:
        a = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of real numbers: {exc}") from None
    if a.dtype == np.bool_ or a.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {a.shape}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")
    return a


def broadcastable(x, name: str, shape, other: str):
    """Refuse an array whose shape does not broadcast with ``shape``.

    Parameters
    ----------
    x : array
        Anything with a ``shape``.
    name : str
        Its name in messages.
    shape : tuple of int
        The shape it must broadcast with.
    other : str
        The name of what has ``shape``, in messages.

    Returns
    -------
    array
        ``x`` unchanged.

    Raises
    ------
    ValueError
        When the shapes do not broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.infra.checks import broadcastable
    >>> broadcastable(np.ones((2, 3)), "x", (4, 3), "b")
    Traceback (most recent call last):
        ...
    ValueError: x (shape (2, 3)) does not broadcast with b (4, 3)
    """
    try:
        np.broadcast_shapes(tuple(x.shape), tuple(shape))
    except ValueError:
        raise ValueError(f"{name} (shape {tuple(x.shape)}) does not broadcast with {other} {tuple(shape)}") from None
    return x
