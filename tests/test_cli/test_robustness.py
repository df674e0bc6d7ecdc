"""The ``fepnet`` command under bad input and Ctrl-C: one line on stderr, the right exit status, no partial output.

In-process (``main([...])`` with capsys) for the argument, file and output-location errors;
subprocesses only for real SIGINTs: one during training (polled for on the progress bar, the
run being far too long to finish first) and one delivered in the middle of a figure's write
(the process sends it to itself from inside ``savefig``, after writing half a PNG).
"""

import json
import os
import select
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import fepnet
from fepnet.cli import main

PNG_END = b"IEND\xaeB`\x82"


def _one_line_error(capsys, code, status=2):
    """The run's stderr: exactly one line, naming the command's failure, no traceback."""
    err = capsys.readouterr().err
    assert code == status, err
    assert err.count("\n") == 1 and err.startswith("fepnet") and "Traceback" not in err, err
    return err


def _assert_complete(directory):
    """Every file under ``directory`` is complete (PNG to its IEND, JSON parses, networks load); no temp files."""
    from PIL import Image

    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            assert not name.startswith("."), f"temporary file left: {path}"
            if name.endswith(".png"):
                with open(path, "rb") as fh:
                    assert fh.read().endswith(PNG_END), f"truncated PNG: {path}"
                with Image.open(path) as image:
                    image.verify()
            elif name.endswith(".json"):
                with open(path) as fh:
                    json.load(fh)
            elif name.endswith(".npz"):
                fepnet.Network.load(path)


@pytest.fixture
def blocker(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("not a directory")
    return path


def _bad_cases(tmp_path, blocker):
    out = str(tmp_path / "out")
    not_a_network = tmp_path / "text.npz"
    not_a_network.write_text("hello")
    return {
        "no command": [],
        "unknown command": ["nonsense"],
        "demo --out file": ["demo", "--out", str(blocker)],
        "demo --out under a file": ["demo", "--out", str(blocker / "x")],
        "demo --seed 2**64": ["demo", "--seed", str(2**64), "--out", out],
        "demo --seed -1": ["demo", "--seed", "-1", "--out", out],
        "demo --epochs 0": ["demo", "--epochs", "0", "--out", out],
        "demo --epochs 2**31": ["demo", "--epochs", str(2**31), "--out", out],
        "demo --epochs x": ["demo", "--epochs", "x", "--out", out],
        "reproduce sim9": ["reproduce", "sim9", "--out", out],
        "capacity --seed -1": ["capacity", "--seed", "-1", "--out", out],
        "capacity --out file": ["capacity", "--quick", "--out", str(blocker)],
        "reproduce --seeds 0": ["reproduce", "sim1", "--seeds", "0", "--out", out],
        "reproduce --out file": ["reproduce", "sim1", "--out", str(blocker)],
        "validate --draws 50": ["validate", "--draws", "50", "--out", out],
        "validate --chains 1": ["validate", "--chains", "1", "--out", out],
        "validate --seed -1": ["validate", "--seed", "-1", "--out", out],
        "validate --burn-in -1": ["validate", "--burn-in", "-1", "--out", out],
        "validate --network missing": ["validate", "--network", str(tmp_path / "missing.npz"), "--out", out],
        "validate --network not a network": ["validate", "--network", str(not_a_network), "--out", out],
        "validate --out file": ["validate", "--out", str(blocker)],
        "compare --draws 1": ["compare", "--draws", "1", "--out", out],
        "compare --transitions 0": ["compare", "--transitions", "0", "--out", out],
        "compare --seed 2**64": ["compare", "--seed", str(2**64), "--out", out],
        "compare --out file": ["compare", "--out", str(blocker)],
        "sweep --memory-limit-mb inf": ["sweep", "--memory-limit-mb", "inf", "--out", out],
        "sweep --memory-limit-mb nan": ["sweep", "--memory-limit-mb", "nan", "--out", out],
        "sweep --memory-limit-mb 0.01": ["sweep", "--memory-limit-mb", "0.01", "--out", out],
        "sweep --chunk-size 0": ["sweep", "--chunk-size", "0", "--out", out],
        "sweep --evidence 1:2": ["sweep", "--evidence", "1:2", "--out", out],
        "sweep --evidence 10^7 values": ["sweep", "--evidence", "1:20:10000000", "--out", out],
        "sweep --seeds 2**31": ["sweep", "--seeds", str(2**31), "--out", out],
        "sweep --out file": ["sweep", "--evidence", "4", "--inverse-temperature", "0.3", "--out", str(blocker)],
    }


def test_cause15_every_bad_argument_is_one_line_exit_2_and_leaves_nothing(tmp_path, blocker, capsys, monkeypatch):
    """Bad arguments, input files and output locations of every command: exit 2, one line, no traceback, no
    output directory, and the work never starts."""
    import diagnostics.sequence_comparison as sc
    import diagnostics.validation as dv
    import fepnet.capacity.compute as cc
    import fepnet.paper.demo as pd
    import fepnet.paper.reproduce as rp
    import fepnet.sweep as sw

    for module, name in ((pd, "train_balanced"), (rp, "reproduce"), (dv, "run_validation"),
                         (sc, "compare_orders"), (sw, "run_sweep"), (cc, "run_capacity")):
        monkeypatch.setattr(module, name, lambda *a, **k: pytest.fail("the work started"))
    for case, argv in _bad_cases(tmp_path, blocker).items():
        err = _one_line_error(capsys, main(argv))
        assert ": error: " in err, (case, err)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "text.npz"], case
        assert blocker.read_text() == "not a directory"


