"""Property-based tests of the command line's boundary: any text for a number, any sweep size.

Whatever a user types for an option, the command either accepts a value in the option's range
or stops with a usage error: exit status 2, one line on stderr, no traceback, nothing written.
A sweep plan is made from sizes alone, for any grid: a consistent plan, or ``ValueError``.
"""

import argparse
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fepnet.cli import common, main
from fepnet.infra.checks import INT32_MAX, SEED_MAX

NUMBERS = st.one_of(st.integers(min_value=-2**70, max_value=2**70).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=12))


@given(NUMBERS, st.integers(min_value=0, max_value=200))
def test_integer_options_accept_their_range_and_refuse_the_rest(text, minimum):
    parse = common.integer(minimum)
    try:
        value = parse(text)
    except argparse.ArgumentTypeError as exc:
        assert "must be" in str(exc)
    else:
        assert isinstance(value, int) and minimum <= value <= INT32_MAX and value == int(text)


@given(option=st.sampled_from(["seed", "positive_float"]), text=NUMBERS)
def test_seed_and_real_options(option, text):
    """``--seed``: the range of fepnet.infra.checks.seed; ``--memory-limit-mb``: positive and finite."""
    try:
        value = getattr(common, option)(text)
    except argparse.ArgumentTypeError:
        return
    if option == "seed":
        assert 0 <= value <= SEED_MAX and value == int(text)
    else:
        assert math.isfinite(value) and value > 0


@pytest.fixture
def blocker(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("x")
    return path


@given(option=st.sampled_from(["--seed", "--memory-limit-mb", "--evidence", "--epochs", "--chunk-size"]),
       text=NUMBERS)
def test_any_sweep_option_text_ends_in_one_usage_line(option, text, blocker, capsys):
    """``--out`` is a file, so every run stops before the work: on the option, the plan or the output location."""
    code = main(["sweep", option, text, "--out", str(blocker), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("fepnet") and "Traceback" not in err, err
    assert blocker.read_text() == "x"


class _Device:
    platform = "cpu"


@given(evidence=st.integers(1, 10**5), temperatures=st.integers(1, 10**5), seeds=st.integers(1, 1000),
       epochs=st.lists(st.integers(0, 10**6), min_size=1, max_size=3, unique=True),
       steps=st.lists(st.integers(1, 100), min_size=1, max_size=2, unique=True),
       n_devices=st.integers(1, 8), memory_limit_mb=st.floats(1e-3, 1e6), couplings=st.booleans())
def test_any_sweep_is_planned_from_sizes_or_refused(evidence, temperatures, seeds, epochs, steps, n_devices,
                                                     memory_limit_mb, couplings):
    from fepnet.sweep import SweepGrid
    from fepnet.sweep.plan import plan_sweep

    grid = SweepGrid(evidence_level=tuple(np.linspace(1, 20, evidence)) if evidence > 1 else 1.0,
                     inverse_temperature=tuple(np.geomspace(0.01, 1, temperatures)) if temperatures > 1 else 0.1,
                     n_epochs=tuple(epochs) if len(epochs) > 1 else epochs[0],
                     steps_per_epoch=tuple(steps) if len(steps) > 1 else steps[0], seeds=seeds)
    try:
        plan = plan_sweep(grid, [_Device()] * n_devices, n_nodes=64, n_patterns=10, n_test_patterns=1787,
                          couplings=couplings, memory_limit_mb=memory_limit_mb, cpu_cores=2)
    except ValueError as exc:
        assert "memory" in str(exc)
        return
    assert plan.n_networks * len(epochs) == plan.n_results == grid.n_networks
    assert sum(n for _, n, _ in plan.groups) == plan.n_networks
    for _, n, size in plan.groups:
        assert size >= n_devices and size % n_devices == 0
    assert plan.chunk_bytes <= memory_limit_mb * 2**20
    assert math.isfinite(plan.seconds) and plan.seconds > 0 and plan.n_chunks >= 1
