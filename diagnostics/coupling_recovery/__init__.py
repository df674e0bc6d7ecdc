"""Coupling recovery: can the couplings of a known network be read back from its states?

Two estimators of J from one stream of states of a known symmetric network
(zero biases by default, iT = 1), compared with the truth and with each other:

1. The coupling model (``inference.coupling``, NUTS) with Besag's
   pseudo-likelihood (``field="same"``) on equilibrium samples x_t (one per
   sweep): x_t,i ~ CB(b_i + sum_j J_ij x_t,j). For symmetric J these are the
   exact full conditionals of the Boltzmann density
   p(x) ∝ exp(iT (b·x + 1/2 x^T J x)), so the
   posterior mean is a consistent estimate of J and its credible intervals can
   be checked for coverage.
2. The FEP rule (``fepnet.learn_from_states``) on the full stream of
   an exact systematic-scan single-site Gibbs sampler (:func:`gibbs_stream`):
   for t = 1..T-1, h = J x_{t-1}, J_ij += alpha (x_t,i - L(h_i)) x_t,j (i != j).

Between x_{t-1} and x_t one node k is resampled. If k != j the rule's expected
update is the gradient of the pseudo-likelihood, zero at the truth. If k = j
(probability 1/N) the Hebbian factor x_t,j is a fresh draw that the field h_i
(made from the OLD x_j) cannot predict: at weak coupling the two effects
balance at J_ij ≈ J*_ij + J*_ji / (N - 1), i.e. the rule inflates a symmetric
J by about N / (N - 1) (the ``expected_fep_slope``).

Why the stream matters (the optional control): on a synchronous stream (every
node resampled each step from the previous state, an asymmetric truth) the
coupling model with ``field="previous"`` is the exact likelihood and recovers J,
while the FEP rule fails: its expected update is zero at the truth, but that
fixed point is unstable, because the rule's Jacobian there is the lag-one
cross-covariance E[L'(h) x_{t-1} x_t^T], not a covariance. The rule is gradient
ascent on the pseudo-likelihood only when consecutive states (nearly) coincide.

Metrics are computed on the off-diagonal entries; slopes are least-squares
slopes through the origin (y ~ s x). :func:`write_recovery` writes
``recovery.json``, figures and a one-page report.

Modules: :mod:`.stream` (the exact Gibbs stream), :mod:`.metrics` (the
comparisons and acceptance thresholds), :mod:`.compute` (the experiment,
:func:`recover_couplings`), :mod:`.render` (figures, report, writer, summary).
"""

from __future__ import annotations

from .compute import CouplingRecovery, recover_couplings
from .metrics import ACCEPTANCE, acceptance, recovery_metrics
from .render import (
    FIGURES,
    format_recovery,
    plot_coupling_matrices,
    plot_interval_coverage,
    plot_recovery,
    recovery_report,
    write_recovery,
)
from .stream import gibbs_stream

__all__ = [
    "ACCEPTANCE",
    "CouplingRecovery",
    "gibbs_stream",
    "recover_couplings",
    "acceptance",
    "recovery_metrics",
    "plot_recovery",
    "plot_coupling_matrices",
    "plot_interval_coverage",
    "recovery_report",
    "write_recovery",
    "format_recovery",
    "FIGURES",
]
