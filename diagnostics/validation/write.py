"""A validation's files: ``validation.json``, ``details.json``, the figures and ``report.md`` / ``report.html``."""

from __future__ import annotations

import inspect
import time

import fepnet
from fepnet.infra.artifacts import Artifacts

from .compute import ValidationNetwork, ValidationResult, run_validation
from .render import validation_figures, validation_report
from .summary import validation_details, validation_summary

__all__ = ["validate", "write_validation"]

FILES = ("validation.json", "details.json", "report.md", "report.html")


def write_validation(artifacts: Artifacts, result: ValidationResult, *, figures: bool = True) -> list[str]:
    """Write a validation into ``artifacts``' directory; returns the names written.

    The figures first (:func:`~diagnostics.validation.render.validation_figures`), then
    ``validation.json`` (:func:`~diagnostics.validation.summary.validation_summary`),
    ``details.json`` (:func:`~diagnostics.validation.summary.validation_details`, whose
    ``wall_s`` is the computation's plus the figures' seconds) and the report.

    Parameters
    ----------
    artifacts : fepnet.infra.artifacts.Artifacts
        The checked output directory.
    result : ValidationResult
        A :func:`~diagnostics.validation.compute.run_validation` result.
    figures : bool
        Draw and write the figures.

    Returns
    -------
    list of str
        validation.json, details.json, report.md, report.html, then the figures' names.

    Raises
    ------
    OSError
        When a file cannot be written.
    """
    t0 = time.perf_counter()
    files = list(FILES)
    if figures:
        for name, fig in validation_figures(result):
            artifacts.figure(name, fig)
            files.append(name)
    details = validation_details(result, files, wall_s=result.wall_s + time.perf_counter() - t0)
    artifacts.json("validation.json", validation_summary(result))
    artifacts.json("details.json", details)
    artifacts.report(validation_report(result, details))
    return files


def validate(network: ValidationNetwork, schedules=fepnet.SCHEDULES, out="fepnet-validate", *, figures: bool = True,
             **settings) -> dict:
    """Validate ``network`` and write its files into ``out``; returns the content of ``validation.json``.

    :func:`~diagnostics.validation.compute.run_validation`, then :func:`write_validation`
    into ``Artifacts(out)``, checked (after the names of ``settings``) before the work starts.

    Parameters
    ----------
    network : ValidationNetwork
        The network and its evidence (:mod:`fepnet.paper.networks` builds the named ones).
    schedules : str or sequence of str
        A selection of ``fepnet.SCHEDULES``.
    out : str or os.PathLike
        Output directory (created).
    figures : bool
        Draw and write the figures.
    **settings
        ``seed``, ``n_chains``, ``n_draws``, ``burn_in``, ``n_nuts_draws``, ``n_nuts_warmup``,
        ``n_sbc_replications``, ``progress``: keywords of
        :func:`~diagnostics.validation.compute.run_validation`, with its defaults.

    Returns
    -------
    dict
        schedule -> verdict entry (:func:`~diagnostics.validation.summary.validation_summary`).

    Raises
    ------
    TypeError, ValueError
        For an unknown setting (before ``out`` is made), an unusable ``out``, a bad network, schedule or
        setting value.

    Examples
    --------
    A reduced validation of the random network (about 2.5 minutes on a busy 2-core CPU; not run as a doctest;
    ``fepnet validate`` is the same from the command line):

    >>> import jax
    >>> from diagnostics.validation import validate, validation_keys
    >>> from fepnet.paper.networks import validation_network
    >>> vn = validation_network("random", validation_keys(0)[0])  # doctest: +SKIP
    >>> summary = validate(vn, "sequential", "out-validate", n_draws=200, burn_in=50,
    ...                    n_nuts_warmup=100, n_sbc_replications=0, progress=False)  # doctest: +SKIP
    >>> summary["sequential"]["verdict"]  # doctest: +SKIP
    'consistent'
    """
    inspect.signature(run_validation).bind(network, schedules, **settings)
    artifacts = Artifacts(out)
    result = run_validation(network, schedules, **settings)
    write_validation(artifacts, result, figures=figures)
    return validation_summary(result)
