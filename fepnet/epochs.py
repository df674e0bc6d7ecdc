"""The jitted core of training: epochs of fused synchronous steps with learning, as pure functions.

:func:`run_epochs` (pure, vmappable: the caller's arrays stay valid) and
:func:`run_epochs_in_place` (the same program donating its state, so J is updated in place)
run epochs ``first_epoch + arange(E)``: each clamps b to a pattern (already scaled by the
evidence level) and runs ``steps_per_epoch`` steps h = J sigma, sigma ~ CB(iT (b + h)),
J += alpha (sigma - L(h)) sigma^T off the diagonal. :func:`pattern_order` draws the pattern
of each epoch. :mod:`fepnet.training` drives them in chunks (``train``, ``free_run``).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from . import deferred
from .free_energy import FreeEnergyTerms, free_energy_terms
from .learning import LearningParams, LearningState, apply_update, sample_with_error

__all__ = ["EpochRecord", "run_epochs", "run_epochs_in_place", "pattern_order"]

ORDERS = ("random", "fixed")


class EpochRecord(NamedTuple):
    """What :func:`run_epochs` records per step: states (E, steps, N) and free-energy terms (E, steps),
    each None unless requested."""

    states: jax.Array | None
    free_energy: FreeEnergyTerms | None


_STATIC = ("steps_per_epoch", "reset_state", "precision_weighted", "trace", "free_energy", "update")


def _epochs(
    key,
    state: LearningState,
    patterns,
    pattern_index,
    inverse_temperature,
    learning_rate,
    *,
    steps_per_epoch: int,
    first_epoch=0,
    mask=None,
    reset_state: bool = False,
    precision_weighted: bool = False,
    trace: bool = False,
    free_energy: bool = False,
    update: str = "step",
):
    """:func:`run_epochs`, also returning ``bad_field`` (E, steps) bool: the field h = J sigma of that step
    was not finite (what the drivers use to name the epoch in which the couplings diverged)."""
    n = state.sigma.shape[-1]
    dtype = state.sigma.dtype
    zeros = jnp.zeros((n,), dtype)
    deferred.check_update(update, mask, free_energy)

    # The loop carries (J_{t-1}, alpha * error_t, sigma_t) and applies step t's rank-1 update at the start
    # of step t + 1, followed by h = J_t @ sigma_t: the same operations, in the same order, as
    # fused_update, so the result is bit-identical. Written this way the update's vectors are loop-carried
    # buffers; computed in the same iteration, XLA fuses their elementwise math (inverse CDF, Langevin
    # series) into the N x N update and re-evaluates it for every matrix element.
    def epoch(c, xs):
        index, e = xs
        if reset_state:
            J, err, s = c
            c = (J if update == "epoch" else apply_update(J, err, s, mask), zeros, zeros)  # "epoch": err is 0
        p = LearningParams(patterns[index], inverse_temperature, learning_rate, mask)
        u = jax.random.uniform(jax.random.fold_in(key, e), (steps_per_epoch, n), dtype)
        if update == "epoch":  # J updated once, at the end of the epoch (fepnet.deferred)
            J, err, s = c
            (J, s), (states, bad) = deferred.run_epoch(J, s, u, p, precision_weighted, trace)
            return (J, err, s), (EpochRecord(states, None), bad)

        def step(c, u_t):
            J, err, s = c
            J = apply_update(J, err, s, mask)
            h = J @ s
            sigma, err = sample_with_error(u_t, h, p, precision_weighted)
            terms = free_energy_terms(J, p.biases, p.inverse_temperature * (p.biases + h), p.inverse_temperature) if free_energy else None
            return (J, err, sigma), (EpochRecord(sigma if trace else None, terms), ~jnp.all(jnp.isfinite(h)))

        return jax.lax.scan(step, c, u)

    epochs = first_epoch + jnp.arange(pattern_index.shape[0])
    (J, err, s), (record, bad_field) = jax.lax.scan(epoch, (state.couplings, zeros, state.sigma), (pattern_index, epochs))
    if update == "step":  # the last step's update ("epoch": already added, err is 0)
        J = apply_update(J, err, s, mask)
    return LearningState(J, s), record, bad_field


@partial(jax.jit, static_argnames=_STATIC)
def run_epochs(
    key,
    state: LearningState,
    patterns,
    pattern_index,
    inverse_temperature,
    learning_rate,
    *,
    steps_per_epoch: int,
    first_epoch=0,
    mask=None,
    reset_state: bool = False,
    precision_weighted: bool = False,
    trace: bool = False,
    free_energy: bool = False,
    update: str = "step",
):
    """Pure, jitted, vmappable core: epochs ``first_epoch + arange(len(pattern_index))``.

    patterns (K, N) already scaled by the evidence level; pattern_index (E,) int.
    Returns (final state, :class:`EpochRecord`). With ``free_energy`` each step
    records F, accuracy and complexity of the distribution it sampled from,
    q = CB(iT (b + J sigma_old)), under the current couplings and clamped b.
    ``update`` is "step" (J updated after every step, the reference arithmetic) or "epoch"
    (the epoch's updates added once at its end, see :mod:`fepnet.deferred`; no ``mask``,
    no ``free_energy``). ``state`` is left intact (its couplings are copied into the loop);
    the drivers :func:`train` and :func:`free_run` instead donate theirs, so J is updated in place.
    """
    state, record, _ = _epochs(
        key, state, patterns, pattern_index, inverse_temperature, learning_rate, steps_per_epoch=steps_per_epoch,
        first_epoch=first_epoch, mask=mask, reset_state=reset_state, precision_weighted=precision_weighted,
        trace=trace, free_energy=free_energy, update=update)
    return state, record


run_epochs_in_place = jax.jit(_epochs, static_argnames=_STATIC, donate_argnames=("state",))
run_epochs_in_place.__doc__ = """:func:`run_epochs` with ``state`` donated: J is updated in its own buffer.

The computation of each chunk of :func:`train` and :func:`free_run`: the same arguments and
the same results (bit for bit) as :func:`run_epochs`, but the caller's ``state`` is consumed
(its arrays are deleted, their memory becomes the result's), so no second J is ever alive,
and a third output is returned: ``bad_field`` (E, steps_per_epoch) bool, True where that
step's field h = J sigma was not finite. Chain calls as ``state, record, bad = run_epochs_in_place(key,
state, ...)``.
"""
run_epochs_in_place.__name__ = run_epochs_in_place.__qualname__ = "run_epochs_in_place"


def pattern_order(key, n_patterns: int, n_epochs: int, order: str = "random"):
    """Pattern index per epoch: uniform with replacement ('random') or 0, 1, .., K-1, 0, .. ('fixed')."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    if order == "fixed":
        return jnp.arange(n_epochs, dtype=jnp.int32) % n_patterns
    return jax.random.randint(key, (n_epochs,), 0, n_patterns, dtype=jnp.int32)
