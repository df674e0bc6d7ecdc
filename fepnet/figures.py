"""Matplotlib figures of the core: coupling matrices and node states shown as images."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["plot_couplings", "plot_state_images", "save_figure"]


def _pyplot():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "cairo") and not _has_display():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _has_display() -> bool:
    import os

    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def plot_couplings(couplings, title: str = "Couplings J", ax=None):
    """Heatmap of J (diverging colour map centred on 0), with its symmetric range."""
    plt = _pyplot()
    J = np.asarray(couplings)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.2, 4.4), layout="constrained")
    else:
        fig = ax.figure
    lim = float(np.max(np.abs(J))) or 1.0
    im = ax.imshow(J, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.set_title(title)
    ax.set_xlabel("from node j")
    ax.set_ylabel("to node i")
    fig.colorbar(im, ax=ax, shrink=0.85, label="J[i, j]")
    return fig


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
    lim = float(np.max(np.abs(x))) or 1.0
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


def save_figure(fig, path) -> None:
    """Save as PNG (150 dpi) and close the figure."""
    plt = _pyplot()
    fig.savefig(path, dpi=150)
    plt.close(fig)
