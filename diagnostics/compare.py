"""Compare an emergent sampler with a reference: are they sampling the same posterior, and how fast?

Given two sets of node-state samples x (chains, draws, N) and y (the
reference, e.g. NUTS), :func:`compare` measures, each with a verdict::

    means          z_i = (mean x_i - mean y_i) / sqrt(MCSE_x,i^2 + MCSE_y,i^2)   (inference.mcse)
                   passes when max_i |z_i| < z_threshold (4.5 by default)
    second moments z_ij for every central moment E[(s_i - m_i)(s_j - m_j)], i <= j
                   (variances on the diagonal, covariances off it), standard
                   errors by batch means; passes when max |z_ij| stays below the
                   Bonferroni bound at family-wise level ``alpha`` for N(N+1)/2 tests
    energy         z for the mean network energy E(sigma) = -((b+s)·sigma + 1/2 sigma^T Js sigma),
                   one number that weighs every correlation by its coupling (needs the network)
    distribution   energy-distance two-sample test on draws thinned to about one
                   per effective sample, permutation p-value > ``alpha``

and reports variance ratios var x_i / var y_i, the correlation-matrix distance
``1 - tr(Rx Ry) / (||Rx||_F ||Ry||_F)`` (Herdin et al. 2005), the largest
correlation difference, R-hat and bulk / tail ESS of each sampler, and ESS per
second. The overall verdict is "consistent" when every test passes and
"biased" otherwise, or "cannot judge" when a test's statistic is undefined (an MCSE
whose ESS estimate is not positive, in short chains; see ``undetermined``);
``converged`` says whether both samplers' R-hat < 1.01 and bulk ESS >= 400 (if not,
read the verdict with care). Each sample set needs at least ``MIN_CHAINS`` = 2 chains
of ``MIN_DRAWS`` = 4 draws: ArviZ's minimum for R-hat (split chains, a variance with
1 degree of freedom per half), also enough for its ESS and for batch means. The summaries of
each sample set (R-hat, ESS, moments) and the correlation-matrix distance are computed by
:mod:`diagnostics.summary`.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
from scipy import stats

import fepnet
from fepnet.infra import checks as v
from inference.monte_carlo import mcse, z_score

from ._arviz import az
from .convert import network_energy
from .summary import ESS_MIN, MIN_CHAINS, MIN_DRAWS, RHAT_MAX  # noqa: F401  (re-exported: were defined here)
from .summary import (SamplerSummary, _attr, _batch_second_moments, _correlation, _judgeable,
                      correlation_matrix_distance, summarize)
from .two_sample import EnergyDistanceTest, energy_distance_test, thin_to_independent

__all__ = ["Comparison", "SamplerSummary", "compare", "summarize", "second_moment_z_scores",
           "correlation_matrix_distance"]


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Everything :func:`compare` measured; arrays are float64 NumPy, per node (N,) or per pair (N, N).

    Attributes
    ----------
    sampler, reference : SamplerSummary
        Convergence and speed of each sample set.
    mean, reference_mean : numpy.ndarray
        (N,) the means of each node.
    mean_mcse, reference_mean_mcse : numpy.ndarray
        (N,) their Monte-Carlo standard errors (:func:`inference.monte_carlo.mcse`).
    mean_z : numpy.ndarray
        (N,) ``(mean - reference_mean) / sqrt(mean_mcse^2 + reference_mean_mcse^2)``.
    variance_ratio : numpy.ndarray
        (N,) ``var x_i / var y_i`` (inf where the reference is constant).
    second_moment_z : numpy.ndarray
        (N, N) z-scores of the central second moments (:func:`second_moment_z_scores`).
    second_moment_threshold : float
        Their Bonferroni bound.
    correlation, reference_correlation : numpy.ndarray
        (N, N) correlation matrices (a constant node counts as uncorrelated).
    correlation_distance : float
        :func:`correlation_matrix_distance` of the two.
    energy_mean, reference_energy_mean, reference_energy_sd : float or None
        The mean network energy of each set and the reference's standard deviation (None without a
        network).
    energy_z : float or None
        z of the energy difference (MCSEs combined in quadrature).
    energy_distance : EnergyDistanceTest
        The permutation test on draws thinned to about one per effective sample.
    z_threshold, alpha : float
        The settings the verdicts used.
    passed : dict
        ``{"means", "second_moments", "energy" (with a network), "distribution"}`` to bool.

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.compare import compare
    >>> rng = np.random.default_rng(0)
    >>> c = compare(rng.uniform(-1, 1, (2, 200, 2)), rng.uniform(-1, 1, (2, 200, 2)), n_permutations=99)
    >>> c.verdict, sorted(c.passed), c.mean_z.shape
    ('consistent', ['distribution', 'means', 'second_moments'], (2,))
    """

    sampler: SamplerSummary
    reference: SamplerSummary
    mean: np.ndarray
    reference_mean: np.ndarray
    mean_mcse: np.ndarray
    reference_mean_mcse: np.ndarray
    mean_z: np.ndarray
    variance_ratio: np.ndarray
    second_moment_z: np.ndarray
    second_moment_threshold: float
    correlation: np.ndarray
    reference_correlation: np.ndarray
    correlation_distance: float
    energy_mean: float | None
    reference_energy_mean: float | None
    reference_energy_sd: float | None
    energy_z: float | None
    energy_distance: EnergyDistanceTest
    z_threshold: float
    alpha: float
    passed: dict  # quantity -> bool

    @property
    def undetermined(self) -> tuple:
        """The tests whose statistic is undefined (NaN): an MCSE without a positive ESS estimate."""
        stats_ = {"means": self.mean_z, "second_moments": self.second_moment_z,
                  "energy": 0.0 if self.energy_z is None else self.energy_z,
                  "distribution": self.energy_distance.p_value}
        return tuple(k for k, x in stats_.items() if np.any(np.isnan(np.asarray(x, np.float64))))

    @property
    def verdict(self) -> str:
        """"cannot judge" if a statistic is undefined, else "consistent" if every test passed, else "biased"."""
        if self.undetermined:
            return "cannot judge"
        return "consistent" if all(self.passed.values()) else "biased"

    @property
    def converged(self) -> bool:
        """Both sample sets converged (R-hat < 1.01, bulk ESS >= 400); if not, read the verdict with care."""
        return self.sampler.converged and self.reference.converged

    @property
    def max_abs_z(self) -> float:
        """Largest ``abs(z)`` of the per-node means (NaN if one is undefined, never inf for an undefined MCSE)."""
        return float(np.max(np.abs(self.mean_z)))

    @property
    def var_ratio_range(self) -> tuple[float, float]:
        """(smallest, largest) variance ratio over nodes."""
        return float(np.min(self.variance_ratio)), float(np.max(self.variance_ratio))

    @property
    def max_abs_correlation_difference(self) -> float:
        """The largest absolute difference of a pair correlation, i < j (0 for one node)."""
        d = np.abs(self.correlation - self.reference_correlation)
        return float(np.max(d[np.triu_indices_from(d, 1)])) if d.shape[0] > 1 else 0.0

    def to_dict(self) -> dict:
        """The headline numbers as plain JSON-able Python values.

        Returns
        -------
        dict
            verdict, passed, undetermined, converged, max_abs_z, z_threshold,
            max_abs_mean_difference, var_ratio_range, max_abs_second_moment_z,
            second_moment_threshold, correlation_distance, max_abs_correlation_difference, the
            energy statistics, energy_distance and its p-value, alpha, both SamplerSummary as
            dicts, and both ESS per second.
        """
        def f(x):
            return None if x is None else float(x)

        return {
            "verdict": self.verdict,
            "passed": {k: bool(val) for k, val in self.passed.items()},
            "undetermined": list(self.undetermined),
            "converged": bool(self.converged),
            "max_abs_z": self.max_abs_z,
            "z_threshold": float(self.z_threshold),
            "max_abs_mean_difference": float(np.max(np.abs(self.mean - self.reference_mean))),
            "var_ratio_range": list(self.var_ratio_range),
            "max_abs_second_moment_z": float(np.max(np.abs(self.second_moment_z))),
            "second_moment_threshold": float(self.second_moment_threshold),
            "correlation_distance": float(self.correlation_distance),
            "max_abs_correlation_difference": self.max_abs_correlation_difference,
            "energy_mean": f(self.energy_mean),
            "reference_energy_mean": f(self.reference_energy_mean),
            "energy_difference_in_sd": (None if self.energy_z is None else
                                        float((self.energy_mean - self.reference_energy_mean) / self.reference_energy_sd)),
            "energy_z": f(self.energy_z),
            "energy_distance": float(self.energy_distance.statistic),
            "energy_distance_p": float(self.energy_distance.p_value),
            "alpha": float(self.alpha),
            "sampler": dataclasses.asdict(self.sampler),
            "reference": dataclasses.asdict(self.reference),
            "ess_per_s": f(self.sampler.ess_per_s),
            "reference_ess_per_s": f(self.reference.ess_per_s),
        }


