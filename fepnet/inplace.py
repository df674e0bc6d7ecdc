"""Whole-matrix operations on couplings J (N, N) that hold one N x N buffer, not two.

At N = 50,000 in float32, J is 10 GB; an eager ``J * (1 - jnp.eye(n))`` would allocate
the identity (10 GB), its complement and the product, and ``jnp.where(upper, w, w.T)``
keeps w and the result alive together. These helpers are jitted so XLA fuses the
elementwise work into one pass, and the ones that take a buffer they may overwrite
donate it (``donate_argnums``), so the result reuses its memory. The arithmetic is that
of the eager expressions they replace (the same operations on the same values), so the
results are bit-identical; tests/test_fepnet/test_large.py checks this.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.extend.random import define_prng_impl, threefry2x32_p

__all__ = ["zero_diagonal", "random_couplings", "mirror_upper", "largest_field"]

# Rows per block of the in-place mirror: 16 float32 columns are one 64-byte cache line.
MIRROR_BLOCK = 16
# Entries per row block of largest_field.
FIELD_BLOCK = 1 << 20


@jax.jit
def largest_field(J, b):
    """The largest field magnitude any state can give: max_i (abs(b_i) + sum_j abs(J_ij)).

    A bound on abs(b_i + sum_j J_ij sigma_j) over sigma in [-1, 1]^N: the constructor of
    :class:`~fepnet.network.Network` refuses networks for which it is not finite. Summed by row
    blocks of about 2**20 entries: one fused ``sum(abs(J), axis=-1)`` over the whole of a
    50,000 x 50,000 J makes XLA (CPU) allocate about 4 GB on the side. Jitted.

    Parameters
    ----------
    J : jax.Array, shape (N, N)
        Couplings.
    b : jax.Array, shape (N,)
        Biases.

    Returns
    -------
    jax.Array, shape ()
        In J's dtype (inf when a row sum overflows).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.inplace import largest_field
    >>> float(largest_field(jnp.ones((3, 3)), jnp.array([0.0, 0.0, -2.0])))
    5.0
    """
    n = J.shape[-1]
    block = max(1, min(n, FIELD_BLOCK // n))

    def part(r0, size):
        rows = lax.dynamic_slice_in_dim(J, r0, size)
        return jnp.max(jnp.sum(jnp.abs(rows), axis=-1) + jnp.abs(lax.dynamic_slice_in_dim(b, r0, size)))

    full, tail = divmod(n, block)
    largest = lax.fori_loop(0, full, lambda k, m: jnp.maximum(m, part(k * block, block)), jnp.zeros((), J.dtype))
    return jnp.maximum(largest, part(full * block, tail)) if tail else largest


@jax.jit
def zero_diagonal(J):
    """J * (1 - I): the diagonal set to zero (exactly the eager product, fused: no N x N temporary). Jitted.

    Parameters
    ----------
    J : jax.Array, shape (N, N)

    Returns
    -------
    jax.Array, shape (N, N)
        A new array (``J`` is not donated).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.inplace import zero_diagonal
    >>> zero_diagonal(jnp.ones((2, 2))).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    n = J.shape[-1]
    return J * (1 - jnp.eye(n, dtype=J.dtype))


def _draw(k_weights, k_edges, shape, scale, density, dtype, rows, cols):
    """scale * normal where uniform < density and row != col, else 0 (rows, cols: index arrays of ``shape``).

    The barrier keeps XLA from folding ``scale`` into the constant sqrt(2) of the normal transform
    (which moves the result by an ulp): the product is rounded as in the eager expression.
    """
    w = scale * lax.optimization_barrier(jax.random.normal(k_weights, shape, dtype))
    edge = jax.random.uniform(k_edges, shape) < density
    return jnp.where(edge & (rows != cols), w, 0.0).astype(dtype)


