"""The paper's named sweep grids, for ``fepnet sweep --grid NAME``.

paper-sim2: the paper's Simulation 2 landscape (Spisak & Friston, Figure 3A):
20 evidence levels linspace(1, 20, 20) x 19 inverse temperatures
geomspace(0.01, 1, 19), each trained for 5000 random epochs of 10 steps at
alpha = 0.001 (:data:`fepnet.paper.protocols.SIM2`), one seed: 380 networks.
"""

from __future__ import annotations

import numpy as np

from ..sweep import SweepGrid
from .protocols import SIM2

__all__ = ["GRIDS"]

#: The named sweep grids of ``fepnet sweep --grid NAME``, name -> :class:`~fepnet.sweep.SweepGrid`: "paper-sim2" is the
#: paper's Simulation 2 landscape (20 evidence levels x 19 inverse temperatures, trained as in Simulation 2).
GRIDS = {
    "paper-sim2": SweepGrid(
        evidence_level=np.linspace(1.0, 20.0, 20), inverse_temperature=np.geomspace(0.01, 1.0, 19), **SIM2,
    ),
}
