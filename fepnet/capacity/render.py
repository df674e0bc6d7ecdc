"""The files and words of a capacity run (``fepnet capacity``): no computation.

:func:`write_capacity` writes, through an :class:`~fepnet.infra.artifacts.Artifacts`
directory, ``capacity.nc`` (the result's Dataset, atomically), ``capacity.json``
(:func:`capacity_summary`: exactly ``alpha_c``, ``published_table``, ``settings``,
``wall_s``), the figures (:mod:`fepnet.capacity.plots`) and ``report.md`` /
``report.html`` (:func:`capacity_report`); :func:`format_capacity` is the text the
command prints. :func:`verdict` puts the paper's claim ("capacity substantially exceeds
~0.14 N and approaches N") against the measured alpha_c of the FEP network as a number
with an interval.
"""

from __future__ import annotations

import math

import numpy as np

from ..infra.files import json_safe
from ..infra.report import Report
from ..sweep import save_sweep
from . import plots

__all__ = ["SUMMARY_KEYS", "APPROACH_N", "capacity_summary", "verdict", "capacity_figures", "capacity_report",
           "write_capacity", "format_capacity"]

#: The :class:`~fepnet.capacity.compute.CapacityResult` fields that :func:`capacity_summary` writes to
#: ``capacity.json``: exactly these keys, in this order.
SUMMARY_KEYS = ("alpha_c", "published_table", "settings", "wall_s")
#: "Approaches N" is granted when the interval of the FEP network's alpha_c reaches this fraction of N
#: (:func:`verdict`'s ``approaches_n``).
APPROACH_N = 0.9


def capacity_summary(result) -> dict:
    """``capacity.json``: exactly ``{"alpha_c", "published_table", "settings", "wall_s"}``, plain JSON values.

    Parameters
    ----------
    result : CapacityResult
        ``alpha_c`` {rule: {family: {"n100", "n100_ci", "n400"}}}, ``published_table``, ``settings``, ``wall_s``.

    Returns
    -------
    dict
        NaN and infinities as None; tuples as lists; NumPy scalars as Python numbers.

    Examples
    --------
    >>> import math
    >>> from fepnet.capacity import CapacityResult
    >>> from fepnet.capacity.render import capacity_summary
    >>> alpha = {"fep": {"random": {"n100": 0.2, "n100_ci": [0.17, 0.23], "n400": math.nan}}}
    >>> capacity_summary(CapacityResult(None, alpha, {}, {}, {"ci_level": 0.95}, 1.5))["alpha_c"]
    {'fep': {'random': {'n100': 0.2, 'n100_ci': [0.17, 0.23], 'n400': None}}}
    """
    return json_safe({key: getattr(result, key) for key in SUMMARY_KEYS})


def _num(x) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _fmt(x, digits: int = 3) -> str:
    x = _num(x)
    return "n/a" if x is None else f"{x:.{digits}f}"


def _interval(ci) -> str:
    lo, hi = (None, None) if ci is None else ci
    return f"[{_fmt(lo)}, {_fmt(hi)}]"


