"""``fepnet sweep``: a grid of networks trained and evaluated in one batched computation; the landscapes."""

from __future__ import annotations

import time

from ..infra.resources import configure_cpu_devices
from .common import (UsageError, add_out, add_seed, add_switches, nonnegative_int, open_output, positive_float,
                     positive_int)

# Runs estimated to take longer than this are refused unless --allow-long.
LONG_RUN_S = 24 * 3600.0
# The grid options and the settings they replace.
_SETTING_OPTIONS = {"--evidence": "evidence_level", "--inverse-temperature": "inverse_temperature",
          "--learning-rate": "learning_rate", "--epochs": "n_epochs", "--steps": "steps_per_epoch"}


def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    from ..paper.grids import GRIDS
    from ..training import ORDERS

    sw = sub.add_parser(
        "sweep", help="train and evaluate a grid of networks in one batched computation; draw the landscapes",
        description="""Train every network of a grid of settings (FEP learning, random epochs) and evaluate it
            (retrieval, generalisation, attractors, orthogonality) in jitted, vmapped chunks sharded over the
            devices; write DIR/sweep.nc (xarray / netCDF), DIR/summary.json and the landscapes of the paper's
            Figure 3A. Each setting takes VALUES: a:b:n (linear), log:a:b:n (log-spaced), x,y,z or x.""",
        epilog="example: fepnet sweep --evidence 1:20:20 --inverse-temperature log:0.01:1:19 --seeds 3")
    sw.add_argument("--grid", choices=sorted(GRIDS), default="paper-sim2",
                    help="the grid to start from (default: paper-sim2, 20 evidence levels x 19 iT = 380 networks)")
    sw.add_argument("--evidence", metavar="VALUES", help="evidence levels (replaces the grid's)")
    sw.add_argument("--inverse-temperature", metavar="VALUES", help="inverse temperatures (replaces the grid's)")
    sw.add_argument("--learning-rate", metavar="VALUES", help="learning rates (default: the grid's, 0.001)")
    sw.add_argument("--epochs", metavar="VALUES", help="training epochs; several values are checkpoints of one run "
                                                      "(default: the grid's, 5000)")
    sw.add_argument("--steps", metavar="VALUES", help="steps per epoch (default: the grid's, 10)")
    sw.add_argument("--seeds", type=positive_int, default=1, help="seeds 0..K-1 per grid point (default: 1)")
    add_seed(sw, "root PRNG seed")
    sw.add_argument("--order", choices=ORDERS, default="random", help="pattern order during training (default: random)")
    sw.add_argument("--trials", type=positive_int, default=100, help="score trials per network (default: 100)")
    sw.add_argument("--couplings", action="store_true", help="also store every network's final couplings in sweep.nc")
    sw.add_argument("--independent-keys", action="store_true",
                    help="a different key at every grid point (default: common random numbers per seed)")
    sw.add_argument("--memory-limit-mb", type=positive_float, default=1024.0,
                    help="cap on a chunk's estimated device memory (default: 1024)")
    sw.add_argument("--chunk-size", type=positive_int, help="networks per chunk (default: from the memory cap, "
                                                              "about 10 chunks)")
    sw.add_argument("--cpu-devices", type=positive_int, default=None,
                    help="host devices to shard over on CPU (default: the usable cores; ignored when XLA_FLAGS "
                         "sets --xla_force_host_platform_device_count)")
    dist = sw.add_argument_group(
        "several processes (jax.distributed; docs/scaling.md)",
        "Every process runs the same command; the networks are split over every process's devices and process 0 "
        "writes DIR. Give --coordinator, --num-processes and --process-id together, or --distributed alone "
        "under SLURM (srun) or Open MPI (mpirun).")
    dist.add_argument("--coordinator", metavar="HOST:PORT",
                      help="address of process 0's coordinator (the same in every process; 127.0.0.1:PORT on one host)")
    dist.add_argument("--num-processes", type=positive_int, help="how many processes take part")
    dist.add_argument("--process-id", type=nonnegative_int, help="this process's index, 0 .. N-1")
    dist.add_argument("--distributed", action="store_true",
                      help="join a multi-process run described by the cluster's environment (SLURM, Open MPI)")
    sw.add_argument("--allow-long", action="store_true",
                    help=f"run even when the sweep is estimated to take longer than {LONG_RUN_S / 3600:g} h "
                         "(the memory checks always apply)")
    add_out(sw, "fepnet-sweep")
    add_switches(sw, figures="skip the figures", progress="hide the progress bar")


