"""The computation of a validation: fepnet's schedules against NUTS references on one network, and SBC.

For one network and its evidence s, every chosen schedule of fepnet's sampler
runs ``n_chains`` chains; NUTS samples the Boltzmann posterior
p(sigma | s) ∝ exp(iT ((b + s)·sigma + 1/2 sigma^T Js sigma)) and, for the
synchronous schedule, also that chain's closed-form stationary density
pi_sync. When NUTS does not converge on the Boltzmann posterior (chains stuck
in different modes), parallel tempering replaces it as the reference.
:func:`diagnostics.compare` judges each (schedule, reference) pair, and
simulation-based calibration checks the exact Gibbs sampler on a small random
network (and a deliberately wrong one, at twice the inverse temperature).

:func:`run_validation` returns a :class:`ValidationResult`; it writes nothing.
:mod:`diagnostics.validation.summary` turns the result into JSON,
:mod:`diagnostics.validation.render` into figures, a report and terminal text.
"""

from __future__ import annotations

import dataclasses
import time

import jax
import numpy as np

import fepnet
from fepnet.infra import checks as v
from fepnet.infra.progress import progress_bar
from fepnet.stats import pearson

from ..compare import Comparison, compare, summarize
from ..convert import from_chains
from ..sbc import SBCResult, simulation_based_calibration
from .sampling import sample_reference, sample_schedule, sample_tempering

__all__ = ["EXACT_SCHEDULES", "SBC_NETWORK", "ValidationNetwork", "ValidationResult", "check_schedules",
           "run_validation", "validation_keys", "which_density"]

#: The schedules of :data:`fepnet.kernels.SCHEDULES` that are exact Gibbs samplers of the Boltzmann posterior for
#: symmetric J (``"synchronous"`` samples pi_sync); the summary reports the fastest of them (ESS per second).
EXACT_SCHEDULES = ("sequential", "random-scan", "chromatic")  # exact Gibbs samplers for symmetric J
#: The small random network that simulation-based calibration runs on: the arguments of ``fepnet.Network.random``
#: (``n`` nodes, ``coupling_scale``, ``bias_scale``) and the ``seed`` of its key; also written to the summary.
SBC_NETWORK = dict(n=8, coupling_scale=0.5, bias_scale=0.3, seed=0)  # the small network SBC calibrates on


@dataclasses.dataclass(frozen=True)
class ValidationNetwork:
    """A network to validate, the evidence it is cued with, and how both were made.

    Parameters
    ----------
    name : str
        A short name (report title, ``details.json``).
    network : fepnet.Network
        N nodes.
    evidence : numpy.ndarray
        (N,) the evidence s.
    inverse_temperature : float
        iT of the posterior.
    description : str
        How the network and the evidence were made, one sentence for the report.
    patterns : numpy.ndarray, optional
        (K, N) training patterns, to read the posterior means against.
    pattern_labels : tuple of str
        K labels of ``patterns``.
    grid_shape : tuple of int, optional
        Shape to draw states as images (and the coupling graph on a grid); None: no images.

    Examples
    --------
    >>> import jax, numpy as np, fepnet
    >>> from diagnostics.validation import ValidationNetwork
    >>> net = fepnet.Network.random(jax.random.key(0), 4)
    >>> vn = ValidationNetwork("tiny", net, np.zeros(4), 1.0, "a random 4-node network", grid_shape=None)
    >>> vn.network.size, vn.patterns is None
    (4, True)
    """

    name: str
    network: fepnet.Network
    evidence: np.ndarray
    inverse_temperature: float
    description: str
    patterns: np.ndarray | None = None
    pattern_labels: tuple = ()
    grid_shape: tuple | None = (8, 8)


