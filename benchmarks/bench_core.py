"""Throughput of fepnet's core learning loop, against a plain NumPy implementation.

What is measured (all in one process, float in the JAX default dtype, float32
unless x64 is enabled):

1. Single network, N = 64, 1024, 4096: learning steps per second of the fused
   synchronous stochastic step with learning (ΔJ_ij = α(σ_i σ_j − L(h_i) σ_j)), driven as ``fepnet.train``
   drives it: the jitted, pure ``fepnet.training.run_epochs`` over random-order epochs of
   10 steps. N = 64 uses the digits training set (evidence 11, iT 0.1668, the
   paper's "balanced" network); N = 1024 / 4096 use 20 random +-1 patterns
   (evidence 2, iT 1, the paper's runtime protocol). alpha = 0.001 throughout.
2. The same loop written as straightforward vectorised NumPy (the baseline):
   per step h = J @ s; c = iT (b + h); s = inverse-CDF CB sample; J += alpha *
   outer(s - L(h), s); zero diagonal. Ratio = fepnet / NumPy at the same N.
3. Batched: network-steps per second for the paper's 380-network grid
   (evidence 1..20 x iT in geomspace(0.01, 1, 19), N = 64 digits, random-order
   epochs of 10 steps), ``jax.vmap`` of ``fepnet.training.run_epochs`` over the
   networks, for each PRNG implementation (``jax.random.key(seed, impl=...)``:
   threefry2x32, rbg, unsafe_rbg), on one device and with the network axis
   sharded (NamedSharding, 1-D mesh) over one and over two XLA host devices
   per core (XLA_FLAGS=--xla_force_host_platform_device_count, set by this
   script before JAX starts): XLA runs one device's batched ops on a single
   thread, so sharding is how the batch uses every core. The JSON reports the
   best configuration; the table names it.

How: every rate comes from one helper, ``throughput``: one untimed call (compile
and warm-up), then ``repeats`` rounds, each calling the workload until at least
``min_time`` seconds have passed; the best round's rate is reported (the least
disturbed by other load on the machine). JAX calls block until the result is
ready.

Usage::

    python benchmarks/bench_core.py                 # full run, a few minutes on 2 cores
    python benchmarks/bench_core.py --quick         # smoke test, < 30 s
    python benchmarks/bench_core.py --json out.json # also write the headline numbers
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Callable, NamedTuple

# Two XLA host devices per core (set before JAX starts, unless the caller chose):
# XLA runs a single device's batched ops on one thread, so the batched
# measurement shards its network axis over host devices to use every core; it
# tries one and two devices per core (two keep both cores busy through each
# device's gaps and halve each device's share of the couplings, for the cache).
# Single-network measurements run on device 0 as usual.
_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={2 * _CPUS}"
    ).strip()

import jax
from jax.sharding import Mesh, NamedSharding, PartitionSpec
import jax.numpy as jnp
import numpy as np

import fepnet

LEARNING_RATE = 0.001
STEPS_PER_EPOCH = 10
PRNG_IMPLS = ("threefry2x32", "rbg", "unsafe_rbg")
TARGETS = {"n64_ratio": 5.0, "n4096_ratio": 1.5, "batched_network_steps_per_s": 1e6}


class Settings(NamedTuple):
    min_time: float  # seconds per timed round
    repeats: int  # timed rounds; the best is kept
    epochs: dict  # N -> epochs per fepnet call (single network)
    numpy_steps: dict  # N -> NumPy steps per call
    batched_epochs: int  # epochs per call, batched
    layouts: tuple  # batched layouts: devices the network axis is sharded over, as multiples of the core count (0: one device)


FULL = Settings(1.0, 3, {64: 1000, 1024: 20, 4096: 2}, {64: 2000, 1024: 100, 4096: 10}, 20, (0, 1, 2))
QUICK = Settings(0.1, 1, {64: 200, 1024: 5, 4096: 1}, {64: 200, 1024: 10, 4096: 2}, 2, (2,))


def throughput(run: Callable[[], object], work: float, *, min_time: float, repeats: int) -> float:
    """Best rate, in units of ``work`` per second, of calling ``run()`` (each call does ``work`` units).

    One untimed warm-up call (compilation), then ``repeats`` rounds of at least
    ``min_time`` seconds each.
    """
    run()
    best = 0.0
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while True:
            run()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = max(best, calls * work / elapsed)
    return best


# ---------------------------------------------------------------- problems


class Problem(NamedTuple):
    """One network's training problem: patterns (K, N) already times the evidence level, iT."""

    patterns: np.ndarray
    inverse_temperature: float


