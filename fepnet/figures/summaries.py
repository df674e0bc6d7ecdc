"""Distributions over attractors and seeds: pairwise-angle histograms and per-seed score boxes."""

from __future__ import annotations

import numpy as np

from ..infra.plotting import figure_title, subplots

__all__ = ["plot_angle_histogram", "plot_score_boxes"]


def plot_angle_histogram(
    angles, *, reference=None, bins: int = 18, title: str = "Pairwise angles between attractors",
    labels=("attractors", "training data"), orthogonality=None, reference_orthogonality=None,
):
    """Polar half-disc histogram of pairwise angles (1-D, degrees in [0, 180], NaNs ignored).

    ``reference`` angles (optional, same form) are drawn as an unfilled outline on the same bins; the
    legend gives each set's mean ``|90 - angle|``, and a radial line marks 90 degrees (orthogonal).
    ``angles`` may be empty (fewer than two attractors): the legend says so. ``orthogonality`` /
    ``reference_orthogonality`` override the legend's numbers (e.g. with
    :func:`fepnet.orthogonality`, which drops pairs below 1 or above 179 degrees).

    Parameters
    ----------
    angles : array_like, shape (P,)
        Angles between pairs, in degrees; may be empty.
    reference : array_like, shape (Q,), optional
        Angles of a reference set (e.g. the training data); at least one.
    bins : int
        Bins over [0, 180].
    title : str
    labels : (str, str)
        Legend names of ``angles`` and ``reference``.
    orthogonality, reference_orthogonality : float, optional
        The legend's mean ``|90 - angle|`` of each set (default: computed from the angles).

    Returns
    -------
    fig : matplotlib.figure.Figure
        One polar axes from 0 to 180 degrees (radius: pairs per bin), its legend below it.

    Raises
    ------
    ValueError
        If an angle lies outside [0, 180] degrees, or ``reference`` is given but holds no angle.

    Examples
    --------
    >>> from fepnet.figures import plot_angle_histogram
    >>> fig = plot_angle_histogram([85.0, 92.0, 60.0], reference=[30.0, 45.0])
    >>> fig.axes[0].name
    'polar'
    """
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
    fig, ax = subplots(figsize=(6.4, 4.2), subplot_kw={"projection": "polar"})
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

    Parameters
    ----------
    groups : dict of str to dict of str to array_like, each shape (K,)
        Per-seed values by group and metric.
    published : dict, optional
        Reference values by group and metric.
    title : str, optional
    ylabel : str

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per metric in a row (x: the groups); only the first panel has the y label.

    Raises
    ------
    ValueError
        If ``groups`` is empty, or a group lacks one of the first group's metrics.

    Examples
    --------
    >>> from fepnet.figures import plot_score_boxes
    >>> groups = {"balanced": {"retrieval": [0.9, 0.8, 0.95]}, "sequence": {"retrieval": [0.4, 0.5, 0.45]}}
    >>> fig = plot_score_boxes(groups, published={"balanced": {"retrieval": 0.9}})
    >>> len(fig.axes)
    1
    """
    names = list(groups)
    if not names:
        raise ValueError("groups must not be empty")
    metrics = list(groups[names[0]])
    for g in names:
        missing = [m for m in metrics if m not in groups[g]]
        if missing:
            raise ValueError(f"groups[{g!r}] lacks metrics {missing}")
    published = published or {}
    fig, axes = subplots(1, len(metrics), figsize=(1.2 * len(names) * len(metrics) + 1.5, 4.0),
                             squeeze=False)
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
        figure_title(fig, title)
    return fig
