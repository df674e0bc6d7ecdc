"""Recall tests: retention, basin of attraction, noisy-cue reconstruction; the capacity sanity checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fepnet
from fepnet import recall, storage
from fepnet.cb import langevin


def _patterns(seed, shape):
    return jnp.sign(jax.random.normal(jax.random.key(seed), shape)).astype(jnp.float32)


def _batched_zero_network(batch, n):
    return fepnet.Network.tree_unflatten(None, (jnp.zeros(batch + (n, n)), jnp.zeros(batch + (n,))))


# --- the sanity checks of the capacity study ------------------------------------------------------------


@pytest.mark.parametrize("K", [1, 5, 15, 25, 35])
def test_projector_retention_is_one_below_capacity(K):
    """The paper's measure (iT = 100, synchronous): every stored pattern is kept, retention 1.000 (K / N <= 0.7)."""
    P = _patterns(K, (2, K, 50))
    r = np.asarray(recall.retention(storage.projector(P), P))
    assert r.shape == (2, K)
    assert np.round(r.min(), 3) == 1.0


@pytest.mark.slow  # ~10-15 s; the default suite's budget (run with -m slow)
def test_projector_retention_is_one_for_every_k_below_n_in_the_sign_limit(x64):
    """The sanity check "projector retention 1.000 for every K < N" holds in the sign limit of the update.

    At a stored pattern the field is h_i = (1 - P_ii) xi_i with P the projector, so sign(h) = xi for every
    K < N: each pattern is a fixed point of sign dynamics. iT = 1e12 is that limit for N = 50 (the smallest
    1 - P_ii, at K = N - 1, is ~1e-6); float64 because in float32 the rounding of h_i (~1e-7) exceeds the
    smallest 1 - P_ii at K = N - 1 and flips its sign."""
    n, ks = 50, (1, 10, 25, 40, 45, 48, 49)
    sets = [_patterns(100 + K, (4, K, n)).astype(jnp.float64) for K in ks]
    # one batch of networks (one compiled program): each set padded to 49 rows with copies of its first
    # pattern (a pattern's retention does not depend on the other rows)
    J = jnp.concatenate([storage.projector_couplings(P) for P in sets])
    P = jnp.concatenate([P[:, jnp.arange(49) % P.shape[1]] for P in sets])
    net = fepnet.Network.tree_unflatten(None, (J, jnp.zeros(J.shape[:-1], J.dtype)))
    r = np.asarray(recall.retention(net, P, inverse_temperature=1e12)).reshape(len(ks), -1)
    assert np.all(np.round(r.min(-1), 3) == 1.0), dict(zip(ks, r.min(-1)))


def test_projector_retention_collapses_near_full_load_at_it_100():
    """At the paper's iT = 100 the synchronous mean-field update is unstable near K = N (N = 100).

    The fixed point near xi has sigma_i ~ L(100 (1 - P_ii)), and the linearised synchronous map
    iT diag(L'(iT h)) J has spectral radius > 1 from K ~ 0.87 N on (measured: 0.68 at K = 85, 1.48 at 88,
    2.9 at 90), driven by J's eigenvalues ~ -P_ii ~ -K/N off the span: a period-2 oscillation grows and the
    state leaves the pattern. Retention is 1.000 at K = 80 and below 0.1 at K = 90. At K >= N (full rank)
    J = 0 and nothing is retained."""
    P = _patterns(80, (1, 80, 100))
    assert np.round(float(recall.retention(storage.projector(P), P).min()), 3) == 1.0
    P = _patterns(90, (1, 90, 100))
    net = storage.projector(P)
    assert float(recall.retention(net, P).mean()) < 0.1
    J = np.asarray(net.couplings[0], np.float64)
    s = np.asarray(P[0, 0], np.float64)
    for _ in range(60):  # the fixed point near xi, by damped iteration
        s = 0.5 * s + 0.5 * np.asarray(langevin(jnp.asarray(100 * J @ s)), np.float64)
    x = 100 * J @ s
    assert np.all(np.sign(s) == np.asarray(P[0, 0]))  # the pattern's signs are still a fixed point ...
    gain = 100 * (1 / x**2 - 1 / np.sinh(x) ** 2)
    assert np.max(np.abs(np.linalg.eigvals(gain[:, None] * J))) > 1.0  # ... but an unstable one
    P = _patterns(2, (1, 120, 100))
    np.testing.assert_allclose(recall.retention(storage.projector(P), P), 0.0, atol=1e-6)


