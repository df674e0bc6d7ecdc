"""Inference kernels and the run driver.

Statistical tests compare long-run chain averages with references computed
independently of fepnet (Gauss-Legendre quadrature in numpy float64, closed
forms written here). Monte-Carlo standard errors (MCSE) come from many
independent chains (vmap over keys): the between-chain standard error of the
chain means is valid whatever the autocorrelation within a chain.
"""

import itertools

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest

import fepnet
from fepnet import Network
from fepnet.chain import NOISE_CHUNK

from reference import langevin_grad_np as _langevin_grad_np
from reference import langevin_np as _langevin_np

Z_TOL = 4.0  # tolerance in MCSE units


# --- independent references ----------------------------------------------------------


def _boltzmann_moments(J, b, it, n_points=48):
    """Exact E[s_i] and E[s_i s_j] of p(s) ∝ exp(iT (b·s + 1/2 s^T J s)) on [-1, 1]^N by tensor Gauss-Legendre."""
    J, b = np.asarray(J, np.float64), np.asarray(b, np.float64)
    n = len(b)
    x, w = np.polynomial.legendre.leggauss(n_points)
    grids = np.meshgrid(*([x] * n), indexing="ij")
    S = np.stack([g.ravel() for g in grids], axis=-1)  # (P, N)
    W = np.prod(np.stack(np.meshgrid(*([w] * n), indexing="ij")), axis=0).ravel()
    logp = it * (S @ b + 0.5 * np.einsum("pi,ij,pj->p", S, J, S))
    p = W * np.exp(logp - logp.max())
    p /= p.sum()
    mean = p @ S
    second = np.einsum("p,pi,pj->ij", p, S, S)
    return mean, second


def test_quadrature_reference_is_accurate():
    """The reference itself: with J = 0 the quadrature must give the CB closed forms."""
    b = np.array([0.7, -1.3, 0.0])
    mean, second = _boltzmann_moments(np.zeros((3, 3)), b, 1.5, n_points=32)
    np.testing.assert_allclose(mean, _langevin_np(1.5 * b), atol=1e-13)
    np.testing.assert_allclose(np.diag(second) - mean**2, _langevin_grad_np(1.5 * b), atol=1e-13)


# --- chains -------------------------------------------------------------------------------


def _trajectories(kernel, net, it, n_chains, n_steps, seed, sigma0=None):
    """(n_chains, n_steps, N) float64 trajectories of independent chains from the same start."""
    state = fepnet.init_state(net, sigma0)
    prm = fepnet.kernel_params(net, it)
    keys = jax.random.split(jax.random.key(seed), n_chains)
    f = jax.jit(jax.vmap(lambda k, p: fepnet.run(kernel, k, state, p, n_steps, trace=True)[1], in_axes=(0, None)))
    return np.asarray(f(keys, prm), dtype=np.float64)


def _chain_means(stats):
    """stats (chains, T, K) -> (grand mean (K,), between-chain MCSE (K,), per-chain means (chains, K))."""
    cm = stats.mean(axis=1)
    return cm.mean(axis=0), cm.std(axis=0, ddof=1) / np.sqrt(cm.shape[0]), cm


def _moment_stats(traj, pairs):
    """Per-step statistics: s_i, s_i^2 for every node and s_i s_j for the given pairs."""
    cols = [traj, traj**2] + [traj[..., [i]] * traj[..., [j]] for i, j in pairs]
    return np.concatenate(cols, axis=-1)


def _jackknife_cov(traj, i, j):
    """Covariance of nodes i, j from the pooled chains, with its jackknife-over-chains standard error."""
    a = traj[..., i].mean(axis=1)
    c = traj[..., j].mean(axis=1)
    ac = (traj[..., i] * traj[..., j]).mean(axis=1)
    n = len(a)
    full = ac.mean() - a.mean() * c.mean()
    loo = []
    for k in range(n):
        keep = np.arange(n) != k
        loo.append(ac[keep].mean() - a[keep].mean() * c[keep].mean())
    loo = np.array(loo)
    se = np.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2))
    return full, se


def _assert_within(estimate, se, exact, label):
    estimate, se, exact = map(np.atleast_1d, (estimate, se, exact))
    z = np.abs(estimate - exact) / se
    assert np.all(z < Z_TOL), f"{label}: estimate {estimate} vs exact {exact}, MCSE {se}, z {z}"


