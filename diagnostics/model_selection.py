"""Model selection for fepnet networks: which coupling structure, which network, explains held-out data best.

Three routes, for three different questions. All three score log-probabilities
of data the model did not see; they differ in WHAT is held out, WHAT is
scored and WHAT is uncertain.

(a) PSIS-LOO on a fitted coupling model -- :func:`loo_compare`, :func:`pair_summary`.
    Question: which model STRUCTURE (symmetric vs asymmetric J, dense vs
    graph-masked, normal vs Laplace prior) predicts the transitions of one
    observed data set best? Each structure is fitted to the same observations
    with :func:`inference.coupling.fit_couplings`, and Pareto-smoothed
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
    density even for symmetric J (SPEC §3); route (c) scores the Boltzmann
    (sequential-Gibbs) density.

Rule of thumb: fitted families -> (a); fixed networks and dynamics -> (b);
fixed (near-)symmetric networks and whole patterns -> (c).
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

import fepnet
from fepnet.infra import checks as v
from fepnet.infra.plotting import pyplot as _pyplot

from ._arviz import az
from .convert import from_coupling_posterior

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

#: Pareto k-hat above which the PSIS-LOO estimate of an observation is unreliable (Vehtari et al. 2024).
KHAT_THRESHOLD = 0.7
#: A difference is "decisive" when it exceeds this many standard errors of the paired difference.
DECISIVE_SE = 2.0

_SCALES = {"log": 1.0, "negative_log": -1.0, "deviance": -2.0}


def _json_float(x):
    """A float for JSON: NaN and +-inf become None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


# ============================================================================ (a) PSIS-LOO


@dataclasses.dataclass(frozen=True, eq=False)
class ModelComparison:
    """PSIS-LOO comparison of coupling models fitted to the same observations (:func:`loo_compare`).

    ``table``: ``az.compare``'s DataFrame (best first) on the requested ``scale``;
    ``loo``: name -> ``az.loo`` ELPDData (pointwise, same scale). The dicts below
    are on the LOG scale whatever ``scale`` is (elpd = expected log predictive
    density, higher is better), keyed by model name:

    elpd, se               elpd_loo and its standard error
    p_loo                  effective number of parameters
    elpd_diff, se_diff     elpd[preferred] - elpd[name] (>= 0) and the SE of that paired difference,
                           sqrt(n var_t(loo_t[preferred] - loo_t[name])) (0 for the preferred model)
    khat_bad_fraction      fraction of observations with Pareto k-hat > 0.7 (LOO unreliable there)
    khat_max               the largest k-hat
    n_free                 free couplings of each structure (None if unknown)
    method                 "nuts" / "svi" (None if unknown)

    ``preferred``: the model with the highest elpd; ``decisive``: the runner-up
    is worse by more than 2 se_diff. (The table's ``warning`` column uses
    ArviZ's sample-size-dependent threshold min(1 - 1/log10(S), 0.7), about
    0.6 for S = 300 draws; ``khat_bad_fraction`` uses the fixed 0.7.) With
    ``pointwise="node"`` fits every node value x_t,i is one LOO point.
    """

    table: pd.DataFrame
    loo: dict
    preferred: str
    elpd: dict
    se: dict
    p_loo: dict
    elpd_diff: dict
    se_diff: dict
    khat_bad_fraction: dict
    khat_max: dict
    n_free: dict
    method: dict
    n_observations: int
    scale: str
    decisive: bool

    @property
    def names(self) -> list:
        """Model names, best first."""
        return [str(s) for s in self.table.index]

    @property
    def runner_up(self) -> str:
        return self.names[1]

    def pointwise(self, name: str) -> np.ndarray:
        """loo_t of model ``name`` on the log scale, (n,) float64 in observation order ((n N,) per node value)."""
        if name not in self.loo:
            raise ValueError(f"no model named {name!r}; models: {self.names}")
        return np.asarray(self.loo[name].loo_i.values, np.float64).ravel() / _SCALES[self.scale]

    def per_observation(self, name: str) -> np.ndarray:
        """loo values of model ``name`` summed per observation (state), (n,) float64, log scale.

        Equal to :meth:`pointwise` unless the models were fitted with
        ``pointwise="node"`` (one LOO value per node value x_t,i).
        """
        p = self.pointwise(name)
        return p.reshape(self.n_observations, -1).sum(axis=1)

    def pareto_k(self, name: str) -> np.ndarray:
        """Pareto k-hat of every pointwise value of model ``name`` (as :meth:`pointwise`), float64."""
        if name not in self.loo:
            raise ValueError(f"no model named {name!r}; models: {self.names}")
        return np.asarray(self.loo[name].pareto_k.values, np.float64).ravel()

    def to_dict(self) -> dict:
        """Everything as plain JSON-able Python values (models best first)."""
        return {
            "preferred": self.preferred,
            "decisive": bool(self.decisive),
            "scale": self.scale,
            "n_observations": int(self.n_observations),
            "models": {
                name: {
                    "rank": i,
                    "elpd": _json_float(self.elpd[name]),
                    "se": _json_float(self.se[name]),
                    "p_loo": _json_float(self.p_loo[name]),
                    "elpd_diff": _json_float(self.elpd_diff[name]),
                    "se_diff": _json_float(self.se_diff[name]),
                    "weight": _json_float(self.table.loc[name, "weight"]),
                    "khat_bad_fraction": _json_float(self.khat_bad_fraction[name]),
                    "khat_max": _json_float(self.khat_max[name]),
                    "n_free": None if self.n_free[name] is None else int(self.n_free[name]),
                    "method": self.method[name],
                }
                for i, name in enumerate(self.names)
            },
        }

    def __str__(self) -> str:
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            table = self.table.to_string(float_format=lambda x: f"{x:.2f}")
        verdict = "decisively" if self.decisive else "not decisively (within 2 se_diff)"
        worst = max(self.khat_bad_fraction.values())
        lines = [f"PSIS-LOO comparison of {len(self.names)} models on {self.n_observations} observations "
                 f"(scale: {self.scale})", table,
                 f"preferred: {self.preferred}, {verdict} over {self.runner_up} "
                 f"(elpd_diff {self.elpd_diff[self.runner_up]:.2f} +- {self.se_diff[self.runner_up]:.2f})"]
        if worst > 0:
            lines.append(f"warning: up to {100 * worst:.1f}% of observations have Pareto k-hat > {KHAT_THRESHOLD}")
        return "\n".join(lines)


