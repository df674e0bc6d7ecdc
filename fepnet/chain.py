"""Drive any step kernel with ``lax.scan``: ``run`` for n steps, optionally keeping a thinned trajectory."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from .infra import checks as v
from .kernels import ChainState, Kernel, KernelParams

__all__ = ["run"]


# Steps whose noise is drawn together in one vectorised call (bounded memory: CHUNK x noise of a step).
NOISE_CHUNK = 128


@partial(jax.jit, static_argnames=("kernel", "n_steps", "thin", "trace"))
def _run(kernel, key, state, params, n_steps, thin, trace):
    n, dtype = state.sigma.shape[-1], state.sigma.dtype

    random = key is not None and kernel.needs_key

    def advance(s, ts, keep):
        """Steps ts (L,) from s; the noise of step t comes from fold_in(key, t), drawn for all L at once."""
        if random:
            xs = jax.vmap(lambda t: kernel.noise(jax.random.fold_in(key, t), n, dtype))(ts)
        else:
            xs = jnp.zeros(ts.shape[0])  # deterministic: only a step count

        def step(s, x):
            s = kernel.apply(x if random else None, s, params)
            return s, (s.sigma if keep else None)

        return jax.lax.scan(step, s, xs)

    def chunked(s, lo, hi, length, keep):
        """Steps lo .. hi-1 in chunks of ``length``; returns (s, kept sigma (hi - lo, N) or None)."""
        n_chunks, rest = divmod(hi - lo, length)
        s, kept = jax.lax.scan(lambda s, t0: advance(s, t0 + jnp.arange(length), keep), s,
                               lo + length * jnp.arange(n_chunks))
        kept = None if kept is None else kept.reshape((-1,) + kept.shape[2:])
        if rest:
            s, tail = advance(s, jnp.arange(hi - rest, hi), keep)
            kept = None if kept is None else jnp.concatenate([kept, tail])
        return s, kept

    if not trace:
        return chunked(state, 0, n_steps, NOISE_CHUNK, False)[0], None
    if thin == 1:
        return chunked(state, 0, n_steps, NOISE_CHUNK, True)

    def block(s, t0):  # thin steps, keep the last state
        s, _ = advance(s, t0 + jnp.arange(thin), False)
        return s, s.sigma

    n_kept = n_steps // thin
    final, kept = jax.lax.scan(block, state, thin * jnp.arange(n_kept))
    final, _ = chunked(final, n_kept * thin, n_steps, NOISE_CHUNK, False)
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
        raise TypeError(f"params must be KernelParams (fepnet.kernel_params(network, iT)), got {type(params).__name__}")
    n = params.network.couplings.shape[-1]
    if state.sigma.shape[-1] != n:
        raise ValueError(f"state.sigma has {state.sigma.shape[-1]} nodes but the network has {n}")
    if v.is_concrete(params.inverse_temperature) and not np.all(np.asarray(params.inverse_temperature) > 0):
        raise ValueError("inverse_temperature must be positive")
    kernel.check_network(params.network)  # a chromatic colouring must fit this network
    return _run(kernel, key, state, params, n_steps, thin, bool(trace))
