"""Inference step kernels (the network's inference dynamics): one pure ``step(key, state, params) -> state`` per schedule.

With the field h = J sigma (h_i = sum_j J[i, j] sigma_j) and c = iT (b + h), one
update of node i is

    stochastic     sigma_i ~ CB(c_i)          (exact inverse-CDF draw)
    deterministic  sigma_i = L(c_i)           ("least action", mean-field)

One *step* of every schedule updates each node once on average:

    synchronous   all nodes at once from the previous state (what the paper
                  simulates; samples pi_sync, not the Boltzmann density)
    sequential    systematic scan i = 0 .. N-1, each node sees the newest states
                  (exact Gibbs sampler of the Boltzmann density for symmetric J)
    random-scan   N single-site updates at uniformly random sites (exact too)
    chromatic     block Gibbs over a proper colouring of the coupling graph;
                  one colour class at a time, its nodes together (exact too)

Kernels are frozen dataclasses (hashable by value, so ``jit`` caches them) and
compose with ``jax.lax.scan``, ``jax.vmap`` and ``jax.jit``.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np

from .infra import checks as v
from . import cb
from .network import Network

__all__ = [
    "SCHEDULES",
    "ChainState",
    "KernelParams",
    "Kernel",
    "build_kernel",
    "coupling_graph",
    "greedy_coloring",
    "init_state",
    "kernel_params",
]

SCHEDULES = ("synchronous", "sequential", "random-scan", "chromatic")


class ChainState(NamedTuple):
    """State of one chain: node states ``sigma`` (N,) in [-1, 1]."""

    sigma: jax.Array


class KernelParams(NamedTuple):
    """What a step reads: the network (its biases include any evidence) and iT (scalar)."""

    network: Network
    inverse_temperature: jax.Array


def kernel_params(network: Network, inverse_temperature=1.0, evidence=None) -> KernelParams:
    """Validated :class:`KernelParams`; ``evidence`` (N,) shifts the biases."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    if evidence is not None:
        network = network.with_evidence(evidence)
    it = v.positive_scalar(inverse_temperature, "inverse_temperature").astype(network.dtype)
    return KernelParams(network, it)


def init_state(network: Network, sigma=None) -> ChainState:
    """Chain state at ``sigma`` (default: all zeros), validated against the network size."""
    n = network.size
    if sigma is None:
        return ChainState(jnp.zeros((n,), network.dtype))
    return ChainState(v.states(sigma, "sigma", n).astype(network.dtype))


def _node_update(stochastic: bool, u, c):
    return cb._icdf(u, c) if stochastic else cb._langevin(c)  # unchecked inner functions: no per-step checks


def _synchronous(stochastic, u, sigma, J, b, it):
    return _node_update(stochastic, u, it * (b + J @ sigma))


def _single_site_sweep(stochastic, sites, u, sigma, J, b, it):
    def body(k, s):
        i = sites[k]
        c = it * (b[i] + J[i] @ s)
        return s.at[i].set(_node_update(stochastic, None if u is None else u[k], c))

    return jax.lax.fori_loop(0, sites.shape[0], body, sigma)


def _chromatic(stochastic, coloring, u, sigma, J, b, it):
    n = sigma.shape[0]
    masks = np.zeros((len(coloring), n), dtype=bool)
    for colour, nodes in enumerate(coloring):
        masks[colour, list(nodes)] = True
    if u is None:
        u = jnp.zeros(masks.shape, sigma.dtype)

    def body(s, xs):
        mask, uc = xs
        c = it * (b + J @ s)
        return jnp.where(mask, _node_update(stochastic, uc, c), s), None

    sigma, _ = jax.lax.scan(body, sigma, (jnp.asarray(masks), u))
    return sigma