@partial(jax.jit, static_argnames=("n", "dtype"))
def _random_whole(k_weights, k_edges, n: int, scale, density, dtype):
    i = lax.broadcasted_iota(jnp.int32, (n, n), 0)
    return _draw(k_weights, k_edges, (n, n), scale, density, dtype, i, i.T)


# --- drawing J in row blocks with the bits of the whole-matrix draw ---------------------------
# With ``jax_threefry_partitionable`` (JAX's default), entry k (flat index) of
# ``jax.random.normal(key, shape)`` is a function of (key, k) alone: the threefry2x32 hash of the
# 64-bit counter k, turned into a float by JAX's own uniform / normal transforms. A PRNG
# implementation whose key also carries a counter offset lets those same transforms draw rows
# r0 .. r0 + B - 1 of the (n, n) draw on their own. ``_blocks_agree`` checks it against the whole
# draw once per process (any JAX change that breaks it makes random_couplings draw whole instead).


def _offset_bits(key, bit_width, shape):
    """Threefry bits of the entries offset + 0, 1, .. of ``shape`` (key = k1, k2, offset_lo, offset_hi)."""
    k1, k2, lo0, hi0 = key[0], key[1], key[2], key[3]
    local = lax.iota(jnp.uint32, max(1, int(np.prod(shape)))).reshape(shape) if shape else jnp.uint32(0)
    lo = lo0 + local
    hi = hi0 + (lo < lo0).astype(jnp.uint32)  # carry
    bits1, bits2 = threefry2x32_p.bind(k1, k2, hi, lo)
    if bit_width == 64:
        return lax.shift_left(bits1.astype(jnp.uint64), jnp.uint64(32)) | bits2.astype(jnp.uint64)
    if bit_width == 32:
        return bits1 ^ bits2
    return (bits1 ^ bits2).astype(jnp.dtype(f"uint{bit_width}"))


def _unused(*_):
    raise NotImplementedError("the row-block PRNG only draws bits")


_OFFSET_IMPL = define_prng_impl(key_shape=(4,), seed=_unused, split=_unused, random_bits=_offset_bits,
                                fold_in=_unused, name="fepnet_threefry_offset", tag="fro")


def _offset_key(key, offset):
    """``key`` (threefry2x32) moved to start at flat entry ``offset`` (uint32, offset < 2**32)."""
    data = jax.random.key_data(key)
    return jax.random.wrap_key_data(jnp.stack([data[0], data[1], offset, jnp.uint32(0)]), impl=_OFFSET_IMPL)


