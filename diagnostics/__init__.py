"""Diagnostics: fepnet's emergent inference side by side with the references of ``inference``.

- :func:`from_chains`, :func:`from_nuts`, :func:`from_svi`: ArviZ InferenceData with dims (chain, draw, node)
  and per-draw statistics (network energy; NUTS tree statistics; SVI free energy).
- :func:`compare`: an emergent sampler against a reference: mean z-scores, second moments, correlation
  structure, network energy, an energy-distance two-sample test, R-hat, ESS, ESS per second, a verdict.
- :func:`simulation_based_calibration`: SBC (Talts et al. 2018) of fepnet's exact Gibbs sampler.
- :mod:`diagnostics.plots`, :mod:`diagnostics.network_plots`: the figures; :class:`Report`: Markdown + HTML.
- :func:`validate`: the whole check, as run by ``fepnet validate``.

Imports ArviZ, matplotlib, fepnet and inference (never the other way round).
"""

from . import network_plots, plots
from .compare import Comparison, SamplerSummary, compare, summarize
from .convert import from_chains, from_nuts, from_svi, network_energy, posterior_samples
from .report import Report
from .sbc import SBCResult, plot_rank_histograms, rank_uniformity, simulation_based_calibration
from .two_sample import EnergyDistanceTest, energy_distance, energy_distance_test, thin_to_independent
from .validation import validate

__all__ = [
    "from_chains",
    "from_nuts",
    "from_svi",
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
    "plots",
    "network_plots",
]
