"""diagnostics.validation: compute, summary, render and write separately on small inputs; the whole pipeline end to end.

The named paper networks (``fepnet.paper.networks``) and the acceptance runs on them: tests/test_paper/test_networks.py.
"""

import dataclasses
import json
import os

import jax
import numpy as np
import pytest

import fepnet
from diagnostics.compare import compare, summarize
from diagnostics.convert import from_chains
from diagnostics.rank_uniformity import rank_uniformity
from diagnostics.sbc import SBCResult
from diagnostics.validation import (
    ValidationNetwork,
    ValidationResult,
    check_schedules,
    format_validation,
    run_validation,
    validate,
    validation_details,
    validation_figures,
    validation_keys,
    validation_report,
    validation_summary,
    which_density,
    write_validation,
)
from fepnet.cli import main
from fepnet.infra.artifacts import Artifacts
from fepnet.infra.plotting import pyplot

KEYS = {"max_abs_z", "var_ratio_range", "energy_distance_p", "ess_per_s", "nuts_ess_per_s", "verdict"}
SMALL = dict(n_chains=2, n_draws=1500, burn_in=100, n_nuts_warmup=200, progress=False)


def _network():
    rng = np.random.default_rng(1)
    J = rng.normal(scale=0.6, size=(6, 6))
    J = 0.5 * (J + J.T)
    np.fill_diagonal(J, 0.0)
    return fepnet.Network(J, rng.normal(scale=0.2, size=6))


def _vn(**kw):
    return ValidationNetwork("small", _network(), np.linspace(-0.5, 0.5, 6), 1.0, "a 6-node test network",
                             grid_shape=(2, 3), **kw)


# ----------------------------------------------------------------------------- a hand-made result


def _nuts(y, net, ev):
    idata = from_chains(y, network=net, evidence=ev, wall_s=2.0, sampler="NUTS")
    idata.sample_stats["diverging"] = (("chain", "draw"), np.zeros(y.shape[:2], bool))
    return idata


@pytest.fixture(scope="module")
def result():
    """A ValidationResult built from random draws (no sampler runs): synchronous off in node 2, sequential fine."""
    rng = np.random.default_rng(0)
    vn = _vn(patterns=rng.normal(size=(2, 6)), pattern_labels=("a", "b"))
    net, ev = vn.network, vn.evidence
    draws = {name: np.tanh(rng.normal(size=(2, 300, 6))) for name in ("synchronous", "sequential", "boltzmann",
                                                                      "pi_sync")}
    draws["synchronous"][..., 2] = np.tanh(rng.normal(0.8, 1.0, size=(2, 300)))
    runs = {s: from_chains(draws[s], network=net, evidence=ev, schedule=s, wall_s=0.5)
            for s in ("synchronous", "sequential")}
    nuts = {name: _nuts(draws[name], net, ev) for name in ("boltzmann", "pi_sync")}
    summaries = {name: summarize(data, f"NUTS ({name})") for name, data in nuts.items()}
    labels = {"boltzmann": "NUTS (Boltzmann)", "pi_sync": "NUTS (pi_sync)"}
    comparisons = {(s, ref): compare(runs[s], nuts[ref], network=net, evidence=ev, n_permutations=100,
                                     reference_summary=summaries[ref], names=(s, labels[ref]))
                   for s, ref in (("synchronous", "boltzmann"), ("synchronous", "pi_sync"), ("sequential", "boltzmann"))}
    ranks = rng.integers(0, 10, size=(40, 7))
    p_values, p = rank_uniformity(ranks, 9)
    sbc = SBCResult(ranks[:, :6], ranks[:, 6], 9, np.zeros((40, 6)), np.zeros((40, 6)), p_values, p, 2, {})
    return ValidationResult(
        network=vn, schedules=("synchronous", "sequential"), runs=runs, nuts=nuts, nuts_summaries=summaries,
        references=dict(nuts), reference_labels=labels, comparisons=comparisons, sbc=sbc, sbc_doubled_it=sbc,
        pattern_correlations={"NUTS (Boltzmann)": [0.5, -0.25], "NUTS (pi_sync)": [0.25, 0.0],
                              "synchronous": [0.125, 0.75], "sequential": [0.5, -0.5]},
        settings=dict(seed=0, chains=2, draws=300, burn_in=0, nuts_draws=300, nuts_warmup=10, sbc_replications=40),
        n_devices=1, wall_s=3.25)


