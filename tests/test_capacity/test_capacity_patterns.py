"""The capacity pattern families: shapes, +-1 entries, the biased mean, digits without replacement."""

import jax
import numpy as np
import pytest

from fepnet.capacity.patterns import BIAS, binary_digits, pattern_family


@pytest.mark.parametrize("family, n", [("random", 100), ("biased", 100), ("digits", 64)])
def test_shape_and_signs(family, n):
    P = np.asarray(pattern_family(jax.random.key(0), family, 3, 40, n))
    assert P.shape == (3, 40, n) and P.dtype == np.float32
    assert set(np.unique(P)) == {-1.0, 1.0}


def test_means_of_random_and_biased():
    random = np.asarray(pattern_family(jax.random.key(1), "random", 4, 200, 100))
    biased = np.asarray(pattern_family(jax.random.key(1), "biased", 4, 200, 100))
    assert abs(random.mean()) < 0.02  # 80,000 entries: sd of the mean 0.0035
    assert abs(biased.mean() - BIAS) < 0.02  # P(+1) = 0.7


def test_repeats_differ_and_do_not_depend_on_the_repeat_count():
    a = np.asarray(pattern_family(jax.random.key(2), "random", 2, 10, 50))
    b = np.asarray(pattern_family(jax.random.key(2), "random", 5, 10, 50))
    np.testing.assert_array_equal(a, b[:2])
    assert not np.array_equal(a[0], a[1])


def test_digits_are_binarised_digits_drawn_without_replacement():
    pool = np.asarray(binary_digits())
    assert pool.shape == (1797, 64)
    P = np.asarray(pattern_family(jax.random.key(3), "digits", 2, 1797, 64))
    for r in range(2):  # every digit exactly once: a permutation of the pool
        rows = np.lexsort(P[r].T)
        np.testing.assert_array_equal(P[r][rows], pool[np.lexsort(pool.T)])
    assert not np.array_equal(P[0], P[1])


def test_digits_follow_the_papers_preprocessing_then_sign():
    from sklearn.datasets import load_digits

    from fepnet.data import preprocess_digits

    x = preprocess_digits(load_digits().data)
    np.testing.assert_array_equal(np.asarray(binary_digits()), np.where(x >= 0, 1.0, -1.0))


@pytest.mark.parametrize("args, match", [
    (("squares", 1, 5, 10), "family"),
    (("random", 0, 5, 10), "n_repeats"),
    (("random", 1, 0, 10), "n_patterns"),
    (("random", 1, 5, 1), "n_nodes"),
    (("digits", 1, 5, 100), "n_nodes"),
    (("digits", 1, 1798, 64), "n_patterns"),
])
def test_bad_arguments_are_named(args, match):
    with pytest.raises(ValueError, match=match):
        pattern_family(jax.random.key(0), *args)
