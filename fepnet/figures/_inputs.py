"""Argument checks shared by the figure modules: arrays of rows and their labels."""

from __future__ import annotations

import numpy as np

__all__ = ["as_rows", "row_labels"]


def as_rows(name: str, x, width: int | None = None, rows: int | None = None) -> np.ndarray:
    """``x`` as a float (rows, width) array, or a ValueError naming the argument.

    Parameters
    ----------
    name : str
        The argument's name, for the error message.
    x : array_like, shape (R, N)
        A non-empty 2-D array.
    width, rows : int, optional
        The required N and R (any when None).

    Returns
    -------
    numpy.ndarray, shape (R, N), float

    Raises
    ------
    ValueError
        When ``x`` is not 2-D, is empty, or has the wrong shape.
    """
    a = np.asarray(x, dtype=float)
    if a.ndim != 2 or a.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (rows, nodes); got shape {a.shape}")
    if (width is not None and a.shape[1] != width) or (rows is not None and a.shape[0] != rows):
        raise ValueError(f"{name} must have shape ({rows or 'rows'}, {width}); got shape {a.shape}")
    return a


def row_labels(name: str, labels, n: int, default: str) -> list[str]:
    """``labels`` as ``n`` strings, or ``"<default> k"`` for k = 0..n-1 when ``labels`` is None.

    Raises
    ------
    ValueError
        When ``labels`` has other than ``n`` entries.
    """
    if labels is None:
        return [f"{default} {k}" for k in range(n)]
    labels = [str(s) for s in labels]
    if len(labels) != n:
        raise ValueError(f"{name} must have {n} entries; got {len(labels)}")
    return labels
