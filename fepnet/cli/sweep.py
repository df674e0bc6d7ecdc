"""``fepnet sweep``: a grid of networks trained and evaluated in one batched computation; the landscapes."""

from __future__ import annotations

import time

from ..infra.resources import configure_cpu_devices
from .common import add_out, add_seed, add_switches, positive_int


def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    from ..paper.grids import GRIDS
    from ..training import ORDERS

    sw = sub.add_parser(
        "sweep", help="train and evaluate a grid of networks in one batched computation; draw the landscapes",
        description="""Train every network of a grid of settings (FEP learning, random epochs) and evaluate it
            (retrieval, generalisation, attractors, orthogonality) in jitted, vmapped chunks sharded over the
            devices; write DIR/sweep.nc (xarray / netCDF), DIR/summary.json and the landscapes of the paper's
            Figure 3A. Settings take SPEC a:b:n (linear), log:a:b:n (log-spaced), x,y,z or x.""",
        epilog="example: fepnet sweep --evidence 1:20:20 --inverse-temperature log:0.01:1:19 --seeds 3")
    sw.add_argument("--grid", choices=sorted(GRIDS), default="paper-sim2",
                    help="the grid to start from (default: paper-sim2, 20 evidence levels x 19 iT = 380 networks)")
    sw.add_argument("--evidence", metavar="SPEC", help="evidence levels (replaces the grid's)")
    sw.add_argument("--inverse-temperature", metavar="SPEC", help="inverse temperatures (replaces the grid's)")
    sw.add_argument("--learning-rate", metavar="SPEC", help="learning rates (default: the grid's, 0.001)")
    sw.add_argument("--epochs", metavar="SPEC", help="training epochs; several values are checkpoints of one run "
                                                      "(default: the grid's, 5000)")
    sw.add_argument("--steps", metavar="SPEC", help="steps per epoch (default: the grid's, 10)")
    sw.add_argument("--seeds", type=positive_int, default=1, help="seeds 0..K-1 per grid point (default: 1)")
    add_seed(sw, "root PRNG seed")
    sw.add_argument("--order", choices=ORDERS, default="random", help="pattern order during training (default: random)")
    sw.add_argument("--trials", type=positive_int, default=100, help="score trials per network (default: 100)")
    sw.add_argument("--couplings", action="store_true", help="also store every network's final couplings in sweep.nc")
    sw.add_argument("--independent-keys", action="store_true",
                    help="a different key at every grid point (default: common random numbers per seed)")
    sw.add_argument("--memory-limit-mb", type=float, default=1024.0,
                    help="cap on a chunk's estimated device memory (default: 1024)")
    sw.add_argument("--chunk-size", type=positive_int, help="networks per chunk (default: from the memory cap, "
                                                              "about 10 chunks)")
    sw.add_argument("--cpu-devices", type=positive_int, default=None,
                    help="host devices to shard over on CPU (default: the usable cores; ignored when XLA_FLAGS "
                         "sets --xla_force_host_platform_device_count)")
    add_out(sw, "fepnet-sweep")
    add_switches(sw, figures="skip the figures", progress="hide the progress bar")


def run(args) -> int:
    """Run the command for parsed ``args``; returns the exit status."""
    t0 = time.perf_counter()
    note = configure_cpu_devices(args.cpu_devices)
    import jax

    from ..infra.artifacts import Artifacts
    from ..paper.grids import GRIDS
    from ..paper.landscapes_render import format_sweep, write_sweep
    from ..sweep import Evaluation, SweepGrid, run_sweep

    try:
        grid = SweepGrid.from_specs(GRIDS[args.grid], evidence_level=args.evidence,
                                    inverse_temperature=args.inverse_temperature, learning_rate=args.learning_rate,
                                    n_epochs=args.epochs, steps_per_epoch=args.steps).replace(seeds=args.seeds)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"fepnet sweep: {exc}") from None
    if not args.memory_limit_mb > 0:
        raise SystemExit("fepnet sweep: --memory-limit-mb must be positive")
    if args.seed < 0:
        raise SystemExit("fepnet sweep: --seed must be >= 0")
    try:
        out = Artifacts(args.out, "--out")
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"fepnet sweep: {exc}") from None
    dims = " x ".join([f"{len(vals)} {name}" for name, vals in grid.swept.items()] + [f"{len(grid.seeds)} seed(s)"])
    print(f"fepnet sweep: {grid.n_networks} networks ({dims}) on {jax.device_count()} "
          f"{jax.devices()[0].platform} device(s) ({note})", flush=True)
    ds = run_sweep(jax.random.key(args.seed), grid, evaluation=Evaluation(n_trials=args.trials), order=args.order,
                   couplings=args.couplings, common_random_numbers=not args.independent_keys,
                   memory_limit_mb=args.memory_limit_mb, chunk_size=args.chunk_size, progress=not args.no_progress)
    summary = write_sweep(ds, out, started=t0, make_figures=not args.no_figures)
    print(format_sweep(summary, args.out))
    return 0
