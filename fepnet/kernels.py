"""Inference step kernels (the network's inference dynamics): one pure ``step(key, state, params) -> state`` per schedule.

One concept, the step kernels: the four schedules share one node update, one :class:`Kernel`
type and its checks, so they stay in one module; the colourings the chromatic schedule needs
(:func:`~fepnet.coloring.coupling_graph`, :func:`~fepnet.coloring.greedy_coloring`,
:func:`~fepnet.coloring.check_coloring`) live in :mod:`fepnet.coloring`.

With the field h = J sigma (h_i = sum_j J[i, j] sigma_j) and c = iT (b + h), one
update of node i is::

    stochastic     sigma_i ~ CB(c_i)          (exact inverse-CDF draw, fepnet.cb.icdf)
    deterministic  sigma_i = L(c_i)           ("least action", mean-field; L(x) = coth(x) - 1/x)

One *step* of every schedule (the names in ``SCHEDULES``) updates each node once on average::

    synchronous   all nodes at once from the previous state (what the paper
                  simulates; samples pi_sync, not the Boltzmann density)
    sequential    systematic scan i = 0 .. N-1, each node sees the newest states
                  (exact Gibbs sampler of the Boltzmann density for symmetric J)
    random-scan   N single-site updates at uniformly random sites (exact too)
    chromatic     block Gibbs over a proper colouring of the coupling graph
                  (fepnet.coloring); one colour class at a time, its nodes
                  together (exact too)

``SCHEDULES = ("synchronous", "sequential", "random-scan", "chromatic")``. Kernels are
frozen dataclasses (hashable by value, so ``jit`` caches them) and compose with
``jax.lax.scan``, ``jax.vmap`` and ``jax.jit``; :func:`~fepnet.chain.run` drives them.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import sharding
from .infra import checks as v
from . import cb_math
from .coloring import _check_proper, check_coloring, coupling_graph, greedy_coloring
from .network import Network

__all__ = [
    "SCHEDULES",
    "ChainState",
    "KernelParams",
    "Kernel",
    "build_kernel",
    "check_coloring",
    "coupling_graph",
    "greedy_coloring",
    "init_state",
    "kernel_params",
]

#: The update schedules of :func:`build_kernel`, by name (module docstring: which nodes one step updates, and
#: which schedules are exact Gibbs samplers).
SCHEDULES = ("synchronous", "sequential", "random-scan", "chromatic")


class ChainState(NamedTuple):
    """State of one chain: the node states.

    Attributes
    ----------
    sigma : jax.Array, shape (N,)
        Node states in [-1, 1] (a batch of chains carries leading axes under ``jax.vmap``).

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> fepnet.ChainState(jnp.zeros(3))
    ChainState(sigma=Array([0., 0., 0.], dtype=float32))
    """

    sigma: jax.Array


class KernelParams(NamedTuple):
    """What a step reads: the network and the inverse temperature (build it with :func:`kernel_params`).

    Attributes
    ----------
    network : Network
        J (N, N) and b (N,); the biases include any evidence.
    inverse_temperature : jax.Array, shape ()
        iT > 0, in the network's dtype.
    """

    network: Network
    inverse_temperature: jax.Array


def kernel_params(network: Network, inverse_temperature=1.0, evidence=None) -> KernelParams:
    """Validated :class:`KernelParams`: the network (with ``evidence`` added to its biases) and iT.

    ``inverse_temperature`` and ``evidence`` are cast to the network's dtype and then
    checked, so a value beyond its range (1e39 for float32) is refused, not turned into inf.

    Parameters
    ----------
    network : Network
        J (N, N), b (N,).
    inverse_temperature : float, default 1.0
        iT > 0 (the field is c = iT (b + J sigma)).
    evidence : array_like of float, shape (N,), optional
        s; the kernel then samples p(sigma | s) with biases b + s.

    Returns
    -------
    KernelParams

    Raises
    ------
    TypeError
        If network is not a :class:`~fepnet.network.Network`, or inverse_temperature / evidence are not
        real numbers.
    ValueError
        If the network has no nodes, inverse_temperature is not a positive finite scalar
        in the network's dtype, or evidence has the wrong shape, is not finite there, or
        overflows the biases.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> p = fepnet.kernel_params(fepnet.Network.zeros(2), 2.0, evidence=jnp.array([1.0, -1.0]))
    >>> float(p.inverse_temperature), p.network.b.tolist()
    (2.0, [1.0, -1.0])
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    if network.size < 1:  # only reachable by building the pytree by hand: every constructor refuses it
        raise ValueError("network must have at least one node")
    if evidence is not None:
        network = network.with_evidence(evidence)
    it = v.positive_scalar(inverse_temperature, "inverse_temperature", dtype=network.dtype)
    return KernelParams(network, it)


