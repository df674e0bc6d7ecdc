"""The fused inference + learning step against a hand computation of the rule.

delta J[i, j] = alpha (sigma_i - L(h_i)) sigma_j, h = J sigma_old, i != j.
"""

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest
from scipy import stats

import fepnet
from fepnet import Network


# --- hand formulas (numpy float64, written independently of fepnet) --------------------------------


def _cb_icdf(c, u):
    """Inverse CDF of CB(c) on [-1, 1]: sigma = 1 + log(u + (1 - u) exp(-2c)) / c for c > 0, mirrored for c < 0."""
    if c == 0:
        return 2 * u - 1
    if c < 0:
        return -_cb_icdf(-c, 1 - u)
    return 1 + np.log(u + (1 - u) * np.exp(-2 * c)) / c


def _cb_cdf(c, s):
    """CDF of CB(c): (exp(c (s + 1)) - 1) / (exp(2c) - 1)."""
    if c == 0:
        return (s + 1) / 2
    return np.expm1(c * (s + 1)) / np.expm1(2 * c)


def _L(x):
    return 1 / np.tanh(x) - 1 / x if abs(x) > 1e-4 else x / 3 - x**3 / 45


def _dL(x):
    return 1 / x**2 - 1 / np.sinh(x) ** 2 if abs(x) > 1e-3 else 1 / 3 - x**2 / 15


def _hand_update(J, b, sigma_old, it, alpha, u, precision_weighted=False, mask=None):
    n = len(b)
    h = np.array([sum(J[i, j] * sigma_old[j] for j in range(n)) for i in range(n)])  # no bias, no iT
    sigma = np.array([_cb_icdf(it * (b[i] + h[i]), u[i]) for i in range(n)])
    err = np.array([sigma[i] - _L(h[i]) for i in range(n)])
    if precision_weighted:
        err = err / np.array([_dL(it * h[i]) for i in range(n)])
    J_new = J.copy()
    for i in range(n):
        for j in range(n):
            if i != j and (mask is None or mask[i, j]):
                J_new[i, j] += alpha * err[i] * sigma[j]
    return J_new, sigma, h


J3 = np.array([[0.0, 0.8, -0.5], [0.3, 0.0, 1.1], [-0.7, 0.4, 0.0]])  # asymmetric on purpose
B3 = np.array([0.5, -1.0, 0.2])
S3 = np.array([0.6, -0.3, 0.9])
U3 = np.array([0.2, 0.7, 0.45])
IT3, ALPHA3 = 1.7, 0.05


def test_hand_inverse_cdf_is_self_consistent():
    """Sanity of the test's own formulas: cdf(icdf(u)) = u, in [-1, 1], both signs of c."""
    for c in (-3.0, -0.3, 0.0, 0.29, 5.0):
        for u in (0.01, 0.3, 0.5, 0.99):
            s = _cb_icdf(c, u)
            assert -1 <= s <= 1
            assert _cb_cdf(c, s) == pytest.approx(u, abs=1e-12)


@pytest.mark.parametrize("precision_weighted", [False, True])
def test_fused_update_matches_hand_computation(precision_weighted, x64):
    state = fepnet.init_learning_state(Network(J3), S3)
    np.testing.assert_array_equal(np.asarray(state.sigma), S3)
    prm = fepnet.learning_params(B3, IT3, ALPHA3)
    out = fepnet.learning.fused_update(jnp.asarray(U3), state, prm, precision_weighted=precision_weighted)
    J_hand, sigma_hand, h = _hand_update(J3, B3, S3, IT3, ALPHA3, U3, precision_weighted)
    # the example exercises both signs of the total input
    c = IT3 * (B3 + h)
    assert np.any(c > 0) and np.any(c < 0)
    assert out.couplings.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(out.sigma), sigma_hand, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.asarray(out.couplings), J_hand, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(np.diag(np.asarray(out.couplings)), 0.0)
    # the couplings did change, by an amount of order alpha
    assert 1e-3 < np.max(np.abs(np.asarray(out.couplings) - J3)) < 10 * ALPHA3 * (
        1 if not precision_weighted else 1 / min(_dL(IT3 * x) for x in h)
    )


