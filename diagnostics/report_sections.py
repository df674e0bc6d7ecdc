"""Sections that several diagnostics reports share (of :class:`fepnet.infra.report.Report`, Markdown + HTML)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fepnet.infra.report import Report

__all__ = ["figure_section"]


def figure_section(report: Report, files: Sequence[str], caption: Callable[[str], str]) -> Report:
    """Append a "Figures" section to ``report``: each PNG of ``files``, in order, under its caption.

    Parameters
    ----------
    report : fepnet.infra.report.Report
        The report to extend (in place).
    files : sequence of str
        The file names written beside the report; only those ending in ``.png`` are shown, and
        without one the section is left out.
    caption : callable
        ``caption(name)``: the text under the figure ``name``.

    Returns
    -------
    report : fepnet.infra.report.Report
        The same report, for chaining.

    Examples
    --------
    >>> from fepnet.infra.report import Report
    >>> from diagnostics.report_sections import figure_section
    >>> r = figure_section(Report("Run"), ["summary.json", "marginals.png"], lambda name: f"The {name[:-4]}.")
    >>> print(r.markdown())
    # Run
    <BLANKLINE>
    ## Figures
    <BLANKLINE>
    ![The marginals.](marginals.png)
    <BLANKLINE>
    *The marginals.*
    <BLANKLINE>
    """
    figures = [f for f in files if f.endswith(".png")]
    if figures:
        report.heading("Figures")
        for name in figures:
            report.figure(name, caption(name))
    return report
