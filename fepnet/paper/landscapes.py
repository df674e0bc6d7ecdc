"""Learning-regime landscapes of a sweep (the paper's Figure 3A) and the files ``fepnet sweep`` writes.

A landscape is one metric of a :func:`fepnet.run_sweep` result over evidence
level x inverse temperature, averaged over seeds (and over any other swept
setting). The summary records the best grid points, the paper's three named
networks at their nearest grid points next to the published numbers, and the
qualitative checks of SPEC §5: retrieval best at iT between 0.1 and 0.5,
generalisation preferring iT < 0.1.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from .. import figures
from ..infra.files import write_json
from ..infra.resources import peak_rss_mb
from .protocols import NETWORKS, PUBLISHED

__all__ = [
    "LANDSCAPES",
    "landscape",
    "plot_profiles",
    "best_point",
    "named_networks",
    "qualitative_checks",
    "summarize_sweep",
    "write_sweep",
    "format_sweep",
]

LANDSCAPES = ("retrieval", "generalization", "orthogonality", "n_attractors")
TITLES = {
    "retrieval": "retrieval",
    "generalization": "generalization",
    "orthogonality": "orthogonality (|90 - angle|, degrees)",
    "n_attractors": "n_attractors",
}
AXES = ("evidence_level", "inverse_temperature")
RETRIEVAL_RANGE = (0.1, 0.5)  # SPEC §5: retrieval best at iT between 0.1 and 0.5
GENERALIZATION_BELOW = 0.1  # SPEC §5: generalisation prefers iT < 0.1


def _check(ds, metric):
    if metric not in ds.data_vars:
        raise ValueError(f"metric must be one of {sorted(ds.data_vars)}, got {metric!r}")


def _values(ds, metric):
    """The metric as floats; a count of -1 (couplings not finite) becomes NaN."""
    x = ds[metric].astype(float)
    return x.where(x >= 0) if metric == "n_attractors" else x


def _mean_over(x, keep):
    """Mean over seeds and over every dimension not in ``keep`` (NaN-aware: cells with no value stay NaN)."""
    import warnings

    other = [d for d in x.dims if d not in keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells (orthogonality with one attractor)
        return x.mean(other, skipna=True) if other else x


def landscape(ds, metric: str):
    """The metric over (inverse_temperature, evidence_level): a DataArray averaged over the other dimensions."""
    _check(ds, metric)
    missing = [d for d in AXES if d not in ds.dims]
    if missing:
        raise ValueError(f"a landscape needs swept {AXES}; {missing} not swept")
    return _mean_over(_values(ds, metric), AXES).transpose("inverse_temperature", "evidence_level")


def _setting(ds, name, index):
    return float(ds[name].values[index[name]]) if name in ds.dims else float(ds.attrs[f"fixed_{name}"])


def best_point(ds, metric: str) -> dict:
    """The grid point with the highest seed-mean value: {"evidence_level", "inverse_temperature", "value"},
    plus any other swept setting; None if the metric has no finite value."""
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
    """The paper's balanced / high / low networks at their nearest grid points (when inside the grid's
    range): seed-mean metrics, the grid point, and the published numbers."""
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
            value = float(np.nanmean(_values(cell, metric).values)) if np.any(np.isfinite(_values(cell, metric))) else None
            entry[metric] = value if value is not None and np.isfinite(value) else None
        entry["published"] = PUBLISHED["sim2"][name]
        result[name] = entry
    return result


def qualitative_checks(ds) -> dict:
    """SPEC §5's landscape claims, measured: the iT of the best retrieval (in [0.1, 0.5]?) and of the best
    generalisation (below 0.1, and below retrieval's?). Empty unless both axes are swept."""
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
    """The ``summary.json`` of ``fepnet sweep``."""
    swept = [d for d in ds.dims if d in ds.coords and d not in ("seed", "target", "source")]
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


def plot_profiles(ds):
    """Retrieval and generalisation against inverse temperature: for each iT the best evidence level
    (seed mean), with SPEC §5's retrieval band (0.1-0.5) shaded and the iT < 0.1 region marked."""
    plt = figures._pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    it = ds["inverse_temperature"].values
    for metric, colour in (("retrieval", "C0"), ("generalization", "C3")):
        best = landscape(ds, metric).max("evidence_level")
        ax.plot(it, best.values, "o-", color=colour, ms=4, label=f"{metric} (best evidence level)")
        i = int(np.nanargmax(best.values))
        ax.plot(it[i], best.values[i], "*", color=colour, ms=13, mec="white")
    ax.axvspan(*RETRIEVAL_RANGE, color="C0", alpha=0.1, label="paper: retrieval best here")
    ax.axvline(GENERALIZATION_BELOW, color="C3", ls=":", lw=1, label="paper: generalisation prefers iT < 0.1")
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("inverse temperature")
    ax.set_ylabel("score")
    ax.set_title("Scores against temperature")
    ax.legend(fontsize=7, loc="lower left")
    return fig


def _figures(ds, out) -> list:
    """The four landscapes (one figure each and a 2 x 2 panel), or line plots when only one setting is swept."""
    if all(d in ds.dims and ds.sizes[d] >= 2 for d in AXES):
        panels = {TITLES[m]: landscape(ds, m).values for m in LANDSCAPES}
        x, y = ds["evidence_level"].values, ds["inverse_temperature"].values
        markers = {name: (e, t) for name, (e, t) in NETWORKS.items()
                   if x.min() <= e <= x.max() and y.min() <= t <= y.max()}
        best = {}
        for m in LANDSCAPES:
            p = best_point(ds, m) if m in ("retrieval", "generalization") else None
            if p is not None:
                best[TITLES[m]] = (p["evidence_level"], p["inverse_temperature"])
        n_seeds = ds.sizes["seed"]
        note = f"mean over {n_seeds} seeds" if n_seeds > 1 else "one seed"
        files = []
        fig = figures.plot_landscapes(panels, x, y, markers=markers, best=best,
                                      suptitle=f"Learning-regime landscapes ({ds.sizes['evidence_level'] * ds.sizes['inverse_temperature']} networks, {note})")
        figures.save_figure(fig, os.path.join(out, "landscapes.png"))
        files.append("landscapes.png")
        for m in LANDSCAPES:
            t = TITLES[m]
            fig = figures.plot_landscapes({t: panels[t]}, x, y, markers=markers,
                                          best={t: best[t]} if t in best else None, ncols=1)
            figures.save_figure(fig, os.path.join(out, f"landscape_{m}.png"))
            files.append(f"landscape_{m}.png")
        figures.save_figure(plot_profiles(ds), os.path.join(out, "profiles.png"))
        return files + ["profiles.png"]
    swept = [d for d in ds.dims if d in ds.coords and d not in ("seed", "target", "source")]
    if not swept:
        return []
    dim = swept[0]
    plt = figures._pyplot()
    fig, axes = plt.subplots(1, len(LANDSCAPES), figsize=(4.2 * len(LANDSCAPES), 3.6), layout="constrained")
    for ax, m in zip(axes, LANDSCAPES):
        mean = _mean_over(_values(ds, m), [dim])
        ax.plot(ds[dim].values, mean.values, "o-")
        ax.set_xlabel(dim.replace("_", " "))
        ax.set_title(TITLES[m])
        if dim in ("inverse_temperature", "learning_rate"):
            ax.set_xscale("log")
    figures.save_figure(fig, os.path.join(out, "profiles.png"))
    return ["profiles.png"]


def write_sweep(ds, out, *, started: float | None = None, make_figures: bool = True) -> dict:
    """Write ``out/sweep.nc``, the figures and ``out/summary.json`` (last); return the summary.

    ``wall_s`` runs from ``started`` (a ``time.perf_counter()`` value; default: the sweep's own
    wall time) to just before the summary is written; ``peak_rss_mb`` is this process's peak so far.
    """
    from ..sweep import save_sweep

    os.makedirs(out, exist_ok=True)
    save_sweep(ds, os.path.join(out, "sweep.nc"))
    files = ["sweep.nc"] + (_figures(ds, out) if make_figures else [])
    wall_s = time.perf_counter() - started if started is not None else float(ds.attrs["wall_s"])
    summary = summarize_sweep(ds, wall_s=wall_s, peak_rss_mb=peak_rss_mb())
    summary["files"] = files + ["summary.json"]
    return write_json(os.path.join(out, "summary.json"), summary)


def _fmt_point(p) -> str:
    if p is None:
        return "none (no finite value)"
    extra = ", ".join(f"{k} {v:g}" for k, v in p.items() if k not in ("evidence_level", "inverse_temperature", "value"))
    return (f"{p['value']:.3f} at evidence {p['evidence_level']:g}, iT {p['inverse_temperature']:.4g}"
            + (f" ({extra})" if extra else ""))


def format_sweep(summary: dict, out: str | None = None) -> str:
    """A short text report of a sweep summary."""
    lines = [
        f"fepnet sweep: {summary['n_networks']} networks x {summary['steps_per_network']:,} training steps "
        f"in {summary['wall_s']:.1f} s ({summary['network_steps_per_s']:,.0f} network-steps/s on "
        f"{summary['n_devices']} device(s), {summary['n_chunks']} chunk{'s' * (summary['n_chunks'] != 1)} of "
        f"{summary['chunk_size']}); "
        f"peak memory {summary['peak_rss_mb']:,.0f} MiB",
        f"  best retrieval:       {_fmt_point(summary['best_retrieval'])}",
        f"  best generalization:  {_fmt_point(summary['best_generalization'])}",
    ]
    if summary["named_networks"]:
        lines.append("  named networks (nearest grid point; published in brackets):")
        for name, e in summary["named_networks"].items():
            cells = []
            for m in LANDSCAPES:
                value, pub = e[m], e["published"].get(m)
                text = "n/a" if value is None else (f"{value:.3g}" if m != "n_attractors" else f"{value:.1f}")
                cells.append(f"{m} {text}" + (f" [{pub}]" if pub is not None else ""))
            gp = e["grid_point"]
            lines.append(f"    {name:<9} (evidence {gp['evidence_level']:g}, iT {gp['inverse_temperature']:.4g}): "
                         + ", ".join(cells))
    for name, c in summary["checks"].items():
        lines.append(f"  check {name}: {'pass' if c['pass'] else 'FAIL'} (iT {c['value']:.4g})")
    if out is not None:
        lines.append(f"  wrote:                {', '.join(os.path.join(out, f) for f in summary.get('files', []))}")
    return "\n".join(lines)
