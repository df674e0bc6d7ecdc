"""Property-based tests of the boundary of ``inference.distribution.ContinuousBernoulli`` (issue #16).

For arbitrary constructor arguments (any dtype, shape, size, NaN and +-inf, Python
scalars, None, strings) the constructor either builds a distribution whose moments,
entropy, draws, densities, CDF and quantiles are finite and in their documented ranges,
or raises ``TypeError`` / ``ValueError`` naming ``bias`` or ``mean``; the methods do the
same for their own arguments (``key``, ``sample_shape``, ``value``, ``q``).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from inference.distribution import ContinuousBernoulli as CB

DTYPES = [np.bool_, np.int8, np.int64, np.float16, np.float32, np.float64, np.complex64]
SHAPES = [(), (0,), (3,), (2, 3)]
LOG2 = math.log(2.0)

arrays = st.sampled_from(DTYPES).flatmap(
    lambda dt: hnp.arrays(dt, st.sampled_from(SHAPES), elements=hnp.from_dtype(np.dtype(dt)))
)
python_scalars = st.one_of(st.floats(), st.integers(-(2**40), 2**40), st.booleans(), st.complex_numbers(),
                           st.none(), st.text(max_size=2))
anything = st.one_of(arrays, python_scalars)
finite = st.sampled_from([np.float32, np.float64]).flatmap(
    lambda dt: hnp.arrays(dt, st.sampled_from(SHAPES), elements=hnp.from_dtype(np.dtype(dt), allow_nan=False,
                                                                               allow_infinity=False))
)
in_unit = st.sampled_from([np.float32, np.float64]).flatmap(
    lambda dt: hnp.arrays(dt, st.sampled_from(SHAPES), elements=st.floats(-1.0, 1.0, width=np.finfo(dt).bits))
)


def _refusal(call, *names):
    """Call; if it raises, the error must be a TypeError/ValueError naming one of ``names``."""
    try:
        out = call()
    except (TypeError, ValueError) as err:
        message = str(err)
        assert message.split(" ")[0] in names or any(f"`{n}`" in message for n in names), message
        event(f"refused: {type(err).__name__}")
        return None
    event("accepted")
    return out


def _finite_in(x, lo, hi):
    x = np.asarray(x, np.float64)
    assert np.all(np.isfinite(x)) and np.all((x >= lo) & (x <= hi)), (x, lo, hi)


def _valid_bias(b) -> bool:
    if b is None or isinstance(b, (str, bytes)):
        return False
    arr = np.asarray(b)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "fiu":
        return False
    work = np.float32 if arr.dtype.kind != "f" or arr.dtype == np.float64 else arr.dtype
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.all(np.isfinite(arr.astype(np.float64))) and np.all(np.isfinite(arr.astype(work))))


def _exercise(d):
    """Every method of a valid distribution gives finite values in range, of the right shapes."""
    batch = d.batch_shape
    tol = 4 * float(np.finfo(d.bias.dtype).eps)
    _finite_in(d.mean, -1, 1)
    _finite_in(d.variance, 0, 1 / 3 + tol)
    h = np.asarray(d.entropy(), np.float64)
    assert not np.any(np.isnan(h)) and np.all(h <= LOG2 + tol) and h.shape == batch
    x = d.sample(jax.random.key(0), (2,))
    assert x.shape == (2, *batch)
    _finite_in(x, -1, 1)
    assert not np.any(np.isnan(np.asarray(d.log_prob(x))))
    _finite_in(d.cdf(x), 0, 1)
    _finite_in(d.icdf(jnp.full(batch, 0.3, d.bias.dtype)), -1, 1)
    kl = np.asarray(dist.kl_divergence(d, CB(jnp.zeros(batch, d.bias.dtype))))
    assert not np.any(np.isnan(kl)) and np.all(kl >= 0)


@given(bias=st.one_of(finite, anything))
def test_constructor_from_bias(bias):
    d = _refusal(lambda: CB(bias), "bias")
    assert (d is not None) == _valid_bias(bias), (bias, d)
    if d is not None:
        assert d.batch_shape == np.shape(np.asarray(bias))
        _exercise(d)


@given(mean=st.one_of(in_unit, anything))
def test_constructor_from_mean(mean):
    d = _refusal(lambda: CB(mean=mean), "mean")
    if d is not None:
        assert np.all(np.abs(np.asarray(mean, np.float64)) < 1)
        assert np.all(np.isfinite(np.asarray(d.bias)))
        _exercise(d)


keys = st.one_of(st.integers(0, 3).map(jax.random.key), st.integers(0, 3).map(jax.random.PRNGKey),
                 st.integers(-2, 2), st.none(), st.just("key"), st.just(jax.random.split(jax.random.key(0), 2)))
sample_shapes = st.one_of(st.lists(st.integers(-1, 3), max_size=2).map(tuple), st.integers(0, 3), st.none(),
                          st.just((1.5,)))


valid_keys = st.integers(0, 3).map(jax.random.key)
valid_shapes = st.lists(st.integers(0, 3), max_size=2).map(tuple)


@given(key=st.one_of(keys, valid_keys), sample_shape=st.one_of(sample_shapes, valid_shapes))
def test_sample_arguments(key, sample_shape):
    d = CB(jnp.array([0.5, -2.0]))
    x = _refusal(lambda: d.sample(key, sample_shape), "key", "sample_shape")
    if x is not None:
        assert x.shape == tuple(sample_shape) + (2,)
        _finite_in(x, -1, 1)


@pytest.mark.parametrize("method", ["log_prob", "cdf", "icdf"])
@given(arg=st.one_of(in_unit, finite, anything))
def test_method_arguments(method, arg):
    d = CB(jnp.array([0.5, -2.0, 0.0]), validate_args=False)
    name = "q" if method == "icdf" else "value"
    out = _refusal(lambda: getattr(d, method)(arg), name)
    if out is None:
        return
    out = np.asarray(out, np.float64)
    assert out.shape == np.broadcast_shapes(np.shape(np.asarray(arg)), (3,))
    arg = np.asarray(np.asarray(arg, np.float64), np.float32).astype(np.float64)  # as checked: in float32
    inside = np.broadcast_to(np.abs(arg) <= 1, out.shape)
    if method == "log_prob":  # b s - A(b) also outside [-1, 1] (NumPyro's convention without validate_args)
        assert not np.any(np.isnan(out[np.broadcast_to(np.isfinite(arg), out.shape)]))
    elif method == "cdf":
        _finite_in(out, 0, 1)
    else:
        assert np.all(np.abs(arg) <= 1) and np.all(arg >= 0)  # q outside [0, 1] is refused
        _finite_in(out, -1, 1)
    assert np.all(np.isfinite(out[inside]))
