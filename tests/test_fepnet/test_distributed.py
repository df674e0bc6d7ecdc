"""Several processes (:mod:`fepnet.distributed`): the helpers' checks, and two processes on 127.0.0.1 that run a
sweep (``fepnet sweep --coordinator ...``) and a row-sharded training and get the single-process results."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import jax
import numpy as np
import pytest

import fepnet
from fepnet import distributed
from fepnet.cli import main


@pytest.mark.parametrize("args, error, words", [
    (("127.0.0.1:1234", 2, None), ValueError, "all of coordinator_address"),
    ((None, 2, 0), ValueError, "all of coordinator_address"),
    (("127.0.0.1:1234", 2, 2), ValueError, "0 .. num_processes - 1 = 1"),
    (("127.0.0.1:1234", 0, 0), ValueError, "num_processes must be at least 1"),
    (("127.0.0.1:1234", 2, -1), ValueError, "process_id must be at least 0"),
    (("127.0.0.1:1234", 2.0, 0), TypeError, "num_processes must be an integer"),
    (("127.0.0.1:1234", 2, True), TypeError, "process_id must be an integer, got a bool"),
    (("localhost", 2, 0), ValueError, "'host:port'"),
    ((1234, 2, 0), TypeError, "coordinator_address"),
])
def test_initialize_checks_its_arguments_before_anything_starts(args, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(".", r"\.")):
        distributed.initialize(*args)


def test_initialize_after_jax_started_says_to_call_it_first():
    jax.devices()  # this process's JAX is running
    for kwargs in ({}, {"local_device_count": 2}):
        with pytest.raises(RuntimeError, match="must run before JAX starts"):
            distributed.initialize("127.0.0.1:1234", 1, 0, **kwargs)


def test_one_process_is_the_main_one_and_gathers_its_own_arrays():
    info = distributed.process_info()
    assert info.process_index == 0 and info.process_count == 1 and info.global_devices == jax.device_count()
    assert distributed.is_main()
    tree = {"a": jax.numpy.arange(4.0), "b": (np.ones(2),)}
    out = distributed.gather(tree)
    assert isinstance(out["a"], np.ndarray) and out["a"].tolist() == [0, 1, 2, 3] and out["b"][0].tolist() == [1, 1]
    distributed.sync()
    distributed.shutdown()  # not initialised: nothing to do


@pytest.mark.parametrize("extra, words", [
    (["--coordinator", "127.0.0.1:1"], "together"),
    (["--num-processes", "2", "--process-id", "0"], "together"),
    (["--coordinator", "127.0.0.1:1", "--num-processes", "2", "--process-id", "0", "--distributed"], "together"),
    (["--coordinator", "127.0.0.1:1", "--num-processes", "2", "--process-id", "2"], "--process-id 2"),
])
def test_sweep_command_checks_its_process_options(extra, words, tmp_path, capsys):
    assert main(["sweep", *extra, "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    assert words in capsys.readouterr().err


SWEEP = ["sweep", "--evidence", "3,12", "--inverse-temperature", "0.05,0.4", "--epochs", "15,40", "--seeds", "2",
         "--trials", "4", "--couplings", "--no-figures", "--no-progress"]

WORKER = r"""
import sys
pid, port, base = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sweep = sys.argv[4:]
from fepnet import distributed
info = distributed.initialize(f"127.0.0.1:{port}", 2, pid, local_device_count=2, timeout_s=120)
import jax, numpy as np
import fepnet
from fepnet.cli import main
assert (info.process_index, info.process_count, info.local_devices, info.global_devices) == (pid, 2, 2, 4), info
# the command, as every process of a run would call it (its own --out here, to see who writes)
assert main(sweep + ["--coordinator", f"127.0.0.1:{port}", "--num-processes", "2", "--process-id", str(pid),
                     "--out", f"{base}/sweep-{pid}"]) == 0
patterns = np.sign(np.random.default_rng(0).normal(size=(3, 32))).astype(np.float32)
res = fepnet.train(jax.random.key(0), patterns, n_epochs=8, chunk_epochs=4, trace=True, progress=False,
                   devices=jax.device_count())  # rows over both processes' devices: 8 per device
assert {s.data.shape for s in res.network.couplings.addressable_shards} == {(8, 32)}
more = fepnet.free_run(jax.random.key(1), res.state, 5, progress=False, devices=4)  # continues in place
J, sigma, states, J2 = distributed.gather((res.network.couplings, res.state.sigma, res.states, more.network.couplings))
if distributed.is_main():
    np.savez(f"{base}/train.npz", J=J, sigma=sigma, states=states, J2=J2)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_give_the_single_process_results(tmp_path):
    port = _free_port()
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(pid), str(port), str(tmp_path), *SWEEP], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for pid in (0, 1)]
    try:
        logs = [p.communicate(timeout=600)[0] for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0, 0], "\n".join(log[-3000:] for log in logs)
    assert not (tmp_path / "sweep-1").exists()  # process 0 writes, the others only compute

    # the same sweep in this process (one device) and the same training
    assert main([*SWEEP, "--out", str(tmp_path / "one")]) == 0
    from fepnet.sweep import load_sweep

    two, one = load_sweep(tmp_path / "sweep-0" / "sweep.nc"), load_sweep(tmp_path / "one" / "sweep.nc")
    assert two.attrs["n_devices"] == 4 and one.attrs["n_devices"] == jax.device_count()
    for name in one.data_vars:  # bit for bit, NaN included
        assert two[name].values.tobytes() == one[name].values.tobytes(), name
    patterns = np.sign(np.random.default_rng(0).normal(size=(3, 32))).astype(np.float32)
    res = fepnet.train(jax.random.key(0), patterns, n_epochs=8, chunk_epochs=4, trace=True, progress=False)
    more = fepnet.free_run(jax.random.key(1), res.state, 5, progress=False)
    got = np.load(tmp_path / "train.npz")
    for name, value in (("J", res.network.couplings), ("sigma", res.state.sigma), ("states", res.states),
                        ("J2", more.network.couplings)):
        np.testing.assert_array_equal(got[name], np.asarray(value), err_msg=name)