def test_hebbian_exact_recall_drops_in_classic_range():
    """Hebbian exact recall from rho = 0.1 (sequential) at N = 100 falls below 50 % for K / N in [0.1, 0.25].

    Both loads run as one batch of networks (one compiled program): the K = 10 patterns are padded to 25 with
    repeats, whose results are dropped (a pattern's result does not depend on the others)."""
    R = 4
    small, large = _patterns(10, (R, 10, 100)), _patterns(25, (R, 25, 100))
    J = jnp.concatenate([storage.hebbian_couplings(small), storage.hebbian_couplings(large)])
    net = fepnet.Network.tree_unflatten(None, (J, jnp.zeros((2 * R, 100))))
    P = jnp.concatenate([small[:, jnp.arange(25) % 10], large])
    exact = np.asarray(recall.basin_recall(jax.random.key(0), net, P, 0.1).exact)
    assert exact[:R, :10].mean() >= 0.5 > exact[R:].mean()


@pytest.mark.parametrize("schedule", recall.RECALL_SCHEDULES)
def test_zero_network_recalls_nothing(schedule):
    """J = 0: every start relaxes to L(0) = 0, whose sign 0 matches no node."""
    P = _patterns(3, (2, 4, 20))
    net = _batched_zero_network((2,), 20)
    for rho in (0.0, 0.1, 0.3):
        out = recall.basin_recall(jax.random.key(1), net, P, rho, schedule=schedule)
        assert not np.any(out.exact)
        np.testing.assert_allclose(out.overlap, 0.0)
        assert np.all(out.converged)
    np.testing.assert_allclose(recall.retention(net, P), 0.0)
    rec = recall.reconstruction(jax.random.key(2), net, P)
    assert np.all(np.abs(rec.score - rec.cue_correlation) < 0.35)  # no memory: about the cue's own correlation


# --- the basin test ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rho,N,m", [(0.05, 50, 3), (0.1, 100, 10), (0.2, 30, 6), (0.5, 7, 4), (0.0, 9, 0)])
def test_flip_count_rounds_half_up(rho, N, m):
    assert int(recall.flip_count(jnp.float32(rho), N)) == m


def test_flips_exactly_m_signs():
    P = _patterns(4, (3, 6, 40))
    starts = np.asarray(recall.corrupt(jax.random.key(5), P, 0.1))
    assert starts.shape == P.shape and set(np.unique(starts)) == {-1.0, 1.0}
    np.testing.assert_array_equal((starts != np.asarray(P)).sum(-1), 4)
    other = np.asarray(recall.corrupt(jax.random.key(6), P, 0.1))
    assert np.any(other != starts)  # the flipped nodes are random


def test_stored_patterns_recalled_from_small_corruption():
    P = _patterns(6, (2, 5, 100))
    for make in (storage.hebbian, storage.storkey, storage.projector):
        for schedule in recall.RECALL_SCHEDULES:
            out = recall.basin_recall(jax.random.key(7), make(P), P, 0.05, schedule=schedule)
            assert out.exact.shape == (2, 5) and out.exact.dtype == jnp.bool_
            assert np.all(out.exact), (make, schedule)
            np.testing.assert_allclose(out.overlap, 1.0)
            assert np.all(out.converged) and np.all(out.n_sweeps >= 1)


def test_sequential_sweep_is_the_step():
    """relax_state counts kernel calls; a sequential kernel call is one full sweep of N single-site updates."""
    P = _patterns(8, (1, 3, 30))
    out = recall.basin_recall(jax.random.key(0), storage.hebbian(P), P, 0.1, max_sweeps=1)
    np.testing.assert_array_equal(out.n_sweeps, 1)
    assert not np.any(out.converged)  # one sweep moved the state: not yet seen to stand still


