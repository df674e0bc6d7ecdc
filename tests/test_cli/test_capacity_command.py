"""``fepnet capacity`` and ``fepnet reproduce sim5``: the wiring (with a synthetic result in place of the
computation), the files and their keys, the published-vs-fepnet checks, and the argument errors."""

import importlib
import json
import sys
import types

import numpy as np
import pytest
from capacity_fixture import PUBLISHED_RECONSTRUCTION, PUBLISHED_RETENTION, sim5_dataset, synthetic_result

from fepnet.cli import main


def _patch_compute(monkeypatch, result, calls):
    """Make ``fepnet.capacity.compute.run_capacity`` return ``result`` (recording its arguments); a stand-in module
    when the real one is not there."""
    def fake_run(settings, *, key, progress=True):
        calls.append({"settings": settings, "key": key, "progress": progress})
        return result

    try:
        compute = importlib.import_module("fepnet.capacity.compute")
    except ModuleNotFoundError:
        compute = types.ModuleType("fepnet.capacity.compute")

        class CapacitySettings(dict):
            def __init__(self, **kw):
                super().__init__(kw)

            @classmethod
            def quick(cls):
                return cls(quick=True)

            def replace(self, **kw):
                return CapacitySettings(**{**self, **kw})

        compute.CapacitySettings = CapacitySettings
        monkeypatch.setitem(sys.modules, "fepnet.capacity.compute", compute)
    monkeypatch.setattr(compute, "run_capacity", fake_run, raising=False)
    import fepnet.capacity.examples as examples

    def fake_examples(key, **kw):
        calls.append({"examples": kw})
        return synthetic_result(repeats=1).examples

    monkeypatch.setattr(examples, "example_recalls", fake_examples)
    return compute


def test_capacity_writes_the_dataset_json_figures_and_report(tmp_path, capsys, monkeypatch):
    calls = []
    result = synthetic_result()
    _patch_compute(monkeypatch, result, calls)
    out = tmp_path / "cap"
    assert main(["capacity", "--out", str(out), "--quick", "--seed", "3", "--no-progress"]) == 0
    assert len(calls) == 2 and calls[0]["progress"] is False
    assert calls[1]["examples"]["n_patterns"] == 20 and calls[1]["examples"]["flip_fraction"] == 0.1
    import jax

    assert np.array_equal(jax.random.key_data(calls[0]["key"]), jax.random.key_data(jax.random.key(3)))
    summary = json.loads((out / "capacity.json").read_text())
    assert list(summary) == ["alpha_c", "published_table", "settings", "wall_s"]
    assert set(summary["alpha_c"]) == {"fep", "hebbian", "storkey", "projector"}
    assert set(summary["alpha_c"]["fep"]) == {"random", "biased", "digits"}
    assert set(summary["alpha_c"]["fep"]["random"]) == {"n100", "n100_ci", "n400"}
    assert set(summary["published_table"]) == {"K", "retention_published", "retention_fepnet",
                                               "reconstruction_published", "reconstruction_fepnet"}
    names = {p.name for p in out.iterdir()}
    assert {"capacity.nc", "capacity.json", "report.md", "report.html", "retention.png", "exact_recall.png",
            "reconstruction.png", "examples.png"} <= names
    assert not [n for n in names if n.startswith(".")]
    import xarray as xr

    with xr.open_dataset(out / "capacity.nc", engine="h5netcdf") as ds:
        assert set(ds.dims) >= {"rule", "family", "n_nodes", "n_patterns", "repeat", "flip_fraction", "schedule"}
        assert set(ds.exact_recall.dims) >= {"flip_fraction", "schedule"}
    text = capsys.readouterr().out
    assert "verdict:" in text and "alpha_c" in text


def test_capacity_no_figures(tmp_path, capsys, monkeypatch):
    calls = []
    _patch_compute(monkeypatch, synthetic_result(examples=False, repeats=2), calls)
    assert main(["capacity", "--out", str(tmp_path / "c"), "--quick", "--no-progress", "--no-figures"]) == 0
    assert not list((tmp_path / "c").glob("*.png"))
    assert len(calls) == 1  # no example network without figures


