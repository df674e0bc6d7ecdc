"""diagnostics.plots: each figure draws what it says, from a comparison or from samples."""

import numpy as np
import pytest

from diagnostics.compare import compare
from diagnostics.convert import from_chains
from diagnostics.plots import plot_correlations, plot_marginals, plot_moments, plot_trace_rank, worst_nodes
from fepnet.figures import save_figure


@pytest.fixture(scope="module")
def comparison():
    rng = np.random.default_rng(0)
    x = np.tanh(rng.normal(size=(2, 400, 5)))
    y = np.tanh(rng.normal(size=(2, 400, 5)))
    x[..., 3] = np.tanh(rng.normal(0.5, 1.0, size=(2, 400)))  # node 3 is off
    return x, y, compare(x, y, n_permutations=100)


def test_worst_nodes_finds_the_biased_node(comparison):
    _, _, c = comparison
    assert 3 in worst_nodes(c, 1)
    assert list(worst_nodes(c, 5)) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="k must be a positive integer"):
        worst_nodes(c, 0)
    with pytest.raises(TypeError, match="comparison must be"):
        worst_nodes("c")


def test_marginals_panels_and_energy(comparison, tmp_path):
    x, y, _ = comparison
    fig = plot_marginals(x, y, nodes=[0, 3], energies=(np.ones(10), np.zeros(10) + 0.5))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:3] == ["node 0", "node 3", "network energy E(sigma)"]
    assert len(fig.axes[0].patches) == 2  # two step histograms: sampler and reference
    save_figure(fig, tmp_path / "m.png")
    assert (tmp_path / "m.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="nodes must be"):
        plot_marginals(x, y, nodes=[7])


def test_trace_rank_from_inferencedata(comparison):
    x, _, _ = comparison
    fig = plot_trace_rank(from_chains(x), nodes=[1, 3], max_draws=100, title="t")
    assert len(fig.axes) == 4
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2 and len(lines[0].get_xdata()) == 100  # one trace per chain, 100 draws
    assert fig.axes[2].get_ylabel() == "node 3"


def test_moments_and_correlations(comparison):
    _, _, c = comparison
    fig = plot_moments(c)
    assert len(fig.axes) == 3
    assert "max |z|" in fig.axes[0].get_title()
    assert fig._suptitle.get_text().endswith(c.verdict)
    fig = plot_correlations(c)
    assert sum(1 for ax in fig.axes if ax.images) == 3
    diff = fig.axes[2].images[0].get_array()
    np.testing.assert_allclose(np.diag(np.asarray(diff)), 0.0)
