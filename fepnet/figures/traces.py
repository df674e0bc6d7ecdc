"""Quantities over steps: free-energy terms during training, and a trajectory's similarity to patterns."""

from __future__ import annotations

import numpy as np

from ..infra.plotting import figure_title, subplots
from ..stats import cosine_similarity, cross_correlations
from ._inputs import as_rows, row_labels

__all__ = ["plot_free_energy", "plot_pattern_correlations", "plot_projections"]


def running_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Mean over each full window of ``window`` consecutive values of x (T,): shape (T - window + 1,)."""
    return np.convolve(x, np.ones(window) / window, mode="valid")


def line_panel(values: np.ndarray, labels, title: str, ylabel: str):
    """One line per column of ``values`` (T, K) over step t, y on [-1, 1]; returns (fig, ax)."""
    fig, ax = subplots(figsize=(7.5, 4.0))
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


def plot_free_energy(
    terms, *, window: int = 50, title: str = "Variational free energy during training", xlabel: str = "training step"
):
    """F = accuracy + complexity per step (three stacked panels sharing x), raw and as a running mean.

    Parameters
    ----------
    terms : object
        With attributes ``free_energy``, ``accuracy``, ``complexity`` (any shape, flattened in C order
        to one value per step; e.g. :class:`fepnet.FreeEnergyTerms`).
    window : int
        Steps in the running mean (clipped to the length; valid part only).
    title, xlabel : str

    Returns
    -------
    fig : matplotlib.figure.Figure
        Three panels (F, accuracy, complexity, in nats) over a shared x axis labelled ``xlabel``.

    Raises
    ------
    ValueError
        If the three series are empty or differ in length, or ``window`` < 1.

    Examples
    --------
    >>> import types
    >>> import numpy as np
    >>> from fepnet.figures import plot_free_energy
    >>> acc, cpx = np.linspace(2.0, 1.0, 100), np.full(100, 0.3)
    >>> fig = plot_free_energy(types.SimpleNamespace(free_energy=acc + cpx, accuracy=acc, complexity=cpx), window=10)
    >>> len(fig.axes)
    3
    """
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
    fig, axes = subplots(3, 1, figsize=(7.5, 7.0), sharex=True)
    ylabels = ("F (nats)", "accuracy (nats)", "complexity (nats)")
    for ax, s, ylabel, colour in zip(axes, series, ylabels, ("C0", "C2", "C3")):
        ax.plot(steps, s, color=colour, lw=0.8, alpha=0.3, label="per step")
        ax.plot(steps[w - 1:], running_mean(s, w), color=colour, lw=2.0, label=f"running mean ({w} steps)")
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel(xlabel)
    figure_title(fig, title)
    return fig


def plot_projections(
    trajectory, attractors, *, labels=None, segments=None,
    title: str = "Projection of the network state onto the attractors",
):
    """Cosine similarity x_t . a / (``|x_t|`` ``|a|``) of each state x_t with each attractor a, over step t.

    Parameters
    ----------
    trajectory : array_like, shape (T, N)
        The states x_t, one per step.
    attractors : array_like, shape (A, N)
        The attractors a (e.g. from :func:`fepnet.find_attractors`).
    labels : sequence of str, optional
        One per attractor (default ``"attractor k"``).
    segments : sequence of (int, str), optional
        ``[(start_step, text), ...]`` phases, each marked with a dashed line and the text.
    title : str

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes, a line per attractor; y: cosine similarity on [-1, 1], x: step.

    Raises
    ------
    ValueError
        If ``trajectory`` is not a non-empty (T, N) array, ``attractors`` is not (A, N), or ``labels``
        has other than A entries.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.figures import plot_projections
    >>> rng = np.random.default_rng(0)
    >>> fig = plot_projections(np.tanh(rng.normal(size=(20, 8))), np.sign(rng.normal(size=(2, 8))), labels=["A", "B"])
    >>> len(fig.axes) >= 1
    True
    """
    x = as_rows("trajectory", trajectory)
    a = as_rows("attractors", attractors, x.shape[1])
    fig, ax = line_panel(cosine_similarity(x, a), row_labels("labels", labels, a.shape[0], "attractor"), title,
                         "cosine similarity")
    for start, text in segments or ():
        ax.axvline(start, color="0.3", ls="--", lw=1.0)
        ax.text(start, 0.98, f" {text}", transform=ax.get_xaxis_transform(), va="top", ha="left", fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0})
    return fig


def plot_pattern_correlations(
    states, patterns, *, labels=None, title: str = "Correlation of the free-running state with each pattern"
):
    """Pearson correlation of each state with each pattern, one line per pattern, over step.

    Parameters
    ----------
    states : array_like, shape (T, N)
        A free-running chain, one state per step.
    patterns : array_like, shape (K, N)
        The patterns to compare with (e.g. the training data).
    labels : sequence of str, optional
        One per pattern (default ``"pattern k"``).
    title : str

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes, a line per pattern; y: Pearson r on [-1, 1], x: step.

    Raises
    ------
    ValueError
        If ``states`` is not a non-empty (T, N) array, ``patterns`` is not (K, N), or ``labels`` has
        other than K entries.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.figures import plot_pattern_correlations
    >>> rng = np.random.default_rng(0)
    >>> fig = plot_pattern_correlations(np.tanh(rng.normal(size=(20, 8))), np.sign(rng.normal(size=(2, 8))))
    >>> len(fig.axes) >= 1
    True
    """
    x = as_rows("states", states)
    p = as_rows("patterns", patterns, x.shape[1])
    return line_panel(cross_correlations(x, p), row_labels("labels", labels, p.shape[0], "pattern"), title,
                      "correlation")[0]
