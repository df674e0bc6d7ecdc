"""One network row-sharded over several devices: its checks and the placement of J and the states.

With D devices on a one-axis mesh (axis ``"rows"``), the couplings J (N, N) are laid out by
rows, ``NamedSharding(mesh, P("rows", None))``: device d holds rows d N/D .. (d + 1) N/D - 1,
and N / D rows of every N x N array that goes with J (a coupling ``mask``). The node states and
biases (N,) are laid out the same way, by node, ``P("rows")``. One synchronous step

    h = J sigma       each device: its N/D rows against the all-gathered N-vector sigma
    sigma' = ...      each device: its N/D nodes (elementwise)
    J += e sigma'^T   each device: its N/D rows against the all-gathered sigma' (learning)

so a step communicates the N-vector of states (an all-gather of N / D numbers from each device)
and never J. The drivers (:func:`fepnet.train`, :func:`fepnet.free_run`, :func:`fepnet.run`,
:func:`fepnet.relax`) only place their inputs with the helpers here (built on the mesh, layouts and
:func:`~fepnet.placement.put` of :mod:`fepnet.placement`, re-exported here); their jitted programs are
unchanged and XLA's sharding propagation (GSPMD) partitions them: each row of h = J sigma is the
same dot product, in the same order, as on one device, so results are bit-identical to a
one-device run (tested on 4 host devices), except sums over all nodes (the free-energy terms of
``train(free_energy=True)``), which add partial sums across devices and agree to float32 rounding.

Single-site schedules (``sequential``, ``random-scan``) update one node at a time, which would
communicate once per node: they are refused. N must be a multiple of the device count (refused
otherwise, never padded: padding would change the random numbers of every step).

Several processes (``jax.distributed``, :mod:`fepnet.distributed`): the mesh spans the global
devices, each process holds the rows of its own devices, and the same code runs; host data is
placed with :func:`~fepnet.placement.put` (each process passes the same values, each keeps its rows).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh

from .placement import AXIS, batch_of_nodes, is_global, nodes, put, replicated, resolve_devices, row_mesh, rows, zeros

__all__ = [
    "AXIS",
    "SINGLE_SITE",
    "resolve_devices",
    "row_mesh",
    "rows",
    "nodes",
    "batch_of_nodes",
    "replicated",
    "check_rows",
    "check_schedule",
    "put",
    "zeros",
    "is_global",
    "place_learning_state",
    "place_network",
    "place_chain",
    "start_on_devices",
    "improper_pair",
    "zero_learning_state",
]

#: The schedules of :data:`fepnet.kernels.SCHEDULES` that update one node at a time: :func:`check_schedule` refuses
#: them on a row-sharded network (they would communicate once per node).
SINGLE_SITE = ("sequential", "random-scan")


def check_rows(n: int, mesh: Mesh) -> None:
    """Refuse N nodes that do not split evenly over the mesh's devices.

    Parameters
    ----------
    n : int
        N, the number of nodes.
    mesh : jax.sharding.Mesh
        The mesh J's rows are split over.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        N not a multiple of the device count; the message lists the counts that would work.

    Examples
    --------
    >>> from fepnet.sharding import check_rows, row_mesh
    >>> check_rows(7, row_mesh(1))  # one device divides every N
    """
    d = mesh.devices.size
    if n % d:
        fits = [k for k in range(1, min(d, n) + 1) if n % k == 0]
        raise ValueError(f"N={n} nodes cannot be row-sharded over {d} devices: N must be a multiple of the device "
                         f"count (not padded, which would change every step's random numbers); devices= one of "
                         f"{fits[-4:]} would divide N={n}")


def check_schedule(schedule: str) -> None:
    """Refuse a single-site schedule on a sharded network (it would communicate once per node).

    Parameters
    ----------
    schedule : str
        A kernel's schedule (``"synchronous"``, ``"chromatic"``, ``"sequential"``, ``"random-scan"``).

    Returns
    -------
    None

    Raises
    ------
    ValueError
        ``schedule`` is ``"sequential"`` or ``"random-scan"`` (:data:`SINGLE_SITE`).

    Examples
    --------
    >>> from fepnet.sharding import check_schedule
    >>> check_schedule("synchronous")
    >>> check_schedule("sequential")
    Traceback (most recent call last):
    ...
    ValueError: schedule 'sequential' updates one node at a time and cannot run row-sharded ...
    """
    if schedule in SINGLE_SITE:
        raise ValueError(f"schedule {schedule!r} updates one node at a time and cannot run row-sharded "
                         "(devices=...): use 'synchronous' or 'chromatic', or devices=None")


def place_learning_state(state, mesh: Mesh | None, mask=None):
    """A learning state and mask placed on ``mesh``: J and ``mask`` (N, N) by rows, sigma (N,) by node.

    Parameters
    ----------
    state : LearningState
        J (N, N) and sigma (N,).
    mesh : jax.sharding.Mesh or None
        None: returned unchanged.
    mask : array_like, shape (N, N), optional
        The coupling mask.

    Returns
    -------
    state : LearningState
        Laid out on ``mesh``.
    mask : jax.Array or None
        Laid out by rows (None if not given).

    Raises
    ------
    ValueError
        N not a multiple of the device count (:func:`check_rows`).

    Examples
    --------
    >>> import fepnet
    >>> from fepnet.sharding import place_learning_state, row_mesh
    >>> state, mask = place_learning_state(fepnet.init_learning_state(4), row_mesh(1))
    >>> state.couplings.shape, mask
    ((4, 4), None)
    """
    if mesh is None:
        return state, mask
    n = state.sigma.shape[-1]
    check_rows(n, mesh)
    state = type(state)(put(state.couplings, rows(mesh)), put(state.sigma, nodes(mesh)))
    return state, (None if mask is None else put(mask, rows(mesh)))


def place_network(network, mesh: Mesh | None):
    """The network with J split by rows and b by node (its checks not re-run); unchanged for ``mesh=None``.

    Parameters
    ----------
    network : Network
        J (N, N) and b (N,).
    mesh : jax.sharding.Mesh or None
        The mesh; None: returned unchanged.

    Returns
    -------
    Network

    Raises
    ------
    ValueError
        N not a multiple of the device count (:func:`check_rows`).

    Examples
    --------
    >>> import fepnet
    >>> from fepnet.sharding import place_network, row_mesh
    >>> place_network(fepnet.Network.zeros(4), row_mesh(1))
    Network(N=4, couplings(4, 4), dtype=float32)
    """
    if mesh is None:
        return network
    check_rows(network.couplings.shape[-1], mesh)
    return type(network).tree_unflatten(None, (put(network.couplings, rows(mesh)), put(network.biases, nodes(mesh))))


def place_chain(kernel, state, params, mesh: Mesh | None):
    """The chain state and kernel parameters of :func:`fepnet.run` placed on ``mesh``.

    J by rows, sigma and b by node, iT replicated.

    Parameters
    ----------
    kernel : Kernel
        The kernel (:func:`fepnet.build_kernel`); only its ``schedule`` is read.
    state : ChainState
        sigma (N,).
    params : KernelParams
        The network and iT.
    mesh : jax.sharding.Mesh or None
        None: returned unchanged.

    Returns
    -------
    state : ChainState
    params : KernelParams

    Raises
    ------
    ValueError
        A single-site schedule (:func:`check_schedule`), or N not a multiple of the device count.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> from fepnet.kernels import ChainState, KernelParams
    >>> from fepnet.sharding import place_chain, row_mesh
    >>> kernel = fepnet.build_kernel("synchronous", stochastic=True)
    >>> params = KernelParams(fepnet.Network.zeros(4), jnp.float32(1.0))
    >>> state, params = place_chain(kernel, ChainState(jnp.zeros(4)), params, row_mesh(1))
    >>> state.sigma.shape
    (4,)
    """
    if mesh is None:
        return state, params
    check_schedule(kernel.schedule)
    params = params._replace(network=place_network(params.network, mesh),
                             inverse_temperature=put(params.inverse_temperature, replicated(mesh)))
    return state._replace(sigma=put(state.sigma, nodes(mesh))), params


def zero_learning_state(n: int, dtype, mesh: Mesh):
    """The start J = 0, sigma = 0 made in place, split by rows (no device ever holds all of J).

    Parameters
    ----------
    n : int
        N, a multiple of the mesh's device count.
    dtype : numpy dtype
        J's dtype.
    mesh : jax.sharding.Mesh
        The mesh.

    Returns
    -------
    LearningState
        J (N, N) laid out by rows, sigma (N,) by node.

    Raises
    ------
    ValueError
        N not a multiple of the device count.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.sharding import row_mesh, zero_learning_state
    >>> tuple(zero_learning_state(4, jnp.float32, row_mesh(1)).couplings.sharding.spec)
    ('rows', None)
    """
    from .learning import LearningState

    check_rows(n, mesh)
    return LearningState(zeros((n, n), dtype, rows(mesh)), zeros((n,), dtype, nodes(mesh)))


def start_on_devices(initial, n, mesh: Mesh):
    """The start of a sharded training run made or checked on the devices, or None (use the host checks).

    ``initial`` None: J = 0 and sigma = 0 made in place (:func:`zero_learning_state`). A
    LearningState or Network whose couplings are already laid out by rows on ``mesh``, or are
    global (several processes), is checked in place (finite J, sigma in [-1, 1]) without a host
    copy. Anything else: None.

    Parameters
    ----------
    initial : None, Network or LearningState
        The run's start (``train(initial=...)``).
    n : int or None
        N of the patterns (None: any).
    mesh : jax.sharding.Mesh
        The mesh.

    Returns
    -------
    LearningState or None

    Raises
    ------
    TypeError
        Couplings that are not floating point.
    ValueError
        ``initial`` of another size than ``n``, non-finite, or sigma outside [-1, 1].

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.sharding import row_mesh, start_on_devices
    >>> start_on_devices(None, 4, row_mesh(1)).couplings.shape
    (4, 4)
    >>> start_on_devices(jnp.zeros(3), 4, row_mesh(1)) is None
    True
    """
    from .learning import LearningState
    from .network import Network

    if initial is None:
        return zero_learning_state(n, jnp.result_type(float), mesh)
    if not isinstance(initial, (LearningState, Network)) or not on_devices(initial.couplings, mesh):
        return None
    if isinstance(initial, Network):
        if n is not None and initial.couplings.shape[-1] != n:
            raise ValueError(f"initial network has {initial.couplings.shape[-1]} nodes, patterns have {n}")
        J, _ = checked_state(initial.couplings, None, n, "initial")
        return LearningState(J, zeros(J.shape[:1], J.dtype, nodes(mesh)))
    return LearningState(*checked_state(initial.couplings, initial.sigma, n, "initial"))


def checked_state(couplings, sigma, n, what: str):
    """``(J, sigma)`` of an ``initial`` already on devices (a sharded result), checked there without a host copy.

    ``what`` is the argument's name ("initial"). J (N, N) real and finite, sigma (N,) finite in [-1, 1];
    the same messages as the host checks of :func:`fepnet.train`.
    """
    J = couplings
    if not jnp.issubdtype(J.dtype, jnp.floating):
        raise TypeError(f"{what}.couplings must hold real floating numbers, got dtype {J.dtype}")
    if J.ndim != 2 or J.shape[0] != J.shape[1]:
        raise ValueError(f"{what}.couplings must be square (N, N), got shape {tuple(J.shape)}")
    if n is not None and J.shape[0] != n:
        raise ValueError(f"initial state has {J.shape[0]} nodes, patterns have {n}")
    if not bool(_all_finite(J)):
        raise ValueError(f"{what}.couplings contains non-finite values (NaN or inf)")
    if sigma is None:
        return J, None
    if tuple(sigma.shape) != (J.shape[0],):
        raise ValueError(f"{what}.sigma must have shape ({J.shape[0]},), got {tuple(sigma.shape)}")
    if not bool(_all_finite(sigma)):
        raise ValueError(f"{what}.sigma contains non-finite values (NaN or inf)")
    if not bool(jnp.all(jnp.abs(sigma) <= 1)):
        raise ValueError(f"{what}.sigma must lie in [-1, 1]")
    return J, sigma.astype(J.dtype)


def on_devices(x, mesh: Mesh) -> bool:
    """Whether ``x`` is a jax.Array laid out by rows on ``mesh`` already, or global: checked in place, not copied."""
    return is_global(x) or (isinstance(x, jax.Array) and not isinstance(x, jax.core.Tracer)
                            and x.ndim == 2 and x.sharding.is_equivalent_to(rows(mesh), 2))


@jax.jit
def _all_finite(x):
    return jnp.all(jnp.isfinite(x))


@jax.jit
def _first_improper(label, couplings):
    """(any, i, j): whether some J[i, j] != 0, i != j, joins two nodes of one colour, and the first such pair."""
    n = couplings.shape[-1]
    rows_ = jax.lax.broadcasted_iota(jnp.int32, (n, n), 0)
    cols = jax.lax.broadcasted_iota(jnp.int32, (n, n), 1)
    coupled = (couplings != 0).reshape((-1, n, n)).any(axis=0)
    bad_rows = (coupled & (label[:, None] == label[None, :]) & (rows_ != cols)).any(axis=1)
    i = jnp.argmax(bad_rows)
    row = coupled[i] & (label == label[i]) & (jnp.arange(n) != i)
    return bad_rows.any(), i, jnp.argmax(row)


def improper_pair(coloring, couplings):
    """The colouring check of a chromatic kernel, computed where a sharded J lies (no host copy).

    A colouring is proper when no J[i, j] != 0 (i != j, either direction) joins two nodes of
    one colour.

    Parameters
    ----------
    coloring : sequence of sequence of int
        The colour classes, a partition of 0 .. N-1.
    couplings : jax.Array, shape (..., N, N)
        J (a batch: coupled in any member).

    Returns
    -------
    tuple of int or None
        None for a proper colouring, else (i, j, colour) of one coupled pair i < j of one colour.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.sharding import improper_pair
    >>> J = jnp.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> improper_pair([[0, 2], [1]], J), improper_pair([[0, 1], [2]], J)
    (None, (0, 1, 0))
    """
    n = couplings.shape[-1]
    label = np.empty(n, dtype=np.int32)
    for c, members in enumerate(coloring):
        label[list(members)] = c
    found, i, j = _first_improper(label, couplings)
    if not bool(found):
        return None
    i, j = sorted((int(i), int(j)))
    return i, j, int(label[i])
