"""The SBC rank histograms (diagnostics.rank_plots), drawn from a hand-made SBCResult."""

from __future__ import annotations

import numpy as np
import pytest

from diagnostics.rank_plots import plot_rank_histograms
from diagnostics.rank_uniformity import rank_uniformity
from diagnostics.sbc import SBCResult
from fepnet.infra.plotting import pyplot

plt = pyplot()

N = 8
REPS = 200
L = 99


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def exact():
    """Uniform ranks of N nodes and the energy, as an exact sampler gives them (20 bins)."""
    ranks = np.random.default_rng(0).integers(0, L + 1, size=(REPS, N + 1))
    p_values, p_value = rank_uniformity(ranks, L, 20)
    zeros = np.zeros((REPS, N))
    return SBCResult(ranks[:, :N], ranks[:, N], L, zeros, zeros, p_values, p_value, 20, {})


def _titles(fig):
    return [ax.get_title() for ax in fig.axes]


def test_plot_rank_histograms(exact):
    fig = plot_rank_histograms(exact)
    assert isinstance(fig, plt.Figure)
    titles = _titles(fig)
    assert len(fig.axes) == N + 1
    assert titles[0].startswith("energy: p=") and all(t.startswith(f"node {i}: p=") for i, t in
                                                      enumerate(titles[1:]))
    assert "combined p" in fig._suptitle.get_text()
    ax = fig.axes[0]
    assert len(ax.patches) == exact.n_bins  # one bar per bin
    assert sum(p.get_height() for p in ax.patches) == REPS
    assert len(ax.collections) == 1  # the shaded 99% band
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() < REPS / exact.n_bins < band.max()


def test_plot_rank_histograms_caps_panels(exact):
    fig = plot_rank_histograms(exact, max_panels=4)
    titles = _titles(fig)
    assert len(fig.axes) == 4 and titles[0].startswith("energy")
    worst = sorted(np.argsort(exact.p_values[:N], kind="stable")[:3].tolist())
    assert [int(t.split(":")[0].split()[1]) for t in titles[1:]] == worst
    assert "3 of 8 nodes" in fig._suptitle.get_text()


def test_plot_validation(exact):
    with pytest.raises(TypeError, match="result"):
        plot_rank_histograms(exact._asdict())
    with pytest.raises(ValueError, match="max_panels"):
        plot_rank_histograms(exact, max_panels=1)
