"""Progress bars and the chunked driver that runs a long jitted computation piece by piece under one.

A long ``lax.scan`` gives no sign of life until it returns. :func:`run_in_chunks`
splits it at chosen boundaries, calls a jitted ``advance`` per piece, waits for
the device, and advances a tqdm bar; training, AIS, SVI, coupling fits and SBC
all run through it. The boundaries are explicit, so the caller decides the
compiled chunk lengths (and hence the exact arithmetic).

Interrupts: a Ctrl-C (SIGINT) that arrives while a compiled call runs is handled
only when the call returns, and one that lands inside a host callback comes back
as a JAX runtime error, not as ``KeyboardInterrupt``. Inside :func:`interruptible`
(the ``fepnet`` command runs every command in it) SIGINT raises
``KeyboardInterrupt`` as soon as Python runs again and is also remembered
(:func:`interrupt_pending`); :func:`check_interrupt`, called between chunks,
raises it again if something swallowed or converted it. A long run therefore
stops at the end of the chunk that was running, and no later.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import signal
import sys
import threading

import numpy as np

if importlib.util.find_spec("ipywidgets") is not None:
    from tqdm.auto import tqdm  # a widget bar in Jupyter, the text bar elsewhere
else:
    # tqdm.auto would fall back to the text bar in Jupyter anyway, but warns "IProgress not found" on import
    from tqdm import tqdm

__all__ = ["ceil_chunks", "check_interrupt", "chunk_bounds", "even_bounds", "interrupt_pending", "interruptible",
           "progress_bar", "run_in_chunks"]

_INTERRUPTED = threading.Event()  # set by interruptible()'s SIGINT handler


@contextlib.contextmanager
def interruptible():
    """Run the block with a SIGINT handler that raises ``KeyboardInterrupt`` and remembers the interrupt.

    Python's default handler raises too, but does not remember: an interrupt that a library
    swallowed or turned into another exception (a JAX host callback does) would be lost.
    With this one, :func:`check_interrupt` raises again at the next chunk boundary and
    :func:`interrupt_pending` tells the caller. Outside the main thread (where signals
    cannot be handled), or where SIGINT is ignored (a process started in the background by a
    non-interactive shell inherits that), the block runs unchanged.

    Yields
    ------
    None
        The previous SIGINT handler is restored (and the remembered interrupt cleared) on exit.

    Examples
    --------
    >>> from fepnet.infra.progress import interruptible, interrupt_pending
    >>> with interruptible():
    ...     interrupt_pending()
    False
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN):
        yield
        return

    def handler(signum, frame):
        _INTERRUPTED.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    _INTERRUPTED.clear()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _INTERRUPTED.clear()


def interrupt_pending() -> bool:
    """Whether an interrupt arrived inside the current :func:`interruptible` block.

    Returns
    -------
    bool
        True once SIGINT was received inside the block (until the block exits).

    Examples
    --------
    >>> from fepnet.infra.progress import interrupt_pending
    >>> interrupt_pending()
    False
    """
    return _INTERRUPTED.is_set()


def check_interrupt() -> None:
    """Raise ``KeyboardInterrupt`` if an interrupt arrived inside :func:`interruptible` (call it at a chunk boundary).

    Returns
    -------
    None

    Raises
    ------
    KeyboardInterrupt
        When :func:`interrupt_pending` is true.

    Examples
    --------
    >>> from fepnet.infra.progress import check_interrupt
    >>> check_interrupt() is None
    True
    """
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt


@contextlib.contextmanager
def progress_bar(total: int, desc: str, unit: str = "it", enable: bool = True):
    """A tqdm progress bar on stderr, closed when the block exits.

    Parameters
    ----------
    total : int
        The number of units to complete.
    desc : str
        The bar's label.
    unit : str
        The unit's name (default ``"it"``).
    enable : bool
        Show the bar; when false the bar is created with ``disable=True`` (its methods still work).

    Yields
    ------
    tqdm.tqdm
        The bar (``update``, ``set_postfix_str``, ...).

    Examples
    --------
    >>> from fepnet.infra.progress import progress_bar
    >>> with progress_bar(10, "demo", enable=False) as bar:
    ...     bar.total
    10
    """
    bar = tqdm(total=total, desc=desc, unit=unit, disable=not enable, file=sys.stderr,
               dynamic_ncols=True, unit_scale=True, leave=True, mininterval=0.25)
    try:
        yield bar
    finally:
        bar.close()