def _model_record(name, model):
    """(InferenceData, targets (n, N) float64, n_free or None, method or None) of one model."""
    from inference.coupling import OBSERVED, CouplingPosterior

    if isinstance(model, CouplingPosterior):
        idata = from_coupling_posterior(model)
        return idata, np.asarray(model.data.targets, np.float64), model.structure.n_free, model.method
    if isinstance(model, az.InferenceData):
        groups = model.groups()
        if "log_likelihood" not in groups or OBSERVED not in model.log_likelihood:
            raise ValueError(f"posteriors[{name!r}] must hold log_likelihood.{OBSERVED} "
                             "(use diagnostics.from_coupling_posterior)")
        if "observed_data" not in groups or OBSERVED not in model.observed_data:
            raise ValueError(f"posteriors[{name!r}] must hold observed_data.{OBSERVED} (the targets)")
        targets = np.asarray(model.observed_data[OBSERVED].values, np.float64)
        attrs = model.log_likelihood.attrs
        n_free = attrs.get("n_free")
        return model, targets, None if n_free is None else int(n_free), attrs.get("method")
    raise TypeError(f"posteriors[{name!r}] must be a CouplingPosterior or an InferenceData, "
                    f"got {type(model).__name__}")


def loo_compare(posteriors: dict, *, scale: str = "log") -> ModelComparison:
    """PSIS-LOO of every coupling model and ``az.compare`` of them (route (a) of the module docstring).

    ``posteriors``: name -> :class:`inference.coupling.CouplingPosterior` (or an
    InferenceData from :func:`diagnostics.from_coupling_posterior`), at least
    two, all fitted to the same observations (same number, identical targets).
    ``scale``: "log" (default), "negative_log" or "deviance", the scale of
    ``table`` and ``loo``; the summary dicts are always on the log scale.
    ArviZ's k-hat warnings are silenced: see ``khat_bad_fraction``.
    """
    if not isinstance(posteriors, dict):
        raise TypeError(f"posteriors must be a dict name -> CouplingPosterior, got {type(posteriors).__name__}")
    if len(posteriors) < 2:
        raise ValueError(f"posteriors must hold at least two models to compare, got {len(posteriors)}")
    if scale not in _SCALES:
        raise ValueError(f"scale must be one of {tuple(_SCALES)}, got {scale!r}")
    for name in posteriors:
        if not isinstance(name, str) or not name:
            raise TypeError(f"posteriors must be keyed by non-empty model names (str), got {name!r}")
    from inference.coupling import OBSERVED

    records = {name: _model_record(name, model) for name, model in posteriors.items()}
    first, (_, ref_targets, _, _) = next(iter(records.items()))
    for name, (_, targets, _, _) in records.items():
        if targets.shape != ref_targets.shape:
            raise ValueError(f"posteriors must be fitted to the same observations: {first!r} has targets of shape "
                             f"{ref_targets.shape}, {name!r} has {targets.shape}")
        if not np.array_equal(targets, ref_targets):
            raise ValueError(f"posteriors must be fitted to the same observations: the targets of {name!r} "
                             f"differ from those of {first!r}")
    shapes = {name: rec[0].log_likelihood[OBSERVED].shape[2:] for name, rec in records.items()}
    if len(set(shapes.values())) != 1:
        raise ValueError("posteriors must record the pointwise log-likelihood in the same unit (per state or "
                         f"per node value: fit_couplings' pointwise), got shapes {shapes}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # k-hat warnings: reported in khat_bad_fraction
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="arviz")  # pandas API notices in ArviZ
        loo = {name: az.loo(idata, pointwise=True, scale=scale) for name, (idata, _, _, _) in records.items()}
        table = az.compare(loo, ic="loo", scale=scale)
    factor = _SCALES[scale]
    pointwise = {name: np.asarray(e.loo_i.values, np.float64).ravel() / factor for name, e in loo.items()}
    n = ref_targets.shape[0]
    preferred = str(table.index[0])
    elpd = {name: float(p.sum()) for name, p in pointwise.items()}
    se = {name: float(math.sqrt(p.size * np.var(p))) for name, p in pointwise.items()}
    elpd_diff = {name: elpd[preferred] - elpd[name] for name in loo}
    se_diff = {name: float(math.sqrt(p.size * np.var(pointwise[preferred] - p))) for name, p in pointwise.items()}
    khat = {name: np.asarray(e.pareto_k.values, np.float64).ravel() for name, e in loo.items()}
    runner = str(table.index[1])
    return ModelComparison(
        table=table,
        loo=loo,
        preferred=preferred,
        elpd=elpd,
        se=se,
        p_loo={name: float(e.p_loo) for name, e in loo.items()},
        elpd_diff=elpd_diff,
        se_diff=se_diff,
        khat_bad_fraction={name: float(np.mean(k > KHAT_THRESHOLD)) for name, k in khat.items()},
        khat_max={name: float(np.max(k)) for name, k in khat.items()},
        n_free={name: rec[2] for name, rec in records.items()},
        method={name: rec[3] for name, rec in records.items()},
        n_observations=int(n),
        scale=scale,
        decisive=bool(elpd_diff[runner] > DECISIVE_SE * se_diff[runner]),
    )


