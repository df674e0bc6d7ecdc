"""Classic storage rules: couplings that store K patterns, the baselines of a capacity study.

For patterns P of shape (K, N) (row k is pattern xi^k, classically +-1 valued)::

    Hebbian     J = P^T P / N                         (Hopfield 1982; capacity ~0.138 N)
    Storkey     W <- W + (xi xi^T - xi h^T - h xi^T) / N, pattern by pattern, with the
                local field h_ij = sum_{k != i, j} W_ik xi_k      (Storkey 1997; above Hebbian)
    projector   J = P^T (P P^T)^+ P                   (pseudo-inverse, Personnaz et al. 1985,
                Kanter & Sompolinsky 1987; every pattern a fixed point up to K = N - 1)

each with its diagonal set to zero (no self-coupling), symmetric. Every function
takes P of shape (..., K, N): leading axes are repeats, and J comes out (..., N, N).
``*_couplings`` return the arrays; :func:`hebbian`, :func:`storkey` and :func:`projector`
return a :class:`~fepnet.Network` with zero biases (a batch of networks -- leaves with the
leading axes -- when P is batched, as in :mod:`fepnet.sweep`).

The rules accept any finite real patterns (the formulas are defined for them), but the
classic capacity results, and the recall tests of :mod:`fepnet.recall`, are for +-1
patterns. All three are jitted and batch by ``jax.vmap`` (no Python loop over patterns,
repeats or nodes).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .infra import checks as v
from .network import Network

__all__ = [
    "RULES",
    "hebbian",
    "hebbian_couplings",
    "projector",
    "projector_couplings",
    "rule_couplings",
    "rule_network",
    "storkey",
    "storkey_couplings",
    "zero_bias_network",
]

#: The classic storage rules, by name: the ``rule`` of :func:`rule_couplings` and :func:`rule_network`.
RULES = ("hebbian", "storkey", "projector")


def check_patterns(patterns, name: str = "patterns", *, dtype=None, binary: bool = False):
    """``patterns`` (..., K, N) as a floating JAX array with K >= 1, N >= 2, finite (and +-1 with ``binary``).

    The checks run on concrete input (skipped for traced values, see :mod:`fepnet.infra.checks`).

    Raises
    ------
    TypeError
        Not an array of real numbers.
    ValueError
        Fewer than 2 dimensions, K < 1, N < 2, non-finite values, or (``binary``) values other than +-1.
    """
    p = v.as_real_array(patterns, name, dtype=dtype)
    if p.ndim < 2:
        raise ValueError(f"{name} must have shape (..., K, N), got shape {tuple(p.shape)}")
    k, n = p.shape[-2:]
    if k < 1:
        raise ValueError(f"{name} must hold K >= 1 patterns, got shape {tuple(p.shape)}")
    if n < 2:
        raise ValueError(f"{name} must have N >= 2 nodes, got shape {tuple(p.shape)}")
    if binary and v.is_concrete(p) and not bool(np.all(np.abs(np.asarray(p)) == 1)):
        raise ValueError(f"{name} must hold only -1 and +1")
    return p


def _zero_diagonal(J):
    n = J.shape[-1]
    return J * (1 - jnp.eye(n, dtype=J.dtype))


@jax.jit
def _hebbian(P):
    n = P.shape[-1]
    return _zero_diagonal(jnp.einsum("...ki,...kj->...ij", P, P) / n)


def _storkey_one(P):
    """Storkey's rule for one (K, N) set: a ``lax.scan`` over the patterns, O(N^2) per pattern."""
    n = P.shape[-1]
    off = 1 - jnp.eye(n, dtype=P.dtype)

    def add(W, xi):
        f = W @ xi  # f_i = sum_k W_ik xi_k (W_ii = 0)
        sq = xi * xi
        # h_ij = f_i - W_ij xi_j, h_ji = f_j - W_ji xi_i; dW_ij = (xi_i xi_j - xi_i h_ji - h_ij xi_j) / N
        xi_h = jnp.outer(xi, f) - sq[:, None] * W.T  # xi_i h_ji
        h_xi = jnp.outer(f, xi) - W * sq[None, :]  # h_ij xi_j
        W = W + (jnp.outer(xi, xi) - xi_h - h_xi) / n
        return W * off, None

    W, _ = jax.lax.scan(add, jnp.zeros((n, n), P.dtype), P)
    return W


