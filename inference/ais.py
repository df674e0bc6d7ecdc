"""log Z of a fepnet network by annealed importance sampling (AIS).

Target: Z(J, b, iT) = ∫_{[-1,1]^N} exp(iT (b·s + 1/2 s^T Js s)) ds (the convention of
:mod:`inference.exact`; b includes any evidence, Js = (J + J^T) / 2). Two paths
f_beta(s) = log of the unnormalised density at beta in [0, 1]::

    base="bias":     f_beta = iT b·s + beta g(s),   g(s) = iT 1/2 s^T Js s
                     p_0 = prod_i CB(iT b_i) (exact draws), log Z_0 = sum_i A(iT b_i)
    base="uniform":  f_beta = beta g(s),            g(s) = iT (b·s + 1/2 s^T Js s)
                     p_0 uniform on [-1, 1]^N,     log Z_0 = N log 2

With 0 = beta_0 < ... < beta_K = 1 and particles s ~ p_0, each step k = 1..K adds
(beta_k - beta_{k-1}) g(s) to the particle's log weight, evaluated at its current
state, then moves it with ``sweeps_per_temperature`` sweeps of fepnet's exact
sequential Gibbs kernel for p_{beta_k} (couplings beta Js and biases b, resp.
beta b; iT itself is never scaled). Then Z / Z_0 = E[w] and
::

    log Z_hat = log Z_0 + log mean(w),   SE = sd(w) / (sqrt(n) mean(w))  (delta method),
    ESS = (sum w)^2 / sum w^2,

all computed in float64 from the log weights shifted by their maximum. The
particle system runs in the network's dtype (float32 by default, float64 under
jax_enable_x64): jax.vmap over particles, lax.scan over temperatures, jitted.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import fepnet
from fepnet import Network
from fepnet.infra import checks as v
from fepnet.infra.progress import ceil_chunks, chunk_bounds, run_in_chunks

from .cb_float64 import log_normalizer
from .models import check_posterior_args

__all__ = ["AISResult", "log_partition", "sigmoid_schedule", "BASES", "DEFAULT_N_TEMPERATURES"]

#: The start densities p_0 of the annealing path (the ``base`` of :func:`log_partition`).
BASES = ("bias", "uniform")
#: Annealing steps K of :func:`log_partition` when neither ``n_temperatures`` nor ``schedule`` is given.
DEFAULT_N_TEMPERATURES = 256
_N_PROGRESS_CHUNKS = 20

_KERNEL = fepnet.build_kernel("sequential")


class AISResult(NamedTuple):
    """AIS estimate of log Z (the result of :func:`log_partition`).

    Attributes
    ----------
    log_z : float
        ``log Z_hat = log Z_0 + log mean(w)``.
    standard_error : float
        Standard error of ``log_z``, ``sd(w) / (sqrt(P) mean(w))`` (delta method).
    log_weights : numpy.ndarray
        (P,) the log importance weights log w (network dtype); ``Z / Z_0`` is estimated by
        ``mean(exp(log_weights))``.
    effective_sample_size : float
        ``(sum w)^2 / sum w^2``, between 1 and P.
    log_z_base : float
        ``log Z_0`` of the start density.
    schedule : numpy.ndarray
        (K + 1,) float64, the beta path used, from 0 to 1.

    Examples
    --------
    ``log_partition`` takes 1.5-10 s on a 2-core CPU, mostly compilation (skipped in the
    doctests):

    >>> import jax, jax.numpy as jnp, fepnet
    >>> from inference import log_partition
    >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> res = log_partition(jax.random.key(0), net, n_particles=100, n_temperatures=20)  # doctest: +SKIP
    >>> res.log_weights.shape, res.schedule.shape, round(res.log_z_base, 4)  # doctest: +SKIP
    ((100,), (21,), 1.3863)
    """

    log_z: float
    standard_error: float
    log_weights: np.ndarray
    effective_sample_size: float
    log_z_base: float
    schedule: np.ndarray


def sigmoid_schedule(n_temperatures: int, sharpness: float = 4.0) -> np.ndarray:
    """The sigmoid annealing path: ``beta_k = (sigma(d (2k/K - 1)) - sigma(-d)) / (sigma(d) - sigma(-d))``.

    k = 0..K, sigma the logistic function and d = ``sharpness``: denser near 0 and 1 than a
    linear path (Grosse et al., 2015), exactly 0 and 1 at the ends.

    Parameters
    ----------
    n_temperatures : int
        K >= 1 steps.
    sharpness : float, optional
        d (default 4); larger values crowd more steps near the ends.

    Returns
    -------
    numpy.ndarray
        (K + 1,) float64, increasing from 0 to 1.

    Raises
    ------
    TypeError, ValueError
        ``n_temperatures`` not an integer >= 1.

    Examples
    --------
    >>> from inference.ais import sigmoid_schedule
    >>> sigmoid_schedule(4).round(3).tolist()
    [0.0, 0.105, 0.5, 0.895, 1.0]
    """
    K = v.count(n_temperatures, "n_temperatures", minimum=1)
    t = sharpness * (2.0 * np.arange(K + 1) / K - 1.0)
    s = 1.0 / (1.0 + np.exp(-t))
    beta = (s - s[0]) / (s[-1] - s[0])
    beta[0], beta[-1] = 0.0, 1.0
    return beta


def _check_schedule(schedule) -> np.ndarray:
    v.as_real_array(schedule, "schedule", ndim=1)
    beta = np.asarray(schedule, np.float64)
    if beta.size < 2:
        raise ValueError(f"schedule must hold at least 2 values (0 and 1), got {beta.size}")
    if beta[0] != 0.0 or beta[-1] != 1.0:
        raise ValueError(f"schedule must start at 0 and end at 1, got {beta[0]} ... {beta[-1]}")
    if np.any(np.diff(beta) <= 0):
        raise ValueError("schedule must be strictly increasing")
    return beta


@partial(jax.jit, static_argnames=("uniform", "sweeps"))
def _anneal(carry, ks, beta_prev, beta_next, key, Js, b, it, uniform, sweeps):
    """Run AIS steps k (ks) from carry = (particles (P, N), log weights (P,))."""
    n_particles = carry[0].shape[0]

    def g(s):
        quad = 0.5 * it * jnp.einsum("pi,ij,pj->p", s, Js, s)
        return quad + it * (s @ b) if uniform else quad

    def step(carry, xs):
        s, lw = carry
        k, bp, bn = xs
        lw = lw + (bn - bp) * g(s)
        params = fepnet.KernelParams(Network(bn * Js, bn * b if uniform else b), it)
        key_k = jax.random.fold_in(key, k)

        def sweep(m, s):
            keys = jax.random.split(jax.random.fold_in(key_k, m), n_particles)
            move = jax.vmap(lambda kk, x: _KERNEL(kk, fepnet.ChainState(x), params).sigma)
            return move(keys, s)

        return (jax.lax.fori_loop(0, sweeps, sweep, s), lw), None

    carry, _ = jax.lax.scan(step, carry, (ks, beta_prev, beta_next))
    return carry


def log_partition(
    key,
    network: Network,
    inverse_temperature=1.0,
    evidence=None,
    *,
    n_particles: int = 1000,
    n_temperatures: int | None = None,
    sweeps_per_temperature: int = 1,
    base: str = "bias",
    schedule=None,
    progress: bool = False,
) -> AISResult:
    """Estimate log Z(J, b + evidence, iT) by annealed importance sampling over fepnet's exact Gibbs kernel.

    ``Z = ∫ exp(iT ((b + e)·s + 1/2 s^T Js s)) ds`` over [-1, 1]^N; the particles anneal from
    p_0 to the target along ``f_beta``, and ``log Z_hat = log Z_0 + log mean(w)`` (see the
    module docstring for both paths). Only Js enters, so an asymmetric J gives the answer of its
    symmetric part.

    Parameters
    ----------
    key : jax.Array
        PRNG key: draws the initial particles and every Gibbs sweep.
    network : fepnet.Network
        The target's couplings J (N, N) (only Js = (J + J^T) / 2 enters) and biases b (N,).
    inverse_temperature : float, optional
        iT > 0 of the target (default 1); the annealing runs over beta in [0, 1] at this iT.
    evidence : array_like of shape (N,), optional
        Bias shift e.
    n_particles : int, optional
        Particles P >= 2 (default 1000).
    n_temperatures : int, optional
        K steps (default :data:`DEFAULT_N_TEMPERATURES` = 256 with the :func:`sigmoid_schedule`);
        with ``schedule`` it must equal its length minus one.
    sweeps_per_temperature : int, optional
        Gibbs sweeps per step (default 1).
    base : {"bias", "uniform"}, optional
        The path's start p_0 (default "bias": ``prod_i CB(iT b_i)``).
    schedule : array_like of shape (K + 1,), optional
        beta path rising strictly from exactly 0 to exactly 1.
    progress : bool, optional
        Show a bar (the temperatures then run in 20 chunks; the result is identical either way).

    Returns
    -------
    AISResult
        ``log_z``, ``standard_error``, ``log_weights`` (P,), ``effective_sample_size``,
        ``log_z_base`` and ``schedule`` (K + 1,).

    Raises
    ------
    TypeError
        ``network`` not a Network; a bad key; non-real arguments.
    ValueError
        On an invalid schedule, base or count, ``inverse_temperature`` not positive, or
        ``evidence`` not a finite (N,) array.
    FloatingPointError
        If a log weight is not finite.

    Examples
    --------
    Against the exact ``log Z = log(4 Shi(1)) = 1.442`` of two nodes coupled by J_12 = 1 (1.5-10 s
    on a 2-core CPU, mostly compilation; skipped in the doctests):

    >>> import jax, jax.numpy as jnp, fepnet
    >>> from inference import boltzmann_moments, log_partition
    >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> res = log_partition(jax.random.key(0), net, n_particles=500, n_temperatures=64)  # doctest: +SKIP
    >>> round(float(res.log_z), 2), bool(abs(res.log_z - 1.442) < 4 * res.standard_error + 0.01)  # doctest: +SKIP
    (1.44, True)
    >>> round(boltzmann_moments(net).log_partition, 3)
    1.442
    """
    key = v.prng_key(key)
    network, evidence, it = check_posterior_args(network, evidence, inverse_temperature)
    if evidence is not None:
        network = network.with_evidence(evidence)
    n_particles = v.count(n_particles, "n_particles", minimum=2)
    sweeps = v.count(sweeps_per_temperature, "sweeps_per_temperature", minimum=1)
    if base not in BASES:
        raise ValueError(f"base must be one of {BASES}, got {base!r}")
    if schedule is None:
        beta = sigmoid_schedule(DEFAULT_N_TEMPERATURES if n_temperatures is None else n_temperatures)
    else:
        beta = _check_schedule(schedule)
        if n_temperatures is not None and v.count(n_temperatures, "n_temperatures", minimum=1) != beta.size - 1:
            raise ValueError(f"n_temperatures = {n_temperatures} but schedule has {beta.size - 1} steps")
    n_steps = beta.size - 1

    dtype = network.dtype
    Js, b = network.symmetric_part(), network.biases
    it = it.astype(dtype)
    n = network.size
    b64 = np.asarray(b, np.float64)
    it64 = float(np.asarray(inverse_temperature, np.float64))

    k_init, k_run = jax.random.split(key)
    if base == "bias":
        s0 = fepnet.cb.sample(k_init, it * b, shape=(n_particles, n))
        log_z0 = float(np.sum(log_normalizer(it64 * b64)))
    else:
        s0 = jax.random.uniform(k_init, (n_particles, n), dtype, minval=-1.0, maxval=1.0)
        log_z0 = n * math.log(2.0)

    carry = (s0, jnp.zeros((n_particles,), dtype))
    ks = jnp.arange(1, n_steps + 1)
    bprev, bnext = jnp.asarray(beta[:-1], dtype), jnp.asarray(beta[1:], dtype)
    bounds = ceil_chunks(n_steps, _N_PROGRESS_CHUNKS) if progress else chunk_bounds(n_steps, n_steps)

    def advance(carry, start, stop):
        sl = slice(start, stop)
        return _anneal(carry, ks[sl], bprev[sl], bnext[sl], k_run, Js, b, it, base == "uniform", sweeps), None

    carry, _ = run_in_chunks(advance, carry, bounds, desc="AIS", unit="temperature", progress=progress)

    lw = np.asarray(carry[1])
    lw64 = lw.astype(np.float64)
    if not np.all(np.isfinite(lw64)):
        raise FloatingPointError("AIS produced non-finite log weights")
    top = lw64.max()
    w = np.exp(lw64 - top)
    mean_w = w.mean()
    se = float(np.std(w, ddof=1) / (math.sqrt(n_particles) * mean_w))
    ess = float(w.sum() ** 2 / np.sum(w * w))
    return AISResult(log_z0 + top + math.log(mean_w), se, lw, ess, log_z0, beta)