def single_problem(n: int, dtype) -> Problem:
    if n == 64:  # the paper's balanced digits network
        return Problem(11.0 * np.asarray(fepnet.data.load_digits(dtype).train), 0.1668)
    patterns = fepnet.data.random_patterns(jax.random.key(1), 20, n, dtype)
    return Problem(2.0 * np.asarray(patterns), 1.0)


def grid_problems(dtype) -> tuple[np.ndarray, np.ndarray]:
    """The paper's 380-network grid: scaled patterns (380, 10, 64) and iT (380,)."""
    digits = np.asarray(fepnet.data.load_digits(dtype).train)
    level, it = np.meshgrid(np.arange(1.0, 21.0), np.geomspace(0.01, 1.0, 19), indexing="ij")
    level, it = level.ravel(), it.ravel()
    return (level[:, None, None] * digits[None]).astype(dtype), it.astype(dtype)


# ---------------------------------------------------------------- workloads: () -> None, and the work per call


def fepnet_workload(problem: Problem, n_epochs: int, dtype):
    """One fepnet.training.run_epochs call over n_epochs random-order epochs, from J = 0, sigma = 0."""
    k_order, k_steps = jax.random.split(jax.random.key(0))
    patterns = jnp.asarray(problem.patterns, dtype)
    index = fepnet.pattern_order(k_order, patterns.shape[0], n_epochs)
    state = fepnet.init_learning_state(fepnet.Network.zeros(patterns.shape[1], dtype))
    it, lr = jnp.asarray(problem.inverse_temperature, dtype), jnp.asarray(LEARNING_RATE, dtype)

    def run():
        out = fepnet.training.run_epochs(k_steps, state, patterns, index, it, lr, steps_per_epoch=STEPS_PER_EPOCH)
        jax.block_until_ready(out)

    return run, n_epochs * STEPS_PER_EPOCH


def numpy_langevin(x):
    """L(x) = coth(x) - 1/x; its series x/3 - x^3/45 + 2x^5/945 for |x| < 0.5."""
    small = np.abs(x) < 0.5
    xs = np.where(small, 1.0, x).astype(x.dtype)
    x2 = x * x
    return np.where(small, x * (1 / 3 - x2 * (1 / 45 - x2 * (2 / 945))), 1 / np.tanh(xs) - 1 / xs).astype(x.dtype)


def numpy_cb_sample(u, c):
    """Inverse-CDF draw from CB(c): 1 + log1p((1 - u)(exp(-2c) - 1)) / c for c > 0, mirrored for c < 0."""
    a = np.abs(c)
    tiny = a < 1e-6
    a_safe = np.where(tiny, 1.0, a).astype(c.dtype)
    t = np.where(c >= 0, 1 - u, u)
    sigma = 1 + np.log1p(t * np.expm1(-2 * a_safe)) / a_safe
    sigma = np.where(c >= 0, sigma, -sigma)
    return np.clip(np.where(tiny, 2 * u - 1, sigma), -1, 1).astype(c.dtype)


def numpy_workload(problem: Problem, n_steps: int, dtype):
    """The same fused step in plain vectorised NumPy; J and sigma carry over between calls."""
    patterns = problem.patterns.astype(dtype)
    k, n = patterns.shape
    it, lr = dtype.type(problem.inverse_temperature), dtype.type(LEARNING_RATE)
    rng = np.random.default_rng(0)
    J = np.zeros((n, n), dtype)
    sigma = np.zeros(n, dtype)

    def run():
        nonlocal J, sigma
        for t in range(n_steps):
            if t % STEPS_PER_EPOCH == 0:
                b = patterns[rng.integers(k)]
            h = J @ sigma
            sigma = numpy_cb_sample(rng.random(n, dtype=dtype), it * (b + h))
            J += lr * np.outer(sigma - numpy_langevin(h), sigma)
            np.fill_diagonal(J, 0)

    return run, n_steps


