"""fepnet.paper: the published protocols' helpers, and smoke runs of each simulation at reduced sizes."""

import jax
import numpy as np
import pytest

import fepnet
from fepnet import paper
from fepnet.paper.reproduce import QUICK


def _pattern_states(patterns, labels, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    p = np.asarray(patterns)
    x = np.stack([p[k] if k >= 0 else rng.normal(size=p.shape[1]) for k in labels])
    return x + noise * rng.normal(size=x.shape)


def test_sequence_order_score_counts_forward_transitions():
    patterns = np.random.default_rng(1).normal(size=(3, 30))
    # visits 0 0 1 1 2 0 (forward x3: 0->1, 1->2, 2->0), then 2 (backward 0->2), then 0 (forward 2->0)
    labels = [0, 0, 1, 1, -1, 2, 0, 2, 0]
    score, recognised, n = paper.sequence_order_score(_pattern_states(patterns, labels), patterns)
    assert n == 5
    assert score == pytest.approx(4 / 5)
    np.testing.assert_array_equal(recognised, labels)


def test_sequence_order_score_reverse_cycle_scores_zero_and_no_transition_is_nan():
    patterns = np.random.default_rng(2).normal(size=(3, 30))
    score, _, n = paper.sequence_order_score(_pattern_states(patterns, [2, 1, 0, 2, 1]), patterns)
    assert (score, n) == (0.0, 4)
    score, _, n = paper.sequence_order_score(_pattern_states(patterns, [1, 1, 1]), patterns)
    assert np.isnan(score) and n == 0


def test_upper_triangle_correlation_ignores_diagonal_and_lower_triangle():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 6))
    b = a.copy()
    b[np.tril_indices(6)] = rng.normal(size=21)  # change only the diagonal and below
    assert paper.upper_triangle_correlation(a, b) == pytest.approx(1.0)
    assert paper.upper_triangle_correlation(a, -a) == pytest.approx(-1.0)


def test_attractor_starts_are_langevin_of_a_tenth_of_the_scaled_patterns():
    x = np.array([[1.0, -2.0, 0.5]])
    np.testing.assert_allclose(paper.attractor_starts(x, 11.0), np.asarray(fepnet.cb.langevin(1.1 * x)), rtol=1e-6)


def test_published_keys_match_the_issue():
    assert set(paper.PUBLISHED["sim1"]) == {"train_corr", "attractor_corr"}
    assert set(paper.PUBLISHED["sim2"]) == {"balanced", "high", "low", "orthogonality_data"}
    for name in ("balanced", "high", "low"):
        assert set(paper.PUBLISHED["sim2"][name]) == {"retrieval", "generalization", "n_attractors", "orthogonality"}
    assert set(paper.PUBLISHED["sim3"]) == {"asymmetry", "sym_attractors_match", "order_score"}
    assert set(paper.PUBLISHED["sim4"]) == {"retrieval_before", "retrieval_after", "generalization_before",
                                           "generalization_after", "coupling_corr"}


# The reduced runs below use `fepnet reproduce --quick`'s sizes (QUICK): compilation is nearly all of their time,
# and the same sizes are the same compiled programs, which tests/test_paper/test_reproduce.py runs again.


@pytest.mark.slow  # ~10 s; test_reproduce.py runs the same reduced Simulation 1 and checks its summary in the default suite
def test_simulation1_reduced_keeps_the_data_correlation_and_returns_finite_metrics():
    r = paper.simulation1(jax.random.key(0), **QUICK["sim1"])
    assert r.metrics["train_corr"] == pytest.approx(0.7706, abs=1e-3)
    assert -1.0 <= r.metrics["attractor_corr"] <= 1.0
    assert r.training.free_energy.free_energy.shape == (QUICK["sim1"]["n_epochs"], 10)
    assert r.trajectory.shape == (200, 25)


def test_simulation2_reduced_one_network():
    r = paper.simulation2(jax.random.key(0), names=("balanced",), **QUICK["sim2"])
    m = r.metrics
    assert set(m) == {"balanced", "orthogonality_data"}
    assert m["orthogonality_data"] == pytest.approx(23.26, abs=0.01)
    assert 1 <= m["balanced"]["n_attractors"] <= 10
    assert np.isfinite(m["balanced"]["retrieval"]) and np.isfinite(m["balanced"]["generalization"])
    assert r.networks["balanced"].retrieval.gains.shape == (QUICK["sim2"]["n_trials"],)


def test_simulation3_reduced_learns_asymmetric_couplings():
    r = paper.simulation3(jax.random.key(0), **QUICK["sim3"])
    assert r.metrics["asymmetry"] > 0.3  # 0.98 after the full 2000 epochs
    assert 0 <= r.metrics["sym_attractors_match"] <= 3
    assert r.free_states.shape == (QUICK["sim3"]["free_steps"], 64)


def test_simulation4_reduced_free_running_changes_couplings_a_little():
    r = paper.simulation4(jax.random.key(0), **QUICK["sim4"])
    assert 0.5 < r.metrics["coupling_corr"] < 1.0
    assert not np.array_equal(np.asarray(r.before.couplings), np.asarray(r.after.couplings))


def test_example_args_parse_out_and_seed_and_check_the_folder(tmp_path):
    from fepnet.paper.examples import example_args

    args, out = example_args("Title line.\n\nMore.", str(tmp_path / "default"), ["--seed", "3"])
    assert (args.seed, args.out, out.directory) == (3, str(tmp_path / "default"), str(tmp_path / "default"))
    assert (tmp_path / "default").is_dir()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SystemExit) as exc:
        example_args("Title.", "unused", ["--out", str(blocker)])
    assert exc.value.code == 2
