"""The learning rule with J's rank-1 updates deferred to the end of each epoch (``update="epoch"``).

A learning step is memory-bound at large N: with ``update="step"`` (the default, the
reference arithmetic) each step reads J for the rank-1 update, writes it, and reads it again
for the field h = J sigma. Within an epoch of S steps that start from J0, the couplings
after t steps are

    J_t = J0 + sum_{k<t} e_k sigma_k^T   (off the diagonal),   e_k = alpha (sigma_k - L(h_k)),

so the field needs only J0 and the S vectors kept so far, U = [e_k] (N, S), V = [sigma_k] (N, S):

    h = J_t sigma = J0 sigma + U (V^T sigma) - (sum_k e_k * sigma_k) * sigma.

One read of J0 per step, and one read and write of J per epoch to add U V^T (off the
diagonal), done here by row blocks in place. The rule is the same; the rounding is not: the
updates are summed in another order and the field is a sum of three terms, so results differ
from ``update="step"`` in the last bits (float32, N = 1,000, 1,000 steps: max |dJ| 1.7e-6 of
max |J|, states within 1e-6; N = 4,096, 300 steps: 2.2e-6, states within 1.3e-5). See
docs/scaling.md for the measured speed (about 1.5-1.8x the default at N >= 4,096 on 2 cores).
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from .learning import sample_with_error

__all__ = ["UPDATES", "check_update", "flush", "run_epoch"]

UPDATES = ("step", "epoch")
FLUSH_BYTES = 1 << 20  # rows per block of the flush: about this many bytes of J


def check_update(update, mask, free_energy) -> None:
    """``update`` is one of :data:`UPDATES`; "epoch" takes no mask and records no free energy (``ValueError``)."""
    if update not in UPDATES:
        raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
    if update == "epoch" and mask is not None:
        raise ValueError("mask needs update='step' (with update='epoch' the deferred updates are not masked)")
    if update == "epoch" and free_energy:
        raise ValueError("free_energy=True needs update='step' (update='epoch' does not form J at every step)")


def flush(J, U, V):
    """J + U V^T off the diagonal (J (N, N), U and V (N, S)), rewritten in place by row blocks.

    Inside a jitted function whose J is a loop-carried or donated buffer, XLA updates J in
    place: each block of rows is read, gets its (B, S) x (S, N) product added, and is written
    back, so no N x N product is ever materialised.
    """
    n = J.shape[-1]
    block = max(1, min(n, FLUSH_BYTES // (n * J.dtype.itemsize)))

    def rows(J, r0, size):
        part = lax.dynamic_slice_in_dim(J, r0, size)
        i = r0 + lax.broadcasted_iota(jnp.int32, (size, n), 0)
        j = lax.broadcasted_iota(jnp.int32, (size, n), 1)
        delta = lax.dynamic_slice_in_dim(U, r0, size) @ V.T
        return lax.dynamic_update_slice_in_dim(J, part + jnp.where(i == j, 0.0, delta), r0, 0)

    full, tail = divmod(n, block)
    J = lax.fori_loop(0, full, lambda k, J: rows(J, k * block, block), J)
    return rows(J, full * block, tail) if tail else J


def run_epoch(J, s, u, params, precision_weighted: bool, trace: bool):
    """One epoch of S steps (u (S, N) uniforms) from couplings J and state s, J updated once at the end.

    Returns ``((J, s), (states, bad_field))``: states (S, N) or None, and bad_field (S,): the
    step's field was not finite (as in :func:`fepnet.training.run_epochs`).
    """
    n, steps = s.shape[-1], u.shape[0]
    zeros = jnp.zeros((n, steps), J.dtype)

    def step(c, xs):
        U, V, diag, s = c
        t, u_t = xs
        h = J @ s + U @ (V.T @ s) - diag * s
        sigma, err = sample_with_error(u_t, h, params, precision_weighted)
        U = lax.dynamic_update_slice_in_dim(U, err[:, None], t, 1)
        V = lax.dynamic_update_slice_in_dim(V, sigma[:, None], t, 1)
        return (U, V, diag + err * sigma, sigma), (sigma if trace else None, ~jnp.all(jnp.isfinite(h)))

    (U, V, _, s), (states, bad) = lax.scan(step, (zeros, zeros, jnp.zeros((n,), J.dtype), s),
                                           (jnp.arange(steps), u))
    return (flush(J, U, V), s), (states, bad)
