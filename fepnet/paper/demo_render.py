"""Figures and text of ``fepnet demo`` from a :class:`~fepnet.paper.demo.DemoResult` (no computation, no files)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from .. import figures
from .demo import DemoResult

__all__ = ["demo_figures", "format_demo"]


def demo_figures(result: DemoResult) -> Iterator[tuple[str, object]]:
    """The demo's figures, one at a time: the couplings, the training digits, the attractors.

    Parameters
    ----------
    result : DemoResult

    Yields
    ------
    (str, matplotlib.figure.Figure)
        A PNG file name and the open figure.
    """
    digits, attractors = result.digits, result.attractors
    labels = [str(d) for d in digits.train_labels]
    yield "couplings.png", figures.plot_couplings(result.network.couplings,
                                                  "Learned couplings J (balanced digits network)")
    yield "training_digits.png", figures.plot_state_images(
        digits.train, (8, 8), titles=labels, suptitle="Training digits (preprocessed)", label="standardised pixel")
    reached = [f"from {labels[np.flatnonzero(attractors.label == a)[0]]}" for a in range(attractors.count)]
    yield "attractors.png", figures.plot_state_images(
        attractors.states, (8, 8), titles=reached,
        suptitle=f"{attractors.count} attractors (deterministic relaxation, iT = 1)")


def format_demo(summary: dict, out: str) -> str:
    """The text ``fepnet demo`` prints: settings, attractors, asymmetry, timings, files, validation verdicts.

    Parameters
    ----------
    summary : dict
        The demo's summary (:func:`fepnet.paper.demo.demo_summary`, with ``"validation"`` and
        ``"validate_seconds"`` when the network was validated).
    out : str
        The output directory, to name the files written.

    Returns
    -------
    str
    """
    s, st = summary, summary["settings"]
    text = (
        f"fepnet demo: balanced digits network (evidence {st['evidence_level']:g}, iT {st['inverse_temperature']:g}, "
        f"alpha {st['learning_rate']:g}, {st['n_epochs']} random epochs x {st['steps_per_epoch']} steps)\n"
        f"  attractors:  {s['n_attractors']} (all relaxations converged: {s['all_converged']})\n"
        f"  asymmetry:   ||J - J^T|| / ||J|| = {s['asymmetry']:.3f}\n"
        f"  time:        training {s['train_seconds']:.2f} s ({s['steps_per_second']:,.0f} steps/s incl. compile), "
        f"relaxation {s['relax_seconds']:.2f} s\n"
        f"  wrote:       {', '.join(os.path.join(out, f) for f in s['files'])}"
    )
    if "validation" in s:
        verdicts = ", ".join(f"{k} {val}" for k, val in s["validation"].items() if k != "synchronous_samples")
        text += (f"\n  validation:  against NUTS: {verdicts}; the synchronous chain samples "
                 f"{s['validation']['synchronous_samples']} "
                 f"({s['validate_seconds']:.0f} s; report: {os.path.join(out, 'validation', 'report.md')})")
    return text
