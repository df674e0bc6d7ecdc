"""Layout of a coupling-graph figure: which edges and arrows are drawn, and where the nodes sit.

:func:`strongest_edges` and :func:`strongest_arrows` select the strongest pairs of Js and Ja;
:func:`grid_positions` and the private helpers place the nodes (one of :data:`LAYOUTS`: a seeded
spring layout pulled by the drawn edges, a circle or a row-major grid), size and label them. The
figures that use them are in :mod:`diagnostics.network_plots`.
"""

from __future__ import annotations

import math
import numbers

import networkx as nx
import numpy as np

from fepnet.infra.plotting import subplots


__all__ = [
    "LAYOUTS",
    "grid_positions",
    "strongest_arrows",
    "strongest_edges",
]

#: Node layouts of :func:`~diagnostics.network_plots.plot_coupling_graph` and
#: :func:`~diagnostics.network_plots.plot_coloring`.
LAYOUTS = ("spring", "circular", "grid")

_WEAK_PULL = 0.02  # spring layout: attraction between all pairs, relative to the strongest edge


# ----------------------------------------------------------------------------- validation


def _check_top_k(top_k, name: str) -> int | None:
    if top_k is None:
        return None
    if isinstance(top_k, (bool, np.bool_)) or not isinstance(top_k, numbers.Integral) or top_k < 1:
        raise ValueError(f"{name} must be a positive integer or None; got {top_k!r}")
    return int(top_k)


def _check_threshold(threshold) -> float | None:
    if threshold is None:
        return None
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, numbers.Real):
        raise ValueError(f"threshold must be a finite real number >= 0 or None; got {threshold!r}")
    t = float(threshold)
    if not (math.isfinite(t) and t >= 0.0):
        raise ValueError(f"threshold must be a finite real number >= 0 or None; got {threshold!r}")
    return t


def _check_square(matrix, name: str) -> np.ndarray:
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"{name} must be a square (N, N) matrix; got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{name} must be finite")
    return m


def _check_grid_shape(grid_shape, n: int) -> tuple[int, int]:
    if grid_shape is None:
        cols = max(1, math.ceil(math.sqrt(n)))
        return max(1, math.ceil(n / cols)), cols
    try:
        rows, cols = grid_shape
    except (TypeError, ValueError):
        raise ValueError(f"grid_shape must be a pair (rows, cols); got {grid_shape!r}") from None
    for k in (rows, cols):
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"grid_shape must be a pair of positive integers; got {grid_shape!r}")
    if rows * cols < n:
        raise ValueError(f"grid_shape {tuple(grid_shape)} has {rows * cols} cells, fewer than the {n} nodes")
    return int(rows), int(cols)


def _check_layout(layout, grid_shape) -> str:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}; got {layout!r}")
    if grid_shape is not None and layout != "grid":
        raise ValueError(f"grid_shape is only used with layout='grid'; got layout={layout!r}")
    return layout


# ----------------------------------------------------------------------------- pure helpers


def strongest_edges(Js, top_k=None, threshold=None) -> list[tuple[int, int, float]]:
    """The undirected edges of a square matrix, strongest first: ``[(i, j, Js[i, j]), ...]`` with i < j.

    Only the upper triangle is read (pass the symmetric part). Pairs with weight 0 are never edges;
    ``threshold`` keeps those with ``abs(weight) > threshold``, then ``top_k`` the ``top_k`` largest
    ``abs(weight)`` (ties in index order). Both None: every nonzero pair.

    Parameters
    ----------
    Js : array_like of shape (N, N)
        Finite square matrix (its upper triangle is read).
    top_k : int, optional
        Keep at most this many edges (>= 1).
    threshold : float, optional
        Keep edges with ``abs(weight)`` above it (>= 0).

    Returns
    -------
    list of (int, int, float)
        ``(i, j, weight)`` with i < j, by decreasing ``abs(weight)``.

    Raises
    ------
    ValueError
        A matrix that is not square or not finite; a bad ``top_k`` or ``threshold``.

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.network_plots import strongest_edges
    >>> Js = np.array([[0.0, 0.5, -2.0], [0.5, 0.0, 0.0], [-2.0, 0.0, 0.0]])
    >>> strongest_edges(Js)
    [(0, 2, -2.0), (0, 1, 0.5)]
    >>> strongest_edges(Js, threshold=1.0)
    [(0, 2, -2.0)]
    """
    Js = _check_square(Js, "Js")
    top_k = _check_top_k(top_k, "top_k")
    threshold = _check_threshold(threshold)
    rows, cols = np.triu_indices(Js.shape[0], 1)
    w = Js[rows, cols]
    keep = np.abs(w) > (threshold or 0.0)
    rows, cols, w = rows[keep], cols[keep], w[keep]
    order = np.argsort(-np.abs(w), kind="stable")
    if top_k is not None:
        order = order[:top_k]
    return [(int(rows[k]), int(cols[k]), float(w[k])) for k in order]


