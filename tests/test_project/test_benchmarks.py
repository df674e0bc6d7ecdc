"""Benchmark scripts run end to end (smoke tests, slow; the figures themselves are not asserted)."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


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
