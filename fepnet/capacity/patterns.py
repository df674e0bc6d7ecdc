"""The pattern families of the capacity experiment: random, biased and sign-binarised digits.

Every family gives ``(n_repeats, n_patterns, n_nodes)`` arrays of +-1 floats, one
independent set of K patterns per repeat:

- ``"random"``: dense patterns, P(+1) = 1/2 per entry (the paper's Simulation 5);
- ``"biased"``: P(+1) = (1 + a) / 2 with mean activity a = :data:`BIAS` = 0.4, so the
  patterns are correlated (the mean overlap of two of them is a^2 = 0.16);
- ``"digits"``: the 1797 scikit-learn digits with the paper's preprocessing
  (:func:`fepnet.data.preprocess_digits`: pixels squared, each image standardised), then
  the sign, with sign(0) = +1 (a standardised pixel exactly at its image's mean); each repeat
  draws its K digits without replacement. Digits have 64 pixels, so ``n_nodes`` must be 64
  (:data:`DIGITS_NODES`) and K <= 1797.
"""

from __future__ import annotations

import functools
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from ..infra import checks as v

__all__ = ["FAMILIES", "BIAS", "DIGITS_NODES", "pattern_family", "binary_digits"]

#: The pattern families of :func:`pattern_family` (module docstring): dense random, biased (mean activity :data:`BIAS`)
#: and sign-binarised digits; the ``family`` dimension of the capacity grid.
FAMILIES = ("random", "biased", "digits")
#: Mean activity a of the ``"biased"`` family: each entry is +1 with probability (1 + a) / 2 (mean overlap a^2 = 0.16).
BIAS = 0.4
#: N of the ``"digits"`` family, one node per pixel of the 8x8 scikit-learn digits (the only N it allows).
DIGITS_NODES = 64


@functools.lru_cache(maxsize=1)
def _binary_digits() -> np.ndarray:
    from sklearn.datasets import load_digits

    from ..data import preprocess_digits

    x = preprocess_digits(load_digits().data)  # float64, the images of fepnet.data.load_digits in order
    return np.where(x >= 0, 1.0, -1.0)


def binary_digits(dtype=None) -> jax.Array:
    """The 1797 scikit-learn digits, preprocessed as in the paper, then the sign (sign(0) = +1).

    Parameters
    ----------
    dtype : floating dtype, optional
        Default: JAX's default float.

    Returns
    -------
    jax.Array, shape (1797, 64)
        Entries +1.0 or -1.0.

    Raises
    ------
    TypeError
        ``dtype`` is not a floating dtype.

    Examples
    --------
    >>> from fepnet.capacity.patterns import binary_digits
    >>> binary_digits().shape
    (1797, 64)
    """
    dtype = v.float_dtype(dtype, "dtype")
    return jnp.asarray(_binary_digits(), dtype)


def pattern_family(key, family: str, n_repeats: int, n_patterns: int, n_nodes: int, dtype=None) -> jax.Array:
    """``n_repeats`` independent sets of K +-1 patterns of one family.

    Parameters
    ----------
    key : PRNG key
        Repeat r uses ``fold_in(key, r)``, so a repeat's patterns do not depend on ``n_repeats``.
    family : {"random", "biased", "digits"}
        See the module docstring.
    n_repeats : int
        R >= 1.
    n_patterns : int
        K >= 1 (digits: K <= 1797).
    n_nodes : int
        N >= 2 (digits: N = 64).
    dtype : floating dtype, optional
        Default: JAX's default float.

    Returns
    -------
    jax.Array, shape (R, K, N)
        Entries +1.0 or -1.0.

    Raises
    ------
    TypeError
        ``key`` not a PRNG key, counts not integers, ``dtype`` not floating.
    ValueError
        An unknown ``family``; R < 1, K < 1, N < 2; digits with N != 64 or K > 1797.

    Examples
    --------
    >>> import jax
    >>> from fepnet.capacity import pattern_family
    >>> P = pattern_family(jax.random.key(0), "random", 2, 3, 10)
    >>> P.shape, sorted(set(P.ravel().tolist()))
    ((2, 3, 10), [-1.0, 1.0])
    """
    key = v.prng_key(key)
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    n_repeats = v.count(n_repeats, "n_repeats", minimum=1)
    n_patterns = v.count(n_patterns, "n_patterns", minimum=1)
    n_nodes = v.count(n_nodes, "n_nodes", minimum=2)
    dtype = v.float_dtype(dtype, "dtype")
    keys = _repeat_keys(key, n_repeats)
    if family == "digits":
        if n_nodes != DIGITS_NODES:
            raise ValueError(f"n_nodes must be {DIGITS_NODES} for the digits family (8x8 images), got {n_nodes}")
        pool = binary_digits(dtype)
        if n_patterns > pool.shape[0]:
            raise ValueError(f"n_patterns must be <= {pool.shape[0]} (the digits, drawn without replacement), "
                             f"got {n_patterns}")
        return _draw_digits(keys, pool, n_patterns)
    p_plus = 0.5 if family == "random" else (1.0 + BIAS) / 2.0
    return _draw_signs(keys, p_plus, (n_patterns, n_nodes), np.dtype(dtype))


@partial(jax.jit, static_argnames=("n_repeats",))
def _repeat_keys(key, n_repeats: int):
    return jax.vmap(jax.random.fold_in, in_axes=(None, 0))(key, jnp.arange(n_repeats, dtype=jnp.uint32))


@partial(jax.jit, static_argnames=("n_patterns",))
def _draw_digits(keys, pool, n_patterns: int):
    """K rows of ``pool`` without replacement per key (the first K of a random permutation)."""
    return pool[jax.vmap(lambda k: jax.random.permutation(k, pool.shape[0])[:n_patterns])(keys)]


@partial(jax.jit, static_argnames=("shape", "dtype"))
def _draw_signs(keys, p_plus, shape, dtype):
    """+-1 arrays of ``shape`` per key, +1 with probability ``p_plus``."""
    plus = jax.vmap(lambda k: jax.random.bernoulli(k, p_plus, shape))(keys)
    return jnp.where(plus, 1.0, -1.0).astype(dtype)
