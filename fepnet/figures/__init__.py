"""Matplotlib figures of arrays, shared by :mod:`fepnet.paper`, ``diagnostics`` and the examples.

Every function takes numpy or JAX arrays, computes nothing about a model, and returns the
matplotlib Figure (write it with :func:`save_figure`, atomic, or ``Artifacts.figure``):

- :mod:`~fepnet.figures.matrices`: :func:`plot_couplings`, :func:`plot_matrices` (heatmaps of J)
- :mod:`~fepnet.figures.images`: :func:`plot_state_images`, :func:`plot_recall_examples`
- :mod:`~fepnet.figures.traces`: :func:`plot_free_energy`, :func:`plot_projections`,
  :func:`plot_pattern_correlations` (quantities over steps)
- :mod:`~fepnet.figures.summaries`: :func:`plot_angle_histogram`, :func:`plot_score_boxes`
- :mod:`~fepnet.figures.landscapes`: :func:`plot_landscapes` (metrics over a 2-D parameter grid)
"""

from __future__ import annotations

# Kept for the callers of ``figures._pyplot()``; new code uses :func:`fepnet.infra.plotting.pyplot`.
from ..infra.plotting import pyplot as _pyplot  # noqa: F401
from ..infra.plotting import save_figure
from .images import plot_recall_examples, plot_state_images
from .landscapes import LANDSCAPE_STYLE, plot_landscapes
from .matrices import plot_couplings, plot_matrices
from .summaries import plot_angle_histogram, plot_score_boxes
from .traces import plot_free_energy, plot_pattern_correlations, plot_projections

__all__ = [
    "plot_angle_histogram",
    "plot_couplings",
    "plot_free_energy",
    "plot_landscapes",
    "plot_matrices",
    "plot_pattern_correlations",
    "plot_projections",
    "plot_recall_examples",
    "plot_score_boxes",
    "plot_state_images",
    "save_figure",
]
