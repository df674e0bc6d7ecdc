"""The FEP networks of the capacity experiment: ``fepnet.train``'s loop, vmapped over many networks.

The paper's Simulation 5 protocol (:data:`PROTOCOL`): evidence level 2, iT = 1, learning rate
0.0005, 10,000 random-order epochs of 10 synchronous stochastic learning steps, the state reset
to 0 at the start of every epoch, zero diagonal, no precision weighting. Network b of a batch is
``fepnet.train(keys[b], patterns[b, :K_b], order="random", reset_state=True, ...)`` bit for bit:
the same key split, the same pattern order (:func:`fepnet.training.pattern_order`) and the same
jitted epochs (:func:`fepnet.training.run_epochs`), vmapped. Networks of different K share a
batch: the patterns are padded to the batch's largest K and each network draws its pattern
indices below its own K, so the padding is never read.

The batch runs in chunks of networks (each chunk's batch axis sharded over the devices, as the
sweep engine does; on CPU ``jax_num_cpu_devices`` = 2 uses both cores) and of epochs, under one
progress bar; an interrupt lands at the end of the running chunk.
"""

from __future__ import annotations

import time
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..infra import checks as v
from ..infra.progress import check_interrupt, chunk_bounds, progress_bar
from ..paper.protocols import SIM5
from ..training import pattern_order, run_epochs

__all__ = ["Protocol", "PROTOCOL", "train_networks"]


class Protocol(NamedTuple):
    """The FEP training settings of the capacity experiment (defaults: the paper's Simulation 5).

    Parameters
    ----------
    n_epochs : int
        Random-order epochs (10,000).
    steps_per_epoch : int
        Synchronous learning steps per epoch (10).
    evidence_level : float
        b = evidence_level * pattern during the pattern's epoch (2).
    inverse_temperature : float
        iT of the training dynamics (1).
    learning_rate : float
        alpha (0.0005).

    Examples
    --------
    >>> from fepnet.capacity import Protocol
    >>> Protocol(n_epochs=500)
    Protocol(n_epochs=500, steps_per_epoch=10, evidence_level=2.0, inverse_temperature=1.0, learning_rate=0.0005)
    """

    n_epochs: int = SIM5["n_epochs"]
    steps_per_epoch: int = SIM5["steps_per_epoch"]
    evidence_level: float = SIM5["evidence_level"]
    inverse_temperature: float = SIM5["inverse_temperature"]
    learning_rate: float = SIM5["learning_rate"]


#: The default FEP training of the capacity experiment: :class:`Protocol` with the paper's Simulation 5 settings
#: (10,000 random-order epochs of 10 synchronous steps, evidence level 2, iT = 1, learning rate 0.0005).
PROTOCOL = Protocol()


@partial(jax.jit, static_argnames=("n_epochs",))
def _orders(keys, n_patterns, n_epochs: int):
    """(step keys (B,), pattern index (B, E)): ``fepnet.train``'s split and order per network."""

    def one(key, k):
        k_order, k_steps = jax.random.split(key)
        return k_steps, pattern_order(k_order, k, n_epochs, "random")

    return jax.vmap(one)(keys, n_patterns)


@partial(jax.jit, static_argnames=("steps_per_epoch",))
def _advance(k_steps, couplings, sigma, scaled, index, it, lr, first_epoch, *, steps_per_epoch: int):
    """Epochs ``first_epoch + arange(E)`` of every network of a chunk: run_epochs vmapped, reset_state=True."""
    from ..learning import LearningState

    def one(k, J, s, p, i):
        state, _ = run_epochs(k, LearningState(J, s), p, i, it, lr, steps_per_epoch=steps_per_epoch,
                              first_epoch=first_epoch, reset_state=True)
        return state.couplings, state.sigma

    return jax.vmap(one)(k_steps, couplings, sigma, scaled, index)


