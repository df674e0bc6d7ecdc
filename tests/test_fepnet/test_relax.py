"""Deterministic relaxation: free-energy descent, fixed points, 2-cycles, step caps."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import brentq

import fepnet
from fepnet import Network

from reference import langevin_np as _langevin_np


def _entropy_np(lam):
    """H(lam) = log(2 sinh(lam) / lam) - lam L(lam), scalar float64."""
    if abs(lam) < 1e-6:
        return np.log(2.0)
    a = abs(lam)
    log_norm = a + np.log1p(-np.exp(-2 * a)) - np.log(a)  # log(2 sinh a / a)
    return log_norm - a * float(_langevin_np(a))


def _inverse_langevin_np(m):
    if m == 0:
        return 0.0
    return brentq(lambda x: float(_langevin_np(x)) - m, -1e4, 1e4, xtol=1e-15, rtol=1e-15, maxiter=500)


def _free_energy_by_hand(J, b, m, it):
    Js = 0.5 * (J + J.T)
    energy = -it * (b @ m + 0.5 * m @ Js @ m)
    return energy - sum(_entropy_np(_inverse_langevin_np(mi)) for mi in m)


# jitted once per dtype/shape: eager evaluation dispatches dozens of small ops per call
_F = jax.jit(fepnet.mean_field_free_energy)
_GRAD_F = jax.jit(jax.grad(fepnet.mean_field_free_energy, argnums=1))


def _random_symmetric(rng, n, scale):
    J = rng.normal(scale=scale / np.sqrt(n), size=(n, n))
    J = 0.5 * (J + J.T)
    np.fill_diagonal(J, 0)
    return Network(J, rng.normal(scale=0.5, size=n))


# --- the mean-field free energy itself -----------------------------------------------------------


def test_mean_field_free_energy_matches_hand_computation(x64):
    rng = np.random.default_rng(0)
    J = rng.normal(size=(4, 4))
    np.fill_diagonal(J, 0)  # NOT symmetric: only Js must enter
    b = rng.normal(size=4)
    net = Network(J, b)
    for it in (0.4, 1.0, 2.5):
        m = rng.uniform(-0.95, 0.95, size=4)
        got = float(fepnet.mean_field_free_energy(net, m, it))
        assert got == pytest.approx(_free_energy_by_hand(J, b, m, it), rel=1e-10, abs=1e-10)
    # batched means
    ms = rng.uniform(-0.9, 0.9, size=(3, 4))
    got = np.asarray(fepnet.mean_field_free_energy(net, ms, 1.0))
    assert got.shape == (3,)
    np.testing.assert_allclose(got, [_free_energy_by_hand(J, b, m, 1.0) for m in ms], rtol=1e-10)


# --- 4. sequential deterministic relaxation never increases F ---------------------------------------


@pytest.mark.parametrize(
    "n, it, scale, seed",
    [(10, 0.5, 3.0, 1), (12, 1.0, 2.0, 2), (15, 2.0, 2.0, 3), (20, 4.0, 1.5, 4), (16, 1.0, 6.0, 5)],
)
def test_sequential_relaxation_descends_free_energy(n, it, scale, seed, x64):
    rng = np.random.default_rng(seed)
    net = _random_symmetric(rng, n, scale)
    m0 = rng.uniform(-0.9, 0.9, size=n)
    kernel = fepnet.build_kernel("sequential", stochastic=False)
    _, traj = fepnet.run(kernel, None, fepnet.init_state(net, m0), fepnet.kernel_params(net, it), 40, thin=1, trace=True)
    assert traj.dtype == jnp.float64
    path = np.concatenate([m0[None], np.asarray(traj)])
    assert np.all(np.abs(path) < 1)
    F = np.asarray(_F(net, path, it))
    assert np.all(np.isfinite(F))
    steps = np.diff(F)
    assert np.all(steps <= 1e-10 * (1 + np.abs(F[1:]))), f"F increased: max step {steps.max()}"
    assert F[-1] < F[0] - 1e-3  # it really moved downhill


def test_sequential_descent_is_per_site_coordinate_minimisation(x64):
    """Each single-node update minimises F over that node's mean: nudging the new value either way raises F."""
    rng = np.random.default_rng(6)
    net = _random_symmetric(rng, 8, 3.0)
    it = 1.5
    J, b = np.asarray(net.couplings), np.asarray(net.biases)
    m = rng.uniform(-0.8, 0.8, size=8)
    for i in range(8):
        m[i] = float(_langevin_np(it * (b[i] + J[i] @ m)))
        F0 = float(_F(net, m, it))
        for eps in (-1e-4, 1e-4):
            mm = m.copy()
            mm[i] += eps
            assert float(_F(net, mm, it)) > F0


