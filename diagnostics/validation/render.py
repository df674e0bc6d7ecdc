"""The presentation of a validation: its figures, its one-page report and its lines for the terminal.

Everything here reads a :class:`~diagnostics.validation.compute.ValidationResult`
(and the dicts of :mod:`diagnostics.validation.summary`); nothing is sampled or
tested here. :func:`~diagnostics.validation.write.write_validation` saves the
figures and the report.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator

import numpy as np

from fepnet.figures import plot_state_images
from fepnet.infra.report import Report

from ..network_plots import plot_coupling_graph, plot_coupling_parts
from ..plots import plot_correlations, plot_marginals, plot_moments, plot_trace_rank, worst_nodes
from ..rank_plots import plot_rank_histograms
from ..report_sections import figure_section
from .compute import EXACT_SCHEDULES, ValidationResult, which_density

__all__ = ["format_validation", "validation_figures", "validation_report"]


def validation_figures(result: ValidationResult) -> Iterator[tuple]:
    """The report's figures, one at a time: ``(file name, matplotlib Figure)`` pairs.

    Couplings and the coupling graph; the evidence and every posterior mean as
    images (when the network has a grid shape); for each comparison its moments
    and, against the Boltzmann reference, the marginals of the worst nodes and
    the network energy; the synchronous chain's correlations; traces of an
    exact schedule and of the reference; the SBC rank histograms. Save (and
    close) each figure before asking for the next.

    Parameters
    ----------
    result : ValidationResult
        A :func:`~diagnostics.validation.compute.run_validation` result.

    Yields
    ------
    name : str
        A PNG file name, e.g. ``moments_synchronous_pi_sync.png``.
    figure : matplotlib.figure.Figure
        The figure (close it, or save it with ``Artifacts.figure``, before asking for the next).
    """
    vn, runs, refs = result.network, result.runs, result.references
    labels, comparisons = result.reference_labels, result.comparisons
    net, ev = vn.network, vn.evidence
    first = next(iter(runs))
    ref_mean = comparisons[(first, "boltzmann")].reference_mean
    yield "couplings.png", plot_coupling_parts(net, title=f"Couplings of the {vn.name} network")
    grid = dict(layout="grid", grid_shape=vn.grid_shape) if vn.grid_shape else {}
    yield "coupling_graph.png", plot_coupling_graph(net, node_values=ref_mean,
                                                    node_label=f"posterior mean, {labels['boltzmann']}", **grid)
    if vn.grid_shape:
        states = [ev / max(np.abs(ev).max(), 1e-12), ref_mean] + [comparisons[(s, "boltzmann")].mean for s in runs]
        titles = ["evidence (scaled)", labels["boltzmann"]] + list(runs)
        if "pi_sync" in refs:
            states.insert(2, comparisons[("synchronous", "pi_sync")].reference_mean)
            titles.insert(2, "NUTS (pi_sync)")
        yield "posterior_means.png", plot_state_images(np.asarray(states), vn.grid_shape, titles=titles,
                                                       suptitle="Evidence and posterior means")
    for (schedule, ref), c in comparisons.items():
        tag = schedule if ref == "boltzmann" else f"{schedule}_pi_sync"
        yield f"moments_{tag}.png", plot_moments(c)
        if ref == "boltzmann":
            ex = np.asarray(runs[schedule].sample_stats["network_energy"].values)
            ey = np.asarray(refs["boltzmann"].sample_stats["network_energy"].values)
            yield f"marginals_{tag}.png", plot_marginals(runs[schedule], refs["boltzmann"], nodes=worst_nodes(c, 7),
                                                         names=(schedule, labels["boltzmann"]), energies=(ex, ey))
    if "synchronous" in runs:
        yield "correlations_synchronous.png", plot_correlations(comparisons[("synchronous", "boltzmann")])
    shown = next((s for s in EXACT_SCHEDULES if s in runs), first)  # an exact sampler's traces, if there is one
    nodes = worst_nodes(comparisons[(shown, "boltzmann")], 4)
    yield f"trace_{shown}.png", plot_trace_rank(runs[shown], nodes=nodes, title=f"fepnet, {shown} schedule")
    yield "trace_reference.png", plot_trace_rank(refs["boltzmann"], nodes=nodes, title=labels["boltzmann"])
    if result.sbc is not None:
        yield "sbc_ranks.png", plot_rank_histograms(result.sbc)
        yield "sbc_ranks_doubled_it.png", plot_rank_histograms(result.sbc_doubled_it)


_CAPTIONS = {
    "couplings.png": "Couplings J, symmetric part Js and antisymmetric part Ja.",
    "coupling_graph.png": "Coupling graph (strongest couplings), nodes coloured by the reference posterior mean.",
    "posterior_means.png": "The evidence and the posterior mean of every sampler, as 8 × 8 images.",
    "correlations_synchronous.png": "Node correlations: synchronous schedule, Boltzmann posterior (reference) and "
                                    "their difference.",
    "trace_reference.png": "Trace and rank plots of the Boltzmann reference sampler for the same nodes.",
    "sbc_ranks.png": "SBC rank histograms of the exact Gibbs sampler (band: 99 % of a uniform histogram).",
    "sbc_ranks_doubled_it.png": "SBC rank histograms of a deliberately wrong sampler (iT doubled).",
}


_PI_SYNC = "_pi_sync"


def _compared(tag: str) -> str:
    """What a moments figure compares, from its file tag: ``"<schedule>"`` (against the Boltzmann reference)
    or ``"<schedule>_pi_sync"`` (against π_sync)."""
    if tag.endswith(_PI_SYNC):
        return (f"{tag[:-len(_PI_SYNC)]} sampler vs π_sync (the synchronous chain's stationary density, "
                f"sampled by NUTS)")
    return f"{tag} sampler vs the Boltzmann posterior (reference)"


def _caption(name: str) -> str:
    """The report's caption of the figure file ``name`` (of :func:`validation_figures`)."""
    if name.startswith("moments_"):
        return f"Means (±2 MCSE), variance ratios and pair correlations: {_compared(name[8:-4])}."
    if name.startswith("marginals_"):
        return f"Marginals of the nodes with the largest |z| and the network energy: {name[10:-4]} vs the reference."
    if name.startswith("trace_") and name not in _CAPTIONS:
        return f"Trace and rank plots, fepnet {name[6:-4]} schedule (the nodes with the largest |z|)."
    return _CAPTIONS.get(name, name)


