"""Batched parameter sweeps (:func:`run_sweep`): a grid of networks trained and evaluated in one jitted,
vmapped computation.

Every network of a :class:`SweepGrid` runs the paper's pipeline (SPEC §5):
random-order FEP training (``train``), then the retrieval and one-shot
generalisation scores (``retrieval_score``, ``generalization_score``) and the
deterministic attractors with their orthogonality (``paper_attractors``). A
sweep computes what those single-network functions compute for the same key,
running a whole chunk of networks as one ``jax.vmap`` inside one ``jax.jit``:
the learned couplings are bit-identical to ``train``'s, the scores and metrics
agree to float32 rounding (inside the larger program the compiler may fuse a
multiply-add differently); tests check both.

Settings. ``evidence_level``, ``inverse_temperature`` and ``learning_rate``
are traced values, vmapped over. ``n_epochs`` is swept without recompiling or
retraining: a network trained for E1 < E2 epochs is the first E1 epochs of the
one trained for E2 (same key), so each network trains once to the largest
value and is evaluated at every requested epoch count (checkpoints).
``steps_per_epoch`` is a loop length: each value is its own compiled program.

Keys. Seed s gives k_s = fold_in(key, s). With ``common_random_numbers``
(default) every network of seed s uses k_s: the same pattern order and the
same uniforms at every grid point, so differences across the grid are not
confounded by sampling noise, and a network's result depends only on its
settings and its seed, never on the rest of the grid. Otherwise point p of the
grid (flat C-order index over the swept settings other than ``n_epochs``) uses
fold_in(k_s, p). A
network key splits into (k_train, k_score) as in ``fepnet.paper``; see
:func:`network_key`.

Memory and devices. Networks run in chunks whose estimated device memory stays
under ``memory_limit_mb`` (:func:`network_bytes`); the last chunk is padded so
that every chunk has the same shape (one compilation). The chunk's batch axis
is sharded over the devices with a ``NamedSharding`` on a 1-D mesh: on CPU,
``jax.config.update("jax_num_cpu_devices", n)`` right after ``import jax``
(``fepnet sweep`` does this for you) splits the batch over n host devices;
on a GPU host the same code runs on ``jax.devices()`` as they are; across hosts,
call ``jax.distributed.initialize()`` in every process first and the mesh spans
the global devices. Per-network results do not depend on the chunking or on
the number of devices (tests check both, bit for bit): the scores' sums are
batch-invariant tree sums (:mod:`fepnet.reductions`).
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .infra import checks as v
from . import cb
from .infra.progress import progress_bar
from .attractors import orthogonality, unique_mask
from .kernels import KernelParams, build_kernel
from .learning import init_learning_state
from .network import Network
from .paper.protocols import SCORING, SIM2
from .reductions import tree_sum
from .relaxation import _relax_one
from .scores import _recall
from .training import ORDERS, pattern_order, run_epochs

__all__ = [
    "SETTINGS",
    "METRICS",
    "GRIDS",
    "Evaluation",
    "SweepGrid",
    "parse_values",
    "network_key",
    "network_bytes",
    "run_sweep",
    "save_sweep",
    "load_sweep",
]

# The swept training settings, in the order their dimensions appear in the result.
SETTINGS = ("evidence_level", "inverse_temperature", "learning_rate", "n_epochs", "steps_per_epoch")
_INTEGER = ("n_epochs", "steps_per_epoch")
_POSITIVE = ("evidence_level", "inverse_temperature")

# Result variables: name -> (long name, units).
METRICS = {
    "retrieval": ("retrieval score: median corr(response, original)^2 - corr(noisy, original)^2", "1"),
    "generalization": ("one-shot generalisation score on unseen test patterns", "1"),
    "n_attractors": ("distinct deterministic attractors reached from the training patterns (-1: couplings not "
                     "finite)", "1"),
    "orthogonality": ("mean |90 - angle| between distinct attractors (NaN: fewer than two directions)", "degree"),
    "converged_fraction": ("fraction of attractor relaxations that reached a fixed point", "1"),
    "asymmetry": ("||J - J^T||_F / ||J||_F of the learned couplings", "1"),
    "coupling_norm": ("||J||_F of the learned couplings", "1"),
}


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """How each trained network is scored (defaults: the paper's, SPEC §5).

    Scores: ``n_trials`` noisy cues (original = scale * pattern, noise sd =
    noise * std(original)), ``n_steps`` stochastic synchronous steps each at
    ``inverse_temperature``. Attractors: zero-bias deterministic synchronous
    relaxation at iT = 1 from L(scale * pattern) (``max_steps``, ``tol``),
    distinct end states after rounding to ``decimals``.
    """

    n_trials: int = SCORING["n_trials"]
    n_steps: int = SCORING["n_steps"]
    inverse_temperature: float = SCORING["inverse_temperature"]
    scale: float = SCORING["scale"]
    noise: float = 1.0
    max_steps: int = 1000
    tol: float = 1e-6
    decimals: int = 2

    def __post_init__(self):  # plain Python checks: building the default must not start JAX's backends
        for name in ("n_trials", "n_steps", "max_steps"):
            v.count(getattr(self, name), f"evaluation.{name}", minimum=1)
        v.count(self.decimals, "evaluation.decimals")
        for name in ("inverse_temperature", "scale", "tol", "noise"):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise TypeError(f"evaluation.{name} must be a real number, got {type(value).__name__}")
            if not math.isfinite(value) or value < 0 or (value == 0 and name != "noise"):
                raise ValueError(f"evaluation.{name} must be {'non-negative' if name == 'noise' else 'positive'} "
                                 f"and finite, got {value}")
            object.__setattr__(self, name, float(value))


def _setting_values(value, name):
    """A scalar (fixed setting) or a 1-D tuple of distinct values (swept setting), validated."""
    integer = name in _INTEGER
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

    ``seeds``: a count K (seeds 0..K-1) or a sequence of distinct non-negative
    integers; every grid point is trained once per seed. Defaults for the
    learning rate, epochs and steps are the paper's Simulation 2.
    """

    evidence_level: object
    inverse_temperature: object
    learning_rate: object = SIM2["learning_rate"]
    n_epochs: object = SIM2["n_epochs"]
    steps_per_epoch: object = SIM2["steps_per_epoch"]
    seeds: object = 1

    def __post_init__(self):
        for name in SETTINGS:
            object.__setattr__(self, name, _setting_values(getattr(self, name), name))
        seeds = self.seeds
        if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, (bool, np.bool_)):
            seeds = tuple(range(v.count(int(seeds), "seeds", minimum=1)))
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
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_specs(cls, base: "SweepGrid | None" = None, **specs) -> "SweepGrid":
        """A grid from text specs (see :func:`parse_values`), e.g. ``evidence_level="1:20:20"``;
        settings not given come from ``base`` (default: the paper's Simulation 2 grid)."""
        base = GRIDS["paper-sim2"] if base is None else base
        changes = {}
        for name, text in specs.items():
            if name not in SETTINGS and name != "seeds":
                raise ValueError(f"unknown setting {name!r}; expected one of {SETTINGS + ('seeds',)}")
            if text is not None:
                changes[name] = parse_values(text, name, integer=name in _INTEGER or name == "seeds")
        return base.replace(**changes)


