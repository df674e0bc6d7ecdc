"""The floating dtype of a check: which dtypes a network's numbers may have, and JAX's default.

:func:`float_dtype` resolves a ``dtype`` argument to a NumPy floating dtype (``None``: JAX's
default float, float32 unless x64 is on) and refuses integer, bool and complex dtypes; the
array and scalar checks cast to it.
"""

from __future__ import annotations

import numpy as np
import jax.numpy as jnp

__all__ = ["float_dtype"]


def float_dtype(dtype, name: str = "dtype"):
    """A floating dtype (float16/32/64), as a NumPy dtype; ``None`` gives JAX's default float.

    Integer, bool and complex dtypes are refused: a network's couplings, states and data are
    real numbers, and an integer dtype would silently truncate them.

    Parameters
    ----------
    dtype : dtype-like or None
        E.g. ``jnp.float32``, ``"float64"``.
    name : str
        The argument's name in messages.

    Returns
    -------
    numpy.dtype

    Raises
    ------
    TypeError
        For a non-floating or unknown dtype.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.infra.checks import float_dtype
    >>> float_dtype(jnp.float16)
    dtype('float16')
    >>> float_dtype("int32")
    Traceback (most recent call last):
        ...
    TypeError: dtype must be a floating dtype such as jnp.float32, got int32
    """
    if dtype is None:
        return np.dtype(jnp.result_type(float))
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be a floating dtype such as jnp.float32, got {dtype!r}") from None
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"{name} must be a floating dtype such as jnp.float32, got {dt}")
    return dt