def test_precision_weighting_changes_the_update(x64):
    state = fepnet.init_learning_state(Network(J3), S3)
    prm = fepnet.learning_params(B3, IT3, ALPHA3)
    plain = fepnet.learning.fused_update(jnp.asarray(U3), state, prm)
    weighted = fepnet.learning.fused_update(jnp.asarray(U3), state, prm, precision_weighted=True)
    np.testing.assert_array_equal(np.asarray(plain.sigma), np.asarray(weighted.sigma))  # same draw
    dp = np.asarray(plain.couplings) - J3
    dw = np.asarray(weighted.couplings) - J3
    h = J3 @ S3
    ratio = np.array([1 / _dL(IT3 * x) for x in h])
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(dw[off], (dp * ratio[:, None])[off], rtol=1e-10)


def test_learn_step_uses_the_rule_with_its_own_draw(x64):
    """learn_step with a key: whatever sigma it draws, J changes by alpha (sigma_i - L(h_i)) sigma_j."""
    state = fepnet.init_learning_state(Network(J3), S3)
    prm = fepnet.learning_params(B3, IT3, ALPHA3)
    out = fepnet.learn_step(jax.random.key(0), state, prm)
    sigma = np.asarray(out.sigma)
    assert np.all(np.abs(sigma) <= 1)
    h = J3 @ S3
    expected = J3 + ALPHA3 * np.outer(sigma - np.array([_L(x) for x in h]), sigma) * (1 - np.eye(3))
    np.testing.assert_allclose(np.asarray(out.couplings), expected, rtol=1e-12, atol=1e-14)
    # and the draw is an inverse-CDF draw from some uniform: recover it and redo the update by hand
    u = np.array([_cb_cdf(IT3 * (B3[i] + h[i]), sigma[i]) for i in range(3)])
    assert np.all((u > 0) & (u < 1))
    J_hand, sigma_hand, _ = _hand_update(J3, B3, S3, IT3, ALPHA3, u)
    np.testing.assert_allclose(sigma_hand, sigma, atol=1e-10)
    # same key, same result; other key, other result
    again = fepnet.learn_step(jax.random.key(0), state, prm)
    assert np.asarray(again.couplings).tobytes() == np.asarray(out.couplings).tobytes()
    other = fepnet.learn_step(jax.random.key(1), state, prm)
    assert not np.allclose(np.asarray(other.sigma), sigma)


def test_learn_step_draws_are_cb_distributed():
    """The new states of one step are CB(iT (b + h)) draws: their CDF transforms are uniform (KS test)."""
    state = fepnet.init_learning_state(Network(J3.astype(np.float32)), S3.astype(np.float32))
    prm = fepnet.learning_params(B3, IT3, ALPHA3)
    keys = jax.random.split(jax.random.key(2), 4000)
    sig = np.asarray(jax.vmap(lambda k: fepnet.learn_step(k, state, prm).sigma)(keys), np.float64)
    c = IT3 * (B3 + J3 @ S3)
    for i in range(3):
        u = _cb_cdf(c[i], sig[:, i])
        assert stats.kstest(u, "uniform").pvalue > 1e-3
        # power check: the wrong parameter (sign flipped) is clearly rejected
        assert stats.kstest(_cb_cdf(-c[i] - 1.0, sig[:, i]), "uniform").pvalue < 1e-6


