"""Route (c): the marginal likelihood of held-out states under fixed networks' Boltzmann densities.

    log p(x | network) = iT (b·x + 1/2 x^T Js x) - log Z,

log Z estimated once per network by annealed importance sampling
(:func:`inference.log_partition`). :func:`marginal_log_likelihood` scores one
network, :func:`rank_networks` ranks several on several data sets, and
:func:`heldout_states` makes held-out data from patterns. See
:mod:`diagnostics.model_selection` for when to use it.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import NamedTuple

import jax
import numpy as np

import pandas as pd

import fepnet
from fepnet.network import boltzmann_energy
from fepnet.infra import checks as v

from ._common import check_network, inverse_temperature_value, json_float

__all__ = ["MarginalLikelihood", "marginal_log_likelihood", "NetworkRanking", "rank_networks", "heldout_states"]


class MarginalLikelihood(NamedTuple):
    r"""log p(x_n | network) of held-out states under the network's Boltzmann density (route (c), :func:`marginal_log_likelihood`).

    Attributes
    ----------
    pointwise : numpy.ndarray, shape (n,)
        float64 log densities, one per state.
    total : float
        Their sum.
    mean : float
        ``total / n``.
    log_z : float
        log Z of the network at this iT.
    log_z_se : float
        The AIS standard error of ``log_z`` (0 for an exact log Z).
    se_mean : float
        Standard error of ``mean``: :math:`\sqrt{\mathrm{sd}(\text{pointwise})^2 / n + \text{log\_z\_se}^2}`
        (the spread over states, and the AIS error of log Z, which shifts every point alike; NaN for n = 1).
    n : int
        The number of states (property).
    se_total : float
        Standard error of ``total``, ``n * se_mean`` (property).
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
    """-iT E(x) = iT (b·x + 1/2 x^T Js x), float64 (n,), the unnormalised log Boltzmann density.

    :func:`fepnet.network.boltzmann_energy` on float64 NumPy copies of Js and b (so the sum
    runs in float64 whatever the network's dtype).
    """
    Js = np.asarray(network.symmetric_part(), np.float64)
    b = np.asarray(network.biases, np.float64)
    return -it * boltzmann_energy(Js, b, x)


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
    """log p(x | network) of held-out states (route (c)).

    log p(x | network) = iT (b·x + 1/2 x^T Js x) - log Z. Only the symmetric
    part of J enters. The density is on [-1, 1]^N with respect to Lebesgue
    measure (a log density, not a log probability: it can be positive).

    Parameters
    ----------
    key : jax.Array or None
        For the AIS estimate of log Z (may be None when ``log_z`` is given).
    network : fepnet.Network
        One network, couplings (N, N).
    states : array (n, N) or (N,)
        Held-out states in [-1, 1].
    inverse_temperature : float
        iT > 0.
    n_particles, n_temperatures : int
        AIS settings of :func:`inference.log_partition` (``n_temperatures``
        default 256).
    log_z : inference.AISResult or float, optional
        log Z of this network at this iT (an exact one, e.g. from
        :func:`inference.boltzmann_quadrature`), reused as given: nothing checks
        that it belongs to the network. None: estimated by AIS.

    Returns
    -------
    MarginalLikelihood
        Fields ``pointwise`` (n,) float64, ``total``, ``mean``, ``log_z``, ``log_z_se``, ``se_mean``.

    Raises
    ------
    TypeError, ValueError
        For a bad network, states, iT, AIS settings or ``log_z``; a missing key
        when ``log_z`` is None.

    Examples
    --------
    With J = 0 and b = 0 the density is uniform on [-1, 1]^2, so Z = 4 exactly:

    >>> import jax.numpy as jnp, numpy as np, fepnet
    >>> from diagnostics.model_selection import marginal_log_likelihood
    >>> net = fepnet.Network(jnp.zeros((2, 2)), jnp.zeros(2))
    >>> m = marginal_log_likelihood(None, net, [[0.5, -0.5], [0.1, 0.9]], log_z=np.log(4.0))
    >>> [round(float(v), 4) for v in m.pointwise], round(m.mean, 4), m.log_z_se
    ([-1.3863, -1.3863], -1.3863, 0.0)
    """
    network = check_network(network)
    it = inverse_temperature_value(inverse_temperature)
    x = _held_out_states(states, network.size)
    lz, lz_se = _log_z(key, network, it, n_particles, n_temperatures, log_z)
    pointwise = _boltzmann_log_density(network, x, it) - lz
    total = float(pointwise.sum())
    return MarginalLikelihood(pointwise, total, total / pointwise.size, lz, lz_se, _se_mean(pointwise, lz_se))


