"""A validation's result as JSON-ready dicts: the verdicts (``validation.json``) and everything measured (``details.json``)."""

from __future__ import annotations

import numpy as np

from ..compare import Comparison, SamplerSummary
from .compute import EXACT_SCHEDULES, SBC_NETWORK, ValidationResult, which_density

__all__ = ["validation_details", "validation_summary"]


def _entry(c: Comparison, reference: str, nuts: SamplerSummary) -> dict:
    d = c.to_dict()
    return {
        "reference": reference,
        "reference_sampler": c.reference.name,
        "max_abs_z": d["max_abs_z"],
        "var_ratio_range": d["var_ratio_range"],
        "energy_distance_p": d["energy_distance_p"],
        "energy_distance_permutations": int(c.energy_distance.n_permutations),
        "ess_per_s": d["ess_per_s"],
        "nuts_ess_per_s": nuts.ess_per_s,
        "nuts_converged": nuts.converged,
        "verdict": d["verdict"],
        "converged": d["converged"],
        "max_abs_second_moment_z": d["max_abs_second_moment_z"],
        "max_abs_correlation_difference": d["max_abs_correlation_difference"],
        "correlation_distance": d["correlation_distance"],
        "energy_difference_in_sd": d["energy_difference_in_sd"],
        "max_abs_mean_difference": d["max_abs_mean_difference"],
        "passed": d["passed"],
    }


def validation_summary(result: ValidationResult) -> dict:
    """The content of ``validation.json``: one entry per schedule, against the Boltzmann reference.

    Each entry holds ``max_abs_z``, ``var_ratio_range``, ``energy_distance_p``,
    ``ess_per_s``, ``nuts_ess_per_s``, ``verdict`` and the other headline numbers
    of :meth:`~diagnostics.compare.Comparison.to_dict`; the synchronous entry
    also has ``pi_sync`` (the same against pi_sync) and ``samples``
    (:func:`~diagnostics.validation.compute.which_density`).

    Parameters
    ----------
    result : ValidationResult
        A :func:`~diagnostics.validation.compute.run_validation` result.

    Returns
    -------
    dict
        schedule -> entry, in the result's schedule order.
    """
    comparisons, nuts = result.comparisons, result.nuts_summaries
    out = {}
    for schedule in result.runs:
        entry = _entry(comparisons[(schedule, "boltzmann")], "boltzmann", nuts["boltzmann"])
        if schedule == "synchronous":
            entry["pi_sync"] = _entry(comparisons[(schedule, "pi_sync")], "pi_sync", nuts["pi_sync"])
            entry["samples"] = which_density(comparisons[(schedule, "boltzmann")], comparisons[(schedule, "pi_sync")])
        out[schedule] = entry
    return out


def validation_details(result: ValidationResult, files, *, wall_s: float | None = None) -> dict:
    """The content of ``details.json``: network, settings, NUTS runs, every comparison, pattern correlations, SBC.

    Parameters
    ----------
    result : ValidationResult
        A :func:`~diagnostics.validation.compute.run_validation` result.
    files : list of str
        The names of the files the validation writes (listed under "files").
    wall_s : float, optional
        Total seconds to report (default: the computation's, ``result.wall_s``).

    Returns
    -------
    dict
        Keys network, settings, nuts, references, comparisons ("<schedule> vs <reference>"),
        posterior_mean_vs_patterns, gibbs_vs_nuts, sbc, wall_s, files.
    """
    vn, net = result.network, result.network.network
    summary = validation_summary(result)
    ref = result.nuts_summaries["boltzmann"]
    exact = [s for s in result.schedules if s in EXACT_SCHEDULES]
    best = max(exact, key=lambda s: summary[s]["ess_per_s"] or 0.0) if exact else None
    wall = result.wall_s if wall_s is None else wall_s
    d = {
        "network": {
            "name": vn.name, "description": vn.description, "n_nodes": int(net.size),
            "asymmetry": float(net.asymmetry()), "inverse_temperature": vn.inverse_temperature,
            "evidence_norm": float(np.linalg.norm(vn.evidence)),
        },
        "settings": dict(result.settings),
        "nuts": {name: {"ess_bulk_min": sm.ess_bulk_min, "ess_tail_min": sm.ess_tail_min, "rhat_max": sm.rhat_max,
                        "converged": sm.converged, "wall_s": sm.wall_s, "ess_per_s": sm.ess_per_s,
                        "divergences": int(np.asarray(result.nuts[name].sample_stats["diverging"].values).sum())}
                 for name, sm in result.nuts_summaries.items()},
        "references": dict(result.reference_labels),
        "comparisons": {f"{s} vs {name}": c.to_dict() for (s, name), c in result.comparisons.items()},
        "posterior_mean_vs_patterns": None,
        "gibbs_vs_nuts": None if best is None else {
            "schedule": best, "gibbs_ess_per_s": summary[best]["ess_per_s"], "nuts_ess_per_s": ref.ess_per_s,
            "ratio": (summary[best]["ess_per_s"] or 0.0) / ref.ess_per_s if ref.ess_per_s and ref.converged else None,
            "devices": result.n_devices,
        },
        "sbc": None,
        "wall_s": round(wall, 2),
        "files": list(files),
    }
    if result.pattern_correlations is not None:
        d["posterior_mean_vs_patterns"] = {"labels": list(vn.pattern_labels),
                                           "pearson_r": dict(result.pattern_correlations)}
    if result.sbc is not None:
        sbc, wrong = result.sbc, result.sbc_doubled_it
        d["sbc"] = {
            "network": SBC_NETWORK, "replications": int(sbc.ranks.shape[0]), "n_draws": int(sbc.n_draws),
            "exact_p": float(sbc.p_value), "doubled_it_p": float(wrong.p_value),
            "exact_node_p": [float(p) for p in sbc.p_values],
        }
    return d
