"""One network row-sharded over devices (``devices=``, :mod:`fepnet.sharding`): the same bits as one device.

Several host devices need ``XLA_FLAGS=--xla_force_host_platform_device_count=4`` before JAX starts, so the
sharded runs happen in a fresh process (:data:`SHARDED`), which also checks the layouts, the compiled program's
collectives and the refusals that need several devices; this process computes the one-device references.
"""

from __future__ import annotations

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import fepnet
from fepnet import sharding

N = 32
PATTERNS = np.sign(np.random.default_rng(0).normal(size=(3, N))).astype(np.float32)
MASK = (np.random.default_rng(1).random((N, N)) < 0.7) & ~np.eye(N, dtype=bool)
NET = fepnet.Network.random(jax.random.key(5), N, coupling_scale=0.6, bias_scale=0.2)
START = np.asarray(jax.random.uniform(jax.random.key(3), (3, N), minval=-1, maxval=1))


def compute(devices, full: bool = False):
    """The drivers on the same inputs; ``devices`` None (one device) or 4 (row-sharded). Returns host arrays.

    The default suite runs training (a mask, a trace, two chunks: the state crosses chunk boundaries on the
    devices), a synchronous chain and a chromatic relaxation; ``full`` (slow) adds the other schedule of
    each, free running from a sharded state, the free-energy record and a batch of relaxations."""
    out = {}
    a = fepnet.train(jax.random.key(0), PATTERNS, n_epochs=8, chunk_epochs=4, trace=True, mask=MASK,
                     progress=False, devices=devices)
    out["train_J"], out["train_sigma"], out["train_states"] = a.network.couplings, a.state.sigma, a.states
    params, state = fepnet.kernel_params(NET, 1.5), fepnet.init_state(NET)
    for schedule in ("synchronous", "chromatic") if full else ("synchronous",):
        kernel = fepnet.build_kernel(schedule, network=NET)
        final, trace = fepnet.run(kernel, jax.random.key(4), state, params, 40, thin=3, trace=True, devices=devices)
        out[f"run_{schedule}"], out[f"trace_{schedule}"] = final.sigma, trace
    for schedule in ("chromatic", "synchronous") if full else ("chromatic",):
        one = fepnet.relax(NET, START[0], 2.0, schedule=schedule, max_steps=30, devices=devices)
        out.update({f"relax_{schedule}_{f}": getattr(one, f) for f in one._fields})
    if full:
        b = fepnet.free_run(jax.random.key(1), a.state, 5, progress=False, devices=devices)  # from the devices
        out["free_J"] = b.network.couplings
        c = fepnet.train(jax.random.key(2), PATTERNS, n_epochs=2, free_energy=True, progress=False, devices=devices)
        out["fe_J"], out["fe_F"] = c.network.couplings, c.free_energy.free_energy
        batch = fepnet.relax(NET, START, 2.0, max_steps=30, devices=devices)
        out.update({f"batch_{f}": getattr(batch, f) for f in batch._fields})
    return {k: np.asarray(v) for k, v in out.items()}


SHARDED = r"""
import re, sys
import jax, numpy as np
sys.path.insert(0, sys.argv[2])
import test_sharding as t
import fepnet
from fepnet import sharding
from fepnet.training import run_epochs
assert jax.device_count() == 4
full = sys.argv[3] == "full"
out = t.compute(4, full)
np.savez(sys.argv[1], **out)
if full:
    sys.exit()

# layouts: J by rows (8 of 32 per device), the states by node
res = fepnet.train(jax.random.key(0), t.PATTERNS, n_epochs=8, chunk_epochs=4, trace=True, mask=t.MASK,
                   progress=False, devices=4)  # compute()'s run again: compiled already
J, mesh = res.network.couplings, sharding.row_mesh(4)
assert J.sharding.is_equivalent_to(sharding.rows(mesh), 2) and {s.data.shape for s in J.addressable_shards} == {(8, 32)}
assert res.state.sigma.sharding.is_equivalent_to(sharding.nodes(mesh), 1)

# the compiled learning loop: its only collectives are all-gathers of N-vectors, never of J
state, _ = sharding.place_learning_state(res.state, mesh)
hlo = run_epochs.lower(jax.random.key(0), state, t.PATTERNS, np.zeros(3, np.int32), np.float32(1), np.float32(1e-3),
                       steps_per_epoch=10).compile().as_text()
ops = re.findall(r"= (\S+) (all-gather|all-reduce|all-to-all|collective-permute|reduce-scatter)(?:-start)?\(", hlo)
assert ops and {op for _, op in ops} == {"all-gather"} and {shape for shape, _ in ops} <= {"f32[32]{0}", "s32[32]{0}"}, ops

# refusals that need several devices
def refused(f, *words):
    try:
        f()
    except ValueError as exc:
        assert all(w in str(exc) for w in words), exc
    else:
        raise AssertionError("not refused")
refused(lambda: fepnet.train(jax.random.key(0), np.ones((1, 30)), n_epochs=1, progress=False, devices=4),
        "N=30", "4 devices", "multiple")
refused(lambda: fepnet.relax(fepnet.Network.zeros(6), np.zeros(6), devices=4), "N=6")
bad = fepnet.build_kernel("chromatic", coloring=[tuple(range(t.N))])  # one colour: coupled nodes share it
placed = sharding.place_network(t.NET, mesh)
refused(lambda: bad.check_network(placed), "not proper", "share colour 0")
fepnet.build_kernel("chromatic", network=t.NET).check_network(placed)  # the greedy colouring is proper
"""


