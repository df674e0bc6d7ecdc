"""The FEP learning rule fused with a synchronous stochastic step.

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
    """couplings J (N, N) and node states sigma (N,)."""

    couplings: jax.Array
    sigma: jax.Array

    @property
    def network(self) -> Network:
        """The current couplings as a zero-bias :class:`Network`."""
        J = self.couplings
        return Network.tree_unflatten(None, (J, jnp.zeros(J.shape[:-1], J.dtype)))


class LearningParams(NamedTuple):
    """biases b (N,) clamped during the step (a pattern, or zeros to free-run), iT, alpha, optional mask (N, N)."""

    biases: jax.Array
    inverse_temperature: jax.Array
    learning_rate: jax.Array
    mask: jax.Array | None = None


def coupling_mask(graph_or_matrix, n: int | None = None):
    """A 0/1 float mask (N, N) from a networkx graph or a boolean matrix; the diagonal is always 0.

    Undirected graph: edge i - j allows J[i, j] and J[j, i]. Directed graph:
    edge j -> i allows J[i, j] only (J[i, j] is the weight from j to i).
    A matrix is used as given (mask[i, j] allows J[i, j]).
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
    """Learning state from a network's couplings (or an empty N-node network), sigma default 0."""
    if isinstance(network, (int, np.integer)) and not isinstance(network, bool):
        network = Network.zeros(int(network))
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network or a node count, got {type(network).__name__}")
    J = network.couplings
    s = jnp.zeros((network.size,), J.dtype) if sigma is None else v.states(sigma, "sigma", network.size, batch_ok=False).astype(J.dtype)
    return LearningState(J, s)


def learning_params(biases, inverse_temperature, learning_rate, mask=None) -> LearningParams:
    """Validated :class:`LearningParams`.

    Raises
    ------
    TypeError
        Arguments that are not real numbers.
    ValueError
        ``biases`` not 1-D or non-finite; ``inverse_temperature`` not positive or ``learning_rate``
        negative, or either non-finite in the biases' dtype; ``mask`` not (N, N) of 0 and 1.
    """
    b = v.as_real_array(biases, "biases", ndim=1)
    it = v.positive_scalar(inverse_temperature, "inverse_temperature", dtype=b.dtype)
    lr = v.nonnegative_scalar(learning_rate, "learning_rate", dtype=b.dtype)
    if mask is not None:
        mask = v.binary_mask(mask, "mask", shape=(b.shape[0], b.shape[0])).astype(b.dtype)
    return LearningParams(b, it, lr, mask)


def prediction_error(sigma, h, inverse_temperature, precision_weighted: bool = False):
    """sigma - L(h), the rule's prediction error (divided by L'(iT h) if ``precision_weighted``)."""
    error = sigma - cb_math.langevin(h)  # unchecked (the hot path)
    if precision_weighted:
        error = error / cb_math.langevin_grad(inverse_temperature * h)
    return error


def sample_with_error(u, h, params: LearningParams, precision_weighted: bool = False):
    """New states sigma ~ CB(iT (b + h)) from uniforms ``u`` and the scaled prediction error alpha (sigma - L(h))."""
    b, it, lr, _ = params
    sigma = cb_math.icdf(u, it * (b + h))
    return sigma, lr * prediction_error(sigma, h, it, precision_weighted)


def apply_update(J, scaled_error, sigma, mask=None):
    """J + scaled_error sigma^T off the diagonal (times ``mask`` if given).

    The node indices pass an optimization barrier together with ``sigma``: tied to the loop's
    state, the diagonal test i == j cannot be hoisted out of a jitted loop, where XLA would
    otherwise keep it as an (N, N) boolean buffer (N^2 bytes, 2.5 GB at N = 50,000, read
    every step); it is fused into the update instead. The values are unchanged.
    """
    n = sigma.shape[-1]
    i, sigma = jax.lax.optimization_barrier((jnp.arange(n, dtype=jnp.int32), sigma))
    delta = jnp.where(i[:, None] == i[None, :], 0.0, scaled_error[:, None] * sigma[None, :])
    if mask is not None:
        delta = delta * mask
    return J + delta


def fused_update(u, state: LearningState, params: LearningParams, precision_weighted: bool = False) -> LearningState:
    """One fused inference + learning step from uniforms ``u`` (N,) (the inverse-CDF noise)."""
    J, sigma_old = state
    sigma, scaled_error = sample_with_error(u, J @ sigma_old, params, precision_weighted)
    return LearningState(apply_update(J, scaled_error, sigma, params.mask), sigma)


@partial(jax.jit, static_argnames=("precision_weighted",))
def learn_step(key, state: LearningState, params: LearningParams, precision_weighted: bool = False) -> LearningState:
    """``step(key, state, params) -> state``: one synchronous stochastic step with learning on.

    For long runs prefer :func:`fepnet.training.run_epochs` / :func:`fepnet.train`: they
    compute the same steps (bit for bit) with the rank-1 update deferred to the
    next iteration, which keeps XLA from re-evaluating the per-node maths for
    every matrix element; a ``lax.scan`` over ``learn_step`` is about 2.5x
    slower at N = 1024.
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
    """The FEP rule applied to an observed stream of states (T, N) instead of the network's own samples.

    For t = 1..T-1: h = J x_{t-1}, then J[i, j] += alpha (x_t,i - L(h_i)) x_t,j (i != j),
    exactly the update of :func:`fused_update` with the sampled new state replaced
    by the observed x_t; the stream is presented ``n_passes`` times. This is the
    FEP-learned J that ``diagnostics.coupling_recovery`` compares with the
    coupling model's posterior (``inference.coupling``). ``initial``: a Network
    (default J = 0); ``mask`` as in :func:`coupling_mask` (an (N, N) 0/1 matrix);
    ``inverse_temperature`` only enters with ``precision_weighted``.
    Returns the learned couplings as a zero-bias :class:`Network`.

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