def test_mask_from_networkx_graph_keeps_non_edges_zero(x64):
    graph = nx.path_graph(3)  # edges 0-1 and 1-2; 0 and 2 not connected
    mask = fepnet.coupling_mask(graph)
    np.testing.assert_array_equal(np.asarray(mask), [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    J0 = J3 * np.asarray(mask)
    state = fepnet.init_learning_state(Network(J0), S3)
    prm = fepnet.learning_params(B3, IT3, ALPHA3, mask=mask)
    out = fepnet.learning.fused_update(jnp.asarray(U3), state, prm)
    J_hand, _, _ = _hand_update(J0, B3, S3, IT3, ALPHA3, U3, mask=np.asarray(mask).astype(bool))
    np.testing.assert_allclose(np.asarray(out.couplings), J_hand, rtol=1e-12, atol=1e-14)
    rng = np.random.default_rng(0)
    for _ in range(50):
        state = fepnet.learning.fused_update(jnp.asarray(rng.uniform(size=3)), state, prm)
    J = np.asarray(state.couplings)
    assert J[0, 2] == 0.0 and J[2, 0] == 0.0
    np.testing.assert_array_equal(np.diag(J), 0.0)
    assert np.all(np.abs(J[[0, 1, 1, 2], [1, 0, 2, 1]] - J0[[0, 1, 1, 2], [1, 0, 2, 1]]) > 0)
    # without the mask the same steps would create the 0-2 coupling
    free = fepnet.learning.fused_update(jnp.asarray(U3), fepnet.init_learning_state(Network(J0), S3),
                               fepnet.learning_params(B3, IT3, ALPHA3))
    assert np.asarray(free.couplings)[0, 2] != 0.0


def test_coupling_mask_from_matrix_and_graph_agree():
    graph = nx.cycle_graph(5)
    from_graph = np.asarray(fepnet.coupling_mask(graph))
    from_matrix = np.asarray(fepnet.coupling_mask(nx.to_numpy_array(graph) > 0))
    np.testing.assert_array_equal(from_graph, from_matrix)
    assert from_graph.sum() == 10 and np.all(np.diag(from_graph) == 0)
    # the diagonal is always cleared, and isolated nodes count with n
    np.testing.assert_array_equal(np.diag(np.asarray(fepnet.coupling_mask(np.ones((3, 3), bool)))), 0)
    g = nx.Graph()
    g.add_nodes_from(range(4))
    g.add_edge(0, 1)
    m = np.asarray(fepnet.coupling_mask(g))
    assert m.shape == (4, 4) and m.sum() == 2


def test_zero_learning_rate_leaves_couplings(x64):
    state = fepnet.init_learning_state(Network(J3), S3)
    out = fepnet.learning.fused_update(jnp.asarray(U3), state, fepnet.learning_params(B3, IT3, 0.0))
    np.testing.assert_array_equal(np.asarray(out.couplings), J3)
    _, sigma_hand, _ = _hand_update(J3, B3, S3, IT3, 0.0, U3)
    np.testing.assert_allclose(np.asarray(out.sigma), sigma_hand, rtol=1e-12)


def test_learning_state_network_and_int_constructor():
    state = fepnet.init_learning_state(4)
    assert state.couplings.shape == (4, 4) and state.sigma.shape == (4,) and len(state) == 2
    assert not np.any(np.asarray(state.couplings))
    net = state.network
    assert isinstance(net, Network) and net.size == 4
    np.testing.assert_array_equal(np.asarray(net.biases), 0.0)


def test_coupling_mask_from_directed_graph_follows_the_j_to_i_convention():
    # J[i, j] is the weight from node j to node i: the edge 0 -> 2 allows J[2, 0] only.
    g = nx.DiGraph()
    g.add_nodes_from(range(3))
    g.add_edge(0, 2)
    m = np.asarray(fepnet.coupling_mask(g))
    assert m[2, 0] == 1 and m[0, 2] == 0 and m.sum() == 1


# --- the rule on an observed stream (learn_from_states) -----------------------------------------


def _hand_stream_rule(x, lr, passes, mask=None):
    """The learning rule on an observed stream, numpy float64: h = J x_{t-1}; J += lr (x_t - L(h)) x_t^T off the diagonal."""
    n = x.shape[1]
    J = np.zeros((n, n))
    m = np.ones((n, n)) if mask is None else np.asarray(mask, float)
    for _ in range(passes):
        for t in range(1, len(x)):
            h = J @ x[t - 1]
            err = x[t] - np.array([_L(v) for v in h])
            d = lr * np.outer(err, x[t])
            np.fill_diagonal(d, 0.0)
            J = J + d * m
    return J


def test_learn_from_states_matches_hand_rule(x64):
    x = np.asarray(jax.random.uniform(jax.random.key(0), (40, 5), minval=-1, maxval=1), np.float64)
    J = fepnet.learn_from_states(x, learning_rate=0.05, n_passes=3).couplings
    np.testing.assert_allclose(np.asarray(J), _hand_stream_rule(x, 0.05, 3), rtol=1e-10, atol=1e-12)
    mask = np.asarray(fepnet.coupling_mask(nx.path_graph(5)))
    Jm = np.asarray(fepnet.learn_from_states(x, learning_rate=0.05, mask=mask).couplings)
    np.testing.assert_allclose(Jm, _hand_stream_rule(x, 0.05, 1, mask), rtol=1e-10, atol=1e-12)
    assert np.all(Jm[mask == 0] == 0)


def test_learn_from_states_continues_from_initial():
    x = jax.random.uniform(jax.random.key(1), (30, 4), minval=-1, maxval=1)
    once = fepnet.learn_from_states(x, learning_rate=0.02)
    twice = fepnet.learn_from_states(x, learning_rate=0.02, initial=once)
    both = fepnet.learn_from_states(x, learning_rate=0.02, n_passes=2)
    np.testing.assert_allclose(np.asarray(twice.couplings), np.asarray(both.couplings), rtol=1e-5, atol=1e-6)
    assert np.all(np.asarray(both.biases) == 0)


def test_learn_from_states_is_the_fused_step_with_observed_states():
    """With the observed stream equal to the network's own samples, the two rules give the same J."""
    pattern = jnp.zeros(6)
    res = fepnet.train(jax.random.key(2), pattern[None], n_epochs=50, steps_per_epoch=1, learning_rate=0.01,
                       order="fixed", trace=True, progress=False)
    states = jnp.concatenate([jnp.zeros((1, 6)), res.states.reshape(-1, 6)])
    J = fepnet.learn_from_states(states, learning_rate=0.01).couplings
    np.testing.assert_allclose(np.asarray(J), np.asarray(res.network.couplings), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(states=np.zeros((1, 3))), ValueError, "states"),
        (dict(states=np.full((4, 3), 2.0)), ValueError, "states"),
        (dict(states=np.zeros(3)), ValueError, "states"),
        (dict(states=np.zeros((4, 3)), n_passes=0), ValueError, "n_passes"),
        (dict(states=np.zeros((4, 3)), learning_rate=-1.0), ValueError, "learning_rate"),
        (dict(states=np.zeros((4, 3)), initial="x"), TypeError, "initial"),
        (dict(states=np.zeros((4, 3)), initial=Network.zeros(4)), ValueError, "initial"),
        (dict(states=np.zeros((4, 3)), mask=np.ones((4, 4))), ValueError, "mask"),
    ],
)
def test_learn_from_states_rejects_bad_input(kwargs, error, match):
    states = kwargs.pop("states")
    with pytest.raises(error, match=match):
        fepnet.learn_from_states(states, **kwargs)


