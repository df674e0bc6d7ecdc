"""Command-line interface: ``fepnet demo``, ``reproduce``, ``validate``, ``compare`` and ``sweep``.

The ``validate`` and ``compare`` commands (and the validation step of ``demo``) import the
``diagnostics`` package lazily, inside the command: ``fepnet`` itself never
imports NumPyro or ArviZ.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ..infra.resources import configure_cpu_devices
from ..kernels import SCHEDULES
from ..paper.protocols import NETWORKS, SIM2

__all__ = ["main", "demo"]

# The "balanced" network of the paper's Simulation 2 (SPEC §5).
BALANCED = dict(evidence_level=NETWORKS["balanced"][0], inverse_temperature=NETWORKS["balanced"][1], **SIM2)


def demo(out: str = "fepnet-out", seed: int = 0, n_epochs: int = BALANCED["n_epochs"], progress: bool = True,
         validate: bool = True) -> dict:
    """Train the balanced digits network, find its attractors, write figures; return the summary.

    With ``validate`` the trained network (symmetrised) is then validated as by
    ``fepnet validate``: its sampling schedules against NUTS, into ``out/validation/``.
    """
    import jax
    import numpy as np

    from .. import figures
    from ..data import load_digits
    from ..paper.simulations import paper_attractors
    from ..training import train

    os.makedirs(out, exist_ok=True)
    digits = load_digits()
    settings = dict(BALANCED, n_epochs=n_epochs)
    t0 = time.perf_counter()
    result = train(
        jax.random.key(seed),
        digits.train,
        n_epochs=settings["n_epochs"],
        steps_per_epoch=settings["steps_per_epoch"],
        inverse_temperature=settings["inverse_temperature"],
        learning_rate=settings["learning_rate"],
        evidence_level=settings["evidence_level"],
        order="random",
        progress=progress,
    )
    t_train = time.perf_counter() - t0
    network = result.network
    # Attractors (SPEC §5): zero-bias deterministic synchronous relaxation at iT = 1 from L(0.1 x) for each
    # training pattern x times the evidence level, at most 1000 steps.
    t1 = time.perf_counter()
    attractors = paper_attractors(network, digits.train, settings["evidence_level"])
    t_relax = time.perf_counter() - t1

    network.save(os.path.join(out, "network.npz"))
    labels = [str(d) for d in digits.train_labels]
    figures.save_figure(
        figures.plot_couplings(network.couplings, "Learned couplings J (balanced digits network)"),
        os.path.join(out, "couplings.png"),
    )
    figures.save_figure(
        figures.plot_state_images(digits.train, (8, 8), titles=labels, suptitle="Training digits (preprocessed)",
                                  label="standardised pixel"),
        os.path.join(out, "training_digits.png"),
    )
    reached = [f"from {labels[np.flatnonzero(attractors.label == a)[0]]}" for a in range(attractors.count)]
    figures.save_figure(
        figures.plot_state_images(attractors.states, (8, 8), titles=reached,
                                  suptitle=f"{attractors.count} attractors (deterministic relaxation, iT = 1)"),
        os.path.join(out, "attractors.png"),
    )
    summary = {
        "settings": settings,
        "seed": seed,
        "n_attractors": attractors.count,
        "all_converged": bool(np.all(np.asarray(attractors.relaxed.converged))),
        "asymmetry": float(network.asymmetry()),
        "train_seconds": round(t_train, 3),
        "relax_seconds": round(t_relax, 3),
        "steps_per_second": round(settings["n_epochs"] * settings["steps_per_epoch"] / t_train, 1),
        "files": ["network.npz", "couplings.png", "training_digits.png", "attractors.png", "summary.json"],
    }
    if validate:
        from diagnostics.validation import validate as run_validation
        from diagnostics.validation import validation_network

        t2 = time.perf_counter()
        vn = validation_network("digits-balanced", jax.random.key(seed), network=network)
        result = run_validation(vn, out=os.path.join(out, "validation"), seed=seed, progress=progress)
        summary["validation"] = {schedule: e["verdict"] for schedule, e in result.items()}
        summary["validation"]["synchronous_samples"] = result["synchronous"]["samples"]
        summary["validate_seconds"] = round(time.perf_counter() - t2, 3)
        summary["files"].append("validation/")
    with open(os.path.join(out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    return summary


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fepnet", description="Free-energy-principle attractor networks in JAX.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train the paper's balanced digits network and show its attractors")
    p.add_argument("--out", default="fepnet-out", help="output directory (default: ./fepnet-out)")
    p.add_argument("--seed", type=int, default=0, help="PRNG seed (default: 0)")
    p.add_argument("--epochs", type=_positive_int, default=BALANCED["n_epochs"], help="training epochs (default: 5000)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--no-validate", action="store_true",
                   help="skip the validation of the network's sampling against NUTS (about a minute)")
    r = sub.add_parser("reproduce", help="reproduce the paper's simulations over independent seeds",
                       description="Run a paper simulation (SPEC §5) with seeds 0..K-1 and write "
                                   "DIR/<sim>/summary.json (per-seed values, median, IQR, published value) and figures.")
    r.add_argument("simulation", choices=["sim1", "sim2", "sim3", "sim4", "all"], help="which simulation ('all': the four)")
    r.add_argument("--seeds", type=_positive_int, default=10, help="number of independent seeds (default: 10)")
    r.add_argument("--out", default="fepnet-reproduce", help="output directory (default: ./fepnet-reproduce)")
    r.add_argument("--quick", action="store_true", help="reduced sizes for a smoke run (numbers not comparable)")
    r.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    val = sub.add_parser(
        "validate", help="check the network's own sampling against NUTS references; write a report",
        description="Sample the posterior of a network given a noisy digit with fepnet's schedules and with NUTS "
                    "(Boltzmann posterior, and pi_sync for the synchronous schedule), compare them, run "
                    "simulation-based calibration of the exact Gibbs sampler, and write DIR/validation.json, "
                    "DIR/details.json, figures and DIR/report.md (+ .html).")
    val.add_argument("--network", default="digits-balanced", type=_validation_network,
                     help="digits-balanced (default), sequence, random, or the path of a saved network (.npz)")
    val.add_argument("--schedule", nargs="+", default=["all"], choices=list(SCHEDULES) + ["all"],
                     help="schedules to validate (default: all)")
    val.add_argument("--out", default="fepnet-validate", help="output directory (default: ./fepnet-validate)")
    val.add_argument("--seed", type=int, default=0, help="PRNG seed (default: 0)")
    val.add_argument("--symmetrize", action=argparse.BooleanOptionalAction, default=None,
                     help="replace J by its symmetric part (default: yes for digits-balanced and random, "
                          "no for sequence and loaded networks)")
    val.add_argument("--chains", type=_positive_int, default=4, help="chains per sampler (default: 4)")
    val.add_argument("--draws", type=_positive_int, default=10_000, help="draws per chain (default: 10000)")
    val.add_argument("--burn-in", type=int, default=1_000, help="burn-in steps of fepnet's chains (default: 1000)")
    val.add_argument("--nuts-warmup", type=_positive_int, default=1_000, help="NUTS warm-up steps (default: 1000)")
    val.add_argument("--sbc-replications", type=int, default=200,
                     help="simulation-based calibration replications, 0 to skip (default: 200)")
    val.add_argument("--no-figures", action="store_true", help="skip the figures (faster)")
    val.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    cmp_ = sub.add_parser(
        "compare", help="Bayesian model comparison: do sequence / random-order data call for asymmetric couplings?",
        description="Fit the symmetric and the asymmetric coupling model (inference.coupling) to the states of "
                    "Simulation 3's protocol in fixed (sequence) and in random order, compare them by PSIS-LOO "
                    "(ArviZ), print ArviZ's comparison tables, rank networks trained on different digits by their "
                    "held-out AIS log-likelihood, and write DIR/compare.json, figures and DIR/report.md (+ .html).")
    cmp_.add_argument("--out", default="fepnet-compare", help="output directory (default: ./fepnet-compare)")
    cmp_.add_argument("--seed", type=int, default=0, help="PRNG seed (default: 0)")
    cmp_.add_argument("--source", choices=["evidence", "training"], default="evidence",
                      help="evidence: the clamped-evidence states x ~ CB(iT level p) (default); training: the "
                           "network's own states while it learns")
    cmp_.add_argument("--transitions", type=_positive_int, default=1000,
                      help="transitions x_{t-1} -> x_t per data set (default: 1000)")
    cmp_.add_argument("--svi-steps", type=_positive_int, default=2000, help="SVI steps per fit (default: 2000)")
    cmp_.add_argument("--draws", type=_positive_int, default=200,
                      help="posterior draws from each SVI guide (default: 200; at least 2)")
    cmp_.add_argument("--no-heldout", action="store_true", help="skip the held-out AIS ranking of networks")
    cmp_.add_argument("--no-figures", action="store_true", help="skip the figures (faster)")
    cmp_.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    _add_sweep_parser(sub)
    return parser


def _add_sweep_parser(sub) -> None:
    from ..sweep import GRIDS
    from ..training import ORDERS

    sw = sub.add_parser(
        "sweep", help="train and evaluate a grid of networks in one batched computation; draw the landscapes",
        description="Train every network of a grid of settings (FEP learning, random epochs) and evaluate it "
                    "(retrieval, generalisation, attractors, orthogonality) in jitted, vmapped chunks sharded over "
                    "the devices; write DIR/sweep.nc (xarray / netCDF), DIR/summary.json and the landscapes of the "
                    "paper's Figure 3A. Settings take SPEC a:b:n (linear), log:a:b:n (log-spaced), x,y,z or x.",
        epilog="example: fepnet sweep --evidence 1:20:20 --inverse-temperature log:0.01:1:19 --seeds 3")
    sw.add_argument("--grid", choices=sorted(GRIDS), default="paper-sim2",
                    help="the grid to start from (default: paper-sim2, 20 evidence levels x 19 iT = 380 networks)")
    sw.add_argument("--evidence", metavar="SPEC", help="evidence levels (replaces the grid's)")
    sw.add_argument("--inverse-temperature", metavar="SPEC", help="inverse temperatures (replaces the grid's)")
    sw.add_argument("--learning-rate", metavar="SPEC", help="learning rates (default: the grid's, 0.001)")
    sw.add_argument("--epochs", metavar="SPEC", help="training epochs; several values are checkpoints of one run "
                                                      "(default: the grid's, 5000)")
    sw.add_argument("--steps", metavar="SPEC", help="steps per epoch (default: the grid's, 10)")
    sw.add_argument("--seeds", type=_positive_int, default=1, help="seeds 0..K-1 per grid point (default: 1)")
    sw.add_argument("--seed", type=int, default=0, help="root PRNG seed (default: 0)")
    sw.add_argument("--order", choices=ORDERS, default="random", help="pattern order during training (default: random)")
    sw.add_argument("--trials", type=_positive_int, default=100, help="score trials per network (default: 100)")
    sw.add_argument("--couplings", action="store_true", help="also store every network's final couplings in sweep.nc")
    sw.add_argument("--independent-keys", action="store_true",
                    help="a different key at every grid point (default: common random numbers per seed)")
    sw.add_argument("--memory-limit-mb", type=float, default=1024.0,
                    help="cap on a chunk's estimated device memory (default: 1024)")
    sw.add_argument("--chunk-size", type=_positive_int, help="networks per chunk (default: from the memory cap, "
                                                              "about 10 chunks)")
    sw.add_argument("--cpu-devices", type=_positive_int, default=None,
                    help="host devices to shard over on CPU (default: the usable cores; ignored when XLA_FLAGS "
                         "sets --xla_force_host_platform_device_count)")
    sw.add_argument("--out", default="fepnet-sweep", help="output directory (default: ./fepnet-sweep)")
    sw.add_argument("--no-figures", action="store_true", help="skip the figures")
    sw.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _sweep_command(args) -> None:
    t0 = time.perf_counter()
    note = configure_cpu_devices(args.cpu_devices)
    import jax

    from ..paper.landscapes import format_sweep, write_sweep
    from ..sweep import GRIDS, Evaluation, SweepGrid, run_sweep

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
    dims = " x ".join([f"{len(vals)} {name}" for name, vals in grid.swept.items()] + [f"{len(grid.seeds)} seed(s)"])
    print(f"fepnet sweep: {grid.n_networks} networks ({dims}) on {jax.device_count()} "
          f"{jax.devices()[0].platform} device(s) ({note})", flush=True)
    ds = run_sweep(jax.random.key(args.seed), grid, evaluation=Evaluation(n_trials=args.trials), order=args.order,
               couplings=args.couplings, common_random_numbers=not args.independent_keys,
               memory_limit_mb=args.memory_limit_mb, chunk_size=args.chunk_size, progress=not args.no_progress)
    summary = write_sweep(ds, args.out, started=t0, make_figures=not args.no_figures)
    print(format_sweep(summary, args.out))


def _validation_network(text: str) -> str:
    from diagnostics.validation import NETWORK_NAMES

    if text in NETWORK_NAMES or os.path.isfile(text):
        return text
    raise argparse.ArgumentTypeError(f"must be one of {', '.join(NETWORK_NAMES)} or a saved network file, got {text!r}")


def main(argv=None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        sys.stderr.close()
        return 0


def _main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        s = demo(args.out, args.seed, args.epochs, progress=not args.no_progress, validate=not args.no_validate)
        st = s["settings"]
        print(
            f"fepnet demo: balanced digits network (evidence {st['evidence_level']:g}, iT {st['inverse_temperature']:g}, "
            f"alpha {st['learning_rate']:g}, {st['n_epochs']} random epochs x {st['steps_per_epoch']} steps)\n"
            f"  attractors:  {s['n_attractors']} (all relaxations converged: {s['all_converged']})\n"
            f"  asymmetry:   ||J - J^T|| / ||J|| = {s['asymmetry']:.3f}\n"
            f"  time:        training {s['train_seconds']:.2f} s ({s['steps_per_second']:,.0f} steps/s incl. compile), "
            f"relaxation {s['relax_seconds']:.2f} s\n"
            f"  wrote:       {', '.join(os.path.join(args.out, f) for f in s['files'])}"
        )
        if "validation" in s:
            verdicts = ", ".join(f"{k} {val}" for k, val in s["validation"].items() if k != "synchronous_samples")
            print(f"  validation:  against NUTS: {verdicts}; the synchronous chain samples "
                  f"{s['validation']['synchronous_samples']} "
                  f"({s['validate_seconds']:.0f} s; report: {os.path.join(args.out, 'validation', 'report.md')})")
    elif args.command == "validate":
        from diagnostics.validation import format_validation, validate

        if args.burn_in < 0 or args.sbc_replications < 0:
            raise SystemExit("fepnet validate: --burn-in and --sbc-replications must be >= 0")
        schedules = SCHEDULES if "all" in args.schedule else args.schedule
        result = validate(args.network, schedules, args.out, seed=args.seed, symmetrize=args.symmetrize,
                          chains=args.chains, draws=args.draws, burn_in=args.burn_in, nuts_warmup=args.nuts_warmup,
                          sbc_replications=args.sbc_replications, figures=not args.no_figures,
                          progress=not args.no_progress)
        print(format_validation(result, args.out))
    elif args.command == "compare":
        from diagnostics.sequence_comparison import compare_orders, format_comparison, write_comparison

        if args.draws < 2:
            raise SystemExit("fepnet compare: --draws must be >= 2")
        import jax

        result = compare_orders(jax.random.key(args.seed), n_transitions=args.transitions, source=args.source,
                                svi_steps=args.svi_steps, num_draws=args.draws, heldout=not args.no_heldout,
                                progress=not args.no_progress)
        write_comparison(result, args.out, figures=not args.no_figures)
        print(format_comparison(result))
        print(f"  wrote:       {os.path.join(args.out, 'compare.json')}, {os.path.join(args.out, 'report.md')}")
    elif args.command == "sweep":
        _sweep_command(args)
    elif args.command == "reproduce":
        from ..paper.reproduce import SIMULATIONS, format_summary, reproduce

        failed = False
        for sim in SIMULATIONS if args.simulation == "all" else (args.simulation,):
            summary = reproduce(sim, seeds=args.seeds, out=args.out, quick=args.quick, progress=not args.no_progress)
            print(format_summary(summary))
            print(f"  wrote:       {os.path.join(args.out, sim)}/ ({', '.join(summary['meta']['files'])})\n", flush=True)
            failed |= any(c["pass"] is False for c in summary["meta"]["checks"])
        if failed and not args.quick:
            print("fepnet reproduce: some acceptance checks failed (see above and the summary notes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