def verdict(alpha_c: dict, family: str = "random", flags: dict | None = None, level: float | None = None) -> dict:
    """The paper's claim against the FEP network's measured alpha_c (random patterns, N = 100).

    The claim has two parts: capacity "substantially exceeds ~0.14 N" (``exceeds_hopfield`` when the
    lower end of the interval is above the Hopfield 0.138; the words add "not substantially" for an
    alpha_c under 1.25 x 0.138) and "approaches N" (supported when the interval reaches
    :data:`APPROACH_N` = 0.9).

    Parameters
    ----------
    alpha_c : dict
        ``{rule: {family: {"n100": value, "n100_ci": [lo, hi], "n400": value or None}}}``.
    family : str
        The pattern family of the claim (the paper's: random).
    flags : dict, optional
        The same nesting, ``{"n100": flag, ...}``: "interpolated", "lower_bound" (alpha_c is at least the
        value: exact recall stays above 90 % to the end of the grid) or "below_grid" (below the smallest K).
    level : float, optional
        The interval's coverage (0.95), named in the words when given.

    Returns
    -------
    dict
        ``alpha``, ``ci`` [lo, hi] (None where undefined), ``exceeds_hopfield``, ``approaches_n``
        (True, False or None when undefined), ``fraction_of_n`` (alpha / 1), and ``text``: the
        verdict in plain words.

    Examples
    --------
    >>> from fepnet.capacity.render import verdict
    >>> v = verdict({"fep": {"random": {"n100": 0.2, "n100_ci": [0.17, 0.23], "n400": None}}})
    >>> v["exceeds_hopfield"], v["approaches_n"]
    (True, False)
    >>> v["text"].split(". ")[1]
    'That is above the Hopfield limit 0.138 N, by a factor 1.4'
    """
    entry = alpha_c.get("fep", {}).get(family, {})
    flag = ((flags or {}).get("fep", {}).get(family) or {}).get("n100")
    alpha = _num(entry.get("n100"))
    ci = entry.get("n100_ci") or [None, None]
    lo, hi = _num(ci[0]), _num(ci[1])
    exceeds = None if lo is None else lo > plots.HOPFIELD_ALPHA
    approaches = None if hi is None else hi >= APPROACH_N
    if flag == "below_grid":
        text = (f"The FEP network recalls fewer than 90 % of {family} patterns exactly from 10 % flipped signs "
                "already at the smallest K tried: alpha_c is below the grid, far from both 0.138 N and N.")
        exceeds, approaches = False, False
    elif alpha is None:
        text = (f"The FEP network's capacity for {family} patterns at N = 100 is undefined here (no grid point "
                "reaches 90 % exact recall from rho = 0.1), so the claim cannot be given a number.")
    else:
        bound = "at least " if flag == "lower_bound" else ""
        parts = [f"The FEP network stores alpha_c = {bound}{alpha:.3f} N {family} patterns at N = 100 "
                 f"({_level(level)}bootstrap interval over repeats {_interval([lo, hi])}; "
                 f"K_max: the largest K with >= 90 % of "
                 f"patterns recalled exactly from 10 % flipped signs)."]
        if exceeds is None:
            parts.append("Whether that exceeds the Hopfield 0.138 N is undefined (no interval).")
        elif exceeds and alpha < 1.25 * plots.HOPFIELD_ALPHA:
            parts.append(f"That is above the Hopfield limit 0.138 N, but only by a factor "
                         f"{alpha / plots.HOPFIELD_ALPHA:.2f}: not substantially.")
        elif exceeds:
            parts.append(f"That is above the Hopfield limit 0.138 N, by a factor {alpha / plots.HOPFIELD_ALPHA:.1f}.")
        elif hi is not None and hi < plots.HOPFIELD_ALPHA:
            parts.append("That is below the Hopfield limit 0.138 N: the claim that it substantially exceeds it fails.")
        else:
            parts.append("That is not distinguishable from the Hopfield limit 0.138 N: the claim that it "
                         "substantially exceeds it is not supported.")
        parts.append(f"It is {100 * alpha:.0f} % of the projector limit K = N; "
                     + ("the claim that it approaches N is supported." if approaches
                        else f"the claim that it approaches N is not supported (the interval ends at "
                             f"{_fmt(hi, 2)} N, below {APPROACH_N:g} N)." if approaches is False
                        else "whether it approaches N is undefined (no interval)."))
        text = " ".join(parts)
    return {"alpha": alpha, "ci": [lo, hi], "flag": flag, "exceeds_hopfield": exceeds, "approaches_n": approaches,
            "fraction_of_n": alpha, "text": text}


def _level(level) -> str:
    return "" if level is None else f"{100 * float(level):g} % "


def _cell(entry, flag, key="n100") -> str:
    """An alpha_c table cell: the value (">= v" for a lower bound, "< grid" below it), the interval for n100."""
    if flag == "below_grid":
        return "< grid"
    value = (">= " if flag == "lower_bound" else "") + _fmt(entry.get(key))
    return f"{value} {_interval(entry.get('n100_ci'))}" if key == "n100" else value


def _flags(result) -> dict:
    return getattr(result, "alpha_flags", None) or {}


