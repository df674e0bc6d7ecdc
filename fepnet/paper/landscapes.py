"""Learning-regime landscapes of a sweep (the paper's Figure 3A) and the summary of ``fepnet sweep``: pure.

A landscape is one metric of a :func:`fepnet.sweep.run_sweep` result over
evidence level x inverse temperature, averaged over seeds (and over any other
swept setting). The summary records the best grid points, the paper's three
named networks at their nearest grid points next to the published numbers, and
the paper's qualitative claims about Simulation 2, measured: retrieval best at
iT between 0.1 and 0.5, generalisation preferring iT < 0.1. Figures, files and
text are :mod:`fepnet.paper.landscapes_render`.
"""

from __future__ import annotations

import warnings

import numpy as np

from .protocols import NETWORKS, PUBLISHED

__all__ = [
    "LANDSCAPES",
    "AXES",
    "RETRIEVAL_RANGE",
    "GENERALIZATION_BELOW",
    "swept_settings",
    "landscape",
    "profile",
    "best_point",
    "named_networks",
    "qualitative_checks",
    "summarize_sweep",
]

#: The sweep metrics drawn as landscapes and reported per named network, in figure order.
LANDSCAPES = ("retrieval", "generalization", "orthogonality", "n_attractors")
#: The two settings a landscape spans (its x and y axes); both must be swept for landscapes and checks.
AXES = ("evidence_level", "inverse_temperature")
#: ``(low, high)`` inverse temperatures: the paper's Simulation 2 finds retrieval best for iT in this closed range;
#: :func:`qualitative_checks` tests the best retrieval's iT against it.
RETRIEVAL_RANGE = (0.1, 0.5)  # the paper: retrieval is best at iT between 0.1 and 0.5
#: The inverse temperature below which the paper's Simulation 2 finds generalisation best; :func:`qualitative_checks`
#: tests the best generalisation's iT against it (strictly below).
GENERALIZATION_BELOW = 0.1  # the paper: generalisation prefers iT < 0.1


def _check(ds, metric):
    if metric not in ds.data_vars:
        raise ValueError(f"metric must be one of {sorted(ds.data_vars)}, got {metric!r}")


def _values(ds, metric):
    """The metric as floats; a count of -1 (couplings not finite) becomes NaN."""
    x = ds[metric].astype(float)
    return x.where(x >= 0) if metric == "n_attractors" else x


