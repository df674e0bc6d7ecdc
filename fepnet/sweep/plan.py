"""The plan of a sweep, made before anything is allocated: networks, chunks, memory and an estimated time.

:func:`plan_sweep` needs only the grid's sizes (never its table of networks), so an
absurd grid (10^10 networks) is refused in microseconds with a clear message instead
of dying while it allocates. Memory is checked always: a chunk's estimated device
memory (:func:`~fepnet.sweep.memory.network_bytes`) against the cap and the device,
and the host's share (the table of networks and the results,
:func:`~fepnet.sweep.memory.host_bytes`) against the memory available. The time is
an estimate for the caller to act on (``fepnet sweep`` refuses runs longer than a day
unless ``--allow-long``).

The time model. One unit of work is one network's synchronous step on 64 nodes: a
learning step, or one step of one scoring trial. A network trained for S steps
and scored at C checkpoints with T trials of n steps does S learning units and
2 C T n scoring units (the attractor search, which stops when the relaxation
converges, is left out: a few percent at the paper's settings). A chunk of b
networks per device takes S (f + b u) + 2 C T n (f' + b u') seconds: f, f' the
fixed cost of one step of the whole chunk, u, u' the cost per network (scaled by
(N / 64)^2 above 64 nodes: assumed, not measured); the sweep adds one compilation
per ``steps_per_epoch`` value. :data:`COSTS` holds the constants per platform and
how they were measured. Chunks are also kept under :data:`CHUNK_SECONDS` of
estimated work, so that progress moves and an interrupt is handled within a chunk.
"""

from __future__ import annotations

from typing import NamedTuple

from .evaluation import Evaluation
from .grid import SweepGrid
from ..infra.resources import accelerator_memory_bytes, available_host_bytes
from .memory import host_bytes, max_chunk_size, network_bytes, plan_chunk_size

__all__ = ["COSTS", "CHUNK_SECONDS", "Cost", "SweepPlan", "plan_sweep", "format_seconds"]


class Cost(NamedTuple):
    """The time model's constants for one platform, in seconds on one device (:data:`COSTS`).

    A chunk of b networks per device takes S (fixed + b unit) + 2 C T n (score_fixed + b score_unit)
    seconds (module docstring), plus ``compile`` per compiled program.

    Parameters
    ----------
    unit : float
        Per learning step and network.
    fixed : float
        Per learning step of the whole chunk.
    score_unit : float
        Per scoring trial's step and network.
    score_fixed : float
        Per scoring trial's step of the whole chunk.
    compile : float
        Per compiled program.
    """

    unit: float
    fixed: float
    score_unit: float
    score_fixed: float
    compile: float


# Measured with fepnet's own sweep (64 nodes, the digits, float32), one chunk per run, chunks of 1 to 8192
# networks, training-only (S = 20000, T n = 1) and scoring-only (S = 0, T n = 10000) runs, the second run of each
# shape (compilation timed from the first):
#   cpu: this project's 2-core host, 2 host devices, shared with other jobs (load 4 to 7), chunks of 1 to 32
#        networks per device: learning and scoring cost alike, 4.4 us per unit and network (3.8 to 4.8 us in
#        repeated runs), a few us per unit of the whole chunk; 5 to 17 s per compilation. Checked on the
#        paper's grid (380 networks x 50,000 steps, 10 chunks): 71 s estimated, 80 s measured under that load.
#        An idle host is faster (the README's benchmark of the same grid: 23 s), so on CPU the estimate errs
#        long, by up to about 3x.
#   gpu: one NVIDIA H100 (jax 0.11), chunks of 64 to 8192 networks: a learning step 16 us per step of the chunk
#        (latency bound up to about 1000 networks) and 12 ns per network; a scoring trial's step 16 us and
#        1.4 ns per network (its trials are batched); about 5 s per compilation. Checked on the paper's grid:
#        10.4 s measured in 10 chunks of 38 (compiled), 11.5 s estimated.
#: The time model of :func:`plan_sweep`: platform (``"cpu"``: a 2-core host, ``"gpu"``: one NVIDIA H100, as measured)
#: -> :class:`Cost`, in seconds on one device; other platforms (TPU, ...) are estimated as ``"gpu"``.
COSTS = {
    "cpu": Cost(unit=4.4e-6, fixed=4e-6, score_unit=4.4e-6, score_fixed=4e-6, compile=10.0),
    "gpu": Cost(unit=1.2e-8, fixed=1.6e-5, score_unit=1.4e-9, score_fixed=1.6e-5, compile=10.0),
}
# Other platforms (TPU, ...) are estimated as GPUs.
#: The most estimated work of one chunk, in seconds, so that progress moves and an interrupt is handled within a chunk
#: (:func:`plan_sweep`); a chunk is never cut below 4 networks per device for it.
CHUNK_SECONDS = 30.0  # estimated work per chunk at most (progress, interrupts), never below 4 networks per device
_MIN_PER_DEVICE = 4


