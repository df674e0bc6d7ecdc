"""Exact reference answers for small or uncoupled networks, in NumPy float64.

One concept, the exact moments and log Z of a small network: its closed forms and quadrature rules
share the input checks and the grid-resolution rule, and are read together.

Conventions (used throughout ``inference``). A network has couplings J (N, N),
biases b (N,), inverse temperature iT > 0 and optional evidence e (a bias shift,
b -> b + e); only Js = (J + J^T) / 2 enters the Boltzmann density
::

    p(s) = exp(iT (b·s + 1/2 s^T Js s)) / Z,    s in [-1, 1]^N,
    Z(J, b, iT) = ∫_{[-1,1]^N} exp(iT (b·s + 1/2 s^T Js s)) ds   (Lebesgue measure),

so that J = 0 gives log Z = sum_i A(iT b_i), A(c) = log(2 sinh(c) / c), A(0) = log 2.

Everything here is written independently of fepnet's samplers, of
``fepnet.cb`` (the CB functions are re-derived in NumPy in :mod:`inference.cb_float64`) and of
``fepnet.network`` (the Boltzmann log density iT (b·s + 1/2 s^T Js s) is
written out again in :func:`boltzmann_quadrature`) on purpose, so that tests
compare two implementations: a reference must not share a code path with what
it checks.

- :func:`independent_moments`: closed forms for J = 0.
- :func:`quadrature_moments`: tensor Gauss-Legendre on [-1, 1]^n, n <= 3.
- :func:`boltzmann_quadrature`, :func:`synchronous_quadrature`: the Boltzmann
  density and the stationary density pi_sync of the synchronous chain.
- :func:`boltzmann_moments`: closed form or quadrature, whichever applies.

The Monte-Carlo checks of sampler output against these answers (:func:`mcse`,
:func:`moment_z_scores`) are in :mod:`inference.monte_carlo`.
"""

from __future__ import annotations

import math
import warnings
from typing import Callable, NamedTuple

import numpy as np

from fepnet import Network
from fepnet.infra import checks as v

from .cb_float64 import _langevin, _langevin_grad, log_normalizer

__all__ = [
    "Moments",
    "independent_moments",
    "quadrature_moments",
    "boltzmann_quadrature",
    "synchronous_quadrature",
    "synchronous_log_density",
    "log_normalizer",
    "boltzmann_moments",
    "MAX_QUADRATURE_NODES",
    "DEFAULT_N_POINTS",
]

#: The largest N that tensor quadrature accepts (its grid has ``n_points ** N`` nodes).
MAX_QUADRATURE_NODES = 3
# 64 points leave < 1e-12 in log Z, means and covariances for |iT (b + Js s)| up to
# ~40 (tested: couplings and biases of 5, iT 2). N = 3 then uses 64^3 = 262,144 nodes
# (~10 MB of work arrays).
#: Default Gauss-Legendre points per axis (raised automatically for peaked densities).
DEFAULT_N_POINTS = 64
_MAX_POINTS = 2_000_000  # nodes in the tensor grid (memory guard)
# Resolution. Along axis i the log density changes at a rate |d/ds_i| <= c = iT max_i (|b_i| + sum_j |Js_ij|)
# on the cube, so the density can pile up in a layer of width ~1/c at a face. The outermost Gauss-Legendre
# node lies h_n = 1 - x_n ~ j0^2 / (2 (n + 1/2)^2) from the face (j0: first zero of J_0); the n-point rule
# integrates exp(c s) to a relative error below ~1e-10 while c h_n <= 0.15 (measured for n = 16 .. 300; a
# Gaussian peak inside the cube, of curvature <= c, is then resolved as well).
_RESOLUTION = 0.15
_J0 = 2.404825557695773
_MAX_AUTO_POINTS = 1024  # the most points per axis chosen automatically (leggauss costs O(n^3))


class Moments(NamedTuple):
    """Exact moments of a density on [-1, 1]^N and the log of its normaliser, in float64.

    Attributes
    ----------
    mean : numpy.ndarray
        (N,) the means ``E[s_i]``.
    covariance : numpy.ndarray
        (N, N) the covariance ``E[(s_i - mean_i)(s_j - mean_j)]``, symmetric.
    log_partition : float
        ``log Z``, Z the integral of the unnormalised density over [-1, 1]^N (Lebesgue measure).

    Examples
    --------
    >>> from inference.exact import Moments, independent_moments
    >>> m = independent_moments([0.0])
    >>> isinstance(m, Moments), m.covariance.shape, round(m.log_partition, 4)   # log 2
    (True, (1, 1), 0.6931)
    """

    mean: np.ndarray
    covariance: np.ndarray
    log_partition: float


