"""The coupling model: a posterior over a network's couplings from observed node states.

The FEP learning rule delta J[i, j] = alpha (sigma_i - L(h_i)) sigma_j, h = J sigma_old,
is stochastic gradient ascent on the continuous-Bernoulli
pseudo-likelihood of node states given the couplings; this module writes that
likelihood as a NumPyro model, so that the couplings a network learns can be
checked against a Bayesian posterior, and networks compared by their evidence.
(One concept in about 420 lines: the structure, the observations, the model and its fit
share the same conventions and are read together.)

Observations. From states x (T, N) (or several streams (S, T, N)) each
observation t pairs a target x_t with an input u_t::

    field="previous"  u_t = x_{t-1}, t = 1..T-1   (the learning rule's convention: the field
                                                  comes from the OLD state; a transition model)
    field="same"      u_t = x_t                   (Besag's pseudo-likelihood of equilibrium samples)

Likelihood, with a fixed inverse temperature iT (default 1: the rule's field has no iT)::

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

#: Where an observation's input comes from: the previous state (a transition model) or the same state.
FIELDS = ("previous", "same")
#: Coupling structures: every off-diagonal entry free, or one weight per unordered pair (J = J^T).
STRUCTURES = ("asymmetric", "symmetric")
#: Priors of the standardised weights z (w = tau z): Normal(0, 1) or Laplace(0, 1).
PRIORS = ("normal", "laplace")
#: SVI guides of :func:`fit_couplings`: mean-field, low-rank or full-rank Gaussian (unconstrained space).
GUIDES = ("normal", "lowrank", "multivariate")
METHODS = ("nuts", "svi")
POINTWISE = ("state", "node")
#: The observation site of :func:`coupling_model`; its log-likelihood is the pointwise log-likelihood.
OBSERVED = "x"  # the observation site; its log-likelihood is the pointwise log-likelihood


class CouplingStructure(NamedTuple):
    """Which entries of J are free parameters of the coupling model (made by :func:`coupling_structure`).

    ``J[rows[k], cols[k]] = w_k`` for the K free weights w; for a symmetric structure each
    ``(rows[k], cols[k])`` with ``rows < cols`` also sets the mirrored entry. Every other entry,
    the diagonal included, is 0.

    Attributes
    ----------
    n_nodes : int
        N.
    symmetric : bool
        Whether J = J^T.
    rows, cols : numpy.ndarray
        (K,) int32 indices of the free entries.

    Examples
    --------
    >>> from inference.coupling import coupling_structure
    >>> st = coupling_structure(3, "symmetric")
    >>> st.n_free, st.rows.tolist(), st.cols.tolist()
    (3, [0, 0, 1], [1, 2, 2])
    >>> st.to_matrix([1.0, 2.0, 3.0]).tolist()
    [[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]]
    """

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
        """``"symmetric"`` or ``"asymmetric"``."""
        return "symmetric" if self.symmetric else "asymmetric"

    def to_matrix(self, weights):
        """J (..., N, N) from free weights (..., K): zero diagonal, zero off the structure.

        Parameters
        ----------
        weights : array_like of shape (..., K)
            The free weights, any leading batch shape (e.g. (chains, draws)).

        Returns
        -------
        jax.Array
            (..., N, N) couplings, the weights' dtype.
        """
        w = jnp.asarray(weights)
        n = self.n_nodes
        J = jnp.zeros(w.shape[:-1] + (n, n), w.dtype).at[..., self.rows, self.cols].set(w)
        if self.symmetric:
            J = J.at[..., self.cols, self.rows].set(w)
        return J

    def to_weights(self, couplings):
        """The free weights (..., K) of J (..., N, N) (for a symmetric structure: its upper triangle).

        Parameters
        ----------
        couplings : array_like of shape (..., N, N)
            J, any leading batch shape.

        Returns
        -------
        jax.Array
            (..., K) the entries at ``(rows, cols)``; the inverse of :meth:`to_matrix` on J of this
            structure.
        """
        return jnp.asarray(couplings)[..., self.rows, self.cols]

    def free_mask(self) -> np.ndarray:
        """Where J may be non-zero.

        Returns
        -------
        numpy.ndarray
            (N, N) bool, symmetric for a symmetric structure, False on the diagonal.
        """
        m = np.zeros((self.n_nodes, self.n_nodes), bool)
        m[self.rows, self.cols] = True
        if self.symmetric:
            m[self.cols, self.rows] = True
        return m


def coupling_structure(n_nodes: int, structure: str = "asymmetric", mask=None) -> CouplingStructure:
    """The free entries of J for ``structure`` ("asymmetric" or "symmetric"), optionally masked.

    Asymmetric: every off-diagonal entry allowed by the mask, K <= N (N - 1). Symmetric: one
    weight per unordered pair {i, j}, freed if the mask allows either direction, K <= N (N - 1) / 2.

    Parameters
    ----------
    n_nodes : int
        N >= 2.
    structure : {"asymmetric", "symmetric"}, optional
        Default "asymmetric".
    mask : networkx.Graph or array_like of shape (N, N), optional
        Allowed entries (see :func:`fepnet.coupling_mask`: ``mask[i, j]`` allows ``J[i, j]``);
        default: all off-diagonal entries.

    Returns
    -------
    CouplingStructure
        ``n_nodes``, ``symmetric`` and the (K,) ``rows`` and ``cols`` of the free entries, in
        row-major order.

    Raises
    ------
    ValueError
        N < 2; an unknown structure; a mask of another size, or one that leaves no free coupling.

    Examples
    --------
    >>> import networkx as nx
    >>> from inference.coupling import coupling_structure
    >>> coupling_structure(4).n_free, coupling_structure(4, "symmetric").n_free
    (12, 6)
    >>> coupling_structure(4, "symmetric", mask=nx.path_graph(4)).n_free   # edges 0-1, 1-2, 2-3
    3
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
    """The observations of the coupling model: n pairs (input u_t, target x_t) (made by :func:`coupling_data`).

    Attributes
    ----------
    inputs : jax.Array
        (n, N) the inputs u_t (the field is ``iT (b + J u_t)``).
    targets : jax.Array
        (n, N) the observed states x_t.
    field : str
        ``"previous"`` (u_t = x_{t-1}) or ``"same"`` (u_t = x_t).

    Examples
    --------
    >>> import numpy as np
    >>> from inference.coupling import coupling_data
    >>> d = coupling_data(np.zeros((10, 3)))
    >>> d.n_observations, d.n_nodes, d.field
    (9, 3, 'previous')
    """

    inputs: jax.Array
    targets: jax.Array
    field: str

    @property
    def n_observations(self) -> int:
        """n, the number of observations."""
        return int(self.targets.shape[0])

    @property
    def n_nodes(self) -> int:
        """N, the number of nodes."""
        return int(self.targets.shape[1])


