"""fepnet validate: the whole pipeline on a small network, through the Python API and through the CLI."""

import json
import os

import jax
import numpy as np
import pytest

import fepnet
from diagnostics.validation import ValidationNetwork, validate, validation_network
from fepnet.cli import main

KEYS = {"max_abs_z", "var_ratio_range", "energy_distance_p", "ess_per_s", "nuts_ess_per_s", "verdict"}
SMALL = dict(chains=2, draws=1500, burn_in=100, nuts_warmup=200, progress=False)


def _network():
    rng = np.random.default_rng(1)
    J = rng.normal(scale=0.6, size=(6, 6))
    J = 0.5 * (J + J.T)
    np.fill_diagonal(J, 0.0)
    return fepnet.Network(J, rng.normal(scale=0.2, size=6))


def test_validate_small_network_writes_everything(tmp_path):
    net = _network()
    vn = ValidationNetwork("small", net, np.linspace(-0.5, 0.5, 6), 1.0, "a 6-node test network", grid_shape=(2, 3))
    out = tmp_path / "v"
    result = validate(vn, ("sequential", "synchronous"), out, sbc_replications=40, **SMALL)
    assert list(result) == ["synchronous", "sequential"]  # canonical schedule order
    for schedule, entry in result.items():
        assert KEYS <= set(entry), schedule
        assert entry["verdict"] in ("consistent", "biased")
        lo, hi = entry["var_ratio_range"]
        assert 0 < lo <= hi
        assert 0 < entry["energy_distance_p"] <= 1
        assert entry["ess_per_s"] > 0 and entry["nuts_ess_per_s"] > 0
    assert result["sequential"]["verdict"] == "consistent"
    assert result["synchronous"]["pi_sync"]["reference"] == "pi_sync"
    assert result["synchronous"]["samples"] in ("pi_sync", "boltzmann", "indistinguishable", "neither")
    on_disk = json.loads((out / "validation.json").read_text())
    assert on_disk == json.loads(json.dumps(result))
    details = json.loads((out / "details.json").read_text())
    assert details["network"]["n_nodes"] == 6
    assert details["sbc"]["replications"] == 40
    assert details["gibbs_vs_nuts"]["schedule"] == "sequential"
    report = (out / "report.md").read_text()
    assert "| sequential | NUTS (Boltzmann) |" in report and "What the synchronous schedule samples" in report
    for name in details["files"]:
        assert (out / name).exists(), name
    figures = [f for f in details["files"] if f.endswith(".png")]
    assert {"couplings.png", "moments_sequential.png", "moments_synchronous_pi_sync.png", "sbc_ranks.png"} <= set(figures)
    for f in figures:
        assert f"]({f})" in report


def test_cli_validate_loaded_network(tmp_path, capsys):
    path = tmp_path / "net.npz"
    _network().save(path)
    out = tmp_path / "cli"
    code = main(["validate", "--network", str(path), "--schedule", "random-scan", "--out", str(out), "--chains", "2",
                 "--draws", "1000", "--burn-in", "100", "--nuts-warmup", "150", "--sbc-replications", "0",
                 "--no-figures", "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "random-scan" in printed and "validation.json" in printed
    result = json.loads((out / "validation.json").read_text())
    assert list(result) == ["random-scan"] and KEYS <= set(result["random-scan"])
    assert not [f for f in os.listdir(out) if f.endswith(".png")]
    assert json.loads((out / "details.json").read_text())["sbc"] is None


def test_validate_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="network must be one of"):
        validate("hopfield", out=tmp_path)
    with pytest.raises(ValueError, match="schedules must be"):
        validate("random", ("gibbs",), out=tmp_path)
    with pytest.raises(ValueError, match="chains must be >= 2"):
        validate("random", out=tmp_path, chains=1)
    with pytest.raises(ValueError, match="network must be one of"):
        validation_network("hopfield", jax.random.key(0))
    with pytest.raises(ValueError, match="64-node"):
        validation_network("digits-balanced", jax.random.key(0), network=_network())
    with pytest.raises(SystemExit):
        main(["validate", "--network", "no-such-network"])


@pytest.mark.slow
def test_acceptance_balanced_network(tmp_path):
    """The issue's acceptance on the symmetrised balanced digits network, with the defaults of `fepnet validate`."""
    result = validate("digits-balanced", out=tmp_path, sbc_replications=200, figures=False, progress=False)
    for schedule in ("sequential", "random-scan"):
        assert result[schedule]["verdict"] == "consistent", result[schedule]
        assert result[schedule]["max_abs_z"] < 4.5 and result[schedule]["energy_distance_p"] > 0.01
    assert result["synchronous"]["verdict"] == "biased"
    assert result["synchronous"]["pi_sync"]["verdict"] == "consistent"
    assert result["synchronous"]["samples"] == "pi_sync"
    details = json.loads((tmp_path / "details.json").read_text())
    assert details["sbc"]["exact_p"] > 0.01 and details["sbc"]["doubled_it_p"] < 0.001
    assert details["gibbs_vs_nuts"]["ratio"] >= 10


@pytest.mark.slow
def test_acceptance_sequence_network_is_not_boltzmann_of_js(tmp_path):
    result = validate("sequence", ("sequential", "synchronous"), out=tmp_path, sbc_replications=0, figures=False,
                      progress=False)
    details = json.loads((tmp_path / "details.json").read_text())
    for schedule in ("sequential", "synchronous"):
        assert result[schedule]["verdict"] == "biased"
        assert result[schedule]["energy_difference_in_sd"] > 3
    r = details["posterior_mean_vs_patterns"]["pearson_r"]
    reference = details["references"]["boltzmann"]
    assert r[reference][0] > r[reference][1]  # the Js posterior shows the cued "1" ...
    assert r["sequential"][1] > r["sequential"][0]  # ... the asymmetric network the next digit, "2"
