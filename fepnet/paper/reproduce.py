"""``fepnet reproduce``: run a paper simulation over K independent seeds, summarise, draw the figures.

``DIR/<sim>/summary.json`` holds, for every metric key of ``protocols.PUBLISHED``,
the per-seed values, their median, quartiles and interquartile range, and the
published value; ``"meta"`` records the seeds, settings, timings, the
acceptance checks of the reproduction issue and notes on any discrepancy.
Seed s uses ``jax.random.key(s)``; figures show seed 0 (and all seeds where
they summarise a distribution).
"""

from __future__ import annotations

import math
import os
import time

import jax
import numpy as np

from .. import __version__, figures
from . import protocols, simulations
from ..infra.files import write_json as _write_json
from ..infra.progress import progress_bar
from ..attractors import pairwise_angles
from ..data import load_bars, load_digits


__all__ = ["SIMULATIONS", "reproduce", "summarize", "checks", "format_summary"]

SIMULATIONS = ("sim1", "sim2", "sim3", "sim4")
TITLES = {
    "sim1": "Simulation 1: orthogonal basis from two correlated bars",
    "sim2": "Simulation 2: balanced, high- and low-complexity digits networks",
    "sim3": "Simulation 3: sequence attractors",
    "sim4": "Simulation 4: resisting catastrophic forgetting",
}
# Reduced sizes for smoke runs (`--quick`): numbers are not comparable with the paper.
QUICK = {
    "sim1": dict(n_epochs=50, n_trials=4),
    "sim2": dict(n_epochs=100, n_trials=10),
    "sim3": dict(n_epochs=300, free_steps=30),
    "sim4": dict(n_epochs=100, n_steps=500, n_trials=10),
}
NOTES = {
    "sim4": (
        "coupling_corr matches the paper; the scores fall more than 'close'. At iT 1 and b = 0 the rule's expected "
        "change is exactly 0, so the 50,000 steps add pure noise, but noise alpha sum_t e_t sigma_t^T along the "
        "visited attractor states; an isotropic perturbation of the same norm costs ~0.01 in retrieval instead of "
        "~0.06-0.08 (examples/sim4_forgetting.py). The authors' notebook computes no before/after scores."
    ),
    "sim2": (
        "orthogonality_data follows SPEC §5's rule (pairs i < j, angles < 1 or > 179 ignored) and gives 23.26 "
        "degrees; the published 29.94 is reproduced (29.937) only by averaging |90 - angle| over the full 10 x 10 "
        "angle matrix including its diagonal (angle 0, counted as 90), i.e. without the exclusion rule."
    ),
}