@dataclasses.dataclass(frozen=True)
class ValidationResult:
    """Everything :func:`run_validation` measured.

    Attributes
    ----------
    network : ValidationNetwork
        What was validated.
    schedules : tuple of str
        The schedules, in ``fepnet.SCHEDULES`` order.
    runs : dict
        schedule -> InferenceData of fepnet's chains (n_chains, n_draws, N).
    nuts : dict
        "boltzmann" (and "pi_sync" with the synchronous schedule) -> NUTS InferenceData.
    nuts_summaries : dict
        The same keys -> :class:`~diagnostics.summary.SamplerSummary` of the NUTS runs.
    references : dict
        The same keys -> the reference InferenceData (NUTS, or parallel tempering for
        "boltzmann" when NUTS did not converge).
    reference_labels : dict
        "boltzmann" and "pi_sync" -> the reference sampler's name, e.g. "NUTS (Boltzmann)", "PT (Boltzmann)".
    comparisons : dict
        (schedule, "boltzmann" | "pi_sync") -> :class:`~diagnostics.compare.Comparison`, schedules in order.
    sbc, sbc_doubled_it : SBCResult or None
        SBC of the exact sequential Gibbs sampler, and of the same sampler at twice iT (None when skipped).
    pattern_correlations : dict or None
        Sampler label -> Pearson r of its posterior mean with each training pattern (None without patterns).
    settings : dict
        seed, chains, draws, burn_in, nuts_draws, nuts_warmup, sbc_replications.
    n_devices : int
        JAX devices the samplers ran on.
    wall_s : float
        Seconds the computation took.
    """

    network: ValidationNetwork
    schedules: tuple
    runs: dict
    nuts: dict
    nuts_summaries: dict
    references: dict
    reference_labels: dict
    comparisons: dict
    sbc: SBCResult | None
    sbc_doubled_it: SBCResult | None
    pattern_correlations: dict | None
    settings: dict
    n_devices: int
    wall_s: float


def validation_keys(seed: int) -> jax.Array:
    """The eight PRNG keys a validation derives from ``seed``: ``split(key(seed), 8)``.

    Key 0 builds the network and its evidence (the caller's part:
    :mod:`fepnet.paper.networks`), 1 the schedules' chains (schedule k gets
    ``fold_in(keys[1], k)``), 2 and 3 NUTS on the Boltzmann posterior and on
    pi_sync, 4 the comparisons' permutation tests, 5 SBC, 6 parallel tempering.

    Parameters
    ----------
    seed : int
        >= 0.

    Returns
    -------
    jax.Array
        (8,) typed PRNG keys.

    Raises
    ------
    TypeError, ValueError
        When ``seed`` is not an integer >= 0.

    Examples
    --------
    >>> from diagnostics.validation import validation_keys
    >>> validation_keys(0).shape
    (8,)
    """
    return jax.random.split(jax.random.key(v.count(seed, "seed")), 8)


def check_schedules(schedules) -> tuple:
    """A non-empty selection of ``fepnet.SCHEDULES`` (one name or several), in canonical order, no repeats.

    Parameters
    ----------
    schedules : str or iterable of str
        Schedule names (``"synchronous"``, ``"sequential"``, ``"random-scan"``, ``"chromatic"``).

    Returns
    -------
    tuple of str
        The selected schedules in ``fepnet.SCHEDULES`` order.

    Raises
    ------
    ValueError
        For an empty selection or an unknown schedule.

    Examples
    --------
    >>> from diagnostics.validation import check_schedules
    >>> check_schedules(["sequential", "synchronous", "sequential"])
    ('synchronous', 'sequential')
    >>> check_schedules("gibbs")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: schedules must be a non-empty selection of (...), got ('gibbs',)
    """
    if isinstance(schedules, str):
        schedules = (schedules,)
    schedules = tuple(schedules)
    bad = [s for s in schedules if s not in fepnet.SCHEDULES]
    if not schedules or bad:
        raise ValueError(f"schedules must be a non-empty selection of {fepnet.SCHEDULES}, got {schedules!r}")
    return tuple(s for s in fepnet.SCHEDULES if s in schedules)


def which_density(vs_boltzmann: Comparison, vs_pi_sync: Comparison) -> str:
    r"""What the synchronous chain samples, from its two comparisons.

    The Boltzmann posterior :math:`p(\sigma \mid s) \propto \exp(iT((b + s)\cdot\sigma + \tfrac12 \sigma^T J_s \sigma))`
    or the synchronous chain's own stationary density :math:`\pi_{sync}`: whichever comparison's verdict
    is "consistent".

    Parameters
    ----------
    vs_boltzmann : diagnostics.compare.Comparison
        The synchronous chain against the Boltzmann reference.
    vs_pi_sync : diagnostics.compare.Comparison
        The same chain against NUTS on :math:`\pi_{sync}`.

    Returns
    -------
    str
        "pi_sync" (consistent with pi_sync only), "boltzmann" (with the Boltzmann
        posterior only), "indistinguishable" (with both) or "neither".

    Examples
    --------
    Only the verdicts are read:

    >>> from types import SimpleNamespace as C
    >>> from diagnostics.validation import which_density
    >>> which_density(C(verdict="inconsistent"), C(verdict="consistent"))
    'pi_sync'
    >>> which_density(C(verdict="consistent"), C(verdict="consistent"))
    'indistinguishable'
    """
    b, s = vs_boltzmann.verdict == "consistent", vs_pi_sync.verdict == "consistent"
    return {(False, True): "pi_sync", (True, False): "boltzmann", (True, True): "indistinguishable"}.get((b, s), "neither")


