"""`fepnet demo`: the README's main job, on a shortened schedule."""

import json

import matplotlib.image as mpimg
import numpy as np
import pytest

import fepnet
from fepnet.cli import main


def test_demo_writes_summary_network_and_figures(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--epochs", "300", "--no-progress", "--seed", "3", "--no-validate"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert f"attractors:  {summary['n_attractors']}" in printed
    assert 1 <= summary["n_attractors"] <= 10
    assert summary["settings"]["n_epochs"] == 300
    assert summary["settings"]["evidence_level"] == 11.0
    net = fepnet.Network.load(out / "network.npz")
    assert net.size == 64
    assert summary["asymmetry"] == pytest.approx(float(net.asymmetry()), rel=1e-6)
    assert float(np.abs(np.asarray(net.couplings)).max()) > 0
    for name in ("couplings.png", "attractors.png", "training_digits.png"):
        image = mpimg.imread(out / name)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
        assert image[..., :3].std() > 0.05  # not a blank canvas
    assert "validation" not in summary and not (out / "validation").exists()


def test_demo_validates_the_trained_network(tmp_path, capsys, monkeypatch):
    """The wiring of demo's validation step (the pipeline itself: tests/test_diagnostics_validate.py)."""
    import diagnostics.validation as dv

    seen = {}

    def fake_validate(network, out, seed, progress):
        seen.update(network=network, out=out, seed=seed)
        entry = {"verdict": "consistent"}
        return {"synchronous": {"verdict": "biased", "samples": "pi_sync"}, "sequential": entry}

    monkeypatch.setattr(dv, "validate", lambda network, out, seed, progress: fake_validate(network, out, seed, progress))
    out = tmp_path / "demo"
    # 300 epochs as above: the same compiled training and attractor programs (compilation is most of a demo's time)
    assert main(["demo", "--out", str(out), "--epochs", "300", "--no-progress", "--seed", "1"]) == 0
    vn = seen["network"]
    assert isinstance(vn, dv.ValidationNetwork) and vn.name == "digits-balanced"
    trained = fepnet.Network.load(out / "network.npz")
    np.testing.assert_allclose(np.asarray(vn.network.couplings), np.asarray(trained.symmetrized().couplings))
    assert seen["out"] == str(out / "validation") and seen["seed"] == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["validation"] == {"synchronous": "biased", "sequential": "consistent",
                                     "synchronous_samples": "pi_sync"}
    assert "the synchronous chain samples pi_sync" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["demo", "--epochs", "0"], ["demo", "--epochs", "x"], ["nonsense"], []])
def test_bad_arguments_exit_with_usage_error(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err


def test_demo_checks_the_output_directory_before_training(tmp_path, monkeypatch, capsys):
    import fepnet.paper.demo as pd

    monkeypatch.setattr(pd, "train_balanced", lambda *a, **k: pytest.fail("trained before checking --out"))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["demo", "--out", str(blocker), "--no-progress", "--no-validate"]) == 2
    assert "not a directory" in capsys.readouterr().err
