"""inference.ais: AIS estimates of log Z against closed forms and quadrature (inference.exact)."""

import jax
import numpy as np
import pytest

from fepnet import Network
from inference import ais
from inference import exact as ex

J2 = np.array([[0.0, 1.5], [1.5, 0.0]])
B2 = np.array([0.3, -0.2])
J3 = np.array([[0.0, 1.0, -0.8], [1.0, 0.0, 0.6], [-0.8, 0.6, 0.0]])
B3 = np.array([0.4, -0.3, 0.2])
IT3 = 1.5


def _assert_within(result, exact, n_se=3.0, max_se=0.01):
    err = result.log_z - exact
    assert result.standard_error < max_se, result
    assert abs(err) < n_se * result.standard_error, (result.log_z, exact, result.standard_error)


def test_uniform_base_n64_uncoupled():
    """J = 0, N = 64: the uniform -> Boltzmann path is non-trivial, the answer is sum_i A(iT b_i)."""
    b = np.random.default_rng(0).normal(0.0, 1.0, 64).astype(np.float32)
    net = Network(np.zeros((64, 64), np.float32), b)
    exact = ex.independent_moments(b).log_partition
    r = ais.log_partition(jax.random.key(0), net, base="uniform")
    assert r.log_weights.shape == (1000,) and r.log_weights.dtype == np.float32
    assert r.schedule.shape == (ais.DEFAULT_N_TEMPERATURES + 1,)
    assert r.log_z_base == pytest.approx(64 * np.log(2))
    assert np.std(r.log_weights) > 0.1  # the annealing did something
    assert r.effective_sample_size > 500
    _assert_within(r, exact, max_se=0.05)


def test_bias_base_is_exact_without_couplings():
    b = np.array([0.5, -1.25, 3.0, 0.0], np.float32)
    r = ais.log_partition(jax.random.key(1), Network(np.zeros((4, 4)), b), 2.0, n_particles=16, n_temperatures=8)
    np.testing.assert_array_equal(r.log_weights, 0.0)
    assert r.standard_error == 0.0 and r.effective_sample_size == 16.0
    assert r.log_z == pytest.approx(ex.independent_moments(b, 2.0).log_partition, abs=1e-12)


@pytest.mark.parametrize("base", ais.BASES)
def test_matches_quadrature_n2(base):
    net = Network(J2, B2)
    r = ais.log_partition(jax.random.key(2), net, base=base)
    _assert_within(r, ex.boltzmann_quadrature(net).log_partition, max_se=0.005)


@pytest.mark.parametrize("base", ais.BASES)
def test_matches_quadrature_n3_with_evidence(base):
    net, e = Network(J3, B3), np.array([0.25, 0.0, -0.5])
    r = ais.log_partition(jax.random.key(3), net, IT3, evidence=e, base=base)
    exact = ex.boltzmann_quadrature(net, IT3, evidence=e).log_partition
    _assert_within(r, exact, max_se=0.005)
    # evidence is exactly a bias shift
    r2 = ais.log_partition(jax.random.key(3), net.with_evidence(e), IT3, base=base)
    assert r2.log_z == r.log_z


def test_asymmetric_couplings_give_the_symmetric_answer():
    A = np.array([[0.0, 0.7, -0.4], [-0.7, 0.0, 0.9], [0.4, -0.9, 0.0]])
    sym = ais.log_partition(jax.random.key(4), Network(J3, B3), IT3)
    asym = ais.log_partition(jax.random.key(4), Network(J3 + A, B3), IT3)
    assert abs(asym.log_z - sym.log_z) < 1e-4  # same draws; only float32 rounding of Js differs
    _assert_within(asym, ex.boltzmann_quadrature(Network(J3, B3), IT3).log_partition, max_se=0.005)


def test_float64(x64):
    net = Network(J3, B3)
    assert net.dtype == np.float64
    r = ais.log_partition(jax.random.key(5), net, IT3, n_particles=500, n_temperatures=128, sweeps_per_temperature=2)
    assert r.log_weights.dtype == np.float64
    _assert_within(r, ex.boltzmann_quadrature(net, IT3).log_partition, max_se=0.005)


