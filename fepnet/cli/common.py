"""Shared pieces of the command modules: the usage error, argument types, the options every command spells alike.

Every command checks all of its input before the work starts: numbers by the argparse
types here (the ranges of :mod:`fepnet.infra.checks`), the output location by
:func:`open_output`, input files and the rest in its ``prepare(args)``; what is found there
is a usage error (exit status 2, one line on stderr), see :func:`fepnet.cli.main`.
"""

from __future__ import annotations

import argparse
import math

from ..infra import checks as v

__all__ = ["UsageError", "integer", "positive_int", "nonnegative_int", "seed", "positive_float", "add_out",
           "add_seed", "add_switches", "open_output"]


class UsageError(ValueError):
    """A bad argument, input file or output location, found before the work starts (exit status 2)."""


def integer(minimum: int = 1, maximum: int = v.INT32_MAX):
    """An argparse type: an integer in [minimum, maximum] (:func:`fepnet.infra.checks.scalars.count`).

    The default maximum is the largest int32, JAX's default integer: a larger count would
    overflow inside a jitted loop.
    """

    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        try:
            return v.count(value, "value", minimum=minimum, maximum=maximum)
        except ValueError:
            bound = f">= {minimum}" if value < minimum else f"<= {maximum}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}") from None

    parse.__name__ = "integer"
    return parse


positive_int = integer(1)
positive_int.__doc__ = "An argparse type: an integer >= 1 (and <= the largest int32)."
nonnegative_int = integer(0)
nonnegative_int.__doc__ = "An argparse type: an integer >= 0 (and <= the largest int32)."
_seed_int = integer(0, v.SEED_MAX)


def seed(text: str) -> int:
    """An argparse type: a PRNG seed, an integer in [0, 2**63 - 1] (:func:`fepnet.infra.checks.prng.seed`)."""
    return v.seed(_seed_int(text), "--seed")


def positive_float(text: str) -> float:
    """An argparse type: a positive finite number (plain Python: parsing must not start JAX's backends)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be positive and finite, got {text}")
    return value


def add_out(parser: argparse.ArgumentParser, default: str) -> None:
    """Add ``--out DIR``, the command's output directory (``args.out``, default ``./<default>``).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    default : str
        The directory's default name, relative to the working directory.
    """
    parser.add_argument("--out", default=default, help=f"output directory (default: ./{default})")


def open_output(args):
    """The command's output directory, :class:`fepnet.infra.artifacts.Artifacts` ``(args.out)``, checked now.

    Raises
    ------
    UsageError
        ``--out`` is a file, lies under one, or cannot be created or written.
    """
    from ..infra.artifacts import Artifacts

    try:
        return Artifacts(args.out, "--out")
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def add_seed(parser: argparse.ArgumentParser, what: str = "PRNG seed") -> None:
    """Add ``--seed N``, an integer seed in [0, 2**63 - 1] (``args.seed``, default 0), its help "<what> (default: 0)"."""
    parser.add_argument("--seed", type=seed, default=0, help=f"{what} (default: 0)")


def add_switches(parser: argparse.ArgumentParser, *, figures: str | None = None,
                 progress: str = "hide the progress bars") -> None:
    """Add the switches that make a run quieter or faster: ``--no-figures`` (if asked for), then ``--no-progress``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    figures : str, optional
        The help of ``--no-figures`` (``args.no_figures``); without it the command has no such switch.
    progress : str
        The help of ``--no-progress`` (``args.no_progress``).
    """
    if figures is not None:
        parser.add_argument("--no-figures", action="store_true", help=figures)
    parser.add_argument("--no-progress", action="store_true", help=progress)