def test_summary_of_a_hand_made_result(result):
    summary = validation_summary(result)
    assert list(summary) == ["synchronous", "sequential"]
    for schedule, entry in summary.items():
        assert KEYS <= set(entry) and entry["reference"] == "boltzmann", schedule
        c = result.comparisons[(schedule, "boltzmann")]
        assert entry["verdict"] == c.verdict and entry["max_abs_z"] == c.max_abs_z
        assert entry["nuts_ess_per_s"] == result.nuts_summaries["boltzmann"].ess_per_s
    assert summary["synchronous"]["verdict"] == "biased" and summary["sequential"]["verdict"] == "consistent"
    assert summary["synchronous"]["pi_sync"]["reference"] == "pi_sync"
    assert summary["synchronous"]["samples"] == which_density(result.comparisons[("synchronous", "boltzmann")],
                                                              result.comparisons[("synchronous", "pi_sync")])
    files = ["validation.json", "details.json"]
    details = validation_details(result, files)
    assert details["files"] == files and details["wall_s"] == 3.25
    assert validation_details(result, files, wall_s=7.0)["wall_s"] == 7.0
    assert details["network"]["n_nodes"] == 6 and details["settings"] == result.settings
    assert set(details["comparisons"]) == {"synchronous vs boltzmann", "synchronous vs pi_sync",
                                           "sequential vs boltzmann"}
    assert details["nuts"]["boltzmann"]["divergences"] == 0
    assert details["gibbs_vs_nuts"]["schedule"] == "sequential" and details["gibbs_vs_nuts"]["devices"] == 1
    assert details["posterior_mean_vs_patterns"] == {"labels": ["a", "b"], "pearson_r": result.pattern_correlations}
    assert details["sbc"]["replications"] == 40 and details["sbc"]["exact_p"] == result.sbc.p_value
    json.dumps(details, allow_nan=False)


def test_which_density(result):
    biased, fine = result.comparisons[("synchronous", "boltzmann")], result.comparisons[("sequential", "boltzmann")]
    assert which_density(biased, fine) == "pi_sync"
    assert which_density(fine, biased) == "boltzmann"
    assert which_density(fine, fine) == "indistinguishable"
    assert which_density(biased, biased) == "neither"


def test_report_and_terminal_text_of_a_hand_made_result(result):
    details = validation_details(result, ["validation.json", "details.json", "report.md", "report.html",
                                          "couplings.png", "moments_synchronous_pi_sync.png"])
    md = validation_report(result, details).markdown()
    assert md.startswith("# fepnet validation: small network")
    assert "| sequential | NUTS (Boltzmann) |" in md and "| synchronous | NUTS (pi_sync) |" in md
    assert "What the synchronous schedule samples" in md
    assert "| sampler | r with 'a' | r with 'b' |" in md and "| synchronous | 0.12 | 0.75 |" in md
    assert "Simulation-based calibration of the exact Gibbs sampler" in md and "40 replications" in md
    assert "](couplings.png)" in md and "](moments_synchronous_pi_sync.png)" in md
    assert "*Means (±2 MCSE), variance ratios and pair correlations: synchronous" in md
    assert "SPEC" not in md  # the report cites equations and the paper, never an absent specification document
    text = format_validation(validation_summary(result), "outdir")
    lines = text.splitlines()
    assert lines[0].startswith("schedule") and len(lines) == 6
    assert lines[1].startswith("synchronous   boltzmann") and lines[1].endswith("biased")
    assert "-> the synchronous chain samples:" in lines[3]
    assert lines[-1] == f"wrote {os.path.join('outdir', 'validation.json')}, details.json, report.md, report.html " \
                        f"and figures"
    assert len(format_validation(validation_summary(result)).splitlines()) == 5


def test_write_validation_of_a_hand_made_result(result, tmp_path):
    out = Artifacts(tmp_path / "w")
    files = write_validation(out, result)
    figures = [f for f in files if f.endswith(".png")]
    assert files[:4] == ["validation.json", "details.json", "report.md", "report.html"]
    assert figures == ["couplings.png", "coupling_graph.png", "posterior_means.png", "moments_synchronous.png",
                       "marginals_synchronous.png", "moments_synchronous_pi_sync.png", "moments_sequential.png",
                       "marginals_sequential.png", "correlations_synchronous.png", "trace_sequential.png",
                       "trace_reference.png", "sbc_ranks.png", "sbc_ranks_doubled_it.png"]
    assert sorted(os.listdir(tmp_path / "w")) == sorted(files)
    assert sorted(out.files) == sorted(str(tmp_path / "w" / f) for f in files)
    on_disk = json.loads((tmp_path / "w" / "validation.json").read_text())
    assert on_disk == json.loads(json.dumps(validation_summary(result)))
    details = json.loads((tmp_path / "w" / "details.json").read_text())
    assert details["files"] == files and details["wall_s"] >= result.wall_s - 0.01
    report = (tmp_path / "w" / "report.md").read_text()
    for f in figures:
        assert f"]({f})" in report
    assert not pyplot().get_fignums()  # every figure closed
    assert write_validation(Artifacts(tmp_path / "nf"), result, figures=False) == files[:4]


def test_figures_follow_the_result(result):
    no_grid = dataclasses.replace(result, sbc=None, network=dataclasses.replace(result.network, grid_shape=None))
    names = []
    for name, fig in validation_figures(no_grid):
        names.append(name)
        pyplot().close(fig)
    assert "posterior_means.png" not in names and "sbc_ranks.png" not in names and "couplings.png" in names


# ----------------------------------------------------------------------------- compute


def test_keys_and_schedules():
    keys = validation_keys(3)
    np.testing.assert_array_equal(jax.random.key_data(keys),
                                  jax.random.key_data(jax.random.split(jax.random.key(3), 8)))
    assert check_schedules("chromatic") == ("chromatic",)
    assert check_schedules(["sequential", "synchronous", "sequential"]) == ("synchronous", "sequential")
    with pytest.raises(ValueError, match="schedules must be"):
        check_schedules(())
    with pytest.raises(ValueError, match="seed must be >= 0"):
        validation_keys(-1)


