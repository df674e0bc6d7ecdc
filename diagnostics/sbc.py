"""Simulation-based calibration (SBC; Talts et al. 2018, arXiv:1804.06788) of fepnet's Gibbs samplers.

SBC checks a posterior sampler against its own generative model: draw a
"true" state from the prior, simulate evidence from it, run the sampler on that
evidence; if the sampler is exact, the rank of the true state among L posterior
draws is uniform on 0..L. Any miscalibration (wrong temperature, wrong evidence
wiring, a schedule that is not exact, too little burn-in or thinning) shows up
as a non-uniform rank histogram.

The model. Evidence s enters fepnet as a bias shift, so the sampler under test
targets p(sigma | s) ∝ exp(iT ((b + s)·sigma + 1/2 sigma^T Js sigma)) (the
network's Boltzmann density, Js = (J + J^T)/2). No proper likelihood p(s | sigma) makes both the prior the
plain Boltzmann density of b *and* the posterior exactly Boltzmann(b + s): its
normaliser would have to be constant in sigma. SBC therefore uses the joint::

    p(sigma, s) ∝ exp(iT (b·sigma + 1/2 sigma^T Js sigma)) · exp(iT s·sigma) · N(s; 0, tau^2 I)

with tau = ``evidence_scale``. Completing the square in s and reading it off::

    (i)   s | sigma ~ N(iT tau^2 sigma, tau^2 I)               the likelihood (simulate evidence)
    (ii)  sigma | s = Boltzmann(J, b + s) at iT                what fepnet's Gibbs sampler targets
    (iii) p(sigma) ∝ exp(iT (b·sigma + 1/2 sigma^T Js sigma) + iT^2 tau^2 |sigma|^2 / 2)

The prior (iii) is the network's Boltzmann density tilted towards the corners.
It is drawn by a long exact run: a two-block Gibbs chain alternating (i) (an
exact Gaussian draw) and one sequential Gibbs sweep of (ii) on the symmetrised
network (Js, b), ``prior_sweeps`` sweeps from sigma = 0, one independent chain
per replication, keeping the final sigma*. Then s ~ N(iT tau^2 sigma*, tau^2 I)
fresh, so (sigma*, s) is a draw of the joint and sigma* | s is an exact draw of
the posterior (ii). The sampler under test runs on ``network.with_evidence(s)``
(J as given: an asymmetric J is thereby tested against the Boltzmann density of
Js) at ``sampler_inverse_temperature`` with ``schedule``, from sigma = 0:
``burn_in`` sweeps, then L = ``n_posterior_draws`` draws ``thin`` sweeps apart.

Statistics. For each node i, the rank of sigma*_i among the L draws of node i;
and the rank of the energy E(sigma*) under the posterior network among the
draws' energies (a scalar that reacts strongly to temperature errors: a chain
too cold has too low energies, so E(sigma*) ranks high). Ranks are integers in
0..L; ties (possible only when float states saturate at ±1) are broken at
random. Uniformity: the L + 1 rank values are put into ``n_bins`` bins
(equal widths when n_bins divides L + 1; otherwise the expected counts follow
the unequal widths exactly), a chi-square goodness-of-fit test per statistic
(n_bins - 1 degrees of freedom), and the K = N + 1 p-values are combined by
Bonferroni, p = min(1, K · min_k p_k). Ranks of different nodes (and the
energy) of one replication are dependent (coupled nodes move together), so
pooling them into one histogram or one chi-square would be invalid; Bonferroni
is valid under any dependence (and conservative).

Caveat. The prior generator uses fepnet's sequential Gibbs kernel (at the true
iT, on Js) for its sigma | s block. SBC therefore tests the sampler's
configuration (temperature, schedule, evidence wiring, thinning, burn-in,
asymmetric couplings) against that reference; a bug in the single-site
conditional draw shared by both could partly cancel; independent references
(such as those of ``inference``) are the check for that.

Defaults (measured on the N = 8 network ``Network.random(key(0), 8,
coupling_scale=0.5, bias_scale=0.3)``, iT = tau = 1): the joint chain's
autocorrelation falls by a factor ~0.8 per sweep (integrated autocorrelation
time <= 8.4 sweeps over nodes and energy), so ``prior_sweeps=200`` is ~40
e-folds; the posterior chain's lag-1 autocorrelation is <= 0.29, lag 5 <= 0.02
and lag 10 at the noise floor (< 0.006), hence ``thin=10``; the transient from
sigma = 0 is gone after ~3 sweeps, ``burn_in=100`` is ample. Strongly coupled or
multimodal networks need larger values (check with ``fepnet.run`` traces).
On that network 200 replications take ~0.1 s (after a ~2 s compile): the exact
sampler gave combined p < 0.01 at 4 of 200 seeds (and passed at 100,000
replications), a sampler at 2 iT gives p ~ 1e-245, and 1000 replications flag
the synchronous schedule.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from fepnet.infra import checks as v
from fepnet.infra.progress import chunk_bounds, run_in_chunks
from fepnet.kernels import SCHEDULES, ChainState, KernelParams, build_kernel
from fepnet.network import Network

from .rank_uniformity import check_bins, rank_uniformity

__all__ = ["SBCResult", "simulation_based_calibration"]

# Float elements of posterior draws (chunk x L x N) held at once; bounds memory for large N.
_CHUNK_ELEMENTS = 1 << 22


class SBCResult(NamedTuple):
    """Result of :func:`simulation_based_calibration` (R replications, N nodes, L draws each).

    Attributes
    ----------
    ranks : numpy.ndarray
        (R, N) int, rank of ``sigma*_i`` among the L posterior draws of node i, in 0..L.
    energy_ranks : numpy.ndarray
        (R,) int, rank of ``E(sigma*)`` among the draws' energies (posterior network).
    n_draws : int
        L.
    prior_draws : numpy.ndarray
        (R, N) the true states sigma* (draws of the prior).
    evidence : numpy.ndarray
        (R, N) the simulated evidence ``s ~ N(iT tau^2 sigma*, tau^2 I)``.
    p_values : numpy.ndarray
        (N + 1,) chi-square uniformity p-values: nodes 0..N-1, then the energy.
    p_value : float
        Bonferroni combination ``min(1, (N + 1) min p_values)``.
    n_bins : int
        Bins of the rank histograms.
    settings : dict
        The run's settings (network_size, inverse_temperature, evidence_scale,
        sampler_inverse_temperature, schedule, n_replications, n_posterior_draws, thin, burn_in,
        prior_sweeps, dtype).

    Examples
    --------
    Made by :func:`simulation_based_calibration`; built by hand here from uniform ranks:

    >>> import numpy as np
    >>> from diagnostics.rank_uniformity import rank_uniformity
    >>> from diagnostics.sbc import SBCResult
    >>> rng = np.random.default_rng(0)
    >>> ranks, energy = rng.integers(0, 100, (300, 2)), rng.integers(0, 100, 300)
    >>> p, p_all = rank_uniformity(np.column_stack([ranks, energy]), 99, 10)
    >>> res = SBCResult(ranks, energy, 99, np.zeros((300, 2)), np.zeros((300, 2)), p, p_all, 10, {})
    >>> res.statistic_names, res.all_ranks.shape, res.passed()
    (['node 0', 'node 1', 'energy'], (300, 3), True)
    """

    ranks: np.ndarray
    energy_ranks: np.ndarray
    n_draws: int
    prior_draws: np.ndarray
    evidence: np.ndarray
    p_values: np.ndarray
    p_value: float
    n_bins: int
    settings: dict

    def passed(self, alpha: float = 0.01) -> bool:
        """Whether uniformity is not rejected at level ``alpha``: combined p > alpha.

        Parameters
        ----------
        alpha : float, optional
            Level in (0, 1) (default 0.01).

        Returns
        -------
        bool

        Raises
        ------
        ValueError
            ``alpha`` outside (0, 1).
        """
        alpha = float(v.positive_scalar(alpha, "alpha"))
        if alpha >= 1:
            raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
        return bool(self.p_value > alpha)

    @property
    def all_ranks(self) -> np.ndarray:
        """(R, N + 1) the node ranks followed by the energy ranks (the order of ``p_values``)."""
        return np.concatenate([self.ranks, self.energy_ranks[:, None]], axis=1)

    @property
    def statistic_names(self) -> list[str]:
        """Names of the N + 1 statistics: ``node 0`` .. ``node N-1``, ``energy``."""
        return [f"node {i}" for i in range(self.ranks.shape[1])] + ["energy"]


# ----------------------------------------------------------------------------- the SBC run


@partial(jax.jit, static_argnames=("kernel", "prior_kernel", "n_draws", "thin", "burn_in", "prior_sweeps"))
def _replications(keys, network, prior_network, it, sampler_it, tau, *, kernel, prior_kernel,
                  n_draws, thin, burn_in, prior_sweeps):
    """All replications of ``keys`` (R,) at once: (ranks (R, N), energy ranks (R,), sigma* (R, N), s (R, N))."""
    n, dtype = network.size, network.dtype
    J, b = network.couplings, network.biases
    Js, b_prior = prior_network.couplings, prior_network.biases

    def evidence_given(key, sigma):  # (i): s | sigma ~ N(iT tau^2 sigma, tau^2 I)
        return it * tau**2 * sigma + tau * jax.random.normal(key, (n,), dtype)

    def prior_draw(key):  # (iii) by two-block Gibbs on (sigma, s), prior_sweeps sweeps from 0
        def sweep(sigma, t):
            k_s, k_sigma = jax.random.split(jax.random.fold_in(key, t))
            s = evidence_given(k_s, sigma)
            prm = KernelParams(Network.tree_unflatten(None, (Js, b_prior + s)), it)
            return prior_kernel(k_sigma, ChainState(sigma), prm).sigma, None

        sigma, _ = jax.lax.scan(sweep, jnp.zeros((n,), dtype), jnp.arange(prior_sweeps))
        return sigma

    def posterior_draws(key, post):  # the sampler under test: burn_in sweeps, then L draws thin apart
        prm = KernelParams(post, sampler_it)

        def step(sigma, t):
            return kernel(jax.random.fold_in(key, t), ChainState(sigma), prm).sigma

        def burn(sigma, t):
            return step(sigma, t), None

        def block(sigma, t0):
            sigma, _ = jax.lax.scan(lambda s, t: (step(s, t), None), sigma, t0 + jnp.arange(thin))
            return sigma, sigma

        sigma, _ = jax.lax.scan(burn, jnp.zeros((n,), dtype), jnp.arange(burn_in))
        _, draws = jax.lax.scan(block, sigma, burn_in + thin * jnp.arange(n_draws))
        return draws  # (L, N)

    def rank(key, truth, draws):  # rank of truth among draws (L, ...), ties broken uniformly at random
        below = jnp.sum(draws < truth, axis=0)
        ties = jnp.sum(draws == truth, axis=0)
        return below + jax.random.randint(key, below.shape, 0, ties + 1)

    def one(key):
        k_prior, k_s, k_post, k_rank, k_energy = jax.random.split(key, 5)
        sigma_star = prior_draw(k_prior)
        s = evidence_given(k_s, sigma_star)
        post = Network.tree_unflatten(None, (J, b + s))
        draws = posterior_draws(k_post, post)
        node_ranks = rank(k_rank, sigma_star, draws)
        energy_rank = rank(k_energy, post.energy(sigma_star), post.energy(draws))
        return node_ranks, energy_rank, sigma_star, s

    return jax.vmap(one)(keys)


def _single_key(key):
    key = v.prng_key(key)
    typed = jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
    if (typed and key.ndim != 0) or (not typed and key.shape != (2,)):
        raise ValueError(f"key must be a single PRNG key, got shape {tuple(key.shape)}")
    return key


def simulation_based_calibration(
    key,
    network: Network,
    *,
    inverse_temperature=1.0,
    evidence_scale=1.0,
    n_replications: int = 200,
    n_posterior_draws: int = 99,
    thin: int = 10,
    burn_in: int = 100,
    prior_sweeps: int = 200,
    sampler_inverse_temperature=None,
    schedule: str = "sequential",
    n_bins: int | None = None,
    progress: bool = False,
) -> SBCResult:
    """SBC of fepnet's Gibbs sampler on ``network`` (see the module docstring for the model).

    Per replication: sigma* from the prior (a ``prior_sweeps``-sweep two-block
    Gibbs run), evidence s ~ N(iT tau^2 sigma*, tau^2 I) with tau =
    ``evidence_scale``, then the sampler under test (``schedule``, at
    ``sampler_inverse_temperature``, default iT) on ``network.with_evidence(s)``:
    ``burn_in`` steps from sigma = 0 and L = ``n_posterior_draws`` draws ``thin``
    steps apart (a step updates every node once on average). Returns the ranks
    of sigma*_i and of E(sigma*) among the draws, their chi-square uniformity
    p-values and the Bonferroni-combined p-value (:func:`rank_uniformity`).
    All replications run vmapped in one jitted computation (in chunks, with a
    progress bar when ``progress``); replication r uses ``split(key, R)[r]``,
    so results do not depend on the chunking.

    ``schedule`` is any of ``fepnet.SCHEDULES``: the sequential, random-scan
    and chromatic Gibbs samplers are exact for symmetric J; ``synchronous`` is
    not (it samples its own stationary density pi_sync) and SBC flags it given
    enough replications (about 1000 on the N = 8 test network).

    Parameters
    ----------
    key : jax.Array
        One PRNG key.
    network : fepnet.Network
        A single network (N nodes); the sampler runs on J as given, the prior uses Js.
    inverse_temperature, evidence_scale : float, optional, keyword-only
        iT and tau of the generative model (> 0; default 1 each).
    n_replications : int, optional
        R >= 2 (default 200).
    n_posterior_draws, thin, burn_in : int, optional
        L draws (default 99), ``thin`` steps apart (default 10), after ``burn_in`` steps (default 100).
    prior_sweeps : int, optional
        Sweeps of the two-block Gibbs run that draws sigma* (default 200).
    sampler_inverse_temperature : float, optional
        The sampler's iT (default: ``inverse_temperature``; another value makes a wrong sampler).
    schedule : str, optional
        One of ``fepnet.SCHEDULES`` (default "sequential").
    n_bins : int, optional
        Rank-histogram bins (default: see :func:`diagnostics.rank_uniformity.check_bins`).
    progress : bool, optional
        Show a progress bar over the replications (default off).

    Returns
    -------
    SBCResult
        ``ranks`` (R, N), ``energy_ranks`` (R,), ``n_draws``, ``prior_draws`` and ``evidence``
        (R, N), ``p_values`` (N + 1,), ``p_value``, ``n_bins`` and ``settings``.

    Raises
    ------
    TypeError, ValueError
        For a bad key, network or setting.

    Examples
    --------
    The exact sequential sampler passes, one at twice the inverse temperature fails (10-22 s for
    both on a 2-core CPU, mostly compilation; skipped in the doctests):

    >>> import jax, fepnet
    >>> from diagnostics.sbc import simulation_based_calibration
    >>> net = fepnet.Network.random(jax.random.key(0), 4, coupling_scale=0.5,
    ...                             bias_scale=0.3)  # doctest: +SKIP
    >>> res = simulation_based_calibration(jax.random.key(1), net, n_replications=200)  # doctest: +SKIP
    >>> res.ranks.shape, res.passed()  # doctest: +SKIP
    ((200, 4), True)
    >>> cold = simulation_based_calibration(jax.random.key(1), net, n_replications=200,
    ...                                    sampler_inverse_temperature=2.0)  # doctest: +SKIP
    >>> cold.passed()  # doctest: +SKIP
    False
    """
    key = _single_key(key)
    if not isinstance(network, Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    if network.couplings.ndim != 2:
        raise ValueError(f"network must be a single network, got couplings of shape {tuple(network.couplings.shape)}")
    dtype = network.dtype
    it = v.positive_scalar(inverse_temperature, "inverse_temperature", dtype=dtype)
    tau = v.positive_scalar(evidence_scale, "evidence_scale", dtype=dtype)
    sampler_it = it if sampler_inverse_temperature is None else (
        v.positive_scalar(sampler_inverse_temperature, "sampler_inverse_temperature", dtype=dtype))
    reps = v.count(n_replications, "n_replications", minimum=2)
    n_draws = v.count(n_posterior_draws, "n_posterior_draws", minimum=1)
    thin = v.count(thin, "thin", minimum=1)
    burn_in = v.count(burn_in, "burn_in", minimum=0)
    prior_sweeps = v.count(prior_sweeps, "prior_sweeps", minimum=1)
    if not isinstance(schedule, str) or schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    n_bins = check_bins(n_bins, n_draws, reps)
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be a bool, got {type(progress).__name__}")

    kernel = build_kernel(schedule, network=network) if schedule == "chromatic" else build_kernel(schedule)
    prior_kernel = build_kernel("sequential")
    prior_network = network.symmetrized()

    n = network.size
    chunk = max(1, min(reps, _CHUNK_ELEMENTS // (n_draws * n)))
    if progress:
        chunk = min(chunk, math.ceil(reps / 10))
    n_chunks = math.ceil(reps / chunk)
    keys = jax.random.split(key, reps)
    # every chunk runs ``chunk`` keys (the last padded with copies of the first), so one compilation serves all
    padded = jnp.concatenate([keys, jnp.repeat(keys[:1], n_chunks * chunk - reps, axis=0)])
    run = partial(_replications, network=network, prior_network=prior_network, it=it, sampler_it=sampler_it,
                  tau=tau, kernel=kernel, prior_kernel=prior_kernel, n_draws=n_draws, thin=thin,
                  burn_in=burn_in, prior_sweeps=prior_sweeps)

    def advance(carry, start, stop):
        return carry, jax.device_get(run(padded[start:start + chunk]))

    _, parts = run_in_chunks(advance, None, chunk_bounds(reps, chunk), desc="SBC", unit="rep",
                             progress=bool(progress))
    ranks, energy_ranks, sigma_star, evidence = (np.concatenate(a)[:reps] for a in zip(*parts))
    ranks, energy_ranks = ranks.astype(np.int64), energy_ranks.astype(np.int64)

    p_values, p_value = rank_uniformity(np.concatenate([ranks, energy_ranks[:, None]], axis=1), n_draws, n_bins)
    settings = {
        "network_size": n,
        "inverse_temperature": float(it),
        "evidence_scale": float(tau),
        "sampler_inverse_temperature": float(sampler_it),
        "schedule": schedule,
        "n_replications": reps,
        "n_posterior_draws": n_draws,
        "thin": thin,
        "burn_in": burn_in,
        "prior_sweeps": prior_sweeps,
        "dtype": str(np.dtype(dtype)),
    }
    return SBCResult(ranks, energy_ranks, n_draws, sigma_star, evidence, p_values, p_value, n_bins, settings)
