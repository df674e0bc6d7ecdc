import jax.numpy as jnp
import numpy as np

import fepnet
from fepnet import cb


def test_deduplicate_rounds_and_keeps_first_appearance_order():
    x = np.array([[0.501, -0.2], [0.1, 0.1], [0.499, -0.2], [-0.0001, 0.1], [0.1, 0.1]])
    states, label = fepnet.deduplicate(x, decimals=2)
    np.testing.assert_array_equal(states, [[0.5, -0.2], [0.1, 0.1], [0.0, 0.1]])
    np.testing.assert_array_equal(label, [0, 1, 0, 2, 1])


def test_hopfield_like_network_has_both_sign_flipped_attractors():
    # J = p p^T (zero diagonal) with a strong gain stores +p and -p.
    p = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    J = np.outer(p, p)
    np.fill_diagonal(J, 0.0)
    net = fepnet.Network(J)
    starts = np.stack([0.3 * p, -0.3 * p, 0.2 * p + 0.05, -0.25 * p])
    found = fepnet.find_attractors(net, starts, inverse_temperature=2.0)
    assert found.count == 2
    assert bool(np.all(np.asarray(found.relaxed.converged)))
    np.testing.assert_array_equal(found.label, [0, 1, 0, 1])
    # each attractor is a fixed point m = L(iT J m) and aligned with +-p
    m = found.states
    np.testing.assert_allclose(m, np.round(np.asarray(cb.langevin(2.0 * m @ J.T)), 2), atol=0.011)
    assert np.all(np.sign(m[0]) == p) and np.all(np.sign(m[1]) == -p)


def test_zero_network_has_single_attractor_at_zero():
    found = fepnet.find_attractors(fepnet.Network(jnp.zeros((5, 5))), np.random.default_rng(0).uniform(-0.9, 0.9, (7, 5)))
    assert found.count == 1
    np.testing.assert_array_equal(found.states, np.zeros((1, 5)))