@dataclasses.dataclass(frozen=True)
class Kernel:
    """A step kernel ``kernel(key, state, params) -> state``; build it with :func:`build_kernel`.

    A step is ``apply(noise(key, n, dtype), state, params)``: ``noise`` draws all
    the randomness of one step at once (uniforms for the inverse-CDF draws and,
    for random-scan, the visiting order; ``None`` when there is none), ``apply``
    is the deterministic rest. :func:`fepnet.run` uses the split to draw the
    noise of many steps in one vectorised call (the same numbers, faster).
    Deterministic kernels ignore ``key`` except ``random-scan``, whose visiting
    order is random (pass ``None`` to the others).
    """

    schedule: str
    stochastic: bool = True
    coloring: tuple | None = None

    def noise(self, key, n: int, dtype):
        """The randomness of one step for N = ``n`` nodes (a pytree of arrays, or None)."""
        if self.schedule == "random-scan":
            k_sites, k_u = jax.random.split(key)
            sites = jax.random.randint(k_sites, (n,), 0, n)
            return sites, (jax.random.uniform(k_u, (n,), dtype) if self.stochastic else None)
        if not self.stochastic:
            return None
        shape = (len(self.coloring), n) if self.schedule == "chromatic" else (n,)
        return jax.random.uniform(key, shape, dtype)

    def apply(self, noise, state: ChainState, params: KernelParams) -> ChainState:
        """One step with the given ``noise`` (from :meth:`noise`)."""
        net, it = params
        args = (state.sigma, net.couplings, net.biases, it)
        n = state.sigma.shape[-1]
        if self.schedule == "synchronous":
            sigma = _synchronous(self.stochastic, noise, *args)
        elif self.schedule == "sequential":
            sigma = _single_site_sweep(self.stochastic, jnp.arange(n), noise, *args)
        elif self.schedule == "random-scan":
            sites, u = noise
            sigma = _single_site_sweep(self.stochastic, sites, u, *args)
        else:
            sigma = _chromatic(self.stochastic, self.coloring, noise, *args)
        return state._replace(sigma=sigma)

    def __call__(self, key, state: ChainState, params: KernelParams) -> ChainState:
        noise = None if key is None else self.noise(key, state.sigma.shape[-1], state.sigma.dtype)
        return self.apply(noise, state, params)

    @property
    def needs_key(self) -> bool:
        return self.stochastic or self.schedule == "random-scan"


def coupling_graph(network: Network, tol: float = 0.0) -> nx.Graph:
    """Undirected graph with an edge i - j wherever |J[i, j]| or |J[j, i]| exceeds ``tol``."""
    J = np.asarray(network.couplings)
    adjacency = (np.abs(J) > tol) | (np.abs(J.T) > tol)
    np.fill_diagonal(adjacency, False)
    graph = nx.Graph()
    graph.add_nodes_from(range(J.shape[0]))
    rows, cols = np.nonzero(np.triu(adjacency, 1))
    graph.add_edges_from(zip(rows.tolist(), cols.tolist()))
    return graph


def greedy_coloring(graph: nx.Graph, strategy: str = "largest_first") -> tuple:
    """A proper colouring as a tuple of node-index tuples, one per colour class (networkx greedy)."""
    colour_of = nx.greedy_color(graph, strategy=strategy)
    n_colours = max(colour_of.values(), default=-1) + 1
    classes = tuple(
        tuple(sorted(node for node, c in colour_of.items() if c == colour)) for colour in range(n_colours)
    )
    return classes


def check_coloring(coloring, graph: nx.Graph | None, n: int) -> tuple:
    """``coloring`` as a tuple of node tuples, checked to partition 0..n-1 and (with ``graph``) to be proper.

    Raises ``ValueError`` when a node is missing or repeated, or two coupled nodes share a colour.
    """
    coloring = tuple(tuple(int(i) for i in nodes) for nodes in coloring)
    flat = sorted(i for nodes in coloring for i in nodes)
    if flat != list(range(n)):
        raise ValueError(f"coloring must partition the nodes 0..{n - 1} exactly once each")
    if graph is not None:
        colour_of = {i: c for c, nodes in enumerate(coloring) for i in nodes}
        for i, j in graph.edges:
            if colour_of[i] == colour_of[j]:
                raise ValueError(f"coloring is not proper: coupled nodes {i} and {j} share colour {colour_of[i]}")
    return coloring


def build_kernel(
    schedule: str = "synchronous",
    *,
    stochastic: bool = True,
    network: Network | None = None,
    coloring=None,
) -> Kernel:
    """Build the step kernel of ``schedule`` (one of :data:`SCHEDULES`).

    ``chromatic`` needs a colouring: pass ``coloring`` (node-index groups) or a
    ``network``, whose coupling graph is coloured greedily with networkx. A
    colouring given together with a network is checked to be proper for it.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    if not isinstance(stochastic, (bool, np.bool_)):
        raise TypeError(f"stochastic must be a bool, got {type(stochastic).__name__}")
    if schedule != "chromatic":
        if coloring is not None:
            raise ValueError("coloring is only used by the 'chromatic' schedule")
        return Kernel(schedule, bool(stochastic))
    if network is None and coloring is None:
        raise ValueError("the 'chromatic' schedule needs a network (to colour its coupling graph) or a coloring")
    graph = coupling_graph(network) if network is not None else None
    if coloring is None:
        coloring = greedy_coloring(graph)
    n = network.size if network is not None else sum(len(c) for c in coloring)
    return Kernel(schedule, bool(stochastic), check_coloring(coloring, graph, n))
