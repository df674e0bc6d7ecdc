"""One compiled chunk of a sweep: the single-network pipeline, ``jax.vmap``-ed over networks in one ``jax.jit``.

Each network runs the paper's pipeline: random-order FEP training (the steps of
``fepnet.train``, Delta J_ij = alpha (sigma_i sigma_j - L(h_i) sigma_j)), then
at every checkpoint the retrieval and one-shot generalisation scores
(``fepnet.scores.score_couplings``) and the zero-bias deterministic relaxation
from L(scale * level * pattern) (``fepnet.relaxation.relax_state``). The learned
couplings are bit-identical to ``train``'s; the scores agree to float32 rounding
(inside the larger program the compiler may fuse a multiply-add differently).
Sums over nodes are batch-invariant tree sums (:mod:`fepnet.reductions`), so a
network's bits do not depend on the chunk it runs in.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import cb
from ..attractors import unique_mask
from ..geometry import orthogonality
from ..kernels import KernelParams, build_kernel
from ..learning import init_learning_state
from ..network import Network
from ..reductions import tree_sum
from ..relaxation import relax_state
from ..scores import score_couplings
from ..training import pattern_order, run_epochs

__all__ = ["ChunkSettings", "ChunkOutputs", "run_chunk", "attractor_metrics"]


class ChunkSettings(NamedTuple):
    """The hashable loop lengths and options of one compiled chunk program (its static argument).

    Parameters
    ----------
    checkpoints : tuple of int
        Epoch counts evaluated, increasing; training runs to the last.
    steps_per_epoch : int
    order : str
        Pattern order during training (``fepnet.training.ORDERS``).
    n_trials, n_steps : int
        Score trials and steps per trial.
    max_steps : int
        Relaxation step cap.
    keep_couplings : bool
        Return each checkpoint's couplings.
    key_impl : str
        The PRNG implementation of the key data (``str(jax.random.key_impl(key))``).
    """

    checkpoints: tuple
    steps_per_epoch: int
    order: str
    n_trials: int
    n_steps: int
    max_steps: int
    keep_couplings: bool
    key_impl: str


class ChunkOutputs(NamedTuple):
    """Per network (leading axis B), one row per checkpoint (C).

    Parameters
    ----------
    retrieval, generalization, asymmetry, coupling_norm : jax.Array, shape (B, C)
    end_states : jax.Array, shape (B, C, K, N)
        The relaxed states from the K training patterns.
    converged : jax.Array, shape (B, C, K)
    couplings : jax.Array, shape (B, C, N, N), or None
        Only with ``ChunkSettings.keep_couplings``.
    """

    retrieval: jax.Array
    generalization: jax.Array
    asymmetry: jax.Array
    coupling_norm: jax.Array
    end_states: jax.Array
    converged: jax.Array
    couplings: jax.Array | None


def _evaluate(key, J, level, start_scale, train_p, test_p, ev, static: ChunkSettings):
    """Scores and attractor end states of couplings J (one network, one checkpoint)."""
    dtype = J.dtype
    n = J.shape[-1]
    it_eval, scale, noise, tol = ev
    k_ret, k_gen = jax.random.split(key)
    zeros = jnp.zeros((n,), dtype)
    ret = score_couplings(k_ret, J, train_p, level, zeros, it_eval, scale, noise, static.n_trials, "cycle",
                          static.n_steps)
    gen = score_couplings(k_gen, J, test_p, level, zeros, it_eval, scale, noise, static.n_trials, "random",
                          static.n_steps)
    network = Network.tree_unflatten(None, (J, zeros))
    kparams = KernelParams(network, jnp.ones((), dtype))
    kernel = build_kernel("synchronous", stochastic=False)
    starts = cb.langevin(start_scale * train_p)
    relaxed = jax.vmap(lambda s: relax_state(kernel, None, s, kparams, tol, static.max_steps))(starts)
    norm = jnp.sqrt(tree_sum(jnp.ravel(J * J)))  # batch-invariant sums (fepnet.reductions)
    skew = J - J.T
    asymmetry = jnp.where(norm > 0, jnp.sqrt(tree_sum(jnp.ravel(skew * skew))) / jnp.where(norm > 0, norm, 1.0), 0.0)
    return (ret.score, gen.score, asymmetry, norm, relaxed.sigma, relaxed.converged)


def _one_network(key_data, level, it, lr, start_scale, train_p, test_p, ev, static: ChunkSettings):
    """Train one network to every checkpoint and evaluate it there (unbatched :class:`ChunkOutputs`)."""
    key = jax.random.wrap_key_data(key_data, impl=static.key_impl)
    k_train, k_score = jax.random.split(key)
    k_order, k_steps = jax.random.split(k_train)
    index = pattern_order(k_order, train_p.shape[0], static.checkpoints[-1], static.order)
    state = init_learning_state(train_p.shape[1])
    state = state._replace(couplings=state.couplings.astype(train_p.dtype), sigma=state.sigma.astype(train_p.dtype))
    scaled = train_p * level
    rows, couplings, start = [], [], 0
    for stop in static.checkpoints:
        if stop > start:
            state, _ = run_epochs(k_steps, state, scaled, index[start:stop], it, lr,
                                  steps_per_epoch=static.steps_per_epoch, first_epoch=start)
        rows.append(_evaluate(k_score, state.couplings, level, start_scale, train_p, test_p, ev, static))
        couplings.append(state.couplings)
        start = stop
    stacked = [jnp.stack(x) for x in zip(*rows)]
    return ChunkOutputs(*stacked, jnp.stack(couplings) if static.keep_couplings else None)


@partial(jax.jit, static_argnames=("static",))
def run_chunk(key_data, level, it, lr, start_scale, train_p, test_p, ev, static: ChunkSettings) -> ChunkOutputs:
    """One chunk of networks: the single-network pipeline vmapped over the leading (sharded) axis.

    Parameters
    ----------
    key_data : jax.Array, shape (B, key size)
        Raw key data of each network (:func:`fepnet.sweep.keys.network_key_data`).
    level, it, lr : jax.Array, shape (B,)
        Evidence level, inverse temperature and learning rate of each network.
    start_scale : jax.Array, shape (B,)
        scale * level: the attractor starts are L(start_scale * pattern).
    train_p : jax.Array, shape (K, N)
        Training patterns (shared by the chunk).
    test_p : jax.Array, shape (M, N)
        Test patterns for the generalisation score.
    ev : jax.Array, shape (4,)
        The evaluation's inverse temperature, scale, noise and tolerance.
    static : ChunkSettings
        Loop lengths and options (static: one compiled program per value).

    Returns
    -------
    ChunkOutputs
        Per network and checkpoint: retrieval, generalization, asymmetry, coupling_norm (B, C),
        end_states (B, C, K, N), converged (B, C, K) and couplings (B, C, N, N) or None.

    Examples
    --------
    Not run as a doctest: compiling the chunk program takes tens of seconds on a 2-core CPU.
    :func:`fepnet.run_sweep` builds these arguments; by hand, for B = 2 networks:

    >>> import jax, jax.numpy as jnp
    >>> from fepnet.sweep.keys import network_key_data, root_key
    >>> from fepnet.sweep.pipeline import ChunkSettings, run_chunk
    >>> static = ChunkSettings(checkpoints=(3,), steps_per_epoch=2, order="random", n_trials=2, n_steps=3,
    ...                        max_steps=5, keep_couplings=False, key_impl="threefry2x32")
    >>> ones = jnp.ones(2)
    >>> out = run_chunk(network_key_data(root_key(jax.random.key(0)), [0, 1]), ones, ones, 0.001 * ones,
    ...                 0.1 * ones, jnp.ones((2, 4)), jnp.ones((1, 4)), jnp.array([1.0, 0.1, 1.0, 1e-6]),
    ...                 static)  # doctest: +SKIP
    >>> out.retrieval.shape  # doctest: +SKIP
    (2, 1)
    """
    return jax.vmap(partial(_one_network, static=static), in_axes=(0, 0, 0, 0, 0, None, None, None))(
        key_data, level, it, lr, start_scale, train_p, test_p, ev)


@partial(jax.jit, static_argnames=("decimals",))
def _geometry(rounded, decimals):
    """Distinct-row masks, counts and orthogonality of rounded end states (..., K, N), in one program."""
    flat = rounded.reshape((-1,) + rounded.shape[-2:])
    keep = jax.vmap(lambda x: unique_mask(x, decimals))(flat)
    orth = jax.vmap(lambda x, m: orthogonality(x, mask=m))(flat, keep)
    lead = rounded.shape[:-2]
    return keep.sum(-1).reshape(lead), orth.reshape(lead)


def attractor_metrics(end_states, converged, decimals: int, dtype):
    """Attractor count, orthogonality and converged fraction per network and checkpoint.

    The end states are rounded in float64 to ``decimals`` as ``deduplicate``
    does, then the distinct rows and their orthogonality (mean abs(90 - angle)
    between distinct attractors) are found with ``unique_mask`` and
    ``orthogonality`` with a row mask: what ``paper_attractors`` gives.

    Parameters
    ----------
    end_states : array_like, shape (B, C, K, N)
    converged : numpy.ndarray of bool, shape (B, C, K)
    decimals : int
    dtype : numpy.dtype
        The float dtype the rounded states are compared in.

    Returns
    -------
    count : numpy.ndarray of int32, shape (B, C)
        Distinct attractors.
    orthogonality : numpy.ndarray of float64, shape (B, C)
        Mean abs(90 - angle) in degrees between distinct attractors (NaN with fewer than two).
    converged_fraction : numpy.ndarray, shape (B, C)
        Fraction of the K relaxations that converged.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.sweep.pipeline import attractor_metrics
    >>> ends = np.array([[[[1.0, 1.0], [1.0, 1.001], [1.0, -1.0]]]])  # B = C = 1, K = 3, N = 2
    >>> attractor_metrics(ends, np.ones((1, 1, 3), bool), 2, np.float32)  # two distinct, at 90 degrees
    (array([[2]], dtype=int32), array([[0.]]), array([[1.]]))
    """
    rounded = np.round(np.asarray(end_states, np.float64), decimals) + 0.0
    count, orth = _geometry(jnp.asarray(rounded.astype(dtype)), decimals)
    return np.asarray(count, np.int32), np.asarray(orth, np.float64), converged.mean(axis=-1)