def pair_summary(comparison: ModelComparison, a: str = "symmetric", b: str = "asymmetric") -> dict:
    """The head-to-head verdict of models ``a`` and ``b`` of a :func:`loo_compare` (JSON-safe dict).

    Keys: ``elpd_<a>``, ``elpd_<b>`` (log scale), ``elpd_diff`` = elpd_b - elpd_a
    (positive: b predicts better), ``se_diff`` (SE of the paired pointwise
    difference), ``z`` = elpd_diff / se_diff, ``decisive`` = |elpd_diff| > 2
    se_diff, ``preferred`` and ``khat_bad_fraction`` ({a: .., b: ..}).

    The rule for ``preferred``: if the difference is decisive, the model with
    the higher elpd; otherwise the SIMPLER model, the one with fewer free
    couplings (n_free; e.g. symmetric over asymmetric, masked over dense):
    when held-out prediction cannot tell them apart, the extra couplings are
    not supported by the data. With equal n_free, the higher elpd.
    """
    if not isinstance(comparison, ModelComparison):
        raise TypeError(f"comparison must be a ModelComparison (from loo_compare), got {type(comparison).__name__}")
    for arg, name in (("a", a), ("b", b)):
        if name not in comparison.loo:
            raise ValueError(f"{arg} must name a compared model {comparison.names}, got {name!r}")
        if name == "diff":
            raise ValueError(f"{arg} must not be 'diff' (its key elpd_diff is taken)")
    if a == b:
        raise ValueError(f"a and b must name two different models, got {a!r} twice")
    pa, pb = comparison.pointwise(a), comparison.pointwise(b)
    diff = float(pb.sum() - pa.sum())
    se = float(math.sqrt(pa.size * np.var(pb - pa)))
    z = diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    decisive = abs(diff) > DECISIVE_SE * se
    if decisive:
        preferred = b if diff > 0 else a
    else:
        na, nb = comparison.n_free[a], comparison.n_free[b]
        if na is None or nb is None:
            missing = a if na is None else b
            raise ValueError(f"the free-coupling count of {missing!r} is unknown, so the simpler model "
                             "cannot be chosen (compare CouplingPosterior objects)")
        preferred = (a if na < nb else b) if na != nb else (b if diff > 0 else a)
    return {
        f"elpd_{a}": float(pa.sum()),
        f"elpd_{b}": float(pb.sum()),
        "elpd_diff": diff,
        "se_diff": se,
        "z": _json_float(z),
        "decisive": bool(decisive),
        "preferred": preferred,
        "khat_bad_fraction": {a: comparison.khat_bad_fraction[a], b: comparison.khat_bad_fraction[b]},
    }


