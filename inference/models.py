"""The network's stationary densities as NumPyro models over sigma in [-1, 1]^N.

Both models have one sample site, ``"sigma"`` (event shape (N,)), written as
independent continuous-Bernoulli factors CB(iT b) times a ``numpyro.factor``::

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

#: The name of the one sample site of both models (event shape (N,)).
SITE = "sigma"  # the name of the one sample site of both models


def posterior_terms(network: Network, evidence=None, inverse_temperature=1.0):
    """The arrays that enter both models: ``(Js, b + e, iT)``, unchecked.

    ``Js = (J + J^T) / 2`` (over the last two axes, so a batch of networks works too) and
    ``b + e`` the biases shifted by the evidence.

    Parameters
    ----------
    network : fepnet.Network
        Couplings J (..., N, N) and biases b (..., N).
    evidence : array_like of shape (N,), optional
        Bias shift e (default: none).
    inverse_temperature : float or array_like, optional
        iT (default 1), converted to the couplings' dtype.

    Returns
    -------
    js : jax.Array
        Symmetric couplings, (..., N, N).
    b : jax.Array
        Biases plus evidence, (..., N).
    it : jax.Array
        iT as a scalar array of the couplings' dtype.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> from inference.models import posterior_terms
    >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [0.0, 0.0]]), jnp.array([0.5, -0.5]))
    >>> js, b, it = posterior_terms(net, evidence=jnp.array([1.0, 0.0]), inverse_temperature=2.0)
    >>> js.tolist(), b.tolist(), float(it)
    ([[0.0, 0.5], [0.5, 0.0]], [1.5, -0.5], 2.0)
    """
    J = network.couplings
    js = 0.5 * (J + jnp.swapaxes(J, -1, -2))
    b = network.biases if evidence is None else network.biases + evidence
    return js, b, jnp.asarray(inverse_temperature, js.dtype)


def check_posterior_args(network, evidence=None, inverse_temperature=1.0):
    """Validate the model arguments ``(network, evidence, iT)`` at a public boundary.

    Parameters
    ----------
    network : fepnet.Network
        A single network of N nodes.
    evidence : array_like of shape (N,), optional
        Finite bias shift, cast to the network's dtype.
    inverse_temperature : float, optional
        iT, positive and finite (default 1).

    Returns
    -------
    network : fepnet.Network
        Unchanged.
    evidence : jax.Array or None
        (N,) in the network's dtype, or None when not given.
    inverse_temperature : jax.Array
        iT as a scalar array of the network's dtype.

    Raises
    ------
    TypeError
        ``network`` not a Network; ``evidence`` or ``inverse_temperature`` not real.
    ValueError
        ``evidence`` not of shape (N,) or not finite; ``inverse_temperature`` not positive and finite.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> from inference.models import check_posterior_args
    >>> net = fepnet.Network(jnp.zeros((2, 2)))
    >>> _, ev, it = check_posterior_args(net, [0.5, 0.0], 2)
    >>> ev.tolist(), float(it)
    ([0.5, 0.0], 2.0)
    >>> check_posterior_args(net, inverse_temperature=0.0)
    Traceback (most recent call last):
        ...
    ValueError: ...
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    if evidence is not None:
        evidence = v.as_real_array(evidence, "evidence", shape=(network.size,), dtype=network.dtype)
    it = v.positive_scalar(inverse_temperature, "inverse_temperature", dtype=network.dtype)
    return network, evidence, it


def boltzmann_model(network: Network, evidence=None, inverse_temperature=1.0):
    """NumPyro model of the Boltzmann posterior p(sigma | evidence) ∝ exp(iT (b·sigma + 1/2 sigma^T Js sigma)).

    ``sigma ~ prod_i CB(iT b_i)``, then ``factor("coupling", iT/2 sigma^T Js sigma)``, with b the
    biases plus the evidence and ``Js = (J + J^T) / 2``; the log joint is
    ``iT (b·sigma + 1/2 sigma^T Js sigma) - sum_i A(iT b_i)``, ``A(c) = log(2 sinh(c) / c)``.
    Arguments are not validated here (the model is traced); use
    :func:`check_posterior_args` or the ``run_*`` helpers, which do.

    Parameters
    ----------
    network : fepnet.Network
        Couplings J (N, N) (only Js enters) and biases b (N,).
    evidence : array_like of shape (N,), optional
        Bias shift (the posterior given evidence); default none.
    inverse_temperature : float, optional
        iT > 0 (default 1).

    Returns
    -------
    None
        A NumPyro model: it records the sample site ``"sigma"`` (event shape (N,)) and the
        factor ``"coupling"`` in the active NumPyro handlers.

    Examples
    --------
    The log joint at sigma = (0.5, -0.5) for J = [[0, 1], [1, 0]], b = (0.2, 0), iT = 1 is
    ``0.1 - 0.25 - A(0.2) - A(0)``:

    >>> import jax.numpy as jnp, fepnet
    >>> from numpyro.infer.util import log_density
    >>> from inference.models import boltzmann_model
    >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [1.0, 0.0]]), jnp.array([0.2, 0.0]))
    >>> lp, _ = log_density(boltzmann_model, (net,), {}, {"sigma": jnp.array([0.5, -0.5])})
    >>> round(float(lp), 3)
    -1.543
    """
    js, b, it = posterior_terms(network, evidence, inverse_temperature)
    sigma = numpyro.sample(SITE, ContinuousBernoulli(it * b).to_event(1))
    numpyro.factor("coupling", 0.5 * it * jnp.einsum("...i,ij,...j->...", sigma, js, sigma))


def synchronous_stationary_model(network: Network, evidence=None, inverse_temperature=1.0):
    """NumPyro model of pi_sync, the stationary density of the synchronous chain (symmetric part of J).

    ``pi_sync(sigma) ∝ exp(iT b·sigma) prod_i 2 sinh(c_i) / c_i``, ``c = iT (b + Js sigma)``: the
    model draws ``sigma ~ prod_i CB(iT b_i)`` and adds ``factor("synchronous", sum_i A(c_i))``
    with ``A(c) = log(2 sinh(c) / c)``. Exact for symmetric J (detailed balance of the
    synchronous chain); for asymmetric J it describes the chain of Js. Arguments are not
    validated here.

    Parameters
    ----------
    network : fepnet.Network
        Couplings J (N, N) (only Js enters) and biases b (N,).
    evidence : array_like of shape (N,), optional
        Bias shift; default none.
    inverse_temperature : float, optional
        iT > 0 (default 1).

    Returns
    -------
    None
        A NumPyro model with the sample site ``"sigma"`` (event shape (N,)) and the factor
        ``"synchronous"``.

    Examples
    --------
    With J = 0 the factor is ``sum_i A(iT b_i)`` and cancels the CB normalisers, so the log joint
    is ``iT b·sigma``:

    >>> import jax.numpy as jnp, fepnet
    >>> from numpyro.infer.util import log_density
    >>> from inference.models import synchronous_stationary_model
    >>> net = fepnet.Network(jnp.zeros((2, 2)), jnp.array([1.0, -2.0]))
    >>> lp, _ = log_density(synchronous_stationary_model, (net,), {}, {"sigma": jnp.array([0.5, 0.5])})
    >>> round(float(lp), 4)
    -0.5
    """
    js, b, it = posterior_terms(network, evidence, inverse_temperature)
    sigma = numpyro.sample(SITE, ContinuousBernoulli(it * b).to_event(1))
    c = it * (b + jnp.einsum("ij,...j->...i", js, sigma))
    numpyro.factor("synchronous", jnp.sum(cb.log_normalizer(c), axis=-1))
