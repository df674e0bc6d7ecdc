"""Several processes, one computation: ``jax.distributed`` set up for fepnet, and results brought home.

Every process runs the same program. After :func:`initialize`, ``jax.devices()`` lists the devices
of every process (``jax.local_devices()`` this process's own), so the meshes fepnet builds span
them all: :func:`fepnet.run_sweep` splits its batch of networks over every process's devices and
:func:`fepnet.train` ``(devices=jax.device_count())`` splits one network's rows over them
(:mod:`fepnet.sharding`). The results are global arrays, each process holding its devices'
shards; :func:`gather` copies one whole to every process's host (the sweep does this itself), and
:func:`is_main` picks the one process that writes files.

On CPU the processes talk through gloo (``jax_cpu_collectives_implementation``); on GPUs through
NCCL, chosen by JAX. Launch recipes (localhost, one multi-GPU host, SLURM): ``docs/scaling.md``.
"""

from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

__all__ = ["ProcessInfo", "initialize", "process_info", "is_main", "gather", "sync", "shutdown"]


class ProcessInfo(NamedTuple):
    """Where this process stands in a multi-process run (:func:`process_info`).

    Parameters
    ----------
    process_index : int
        This process's index, 0 .. process_count - 1 (0 writes the files).
    process_count : int
        The number of processes (1 without ``jax.distributed``).
    local_devices : int
        This process's own devices (``jax.local_device_count()``).
    global_devices : int
        Every process's devices together (``jax.device_count()``).
    platform : str
        ``"cpu"``, ``"gpu"`` or ``"tpu"``.
    """

    process_index: int
    process_count: int
    local_devices: int
    global_devices: int
    platform: str


def _optional_count(x, name: str, minimum: int):
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got a bool")
    try:
        x = operator.index(x)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}") from None
    if x < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {x}")
    return x


def initialize(coordinator_address: str | None = None, num_processes: int | None = None,
               process_id: int | None = None, *, local_device_count: int | None = None,
               local_device_ids=None, timeout_s: int = 300) -> ProcessInfo:
    """Join this process to a multi-process JAX run (``jax.distributed.initialize``); call it first.

    Must run before anything else touches JAX's devices (``jax.devices()``, any computation). With
    all three of ``coordinator_address``, ``num_processes`` and ``process_id`` omitted, JAX reads
    them from the cluster (SLURM ``srun``, Open MPI ``mpirun``; ``JAX_COORDINATOR_ADDRESS`` for the
    address). Calling it again with the same arguments returns the same :class:`ProcessInfo`.

    Parameters
    ----------
    coordinator_address : str, optional
        ``"host:port"`` of process 0, where it serves the coordinator (any free port, the same in
        every process; ``"127.0.0.1:PORT"`` for processes on one machine).
    num_processes : int, optional
        How many processes take part (>= 1).
    process_id : int, optional
        This process's index, 0 .. num_processes - 1 (process 0 is the coordinator).
    local_device_count : int, optional
        On CPU: the host devices this process splits its cores into (``jax_num_cpu_devices``);
        ignored by GPU backends. Default: JAX's (one).
    local_device_ids : int or sequence of int, optional
        GPUs: the local devices this process uses (one process per GPU: its index on the host);
        default JAX's (every local GPU, or one per process under SLURM / Open MPI).
    timeout_s : int
        Seconds to wait for every process to join.

    Returns
    -------
    ProcessInfo

    Raises
    ------
    TypeError
        Counts or ids that are not integers; an address that is not a string.
    ValueError
        ``num_processes`` < 1; ``process_id`` outside 0 .. num_processes - 1; ``local_device_count``
        or ``timeout_s`` < 1; only some of the three coordinates given; an address without a port.
    RuntimeError
        JAX was already started in this process (devices listed or a computation run) before the
        call, or it was initialised before with other arguments.

    Examples
    --------
    Two processes on one machine, each started with its own ``process_id`` (not run here:
    it needs the second process; ``docs/scaling.md`` has the launch recipes):

    >>> from fepnet import distributed
    >>> info = distributed.initialize("127.0.0.1:12345", 2, 0)  # doctest: +SKIP
    >>> info.process_count  # doctest: +SKIP
    2
    """
    import jax

    if coordinator_address is not None:
        if not isinstance(coordinator_address, str):
            raise TypeError(f"coordinator_address must be a 'host:port' string, got {type(coordinator_address).__name__}")
        host, _, port = coordinator_address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"coordinator_address must be 'host:port', got {coordinator_address!r}")
    num_processes = _optional_count(num_processes, "num_processes", 1)
    process_id = _optional_count(process_id, "process_id", 0)
    local_device_count = _optional_count(local_device_count, "local_device_count", 1)
    timeout_s = _optional_count(timeout_s, "timeout_s", 1)
    given = [x is not None for x in (coordinator_address, num_processes, process_id)]
    if any(given) and not all(given):
        raise ValueError("give all of coordinator_address, num_processes and process_id, or none of them "
                         "(then they are read from the cluster: SLURM, Open MPI)")
    if num_processes is not None and process_id >= num_processes:
        raise ValueError(f"process_id must lie in 0 .. num_processes - 1 = {num_processes - 1}, got {process_id}")

    if jax.distributed.is_initialized():
        info = process_info()
        if (num_processes, process_id) not in ((None, None), (info.process_count, info.process_index)):
            raise RuntimeError(f"jax.distributed is already initialised as process {info.process_index} of "
                               f"{info.process_count}, not {process_id} of {num_processes}")
        return info
    try:
        if local_device_count is not None:
            jax.config.update("jax_num_cpu_devices", local_device_count)
        if jax.config.values.get("jax_cpu_collectives_implementation") in (None, "", "none"):
            jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU processes need collectives
        jax.distributed.initialize(coordinator_address, num_processes, process_id,
                                   local_device_ids=local_device_ids, initialization_timeout=timeout_s)
    except RuntimeError as exc:
        if "initializ" not in str(exc) or "backend" not in str(exc):
            raise
        raise RuntimeError("fepnet.distributed.initialize must run before JAX starts (before jax.devices(), any "
                           f"computation, or a fepnet call that computes): call it first in the program ({exc})") from None
    return process_info()