@pytest.mark.slow
def test_basin_batch_equals_loop():
    P = _patterns(9, (3, 6, 30))
    net = storage.storkey(P)
    keys = jax.random.split(jax.random.key(3), 3)
    out = recall.basin_recall(keys, net, P, 0.2)
    mapped = jax.vmap(lambda k, n, p: recall.basin_recall(k, n, p, 0.2))(keys, net, P)
    for r in range(3):
        one = recall.basin_recall(keys[r], storage.storkey(P[r]), P[r], 0.2)
        np.testing.assert_array_equal(out.exact[r], one.exact)
        np.testing.assert_allclose(out.overlap[r], one.overlap, atol=1e-6)
        np.testing.assert_array_equal(out.n_sweeps[r], one.n_sweeps)
        np.testing.assert_array_equal(mapped.exact[r], one.exact)


@pytest.mark.slow
def test_each_pattern_independent_of_the_others():
    """Pattern k's result depends on the network, pattern k and the key only: padding K changes nothing before it."""
    P = _patterns(21, (3, 6, 30))  # the shapes of test_basin_batch_equals_loop (compiled programs are shared)
    net = storage.storkey(P)
    key = jax.random.key(22)
    full = recall.basin_recall(key, net, P, 0.2)
    head = recall.basin_recall(key, net, P[:, :4], 0.2)
    np.testing.assert_array_equal(full.overlap[:, :4], head.overlap)
    np.testing.assert_array_equal(full.n_sweeps[:, :4], head.n_sweeps)
    rec = recall.reconstruction(key, net, P[:, :4], n_steps=8, burn_in=2)  # as test_reconstruction_batch_equals_loop
    rec_head = recall.reconstruction(key, net, P[:, :2], n_steps=8, burn_in=2)
    np.testing.assert_allclose(rec.cue_correlation[:, :2], rec_head.cue_correlation, atol=1e-6)
    np.testing.assert_allclose(rec.score[:, :2], rec_head.score, atol=1e-5)


def test_single_key_is_folded_per_network():
    P = _patterns(10, (2, 4, 20))
    net = storage.hebbian(P)
    key = jax.random.key(11)
    a = recall.basin_recall(key, net, P, 0.2)
    b = recall.basin_recall(jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(2)), net, P, 0.2)
    np.testing.assert_array_equal(a.overlap, b.overlap)


# --- retention and reconstruction ------------------------------------------------------------------------


def test_retention_is_the_published_dynamics():
    """150 synchronous steps sigma <- L(100 J sigma) from the pattern, then corr(final, pattern), by hand."""
    P = _patterns(12, (6, 24))
    net = storage.hebbian(P)
    J = np.asarray(net.couplings, np.float64)
    want = []
    for xi in np.asarray(P, np.float64):
        s = xi.copy()
        for _ in range(150):
            s = np.asarray(langevin(100.0 * (J @ s)), np.float64)
        want.append(np.corrcoef(s, xi)[0, 1])
    np.testing.assert_allclose(recall.retention(net, P), want, atol=1e-4)


def test_retention_batch_equals_loop():
    P = _patterns(13, (3, 8, 20))
    net = storage.hebbian(P)
    out = recall.retention(net, P, n_steps=30)
    mapped = jax.vmap(lambda n, p: recall.retention(n, p, n_steps=30))(net, P)
    for r in range(3):
        np.testing.assert_allclose(out[r], recall.retention(storage.hebbian(P[r]), P[r], n_steps=30), atol=1e-6)
        np.testing.assert_allclose(mapped[r], out[r], atol=1e-6)


