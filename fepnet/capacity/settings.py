"""The capacity grid: storage rules, recall schedules and :class:`CapacitySettings`.

The defaults are the paper's Simulation 5 (Section 3.5 and Appendix: N = 100, 20 repeats, the
training of :data:`fepnet.capacity.training.PROTOCOL`, retention at iT = 100 for 150 synchronous
steps, noisy cues of 2 sd at iT = 1 for 20 steps with 5 burn-in) extended to the full grid:
K / N = 0.1 .. 2.0, three pattern families, four rules, the basin test, and N = 400 for
random patterns (K / N = 0.1 .. 0.6, 5 repeats).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..infra import checks as v
from ..paper.protocols import SIM5
from .patterns import DIGITS_NODES, FAMILIES
from .training import PROTOCOL, Protocol

__all__ = ["RULES", "SCHEDULES", "CapacitySettings", "k_grid", "grid_groups"]

#: The storage rules of the capacity grid: the trained FEP network (``"fep"``) and :data:`fepnet.storage.RULES`; the
#: ``rule`` dimension of the result and the default ``rules`` of :class:`CapacitySettings`.
RULES = ("fep", "hebbian", "storkey", "projector")
#: The deterministic update schedules of the basin test (:func:`fepnet.recall.basin_recall`); the ``schedule``
#: dimension of the result and the default ``schedules`` of :class:`CapacitySettings`.
SCHEDULES = ("sequential", "synchronous")
_RATIOS = tuple(round(0.1 * i, 1) for i in range(1, 21))  # K/N = 0.1 .. 2.0


@dataclasses.dataclass(frozen=True)
class CapacitySettings:
    """The grid, the training protocol and the recall tests of :func:`~fepnet.capacity.compute.run_capacity`.

    Parameters
    ----------
    rules : tuple of str
        Storage rules (:data:`RULES`: the trained FEP network and :data:`fepnet.storage.RULES`).
    families : tuple of str
        Pattern families (:data:`fepnet.capacity.patterns.FAMILIES`).
    n_nodes : int
        N of the random and biased families (digits: always 64).
    load_ratios : tuple of float
        K / N of the grid at ``n_nodes`` (and for the digits): K = round(r N).
    n_repeats : int
        Independent pattern sets (and networks) per K.
    large_nodes : int or None
        A second N for the random family (None: not run).
    large_load_ratios : tuple of float
        K / N at ``large_nodes`` (0.1 .. 0.6: every rule's alpha_c at N = 100 is below 0.45, and a training
        step at N = 400 costs 16 times one at N = 100; this keeps the full grid under 15 minutes on 2 cores).
    large_repeats : int
        Repeats at ``large_nodes``.
    protocol : Protocol
        FEP training (default: the paper's Simulation 5).
    flip_fractions : tuple of float
        rho of the basin test, each in [0, 0.5].
    schedules : tuple of str
        Basin-test schedules (:data:`SCHEDULES`).
    recall_inverse_temperature, retention_steps, max_sweeps : float, int, int
        Deterministic recall: iT = 100, 150 retention steps, basin-test sweep cap 200.
    noise_sd, reconstruction_inverse_temperature, reconstruction_steps, burn_in, reconstruction_start
        Noisy-cue reconstruction: 2 sd, iT = 1, 20 steps, 5 burn-in, start from L(cue) (``"clip"``: the clipped cue).
    basin_patterns : int or None
        The basin test runs on the first min(K, basin_patterns) patterns of each network (all if
        None); retention and reconstruction always on all K. The patterns are exchangeable, so the
        exact-recall fraction is an unbiased estimate; this keeps the full grid inside its time budget.
    alpha_flip, alpha_schedule, alpha_threshold, n_bootstrap, ci_level
        alpha_c from exact recall at rho = 0.1, sequential, >= 0.9; 1000 resamples, 95 %.
    chunk_networks, chunk_epochs, recall_k_per_chunk
        FEP networks and epochs per compiled call; K values whose networks share one recall call.

    Raises
    ------
    TypeError
        ``protocol`` not a Protocol; a count or real that is not a number.
    ValueError
        Unknown or repeated rules, families or schedules; counts below their minimum; ratios not
        positive and increasing; flip fractions outside [0, 0.5]; ``alpha_flip`` or
        ``alpha_schedule`` not among those run; ``burn_in`` not below ``reconstruction_steps``.

    Examples
    --------
    >>> from fepnet.capacity import CapacitySettings
    >>> s = CapacitySettings(rules=("fep", "hebbian"), families=("random",), n_repeats=2)
    >>> s.n_nodes, s.protocol.n_epochs, s.recall_inverse_temperature
    (100, 10000, 100.0)
    >>> CapacitySettings(rules=("oja",))
    Traceback (most recent call last):
    ...
    ValueError: rules must be drawn from ('fep', 'hebbian', 'storkey', 'projector'), got 'oja'
    """

    rules: tuple = RULES
    families: tuple = FAMILIES
    n_nodes: int = SIM5["n_nodes"]
    load_ratios: tuple = _RATIOS
    n_repeats: int = SIM5["repeats"]
    large_nodes: int | None = 400
    large_load_ratios: tuple = _RATIOS[:6]
    large_repeats: int = 5
    protocol: Protocol = PROTOCOL
    flip_fractions: tuple = (0.05, 0.1, 0.2)
    schedules: tuple = SCHEDULES
    recall_inverse_temperature: float = SIM5["retention_inverse_temperature"]
    retention_steps: int = SIM5["retention_steps"]
    max_sweeps: int = 200
    noise_sd: float = SIM5["noise_sd"]
    reconstruction_inverse_temperature: float = SIM5["inverse_temperature"]
    reconstruction_steps: int = SIM5["reconstruction_steps"]
    burn_in: int = SIM5["burn_in"]
    reconstruction_start: str = "langevin"
    alpha_flip: float = 0.1
    alpha_schedule: str = "sequential"
    alpha_threshold: float = 0.9
    n_bootstrap: int = 1000
    ci_level: float = 0.95
    basin_patterns: int | None = 20
    chunk_networks: int = 40
    chunk_epochs: int = 2500
    recall_k_per_chunk: int = 5

    def __post_init__(self):
        for r in self.rules:
            if r not in RULES:
                raise ValueError(f"rules must be drawn from {RULES}, got {r!r}")
        if not self.rules or len(set(self.rules)) != len(self.rules):
            raise ValueError(f"rules must be distinct and non-empty, got {self.rules!r}")
        for f in self.families:
            if f not in FAMILIES:
                raise ValueError(f"families must be drawn from {FAMILIES}, got {f!r}")
        if not self.families or len(set(self.families)) != len(self.families):
            raise ValueError(f"families must be distinct and non-empty, got {self.families!r}")
        v.count(self.n_nodes, "n_nodes", minimum=2)
        if self.large_nodes is not None:
            v.count(self.large_nodes, "large_nodes", minimum=2)
        for name in ("n_repeats", "large_repeats", "retention_steps", "max_sweeps", "reconstruction_steps",
                     "n_bootstrap", "chunk_networks", "chunk_epochs", "recall_k_per_chunk"):
            v.count(getattr(self, name), name, minimum=1)
        v.count(self.burn_in, "burn_in", minimum=0, maximum=self.reconstruction_steps - 1)
        for name in ("load_ratios", "large_load_ratios"):
            r = np.asarray(getattr(self, name), np.float64)
            if r.ndim != 1 or r.size == 0 or not np.all(np.isfinite(r)) or np.any(r <= 0) or np.any(np.diff(r) <= 0):
                raise ValueError(f"{name} must be a non-empty increasing tuple of positive ratios, got {r.tolist()}")
        for rho in self.flip_fractions:
            v.in_interval(rho, "flip_fractions", 0.0, 0.5)
        if self.basin_patterns is not None:
            v.count(self.basin_patterns, "basin_patterns", minimum=1)
        if self.alpha_flip not in self.flip_fractions:
            raise ValueError(f"alpha_flip={self.alpha_flip} must be one of flip_fractions {self.flip_fractions}")
        for s in self.schedules:
            if s not in SCHEDULES:
                raise ValueError(f"schedules must be drawn from {SCHEDULES}, got {s!r}")
        if self.alpha_schedule not in self.schedules:
            raise ValueError(f"alpha_schedule={self.alpha_schedule!r} must be one of schedules {self.schedules}")
        if not isinstance(self.protocol, Protocol):
            raise TypeError(f"protocol must be a fepnet.capacity.training.Protocol, got {type(self.protocol).__name__}")
        for name in ("recall_inverse_temperature", "reconstruction_inverse_temperature"):
            v.positive_scalar(getattr(self, name), name)
        v.nonnegative_scalar(self.noise_sd, "noise_sd")

    @classmethod
    def quick(cls) -> "CapacitySettings":
        """A smoke run for CI (well under a minute on 2 CPU cores): the full pipeline on a small grid.

        N = 100 at K = 10, 50, 90, 150 (digits: K = round(r 64)), 2 repeats; N = 400 at K = 100, 200,
        1 repeat; FEP training shortened to 500 epochs (the paper's 10,000 only in the full run),
        200 bootstrap resamples. Not the protocol: its numbers are not to be compared with the paper.
        """
        return cls(load_ratios=(0.1, 0.5, 0.9, 1.5), n_repeats=2, large_load_ratios=(0.25, 0.5), large_repeats=1,
                   protocol=Protocol(n_epochs=500), n_bootstrap=200)

    def as_dict(self) -> dict:
        """JSON-ready: tuples as lists, the protocol as a dict."""
        d = dataclasses.asdict(self)
        d["protocol"] = self.protocol._asdict()
        return {k: list(x) if isinstance(x, tuple) else x for k, x in d.items()}


def k_grid(ratios, n_nodes: int) -> tuple:
    """The grid of K: round(r N) for each load ratio r, at least 1, distinct, increasing.

    Parameters
    ----------
    ratios : sequence of float
        Load ratios K / N.
    n_nodes : int
        N.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> from fepnet.capacity import k_grid
    >>> k_grid((0.1, 0.5, 0.9), 100), k_grid((0.01, 0.02), 30)
    ((10, 50, 90), (1,))
    """
    return tuple(sorted({max(1, int(round(float(r) * n_nodes))) for r in ratios}))


def grid_groups(s: CapacitySettings) -> list:
    """The groups of the grid, in the order :func:`~fepnet.capacity.compute.run_capacity` runs them.

    Parameters
    ----------
    s : CapacitySettings

    Returns
    -------
    list of tuple
        (family, N, K values, repeats) per group: each family at ``n_nodes`` (digits at 64),
        then random patterns at ``large_nodes`` if set.

    Examples
    --------
    >>> from fepnet.capacity import CapacitySettings
    >>> from fepnet.capacity.settings import grid_groups
    >>> grid_groups(CapacitySettings.quick())[-2:]
    [('digits', 64, (6, 32, 58, 96), 2), ('random', 400, (100, 200), 1)]
    """
    out = []
    for family in s.families:
        if family == "digits":
            out.append((family, DIGITS_NODES, k_grid(s.load_ratios, DIGITS_NODES), s.n_repeats))
        else:
            out.append((family, s.n_nodes, k_grid(s.load_ratios, s.n_nodes), s.n_repeats))
    if s.large_nodes is not None and "random" in s.families:
        out.append(("random", s.large_nodes, k_grid(s.large_load_ratios, s.large_nodes), s.large_repeats))
    return out