@pytest.mark.parametrize("argv, words", [
    (["--seed", "-1"], "--seed"),
    (["--seed", "x"], "--seed"),
    (["--quick", "--bogus"], "unrecognized arguments"),
])
def test_capacity_bad_arguments_are_one_line_exit_2(argv, words, tmp_path, capsys, monkeypatch):
    calls = []
    _patch_compute(monkeypatch, synthetic_result(), calls)
    assert main(["capacity", "--out", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err
    assert not calls and not (tmp_path / "o").exists()


def test_capacity_checks_the_output_directory_before_the_work(tmp_path, capsys, monkeypatch):
    calls = []
    _patch_compute(monkeypatch, synthetic_result(), calls)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["capacity", "--quick", "--out", str(blocker)]) == 2
    assert "not a directory" in capsys.readouterr().err and not calls


# --- fepnet reproduce sim5 --------------------------------------------------------------------------------------
def test_sim5_checks_pass_within_the_spread_and_fail_outside():
    from fepnet.paper.reproduce import summarize_sim5

    ret = np.asarray(PUBLISHED_RETENTION)
    rec = np.asarray(PUBLISHED_RECONSTRUCTION)
    close = summarize_sim5(sim5_dataset(ret - 0.02, rec + 0.025))  # within the 0.03 floor
    assert all(r["pass"] for m in ("retention", "reconstruction") for r in close[m].values())
    assert close["retention"]["K90"]["mean"] == pytest.approx(ret[-1] - 0.02)
    assert close["retention"]["K90"]["published"] == 0.8134 and close["retention"]["K90"]["tolerance"] == 0.03
    assert close["cue_correlation"]["K10"]["pass"] is None  # no published value
    far = summarize_sim5(sim5_dataset(ret - 0.05, rec))
    assert not any(r["pass"] for r in far["retention"].values())
    wide = summarize_sim5(sim5_dataset(ret - 0.05, rec, spread=0.2))  # IQR 0.2 > 0.05
    assert all(r["pass"] for r in wide["retention"].values())
    assert wide["retention"]["K50"]["iqr"] == pytest.approx(0.2)


def test_reproduce_sim5_prints_the_table_and_writes_the_summary(tmp_path, capsys, monkeypatch):
    import fepnet.paper.reproduce as rp

    calls = []
    ret = np.asarray(PUBLISHED_RETENTION)
    result = synthetic_result()._replace(dataset=sim5_dataset(ret, np.asarray(PUBLISHED_RECONSTRUCTION) + 0.1))
    _patch_compute(monkeypatch, result, calls)
    monkeypatch.setattr(rp, "sim5_settings", lambda repeats, quick: {"repeats": repeats, "quick": quick})
    assert main(["reproduce", "sim5", "--out", str(tmp_path / "r"), "--no-progress"]) == 0
    assert calls[0]["settings"] == {"repeats": 20, "quick": False}  # the paper's 20 repeats by default
    text = capsys.readouterr().out
    assert "Simulation 5" in text and "PASS" in text and "FAIL" in text and "9 of 18 checks pass" in text
    assert "some acceptance checks failed" in text
    summary = json.loads((tmp_path / "r" / "sim5" / "summary.json").read_text())
    assert summary["meta"]["repeats"] == 20 and len(summary["meta"]["checks"]) == 18
    assert summary["meta"]["files"] == ["summary.json", "retention.png", "reconstruction.png"]
    assert [summary["retention"][f"K{k}"]["pass"] for k in range(10, 100, 10)] == [True] * 9
    assert [summary["reconstruction"][f"K{k}"]["pass"] for k in range(10, 100, 10)] == [False] * 9


def test_sim5_settings_are_the_published_protocol():
    from fepnet.capacity.settings import CapacitySettings, k_grid
    from fepnet.paper import protocols
    from fepnet.paper.reproduce import sim5_settings

    s = sim5_settings(20)
    assert isinstance(s, CapacitySettings)
    assert s.families == ("random",) and s.n_nodes == 100 and s.large_nodes is None and s.n_repeats == 20
    assert tuple(k_grid(s.load_ratios, s.n_nodes)) == protocols.PUBLISHED["sim5"]["K"]
    p = s.protocol
    assert (p.n_epochs, p.steps_per_epoch, p.evidence_level, p.inverse_temperature, p.learning_rate) == \
        (10_000, 10, 2.0, 1.0, 0.0005)
    assert (s.recall_inverse_temperature, s.retention_steps, s.noise_sd, s.reconstruction_inverse_temperature,
            s.reconstruction_steps, s.burn_in, s.reconstruction_start) == (100.0, 150, 2.0, 1.0, 20, 5, "langevin")
    assert sim5_settings(2, quick=True).protocol.n_epochs == 100


@pytest.mark.slow
def test_capacity_quick_end_to_end(tmp_path, capsys):
    """The real computation on the --quick grid: every file, exactly the issue's keys, the verdict printed."""
    out = tmp_path / "q"
    assert main(["capacity", "--quick", "--out", str(out), "--no-progress"]) == 0
    summary = json.loads((out / "capacity.json").read_text())
    assert list(summary) == ["alpha_c", "published_table", "settings", "wall_s"]
    assert {"capacity.nc", "retention.png", "exact_recall.png", "reconstruction.png", "examples.png", "report.md"} <= \
        {p.name for p in out.iterdir()}
    assert "verdict:" in capsys.readouterr().out
    assert "Verdict on the paper's claim" in (out / "report.md").read_text()


@pytest.mark.slow
def test_reproduce_sim5_quick_end_to_end(tmp_path, capsys):
    assert main(["reproduce", "sim5", "--quick", "--seeds", "2", "--out", str(tmp_path / "r"), "--no-progress"]) == 0
    summary = json.loads((tmp_path / "r" / "sim5" / "summary.json").read_text())
    assert len(summary["meta"]["checks"]) == 18 and summary["meta"]["repeats"] == 2
    assert all(len(summary["retention"][f"K{k}"]["values"]) == 2 for k in range(10, 100, 10))
    assert "of 18 checks pass" in capsys.readouterr().out
