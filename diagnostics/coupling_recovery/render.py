"""Coupling recovery, the presentation: figures, the one-page report, the writer and the terminal summary.

Everything here reads a :class:`~diagnostics.coupling_recovery.compute.CouplingRecovery`;
nothing is computed that is not already in it, except the off-diagonal views of its matrices.
"""

from __future__ import annotations

import math

import numpy as np

from fepnet.figures.matrices import heatmap
from fepnet.infra.artifacts import Artifacts
from fepnet.infra.plotting import figure_title, subplots
from fepnet.infra.report import Report

from ..report_sections import figure_section
from .compute import CouplingRecovery
from .metrics import off_diagonal

__all__ = ["FIGURES", "plot_recovery", "plot_coupling_matrices", "plot_interval_coverage", "recovery_report",
           "write_recovery", "format_recovery"]

#: The figures :func:`write_recovery` writes, in order.
FIGURES = ("recovery.png", "coupling_matrices.png", "interval_coverage.png")


def _check_result(result):
    if not isinstance(result, CouplingRecovery):
        raise TypeError(f"result must be a CouplingRecovery (recover_couplings(...)), got {type(result).__name__}")


def _identity_line(ax, x, y, slope=1.0, **kw):
    lim = max(float(np.max(np.abs(x))), float(np.max(np.abs(y))), 1e-12) * 1.08
    grid = np.array([-lim, lim])
    ax.plot(grid, slope * grid, **kw)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)


def _annotate(ax, lines):
    ax.text(0.04, 0.96, "\n".join(lines), transform=ax.transAxes, va="top", ha="left", fontsize=9,
            bbox=dict(boxstyle="round", fc="white", ec="0.7", alpha=0.9))


def plot_recovery(result: CouplingRecovery):
    """Posterior mean vs truth (with intervals), FEP vs posterior mean, FEP vs truth; off-diagonal entries.

    Parameters
    ----------
    result : CouplingRecovery
        The fits; its ``metrics`` (r, coverage, slopes, relative errors) are boxed on the panels.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Three square panels in a row, each with the line y = x (dashed) and, on the two FEP panels,
        y = N/(N-1) x.

    Raises
    ------
    TypeError
        If ``result`` is not a CouplingRecovery.
    """
    _check_result(result)
    met, n = result.metrics, result.n_nodes
    t = off_diagonal(result.truth.couplings)
    m = off_diagonal(result.posterior.mean_couplings())
    f = off_diagonal(result.fep.couplings)
    lo, hi = (off_diagonal(a) for a in result.posterior.interval(result.prob))
    covered = (lo <= t) & (t <= hi)
    fig, axes = subplots(1, 3, figsize=(14.0, 4.8))
    ax = axes[0]
    for mask, colour, label in ((covered, "tab:blue", "truth inside"), (~covered, "tab:red", "truth outside")):
        if mask.any():
            ax.errorbar(t[mask], m[mask], yerr=np.vstack([m[mask] - lo[mask], hi[mask] - m[mask]]), fmt="o",
                        ms=3.5, color=colour, ecolor=colour, elinewidth=0.8, alpha=0.8,
                        label=f"{label} ({int(mask.sum())})")
    _identity_line(ax, np.concatenate([t, lo, hi]), np.concatenate([lo, hi]), color="0.4", lw=1, ls="--")
    ax.set_xlabel("true J_ij")
    ax.set_ylabel(f"posterior mean J_ij ({result.prob:.0%} interval)")
    ax.set_title("Coupling model vs truth")
    ax.legend(loc="lower right", fontsize=8)
    _annotate(ax, [f"r = {met['r_posterior_truth']:.3f}", f"coverage = {met['coverage']:.3f}",
                   f"rel. error = {met['relative_error_posterior']:.3f}"])
    ax = axes[1]
    ax.scatter(m, f, s=12, color="tab:green", alpha=0.8)
    _identity_line(ax, m, f, color="0.4", lw=1, ls="--", label="y = x")
    _identity_line(ax, m, f, slope=n / (n - 1), color="tab:orange", lw=1, label=f"y = N/(N-1) x = {n / (n - 1):.3f} x")
    ax.set_xlabel("posterior mean J_ij")
    ax.set_ylabel("FEP-learned J_ij")
    ax.set_title("FEP rule vs coupling model")
    ax.legend(loc="lower right", fontsize=8)
    _annotate(ax, [f"r = {met['r_fep_posterior']:.3f}", f"slope = {met['fep_slope_posterior']:.3f}"])
    ax = axes[2]
    ax.scatter(t, f, s=12, color="tab:purple", alpha=0.8)
    _identity_line(ax, t, f, color="0.4", lw=1, ls="--", label="y = x")
    _identity_line(ax, t, f, slope=n / (n - 1), color="tab:orange", lw=1, label="y = N/(N-1) x")
    ax.set_xlabel("true J_ij")
    ax.set_ylabel("FEP-learned J_ij")
    ax.set_title("FEP rule vs truth")
    ax.legend(loc="lower right", fontsize=8)
    _annotate(ax, [f"r = {met['r_fep_truth']:.3f}", f"slope = {met['fep_slope_truth']:.3f}",
                   f"rel. error = {met['relative_error_fep']:.3f}"])
    for ax in axes:
        ax.set_aspect("equal")
        ax.axhline(0, color="0.85", lw=0.8, zorder=0)
        ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    figure_title(fig, f"Coupling recovery, N = {n}: {result.settings['n_states']} samples (posterior), "
                 f"{result.stream_length} single-site states (FEP rule)")
    return fig


