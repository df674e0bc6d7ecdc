"""The grid of a sweep: which training settings are fixed, which are swept, over which values and seeds.

A :class:`SweepGrid` holds the five training settings of :data:`SETTINGS`; each
is a scalar (fixed) or a 1-D tuple of distinct values (swept: one dimension of
the result). :func:`parse_values` reads the text specs of the ``fepnet sweep``
command (``a:b:n``, ``log:a:b:n``, ``x,y,z``, ``x``).
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import numpy as np

from ..infra import checks as v

__all__ = ["SETTINGS", "INTEGER_SETTINGS", "MAX_VALUES", "SweepGrid", "parse_values", "NetworkTable", "network_table"]

#: The training settings of a :class:`SweepGrid` (fixed or swept), in the order of their dimensions in the result.
SETTINGS = ("evidence_level", "inverse_temperature", "learning_rate", "n_epochs", "steps_per_epoch")
#: The settings of :data:`SETTINGS` that are counts (integers); the others are real numbers.
INTEGER_SETTINGS = ("n_epochs", "steps_per_epoch")
_POSITIVE = ("evidence_level", "inverse_temperature")
#: The most values of one setting, or seeds: a larger n in :func:`parse_values`' ``a:b:n`` or seed count is refused
#: before anything is allocated (a million values of one axis is already far beyond any landscape).
MAX_VALUES = 1_000_000


def _setting_values(value, name):
    """A scalar (fixed setting) or a 1-D tuple of distinct values (swept setting), validated."""
    integer = name in INTEGER_SETTINGS
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number or a 1-D sequence of numbers, got a bool")
    if isinstance(value, str):
        raise TypeError(f"{name} must be a number or a 1-D sequence of numbers, got a string (see parse_values)")
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size == 0):
        raise ValueError(f"{name} must be a scalar or a non-empty 1-D sequence, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")
    if integer:
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must be integers, got {arr.tolist()}")
        arr = arr.astype(np.int64)
        low = 1 if name == "steps_per_epoch" else 0
        if np.any(arr < low):
            raise ValueError(f"{name} must be >= {low}, got {arr.tolist()}")
    else:
        arr = arr.astype(np.float64)
        if name in _POSITIVE and np.any(arr <= 0):
            raise ValueError(f"{name} must be positive, got {arr.tolist()}")
        if np.any(arr < 0):
            raise ValueError(f"{name} must be non-negative, got {arr.tolist()}")
    if arr.ndim == 0:
        return arr.item()
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name} values must be distinct, got {arr.tolist()}")
    return tuple(arr.tolist())


@dataclasses.dataclass(frozen=True)
class SweepGrid:
    """A grid of training settings: each is a scalar (fixed) or a 1-D sequence (swept, one result dimension).

    Every grid point is trained once per seed, so the sweep holds
    prod(len(swept values)) x len(seeds) networks.

    Parameters
    ----------
    evidence_level, inverse_temperature : float or sequence of float
        Positive.
    learning_rate : float or sequence of float
        Non-negative (default 0.001).
    n_epochs : int or sequence of int
        Training epochs, >= 0 (default 5000). Several values are checkpoints of one run.
    steps_per_epoch : int or sequence of int
        Steps per epoch, >= 1 (default 10).
    seeds : int or sequence of int
        A count K (seeds 0..K-1, default 1, at most :data:`MAX_VALUES`) or distinct non-negative integers.

    Raises
    ------
    TypeError
        A setting that is not a number or a 1-D sequence of numbers (strings: see :func:`parse_values`).
    ValueError
        Non-finite, out-of-range, non-integer counts, repeated or empty values.

    Examples
    --------
    >>> import fepnet
    >>> grid = fepnet.SweepGrid(evidence_level=(1.0, 2.0, 5.0), inverse_temperature=1.0, seeds=2)
    >>> grid.dims, grid.shape, grid.n_networks
    (('evidence_level', 'seed'), (3, 2), 6)
    >>> grid.fixed["n_epochs"], grid.values("inverse_temperature")
    (5000, (1.0,))
    """

    evidence_level: object
    inverse_temperature: object
    learning_rate: object = 0.001
    n_epochs: object = 5000
    steps_per_epoch: object = 10
    seeds: object = 1

    def __post_init__(self):
        for name in SETTINGS:
            object.__setattr__(self, name, _setting_values(getattr(self, name), name))
        seeds = self.seeds
        if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, (bool, np.bool_)):
            seeds = tuple(range(v.count(int(seeds), "seeds", minimum=1, maximum=MAX_VALUES)))
        else:
            if isinstance(seeds, (str, bool, np.bool_)) or np.ndim(seeds) != 1:
                raise TypeError(f"seeds must be a count or a 1-D sequence of integers, got {seeds!r}")
            seeds = tuple(v.count(s, "seeds", minimum=0) for s in seeds)
            if not seeds or len(set(seeds)) != len(seeds):
                raise ValueError(f"seeds must be a non-empty sequence of distinct integers, got {list(seeds)}")
        object.__setattr__(self, "seeds", seeds)

    @property
    def swept(self) -> dict:
        """name -> values of every swept setting (in :data:`SETTINGS` order)."""
        return {n: getattr(self, n) for n in SETTINGS if isinstance(getattr(self, n), tuple)}

    @property
    def fixed(self) -> dict:
        """name -> value of every fixed setting."""
        return {n: getattr(self, n) for n in SETTINGS if not isinstance(getattr(self, n), tuple)}

    @property
    def dims(self) -> tuple:
        """Result dimensions: the swept settings, then ``seed``."""
        return tuple(self.swept) + ("seed",)

    @property
    def shape(self) -> tuple:
        """Result shape: the number of values of each swept setting, then the number of seeds."""
        return tuple(len(x) for x in self.swept.values()) + (len(self.seeds),)

    @property
    def n_networks(self) -> int:
        """Networks in the result (grid points times seeds; every epoch count counts as a network)."""
        return math.prod(self.shape)

    def values(self, name) -> tuple:
        """The values of a setting as a tuple (length 1 when fixed)."""
        if name not in SETTINGS:
            raise ValueError(f"name must be one of {SETTINGS}, got {name!r}")
        x = getattr(self, name)
        return x if isinstance(x, tuple) else (x,)

    def replace(self, **changes) -> "SweepGrid":
        """A copy with some settings (or ``seeds``) replaced, validated again."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_specs(cls, base: "SweepGrid | None" = None, **specs) -> "SweepGrid":
        """A grid from text specs (see :func:`parse_values`), e.g. ``evidence_level="1:20:20"``.

        Parameters
        ----------
        base : SweepGrid, optional
            Where the settings not given come from. Default: 20 evidence levels
            linspace(1, 20, 20) x 19 inverse temperatures geomspace(0.01, 1, 19),
            the other settings at their defaults (the paper's Simulation 2 grid).
        **specs : str or None
            A spec per setting name (or ``seeds``); ``None`` keeps the base's.

        Raises
        ------
        ValueError
            An unknown setting name or a spec that does not parse.
        """
        if base is None:
            base = cls(evidence_level=np.linspace(1.0, 20.0, 20), inverse_temperature=np.geomspace(0.01, 1.0, 19))
        changes = {}
        for name, text in specs.items():
            if name not in SETTINGS and name != "seeds":
                raise ValueError(f"unknown setting {name!r}; expected one of {SETTINGS + ('seeds',)}")
            if text is not None:
                changes[name] = parse_values(text, name, integer=name in INTEGER_SETTINGS or name == "seeds")
        return base.replace(**changes)


