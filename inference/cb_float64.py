"""The continuous-Bernoulli maths in NumPy float64, for the exact answers of :mod:`inference.exact`.

A CB(c) node on [-1, 1] has density ``exp(c s - A(c))``, log normaliser
``A(c) = log(2 sinh(c) / c)`` (A(0) = log 2), mean ``L(c) = coth(c) - 1/c`` (the Langevin
function) and variance ``L'(c) = 1/c^2 - 1/sinh(c)^2`` (L'(0) = 1/3). They are re-derived here
independently of ``fepnet.cb`` on purpose, so that tests compare two implementations.

- :func:`log_normalizer`: A(c), also the float64 log Z_0 of :func:`inference.ais.log_partition`.
- ``_langevin``, ``_langevin_grad``: L(c) and L'(c), the moments of :func:`inference.exact.independent_moments`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["log_normalizer"]

# Closed forms in x = exp(-2|c|) (no overflow for any finite c); Taylor series
# for |c| < 0.1, where the closed forms would cancel.
_SMALL = 0.1  # |c| below this: Taylor series (truncation < 1e-15 relative)


def _split(c):
    c = np.asarray(c, np.float64)
    small = np.abs(c) < _SMALL
    a = np.where(small, 1.0, np.abs(c))
    with np.errstate(over="ignore"):  # -2|c| = -inf for |c| > 9e307: exp gives the right 0
        return c, small, a, np.exp(-2.0 * a)


def log_normalizer(c):
    """CB log normaliser ``A(c) = log(2 sinh(c) / c) = |c| + log(1 - exp(-2|c|)) - log|c|``, in NumPy float64.

    The float64 reference of :func:`fepnet.cb.log_normalizer` (a different series and
    switch point, so not bit-equal to it): used for the exact log Z of uncoupled
    networks and by :func:`inference.ais.log_partition` for log Z_0.

    Parameters
    ----------
    c : array_like
        Natural parameters, any shape (finite reals; dimensionless).

    Returns
    -------
    ndarray
        A(c), float64, same shape; A(0) = log 2, ``A(c) ~ |c| - log|c|`` for large ``|c|``.

    Examples
    --------
    >>> from inference.exact import log_normalizer
    >>> [round(float(a), 4) for a in log_normalizer([0.0, 1.0, -1.0, 1000.0])]
    [0.6931, 0.8546, 0.8546, 993.0922]
    """
    c, small, a, x = _split(c)
    z = np.where(small, c, 0.0) ** 2  # the series is only used where small (no overflow elsewhere)
    series = np.log(2.0) + z * (1 / 6 + z * (-1 / 180 + z * (1 / 2835 + z * (-1 / 37800))))
    return np.where(small, series, a + np.log1p(-x) - np.log(a))


def _langevin(c):
    """Mean of CB(c): L(c) = coth(c) - 1/c = sign(c) ((1 + x) / (1 - x) - 1/|c|)."""
    c, small, a, x = _split(c)
    z = np.where(small, c, 0.0) ** 2  # the series is only used where small (no overflow elsewhere)
    series = c * (1 / 3 + z * (-1 / 45 + z * (2 / 945 + z * (-1 / 4725 + z * (2 / 93555)))))
    return np.where(small, series, np.sign(c) * ((1.0 + x) / -np.expm1(-2.0 * a) - 1.0 / a))


def _langevin_grad(c):
    """Variance of CB(c): L'(c) = 1/c^2 - 1/sinh(c)^2 = 1/c^2 - 4x / (1 - x)^2; L'(0) = 1/3."""
    c, small, a, x = _split(c)
    z = np.where(small, c, 0.0) ** 2  # the series is only used where small (no overflow elsewhere)
    series = 1 / 3 + z * (-1 / 15 + z * (2 / 189 + z * (-1 / 675 + z * (2 / 10395))))
    return np.where(small, series, 1.0 / (a * a) - 4.0 * x / np.expm1(-2.0 * a) ** 2)
