"""Matplotlib, imported lazily and headless-safe, and atomic figure files.

Every figure in fepnet, ``inference`` and ``diagnostics`` gets pyplot from
:func:`pyplot` and is written by :func:`save_figure`.
"""

from __future__ import annotations

import os

import numpy as np

from .files import atomic_path

__all__ = ["pyplot", "save_figure", "symmetric_limit"]


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def pyplot():
    """``matplotlib.pyplot``, switched to the Agg backend when there is no display."""
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "cairo") and not _has_display():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path, *, dpi: int = 150) -> str:
    """Save ``fig`` to ``path`` atomically (format from the extension, PNG at ``dpi``) and close it.

    Returns the path. An interrupted save leaves no partial file.
    """
    plt = pyplot()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi)
    finally:
        plt.close(fig)
    return os.fspath(path)


def symmetric_limit(*arrays) -> float:
    """max |x| over all arrays (NaNs ignored), or 1.0 when that is 0 or undefined: a symmetric colour range."""
    lim = max((float(np.nanmax(np.abs(a))) if np.size(a) else 0.0) for a in arrays)
    return lim if np.isfinite(lim) and lim > 0 else 1.0
