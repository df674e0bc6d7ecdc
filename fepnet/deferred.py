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
from ``update="step"`` in the last bits (float32, N = 1,000, 1,000 steps: max abs(dJ) 1.7e-6 of
max abs(J), states within 1e-6; N = 4,096, 300 steps: 2.2e-6, states within 1.3e-5). See
docs/scaling.md for the measured speed (about 1.5-1.8x the default at N >= 4,096 on 2 cores).
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from .learning import sample_with_error

__all__ = ["UPDATES", "check_update", "flush", "run_epoch"]

#: The coupling-update modes (``update``) of :func:`fepnet.train`: ``"step"`` (a rank-1 update after every step, the
#: reference) or ``"epoch"`` (deferred to the end of each epoch, this module); checked by :func:`check_update`.
UPDATES = ("step", "epoch")
FLUSH_BYTES = 1 << 20  # rows per block of the flush: about this many bytes of J


def check_update(update, mask, free_energy) -> None:
    """Refuse an unknown ``update``, or ``update="epoch"`` with a mask or free-energy records.

    Parameters
    ----------
    update : str
        One of :data:`UPDATES`: ``"step"`` or ``"epoch"``.
    mask : array_like or None
        The run's coupling mask.
    free_energy : bool
        Whether the run records free-energy terms.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        ``update`` not in :data:`UPDATES`; ``"epoch"`` with a ``mask`` (the deferred updates are
        not masked) or with ``free_energy`` (J is not formed at every step).

    Examples
    --------
    >>> from fepnet.deferred import check_update
    >>> check_update("epoch", None, False)
    >>> check_update("epoch", None, True)
    Traceback (most recent call last):
    ...
    ValueError: free_energy=True needs update='step' (update='epoch' does not form J at every step)
    """
    if update not in UPDATES:
        raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
    if update == "epoch" and mask is not None:
        raise ValueError("mask needs update='step' (with update='epoch' the deferred updates are not masked)")
    if update == "epoch" and free_energy:
        raise ValueError("free_energy=True needs update='step' (update='epoch' does not form J at every step)")


def flush(J, U, V):
    """The deferred updates added: J + U V^T off the diagonal, rewritten in place by row blocks.

    J[i, j] += sum_k U[i, k] V[j, k] for i != j.

    Parameters
    ----------
    J : jax.Array, shape (N, N)
        The couplings at the start of the epoch.
    U : jax.Array, shape (N, S)
        The scaled errors e_k = alpha (sigma_k - L(h_k)) of the epoch's S steps, one per column.
    V : jax.Array, shape (N, S)
        The states sigma_k of those steps.

    Returns
    -------
    jax.Array, shape (N, N)
        The updated couplings; the diagonal unchanged.

    Notes
    -----
    Inside a jitted function whose J is a loop-carried or donated buffer, XLA updates J in
    place: each block of rows is read, gets its (B, S) x (S, N) product added, and is written
    back, so no N x N product is ever materialised.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.deferred import flush
    >>> flush(jnp.zeros((2, 2)), jnp.array([[1.0], [2.0]]), jnp.array([[3.0], [4.0]]))
    Array([[0., 4.],
           [6., 0.]], dtype=float32)
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
    """One epoch of S learning steps from couplings J and state s, J updated once at the end.

    Step t computes h = J sigma + U (V^T sigma) - (sum_k e_k sigma_k) sigma from the start J
    and the updates kept so far (module docstring), draws sigma ~ CB(iT (b + h)) and keeps
    e_t = alpha (sigma - L(h)) and sigma; :func:`flush` adds them to J at the end. The same
    rule as ``update="step"``, with different rounding.

    Parameters
    ----------
    J : jax.Array, shape (N, N)
        The couplings at the start of the epoch.
    s : jax.Array, shape (N,)
        The states at the start of the epoch.
    u : jax.Array, shape (S, N)
        The epoch's uniforms, one row per step.
    params : LearningParams
        b (the clamped pattern), iT, alpha; the mask must be None.
    precision_weighted : bool
        As in :func:`fepnet.learning.prediction_error`.
    trace : bool
        Return the states after every step.

    Returns
    -------
    (J, s) : tuple of jax.Array
        The couplings (N, N) after the epoch and the last states (N,).
    (states, bad_field) : tuple
        states (S, N) or None (without ``trace``); bad_field (S,) bool, True where the step's
        field was not finite (as in :func:`fepnet.epochs.run_epochs_in_place`).

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> from fepnet.deferred import run_epoch
    >>> p = fepnet.learning_params(jnp.ones(3), 1.0, 0.01)
    >>> u = jax.random.uniform(jax.random.key(0), (4, 3))
    >>> (J, s), (states, bad) = run_epoch(jnp.zeros((3, 3)), jnp.zeros(3), u, p, False, True)
    >>> J.shape, states.shape, bool(bad.any())
    ((3, 3), (4, 3), False)
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
