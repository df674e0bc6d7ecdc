"""The files and words of a capacity result (fepnet.capacity.render, .plots), on a synthetic result."""

import json

import numpy as np
import pytest
from capacity_fixture import ALPHA, synthetic_result

from fepnet.capacity import plots, render
from fepnet.infra.artifacts import Artifacts
from fepnet.infra.plotting import pyplot


@pytest.fixture(scope="module")
def result():
    return synthetic_result()


def test_summary_has_exactly_the_issue_keys_and_plain_json(result):
    s = render.capacity_summary(result)
    assert list(s) == ["alpha_c", "published_table", "settings", "wall_s"]
    assert json.loads(json.dumps(s, allow_nan=False)) == s
    assert s["alpha_c"]["fep"]["random"] == {"n100": 0.35, "n100_ci": pytest.approx([0.33, 0.37]), "n400": 0.35}
    assert s["alpha_c"]["fep"]["digits"]["n400"] is None


@pytest.mark.parametrize("entry, exceeds, approaches, words", [
    ({"n100": 0.35, "n100_ci": [0.33, 0.37]}, True, False, "approaches N is not supported"),
    ({"n100": 0.95, "n100_ci": [0.92, 0.97]}, True, True, "approaches N is supported"),
    ({"n100": 0.14, "n100_ci": [0.12, 0.16]}, False, False, "not distinguishable from the Hopfield"),
    ({"n100": 0.15, "n100_ci": [0.145, 0.155]}, True, False, "not substantially"),
    ({"n100": 0.10, "n100_ci": [0.08, 0.12]}, False, False, "below the Hopfield"),
    ({"n100": None, "n100_ci": [None, None]}, None, None, "undefined"),
])
def test_verdict_is_a_number_with_an_interval(entry, exceeds, approaches, words):
    v = render.verdict({"fep": {"random": entry}})
    assert v["exceeds_hopfield"] is exceeds and v["approaches_n"] is approaches
    assert words in v["text"]
    if entry["n100"] is not None:
        assert f"{entry['n100']:.3f}" in v["text"] and f"[{entry['n100_ci'][0]:.3f}, {entry['n100_ci'][1]:.3f}]" in v["text"]


def test_family_sizes_find_where_each_family_ran(result):
    ds = result.dataset
    assert [plots.family_sizes(ds, f) for f in ("random", "biased", "digits")] == [[100, 400], [100], [64]]


def test_flags_mark_lower_bounds_and_points_below_the_grid():
    alpha = {"fep": {"random": {"n100": 2.0, "n100_ci": [2.0, 2.0], "n400": None}}}
    v = render.verdict(alpha, flags={"fep": {"random": {"n100": "lower_bound"}}})
    assert "at least 2.000" in v["text"] and v["approaches_n"] is True
    v = render.verdict({"fep": {"random": {"n100": 0.0, "n100_ci": [0.0, 0.0]}}},
                       flags={"fep": {"random": {"n100": "below_grid"}}})
    assert v["exceeds_hopfield"] is False and "smallest K" in v["text"]
    assert render._cell({"n100": 2.0, "n100_ci": [2.0, 2.0]}, "lower_bound") == ">= 2.000 [2.000, 2.000]"
    assert render._cell({"n100": 0.0}, "below_grid") == "< grid"


def test_repeat_spread_ignores_nan_and_keeps_unrun_points_nan(result):
    da = result.dataset["retention"].sel(rule="fep", family="random", n_nodes=400)
    mean, lo, hi = plots.repeat_spread(da)
    k = result.dataset["n_patterns"].values
    assert np.isfinite(mean[k <= 120]).all() and np.isnan(mean[k > 120]).all()
    assert (lo[k <= 120] <= mean[k <= 120] + 1e-6).all() and (mean[k <= 120] <= hi[k <= 120] + 1e-6).all()


def test_figures_draw_every_rule_and_family(result):
    figs = dict(render.capacity_figures(result, result.examples))
    assert list(figs) == ["retention.png", "exact_recall.png", "exact_recall_synchronous.png", "reconstruction.png",
                          "examples.png"]
    recall = figs["exact_recall.png"]
    panels = [ax for ax in recall.axes if ax.get_title().endswith("patterns")]
    assert [ax.get_title() for ax in panels] == ["random patterns", "biased patterns", "digits patterns"]
    assert [ax.get_title() for ax in figs["retention.png"].axes] == ["random patterns, N = 100",
                                                                     "biased patterns, N = 100",
                                                                     "digits patterns, N = 64"]
    labels = panels[0].get_legend_handles_labels()[1]
    assert {f"{plots.RULE_LABELS[r]}, N = 100" for r in ALPHA} <= set(labels)
    assert {f"{plots.RULE_LABELS[r]}, N = 400" for r in ALPHA} <= set(labels)  # random only
    assert not any("N = 400" in lab for lab in panels[1].get_legend_handles_labels()[1])
    assert {line.get_label() for line in panels[2].lines} >= {f"{plots.RULE_LABELS[r]}, N = 64" for r in ALPHA}
    assert any(abs(line.get_xdata()[0] - 0.138) < 1e-9 for line in panels[0].lines if len(line.get_xdata()) == 2)
    assert len(figs["examples.png"].axes) == 2 + len(ALPHA)
    assert "published" in figs["reconstruction.png"].axes[0].get_legend_handles_labels()[1][-1]
    for fig in figs.values():
        pyplot().close(fig)


