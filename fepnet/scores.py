"""Retrieval and one-shot generalisation scores: the recall scores of the paper's Simulations 2 and 4 (Spisak & Friston).

For T trials, pick a pattern x (retrieval: the training patterns cycled in
order; generalisation: random test images; x already times the evidence
level) and set::

    original = 0.1 x,     noisy = original + N(0, std(original)^2)   (SNR 1).

Clamp b = noisy and run ``n_steps`` stochastic synchronous steps without
learning at iT = 1, the state carrying over from the previous trial; the
response is the mean state over those steps. The score is::

    median over trials of  corr(response, original)^2 - corr(noisy, original)^2,

so a network that just hands back its input scores 0. Trials and steps are a
``lax.scan`` inside one jitted function, which ``jax.vmap`` maps over networks. The cues
come from :mod:`fepnet.cues` (:func:`~fepnet.cues.noisy_cues`, :class:`~fepnet.cues.Cues`).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from .cues import CUE_ORDERS, Cues, _centred, _check_cue_range, _check_patterns, _cues, noisy_cues
from .infra import checks as v
from .kernels import ChainState, KernelParams, build_kernel
from .network import Network
from .reductions import tree_sum

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


class ScoreResult(NamedTuple):
    """Outcome of a recall score (:func:`recall_score`, :func:`score_couplings`).

    Attributes
    ----------
    score : jax.Array, shape ()
        The median gain over trials.
    gains : jax.Array, shape (T,)
        corr(response, original)^2 - corr(noisy, original)^2 per trial.
    cues : Cues
        The cues of the trials.
    response : jax.Array, shape (T, N)
        The mean state of each trial.
    sigma : jax.Array, shape (N,)
        The final state (to carry on from).
    """

    score: jax.Array
    gains: jax.Array
    cues: Cues
    response: jax.Array
    sigma: jax.Array


def correlation(a, b):
    """Pearson correlation of ``a`` and ``b`` along the last axis, in [-1, 1]; 0 when either is constant.

    r = sum((a - mean a)(b - mean b)) / sqrt(sum (a - mean a)^2 sum (b - mean b)^2).
    Each input is first divided by the power of two of its largest magnitude (exact), then
    centred: scale-free, so inputs of any finite magnitude (1e-30 .. 1e30 in float32) give
    the correlation of their direction rather than 0 or NaN from squares that leave the
    float range, and the same bits as the unscaled sums wherever those stay in range.
    Sums are batch-invariant tree sums (:mod:`fepnet.reductions`), so a vmapped score
    has the same bits for every batch size. Jitted inner code: no argument checks.

    Parameters
    ----------
    a, b : array_like of float, shape (..., N)
        Broadcast together.

    Returns
    -------
    jax.Array, shape (...)

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.scores import correlation
    >>> round(float(correlation(jnp.array([1.0, 2.0, 3.0]), jnp.array([2.0, 4.0, 7.0]))), 4)
    0.9934
    >>> float(correlation(jnp.ones(3), jnp.array([2.0, 4.0, 7.0])))
    0.0
    """
    a, b = _centred(jnp.asarray(a)), _centred(jnp.asarray(b))
    den = jnp.sqrt(tree_sum(a * a) * tree_sum(b * b))
    r = jnp.where(den > 0, tree_sum(a * b) / jnp.where(den > 0, den, 1.0), 0.0)
    return jnp.clip(r, -1.0, 1.0)  # a rounding step past +-1 (parallel inputs) stays in range


def score_gains(response, original, noisy):
    """Per-trial gain corr(response, original)^2 - corr(noisy, original)^2.

    Parameters
    ----------
    response, original, noisy : array_like of float, shape (T, N)
        Mean states, scaled patterns and cues (:class:`Cues`).

    Returns
    -------
    jax.Array, shape (T,)
        Gains in [-1, 1]; 0 for a response that is the cue itself.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.scores import score_gains
    >>> x = jnp.array([[1.0, 2.0, 3.0]])
    >>> score_gains(x, x, jnp.array([[1.0, 3.0, 2.0]])).tolist()  # 1 - 0.5^2
    [0.75]
    """
    return correlation(response, original) ** 2 - correlation(noisy, original) ** 2


def _scalar(x, name: str, dtype, *, positive: bool = True):
    """A finite scalar in ``dtype`` (the network's), checked after the cast: 1e39 is refused under float32."""
    return v.positive_scalar(x, name, dtype=dtype) if positive else v.nonnegative_scalar(x, name, dtype=dtype)


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

    Each step draws sigma_i ~ CB(iT (inputs[t]_i + sum_j J_ij sigma_j)); the network's own
    biases are replaced by the inputs. The state carries over from trial to trial.

    Parameters
    ----------
    key : jax.Array
        A JAX PRNG key.
    network : Network
        J (N, N); its biases are not used.
    inputs : array_like of float, shape (T, N)
        The biases of each trial (the cues).
    n_steps : int, default 100
        Steps per trial, >= 1.
    inverse_temperature : float, default 1.0
        iT > 0.
    sigma : array_like of float, shape (N,), optional
        Starting state in [-1, 1]; default zeros.

    Returns
    -------
    response : jax.Array, shape (T, N)
        The mean state of each trial.
    sigma : jax.Array, shape (N,)
        The final state.

    Raises
    ------
    TypeError
        ``network`` is not a Network, ``key`` not a PRNG key, ``inputs`` / ``inverse_temperature`` / ``sigma``
        not real numbers, ``n_steps`` not an integer.
    ValueError
        ``inputs`` not (T, N) or not finite in the network's dtype; ``n_steps`` < 1;
        ``inverse_temperature`` not positive and finite in the network's dtype; ``sigma`` not (N,) in [-1, 1].

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> net = fepnet.Network.zeros(4)
    >>> response, sigma = fepnet.evoke(jax.random.key(0), net, jnp.full((3, 4), 5.0), n_steps=20)
    >>> response.shape, bool((response > 0.5).all())  # mean of CB(5) is L(5) = 0.8
    ((3, 4), True)
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
    """The recall score of couplings J on ``level * patterns`` (jitted, no argument checks).

    median over trials of corr(response, original)^2 - corr(noisy, original)^2 (module
    docstring): what :func:`recall_score` computes after its checks, for callers that batch
    it themselves (``jax.vmap`` over networks).

    Parameters
    ----------
    key : jax.Array
        A typed PRNG key.
    couplings : jax.Array, shape (N, N)
        J (the biases are the cues).
    patterns : jax.Array, shape (K, N)
        The patterns, before the evidence level.
    level : jax.Array, shape ()
        The evidence level, in J's dtype.
    sigma : jax.Array, shape (N,)
        The starting state.
    inverse_temperature : jax.Array, shape ()
        iT, in J's dtype.
    scale : jax.Array, shape ()
        Cue scale (0.1 in the paper), in J's dtype.
    noise : jax.Array, shape ()
        Relative noise (1 in the paper), in J's dtype.
    n_trials : int
        T; static.
    order : {"cycle", "random"}
        How cues pick patterns; static.
    n_steps : int
        Steps per trial; static.

    Returns
    -------
    ScoreResult
        ``score`` (), ``gains`` (T,), ``cues``, ``response`` (T, N), final ``sigma`` (N,).
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
    """The paper's recall score for ``patterns`` times ``evidence_level``: the median of corr(response, original)^2 - corr(noisy, original)^2.

    T trials of :func:`noisy_cues` (in ``order``) and :func:`evoke`; see the module
    docstring. Every float argument is checked finite after its cast to the network's dtype.

    Parameters
    ----------
    key : jax.Array
        A JAX PRNG key (split into the cues' key and the dynamics' key).
    network : Network
        J (N, N); its biases are replaced by the cues.
    patterns : array_like of float, shape (K, N)
        The patterns (before the evidence level).
    evidence_level : float, default 1.0
        x = evidence_level * pattern (the paper's evidence level, > 0).
    order : {"cycle", "random"}, default "cycle"
        Cues cycle through the patterns or draw them at random.
    n_trials : int, default 100
        T >= 1.
    n_steps : int, default 100
        Stochastic synchronous steps per trial, >= 1.
    inverse_temperature : float, default 1.0
        iT > 0.
    scale : float, default 0.1
        original = scale x, > 0.
    noise : float, default 1.0
        noisy = original + noise * std(original) * N(0, 1), >= 0.
    sigma : array_like of float, shape (N,), optional
        Starting state in [-1, 1]; default zeros.

    Returns
    -------
    ScoreResult
        ``score`` () the median gain, ``gains`` (T,), ``cues`` (:class:`Cues`), ``response`` (T, N),
        final ``sigma`` (N,).

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

    Examples
    --------
    Hebbian couplings of two random patterns (N = 16, a few trials, a fraction of a second):

    >>> import jax, fepnet
    >>> patterns = fepnet.data.random_patterns(jax.random.key(0), 2, 16)
    >>> net = fepnet.Network(0.1 * patterns.T @ patterns, zero_diagonal=True)
    >>> res = fepnet.recall_score(jax.random.key(2), net, patterns, evidence_level=5.0, n_trials=4, n_steps=20)
    >>> res.gains.shape, res.response.shape, bool(-1 <= res.score <= 1)
    ((4,), (4, 16), True)
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
    """Retrieval: :func:`recall_score` with cues cycling through the training patterns in order.

    The median over trials of corr(response, original)^2 - corr(noisy, original)^2, with
    trial t cueing pattern t mod K.

    Parameters
    ----------
    key : jax.Array
        A JAX PRNG key.
    network : Network
        J (N, N).
    train_patterns : array_like of float, shape (K, N)
        The training patterns (before the evidence level).
    **kwargs
        ``evidence_level``, ``n_trials``, ``n_steps``, ``inverse_temperature``, ``scale``,
        ``noise``, ``sigma``: as :func:`recall_score`.

    Returns
    -------
    ScoreResult

    Raises
    ------
    TypeError, ValueError
        As :func:`recall_score`.

    Examples
    --------
    >>> import jax, fepnet
    >>> patterns = fepnet.data.random_patterns(jax.random.key(0), 2, 16)
    >>> net = fepnet.Network(0.1 * patterns.T @ patterns, zero_diagonal=True)
    >>> fepnet.retrieval_score(jax.random.key(2), net, patterns, n_trials=4, n_steps=20).cues.index.tolist()
    [0, 1, 0, 1]
    """
    return recall_score(key, network, train_patterns, order="cycle", **kwargs)


def generalization_score(key, network: Network, test_patterns, **kwargs) -> ScoreResult:
    """One-shot generalisation: :func:`recall_score` with cues drawn at random from unseen test patterns.

    The median over trials of corr(response, original)^2 - corr(noisy, original)^2, each
    trial cueing a test pattern drawn uniformly with replacement.

    Parameters
    ----------
    key : jax.Array
        A JAX PRNG key.
    network : Network
        J (N, N).
    test_patterns : array_like of float, shape (K, N)
        Patterns the network was not trained on (before the evidence level).
    **kwargs
        ``evidence_level``, ``n_trials``, ``n_steps``, ``inverse_temperature``, ``scale``,
        ``noise``, ``sigma``: as :func:`recall_score`.

    Returns
    -------
    ScoreResult

    Raises
    ------
    TypeError, ValueError
        As :func:`recall_score`.

    Examples
    --------
    >>> import jax, fepnet
    >>> patterns = fepnet.data.random_patterns(jax.random.key(0), 2, 16)
    >>> net = fepnet.Network(0.1 * patterns.T @ patterns, zero_diagonal=True)
    >>> tests = fepnet.data.random_patterns(jax.random.key(3), 5, 16)
    >>> fepnet.generalization_score(jax.random.key(2), net, tests, n_trials=4, n_steps=20).gains.shape
    (4,)
    """
    return recall_score(key, network, test_patterns, order="random", **kwargs)

