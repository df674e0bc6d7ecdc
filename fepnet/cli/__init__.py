"""Command-line interface: ``fepnet demo``, ``reproduce``, ``validate``, ``compare``, ``sweep``, ``capacity`` and ``claims``.

One module per command (:mod:`fepnet.cli.demo`, ...), each with ``add_parser(sub)`` and
``prepare(args)``: ``prepare`` checks every input (numbers, input files, the output
location) and returns the work, a function of no arguments that returns the exit status.
Commands import what they need lazily, inside ``prepare``: importing ``fepnet.cli`` never
imports NumPyro, ArviZ, ``inference`` or ``diagnostics``.

Errors are handled here, once, for every command: one line on stderr and no traceback
(``fepnet --debug ...`` lets the exception through, traceback and all):

- exit status 2, ``fepnet <cmd>: error: ...``: a usage error, found before the work starts
  (bad arguments, input files or output location: argparse, and any ``ValueError`` or
  ``TypeError`` raised by ``prepare``);
- exit status 1, ``fepnet <cmd>: failed: ...``: an error during the work;
- exit status 130, ``fepnet <cmd>: interrupted``: Ctrl-C. Files are written atomically, so
  an interrupted run leaves complete files only.

A run that fails removes the output directories it created while they are still empty.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys

from ..version import __version__
from . import capacity, claims, compare, demo, reproduce, sweep, validate

__all__ = ["main"]

COMMANDS = {"demo": demo, "reproduce": reproduce, "validate": validate, "compare": compare, "sweep": sweep,
            "capacity": capacity, "claims": claims}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line: ``<prog>: error: <message> (see <prog> --help)``."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fepnet", description="Free-energy-principle attractor networks in JAX.")
    debug = "on an error, show the full traceback instead of one line"
    parser.add_argument("--debug", action="store_true", help=debug)
    parser.add_argument("--version", action="version", version=f"fepnet {__version__}",
                        help="print fepnet's version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    for command in sub.choices.values():  # `fepnet demo --debug` as well as `fepnet --debug demo`
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug)
    return parser


def _one_line(text, limit: int = 600) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr closed
        pass


def main(argv=None) -> int:
    """The ``fepnet`` command; returns the exit status (0 success, 1 failure, 2 usage error, 130 interrupted).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Never raises for a bad argument, a failure or Ctrl-C (unless ``--debug``): the message is one
        line on stderr.
    """
    from ..infra.artifacts import created_mark, remove_empty_created

    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error, already printed on one line
        return exc.code if isinstance(exc.code, int) else 2
    mark = created_mark()
    status = 1
    try:
        status = _run(args)
        return status
    finally:
        if status != 0:  # remove the output directories this run made and left empty
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
            try:
                remove_empty_created(mark)
            finally:
                if previous is not None:
                    signal.signal(signal.SIGINT, previous)


def _run(args) -> int:
    """Prepare and run the command; every error becomes one line on stderr and an exit status."""
    from ..infra.progress import interrupt_pending, interruptible

    prog = f"fepnet {args.command}"
    try:
        with interruptible():
            try:
                work = COMMANDS[args.command].prepare(args)
            except (TypeError, ValueError) as exc:
                if args.debug:
                    raise
                _say(f"{prog}: error: {_one_line(exc)}")
                return 2
            try:
                return work()
            except Exception:
                if args.debug or not interrupt_pending():
                    raise
                raise KeyboardInterrupt from None  # an interrupt that a library turned into its own error
    except KeyboardInterrupt:
        if args.debug:
            raise
        _say(f"{prog}: interrupted")
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        sys.stderr.close()
        return 0
    except Exception as exc:
        if args.debug:
            raise
        _say(f"{prog}: failed: {type(exc).__name__}: {_one_line(exc)} (rerun with --debug for the traceback)")
        return 1


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    sys.exit(main())
