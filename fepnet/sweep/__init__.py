"""Batched parameter sweeps (:func:`run_sweep`): a grid of networks trained and evaluated in one jitted,
vmapped computation.

Every network of a :class:`SweepGrid` runs the paper's single-network pipeline
(Spisak & Friston, Simulation 2): random-order FEP training (``train``), then
the retrieval and one-shot generalisation scores (``retrieval_score``,
``generalization_score``) and the deterministic attractors with their
orthogonality. A sweep computes what those single-network functions compute
for the same key, running a whole chunk of networks as one ``jax.vmap`` inside
one ``jax.jit``: the learned couplings are bit-identical to ``train``'s, the
scores and metrics agree to float32 rounding (inside the larger program the
compiler may fuse a multiply-add differently); tests check both.

Settings. ``evidence_level``, ``inverse_temperature`` and ``learning_rate``
are traced values, vmapped over. ``n_epochs`` is swept without recompiling or
retraining: a network trained for E1 < E2 epochs is the first E1 epochs of the
one trained for E2 (same key), so each network trains once to the largest
value and is evaluated at every requested epoch count (checkpoints).
``steps_per_epoch`` is a loop length: each value is its own compiled program.

Modules, one concept each:

- :mod:`~fepnet.sweep.grid`: :class:`SweepGrid`, :func:`parse_values`, the networks a grid trains
- :mod:`~fepnet.sweep.evaluation`: :class:`Evaluation`, how each network is scored
- :mod:`~fepnet.sweep.keys`: :func:`network_key`, common random numbers or a key per grid point
- :mod:`~fepnet.sweep.memory`: :func:`network_bytes`, the chunk plan under a memory cap, host memory
- :mod:`~fepnet.sweep.plan`: :func:`~fepnet.sweep.plan.plan_sweep`, chunks, memory checks and an estimated time,
  made from sizes before anything is allocated (:func:`estimate_sweep`)
- :mod:`~fepnet.sweep.pipeline`: the jitted, vmapped per-network program of one chunk
- :mod:`~fepnet.sweep.engine`: :func:`run_sweep` (chunks sharded over the devices), :func:`estimate_sweep`
- :mod:`~fepnet.sweep.dataset`: :data:`METRICS`, the ``xarray.Dataset``, :func:`save_sweep` / :func:`load_sweep`
"""

from .dataset import METRICS, load_sweep, save_sweep
from .engine import estimate_sweep, run_sweep
from .evaluation import Evaluation
from .grid import SETTINGS, SweepGrid, parse_values
from .keys import network_key
from .memory import network_bytes, plan_chunk_size
from .pipeline import ChunkSettings, run_chunk

__all__ = [
    "SETTINGS",
    "METRICS",
    "Evaluation",
    "SweepGrid",
    "parse_values",
    "network_key",
    "network_bytes",
    "run_sweep",
    "estimate_sweep",
    "save_sweep",
    "load_sweep",
]

# The old private names of the single-module fepnet.sweep, still importable from here.
_Static, _chunk, _chunk_size = ChunkSettings, run_chunk, plan_chunk_size
