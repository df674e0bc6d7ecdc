"""A validation's files: ``validation.json``, ``details.json``, the figures and ``report.md`` / ``report.html``."""

from __future__ import annotations

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
    figures : bool
        Draw and write the figures.

    Returns
    -------
    list of str
        validation.json, details.json, report.md, report.html, then the figures' names.
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


def validate(
    network: ValidationNetwork,
    schedules=fepnet.SCHEDULES,
    out="fepnet-validate",
    *,
    seed: int = 0,
    n_chains: int = 4,
    n_draws: int = 10_000,
    burn_in: int = 1_000,
    n_nuts_draws: int | None = None,
    n_nuts_warmup: int = 1_000,
    n_sbc_replications: int = 200,
    figures: bool = True,
    progress: bool = True,
) -> dict:
    """Validate ``network`` and write its files into ``out``; returns the content of ``validation.json``.

    :func:`~diagnostics.validation.compute.run_validation`, then :func:`write_validation`
    into ``Artifacts(out)`` (checked before the work starts).

    Parameters
    ----------
    network : ValidationNetwork
        The network and its evidence (:mod:`fepnet.paper.networks` builds the named ones).
    schedules : str or sequence of str
        A selection of ``fepnet.SCHEDULES``.
    out : str or os.PathLike
        Output directory (created).
    seed, n_chains, n_draws, burn_in, n_nuts_draws, n_nuts_warmup, n_sbc_replications, progress
        As for :func:`~diagnostics.validation.compute.run_validation`.
    figures : bool
        Draw and write the figures.

    Returns
    -------
    dict
        schedule -> verdict entry (:func:`~diagnostics.validation.summary.validation_summary`).

    Raises
    ------
    TypeError, ValueError
        For an unusable ``out``, a bad network, schedule or setting.
    """
    artifacts = Artifacts(out)
    result = run_validation(network, schedules, seed=seed, n_chains=n_chains, n_draws=n_draws, burn_in=burn_in,
                            n_nuts_draws=n_nuts_draws, n_nuts_warmup=n_nuts_warmup,
                            n_sbc_replications=n_sbc_replications, progress=progress)
    write_validation(artifacts, result, figures=figures)
    return validation_summary(result)
