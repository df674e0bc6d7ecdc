"""Deterministic attractors: find them by relaxation and de-duplicate the end states.

Find: relax many starting points at once (:func:`~fepnet.relaxation.relax`, m <- L(iT (b + J m))), then
de-duplicate the end states after rounding (the paper rounds to 2 decimals). For asymmetric
networks, the fixed points of the symmetric part Js are found the same way
(:func:`symmetric_fixed_points`).

Their geometry (pairwise angles, Pearson correlations, the paper's orthogonality) is
:mod:`fepnet.geometry`; :func:`~fepnet.geometry.pairwise_angles`,
:func:`~fepnet.geometry.pairwise_correlations` and :func:`~fepnet.geometry.orthogonality` are
re-exported here. They are pure ``jax.numpy`` and take an optional row ``mask``, so they
also run under ``jit``/``vmap`` on fixed-size batches (use :func:`unique_mask` to mark
the first copy of every distinct row).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .geometry import _states, orthogonality, pairwise_angles, pairwise_correlations
from .infra import checks as v
from .network import Network
from .relaxation import RelaxResult, relax

__all__ = [
    "Attractors",
    "find_attractors",
    "symmetric_fixed_points",
    "deduplicate",
    "first_copy",
    "unique_mask",
    "pairwise_angles",
    "pairwise_correlations",
    "orthogonality",
]


class Attractors(NamedTuple):
    """The distinct end states of a batch of deterministic relaxations (from :func:`find_attractors`).

    Attributes
    ----------
    states : numpy.ndarray, shape (A, N)
        The A distinct attractors (rounded to ``decimals``), in order of first appearance.
    label : numpy.ndarray of int, shape (S,)
        Which attractor each of the S starts reached; -1 where the start was left out
        (``converged_only=True`` and it did not converge).
    relaxed : RelaxResult
        The per-start relaxation (final states, convergence, steps).

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> x = jnp.array([1.0, 1.0, -1.0, -1.0])
    >>> net = fepnet.Network(jnp.outer(x, x), zero_diagonal=True)
    >>> starts = jax.random.uniform(jax.random.key(0), (16, 4), minval=-1, maxval=1)
    >>> att = fepnet.find_attractors(net, starts, 2.0)
    >>> att.count, att.states.tolist()
    (2, [[0.79, 0.79, -0.79, -0.79], [-0.79, -0.79, 0.79, 0.79]])
    >>> att.angles().tolist()
    [[0.0, 180.0], [180.0, 0.0]]
    """

    states: np.ndarray
    label: np.ndarray
    relaxed: RelaxResult

    @property
    def count(self) -> int:
        """Number of distinct attractors A."""
        return len(self.states)

    def angles(self) -> np.ndarray:
        """Pairwise angles between the attractors (:func:`~fepnet.geometry.pairwise_angles`).

        Returns
        -------
        numpy.ndarray, shape (A, A)
            Angles in degrees, in [0, 180]; NaN for an all-zero attractor.
        """
        return np.asarray(pairwise_angles(self.states))

    def correlations(self) -> np.ndarray:
        """Pairwise Pearson correlations between the attractors (:func:`~fepnet.geometry.pairwise_correlations`).

        Returns
        -------
        numpy.ndarray, shape (A, A)
            Correlations in [-1, 1].
        """
        return np.asarray(pairwise_correlations(self.states))

    def orthogonality(self, exclude: float = 1.0) -> float:
        """The paper's orthogonality of the attractors: mean abs(90 - angle) over distinct pairs (:func:`~fepnet.geometry.orthogonality`).

        Parameters
        ----------
        exclude : float, default 1.0
            Pairs with angle < exclude or > 180 - exclude (degrees) are ignored.

        Returns
        -------
        float
            Degrees; 0 for mutually orthogonal attractors, NaN with fewer than two
            directions (no pair qualifies).
        """
        return float(orthogonality(self.states, exclude=exclude)) if self.count else float("nan")


MAX_DECIMALS = 15  # float64 holds 15 to 17 significant decimal digits


def _decimals(decimals) -> int:
    return v.count(decimals, "decimals", maximum=MAX_DECIMALS)


def _round(x, decimals: int, xp):
    """Round to ``decimals``, leaving values so large that x 10^decimals is already an integer (|x| 10^d >=
    2^(mantissa bits)) as they are: rounding cannot change them, and x 10^d could overflow to inf."""
    big = float(2 ** np.finfo(x.dtype).nmant) / 10.0**decimals
    with np.errstate(over="ignore", invalid="ignore"):
        return xp.where(xp.abs(x) < big, xp.round(x, decimals), x) + 0.0  # + 0.0 folds -0.0 into 0.0


def first_copy(states, decimals: int = 2):
    """For each row, the index of the first row equal to it after rounding to ``decimals``.

    Parameters
    ----------
    states : array_like of float, shape (S, N)
        Finite rows.
    decimals : int, default 2
        Decimals to round to, 0 .. 15.

    Returns
    -------
    jax.Array of int, shape (S,)
        first[s] <= s; first[s] == s for the first copy of every distinct row.

    Raises
    ------
    TypeError, ValueError
        ``states`` not an (S, N) array of finite real numbers; ``decimals`` not an integer in [0, 15].

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.attractors import first_copy
    >>> first_copy(jnp.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.004]])).tolist()
    [0, 1, 0]
    """
    x = _round(_states(states), _decimals(decimals), jnp)
    equal = jnp.all(x[:, None, :] == x[None, :, :], axis=-1)
    return jnp.argmax(equal, axis=1)


def unique_mask(states, decimals: int = 2):
    """True for the first copy of every distinct row (after rounding); its sum counts the distinct rows.

    Parameters
    ----------
    states : array_like of float, shape (S, N)
        Finite rows.
    decimals : int, default 2
        Decimals to round to, 0 .. 15.

    Returns
    -------
    jax.Array of bool, shape (S,)

    Raises
    ------
    TypeError, ValueError
        As :func:`first_copy`.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> fepnet.unique_mask(jnp.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.004]])).tolist()
    [True, True, False]
    """
    return first_copy(states, decimals) == jnp.arange(jnp.shape(states)[0])


def deduplicate(states, decimals: int = 2):
    """Distinct rows after rounding to ``decimals`` (the paper rounds to 2), and each row's label.

    Parameters
    ----------
    states : array_like of float, shape (S, N)
        Finite rows.
    decimals : int, default 2
        Decimals to round to, 0 .. 15.

    Returns
    -------
    unique : numpy.ndarray of float64, shape (A, N)
        The distinct rounded rows, in order of first appearance.
    label : numpy.ndarray of int, shape (S,)
        label[s] indexes the unique row of row s.

    Raises
    ------
    TypeError, ValueError
        ``states`` not an (S, N) array of finite real numbers; ``decimals`` not an integer in [0, 15].

    Examples
    --------
    >>> import numpy as np, fepnet
    >>> unique, label = fepnet.deduplicate(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.004]]))
    >>> unique.tolist(), label.tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [0, 1, 0])
    """
    _states(states)
    decimals = _decimals(decimals)
    # Round once, in float64; re-rounding those values inside first_copy (float32 or float64) is exact,
    # so equality and the returned rows agree at every rounding boundary.
    rounded = _round(np.asarray(states, dtype=np.float64), decimals, np)
    first = np.asarray(first_copy(rounded, decimals))
    keep = first == np.arange(first.size)
    rank = np.cumsum(keep) - 1
    return rounded[keep], rank[first]



def find_attractors(
    network: Network,
    starts,
    inverse_temperature=1.0,
    *,
    decimals: int = 2,
    converged_only: bool = False,
    schedule: str = "synchronous",
    tol: float = 1e-6,
    max_steps: int = 1000,
    key: jax.Array | None = None,
) -> Attractors:
    """Relax every start deterministically, m <- L(iT (b + J m)), and keep the distinct end states.

    Parameters
    ----------
    network : Network
        J (N, N) and b (N,).
    starts : array_like of float, shape (S, N)
        Starting states in [-1, 1], relaxed together (batched).
    inverse_temperature : float, default 1.0
        iT > 0.
    decimals : int, default 2
        End states equal after rounding to this many decimals are one attractor.
    converged_only : bool, default False
        Leave out (label -1) end states that did not converge (2-cycles, the step cap):
        what remains are fixed points.
    schedule : str, default "synchronous"
        Passed to :func:`~fepnet.relaxation.relax`.
    tol : float, default 1e-6
        Passed to :func:`~fepnet.relaxation.relax`.
    max_steps : int, default 1000
        Passed to :func:`~fepnet.relaxation.relax`.
    key : jax.Array, optional
        Passed to :func:`~fepnet.relaxation.relax` (needed by ``"random-scan"``).

    Returns
    -------
    Attractors
        ``states`` (A, N) distinct attractors, ``label`` (S,) the attractor each start reached,
        ``relaxed`` the per-start :class:`~fepnet.relaxation.RelaxResult`.

    Raises
    ------
    TypeError, ValueError
        ``decimals`` not an integer in [0, 15]; the rest as :func:`~fepnet.relaxation.relax`.

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> x = jnp.array([1.0, 1.0, -1.0, -1.0])
    >>> net = fepnet.Network(jnp.outer(x, x), zero_diagonal=True)
    >>> starts = jax.random.uniform(jax.random.key(0), (16, 4), minval=-1, maxval=1)
    >>> att = fepnet.find_attractors(net, starts, 2.0)
    >>> att.states.tolist()  # the pattern and its sign flip
    [[0.79, 0.79, -0.79, -0.79], [-0.79, -0.79, 0.79, 0.79]]
    >>> att.label[:6].tolist()
    [0, 1, 1, 1, 0, 1]
    """
    decimals = _decimals(decimals)
    relaxed = relax(network, starts, inverse_temperature, schedule=schedule, tol=tol, max_steps=max_steps, key=key)
    sigma = np.asarray(relaxed.sigma).reshape(-1, network.size)
    keep = np.asarray(relaxed.converged).reshape(-1) if converged_only else np.ones(sigma.shape[0], bool)
    label = np.full(sigma.shape[0], -1)
    if keep.any():
        states, label[keep] = deduplicate(sigma[keep], decimals)
    else:
        states = np.zeros((0, network.size))
    return Attractors(states, label, relaxed)


def symmetric_fixed_points(network: Network, starts, inverse_temperature=1.0, **kwargs) -> Attractors:
    """Fixed points of the symmetric part Js = (J + J^T) / 2: :func:`find_attractors` on ``network.symmetrized()``.

    Converged relaxations only by default (``converged_only=True``): for asymmetric J the
    full dynamics may cycle, the symmetric part's fixed points m = L(iT (b + Js m)) are
    what the energy sees.

    Parameters
    ----------
    network : Network
        J (N, N) (any asymmetry), b (N,).
    starts : array_like of float, shape (S, N)
        Starting states in [-1, 1].
    inverse_temperature : float, default 1.0
        iT > 0.
    **kwargs
        Passed to :func:`find_attractors` (``decimals``, ``schedule``, ``tol``, ...).

    Returns
    -------
    Attractors

    Raises
    ------
    TypeError, ValueError
        As :func:`find_attractors`.

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> x = jnp.array([1.0, 1.0, -1.0, -1.0])
    >>> skew = jnp.array([[0.0, 0.5, 0, 0], [-0.5, 0, 0, 0], [0, 0, 0, 0.5], [0, 0, -0.5, 0]])
    >>> net = fepnet.Network(jnp.outer(x, x) + skew, zero_diagonal=True)
    >>> starts = jax.random.uniform(jax.random.key(0), (16, 4), minval=-1, maxval=1)
    >>> fepnet.symmetric_fixed_points(net, starts, 2.0).count
    2
    """
    kwargs.setdefault("converged_only", True)
    return find_attractors(network.symmetrized(), starts, inverse_temperature, **kwargs)