def _mean_over(x, keep):
    """Mean over seeds and over every dimension not in ``keep`` (NaN-aware: cells with no value stay NaN)."""
    other = [d for d in x.dims if d not in keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells (orthogonality with one attractor)
        return x.mean(other, skipna=True) if other else x


def swept_settings(ds) -> list:
    """The swept settings of a sweep result: its dimensions with coordinates, except seed, target and source.

    Parameters
    ----------
    ds : xarray.Dataset
        A :func:`fepnet.sweep.run_sweep` result.

    Returns
    -------
    list of str
        Dimension names, in the dataset's order.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from fepnet.paper import landscapes
    >>> dims = ("seed", "evidence_level", "inverse_temperature")
    >>> ds = xr.Dataset({m: (dims, np.arange(8.0).reshape(2, 2, 2)) for m in landscapes.LANDSCAPES},
    ...                 coords={"seed": [0, 1], "evidence_level": [6.0, 11.0], "inverse_temperature": [0.05, 0.2]})
    >>> landscapes.swept_settings(ds)
    ['evidence_level', 'inverse_temperature']
    """
    return [d for d in ds.dims if d in ds.coords and d not in ("seed", "target", "source")]


def landscape(ds, metric: str):
    """The metric over (inverse_temperature, evidence_level), averaged over the other dimensions.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep result with both evidence_level and inverse_temperature swept.
    metric : str
        One of its variables; an ``n_attractors`` of -1 (couplings not finite) counts as missing.

    Returns
    -------
    xarray.DataArray, dims (inverse_temperature, evidence_level)
        NaN-aware mean over seeds and any other swept setting.

    Raises
    ------
    ValueError
        An unknown metric, or an axis not swept.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from fepnet.paper import landscapes
    >>> dims = ("seed", "evidence_level", "inverse_temperature")
    >>> ds = xr.Dataset({m: (dims, np.arange(8.0).reshape(2, 2, 2)) for m in landscapes.LANDSCAPES},
    ...                 coords={"seed": [0, 1], "evidence_level": [6.0, 11.0], "inverse_temperature": [0.05, 0.2]})
    >>> landscapes.landscape(ds, "retrieval").values.tolist()
    [[2.0, 4.0], [3.0, 5.0]]
    """
    _check(ds, metric)
    missing = [d for d in AXES if d not in ds.dims]
    if missing:
        raise ValueError(f"a landscape needs swept {AXES}; {missing} not swept")
    return _mean_over(_values(ds, metric), AXES).transpose("inverse_temperature", "evidence_level")


def profile(ds, metric: str, dim: str):
    """The metric against one setting ``dim``, averaged (NaN-aware) over seeds and every other dimension.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep result.
    metric : str
        One of its variables (an ``n_attractors`` of -1 counts as missing).
    dim : str
        A swept setting of ``ds``.

    Returns
    -------
    xarray.DataArray, dims (dim,)
        The NaN-aware mean.

    Raises
    ------
    ValueError
        An unknown metric.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from fepnet.paper import landscapes
    >>> dims = ("seed", "evidence_level", "inverse_temperature")
    >>> ds = xr.Dataset({m: (dims, np.arange(8.0).reshape(2, 2, 2)) for m in landscapes.LANDSCAPES},
    ...                 coords={"seed": [0, 1], "evidence_level": [6.0, 11.0], "inverse_temperature": [0.05, 0.2]})
    >>> landscapes.profile(ds, "retrieval", "inverse_temperature").values.tolist()
    [3.0, 4.0]
    """
    _check(ds, metric)
    return _mean_over(_values(ds, metric), [dim])


def _setting(ds, name, index):
    return float(ds[name].values[index[name]]) if name in ds.dims else float(ds.attrs[f"fixed_{name}"])


def best_point(ds, metric: str) -> dict:
    """The grid point with the highest seed-mean value of ``metric``.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep result (a fixed evidence level or inverse temperature is read from ``fixed_<name>``).
    metric : str
        One of its variables.

    Returns
    -------
    dict or None
        {"evidence_level", "inverse_temperature", "value"} plus any other swept setting;
        None if the metric has no finite value.

    Raises
    ------
    ValueError
        An unknown metric.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from fepnet.paper import landscapes
    >>> dims = ("seed", "evidence_level", "inverse_temperature")
    >>> ds = xr.Dataset({m: (dims, np.arange(8.0).reshape(2, 2, 2)) for m in landscapes.LANDSCAPES},
    ...                 coords={"seed": [0, 1], "evidence_level": [6.0, 11.0], "inverse_temperature": [0.05, 0.2]})
    >>> landscapes.best_point(ds, "retrieval")
    {'evidence_level': 11.0, 'inverse_temperature': 0.2, 'value': 5.0}
    """
    _check(ds, metric)
    mean = _mean_over(_values(ds, metric), [d for d in ds[metric].dims if d != "seed"])
    values = np.asarray(mean.values, dtype=float)
    if not np.any(np.isfinite(values)):
        return None
    flat = int(np.nanargmax(values))
    index = dict(zip(mean.dims, np.unravel_index(flat, values.shape)))
    point = {name: _setting(ds, name, index) for name in AXES}
    point["value"] = float(values.flat[flat])
    for name in mean.dims:
        if name not in AXES:
            point[name] = ds[name].values[index[name]].item()
    return point


def named_networks(ds) -> dict:
    """The paper's balanced / high / low networks at their nearest grid points (when inside the grid's range).

    Nearest: ``|evidence - e|`` and ``|log iT - log t|`` smallest.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep result; its cells' seed means are read at the named networks' grid points.

    Returns
    -------
    dict
        name -> {"grid_point", each of :data:`LANDSCAPES` (seed mean, None if not finite), "published"};
        empty unless both axes are swept.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from fepnet.paper import landscapes
    >>> dims = ("seed", "evidence_level", "inverse_temperature")
    >>> ds = xr.Dataset({m: (dims, np.arange(8.0).reshape(2, 2, 2)) for m in landscapes.LANDSCAPES},
    ...                 coords={"seed": [0, 1], "evidence_level": [6.0, 11.0], "inverse_temperature": [0.05, 0.2]})
    >>> nets = landscapes.named_networks(ds)
    >>> list(nets), nets["balanced"]["grid_point"], nets["balanced"]["retrieval"]
    (['balanced'], {'evidence_level': 11.0, 'inverse_temperature': 0.2}, 5.0)
    """
    if any(d not in ds.dims for d in AXES):
        return {}
    level, it = ds["evidence_level"].values, ds["inverse_temperature"].values
    result = {}
    for name, (e, t) in NETWORKS.items():
        if not (level.min() <= e <= level.max() and it.min() <= t <= it.max()):
            continue
        i, j = int(np.argmin(np.abs(level - e))), int(np.argmin(np.abs(np.log(it) - np.log(t))))
        cell = ds.isel(evidence_level=i, inverse_temperature=j)
        entry = {"grid_point": {"evidence_level": float(level[i]), "inverse_temperature": float(it[j])}}
        for metric in LANDSCAPES:
            x = _values(cell, metric)
            value = float(np.nanmean(x.values)) if np.any(np.isfinite(x)) else None
            entry[metric] = value if value is not None and np.isfinite(value) else None
        entry["published"] = PUBLISHED["sim2"][name]
        result[name] = entry
    return result


def qualitative_checks(ds) -> dict:
    """The paper's landscape claims, measured on a sweep.

    The iT of the best retrieval (in [0.1, 0.5]?) and of the best generalisation
    (below 0.1, and below retrieval's?).

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep result; its best points are those of :func:`best_point`.

    Returns
    -------
    dict
        check name -> {"value", "pass"} (and "retrieval" for the comparison); empty unless both
        axes are swept with at least two values and both scores have a finite value.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from fepnet.paper import landscapes
    >>> dims = ("seed", "evidence_level", "inverse_temperature")
    >>> ds = xr.Dataset({m: (dims, np.arange(8.0).reshape(2, 2, 2)) for m in landscapes.LANDSCAPES},
    ...                 coords={"seed": [0, 1], "evidence_level": [6.0, 11.0], "inverse_temperature": [0.05, 0.2]})
    >>> {k: v["pass"] for k, v in landscapes.qualitative_checks(ds).items()}  # doctest: +NORMALIZE_WHITESPACE
    {'retrieval_best_inverse_temperature_in_0.1_0.5': True,
     'generalization_best_inverse_temperature_below_0.1': False,
     'generalization_prefers_lower_inverse_temperature_than_retrieval': False}
    """
    if any(d not in ds.dims or ds.sizes[d] < 2 for d in AXES):
        return {}
    ret, gen = best_point(ds, "retrieval"), best_point(ds, "generalization")
    if ret is None or gen is None:
        return {}
    low, high = RETRIEVAL_RANGE
    return {
        "retrieval_best_inverse_temperature_in_0.1_0.5": {
            "value": ret["inverse_temperature"], "pass": bool(low <= ret["inverse_temperature"] <= high)},
        "generalization_best_inverse_temperature_below_0.1": {
            "value": gen["inverse_temperature"], "pass": bool(gen["inverse_temperature"] < GENERALIZATION_BELOW)},
        "generalization_prefers_lower_inverse_temperature_than_retrieval": {
            "value": gen["inverse_temperature"], "retrieval": ret["inverse_temperature"],
            "pass": bool(gen["inverse_temperature"] < ret["inverse_temperature"])},
    }


def summarize_sweep(ds, *, wall_s: float, peak_rss_mb: float) -> dict:
    """The ``summary.json`` of ``fepnet sweep`` (without its ``files`` entry).

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep result of :func:`fepnet.sweep.run_sweep`, with its attributes ``wall_s``,
        ``training_steps``, ``n_devices``, ``chunk_size``, ``n_chunks`` and any ``fixed_<setting>``.
    wall_s : float
        The command's wall time, seconds.
    peak_rss_mb : float
        The process's peak memory, MiB.

    Returns
    -------
    dict
        Plain JSON values: ``wall_s``, ``peak_rss_mb``, ``n_networks``, ``steps_per_network``,
        ``best_retrieval``, ``best_generalization`` (:func:`best_point`), ``named_networks``,
        ``checks`` (:func:`qualitative_checks`), ``grid``, ``seeds``, ``fixed``, ``sweep_wall_s``,
        ``network_steps_per_s``, ``n_devices``, ``chunk_size``, ``n_chunks``.

    Raises
    ------
    KeyError
        When ``ds`` lacks one of the attributes above.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from fepnet.paper import landscapes
    >>> dims = ("seed", "evidence_level", "inverse_temperature")
    >>> ds = xr.Dataset({m: (dims, np.arange(8.0).reshape(2, 2, 2)) for m in landscapes.LANDSCAPES},
    ...                 coords={"seed": [0, 1], "evidence_level": [6.0, 11.0], "inverse_temperature": [0.05, 0.2]})
    >>> ds.attrs.update(wall_s=2.0, training_steps=800, n_devices=1, chunk_size=8, n_chunks=1,
    ...                 fixed_n_epochs=10, fixed_steps_per_epoch=10)
    >>> s = landscapes.summarize_sweep(ds, wall_s=3.0, peak_rss_mb=512.0)
    >>> s["n_networks"], s["steps_per_network"], s["network_steps_per_s"]
    (8, 100, 400.0)
    """
    swept = swept_settings(ds)
    def largest(name):
        return int(ds[name].values.max()) if name in ds.dims else int(ds.attrs[f"fixed_{name}"])

    steps = largest("n_epochs") * largest("steps_per_epoch")
    return {
        "wall_s": round(float(wall_s), 3),
        "peak_rss_mb": round(float(peak_rss_mb), 1),
        "n_networks": int(np.prod([ds.sizes[d] for d in swept + ["seed"]])),
        "steps_per_network": int(steps),
        "best_retrieval": best_point(ds, "retrieval"),
        "best_generalization": best_point(ds, "generalization"),
        "named_networks": named_networks(ds),
        "checks": qualitative_checks(ds),
        "grid": {d: ds[d].values.tolist() for d in swept},
        "seeds": ds["seed"].values.tolist(),
        "fixed": {k[len("fixed_"):]: ds.attrs[k] for k in ds.attrs if k.startswith("fixed_")},
        "sweep_wall_s": round(float(ds.attrs["wall_s"]), 3),
        "network_steps_per_s": round(ds.attrs["training_steps"] / ds.attrs["wall_s"], 1),
        "n_devices": int(ds.attrs["n_devices"]),
        "chunk_size": int(ds.attrs["chunk_size"]),
        "n_chunks": int(ds.attrs["n_chunks"]),
    }
