"""Drive any step kernel with ``lax.scan``: ``run`` for n steps, optionally keeping a thinned trajectory."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from . import _validation as v
from .kernels import ChainState, Kernel, KernelParams

__all__ = ["run"]


@partial(jax.jit, static_argnames=("kernel", "n_steps", "thin", "trace"))
def _run(kernel, key, state, params, n_steps, thin, trace):
    def step(s, t):
        k = None if key is None else jax.random.fold_in(key, t)
        return kernel(k, s, params), None

    if not trace:
        final, _ = jax.lax.scan(step, state, jnp.arange(n_steps))
        return final, None

    def block(s, t0):
        s, _ = jax.lax.scan(step, s, t0 + jnp.arange(thin))
        return s, s.sigma

    n_kept = n_steps // thin
    final, kept = jax.lax.scan(block, state, thin * jnp.arange(n_kept))
    rest = n_steps - n_kept * thin
    if rest:
        final, _ = jax.lax.scan(step, final, n_kept * thin + jnp.arange(rest))
    return final, kept


def run(kernel: Kernel, key, state: ChainState, params: KernelParams, n_steps: int, *, thin: int = 1, trace: bool = False):
    """Apply ``kernel`` ``n_steps`` times from ``state``: returns ``(final_state, trajectory)``.

    Step t uses the key ``fold_in(key, t)``. With ``trace=True`` the trajectory
    holds ``sigma`` after every ``thin``-th step, shape (n_steps // thin, N);
    otherwise it is ``None``. Jitted; ``jax.vmap`` over ``key`` (chains) or over
    ``state`` / ``params`` (networks) works as usual. Deterministic kernels of
    the synchronous, sequential and chromatic schedules accept ``key=None``.
    """
    if not isinstance(kernel, Kernel):
        raise TypeError(f"kernel must be a fepnet Kernel (build_kernel(...)), got {type(kernel).__name__}")
    n_steps = v.count(n_steps, "n_steps", minimum=0)
    thin = v.count(thin, "thin", minimum=1)
    if key is None:
        if kernel.needs_key:
            raise ValueError(f"key is required by the {kernel.schedule} kernel (stochastic={kernel.stochastic})")
    else:
        key = v.prng_key(key)
    if not isinstance(state, ChainState):
        raise TypeError(f"state must be a ChainState (init_state(network)), got {type(state).__name__}")
    if not isinstance(params, KernelParams):
        raise TypeError(f"params must be KernelParams (fepnet.params(network, iT)), got {type(params).__name__}")
    n = params.network.couplings.shape[-1]
    if state.sigma.shape[-1] != n:
        raise ValueError(f"state.sigma has {state.sigma.shape[-1]} nodes but the network has {n}")
    if v.is_concrete(params.inverse_temperature) and not np.all(np.asarray(params.inverse_temperature) > 0):
        raise ValueError("inverse_temperature must be positive")
    return _run(kernel, key, state, params, n_steps, thin, bool(trace))