@jax.jit
def _storkey(P):
    flat = P.reshape((-1,) + P.shape[-2:])
    return jax.vmap(_storkey_one)(flat).reshape(P.shape[:-2] + (P.shape[-1],) * 2)


def _projector_one(P):
    """P^T (P P^T)^+ P = V_r V_r^T from the SVD P = U S V^T, r the singular values above the cutoff."""
    k, n = P.shape
    _, s, vt = jnp.linalg.svd(P, full_matrices=False)  # vt (min(K, N), N)
    cutoff = max(k, n) * jnp.finfo(P.dtype).eps * s[0]
    keep = (s > cutoff).astype(P.dtype)
    return _zero_diagonal((vt.T * keep) @ vt)


@jax.jit
def _projector(P):
    flat = P.reshape((-1,) + P.shape[-2:])
    return jax.vmap(_projector_one)(flat).reshape(P.shape[:-2] + (P.shape[-1],) * 2)


def _checked(rule, patterns):
    p = check_patterns(patterns)
    J = rule(p)
    if v.is_concrete(J) and not bool(jnp.all(jnp.isfinite(J))):
        raise ValueError(f"patterns give non-finite couplings in {J.dtype}; reduce their magnitude")
    return J


def hebbian_couplings(patterns) -> jax.Array:
    """Hebbian couplings J = P^T P / N with zero diagonal: J_ij = (1/N) sum_k xi^k_i xi^k_j, i != j.

    Parameters
    ----------
    patterns : array_like, shape (..., K, N)
        K patterns of N nodes (+-1 classically; any finite reals accepted); leading axes are repeats.

    Returns
    -------
    jax.Array, shape (..., N, N)
        Symmetric, zero diagonal, in the patterns' float dtype.

    Raises
    ------
    TypeError
        ``patterns`` not real numbers.
    ValueError
        ``patterns`` with fewer than 2 axes, K < 1, N < 2 or non-finite values.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> P = jnp.array([[1.0, 1.0, -1.0, -1.0], [1.0, -1.0, 1.0, -1.0]])
    >>> fepnet.hebbian_couplings(P)
    Array([[ 0. ,  0. ,  0. , -0.5],
           [ 0. ,  0. , -0.5,  0. ],
           [ 0. , -0.5,  0. ,  0. ],
           [-0.5,  0. ,  0. ,  0. ]], dtype=float32)
    >>> fepnet.hebbian_couplings(jnp.stack([P, -P])).shape  # two repeats
    (2, 4, 4)
    """
    return _checked(_hebbian, patterns)


def storkey_couplings(patterns) -> jax.Array:
    """Storkey's (1997) incremental, local rule, from W = 0, the patterns taken in order.

    For each pattern xi (row k of P, k = 0 .. K-1), with the local field that leaves out
    nodes i and j, h_ij = sum_{k != i, j} W_ik xi_k,

        W_ij <- W_ij + (xi_i xi_j - xi_i h_ji - h_ij xi_j) / N      (i != j),   W_ii = 0.

    Computed as a ``lax.scan`` over patterns, each update a handful of outer products
    (O(N^2) per pattern; with f = W xi, h_ij = f_i - W_ij xi_j since W_ii = 0). W stays
    symmetric. The result depends on the pattern order.

    Parameters
    ----------
    patterns : array_like, shape (..., K, N)
        As for :func:`hebbian_couplings`.

    Returns
    -------
    jax.Array, shape (..., N, N)
        Symmetric, zero diagonal.

    Raises
    ------
    TypeError, ValueError
        As for :func:`hebbian_couplings`; also couplings that overflow the dtype.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> P = jnp.array([[1.0, 1.0, -1.0, -1.0], [1.0, -1.0, 1.0, -1.0]])
    >>> W = fepnet.storkey_couplings(P)
    >>> float(W[0, 3]), bool(jnp.all(W == W.T))
    (-0.75, True)
    """
    return _checked(_storkey, patterns)


