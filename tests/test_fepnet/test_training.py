"""Training drivers: exact replay of the learning loop, presentation-order regimes, reproducibility."""

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest
from scipy import stats

import fepnet
from fepnet import Network
from fepnet.data import load_digits, random_patterns


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def _L(x):
    x = np.asarray(x, np.float64)
    small = np.abs(x) < 1e-4
    xs = np.where(small, 1.0, x)
    return np.where(small, x / 3 - x**3 / 45, 1 / np.tanh(xs) - 1 / xs)


def _dL(x):
    x = np.asarray(x, np.float64)
    small = np.abs(x) < 1e-3
    xs = np.where(small, 1.0, x)
    return np.where(small, 1 / 3 - x**2 / 15, 1 / xs**2 - 1 / np.sinh(xs) ** 2)


def _cb_cdf(c, s):
    c, s = np.broadcast_arrays(np.asarray(c, np.float64), np.asarray(s, np.float64))
    small = np.abs(c) < 1e-9
    cs = np.where(small, 1.0, c)
    return np.where(small, (s + 1) / 2, np.expm1(cs * (s + 1)) / np.expm1(2 * cs))


def _replay(result, patterns, level, it, lr, *, J0=None, sigma0=None, reset_state=False,
            precision_weighted=False, mask=None, free=False):
    """Recompute the couplings from the traced states in numpy float64 with the learning rule
    delta J[i, j] = alpha (sigma_i - L(h_i)) sigma_j.

    Returns (final J, CDF transforms u of every traced state under CB(iT (b + h)))."""
    states = np.asarray(result.states, np.float64)
    n_epochs, steps, n = states.shape
    J = np.zeros((n, n)) if J0 is None else np.array(J0, np.float64)
    prev = np.zeros(n) if sigma0 is None else np.array(sigma0, np.float64)
    P = np.asarray(patterns, np.float64) * level
    us = []
    for e in range(n_epochs):
        b = np.zeros(n) if free else P[int(result.pattern_index[e])]
        if reset_state:
            prev = np.zeros(n)
        for t in range(steps):
            sigma = states[e, t]
            h = J @ prev
            us.append(_cb_cdf(it * (b + h), sigma))
            err = sigma - _L(h)
            if precision_weighted:
                err = err / _dL(it * h)
            delta = lr * np.outer(err, sigma)
            np.fill_diagonal(delta, 0.0)
            if mask is not None:
                delta = delta * mask
            J = J + delta
            prev = sigma
    return J, np.concatenate(us)


