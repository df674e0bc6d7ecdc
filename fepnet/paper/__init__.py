"""The paper's published protocols and their reproduction (an application on top of the core).

- :mod:`fepnet.paper.protocols`: settings and published numbers of Simulations 1-5.
- :mod:`fepnet.paper.simulations`: each simulation as a function of a PRNG key.
- :mod:`fepnet.paper.analysis`: the measurements of their outputs (attractor search, coupling
  correlation, sequence order score).
- :mod:`fepnet.paper.reproduce`: K seeds of a simulation, summarised against the paper (``fepnet reproduce``);
  :mod:`fepnet.paper.reproduce_render` its figures and table.
- :mod:`fepnet.paper.demo`: the balanced digits network and its attractors (``fepnet demo``);
  :mod:`fepnet.paper.demo_render` its figures and text.
- :mod:`fepnet.paper.landscapes`: the Simulation-2 landscapes of a sweep (``fepnet sweep``).
- :mod:`fepnet.paper.examples`: the command line of the example scripts.

Only :mod:`~fepnet.paper.protocols`, :mod:`~fepnet.paper.simulations` and :mod:`~fepnet.paper.analysis`
are imported with the package; import the others by name.

Spisak & Friston, "Self-orthogonalizing attractor neural networks emerging from the
free energy principle" (2025; Neurocomputing 2026).
"""

from . import protocols, simulations
from .protocols import NETWORKS, PUBLISHED, SCORING, SIM1, SIM2, SIM3, SIM4, SIM5
from .analysis import attractor_starts, paper_attractors, sequence_order_score, upper_triangle_correlation
from .simulations import (
    Sim1Result,
    Sim2Network,
    Sim2Result,
    Sim3Result,
    Sim4Result,
    simulation1,
    simulation2,
    simulation3,
    simulation4,
)

__all__ = [
    "protocols",
    "simulations",
    "NETWORKS",
    "PUBLISHED",
    "SCORING",
    "SIM1",
    "SIM2",
    "SIM3",
    "SIM4",
    "SIM5",
    "Sim1Result",
    "Sim2Network",
    "Sim2Result",
    "Sim3Result",
    "Sim4Result",
    "attractor_starts",
    "paper_attractors",
    "sequence_order_score",
    "simulation1",
    "simulation2",
    "simulation3",
    "simulation4",
    "upper_triangle_correlation",
]
