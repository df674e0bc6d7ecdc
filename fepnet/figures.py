"""Matplotlib figures: coupling matrices, node states as images, training traces, recall examples,
projections and correlations over time, attractor angle histograms, score boxes and parameter landscapes.

Every function takes numpy or JAX arrays and returns the matplotlib Figure (use :func:`save_figure`).
"""

from __future__ import annotations

import math

import numpy as np

from .infra.plotting import pyplot as _pyplot
from .stats import cosine_similarity, cross_correlations
from .infra.plotting import save_figure
from .infra.plotting import symmetric_limit as _sym_lim

__all__ = [
    "plot_angle_histogram",
    "plot_couplings",
    "plot_free_energy",
    "plot_landscapes",
    "plot_matrices",
    "plot_pattern_correlations",
    "plot_projections",
    "plot_recall_examples",
    "plot_score_boxes",
    "plot_state_images",
    "save_figure",
]


# ----------------------------------------------------------------------------- helpers


def _rows(name: str, x, width: int | None = None, rows: int | None = None) -> np.ndarray:
    """``x`` as a float (rows, width) array, or a ValueError naming the argument."""
    a = np.asarray(x, dtype=float)
    if a.ndim != 2 or a.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (rows, nodes); got shape {a.shape}")
    if (width is not None and a.shape[1] != width) or (rows is not None and a.shape[0] != rows):
        raise ValueError(f"{name} must have shape ({rows or 'rows'}, {width}); got shape {a.shape}")
    return a


def _labels(name: str, labels, n: int, default: str) -> list[str]:
    if labels is None:
        return [f"{default} {k}" for k in range(n)]
    labels = [str(s) for s in labels]
    if len(labels) != n:
        raise ValueError(f"{name} must have {n} entries; got {len(labels)}")
    return labels


def _heatmap(ax, matrix: np.ndarray, lim: float, title: str):
    im = ax.imshow(matrix, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.set_title(title)
    ax.set_xlabel("from node j")
    ax.set_ylabel("to node i")
    return im


def _running_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Mean over each full window of ``window`` consecutive values: (len(x) - window + 1,)."""
    return np.convolve(x, np.ones(window) / window, mode="valid")


def _line_panel(values: np.ndarray, labels, title: str, ylabel: str):
    """One line per column of values (T, K) over step t, y on [-1, 1]; returns (fig, ax)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.0), layout="constrained")
    for k, label in enumerate(labels):
        ax.plot(np.arange(values.shape[0]), values[:, k], lw=1.5, label=label)
    ax.axhline(0.0, color="0.6", lw=0.8, zorder=0)
    ax.set_ylim(-1.0, 1.0)
    ax.set_xlim(0, max(values.shape[0] - 1, 1))
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    return fig, ax


# ----------------------------------------------------------------------------- matrices


def plot_couplings(couplings, title: str = "Couplings J", ax=None):
    """Heatmap of J (diverging colour map centred on 0), with its symmetric range."""
    plt = _pyplot()
    J = np.asarray(couplings)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 4.4), layout="constrained")
    else:
        fig = ax.figure
    im = _heatmap(ax, J, _sym_lim(J), title)
    fig.colorbar(im, ax=ax, shrink=0.85, label="J[i, j]")
    return fig


def plot_matrices(matrices, titles, suptitle: str | None = None, *, shared_scale: bool = True, label: str = "J[i, j]"):
    """Side-by-side heatmaps of square matrices (each (N, N)), diverging colours centred on 0.

    ``shared_scale``: one colour bar for the max |value| over all matrices; else one per panel.
    """
    plt = _pyplot()
    mats = [np.asarray(m, dtype=float) for m in matrices]
    titles = list(titles)
    if not mats:
        raise ValueError("matrices must not be empty")
    for k, m in enumerate(mats):
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"matrices[{k}] must be square (N, N); got shape {m.shape}")
    if len(titles) != len(mats):
        raise ValueError(f"titles must have {len(mats)} entries; got {len(titles)}")
    n = len(mats)
    fig, axes = plt.subplots(1, n, figsize=(4.4 * n + 0.8, 4.2), squeeze=False, layout="constrained")
    shared = _sym_lim(*mats)
    for ax, m, t in zip(axes.flat, mats, titles):
        im = _heatmap(ax, m, shared if shared_scale else _sym_lim(m), t)
        if not shared_scale:
            fig.colorbar(im, ax=ax, shrink=0.85, label=label)
    if shared_scale:
        fig.colorbar(im, ax=axes, shrink=0.85, label=label)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


