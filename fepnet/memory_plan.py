"""Memory estimates that refuse, before allocating, a network or a run that cannot fit.

A network's couplings J (N, N) dominate everything at large N: 4 N^2 bytes in float32,
10 GB at N = 50,000. The drivers keep one J (``train`` and ``free_run`` update it in place,
``run`` and ``relax`` only read it) plus O(N) vectors, so what a call needs is

    copies x bytes(J) + small,

where ``copies`` is 1 for a network built or trained from scratch and 2 when training
continues from a caller's network (the caller's J stays valid; training works on a copy).
:func:`require` compares that with what the default device has free now (the host's
``MemAvailable`` and cgroup limit on CPU, ``bytes_limit - bytes_in_use`` on an accelerator)
and raises ``ValueError`` naming N and both byte counts when it does not fit.
"""

from __future__ import annotations

import numpy as np

from .infra import resources

__all__ = ["available_bytes", "couplings_bytes", "require", "require_couplings", "require_training", "OVERHEAD_BYTES"]

# Allowance for what a run holds besides its copies of J: compiled programs, O(N) vectors, one
# epoch's uniforms, XLA's scratch buffers (measured peak growth at N = 10,000 .. 50,000 is under 0.3 GB).
OVERHEAD_BYTES = 256 * 2**20


def available_bytes():
    """``(bytes, where)``: memory a new allocation on JAX's default device can use now.

    On CPU: :func:`fepnet.infra.resources.available_host_bytes` ("this machine"); on an
    accelerator: its ``bytes_limit`` less ``bytes_in_use`` (``memory_stats()``). ``bytes`` is
    None where unknown, and then nothing is refused.
    """
    import jax

    device = jax.devices()[0]
    if device.platform == "cpu":
        return resources.available_host_bytes(), "this machine"
    limit = resources.accelerator_memory_bytes(device)
    if limit is None:
        return None, f"{device.platform}:{device.id}"
    try:
        used = int((device.memory_stats() or {}).get("bytes_in_use", 0))
    except Exception:  # not every backend implements it
        used = 0
    return limit - used, f"{device.platform}:{device.id}"


def couplings_bytes(n: int, dtype) -> int:
    """Bytes of J (N, N) in ``dtype``."""
    return int(n) * int(n) * np.dtype(dtype).itemsize


def _gb(nbytes: float) -> str:
    return f"{nbytes / 1e9:.3g} GB"


def require(nbytes: int, what: str, n: int, dtype) -> int:
    """Refuse (``ValueError``) ``what``, which needs ``nbytes`` bytes for an N-node network, if it cannot fit.

    The message reads "<what> needs about 20 GB (N=50000, float32: J alone is 10 GB), more than
    the 14.2 GB available on this machine". Returns ``nbytes``.
    """
    available, where = available_bytes()
    if available is not None and nbytes > available:
        raise ValueError(f"{what} needs about {_gb(nbytes)} (N={n}, {np.dtype(dtype).name}: J alone is "
                         f"{_gb(couplings_bytes(n, dtype))}), more than the {_gb(available)} available on {where}")
    return int(nbytes)


def require_couplings(n: int, dtype, what: str, copies: int = 1, extra: int = 0) -> int:
    """:func:`require` for ``copies`` x J, ``extra`` bytes and :data:`OVERHEAD_BYTES`."""
    return require(copies * couplings_bytes(n, dtype) + int(extra) + OVERHEAD_BYTES, what, n, dtype)


def require_training(initial, n, what: str) -> None:
    """Refuse, before J is allocated, a :func:`fepnet.train` / :func:`fepnet.free_run` whose couplings cannot fit.

    From scratch (``initial`` None, ``n`` nodes) the run holds one J; from a caller's
    Network or LearningState, the caller's J and the working copy updated in place. An
    ``initial`` of the wrong kind is left to the driver's own checks.
    """
    import jax.numpy as jnp

    J = getattr(initial, "couplings", None)
    shape, dtype = getattr(J, "shape", ()), getattr(J, "dtype", None)
    if initial is None:
        require_couplings(n, jnp.result_type(float), f"{what} from scratch")
    elif len(shape) == 2 and shape[0] == shape[1] and dtype is not None and np.issubdtype(dtype, np.floating):
        require_couplings(shape[0], dtype, f"{what} from a given network (its J and a working copy)", copies=2)