def test_run_validation_rejects_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="network must be a ValidationNetwork"):
        run_validation("random")
    with pytest.raises(ValueError, match="schedules must be"):
        run_validation(_vn(), ("gibbs",))
    with pytest.raises(ValueError, match="chains must be >= 2"):
        run_validation(_vn(), n_chains=1)
    with pytest.raises(ValueError, match="draws must be >= 100"):
        run_validation(_vn(), n_draws=10)
    with pytest.raises(TypeError, match="network must be a ValidationNetwork"):
        validate("hopfield", out=tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        validate(_vn(), out=tmp_path / "file")
    assert main(["validate", "--network", "no-such-network"]) == 2


# ----------------------------------------------------------------------------- end to end


@pytest.mark.slow  # end to end (38 s on 2 cores); CI's `fepnet demo` runs the whole validation and checks validation.json
def test_validate_small_network_writes_everything(tmp_path):
    out = tmp_path / "v"
    # 200 SBC replications, as tests/test_diagnostics/test_sbc.py runs on the same network: the same compiled program
    result = validate(_vn(), ("sequential", "synchronous"), out, n_sbc_replications=200, **SMALL)
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
    assert details["sbc"]["replications"] == 200
    assert details["settings"] == dict(seed=0, chains=2, draws=1500, burn_in=100, nuts_draws=1500, nuts_warmup=200,
                                       sbc_replications=200)
    assert details["gibbs_vs_nuts"]["schedule"] == "sequential"
    report = (out / "report.md").read_text()
    assert "| sequential | NUTS (Boltzmann) |" in report and "What the synchronous schedule samples" in report
    for name in details["files"]:
        assert (out / name).exists(), name
    figures = [f for f in details["files"] if f.endswith(".png")]
    assert {"couplings.png", "moments_sequential.png", "moments_synchronous_pi_sync.png", "sbc_ranks.png"} <= set(figures)
    for f in figures:
        assert f"]({f})" in report


def test_cli_validate_loaded_network_wiring(result, tmp_path, capsys, monkeypatch):
    """The command's part: a saved network loaded, its arguments passed on, files written without figures, the
    summary printed. The computation is faked with the hand-made result (the sampling: the end-to-end test above; the
    command end to end: the slow test below)."""
    import diagnostics.validation as dv

    path = tmp_path / "net.npz"
    _network().save(path)
    seen = {}

    def fake(network, schedules, **kwargs):
        seen.update(network=network, schedules=schedules, **kwargs)
        return dataclasses.replace(result, network=network, sbc=None, sbc_doubled_it=None,
                                   pattern_correlations=None)  # a loaded network comes without patterns

    monkeypatch.setattr(dv, "run_validation", fake)
    out = tmp_path / "cli"
    code = main(["validate", "--network", str(path), "--schedule", "sequential", "synchronous", "--out", str(out),
                 "--chains", "2", "--draws", "1500", "--burn-in", "100", "--nuts-warmup", "200",
                 "--sbc-replications", "0", "--no-figures", "--no-progress"])
    assert code == 0
    loaded = seen.pop("network")
    assert loaded.name == "loaded"
    np.testing.assert_array_equal(np.asarray(loaded.network.couplings), np.asarray(_network().couplings))
    np.testing.assert_array_equal(np.asarray(loaded.network.biases), np.asarray(_network().biases))
    assert seen == dict(schedules=["sequential", "synchronous"], seed=0, n_chains=2, n_draws=1500, burn_in=100,
                        n_nuts_warmup=200, n_sbc_replications=0, progress=False)
    printed = capsys.readouterr().out
    assert "synchronous" in printed and "sequential" in printed and "validation.json" in printed
    written = json.loads((out / "validation.json").read_text())
    assert list(written) == ["synchronous", "sequential"] and KEYS <= set(written["sequential"])
    assert written == json.loads(json.dumps(validation_summary(result)))
    assert sorted(os.listdir(out)) == ["details.json", "report.html", "report.md", "validation.json"]  # no figures
    details = json.loads((out / "details.json").read_text())
    assert details["sbc"] is None and details["network"]["name"] == "loaded"


@pytest.mark.slow
def test_cli_validate_loaded_network(tmp_path, capsys):
    """The command end to end on a saved network (its own sampler runs; the fast wiring test above fakes them)."""
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
    details = json.loads((out / "details.json").read_text())
    assert details["sbc"] is None and details["network"]["name"] == "loaded"


def test_cli_checks_the_output_directory_before_the_work(tmp_path, monkeypatch, capsys):
    import diagnostics.validation as dv

    monkeypatch.setattr(dv, "run_validation", lambda *a, **k: pytest.fail("ran before checking --out"))
    (tmp_path / "file").write_text("x")
    assert main(["validate", "--network", "random", "--out", str(tmp_path / "file"), "--no-progress"]) == 2
    assert "not a directory" in capsys.readouterr().err