# --- 1. exactness at N = 2 -----------------------------------------------------------------------

J2 = np.array([[0.0, 1.5], [1.5, 0.0]])
B2 = np.array([0.3, -0.2])


@pytest.fixture(scope="module")
def exact2():
    return _boltzmann_moments(J2, B2, 1.0, n_points=64)


@pytest.mark.parametrize("schedule", ["sequential", "random-scan"])
def test_exact_samplers_match_quadrature_n2(schedule, exact2):
    mean, second = exact2
    net = Network(J2, B2)
    traj = _trajectories(fepnet.build_kernel(schedule), net, 1.0, n_chains=128, n_steps=4000, seed=11)[:, 500:]
    assert np.all(np.abs(traj) <= 1)
    est, se, _ = _chain_means(_moment_stats(traj, [(0, 1)]))
    assert np.all(se < 3e-3), se  # the test has power: errors of ~0.01 would be caught
    _assert_within(est[:2], se[:2], mean, f"{schedule} means")
    _assert_within(est[2:4], se[2:4], np.diag(second), f"{schedule} second moments")
    _assert_within(est[4], se[4], second[0, 1], f"{schedule} E[s1 s2]")
    cov, cov_se = _jackknife_cov(traj, 0, 1)
    exact_cov = second[0, 1] - mean[0] * mean[1]
    assert exact_cov > 0.1  # the coupling matters here
    _assert_within(cov, cov_se, exact_cov, f"{schedule} covariance")


def test_synchronous_samples_pi_sync_not_boltzmann_n2(exact2):
    """Synchronous updates: exact marginal means and variances, zero covariance."""
    mean, second = exact2
    net = Network(J2, B2)
    traj = _trajectories(fepnet.build_kernel("synchronous"), net, 1.0, n_chains=128, n_steps=4000, seed=12)[:, 500:]
    est, se, _ = _chain_means(_moment_stats(traj, [(0, 1)]))
    # marginals are the Boltzmann marginals
    _assert_within(est[:2], se[:2], mean, "sync means")
    _assert_within(est[2:4], se[2:4], np.diag(second), "sync second moments")
    # under pi_sync the two nodes are independent: E[s1 s2] = m1 m2
    _assert_within(est[4], se[4], mean[0] * mean[1], "sync E[s1 s2] vs m1 m2")
    cov, cov_se = _jackknife_cov(traj, 0, 1)
    _assert_within(cov, cov_se, 0.0, "sync covariance")
    # ... which is NOT the Boltzmann covariance
    exact_cov = second[0, 1] - mean[0] * mean[1]
    assert abs(cov - exact_cov) > 20 * cov_se
    assert abs(est[4] - second[0, 1]) > 20 * se[4]


def test_pi_sync_formula_is_stationary_for_synchronous_transition():
    """Numerical check of the claim that pi_sync T is symmetric (detailed balance), N = 2, by quadrature."""
    it = 1.0
    x, _ = np.polynomial.legendre.leggauss(12)
    S = np.array(list(itertools.product(x, x)))

    def log_pi(s):
        c = it * (B2 + J2 @ s)
        return it * B2 @ s + np.sum(np.log(2 * np.sinh(c) / c))

    def log_T(s_new, s):
        c = it * (B2 + J2 @ s)
        return np.sum(c * s_new - np.log(2 * np.sinh(c) / c))

    for s, t in itertools.product(S[::7], S[::5]):
        assert log_pi(s) + log_T(t, s) == pytest.approx(log_pi(t) + log_T(s, t), abs=1e-10)


# --- 2. independent nodes: every schedule gives the CB moments -----------------------------------


# statistical: two schedules in the default suite; random-scan and chromatic (~9 s) under -m slow, their exactness
# being tested against quadrature below
@pytest.mark.parametrize("schedule", [pytest.param(s, marks=pytest.mark.slow) if s in ("random-scan", "chromatic") else s
                                      for s in fepnet.SCHEDULES])
