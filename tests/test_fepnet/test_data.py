import jax
import numpy as np
import pytest

import fepnet
from fepnet.data import load_bars, load_digits, preprocess_digits, random_patterns, standardize


def test_digits_split_and_preprocessing():
    d = load_digits()
    assert d.train.shape == (10, 64) and d.test.shape == (1787, 64)
    assert list(d.train_labels) == list(range(10))
    x = np.asarray(d.train, dtype=np.float64)
    np.testing.assert_allclose(x.mean(axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(x.std(axis=1), 1, atol=1e-5)


def test_preprocess_squares_then_standardises_each_image():
    img = np.array([[0.0, 1.0, 2.0, 3.0]])
    sq = img**2
    expected = (sq - sq.mean()) / sq.std()
    np.testing.assert_allclose(preprocess_digits(img), expected)


def test_random_patterns_are_pm1_and_balanced():
    p = np.asarray(random_patterns(jax.random.key(0), 20, 500))
    assert p.shape == (20, 500)
    assert set(np.unique(p)) == {-1.0, 1.0}
    assert abs(p.mean()) < 0.05


@pytest.mark.parametrize("args", [(0, 5), (5, 0), (2.5, 5)])
def test_random_patterns_rejects_bad_sizes(args):
    with pytest.raises((ValueError, TypeError), match="n_"):
        random_patterns(jax.random.key(0), *args)


# --- the 5x5 bars of Simulation 1 ------------------------------------------------------------------


def test_standardize_known_answer():
    x = standardize([[1.0, 2.0, 3.0], [10.0, 10.0, 40.0]])
    np.testing.assert_allclose(x[0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    np.testing.assert_allclose(x[1], [-1 / np.sqrt(2), -1 / np.sqrt(2), np.sqrt(2)])
    np.testing.assert_allclose(x.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=1), 1)  # ddof = 0


def test_bars_shapes_and_standardisation():
    bars = load_bars()
    assert bars.train.shape == (2, 25) and bars.cross.shape == (25,)
    assert tuple(bars.labels) == ("vertical", "horizontal")
    x = np.asarray(np.vstack([bars.train, bars.cross[None]]), np.float64)
    np.testing.assert_allclose(x.mean(axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(x.std(axis=1), 1, atol=1e-5)


def test_bars_correlate_at_0_77():
    # Each raw image: 4 bar pixels 1, centre 4, 21 zeros -> mean 8/25, E[x^2] = 20/25; the bars share only the
    # centre, E[v h] = 16/25. r = (16/25 - 0.1024) / (20/25 - 0.1024) = 0.5376 / 0.6976 = 84/109.
    v, h = np.asarray(load_bars().train, np.float64)
    r = np.corrcoef(v, h)[0, 1]
    assert r == pytest.approx(84 / 109, abs=1e-6)
    assert round(r, 2) == 0.77


def test_bars_geometry():
    bars = load_bars()
    v, h = (np.asarray(img).reshape(5, 5) for img in bars.train)
    for img in (v, h):
        assert np.argmax(img) == 12  # the centre pixel is the largest
        assert np.sum(img == img.max()) == 1
    background = v[0, 0]
    # vertical bar = column 2, horizontal bar = row 2, everything else background
    assert np.all(v[:, 2] > background) and np.all(np.delete(v, 2, axis=1) == background)
    assert np.all(h[2, :] > background) and np.all(np.delete(h, 2, axis=0) == background)
    np.testing.assert_allclose(h, v.T)
    # the bar pixels other than the centre are all equal, below the centre
    assert np.all(v[[0, 1, 3, 4], 2] == v[0, 2]) and v[0, 2] < v[2, 2]


def test_cross_is_both_bars_and_correlates_with_each():
    bars = load_bars()
    cross = np.asarray(bars.cross).reshape(5, 5)
    background = cross[0, 0]
    on = np.zeros((5, 5), bool)
    on[2, :] = on[:, 2] = True
    assert np.all(cross[on] > background) and np.all(cross[~on] == background)
    assert np.argmax(cross) == 12
    for bar in np.asarray(bars.train):
        assert np.corrcoef(bar, cross.ravel())[0, 1] > 0.5


def test_bars_dtype():
    assert load_bars(np.float32).train.dtype == np.float32
    assert load_bars(np.float32).cross.dtype == np.float32


def test_standardize_rejects_constant_and_non_finite_images():
    with pytest.raises(ValueError, match="constant"):
        fepnet.data.standardize(np.array([[1.0, 2.0], [3.0, 3.0]]))
    with pytest.raises(ValueError, match="non-finite"):
        fepnet.data.standardize(np.array([[1.0, np.nan]]))


# --- issue 16 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int32, "int64", np.bool_, np.complex64, np.uint8])
def test_cause08_loaders_refuse_non_float_dtypes(dtype):
    # load_digits(jnp.int32) silently truncated the standardised pixels to {0, 1, 2}
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        load_digits(dtype)
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        load_bars(dtype)
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        random_patterns(jax.random.key(0), 2, 3, dtype)


def test_cause08_float_dtypes_still_work_and_standardize_takes_any_finite_scale():
    assert load_bars(np.float16).train.dtype == np.float16
    assert random_patterns(jax.random.key(0), 2, 3, np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="dtype"):
        load_bars("not a dtype")
    x = np.random.default_rng(0).normal(size=(3, 8))
    for factor in (1e-200, 1e200, 1e300):
        np.testing.assert_allclose(standardize(factor * x), standardize(x), atol=1e-12)
    np.testing.assert_allclose(preprocess_digits(1e200 * x), preprocess_digits(x), atol=1e-12)
    # bits unchanged where nothing overflowed: dividing by a power of two is exact
    centred = x - x.mean(1, keepdims=True)  # the former computation, step by step
    np.testing.assert_array_equal(standardize(x), centred / centred.std(1, keepdims=True))
    for bad, err in [(None, TypeError), ("abc", TypeError), (np.ones((2, 2), bool), TypeError),
                     (np.ones(3, complex), TypeError), (5.0, ValueError), (np.zeros((2, 0)), ValueError)]:
        with pytest.raises(err, match="images"):
            standardize(bad)
