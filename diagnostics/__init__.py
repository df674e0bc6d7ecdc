"""Diagnostics: fepnet's emergent inference side by side with the references of ``inference``.

Node-state samples are arrays (chains, draws, N) in [-1, 1] or ArviZ InferenceData with
``posterior.sigma`` (chain, draw, node); every check states a verdict from a stated test:

- :func:`~diagnostics.convert.from_chains`, :func:`~diagnostics.convert.from_nuts`,
  :func:`~diagnostics.convert.from_svi`: ArviZ InferenceData with dims (chain, draw, node) and
  per-draw statistics (network energy ``E(sigma) = -((b + s)·sigma + 1/2 sigma^T Js sigma)``; NUTS
  tree statistics; SVI free energy).
- :func:`~diagnostics.compare.compare`: an emergent sampler against a reference: mean z-scores,
  second moments, correlation structure, network energy, an energy-distance two-sample test
  (:mod:`diagnostics.two_sample`), R-hat, ESS, ESS per second, a verdict.
  :func:`~diagnostics.summary.summarize`: one sampler's R-hat, ESS and moments.
- :func:`~diagnostics.sbc.simulation_based_calibration`: SBC (Talts et al. 2018) of fepnet's Gibbs
  samplers; :func:`~diagnostics.rank_uniformity.rank_uniformity`: the chi-square test of its ranks.
- :mod:`diagnostics.plots`, :mod:`diagnostics.network_plots` (layouts in
  :mod:`diagnostics.network_layout`), :mod:`diagnostics.rank_plots`: the figures;
  :class:`fepnet.infra.report.Report`: Markdown + HTML (:mod:`diagnostics.report_sections`:
  sections several reports share).
- :mod:`diagnostics.validation`: the whole check, as run by ``fepnet validate``.
- :mod:`diagnostics.coupling_recovery`: emergent learning against the coupling posterior
  (:mod:`inference.coupling`) and a known ground truth; :mod:`diagnostics.model_selection`: PSIS-LOO
  of coupling models, held-out transition and AIS marginal likelihoods of fixed networks;
  :mod:`diagnostics.sequence_comparison`: ``fepnet compare``.

Imports ArviZ, matplotlib, fepnet and inference (never the other way round).
"""

from . import model_selection, network_plots, plots
from .coupling_recovery import CouplingRecovery, gibbs_stream, recover_couplings, write_recovery
from .compare import Comparison, SamplerSummary, compare, summarize
from .convert import from_chains, from_coupling_posterior, from_nuts, from_svi, network_energy, posterior_samples
from .model_selection import (
    ModelComparison,
    NetworkRanking,
    loo_compare,
    marginal_log_likelihood,
    pair_summary,
    rank_networks,
)
from fepnet.infra.report import Report
from .rank_plots import plot_rank_histograms
from .rank_uniformity import rank_uniformity
from .sbc import SBCResult, simulation_based_calibration
from .two_sample import EnergyDistanceTest, energy_distance, energy_distance_test, thin_to_independent
from .sequence_comparison import compare_orders, write_comparison
from .validation import validate

__all__ = [
    "from_chains",
    "from_nuts",
    "from_svi",
    "from_coupling_posterior",
    "network_energy",
    "posterior_samples",
    "compare",
    "summarize",
    "Comparison",
    "SamplerSummary",
    "energy_distance",
    "energy_distance_test",
    "EnergyDistanceTest",
    "thin_to_independent",
    "simulation_based_calibration",
    "rank_uniformity",
    "plot_rank_histograms",
    "SBCResult",
    "Report",
    "validate",
    "recover_couplings",
    "gibbs_stream",
    "write_recovery",
    "CouplingRecovery",
    "loo_compare",
    "pair_summary",
    "ModelComparison",
    "marginal_log_likelihood",
    "rank_networks",
    "NetworkRanking",
    "compare_orders",
    "write_comparison",
    "model_selection",
    "plots",
    "network_plots",
]
