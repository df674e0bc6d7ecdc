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


def float_dtype(dtype, name: str = "dtype"):
    """A floating dtype (float16/32/64), as a NumPy dtype; ``None`` gives JAX's default float.

    Integer, bool and complex dtypes are refused with ``TypeError``: a network's couplings,
    states and data are real numbers, and an integer dtype would silently truncate them.
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
    """Convert to a floating JAX array; reject complex, bool, strings and objects.

    The array is cast to its working dtype first (``dtype``, or float32 unless x64 is
    on; float64 input stays float64 only when x64 is on) and *then* checked for
    finiteness, so a float64 value beyond the float32 range (say 1e39) is refused
    rather than silently becoming inf.
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

    Large arrays (``_LARGE`` elements or more) are checked in one pass without temporaries:
    they use (x reshaped to (M, K)) @ zeros(K): an entry inf or NaN makes its row's
    sum NaN (inf * 0 = NaN), and the product streams x once at matrix-vector speed with no
    boolean copy of x (``jnp.isfinite(x)`` eagerly would allocate one byte per element;
    a fused all(isfinite) reduction runs several times slower on CPU).
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
    """A positive finite scalar (Python number or 0-d array).

    With ``dtype`` the value is cast to it and checked after the cast (1e39 is refused
    for float32; 1e-50 becomes 0 and is refused as not positive).
    """
    return _bounded_scalar(x, name, strict=True, dtype=dtype)


def nonnegative_scalar(x, name: str, *, dtype=None):
    """A non-negative finite scalar (``dtype``: as for :func:`positive_scalar`)."""
    return _bounded_scalar(x, name, strict=False, dtype=dtype)


INT32_MAX = int(np.iinfo(np.int32).max)
SEED_MAX = int(np.iinfo(np.int64).max)


def count(x, name: str, *, minimum: int = 0, maximum: int = INT32_MAX) -> int:
    """A Python integer in [minimum, maximum] (static sizes such as step counts).

    The default maximum is the largest int32, JAX's default integer: a larger count
    would overflow inside a jitted loop or allocate without bound.
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}")
    if x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}")
    if x > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {x}")
    return int(x)


def seed(x, name: str = "seed") -> int:
    """A PRNG seed: an integer in [0, 2**63 - 1] (what ``jax.random.key`` accepts)."""
    return count(x, name, minimum=0, maximum=SEED_MAX)


def binary_mask(x, name: str, *, shape=None):
    """An array of zeros and ones (any real or bool dtype), as the working float dtype."""
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

    For code that works in float64 NumPy (references, diagnostics, preprocessing): refuses
    None, strings, bool, complex and objects with ``TypeError``, a wrong ``ndim`` and
    non-finite values with ``ValueError``, each naming the argument.
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
    """Refuse concrete values outside [lo, hi], NaN included (``ValueError``); traced values pass."""
    if is_concrete(x):
        values = np.asarray(x)
        bad = ~((values >= lo) & (values <= hi))
        if bad.any():
            raise ValueError(f"{name} must lie in [{lo:g}, {hi:g}], got {float(values[bad].ravel()[0])}")
    return x


def broadcastable(x, name: str, shape, other: str):
    """Refuse an array whose shape does not broadcast with ``shape`` (``other`` names it in the message)."""
    try:
        np.broadcast_shapes(tuple(x.shape), tuple(shape))
    except ValueError:
        raise ValueError(f"{name} (shape {tuple(x.shape)}) does not broadcast with {other} {tuple(shape)}") from None
    return x


def allocation(nbytes: int, what: str) -> int:
    """Refuse a result of ``nbytes`` bytes that cannot fit in the memory of JAX's default device.

    ``what`` names the arguments that set the size as the user passed them, e.g.
    ``"trace=True with n_steps=1000000000, thin=1 (N=100, float32)"``; the message
    reads "<what> would record 400 GB, more than the 80 GB of memory of gpu:0".
    """
    from .resources import device_memory_bytes

    limit, device = device_memory_bytes()
    if limit is not None and nbytes > limit:
        raise ValueError(f"{what} would record {nbytes / 1e9:.3g} GB, "
                         f"more than the {limit / 1e9:.3g} GB of memory of {device}")
    return int(nbytes)


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