def on_four_devices(tmp_path, full: bool):
    """:func:`compute` (4) in a process with four host devices (and, unless ``full``, the checks of SHARDED)."""
    path = tmp_path / "out.npz"
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, "-c", SHARDED, str(path), os.path.dirname(__file__),
                           "full" if full else "default"], env=env, timeout=600, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(np.load(path))


def test_four_devices_give_the_bits_of_one(tmp_path):
    sharded, one = on_four_devices(tmp_path, False), compute(None)
    assert set(one) == set(sharded)
    for name, value in one.items():
        assert_array_equal(sharded[name], value, err_msg=name)


@pytest.mark.slow
def test_four_devices_every_driver(tmp_path):
    sharded, one = on_four_devices(tmp_path, True), compute(None, True)
    assert set(one) == set(sharded)
    for name, value in one.items():
        if name not in ("fe_F", "batch_sigma", "batch_max_change"):
            assert_array_equal(sharded[name], value, err_msg=name)
    # sums over all nodes add per-device partial sums: float32 rounding
    assert_allclose(sharded["fe_F"], one["fe_F"], rtol=2e-6, atol=1e-5)
    # a batch of states is a matrix product whose blocking XLA picks by shape: float32 rounding in a step,
    # carried through up to 30 steps of the relaxation (1.6e-6 seen)
    assert_allclose(sharded["batch_sigma"], one["batch_sigma"], rtol=0, atol=1e-5)
    assert_allclose(sharded["batch_max_change"], one["batch_max_change"], rtol=0, atol=1e-5)


def test_devices_are_checked_before_any_work():
    with pytest.raises(ValueError, match="devices=5 but only 1"):
        fepnet.train(jax.random.key(0), PATTERNS, n_epochs=1, devices=5, progress=False)
    with pytest.raises(ValueError, match="at least 1"):
        fepnet.free_run(jax.random.key(0), NET, 1, devices=0, progress=False)
    for bad in ("cpu", [], ["cpu:0"], True, 2.0):
        with pytest.raises(TypeError, match="devices"):
            fepnet.relax(NET, START[0], devices=bad)
    with pytest.raises(ValueError, match="one axis"):
        sharding.resolve_devices(jax.sharding.Mesh(np.asarray(jax.devices()[:1]).reshape(1, 1), ("a", "b")))
    with pytest.raises(ValueError, match="listed twice"):
        sharding.resolve_devices(jax.devices() * 2)
    assert sharding.resolve_devices(None) == jax.devices() and sharding.row_mesh(None) is None


@pytest.mark.parametrize("schedule", sharding.SINGLE_SITE)
def test_single_site_schedules_refuse_devices(schedule):
    with pytest.raises(ValueError, match=f"{schedule}.*one node at a time"):
        fepnet.relax(NET, START[0], schedule=schedule, key=jax.random.key(0), devices=1)
    kernel = fepnet.build_kernel(schedule)
    with pytest.raises(ValueError, match="one node at a time"):
        fepnet.run(kernel, jax.random.key(0), fepnet.init_state(NET), fepnet.kernel_params(NET), 3, devices=1)


def test_a_one_device_mesh_is_the_unsharded_run():
    mesh = jax.sharding.Mesh(np.asarray(jax.devices()[:1]), ("nodes",))  # any axis name
    a = fepnet.train(jax.random.key(0), PATTERNS, n_epochs=4, trace=True, mask=MASK, progress=False)
    b = fepnet.train(jax.random.key(0), PATTERNS, n_epochs=4, trace=True, mask=MASK, progress=False, devices=mesh)
    assert b.network.couplings.sharding.is_equivalent_to(sharding.rows(mesh), 2)
    assert_array_equal(np.asarray(b.network.couplings), np.asarray(a.network.couplings))
    with pytest.raises(ValueError, match="non-finite"):  # a state on the devices is checked there
        fepnet.free_run(jax.random.key(0), b.state._replace(couplings=b.state.couplings * jnp.nan), 1,
                        devices=mesh, progress=False)
