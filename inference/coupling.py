"""The coupling model: a posterior over a network's couplings from observed node states.

The FEP learning rule delta J[i, j] = alpha (sigma_i - L(h_i)) sigma_j, h = J sigma_old,
is stochastic gradient ascent on the continuous-Bernoulli
pseudo-likelihood of node states given the couplings; this module writes that
likelihood as a NumPyro model, so that the couplings a network learns can be
checked against a Bayesian posterior, and networks compared by their evidence.
(One concept in about 420 lines: the structure, the observations, the model and its fit
share the same conventions and are read together.)

Observations. From states x (T, N) (or several streams (S, T, N)) each
observation t pairs a target x_t with an input u_t:

    field="previous"  u_t = x_{t-1}, t = 1..T-1   (the learning rule's convention: the field
                                                  comes from the OLD state; a transition model)
    field="same"      u_t = x_t                   (Besag's pseudo-likelihood of equilibrium samples)

Likelihood, with a fixed inverse temperature iT (default 1: the rule's field has no iT):

    x_t,i ~ CB(eta_t,i),   eta_t = iT (b + J u_t),   independent over i given u_t,

so log p(x_t | u_t) = sum_i [eta_t,i x_t,i - A(eta_t,i)] is the pointwise
log-likelihood of observation t (NumPyro site ``"x"``). Couplings J have a zero
diagonal; their free entries w are the off-diagonal ones ("asymmetric"), one per
unordered pair with J = J^T ("symmetric"), either restricted to the edges of a
mask (a networkx graph or boolean matrix, as :func:`fepnet.coupling_mask`).
Priors, non-centred: w = tau z with z ~ Normal(0, 1) or Laplace(0, 1) iid and
the scale hyper-prior tau ~ HalfNormal(prior_scale); biases b ~ Normal(0,
bias_scale) (or fixed at 0 with ``fit_biases=False``, the learning rule's field).

With field="previous" the likelihood is exact for a synchronous chain
x_t ~ CB(iT (b + J x_{t-1})) of any J, so its posterior is a proper Bayesian
posterior. With field="same" it is a pseudo-likelihood: its maximiser is a
consistent estimate of iT Js for Boltzmann samples, but J[i, j] and J[j, i]
both enter twice, and credible intervals are not calibrated.

Posterior by NUTS (:func:`fit_couplings` ``method="nuts"``; exact, for small N)
or SVI (``method="svi"``, an AutoNormal / low-rank / full-rank Gaussian guide in
the unconstrained space; any N). Either way the result holds posterior draws of
J and b and the pointwise log-likelihood of every observation for every draw,
the input to PSIS-LOO (``diagnostics.model_selection``).
"""

from __future__ import annotations

import time
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS, SVI, Trace_ELBO, autoguide, log_likelihood
from numpyro.optim import Adam

from fepnet import Network, coupling_mask
from fepnet.infra import checks as v
from fepnet.infra.progress import ceil_chunks, run_in_chunks

from .distribution import ContinuousBernoulli

__all__ = [
    "FIELDS",
    "STRUCTURES",
    "PRIORS",
    "GUIDES",
    "OBSERVED",
    "CouplingStructure",
    "coupling_structure",
    "CouplingData",
    "coupling_data",
    "natural_parameters",
    "transition_log_likelihood",
    "coupling_model",
    "CouplingPosterior",
    "fit_couplings",
]

FIELDS = ("previous", "same")
STRUCTURES = ("asymmetric", "symmetric")
PRIORS = ("normal", "laplace")
GUIDES = ("normal", "lowrank", "multivariate")
METHODS = ("nuts", "svi")
POINTWISE = ("state", "node")
OBSERVED = "x"  # the observation site; its log-likelihood is the pointwise log-likelihood


