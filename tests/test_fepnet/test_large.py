"""Large single networks (#18): J updated in place, no hidden N x N buffers, memory refused up front,
streaming save / load, Network.random in row blocks with the same bits, update="epoch"."""

import os
import pathlib
import subprocess
import sys
import zipfile

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fepnet
from fepnet import Network, inplace, memory_plan, network_file
from fepnet.infra import checks
from fepnet.learning import LearningState
from fepnet.training import run_epochs, run_epochs_in_place

ROOT = pathlib.Path(__file__).resolve().parents[2]
KW = dict(inverse_temperature=0.5, learning_rate=0.01, evidence_level=2.0, progress=False)


def _bits(x):
    x = np.asarray(x)
    return x.dtype, x.shape, x.tobytes()


# ---------------------------------------------------------------- donation


def test_the_donating_drivers_give_the_bits_of_the_pure_core():
    """train chains donated chunks; the same epochs through the public, non-donating run_epochs agree bit for bit,
    and a caller's initial network is left intact."""
    n = 64
    pats = fepnet.data.random_patterns(jax.random.key(7), 4, n)
    key = jax.random.key(3)
    result = fepnet.train(key, pats, n_epochs=4, chunk_epochs=2, **KW)
    k_order, k_steps = jax.random.split(key)
    index = fepnet.pattern_order(k_order, 4, 4)
    state = fepnet.init_learning_state(n)
    for start, stop in ((0, 2), (2, 4)):
        state, _ = run_epochs(k_steps, state, pats * 2.0, index[start:stop], jnp.float32(0.5), jnp.float32(0.01),
                              steps_per_epoch=10, first_epoch=start)
    assert _bits(result.network.couplings) == _bits(state.couplings)
    assert _bits(result.state.sigma) == _bits(state.sigma)
    start = fepnet.init_learning_state(n)  # the in-place core itself: same bits, its input consumed
    args = (k_steps, start, pats * 2.0, index[:2], jnp.float32(0.5), jnp.float32(0.01))
    pure, _ = run_epochs(*args, steps_per_epoch=10)
    new, _, bad = run_epochs_in_place(*args, steps_per_epoch=10)
    assert start.couplings.is_deleted() and _bits(new.couplings) == _bits(pure.couplings)
    assert bad.shape == (2, 10) and not bad.any()
    again = fepnet.train(key, pats, n_epochs=2, chunk_epochs=2, initial=result.network, **KW)
    assert not result.network.couplings.is_deleted()  # the caller's J survives (training worked on a copy)
    assert np.isfinite(np.asarray(result.network.couplings)).all() and again.network.size == n


def test_no_hidden_square_buffers_in_the_compiled_chunks():
    """XLA's own accounting: a chunk's temporaries (O(N) vectors, one epoch's uniforms, update="epoch"'s 1 MB
    row block) stay below N^2 bytes: the hoisted diagonal mask was N^2 bytes, a copy of J would be 4 N^2."""
    n = 2048
    state = LearningState(jax.ShapeDtypeStruct((n, n), jnp.float32), jax.ShapeDtypeStruct((n,), jnp.float32))
    pats = jax.ShapeDtypeStruct((3, n), jnp.float32)
    for update, epochs in (("step", 2), ("epoch", 1)):
        compiled = run_epochs_in_place.lower(
            jax.random.key(0), state, pats, jax.ShapeDtypeStruct((epochs,), jnp.int32), jnp.float32(1.0),
            jnp.float32(0.01), steps_per_epoch=10, update=update).compile()
        stats = compiled.memory_analysis()
        assert stats.temp_size_in_bytes < n * n, (update, epochs, stats.temp_size_in_bytes)
        assert stats.alias_size_in_bytes >= n * n * 4, (update, epochs, stats)  # J updated in its own buffer


# ---------------------------------------------------------------- memory estimate


