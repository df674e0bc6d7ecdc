"""The exact single-site Gibbs stream of a known network: every state of a systematic scan.

Global step t updates node i = t mod N with fepnet's single-site update,
x_i <- CB(iT (b_i + J[i] @ x)) by inverse CDF, every other node unchanged. For
symmetric J this is an exact MCMC of the Boltzmann density
p(x) ∝ exp(iT (b·x + 1/2 x^T J x)). Unlike :func:`fepnet.run` with the
"sequential" kernel, which keeps one state per sweep, the stream keeps the state
after every single-site update, as the FEP rule's learning from states needs.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

import fepnet
from fepnet import Network
from fepnet.infra import checks as v

__all__ = ["BURN_IN_SWEEPS", "gibbs_stream"]

#: Default burn-in of :func:`gibbs_stream`: 50 sweeps (50 N single-site steps).
BURN_IN_SWEEPS = 50

# A systematic scan is a random-scan kernel whose visiting order is given: one step of
# ``apply`` with noise (sites (1,), u (1,)) is one single-site update of node sites[0] by u[0].
_SINGLE_SITE = fepnet.build_kernel("random-scan")


@partial(jax.jit, static_argnames=("n_steps", "burn_in"))
def _gibbs_stream(key, params, state, n_steps, burn_in):
    n = state.sigma.shape[0]
    total = burn_in + n_steps
    u = jax.random.uniform(key, (total,), state.sigma.dtype)
    sites = jnp.arange(total, dtype=jnp.int32) % n

    def update(s, site_u):
        i, ui = site_u
        s = _SINGLE_SITE.apply((i[None], ui[None]), s, params)
        return s, s.sigma

    s, _ = jax.lax.scan(lambda s, x: (update(s, x)[0], None), state, (sites[:burn_in], u[:burn_in]))
    return jax.lax.scan(update, s, (sites[burn_in:], u[burn_in:]))[1]


def gibbs_stream(key, network: Network, n_steps: int, *, inverse_temperature=1.0, burn_in: int | None = None,
                 initial=None) -> jax.Array:
    """The state after every single-site update of a systematic-scan Gibbs sampler.

    Global step t (counting the burn-in) updates node i = t mod N:
    x_i <- CB(iT (b_i + J[i] @ x)) by inverse CDF with the uniform u_t, every other
    node unchanged (u = ``jax.random.uniform(key, (burn_in + n_steps,))``). For
    symmetric J an exact MCMC of the Boltzmann density; consecutive rows differ
    in one node. One jitted ``lax.scan`` over fepnet's single-site update (the
    "random-scan" kernel with the visiting order given).

    Parameters
    ----------
    key : jax.Array
        PRNG key of the uniforms :math:`u_t`.
    network : fepnet.Network
        One network, couplings (N, N).
    n_steps : int
        Kept single-site steps (>= 1).
    inverse_temperature : float
        iT > 0.
    burn_in : int, optional
        Steps discarded first (default 50 N: whole sweeps, so the first kept
        step updates node 0).
    initial : array (N,), optional
        Starting state in [-1, 1] (default zeros).

    Returns
    -------
    jax.Array
        (n_steps, N) in the network's dtype. With whole-sweep burn-in, rows
        ``N - 1 :: N`` are one state per completed sweep.

    Raises
    ------
    TypeError, ValueError
        For a bad key, a non-Network or a batch of networks, a bad count, a
        non-positive iT, or an initial state of the wrong shape or range.

    Examples
    --------
    >>> import jax, fepnet
    >>> from diagnostics.coupling_recovery import gibbs_stream
    >>> net = fepnet.Network.random(jax.random.key(0), 3, symmetric=True)
    >>> x = gibbs_stream(jax.random.key(1), net, 6)
    >>> x.shape, [int((x[t] != x[t - 1]).sum()) <= 1 for t in range(1, 6)]
    ((6, 3), [True, True, True, True, True])
    """
    key = v.prng_key(key)
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    if network.couplings.ndim != 2:
        raise ValueError(f"network must be a single network, got couplings of shape {network.couplings.shape}")
    n = network.size
    n_steps = v.count(n_steps, "n_steps", minimum=1)
    burn_in = BURN_IN_SWEEPS * n if burn_in is None else v.count(burn_in, "burn_in")
    params = fepnet.kernel_params(network, inverse_temperature)
    if initial is None:
        state = fepnet.init_state(network)
    else:
        state = fepnet.ChainState(v.states(initial, "initial", n, batch_ok=False).astype(network.dtype))
    return _gibbs_stream(key, params, state, n_steps, burn_in)
