"""Multivariate two-sample test for MCMC sample sets: the energy distance of Székely & Rizzo.

For samples x_1..x_n and y_1..y_m in R^d (here: posterior draws of a network's
node states from two samplers), the energy distance is
::

    E = 2 E|X - Y| - E|X - X'| - E|Y - Y'|   (Euclidean norms, X, X' ~ P, Y, Y' ~ Q iid),

which is >= 0 and zero only when P = Q (for distributions with finite first
moments). It is estimated here by the **V-statistic** (all pairs, diagonal
included; the diagonal distances are zero)
::

    E_n = 2/(n m) sum_ij |x_i - y_j| - 1/n^2 sum_ij |x_i - x_j| - 1/m^2 sum_ij |y_i - y_j|
        = -w^T D w,   w = (1/n, ..., 1/n, -1/m, ..., -1/m),

with D the (n+m, n+m) distance matrix of the pooled sample. Unlike the U-statistic
(diagonal excluded, within-sample sums divided by n(n-1)) the V-statistic is
never negative up to rounding (-D is conditionally positive definite on vectors
w summing to zero), is exactly zero for identical empirical distributions
(including repeated draws), and is what R's ``energy`` package uses
(``eqdist.etest`` reports n m / (n + m) E_n, the same test). It is biased upwards by O(1/n + 1/m), but the bias is the
same for every relabelling, so the permutation test is unaffected.

:func:`energy_distance_test` is the permutation test of P = Q: D is computed
once; each random relabelling of the pooled sample (the n points with the
smallest of N iid random 32-bit keys become x) gives a new w and a statistic
-w^T D w, so a batch of permutations is one matrix product W D (jitted and
vmapped, ``lax.map`` over batches to bound memory, no Python loop over them).
The p-value (1 + #{permuted >= observed}) / (1 + n_permutations) is valid
(P(p <= alpha) <= alpha) for every alpha and exact under the permutation null.

The test assumes exchangeable draws -- under the null, every relabelling of the
pooled sample must be equally likely. Autocorrelated MCMC draws are not
exchangeable and make the test anti-conservative (too many small p-values), so
thin each sample set first with :func:`thin_to_independent` to about one draw
per effective sample.

Power: the energy distance responds mostly to location and scale. A change in
the dependence structure alone (same marginals) is detected far less readily,
the more so the fewer of the d coordinates it involves. Measured at n = m = 1000,
d = 64, N(0, 1) marginals, power at p < 0.01: a mean shift of 0.03 (0.05) in
every coordinate 0.55 (1.0); one block of 16 nodes equicorrelated at rho = 0.3
(0.4) vs independent 0.5 (1.0), 8 nodes at 0.6 (0.7) 0.65 (0.9), a single pair
even at 0.8 about 0.05. To test a specific dependence, test the relevant
columns alone (d = 2: correlation 0 vs 0.5 has power 1.0) or derived features
such as products of node states.

Precision: JAX's default dtype (float32, float64 under ``jax_enable_x64``); the
data are centred in float64 before the conversion. Memory: O((n + m)^2) for D.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from fepnet.infra import checks as v

__all__ = ["EnergyDistanceTest", "energy_distance", "energy_distance_test", "thin_to_independent"]

# Working-set budgets, in array elements: a block of pairwise differences
# (rows x pooled points x d) and a batch of permutation weights (batch x pooled points).
_DIFF_BUDGET = 1 << 22
_PERM_BUDGET = 1 << 22


class EnergyDistanceTest(NamedTuple):
    """Result of :func:`energy_distance_test`.

    Attributes
    ----------
    statistic : float
        The energy distance E_n (V-statistic, see the module docstring).
    p_value : float
        ``(1 + #{permuted statistic >= statistic}) / (1 + n_permutations)``, in (0, 1].
    n_permutations : int
        The number of random relabellings.
    n_x, n_y : int
        The sample sizes n and m.

    Examples
    --------
    >>> from diagnostics.two_sample import EnergyDistanceTest
    >>> t = EnergyDistanceTest(0.02, 0.001, 999, 100, 100)
    >>> t.p_value == 1 / (1 + t.n_permutations)     # no relabelling reached the statistic
    True
    """

    statistic: float
    p_value: float
    n_permutations: int
    n_x: int
    n_y: int


# --- validation ---------------------------------------------------------------------------------------------


def _sample(a, name: str) -> np.ndarray:
    """A finite real (n, d) sample with n >= 2 and d >= 1, as a float64 NumPy array."""
    arr = v.as_real_array(a, name)  # type, dtype and finiteness checks
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-dimensional (n points, d dimensions), got shape {tuple(arr.shape)}"
            + ("; use reshape(-1, 1) for scalar draws" if arr.ndim == 1 else "")
        )
    if arr.shape[0] < 2:
        raise ValueError(f"{name} must hold at least 2 points (rows), got {arr.shape[0]}")
    if arr.shape[1] < 1:
        raise ValueError(f"{name} must have at least 1 dimension (column), got shape {tuple(arr.shape)}")
    return np.asarray(a, dtype=np.float64)


def _pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    xs = _sample(x, "x")
    ys = _sample(y, "y")
    if xs.shape[1] != ys.shape[1]:
        raise ValueError(
            f"y must have the same dimension d as x: x has shape {xs.shape}, y has shape {ys.shape}"
        )
    return xs, ys


# --- jitted kernels -----------------------------------------------------------------------------------------


def _centred_distances(p, block: int):
    """(D - mean(D), mean(D)) for the Euclidean distance matrix D of the rows of p (N, d).

    Direct differences (not the |a|^2 + |b|^2 - 2 a.b expansion), so D is
    bitwise symmetric with an exact zero diagonal and no cancellation for
    close or repeated draws; rows in blocks of ``block`` to bound memory.
    Subtracting a constant leaves -w^T D w unchanged (sum w = 0) but keeps
    the partial sums of D w small.
    """
    n, d = p.shape
    n_blocks = -(-n // block)

    def one(r):
        diff = r[:, None, :] - p[None, :, :]
        return jnp.sqrt(jnp.sum(diff * diff, axis=-1))

    if n_blocks == 1:  # no loop: smaller program, faster to compile
        dist = one(p)
    else:
        rows = jnp.pad(p, ((0, n_blocks * block - n), (0, 0))).reshape(n_blocks, block, d)
        dist = lax.map(one, rows).reshape(n_blocks * block, n)[:n]
    mean = jnp.mean(dist)
    return dist - mean, mean


def _weights(is_x, n_x: int, n_y: int, dtype):
    return jnp.where(is_x, jnp.asarray(1.0 / n_x, dtype), jnp.asarray(-1.0 / n_y, dtype))


def _quadratic_statistics(is_x, dc, n_x: int):
    """-w^T D w for label rows is_x (..., N); D is symmetric, so (D w)^T = w^T D."""
    w = _weights(is_x, n_x, dc.shape[0] - n_x, dc.dtype)
    return -jnp.sum(w * (w @ dc), axis=-1)


def _split_from_bits(bits, n_x: int):
    """Label the n_x points with the smallest random keys as x: (is_x, ok), bits (..., N) uint32.

    ``ok`` is False when the n_x-th and (n_x+1)-th smallest keys tie (probability
    about N / 2^32); those relabellings are discarded and redrawn by the caller.
    Conditional on no tie the chosen subset is uniform (the keys are iid), so this
    is an exact uniform draw of the split, at the cost of sorting the keys alone
    (several times faster on CPU than an argsort carrying the indices along).
    """
    srt = jnp.sort(bits, axis=-1)
    threshold = srt[..., n_x - 1]
    return bits <= threshold[..., None], threshold < srt[..., n_x]


@partial(jax.jit, static_argnames=("n_x", "block"))
def _energy(p, n_x: int, block: int):
    dc, _ = _centred_distances(p, block)
    return _quadratic_statistics(jnp.arange(p.shape[0]) < n_x, dc, n_x)


@partial(jax.jit, static_argnames=("n_x", "block", "n_batches", "batch"))
def _test_kernel(p, key, n_x: int, block: int, n_batches: int, batch: int):
    """Observed statistic, mean distance and n_batches * batch permuted statistics, in one call.

    Returns (observed, mean(D), stats, ok, dc); stats and ok are flat (one per
    relabelling), ok as in :func:`_split_from_bits`.
    """
    n = p.shape[0]
    dc, mean = _centred_distances(p, block)
    observed = _quadratic_statistics(jnp.arange(n) < n_x, dc, n_x)
    keys = jax.random.split(key, (n_batches, batch))

    def one_batch(kb):
        bits = jax.vmap(lambda k: jax.random.bits(k, (n,), jnp.uint32))(kb)  # (batch, N)
        is_x, ok = _split_from_bits(bits, n_x)
        return _quadratic_statistics(is_x, dc, n_x), ok

    stats, ok = one_batch(keys[0]) if n_batches == 1 else lax.map(one_batch, keys)
    return observed, mean, stats.reshape(-1), ok.reshape(-1), dc


def _redrawn_statistics(key, count: int, dc, n_x: int) -> np.ndarray:
    """``count`` statistics for relabellings drawn on the host, in float64 (the rare tie redraws).

    Uniform random subsets from NumPy's generator seeded by the key's data, so
    the result is reproducible; no compilation for a path that almost never runs.
    """
    data = jax.random.key_data(key) if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) else key
    rng = np.random.default_rng([int(word) for word in np.asarray(data).ravel()])
    d = np.asarray(dc, dtype=np.float64)
    n = d.shape[0]
    out = np.empty(count)
    for i in range(count):
        w = np.full(n, -1.0 / (n - n_x))
        w[rng.permutation(n)[:n_x]] = 1.0 / n_x
        out[i] = -(w @ d @ w)
    return out


def _pooled(xs: np.ndarray, ys: np.ndarray):
    """Centred pooled sample as a JAX array, and the row block for the distance matrix."""
    pooled = np.concatenate([xs, ys])
    pooled -= pooled.mean(axis=0)  # in float64, before any conversion to float32
    n, d = pooled.shape
    return jnp.asarray(pooled), max(1, min(n, _DIFF_BUDGET // (n * d)))


# --- public API ---------------------------------------------------------------------------------------------


def energy_distance(x, y) -> float:
    """Energy distance E_n between samples x (n, d) and y (m, d), n, m >= 2 (V-statistic).

    ``E_n = 2/(n m) sum_ij |x_i - y_j| - 1/n^2 sum_ij |x_i - x_j| - 1/m^2 sum_ij |y_i - y_j|``,
    Euclidean norms, all pairs (diagonal included): >= 0 up to rounding, 0 for
    identical sample sets, symmetric in x and y.

    Parameters
    ----------
    x : array_like of shape (n, d)
        First sample, finite reals, n >= 2.
    y : array_like of shape (m, d)
        Second sample, the same d, m >= 2.

    Returns
    -------
    float
        E_n, in the units of the samples; computed in JAX's default dtype (float32 unless x64).

    Raises
    ------
    TypeError
        Samples that are not real numbers.
    ValueError
        Samples not 2-d, with fewer than 2 rows, of different d, or not finite.

    Examples
    --------
    One point each at distance 1 apart, doubled: ``2 * 1 - 0 - 0 = 2``.

    >>> import numpy as np
    >>> from diagnostics.two_sample import energy_distance
    >>> round(energy_distance(np.zeros((2, 1)), np.ones((2, 1))), 6)
    2.0
    >>> x = np.random.default_rng(0).normal(size=(50, 3))
    >>> round(energy_distance(x, x), 6)   # 0 up to rounding
    0.0
    """
    xs, ys = _pair(x, y)
    pooled, block = _pooled(xs, ys)
    return float(_energy(pooled, xs.shape[0], block))


def energy_distance_test(key, x, y, *, n_permutations: int = 1000) -> EnergyDistanceTest:
    """Permutation test of "x and y come from the same distribution" with the energy distance.

    The observed statistic is :func:`energy_distance`; with ``n_permutations`` random
    relabellings of the pooled sample,
    ::

        p = (1 + #{b : E_n(relabelling b) >= E_n(observed)}) / (1 + n_permutations),

    valid and exact under the permutation null (the +1 counts the observed
    labelling itself). Permuted statistics within sqrt(machine eps) x mean
    distance x (1/n + 1/m) of the observed one count as >= (a rounding tolerance:
    a relabelling that reproduces the observed split must count), which can only
    make p larger.

    The draws must be exchangeable under the null (approximately independent):
    thin MCMC output first, see :func:`thin_to_independent`. Cost: one (n+m)^2 d
    distance matrix, then n_permutations matrix-vector products of size
    (n+m)^2, done as batched matrix products; memory O((n + m)^2).

    Parameters
    ----------
    key : jax.Array
        A JAX PRNG key (``jax.random.key(seed)``) for the relabellings.
    x : array_like of shape (n, d)
        First sample, finite reals, n >= 2.
    y : array_like of shape (m, d)
        Second sample, the same d, m >= 2.
    n_permutations : int, optional, keyword-only
        Random relabellings, >= 1 (default 1000; the smallest possible p is
        ``1 / (1 + n_permutations)``).

    Returns
    -------
    EnergyDistanceTest
        ``statistic``, ``p_value``, ``n_permutations``, ``n_x`` and ``n_y``.

    Raises
    ------
    TypeError
        Samples that are not real numbers; a bad key.
    ValueError
        As :func:`energy_distance`; ``n_permutations`` < 1.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from diagnostics.two_sample import energy_distance_test
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(100, 2)), rng.normal(size=(100, 2))
    >>> energy_distance_test(jax.random.key(0), x, y + 1.0, n_permutations=99).p_value   # shifted
    0.01
    >>> energy_distance_test(jax.random.key(0), x, y, n_permutations=99).p_value > 0.05
    True
    """
    key = v.prng_key(key)
    xs, ys = _pair(x, y)
    n_perm = v.count(n_permutations, "n_permutations", minimum=1)
    n_x, n_y = xs.shape[0], ys.shape[0]
    n = n_x + n_y

    pooled, block = _pooled(xs, ys)
    max_batch = max(1, min(n_perm, _PERM_BUDGET // n))
    n_batches = -(-n_perm // max_batch)
    batch = -(-n_perm // n_batches)  # spread evenly: fewer than n_batches extra relabellings, discarded
    observed, mean_distance, stats, ok, dc = _test_kernel(pooled, key, n_x, block, n_batches, batch)

    permuted = np.asarray(stats, dtype=np.float64)[:n_perm]
    redraw = np.flatnonzero(~np.asarray(ok)[:n_perm])
    if redraw.size:  # a tie among the random keys at the split: redraw those relabellings exactly
        permuted[redraw] = _redrawn_statistics(key, redraw.size, dc, n_x)
    obs = float(observed)
    tol = math.sqrt(float(jnp.finfo(dc.dtype).eps)) * float(mean_distance) * (1.0 / n_x + 1.0 / n_y)
    exceed = int(np.count_nonzero(permuted >= obs - tol))
    return EnergyDistanceTest(
        statistic=obs,
        p_value=(1.0 + exceed) / (1.0 + n_perm),
        n_permutations=n_perm,
        n_x=n_x,
        n_y=n_y,
    )


def thin_to_independent(samples, max_points: int = 1000, ess=None) -> np.ndarray:
    """Evenly spaced draws from MCMC output (chains, draws, N), pooled into a (k, N) array.

    The permutation test of :func:`energy_distance_test` assumes exchangeable
    (approximately independent) draws; successive MCMC draws are correlated,
    so keep about one draw per effective sample. The target is
    k = min(max_points, floor(ess)) when ``ess`` (the minimum bulk ESS over the
    set's variables, a positive float, e.g. from ArviZ) is given, else
    k = max_points. Each chain contributes the same number
    per_chain = min(draws, k // chains) of draws, spaced equally with stride
    draws // per_chain and ending at its last draw; so k is rounded down to a
    multiple of the number of chains (and to at most all draws). Rows come
    chain by chain, in draw order.

    Parameters
    ----------
    samples : array_like of shape (chains, draws, N)
        MCMC output, real and finite.
    max_points : int, optional
        The most draws kept, >= 2 (default 1000).
    ess : float, optional
        The effective sample size (>= 2); keeps at most ``floor(ess)`` draws.

    Returns
    -------
    numpy.ndarray
        (k, N), float64 for integer input, the input's float dtype otherwise.

    Raises
    ------
    TypeError
        ``samples`` not real numbers.
    ValueError
        ``samples`` not 3-D or too short, ``max_points`` < 2, ``ess`` < 2, fewer than 2 draws
        kept, or k smaller than the number of chains.

    Examples
    --------
    Two chains of 100 draws with an ESS of 20: every tenth draw of each chain, ending at the last.

    >>> import numpy as np
    >>> from diagnostics.two_sample import thin_to_independent
    >>> x = np.arange(200.0).reshape(2, 100, 1)
    >>> t = thin_to_independent(x, ess=20.0)
    >>> t.shape, t[:3, 0].tolist(), float(t[-1, 0])
    ((20, 1), [9.0, 19.0, 29.0], 199.0)
    """
    arr = v.as_real_array(samples, "samples")
    if arr.ndim != 3:
        raise ValueError(f"samples must be 3-dimensional (chains, draws, N), got shape {tuple(arr.shape)}")
    chains, draws, n_vars = arr.shape
    if chains < 1 or draws < 1 or n_vars < 1 or chains * draws < 2:
        raise ValueError(
            f"samples is too short: shape (chains, draws, N) = {tuple(arr.shape)} must hold at least "
            "2 draws of at least 1 variable"
        )
    k = v.count(max_points, "max_points", minimum=2)
    if ess is not None:
        ess_value = float(v.positive_scalar(ess, "ess"))
        if ess_value < 2:
            raise ValueError(f"ess must be >= 2 to keep at least 2 draws, got {ess_value}")
        k = min(k, math.floor(ess_value))
    if k < chains:
        raise ValueError(
            f"samples has {chains} chains but only k = {k} draws are to be kept (max_points={max_points}, "
            f"ess={ess}); the same number is taken per chain, so k must be >= the number of chains"
        )
    per_chain = min(draws, k // chains)
    if per_chain * chains < 2:
        raise ValueError(f"samples is too short: only {per_chain * chains} draw(s) would be kept, need >= 2")
    stride = draws // per_chain
    idx = draws - 1 - stride * np.arange(per_chain - 1, -1, -1)

    out = np.asarray(samples)
    if not np.issubdtype(out.dtype, np.floating):
        out = out.astype(np.float64)
    return out[:, idx, :].reshape(chains * per_chain, n_vars)