def test_report_states_the_verdict_tables_and_retention_limits(result):
    md = render.capacity_report(result, ["retention.png"]).markdown()
    assert render.verdict(result.alpha_c)["text"] in md
    assert "| rule | random (N = 100) | biased (N = 100) | digits (N = 64) | random (N = 400) |" in md
    assert "| FEP (trained) | 0.350 [0.330, 0.370] | 0.350 [0.330, 0.370] | 0.350 [0.330, 0.370] | 0.350 |" in md
    assert "| 90 | 0.8134 | 0.8124 | 0.521 | 0.531 |" in md
    assert "fixed point" in md and "at least 1.0000 at every K < N" in md  # the projector passes retention
    assert "![Retention" in md


def test_write_capacity_writes_every_file_atomically(result, tmp_path):
    import xarray as xr

    out = Artifacts(tmp_path / "cap")
    summary = render.write_capacity(result, out, examples=result.examples)
    written = json.loads((tmp_path / "cap" / "capacity.json").read_text())
    assert list(written) == list(render.SUMMARY_KEYS)
    assert summary["files"] == ["capacity.nc", "capacity.json", "retention.png", "exact_recall.png",
                                "exact_recall_synchronous.png", "reconstruction.png", "examples.png", "report.md",
                                "report.html"]
    assert sorted(p.name for p in (tmp_path / "cap").iterdir()) == sorted(summary["files"])
    with xr.open_dataset(tmp_path / "cap" / "capacity.nc", engine="h5netcdf") as back:
        xr.testing.assert_identical(back.load(), result.dataset)
    text = render.format_capacity(summary, "cap")
    assert "fep" in text and "0.350 [0.330, 0.370]" in text and "verdict:" in text


def test_write_capacity_without_figures_or_examples(tmp_path):
    r = synthetic_result(examples=False, repeats=2, families=("random",))
    summary = render.write_capacity(r, Artifacts(tmp_path / "c"), make_figures=False)
    assert summary["files"] == ["capacity.nc", "capacity.json", "report.md", "report.html"]
    assert "![" not in (tmp_path / "c" / "report.md").read_text()


def test_example_recalls_start_from_the_basin_tests_cue_and_relax_every_rule():
    import jax

    from fepnet.capacity.examples import example_recalls
    from fepnet.capacity.training import Protocol

    ex = example_recalls(jax.random.key(1), n_nodes=36, n_patterns=3, flip_fraction=0.1,
                         protocol=Protocol(n_epochs=200))
    assert set(ex["final"]) == set(ALPHA) and ex["pattern"].shape == ex["cue"].shape == (36,)
    assert int(np.sum(ex["cue"] != ex["pattern"])) == 4  # floor(0.1 * 36 + 1/2) signs flipped
    assert all(np.all(np.abs(s) <= 1) for s in ex["final"].values())
    assert np.array_equal(np.sign(ex["final"]["projector"]), ex["pattern"])  # K = 3 of 36: well inside its basin
    with pytest.raises(ValueError):
        example_recalls(jax.random.key(1), n_nodes=36, n_patterns=3, flip_fraction=0.7)


def test_report_explains_a_projector_retention_collapse_near_n(result):
    """The measured iT = 100 behaviour: retention kept up to ~0.85 N, lost near N; the report says where and why."""
    ds = result.dataset.copy(deep=True)
    k = ds["n_patterns"].values
    where = dict(rule="projector", family="random", n_nodes=100)
    for kk in k[(k >= 90) & (k < 100)]:
        ds["retention"].loc[dict(where, n_patterns=kk)] = 0.02
    md = render.capacity_report(result._replace(dataset=ds), []).markdown()
    last_kept = int(k[(k < 90)].max())
    assert f"at least 0.999 up to K = {last_kept} " in md and "falls to 0.020 from K = 90 on" in md
    assert "spectral radius above 1" in md and "sign limit" in md
