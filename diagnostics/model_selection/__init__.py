"""Model selection for fepnet networks: which coupling structure, which network, explains held-out data best.

Three routes, for three different questions. All three score log-probabilities
of data the model did not see; they differ in WHAT is held out, WHAT is
scored and WHAT is uncertain.

(a) PSIS-LOO on a fitted coupling model -- :func:`loo_compare`, :func:`pair_summary`.
    Question: which model STRUCTURE (symmetric vs asymmetric J, dense vs
    graph-masked, normal vs Laplace prior) predicts the transitions of one
    observed data set best? Each structure is fitted to the same observations
    with :func:`inference.coupling_fit.fit_couplings`, and Pareto-smoothed
    importance-sampling leave-one-out (Vehtari, Gelman & Gabry 2017;
    ``az.loo`` / ``az.compare``) estimates the expected out-of-sample log
    predictive density elpd = sum_t log p(x_t | u_t, data without t) of the
    transition model p(x_t | x_{t-1}), integrating over the posterior of the
    couplings (parameter uncertainty included, so a structure with more free
    couplings pays for them through p_loo). Use it when the models are
    *families* fitted to data, not fixed networks. It needs posterior draws:
    NUTS draws are exact; SVI draws come from an approximate (Gaussian)
    posterior, so check the Pareto k-hat of every observation: LOO is
    unreliable where k-hat > 0.7 (:attr:`ModelComparison.khat_bad_fraction`
    reports the fraction), and a mean-field guide that is too narrow shows up
    there first. Differences are read in units of their own standard error
    (se of the paired pointwise differences), not of each elpd's se.

(b) Held-out transition log-likelihood of FIXED networks -- :func:`heldout_transition_log_likelihood`.
    Question: given networks already trained (no fitting, no posterior),
    which one predicts the dynamics of held-out state streams best?
    Score sum_t log p(x_t | u_t, network) = sum_t sum_i log CB(x_t,i |
    iT (b + J u_t)_i), the same synchronous-transition likelihood as (a),
    on streams the networks never saw; compare two networks by the sum of
    their pointwise differences with the standard error sqrt(n var(d_t)) of
    the paired differences. Cheap (one matrix product per step), needs no
    normalising constant, exact for any J (symmetric or not), and scores the
    conditionals / the dynamics, not the stationary distribution. The
    natural choice for sequence networks and for checking a learned J
    against the one that generated the data.

(c) Marginal likelihood of held-out STATES under a fixed network's Boltzmann density --
    :func:`marginal_log_likelihood`, :func:`rank_networks`, :func:`heldout_states`.
    Question: which network assigns held-out whole patterns the highest
    probability? log p(x | network) = iT (b·x + 1/2 x^T Js x) - log Z, with
    log Z estimated once per network by annealed importance sampling
    (:func:`inference.log_partition`) and reused for every data set; the
    standard errors combine the spread of the pointwise scores with the AIS
    standard error of log Z (both networks' when two are compared). This
    scores the joint density of a state, so it says how well a network's
    attractor landscape covers a class of patterns (e.g. images of digits it
    was trained on against digits it was not). It is only meaningful where
    the Boltzmann density describes the network: symmetric or nearly
    symmetric J (random presentation order). For sequence networks
    (strongly asymmetric J, fixed order) the stationary distribution of the
    dynamics is not the Boltzmann density of Js, and this score ranks
    something the network does not sample: use (b) there. Note also that the
    synchronous chain's own stationary density differs from the Boltzmann
    density even for symmetric J (it samples pi_sync, see
    :mod:`fepnet.kernels`); route (c) scores the Boltzmann (sequential-Gibbs)
    density.

Rule of thumb: fitted families -> (a); fixed networks and dynamics -> (b);
fixed (near-)symmetric networks and whole patterns -> (c).

Modules: :mod:`.loo` (a), :mod:`.heldout` (b), :mod:`.evidence` (c) and the
held-out data generator :func:`heldout_states`, :mod:`.plots` (the figures).
"""

from __future__ import annotations

from .evidence import MarginalLikelihood, NetworkRanking, heldout_states, marginal_log_likelihood, rank_networks
from .heldout import heldout_transition_log_likelihood
from .loo import DECISIVE_SE, KHAT_THRESHOLD, ModelComparison, loo_compare, pair_summary
from .plots import plot_elpd, plot_pointwise_difference, plot_ranking

__all__ = [
    "KHAT_THRESHOLD",
    "DECISIVE_SE",
    "ModelComparison",
    "loo_compare",
    "pair_summary",
    "heldout_transition_log_likelihood",
    "MarginalLikelihood",
    "marginal_log_likelihood",
    "NetworkRanking",
    "rank_networks",
    "heldout_states",
    "plot_elpd",
    "plot_pointwise_difference",
    "plot_ranking",
]