def plot_coupling_matrices(result: CouplingRecovery):
    """Truth, posterior mean and FEP-learned J side by side, on one symmetric colour scale.

    Parameters
    ----------
    result : CouplingRecovery
        Its true, posterior-mean and FEP-learned couplings (N, N), diagonal included.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Three heatmaps (rows: to node i, columns: from node j) on [-m, m], m the largest ``|J_ij|`` of the
        three, with one colour bar.

    Raises
    ------
    TypeError
        If ``result`` is not a CouplingRecovery.
    """
    _check_result(result)
    mats = [np.asarray(result.truth.couplings, float), np.asarray(result.posterior.mean_couplings(), float),
            np.asarray(result.fep.couplings, float)]
    titles = ["truth", "posterior mean", "FEP rule"]
    lim = max(float(np.max(np.abs(a))) for a in mats) or 1.0
    fig, axes = subplots(1, 3, figsize=(13.0, 4.4))
    for ax, mat, title in zip(axes, mats, titles):
        im = heatmap(ax, mat, lim, title)
    fig.colorbar(im, ax=list(axes), shrink=0.85, label="J_ij")
    figure_title(fig, f"Couplings, N = {result.n_nodes}")
    return fig


def plot_interval_coverage(result: CouplingRecovery):
    """The ``prob`` credible interval of every off-diagonal entry, sorted by its true value, with the truth.

    Parameters
    ----------
    result : CouplingRecovery
        Its posterior's equal-tailed intervals at ``result.prob`` and the true couplings.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One wide axes (x: the entries in order of their true value, y: J_ij); blue intervals cover the
        truth, red ones miss it.

    Raises
    ------
    TypeError
        If ``result`` is not a CouplingRecovery.
    """
    _check_result(result)
    t = off_diagonal(result.truth.couplings)
    m = off_diagonal(result.posterior.mean_couplings())
    lo, hi = (off_diagonal(a) for a in result.posterior.interval(result.prob))
    order = np.argsort(t, kind="stable")
    t, m, lo, hi = t[order], m[order], lo[order], hi[order]
    covered = (lo <= t) & (t <= hi)
    x = np.arange(t.size)
    fig, ax = subplots(figsize=(max(7.0, min(16.0, 0.06 * t.size + 4)), 4.2))
    ax.vlines(x[covered], lo[covered], hi[covered], color="tab:blue", lw=1.2, alpha=0.7,
              label=f"{result.prob:.0%} interval, covers truth ({int(covered.sum())})")
    if (~covered).any():
        ax.vlines(x[~covered], lo[~covered], hi[~covered], color="tab:red", lw=1.6,
                  label=f"misses truth ({int((~covered).sum())})")
    ax.plot(x, m, "_", color="0.3", ms=5, label="posterior mean")
    ax.plot(x, t, ".", color="k", ms=4, label="truth")
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.set_xlim(-1, t.size)
    ax.set_xlabel("off-diagonal entry (sorted by true value)")
    ax.set_ylabel("J_ij")
    ax.set_title(f"Credible intervals: coverage {result.metrics['coverage']:.3f} (nominal {result.prob:g})")
    ax.legend(loc="upper left", fontsize=8)
    return fig



def _f(x, spec=".3f"):
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def _bound(lower, upper):
    if upper is None:
        return f">= {lower:g}"
    if lower is None:
        return f"<= {upper:g}"
    return f"{lower:g} – {upper:g}"


