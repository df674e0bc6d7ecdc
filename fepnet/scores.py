"""Retrieval and one-shot generalisation scores (SPEC §5).

For T trials, pick a pattern x (retrieval: the training patterns cycled in
order; generalisation: random test images; x already times the evidence
level) and set

    original = 0.1 x,     noisy = original + N(0, std(original)^2)   (SNR 1).

Clamp b = noisy and run ``n_steps`` stochastic synchronous steps without
learning at iT = 1, the state carrying over from the previous trial; the
response is the mean state over those steps. The score is

    median over trials of  corr(response, original)^2 - corr(noisy, original)^2,

so a network that just hands back its input scores 0. Trials and steps are a
``lax.scan`` inside one jitted function, which ``jax.vmap`` maps over networks.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .infra import checks as v
from .kernels import ChainState, KernelParams, build_kernel
from .network import Network
from .reductions import power_of_two_scale, tree_mean, tree_sum

__all__ = [
    "Cues",
    "ScoreResult",
    "correlation",
    "noisy_cues",
    "evoke",
    "score_gains",
    "recall_score",
    "score_couplings",
    "retrieval_score",
    "generalization_score",
]

CUE_ORDERS = ("cycle", "random")


class Cues(NamedTuple):
    """index (T,) pattern used in each trial; original (T, N) = scale * pattern; noisy (T, N)."""

    index: jax.Array
    original: jax.Array
    noisy: jax.Array


class ScoreResult(NamedTuple):
    """score: median gain; gains (T,) per trial; cues; response (T, N) mean state per trial;
    sigma: the final state (to carry on from)."""

    score: jax.Array
    gains: jax.Array
    cues: Cues
    response: jax.Array
    sigma: jax.Array


def _centred(x):
    """x / 2^k - mean, with 2^k the power of two of max |x| (:func:`~fepnet.reductions.power_of_two_scale`).

    The division is exact, so this is (x - mean x) / 2^k to the bit wherever x - mean x is, and its
    squares and products stay in range whatever the scale of x (1e-30 or 1e30 in float32).
    """
    u = x / power_of_two_scale(x)[..., None]
    return u - tree_mean(u)[..., None]


def correlation(a, b):
    """Pearson correlation of a and b along the last axis, in [-1, 1]; 0 when either is constant.

    Each input is first divided by the power of two of its largest magnitude (exact), then
    centred: scale-free, so inputs of any finite magnitude (1e-30 .. 1e30 in float32) give
    the correlation of their direction rather than 0 or NaN from squares that leave the
    float range, and the same bits as the unscaled sums wherever those stay in range.
    Sums are batch-invariant tree sums (:mod:`fepnet.reductions`), so a vmapped score
    has the same bits for every batch size. Jitted inner code: no argument checks.
    """
    a, b = _centred(jnp.asarray(a)), _centred(jnp.asarray(b))
    den = jnp.sqrt(tree_sum(a * a) * tree_sum(b * b))
    r = jnp.where(den > 0, tree_sum(a * b) / jnp.where(den > 0, den, 1.0), 0.0)
    return jnp.clip(r, -1.0, 1.0)  # a rounding step past +-1 (parallel inputs) stays in range


def _std(x):
    """Standard deviation (ddof = 0) along the last axis, scaled as :func:`correlation` (same bits in range)."""
    s = power_of_two_scale(x)
    u = _centred(x)
    return s * jnp.sqrt(tree_mean(u * u))


def score_gains(response, original, noisy):
    """Per-trial gain corr(response, original)^2 - corr(noisy, original)^2, shapes (T, N) -> (T,)."""
    return correlation(response, original) ** 2 - correlation(noisy, original) ** 2


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


def _scalar(x, name: str, dtype, *, positive: bool = True):
    """A finite scalar in ``dtype`` (the network's), checked after the cast: 1e39 is refused under float32."""
    return v.positive_scalar(x, name, dtype=dtype) if positive else v.nonnegative_scalar(x, name, dtype=dtype)


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
    """Draw T noisy cues from ``patterns`` (K, N): original = scale x, noisy = original + noise * std(original) * N(0, 1).

    ``order='cycle'`` takes patterns 0, 1, .., K-1, 0, ..; ``'random'`` draws them uniformly with replacement.

    Raises
    ------
    TypeError
        ``key`` is not a PRNG key; ``patterns``, ``scale`` or ``noise`` are not real numbers;
        ``n_trials`` is not an integer.
    ValueError
        ``patterns`` is not (K >= 1, N >= 1) or not finite in its dtype; ``n_trials`` < 1; ``order``
        unknown; ``scale`` <= 0 or ``noise`` < 0 (or either not finite); cues that would overflow.
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


@partial(jax.jit, static_argnames=("n_steps",))
def _evoke(key, couplings, inputs, sigma, inverse_temperature, n_steps):
    kernel = build_kernel("synchronous", stochastic=True)
    it = jnp.asarray(inverse_temperature, couplings.dtype)

    def trial(s, xs):
        t, b = xs
        p = KernelParams(Network.tree_unflatten(None, (couplings, b)), it)
        k = jax.random.fold_in(key, t)

        def step(c, i):  # a running sum: the mean's additions happen in step order, whatever the batch
            s, total = c
            s = kernel(jax.random.fold_in(k, i), ChainState(s), p).sigma
            return (s, total + s), None

        (s, total), _ = jax.lax.scan(step, (s, jnp.zeros_like(s)), jnp.arange(n_steps))
        return s, total / n_steps

    return jax.lax.scan(trial, sigma, (jnp.arange(inputs.shape[0]), inputs))


def evoke(key, network: Network, inputs, *, n_steps: int = 100, inverse_temperature=1.0, sigma=None):
    """Clamp b = inputs[t] for each trial t and run ``n_steps`` stochastic synchronous steps (no learning).

    The state carries over from trial to trial (starting at ``sigma``, default 0).
    Returns (response (T, N): mean state of each trial, final sigma (N,)).

    Raises
    ------
    TypeError
        ``network`` is not a Network, ``key`` not a PRNG key, ``inputs`` / ``inverse_temperature`` / ``sigma``
        not real numbers, ``n_steps`` not an integer.
    ValueError
        ``inputs`` not (T, N) or not finite in the network's dtype; ``n_steps`` < 1;
        ``inverse_temperature`` not positive and finite in the network's dtype; ``sigma`` not (N,) in [-1, 1].
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    key = v.prng_key(key)
    inputs = v.as_real_array(inputs, "inputs", ndim=2, dtype=network.dtype)
    if inputs.shape[1] != network.size:
        raise ValueError(f"inputs have {inputs.shape[1]} nodes, the network has {network.size}")
    n_steps = v.count(n_steps, "n_steps", minimum=1)
    it = _scalar(inverse_temperature, "inverse_temperature", network.dtype)
    sigma = jnp.zeros((network.size,), network.dtype) if sigma is None else v.states(sigma, "sigma", network.size, batch_ok=False)
    final, response = _evoke(key, network.couplings, inputs, sigma.astype(network.dtype), it, n_steps)
    return response, final


@partial(jax.jit, static_argnames=("n_trials", "order", "n_steps"))
def score_couplings(key, couplings, patterns, level, sigma, inverse_temperature, scale, noise, n_trials, order,
                    n_steps) -> ScoreResult:
    """The recall score of couplings J on ``level * patterns`` (jitted, no argument checks; module docstring).

    median over trials of corr(response, original)^2 - corr(noisy, original)^2:
    what :func:`recall_score` computes after its checks, for callers that batch
    it themselves (``jax.vmap`` over networks).

    Parameters
    ----------
    key : jax.Array
        A typed PRNG key.
    couplings : jax.Array, shape (N, N)
        J (the biases are the cues).
    patterns : jax.Array, shape (K, N)
        The patterns, before the evidence level.
    level, inverse_temperature, scale, noise : jax.Array, shape ()
        In J's dtype.
    sigma : jax.Array, shape (N,)
        The starting state.
    n_trials : int
        T; static.
    order : {"cycle", "random"}
        How cues pick patterns; static.
    n_steps : int
        Steps per trial; static.

    Returns
    -------
    ScoreResult
        score (), gains (T,), cues, response (T, N), final sigma (N,).
    """
    k_cues, k_run = jax.random.split(key)
    cues = _cues(k_cues, patterns, level, n_trials, order, scale, noise)
    final, response = _evoke(k_run, couplings, cues.noisy, sigma, inverse_temperature, n_steps)
    gains = score_gains(response, cues.original, cues.noisy)
    return ScoreResult(jnp.median(gains), gains, cues, response, final)


_recall = score_couplings  # the name recall_score() below uses


def recall_score(
    key,
    network: Network,
    patterns,
    *,
    evidence_level=1.0,
    order: str = "cycle",
    n_trials: int = 100,
    n_steps: int = 100,
    inverse_temperature=1.0,
    scale=0.1,
    noise=1.0,
    sigma=None,
) -> ScoreResult:
    """The paper's score for ``patterns`` (K, N) times ``evidence_level``, cues in ``order`` (module docstring).

    Every float argument is checked finite after its cast to the network's dtype.

    Raises
    ------
    TypeError
        ``network`` is not a Network, ``key`` not a PRNG key, an array or scalar argument not real
        numbers, ``n_trials`` / ``n_steps`` not integers.
    ValueError
        ``patterns`` not (K >= 1, N) or not finite in the network's dtype; ``order`` unknown;
        ``evidence_level``, ``inverse_temperature``, ``scale`` not positive and finite, ``noise`` negative
        or not finite (in the network's dtype); ``n_trials`` / ``n_steps`` < 1; ``sigma`` not (N,) in
        [-1, 1]; cues that would overflow the dtype.
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    key = v.prng_key(key)
    dtype = network.dtype
    patterns = _check_patterns(patterns, dtype, network.size)
    if order not in CUE_ORDERS:
        raise ValueError(f"order must be one of {CUE_ORDERS}, got {order!r}")
    level = _scalar(evidence_level, "evidence_level", dtype)
    it = _scalar(inverse_temperature, "inverse_temperature", dtype)
    scale = _scalar(scale, "scale", dtype)
    noise = _scalar(noise, "noise", dtype, positive=False)
    n_trials = v.count(n_trials, "n_trials", minimum=1)
    n_steps = v.count(n_steps, "n_steps", minimum=1)
    sigma = jnp.zeros((network.size,), dtype) if sigma is None else v.states(sigma, "sigma", network.size, batch_ok=False)
    _check_cue_range(patterns, level, scale, noise)
    return _recall(key, network.couplings, patterns, level, sigma.astype(dtype), it, scale, noise, n_trials, order,
                   n_steps)


def retrieval_score(key, network: Network, train_patterns, **kwargs) -> ScoreResult:
    """Retrieval: cues cycle through the training patterns in order (see :func:`recall_score`)."""
    return recall_score(key, network, train_patterns, order="cycle", **kwargs)


def generalization_score(key, network: Network, test_patterns, **kwargs) -> ScoreResult:
    """One-shot generalisation: cues are random unseen test patterns (see :func:`recall_score`)."""
    return recall_score(key, network, test_patterns, order="random", **kwargs)
