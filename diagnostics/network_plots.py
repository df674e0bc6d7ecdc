"""Figures of a network's coupling structure: J and its symmetric / antisymmetric parts as heatmaps,
the coupling graph (Js edges, Ja arrows) and the greedy colouring of the chromatic Gibbs schedule.

Every ``plot_*`` function takes a :class:`fepnet.Network` and returns the matplotlib Figure
(save it with :func:`fepnet.figures.save_figure`). The node layouts and the selection of the edges
and arrows drawn are in :mod:`diagnostics.network_layout`.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from fepnet import Network, coupling_graph, greedy_coloring
from fepnet.coloring import check_coloring
from fepnet import figures as _figures
from fepnet.infra.plotting import pyplot as _pyplot
from fepnet.infra.plotting import symmetric_limit

from .network_layout import (
    LAYOUTS,
    _check_grid_shape,
    _check_layout,
    _check_threshold,
    _check_top_k,
    _draw_labels,
    _new_axes,
    _node_style,
    _positions,
    grid_positions,
    strongest_arrows,
    strongest_edges,
)


__all__ = [
    "ASYMMETRY_ARROWS",
    "DEFAULT_ARROW_TOP_K",
    "DEFAULT_TOP_K",
    "LAYOUTS",
    "grid_positions",
    "plot_coloring",
    "plot_coupling_graph",
    "plot_coupling_parts",
    "strongest_arrows",
    "strongest_edges",
]

#: Edges of Js drawn by :func:`plot_coupling_graph` when neither ``top_k`` nor ``threshold`` is given.
DEFAULT_TOP_K = 150
#: Arrows of Ja drawn by :func:`plot_coupling_graph` when ``arrow_top_k`` is not given.
DEFAULT_ARROW_TOP_K = 60
#: Asymmetry ||J - J^T||_F / ||J||_F above which the Ja arrows are drawn by default.
ASYMMETRY_ARROWS = 0.1

_EDGE_CMAP = "RdBu_r"  # as fepnet.figures' heatmaps: red positive, blue negative
_NODE_CMAP = "PuOr_r"


# ----------------------------------------------------------------------------- validation


def _check_network(network) -> tuple[np.ndarray, np.ndarray]:
    """(J, b) of ``network`` as float numpy arrays; TypeError for anything but one fepnet.Network."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    J, b = np.asarray(network.couplings, dtype=float), np.asarray(network.biases, dtype=float)
    if J.ndim != 2:
        raise ValueError(f"network must be a single network (couplings (N, N)); got couplings of shape {J.shape}")
    return J, b