def parse_values(text: str, name: str = "value", *, integer: bool = False):
    """Parse a setting spec into one value or a tuple of values.

    ``"a:b:n"``: n values evenly spaced from a to b (linspace); ``"log:a:b:n"``:
    n values evenly spaced in log from a to b (geomspace, a, b > 0); ``"x,y,z"``:
    a list; ``"x"``: one fixed value.

    Parameters
    ----------
    text : str
        The spec.
    name : str
        The setting's name, used in error messages.
    integer : bool
        Return ints (and reject specs whose values are not whole numbers).

    Returns
    -------
    float or int or tuple
        A number for ``"x"``, else a tuple of numbers.

    Raises
    ------
    TypeError
        ``text`` is not a string.
    ValueError
        The spec does not parse, asks for more than :data:`MAX_VALUES` values, gives non-finite values,
        or (``integer``) non-integer values.

    Examples
    --------
    >>> from fepnet.sweep import parse_values
    >>> parse_values("1:2:3"), parse_values("log:0.01:1:3"), parse_values("1,5"), parse_values("7", integer=True)
    ((1.0, 1.5, 2.0), (0.01, 0.1, 1.0), (1.0, 5.0), 7)
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} spec must be a string, got {type(text).__name__}")
    spec = text.strip()
    try:
        if spec.startswith("log:") or ":" in spec:
            log = spec.startswith("log:")
            parts = spec[4:].split(":") if log else spec.split(":")
            if len(parts) != 3:
                raise ValueError("expected a:b:n or log:a:b:n")
            a, b, n = float(parts[0]), float(parts[1]), int(parts[2])
            if n < 1:
                raise ValueError("n must be >= 1")
            if n > MAX_VALUES:
                raise ValueError(f"n must be <= {MAX_VALUES}")
            if log and (a <= 0 or b <= 0):
                raise ValueError("log spacing needs positive end points")
            values = np.geomspace(a, b, n) if log else np.linspace(a, b, n)
            if not np.all(np.isfinite(values)):
                raise ValueError("non-finite values")
            if n == 1:
                values = values[:1]
        elif "," in spec:
            values = np.array([float(x) for x in spec.split(",") if x.strip()])
            if values.size == 0:
                raise ValueError("empty list")
        else:
            value = float(spec)
            if integer:
                if value != round(value):
                    raise ValueError("expected an integer")
                return int(round(value))
            return value
    except ValueError as exc:
        raise ValueError(f"{name}: cannot parse {text!r} ({exc}); use a:b:n, log:a:b:n, x,y,z or x") from None
    if integer:
        if not np.all(values == np.round(values)):
            raise ValueError(f"{name}: {text!r} gives non-integer values {values.tolist()}")
        return tuple(int(x) for x in np.round(values))
    return tuple(float(x) for x in values)


class NetworkTable(NamedTuple):
    """The networks a sweep trains, one row each, in C order over :attr:`shape`.

    Parameters
    ----------
    settings : dict of str to numpy.ndarray, shape (B,)
        Every setting of :data:`SETTINGS` per network, except a swept ``n_epochs`` (its values
        are checkpoints of one run).
    seeds : numpy.ndarray, shape (B,)
        Each network's seed.
    points : numpy.ndarray of int, shape (B,)
        Each network's grid point: the flat C-order index over the swept settings other than
        ``n_epochs`` (0 when there are none).
    shape : tuple of int
        The number of values of each swept setting other than ``n_epochs``, then the number of seeds.
    """

    settings: dict
    seeds: np.ndarray
    points: np.ndarray
    shape: tuple


def network_table(grid: SweepGrid) -> NetworkTable:
    """The networks ``grid`` trains: every combination of its swept settings except ``n_epochs``, times seeds.

    Parameters
    ----------
    grid : SweepGrid
        Its swept settings other than ``n_epochs`` are crossed with its seeds (C order, seeds last).

    Returns
    -------
    table : NetworkTable
        The settings, seed and grid point of each of the B networks.

    Examples
    --------
    >>> import fepnet
    >>> from fepnet.sweep.grid import network_table
    >>> table = network_table(fepnet.SweepGrid(evidence_level=(1.0, 2.0), inverse_temperature=1.0, seeds=2))
    >>> table.shape, table.seeds.tolist(), table.points.tolist(), table.settings["evidence_level"].tolist()
    ((2, 2), [0, 1, 0, 1], [0, 0, 1, 1], [1.0, 1.0, 2.0, 2.0])
    """
    swept = grid.swept
    net_dims = [d for d in swept if d != "n_epochs"]
    shape = tuple(len(swept[d]) for d in net_dims) + (len(grid.seeds),)
    grids = np.meshgrid(*[np.arange(s) for s in shape], indexing="ij")
    settings = {d: np.asarray(grid.values(d))[g.ravel()] for d, g in zip(net_dims, grids)}
    for d in SETTINGS:
        if d not in swept:
            settings[d] = np.full(grids[0].size, getattr(grid, d))
    seeds = np.asarray(grid.seeds)[grids[-1].ravel()]
    points = (np.ravel_multi_index(tuple(g.ravel() for g in grids[:-1]), shape[:-1])
              if net_dims else np.zeros(grids[0].size, int))
    return NetworkTable(settings, seeds, points, shape)
