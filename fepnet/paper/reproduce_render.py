"""Figures and the text table of a :class:`~fepnet.paper.reproduce.Reproduction` (no computation, no files).

:func:`reproduction_figures` yields ``(file name, Figure)`` one at a time, seed 0's
networks and traces plus the per-seed score distributions; the caller writes each
(``Artifacts.figure``). :func:`format_summary` is the table ``fepnet reproduce`` prints.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .. import figures
from ..data import load_bars, load_digits
from ..geometry import pairwise_angles
from . import protocols
from .reproduce import Reproduction

__all__ = ["format_summary", "reproduction_figures"]


def format_summary(summary: dict) -> str:
    """A plain-text table: metric, published, median [q25, q75], then the acceptance checks and notes.

    Parameters
    ----------
    summary : dict
        ``Reproduction.summary`` (or the ``summary.json`` read back).

    Returns
    -------
    str
    """
    meta = summary["meta"]
    if meta["simulation"] == "sim5":
        return _format_sim5(summary)
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
    for c in meta.get("free_energy", {}).get("checks", []):  # Simulation 1: claims 3 and 4 (not acceptance checks)
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[c["pass"]]
        lines.append(f"  [{mark}] free energy ({c['claim']}): {c['check']}")
    if meta["notes"]:
        lines.append(f"  note: {meta['notes']}")
    return "\n".join(lines)


def reproduction_figures(reproduction: Reproduction) -> Iterator[tuple[str, object]]:
    """The simulation's figures, one at a time: ``(file name, matplotlib Figure)``.

    Parameters
    ----------
    reproduction : Reproduction
        Its ``first`` (seed 0) gives the networks and traces shown; its ``summary`` the
        per-seed values shown as distributions and the numbers in the titles.

    Yields
    ------
    (str, matplotlib.figure.Figure)
        A PNG file name (relative to the simulation's folder) and the open figure.
    """
    yield from _FIGURES[reproduction.simulation](reproduction.first, reproduction.summary)


def _figures_sim1(r, summary):
    bars = load_bars()
    yield "training_images.png", figures.plot_state_images(
        bars.train, (5, 5), titles=list(bars.labels), suptitle="Simulation 1: training images",
        label="standardised pixel")
    reached = r.attractors.states[r.attractors.label]
    titles = [f"from the {name} bar" for name in bars.labels]
    corr = summary["attractor_corr"]["values"][0]
    yield "attractors.png", figures.plot_state_images(
        reached, (5, 5), titles=titles, suptitle=f"Attractors (r = {corr:.2f}; training images r = 0.77)")
    yield "free_energy.png", figures.plot_free_energy(r.training.free_energy)
    cues = [r.retrieval.cues, r.generalization.cues]
    yield "recall_examples.png", figures.plot_recall_examples(
        np.stack([cues[0].noisy[0], cues[0].noisy[1], cues[1].noisy[0]]),
        np.stack([r.retrieval.response[0], r.retrieval.response[1], r.generalization.response[0]]),
        np.stack([cues[0].original[0], cues[0].original[1], cues[1].original[0]]), (5, 5),
        row_titles=["vertical bar (retrieval)", "horizontal bar (retrieval)", "cross (generalisation)"],
        suptitle="Retrieval and generalisation: noisy input, posterior mean, truth")
    yield "attractor_projections.png", figures.plot_projections(
        r.trajectory, reached, labels=[f"attractor from {n} bar" for n in bars.labels],
        segments=[(0, "noisy vertical bar"), (100, "noisy cross")])


def _figures_sim2(r, summary):
    digits = load_digits()
    yield "training_digits.png", figures.plot_state_images(
        digits.train, (8, 8), titles=[str(d) for d in digits.train_labels],
        suptitle="Simulation 2: training digits (preprocessed)", label="standardised pixel")
    data_angles = _upper(pairwise_angles(digits.train))
    for name, net in r.networks.items():
        level, it = protocols.NETWORKS[name]
        att = net.attractors
        from_digit = [f"from {digits.train_labels[np.flatnonzero(att.label == a)[0]]}" for a in range(att.count)]
        yield f"{name}_attractors.png", figures.plot_state_images(
            att.states, (8, 8), titles=from_digit,
            suptitle=f"{name} network (evidence {level:g}, iT {it:g}): {att.count} attractors")
        yield f"{name}_angles.png", figures.plot_angle_histogram(
            _upper(att.angles()), reference=data_angles, title=f"{name} network: pairwise angles between attractors",
            orthogonality=summary[name]["orthogonality"]["values"][0],
            reference_orthogonality=summary["orthogonality_data"]["values"][0])
        ret, gen = net.retrieval, net.generalization
        take = np.arange(3)
        yield f"{name}_examples.png", figures.plot_recall_examples(
            np.concatenate([ret.cues.noisy[take], gen.cues.noisy[take]]),
            np.concatenate([ret.response[take], gen.response[take]]),
            np.concatenate([ret.cues.original[take], gen.cues.original[take]]), (8, 8),
            row_titles=[f"train digit {digits.train_labels[int(i)]}" for i in ret.cues.index[take]]
            + [f"test digit {digits.test_labels[int(i)]}" for i in gen.cues.index[take]],
            suptitle=f"{name} network\nretrieval (top 3), generalisation (bottom 3)")
    groups = {name: {m: summary[name][m]["values"] for m in ("retrieval", "generalization")} for name in r.networks}
    published = {name: {m: summary[name][m]["published"] for m in ("retrieval", "generalization")} for name in r.networks}
    yield "scores.png", figures.plot_score_boxes(
        groups, published=published, title=f"Scores over {len(summary['orthogonality_data']['values'])} seeds")


def _upper(a):
    a = np.asarray(a)
    return a[np.triu_indices(a.shape[0], 1)]


def _figures_sim3(r, summary):
    net = r.training.network
    yield "couplings.png", figures.plot_matrices(
        [net.couplings, net.symmetric_part(), net.antisymmetric_part()],
        ["J", "symmetric part Js", "antisymmetric part Ja"],
        suptitle=f"Simulation 3: sequence-trained couplings (asymmetry {float(net.asymmetry()):.2f})")
    sym = r.symmetric
    yield "symmetric_attractors.png", figures.plot_state_images(
        sym.states if sym.count else np.zeros((1, 64)), (8, 8),
        titles=[f"fixed point {k}" for k in range(max(sym.count, 1))],
        suptitle=f"Fixed points of Js ({summary['sym_attractors_match']['values'][0]} of 3 digits matched)")
    names = {-1: "-"} | {k: str(d) for k, d in enumerate(protocols.SIM3["digits"])}
    shown = np.asarray(r.free_states)[:40]
    yield "free_running_strip.png", figures.plot_state_images(
        shown, (8, 8), titles=[f"t={t}: {names[int(l)]}" for t, l in enumerate(r.labels[:40])],
        ncols=10, suptitle="Free running (b = 0, iT 1): states and recognised digit")
    yield "free_running_correlations.png", figures.plot_pattern_correlations(
        r.free_states, r.patterns, labels=[f"digit {d}" for d in protocols.SIM3["digits"]])


def _figures_sim4(r, summary):
    corr = summary["coupling_corr"]["values"][0]
    yield "couplings.png", figures.plot_matrices(
        [r.before.couplings, r.after.couplings, r.after.couplings - r.before.couplings],
        ["J after training", "J after free running", "change"],
        suptitle=f"Simulation 4: couplings before and after 50,000 free-running steps (r = {corr:.3f})")
    groups = {
        "before": {m: summary[f"{m}_before"]["values"] for m in ("retrieval", "generalization")},
        "after": {m: summary[f"{m}_after"]["values"] for m in ("retrieval", "generalization")},
    }
    yield "scores.png", figures.plot_score_boxes(groups, title="Scores right after training and after free running")
    yield "attractors.png", figures.plot_state_images(
        np.concatenate([r.attractors_before.states, r.attractors_after.states]), (8, 8),
        titles=[f"before {k}" for k in range(r.attractors_before.count)]
        + [f"after {k}" for k in range(r.attractors_after.count)],
        ncols=max(r.attractors_before.count, r.attractors_after.count, 1),
        suptitle="Attractors before (top) and after (bottom) free running")


def _format_sim5(summary):
    """Simulation 5's table: per K, the published and fepnet retention and reconstruction, PASS or FAIL."""
    meta = summary["meta"]
    f = lambda x, d: "-" if x is None else f"{x:.{d}f}"  # noqa: E731
    mark = {True: "PASS", False: "FAIL", None: "n/a"}
    lines = [f"{meta['title']} ({meta['repeats']} repeats{', quick' if meta['quick'] else ''}, {meta['wall_s']:.1f} s)",
             "  fepnet: mean over repeats [IQR]; PASS: |mean - published| <= max(IQR over repeats, 0.03)",
             f"  {'K':>4}  {'retention':>9} {'fepnet':>26}        {'reconstruction':>14} {'fepnet':>24}"]
    ret, rec = summary["retention"], summary["reconstruction"]
    for key in ret:
        a, b = ret[key], rec[key]
        lines.append(f"  {key[1:]:>4}  {f(a['published'], 5):>9} {f(a['mean'], 4):>8} [{f(a['q25'], 4)}, "
                     f"{f(a['q75'], 4)}] {mark[a['pass']]:>5}  {f(b['published'], 3):>14} {f(b['mean'], 3):>7} "
                     f"[{f(b['q25'], 3)}, {f(b['q75'], 3)}] {mark[b['pass']]:>5}")
    cue = [r["mean"] for r in summary["cue_correlation"].values() if r["mean"] is not None]
    if cue:
        lines.append(f"  corr(cue, pattern): {np.mean(cue):.3f} (about 0.447 expected)")
    n_pass = sum(c["pass"] is True for c in meta["checks"])
    lines.append(f"  {n_pass} of {len(meta['checks'])} checks pass")
    lines.append(f"  note: {meta['notes']}")
    return "\n".join(lines)


def _figures_sim5(result, summary):
    from ..capacity.plots import plot_reconstruction, plot_retention

    pub = protocols.PUBLISHED["sim5"]
    yield "retention.png", plot_retention(result.dataset, published=pub)
    yield "reconstruction.png", plot_reconstruction(result.dataset, published=pub)


_FIGURES = {"sim1": _figures_sim1, "sim2": _figures_sim2, "sim3": _figures_sim3, "sim4": _figures_sim4,
            "sim5": _figures_sim5}
