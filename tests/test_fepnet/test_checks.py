"""Bad input at the public boundary raises a clear ValueError / TypeError naming the argument."""

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest

import fepnet
from fepnet import Network


def _net(n=3):
    J = np.full((n, n), 0.5, np.float32)
    np.fill_diagonal(J, 0)
    return Network(J, np.zeros(n, np.float32))


# --- Network ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "couplings, exc, match",
    [
        (np.zeros((2, 3)), ValueError, "couplings must be square"),
        (np.zeros(3), ValueError, "couplings must be 2-dimensional"),
        (np.zeros((2, 2, 2)), ValueError, "couplings must be 2-dimensional"),
        (np.array([[0.0, np.nan], [1.0, 0.0]]), ValueError, "couplings contains non-finite"),
        (np.array([[0.0, np.inf], [1.0, 0.0]]), ValueError, "couplings contains non-finite"),
        (np.array([[0.0, -np.inf], [1.0, 0.0]]), ValueError, "couplings contains non-finite"),
        (np.zeros((2, 2), np.complex64), TypeError, "couplings must hold real numbers"),
        (np.zeros((2, 2), bool), TypeError, "couplings must hold real numbers"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "couplings must hold real numbers"),
        ([[0.0, 1.0], [1.0]], TypeError, "couplings"),
        (None, TypeError, "couplings"),
        (np.array([[1.0, 0.5], [0.5, 0.0]]), ValueError, "zero diagonal"),
    ],
    ids=["nonsquare", "1d", "3d", "nan", "inf", "-inf", "complex", "bool", "str", "ragged", "none", "diagonal"],
)
def test_network_rejects_bad_couplings(couplings, exc, match):
    with pytest.raises(exc, match=match):
        Network(couplings)


@pytest.mark.parametrize(
    "biases, exc, match",
    [
        (np.array([0.0, np.nan]), ValueError, "biases contains non-finite"),
        (np.array([np.inf, 0.0]), ValueError, "biases contains non-finite"),
        (np.zeros(3), ValueError, r"biases must have shape \(2,\)"),
        (np.zeros((2, 1)), ValueError, "biases must be 1-dimensional"),
        (np.zeros(2, np.complex128), TypeError, "biases must hold real numbers"),
        (np.array([True, False]), TypeError, "biases must hold real numbers"),
    ],
)
def test_network_rejects_bad_biases(biases, exc, match):
    with pytest.raises(exc, match=match):
        Network(np.zeros((2, 2)), biases)


def test_network_methods_reject_bad_input():
    net = _net(3)
    with pytest.raises(ValueError, match="evidence must have shape"):
        net.with_evidence([1.0, 2.0])
    with pytest.raises(ValueError, match="evidence contains non-finite"):
        net.with_evidence([1.0, np.nan, 0.0])
    with pytest.raises(ValueError, match="biases must have shape"):
        net.with_biases(np.zeros(4))
    with pytest.raises(ValueError, match="sigma must have shape"):
        net.energy(np.zeros(4))
    with pytest.raises(ValueError, match=r"sigma must lie in \[-1, 1\]"):
        net.energy(np.array([0.0, 1.5, 0.0]))
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        net.log_density(np.zeros(3), -1.0)
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        net.log_density(np.zeros(3), 0.0)
    with pytest.raises(TypeError, match="inverse_temperature"):
        net.log_density(np.zeros(3), True)
    with pytest.raises(ValueError, match="inverse_temperature must be a scalar"):
        net.log_density(np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match="couplings must have a zero diagonal"):
        net.replace(couplings=np.eye(3))
    with pytest.raises(ValueError, match="n must be >= 1"):
        Network.zeros(0)
    with pytest.raises(TypeError, match="n must be an integer"):
        Network.zeros(2.0)


def test_load_float64_without_x64_casts_then_checks(tmp_path, x32):
    """A float64 file loads in the working dtype (float32 with x64 off), checked after the cast (#16 cause 10)."""
    path = tmp_path / "f64.npz"
    J = np.array([[0.0, 1 / 3], [-0.25, 0.0]])
    np.savez(path, format=np.asarray("fepnet.Network/1"), couplings=J, biases=np.array([0.5, 1e-3]))
    net = Network.load(path)
    assert net.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(net.couplings), J.astype(np.float32))
    big = tmp_path / "big.npz"
    np.savez(big, format=np.asarray("fepnet.Network/1"), couplings=np.array([[0.0, 1e39], [1e39, 0.0]]),
             biases=np.zeros(2))
    with pytest.raises(ValueError, match="not a fepnet network file: .*big.npz .*couplings.*float32"):
        Network.load(big)


