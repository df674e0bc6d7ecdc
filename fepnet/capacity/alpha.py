"""The capacity alpha_c = K_max / N from exact-recall curves, with a bootstrap interval over repeats.

K_max is the largest K on the grid at which the mean over repeats of the fraction of patterns
recalled exactly is at least the threshold (0.9), moved linearly towards the next grid point
to where the curve crosses the threshold:

    K_max = K_i + (m_i - t) / (m_i - m_{i+1}) (K_{i+1} - K_i),

with i the last grid point where m_i >= t (so m_{i+1} < t). Two ends are flagged rather than
extrapolated: a curve at or above t at the largest K gives K_max = K_last, a lower bound
("lower_bound": alpha_c >= K_last / N); a curve below t already at the smallest K gives 0
("below_grid": alpha_c < K_first / N). The interval resamples the repeats with replacement
and takes the percentiles of the resampled alpha_c (each resample flagged the same way).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np

from ..infra import checks as v

__all__ = ["AlphaEstimate", "crossing", "alpha_c"]

FLAGS = ("interpolated", "lower_bound", "below_grid")


class AlphaEstimate(NamedTuple):
    """The capacity alpha_c = K_max / N of :func:`alpha_c`, with its bootstrap interval and flag.

    Parameters
    ----------
    value : float
        alpha_c.
    interval : tuple of float
        (lo, hi), the bootstrap percentile interval.
    flag : str
        ``"interpolated"``; ``"lower_bound"`` (value = K_last / N, the truth is at least that);
        or ``"below_grid"`` (value 0: below the threshold already at the smallest K).
    """

    value: float
    interval: tuple
    flag: str


def crossing(curves, k_values, threshold: float = 0.9):
    """K_max of each recall curve over the grid of K, and its flag (module docstring).

    K_max = K_i + (m_i - t) / (m_i - m_{i+1}) (K_{i+1} - K_i), i the last grid point with m_i >= t.
    Unchecked; vectorised over leading axes (the bootstrap resamples).

    Parameters
    ----------
    curves : array_like, shape (..., G)
        Exact-recall fractions m at each grid point.
    k_values : array_like, shape (G,)
        The grid of K, increasing.
    threshold : float
        t (default 0.9).

    Returns
    -------
    k_max : numpy.ndarray of float64, shape (...)
        K_last where the curve never drops below t; 0 where it is below t at the first K.
    flag : numpy.ndarray of int, shape (...)
        Index into ``FLAGS``: 0 interpolated, 1 lower_bound, 2 below_grid.

    Examples
    --------
    >>> from fepnet.capacity.alpha import crossing
    >>> k_max, flag = crossing([[1.0, 0.95, 0.45, 0.0], [1.0, 1.0, 1.0, 0.95]], [5, 10, 15, 20])
    >>> k_max.tolist(), flag.tolist()  # 10 + (0.95 - 0.9) / (0.95 - 0.45) * 5 = 10.5
    ([10.5, 20.0], [0, 1])
    """
    m = np.asarray(curves, np.float64)
    k = np.asarray(k_values, np.float64)
    above = m >= threshold
    g = m.shape[-1]
    last = np.where(above.any(-1), g - 1 - np.argmax(above[..., ::-1], axis=-1), -1)
    i = np.clip(last, 0, g - 1)
    j = np.clip(last + 1, 0, g - 1)
    mi = np.take_along_axis(m, i[..., None], -1)[..., 0]
    mj = np.take_along_axis(m, j[..., None], -1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(mi > mj, (mi - threshold) / (mi - mj), 0.0)
    k_max = k[i] + frac * (k[j] - k[i])
    flag = np.where(last < 0, 2, np.where(last == g - 1, 1, 0))
    k_max = np.where(last < 0, 0.0, np.where(last == g - 1, k[-1], k_max))
    return k_max, flag


def alpha_c(exact_fraction, k_values, n_nodes: int, *, key, threshold: float = 0.9, n_bootstrap: int = 1000,
            level: float = 0.95) -> AlphaEstimate:
    """alpha_c = K_max / N from per-repeat exact-recall fractions, with a bootstrap interval.

    Parameters
    ----------
    exact_fraction : array_like, shape (R, G)
        Fraction of patterns recalled exactly, per repeat (R >= 1) and grid point, in [0, 1].
    k_values : array_like, shape (G,)
        The grid of K, strictly increasing, >= 1.
    n_nodes : int
        N >= 2.
    key : PRNG key
        Draws the bootstrap resamples.
    threshold : float
        The recall fraction that defines K_max, in (0, 1] (default 0.9).
    n_bootstrap : int
        Resamples (>= 1).
    level : float
        Coverage of the percentile interval, in (0, 1).

    Returns
    -------
    AlphaEstimate
        Value, (lo, hi) and flag (module docstring).

    Raises
    ------
    TypeError
        Non-real inputs, ``key`` not a PRNG key.
    ValueError
        Shapes that do not match, fractions outside [0, 1] or not finite, K not increasing or < 1,
        N < 2, threshold / level / n_bootstrap out of range.

    Examples
    --------
    >>> import jax
    >>> from fepnet.capacity import alpha_c
    >>> recalled = [[1.0, 0.95, 0.5, 0.0], [1.0, 0.85, 0.4, 0.0]]  # 2 repeats, K = 5 .. 20, N = 50
    >>> est = alpha_c(recalled, [5, 10, 15, 20], 50, key=jax.random.key(0))
    >>> round(est.value, 3), est.flag
    (0.2, 'interpolated')
    """
    key = v.prng_key(key)
    m = v.as_float64(exact_fraction, "exact_fraction", ndim=2)
    k = v.as_float64(k_values, "k_values", ndim=1)
    n_nodes = v.count(n_nodes, "n_nodes", minimum=2)
    n_bootstrap = v.count(n_bootstrap, "n_bootstrap", minimum=1)
    if not 0 < float(threshold) <= 1:
        raise ValueError(f"threshold must lie in (0, 1], got {threshold}")
    if not 0 < float(level) < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    if m.shape[0] < 1 or m.shape[1] != k.shape[0] or k.shape[0] < 1:
        raise ValueError(f"exact_fraction must be (R >= 1, {k.shape[0]}) to match k_values, got {m.shape}")
    if not np.all((m >= 0) & (m <= 1)):
        raise ValueError("exact_fraction must be finite fractions in [0, 1]")
    if k[0] < 1 or np.any(np.diff(k) <= 0):
        raise ValueError(f"k_values must be strictly increasing and >= 1, got {k.tolist()}")
    k_max, flag = crossing(m.mean(0), k, threshold)
    rows = np.asarray(jax.random.randint(key, (n_bootstrap, m.shape[0]), 0, m.shape[0]))
    boot, _ = crossing(m[rows].mean(1), k, threshold)
    lo, hi = np.quantile(boot / n_nodes, [(1 - level) / 2, (1 + level) / 2])
    return AlphaEstimate(float(k_max / n_nodes), (float(lo), float(hi)), FLAGS[int(flag)])