def test_cause15_a_float64_network_file_gives_no_traceback(tmp_path, capsys, monkeypatch, x32):
    """``validate`` on a network saved in float64 (x64 now off): refused in one line, or loaded as float32."""
    import diagnostics.validation as dv

    class Reached(BaseException):
        pass

    def fake(network, *a, **k):
        raise Reached(network)

    monkeypatch.setattr(dv, "run_validation", fake)
    path = tmp_path / "net64.npz"
    fepnet.Network.zeros(64).save(path)
    with np.load(path) as data:
        np.savez(path, **{k: data[k].astype(np.float64) if data[k].dtype.kind == "f" else data[k] for k in data.files})
    out = tmp_path / "out"
    try:
        code = main(["validate", "--network", str(path), "--out", str(out), "--no-progress"])
    except Reached as reached:
        assert reached.args[0].network.couplings.dtype == np.float32
    else:
        assert "--network" in _one_line_error(capsys, code)
        assert not out.exists()


def test_cause15_failures_are_one_line_exit_1_and_remove_the_empty_output_folder(tmp_path, capsys, monkeypatch):
    import fepnet.paper.demo as pd

    def boom(*a, **k):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(pd, "train_balanced", boom)
    out = tmp_path / "new" / "out"
    err = _one_line_error(capsys, main(["demo", "--out", str(out), "--no-progress"]), status=1)
    assert "fepnet demo: failed: RuntimeError: boom second line" in err and "--debug" in err
    assert not (tmp_path / "new").exists()  # made for this run, empty: removed, parents too
    existing = tmp_path / "existing"
    existing.mkdir()
    _one_line_error(capsys, main(["demo", "--out", str(existing), "--no-progress"]), status=1)
    assert existing.is_dir()  # not made by this run: kept
    with pytest.raises(RuntimeError, match="boom"):  # --debug: the exception and its traceback go through
        main(["demo", "--out", str(out), "--no-progress", "--debug"])
    assert not (tmp_path / "new").exists()