def _pattern_r(mean, patterns) -> list:
    """Pearson r of a posterior mean (N,) with each pattern (K, N)."""
    return [pearson(mean, p) for p in patterns]


def _pattern_correlations(vn: ValidationNetwork, schedules, comparisons, labels) -> dict | None:
    """Sampler label -> Pearson r of its posterior mean with each training pattern (the reference(s) first)."""
    if vn.patterns is None:
        return None
    first = comparisons[(schedules[0], "boltzmann")]
    rows = {labels["boltzmann"]: _pattern_r(first.reference_mean, vn.patterns)}
    if ("synchronous", "pi_sync") in comparisons:
        rows["NUTS (pi_sync)"] = _pattern_r(comparisons[("synchronous", "pi_sync")].reference_mean, vn.patterns)
    rows.update({s: _pattern_r(comparisons[(s, "boltzmann")].mean, vn.patterns) for s in schedules})
    return rows


def run_validation(
    network: ValidationNetwork,
    schedules=fepnet.SCHEDULES,
    *,
    seed: int = 0,
    n_chains: int = 4,
    n_draws: int = 10_000,
    burn_in: int = 1_000,
    n_nuts_draws: int | None = None,
    n_nuts_warmup: int = 1_000,
    n_sbc_replications: int = 200,
    progress: bool = True,
) -> ValidationResult:
    """Sample ``network``'s posterior with each schedule and with the references; compare; run SBC.

    Parameters
    ----------
    network : ValidationNetwork
        The network, its evidence and iT.
    schedules : str or sequence of str
        A selection of ``fepnet.SCHEDULES`` (run in that order).
    seed : int
        The keys are :func:`validation_keys` (seed) (key 0, the network's, unused here).
    n_chains : int
        Chains per sampler (>= 2).
    n_draws : int
        Draws per chain of fepnet's schedules (>= 100) and, by default, of NUTS.
    burn_in : int
        Discarded steps of fepnet's chains (and sweeps of parallel tempering).
    n_nuts_draws : int, optional
        NUTS (and parallel-tempering) draws per chain (default ``n_draws``).
    n_nuts_warmup : int
        NUTS warm-up steps.
    n_sbc_replications : int
        SBC replications on the network :data:`SBC_NETWORK`; 0 skips SBC.
    progress : bool
        A progress bar over the stages.

    Returns
    -------
    ValidationResult
        Fields ``network``, ``schedules``, ``runs``, ``nuts``, ``nuts_summaries``, ``references``,
        ``reference_labels``, ``comparisons``, ``sbc``, ``sbc_doubled_it``, ``pattern_correlations``,
        ``settings``, ``n_devices``, ``wall_s``.

    Raises
    ------
    TypeError, ValueError
        For a bad network, schedule or setting.

    Examples
    --------
    A reduced run on the random network (1.5 to 2.5 minutes on a busy 2-core CPU: NUTS and parallel
    tempering compile; not run as a doctest):

    >>> import jax
    >>> from diagnostics.validation import run_validation, validation_keys
    >>> from fepnet.paper.networks import validation_network
    >>> vn = validation_network("random", validation_keys(0)[0])  # doctest: +SKIP
    >>> r = run_validation(vn, "sequential", n_draws=200, burn_in=50, n_nuts_warmup=100,
    ...                    n_sbc_replications=0, progress=False)  # doctest: +SKIP
    >>> r.comparisons[("sequential", "boltzmann")].verdict  # doctest: +SKIP
    'consistent'
    """
    if not isinstance(network, ValidationNetwork):
        raise TypeError(f"network must be a ValidationNetwork (fepnet.paper.networks builds the named ones), "
                        f"got {type(network).__name__}")
    keys = validation_keys(seed)
    schedules = check_schedules(schedules)
    n_chains = v.count(n_chains, "n_chains", minimum=2)
    n_draws = v.count(n_draws, "n_draws", minimum=100)
    burn_in = v.count(burn_in, "burn_in")
    n_nuts_draws = n_draws if n_nuts_draws is None else v.count(n_nuts_draws, "n_nuts_draws", minimum=100)
    n_nuts_warmup = v.count(n_nuts_warmup, "n_nuts_warmup", minimum=1)
    n_sbc_replications = v.count(n_sbc_replications, "n_sbc_replications")
    t_start = time.perf_counter()
    net, ev, it = network.network, network.evidence, network.inverse_temperature

    stages = len(schedules) + 1 + ("synchronous" in schedules) + 1 + (n_sbc_replications > 0)
    with progress_bar(stages, "validate", unit="stage", enable=progress) as bar:

        def stage(text):
            bar.set_postfix_str(text, refresh=True)

        runs = {}
        for k, schedule in enumerate(schedules):
            stage(f"sampling ({schedule})")
            x, wall = sample_schedule(jax.random.fold_in(keys[1], k), net, ev, it, schedule,
                                      n_chains=n_chains, n_draws=n_draws, burn_in=burn_in)
            runs[schedule] = from_chains(x, network=net, evidence=ev, inverse_temperature=it, schedule=schedule,
                                         wall_s=wall)
            bar.update(1)
        stage("NUTS (Boltzmann)")
        nuts = {"boltzmann": sample_reference(keys[2], net, ev, it, "boltzmann", n_chains=n_chains,
                                              n_draws=n_nuts_draws, n_warmup=n_nuts_warmup)[0]}
        bar.update(1)
        if "synchronous" in schedules:
            stage("NUTS (pi_sync)")
            nuts["pi_sync"] = sample_reference(keys[3], net, ev, it, "synchronous", n_chains=n_chains,
                                               n_draws=n_nuts_draws, n_warmup=n_nuts_warmup)[0]
            bar.update(1)
        nuts_summaries = {name: summarize(data, f"NUTS ({name})") for name, data in nuts.items()}
        refs, ref_summary = dict(nuts), dict(nuts_summaries)
        labels = {"boltzmann": "NUTS (Boltzmann)", "pi_sync": "NUTS (pi_sync)"}
        if not nuts_summaries["boltzmann"].converged:
            # NUTS stuck in separate modes of a multimodal posterior: use replica exchange instead
            bar.total += 1
            stage("parallel tempering (Boltzmann)")
            refs["boltzmann"], _ = sample_tempering(keys[6], net, ev, it, n_chains=n_chains, n_draws=n_nuts_draws,
                                                    burn_in=burn_in)
            ref_summary["boltzmann"] = summarize(refs["boltzmann"], "PT (Boltzmann)")
            labels["boltzmann"] = "PT (Boltzmann)"
            bar.update(1)

        stage("comparing")
        comparisons = {}
        for schedule, data in runs.items():
            for name in ("boltzmann", "pi_sync") if schedule == "synchronous" else ("boltzmann",):
                comparisons[(schedule, name)] = compare(
                    data, refs[name], key=keys[4], network=net, evidence=ev, reference_summary=ref_summary[name],
                    names=(schedule, labels[name]))
        bar.update(1)

        sbc = sbc_doubled_it = None
        if n_sbc_replications:
            stage("SBC")
            sbc_net = fepnet.Network.random(jax.random.key(SBC_NETWORK["seed"]), SBC_NETWORK["n"],
                                            coupling_scale=SBC_NETWORK["coupling_scale"],
                                            bias_scale=SBC_NETWORK["bias_scale"])
            sbc = simulation_based_calibration(keys[5], sbc_net, n_replications=n_sbc_replications)
            sbc_doubled_it = simulation_based_calibration(keys[5], sbc_net, n_replications=n_sbc_replications,
                                                          sampler_inverse_temperature=2.0)
            bar.update(1)

    return ValidationResult(
        network=network,
        schedules=schedules,
        runs=runs,
        nuts=nuts,
        nuts_summaries=nuts_summaries,
        references=refs,
        reference_labels=labels,
        comparisons=comparisons,
        sbc=sbc,
        sbc_doubled_it=sbc_doubled_it,
        pattern_correlations=_pattern_correlations(network, schedules, comparisons, labels),
        settings=dict(seed=v.count(seed, "seed"), chains=n_chains, draws=n_draws, burn_in=burn_in,
                      nuts_draws=n_nuts_draws, nuts_warmup=n_nuts_warmup, sbc_replications=n_sbc_replications),
        n_devices=len(jax.devices()),
        wall_s=time.perf_counter() - t_start,
    )
