"""Progress bars and the chunked driver that runs a long jitted computation piece by piece under one.

A long ``lax.scan`` gives no sign of life until it returns. :func:`run_in_chunks`
splits it at chosen boundaries, calls a jitted ``advance`` per piece, waits for
the device, and advances a tqdm bar; training, AIS, SVI, coupling fits and SBC
all run through it. The boundaries are explicit, so the caller decides the
compiled chunk lengths (and hence the exact arithmetic).
"""

from __future__ import annotations

import contextlib
import math
import sys

import numpy as np
from tqdm.auto import tqdm

__all__ = ["ceil_chunks", "chunk_bounds", "even_bounds", "progress_bar", "run_in_chunks"]


@contextlib.contextmanager
def progress_bar(total: int, desc: str, unit: str = "it", enable: bool = True):
    """A tqdm bar on stderr (``disable`` when ``enable`` is false); closed on exit."""
    bar = tqdm(total=total, desc=desc, unit=unit, disable=not enable, file=sys.stderr,
               dynamic_ncols=True, unit_scale=True, leave=True, mininterval=0.25)
    try:
        yield bar
    finally:
        bar.close()


def chunk_bounds(total: int, size: int) -> list[int]:
    """Boundaries ``[0, size, 2 size, ..., total]`` of pieces of at most ``size`` (``[0]`` when total is 0)."""
    size = max(1, int(size))
    return list(range(0, total, size)) + [total] if total > 0 else [0]


def even_bounds(total: int, n_chunks: int) -> list[int]:
    """Boundaries of ``n_chunks`` pieces whose lengths differ by at most one (``np.linspace`` rounding)."""
    return [int(b) for b in np.linspace(0, total, max(1, int(n_chunks)) + 1).astype(int)]


def ceil_chunks(total: int, n_chunks: int) -> list[int]:
    """Boundaries of pieces of ``ceil(total / n_chunks)`` (the last one shorter)."""
    return chunk_bounds(total, math.ceil(total / max(1, n_chunks)) if total else 1)


def run_in_chunks(advance, carry, bounds, *, desc: str, unit: str = "it", progress: bool = True,
                  units_per_item: int = 1):
    """Run ``carry, out = advance(carry, start, stop)`` for each consecutive pair of ``bounds``.

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
    """
    import jax

    bounds = [int(b) for b in bounds]
    outputs = []
    with progress_bar(total=(bounds[-1] - bounds[0]) * units_per_item, desc=desc, unit=unit,
                      enable=progress) as bar:
        for start, stop in zip(bounds[:-1], bounds[1:]):
            carry, out = advance(carry, start, stop)
            jax.block_until_ready(carry)
            outputs.append(out)
            bar.update((stop - start) * units_per_item)
    return carry, outputs
