"""Shared infrastructure for fepnet, ``inference`` and ``diagnostics``: one public home for each piece.

- :mod:`fepnet.infra.checks`: argument checks at the public boundary (``TypeError`` / ``ValueError``
  naming the argument).
- :mod:`fepnet.infra.files`: atomic files and strict JSON (:func:`atomic_path`, :func:`write_json`,
  :func:`json_safe`).
- :mod:`fepnet.infra.progress`: progress bars and the chunked driver :func:`run_in_chunks`.
- :mod:`fepnet.infra.plotting`: headless-safe pyplot and atomic :func:`save_figure`.
- :mod:`fepnet.infra.report`: :class:`Report`, one page as Markdown and HTML.
- :mod:`fepnet.infra.artifacts`: :class:`Artifacts`, a command's checked output directory.
- :mod:`fepnet.infra.resources`: peak memory, usable cores, host CPU devices.

These modules import NumPy, JAX, tqdm and (lazily) matplotlib; nothing of the model.
"""

from . import checks, files, progress
from .artifacts import Artifacts, check_output_dir
from .files import atomic_path, json_safe, write_json, write_text
from .progress import progress_bar, run_in_chunks
from .report import Report
from .resources import peak_rss_mb

__all__ = [
    "checks",
    "files",
    "progress",
    "Artifacts",
    "Report",
    "atomic_path",
    "check_output_dir",
    "json_safe",
    "peak_rss_mb",
    "progress_bar",
    "run_in_chunks",
    "write_json",
    "write_text",
]