def chunk_bounds(total: int, size: int) -> list[int]:
    """Boundaries ``[0, size, 2 size, ..., total]`` of consecutive pieces of at most ``size`` items.

    Parameters
    ----------
    total : int
        Number of items, >= 0.
    size : int
        Largest piece (values below 1 count as 1).

    Returns
    -------
    list of int
        Increasing boundaries from 0 to ``total`` (``[0]`` when ``total`` is 0).

    Examples
    --------
    >>> from fepnet.infra.progress import chunk_bounds
    >>> chunk_bounds(10, 4), chunk_bounds(0, 4)
    ([0, 4, 8, 10], [0])
    """
    size = max(1, int(size))
    return list(range(0, total, size)) + [total] if total > 0 else [0]


def even_bounds(total: int, n_chunks: int) -> list[int]:
    """Boundaries of ``n_chunks`` pieces whose lengths differ by at most one (``np.linspace`` rounded down).

    Parameters
    ----------
    total : int
        Number of items, >= 0.
    n_chunks : int
        Number of pieces (values below 1 count as 1).

    Returns
    -------
    list of int
        ``n_chunks + 1`` boundaries from 0 to ``total``.

    Examples
    --------
    >>> from fepnet.infra.progress import even_bounds
    >>> even_bounds(10, 3)
    [0, 3, 6, 10]
    """
    return [int(b) for b in np.linspace(0, total, max(1, int(n_chunks)) + 1).astype(int)]


def ceil_chunks(total: int, n_chunks: int) -> list[int]:
    """Boundaries of pieces of ``ceil(total / n_chunks)`` items (the last one shorter).

    Parameters
    ----------
    total : int
        Number of items, >= 0.
    n_chunks : int
        Number of pieces wanted (values below 1 count as 1); fewer result when the pieces fill ``total`` early.

    Returns
    -------
    list of int
        Increasing boundaries from 0 to ``total`` (:func:`chunk_bounds`).

    Examples
    --------
    >>> from fepnet.infra.progress import ceil_chunks
    >>> ceil_chunks(10, 3)
    [0, 4, 8, 10]
    """
    return chunk_bounds(total, math.ceil(total / max(1, n_chunks)) if total else 1)


def run_in_chunks(advance, carry, bounds, *, desc: str, unit: str = "it", progress: bool = True,
                  units_per_item: int = 1):
    """Run ``carry, out = advance(carry, start, stop)`` for each consecutive pair of ``bounds``, under a progress bar.

    After each piece the carry is computed (``jax.block_until_ready``), :func:`check_interrupt`
    runs, and the bar advances by ``(stop - start) * units_per_item``.

    Parameters
    ----------
    advance : callable
        ``advance(carry, start, stop) -> (carry, out)``, usually a jitted scan over items
        ``start .. stop - 1``. ``out`` may be ``None``.
    carry : pytree
        The state threaded through the pieces.
    bounds : sequence of int
        Increasing boundaries, first 0 and last the total (see :func:`chunk_bounds`, :func:`even_bounds`).
    desc, unit : str
        The progress bar's label and unit.
    progress : bool
        Show the bar (on stderr).
    units_per_item : int
        Bar units per item (e.g. learning steps per epoch).

    Returns
    -------
    carry : pytree
        The final carry, computed (``block_until_ready``) before the bar advanced.
    outputs : list
        The ``out`` of each piece, in order.

    Raises
    ------
    KeyboardInterrupt
        After the piece during which an interrupt arrived (:func:`check_interrupt`).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.infra.progress import chunk_bounds, run_in_chunks
    >>> total, outs = run_in_chunks(lambda c, a, b: (c + jnp.arange(a, b).sum(), b - a), jnp.int32(0),
    ...                             chunk_bounds(10, 4), desc="sum", progress=False)
    >>> int(total), outs
    (45, [4, 4, 2])
    """
    import jax

    bounds = [int(b) for b in bounds]
    outputs = []
    with progress_bar(total=(bounds[-1] - bounds[0]) * units_per_item, desc=desc, unit=unit,
                      enable=progress) as bar:
        for start, stop in zip(bounds[:-1], bounds[1:]):
            carry, out = advance(carry, start, stop)
            jax.block_until_ready(carry)
            check_interrupt()
            outputs.append(out)
            bar.update((stop - start) * units_per_item)
    return carry, outputs
