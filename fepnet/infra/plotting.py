"""Matplotlib, imported lazily and headless-safe, and atomic figure files.

Every figure in fepnet, ``inference`` and ``diagnostics`` gets pyplot from
:func:`pyplot` and is written by :func:`save_figure`.
"""

from __future__ import annotations

import os

import numpy as np

from .files import atomic_path

__all__ = ["pyplot", "save_figure", "subplots", "symmetric_limit"]


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def pyplot():
    """``matplotlib.pyplot``, switched to the Agg backend when there is no display."""
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "cairo") and not _has_display():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def subplots(nrows: int = 1, ncols: int = 1, **kwargs):
    """A new figure and its grid of axes, laid out by matplotlib's constrained layout.

    ``pyplot().subplots(nrows, ncols, layout="constrained", **kwargs)``: the figure setup of
    every fepnet figure whose panels must not overlap their colour bars and labels.

    Parameters
    ----------
    nrows, ncols : int
        The grid of axes.
    **kwargs
        Passed on to :func:`matplotlib.pyplot.subplots` (``figsize``, ``squeeze``, ``sharex``, ...).

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : matplotlib.axes.Axes or numpy.ndarray of them
        As :func:`matplotlib.pyplot.subplots` returns them (one Axes for a 1 x 1 grid unless
        ``squeeze=False``).
    """
    return pyplot().subplots(nrows, ncols, layout="constrained", **kwargs)


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