def test_coupling_mask_graph_may_omit_isolated_nodes():
    m = np.asarray(fepnet.coupling_mask(nx.Graph([(0, 1)]), 4))
    assert m.shape == (4, 4) and m[0, 1] == m[1, 0] == 1 and m.sum() == 2
    with pytest.raises(ValueError, match="0..N-1"):
        fepnet.coupling_mask(nx.path_graph(5), 4)


# --- the boundary (#16) -------------------------------------------------------------------------------------


def test_cause13_learning_masks_must_hold_zeros_and_ones():
    stream = np.random.default_rng(0).uniform(-1, 1, (5, 3))
    with pytest.raises(ValueError, match="mask must hold only 0 and 1"):
        fepnet.learning_params(np.zeros(3), 1.0, 0.1, mask=np.full((3, 3), 0.5))
    with pytest.raises(ValueError, match="mask must hold only 0 and 1"):
        fepnet.learn_from_states(stream, mask=np.full((3, 3), 2.0))
    ring = np.ones((3, 3)) - np.eye(3)
    np.testing.assert_array_equal(np.asarray(fepnet.learn_from_states(stream, mask=ring.astype(bool)).couplings),
                                  np.asarray(fepnet.learn_from_states(stream, mask=ring).couplings))


def test_cause01_learning_scalars_are_checked_in_the_working_dtype(x64):
    stream32 = np.random.default_rng(0).uniform(-1, 1, (5, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="learning_rate holds values beyond the range of float32"):
        fepnet.learn_from_states(stream32, learning_rate=1e39)
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        fepnet.learn_from_states(stream32, inverse_temperature=1e-50)  # 0 in float32
    with pytest.raises(ValueError, match="inverse_temperature holds values beyond the range of float32"):
        fepnet.learning_params(np.zeros(3, np.float32), 1e39, 0.1)
    nan_net = fepnet.LearningState(jnp.full((3, 3), jnp.nan), jnp.zeros(3)).network  # not re-validated
    with pytest.raises(ValueError, match="initial.couplings contains non-finite"):
        fepnet.learn_from_states(stream32, initial=nan_net)
