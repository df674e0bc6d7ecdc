"""Training drivers: random-order epochs, fixed-order epochs, and free running with learning on.

The paper's training loop (its simulation protocols): patterns times an evidence level; for each epoch
pick a pattern (uniformly at random, or cycling in order), clamp b to it, run
``steps_per_epoch`` fused synchronous steps with learning (learning.py), then
set b back to 0. States carry over between epochs unless ``reset_state``.
Free running is the same loop with b = 0 throughout.

Randomness: epoch e draws its uniforms from ``fold_in(key_steps, e)``, so a
result depends only on the key, never on how epochs are chunked for the
progress bar. The jitted epochs themselves are :mod:`fepnet.epochs` (re-exported here).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import deferred, memory_plan, sharding
from .infra import checks as v
from .infra.progress import chunk_bounds, run_in_chunks
from .free_energy import FreeEnergyTerms
from .learning import LearningState, init_learning_state
from .network import Network
from .epochs import ORDERS, EpochRecord, pattern_order, run_epochs, run_epochs_in_place

__all__ = ["TrainResult", "EpochRecord", "run_epochs", "run_epochs_in_place", "train", "free_run", "pattern_order"]



class TrainResult(NamedTuple):
    """The result of :func:`train` and :func:`free_run`.

    Parameters
    ----------
    network : Network
        The learned couplings J (N, N) with zero biases (the evidence is reset to 0 after training).
    state : LearningState
        The final couplings and states: pass it as ``initial`` to continue the run.
    pattern_index : jax.Array of int32, shape (E,)
        The pattern shown in each epoch (all 0 for :func:`free_run`).
    states : jax.Array, shape (E, steps_per_epoch, N), or None
        The node states after every step if ``trace=True``.
    free_energy : FreeEnergyTerms, each field shape (E, steps_per_epoch), or None
        F, accuracy and complexity per step if ``free_energy=True``.
    """

    network: Network
    state: LearningState
    pattern_index: jax.Array
    states: jax.Array | None
    free_energy: FreeEnergyTerms | None = None


def _start_state(initial, n=None, mesh=None) -> LearningState:
    """The checked LearningState to start from (J (N, N) finite, sigma (N,) in [-1, 1]); ``n`` None: any N.

    With a ``mesh`` (``devices=``), J = 0 is made in place and a state already on the devices is checked there."""
    if mesh is not None and (state := sharding.start_on_devices(initial, n, mesh)) is not None:
        return state
    if initial is None:
        return init_learning_state(n)
    if isinstance(initial, LearningState):
        J = v.as_real_array(initial.couplings, "initial.couplings", ndim=2)
        if J.shape[0] != J.shape[1]:
            raise ValueError(f"initial.couplings must be square (N, N), got shape {tuple(J.shape)}")
        if n is not None and J.shape[0] != n:
            raise ValueError(f"initial state has {J.shape[0]} nodes, patterns have {n}")
        return LearningState(J, v.states(initial.sigma, "initial.sigma", J.shape[0], batch_ok=False).astype(J.dtype))
    if isinstance(initial, Network):
        if n is not None and initial.size != n:
            raise ValueError(f"initial network has {initial.size} nodes, patterns have {n}")
        v.as_real_array(initial.couplings, "initial.couplings")  # a Network from LearningState.network is unchecked
        return init_learning_state(initial)
    raise TypeError(f"initial must be None, a Network or a LearningState, got {type(initial).__name__}")


def _check_memory(n_epochs, steps, n, dtype, trace, free_energy, counts):
    """Refuse a run whose records (pattern index, states, free-energy terms) or per-epoch noise exceed memory."""
    size = np.dtype(dtype).itemsize
    nbytes = 4 * n_epochs + steps * n * size  # pattern_index (int32), one epoch's uniforms
    nbytes += trace * n_epochs * steps * n * size + free_energy * n_epochs * steps * 3 * size
    flags = "".join(f", {f}=True" for f, on in (("trace", trace), ("free_energy", free_energy)) if on)
    v.allocation(nbytes, f"{counts}{flags} (N={n}, {np.dtype(dtype).name})")


def _concat(records, empty):
    """Join per-chunk records along the epoch axis (``empty`` when there were no epochs)."""
    return jax.tree_util.tree_map(lambda *xs: jnp.concatenate(xs), *records) if records else empty


def _drive(key, state, patterns, index, it, lr, steps, mask, options, progress, chunk_epochs, desc, unit):
    """Run the epochs of ``index`` (E,) in chunks of ``chunk_epochs`` under a progress bar.

    ``patterns`` (K, N) are already scaled by the evidence level; ``options`` is
    (reset_state, precision_weighted, trace, free_energy, update). The chunking leaves the
    result unchanged (epoch e draws from ``fold_in(key, e)``). ``unit`` is
    (what one epoch is called, the argument that counts them) for messages:
    ("epoch", "n_epochs") or ("step", "n_steps").

    Returns
    -------
    state : LearningState
        The final state.
    record : EpochRecord
        Over all epochs: states (E, steps, N) and free-energy terms (E, steps), each if requested.

    Raises
    ------
    FloatingPointError
        If the couplings became non-finite, naming the first epoch after which they were.
    """
    reset_state, precision_weighted, trace, free_energy, update = options
    n_epochs = index.shape[0]

    def checked(state, start, stop):  # ``state`` is donated: its buffers become the new state's
        new, record, bad_field = run_epochs_in_place(
            key, state, patterns, index[start:stop], it, lr,
            steps_per_epoch=steps, first_epoch=start, mask=mask, reset_state=reset_state,
            precision_weighted=precision_weighted, trace=trace, free_energy=free_energy, update=update,
        )
        if not _finite(new):
            raise FloatingPointError(_diverged(np.asarray(bad_field), start, stop, n_epochs, unit, precision_weighted))
        return new, record

    state, records = run_in_chunks(checked, state, chunk_bounds(n_epochs, chunk_epochs), desc=desc, unit="step",
                                   progress=progress, units_per_item=steps)
    dtype = patterns.dtype
    empty = EpochRecord(
        jnp.zeros((0, steps, patterns.shape[1]), dtype) if trace else None,
        FreeEnergyTerms(*(jnp.zeros((0, steps), dtype),) * 3) if free_energy else None,
    )
    return state, _concat(records, empty)


def _finite(state: LearningState) -> bool:
    return v.all_finite(state.couplings)


def _diverged(bad_field, start, stop, n_epochs, unit, precision_weighted) -> str:
    """The message for couplings finite after epoch ``start - 1`` and not after ``stop - 1``, naming the first
    epoch after which they were not (the chunk's start state is gone: J is updated in place).

    ``bad_field`` (stop - start, steps): that step's field h = J sigma was not finite. Step k of epoch
    e computes h from the couplings left by the step before; a non-finite coupling stays so (inf + x
    is inf or NaN) and makes its row's field non-finite whatever sigma is (inf * 0 is NaN). So the
    first such step names epoch e - 1 (k = 0) or e; with none, the chunk's last update did it. (A
    field can also overflow with finite couplings, past 3e38 in float32: a run raises only once J
    itself is non-finite.)
    """
    hits = np.argwhere(bad_field)
    if hits.size:
        e, k = (int(i) for i in hits[0])
        start = max(start, start + e - (k == 0))
    else:
        start = stop - 1
    text = f"couplings became non-finite in {unit[0]} {start} (counting from 0) of {unit[1]}={n_epochs}; " \
           "lower learning_rate"
    if precision_weighted:
        text += (" or inverse_temperature (precision_weighted=True multiplies the error by 1 / L'(iT h), "
                 "about (iT h)^2 for large fields, so |J| can grow without bound)")
    return text


def train(
    key,
    patterns,
    *,
    n_epochs: int,
    steps_per_epoch: int = 10,
    inverse_temperature=1.0,
    learning_rate=0.001,
    evidence_level=1.0,
    order: str = "random",
    initial=None,
    mask=None,
    reset_state: bool = False,
    precision_weighted: bool = False,
    trace: bool = False,
    free_energy: bool = False,
    progress: bool = True,
    chunk_epochs: int = 500,
    devices=None,
    update: str = "step",
) -> TrainResult:
    """Train a network on ``patterns`` with the FEP learning rule (the paper's training loop).

    Each epoch picks a pattern xi (``order``), clamps the biases to b = evidence_level * xi and
    runs ``steps_per_epoch`` fused synchronous stochastic steps with learning on:

        h = J sigma_old,   sigma_i ~ CB(iT (b_i + h_i)),   J[i, j] += alpha (sigma_i - L(h_i)) sigma_j  (i != j),

    with CB the continuous Bernoulli on [-1, 1] and L its mean, the Langevin function; then
    b = 0. The states carry over between epochs unless ``reset_state``. Epoch e draws its
    uniforms from ``fold_in(key_steps, e)``, so the result does not depend on ``chunk_epochs``.

    Parameters
    ----------
    key : jax.Array
        A PRNG key (``jax.random.key(seed)`` or ``jax.random.PRNGKey(seed)``), the run's only
        source of randomness: split into the pattern order's key and the steps' key. The same
        key gives the same bits.
    patterns : array_like, shape (K, N)
        The K >= 1 patterns of N >= 1 nodes to learn (e.g. +-1 vectors or standardised
        images); they are the biases during training, scaled by ``evidence_level``.
    n_epochs : int
        Number of epochs E, >= 0.
    steps_per_epoch : int
        Synchronous steps per epoch, >= 1 (default 10).
    inverse_temperature : float
        iT > 0 (default 1.0): the precision of the nodes; the states are drawn from
        CB(iT (b + h)), so a larger iT makes them more deterministic (closer to +-1).
        Dimensionless.
    learning_rate : float
        alpha >= 0 (default 0.001): the step size of the coupling update; 0 runs inference
        without learning.
    evidence_level : float
        > 0 (default 1.0): the strength of the clamped evidence, b = evidence_level * pattern
        during the pattern's epoch (the paper's Simulation 2 sweeps it from 1 to 20).
    order : {"random", "fixed"}
        Pattern per epoch: uniform with replacement (default), or cycling 0, 1, .., K-1.
    initial : Network, LearningState or None
        Where to continue from (default J = 0, sigma = 0; a Network starts at sigma = 0 and
        its biases are ignored). The caller's arrays stay valid.
    mask : array_like, shape (N, N), optional
        0/1 coupling mask that keeps non-edges at zero (:func:`fepnet.coupling_mask`).
    reset_state : bool
        Set sigma = 0 at the start of every epoch (a published variant; off in the manuscript).
    precision_weighted : bool
        Scale the prediction error by 1 / L'(iT h) (a published variant; off in the manuscript).
        This weight grows like (iT h)^2 for large fields, so abs(J) is not bounded: over 10^6 steps
        (10^5 epochs of 10, N = 64, four +-1 patterns, evidence 20, iT = 1, learning rate 0.001)
        max abs(J) reached 1e8 to 1e15 in float32 (1e17 in float64), until the states saturate at
        +-1 and the error, sigma - L(h), rounds to 0 and learning stops. It is kept as published;
        at larger iT (10 and above) it can overflow, which raises ``FloatingPointError``.
    trace : bool
        Keep the state after every step.
    free_energy : bool
        Record F, accuracy and complexity per step (see :func:`fepnet.free_energy_terms`).
    progress : bool
        Show a progress bar (over chunks of ``chunk_epochs`` epochs).
    chunk_epochs : int
        Epochs per jitted call.
    devices : None, int, sequence of jax.Device or one-axis jax.sharding.Mesh
        None (default): one device, as always. Otherwise J (and ``mask``) are split by rows over
        these devices (a count: the first n of ``jax.devices()``), the states by node, and each
        step all-gathers the N-vector of states (:mod:`fepnet.sharding`); N must be a multiple of
        the device count. The result is bit-identical to ``devices=None``, except the
        ``free_energy`` terms (sums over all nodes: float32 rounding).
    update : {"step", "epoch"}
        "step" (default): J gets its rank-1 update after every step, the reference arithmetic
        (bit-identical to :func:`fepnet.learn_step`). "epoch": the epoch's updates are kept as
        N x steps_per_epoch vectors, enter the fields exactly (in exact arithmetic), and are
        added to J once at the end of the epoch (:mod:`fepnet.deferred`): one read of J per step
        instead of two reads and a write, about twice as fast at N >= 4096, with different
        rounding (docs/scaling.md). Not with ``mask`` or ``free_energy``.

    Returns
    -------
    TrainResult
        ``network`` (the learned J, b = 0), ``state`` (the final LearningState),
        ``pattern_index`` (E,), ``states`` (E, steps_per_epoch, N) if ``trace`` and
        ``free_energy`` (fields (E, steps_per_epoch)) if ``free_energy``, else None.

    Raises
    ------
    TypeError
        ``key`` not a PRNG key; ``patterns``, ``mask`` or a scalar not real numbers; counts not
        integers; ``initial`` not None, a Network or a LearningState.
    ValueError
        Empty or non-finite ``patterns``; ``inverse_temperature`` or ``evidence_level`` not positive,
        ``learning_rate`` negative, or any of them non-finite in the working dtype (1e39 in float32);
        ``evidence_level * patterns`` beyond the dtype's range; ``mask`` not (N, N) of 0 and 1;
        ``initial`` of another size, with non-finite couplings or sigma outside [-1, 1];
        ``n_epochs`` < 0, ``steps_per_epoch`` or ``chunk_epochs`` < 1, any count above 2**31 - 1;
        records (``trace``, ``free_energy``, the pattern index) larger than the device's memory;
        couplings that cannot fit in the memory available (the message names N and the bytes);
        an unknown ``order`` or ``update``; ``update="epoch"`` with ``mask`` or ``free_energy``;
        ``devices`` not visible, or N not a multiple of their count.
    FloatingPointError
        If the couplings became non-finite; the message names the first epoch after which they
        were (lower ``learning_rate``; see ``precision_weighted``).

    Notes
    -----
    Memory: J is updated in place (each chunk's state is donated to the next), so a run from
    scratch holds one J; from a given ``initial`` it holds the caller's J (left valid) and one
    working copy. A run that cannot fit is refused before anything is allocated.

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> patterns = jnp.array([[1.0, 1.0, -1.0, -1.0], [1.0, -1.0, 1.0, -1.0]])
    >>> result = fepnet.train(jax.random.key(0), patterns, n_epochs=50, evidence_level=5.0,
    ...                       learning_rate=0.01, progress=False)
    >>> result.network.couplings.shape, result.pattern_index.shape
    ((4, 4), (50,))
    >>> J = result.network.couplings
    >>> bool(J[0, 1] > 0), bool(J[0, 3] < 0)  # nodes 0 and 3 always disagree
    (True, True)
    """
    key = v.prng_key(key)
    patterns = v.as_real_array(patterns, "patterns", ndim=2)
    if patterns.shape[0] == 0 or patterns.shape[1] == 0:
        raise ValueError(f"patterns must be a non-empty (K, N) array, got shape {tuple(patterns.shape)}")
    n_epochs = v.count(n_epochs, "n_epochs", minimum=0)
    steps = v.count(steps_per_epoch, "steps_per_epoch", minimum=1)
    chunk_epochs = v.count(chunk_epochs, "chunk_epochs", minimum=1)
    level = v.as_real_array(evidence_level, "evidence_level", ndim=0)
    v.positive_scalar(level, "evidence_level")  # the rule of retrieval_score and SweepGrid
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    deferred.check_update(update, mask, free_energy)
    memory_plan.require_training(initial, patterns.shape[1], "train")
    mesh = sharding.row_mesh(devices)
    state = _start_state(initial, patterns.shape[1], mesh)
    return _train(key, patterns, level, n_epochs, steps, chunk_epochs, order, state, inverse_temperature,
                  learning_rate, mask, (reset_state, precision_weighted, trace, free_energy, update), progress,
                  ("epoch", "n_epochs", f"n_epochs={n_epochs}, steps_per_epoch={steps}"), initial is None, mesh=mesh)


def _train(key, patterns, level, n_epochs, steps, chunk, order, state, inverse_temperature, learning_rate, mask,
           options, progress, unit, fresh, mesh=None) -> TrainResult:
    """:func:`train` and :func:`free_run` from a checked start ``state``; ``unit`` names the counts;
    ``fresh``: ``state`` was made here (not the caller's arrays), so it may be donated as it is;
    ``mesh`` (:func:`fepnet.placement.row_mesh`) splits J and ``mask`` by rows."""
    n = patterns.shape[1]
    dtype = state.couplings.dtype
    it = v.positive_scalar(inverse_temperature, "inverse_temperature", dtype=dtype)
    lr = v.nonnegative_scalar(learning_rate, "learning_rate", dtype=dtype)
    if mask is not None:
        mask = v.binary_mask(mask, "mask", shape=(n, n)).astype(dtype)
    state, mask = sharding.place_learning_state(state, mesh, mask)
    if mask is not None:
        state = state._replace(couplings=state.couplings * mask)
    elif not fresh:  # the chunks donate (consume) their state: work on a copy, the caller's arrays stay valid
        state = jax.tree_util.tree_map(jnp.copy, state)
    scaled = v.as_real_array(patterns * level, "evidence_level * patterns", dtype=dtype)
    options = tuple(bool(o) for o in options[:4]) + options[4:]
    _check_memory(n_epochs, steps, n, dtype, options[2], options[3], unit[2])
    k_order, k_steps = jax.random.split(key)
    index = pattern_order(k_order, patterns.shape[0], n_epochs, order)
    state, record = _drive(k_steps, state, scaled, index, it, lr, steps, mask, options, progress, chunk,
                           f"train ({order})", unit[:2])
    return TrainResult(state.network, state, index, record.states, record.free_energy)


def free_run(
    key,
    initial,
    n_steps: int,
    *,
    inverse_temperature=1.0,
    learning_rate=0.001,
    mask=None,
    precision_weighted: bool = False,
    trace: bool = False,
    free_energy: bool = False,
    progress: bool = True,
    chunk_steps: int = 5000,
    devices=None,
) -> TrainResult:
    """Keep learning with b = 0 (free running) for ``n_steps`` synchronous steps from ``initial``.

    The same loop as :func:`train` with one all-zero pattern and one step per epoch:
    h = J sigma_old, sigma ~ CB(iT h), J[i, j] += alpha (sigma_i - L(h_i)) sigma_j (i != j).

    Parameters
    ----------
    key : PRNG key
        As for :func:`train`.
    initial : Network or LearningState
        A Network starts at sigma = 0; a LearningState continues.
    n_steps : int
        Number of steps.
    inverse_temperature, learning_rate, mask, precision_weighted, trace, free_energy, progress, devices
        As for :func:`train`.
    chunk_steps : int
        Steps per jitted call.

    Returns
    -------
    TrainResult
        As for :func:`train`; ``states`` (if traced) has shape (n_steps, 1, N).

    Raises
    ------
    TypeError
        ``initial`` not a Network or a LearningState; other arguments as for :func:`train`.
    ValueError
        ``n_steps`` < 0, ``chunk_steps`` < 1 or either above 2**31 - 1; records larger than
        the device's memory; the caller's J and a working copy (updated in place) not fitting
        in the memory available; other arguments as for :func:`train`.
    FloatingPointError
        If the couplings became non-finite, naming the first step after which they were.

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> trained = fepnet.train(jax.random.key(0), jnp.ones((1, 3)), n_epochs=5, progress=False)
    >>> more = fepnet.free_run(jax.random.key(1), trained.state, 20, trace=True, progress=False)
    >>> more.states.shape, more.network.size
    ((20, 1, 3), 3)
    """
    if not isinstance(initial, (Network, LearningState)):
        raise TypeError(f"initial must be a Network or a LearningState, got {type(initial).__name__}")
    key = v.prng_key(key)
    n_steps = v.count(n_steps, "n_steps", minimum=0)
    chunk_steps = v.count(chunk_steps, "chunk_steps", minimum=1)
    memory_plan.require_training(initial, None, "free_run")
    mesh = sharding.row_mesh(devices)
    state = _start_state(initial, mesh=mesh)
    patterns = v.as_real_array(np.zeros((1, state.sigma.shape[0])), "patterns")
    return _train(key, patterns, v.as_real_array(1.0, "evidence_level"), n_steps, 1, chunk_steps, "fixed", state,
                  inverse_temperature, learning_rate, mask, (False, precision_weighted, trace, free_energy, "step"),
                  progress, ("step", "n_steps", f"n_steps={n_steps}"), False, mesh=mesh)
