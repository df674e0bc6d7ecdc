"""Figures of the model comparisons: elpd with its paired-difference errors, pointwise differences, rankings."""

from __future__ import annotations

import math

import numpy as np

from fepnet.infra.plotting import pyplot as _pyplot
from fepnet.infra.plotting import figure_title, subplots

from .evidence import NetworkRanking
from .loo import DECISIVE_SE, KHAT_THRESHOLD, ModelComparison

__all__ = ["plot_elpd", "plot_pointwise_difference", "plot_ranking"]


def _check_comparison(comparison):
    if not isinstance(comparison, ModelComparison):
        raise TypeError(f"comparison must be a ModelComparison (from loo_compare), got {type(comparison).__name__}")
    return comparison


def plot_elpd(comparison: ModelComparison):
    """elpd_loo of every model and its difference to the preferred model.

    Left: elpd_loo +- SE (best on top). Right: elpd - elpd[preferred] +- the SE
    of the paired difference, with the 2 SE band that makes a difference "decisive".

    Parameters
    ----------
    comparison : ModelComparison
        From :func:`~diagnostics.model_selection.loo.loo_compare`; models with Pareto k-hat above
        :data:`KHAT_THRESHOLD` are named in the suptitle.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two panels side by side sharing the model axis, one row per model.

    Raises
    ------
    TypeError
        If ``comparison`` is not a ModelComparison.
    """
    c = _check_comparison(comparison)
    names = c.names
    y = np.arange(len(names))[::-1]
    fig, (ax0, ax1) = subplots(1, 2, figsize=(9.0, 1.2 + 0.55 * len(names)), sharey=True)
    elpd = np.array([c.elpd[s] for s in names])
    se = np.array([c.se[s] for s in names])
    ax0.errorbar(elpd, y, xerr=se, fmt="o", color="k", capsize=4)
    ax0.set_yticks(y, names)
    ax0.set_xlabel("elpd_loo (log scale) +- SE")
    ax0.set_title("predictive accuracy")
    diff = np.array([-c.elpd_diff[s] for s in names])
    sd = np.array([c.se_diff[s] for s in names])
    for yi, d, s, name in zip(y, diff, sd, names):
        if name == c.preferred:
            ax1.plot([0.0], [yi], "o", color="C2")
            continue
        color = "C3" if -d > DECISIVE_SE * s else "C0"
        ax1.errorbar([d], [yi], xerr=[[DECISIVE_SE * s], [DECISIVE_SE * s]], fmt="none", color=color, alpha=0.35,
                     lw=6)
        ax1.errorbar([d], [yi], xerr=[s], fmt="o", color=color, capsize=4)
    ax1.axvline(0.0, color="0.5", lw=1, ls="--")
    ax1.set_xlabel(f"elpd - elpd[{c.preferred}]  (+- 1 and 2 SE)")
    ax1.set_title("difference to the preferred model")
    for ax in (ax0, ax1):
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.grid(axis="x", alpha=0.3)
    bad = [f"{s}: {100 * c.khat_bad_fraction[s]:.0f}%" for s in names if c.khat_bad_fraction[s] > 0]
    if bad:
        figure_title(fig, f"k-hat > {KHAT_THRESHOLD} (LOO unreliable): " + ", ".join(bad), fontsize=9, color="C3")
    return fig


