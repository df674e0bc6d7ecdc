"""Property-based tests of the public boundary of ``fepnet.cb`` (issue #16).

For arbitrary arguments — finite floats of any size up to the dtype's largest, NaN and
+-inf, every numeric dtype (bool, integers, float16/32/64, complex), Python scalars,
None and strings, shapes that broadcast or do not — each public function either
returns results of the documented shape and range (never NaN for finite input), or
raises ``TypeError`` / ``ValueError`` whose message starts with the name of the first
offending argument. Infinite biases are accepted as limits (the module docstring).

The expected outcome is worked out here independently of ``fepnet.infra.checks``:
the working dtype is the input's float dtype (float64 only under x64) or JAX's default
float for integers; a finite value beyond its range is refused, as is NaN.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fepnet import cb

DTYPES = [np.bool_, np.int8, np.int32, np.int64, np.float16, np.float32, np.float64, np.complex64, np.complex128]
SHAPES = [(), (0,), (3,), (1, 3), (2, 3)]  # a few fixed shapes: eager ops compile once per shape

arrays = st.sampled_from(DTYPES).flatmap(
    lambda dt: hnp.arrays(dt, st.sampled_from(SHAPES), elements=hnp.from_dtype(np.dtype(dt)))
)
python_scalars = st.one_of(
    st.floats(), st.integers(-(2**70), 2**70), st.booleans(), st.complex_numbers(), st.none(), st.text(max_size=2)
)
anything = st.one_of(arrays, python_scalars)
# Valid biases (any size up to the dtype's largest, and +-inf), so that the range
# properties get exercised often.
biases = st.sampled_from([np.float32, np.float64]).flatmap(
    lambda dt: hnp.arrays(dt, st.sampled_from(SHAPES), elements=hnp.from_dtype(np.dtype(dt), allow_nan=False))
)
unit_floats = st.sampled_from([np.float32, np.float64]).flatmap(
    lambda dt: hnp.arrays(dt, st.sampled_from(SHAPES), elements=st.floats(0.0, 1.0, width=np.finfo(dt).bits))
)
states = st.sampled_from([np.float32, np.float64]).flatmap(
    lambda dt: hnp.arrays(dt, st.sampled_from(SHAPES), elements=st.floats(-1.0, 1.0, width=np.finfo(dt).bits))
)


def _working(arr: np.ndarray):
    """The dtype an accepted argument is computed in."""
    if arr.dtype.kind == "f":
        return np.dtype(np.float32) if arr.dtype == np.float64 and not jax.config.jax_enable_x64 else arr.dtype
    return np.dtype(jnp.result_type(float))


def _expected(x, lo=None, hi=None, work=None) -> str | None:
    """None if ``x`` is acceptable, else the exception the boundary must raise."""
    if x is None or isinstance(x, (str, bytes)):
        return "TypeError"
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "fiu":
        return "TypeError"
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        return "ValueError"
    work = _working(arr) if work is None else work
    finite = arr[np.isfinite(arr)].astype(np.float64)
    if finite.size and np.abs(finite).max() > float(np.finfo(work).max):
        return "ValueError"
    if lo is not None:
        with np.errstate(over="ignore"):
            cast = arr.astype(work)
        if not np.all((cast >= lo) & (cast <= hi)):
            return "ValueError"
    return None


def _shape(x):
    return np.shape(np.asarray(x))


def _outcome(call, checks):
    """Run ``call``; ``checks`` = [(argument, name, lo, hi)] in the order the function checks them.

    Returns the result when every argument is acceptable and the shapes broadcast;
    otherwise asserts the right exception, naming the first bad argument, and returns None.
    """
    want = None
    for x, name, lo, hi in checks:
        kind = _expected(x, lo, hi)
        if kind is not None:
            want = (kind, name)
            break
    if want is None and len(checks) == 2:
        # Both are computed in their common dtype (a Python float takes the array's), and
        # must fit it; then their shapes must broadcast.
        common = jnp.result_type(*(x if isinstance(x, float) else _working(np.asarray(x)) for x, *_ in checks))
        for x, name, _, _ in checks:
            if _expected(x, work=np.dtype(common)) is not None:
                want = ("ValueError", name)
                break
        else:
            try:
                np.broadcast_shapes(_shape(checks[0][0]), _shape(checks[1][0]))
            except ValueError:
                want = ("ValueError", checks[0][1])
    event("accepted" if want is None else f"refused: {want[0]}")
    if want is None:
        return call()
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    assert type(info.value).__name__ == want[0], (want, info.value)
    assert str(info.value).startswith(want[1] + " "), (want, str(info.value))
    return None


def _infinite(x):
    arr = np.asarray(x)
    return np.isinf(arr) if arr.dtype.kind == "f" else np.zeros(arr.shape, bool)


def _check(out, shape, lo=-np.inf, hi=np.inf, finite_where=None):
    out = np.asarray(out)
    assert out.shape == tuple(shape), (out.shape, shape)
    assert out.dtype.kind == "f"
    assert not np.isnan(out).any(), out
    tol = 4 * float(np.finfo(out.dtype).eps)
    assert np.all((out >= lo - tol * abs(lo)) & (out <= hi + tol * abs(hi))), (out, lo, hi)
    if finite_where is not None:
        assert np.all(np.isfinite(out[np.broadcast_to(finite_where, out.shape)])), out
    return out


UNARY_RANGES = {
    "langevin": (-1.0, 1.0),
    "langevin_grad": (0.0, 1.0 / 3.0),
    "log_normalizer": (math.log(2.0), np.inf),
    "entropy": (-np.inf, math.log(2.0)),
}


@pytest.mark.parametrize("name", list(UNARY_RANGES))
@given(b=anything)
def test_unary_functions(name, b):
    out = _outcome(lambda: getattr(cb, name)(b), [(b, "b", None, None)])
    if out is not None:
        _check(out, _shape(b), *UNARY_RANGES[name], finite_where=~_infinite(b))


@pytest.mark.parametrize("name", list(UNARY_RANGES))
@given(b=biases)
def test_unary_functions_in_float64(x64, name, b):
    out = _outcome(lambda: getattr(cb, name)(b), [(b, "b", None, None)])
    assert out is not None and out.dtype == b.dtype
    _check(out, b.shape, *UNARY_RANGES[name], finite_where=~_infinite(b))


@given(q=st.one_of(biases, anything), p=st.one_of(biases, anything))
def test_kl(q, p):
    out = _outcome(lambda: cb.kl(q, p), [(q, "b_q", None, None), (p, "b_p", None, None)])
    if out is not None:
        shape = np.broadcast_shapes(_shape(q), _shape(p))
        out = _check(out, shape, 0.0, np.inf)
        # +inf: an infinite bias, or an exact value beyond the float range (biases near the largest float)
        big = float(np.finfo(out.dtype).max) / 4
        qq, pp = (np.broadcast_to(np.abs(np.asarray(a, np.float64)), shape) for a in (q, p))
        assert np.all(np.isfinite(out) | np.isinf(qq) | np.isinf(pp) | (np.maximum(qq, pp) > big)), (q, p, out)


@given(q=biases)
def test_kl_of_a_bias_with_itself_is_zero(x64, q):
    np.testing.assert_array_equal(cb.kl(q, q), np.zeros(q.shape))


@given(sigma=st.one_of(states, anything), b=st.one_of(biases, anything))
def test_log_prob_boundary(sigma, b):
    _log_prob_case(sigma, b)


def _log_prob_case(sigma, b):
    out = _outcome(lambda: cb.log_prob(sigma, b), [(sigma, "sigma", -1.0, 1.0), (b, "b", None, None)])
    if out is not None:
        _check(out, np.broadcast_shapes(_shape(sigma), _shape(b)), finite_where=~_infinite(b))


@given(sigma=states, b=biases)
def test_log_prob(sigma, b):
    _log_prob_case(sigma, b)


@given(sigma=anything, b=st.one_of(biases, anything))
def test_cdf_boundary(sigma, b):
    _cdf_case(sigma, b)


def _cdf_case(sigma, b):
    out = _outcome(lambda: cb.cdf(sigma, b), [(sigma, "sigma", None, None), (b, "b", None, None)])
    if out is not None:
        _check(out, np.broadcast_shapes(_shape(sigma), _shape(b)), 0.0, 1.0)


@given(sigma=biases, b=biases)
def test_cdf(sigma, b):
    _cdf_case(sigma, b)


@given(u=st.one_of(unit_floats, anything), b=st.one_of(biases, anything))
def test_icdf_boundary(u, b):
    _icdf_case(u, b)


def _icdf_case(u, b):
    out = _outcome(lambda: cb.icdf(u, b), [(u, "u", 0.0, 1.0), (b, "b", None, None)])
    if out is not None:
        _check(out, np.broadcast_shapes(_shape(u), _shape(b)), -1.0, 1.0)


@given(u=unit_floats, b=biases)
def test_icdf(u, b):
    _icdf_case(u, b)


means = st.sampled_from([np.float32, np.float64]).flatmap(
    lambda dt: hnp.arrays(dt, st.sampled_from(SHAPES), elements=st.floats(-1.0, 1.0, width=np.finfo(dt).bits))
)


@given(m=anything)
def test_inverse_langevin_boundary(m):
    _inverse_langevin_case(m)


def _inverse_langevin_case(m):
    out = _outcome(lambda: cb.inverse_langevin(m), [(m, "m", -1.0, 1.0)])
    if out is not None:
        out = _check(out, _shape(m))
        edge = np.abs(np.asarray(m, np.float64).astype(out.dtype)) == 1
        assert np.all(np.isfinite(out[~np.broadcast_to(edge, out.shape)]))


@given(m=means)
def test_inverse_langevin(m):
    _inverse_langevin_case(m)


keys = st.one_of(
    st.integers(0, 5).map(jax.random.key), st.integers(0, 5).map(jax.random.PRNGKey),
    st.integers(-3, 3), st.none(), st.just("key"), st.just(np.zeros(2)),
)
sizes = st.lists(st.integers(-1, 3), max_size=2)
sample_shapes = st.one_of(st.none(), sizes.map(tuple), sizes, st.integers(-1, 3), st.just((2.0,)))
float_dtypes = st.sampled_from([None, jnp.float32, jnp.float16, jnp.int32, jnp.bool_, jnp.complex64, "float32", "nope"])


def _sample_expected(key, b, shape, dtype):
    """(exception, argument name) that ``cb.sample`` must raise, or None; in its order of checks."""
    if not (isinstance(key, jax.Array) and (key.dtype == jnp.uint32 or jnp.issubdtype(key.dtype, jax.dtypes.prng_key))):
        return "TypeError", "key"
    work = None
    if dtype is not None:
        if dtype not in (jnp.float32, jnp.float16, "float32"):
            return "TypeError", "dtype"
        work = np.dtype(dtype)
        if work == np.float64 and not jax.config.jax_enable_x64:
            work = np.dtype(np.float32)
    kind = _expected(b, work=work)
    if kind is not None:
        return kind, "b"
    if shape is None:
        return None
    if not isinstance(shape, (tuple, list)) or not all(isinstance(n, int) for n in shape):
        return "TypeError", "shape"
    if any(n < 0 for n in shape):
        return "ValueError", "shape"
    try:
        fits = np.broadcast_shapes(_shape(b), tuple(shape)) == tuple(shape)
    except ValueError:
        fits = False
    return None if fits else ("ValueError", "shape")


@given(key=keys, b=st.one_of(biases, anything), shape=sample_shapes, dtype=float_dtypes)
def test_sample_boundary(key, b, shape, dtype):
    _sample_case(key, b, shape, dtype)


def _sample_case(key, b, shape, dtype):
    want = _sample_expected(key, b, shape, dtype)
    event("accepted" if want is None else f"refused: {want[0]} ({want[1]})")
    if want is not None:
        with pytest.raises((TypeError, ValueError)) as info:
            cb.sample(key, b, shape=shape, dtype=dtype)
        assert type(info.value).__name__ == want[0], (want, info.value)
        assert str(info.value).startswith(want[1] + " "), (want, str(info.value))
        return
    out = cb.sample(key, b, shape=shape, dtype=dtype)
    _check(out, _shape(b) if shape is None else tuple(shape), -1.0, 1.0)
    assert out.dtype == (np.asarray(cb.langevin(b)).dtype if dtype is None else np.dtype(dtype))


@given(key=st.integers(0, 3).map(jax.random.key), b=biases,
       shape=st.sampled_from([None, (2, 3), (1, 2, 3), (4, 1, 3)]), dtype=st.sampled_from([None, jnp.float32]))
def test_sample(key, b, shape, dtype):
    _sample_case(key, b, shape, dtype)
