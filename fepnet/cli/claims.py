"""``fepnet claims``: the page "The paper's claims, measured" from the results JSON of fepnet's commands."""

from __future__ import annotations

import os

from .common import UsageError


def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    c = sub.add_parser(
        "claims", help="write the page 'The paper's claims, measured' from the commands' results JSON",
        description="""Read the JSON that fepnet validate, reproduce, compare, capacity and
            benchmarks/bench_scaling.py wrote (copied into one results directory, see fepnet.paper.claims) and
            write, for each claim of the paper, the command that tests it and the measured verdict with its
            numbers and figure, as Markdown (on standard output, or into --out).""",
        epilog="example: fepnet claims --results docs/results --out docs/claims.md")
    c.add_argument("--results", default=os.path.join("docs", "results"),
                   help="the results directory (default: docs/results)")
    c.add_argument("--out", default=None, help="the Markdown file to write (default: standard output)")


def prepare(args):
    """Check ``args`` (the results directory, the output file's folder); return the work."""
    if not os.path.isdir(args.results):
        raise UsageError(f"--results {args.results!r} is not a directory")
    if args.out is not None:
        if os.path.isdir(args.out):
            raise UsageError(f"--out {args.out!r} is a directory; give a file name")
        folder = os.path.dirname(os.path.abspath(args.out))
        if not os.path.isdir(folder):
            raise UsageError(f"--out: the folder {folder!r} does not exist")

    def work() -> int:
        from ..infra.files import write_text
        from ..paper.claims import claims_markdown

        if args.out is None:
            print(claims_markdown(args.results), end="", flush=True)
        else:
            text = claims_markdown(args.results, page_dir=os.path.dirname(os.path.abspath(args.out)))
            write_text(args.out, text)
            print(f"wrote {args.out}", flush=True)
        return 0

    return work
