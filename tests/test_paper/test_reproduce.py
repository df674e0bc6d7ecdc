"""`fepnet reproduce`: summaries (per-seed values, median, IQR, published), checks, files; quick one-seed smoke runs."""

import json

import matplotlib.image as mpimg
import numpy as np
import pytest

from fepnet import paper
from fepnet.cli import main
from fepnet.cli.reproduce import write_reproduction
from fepnet.infra.artifacts import Artifacts
from fepnet.paper.reproduce import TITLES, checks, reproduce, summarize
from fepnet.paper.reproduce_render import format_summary

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


def _check_summary(s, sim, n_seeds):
    for key in METRICS[sim]:
        entry = s[key]
        assert len(entry["values"]) == n_seeds
        finite = [v for v in entry["values"] if v is not None]
        if finite:
            assert entry["median"] == pytest.approx(float(np.median(finite)))
        assert entry["published"] == paper.PUBLISHED[sim][key]
    assert s["meta"]["seeds"] == list(range(n_seeds)) and s["meta"]["quick"] is True
    assert s["meta"]["checks"]


@pytest.mark.parametrize("sim", ["sim1", "sim3", "sim4"])
def test_quick_reproduce_then_write_summary_and_figures(sim, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = reproduce(sim, seeds=1, quick=True, progress=False)
    assert list(tmp_path.iterdir()) == []  # the computation writes nothing
    assert result.simulation == sim and "files" not in result.summary["meta"]
    assert json.loads(json.dumps(result.summary, allow_nan=False)) == result.summary  # plain JSON values
    _check_summary(result.summary, sim, 1)
    out = Artifacts(tmp_path / "out")
    s = write_reproduction(result, out)
    on_disk = json.loads((tmp_path / "out" / sim / "summary.json").read_text())
    assert on_disk == s
    assert {k: v for k, v in s.items() if k != "meta"} == {k: v for k, v in result.summary.items() if k != "meta"}
    assert s["meta"] == dict(result.summary["meta"], files=s["meta"]["files"])
    assert s["meta"]["files"][0] == "summary.json" and len(s["meta"]["files"]) > 1
    assert sorted(out.files) == sorted(str(tmp_path / "out" / sim / name) for name in s["meta"]["files"])
    for name in s["meta"]["files"]:
        path = tmp_path / "out" / sim / name
        assert path.stat().st_size > 0
        if name.endswith(".png"):
            image = mpimg.imread(path)
            assert image[..., :3].std() > 0.02  # not blank
    assert format_summary(s).startswith(TITLES[sim])


def test_seeds_are_independent_and_reproducible():
    a = reproduce("sim4", seeds=2, quick=True, progress=False).summary
    b = reproduce("sim4", seeds=2, quick=True, progress=False).summary
    _check_summary(a, "sim4", 2)
    assert a["coupling_corr"]["values"] == b["coupling_corr"]["values"]
    assert a["retrieval_before"]["values"] == b["retrieval_before"]["values"]
    assert a["coupling_corr"]["values"][0] != a["coupling_corr"]["values"][1]


@pytest.mark.slow
def test_seeds_are_independent_and_reproducible_sim3():
    a = reproduce("sim3", seeds=2, quick=True, progress=False).summary
    b = reproduce("sim3", seeds=2, quick=True, progress=False).summary
    assert a["asymmetry"]["values"] == b["asymmetry"]["values"]
    assert a["asymmetry"]["values"][0] != a["asymmetry"]["values"][1]


@pytest.mark.slow
def test_cli_reproduce_sim2_quick(tmp_path, capsys):
    assert main(["reproduce", "sim2", "--seeds", "1", "--quick", "--out", str(tmp_path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    s = json.loads((tmp_path / "sim2" / "summary.json").read_text())
    for name in ("balanced", "high", "low"):
        assert set(s[name]) == {"retrieval", "generalization", "n_attractors", "orthogonality"}
    assert "orthogonality_data" in s and "balanced.retrieval" in printed
    assert (tmp_path / "sim2" / "balanced_angles.png").exists()
    assert f"wrote:       {tmp_path / 'sim2'}/ ({', '.join(s['meta']['files'])})" in printed
    for name in s["meta"]["files"]:
        assert (tmp_path / "sim2" / name).stat().st_size > 0


def test_cli_reproduce_checks_the_output_directory_before_the_work(tmp_path, monkeypatch, capsys):
    import fepnet.paper.reproduce as rp

    monkeypatch.setattr(rp, "reproduce", lambda *a, **k: pytest.fail("ran before checking --out"))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["reproduce", "sim1", "--quick", "--out", str(blocker), "--no-progress"]) == 2
    assert "not a directory" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["reproduce"], ["reproduce", "sim9"], ["reproduce", "sim1", "--seeds", "0"]])
def test_reproduce_bad_arguments(argv, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_reproduce_rejects_bad_values():
    with pytest.raises(ValueError, match="simulation"):
        reproduce("sim9")
    with pytest.raises(ValueError, match="seeds"):
        reproduce("sim1", seeds=0)
