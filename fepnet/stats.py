"""Pearson correlation and cosine similarity in float64 NumPy, for analyses and reports.

One implementation serves every report, figure and study outside jitted code.
Jitted, batch-invariant code uses :func:`fepnet.scores.correlation` (tree sums, so a
vmapped score has the same bits for every batch size) and
:func:`fepnet.geometry.pairwise_correlations` (rows of one array, JAX)::

    r(x, y) = sum((x - mean x)(y - mean y)) / sqrt(sum (x - mean x)^2 sum (y - mean y)^2)

Each input is first divided by the power of two of its largest magnitude: exact, so the
result has the same bits as without it wherever the sums of squares stay in the float64
range, and stays right where they would not (1e200 or 1e-200).
"""

from __future__ import annotations

import numpy as np

__all__ = ["cosine_similarity", "cross_correlations", "pearson", "upper_triangle"]


def pow2_scaled(x, axis=None) -> np.ndarray:
    """x / 2^k, 2^k the power of two with max abs(x) / 2^k in [1, 2) (over ``axis``; all of x for None).

    The division is exact (k is clipped so that 2^k and 2^-k are normal numbers), so
    scale-free results computed from it keep their bits; a zero array is returned as is.
    Floating input keeps its dtype, other input becomes float64. The NumPy counterpart of
    :func:`fepnet.reductions.power_of_two_scale`, which returns 2^k itself.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    info = np.finfo(x.dtype)
    top = np.max(np.abs(x), axis=axis, keepdims=True, initial=0.0)
    _, e = np.frexp(top)
    return x / np.ldexp(1.0, np.clip(e - 1, info.minexp + 1, info.maxexp - 2)).astype(x.dtype)


def pearson(x, y) -> float:
    """Pearson correlation r(x, y) of two equal-length arrays (flattened), in float64.

    Equals ``np.corrcoef(x, y)[0, 1]`` bit for bit, for inputs of any finite magnitude
    (each is divided by a power of two first).

    Parameters
    ----------
    x, y : array_like of float
        The same number of elements.

    Returns
    -------
    float
        r in [-1, 1]; NaN when either is constant or has fewer than 2 elements (undefined),
        never a warning.

    Raises
    ------
    ValueError
        ``x`` and ``y`` differ in size.

    Examples
    --------
    >>> from fepnet.stats import pearson
    >>> round(pearson([1, 2, 3], [2, 4, 7]), 4), pearson([1, 1, 1], [1, 2, 3])
    (0.9934, nan)
    """
    x = pow2_scaled(np.asarray(x, np.float64).ravel())
    y = pow2_scaled(np.asarray(y, np.float64).ravel())
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same size, got {x.size} and {y.size}")
    if x.size < 2 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def cosine_similarity(a, b) -> np.ndarray:
    """Cosine similarity a_t·b_k / (norm(a_t) norm(b_k)) of each row of ``a`` with each row of ``b``.

    Parameters
    ----------
    a : array_like of float, shape (T, N)
    b : array_like of float, shape (K, N)

    Returns
    -------
    numpy.ndarray, shape (T, K)
        In [-1, 1]; NaN for zero rows.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.stats import cosine_similarity
    >>> cosine_similarity(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 1.0]])).round(4).tolist()
    [[0.0], [0.7071]]
    """
    a, b = pow2_scaled(a, 1), pow2_scaled(b, 1)
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a @ b.T) / (na * nb.T)


def cross_correlations(a, b) -> np.ndarray:
    """Pearson correlation of each row of ``a`` with each row of ``b`` (the cosine similarity of the centred rows).

    Parameters
    ----------
    a : array_like of float, shape (T, N)
    b : array_like of float, shape (K, N)

    Returns
    -------
    numpy.ndarray, shape (T, K)
        In [-1, 1]; NaN for constant rows.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.stats import cross_correlations
    >>> cross_correlations(np.array([[1.0, 2, 3], [3, 2, 1]]), np.array([[1.0, 2, 4]])).round(4).tolist()
    [[0.982], [-0.982]]
    """
    a, b = pow2_scaled(a, 1), pow2_scaled(b, 1)
    return cosine_similarity(a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True))


def upper_triangle(matrix) -> np.ndarray:
    """The entries above the diagonal of a square matrix, row by row.

    Parameters
    ----------
    matrix : array_like, shape (N, N)

    Returns
    -------
    numpy.ndarray, shape (N (N - 1) / 2,)

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.stats import upper_triangle
    >>> upper_triangle(np.arange(9).reshape(3, 3)).tolist()
    [1, 2, 5]
    """
    m = np.asarray(matrix)
    i, j = np.triu_indices(m.shape[0], 1)
    return m[i, j]
