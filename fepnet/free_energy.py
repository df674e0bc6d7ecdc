"""Naive mean-field variational free energy with independent CB factors.

For q(sigma) = prod_i CB(lambda_i) with means m = L(lambda),

    F(m) = -iT (b·m + 1/2 m^T Js m) - sum_i H(L^{-1}(m_i))     (+ log Z, dropped)

Its stationary points are the deterministic fixed points m = L(iT (b + Js m));
sequential deterministic updates are exact coordinate minimisations, so they
never increase F.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .infra import checks as v
from . import cb, cb_math
from .network import Network

__all__ = ["FreeEnergyTerms", "free_energy_terms", "mean_field_free_energy"]


class FreeEnergyTerms(NamedTuple):
    """F = complexity - accuracy, each (...) (see :func:`free_energy_terms`)."""

    free_energy: jnp.ndarray
    accuracy: jnp.ndarray
    complexity: jnp.ndarray


def free_energy_terms(couplings, biases, natural, inverse_temperature) -> FreeEnergyTerms:
    """F of q = prod_i CB(lambda_i) split into accuracy and complexity; natural = lambda (..., N).

    accuracy   = iT b·m                                  E_q log-likelihood of the evidence b
    complexity = -iT 1/2 m^T Js m - sum_i H(lambda_i)    KL(q || coupling prior) up to its log Z
    F          = complexity - accuracy,                  m = L(lambda)

    Unchecked (jittable); :func:`mean_field_free_energy` is the validated entry point.
    """
    m = cb_math.langevin(natural)  # unchecked, like this function
    accuracy = inverse_temperature * (m @ biases)
    quad = jnp.einsum("...i,...i->...", m, jnp.einsum("ij,...j->...i", couplings, m))
    complexity = -0.5 * inverse_temperature * quad - jnp.sum(cb_math.entropy(natural), axis=-1)
    return FreeEnergyTerms(complexity - accuracy, accuracy, complexity)


def mean_field_free_energy(network: Network, m, inverse_temperature=1.0):
    """F(m) for means m (..., N) in (-1, 1) -> (...)."""
    it = v.positive_scalar(inverse_temperature, "inverse_temperature")
    m = v.states(m, "m", network.size)
    return free_energy_terms(network.couplings, network.biases, cb.inverse_langevin(m), it).free_energy
