"""``fepnet validate``: the network's own sampling against NUTS references, with a report."""

from __future__ import annotations

import argparse
import os

from ..kernels import SCHEDULES
from .common import UsageError, add_out, add_seed, add_switches, integer, nonnegative_int, open_output, positive_int


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
    # the minimums are run_validation's (diagnostics.validation): at least 2 chains of 100 draws
    val.add_argument("--chains", type=integer(2), default=4, help="chains per sampler (default: 4; at least 2)")
    val.add_argument("--draws", type=integer(100), default=10_000,
                     help="draws per chain (default: 10000; at least 100)")
    val.add_argument("--burn-in", type=nonnegative_int, default=1_000,
                     help="burn-in steps of fepnet's chains (default: 1000)")
    val.add_argument("--nuts-warmup", type=positive_int, default=1_000, help="NUTS warm-up steps (default: 1000)")
    val.add_argument("--sbc-replications", type=nonnegative_int, default=200,
                     help="simulation-based calibration replications, 0 to skip (default: 200)")
    add_switches(val, figures="skip the figures (faster)")


def prepare(args):
    """Check ``args`` (a saved network is loaded now, then the output directory); return the work."""
    from diagnostics.validation import (
        format_validation,
        run_validation,
        validation_keys,
        validation_summary,
        write_validation,
    )

    from ..paper.networks import NETWORK_NAMES, loaded_network, resolve_network

    schedules = SCHEDULES if "all" in args.schedule else args.schedule
    key = validation_keys(args.seed)[0]
    network = args.network
    if network not in NETWORK_NAMES:  # a file: read it before anything is created
        try:
            network = loaded_network(network, key, symmetrize=bool(args.symmetrize))
        except Exception as exc:  # whatever the file holds, it is the user's input: a usage error
            why = str(exc) if isinstance(exc, (OSError, TypeError, ValueError)) else f"{type(exc).__name__}: {exc}"
            raise UsageError(f"--network: {why}") from None
    artifacts = open_output(args)

    def work() -> int:
        vn = resolve_network(network, key, symmetrize=args.symmetrize, progress=not args.no_progress)
        result = run_validation(vn, schedules, seed=args.seed, n_chains=args.chains, n_draws=args.draws,
                                burn_in=args.burn_in, n_nuts_warmup=args.nuts_warmup,
                                n_sbc_replications=args.sbc_replications, progress=not args.no_progress)
        write_validation(artifacts, result, figures=not args.no_figures)
        print(format_validation(validation_summary(result), args.out))
        return 0

    return work