def projector_couplings(patterns) -> jax.Array:
    """Projector (pseudo-inverse) couplings J = P^T (P P^T)^+ P with zero diagonal.

    P^T (P P^T)^+ P is the orthogonal projector onto the span of the patterns (the row
    space of P), computed stably as V_r V_r^T from the SVD P = U S V^T, keeping the r
    singular values above max(K, N) * eps * s_max (eps of the dtype). For K < N linearly
    independent patterns every pattern satisfies J_full xi = xi; zeroing the diagonal
    leaves the field (J xi)_i = (1 - J_full,ii) xi_i, with J_full,ii in [0, 1] and r / N on
    average, so at a stored pattern every node's field keeps the sign of xi_i (strictly
    unless e_i lies in the span), but shrinks to about (1 - K / N) of it as K -> N.
    When the patterns span all of R^N (K >= N, random +-1 patterns: rank N) the projector
    is the identity and J = I with its diagonal zeroed = 0 up to round-off: the network
    stores nothing and recalls nothing. The rank is what matters, not K: K >= N repeated
    or dependent patterns of rank r < N still give a proper projector.

    Parameters
    ----------
    patterns : array_like, shape (..., K, N)
        As for :func:`hebbian_couplings`.

    Returns
    -------
    jax.Array, shape (..., N, N)
        Symmetric, zero diagonal, entries in [-1, 1].

    Raises
    ------
    TypeError, ValueError
        As for :func:`hebbian_couplings`.

    Examples
    --------
    Every stored pattern keeps its signs under one step of the field:

    >>> import jax.numpy as jnp, fepnet
    >>> P = jnp.array([[1.0, 1.0, -1.0, -1.0], [1.0, -1.0, 1.0, -1.0]])
    >>> J = fepnet.projector_couplings(P)
    >>> bool(jnp.all(jnp.sign(P @ J.T) == P))
    True
    """
    return _checked(_projector, patterns)


def zero_bias_network(J) -> Network:
    """Couplings J with zero biases, as one Network or a batch of networks.

    Parameters
    ----------
    J : jax.Array, shape (N, N) or (..., N, N)
        One network's couplings (validated by :class:`fepnet.Network`), or a batch (leaves with
        the leading axes, not validated: J comes from a storage rule or training).

    Returns
    -------
    Network
        Couplings J, biases zeros of shape J.shape[:-1].

    Raises
    ------
    TypeError, ValueError
        For one network, as :class:`fepnet.Network` (J not square, non-finite).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.storage import zero_bias_network
    >>> zero_bias_network(jnp.zeros((3, 3)))
    Network(N=3, couplings(3, 3), dtype=float32)
    >>> zero_bias_network(jnp.zeros((2, 3, 3))).biases.shape
    (2, 3)
    """
    if J.ndim == 2:
        return Network(J)
    return Network.tree_unflatten(None, (J, jnp.zeros(J.shape[:-1], J.dtype)))


def hebbian(patterns) -> Network:
    """The Hebbian network: couplings J = P^T P / N with zero diagonal (:func:`hebbian_couplings`), zero biases.

    Parameters
    ----------
    patterns : array_like, shape (..., K, N)
        As for :func:`hebbian_couplings`.

    Returns
    -------
    Network
        J (..., N, N), b = 0 (..., N); a batch of networks when ``patterns`` is batched.

    Raises
    ------
    TypeError, ValueError
        As for :func:`hebbian_couplings`.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> fepnet.hebbian(jnp.array([[1.0, -1.0, 1.0]]))
    Network(N=3, couplings(3, 3), dtype=float32)
    """
    return zero_bias_network(hebbian_couplings(patterns))


