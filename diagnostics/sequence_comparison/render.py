"""``fepnet compare``, the presentation: the terminal tables, the figures, the report and the writer.

Everything here reads an :class:`~diagnostics.sequence_comparison.compute.OrderComparison`.
"""

from __future__ import annotations

from fepnet.infra.artifacts import Artifacts
from fepnet.infra.report import Report

from .. import model_selection as ms
from .. import network_plots
from .compute import ORDERS, OrderComparison

__all__ = ["format_comparison", "comparison_figures", "comparison_report", "write_comparison"]


def format_comparison(result: OrderComparison) -> str:
    """The ArviZ tables and the verdicts, for the terminal.

    Parameters
    ----------
    result : OrderComparison
        Both data sets' comparisons and, unless skipped, the held-out ranking.

    Returns
    -------
    text : str
        Per data set the comparison table and elpd_asymmetric - elpd_symmetric with its
        se_diff and the preferred model; the held-out ranking; the wall time.
    """
    lines = []
    for name in ORDERS:
        s = result.summaries[name]
        lines.append(f"== {name} data ({ORDERS[name]} order) ==")
        lines.append(str(result.comparisons[name]))
        lines.append(f"elpd_asymmetric - elpd_symmetric = {s['elpd_asymmetric'] - s['elpd_symmetric']:.1f} "
                     f"(se_diff {s['se_diff']:.1f}): preferred {s['preferred']}")
    if result.ranking is not None:
        lines.append("== held-out log-likelihood (AIS), mean per state ==")
        lines.append(str(result.ranking))
    lines.append(f"wall {result.wall_s:.1f} s")
    return "\n".join(lines)


def comparison_figures(result: OrderComparison):
    """The figures of a comparison, in report order, drawn only when asked for.

    Per data set: elpd of both models (``elpd_<name>.png``), the pointwise elpd
    difference (``pointwise_<name>.png``) and the asymmetric model's posterior-mean
    couplings (``couplings_<name>.png``); with a ranking, ``heldout_ranking.png``.

    Parameters
    ----------
    result : OrderComparison

    Yields
    ------
    name : str
        The file name.
    draw : callable
        ``draw()`` returns the matplotlib Figure.
    caption : str
    """
    for name in ORDERS:
        comparison = result.comparisons[name]
        yield (f"elpd_{name}.png", lambda c=comparison: ms.plot_elpd(c),
               f"elpd of both models on the {name} data")
        yield (f"pointwise_{name}.png",
               lambda c=comparison: ms.plot_pointwise_difference(c, "symmetric", "asymmetric"),
               f"pointwise elpd difference (asymmetric - symmetric), {name} data")
        posterior = result.posteriors[name]["asymmetric"]
        yield (f"couplings_{name}.png",
               lambda p=posterior, n=name: network_plots.plot_coupling_parts(
                   p.mean_network(), title=f"posterior-mean couplings, asymmetric model, {n} data"),
               f"posterior mean J (asymmetric model) on the {name} data: J, Js and Ja")
    if result.ranking is not None:
        yield ("heldout_ranking.png", lambda r=result.ranking: ms.plot_ranking(r),
               "mean held-out log-likelihood per state (AIS)")


def comparison_report(result: OrderComparison, figures=()) -> Report:
    """The report: the method, the verdict table, the figures and the held-out ranking.

    A model is preferred only if its elpd is higher by more than 2 standard errors
    of the paired difference; otherwise the simpler (symmetric) model is kept.

    Parameters
    ----------
    result : OrderComparison
    figures : sequence of (path, caption)
        The written figures, as they are to be referenced from the report.

    Returns
    -------
    fepnet.infra.report.Report
    """
    report = Report("fepnet compare: symmetric against asymmetric couplings")
    report.text(
        "The coupling model p(x_t | x_{t-1}) = prod_i CB(x_t,i | b_i + sum_j J_ij x_{t-1,j}) fitted by SVI to "
        f"{result.settings['n_transitions']} transitions of Simulation 3's protocol ({result.settings['source']} "
        "states), with J symmetric or unrestricted, compared by PSIS-LOO (leave one node value out). "
        "A model is preferred only if its elpd is higher by more than 2 standard errors of the difference; "
        "otherwise the simpler (symmetric) model is kept."
    )
    rows = [[name, f"{s['elpd_symmetric']:.1f}", f"{s['elpd_asymmetric']:.1f}", f"{s['se_diff']:.1f}",
             f"{s['z']:.1f}", s["preferred"]] for name, s in result.summaries.items()]
    report.table(["data", "elpd symmetric", "elpd asymmetric", "se diff", "diff / se", "preferred"], rows)
    for path, caption in figures:
        report.figure(path, caption)
    if result.ranking is not None:
        report.heading("Held-out marginal likelihood (AIS)", 2)
        report.text(str(result.ranking))
    return report


def write_comparison(result: OrderComparison, out, *, figures: bool = True) -> dict:
    """Write ``compare.json``, the figures and ``report.md`` / ``report.html``.

    Parameters
    ----------
    result : OrderComparison
        A finished comparison (:func:`~diagnostics.sequence_comparison.compute.compare_orders`).
    out : str, os.PathLike or fepnet.infra.artifacts.Artifacts
        An Artifacts writer, or the directory to make one for (checked, created if missing).
    figures : bool
        Also draw the figures of :func:`comparison_figures` and show them in the report.

    Returns
    -------
    payload : dict
        ``result.to_dict()``, as written to ``compare.json``.

    Raises
    ------
    ValueError
        If ``out`` cannot be a writable directory, or the result holds a NaN (strict JSON).
    """
    out = out if isinstance(out, Artifacts) else Artifacts(out)
    payload = result.to_dict()
    out.json("compare.json", payload, safe=False)
    written = [(out.figure(name, draw()), caption) for name, draw, caption in comparison_figures(result)] \
        if figures else []
    out.report(comparison_report(result, written))
    return payload