def test_synchronous_relaxation_can_increase_free_energy_but_sequential_cannot(x64):
    """Contrast (and a power check for the descent test): synchronous updates are not a descent method."""
    J = np.array([[0.0, -3.0], [-3.0, 0.0]])
    net = Network(J, np.zeros(2))
    it = 10.0
    m0 = np.array([0.5, 0.5])
    sync = fepnet.build_kernel("synchronous", stochastic=False)
    _, traj = fepnet.run(sync, None, fepnet.init_state(net, m0), fepnet.kernel_params(net, it), 6, trace=True)
    F = np.asarray(_F(net, np.concatenate([m0[None], np.asarray(traj)]), it))
    assert np.any(np.diff(F) > 1e-3)


@pytest.mark.parametrize("schedule", ["sequential", "synchronous", "chromatic", "random-scan"])
def test_relax_fixed_points_satisfy_mean_field_equation(schedule, x64):
    rng = np.random.default_rng(7)
    n = 14
    net = _random_symmetric(rng, n, 2.0)
    it = 1.0 if schedule != "synchronous" else 0.8
    starts = rng.uniform(-0.9, 0.9, size=(3, n))
    key = jax.random.key(0) if schedule == "random-scan" else None
    res = fepnet.relax(net, starts, it, schedule=schedule, tol=1e-12, max_steps=5000, key=key)
    assert res.sigma.shape == (3, n) and res.converged.shape == (3,)
    assert bool(jnp.all(res.converged)) and not bool(jnp.any(res.two_cycle))
    J, b = np.asarray(net.couplings), np.asarray(net.biases)
    m = np.asarray(res.sigma)
    residual = m - _langevin_np(it * (b + m @ J.T))
    assert np.max(np.abs(residual)) < 1e-10
    assert np.all(np.asarray(res.max_change) < 1e-12)
    assert np.all(np.asarray(res.n_steps) > 1)
    # and they are stationary points of the mean-field free energy
    for mi in m:
        g = _GRAD_F(net, jnp.asarray(mi), it)
        assert np.max(np.abs(np.asarray(g))) < 1e-8


def test_relax_batch_matches_individual():
    rng = np.random.default_rng(8)
    net = _random_symmetric(rng, 6, 2.0)
    starts = rng.uniform(-0.9, 0.9, size=(2, 3, 6)).astype(np.float32)
    res = fepnet.relax(net, starts, 1.0, schedule="sequential")
    assert res.sigma.shape == (2, 3, 6)
    assert res.converged.shape == res.two_cycle.shape == res.n_steps.shape == res.max_change.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            single = fepnet.relax(net, starts[i, j], 1.0, schedule="sequential")
            assert single.sigma.shape == (6,) and single.converged.shape == ()
            np.testing.assert_allclose(np.asarray(res.sigma[i, j]), np.asarray(single.sigma), rtol=1e-6, atol=1e-7)
            assert int(res.n_steps[i, j]) == int(single.n_steps)


# --- 5. 2-cycles and step caps ------------------------------------------------------------------------

ANTI = np.array([[0.0, -3.0], [-3.0, 0.0]])


def test_synchronous_two_cycle_is_reported():
    net = Network(ANTI, np.zeros(2))
    it = 10.0
    start = np.array([0.5, 0.5])
    # m1 = m2 = x maps to m1 = m2 = L(-30 x): the sign flips every step
    res = fepnet.relax(net, start, it, schedule="synchronous", max_steps=1000)
    assert not bool(res.converged)
    assert bool(res.two_cycle)
    s = np.asarray(res.sigma)
    assert np.all(np.isfinite(s))
    assert 2 <= int(res.n_steps) < 100
    assert float(res.max_change) > 1.0  # it jumps between the two halves of the orbit
    # the state lies on the orbit x = L(30 x) up to sign, with equal components
    x = abs(s[0])
    assert s[0] == pytest.approx(s[1], abs=1e-6)
    assert x == pytest.approx(float(_langevin_np(30 * x)), abs=1e-5)
    # one more synchronous step flips it
    step = fepnet.run(fepnet.build_kernel("synchronous", stochastic=False), None,
                      fepnet.init_state(net, s), fepnet.kernel_params(net, it), 1)[0].sigma
    np.testing.assert_allclose(np.asarray(step), -s, atol=1e-5)


def test_sequential_relaxation_of_the_two_cycle_network_converges():
    net = Network(ANTI, np.zeros(2))
    res = fepnet.relax(net, np.array([0.5, 0.5]), 10.0, schedule="sequential")
    assert bool(res.converged) and not bool(res.two_cycle)
    s = np.asarray(res.sigma)
    assert s[0] == pytest.approx(-s[1], abs=1e-5) and abs(s[0]) > 0.9  # antiferromagnetic fixed point


