"""inference.exact: closed forms, quadrature, pi_sync, and the Monte-Carlo z-score helpers.

Independent checks: mpmath for the NumPy CB functions, scipy.integrate.dblquad
for the N = 2 quadrature, exact CB draws for the z-scores.
"""

import jax
import mpmath
import numpy as np
import pytest
from scipy import integrate

import fepnet
from fepnet import Network
from inference import exact as ex
from inference import monte_carlo as mc

J2 = np.array([[0.0, 1.5], [1.5, 0.0]])
B2 = np.array([0.3, -0.2])  # as float32 in a Network: references read the Network's own values
J3 = np.array([[0.0, 1.0, -0.8], [1.0, 0.0, 0.6], [-0.8, 0.6, 0.0]])
B3 = np.array([0.4, -0.3, 0.2])


# --- the NumPy CB functions against mpmath ------------------------------------------------------


def test_numpy_cb_functions_match_mpmath():
    mpmath.mp.dps = 40
    cs = [0.0, 1e-9, -3e-5, 0.05, -0.0999, 0.1, 0.1001, -0.5, 1.0, 3.7, -20.0, 300.0, -5000.0]
    for c in cs:
        if c == 0:
            A, L, dL = mpmath.log(2), mpmath.mpf(0), mpmath.mpf(1) / 3
        else:
            x = mpmath.mpf(c)
            A = mpmath.log(2 * mpmath.sinh(x) / x)
            L = mpmath.coth(x) - 1 / x
            dL = 1 / x**2 - 1 / mpmath.sinh(x) ** 2
        for got, want in [(ex.log_normalizer(c), A), (ex._langevin(c), L), (ex._langevin_grad(c), dL)]:
            assert abs(float(got) - float(want)) <= 5e-14 * max(1.0, abs(float(want))), (c, got, want)


# --- closed forms vs quadrature -------------------------------------------------------------------


@pytest.mark.parametrize("b", [[0.75], [0.75, -1.25], [0.75, -1.25, 0.0]])  # exact in float32
def test_independent_closed_forms_match_quadrature(b):
    b = np.array(b)
    it = 1.7
    closed = ex.independent_moments(b, it)
    quad = ex.boltzmann_quadrature(Network(np.zeros((b.size, b.size)), b), it)
    np.testing.assert_allclose(quad.mean, closed.mean, atol=1e-13)
    np.testing.assert_allclose(quad.covariance, closed.covariance, atol=1e-13)
    assert abs(quad.log_partition - closed.log_partition) < 1e-12
    # log Z of J = 0: sum_i A(iT b_i), A(0) = log 2 (Lebesgue measure on [-1, 1]^N)
    assert closed.log_partition == pytest.approx(np.sum(np.log(2 * np.sinh(it * b[b != 0]) / (it * b[b != 0])))
                                                 + np.log(2) * np.sum(b == 0), abs=1e-13)


def test_boltzmann_moments_dispatch():
    b = np.array([0.5, -1.0, 2.0, 0.125, 0.0])
    got = ex.boltzmann_moments(Network(np.zeros((5, 5)), b), 2.0, evidence=np.full(5, 0.25))
    want = ex.independent_moments(b + 0.25, 2.0)
    np.testing.assert_array_equal(got.mean, want.mean)
    got = ex.boltzmann_moments(Network(J3, B3), 1.5)
    want = ex.boltzmann_quadrature(Network(J3, B3), 1.5)
    np.testing.assert_array_equal(got.covariance, want.covariance)
    assert abs(got.covariance[0, 1]) > 0.05
    with pytest.raises(ValueError, match="N <= 3|N = 4"):
        ex.boltzmann_moments(Network(np.ones((4, 4)) - np.eye(4)), 1.0)


# --- quadrature accuracy at N = 2 against scipy dblquad -------------------------------------------


def _dblquad_moments(J, b, it):
    """log Z, means, covariance of exp(iT (b·s + J01 s0 s1)) on [-1, 1]^2 by adaptive scipy quadrature."""
    shift = it * (np.abs(b).sum() + abs(J[0, 1]))  # bound on the exponent: keeps exp() O(1)

    def integral(g):
        f = lambda y, x: g(x, y) * np.exp(it * (b[0] * x + b[1] * y + J[0, 1] * x * y) - shift)  # noqa: E731
        return integrate.dblquad(f, -1, 1, -1, 1, epsabs=1e-14, epsrel=1e-13)[0]

    z = integral(lambda x, y: 1.0)
    m = np.array([integral(lambda x, y: x), integral(lambda x, y: y)]) / z
    c01 = integral(lambda x, y: (x - m[0]) * (y - m[1])) / z
    v0 = integral(lambda x, y: (x - m[0]) ** 2) / z
    v1 = integral(lambda x, y: (y - m[1]) ** 2) / z
    return np.log(z) + shift, m, np.array([[v0, c01], [c01, v1]])


