"""Mean-field SVI: the closed-form objective, and deterministic relaxation = naive mean-field VI."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpyro.infer import TraceMeanField_ELBO

import fepnet
from fepnet import Network, cb
from fepnet.attractors import deduplicate
from fepnet.data import load_digits
from fepnet.paper import NETWORKS, SIM2, attractor_starts
from inference.models import boltzmann_model, synchronous_stationary_model
from inference.svi import MeanFieldFreeEnergy, mean_field_guide, run_svi


def _random_network(n, seed, scale=0.6):
    rng = np.random.default_rng(seed)
    J = rng.normal(scale=scale, size=(n, n))
    J = J + J.T
    np.fill_diagonal(J, 0.0)
    return Network(J, rng.normal(scale=0.5, size=n))


def _loss(objective, key, lam, net, evidence, it, model=boltzmann_model):
    return float(objective.loss(key, {"natural": jnp.asarray(lam)}, model, mean_field_guide, net, evidence, it))


# --- the objective ---------------------------------------------------------------------------------


def test_closed_form_objective_is_the_mean_field_free_energy(x64):
    """-ELBO = F(m) + sum A(iT b): fepnet's free energy, written independently here."""
    net = _random_network(6, 0)
    evidence = np.linspace(-1, 1, 6)
    it = 0.8
    lam = np.random.default_rng(1).normal(scale=2.0, size=6)
    m = np.asarray(cb.langevin(jnp.asarray(lam)))
    b = np.asarray(net.b) + evidence
    js = np.asarray(net.J)
    entropy = np.asarray(cb.entropy(jnp.asarray(lam)))
    const = np.sum(np.asarray(cb.log_normalizer(jnp.asarray(it * b))))
    expected = -it * (b @ m + 0.5 * m @ js @ m) - entropy.sum() + const
    got = _loss(MeanFieldFreeEnergy(), jax.random.key(0), lam, net, evidence, it)
    assert got == pytest.approx(expected, abs=1e-10)
    free = float(fepnet.mean_field_free_energy(net.with_evidence(evidence), jnp.asarray(m), it))
    assert got == pytest.approx(free + const, abs=1e-9)


def test_closed_form_objective_equals_monte_carlo_elbo():
    net = _random_network(5, 2)
    lam = np.array([1.5, -0.5, 0.0, 3.0, -2.0])
    exact = _loss(MeanFieldFreeEnergy(), jax.random.key(0), lam, net, None, 1.0)
    mc = np.array([
        _loss(TraceMeanField_ELBO(num_particles=4000, vectorize_particles=True), jax.random.key(s), lam, net, None, 1.0)
        for s in range(8)
    ])
    se = mc.std(ddof=1) / np.sqrt(len(mc))
    assert se < 0.01
    assert abs(mc.mean() - exact) < 4 * se + 1e-5


def test_closed_form_gradient_vanishes_at_deterministic_fixed_points(x64):
    """Stationary points of -ELBO are the fixed points m = L(iT (b + Js m)) of deterministic relaxation."""
    net = _random_network(8, 3, scale=0.8)
    relaxed = fepnet.relax(net, np.zeros((1, 8)), 1.0, schedule="sequential", tol=1e-13, max_steps=10_000)
    assert bool(relaxed.converged[0])
    lam = cb.inverse_langevin(relaxed.sigma[0])
    grad = jax.grad(lambda l: MeanFieldFreeEnergy().loss(
        jax.random.key(0), {"natural": l}, boltzmann_model, mean_field_guide, net, None, jnp.float64(1.0)))(lam)
    assert np.abs(np.asarray(grad)).max() < 1e-9
    away = jax.grad(lambda l: MeanFieldFreeEnergy().loss(
        jax.random.key(0), {"natural": l}, boltzmann_model, mean_field_guide, net, None, jnp.float64(1.0)))(lam + 0.1)
    assert np.abs(np.asarray(away)).max() > 1e-3


# --- acceptance: SVI converges to every attractor of the balanced digits network --------------------


@pytest.fixture(scope="module")
def balanced_attractors():
    """The balanced network of the paper's simulations (seed 0), symmetrised, and its deterministic attractors at iT = 1."""
    digits = load_digits()
    level, it = NETWORKS["balanced"]
    net = fepnet.train(jax.random.key(0), digits.train, inverse_temperature=it, evidence_level=level, **SIM2).network
    sym = net.symmetrized()
    relaxed = fepnet.relax(sym, attractor_starts(digits.train, level), 1.0, schedule="sequential", tol=1e-7,
                           max_steps=5000)
    assert bool(np.all(relaxed.converged))
    sigma = np.asarray(relaxed.sigma)
    _, label = deduplicate(sigma, 3)
    states = sigma[[int(np.argmax(label == k)) for k in range(label.max() + 1)]]
    return sym, states