def coupling_data(states, field: str = "previous") -> CouplingData:
    """Observations (input, target) from states (T, N) or S streams (S, T, N) in [-1, 1].

    ``field="previous"``: ``u_t = x_{t-1}``, consecutive rows of each stream, T - 1 observations
    per stream, never across streams; ``field="same"``: ``u_t = x_t``, T per stream.

    Parameters
    ----------
    states : array_like of shape (T, N) or (S, T, N)
        Node states in [-1, 1], N >= 2.
    field : {"previous", "same"}, optional
        Default "previous" (the learning rule's convention).

    Returns
    -------
    CouplingData
        ``inputs`` and ``targets`` (n, N), n = S (T - 1) or S T, and ``field``.

    Raises
    ------
    TypeError
        ``states`` not real numbers.
    ValueError
        An unknown field; states not 2-d or 3-d, with fewer than 2 nodes, outside [-1, 1] or not
        finite; fewer than 2 states per stream with ``field="previous"``.

    Examples
    --------
    >>> import numpy as np
    >>> from inference.coupling import coupling_data
    >>> x = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    >>> d = coupling_data(x)
    >>> np.allclose(d.inputs, x[:-1]), np.allclose(d.targets, x[1:])
    (True, True)
    >>> coupling_data(np.stack([x, x]), field="same").n_observations
    6
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
    """The CB natural parameters of every target node: ``eta = iT (b + J u)``.

    Parameters
    ----------
    couplings : array_like of shape (..., N, N)
        J (any leading batch shape, e.g. posterior draws).
    biases : array_like
        b, broadcasting with the result (e.g. (N,), or (..., 1, N) for batched J).
    inputs : array_like of shape (n, N)
        The inputs u_t.
    inverse_temperature : float, optional
        iT (default 1).

    Returns
    -------
    jax.Array
        (..., n, N) with ``eta[..., t, i] = iT (b_i + sum_j J[i, j] u_t,j)``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from inference.coupling import natural_parameters
    >>> J = jnp.array([[0.0, 2.0], [0.0, 0.0]])
    >>> natural_parameters(J, jnp.array([0.5, 0.0]), jnp.array([[1.0, 1.0]])).tolist()
    [[2.5, 0.0]]
    """
    return inverse_temperature * (biases + jnp.einsum("...ij,...nj->...ni", couplings, inputs))


def transition_log_likelihood(couplings, biases, data: CouplingData, inverse_temperature=1.0):
    """Pointwise log-likelihood ``log p(x_t | u_t) = sum_i [eta_t,i x_t,i - A(eta_t,i)]``.

    ``eta_t = iT (b + J u_t)`` and ``A(c) = log(2 sinh(c) / c)``: the CB log density of each
    observed state given its input, summed over nodes.

    Parameters
    ----------
    couplings : array_like of shape (..., N, N)
        J, any leading batch shape.
    biases : array_like of shape (..., N)
        b, the same batch shape.
    data : CouplingData
        The n observations.
    inverse_temperature : float, optional
        iT (default 1).

    Returns
    -------
    jax.Array
        (..., n) log-likelihoods, one per observation and batch element.

    Examples
    --------
    With J = 0 and b = 0 every node is uniform on [-1, 1]: ``log p = -N log 2``.

    >>> import jax.numpy as jnp, numpy as np
    >>> from inference.coupling import coupling_data, transition_log_likelihood
    >>> d = coupling_data(np.array([[0.5, -0.5], [0.2, 0.1], [0.0, 0.9]]))
    >>> [round(float(v), 4) for v in transition_log_likelihood(jnp.zeros((2, 2)), jnp.zeros(2), d)]
    [-1.3863, -1.3863]
    """
    eta = natural_parameters(couplings, biases[..., None, :], data.inputs, inverse_temperature)
    return jnp.sum(ContinuousBernoulli(eta, validate_args=False).log_prob(data.targets), axis=-1)


def coupling_model(inputs, targets=None, *, structure: CouplingStructure, prior: str = "normal",
                   prior_scale=1.0, bias_scale=1.0, fit_biases: bool = True, inverse_temperature=1.0,
                   pointwise: str = "state"):
    """NumPyro model of the coupling posterior; ``targets=None`` samples them (prior predictive).

    ``tau ~ HalfNormal(prior_scale)``, ``z_k ~ Normal(0, 1)`` (or Laplace), ``w = tau z``,
    ``J = structure.to_matrix(w)``, ``b ~ Normal(0, bias_scale)`` (or 0), and
    ``x_t,i ~ CB(iT (b + J u_t)_i)``. Sites: ``coupling_scale`` tau, ``z`` (K,) standardised
    weights, deterministic ``weights`` = tau z, ``biases`` (N,) if ``fit_biases``, and the
    observation site ``"x"``: plate ``observations`` (n) with event shape (N,) if
    ``pointwise="state"``, or plates ``observations`` x ``nodes`` (n, N) if ``pointwise="node"``
    (the same density; only the unit of the pointwise log-likelihood differs). Arguments are
    not validated here (:func:`fit_couplings` does).

    Parameters
    ----------
    inputs : jax.Array of shape (n, N)
        The inputs u_t (their dtype is the model's).
    targets : jax.Array of shape (n, N), optional
        The observed x_t; None samples them.
    structure : CouplingStructure, keyword-only
        The free entries of J.
    prior : {"normal", "laplace"}, optional
        Prior of z (default "normal").
    prior_scale : float, optional
        Scale of the HalfNormal prior of tau (default 1).
    bias_scale : float, optional
        Standard deviation of the Normal prior of b (default 1).
    fit_biases : bool, optional
        Fit b (default True) or fix it at 0.
    inverse_temperature : float, optional
        The fixed iT (default 1).
    pointwise : {"state", "node"}, optional
        The unit of the observation site (default "state").

    Returns
    -------
    None
        A NumPyro model (sites as above).

    Examples
    --------
    The sites of an asymmetric 3-node model with 5 observations, at given parameter values:

    >>> import jax.numpy as jnp
    >>> from numpyro import handlers
    >>> from inference.coupling import coupling_model, coupling_structure
    >>> u = x = jnp.zeros((5, 3))
    >>> values = {"coupling_scale": 1.0, "z": jnp.zeros(6), "biases": jnp.zeros(3)}
    >>> tr = handlers.trace(handlers.substitute(coupling_model, data=values)).get_trace(
    ...     u, x, structure=coupling_structure(3))
    >>> list(tr), tr["x"]["fn"].batch_shape
    (['coupling_scale', 'z', 'weights', 'biases', 'observations', 'x'], (5,))
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
