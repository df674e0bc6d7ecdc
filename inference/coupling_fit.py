"""Fitting the coupling model: its posterior by NUTS or SVI, as posterior draws grouped by chain.

:func:`fit_couplings` fits :func:`inference.coupling.coupling_model` (the model, its coupling
structures and observations are in :mod:`inference.coupling`, which re-exports the names here).
Posterior by NUTS (:func:`fit_couplings` ``method="nuts"``; exact, for small N)
or SVI (``method="svi"``, an AutoNormal / low-rank / full-rank Gaussian guide in
the unconstrained space; any N). Either way the result, a :class:`CouplingPosterior`, holds
posterior draws of J and b and the pointwise log-likelihood of every observation for every
draw, the input to PSIS-LOO (``diagnostics.model_selection``).
"""

from __future__ import annotations

import time
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
from numpyro.infer import MCMC, NUTS, SVI, Trace_ELBO, autoguide, log_likelihood
from numpyro.optim import Adam

from fepnet import Network
from fepnet.infra import checks as v
from fepnet.infra.progress import ceil_chunks, run_in_chunks

from .coupling import (
    OBSERVED,
    POINTWISE,
    PRIORS,
    CouplingData,
    CouplingStructure,
    coupling_data,
    coupling_model,
    coupling_structure,
)

__all__ = [
    "GUIDES",
    "CouplingPosterior",
    "fit_couplings",
]

#: SVI guides of :func:`fit_couplings`: mean-field, low-rank or full-rank Gaussian (unconstrained space).
GUIDES = ("normal", "lowrank", "multivariate")
METHODS = ("nuts", "svi")


