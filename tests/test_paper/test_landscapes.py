"""fepnet.paper.landscapes on a hand-made sweep result: averages, best points, named networks, checks, files."""

import json

import numpy as np
import pytest
import xarray as xr

from fepnet.paper.landscapes import (
    best_point,
    format_sweep,
    landscape,
    named_networks,
    qualitative_checks,
    summarize_sweep,
    write_sweep,
)
from fepnet.sweep import GRIDS, load_sweep

LEVELS = np.asarray(GRIDS["paper-sim2"].evidence_level)
ITS = np.asarray(GRIDS["paper-sim2"].inverse_temperature)


def _dataset(retrieval_peak=(8.0, ITS[14]), generalization_peak=(14.0, ITS[6]), seeds=2):
    """Smooth bumps with known maxima over the paper's grid; seed s adds 0.01 s (so seed means are known)."""
    e, t = np.meshgrid(LEVELS, np.log(ITS), indexing="ij")

    def bump(peak):
        return 0.3 - 0.001 * (e - peak[0]) ** 2 - 0.05 * (t - np.log(peak[1])) ** 2

    shift = 0.01 * np.arange(seeds)
    dims = ("evidence_level", "inverse_temperature", "seed")
    data = {
        "retrieval": bump(retrieval_peak)[..., None] + shift,
        "generalization": bump(generalization_peak)[..., None] - 0.2 + shift,
        "orthogonality": np.where(t[..., None] > np.log(0.1), 20.0, np.nan) + 0 * shift,
        "n_attractors": np.where(t[..., None] > np.log(0.1), 10, 1).astype(np.int32) + 0 * shift.astype(np.int32),
    }
    data["n_attractors"][0, 0, 0] = -1  # a network whose couplings overflowed
    ds = xr.Dataset({k: (dims, v) for k, v in data.items()},
                    coords={"evidence_level": LEVELS, "inverse_temperature": ITS, "seed": np.arange(seeds)})
    ds.attrs.update(fixed_learning_rate=0.001, fixed_n_epochs=5000, fixed_steps_per_epoch=10, wall_s=12.5,
                    training_steps=380 * seeds * 50_000, n_devices=2, chunk_size=38, n_chunks=10)
    return ds


def test_landscape_is_the_seed_mean_over_temperature_by_evidence():
    ds = _dataset()
    r = landscape(ds, "retrieval")
    assert r.dims == ("inverse_temperature", "evidence_level") and r.shape == (19, 20)
    np.testing.assert_allclose(r.values.T, ds.retrieval.values.mean(-1))
    n = landscape(ds, "n_attractors")
    assert np.isfinite(n.values).all()  # the -1 is dropped, the other seed remains
    assert n.values[0, 0] == ds.n_attractors.values[0, 0, 1]
    with pytest.raises(ValueError, match="metric"):
        landscape(ds, "accuracy")
    with pytest.raises(ValueError, match="not swept"):
        landscape(ds.isel(evidence_level=0, drop=True), "retrieval")


def test_best_points_named_networks_and_checks():
    ds = _dataset()
    best = best_point(ds, "retrieval")
    assert best["evidence_level"] == 8.0 and best["inverse_temperature"] == ITS[14]
    assert best["value"] == pytest.approx(0.305)  # 0.3 + mean seed shift 0.005
    assert best_point(ds, "generalization")["inverse_temperature"] == ITS[6]
    named = named_networks(ds)
    assert set(named) == {"balanced", "high", "low"}
    assert named["balanced"]["grid_point"] == {"evidence_level": 11.0, "inverse_temperature": ITS[11]}
    assert named["low"]["orthogonality"] is None and named["high"]["n_attractors"] == 10.0
    assert named["balanced"]["published"]["retrieval"] == 0.292
    checks = qualitative_checks(ds)
    assert all(c["pass"] for c in checks.values())
    # A retrieval peak at iT 1 and a generalisation peak above it fail the checks.
    bad = qualitative_checks(_dataset(retrieval_peak=(8.0, ITS[18]), generalization_peak=(8.0, ITS[18])))
    assert not any(c["pass"] for c in bad.values())
    assert best_point(ds.assign(orthogonality=ds.orthogonality * np.nan), "orthogonality") is None


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


def test_one_swept_setting_gives_profiles(tmp_path):
    ds = _dataset().isel(evidence_level=3, drop=True)
    ds.attrs["fixed_evidence_level"] = 4.0
    summary = summarize_sweep(ds, wall_s=1.0, peak_rss_mb=10.0)
    assert summary["best_retrieval"]["evidence_level"] == 4.0 and summary["checks"] == {}
    assert summary["named_networks"] == {}
    files = write_sweep(ds, tmp_path)["files"]
    assert "profiles.png" in files and "landscapes.png" not in files
