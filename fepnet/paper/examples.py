"""The command line shared by the example scripts (``examples/sim*.py``): one seed, one output folder."""

from __future__ import annotations

import argparse

from ..infra.artifacts import Artifacts

__all__ = ["example_args"]


def example_args(doc: str, out: str, argv=None) -> tuple[argparse.Namespace, Artifacts]:
    """Parse an example script's ``--out DIR`` and ``--seed S``; check (and create) the output folder.

    Parameters
    ----------
    doc : str
        The script's docstring; its first line is the ``--help`` description.
    out : str
        The default output folder.
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    (argparse.Namespace, Artifacts)
        ``args.out``, ``args.seed`` (default 0), and the checked output folder to write figures through.

    Raises
    ------
    SystemExit
        For bad arguments, or an output folder that cannot be written (argparse's usage error).
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", default=out, help=f"output folder (default: {out})")
    parser.add_argument("--seed", type=int, default=0, help="PRNG seed (default: 0)")
    args = parser.parse_args(argv)
    try:
        return args, Artifacts(args.out)
    except ValueError as exc:
        parser.error(str(exc))