def test_zero_coupling_reproduces_cb_moments(schedule):
    b = np.array([-2.5, -0.6, 0.0, 0.35, 1.8])
    it = 1.3
    net = Network(np.zeros((5, 5)), b)
    kernel = fepnet.build_kernel(schedule, network=net if schedule == "chromatic" else None)
    traj = _trajectories(kernel, net, it, n_chains=64, n_steps=1500, seed=21)[:, 50:]
    mu = np.asarray(fepnet.cb.langevin(jnp.asarray(it * b)), np.float64)
    var = np.asarray(fepnet.cb.langevin_grad(jnp.asarray(it * b)), np.float64)
    # the fepnet reference agrees with the closed form written here
    np.testing.assert_allclose(mu, _langevin_np(it * b), atol=1e-6)
    np.testing.assert_allclose(var, _langevin_grad_np(it * b), atol=1e-6)
    stats = np.concatenate([traj, (traj - mu) ** 2], axis=-1)
    est, se, _ = _chain_means(stats)
    assert np.all(se < 4e-3)
    _assert_within(est[:5], se[:5], mu, f"{schedule} means")
    _assert_within(est[5:], se[5:], var, f"{schedule} variances")


# --- 3. chromatic Gibbs ----------------------------------------------------------------------------


def _graph_network(graph, rng, scale=0.8):
    n = graph.number_of_nodes()
    J = np.zeros((n, n))
    for i, j in graph.edges:
        w = rng.uniform(0.3, scale) * rng.choice([-1.0, 1.0])
        J[i, j] = J[j, i] = w
    return Network(J, rng.normal(scale=0.5, size=n))


def _assert_proper(coloring, graph):
    flat = sorted(i for cls in coloring for i in cls)
    assert flat == list(range(graph.number_of_nodes())), "colour classes must partition the nodes"
    colour = {i: c for c, cls in enumerate(coloring) for i in cls}
    for i, j in graph.edges:
        assert colour[i] != colour[j], f"edge {i}-{j} inside colour {colour[i]}"


@pytest.mark.parametrize(
    "graph",
    [nx.cycle_graph(12), nx.convert_node_labels_to_integers(nx.grid_2d_graph(3, 4)), nx.path_graph(9)],
    ids=["ring12", "grid3x4", "path9"],
)
def test_chromatic_coloring_is_proper(graph):
    net = _graph_network(graph, np.random.default_rng(31))
    g = fepnet.coupling_graph(net)
    assert set(map(frozenset, g.edges)) == set(map(frozenset, graph.edges))
    kernel = fepnet.build_kernel("chromatic", network=net)
    _assert_proper(kernel.coloring, graph)
    assert len(kernel.coloring) <= 3  # bipartite graphs need few colours
    _assert_proper(fepnet.greedy_coloring(graph), graph)


@pytest.mark.slow  # ~10-15 s; the default suite's budget (run with -m slow)
def test_chromatic_matches_sequential_on_grid():
    graph = nx.convert_node_labels_to_integers(nx.grid_2d_graph(3, 4))
    net = _graph_network(graph, np.random.default_rng(32))
    pairs = list(graph.edges)
    it = 1.0
    chrom = _trajectories(fepnet.build_kernel("chromatic", network=net), net, it, 128, 2500, seed=33)[:, 300:]
    seq = _trajectories(fepnet.build_kernel("sequential"), net, it, 128, 2500, seed=34)[:, 300:]
    ec, sc, _ = _chain_means(_moment_stats(chrom, pairs))
    es, ss, _ = _chain_means(_moment_stats(seq, pairs))
    z = np.abs(ec - es) / np.sqrt(sc**2 + ss**2)
    assert np.all(z < Z_TOL), (ec, es, z)
    assert np.all(sc < 4e-3)
    # the couplings matter: edge correlations differ from products of means
    n = net.size
    corr = ec[2 * n:] - np.array([ec[i] * ec[j] for i, j in pairs])
    assert np.max(np.abs(corr)) > 0.05


