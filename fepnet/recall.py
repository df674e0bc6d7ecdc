"""Recall tests of stored +-1 patterns: retention, basin of attraction, noisy-cue reconstruction.

One concept, recall of stored patterns: the three tests share one batching, keying and checking
machinery, which a split would separate from its only callers.

Every test runs the network's own inference dynamics (:func:`fepnet.build_kernel`,
:func:`fepnet.run`, :func:`fepnet.relaxation.relax_state`): a deterministic update is the
mean-field step sigma_i <- L(iT h_i), h = J sigma + b (L the Langevin function; at
iT = 100 it is nearly sign(h)), a stochastic one draws sigma_i ~ CB(iT h_i). The
network's biases b enter h as they are (zero for :mod:`fepnet.storage` networks and for
a network trained with evidence reset to 0: the protocols' "zero bias").

- :func:`retention` (the paper's measure): start AT pattern xi, ``n_steps`` deterministic
  synchronous steps, score corr(final, xi). Tests fixed-point stability, not recall.
- :func:`basin_recall`: start from xi with round(rho N) signs flipped, deterministic
  updates (sequential or synchronous) until convergence; exact recall and overlap.
- :func:`reconstruction`: cue = xi + noise_sd sd(xi) z is the start state (mapped into
  [-1, 1] by L, or clipped) and is added to the biases; stochastic synchronous steps; the
  response, the mean state after burn-in, is scored by corr(response, xi).

Shapes: ``network`` holds J (..., N, N) and b (..., N) -- one network or a batch made with
``jax.tree_util`` (:mod:`fepnet.storage` returns one for batched patterns) -- and
``patterns`` is (..., K, N) with the same leading (repeat) axes, or any leading axes
when the network is a single one. Results are (..., K). The K patterns and the repeats
are one ``jax.vmap`` inside one ``jax.jit``; the functions also ``jax.vmap`` from outside.
Pattern k's result depends only on the network, pattern k and its key (fold_in of the
network's key with k), not on the other patterns: a caller running many K can pad the
patterns to one K (the network still built from the true ones) and share one compiled
program -- compilation, not the dynamics, dominates a grid of small N on a CPU.
Correlations are :func:`fepnet.scores.correlation` (batch-invariant tree sums; 0 for a
constant vector, so a network that collapses to sigma = 0 scores 0, never NaN).
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from . import cb_math
from .chain import run
from .cues import _std
from .infra import checks as v
from .kernels import ChainState, KernelParams, build_kernel
from .network import Network
from .reductions import tree_mean
from .relaxation import relax_state
from .scores import correlation
from .storage import check_patterns

__all__ = [
    "BasinResult",
    "RECALL_SCHEDULES",
    "RECONSTRUCTION_STARTS",
    "ReconstructionResult",
    "basin_recall",
    "corrupt",
    "flip_count",
    "reconstruction",
    "retention",
]

#: The deterministic update schedules of :func:`basin_recall`: ``"sequential"`` (one sweep = N single-site updates
#: in node order) or ``"synchronous"`` (one sweep = all nodes at once).
RECALL_SCHEDULES = ("sequential", "synchronous")
#: The start states of :func:`reconstruction`: ``"clip"`` (clip(cue, -1, 1)) or ``"langevin"`` (L(cue), the default).
RECONSTRUCTION_STARTS = ("clip", "langevin")


class BasinResult(NamedTuple):
    """Outcome of :func:`basin_recall`, each field of shape (..., K).

    Parameters
    ----------
    exact : jax.Array of bool
        sign(final_i) == xi_i at every node i.
    overlap : jax.Array
        m = (1/N) sum_i sign(final_i) xi_i, in [-1, 1].
    converged : jax.Array of bool
        The last sweep changed no node by ``tol`` or more.
    n_sweeps : jax.Array of int32
        Sweeps run.
    """

    exact: jax.Array
    overlap: jax.Array
    converged: jax.Array
    n_sweeps: jax.Array


class ReconstructionResult(NamedTuple):
    """Outcome of :func:`reconstruction`, each field of shape (..., K).

    Parameters
    ----------
    score : jax.Array
        corr(response, xi): the mean state after burn-in against the pattern.
    cue_correlation : jax.Array
        corr(cue, xi): what the noisy cue alone gives, for comparison.
    """

    score: jax.Array
    cue_correlation: jax.Array


def flip_count(flip_fraction, n_nodes):
    """The number of signs flipped by the basin test: m = floor(rho N + 1/2), rho N rounded half up.

    Parameters
    ----------
    flip_fraction : float or jax.Array
        rho in [0, 0.5] (unchecked).
    n_nodes : int
        N.

    Returns
    -------
    jax.Array of int32

    Examples
    --------
    >>> from fepnet.recall import flip_count
    >>> int(flip_count(0.05, 50)), int(flip_count(0.1, 32))
    (3, 3)
    """
    return jnp.floor(flip_fraction * n_nodes + 0.5).astype(jnp.int32)


def _flip(key, xi, m):
    """xi (N,) with exactly m of its entries, a uniformly random subset, negated."""
    rank = jnp.argsort(jnp.argsort(jax.random.uniform(key, xi.shape)))  # a uniform random permutation
    return jnp.where(rank < m, -xi, xi)


def _pattern_keys(key, k):
    """Pattern k's key: fold_in(key, k)."""
    return jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(k))


