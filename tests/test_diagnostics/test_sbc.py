"""Simulation-based calibration of fepnet's Gibbs samplers (diagnostics.sbc).

The uniformity test of the ranks: test_rank_uniformity.py; the rank histograms: test_rank_plots.py.

The acceptance pair runs on one fixed N = 8 network with non-trivial couplings
(``Network.random(key(0), 8, coupling_scale=0.5, bias_scale=0.3)``; |J| up to
1.26, eigenvalues of Js in -2.0..3.0) at 200 replications: the exact
sequential Gibbs sampler must pass (combined p > 0.01) and the deliberately
wrong one at twice the inverse temperature must fail (p < 0.001).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fepnet
from diagnostics.rank_uniformity import rank_uniformity
from diagnostics.sbc import SBCResult, simulation_based_calibration

N = 8
REPS = 200
L = 99


def _network():
    return fepnet.Network.random(jax.random.key(0), N, coupling_scale=0.5, bias_scale=0.3)


@pytest.fixture(scope="module")
def net():
    return _network()


@pytest.fixture(scope="module")
def exact(net):
    return simulation_based_calibration(jax.random.key(0), net, n_replications=REPS)


# Tests share the default configuration (200 replications, L = 99) where they can: every other set of
# static sizes (replications per chunk, L, thin, burn-in, prior sweeps, schedule, dtype) compiles anew.


# ----------------------------------------------------------------------------- acceptance


def test_exact_sampler_passes(exact):
    assert isinstance(exact, SBCResult)
    assert exact.n_bins == 20 and exact.n_draws == L
    assert exact.p_value > 0.01, exact.p_values  # measured 0.68 at this seed
    assert exact.passed(0.01)
    assert exact.p_values.shape == (N + 1,)
    assert np.all((exact.p_values > 0) & (exact.p_values <= 1))


def test_doubled_inverse_temperature_fails(net):
    wrong = simulation_based_calibration(jax.random.key(0), net, n_replications=REPS,
                                         sampler_inverse_temperature=2.0)
    assert wrong.p_value < 1e-3  # measured ~1e-245
    assert not wrong.passed(0.01)
    # a too-cold chain has too low energies, so the true state's energy ranks high
    assert wrong.energy_ranks.mean() > 0.75 * L
    assert wrong.settings["sampler_inverse_temperature"] == 2.0
    assert wrong.settings["inverse_temperature"] == 1.0


def test_bonferroni_combination(exact):
    assert exact.p_value == pytest.approx(min(1.0, (N + 1) * exact.p_values.min()))
    p_values, combined = rank_uniformity(exact.all_ranks, L, exact.n_bins)
    np.testing.assert_allclose(p_values, exact.p_values)
    assert combined == pytest.approx(exact.p_value)


# ----------------------------------------------------------------------------- bookkeeping


def test_shapes_ranges_and_settings(exact):
    r = exact
    assert r.ranks.shape == (REPS, N) and r.energy_ranks.shape == (REPS,)
    assert np.issubdtype(r.ranks.dtype, np.integer) and np.issubdtype(r.energy_ranks.dtype, np.integer)
    assert r.ranks.min() >= 0 and r.ranks.max() <= L
    assert r.energy_ranks.min() >= 0 and r.energy_ranks.max() <= L
    # uniform ranks reach (close to) both ends of 0..L
    assert r.ranks.min() <= 2 and r.ranks.max() >= L - 2
    assert r.prior_draws.shape == (REPS, N) and r.evidence.shape == (REPS, N)
    assert np.all(np.abs(r.prior_draws) <= 1)
    assert r.all_ranks.shape == (REPS, N + 1)
    np.testing.assert_array_equal(r.all_ranks[:, -1], r.energy_ranks)
    assert r.statistic_names == [f"node {i}" for i in range(N)] + ["energy"]
    assert r.settings == {
        "network_size": N, "inverse_temperature": 1.0, "evidence_scale": 1.0,
        "sampler_inverse_temperature": 1.0, "schedule": "sequential", "n_replications": REPS,
        "n_posterior_draws": L, "thin": 10, "burn_in": 100, "prior_sweeps": 200, "dtype": "float32",
    }


def test_deterministic_and_independent_of_chunking(net, exact):
    chunked = simulation_based_calibration(jax.random.key(0), net, n_replications=REPS, progress=True)
    np.testing.assert_array_equal(chunked.ranks, exact.ranks)
    np.testing.assert_array_equal(chunked.energy_ranks, exact.energy_ranks)
    np.testing.assert_allclose(chunked.evidence, exact.evidence, rtol=1e-5, atol=1e-5)
    other = simulation_based_calibration(jax.random.key(1), net, n_replications=REPS)
    assert not np.allclose(other.prior_draws, exact.prior_draws)


def test_evidence_follows_the_likelihood(exact):
    """s | sigma* ~ N(iT tau^2 sigma*, tau^2 I) (iT = tau = 1 here): the residual is standard normal."""
    z = (exact.evidence - exact.prior_draws).ravel()  # 1600 draws
    assert abs(z.mean()) < 4 / np.sqrt(z.size)
    assert 0.9 < z.std() < 1.1
    # and the prior is tilted towards the corners (E|sigma*|^2 well above the uniform 1/3)
    assert (exact.prior_draws**2).mean() > 0.4


def test_evidence_scale_and_temperature_enter_the_likelihood(net):
    r = simulation_based_calibration(jax.random.key(2), net, n_replications=REPS,
                                     inverse_temperature=2.0, evidence_scale=1.5)
    x, s = r.prior_draws.ravel(), r.evidence.ravel()
    slope = np.polyfit(x, s, 1)[0]
    assert slope == pytest.approx(2.0 * 1.5**2, abs=0.5)  # iT tau^2 = 4.5 (not iT tau = 3, nor 9)
    assert (s - 4.5 * x).std() == pytest.approx(1.5, rel=0.1)  # tau
    assert r.p_value > 0.01  # still calibrated at another temperature and evidence scale


@pytest.mark.slow
@pytest.mark.parametrize("schedule", ["random-scan", "chromatic"])
def test_other_exact_schedules_pass(net, schedule):
    r = simulation_based_calibration(jax.random.key(1), net, n_replications=REPS, schedule=schedule)
    assert r.settings["schedule"] == schedule
    assert r.p_value > 0.01, r.p_values


@pytest.mark.slow  # statistical, ~5 s (SBC compiled again under x64); the float32 calibration tests above stay
def test_float64(x64):
    net64 = fepnet.Network.random(jax.random.key(0), N, coupling_scale=0.5, bias_scale=0.3, dtype=jnp.float64)
    r = simulation_based_calibration(jax.random.key(0), net64, n_replications=REPS)
    assert r.settings["dtype"] == "float64" and r.prior_draws.dtype == np.float64
    assert r.p_value > 0.01
    wrong = simulation_based_calibration(jax.random.key(0), net64, n_replications=REPS,
                                         sampler_inverse_temperature=2.0)
    assert wrong.p_value < 1e-3


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(network=np.zeros((3, 3))), TypeError, "network"),
        (dict(key=0), TypeError, "key"),
        (dict(key=jax.random.split(jax.random.key(0), 2)), ValueError, "key"),
        (dict(inverse_temperature=0.0), ValueError, "inverse_temperature"),
        (dict(inverse_temperature=float("nan")), ValueError, "inverse_temperature"),
        (dict(evidence_scale=-1.0), ValueError, "evidence_scale"),
        (dict(evidence_scale=float("inf")), ValueError, "evidence_scale"),
        (dict(sampler_inverse_temperature=-2.0), ValueError, "sampler_inverse_temperature"),
        (dict(sampler_inverse_temperature="hot"), TypeError, "sampler_inverse_temperature"),
        (dict(n_replications=1), ValueError, "n_replications"),
        (dict(n_replications=10.0), TypeError, "n_replications"),
        (dict(n_posterior_draws=0), ValueError, "n_posterior_draws"),
        (dict(thin=0), ValueError, "thin"),
        (dict(thin=True), TypeError, "thin"),
        (dict(burn_in=-1), ValueError, "burn_in"),
        (dict(prior_sweeps=0), ValueError, "prior_sweeps"),
        (dict(schedule="gibbs"), ValueError, "schedule"),
        (dict(n_bins=1), ValueError, "n_bins"),
        (dict(n_bins=101), ValueError, "n_bins"),
        (dict(progress="yes"), TypeError, "progress"),
    ],
)
def test_sbc_validation(net, kwargs, exc, match):
    kwargs = {"key": jax.random.key(0), "network": net, **kwargs}
    key, network = kwargs.pop("key"), kwargs.pop("network")
    with pytest.raises(exc, match=match):
        simulation_based_calibration(key, network, **kwargs)


def test_sbc_rejects_a_batch_of_networks(net):
    batch = jax.tree_util.tree_map(lambda x: jnp.stack([x, x]), net)
    with pytest.raises(ValueError, match="network"):
        simulation_based_calibration(jax.random.key(0), batch)


def test_passed_validates_alpha(exact):
    with pytest.raises(ValueError, match="alpha"):
        exact.passed(1.5)


# ----------------------------------------------------------------------------- slow: calibration of the test


@pytest.mark.slow
def test_false_alarm_rate_across_seeds(net):
    """Exact sampler, 50 seeds x 200 replications: few false alarms, and the pooled 10000 replications pass."""
    results = [simulation_based_calibration(jax.random.key(100 + s), net, n_replications=REPS) for s in range(50)]
    p = np.array([r.p_value for r in results])
    # Bonferroni keeps the family-wise rate <= alpha: P(>= 3 of 50 at alpha = 0.01) < 0.014 (measured: 0)
    assert np.sum(p < 0.01) <= 2, p
    assert np.sum(p < 0.05) <= 6, p  # measured: 2
    pooled = np.concatenate([r.all_ranks for r in results])
    _, combined = rank_uniformity(pooled, L, 20)
    assert combined > 1e-3
    # the wrong sampler is caught at every seed
    wrong = [simulation_based_calibration(jax.random.key(200 + s), net, n_replications=REPS,
                                          sampler_inverse_temperature=2.0).p_value for s in range(5)]
    assert max(wrong) < 1e-3


@pytest.mark.slow
def test_synchronous_schedule_is_flagged(net):
    """The synchronous schedule samples pi_sync, not the Boltzmann posterior (its own stationary density): SBC sees it."""
    r = simulation_based_calibration(jax.random.key(0), net, n_replications=2000, schedule="synchronous")
    assert r.p_value < 1e-3, r.p_values