def recovery_report(result: CouplingRecovery, files) -> Report:
    """The one-page report: setup, acceptance, all metrics, the N / (N - 1) bias, the control, figures.

    Parameters
    ----------
    result : CouplingRecovery
    files : list of str
        The files written beside the report; the ``.png`` ones are shown.

    Returns
    -------
    fepnet.infra.report.Report
    """
    s, met, n = result.settings, result.metrics, result.n_nodes
    r = Report(f"Coupling recovery: posterior and FEP rule on a known {n}-node network")
    truth_desc = ("a given symmetric network" if s["truth_given"] else
                  f"`Network.random(..., {n}, coupling_scale={s['coupling_scale']:g}, symmetric=True)`")
    fit = (f"NUTS, {s['n_chains']} chains × {s['n_samples']} draws after {s['n_warmup']} warm-up"
           if s["method"] == "nuts" else f"SVI, {s['svi_steps']} steps")
    r.text(f"**Setup.** Truth: {truth_desc} (||J|| = {s['truth_norm']:.3f}), iT = 1. An exact systematic-scan "
           f"single-site Gibbs stream of {result.stream_length} states (after {s['burn_in']} burn-in steps). The "
           f"coupling model (`inference.coupling`, field = \"same\": Besag's pseudo-likelihood, {s['structure']} "
           f"couplings, {fit}) sees one state in {s['thin']} ({s['n_states']} states, the last of each block); the FEP rule "
           f"(`fepnet.learn_from_states`, α = {s['learning_rate']:g}, {s['n_passes']} passes) sees all of them. "
           f"All metrics on the {n * (n - 1)} off-diagonal entries; slopes are least-squares slopes through "
           f"the origin.")
    r.heading("Acceptance")
    rows = [[name, _f(a["value"]), _bound(a["lower"], a["upper"]), "**pass**" if a["passed"] else "**FAIL**"]
            for name, a in result.acceptance().items()]
    r.table(["metric", "value", "threshold", "verdict"], rows)
    r.heading("All metrics")
    labels = {
        "r_posterior_truth": "Pearson r, posterior mean vs truth",
        "relative_error_posterior": "||J_post − J_true|| / ||J_true||",
        "posterior_slope_truth": "slope of posterior mean on truth",
        "coverage": f"fraction of true entries inside the {s['prob']:g} equal-tailed interval",
        "mean_interval_width": "mean width of those intervals",
        "r_fep_posterior": "Pearson r, FEP vs posterior mean",
        "r_fep_truth": "Pearson r, FEP vs truth",
        "relative_error_fep": "||J_FEP − J_true|| / ||J_true||",
        "relative_error_fep_rescaled": "||J_FEP (N−1)/N − J_true|| / ||J_true||",
        "fep_slope_posterior": "slope of FEP on posterior mean",
        "fep_slope_truth": "slope of FEP on truth",
        "expected_fep_slope": "N / (N − 1)",
        "max_rhat": "largest R-hat of the coupling draws",
        "min_ess": "smallest bulk ESS of the coupling draws",
        "divergences": "NUTS divergences",
    }
    r.table(["metric", "value", "meaning"],
            [[k, _f(met[k], "d" if k == "divergences" and met[k] is not None else
                    (".0f" if k == "min_ess" else ".3f")), labels.get(k, "")] for k in met])
    r.heading("Why the FEP rule overshoots by N / (N − 1)")
    r.text(f"On a single-site stream x_t differs from x_(t−1) in one node k. When k ≠ j, the rule's update "
           f"(x_t,i − L(h_i)) x_t,j with h = J x_(t−1) is a stochastic gradient of the pseudo-likelihood, zero in "
           f"expectation at the truth. When k = j (probability 1/N) the Hebbian factor x_t,j is a fresh draw "
           f"that depends on x_i through J_ji, while the anti-Hebbian prediction L(h_i) used the old x_j: the "
           f"leftover correlation balances the gradient, to first order in the couplings, at J_ij ≈ J*_ij + "
           f"J*_ji / (N − 1), i.e. a symmetric J is learned about N / (N − 1) = {n / (n - 1):.3f} times too large. Measured slope of the FEP couplings on "
           f"the posterior mean: {_f(met['fep_slope_posterior'])}, on the truth: {_f(met['fep_slope_truth'])} "
           f"(and of the posterior mean on the truth: {_f(met['posterior_slope_truth'])}); "
           f"rescaled by (N − 1) / N the FEP couplings are {_f(met['relative_error_fep_rescaled'])} (relative "
           f"error) from the truth, against {_f(met['relative_error_fep'])} unscaled.")
    c = result.control
    r.heading("Control: a synchronous stream")
    if c is None:
        r.text("Not run (`control=False`).")
    else:
        r.text(f"Asymmetric random truth (`Network.random(..., symmetric=False)`, coupling scale "
               f"{s['control_coupling_scale']:.2f}, ||J − Jᵀ|| / ||J|| = {c['asymmetry']:.2f}), {c['n_steps']} steps of the "
               f"synchronous chain (every node resampled from the previous state: the paper's schedule). The "
               f"coupling model with field = \"previous\" is then the exact likelihood (fitted by SVI): r with the "
               f"truth {_f(c['r_posterior_truth'])}, 90 % interval coverage {_f(c['coverage_90'])}. The FEP rule on "
               f"the same stream: r with the posterior mean {_f(c['r_fep_posterior'])}, with the truth "
               f"{_f(c['r_fep_truth'])} (slope {_f(c['fep_slope_truth'])}). Its expected update is zero at the "
               f"truth (nodes are conditionally independent within a synchronous step), but there the rule is not "
               f"a gradient: its Jacobian is the lag-one cross-covariance E[L'(h) x_(t−1) x_tᵀ], not a covariance, "
               f"and the fixed point need not be stable. The rule is gradient ascent on the pseudo-likelihood only "
               f"when consecutive states (nearly) coincide, as on a single-site stream.")
    w = result.wall_s
    r.text("**Wall time** (s, compilation included): " + ", ".join(f"{k} {val:.1f}" for k, val in w.items()) + ".")
    captions = {
        "recovery.png": "Off-diagonal couplings: posterior mean vs truth (intervals; red: truth outside), "
                        "FEP vs posterior mean (dashed y = x, orange y = N/(N−1) x), FEP vs truth.",
        "coupling_matrices.png": "Truth, posterior mean and FEP-learned couplings on one colour scale.",
        "interval_coverage.png": "Credible intervals of every off-diagonal coupling, sorted by the true value.",
    }
    return figure_section(r, files, lambda name: captions.get(name, name))


