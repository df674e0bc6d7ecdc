"""``fepnet validate``: the network's own sampling against NUTS references, with a report."""

from __future__ import annotations

import argparse
import os

from ..kernels import SCHEDULES
from .common import add_out, add_seed, add_switches, positive_int


def _validation_network(text: str) -> str:
    from ..paper.networks import NETWORK_NAMES

    if text in NETWORK_NAMES or os.path.isfile(text):
        return text
    raise argparse.ArgumentTypeError(f"must be one of {', '.join(NETWORK_NAMES)} or a saved network file, got {text!r}")


def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    val = sub.add_parser(
        "validate", help="check the network's own sampling against NUTS references; write a report",
        description="""Sample the posterior of a network given a noisy digit with fepnet's schedules and with NUTS
            (Boltzmann posterior, and pi_sync for the synchronous schedule), compare them, run simulation-based
            calibration of the exact Gibbs sampler, and write DIR/validation.json, DIR/details.json, figures and
            DIR/report.md (+ .html).""")
    val.add_argument("--network", default="digits-balanced", type=_validation_network,
                     help="digits-balanced (default), sequence, random, or the path of a saved network (.npz)")
    val.add_argument("--schedule", nargs="+", default=["all"], choices=list(SCHEDULES) + ["all"],
                     help="schedules to validate (default: all)")
    add_out(val, "fepnet-validate")
    add_seed(val)
    val.add_argument("--symmetrize", action=argparse.BooleanOptionalAction, default=None,
                     help="replace J by its symmetric part (default: yes for digits-balanced and random, "
                          "no for sequence and loaded networks)")
    val.add_argument("--chains", type=positive_int, default=4, help="chains per sampler (default: 4)")
    val.add_argument("--draws", type=positive_int, default=10_000, help="draws per chain (default: 10000)")
    val.add_argument("--burn-in", type=int, default=1_000, help="burn-in steps of fepnet's chains (default: 1000)")
    val.add_argument("--nuts-warmup", type=positive_int, default=1_000, help="NUTS warm-up steps (default: 1000)")
    val.add_argument("--sbc-replications", type=int, default=200,
                     help="simulation-based calibration replications, 0 to skip (default: 200)")
    add_switches(val, figures="skip the figures (faster)")


def run(args) -> int:
    """Run the command for parsed ``args``; returns the exit status."""
    from diagnostics.validation import (
        format_validation,
        run_validation,
        validation_keys,
        validation_summary,
        write_validation,
    )

    from ..infra.artifacts import Artifacts
    from ..paper.networks import resolve_network

    if args.burn_in < 0 or args.sbc_replications < 0:
        raise SystemExit("fepnet validate: --burn-in and --sbc-replications must be >= 0")
    artifacts = Artifacts(args.out)
    schedules = SCHEDULES if "all" in args.schedule else args.schedule
    network = resolve_network(args.network, validation_keys(args.seed)[0], symmetrize=args.symmetrize)
    result = run_validation(network, schedules, seed=args.seed, n_chains=args.chains, n_draws=args.draws,
                            burn_in=args.burn_in, n_nuts_warmup=args.nuts_warmup,
                            n_sbc_replications=args.sbc_replications, progress=not args.no_progress)
    write_validation(artifacts, result, figures=not args.no_figures)
    print(format_validation(validation_summary(result), args.out))
    return 0
