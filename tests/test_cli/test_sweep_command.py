"""``fepnet sweep``: the files it writes, its argument checks, and the paper's full grid (slow)."""

import json
import subprocess
import sys

import pytest

from fepnet.sweep import load_sweep


@pytest.mark.slow
def test_cli_sweep_writes_results_summary_and_landscapes(tmp_path, capsys):
    from fepnet.cli import main

    out = tmp_path / "sw"
    assert main(["sweep", "--evidence", "4,12", "--inverse-temperature", "log:0.03:0.3:3", "--epochs", "20",
                 "--trials", "6", "--seeds", "2", "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "best retrieval" in text and "12 networks" in text
    summary = json.loads((out / "summary.json").read_text())
    for k in ("wall_s", "peak_rss_mb", "n_networks", "steps_per_network", "best_retrieval", "best_generalization"):
        assert k in summary, k
    assert summary["n_networks"] == 12 and summary["steps_per_network"] == 200
    assert summary["peak_rss_mb"] > 50 and summary["wall_s"] > 0
    ds = load_sweep(out / "sweep.nc")
    mean = ds.retrieval.mean("seed")
    best = summary["best_retrieval"]
    assert best["value"] == pytest.approx(float(mean.max()))
    assert float(mean.sel(evidence_level=best["evidence_level"], inverse_temperature=best["inverse_temperature"])) \
        == pytest.approx(best["value"])
    assert set(summary["files"]) >= {"sweep.nc", "landscapes.png", "landscape_retrieval.png",
                                     "landscape_generalization.png", "landscape_orthogonality.png",
                                     "landscape_n_attractors.png", "summary.json"}
    for f in summary["files"]:
        assert (out / f).stat().st_size > 0, f


@pytest.mark.parametrize("argv, match", [
    (["--evidence", "1:2"], "evidence"),
    (["--inverse-temperature", "log:-1:1:3"], "inverse_temperature"),
    (["--steps", "0"], "steps_per_epoch"),
    (["--memory-limit-mb", "0"], "memory-limit-mb"),
])
def test_cli_sweep_rejects_bad_specs(argv, match, tmp_path, capsys):
    from fepnet.cli import main

    assert main(["sweep", "--out", str(tmp_path / "x"), "--no-progress", *argv]) == 2
    assert match in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_cli_sweep_checks_the_output_directory_before_the_sweep(tmp_path, capsys):
    from fepnet.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["sweep", "--evidence", "4", "--inverse-temperature", "0.3", "--epochs", "1", "--trials", "1",
                 "--out", str(blocker), "--no-progress"]) == 2
    captured = capsys.readouterr()
    assert "not a directory" in captured.err
    assert "networks" not in captured.out  # nothing started


@pytest.mark.slow
def test_paper_sim2_sweep_acceptance(tmp_path):
    """The issue's acceptance run: the full paper grid, one seed, < 3 minutes and < 4 GiB on 2 cores."""
    out = tmp_path / "sim2"
    subprocess.run([sys.executable, "-m", "fepnet.cli", "sweep", "--grid", "paper-sim2", "--out", str(out),
                    "--no-progress"], check=True, timeout=900, capture_output=True, text=True)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_networks"] == 380 and summary["steps_per_network"] == 50_000
    assert summary["wall_s"] < 180 and summary["peak_rss_mb"] < 4096
    assert 0.1 <= summary["best_retrieval"]["inverse_temperature"] <= 0.5
    assert summary["best_generalization"]["inverse_temperature"] < 0.1
    assert all(c["pass"] for c in summary["checks"].values())
