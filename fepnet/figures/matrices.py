"""Heatmaps of square matrices (couplings J and their parts), diverging colours centred on 0."""

from __future__ import annotations

import numpy as np

from ..infra.plotting import figure_title, subplots, symmetric_limit

__all__ = ["heatmap", "plot_couplings", "plot_matrices"]


def heatmap(ax, matrix: np.ndarray, lim: float, title: str):
    """Draw a square matrix on ``ax`` with diverging colours on [-lim, lim] (rows: to node i, columns: from node j).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to draw on.
    matrix : numpy.ndarray, shape (N, N)
        E.g. couplings J (J[i, j]: from node j to node i).
    lim : float
        The colour range's half-width (> 0); see :func:`fepnet.infra.plotting.symmetric_limit`.
    title : str
        The axes title.

    Returns
    -------
    matplotlib.image.AxesImage
        The image (for a colour bar).

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.figures.matrices import heatmap
    >>> from fepnet.infra.plotting import subplots
    >>> fig, ax = subplots()
    >>> im = heatmap(ax, np.eye(3), 1.0, "J")
    >>> im.get_clim()
    (-1.0, 1.0)
    """
    im = ax.imshow(matrix, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.set_title(title)
    ax.set_xlabel("from node j")
    ax.set_ylabel("to node i")
    return im


def plot_couplings(couplings, title: str = "Couplings J", ax=None):
    """Heatmap of J (diverging colour map centred on 0), with its symmetric range.

    Parameters
    ----------
    couplings : array_like, shape (N, N)
    title : str
    ax : matplotlib Axes, optional
        Draw into this Axes (its figure is returned) instead of a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The heatmap (rows: to node i, columns: from node j) with a colour bar on [-max ``|J|``, max ``|J|``].

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.figures import plot_couplings
    >>> fig = plot_couplings(np.array([[0.0, 0.5], [-0.2, 0.0]]))
    >>> fig.axes[0].get_title()
    'Couplings J'
    """
    J = np.asarray(couplings)
    if ax is None:
        fig, ax = subplots(figsize=(5.2, 4.4))
    else:
        fig = ax.figure
    im = heatmap(ax, J, symmetric_limit(J), title)
    fig.colorbar(im, ax=ax, shrink=0.85, label="J[i, j]")
    return fig


def plot_matrices(matrices, titles, suptitle: str | None = None, *, shared_scale: bool = True, label: str = "J[i, j]"):
    """Side-by-side heatmaps of square matrices (each (N, N)), diverging colours centred on 0.

    Parameters
    ----------
    matrices : sequence of array_like, each shape (N, N)
    titles : sequence of str
        One per matrix.
    suptitle : str, optional
    shared_scale : bool
        One colour bar for the max ``|value|`` over all matrices; else one per panel.
    label : str
        The colour bar's label.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One row of panels, in the order of ``matrices``; one colour bar beside them all
        (``shared_scale``) or one beside each.

    Raises
    ------
    ValueError
        If ``matrices`` is empty, one of them is not square, or ``titles`` has another length.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.figures import plot_matrices
    >>> J = np.array([[0.0, 0.5], [-0.2, 0.0]])
    >>> fig = plot_matrices([(J + J.T) / 2, (J - J.T) / 2], ["Js", "Ja"])
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['Js', 'Ja']
    """
    mats = [np.asarray(m, dtype=float) for m in matrices]
    titles = list(titles)
    if not mats:
        raise ValueError("matrices must not be empty")
    for k, m in enumerate(mats):
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"matrices[{k}] must be square (N, N); got shape {m.shape}")
    if len(titles) != len(mats):
        raise ValueError(f"titles must have {len(mats)} entries; got {len(titles)}")
    n = len(mats)
    fig, axes = subplots(1, n, figsize=(4.4 * n + 0.8, 4.2), squeeze=False)
    shared = symmetric_limit(*mats)
    for ax, m, t in zip(axes.flat, mats, titles):
        im = heatmap(ax, m, shared if shared_scale else symmetric_limit(m), t)
        if not shared_scale:
            fig.colorbar(im, ax=ax, shrink=0.85, label=label)
    if shared_scale:
        fig.colorbar(im, ax=axes, shrink=0.85, label=label)
    if suptitle:
        figure_title(fig, suptitle)
    return fig
