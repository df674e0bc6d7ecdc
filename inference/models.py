"""The network's stationary densities as NumPyro models over sigma in [-1, 1]^N.

Both models have one sample site, ``"sigma"`` (event shape (N,)), written as
independent continuous-Bernoulli factors CB(iT b) times a ``numpyro.factor``:

    boltzmann_model               p(s)       ∝ exp(iT (b·s + 1/2 s^T Js s))
    synchronous_stationary_model  pi_sync(s) ∝ exp(iT b·s) prod_i 2 sinh(c_i) / c_i,
                                  c = iT (b + Js s)

with b the biases plus the evidence and Js = (J + J^T) / 2. Only the
symmetric part of the couplings enters: s^T J s = s^T Js s, so the Boltzmann
density of an asymmetric network *is* that of its symmetric part; whether an
asymmetric network's own dynamics sample it is the question the diagnostics
test, not an assumption made here. pi_sync is the exact stationary density of
the synchronous chain for symmetric J; for asymmetric J the synchronous chain
has no detailed balance and the model describes the chain of Js instead.

With the unnormalised densities p~ above and A(c) = log(2 sinh(c) / c) the CB
log normaliser, each model's log joint is log p~(s) - sum_i A(iT b_i), so its
marginal likelihood is Z exp(-sum_i A(iT b_i)), Z = the integral of p~ over
[-1, 1]^N (``inference.exact``, ``inference.ais``).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpyro

from fepnet import Network, cb
from fepnet.infra import checks as v

from .distribution import ContinuousBernoulli

__all__ = ["SITE", "boltzmann_model", "synchronous_stationary_model", "posterior_terms", "check_posterior_args"]

SITE = "sigma"  # the name of the one sample site of both models


def posterior_terms(network: Network, evidence=None, inverse_temperature=1.0):
    """(Js, b_total, iT): the symmetric couplings, the biases plus evidence, and iT, as arrays (unchecked)."""
    J = network.couplings
    js = 0.5 * (J + jnp.swapaxes(J, -1, -2))
    b = network.biases if evidence is None else network.biases + evidence
    return js, b, jnp.asarray(inverse_temperature, js.dtype)


def check_posterior_args(network, evidence=None, inverse_temperature=1.0):
    """Validate (network, evidence, iT) at a public boundary; returns them with evidence as an array or None."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    if evidence is not None:
        evidence = v.as_real_array(evidence, "evidence", shape=(network.size,), dtype=network.dtype)
    it = v.positive_scalar(inverse_temperature, "inverse_temperature", dtype=network.dtype)
    return network, evidence, it


def boltzmann_model(network: Network, evidence=None, inverse_temperature=1.0):
    """NumPyro model of the Boltzmann posterior p(sigma | evidence) ∝ exp(iT (b·sigma + 1/2 sigma^T Js sigma)).

    sigma ~ prod_i CB(iT b_i), then ``factor("coupling", iT/2 sigma^T Js sigma)``.
    Arguments are not validated here (the model is traced); use
    :func:`check_posterior_args` or the ``run_*`` helpers, which do.
    """
    js, b, it = posterior_terms(network, evidence, inverse_temperature)
    sigma = numpyro.sample(SITE, ContinuousBernoulli(it * b).to_event(1))
    numpyro.factor("coupling", 0.5 * it * jnp.einsum("...i,ij,...j->...", sigma, js, sigma))


def synchronous_stationary_model(network: Network, evidence=None, inverse_temperature=1.0):
    """NumPyro model of pi_sync, the stationary density of the synchronous chain (symmetric part of J).

    sigma ~ prod_i CB(iT b_i), then ``factor("synchronous", sum_i A(c_i))`` with
    c = iT (b + Js sigma) and A(c) = log(2 sinh(c) / c).
    """
    js, b, it = posterior_terms(network, evidence, inverse_temperature)
    sigma = numpyro.sample(SITE, ContinuousBernoulli(it * b).to_event(1))
    c = it * (b + jnp.einsum("ij,...j->...i", js, sigma))
    numpyro.factor("synchronous", jnp.sum(cb.log_normalizer(c), axis=-1))
