"""``fepnet validate``: does a network's own stochastic dynamics sample the posterior it is said to?

For one network and its evidence, every chosen schedule of fepnet's sampler
runs several chains; NUTS samples the Boltzmann posterior
p(sigma | s) ∝ exp(iT ((b + s)·sigma + 1/2 sigma^T Js sigma)) and, for the
synchronous schedule, also that chain's closed-form stationary density
pi_sync. :func:`diagnostics.compare` judges each pair; simulation-based
calibration checks the exact Gibbs sampler on a small network. The study:

- :mod:`~diagnostics.validation.sampling`: the timed samplers (fepnet's schedules, NUTS, parallel tempering).
- :mod:`~diagnostics.validation.compute`: :class:`ValidationNetwork` in, :func:`run_validation` ->
  :class:`ValidationResult` out (no files, no figures).
- :mod:`~diagnostics.validation.summary`: the result as JSON (``validation.json``, ``details.json``).
- :mod:`~diagnostics.validation.render`: figures, the report, the terminal lines.
- :mod:`~diagnostics.validation.write`: :func:`write_validation` (the files, through an
  ``Artifacts`` directory) and :func:`validate` (compute + write).

The named networks (the paper's balanced and sequence networks, a random one)
and their noisy-digit evidence are built by :mod:`fepnet.paper.networks`.
"""

from .compute import (
    EXACT_SCHEDULES,
    SBC_NETWORK,
    ValidationNetwork,
    ValidationResult,
    check_schedules,
    run_validation,
    validation_keys,
    which_density,
)
from .render import format_validation, validation_figures, validation_report
from .sampling import sample_reference, sample_schedule, sample_tempering
from .summary import validation_details, validation_summary
from .write import validate, write_validation

__all__ = [
    "EXACT_SCHEDULES",
    "SBC_NETWORK",
    "ValidationNetwork",
    "ValidationResult",
    "check_schedules",
    "format_validation",
    "run_validation",
    "sample_reference",
    "sample_schedule",
    "sample_tempering",
    "validate",
    "validation_details",
    "validation_figures",
    "validation_keys",
    "validation_report",
    "validation_summary",
    "which_density",
    "write_validation",
]