class CouplingStructure(NamedTuple):
    """Which entries of J are free: ``rows``, ``cols`` (K,) index the free entries; for a symmetric
    structure each (rows[k], cols[k]) with rows < cols also sets the mirrored entry."""

    n_nodes: int
    symmetric: bool
    rows: np.ndarray
    cols: np.ndarray

    @property
    def n_free(self) -> int:
        """K, the number of free coupling parameters."""
        return int(self.rows.size)

    @property
    def name(self) -> str:
        return "symmetric" if self.symmetric else "asymmetric"

    def to_matrix(self, weights):
        """J (..., N, N) from free weights (..., K): zero diagonal, zero off the structure."""
        w = jnp.asarray(weights)
        n = self.n_nodes
        J = jnp.zeros(w.shape[:-1] + (n, n), w.dtype).at[..., self.rows, self.cols].set(w)
        if self.symmetric:
            J = J.at[..., self.cols, self.rows].set(w)
        return J

    def to_weights(self, couplings):
        """The free weights (..., K) of J (..., N, N) (for a symmetric structure: its upper triangle)."""
        return jnp.asarray(couplings)[..., self.rows, self.cols]

    def free_mask(self) -> np.ndarray:
        """Boolean (N, N): True where J may be non-zero."""
        m = np.zeros((self.n_nodes, self.n_nodes), bool)
        m[self.rows, self.cols] = True
        if self.symmetric:
            m[self.cols, self.rows] = True
        return m


def coupling_structure(n_nodes: int, structure: str = "asymmetric", mask=None) -> CouplingStructure:
    """The free entries of J for ``structure`` ("asymmetric" or "symmetric"), optionally masked.

    ``mask``: a networkx graph or (N, N) boolean matrix (see :func:`fepnet.coupling_mask`:
    mask[i, j] allows J[i, j]). A symmetric structure frees the pair {i, j} if
    the mask allows either direction.
    """
    n = v.count(n_nodes, "n_nodes", minimum=2)
    if structure not in STRUCTURES:
        raise ValueError(f"structure must be one of {STRUCTURES}, got {structure!r}")
    allowed = ~np.eye(n, dtype=bool) if mask is None else np.asarray(coupling_mask(mask, n)) > 0
    if allowed.shape != (n, n):
        raise ValueError(f"mask must describe {n} nodes, got shape {allowed.shape}")
    symmetric = structure == "symmetric"
    if symmetric:
        allowed = np.triu(allowed | allowed.T, 1)
    rows, cols = np.nonzero(allowed)
    if rows.size == 0:
        raise ValueError("mask leaves no free coupling")
    return CouplingStructure(n, symmetric, rows.astype(np.int32), cols.astype(np.int32))


class CouplingData(NamedTuple):
    """inputs u (n, N) and targets x (n, N) of the n observations, and the ``field`` convention used."""

    inputs: jax.Array
    targets: jax.Array
    field: str

    @property
    def n_observations(self) -> int:
        return int(self.targets.shape[0])

    @property
    def n_nodes(self) -> int:
        return int(self.targets.shape[1])


def coupling_data(states, field: str = "previous") -> CouplingData:
    """Observations from states (T, N) or S streams (S, T, N) in [-1, 1] (see the module docstring).

    With ``field="previous"`` consecutive rows of each stream are (input, target)
    pairs: T - 1 observations per stream, never across streams.
    """
    if field not in FIELDS:
        raise ValueError(f"field must be one of {FIELDS}, got {field!r}")
    x = v.as_real_array(states, "states")
    if x.ndim not in (2, 3):
        raise ValueError(f"states must have shape (T, N) or (S, T, N), got {tuple(x.shape)}")
    if x.shape[-1] < 2:
        raise ValueError(f"states must have at least 2 nodes, got shape {tuple(x.shape)}")
    x = v.states(x, "states", x.shape[-1])
    streams = x if x.ndim == 3 else x[None]
    if field == "previous":
        if streams.shape[1] < 2:
            raise ValueError(f"field='previous' needs at least 2 states per stream, got shape {tuple(x.shape)}")
        inputs, targets = streams[:, :-1], streams[:, 1:]
    else:
        if streams.shape[1] < 1:
            raise ValueError("states is empty")
        inputs = targets = streams
    n = x.shape[-1]
    return CouplingData(inputs.reshape(-1, n), targets.reshape(-1, n), field)