# --- statistics -----------------------------------------------------------------------------------


def second_moment_z_scores(samples, reference, alpha: float = 0.01):
    """z-scores of the differences of all central second moments, (N, N), and their Bonferroni bound.

    ``z_ij = (C^x_ij - C^y_ij) / sqrt(se^x_ij^2 + se^y_ij^2)`` with
    ``C_ij = mean((s_i - m_i)(s_j - m_j))``, each sample set centred at its own mean and the
    standard errors by batch means (about sqrt(draws) batches per chain of about sqrt(draws)
    draws). Under equal distributions each z_ij is roughly Student-t with (batches - 1) degrees
    of freedom; the bound is that t quantile at two-sided level ``alpha / (N (N + 1) / 2)``.

    Parameters
    ----------
    samples, reference : array_like, InferenceData or NUTSResult
        Node states (chains >= 2, draws >= 4, N) in [-1, 1], the same N.
    alpha : float, optional
        Family-wise level of the bound (default 0.01).

    Returns
    -------
    z : numpy.ndarray
        (N, N) symmetric z-scores, variances on the diagonal.
    bound : float
        The Bonferroni bound on ``max abs(z)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`summarize` for ``samples`` and ``reference``.

    Examples
    --------
    Uniform draws against draws with half the spread: the variances differ (z far beyond the bound).

    >>> import numpy as np
    >>> from diagnostics.compare import second_moment_z_scores
    >>> rng = np.random.default_rng(0)
    >>> z, bound = second_moment_z_scores(rng.uniform(-1, 1, (2, 400, 2)), rng.uniform(-0.5, 0.5, (2, 400, 2)))
    >>> z.shape, bool(np.all(z.diagonal() > bound)), round(bound, 2)
    ((2, 2), True, 3.13)
    """
    x, y = _judgeable(samples, "samples"), _judgeable(reference, "reference")
    cx, sx, bx = _batch_second_moments(x, x.mean(axis=(0, 1)))
    cy, sy, by = _batch_second_moments(y, y.mean(axis=(0, 1)))
    n = x.shape[2]
    df = min(bx, by) - 1
    bound = float(stats.t.isf(alpha / (n * (n + 1)), df))  # two-sided: alpha / 2 per tail, m = n(n+1)/2
    return z_score(cx - cy, np.sqrt(sx**2 + sy**2)), bound


