"""The batched FEP training: every network bit-identical to fepnet.train with the same key."""

import jax
import numpy as np
import pytest

import fepnet
from fepnet.capacity.patterns import pattern_family
from fepnet.capacity.training import PROTOCOL, Protocol, train_networks


def test_protocol_is_simulation_5():
    assert PROTOCOL == Protocol(n_epochs=10_000, steps_per_epoch=10, evidence_level=2.0, inverse_temperature=1.0,
                                learning_rate=0.0005)


def test_each_network_equals_fepnet_train_bit_for_bit():
    protocol = Protocol(n_epochs=120)
    P = pattern_family(jax.random.key(3), "random", 3, 12, 16)
    counts = np.array([12, 5, 9])  # different K in one batch: the padding is never read
    keys = jax.random.split(jax.random.key(7), 3)
    # 3 networks in chunks of 2 (the last padded), epochs in chunks of 50 (uneven): nothing may change
    J = train_networks(keys, P, counts, protocol=protocol, chunk_networks=2, chunk_epochs=50, progress=False)
    for b in range(3):
        ref = fepnet.train(keys[b], P[b, :counts[b]], n_epochs=120, steps_per_epoch=10, inverse_temperature=1.0,
                           learning_rate=0.0005, evidence_level=2.0, order="random", reset_state=True,
                           progress=False)
        np.testing.assert_array_equal(J[b], np.asarray(ref.network.couplings))
    assert np.all(np.diagonal(J, axis1=1, axis2=2) == 0)
    assert not np.allclose(J, np.swapaxes(J, 1, 2))  # the FEP rule is not symmetric


@pytest.mark.parametrize("counts, match", [([0, 5], "n_patterns"), ([5, 13], "n_patterns"), ([5], "n_patterns")])
def test_bad_counts_are_named(counts, match):
    P = pattern_family(jax.random.key(0), "random", 2, 12, 16)
    with pytest.raises(ValueError, match=match):
        train_networks(jax.random.split(jax.random.key(0), 2), P, np.array(counts), progress=False)


def test_keys_must_be_typed_keys():
    P = pattern_family(jax.random.key(0), "random", 2, 12, 16)
    with pytest.raises(TypeError, match="keys"):
        train_networks(np.zeros((2, 2), np.uint32), P, np.array([3, 3]), progress=False)
