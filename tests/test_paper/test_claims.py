"""The claims page generator (fepnet.paper.claims) on a tiny synthetic results directory."""

import json

import pytest

from fepnet.paper.claims import CLAIMS, assess_claims, claims_markdown, loglog_slope


def _metric(median, published=None, q25=None, q75=None):
    return {"values": [median], "median": median, "q25": median if q25 is None else q25,
            "q75": median if q75 is None else q75, "iqr": 0.0, "n_finite": 1, "published": published}


def _meta(checks, notes=None, quick=False):
    return {"simulation": "x", "seeds": [0, 1], "quick": quick, "checks": checks, "notes": notes}


def _entry(verdict, z, reference="boltzmann", sampler="NUTS"):
    return {"reference": reference, "reference_sampler": sampler, "max_abs_z": z, "var_ratio_range": [0.9, 1.1],
            "energy_distance_p": 0.5, "max_abs_correlation_difference": 0.03, "max_abs_mean_difference": 0.01,
            "energy_difference_in_sd": 0.02, "verdict": verdict}


def _write(root, path, obj):
    p = root / path
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(obj))


@pytest.fixture
def results(tmp_path):
    root = tmp_path / "results"
    sync = _entry("biased", 13.5)
    sync["pi_sync"] = _entry("consistent", 3.2, reference="pi_sync")
    sync["samples"] = "pi_sync"
    _write(root, "validate/validation.json", {"synchronous": sync, "sequential": _entry("consistent", 2.1),
                                              "chromatic": _entry("biased", 7.0)})
    _write(root, "validate-sequence/validation.json", {"sequential": _entry("biased", 2122.0, sampler="PT")})
    _write(root, "reproduce/sim1/summary.json", {
        "train_corr": _metric(0.77, 0.77), "attractor_corr": _metric(-0.18, -0.19),
        "meta": _meta([{"check": "attractor_corr <= -0.05", "value": -0.18, "pass": True}])})
    _write(root, "reproduce/sim2/summary.json", {
        "balanced": {"orthogonality": _metric(18.9, 17.34)}, "orthogonality_data": _metric(23.3, 29.94),
        "meta": _meta([{"check": "balanced orthogonality < orthogonality_data", "value": [18.9, 23.3],
                        "pass": True}])})
    _write(root, "reproduce/sim3/summary.json", {
        "asymmetry": _metric(0.98, 0.98), "order_score": _metric(1.0), "sym_attractors_match": _metric(3.0, 3),
        "meta": _meta([{"check": "asymmetry >= 0.9", "value": 0.98, "pass": True}], quick=True)})
    _write(root, "reproduce/sim4/summary.json", {
        "retrieval_before": _metric(0.29), "retrieval_after": _metric(0.23), "generalization_before": _metric(0.07),
        "generalization_after": _metric(0.0), "coupling_corr": _metric(0.97, 0.973),
        "meta": _meta([{"check": "retrieval_after >= retrieval_before - 0.05", "value": [0.29, 0.23], "pass": False},
                       {"check": "coupling_corr >= 0.8", "value": 0.97, "pass": True}], notes="scores fall")})
    _write(root, "capacity/capacity.json", {
        "alpha_c": {"fep": {"random": {"n100": 0.35, "n100_ci": [0.34, 0.36], "n400": 0.31}}},
        "published_table": {}, "settings": {"ci_level": 0.95}, "wall_s": 1.0})
    n = [1000, 4096, 10000, 20000]
    _write(root, "scaling/scaling.json", {"n": n, "fepnet_steps_per_s": [5e3] + [1e9 / x ** 2 for x in n[1:]]})
    _write(root, "MANIFEST.json", {"entries": [{"path": "validate/", "command": "fepnet validate", "date": "D",
                                                "machine": "M", "wall": "1 s"}]})
    return root


def _verdicts(root):
    return {c["title"]: c["verdict"] for c in assess_claims(root)}


def test_verdict_lines_follow_the_json(results):
    text = claims_markdown(results)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "**" in line]
    assert len(rows) == len(CLAIMS) == 9
    v = _verdicts(results)
    assert v["Synchronous inference samples the posterior"] == "not supported"
    assert v["The antisymmetric part leaves the Boltzmann density intact"] == "not supported"
    assert v["Deterministic updates minimise free energy"] == "not tested by a command yet"  # no meta.free_energy
    assert v["Learning is local free-energy minimisation"] == "not tested by a command yet"
    assert v["Attractors orthogonalise"] == "supported"
    assert v["Sequences give asymmetric couplings"] == "supported"
    assert v["Resisting catastrophic forgetting"] == "partly supported"
    assert v["Capacity approaching N"] == "partly supported"
    assert v["Runtime O(N^2)"] == "supported"
    # the numbers come from the files
    assert "| synchronous | NUTS | 13.50 |" in text and "| synchronous | NUTS | 3.20 |" in text
    assert "samples `pi_sync`" in text and "consistent with the Boltzmann posterior in 1 of 2 cases" in text
    assert "is -2.00" in text and "N = 4,096, 10,000, 20,000" in text
    assert "alpha_c = 0.350 N" in text and "- `retrieval_after >= retrieval_before - 0.05`: 0.290 vs 0.230 — FAIL" in text
    assert "Simulation 3 (`--quick` run: numbers not comparable with the paper)" in text
    assert "| `validate/` | `fepnet validate` | D | M | 1 s |" in text
    assert "(`compare/compare.json` is not in the results directory" in text