def test_explicit_schedule_and_progress_chunks():
    net = Network(J2, B2)
    beta = np.linspace(0.0, 1.0, 41)
    r = ais.log_partition(jax.random.key(6), net, n_particles=200, schedule=beta)
    np.testing.assert_array_equal(r.schedule, beta)
    p = ais.log_partition(jax.random.key(6), net, n_particles=200, schedule=beta, n_temperatures=40, progress=True)
    np.testing.assert_allclose(p.log_weights, r.log_weights, rtol=1e-6, atol=1e-6)
    _assert_within(r, ex.boltzmann_quadrature(net).log_partition, n_se=4.0, max_se=0.02)


def test_sigmoid_schedule():
    beta = ais.sigmoid_schedule(100)
    assert beta.shape == (101,) and beta[0] == 0.0 and beta[-1] == 1.0
    assert np.all(np.diff(beta) > 0)
    assert np.diff(beta)[0] < 0.01 / 3 < np.diff(beta)[50]  # denser at the ends than linear


def test_bases_agree_on_a_coupled_n16_network():
    """No exact answer for N = 16; the two independent paths must agree within their errors."""
    rng = np.random.default_rng(7)
    J = rng.normal(0.0, 0.25, (16, 16))
    J = np.triu(J, 1) + np.triu(J, 1).T
    net = Network(J, rng.normal(0.0, 0.5, 16))
    a = ais.log_partition(jax.random.key(8), net, base="bias")
    b = ais.log_partition(jax.random.key(9), net, base="uniform")
    assert max(a.standard_error, b.standard_error) < 0.02
    assert abs(a.log_z - b.log_z) < 3 * np.hypot(a.standard_error, b.standard_error), (a, b)
    assert abs(a.log_z - ex.independent_moments(np.asarray(net.b)).log_partition) > 0.1  # couplings matter


def test_bad_inputs_raise():
    net, key = Network(J2, B2), jax.random.key(0)
    for bad in ([0.1, 0.5, 1.0], [0.0, 0.5, 0.9], [0.0, 0.6, 0.4, 1.0], [0.0, 0.5, 0.5, 1.0], [0.0], [[0.0, 1.0]],
                [0.0, np.nan, 1.0]):
        with pytest.raises(ValueError, match="schedule"):
            ais.log_partition(key, net, schedule=bad)
    with pytest.raises(ValueError, match="n_temperatures"):
        ais.log_partition(key, net, schedule=[0.0, 0.5, 1.0], n_temperatures=3)
    with pytest.raises(ValueError, match="n_particles"):
        ais.log_partition(key, net, n_particles=1)
    with pytest.raises(TypeError, match="n_particles"):
        ais.log_partition(key, net, n_particles=10.0)
    with pytest.raises(ValueError, match="base"):
        ais.log_partition(key, net, base="gaussian")
    with pytest.raises(ValueError, match="sweeps_per_temperature"):
        ais.log_partition(key, net, sweeps_per_temperature=0)
    with pytest.raises(ValueError, match="inverse_temperature"):
        ais.log_partition(key, net, 0.0)
    with pytest.raises(ValueError, match="evidence"):
        ais.log_partition(key, net, evidence=np.zeros(3))
    with pytest.raises(TypeError, match="key"):
        ais.log_partition(0, net)
    with pytest.raises(TypeError, match="network"):
        ais.log_partition(key, J2)


@pytest.mark.slow
@pytest.mark.parametrize("base", ais.BASES)
def test_standard_error_is_calibrated(base):
    """Over many seeds (log Z_hat - log Z) / SE has mean ~ 0 and sd ~ 1."""
    net = Network(J3, B3)
    exact = ex.boltzmann_quadrature(net, IT3).log_partition
    z = np.array([(r.log_z - exact) / r.standard_error
                  for r in (ais.log_partition(jax.random.key(100 + s), net, IT3, base=base, n_particles=500)
                            for s in range(60))])
    assert abs(z.mean()) < 0.5 and 0.7 < z.std() < 1.4, z