def _p(p: float) -> str:
    """A p-value for reading: 3 significant digits, '< 1e-16' below double precision's resolution."""
    return "< 1e-16" if p < 1e-16 else f"{p:.3g}"


def _p_text(p: float) -> str:
    """``"p = 0.123"``, or ``"p < 1e-16"`` below double precision's resolution."""
    value = _p(p)
    return f"p {value}" if value.startswith("<") else f"p = {value}"


def _permutation_floor_bound(n_permutations: int) -> tuple[str, float]:
    """The bound to print for a permutation p-value at its floor 1 / (B + 1): 1/(B+1) rounded up to one
    significant digit, with "<" when that is above the floor and "≤" when it equals it (B + 1 a power of ten
    times 1, 2 or 5)."""
    floor = 1.0 / (n_permutations + 1)
    exponent = math.floor(math.log10(floor))
    bound = math.ceil(round(floor / 10.0 ** exponent, 9)) * 10.0 ** exponent
    return ("≤" if math.isclose(bound, floor, rel_tol=1e-9) else "<"), float(f"{bound:.1g}")


def _permutation_p(p: float, n_permutations: int | None, spec: str = ".3g") -> str:
    """A permutation test's p-value for reading.

    At its floor 1 / (B + 1) (the observed statistic beat all B relabellings) the estimate only says the p-value
    is at most that: "< 0.001" for B = 1000 rather than "0.000999". Otherwise ``format(p, spec)``; without B
    (``None``), always that.
    """
    if n_permutations is not None and p <= 1.0 / (n_permutations + 1) * (1 + 1e-9):
        sign, bound = _permutation_floor_bound(n_permutations)
        return f"{sign} {bound:g}"
    return format(p, spec)


