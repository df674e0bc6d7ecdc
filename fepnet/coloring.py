"""Colourings of the coupling graph: the colour classes of the chromatic schedule (:mod:`fepnet.kernels`).

The chromatic schedule updates one colour class at a time, its nodes together from the
previous states, so a colouring must give every node 0..N-1 exactly one colour and be
*proper*: no coupling J[i, j] != 0 or J[j, i] != 0 joins two nodes of one colour.
:func:`coupling_graph` is the undirected graph of those couplings, :func:`greedy_coloring`
colours it with networkx, and :func:`check_coloring` checks a given colouring (against a
graph, optionally); :class:`~fepnet.kernels.Kernel` checks one against a network's couplings.
"""

from __future__ import annotations

import operator

import networkx as nx
import numpy as np

from .network import Network

__all__ = [
    "check_coloring",
    "coupling_graph",
    "greedy_coloring",
]


def coupling_graph(network: Network, tol: float = 0.0) -> nx.Graph:
    """Undirected coupling graph: an edge i - j wherever abs(J[i, j]) or abs(J[j, i]) exceeds ``tol``.

    Parameters
    ----------
    network : Network
        Concrete couplings J (N, N) (copied to the host).
    tol : float, default 0.0
        Couplings of magnitude <= tol are no edge.

    Returns
    -------
    networkx.Graph
        Nodes 0..N-1, no self-loops.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> J = jnp.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> list(fepnet.coupling_graph(fepnet.Network(J)).edges)
    [(0, 1)]
    """
    J = np.asarray(network.couplings)
    adjacency = (np.abs(J) > tol) | (np.abs(J.T) > tol)
    np.fill_diagonal(adjacency, False)
    graph = nx.Graph()
    graph.add_nodes_from(range(J.shape[0]))
    rows, cols = np.nonzero(np.triu(adjacency, 1))
    graph.add_edges_from(zip(rows.tolist(), cols.tolist()))
    return graph


def greedy_coloring(graph: nx.Graph, strategy: str = "largest_first") -> tuple:
    """A proper colouring of ``graph`` by networkx's greedy algorithm, as colour classes.

    Parameters
    ----------
    graph : networkx.Graph
        Usually :func:`coupling_graph` of a network.
    strategy : str, default "largest_first"
        A ``networkx.greedy_color`` strategy.

    Returns
    -------
    tuple of tuple of int
        One sorted tuple of node indices per colour; no edge joins two nodes of one class.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> J = jnp.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> fepnet.greedy_coloring(fepnet.coupling_graph(fepnet.Network(J)))
    ((0, 2), (1,))
    """
    colour_of = nx.greedy_color(graph, strategy=strategy)
    n_colours = max(colour_of.values(), default=-1) + 1
    classes = tuple(
        tuple(sorted(node for node, c in colour_of.items() if c == colour)) for colour in range(n_colours)
    )
    return classes


def check_coloring(coloring, graph: nx.Graph | None = None, n: int | None = None) -> tuple:
    """``coloring`` as a tuple of node tuples, checked to partition 0..n-1 and (with ``graph``) to be proper.

    Parameters
    ----------
    coloring : sequence of sequences of int
        Colour classes, each a sequence of node indices (ints, NumPy or 0-d integer arrays).
    graph : networkx.Graph, optional
        The coupling graph (:func:`coupling_graph`); with it, two nodes joined by an edge
        must not share a colour.
    n : int, optional
        The number of nodes; by default the number of indices listed.

    Returns
    -------
    tuple of tuple of int
        The colour classes, in the order given.

    Raises
    ------
    TypeError
        If ``coloring`` is not a sequence of sequences of integers (a string, a float index...).
    ValueError
        If a node is missing, repeated or out of range, or two coupled nodes share a colour.

    Examples
    --------
    >>> from fepnet.kernels import check_coloring
    >>> check_coloring([[0, 2], [1]])
    ((0, 2), (1,))
    >>> check_coloring([[0], [0, 1]])
    Traceback (most recent call last):
    ...
    ValueError: coloring must partition the nodes 0..1 exactly once each: node 0 is listed twice
    """
    classes = []
    for nodes in _sequence(coloring, "coloring must be a sequence of colour classes"):
        group = []
        for i in _sequence(nodes, "each colour class of coloring must be a sequence of node indices"):
            if isinstance(i, (bool, np.bool_)):
                raise TypeError(f"coloring must hold integer node indices, got the bool {i}")
            try:
                group.append(operator.index(i))
            except TypeError:
                raise TypeError(f"coloring must hold integer node indices, got {i!r} ({type(i).__name__})") from None
        classes.append(tuple(group))
    coloring = tuple(classes)
    flat = [i for nodes in coloring for i in nodes]
    n = len(flat) if n is None else n
    seen = np.zeros(n, dtype=bool)
    for i in flat:
        if not 0 <= i < n:
            raise ValueError(f"coloring must partition the nodes 0..{n - 1} exactly once each: index {i} is out of range")
        if seen[i]:
            raise ValueError(f"coloring must partition the nodes 0..{n - 1} exactly once each: node {i} is listed twice")
        seen[i] = True
    if not seen.all():
        missing = np.flatnonzero(~seen)
        raise ValueError(f"coloring must partition the nodes 0..{n - 1} exactly once each: node(s) "
                         f"{', '.join(map(str, missing[:10]))}{' ...' if len(missing) > 10 else ''} have no colour")
    if graph is not None:
        colour_of = {i: c for c, nodes in enumerate(coloring) for i in nodes}
        for i, j in graph.edges:
            if colour_of[i] == colour_of[j]:
                raise ValueError(f"coloring is not proper: coupled nodes {i} and {j} share colour {colour_of[i]}")
    return coloring


def _sequence(x, what: str):
    """``x`` if it is a sequence (list, tuple, range, 1-D array...), not a string; else TypeError."""
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__") or not hasattr(x, "__len__"):
        raise TypeError(f"{what}, got {type(x).__name__}" + (f" {x!r}" if isinstance(x, (str, bytes)) else ""))
    if getattr(x, "ndim", 1) == 0:
        raise TypeError(f"{what}, got a 0-d array")
    return x


def _check_proper(coloring, couplings: np.ndarray) -> None:
    """No J[i, j] != 0 (either direction) between two nodes of one colour; J (..., N, N) concrete.

    Either direction counts: nodes of one colour are updated together from the old states, so a
    one-way coupling j -> i inside a class would make node i read a stale sigma_j.
    """
    n = couplings.shape[-1]
    label = np.empty(n, dtype=np.int64)
    for c, nodes in enumerate(coloring):
        label[list(nodes)] = c
    coupled = couplings != 0
    coupled = coupled.reshape((-1, n, n)).any(axis=0)
    same = (label[:, None] == label[None, :]) & (coupled | coupled.T)
    np.fill_diagonal(same, False)
    if same.any():
        i, j = (int(k) for k in np.argwhere(same)[0])
        raise ValueError(f"coloring is not proper: coupled nodes {i} and {j} share colour {label[i]}")

