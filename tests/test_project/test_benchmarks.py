"""Benchmark scripts run end to end (smoke tests, slow; the figures themselves are not asserted)."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]  # the repository (benchmarks/ beside tests/)


@pytest.mark.slow
def test_bench_reference_quick_writes_the_documented_keys(tmp_path):
    out = tmp_path / "ref.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_reference.py"), "--quick", "--json", str(out)],
                   check=True, capture_output=True, text=True, timeout=600)
    result = json.loads(out.read_text())
    for key in ("nuts_wall_s", "nuts_ess_per_s", "gibbs_ess_per_s", "ess_per_s_ratio"):
        assert result[key] > 0, key
    assert result["ess_per_s_ratio"] == pytest.approx(result["gibbs_ess_per_s"] / result["nuts_ess_per_s"])


@pytest.mark.slow
def test_bench_sweep_quick_writes_the_documented_keys(tmp_path):
    out = tmp_path / "sweep.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_sweep.py"), "--quick", "--json", str(out)],
                   check=True, capture_output=True, text=True, timeout=600)
    result = json.loads(out.read_text())
    for key in ("n_networks", "steps_per_network", "n_devices", "sweep_wall_s", "sweep_steps_per_s", "baseline_wall_s",
                "baseline_steps_per_s", "speedup", "speedup_cold", "mismatches", "peak_rss_mb"):
        assert key in result, key
    for key in ("sweep_steps_per_s", "baseline_steps_per_s", "sweep_cold_steps_per_s", "baseline_cold_steps_per_s"):
        assert result[key] > 0, key
    assert result["mismatches"] == 0
    assert result["speedup"] == pytest.approx(result["sweep_steps_per_s"] / result["baseline_steps_per_s"])


@pytest.mark.slow
def test_bench_scaling_writes_the_documented_keys(tmp_path):
    out = tmp_path / "scaling.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_scaling.py"), "--max-n", "1000", "--json", str(out)],
                   check=True, capture_output=True, text=True, timeout=600,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    result = json.loads(out.read_text())
    assert list(result) == ["n", "fepnet_steps_per_s", "plain_steps_per_s", "ratio", "bandwidth_fraction",
                            "peak_rss_mb", "copy_gb_per_s", "epoch_steps_per_s", "epoch_ratio",
                            "epoch_bandwidth_fraction"]
    assert result["n"] == [100, 1000]
    for key in list(result)[1:]:
        assert len(result[key]) == 2 and all(x > 0 for x in result[key]), key
    assert result["ratio"][1] == pytest.approx(result["fepnet_steps_per_s"][1] / result["plain_steps_per_s"][1])
    for prefix, rate in (("", "fepnet_steps_per_s"), ("epoch_", "epoch_steps_per_s")):
        floor = 2 * 1000 * 1000 * 4 * result[rate][1] / (result["copy_gb_per_s"][1] * 1e9)
        assert result[prefix + "bandwidth_fraction"][1] == pytest.approx(floor, rel=1e-6)
