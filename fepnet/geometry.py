"""Geometry of a set of attractors: pairwise angles, Pearson correlations and the paper's orthogonality.

Angles between rows in degrees (arccos of the cosine similarity), pairwise Pearson
correlations, and the paper's orthogonality::

    mean over pairs i < j of abs(90 - angle_ij),  pairs with angle < 1 or > 179 ignored

(0 for exactly orthogonal attractors; the exclusion drops near-duplicates and sign
flips). Finding and de-duplicating the attractors is :mod:`fepnet.attractors`.

The functions are pure ``jax.numpy`` and :func:`orthogonality` takes an optional row ``mask``,
so they also run under ``jit``/``vmap`` on fixed-size batches (use
:func:`fepnet.attractors.unique_mask` to mark the first copy of every distinct row).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .infra import checks as v
from .reductions import power_of_two_scale

__all__ = [
    "pairwise_angles",
    "pairwise_correlations",
    "orthogonality",
]


def _states(states):
    """(S, N) real states as a float array (shape and dtype checked under tracing, values when concrete)."""
    return v.as_real_array(states, "states", ndim=2)


def _scaled(x):
    """Each row divided by the power of two of its largest magnitude: exact, so directions keep their
    bits, and squared norms stay in range for rows of any finite magnitude."""
    return x / power_of_two_scale(x)[..., None]


def _unit_rows(states):
    states = _scaled(states)
    norm = jnp.linalg.norm(states, axis=-1, keepdims=True)
    return states / jnp.where(norm > 0, norm, 1.0), norm[..., 0] > 0


def pairwise_angles(states):
    """Pairwise angles between rows in degrees: arccos of the cosine similarity.

    angle_ij = degrees(arccos(x_i·x_j / (norm(x_i) norm(x_j)))). Each row is first divided by the
    power of two of its largest magnitude (exact), so rows of any finite magnitude work.

    Parameters
    ----------
    states : array_like of float, shape (A, N)
        Finite rows.

    Returns
    -------
    jax.Array, shape (A, A)
        Angles in [0, 180]; NaN where a row is all zeros.

    Raises
    ------
    TypeError, ValueError
        ``states`` not an (A, N) array of finite real numbers.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> fepnet.pairwise_angles(jnp.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])).tolist()
    [[0.0, 90.0, 45.0], [90.0, 0.0, 45.0], [45.0, 45.0, 0.0]]
    """
    u, nonzero = _unit_rows(_states(states))
    cos = jnp.clip(u @ u.T, -1.0, 1.0)
    both = nonzero[:, None] & nonzero[None, :]
    return jnp.where(both, jnp.degrees(jnp.arccos(cos)), jnp.nan)


def pairwise_correlations(states):
    """Pairwise Pearson correlations between rows, in [-1, 1].

    r_ij = corr(x_i, x_j) over the N entries; a constant row correlates 0 with everything.

    Parameters
    ----------
    states : array_like of float, shape (A, N)
        Finite rows.

    Returns
    -------
    jax.Array, shape (A, A)

    Raises
    ------
    TypeError, ValueError
        As :func:`pairwise_angles`.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> fepnet.pairwise_correlations(jnp.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [1.0, 1.0, 1.0]])).tolist()
    [[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    """
    x = _scaled(_states(states))
    u, _ = _unit_rows(x - x.mean(axis=-1, keepdims=True))
    return jnp.clip(u @ u.T, -1.0, 1.0)


def _mask(mask, n: int):
    """(n,) booleans (or 0 / 1): values checked when concrete, the shape always."""
    if v.is_concrete(mask):
        try:
            m = np.asarray(mask)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"mask must be an array of booleans: {exc}") from None
        mask = m if m.dtype == np.bool_ else v.binary_mask(m, "mask") != 0
    if tuple(jnp.shape(mask)) != (n,):
        raise ValueError(f"mask must have shape ({n},), one entry per row of states, got {tuple(jnp.shape(mask))}")
    return jnp.asarray(mask, bool)


def orthogonality(states, *, exclude: float = 1.0, mask=None):
    """The paper's orthogonality in degrees: mean abs(90 - angle_ij) over pairs i < j.

    Only pairs with ``exclude <= angle_ij <= 180 - exclude`` count (and, with ``mask``, only
    pairs of rows both in it): near-duplicates and sign flips are ignored. 0 for mutually
    orthogonal rows. NaN when no pair qualifies (fewer than two distinct directions),
    which is what the paper's rule leaves undefined. Jittable.

    Parameters
    ----------
    states : array_like of float, shape (A, N)
        Finite rows (attractors).
    exclude : float, default 1.0
        Exclusion margin in degrees, in [0, 90].
    mask : array_like of bool, shape (A,), optional
        Rows to use (e.g. :func:`unique_mask`); default all.

    Returns
    -------
    jax.Array, shape ()
        Degrees in [0, 90], or NaN.

    Raises
    ------
    TypeError, ValueError
        ``states`` not an (A, N) array of finite real numbers; ``exclude`` not a real number in
        [0, 90]; ``mask`` not (A,) of booleans or 0 / 1.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> s = jnp.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> float(fepnet.orthogonality(s))  # pairs at 90, 45 and 45 degrees
    30.0
    >>> float(fepnet.orthogonality(s, mask=jnp.array([True, True, False])))
    0.0
    """
    a = pairwise_angles(states)
    n = a.shape[0]
    if v.is_concrete(exclude):
        checked = v.nonnegative_scalar(exclude, "exclude")  # under jit a traced copy: the value check is skipped
        if v.is_concrete(checked) and not float(checked) <= 90:
            raise ValueError(f"exclude must lie in [0, 90] degrees, got {float(checked)}")
    upper = jnp.arange(n)[:, None] < jnp.arange(n)[None, :]
    keep = upper & (a >= exclude) & (a <= 180.0 - exclude)  # NaN compares False
    if mask is not None:
        mask = _mask(mask, n)
        keep = keep & mask[:, None] & mask[None, :]
    total = jnp.sum(jnp.where(keep, jnp.abs(90.0 - a), 0.0))
    pairs = jnp.sum(keep)
    return jnp.where(pairs > 0, total / jnp.maximum(pairs, 1), jnp.nan)
