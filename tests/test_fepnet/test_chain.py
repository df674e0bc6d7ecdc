"""fepnet.run at its boundary (#16): the given ChainState, the inverse temperature and the counts are checked."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fepnet
from fepnet import ChainState, KernelParams, Network

_J = np.array([[0.0, 0.5, -0.3, 0.2], [0.5, 0.0, 0.4, -0.1], [-0.3, 0.4, 0.0, 0.6], [0.2, -0.1, 0.6, 0.0]])
NET = Network(_J, np.array([0.1, -0.2, 0.3, 0.0]))
KERNEL = fepnet.build_kernel("synchronous")
PARAMS = fepnet.kernel_params(NET, 0.8)
KEY = jax.random.key(0)


def _final(state, n_steps=5, params=PARAMS):
    return fepnet.run(KERNEL, KEY, state, params, n_steps)[0].sigma


@pytest.mark.parametrize("sigma, match", [
    (jnp.full(4, jnp.nan), "state.sigma contains non-finite values"),
    (np.array([0.0, np.inf, 0.0, 0.0]), "state.sigma contains non-finite values"),
    (jnp.full(4, 5.0), r"state.sigma must lie in \[-1, 1\]"),
    (np.array([0.0, 1e39, 0.0, 0.0]), "state.sigma holds values beyond the range of float32"),
    (jnp.zeros((4, 4)), r"state.sigma must have shape \(4,\)"),  # a batch: was silently a matrix product
    (jnp.zeros((2, 4)), r"state.sigma must have shape \(4,\)"),  # was a raw dot_general error
    (jnp.zeros(3), "state.sigma has 3 nodes but the network has 4"),
])
def test_cause04_run_refuses_a_bad_state(sigma, match):
    with pytest.raises(ValueError, match=match):
        _final(ChainState(sigma))


@pytest.mark.parametrize("sigma", [np.zeros(4, bool), np.zeros(4, complex), "0000", None])
def test_cause04_run_refuses_a_state_of_the_wrong_type(sigma):
    with pytest.raises(TypeError, match="state.sigma"):
        _final(ChainState(sigma))


def test_cause04_integer_and_low_precision_states_take_the_network_dtype():
    """An integer state raised a raw JAX dtype error, a float16 one a scan carry-type error."""
    reference = _final(fepnet.init_state(NET, np.array([1.0, 0.0, -1.0, 0.0])))
    for sigma in (jnp.array([1, 0, -1, 0], jnp.int32), np.array([1, 0, -1, 0], np.int8), [1, 0, -1, 0],
                  jnp.array([1, 0, -1, 0], jnp.float16)):
        out = _final(ChainState(sigma))
        assert out.dtype == NET.dtype
        np.testing.assert_array_equal(np.asarray(out), np.asarray(reference))


def test_cause04_state_checks_are_skipped_under_vmap_only():
    """Under vmap the state is a tracer (documented: value checks skipped); the results are unchanged."""
    starts = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (3, 4)), jnp.float32)
    batched = jax.vmap(lambda s: _final(ChainState(s)))(starts)
    for i in range(3):  # bit for bit on CPU; a GPU's batched matmul may round differently (seen: 1 ulp on an H100)
        one = np.asarray(_final(ChainState(starts[i])))
        if jax.default_backend() == "cpu":
            np.testing.assert_array_equal(np.asarray(batched[i]), one)
        else:
            np.testing.assert_allclose(np.asarray(batched[i]), one, rtol=0, atol=4 * np.finfo(np.float32).eps)


@pytest.mark.parametrize("it, error, match", [
    (jnp.float32(jnp.inf), ValueError, "inverse_temperature contains non-finite"),
    (jnp.float32(jnp.nan), ValueError, "inverse_temperature contains non-finite"),
    (1e39, ValueError, "inverse_temperature holds values beyond the range of float32"),
    (1e-50, ValueError, "inverse_temperature must be positive"),  # 0 in float32
    (np.ones(4), ValueError, "inverse_temperature must be a scalar"),
    (None, TypeError, "inverse_temperature"),
])
def test_cause01_run_checks_hand_built_params_after_the_cast(it, error, match):
    """KernelParams built by hand bypass kernel_params(): run checks iT in the network's dtype."""
    with pytest.raises(error, match=match):
        _final(fepnet.init_state(NET), params=KernelParams(NET, it))