# --- input handling -------------------------------------------------------------------------


def _float64(x, name, **kw):
    """Validate with fepnet's boundary checks, then convert the *original* input to float64."""
    v.as_real_array(x, name, **kw)
    return np.asarray(x, np.float64)


def _inverse_temperature(x) -> float:
    v.positive_scalar(x, "inverse_temperature")
    return float(np.asarray(x, np.float64))


def _network_arrays(network, evidence):
    """(Js, b + e) of a fepnet Network as float64 arrays."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    J = np.asarray(network.couplings, np.float64)
    b = np.asarray(network.biases, np.float64)
    if evidence is not None:
        b = b + _float64(evidence, "evidence", shape=b.shape)
    return 0.5 * (J + J.T), b


def _n_points(n_points) -> int:
    return v.count(n_points, "n_points", minimum=2)


def _grid_size(Js, b, it, n_points) -> int:
    """Points per axis that resolve exp(iT (b·s + 1/2 s^T Js s)) (see ``_RESOLUTION``).

    ``n_points`` None: DEFAULT_N_POINTS, raised to what the density needs, or a ValueError
    naming inverse_temperature when that exceeds the grid limits. Given: used as is, with a
    RuntimeWarning when it under-resolves the density.
    """
    with np.errstate(over="ignore"):
        c = it * float(np.max(np.abs(b) + np.sum(np.abs(Js), axis=1)))
    if not math.isfinite(c):
        raise ValueError("inverse_temperature * max_i(|b_i| + sum_j |Js_ij|) overflows float64")
    need = max(2, math.ceil(math.sqrt(_J0**2 * c / (2 * _RESOLUTION)) - 0.5))
    if n_points is not None:
        m = _n_points(n_points)
        if m < need:
            warnings.warn(f"n_points={m} under-resolves the density (iT max_i(|b_i| + sum_j |Js_ij|) = {c:.4g} "
                          f"needs n_points >= {need} for a relative error of about 1e-10)", RuntimeWarning,
                          stacklevel=3)
        return m
    m = max(DEFAULT_N_POINTS, need)
    if m > _MAX_AUTO_POINTS or m**b.size > _MAX_POINTS:
        raise ValueError(
            f"inverse_temperature * max_i(|b_i| + sum_j |Js_ij|) = {c:.4g} makes the density too peaked for "
            f"tensor quadrature: it needs n_points >= {need} per axis, beyond the grid limit for N = {b.size}; "
            "lower inverse_temperature, or estimate log Z with inference.ais.log_partition")
    return m


def _check_quadrature_size(n: int, what: str):
    if n > MAX_QUADRATURE_NODES:
        raise ValueError(
            f"{what} has N = {n} nodes; tensor quadrature is limited to N <= {MAX_QUADRATURE_NODES} "
            "(its grid grows as n_points^N); use inference.ais.log_partition or MCMC for larger networks"
        )


# --- closed forms and quadrature ---------------------------------------------------------------


def independent_moments(biases, inverse_temperature=1.0) -> Moments:
    """Exact moments for J = 0: independent CB(c_i), c = iT b (N,).

    ``mean_i = L(c_i)``, ``covariance = diag(L'(c_i))``, ``log Z = sum_i A(c_i)`` with
    ``L(c) = coth(c) - 1/c`` and ``A(c) = log(2 sinh(c) / c)``.

    Parameters
    ----------
    biases : array_like of shape (N,)
        b (plus any evidence), finite reals.
    inverse_temperature : float, optional
        iT > 0 (default 1).

    Returns
    -------
    Moments
        ``mean`` (N,), diagonal ``covariance`` (N, N) and ``log_partition``, float64.

    Raises
    ------
    TypeError, ValueError
        ``biases`` not a 1-d array of finite real numbers, ``inverse_temperature`` not positive and
        finite, or log Z beyond float64.

    Examples
    --------
    >>> from inference.exact import independent_moments
    >>> m = independent_moments([0.0, 1.0])
    >>> m.mean.round(4).tolist(), m.covariance.diagonal().round(4).tolist()   # L(1) = coth 1 - 1
    ([0.0, 0.313], [0.3333, 0.2759])
    >>> round(m.log_partition, 4)                                              # log 2 + log(2 sinh 1)
    1.5477
    """
    b = _float64(biases, "biases", ndim=1)
    with np.errstate(over="ignore"):
        c = _inverse_temperature(inverse_temperature) * b
        log_z = float(np.sum(log_normalizer(c)))
    if not np.isfinite(log_z):
        raise ValueError("inverse_temperature * biases overflows float64 (log Z is not finite)")
    return Moments(_langevin(c), np.diag(_langevin_grad(c)), log_z)


def quadrature_moments(
    log_density: Callable[[np.ndarray], np.ndarray], n_nodes: int, n_points: int = DEFAULT_N_POINTS
) -> Moments:
    """Moments of the density ∝ exp(log_density(s)) on [-1, 1]^n by tensor Gauss-Legendre.

    With the nodes S_p and product weights W_p of the ``n_points``-point rule on each axis,
    ``log I = logsumexp_p(log W_p + f(S_p))`` is the log of the integral (``log_partition``);
    ``mean = sum_p q_p S_p`` and ``covariance = sum_p q_p (S_p - mean)(S_p - mean)^T`` with
    ``q_p = W_p exp(f(S_p)) / I``.

    Parameters
    ----------
    log_density : callable
        ``f(S)``: nodes S (P, n) to log densities (P,), NumPy and vectorised; -inf allowed,
        NaN and +inf refused.
    n_nodes : int
        Dimension n, 1 <= n <= 3 (P = n_points^n nodes).
    n_points : int, optional
        Gauss-Legendre points per axis, >= 2 (default ``DEFAULT_N_POINTS`` = 64).

    Returns
    -------
    Moments
        ``mean`` (n,), ``covariance`` (n, n) and ``log_partition`` = log I, float64.

    Raises
    ------
    TypeError
        ``log_density`` not callable; ``n_nodes`` or ``n_points`` not integers.
    ValueError
        n > 3 or a grid beyond 2,000,000 nodes; ``n_points`` < 2; ``log_density`` returning another
        shape, NaN or +inf, or -inf at every node.

    Examples
    --------
    The uniform density on [-1, 1]^2: mean 0, variance 1/3, log I = log 4.

    >>> import numpy as np
    >>> from inference.exact import quadrature_moments
    >>> m = quadrature_moments(lambda S: np.zeros(len(S)), 2, n_points=8)
    >>> bool(np.allclose(m.mean, 0)), m.covariance.diagonal().round(4).tolist(), round(m.log_partition, 4)
    (True, [0.3333, 0.3333], 1.3863)
    >>> bool(abs(m.covariance[0, 1]) < 1e-12)
    True
    """
    if not callable(log_density):
        raise TypeError(f"log_density must be callable, got {type(log_density).__name__}")
    n = v.count(n_nodes, "n_nodes", minimum=1)
    _check_quadrature_size(n, "the density")
    m = _n_points(n_points)
    if m**n > _MAX_POINTS:
        raise ValueError(f"n_points^n_nodes = {m}^{n} exceeds {_MAX_POINTS} quadrature nodes")
    x, w = np.polynomial.legendre.leggauss(m)
    grids = np.meshgrid(*([x] * n), indexing="ij")
    S = np.stack([g.ravel() for g in grids], axis=-1)  # (P, n)
    log_w = np.sum(np.stack(np.meshgrid(*([np.log(w)] * n), indexing="ij")), axis=0).ravel()
    f = np.asarray(log_density(S), np.float64)
    if f.shape != (S.shape[0],):
        raise ValueError(f"log_density must return shape ({S.shape[0]},) for S of shape {S.shape}, got {f.shape}")
    if np.any(np.isnan(f)) or np.any(f == np.inf):
        raise ValueError("log_density returned NaN or +inf")
    g = log_w + f
    top = np.max(g)
    if not np.isfinite(top):
        raise ValueError("log_density is -inf at every quadrature node")
    q = np.exp(g - top)
    total = q.sum()
    q /= total
    mean = q @ S
    D = S - mean
    cov = (D * q[:, None]).T @ D
    return Moments(mean, 0.5 * (cov + cov.T), float(top + np.log(total)))


def _quadrature_inputs(network, evidence, inverse_temperature):
    """(Js, b + evidence, iT) as float64 NumPy, checked, with N <= 3 (what a quadrature grid can hold)."""
    Js, b = _network_arrays(network, evidence)
    it = _inverse_temperature(inverse_temperature)
    _check_quadrature_size(b.size, "network")
    return Js, b, it


def boltzmann_quadrature(
    network: Network, inverse_temperature=1.0, evidence=None, n_points: int | None = None
) -> Moments:
    """Moments and log Z of p(s) ∝ exp(iT (b·s + 1/2 s^T Js s)) (N <= 3) by tensor Gauss-Legendre quadrature.

    ``log Z = log ∫ exp(iT ((b + e)·s + 1/2 s^T Js s)) ds`` over [-1, 1]^N (Lebesgue measure), the
    log density written out here independently of ``fepnet.network``; see :func:`quadrature_moments`.

    Parameters
    ----------
    network : fepnet.Network
        J (N, N) (only Js = (J + J^T) / 2 enters) and b (N,), N <= 3.
    inverse_temperature : float, optional
        iT > 0 (default 1).
    evidence : array_like of shape (N,), optional
        Bias shift e.
    n_points : int, optional
        Points per axis. Default: ``DEFAULT_N_POINTS``, raised where the density is too peaked
        for it: with ``c = iT max_i (|b_i| + sum_j |Js_ij|)``, the outermost node must lie within
        about 0.15 / c of each face (relative error ~1e-10), up to 1024 points and the grid limit.
        A given ``n_points`` is used as is, with a ``RuntimeWarning`` if it is coarser than that.

    Returns
    -------
    Moments
        ``mean`` (N,), ``covariance`` (N, N) and ``log_partition`` (log Z), float64.

    Raises
    ------
    TypeError
        ``network`` is not a Network; ``n_points`` not an integer; ``evidence`` or
        ``inverse_temperature`` not real numbers.
    ValueError
        N > 3; ``inverse_temperature`` not positive and finite; ``evidence`` not (N,) or not
        finite; ``n_points`` < 2; a density too peaked for any grid within the limits (large
        ``iT |J|`` or ``iT |b|``, the message names inverse_temperature).

    Warns
    -----
    RuntimeWarning
        A given ``n_points`` coarser than the density needs.

    Examples
    --------
    Two nodes coupled by J_12 = 1, b = 0: ``Z = ∫∫ exp(s_1 s_2) ds = 4 Shi(1)`` (Shi the
    hyperbolic sine integral), the means are 0 and the covariance is positive.

    >>> import jax.numpy as jnp, fepnet
    >>> from inference.exact import boltzmann_quadrature
    >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> m = boltzmann_quadrature(net)
    >>> round(m.log_partition, 4), bool(abs(m.mean).max() < 1e-12)   # log(4 * 1.0572509)
    (1.442, True)
    >>> round(float(m.covariance[0, 1]), 4)
    0.1116
    """
    Js, b, it = _quadrature_inputs(network, evidence, inverse_temperature)
    n_points = _grid_size(Js, b, it, n_points)

    def log_density(S):
        # -iT E(s), independent of fepnet.network on purpose, so that tests compare two implementations
        return it * (S @ b + 0.5 * np.einsum("pi,ij,pj->p", S, Js, S))

    return quadrature_moments(log_density, b.size, n_points)


def synchronous_log_density(S, couplings, biases, inverse_temperature):
    """Unnormalised ``log pi_sync(s) = iT b·s + sum_i A(c_i(s))``, ``c(s) = iT (b + J s)``, in float64.

    The synchronous chain's stationary log density (for symmetric J), with
    ``A(c) = log(2 sinh(c) / c)`` (:func:`log_normalizer`). Inputs are not checked.

    Parameters
    ----------
    S : array_like of shape (P, N)
        States, one per row.
    couplings : array_like of shape (N, N)
        J (pass the symmetric part Js; J is used as given).
    biases : array_like of shape (N,)
        b (plus any evidence).
    inverse_temperature : float
        iT > 0.

    Returns
    -------
    numpy.ndarray
        (P,) float64 log densities.

    Examples
    --------
    With J = 0 it is ``iT b·s + sum_i A(iT b_i)``, ``A(0) = log 2``:

    >>> import numpy as np
    >>> from inference.exact import synchronous_log_density
    >>> synchronous_log_density(np.array([[0.5, 0.5]]), np.zeros((2, 2)), np.zeros(2), 1.0).round(4)
    array([1.3863])
    """
    S = np.asarray(S, np.float64)
    c = inverse_temperature * (biases + S @ np.asarray(couplings).T)
    return inverse_temperature * (S @ biases) + np.sum(log_normalizer(c), axis=-1)


def synchronous_quadrature(
    network: Network, inverse_temperature=1.0, evidence=None, n_points: int | None = None
) -> Moments:
    """Moments of the synchronous chain's stationary density (N <= 3) by quadrature.

    For symmetric J the synchronous transition ``T(s' | s) = prod_i CB(s'_i | c_i(s))``,
    ``c(s) = iT (b + J s)``, is reversible with respect to
    ::

        pi_sync(s) ∝ exp(iT b·s) prod_i 2 sinh(c_i(s)) / c_i(s)

    (detailed balance of the synchronous chain). This uses the symmetric part Js of J.
    For asymmetric J the synchronous chain's stationary density is in general NOT
    pi_sync (no detailed balance), so this is then only the pi_sync of the
    symmetrised network.

    Parameters
    ----------
    network, inverse_temperature, evidence, n_points
        As for :func:`boltzmann_quadrature` (only Js enters here too; the log density's rate along
        each axis has the same bound, as ``|L| < 1``, so the same grid resolves it).

    Returns
    -------
    Moments
        mean (N,), covariance (N, N) and ``log_partition`` = log ∫ exp(iT b·s) prod_i 2 sinh(c_i) / c_i ds,
        float64.

    Raises
    ------
    TypeError, ValueError
        As :func:`boltzmann_quadrature`.

    Examples
    --------
    For J = 0 the synchronous chain draws independent CB(iT b_i), as the Boltzmann density:

    >>> import jax.numpy as jnp, fepnet
    >>> from inference.exact import independent_moments, synchronous_quadrature
    >>> net = fepnet.Network(jnp.zeros((2, 2)), jnp.array([1.0, -0.5]))
    >>> m = synchronous_quadrature(net)
    >>> bool(abs(m.mean - independent_moments([1.0, -0.5]).mean).max() < 1e-12)
    True

    Coupled, pi_sync differs from the Boltzmann density. With two nodes, ``c_1 = iT (b_1 + J_12 s_2)``
    depends on s_2 alone and ``c_2`` on s_1 alone, so pi_sync factorises: the Boltzmann marginals,
    no correlation (the Boltzmann covariance here is 0.1057):

    >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [1.0, 0.0]]), jnp.array([0.5, 0.0]))
    >>> m = synchronous_quadrature(net)
    >>> m.mean.round(4).tolist(), bool(abs(m.covariance[0, 1]) < 1e-12)
    ([0.1709, 0.0548], True)
    """
    Js, b, it = _quadrature_inputs(network, evidence, inverse_temperature)
    n_points = _grid_size(Js, b, it, n_points)
    return quadrature_moments(lambda S: synchronous_log_density(S, Js, b, it), b.size, n_points)


def boltzmann_moments(
    network: Network, inverse_temperature=1.0, evidence=None, *, n_points: int | None = None
) -> Moments:
    """Exact Boltzmann moments: closed form if Js == 0 exactly (J = 0 or antisymmetric), else quadrature if N <= 3.

    The density is ``p(s) ∝ exp(iT ((b + e)·s + 1/2 s^T Js s))`` on [-1, 1]^N:
    :func:`independent_moments` of ``b + e`` when Js = 0 (any N), otherwise
    :func:`boltzmann_quadrature`.

    Parameters
    ----------
    network : fepnet.Network
        Couplings J (N, N) (only Js enters) and biases b (N,).
    inverse_temperature : float, optional
        iT > 0 (default 1).
    evidence : array_like of shape (N,), optional
        Bias shift e.
    n_points : int, optional, keyword-only
        Quadrature points per axis (as :func:`boltzmann_quadrature`; unused for Js = 0).

    Returns
    -------
    Moments
        ``mean`` (N,), ``covariance`` (N, N), ``log_partition``, float64.

    Raises
    ------
    TypeError, ValueError
        As :func:`boltzmann_quadrature`; ValueError for a coupled network with N > 3 (estimate
        log Z with :func:`inference.ais.log_partition` and the moments by MCMC).

    Examples
    --------
    An antisymmetric J leaves the Boltzmann density of its (zero) symmetric part:

    >>> import jax.numpy as jnp, fepnet
    >>> from inference.exact import boltzmann_moments
    >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [-1.0, 0.0]]), jnp.array([1.0, 0.0]))
    >>> m = boltzmann_moments(net)
    >>> m.mean.round(4).tolist(), round(m.log_partition, 4)
    ([0.313, 0.0], 1.5477)
    """
    Js, b = _network_arrays(network, evidence)
    if not np.any(Js):
        return independent_moments(b, inverse_temperature)
    if b.size > MAX_QUADRATURE_NODES:
        raise ValueError(
            f"no exact moments for a coupled network with N = {b.size} > {MAX_QUADRATURE_NODES}: "
            "closed forms need J = 0 and quadrature N <= 3; use inference.ais.log_partition / MCMC"
        )
    return boltzmann_quadrature(network, inverse_temperature, evidence, n_points)