def _permutation_p_text(p: float, n_permutations: int | None) -> str:
    """``"p = 0.123"`` or, at the permutation floor, ``"p < 0.001"`` (:func:`_permutation_p`)."""
    value = _permutation_p(p, n_permutations)
    return f"p {value}" if value[0] in "<≤" else f"p = {value}"


def _fmt(x, spec=".2f"):
    return "–" if x is None else format(x, spec)


def validation_report(result: ValidationResult, details: dict) -> Report:
    """The one-page report of a validation: settings, verdicts, what the synchronous chain samples, speed, SBC, figures.

    Parameters
    ----------
    result : ValidationResult
        A :func:`~diagnostics.validation.compute.run_validation` result.
    details : dict
        :func:`~diagnostics.validation.summary.validation_details` of ``result``; its "files" are
        the figures the report shows (the PNG names, in order).

    Returns
    -------
    fepnet.infra.report.Report
        Sections: network and sampling settings, the verdicts table, what the synchronous schedule
        samples, speed, asymmetric couplings, posterior means against the patterns, SBC, the figures.
        Permutation p-values at their floor 1 / (B + 1) read "< 0.001" (B = 1000), p-values below
        1e-16 read "p < 1e-16".
    """
    vn, comparisons, files = result.network, result.comparisons, details["files"]
    net = details["network"]
    st = details["settings"]
    r = Report(f"fepnet validation: {vn.name} network")
    r.text(f"**Network.** {vn.description}. N = {net['n_nodes']}, asymmetry ||J − Jᵀ|| / ||J|| = "
           f"{net['asymmetry']:.3f}, iT = {net['inverse_temperature']:g}.")
    r.text(f"**Sampling.** Each fepnet schedule: {st['chains']} chains × {st['draws']} draws (one draw per step) "
           f"after {st['burn_in']} burn-in steps, from sigma = 0. NUTS (NumPyro): {st['chains']} chains × "
           f"{st['nuts_draws']} draws after {st['nuts_warmup']} warm-up steps, on the Boltzmann posterior "
           f"p(σ | s) ∝ exp(iT((b + s)·σ + ½ σᵀJsσ)) and, for the synchronous schedule, on its stationary density "
           f"π_sync (in closed form). Total time {details['wall_s']:.0f} s.")
    nb = details["nuts"]["boltzmann"]
    if not nb["converged"]:
        r.text(f"**NUTS did not converge on the Boltzmann posterior** (R-hat {nb['rhat_max']:.2f}, smallest bulk ESS "
               f"{nb['ess_bulk_min']:.0f}: its chains stayed in different modes of a multimodal posterior). The "
               f"Boltzmann reference is therefore parallel tempering (`inference.run_tempering`: replica exchange "
               f"over 16 temperatures with exact Gibbs sweeps, {st['chains']} chains × {st['nuts_draws']} draws), "
               f"which mixes between the modes; NUTS's ESS/s is still reported.")
    r.heading("Verdicts")
    rows = []
    for (schedule, ref), c in comparisons.items():
        d = c.to_dict()
        rows.append([schedule, c.reference.name, _fmt(d["max_abs_z"]),
                     f"{d['var_ratio_range'][0]:.2f} – {d['var_ratio_range'][1]:.2f}",
                     f"{d['max_abs_correlation_difference']:.3f}", _fmt(d["energy_difference_in_sd"]),
                     _permutation_p(d["energy_distance_p"], c.energy_distance.n_permutations),
                     _fmt(d["ess_per_s"], ",.0f"),
                     _fmt(details["nuts"][ref]["ess_per_s"], ",.0f"),
                     f"**{d['verdict']}**" + ("" if d["converged"] else " (not converged)")])
    r.table(["schedule", "reference", "max |z| means", "var ratio", "max |Δ corr|", "Δ energy (sd)",
             "energy-dist. p", "ESS/s", "NUTS ESS/s", "verdict"], rows)
    c0 = next(iter(comparisons.values()))
    r.text(f"z: difference of posterior means over the combined Monte-Carlo standard error (consistent needs "
           f"max |z| < {c0.z_threshold:g}); all second moments (variances and covariances) are tested the same way "
           f"against a Bonferroni bound; Δ energy: difference of the mean network energy in units of the reference's "
           f"sd; energy distance: permutation test on draws thinned to about one per effective sample "
           f"(consistent needs p > {c0.alpha:g}). ESS/s: smallest bulk ESS over the nodes per second of sampling "
           f"(compilation excluded, {details['gibbs_vs_nuts']['devices'] if details['gibbs_vs_nuts'] else 1} "
           f"device(s)).")
    if ("synchronous", "pi_sync") in comparisons:
        b, s = comparisons[("synchronous", "boltzmann")], comparisons[("synchronous", "pi_sync")]
        which = which_density(b, s)
        sentence = {
            "pi_sync": "The synchronous schedule (the paper's own) samples **π_sync, not the Boltzmann posterior**",
            "boltzmann": "The synchronous schedule is consistent with the Boltzmann posterior and not with π_sync",
            "indistinguishable": "At this network and sample size the synchronous schedule is consistent with both "
                                 "the Boltzmann posterior and π_sync (the two are too close to tell apart)",
            "neither": "The synchronous schedule is consistent with neither the Boltzmann posterior nor π_sync",
        }[which]
        bd = b.to_dict()
        r.heading("What the synchronous schedule samples")
        r.text(f"{sentence}: against π_sync max |z| = {s.max_abs_z:.2f} and energy-distance "
               f"{_permutation_p_text(s.energy_distance.p_value, s.energy_distance.n_permutations)}; against the "
               f"Boltzmann posterior max |z| = {b.max_abs_z:.2f}, "
               f"{_permutation_p_text(b.energy_distance.p_value, b.energy_distance.n_permutations)}. Size of its bias relative to the Boltzmann posterior: "
               f"largest mean difference {bd['max_abs_mean_difference']:.3f}, variance ratios "
               f"{bd['var_ratio_range'][0]:.2f} – {bd['var_ratio_range'][1]:.2f}, largest correlation difference "
               f"{bd['max_abs_correlation_difference']:.3f} (correlation-matrix distance "
               f"{bd['correlation_distance']:.4f}), mean network energy shifted by "
               f"{_fmt(bd['energy_difference_in_sd'])} sd.")
    g = details["gibbs_vs_nuts"]
    if g and not nb["converged"]:
        r.heading("Speed: exact Gibbs against NUTS")
        r.text("Not measured here: NUTS did not converge on this posterior, so its ESS per second means nothing.")
    elif g and g["ratio"] is not None:
        r.heading("Speed: exact Gibbs against NUTS")
        r.text(f"Best exact schedule ({g['schedule']}): {g['gibbs_ess_per_s']:,.0f} ESS/s; NUTS: "
               f"{g['nuts_ess_per_s']:,.0f} ESS/s; ratio **{g['ratio']:.1f}×** on {g['devices']} device(s). "
               f"`benchmarks/bench_reference.py` measures the same on equal hardware with several devices and repeats.")
    if net["asymmetry"] > 0.05:
        exact = [(s, c) for (s, ref), c in comparisons.items() if ref == "boltzmann"]
        r.heading("Asymmetric couplings: is the stationary density the Boltzmann density of Js?")
        r.text("The paper claims the antisymmetric part Ja only drives probability currents, leaving the "
               "Boltzmann density of Js stationary. Measured distance of each schedule's stationary distribution "
               "from it: " + "; ".join(
                   f"{s}: max |z| = {c.max_abs_z:.1f}, largest mean difference "
                   f"{c.to_dict()['max_abs_mean_difference']:.3f}, energy shifted by "
                   f"{_fmt(c.to_dict()['energy_difference_in_sd'])} sd, energy-distance "
                   f"{_permutation_p_text(c.energy_distance.p_value, c.energy_distance.n_permutations)} "
                   f"({c.verdict})" for s, c in exact) + ".")
    pm = details["posterior_mean_vs_patterns"]
    if pm:
        r.heading("Posterior means against the training patterns")
        r.table(["sampler"] + [f"r with '{label}'" for label in pm["labels"]],
                [[name] + [f"{x:.2f}" for x in vals] for name, vals in pm["pearson_r"].items()])
    sbc = details["sbc"]
    if sbc:
        r.heading("Simulation-based calibration of the exact Gibbs sampler")
        r.text(f"{sbc['replications']} replications on a random {sbc['network']['n']}-node network, "
               f"{sbc['n_draws']} posterior draws each; uniformity of the rank histograms (chi-square per node and "
               f"for the energy, Bonferroni-combined): exact sampler {_p_text(sbc['exact_p'])} "
               f"({'calibrated' if sbc['exact_p'] > 0.01 else 'NOT calibrated'}); the same test on a deliberately "
               f"wrong sampler (iT doubled) gives {_p_text(sbc['doubled_it_p'])} "
               f"({'detected' if sbc['doubled_it_p'] < 0.001 else 'not detected'}).")
    return figure_section(r, files, _caption)