def storkey(patterns) -> Network:
    """The Storkey network: couplings of Storkey's rule (:func:`storkey_couplings`), zero biases.

    Parameters
    ----------
    patterns : array_like, shape (..., K, N)
        As for :func:`hebbian_couplings`; taken in order.

    Returns
    -------
    Network
        J (..., N, N), b = 0 (..., N); a batch of networks when ``patterns`` is batched.

    Raises
    ------
    TypeError, ValueError
        As for :func:`storkey_couplings`.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> fepnet.storkey(jnp.array([[1.0, -1.0, 1.0]]))
    Network(N=3, couplings(3, 3), dtype=float32)
    """
    return zero_bias_network(storkey_couplings(patterns))


def projector(patterns) -> Network:
    """The projector network: couplings J = P^T (P P^T)^+ P with zero diagonal (:func:`projector_couplings`), zero biases.

    Parameters
    ----------
    patterns : array_like, shape (..., K, N)
        As for :func:`hebbian_couplings`.

    Returns
    -------
    Network
        J (..., N, N), b = 0 (..., N); a batch of networks when ``patterns`` is batched.

    Raises
    ------
    TypeError, ValueError
        As for :func:`hebbian_couplings`.

    Examples
    --------
    >>> import jax.numpy as jnp, fepnet
    >>> fepnet.projector(jnp.array([[1.0, -1.0, 1.0]]))
    Network(N=3, couplings(3, 3), dtype=float32)
    """
    return zero_bias_network(projector_couplings(patterns))


_COUPLINGS = {"hebbian": hebbian_couplings, "storkey": storkey_couplings, "projector": projector_couplings}


def rule_couplings(rule: str, patterns) -> jax.Array:
    """The couplings of storage rule ``rule`` ("hebbian", "storkey" or "projector") for ``patterns``.

    Parameters
    ----------
    rule : str
        One of :data:`RULES`.
    patterns : array_like, shape (..., K, N)
        As for :func:`hebbian_couplings`.

    Returns
    -------
    jax.Array, shape (..., N, N)
        Symmetric, zero diagonal.

    Raises
    ------
    TypeError
        ``rule`` not a string; ``patterns`` as for :func:`hebbian_couplings`.
    ValueError
        ``rule`` not one of :data:`RULES`; ``patterns`` as for :func:`hebbian_couplings`.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.storage import hebbian_couplings, rule_couplings
    >>> P = jnp.array([[1.0, -1.0, 1.0]])
    >>> bool(jnp.all(rule_couplings("hebbian", P) == hebbian_couplings(P)))
    True
    """
    if not isinstance(rule, str):
        raise TypeError(f"rule must be a string, one of {RULES}, got {type(rule).__name__}")
    if rule not in _COUPLINGS:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    return _COUPLINGS[rule](patterns)


def rule_network(rule: str, patterns) -> Network:
    """The network of storage rule ``rule`` for ``patterns``: :func:`rule_couplings`, zero biases.

    Parameters
    ----------
    rule : str
        One of :data:`RULES` (``"hebbian"``, ``"storkey"``, ``"projector"``).
    patterns : array_like, shape (..., K, N)
        As for :func:`hebbian_couplings`.

    Returns
    -------
    Network
        J (..., N, N), b = 0 (..., N); a batch of networks when ``patterns`` is batched.

    Raises
    ------
    TypeError, ValueError
        As for :func:`rule_couplings`.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet.storage import rule_network
    >>> rule_network("projector", jnp.ones((2, 1, 3))).couplings.shape  # two repeats of K = 1
    (2, 3, 3)
    """
    return zero_bias_network(rule_couplings(rule, patterns))