# --- exact replay of the training loop ------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{}, {"reset_state": True}, {"precision_weighted": True}, {"order": "fixed"}],
    ids=["default", "reset_state", "precision_weighted", "fixed_order"],
)
def test_train_equals_hand_replay(options, x64):
    rng = np.random.default_rng(0)
    patterns = rng.normal(size=(3, 6))
    level, it, lr = 1.5, 0.8, 0.02
    opts = dict(options)
    order = opts.pop("order", "random")
    res = fepnet.train(jax.random.key(1), patterns, n_epochs=40, steps_per_epoch=5, inverse_temperature=it,
                       learning_rate=lr, evidence_level=level, order=order, trace=True, progress=False, **opts)
    assert res.states.shape == (40, 5, 6) and res.states.dtype == jnp.float64
    assert res.pattern_index.shape == (40,)
    J, u = _replay(res, patterns, level, it, lr, **opts)
    np.testing.assert_allclose(np.asarray(res.network.couplings), J, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(np.asarray(res.network.biases), 0.0)  # b reset to 0 after training
    np.testing.assert_allclose(np.asarray(res.state.couplings), J, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(np.asarray(res.state.sigma), np.asarray(res.states[-1, -1]))
    # the states are draws from CB(iT (b + h)) with b the clamped pattern: uniform CDF transforms
    assert np.all((u >= 0) & (u <= 1))
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert np.any(np.asarray(J) != 0)


def test_states_follow_the_clamped_pattern(x64):
    """Power check for the replay: the traced states are NOT CB draws without the bias (KS rejects)."""
    rng = np.random.default_rng(1)
    patterns = rng.normal(size=(2, 6))
    res = fepnet.train(jax.random.key(2), patterns, n_epochs=60, steps_per_epoch=5, inverse_temperature=1.0,
                       learning_rate=0.02, evidence_level=2.0, trace=True, progress=False)
    _, u_right = _replay(res, patterns, 2.0, 1.0, 0.02)
    _, u_wrong = _replay(res, patterns, 2.0, 1.0, 0.02, free=True)
    assert stats.kstest(u_right, "uniform").pvalue > 1e-3
    assert stats.kstest(u_wrong, "uniform").pvalue < 1e-6


def test_train_with_mask_and_initial_state_replays(x64):
    rng = np.random.default_rng(2)
    n = 8
    graph = nx.cycle_graph(n)
    mask = np.asarray(fepnet.coupling_mask(graph))
    J0 = rng.normal(scale=0.2, size=(n, n)) * mask
    sigma0 = rng.uniform(-1, 1, n)
    initial = fepnet.init_learning_state(Network(J0), sigma0)
    patterns = rng.normal(size=(2, n))
    res = fepnet.train(jax.random.key(3), patterns, n_epochs=30, steps_per_epoch=4, inverse_temperature=1.2,
                       learning_rate=0.05, evidence_level=1.0, initial=initial, mask=mask, trace=True, progress=False)
    J, _ = _replay(res, patterns, 1.0, 1.2, 0.05, J0=J0, sigma0=sigma0, mask=mask)
    Jt = np.asarray(res.network.couplings)
    np.testing.assert_allclose(Jt, J, rtol=1e-10, atol=1e-12)
    assert np.all(Jt[mask == 0] == 0.0)  # non-edges (and the diagonal) exactly zero
    assert np.all(Jt[mask == 1] != J0[mask == 1])


def test_mask_zeroes_existing_non_edge_couplings():
    n = 6
    J0 = np.ones((n, n), np.float32) - np.eye(n, dtype=np.float32)
    mask = fepnet.coupling_mask(nx.path_graph(n))
    res = fepnet.train(jax.random.key(0), np.ones((1, n)), n_epochs=3, steps_per_epoch=2,
                       initial=Network(J0), mask=mask, progress=False)
    J = np.asarray(res.network.couplings)
    assert np.all(J[np.asarray(mask) == 0] == 0.0)


def test_free_run_replays_with_zero_bias(x64):
    rng = np.random.default_rng(4)
    J0 = rng.normal(scale=0.3, size=(5, 5))
    np.fill_diagonal(J0, 0)
    res = fepnet.free_run(jax.random.key(5), Network(J0), 50, inverse_temperature=1.0, learning_rate=0.01,
                          trace=True, progress=False)
    assert res.states.shape == (50, 1, 5)
    J, u = _replay(res, np.zeros((1, 5)), 1.0, 1.0, 0.01, J0=J0, free=True)
    np.testing.assert_allclose(np.asarray(res.network.couplings), J, rtol=1e-10, atol=1e-12)
    # no learning: couplings untouched
    still = fepnet.free_run(jax.random.key(5), Network(J0), 20, learning_rate=0.0, progress=False)
    np.testing.assert_array_equal(np.asarray(still.network.couplings), J0)
    # continuing from a LearningState keeps its sigma
    cont = fepnet.free_run(jax.random.key(6), res.state, 10, learning_rate=0.01, trace=True, progress=False)
    J2, _ = _replay(cont, np.zeros((1, 5)), 1.0, 1.0, 0.01, J0=np.asarray(res.state.couplings),
                    sigma0=np.asarray(res.state.sigma), free=True)
    np.testing.assert_allclose(np.asarray(cont.network.couplings), J2, rtol=1e-10, atol=1e-12)


def test_zero_epochs_and_zero_learning_rate():
    rng = np.random.default_rng(5)
    J0 = rng.normal(size=(4, 4)).astype(np.float32)
    np.fill_diagonal(J0, 0)
    res = fepnet.train(jax.random.key(0), rng.normal(size=(2, 4)), n_epochs=0, initial=Network(J0), trace=True,
                       progress=False)
    np.testing.assert_array_equal(np.asarray(res.network.couplings), J0)
    assert res.states.shape == (0, 10, 4) and res.pattern_index.shape == (0,)
    res = fepnet.train(jax.random.key(0), rng.normal(size=(2, 4)), n_epochs=5, learning_rate=0.0,
                       initial=Network(J0), progress=False)
    np.testing.assert_array_equal(np.asarray(res.network.couplings), J0)
    assert np.any(np.asarray(res.state.sigma) != 0)  # inference still ran


def test_pattern_order():
    fixed = np.asarray(fepnet.pattern_order(jax.random.key(0), 3, 8, "fixed"))
    np.testing.assert_array_equal(fixed, [0, 1, 2, 0, 1, 2, 0, 1])
    rnd = np.asarray(fepnet.pattern_order(jax.random.key(0), 4, 4000, "random"))
    assert rnd.min() == 0 and rnd.max() == 3
    counts = np.bincount(rnd, minlength=4)
    assert stats.chisquare(counts).pvalue > 1e-3
    # consecutive picks are not a cycle
    assert np.mean(np.diff(rnd) % 4 == 1) < 0.5
    res = fepnet.train(jax.random.key(1), np.eye(3), n_epochs=7, steps_per_epoch=1, order="fixed", progress=False)
    np.testing.assert_array_equal(np.asarray(res.pattern_index), [0, 1, 2, 0, 1, 2, 0])


# --- 7. presentation order decides the symmetry of J ---------------------------------------------------------


@pytest.fixture(scope="module")
def simulation3(digits):
    """The paper's Simulation 3 protocol: digits 1, 2, 3 x 20, fixed order, 2000 epochs of one step, iT 1, alpha 0.001."""
    pats = digits.train[1:4]
    return pats, fepnet.train(jax.random.key(0), pats, n_epochs=2000, steps_per_epoch=1, inverse_temperature=1.0,
                              learning_rate=0.001, evidence_level=20.0, order="fixed", progress=False)


def test_fixed_order_one_step_three_digits_is_strongly_asymmetric(simulation3):
    """Simulation 3 gives a strongly asymmetric J (paper: 0.98)."""
    pats, res = simulation3
    asym = float(res.network.asymmetry())
    assert asym > 0.8, asym
    # the same protocol in random order is far more symmetric
    rnd = fepnet.train(jax.random.key(0), pats, n_epochs=2000, steps_per_epoch=1, inverse_temperature=1.0,
                       learning_rate=0.001, evidence_level=20.0, order="random", progress=False)
    assert float(rnd.network.asymmetry()) < 0.3
    assert asym - float(rnd.network.asymmetry()) > 0.5


def test_fixed_order_learns_the_sequence_direction(simulation3):
    """After Simulation 3 the antisymmetric part pushes pattern k towards pattern k+1 (not k-1)."""
    pats, res = simulation3
    pats = np.asarray(pats, np.float64)
    Ja = np.asarray(res.network.antisymmetric_part(), np.float64)
    for k in range(3):
        forward = pats[(k + 1) % 3] @ Ja @ pats[k]  # drive from pattern k onto pattern k+1
        backward = pats[(k - 1) % 3] @ Ja @ pats[k]
        assert forward > 0 > backward


def test_random_order_two_patterns_is_nearly_symmetric():
    pats = random_patterns(jax.random.key(5), 2, 64)
    res = fepnet.train(jax.random.key(1), pats, n_epochs=1000, steps_per_epoch=10, inverse_temperature=0.2,
                       learning_rate=0.001, evidence_level=10.0, order="random", progress=False)
    asym = float(res.network.asymmetry())
    assert asym < 0.3, asym
    assert float(jnp.linalg.norm(res.network.couplings)) > 1.0  # something was learned
    # and the learned couplings align with the Hebbian outer product of the two patterns
    P = np.asarray(pats, np.float64)
    hebb = P.T @ P
    np.fill_diagonal(hebb, 0)
    J = np.asarray(res.network.couplings, np.float64)
    assert np.corrcoef(J.ravel(), hebb.ravel())[0, 1] > 0.5


def test_random_order_two_digits_low_evidence_is_nearly_symmetric(digits):
    pats = digits.train[np.array([0, 1])]
    res = fepnet.train(jax.random.key(0), pats, n_epochs=1000, steps_per_epoch=10, inverse_temperature=0.2,
                       learning_rate=0.001, evidence_level=3.0, order="random", progress=False)
    assert float(res.network.asymmetry()) < 0.3


# --- 9. reproducibility --------------------------------------------------------------------------------------


def test_train_reproducible_and_chunk_independent():
    rng = np.random.default_rng(6)
    pats = rng.normal(size=(3, 10))
    kw = dict(n_epochs=40, steps_per_epoch=3, inverse_temperature=0.5, learning_rate=0.01, evidence_level=2.0,
              trace=True, progress=False)
    a = fepnet.train(jax.random.key(7), pats, chunk_epochs=500, **kw)
    b = fepnet.train(jax.random.key(7), pats, chunk_epochs=500, **kw)
    c = fepnet.train(jax.random.key(7), pats, chunk_epochs=7, **kw)
    d = fepnet.train(jax.random.key(8), pats, chunk_epochs=500, **kw)
    for other in (b, c):
        assert np.asarray(other.network.couplings).tobytes() == np.asarray(a.network.couplings).tobytes()
        assert np.asarray(other.state.sigma).tobytes() == np.asarray(a.state.sigma).tobytes()
        assert np.asarray(other.states).tobytes() == np.asarray(a.states).tobytes()
        np.testing.assert_array_equal(np.asarray(other.pattern_index), np.asarray(a.pattern_index))
    assert not np.allclose(np.asarray(d.network.couplings), np.asarray(a.network.couplings))
    assert not np.array_equal(np.asarray(d.states), np.asarray(a.states))


def test_free_run_chunk_independent():
    J0 = np.zeros((5, 5), np.float32)
    a = fepnet.free_run(jax.random.key(1), Network(J0), 30, chunk_steps=4, learning_rate=0.01, progress=False)
    b = fepnet.free_run(jax.random.key(1), Network(J0), 30, chunk_steps=5000, learning_rate=0.01, progress=False)
    assert np.asarray(a.network.couplings).tobytes() == np.asarray(b.network.couplings).tobytes()


def test_run_epochs_vmaps_over_keys():
    """The jitted core vmaps over keys (independent networks), matching a loop."""
    n = 6
    pats = jnp.asarray(np.random.default_rng(7).normal(size=(2, n)), jnp.float32)
    index = jnp.array([0, 1, 1, 0, 1], jnp.int32)
    state = fepnet.init_learning_state(n)
    keys = jax.random.split(jax.random.key(9), 3)
    run = lambda k: fepnet.training.run_epochs(k, state, pats, index, jnp.float32(0.7), jnp.float32(0.05), steps_per_epoch=4)[0]
    batched = jax.vmap(run)(keys)
    for i in range(3):
        np.testing.assert_allclose(np.asarray(batched.couplings[i]), np.asarray(run(keys[i]).couplings),
                                   rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(batched.couplings[0]), np.asarray(batched.couplings[1]))


def test_train_float64_preserved(x64):
    res = fepnet.train(jax.random.key(0), np.ones((1, 3)), n_epochs=2, steps_per_epoch=2, progress=False)
    assert res.network.couplings.dtype == jnp.float64 and res.state.sigma.dtype == jnp.float64


def test_run_epochs_equals_a_loop_of_fused_updates_bit_for_bit():
    # run_epochs defers each rank-1 update to the next iteration (for speed);
    # it must compute exactly what the plain fused step computes.
    rng = np.random.default_rng(7)
    n, steps = 12, 5
    patterns = jnp.asarray(rng.normal(size=(3, n)), jnp.float32)
    index = jnp.array([2, 0, 1], jnp.int32)
    J0 = rng.normal(scale=0.2, size=(n, n))
    np.fill_diagonal(J0, 0)
    state = fepnet.init_learning_state(Network(jnp.asarray(J0, jnp.float32)), rng.uniform(-1, 1, n))
    key = jax.random.key(11)
    it, lr = jnp.float32(0.7), jnp.float32(0.01)
    fast, record = fepnet.training.run_epochs(key, state, patterns, index, it, lr, steps_per_epoch=steps, trace=True)
    states = record.states
    step = jax.jit(fepnet.learning.fused_update)
    slow, kept = state, []
    for e, k in enumerate(np.asarray(index)):
        u = jax.random.uniform(jax.random.fold_in(key, e), (steps, n), jnp.float32)
        p = fepnet.LearningParams(patterns[k], it, lr, None)
        for t in range(steps):
            slow = step(u[t], slow, p)
            kept.append(np.asarray(slow.sigma))
    np.testing.assert_array_equal(np.asarray(fast.couplings), np.asarray(slow.couplings))
    np.testing.assert_array_equal(np.asarray(fast.sigma), np.asarray(slow.sigma))
    np.testing.assert_array_equal(np.asarray(states).reshape(-1, n), np.stack(kept))


# --- the boundary (#16) -------------------------------------------------------------------------------------

_PATS = np.array([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]])
_KW = dict(n_epochs=2, steps_per_epoch=2, progress=False)


def test_cause01_train_checks_scalars_after_the_cast_to_the_working_dtype(x64):
    """Under x64 a float32 ``initial`` took float64 1e39 and cast it to inf (NaN couplings)."""
    key, net32 = jax.random.key(0), Network(np.zeros((4, 4), np.float32))
    for name in ("inverse_temperature", "learning_rate"):
        with pytest.raises(ValueError, match=f"{name} holds values beyond the range of float32"):
            fepnet.train(key, _PATS, initial=net32, **{name: 1e39}, **_KW)
    for patterns, level in ((_PATS, 1e39), (_PATS * 1e20, 1e20)):  # the biases, level * pattern, in float32
        with pytest.raises(ValueError, match=r"evidence_level \* patterns holds values beyond the range of float32"):
            fepnet.train(key, patterns, initial=net32, evidence_level=level, **_KW)
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        fepnet.train(key, _PATS, initial=net32, inverse_temperature=1e-50, **_KW)  # 0 in float32
    with pytest.raises(ValueError, match="learning_rate holds values beyond the range of float32"):
        fepnet.free_run(key, net32, 3, learning_rate=1e39, progress=False)


def test_cause13_evidence_level_follows_the_rule_of_retrieval_score():
    """0 and negative levels were accepted by train but refused by retrieval_score and SweepGrid."""
    key = jax.random.key(0)
    for level in (0.0, -1.0, 0, -0.0):
        with pytest.raises(ValueError) as by_train:
            fepnet.train(key, _PATS, evidence_level=level, **_KW)
        with pytest.raises(ValueError) as by_score:
            fepnet.retrieval_score(key, Network.zeros(4), _PATS, evidence_level=level)
        assert str(by_train.value) == str(by_score.value)
        assert "evidence_level must be positive" in str(by_train.value)
    fepnet.train(key, _PATS, evidence_level=1e-30, **_KW)  # any positive level


def test_cause13_mask_must_hold_zeros_and_ones():
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="mask must hold only 0 and 1"):
        fepnet.train(key, _PATS, mask=np.full((4, 4), 0.5), **_KW)
    with pytest.raises(ValueError, match="mask must hold only 0 and 1"):
        fepnet.free_run(key, Network.zeros(4), 3, mask=2 * np.ones((4, 4)), progress=False)
    # a boolean mask now means what the 0/1 mask means
    ring = np.roll(np.eye(4), 1, axis=1) + np.roll(np.eye(4), -1, axis=1)
    as_bool = fepnet.train(key, _PATS, mask=ring.astype(bool), **_KW).network.couplings
    as_float = fepnet.train(key, _PATS, mask=ring, **_KW).network.couplings
    np.testing.assert_array_equal(np.asarray(as_bool), np.asarray(as_float))


