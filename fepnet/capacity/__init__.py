"""Memory capacity of FEP networks against Hebbian, Storkey and projector networks (the paper's Simulation 5).

``patterns`` (the families), ``settings`` (the grid: :class:`CapacitySettings`), ``training`` (the FEP networks, vmapped ``fepnet.train``), ``alpha``
(alpha_c with a bootstrap interval) and ``compute`` (:func:`run_capacity`, pure: no files, no figures);
``examples`` (one recall per rule, for the figure), ``plots`` (the figures of a result) and ``render`` (``capacity.nc``, ``capacity.json``, the figures and
the report with the verdict on the paper's claim: :func:`~fepnet.capacity.render.write_capacity`), which
``fepnet capacity`` uses; import those three by name (they load matplotlib and xarray).
"""

from .alpha import AlphaEstimate, alpha_c
from .compute import CapacityResult, run_capacity
from .settings import RULES, SCHEDULES, CapacitySettings, k_grid
from .patterns import FAMILIES, pattern_family
from .training import PROTOCOL, Protocol, train_networks

__all__ = ["AlphaEstimate", "alpha_c", "CapacityResult", "CapacitySettings", "RULES", "SCHEDULES", "k_grid", "run_capacity", "FAMILIES",
           "pattern_family", "PROTOCOL", "Protocol", "train_networks"]
