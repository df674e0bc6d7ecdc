"""The FEP learning rule fused with a synchronous stochastic step.

One concept, the learning rule: its state, parameters, mask and the fused step are the parts of
one update and are read together.

Within one step, with the field from the OLD state h = J sigma_old (no bias,
no iT) and the NEW states sigma ~ CB(iT (b + h)):

    delta J[i, j] = alpha * (sigma_i - L(h_i)) * sigma_j,     i != j

i.e. Hebbian sigma_i sigma_j minus anti-Hebbian L(h_i) sigma_j. Since
sigma_i - L(h_i) = d log CB(sigma_i | h_i) / d h_i, this is stochastic gradient
ascent on the CB pseudo-likelihood of the states given the couplings.

Options (published variants, both off by default as in the paper's equations):
``precision_weighted`` divides the prediction error by L'(iT h_i) (a natural-
gradient form); a coupling ``mask`` keeps non-edges at zero.

The state is just (J, sigma); the field is recomputed from them each step.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np

from .infra import checks as v
from . import cb_math
from .network import Network

__all__ = [
    "LearningState",
    "LearningParams",
    "init_learning_state",
    "learning_params",
    "learn_step",
    "fused_update",
    "sample_with_error",
    "apply_update",
    "coupling_mask",
    "prediction_error",
    "learn_from_states",
]


class LearningState(NamedTuple):
    """The state of a learning run: the couplings J and the node states sigma.

    The field of the next step is recomputed from them, h = J sigma (no bias, no iT),
    so this pair is all a run carries; :func:`fepnet.train` returns it (``TrainResult.state``)
    so that a run can be continued.

    Parameters
    ----------
    couplings : jax.Array, shape (N, N)
        J[i, j], the weight from node j to node i; the diagonal stays 0.
    sigma : jax.Array, shape (N,)
        The node states, in [-1, 1].

    Examples
    --------
    >>> import fepnet
    >>> state = fepnet.init_learning_state(3)
    >>> state.couplings.shape, state.sigma.shape
    ((3, 3), (3,))
    >>> state.network
    Network(N=3, couplings(3, 3), dtype=float32)
    """

    couplings: jax.Array
    sigma: jax.Array

    @property
    def network(self) -> Network:
        """The current couplings as a zero-bias :class:`Network`."""
        J = self.couplings
        return Network.tree_unflatten(None, (J, jnp.zeros(J.shape[:-1], J.dtype)))


class LearningParams(NamedTuple):
    """The parameters of a learning step: clamped biases, inverse temperature, learning rate, mask.

    Unchecked; build it with :func:`learning_params` to validate the values.

    Parameters
    ----------
    biases : jax.Array, shape (N,)
        b, clamped during the step: a pattern times the evidence level, or zeros to free-run.
    inverse_temperature : jax.Array, scalar
        iT > 0: the new states are sigma ~ CB(iT (b + h)).
    learning_rate : jax.Array, scalar
        alpha >= 0, the step size of the rule.
    mask : jax.Array, shape (N, N), or None
        0/1 mask of the allowed couplings (:func:`coupling_mask`); None: all off-diagonal.
    """

    biases: jax.Array
    inverse_temperature: jax.Array
    learning_rate: jax.Array
    mask: jax.Array | None = None


def coupling_mask(graph_or_matrix, n: int | None = None):
    """A 0/1 float coupling mask (N, N) from a networkx graph or a boolean matrix; the diagonal is 0.

    Undirected graph: edge i - j allows J[i, j] and J[j, i]. Directed graph:
    edge j -> i allows J[i, j] only (J[i, j] is the weight from j to i).
    A matrix is used as given (mask[i, j] allows J[i, j]). Learning with a mask
    multiplies every update by it, so non-edges stay at zero.

    Parameters
    ----------
    graph_or_matrix : networkx.Graph or array_like, shape (N, N)
        A graph whose nodes are the integers 0 .. N-1, or a boolean (or 0/1) square matrix.
    n : int, optional
        N for a graph (default: its number of nodes); nodes without edges may be left out of the graph.

    Returns
    -------
    jax.Array, shape (N, N)
        1.0 where a coupling is allowed, 0.0 elsewhere and on the diagonal (default float dtype).

    Raises
    ------
    ValueError
        Graph nodes that are not 0 .. N-1 (or more than ``n``); a matrix that is not square or not 0/1.

    Examples
    --------
    >>> import networkx as nx, fepnet
    >>> fepnet.coupling_mask(nx.path_graph(3))
    Array([[0., 1., 0.],
           [1., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    >>> fepnet.coupling_mask(nx.DiGraph([(0, 1)]), n=2)  # edge 0 -> 1 allows J[1, 0]
    Array([[0., 0.],
           [1., 0.]], dtype=float32)
    """
    if isinstance(graph_or_matrix, nx.Graph):
        nodes = sorted(graph_or_matrix.nodes)
        n = len(nodes) if n is None else n
        if nodes and nodes != list(range(len(nodes))) or len(nodes) > n:
            raise ValueError("mask graph nodes must be the integers 0..N-1")
        graph = graph_or_matrix.copy()
        graph.add_nodes_from(range(n))  # nodes without edges may be left out of the graph
        adjacency = nx.to_numpy_array(graph, nodelist=range(n), weight=None) != 0
        m = adjacency.T if graph_or_matrix.is_directed() else adjacency | adjacency.T
    else:
        m = np.asarray(graph_or_matrix)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"mask must be a square matrix, got shape {m.shape}")
        if m.dtype != np.bool_ and not np.all((m == 0) | (m == 1)):
            raise ValueError("mask must be boolean (or 0/1)")
        m = m.astype(bool)
    m = m.copy()
    np.fill_diagonal(m, False)
    return jnp.asarray(m, dtype=jnp.result_type(float))


def init_learning_state(network: Network | int, sigma=None) -> LearningState:
    """The start of a learning run: a network's couplings (or J = 0 for N nodes) and states sigma.

    Parameters
    ----------
    network : Network or int
        Start from its couplings J (its biases are ignored), or from J = 0 with this many nodes N.
    sigma : array_like, shape (N,), optional
        The initial states, in [-1, 1] (default 0).

    Returns
    -------
    LearningState
        ``couplings`` (N, N) and ``sigma`` (N,) in J's dtype.

    Raises
    ------
    TypeError
        ``network`` neither a Network nor an integer.
    ValueError
        ``sigma`` not (N,), non-finite or outside [-1, 1].

    Examples
    --------
    >>> import fepnet
    >>> fepnet.init_learning_state(2, sigma=[0.5, -1.0]).sigma
    Array([ 0.5, -1. ], dtype=float32)
    """
    if isinstance(network, (int, np.integer)) and not isinstance(network, bool):
        network = Network.zeros(int(network))
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network or a node count, got {type(network).__name__}")
    J = network.couplings
    s = jnp.zeros((network.size,), J.dtype) if sigma is None else v.states(sigma, "sigma", network.size, batch_ok=False).astype(J.dtype)
    return LearningState(J, s)


def learning_params(biases, inverse_temperature, learning_rate, mask=None) -> LearningParams:
    """Validated :class:`LearningParams` for :func:`learn_step` and :func:`fused_update`.

    Parameters
    ----------
    biases : array_like, shape (N,)
        b clamped during the step (a pattern times the evidence level; zeros to free-run).
    inverse_temperature : float
        iT > 0.
    learning_rate : float
        alpha >= 0.
    mask : array_like, shape (N, N), optional
        0/1 coupling mask (:func:`coupling_mask`).

    Returns
    -------
    LearningParams
        The arrays in the biases' dtype (scalars as 0-d arrays).

    Raises
    ------
    TypeError
        Arguments that are not real numbers.
    ValueError
        ``biases`` not 1-D or non-finite; ``inverse_temperature`` not positive or ``learning_rate``
        negative, or either non-finite in the biases' dtype; ``mask`` not (N, N) of 0 and 1.

    Examples
    --------
    >>> import fepnet
    >>> p = fepnet.learning_params([1.0, -1.0], inverse_temperature=2.0, learning_rate=0.01)
    >>> p.biases, float(p.inverse_temperature), round(float(p.learning_rate), 3)
    (Array([ 1., -1.], dtype=float32), 2.0, 0.01)
    """
    b = v.as_real_array(biases, "biases", ndim=1)
    it = v.positive_scalar(inverse_temperature, "inverse_temperature", dtype=b.dtype)
    lr = v.nonnegative_scalar(learning_rate, "learning_rate", dtype=b.dtype)
    if mask is not None:
        mask = v.binary_mask(mask, "mask", shape=(b.shape[0], b.shape[0])).astype(b.dtype)
    return LearningParams(b, it, lr, mask)


def prediction_error(sigma, h, inverse_temperature, precision_weighted: bool = False):
    """The rule's prediction error e = sigma - L(h), or (sigma - L(h)) / L'(iT h) if ``precision_weighted``.

    L is the Langevin function, L(h) = coth(h) - 1/h, the mean of CB(h); sigma - L(h) is
    d log CB(sigma | h) / dh. Unchecked (the hot path); elementwise, any shape.

    Parameters
    ----------
    sigma : jax.Array, shape (..., N)
        The new states, in [-1, 1].
    h : jax.Array, shape (..., N)
        The field h = J sigma_old (no bias, no iT).
    inverse_temperature : float or jax.Array
        iT; enters only with ``precision_weighted``.
    precision_weighted : bool
        Divide by L'(iT h) (a published natural-gradient variant; off in the paper's equations).

    Returns
    -------
    jax.Array, shape (..., N)

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.learning import prediction_error
    >>> prediction_error(jnp.array([1.0, 0.0]), jnp.array([0.0, 0.0]), 1.0)  # L(0) = 0
    Array([1., 0.], dtype=float32)
    """
    error = sigma - cb_math.langevin(h)  # unchecked (the hot path)
    if precision_weighted:
        error = error / cb_math.langevin_grad(inverse_temperature * h)
    return error


def sample_with_error(u, h, params: LearningParams, precision_weighted: bool = False):
    """New states sigma ~ CB(iT (b + h)) by inverse CDF, and the scaled prediction error alpha (sigma - L(h)).

    Parameters
    ----------
    u : jax.Array, shape (N,)
        Uniforms in [0, 1): sigma = F^-1(u), F the CDF of CB(iT (b + h)).
    h : jax.Array, shape (N,)
        The field from the old state, h = J sigma_old.
    params : LearningParams
        b, iT and alpha (the mask is not used here).
    precision_weighted : bool
        As in :func:`prediction_error`.

    Returns
    -------
    sigma : jax.Array, shape (N,)
        The new states, in [-1, 1].
    scaled_error : jax.Array, shape (N,)
        alpha (sigma - L(h)) (divided by L'(iT h) if ``precision_weighted``).

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> from fepnet.learning import sample_with_error
    >>> p = fepnet.learning_params(jnp.zeros(2), 1.0, 0.5)
    >>> sigma, e = sample_with_error(jnp.array([0.5, 0.5]), jnp.zeros(2), p)
    >>> sigma, e  # the median of CB(0), uniform on [-1, 1], is 0
    (Array([0., 0.], dtype=float32), Array([0., 0.], dtype=float32))
    """
    b, it, lr, _ = params
    sigma = cb_math.icdf(u, it * (b + h))
    return sigma, lr * prediction_error(sigma, h, it, precision_weighted)


def apply_update(J, scaled_error, sigma, mask=None):
    """The rule's rank-1 update: J + e sigma^T off the diagonal (times ``mask`` if given).

    J[i, j] += e_i sigma_j for i != j, with e = alpha (sigma - L(h)) from :func:`sample_with_error`.

    Parameters
    ----------
    J : jax.Array, shape (N, N)
        The couplings.
    scaled_error : jax.Array, shape (N,)
        e, the prediction error times the learning rate.
    sigma : jax.Array, shape (N,)
        The new states.
    mask : jax.Array, shape (N, N), optional
        0/1 coupling mask.

    Returns
    -------
    jax.Array, shape (N, N)
        The updated couplings; the diagonal unchanged.

    Notes
    -----
    The node indices pass an optimization barrier together with ``sigma``: tied to the loop's
    state, the diagonal test i == j cannot be hoisted out of a jitted loop, where XLA would
    otherwise keep it as an (N, N) boolean buffer (N^2 bytes, 2.5 GB at N = 50,000, read
    every step); it is fused into the update instead. The values are unchanged.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.learning import apply_update
    >>> apply_update(jnp.zeros((2, 2)), jnp.array([1.0, 2.0]), jnp.array([1.0, -1.0]))
    Array([[ 0., -1.],
           [ 2.,  0.]], dtype=float32)
    """
    n = sigma.shape[-1]
    i, sigma = jax.lax.optimization_barrier((jnp.arange(n, dtype=jnp.int32), sigma))
    delta = jnp.where(i[:, None] == i[None, :], 0.0, scaled_error[:, None] * sigma[None, :])
    if mask is not None:
        delta = delta * mask
    return J + delta


def fused_update(u, state: LearningState, params: LearningParams, precision_weighted: bool = False) -> LearningState:
    """One fused inference and learning step from given uniforms (the body of :func:`learn_step`).

    h = J sigma_old; sigma ~ CB(iT (b + h)) (inverse CDF of ``u``); J[i, j] += alpha (sigma_i - L(h_i)) sigma_j, i != j.

    Parameters
    ----------
    u : jax.Array, shape (N,)
        Uniforms in [0, 1), the step's noise.
    state : LearningState
        J (N, N) and sigma_old (N,).
    params : LearningParams
        b, iT, alpha and the mask.
    precision_weighted : bool
        As in :func:`prediction_error`.

    Returns
    -------
    LearningState
        The updated couplings and the new states.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> from fepnet.learning import fused_update
    >>> state = fepnet.init_learning_state(2, sigma=[1.0, 1.0])
    >>> p = fepnet.learning_params(jnp.zeros(2), 1.0, 0.1)
    >>> new = fused_update(jnp.array([0.5, 0.5]), state, p)  # J = 0: h = 0, sigma = 0
    >>> new.sigma, new.couplings
    (Array([0., 0.], dtype=float32), Array([[0., 0.],
           [0., 0.]], dtype=float32))
    """
    J, sigma_old = state
    sigma, scaled_error = sample_with_error(u, J @ sigma_old, params, precision_weighted)
    return LearningState(apply_update(J, scaled_error, sigma, params.mask), sigma)


@partial(jax.jit, static_argnames=("precision_weighted",))
def learn_step(key, state: LearningState, params: LearningParams, precision_weighted: bool = False) -> LearningState:
    """One synchronous stochastic step with learning on (jitted): ``learn_step(key, state, params) -> state``.

    With h = J sigma_old (no bias, no iT), every node draws sigma_i ~ CB(iT (b_i + h_i)) at once,
    then J[i, j] += alpha (sigma_i - L(h_i)) sigma_j for i != j (times the mask): Hebbian
    sigma_i sigma_j minus anti-Hebbian L(h_i) sigma_j. The uniforms are
    ``jax.random.uniform(key, (N,))``.

    Parameters
    ----------
    key : jax.Array
        A PRNG key (unchecked).
    state : LearningState
        J (N, N) and sigma (N,).
    params : LearningParams
        From :func:`learning_params`.
    precision_weighted : bool
        As in :func:`prediction_error` (static).

    Returns
    -------
    LearningState
        The updated couplings and the new states.

    Notes
    -----
    For long runs prefer :func:`fepnet.training.run_epochs` / :func:`fepnet.train`: they
    compute the same steps (bit for bit) with the rank-1 update deferred to the
    next iteration, which keeps XLA from re-evaluating the per-node maths for
    every matrix element; a ``lax.scan`` over ``learn_step`` is about 2.5x
    slower at N = 1024.

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> state = fepnet.init_learning_state(3)
    >>> params = fepnet.learning_params(jnp.array([2.0, -2.0, 2.0]), 1.0, 0.01)
    >>> state = fepnet.learn_step(jax.random.key(0), state, params)
    >>> bool(jnp.all(jnp.abs(state.sigma) <= 1)), bool(jnp.all(jnp.diag(state.couplings) == 0))
    (True, True)
    """
    u = jax.random.uniform(key, state.sigma.shape, state.sigma.dtype)
    return fused_update(u, state, params, precision_weighted)


@partial(jax.jit, static_argnames=("n_passes", "precision_weighted"))
def _learn_from_states(J, x, lr, mask, it, n_passes, precision_weighted):
    def step(J, pair):
        old, new = pair
        return apply_update(J, lr * prediction_error(new, J @ old, it, precision_weighted), new, mask), None

    def one_pass(J, _):
        return jax.lax.scan(step, J, (x[:-1], x[1:]))[0], None

    return jax.lax.scan(one_pass, J, None, length=n_passes)[0]


def learn_from_states(states, *, learning_rate=0.001, n_passes: int = 1, initial=None, mask=None,
                      precision_weighted: bool = False, inverse_temperature=1.0) -> Network:
    """The FEP rule applied to an observed stream of states instead of the network's own samples.

    For t = 1 .. T-1: h = J x_{t-1}, then J[i, j] += alpha (x_{t,i} - L(h_i)) x_{t,j} (i != j),
    exactly the update of :func:`fused_update` with the sampled new state replaced
    by the observed x_t; the stream is presented ``n_passes`` times. This is the
    FEP-learned J that ``diagnostics.coupling_recovery`` compares with the
    coupling model's posterior (``inference.coupling``).

    Parameters
    ----------
    states : array_like, shape (T, N)
        The observed states x_0 .. x_{T-1}, T >= 2, in [-1, 1].
    learning_rate : float
        alpha >= 0 (default 0.001).
    n_passes : int
        Presentations of the stream, >= 1.
    initial : Network, optional
        Start from its couplings (default J = 0); its biases are ignored.
    mask : array_like, shape (N, N), optional
        0/1 coupling mask (:func:`coupling_mask`); the start J is masked too.
    precision_weighted : bool
        As in :func:`prediction_error`.
    inverse_temperature : float
        iT > 0; enters only with ``precision_weighted``.

    Returns
    -------
    Network
        The learned couplings J (N, N), zero biases.

    Raises
    ------
    TypeError
        Arguments that are not real numbers or integers; ``initial`` not None or a Network.
    ValueError
        ``states`` not (T, N) with T >= 2, non-finite or outside [-1, 1]; ``learning_rate`` negative or
        ``inverse_temperature`` not positive, or either non-finite in the states' dtype; ``n_passes`` < 1
        or above 2**31 - 1; ``initial`` of another size or non-finite; ``mask`` not (N, N) of 0 and 1.
    FloatingPointError
        If the couplings became non-finite (lower ``learning_rate``).

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> x = jnp.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    >>> J = fepnet.learn_from_states(x, learning_rate=0.5).couplings
    >>> J  # step 1: h = 0, J[i, j] += 0.5 (1 - 0) 1; step 2: h = 0.5, L(0.5) = 0.164
    Array([[0.   , 0.918],
           [0.918, 0.   ]], dtype=float32)
    """
    x = v.as_real_array(states, "states", ndim=2)
    n = x.shape[1]
    x = v.states(x, "states", n)
    if x.shape[0] < 2:
        raise ValueError(f"states must hold at least 2 time steps, got shape {tuple(x.shape)}")
    n_passes = v.count(n_passes, "n_passes", minimum=1)
    lr = v.nonnegative_scalar(learning_rate, "learning_rate", dtype=x.dtype)
    it = v.positive_scalar(inverse_temperature, "inverse_temperature", dtype=x.dtype)
    if initial is None:
        J = jnp.zeros((n, n), x.dtype)
    elif isinstance(initial, Network):
        if initial.size != n:
            raise ValueError(f"initial network has {initial.size} nodes, states have {n}")
        J = v.as_real_array(initial.couplings, "initial.couplings", dtype=x.dtype)
    else:
        raise TypeError(f"initial must be None or a fepnet.Network, got {type(initial).__name__}")
    if mask is not None:
        mask = v.binary_mask(mask, "mask", shape=(n, n)).astype(x.dtype)
        J = J * mask
    J = _learn_from_states(J, x, lr, mask, it, n_passes, bool(precision_weighted))
    if not bool(jnp.all(jnp.isfinite(J))):
        raise FloatingPointError("couplings became non-finite during learning; lower learning_rate")
    return Network.tree_unflatten(None, (J, jnp.zeros((n,), x.dtype)))