# --- kernels and run ---------------------------------------------------------------------------------------


def test_params_validation():
    net = _net(3)
    for bad in (-1.0, 0.0, -1e-9, np.nan, np.inf):
        with pytest.raises(ValueError, match="inverse_temperature"):
            fepnet.kernel_params(net, bad)
    with pytest.raises(ValueError, match="evidence must have shape"):
        fepnet.kernel_params(net, 1.0, evidence=np.zeros(4))
    with pytest.raises(ValueError, match="evidence contains non-finite"):
        fepnet.kernel_params(net, 1.0, evidence=np.array([0.0, np.nan, 0.0]))
    with pytest.raises(TypeError, match="network must be a fepnet.Network"):
        fepnet.kernel_params(np.zeros((3, 3)), 1.0)
    with pytest.raises(TypeError, match="inverse_temperature"):
        fepnet.kernel_params(net, 1j)
    with pytest.raises(ValueError, match="sigma must have shape"):
        fepnet.init_state(net, np.zeros(2))
    with pytest.raises(ValueError, match="sigma must lie"):
        fepnet.init_state(net, np.array([0.0, 2.0, 0.0]))


def test_build_kernel_validation():
    net = _net(3)
    with pytest.raises(ValueError, match="schedule must be one of"):
        fepnet.build_kernel("gibbs")
    with pytest.raises(ValueError, match="schedule"):
        fepnet.build_kernel("Synchronous")
    with pytest.raises(TypeError, match="stochastic must be a bool"):
        fepnet.build_kernel("sequential", stochastic=1)
    with pytest.raises(ValueError, match="coloring is only used by the 'chromatic' schedule"):
        fepnet.build_kernel("sequential", coloring=[[0, 1, 2]])
    with pytest.raises(ValueError, match="chromatic.*needs a network"):
        fepnet.build_kernel("chromatic")
    with pytest.raises(ValueError, match="partition the nodes"):
        fepnet.build_kernel("chromatic", network=net, coloring=[[0, 1]])


def test_chromatic_rejects_improper_coloring():
    J = np.zeros((4, 4), np.float32)
    for i, j in nx.path_graph(4).edges:  # 0-1-2-3
        J[i, j] = J[j, i] = 1.0
    net = Network(J)
    with pytest.raises(ValueError, match="coloring is not proper"):
        fepnet.build_kernel("chromatic", network=net, coloring=[[0, 1], [2, 3]])
    # a directed (one-way) coupling also forbids a shared colour
    D = np.zeros((3, 3), np.float32)
    D[2, 0] = 0.4
    with pytest.raises(ValueError, match="coloring is not proper"):
        fepnet.build_kernel("chromatic", network=Network(D), coloring=[[0, 2], [1]])
    # not a partition
    with pytest.raises(ValueError, match="coloring must partition"):
        fepnet.build_kernel("chromatic", network=net, coloring=[[0, 2], [1]])
    with pytest.raises(ValueError, match="coloring must partition"):
        fepnet.build_kernel("chromatic", network=net, coloring=[[0, 2], [1, 3], [2]])
    with pytest.raises(ValueError, match="coloring must partition"):
        fepnet.build_kernel("chromatic", network=net, coloring=[[0, 2], [1, 4]])
    # the proper one is accepted
    assert fepnet.build_kernel("chromatic", network=net, coloring=[[0, 2], [1, 3]]).coloring == ((0, 2), (1, 3))


