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
    """z-scores of sample moments against exact ones (the result of :func:`moment_z_scores`).

    Attributes
    ----------
    mean_z : numpy.ndarray
        (N,) z-scores of the sample means.
    covariance_z : numpy.ndarray
        (N, N) z-scores of the covariances (symmetric).
    max_abs_z : float
        The largest ``abs(z)`` over both, NaN where an MCSE is undefined.

    Examples
    --------
    >>> import numpy as np
    >>> from inference.monte_carlo import MomentZScores
    >>> MomentZScores(np.zeros(2), np.zeros((2, 2)), 0.0).max_abs_z
    0.0
    """

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

    ``MCSE = sd / sqrt(ESS)`` with the pooled sample standard deviation and NumPyro's
    multi-chain ESS (Stan's estimator with Geyer's initial monotone sequence). Constant
    quantities get MCSE 0; where the ESS estimate is not positive and finite (too few draws
    to estimate the autocorrelation) the MCSE is NaN: undefined, never 0 or inf.

    Parameters
    ----------
    samples : array_like of shape (chains, draws, ...)
        Real, finite draws; at least 1 chain of 2 draws.

    Returns
    -------
    numpy.ndarray
        float64 MCSE of each quantity, shape ``samples.shape[2:]`` (in the units of the samples).

    Raises
    ------
    TypeError
        ``samples`` are not real numbers.
    ValueError
        ``samples`` are not finite or not (chains >= 1, draws >= 2, ...).

    Examples
    --------
    Independent standard-normal draws: the ESS is about the number of draws (4000), so
    ``MCSE * sqrt(4000)`` is about 1 (the ESS estimate itself is noisy); a constant has MCSE 0.

    >>> import numpy as np
    >>> from inference.monte_carlo import mcse
    >>> x = np.random.default_rng(0).normal(size=(4, 1000, 2))
    >>> (mcse(x) * np.sqrt(4000)).round(2).tolist()
    [1.14, 1.02]
    >>> mcse(np.ones((2, 10, 1))).tolist()
    [0.0]
    """
    return _mcse(_chains(samples))


def z_score(diff, se):
    """z = diff / se elementwise, with the edge cases defined.

    Where ``se = 0``: 0 if ``diff = 0`` (an exact estimate), else ±inf; where ``se`` is NaN (an
    undefined MCSE): NaN, so that an undefined error never reads as an infinite z.

    Parameters
    ----------
    diff : array_like
        Errors (estimate minus reference).
    se : array_like
        Their standard errors (>= 0 or NaN), broadcasting with ``diff``.

    Returns
    -------
    numpy.ndarray
        The z-scores, the broadcast shape.

    Examples
    --------
    >>> import numpy as np
    >>> from inference.monte_carlo import z_score
    >>> z_score(np.array([1.0, 0.0, -1.0, 1.0]), np.array([0.5, 0.0, 0.0, np.nan])).tolist()
    [2.0, 0.0, -inf, nan]
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.inf * np.sign(diff)))
    return np.where(np.isnan(se), np.nan, z)


def moment_z_scores(samples, moments: Moments) -> MomentZScores:
    """z-scores of sample moments against exact ``moments``; ``samples`` (chains, draws, N).

    ``mean_z_i = (mean(s_i) - mu_i) / MCSE(s_i)``. For the covariances the series
    ``y_ij = (s_i - mu_i)(s_j - mu_j)``, centred at the EXACT means mu, has
    expectation ``Sigma_ij``, so ``covariance_z_ij = (mean(y_ij) - Sigma_ij) / MCSE(y_ij)``.
    Under a correct sampler each z is approximately standard normal (a zero MCSE
    gives z = 0 if the estimate is exact, else ±inf). ``max_abs_z`` is the largest
    ``abs(z)``, NaN where an MCSE is undefined (see :func:`mcse`): no verdict, rather than a
    false one.

    Parameters
    ----------
    samples : array_like of shape (chains, draws, N)
        Draws of the node states (at least 1 chain of 2 draws).
    moments : Moments
        The exact answer: ``mean`` (N,) and ``covariance`` (N, N) (e.g.
        :func:`inference.exact.boltzmann_moments`).

    Returns
    -------
    MomentZScores
        ``mean_z`` (N,), ``covariance_z`` (N, N) and ``max_abs_z``.

    Raises
    ------
    TypeError
        ``samples`` not real numbers.
    ValueError
        ``samples`` not finite or not of shape (chains, draws >= 2, N) matching ``moments``.

    Examples
    --------
    Exact draws of two uncoupled nodes with b = 0 (uniform on [-1, 1]) against their closed-form
    moments:

    >>> import numpy as np
    >>> from inference.exact import independent_moments
    >>> from inference.monte_carlo import moment_z_scores
    >>> x = np.random.default_rng(0).uniform(-1, 1, (4, 500, 2))
    >>> z = moment_z_scores(x, independent_moments([0.0, 0.0]))
    >>> z.covariance_z.shape, bool(z.max_abs_z < 4.5)
    ((2, 2), True)
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
