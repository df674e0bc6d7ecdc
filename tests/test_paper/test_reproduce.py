"""`fepnet reproduce`: summaries (per-seed values, median, IQR, published), checks, files; quick smoke runs."""

import json

import matplotlib.image as mpimg
import numpy as np
import pytest

from fepnet import paper
from fepnet.cli import main
from fepnet.paper.reproduce import checks, reproduce, summarize

METRICS = {
    "sim1": ["train_corr", "attractor_corr"],
    "sim3": ["asymmetry", "sym_attractors_match", "order_score"],
    "sim4": ["retrieval_before", "retrieval_after", "generalization_before", "generalization_after", "coupling_corr"],
}


def test_summarize_gives_values_median_quartiles_and_published():
    per_seed = [{"train_corr": v, "attractor_corr": -v} for v in (0.1, 0.2, 0.3, 0.4, float("nan"))]
    s = summarize("sim1", per_seed)
    t = s["train_corr"]
    assert t["values"][:4] == [0.1, 0.2, 0.3, 0.4] and t["values"][4] is None
    assert t["median"] == pytest.approx(0.25)
    assert (t["q25"], t["q75"]) == (pytest.approx(0.175), pytest.approx(0.325))
    assert t["iqr"] == pytest.approx(0.15)
    assert t["n_finite"] == 4
    assert t["published"] == 0.77 and s["attractor_corr"]["published"] == -0.19
    json.dumps(s, allow_nan=False)  # valid JSON: NaN became null


def test_summarize_nests_sim2_networks_and_keeps_integer_counts():
    m = {name: {"retrieval": 0.1, "generalization": 0.0, "n_attractors": 3, "orthogonality": float("nan")}
         for name in ("balanced", "high", "low")}
    s = summarize("sim2", [dict(m, orthogonality_data=23.0)] * 3)
    assert s["balanced"]["n_attractors"]["values"] == [3, 3, 3]
    assert s["low"]["orthogonality"]["median"] is None  # one attractor: orthogonality undefined
    assert s["orthogonality_data"]["published"] == 29.94


def test_checks_follow_the_acceptance_rules():
    good = summarize("sim3", [{"asymmetry": 0.98, "sym_attractors_match": 3, "order_score": 1.0}])
    bad = summarize("sim3", [{"asymmetry": 0.5, "sym_attractors_match": 2, "order_score": float("nan")}])
    assert [c["pass"] for c in checks("sim3", good)] == [True, True, True]
    assert [c["pass"] for c in checks("sim3", bad)] == [False, False, None]


@pytest.mark.parametrize("sim", ["sim1", "sim3", "sim4"])
def test_quick_reproduce_writes_summary_and_figures(sim, tmp_path):
    s = reproduce(sim, seeds=2, out=str(tmp_path), quick=True, progress=False)
    on_disk = json.loads((tmp_path / sim / "summary.json").read_text())
    assert on_disk == s
    for key in METRICS[sim]:
        entry = s[key]
        assert len(entry["values"]) == 2
        finite = [v for v in entry["values"] if v is not None]
        if finite:
            assert entry["median"] == pytest.approx(float(np.median(finite)))
        assert entry["published"] == paper.PUBLISHED[sim][key]
    assert s["meta"]["seeds"] == [0, 1] and s["meta"]["quick"] is True
    assert s["meta"]["checks"]
    for name in s["meta"]["files"]:
        path = tmp_path / sim / name
        assert path.stat().st_size > 0
        if name.endswith(".png"):
            image = mpimg.imread(path)
            assert image[..., :3].std() > 0.02  # not blank


def test_seeds_are_independent_and_reproducible(tmp_path):
    a = reproduce("sim3", seeds=2, out=str(tmp_path / "a"), quick=True, progress=False)
    b = reproduce("sim3", seeds=2, out=str(tmp_path / "b"), quick=True, progress=False)
    assert a["asymmetry"]["values"] == b["asymmetry"]["values"]
    assert a["asymmetry"]["values"][0] != a["asymmetry"]["values"][1]


def test_cli_reproduce_sim2_quick(tmp_path, capsys):
    assert main(["reproduce", "sim2", "--seeds", "1", "--quick", "--out", str(tmp_path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    s = json.loads((tmp_path / "sim2" / "summary.json").read_text())
    for name in ("balanced", "high", "low"):
        assert set(s[name]) == {"retrieval", "generalization", "n_attractors", "orthogonality"}
    assert "orthogonality_data" in s and "balanced.retrieval" in printed
    assert (tmp_path / "sim2" / "balanced_angles.png").exists()


@pytest.mark.parametrize("argv", [["reproduce"], ["reproduce", "sim5"], ["reproduce", "sim1", "--seeds", "0"]])
def test_reproduce_bad_arguments(argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_reproduce_rejects_bad_values(tmp_path):
    with pytest.raises(ValueError, match="simulation"):
        reproduce("sim9", out=str(tmp_path))
    with pytest.raises(ValueError, match="seeds"):
        reproduce("sim1", seeds=0, out=str(tmp_path))