def plot_pointwise_difference(comparison: ModelComparison, a: str = "symmetric", b: str = "asymmetric"):
    """Pointwise elpd_loo difference d_t = loo_t[b] - loo_t[a] per observation (time order) and its running sum.

    (Fitted with ``pointwise="node"``: d_t sums the node values of observation t.)
    Positive d_t: ``b`` predicts transition t better (e.g. the asymmetric model
    at pattern transitions of a sequence). The band around the running sum is
    +- 2 sqrt(t) sd(d) (the spread a sum of t exchangeable differences would
    have); observations with Pareto k-hat > 0.7 in either model are ringed.

    Parameters
    ----------
    comparison : ModelComparison
        Fitted pointwise (one log-likelihood per node value, or per observation).
    a, b : str
        Two compared models.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two panels over the observations, stacked: d_t as stems (red where ``b`` is better), then the
        running sum in its band, titled with the total and its standard error.

    Raises
    ------
    TypeError
        If ``comparison`` is not a ModelComparison.
    ValueError
        If ``a`` or ``b`` names no compared model.
    """
    c = _check_comparison(comparison)
    for arg, name in (("a", a), ("b", b)):
        if name not in c.loo:
            raise ValueError(f"{arg} must name a compared model {c.names}, got {name!r}")
    d = c.per_observation(b) - c.per_observation(a)
    t = np.arange(d.size)
    bad = ((c.pareto_k(a) > KHAT_THRESHOLD) | (c.pareto_k(b) > KHAT_THRESHOLD)).reshape(d.size, -1).any(axis=1)
    fig, (ax0, ax1) = subplots(2, 1, figsize=(9.0, 5.0), sharex=True)
    colors = np.where(d > 0, "C3", "C0")
    ax0.vlines(t, 0.0, d, colors=colors, lw=0.8)
    ax0.scatter(t, d, c=colors, s=6)
    if np.any(bad):
        ax0.scatter(t[bad], d[bad], s=40, facecolors="none", edgecolors="k", lw=0.8, label=f"k-hat > {KHAT_THRESHOLD}")
        ax0.legend(fontsize=8, loc="upper right")
    ax0.axhline(0.0, color="0.5", lw=0.8)
    ax0.set_ylabel(f"d_t\n({b} - {a})")
    ax0.set_title(f"pointwise elpd difference: > 0 where {b} predicts better")
    run = np.cumsum(d)
    band = DECISIVE_SE * np.sqrt(t + 1.0) * (np.std(d) if d.size > 1 else 0.0)
    ax1.fill_between(t, -band, band, color="0.85", label="+- 2 sqrt(t) sd")
    ax1.plot(t, run, color="k", lw=1.4, label="running sum")
    ax1.axhline(0.0, color="0.5", lw=0.8)
    ax1.set_xlabel("observation (time order)")
    ax1.set_ylabel("cumulative elpd difference")
    total = c.pointwise(b) - c.pointwise(a)
    ax1.set_title(f"total {run[-1]:.1f} +- {math.sqrt(total.size * np.var(total)):.1f}")
    ax1.legend(fontsize=8, loc="upper left")
    return fig


def plot_ranking(ranking: NetworkRanking):
    """Heatmap of the mean held-out log-likelihood (rows: data sets, columns: networks), each row's best boxed.

    Colours are per row (the mean minus the row's best), so rows of different
    data sets are comparable; cells show the mean and, off the best, the margin
    in SE units of the paired difference.

    Parameters
    ----------
    ranking : NetworkRanking
        From :func:`~diagnostics.model_selection.evidence.rank_networks`.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One annotated heatmap with its colour bar (x: the networks, y: the held-out data sets).

    Raises
    ------
    TypeError
        If ``ranking`` is not a NetworkRanking.
    """
    if not isinstance(ranking, NetworkRanking):
        raise TypeError(f"ranking must be a NetworkRanking (from rank_networks), got {type(ranking).__name__}")
    table = ranking.table
    rows, cols = list(table.index), list(table.columns)
    values = table.to_numpy(np.float64)
    rel = values - values.max(axis=1, keepdims=True)
    plt = _pyplot()
    fig, ax = subplots(figsize=(max(5.0, 1.6 + 1.3 * len(cols)), 1.4 + 0.7 * len(rows)))
    lim = max(float(np.max(-rel)), 1e-12)
    im = ax.imshow(rel, cmap="viridis", vmin=-lim, vmax=0.0, aspect="auto")
    fig.colorbar(im, ax=ax, label="mean log-lik - row best")
    for i, d in enumerate(rows):
        for j, c in enumerate(cols):
            text = f"{values[i, j]:.2f}"
            if c != ranking.best[d]:
                s = ranking.se_diff.loc[d, c]
                text += f"\n-{ranking.margin.loc[d, c] / s:.1f} SE" if s > 0 else ""
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="k" if rel[i, j] > -0.5 * lim else "w")
        j = cols.index(ranking.best[d])
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="C3", lw=2.5))
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("network")
    ax.set_ylabel("held-out data set")
    ax.set_title("held-out log-likelihood (best boxed)")
    return fig
