"""Memory capacity (the paper's Simulation 5 and beyond): every rule, family and load, one xarray Dataset.

For each pattern family and network size N the grid runs K = round(r N) for every load ratio
r of the settings, ``n_repeats`` independent pattern sets per K, and four storage rules on the
same patterns: the FEP network trained with the paper's protocol (:mod:`fepnet.capacity.training`), and the
Hebbian, Storkey and projector couplings (:mod:`fepnet.storage`). Every network then takes the
same recall tests (:mod:`fepnet.recall`) with the same random numbers (the flips and cues of a
(family, N, K, repeat) are shared by the four rules): retention (the paper's measure), the basin
test from rho N flipped signs under each schedule, and noisy-cue reconstruction. alpha_c comes
from the exact recall at rho = ``alpha_flip`` under ``alpha_schedule`` (:mod:`fepnet.capacity.alpha`).

Sizes: random and biased patterns run at N = ``n_nodes`` (100) and random ones also at
N = ``large_nodes`` (400, ``large_repeats`` repeats, load ratios ``large_load_ratios``); the
digits have 64 pixels, so the digits family runs at N = 64 (K = round(r 64), up to 2N = 128).
The Dataset's ``n_nodes`` coordinate holds the true N (64, 100, 400); its ``"n100"`` entries of
``alpha_c`` are the N = 64 values for the digits. NaN marks every combination not run.

Compiled shapes: the K patterns of a (family, N, K) are the first K rows of a set of the group's
largest K drawn with that (family, N, K)'s own key (one sampling program per group), and the
recall tests of ``recall_k_per_chunk`` consecutive K values share one call, their patterns
padded to the largest K of the chunk (copies of a real pattern, whose results are dropped; the
Hebbian, Storkey and projector couplings are computed from zero-padded sets: a zero row adds
nothing to the first two and nothing beyond float rounding, about 1e-6, to the projector). Each
pattern's recall key does not depend on the padding.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..infra import checks as v
from ..infra.progress import check_interrupt, progress_bar
from ..paper.protocols import PUBLISHED
from ..storage import rule_couplings, zero_bias_network
from .alpha import alpha_c as estimate_alpha
from .patterns import DIGITS_NODES, FAMILIES, pattern_family
from .settings import RULES, CapacitySettings, grid_groups
from .training import train_networks

__all__ = ["CapacityResult", "run_capacity"]


class CapacityResult(NamedTuple):
    """The result of :func:`run_capacity`.

    Parameters
    ----------
    dataset : xarray.Dataset
        retention, reconstruction, cue_correlation (rule, family, n_nodes, n_patterns, repeat);
        exact_recall, overlap, converged (the same, then flip_fraction, schedule); asymmetry
        (family, n_nodes, n_patterns, repeat); each described in its ``description`` attribute
        (module docstring). NaN where not run.
    alpha_c : dict
        ``{rule: {family: {"n100": value, "n100_ci": [lo, hi], "n400": value or None}}}``.
    alpha_flags : dict
        The same nesting, ``{"n100": flag, "n400": flag or None}`` (``fepnet.capacity.alpha.FLAGS``:
        "lower_bound" means alpha_c >= value).
    published_table : dict
        The published K = 10 .. 90 columns (retention, reconstruction) beside fepnet's (FEP,
        random, N = 100, mean over repeats; None where not run).
    settings : dict
        The settings (:meth:`CapacitySettings.as_dict`).
    wall_s : float
        Wall time in seconds.
    """

    dataset: object
    alpha_c: dict
    alpha_flags: dict
    published_table: dict
    settings: dict
    wall_s: float



def _padded(P, k_pad, zero: bool = False):
    """Patterns (R, K, N) padded to K_pad rows: zero rows, or copies of row 0 (valid +-1 starts whose
    results are dropped)."""
    extra = k_pad - P.shape[1]
    if extra == 0:
        return P
    fill = jnp.zeros_like(P[:, :1]) if zero else P[:, :1]
    return jnp.concatenate([P, jnp.repeat(fill, extra, axis=1)], axis=1)


def _asymmetry(J):
    """||J - J^T||_F / ||J||_F per network (0 for J = 0)."""
    J = np.asarray(J, np.float64)
    norm = np.sqrt((J * J).sum((-2, -1)))
    skew = J - np.swapaxes(J, -1, -2)
    return np.where(norm > 0, np.sqrt((skew * skew).sum((-2, -1))) / np.where(norm > 0, norm, 1.0), 0.0)


@jax.jit
def _fold_each(keys, data):
    """fold_in(k, data) for each key of a 1-d key array."""
    return jax.vmap(jax.random.fold_in, in_axes=(0, None))(keys, data)


@jax.jit
def _fold_paths(key, paths):
    """fold_in(.. fold_in(key, path[0]) .., path[-1]) for each row of an int array ``paths`` (B, P): keys (B,)."""
    def one(path):
        return jax.lax.fori_loop(0, path.shape[0], lambda i, k: jax.random.fold_in(k, path[i]), key)

    return jax.vmap(one)(paths)


def _recall(s: CapacitySettings, keys, J, P):
    """The recall tests of a batch: J (B, N, N), P (B, K, N), keys (B,) -> dict of (B, K) arrays."""
    from ..recall import basin_recall, reconstruction, retention

    net = zero_bias_network(jnp.asarray(J))
    out = {"retention": retention(net, P, inverse_temperature=s.recall_inverse_temperature,
                                  n_steps=s.retention_steps)}
    rec = reconstruction(keys, net, P, noise_sd=s.noise_sd, inverse_temperature=s.reconstruction_inverse_temperature,
                         n_steps=s.reconstruction_steps, burn_in=s.burn_in, start=s.reconstruction_start)
    out["reconstruction"], out["cue_correlation"] = rec.score, rec.cue_correlation
    exact, overlap, converged = [], [], []
    basin = P if s.basin_patterns is None else P[:, :s.basin_patterns]
    for i, rho in enumerate(s.flip_fractions):
        row = [basin_recall(_fold_each(keys, i), net, basin, rho, schedule=sch,
                            inverse_temperature=s.recall_inverse_temperature, max_sweeps=s.max_sweeps)
               for sch in s.schedules]
        exact.append([r.exact for r in row])
        overlap.append([r.overlap for r in row])
        converged.append([r.converged for r in row])
    out["exact_recall"] = jnp.asarray(exact, jnp.float32)  # (F, S, B, min(K, basin_patterns))
    out["overlap"] = jnp.asarray(overlap)
    out["converged"] = jnp.asarray(converged, jnp.float32)
    return {k: np.asarray(x, np.float64) for k, x in out.items()}


def run_capacity(settings: CapacitySettings | None = None, *, key, progress: bool = True) -> CapacityResult:
    """Train and test every network of the capacity grid (module docstring).

    Parameters
    ----------
    settings : CapacitySettings, optional
        The grid and protocols (default: the full grid; :meth:`CapacitySettings.quick` for CI).
    key : PRNG key
        The root key. Patterns of (family, N, K) use fold_in(k_patterns, (family, N, K)); the FEP
        network of a repeat fold_in(k_train, ..., repeat); the recall tests fold_in(k_recall, ...),
        shared by the four rules.
    progress : bool
        Progress bars (training per group, then the recall tests).

    Returns
    -------
    CapacityResult

    Raises
    ------
    TypeError
        ``settings`` not CapacitySettings, ``key`` not a PRNG key.
    FloatingPointError
        An FEP network's couplings became non-finite.
    KeyboardInterrupt
        At the end of the chunk during which an interrupt arrived.

    Examples
    --------
    The CI smoke grid (not run as a doctest: about a minute on 2 CPU cores; the full grid
    ``run_capacity(key=...)`` under 15 minutes):

    >>> import jax
    >>> from fepnet.capacity import CapacitySettings, run_capacity
    >>> result = run_capacity(CapacitySettings.quick(), key=jax.random.key(0), progress=False)  # doctest: +SKIP
    >>> sorted(result.alpha_c)  # doctest: +SKIP
    ['fep', 'hebbian', 'projector', 'storkey']
    """
    import xarray as xr

    s = CapacitySettings() if settings is None else settings
    if not isinstance(s, CapacitySettings):
        raise TypeError(f"settings must be CapacitySettings, got {type(s).__name__}")
    key = v.prng_key(key)
    t0 = time.perf_counter()
    k_pat, k_train, k_rec, k_boot = jax.random.split(key, 4)
    groups = grid_groups(s)
    n_axis = sorted({g[1] for g in groups})
    k_axis = sorted({k for g in groups for k in g[2]})
    r_max = max(g[3] for g in groups)
    F, S = len(s.flip_fractions), len(s.schedules)
    shape = (len(s.rules), len(s.families), len(n_axis), len(k_axis), r_max)
    data = {name: np.full(shape, np.nan) for name in ("retention", "reconstruction", "cue_correlation")}
    for name in ("exact_recall", "overlap", "converged"):
        data[name] = np.full(shape + (F, S), np.nan)
    asym = np.full(shape[1:], np.nan)

    def fold(k, rows):
        return _fold_paths(k, jnp.asarray(rows, jnp.uint32))

    n_recall = sum(len(s.rules) * -(-len(g[2]) // s.recall_k_per_chunk) for g in groups)
    work = []
    for family, n, ks, reps in groups:
        fi, ni = s.families.index(family), n_axis.index(n)
        fid = FAMILIES.index(family)
        k_sets = fold(k_pat, [(fid, n, k) for k in ks])
        k_max = max(ks)
        pats = {k: pattern_family(k_sets[j], family, reps, k_max, n)[:, :k] for j, k in enumerate(ks)}
        train_keys = fold(k_train, [(fid, n, k, r) for k in ks for r in range(reps)])
        stacked = jnp.concatenate([_padded(pats[k], k_max) for k in ks])
        counts = np.repeat(np.asarray(ks), reps)
        fep = None
        if "fep" in s.rules:
            fep = train_networks(train_keys, stacked, counts, protocol=s.protocol, chunk_networks=s.chunk_networks,
                                 chunk_epochs=s.chunk_epochs, progress=progress, desc=f"train FEP {family} N={n}")
            fep = fep.reshape(len(ks), reps, n, n)
            for j, k in enumerate(ks):
                asym[fi, ni, k_axis.index(k), :reps] = _asymmetry(fep[j])
        work.append((family, fi, n, ni, ks, reps, pats, fep))

    with progress_bar(total=n_recall, desc="recall tests", unit="batch", enable=progress) as bar:
        for family, fi, n, ni, ks, reps, pats, fep in work:
            fid = FAMILIES.index(family)
            for c in range(0, len(ks), s.recall_k_per_chunk):
                chunk = ks[c:c + s.recall_k_per_chunk]
                k_pad = max(chunk)
                P = jnp.concatenate([_padded(pats[k], k_pad) for k in chunk])
                keys = fold(k_rec, [(fid, n, k, r) for k in chunk for r in range(reps)])
                for ri, rule in enumerate(s.rules):
                    if rule == "fep":
                        J = np.concatenate([fep[ks.index(k)] for k in chunk])
                    else:  # zero rows add nothing to any of the three rules: one compiled shape per chunk
                        zeros = jnp.concatenate([_padded(pats[k], k_pad, zero=True) for k in chunk])
                        J = np.asarray(rule_couplings(rule, zeros))
                    res = _recall(s, keys, J, P)
                    for j, k in enumerate(chunk):
                        rows = slice(j * reps, (j + 1) * reps)
                        at = (ri, fi, ni, k_axis.index(k), slice(0, reps))
                        for name in ("retention", "reconstruction", "cue_correlation"):
                            data[name][at] = res[name][rows, :k].mean(-1)
                        kb = k if s.basin_patterns is None else min(k, s.basin_patterns)
                        for name in ("exact_recall", "overlap", "converged"):
                            data[name][at] = np.moveaxis(res[name][:, :, rows, :kb].mean(-1), (0, 1), (-2, -1))
                    check_interrupt()
                    bar.update(1)

    dims = ("rule", "family", "n_nodes", "n_patterns", "repeat")
    coords = {"rule": list(s.rules), "family": list(s.families), "n_nodes": n_axis, "n_patterns": k_axis,
              "repeat": np.arange(r_max), "flip_fraction": list(s.flip_fractions), "schedule": list(s.schedules)}
    desc = {
        "retention": "mean over patterns of corr(final, pattern) after deterministic synchronous steps from the "
                     "pattern (the paper's measure)",
        "reconstruction": "mean over patterns of corr(mean state after burn-in, pattern), noisy cue as start "
                          f"({s.reconstruction_start}) and bias",
        "cue_correlation": "mean over patterns of corr(cue, pattern)",
        "exact_recall": "fraction of patterns whose sign is recalled exactly from rho N flipped signs",
        "overlap": "mean over patterns of m = mean_i sign(final_i) pattern_i",
        "converged": "fraction of basin-test runs that converged within max_sweeps",
        "asymmetry": "||J - J^T||_F / ||J||_F of the FEP network",
    }
    variables = {name: (dims, data[name], {"description": desc[name]})
                 for name in ("retention", "reconstruction", "cue_correlation")}
    for name in ("exact_recall", "overlap", "converged"):
        variables[name] = (dims + ("flip_fraction", "schedule"), data[name], {"description": desc[name]})
    variables["asymmetry"] = (dims[1:], asym, {"description": desc["asymmetry"]})
    ds = xr.Dataset(variables, coords=coords)
    ds = ds.assign_coords(load_ratio=(("n_nodes", "n_patterns"),
                                np.asarray(k_axis, np.float64)[None, :] / np.asarray(n_axis, np.float64)[:, None]))
    ds.attrs.update({"title": "fepnet memory capacity", "digits_n_nodes": DIGITS_NODES,
                     "key_data": np.asarray(jax.random.key_data(key)).astype(np.int64),
                     "key_impl": str(jax.random.key_impl(key))})

    alpha, flags = _alphas(s, ds, groups, k_boot)
    wall = time.perf_counter() - t0
    ds.attrs["wall_s"] = wall
    return CapacityResult(ds, alpha, flags, _published_table(ds, s), s.as_dict(), wall)


def _alphas(s, ds, groups, key):
    """alpha_c per rule and family at the main N (and the large N for random), with flags."""
    alpha, flags = {}, {}
    exact = ds["exact_recall"].sel(flip_fraction=s.alpha_flip, schedule=s.alpha_schedule)
    for rule in s.rules:
        alpha[rule], flags[rule] = {}, {}
        for family in s.families:
            entry, flag = {"n100": None, "n100_ci": None, "n400": None}, {"n100": None, "n400": None}
            for family_g, n, ks, reps in groups:
                if family_g != family:
                    continue
                curve = exact.sel(rule=rule, family=family, n_nodes=n, n_patterns=list(ks)).values[:, :reps].T
                k = jax.random.fold_in(jax.random.fold_in(key, RULES.index(rule)), FAMILIES.index(family) * 100_000 + n)
                est = estimate_alpha(curve, ks, n, key=k, threshold=s.alpha_threshold, n_bootstrap=s.n_bootstrap,
                                     level=s.ci_level)
                if n == s.large_nodes and family == "random":
                    entry["n400"], flag["n400"] = est.value, est.flag
                else:
                    entry["n100"], entry["n100_ci"], flag["n100"] = est.value, list(est.interval), est.flag
            alpha[rule][family], flags[rule][family] = entry, flag
    return alpha, flags


def _published_table(ds, s):
    """The published K = 10..90 columns beside fepnet's FEP, random, N = 100 means (None where not run)."""
    published = PUBLISHED["sim5"]
    ret, rec = [], []
    for k in published["K"]:
        for name, col in (("retention", ret), ("reconstruction", rec)):
            if "fep" in s.rules and "random" in s.families and s.n_nodes == 100 and k in ds.n_patterns.values:
                x = ds[name].sel(rule="fep", family="random", n_nodes=100, n_patterns=k).values
                x = x[np.isfinite(x)]
                col.append(float(x.mean()) if x.size else None)
            else:
                col.append(None)
    return {"K": list(published["K"]), "retention_published": list(published["retention"]), "retention_fepnet": ret,
            "reconstruction_published": list(published["reconstruction"]), "reconstruction_fepnet": rec}