# ============================================================================ (b) transitions


def _check_network(network, name: str = "network") -> fepnet.Network:
    if not isinstance(network, fepnet.Network):
        raise TypeError(f"{name} must be a fepnet.Network, got {type(network).__name__}")
    if network.couplings.ndim != 2:
        raise ValueError(f"{name} must be a single network (couplings (N, N)), got {tuple(network.couplings.shape)}")
    return network


def _inverse_temperature(x, name: str = "inverse_temperature") -> float:
    return float(np.asarray(v.positive_scalar(x, name), np.float64))


def heldout_transition_log_likelihood(network, states, *, inverse_temperature=1.0, field: str = "previous") -> np.ndarray:
    """Pointwise log p(x_t | u_t, network) of held-out states (route (b)), (n,) float64.

    ``states`` (T, N) or S streams (S, T, N) in [-1, 1]; observations as in
    :func:`inference.coupling.coupling_data` (``field="previous"``: u_t = x_{t-1}
    within each stream, n = S (T - 1); ``"same"``: u_t = x_t, n = S T).
    log p(x_t | u_t) = sum_i log CB(x_t,i | iT (b + J u_t)_i), computed by
    :func:`inference.coupling.transition_log_likelihood` in the network's dtype.
    Compare networks A and B by d_t = ll_A(t) - ll_B(t): sum d_t +- sqrt(n var d_t).
    """
    from inference.coupling import coupling_data, transition_log_likelihood

    network = _check_network(network)
    it = _inverse_temperature(inverse_temperature)
    x = v.as_real_array(states, "states")
    if x.ndim not in (2, 3) or x.shape[-1] != network.size:
        raise ValueError(f"states must have shape (T, {network.size}) or (S, T, {network.size}) to match the "
                         f"network, got {tuple(x.shape)}")
    data = coupling_data(x.astype(network.dtype), field)
    ll = transition_log_likelihood(network.couplings, network.biases, data, jnp.asarray(it, network.dtype))
    return np.asarray(ll, np.float64)


# ============================================================================ (c) Boltzmann marginal likelihood



class MarginalLikelihood(NamedTuple):
    """log p(x_n | network) of held-out states under the network's Boltzmann density (route (c)).

    pointwise (n,) float64; total = sum, mean = total / n; log_z and log_z_se
    (the AIS standard error; 0 for an exact log Z); se_mean, the standard error
    of ``mean``: sqrt(sd(pointwise)^2 / n + log_z_se^2) (the spread over states,
    and the AIS error of log Z, which shifts every point alike; NaN for n = 1).
    """

    pointwise: np.ndarray
    total: float
    mean: float
    log_z: float
    log_z_se: float
    se_mean: float

    @property
    def n(self) -> int:
        return int(self.pointwise.size)

    @property
    def se_total(self) -> float:
        """Standard error of ``total`` (n se_mean: the log Z error is common to all n states)."""
        return self.n * self.se_mean


def _log_z(key, network, it, n_particles, n_temperatures, log_z, progress=False):
    """(log Z, its standard error) from ``log_z`` (AISResult / number) or a fresh AIS run."""
    from inference import AISResult, log_partition

    if log_z is None:
        if key is None:
            raise TypeError("key must be a JAX PRNG key when log_z is not given (log Z is estimated by AIS)")
        res = log_partition(v.prng_key(key), network, it, n_particles=v.count(n_particles, "n_particles", minimum=2),
                            n_temperatures=n_temperatures, progress=progress)
        return float(res.log_z), float(res.standard_error)
    if isinstance(log_z, AISResult):
        return float(log_z.log_z), float(log_z.standard_error)
    if isinstance(log_z, (bool, np.bool_)):
        raise TypeError("log_z must be an inference.AISResult or a real number, got a bool")
    try:
        value = float(np.asarray(v.as_real_array(log_z, "log_z", ndim=0), np.float64))
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"log_z must be an inference.AISResult or a real number: {exc}") from None
    return value, 0.0