# Named grids. paper-sim2: 20 evidence levels 1..20 x 19 inverse temperatures logspace(0.01, 1), SPEC §5.
GRIDS = {
    "paper-sim2": SweepGrid(
        evidence_level=np.linspace(1.0, 20.0, 20), inverse_temperature=np.geomspace(0.01, 1.0, 19), **SIM2,
    ),
}


def parse_values(text: str, name: str = "value", *, integer: bool = False):
    """Parse a setting spec: ``"a:b:n"`` (n values evenly spaced from a to b), ``"log:a:b:n"`` (n values
    evenly spaced in log from a to b), ``"x,y,z"`` (a list) or ``"x"`` (one fixed value).

    Returns a number or a tuple of numbers (ints if ``integer``). Errors name ``name``.
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


def _root_key(key):
    key = v.prng_key(key)
    if not jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.wrap_key_data(key)
    if key.shape != ():
        raise ValueError(f"key must be a single PRNG key, got shape {key.shape}")
    return key


def network_key(key, seed: int, point: int | None = None):
    """The key of one network of a sweep: fold_in(key, seed) with common random numbers
    (``point=None``), else fold_in(fold_in(key, seed), point). ``train`` gets its first split
    and the scores its second, as in ``fepnet.paper``."""
    k = jax.random.fold_in(_root_key(key), v.count(seed, "seed"))
    return k if point is None else jax.random.fold_in(k, v.count(point, "point"))


class _Static(NamedTuple):
    """Hashable loop lengths and options of one compiled chunk program."""

    checkpoints: tuple
    steps_per_epoch: int
    order: str
    n_trials: int
    n_steps: int
    max_steps: int
    keep_couplings: bool
    key_impl: str


class _Outputs(NamedTuple):
    """Per network, one row per checkpoint (C): retrieval, generalization, asymmetry, coupling_norm (C,);
    end_states (C, K, N); converged (C, K); couplings (C, N, N) or None."""

    retrieval: jax.Array
    generalization: jax.Array
    asymmetry: jax.Array
    coupling_norm: jax.Array
    end_states: jax.Array
    converged: jax.Array
    couplings: jax.Array | None


def _evaluate(key, J, level, start_scale, train_p, test_p, ev, static: _Static):
    """Scores and attractor end states of couplings J (one network, one checkpoint)."""
    dtype = J.dtype
    n = J.shape[-1]
    it_eval, scale, noise, tol = ev
    k_ret, k_gen = jax.random.split(key)
    zeros = jnp.zeros((n,), dtype)
    ret = _recall(k_ret, J, train_p, level, zeros, it_eval, scale, noise, static.n_trials, "cycle", static.n_steps)
    gen = _recall(k_gen, J, test_p, level, zeros, it_eval, scale, noise, static.n_trials, "random", static.n_steps)
    network = Network.tree_unflatten(None, (J, zeros))
    kparams = KernelParams(network, jnp.ones((), dtype))
    kernel = build_kernel("synchronous", stochastic=False)
    starts = cb.langevin(start_scale * train_p)
    relaxed = jax.vmap(lambda s: _relax_one(kernel, None, s, kparams, tol, static.max_steps))(starts)
    norm = jnp.sqrt(tree_sum(jnp.ravel(J * J)))  # batch-invariant sums (fepnet.reductions)
    skew = J - J.T
    asymmetry = jnp.where(norm > 0, jnp.sqrt(tree_sum(jnp.ravel(skew * skew))) / jnp.where(norm > 0, norm, 1.0), 0.0)
    return (ret.score, gen.score, asymmetry, norm, relaxed.sigma, relaxed.converged)


def _one_network(key_data, level, it, lr, start_scale, train_p, test_p, ev, static: _Static):
    key = jax.random.wrap_key_data(key_data, impl=static.key_impl)
    k_train, k_score = jax.random.split(key)
    k_order, k_steps = jax.random.split(k_train)
    index = pattern_order(k_order, train_p.shape[0], static.checkpoints[-1], static.order)
    state = init_learning_state(train_p.shape[1])
    state = state._replace(couplings=state.couplings.astype(train_p.dtype), sigma=state.sigma.astype(train_p.dtype))
    scaled = train_p * level
    rows, couplings, start = [], [], 0
    for stop in static.checkpoints:
        if stop > start:
            state, _ = run_epochs(k_steps, state, scaled, index[start:stop], it, lr,
                                  steps_per_epoch=static.steps_per_epoch, first_epoch=start)
        rows.append(_evaluate(k_score, state.couplings, level, start_scale, train_p, test_p, ev, static))
        couplings.append(state.couplings)
        start = stop
    stacked = [jnp.stack(x) for x in zip(*rows)]
    return _Outputs(*stacked, jnp.stack(couplings) if static.keep_couplings else None)


@partial(jax.jit, static_argnames=("static",))
def _chunk(key_data, level, it, lr, start_scale, train_p, test_p, ev, static: _Static) -> _Outputs:
    """One chunk: ``_one_network`` vmapped over the leading (sharded) axis of the per-network inputs."""
    return jax.vmap(partial(_one_network, static=static), in_axes=(0, 0, 0, 0, 0, None, None, None))(
        key_data, level, it, lr, start_scale, train_p, test_p, ev)


def network_bytes(n_nodes: int, n_patterns: int, *, n_epochs: int, steps_per_epoch: int, n_checkpoints: int = 1,
                  n_trials: int = SCORING["n_trials"], couplings: bool = False, itemsize: int = 4) -> int:
    """Estimated device memory of one network in a sweep chunk, in bytes (an upper estimate).

    In floats: couplings and their update buffers (3 N^2), the epoch's uniforms
    (2 steps N), the scores' cues, noise and responses (10 T N), then per
    checkpoint (C) the evaluation's own buffers (3 T N), the attractor
    relaxations (16 K N) and the kept couplings (N^2); plus the pattern order
    (one int32 per epoch). Fitted with margin to XLA's own memory analysis of
    the compiled chunk program; a test checks that it bounds it.
    """
    n, k, c, t = n_nodes, n_patterns, n_checkpoints, n_trials
    floats = 3 * n * n + 2 * steps_per_epoch * n + 10 * t * n + c * (3 * t * n + 16 * k * n + k + 8)
    if couplings:
        floats += c * n * n
    return int(itemsize * floats + 4 * n_epochs + 256)


def _devices(devices):
    if devices is None:
        return list(jax.devices())
    if isinstance(devices, (int, np.integer)) and not isinstance(devices, (bool, np.bool_)):
        available = jax.devices()
        count = v.count(int(devices), "devices", minimum=1)
        if count > len(available):
            raise ValueError(f"devices={count} but only {len(available)} devices are visible")
        return list(available[:count])
    devices = list(devices)
    if not devices or not all(isinstance(d, jax.Device) for d in devices):
        raise TypeError("devices must be None, a count, or a sequence of jax.Device")
    return devices


def _round_up(x, multiple):
    return -(-x // multiple) * multiple


def _chunk_size(n, n_dev, limit, requested, target=10):
    """Networks per chunk (a multiple of the device count, at most ``limit``) for ``n`` networks.

    ``requested`` is rounded up to the device count. Otherwise about ``target``
    chunks (a progress bar that moves) of at least 4 networks per device, choosing
    among up to ``target`` more chunks the split that pads the last chunk least."""
    if requested is not None:
        return min(_round_up(requested, n_dev), _round_up(n, n_dev))
    k_min = max(-(-n // limit), min(target, max(1, n // (4 * n_dev))))
    best = None
    for k in range(k_min, k_min + target + 1):
        size = min(_round_up(-(-n // k), n_dev), limit)
        waste = _round_up(n, size) - n
        if best is None or waste < best[0]:
            best = (waste, size)
    return best[1]


def _put(x, sharding):
    """A global array from host data ``x`` (every process passes the same x), laid out by ``sharding``."""
    x = np.asarray(x)
    return jax.make_array_from_callback(x.shape, sharding, lambda index: x[index])


def _fetch(tree):
    """Host copies of (possibly multi-host) arrays."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        return multihost_utils.process_allgather(tree, tiled=True)
    return jax.tree_util.tree_map(np.asarray, tree)


