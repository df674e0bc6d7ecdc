"""Summarise sample sets: convergence (R-hat, bulk / tail ESS), speed (ESS per second), moments.

:func:`summarize` gives the :class:`SamplerSummary` of node-state samples (chains, draws, N) in
[-1, 1]: ArviZ's rank-normalised split R-hat and bulk / tail ESS, the worst over nodes, and ESS per
second; a set has converged when R-hat < ``RHAT_MAX`` = 1.01 and bulk ESS >= ``ESS_MIN`` = 400.
Each set needs at least ``MIN_CHAINS`` = 2 chains of ``MIN_DRAWS`` = 4 draws to be judged (ArviZ's
minimum for R-hat and ESS, also enough for batch means). The private helpers give one set's
central second moments with their batch-means standard errors and its correlation matrix, and
:func:`correlation_matrix_distance` sets two correlation matrices side by side: the summaries that
:func:`diagnostics.compare.compare` reports and tests against a reference.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ._arviz import az
from .convert import posterior_samples

__all__ = ["SamplerSummary", "summarize", "correlation_matrix_distance"]

RHAT_MAX = 1.01
ESS_MIN = 400.0
MIN_CHAINS = 2
MIN_DRAWS = 4


@dataclasses.dataclass(frozen=True)
class SamplerSummary:
    """Convergence and speed of one sample set: worst R-hat, smallest bulk / tail ESS over nodes, ESS per second.

    Made by :func:`summarize` (ArviZ's rank-normalised split R-hat and bulk / tail ESS).

    Attributes
    ----------
    name : str
        The sample set's name.
    chains, draws : int
        Its shape (chains, draws, N).
    rhat_max : float
        The largest R-hat over nodes (NaN if undefined for every node).
    ess_bulk_min, ess_tail_min : float
        The smallest bulk / tail ESS over nodes (0 if undefined for every node).
    wall_s : float or None
        Sampling time in seconds, if known.
    ess_per_s : float or None
        ``ess_bulk_min / wall_s`` (None without a positive ``wall_s``).

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.compare import summarize
    >>> s = summarize(np.random.default_rng(0).uniform(-1, 1, (4, 500, 3)), "iid", wall_s=2.0)
    >>> s.chains, s.draws, bool(s.rhat_max < 1.01), s.converged, s.ess_per_s > 500
    (4, 500, True, True, True)
    """

    name: str
    chains: int
    draws: int
    rhat_max: float
    ess_bulk_min: float
    ess_tail_min: float
    wall_s: float | None
    ess_per_s: float | None

    @property
    def converged(self) -> bool:
        """R-hat < 1.01 and bulk ESS >= 400 (``RHAT_MAX``, ``ESS_MIN``)."""
        return self.rhat_max < RHAT_MAX and self.ess_bulk_min >= ESS_MIN


def _judgeable(data, name: str) -> np.ndarray:
    """:func:`posterior_samples` of ``data``, refused when too short to judge (MIN_CHAINS x MIN_DRAWS)."""
    x = posterior_samples(data, name)
    if x.shape[0] < MIN_CHAINS or x.shape[1] < MIN_DRAWS:
        raise ValueError(
            f"{name} has {x.shape[0]} chain(s) of {x.shape[1]} draws, too few to judge: at least {MIN_CHAINS} chains "
            f"of {MIN_DRAWS} draws are needed (ArviZ's minimum for R-hat and ESS)")
    return x


def _dataset(x: np.ndarray):
    return az.convert_to_dataset({"sigma": x})


def summarize(samples, name: str = "samples", wall_s=None) -> SamplerSummary:
    """R-hat (rank-normalised), bulk / tail ESS (ArviZ) and ESS per second of one sample set (chains, draws, N).

    The slow part of :func:`compare` (ranks of every node's draws); compute it
    once for a reference that several samplers are compared with.

    Parameters
    ----------
    samples : array_like, InferenceData or NUTSResult
        Node states (chains, draws, N) in [-1, 1] (see :func:`diagnostics.convert.posterior_samples`).
    name : str, optional
        The set's name in the summary (default "samples").
    wall_s : float, optional
        Seconds the sampling took (default: the InferenceData's ``wall_s`` attribute, if any).

    Returns
    -------
    SamplerSummary
        name, chains, draws, rhat_max, ess_bulk_min, ess_tail_min, wall_s and ess_per_s.

    Raises
    ------
    TypeError, ValueError
        As :func:`~diagnostics.convert.posterior_samples`; fewer than ``MIN_CHAINS`` = 2 chains or
        ``MIN_DRAWS`` = 4 draws per chain (too few to judge).

    Examples
    --------
    Two chains stuck at different values: R-hat far above 1.01, a bulk ESS of a few draws.

    >>> import numpy as np
    >>> from diagnostics.compare import summarize
    >>> x = np.random.default_rng(0).uniform(-0.1, 0.1, (2, 100, 1)) + np.array([-0.5, 0.5])[:, None, None]
    >>> s = summarize(x)
    >>> round(s.rhat_max, 2), round(s.ess_bulk_min, 1), s.converged
    (1.83, 3.2, False)
    """
    wall_s = _attr(samples, "wall_s") if wall_s is None else wall_s
    x = _judgeable(samples, name)
    ds = _dataset(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        rhat = np.asarray(az.rhat(ds)["sigma"].values, np.float64)
        bulk = np.asarray(az.ess(ds, method="bulk")["sigma"].values, np.float64)
        tail = np.asarray(az.ess(ds, method="tail")["sigma"].values, np.float64)
    ess_bulk = float(np.nanmin(bulk)) if np.any(np.isfinite(bulk)) else 0.0
    return SamplerSummary(
        name=name,
        chains=int(x.shape[0]),
        draws=int(x.shape[1]),
        rhat_max=float(np.nanmax(rhat)) if np.any(np.isfinite(rhat)) else float("nan"),
        ess_bulk_min=ess_bulk,
        ess_tail_min=float(np.nanmin(tail)) if np.any(np.isfinite(tail)) else 0.0,
        wall_s=None if wall_s is None else float(wall_s),
        ess_per_s=None if not wall_s else ess_bulk / float(wall_s),
    )


def _batch_second_moments(x: np.ndarray, mean: np.ndarray):
    """Central second moments about ``mean`` (N, N) and their batch-means standard errors.

    Each chain is cut into about sqrt(draws) batches of about sqrt(draws) draws;
    the standard error of the average of y_ij = (s_i - m_i)(s_j - m_j) is the
    standard deviation of the batch averages over sqrt(number of batches).
    """
    c, d, n = x.shape
    size = max(1, math.isqrt(d))
    n_b = d // size
    if n_b < 2:
        raise ValueError(f"need at least 4 draws per chain for batch means, got {d}")
    z = (x[:, : n_b * size] - mean).reshape(c * n_b, size, n)
    batch = np.matmul(np.swapaxes(z, 1, 2), z) / size  # (batches, N, N)
    est = batch.mean(axis=0)
    se = batch.std(axis=0, ddof=1) / math.sqrt(c * n_b)
    return est, se, c * n_b


def correlation_matrix_distance(a, b) -> float:
    """The correlation-matrix distance ``1 - tr(A B) / (||A||_F ||B||_F)`` (Herdin et al. 2005).

    For symmetric A and B: 0 when they are equal up to scale, at most 1 for correlation matrices.

    Parameters
    ----------
    a, b : array_like of shape (N, N)
        Symmetric matrices (correlation matrices), not zero.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.compare import correlation_matrix_distance
    >>> r = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> round(correlation_matrix_distance(r, r), 12), round(correlation_matrix_distance(r, np.eye(2)), 4)
    (0.0, 0.1056)
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(1.0 - np.trace(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def _correlation(x: np.ndarray) -> np.ndarray:
    flat = x.reshape(-1, x.shape[2])
    sd = flat.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(flat, rowvar=False) if flat.shape[1] > 1 else np.ones((1, 1))
    r = np.atleast_2d(r)
    const = sd == 0  # a node that never moved: correlation undefined, counted as 0
    r[const, :] = 0.0
    r[:, const] = 0.0
    np.fill_diagonal(r, 1.0)
    return r


def _attr(data, name):
    if isinstance(data, az.InferenceData) and "posterior" in data.groups():
        return data.posterior.attrs.get(name)
    return None
