"""How well estimated couplings match the truth and each other: correlations, slopes, coverage, acceptance.

All metrics use the off-diagonal entries (row-major) in float64; slopes are
least-squares slopes through the origin, s = x·y / x·x for y ~ s x.
"""

from __future__ import annotations

import math

import numpy as np

from fepnet.stats import pearson
from inference.coupling_fit import CouplingPosterior

__all__ = ["ACCEPTANCE", "off_diagonal", "slope", "relative_error", "sampler_diagnostics", "recovery_metrics",
           "acceptance"]

#: Acceptance thresholds (lower, upper; None = unbounded) of the full-size check.
ACCEPTANCE = {
    "r_posterior_truth": (0.95, None),
    "coverage": (0.80, 0.98),
    "r_fep_posterior": (0.9, None),
}


def off_diagonal(matrix) -> np.ndarray:
    """The off-diagonal entries of a square matrix, row-major, as float64.

    Parameters
    ----------
    matrix : array_like, shape (N, N)
        E.g. couplings J.

    Returns
    -------
    numpy.ndarray, shape (N (N - 1),)
        :math:`J_{ij}` for i != j, in row-major order.

    Raises
    ------
    IndexError
        For an array that is not 2-D and square.

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.coupling_recovery.metrics import off_diagonal
    >>> off_diagonal(np.arange(9).reshape(3, 3)).tolist()
    [1.0, 2.0, 3.0, 5.0, 6.0, 7.0]
    """
    m = np.asarray(matrix, np.float64)
    return m[~np.eye(m.shape[0], dtype=bool)]


def slope(x, y) -> float:
    r"""Least-squares slope through the origin of :math:`y \approx s x`: :math:`s = x \cdot y / x \cdot x`.

    Parameters
    ----------
    x, y : array_like, shape (K,)
        Paired values (e.g. true and estimated couplings).

    Returns
    -------
    float
        s; NaN when x is all zeros.

    Raises
    ------
    ValueError
        For x and y of different lengths.

    Examples
    --------
    >>> from diagnostics.coupling_recovery.metrics import slope
    >>> slope([1.0, 2.0], [2.0, 4.0]), slope([0.0, 0.0], [1.0, 2.0])
    (2.0, nan)
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    den = float(x @ x)
    return float(x @ y) / den if den > 0 else float("nan")


def relative_error(estimate, truth) -> float:
    r"""Relative error :math:`\|\hat J - J\| / \|J\|` (Frobenius / Euclidean norm).

    Parameters
    ----------
    estimate, truth : numpy.ndarray
        Arrays of the same shape.

    Returns
    -------
    float
        The relative error; NaN when ``truth`` is all zeros.

    Raises
    ------
    ValueError
        For shapes that do not broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.coupling_recovery.metrics import relative_error
    >>> relative_error(np.array([1.1, 0.0]), np.array([1.0, 0.0]))  # doctest: +NUMBER
    0.1
    """
    den = float(np.linalg.norm(truth))
    return float(np.linalg.norm(estimate - truth)) / den if den > 0 else float("nan")


def sampler_diagnostics(posterior: CouplingPosterior) -> dict:
    """Largest R-hat, smallest bulk ESS of the off-diagonal coupling draws and the divergence count.

    Parameters
    ----------
    posterior : inference.coupling_fit.CouplingPosterior
        Couplings (chain, draw, N, N).

    Returns
    -------
    dict
        ``max_rhat``, ``min_ess``, ``divergences``; all None unless the posterior is NUTS's.
    """
    if posterior.method != "nuts":
        return {"max_rhat": None, "min_ess": None, "divergences": None}
    from .._arviz import az

    draws = np.asarray(posterior.couplings, np.float64)
    n = draws.shape[-1]
    flat = draws[..., ~np.eye(n, dtype=bool)]  # (chain, draw, K)
    ds = az.convert_to_dataset(flat)
    rhat = np.asarray(az.rhat(ds).to_array()).ravel()
    ess = np.asarray(az.ess(ds).to_array()).ravel()
    return {
        "max_rhat": float(np.nanmax(rhat)) if np.isfinite(rhat).any() else None,
        "min_ess": float(np.nanmin(ess)) if np.isfinite(ess).any() else None,
        "divergences": int(np.sum(np.asarray(posterior.extra["diverging"]))),
    }


def recovery_metrics(truth_J, posterior: CouplingPosterior, fep_J, prob: float) -> dict:
    """Posterior mean and FEP couplings against the truth and each other.

    Parameters
    ----------
    truth_J : array (N, N)
        The true couplings.
    posterior : inference.coupling_fit.CouplingPosterior
        The coupling model's posterior.
    fep_J : array (N, N)
        The FEP-learned couplings.
    prob : float
        Mass of the equal-tailed credible intervals for ``coverage``.

    Returns
    -------
    dict
        Pearson r, relative errors and slopes of each pair, interval coverage and
        mean width, ``expected_fep_slope`` = N / (N - 1), the FEP error after
        rescaling by (N - 1) / N, and :func:`sampler_diagnostics`.

    Raises
    ------
    ValueError
        For matrices of different shapes.
    """
    n = truth_J.shape[0]
    t = off_diagonal(truth_J)
    m = off_diagonal(posterior.mean_couplings())
    f = off_diagonal(fep_J)
    lo, hi = (off_diagonal(a) for a in posterior.interval(prob))
    metrics = {
        "r_posterior_truth": pearson(m, t),
        "relative_error_posterior": relative_error(m, t),
        "posterior_slope_truth": slope(t, m),
        "coverage": float(np.mean((lo <= t) & (t <= hi))),
        "mean_interval_width": float(np.mean(hi - lo)),
        "r_fep_posterior": pearson(f, m),
        "r_fep_truth": pearson(f, t),
        "relative_error_fep": relative_error(f, t),
        "fep_slope_posterior": slope(m, f),
        "fep_slope_truth": slope(t, f),
        "expected_fep_slope": n / (n - 1),
        "relative_error_fep_rescaled": relative_error(f * (n - 1) / n, t),
    }
    metrics.update(sampler_diagnostics(posterior))
    return metrics


def acceptance(metrics: dict) -> dict:
    """Each metric of :data:`ACCEPTANCE` checked against its thresholds.

    Parameters
    ----------
    metrics : dict
        From :func:`recovery_metrics`.

    Returns
    -------
    dict
        name -> {"value", "lower", "upper", "passed"}; a missing or non-finite value fails.

    Examples
    --------
    >>> from diagnostics.coupling_recovery.metrics import acceptance
    >>> a = acceptance({"r_posterior_truth": 0.97, "coverage": 0.99, "r_fep_posterior": 0.95})
    >>> {name: row["passed"] for name, row in a.items()}
    {'r_posterior_truth': True, 'coverage': False, 'r_fep_posterior': True}
    """
    out = {}
    for name, (lower, upper) in ACCEPTANCE.items():
        x = metrics.get(name)
        ok = x is not None and math.isfinite(x) and (lower is None or x >= lower) and (upper is None or x <= upper)
        out[name] = {"value": x, "lower": lower, "upper": upper, "passed": bool(ok)}
    return out