def _check_node_values(node_values, default: np.ndarray) -> np.ndarray:
    if node_values is None:
        return default
    values = np.asarray(node_values, dtype=float)
    if values.shape != default.shape:
        raise ValueError(f"node_values must have shape {default.shape} (one value per node); got {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("node_values must be finite")
    return values


# ----------------------------------------------------------------------------- drawing helpers


def _ratio_text(num: float, den: float) -> str:
    if den > 0:
        return f"{num / den:.3g}"
    return "0" if num == 0 else "inf"


# ----------------------------------------------------------------------------- figures


def plot_coupling_parts(network, *, title: str | None = None):
    """Three heatmaps on one shared diverging scale: J, Js = (J + J^T)/2 and Ja = (J - J^T)/2.

    The suptitle states N, ``||Ja||_F / ||Js||_F`` and the asymmetry ``||J - J^T||_F / ||J||_F``.

    Parameters
    ----------
    network : fepnet.Network
        A single network (couplings (N, N)).
    title : str, optional, keyword-only
        The head of the suptitle (default "Coupling structure").

    Returns
    -------
    matplotlib.figure.Figure
        Three heatmaps and a shared colour bar.

    Raises
    ------
    TypeError
        ``network`` not a Network.
    ValueError
        A batch of networks.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> from diagnostics.network_plots import plot_coupling_parts
    >>> fig = plot_coupling_parts(fepnet.Network(jnp.array([[0.0, 1.0], [0.0, 0.0]])))
    >>> fig.texts[0].get_text()
    'Coupling structure: N = 2,  ||Ja||_F / ||Js||_F = 1,  asymmetry ||J - J^T||_F / ||J||_F = 1.41'
    """
    J, _ = _check_network(network)
    Js, Ja = np.asarray(network.symmetric_part(), float), np.asarray(network.antisymmetric_part(), float)
    ratio = _ratio_text(float(np.linalg.norm(Ja)), float(np.linalg.norm(Js)))
    asym = float(network.asymmetry())
    head = title or "Coupling structure"
    suptitle = (f"{head}: N = {J.shape[0]},  ||Ja||_F / ||Js||_F = {ratio},  "
                f"asymmetry ||J - J^T||_F / ||J||_F = {asym:.3g}")
    return _figures.plot_matrices(
        [J, Js, Ja], ["J (i <- j)", "Js = (J + J^T) / 2", "Ja = (J - J^T) / 2"], suptitle,
        shared_scale=True, label="coupling",
    )


def plot_coupling_graph(
    network, *, top_k=None, threshold=None, layout: str = "spring", grid_shape=None, node_values=None,
    node_label: str = "bias", directed=None, arrow_top_k=None, seed: int = 0, title: str | None = None, ax=None,
):
    """The coupling graph: undirected edges of Js, nodes coloured by ``node_values``, Ja as arrows.

    Edges: pairs with ``Js[i, j] != 0``, width proportional to ``abs(Js[i, j])``, coloured on a
    diverging scale (red positive, blue negative; colour bar "Js[i, j]"), the strongest drawn on
    top. Arrows: the strongest antisymmetric pairs as black arrows j -> i where ``Ja[i, j] > 0``,
    width proportional to ``abs(Ja)``. The title states N, edges drawn / total, the asymmetry
    ``||J - J^T||_F / ||J||_F`` and the arrows drawn. Artists carry gids for inspection: "nodes",
    "Js edges" (a LineCollection), "Ja arrows" (patches).

    Parameters
    ----------
    network : fepnet.Network
        A single network (couplings (N, N), biases (N,)).
    top_k : int, optional, keyword-only
        Draw the ``top_k`` strongest edges (with neither ``top_k`` nor ``threshold``: the strongest
        :data:`DEFAULT_TOP_K`).
    threshold : float, optional
        Draw edges with ``abs(Js)`` above it (``threshold=0`` draws every edge).
    layout : {"spring", "circular", "grid"}, optional
        "spring" (default; seeded by ``seed``, pulled by the drawn edges), "circular" (node order
        round the circle) or "grid" (row-major on ``grid_shape``).
    grid_shape : (int, int), optional
        (rows, cols) of the grid layout, e.g. (8, 8) for 8x8 images, so the picture matches the image.
    node_values : array_like of shape (N,), optional
        Node colours (default the biases; e.g. a posterior mean).
    node_label : str, optional
        The node colour bar's label (default "bias").
    directed : bool, optional
        Draw the Ja arrows (default None: when the asymmetry exceeds :data:`ASYMMETRY_ARROWS` = 0.1).
    arrow_top_k : int, optional
        How many arrows (default :data:`DEFAULT_ARROW_TOP_K`).
    seed : int, optional
        Seed of the spring layout (default 0).
    title : str, optional
        The head of the title (default "Coupling graph").
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the graph and its two colour bars.

    Raises
    ------
    TypeError
        ``network`` not a Network.
    ValueError
        A batch of networks; bad ``top_k``, ``arrow_top_k``, ``threshold``, ``layout``,
        ``grid_shape``, ``node_values`` or ``directed``.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> from diagnostics.network_plots import plot_coupling_graph
    >>> net = fepnet.Network(jnp.array([[0.0, 1.0, 0.0], [0.2, 0.0, 0.5], [0.0, 0.5, 0.0]]))
    >>> fig = plot_coupling_graph(net, layout="circular")
    >>> print(fig.axes[0].get_title())
    Coupling graph: N = 3,  asymmetry ||J - J^T||_F / ||J||_F = 0.912
    Js edges drawn: 2 / 2 (all)
    arrows: the 1 strongest Ja pairs, j -> i where Ja[i, j] > 0
    """
    J, b = _check_network(network)
    n = J.shape[0]
    top_k = _check_top_k(top_k, "top_k")
    arrow_top_k = _check_top_k(arrow_top_k, "arrow_top_k")
    threshold = _check_threshold(threshold)
    layout = _check_layout(layout, grid_shape)
    if layout == "grid":
        _check_grid_shape(grid_shape, n)
    values = _check_node_values(node_values, b)
    if directed not in (None, True, False):
        raise ValueError(f"directed must be None, True or False; got {directed!r}")
    plt = _pyplot()

    Js = np.asarray(network.symmetric_part(), float)
    Ja = np.asarray(network.antisymmetric_part(), float)
    asym = float(network.asymmetry())
    total = coupling_graph(network).number_of_edges()
    if top_k is None and threshold is None:
        top_k = DEFAULT_TOP_K
    edges = strongest_edges(Js, top_k, threshold)
    draw_arrows = asym > ASYMMETRY_ARROWS if directed is None else directed
    arrows = strongest_arrows(Ja, arrow_top_k or DEFAULT_ARROW_TOP_K) if draw_arrows else []

    fig, ax = _new_axes(ax, (7.4, 6.4))
    pos = _positions(n, layout, grid_shape, seed, edges + arrows)
    style = _node_style(n)

    edge_lim = symmetric_limit(Js)
    edge_norm = plt.Normalize(-edge_lim, edge_lim)
    if edges:
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        drawn = edges[::-1]  # weakest first, so the strongest end up on top
        lines = nx.draw_networkx_edges(
            graph, pos, edgelist=[(i, j) for i, j, _ in drawn], ax=ax, arrows=False,
            width=[0.3 + 2.7 * abs(w) / edge_lim for *_, w in drawn],
            edge_color=[w for *_, w in drawn], edge_cmap=plt.get_cmap(_EDGE_CMAP),
            edge_vmin=-edge_lim, edge_vmax=edge_lim, alpha=0.5 if arrows else 0.8,
        )
        lines.set_gid("Js edges")
        lines.set_zorder(1)

    if arrows:
        digraph = nx.DiGraph()
        digraph.add_nodes_from(range(n))
        drawn = arrows[::-1]
        top = arrows[0][2]
        patches = nx.draw_networkx_edges(
            digraph, pos, edgelist=[(s, t) for s, t, _ in drawn], ax=ax, arrows=True, arrowstyle="-|>",
            arrowsize=9, width=[0.5 + 1.7 * w / top for *_, w in drawn], edge_color="0.05",
            connectionstyle="arc3,rad=0.15", node_size=style["node_size"],
        )
        for patch in patches:
            patch.set_gid("Ja arrows")
            patch.set_zorder(1.5)  # above the edges, below the nodes and their labels

    node_lim = symmetric_limit(values)
    nodes = nx.draw_networkx_nodes(
        nx.empty_graph(n), pos, ax=ax, node_color=values, cmap=plt.get_cmap(_NODE_CMAP),
        vmin=-node_lim, vmax=node_lim, **style,
    )
    nodes.set_gid("nodes")
    nodes.set_zorder(2)
    _draw_labels(ax, pos, n, style["node_size"])

    fig.colorbar(plt.cm.ScalarMappable(norm=edge_norm, cmap=_EDGE_CMAP), ax=ax, shrink=0.7, pad=0.01,
                 label="Js[i, j] (edge colour; width ~ |Js|)")
    fig.colorbar(nodes, ax=ax, shrink=0.7, pad=0.01, label=node_label)

    which = "all" if top_k is None or len(edges) < top_k else f"the strongest {len(edges)}"
    if threshold is not None:
        which += f" with |Js| > {threshold:.3g}"
    lines_ = [f"{title or 'Coupling graph'}: N = {n},  asymmetry ||J - J^T||_F / ||J||_F = {asym:.3g}",
              f"Js edges drawn: {len(edges)} / {total} ({which})"]
    if arrows:
        lines_.append(f"arrows: the {len(arrows)} strongest Ja pairs, j -> i where Ja[i, j] > 0")
    ax.set_title("\n".join(lines_), fontsize=10)
    return fig


def plot_coloring(network, coloring=None, *, layout: str = "spring", grid_shape=None, seed: int = 0,
                  max_edges: int = 400, ax=None):
    """The coupling graph with nodes coloured by colour class of the chromatic Gibbs schedule.

    Edges are thin grey lines (the ``max_edges`` strongest by ``abs(J) + abs(J^T)``); the colour
    bar gives the class; the title states the number of classes (parallel update groups per sweep).

    Parameters
    ----------
    network : fepnet.Network
        A single network (couplings (N, N)).
    coloring : sequence of sequences of int, optional
        Node-index groups, checked to be a proper colouring of the coupling graph (default:
        :func:`fepnet.greedy_coloring` of :func:`fepnet.coupling_graph`).
    layout : {"spring", "circular", "grid"}, optional, keyword-only
        As :func:`plot_coupling_graph` (default "spring").
    grid_shape : (int, int), optional
        (rows, cols) of the grid layout.
    seed : int, optional
        Seed of the spring layout (default 0).
    max_edges : int, optional
        The most edges drawn (default 400).
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the graph and the class colour bar.

    Raises
    ------
    TypeError
        ``network`` not a Network.
    ValueError
        A batch of networks; a colouring that is not proper; bad ``layout``, ``grid_shape`` or
        ``max_edges``.

    Examples
    --------
    A 2 x 3 grid graph is bipartite: two colour classes.

    >>> import networkx as nx, numpy as np, fepnet
    >>> from diagnostics.network_plots import plot_coloring
    >>> J = 0.5 * nx.to_numpy_array(nx.grid_2d_graph(2, 3))
    >>> fig = plot_coloring(fepnet.Network(J), layout="grid", grid_shape=(2, 3))
    >>> fig.axes[0].get_title().splitlines()[0]
    'Colouring of the coupling graph: N = 6, 2 colour classes'
    """
    J, _ = _check_network(network)
    n = J.shape[0]
    layout = _check_layout(layout, grid_shape)
    if layout == "grid":
        _check_grid_shape(grid_shape, n)
    max_edges = _check_top_k(max_edges, "max_edges")
    graph = coupling_graph(network)
    coloring = greedy_coloring(graph) if coloring is None else check_coloring(coloring, graph, n)
    plt = _pyplot()

    colour_of = np.empty(n, dtype=int)
    for c, group in enumerate(coloring):
        colour_of[list(group)] = c
    k = len(coloring)
    strength = np.abs(J) + np.abs(J.T)
    edges = strongest_edges(strength, max_edges)  # nonzero exactly on the edges of the coupling graph

    fig, ax = _new_axes(ax, (7.0, 6.2))
    pos = _positions(n, layout, grid_shape, seed, edges)
    if edges:
        lines = nx.draw_networkx_edges(graph, pos, edgelist=[(i, j) for i, j, _ in edges], ax=ax, arrows=False,
                                       width=0.6, edge_color="0.6", alpha=0.6)
        lines.set_gid("edges")
        lines.set_zorder(1)
    style = _node_style(n)
    # k discrete colours (qualitative up to 20 classes), class c on [c - 1/2, c + 1/2]
    cmap = plt.get_cmap("tab10" if k <= 10 else "tab20" if k <= 20 else "turbo", k)
    nodes = nx.draw_networkx_nodes(nx.empty_graph(n), pos, ax=ax, node_color=colour_of, cmap=cmap, vmin=-0.5,
                                   vmax=k - 0.5, **style)
    nodes.set_gid("nodes")
    nodes.set_zorder(2)
    _draw_labels(ax, pos, n, style["node_size"])
    bar = fig.colorbar(nodes, ax=ax, shrink=0.7, pad=0.01, label="colour class")
    if k <= 20:
        bar.set_ticks(np.arange(k))
    total = graph.number_of_edges()
    note = ", one node each = sequential" if k == n else ""
    ax.set_title(f"Colouring of the coupling graph: N = {n}, {k} colour classes\n"
                 f"({k} update groups per chromatic Gibbs sweep{note})\nedges drawn: {len(edges)} / {total}",
                 fontsize=10)
    return fig
