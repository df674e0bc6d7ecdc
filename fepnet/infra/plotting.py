"""Matplotlib, imported lazily and headless-safe, and atomic figure files.

Every figure in fepnet, ``inference`` and ``diagnostics`` gets pyplot from
:func:`pyplot` and is written by :func:`save_figure`.
"""

from __future__ import annotations

import os
import textwrap

import numpy as np

from .files import atomic_path

__all__ = ["pyplot", "save_figure", "figure_title", "subplots", "symmetric_limit"]


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def pyplot():
    """``matplotlib.pyplot``, imported lazily and switched to the Agg backend when there is no display.

    File backends and the notebook backends (``module://matplotlib_inline...``, ipympl) are
    left as they are, so figures show in Jupyter and in executed documentation pages.

    Returns
    -------
    module
        ``matplotlib.pyplot``.

    Examples
    --------
    >>> from fepnet.infra.plotting import pyplot
    >>> pyplot().__name__
    'matplotlib.pyplot'
    """
    import matplotlib

    backend = matplotlib.get_backend().lower()
    headless_ok = backend in ("agg", "pdf", "svg", "cairo") or backend.startswith("module://")  # notebooks: inline, ipympl
    if not headless_ok and not _has_display():
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
        The grid of axes (default 1 x 1).
    **kwargs
        Passed on to ``matplotlib.pyplot.subplots`` (``figsize``, ``squeeze``, ``sharex``, ...).

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : matplotlib.axes.Axes or numpy.ndarray of them
        As ``matplotlib.pyplot.subplots`` returns them (one Axes for a 1 x 1 grid unless
        ``squeeze=False``).

    Raises
    ------
    ValueError, TypeError
        From matplotlib, for a bad grid or keyword.

    Examples
    --------
    >>> from fepnet.infra.plotting import pyplot, subplots
    >>> fig, axes = subplots(1, 2, figsize=(4, 2))
    >>> axes.shape
    (2,)
    >>> pyplot().close(fig)
    """
    return pyplot().subplots(nrows, ncols, layout="constrained", **kwargs)


def figure_title(fig, text: str, **kwargs):
    """Give ``fig`` a centred title, wrapped onto more lines where it is wider than the figure.

    ``fig.suptitle(text, **kwargs)``, then each line of ``text`` that is wider than 95 % of the
    figure is wrapped at word boundaries (:func:`textwrap.fill`) to the number of characters that
    fit, measured on the figure's renderer. A narrow figure (a grid of two images, say) thus keeps
    its whole title instead of clipping it at both edges; a title that fits is left as it is.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    text : str
        The title; it may hold line breaks of its own.
    **kwargs
        Passed on to ``fig.suptitle`` (``fontsize``, ``color``, ...).

    Returns
    -------
    matplotlib.text.Text
        The title.

    Examples
    --------
    >>> from fepnet.infra.plotting import figure_title, pyplot, subplots
    >>> fig, ax = subplots(figsize=(2, 2))
    >>> figure_title(fig, "a title much too long for a figure two inches wide").get_text().count("\\n") >= 1
    True
    >>> figure_title(fig, "short").get_text()
    'short'
    >>> pyplot().close(fig)
    """
    title = fig.suptitle(text, **kwargs)
    get_renderer = getattr(fig.canvas, "get_renderer", None)  # Agg and the notebook backends have one
    renderer = get_renderer() if get_renderer is not None else None
    room = 0.95 * fig.get_figwidth() * fig.dpi
    lines = []
    for line in text.split("\n"):
        title.set_text(line)
        if renderer is not None:
            width = title.get_window_extent(renderer).width
        else:  # no renderer to measure with: about 0.6 em a character
            width = 0.6 * title.get_fontsize() * len(line) * fig.dpi / 72
        if width > room and len(line) > 1:
            lines.append(textwrap.fill(line, max(8, int(len(line) * room / width))))
        else:
            lines.append(line)
    title.set_text("\n".join(lines))
    return title


def save_figure(fig, path, *, dpi: int = 150) -> str:
    r"""Save ``fig`` to ``path`` atomically (format from the extension) and close it.

    An interrupted save leaves no partial file (:func:`~fepnet.infra.files.atomic_path`);
    the figure is closed even when the save fails.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str or os.PathLike
        The destination (``.png``, ``.pdf``, ``.svg``, ...); its directory must exist.
    dpi : int
        Resolution of raster formats, dots per inch (default 150).

    Returns
    -------
    str
        ``path``, as a string.

    Raises
    ------
    FileNotFoundError
        When the directory of ``path`` does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> from fepnet.infra.plotting import save_figure, subplots
    >>> fig, ax = subplots(figsize=(2, 2))
    >>> p = save_figure(fig, os.path.join(tempfile.mkdtemp(), "f.png"), dpi=50)
    >>> open(p, "rb").read(4)
    b'\x89PNG'
    """
    plt = pyplot()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi)
    finally:
        plt.close(fig)
    return os.fspath(path)


def symmetric_limit(*arrays) -> float:
    """A symmetric colour range: max ``|x|`` over all arrays (NaNs ignored), or 1.0 when that is 0 or undefined.

    Parameters
    ----------
    *arrays : array_like
        Any shapes; empty arrays count as 0.

    Returns
    -------
    float
        ``L`` > 0, for a colour scale ``[-L, L]``.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.infra.plotting import symmetric_limit
    >>> symmetric_limit(np.array([0.5, -2.0]), [np.nan, 1.0]), symmetric_limit(np.zeros(3))
    (2.0, 1.0)
    """
    lim = max((float(np.nanmax(np.abs(a))) if np.size(a) else 0.0) for a in arrays)
    return lim if np.isfinite(lim) and lim > 0 else 1.0
