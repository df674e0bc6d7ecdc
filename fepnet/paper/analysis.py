"""The paper's measurements of a trained network and of a simulation's run: its attractor search and scores.

:func:`attractor_starts` and :func:`paper_attractors` are the paper's attractor search of a trained
network; :func:`upper_triangle_correlation` compares two coupling matrices (Simulation 4) and
:func:`sequence_order_score` scores a free-running sequence (Simulation 3).
:mod:`fepnet.paper.simulations` runs the protocols and measures their outputs with these.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import cb
from .protocols import RECOGNITION_THRESHOLD, SCORING
from ..attractors import Attractors, find_attractors
from ..geometry import pairwise_correlations
from ..network import Network
from ..stats import pearson, upper_triangle

__all__ = [
    "attractor_starts",
    "paper_attractors",
    "upper_triangle_correlation",
    "sequence_order_score",
]


def attractor_starts(patterns, evidence_level):
    r"""The paper's starting points of the attractor searches: :math:`L(0.1\,\lambda\,x)` for each pattern x.

    L is the Langevin function (the mean of the continuous Bernoulli, :func:`fepnet.cb.langevin`),
    :math:`\lambda` the evidence level and 0.1 the scoring scale (``SCORING["scale"]``).

    Parameters
    ----------
    patterns : array_like, shape (K, N)
        Patterns x, values in [-1, 1].
    evidence_level : float
        :math:`\lambda`, the evidence level the network was trained with.

    Returns
    -------
    jax.Array, shape (K, N)
        Starting states in (-1, 1).

    Raises
    ------
    TypeError, ValueError
        For non-real or non-finite patterns (:func:`fepnet.cb.langevin`).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.paper.simulations import attractor_starts
    >>> [round(float(v), 3) for v in attractor_starts(jnp.array([[1.0, -1.0, 0.0]]), 11.0)[0]]
    [0.34, -0.34, 0.0]
    """
    return cb.langevin(SCORING["scale"] * evidence_level * jnp.asarray(patterns))


def paper_attractors(network: Network, patterns, evidence_level) -> Attractors:
    r"""The paper's attractor search: zero-bias deterministic synchronous relaxation at iT = 1 from each pattern's start.

    From :func:`attractor_starts` (patterns, evidence_level), the network with b = 0 relaxes
    under :math:`\sigma \leftarrow L(J \sigma)` for at most 1000 steps; the distinct end states
    after rounding to 2 decimals are the attractors (:func:`fepnet.find_attractors`).

    Parameters
    ----------
    network : fepnet.Network
        N nodes; its biases are ignored (set to 0).
    patterns : array_like, shape (K, N)
        The training patterns.
    evidence_level : float
        The evidence level the network was trained with.

    Returns
    -------
    fepnet.Attractors
        ``states`` (A, N) of the distinct attractors, ``label`` (K,) the attractor reached from
        each start, ``count`` and ``orthogonality()``.

    Raises
    ------
    TypeError, ValueError
        For patterns that are not (K, N) real values in [-1, 1].

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> from fepnet.paper.simulations import paper_attractors
    >>> x = jnp.array([[1.0, 1.0, -1.0, -1.0]])
    >>> net = fepnet.Network(3.0 * jnp.outer(x[0], x[0]) * (1 - jnp.eye(4)), jnp.zeros(4))
    >>> att = paper_attractors(net, x, 11.0)
    >>> att.count, [round(float(v), 2) for v in att.states[0]]
    (1, [0.87, 0.87, -0.87, -0.87])
    """
    return find_attractors(network.replace(biases=jnp.zeros(network.size, network.dtype)),
                           attractor_starts(patterns, evidence_level), 1.0, max_steps=1000, decimals=2)


def upper_triangle_correlation(a, b) -> float:
    """Pearson correlation of the entries above the diagonal of two square matrices.

    Parameters
    ----------
    a, b : array_like, shape (N, N)
        E.g. the couplings before and after free running (Simulation 4).

    Returns
    -------
    float
        r in [-1, 1] over the N (N - 1) / 2 entries :math:`a_{ij}, b_{ij}`, i < j.

    Raises
    ------
    ValueError
        For matrices of different or non-square shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.paper.simulations import upper_triangle_correlation
    >>> a = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    >>> round(upper_triangle_correlation(a, 2 * a + 1), 6), round(upper_triangle_correlation(a, -a), 6)
    (1.0, -1.0)
    """
    return pearson(upper_triangle(a), upper_triangle(b))


def sequence_order_score(states, patterns, threshold: float = RECOGNITION_THRESHOLD):
    """Fraction of transitions between recognised patterns that follow the trained cycle 0 -> 1 -> ... -> K-1 -> 0.

    Each state is recognised as the pattern it correlates with most when that Pearson
    correlation exceeds ``threshold``; the recognised labels, with repeats and unrecognised
    states dropped, give the transitions (Simulation 3's free-running sequence).

    Parameters
    ----------
    states : array_like, shape (T, N)
        Free-running states.
    patterns : array_like, shape (K, N)
        The trained sequence, in order.
    threshold : float
        Smallest correlation that recognises a pattern (default 0.5, ``RECOGNITION_THRESHOLD``).

    Returns
    -------
    score : float
        Forward transitions / all transitions; NaN without transitions.
    labels : numpy.ndarray, shape (T,)
        The recognised pattern of each state, -1 for none.
    n_transitions : int
        The number of transitions counted.

    Raises
    ------
    ValueError
        For states and patterns with different N.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.paper.simulations import sequence_order_score
    >>> p = np.sign(np.random.default_rng(0).normal(size=(3, 8)))
    >>> score, labels, n = sequence_order_score(np.concatenate([p, p]), p)
    >>> score, labels.tolist(), n
    (1.0, [0, 1, 2, 0, 1, 2], 5)
    """
    x = np.asarray(states, dtype=np.float64)
    p = np.asarray(patterns, dtype=np.float64)
    r = np.asarray(pairwise_correlations(np.concatenate([x, p])))[: len(x), len(x):]
    labels = np.where(r.max(axis=1) > threshold, r.argmax(axis=1), -1)
    seq = labels[labels >= 0]
    seq = seq[np.r_[True, seq[1:] != seq[:-1]]] if seq.size else seq
    if seq.size < 2:
        return float("nan"), labels, 0
    forward = seq[1:] == (seq[:-1] + 1) % len(p)
    return float(forward.mean()), labels, int(forward.size)