def test_run_validation():
    net = _net(3)
    k = fepnet.build_kernel("sequential")
    st, prm, key = fepnet.init_state(net), fepnet.kernel_params(net, 1.0), jax.random.key(0)
    with pytest.raises(TypeError, match="n_steps must be an integer"):
        fepnet.run(k, key, st, prm, 10.0)
    with pytest.raises(TypeError, match="n_steps must be an integer"):
        fepnet.run(k, key, st, prm, 2.5)
    with pytest.raises(TypeError, match="n_steps must be an integer"):
        fepnet.run(k, key, st, prm, True)
    with pytest.raises(TypeError, match="n_steps must be an integer"):
        fepnet.run(k, key, st, prm, "10")
    with pytest.raises(ValueError, match="n_steps must be >= 0"):
        fepnet.run(k, key, st, prm, -1)
    with pytest.raises(ValueError, match="thin must be >= 1"):
        fepnet.run(k, key, st, prm, 10, thin=0)
    with pytest.raises(TypeError, match="thin must be an integer"):
        fepnet.run(k, key, st, prm, 10, thin=1.5)
    with pytest.raises(ValueError, match="key is required"):
        fepnet.run(k, None, st, prm, 10)
    with pytest.raises(ValueError, match="key is required"):
        fepnet.run(fepnet.build_kernel("random-scan", stochastic=False), None, st, prm, 10)
    with pytest.raises(TypeError, match="key must be a JAX PRNG key"):
        fepnet.run(k, 0, st, prm, 10)
    with pytest.raises(TypeError, match="key must be a JAX PRNG key"):
        fepnet.run(k, np.zeros(2, np.float32), st, prm, 10)
    with pytest.raises(TypeError, match="kernel must be a fepnet Kernel"):
        fepnet.run("sequential", key, st, prm, 10)
    with pytest.raises(TypeError, match="state must be a ChainState"):
        fepnet.run(k, key, np.zeros(3), prm, 10)
    with pytest.raises(TypeError, match="params must be KernelParams"):
        fepnet.run(k, key, st, net, 10)
    with pytest.raises(ValueError, match="state.sigma has 4 nodes"):
        fepnet.run(k, key, fepnet.init_state(_net(4)), prm, 10)
    # KernelParams built by hand bypass params(): run still refuses a negative iT
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        fepnet.run(k, key, st, fepnet.KernelParams(net, jnp.float32(-1.0)), 10)


def test_relax_validation():
    net = _net(3)
    s = np.zeros(3)
    with pytest.raises(ValueError, match="inverse_temperature"):
        fepnet.relax(net, s, -2.0)
    with pytest.raises(ValueError, match="schedule must be one of"):
        fepnet.relax(net, s, schedule="parallel")
    with pytest.raises(ValueError, match="key is required"):
        fepnet.relax(net, s, schedule="random-scan")
    with pytest.raises(TypeError, match="max_steps must be an integer"):
        fepnet.relax(net, s, max_steps=10.0)
    with pytest.raises(ValueError, match="max_steps must be >= 1"):
        fepnet.relax(net, s, max_steps=0)
    with pytest.raises(ValueError, match="tol must be positive"):
        fepnet.relax(net, s, tol=0.0)
    with pytest.raises(ValueError, match="sigma must have shape"):
        fepnet.relax(net, np.zeros(4))
    with pytest.raises(ValueError, match="sigma contains non-finite"):
        fepnet.relax(net, np.array([0.0, np.nan, 0.0]))
    with pytest.raises(ValueError, match="inverse_temperature"):
        fepnet.mean_field_free_energy(net, np.zeros(3), -1.0)
    with pytest.raises(ValueError, match="m must have shape"):
        fepnet.mean_field_free_energy(net, np.zeros(2), 1.0)


# --- learning and training ----------------------------------------------------------------------------------


def test_learning_validation():
    with pytest.raises(ValueError, match="learning_rate must be non-negative"):
        fepnet.learning_params(np.zeros(3), 1.0, -0.1)
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        fepnet.learning_params(np.zeros(3), -1.0, 0.1)
    with pytest.raises(ValueError, match="biases contains non-finite"):
        fepnet.learning_params(np.array([0.0, np.nan, 1.0]), 1.0, 0.1)
    with pytest.raises(ValueError, match=r"mask must have shape \(3, 3\)"):
        fepnet.learning_params(np.zeros(3), 1.0, 0.1, mask=np.ones((2, 2)))
    with pytest.raises(ValueError, match="mask must be a square matrix"):
        fepnet.coupling_mask(np.ones((2, 3)))
    with pytest.raises(ValueError, match="mask must be boolean"):
        fepnet.coupling_mask(np.full((2, 2), 0.5))
    g = nx.Graph()
    g.add_edge("a", "b")
    with pytest.raises(ValueError, match="mask graph nodes must be the integers"):
        fepnet.coupling_mask(g)
    with pytest.raises(TypeError, match="network must be a fepnet.Network or a node count"):
        fepnet.init_learning_state(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="sigma must have shape"):
        fepnet.init_learning_state(_net(3), np.zeros((2, 3)))