def _corrupt_one(key, P, rho):
    m = flip_count(rho, P.shape[-1])
    return jax.vmap(lambda kk, xi: _flip(kk, xi, m))(_pattern_keys(key, P.shape[0]), P)


# --- the per-network programs (unchecked; vmapped over patterns inside, over networks outside) ---------


def _params(J, b, it):
    return KernelParams(Network.tree_unflatten(None, (J, b)), it)


def _retention_one(J, b, P, it, n_steps):
    kernel = build_kernel("synchronous", stochastic=False)
    kp = _params(J, b, it)

    def one(xi):
        final, _ = run(kernel, None, ChainState(xi), kp, n_steps)
        return correlation(final.sigma, xi)

    return jax.vmap(one)(P)


def _retention_keyed(_key, J, b, P, it, n_steps):
    return _retention_one(J, b, P, it, n_steps)


def _basin_one(key, J, b, P, rho, it, tol, schedule, max_sweeps):
    kernel = build_kernel(schedule, stochastic=False)
    kp = _params(J, b, it)
    k, n = P.shape
    m = flip_count(rho, n)  # the same starts as corrupt(): _flip with pattern k's key

    def one(kk, xi):
        out = relax_state(kernel, None, _flip(kk, xi, m), kp, tol, max_sweeps)
        s = jnp.sign(out.sigma)
        return (jnp.all(s == xi), tree_mean(s * xi), out.converged, out.n_steps)

    return jax.vmap(one)(_pattern_keys(key, k), P)


def _reconstruction_one(key, J, b, P, noise_sd, it, n_steps, burn_in, start):
    kernel = build_kernel("synchronous", stochastic=True)
    k, n = P.shape

    def one(kk, xi):
        k_cue, k_run = jax.random.split(kk)
        cue = xi + noise_sd * _std(xi) * jax.random.normal(k_cue, (n,), xi.dtype)
        s0 = jnp.clip(cue, -1.0, 1.0) if start == "clip" else cb_math.langevin(cue)
        _, trace = run(kernel, k_run, ChainState(s0), _params(J, b + cue, it), n_steps, trace=True)
        response = tree_mean(trace[burn_in:], axis=0)  # the states after steps burn_in + 1 .. n_steps
        return correlation(response, xi), correlation(cue, xi)

    return jax.vmap(one)(_pattern_keys(key, k), P)


# --- batching over networks ----------------------------------------------------------------------------