@partial(jax.jit, static_argnames=("n", "dtype", "block"))
def _random_blocks(k_weights, k_edges, n: int, scale, density, dtype, block: int):
    def body(k, J):
        r0 = jnp.minimum(k * block, n - block)  # an overlapping last block draws the same values again
        offset = r0.astype(jnp.uint32) * jnp.uint32(n)
        i = r0 + lax.broadcasted_iota(jnp.int32, (block, n), 0)
        j = lax.broadcasted_iota(jnp.int32, (block, n), 1)
        rows = _draw(_offset_key(k_weights, offset), _offset_key(k_edges, offset), (block, n), scale, density,
                     dtype, i, j)
        return lax.dynamic_update_slice(J, rows, (r0, 0))

    return lax.fori_loop(0, -(-n // block), body, jnp.zeros((n, n), dtype))


_AGREE: dict = {}


def _blocks_agree(dtype) -> bool:
    """Whether the row-block draw equals the whole draw here (JAX's PRNG settings, ``dtype``); cached."""
    settings = (np.dtype(dtype).name, bool(jax.config.jax_threefry_partitionable), jax.config.jax_enable_x64)
    if settings not in _AGREE:
        kw, ke = jax.random.split(jax.random.key(12345))
        args = (kw, ke, 7, 0.37, 0.6, dtype)
        try:
            same = np.asarray(_random_whole(*args)).tobytes() == np.asarray(_random_blocks(*args, block=3)).tobytes()
        except Exception:  # an internal API that changed: draw whole
            same = False
        _AGREE[settings] = same
    return _AGREE[settings]


def random_couplings(k_weights, k_edges, n: int, scale, density, dtype):
    """J[i, j] = scale * w[i, j] where edge[i, j] and i != j, else 0 (w ~ N(0, 1), edge: U(0, 1) < density).

    The draws are exactly those of ``jax.random.normal(k_weights, (n, n), dtype)`` and
    ``jax.random.uniform(k_edges, (n, n))``. For threefry2x32 keys (JAX's default) they are
    made in row blocks of about 2**20 entries written into the result, so the only N x N
    buffer is J itself; otherwise (another PRNG implementation, ``jax_threefry_partitionable``
    off, n * n >= 2**32, or a JAX whose PRNG internals changed) the whole matrix is drawn at
    once, which holds about 4 x J of generator state. For a symmetric network follow it with
    :func:`mirror_upper` (the upper triangle decides both directions).

    Parameters
    ----------
    k_weights : jax.Array
        PRNG key of the weights w.
    k_edges : jax.Array
        PRNG key of the edge uniforms.
    n : int
        N.
    scale : float
        Standard deviation of the couplings.
    density : float
        Edge probability in [0, 1].
    dtype : floating dtype
        Of J.

    Returns
    -------
    jax.Array, shape (n, n)
        J with a zero diagonal.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet.inplace import random_couplings
    >>> kw, ke = jax.random.split(jax.random.key(0))
    >>> J = random_couplings(kw, ke, 4, 0.5, 1.0, jnp.float32)
    >>> J.shape, bool((jnp.diagonal(J) == 0).all())
    ((4, 4), True)
    >>> w = 0.5 * jax.random.normal(kw, (4, 4), jnp.float32)  # the same draws
    >>> bool((J == jnp.where(jnp.eye(4, dtype=bool), 0.0, w)).all())
    True
    """
    threefry = str(jax.random.key_impl(k_weights)) == "threefry2x32"
    if threefry and n * n < 2**32 and n > 1 and _blocks_agree(dtype):
        return _random_blocks(k_weights, k_edges, n, scale, density, dtype, block=max(1, min(n, 2**20 // n)))
    return _random_whole(k_weights, k_edges, n, scale, density, dtype)


@partial(jax.jit, donate_argnums=0)
def mirror_upper(J):
    """J[i, j] = J[j, i] for i > j (the lower triangle becomes the transposed upper one), in place.

    Equal to ``jnp.where(upper, J, J.T)`` (upper: i < j; the diagonal is kept). ``J`` is
    donated: the result reuses its buffer, and the caller's array is consumed (on
    backends that support donation). Row blocks of 16 rows are rewritten in turn; a block
    reads only upper-triangle entries (never written), so the order of the blocks does
    not matter. Jitted.

    Parameters
    ----------
    J : jax.Array, shape (N, N)
        Donated.

    Returns
    -------
    jax.Array, shape (N, N)
        Symmetric.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.inplace import mirror_upper
    >>> mirror_upper(jnp.arange(9.0).reshape(3, 3)).tolist()
    [[0.0, 1.0, 2.0], [1.0, 4.0, 5.0], [2.0, 5.0, 8.0]]
    """
    n = J.shape[-1]
    block = min(MIRROR_BLOCK, n)

    def body(k, J):
        r0 = jnp.minimum(k * block, n - block)  # the last block may overlap the one before: it is idempotent
        rows = lax.dynamic_slice(J, (r0, 0), (block, n))
        cols = lax.dynamic_slice(J, (0, r0), (n, block)).T  # cols[a, j] = J[j, r0 + a]
        i = r0 + lax.broadcasted_iota(jnp.int32, (block, n), 0)
        j = lax.broadcasted_iota(jnp.int32, (block, n), 1)
        return lax.dynamic_update_slice(J, jnp.where(j < i, cols, rows), (r0, 0))

    return lax.fori_loop(0, -(-n // block), body, J)