def _finite(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def _stats(values, published):
    x = np.asarray(values, dtype=np.float64)
    ok = x[np.isfinite(x)]
    q25, med, q75 = (np.percentile(ok, [25, 50, 75]) if ok.size else (np.nan,) * 3)
    as_int = all(isinstance(v, (int, np.integer)) for v in values)
    return {
        "values": [int(v) if as_int else _finite(float(v)) for v in values],
        "median": _finite(float(med)),
        "q25": _finite(float(q25)),
        "q75": _finite(float(q75)),
        "iqr": _finite(float(q75 - q25)),
        "n_finite": int(ok.size),
        "published": published,
    }


def summarize(simulation: str, per_seed: list) -> dict:
    """Per-metric statistics over seeds: ``per_seed`` is a list of ``metrics`` dicts (one per seed)."""
    published = protocols.PUBLISHED[simulation]

    def walk(pub, path):
        out = {}
        for key, value in pub.items():
            if isinstance(value, dict):
                out[key] = walk(value, path + (key,))
            else:
                vals = []
                for m in per_seed:
                    for p in path + (key,):
                        m = m[p]
                    vals.append(m)
                out[key] = _stats(vals, value)
        return out

    return walk(published, ())


def checks(simulation: str, summary: dict) -> list:
    """The reproduction issue's acceptance checks on the medians: [{"check", "value", "pass"}]."""
    med = lambda *path: _get(summary, path)["median"]  # noqa: E731
    rows = []

    def add(text, value, ok):
        rows.append({"check": text, "value": value, "pass": bool(ok) if ok is not None else None})

    if simulation == "sim1":
        add("train_corr == 0.77 (2 d.p.)", med("train_corr"), round(med("train_corr"), 2) == 0.77)
        add("attractor_corr <= -0.05", med("attractor_corr"), med("attractor_corr") <= -0.05)
    elif simulation == "sim2":
        b = lambda k: med("balanced", k)  # noqa: E731
        add("balanced retrieval >= 0.2", b("retrieval"), b("retrieval") >= 0.2)
        add("balanced generalization > 0", b("generalization"), b("generalization") > 0)
        add("balanced orthogonality < orthogonality_data", [b("orthogonality"), med("orthogonality_data")],
            _lt(b("orthogonality"), med("orthogonality_data")))
        add("low n_attractors < balanced n_attractors", [med("low", "n_attractors"), b("n_attractors")],
            _lt(med("low", "n_attractors"), b("n_attractors")))
    elif simulation == "sim3":
        add("asymmetry >= 0.9", med("asymmetry"), med("asymmetry") >= 0.9)
        add("sym_attractors_match == 3", med("sym_attractors_match"), med("sym_attractors_match") == 3)
        add("order_score >= 0.8", med("order_score"), _ge(med("order_score"), 0.8))
    elif simulation == "sim4":
        before, after = med("retrieval_before"), med("retrieval_after")
        add("retrieval_after >= retrieval_before - 0.05", [before, after], after >= before - 0.05)
        add("coupling_corr >= 0.8", med("coupling_corr"), med("coupling_corr") >= 0.8)
    return rows


def _get(d, path):
    for p in path:
        d = d[p]
    return d


def _lt(a, b):
    return None if a is None or b is None else a < b


def _ge(a, b):
    return None if a is None or b is None else a >= b


def _run_seeds(simulation, seeds, quick, progress):
    fn = getattr(simulations, "simulation" + simulation[-1])
    kwargs = QUICK[simulation] if quick else {}
    results, first = [], None
    with progress_bar(total=len(seeds), desc=simulation, unit="seed", enable=progress) as bar:
        for s in seeds:
            r = fn(jax.random.key(s), **kwargs)
            results.append(r.metrics)
            first = r if first is None else first
            bar.update(1)
    return results, first


def reproduce(simulation: str, *, seeds: int = 10, out: str = "fepnet-reproduce", quick: bool = False,
              progress: bool = True) -> dict:
    """Run ``simulation`` with seeds 0..K-1, write ``out/<sim>/summary.json`` and figures; return the summary."""
    if simulation not in SIMULATIONS:
        raise ValueError(f"simulation must be one of {SIMULATIONS}, got {simulation!r}")
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise ValueError(f"seeds must be a positive integer, got {seeds!r}")
    folder = os.path.join(out, simulation)
    os.makedirs(folder, exist_ok=True)
    seed_list = list(range(int(seeds)))
    t0 = time.perf_counter()
    per_seed, first = _run_seeds(simulation, seed_list, quick, progress)
    wall = time.perf_counter() - t0
    summary = summarize(simulation, per_seed)
    files = _FIGURES[simulation](first, summary, folder)
    summary["meta"] = {
        "simulation": simulation,
        "title": TITLES[simulation],
        "seeds": seed_list,
        "quick": bool(quick),
        "protocol": _protocol(simulation, quick),
        "checks": checks(simulation, summary),
        "notes": NOTES.get(simulation),
        "wall_s": round(wall, 3),
        "fepnet_version": __version__,
        "jax_version": jax.__version__,
        "files": ["summary.json"] + files,
    }
    return _write_json(os.path.join(folder, "summary.json"), summary)


def _protocol(simulation, quick):
    base = {
        "sim1": protocols.SIM1,
        "sim2": dict(protocols.SIM2, networks=protocols.NETWORKS),
        "sim3": protocols.SIM3,
        "sim4": dict(protocols.SIM4, network="balanced", networks=protocols.NETWORKS, training=protocols.SIM2),
    }[simulation]
    return dict(base, scoring=protocols.SCORING, overrides=QUICK[simulation] if quick else {})



def format_summary(summary: dict) -> str:
    """A plain-text table: metric, published, median [q25, q75], then the acceptance checks."""
    meta = summary["meta"]
    lines = [f"{meta['title']} ({len(meta['seeds'])} seeds{', quick' if meta['quick'] else ''}, {meta['wall_s']:.1f} s)"]
    lines.append(f"  {'metric':<34}{'published':>10}   median [IQR]")

    def fmt(x):
        if x is None:
            return "-"
        return f"{x:.3f}" if isinstance(x, float) and not x.is_integer() else f"{x:g}"

    def walk(d, prefix):
        for key, value in d.items():
            if key == "meta":
                continue
            if "values" in value:
                lines.append(f"  {prefix + key:<34}{fmt(value['published']):>10}   {fmt(value['median'])} "
                             f"[{fmt(value['q25'])}, {fmt(value['q75'])}]")
            else:
                walk(value, prefix + key + ".")

    walk(summary, "")
    for c in meta["checks"]:
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[c["pass"]]
        lines.append(f"  [{mark}] {c['check']}")
    if meta["notes"]:
        lines.append(f"  note: {meta['notes']}")
    return "\n".join(lines)


# --- figures ----------------------------------------------------------------------------------
def _save(fig, folder, name, files):
    figures.save_figure(fig, os.path.join(folder, name))
    files.append(name)


def _figures_sim1(r, summary, folder):
    files = []
    bars = load_bars()
    _save(figures.plot_state_images(bars.train, (5, 5), titles=list(bars.labels), suptitle="Simulation 1: training images",
                                    label="standardised pixel"), folder, "training_images.png", files)
    reached = r.attractors.states[r.attractors.label]
    titles = [f"from the {name} bar" for name in bars.labels]
    corr = summary["attractor_corr"]["values"][0]
    _save(figures.plot_state_images(reached, (5, 5), titles=titles,
                                    suptitle=f"Attractors (r = {corr:.2f}; training images r = 0.77)"),
          folder, "attractors.png", files)
    _save(figures.plot_free_energy(r.training.free_energy), folder, "free_energy.png", files)
    cues = [r.retrieval.cues, r.generalization.cues]
    _save(figures.plot_recall_examples(
        np.stack([cues[0].noisy[0], cues[0].noisy[1], cues[1].noisy[0]]),
        np.stack([r.retrieval.response[0], r.retrieval.response[1], r.generalization.response[0]]),
        np.stack([cues[0].original[0], cues[0].original[1], cues[1].original[0]]), (5, 5),
        row_titles=["vertical bar (retrieval)", "horizontal bar (retrieval)", "cross (generalisation)"],
        suptitle="Retrieval and generalisation: noisy input, posterior mean, truth"), folder, "recall_examples.png", files)
    _save(figures.plot_projections(r.trajectory, reached, labels=[f"attractor from {n} bar" for n in bars.labels],
                                   segments=[(0, "noisy vertical bar"), (100, "noisy cross")]),
          folder, "attractor_projections.png", files)
    return files


def _figures_sim2(r, summary, folder):
    files = []
    digits = load_digits()
    _save(figures.plot_state_images(digits.train, (8, 8), titles=[str(d) for d in digits.train_labels],
                                    suptitle="Simulation 2: training digits (preprocessed)", label="standardised pixel"),
          folder, "training_digits.png", files)
    data_angles = _upper(pairwise_angles(digits.train))
    for name, net in r.networks.items():
        level, it = protocols.NETWORKS[name]
        att = net.attractors
        from_digit = [f"from {digits.train_labels[np.flatnonzero(att.label == a)[0]]}" for a in range(att.count)]
        _save(figures.plot_state_images(att.states, (8, 8), titles=from_digit,
                                        suptitle=f"{name} network (evidence {level:g}, iT {it:g}): {att.count} attractors"),
              folder, f"{name}_attractors.png", files)
        _save(figures.plot_angle_histogram(_upper(att.angles()), reference=data_angles,
                                           title=f"{name} network: pairwise angles between attractors",
                                           orthogonality=summary[name]["orthogonality"]["values"][0],
                                           reference_orthogonality=summary["orthogonality_data"]["values"][0]),
              folder, f"{name}_angles.png", files)
        ret, gen = net.retrieval, net.generalization
        take = np.arange(3)
        _save(figures.plot_recall_examples(
            np.concatenate([ret.cues.noisy[take], gen.cues.noisy[take]]),
            np.concatenate([ret.response[take], gen.response[take]]),
            np.concatenate([ret.cues.original[take], gen.cues.original[take]]), (8, 8),
            row_titles=[f"train digit {digits.train_labels[int(i)]}" for i in ret.cues.index[take]]
            + [f"test digit {digits.test_labels[int(i)]}" for i in gen.cues.index[take]],
            suptitle=f"{name} network\nretrieval (top 3), generalisation (bottom 3)"),
            folder, f"{name}_examples.png", files)
    groups = {name: {m: summary[name][m]["values"] for m in ("retrieval", "generalization")} for name in r.networks}
    published = {name: {m: summary[name][m]["published"] for m in ("retrieval", "generalization")} for name in r.networks}
    _save(figures.plot_score_boxes(groups, published=published,
                                   title=f"Scores over {len(summary['orthogonality_data']['values'])} seeds"),
          folder, "scores.png", files)
    return files


def _upper(a):
    a = np.asarray(a)
    return a[np.triu_indices(a.shape[0], 1)]


def _figures_sim3(r, summary, folder):
    files = []
    net = r.training.network
    _save(figures.plot_matrices([net.couplings, net.symmetric_part(), net.antisymmetric_part()],
                                ["J", "symmetric part Js", "antisymmetric part Ja"],
                                suptitle=f"Simulation 3: sequence-trained couplings (asymmetry {float(net.asymmetry()):.2f})"),
          folder, "couplings.png", files)
    sym = r.symmetric
    _save(figures.plot_state_images(sym.states if sym.count else np.zeros((1, 64)), (8, 8),
                                    titles=[f"fixed point {k}" for k in range(max(sym.count, 1))],
                                    suptitle=f"Fixed points of Js ({summary['sym_attractors_match']['values'][0]} of 3 digits matched)"),
          folder, "symmetric_attractors.png", files)
    names = {-1: "-"} | {k: str(d) for k, d in enumerate(protocols.SIM3["digits"])}
    shown = np.asarray(r.free_states)[:40]
    _save(figures.plot_state_images(shown, (8, 8), titles=[f"t={t}: {names[int(l)]}" for t, l in enumerate(r.labels[:40])],
                                    ncols=10, suptitle="Free running (b = 0, iT 1): states and recognised digit"),
          folder, "free_running_strip.png", files)
    _save(figures.plot_pattern_correlations(r.free_states, r.patterns, labels=[f"digit {d}" for d in protocols.SIM3["digits"]]),
          folder, "free_running_correlations.png", files)
    return files


def _figures_sim4(r, summary, folder):
    files = []
    corr = summary["coupling_corr"]["values"][0]
    _save(figures.plot_matrices([r.before.couplings, r.after.couplings, r.after.couplings - r.before.couplings],
                                ["J after training", "J after free running", "change"],
                                suptitle=f"Simulation 4: couplings before and after 50,000 free-running steps (r = {corr:.3f})"),
          folder, "couplings.png", files)
    groups = {
        "before": {m: summary[f"{m}_before"]["values"] for m in ("retrieval", "generalization")},
        "after": {m: summary[f"{m}_after"]["values"] for m in ("retrieval", "generalization")},
    }
    _save(figures.plot_score_boxes(groups, title="Scores right after training and after free running"),
          folder, "scores.png", files)
    _save(figures.plot_state_images(np.concatenate([r.attractors_before.states, r.attractors_after.states]), (8, 8),
                                    titles=[f"before {k}" for k in range(r.attractors_before.count)]
                                    + [f"after {k}" for k in range(r.attractors_after.count)],
                                    ncols=max(r.attractors_before.count, r.attractors_after.count, 1),
                                    suptitle="Attractors before (top) and after (bottom) free running"),
          folder, "attractors.png", files)
    return files


_FIGURES = {"sim1": _figures_sim1, "sim2": _figures_sim2, "sim3": _figures_sim3, "sim4": _figures_sim4}