def test_chromatic_matches_quadrature_on_chain_of_three():
    J = np.array([[0.0, 1.2, 0.0], [1.2, 0.0, -0.9], [0.0, -0.9, 0.0]])
    b = np.array([0.2, -0.4, 0.5])
    it = 1.5
    net = Network(J, b)
    kernel = fepnet.build_kernel("chromatic", network=net)
    assert sorted(map(sorted, kernel.coloring)) == [[0, 2], [1]]
    mean, second = _boltzmann_moments(J, b, it, n_points=40)
    traj = _trajectories(kernel, net, it, 128, 3000, seed=35)[:, 300:]
    est, se, _ = _chain_means(_moment_stats(traj, [(0, 1), (1, 2), (0, 2)]))
    _assert_within(est[:3], se[:3], mean, "chromatic means")
    _assert_within(est[3:6], se[3:6], np.diag(second), "chromatic second moments")
    _assert_within(est[6:], se[6:], [second[0, 1], second[1, 2], second[0, 2]], "chromatic cross moments")
    # an explicitly given proper colouring is used as given
    k2 = fepnet.build_kernel("chromatic", network=net, coloring=[[1], [2, 0]])
    assert k2.coloring == ((1,), (2, 0))


# --- deterministic updates against hand computation -------------------------------------------------


def _asymmetric_problem(seed):
    """A random asymmetric 5-node J (zero diagonal), biases and a starting state."""
    rng = np.random.default_rng(seed)
    J = rng.normal(size=(5, 5))
    np.fill_diagonal(J, 0)
    return J, rng.normal(size=5), rng.uniform(-1, 1, 5)


def test_deterministic_synchronous_step_by_hand(x64):
    J, b, s = _asymmetric_problem(41)
    it = 0.7
    out = fepnet.run(fepnet.build_kernel("synchronous", stochastic=False), None,
                     fepnet.init_state(Network(J, b), s), fepnet.kernel_params(Network(J, b), it), 1)[0].sigma
    expected = np.array([_langevin_np(it * (b[i] + sum(J[i, j] * s[j] for j in range(5)))) for i in range(5)])
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-12, atol=1e-14)


def test_deterministic_sequential_sweep_by_hand(x64):
    J, b, s0 = _asymmetric_problem(42)
    it = 1.4
    net = Network(J, b)
    out = fepnet.run(fepnet.build_kernel("sequential", stochastic=False), None,
                     fepnet.init_state(net, s0), fepnet.kernel_params(net, it), 2)[0].sigma
    s = s0.copy()
    for _ in range(2):
        for i in range(5):  # Gauss-Seidel: node i sees the newest states
            s[i] = _langevin_np(it * (b[i] + J[i] @ s))
    np.testing.assert_allclose(np.asarray(out), s, rtol=1e-12, atol=1e-14)


def test_field_direction_convention():
    """J[i, j] is the weight FROM node j TO node i: only node 0 feels node 1."""
    J = np.zeros((2, 2))
    J[0, 1] = 2.0
    net = Network(J)
    out = fepnet.run(fepnet.build_kernel("synchronous", stochastic=False), None,
                     fepnet.init_state(net, [0.0, 0.5]), fepnet.kernel_params(net, 1.0), 1)[0].sigma
    np.testing.assert_allclose(np.asarray(out), [_langevin_np(1.0), 0.0], rtol=1e-6)


def test_chromatic_deterministic_equals_sequential_within_colour_order():
    """On a chain 0-1-2 with colouring ((1,), (0, 2)) a chromatic sweep equals the sequential sweep in order 1, 0, 2."""
    J = np.array([[0.0, 1.2, 0.0], [1.2, 0.0, -0.9], [0.0, -0.9, 0.0]], np.float32)
    b = np.array([0.2, -0.4, 0.5], np.float32)
    net = Network(J, b)
    s0 = np.array([0.3, -0.5, 0.8], np.float32)
    k = fepnet.build_kernel("chromatic", stochastic=False, coloring=[[1], [0, 2]], network=net)
    out = fepnet.run(k, None, fepnet.init_state(net, s0), fepnet.kernel_params(net, 2.0), 1)[0].sigma
    s = s0.astype(np.float64)
    for i in (1, 0, 2):
        s[i] = _langevin_np(2.0 * (b[i] + J[i] @ s))
    np.testing.assert_allclose(np.asarray(out), s, rtol=1e-5, atol=1e-6)


# --- 11. the run driver ------------------------------------------------------------------------------


def _small_net(n=4, seed=51):
    rng = np.random.default_rng(seed)
    J = rng.normal(scale=0.5, size=(n, n))
    J = 0.5 * (J + J.T)
    np.fill_diagonal(J, 0)
    return Network(J, rng.normal(size=n))


