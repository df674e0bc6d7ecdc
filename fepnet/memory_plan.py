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

#: Allowance in bytes (256 MiB) for what a run holds besides its copies of J: compiled programs, O(N) vectors, one
#: epoch's uniforms, XLA's scratch buffers (measured peak growth at N = 10,000 .. 50,000 is under 0.3 GB).
OVERHEAD_BYTES = 256 * 2**20


def available_bytes():
    """The memory a new allocation on JAX's default device can use now, and where that is.

    On CPU: :func:`fepnet.infra.resources.available_host_bytes` (the host's ``MemAvailable``
    and cgroup limit); on an accelerator: its ``bytes_limit`` less ``bytes_in_use``
    (``memory_stats()``).

    Returns
    -------
    bytes : int or None
        Bytes available; None where unknown (then nothing is refused).
    where : str
        ``"this machine"`` on CPU, else ``"<platform>:<id>"`` of the device.

    Examples
    --------
    >>> from fepnet.memory_plan import available_bytes
    >>> nbytes, where = available_bytes()
    >>> nbytes is None or nbytes > 0, where in ("this machine", "gpu:0", "tpu:0")
    (True, True)
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
    """Bytes of the couplings J (N, N) in ``dtype``: N^2 times the item size.

    Parameters
    ----------
    n : int
        N, the number of nodes.
    dtype : numpy dtype or str
        J's dtype.

    Returns
    -------
    int

    Examples
    --------
    >>> from fepnet.memory_plan import couplings_bytes
    >>> couplings_bytes(50_000, "float32") / 1e9  # GB
    10.0
    """
    return int(n) * int(n) * np.dtype(dtype).itemsize


def _gb(nbytes: float) -> str:
    return f"{nbytes / 1e9:.3g} GB"


def require(nbytes: int, what: str, n: int, dtype) -> int:
    """Refuse ``what``, which needs ``nbytes`` bytes for an N-node network, if it cannot fit now.

    Compares ``nbytes`` with :func:`available_bytes`; nothing is refused where that is unknown.

    Parameters
    ----------
    nbytes : int
        Bytes the operation needs.
    what : str
        The operation, for the message (``"train from scratch"``).
    n : int
        N, for the message.
    dtype : numpy dtype or str
        J's dtype, for the message.

    Returns
    -------
    int
        ``nbytes``.

    Raises
    ------
    ValueError
        ``nbytes`` above the memory available; the message reads "<what> needs about 20 GB
        (N=50000, float32: J alone is 10 GB), more than the 14.2 GB available on this machine".

    Examples
    --------
    >>> from fepnet.memory_plan import require
    >>> require(1000, "a test", 10, "float32")
    1000
    >>> require(10**18, "a test", 500_000_000, "float32")
    Traceback (most recent call last):
    ...
    ValueError: a test needs about 1e+09 GB (N=500000000, float32: J alone is 1e+09 GB), more than ...
    """
    available, where = available_bytes()
    if available is not None and nbytes > available:
        raise ValueError(f"{what} needs about {_gb(nbytes)} (N={n}, {np.dtype(dtype).name}: J alone is "
                         f"{_gb(couplings_bytes(n, dtype))}), more than the {_gb(available)} available on {where}")
    return int(nbytes)


def require_couplings(n: int, dtype, what: str, copies: int = 1, extra: int = 0) -> int:
    """:func:`require` for ``copies`` x J, ``extra`` bytes and :data:`OVERHEAD_BYTES`.

    Parameters
    ----------
    n : int
        N.
    dtype : numpy dtype or str
        J's dtype.
    what : str
        The operation, for the message.
    copies : int
        Copies of J held at once (default 1).
    extra : int
        Further bytes (default 0).

    Returns
    -------
    int
        The bytes required: copies N^2 itemsize + extra + :data:`OVERHEAD_BYTES`.

    Raises
    ------
    ValueError
        More than the memory available (:func:`require`).

    Examples
    --------
    >>> from fepnet.memory_plan import require_couplings, OVERHEAD_BYTES
    >>> require_couplings(100, "float32", "a test", copies=2) - OVERHEAD_BYTES
    80000
    """
    return require(copies * couplings_bytes(n, dtype) + int(extra) + OVERHEAD_BYTES, what, n, dtype)


def require_training(initial, n, what: str) -> None:
    """Refuse, before J is allocated, a :func:`fepnet.train` or :func:`fepnet.free_run` that cannot fit.

    From scratch (``initial`` None, ``n`` nodes) the run holds one J; from a caller's
    Network or LearningState, the caller's J and the working copy updated in place (two).

    Parameters
    ----------
    initial : None, Network or LearningState
        The run's start; one of another kind is left to the driver's own checks.
    n : int or None
        N when ``initial`` is None.
    what : str
        The driver's name, for the message (``"train"``).

    Returns
    -------
    None

    Raises
    ------
    ValueError
        The couplings do not fit in the memory available (:func:`require`).

    Examples
    --------
    >>> from fepnet.memory_plan import require_training
    >>> require_training(None, 1000, "train")  # 4 MB of J: fits
    >>> require_training(None, 10**7, "train")
    Traceback (most recent call last):
    ...
    ValueError: train from scratch needs about 4e+05 GB (N=10000000, float32: J alone is 4e+05 GB), ...
    """
    import jax.numpy as jnp

    J = getattr(initial, "couplings", None)
    shape, dtype = getattr(J, "shape", ()), getattr(J, "dtype", None)
    if initial is None:
        require_couplings(n, jnp.result_type(float), f"{what} from scratch")
    elif len(shape) == 2 and shape[0] == shape[1] and dtype is not None and np.issubdtype(dtype, np.floating):
        require_couplings(shape[0], dtype, f"{what} from a given network (its J and a working copy)", copies=2)
