"""The samplers a validation compares: fepnet's schedules, NUTS and parallel tempering, each timed.

Every function runs its sampler once to compile and returns the second,
timed run, so a reported wall time (and hence ESS per second) excludes
compilation.
"""

from __future__ import annotations

import time

import jax
import numpy as np

import fepnet
from fepnet.infra import checks as v
from inference import run_nuts, run_tempering

from ..convert import from_chains, from_nuts

__all__ = ["sample_reference", "sample_schedule", "sample_tempering"]


def sample_schedule(key, network: fepnet.Network, evidence, inverse_temperature, schedule: str, *,
                    n_chains: int = 4, n_draws: int = 10_000, burn_in: int = 1_000):
    """``n_chains`` chains of fepnet's stochastic ``schedule`` from sigma = 0, timed.

    One draw per step (a sweep, for single-site schedules), after ``burn_in``
    steps. The chains run as one ``jax.vmap``; the wall time is that of the
    second, compiled run.

    Parameters
    ----------
    key : jax.Array
        PRNG key; chain c uses ``split(key, n_chains)[c]``.
    network : fepnet.Network
        N nodes.
    evidence : array_like, shape (N,)
        The evidence s (a bias shift).
    inverse_temperature : float
        iT.
    schedule : str
        One of ``fepnet.SCHEDULES``.
    n_chains, n_draws, burn_in : int
        Chains, kept draws per chain, discarded steps.

    Returns
    -------
    samples : numpy.ndarray
        (n_chains, n_draws, N) float64 states.
    wall_s : float
        Seconds of the timed run.

    Raises
    ------
    TypeError
        For a ``key`` that is not a JAX PRNG key.
    ValueError
        For an unknown schedule or model, or a bad count.

    Examples
    --------
    >>> import jax, fepnet
    >>> from diagnostics.validation import sample_schedule
    >>> net = fepnet.Network.random(jax.random.key(0), 4)
    >>> x, wall_s = sample_schedule(jax.random.key(1), net, [0.0] * 4, 1.0, "sequential",
    ...                             n_chains=2, n_draws=10, burn_in=5)
    >>> x.shape, bool(abs(x).max() <= 1)
    ((2, 10, 4), True)
    """
    kernel = fepnet.build_kernel(schedule, network=network if schedule == "chromatic" else None)
    prm = fepnet.kernel_params(network, inverse_temperature, evidence)
    state = fepnet.init_state(network)

    @jax.jit
    def sample(keys):
        return jax.vmap(lambda k: fepnet.run(kernel, k, state, prm, burn_in + n_draws, trace=True)[1][burn_in:])(keys)

    keys = jax.random.split(v.prng_key(key), n_chains)
    sample(keys).block_until_ready()  # compile
    t0 = time.perf_counter()
    out = sample(keys).block_until_ready()
    return np.asarray(out, np.float64), time.perf_counter() - t0


def sample_reference(key, network: fepnet.Network, evidence, inverse_temperature, model: str = "boltzmann", *,
                     n_chains: int = 4, n_draws: int = 10_000, n_warmup: int = 1_000):
    """NUTS on the Boltzmann posterior or on the synchronous chain's stationary density pi_sync, timed.

    The models: p(sigma | s) ∝ exp(iT ((b + s)·sigma + 1/2 sigma^T Js sigma))
    ("boltzmann") and pi_sync ("synchronous"), as in :mod:`inference.models`.
    The first run compiles; the timed second run (new key, same compiled code,
    warm-up included) is the one returned.

    Parameters
    ----------
    key : jax.Array
        PRNG key; of its two halves the first drives the compiling run, the second the timed rerun.
    network : fepnet.Network
        N nodes (J, b); both models see only the symmetric part Js of J.
    evidence : array_like, shape (N,)
        The evidence s, a shift of the bias b.
    inverse_temperature : float
        iT of both models.
    model : str
        "boltzmann" or "synchronous".
    n_chains, n_draws, n_warmup : int
        NUTS chains, draws per chain and warm-up steps.

    Returns
    -------
    idata : arviz.InferenceData
        The timed run (:func:`diagnostics.from_nuts`), with its ``wall_s``.
    wall_s : float

    Raises
    ------
    TypeError
        For a ``key`` that is not a JAX PRNG key.
    ValueError
        For an unknown schedule or model, or a bad count.
    """
    k1, k2 = jax.random.split(v.prng_key(key))
    first = run_nuts(k1, network, evidence, inverse_temperature, model=model, n_chains=n_chains,
                     n_warmup=n_warmup, n_samples=n_draws)
    t0 = time.perf_counter()
    result = first.rerun(k2)
    result.samples.block_until_ready()
    wall = time.perf_counter() - t0
    return from_nuts(result, wall_s=wall), wall


def sample_tempering(key, network: fepnet.Network, evidence, inverse_temperature, *, n_chains: int = 4,
                     n_draws: int = 10_000, burn_in: int = 1_000):
    """Parallel tempering (:func:`inference.run_tempering`) on the Boltzmann posterior, timed.

    The reference when NUTS chains stay in different modes. Timed after a
    compiling run of the same shape.

    Parameters
    ----------
    key : jax.Array
        PRNG key, split in two: one for the compiling run, one for the run returned.
    network : fepnet.Network
        The N-node network whose Boltzmann posterior is the target.
    evidence : array_like, shape (N,)
        The evidence s of that posterior.
    inverse_temperature : float
        iT of the target (the coldest replica).
    n_chains, n_draws, burn_in : int
        Chains, draws per chain, discarded sweeps.

    Returns
    -------
    idata : arviz.InferenceData
        The timed run (sampler "parallel tempering"), with ``wall_s`` and the
        smallest swap rate (``swap_rate_min``) as posterior attributes.
    wall_s : float

    Raises
    ------
    TypeError
        For a ``key`` that is not a JAX PRNG key.
    ValueError
        For an unknown schedule or model, or a bad count.
    """
    k1, k2 = jax.random.split(v.prng_key(key))
    run_tempering(k1, network, evidence, inverse_temperature, n_chains=n_chains, n_samples=n_draws, burn_in=burn_in)
    t0 = time.perf_counter()
    result = run_tempering(k2, network, evidence, inverse_temperature, n_chains=n_chains, n_samples=n_draws,
                           burn_in=burn_in)
    wall = time.perf_counter() - t0
    idata = from_chains(result.samples, network=network, evidence=evidence, inverse_temperature=inverse_temperature,
                        wall_s=wall, sampler="parallel tempering")
    idata.posterior.attrs["swap_rate_min"] = float(result.swap_rate.min())
    return idata, wall