@partial(jax.jit, static_argnames=("decimals",))
def _geometry(rounded, decimals):
    """Distinct-row masks, counts and orthogonality of rounded end states (..., K, N), in one program."""
    flat = rounded.reshape((-1,) + rounded.shape[-2:])
    keep = jax.vmap(lambda x: unique_mask(x, decimals))(flat)
    orth = jax.vmap(lambda x, m: orthogonality(x, mask=m))(flat, keep)
    lead = rounded.shape[:-2]
    return keep.sum(-1).reshape(lead), orth.reshape(lead)


def _attractor_metrics(end_states, converged, decimals, dtype):
    """n_attractors, orthogonality and converged fraction per network and checkpoint from the relaxed end
    states (B, C, K, N): rounded in float64 as ``deduplicate`` does, then the distinct rows and their
    orthogonality (``unique_mask``, ``orthogonality`` with a row mask: what ``paper_attractors`` gives)."""
    rounded = np.round(np.asarray(end_states, np.float64), decimals) + 0.0
    count, orth = _geometry(jnp.asarray(rounded.astype(dtype)), decimals)
    return np.asarray(count, np.int32), np.asarray(orth, np.float64), converged.mean(axis=-1)


def _flag_diverged(out, flat):
    """Networks whose couplings overflowed during learning get NaN metrics (n_attractors -1) and a warning,
    never numbers computed from infinite couplings."""
    bad = ~np.isfinite(out["coupling_norm"])
    if not bad.any():
        return
    for name, value in out.items():
        if name != "coupling_norm":
            value[bad] = -1 if name == "n_attractors" else np.nan
    first = int(np.flatnonzero(bad.any(axis=1))[0])
    settings = ", ".join(f"{d}={flat[d][first]:g}" for d in SETTINGS)
    warnings.warn(f"{int(bad.sum())} network(s) ended with non-finite couplings (e.g. {settings}); their metrics "
                  "are NaN and n_attractors -1: lower the learning rate", RuntimeWarning, stacklevel=3)


