"""Monte-Carlo checks of sampler output against exact answers, in NumPy float64.

- :func:`mcse`: the Monte-Carlo standard error of a mean, sd / sqrt(ESS), with NumPyro's
  multi-chain ESS; NaN where the ESS cannot be estimated (never 0 or inf).
- :func:`z_score`: an error over its standard error, NaN where that is undefined.
- :func:`moment_z_scores`: z-scores of sample means and covariances against exact
  :class:`~inference.exact.Moments` (closed forms or quadrature).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpyro.diagnostics import effective_sample_size

from .exact import Moments, _float64

__all__ = ["MomentZScores", "mcse", "z_score", "moment_z_scores"]


class MomentZScores(NamedTuple):
    """z-scores of sample moments: ``mean_z`` (N,), ``covariance_z`` (N, N), ``max_abs_z`` (scalar)."""

    mean_z: np.ndarray
    covariance_z: np.ndarray
    max_abs_z: float


def _chains(samples, name="samples"):
    x = _float64(samples, name)
    if x.ndim < 2 or x.shape[0] < 1 or x.shape[1] < 2:
        raise ValueError(f"{name} must have shape (chains, draws >= 2, ...), got {x.shape}")
    return x


def _mcse(x):
    """sd / sqrt(ESS) over axes (chains, draws) of a float64 array (chains, draws, ...); NaN where the ESS
    estimate is not positive and finite (short chains: Geyer's sum can reach 0 or below), 0 for constants."""
    sd = np.std(x.reshape((-1,) + x.shape[2:]), axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):  # constant series: ESS is 0 / 0
        ess = np.asarray(effective_sample_size(x), np.float64)
    defined = np.isfinite(ess) & (ess > 0)
    return np.where(sd > 0, np.where(defined, sd / np.sqrt(np.where(defined, ess, 1.0)), np.nan), 0.0)


def mcse(samples) -> np.ndarray:
    """Monte-Carlo standard error of the mean of each quantity, shape samples.shape[2:].

    ``samples`` (chains, draws, ...); MCSE = sd / sqrt(ESS) with the pooled sample
    standard deviation and numpyro's multi-chain ESS (Stan's estimator with
    Geyer's initial monotone sequence). Constant quantities get MCSE 0; where the ESS
    estimate is not positive and finite (too few draws to estimate the autocorrelation)
    the MCSE is NaN: undefined, never 0 or inf.

    Raises
    ------
    TypeError
        ``samples`` are not real numbers.
    ValueError
        ``samples`` are not finite or not (chains >= 1, draws >= 2, ...).
    """
    return _mcse(_chains(samples))


def z_score(diff, se):
    """diff / se elementwise; where se = 0: 0 if diff = 0 (an exact estimate), else +-inf; where se is
    NaN (an undefined MCSE): NaN, so that an undefined error never reads as an infinite z."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.inf * np.sign(diff)))
    return np.where(np.isnan(se), np.nan, z)


def moment_z_scores(samples, moments: Moments) -> MomentZScores:
    """z-scores of sample moments against exact ``moments``; ``samples`` (chains, draws, N).

    mean_z_i = (mean(s_i) - mu_i) / MCSE(s_i). For the covariances the series
    y_ij = (s_i - mu_i)(s_j - mu_j), centred at the EXACT means mu, has
    expectation Sigma_ij, so covariance_z_ij = (mean(y_ij) - Sigma_ij) / MCSE(y_ij).
    Under a correct sampler each z is approximately standard normal (a zero MCSE
    gives z = 0 if the estimate is exact, else +-inf). max_abs_z is the largest |z|,
    NaN where an MCSE is undefined (see :func:`mcse`): no verdict, rather than a false one.
    """
    x = _chains(samples)
    mu = np.asarray(moments.mean, np.float64)
    sigma = np.asarray(moments.covariance, np.float64)
    n = mu.size
    if x.ndim != 3 or x.shape[2] != n or sigma.shape != (n, n):
        raise ValueError(f"samples must have shape (chains, draws, {n}) to match moments, got {x.shape}")
    mean_z = z_score(x.mean(axis=(0, 1)) - mu, _mcse(x))
    d = x - mu
    cov_z = np.zeros((n, n))
    for i in range(n):  # one row at a time keeps memory at chains * draws * N
        y = d[..., i : i + 1] * d[..., i:]
        cov_z[i, i:] = z_score(y.mean(axis=(0, 1)) - sigma[i, i:], _mcse(y))
        cov_z[i:, i] = cov_z[i, i:]
    max_abs = float(np.max(np.abs(np.concatenate([mean_z.ravel(), cov_z.ravel()]))))  # NaN propagates
    return MomentZScores(mean_z, cov_z, max_abs)
