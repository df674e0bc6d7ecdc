"""Route (b): the held-out transition log-likelihood of fixed networks.

    log p(x_t | u_t, network) = sum_i log CB(x_t,i | iT (b + J u_t)_i)

on streams the networks never saw: no fitting, no normalising constant, exact
for any J. See :mod:`diagnostics.model_selection` for when to use it.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from fepnet.infra import checks as v

from ._common import check_network, inverse_temperature_value

__all__ = ["heldout_transition_log_likelihood"]


def heldout_transition_log_likelihood(network, states, *, inverse_temperature=1.0, field: str = "previous") -> np.ndarray:
    """Pointwise log p(x_t | u_t, network) of held-out states (route (b)).

    log p(x_t | u_t) = sum_i log CB(x_t,i | iT (b + J u_t)_i), computed by
    :func:`inference.coupling.transition_log_likelihood` in the network's dtype.
    Compare networks A and B by d_t = ll_A(t) - ll_B(t): sum d_t +- sqrt(n var d_t).

    Parameters
    ----------
    network : fepnet.Network
        One network, couplings (N, N); any J (symmetric or not).
    states : array (T, N) or (S, T, N)
        One stream, or S streams, of states in [-1, 1].
    inverse_temperature : float
        iT > 0.
    field : {"previous", "same"}
        Observations as in :func:`inference.coupling.coupling_data`: ``"previous"``
        u_t = x_{t-1} within each stream (n = S (T - 1)); ``"same"`` u_t = x_t (n = S T).

    Returns
    -------
    numpy.ndarray
        (n,) float64, log p(x_t | u_t) of every observation.

    Raises
    ------
    TypeError, ValueError
        For a batch of networks, a non-positive iT, or states of the wrong shape.

    Examples
    --------
    With J = 0 and b = 0 every node value has density 1/2 on [-1, 1]:

    >>> import jax.numpy as jnp, fepnet
    >>> from diagnostics.model_selection import heldout_transition_log_likelihood
    >>> net = fepnet.Network(jnp.zeros((2, 2)), jnp.zeros(2))
    >>> ll = heldout_transition_log_likelihood(net, [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]])
    >>> ll.shape, [round(float(v), 4) for v in ll]
    ((2,), [-1.3863, -1.3863])
    """
    from inference.coupling import coupling_data, transition_log_likelihood

    network = check_network(network)
    it = inverse_temperature_value(inverse_temperature)
    x = v.as_real_array(states, "states")
    if x.ndim not in (2, 3) or x.shape[-1] != network.size:
        raise ValueError(f"states must have shape (T, {network.size}) or (S, T, {network.size}) to match the "
                         f"network, got {tuple(x.shape)}")
    data = coupling_data(x.astype(network.dtype), field)
    ll = transition_log_likelihood(network.couplings, network.biases, data, jnp.asarray(it, network.dtype))
    return np.asarray(ll, np.float64)
