"""Long-run soundness (#16, slow): 10^6 learning steps at the paper's settings stay finite.

10^5 epochs of 10 steps on N = 64 nodes, four random +-1 patterns, evidence level 20, iT = 1 and
learning rate 0.001 (the paper's training loop). Measured (CPU, float32): the plain rule ends at
max |J| ~ 61; the precision-weighted variant grows to ~1e15 and then stops learning (the states
saturate at +-1 and the error rounds to 0), finite. At iT = 10 the weighted variant overflows, which
must raise FloatingPointError naming the epoch, never return NaN couplings.
"""

import jax
import numpy as np
import pytest

import fepnet

pytestmark = pytest.mark.slow

N, N_EPOCHS, STEPS = 64, 100_000, 10
PATTERNS = np.sign(np.random.default_rng(0).standard_normal((4, N)))
PAPER = dict(n_epochs=N_EPOCHS, steps_per_epoch=STEPS, inverse_temperature=1.0, learning_rate=0.001,
             evidence_level=20.0, progress=False)


def _assert_sound(res):
    J, sigma = np.asarray(res.network.couplings), np.asarray(res.state.sigma)
    assert np.all(np.isfinite(J)), "non-finite couplings returned"
    assert np.all(np.isfinite(sigma)) and np.all(np.abs(sigma) <= 1)
    assert np.all(np.diagonal(J) == 0)
    return float(np.abs(J).max())


def test_a_million_learning_steps_stay_finite():
    biggest = _assert_sound(fepnet.train(jax.random.key(0), PATTERNS, **PAPER))
    assert biggest < 1e3, biggest  # measured ~61


@pytest.mark.parametrize("x64_on", [False, True], ids=["float32", "float64"])
def test_a_million_precision_weighted_steps_stay_finite(x64_on, request):
    request.getfixturevalue("x64" if x64_on else "x32")
    biggest = _assert_sound(fepnet.train(jax.random.key(0), PATTERNS, precision_weighted=True, **PAPER))
    assert biggest < np.finfo(np.float32).max, biggest  # measured ~1.5e15 (float32), ~9e16 (float64)


def test_precision_weighted_overflow_names_the_epoch():
    with pytest.raises(FloatingPointError, match=r"couplings became non-finite in epoch \d+ \(counting from 0\) "
                                                 r"of n_epochs=100000; lower learning_rate or inverse_temperature"):
        fepnet.train(jax.random.key(0), PATTERNS, precision_weighted=True, **{**PAPER, "inverse_temperature": 10.0})
