"""The per-step free-energy trace of training (train(..., free_energy=True)) and the mean-field F."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fepnet
from fepnet import cb
from fepnet.free_energy import FreeEnergyTerms, free_energy_terms, mean_field_free_energy
from fepnet.learning import LearningParams, LearningState, fused_update
from fepnet.training import EpochRecord, run_epochs, train

KEY = jax.random.key(0)
PATTERNS = np.array(
    [[1.0, -0.5, 0.2, -1.5, 0.8, 0.0], [-0.3, 1.2, -0.9, 0.4, 0.1, -0.5], [0.6, 0.6, -0.6, -0.6, 1.0, -1.0]]
)


def _train(**kwargs):
    # trace=True by default so that most calls share one compilation of run_epochs
    opts = dict(
        n_epochs=4, steps_per_epoch=3, inverse_temperature=0.8, learning_rate=0.05, evidence_level=2.0,
        trace=True, progress=False,
    )
    opts.update(kwargs)
    return train(KEY, PATTERNS, **opts)


def test_trace_shapes_finite_and_f_is_complexity_minus_accuracy():
    res = _train(free_energy=True)
    fe = res.free_energy
    assert isinstance(fe, FreeEnergyTerms)
    for field in fe:
        assert field.shape == (4, 3)
        assert np.all(np.isfinite(np.asarray(field)))
    np.testing.assert_allclose(np.asarray(fe.free_energy), np.asarray(fe.complexity - fe.accuracy), rtol=1e-6, atol=1e-6)
    # not requested -> None
    off = _train()
    assert off.free_energy is None and off.states is not None


def test_recording_does_not_change_learning():
    on = _train(free_energy=True)
    off = _train(free_energy=False)
    np.testing.assert_array_equal(np.asarray(on.network.couplings), np.asarray(off.network.couplings))
    np.testing.assert_array_equal(np.asarray(on.state.sigma), np.asarray(off.state.sigma))
    np.testing.assert_array_equal(np.asarray(on.states), np.asarray(off.states))
    np.testing.assert_array_equal(np.asarray(on.pattern_index), np.asarray(off.pattern_index))
    assert float(jnp.abs(on.network.couplings).max()) > 0  # it did learn something


def test_trace_does_not_depend_on_chunking():
    whole = _train(free_energy=True)
    chunked = _train(free_energy=True, chunk_epochs=2)  # two chunks of 2 epochs
    for a, b in zip(whole.free_energy, chunked.free_energy):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    empty = _train(free_energy=True, n_epochs=0)
    assert all(f.shape == (0, 3) for f in empty.free_energy)


def test_first_two_steps_by_hand(x64):
    # From J = 0, sigma = 0 with b = level * x clamped:
    # step 1: h = 0, lambda = iT b, q = CB(lambda): F = -iT b.L(lambda) - sum H(lambda), accuracy = iT b.L(lambda).
    #         The update uses the error sigma_1 - L(0) = sigma_1, so J_1 = alpha sigma_1 sigma_1^T off the diagonal.
    # step 2: h = J_1 sigma_1, lambda = iT (b + h), m = L(lambda):
    #         F = -iT (b.m + 1/2 m^T J_1 m) - sum H(lambda).
    x = PATTERNS[0]
    it, alpha, level = 0.7, 0.3, 1.5
    res = train(
        KEY, x[None, :], n_epochs=1, steps_per_epoch=2, inverse_temperature=it, learning_rate=alpha,
        evidence_level=level, trace=True, free_energy=True, progress=False,
    )
    fe = [np.asarray(f, np.float64)[0] for f in res.free_energy]
    assert res.free_energy.free_energy.dtype == jnp.float64
    b = level * x
    lam = it * b
    m = np.asarray(cb.langevin(lam))
    acc1 = it * b @ m
    f1 = -acc1 - np.sum(np.asarray(cb.entropy(lam)))
    assert fe[1][0] == pytest.approx(acc1, rel=1e-12)
    assert fe[0][0] == pytest.approx(f1, rel=1e-12)
    assert fe[2][0] == pytest.approx(-np.sum(np.asarray(cb.entropy(lam))), rel=1e-12)

    s1 = np.asarray(res.states, np.float64)[0, 0]
    J1 = alpha * np.outer(s1, s1)
    np.fill_diagonal(J1, 0.0)
    lam2 = it * (b + J1 @ s1)
    m2 = np.asarray(cb.langevin(lam2))
    acc2 = it * b @ m2
    comp2 = -0.5 * it * m2 @ J1 @ m2 - np.sum(np.asarray(cb.entropy(lam2)))
    assert fe[1][1] == pytest.approx(acc2, rel=1e-10)
    assert fe[2][1] == pytest.approx(comp2, rel=1e-10)
    assert fe[0][1] == pytest.approx(comp2 - acc2, rel=1e-10)
    assert fe[0][1] != pytest.approx(f1, rel=1e-6)  # the second step really is a different distribution
    # and the couplings after the two steps: J_1 plus alpha (sigma_2 - L(h_2)) sigma_2^T off the diagonal
    s2 = np.asarray(res.states, np.float64)[0, 1]
    J2 = J1 + alpha * np.outer(s2 - np.asarray(cb.langevin(J1 @ s1)), s2)
    np.fill_diagonal(J2, 0.0)
    np.testing.assert_allclose(np.asarray(res.network.couplings), J2, rtol=1e-12, atol=1e-14)


def test_run_epochs_trace_matches_a_replay_with_fused_update(x64):
    # run_epochs draws epoch e's uniforms (steps, N) from fold_in(key, first_epoch + e) and records, at every
    # step, the terms of q = CB(iT (b + J sigma_old)) under the couplings J in force during that step.
    n, steps = PATTERNS.shape[1], 3
    pats = jnp.asarray(2.0 * PATTERNS)
    index = jnp.array([2, 0, 0, 1], jnp.int32)
    it, lr = jnp.float64(0.9), jnp.float64(0.1)
    state0 = fepnet.init_learning_state(n)
    state, record = run_epochs(KEY, state0, pats, index, it, lr, steps_per_epoch=steps, first_epoch=5, free_energy=True)
    assert isinstance(record, EpochRecord) and record.states is None
    terms = jax.jit(lambda J, s, b: free_energy_terms(J, b, it * (b + J @ s), it))
    update = jax.jit(lambda u, J, s, b: fused_update(u, LearningState(J, s), LearningParams(b, it, lr)))
    J, s = state0
    expected = []
    for e in range(4):
        b = pats[index[e]]
        u = jax.random.uniform(jax.random.fold_in(KEY, 5 + e), (steps, n), jnp.float64)
        for t in range(steps):
            expected.append(terms(J, s, b))
            J, s = update(u[t], J, s, b)
    for k, name in enumerate(FreeEnergyTerms._fields):
        want = np.array([float(x[k]) for x in expected]).reshape(4, steps)
        np.testing.assert_allclose(np.asarray(record[1][k]), want, rtol=1e-10, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(np.asarray(state.couplings), np.asarray(J), rtol=1e-12, atol=1e-14)


def test_free_run_trace_has_zero_accuracy():
    J = np.array([[0.0, 1.0, -0.5], [1.0, 0.0, 0.3], [-0.5, 0.3, 0.0]])
    res = fepnet.free_run(KEY, fepnet.Network(J), 6, inverse_temperature=1.3, free_energy=True, progress=False)
    fe = res.free_energy
    assert fe.free_energy.shape == (6, 1)
    np.testing.assert_array_equal(np.asarray(fe.accuracy), 0.0)  # b = 0 throughout
    np.testing.assert_allclose(np.asarray(fe.free_energy), np.asarray(fe.complexity), rtol=1e-6)
    # the first step starts from sigma = 0: h = 0, lambda = 0, F = -N H(0) = -N log 2
    assert float(fe.free_energy[0, 0]) == pytest.approx(-3 * np.log(2), rel=1e-6)


def test_free_energy_terms_agrees_with_mean_field_free_energy(x64):
    rng = np.random.default_rng(0)
    J = rng.normal(size=(5, 5))
    np.fill_diagonal(J, 0.0)  # asymmetric: only Js enters m^T J m
    b = rng.normal(size=5)
    lam = rng.uniform(-4, 4, (3, 5))
    it = 0.6
    terms = free_energy_terms(jnp.asarray(J), jnp.asarray(b), jnp.asarray(lam), it)
    net = fepnet.Network(J, b)
    m = np.asarray(cb.langevin(lam))
    np.testing.assert_allclose(np.asarray(terms.free_energy), np.asarray(mean_field_free_energy(net, m, it)), rtol=1e-10)
    # and with the formula written out, using the symmetric part
    Js = 0.5 * (J + J.T)
    want = -it * (m @ b + 0.5 * np.einsum("ki,ij,kj->k", m, Js, m)) - np.asarray(cb.entropy(lam)).sum(axis=1)
    np.testing.assert_allclose(np.asarray(terms.free_energy), want, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(terms.accuracy), it * m @ b, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(terms.free_energy), np.asarray(terms.complexity - terms.accuracy), rtol=1e-12)