def test_train_validation():
    key = jax.random.key(0)
    pats = np.ones((2, 4))
    kw = dict(n_epochs=2, steps_per_epoch=1, progress=False)
    with pytest.raises(ValueError, match="initial network has 5 nodes, patterns have 4"):
        fepnet.train(key, pats, initial=Network.zeros(5), **kw)
    with pytest.raises(ValueError, match="initial state has 5 nodes, patterns have 4"):
        fepnet.train(key, pats, initial=fepnet.init_learning_state(5), **kw)
    with pytest.raises(TypeError, match="initial must be None, a Network or a LearningState"):
        fepnet.train(key, pats, initial=np.zeros((4, 4)), **kw)
    with pytest.raises(ValueError, match="patterns must be 2-dimensional"):
        fepnet.train(key, np.ones(4), **kw)
    with pytest.raises(ValueError, match="patterns must be a non-empty"):
        fepnet.train(key, np.ones((0, 4)), **kw)
    with pytest.raises(ValueError, match="patterns contains non-finite"):
        fepnet.train(key, np.array([[0.0, np.nan, 0.0, 0.0]]), **kw)
    with pytest.raises(TypeError, match="patterns must hold real numbers"):
        fepnet.train(key, np.ones((2, 4), complex), **kw)
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        fepnet.train(key, pats, inverse_temperature=-0.5, **kw)
    with pytest.raises(ValueError, match="learning_rate must be non-negative"):
        fepnet.train(key, pats, learning_rate=-1e-3, **kw)
    with pytest.raises(ValueError, match="order must be one of"):
        fepnet.train(key, pats, order="shuffled", **kw)
    with pytest.raises(TypeError, match="n_epochs must be an integer"):
        fepnet.train(key, pats, n_epochs=2.0, steps_per_epoch=1, progress=False)
    with pytest.raises(ValueError, match="steps_per_epoch must be >= 1"):
        fepnet.train(key, pats, n_epochs=2, steps_per_epoch=0, progress=False)
    with pytest.raises(ValueError, match="chunk_epochs must be >= 1"):
        fepnet.train(key, pats, chunk_epochs=0, **kw)
    with pytest.raises(ValueError, match=r"mask must have shape \(4, 4\)"):
        fepnet.train(key, pats, mask=np.ones((3, 3)), **kw)
    with pytest.raises(ValueError, match="evidence_level must be 0-dimensional"):
        fepnet.train(key, pats, evidence_level=np.ones(4), **kw)
    with pytest.raises(TypeError, match="key must be a JAX PRNG key"):
        fepnet.train(0, pats, **kw)
    with pytest.raises(TypeError, match="initial must be a Network or a LearningState"):
        fepnet.free_run(key, None, 3, progress=False)



# --- scalars checked in a working dtype; allocations (#16) --------------------------------------------------


def test_scalars_checked_after_the_cast_to_a_given_dtype(x64):
    from fepnet.infra import checks as v

    out = v.positive_scalar(0.1, "inverse_temperature", dtype=jnp.float32)
    assert out.dtype == jnp.float32 and out == v.positive_scalar(0.1, "x").astype(jnp.float32)  # same value
    with pytest.raises(ValueError, match="inverse_temperature holds values beyond the range of float32"):
        v.positive_scalar(1e39, "inverse_temperature", dtype=jnp.float32)
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        v.positive_scalar(1e-50, "inverse_temperature", dtype=jnp.float32)  # 0 after the cast
    assert float(v.nonnegative_scalar(1e-50, "learning_rate", dtype=jnp.float32)) == 0.0
    with pytest.raises(ValueError, match="learning_rate holds values beyond the range of float16"):
        v.nonnegative_scalar(1e5, "learning_rate", dtype=jnp.float16)


def test_allocation_refuses_more_than_the_device_memory():
    from fepnet.infra import checks as v
    from fepnet.infra.resources import device_memory_bytes

    limit, where = device_memory_bytes()
    assert limit is None or limit > 2**20
    assert v.allocation(2**20, "a megabyte") == 2**20
    with pytest.raises(ValueError, match=r"trace=True with n_steps=9 would record 1e\+12 GB, more than the .* GB "
                                         f"of memory of {where}"):
        v.allocation(10**21, "trace=True with n_steps=9")
