"""The uniformity test of SBC ranks (diagnostics.rank_uniformity): binning, chi-square, Bonferroni, validation."""

from __future__ import annotations

import numpy as np
import pytest

from diagnostics.rank_uniformity import bin_of, bin_widths, check_bins, rank_uniformity

L = 99


def test_bins():
    np.testing.assert_array_equal(bin_widths(99, 20), np.full(20, 5))
    widths = bin_widths(100, 20)
    assert widths.sum() == 101 and sorted(set(widths.tolist())) == [5, 6]
    np.testing.assert_array_equal(bin_of([0, 4, 5, 99], 99, 20), [0, 0, 1, 19])
    assert check_bins(None, 99, 200) == 20 and check_bins(None, 9, 40) == 2 and check_bins(7, 99, 200) == 7


def test_rank_uniformity_on_uniform_ranks():
    rng = np.random.default_rng(0)
    ranks = rng.integers(0, L + 1, size=(2000, 5))
    p_values, combined = rank_uniformity(ranks, L, 20)
    assert p_values.shape == (5,)
    assert p_values.min() > 1e-3 and combined > 0.01
    assert combined == pytest.approx(min(1.0, 5 * p_values.min()))


def test_rank_uniformity_on_nonuniform_ranks():
    rng = np.random.default_rng(1)
    u_shaped = rng.binomial(L, rng.beta(0.5, 0.5, size=500))  # an over-dispersed (too narrow) posterior
    p_values, combined = rank_uniformity(u_shaped, L)
    assert p_values.shape == (1,) and combined < 1e-6
    shifted = np.minimum(rng.integers(0, L + 1, size=(500, 3)) + 20, L)  # a biased posterior
    uniform = rng.integers(0, L + 1, size=(500, 1))
    p_values, combined = rank_uniformity(np.hstack([uniform, shifted]), L, 10)
    assert p_values[0] > 1e-3 and np.all(p_values[1:] < 1e-6) and combined < 1e-6


def test_rank_uniformity_unequal_bins():
    """L + 1 = 101 values in 20 bins: one bin holds 6 values, the others 5; expected counts follow."""
    rng = np.random.default_rng(2)
    ranks = rng.integers(0, 101, size=(4000, 4))
    p_values, _ = rank_uniformity(ranks, 100, 20)
    assert p_values.min() > 1e-3
    # a default bin count exists for a prime number of rank values
    p_values, _ = rank_uniformity(ranks, 100)
    assert p_values.min() > 1e-3


def test_rank_uniformity_warns_on_sparse_bins():
    ranks = np.arange(20) % 10
    with pytest.warns(UserWarning, match="expected counts"):
        rank_uniformity(ranks, 9, 10)


@pytest.mark.parametrize(
    "ranks, n_draws, n_bins, exc, match",
    [
        (np.array([0, 5, 10]), 9, 2, ValueError, "ranks"),
        (np.array([-1, 5]), 9, 2, ValueError, "ranks"),
        (np.array([0.5, 1.0]), 9, 2, ValueError, "ranks"),
        (np.array([True, False]), 9, 2, TypeError, "ranks"),
        (np.array(["a", "b"]), 9, 2, TypeError, "ranks"),
        (np.zeros((2, 2, 2), int), 9, 2, ValueError, "ranks"),
        (np.array([0, 1]), 0, 2, ValueError, "n_draws"),
        (np.array([0, 1]), 9, 11, ValueError, "n_bins"),
        (np.array([0, 1]), 9, 2.0, TypeError, "n_bins"),
    ],
)
def test_rank_uniformity_validation(ranks, n_draws, n_bins, exc, match):
    with pytest.raises(exc, match=match):
        rank_uniformity(ranks, n_draws, n_bins)
