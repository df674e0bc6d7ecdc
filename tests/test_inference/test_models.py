"""The network's densities as NumPyro models, and NUTS against exact answers (quadrature, closed forms)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpyro.infer.util import log_density

import fepnet
from fepnet import Network
from inference.exact import boltzmann_quadrature, independent_moments, synchronous_log_density
from inference.monte_carlo import moment_z_scores
from inference.models import boltzmann_model, synchronous_stationary_model
from inference.nuts import run_nuts

from reference import langevin_np

Z_TOL = 4.0  # MCSE units

J2 = np.array([[0.0, 1.5], [1.5, 0.0]])
B2 = np.array([0.3, -0.2])


def _log_normalizer_np(c):
    c = np.asarray(c, np.float64)
    small = np.abs(c) < 1e-4
    cs = np.where(small, 1.0, c)
    return np.where(small, np.log(2.0) + c**2 / 6, np.log(2 * np.sinh(cs) / cs))


def _log_joint(model, sigma, *args):
    return float(log_density(model, args, {}, {"sigma": jnp.asarray(sigma)})[0])


# --- the densities are exactly the Boltzmann density and pi_sync ------------------------------------------------------


def test_boltzmann_model_density_is_spec_density(x64):
    rng = np.random.default_rng(0)
    J = rng.normal(size=(4, 4))
    np.fill_diagonal(J, 0.0)  # asymmetric on purpose: only Js may enter
    net = Network(J, rng.normal(size=4))
    evidence, it = rng.normal(size=4), 0.7
    b = np.asarray(net.b) + evidence
    js = 0.5 * (J + J.T)
    const = -np.sum(_log_normalizer_np(it * b))
    for s in rng.uniform(-1, 1, size=(5, 4)):
        expected = it * (b @ s + 0.5 * s @ js @ s) + const
        assert _log_joint(boltzmann_model, s, net, evidence, it) == pytest.approx(expected, abs=1e-12)
        # the same density as the network's own log_density (up to the constant)
        own = float(net.with_evidence(evidence).log_density(jnp.asarray(s), it))
        assert _log_joint(boltzmann_model, s, net, evidence, it) - own == pytest.approx(const, abs=1e-12)


def test_synchronous_model_density_is_pi_sync(x64):
    rng = np.random.default_rng(1)
    J = rng.normal(size=(3, 3))
    J = J + J.T
    np.fill_diagonal(J, 0.0)
    net = Network(J, rng.normal(size=3))
    it = 1.3
    b = np.asarray(net.b)
    const = -np.sum(_log_normalizer_np(it * b))
    S = rng.uniform(-1, 1, size=(6, 3))
    expected = synchronous_log_density(S, J, b, it) + const
    got = [_log_joint(synchronous_stationary_model, s, net, None, it) for s in S]
    np.testing.assert_allclose(got, expected, atol=1e-11)
    # pi_sync is not the Boltzmann density (differences between points differ)
    diff_sync = got[0] - got[1]
    diff_boltz = _log_joint(boltzmann_model, S[0], net, None, it) - _log_joint(boltzmann_model, S[1], net, None, it)
    assert abs(diff_sync - diff_boltz) > 1e-3


# --- NUTS against exact answers ------------------------------------------------------------------


def test_nuts_matches_quadrature_n2():
    """Acceptance: NUTS on the N = 2 case matches quadrature means and covariances within 4 MCSE."""
    net = Network(J2, B2)
    exact = boltzmann_quadrature(net, 1.0)
    assert exact.covariance[0, 1] > 0.1  # the coupling matters
    res = run_nuts(jax.random.key(0), net, None, 1.0, n_chains=4, n_warmup=500, n_samples=3000)
    samples = np.asarray(res.samples, np.float64)
    assert samples.shape == (4, 3000, 2)
    assert np.all(np.abs(samples) <= 1)
    z = moment_z_scores(samples, exact)
    assert z.max_abs_z < Z_TOL, (z, exact)
    # the test has power: the uncoupled answer is rejected
    wrong = moment_z_scores(samples, independent_moments(net.b, 1.0))
    assert wrong.max_abs_z > 10


@pytest.mark.slow  # statistical, ~7 s (NUTS compile); test_nuts_matches_quadrature_n2 stays in the default suite
def test_nuts_boltzmann_zero_coupling_matches_closed_form():
    b = np.array([-2.0, -0.5, 0.0, 0.4, 1.5])
    net = Network(np.zeros((5, 5)), b)
    exact = independent_moments(net.b, 1.2)
    np.testing.assert_allclose(exact.mean, langevin_np(1.2 * np.asarray(net.b, np.float64)), atol=1e-12)
    res = run_nuts(jax.random.key(1), net, None, 1.2, n_chains=2, n_warmup=400, n_samples=2000)
    z = moment_z_scores(np.asarray(res.samples, np.float64), exact)
    assert z.max_abs_z < Z_TOL, z


def test_nuts_evidence_shifts_the_bias():
    """Evidence e gives the posterior of the biases b + e: here the J = 0 closed form at b + e."""
    net = Network(np.zeros((3, 3)), np.array([0.5, 0.0, -0.5]))
    e = np.array([1.0, -2.0, 0.5])
    exact = independent_moments(np.asarray(net.b) + e, 1.0)
    res = run_nuts(jax.random.key(2), net, e, 1.0, n_chains=2, n_warmup=400, n_samples=2000)
    assert moment_z_scores(np.asarray(res.samples, np.float64), exact).max_abs_z < Z_TOL


@pytest.mark.slow  # statistical, ~6 s (NUTS compile); pi_sync is checked by the model density test above and by
# test_synchronous_samples_pi_sync_not_boltzmann_n2 (tests/test_fepnet/test_kernels.py)
def test_nuts_synchronous_model_has_no_covariance_n2():
    """pi_sync at N = 2: the Boltzmann marginals but independent nodes."""
    net = Network(J2, B2)
    exact = boltzmann_quadrature(net, 1.0)
    res = run_nuts(jax.random.key(3), net, None, 1.0, model="synchronous", n_chains=4, n_warmup=500,
                   n_samples=3000)
    samples = np.asarray(res.samples, np.float64)
    independent = exact._replace(covariance=np.diag(np.diag(exact.covariance)))
    assert moment_z_scores(samples, independent).max_abs_z < Z_TOL
    assert abs(moment_z_scores(samples, exact).covariance_z[0, 1]) > 10


@pytest.mark.slow  # ~10-15 s; the default suite's budget (run with -m slow)
def test_nuts_result_exposes_mcmc_and_reruns():
    net = Network(J2, B2)
    res = run_nuts(jax.random.key(4), net, n_chains=2, n_warmup=50, n_samples=100,
                   init_sigma=np.array([0.5, -0.5]))
    fields = res.mcmc.get_extra_fields(group_by_chain=True)
    assert fields["potential_energy"].shape == (2, 100)
    assert np.all(np.isfinite(np.asarray(fields["potential_energy"])))
    again = res.rerun(jax.random.key(5))
    assert again.samples.shape == (2, 100, 2) and not np.allclose(again.samples, res.samples)
    shifted = res.rerun(jax.random.key(5), evidence=np.array([0.0, 0.0]))  # evidence None -> array
    assert shifted.samples.shape == (2, 100, 2)
    assert "potential_energy" in shifted.mcmc.get_extra_fields()


def test_nuts_asymmetric_network_equals_its_symmetric_part():
    """The Boltzmann model of J and of Js is the same density: identical NUTS draws for the same key."""
    J = np.array([[0.0, 2.0], [1.0, 0.0]])
    a = run_nuts(jax.random.key(6), Network(J, B2), n_chains=1, n_warmup=100, n_samples=200).samples
    s = run_nuts(jax.random.key(6), Network(J, B2).symmetrized(), n_chains=1, n_warmup=100,
                 n_samples=200).samples
    np.testing.assert_allclose(a, s, atol=1e-5)


@pytest.mark.slow  # ~8 s (a second NUTS compile under x64); float64 models are checked by the density tests above
def test_float64_nuts(x64):
    res = run_nuts(jax.random.key(7), Network(J2, B2), n_chains=1, n_warmup=50, n_samples=50)
    assert res.samples.dtype == jnp.float64


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(network=np.zeros((2, 2))), TypeError, "network"),
        (dict(evidence=np.zeros(3)), ValueError, "evidence"),
        (dict(evidence=np.array([np.nan, 0.0])), ValueError, "evidence"),
        (dict(inverse_temperature=0.0), ValueError, "inverse_temperature"),
        (dict(inverse_temperature=np.inf), ValueError, "inverse_temperature"),
        (dict(model="gibbs"), ValueError, "model"),
        (dict(n_chains=0), ValueError, "n_chains"),
        (dict(n_samples=1.5), TypeError, "n_samples"),
        (dict(chain_method="pmap"), ValueError, "chain_method"),
        (dict(init_sigma=np.array([1.0, 0.0])), ValueError, "init_sigma"),
        (dict(init_sigma=np.zeros(3)), ValueError, "init_sigma"),
        (dict(key=0), TypeError, "key"),
    ],
)
def test_run_nuts_rejects_bad_input(kwargs, exc, match):
    args = dict(key=jax.random.key(0), network=Network(J2, B2), n_warmup=1, n_samples=1)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        run_nuts(**args)


def test_network_rejects_non_finite_couplings():
    with pytest.raises(ValueError, match="couplings"):
        Network(np.array([[0.0, np.nan], [1.0, 0.0]]))


def test_kernel_and_nuts_agree_on_the_posterior_n2():
    """fepnet's sequential Gibbs and NUTS estimate the same covariance (two code paths, one answer)."""
    net = Network(J2, B2)
    exact = boltzmann_quadrature(net, 1.0)
    kernel = fepnet.build_kernel("sequential")
    prm = fepnet.kernel_params(net, 1.0)
    state = fepnet.init_state(net)
    keys = jax.random.split(jax.random.key(8), 4)
    traj = jax.vmap(lambda k: fepnet.run(kernel, k, state, prm, 5000, trace=True)[1][500:])(keys)
    assert moment_z_scores(np.asarray(traj, np.float64), exact).max_abs_z < Z_TOL
