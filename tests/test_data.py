import jax
import numpy as np
import pytest

from fepnet.data import load_digits, preprocess_digits, random_patterns


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