# Runs of the driver tests below use N_CHUNKED steps (two full noise chunks and a remainder) on the same
# 4-node network, so that they share compiled programs (run is jitted on kernel, n_steps, thin and trace).
N_CHUNKED = 2 * NOISE_CHUNK + 7
THIN = 5


# thinning is the driver's, not the kernel's: two schedules in the default suite, all four under -m slow (~16 s)
@pytest.mark.parametrize("schedule", [pytest.param(s, marks=pytest.mark.slow) if s in ("random-scan", "chromatic") else s
                                      for s in fepnet.SCHEDULES])
def test_run_thinning(schedule):
    net = _small_net()
    kernel = fepnet.build_kernel(schedule, network=net if schedule == "chromatic" else None)
    state, prm, key = fepnet.init_state(net), fepnet.kernel_params(net, 1.0), jax.random.key(3)
    full_final, full = fepnet.run(kernel, key, state, prm, N_CHUNKED, trace=True)
    assert full.shape == (N_CHUNKED, 4)
    final, kept = fepnet.run(kernel, key, state, prm, N_CHUNKED, thin=THIN, trace=True)
    assert N_CHUNKED % THIN != 0 and kept.shape == (N_CHUNKED // THIN, 4)
    np.testing.assert_allclose(np.asarray(kept), np.asarray(full)[THIN - 1::THIN], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(final.sigma), np.asarray(full_final.sigma), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(full[-1]), np.asarray(full_final.sigma), rtol=1e-6, atol=1e-7)
    notrace_final, none = fepnet.run(kernel, key, state, prm, N_CHUNKED)
    assert none is None
    np.testing.assert_allclose(np.asarray(notrace_final.sigma), np.asarray(full_final.sigma), rtol=1e-6, atol=1e-7)
    # thin larger than the run keeps nothing; zero steps keep the start
    assert fepnet.run(kernel, key, state, prm, 2, thin=THIN, trace=True)[1].shape == (0, 4)
    zero_final, zero = fepnet.run(kernel, key, state, prm, 0, trace=True)
    assert zero.shape == (0, 4)
    np.testing.assert_array_equal(np.asarray(zero_final.sigma), np.asarray(state.sigma))


@pytest.mark.parametrize("stochastic", [True, False])
@pytest.mark.parametrize("schedule", fepnet.SCHEDULES)
def test_run_replays_step_keys_across_noise_chunks(schedule, stochastic):
    """run draws the noise of many steps at once; step t must still be kernel(fold_in(key, t), ...)."""
    net = _small_net()
    kernel = fepnet.build_kernel(schedule, stochastic=stochastic, network=net if schedule == "chromatic" else None)
    state, prm, key = fepnet.init_state(net, np.full(4, 0.3)), fepnet.kernel_params(net, 0.8), jax.random.key(9)
    n_steps = N_CHUNKED  # two full chunks and a remainder
    step = jax.jit(kernel)
    s, manual = state, []
    for t in range(n_steps):
        s = step(jax.random.fold_in(key, t), s, prm)
        manual.append(np.asarray(s.sigma))
    final, traj = fepnet.run(kernel, key, state, prm, n_steps, trace=True)
    np.testing.assert_array_equal(np.asarray(traj), np.stack(manual))
    np.testing.assert_array_equal(np.asarray(final.sigma), manual[-1])
    _, thinned = fepnet.run(kernel, key, state, prm, n_steps, thin=THIN, trace=True)
    np.testing.assert_array_equal(np.asarray(thinned), np.stack(manual)[THIN - 1::THIN])
    untraced, _ = fepnet.run(kernel, key, state, prm, n_steps)
    np.testing.assert_array_equal(np.asarray(untraced.sigma), manual[-1])


def test_run_vmap_over_keys_matches_loop():
    net = _small_net()
    kernel = fepnet.build_kernel("sequential")
    state, prm = fepnet.init_state(net), fepnet.kernel_params(net, 1.0)
    keys = jax.random.split(jax.random.key(5), 6)
    batched = jax.vmap(lambda k: fepnet.run(kernel, k, state, prm, 25, trace=True)[1])(keys)
    assert batched.shape == (6, 25, 4)
    for c in range(6):
        single = fepnet.run(kernel, keys[c], state, prm, 25, trace=True)[1]
        np.testing.assert_allclose(np.asarray(batched[c]), np.asarray(single), rtol=1e-5, atol=1e-6)
    # the chains are different from one another
    assert np.min(np.abs(np.asarray(batched[0]) - np.asarray(batched[1]))) > 0


def test_run_vmap_over_networks_matches_loop():
    nets = [_small_net(seed=s) for s in range(4)]
    its = jnp.array([0.5, 1.0, 1.5, 2.0])
    batch = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *nets)
    prm = fepnet.KernelParams(batch, its)
    kernel = fepnet.build_kernel("synchronous")
    key = jax.random.key(6)
    state = fepnet.init_state(nets[0])
    finals = jax.vmap(lambda p: fepnet.run(kernel, key, state, p, 30)[0].sigma)(prm)
    assert finals.shape == (4, 4)
    for i, n in enumerate(nets):
        single = fepnet.run(kernel, key, state, fepnet.kernel_params(n, float(its[i])), 30)[0].sigma
        np.testing.assert_allclose(np.asarray(finals[i]), np.asarray(single), rtol=1e-5, atol=1e-6)
    # deterministic kernel, batched states and networks together
    det = fepnet.build_kernel("sequential", stochastic=False)
    starts = fepnet.ChainState(jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (4, 4)), jnp.float32))
    out = jax.vmap(lambda s, p: fepnet.run(det, None, s, p, 7)[0].sigma)(starts, prm)
    for i, n in enumerate(nets):
        single = fepnet.run(det, None, fepnet.init_state(n, starts.sigma[i]), fepnet.kernel_params(n, float(its[i])), 7)[0].sigma
        np.testing.assert_allclose(np.asarray(out[i]), np.asarray(single), rtol=1e-5, atol=1e-6)


