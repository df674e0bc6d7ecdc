"""alpha_c: interpolation at the 0.9 crossing, the flagged ends, the bootstrap interval."""

import jax
import numpy as np
import pytest

from fepnet.capacity.alpha import alpha_c, crossing

K = np.arange(10, 110, 10)


def _curve(k_half):
    return np.clip(1.0 - (K - k_half) / 40.0, 0.0, 1.0)  # 1 up to k_half, then linear down


def test_crossing_interpolates_linearly():
    m = _curve(45)  # ... 1 at 40, 0.875 at 50: crosses 0.9 at 40 + 0.1 / 0.125 * 10 = 48
    k_max, flag = crossing(m, K)
    assert k_max == pytest.approx(48.0) and flag == 0
    est = alpha_c(np.tile(m, (4, 1)), K, 100, key=jax.random.key(0))
    assert est.value == pytest.approx(0.48) and est.flag == "interpolated"
    assert est.interval == pytest.approx((0.48, 0.48))  # identical repeats: no spread


def test_crossing_takes_the_last_grid_point_above_the_threshold():
    m = np.array([1.0, 0.5, 0.95, 0.95, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    k_max, _ = crossing(m, K)
    assert k_max == pytest.approx(40 + 0.05 / 0.95 * 10)


def test_ends_are_flagged():
    up = alpha_c(np.ones((3, K.size)), K, 100, key=jax.random.key(0))
    assert (up.value, up.flag) == (1.0, "lower_bound")
    down = alpha_c(np.zeros((3, K.size)), K, 100, key=jax.random.key(0))
    assert (down.value, down.flag) == (0.0, "below_grid")


def test_bootstrap_interval_covers_the_truth_and_shrinks_with_repeats():
    rng = np.random.default_rng(0)
    widths = []
    for reps in (5, 80):
        x = np.clip(_curve(45) + rng.normal(0, 0.1, (reps, K.size)), 0, 1)
        est = alpha_c(x, K, 100, key=jax.random.key(1), n_bootstrap=500)
        lo, hi = est.interval
        assert lo <= est.value <= hi
        widths.append(hi - lo)
    assert 0.40 < lo <= 0.48 <= hi < 0.56
    assert widths[1] < widths[0]


def test_bootstrap_depends_only_on_the_key():
    x = np.clip(_curve(45) + np.random.default_rng(2).normal(0, 0.1, (10, K.size)), 0, 1)
    a = alpha_c(x, K, 100, key=jax.random.key(5))
    assert a == alpha_c(x, K, 100, key=jax.random.key(5))


@pytest.mark.parametrize("kwargs, match", [
    (dict(exact_fraction=np.full((2, 10), 1.5)), "exact_fraction"),
    (dict(exact_fraction=np.ones((2, 9))), "exact_fraction"),
    (dict(k_values=K[::-1]), "k_values"),
    (dict(n_nodes=1), "n_nodes"),
    (dict(threshold=0.0), "threshold"),
    (dict(level=1.0), "level"),
    (dict(n_bootstrap=0), "n_bootstrap"),
])
def test_bad_arguments_are_named(kwargs, match):
    args = dict(exact_fraction=np.ones((2, 10)), k_values=K, n_nodes=100, key=jax.random.key(0)) | kwargs
    with pytest.raises(ValueError, match=match):
        alpha_c(**args)