# --- the comparison -------------------------------------------------------------------------------


def _network_from(data):
    if isinstance(data, az.InferenceData) and "constant_data" in data.groups():
        cd = data.constant_data
        if "couplings" in cd and "biases" in cd:
            net = fepnet.Network(cd["couplings"].values, cd["biases"].values)
            ev = cd["evidence"].values if "evidence" in cd else None
            return net, ev
    return None, None


def compare(
    samples,
    reference,
    *,
    key=None,
    network: fepnet.Network | None = None,
    evidence=None,
    wall_s=None,
    reference_wall_s=None,
    reference_summary: SamplerSummary | None = None,
    names=("network", "reference"),
    z_threshold: float = 4.5,
    alpha: float = 0.01,
    n_permutations: int = 1000,
    max_points: int = 1000,
) -> Comparison:
    """Compare ``samples`` with ``reference`` (arrays (chains, draws, N), InferenceData or NUTSResult).

    Four tests, each with a verdict (module docstring): the means (``max_i abs(z_i) <
    z_threshold``), the central second moments (Bonferroni bound at level ``alpha``), the mean
    network energy ``E(sigma) = -((b + e)·sigma + 1/2 sigma^T Js sigma)`` (with a network; two-sided
    level ``alpha``) and the energy-distance permutation test (p > ``alpha``), plus R-hat, ESS,
    ESS per second, variance ratios and correlation distances.

    Parameters
    ----------
    samples : array_like, InferenceData or NUTSResult
        The sampler under test: node states (chains >= 2, draws >= 4, N) in [-1, 1].
    reference : array_like, InferenceData or NUTSResult
        The reference, same N.
    key : jax.Array, optional
        Seeds the permutation test (default: a fixed key, so the result is reproducible).
    network : fepnet.Network, optional
        The posterior's network (only the symmetric part enters the energy), for the energy test;
        taken from the InferenceData's constant data when not given.
    evidence : array_like of shape (N,), optional
        The evidence e of the posterior (likewise).
    wall_s, reference_wall_s : float, optional
        Sampling seconds for ESS per second (default: the InferenceData attributes).
    reference_summary : SamplerSummary, optional
        The reference's :func:`summarize`, if already computed.
    names : pair of str, optional
        Names of (sampler, reference) (default ("network", "reference")).
    z_threshold : float, optional
        Bound on the largest ``abs(z)`` of the means (default 4.5).
    alpha : float, optional
        Level of the other tests, in (0, 1) (default 0.01).
    n_permutations : int, optional
        Relabellings of the energy-distance test (default 1000).
    max_points : int, optional
        At most this many thinned draws per set enter the energy-distance test (default 1000).

    Returns
    -------
    Comparison
        Every statistic, the per-test ``passed`` dict and the ``verdict`` ("consistent",
        "biased" or "cannot judge").

    Raises
    ------
    TypeError
        Samples that are not real numbers; ``network`` not a Network; ``reference_summary`` not a
        SamplerSummary; ``key`` not a PRNG key.
    ValueError
        Samples not (chains, draws, N) in [-1, 1] and finite, or fewer than ``MIN_CHAINS`` = 2 chains
        of ``MIN_DRAWS`` = 4 draws (too few to judge); node counts that differ; ``z_threshold`` not
        positive, ``alpha`` not in (0, 1); ``names`` not two; a ``reference_summary`` of another shape.

    Examples
    --------
    A sampler that is too cold (draws concentrated towards 0 here) against uniform reference draws:

    >>> import numpy as np
    >>> from diagnostics.compare import compare
    >>> rng = np.random.default_rng(1)
    >>> ref = rng.uniform(-1, 1, (2, 300, 2))
    >>> c = compare(0.7 * rng.uniform(-1, 1, (2, 300, 2)), ref, n_permutations=99)
    >>> c.verdict, c.passed["means"], c.passed["second_moments"]
    ('biased', True, False)
    >>> [round(r, 2) for r in c.var_ratio_range]
    [0.48, 0.49]
    """
    x = _judgeable(samples, "samples")
    y = _judgeable(reference, "reference")
    if x.shape[2] != y.shape[2]:
        raise ValueError(f"samples have {x.shape[2]} nodes but reference has {y.shape[2]}")
    z_threshold = float(v.positive_scalar(z_threshold, "z_threshold"))
    alpha = float(v.positive_scalar(alpha, "alpha"))
    if alpha >= 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    if len(names) != 2:
        raise ValueError(f"names must hold two names (sampler, reference), got {names!r}")
    key = jax.random.key(0) if key is None else v.prng_key(key)
    wall_s = _attr(samples, "wall_s") if wall_s is None else wall_s
    reference_wall_s = _attr(reference, "wall_s") if reference_wall_s is None else reference_wall_s
    if network is None:
        network, ev_from_data = _network_from(samples)
        if network is None:
            network, ev_from_data = _network_from(reference)
        evidence = ev_from_data if evidence is None else evidence
    elif not isinstance(network, fepnet.Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    if network is not None and network.size != x.shape[2]:
        raise ValueError(f"samples have {x.shape[2]} nodes but network has {network.size}")

    sx = summarize(x, names[0], wall_s)
    if reference_summary is None:
        sy = summarize(y, names[1], reference_wall_s)
    elif not isinstance(reference_summary, SamplerSummary):
        raise TypeError(f"reference_summary must be a SamplerSummary, got {type(reference_summary).__name__}")
    elif (reference_summary.chains, reference_summary.draws) != y.shape[:2]:
        raise ValueError(f"reference_summary is for {reference_summary.chains} x {reference_summary.draws} draws, "
                         f"but reference has {y.shape[0]} x {y.shape[1]}")
    else:
        sy = dataclasses.replace(reference_summary, name=names[1])
    mx, my = x.mean(axis=(0, 1)), y.mean(axis=(0, 1))
    mcse_x, mcse_y = mcse(x), mcse(y)
    mean_z = z_score(mx - my, np.sqrt(mcse_x**2 + mcse_y**2))
    with np.errstate(divide="ignore", invalid="ignore"):
        vy = y.var(axis=(0, 1))
        var_ratio = np.where(vy > 0, x.var(axis=(0, 1)) / np.where(vy > 0, vy, 1.0), np.inf)
    pair_z, pair_bound = second_moment_z_scores(x, y, alpha)
    rx, ry = _correlation(x), _correlation(y)

    passed = {
        "means": bool(np.max(np.abs(mean_z)) < z_threshold),
        "second_moments": bool(np.max(np.abs(pair_z)) < pair_bound),
    }
    e_mean = e_ref = e_sd = e_z = None
    if network is not None:
        ex, ey = network_energy(network, x, evidence), network_energy(network, y, evidence)
        e_mean, e_ref, e_sd = float(ex.mean()), float(ey.mean()), float(ey.std())
        e_z = float(z_score(np.float64(e_mean - e_ref), np.sqrt(mcse(ex) ** 2 + mcse(ey) ** 2)))
        passed["energy"] = bool(abs(e_z) < float(stats.norm.isf(alpha / 2)))
    ed = energy_distance_test(
        key,
        thin_to_independent(x, max_points, ess=max(sx.ess_bulk_min, 2.0)),
        thin_to_independent(y, max_points, ess=max(sy.ess_bulk_min, 2.0)),
        n_permutations=n_permutations,
    )
    passed["distribution"] = bool(ed.p_value > alpha)
    return Comparison(
        sampler=sx,
        reference=sy,
        mean=mx,
        reference_mean=my,
        mean_mcse=mcse_x,
        reference_mean_mcse=mcse_y,
        mean_z=mean_z,
        variance_ratio=var_ratio,
        second_moment_z=pair_z,
        second_moment_threshold=pair_bound,
        correlation=rx,
        reference_correlation=ry,
        correlation_distance=correlation_matrix_distance(rx, ry),
        energy_mean=e_mean,
        reference_energy_mean=e_ref,
        reference_energy_sd=e_sd,
        energy_z=e_z,
        energy_distance=ed,
        z_threshold=z_threshold,
        alpha=alpha,
        passed=passed,
    )
