"""The paper's four simulations as functions of a PRNG key (its Section 3 protocols), with the published numbers.

Each ``simulationN(key, ...)`` runs one independent replicate with the
published protocol and returns a result whose ``metrics`` dict uses the keys of
``PUBLISHED[simN]``; the rest of the result (networks, attractors, score runs,
traces) is what the figures show. Keyword arguments shrink a run for smoke
tests; their defaults are the published protocol.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import cb
from .protocols import NETWORKS, RECOGNITION_THRESHOLD, SCORING, SIM1, SIM2, SIM3, SIM4, SYM_MATCH_THRESHOLD
from ..attractors import Attractors, find_attractors, orthogonality, pairwise_correlations, symmetric_fixed_points
from ..data import load_bars, load_digits
from ..kernels import build_kernel, init_state, kernel_params
from ..network import Network
from ..stats import pearson, upper_triangle
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
]


def attractor_starts(patterns, evidence_level):
    """The paper's starting points L(0.1 * evidence_level * x) for patterns x (K, N)."""
    return cb.langevin(SCORING["scale"] * evidence_level * jnp.asarray(patterns))


def paper_attractors(network: Network, patterns, evidence_level) -> Attractors:
    """Zero-bias deterministic synchronous relaxation at iT = 1 from each pattern's start (<= 1000 steps),
    distinct end states after rounding to 2 decimals."""
    return find_attractors(network.replace(biases=jnp.zeros(network.size, network.dtype)),
                           attractor_starts(patterns, evidence_level), 1.0, max_steps=1000, decimals=2)


def upper_triangle_correlation(a, b) -> float:
    """Pearson correlation of the entries above the diagonal of two (N, N) matrices."""
    return pearson(upper_triangle(a), upper_triangle(b))


def sequence_order_score(states, patterns, threshold: float = RECOGNITION_THRESHOLD):
    """Fraction of transitions between recognised patterns that follow the trained cycle 0 -> 1 -> .. -> K-1 -> 0.

    Each state (T, N) is recognised as the pattern it correlates with most when that
    correlation exceeds ``threshold``; the recognised labels, with repeats and
    unrecognised states dropped, give the transitions. Returns (score, labels (T,)
    with -1 for unrecognised, number of transitions); score is NaN without transitions.
    """
    x = np.asarray(states, dtype=np.float64)
    p = np.asarray(patterns, dtype=np.float64)
    r = np.asarray(pairwise_correlations(np.concatenate([x, p])))[: len(x), len(x):]
    labels = np.where(r.max(axis=1) > threshold, r.argmax(axis=1), -1)
    seq = labels[labels >= 0]
    seq = seq[np.r_[True, seq[1:] != seq[:-1]]] if seq.size else seq
    if seq.size < 2:
        return float("nan"), labels, 0
    forward = seq[1:] == (seq[:-1] + 1) % len(p)
    return float(forward.mean()), labels, int(forward.size)


def _keys(key, n):
    return jax.random.split(key, n)


# --- Simulation 1 --------------------------------------------------------------
class Sim1Result(NamedTuple):
    metrics: dict
    training: TrainResult
    attractors: Attractors
    retrieval: ScoreResult  # noisy bars, cycled
    generalization: ScoreResult  # noisy unseen cross
    trajectory: jax.Array  # (T, N) states while evoked by a noisy bar, then a noisy cross


def simulation1(key, *, n_epochs: int = SIM1["n_epochs"], n_trials: int = 10, progress: bool = False) -> Sim1Result:
    """Orthogonal basis from two correlated bars (25 nodes, evidence 30, iT 0.1, alpha 0.01)."""
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
    training: TrainResult
    attractors: Attractors
    retrieval: ScoreResult
    generalization: ScoreResult


class Sim2Result(NamedTuple):
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
    """The named digits networks (balanced, high and low complexity): train, attractors, scores."""
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
    metrics: dict
    training: TrainResult
    patterns: jax.Array  # (3, 64) the digits 1, 2, 3
    symmetric: Attractors  # fixed points of Js
    free_states: jax.Array  # (free_steps, 64) free-running states
    labels: np.ndarray  # recognised digit index per free-running state (-1: none)


def simulation3(key, *, n_epochs: int = SIM3["n_epochs"], free_steps: int = SIM3["free_steps"],
                progress: bool = False) -> Sim3Result:
    """Sequence attractors: digits 1, 2, 3 in fixed order, one step per epoch, iT 1."""
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
    """Resisting catastrophic forgetting: the balanced network keeps learning while free running at iT 1.

    ``trained`` reuses an already trained balanced network (e.g. from :func:`simulation2`).
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
