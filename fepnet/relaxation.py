"""Deterministic relaxation to a fixed point m = L(iT (b + J m)), L(x) = coth(x) - 1/x, with a tolerance and a step cap.

:func:`relax` iterates a deterministic step kernel of any schedule from one state or a
batch of states and reports, per state, whether it converged, stopped on a period-2 orbit
(synchronous updates can) or hit the step cap; :func:`relax_state` is its jitted inner
loop without argument checks.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from . import sharding
from .infra import checks as v
from .kernels import ChainState, build_kernel, kernel_params
from .network import Network

__all__ = ["RelaxResult", "relax", "relax_state"]


class RelaxResult(NamedTuple):
    """Outcome of :func:`relax`; every field carries the batch axes (...) of the starting states.

    Attributes
    ----------
    sigma : jax.Array, shape (..., N)
        Final states (never NaN-filled, whatever the outcome).
    converged : jax.Array of bool, shape (...)
        max abs(change) of the last step < tol.
    two_cycle : jax.Array of bool, shape (...)
        Stopped on a period-2 orbit: the state equals the one two steps back (within tol)
        but not the last one.
    n_steps : jax.Array of int32, shape (...)
        Steps taken.
    max_change : jax.Array, shape (...)
        max_i abs(sigma_i,t - sigma_i,t-1) of the last step.
    """

    sigma: jax.Array
    converged: jax.Array
    two_cycle: jax.Array
    n_steps: jax.Array
    max_change: jax.Array


@partial(jax.jit, static_argnames=("kernel", "max_steps"))
def relax_state(kernel, key, sigma, kparams, tol, max_steps) -> RelaxResult:
    """Relax one state with a built deterministic kernel until it stops changing (jitted, no argument checks).

    Iterates sigma_t = kernel(sigma_{t-1}) while max abs(sigma_t - sigma_{t-1}) >= ``tol``,
    the state is not back at the one two steps before, and t < ``max_steps``: the
    loop of :func:`relax`, for callers that batch it themselves (``jax.vmap``).

    Parameters
    ----------
    kernel : Kernel
        A deterministic step kernel (``build_kernel(schedule, stochastic=False)``); static.
    key : jax.Array or None
        Folded with the step index for kernels that need one (random scan); else ``None``.
    sigma : jax.Array, shape (N,)
        The starting state.
    kparams : KernelParams
        The network and inverse temperature.
    tol : jax.Array, shape ()
        Tolerance on max abs(change), in sigma's dtype.
    max_steps : int
        Step cap; static.

    Returns
    -------
    RelaxResult
        Unbatched fields (sigma (N,), scalars).

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> from fepnet.relaxation import relax_state
    >>> x = jnp.array([1.0, 1.0, -1.0, -1.0])
    >>> net = fepnet.Network(jnp.outer(x, x), zero_diagonal=True)
    >>> kernel = fepnet.build_kernel("synchronous", stochastic=False)
    >>> out = relax_state(kernel, None, jnp.array([0.2, 0.1, -0.3, 0.0]), fepnet.kernel_params(net, 2.0),
    ...                   jnp.float32(1e-6), 1000)
    >>> bool(out.converged), int(out.n_steps)
    (True, 13)
    """
    inf = jnp.asarray(jnp.inf, sigma.dtype)

    def cond(c):
        _, _, t, change, back2 = c
        return (t < max_steps) & (change >= tol) & ~((back2 < tol) & (t >= 2))

    def body(c):
        prev, s, t, _, _ = c
        k = None if key is None else jax.random.fold_in(key, t)
        new = kernel(k, ChainState(s), kparams).sigma
        return s, new, t + 1, jnp.max(jnp.abs(new - s)), jnp.max(jnp.abs(new - prev))

    init = (sigma, sigma, jnp.asarray(0, jnp.int32), inf, inf)
    _, s, t, change, back2 = jax.lax.while_loop(cond, body, init)
    converged = change < tol
    return RelaxResult(s, converged, (back2 < tol) & ~converged & (t >= 2), t, change)


_relax_one = relax_state  # the name relax() below uses


def relax(
    network: Network,
    sigma,
    inverse_temperature=1.0,
    *,
    schedule: str = "synchronous",
    tol: float = 1e-6,
    max_steps: int = 1000,
    key=None,
    devices=None,
) -> RelaxResult:
    """Iterate the deterministic update of ``schedule`` from ``sigma`` until it stops changing.

    The update is m_i <- L(iT (b_i + sum_j J_ij m_j)) (all nodes at once for
    ``"synchronous"``, in the schedule's order otherwise); its fixed points are the
    stationary points of the mean-field free energy (:mod:`fepnet.free_energy`). Stops
    when max abs(sigma_t - sigma_{t-1}) < ``tol`` (converged), when the state returns to the
    one two steps back (a 2-cycle, reported, not converged) or after ``max_steps`` steps
    (reported, not converged). The state is never NaN-filled. A batch of starting points
    is relaxed in one vmapped loop.

    Parameters
    ----------
    network : Network
        J (N, N), b (N,).
    sigma : array_like of float, shape (N,) or (..., N)
        Starting states in [-1, 1].
    inverse_temperature : float, default 1.0
        iT > 0.
    schedule : {"synchronous", "sequential", "random-scan", "chromatic"}, default "synchronous"
        Update order (:func:`~fepnet.kernels.build_kernel`; chromatic colours the network's coupling graph).
    tol : float, default 1e-6
        Convergence tolerance on max abs(change) per step, > 0.
    max_steps : int, default 1000
        Step cap, >= 1.
    key : jax.Array, optional
        PRNG key for the visiting order of ``"random-scan"`` (required there, ignored otherwise).
    devices : None, int, sequence of jax.Device or jax.sharding.Mesh, optional
        Split J by rows over these devices and the states by node (:mod:`fepnet.sharding`;
        synchronous and chromatic schedules, N a multiple of the device count): one state
        relaxes to the same bits as with ``devices=None``; a batch agrees to float32
        rounding (its field is a matrix product, blocked by shape).

    Returns
    -------
    RelaxResult
        ``sigma`` (..., N), ``converged``, ``two_cycle``, ``n_steps``, ``max_change`` (...).

    Raises
    ------
    TypeError
        ``network`` not a Network; ``sigma``, ``inverse_temperature`` or ``tol`` not real
        numbers; ``max_steps`` not an integer; ``key`` not a PRNG key.
    ValueError
        ``sigma`` of the wrong size, non-finite or outside [-1, 1]; ``inverse_temperature``
        or ``tol`` not positive and finite in the network's dtype (1e39 is refused for
        float32); ``max_steps`` < 1 or above 2**31 - 1; an unknown ``schedule``;
        ``random-scan`` without ``key``; ``devices`` not visible, a single-site schedule with
        ``devices``, or N not a multiple of their count.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> x = jnp.array([1.0, 1.0, -1.0, -1.0])
    >>> net = fepnet.Network(jnp.outer(x, x), zero_diagonal=True)
    >>> out = fepnet.relax(net, jnp.array([[0.2, 0.1, -0.3, 0.0], [-0.2, 0.1, 0.3, 0.0]]), 2.0)
    >>> out.sigma.tolist()
    [[0.7889, 0.7889, -0.7889, -0.7889], [-0.7889, -0.7889, 0.7889, 0.7889]]
    >>> out.converged.tolist(), out.n_steps.tolist()
    ([True, True], [13, 14])

    Synchronous updates of two nodes inhibiting each other oscillate:

    >>> anti = fepnet.Network(jnp.array([[0.0, -2.0], [-2.0, 0.0]]))
    >>> out = fepnet.relax(anti, jnp.array([1.0, 1.0]), 3.0)
    >>> bool(out.converged), bool(out.two_cycle)
    (False, True)
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    mesh = sharding.row_mesh(devices)
    if mesh is not None:
        sharding.check_schedule(schedule)
    kernel = build_kernel(schedule, stochastic=False, network=network if schedule == "chromatic" else None)
    it = v.positive_scalar(inverse_temperature, "inverse_temperature", dtype=network.dtype)
    kparams = kernel_params(network, it)
    sigma = v.states(sigma, "sigma", network.size).astype(network.dtype)
    tol = v.positive_scalar(tol, "tol", dtype=network.dtype)
    max_steps = v.count(max_steps, "max_steps", minimum=1)
    if kernel.needs_key:
        if key is None:
            raise ValueError("key is required for schedule='random-scan'")
        key = v.prng_key(key)
    elif key is not None:
        key = None
    batch = sigma.shape[:-1]
    flat = sigma.reshape((-1, network.size))
    if mesh is not None:
        kparams = kparams._replace(network=sharding.place_network(kparams.network, mesh))
        flat = sharding.put(flat, sharding.batch_of_nodes(mesh))
    out = jax.vmap(lambda s: _relax_one(kernel, key, s, kparams, tol, max_steps))(flat)
    return jax.tree_util.tree_map(lambda x: x.reshape(batch + x.shape[1:]), out)