def test_cause06_every_command_checks_its_output_location_before_the_work(tmp_path, blocker, capsys, monkeypatch):
    import diagnostics.sequence_comparison as sc
    import diagnostics.validation as dv
    import fepnet.capacity.compute as cc
    import fepnet.paper.demo as pd
    import fepnet.paper.reproduce as rp
    import fepnet.sweep as sw

    for module, name in ((pd, "train_balanced"), (rp, "reproduce"), (dv, "run_validation"),
                         (sc, "compare_orders"), (sw, "run_sweep"), (cc, "run_capacity")):
        monkeypatch.setattr(module, name, lambda *a, **k: pytest.fail("the work started before --out was checked"))
    commands = [["demo"], ["reproduce", "sim1"], ["validate"], ["compare"],
                ["sweep", "--evidence", "4", "--inverse-temperature", "0.3", "--epochs", "1"], ["capacity", "--quick"]]
    places = {"a file": (blocker, "not a directory"), "under a file": (blocker / "x", "cannot be created")}
    if os.path.isdir("/proc"):
        places["/proc"] = ("/proc/fepnet-cannot-be-here", "cannot be created")
    for command in commands:
        for where, (out, why) in places.items():
            err = _one_line_error(capsys, main([*command, "--out", str(out), "--no-progress"]))
            assert "--out" in err and why in err, (command, where, err)


def test_cause14_seed_beyond_int64_is_a_usage_error(tmp_path, capsys):
    for command in (["demo"], ["validate"], ["compare"], ["sweep"], ["capacity"]):
        err = _one_line_error(capsys, main([*command, "--seed", str(2**64), "--out", str(tmp_path / "o")]))
        assert "argument --seed: must be <= 9223372036854775807" in err
    assert not (tmp_path / "o").exists()


def test_cause16_an_absurd_sweep_is_refused_before_anything_is_allocated(tmp_path, capsys, monkeypatch):
    import fepnet.sweep.engine as engine

    monkeypatch.setattr(engine, "network_table", lambda grid: pytest.fail("allocated the table of networks"))
    out = tmp_path / "out"
    t0 = time.perf_counter()
    err = _one_line_error(capsys, main(["sweep", "--evidence", "1:20:100000", "--inverse-temperature",
                                        "log:0.01:1:100000", "--out", str(out)]))
    assert time.perf_counter() - t0 < 10
    assert "10,000,000,000 networks" in err and "host memory" in err and not out.exists()
    # 4 million networks fit in memory but would run for days: refused, unless --allow-long
    big = ["sweep", "--evidence", "1:20:2000", "--inverse-temperature", "log:0.01:1:2000", "--out", str(out)]
    err = _one_line_error(capsys, main(big))
    assert "4,000,000 networks would take about" in err and "--allow-long" in err and not out.exists()

    class Reached(BaseException):
        pass

    import fepnet.sweep as sw

    def reached(*a, **k):
        raise Reached

    monkeypatch.setattr(sw, "run_sweep", reached)
    with pytest.raises(Reached):
        main(big + ["--allow-long", "--no-progress"])
    assert "plan:" in capsys.readouterr().out
    # --allow-long never lifts a memory check
    err = _one_line_error(capsys, main(["sweep", "--evidence", "1:20:100000", "--inverse-temperature",
                                        "log:0.01:1:100000", "--allow-long", "--out", str(out)]))
    assert "host memory" in err


def test_cause07_an_interrupt_is_one_line_exit_130_and_leaves_no_empty_folder(tmp_path, capsys, monkeypatch):
    """In-process: Ctrl-C during the work of ``sweep`` (the engine raising KeyboardInterrupt at a chunk's end)."""
    import fepnet.sweep as sw

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(sw, "run_sweep", interrupted)
    out = tmp_path / "out"
    err = _one_line_error(capsys, main(["sweep", "--evidence", "4", "--inverse-temperature", "0.3", "--epochs", "1",
                                        "--out", str(out), "--no-progress"]), status=130)
    assert err == "fepnet sweep: interrupted\n" and not out.exists()


def test_cause07_a_swallowed_interrupt_stops_at_the_next_chunk():
    """An interrupt that lands inside a call which swallows it (as a compiled JAX call did) is raised again at the
    next chunk boundary of ``run_in_chunks``."""
    from fepnet.infra.progress import interruptible, run_in_chunks

    ran, before = [], signal.getsignal(signal.SIGINT)

    def advance(carry, start, stop):
        ran.append(start)
        if start == 0:
            try:
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(10**6):  # the handler runs (and raises) in here
                    pass
                pytest.fail("SIGINT was not delivered")
            except KeyboardInterrupt:
                pass  # swallowed
        return carry, None

    with interruptible(), pytest.raises(KeyboardInterrupt):
        run_in_chunks(advance, 0, [0, 1, 2, 3], desc="x", progress=False)
    assert ran == [0]
    assert signal.getsignal(signal.SIGINT) is before  # restored


