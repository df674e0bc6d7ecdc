"""``fepnet compare``: do the data call for asymmetric couplings? Sequence against random-order data.

SPEC §5 Simulation 3 presents digits 1, 2, 3 in a fixed order, one synchronous
step each, at evidence level 20 and iT = 1; the network learns asymmetric
couplings (sequence attractors). Random presentation order gives nearly
symmetric couplings. The coupling model of ``inference.coupling`` asks the same
question of the data directly: it fits p(x_t | x_{t-1}) = prod_i CB(x_t,i |
b_i + sum_j J_ij x_{t-1,j}) (the learning rule's field convention) with J
symmetric or unrestricted, and PSIS-LOO compares the two.

Data (``source``):

- ``"evidence"`` (default): the states the nodes take while each pattern is
  clamped as evidence, x_t ~ CB(iT * level * p_{k_t}) (a network with J = 0, i.e.
  the stream of sensory evidence itself), with k_t in Simulation 3's fixed order
  or uniformly at random. The question is then about the data alone.
- ``"training"``: the states of the network while it learns with the Simulation 3
  protocol (``fepnet.train(..., trace=True)``), last ``n_transitions`` steps.
  These also carry the network's own feedback J_t x_{t-1}; after random-order
  training J keeps an asymmetric part (about 0.2), which the asymmetric model
  can pick up on weakly evidenced pixels.

Each data set is fitted by SVI (mean-field Gaussian guide; 64 nodes means 4032
asymmetric couplings) with the pointwise log-likelihood recorded per node value
(``pointwise="node"``): whole 64-node states are each so informative that PSIS
fails for leave-one-state-out (Pareto k-hat > 0.7 for about half of them), while
leave-one-node-value-out keeps k-hat > 0.7 below 1 %.

Writes ``compare.json`` ({"sequence": {...}, "random": {...}} each with
``elpd_symmetric``, ``elpd_asymmetric``, ``se_diff``, ``preferred``, ...; see
:func:`diagnostics.model_selection.pair_summary`), the ArviZ comparison tables,
figures and a report.
"""

from __future__ import annotations

import os
import time
from typing import NamedTuple

import jax
import numpy as np

import fepnet
from fepnet.infra import checks as v
from fepnet.infra.progress import progress_bar
from fepnet.data import load_digits
from fepnet.paper.protocols import SIM3
from inference.coupling import fit_couplings

from . import model_selection as ms
from . import network_plots
from fepnet.infra.report import Report
from fepnet.infra.files import write_json as _write_json

__all__ = ["SOURCES", "ORDERS", "sequence_data", "OrderComparison", "compare_orders", "format_comparison"]

SOURCES = ("evidence", "training")
ORDERS = {"sequence": "fixed", "random": "random"}
MODELS = ("symmetric", "asymmetric")


