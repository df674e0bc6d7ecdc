"""Process resources: peak memory and usable cores."""

from __future__ import annotations

import os
import resource
import sys

__all__ = ["configure_cpu_devices", "device_memory_bytes", "peak_rss_mb", "usable_cores"]


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (``ru_maxrss``: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def device_memory_bytes():
    """``(bytes, name)``: the memory of JAX's default device (an accelerator's limit, else the host's RAM).

    ``bytes`` is None where neither is known.
    """
    import jax

    device = jax.devices()[0]
    try:
        stats = device.memory_stats() or {}
    except Exception:  # not every backend implements it
        stats = {}
    if stats.get("bytes_limit"):
        return int(stats["bytes_limit"]), f"{device.platform}:{device.id}"
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")), "this machine"
    except (AttributeError, ValueError, OSError):
        return None, "this machine"


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def configure_cpu_devices(n: int | None = None) -> str:
    """Split the host CPU into ``n`` JAX devices (default: :func:`usable_cores`).

    A sweep's batch is then sharded over them. Must run before JAX initialises its
    backends; a ``--xla_force_host_platform_device_count`` in ``XLA_FLAGS`` wins.
    Returns what was done, in words.
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
