"""``fepnet demo``: train the paper's balanced digits network, find its attractors, validate it."""

from __future__ import annotations

import os
import time

from .common import add_out, add_seed, add_switches, open_output, positive_int

FILES = ["network.npz", "couplings.png", "training_digits.png", "attractors.png", "summary.json"]


def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    from ..paper.demo import BALANCED

    p = sub.add_parser("demo", help="train the paper's balanced digits network and show its attractors")
    add_out(p, "fepnet-out")
    add_seed(p)
    p.add_argument("--epochs", type=positive_int, default=BALANCED["n_epochs"], help="training epochs (default: 5000)")
    add_switches(p, progress="hide the progress bar")
    p.add_argument("--no-validate", action="store_true",
                   help="skip the validation of the network's sampling against NUTS (about a minute)")


def validate_network(network, out: str, seed: int, progress: bool) -> dict:
    """Validate the trained network's sampling schedules against NUTS, as ``fepnet validate`` does.

    Writes into ``out`` (the demo's ``validation/``). Returns ``{"verdicts": {schedule: verdict, ...,
    "synchronous_samples": what the synchronous chain samples}, "seconds": wall time}``.
    The demo's only use of ``diagnostics`` (imported here, lazily).
    """
    import jax

    from diagnostics.validation import validate

    from ..paper.networks import validation_network

    t0 = time.perf_counter()
    vn = validation_network("digits-balanced", jax.random.key(seed), network=network)
    result = validate(vn, out=out, seed=seed, progress=progress)
    verdicts = {schedule: e["verdict"] for schedule, e in result.items()}
    verdicts["synchronous_samples"] = result["synchronous"]["samples"]
    return {"verdicts": verdicts, "seconds": time.perf_counter() - t0}


def prepare(args):
    """Check ``args`` (the output directory now); return the work: a function returning the exit status."""
    from ..paper.demo import demo_summary, train_balanced
    from ..paper.demo_render import demo_figures, format_demo

    out = open_output(args)
    progress = not args.no_progress

    def work() -> int:
        result = train_balanced(args.seed, args.epochs, progress=progress)
        result.network.save(out.path("network.npz"))  # atomic
        out.record("network.npz")
        for name, fig in demo_figures(result):
            out.figure(name, fig)
        summary = demo_summary(result, FILES)
        if not args.no_validate:
            validation = validate_network(result.network, os.path.join(out.directory, "validation"), args.seed,
                                          progress)
            summary["validation"] = validation["verdicts"]
            summary["validate_seconds"] = round(validation["seconds"], 3)
            summary["files"].append("validation/")
        out.json("summary.json", summary)
        print(format_demo(summary, args.out))
        return 0

    return work