def test_cause13_initial_state_is_checked_up_front():
    """NaN couplings trained and then blamed the learning rate (FloatingPointError)."""
    key = jax.random.key(0)
    nan_state = fepnet.LearningState(jnp.full((4, 4), jnp.nan), jnp.zeros(4))
    for run in (lambda init: fepnet.train(key, _PATS, initial=init, **_KW),
                lambda init: fepnet.free_run(key, init, 3, progress=False)):
        with pytest.raises(ValueError, match="initial.couplings contains non-finite values"):
            run(nan_state)
        with pytest.raises(ValueError, match="initial.couplings contains non-finite values"):
            run(nan_state.network)  # LearningState.network is not re-validated by Network()
        with pytest.raises(ValueError, match=r"initial.sigma must lie in \[-1, 1\]"):
            run(fepnet.LearningState(jnp.zeros((4, 4)), jnp.full(4, 2.0)))
        with pytest.raises(ValueError, match="initial.sigma contains non-finite"):
            run(fepnet.LearningState(jnp.zeros((4, 4)), jnp.full(4, jnp.nan)))
        with pytest.raises(ValueError, match=r"initial.couplings must be square"):
            run(fepnet.LearningState(jnp.zeros((4, 5)), jnp.zeros(4)))
    # integer couplings or a float64 sigma take the working dtype (were raw scan carry-type errors)
    res = fepnet.train(key, _PATS, initial=fepnet.LearningState(np.zeros((4, 4), np.int32), np.zeros(4)), **_KW)
    assert res.network.couplings.dtype == jnp.float32 and res.state.sigma.dtype == jnp.float32


