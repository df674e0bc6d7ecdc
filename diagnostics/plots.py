"""Figures of a sampler against its reference: marginals, traces and ranks, moments side by side.

Every function returns the matplotlib Figure (save with ``fepnet.figures.save_figure``).
"""

from __future__ import annotations

import numpy as np

from fepnet.figures import plot_matrices
from fepnet.infra.plotting import figure_title, subplots

from ._arviz import az
from .compare import Comparison
from .convert import posterior_samples

__all__ = ["plot_marginals", "plot_trace_rank", "plot_moments", "plot_correlations", "worst_nodes"]

_COLORS = ("C3", "C0")  # sampler, reference


def worst_nodes(comparison: Comparison, k: int = 6) -> np.ndarray:
    """The k nodes with the largest ``abs(mean_z)`` (the first place to look), in node order.

    Parameters
    ----------
    comparison : Comparison
        The result of :func:`diagnostics.compare.compare`.
    k : int, optional
        How many nodes, >= 1 (default 6; all nodes when N <= k).

    Returns
    -------
    numpy.ndarray
        (min(k, N),) int node indices, increasing.

    Raises
    ------
    TypeError
        ``comparison`` not a Comparison.
    ValueError
        ``k`` not a positive integer.

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.compare import compare
    >>> from diagnostics.plots import worst_nodes
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.uniform(-1, 1, (2, 200, 3)), rng.uniform(-1, 1, (2, 200, 3))
    >>> x[..., 2] = 0.5 * x[..., 2] + 0.5          # node 2 biased
    >>> worst_nodes(compare(x, y, n_permutations=99), k=1).tolist()
    [2]
    """
    if not isinstance(comparison, Comparison):
        raise TypeError(f"comparison must be a diagnostics.Comparison, got {type(comparison).__name__}")
    k = _positive(k, "k")
    order = np.argsort(-np.abs(comparison.mean_z), kind="stable")[:k]
    return np.sort(order)


def _positive(k, name):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{name} must be a positive integer, got {k!r}")
    return int(k)


def _nodes(nodes, n: int) -> np.ndarray:
    if nodes is None:
        return np.arange(min(n, 6))
    idx = np.atleast_1d(np.asarray(nodes))
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu" or np.any(idx < 0) or np.any(idx >= n):
        raise ValueError(f"nodes must be a non-empty list of node indices in [0, {n}), got {nodes!r}")
    return idx


