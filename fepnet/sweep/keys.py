"""The PRNG keys of a sweep's networks.

Seed s gives k_s = fold_in(key, s). With common random numbers every network
of seed s uses k_s: the same pattern order and the same uniforms at every grid
point, so differences across the grid are not confounded by sampling noise,
and a network's result depends only on its settings and its seed, never on the
rest of the grid. Otherwise point p of the grid (flat C-order index over the
swept settings other than ``n_epochs``) uses fold_in(k_s, p). A network key
splits into (k_train, k_score), as the single-network pipeline of
``fepnet.paper`` splits its key.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..infra import checks as v

__all__ = ["root_key", "network_key", "network_key_data"]


def root_key(key):
    """The sweep's root key as a typed PRNG key of shape ().

    Parameters
    ----------
    key : jax.Array
        A typed key (``jax.random.key``) or raw key data (``jax.random.PRNGKey``).

    Returns
    -------
    jax.Array
        A typed key, shape ().

    Raises
    ------
    TypeError
        ``key`` is not a PRNG key.
    ValueError
        ``key`` is a batch of keys.

    Examples
    --------
    >>> import jax
    >>> from fepnet.sweep.keys import root_key
    >>> root_key(jax.random.PRNGKey(0)).shape, root_key(jax.random.key(0)).dtype
    ((), key<fry>)
    """
    key = v.prng_key(key)
    if not jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.wrap_key_data(key)
    if key.shape != ():
        raise ValueError(f"key must be a single PRNG key, got shape {key.shape}")
    return key


def network_key(key, seed: int, point: int | None = None):
    """The key of one network of a sweep.

    fold_in(key, seed) with common random numbers (``point=None``), else
    fold_in(fold_in(key, seed), point). ``train`` gets its first split and the
    scores its second, as in ``fepnet.paper``.

    Parameters
    ----------
    key : jax.Array
        The sweep's root key (see :func:`root_key`).
    seed : int
        The network's seed, >= 0.
    point : int, optional
        The grid point's flat index (independent keys only), >= 0.

    Returns
    -------
    jax.Array
        A typed key, shape ().

    Raises
    ------
    TypeError
        ``key`` not a PRNG key; ``seed`` or ``point`` not an integer.
    ValueError
        ``key`` a batch of keys; ``seed`` or ``point`` negative.

    Examples
    --------
    >>> import jax, fepnet
    >>> k = fepnet.sweep.network_key(jax.random.key(0), seed=1)
    >>> bool((jax.random.key_data(k) == jax.random.key_data(jax.random.fold_in(jax.random.key(0), 1))).all())
    True
    """
    k = jax.random.fold_in(root_key(key), v.count(seed, "seed"))
    return k if point is None else jax.random.fold_in(k, v.count(point, "point"))


def network_key_data(root, seeds, points=None) -> np.ndarray:
    """The raw key data of many networks at once: :func:`network_key` for each, bit for bit (vmapped fold_in).

    Parameters
    ----------
    root : jax.Array
        The typed root key, shape () (from :func:`root_key`).
    seeds : array_like of int, shape (B,)
        Each network's seed.
    points : array_like of int, shape (B,), optional
        Each network's grid point (independent keys); ``None``: common random numbers.

    Returns
    -------
    numpy.ndarray, shape (B, key size)
        ``jax.random.key_data`` of the B network keys (uint32).

    Examples
    --------
    >>> import jax
    >>> from fepnet.sweep.keys import network_key_data, root_key
    >>> network_key_data(root_key(jax.random.key(0)), [0, 1, 2]).shape  # threefry keys: 2 words
    (3, 2)
    """
    keys = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(root, jnp.asarray(seeds, jnp.uint32))
    if points is not None:
        keys = jax.vmap(jax.random.fold_in)(keys, jnp.asarray(points, jnp.uint32))
    return np.asarray(jax.random.key_data(keys))