def test_cause01_run_with_a_float32_network_refuses_1e39_under_x64(x64):
    net32 = Network(np.asarray(_J, np.float32))
    with pytest.raises(ValueError, match="inverse_temperature holds values beyond the range of float32"):
        fepnet.run(KERNEL, KEY, fepnet.init_state(net32), KernelParams(net32, jnp.float64(1e39)), 3)
    # a hand-built float64 iT for a float32 network runs in float32 (was a scan carry-type error)
    out = fepnet.run(KERNEL, KEY, fepnet.init_state(net32), KernelParams(net32, jnp.float64(0.8)), 3)[0].sigma
    ref = fepnet.run(KERNEL, KEY, fepnet.init_state(net32), fepnet.kernel_params(net32, 0.8), 3)[0].sigma
    assert out.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(out), np.asarray(ref))


def test_cause01_run_refuses_params_without_a_network():
    with pytest.raises(TypeError, match="params.network must be a fepnet.Network"):
        _final(fepnet.init_state(NET), params=KernelParams(_J, 1.0))


@pytest.mark.parametrize("kw, match", [
    (dict(n_steps=2**40), "n_steps must be <= 2147483647"),
    (dict(n_steps=3, thin=10**12), "thin must be <= 2147483647"),
    (dict(n_steps=-1), "n_steps must be >= 0"),
    (dict(n_steps=3, thin=0), "thin must be >= 1"),
])
def test_cause14_run_refuses_huge_counts(kw, match):
    """These raised OverflowError tracebacks from JAX."""
    n_steps = kw.pop("n_steps")
    with pytest.raises(ValueError, match=match):
        fepnet.run(KERNEL, KEY, fepnet.init_state(NET), PARAMS, n_steps, **kw)


def test_cause14_run_refuses_a_trajectory_beyond_memory():
    net = Network.zeros(1000)
    with pytest.raises(ValueError, match=r"trace=True with n_steps=2147483647, thin=1 \(N=1000, float32\) "
                                         r"would record 8.59e\+03 GB, more than the .* GB of memory"):
        fepnet.run(KERNEL, KEY, fepnet.init_state(net), fepnet.kernel_params(net), 2**31 - 1, trace=True)
    # without the trace nothing is recorded: the same count is accepted (not run here) and thinning shrinks it
    with pytest.raises(ValueError, match="thin=2"):
        fepnet.run(KERNEL, KEY, fepnet.init_state(net), fepnet.kernel_params(net), 2**31 - 1, thin=2, trace=True)


@pytest.mark.parametrize("schedule", ["synchronous", pytest.param("random-scan", marks=pytest.mark.slow)])
def test_cause14_a_large_thin_draws_its_noise_in_bounded_chunks(schedule):
    """thin > NOISE_CHUNK used to draw the noise of all ``thin`` steps at once ((thin, N) uniforms);
    drawn chunk by chunk it gives the same states, bit for bit."""
    kernel = fepnet.build_kernel(schedule)
    start = fepnet.init_state(NET)
    _, every = fepnet.run(kernel, KEY, start, PARAMS, 700, trace=True)
    for thin in (fepnet.chain.NOISE_CHUNK, 2 * fepnet.chain.NOISE_CHUNK, 300):
        final, kept = fepnet.run(kernel, KEY, start, PARAMS, 700, thin=thin, trace=True)
        np.testing.assert_array_equal(np.asarray(kept), np.asarray(every[thin - 1::thin]))
        np.testing.assert_array_equal(np.asarray(final.sigma), np.asarray(every[-1]))
