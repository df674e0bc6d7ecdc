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
    """What :func:`run_epochs` records per step (each field None unless requested).

    Parameters
    ----------
    states : jax.Array, shape (E, steps_per_epoch, N), or None
        The states after every step (``trace=True``).
    free_energy : FreeEnergyTerms, each field shape (E, steps_per_epoch), or None
        F, accuracy and complexity of every step's distribution (``free_energy=True``).
    """

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
    """Epochs of fused learning steps: the pure, jitted, vmappable core of :func:`fepnet.train`.

    Runs epochs e = ``first_epoch`` + 0 .. E-1. Epoch e clamps b = ``patterns[pattern_index[e]]``
    and runs ``steps_per_epoch`` steps h = J sigma, sigma ~ CB(iT (b + h)),
    J[i, j] += alpha (sigma_i - L(h_i)) sigma_j (i != j), with uniforms drawn from
    ``fold_in(key, e)``, so chunking the epochs does not change the result. Unchecked: the
    drivers check the arguments.

    Parameters
    ----------
    key : jax.Array
        The steps' PRNG key (``train`` passes the second half of its key's split).
    state : LearningState
        The start: J (N, N) and sigma (N,). Left intact (J is copied into the loop).
    patterns : jax.Array, shape (K, N)
        The patterns, already multiplied by the evidence level.
    pattern_index : jax.Array of int, shape (E,)
        The pattern of each epoch (:func:`pattern_order`).
    inverse_temperature, learning_rate : float or jax.Array
        iT > 0 and alpha >= 0 (traced: may be vmapped over).
    steps_per_epoch : int
        Steps per epoch (static).
    first_epoch : int or jax.Array
        The number of the first epoch (for the keys).
    mask : jax.Array, shape (N, N), optional
        0/1 coupling mask.
    reset_state : bool
        Set sigma = 0 at the start of every epoch.
    precision_weighted : bool
        Divide the error by L'(iT h) (:func:`fepnet.learning.prediction_error`).
    trace : bool
        Record the states after every step.
    free_energy : bool
        Record F, accuracy and complexity of the distribution each step sampled from,
        q = CB(iT (b + J sigma_old)), under the current couplings and clamped b.
    update : {"step", "epoch"}
        "step": J updated after every step (the reference arithmetic); "epoch": the epoch's
        updates added once at its end (:mod:`fepnet.deferred`; no ``mask``, no ``free_energy``).

    Returns
    -------
    state : LearningState
        The final couplings and states.
    record : EpochRecord
        states (E, steps_per_epoch, N) and free-energy terms (E, steps_per_epoch), each if asked.

    Raises
    ------
    ValueError
        An unknown ``update``, or ``update="epoch"`` with ``mask`` or ``free_energy`` (at trace time).

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> from fepnet.epochs import run_epochs
    >>> patterns = jnp.array([[1.0, -1.0, 1.0]])
    >>> state, record = run_epochs(jax.random.key(0), fepnet.init_learning_state(3), patterns,
    ...                            jnp.zeros(4, jnp.int32), 1.0, 0.01, steps_per_epoch=5, trace=True)
    >>> state.couplings.shape, record.states.shape, record.free_energy
    ((3, 3), (4, 5, 3), None)
    """
    state, record, _ = _epochs(
        key, state, patterns, pattern_index, inverse_temperature, learning_rate, steps_per_epoch=steps_per_epoch,
        first_epoch=first_epoch, mask=mask, reset_state=reset_state, precision_weighted=precision_weighted,
        trace=trace, free_energy=free_energy, update=update)
    return state, record


run_epochs_in_place = jax.jit(_epochs, static_argnames=_STATIC, donate_argnames=("state",))
run_epochs_in_place.__doc__ = """:func:`run_epochs` with ``state`` donated: J is updated in its own buffer.

The computation of each chunk of :func:`fepnet.train` and :func:`fepnet.free_run`: the same
arguments and the same results (bit for bit) as :func:`run_epochs`, but the caller's ``state``
is consumed (its arrays are deleted, their memory becomes the result's), so no second J is
ever alive, and a third output is returned.

Parameters
----------
key, state, patterns, pattern_index, inverse_temperature, learning_rate
    As for :func:`run_epochs`; ``state`` is donated.
steps_per_epoch, first_epoch, mask, reset_state, precision_weighted, trace, free_energy, update
    As for :func:`run_epochs`.

Returns
-------
state : LearningState
    The final couplings and states (in the donated buffers).
record : EpochRecord
    As for :func:`run_epochs`.
bad_field : jax.Array of bool, shape (E, steps_per_epoch)
    True where that step's field h = J sigma was not finite (what the drivers use to name the
    epoch in which the couplings diverged).

Raises
------
ValueError
    As for :func:`run_epochs`.

Examples
--------
Chain calls, passing each result on:

>>> import jax, jax.numpy as jnp, fepnet
>>> from fepnet.epochs import run_epochs_in_place
>>> state = fepnet.init_learning_state(3)
>>> for first in (0, 2):
...     state, record, bad = run_epochs_in_place(jax.random.key(0), state, jnp.ones((1, 3)),
...                                              jnp.zeros(2, jnp.int32), 1.0, 0.01,
...                                              steps_per_epoch=5, first_epoch=first)
>>> bad.shape, bool(bad.any())
((2, 5), False)
"""
run_epochs_in_place.__name__ = run_epochs_in_place.__qualname__ = "run_epochs_in_place"


def pattern_order(key, n_patterns: int, n_epochs: int, order: str = "random"):
    """The pattern shown in each epoch: uniform with replacement ("random") or 0, 1, .., K-1, 0, .. ("fixed").

    Parameters
    ----------
    key : jax.Array
        PRNG key (unused for "fixed").
    n_patterns : int
        K >= 1.
    n_epochs : int
        E >= 0.
    order : {"random", "fixed"}

    Returns
    -------
    jax.Array of int32, shape (E,)
        Values in 0 .. K-1.

    Raises
    ------
    ValueError
        An unknown ``order``.

    Examples
    --------
    >>> import jax, fepnet
    >>> fepnet.pattern_order(jax.random.key(0), 3, 7, "fixed")
    Array([0, 1, 2, 0, 1, 2, 0], dtype=int32)
    >>> int(fepnet.pattern_order(jax.random.key(0), 3, 7).max()) < 3
    True
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    if order == "fixed":
        return jnp.arange(n_epochs, dtype=jnp.int32) % n_patterns
    return jax.random.randint(key, (n_epochs,), 0, n_patterns, dtype=jnp.int32)