def sequence_data(key, order: str = "fixed", *, n_transitions: int = 1000, source: str = "evidence",
                  patterns=None, evidence_level=SIM3["evidence_level"],
                  inverse_temperature=SIM3["inverse_temperature"]) -> np.ndarray:
    """States (n_transitions + 1, N) of Simulation 3's protocol in ``order`` ("fixed" or "random").

    ``patterns`` (K, N): default the preprocessed digits 1, 2, 3. See the module
    docstring for ``source``.
    """
    key = v.prng_key(key)
    if order not in ("fixed", "random"):
        raise ValueError(f"order must be 'fixed' or 'random', got {order!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    n = v.count(n_transitions, "n_transitions", minimum=1)
    if patterns is None:
        patterns = load_digits().train[np.array(SIM3["digits"])]
    patterns = v.as_real_array(patterns, "patterns", ndim=2)
    level = float(v.positive_scalar(evidence_level, "evidence_level"))
    it = float(v.positive_scalar(inverse_temperature, "inverse_temperature"))
    k_order, k_states = jax.random.split(key)
    if source == "evidence":
        index = fepnet.pattern_order(k_order, patterns.shape[0], n + 1, order)
        return np.asarray(fepnet.cb.sample(k_states, it * level * patterns[index]))
    n_epochs = max(SIM3["n_epochs"], n + 1)
    result = fepnet.train(key, patterns, n_epochs=n_epochs, steps_per_epoch=1, inverse_temperature=it,
                          learning_rate=SIM3["learning_rate"], evidence_level=level, order=order, trace=True,
                          progress=False)
    return np.asarray(result.states.reshape(-1, patterns.shape[1])[-(n + 1):])


class OrderComparison(NamedTuple):
    """Per data set ("sequence", "random"): the states, the two fitted posteriors, the LOO comparison
    and its summary dict; settings; wall_s; the held-out network ranking (or None)."""

    states: dict
    posteriors: dict
    comparisons: dict
    summaries: dict
    settings: dict
    wall_s: float
    ranking: object | None = None

    def to_dict(self) -> dict:
        out = {name: dict(self.summaries[name]) for name in ORDERS}
        for name in ORDERS:
            out[name]["table"] = self.comparisons[name].to_dict()
        out["settings"] = dict(self.settings)
        out["wall_s"] = float(self.wall_s)
        if self.ranking is not None:
            out["heldout"] = self.ranking.to_dict()
        return out


def _heldout_ranking(key, progress, n_epochs):
    """Networks trained on digits (1, 2, 3) and (4, 5, 6) scored by AIS on held-out test images of each set."""
    from fepnet.paper.protocols import NETWORKS, SIM2

    level, it = NETWORKS["balanced"]
    digits = load_digits()
    sets = {"digits 1-3": (1, 2, 3), "digits 4-6": (4, 5, 6)}
    k_train, k_data, k_ais = jax.random.split(key, 3)
    networks, heldout = {}, {}
    for i, (name, ds) in enumerate(sets.items()):
        patterns = digits.train[np.array(ds)]
        networks[f"trained on {name}"] = fepnet.train(
            jax.random.fold_in(k_train, i), patterns, n_epochs=n_epochs, steps_per_epoch=SIM2["steps_per_epoch"],
            inverse_temperature=it, learning_rate=SIM2["learning_rate"], evidence_level=level, order="random",
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
) -> OrderComparison:
    """Fit the symmetric and asymmetric coupling models to sequence and random-order data; compare by PSIS-LOO.

    With ``heldout`` also rank, by AIS held-out log-likelihood, networks trained on
    different digits (``diagnostics.model_selection.rank_networks``).
    """
    key = v.prng_key(key)
    t0 = time.perf_counter()
    states, posteriors, comparisons, summaries = {}, {}, {}, {}
    keys = jax.random.split(key, 3)
    with progress_bar(2 * len(MODELS), "compare (fits)", unit="fit", enable=progress) as bar:
        for i, (name, order) in enumerate(ORDERS.items()):
            x = sequence_data(jax.random.fold_in(keys[0], i), order, n_transitions=n_transitions, source=source)
            fits = {}
            for j, structure in enumerate(MODELS):
                fits[structure] = fit_couplings(
                    jax.random.fold_in(keys[1], 2 * i + j), x, structure=structure, method="svi",
                    svi_steps=svi_steps, step_size=step_size, n_draws=n_draws, pointwise="node")
                bar.update(1)
            comparison = ms.loo_compare(fits)
            states[name], posteriors[name], comparisons[name] = x, fits, comparison
            summaries[name] = ms.pair_summary(comparison, "symmetric", "asymmetric")
    ranking = _heldout_ranking(keys[2], progress, heldout_epochs) if heldout else None
    settings = dict(source=source, n_transitions=int(n_transitions), svi_steps=int(svi_steps),
                    n_draws=int(n_draws), step_size=float(step_size), pointwise="node",
                    digits=list(SIM3["digits"]), evidence_level=SIM3["evidence_level"],
                    inverse_temperature=SIM3["inverse_temperature"], heldout_epochs=int(heldout_epochs))
    return OrderComparison(states, posteriors, comparisons, summaries, settings, time.perf_counter() - t0, ranking)


def format_comparison(result: OrderComparison) -> str:
    """The ArviZ tables and the verdicts, for the terminal."""
    lines = []
    for name in ORDERS:
        s = result.summaries[name]
        lines.append(f"== {name} data ({ORDERS[name]} order) ==")
        lines.append(str(result.comparisons[name]))
        lines.append(f"elpd_asymmetric - elpd_symmetric = {s['elpd_asymmetric'] - s['elpd_symmetric']:.1f} "
                     f"(se_diff {s['se_diff']:.1f}): preferred {s['preferred']}")
    if result.ranking is not None:
        lines.append("== held-out log-likelihood (AIS), mean per state ==")
        lines.append(str(result.ranking))
    lines.append(f"wall {result.wall_s:.1f} s")
    return "\n".join(lines)



def write_comparison(result: OrderComparison, out: str, *, figures: bool = True) -> dict:
    """Write ``out/compare.json``, the figures and ``out/report.md`` / ``report.html``; return the JSON dict."""
    os.makedirs(out, exist_ok=True)
    payload = result.to_dict()
    _write_json(os.path.join(out, "compare.json"), payload)
    report = Report("fepnet compare: symmetric against asymmetric couplings")
    report.text(
        "The coupling model p(x_t | x_{t-1}) = prod_i CB(x_t,i | b_i + sum_j J_ij x_{t-1,j}) fitted by SVI to "
        f"{result.settings['n_transitions']} transitions of Simulation 3's protocol ({result.settings['source']} "
        "states), with J symmetric or unrestricted, compared by PSIS-LOO (leave one node value out). "
        "A model is preferred only if its elpd is higher by more than 2 standard errors of the difference; "
        "otherwise the simpler (symmetric) model is kept."
    )
    rows = [[name, f"{s['elpd_symmetric']:.1f}", f"{s['elpd_asymmetric']:.1f}", f"{s['se_diff']:.1f}",
             f"{s['z']:.1f}", s["preferred"]] for name, s in result.summaries.items()]
    report.table(["data", "elpd symmetric", "elpd asymmetric", "se diff", "diff / se", "preferred"], rows)
    if figures:
        from fepnet.figures import save_figure

        for name in ORDERS:
            path = os.path.join(out, f"elpd_{name}.png")
            save_figure(ms.plot_elpd(result.comparisons[name]), path)
            report.figure(path, f"elpd of both models on the {name} data")
            path = os.path.join(out, f"pointwise_{name}.png")
            save_figure(ms.plot_pointwise_difference(result.comparisons[name], "symmetric", "asymmetric"), path)
            report.figure(path, f"pointwise elpd difference (asymmetric - symmetric), {name} data")
            path = os.path.join(out, f"couplings_{name}.png")
            save_figure(network_plots.plot_coupling_parts(
                result.posteriors[name]["asymmetric"].mean_network(),
                title=f"posterior-mean couplings, asymmetric model, {name} data"), path)
            report.figure(path, f"posterior mean J (asymmetric model) on the {name} data: J, Js and Ja")
        if result.ranking is not None:
            path = os.path.join(out, "heldout_ranking.png")
            save_figure(ms.plot_ranking(result.ranking), path)
            report.figure(path, "mean held-out log-likelihood per state (AIS)")
    if result.ranking is not None:
        report.heading("Held-out marginal likelihood (AIS)", 2)
        report.text(str(result.ranking))
    report.write(out)
    return payload