def _held_out_states(states, n: int, name: str = "states") -> np.ndarray:
    """(m, N) float64 states in [-1, 1] (a single state (N,) becomes (1, N))."""
    v.states(states, name, n)
    x = np.asarray(states, np.float64)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"{name} must have shape (n, {n}), got {x.shape}")
    return x


def _boltzmann_log_density(network, x: np.ndarray, it: float) -> np.ndarray:
    """iT (b·x + 1/2 x^T Js x), float64 (n,), the unnormalised log Boltzmann density."""
    Js = np.asarray(network.symmetric_part(), np.float64)
    b = np.asarray(network.biases, np.float64)
    return it * (x @ b + 0.5 * np.einsum("ni,ij,nj->n", x, Js, x))


def _se_mean(pointwise: np.ndarray, log_z_se: float) -> float:
    n = pointwise.size
    sample_var = np.var(pointwise, ddof=1) / n if n > 1 else math.nan
    return float(math.sqrt(sample_var + log_z_se**2))


def marginal_log_likelihood(
    key,
    network,
    states,
    *,
    inverse_temperature=1.0,
    n_particles: int = 1000,
    n_temperatures: int | None = None,
    log_z=None,
) -> MarginalLikelihood:
    """log p(x | network) = iT (b·x + 1/2 x^T Js x) - log Z for held-out states (route (c)).

    ``states`` (n, N) (or one state (N,)) in [-1, 1]. ``log_z``: an
    :class:`inference.AISResult` or a number (an exact log Z, e.g. from
    :func:`inference.boltzmann_quadrature`) for this network at this
    ``inverse_temperature``, reused as given (nothing checks that it belongs to
    the network); if None it is estimated by :func:`inference.log_partition`
    with ``key``, ``n_particles`` and ``n_temperatures`` (default 256). Only the
    symmetric part of J enters. The density is on [-1, 1]^N with respect to
    Lebesgue measure (a log density, not a log probability: it can be positive).
    """
    network = _check_network(network)
    it = _inverse_temperature(inverse_temperature)
    x = _held_out_states(states, network.size)
    lz, lz_se = _log_z(key, network, it, n_particles, n_temperatures, log_z)
    pointwise = _boltzmann_log_density(network, x, it) - lz
    total = float(pointwise.sum())
    return MarginalLikelihood(pointwise, total, total / pointwise.size, lz, lz_se, _se_mean(pointwise, lz_se))


@dataclasses.dataclass(frozen=True, eq=False)
class NetworkRanking:
    """Fixed networks ranked by the mean held-out Boltzmann log-likelihood of each data set (:func:`rank_networks`).

    table      DataFrame (rows: data sets, columns: networks) of mean log p(x | network)
    se         the same shape: standard error of each mean (:attr:`MarginalLikelihood.se_mean`)
    best       data set -> the network with the highest mean; runner_up: the second
    margin     DataFrame: mean[best] - mean[network] (>= 0; 0 for the best)
    se_diff    DataFrame: SE of that paired difference, sqrt(var_n(d_n) / n + se_Z,best^2 + se_Z,network^2)
               with d_n the pointwise difference on the same states (0 for the best)
    z          data set -> margin of the best over the runner-up in units of its se_diff
    log_z, log_z_se, inverse_temperature: per network (one AIS run each, shared by all data sets)
    n_states   data set -> number of held-out states; pointwise: data set -> network -> (n,) float64
    """

    table: pd.DataFrame
    se: pd.DataFrame
    best: dict
    runner_up: dict
    margin: pd.DataFrame
    se_diff: pd.DataFrame
    z: dict
    log_z: dict
    log_z_se: dict
    inverse_temperature: dict
    n_states: dict
    pointwise: dict
    settings: dict
    wall_s: float

    def to_dict(self) -> dict:
        """Plain JSON-able Python values."""
        def frame(df):
            return {str(r): {str(c): _json_float(df.loc[r, c]) for c in df.columns} for r in df.index}

        return {
            "mean_log_likelihood": frame(self.table),
            "se": frame(self.se),
            "best": dict(self.best),
            "runner_up": dict(self.runner_up),
            "margin": frame(self.margin),
            "se_diff": frame(self.se_diff),
            "z": {k: _json_float(val) for k, val in self.z.items()},
            "log_z": {k: _json_float(val) for k, val in self.log_z.items()},
            "log_z_se": {k: _json_float(val) for k, val in self.log_z_se.items()},
            "inverse_temperature": {k: float(val) for k, val in self.inverse_temperature.items()},
            "n_states": {k: int(val) for k, val in self.n_states.items()},
            "settings": dict(self.settings),
            "wall_s": float(self.wall_s),
        }

    def __str__(self) -> str:
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            table = self.table.to_string(float_format=lambda x: f"{x:.3f}")
        lines = ["mean held-out log-likelihood (rows: data sets, columns: networks)", table]
        for d in self.table.index:
            lines.append(f"{d}: best {self.best[d]}, ahead of {self.runner_up[d]} by "
                         f"{self.margin.loc[d, self.runner_up[d]]:.3f} +- {self.se_diff.loc[d, self.runner_up[d]]:.3f}"
                         f" (z = {self.z[d]:.2f})")
        return "\n".join(lines)