def _patterns(train_patterns, test_patterns, dtype):
    if train_patterns is None and test_patterns is None:
        from .data import load_digits

        digits = load_digits(dtype)
        return np.asarray(digits.train), np.asarray(digits.test), "digits"
    if train_patterns is None or test_patterns is None:
        raise ValueError("give both train_patterns and test_patterns, or neither (the bundled digits)")
    train = np.asarray(v.as_real_array(train_patterns, "train_patterns", ndim=2), dtype)
    test = np.asarray(v.as_real_array(test_patterns, "test_patterns", ndim=2), dtype)
    if train.shape[0] == 0 or train.shape[1] == 0:
        raise ValueError(f"train_patterns must be a non-empty (K, N) array, got shape {train.shape}")
    if test.shape[0] == 0 or test.shape[1] != train.shape[1]:
        raise ValueError(f"test_patterns must be (M >= 1, {train.shape[1]}), got shape {test.shape}")
    return train, test, "custom"


def run_sweep(
    key,
    grid: SweepGrid,
    *,
    train_patterns=None,
    test_patterns=None,
    evaluation: Evaluation = Evaluation(),
    order: str = "random",
    couplings: bool = False,
    common_random_numbers: bool = True,
    memory_limit_mb: float = 1024.0,
    chunk_size: int | None = None,
    devices=None,
    progress: bool = True,
):
    """Train and evaluate every network of ``grid``; return an ``xarray.Dataset`` (module docstring).

    Patterns default to the bundled digits (train: the 10 training images, test:
    the other 1787). Variables: :data:`METRICS` over the grid's dimensions
    (swept settings, then ``seed``), plus ``couplings`` (..., target, source) if
    ``couplings``. Attributes: the fixed settings, the evaluation settings, the
    key, the data, ``orthogonality_data`` (of the training patterns) and how the
    run went (devices, chunks, wall time). ``memory_limit_mb`` caps the estimated
    device memory of a chunk; ``chunk_size`` fixes the networks per chunk
    instead (rounded up to a multiple of the device count); ``devices``: None
    (all visible), a count, or a list of devices to shard the chunk over.
    """
    import xarray as xr

    from . import __version__

    if not isinstance(grid, SweepGrid):
        raise TypeError(f"grid must be a fepnet.SweepGrid, got {type(grid).__name__}")
    if not isinstance(evaluation, Evaluation):
        raise TypeError(f"evaluation must be a fepnet.sweep.Evaluation, got {type(evaluation).__name__}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    root = _root_key(key)
    limit_bytes = float(v.positive_scalar(memory_limit_mb, "memory_limit_mb")) * 2**20
    if chunk_size is not None:
        chunk_size = v.count(chunk_size, "chunk_size", minimum=1)
    devices = _devices(devices)
    n_dev = len(devices)
    dtype = np.dtype(jnp.result_type(float))
    train_p, test_p, source = _patterns(train_patterns, test_patterns, dtype)
    k_pat, n_nodes = train_p.shape

    t0 = time.perf_counter()
    swept = grid.swept
    # Networks: every combination of the swept settings except n_epochs (checkpoints), times seeds.
    net_dims = [d for d in swept if d != "n_epochs"]
    net_shape = tuple(len(swept[d]) for d in net_dims) + (len(grid.seeds),)
    grids = np.meshgrid(*[np.arange(s) for s in net_shape], indexing="ij")
    flat = {d: np.asarray(grid.values(d))[g.ravel()] for d, g in zip(net_dims, grids)}
    for d in SETTINGS:
        if d not in swept:
            flat[d] = np.full(grids[0].size, getattr(grid, d))
    seed_values = np.asarray(grid.seeds)[grids[-1].ravel()]
    # The key's point index: flat C-order index over the swept settings other than n_epochs.
    point_index = (np.ravel_multi_index(tuple(g.ravel() for g in grids[:-1]), net_shape[:-1])
                   if net_dims else np.zeros(grids[0].size, int))
    n_net = grids[0].size
    # network_key for every network at once (vmapped fold_in: the same keys, bit for bit).
    keys = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(root, jnp.asarray(seed_values, jnp.uint32))
    if not common_random_numbers:
        keys = jax.vmap(jax.random.fold_in)(keys, jnp.asarray(point_index, jnp.uint32))
    key_data = np.asarray(jax.random.key_data(keys))
    key_impl = str(jax.random.key_impl(root))

    checkpoints = tuple(sorted(grid.values("n_epochs")))
    n_ckpt = len(checkpoints)
    ev = np.asarray([evaluation.inverse_temperature, evaluation.scale, evaluation.noise, evaluation.tol], dtype)
    level = flat["evidence_level"].astype(dtype)
    start_scale = (evaluation.scale * flat["evidence_level"]).astype(dtype)
    it = flat["inverse_temperature"].astype(dtype)
    lr = flat["learning_rate"].astype(dtype)

    out = {m: np.zeros((n_net, n_ckpt), np.int32 if m == "n_attractors" else np.float64) for m in METRICS}
    kept = np.zeros((n_net, n_ckpt, n_nodes, n_nodes), dtype) if couplings else None
    mesh = jax.sharding.Mesh(np.asarray(devices), ("batch",))
    batch = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("batch"))
    replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    shared = [_put(train_p, replicated), _put(test_p, replicated), _put(ev, replicated)]
    steps_values = sorted(set(flat["steps_per_epoch"].tolist()))
    sizes, n_chunks = [], 0
    total_steps = 0
    with progress_bar(total=n_net, desc="sweep", unit="network", enable=progress) as bar:
        for steps in steps_values:
            members = np.flatnonzero(flat["steps_per_epoch"] == steps)
            per_net = network_bytes(n_nodes, k_pat, n_epochs=checkpoints[-1], steps_per_epoch=int(steps),
                                    n_checkpoints=n_ckpt, n_trials=evaluation.n_trials, couplings=couplings,
                                    itemsize=dtype.itemsize)
            fixed_bytes = (train_p.size + test_p.size) * dtype.itemsize
            max_chunk = int((limit_bytes - fixed_bytes) // per_net) // n_dev * n_dev
            if max_chunk < n_dev:
                need = (fixed_bytes + n_dev * per_net) / 2**20
                raise ValueError(f"memory_limit_mb={memory_limit_mb} is below one network per device "
                                 f"({need:.1f} MB for {n_dev} device(s))")
            if chunk_size is not None and -(-chunk_size // n_dev) * n_dev > max_chunk:
                raise ValueError(f"chunk_size={chunk_size} exceeds memory_limit_mb={memory_limit_mb} "
                                 f"(at most {max_chunk} networks per chunk here)")
            size = _chunk_size(members.size, n_dev, max_chunk, chunk_size)
            sizes.append(size)
            static = _Static(checkpoints, int(steps), order, evaluation.n_trials, evaluation.n_steps,
                             evaluation.max_steps, bool(couplings), key_impl)
            for begin in range(0, members.size, size):
                idx = members[begin:begin + size]
                padded = np.concatenate([idx, np.full(size - idx.size, idx[-1])])
                args = [_put(a[padded], batch) for a in (key_data, level, it, lr, start_scale)]
                res = _fetch(_chunk(*args, *shared, static=static))
                m = idx.size
                count, orth, conv = (x[:m] for x in _attractor_metrics(res.end_states, res.converged,
                                                                        evaluation.decimals, dtype))
                for name, value in (("retrieval", res.retrieval), ("generalization", res.generalization),
                                    ("asymmetry", res.asymmetry), ("coupling_norm", res.coupling_norm)):
                    out[name][idx] = value[:m]
                out["n_attractors"][idx], out["orthogonality"][idx], out["converged_fraction"][idx] = count, orth, conv
                if couplings:
                    kept[idx] = res.couplings[:m]
                n_chunks += 1
                total_steps += m * checkpoints[-1] * int(steps)
                bar.update(m)
                bar.set_postfix_str(f"{total_steps / (time.perf_counter() - t0):,.0f} network-steps/s")
    wall = time.perf_counter() - t0
    _flag_diverged(out, flat)

    def to_grid(x):
        """(n_net, C, ...) -> the result's dimension order (swept settings, seed, ...)."""
        x = x.reshape(net_shape + (n_ckpt,) + x.shape[2:])
        axis = len(net_shape)
        if "n_epochs" not in swept:
            return np.take(x, 0, axis=axis)
        x = np.take(x, [checkpoints.index(e) for e in grid.values("n_epochs")], axis=axis)
        return np.moveaxis(x, axis, list(swept).index("n_epochs"))

    coords = {d: np.asarray(vals) for d, vals in swept.items()}
    coords["seed"] = np.asarray(grid.seeds, np.int64)
    dims = list(grid.dims)
    data_vars = {}
    for name, (long_name, units) in METRICS.items():
        data_vars[name] = xr.Variable(dims, to_grid(out[name]), {"long_name": long_name, "units": units})
    if couplings:
        data_vars["couplings"] = xr.Variable(
            dims + ["target", "source"], to_grid(kept),
            {"long_name": "learned couplings J[target, source] (weight from source to target)", "units": "1"})
    attrs = {
        "title": "fepnet parameter sweep",
        "patterns": source,
        "n_nodes": int(n_nodes),
        "n_train_patterns": int(k_pat),
        "n_test_patterns": int(test_p.shape[0]),
        "order": order,
        "orthogonality_data": float(orthogonality(train_p)),
        "key_data": np.asarray(jax.random.key_data(root)).astype(np.int64),
        "key_impl": key_impl,
        "common_random_numbers": int(bool(common_random_numbers)),
        "seeds": np.asarray(grid.seeds, np.int64),
        "dtype": dtype.name,
        "fepnet_version": __version__,
        "jax_version": jax.__version__,
        "n_devices": n_dev,
        "device_kind": devices[0].platform,
        "chunk_size": int(max(sizes)),
        "n_chunks": int(n_chunks),
        "training_steps": int(total_steps),
        "wall_s": float(wall),
    }
    attrs.update({f"fixed_{name}": value for name, value in grid.fixed.items()})
    attrs["swept"] = ",".join(swept) if swept else ""
    attrs.update({f"evaluation_{f.name}": getattr(evaluation, f.name) for f in dataclasses.fields(evaluation)})
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def save_sweep(ds, path) -> None:
    """Write a sweep result to netCDF-4 (h5netcdf) atomically; :func:`load_sweep` reads it back exactly."""
    import os

    import xarray as xr

    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"ds must be an xarray.Dataset, got {type(ds).__name__}")
    path = os.fspath(path)
    tmp = path + ".tmp"
    try:
        ds.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_sweep(path):
    """Read a sweep result written by :func:`save_sweep` (fully into memory, file closed)."""
    import xarray as xr

    return xr.load_dataset(path, engine="h5netcdf")
