"""Drive any step kernel with ``lax.scan``: :func:`run` applies it for n steps, optionally keeping a thinned trajectory."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from . import sharding
from .infra import checks as v
from .kernels import ChainState, Kernel, KernelParams
from .network import Network

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

    def block(s, t0):  # thin steps (noise drawn NOISE_CHUNK steps at a time), keep the last state
        n_chunks, rest = divmod(thin, NOISE_CHUNK)
        if n_chunks:
            s, _ = jax.lax.scan(lambda s, c0: advance(s, c0 + jnp.arange(NOISE_CHUNK), False), s,
                                t0 + NOISE_CHUNK * jnp.arange(n_chunks))
        if rest:
            s, _ = advance(s, t0 + n_chunks * NOISE_CHUNK + jnp.arange(rest), False)
        return s, s.sigma

    n_kept = n_steps // thin
    final, kept = jax.lax.scan(block, state, thin * jnp.arange(n_kept))
    final, _ = chunked(final, n_kept * thin, n_steps, NOISE_CHUNK, False)
    return final, kept


def run(kernel: Kernel, key, state: ChainState, params: KernelParams, n_steps: int, *, thin: int = 1, trace: bool = False,
        devices=None):
    """Apply ``kernel`` ``n_steps`` times from ``state``: returns ``(final_state, trajectory)``.

    Each step updates every node once on average (module docstring of
    :mod:`fepnet.kernels`): sigma_i ~ CB(iT (b_i + sum_j J_ij sigma_j)), or its mean L(.)
    for deterministic kernels. Step t uses the key ``fold_in(key, t)``; the noise of up to
    128 steps is drawn in one vectorised call (the same numbers). Jitted; ``jax.vmap``
    over ``key`` (chains) or over ``state`` / ``params`` (networks) works as usual.
    The value checks (finite, in range) run on concrete inputs and are skipped under
    ``jit`` / ``vmap`` tracing.

    Parameters
    ----------
    kernel : Kernel
        From :func:`~fepnet.kernels.build_kernel`.
    key : jax.Array or None
        A JAX PRNG key; ``None`` is accepted by deterministic kernels of the synchronous,
        sequential and chromatic schedules.
    state : ChainState
        sigma (N,) in [-1, 1] (batch chains with ``jax.vmap``). An integer state is cast to the
        network's dtype, a float state of lower precision is promoted to it.
    params : KernelParams
        From :func:`~fepnet.kernels.kernel_params`.
    n_steps : int
        Number of steps, >= 0.
    thin : int, default 1
        Keep every ``thin``-th state in the trajectory.
    trace : bool, default False
        Return the trajectory.
    devices : None, int, sequence of jax.Device or jax.sharding.Mesh, optional
        Split J by rows over these devices and sigma and b by node (:mod:`fepnet.sharding`);
        each step all-gathers the states. Synchronous and chromatic schedules only; N a
        multiple of the device count. The result is bit-identical to ``devices=None`` (one
        device); under ``jax.vmap`` over chains the field is a matrix product, blocked by
        shape: float32 rounding.

    Returns
    -------
    final_state : ChainState
        The state after ``n_steps`` steps.
    trajectory : jax.Array of shape (n_steps // thin, N), or None
        sigma after steps thin, 2 thin, ... (``trace=True``); else ``None``.

    Raises
    ------
    TypeError
        ``kernel``, ``state``, ``params`` or ``key`` of the wrong type; a bool, complex
        or non-numeric ``state.sigma``; ``n_steps`` or ``thin`` not integers.
    ValueError
        ``state.sigma`` of another size or shape than (N,), non-finite or outside [-1, 1];
        ``inverse_temperature`` not a positive scalar, finite in the network's dtype (when
        concrete); ``n_steps`` < 0, ``thin`` < 1 or either above 2**31 - 1; a trajectory
        larger than the device's memory; a missing ``key`` for a kernel that needs one;
        ``devices`` not visible, a single-site schedule with ``devices``, or N not a
        multiple of their count.

    Examples
    --------
    A two-pattern network x x^T sampled by synchronous CB draws at iT = 2:

    >>> import jax, jax.numpy as jnp, fepnet
    >>> x = jnp.array([1.0, 1.0, -1.0, -1.0])
    >>> net = fepnet.Network(jnp.outer(x, x), zero_diagonal=True)
    >>> params = fepnet.kernel_params(net, 2.0)
    >>> kernel = fepnet.build_kernel("synchronous")
    >>> final, traj = fepnet.run(kernel, jax.random.key(0), fepnet.init_state(net), params, 1000,
    ...                          thin=10, trace=True)
    >>> traj.shape
    (100, 4)

    The deterministic kernel needs no key and converges to a fixed point m = L(iT (b + J m)):

    >>> det = fepnet.build_kernel("synchronous", stochastic=False)
    >>> start = fepnet.init_state(net, jnp.array([0.2, 0.1, -0.3, 0.0]))
    >>> final, _ = fepnet.run(det, None, start, params, 50)
    >>> final.sigma.tolist()
    [0.7889, 0.7889, -0.7889, -0.7889]
    """
    if not isinstance(kernel, Kernel):
        raise TypeError(f"kernel must be a fepnet Kernel (build_kernel(...)), got {type(kernel).__name__}")
    n_steps = v.count(n_steps, "n_steps", minimum=0)
    thin = v.count(thin, "thin", minimum=1)
    mesh = sharding.row_mesh(devices)
    if key is None:
        if kernel.needs_key:
            raise ValueError(f"key is required by the {kernel.schedule} kernel (stochastic={kernel.stochastic})")
    else:
        key = v.prng_key(key)
    if not isinstance(state, ChainState):
        raise TypeError(f"state must be a ChainState (init_state(network)), got {type(state).__name__}")
    if not isinstance(params, KernelParams):
        raise TypeError(f"params must be KernelParams (fepnet.kernel_params(network, iT)), got {type(params).__name__}")
    if not isinstance(params.network, Network):
        raise TypeError(f"params.network must be a fepnet.Network, got {type(params.network).__name__}")
    n = params.network.couplings.shape[-1]
    shape = tuple(getattr(state.sigma, "shape", ()))
    if shape and shape[-1] != n:
        raise ValueError(f"state.sigma has {shape[-1]} nodes but the network has {n}")
    raw = getattr(state.sigma, "dtype", None)
    sigma = v.states(state.sigma, "state.sigma", n, batch_ok=False)
    dtype = params.network.couplings.dtype
    # an integer state takes the network's dtype; a float16 state under a float32 network is promoted
    target = jnp.result_type(sigma.dtype, dtype) if raw is not None and jnp.issubdtype(raw, jnp.floating) else dtype
    state = state._replace(sigma=sigma.astype(target))
    if v.is_concrete(params.inverse_temperature):  # KernelParams built by hand bypass kernel_params()
        params = params._replace(inverse_temperature=v.positive_scalar(
            params.inverse_temperature, "inverse_temperature", dtype=dtype))
    kernel.check_network(params.network)  # a chromatic colouring must fit this network
    if trace:
        v.allocation((n_steps // thin) * n * jnp.dtype(target).itemsize,
                     f"trace=True with n_steps={n_steps}, thin={thin} (N={n}, {jnp.dtype(target).name})")
    state, params = sharding.place_chain(kernel, state, params, mesh)
    return _run(kernel, key, state, params, n_steps, thin, bool(trace))
