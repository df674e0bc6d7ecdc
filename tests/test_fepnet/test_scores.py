"""Retrieval / generalisation scores (as the paper reports them) on small cases with known answers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fepnet
from fepnet import cb
from fepnet.cues import noisy_cues
from fepnet.scores import (
    correlation,
    evoke,
    generalization_score,
    recall_score,
    retrieval_score,
    score_gains,
)

KEY = jax.random.key(0)
# Shared shapes: every new shape or static argument costs a (slow) compilation, so the tests reuse these.
PATTERNS = np.random.default_rng(5).normal(size=(3, 64))
T = 20


# --- correlation / score_gains -------------------------------------------------------------------


def test_correlation_matches_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 30))
    assert float(correlation(a, b)) == pytest.approx(np.corrcoef(a, b)[0, 1], abs=1e-6)
    assert float(correlation(a, a)) == pytest.approx(1.0, abs=1e-6)
    assert float(correlation(a, -3 * a + 2)) == pytest.approx(-1.0, abs=1e-6)


def test_correlation_of_a_constant_is_zero():
    a = np.random.default_rng(1).normal(size=12)
    c = np.full(12, 4.0)
    assert float(correlation(a, c)) == 0.0
    assert float(correlation(c, a)) == 0.0
    assert float(correlation(c, c)) == 0.0


def test_correlation_is_batched_along_leading_axes():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 3, 4, 10))
    r = np.asarray(correlation(a, b))
    assert r.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert r[i, j] == pytest.approx(np.corrcoef(a[i, j], b[i, j])[0, 1], abs=1e-6)
    # broadcasting one vector against a batch
    r1 = np.asarray(correlation(a, b[0, 0]))
    assert r1[2, 1] == pytest.approx(np.corrcoef(a[2, 1], b[0, 0])[0, 1], abs=1e-6)


def test_a_network_that_returns_its_input_scores_zero():
    cues = noisy_cues(KEY, PATTERNS, T)
    gains = np.asarray(score_gains(cues.noisy, cues.original, cues.noisy))
    assert gains.shape == (T,)
    np.testing.assert_array_equal(gains, 0.0)


def test_a_perfect_response_gains_one_minus_the_cue_r_squared():
    cues = noisy_cues(jax.random.key(4), PATTERNS, T)
    r = np.array([np.corrcoef(n, o)[0, 1] for n, o in zip(np.asarray(cues.noisy), np.asarray(cues.original))])
    gains = np.asarray(score_gains(cues.original, cues.original, cues.noisy))
    np.testing.assert_allclose(gains, 1 - r**2, atol=1e-5)
    assert np.all(gains > 0)
    # any positive affine map of the original is as good; a constant response loses r^2
    np.testing.assert_allclose(np.asarray(score_gains(5 * cues.original - 1, cues.original, cues.noisy)), gains, atol=1e-5)
    const = jnp.ones_like(cues.original)
    np.testing.assert_allclose(np.asarray(score_gains(const, cues.original, cues.noisy)), -(r**2), atol=1e-5)


# --- noisy_cues ----------------------------------------------------------------------------------


def test_cycle_order_takes_patterns_in_turn():
    cues = noisy_cues(KEY, PATTERNS, T, order="cycle")
    np.testing.assert_array_equal(np.asarray(cues.index)[:8], [0, 1, 2, 0, 1, 2, 0, 1])
    np.testing.assert_array_equal(np.asarray(cues.index), np.arange(T) % 3)
    assert cues.original.shape == cues.noisy.shape == (T, 64)


def test_random_order_stays_in_range_and_uses_every_pattern():
    cues = noisy_cues(KEY, PATTERNS, 1000, order="random")
    idx = np.asarray(cues.index)
    assert idx.min() >= 0 and idx.max() <= 2
    assert set(idx.tolist()) == {0, 1, 2}
    assert not np.array_equal(idx, np.arange(1000) % 3)
    # roughly uniform: each count within 5 sd of 1000/3 (sd = sqrt(1000 * 1/3 * 2/3) = 14.9)
    assert np.all(np.abs(np.bincount(idx, minlength=3) - 1000 / 3) < 5 * 14.9)


@pytest.mark.parametrize("order", ["cycle", "random"])
@pytest.mark.parametrize("scale", [0.1, 2.5])
def test_original_is_scale_times_the_chosen_pattern(order, scale):
    cues = noisy_cues(KEY, PATTERNS, T, order=order, scale=scale)
    np.testing.assert_allclose(np.asarray(cues.original), scale * PATTERNS[np.asarray(cues.index)], rtol=1e-6)


@pytest.mark.parametrize("noise", [1.0, 2.0])
def test_noise_sd_is_noise_times_std_of_original(noise):
    # residual / std(original) is noise * N(0, 1) per entry; pooled over T * N = 64,000 entries its variance
    # estimate has relative sd sqrt(2 / 64000) = 0.0056, so 0.03 is over 5 sd.
    pats = PATTERNS * np.array([[1.0], [3.0], [0.2]])  # different stds per pattern: the noise follows each one
    cues = noisy_cues(KEY, pats, 1000, order="random", noise=noise)
    orig, noisy = np.asarray(cues.original, np.float64), np.asarray(cues.noisy, np.float64)
    z = (noisy - orig) / orig.std(axis=1, keepdims=True)
    assert np.sqrt(np.mean(z**2)) == pytest.approx(noise, rel=0.03)
    assert abs(z.mean()) < 5 * noise / np.sqrt(z.size)
    # SNR 1 at noise=1: the cue correlates with the original at about 1 / sqrt(1 + noise^2)
    r = np.asarray(correlation(cues.noisy, cues.original))
    assert np.mean(r) == pytest.approx(1 / np.sqrt(1 + noise**2), abs=0.03)


def test_zero_noise_gives_the_original():
    cues = noisy_cues(KEY, PATTERNS, T, noise=0.0)
    np.testing.assert_array_equal(np.asarray(cues.noisy), np.asarray(cues.original))


def test_noisy_cues_reproducible_and_key_dependent():
    a = noisy_cues(KEY, PATTERNS, T, order="random")
    b = noisy_cues(KEY, PATTERNS, T, order="random")
    c = noisy_cues(jax.random.key(1), PATTERNS, T, order="random")
    np.testing.assert_array_equal(np.asarray(a.noisy), np.asarray(b.noisy))
    assert not np.array_equal(np.asarray(a.noisy), np.asarray(c.noisy))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"order": "shuffle"}, "order"),
        ({"scale": -0.1}, "scale"),
        ({"scale": 0.0}, "scale"),
        ({"noise": -1.0}, "noise"),
        ({"n_trials": 0}, "n_trials"),
    ],
)
def test_noisy_cues_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        noisy_cues(KEY, PATTERNS, **{"n_trials": 5, **kwargs})


def test_noisy_cues_rejects_bad_patterns():
    with pytest.raises(ValueError, match="patterns"):
        noisy_cues(KEY, PATTERNS[0], 5)
    bad = PATTERNS.copy()
    bad[1, 3] = np.nan
    with pytest.raises(ValueError, match="patterns"):
        noisy_cues(KEY, bad, 5)


# --- evoke ---------------------------------------------------------------------------------------
# All evoke calls use N = 16 nodes, 4 trials and 5 steps unless the test needs otherwise.


def _pairs_network(strength=20.0, n_pairs=8):
    """n_pairs independent ferromagnetic pairs (J[2k, 2k+1] = J[2k+1, 2k] = strength)."""
    J = np.kron(np.eye(n_pairs), np.array([[0.0, strength], [strength, 0.0]]))
    return fepnet.Network(J)


def _random_network(seed=6, scale=2.0, n=16):
    J = np.random.default_rng(seed).normal(scale=scale, size=(n, n))
    np.fill_diagonal(J, 0.0)
    return fepnet.Network(J)


INPUTS = np.random.default_rng(7).normal(scale=3.0, size=(4, 16))


def test_evoke_shapes_and_range():
    response, final = evoke(KEY, _random_network(), INPUTS, n_steps=5)
    assert response.shape == (4, 16) and final.shape == (16,)
    assert np.all(np.abs(np.asarray(response)) <= 1) and np.all(np.abs(np.asarray(final)) <= 1)
    # a single step: the response is the state itself, and the final state is the last one
    response1, final1 = evoke(KEY, _random_network(), INPUTS, n_steps=1)
    np.testing.assert_array_equal(np.asarray(final1), np.asarray(response1[-1]))


def test_evoke_without_couplings_averages_to_langevin_of_the_bias():
    # J = 0: every step draws each node independently from CB(iT b), so the mean over T * S draws is
    # L(iT b) with standard error sqrt(L'(iT b) / (T S)); 5 se on 16 nodes.
    b = np.linspace(-4.0, 6.0, 16)
    it = 0.7
    T_, S = 4, 2000
    response, _ = evoke(KEY, fepnet.Network.zeros(16), np.tile(b, (T_, 1)), n_steps=S, inverse_temperature=it)
    mean = np.asarray(response, np.float64).mean(axis=0)
    se = np.sqrt(np.asarray(cb.langevin_grad(it * b), np.float64) / (T_ * S))
    expected = np.asarray(cb.langevin(it * b), np.float64)
    assert np.all(np.abs(mean - expected) < 5 * se), (mean, expected, se)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_evoke_state_carries_over_between_trials(sign):
    # Trial 0 clamps a strong bias of one sign; trials 1..3 have no input. With J = 20 between partners a
    # node keeps its partner's sign with probability 1 - e^-20 per step, so if the state carries over every
    # later response keeps trial 0's sign. Were the state reset to 0, the first step of each trial would be
    # uniform on [-1, 1] and all 16 nodes agreeing with the sign in all 3 trials would be very unlikely.
    inputs = np.zeros((4, 16))
    inputs[0] = sign * 100.0
    response, final = evoke(KEY, _pairs_network(), inputs, n_steps=5)
    assert np.all(sign * np.asarray(response) > 0.5)
    assert np.all(sign * np.asarray(final) > 0.5)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_evoke_starts_from_sigma(sign):
    response, _ = evoke(KEY, _pairs_network(), np.zeros((4, 16)), n_steps=5, sigma=np.full(16, sign))
    assert np.all(sign * np.asarray(response) > 0.5)


def test_evoke_key_reproducibility():
    net = _random_network(scale=0.5)
    r1, f1 = evoke(KEY, net, INPUTS, n_steps=5)
    r2, f2 = evoke(KEY, net, INPUTS, n_steps=5)
    r3, _ = evoke(jax.random.key(1), net, INPUTS, n_steps=5)
    np.testing.assert_array_equal(np.asarray(r1), np.asarray(r2))
    np.testing.assert_array_equal(np.asarray(f1), np.asarray(f2))
    assert not np.any(np.asarray(r1) == np.asarray(r3))


def test_evoke_matches_a_step_by_step_replay():
    # Replays evoke's key use (trial t: fold_in(key, t); step i: fold_in(that, i)) with the public
    # synchronous stochastic kernel, carrying the state across trials.
    net = _random_network(seed=9, scale=1.0)
    it, S = 0.8, 5
    response, final = evoke(KEY, net, INPUTS, n_steps=S, inverse_temperature=it)
    kernel = fepnet.build_kernel("synchronous", stochastic=True)
    step = jax.jit(lambda k, s, b: kernel(k, fepnet.ChainState(s), fepnet.KernelParams(net.with_biases(b), it)).sigma)
    s = jnp.zeros(16)
    for t in range(INPUTS.shape[0]):
        k = jax.random.fold_in(KEY, t)
        states = []
        for i in range(S):
            s = step(jax.random.fold_in(k, i), s, jnp.asarray(INPUTS[t], jnp.float32))
            states.append(s)
        np.testing.assert_allclose(np.asarray(response[t]), np.mean(states, axis=0), atol=1e-5)
    np.testing.assert_allclose(np.asarray(final), np.asarray(s), atol=1e-5)


def test_evoke_rejects_bad_input():
    net = fepnet.Network.zeros(4)
    with pytest.raises(ValueError, match="nodes"):
        evoke(KEY, net, np.zeros((2, 5)))
    with pytest.raises(ValueError, match="inputs"):
        evoke(KEY, net, np.zeros(4))
    with pytest.raises(ValueError, match="n_steps"):
        evoke(KEY, net, np.zeros((2, 4)), n_steps=0)
    with pytest.raises(TypeError, match="network"):
        evoke(KEY, np.zeros((4, 4)), np.zeros((2, 4)))


# --- recall / retrieval / generalisation -----------------------------------------------------------
# Shared: N = 24 nodes, T = 20 trials, 20 steps; patterns (1, 24) or (5, 24).

P = np.where(np.random.default_rng(10).random(24) < 0.5, 1.0, -1.0)
FIVE = np.random.default_rng(11).normal(size=(5, 24))
RECALL = dict(n_trials=T, n_steps=20)


def _stored_network(strength=10.0):
    """J = strength p p^T / N (zero diagonal): m = L(strength m) has |m| ~ 0.9, so the network sits near
    +p or -p whatever the weak cue (0.1 x + noise) says."""
    J = strength * np.outer(P, P) / P.size
    np.fill_diagonal(J, 0.0)
    return fepnet.Network(J)


def test_recall_is_reproducible_and_score_is_median_of_gains():
    net = _stored_network()
    a = recall_score(KEY, net, FIVE, **RECALL)
    b = recall_score(KEY, net, FIVE, **RECALL)
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    assert a.gains.shape == (T,) and a.response.shape == (T, 24) and a.sigma.shape == (24,)
    assert float(a.score) == pytest.approx(float(np.median(np.asarray(a.gains))), abs=1e-7)
    # the gains are computed from the returned cues and responses
    np.testing.assert_allclose(
        np.asarray(a.gains), np.asarray(score_gains(a.response, a.cues.original, a.cues.noisy)), atol=1e-6
    )
    c = recall_score(jax.random.key(1), net, FIVE, **RECALL)
    assert not np.array_equal(np.asarray(a.gains), np.asarray(c.gains))


def test_a_storing_network_beats_the_empty_one():
    # Stored pattern: the mean state is ~ +-0.9 p, so corr(response, original)^2 ~ 1 while the SNR-1 cue has
    # corr^2 ~ 1/2: the gain is ~ 0.5. Empty network: the response is a 20-step sample mean of CB(noisy), i.e.
    # L(noisy) ~ noisy / 3 (signal sd ~ 0.05) plus sampling noise of sd sqrt(1/3 / 20) = 0.13: it can only
    # lose correlation with the original, so nearly every gain is negative.
    stored = retrieval_score(KEY, _stored_network(), P[None, :], **RECALL)
    empty = retrieval_score(KEY, fepnet.Network.zeros(24), P[None, :], **RECALL)
    assert float(stored.score) > 0.3
    assert float(empty.score) < 0.0
    assert np.mean(np.asarray(empty.gains) < 0) > 0.8


def test_retrieval_cycles_and_generalisation_draws_at_random():
    net = _stored_network()
    r = retrieval_score(KEY, net, FIVE, **RECALL)
    g = generalization_score(KEY, net, FIVE, **RECALL)
    np.testing.assert_array_equal(np.asarray(r.cues.index), np.arange(T) % 5)
    gi = np.asarray(g.cues.index)
    assert gi.min() >= 0 and gi.max() <= 4
    assert not np.array_equal(gi, np.arange(T) % 5)
    for res in (r, g):
        np.testing.assert_allclose(np.asarray(res.cues.original), 0.1 * FIVE[np.asarray(res.cues.index)], rtol=1e-5)
    # the same as recall_score with the order spelled out
    rr = recall_score(KEY, net, FIVE, order="cycle", **RECALL)
    gg = recall_score(KEY, net, FIVE, order="random", **RECALL)
    np.testing.assert_array_equal(np.asarray(rr.gains), np.asarray(r.gains))
    np.testing.assert_array_equal(np.asarray(gg.gains), np.asarray(g.gains))


def test_evidence_level_scales_the_originals_and_the_noise():
    net = fepnet.Network.zeros(24)
    one = recall_score(KEY, net, FIVE, order="random", **RECALL)
    three = recall_score(KEY, net, FIVE, order="random", evidence_level=3.0, **RECALL)
    np.testing.assert_array_equal(np.asarray(three.cues.index), np.asarray(one.cues.index))
    np.testing.assert_allclose(np.asarray(three.cues.original), 3 * np.asarray(one.cues.original), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(three.cues.noisy), 3 * np.asarray(one.cues.noisy), rtol=1e-4, atol=1e-6)
    # scale multiplies as well (original = scale * level * x)
    big = recall_score(KEY, net, FIVE, order="random", scale=0.5, evidence_level=3.0, **RECALL)
    np.testing.assert_allclose(np.asarray(big.cues.original), 15 * np.asarray(one.cues.original), rtol=1e-5)
    # stronger cues drive the empty network harder: larger mean |response|
    assert np.mean(np.abs(np.asarray(big.response))) > np.mean(np.abs(np.asarray(one.response)))


def test_recall_rejects_bad_patterns_and_arguments():
    net = fepnet.Network.zeros(6)
    with pytest.raises(ValueError, match="patterns"):
        recall_score(KEY, net, np.ones((2, 5)))
    with pytest.raises(ValueError, match="patterns"):
        recall_score(KEY, net, np.ones(6))
    with pytest.raises(ValueError, match="patterns"):
        recall_score(KEY, net, np.zeros((0, 6)))
    bad = np.ones((2, 6))
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        recall_score(KEY, net, bad)
    with pytest.raises(ValueError, match="order"):
        recall_score(KEY, net, np.ones((2, 6)), order="fixed")
    with pytest.raises(ValueError, match="n_trials"):
        recall_score(KEY, net, np.ones((2, 6)), n_trials=0)
    with pytest.raises(ValueError, match="inverse_temperature"):
        recall_score(KEY, net, np.ones((2, 6)), inverse_temperature=0.0)
    with pytest.raises(TypeError, match="network"):
        recall_score(KEY, np.zeros((6, 6)), np.ones((2, 6)))


@pytest.mark.parametrize("level", [0.0, -1.0])
def test_recall_score_rejects_non_positive_evidence_level(level):
    with pytest.raises(ValueError, match="evidence_level"):
        fepnet.retrieval_score(jax.random.key(0), fepnet.Network.zeros(3), np.eye(3), evidence_level=level)


# --- issue 16: checks after the cast, scale-free correlation -----------------------------------------


def test_cause01_float_arguments_are_checked_after_the_cast_to_the_network_dtype(x64):
    # With x64 on, float64 1e39 used to pass the check and become inf in the float32 network's dtype:
    # retrieval_score(evidence_level=1e39) returned gains of 0.
    net = fepnet.Network(np.zeros((6, 6), np.float32))
    assert net.dtype == np.float32
    pats = np.ones((2, 6)) * np.array([[1.0], [-1.0]]) * np.array([1, -1, 1, -1, 1, 1.0])
    for name in ("evidence_level", "inverse_temperature", "scale", "noise"):
        with pytest.raises(ValueError, match=f"{name} holds values beyond the range of float32"):
            retrieval_score(KEY, net, pats, n_trials=2, n_steps=1, **{name: 1e39})
    with pytest.raises(ValueError, match="patterns holds values beyond the range of float32"):
        retrieval_score(KEY, net, pats * 1e39, n_trials=2, n_steps=1)
    with pytest.raises(ValueError, match="inputs holds values beyond"):
        evoke(KEY, net, pats * 1e39, n_steps=1)
    with pytest.raises(ValueError, match="inverse_temperature holds values beyond"):
        evoke(KEY, net, pats, n_steps=1, inverse_temperature=1e39)
    # finite but overflowing cues: refused with the arguments named, instead of NaN gains
    with pytest.raises(ValueError, match="overflow float32.*evidence_level"):
        retrieval_score(KEY, net, pats, n_trials=2, n_steps=1, evidence_level=1e30, scale=1e9)


@pytest.mark.parametrize("factor", [1e20, 1e-25, 1e30, 1e-30])
def test_cause09_correlation_is_scale_free_in_float32(factor):
    # corr(1e20 x, x) was 0 (the squares overflowed), 1e-25 gave 0 (they underflowed), 1e30 gave NaN.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 40)).astype(np.float32)
    assert float(correlation(jnp.float32(factor) * x, x)) == pytest.approx(1.0, abs=1e-6)
    want = float(correlation(x, y))
    assert float(correlation(jnp.float32(factor) * x, y)) == pytest.approx(want, abs=1e-5)
    assert float(correlation(jnp.float32(factor) * x, jnp.float32(factor) * y)) == pytest.approx(want, abs=1e-5)
    # batched rows keep their own scale
    rows = np.stack([x, factor * x, x / factor]).astype(np.float32)
    np.testing.assert_allclose(np.asarray(correlation(rows, y)), want, atol=1e-5)


@pytest.mark.parametrize("factor", [1e20, 1e-25])
def test_cause09_scores_of_rescaled_patterns_are_not_all_zero(factor):
    # retrieval_score on patterns scaled by 1e20 or 1e-25 returned every gain as 0.
    net = _stored_network()
    scaled = retrieval_score(KEY, net, factor * FIVE, **RECALL)
    gains = np.asarray(scaled.gains)
    assert np.all(np.isfinite(gains)) and np.any(gains != 0)
    # the cue's own correlation with the original does not depend on the scale
    plain = retrieval_score(KEY, net, FIVE, **RECALL)
    np.testing.assert_allclose(np.asarray(correlation(scaled.cues.noisy, scaled.cues.original)),
                               np.asarray(correlation(plain.cues.noisy, plain.cues.original)), atol=1e-5)
    # a perfect response still gains 1 - r^2
    r2 = np.asarray(correlation(scaled.cues.noisy, scaled.cues.original)) ** 2
    np.testing.assert_allclose(np.asarray(score_gains(scaled.cues.original, scaled.cues.original, scaled.cues.noisy)),
                               1 - r2, atol=1e-5)