def strongest_arrows(Ja, top_k=None, threshold=None) -> list[tuple[int, int, float]]:
    """The antisymmetric part as arrows, strongest first: ``[(source, target, abs(Ja[target, source])), ...]``.

    ``Ja[i, j] > 0`` (node j drives node i more than i drives j) gives an arrow from j to i.
    Selection as in :func:`strongest_edges` on the upper triangle of ``Ja``.

    Parameters
    ----------
    Ja : array_like of shape (N, N)
        The antisymmetric part ``(J - J^T) / 2`` (its upper triangle is read).
    top_k : int, optional
        Keep at most this many arrows.
    threshold : float, optional
        Keep arrows with ``abs(Ja)`` above it.

    Returns
    -------
    list of (int, int, float)
        ``(source, target, strength)`` with strength > 0, strongest first.

    Raises
    ------
    ValueError
        As :func:`strongest_edges`.

    Examples
    --------
    ``J[1, 0] = 1`` alone: node 0 drives node 1, ``Ja[1, 0] = 0.5``.

    >>> import numpy as np
    >>> from diagnostics.network_plots import strongest_arrows
    >>> J = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> strongest_arrows((J - J.T) / 2)
    [(0, 1, 0.5)]
    """
    return [(j, i, w) if w > 0 else (i, j, -w) for i, j, w in strongest_edges(Ja, top_k, threshold)]


def grid_positions(n: int, grid_shape=None) -> np.ndarray:
    """(n, 2) x, y positions of the nodes on a grid, row-major like ``reshape(grid_shape)`` in an image.

    Node k sits in row ``k // cols``, column ``k % cols`` at x = column, y = -row (row 0 on top).

    Parameters
    ----------
    n : int
        Number of nodes, >= 1.
    grid_shape : (int, int), optional
        (rows, cols) with at least n cells; default the square-ish
        ``(ceil(n / ceil(sqrt n)), ceil(sqrt n))``.

    Returns
    -------
    numpy.ndarray
        (n, 2) float positions.

    Raises
    ------
    ValueError
        ``n`` not a positive integer; a ``grid_shape`` that is not two positive integers or has
        fewer than n cells.

    Examples
    --------
    >>> from diagnostics.network_plots import grid_positions
    >>> grid_positions(5).tolist()
    [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, -1.0], [1.0, -1.0]]
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    _, cols = _check_grid_shape(grid_shape, int(n))
    k = np.arange(int(n))
    return np.stack([k % cols, -(k // cols)], axis=1).astype(float)


# ----------------------------------------------------------------------------- drawing helpers


def _positions(n: int, layout: str, grid_shape, seed: int, edges) -> dict:
    """Node positions {k: (x, y)}; spring layouts are seeded and pulled by the |weight| of ``edges``."""
    if layout == "grid":
        return {k: tuple(p) for k, p in enumerate(grid_positions(n, grid_shape))}
    if layout == "circular":
        return nx.circular_layout(range(n))
    # a weak pull between every pair keeps isolated nodes and small components near the rest
    graph = nx.complete_graph(n)
    nx.set_edge_attributes(graph, _WEAK_PULL, "weight")
    top = max((abs(w) for *_, w in edges), default=1.0) or 1.0
    for i, j, w in edges:
        graph[i][j]["weight"] += abs(w) / top
    return nx.spring_layout(graph, weight="weight", seed=seed, k=2.5 / math.sqrt(n), iterations=200)


def _new_axes(ax, figsize):
    if ax is None:
        fig, ax = subplots(figsize=figsize)
    else:
        fig = ax.figure
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig, ax


def _node_style(n: int) -> dict:
    size = float(np.clip(9000.0 / n, 60.0, 400.0))
    return {"node_size": size, "edgecolors": "0.15", "linewidths": 0.6}


def _draw_labels(ax, pos, n: int, node_size: float) -> None:
    if n <= 100:
        fs = float(np.clip(math.sqrt(node_size) / 2.2, 4.5, 8.0))
        from matplotlib import patheffects

        texts = nx.draw_networkx_labels(nx.empty_graph(n), pos, ax=ax, font_size=fs, font_color="0.05")
        for text in texts.values():  # a thin white halo keeps labels legible on dark node colours
            text.set_path_effects([patheffects.withStroke(linewidth=1.5, foreground="white")])
