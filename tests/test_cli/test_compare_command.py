"""`fepnet compare`: the command's wiring, its files and verdicts (the study itself: tests/test_diagnostics)."""

import inspect
import json

import numpy as np
import pytest

from fepnet.cli import compare as compare_cmd
from fepnet.cli import main
from fepnet.paper.protocols import NETWORKS, SIM2, SIM3

FILES = {"compare.json", "report.md", "report.html"} | {
    f"{kind}_{name}.png" for kind in ("elpd", "pointwise", "couplings") for name in ("sequence", "random")}


class _Stop(Exception):
    pass


def test_compare_orders_defaults_are_the_papers_protocol():
    """diagnostics cannot import fepnet.paper: its written-out defaults must equal the paper's constants."""
    from diagnostics.sequence_comparison import compare_orders, sequence_data

    paper = compare_cmd.paper_settings()
    level, it = NETWORKS["balanced"]
    assert paper == dict(digits=SIM3["digits"], evidence_level=SIM3["evidence_level"],
                         inverse_temperature=SIM3["inverse_temperature"], learning_rate=SIM3["learning_rate"],
                         n_epochs=SIM3["n_epochs"], heldout_evidence_level=level, heldout_inverse_temperature=it,
                         heldout_learning_rate=SIM2["learning_rate"], heldout_steps_per_epoch=SIM2["steps_per_epoch"])
    defaults = {k: p.default for k, p in inspect.signature(compare_orders).parameters.items()}
    assert {k: defaults[k] for k in paper} == paper
    data_defaults = {k: p.default for k, p in inspect.signature(sequence_data).parameters.items()}
    for k in ("digits", "evidence_level", "inverse_temperature", "learning_rate", "n_epochs"):
        assert data_defaults[k] == paper[k], k


def test_compare_passes_its_arguments_and_the_papers_protocol(tmp_path, monkeypatch):
    import diagnostics.sequence_comparison as sc

    seen = {}

    def fake(key, **kwargs):
        seen.update(kwargs, out_made=(tmp_path / "o").is_dir())
        raise _Stop

    monkeypatch.setattr(sc, "compare_orders", fake)
    with pytest.raises(_Stop):  # --debug: the exception goes through
        main(["--debug", "compare", "--out", str(tmp_path / "o"), "--transitions", "7", "--svi-steps", "9",
              "--draws", "3", "--source", "training", "--no-heldout", "--no-progress"])
    assert seen.pop("out_made")  # the output directory is made before the work ...
    assert seen == dict(compare_cmd.paper_settings(), n_transitions=7, source="training", svi_steps=9, n_draws=3,
                        heldout=False, progress=False)
    assert not (tmp_path / "o").exists()  # ... and removed again when the run fails with nothing written


def test_compare_checks_the_output_directory_before_the_work(tmp_path, monkeypatch, capsys):
    import diagnostics.sequence_comparison as sc

    def fake(key, **kwargs):
        raise AssertionError("the work started before the output directory was checked")

    monkeypatch.setattr(sc, "compare_orders", fake)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["compare", "--out", str(blocker), "--no-progress"]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["compare", "--out", str(blocker / "below"), "--no-progress"]) == 2
    assert "cannot be created" in capsys.readouterr().err


def test_compare_cli_rejects_bad_arguments(capsys):
    assert main(["compare", "--transitions", "0"]) == 2
    assert "--transitions" in capsys.readouterr().err
    assert main(["compare", "--draws", "1"]) == 2
    assert "--draws" in capsys.readouterr().err


def _check_verdict(s):
    """The pair_summary rule: decisive means |diff| > 2 se_diff; then the higher elpd, else the simpler model."""
    diff = s["elpd_asymmetric"] - s["elpd_symmetric"]
    assert np.isfinite(s["elpd_symmetric"]) and np.isfinite(s["elpd_asymmetric"]) and s["se_diff"] > 0
    assert s["elpd_diff"] == pytest.approx(diff) and s["z"] == pytest.approx(diff / s["se_diff"])
    assert s["decisive"] == (abs(diff) > 2 * s["se_diff"])
    assert s["preferred"] == (("asymmetric" if diff > 0 else "symmetric") if s["decisive"] else "symmetric")


def _run(tmp_path, capsys, transitions, svi_steps, draws):
    """``fepnet compare`` without the held-out ranking: (printed text, compare.json, the output directory)."""
    out = tmp_path / "cmp"
    args = ["compare", "--out", str(out), "--transitions", str(transitions), "--svi-steps", str(svi_steps),
            "--draws", str(draws), "--no-heldout", "--no-progress"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "elpd_loo" in printed and "sequence data" in printed and "random data" in printed
    result = json.loads((out / "compare.json").read_text())
    for name in ("sequence", "random"):
        _check_verdict(result[name])
    assert result["settings"]["n_transitions"] == transitions and "heldout" not in result
    return printed, result, out


@pytest.mark.slow  # end to end (35 s on 2 cores); the wiring tests above and the studies' unit tests stay in the default suite
def test_compare_cli_writes_every_file_and_a_sane_verdict(tmp_path, capsys):
    """Small sizes: the fits are rough (random-order data may still favour the asymmetric model), the sequence
    data's preference for asymmetric couplings is not (elpd difference measured 1256, se_diff 58). 40 SVI steps run
    as 20 chunks of 2: one compiled update per fit (50 would compile chunks of 3 and of 2)."""
    printed, result, out = _run(tmp_path, capsys, 50, 40, 20)
    assert f"wrote:       {out / 'compare.json'}" in printed
    assert {p.name for p in out.iterdir()} == FILES
    for name in FILES:
        assert (out / name).stat().st_size > 1000, name
    for name in ("sequence", "random"):
        models = result[name]["table"]["models"]
        assert set(models) == {"symmetric", "asymmetric"} and models["symmetric"]["n_free"] == 64 * 63 // 2
    assert result["sequence"]["preferred"] == "asymmetric" and result["sequence"]["decisive"]
    assert result["settings"] == dict(source="evidence", n_transitions=50, svi_steps=40, n_draws=20,
                                      step_size=0.01, pointwise="node", digits=[1, 2, 3], evidence_level=20.0,
                                      inverse_temperature=1.0, heldout_epochs=1000)
    report = (out / "report.md").read_text()
    assert all(f"{name})" in report for name in FILES if name.endswith(".png"))


@pytest.mark.slow
def test_compare_cli_prefers_asymmetric_only_on_sequence_data(tmp_path, capsys):
    _, result, out = _run(tmp_path, capsys, 120, 400, 40)
    seq, rnd = result["sequence"], result["random"]
    assert seq["preferred"] == "asymmetric"
    assert seq["elpd_asymmetric"] - seq["elpd_symmetric"] > 2 * seq["se_diff"]
    assert rnd["preferred"] == "symmetric"
    assert not rnd["elpd_asymmetric"] - rnd["elpd_symmetric"] > 2 * rnd["se_diff"]
    for name in ("elpd_sequence.png", "pointwise_random.png", "couplings_sequence.png", "report.md", "report.html"):
        assert (out / name).stat().st_size > 1000
