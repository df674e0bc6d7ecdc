"""The coupling model: a posterior over a network's couplings from observed node states.

The FEP learning rule delta J[i, j] = alpha (sigma_i - L(h_i)) sigma_j, h = J sigma_old, is
stochastic gradient ascent on the continuous-Bernoulli pseudo-likelihood of node states given the
couplings; this module writes that likelihood as a NumPyro model, so that the couplings a network
learns can be checked against a Bayesian posterior, and networks compared by their evidence. Its
posterior is fitted (NUTS or SVI) by :mod:`inference.coupling_fit`, re-exported here.

Observations. From states x (T, N) (or several streams (S, T, N)) each
observation t pairs a target x_t with an input u_t::

    field="previous"  u_t = x_{t-1}, t = 1..T-1   (the learning rule's convention: the field
                                                  comes from the OLD state; a transition model)
    field="same"      u_t = x_t                   (Besag's pseudo-likelihood of equilibrium samples)

Likelihood, with a fixed inverse temperature iT (default 1: the rule's field has no iT)::

    x_t,i ~ CB(eta_t,i),   eta_t = iT (b + J u_t),   independent over i given u_t,

so log p(x_t | u_t) = sum_i [eta_t,i x_t,i - A(eta_t,i)] is the pointwise log-likelihood of
observation t (NumPyro site ``"x"``). Couplings J have a zero diagonal; their free entries w are the
off-diagonal ones ("asymmetric"), one per unordered pair with J = J^T ("symmetric"), either
restricted to the edges of a mask (a networkx graph or boolean matrix, as
:func:`fepnet.coupling_mask`). Priors, non-centred: w = tau z with z ~ Normal(0, 1) or Laplace(0, 1)
iid and the scale hyper-prior tau ~ HalfNormal(prior_scale); biases b ~ Normal(0, bias_scale) (or
fixed at 0 with ``fit_biases=False``, the learning rule's field).

With field="previous" the likelihood is exact for a synchronous chain x_t ~ CB(iT (b + J x_{t-1}))
of any J, so its posterior is a proper Bayesian posterior. With field="same" it is a
pseudo-likelihood: its maximiser is a consistent estimate of iT Js for Boltzmann samples, but
J[i, j] and J[j, i] both enter twice, and credible intervals are not calibrated.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist

from fepnet import coupling_mask
from fepnet.infra import checks as v

from .distribution import ContinuousBernoulli

__all__ = [
    "FIELDS", "STRUCTURES", "PRIORS", "OBSERVED", "CouplingStructure", "coupling_structure", "CouplingData",
    "coupling_data", "natural_parameters", "transition_log_likelihood", "coupling_model",
    # the fit, defined in inference.coupling_fit
    "GUIDES", "CouplingPosterior", "fit_couplings",
]

#: Where an observation's input comes from: the previous state (a transition model) or the same state.
FIELDS = ("previous", "same")
#: Coupling structures: every off-diagonal entry free, or one weight per unordered pair (J = J^T).
STRUCTURES = ("asymmetric", "symmetric")
#: Priors of the standardised weights z (w = tau z): Normal(0, 1) or Laplace(0, 1).
PRIORS = ("normal", "laplace")
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


def __getattr__(name):
    """The fit's names, imported on first use (inference.coupling_fit imports this module: no import cycle)."""
    if name in ("GUIDES", "CouplingPosterior", "fit_couplings"):
        from . import coupling_fit

        return getattr(coupling_fit, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