def test_run_inside_jit_with_closed_over_params():
    """run documents that it works under jit/vmap; closing over concrete params inside a jitted function
    (the common `jit(vmap(lambda k: run(kernel, k, state, params, n)))(keys)` pattern) must work too."""
    net = _small_net()
    kernel = fepnet.build_kernel("sequential")
    state, prm = fepnet.init_state(net), fepnet.kernel_params(net, 1.0)
    keys = jax.random.split(jax.random.key(7), 3)
    out = jax.jit(jax.vmap(lambda k: fepnet.run(kernel, k, state, prm, 5)[0].sigma))(keys)
    ref = jax.vmap(lambda k: fepnet.run(kernel, k, state, prm, 5)[0].sigma)(keys)
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("schedule", fepnet.SCHEDULES)
def test_run_float64_end_to_end(schedule, x64):
    rng = np.random.default_rng(8)
    J = rng.normal(size=(4, 4))
    J = 0.5 * (J + J.T)
    np.fill_diagonal(J, 0)
    net = Network(J, rng.normal(size=4))
    assert net.dtype == jnp.float64
    kernel = fepnet.build_kernel(schedule, network=net if schedule == "chromatic" else None)
    state, prm = fepnet.init_state(net), fepnet.kernel_params(net, 1.0)
    assert state.sigma.dtype == jnp.float64 and prm.inverse_temperature.dtype == jnp.float64
    final, traj = fepnet.run(kernel, jax.random.key(0), state, prm, 20, trace=True)
    assert final.sigma.dtype == jnp.float64 and traj.dtype == jnp.float64
    assert np.all(np.isfinite(np.asarray(traj))) and np.all(np.abs(np.asarray(traj)) <= 1)
    # float64 draws are not float32 values in disguise
    assert np.any(np.asarray(traj) != np.asarray(traj).astype(np.float32).astype(np.float64))
    det = fepnet.build_kernel(schedule, stochastic=False, network=net if schedule == "chromatic" else None)
    key = jax.random.key(0) if schedule == "random-scan" else None
    assert fepnet.run(det, key, state, prm, 3)[0].sigma.dtype == jnp.float64


# --- 9. reproducibility ---------------------------------------------------------------------------------