def natural_parameters(couplings, biases, inputs, inverse_temperature=1.0):
    """eta = iT (b + J u) for inputs u (..., N): the CB natural parameters of every target node."""
    return inverse_temperature * (biases + jnp.einsum("...ij,...nj->...ni", couplings, inputs))


def transition_log_likelihood(couplings, biases, data: CouplingData, inverse_temperature=1.0):
    """Pointwise log p(x_t | u_t) = sum_i log CB(x_t,i | eta_t,i), shape (..., n) for J (..., N, N), b (..., N)."""
    eta = natural_parameters(couplings, biases[..., None, :], data.inputs, inverse_temperature)
    return jnp.sum(ContinuousBernoulli(eta, validate_args=False).log_prob(data.targets), axis=-1)


def coupling_model(inputs, targets=None, *, structure: CouplingStructure, prior: str = "normal",
                   prior_scale=1.0, bias_scale=1.0, fit_biases: bool = True, inverse_temperature=1.0,
                   pointwise: str = "state"):
    """NumPyro model of the coupling posterior (module docstring). ``targets=None`` samples them.

    Sites: ``coupling_scale`` tau, ``z`` (K,) standardised weights, deterministic
    ``weights`` = tau z, ``biases`` (N,) if ``fit_biases``, and the observation site ``"x"``:
    plate ``observations`` (n) with event shape (N,) if ``pointwise="state"``, or plates
    ``observations`` x ``nodes`` (n, N) if ``pointwise="node"`` (the same density; only the
    unit of the pointwise log-likelihood differs).
    """
    n = structure.n_nodes
    dtype = inputs.dtype
    tau = numpyro.sample("coupling_scale", dist.HalfNormal(jnp.asarray(prior_scale, dtype)))
    base = dist.Normal(jnp.zeros((), dtype), 1.0) if prior == "normal" else dist.Laplace(jnp.zeros((), dtype), 1.0)
    z = numpyro.sample("z", base.expand([structure.n_free]).to_event(1))
    w = numpyro.deterministic("weights", tau * z)
    J = structure.to_matrix(w)
    if fit_biases:
        b = numpyro.sample("biases", dist.Normal(jnp.zeros((n,), dtype), jnp.asarray(bias_scale, dtype)).to_event(1))
    else:
        b = jnp.zeros((n,), dtype)
    eta = natural_parameters(J, b, inputs, inverse_temperature)
    with numpyro.plate("observations", inputs.shape[0], dim=-2 if pointwise == "node" else -1):
        if pointwise == "node":
            with numpyro.plate("nodes", n, dim=-1):
                numpyro.sample(OBSERVED, ContinuousBernoulli(eta, validate_args=False), obs=targets)
        else:
            numpyro.sample(OBSERVED, ContinuousBernoulli(eta, validate_args=False).to_event(1), obs=targets)