def write_recovery(result: CouplingRecovery, out_dir, figures: bool = True) -> dict:
    """Write ``recovery.json`` (``result.to_dict()`` plus the file list), the figures and ``report.md`` / ``.html``.

    Parameters
    ----------
    result : CouplingRecovery
        A finished recovery (:func:`~diagnostics.coupling_recovery.compute.recover_couplings`).
    out_dir : str, os.PathLike or fepnet.infra.artifacts.Artifacts
        Where to write: a directory (checked, created if missing) or a writer already made for one.
    figures : bool
        Also draw the three :data:`FIGURES` (the report then shows them).

    Returns
    -------
    data : dict
        ``result.to_dict()`` plus ``files`` (every name written, the figures last): the content of
        ``recovery.json``.

    Raises
    ------
    TypeError
        If ``result`` is not a CouplingRecovery.
    ValueError
        If ``out_dir`` cannot be a writable directory.
    """
    _check_result(result)
    out = out_dir if isinstance(out_dir, Artifacts) else Artifacts(out_dir)
    files = ["recovery.json", "report.md", "report.html"] + (list(FIGURES) if figures else [])
    data = result.to_dict()
    data["files"] = files
    out.json("recovery.json", data)
    if figures:
        for name, plot in zip(FIGURES, (plot_recovery, plot_coupling_matrices, plot_interval_coverage)):
            out.figure(name, plot(result))
    out.report(recovery_report(result, files))
    return data


def format_recovery(result: CouplingRecovery) -> str:
    """A few lines for the terminal: the fits, the FEP rule, NUTS diagnostics, the control, the verdicts.

    Parameters
    ----------
    result : CouplingRecovery
        Its metrics are printed with three decimals (``–`` for a missing or non-finite one).

    Returns
    -------
    text : str
        A headline, then two-space indented lines (NUTS and control only when they ran); no final newline.

    Raises
    ------
    TypeError
        If ``result`` is not a CouplingRecovery.
    """
    _check_result(result)
    s, m, n = result.settings, result.metrics, result.n_nodes
    lines = [
        f"coupling recovery: N = {n}, {s['n_states']} samples ({s['method']}), FEP on {result.stream_length} "
        f"single-site states",
        f"  posterior vs truth: r = {_f(m['r_posterior_truth'])}, rel. error = {_f(m['relative_error_posterior'])}, "
        f"{s['prob']:g}-interval coverage = {_f(m['coverage'])}",
        f"  FEP rule: r with posterior = {_f(m['r_fep_posterior'])}, r with truth = {_f(m['r_fep_truth'])}, "
        f"slope on posterior = {_f(m['fep_slope_posterior'])} (expected N/(N-1) = {m['expected_fep_slope']:.3f})",
    ]
    if m["max_rhat"] is not None:
        lines.append(f"  NUTS: max R-hat = {_f(m['max_rhat'])}, min ESS = {_f(m['min_ess'], '.0f')}, "
                     f"divergences = {m['divergences']}")
    if result.control is not None:
        c = result.control
        lines.append(f"  control (synchronous stream, asymmetric truth): posterior r = {_f(c['r_posterior_truth'])}, "
                     f"FEP r with posterior = {_f(c['r_fep_posterior'])}, with truth = {_f(c['r_fep_truth'])}")
    verdicts = ", ".join(f"{k} {'ok' if a['passed'] else 'FAIL'}" for k, a in result.acceptance().items())
    lines.append(f"  acceptance: {verdicts} -> {'PASS' if result.passed else 'FAIL'}")
    lines.append("  wall time (s): " + ", ".join(f"{k} {val:.1f}" for k, val in result.wall_s.items()))
    return "\n".join(lines)