def test_changed_numbers_change_the_verdicts(results):
    n = [4096, 10000, 20000]
    (results / "scaling/scaling.json").write_text(json.dumps({"n": n, "fepnet_steps_per_s": [1e6 / x for x in n]}))
    v = json.loads((results / "validate/validation.json").read_text())
    v["synchronous"]["verdict"] = "consistent"
    (results / "validate/validation.json").write_text(json.dumps(v))
    verdicts = _verdicts(results)
    assert verdicts["Runtime O(N^2)"] == "not supported"
    assert verdicts["Synchronous inference samples the posterior"] == "supported"
    assert "is -1.00" in claims_markdown(results)


def test_missing_files_say_so_and_figures_link_relative_to_the_page(results, tmp_path):
    (results / "capacity/capacity.json").unlink()
    (results / "reproduce/sim2").mkdir(exist_ok=True)
    (results / "reproduce/sim2/balanced_angles.png").write_bytes(b"png")
    assert _verdicts(results)["Capacity approaching N"] == "no results"
    text = claims_markdown(results, page_dir=tmp_path / "elsewhere")
    assert "`capacity/capacity.json` is not in the results directory" in text
    assert "](../results/reproduce/sim2/balanced_angles.png)" in text
    assert "](results/reproduce/sim2/balanced_angles.png)" in claims_markdown(results)
    with pytest.raises(FileNotFoundError):
        claims_markdown(tmp_path / "absent")


def test_loglog_slope_skips_small_and_unmeasured_sizes():
    slope, used = loglog_slope([100, 4096, 8192, 16384], [1.0, 8.0, None, 2.0])
    assert used == [4096, 16384] and slope == pytest.approx(-1.0)
    assert loglog_slope([100, 4096], [1.0, 2.0]) == (None, [4096])


def _free_energy_meta(relax_pass=True, learn_pass=True, grad_pass=True):
    relax = {"inverse_temperature": 1.0, "sweeps": 2, "updates": 50, "couplings_asymmetry": 0.4,
             "max_increase": 4e-6 if relax_pass else 0.5, "max_relative_increase": 2e-7 if relax_pass else 0.03,
             "tolerance": 1e-5, "total_decrease": [2.5, 2.4], "pass": relax_pass,
             "synchronous": {"max_increase": 7e-6}}
    learn = {"first": -35.5, "last": -36.3 if learn_pass else -35.0, "decrease": 0.8 if learn_pass else -0.5,
             "epochs": 500, "window_epochs": 50, "pass": learn_pass}
    grad = {"n_nodes": 8, "n_states": 4, "max_abs_difference": 1e-9, "max_abs_update": 0.01,
            "relative_difference": 1e-7 if grad_pass else 0.7, "max_nonlocal_gradient": 0.0, "pass": grad_pass}
    checks = [{"claim": "deterministic", "check": "relaxation never raises F", "value": relax["max_relative_increase"],
               "pass": relax_pass},
              {"claim": "learning", "check": "F falls", "value": [learn["first"], learn["last"]], "pass": learn_pass},
              {"claim": "learning", "check": "rule is the gradient", "value": grad["relative_difference"],
               "pass": grad_pass}]
    return {"relaxation": [relax], "learning": [learn], "local_gradient": grad, "checks": checks}


def test_free_energy_claims_follow_meta_free_energy(results):
    path = results / "reproduce/sim1/summary.json"
    s1 = json.loads(path.read_text())
    for kwargs, det, learn in [({}, "supported", "supported"),
                               (dict(relax_pass=False, grad_pass=False), "not supported", "partly supported")]:
        s1["meta"]["free_energy"] = _free_energy_meta(**kwargs)
        path.write_text(json.dumps(s1))
        v = _verdicts(results)
        assert (v["Deterministic updates minimise free energy"], v["Learning is local free-energy minimisation"]) \
            == (det, learn)
    text = claims_markdown(results)
    assert "- `relaxation never raises F`: 0.03 — FAIL" in text and "- `F falls`: -35.5 vs -36.3 — pass" in text
    assert "largest rise of F" not in text and "0.5 nats" in text
    # the orthogonality claim still reads only the acceptance checks
    assert v["Attractors orthogonalise"] == "supported"
