"""Reference answers for fepnet networks, solved another way: NumPyro models, NUTS, SVI, exact results.

Every emergent computation of a fepnet network can be checked here against a
reference that does not share its code path. A network with couplings J (N, N),
biases b (N,), evidence e and inverse temperature iT defines the Boltzmann density
``p(sigma | e) ∝ exp(iT ((b + e)·sigma + 1/2 sigma^T Js sigma))`` on [-1, 1]^N,
``Js = (J + J^T) / 2``, with normaliser ``Z = ∫ exp(...) dsigma``:

- :class:`~inference.distribution.ContinuousBernoulli`: the CB node as a NumPyro distribution on
  [-1, 1] (maths from ``fepnet.cb``).
- :func:`~inference.models.boltzmann_model` / :func:`~inference.models.synchronous_stationary_model`:
  the Boltzmann posterior and the synchronous chain's stationary density pi_sync, as NumPyro models.
- :func:`~inference.nuts.run_nuts`: reference samples by NUTS; :func:`~inference.svi.run_svi`:
  mean-field VI with CB factors, whose modes are the network's deterministic attractors.
- :mod:`inference.exact`: closed forms for J = 0, Gauss-Legendre quadrature for N <= 3;
  :mod:`inference.monte_carlo`: MCSE and z-scores of sampler output against them.
- :func:`~inference.ais.log_partition`: log Z by annealed importance sampling over fepnet's exact
  Gibbs kernel.
- :func:`~inference.coupling_fit.fit_couplings`: the coupling model, a posterior over J (and b) given
  observed states whose likelihood is the CB pseudo-likelihood the FEP learning rule
  ``delta J[i, j] = alpha (sigma_i - L(h_i)) sigma_j`` ascends, by NUTS or SVI, with the
  pointwise log-likelihood recorded for PSIS-LOO.
- :func:`~inference.tempering.run_tempering`: parallel tempering (replica exchange over exact
  Gibbs sweeps), the reference for multimodal posteriors where NUTS chains stay in separate modes.

Imports NumPyro and fepnet, never ``diagnostics``.
"""

from . import ais, exact
from .ais import AISResult, log_partition
from . import coupling
from .coupling import coupling_model, coupling_structure
from .coupling_fit import CouplingPosterior, fit_couplings
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
    # inference.exact (closed forms, quadrature) and inference.monte_carlo (MCSE, z-scores)
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
