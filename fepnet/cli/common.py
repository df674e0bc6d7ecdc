"""Shared pieces of the command modules: argument types and the options every command spells alike."""

from __future__ import annotations

import argparse

__all__ = ["add_out", "add_seed", "add_switches", "positive_int"]


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
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


def add_seed(parser: argparse.ArgumentParser, what: str = "PRNG seed") -> None:
    """Add ``--seed N``, an integer seed (``args.seed``, default 0), its help reading "<what> (default: 0)"."""
    parser.add_argument("--seed", type=int, default=0, help=f"{what} (default: 0)")


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
