"""run_capacity: the Dataset layout, NaN where not run, alpha_c and the published table; the settings."""

import jax
import numpy as np
import pytest

from fepnet.capacity.compute import run_capacity
from fepnet.capacity.settings import RULES, CapacitySettings, grid_groups, k_grid
from fepnet.paper.protocols import PUBLISHED

PUBLISHED_K = PUBLISHED["sim5"]["K"]
from fepnet.capacity.training import PROTOCOL, Protocol


def test_full_settings_are_the_papers_protocol_and_grid():
    s = CapacitySettings()
    assert s.protocol == PROTOCOL and s.n_nodes == 100 and s.n_repeats == 20
    assert k_grid(s.load_ratios, 100) == tuple(range(10, 201, 10))
    assert k_grid(s.load_ratios, 64)[-1] == 128  # digits: up to 2N at N = 64
    assert s.flip_fractions == (0.05, 0.1, 0.2) and s.schedules == ("sequential", "synchronous")
    assert (s.recall_inverse_temperature, s.retention_steps, s.max_sweeps) == (100.0, 150, 200)
    assert (s.noise_sd, s.reconstruction_inverse_temperature, s.reconstruction_steps, s.burn_in) == (2.0, 1.0, 20, 5)
    groups = {(f, n): (ks, r) for f, n, ks, r in grid_groups(s)}
    assert set(groups) == {("random", 100), ("biased", 100), ("digits", 64), ("random", 400)}
    assert groups[("random", 400)][1] == s.large_repeats


def test_quick_preset_is_small_and_complete():
    q = CapacitySettings.quick()
    assert q.families == ("random", "biased", "digits") and q.large_nodes == 400
    assert q.n_repeats == 2 and q.large_repeats == 1 and q.protocol == Protocol(n_epochs=500)
    assert 10 in k_grid(q.load_ratios, 100) and 90 in k_grid(q.load_ratios, 100)
    d = q.as_dict()
    assert d["protocol"]["n_epochs"] == 500 and d["load_ratios"] == list(q.load_ratios)