def _named(mapping, what: str, name: str) -> dict:
    if not isinstance(mapping, dict):
        raise TypeError(f"{name} must be a dict name -> {what}, got {type(mapping).__name__}")
    for key in mapping:
        if not isinstance(key, str) or not key:
            raise TypeError(f"{name} must be keyed by non-empty names (str), got {key!r}")
    return mapping


def rank_networks(
    key,
    networks: dict,
    datasets: dict,
    *,
    inverse_temperature=1.0,
    n_particles: int = 1000,
    n_temperatures: int | None = None,
    progress: bool = False,
) -> NetworkRanking:
    """Rank fixed networks by the Boltzmann log-likelihood of held-out states (route (c)).

    ``networks``: name -> :class:`fepnet.Network` (at least two, same size N);
    ``datasets``: name -> held-out states (n, N) in [-1, 1] (n >= 2).
    ``inverse_temperature``: one value, or a dict name -> iT per network. Each
    network's log Z is estimated once by AIS (``n_particles``, ``n_temperatures``;
    keys folded from ``key``) and reused for every data set. Differences are
    paired: the same states under both networks, plus both AIS errors.
    """
    key = v.prng_key(key)
    networks = _named(networks, "fepnet.Network", "networks")
    datasets = _named(datasets, "states (n, N)", "datasets")
    if len(networks) < 2:
        raise ValueError(f"networks must hold at least two networks to rank, got {len(networks)}")
    if len(datasets) < 1:
        raise ValueError("datasets must hold at least one data set")
    sizes = {name: _check_network(net, f"networks[{name!r}]").size for name, net in networks.items()}
    n = next(iter(sizes.values()))
    if len(set(sizes.values())) != 1:
        raise ValueError(f"networks must all have the same number of nodes, got {sizes}")
    if isinstance(inverse_temperature, dict):
        missing = sorted(set(networks) - set(inverse_temperature))
        if missing:
            raise ValueError(f"inverse_temperature has no value for networks {missing}")
        its = {name: _inverse_temperature(inverse_temperature[name], f"inverse_temperature[{name!r}]")
               for name in networks}
    else:
        it = _inverse_temperature(inverse_temperature)
        its = {name: it for name in networks}
    states = {}
    for name, x in datasets.items():
        states[name] = _held_out_states(x, n, f"datasets[{name!r}]")
        if states[name].shape[0] < 2:
            raise ValueError(f"datasets[{name!r}] must hold at least 2 states (for a standard error)")
    n_particles = v.count(n_particles, "n_particles", minimum=2)
    if n_temperatures is not None:
        v.count(n_temperatures, "n_temperatures", minimum=1)

    t0 = time.perf_counter()
    log_z, log_z_se = {}, {}
    for i, (name, net) in enumerate(networks.items()):
        log_z[name], log_z_se[name] = _log_z(jax.random.fold_in(key, i), net, its[name], n_particles, n_temperatures,
                                             None, progress)
    wall = time.perf_counter() - t0

    pointwise = {d: {name: _boltzmann_log_density(net, x, its[name]) - log_z[name] for name, net in networks.items()}
                 for d, x in states.items()}
    rows, cols = list(states), list(networks)
    table = pd.DataFrame([[pointwise[d][c].mean() for c in cols] for d in rows], index=rows, columns=cols)
    se = pd.DataFrame([[_se_mean(pointwise[d][c], log_z_se[c]) for c in cols] for d in rows], index=rows, columns=cols)
    best, runner, z = {}, {}, {}
    margin = pd.DataFrame(0.0, index=rows, columns=cols)
    se_diff = pd.DataFrame(0.0, index=rows, columns=cols)
    for d in rows:
        order = table.loc[d].sort_values(ascending=False, kind="stable").index
        best[d], runner[d] = str(order[0]), str(order[1])
        for c in cols:
            if c == best[d]:
                continue
            diff = pointwise[d][best[d]] - pointwise[d][c]
            margin.loc[d, c] = float(diff.mean())
            se_diff.loc[d, c] = math.sqrt(np.var(diff, ddof=1) / diff.size + log_z_se[best[d]] ** 2 + log_z_se[c] ** 2)
        m, s = margin.loc[d, runner[d]], se_diff.loc[d, runner[d]]
        z[d] = float(m / s) if s > 0 else (0.0 if m == 0 else math.inf)
    settings = {"n_particles": n_particles,
                "n_temperatures": int(n_temperatures) if n_temperatures is not None else None}
    return NetworkRanking(table, se, best, runner, margin, se_diff, z, log_z, log_z_se, its,
                          {d: int(x.shape[0]) for d, x in states.items()}, pointwise, settings, wall)