def _grid(args):
    """The grid: ``--grid`` with each given spec replacing its setting; an error names the option."""
    from ..paper.grids import GRIDS
    from ..sweep import SweepGrid

    grid = GRIDS[args.grid]
    for option, setting in _SETTING_OPTIONS.items():
        text = getattr(args, option[2:].replace("-", "_"))
        if text is not None:
            try:
                grid = SweepGrid.from_specs(grid, **{setting: text})
            except (TypeError, ValueError) as exc:
                raise UsageError(f"{option} {text!r}: {exc}") from None
    try:
        return grid.replace(seeds=args.seeds)
    except ValueError as exc:
        raise UsageError(f"--seeds {args.seeds}: {exc}") from None


def prepare(args):
    """Check ``args``, then plan the sweep (memory and time, before anything is allocated); return the work."""
    t0 = time.perf_counter()
    coordinates = (args.coordinator, args.num_processes, args.process_id)
    if any(c is not None for c in coordinates) and (args.distributed or not all(c is not None for c in coordinates)):
        raise UsageError("give --coordinator, --num-processes and --process-id together, or --distributed alone")
    if args.process_id is not None and args.process_id >= args.num_processes:
        raise UsageError(f"--process-id {args.process_id}: must lie in 0 .. --num-processes - 1 = {args.num_processes - 1}")
    note = configure_cpu_devices(args.cpu_devices)
    import jax

    from .. import distributed
    if args.distributed or args.coordinator is not None:
        try:
            info = distributed.initialize(*coordinates)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"--coordinator {args.coordinator!r}: {exc}" if args.coordinator else str(exc)) from None
        note += f"; process {info.process_index} of {info.process_count}"
    main = distributed.is_main()

    from ..paper.landscapes_render import format_sweep, write_sweep
    from ..sweep import Evaluation, estimate_sweep, run_sweep
    from ..sweep.plan import format_seconds

    grid = _grid(args)
    evaluation = Evaluation(n_trials=args.trials)
    try:
        plan = estimate_sweep(grid, evaluation=evaluation, couplings=args.couplings,
                              memory_limit_mb=args.memory_limit_mb, chunk_size=args.chunk_size)
    except ValueError as exc:
        raise UsageError(str(exc).replace("memory_limit_mb=", "--memory-limit-mb ")
                         .replace("chunk_size=", "--chunk-size ")) from None
    if plan.seconds > LONG_RUN_S and not args.allow_long:
        raise UsageError(f"{grid.n_networks:,} networks would take about {format_seconds(plan.seconds)} here "
                         f"({plan.training_steps:,} training steps on {plan.n_devices} {plan.platform} device(s)); "
                         f"runs over {LONG_RUN_S / 3600:g} h need --allow-long, or sweep fewer values or seeds")
    out = open_output(args) if main else None  # process 0 writes; the others compute their share

    def work() -> int:
        dims = " x ".join([f"{len(vals)} {name}" for name, vals in grid.swept.items()]
                          + [f"{len(grid.seeds)} seed(s)"])
        if main:
            print(f"fepnet sweep: {grid.n_networks} networks ({dims}) on {jax.device_count()} "
                  f"{jax.devices()[0].platform} device(s) ({note})", flush=True)
            print(f"  plan:        {plan.describe()}", flush=True)
        ds = run_sweep(jax.random.key(args.seed), grid, evaluation=evaluation, order=args.order,
                       couplings=args.couplings, common_random_numbers=not args.independent_keys,
                       memory_limit_mb=args.memory_limit_mb, chunk_size=args.chunk_size,
                       progress=main and not args.no_progress)
        if not main:
            return 0
        summary = write_sweep(ds, out, started=t0, make_figures=not args.no_figures)
        print(format_sweep(summary, args.out))
        return 0

    return work
