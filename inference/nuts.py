"""Reference posterior samples by NUTS (NumPyro), several chains at once."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpyro.distributions import constraints
from numpyro.distributions.transforms import biject_to
from numpyro.infer import MCMC, NUTS

from fepnet import Network
from fepnet.infra import checks as v

from .models import SITE, boltzmann_model, check_posterior_args, synchronous_stationary_model

__all__ = ["MODELS", "NUTSResult", "run_nuts", "resolve_model"]

MODELS = {"boltzmann": boltzmann_model, "synchronous": synchronous_stationary_model}
CHAIN_METHODS = ("vectorized", "sequential", "parallel")


EXTRA_FIELDS = ("potential_energy", "diverging", "num_steps")


class NUTSResult(NamedTuple):
    """``samples`` (chains, draws, N); ``mcmc`` the NumPyro ``MCMC`` object (its extra fields:
    potential energy, divergences, tree sizes); ``model_args`` the validated (network, evidence, iT)."""

    samples: jax.Array
    mcmc: MCMC
    model_args: tuple

    def rerun(self, key, evidence=None) -> "NUTSResult":
        """Run the same sampler again (warm-up included) with a new key, reusing its compiled code.

        ``evidence`` (N,) replaces the evidence (same shape and dtype: no recompilation).
        """
        network, _, it = self.model_args
        args = self.model_args if evidence is None else check_posterior_args(network, evidence, it)
        self.mcmc.run(v.prng_key(key), *args, extra_fields=EXTRA_FIELDS)
        return NUTSResult(self.mcmc.get_samples(group_by_chain=True)[SITE], self.mcmc, args)


def resolve_model(model):
    """A model function from a name in :data:`MODELS` or a callable ``model(network, evidence, iT)``."""
    if callable(model):
        return model
    if model not in MODELS:
        raise ValueError(f"model must be one of {tuple(MODELS)} or a callable, got {model!r}")
    return MODELS[model]


def _init_params(init_sigma, network: Network, n_chains: int):
    sigma = v.as_real_array(init_sigma, "init_sigma", dtype=network.dtype)
    n = network.size
    if sigma.shape not in ((n,), (n_chains, n)):
        raise ValueError(f"init_sigma must have shape ({n},) or ({n_chains}, {n}), got {tuple(sigma.shape)}")
    if not np.all(np.abs(np.asarray(sigma)) < 1):
        raise ValueError("init_sigma must lie strictly inside (-1, 1) (NUTS works on its logit-like transform)")
    sigma = jnp.broadcast_to(sigma, (n_chains, n))
    unconstrained = biject_to(constraints.interval(-1.0, 1.0)).inv(sigma)
    return {SITE: unconstrained if n_chains > 1 else unconstrained[0]}


def run_nuts(
    key,
    network: Network,
    evidence=None,
    inverse_temperature=1.0,
    *,
    model="boltzmann",
    n_chains: int = 4,
    n_warmup: int = 1000,
    n_samples: int = 1000,
    thinning: int = 1,
    chain_method: str = "vectorized",
    progress: bool = False,
    init_sigma=None,
    **nuts_kwargs,
) -> NUTSResult:
    """Sample sigma from ``model`` ("boltzmann", "synchronous" or a callable) with NUTS.

    Each chain runs ``n_warmup`` adaptation steps, then keeps ``n_samples``
    draws (every ``thinning``-th). ``chain_method`` is NumPyro's: "vectorized"
    (one device, chains in lockstep; the default), "sequential", or "parallel"
    (one chain per device). ``init_sigma`` (N,) or (chains, N) strictly inside
    (-1, 1) starts the chains there (default: NumPyro's uniform init in the
    unconstrained space). Extra keywords go to ``numpyro.infer.NUTS``
    (``target_accept_prob``, ``dense_mass``, ``max_tree_depth``, ...). The
    potential energy, divergences and tree sizes are kept as extra fields.
    """
    key = v.prng_key(key)
    network, evidence, it = check_posterior_args(network, evidence, inverse_temperature)
    # always an array, so that ``rerun`` can swap in new evidence without recompiling
    model_args = (network, jnp.zeros(network.size, network.dtype) if evidence is None else evidence, it)
    fn = resolve_model(model)
    n_chains = v.count(n_chains, "n_chains", minimum=1)
    n_warmup = v.count(n_warmup, "n_warmup", minimum=0)
    n_samples = v.count(n_samples, "n_samples", minimum=1)
    thinning = v.count(thinning, "thinning", minimum=1)
    if chain_method not in CHAIN_METHODS:
        raise ValueError(f"chain_method must be one of {CHAIN_METHODS}, got {chain_method!r}")
    init = None if init_sigma is None else _init_params(init_sigma, network, n_chains)
    mcmc = MCMC(
        NUTS(fn, **nuts_kwargs),
        num_warmup=n_warmup,
        num_samples=n_samples,
        num_chains=n_chains,
        thinning=thinning,
        chain_method=chain_method,
        progress_bar=bool(progress),
        jit_model_args=True,  # reruns (mcmc.run) reuse the compiled sampler, also for new evidence
    )
    mcmc.run(key, *model_args, init_params=init, extra_fields=EXTRA_FIELDS)
    samples = mcmc.get_samples(group_by_chain=True)[SITE]
    return NUTSResult(samples, mcmc, model_args)
