"""How many networks fit in one compiled chunk: the per-network memory estimate and the chunk plan; the
host memory of a sweep's table and results, and the host memory available."""

from __future__ import annotations


__all__ = ["network_bytes", "max_chunk_size", "plan_chunk_size", "host_bytes"]


def network_bytes(n_nodes: int, n_patterns: int, *, n_epochs: int, steps_per_epoch: int, n_checkpoints: int = 1,
                  n_trials: int = 100, couplings: bool = False, itemsize: int = 4) -> int:
    """Estimated device memory of one network in a sweep chunk, in bytes (an upper estimate).

    In floats: couplings and their update buffers (3 N^2), the epoch's uniforms
    (2 steps N), the scores' cues, noise and responses (10 T N), then per
    checkpoint (C) the evaluation's own buffers (3 T N), the attractor
    relaxations (16 K N + K + 8) and the kept couplings (N^2); plus the pattern
    order (one int32 per epoch) and 256 bytes. Fitted with margin to XLA's own
    memory analysis of the compiled chunk program; a test checks that it bounds it.

    Parameters
    ----------
    n_nodes : int
        N, the network size.
    n_patterns : int
        K, the training patterns.
    n_epochs : int
        Epochs trained (the largest checkpoint).
    steps_per_epoch : int
        Steps per epoch.
    n_checkpoints : int
        C, epoch counts evaluated (default 1).
    n_trials : int
        T, score trials (default 100).
    couplings : bool
        Whether the chunk keeps each checkpoint's couplings.
    itemsize : int
        Bytes per float (4: float32).

    Returns
    -------
    int
        Bytes.

    Examples
    --------
    >>> from fepnet.sweep import network_bytes
    >>> network_bytes(64, 10, n_epochs=5000, steps_per_epoch=10)  # the paper's networks: about 0.45 MB
    448360
    """
    n, k, c, t = n_nodes, n_patterns, n_checkpoints, n_trials
    floats = 3 * n * n + 2 * steps_per_epoch * n + 10 * t * n + c * (3 * t * n + 16 * k * n + k + 8)
    if couplings:
        floats += c * n * n
    return int(itemsize * floats + 4 * n_epochs + 256)


def _round_up(x, multiple):
    return -(-x // multiple) * multiple


def max_chunk_size(limit_bytes: float, shared_bytes: int, per_network: int, n_devices: int) -> int:
    """The most networks per chunk under a memory cap, a multiple of the device count (may be 0).

    floor((limit - shared) / per_network), rounded down to a multiple of ``n_devices``.

    Parameters
    ----------
    limit_bytes : float
        The cap on a chunk's estimated device memory.
    shared_bytes : int
        Memory every chunk holds once (the patterns).
    per_network : int
        One network's estimate (:func:`network_bytes`).
    n_devices : int
        Devices the chunk's batch is sharded over.

    Returns
    -------
    int

    Examples
    --------
    >>> from fepnet.sweep.memory import max_chunk_size
    >>> max_chunk_size(2**30, 0, 10**6, 2)  # 1073 networks fit, rounded down to a multiple of 2
    1072
    """
    return int((limit_bytes - shared_bytes) // per_network) // n_devices * n_devices


def plan_chunk_size(n: int, n_devices: int, limit: int, requested: int | None, target: int = 10) -> int:
    """Networks per chunk (a multiple of the device count, at most ``limit``) for ``n`` networks.

    ``requested`` is rounded up to the device count (and never beyond the
    rounded-up number of networks). Otherwise about ``target`` chunks (a progress
    bar that moves) of at least 4 networks per device, choosing among up to
    ``target`` more chunks the split that pads the last chunk least.

    Parameters
    ----------
    n : int
        Networks to run.
    n_devices : int
        Devices the chunk is sharded over.
    limit : int
        The most networks per chunk (:func:`max_chunk_size`), a multiple of ``n_devices``.
    requested : int or None
        A chunk size asked for.
    target : int
        The number of chunks to aim for.

    Returns
    -------
    int

    Examples
    --------
    >>> from fepnet.sweep.memory import plan_chunk_size
    >>> plan_chunk_size(380, 2, 1000, None), plan_chunk_size(380, 2, 1000, 51)
    (38, 52)
    """
    if requested is not None:
        return min(_round_up(requested, n_devices), _round_up(n, n_devices))
    k_min = max(-(-n // limit), min(target, max(1, n // (4 * n_devices))))
    best = None
    for k in range(k_min, k_min + target + 1):
        size = min(_round_up(-(-n // k), n_devices), limit)
        waste = _round_up(n, size) - n
        if best is None or waste < best[0]:
            best = (waste, size)
    return best[1]


def host_bytes(n_networks: int, n_checkpoints: int, n_nodes: int, n_swept: int, *, couplings: bool = False,
               itemsize: int = 4) -> int:
    """Estimated host memory of a sweep's table of networks and its results, in bytes (an upper estimate).

    Per network: its settings, seed, grid point and index arrays (int64 / float64: 8 + n_swept words),
    its key (16 bytes) and chunk inputs (4 floats); per network and checkpoint the seven metrics
    (float64) and, with ``couplings``, N^2 floats, both counted twice (the results and the Dataset
    made from them).

    Parameters
    ----------
    n_networks : int
        Networks trained (the table's rows).
    n_checkpoints : int
        Epoch counts evaluated.
    n_nodes : int
        N.
    n_swept : int
        Swept settings other than ``n_epochs`` (the table's index arrays).
    couplings : bool
        Whether every checkpoint's couplings are kept.
    itemsize : int
        Bytes per float of the couplings.

    Returns
    -------
    int

    Examples
    --------
    >>> from fepnet.sweep.memory import host_bytes
    >>> host_bytes(380, 1, 64, 2)
    85120
    """
    per_network = 8 * (8 + n_swept) + 16 + 4 * itemsize
    per_result = 7 * 8 + (n_nodes * n_nodes * itemsize if couplings else 0)
    return int(n_networks * per_network + 2 * n_networks * n_checkpoints * per_result)