def format_validation(summary: dict, out: str | None = None) -> str:
    """A few lines for the terminal: one per schedule (and reference).

    Parameters
    ----------
    summary : dict
        :func:`~diagnostics.validation.summary.validation_summary` (the content of ``validation.json``).
    out : str, optional
        The output directory, named in a last line.

    Returns
    -------
    str
        A header line and one line per (schedule, reference): max ``|z|``, variance-ratio range,
        energy-distance p ("< 0.001" at the permutation floor), ESS/s, NUTS ESS/s, verdict.

    Examples
    --------
    >>> from diagnostics.validation import format_validation
    >>> entry = {"reference": "boltzmann", "max_abs_z": 1.2, "var_ratio_range": [0.9, 1.1],
    ...          "energy_distance_p": 0.5, "energy_distance_permutations": 1000, "ess_per_s": 1500.0,
    ...          "nuts_ess_per_s": 90.0, "verdict": "consistent"}
    >>> print(format_validation({"sequential": entry}))  # doctest: +NORMALIZE_WHITESPACE
    schedule      reference      max|z|     var ratio    ED p     ESS/s NUTS ESS/s  verdict
    sequential    boltzmann        1.20   0.90-1.10     0.500     1,500         90  consistent
    """
    lines = [f"{'schedule':13s} {'reference':10s} {'max|z|':>7s} {'var ratio':>13s} {'ED p':>7s} "
             f"{'ESS/s':>9s} {'NUTS ESS/s':>10s}  verdict"]

    def line(name, e):
        lo, hi = e["var_ratio_range"]
        return (f"{name:13s} {e['reference']:10s} {e['max_abs_z']:7.2f} {lo:6.2f}-{hi:<6.2f} "
                f"{_permutation_p(e['energy_distance_p'], e.get('energy_distance_permutations'), '.3f'):>7s} "
                f"{_fmt(e['ess_per_s'], ',.0f'):>9s} "
                f"{_fmt(e['nuts_ess_per_s'], ',.0f'):>10s}  {e['verdict']}")

    for schedule, e in summary.items():
        lines.append(line(schedule, e))
        if "pi_sync" in e:
            lines.append(line("", e["pi_sync"]))
            lines.append(f"{'':13s} -> the synchronous chain samples: {e['samples']}")
    if out:
        lines.append(f"wrote {os.path.join(out, 'validation.json')}, details.json, report.md, report.html and figures")
    return "\n".join(lines)
