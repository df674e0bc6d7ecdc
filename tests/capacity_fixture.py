"""A synthetic capacity result, shaped like :func:`fepnet.capacity.compute.run_capacity`'s, for the render and
command tests (no training: plausible numbers from closed forms, NaN where a grid point is not run)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xarray as xr

from fepnet.paper.protocols import PUBLISHED

RULES = ("fep", "hebbian", "storkey", "projector")
FAMILIES = ("random", "biased", "digits")
FLIPS = (0.05, 0.1, 0.2)
SCHEDULES = ("sequential", "synchronous")
PUBLISHED_K = PUBLISHED["sim5"]["K"]
PUBLISHED_RETENTION = PUBLISHED["sim5"]["retention"]
PUBLISHED_RECONSTRUCTION = PUBLISHED["sim5"]["reconstruction"]
# The synthetic capacity (K / N at which exact recall from rho = 0.1 falls to 50 %) of each rule.
ALPHA = {"fep": 0.35, "hebbian": 0.14, "storkey": 0.2, "projector": 0.7}


class SyntheticResult(NamedTuple):
    dataset: xr.Dataset
    alpha_c: dict
    alpha_flags: dict
    published_table: dict
    settings: dict
    wall_s: float
    examples: dict | None = None


def synthetic_result(*, repeats: int = 4, n_nodes=(64, 100, 400), n_patterns=tuple(range(10, 210, 10)),
                     rules=RULES, families=FAMILIES, seed: int = 0, examples: bool = True) -> SyntheticResult:
    """A result with every variable of the real one, run where the real one runs: random patterns at N = 100 and
    at N = 400 (K <= 120 here), biased at N = 100, digits at N = 64 (K <= 128); NaN elsewhere."""
    rng = np.random.default_rng(seed)
    k = np.asarray(n_patterns, dtype=float)
    shape = (len(rules), len(families), len(n_nodes), len(k), repeats)
    load = k[None, None, None, :, None] / np.asarray(n_nodes, dtype=float)[None, None, :, None, None]
    alpha = np.asarray([ALPHA[r] for r in rules])[:, None, None, None, None]
    noise = rng.normal(0, 0.02, shape)
    exact = 1 / (1 + np.exp((load - alpha) / 0.03))
    retention = np.where(np.asarray(rules)[:, None, None, None, None] == "projector",
                         np.where(load < 1, 1.0, 0.5), 1 - 0.3 * np.clip(load - alpha, 0, None)) + 0 * noise
    reconstruction = np.clip(0.98 - 0.6 * load + noise, 0.4, 1)
    cue = 0.447 + 0.01 * rng.normal(size=shape)
    asym = np.where(np.asarray(rules)[:, None, None, None, None] == "fep", 0.1, 0.0) + 0 * noise
    ext = np.clip(exact[..., None, None] * (1 - np.asarray(FLIPS)[:, None]) * np.ones(len(SCHEDULES)), 0, 1)
    overlap = 0.5 + 0.5 * ext
    run = np.zeros(shape, dtype=bool)
    where = {"random": {100: k > 0, 400: k <= 120}, "biased": {100: k > 0}, "digits": {64: k <= 128}}
    for fi, family in enumerate(families):
        for ni, n in enumerate(n_nodes):
            if n in where[family]:
                run[:, fi, ni, where[family][n]] = True

    def masked(x):
        m = run.reshape(run.shape + (1,) * (x.ndim - run.ndim))
        return np.where(m, x, np.nan).astype(np.float32)

    base = ("rule", "family", "n_nodes", "n_patterns", "repeat")
    ds = xr.Dataset(
        {"retention": (base, masked(retention)), "reconstruction": (base, masked(reconstruction)),
         "cue_correlation": (base, masked(cue)), "asymmetry": (base, masked(asym)),
         "exact_recall": (base + ("flip_fraction", "schedule"), masked(ext)),
         "overlap": (base + ("flip_fraction", "schedule"), masked(overlap))},
        coords={"rule": list(rules), "family": list(families), "n_nodes": list(n_nodes), "n_patterns": list(n_patterns),
                "repeat": np.arange(repeats), "flip_fraction": list(FLIPS), "schedule": list(SCHEDULES)})
    alpha_c = {r: {f: {"n100": ALPHA[r], "n100_ci": [ALPHA[r] - 0.02, ALPHA[r] + 0.02],
                       "n400": ALPHA[r] if f == "random" else None} for f in families} for r in rules}
    alpha_flags = {r: {f: {"n100": "interpolated", "n400": "interpolated" if f == "random" else None}
                       for f in families} for r in rules}
    published_table = {"K": list(PUBLISHED_K), "retention_published": list(PUBLISHED_RETENTION),
                       "retention_fepnet": [float(x) for x in np.asarray(PUBLISHED_RETENTION) - 0.001],
                       "reconstruction_published": list(PUBLISHED_RECONSTRUCTION),
                       "reconstruction_fepnet": [float(x) for x in np.asarray(PUBLISHED_RECONSTRUCTION) + 0.01]}
    ex = None
    if examples:
        pattern = np.sign(rng.normal(size=100))
        cue_state = pattern * np.where(rng.random(100) < 0.1, -1, 1)
        ex = {"family": "random", "n_nodes": 100, "n_patterns": 20, "flip_fraction": 0.1, "schedule": "sequential",
              "pattern": pattern, "cue": cue_state, "final": {r: pattern if r != "hebbian" else cue_state for r in rules}}
    settings = {"families": list(families), "n_repeats": repeats, "reconstruction_start": "clip", "synthetic": True}
    return SyntheticResult(ds, alpha_c, alpha_flags, published_table, settings, 12.5, ex)


def sim5_dataset(means_retention, means_reconstruction, *, spread: float = 0.0, repeats: int = 5) -> xr.Dataset:
    """A Simulation-5 shaped dataset (fep, random, N = 100, the published K) with the given means over repeats and
    per-repeat values evenly spread by +-``spread`` around them."""
    offsets = np.linspace(-spread, spread, repeats)
    ret = np.asarray(means_retention)[:, None] + offsets
    rec = np.asarray(means_reconstruction)[:, None] + offsets
    cue = np.full_like(ret, 0.447)
    shape = (1, 1, 1, len(PUBLISHED_K), repeats)
    base = ("rule", "family", "n_nodes", "n_patterns", "repeat")
    return xr.Dataset({"retention": (base, ret.reshape(shape)), "reconstruction": (base, rec.reshape(shape)),
                       "cue_correlation": (base, cue.reshape(shape))},
                      coords={"rule": ["fep"], "family": ["random"], "n_nodes": [100], "n_patterns": list(PUBLISHED_K),
                              "repeat": np.arange(repeats)})
