"""Reference answers for fepnet networks, solved another way: NumPyro models, NUTS, SVI, exact results.

Every emergent computation of a fepnet network can be checked here against a
reference that does not share its code path:

- :class:`ContinuousBernoulli`: the CB node as a NumPyro distribution on [-1, 1] (maths from ``fepnet.cb``).
- :func:`boltzmann_model` / :func:`synchronous_stationary_model`: the posterior
  p(sigma | evidence) ∝ exp(iT (b·sigma + 1/2 sigma^T Js sigma)) and the synchronous
  chain's stationary density pi_sync, as NumPyro models.
- :func:`run_nuts`: reference samples by NUTS; :func:`run_svi`: mean-field VI with
  CB factors, whose modes are the network's deterministic attractors.
- :mod:`inference.exact`: closed forms for J = 0, quadrature for N <= 3, moment z-scores.
- :func:`log_partition`: log Z by annealed importance sampling over fepnet's exact Gibbs kernel.
- :func:`fit_couplings`: the coupling model, a posterior over J (and b) given observed states whose
  likelihood is the CB pseudo-likelihood the FEP learning rule
  delta J[i, j] = alpha (sigma_i - L(h_i)) sigma_j ascends, by NUTS or SVI, with the
  pointwise log-likelihood recorded for PSIS-LOO.
- :func:`run_tempering`: parallel tempering (replica exchange over exact Gibbs sweeps), the reference
  for multimodal posteriors where NUTS chains stay in separate modes.

Imports NumPyro and fepnet, never ``diagnostics``.
"""

from . import ais, exact
from .ais import AISResult, log_partition
from . import coupling
from .coupling import CouplingPosterior, coupling_model, coupling_structure, fit_couplings
from .distribution import ContinuousBernoulli
from .exact import (
    Moments,
    boltzmann_moments,
    boltzmann_quadrature,
    independent_moments,
    quadrature_moments,
    synchronous_quadrature,
)
from .monte_carlo import MomentZScores, mcse, moment_z_scores
from .models import boltzmann_model, synchronous_stationary_model
from .nuts import NUTSResult, run_nuts
from .svi import MeanFieldFreeEnergy, SVIResult, mean_field_guide, run_svi
from .tempering import TemperingResult, run_tempering

__all__ = [
    "ContinuousBernoulli",
    "boltzmann_model",
    "synchronous_stationary_model",
    "run_nuts",
    "NUTSResult",
    "run_svi",
    "SVIResult",
    "mean_field_guide",
    "MeanFieldFreeEnergy",
    # inference.exact: closed forms, quadrature and Monte Carlo errors
    "Moments", "MomentZScores", "independent_moments", "quadrature_moments",
    "boltzmann_quadrature", "synchronous_quadrature", "boltzmann_moments", "mcse",
    "moment_z_scores",
    "log_partition",
    "AISResult",
    "run_tempering",
    "TemperingResult",
    "fit_couplings",
    "coupling_model",
    "coupling_structure",
    "CouplingPosterior",
    "coupling",
    "ais",
    "exact",
]