# ----------------------------------------------------------------------------- images


def plot_state_images(
    states, image_shape, titles=None, suptitle: str | None = None, ncols: int | None = None, label: str = "node state"
):
    """Show each row of ``states`` (S, N) as an image of ``image_shape`` on a shared colour scale."""
    plt = _pyplot()
    x = np.atleast_2d(np.asarray(states))
    n = x.shape[0]
    ncols = ncols or min(n, 10)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.5 * ncols, 1.7 * nrows + 0.5), squeeze=False, layout="constrained")
    lim = _sym_lim(x)
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k < n:
            im = ax.imshow(x[k].reshape(image_shape), cmap="gray", vmin=-lim, vmax=lim, interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[k], fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.colorbar(im, ax=axes, shrink=0.8, label=label)
    return fig


def plot_recall_examples(noisy, response, original, image_shape, *, row_titles=None, suptitle: str | None = None):
    """Recall examples, one row per example: noisy input, posterior mean, truth (each (R, N) as images).

    Each image has its own symmetric grey scale; the first two panels show their Pearson r with the truth.
    """
    plt = _pyplot()
    truth = _rows("original", original)
    r_rows, n = truth.shape
    if math.prod(image_shape) != n:
        raise ValueError(f"image_shape {tuple(image_shape)} does not hold {n} nodes")
    columns = {
        "noisy input": _rows("noisy", noisy, n, r_rows),
        "posterior mean": _rows("response", response, n, r_rows),
        "truth": truth,
    }
    row_titles = None if row_titles is None else _labels("row_titles", row_titles, r_rows, "")
    fig, axes = plt.subplots(r_rows, 3, figsize=(5.4, 1.9 * r_rows + 0.5), squeeze=False, layout="constrained")
    for i in range(r_rows):
        for ax, (name, a) in zip(axes[i], columns.items()):
            ax.imshow(a[i].reshape(image_shape), cmap="gray", vmin=-_sym_lim(a[i]), vmax=_sym_lim(a[i]),
                      interpolation="nearest")
            if a is not truth:
                name = f"{name}\nr = {cross_correlations(a[i:i + 1], truth[i:i + 1])[0, 0]:.2f}"
            ax.set_title(name, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
        if row_titles is not None:
            axes[i, 0].set_ylabel(row_titles[i])
    if suptitle:
        fig.suptitle(suptitle)
    return fig


# ----------------------------------------------------------------------------- traces


def plot_free_energy(
    terms, *, window: int = 50, title: str = "Variational free energy during training", xlabel: str = "training step"
):
    """F, accuracy and complexity per step (three stacked panels sharing x), raw and as a running mean.

    ``terms`` has attributes free_energy, accuracy, complexity (any shape, flattened in C order to one
    value per step); the running mean covers ``window`` steps (clipped to the length), valid part only.
    """
    plt = _pyplot()
    names = ("free_energy", "accuracy", "complexity")
    series = [np.ravel(np.asarray(getattr(terms, name), dtype=float)) for name in names]
    n = series[0].size
    if n == 0 or any(s.size != n for s in series):
        raise ValueError(f"terms must hold equally long, non-empty free_energy, accuracy, complexity; "
                         f"got lengths {[s.size for s in series]}")
    if window < 1:
        raise ValueError(f"window must be >= 1; got {window}")
    w = min(int(window), n)
    steps = np.arange(n)
    fig, axes = plt.subplots(3, 1, figsize=(7.5, 7.0), sharex=True, layout="constrained")
    ylabels = ("F (nats)", "accuracy (nats)", "complexity (nats)")
    for ax, s, ylabel, colour in zip(axes, series, ylabels, ("C0", "C2", "C3")):
        ax.plot(steps, s, color=colour, lw=0.8, alpha=0.3, label="per step")
        ax.plot(steps[w - 1:], _running_mean(s, w), color=colour, lw=2.0, label=f"running mean ({w} steps)")
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel(xlabel)
    fig.suptitle(title)
    return fig


def plot_projections(
    trajectory, attractors, *, labels=None, segments=None,
    title: str = "Projection of the network state onto the attractors",
):
    """Cosine similarity of each state of ``trajectory`` (T, N) with each attractor (A, N), over step.

    ``segments``: optional [(start_step, text), ...] marking phases with a dashed line and the text.
    """
    x = _rows("trajectory", trajectory)
    a = _rows("attractors", attractors, x.shape[1])
    fig, ax = _line_panel(cosine_similarity(x, a), _labels("labels", labels, a.shape[0], "attractor"), title, "cosine similarity")
    for start, text in segments or ():
        ax.axvline(start, color="0.3", ls="--", lw=1.0)
        ax.text(start, 0.98, f" {text}", transform=ax.get_xaxis_transform(), va="top", ha="left", fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0})
    return fig


def plot_pattern_correlations(
    states, patterns, *, labels=None, title: str = "Correlation of the free-running state with each pattern"
):
    """Pearson correlation of each state (T, N) with each pattern (K, N), one line per pattern, over step."""
    x = _rows("states", states)
    p = _rows("patterns", patterns, x.shape[1])
    return _line_panel(cross_correlations(x, p), _labels("labels", labels, p.shape[0], "pattern"), title, "correlation")[0]


# ----------------------------------------------------------------------------- summaries


def plot_angle_histogram(
    angles, *, reference=None, bins: int = 18, title: str = "Pairwise angles between attractors",
    labels=("attractors", "training data"), orthogonality=None, reference_orthogonality=None,
):
    """Polar half-disc histogram of pairwise angles (1-D, degrees in [0, 180], NaNs ignored).

    ``reference`` angles (optional, same form) are drawn as an unfilled outline on the same bins; the
    legend gives each set's mean |90 - angle|, and a radial line marks 90 degrees (orthogonal).
    ``angles`` may be empty (fewer than two attractors): the legend says so. ``orthogonality`` /
    ``reference_orthogonality`` override the legend's numbers (e.g. with
    :func:`fepnet.orthogonality`, which drops pairs below 1 or above 179 degrees).
    """
    plt = _pyplot()
    edges = np.linspace(0.0, 180.0, int(bins) + 1)
    sets = [("angles", angles)] + ([("reference", reference)] if reference is not None else [])
    counts = []
    for name, values in sets:
        v = np.ravel(np.asarray(values, dtype=float))
        v = v[~np.isnan(v)]
        if (v.size == 0 and name == "reference") or (v.size and (v.min() < 0.0 or v.max() > 180.0)):
            raise ValueError(f"{name} must hold {'at least one angle, ' if name == 'reference' else ''}"
                             "angles in [0, 180] degrees")
        given = orthogonality if name == "angles" else reference_orthogonality
        dev = float(given) if given is not None else (float(np.mean(np.abs(90.0 - v))) if v.size else None)
        counts.append((np.histogram(v, bins=edges)[0], dev if dev is None or np.isfinite(dev) else None))
    fig, ax = plt.subplots(figsize=(6.4, 4.2), subplot_kw={"projection": "polar"}, layout="constrained")
    ax.set_thetamin(0)
    ax.set_thetamax(180)
    theta = np.deg2rad(edges)
    rmax = 1.1 * max(int(c.max()) for c, _ in counts) or 1.0
    (c, dev) = counts[0]
    ax.bar(theta[:-1], c, width=np.diff(theta), align="edge", color="C0", alpha=0.6, edgecolor="C0",
           label=f"{labels[0]} (mean |90 - angle| = {dev:.1f}°)" if dev is not None else f"{labels[0]} (no pairs)")
    if len(counts) > 1:
        (c, dev) = counts[1]
        t = np.concatenate([np.linspace(lo, hi, 8) for lo, hi in zip(theta[:-1], theta[1:])])
        ax.plot(np.r_[0.0, t, np.pi], np.r_[0.0, np.repeat(c, 8), 0.0], color="k", lw=1.5,
                label=f"{labels[1]} (mean |90 - angle| = {dev:.1f}°)")
    ax.plot([np.pi / 2, np.pi / 2], [0.0, rmax], color="C3", ls="--", lw=1.2, label="orthogonal (90°)")
    ax.set_rmax(rmax)
    ax.set_xlabel("angle between pair (degrees)")
    ax.set_ylabel("pairs", labelpad=22)
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize=8)
    return fig


