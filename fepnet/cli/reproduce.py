"""``fepnet reproduce``: the paper's simulations over independent seeds, against the published numbers."""

from __future__ import annotations

import os

from .common import positive_int

def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    r = sub.add_parser("reproduce", help="reproduce the paper's simulations over independent seeds",
                       description="Run a paper simulation (SPEC §5) with seeds 0..K-1 and write "
                                   "DIR/<sim>/summary.json (per-seed values, median, IQR, published value) and figures.")
    r.add_argument("simulation", choices=["sim1", "sim2", "sim3", "sim4", "all"], help="which simulation ('all': the four)")
    r.add_argument("--seeds", type=positive_int, default=10, help="number of independent seeds (default: 10)")
    r.add_argument("--out", default="fepnet-reproduce", help="output directory (default: ./fepnet-reproduce)")
    r.add_argument("--quick", action="store_true", help="reduced sizes for a smoke run (numbers not comparable)")
    r.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def run(args) -> int:
    """Run the command for parsed ``args``; returns the exit status."""
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
