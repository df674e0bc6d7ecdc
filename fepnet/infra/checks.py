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

__all__ = ["all_finite", "allocation", "as_float64", "as_real_array", "binary_mask", "broadcastable", "count",
           "extended_real_array", "float_dtype", "in_interval", "is_concrete", "nonnegative_scalar", "positive_scalar",
           "prng_key", "seed", "states"]


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
SEED_MAX = int(np.iinfo(np.int64).max)


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


def seed(x, name: str = "seed") -> int:
    """A PRNG seed: an integer in [0, 2**63 - 1] (what ``jax.random.key`` accepts).

    Parameters
    ----------
    x : int
        The seed.
    name : str
        The argument's name in messages.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        For a non-integer.
    ValueError
        Outside [0, 2**63 - 1].

    Examples
    --------
    >>> from fepnet.infra.checks import seed
    >>> seed(42)
    42
    """
    return count(x, name, minimum=0, maximum=SEED_MAX)


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


def allocation(nbytes: int, what: str) -> int:
    """Refuse a result of ``nbytes`` bytes that cannot fit in the memory of JAX's default device.

    The limit is :func:`~fepnet.infra.resources.device_memory_bytes` (an accelerator's
    limit, else the host's RAM); nothing is refused where it is unknown.

    Parameters
    ----------
    nbytes : int
        The size of the result, in bytes.
    what : str
        The arguments that set the size, as the user passed them, e.g.
        ``"trace=True with n_steps=1000000000, thin=1 (N=100, float32)"``; the message reads
        "<what> would record 400 GB, more than the 80 GB of memory of gpu:0".

    Returns
    -------
    int
        ``nbytes``.

    Raises
    ------
    ValueError
        When ``nbytes`` exceeds the device's memory.

    Examples
    --------
    >>> from fepnet.infra.checks import allocation
    >>> allocation(1024, "a small trace")
    1024
    >>> allocation(10**20, "trace=True with n_steps=10**17")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: trace=True with n_steps=10**17 would record 1e+11 GB, more than the ... GB of memory of ...
    """
    from .resources import device_memory_bytes

    limit, device = device_memory_bytes()
    if limit is not None and nbytes > limit:
        raise ValueError(f"{what} would record {nbytes / 1e9:.3g} GB, "
                         f"more than the {limit / 1e9:.3g} GB of memory of {device}")
    return int(nbytes)


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


def prng_key(key, name: str = "key"):
    """A JAX PRNG key: a typed key (``jax.random.key``) or a legacy uint32 key (``jax.random.PRNGKey``).

    Parameters
    ----------
    key : jax.Array
        The key (or an array of keys).
    name : str
        The argument's name in messages.

    Returns
    -------
    jax.Array
        ``key`` unchanged.

    Raises
    ------
    TypeError
        For an integer seed or any other array.

    Examples
    --------
    >>> import jax
    >>> from fepnet.infra.checks import prng_key
    >>> prng_key(jax.random.key(0)).shape
    ()
    >>> prng_key(0)
    Traceback (most recent call last):
        ...
    TypeError: key must be a JAX PRNG key (jax.random.key(seed)), got int
    """
    if not isinstance(key, (jax.Array, np.ndarray)):
        raise TypeError(f"{name} must be a JAX PRNG key (jax.random.key(seed)), got {type(key).__name__}")
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    if key.dtype == jnp.uint32 and key.shape[-1:] == (2,):
        return key
    raise TypeError(f"{name} must be a JAX PRNG key (jax.random.key(seed)), got dtype {key.dtype}")