def plot_score_boxes(groups, *, published=None, title: str | None = None, ylabel: str = "score"):
    """One panel per metric, one box per group of per-seed values (points overlaid), a line at 0.

    ``groups``: {group: {metric: values}} (metrics taken from the first group, NaNs dropped);
    ``published``: optional {group: {metric: value or None}} drawn as red diamonds.
    """
    plt = _pyplot()
    names = list(groups)
    if not names:
        raise ValueError("groups must not be empty")
    metrics = list(groups[names[0]])
    for g in names:
        missing = [m for m in metrics if m not in groups[g]]
        if missing:
            raise ValueError(f"groups[{g!r}] lacks metrics {missing}")
    published = published or {}
    fig, axes = plt.subplots(1, len(metrics), figsize=(1.2 * len(names) * len(metrics) + 1.5, 4.0),
                             squeeze=False, layout="constrained")
    pos = np.arange(1, len(names) + 1)
    labelled = False
    for ax, m in zip(axes.flat, metrics):
        data = [np.ravel(np.asarray(groups[g][m], dtype=float)) for g in names]
        data = [d[~np.isnan(d)] for d in data]
        bp = ax.boxplot(data, positions=pos, widths=0.5, showfliers=False)
        for line in bp["medians"]:
            line.set_gid("median")
        for x, d in zip(pos, data):
            ax.scatter(x + np.linspace(-0.12, 0.12, d.size), d, s=14, color="k", alpha=0.6, zorder=3)
        ref = [(x, (published.get(g) or {}).get(m)) for x, g in zip(pos, names)]
        ref = [(x, float(v)) for x, v in ref if v is not None]
        if ref:
            ax.plot(*zip(*ref), "D", color="red", ms=7, zorder=4, label=None if labelled else "published")
            if not labelled:
                ax.legend(fontsize=8)
            labelled = True
        ax.axhline(0.0, color="0.5", lw=0.8, zorder=0)
        ax.set_xticks(pos, names)
        ax.set_title(m)
        ax.set_xlabel("group")
    axes[0, 0].set_ylabel(ylabel)
    if title:
        fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------- landscapes


