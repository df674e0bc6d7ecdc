"""A sweep's result as an ``xarray.Dataset``, and its lossless netCDF-4 file.

Variables: :data:`METRICS` over the grid's dimensions (its swept settings in
``SETTINGS`` order, then ``seed``), plus ``couplings`` (..., target, source)
when kept. Attributes: how the run went, the fixed settings (``fixed_<name>``),
the swept names (``swept``) and the evaluation (``evaluation_<field>``).
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from ..infra.files import atomic_path
from .evaluation import Evaluation
from .grid import SweepGrid

__all__ = ["METRICS", "sweep_dataset", "save_sweep", "load_sweep"]

#: The result variables of a sweep, per network and epoch checkpoint: name -> (long name, units), stored by
#: :func:`sweep_dataset` as each variable's ``long_name`` and ``units`` attributes.
METRICS = {
    "retrieval": ("retrieval score: median corr(response, original)^2 - corr(noisy, original)^2", "1"),
    "generalization": ("one-shot generalisation score on unseen test patterns", "1"),
    "n_attractors": ("distinct deterministic attractors reached from the training patterns (-1: couplings not "
                     "finite)", "1"),
    "orthogonality": ("mean |90 - angle| between distinct attractors (NaN: fewer than two directions)", "degree"),
    "converged_fraction": ("fraction of attractor relaxations that reached a fixed point", "1"),
    "asymmetry": ("||J - J^T||_F / ||J||_F of the learned couplings", "1"),
    "coupling_norm": ("||J||_F of the learned couplings", "1"),
}
_COUPLINGS = {"long_name": "learned couplings J[target, source] (weight from source to target)", "units": "1"}
_ARRAY_ATTRS = "fepnet_array_attrs"  # the attributes save_sweep stores as arrays


def sweep_dataset(values: dict, grid: SweepGrid, network_shape: tuple, checkpoints: tuple, attrs: dict,
                  evaluation: Evaluation):
    """Assemble a sweep's per-network results into its Dataset.

    Parameters
    ----------
    values : dict of str to numpy.ndarray, shape (B, C, ...)
        Every metric of :data:`METRICS` (and ``couplings``, (B, C, N, N), if kept), per trained
        network (C order over ``network_shape``) and checkpoint (``checkpoints`` order).
    grid : SweepGrid
    network_shape : tuple of int
        The trained networks' shape (:attr:`fepnet.sweep.grid.NetworkTable.shape`), B = prod.
    checkpoints : tuple of int
        The sorted epoch counts of axis 1.
    attrs : dict
        How the run went; the fixed settings, the swept names and the evaluation are added after them.
    evaluation : Evaluation

    Returns
    -------
    xarray.Dataset
        Dimensions: the grid's swept settings (``n_epochs`` in the order given), then ``seed``.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.sweep import METRICS, Evaluation, SweepGrid
    >>> from fepnet.sweep.dataset import sweep_dataset
    >>> grid = SweepGrid(evidence_level=(1.0, 2.0), inverse_temperature=1.0)
    >>> values = {name: np.zeros((2, 1)) for name in METRICS}  # 2 networks, 1 checkpoint
    >>> ds = sweep_dataset(values, grid, (2, 1), (5000,), {"title": "demo"}, Evaluation())
    >>> ds["retrieval"].dims, ds.attrs["swept"], ds.attrs["fixed_n_epochs"]
    (('evidence_level', 'seed'), 'evidence_level', 5000)
    """
    import xarray as xr

    swept = grid.swept
    n_ckpt = len(checkpoints)

    def to_grid(x):
        """(n_net, C, ...) -> the result's dimension order (swept settings, seed, ...)."""
        x = x.reshape(network_shape + (n_ckpt,) + x.shape[2:])
        axis = len(network_shape)
        if "n_epochs" not in swept:
            return np.take(x, 0, axis=axis)
        x = np.take(x, [checkpoints.index(e) for e in grid.values("n_epochs")], axis=axis)
        return np.moveaxis(x, axis, list(swept).index("n_epochs"))

    coords = {d: np.asarray(vals) for d, vals in swept.items()}
    coords["seed"] = np.asarray(grid.seeds, np.int64)
    dims = list(grid.dims)
    data_vars = {}
    for name, (long_name, units) in METRICS.items():
        data_vars[name] = xr.Variable(dims, to_grid(values[name]), {"long_name": long_name, "units": units})
    if "couplings" in values:
        data_vars["couplings"] = xr.Variable(dims + ["target", "source"], to_grid(values["couplings"]),
                                             dict(_COUPLINGS))
    attrs = dict(attrs)
    attrs.update({f"fixed_{name}": value for name, value in grid.fixed.items()})
    attrs["swept"] = ",".join(swept) if swept else ""
    attrs.update({f"evaluation_{f.name}": getattr(evaluation, f.name) for f in dataclasses.fields(evaluation)})
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def save_sweep(ds, path) -> None:
    """Write a sweep result to netCDF-4 (h5netcdf) atomically; :func:`load_sweep` reads it back exactly.

    Parameters
    ----------
    ds : xarray.Dataset
        A :func:`~fepnet.sweep.run_sweep` result.
    path : str or os.PathLike
        The file; its directory must exist. An interrupted write leaves no partial file.

    Returns
    -------
    None

    Raises
    ------
    TypeError
        ``ds`` is not a Dataset.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from fepnet.sweep import METRICS, Evaluation, SweepGrid, load_sweep, save_sweep
    >>> from fepnet.sweep.dataset import sweep_dataset
    >>> grid = SweepGrid(evidence_level=(1.0, 2.0), inverse_temperature=1.0)
    >>> ds = sweep_dataset({m: np.zeros((2, 1)) for m in METRICS}, grid, (2, 1), (5000,), {}, Evaluation())
    >>> with tempfile.TemporaryDirectory() as d:
    ...     save_sweep(ds, os.path.join(d, "sweep.nc"))
    ...     load_sweep(os.path.join(d, "sweep.nc")).identical(ds)
    True
    """
    import xarray as xr

    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"ds must be an xarray.Dataset, got {type(ds).__name__}")
    # netCDF reads a one-element array attribute back as a scalar: name such attributes so
    # load_sweep restores their shape (e.g. ``seeds`` of a one-seed sweep)
    arrays = [k for k, v in ds.attrs.items() if isinstance(v, (np.ndarray, list, tuple)) and np.size(v) == 1]
    stored = ds.copy(deep=False)
    if arrays:  # only then: other files stay exactly as xarray writes them
        stored.attrs = {**ds.attrs, _ARRAY_ATTRS: ",".join(arrays)}
    with atomic_path(os.fspath(path)) as tmp:
        stored.to_netcdf(tmp, engine="h5netcdf")


