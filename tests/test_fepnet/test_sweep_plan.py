"""The plan of a sweep (fepnet.sweep.plan): made from sizes before anything is allocated; memory always checked."""

import time

import jax
import numpy as np
import pytest

from fepnet.sweep import Evaluation, SweepGrid, estimate_sweep, parse_values, run_sweep
from fepnet.sweep.grid import MAX_VALUES
from fepnet.sweep.plan import CHUNK_SECONDS, COSTS, format_seconds, plan_sweep

DIGITS = dict(n_nodes=64, n_patterns=10, n_test_patterns=1787)


class _Device:
    def __init__(self, platform="cpu", memory=None):
        self.platform, self._memory = platform, memory

    def memory_stats(self):
        return {"bytes_limit": self._memory}


def _grid(evidence, temperatures, **kwargs):
    return SweepGrid(evidence_level=tuple(np.linspace(1.0, 20.0, evidence)),
                     inverse_temperature=tuple(np.geomspace(0.01, 1.0, temperatures)), **kwargs)


def test_cause16_an_absurd_grid_is_refused_before_its_networks_are_allocated(monkeypatch):
    import fepnet.sweep.engine as engine

    monkeypatch.setattr(engine, "network_table", lambda grid: pytest.fail("allocated the table of networks"))
    grid = _grid(100_000, 100_000)
    assert grid.n_networks == 10**10
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"10,000,000,000 networks .* host memory"):
        estimate_sweep(grid)
    with pytest.raises(ValueError, match="host memory"):
        run_sweep(jax.random.key(0), grid, progress=False)
    assert time.perf_counter() - t0 < 5


def test_cause16_a_long_grid_gets_an_honest_time_estimate():
    """4 million networks of the paper's protocol: days on this project's 2-core host (the CLI then refuses without
    --allow-long); the paper's own grid: about the minute and a half it takes."""
    cpu2 = [_Device()] * 2
    big = plan_sweep(_grid(2000, 2000), cpu2, cpu_cores=2, **DIGITS)
    assert big.n_networks == 4_000_000 and big.seconds > 3 * 86400 and "days" in format_seconds(big.seconds)
    paper = plan_sweep(_grid(20, 19), cpu2, cpu_cores=2, **DIGITS)
    assert 30 < paper.seconds < 180  # measured: 80 s (the slow acceptance test allows 180 s)
    assert paper.groups == ((10, 380, 38),)  # the chunking the paper's grid always had
    # on a GPU the same grid is estimated much faster, and oversubscribed host devices do not speed a CPU up
    assert plan_sweep(_grid(20, 19), [_Device("gpu", 80 * 2**30)], **DIGITS).seconds < paper.seconds / 3
    assert plan_sweep(_grid(20, 19), [_Device()] * 16, cpu_cores=2, **DIGITS).seconds > 0.8 * paper.seconds


def test_chunks_stay_short_enough_to_interrupt():
    cost = COSTS["cpu"]
    plan = plan_sweep(_grid(200, 200), [_Device()] * 2, cpu_cores=2, **DIGITS)
    (steps, n, size), = plan.groups
    learn, score = 5000 * 10, 2 * 100 * 100
    chunk_s = learn * cost.fixed + score * cost.score_fixed + size / 2 * (learn * cost.unit + score * cost.score_unit)
    assert chunk_s <= CHUNK_SECONDS and n == 40_000 and plan.n_chunks == -(-n // size)


def test_memory_checks():
    cpu = [_Device()]
    with pytest.raises(ValueError, match="memory_limit_mb=0.01 is below one network per device"):
        plan_sweep(_grid(2, 2), cpu, memory_limit_mb=0.01, **DIGITS)
    with pytest.raises(ValueError, match="chunk_size=1000 exceeds memory_limit_mb=2"):
        plan_sweep(_grid(2, 2), cpu, memory_limit_mb=2, chunk_size=1000, **DIGITS)
    with pytest.raises(ValueError, match="more than the device's"):  # a cap beyond the accelerator's memory
        plan_sweep(_grid(20, 19), [_Device("gpu", 2**20)], memory_limit_mb=10**6, **DIGITS)


def test_the_plan_of_a_small_sweep():
    """test_sweep.py's grid (run there: 2 chunks of 4 networks per seed pair): the same plan, made without running."""
    grid = SweepGrid(evidence_level=[3.0, 12.0], inverse_temperature=[0.05, 0.4], n_epochs=[40, 15], seeds=2)
    plan = estimate_sweep(grid, evaluation=Evaluation(n_trials=6, n_steps=12), couplings=True, devices=1)
    assert plan.n_results == grid.n_networks == 16 and plan.n_networks == 8
    assert plan.groups == ((10, 8, 4),) and plan.n_chunks == 2 and plan.training_steps == 8 * 40 * 10
    assert "8 networks trained in 2 chunk(s) on 1 cpu device(s)" in plan.describe()


def test_too_many_values_are_refused_before_they_are_made():
    with pytest.raises(ValueError, match=f"n must be <= {MAX_VALUES}"):
        parse_values(f"1:20:{10**9}", "evidence_level")
    with pytest.raises(ValueError, match=f"seeds must be <= {MAX_VALUES}"):
        _grid(2, 2, seeds=2**31 - 1)
