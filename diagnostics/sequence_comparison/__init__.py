"""``fepnet compare``: do the data call for asymmetric couplings? Sequence against random-order data.

The paper's Simulation 3 presents digits 1, 2, 3 in a fixed order, one
synchronous step each, at evidence level 20 and iT = 1; the network learns
asymmetric couplings (sequence attractors). Random presentation order gives
nearly symmetric couplings. The coupling model of ``inference.coupling`` asks
the same question of the data directly: it fits
p(x_t | x_{t-1}) = prod_i CB(x_t,i | b_i + sum_j J_ij x_{t-1,j}) (the learning
rule's field convention) with J symmetric or unrestricted, and PSIS-LOO
compares the two.

Data (``source``):

- ``"evidence"`` (default): the states the nodes take while each pattern is
  clamped as evidence, x_t ~ CB(iT * level * p_{k_t}) (a network with J = 0, i.e.
  the stream of sensory evidence itself), with k_t in Simulation 3's fixed order
  or uniformly at random. The question is then about the data alone.
- ``"training"``: the states of the network while it learns with the Simulation 3
  protocol (``fepnet.train(..., trace=True)``), last ``n_transitions`` steps.
  These also carry the network's own feedback J_t x_{t-1}; after random-order
  training J keeps an asymmetric part (about 0.2), which the asymmetric model
  can pick up on weakly evidenced pixels.

Each data set is fitted by SVI (mean-field Gaussian guide; 64 nodes means 4032
asymmetric couplings) with the pointwise log-likelihood recorded per node value
(``pointwise="node"``): whole 64-node states are each so informative that PSIS
fails for leave-one-state-out (Pareto k-hat > 0.7 for about half of them), while
leave-one-node-value-out keeps k-hat > 0.7 below 1 %.

The protocol's settings are arguments of :func:`compare_orders` and
:func:`sequence_data`, with the paper's values as defaults; ``fepnet compare``
passes them from :mod:`fepnet.paper.protocols`.

Modules: :mod:`.compute` (the data and the fits, :func:`compare_orders`),
:mod:`.render` (:func:`write_comparison`: ``compare.json`` ({"sequence": {...},
"random": {...}} each with ``elpd_symmetric``, ``elpd_asymmetric``,
``se_diff``, ``preferred``, ...; see
:func:`diagnostics.model_selection.pair_summary`), figures and a report;
:func:`format_comparison`: the ArviZ tables for the terminal).
"""

from __future__ import annotations

from .compute import MODELS, ORDERS, SOURCES, OrderComparison, compare_orders, sequence_data
from .render import comparison_figures, comparison_report, format_comparison, write_comparison

__all__ = ["SOURCES", "ORDERS", "MODELS", "sequence_data", "OrderComparison", "compare_orders", "format_comparison",
           "comparison_figures", "comparison_report", "write_comparison"]
