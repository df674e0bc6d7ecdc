"""Where arrays live: the one-axis device mesh, the layouts on it, and putting arrays there.

The mesh (:func:`row_mesh`, axis :data:`AXIS` ``"rows"``) spans the devices to run on
(:func:`resolve_devices`); the layouts are :func:`rows` for (N, N) arrays split by rows,
:func:`nodes` for (N,) arrays split by node, :func:`batch_of_nodes` for (B, N) batches and
:func:`replicated` for arrays every device holds whole. :func:`put` lays an array out (host data
slice by slice, never whole on one device; a global array of several processes by a jitted
identity; a traced value by a sharding constraint) and :func:`zeros` makes an all-zero array in
place. How one network is row-sharded with them, and its checks, is :mod:`fepnet.sharding`.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = [
    "AXIS",
    "resolve_devices",
    "row_mesh",
    "rows",
    "nodes",
    "batch_of_nodes",
    "replicated",
    "is_global",
    "put",
    "zeros",
]

#: The name of the one mesh axis that :func:`row_mesh` makes; J's rows, and the nodes of (N,) arrays, are split over it.
AXIS = "rows"


def resolve_devices(devices) -> list:
    """The devices to run on.

    Parameters
    ----------
    devices : None, int, sequence of jax.Device or jax.sharding.Mesh
        ``None``: every visible device (``jax.devices()``, every process's under ``jax.distributed``);
        a count n: the first n of them; the devices themselves (each visible, none repeated); or a
        mesh with one axis (its devices, in order).

    Returns
    -------
    list of jax.Device

    Raises
    ------
    TypeError
        Anything else (a string, a bool, an empty list, a list holding something other than devices).
    ValueError
        A count below 1 or above the visible devices; a device that is not visible
        (another backend's, or a stale one); a device listed twice; a mesh with several axes.

    Examples
    --------
    >>> import jax
    >>> from fepnet.sharding import resolve_devices
    >>> resolve_devices(1) == jax.devices()[:1]
    True
    >>> resolve_devices(0)
    Traceback (most recent call last):
    ...
    ValueError: devices must be at least 1, got 0
    """
    if devices is None:
        return list(jax.devices())
    if isinstance(devices, Mesh):
        if len(devices.axis_names) != 1:
            raise ValueError(f"devices: a Mesh must have one axis, got axes {tuple(devices.axis_names)}")
        devices = list(devices.devices.flat)
    elif isinstance(devices, (bool, np.bool_)):
        raise TypeError("devices must be None, a count, a sequence of jax.Device or a one-axis Mesh, got a bool")
    elif isinstance(devices, (int, np.integer)):
        available = jax.devices()
        count = int(devices)
        if count < 1:
            raise ValueError(f"devices must be at least 1, got {count}")
        if count > len(available):
            raise ValueError(f"devices={count} but only {len(available)} {available[0].platform} device(s) are "
                             "visible (on CPU, more host devices: XLA_FLAGS=--xla_force_host_platform_device_count=N "
                             "or jax.config.update('jax_num_cpu_devices', N) before JAX starts)")
        return list(available[:count])
    elif isinstance(devices, (str, bytes)) or not hasattr(devices, "__iter__"):
        raise TypeError(f"devices must be None, a count, a sequence of jax.Device or a one-axis Mesh, "
                        f"got {type(devices).__name__}")
    devices = list(devices)
    if not devices:
        raise TypeError("devices must be None, a count, a non-empty sequence of jax.Device or a one-axis Mesh, "
                        "got an empty sequence")
    bad = [d for d in devices if not isinstance(d, jax.Device)]
    if bad:
        raise TypeError(f"devices must hold jax.Device objects (jax.devices()), got {type(bad[0]).__name__}")
    visible = set(jax.devices())
    missing = [d for d in devices if d not in visible]
    if missing:
        raise ValueError(f"devices: {missing[0]} is not one of the visible devices {jax.devices()}")
    if len(set(devices)) != len(devices):
        repeated = next(d for i, d in enumerate(devices) if d in devices[:i])
        raise ValueError(f"devices: {repeated} is listed twice")
    return devices


def row_mesh(devices) -> Mesh | None:
    """The one-axis mesh that J's rows are split over, or None for ``devices=None`` (no sharding).

    Parameters
    ----------
    devices : None, int, sequence of jax.Device or jax.sharding.Mesh
        As in :func:`resolve_devices`, except that None means "do not shard" here; a one-axis
        Mesh is used as it is (its axis name kept).

    Returns
    -------
    jax.sharding.Mesh or None
        A mesh with the axis :data:`AXIS` (``"rows"``) over the devices.

    Raises
    ------
    TypeError, ValueError
        As for :func:`resolve_devices`.

    Examples
    --------
    >>> from fepnet.sharding import row_mesh
    >>> row_mesh(1).axis_names, row_mesh(None)
    (('rows',), None)
    """
    if devices is None:
        return None
    if isinstance(devices, Mesh):
        resolve_devices(devices)  # one axis, visible devices
        return devices
    return Mesh(np.asarray(resolve_devices(devices)), (AXIS,))


def rows(mesh: Mesh) -> NamedSharding:
    """The layout of (N, N) arrays split by rows over ``mesh``: ``P(axis, None)``.

    Parameters
    ----------
    mesh : jax.sharding.Mesh
        A one-axis mesh (:func:`row_mesh`).

    Returns
    -------
    jax.sharding.NamedSharding

    Examples
    --------
    >>> from fepnet.sharding import row_mesh, rows
    >>> tuple(rows(row_mesh(1)).spec)
    ('rows', None)
    """
    return NamedSharding(mesh, PartitionSpec(mesh.axis_names[0], None))


def nodes(mesh: Mesh) -> NamedSharding:
    """The layout of (N,) arrays split by node, like J's rows: ``P(axis)``.

    Parameters
    ----------
    mesh : jax.sharding.Mesh
        A one-axis mesh (:func:`row_mesh`).

    Returns
    -------
    jax.sharding.NamedSharding

    Examples
    --------
    >>> from fepnet.sharding import row_mesh, nodes
    >>> tuple(nodes(row_mesh(1)).spec)
    ('rows',)
    """
    return NamedSharding(mesh, PartitionSpec(mesh.axis_names[0]))


def batch_of_nodes(mesh: Mesh) -> NamedSharding:
    """The layout of (B, N) batches of states split by node: ``P(None, axis)``.

    Parameters
    ----------
    mesh : jax.sharding.Mesh
        A one-axis mesh (:func:`row_mesh`).

    Returns
    -------
    jax.sharding.NamedSharding

    Examples
    --------
    >>> from fepnet.sharding import row_mesh, batch_of_nodes
    >>> tuple(batch_of_nodes(row_mesh(1)).spec)
    (None, 'rows')
    """
    return NamedSharding(mesh, PartitionSpec(None, mesh.axis_names[0]))


def replicated(mesh: Mesh) -> NamedSharding:
    """The layout of arrays held whole by every device: ``P()``.

    Parameters
    ----------
    mesh : jax.sharding.Mesh
        A one-axis mesh (:func:`row_mesh`).

    Returns
    -------
    jax.sharding.NamedSharding

    Examples
    --------
    >>> from fepnet.sharding import row_mesh, replicated
    >>> tuple(replicated(row_mesh(1)).spec)
    ()
    """
    return NamedSharding(mesh, PartitionSpec())


def is_global(x) -> bool:
    """Whether ``x`` is a jax.Array with shards in other processes (``jax.distributed``): no host copy exists.

    Parameters
    ----------
    x : object
        Anything; traced values and non-arrays give False.

    Returns
    -------
    bool

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.sharding import is_global
    >>> is_global(jnp.zeros(3)), is_global([1, 2])
    (False, False)
    """
    return isinstance(x, jax.Array) and not isinstance(x, jax.core.Tracer) and not x.is_fully_addressable


def put(x, sharding: NamedSharding) -> jax.Array:
    """``x`` laid out by ``sharding``, never whole on one device on the way.

    A jax.Array already laid out so is returned as it is; a global array (other processes hold
    shards) is re-laid out by a jitted identity; otherwise each device receives its own slice of
    ``x`` (in several processes every process passes the same values and keeps its devices' slices).
    A traced value (the caller's ``jit`` / ``vmap``) gets ``with_sharding_constraint``.

    Parameters
    ----------
    x : array_like or jax.Array
        Host data (NumPy), a jax.Array, or a traced value.
    sharding : jax.sharding.NamedSharding
        The layout (:func:`rows`, :func:`nodes`, ...).

    Returns
    -------
    jax.Array
        ``x``'s values, laid out by ``sharding``.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.sharding import put, row_mesh, rows
    >>> J = put(np.eye(2, dtype=np.float32), rows(row_mesh(1)))
    >>> tuple(J.sharding.spec), J.shape
    (('rows', None), (2, 2))
    """
    if isinstance(x, jax.core.Tracer):  # inside the caller's jit / vmap: a constraint on the traced value
        return jax.lax.with_sharding_constraint(x, sharding)
    if isinstance(x, jax.Array) and x.sharding.is_equivalent_to(sharding, x.ndim):
        return x
    if is_global(x):
        return jax.jit(lambda a: a, out_shardings=sharding)(x)
    if jax.process_count() == 1 and isinstance(x, jax.Array):
        return jax.device_put(x, sharding)
    x = x if isinstance(x, jax.Array) else np.asarray(x)
    return jax.make_array_from_callback(x.shape, sharding, lambda index: x[index])


def zeros(shape, dtype, sharding: NamedSharding) -> jax.Array:
    """An all-zero array made in place by ``sharding`` (each device allocates only its slice).

    Parameters
    ----------
    shape : tuple of int
        The global shape.
    dtype : numpy dtype
        The element type.
    sharding : jax.sharding.NamedSharding
        The layout.

    Returns
    -------
    jax.Array

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.sharding import row_mesh, rows, zeros
    >>> tuple(zeros((4, 4), jnp.float32, rows(row_mesh(1))).sharding.spec)
    ('rows', None)
    """
    return jax.jit(partial(jnp.zeros, tuple(shape), dtype), out_shardings=sharding)()
