"""Running a sweep: networks in memory-capped chunks, each chunk's batch sharded over the devices.

Networks run in chunks whose estimated device memory stays under
``memory_limit_mb`` (:func:`fepnet.sweep.memory.network_bytes`); the last chunk
is padded so that every chunk has the same shape (one compilation per
``steps_per_epoch`` value). The chunk's batch axis is sharded over the devices
with a ``NamedSharding`` on a 1-D mesh: on CPU,
``jax.config.update("jax_num_cpu_devices", n)`` right after ``import jax``
(``fepnet sweep`` does this for you) splits the batch over n host devices; on a
GPU host the same code runs on ``jax.devices()`` as they are; across hosts,
call :func:`fepnet.distributed.initialize` (``jax.distributed``) in every process first and the mesh spans
the global devices (``docs/scaling.md``). Per-network results do not depend on the chunking or on
the number of devices (tests check both, bit for bit).
"""

from __future__ import annotations

import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ..geometry import orthogonality
from ..infra import checks as v
from ..infra.progress import check_interrupt, chunk_bounds, progress_bar
from ..placement import resolve_devices
from ..training import ORDERS
from ..version import __version__
from .dataset import METRICS, sweep_dataset
from .evaluation import Evaluation
from .grid import SETTINGS, SweepGrid, network_table
from .keys import network_key_data, root_key
from .plan import SweepPlan, plan_sweep
from .pipeline import ChunkSettings, attractor_metrics, run_chunk

__all__ = ["run_sweep", "estimate_sweep", "resolve_devices"]


def _put(x, sharding):
    """A global array from host data ``x`` (every process passes the same x), laid out by ``sharding``."""
    x = np.asarray(x)
    return jax.make_array_from_callback(x.shape, sharding, lambda index: x[index])


