"""Batch-invariant reductions: sums as a fixed binary tree of elementwise additions.

XLA's CPU backend vectorises a reduction across the batch axis when the batch
is large enough, which changes the order of the additions and so the last bits
of the result: ``jax.vmap(jnp.sum)`` over 16 rows need not equal 16 separate
sums. A sweep must give every network the same bits whatever the chunk size or
the number of devices, so the scores sum this way instead: the last axis is
zero-padded to a power of two and halved, ``x[:h] + x[h:]``, until one value is
left. Elementwise additions keep their order under any vectorisation.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["tree_sum", "tree_mean", "power_of_two_scale"]


def tree_sum(x, axis: int = -1):
    """Sum over ``axis`` by pairwise halving, in an order fixed by the length alone (batch-invariant).

    The axis is zero-padded to a power of two and halved, ``x[:h] + x[h:]``, until one value
    is left, so ``jax.vmap(tree_sum)`` gives every row the same bits as a call on that row alone.

    Parameters
    ----------
    x : array_like of float
        Any shape.
    axis : int, default -1
        The axis summed over.

    Returns
    -------
    jax.Array
        ``x``'s shape without ``axis``; 0 for an empty axis.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.reductions import tree_sum
    >>> float(tree_sum(jnp.arange(5.0)))
    10.0
    """
    # The barrier materialises x first: whatever produced it (a product, say) cannot be fused into the
    # additions, where the compiler could contract it into a fused multiply-add in some programs and not others.
    x = jax.lax.optimization_barrier(jnp.moveaxis(jnp.asarray(x), axis, -1))
    n = x.shape[-1]
    if n == 0:
        return jnp.zeros(x.shape[:-1], x.dtype)
    width = 1 << (n - 1).bit_length()
    if width != n:
        x = jnp.concatenate([x, jnp.zeros(x.shape[:-1] + (width - n,), x.dtype)], axis=-1)
    while x.shape[-1] > 1:
        half = x.shape[-1] // 2
        x = x[..., :half] + x[..., half:]
    return x[..., 0]


def tree_mean(x, axis: int = -1):
    """Mean over ``axis`` as :func:`tree_sum` / length (batch-invariant).

    Parameters
    ----------
    x : array_like of float
        Any shape.
    axis : int, default -1
        The axis averaged over.

    Returns
    -------
    jax.Array
        ``x``'s shape without ``axis``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.reductions import tree_mean
    >>> float(tree_mean(jnp.arange(5.0)))
    2.0
    """
    x = jnp.asarray(x)
    return tree_sum(x, axis) / x.shape[axis]


def power_of_two_scale(x):
    """The power of two 2^k with max abs(x) / 2^k in [1, 2), along the last axis.

    Dividing by a power of two is exact, so a scale-free result (a correlation, a
    standardised vector) computed from ``x / power_of_two_scale(x)[..., None]`` has the
    same bits as from x itself wherever x's own sums of squares stay in range, and
    stays finite and accurate where they would not (x of 1e20 or 1e-25 in float32).
    k is clipped so that 2^k and 2^-k are normal numbers; an all-zero row gives 1/2.
    The maximum is exact in any order, so this is batch-invariant as well.

    Parameters
    ----------
    x : array_like of float, shape (..., N)

    Returns
    -------
    jax.Array, shape (...)
        2^k, in x's dtype.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.reductions import power_of_two_scale
    >>> power_of_two_scale(jnp.array([[3.0, -5.0], [0.0, 0.0], [0.1, 0.2]])).tolist()
    [4.0, 0.5, 0.125]
    """
    x = jnp.asarray(x)
    info = jnp.finfo(x.dtype)
    top = jnp.max(jnp.abs(x), axis=-1, initial=0.0)
    _, e = jnp.frexp(top)
    k = jnp.clip(e - 1, info.minexp + 1, info.maxexp - 2)
    uint = jnp.dtype(f"uint{8 * x.dtype.itemsize}")
    # 2^k built from its bits (exponent field k + bias, mantissa 0): exact for every k
    return jax.lax.bitcast_convert_type((k + (info.maxexp - 1)).astype(uint) << info.nmant, x.dtype)