def heldout_states(key, patterns, *, evidence_level, inverse_temperature, n_per_pattern: int = 1) -> np.ndarray:
    """States induced by clamping ``patterns`` as evidence into a network with J = 0, (K n_per_pattern, N).

    x ~ CB(iT * evidence_level * pattern), independently per node: the states a
    pattern drives in the training loop before any coupling acts (SPEC §5: b =
    evidence_level * pattern, sigma ~ CB(iT (b + J sigma))). Use them as
    held-out data for :func:`rank_networks`, e.g. from test images of digits,
    at the evidence level and iT the networks were trained with. Rows are grouped by
    pattern (pattern k: rows k n_per_pattern .. (k + 1) n_per_pattern - 1). float64.
    """
    key = v.prng_key(key)
    p = v.as_real_array(patterns, "patterns")
    if p.ndim == 1:
        p = p[None]
    if p.ndim != 2 or p.shape[0] < 1 or p.shape[1] < 1:
        raise ValueError(f"patterns must have shape (K, N) or (N,), got {tuple(np.shape(patterns))}")
    level = v.as_real_array(evidence_level, "evidence_level", ndim=0)
    it = v.positive_scalar(inverse_temperature, "inverse_temperature")
    m = v.count(n_per_pattern, "n_per_pattern", minimum=1)
    natural = (it * level * p).astype(p.dtype)
    draws = fepnet.cb.sample(key, natural[:, None, :], shape=(p.shape[0], m, p.shape[1]))
    return np.clip(np.asarray(draws, np.float64).reshape(-1, p.shape[1]), -1.0, 1.0)


# ============================================================================ figures


def _check_comparison(comparison):
    if not isinstance(comparison, ModelComparison):
        raise TypeError(f"comparison must be a ModelComparison (from loo_compare), got {type(comparison).__name__}")
    return comparison


def plot_elpd(comparison: ModelComparison):
    """Left: elpd_loo +- SE of every model (best on top). Right: the difference to the preferred model
    +- the SE of the paired difference, with the 2 SE band that makes a difference "decisive"."""
    c = _check_comparison(comparison)
    names = c.names
    y = np.arange(len(names))[::-1]
    plt = _pyplot()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9.0, 1.2 + 0.55 * len(names)), layout="constrained", sharey=True)
    elpd = np.array([c.elpd[s] for s in names])
    se = np.array([c.se[s] for s in names])
    ax0.errorbar(elpd, y, xerr=se, fmt="o", color="k", capsize=4)
    ax0.set_yticks(y, names)
    ax0.set_xlabel("elpd_loo (log scale) +- SE")
    ax0.set_title("predictive accuracy")
    diff = np.array([-c.elpd_diff[s] for s in names])
    sd = np.array([c.se_diff[s] for s in names])
    for yi, d, s, name in zip(y, diff, sd, names):
        if name == c.preferred:
            ax1.plot([0.0], [yi], "o", color="C2")
            continue
        color = "C3" if -d > DECISIVE_SE * s else "C0"
        ax1.errorbar([d], [yi], xerr=[[DECISIVE_SE * s], [DECISIVE_SE * s]], fmt="none", color=color, alpha=0.35,
                     lw=6)
        ax1.errorbar([d], [yi], xerr=[s], fmt="o", color=color, capsize=4)
    ax1.axvline(0.0, color="0.5", lw=1, ls="--")
    ax1.set_xlabel(f"elpd - elpd[{c.preferred}]  (+- 1 and 2 SE)")
    ax1.set_title("difference to the preferred model")
    for ax in (ax0, ax1):
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.grid(axis="x", alpha=0.3)
    bad = [f"{s}: {100 * c.khat_bad_fraction[s]:.0f}%" for s in names if c.khat_bad_fraction[s] > 0]
    if bad:
        fig.suptitle(f"k-hat > {KHAT_THRESHOLD} (LOO unreliable): " + ", ".join(bad), fontsize=9, color="C3")
    return fig