def _edges(centres: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around sorted centres (geometric midpoints on a log axis)."""
    c = np.log(centres) if log else centres.astype(float)
    if c.size == 1:
        mid = np.array([c[0] - 0.5, c[0] + 0.5]) if not log else np.array([c[0] - 0.1, c[0] + 0.1])
    else:
        inner = (c[1:] + c[:-1]) / 2
        mid = np.concatenate([[c[0] - (inner[0] - c[0])], inner, [c[-1] + (c[-1] - inner[-1])]])
    return np.exp(mid) if log else mid


LANDSCAPE_STYLE = {
    "retrieval": dict(cmap="viridis"),
    "generalization": dict(cmap="RdBu_r", centred=True),
    "orthogonality": dict(cmap="magma_r", fmt="%.0f"),
    "n_attractors": dict(cmap="cividis", integer=True, fmt="%.0f"),
}


def plot_landscapes(panels, x, y, *, xlabel: str = "evidence level", ylabel: str = "inverse temperature",
                    log_y: bool = True, markers=None, best=None, suptitle: str | None = None, ncols: int = 2):
    """Heatmaps with contour lines of metrics over a 2-D grid: ``panels`` {title: values (len(y), len(x))}.

    Styles by title key (see ``LANDSCAPE_STYLE``: diverging colours centred on 0 for
    generalisation, discrete levels for counts); NaN cells are grey. ``markers``:
    {label: (x, y)} drawn as white circles on every panel (e.g. the paper's named
    networks); ``best``: {title: (x, y)} drawn as a red star on that panel.
    """
    plt = _pyplot()
    from matplotlib import colors as mcolors

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or y.ndim != 1 or x.size == 0 or y.size == 0:
        raise ValueError(f"x and y must be non-empty 1-D arrays, got shapes {x.shape} and {y.shape}")
    if not panels:
        raise ValueError("panels must not be empty")
    if log_y and np.any(y <= 0):
        raise ValueError("log_y needs positive y values")
    for title, values in panels.items():
        if np.shape(values) != (y.size, x.size):
            raise ValueError(f"panels[{title!r}] must have shape ({y.size}, {x.size}), got {np.shape(values)}")
    ox, oy = np.argsort(x), np.argsort(y)
    xs, ys = x[ox], y[oy]
    xe, ye = _edges(xs, False), _edges(ys, log_y)
    ncols = min(ncols, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.4 * ncols, 4.2 * nrows), squeeze=False, layout="constrained")
    for ax, (title, values) in zip(axes.flat, panels.items()):
        z = np.asarray(values, dtype=float)[np.ix_(oy, ox)]
        style = next((st for key, st in LANDSCAPE_STYLE.items() if key in title.lower().replace(" ", "_")), {})
        cmap = plt.get_cmap(style.get("cmap", "viridis"))
        cmap = cmap.with_extremes(bad="0.8")
        finite = z[np.isfinite(z)]
        norm = None
        if finite.size and style.get("centred"):
            lim = _sym_lim(finite)
            norm = mcolors.TwoSlopeNorm(0.0, -lim, lim) if finite.min() < 0 < finite.max() else None
        if finite.size and style.get("integer"):
            lo, hi = int(np.floor(finite.min())), int(np.ceil(finite.max()))
            norm = mcolors.BoundaryNorm(np.arange(lo - 0.5, hi + 1.5), cmap.N)
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(z), cmap=cmap, norm=norm, shading="flat")
        cbar = fig.colorbar(mesh, ax=ax, shrink=0.9)
        if style.get("integer") and finite.size:
            cbar.set_ticks(np.unique(np.linspace(lo, hi, min(hi - lo + 1, 8)).round()))
        if finite.size > 1 and xs.size > 1 and ys.size > 1 and np.ptp(finite) > 0:
            levels = (np.arange(lo, hi + 1) + 0.5)[:-1] if style.get("integer") else 6
            cs = ax.contour(xs, ys, np.ma.masked_invalid(z), levels=levels, colors="k", linewidths=0.7, alpha=0.8)
            ax.clabel(cs, fontsize=7, fmt=style.get("fmt", "%.2f"))
        for label, (mx, my) in (markers or {}).items():
            ax.plot(mx, my, "o", ms=7, mfc="none", mec="white", mew=1.6)
            ax.annotate(label, (mx, my), textcoords="offset points", xytext=(5, 4), color="white", fontsize=7)
        if best and title in best:
            ax.plot(*best[title], "*", ms=13, color="red", mec="white", mew=0.8, label="best")
            ax.legend(loc="upper right", fontsize=7, framealpha=0.6)
        if log_y:
            ax.set_yscale("log")
        ax.set_xlim(xe[0], xe[-1])
        ax.set_ylim(ye[0], ye[-1])
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    if suptitle:
        fig.suptitle(suptitle)
    return fig
