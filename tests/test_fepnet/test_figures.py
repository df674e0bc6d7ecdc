"""Figure primitives: each call draws the expected artists, labels and scales (Agg backend)."""

from __future__ import annotations

import types

import jax.numpy as jnp
import numpy as np
import pytest

from fepnet import figures
from fepnet.infra.plotting import pyplot

plt = pyplot()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _texts(fig):
    """All title, axis label and suptitle strings of a figure."""
    out = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    return out


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_matrices_shared_scale(rng):
    a, b = rng.normal(size=(5, 5)), 3.0 * rng.normal(size=(5, 5))
    fig = figures.plot_matrices([a, jnp.asarray(b)], ["first", "second"], "Both", label="weight")
    images = [im for ax in fig.axes for im in ax.images]
    assert len(images) == 2 and len(fig.axes) == 3  # two panels + one shared colour bar
    lim = max(np.abs(a).max(), np.abs(b).max())
    for im in images:
        assert im.get_clim() == pytest.approx((-lim, lim))
        assert im.get_cmap().name == "RdBu_r"
    texts = _texts(fig)
    assert {"first", "second", "Both", "from node j", "to node i", "weight"} <= set(texts)


def test_plot_matrices_per_panel_scale(rng):
    a, b = rng.normal(size=(4, 4)), 5.0 * rng.normal(size=(4, 4))
    fig = figures.plot_matrices([a, b], ["a", "b"], shared_scale=False)
    assert len(fig.axes) == 4  # one colour bar per panel
    clims = [ax.images[0].get_clim() for ax in fig.axes if ax.images]
    assert clims[0] == pytest.approx((-np.abs(a).max(), np.abs(a).max()))
    assert clims[1] == pytest.approx((-np.abs(b).max(), np.abs(b).max()))
    assert fig.get_layout_engine() is not None


def test_plot_matrices_rejects_bad_input(rng):
    with pytest.raises(ValueError, match="matrices"):
        figures.plot_matrices([rng.normal(size=(3, 4))], ["x"])
    with pytest.raises(ValueError, match="titles"):
        figures.plot_matrices([np.eye(3), np.eye(3)], ["x"])


def test_plot_couplings_keeps_behaviour_and_ax(rng):
    J = rng.normal(size=(6, 6))
    fig = figures.plot_couplings(J, "Learned J")
    (im,) = fig.axes[0].images
    assert im.get_clim() == pytest.approx((-np.abs(J).max(), np.abs(J).max()))
    assert fig.axes[0].get_title() == "Learned J" and "J[i, j]" in _texts(fig)
    fig2, (ax1, ax2) = plt.subplots(1, 2)
    assert figures.plot_couplings(np.zeros((3, 3)), ax=ax2) is fig2
    assert ax2.images[0].get_clim() == (-1.0, 1.0) and not ax1.images


def _terms(n, rng, shape=None):
    shape = shape or (n,)
    return types.SimpleNamespace(
        free_energy=jnp.asarray(rng.normal(size=shape)), accuracy=rng.normal(size=shape), complexity=rng.normal(size=shape)
    )


def test_plot_free_energy_running_mean(rng):
    terms = _terms(30, rng, shape=(10, 3))
    fig = figures.plot_free_energy(terms, window=5)
    assert len(fig.axes) == 3
    assert [ax.get_ylabel() for ax in fig.axes] == ["F (nats)", "accuracy (nats)", "complexity (nats)"]
    assert fig.axes[-1].get_xlabel() == "training step"
    assert fig._suptitle.get_text() == "Variational free energy during training"
    for ax, name in zip(fig.axes, ("free_energy", "accuracy", "complexity")):
        raw, mean = ax.get_lines()
        values = np.ravel(np.asarray(getattr(terms, name), dtype=float))
        np.testing.assert_allclose(raw.get_ydata(), values)
        assert len(mean.get_ydata()) == 26
        np.testing.assert_allclose(mean.get_xdata(), np.arange(4, 30))
        expected = [values[i:i + 5].mean() for i in range(26)]
        np.testing.assert_allclose(mean.get_ydata(), expected, rtol=1e-10, atol=1e-12)
        assert _legend(ax) == ["per step", "running mean (5 steps)"]
    assert fig.axes[0].get_shared_x_axes().joined(fig.axes[0], fig.axes[2])