class CouplingPosterior(NamedTuple):
    """Posterior draws of a coupling model, grouped by chain (the result of :func:`fit_couplings`).

    C chains of D draws (SVI: one "chain" of guide draws), N nodes, n observations.

    Attributes
    ----------
    couplings : jax.Array
        (C, D, N, N) draws of J.
    biases : jax.Array
        (C, D, N) draws of b (zeros if not fitted).
    coupling_scale : jax.Array
        (C, D) draws of tau.
    log_likelihood : jax.Array
        (C, D, n): ``log p(x_t | u_t, draw)`` for every observation, or (C, D, n, N):
        ``log p(x_t,i | u_t, draw)`` for every node value, if fitted with ``pointwise="node"``.
    data : CouplingData
        The observations fitted.
    structure : CouplingStructure
        The free entries of J.
    settings : dict
        prior, prior_scale, bias_scale, fit_biases, inverse_temperature, method, field, guide,
        pointwise.
    wall_s : float
        Seconds the fit took (sampling and log-likelihoods).
    extra : dict
        NUTS: ``diverging`` (C, D) and ``num_steps`` (C, D); SVI: ``losses`` (steps,).

    Examples
    --------
    Fitted by :func:`fit_couplings`; built by hand here from 200 made-up draws of one symmetric
    weight:

    >>> import jax.numpy as jnp, numpy as np
    >>> from inference.coupling import CouplingPosterior, coupling_data, coupling_structure
    >>> st, data = coupling_structure(2, "symmetric"), coupling_data(np.zeros((5, 2)))
    >>> w = np.random.default_rng(0).normal(0.5, 0.1, (1, 200, 1))
    >>> post = CouplingPosterior(st.to_matrix(w), jnp.zeros((1, 200, 2)), jnp.ones((1, 200)),
    ...                          jnp.zeros((1, 200, 4)), data, st, {"method": "nuts"}, 0.0, {})
    >>> post.name, post.mean_couplings().round(2).tolist()
    ('symmetric', [[0.0, 0.5], [0.5, 0.0]])
    >>> lo, hi = post.interval(0.9)
    >>> bool(lo[0, 1] < 0.5 < hi[0, 1]), post.total_log_likelihood().shape
    (True, (1, 200))
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
        """``"nuts"`` or ``"svi"``."""
        return self.settings["method"]

    @property
    def name(self) -> str:
        """The model's name: the structure, with " (masked)" when not every pair is free (e.g. "symmetric (masked)")."""
        dense = self.structure.free_mask().sum() == self.structure.n_nodes * (self.structure.n_nodes - 1)
        return self.structure.name + ("" if dense else " (masked)")

    def mean_couplings(self) -> jax.Array:
        """Posterior mean of J.

        Returns
        -------
        jax.Array
            (N, N), the mean over chains and draws.
        """
        return jnp.mean(self.couplings, axis=(0, 1))

    def mean_network(self) -> Network:
        """A :class:`fepnet.Network` with the posterior-mean couplings and biases.

        Returns
        -------
        fepnet.Network
            J (N, N) and b (N,), the means over chains and draws.
        """
        return Network(self.mean_couplings(), jnp.mean(self.biases, axis=(0, 1)))

    def interval(self, prob: float = 0.9):
        """Equal-tailed credible interval of every entry of J.

        Parameters
        ----------
        prob : float, optional
            Posterior mass inside the interval, in (0, 1) (default 0.9): the quantiles
            ``(1 - prob) / 2`` and ``(1 + prob) / 2`` over all chains and draws.

        Returns
        -------
        lo, hi : numpy.ndarray
            (N, N) each.

        Raises
        ------
        ValueError
            ``prob`` outside (0, 1).
        """
        prob = float(prob)
        if not 0 < prob < 1:
            raise ValueError(f"prob must lie in (0, 1), got {prob}")
        flat = np.asarray(self.couplings).reshape((-1,) + self.couplings.shape[2:])
        lo, hi = np.quantile(flat, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        return lo, hi

    def total_log_likelihood(self) -> jax.Array:
        """The log-likelihood of all observations per draw, ``sum_t log p(x_t | u_t)``.

        Returns
        -------
        jax.Array
            (C, D).
        """
        return jnp.sum(self.log_likelihood.reshape(self.log_likelihood.shape[:2] + (-1,)), axis=-1)

    def state_log_likelihood(self) -> jax.Array:
        """``log p(x_t | u_t)`` per draw and observation, whatever the pointwise unit.

        Returns
        -------
        jax.Array
            (C, D, n) (node values summed when fitted with ``pointwise="node"``).
        """
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
    """Posterior of the couplings (and biases) given observed states, by NUTS or SVI.

    The model (:func:`coupling_model`, module docstring): ``x_t,i ~ CB(iT (b + J u_t)_i)`` with
    ``u_t = x_{t-1}`` (``field="previous"``) or ``x_t`` (``"same"``), free weights ``w = tau z``
    under a Normal or Laplace prior, ``tau ~ HalfNormal(prior_scale)``,
    ``b ~ Normal(0, bias_scale)``. The pointwise log-likelihood of every observation is recorded
    for every draw (the input of PSIS-LOO).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    states : array_like of shape (T, N) or (S, T, N), or CouplingData
        Observed node states in [-1, 1] (S streams), or ready-made observations.
    structure : {"asymmetric", "symmetric"} or CouplingStructure, optional, keyword-only
        The free entries of J (default "asymmetric").
    mask : networkx.Graph or array_like of shape (N, N), optional
        Restricts a named structure to a graph's edges.
    field : {"previous", "same"}, optional
        The input of each observation (ignored for CouplingData); default "previous".
    prior : {"normal", "laplace"}, optional
        Prior of the standardised weights (default "normal").
    prior_scale, bias_scale : float, optional
        Scale of tau's HalfNormal prior and standard deviation of b's prior (default 1 each).
    fit_biases : bool, optional
        Fit b (default) or fix it at 0.
    inverse_temperature : float, optional
        The fixed iT (default 1).
    method : {"nuts", "svi"}, optional
        Default "nuts" (exact, small N).
    n_chains, n_warmup, n_samples : int, optional
        NUTS: vectorised chains of ``n_warmup`` + ``n_samples`` (defaults 4, 500, 500).
    guide : {"normal", "lowrank", "multivariate"}, optional
        SVI: Gaussian guide in the unconstrained space (mean field, low rank, full rank).
    svi_steps, step_size, n_draws : optional
        SVI: Adam steps (3000) of size ``step_size`` (0.01), then ``n_draws`` (1000) guide draws.
    pointwise : {"state", "node"}, optional
        The unit of the recorded log-likelihood: one value per observed state x_t (default) or
        per node value x_t,i (PSIS-LOO then leaves out single node values, which keeps Pareto
        k-hat low when each state carries many nodes; memory C x D x n x N).
    progress : bool, optional
        Show a bar (SVI runs in 20 chunks; NUTS uses NumPyro's own bar).
    **nuts_kwargs
        Passed to ``numpyro.infer.NUTS``.

    Returns
    -------
    CouplingPosterior
        ``couplings`` (C, D, N, N), ``biases`` (C, D, N), ``coupling_scale`` (C, D),
        ``log_likelihood`` (C, D, n) or (C, D, n, N), ``data``, ``structure``, ``settings``,
        ``wall_s`` and ``extra`` (C = n_chains for NUTS, 1 for SVI).

    Raises
    ------
    TypeError, ValueError
        Bad states (see :func:`coupling_data`), an unknown structure, prior, method, guide or
        pointwise unit, a mask given with a CouplingStructure, a structure of another size,
        non-positive scales or counts out of range.
    FloatingPointError
        Non-finite log-likelihoods, or a diverged SVI run.

    Examples
    --------
    The couplings of a synchronous chain, recovered: the posterior means are close to the true
    ``[[0, 1.5], [-1, 0]]`` (15-55 s on a 2-core CPU, mostly compilation; skipped in the
    doctests):

    >>> import jax, jax.numpy as jnp, numpy as np, fepnet
    >>> from inference import fit_couplings
    >>> net = fepnet.Network(jnp.array([[0.0, 1.5], [-1.0, 0.0]]))
    >>> _, x = fepnet.run(fepnet.build_kernel("synchronous"), jax.random.key(1),
    ...                   fepnet.ChainState(jnp.zeros(2)), fepnet.KernelParams(net, 1.0), 400,
    ...                   trace=True)  # doctest: +SKIP
    >>> post = fit_couplings(jax.random.key(2), x, n_chains=2, n_warmup=300, n_samples=300)  # doctest: +SKIP
    >>> post.couplings.shape, post.log_likelihood.shape  # doctest: +SKIP
    ((2, 300, 2, 2), (2, 300, 399))
    >>> np.asarray(post.mean_couplings(), float).round(1).tolist()  # doctest: +SKIP
    [[0.0, 1.4], [-0.9, 0.0]]
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