@pytest.mark.parametrize("J01, b, it", [(1.5, [0.3, -0.2], 1.0), (-4.0, [2.5, 5.0], 2.0)])
def test_quadrature_n2_matches_dblquad(J01, b, it):
    J = np.array([[0.0, J01], [J01, 0.0]])
    b = np.array(b)
    net = Network(J, b)
    quad = ex.boltzmann_quadrature(net, it)
    log_z, m, cov = _dblquad_moments(np.asarray(net.J, np.float64), np.asarray(net.b, np.float64), it)
    assert abs(quad.log_partition - log_z) < 1e-11  # (the brief asks for 1e-6; both agree to ~1e-14)
    np.testing.assert_allclose(quad.mean, m, atol=1e-11)
    np.testing.assert_allclose(quad.covariance, cov, atol=1e-11)


def test_quadrature_converges_in_n_points():
    hard = Network(np.array([[0.0, 5.0, -5.0], [5.0, 0.0, 5.0], [-5.0, 5.0, 0.0]]), np.array([5.0, -5.0, 5.0]))
    for net, it in [(Network(J2 * 3, B2 * 10), 2.0), (Network(J3, B3), 1.5), (hard, 2.0)]:
        a = ex.boltzmann_quadrature(net, it)
        b = ex.boltzmann_quadrature(net, it, n_points=ex.DEFAULT_N_POINTS + 32)
        assert abs(a.log_partition - b.log_partition) < 1e-10
        np.testing.assert_allclose(a.mean, b.mean, atol=1e-10)
        np.testing.assert_allclose(a.covariance, b.covariance, atol=1e-10)
    # ... and the comparison has power: a 4-point rule is visibly wrong on the hard case
    with pytest.warns(RuntimeWarning, match="n_points=4 under-resolves"):
        coarse = ex.boltzmann_quadrature(hard, 2.0, n_points=4)
    assert abs(coarse.log_partition - a.log_partition) > 1e-4


def test_quadrature_moments_generic_density():
    """A Gaussian-like density on [-1, 1]: the generic entry point with a user log density."""
    got = ex.quadrature_moments(lambda S: -0.5 * np.sum(S**2, axis=-1) / 0.3**2, 1)
    sigma = 0.3
    # truncated normal on [-1, 1]: Z = sqrt(2 pi) sigma (2 Phi(1/sigma) - 1)
    from scipy.stats import norm

    a = 1 / sigma
    z = np.sqrt(2 * np.pi) * sigma * (2 * norm.cdf(a) - 1)
    var = sigma**2 * (1 - 2 * a * norm.pdf(a) / (2 * norm.cdf(a) - 1))
    assert got.log_partition == pytest.approx(np.log(z), abs=1e-12)
    assert got.mean[0] == pytest.approx(0.0, abs=1e-14)
    assert got.covariance[0, 0] == pytest.approx(var, abs=1e-12)


# --- pi_sync --------------------------------------------------------------------------------------


def test_pi_sync_n2_keeps_marginals_but_has_zero_covariance():
    net = Network(J2, B2)
    boltz = ex.boltzmann_quadrature(net)
    sync = ex.synchronous_quadrature(net)
    np.testing.assert_allclose(sync.mean, boltz.mean, atol=1e-12)
    np.testing.assert_allclose(np.diag(sync.covariance), np.diag(boltz.covariance), atol=1e-12)
    assert abs(sync.covariance[0, 1]) < 1e-12
    assert boltz.covariance[0, 1] > 0.1
    # Z_sync = ∫∫ exp(iT (b·s + b·s' + s'^T J s)) ds ds' factorises into two N = 2 Boltzmann integrals
    assert sync.log_partition == pytest.approx(2 * boltz.log_partition, abs=1e-12)


