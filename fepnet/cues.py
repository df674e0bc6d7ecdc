"""Noisy cues of the recall scores: T trials of scaled patterns and their noisy copies (:mod:`fepnet.scores`).

For T trials pick a pattern x (``"cycle"``: patterns 0, 1, .., K-1, 0, ..; ``"random"``:
uniformly with replacement) and set::

    original = scale x,     noisy = original + noise * std(original) * N(0, 1)

(``scale=0.1``, ``noise=1``: the paper's SNR 1). :func:`noisy_cues` draws them with its
argument checks; the checks of the patterns and of the cues' range, and the jitted draw
itself, are shared with :func:`~fepnet.scores.recall_score`. The scale-free standard
deviation lives here too, with the centring that :func:`~fepnet.scores.correlation` shares.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .infra import checks as v
from .reductions import power_of_two_scale, tree_mean

__all__ = [
    "CUE_ORDERS",
    "Cues",
    "noisy_cues",
]


#: The cue orders of :func:`noisy_cues` and :func:`~fepnet.scores.recall_score`: ``"cycle"`` (patterns 0, 1, .., K-1,
#: 0, ..) or ``"random"`` (uniformly with replacement).
CUE_ORDERS = ("cycle", "random")


class Cues(NamedTuple):
    """The T noisy cues of a score: which pattern, its scaled original and its noisy copy.

    Attributes
    ----------
    index : jax.Array of int, shape (T,)
        The pattern used in each trial.
    original : jax.Array, shape (T, N)
        scale * (evidence level * pattern).
    noisy : jax.Array, shape (T, N)
        original + noise * std(original) * N(0, 1): the biases clamped in each trial.
    """

    index: jax.Array
    original: jax.Array
    noisy: jax.Array


def _centred(x):
    """x / 2^k - mean, with 2^k the power of two of max |x| (:func:`~fepnet.reductions.power_of_two_scale`).

    The division is exact, so this is (x - mean x) / 2^k to the bit wherever x - mean x is, and its
    squares and products stay in range whatever the scale of x (1e-30 or 1e30 in float32).
    """
    u = x / power_of_two_scale(x)[..., None]
    return u - tree_mean(u)[..., None]


def _std(x):
    """Standard deviation (ddof = 0) along the last axis, scaled as :func:`correlation` (same bits in range)."""
    s = power_of_two_scale(x)
    u = _centred(x)
    return s * jnp.sqrt(tree_mean(u * u))


def _cues(key, patterns, level, n_trials, order, scale, noise):
    """Cues from ``level * patterns``; the pattern is gathered before it is scaled (elementwise the same
    numbers, and a vmapped sweep never materialises a scaled copy of every pattern per network)."""
    k_index, k_noise = jax.random.split(key)
    if order == "cycle":
        index = jnp.arange(n_trials) % patterns.shape[0]
    else:
        index = jax.random.randint(k_index, (n_trials,), 0, patterns.shape[0])
    original = scale * (level * patterns[index])
    sd = _std(original)[..., None]
    noisy = original + noise * sd * jax.random.normal(k_noise, original.shape, original.dtype)
    return Cues(index, original, noisy)


# |N(0, 1)| draws of jax.random.normal stay below this (about 5.4 in float32, 8.3 in float64)
_MAX_NORMAL_DRAW = 9.0


def _check_patterns(patterns, dtype, n_nodes=None):
    """Patterns (K >= 1, N >= 1) as ``dtype`` (None: their own float dtype), checked finite after the cast."""
    patterns = v.as_real_array(patterns, "patterns", ndim=2, dtype=dtype)
    want = n_nodes if n_nodes is not None else "N >= 1"
    if patterns.shape[0] == 0 or patterns.shape[1] == 0 or (n_nodes is not None and patterns.shape[1] != n_nodes):
        raise ValueError(f"patterns must be (K >= 1, {want}), got shape {tuple(patterns.shape)}")
    return patterns


def _check_cue_range(patterns, level, scale, noise):
    """Refuse cues that would overflow: |noisy| <= M (1 + noise |z|), M = scale * level * max |patterns|
    (std(original) <= M), |z| < 9 for JAX's normal draws."""
    if not all(v.is_concrete(x) for x in (patterns, level, scale, noise)):
        return
    top = float(scale) * float(level) * float(np.max(np.abs(np.asarray(patterns, np.float64))))
    bound = top * (1.0 + float(noise) * _MAX_NORMAL_DRAW)
    limit = float(jnp.finfo(patterns.dtype).max)
    if not bound <= limit:
        raise ValueError(
            f"the cues would overflow {patterns.dtype}: scale * evidence_level * max|patterns| * (1 + {_MAX_NORMAL_DRAW:g} "
            f"noise) = {bound:.3g} > {limit:.3g}; lower evidence_level, scale, noise or the patterns' magnitude")


def noisy_cues(key, patterns, n_trials: int = 100, *, order: str = "cycle", scale=0.1, noise=1.0) -> Cues:
    """Draw T noisy cues from ``patterns``: original = scale x, noisy = original + noise * std(original) * z.

    z ~ N(0, 1) elementwise; std(original) is the standard deviation (ddof = 0) of each
    scaled pattern over its N entries, so ``noise=1`` is a signal-to-noise ratio of 1.

    Parameters
    ----------
    key : jax.Array
        A JAX PRNG key.
    patterns : array_like of float, shape (K, N)
        The patterns x.
    n_trials : int, default 100
        T >= 1.
    order : {"cycle", "random"}, default "cycle"
        ``"cycle"`` takes patterns 0, 1, .., K-1, 0, ..; ``"random"`` draws them uniformly
        with replacement.
    scale : float, default 0.1
        > 0.
    noise : float, default 1.0
        Noise standard deviation relative to std(original), >= 0.

    Returns
    -------
    Cues
        ``index`` (T,), ``original`` (T, N), ``noisy`` (T, N).

    Raises
    ------
    TypeError
        ``key`` is not a PRNG key; ``patterns``, ``scale`` or ``noise`` are not real numbers;
        ``n_trials`` is not an integer.
    ValueError
        ``patterns`` is not (K >= 1, N >= 1) or not finite in its dtype; ``n_trials`` < 1; ``order``
        unknown; ``scale`` <= 0 or ``noise`` < 0 (or either not finite); cues that would overflow.

    Examples
    --------
    >>> import jax, fepnet
    >>> patterns = fepnet.data.random_patterns(jax.random.key(0), 2, 16)
    >>> cues = fepnet.noisy_cues(jax.random.key(1), patterns, 4)
    >>> cues.index.tolist(), cues.noisy.shape
    ([0, 1, 0, 1], (4, 16))
    """
    key = v.prng_key(key)
    patterns = _check_patterns(patterns, None)
    n_trials = v.count(n_trials, "n_trials", minimum=1)
    if order not in CUE_ORDERS:
        raise ValueError(f"order must be one of {CUE_ORDERS}, got {order!r}")
    scale = v.positive_scalar(scale, "scale")
    noise = v.nonnegative_scalar(noise, "noise")
    _check_cue_range(patterns, 1.0, scale, noise)
    return _cues(key, patterns, jnp.ones((), patterns.dtype), n_trials, order, scale, noise)