@pytest.mark.slow  # statistical, ~8 s (trains the digits network); test_multi_start_svi_finds_both_modes_of_a_two_attractor_network stays in the default suite
def test_svi_converges_to_each_attractor_of_the_balanced_network(balanced_attractors):
    """Acceptance: from near each attractor, mean-field SVI ends within 1e-3 of it (max abs over nodes)."""
    net, states = balanced_attractors
    assert len(states) >= 5
    rng = np.random.default_rng(0)
    init = np.clip(states + rng.normal(scale=0.05, size=states.shape), -0.99, 0.99)
    assert np.abs(init - states).max() > 0.1  # the starts are really off the attractors
    res = run_svi(jax.random.key(0), net, None, 1.0, init_means=init)
    error = np.abs(res.means - states).max(axis=1)
    assert np.all(error <= 1e-3), error
    # one mode per attractor, and every loss curve ends flat at the exact free energy
    assert len(res.modes) == len(states)
    np.testing.assert_allclose(res.losses[:, -1], res.free_energy, atol=1e-4)


def test_multi_start_svi_finds_both_modes_of_a_two_attractor_network():
    """A one-pattern Hebbian network has attractors +-m*; random starts find both, equal free energy."""
    rng = np.random.default_rng(4)
    p = rng.choice([-1.0, 1.0], size=12)
    J = 0.5 * np.outer(p, p)
    np.fill_diagonal(J, 0.0)
    net = Network(J)
    res = run_svi(jax.random.key(1), net, None, 1.0, n_starts=16, n_steps=3000)
    assert res.means.shape == (16, 12) and res.mode_of.shape == (16,)
    assert len(res.modes) == 2
    overlap = res.modes @ p / 12
    assert sorted(np.sign(overlap)) == [-1, 1] and np.all(np.abs(overlap) > 0.5)
    np.testing.assert_allclose(res.modes[0], -res.modes[1], atol=0.02)
    # relaxation from the same pattern lands on the same mode
    relaxed = fepnet.relax(net, 0.5 * p[None], 1.0, schedule="sequential", tol=1e-7, max_steps=5000)
    assert np.abs(res.modes - np.asarray(relaxed.sigma)).max(axis=1).min() < 0.01


@pytest.mark.slow  # statistical, 17 s; the closed-form and Monte-Carlo ELBO tests stay in the default suite
def test_monte_carlo_objective_with_many_particles_and_decay_is_accurate():
    """Without the closed form: many particles and a decaying step size reach ~1e-3; one particle does not."""
    net = _random_network(6, 5, scale=0.5)
    target = fepnet.relax(net, np.zeros((1, 6)), 1.0, schedule="sequential", tol=1e-9, max_steps=10_000).sigma
    many = run_svi(jax.random.key(2), net, objective="monte-carlo", n_particles=1024, n_steps=3000,
                   step_size=0.05, final_step_size=1e-4)
    one = run_svi(jax.random.key(2), net, objective="monte-carlo", n_particles=1, n_steps=3000,
                  step_size=0.05, final_step_size=0.05)
    err_many = np.abs(many.means - np.asarray(target)).max()
    err_one = np.abs(one.means - np.asarray(target)).max()
    assert err_many < 2.5e-3, err_many  # measured 0.8-1.4e-3 over keys (256 particles: ~2e-3)
    assert err_one > 10 * err_many  # one particle, constant step: 0.05-0.14


def test_svi_runs_the_synchronous_model_with_monte_carlo():
    net = _random_network(4, 6)
    res = run_svi(jax.random.key(3), net, model=synchronous_stationary_model, objective="monte-carlo",
                  n_particles=16, n_steps=300)
    assert np.all(np.isfinite(res.means)) and np.all(np.isnan(res.free_energy))
    with pytest.raises(ValueError, match="closed-form"):
        run_svi(jax.random.key(3), net, model="synchronous")


def test_progress_bar_gives_the_same_answer(capsys):
    net = _random_network(4, 7)
    a = run_svi(jax.random.key(4), net, n_steps=200, progress=True)
    b = run_svi(jax.random.key(4), net, n_steps=200)
    np.testing.assert_allclose(a.means, b.means, atol=1e-6)
    assert a.losses.shape == (1, 200)
    assert "svi" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(objective="exact"), ValueError, "objective"),
        (dict(init_means=np.ones(4)), ValueError, "init_means"),
        (dict(init_means=np.zeros(5)), ValueError, "init_means"),
        (dict(init_means=[[0.1, 0.2, 0.3]]), ValueError, "init_means"),
        (dict(init_means=np.zeros((1, 2, 4))), ValueError, "init_means"),
        (dict(init_means=np.array([0.0, np.nan, 0.0, 0.0])), ValueError, "init_means"),
        (dict(n_starts=0), ValueError, "n_starts"),
        (dict(n_steps=0), ValueError, "n_steps"),
        (dict(step_size=-0.1), ValueError, "step_size"),
        (dict(inverse_temperature=-1.0), ValueError, "inverse_temperature"),
        (dict(evidence=np.zeros(3)), ValueError, "evidence"),
    ],
)
def test_run_svi_rejects_bad_input(kwargs, exc, match):
    args = dict(key=jax.random.key(0), network=_random_network(4, 8), n_steps=10)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        run_svi(**args)