def test_cause13_free_run_names_its_own_arguments():
    key, net = jax.random.key(0), Network.zeros(4)
    with pytest.raises(ValueError, match="n_steps must be >= 0, got -1"):  # said "n_epochs"
        fepnet.free_run(key, net, -1, progress=False)
    with pytest.raises(TypeError, match="n_steps must be an integer"):
        fepnet.free_run(key, net, 3.0, progress=False)
    with pytest.raises(ValueError, match="chunk_steps must be >= 1"):  # said "chunk_epochs"
        fepnet.free_run(key, net, 3, chunk_steps=0, progress=False)
    with pytest.raises(TypeError, match="initial must be a Network or a LearningState, got ndarray"):
        fepnet.free_run(key, np.zeros((4, 4)), 3, progress=False)  # was AttributeError
    with pytest.raises(TypeError, match="key must be a JAX PRNG key"):
        fepnet.free_run(0, net, 3, progress=False)


@pytest.mark.parametrize("call, match", [
    (lambda k: fepnet.train(k, _PATS, n_epochs=2**40, progress=False), "n_epochs must be <= 2147483647"),
    (lambda k: fepnet.train(k, _PATS, n_epochs=1, steps_per_epoch=2**40, progress=False),
     "steps_per_epoch must be <= 2147483647"),
    (lambda k: fepnet.train(k, _PATS, n_epochs=1, chunk_epochs=10**12, progress=False),
     "chunk_epochs must be <= 2147483647"),
    (lambda k: fepnet.free_run(k, Network.zeros(4), 2**40, progress=False), "n_steps must be <= 2147483647"),
    (lambda k: fepnet.free_run(k, Network.zeros(4), 1, chunk_steps=2**63, progress=False),
     "chunk_steps must be <= 2147483647"),
])
def test_cause14_huge_counts_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call(jax.random.key(0))