@pytest.mark.parametrize("kwargs, match", [
    (dict(families=("random", "squares")), "families"),
    (dict(rules=("fep", "pseudo")), "rules"),
    (dict(rules=()), "rules"),
    (dict(n_nodes=1), "n_nodes"),
    (dict(n_repeats=0), "n_repeats"),
    (dict(load_ratios=(0.5, 0.2)), "load_ratios"),
    (dict(flip_fractions=(0.1, 0.6)), "flip_fractions"),
    (dict(alpha_flip=0.3), "alpha_flip"),
    (dict(schedules=("sequential", "random")), "schedules"),
    (dict(burn_in=20), "burn_in"),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CapacitySettings(**kwargs)


@pytest.fixture(scope="module")
def tiny():
    s = CapacitySettings(families=("random", "digits"), n_nodes=16, load_ratios=(0.25, 0.5, 1.5), n_repeats=2,
                         large_nodes=24, large_load_ratios=(0.5,), large_repeats=1, protocol=Protocol(n_epochs=60),
                         flip_fractions=(0.1, 0.2), alpha_flip=0.1, n_bootstrap=20, basin_patterns=6)
    return s, run_capacity(s, key=jax.random.key(0), progress=False)


@pytest.mark.slow
def test_dataset_layout(tiny):
    s, r = tiny
    ds = r.dataset
    assert list(ds.rule.values) == list(RULES) and list(ds.family.values) == ["random", "digits"]
    assert list(ds.n_nodes.values) == [16, 24, 64]
    assert list(ds.n_patterns.values) == sorted({4, 8, 24, 12, 16, 32, 96})
    assert ds.sizes["repeat"] == 2 and list(ds.schedule.values) == ["sequential", "synchronous"]
    assert ds.exact_recall.dims == ("rule", "family", "n_nodes", "n_patterns", "repeat", "flip_fraction", "schedule")
    assert ds.asymmetry.dims == ("family", "n_nodes", "n_patterns", "repeat")
    run = ds.retention.sel(rule="hebbian")
    # run: random at N = 16 (K = 4, 8, 24, 2 repeats) and N = 24 (K = 12, 1 repeat); digits at N = 64
    assert np.isfinite(run.sel(family="random", n_nodes=16, n_patterns=[4, 8, 24])).all()
    assert np.isfinite(run.sel(family="random", n_nodes=24, n_patterns=12, repeat=0))
    assert np.isnan(run.sel(family="random", n_nodes=24, n_patterns=12, repeat=1))
    assert np.isfinite(run.sel(family="digits", n_nodes=64, n_patterns=[16, 32, 96])).all()
    assert int(np.isfinite(run).sum()) == 3 * 2 + 1 + 3 * 2  # NaN everywhere else
    for name in ("retention", "reconstruction", "cue_correlation", "exact_recall", "overlap", "converged"):
        x = ds[name].values
        assert np.all(np.isfinite(x) == np.isfinite(ds.retention.values)[(...,) + (None,) * (x.ndim - 5)])
    fep = ds.asymmetry.sel(family="random", n_nodes=16, n_patterns=[4, 8, 24]).values
    assert np.all((fep > 0) & (fep < 1))
    assert float(ds.load_ratio.sel(n_nodes=64, n_patterns=96)) == 1.5


@pytest.mark.slow
def test_recall_sanity(tiny):
    _, r = tiny
    ds = r.dataset.sel(family="random", n_nodes=16)
    # projector, K = 4 < N = 16: every pattern a fixed point, most recalled from 2 flipped signs
    assert float(ds.retention.sel(rule="projector", n_patterns=4).min()) > 0.99
    assert float(ds.exact_recall.sel(rule="projector", n_patterns=4, flip_fraction=0.1).mean()) >= 0.75
    assert float(ds.exact_recall.sel(rule="hebbian", n_patterns=24).max()) < 0.5  # K / N = 1.5
    cue = ds.cue_correlation.sel(n_patterns=24).values
    assert np.all(cue == cue[0])  # the four rules see the same cues
    assert 0.2 < float(cue.mean()) < 0.7  # about 1 / sqrt(5) = 0.447


@pytest.mark.slow
def test_alpha_and_published_table(tiny):
    s, r = tiny
    assert set(r.alpha_c) == set(RULES)
    for rule in RULES:
        assert set(r.alpha_c[rule]) == {"random", "digits"}
        random = r.alpha_c[rule]["random"]
        assert set(random) == {"n100", "n100_ci", "n400"}
        lo, hi = random["n100_ci"]
        assert lo <= hi and 0 <= random["n100"] and random["n400"] is not None
        assert r.alpha_c[rule]["digits"]["n400"] is None
        assert r.alpha_flags[rule]["random"]["n100"] in ("interpolated", "lower_bound", "below_grid")
    table = r.published_table
    assert table["K"] == list(PUBLISHED_K) and len(table["retention_published"]) == 9
    assert table["retention_fepnet"] == [None] * 9  # N = 16: the paper's K were not run
    assert r.settings["n_nodes"] == 16 and r.wall_s > 0


@pytest.mark.slow
def test_baselines_alone_need_no_training_and_match_the_recall_functions():
    """rules without "fep": nothing is trained; each baseline's retention is recall.retention of its network."""
    from fepnet import recall, storage
    from fepnet.capacity.patterns import pattern_family

    s = CapacitySettings(rules=("projector",), families=("random",), n_nodes=16, load_ratios=(0.25, 0.5),
                         n_repeats=2, large_nodes=None, flip_fractions=(0.1,), alpha_flip=0.1, n_bootstrap=20,
                         schedules=("sequential",), alpha_schedule="sequential")
    r = run_capacity(s, key=jax.random.key(3), progress=False)
    assert list(r.dataset.rule.values) == ["projector"] and set(r.alpha_c) == {"projector"}
    assert np.isnan(r.dataset["asymmetry"].values).all()  # no FEP network
    assert all(x is None for x in r.published_table["retention_fepnet"])
    # the patterns of (random, N = 16, K = 4) as run_capacity draws them (module docstring of compute)
    from fepnet.capacity.compute import _fold_paths
    from fepnet.capacity.patterns import FAMILIES
    k_pat = jax.random.split(jax.random.key(3), 4)[0]
    kp = _fold_paths(k_pat, jax.numpy.asarray([(FAMILIES.index("random"), 16, 4)], jax.numpy.uint32))[0]
    P = pattern_family(kp, "random", 2, 8, 16)[:, :4]
    for rule in ("projector",):
        want = np.asarray(recall.retention(storage.rule_network(rule, P), P)).mean(-1)
        got = r.dataset["retention"].sel(rule=rule, family="random", n_nodes=16, n_patterns=4).values
        np.testing.assert_allclose(got, want, atol=1e-6)
