"""Metrics over a 2-D parameter grid (e.g. evidence level x inverse temperature) as heatmaps with contours."""

from __future__ import annotations

import math

import numpy as np

from ..infra.plotting import figure_title, pyplot, subplots, symmetric_limit

__all__ = ["LANDSCAPE_STYLE", "cell_edges", "plot_landscapes"]


def cell_edges(centres: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around sorted cell centres, for ``pcolormesh``: midpoints, geometric ones on a log axis.

    The outer edges mirror the first and last inner edge; a single centre c gets
    edges c -+ 0.5 (linear) or exp(log c -+ 0.1) (log).

    Parameters
    ----------
    centres : numpy.ndarray, shape (C,)
        Sorted cell centres (positive when ``log``).
    log : bool
        Place the edges at geometric midpoints (a log axis).

    Returns
    -------
    numpy.ndarray, shape (C + 1,)
        The edges, float.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.figures.landscapes import cell_edges
    >>> cell_edges(np.array([0, 1, 2]), log=False).tolist()
    [-0.5, 0.5, 1.5, 2.5]
    >>> np.round(cell_edges(np.array([1.0, 4.0]), log=True), 3).tolist()
    [0.5, 2.0, 8.0]
    """
    c = np.log(centres) if log else centres.astype(float)
    if c.size == 1:
        mid = np.array([c[0] - 0.5, c[0] + 0.5]) if not log else np.array([c[0] - 0.1, c[0] + 0.1])
    else:
        inner = (c[1:] + c[:-1]) / 2
        mid = np.concatenate([[c[0] - (inner[0] - c[0])], inner, [c[-1] + (c[-1] - inner[-1])]])
    return np.exp(mid) if log else mid


#: Panel styles of :func:`plot_landscapes`: metric key (matched in the panel title) -> options ``cmap``, ``centred``
#: (diverging colours centred on 0), ``integer`` (discrete levels) and ``fmt`` (contour labels); others: viridis.
LANDSCAPE_STYLE = {
    "retrieval": dict(cmap="viridis"),
    "generalization": dict(cmap="RdBu_r", centred=True),
    "orthogonality": dict(cmap="magma_r", fmt="%.0f"),
    "n_attractors": dict(cmap="cividis", integer=True, fmt="%.0f"),
}


def plot_landscapes(panels, x, y, *, xlabel: str = "evidence level", ylabel: str = "inverse temperature",
                    log_y: bool = True, markers=None, best=None, suptitle: str | None = None, ncols: int = 2):
    """Heatmaps with contour lines of metrics over a 2-D grid: ``panels`` {title: values (len(y), len(x))}.

    Styles by title key (see ``LANDSCAPE_STYLE``: diverging colours centred on 0 for
    generalisation, discrete levels for counts); NaN cells are grey. ``markers``:
    {label: (x, y)} drawn as white circles on every panel (e.g. the paper's named
    networks); ``best``: {title: (x, y)} drawn as a red star on that panel.

    Parameters
    ----------
    panels : dict of str to array_like, each shape (len(y), len(x))
    x, y : array_like, shapes (X,) and (Y,)
        The grid's coordinates (any order; sorted for drawing).
    xlabel, ylabel : str
    log_y : bool
        A logarithmic y axis (needs y > 0).
    markers, best : dict, optional
    suptitle : str, optional
    ncols : int
        Panels per row.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per entry of ``panels`` (titled by its key), ``ncols`` to a row, each with its own
        colour bar; the unused cells of the last row are hidden.

    Raises
    ------
    ValueError
        If ``x`` or ``y`` is empty or not 1-D, ``panels`` is empty, a panel's shape is not
        (len(y), len(x)), or ``log_y`` is set and some y <= 0.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.figures import plot_landscapes
    >>> x, y = np.array([0.1, 0.2, 0.4]), np.array([0.5, 1.0])
    >>> fig = plot_landscapes({"retrieval": np.arange(6.0).reshape(2, 3) / 6}, x, y)
    >>> len(fig.axes) >= 1
    True
    """
    plt = pyplot()
    from matplotlib import colors as mcolors

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or y.ndim != 1 or x.size == 0 or y.size == 0:
        raise ValueError(f"x and y must be non-empty 1-D arrays, got shapes {x.shape} and {y.shape}")
    if not panels:
        raise ValueError("panels must not be empty")
    if log_y and np.any(y <= 0):
        raise ValueError("log_y needs positive y values")
    for title, values in panels.items():
        if np.shape(values) != (y.size, x.size):
            raise ValueError(f"panels[{title!r}] must have shape ({y.size}, {x.size}), got {np.shape(values)}")
    ox, oy = np.argsort(x), np.argsort(y)
    xs, ys = x[ox], y[oy]
    xe, ye = cell_edges(xs, False), cell_edges(ys, log_y)
    ncols = min(ncols, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = subplots(nrows, ncols, figsize=(5.4 * ncols, 4.2 * nrows), squeeze=False)
    for ax, (title, values) in zip(axes.flat, panels.items()):
        z = np.asarray(values, dtype=float)[np.ix_(oy, ox)]
        style = next((st for key, st in LANDSCAPE_STYLE.items() if key in title.lower().replace(" ", "_")), {})
        cmap = plt.get_cmap(style.get("cmap", "viridis"))
        cmap = cmap.with_extremes(bad="0.8")
        finite = z[np.isfinite(z)]
        norm = None
        if finite.size and style.get("centred"):
            lim = symmetric_limit(finite)
            norm = mcolors.TwoSlopeNorm(0.0, -lim, lim) if finite.min() < 0 < finite.max() else None
        if finite.size and style.get("integer"):
            lo, hi = int(np.floor(finite.min())), int(np.ceil(finite.max()))
            norm = mcolors.BoundaryNorm(np.arange(lo - 0.5, hi + 1.5), cmap.N)
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(z), cmap=cmap, norm=norm, shading="flat")
        cbar = fig.colorbar(mesh, ax=ax, shrink=0.9)
        if style.get("integer") and finite.size:
            cbar.set_ticks(np.unique(np.linspace(lo, hi, min(hi - lo + 1, 8)).round()))
        if finite.size > 1 and xs.size > 1 and ys.size > 1 and np.ptp(finite) > 0:
            levels = (np.arange(lo, hi + 1) + 0.5)[:-1] if style.get("integer") else 6
            cs = ax.contour(xs, ys, np.ma.masked_invalid(z), levels=levels, colors="k", linewidths=0.7, alpha=0.8)
            ax.clabel(cs, fontsize=7, fmt=style.get("fmt", "%.2f"))
        for label, (mx, my) in (markers or {}).items():
            ax.plot(mx, my, "o", ms=7, mfc="none", mec="white", mew=1.6)
            ax.annotate(label, (mx, my), textcoords="offset points", xytext=(5, 4), color="white", fontsize=7)
        if best and title in best:
            ax.plot(*best[title], "*", ms=13, color="red", mec="white", mew=0.8, label="best")
            ax.legend(loc="upper right", fontsize=7, framealpha=0.6)
        if log_y:
            ax.set_yscale("log")
        ax.set_xlim(xe[0], xe[-1])
        ax.set_ylim(ye[0], ye[-1])
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    if suptitle:
        figure_title(fig, suptitle)
    return fig