def train_networks(keys, patterns, n_patterns, *, protocol: Protocol = PROTOCOL, chunk_networks: int = 40,
                   chunk_epochs: int = 2500, devices=None, progress: bool = True, desc: str = "train FEP"):
    """Train B FEP networks with ``protocol``, each on its own patterns (vmapped ``fepnet.train``).

    Parameters
    ----------
    keys : PRNG key array, shape (B,)
        Network b's key, used exactly as ``fepnet.train`` uses its key.
    patterns : array_like, shape (B, K_max, N)
        +-1 patterns, padded beyond each network's K (the padding is never read).
    n_patterns : array_like of int, shape (B,)
        K_b, 1 <= K_b <= K_max.
    protocol : Protocol
        The training settings (default: the paper's Simulation 5).
    chunk_networks : int
        Networks per compiled call (rounded up to a multiple of the device count; the last
        chunk is padded by repeating its last network, so every chunk has one shape).
    chunk_epochs : int
        Epochs per compiled call (the result does not depend on it).
    devices : sequence of jax.Device, optional
        What each chunk's batch is sharded over (default: every visible device).
    progress : bool
        Show a progress bar over network-steps.
    desc : str
        The bar's label.

    Returns
    -------
    numpy.ndarray, shape (B, N, N)
        The learned couplings J (row i: the couplings into node i), zero diagonal.

    Raises
    ------
    TypeError
        ``keys`` not PRNG keys; ``patterns`` not real numbers.
    ValueError
        Shapes that do not match; K_b outside [1, K_max]; bad counts in ``protocol``.
    FloatingPointError
        A network's couplings became non-finite (lower the learning rate).
    KeyboardInterrupt
        At the end of the chunk during which an interrupt arrived.

    Examples
    --------
    Two networks of 8 nodes, with K = 1 and K = 2 (not run as a doctest: about 6 s on a loaded
    2-core CPU, mostly compilation):

    >>> import jax, jax.numpy as jnp, numpy as np
    >>> from fepnet.capacity import Protocol, train_networks
    >>> J = train_networks(jax.random.split(jax.random.key(0), 2), jnp.ones((2, 2, 8)), np.array([1, 2]),
    ...                    protocol=Protocol(n_epochs=5), progress=False)  # doctest: +SKIP
    >>> J.shape  # doctest: +SKIP
    (2, 8, 8)
    """
    keys = v.prng_key(keys) if np.ndim(keys) == 0 else keys
    if not jnp.issubdtype(getattr(keys, "dtype", None), jax.dtypes.prng_key) or keys.ndim != 1:
        raise TypeError("keys must be a 1-d array of typed PRNG keys (jax.random.split(jax.random.key(s), B))")
    patterns = v.as_real_array(patterns, "patterns", ndim=3)
    b, k_max, n = patterns.shape
    if b != keys.shape[0] or k_max < 1 or n < 2:
        raise ValueError(f"patterns must have shape ({keys.shape[0]}, K_max >= 1, N >= 2), got {patterns.shape}")
    counts = np.asarray(n_patterns)
    if counts.shape != (b,) or not np.issubdtype(counts.dtype, np.integer) or counts.min() < 1 or counts.max() > k_max:
        raise ValueError(f"n_patterns must be ({b},) integers in [1, {k_max}], got {n_patterns!r}")
    n_epochs = v.count(protocol.n_epochs, "n_epochs", minimum=0)
    steps = v.count(protocol.steps_per_epoch, "steps_per_epoch", minimum=1)
    chunk_epochs = v.count(chunk_epochs, "chunk_epochs", minimum=1)
    dtype = patterns.dtype
    level = v.positive_scalar(protocol.evidence_level, "evidence_level")
    it = v.positive_scalar(protocol.inverse_temperature, "inverse_temperature", dtype=dtype)
    lr = v.nonnegative_scalar(protocol.learning_rate, "learning_rate", dtype=dtype)
    scaled = v.as_real_array(patterns * level, "evidence_level * patterns", dtype=dtype)

    devices = list(jax.devices()) if devices is None else list(devices)
    n_dev = len(devices)
    size = -(-v.count(chunk_networks, "chunk_networks", minimum=1) // n_dev) * n_dev
    size = min(size, -(-b // n_dev) * n_dev)
    mesh = jax.sharding.Mesh(np.asarray(devices), ("batch",))
    batch = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("batch"))

    out = np.zeros((b, n, n), dtype)
    epoch_bounds = chunk_bounds(n_epochs, chunk_epochs)
    t0 = time.perf_counter()
    with progress_bar(total=b * n_epochs * steps, desc=desc, unit="step", enable=progress) as bar:
        for begin in chunk_bounds(b, size)[:-1]:
            idx = np.arange(begin, min(begin + size, b))
            padded = np.concatenate([idx, np.full(size - idx.size, idx[-1])])
            k_steps, index = _orders(keys[padded], jnp.asarray(counts[padded], jnp.int32), n_epochs)
            k_steps, p = jax.device_put((k_steps, scaled[padded]), batch)
            J = jax.device_put(jnp.zeros((size, n, n), dtype), batch)
            s = jax.device_put(jnp.zeros((size, n), dtype), batch)
            for start, stop in zip(epoch_bounds[:-1], epoch_bounds[1:]):
                J, s = _advance(k_steps, J, s, p, jax.device_put(index[:, start:stop], batch), it, lr,
                                jnp.int32(start), steps_per_epoch=steps)
                jax.block_until_ready(J)
                check_interrupt()
                bar.update(idx.size * (stop - start) * steps)
                bar.set_postfix_str(f"{bar.n / (time.perf_counter() - t0):,.0f} network-steps/s")
            out[idx] = np.asarray(J)[: idx.size]
    bad = ~np.isfinite(out).all(axis=(1, 2))
    if bad.any():
        raise FloatingPointError(f"{int(bad.sum())} network(s) ended with non-finite couplings (first: network "
                                 f"{int(np.argmax(bad))}); lower learning_rate")
    return out
