"""Throughput of the batched parameter sweep against the same networks run one after another.

What is measured (all in one process, in the JAX default dtype, float32
unless x64 is enabled):

1. The batched sweep, ``fepnet.sweep.run_sweep``: every network of a grid trained
   with the paper's protocol (random-order epochs of 10 fused stochastic steps
   with learning, alpha = 0.001: the paper's Simulation 2 protocol) and evaluated (retrieval and one-shot
   generalisation scores, deterministic attractors), chunks of networks as one
   jitted ``jax.vmap`` whose batch axis is sharded over the host CPU devices
   (``fepnet.infra.resources.configure_cpu_devices``, called before JAX starts; default:
   one device per usable core).
2. The baseline: the SAME networks (same keys, settings and evaluation) run one
   after another with the single-network driver on the default device:
   ``fepnet.train``, ``fepnet.retrieval_score``, ``fepnet.generalization_score``
   and ``fepnet.paper.paper_attractors``, exactly the pipeline the sweep
   computes (common random numbers: network of seed s uses
   ``network_key(key, s)``). The script checks that the baseline's attractor
   counts equal the sweep's and that its retrieval and generalisation scores
   agree to float32 rounding (|difference| <= 1e-5: inside the batched program
   the compiler may fuse a multiply-add differently); it reports the number of
   mismatches and the largest differences, and exits with status 1 on any mismatch.

Each side runs at least twice with identical shapes: "cold" (the first call, including
tracing and compilation) and "warm" (the second, served from JAX's compilation
cache; ``--repeats R`` makes R warm runs per side and keeps the fastest). Order:
sweep cold, baseline cold, then sweep warm, baseline warm (R times; the sweep
goes first, so one-time costs shared by both fall on the sweep). Wall times
cover the whole pipeline, training and evaluation, with results fetched to the
host. The figure of merit is training network-steps per second, n_networks x
n_epochs x steps_per_epoch / wall, and ``speedup`` = warm sweep rate / warm
baseline rate (``speedup_cold`` likewise for the cold runs). Absolute rates
depend on the machine and its load; the ratios, measured within one process on
the same hardware, are the figures to compare. Peak RSS is the process's
maximum resident set size (getrusage).

Default grid: a 16-network subset of the paper's Simulation 2 grid (evidence
levels 4, 8, 12, 16 x inverse temperatures geomspace(0.01, 1, 19)[[6, 9, 12,
15]]), 5000 epochs x 10 steps, 100 score trials.

Usage::

    python benchmarks/bench_sweep.py                   # default grid, about 25 s on 2 cores
    python benchmarks/bench_sweep.py --quick           # smoke test: 2 x 2 networks, 300 epochs, 20 trials
    python benchmarks/bench_sweep.py --json out.json   # also write the figures as JSON
    python benchmarks/bench_sweep.py --repeats 3       # best of 3 warm runs per side (steadier on a busy machine)
    python benchmarks/bench_sweep.py --evidence 1:20:20 --inverse-temperature log:0.01:1:19 --cpu-devices 4
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

import fepnet
import fepnet.infra.resources
from fepnet.infra.resources import peak_rss_mb

STEPS_PER_EPOCH = 10
LEARNING_RATE = 0.001
DEFAULT = dict(evidence=(4.0, 8.0, 12.0, 16.0), it_index=(6, 9, 12, 15), epochs=5000, trials=100)
QUICK = dict(evidence=(8.0, 16.0), it_index=(6, 12), epochs=300, trials=20)
METRICS = ("retrieval", "generalization", "n_attractors")  # sweep vs baseline: counts exactly, scores to TOLERANCE
TOLERANCE = {"retrieval": 1e-5, "generalization": 1e-5, "n_attractors": 0.0}


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _values(spec, name, default):
    """Setting values from a ``parse_values`` spec (or the default), always as a tuple (a swept dimension)."""
    if spec is None:
        return tuple(float(x) for x in default)
    from fepnet.sweep import parse_values

    try:
        values = parse_values(spec, name)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"bench_sweep: {exc}") from None
    return values if isinstance(values, tuple) else (values,)


def time_sweep(seed, grid, n_trials):
    """One sweep call; (wall s, {metric: (n_levels, n_its) array}, dataset attributes)."""
    import jax
    from fepnet.sweep import Evaluation, run_sweep

    t0 = time.perf_counter()
    ds = run_sweep(jax.random.key(seed), grid, evaluation=Evaluation(n_trials=n_trials), progress=False, devices=None)
    wall = time.perf_counter() - t0
    ds = ds.transpose("evidence_level", "inverse_temperature", "seed")
    return wall, {m: np.asarray(ds[m].values)[:, :, 0] for m in METRICS}, dict(ds.attrs)


def time_baseline(seed, grid, n_trials, digits):
    """The same networks one after another with the single-network driver; (wall s, {metric: array})."""
    import jax
    from fepnet.paper import paper_attractors
    from fepnet.sweep import network_key

    levels, its = grid.values("evidence_level"), grid.values("inverse_temperature")
    out = {m: np.zeros((len(levels), len(its)), np.int64 if m == "n_attractors" else np.float64) for m in METRICS}
    t0 = time.perf_counter()
    k = network_key(jax.random.key(seed), 0)  # common random numbers: every network of seed 0 uses this key
    for i, level in enumerate(levels):
        for j, it in enumerate(its):
            k_train, k_score = jax.random.split(k)
            r = fepnet.train(k_train, digits.train, n_epochs=grid.n_epochs, steps_per_epoch=grid.steps_per_epoch,
                             inverse_temperature=it, learning_rate=grid.learning_rate, evidence_level=level,
                             order="random", progress=False)
            k_ret, k_gen = jax.random.split(k_score)
            kw = dict(evidence_level=level, n_trials=n_trials, n_steps=100)
            out["retrieval"][i, j] = float(fepnet.retrieval_score(k_ret, r.network, digits.train, **kw).score)
            out["generalization"][i, j] = float(fepnet.generalization_score(k_gen, r.network, digits.test, **kw).score)
            out["n_attractors"][i, j] = paper_attractors(r.network, digits.train, level).count
    return time.perf_counter() - t0, out


def max_abs_difference(a: dict, b: dict) -> dict:
    """metric -> largest |a - b| over the entries where both are finite (0.0 when there are none)."""
    out = {}
    for m in METRICS:
        x, y = np.asarray(a[m], np.float64), np.asarray(b[m], np.float64)
        both = np.isfinite(x) & np.isfinite(y)
        out[m] = float(np.abs(x - y)[both].max()) if both.any() else 0.0
    return out


def count_mismatches(a: dict, b: dict, tolerance=None) -> int:
    """Entries of METRICS that differ between two result dicts by more than ``tolerance`` (default: any
    difference; NaN equals NaN)."""
    total = 0
    for m in METRICS:
        x, y = np.asarray(a[m], np.float64), np.asarray(b[m], np.float64)
        same = (np.abs(x - y) <= (tolerance or {}).get(m, 0.0)) | (np.isnan(x) & np.isnan(y))
        total += int((~same).sum())
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 x 2 networks, 300 epochs, 20 trials")
    parser.add_argument("--evidence", metavar="VALUES", help="evidence levels (a:b:n, log:a:b:n, x,y,z or x)")
    parser.add_argument("--inverse-temperature", metavar="VALUES", help="inverse temperatures (same forms)")
    parser.add_argument("--epochs", type=_positive_int, help="training epochs per network (default 5000; quick 300)")
    parser.add_argument("--trials", type=_positive_int, help="score trials per network (default 100; quick 20)")
    parser.add_argument("--repeats", type=_positive_int, default=1,
                        help="warm runs per side, interleaved; the fastest counts (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="root PRNG seed (default 0)")
    parser.add_argument("--cpu-devices", type=_positive_int, default=None,
                        help="host CPU devices for the sweep (default: the usable cores; ignored when XLA_FLAGS "
                             "sets --xla_force_host_platform_device_count)")
    parser.add_argument("--json", metavar="PATH", help="write the figures to PATH as JSON")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error("--seed must be >= 0")

    note = fepnet.infra.resources.configure_cpu_devices(args.cpu_devices)  # before any JAX computation
    import jax
    import jax.numpy as jnp
    from fepnet.sweep import SweepGrid

    cfg = QUICK if args.quick else DEFAULT
    levels = _values(args.evidence, "--evidence", cfg["evidence"])
    its = _values(args.inverse_temperature, "--inverse-temperature", np.geomspace(0.01, 1.0, 19)[list(cfg["it_index"])])
    n_epochs = args.epochs or cfg["epochs"]
    n_trials = args.trials or cfg["trials"]
    try:
        grid = SweepGrid(evidence_level=levels, inverse_temperature=its, learning_rate=LEARNING_RATE,
                         n_epochs=n_epochs, steps_per_epoch=STEPS_PER_EPOCH, seeds=1)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"bench_sweep: {exc}") from None
    n_networks = grid.n_networks
    steps_per_network = n_epochs * STEPS_PER_EPOCH
    total_steps = n_networks * steps_per_network
    dtype = np.dtype(jnp.result_type(float))

    digits = fepnet.data.load_digits()  # outside the timings (the sweep loads its own copy, a few ms)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = "%.1f %.1f %.1f" % os.getloadavg() if hasattr(os, "getloadavg") else "n/a"
    print(f"fepnet {fepnet.__version__} | JAX {jax.__version__} | {jax.device_count()} {jax.default_backend()} "
          f"device(s) ({note}) | dtype {dtype.name} | CPUs {cpus} | load avg {load}")
    print(f"grid: {len(levels)} evidence levels {list(levels)} x {len(its)} inverse temperatures "
          f"{[float(f'{x:.4g}') for x in its]} = {n_networks} networks; {n_epochs} epochs x {STEPS_PER_EPOCH} steps, "
          f"{n_trials} score trials; seed {args.seed}", flush=True)

    runs = {}
    sweep_wall, sweep_res, attrs = time_sweep(args.seed, grid, n_trials)
    runs["sweep, cold"] = sweep_wall
    base_wall, base_res = time_baseline(args.seed, grid, n_trials, digits)
    runs["one by one, cold"] = base_wall
    repeat_mismatches = 0
    for _ in range(args.repeats):  # warm runs, interleaved; the fastest of each side counts
        wall, sweep_res2, attrs = time_sweep(args.seed, grid, n_trials)
        runs["sweep, warm"] = min(wall, runs.get("sweep, warm", math.inf))
        wall, base_res2 = time_baseline(args.seed, grid, n_trials, digits)
        runs["one by one, warm"] = min(wall, runs.get("one by one, warm", math.inf))
        repeat_mismatches += count_mismatches(sweep_res, sweep_res2) + count_mismatches(base_res, base_res2)
    sweep_wall2, base_wall2 = runs["sweep, warm"], runs["one by one, warm"]
    if attrs["training_steps"] != total_steps:
        raise SystemExit(f"bench_sweep: the sweep reports {attrs['training_steps']} training steps, "
                         f"expected {total_steps}")

    mismatches = count_mismatches(sweep_res2, base_res2, TOLERANCE)
    max_diff = max_abs_difference(sweep_res2, base_res2)
    rate = {name: total_steps / wall for name, wall in runs.items()}
    speedup = rate["sweep, warm"] / rate["one by one, warm"]
    speedup_cold = rate["sweep, cold"] / rate["one by one, cold"]
    rss = peak_rss_mb()

    print(f"\nsweep: {attrs['n_devices']} device(s), chunks of {attrs['chunk_size']} networks ({attrs['n_chunks']} "
          f"chunk(s)); one by one: default device {jax.devices()[0]}")
    print(f"{'run':<20}{'wall s':>10}{'network-steps/s':>18}{'s / network':>14}")
    for name in ("sweep, cold", "sweep, warm", "one by one, cold", "one by one, warm"):
        print(f"{name:<20}{runs[name]:>10.2f}{rate[name]:>18,.0f}{runs[name] / n_networks:>14.3f}")
    print(f"speedup (sweep / one by one, network-steps/s): warm {speedup:.2f}x, cold {speedup_cold:.2f}x")
    n_values = len(METRICS) * n_networks
    print(f"sweep vs one by one ({', '.join(METRICS)}): {mismatches} of {n_values} values differ beyond "
          f"float32 rounding{'' if mismatches == 0 else '  <-- MISMATCH'}; cold vs warm runs: {repeat_mismatches} "
          f"differ at all")
    print("largest |sweep - one by one|: " + ", ".join(f"{m} {d:.3g}" for m, d in max_diff.items()))
    print(f"peak RSS: {rss:,.0f} MiB")

    if args.json:
        from fepnet.infra.files import write_json

        result = dict(
            n_networks=n_networks,
            steps_per_network=steps_per_network,
            n_devices=int(attrs["n_devices"]),
            chunk_size=int(attrs["chunk_size"]),
            n_chunks=int(attrs["n_chunks"]),
            sweep_wall_s=sweep_wall2,
            sweep_steps_per_s=rate["sweep, warm"],
            sweep_cold_wall_s=sweep_wall,
            sweep_cold_steps_per_s=rate["sweep, cold"],
            baseline_wall_s=base_wall2,
            baseline_steps_per_s=rate["one by one, warm"],
            baseline_cold_wall_s=base_wall,
            baseline_cold_steps_per_s=rate["one by one, cold"],
            speedup=speedup,
            speedup_cold=speedup_cold,
            mismatches=mismatches,
            max_abs_difference=max_diff,
            repeat_mismatches=repeat_mismatches,
            repeats=args.repeats,
            peak_rss_mb=rss,
            evidence_level=[float(x) for x in levels],
            inverse_temperature=[float(x) for x in its],
            n_epochs=n_epochs,
            steps_per_epoch=STEPS_PER_EPOCH,
            learning_rate=LEARNING_RATE,
            n_trials=n_trials,
            seed=args.seed,
            quick=bool(args.quick),
            devices=note,
            dtype=dtype.name,
            cpus=cpus,
            fepnet=fepnet.__version__,
            jax=jax.__version__,
        )
        write_json(args.json, result)
        print(f"wrote {args.json}")
    if mismatches:
        print(f"bench_sweep: {mismatches} sweep value(s) differ from the single-network driver's", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
