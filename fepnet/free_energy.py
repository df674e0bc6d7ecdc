"""Naive mean-field variational free energy with independent CB factors (SPEC §3).

For q(sigma) = prod_i CB(lambda_i) with means m = L(lambda),

    F(m) = -iT (b·m + 1/2 m^T Js m) - sum_i H(L^{-1}(m_i))     (+ log Z, dropped)

Its stationary points are the deterministic fixed points m = L(iT (b + Js m));
sequential deterministic updates are exact coordinate minimisations, so they
never increase F.
"""

from __future__ import annotations

import jax.numpy as jnp

from . import _validation as v
from . import cb
from .network import Network

__all__ = ["mean_field_free_energy"]


def mean_field_free_energy(network: Network, m, inverse_temperature=1.0):
    """F(m) for means m (..., N) in (-1, 1) -> (...)."""
    it = v.positive_scalar(inverse_temperature, "inverse_temperature")
    m = v.states(m, "m", network.size)
    energy_term = -it * (m @ network.biases + 0.5 * jnp.einsum("...i,ij,...j->...", m, network.couplings, m))
    return energy_term - jnp.sum(cb.entropy(cb.inverse_langevin(m)), axis=-1)