class SweepPlan(NamedTuple):
    """What a sweep will do, estimated before it allocates anything.

    Parameters
    ----------
    n_results : int
        Results (``grid.n_networks``: networks x epoch checkpoints).
    n_networks : int
        Networks trained (each to its largest epoch count).
    n_devices : int
    platform : str
        The devices' platform (``"cpu"``, ``"gpu"``, ...).
    groups : tuple of (int, int, int)
        Per ``steps_per_epoch`` value: (steps_per_epoch, networks, networks per chunk).
    chunk_bytes : int
        The largest chunk's estimated device memory.
    host_bytes : int
        Estimated host memory of the table of networks and the results.
    available_bytes : int or None
        Host memory available now (None where unknown).
    training_steps : int
        Learning steps of all networks together.
    seconds : float
        Estimated wall time (:data:`COSTS`), compilation included.
    """

    n_results: int
    n_networks: int
    n_devices: int
    platform: str
    groups: tuple
    chunk_bytes: int
    host_bytes: int
    available_bytes: int | None
    training_steps: int
    seconds: float

    @property
    def n_chunks(self) -> int:
        """Chunks in all."""
        return sum(-(-n // size) for _, n, size in self.groups)

    def describe(self) -> str:
        """One line: networks, chunks, memory and the estimated time."""
        return (f"{self.n_networks:,} networks trained in {self.n_chunks:,} chunk(s) on {self.n_devices} "
                f"{self.platform} device(s); about {_mib(self.chunk_bytes)} per chunk, {_mib(self.host_bytes)} "
                f"on the host; estimated time {format_seconds(self.seconds)}")


def _mib(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n / 2**20:.2f} MiB"


def format_seconds(s: float) -> str:
    """A duration in words: ``"42 s"``, ``"3.5 min"``, ``"2.1 h"``, ``"6.3 days"``, ``"1.2e+04 years"``.

    Parameters
    ----------
    s : float
        Seconds.

    Returns
    -------
    str
        Seconds below 90 s, minutes below 1.5 h, hours below 2 days, days below a year, then years.

    Examples
    --------
    >>> from fepnet.sweep.plan import format_seconds
    >>> format_seconds(42), format_seconds(200), format_seconds(9000)
    ('42 s', '3.3 min', '2.5 h')
    """
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.1f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h"
    if s < 365 * 86400:
        return f"{s / 86400:.1f} days"
    return f"{s / (365 * 86400):.3g} years"


def plan_sweep(grid: SweepGrid, devices, *, n_nodes: int, n_patterns: int, n_test_patterns: int,
               evaluation: Evaluation = Evaluation(), couplings: bool = False, memory_limit_mb: float = 1024.0,
               chunk_size: int | None = None, itemsize: int = 4, cpu_cores: int | None = None) -> SweepPlan:
    """Plan a sweep from sizes only: chunks under the memory cap, memory checks, an estimated time.

    Parameters
    ----------
    grid : SweepGrid
    devices : sequence of jax.Device
        The devices the chunks are sharded over (:func:`fepnet.placement.resolve_devices`).
    n_nodes, n_patterns, n_test_patterns : int
        N, and the training (K) and test patterns.
    evaluation : Evaluation
    couplings : bool
        Whether every checkpoint's couplings are kept.
    memory_limit_mb : float
        Cap on a chunk's estimated device memory, positive (checked by the caller).
    chunk_size : int, optional
        Networks per chunk asked for.
    itemsize : int
        Bytes per float.
    cpu_cores : int, optional
        Cores the host devices share (default: all usable cores); only for the time estimate.

    Returns
    -------
    SweepPlan

    Raises
    ------
    ValueError
        The cap is below one network per device, ``chunk_size`` exceeds it, a chunk would not fit
        in an accelerator's memory, or the host could not hold the sweep's table and results.

    Examples
    --------
    An absurd grid is refused from its sizes alone, before anything is allocated:

    >>> import jax, fepnet
    >>> from fepnet.sweep.plan import plan_sweep
    >>> grid = fepnet.SweepGrid(evidence_level=(1.0, 2.0), inverse_temperature=1.0, seeds=2)
    >>> plan = plan_sweep(grid, jax.devices()[:1], n_nodes=64, n_patterns=10, n_test_patterns=1787)
    >>> plan.n_networks, plan.groups
    (4, ((10, 4, 4),))
    >>> huge = grid.replace(evidence_level=tuple(range(1, 1001)), seeds=10**6)  # 10^9 networks
    >>> plan_sweep(huge, jax.devices()[:1], n_nodes=64, n_patterns=10, n_test_patterns=1787, couplings=True)
    Traceback (most recent call last):
    ...
    ValueError: the sweep's 1,000,000,000 networks x 1 checkpoint(s) need about 30.0 TiB of host memory ...
    """
    n_dev = len(devices)
    platform = devices[0].platform
    limit_bytes = float(memory_limit_mb) * 2**20
    steps_values = grid.values("steps_per_epoch")
    n_ckpt = len(grid.values("n_epochs"))
    last_epoch = max(grid.values("n_epochs"))
    n_results = grid.n_networks
    n_networks = n_results // n_ckpt if "n_epochs" in grid.swept else n_results
    per_steps = n_networks // len(steps_values)
    swept_dims = len([d for d in grid.swept if d != "n_epochs"])

    host = host_bytes(n_networks, n_ckpt, n_nodes, swept_dims, couplings=couplings, itemsize=itemsize)
    available = available_host_bytes()
    if available is not None and host > available:
        raise ValueError(f"the sweep's {n_networks:,} networks x {n_ckpt} checkpoint(s) need about {_mib(host)} of "
                         f"host memory for their settings and results, but {_mib(available)} is available: "
                         "sweep fewer values or seeds")
    device_memory = accelerator_memory_bytes(devices[0])
    cost = COSTS.get(platform, COSTS["gpu"])
    scale = max(1.0, (n_nodes / 64) ** 2)
    slowdown = max(1.0, n_dev / (cpu_cores or _usable_cores())) if platform == "cpu" else 1.0
    shared = (n_patterns + n_test_patterns) * n_nodes * itemsize
    groups, chunk_bytes, seconds, training_steps = [], 0, 0.0, 0
    for steps in steps_values:
        per_net = network_bytes(n_nodes, n_patterns, n_epochs=last_epoch, steps_per_epoch=int(steps),
                                n_checkpoints=n_ckpt, n_trials=evaluation.n_trials, couplings=couplings,
                                itemsize=itemsize)
        max_chunk = max_chunk_size(limit_bytes, shared, per_net, n_dev)
        if max_chunk < n_dev:
            need = (shared + n_dev * per_net) / 2**20
            raise ValueError(f"memory_limit_mb={memory_limit_mb:g} is below one network per device "
                             f"({need:.1f} MB for {n_dev} device(s))")
        if chunk_size is not None and -(-chunk_size // n_dev) * n_dev > max_chunk:
            raise ValueError(f"chunk_size={chunk_size} exceeds memory_limit_mb={memory_limit_mb:g} "
                             f"(at most {max_chunk} networks per chunk here)")
        learn, score = last_epoch * int(steps), 2 * n_ckpt * evaluation.n_trials * evaluation.n_steps
        fixed = (learn * cost.fixed + score * cost.score_fixed) * slowdown  # seconds per chunk
        per_network = (learn * cost.unit + score * cost.score_unit) * scale * slowdown  # ... per network per device
        time_cap = max(_MIN_PER_DEVICE, int((CHUNK_SECONDS - fixed) / per_network)) * n_dev
        size = plan_chunk_size(per_steps, n_dev, min(max_chunk, time_cap), chunk_size)
        bytes_ = shared + size * per_net
        if device_memory is not None and bytes_ > device_memory:
            raise ValueError(f"a chunk of {size} networks needs about {_mib(bytes_)} on each of {n_dev} device(s), "
                             f"more than the device's {_mib(device_memory)}: lower memory_limit_mb or chunk_size")
        chunks = -(-per_steps // size)
        seconds += cost.compile + chunks * (fixed + size / n_dev * per_network)
        chunk_bytes = max(chunk_bytes, bytes_)
        training_steps += per_steps * last_epoch * int(steps)
        groups.append((int(steps), per_steps, size))
    return SweepPlan(n_results, n_networks, n_dev, platform, tuple(groups), int(chunk_bytes), int(host),
                     available, int(training_steps), float(seconds))


def _usable_cores() -> int:
    from ..infra.resources import usable_cores

    return usable_cores()
