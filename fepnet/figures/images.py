"""Node states shown as images: a grid of states, and recall examples (noisy input, response, truth)."""

from __future__ import annotations

import math

import numpy as np

from ..infra.plotting import figure_title, subplots, symmetric_limit
from ..stats import cross_correlations
from ._inputs import as_rows, row_labels

__all__ = ["plot_recall_examples", "plot_state_images"]


def plot_state_images(
    states, image_shape, titles=None, suptitle: str | None = None, ncols: int | None = None, label: str = "node state"
):
    """Show each row of ``states`` as an image of ``image_shape`` on a shared grey scale [-m, m], m = max ``|state|``.

    Parameters
    ----------
    states : array_like, shape (S, N) or (N,)
    image_shape : tuple of int
        Its product is N.
    titles : sequence of str, optional
        One per state.
    suptitle : str, optional
    ncols : int, optional
        Images per row (default: min(S, 10)).
    label : str
        The colour bar's label.

    Returns
    -------
    fig : matplotlib.figure.Figure
        A grid of ``ncols`` columns, one image per state (axes hidden, titled by ``titles``), and one
        colour bar for all of them.

    Raises
    ------
    ValueError
        From the reshape, when ``image_shape`` does not hold N.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.figures import plot_state_images
    >>> fig = plot_state_images(np.linspace(-1, 1, 2 * 16).reshape(2, 16), (4, 4), titles=["a", "b"])
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['a', 'b']
    """
    x = np.atleast_2d(np.asarray(states))
    n = x.shape[0]
    ncols = ncols or min(n, 10)
    nrows = math.ceil(n / ncols)
    fig, axes = subplots(nrows, ncols, figsize=(1.5 * ncols, 1.7 * nrows + 0.5), squeeze=False)
    lim = symmetric_limit(x)
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k < n:
            im = ax.imshow(x[k].reshape(image_shape), cmap="gray", vmin=-lim, vmax=lim, interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[k], fontsize=9)
    if suptitle:
        figure_title(fig, suptitle)
    fig.colorbar(im, ax=axes, shrink=0.8, label=label)
    return fig


def plot_recall_examples(noisy, response, original, image_shape, *, row_titles=None, suptitle: str | None = None):
    """Recall examples, one row per example: noisy input, posterior mean, truth, each shown as an image.

    Each image has its own symmetric grey scale; the first two panels show their Pearson r with the truth.

    Parameters
    ----------
    noisy, response, original : array_like, shape (R, N)
        The cues, the network's responses and the true patterns.
    image_shape : tuple of int
        Its product is N.
    row_titles : sequence of str, optional
        One per row.
    suptitle : str, optional

    Returns
    -------
    fig : matplotlib.figure.Figure
        R rows of three frameless panels (noisy input, posterior mean, truth); ``row_titles`` label the
        rows' first panels.

    Raises
    ------
    ValueError
        If ``original`` is not a non-empty (R, N) array, ``noisy`` or ``response`` is not (R, N), the
        product of ``image_shape`` is not N, or ``row_titles`` has other than R entries.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.figures import plot_recall_examples
    >>> s = np.sign(np.random.default_rng(0).normal(size=(2, 16)))
    >>> fig = plot_recall_examples(0.5 * s, s, s, (4, 4))
    >>> len(fig.axes) >= 6
    True
    """
    truth = as_rows("original", original)
    r_rows, n = truth.shape
    if math.prod(image_shape) != n:
        raise ValueError(f"image_shape {tuple(image_shape)} does not hold {n} nodes")
    columns = {
        "noisy input": as_rows("noisy", noisy, n, r_rows),
        "posterior mean": as_rows("response", response, n, r_rows),
        "truth": truth,
    }
    row_titles = None if row_titles is None else row_labels("row_titles", row_titles, r_rows, "")
    fig, axes = subplots(r_rows, 3, figsize=(5.4, 1.9 * r_rows + 0.5), squeeze=False)
    for i in range(r_rows):
        for ax, (name, a) in zip(axes[i], columns.items()):
            ax.imshow(a[i].reshape(image_shape), cmap="gray", vmin=-symmetric_limit(a[i]), vmax=symmetric_limit(a[i]),
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
        figure_title(fig, suptitle)
    return fig