def _published(result) -> dict:
    t = result.published_table
    return {"K": t["K"], "retention": t["retention_published"], "reconstruction": t["reconstruction_published"]}


def capacity_figures(result, examples=None):
    """The figures, one at a time: ``(file name, matplotlib Figure)``.

    ``retention.png`` (every rule, every family), ``exact_recall.png`` (rho = 0.1, sequential;
    one panel per family), ``exact_recall_synchronous.png``, ``reconstruction.png`` (random
    patterns, with the published FEP points) and, when ``examples`` is given,
    ``examples.png`` (the row of example recalls).

    Parameters
    ----------
    result : CapacityResult
        Its ``dataset`` and ``published_table`` are drawn.
    examples : dict, optional
        :func:`fepnet.capacity.examples.example_recalls`, drawn as ``examples.png``.

    Yields
    ------
    (str, matplotlib.figure.Figure)
    """
    ds = result.dataset
    published = _published(result)
    yield "retention.png", plots.plot_retention(ds, published=published)
    schedules = [str(s) for s in ds["schedule"].values]
    for schedule in schedules:
        name = "exact_recall.png" if schedule == "sequential" else f"exact_recall_{schedule}.png"
        yield name, plots.plot_exact_recall(ds, flip_fraction=0.1, schedule=schedule)
    family = "random" if "random" in ds["family"].values else str(ds["family"].values[0])
    yield "reconstruction.png", plots.plot_reconstruction(ds, family=family,
                                                          published=published if family == "random" else None)
    if examples is not None:
        yield "examples.png", plots.plot_examples(examples)


_CAPTIONS = {
    "retention.png": "Retention (the paper's measure, starting at the pattern) against K / N",
    "exact_recall.png": "Exact recall from rho = 0.1 (sequential updates) against K / N; dashed: N = 400",
    "exact_recall_synchronous.png": "Exact recall from rho = 0.1 with synchronous updates",
    "reconstruction.png": "Noisy-cue reconstruction against K, with the published FEP points",
    "examples.png": "Example recalls: pattern, flipped cue, and each rule's final state",
}


def _retention_lessons(ds) -> list[str]:
    """What the retention measure shows, measured on ``ds``: the projector's retention below K = N, and where
    FEP retention stays high while exact recall from a flipped cue has already failed."""
    lines = ["Retention starts the network AT the stored pattern: it measures whether the pattern is a (stable) "
             "fixed point, not whether the network gets there from anywhere else. It cannot show a basin of "
             "attraction, and so cannot show recall."]
    k = np.asarray(ds["n_patterns"].values)
    if "random" not in ds["family"].values or 100 not in plots.family_sizes(ds, "random"):
        return lines
    if "projector" in ds["rule"].values:
        ret = ds["retention"].sel(rule="projector", family="random", n_nodes=100)
        below = ret.sel(n_patterns=k[k < 100]).values
        if np.isfinite(below).any():
            low = float(np.nanmin(below))
            if low >= 0.999:
                lines.append(f"The projector (pseudo-inverse) network, which learns nothing beyond linear algebra, "
                             f"scores a retention of at least {low:.4f} at every K < N on random patterns (N = 100), "
                             f"whatever the size of its basins: passing this measure cannot tell a network that "
                             f"recalls from one that only holds its patterns as fixed points.")
            else:
                values = ret.sel(n_patterns=k[k < 100]).values
                run = np.isfinite(values).any(-1)
                mean = np.full(run.shape, np.nan)
                mean[run] = np.nanmean(values[run], axis=-1)
                kept = k[k < 100][run & (mean >= 0.999)]
                lost = k[k < 100][run & (mean < 0.999)]
                lines.append(
                    "The projector (pseudo-inverse) network keeps a retention of at least 0.999 "
                    + (f"up to K = {int(kept.max())} " if kept.size else "nowhere ")
                    + f"on random patterns (N = 100), but falls to {low:.3f} "
                    + (f"from K = {int(lost.min())} on " if lost.size else "")
                    + "although every pattern's signs stay a fixed point for K < N (the field at a pattern is "
                    "(1 - P_ii) xi_i). At iT = 100 the synchronous mean-field update is unstable there: "
                    "the linearised map iT L'(iT h) J has spectral radius above 1 once K nears N, driven by J's "
                    "eigenvalues of about -K/N off the patterns' span, and a period-2 oscillation carries the state "
                    "away. The paper's measure thus scores a projector network perfectly to about 0.85 N whatever "
                    "its basins, and fails it near N for a reason that has nothing to do with storage; in the sign "
                    "limit (iT -> infinity) its retention is 1.000 for every K < N.")
    if "fep" in ds["rule"].values:
        ret = plots.repeat_spread(ds["retention"].sel(rule="fep", family="random", n_nodes=100))[0]
        rec = plots.repeat_spread(ds["exact_recall"].sel(rule="fep", family="random", n_nodes=100,
                                                         flip_fraction=0.1, schedule="sequential"))[0]
        gap = np.flatnonzero(np.isfinite(ret) & np.isfinite(rec) & (ret >= 0.99) & (rec < 0.9))
        if gap.size:
            i = gap[-1]
            lines.append(f"For the FEP network at K = {int(k[i])} retention is {ret[i]:.3f} while only "
                         f"{100 * rec[i]:.0f} % of patterns are recalled exactly from 10 % flipped signs.")
    return lines