def test_reconstruction_cue_correlation_and_memory():
    key = jax.random.key(14)
    P = _patterns(15, (2, 8, 100))
    out = recall.reconstruction(key, storage.projector(P), P)
    assert out.score.shape == (2, 8)
    assert abs(float(out.cue_correlation.mean()) - 1 / np.sqrt(5)) < 0.05  # 0.447
    assert float(out.score.mean()) > float(out.cue_correlation.mean())


@pytest.mark.slow
def test_reconstruction_batch_equals_loop():
    P = _patterns(16, (3, 4, 30))
    keys = jax.random.split(jax.random.key(17), 3)
    net = storage.hebbian(P)
    out = recall.reconstruction(keys, net, P, n_steps=8, burn_in=2)
    mapped = jax.vmap(lambda k, n, p: recall.reconstruction(k, n, p, n_steps=8, burn_in=2))(keys, net, P)
    np.testing.assert_allclose(mapped.score, out.score, atol=1e-5)
    for r in range(3):
        one = recall.reconstruction(keys[r], storage.hebbian(P[r]), P[r], n_steps=8, burn_in=2)
        np.testing.assert_allclose(out.score[r], one.score, atol=1e-5)
        np.testing.assert_allclose(out.cue_correlation[r], one.cue_correlation, atol=1e-6)


def test_reconstruction_response_window():
    """burn_in = n_steps - 1: the response is the last state alone; with J = 0, b = cue, iT huge it is ~sign(cue)."""
    P = _patterns(18, (3, 40))
    net = fepnet.Network.zeros(40)
    out = recall.reconstruction(jax.random.key(19), net, P, noise_sd=0.5, inverse_temperature=1e4, n_steps=3,
                                burn_in=2)
    assert np.all(out.score > 0.5)
    lang = recall.reconstruction(jax.random.key(19), net, P, noise_sd=0.5, inverse_temperature=1e4, n_steps=3,
                                 burn_in=2, start="langevin")
    np.testing.assert_array_equal(lang.cue_correlation, out.cue_correlation)  # the same cues for the same key


# --- bad input ----------------------------------------------------------------------------------------------


def test_bad_input_names_the_argument():
    P = _patterns(20, (3, 10))
    net = storage.hebbian(P)
    key = jax.random.key(0)
    for rho in (-0.1, 0.6, float("nan")):
        with pytest.raises(ValueError, match="flip_fraction"):
            recall.basin_recall(key, net, P, rho)
    with pytest.raises(ValueError, match="patterns"):
        recall.retention(net, np.ones((0, 10)))
    with pytest.raises(ValueError, match="patterns"):
        recall.retention(fepnet.Network.zeros(1), np.ones((2, 1)))
    with pytest.raises(ValueError, match="patterns"):
        recall.retention(net, np.full((2, 10), np.inf))
    with pytest.raises(ValueError, match="-1 and \\+1"):
        recall.retention(net, 0.5 * np.asarray(P))
    with pytest.raises(ValueError, match="nodes"):
        recall.retention(net, np.ones((2, 11)))
    with pytest.raises(ValueError, match="leading axes"):
        recall.retention(storage.hebbian(_patterns(0, (2, 3, 10))), _patterns(0, (3, 3, 10)))
    with pytest.raises(ValueError, match="schedule"):
        recall.basin_recall(key, net, P, 0.1, schedule="random-scan")
    with pytest.raises(ValueError, match="max_sweeps"):
        recall.basin_recall(key, net, P, 0.1, max_sweeps=0)
    with pytest.raises(ValueError, match="inverse_temperature"):
        recall.retention(net, P, inverse_temperature=0.0)
    with pytest.raises(ValueError, match="burn_in"):
        recall.reconstruction(key, net, P, n_steps=5, burn_in=5)
    with pytest.raises(ValueError, match="noise_sd"):
        recall.reconstruction(key, net, P, noise_sd=-1.0)
    with pytest.raises(ValueError, match="start"):
        recall.reconstruction(key, net, P, start="raw")
    with pytest.raises(TypeError, match="network"):
        recall.retention(np.zeros((10, 10)), P)
    with pytest.raises(TypeError, match="key"):
        recall.basin_recall(0, net, P, 0.1)
