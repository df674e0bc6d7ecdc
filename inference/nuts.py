"""Reference posterior samples by NUTS (NumPyro), several chains at once.

:func:`run_nuts` samples the network's Boltzmann density
``p(sigma | e) ∝ exp(iT ((b + e)·sigma + 1/2 sigma^T Js sigma))`` on [-1, 1]^N, or the
synchronous chain's stationary density pi_sync (:mod:`inference.models`), with NumPyro's
No-U-Turn sampler on the unconstrained (logit-like) transform of the cube. It shares no
code path with fepnet's Gibbs samplers, so its draws are the reference they are compared with
(:func:`diagnostics.compare`).
"""

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

#: The models :func:`run_nuts` and :func:`inference.svi.run_svi` accept by name.
MODELS = {"boltzmann": boltzmann_model, "synchronous": synchronous_stationary_model}
CHAIN_METHODS = ("vectorized", "sequential", "parallel")


EXTRA_FIELDS = ("potential_energy", "diverging", "num_steps")


class NUTSResult(NamedTuple):
    """NUTS draws of the node states and the sampler that made them (the result of :func:`run_nuts`).

    Attributes
    ----------
    samples : jax.Array
        (chains, draws, N) draws of sigma in [-1, 1], the network's dtype.
    mcmc : numpyro.infer.MCMC
        The sampler; its extra fields hold the potential energy, divergences and tree sizes
        (``mcmc.get_extra_fields(group_by_chain=True)``).
    model_args : tuple
        The validated ``(network, evidence, iT)`` (evidence an (N,) array, zeros when none was given).

    Examples
    --------
    ``run_nuts`` takes 8-25 s on a 2-core CPU, mostly compilation (skipped in the doctests):

    >>> import jax, jax.numpy as jnp, fepnet
    >>> from inference import run_nuts
    >>> net = fepnet.Network(jnp.array([[0.0, 0.5], [0.5, 0.0]]), jnp.array([0.2, -0.1]))
    >>> res = run_nuts(jax.random.key(0), net, n_chains=2, n_warmup=200, n_samples=200)  # doctest: +SKIP
    >>> res.samples.shape, len(res.model_args)  # doctest: +SKIP
    ((2, 200, 2), 3)
    """

    samples: jax.Array
    mcmc: MCMC
    model_args: tuple

    def rerun(self, key, evidence=None) -> "NUTSResult":
        """Run the same sampler again (warm-up included) with a new key, reusing its compiled code.

        Parameters
        ----------
        key : jax.Array
            A PRNG key for the new run.
        evidence : array_like of shape (N,), optional
            Replaces the evidence (same shape and dtype: no recompilation); default: keep it.

        Returns
        -------
        NUTSResult
            The new draws (chains, draws, N), the same ``mcmc`` object, and the model arguments used.

        Raises
        ------
        TypeError, ValueError
            A bad key, or evidence that is not a finite (N,) array.
        """
        network, _, it = self.model_args
        args = self.model_args if evidence is None else check_posterior_args(network, evidence, it)
        self.mcmc.run(v.prng_key(key), *args, extra_fields=EXTRA_FIELDS)
        return NUTSResult(self.mcmc.get_samples(group_by_chain=True)[SITE], self.mcmc, args)


def resolve_model(model):
    """A model function from a name in :data:`MODELS` or a callable ``model(network, evidence, iT)``.

    Parameters
    ----------
    model : str or callable
        ``"boltzmann"``, ``"synchronous"`` or a NumPyro model taking ``(network, evidence, iT)``
        (returned as is).

    Returns
    -------
    callable
        The NumPyro model.

    Raises
    ------
    ValueError
        An unknown name.

    Examples
    --------
    >>> from inference.nuts import resolve_model
    >>> resolve_model("synchronous").__name__
    'synchronous_stationary_model'
    """
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

    The Boltzmann model is ``p(sigma | e) ∝ exp(iT ((b + e)·sigma + 1/2 sigma^T Js sigma))`` on
    [-1, 1]^N, ``Js = (J + J^T) / 2`` (:func:`~inference.models.boltzmann_model`). Each chain runs
    ``n_warmup`` adaptation steps, then ``n_samples`` steps, keeping every ``thinning``-th. The
    potential energy, divergences and tree sizes are kept as extra fields.

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    network : fepnet.Network
        Couplings J (N, N) and biases b (N,).
    evidence : array_like of shape (N,), optional
        Bias shift e (default none: zeros).
    inverse_temperature : float, optional
        iT > 0 (default 1).
    model : str or callable, optional
        ``"boltzmann"`` (default), ``"synchronous"`` (pi_sync) or a NumPyro model
        ``model(network, evidence, iT)`` with the sample site ``"sigma"``.
    n_chains : int, optional
        Chains (default 4).
    n_warmup, n_samples : int, optional
        Adaptation steps (>= 0) and sampling steps (>= ``thinning``) per chain (default 1000 each).
    thinning : int, optional
        Keep every ``thinning``-th draw (default 1).
    chain_method : {"vectorized", "sequential", "parallel"}, optional
        NumPyro's: one device with the chains in lockstep (default), one after another, or one
        chain per device.
    progress : bool, optional
        NumPyro's progress bar (default off).
    init_sigma : array_like of shape (N,) or (n_chains, N), optional
        Starting states strictly inside (-1, 1) (default: NumPyro's uniform init in the
        unconstrained space).
    **nuts_kwargs
        Passed to ``numpyro.infer.NUTS`` (``target_accept_prob``, ``dense_mass``,
        ``max_tree_depth``, ...).

    Returns
    -------
    NUTSResult
        ``samples`` (n_chains, n_samples // thinning, N), the ``mcmc`` object and ``model_args``.

    Raises
    ------
    TypeError
        ``network`` not a Network; a bad key; non-real arguments.
    ValueError
        ``inverse_temperature`` not positive; ``evidence`` not (N,) and finite; an unknown
        ``model`` or ``chain_method``; counts out of range; ``init_sigma`` of another shape or
        not strictly inside (-1, 1).

    Examples
    --------
    NUTS against the exact moments of a two-node network (8-25 s on a 2-core CPU, mostly
    compilation; skipped in the doctests):

    >>> import jax, jax.numpy as jnp, fepnet
    >>> from inference import boltzmann_moments, moment_z_scores, run_nuts
    >>> net = fepnet.Network(jnp.array([[0.0, 0.5], [0.5, 0.0]]), jnp.array([0.2, -0.1]))
    >>> res = run_nuts(jax.random.key(0), net, n_chains=2, n_warmup=200, n_samples=500)  # doctest: +SKIP
    >>> res.samples.shape  # doctest: +SKIP
    (2, 500, 2)
    >>> bool(moment_z_scores(res.samples, boltzmann_moments(net)).max_abs_z < 4.5)  # doctest: +SKIP
    True
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