def _families(alpha_c) -> list[str]:
    """The families of ``alpha_c`` in their order of first appearance (random, biased, digits)."""
    return list(dict.fromkeys(f for by_family in alpha_c.values() for f in by_family))


def capacity_report(result, figure_names=()) -> Report:
    """The one-page report: the verdict, the alpha_c table, the published-vs-fepnet table, the figures.

    Parameters
    ----------
    result : CapacityResult
    figure_names : sequence of str
        The figure files written next to the report (referenced, in order).

    Returns
    -------
    fepnet.infra.report.Report
    """
    summary = capacity_summary(result)
    flags = _flags(result)
    ds = result.dataset
    r = Report("fepnet capacity: how many patterns do FEP, Hebbian, Storkey and projector networks recall?")
    v = verdict(summary["alpha_c"], flags=flags, level=summary["settings"].get("ci_level"))
    r.heading("Verdict on the paper's claim")
    r.text("The paper (Simulation 5) claims the FEP network's capacity \"substantially exceeds ~0.14 N\" and "
           "\"approaches the projector-network limit K = N\".")
    r.text(f"**{v['text']}**")
    r.heading("Capacity alpha_c = K_max / N")
    r.text("K_max: the largest K at which at least 90 % of patterns are recalled exactly (the sign of the final "
           "state equals the pattern at every node) from the pattern with 10 % of its signs flipped, zero bias, "
           "sequential deterministic updates at iT 100; interpolated between grid points; in brackets the "
           "bootstrap interval over repeats; >=: exact recall stays above 90 % to the end of the grid (a lower "
           "bound); < grid: below 90 % already at the smallest K. The large N: random patterns only.")
    families = _families(summary["alpha_c"])
    rows = []
    for rule, by_family in summary["alpha_c"].items():
        row = [plots.RULE_LABELS.get(rule, rule)]
        for family in families:
            row.append(_cell(by_family.get(family, {}), flags.get(rule, {}).get(family, {}).get("n100")))
        row.append(_cell(by_family.get("random", {}), flags.get(rule, {}).get("random", {}).get("n400"), "n400"))
        rows.append(row)
    sizes = {f: plots.family_sizes(ds, f) if f in ds["family"].values else [] for f in families}
    large = sizes.get("random", [])[1:] or ["400"]
    r.table(["rule"] + [f"{f} (N = {sizes[f][0] if sizes[f] else '?'})" for f in families]
            + [f"random (N = {large[0]})"], rows)
    r.heading("The published Simulation 5 against fepnet (FEP, random patterns, N = 100)")
    t = summary["published_table"]
    r.table(["K", "retention, published", "retention, fepnet", "reconstruction, published",
             "reconstruction, fepnet"],
            [[k, _fmt(a, 4), _fmt(b, 4), _fmt(c), _fmt(d)] for k, a, b, c, d in
             zip(t["K"], t["retention_published"], t["retention_fepnet"], t["reconstruction_published"],
                 t["reconstruction_fepnet"])])
    start = summary["settings"].get("reconstruction_start", "langevin")
    start = "the noisy cue clipped to [-1, 1]" if start == "clip" else "L(cue), the noisy cue mapped into [-1, 1]"
    r.text(f"fepnet: mean over repeats. The reconstruction starts from {start} (fepnet's states live in [-1, 1]; "
           "the published code starts from the raw cue, whose values leave [-1, 1]).")
    r.heading("What the authors' retention measure can and cannot show")
    r.bullets(_retention_lessons(result.dataset))
    for name in figure_names:
        r.figure(name, _CAPTIONS.get(name, name))
    settings = summary["settings"]
    r.text(f"Settings: `{settings}`. Wall time {_fmt(summary['wall_s'], 1)} s.")
    return r


