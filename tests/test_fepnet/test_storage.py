"""Storage rules: Hebbian, Storkey (against a plain loop), projector; symmetry, zero diagonal, batching, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fepnet
from fepnet import storage


def _patterns(seed, shape):
    return jnp.sign(jax.random.normal(jax.random.key(seed), shape)).astype(jnp.float32)


def _storkey_loop(P):
    """Storkey (1997) by the definition, in float64 loops: h_ij = sum_{k != i, j} W_ik xi_k."""
    K, N = P.shape
    W = np.zeros((N, N))
    for xi in P:
        h = np.zeros((N, N))
        for i in range(N):
            for j in range(N):
                h[i, j] = sum(W[i, k] * xi[k] for k in range(N) if k not in (i, j))
        new = W.copy()
        for i in range(N):
            for j in range(N):
                if i != j:
                    new[i, j] = W[i, j] + (xi[i] * xi[j] - xi[i] * h[j, i] - h[i, j] * xi[j]) / N
        W = new
    return W


RULES = [storage.hebbian_couplings, storage.storkey_couplings, storage.projector_couplings]


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("K", [1, 7, 30, 45])
def test_symmetric_zero_diagonal(rule, K):
    J = np.asarray(rule(_patterns(K, (K, 30))))
    assert J.shape == (30, 30)
    np.testing.assert_allclose(J, J.T, atol=1e-6)
    assert np.all(np.diagonal(J) == 0)


def test_hebbian_formula():
    P = _patterns(0, (4, 9))
    J = np.asarray(storage.hebbian_couplings(P))
    want = np.asarray(P).T @ np.asarray(P) / 9
    np.fill_diagonal(want, 0)
    np.testing.assert_allclose(J, want, atol=1e-6)


@pytest.mark.parametrize("K,N", [(1, 5), (3, 6), (6, 4)])
def test_storkey_matches_loop(K, N):
    P = _patterns(K * N, (K, N))
    np.testing.assert_allclose(np.asarray(storage.storkey_couplings(P)), _storkey_loop(np.asarray(P, np.float64)),
                               atol=1e-5)


def test_storkey_one_pattern_is_hebbian():
    P = _patterns(3, (1, 12))
    np.testing.assert_allclose(storage.storkey_couplings(P), storage.hebbian_couplings(P), atol=1e-7)


def test_projector_is_a_projector_off_the_diagonal():
    P = np.asarray(_patterns(1, (8, 20)), np.float64)
    full = P.T @ np.linalg.pinv(P @ P.T) @ P
    want = full - np.diag(np.diag(full))
    np.testing.assert_allclose(np.asarray(storage.projector_couplings(P)), want, atol=2e-5)
    # at a stored pattern the field is (1 - full_ii) xi_i: same signs
    J = np.asarray(storage.projector_couplings(P))
    np.testing.assert_allclose(J @ P[0], (1 - np.diag(full)) * P[0], atol=1e-4)


def test_projector_full_rank_is_empty():
    """K >= N random patterns span R^N: the projector is I, and with its diagonal zeroed J = 0."""
    J = np.asarray(storage.projector_couplings(_patterns(2, (40, 20))))
    assert np.max(np.abs(J)) < 1e-5


def test_projector_rank_deficient_many_patterns():
    """K >= N but rank r < N (repeated patterns): still the projector onto their span."""
    base = _patterns(4, (5, 20))
    P = jnp.concatenate([base] * 5)  # K = 25 >= N = 20, rank 5
    np.testing.assert_allclose(storage.projector_couplings(P), storage.projector_couplings(base), atol=1e-5)


@pytest.mark.parametrize("rule", RULES)
def test_batch_equals_loop(rule):
    P = _patterns(5, (3, 2, 6, 16))
    batched = np.asarray(rule(P))
    assert batched.shape == (3, 2, 16, 16)
    for r in range(3):
        for s in range(2):
            np.testing.assert_allclose(batched[r, s], rule(P[r, s]), atol=1e-6)
    np.testing.assert_allclose(jax.vmap(rule)(P[:, 0]), batched[:, 0], atol=1e-6)


@pytest.mark.parametrize("make", [storage.hebbian, storage.storkey, storage.projector])
def test_networks(make):
    one = make(_patterns(6, (5, 12)))
    assert isinstance(one, fepnet.Network) and one.size == 12
    assert np.all(np.asarray(one.biases) == 0)
    batch = make(_patterns(6, (4, 5, 12)))
    assert isinstance(batch, fepnet.Network)
    assert batch.couplings.shape == (4, 12, 12) and batch.biases.shape == (4, 12)


@pytest.mark.parametrize("rule", RULES)
def test_bad_input(rule):
    with pytest.raises(ValueError, match="patterns"):
        rule(np.ones((0, 5)))  # K < 1
    with pytest.raises(ValueError, match="patterns"):
        rule(np.ones((3, 1)))  # N < 2
    with pytest.raises(ValueError, match="patterns"):
        rule(np.ones(5))
    with pytest.raises(ValueError, match="patterns"):
        rule(np.array([[1.0, np.nan], [1.0, -1.0]]))
    with pytest.raises(TypeError, match="patterns"):
        rule("abc")


def test_check_patterns_binary():
    with pytest.raises(ValueError, match="-1 and \\+1"):
        storage.check_patterns(np.array([[1.0, 0.5]]), binary=True)
    assert storage.check_patterns(np.array([[1.0, -1.0]]), binary=True).shape == (1, 2)


def test_rule_by_name():
    P = _patterns(7, (3, 5, 12))
    for rule in storage.RULES:
        np.testing.assert_array_equal(storage.rule_couplings(rule, P), getattr(storage, f"{rule}_couplings")(P))
        net = storage.rule_network(rule, P)
        assert net.couplings.shape == (3, 12, 12) and not np.asarray(net.biases).any()
    with pytest.raises(ValueError, match="rule must be one of"):
        storage.rule_couplings("pseudo-inverse", P)
    with pytest.raises(TypeError, match="rule must be a string"):
        storage.rule_network(None, P)