def test_a_network_that_cannot_fit_is_refused_before_allocation(monkeypatch, tmp_path):
    monkeypatch.setattr(memory_plan, "available_bytes", lambda: (10**9, "this machine"))
    pats = jnp.ones((1, 20_000))
    with pytest.raises(ValueError, match=r"train from scratch needs about 1\.87 GB \(N=20000, float32: J alone is "
                                         r"1\.6 GB\), more than the 1 GB available on this machine"):
        fepnet.train(jax.random.key(0), pats, n_epochs=1, progress=False)
    for make in (lambda: Network.zeros(20_000), lambda: Network.random(jax.random.key(0), 20_000)):
        with pytest.raises(ValueError, match=r"Network\.\w+\(n=20000\) needs about .* GB \(N=20000"):
            make()
    small = Network.zeros(8)
    monkeypatch.setattr(memory_plan, "available_bytes", lambda: (1000, "cpu:0"))
    with pytest.raises(ValueError, match=r"free_run from a given network \(its J and a working copy\) needs about "
                                         r".* \(N=8, float32.*available on cpu:0"):
        fepnet.free_run(jax.random.key(0), small, 3, progress=False)
    # a file whose header announces a large J is refused before its rows are read
    path = tmp_path / "big.npz"
    with zipfile.ZipFile(path, "w") as zf:
        with zf.open("format.npy", "w") as fh:
            np.lib.format.write_array(fh, np.asarray(network_file.FILE_FORMAT))
        with zf.open("couplings.npy", "w") as fh:
            np.lib.format.write_array_header_1_0(fh, {"descr": "<f4", "fortran_order": False, "shape": (30_000, 30_000)})
        with zf.open("biases.npy", "w") as fh:
            np.lib.format.write_array(fh, np.zeros(30_000, np.float32))
    with pytest.raises(ValueError, match=r"Network\.load of .*big\.npz needs about .* \(N=30000, float32: J alone is 3\.6 GB"):
        Network.load(path)


def test_the_estimate_reads_the_host_or_the_accelerator():
    available, where = memory_plan.available_bytes()
    assert available is None or available > 0
    assert where == "this machine" or ":" in where
    assert memory_plan.couplings_bytes(50_000, np.float32) == 10**10


# ---------------------------------------------------------------- finiteness without temporaries


def test_all_finite_on_large_arrays():
    big = np.zeros((1 << 10, 1 << 10), np.float32)
    assert checks.all_finite(big) and checks.all_finite(jnp.asarray(big))
    for bad in (np.nan, np.inf, -np.inf):
        x = big.copy()
        x[700, 3] = bad
        assert not checks.all_finite(x) and not checks.all_finite(jnp.asarray(x))
    assert checks.all_finite(np.full((1 << 20,), 3e38, np.float32))  # large but finite: 3e38 * 0 is 0
    J = jnp.asarray(big)
    assert checks.as_real_array(J, "couplings") is J  # a large JAX array is checked in place, not copied
    with pytest.raises(ValueError, match="couplings contains non-finite values"):
        checks.as_real_array(J.at[5, 5].set(jnp.nan), "couplings")


# ---------------------------------------------------------------- Network.random and the constructor


def _eager_random(key, n, scale, density, symmetric, dtype=jnp.float32):
    """Network.random's couplings as written before #18 (eager, whole-matrix)."""
    k_w, k_e, _ = jax.random.split(key, 3)
    w = scale * jax.random.normal(k_w, (n, n), dtype)
    edge = jax.random.uniform(k_e, (n, n)) < density
    off = ~jnp.eye(n, dtype=bool)
    if symmetric:
        upper = jnp.triu(jnp.ones((n, n), bool), 1)
        w, edge = jnp.where(upper, w, w.T), jnp.where(upper, edge, edge.T)
    return jnp.where(edge & off, w, 0.0).astype(dtype)


def test_random_networks_keep_their_bits():
    """Drawn in row blocks (threefry) and mirrored in place, Network.random gives the bits of the eager draw."""
    n, key = 17, jax.random.key(17)
    net = Network.random(key, n, coupling_scale=0.37, density=0.4)
    assert _bits(net.couplings) == _bits(_eager_random(key, n, 0.37, 0.4, True))
    assert inplace._blocks_agree(jnp.float32)  # the self-check: 7 x 7 in blocks of 3 (the last one overlapping)


def test_zero_diagonal_is_the_eager_product():
    J = jnp.asarray(np.random.default_rng(0).normal(size=(23, 23)), jnp.float32)
    assert _bits(Network(J, zero_diagonal=True).couplings) == _bits(J * (1 - jnp.eye(23)))


# ---------------------------------------------------------------- files


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(network_file, "BLOCK_BYTES", 3 * 37 * 4)  # 3 rows of N = 37 per block, a partial last one