def _check_network(network, patterns):
    """(J, b, P, batch shape): P (..., K, N) +-1; J (..., N, N) with P's leading axes, or one network."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    J, b = network.couplings, network.biases
    if J.ndim < 2 or J.shape[-1] != J.shape[-2] or b.shape != J.shape[:-1]:
        raise ValueError(f"network must hold couplings (..., N, N) and biases (..., N), got {tuple(J.shape)} "
                         f"and {tuple(b.shape)}")
    P = check_patterns(patterns, dtype=J.dtype, binary=True)
    n = J.shape[-1]
    if P.shape[-1] != n:
        raise ValueError(f"patterns have {P.shape[-1]} nodes but the network has {n}")
    net_batch, batch = J.shape[:-2], P.shape[:-2]
    if net_batch and net_batch != batch:
        raise ValueError(f"patterns' leading axes {batch} must equal the network batch's {net_batch} "
                         "(or pass one network)")
    return J, b, P, batch, bool(net_batch)


def _keys(key, batch):
    """One key per network: ``key`` of the batch shape as is; a single key folded with the flat index."""
    key = v.prng_key(key)
    if not jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.wrap_key_data(key)
    if key.shape == batch:
        return key.reshape(-1)
    if key.shape != ():
        raise ValueError(f"key must be one PRNG key or one per network (shape {batch}), got shape {key.shape}")
    return jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(math.prod(batch)))


@partial(jax.jit, static_argnames=("fn", "net_batched", "static"))
def _over_networks(fn, keys, J, b, P, scalars, net_batched, static):
    """fn(key, J, b, P, *scalars, *static) for each network of the flattened batch; outputs (R, K)."""
    n = P.shape[-1]
    flat_p = P.reshape((-1,) + P.shape[-2:])
    if net_batched:
        J, b, ax = J.reshape((-1, n, n)), b.reshape((-1, n)), 0
    else:
        ax = None
    return jax.vmap(lambda k, j, bb, p: fn(k, j, bb, p, *scalars, *static), in_axes=(0, ax, ax, 0))(keys, J, b, flat_p)


def _unflatten(out, batch):
    return jax.tree_util.tree_map(lambda x: x.reshape(batch + x.shape[1:]), out)


def _it(x, dtype):
    return v.positive_scalar(x, "inverse_temperature", dtype=dtype)


# --- the public functions -----------------------------------------------------------------------------


def retention(network: Network, patterns, *, inverse_temperature=100.0, n_steps: int = 150) -> jax.Array:
    """The paper's retention: corr(final, xi) after ``n_steps`` deterministic synchronous steps from xi.

    sigma_0 = xi, sigma_{t+1} = L(iT (J sigma_t + b)) for t < ``n_steps`` (exactly that many, no
    early stop: a converged state stays put), score r = corr(sigma_T, xi) (0 for a constant
    sigma_T). Measures whether xi is (near) a fixed point, not whether it is recalled from
    elsewhere: see :func:`basin_recall`.

    Parameters
    ----------
    network : fepnet.Network
        J (..., N, N), b (..., N); one network or a batch.
    patterns : array_like, shape (..., K, N)
        +-1 patterns; leading axes match the network batch's.
    inverse_temperature : float
        iT > 0 (100: nearly sign).
    n_steps : int
        Synchronous steps, >= 0.

    Returns
    -------
    jax.Array, shape (..., K)
        corr(final, xi) per pattern.

    Raises
    ------
    TypeError
        ``network`` not a Network; ``patterns`` / ``inverse_temperature`` not real; ``n_steps`` not an integer.
    ValueError
        ``patterns`` not (..., K >= 1, N >= 2), not +-1, of another N or batch than the network;
        ``inverse_temperature`` not positive and finite; ``n_steps`` < 0.

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> P = jax.random.rademacher(jax.random.key(0), (3, 32)).astype(jnp.float32)
    >>> r = fepnet.retention(fepnet.hebbian(P), P)
    >>> r.shape, bool(jnp.all(r > 0.99))  # 3 patterns in 32 nodes: fixed points
    ((3,), True)
    """
    J, b, P, batch, nb = _check_network(network, patterns)
    it = _it(inverse_temperature, J.dtype)
    n_steps = v.count(n_steps, "n_steps", minimum=0)
    keys = jnp.zeros((math.prod(batch),))  # unused: the program is deterministic
    out = _over_networks(_retention_keyed, keys, J, b, P, (it,), nb, (n_steps,))
    return _unflatten(out, batch)


def _check_rho(flip_fraction, dtype):
    rho = v.as_real_array(flip_fraction, "flip_fraction", dtype=dtype)
    if rho.ndim != 0:
        raise ValueError(f"flip_fraction must be a scalar, got shape {tuple(rho.shape)}")
    return v.in_interval(rho, "flip_fraction", 0.0, 0.5)


def corrupt(key, patterns, flip_fraction) -> jax.Array:
    """The starts of :func:`basin_recall`: each pattern with exactly floor(rho N + 1/2) random signs flipped.

    Pattern k of network r uses the key :func:`basin_recall` gives it (a single ``key`` folded
    with the flat index r, then with k), so ``corrupt(key, P, rho)`` are the very starts of
    ``basin_recall(key, network, P, rho)``.

    Parameters
    ----------
    key : jax.Array
        One PRNG key or one per leading index (shape ``patterns.shape[:-2]``).
    patterns : array_like, shape (..., K, N)
        +-1 patterns.
    flip_fraction : float
        rho in [0, 0.5].

    Returns
    -------
    jax.Array, shape (..., K, N)

    Raises
    ------
    TypeError, ValueError
        As for :func:`basin_recall`.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet.recall import corrupt
    >>> P = jax.random.rademacher(jax.random.key(0), (3, 32)).astype(jnp.float32)
    >>> (corrupt(jax.random.key(1), P, 0.1) != P).sum(axis=-1)  # floor(3.2 + 0.5) = 3 flips each
    Array([3, 3, 3], dtype=int32)
    """
    P = check_patterns(patterns, binary=True)
    batch = P.shape[:-2]
    rho = _check_rho(flip_fraction, P.dtype)
    flat = P.reshape((-1,) + P.shape[-2:])
    return jax.vmap(_corrupt_one, in_axes=(0, 0, None))(_keys(key, batch), flat, rho).reshape(P.shape)


def basin_recall(key, network: Network, patterns, flip_fraction, *, schedule: str = "sequential",
                 inverse_temperature=100.0, max_sweeps: int = 200, tol=1e-6) -> BasinResult:
    """Recall from a corrupted start: flip m = floor(rho N + 1/2) signs of xi, relax, compare signs.

    For each pattern xi, exactly m nodes chosen uniformly at random (independently per
    pattern) start at -xi_i, the rest at xi_i. The deterministic update sigma_i <- L(iT h_i),
    h = J sigma + b, is iterated with ``schedule``: "sequential" (one sweep = N single-site
    updates in node order 0 .. N-1, each seeing the newest states; the classic asynchronous
    convention) or "synchronous" (one sweep = all nodes at once). Stops when a sweep changes
    no node by ``tol`` or more (converged), on a period-2 orbit (synchronous only; not
    converged) or after ``max_sweeps`` sweeps. exact = all_i sign(final_i) == xi_i; overlap
    m = (1/N) sum_i sign(final_i) xi_i. A node at exactly 0 has sign 0 and counts as wrong
    (J = 0 relaxes every start to sigma = L(0) = 0: exact False, overlap 0).

    Parameters
    ----------
    key : jax.Array
        One PRNG key (folded with the flat network index for a batch) or one per network
        (shape = the batch shape); pattern k uses fold_in(network key, k).
    network : fepnet.Network
        J (..., N, N), b (..., N).
    patterns : array_like, shape (..., K, N)
        +-1 patterns.
    flip_fraction : float
        rho in [0, 0.5].
    schedule : {"sequential", "synchronous"}
    inverse_temperature : float
        iT > 0.
    max_sweeps : int
        Sweep cap, >= 1.
    tol : float
        Convergence tolerance on max abs(change) of a sweep, > 0.

    Returns
    -------
    BasinResult
        exact (..., K) bool, overlap (..., K), converged (..., K) bool, n_sweeps (..., K) int32.

    Raises
    ------
    TypeError
        As for :func:`retention`; ``key`` not a PRNG key; ``max_sweeps`` not an integer.
    ValueError
        As for :func:`retention`; ``flip_fraction`` outside [0, 0.5]; unknown ``schedule``;
        ``max_sweeps`` < 1; ``tol`` not positive; ``key`` of another shape than () or the batch.

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> P = jax.random.rademacher(jax.random.key(0), (3, 32)).astype(jnp.float32)
    >>> result = fepnet.basin_recall(jax.random.key(1), fepnet.hebbian(P), P, 0.1)
    >>> result.exact, result.overlap
    (Array([ True,  True,  True], dtype=bool), Array([1., 1., 1.], dtype=float32))
    """
    J, b, P, batch, nb = _check_network(network, patterns)
    if schedule not in RECALL_SCHEDULES:
        raise ValueError(f"schedule must be one of {RECALL_SCHEDULES}, got {schedule!r}")
    rho = _check_rho(flip_fraction, J.dtype)
    it = _it(inverse_temperature, J.dtype)
    tol = v.positive_scalar(tol, "tol", dtype=J.dtype)
    max_sweeps = v.count(max_sweeps, "max_sweeps", minimum=1)
    out = _over_networks(_basin_one, _keys(key, batch), J, b, P, (rho, it, tol), nb, (schedule, max_sweeps))
    return BasinResult(*_unflatten(out, batch))


def reconstruction(key, network: Network, patterns, *, noise_sd=2.0, inverse_temperature=1.0, n_steps: int = 20,
                   burn_in: int = 5, start: str = "langevin") -> ReconstructionResult:
    """Noisy-cue reconstruction: cue as start state and bias, stochastic synchronous steps, mean response.

    For each pattern xi: cue = xi + ``noise_sd`` sd(xi) z, z ~ N(0, I_N), sd the population
    standard deviation over nodes (1 for a balanced +-1 pattern), so corr(cue, xi) is about
    1 / sqrt(1 + noise_sd^2) (0.447 at 2). The chain starts at L(cue) (``start="langevin"``,
    the CB mean with the cue as bias) or clip(cue, -1, 1) (``start="clip"``) -- states live in
    [-1, 1], the raw cue does not; for the paper's Simulation 5 L(cue) comes closer to the
    published raw-cue column (K = 10: 0.976 vs 0.952 clipped, raw 0.977) -- and runs ``n_steps`` stochastic synchronous steps sigma ~ CB(iT (J sigma
    + b + cue)) (the cue added, unscaled, to the network's biases). The response is the mean
    of the states after steps burn_in + 1, .., n_steps (n_steps - burn_in states; the start
    state is never included); score = corr(response, xi), cue_correlation = corr(cue, xi).

    Parameters
    ----------
    key : jax.Array
        As for :func:`basin_recall`; pattern k uses fold_in(network key, k), split for the cue and the chain.
    network : fepnet.Network
    patterns : array_like, shape (..., K, N)
        +-1 patterns.
    noise_sd : float
        >= 0, in units of sd(xi).
    inverse_temperature : float
        iT > 0.
    n_steps, burn_in : int
        0 <= burn_in < n_steps.
    start : {"clip", "langevin"}

    Returns
    -------
    ReconstructionResult
        score (..., K), cue_correlation (..., K).

    Raises
    ------
    TypeError
        As for :func:`basin_recall`.
    ValueError
        As for :func:`retention`; ``noise_sd`` negative or not finite; ``n_steps`` < 1; ``burn_in``
        not in [0, n_steps); unknown ``start``; cues that could overflow the dtype.

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> P = jax.random.rademacher(jax.random.key(0), (3, 32)).astype(jnp.float32)
    >>> res = fepnet.reconstruction(jax.random.key(2), fepnet.hebbian(P), P, n_steps=10, burn_in=2)
    >>> res.score.shape, bool(jnp.all(res.score > res.cue_correlation))  # better than the cue
    ((3,), True)
    """
    J, b, P, batch, nb = _check_network(network, patterns)
    noise = v.nonnegative_scalar(noise_sd, "noise_sd", dtype=J.dtype)
    it = _it(inverse_temperature, J.dtype)
    n_steps = v.count(n_steps, "n_steps", minimum=1)
    burn_in = v.count(burn_in, "burn_in", minimum=0, maximum=n_steps - 1)
    if start not in RECONSTRUCTION_STARTS:
        raise ValueError(f"start must be one of {RECONSTRUCTION_STARTS}, got {start!r}")
    if v.is_concrete(noise) and not float(noise) * 9.0 + 1.0 < float(jnp.finfo(J.dtype).max) / 2:
        raise ValueError(f"noise_sd={float(noise):g} would let the cues overflow {J.dtype}")
    out = _over_networks(_reconstruction_one, _keys(key, batch), J, b, P, (noise, it), nb, (n_steps, burn_in, start))
    return ReconstructionResult(*_unflatten(out, batch))