def plot_pointwise_difference(comparison: ModelComparison, a: str = "symmetric", b: str = "asymmetric"):
    """Pointwise elpd_loo difference d_t = loo_t[b] - loo_t[a] per observation (time order) and its running sum.

    (Fitted with ``pointwise="node"``: d_t sums the node values of observation t.)
    Positive d_t: ``b`` predicts transition t better (e.g. the asymmetric model
    at pattern transitions of a sequence). The band around the running sum is
    +- 2 sqrt(t) sd(d) (the spread a sum of t exchangeable differences would
    have); observations with Pareto k-hat > 0.7 in either model are ringed.
    """
    c = _check_comparison(comparison)
    for arg, name in (("a", a), ("b", b)):
        if name not in c.loo:
            raise ValueError(f"{arg} must name a compared model {c.names}, got {name!r}")
    d = c.per_observation(b) - c.per_observation(a)
    t = np.arange(d.size)
    bad = ((c.pareto_k(a) > KHAT_THRESHOLD) | (c.pareto_k(b) > KHAT_THRESHOLD)).reshape(d.size, -1).any(axis=1)
    plt = _pyplot()
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(9.0, 5.0), layout="constrained", sharex=True)
    colors = np.where(d > 0, "C3", "C0")
    ax0.vlines(t, 0.0, d, colors=colors, lw=0.8)
    ax0.scatter(t, d, c=colors, s=6)
    if np.any(bad):
        ax0.scatter(t[bad], d[bad], s=40, facecolors="none", edgecolors="k", lw=0.8, label=f"k-hat > {KHAT_THRESHOLD}")
        ax0.legend(fontsize=8, loc="upper right")
    ax0.axhline(0.0, color="0.5", lw=0.8)
    ax0.set_ylabel(f"d_t\n({b} - {a})")
    ax0.set_title(f"pointwise elpd difference: > 0 where {b} predicts better")
    run = np.cumsum(d)
    band = DECISIVE_SE * np.sqrt(t + 1.0) * (np.std(d) if d.size > 1 else 0.0)
    ax1.fill_between(t, -band, band, color="0.85", label="+- 2 sqrt(t) sd")
    ax1.plot(t, run, color="k", lw=1.4, label="running sum")
    ax1.axhline(0.0, color="0.5", lw=0.8)
    ax1.set_xlabel("observation (time order)")
    ax1.set_ylabel("cumulative elpd difference")
    total = c.pointwise(b) - c.pointwise(a)
    ax1.set_title(f"total {run[-1]:.1f} +- {math.sqrt(total.size * np.var(total)):.1f}")
    ax1.legend(fontsize=8, loc="upper left")
    return fig


def plot_ranking(ranking: NetworkRanking):
    """Heatmap of the mean held-out log-likelihood (rows: data sets, columns: networks), each row's best boxed.

    Colours are per row (the mean minus the row's best), so rows of different
    data sets are comparable; cells show the mean and, off the best, the margin
    in SE units of the paired difference.
    """
    if not isinstance(ranking, NetworkRanking):
        raise TypeError(f"ranking must be a NetworkRanking (from rank_networks), got {type(ranking).__name__}")
    table = ranking.table
    rows, cols = list(table.index), list(table.columns)
    values = table.to_numpy(np.float64)
    rel = values - values.max(axis=1, keepdims=True)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 + 1.3 * len(cols)), 1.4 + 0.7 * len(rows)), layout="constrained")
    lim = max(float(np.max(-rel)), 1e-12)
    im = ax.imshow(rel, cmap="viridis", vmin=-lim, vmax=0.0, aspect="auto")
    fig.colorbar(im, ax=ax, label="mean log-lik - row best")
    for i, d in enumerate(rows):
        for j, c in enumerate(cols):
            text = f"{values[i, j]:.2f}"
            if c != ranking.best[d]:
                s = ranking.se_diff.loc[d, c]
                text += f"\n-{ranking.margin.loc[d, c] / s:.1f} SE" if s > 0 else ""
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="k" if rel[i, j] > -0.5 * lim else "w")
        j = cols.index(ranking.best[d])
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="C3", lw=2.5))
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("network")
    ax.set_ylabel("held-out data set")
    ax.set_title("held-out log-likelihood (best boxed)")
    return fig
