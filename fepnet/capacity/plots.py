"""The figures of a capacity run (``fepnet capacity``, ``fepnet reproduce sim5``): no computation, no files.

Every function takes the result's :class:`xarray.Dataset` (dims ``rule``, ``family``,
``n_nodes``, ``n_patterns``, ``repeat``, and ``flip_fraction``, ``schedule`` for the basin
test; NaN where a grid point was not run) and returns one open matplotlib Figure; the
caller writes it (``Artifacts.figure``). Whatever rules and families the dataset holds are
drawn, so a run restricted to the FEP rule on random patterns (Simulation 5) draws too.

A line is the mean over repeats; the band around it is the interquartile range (25th to
75th percentile) over repeats. Load K / N is on the x axis of the capacity figures, with
the Hopfield limit ``alpha = 0.138`` and the projector limit ``alpha = 1`` marked.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..infra.plotting import figure_title, subplots

__all__ = ["HOPFIELD_ALPHA", "RULE_COLOURS", "RULE_LABELS", "repeat_spread", "family_sizes", "plot_retention",
           "plot_exact_recall", "plot_reconstruction", "plot_examples"]

#: The Hopfield limit alpha = K / N = 0.138 of Hebbian storage, marked on the capacity figures and compared with the
#: FEP network's alpha_c by :func:`~fepnet.capacity.render.verdict`.
HOPFIELD_ALPHA = 0.138  # Amit, Gutfreund & Sompolinsky: Hebbian retrieval up to about 0.138 N patterns
#: Legend and table labels of the storage rules: rule name (:data:`fepnet.capacity.settings.RULES`) -> label.
RULE_LABELS = {"fep": "FEP (trained)", "hebbian": "Hebbian", "storkey": "Storkey", "projector": "projector"}
#: Line colours of the storage rules in the capacity figures: rule name -> matplotlib colour.
RULE_COLOURS = {"fep": "tab:red", "hebbian": "tab:blue", "storkey": "tab:green", "projector": "tab:purple"}
SPREAD = "interquartile range over repeats"


def repeat_spread(da, dim: str = "repeat"):
    """Mean, 25th and 75th percentiles of ``da`` over ``dim``, NaNs ignored (NaN where every repeat is NaN).

    Parameters
    ----------
    da : xarray.DataArray
        With a ``dim`` dimension.
    dim : str

    Returns
    -------
    mean, q25, q75 : numpy.ndarray
        ``da``'s shape without ``dim``.

    Examples
    --------
    >>> import xarray as xr
    >>> from fepnet.capacity.plots import repeat_spread
    >>> repeat_spread(xr.DataArray([[0.0, 1.0, 2.0, 3.0]], dims=("n_patterns", "repeat")))
    (array([1.5]), array([0.75]), array([2.25]))
    """
    axis = da.get_axis_num(dim)
    x = np.asarray(da.values, dtype=np.float64)
    with warnings.catch_warnings():  # all-NaN slices (grid points not run) are meant to stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(x, axis=axis)
        q25, q75 = np.nanpercentile(x, [25, 75], axis=axis)
    return mean, q25, q75


def family_sizes(ds, family: str, variable: str = "retention") -> list[int]:
    """The network sizes N at which ``family`` has data in ``variable``, smallest first (the first is the
    family's main size: 100 for random and biased patterns, 64 for the digits; 400 a second size for random).

    Parameters
    ----------
    ds : xarray.Dataset
        A capacity result's Dataset (dims include ``family`` and ``n_nodes``).
    family : str
        The pattern family.
    variable : str
        The variable whose finite values count as data.

    Returns
    -------
    list of int

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from fepnet.capacity.plots import family_sizes
    >>> ds = xr.Dataset({"retention": (("family", "n_nodes", "repeat"), [[[1.0, 1.0], [np.nan, np.nan]]])},
    ...                 coords={"family": ["random"], "n_nodes": [100, 400]})
    >>> family_sizes(ds, "random")  # N = 400 was not run
    [100]
    """
    da = ds[variable].sel(family=family)
    other = [d for d in da.dims if d != "n_nodes"]
    has = np.isfinite(np.asarray(da.transpose("n_nodes", *other).values, dtype=np.float64))
    has = has.reshape(has.shape[0], -1).any(axis=1)
    return sorted(int(n) for n, ok in zip(ds["n_nodes"].values, has) if ok)


def _main_size(ds, family, variable="retention"):
    sizes = family_sizes(ds, family, variable)
    return sizes[0] if sizes else int(ds["n_nodes"].values[0])


def _line(ax, x, da, *, colour, label, dashed=False):
    """Mean over repeats with the IQR band, at the finite points only; returns whether anything was drawn."""
    mean, lo, hi = repeat_spread(da)
    ok = np.isfinite(mean)
    if not ok.any():
        return False
    ax.plot(x[ok], mean[ok], "--" if dashed else "-", marker="." if not dashed else None, color=colour, label=label)
    ax.fill_between(x[ok], lo[ok], hi[ok], color=colour, alpha=0.18 if not dashed else 0.1, linewidth=0)
    return True


def _limits(ax):
    ax.axvline(HOPFIELD_ALPHA, color="0.4", linestyle=":", linewidth=1)
    ax.axvline(1.0, color="0.4", linestyle="--", linewidth=1)
    top = ax.get_ylim()[1]
    ax.text(HOPFIELD_ALPHA, top, " 0.138", color="0.3", fontsize=7, va="top")
    ax.text(1.0, top, " K = N", color="0.3", fontsize=7, va="top")


def _family_axes(ds, title):
    families = [str(f) for f in ds["family"].values]
    fig, axes = subplots(1, len(families), figsize=(4.2 * len(families), 3.6), sharey=True, squeeze=False)
    figure_title(fig, title)
    return fig, dict(zip(families, axes[0]))


def _published_points(ax, x, y, label):
    ax.plot(x, y, "ko", markersize=4, markerfacecolor="none", label=label)


def plot_retention(ds, *, published=None):
    """Retention (the paper's measure: start AT the pattern) against K / N, one panel per family, a line per rule.

    Each family is drawn at its main size (:func:`family_sizes`).

    Parameters
    ----------
    ds : xarray.Dataset
        With ``retention`` (rule, family, n_nodes, n_patterns, repeat).
    published : dict, optional
        ``{"K": [...], "retention": [...]}``: the paper's FEP points (N = 100), drawn on the random-pattern panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _family_axes(ds, f"Retention (start at the pattern, iT 100, 150 steps)\n"
                                 f"mean over repeats, band: {SPREAD}")
    k = np.asarray(ds["n_patterns"].values, dtype=float)
    for family, ax in axes.items():
        n_nodes = _main_size(ds, family)
        for rule in ds["rule"].values:
            _line(ax, k / n_nodes, ds["retention"].sel(rule=rule, family=family, n_nodes=n_nodes),
                  colour=RULE_COLOURS.get(str(rule)), label=RULE_LABELS.get(str(rule), str(rule)))
        if published is not None and family == "random":
            _published_points(ax, np.asarray(published["K"]) / 100, published["retention"], "FEP, published")
        ax.set_title(f"{family} patterns, N = {n_nodes}")
        ax.set_xlabel("load K / N")
        _limits(ax)
    first = next(iter(axes.values()))
    first.set_ylabel("mean corr(final state, pattern)")
    first.legend(fontsize=7, loc="lower left")
    return fig


def plot_exact_recall(ds, *, flip_fraction: float = 0.1, schedule: str = "sequential", threshold: float = 0.9):
    """Fraction of patterns recalled exactly from a cue with ``flip_fraction`` of its signs flipped, against K / N.

    One panel per family, a line per rule (solid: the family's main size, :func:`family_sizes`;
    dashed: any other size with data, e.g. N = 400 for random patterns), the capacity threshold as a
    horizontal line.

    Parameters
    ----------
    ds : xarray.Dataset
        With ``exact_recall`` (rule, family, n_nodes, n_patterns, repeat, flip_fraction, schedule).
    flip_fraction, schedule : float, str
        The basin test drawn.
    threshold : float
        The recall level that defines alpha_c (0.9).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _family_axes(ds, f"Exact recall from rho = {flip_fraction:g} flipped signs ({schedule} updates, "
                                 f"iT 100)\nmean over repeats, band: {SPREAD}")
    da = ds["exact_recall"].sel(flip_fraction=flip_fraction, schedule=schedule, method=None)
    k = np.asarray(ds["n_patterns"].values, dtype=float)
    for family, ax in axes.items():
        sizes = family_sizes(ds, family, "exact_recall")
        for rule in ds["rule"].values:
            label = RULE_LABELS.get(str(rule), str(rule))
            for i, n in enumerate(sizes):
                _line(ax, k / n, da.sel(rule=rule, family=family, n_nodes=n), colour=RULE_COLOURS.get(str(rule)),
                      label=f"{label}, N = {n}", dashed=i > 0)
        ax.axhline(threshold, color="0.6", linewidth=0.8)
        ax.set_title(f"{family} patterns")
        ax.set_xlabel("load K / N")
        ax.set_ylim(-0.03, 1.03)
        _limits(ax)
    first = next(iter(axes.values()))
    first.set_ylabel("fraction recalled exactly")
    for ax in axes.values():
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6, loc="upper right")
            break
    return fig


def plot_reconstruction(ds, *, family: str = "random", published=None):
    """Noisy-cue reconstruction corr(response, pattern) against K, a line per rule, and the cue's own correlation.

    Parameters
    ----------
    ds : xarray.Dataset
        With ``reconstruction`` and ``cue_correlation`` (rule, family, n_nodes, n_patterns, repeat).
    family : str
        Drawn at its main size (:func:`family_sizes`).
    published : dict, optional
        ``{"K": [...], "reconstruction": [...]}``: the paper's FEP points (random patterns, N = 100).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = subplots(figsize=(6.4, 4.2))
    n_nodes = _main_size(ds, family, "reconstruction")
    k = np.asarray(ds["n_patterns"].values, dtype=float)
    for rule in ds["rule"].values:
        _line(ax, k, ds["reconstruction"].sel(rule=rule, family=family, n_nodes=n_nodes),
              colour=RULE_COLOURS.get(str(rule)), label=RULE_LABELS.get(str(rule), str(rule)))
    cue = ds["cue_correlation"].sel(family=family, n_nodes=n_nodes)
    cue = cue.mean("rule") if "rule" in cue.dims else cue
    _line(ax, k, cue, colour="0.5", label="the cue itself", dashed=True)
    if published is not None:
        _published_points(ax, np.asarray(published["K"]), published["reconstruction"], "FEP, published")
    ax.axvline(n_nodes, color="0.4", linestyle="--", linewidth=1)
    ax.set_xlabel("patterns stored K")
    ax.set_ylabel("corr(response, pattern)")
    ax.set_title(f"Noisy-cue reconstruction ({family} patterns, N = {n_nodes}; cue sd 2 x pattern sd, iT 1)\n"
                 f"mean over repeats, band: {SPREAD}", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def plot_examples(examples):
    """A row of example recalls: the pattern, its flipped cue, and the final state reached by each rule.

    Parameters
    ----------
    examples : Mapping
        ``pattern`` (N,), ``cue`` (N,), ``final`` {rule: (N,)}, and ``family``, ``n_nodes``,
        ``n_patterns``, ``flip_fraction``, ``schedule`` for the title. N a perfect square is drawn
        as a sqrt(N) x sqrt(N) image, any other N as bars.

    Returns
    -------
    matplotlib.figure.Figure
    """
    pattern = np.asarray(examples["pattern"], dtype=float)
    panels = [("pattern", pattern), (f"cue (rho = {examples['flip_fraction']:g})", np.asarray(examples["cue"]))]
    panels += [(RULE_LABELS.get(rule, rule), np.asarray(state, dtype=float))
               for rule, state in examples["final"].items()]
    n = pattern.size
    side = int(round(np.sqrt(n)))
    fig, axes = subplots(1, len(panels), figsize=(1.9 * len(panels), 2.5), squeeze=False)
    for ax, (title, state) in zip(axes[0], panels):
        m = float(np.mean(np.sign(state) * pattern))
        if side * side == n:
            ax.imshow(state.reshape(side, side), cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            ax.bar(np.arange(n), state, color=np.where(np.sign(state) == pattern, "0.3", "tab:red"), width=1.0)
            ax.set_ylim(-1.05, 1.05)
            ax.set_xticks([])
        ax.set_title(f"{title}\nm = {m:.2f}", fontsize=8)
    figure_title(fig, f"Example recalls: {examples['family']} patterns, N = {examples['n_nodes']}, "
                 f"K = {examples['n_patterns']}, {examples['schedule']} updates (m: overlap of sign(state))",
                 fontsize=9)
    return fig
