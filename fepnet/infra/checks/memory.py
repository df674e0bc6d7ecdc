"""Allocation checks: refuse a result that cannot fit in the memory of JAX's default device.

:func:`allocation` compares a result's size with
:func:`~fepnet.infra.resources.device_memory_bytes` before the work that would allocate it.
"""

from __future__ import annotations

__all__ = ["allocation"]


def allocation(nbytes: int, what: str) -> int:
    """Refuse a result of ``nbytes`` bytes that cannot fit in the memory of JAX's default device.

    The limit is :func:`~fepnet.infra.resources.device_memory_bytes` (an accelerator's
    limit, else the host's RAM); nothing is refused where it is unknown.

    Parameters
    ----------
    nbytes : int
        The size of the result, in bytes.
    what : str
        The arguments that set the size, as the user passed them, e.g.
        ``"trace=True with n_steps=1000000000, thin=1 (N=100, float32)"``; the message reads
        "<what> would record 400 GB, more than the 80 GB of memory of gpu:0".

    Returns
    -------
    int
        ``nbytes``.

    Raises
    ------
    ValueError
        When ``nbytes`` exceeds the device's memory.

    Examples
    --------
    >>> from fepnet.infra.checks import allocation
    >>> allocation(1024, "a small trace")
    1024
    >>> allocation(10**20, "trace=True with n_steps=10**17")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: trace=True with n_steps=10**17 would record 1e+11 GB, more than the ... GB of memory of ...
    """
    from ..resources import device_memory_bytes

    limit, device = device_memory_bytes()
    if limit is not None and nbytes > limit:
        raise ValueError(f"{what} would record {nbytes / 1e9:.3g} GB, "
                         f"more than the {limit / 1e9:.3g} GB of memory of {device}")
    return int(nbytes)