def _fetch(tree):
    """Host copies of (possibly multi-host) arrays."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        return multihost_utils.process_allgather(tree, tiled=True)
    return jax.tree_util.tree_map(np.asarray, tree)


def _patterns(train_patterns, test_patterns, dtype):
    """(train (K, N), test (M, N), source name): the bundled digits, or the given patterns checked."""
    if train_patterns is None and test_patterns is None:
        from ..data import load_digits

        digits = load_digits(dtype)
        return np.asarray(digits.train), np.asarray(digits.test), "digits"
    if train_patterns is None or test_patterns is None:
        raise ValueError("give both train_patterns and test_patterns, or neither (the bundled digits)")
    train = np.asarray(v.as_real_array(train_patterns, "train_patterns", ndim=2), dtype)
    test = np.asarray(v.as_real_array(test_patterns, "test_patterns", ndim=2), dtype)
    if train.shape[0] == 0 or train.shape[1] == 0:
        raise ValueError(f"train_patterns must be a non-empty (K, N) array, got shape {train.shape}")
    if test.shape[0] == 0 or test.shape[1] != train.shape[1]:
        raise ValueError(f"test_patterns must be (M >= 1, {train.shape[1]}), got shape {test.shape}")
    return train, test, "custom"


def _flag_diverged(out, settings, checkpoints):
    """Networks whose couplings overflowed during learning get NaN metrics (n_attractors -1) and a warning,
    never numbers computed from infinite couplings. The warning names the first such network and checkpoint
    (``settings`` lacks ``n_epochs`` when it is swept: the network's checkpoints are its values)."""
    bad = ~np.isfinite(out["coupling_norm"])
    if not bad.any():
        return
    for name, value in out.items():
        if name != "coupling_norm":
            value[bad] = -1 if name == "n_attractors" else np.nan
    first, checkpoint = (int(i) for i in np.argwhere(bad)[0])
    described = ", ".join(f"{d}={settings[d][first] if d in settings else checkpoints[checkpoint]:g}"
                          for d in SETTINGS)
    warnings.warn(f"{int(bad.any(axis=1).sum())} network(s) ended with non-finite couplings (e.g. {described}); "
                  "their metrics are NaN and n_attractors -1: lower the learning rate", RuntimeWarning, stacklevel=3)



def _plan(grid, evaluation, train_patterns, test_patterns, couplings, memory_limit_mb, chunk_size, devices):
    """The argument checks of a sweep and its plan: (plan, devices, dtype, (train, test, source))."""
    if not isinstance(grid, SweepGrid):
        raise TypeError(f"grid must be a fepnet.SweepGrid, got {type(grid).__name__}")
    if not isinstance(evaluation, Evaluation):
        raise TypeError(f"evaluation must be a fepnet.sweep.Evaluation, got {type(evaluation).__name__}")
    memory_limit_mb = float(v.positive_scalar(memory_limit_mb, "memory_limit_mb"))
    if chunk_size is not None:
        chunk_size = v.count(chunk_size, "chunk_size", minimum=1)
    devices = resolve_devices(devices)
    dtype = np.dtype(jnp.result_type(float))
    patterns = _patterns(train_patterns, test_patterns, dtype)
    (k_pat, n_nodes), n_test = patterns[0].shape, patterns[1].shape[0]
    plan = plan_sweep(grid, devices, n_nodes=n_nodes, n_patterns=k_pat, n_test_patterns=n_test,
                      evaluation=evaluation, couplings=bool(couplings), memory_limit_mb=memory_limit_mb,
                      chunk_size=chunk_size, itemsize=dtype.itemsize)
    return plan, devices, dtype, patterns


def estimate_sweep(grid: SweepGrid, *, train_patterns=None, test_patterns=None, evaluation: Evaluation = Evaluation(),
                   couplings: bool = False, memory_limit_mb: float = 1024.0, chunk_size: int | None = None,
                   devices=None) -> SweepPlan:
    """What :func:`run_sweep` with these arguments would do: its chunks, memory and estimated time.

    Computed from sizes only (nothing per network is allocated), with the same checks as
    :func:`run_sweep`, which makes the same plan before it starts
    (:func:`fepnet.sweep.plan.plan_sweep`; the time model is described there).

    Parameters
    ----------
    grid, train_patterns, test_patterns, evaluation, couplings, memory_limit_mb, chunk_size, devices
        As for :func:`run_sweep`.

    Returns
    -------
    fepnet.sweep.plan.SweepPlan

    Raises
    ------
    TypeError
        A bad grid, evaluation or devices.
    ValueError
        Bad patterns or devices count, a memory cap below one network per device (or below the
        requested chunk size), a chunk larger than an accelerator's memory, or a sweep whose table
        and results would not fit in the host's available memory.

    Examples
    --------
    >>> import numpy as np, fepnet
    >>> grid = fepnet.SweepGrid(evidence_level=(1.0, 2.0), inverse_temperature=1.0, seeds=2)
    >>> plan = fepnet.sweep.estimate_sweep(grid, train_patterns=np.ones((2, 4)), test_patterns=np.ones((1, 4)),
    ...                                    devices=1)
    >>> plan.n_networks, plan.n_chunks, plan.training_steps  # 4 networks x 5000 epochs x 10 steps
    (4, 1, 200000)
    """
    return _plan(grid, evaluation, train_patterns, test_patterns, couplings, memory_limit_mb, chunk_size,
                 devices)[0]


def run_sweep(
    key,
    grid: SweepGrid,
    *,
    train_patterns=None,
    test_patterns=None,
    evaluation: Evaluation = Evaluation(),
    order: str = "random",
    couplings: bool = False,
    common_random_numbers: bool = True,
    memory_limit_mb: float = 1024.0,
    chunk_size: int | None = None,
    devices=None,
    progress: bool = True,
):
    """Train and evaluate every network of ``grid`` (module docstrings of :mod:`fepnet.sweep`).

    Each network trains once to its largest epoch count and is evaluated at
    every requested one; its key is :func:`fepnet.sweep.network_key`.

    Parameters
    ----------
    key : jax.Array
        The root PRNG key (typed or raw), shape ().
    grid : SweepGrid
    train_patterns : array_like, shape (K, N), optional
        Default: the bundled digits' 10 training images (give both or neither).
    test_patterns : array_like, shape (M, N), optional
        Default: the other 1787 digits.
    evaluation : Evaluation
        How each network is scored (default: the paper's scoring).
    order : str
        Pattern order during training, one of ``fepnet.training.ORDERS`` (default ``"random"``).
    couplings : bool
        Also return every network's learned couplings.
    common_random_numbers : bool
        Every network of a seed shares its key (default); else the key also folds in the grid point.
    memory_limit_mb : float
        Cap on a chunk's estimated device memory (default 1024).
    chunk_size : int, optional
        Networks per chunk instead (rounded up to a multiple of the device count).
    devices : None, int, sequence of jax.Device or one-axis Mesh
        What to shard each chunk over (default: every visible device; :func:`fepnet.placement.resolve_devices`).
    progress : bool
        Show a progress bar.

    Returns
    -------
    xarray.Dataset
        :data:`fepnet.sweep.METRICS` over the grid's dimensions (swept settings, then ``seed``),
        plus ``couplings`` (..., target, source) if asked. Attributes: the fixed settings, the
        evaluation settings, the key, the data, ``orthogonality_data`` (of the training
        patterns) and how the run went (devices, chunks, wall time).

    Raises
    ------
    TypeError
        A bad grid, evaluation, key or devices.
    ValueError
        A bad order, patterns, devices count, or a memory cap below one network per device
        (or below the requested chunk size); a chunk larger than an accelerator's memory, or a
        sweep whose table and results would not fit in the host's available memory (checked
        before anything is allocated, :func:`estimate_sweep`).
    KeyboardInterrupt
        At the end of the chunk during which an interrupt arrived.

    Examples
    --------
    Four tiny networks (two evidence levels, two seeds); not run as a doctest, since compiling
    the chunk program takes about 20 s on a loaded 2-core CPU:

    >>> import jax, numpy as np, fepnet
    >>> grid = fepnet.SweepGrid(evidence_level=(1.0, 2.0), inverse_temperature=1.0, n_epochs=3,
    ...                         steps_per_epoch=2, seeds=2)
    >>> ds = fepnet.run_sweep(jax.random.key(0), grid,
    ...                       train_patterns=np.array([[1.0, 1, -1, -1], [1, -1, 1, -1]]),
    ...                       test_patterns=np.array([[1.0, 1, 1, -1]]),
    ...                       evaluation=fepnet.sweep.Evaluation(n_trials=2, n_steps=3, max_steps=5),
    ...                       progress=False)  # doctest: +SKIP
    >>> ds["n_attractors"].shape  # doctest: +SKIP
    (2, 2)
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    root = root_key(key)
    plan, devices, dtype, (train_p, test_p, source) = _plan(
        grid, evaluation, train_patterns, test_patterns, couplings, memory_limit_mb, chunk_size, devices)
    k_pat, n_nodes = train_p.shape
    n_dev = len(devices)

    t0 = time.perf_counter()
    table = network_table(grid)
    flat = table.settings
    n_net = table.seeds.size
    key_data = network_key_data(root, table.seeds, None if common_random_numbers else table.points)
    key_impl = str(jax.random.key_impl(root))

    checkpoints = tuple(sorted(grid.values("n_epochs")))
    n_ckpt = len(checkpoints)
    ev = np.asarray([evaluation.inverse_temperature, evaluation.scale, evaluation.noise, evaluation.tol], dtype)
    level = flat["evidence_level"].astype(dtype)
    start_scale = (evaluation.scale * flat["evidence_level"]).astype(dtype)
    it = flat["inverse_temperature"].astype(dtype)
    lr = flat["learning_rate"].astype(dtype)

    out = {m: np.zeros((n_net, n_ckpt), np.int32 if m == "n_attractors" else np.float64) for m in METRICS}
    kept = np.zeros((n_net, n_ckpt, n_nodes, n_nodes), dtype) if couplings else None
    mesh = jax.sharding.Mesh(np.asarray(devices), ("batch",))
    batch = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("batch"))
    replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    shared = [_put(train_p, replicated), _put(test_p, replicated), _put(ev, replicated)]
    n_chunks = 0
    total_steps = 0
    with progress_bar(total=n_net, desc="sweep", unit="network", enable=progress) as bar:
        for steps, _, size in plan.groups:
            members = np.flatnonzero(flat["steps_per_epoch"] == steps)
            static = ChunkSettings(checkpoints, int(steps), order, evaluation.n_trials, evaluation.n_steps,
                                   evaluation.max_steps, bool(couplings), key_impl)
            for begin in chunk_bounds(members.size, size)[:-1]:
                idx = members[begin:begin + size]
                padded = np.concatenate([idx, np.full(size - idx.size, idx[-1])])
                args = [_put(a[padded], batch) for a in (key_data, level, it, lr, start_scale)]
                res = _fetch(run_chunk(*args, *shared, static=static))
                check_interrupt()  # an interrupt during the compiled chunk lands here at the latest
                m = idx.size
                count, orth, conv = (x[:m] for x in attractor_metrics(res.end_states, res.converged,
                                                                       evaluation.decimals, dtype))
                for name, value in (("retrieval", res.retrieval), ("generalization", res.generalization),
                                    ("asymmetry", res.asymmetry), ("coupling_norm", res.coupling_norm)):
                    out[name][idx] = value[:m]
                out["n_attractors"][idx], out["orthogonality"][idx], out["converged_fraction"][idx] = count, orth, conv
                if couplings:
                    kept[idx] = res.couplings[:m]
                n_chunks += 1
                total_steps += m * checkpoints[-1] * int(steps)
                bar.update(m)
                bar.set_postfix_str(f"{total_steps / (time.perf_counter() - t0):,.0f} network-steps/s")
    wall = time.perf_counter() - t0
    _flag_diverged(out, flat, checkpoints)

    if couplings:
        out["couplings"] = kept
    attrs = {
        "title": "fepnet parameter sweep",
        "patterns": source,
        "n_nodes": int(n_nodes),
        "n_train_patterns": int(k_pat),
        "n_test_patterns": int(test_p.shape[0]),
        "order": order,
        "orthogonality_data": float(orthogonality(train_p)),
        "key_data": np.asarray(jax.random.key_data(root)).astype(np.int64),
        "key_impl": key_impl,
        "common_random_numbers": int(bool(common_random_numbers)),
        "seeds": np.asarray(grid.seeds, np.int64),
        "dtype": dtype.name,
        "fepnet_version": __version__,
        "jax_version": jax.__version__,
        "n_devices": n_dev,
        "device_kind": devices[0].platform,
        "chunk_size": int(max(size for _, _, size in plan.groups)),
        "n_chunks": int(n_chunks),
        "training_steps": int(total_steps),
        "wall_s": float(wall),
    }
    return sweep_dataset(out, grid, table.shape, checkpoints, attrs, evaluation)
