"""``fepnet compare``, the computation: sequence and random-order data, both coupling models, PSIS-LOO.

:func:`compare_orders` returns an :class:`OrderComparison`; it writes no files
and draws no figures (:mod:`diagnostics.sequence_comparison.render` does). The
defaults of the protocol arguments are the paper's values (Simulation 3 for the
data, Simulation 2's balanced network for the held-out ranking), written out so
that this package does not depend on :mod:`fepnet.paper`.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import jax
import numpy as np

import fepnet
from fepnet.data import load_digits
from fepnet.infra import checks as v
from fepnet.infra.progress import progress_bar
from inference.coupling_fit import fit_couplings

from .. import model_selection as ms

__all__ = ["SOURCES", "ORDERS", "MODELS", "sequence_data", "OrderComparison", "compare_orders"]

#: The ``source`` values of :func:`sequence_data`: ``"evidence"`` (states drawn from CB(iT * evidence_level * p_k))
#: or ``"training"`` (the last states of :func:`fepnet.train` on the patterns).
SOURCES = ("evidence", "training")
#: The two data sets of :func:`compare_orders`: name -> pattern order given to :func:`sequence_data` (``"sequence"``:
#: the patterns in a fixed cycle; ``"random"``: in random order); also the keys of its results.
ORDERS = {"sequence": "fixed", "random": "random"}
#: The coupling structures that :func:`compare_orders` fits to each data set (the ``structure`` of
#: :func:`inference.coupling_fit.fit_couplings`) and compares by PSIS-LOO: symmetric J against asymmetric J.
MODELS = ("symmetric", "asymmetric")


def sequence_data(key, order: str = "fixed", *, n_transitions: int = 1000, source: str = "evidence",
                  patterns=None, digits=(1, 2, 3), evidence_level=20.0, inverse_temperature=1.0,
                  learning_rate=0.001, n_epochs: int = 2000) -> np.ndarray:
    """States of Simulation 3's protocol, presented in ``order``.

    ``source="evidence"``: x_t ~ CB(iT * evidence_level * p_{k_t}) with k_t in
    ``order``; ``source="training"``: the last states of ``fepnet.train`` on the
    patterns (one synchronous step per epoch, ``learning_rate``,
    max(``n_epochs``, n_transitions + 1) epochs). See :mod:`diagnostics.sequence_comparison`.

    Parameters
    ----------
    key : jax.Array
        PRNG key (split into the order's key and the states' key).
    order : {"fixed", "random"}
        The order the patterns are presented in: the cycle 0, 1, ..., K-1, 0, ... or uniformly at random.
    n_transitions : int
        Transitions x_{t-1} -> x_t (>= 1).
    source : {"evidence", "training"}
        Sample the states from the evidence, or take them from a training run.
    patterns : array (K, N), optional
        Default: the preprocessed training digits ``digits``.
    digits : tuple of int
        The digits of the default patterns (Simulation 3: 1, 2, 3).
    evidence_level : float
        Evidence level (> 0; Simulation 3: 20).
    inverse_temperature : float
        iT (> 0; Simulation 3: 1).
    learning_rate : float
        Of the training source (Simulation 3: 0.001).
    n_epochs : int
        Least number of training epochs of the training source (Simulation 3: 2000).

    Returns
    -------
    numpy.ndarray
        (n_transitions + 1, N) states in [-1, 1].

    Raises
    ------
    TypeError, ValueError
        For a bad key, order, source, count, patterns, evidence level or iT.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from diagnostics.sequence_comparison import sequence_data
    >>> x = sequence_data(jax.random.key(0), "fixed", n_transitions=5)
    >>> x.shape, bool(np.abs(x).max() <= 1)
    ((6, 64), True)
    """
    key = v.prng_key(key)
    if order not in ("fixed", "random"):
        raise ValueError(f"order must be 'fixed' or 'random', got {order!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    n = v.count(n_transitions, "n_transitions", minimum=1)
    if patterns is None:
        patterns = load_digits().train[np.array(digits)]
    patterns = v.as_real_array(patterns, "patterns", ndim=2)
    level = float(v.positive_scalar(evidence_level, "evidence_level"))
    it = float(v.positive_scalar(inverse_temperature, "inverse_temperature"))
    k_order, k_states = jax.random.split(key)
    if source == "evidence":
        index = fepnet.pattern_order(k_order, patterns.shape[0], n + 1, order)
        return np.asarray(fepnet.cb.sample(k_states, it * level * patterns[index]))
    n_epochs = max(n_epochs, n + 1)
    result = fepnet.train(key, patterns, n_epochs=n_epochs, steps_per_epoch=1, inverse_temperature=it,
                          learning_rate=learning_rate, evidence_level=level, order=order, trace=True,
                          progress=False)
    return np.asarray(result.states.reshape(-1, patterns.shape[1])[-(n + 1):])


class OrderComparison(NamedTuple):
    """The result of :func:`compare_orders`: both coupling models fitted to sequence and random-order data.

    Attributes
    ----------
    states : dict
        "sequence", "random" -> numpy.ndarray (n_transitions + 1, N), the data.
    posteriors : dict
        The same keys -> {"symmetric", "asymmetric" -> inference.coupling_fit.CouplingPosterior}.
    comparisons : dict
        The same keys -> :class:`diagnostics.model_selection.ModelComparison` (PSIS-LOO).
    summaries : dict
        The same keys -> :func:`diagnostics.model_selection.pair_summary` dict (the verdict).
    settings : dict
        source, n_transitions, svi_steps, n_draws, step_size, pointwise, digits, evidence_level,
        inverse_temperature, heldout_epochs.
    wall_s : float
        Seconds of the whole comparison.
    ranking : diagnostics.model_selection.NetworkRanking or None
        The held-out AIS ranking (None without ``heldout``).
    """

    states: dict
    posteriors: dict
    comparisons: dict
    summaries: dict
    settings: dict
    wall_s: float
    ranking: object | None = None

    def to_dict(self) -> dict:
        """The summaries, the comparison tables, settings, wall time and ranking as JSON-able values."""
        out = {name: dict(self.summaries[name]) for name in ORDERS}
        for name in ORDERS:
            out[name]["table"] = self.comparisons[name].to_dict()
        out["settings"] = dict(self.settings)
        out["wall_s"] = float(self.wall_s)
        if self.ranking is not None:
            out["heldout"] = self.ranking.to_dict()
        return out


def _heldout_ranking(key, progress, n_epochs, evidence_level, inverse_temperature, learning_rate, steps_per_epoch):
    """Networks trained on digits (1, 2, 3) and (4, 5, 6) scored by AIS on held-out test images of each set."""
    level, it = evidence_level, inverse_temperature
    digits = load_digits()
    sets = {"digits 1-3": (1, 2, 3), "digits 4-6": (4, 5, 6)}
    k_train, k_data, k_ais = jax.random.split(key, 3)
    networks, heldout = {}, {}
    for i, (name, ds) in enumerate(sets.items()):
        patterns = digits.train[np.array(ds)]
        networks[f"trained on {name}"] = fepnet.train(
            jax.random.fold_in(k_train, i), patterns, n_epochs=n_epochs, steps_per_epoch=steps_per_epoch,
            inverse_temperature=it, learning_rate=learning_rate, evidence_level=level, order="random",
            progress=progress).network
        images = np.concatenate([np.asarray(digits.test)[digits.test_labels == d][:10] for d in ds])
        heldout[f"held-out {name}"] = ms.heldout_states(jax.random.fold_in(k_data, i), images,
                                                        evidence_level=level, inverse_temperature=it)
    return ms.rank_networks(k_ais, networks, heldout, inverse_temperature=it, progress=progress)


def compare_orders(
    key,
    *,
    n_transitions: int = 1000,
    source: str = "evidence",
    svi_steps: int = 2000,
    n_draws: int = 200,
    step_size: float = 0.01,
    heldout: bool = True,
    heldout_epochs: int = 1000,
    progress: bool = True,
    digits=(1, 2, 3),
    evidence_level: float = 20.0,
    inverse_temperature: float = 1.0,
    learning_rate: float = 0.001,
    n_epochs: int = 2000,
    heldout_evidence_level: float = 11.0,
    heldout_inverse_temperature: float = 0.1668,
    heldout_learning_rate: float = 0.001,
    heldout_steps_per_epoch: int = 10,
) -> OrderComparison:
    """Fit the symmetric and asymmetric coupling models to sequence and random-order data; compare by PSIS-LOO.

    p(x_t | x_{t-1}) = prod_i CB(x_t,i | b_i + sum_j J_ij x_{t-1,j}), J symmetric or
    unrestricted, fitted by SVI with the log-likelihood per node value; the verdict
    of each data set is :func:`diagnostics.model_selection.pair_summary`. With
    ``heldout`` also rank, by AIS held-out log-likelihood, networks trained on
    different digits (:func:`diagnostics.model_selection.rank_networks`).

    Parameters
    ----------
    key : jax.Array
        PRNG key (data, fits and ranking keys derive from it).
    n_transitions : int
        Transitions per data set.
    source : {"evidence", "training"}
        See :func:`sequence_data`.
    svi_steps, n_draws : int
        SVI steps per fit and posterior draws from each guide.
    step_size : float
        SVI step size.
    heldout : bool
        Also run the held-out AIS ranking.
    heldout_epochs : int
        Training epochs of each ranked network.
    progress : bool
        Show progress bars.
    digits, evidence_level, inverse_temperature, learning_rate, n_epochs
        The data's protocol (:func:`sequence_data`); defaults: the paper's Simulation 3.
    heldout_evidence_level, heldout_inverse_temperature : float
        Training and held-out data of the ranked networks; defaults: the paper's
        balanced network of Simulation 2 (11, 0.1668).
    heldout_learning_rate : float
        Their learning rate (Simulation 2: 0.001).
    heldout_steps_per_epoch : int
        Their learning steps per epoch (Simulation 2: 10).

    Returns
    -------
    OrderComparison
        Fields ``states``, ``posteriors``, ``comparisons``, ``summaries``, ``settings``, ``wall_s``,
        ``ranking``.

    Raises
    ------
    TypeError, ValueError
        For a bad key or data settings (:func:`sequence_data`) or fit settings.

    Examples
    --------
    A reduced comparison without the held-out ranking (about 30 s on a busy 2-core CPU; not run as a
    doctest):

    >>> import jax
    >>> from diagnostics.sequence_comparison import compare_orders
    >>> r = compare_orders(jax.random.key(0), n_transitions=100, svi_steps=300, n_draws=50,
    ...                    heldout=False, progress=False)  # doctest: +SKIP
    >>> sorted(r.summaries)  # doctest: +SKIP
    ['random', 'sequence']
    """
    key = v.prng_key(key)
    t0 = time.perf_counter()
    states, posteriors, comparisons, summaries = {}, {}, {}, {}
    keys = jax.random.split(key, 3)
    protocol = dict(digits=digits, evidence_level=evidence_level, inverse_temperature=inverse_temperature,
                    learning_rate=learning_rate, n_epochs=n_epochs)
    with progress_bar(2 * len(MODELS), "compare (fits)", unit="fit", enable=progress) as bar:
        for i, (name, order) in enumerate(ORDERS.items()):
            x = sequence_data(jax.random.fold_in(keys[0], i), order, n_transitions=n_transitions, source=source,
                              **protocol)
            fits = {}
            for j, structure in enumerate(MODELS):
                fits[structure] = fit_couplings(
                    jax.random.fold_in(keys[1], 2 * i + j), x, structure=structure, method="svi",
                    svi_steps=svi_steps, step_size=step_size, n_draws=n_draws, pointwise="node")
                bar.update(1)
            comparison = ms.loo_compare(fits)
            states[name], posteriors[name], comparisons[name] = x, fits, comparison
            summaries[name] = ms.pair_summary(comparison, "symmetric", "asymmetric")
    ranking = (_heldout_ranking(keys[2], progress, heldout_epochs, heldout_evidence_level,
                                heldout_inverse_temperature, heldout_learning_rate, heldout_steps_per_epoch)
               if heldout else None)
    settings = dict(source=source, n_transitions=int(n_transitions), svi_steps=int(svi_steps),
                    n_draws=int(n_draws), step_size=float(step_size), pointwise="node",
                    digits=[int(d) for d in digits], evidence_level=float(evidence_level),
                    inverse_temperature=float(inverse_temperature), heldout_epochs=int(heldout_epochs))
    return OrderComparison(states, posteriors, comparisons, summaries, settings, time.perf_counter() - t0, ranking)
