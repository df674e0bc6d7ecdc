"""Deterministic attractors: relax from many starting points at once, then de-duplicate."""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np

from .network import Network
from .relax import RelaxResult, relax

__all__ = ["Attractors", "find_attractors", "deduplicate"]


class Attractors(NamedTuple):
    """states: (A, N) distinct attractors; label: (S,) which attractor each start reached;
    relaxed: the per-start :class:`RelaxResult` (converged flags, step counts)."""

    states: np.ndarray
    label: np.ndarray
    relaxed: RelaxResult

    @property
    def count(self) -> int:
        return int(self.states.shape[0])


def deduplicate(states, decimals: int = 2):
    """Distinct rows after rounding to ``decimals`` (the paper rounds to 2): (unique (A, N), label (S,)).

    Unique rows keep their order of first appearance.
    """
    x = np.round(np.asarray(states, dtype=np.float64), decimals) + 0.0  # + 0.0 folds -0.0 into 0.0
    _, first, label = np.unique(x, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return x[first[order]], rank[label.reshape(-1)]


def find_attractors(
    network: Network,
    starts,
    inverse_temperature=1.0,
    *,
    schedule: str = "synchronous",
    tol: float = 1e-6,
    max_steps: int = 1000,
    decimals: int = 2,
    key: jax.Array | None = None,
) -> Attractors:
    """Relax every row of ``starts`` (S, N) deterministically (batched) and de-duplicate the end states."""
    relaxed = relax(network, starts, inverse_temperature, schedule=schedule, tol=tol, max_steps=max_steps, key=key)
    states, label = deduplicate(relaxed.sigma, decimals)
    return Attractors(states, label, relaxed)
