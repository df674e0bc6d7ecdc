"""Command-line interface: ``fepnet demo``, ``reproduce``, ``validate``, ``compare`` and ``sweep``.

One module per command (:mod:`fepnet.cli.demo`, ...), each with ``add_parser(sub)``
and ``run(args)``. Commands import what they need lazily, inside ``run``: importing
``fepnet.cli`` never imports NumPyro, ArviZ, ``inference`` or ``diagnostics``.
"""

from __future__ import annotations

import argparse
import sys

from . import compare, demo, reproduce, sweep, validate

__all__ = ["main"]

COMMANDS = {"demo": demo, "reproduce": reproduce, "validate": validate, "compare": compare, "sweep": sweep}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fepnet", description="Free-energy-principle attractor networks in JAX.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """The ``fepnet`` command; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        return COMMANDS[args.command].run(args)
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