def test_plot_free_energy_clips_window_and_checks_lengths(rng):
    fig = figures.plot_free_energy(_terms(7, rng), xlabel="epoch")
    mean = fig.axes[0].get_lines()[1]
    assert len(mean.get_ydata()) == 1 and "running mean (7 steps)" in _legend(fig.axes[0])
    assert fig.axes[-1].get_xlabel() == "epoch"
    bad = types.SimpleNamespace(free_energy=np.zeros(5), accuracy=np.zeros(4), complexity=np.zeros(5))
    with pytest.raises(ValueError, match="terms"):
        figures.plot_free_energy(bad)


def test_plot_recall_examples(rng):
    truth = np.sign(rng.normal(size=(2, 12)))
    noisy = truth + rng.normal(size=truth.shape)
    response = 0.5 * truth + 0.3 * rng.normal(size=truth.shape)
    fig = figures.plot_recall_examples(noisy, jnp.asarray(response), truth, (3, 4), row_titles=["bar", "cross"],
                                       suptitle="Recall")
    assert len(fig.axes) == 6 and all(len(ax.images) == 1 for ax in fig.axes)
    assert fig._suptitle.get_text() == "Recall"
    for i in range(2):
        ax_noisy, ax_resp, ax_truth = fig.axes[3 * i: 3 * i + 3]
        for ax, x, name in ((ax_noisy, noisy, "noisy input"), (ax_resp, response, "posterior mean")):
            r = np.corrcoef(x[i], truth[i])[0, 1]
            assert ax.get_title() == f"{name}\nr = {r:.2f}"
            lim = np.abs(x[i]).max()
            assert ax.images[0].get_clim() == pytest.approx((-lim, lim))
            assert ax.images[0].get_cmap().name == "gray"
        assert ax_truth.get_title() == "truth"
        assert ax_noisy.get_ylabel() == ["bar", "cross"][i]
        assert ax_noisy.images[0].get_array().shape == (3, 4)


def test_plot_recall_examples_rejects_bad_shapes(rng):
    x = rng.normal(size=(2, 12))
    with pytest.raises(ValueError, match="response"):
        figures.plot_recall_examples(x, x[:, :10], x, (3, 4))
    with pytest.raises(ValueError, match="noisy"):
        figures.plot_recall_examples(x[:1], x, x, (3, 4))
    with pytest.raises(ValueError, match="image_shape"):
        figures.plot_recall_examples(x, x, x, (3, 3))
    with pytest.raises(ValueError, match="row_titles"):
        figures.plot_recall_examples(x, x, x, (3, 4), row_titles=["one"])


def test_plot_projections(rng):
    attractors = rng.normal(size=(2, 10))
    trajectory = rng.normal(size=(20, 10))
    fig = figures.plot_projections(jnp.asarray(trajectory), attractors, segments=[(0, "noisy bar"), (10, "noisy cross")])
    (ax,) = fig.axes
    cos = trajectory @ attractors.T / np.outer(np.linalg.norm(trajectory, axis=1), np.linalg.norm(attractors, axis=1))
    lines = [l for l in ax.get_lines() if l.get_label() in ("attractor 0", "attractor 1")]
    assert len(lines) == 2
    for k, line in enumerate(lines):
        np.testing.assert_allclose(line.get_ydata(), cos[:, k], rtol=1e-6)
    dashed = [l for l in ax.get_lines() if l.get_linestyle() == "--"]
    assert sorted(l.get_xdata()[0] for l in dashed) == [0, 10]
    assert {"noisy bar", "noisy cross"} <= {t.get_text().strip() for t in ax.texts}
    assert ax.get_ylim() == (-1.0, 1.0)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "cosine similarity")
    assert ax.get_title() == "Projection of the network state onto the attractors"
    assert _legend(ax) == ["attractor 0", "attractor 1"]
    with pytest.raises(ValueError, match="attractors"):
        figures.plot_projections(trajectory, rng.normal(size=(2, 9)))
    with pytest.raises(ValueError, match="labels"):
        figures.plot_projections(trajectory, attractors, labels=["only one"])


def test_plot_pattern_correlations(rng):
    patterns = rng.normal(size=(3, 8))
    states = rng.normal(size=(15, 8))
    fig = figures.plot_pattern_correlations(states, patterns, labels=["A", "B", "C"])
    (ax,) = fig.axes
    assert _legend(ax) == ["A", "B", "C"]
    lines = [l for l in ax.get_lines() if l.get_label() in ("A", "B", "C")]
    for k, line in enumerate(lines):
        expected = [np.corrcoef(s, patterns[k])[0, 1] for s in states]
        np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-6)
    assert ax.get_ylim() == (-1.0, 1.0)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "correlation")
    assert "pattern" in ax.get_title()
    with pytest.raises(ValueError, match="states"):
        figures.plot_pattern_correlations(states[0], patterns)


