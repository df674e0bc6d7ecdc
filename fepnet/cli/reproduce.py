"""``fepnet reproduce``: the paper's simulations over independent seeds, against the published numbers."""

from __future__ import annotations

import os

from .common import add_out, add_switches, open_output, positive_int

SIMULATION_CHOICES = ["sim1", "sim2", "sim3", "sim4", "sim5", "all"]


def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    r = sub.add_parser("reproduce", help="reproduce the paper's simulations over independent seeds",
                       description="""Run one of the paper's Simulations 1-5 with its published protocol, seeds
                           0..K-1, and write DIR/<sim>/summary.json (per-seed values, median, IQR, published value)
                           and figures. Simulation 5 (capacity: the FEP network on random patterns, N = 100,
                           K = 10..90) runs K repeats in one batched computation and shows the published retention
                           and reconstruction side by side with ours, PASS or FAIL per K.""")
    r.add_argument("simulation", choices=SIMULATION_CHOICES, help="which simulation ('all': the five)")
    r.add_argument("--seeds", type=positive_int, default=None,
                   help="number of independent seeds (sim5: repeats) (default: 10; sim5: 20, the paper's)")
    add_out(r, "fepnet-reproduce")
    r.add_argument("--quick", action="store_true", help="reduced sizes for a smoke run (numbers not comparable)")
    add_switches(r)


def write_reproduction(reproduction, out) -> dict:
    """Write a reproduction's figures, then its ``summary.json``, into ``out`` (an Artifacts) under ``<sim>/``.

    Returns the summary as written: ``reproduction.summary`` with ``meta.files`` (the file names, relative
    to ``<sim>/``, ``summary.json`` first) added.
    """
    from ..paper.reproduce_render import reproduction_figures

    sim = reproduction.simulation
    names = []
    for name, fig in reproduction_figures(reproduction):
        out.figure(f"{sim}/{name}", fig)
        names.append(name)
    summary = reproduction.summary
    summary = dict(summary, meta=dict(summary["meta"], files=["summary.json"] + names))
    return out.json(f"{sim}/summary.json", summary, safe=False)


def prepare(args):
    """Check ``args`` (the output directory now); return the work: a function returning the exit status."""
    from ..paper.reproduce import SIMULATIONS, reproduce
    from ..paper.reproduce_render import format_summary

    out = open_output(args)

    def work() -> int:
        failed = False
        for sim in SIMULATIONS if args.simulation == "all" else (args.simulation,):
            result = reproduce(sim, seeds=args.seeds, quick=args.quick, progress=not args.no_progress)
            summary = write_reproduction(result, out)
            print(format_summary(summary))
            print(f"  wrote:       {os.path.join(args.out, sim)}/ ({', '.join(summary['meta']['files'])})\n",
                  flush=True)
            failed |= any(c["pass"] is False for c in summary["meta"]["checks"])
        if failed and not args.quick:
            print("fepnet reproduce: some acceptance checks failed (see above and the summary notes)")
        return 0

    return work