@pytest.mark.parametrize("schedule", fepnet.SCHEDULES)
def test_run_reproducible_and_key_dependent(schedule):
    net = _small_net()
    kernel = fepnet.build_kernel(schedule, network=net if schedule == "chromatic" else None)
    state, prm = fepnet.init_state(net), fepnet.kernel_params(net, 1.0)
    a = np.asarray(fepnet.run(kernel, jax.random.key(9), state, prm, N_CHUNKED, trace=True)[1])
    b = np.asarray(fepnet.run(kernel, jax.random.key(9), state, prm, N_CHUNKED, trace=True)[1])
    c = np.asarray(fepnet.run(kernel, jax.random.key(10), state, prm, N_CHUNKED, trace=True)[1])
    assert a.tobytes() == b.tobytes()
    assert not np.allclose(a, c)
    # legacy uint32 keys work as well
    d = np.asarray(fepnet.run(kernel, jax.random.PRNGKey(9), state, prm, 50, trace=True)[1])
    assert d.tobytes() == np.asarray(fepnet.run(kernel, jax.random.PRNGKey(9), state, prm, 50, trace=True)[1]).tobytes()


def test_random_scan_deterministic_depends_on_key_only():
    net = _small_net()
    kernel = fepnet.build_kernel("random-scan", stochastic=False)
    state, prm = fepnet.init_state(net, [0.5, -0.5, 0.2, 0.9]), fepnet.kernel_params(net, 1.0)
    a = fepnet.run(kernel, jax.random.key(1), state, prm, 1)[0].sigma
    b = fepnet.run(kernel, jax.random.key(1), state, prm, 1)[0].sigma
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    outs = {np.asarray(fepnet.run(kernel, jax.random.key(s), state, prm, 1)[0].sigma).tobytes() for s in range(8)}
    assert len(outs) > 1  # the visiting order is random


def test_kernels_are_hashable_values():
    k1 = fepnet.build_kernel("sequential")
    k2 = fepnet.build_kernel("sequential")
    assert k1 == k2 and hash(k1) == hash(k2)
    assert fepnet.build_kernel("sequential", stochastic=False) != k1
    assert k1.needs_key and not fepnet.build_kernel("sequential", stochastic=False).needs_key
    assert fepnet.build_kernel("random-scan", stochastic=False).needs_key


# --- issue #16: the public boundary ----------------------------------------------------------


def test_cause01_kernel_params_checks_inverse_temperature_after_the_cast(x32):
    net = Network.random(jax.random.key(0), 3)
    with pytest.raises(ValueError, match="inverse_temperature holds values beyond the range of float32"):
        fepnet.kernel_params(net, 1e39)
    with pytest.raises(ValueError, match="evidence holds values beyond the range of float32"):
        fepnet.kernel_params(net, 1.0, np.array([1e39, 0.0, 0.0]))
    prm = fepnet.kernel_params(net, 1e38)
    assert prm.inverse_temperature.dtype == jnp.float32 and np.isfinite(float(prm.inverse_temperature))


def test_cause01_kernel_params_uses_the_networks_dtype_with_x64_on(x64):
    net32 = Network.random(jax.random.key(0), 3, dtype=jnp.float32)
    with pytest.raises(ValueError, match="inverse_temperature holds values beyond the range of float32"):
        fepnet.kernel_params(net32, 1e39)
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        fepnet.kernel_params(net32, 1e-50)  # positive in float64, 0 in float32
    assert fepnet.kernel_params(net32, 0.5).inverse_temperature.dtype == jnp.float32
    assert float(fepnet.kernel_params(Network.random(jax.random.key(0), 3), 1e39).inverse_temperature) == 1e39


def test_cause02_zero_node_networks_cannot_reach_run_or_relax():
    """No constructor makes a 0-node network; one assembled by hand as a pytree stops at kernel_params."""
    for make in (lambda: Network(jnp.zeros((0, 0))), lambda: Network.zeros(0),
                 lambda: Network.random(jax.random.key(0), 0)):
        with pytest.raises(ValueError, match="at least one node|n must be >= 1"):
            make()
    empty = Network.tree_unflatten(None, (jnp.zeros((0, 0)), jnp.zeros((0,))))
    with pytest.raises(ValueError, match="network must have at least one node"):
        fepnet.kernel_params(empty, 1.0)
    with pytest.raises(ValueError, match="network must have at least one node"):
        fepnet.relax(empty, jnp.zeros((0,)))


def _path3():
    J = np.zeros((3, 3), np.float32)
    J[0, 1] = J[1, 0] = 0.5  # 0 - 1, node 2 free
    return Network(J)


