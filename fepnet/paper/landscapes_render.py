"""The figures, files and text report of a sweep's landscapes (``fepnet sweep``); no computation.

:func:`write_sweep` writes ``sweep.nc``, the figures (:func:`sweep_figures`) and
``summary.json`` (:func:`fepnet.paper.landscapes.summarize_sweep`) through an
:class:`~fepnet.infra.artifacts.Artifacts` directory; :func:`format_sweep` is
the summary as text.
"""

from __future__ import annotations

import os
import time

import numpy as np

from .. import figures
from ..infra.artifacts import Artifacts
from ..infra.plotting import subplots
from ..infra.resources import peak_rss_mb
from ..sweep import save_sweep
from .landscapes import (
    AXES,
    GENERALIZATION_BELOW,
    LANDSCAPES,
    RETRIEVAL_RANGE,
    best_point,
    landscape,
    profile,
    summarize_sweep,
    swept_settings,
)
from .protocols import NETWORKS

__all__ = ["TITLES", "plot_profiles", "sweep_figures", "write_sweep", "format_sweep"]

#: The panel title of each metric of :data:`~fepnet.paper.landscapes.LANDSCAPES`, metric -> title.
TITLES = {
    "retrieval": "retrieval",
    "generalization": "generalization",
    "orthogonality": "orthogonality (|90 - angle|, degrees)",
    "n_attractors": "n_attractors",
}


def plot_profiles(ds):
    """Retrieval and generalisation against inverse temperature, each at its best evidence level.

    For each iT the best evidence level's seed mean, the best point starred, the
    paper's retrieval band (iT 0.1-0.5) shaded and its iT < 0.1 region marked.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep result with both evidence_level and inverse_temperature swept.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = subplots(figsize=(6.4, 4.0))
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


def _landscape_figures(ds):
    """The four landscapes as a 2 x 2 panel and one figure each, then the profiles."""
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
    n_points = ds.sizes["evidence_level"] * ds.sizes["inverse_temperature"]
    yield "landscapes.png", figures.plot_landscapes(
        panels, x, y, markers=markers, best=best, suptitle=f"Learning-regime landscapes ({n_points} networks, {note})")
    for m in LANDSCAPES:
        t = TITLES[m]
        yield f"landscape_{m}.png", figures.plot_landscapes({t: panels[t]}, x, y, markers=markers,
                                                            best={t: best[t]} if t in best else None, ncols=1)
    yield "profiles.png", plot_profiles(ds)


def _line_profiles(ds, dim):
    """The four metrics against the one swept setting ``dim``."""
    fig, axes = subplots(1, len(LANDSCAPES), figsize=(4.2 * len(LANDSCAPES), 3.6))
    for ax, m in zip(axes, LANDSCAPES):
        ax.plot(ds[dim].values, profile(ds, m, dim).values, "o-")
        ax.set_xlabel(dim.replace("_", " "))
        ax.set_title(TITLES[m])
        if dim in ("inverse_temperature", "learning_rate"):
            ax.set_xscale("log")
    return fig


def sweep_figures(ds):
    """The figures of a sweep, one at a time: (file name, figure) pairs.

    Both landscape axes swept (at least two values each): ``landscapes.png``
    (a 2 x 2 panel), ``landscape_<metric>.png`` for each of
    :data:`~fepnet.paper.landscapes.LANDSCAPES`, then ``profiles.png``
    (:func:`plot_profiles`). Otherwise, with a swept setting, ``profiles.png``:
    the metrics against the first one; with none, nothing.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep result.

    Yields
    ------
    (str, matplotlib.figure.Figure)
        Each figure is made only when the previous one has been taken, so a caller that
        saves (and closes) each in turn holds one figure at a time.
    """
    if all(d in ds.dims and ds.sizes[d] >= 2 for d in AXES):
        yield from _landscape_figures(ds)
        return
    swept = swept_settings(ds)
    if swept:
        yield "profiles.png", _line_profiles(ds, swept[0])


def write_sweep(ds, out, *, started: float | None = None, make_figures: bool = True) -> dict:
    """Write ``sweep.nc``, the figures and ``summary.json`` (last) into ``out``; return the summary.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep result.
    out : Artifacts or str or os.PathLike
        The output directory (a path is checked and created by :class:`Artifacts`).
    started : float, optional
        A ``time.perf_counter()`` value: ``wall_s`` runs from it to just before the summary is
        written. Default: the sweep's own wall time.
    make_figures : bool
        Draw the figures (:func:`sweep_figures`).

    Returns
    -------
    dict
        The summary as read back from ``summary.json``; ``files`` lists the names written, in order,
        ``peak_rss_mb`` is this process's peak so far.
    """
    out = out if isinstance(out, Artifacts) else Artifacts(out)
    save_sweep(ds, out.path("sweep.nc"))  # atomic
    out.record("sweep.nc")
    names = ["sweep.nc"]
    for name, fig in sweep_figures(ds) if make_figures else ():
        out.figure(name, fig)
        names.append(name)
    wall_s = time.perf_counter() - started if started is not None else float(ds.attrs["wall_s"])
    summary = summarize_sweep(ds, wall_s=wall_s, peak_rss_mb=peak_rss_mb())
    summary["files"] = names + ["summary.json"]
    return out.json("summary.json", summary, safe=False)


def _fmt_point(p) -> str:
    if p is None:
        return "none (no finite value)"
    extra = ", ".join(f"{k} {v:g}" for k, v in p.items() if k not in ("evidence_level", "inverse_temperature", "value"))
    return (f"{p['value']:.3f} at evidence {p['evidence_level']:g}, iT {p['inverse_temperature']:.4g}"
            + (f" ({extra})" if extra else ""))


def format_sweep(summary: dict, out: str | None = None) -> str:
    """A short text report of a sweep summary.

    Parameters
    ----------
    summary : dict
        From :func:`write_sweep` (or :func:`~fepnet.paper.landscapes.summarize_sweep` plus ``files``).
    out : str, optional
        The output directory: adds a line naming the files written there.

    Returns
    -------
    str
    """
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
