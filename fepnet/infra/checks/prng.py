"""Randomness arguments: a PRNG seed (an integer up to ``SEED_MAX``) and a JAX PRNG key.

:func:`seed` accepts what ``jax.random.key`` accepts; :func:`prng_key` accepts a typed key
(``jax.random.key``) or a legacy uint32 key (``jax.random.PRNGKey``), never an integer seed.
"""

from __future__ import annotations

import numpy as np
import jax
import jax.numpy as jnp

from .scalars import count

__all__ = ["prng_key", "seed"]

SEED_MAX = int(np.iinfo(np.int64).max)


def seed(x, name: str = "seed") -> int:
    """A PRNG seed: an integer in [0, 2**63 - 1] (what ``jax.random.key`` accepts).

    Parameters
    ----------
    x : int
        The seed.
    name : str
        The argument's name in messages.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        For a non-integer.
    ValueError
        Outside [0, 2**63 - 1].

    Examples
    --------
    >>> from fepnet.infra.checks import seed
    >>> seed(42)
    42
    """
    return count(x, name, minimum=0, maximum=SEED_MAX)


def prng_key(key, name: str = "key"):
    """A JAX PRNG key: a typed key (``jax.random.key``) or a legacy uint32 key (``jax.random.PRNGKey``).

    Parameters
    ----------
    key : jax.Array
        The key (or an array of keys).
    name : str
        The argument's name in messages.

    Returns
    -------
    jax.Array
        ``key`` unchanged.

    Raises
    ------
    TypeError
        For an integer seed or any other array.

    Examples
    --------
    >>> import jax
    >>> from fepnet.infra.checks import prng_key
    >>> prng_key(jax.random.key(0)).shape
    ()
    >>> prng_key(0)
    Traceback (most recent call last):
        ...
    TypeError: key must be a JAX PRNG key (jax.random.key(seed)), got int
    """
    if not isinstance(key, (jax.Array, np.ndarray)):
        raise TypeError(f"{name} must be a JAX PRNG key (jax.random.key(seed)), got {type(key).__name__}")
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    if key.dtype == jnp.uint32 and key.shape[-1:] == (2,):
        return key
    raise TypeError(f"{name} must be a JAX PRNG key (jax.random.key(seed)), got dtype {key.dtype}")