def write_capacity(result, out, *, make_figures: bool = True, examples=None) -> dict:
    """Write ``capacity.nc``, the figures, ``report.md`` / ``report.html``, then ``capacity.json`` into ``out``.

    Parameters
    ----------
    result : CapacityResult
    out : fepnet.infra.artifacts.Artifacts
    make_figures : bool
        Draw and write the figures (the report then references them).
    examples : dict, optional
        :func:`fepnet.capacity.examples.example_recalls`, drawn as ``examples.png``.

    Returns
    -------
    dict
        ``capacity.json`` as read back, plus ``"alpha_flags"`` (the result's, if any) and under ``"files"`` the file
        names written (relative to ``out``).
        The JSON file itself holds exactly :data:`SUMMARY_KEYS`.
    """
    save_sweep(result.dataset, out.path("capacity.nc"))  # any Dataset: netCDF (h5netcdf), written atomically
    out.record("capacity.nc")
    names = []
    if make_figures:
        for name, fig in capacity_figures(result, examples):
            out.figure(name, fig)
            names.append(name)
    out.report(capacity_report(result, names))
    written = out.json("capacity.json", capacity_summary(result))
    return dict(written, alpha_flags=json_safe(_flags(result)),
                files=["capacity.nc", "capacity.json", *names, "report.md", "report.html"])


def format_capacity(summary: dict, directory: str = "") -> str:
    """The text ``fepnet capacity`` prints: the alpha_c table, the verdict, the files.

    Parameters
    ----------
    summary : dict
        :func:`write_capacity`'s result (or ``capacity.json`` read back).
    directory : str
        The output directory, for the "wrote" line.

    Returns
    -------
    str

    Examples
    --------
    >>> from fepnet.capacity.render import format_capacity
    >>> summary = {"alpha_c": {"fep": {"random": {"n100": 0.2, "n100_ci": [0.17, 0.23], "n400": None}}},
    ...            "settings": {"ci_level": 0.95}, "wall_s": 1.5}
    >>> print(format_capacity(summary).splitlines()[2])
      fep               0.200 [0.170, 0.230]      n/a
    """
    alpha = summary["alpha_c"]
    flags = summary.get("alpha_flags") or {}
    families = _families(alpha)
    lines = [f"fepnet capacity ({_fmt(summary['wall_s'], 1)} s): alpha_c = K_max / N (90 % exact recall from "
             f"rho = 0.1), N = 100 [bootstrap interval]; N = 400 random",
             "  " + f"{'rule':<12}" + "".join(f"{f:>26}" for f in families) + f"{'N=400':>9}"]
    for rule, by_family in alpha.items():
        flag = lambda f, key="n100": flags.get(rule, {}).get(f, {}).get(key)  # noqa: E731
        cells = "".join(f"{_cell(by_family.get(f, {}), flag(f)):>26}" for f in families)
        lines.append(f"  {rule:<12}{cells}{_cell(by_family.get('random', {}), flag('random', 'n400'), 'n400'):>9}")
    lines.append("  verdict: " + verdict(alpha, flags=flags, level=summary["settings"].get("ci_level"))["text"])
    if "files" in summary:
        lines.append(f"  wrote:   {directory}/ ({', '.join(summary['files'])})")
    return "\n".join(lines)