def load_sweep(path):
    """Read a sweep result written by :func:`save_sweep` (fully into memory, file closed).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    TypeError
        ``path`` is not a str or os.PathLike.
    FileNotFoundError
        No file at ``path``.
    ImportError
        h5netcdf, the netCDF-4 reader, is not installed.
    ValueError
        "not a fepnet sweep file: <path> (<why>)": not netCDF-4 / HDF5, unreadable, or netCDF
        without any of the sweep's metrics.

    Examples
    --------
    See :func:`save_sweep`; a file that is not a sweep is refused:

    >>> import os, tempfile
    >>> from fepnet.sweep import load_sweep
    >>> with tempfile.TemporaryDirectory() as d:
    ...     load_sweep(d)
    Traceback (most recent call last):
    ...
    ValueError: not a fepnet sweep file: ... (a directory)
    """
    import xarray as xr

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no sweep file at {path}")
    if os.path.isdir(path):
        raise ValueError(f"not a fepnet sweep file: {path} (a directory)")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            ds = ds.load()
    except ImportError as exc:  # the reader is missing: say so, the file may be fine
        raise ImportError(f"reading {path} needs h5netcdf (pip install h5netcdf): {exc}") from None
    except Exception as exc:  # h5py / h5netcdf / xarray: OSError, ValueError, KeyError, ...
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"not a fepnet sweep file: {path} ({why})") from None
    if not any(name in ds.data_vars for name in METRICS):
        raise ValueError(f"not a fepnet sweep file: {path} (none of the sweep's metrics {', '.join(METRICS)})")
    arrays = ds.attrs.pop(_ARRAY_ATTRS, "")
    for name in filter(None, str(arrays).split(",")):
        if name in ds.attrs:
            ds.attrs[name] = np.atleast_1d(ds.attrs[name])
    return ds