def _env():
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def _read_until(proc, marker: bytes, timeout: float) -> bytes:
    """stderr of ``proc`` until ``marker`` appears (tqdm writes carriage returns, not lines)."""
    seen, deadline = b"", time.monotonic() + timeout
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0 and proc.poll() is None, f"no {marker!r} on stderr: {seen[-2000:]!r}"
        ready, _, _ = select.select([proc.stderr], [], [], left)
        if ready:
            seen += os.read(proc.stderr.fileno(), 65536)
    return seen


def test_cause07_ctrl_c_during_training_stops_cleanly(tmp_path):
    """A real SIGINT while ``fepnet demo`` trains (a million epochs: far too long to finish first): exit 130 at the
    next chunk, one line, no traceback, and nothing left behind (the output folder was empty: removed)."""
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "fepnet.cli", "demo", "--epochs", "1000000", "--no-validate",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    try:
        err = _read_until(proc, b"train (random)", 60)
        proc.send_signal(signal.SIGINT)
        stdout, rest = proc.communicate(timeout=60)
    finally:
        proc.kill()
    err = (err + rest).decode()
    assert proc.returncode == 130, err
    assert err.rstrip().endswith("fepnet demo: interrupted") and err.count("fepnet demo: interrupted") == 1, err
    assert "Traceback" not in err and not out.exists()


_INTERRUPT_THE_SECOND_FIGURE = """
import os, signal, sys
import matplotlib.figure
save = matplotlib.figure.Figure.savefig
calls = []
def savefig(self, fname, *args, **kwargs):
    calls.append(fname)
    if len(calls) == 2:  # the second figure: half a PNG written, then Ctrl-C
        with open(fname, "wb") as fh:
            fh.write(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(100))
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10**7):
            pass
        raise SystemExit("SIGINT was not delivered")
    return save(self, fname, *args, **kwargs)
matplotlib.figure.Figure.savefig = savefig
from fepnet.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_cause07_ctrl_c_while_a_figure_is_written_leaves_only_complete_files(tmp_path):
    """A real SIGINT in the middle of writing ``fepnet demo``'s second figure: the files before it are complete,
    the interrupted one is not there at all (no truncated PNG, no temporary file)."""
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", _INTERRUPT_THE_SECOND_FIGURE, "demo", "--epochs", "1",
                           "--no-validate", "--no-progress", "--out", str(out)],
                          capture_output=True, text=True, env=_env(), timeout=300)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == "fepnet demo: interrupted\n"
    assert sorted(os.listdir(out)) == ["couplings.png", "network.npz"]
    _assert_complete(out)


def test_cause07_an_interrupt_that_jax_turns_into_its_own_error_is_still_an_interrupt(tmp_path, capsys, monkeypatch):
    """A SIGINT inside a host callback of a compiled call comes back as a JAX runtime error; the command still
    reports it as an interrupt (exit 130), not as a failure."""
    import jax
    import jax.numpy as jnp
    from jax.experimental import io_callback

    import fepnet.paper.demo as pd

    def ctrl_c(i):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10**6):  # the handler runs (and raises) in here, inside the callback
            pass
        return i

    @jax.jit
    def compiled(x):
        return x + io_callback(ctrl_c, jax.ShapeDtypeStruct((), jnp.int32), jnp.int32(0)).astype(x.dtype)

    def training(*a, **k):
        compiled(jnp.ones(())).block_until_ready()
        pytest.fail("the interrupt was lost")

    monkeypatch.setattr(pd, "train_balanced", training)
    out = tmp_path / "out"
    err = _one_line_error(capsys, main(["demo", "--out", str(out), "--no-progress"]), status=130)
    assert err == "fepnet demo: interrupted\n" and not out.exists()