def test_plot_angle_histogram(rng):
    angles = np.r_[rng.uniform(30, 150, 40), np.nan]
    reference = rng.uniform(70, 110, 25)
    fig = figures.plot_angle_histogram(angles, reference=reference, bins=9)
    (ax,) = fig.axes
    assert ax.name == "polar" and ax.get_thetamax() == pytest.approx(180.0)
    bars = ax.containers[0]
    assert len(bars) == 9
    counts, _ = np.histogram(angles[~np.isnan(angles)], bins=9, range=(0, 180))
    np.testing.assert_array_equal([b.get_height() for b in bars], counts)
    legend = _legend(ax)
    dev = np.nanmean(np.abs(90 - angles))
    assert f"attractors (mean |90 - angle| = {dev:.1f}°)" in legend
    assert f"training data (mean |90 - angle| = {np.mean(np.abs(90 - reference)):.1f}°)" in legend
    assert any(text.startswith("orthogonal") for text in legend)
    assert ax.get_title() == "Pairwise angles between attractors"
    outline = [l for l in ax.get_lines() if l.get_label().startswith("training data")]
    assert len(outline) == 1 and np.max(outline[0].get_ydata()) == np.histogram(reference, bins=9, range=(0, 180))[0].max()


def test_plot_angle_histogram_without_reference_and_bad_input():
    fig = figures.plot_angle_histogram(np.array([80.0, 90.0, 100.0]), labels=("digits", "unused"))
    assert [t for t in _legend(fig.axes[0]) if t.startswith("digits")] == ["digits (mean |90 - angle| = 6.7°)"]
    with pytest.raises(ValueError, match="angles"):
        figures.plot_angle_histogram(np.array([10.0, 200.0]))
    fig = figures.plot_angle_histogram(np.array([np.nan]), reference=np.array([60.0, 90.0]))
    assert "attractors (no pairs)" in _legend(fig.axes[0])  # fewer than two attractors: nothing to bin
    with pytest.raises(ValueError, match="reference"):
        figures.plot_angle_histogram(np.array([90.0]), reference=np.array([]))


def test_plot_score_boxes():
    groups = {
        "balanced": {"retrieval": [0.1, 0.2, 0.3], "generalization": [0.5, np.nan, 0.7]},
        "high": {"retrieval": [-0.1, 0.0, 0.4], "generalization": [0.2, 0.3, 0.1]},
    }
    published = {"balanced": {"retrieval": 0.25, "generalization": None}, "high": {"retrieval": 0.1, "generalization": 0.4}}
    fig = figures.plot_score_boxes(groups, published=published, title="Scores", ylabel="r")
    assert [ax.get_title() for ax in fig.axes] == ["retrieval", "generalization"]
    assert fig._suptitle.get_text() == "Scores" and fig.axes[0].get_ylabel() == "r"
    for ax, metric in zip(fig.axes, ("retrieval", "generalization")):
        assert [t.get_text() for t in ax.get_xticklabels()] == ["balanced", "high"]
        points = [len(c.get_offsets()) for c in ax.collections]
        assert points == [int(np.sum(~np.isnan(groups[g][metric]))) for g in groups]
        medians = [l.get_ydata()[0] for l in ax.get_lines() if l.get_gid() == "median"]
        np.testing.assert_allclose(medians, [np.nanmedian(groups[g][metric]) for g in groups])
        assert any(l.get_ydata()[0] == 0.0 and l.get_xdata()[0] == 0 and l.get_xdata()[1] == 1 for l in ax.get_lines())
    diamonds = [l for ax in fig.axes for l in ax.get_lines() if l.get_marker() == "D"]
    assert [len(l.get_xdata()) for l in diamonds] == [2, 1]
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert len(legends) == 1 and [t.get_text() for t in legends[0].get_texts()] == ["published"]
    with pytest.raises(ValueError, match="high"):
        figures.plot_score_boxes({"a": {"m": [1.0]}, "high": {"n": [1.0]}})


def test_save_figure_writes_png(tmp_path, rng):
    path = tmp_path / "m.png"
    fig = figures.plot_matrices([rng.normal(size=(4, 4))], ["only"])
    figures.save_figure(fig, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000
    assert not plt.fignum_exists(fig.number)


def test_all_exports_exist():
    for name in figures.__all__:
        assert callable(getattr(figures, name))