def process_info() -> ProcessInfo:
    """This process's :class:`ProcessInfo` (one process of one when ``jax.distributed`` is not in use).

    Returns
    -------
    ProcessInfo

    Examples
    --------
    >>> from fepnet.distributed import process_info
    >>> info = process_info()
    >>> info.process_index, info.process_count
    (0, 1)
    """
    import jax

    return ProcessInfo(jax.process_index(), jax.process_count(), jax.local_device_count(), jax.device_count(),
                       jax.devices()[0].platform)


def is_main() -> bool:
    """Whether this is process 0, the one that writes files and prints (always True in one process).

    Returns
    -------
    bool

    Examples
    --------
    >>> from fepnet.distributed import is_main
    >>> is_main()
    True
    """
    import jax

    return jax.process_index() == 0


def gather(tree):
    """Host (NumPy) copies of every array of ``tree``, whole, in every process.

    A global array (shards in several processes) is all-gathered (``process_allgather``); every
    process must call this together. In one process it is ``np.asarray`` of each leaf.

    Parameters
    ----------
    tree : pytree of jax.Array
        E.g. a :class:`fepnet.TrainResult` of a sharded run.

    Returns
    -------
    pytree of numpy.ndarray
        The same structure, each leaf whole on the host.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.distributed import gather
    >>> gather({"J": jnp.zeros((2, 2))})["J"].shape
    (2, 2)
    """
    import jax

    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        return multihost_utils.process_allgather(tree, tiled=True)
    return jax.tree_util.tree_map(np.asarray, tree)


def sync(name: str = "fepnet") -> None:
    """Wait until every process reaches this point (a barrier named ``name``); no-op in one process.

    Parameters
    ----------
    name : str
        The barrier's name (every process must use the same).

    Returns
    -------
    None

    Examples
    --------
    >>> from fepnet.distributed import sync
    >>> sync("after-training")
    """
    import jax

    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(name)


def shutdown() -> None:
    """Leave the multi-process run (``jax.distributed.shutdown``); no-op when not initialised.

    Returns
    -------
    None

    Examples
    --------
    >>> from fepnet.distributed import shutdown
    >>> shutdown()
    """
    import jax

    if jax.distributed.is_initialized():
        jax.distributed.shutdown()
