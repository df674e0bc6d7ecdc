"""Naive mean-field variational free energy of a network, with independent CB factors.

For q(sigma) = prod_i CB(lambda_i) with means m = L(lambda) (L(x) = coth(x) - 1/x), at
inverse temperature iT::

    F(m) = -iT (b·m + 1/2 m^T Js m) - sum_i H(L^{-1}(m_i))  =  KL(q || p) - log Z  >=  -log Z

(Js = (J + J^T) / 2, H the CB entropy, p the Boltzmann density of :mod:`fepnet.network`
with normaliser Z, dropped). Its stationary points are the deterministic fixed points
m = L(iT (b + Js m)); for symmetric J, sequential deterministic updates
(:func:`~fepnet.relaxation.relax` with ``schedule="sequential"``) are exact coordinate minimisations,
so they never increase F.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .infra import checks as v
from . import cb, cb_math
from .network import Network

__all__ = ["FreeEnergyTerms", "free_energy_terms", "mean_field_free_energy"]


class FreeEnergyTerms(NamedTuple):
    """The mean-field free energy split as F = complexity - accuracy (see :func:`free_energy_terms`).

    Attributes
    ----------
    free_energy : jax.Array, shape (...)
        F = complexity - accuracy.
    accuracy : jax.Array, shape (...)
        iT b·m, the expected log-likelihood of the evidence held in the biases b.
    complexity : jax.Array, shape (...)
        -iT 1/2 m^T J m - sum_i H(lambda_i): KL(q || coupling prior) up to the prior's log Z.
    """

    free_energy: jnp.ndarray
    accuracy: jnp.ndarray
    complexity: jnp.ndarray


def free_energy_terms(couplings, biases, natural, inverse_temperature) -> FreeEnergyTerms:
    """F of q = prod_i CB(lambda_i) split into accuracy and complexity (unchecked, jittable).

    With m = L(lambda)::

        accuracy   = iT b·m                               E_q log-likelihood of the evidence b
        complexity = -iT 1/2 m^T J m - sum_i H(lambda_i)   KL(q || coupling prior) up to its log Z
        F          = complexity - accuracy

    (m^T J m = m^T Js m.) No argument checks: :func:`mean_field_free_energy` is the
    validated entry point, and the training loop calls this one.

    Parameters
    ----------
    couplings : jax.Array, shape (N, N)
        J (or Js).
    biases : jax.Array, shape (N,)
        b, including any evidence.
    natural : jax.Array, shape (..., N)
        The natural parameters lambda of the factors (m = L(lambda)).
    inverse_temperature : float or jax.Array, shape ()
        iT.

    Returns
    -------
    FreeEnergyTerms
        ``free_energy``, ``accuracy``, ``complexity``, each of shape (...), in nats.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> J = jnp.array([[0.0, 1.0], [1.0, 0.0]])
    >>> t = fepnet.free_energy_terms(J, jnp.array([1.0, 0.0]), jnp.zeros(2), 1.0)
    >>> [round(float(v), 4) for v in t]  # q uniform: F = -2 log 2
    [-1.3863, 0.0, -1.3863]
    """
    m = cb_math.langevin(natural)  # unchecked, like this function
    accuracy = inverse_temperature * (m @ biases)
    quad = jnp.einsum("...i,...i->...", m, jnp.einsum("ij,...j->...i", couplings, m))
    complexity = -0.5 * inverse_temperature * quad - jnp.sum(cb_math.entropy(natural), axis=-1)
    return FreeEnergyTerms(complexity - accuracy, accuracy, complexity)


def mean_field_free_energy(network: Network, m, inverse_temperature=1.0):
    """Naive mean-field free energy F(m) = -iT (b·m + 1/2 m^T Js m) - sum_i H(L^{-1}(m_i)).

    F(m) = KL(q || p) - log Z for the product of CB factors with means m, so F >= -log Z,
    with equality only if q = p.

    Parameters
    ----------
    network : Network
        J (N, N), b (N,).
    m : array_like of float, shape (..., N)
        Means in [-1, 1] (+-1 gives an infinite natural parameter and F = +inf).
    inverse_temperature : float, default 1.0
        iT > 0.

    Returns
    -------
    jax.Array, shape (...)
        F in nats.

    Raises
    ------
    TypeError
        ``m`` or ``inverse_temperature`` not real numbers.
    ValueError
        ``m`` of the wrong size, not finite or outside [-1, 1]; ``inverse_temperature`` not
        positive and finite.

    Examples
    --------
    A fixed point of :func:`~fepnet.relaxation.relax` has lower F than the uniform q (m = 0):

    >>> import jax.numpy as jnp, fepnet
    >>> x = jnp.array([1.0, 1.0, -1.0, -1.0])
    >>> net = fepnet.Network(jnp.outer(x, x), zero_diagonal=True)
    >>> m = fepnet.relax(net, jnp.array([0.2, 0.1, -0.3, 0.0]), 2.0).sigma
    >>> fepnet.mean_field_free_energy(net, jnp.stack([m, jnp.zeros(4)]), 2.0).tolist()
    [-5.2464, -2.7726]
    """
    it = v.positive_scalar(inverse_temperature, "inverse_temperature")
    m = v.states(m, "m", network.size)
    return free_energy_terms(network.couplings, network.biases, cb.inverse_langevin(m), it).free_energy
