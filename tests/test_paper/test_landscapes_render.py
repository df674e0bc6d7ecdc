"""fepnet.paper.landscapes_render on a hand-made sweep result: the files, the figures and the text."""

import json

import xarray as xr
from landscape_data import sweep_result as _dataset

from fepnet.infra.artifacts import Artifacts
from fepnet.paper.landscapes_render import format_sweep, sweep_figures, write_sweep
from fepnet.sweep import load_sweep


def test_write_sweep_writes_everything_and_the_summary_round_trips(tmp_path):
    ds = _dataset()
    summary = write_sweep(ds, tmp_path, started=None)
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == summary
    assert summary["n_networks"] == 760 and summary["steps_per_network"] == 50_000
    assert summary["wall_s"] == 12.5 and summary["peak_rss_mb"] > 0
    assert summary["best_retrieval"]["evidence_level"] == 8.0
    for f in summary["files"]:
        assert (tmp_path / f).stat().st_size > 1000, f
    assert {"landscapes.png", "profiles.png", "landscape_orthogonality.png"} <= set(summary["files"])
    xr.testing.assert_identical(load_sweep(tmp_path / "sweep.nc"), ds)
    text = format_sweep(summary, str(tmp_path))
    assert "best retrieval:       0.305 at evidence 8" in text and "check" in text and "balanced" in text


def test_one_swept_setting_gives_a_profiles_figure(tmp_path):
    ds = _dataset().isel(evidence_level=3, drop=True)
    ds.attrs["fixed_evidence_level"] = 4.0
    files = write_sweep(ds, tmp_path)["files"]
    assert "profiles.png" in files and "landscapes.png" not in files
    assert files == ["sweep.nc", "profiles.png", "summary.json"]


def test_write_sweep_writes_through_an_artifacts_directory(tmp_path):
    out = Artifacts(tmp_path / "a")
    summary = write_sweep(_dataset(), out, make_figures=False)
    assert summary["files"] == ["sweep.nc", "summary.json"]
    assert [p.rsplit("/", 1)[-1] for p in out.files] == ["sweep.nc", "summary.json"]


def test_sweep_figures_come_one_at_a_time_in_order():
    from fepnet.infra.plotting import pyplot

    names = []
    for name, fig in sweep_figures(_dataset()):
        names.append(name)
        pyplot().close(fig)
    assert names == ["landscapes.png", "landscape_retrieval.png", "landscape_generalization.png",
                     "landscape_orthogonality.png", "landscape_n_attractors.png", "profiles.png"]
    assert list(sweep_figures(_dataset().isel(evidence_level=0, inverse_temperature=0, drop=True))) == []