def test_pi_sync_detailed_balance_and_asymmetric_uses_symmetric_part():
    """pi_sync(s) T(s'|s) is symmetric in (s, s') for symmetric J (checks the density formula)."""
    rng = np.random.default_rng(0)
    it = 1.3
    S, S2 = rng.uniform(-1, 1, (2, 50, 3))

    def log_t(s_new, s_old):  # log T(s'|s) = sum_i c_i s'_i - A(c_i)
        c = it * (B3 + s_old @ J3.T)
        return np.sum(c * s_new - ex.log_normalizer(c), axis=-1)

    fwd = ex.synchronous_log_density(S, J3, B3, it) + log_t(S2, S)
    bwd = ex.synchronous_log_density(S2, J3, B3, it) + log_t(S, S2)
    np.testing.assert_allclose(fwd, bwd, atol=1e-12)
    asym = J3 + np.array([[0.0, 0.5, 0.2], [-0.5, 0.0, -0.3], [-0.2, 0.3, 0.0]])
    a = ex.synchronous_quadrature(Network(asym, B3), it, n_points=24)
    s = ex.synchronous_quadrature(Network(J3, B3), it, n_points=24)
    np.testing.assert_allclose(a.mean, s.mean, atol=1e-12)
    # at N = 3 pi_sync is not the Boltzmann density
    assert np.max(np.abs(s.covariance - ex.boltzmann_quadrature(Network(J3, B3), it).covariance)) > 1e-2


# --- Monte-Carlo helpers --------------------------------------------------------------------------


def _independent_draws(b, it, chains, draws, seed=0):
    c = np.float32(it) * np.asarray(b, np.float32)
    s = fepnet.cb.sample(jax.random.key(seed), c, shape=(chains, draws, len(b)))
    return np.asarray(s, np.float64)


def test_mcse_iid_and_autocorrelated():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 5000, 2))
    np.testing.assert_allclose(mc.mcse(x), 1 / np.sqrt(20000), rtol=0.1)
    phi = 0.9  # AR(1): MCSE = sd / sqrt(n (1 - phi) / (1 + phi))
    e = rng.normal(size=(4, 20000))
    y = np.zeros_like(e)
    for t in range(1, e.shape[1]):
        y[:, t] = phi * y[:, t - 1] + e[:, t]
    want = np.std(y) / np.sqrt(y.size * (1 - phi) / (1 + phi))
    assert mc.mcse(y) == pytest.approx(want, rel=0.25)
    assert mc.mcse(np.ones((2, 10))) == 0.0


def test_moment_z_scores_small_for_exact_draws_large_for_shifted():
    b, it = np.array([0.8, -1.5, 0.0, 2.5]), 1.2
    exact = ex.independent_moments(b, it)
    samples = _independent_draws(b, it, chains=8, draws=2000)
    z = mc.moment_z_scores(samples, exact)
    assert z.mean_z.shape == (4,) and z.covariance_z.shape == (4, 4)
    np.testing.assert_array_equal(z.covariance_z, z.covariance_z.T)
    assert z.max_abs_z < 4.5, z
    shifted = exact._replace(mean=exact.mean + np.array([0.0, 0.03, 0.0, 0.0]))
    zs = mc.moment_z_scores(samples, shifted)
    assert abs(zs.mean_z[1]) > 8 and zs.max_abs_z > 8
    cov = exact.covariance.copy()
    cov[0, 2] = cov[2, 0] = 0.03
    zc = mc.moment_z_scores(samples, exact._replace(covariance=cov))
    assert abs(zc.covariance_z[0, 2]) > 8 and np.max(np.abs(zc.mean_z)) < 4.5


# --- bad input ------------------------------------------------------------------------------------


def test_bad_inputs_raise():
    net = Network(J2, B2)
    with pytest.raises(ValueError, match="N <= 3"):
        ex.boltzmann_quadrature(Network(np.ones((4, 4)) - np.eye(4)))
    with pytest.raises(ValueError, match="N <= 3"):
        ex.quadrature_moments(lambda S: np.zeros(len(S)), 4)
    with pytest.raises(ValueError, match="log_density must return shape"):
        ex.quadrature_moments(lambda S: np.zeros((len(S), 2)), 2)
    with pytest.raises(ValueError, match="NaN"):
        ex.quadrature_moments(lambda S: np.full(len(S), np.nan), 1)
    with pytest.raises(TypeError, match="log_density"):
        ex.quadrature_moments(np.zeros(3), 1)
    with pytest.raises(ValueError, match="inverse_temperature"):
        ex.boltzmann_quadrature(net, 0.0)
    with pytest.raises(ValueError, match="inverse_temperature"):
        ex.independent_moments(B2, -1.0)
    with pytest.raises(ValueError, match="biases"):
        ex.independent_moments([0.1, np.nan])
    with pytest.raises(ValueError, match="biases"):
        ex.independent_moments(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="evidence"):
        ex.boltzmann_quadrature(net, 1.0, evidence=np.zeros(3))
    with pytest.raises(ValueError, match="evidence"):
        ex.synchronous_quadrature(net, 1.0, evidence=[0.0, np.inf])
    with pytest.raises(TypeError, match="network"):
        ex.boltzmann_moments(J2)
    with pytest.raises(ValueError, match="n_points"):
        ex.boltzmann_quadrature(net, n_points=1)
    with pytest.raises(ValueError, match="samples"):
        mc.moment_z_scores(np.zeros((2, 10, 3)), ex.independent_moments(B2))
    with pytest.raises(ValueError, match="samples"):
        mc.mcse(np.zeros(5))