def test_step_cap_reports_not_converged():
    # J = 1, iT = 2: m -> L(2 m) ~ 2m/3 contracts slowly towards 0
    net = Network(np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2))
    capped = fepnet.relax(net, np.array([0.5, 0.5]), 2.0, schedule="synchronous", max_steps=3)
    assert not bool(capped.converged) and not bool(capped.two_cycle)
    assert int(capped.n_steps) == 3
    assert float(capped.max_change) > 1e-6
    assert np.all(np.isfinite(np.asarray(capped.sigma)))
    full = fepnet.relax(net, np.array([0.5, 0.5]), 2.0, schedule="synchronous", max_steps=1000)
    assert bool(full.converged) and 3 < int(full.n_steps) < 1000
    np.testing.assert_allclose(np.asarray(full.sigma), 0.0, atol=1e-5)


def test_already_at_fixed_point_converges_in_one_step():
    net = Network(np.zeros((3, 3)), np.array([0.5, -1.0, 0.0]))
    m = fepnet.cb.langevin(jnp.array([0.5, -1.0, 0.0]))
    res = fepnet.relax(net, m, 1.0)
    assert bool(res.converged) and int(res.n_steps) == 1


# --- 9. reproducibility of random-scan relaxation ---------------------------------------------------------


def test_random_scan_relax_reproducible():
    rng = np.random.default_rng(9)
    net = _random_symmetric(rng, 8, 2.0)
    start = rng.uniform(-0.9, 0.9, 8)
    a = fepnet.relax(net, start, 1.0, schedule="random-scan", key=jax.random.key(3), max_steps=2)
    b = fepnet.relax(net, start, 1.0, schedule="random-scan", key=jax.random.key(3), max_steps=2)
    c = fepnet.relax(net, start, 1.0, schedule="random-scan", key=jax.random.key(4), max_steps=2)
    assert np.asarray(a.sigma).tobytes() == np.asarray(b.sigma).tobytes()
    assert int(a.n_steps) == int(b.n_steps)
    assert not np.allclose(np.asarray(a.sigma), np.asarray(c.sigma))
    full_a = fepnet.relax(net, start, 1.0, schedule="random-scan", key=jax.random.key(3))
    full_b = fepnet.relax(net, start, 1.0, schedule="random-scan", key=jax.random.key(3))
    assert np.asarray(full_a.sigma).tobytes() == np.asarray(full_b.sigma).tobytes()
    assert int(full_a.n_steps) == int(full_b.n_steps)


# --- 10. the boundary (#16) --------------------------------------------------------------------------------


def test_cause01_relax_at_1e39_is_refused_not_nan_filled():
    """relax(net, zeros, 1e39) returned an all-NaN state (iT became inf on the cast to float32)."""
    net = Network(np.array([[0.0, 0.5], [0.5, 0.0]]))
    with pytest.raises(ValueError, match="inverse_temperature holds values beyond the range of float32"):
        fepnet.relax(net, np.zeros(2), 1e39)
    with pytest.raises(ValueError, match="tol holds values beyond the range of float32"):
        fepnet.relax(net, np.zeros(2), 1.0, tol=1e39)
    with pytest.raises(ValueError, match="sigma holds values beyond the range of float32"):
        fepnet.relax(net, np.array([0.0, 1e39]), 1.0)
    # the largest float32 iT is valid and relaxes to a finite state (saturated at +-1)
    out = fepnet.relax(net, np.array([0.3, 0.2]), 3e38)
    assert np.all(np.isfinite(np.asarray(out.sigma))) and np.all(np.abs(np.asarray(out.sigma)) <= 1)


def test_cause01_relax_checks_after_the_cast_to_the_network_dtype(x64):
    """Under x64 a float32 network took a float64 1e39 (or 1e-50) unchecked and cast it to inf (or 0)."""
    net32 = Network(np.array([[0.0, 0.5], [0.5, 0.0]], np.float32))
    with pytest.raises(ValueError, match="inverse_temperature holds values beyond the range of float32"):
        fepnet.relax(net32, np.zeros(2), 1e39)
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        fepnet.relax(net32, np.zeros(2), 1e-50)
    with pytest.raises(ValueError, match="tol must be positive"):
        fepnet.relax(net32, np.zeros(2), 1.0, tol=1e-50)
    with pytest.raises(TypeError, match="network must be a fepnet.Network"):
        fepnet.relax(np.zeros((2, 2)), np.zeros(2), 1.0)
    assert fepnet.relax(net32, np.zeros(2), 0.5).sigma.dtype == jnp.float32


def test_cause14_relax_refuses_huge_max_steps():
    with pytest.raises(ValueError, match="max_steps must be <= 2147483647"):
        fepnet.relax(Network.zeros(2), np.zeros(2), 1.0, max_steps=2**40)