def init_state(network: Network, sigma=None) -> ChainState:
    """Chain state at ``sigma`` (default all zeros), validated against the network's size.

    Parameters
    ----------
    network : Network
        The network (its size N and dtype).
    sigma : array_like of float, shape (N,), optional
        Starting states in [-1, 1]; default zeros. Cast to the network's dtype.

    Returns
    -------
    ChainState

    Raises
    ------
    TypeError
        If sigma is not real numbers.
    ValueError
        If sigma does not have N nodes, is not finite or leaves [-1, 1].

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> fepnet.init_state(fepnet.Network.zeros(3)).sigma.tolist()
    [0.0, 0.0, 0.0]
    >>> fepnet.init_state(fepnet.Network.zeros(2), jnp.array([1, -1])).sigma.dtype
    dtype('float32')
    """
    n = network.size
    if sigma is None:
        return ChainState(jnp.zeros((n,), network.dtype))
    return ChainState(v.states(sigma, "sigma", n).astype(network.dtype))


def _node_update(stochastic: bool, u, c):
    return cb_math.icdf(u, c) if stochastic else cb_math.langevin(c)  # unchecked: no per-step checks


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
    is the deterministic rest. :func:`~fepnet.chain.run` uses the split to draw the
    noise of many steps in one vectorised call (the same numbers, faster).
    Deterministic kernels ignore ``key`` except ``random-scan``, whose visiting
    order is random (pass ``None`` to the others).

    The constructor checks its fields like :func:`build_kernel` (a chromatic kernel's
    ``coloring`` must partition 0..n-1 into integer tuples); :meth:`~Kernel.check_network`
    checks the colouring against a network.

    Parameters
    ----------
    schedule : {"synchronous", "sequential", "random-scan", "chromatic"}
        The update order (see the module docstring).
    stochastic : bool, default True
        Draw sigma_i ~ CB(c_i) (True) or set sigma_i = L(c_i) (False).
    coloring : tuple of tuple of int, optional
        The colour classes; required by, and only allowed for, ``"chromatic"``.

    Raises
    ------
    TypeError
        If stochastic is not a bool or coloring not a sequence of sequences of integers.
    ValueError
        If schedule is unknown, coloring is given to another schedule or missing for
        ``"chromatic"``, or does not partition 0..n-1.

    Examples
    --------
    >>> import jax, fepnet
    >>> net = fepnet.Network.random(jax.random.key(0), 4)
    >>> kernel = fepnet.build_kernel("sequential")
    >>> state = kernel(jax.random.key(1), fepnet.init_state(net), fepnet.kernel_params(net, 2.0))
    >>> state.sigma.shape
    (4,)
    """

    schedule: str
    stochastic: bool = True
    coloring: tuple | None = None

    def __post_init__(self):
        """Check the fields; ``coloring`` becomes a tuple of int tuples partitioning 0..n-1."""
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if not isinstance(self.stochastic, (bool, np.bool_)):
            raise TypeError(f"stochastic must be a bool, got {type(self.stochastic).__name__}")
        object.__setattr__(self, "stochastic", bool(self.stochastic))
        if self.schedule != "chromatic":
            if self.coloring is not None:
                raise ValueError("coloring is only used by the 'chromatic' schedule")
        elif self.coloring is None:
            raise ValueError("the 'chromatic' schedule needs a coloring")
        else:
            object.__setattr__(self, "coloring", check_coloring(self.coloring))
        # nodes the colouring covers (not a field: equality and hashing see schedule, stochastic, coloring)
        object.__setattr__(self, "_n_colored", None if self.coloring is None else sum(map(len, self.coloring)))

    def check_network(self, network: Network) -> None:
        """Check that this kernel can step ``network``; called by :func:`~fepnet.chain.run` before it runs.

        For the chromatic schedule the colouring must give each of the network's N nodes
        exactly one colour and be proper for its couplings (no J[i, j] != 0 or J[j, i] != 0
        between two nodes of one colour; see :func:`check_coloring`). The properness check
        needs concrete couplings and is skipped under tracing (``jit`` / ``vmap`` of the
        caller); the node count is checked always. One O(N^2) pass per call, no per-step cost.
        Other schedules accept every network.

        Parameters
        ----------
        network : Network
            The network to be stepped.

        Returns
        -------
        None

        Raises
        ------
        ValueError
            If the colouring does not cover exactly the network's nodes or is not proper.
        """
        if self.schedule != "chromatic":
            return
        self._check_size(network.couplings.shape[-1])
        J = network.couplings
        if v.is_concrete(J):
            if isinstance(J, jax.Array) and len(J.sharding.device_set) > 1:  # sharded (fepnet.sharding): in place
                pair = sharding.improper_pair(self.coloring, J)
                if pair is not None:
                    raise ValueError(f"coloring is not proper: coupled nodes {pair[0]} and {pair[1]} share colour "
                                     f"{pair[2]}")
            else:
                _check_proper(self.coloring, np.asarray(J))

    def _check_size(self, n: int) -> None:
        """The colouring (a partition of 0..m-1) must colour exactly the n nodes it is applied to."""
        if self._n_colored != n:
            raise ValueError(f"coloring must partition the nodes 0..{n - 1} exactly once each: it colours "
                             f"{self._n_colored} nodes but the network has {n}")

    def noise(self, key, n: int, dtype):
        """The randomness of one step for N = ``n`` nodes.

        Parameters
        ----------
        key : jax.Array
            A JAX PRNG key.
        n : int
            Number of nodes N.
        dtype : floating dtype
            The dtype of the uniforms.

        Returns
        -------
        jax.Array, tuple or None
            Uniforms (N,) for synchronous / sequential stochastic kernels, (colours, N) for
            chromatic ones; ``(sites (N,) int, uniforms (N,) or None)`` for random-scan;
            ``None`` for deterministic kernels of the other schedules.

        Examples
        --------
        >>> import jax, jax.numpy as jnp, fepnet
        >>> fepnet.build_kernel("synchronous").noise(jax.random.key(0), 4, jnp.float32).shape
        (4,)
        >>> fepnet.build_kernel("synchronous", stochastic=False).noise(jax.random.key(0), 4, jnp.float32) is None
        True
        """
        if self.schedule == "random-scan":
            k_sites, k_u = jax.random.split(key)
            sites = jax.random.randint(k_sites, (n,), 0, n)
            return sites, (jax.random.uniform(k_u, (n,), dtype) if self.stochastic else None)
        if not self.stochastic:
            return None
        shape = (len(self.coloring), n) if self.schedule == "chromatic" else (n,)
        return jax.random.uniform(key, shape, dtype)

    def apply(self, noise, state: ChainState, params: KernelParams) -> ChainState:
        """One step with the given ``noise`` (from :meth:`~Kernel.noise`): the deterministic part of a step.

        Parameters
        ----------
        noise : jax.Array, tuple or None
            What :meth:`~Kernel.noise` returned for this step.
        state : ChainState
            sigma (N,).
        params : KernelParams
            The network and iT.

        Returns
        -------
        ChainState
            The state after one step (each node updated once on average).
        """
        net, it = params
        args = (state.sigma, net.couplings, net.biases, it)
        n = state.sigma.shape[-1]
        if self._n_colored is not None:  # static: checked once per trace, no per-step cost
            self._check_size(n)
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
        """Whether a step draws random numbers: stochastic kernels and every random-scan kernel."""
        return self.stochastic or self.schedule == "random-scan"


def build_kernel(
    schedule: str = "synchronous",
    *,
    stochastic: bool = True,
    network: Network | None = None,
    coloring=None,
) -> Kernel:
    """Build the step kernel of ``schedule`` (one of ``SCHEDULES``).

    The update of node i is sigma_i ~ CB(c_i) (``stochastic=True``) or sigma_i = L(c_i),
    with c = iT (b + J sigma); the schedule decides which nodes see which states (module
    docstring). ``chromatic`` needs a colouring: pass ``coloring`` (node-index groups) or a
    ``network``, whose coupling graph is coloured greedily with networkx. A colouring must
    give every node exactly one colour (integer indices 0..N-1). It must also be proper:
    two nodes of one colour are never coupled, in either direction (J[i, j] != 0 or
    J[j, i] != 0, so an asymmetric or sparse J is judged by its coupling graph,
    :func:`coupling_graph`). Given together with a network it is checked against it here;
    given alone, it is checked against the network the kernel first meets, in
    :func:`~fepnet.chain.run` (and a kernel applied directly to a state of another size refuses
    it when traced).

    Parameters
    ----------
    schedule : {"synchronous", "sequential", "random-scan", "chromatic"}, default "synchronous"
        The update order.
    stochastic : bool, default True
        Sample (True) or take the mean (False, deterministic relaxation).
    network : Network, optional
        For ``"chromatic"``: the network whose coupling graph is coloured (or checked).
    coloring : sequence of sequences of int, optional
        For ``"chromatic"``: the colour classes.

    Returns
    -------
    Kernel

    Raises
    ------
    TypeError
        If stochastic is not a bool, network not a :class:`~fepnet.network.Network`, or coloring not a
        sequence of sequences of integers (a string, float indices...).
    ValueError
        If schedule is unknown, a coloring is given to a non-chromatic schedule, the
        chromatic schedule gets neither, or the colouring misses, repeats or
        mis-numbers a node, or is not proper for ``network``.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> fepnet.build_kernel("sequential", stochastic=False)
    Kernel(schedule='sequential', stochastic=False, coloring=None)
    >>> J = jnp.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> fepnet.build_kernel("chromatic", network=fepnet.Network(J)).coloring
    ((0, 2), (1,))
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    if schedule != "chromatic":
        return Kernel(schedule, stochastic, coloring)
    if network is None and coloring is None:
        raise ValueError("the 'chromatic' schedule needs a network (to colour its coupling graph) or a coloring")
    if network is not None and not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    if coloring is None:
        return Kernel(schedule, stochastic, greedy_coloring(coupling_graph(network)))
    kernel = Kernel(schedule, stochastic, coloring)
    if network is not None:
        kernel.check_network(network)
    return kernel
