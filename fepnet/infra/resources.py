"""Process resources: peak memory and usable cores."""

from __future__ import annotations

import os
import resource
import sys

__all__ = ["accelerator_memory_bytes", "available_host_bytes", "configure_cpu_devices", "device_memory_bytes",
           "peak_rss_mb", "usable_cores"]


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB.

    From ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (KiB on Linux, bytes on macOS).

    Returns
    -------
    float
        MiB (2**20 bytes).

    Examples
    --------
    >>> from fepnet.infra.resources import peak_rss_mb
    >>> peak_rss_mb() > 0
    True
    """
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def accelerator_memory_bytes(device) -> int | None:
    """An accelerator's memory in bytes (its ``memory_stats()["bytes_limit"]``).

    Parameters
    ----------
    device : jax.Device
        A JAX device.

    Returns
    -------
    int or None
        Bytes; None on CPU, or where the backend does not report a limit.

    Examples
    --------
    >>> import jax
    >>> from fepnet.infra.resources import accelerator_memory_bytes
    >>> cpu = jax.devices("cpu")[0]
    >>> accelerator_memory_bytes(cpu) is None
    True
    """
    if device.platform == "cpu":
        return None
    try:
        stats = device.memory_stats() or {}
    except Exception:  # not every backend implements it
        return None
    limit = stats.get("bytes_limit")
    return int(limit) if limit else None


def device_memory_bytes():
    """The memory of JAX's default device: an accelerator's limit, else the host's physical RAM.

    Returns
    -------
    bytes : int or None
        The memory in bytes; None where neither is known.
    name : str
        ``"<platform>:<id>"`` of the accelerator, or ``"this machine"``.

    Examples
    --------
    >>> from fepnet.infra.resources import device_memory_bytes
    >>> n, name = device_memory_bytes()
    >>> n is None or n > 0
    True
    """
    import jax

    device = jax.devices()[0]
    limit = accelerator_memory_bytes(device)
    if limit is not None:
        return limit, f"{device.platform}:{device.id}"
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")), "this machine"
    except (AttributeError, ValueError, OSError):
        return None, "this machine"


def _read_int(path: str, prefix: str = "") -> int | None:
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith(prefix):
                    return int(line[len(prefix):].split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return None


def available_host_bytes() -> int | None:
    """Host memory available to a new allocation, in bytes.

    ``MemAvailable`` of /proc/meminfo (Linux; else the physical memory), and no more than
    what a cgroup v2 memory limit leaves (``memory.max - memory.current``, containers).

    Returns
    -------
    int or None
        Bytes, or None where unknown.

    Examples
    --------
    >>> from fepnet.infra.resources import available_host_bytes
    >>> b = available_host_bytes()
    >>> b is None or b > 0
    True
    """
    kib = _read_int("/proc/meminfo", "MemAvailable:")
    available = kib * 1024 if kib is not None else None
    if available is None:
        try:
            available = int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            available = None
    limit, used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if limit is not None and used is not None:
        available = limit - used if available is None else min(available, limit - used)
    return available


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one, else ``os.cpu_count()``).

    Returns
    -------
    int
        >= 1.

    Examples
    --------
    >>> from fepnet.infra.resources import usable_cores
    >>> usable_cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def configure_cpu_devices(n: int | None = None) -> str:
    """Split the host CPU into ``n`` JAX devices, so that a sweep's batch can be sharded over them.

    Sets ``jax_num_cpu_devices``; it must run before JAX initialises its backends, and a
    ``--xla_force_host_platform_device_count`` in ``XLA_FLAGS`` wins. Nothing is changed once
    the backends are initialised (the return value says so).

    Parameters
    ----------
    n : int, optional
        Number of CPU devices (default: :func:`usable_cores`).

    Returns
    -------
    str
        What was done, in words, e.g. ``"2 host CPU devices"`` or
        ``"JAX already initialised: its 1 device(s)"``.

    Examples
    --------
    >>> import jax
    >>> from fepnet.infra.resources import configure_cpu_devices
    >>> _ = jax.devices()          # backends initialised: nothing changes now
    >>> configure_cpu_devices(2)   # doctest: +ELLIPSIS
    '...'
    """
    import jax

    if "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", ""):
        return "host devices from XLA_FLAGS"
    n = usable_cores() if n is None else n
    try:
        jax.config.update("jax_num_cpu_devices", int(n))
    except RuntimeError:  # backends already initialised (e.g. main() called inside a running program)
        return f"JAX already initialised: its {jax.device_count()} device(s)"
    return f"{n} host CPU devices"
