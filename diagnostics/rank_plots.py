"""The figure of simulation-based calibration: rank histograms with their uniformity bands."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from fepnet.infra import checks as v
from fepnet.infra.plotting import figure_title, pyplot

from .rank_uniformity import bin_of, bin_widths
from .sbc import SBCResult

__all__ = ["plot_rank_histograms"]


def plot_rank_histograms(result: SBCResult, *, max_panels: int = 25, ncols: int | None = None):
    """Rank histograms of an :class:`~diagnostics.sbc.SBCResult`, one small panel per statistic.

    Panels: the energy first, then the nodes (all of them when N + 1 <=
    ``max_panels``, otherwise the ``max_panels - 1`` nodes with the lowest
    p-values, in node order). Each shows the bin counts, the expected count
    R w_b / (L + 1) for a bin of w_b rank values (line) and the central 99%
    binomial band of each bin's count under uniformity (shaded), with the
    statistic's chi-square p-value in the title; the suptitle holds the
    Bonferroni-combined p-value.

    Parameters
    ----------
    result : SBCResult
        R replications of N nodes, L draws each.
    max_panels : int
        At most this many panels (>= 2).
    ncols : int, optional
        Panels per row (default: up to 5).

    Returns
    -------
    fig : matplotlib.figure.Figure
        ``ncols`` panels to a row, sharing both axes; the lowest panel of each column labels the rank
        axis and the unused cells are removed.

    Raises
    ------
    TypeError
        When ``result`` is not an SBCResult.
    ValueError
        When ``max_panels`` < 2 or ``ncols`` < 1.

    Examples
    --------
    From a hand-built result with uniform ranks (a real one comes from
    :func:`~diagnostics.sbc.simulation_based_calibration`):

    >>> import numpy as np
    >>> from diagnostics.rank_plots import plot_rank_histograms
    >>> from diagnostics.rank_uniformity import rank_uniformity
    >>> from diagnostics.sbc import SBCResult
    >>> rng = np.random.default_rng(0)
    >>> ranks, energy = rng.integers(0, 100, (300, 2)), rng.integers(0, 100, 300)
    >>> p, p_all = rank_uniformity(np.column_stack([ranks, energy]), 99, 10)
    >>> res = SBCResult(ranks, energy, 99, np.zeros((300, 2)), np.zeros((300, 2)), p, p_all, 10, {})
    >>> fig = plot_rank_histograms(res)
    >>> [ax.get_title().split(":")[0] for ax in fig.axes]
    ['energy', 'node 0', 'node 1']
    """
    if not isinstance(result, SBCResult):
        raise TypeError(f"result must be an SBCResult, got {type(result).__name__}")
    max_panels = v.count(max_panels, "max_panels", minimum=2)
    n = result.ranks.shape[1]
    if n + 1 <= max_panels:
        nodes = list(range(n))
    else:
        nodes = sorted(np.argsort(result.p_values[:n], kind="stable")[: max_panels - 1].tolist())
    panels = [(n, "energy")] + [(i, f"node {i}") for i in nodes]
    cols = v.count(ncols, "ncols", minimum=1) if ncols is not None else min(len(panels), 5)
    rows = math.ceil(len(panels) / cols)

    plt = pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.1 * rows + 0.6), squeeze=False,
                             sharex=True, sharey=True)
    L, n_bins, all_ranks = result.n_draws, result.n_bins, result.all_ranks
    reps = all_ranks.shape[0]
    widths = bin_widths(L, n_bins)
    edges = np.concatenate([[0], np.cumsum(widths)]) - 0.5  # bin edges in rank units
    prob = widths / (L + 1)
    expected = reps * prob
    lo, hi = stats.binom.ppf(0.005, reps, prob), stats.binom.ppf(0.995, reps, prob)
    for ax, (col, label) in zip(axes.flat, panels):
        counts = np.bincount(bin_of(all_ranks[:, col], L, n_bins), minlength=n_bins)
        ax.fill_between(edges, np.append(lo, lo[-1]), np.append(hi, hi[-1]), step="post",
                        color="0.85", linewidth=0, label="99% band")
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="C0", alpha=0.8,
               edgecolor="white", linewidth=0.3, label="ranks")
        ax.step(edges, np.append(expected, expected[-1]), where="post", color="k", linewidth=1,
                label="expected")
        ax.set_title(f"{label}: p={result.p_values[col]:.2g}", fontsize=9)
        ax.set_xlim(edges[0], edges[-1])
        ax.tick_params(labelsize=7)
    for k, ax in enumerate(axes.flat):
        if k >= len(panels):
            fig.delaxes(ax)
        elif k + cols >= len(panels):  # nothing drawn below: label the rank axis here
            ax.tick_params(labelbottom=True)
            ax.set_xlabel("rank", fontsize=8)
    shown = "" if len(nodes) == n else f", {len(nodes)} of {n} nodes shown (lowest p)"
    figure_title(fig,
        f"SBC ranks: {reps} replications, L={L}, {n_bins} bins{shown}\n"
        f"combined p = {result.p_value:.3g} (Bonferroni over {n + 1} statistics)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig
