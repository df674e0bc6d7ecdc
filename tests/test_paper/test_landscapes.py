"""fepnet.paper.landscapes on a hand-made sweep result: averages, best points, named networks, checks, the summary
(the files and figures: test_landscapes_render.py)."""

import numpy as np
import pytest
from landscape_data import ITS
from landscape_data import sweep_result as _dataset

from fepnet.paper.landscapes import (
    best_point,
    landscape,
    named_networks,
    profile,
    qualitative_checks,
    summarize_sweep,
)


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


def test_one_swept_setting_gives_profiles():
    ds = _dataset().isel(evidence_level=3, drop=True)
    ds.attrs["fixed_evidence_level"] = 4.0
    summary = summarize_sweep(ds, wall_s=1.0, peak_rss_mb=10.0)
    assert summary["best_retrieval"]["evidence_level"] == 4.0 and summary["checks"] == {}
    assert summary["named_networks"] == {}
    p = profile(ds, "retrieval", "inverse_temperature")
    assert p.dims == ("inverse_temperature",)
    np.testing.assert_allclose(p.values, ds.retrieval.values.mean(-1))