class CouplingPosterior(NamedTuple):
    """Posterior draws of a coupling model, grouped by chain (SVI: one "chain" of guide draws).

    couplings (C, D, N, N), biases (C, D, N) (zeros if not fitted), coupling_scale (C, D);
    log_likelihood (C, D, n): log p(x_t | u_t, draw) for every observation, or (C, D, n, N):
    log p(x_t,i | u_t, draw) for every node value, if fitted with ``pointwise="node"``;
    data: the :class:`CouplingData` fitted; structure; settings (prior, prior_scale,
    bias_scale, fit_biases, inverse_temperature, method, guide); wall_s;
    extra: NUTS ``diverging`` (C, D) and ``n_steps``, or SVI ``losses`` (steps,).
    """

    couplings: jax.Array
    biases: jax.Array
    coupling_scale: jax.Array
    log_likelihood: jax.Array
    data: CouplingData
    structure: CouplingStructure
    settings: dict
    wall_s: float
    extra: dict

    @property
    def method(self) -> str:
        return self.settings["method"]

    @property
    def name(self) -> str:
        """e.g. "asymmetric" or "symmetric (masked)"."""
        dense = self.structure.free_mask().sum() == self.structure.n_nodes * (self.structure.n_nodes - 1)
        return self.structure.name + ("" if dense else " (masked)")

    def mean_couplings(self) -> jax.Array:
        """Posterior mean of J (N, N)."""
        return jnp.mean(self.couplings, axis=(0, 1))

    def mean_network(self) -> Network:
        """A :class:`fepnet.Network` with the posterior-mean couplings and biases."""
        return Network(self.mean_couplings(), jnp.mean(self.biases, axis=(0, 1)))

    def interval(self, prob: float = 0.9):
        """Equal-tailed credible interval (lo, hi) of every entry of J, each (N, N)."""
        prob = float(prob)
        if not 0 < prob < 1:
            raise ValueError(f"prob must lie in (0, 1), got {prob}")
        flat = np.asarray(self.couplings).reshape((-1,) + self.couplings.shape[2:])
        lo, hi = np.quantile(flat, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        return lo, hi

    def total_log_likelihood(self) -> jax.Array:
        """sum_t log p(x_t | u_t) per draw, (C, D)."""
        return jnp.sum(self.log_likelihood.reshape(self.log_likelihood.shape[:2] + (-1,)), axis=-1)

    def state_log_likelihood(self) -> jax.Array:
        """log p(x_t | u_t) per draw and observation (C, D, n), whatever the pointwise unit."""
        ll = self.log_likelihood
        return jnp.sum(ll, axis=-1) if self.settings.get("pointwise") == "node" else ll


def _check_fit_args(structure, mask, prior, prior_scale, bias_scale, inverse_temperature, method, guide, pointwise, n):
    if prior not in PRIORS:
        raise ValueError(f"prior must be one of {PRIORS}, got {prior!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if guide not in GUIDES:
        raise ValueError(f"guide must be one of {GUIDES}, got {guide!r}")
    if pointwise not in POINTWISE:
        raise ValueError(f"pointwise must be one of {POINTWISE}, got {pointwise!r}")
    if not isinstance(structure, CouplingStructure):
        structure = coupling_structure(n, structure, mask)
    elif mask is not None:
        raise ValueError("give mask only with a structure name, not with a CouplingStructure")
    if structure.n_nodes != n:
        raise ValueError(f"structure has {structure.n_nodes} nodes, states have {n}")
    return structure, dict(
        prior=prior,
        prior_scale=float(v.positive_scalar(prior_scale, "prior_scale")),
        bias_scale=float(v.positive_scalar(bias_scale, "bias_scale")),
        inverse_temperature=float(v.positive_scalar(inverse_temperature, "inverse_temperature")),
    )


def _group(x, chains):
    return jnp.reshape(x, (chains, -1) + x.shape[1:])


def fit_couplings(
    key,
    states,
    *,
    structure="asymmetric",
    mask=None,
    field: str = "previous",
    prior: str = "normal",
    prior_scale=1.0,
    bias_scale=1.0,
    fit_biases: bool = True,
    inverse_temperature=1.0,
    method: str = "nuts",
    n_chains: int = 4,
    n_warmup: int = 500,
    n_samples: int = 500,
    guide: str = "normal",
    svi_steps: int = 3000,
    step_size: float = 0.01,
    n_draws: int = 1000,
    pointwise: str = "state",
    progress: bool = False,
    **nuts_kwargs,
) -> CouplingPosterior:
    """Posterior of the couplings (and biases) given observed states; see the module docstring.

    ``states`` (T, N) / (S, T, N) in [-1, 1], or a :class:`CouplingData`.
    ``structure`` "asymmetric" | "symmetric" | a :class:`CouplingStructure`;
    ``mask`` restricts it to a graph's edges. ``method="nuts"``: ``n_chains``
    vectorised chains of ``n_warmup`` + ``n_samples`` (extra keywords go to
    ``numpyro.infer.NUTS``). ``method="svi"``: ``svi_steps`` Adam steps of size
    ``step_size`` on the ELBO with a Gaussian ``guide`` ("normal": mean field,
    "lowrank", "multivariate"), then ``n_draws`` draws from it.
    ``pointwise`` is the unit of the recorded log-likelihood: "state" (one value per
    observed state x_t, the default) or "node" (one per node value x_t,i: PSIS-LOO
    then leaves out single node values, which keeps Pareto k-hat low when each
    state carries many nodes; memory C x D x n x N). ``progress``
    shows a bar (SVI runs in 20 chunks; NUTS uses NumPyro's own bar).
    """
    key = v.prng_key(key)
    data = states if isinstance(states, CouplingData) else coupling_data(states, field)
    structure, settings = _check_fit_args(structure, mask, prior, prior_scale, bias_scale, inverse_temperature,
                                          method, guide, pointwise, data.n_nodes)
    settings.update(fit_biases=bool(fit_biases), method=method, field=data.field,
                    guide=guide if method == "svi" else None, pointwise=pointwise)
    model = partial(coupling_model, structure=structure, prior=prior, prior_scale=settings["prior_scale"],
                    bias_scale=settings["bias_scale"], fit_biases=bool(fit_biases),
                    inverse_temperature=settings["inverse_temperature"], pointwise=pointwise)
    t0 = time.perf_counter()
    if method == "nuts":
        n_chains = v.count(n_chains, "n_chains", minimum=1)
        mcmc = MCMC(NUTS(model, **nuts_kwargs), num_warmup=v.count(n_warmup, "n_warmup"),
                    num_samples=v.count(n_samples, "n_samples", minimum=1), num_chains=n_chains,
                    chain_method="vectorized", progress_bar=bool(progress))
        mcmc.run(key, data.inputs, data.targets, extra_fields=("diverging", "num_steps"))
        flat = mcmc.get_samples()
        fields = mcmc.get_extra_fields(group_by_chain=True)
        extra = {"diverging": fields["diverging"], "num_steps": fields["num_steps"]}
        chains = n_chains
    else:
        flat, losses = _run_svi(key, model, data, guide, v.count(svi_steps, "svi_steps", minimum=1),
                                float(v.positive_scalar(step_size, "step_size")),
                                v.count(n_draws, "n_draws", minimum=2), progress)
        extra = {"losses": losses}
        chains = 1
    loglik = log_likelihood(model, flat, data.inputs, data.targets)[OBSERVED]
    jax.block_until_ready(loglik)
    wall = time.perf_counter() - t0
    if not bool(jnp.all(jnp.isfinite(loglik))):
        raise FloatingPointError("the coupling posterior produced non-finite log-likelihoods")
    w = flat["weights"]
    b = flat["biases"] if fit_biases else jnp.zeros(w.shape[:1] + (data.n_nodes,), w.dtype)
    return CouplingPosterior(
        _group(structure.to_matrix(w), chains), _group(b, chains), _group(flat["coupling_scale"], chains),
        _group(loglik, chains), data, structure, settings, wall, extra,
    )


_N_CHUNKS = 20


def _run_svi(key, model, data, guide_name, steps, step_size, n_draws, progress):
    """Adam on the ELBO in chunks of lax.scan under a progress bar; returns (guide draws, losses)."""
    make = {"normal": autoguide.AutoNormal, "lowrank": autoguide.AutoLowRankMultivariateNormal,
            "multivariate": autoguide.AutoMultivariateNormal}[guide_name]
    guide = make(model, init_loc_fn=numpyro.infer.init_to_median(num_samples=15))
    svi = SVI(model, guide, Adam(step_size), Trace_ELBO())
    k_init, k_draw = jax.random.split(key)
    state = svi.init(k_init, data.inputs, data.targets)

    @partial(jax.jit, static_argnums=1)
    def advance(state, length):
        return jax.lax.scan(lambda s, _: svi.update(s, data.inputs, data.targets), state, None, length=length)

    state, losses = run_in_chunks(lambda s, start, stop: advance(s, stop - start), state, ceil_chunks(steps, _N_CHUNKS),
                                  desc="SVI (couplings)", unit="step", progress=progress)
    losses = jnp.concatenate(losses)
    if not bool(jnp.isfinite(losses[-1])):
        raise FloatingPointError("SVI diverged (non-finite ELBO); lower step_size")
    params = svi.get_params(state)
    draws = guide.sample_posterior(k_draw, params, sample_shape=(n_draws,))
    # deterministic sites are not returned by every guide: recompute the weights from z and tau
    draws["weights"] = draws["coupling_scale"][:, None] * draws["z"]
    return draws, losses