def test_save_load_streams_rows_and_round_trips_exactly(tmp_path, small_blocks):
    net = Network.random(jax.random.key(0), 37, bias_scale=0.3, symmetric=False)
    path = tmp_path / "net.npz"
    net.save(path)
    back = Network.load(path)
    assert _bits(back.couplings) == _bits(net.couplings) and _bits(back.biases) == _bits(net.biases)
    with np.load(path) as data:  # still a plain .npz
        assert str(data["format"]) == "fepnet.Network/1"
        assert _bits(data["couplings"]) == _bits(net.couplings)
    old = tmp_path / "old.npz"  # a file as Network.save wrote it before #18
    np.savez(old, format=np.asarray("fepnet.Network/1"), couplings=np.asarray(net.couplings),
             biases=np.asarray(net.biases))
    assert _bits(Network.load(old).couplings) == _bits(net.couplings)
    wide = tmp_path / "wide.npz"  # float64 on disk, float32 in memory (unless x64), as before
    np.savez(wide, format=np.asarray("fepnet.Network/1"), couplings=np.asarray(net.couplings, np.float64),
             biases=np.asarray(net.biases, np.float64))
    assert _bits(Network.load(wide).couplings) == _bits(net.couplings)
    bad = np.asarray(net.couplings, np.float64).copy()
    bad[30, 2] = 1e39
    np.savez(wide, format=np.asarray("fepnet.Network/1"), couplings=bad, biases=np.zeros(37))
    with pytest.raises(ValueError, match=r"beyond the range of float32 \(largest magnitude 1e\+39\)"):
        Network.load(wide)


def test_save_load_float64_exact(tmp_path, x64, small_blocks):
    net = Network(np.random.default_rng(1).normal(size=(37, 37)), np.ones(37) / 3, zero_diagonal=True)
    assert net.dtype == jnp.float64
    net.save(tmp_path / "n64.npz")
    assert _bits(Network.load(tmp_path / "n64.npz").couplings) == _bits(net.couplings)


# ---------------------------------------------------------------- update="epoch"


def test_update_per_epoch_is_the_same_rule_with_other_rounding():
    pats = fepnet.data.random_patterns(jax.random.key(7), 4, 64)
    for options in ({}, dict(reset_state=True, trace=True, precision_weighted=True)):
        step = fepnet.train(jax.random.key(0), pats, n_epochs=14, chunk_epochs=7, **options, **KW)
        epoch = fepnet.train(jax.random.key(0), pats, n_epochs=14, chunk_epochs=7, update="epoch", **options, **KW)
        J_step, J_epoch = np.asarray(step.network.couplings), np.asarray(epoch.network.couplings)
        assert np.abs(J_epoch - J_step).max() <= 1e-5 * np.abs(J_step).max(), options
        assert not np.diagonal(J_epoch).any()
        if options.get("trace"):
            assert epoch.states.shape == step.states.shape
    for bad, match in ((dict(update="never"), "update must be one of"),
                       (dict(update="epoch", mask=np.ones((64, 64))), "mask needs update='step'"),
                       (dict(update="epoch", free_energy=True), "free_energy=True needs update='step'")):
        with pytest.raises(ValueError, match=match):
            fepnet.train(jax.random.key(0), pats, n_epochs=1, **bad, **KW)


# ---------------------------------------------------------------- peak memory at N = 10,000 (slow)

_PEAK_SCRIPT = r"""
import resource, sys, jax, jax.numpy as jnp, numpy as np, fepnet
n = int(sys.argv[1])
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
warm = fepnet.train(jax.random.key(0), fepnet.data.random_patterns(jax.random.key(1), 3, 8), n_epochs=1, progress=False)
base = rss()
pats = fepnet.data.random_patterns(jax.random.key(1), 5, n)
net = fepnet.train(jax.random.key(0), pats, n_epochs=2, steps_per_epoch=3, progress=False).network
kernel, params = fepnet.build_kernel("synchronous"), fepnet.kernel_params(net, 1.0)
final, _ = fepnet.run(kernel, jax.random.key(2), fepnet.init_state(net, pats[0]), params, 3)
relaxed = fepnet.relax(net, pats[:2], 1.0, max_steps=3)
print(base, rss(), float(jnp.abs(net.couplings).max()), float(final.sigma.sum() + relaxed.sigma.sum()))
"""


@pytest.mark.slow
def test_training_and_inference_at_n_10000_hold_one_J():
    """Peak RSS growth of train, run and relax at N = 10,000: within 1.3 x bytes(J) plus a fixed overhead."""
    n = 10_000
    out = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(n)], capture_output=True, text=True, check=True,
                         timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.split()
    base, peak, largest = int(out[0]), int(out[1]), float(out[2])
    J = n * n * 4
    assert largest > 0 and np.isfinite(float(out[3]))
    assert peak - base <= 1.3 * J + 200 * 2**20, (peak - base) / J