# --- slow: fepnet's exact samplers against the references -----------------------------------------


def _trajectories(schedule, net, it, chains, steps, seed):
    kernel = fepnet.build_kernel(schedule)
    state, prm = fepnet.init_state(net), fepnet.kernel_params(net, it)
    keys = jax.random.split(jax.random.key(seed), chains)
    f = jax.jit(jax.vmap(lambda k: fepnet.run(kernel, k, state, prm, steps, trace=True)[1]))
    return np.asarray(f(keys), np.float64)[:, steps // 10:]


@pytest.mark.slow
@pytest.mark.parametrize("schedule, reference", [("sequential", ex.boltzmann_quadrature),
                                                 ("synchronous", ex.synchronous_quadrature)])
def test_chains_match_references_n3(schedule, reference):
    net = Network(J3, B3)
    traj = _trajectories(schedule, net, 1.5, chains=64, steps=4000, seed=3)
    z = mc.moment_z_scores(traj, reference(net, 1.5))
    assert z.max_abs_z < 4.5, z
    other = ex.synchronous_quadrature if reference is ex.boltzmann_quadrature else ex.boltzmann_quadrature
    assert mc.moment_z_scores(traj, other(net, 1.5)).max_abs_z > 8  # the check tells the two apart


# --- issue 16 ---------------------------------------------------------------------------------------


def test_cause17_quadrature_resolves_peaked_densities_or_refuses():
    # iT |J| = 1000 on 64 points lost accuracy silently (log Z off by ~2e-3 relative in Z). The default grid now
    # grows with iT max_i(|b_i| + sum_j |Js_ij|); the corner asymptotics give log Z = c - 2 log c + log 2 + O(1/c).
    net = Network(np.array([[0.0, 1.0], [1.0, 0.0]]))
    it = 1000.0
    got = ex.boltzmann_quadrature(net, it)
    finer = ex.boltzmann_quadrature(net, it, n_points=400)
    assert abs(got.log_partition - finer.log_partition) < 1e-9
    np.testing.assert_allclose(got.covariance, finer.covariance, atol=1e-12)
    assert got.log_partition == pytest.approx(it - 2 * np.log(it) + np.log(2), abs=3 / it)
    # an explicit grid is used as given, with a warning naming n_points when it is too coarse
    with pytest.warns(RuntimeWarning, match=r"n_points=64 under-resolves the density.*n_points >= 139"):
        coarse = ex.boltzmann_quadrature(net, it, n_points=64)
    assert abs(coarse.log_partition - got.log_partition) > 1e-4
    # beyond what any grid within the limits resolves: a ValueError naming inverse_temperature
    with pytest.raises(ValueError, match="inverse_temperature .* too peaked"):
        ex.boltzmann_quadrature(net, 1e6)
    with pytest.raises(ValueError, match="inverse_temperature .* too peaked"):
        ex.synchronous_quadrature(Network(J3, B3), 1e4)
    # the default grid is unchanged where 64 points resolve the density (the same bits as before)
    np.testing.assert_array_equal(ex.boltzmann_quadrature(Network(J3, B3), 1.5).covariance,
                                  ex.boltzmann_quadrature(Network(J3, B3), 1.5, n_points=ex.DEFAULT_N_POINTS).covariance)


def test_cause05_an_undefined_mcse_is_nan_never_zero_or_inf():
    # Two chains of four draws alternating in sign: Geyer's sum gives a negative ESS, so sd / sqrt(ESS) is
    # undefined. It used to come out NaN here and turn into z = +-inf in z_score (a confident "biased").
    x = np.array([[[0.5], [-0.4], [0.6], [-0.5]], [[-0.3], [0.4], [-0.6], [0.5]]])
    assert np.isnan(mc.mcse(x)[0])
    assert np.isnan(mc.z_score(np.array([0.1]), np.array([np.nan]))[0])
    np.testing.assert_array_equal(mc.z_score(np.array([0.0, 1.0, -1.0, 2.0]), np.array([0.0, 0.0, 0.0, 4.0])),
                                  [0.0, np.inf, -np.inf, 0.5])  # unchanged where se is defined
    z = mc.moment_z_scores(x, ex.Moments(np.zeros(1), np.ones((1, 1)) / 3, 0.0))
    assert np.isnan(z.mean_z[0]) and np.isnan(z.max_abs_z)
