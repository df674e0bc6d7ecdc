"""Uniformity of simulation-based-calibration ranks: binning and the chi-square test.

An exact sampler gives each statistic's rank among L posterior draws a uniform
distribution on 0..L (Talts et al. 2018, arXiv:1804.06788). The ranks are put
into bins (rank r in bin floor(r n_bins / (L + 1))), each statistic gets a
chi-square goodness-of-fit test, and the K p-values are combined by Bonferroni.
:mod:`diagnostics.sbc` computes the ranks; :mod:`diagnostics.rank_plots` draws
the histograms with the same binning.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from fepnet.infra import checks as v

__all__ = ["bin_of", "bin_widths", "check_bins", "rank_uniformity"]


def bin_widths(n_draws: int, n_bins: int) -> np.ndarray:
    """Number of rank values 0..L in each of ``n_bins`` bins: (n_bins,) int.

    Rank r goes to bin floor(r n_bins / (L + 1)) (:func:`bin_of`), so the
    widths are equal when ``n_bins`` divides L + 1 and differ by one otherwise.

    Parameters
    ----------
    n_draws : int
        L, the number of posterior draws (ranks take the values 0..L).
    n_bins : int
        Number of bins.

    Returns
    -------
    numpy.ndarray
        (n_bins,) counts of rank values per bin, summing to L + 1.

    Examples
    --------
    >>> from diagnostics.rank_uniformity import bin_widths
    >>> bin_widths(99, 10).tolist(), bin_widths(10, 4).tolist()
    ([10, 10, 10, 10, 10, 10, 10, 10, 10, 10], [3, 3, 3, 2])
    """
    return np.bincount(bin_of(np.arange(n_draws + 1), n_draws, n_bins), minlength=n_bins)


def bin_of(ranks, n_draws: int, n_bins: int) -> np.ndarray:
    """The bin of each rank: floor(r n_bins / (L + 1)), int64, same shape as ``ranks``.

    Parameters
    ----------
    ranks : array_like of int
        Ranks in 0..L, any shape.
    n_draws : int
        L.
    n_bins : int
        Number of bins.

    Returns
    -------
    numpy.ndarray
        Bin indices in 0..n_bins - 1, the shape of ``ranks``.

    Examples
    --------
    >>> from diagnostics.rank_uniformity import bin_of
    >>> bin_of([0, 9, 10, 99], 99, 10).tolist()
    [0, 0, 1, 9]
    """
    return (np.asarray(ranks, dtype=np.int64) * n_bins) // (n_draws + 1)


def _default_bins(n_draws: int, n_replications: int) -> int:
    """At most 20 bins and at least ~10 expected counts each; a divisor of L + 1 when one is close."""
    values = n_draws + 1
    target = max(2, min(20, values, n_replications // 10))
    for d in range(target, (target + 1) // 2 - 1, -1):
        if values % d == 0 and d >= 2:
            return d
    return target


def _check_ranks(ranks, n_draws: int) -> np.ndarray:
    try:
        arr = np.asarray(ranks)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"ranks must be an array of integers: {exc}") from None
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"ranks must hold integers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError("ranks must hold whole numbers")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"ranks must have shape (replications,) or (replications, K), got {np.shape(ranks)}")
    arr = arr.astype(np.int64)
    if np.any(arr < 0) or np.any(arr > n_draws):
        raise ValueError(f"ranks must lie in 0..n_draws = 0..{n_draws}, got range {arr.min()}..{arr.max()}")
    return arr


def check_bins(n_bins, n_draws: int, n_replications: int) -> int:
    """The number of rank-histogram bins: ``n_bins`` checked, or the default when it is None.

    Parameters
    ----------
    n_bins : int or None
        Requested bins, 2 <= n_bins <= L + 1; None picks at most 20 bins with
        about 10 or more expected counts each (a divisor of L + 1 when one is close).
    n_draws : int
        L.
    n_replications : int
        R, the number of ranks per statistic.

    Returns
    -------
    int
        The number of bins.

    Raises
    ------
    TypeError, ValueError
        When ``n_bins`` is not a whole number in 2..L + 1.

    Examples
    --------
    >>> from diagnostics.rank_uniformity import check_bins
    >>> check_bins(None, 99, 200), check_bins(None, 99, 1000), check_bins(5, 99, 200)
    (20, 20, 5)
    >>> check_bins(None, 99, 100)     # about 10 counts per bin: a divisor of L + 1 = 100
    10
    """
    if n_bins is None:
        return _default_bins(n_draws, n_replications)
    n_bins = v.count(n_bins, "n_bins", minimum=2)
    if n_bins > n_draws + 1:
        raise ValueError(f"n_bins must be <= n_draws + 1 = {n_draws + 1} (one rank value per bin), got {n_bins}")
    return n_bins


def rank_uniformity(ranks, n_draws: int, n_bins: int | None = None):
    """Chi-square test that SBC ranks are uniform on 0..``n_draws``: ``(p_values (K,), combined_p)``.

    The L + 1 rank values go into ``n_bins`` bins (with unequal widths the
    expected counts follow the widths). Per column, Pearson's
    chi^2 = sum_b (O_b - E_b)^2 / E_b with n_bins - 1 degrees of freedom;
    ``combined_p = min(1, K * min(p_values))`` (Bonferroni, valid when the K
    statistics are dependent, as the nodes of one replication are).

    Parameters
    ----------
    ranks : array_like of int, shape (R, K) or (R,)
        Integer ranks of K statistics over R replications (a 1-D array is one statistic).
    n_draws : int
        L; ranks lie in 0..L.
    n_bins : int, optional
        Bins (default: at most 20, about 10 or more expected counts per bin, a
        divisor of L + 1 when there is one nearby; see :func:`check_bins`).

    Returns
    -------
    p_values : numpy.ndarray
        (K,) chi-square p-values.
    combined_p : float
        The Bonferroni combination.

    Raises
    ------
    TypeError, ValueError
        For ranks that are not whole numbers in 0..L, or a bad ``n_bins``.

    Warns
    -----
    UserWarning
        When the smallest bin expects fewer than 5 counts.

    Examples
    --------
    Uniform ranks pass; ranks piled at the top (a sampler too cold for the energy) do not:

    >>> import numpy as np
    >>> from diagnostics.rank_uniformity import rank_uniformity
    >>> rng = np.random.default_rng(0)
    >>> p, combined = rank_uniformity(rng.integers(0, 100, (500, 3)), n_draws=99)
    >>> p.shape, combined > 0.01
    ((3,), True)
    >>> _, combined = rank_uniformity(rng.integers(50, 100, (500, 1)), n_draws=99)
    >>> combined < 1e-10
    True
    """
    n_draws = v.count(n_draws, "n_draws", minimum=1)
    arr = _check_ranks(ranks, n_draws)
    reps, k = arr.shape
    n_bins = check_bins(n_bins, n_draws, reps)
    expected = reps * bin_widths(n_draws, n_bins) / (n_draws + 1)
    if expected.min() < 5:
        warnings.warn(
            f"rank_uniformity: only {expected.min():.2g} expected counts in the smallest of {n_bins} bins "
            f"({reps} replications); the chi-square approximation is poor below ~5, use fewer bins",
            UserWarning,
            stacklevel=2,
        )
    bins = bin_of(arr, n_draws, n_bins)
    observed = np.stack([np.bincount(bins[:, j], minlength=n_bins) for j in range(k)], axis=1)
    statistic = (((observed - expected[:, None]) ** 2) / expected[:, None]).sum(axis=0)
    p_values = stats.chi2.sf(statistic, n_bins - 1)
    combined = float(min(1.0, k * float(p_values.min())))
    return p_values, combined
