"""The paper's four simulations as functions of a PRNG key (its Section 3 protocols), with the published numbers.

Each ``simulationN(key, ...)`` runs one independent replicate with the
published protocol and returns a result whose ``metrics`` dict uses the keys of
``PUBLISHED[simN]``; the rest of the result (networks, attractors, score runs,
traces) is what the figures show. Keyword arguments shrink a run for smoke
tests; their defaults are the published protocol. The measurements these runs make are in
:mod:`fepnet.paper.analysis` (re-exported here).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .analysis import attractor_starts, paper_attractors, sequence_order_score, upper_triangle_correlation
from .protocols import NETWORKS, SCORING, SIM1, SIM2, SIM3, SIM4, SYM_MATCH_THRESHOLD
from ..attractors import Attractors, symmetric_fixed_points
from ..data import load_bars, load_digits
from ..geometry import orthogonality, pairwise_correlations
from ..kernels import build_kernel, init_state, kernel_params
from ..network import Network
from ..chain import run
from ..scores import ScoreResult, generalization_score, retrieval_score
from ..training import TrainResult, free_run, train

__all__ = [
    "attractor_starts",
    "paper_attractors",
    "upper_triangle_correlation",
    "sequence_order_score",
    "simulation1",
    "simulation2",
    "simulation3",
    "simulation4",
    "Sim1Result",
    "Sim2Network",
    "Sim2Result",
    "Sim3Result",
    "Sim4Result",
]


def _keys(key, n):
    return jax.random.split(key, n)


# --- Simulation 1 --------------------------------------------------------------
class Sim1Result(NamedTuple):
    """The result of :func:`simulation1`.

    Attributes
    ----------
    metrics : dict
        ``train_corr`` (correlation of the two training bars) and ``attractor_corr`` (of the two
        attractors reached from them); the keys of ``PUBLISHED["sim1"]``.
    training : fepnet.TrainResult
        The training run (with its free-energy terms).
    attractors : fepnet.Attractors
        :func:`paper_attractors` of the trained network.
    retrieval : fepnet.ScoreResult
        Retrieval score on noisy bars.
    generalization : fepnet.ScoreResult
        Generalisation score on a noisy unseen cross.
    trajectory : jax.Array, shape (200, 25)
        One chain's states, 100 steps cued by a noisy bar then 100 by a noisy cross.
    """
    metrics: dict
    training: TrainResult
    attractors: Attractors
    retrieval: ScoreResult  # noisy bars, cycled
    generalization: ScoreResult  # noisy unseen cross
    trajectory: jax.Array  # (T, N) states while evoked by a noisy bar, then a noisy cross


def simulation1(key, *, n_epochs: int = SIM1["n_epochs"], n_trials: int = 10, progress: bool = False) -> Sim1Result:
    """The paper's Simulation 1: an orthogonal basis learnt from two correlated bars.

    25 nodes, evidence level 30, iT 0.1, learning rate 0.01, 500 epochs of 10 steps; the two
    training bars correlate at 0.77 while the attractors the network forms are near orthogonal
    (published -0.19).

    Parameters
    ----------
    key : jax.Array
        PRNG key (split into training, retrieval, generalisation and trajectory keys).
    n_epochs : int
        Training epochs (default 500, the published protocol).
    n_trials : int
        Noisy cues per score (default 10).
    progress : bool
        Show a progress bar during training.

    Returns
    -------
    Sim1Result
        Fields ``metrics``, ``training``, ``attractors``, ``retrieval``, ``generalization``, ``trajectory``.

    Raises
    ------
    TypeError, ValueError
        For a bad key or count (from :func:`fepnet.train`).

    Examples
    --------
    A reduced run (about 20 s on a 2-core CPU, mostly compilation; not run as a doctest):

    >>> import jax
    >>> from fepnet.paper.simulations import simulation1
    >>> r = simulation1(jax.random.key(0), n_epochs=2, n_trials=2)  # doctest: +SKIP
    >>> sorted(r.metrics)  # doctest: +SKIP
    ['attractor_corr', 'train_corr']
    """
    bars = load_bars()
    k_train, k_ret, k_gen, k_traj = _keys(key, 4)
    level = SIM1["evidence_level"]
    result = train(k_train, bars.train, n_epochs=n_epochs, steps_per_epoch=SIM1["steps_per_epoch"],
                   inverse_temperature=SIM1["inverse_temperature"], learning_rate=SIM1["learning_rate"],
                   evidence_level=level, free_energy=True, progress=progress)
    net = result.network
    att = paper_attractors(net, bars.train, level)
    reached = att.states[att.label]  # the attractor reached from each bar
    metrics = {
        "train_corr": float(np.asarray(pairwise_correlations(bars.train))[0, 1]),
        "attractor_corr": float(np.asarray(pairwise_correlations(reached))[0, 1]),
    }
    scoring = dict(evidence_level=level, n_trials=n_trials, n_steps=SCORING["n_steps"], scale=SCORING["scale"])
    ret = retrieval_score(k_ret, net, bars.train, **scoring)
    gen = generalization_score(k_gen, net, bars.cross[None], **scoring)
    # A single chain evoked by a noisy bar, then by a noisy cross: how it moves between attractors.
    kernel = build_kernel("synchronous")
    k1, k2 = _keys(k_traj, 2)
    s, bar_run = run(kernel, k1, init_state(net), kernel_params(net, 1.0, ret.cues.noisy[0]), 100, trace=True)
    _, cross_run = run(kernel, k2, s, kernel_params(net, 1.0, gen.cues.noisy[0]), 100, trace=True)
    return Sim1Result(metrics, result, att, ret, gen, jnp.concatenate([bar_run, cross_run]))


# --- Simulation 2 --------------------------------------------------------------
class Sim2Network(NamedTuple):
    """One named network of :func:`simulation2`.

    Attributes
    ----------
    training : fepnet.TrainResult
        The training run.
    attractors : fepnet.Attractors
        :func:`paper_attractors` of the trained network.
    retrieval : fepnet.ScoreResult
        Retrieval score on noisy training digits.
    generalization : fepnet.ScoreResult
        Generalisation score on noisy unseen digits.
    """
    training: TrainResult
    attractors: Attractors
    retrieval: ScoreResult
    generalization: ScoreResult


class Sim2Result(NamedTuple):
    """The result of :func:`simulation2`.

    Attributes
    ----------
    metrics : dict
        name -> {``retrieval``, ``generalization``, ``n_attractors``, ``orthogonality``}, plus
        ``orthogonality_data`` (of the training digits); the keys of ``PUBLISHED["sim2"]``.
    networks : dict
        name -> :class:`Sim2Network`.
    """
    metrics: dict
    networks: dict  # name -> Sim2Network


def _train_named(key, digits, name, n_epochs, progress):
    level, it = NETWORKS[name]
    return train(key, digits.train, n_epochs=n_epochs, steps_per_epoch=SIM2["steps_per_epoch"],
                 inverse_temperature=it, learning_rate=SIM2["learning_rate"], evidence_level=level,
                 order="random", progress=progress)


def _scores(key, network, digits, level, n_trials):
    k_ret, k_gen = _keys(key, 2)
    kw = dict(evidence_level=level, n_trials=n_trials, n_steps=SCORING["n_steps"],
              inverse_temperature=SCORING["inverse_temperature"], scale=SCORING["scale"])
    return retrieval_score(k_ret, network, digits.train, **kw), generalization_score(k_gen, network, digits.test, **kw)


def simulation2(key, *, names=tuple(NETWORKS), n_epochs: int = SIM2["n_epochs"],
                n_trials: int = SCORING["n_trials"], progress: bool = False) -> Sim2Result:
    """The paper's Simulation 2: the named digits networks (balanced, high and low complexity).

    Each network trains on the 10 training digits (8 x 8, N = 64) at its (evidence level, iT) of
    ``NETWORKS`` (balanced (11, 0.1668), high (16, 0.359), low (6, 0.0278)), learning rate 0.001,
    5000 epochs of 10 steps in random order; then its attractors and its retrieval and
    generalisation scores (median over noisy cues).

    Parameters
    ----------
    key : jax.Array
        PRNG key (one sub-key per network).
    names : sequence of str
        Which of ``NETWORKS`` to run (default all three).
    n_epochs : int
        Training epochs (default 5000).
    n_trials : int
        Noisy cues per score (default 100).
    progress : bool
        Show a progress bar during training.

    Returns
    -------
    Sim2Result
        Fields ``metrics`` and ``networks``.

    Raises
    ------
    KeyError
        For a name not in ``NETWORKS``.
    TypeError, ValueError
        For a bad key or count.

    Examples
    --------
    A reduced run (about 10 s on a 2-core CPU, mostly compilation; not run as a doctest):

    >>> import jax
    >>> from fepnet.paper.simulations import simulation2
    >>> r = simulation2(jax.random.key(0), names=("balanced",), n_epochs=2, n_trials=2)  # doctest: +SKIP
    >>> sorted(r.metrics["balanced"])  # doctest: +SKIP
    ['generalization', 'n_attractors', 'orthogonality', 'retrieval']
    """
    digits = load_digits()
    metrics, networks = {}, {}
    for name, k in zip(names, _keys(key, len(names))):
        k_train, k_score = _keys(k, 2)
        level = NETWORKS[name][0]
        result = _train_named(k_train, digits, name, n_epochs, progress)
        att = paper_attractors(result.network, digits.train, level)
        ret, gen = _scores(k_score, result.network, digits, level, n_trials)
        networks[name] = Sim2Network(result, att, ret, gen)
        metrics[name] = {
            "retrieval": float(ret.score),
            "generalization": float(gen.score),
            "n_attractors": att.count,
            "orthogonality": att.orthogonality(),
        }
    metrics["orthogonality_data"] = float(orthogonality(digits.train))
    return Sim2Result(metrics, networks)


# --- Simulation 3 --------------------------------------------------------------
class Sim3Result(NamedTuple):
    r"""The result of :func:`simulation3`.

    Attributes
    ----------
    metrics : dict
        ``asymmetry`` (:math:`\|J - J^T\| / \|J\|`), ``sym_attractors_match`` (digits matched by a
        fixed point of Js at r > 0.8) and ``order_score`` (:func:`sequence_order_score`).
    training : fepnet.TrainResult
        The training run.
    patterns : jax.Array, shape (3, 64)
        The digits 1, 2, 3.
    symmetric : fepnet.Attractors
        Fixed points of the symmetric part Js.
    free_states : jax.Array, shape (free_steps, 64)
        The free-running states.
    labels : numpy.ndarray, shape (free_steps,)
        The recognised digit index per free-running state (-1: none).
    """
    metrics: dict
    training: TrainResult
    patterns: jax.Array  # (3, 64) the digits 1, 2, 3
    symmetric: Attractors  # fixed points of Js
    free_states: jax.Array  # (free_steps, 64) free-running states
    labels: np.ndarray  # recognised digit index per free-running state (-1: none)


def simulation3(key, *, n_epochs: int = SIM3["n_epochs"], free_steps: int = SIM3["free_steps"],
                progress: bool = False) -> Sim3Result:
    r"""The paper's Simulation 3: sequence attractors from the digits 1, 2, 3 shown in a fixed order.

    Evidence level 20, iT 1, learning rate 0.001, 2000 epochs of one step each; the couplings
    become strongly asymmetric (published :math:`\|J - J^T\| / \|J\| = 0.98`), the fixed points of
    Js match the three digits, and the free-running network (b = 0, stochastic synchronous
    steps at iT 1) visits them in the trained order.

    Parameters
    ----------
    key : jax.Array
        PRNG key (training and free-running keys).
    n_epochs : int
        Training epochs (default 2000).
    free_steps : int
        Free-running steps after training (default 100).
    progress : bool
        Show a progress bar during training.

    Returns
    -------
    Sim3Result
        Fields ``metrics``, ``training``, ``patterns``, ``symmetric``, ``free_states``, ``labels``.

    Raises
    ------
    TypeError, ValueError
        For a bad key or count.

    Examples
    --------
    A reduced run (about 15 s on a 2-core CPU, mostly compilation; not run as a doctest):

    >>> import jax
    >>> from fepnet.paper.simulations import simulation3
    >>> r = simulation3(jax.random.key(0), n_epochs=2, free_steps=10)  # doctest: +SKIP
    >>> sorted(r.metrics)  # doctest: +SKIP
    ['asymmetry', 'order_score', 'sym_attractors_match']
    """
    digits = load_digits()
    patterns = digits.train[jnp.asarray(SIM3["digits"])]
    k_train, k_free = _keys(key, 2)
    level, it = SIM3["evidence_level"], SIM3["inverse_temperature"]
    result = train(k_train, patterns, n_epochs=n_epochs, steps_per_epoch=SIM3["steps_per_epoch"],
                   inverse_temperature=it, learning_rate=SIM3["learning_rate"], evidence_level=level,
                   order="fixed", progress=progress)
    net = result.network
    sym = symmetric_fixed_points(net, attractor_starts(patterns, level), 1.0, max_steps=1000)
    if sym.count:
        r = np.asarray(pairwise_correlations(np.concatenate([np.asarray(patterns), sym.states])))[:3, 3:]
        matched = int(np.sum(r.max(axis=1) > SYM_MATCH_THRESHOLD))
    else:
        matched = 0
    # Free running: b = 0, stochastic synchronous steps at iT 1, no learning, from the last training state.
    _, free_states = run(build_kernel("synchronous"), k_free, init_state(net, result.state.sigma),
                         kernel_params(net, it), free_steps, trace=True)
    order, labels, _ = sequence_order_score(free_states, patterns)
    metrics = {"asymmetry": float(net.asymmetry()), "sym_attractors_match": matched, "order_score": order}
    return Sim3Result(metrics, result, patterns, sym, free_states, labels)


# --- Simulation 4 --------------------------------------------------------------
class Sim4Result(NamedTuple):
    """The result of :func:`simulation4`.

    Attributes
    ----------
    metrics : dict
        ``retrieval_before`` / ``_after``, ``generalization_before`` / ``_after`` and ``coupling_corr``
        (:func:`upper_triangle_correlation` of J before and after).
    before, after : fepnet.Network
        The balanced network before and after free running with learning.
    scores_before, scores_after : tuple of fepnet.ScoreResult
        (retrieval, generalisation), on the same cues and noise (paired).
    attractors_before, attractors_after : fepnet.Attractors
        :func:`paper_attractors` of each network.
    """
    metrics: dict
    before: Network
    after: Network
    scores_before: tuple  # (retrieval, generalization) ScoreResults
    scores_after: tuple
    attractors_before: Attractors
    attractors_after: Attractors


def simulation4(key, *, n_epochs: int = SIM2["n_epochs"], n_steps: int = SIM4["n_steps"],
                n_trials: int = SCORING["n_trials"], trained: TrainResult | None = None,
                progress: bool = False) -> Sim4Result:
    """The paper's Simulation 4: resisting catastrophic forgetting.

    The balanced network of Simulation 2 keeps learning (learning rate 0.001) while it runs
    freely at iT 1 without evidence for 50,000 steps; its couplings stay close to the trained
    ones (published correlation 0.973) and its scores are measured before and after.

    Parameters
    ----------
    key : jax.Array
        PRNG key (training, free-running and scoring keys).
    n_epochs : int
        Training epochs of the balanced network when ``trained`` is None (default 5000).
    n_steps : int
        Free-running steps (default 50,000).
    n_trials : int
        Noisy cues per score (default 100).
    trained : fepnet.TrainResult, optional
        An already trained balanced network (e.g. from :func:`simulation2`), reused.
    progress : bool
        Show progress bars.

    Returns
    -------
    Sim4Result
        Fields ``metrics``, ``before``, ``after``, ``scores_before``, ``scores_after``,
        ``attractors_before``, ``attractors_after``.

    Raises
    ------
    TypeError, ValueError
        For a bad key or count.

    Examples
    --------
    A reduced run (about 10 s on a 2-core CPU, mostly compilation; not run as a doctest):

    >>> import jax
    >>> from fepnet.paper.simulations import simulation4
    >>> r = simulation4(jax.random.key(0), n_epochs=2, n_steps=10, n_trials=2)  # doctest: +SKIP
    >>> round(r.metrics["coupling_corr"], 2)  # doctest: +SKIP
    0.95
    """
    digits = load_digits()
    k_train, k_free, k_score = _keys(key, 3)
    if trained is None:
        trained = _train_named(k_train, digits, "balanced", n_epochs, progress)
    level = NETWORKS["balanced"][0]
    after = free_run(k_free, trained.state, n_steps, inverse_temperature=SIM4["inverse_temperature"],
                     learning_rate=SIM4["learning_rate"], progress=progress)
    before_scores = _scores(k_score, trained.network, digits, level, n_trials)
    after_scores = _scores(k_score, after.network, digits, level, n_trials)  # same cues and noise: paired
    metrics = {
        "retrieval_before": float(before_scores[0].score),
        "retrieval_after": float(after_scores[0].score),
        "generalization_before": float(before_scores[1].score),
        "generalization_after": float(after_scores[1].score),
        "coupling_corr": upper_triangle_correlation(trained.network.couplings, after.network.couplings),
    }
    return Sim4Result(metrics, trained.network, after.network, before_scores, after_scores,
                      paper_attractors(trained.network, digits.train, level),
                      paper_attractors(after.network, digits.train, level))