@dataclasses.dataclass(frozen=True, eq=False)
class NetworkRanking:
    r"""Fixed networks ranked by the mean held-out Boltzmann log-likelihood of each data set (:func:`rank_networks`).

    Attributes
    ----------
    table : pandas.DataFrame
        Rows: data sets, columns: networks; the mean log p(x | network).
    se : pandas.DataFrame
        The same shape: the standard error of each mean (``MarginalLikelihood.se_mean``).
    best, runner_up : dict
        Data set -> the network with the highest mean, and the second.
    margin : pandas.DataFrame
        mean[best] - mean[network] (>= 0; 0 for the best).
    se_diff : pandas.DataFrame
        SE of that paired difference, :math:`\sqrt{\mathrm{var}_n(d_n) / n + se_{Z,best}^2 + se_{Z,network}^2}`
        with :math:`d_n` the pointwise difference on the same states (0 for the best).
    z : dict
        Data set -> margin of the best over the runner-up in units of its se_diff.
    log_z, log_z_se, inverse_temperature : dict
        Per network (one AIS run each, shared by all data sets).
    n_states : dict
        Data set -> number of held-out states.
    pointwise : dict
        Data set -> network -> (n,) float64 log densities.
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
            return {str(r): {str(c): json_float(df.loc[r, c]) for c in df.columns} for r in df.index}

        return {
            "mean_log_likelihood": frame(self.table),
            "se": frame(self.se),
            "best": dict(self.best),
            "runner_up": dict(self.runner_up),
            "margin": frame(self.margin),
            "se_diff": frame(self.se_diff),
            "z": {k: json_float(val) for k, val in self.z.items()},
            "log_z": {k: json_float(val) for k, val in self.log_z.items()},
            "log_z_se": {k: json_float(val) for k, val in self.log_z_se.items()},
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

    mean_n log p(x_n | network) = mean_n iT (b·x_n + 1/2 x_n^T Js x_n) - log Z per
    (data set, network). Each network's log Z is estimated once by AIS (keys
    folded from ``key``) and reused for every data set. Differences are paired:
    the same states under both networks, plus both AIS errors.

    Parameters
    ----------
    key : jax.Array
        PRNG key; network k's AIS key is folded from it.
    networks : dict of str -> fepnet.Network
        At least two, all of the same size N.
    datasets : dict of str -> array (n, N)
        Held-out states in [-1, 1], n >= 2 each.
    inverse_temperature : float or dict of str -> float
        One iT for all networks, or one per network.
    n_particles, n_temperatures : int
        AIS settings of :func:`inference.log_partition`.
    progress : bool
        Show AIS progress bars.

    Returns
    -------
    NetworkRanking
        Fields ``table``, ``se``, ``best``, ``runner_up``, ``margin``, ``se_diff``, ``z``, ``log_z``,
        ``log_z_se``, ``inverse_temperature``, ``n_states``, ``pointwise``.

    Raises
    ------
    TypeError, ValueError
        For non-dict or badly keyed arguments, fewer than two networks, networks
        of different sizes, data sets of the wrong shape or with fewer than two
        states, a missing or non-positive iT, bad AIS settings.

    Examples
    --------
    Two tiny networks, each preferred by the states it favours (about 30 s on a busy 2-core CPU, mostly AIS
    compilation; not run as a doctest):

    >>> import jax, jax.numpy as jnp, fepnet
    >>> from diagnostics.model_selection import rank_networks
    >>> up = fepnet.Network(jnp.zeros((2, 2)), jnp.ones(2))
    >>> down = fepnet.Network(jnp.zeros((2, 2)), -jnp.ones(2))
    >>> data = {"high": jnp.full((5, 2), 0.8), "low": jnp.full((5, 2), -0.8)}
    >>> r = rank_networks(jax.random.key(0), {"up": up, "down": down}, data, n_particles=100)  # doctest: +SKIP
    >>> r.best  # doctest: +SKIP
    {'high': 'up', 'low': 'down'}
    """
    key = v.prng_key(key)
    networks = _named(networks, "fepnet.Network", "networks")
    datasets = _named(datasets, "states (n, N)", "datasets")
    if len(networks) < 2:
        raise ValueError(f"networks must hold at least two networks to rank, got {len(networks)}")
    if len(datasets) < 1:
        raise ValueError("datasets must hold at least one data set")
    sizes = {name: check_network(net, f"networks[{name!r}]").size for name, net in networks.items()}
    n = next(iter(sizes.values()))
    if len(set(sizes.values())) != 1:
        raise ValueError(f"networks must all have the same number of nodes, got {sizes}")
    if isinstance(inverse_temperature, dict):
        missing = sorted(set(networks) - set(inverse_temperature))
        if missing:
            raise ValueError(f"inverse_temperature has no value for networks {missing}")
        its = {name: inverse_temperature_value(inverse_temperature[name], f"inverse_temperature[{name!r}]")
               for name in networks}
    else:
        it = inverse_temperature_value(inverse_temperature)
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
    """States induced by clamping ``patterns`` as evidence into a network with J = 0.

    x ~ CB(iT * evidence_level * pattern), independently per node: the states a
    pattern drives in the training loop before any coupling acts (the paper's
    training protocol: b = evidence_level * pattern, sigma ~ CB(iT (b + J sigma))).
    Use them as held-out data for :func:`rank_networks`, e.g. from test images
    of digits, at the evidence level and iT the networks were trained with.

    Parameters
    ----------
    key : jax.Array
        PRNG key of the draws.
    patterns : array (K, N) or (N,)
        Patterns (e.g. test digits), values in [-1, 1].
    evidence_level : float
        The evidence level the networks were trained with.
    inverse_temperature : float
        iT > 0.
    n_per_pattern : int
        States drawn per pattern (>= 1).

    Returns
    -------
    numpy.ndarray
        (K n_per_pattern, N) float64 in [-1, 1], grouped by pattern (pattern k:
        rows k n_per_pattern .. (k + 1) n_per_pattern - 1).

    Raises
    ------
    TypeError, ValueError
        For a bad key, patterns of the wrong shape, a non-positive iT or count.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from diagnostics.model_selection import heldout_states
    >>> x = heldout_states(jax.random.key(0), np.array([[1.0, -1.0, 1.0]]), evidence_level=11.0,
    ...                    inverse_temperature=1.0, n_per_pattern=4)
    >>> x.shape, np.sign(x.mean(axis=0)).tolist()
    ((4, 3), [1.0, -1.0, 1.0])
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