def _grid(k: int, cols: int = 4):
    cols = min(cols, k)
    return -(-k // cols), cols


def plot_marginals(samples, reference, *, nodes=None, names=("network", "reference"), energies=None, bins: int = 40):
    """Histograms of the chosen nodes' marginals, sampler and reference overlaid (densities on [-1, 1]).

    Parameters
    ----------
    samples, reference : array_like, InferenceData or NUTSResult
        Node states (chains, draws, N) in [-1, 1] (see :func:`diagnostics.convert.posterior_samples`).
    nodes : sequence of int, optional, keyword-only
        Node indices to show (default: the first six; e.g. :func:`worst_nodes`).
    names : pair of str, optional
        Legend names of (sampler, reference).
    energies : pair of array_like, optional
        Per-draw network energies (sampler, reference), drawn as one more panel: it shows a bias
        in the correlation structure that the one-node marginals cannot.
    bins : int, optional
        Histogram bins on [-1, 1] (default 40).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per node (four to a row), plus the energy panel.

    Raises
    ------
    TypeError, ValueError
        Bad samples (as :func:`~diagnostics.convert.posterior_samples`) or node indices.

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.plots import plot_marginals
    >>> rng = np.random.default_rng(0)
    >>> fig = plot_marginals(rng.uniform(-1, 1, (2, 100, 3)), rng.uniform(-1, 1, (2, 100, 3)), nodes=[0, 2])
    >>> [ax.get_title() for ax in fig.axes]
    ['node 0', 'node 2']
    """
    x, y = posterior_samples(samples, "samples"), posterior_samples(reference, "reference")
    idx = _nodes(nodes, x.shape[2])
    k = idx.size + (energies is not None)
    rows, cols = _grid(k)
    fig, axes = subplots(rows, cols, figsize=(3.0 * cols, 2.4 * rows), squeeze=False)
    edges = np.linspace(-1, 1, bins + 1)
    for ax, i in zip(axes.flat, idx):
        for data, name, color in ((x, names[0], _COLORS[0]), (y, names[1], _COLORS[1])):
            ax.hist(data[..., i].ravel(), bins=edges, density=True, histtype="step", lw=1.6, color=color, label=name)
        ax.set_title(f"node {i}")
        ax.set_xlim(-1, 1)
        ax.set_yticks([])
    if energies is not None:
        ax = axes.flat[idx.size]
        ex, ey = (np.ravel(np.asarray(e, np.float64)) for e in energies)
        lo, hi = np.percentile(np.concatenate([ex, ey]), [0.5, 99.5])
        for data, name, color in ((ex, names[0], _COLORS[0]), (ey, names[1], _COLORS[1])):
            ax.hist(data, bins=np.linspace(lo, hi, bins + 1), density=True, histtype="step", lw=1.6, color=color)
        ax.set_title("network energy E(sigma)")
        ax.set_yticks([])
    for ax in list(axes.flat)[k:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8, loc="upper left")
    figure_title(fig, f"Marginals: {names[0]} vs {names[1]}")
    return fig


def plot_trace_rank(data, *, nodes=None, max_draws: int = 500, title: str | None = None):
    """Trace (first ``max_draws`` draws of every chain) and ArviZ rank plot for each chosen node.

    Well-mixed chains give overlapping traces and flat, interleaved rank histograms.

    Parameters
    ----------
    data : array_like, InferenceData or NUTSResult
        InferenceData (:func:`diagnostics.convert.from_chains` / ``from_nuts``) or an array
        (chains, draws, N).
    nodes : sequence of int, optional, keyword-only
        Node indices (default: the first six).
    max_draws : int, optional
        Draws per chain in the trace (default 500; the rank plot uses all).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One row per node: trace (left), rank plot (right).

    Raises
    ------
    TypeError, ValueError
        Bad samples, node indices or ``max_draws``.

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.plots import plot_trace_rank
    >>> fig = plot_trace_rank(np.random.default_rng(0).uniform(-1, 1, (2, 100, 3)), nodes=[1])
    >>> len(fig.axes), fig.axes[0].get_ylabel()
    (2, 'node 1')
    """
    x = posterior_samples(data, "data")
    idx = _nodes(nodes, x.shape[2])
    max_draws = _positive(max_draws, "max_draws")
    idata = data if isinstance(data, az.InferenceData) else az.from_dict(
        posterior={"sigma": x}, coords={"node": np.arange(x.shape[2])}, dims={"sigma": ["node"]})
    fig, axes = subplots(idx.size, 2, figsize=(9.0, 1.7 * idx.size + 0.6), squeeze=False)
    t = np.arange(min(max_draws, x.shape[1]))
    for row, i in enumerate(idx):
        ax = axes[row, 0]
        for c in range(x.shape[0]):
            ax.plot(t, x[c, : t.size, i], lw=0.6, alpha=0.8)
        ax.set_ylim(-1.05, 1.05)
        ax.set_ylabel(f"node {i}")
        node = idata.posterior["node"].values[i]
        az.plot_rank(idata, var_names=["sigma"], coords={"node": [node]}, ax=axes[row, 1], kind="bars")
        axes[row, 1].set_title("")
        axes[row, 1].set_xlabel("rank (all chains)" if row == idx.size - 1 else "", fontsize=9)
        axes[row, 1].set_ylabel("chain", fontsize=9)
        axes[row, 1].tick_params(labelsize=8)
    axes[0, 0].set_title(f"trace (first {t.size} draws, {x.shape[0]} chains)")
    axes[0, 1].set_title("rank plot (all draws)")
    axes[-1, 0].set_xlabel("draw")
    if title:
        figure_title(fig, title)
    return fig


def plot_moments(comparison: Comparison, *, names=None):
    """Three panels: posterior means, variance ratios per node, and every pairwise correlation.

    The means of sampler against reference with 2 MCSE error bars (nodes over the z threshold in
    red), ``var x_i / var y_i`` per node, and each pair correlation of the sampler against the
    reference's; the title holds the verdict.

    Parameters
    ----------
    comparison : Comparison
        The result of :func:`diagnostics.compare.compare`.
    names : pair of str, optional, keyword-only
        Axis names of (sampler, reference) (default: the summaries' names).

    Returns
    -------
    matplotlib.figure.Figure
        Three panels in a row.

    Raises
    ------
    TypeError
        ``comparison`` not a Comparison.

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.compare import compare
    >>> from diagnostics.plots import plot_moments
    >>> rng = np.random.default_rng(0)
    >>> c = compare(rng.uniform(-1, 1, (2, 200, 3)), rng.uniform(-1, 1, (2, 200, 3)), n_permutations=99)
    >>> plot_moments(c).texts[0].get_text()
    'network vs reference: consistent'
    """
    if not isinstance(comparison, Comparison):
        raise TypeError(f"comparison must be a diagnostics.Comparison, got {type(comparison).__name__}")
    c = comparison
    names = names or (c.sampler.name, c.reference.name)
    fig, axes = subplots(1, 3, figsize=(13.0, 4.2))
    bad = np.abs(c.mean_z) >= c.z_threshold
    ax = axes[0]
    ax.errorbar(c.reference_mean, c.mean, xerr=2 * c.reference_mean_mcse, yerr=2 * c.mean_mcse, fmt="o", ms=3,
                color="0.3", ecolor="0.6", lw=0.8, label="node (±2 MCSE)")
    if bad.any():
        ax.plot(c.reference_mean[bad], c.mean[bad], "o", ms=5, color="C3", label=f"|z| ≥ {c.z_threshold:g}")
    lim = [-1, 1]
    ax.plot(lim, lim, color="C0", lw=0.8, zorder=0)
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_xlabel(f"mean, {names[1]}")
    ax.set_ylabel(f"mean, {names[0]}")
    ax.set_title(f"means: max |z| = {c.max_abs_z:.2f}")
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[1]
    ax.plot(np.arange(c.variance_ratio.size), c.variance_ratio, "o", ms=3, color="0.3")
    ax.axhline(1.0, color="C0", lw=0.8)
    ax.set_xlabel("node")
    ax.set_ylabel(f"var {names[0]} / var {names[1]}")
    lo, hi = c.var_ratio_range
    ax.set_title(f"variance ratios: {lo:.2f} – {hi:.2f}")
    ax = axes[2]
    iu = np.triu_indices_from(c.correlation, 1)
    ax.plot(c.reference_correlation[iu], c.correlation[iu], ".", ms=2, color="0.3", alpha=0.6)
    ax.plot([-1, 1], [-1, 1], color="C0", lw=0.8, zorder=0)
    r = max(float(np.max(np.abs(c.reference_correlation[iu]), initial=0.05)),
            float(np.max(np.abs(c.correlation[iu]), initial=0.05))) * 1.05
    ax.set_xlim(-r, r)
    ax.set_ylim(-r, r)
    ax.set_xlabel(f"correlation, {names[1]}")
    ax.set_ylabel(f"correlation, {names[0]}")
    ax.set_title(f"pair correlations: distance {c.correlation_distance:.4f}")
    figure_title(fig, f"{names[0]} vs {names[1]}: {c.verdict}")
    return fig


def plot_correlations(comparison: Comparison, *, names=None):
    """Correlation matrices of sampler and reference and their difference (heatmaps, shared scale).

    The diagonal is blanked; the title gives the largest absolute difference.

    Parameters
    ----------
    comparison : Comparison
        The result of :func:`diagnostics.compare.compare`.
    names : pair of str, optional, keyword-only
        Panel names of (sampler, reference) (default: the summaries' names).

    Returns
    -------
    matplotlib.figure.Figure
        Three heatmaps.

    Raises
    ------
    TypeError
        ``comparison`` not a Comparison.

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.compare import compare
    >>> from diagnostics.plots import plot_correlations
    >>> rng = np.random.default_rng(0)
    >>> c = compare(rng.uniform(-1, 1, (2, 200, 3)), rng.uniform(-1, 1, (2, 200, 3)), n_permutations=99)
    >>> [ax.get_title() for ax in plot_correlations(c).axes][:3]
    ['corr, network', 'corr, reference', 'difference']
    """
    if not isinstance(comparison, Comparison):
        raise TypeError(f"comparison must be a diagnostics.Comparison, got {type(comparison).__name__}")
    c = comparison
    names = names or (c.sampler.name, c.reference.name)
    off = 1 - np.eye(c.correlation.shape[0])
    return plot_matrices(
        [c.correlation * off, c.reference_correlation * off, (c.correlation - c.reference_correlation) * off],
        [f"corr, {names[0]}", f"corr, {names[1]}", "difference"],
        suptitle=f"Node correlations (diagonal blanked); max |difference| = {c.max_abs_correlation_difference:.3f}",
        label="correlation",
    )