def batched_workload(patterns, inverse_temperatures, n_epochs: int, impl: str, n_devices: int, dtype):
    """fepnet.training.run_epochs vmapped over the grid's networks (each its own key, pattern order and iT).

    n_devices 0: everything on the default device; otherwise the network axis
    is split over a 1-D mesh of the first ``n_devices`` devices with
    NamedSharding (jit partitions the vmapped computation; each device runs its
    share on its own thread).
    """
    n_nets, _, n = patterns.shape
    keys = jax.vmap(lambda seed: jax.random.key(seed, impl=impl))(jnp.arange(n_nets))
    k_order, k_steps = jax.vmap(jax.random.split, out_axes=1)(keys)
    index = jax.vmap(lambda key: fepnet.pattern_order(key, patterns.shape[1], n_epochs))(k_order)
    one_state = fepnet.init_learning_state(fepnet.Network.zeros(n, dtype))
    state = jax.tree.map(lambda x: jnp.broadcast_to(x, (n_nets,) + x.shape), one_state)
    lr = jnp.asarray(LEARNING_RATE, dtype)

    def one(key, state, patterns, index, it):
        return fepnet.training.run_epochs(key, state, patterns, index, it, lr, steps_per_epoch=STEPS_PER_EPOCH)[0]

    f = jax.jit(jax.vmap(one))
    args = (k_steps, state, jnp.asarray(patterns), index, jnp.asarray(inverse_temperatures))
    if n_devices:
        devices = jax.devices()[:n_devices]
        if n_nets % len(devices):
            raise ValueError(f"{n_nets} networks do not split evenly over {len(devices)} devices")
        sharding = NamedSharding(Mesh(np.array(devices), ("networks",)), PartitionSpec("networks"))
        args = jax.device_put(args, sharding)

    def run():
        jax.block_until_ready(f(*args))

    return run, n_nets * n_epochs * STEPS_PER_EPOCH


# ---------------------------------------------------------------- report


def header(dtype) -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = "%.1f %.1f %.1f" % os.getloadavg() if hasattr(os, "getloadavg") else "n/a"
    return (
        f"fepnet {fepnet.__version__} | JAX {jax.__version__} | device {jax.devices()[0]} "
        f"({jax.default_backend()}, {len(jax.devices())} devices) | dtype {np.dtype(dtype).name} | CPUs {cpus} | NumPy {np.__version__} "
        f"| load avg {load}"
    )


def target_note(key: str, value: float) -> str:
    if key not in TARGETS:
        return ""
    return f"  (target >= {TARGETS[key]:g}: {'met' if value >= TARGETS[key] else 'MISSED'})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short timings and fewer configurations (< 30 s)")
    parser.add_argument("--json", metavar="PATH", help="write the headline numbers to PATH")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    dtype = np.dtype(jnp.result_type(float))
    timing = dict(min_time=cfg.min_time, repeats=cfg.repeats)

    print(header(dtype))
    print(f"timing: best of {cfg.repeats} round(s) of >= {cfg.min_time:g} s each, after a warm-up call\n")
    results = {}

    print(f"{'single network':<22}{'fepnet steps/s':>16}{'NumPy steps/s':>16}{'ratio':>9}")
    for n in (64, 1024, 4096):
        problem = single_problem(n, dtype)
        jax_rate = throughput(*fepnet_workload(problem, cfg.epochs[n], dtype), **timing)
        numpy_rate = throughput(*numpy_workload(problem, cfg.numpy_steps[n], dtype), **timing)
        results[f"n{n}_steps_per_s"] = jax_rate
        if n == 64:
            results["n64_numpy_steps_per_s"] = numpy_rate
        results[f"n{n}_ratio"] = jax_rate / numpy_rate
        print(f"{'N = ' + str(n):<22}{jax_rate:>16,.1f}{numpy_rate:>16,.1f}{jax_rate / numpy_rate:>9.2f}"
              + target_note(f"n{n}_ratio", jax_rate / numpy_rate), flush=True)

    patterns, its = grid_problems(dtype)
    print(f"\nbatched: {patterns.shape[0]} networks x N = {patterns.shape[2]}, jax.vmap of fepnet.training.run_epochs")
    print(f"{'PRNG impl':<15}{'layout':<28}{'network-steps/s':>16}")
    best = (0.0, None)
    for impl in PRNG_IMPLS:
        for per_core in cfg.layouts:
            n_devices = min(per_core * _CPUS, len(jax.devices()))
            rate = throughput(*batched_workload(patterns, its, cfg.batched_epochs, impl, n_devices, dtype), **timing)
            layout = f"sharded over {n_devices} devices" if n_devices else "one device"
            print(f"{impl:<15}{layout:<28}{rate:>16,.0f}", flush=True)
            best = max(best, (rate, f"{impl}, {layout}"), key=lambda r: r[0])
    results["batched_network_steps_per_s"] = best[0]
    print(f"best: {best[1]}: {best[0]:,.0f} network-steps/s" + target_note("batched_network_steps_per_s", best[0]))

    if args.json:
        keys = ("n64_steps_per_s", "n64_numpy_steps_per_s", "n64_ratio", "n1024_steps_per_s", "n1024_ratio",
                "n4096_steps_per_s", "n4096_ratio", "batched_network_steps_per_s")
        with open(args.json, "w") as f:
            json.dump({k: float(results[k]) for k in keys}, f, indent=2)
            f.write("\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
