"""Property-based tests of the public boundary of scores, data, attractors and stats.

For arbitrary finite and non-finite floats, dtypes, shapes and sizes each function either returns
finite results of the documented shape and range, or raises ValueError / TypeError whose message
names the argument. Sizes stay tiny and shapes few, so the compiled programs are reused.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fepnet
from fepnet import attractors, data, scores, stats

KEY = jax.random.key(0)
N = 4  # nodes of every network here
NET = fepnet.Network(np.array([[0.0, 1.5, -0.5, 0.0], [1.5, 0.0, 0.0, 0.8], [-0.5, 0.0, 0.0, 0.3],
                               [0.0, 0.8, 0.3, 0.0]]))

any_float = st.floats(allow_nan=True, allow_infinity=True)
F32 = st.floats(width=32, allow_nan=False, allow_infinity=False)  # every finite float32
# scalars as users pass them: any float, ints (huge ones too), bools, None, strings, arrays
any_scalar = st.one_of(any_float, st.integers(-3, 3), st.just(2**70), st.booleans(), st.none(), st.just("1.0"),
                       st.just(np.array([1.0, 2.0])), st.floats(1e-3, 1e3))


def _array(shape, elements=any_float):
    return hnp.arrays(np.float64, shape, elements=elements)


def finite_in(x, lo, hi):
    x = np.asarray(x, np.float64)
    return bool(np.all(np.isfinite(x)) and np.all(x >= lo) and np.all(x <= hi))


# --- scores ------------------------------------------------------------------------------------------


@given(_array(st.sampled_from([(1,), (2,), (8,), (3, 8)]), F32),
       _array((8,), F32))
def test_correlation_of_finite_float32_input_is_finite_and_in_range(a, b):
    r = np.asarray(scores.correlation(jnp.asarray(a, jnp.float32), jnp.asarray(b, jnp.float32)[: a.shape[-1]]))
    assert r.shape == a.shape[:-1] and finite_in(r, -1.0, 1.0)


@given(hnp.arrays(np.float32, 8, elements=st.floats(-100, 100, width=32)),
       hnp.arrays(np.float32, 8, elements=st.floats(-100, 100, width=32)),
       st.floats(-30, 30))
def test_correlation_is_scale_invariant_in_float32(x, y, log_factor):
    # well conditioned: the spread of x is not lost to rounding when x is scaled
    assume(np.ptp(x) > 0.1 * np.max(np.abs(x)) and np.ptp(y) > 0)
    a = np.float32(10.0**log_factor)
    r = float(scores.correlation(x, y))
    assert float(scores.correlation(a * x, y)) == pytest.approx(r, abs=1e-4)
    assert float(scores.correlation(x, a * y)) == pytest.approx(r, abs=1e-4)


@given(hnp.arrays(np.float64, 8, elements=st.floats(-100, 100)),
       hnp.arrays(np.float64, 8, elements=st.floats(-100, 100)),
       st.floats(-300, 300))
def test_pearson_and_cross_correlations_are_scale_invariant_in_float64(x, y, log_factor):
    assume(np.ptp(x) > 1e-3 * np.max(np.abs(x)) and np.ptp(y) > 0)
    a = 10.0**log_factor
    r = stats.pearson(x, y)
    assert stats.pearson(a * x, y) == pytest.approx(r, abs=1e-9)
    assert float(stats.cross_correlations((a * x)[None], y[None])[0, 0]) == pytest.approx(r, abs=1e-9)
    assert -1.0 <= stats.pearson(a * x, a * x) <= 1.0 + 1e-15


@given(st.integers(1, 3), st.integers(1, 3), st.data())
def test_noisy_cues_finite_or_named_error(call_checked, k, n, data_):
    patterns = data_.draw(_array((k, n)))
    scale, noise = data_.draw(any_scalar), data_.draw(any_scalar)
    cues = call_checked(scores.noisy_cues, ["patterns", "scale", "noise", "overflow"], KEY, patterns, 3, scale=scale,
                noise=noise)
    if cues is not None:
        assert cues.original.shape == cues.noisy.shape == (3, n)
        assert np.all(np.isfinite(np.asarray(cues.original))) and np.all(np.isfinite(np.asarray(cues.noisy)))


RECALL_NAMES = ["patterns", "evidence_level", "inverse_temperature", "scale", "noise", "overflow"]


@given(st.sampled_from([1, 2]), st.data())
def test_retrieval_score_finite_in_range_or_named_error(call_checked, k, data_):
    patterns = data_.draw(_array((k, N)))
    kwargs = {name: data_.draw(any_scalar) for name in ("evidence_level", "inverse_temperature", "scale", "noise")}
    result = call_checked(fepnet.retrieval_score, RECALL_NAMES, KEY, NET, patterns, n_trials=3, n_steps=2, **kwargs)
    if result is not None:
        assert result.gains.shape == (3,) and result.response.shape == (3, N)
        assert finite_in(result.gains, -1.0, 1.0) and finite_in(result.score, -1.0, 1.0)
        assert finite_in(result.response, -1.0, 1.0) and finite_in(result.sigma, -1.0, 1.0)


@given(_array((2, N)), any_scalar)
def test_evoke_finite_in_range_or_named_error(call_checked, inputs, inverse_temperature):
    out = call_checked(fepnet.evoke, ["inputs", "inverse_temperature"], KEY, NET, inputs, n_steps=2,
               inverse_temperature=inverse_temperature)
    if out is not None:
        response, final = out
        assert response.shape == (2, N) and finite_in(response, -1, 1) and finite_in(final, -1, 1)


@given(_array((3, N), F32), _array((3, N), F32),
       _array((3, N), F32))
def test_score_gains_of_finite_input_lie_in_minus_one_one(response, original, noisy):
    g = scores.score_gains(jnp.asarray(response, jnp.float32), jnp.asarray(original, jnp.float32),
                           jnp.asarray(noisy, jnp.float32))
    assert g.shape == (3,) and finite_in(g, -1.0, 1.0)


# --- data --------------------------------------------------------------------------------------------


DTYPES = [None, np.float16, np.float32, "float32", jnp.float32, np.int32, jnp.int32, np.int8, np.uint16, bool,
          np.complex64, "not a dtype", object, 3]


@pytest.mark.parametrize("dtype", DTYPES)
def test_loaders_give_float_arrays_or_name_dtype(call_checked, dtype):
    bars = call_checked(data.load_bars, ["dtype"], dtype)
    pats = call_checked(data.random_patterns, ["dtype"], KEY, 2, 3, dtype)
    assert (bars is None) == (pats is None)
    if bars is not None:
        assert jnp.issubdtype(bars.train.dtype, jnp.floating) and jnp.issubdtype(pats.dtype, jnp.floating)
        assert np.all(np.isfinite(np.asarray(bars.train, np.float64)))
        assert set(np.unique(np.asarray(pats, np.float64))) <= {-1.0, 1.0}


def test_load_digits_refuses_non_float_dtypes_before_loading():
    for dtype in (np.int32, bool, np.complex64, "x"):
        with pytest.raises(TypeError, match="dtype"):
            data.load_digits(dtype)


sizes = st.one_of(st.integers(-2, 5), st.just(2**40), st.just(2.5), st.just(True), st.none())


@given(sizes, sizes)
def test_random_patterns_sizes(call_checked, n_patterns, n_nodes):
    p = call_checked(data.random_patterns, ["n_patterns", "n_nodes"], KEY, n_patterns, n_nodes)
    if p is not None:
        assert p.shape == (n_patterns, n_nodes) and set(np.unique(np.asarray(p))) <= {-1.0, 1.0}


@given(st.one_of(_array(st.sampled_from([(2, 5), (1, 3), (4,), (2, 0), ()])), st.none(), st.just("img"),
                 st.just(np.ones((2, 3), bool)), st.just(np.ones((2, 3), complex)), st.just([[1.0, 2.0], [3.0]])))
def test_standardize_gives_mean_zero_std_one_or_names_images(call_checked, images):
    for f in (data.standardize, data.preprocess_digits):
        x = call_checked(f, ["images"], images)
        if x is not None:
            assert x.shape == np.shape(images) and np.all(np.isfinite(x))
            np.testing.assert_allclose(x.mean(axis=-1), 0.0, atol=1e-9)
            np.testing.assert_allclose(x.std(axis=-1), 1.0, atol=1e-9)


# --- attractors --------------------------------------------------------------------------------------


states_strategy = st.one_of(_array(st.sampled_from([(3, N), (1, N), (0, N)])), _array((3,)),
                            st.just("states"), st.just(np.ones((2, 2), complex)))


@given(states_strategy)
def test_pairwise_geometry_in_range_or_named_error(call_checked, states):
    angles = call_checked(attractors.pairwise_angles, ["states"], states)
    corr = call_checked(attractors.pairwise_correlations, ["states"], states)
    assert (angles is None) == (corr is None)
    if angles is not None:
        a = np.asarray(angles)
        assert a.shape == corr.shape == (len(states), len(states))
        assert finite_in(corr, -1.0, 1.0)
        # NaN only for rows that are zero in the working dtype
        zero = ~np.any(np.asarray(states, np.float32) != 0, axis=1)
        assert np.array_equal(np.isnan(a), zero[:, None] | zero[None, :])
        assert np.all((a[~np.isnan(a)] >= 0) & (a[~np.isnan(a)] <= 180))


@given(states_strategy, st.one_of(any_float, st.just(1.0)),
       st.one_of(st.none(), st.just([True, False, True]), st.just([1, 0]), st.just([1, 2, 0])))
def test_orthogonality_in_range_or_named_error(call_checked, states, exclude, mask):
    o = call_checked(attractors.orthogonality, ["states", "exclude", "mask"], states, exclude=exclude, mask=mask)
    if o is not None:
        o = float(o)
        assert np.isnan(o) or 0.0 <= o <= 90.0


@given(states_strategy, st.one_of(st.integers(-2, 20), st.just(2.0), st.none()))
def test_deduplicate_and_unique_mask_agree_or_name_the_argument(call_checked, states, decimals):
    out = call_checked(attractors.deduplicate, ["states", "decimals"], states, decimals)
    mask = call_checked(attractors.unique_mask, ["states", "decimals"], states, decimals)
    assert (out is None) == (mask is None)
    if out is not None:
        unique, label = out
        assert np.all(np.isfinite(unique)) and len(np.unique(unique, axis=0)) == len(unique) == int(np.sum(mask))
        assert label.shape == (len(states),) and (len(states) == 0 or 0 <= label.min() <= label.max() < len(unique))