def test_cause14_records_beyond_memory_are_refused_naming_the_arguments():
    key = jax.random.key(0)
    big = np.ones((1, 64))
    with pytest.raises(ValueError, match=r"n_epochs=2147483647, steps_per_epoch=10, trace=True \(N=64, float32\) "
                                         r"would record 5.51e\+03 GB, more than the .* GB of memory"):
        fepnet.train(key, big, n_epochs=2**31 - 1, trace=True, progress=False)
    with pytest.raises(ValueError, match=r"n_epochs=1, steps_per_epoch=2147483647 \(N=64, float32\) would record"):
        fepnet.train(key, big, n_epochs=1, steps_per_epoch=2**31 - 1, progress=False)  # one epoch's uniforms
    with pytest.raises(ValueError, match=r"n_steps=2147483647, trace=True, free_energy=True \(N=64, float32\) would record"):
        fepnet.free_run(key, Network.zeros(64), 2**31 - 1, free_energy=True, trace=True, progress=False)


def test_non_finite_couplings_name_the_first_epoch():
    """Long-run soundness: J turning non-finite raises FloatingPointError naming the epoch, not a silent NaN
    (precision weighting at iT = 1e5 overflows in the second epoch)."""
    key = jax.random.key(0)
    kw = dict(steps_per_epoch=3, inverse_temperature=1e5, learning_rate=0.01, evidence_level=2.0,
              precision_weighted=True, order="fixed", progress=False)
    fine = fepnet.train(key, _PATS, n_epochs=1, **kw)
    assert np.all(np.isfinite(np.asarray(fine.network.couplings)))
    for chunk in (1, 7, 500):  # the same epoch whichever chunk it falls in
        with pytest.raises(FloatingPointError, match=r"non-finite in epoch 1 \(counting from 0\) of n_epochs=30; "
                                                     r"lower learning_rate or inverse_temperature \(precision_w"):
            fepnet.train(key, _PATS, n_epochs=30, chunk_epochs=chunk, **kw)
    big = Network(np.full((4, 4), 1e30), zero_diagonal=True)  # sigma starts at 0: the first step is finite
    free = dict(inverse_temperature=1e5, learning_rate=1.0, precision_weighted=True, progress=False)
    assert np.all(np.isfinite(np.asarray(fepnet.free_run(key, big, 1, **free).network.couplings)))
    with pytest.raises(FloatingPointError, match=r"non-finite in step 1 \(counting from 0\) of n_steps=5"):
        fepnet.free_run(key, big, 5, **free)