def test_cause03_a_coloring_that_misses_a_node_is_refused_where_the_kernel_meets_the_network():
    net = _path3()
    kernel = fepnet.build_kernel("chromatic", coloring=[[0], [1]])  # fine on its own: a 2-node colouring
    state, prm, key = fepnet.init_state(net), fepnet.kernel_params(net), jax.random.key(0)
    with pytest.raises(ValueError, match="coloring must partition the nodes 0..2 .*colours 2 nodes but the network has 3"):
        fepnet.run(kernel, key, state, prm, 3)
    with pytest.raises(ValueError, match="colours 2 nodes but the network has 3"):
        kernel(key, state, prm)  # applied directly: refused when traced, before any step
    with pytest.raises(ValueError, match="coloring must partition"):
        fepnet.build_kernel("chromatic", coloring=[[0], [1]], network=net)
    # inside a jit with the network closed over, run still checks it
    with pytest.raises(ValueError, match="colours 2 nodes"):
        jax.jit(lambda k: fepnet.run(kernel, k, state, prm, 3)[0].sigma)(key)


def test_cause03_an_improper_coloring_is_refused_by_run():
    net = _path3()
    kernel = fepnet.build_kernel("chromatic", coloring=[[0, 1], [2]])
    with pytest.raises(ValueError, match="coloring is not proper: coupled nodes 0 and 1 share colour 0"):
        fepnet.run(kernel, jax.random.key(0), fepnet.init_state(net), fepnet.kernel_params(net), 3)
    # a one-way coupling (J[2, 0] only: sparse, asymmetric) also forbids a shared colour
    D = np.zeros((3, 3), np.float32)
    D[2, 0] = 0.4
    one_way = Network(D)
    bad = fepnet.build_kernel("chromatic", coloring=[[0, 2], [1]])
    with pytest.raises(ValueError, match="coupled nodes 0 and 2"):
        fepnet.run(bad, jax.random.key(0), fepnet.init_state(one_way), fepnet.kernel_params(one_way), 3)
    # a proper colouring runs, and every node moves
    good = fepnet.build_kernel("chromatic", coloring=[[0, 2], [1]])
    final, _ = fepnet.run(good, jax.random.key(0), fepnet.init_state(net), fepnet.kernel_params(net), 3)
    assert np.all(np.asarray(final.sigma) != 0)


@pytest.mark.parametrize("coloring, error, match", [
    ([[0], [1], [1, 2]], ValueError, "node 1 is listed twice"),
    ([[0], [1, 3]], ValueError, "index 3 is out of range"),
    ([[0, -1], [1]], ValueError, "index -1 is out of range"),
    ([[0.0], [1], [2]], TypeError, "integer node indices"),
    ([[True], [1], [2]], TypeError, "integer node indices"),
    ([["0"], [1], [2]], TypeError, "integer node indices"),
    ([0, 1, 2], TypeError, "each colour class of coloring must be a sequence"),
    (None, ValueError, "needs a network"),
], ids=["repeat", "range", "negative", "float", "bool", "str-index", "flat", "none"])
def test_cause03_coloring_entries_are_checked(coloring, error, match):
    with pytest.raises(error, match=match):
        fepnet.build_kernel("chromatic", coloring=coloring)


def test_cause03_kernel_constructor_checks_its_coloring():
    with pytest.raises(ValueError, match="coloring must partition"):
        fepnet.Kernel("chromatic", True, ((0,), (2,)))
    with pytest.raises(ValueError, match="needs a coloring"):
        fepnet.Kernel("chromatic")
    with pytest.raises(ValueError, match="only used by the 'chromatic' schedule"):
        fepnet.Kernel("sequential", True, ((0,),))
    k = fepnet.Kernel("chromatic", True, [np.array([0, 2]), [1]])  # NumPy indices are fine
    assert k.coloring == ((0, 2), (1,)) and k == fepnet.build_kernel("chromatic", coloring=((0, 2), (1,)))


@pytest.mark.parametrize("coloring", ["abc", b"ab", 3, [["ab"], ["c"]], {0: 1}])
def test_cause17_a_string_or_scalar_coloring_is_a_type_error(coloring):
    with pytest.raises(TypeError, match="coloring"):
        fepnet.build_kernel("chromatic", coloring=coloring)
