"""fepnet: free-energy-principle attractor networks of continuous-Bernoulli nodes, in JAX.

N nodes with states sigma in [-1, 1], couplings J (N, N) and biases b (N,); at inverse
temperature iT the Boltzmann density is p(sigma) ∝ exp(-iT E(sigma)),
E(sigma) = -(b·sigma + 1/2 sigma^T J sigma), and a node's update draws from (or takes the
mean L(x) = coth(x) - 1/x of) the continuous Bernoulli CB(iT (b_i + sum_j J_ij sigma_j)).
Everything below is importable from ``fepnet`` itself; the core is pure JAX and every
default is an argument.

- :mod:`fepnet.cb`: continuous-Bernoulli maths on [-1, 1] (mean, variance, log normaliser,
  entropy, KL, log density, CDF, quantile, sampling); :mod:`fepnet.cb_math` the same unchecked
- :class:`Network`, :func:`boltzmann_energy` (:mod:`fepnet.network`): couplings and biases,
  the energy and log density, evidence as a bias shift, save and load
- :func:`build_kernel`, :class:`Kernel`, :func:`kernel_params`, :class:`KernelParams`,
  :func:`init_state`, :class:`ChainState`, ``SCHEDULES``, :func:`coupling_graph`,
  :func:`greedy_coloring` (:mod:`fepnet.kernels`): inference step kernels
  ``step(key, state, params) -> state`` (synchronous, sequential, random-scan, chromatic;
  stochastic or deterministic); :func:`run` (:mod:`fepnet.chain`) the scan driver
- :func:`relax`, :class:`RelaxResult` (:mod:`fepnet.relaxation`): deterministic relaxation
  to fixed points m = L(iT (b + J m))
- :func:`mean_field_free_energy`, :func:`free_energy_terms`, :class:`FreeEnergyTerms`
  (:mod:`fepnet.free_energy`): the naive mean-field free energy and its accuracy and
  complexity terms
- :func:`learn_step`, :func:`learn_from_states`, :func:`learning_params`,
  :func:`init_learning_state`, :func:`coupling_mask`, :class:`LearningParams`,
  :class:`LearningState` (:mod:`fepnet.learning`): the local FEP learning rule;
  :func:`train`, :func:`free_run`, :func:`pattern_order`, :class:`TrainResult`,
  :class:`EpochRecord` (:mod:`fepnet.training`) its epoch drivers
- :func:`find_attractors`, :func:`symmetric_fixed_points`, :class:`Attractors`,
  :func:`deduplicate`, :func:`unique_mask`, :func:`orthogonality`,
  :func:`pairwise_angles`, :func:`pairwise_correlations` (:mod:`fepnet.attractors`):
  attractors and their geometry
- :func:`retrieval_score`, :func:`generalization_score`, :func:`recall_score`,
  :func:`noisy_cues`, :func:`evoke`, :class:`Cues`, :class:`ScoreResult`
  (:mod:`fepnet.scores`): the paper's recall scores
- :func:`hebbian`, :func:`storkey`, :func:`projector` and their ``*_couplings`` forms
  (:mod:`fepnet.storage`): classic storage rules; :func:`retention`,
  :func:`basin_recall`, :func:`reconstruction`, :func:`corrupt`, :class:`BasinResult`,
  :class:`ReconstructionResult` (:mod:`fepnet.recall`): recall tests
- :mod:`fepnet.data`: the bundled digits with the paper's preprocessing, the bars, random
  +-1 patterns
- :func:`run_sweep`, :func:`save_sweep`, :func:`load_sweep`, :func:`network_key`,
  :class:`SweepGrid`, :class:`Evaluation` (:mod:`fepnet.sweep`): batched, sharded
  parameter sweeps into xarray
- :mod:`fepnet.sharding`: one network's J split by rows over devices (``devices=`` of
  ``train``, ``run``, ``relax``); :mod:`fepnet.distributed` several processes through
  ``jax.distributed``
- :mod:`fepnet.reductions` (batch-invariant tree sums), :mod:`fepnet.stats` (float64
  correlations for reports), :mod:`fepnet.inplace` (whole-matrix operations on J that hold
  one N x N buffer), :mod:`fepnet.network_file` (the network file format)
- ``__version__``

Shared infrastructure (argument checks, atomic files, progress, plotting, reports)
is :mod:`fepnet.infra`; figures of arrays are :mod:`fepnet.figures`. The
applications sit on top and are imported on their own: :mod:`fepnet.paper` (the
published protocols, their reproduction and landscapes) and :mod:`fepnet.cli`
(the ``fepnet`` command). See ``docs/architecture.md``.
"""

import warnings as _warnings

from . import attractors, cb, data, recall, scores, storage
from .attractors import (
    Attractors,
    deduplicate,
    find_attractors,
    orthogonality,
    pairwise_angles,
    pairwise_correlations,
    symmetric_fixed_points,
    unique_mask,
)
from .chain import run
from .free_energy import FreeEnergyTerms, free_energy_terms, mean_field_free_energy
from .kernels import (
    SCHEDULES,
    ChainState,
    Kernel,
    KernelParams,
    build_kernel,
    coupling_graph,
    greedy_coloring,
    init_state,
    kernel_params,
)
from .learning import (
    LearningParams,
    LearningState,
    coupling_mask,
    init_learning_state,
    learn_from_states,
    learn_step,
    learning_params,
)
from .network import Network, boltzmann_energy
from .recall import BasinResult, ReconstructionResult, basin_recall, corrupt, reconstruction, retention
from .relaxation import RelaxResult, relax
from .scores import (
    Cues,
    ScoreResult,
    evoke,
    generalization_score,
    noisy_cues,
    recall_score,
    retrieval_score,
)
from .storage import (
    hebbian,
    hebbian_couplings,
    projector,
    projector_couplings,
    storkey,
    storkey_couplings,
)
from .sweep import Evaluation, SweepGrid, load_sweep, network_key, run_sweep, save_sweep
from .training import EpochRecord, TrainResult, free_run, pattern_order, train
from .version import __version__

__all__ = [
    # modules
    "cb",
    "attractors",
    "data",
    "recall",
    "scores",
    "storage",
    # the network
    "Network",
    "boltzmann_energy",
    # inference dynamics
    "SCHEDULES",
    "ChainState",
    "Kernel",
    "KernelParams",
    "build_kernel",
    "kernel_params",
    "init_state",
    "coupling_graph",
    "greedy_coloring",
    "run",
    "relax",
    "RelaxResult",
    # free energy
    "mean_field_free_energy",
    "free_energy_terms",
    "FreeEnergyTerms",
    # learning and training
    "LearningParams",
    "LearningState",
    "coupling_mask",
    "init_learning_state",
    "learn_from_states",
    "learn_step",
    "learning_params",
    "train",
    "free_run",
    "pattern_order",
    "TrainResult",
    "EpochRecord",
    # attractors
    "Attractors",
    "find_attractors",
    "symmetric_fixed_points",
    "deduplicate",
    "unique_mask",
    "orthogonality",
    "pairwise_angles",
    "pairwise_correlations",
    # scores
    "Cues",
    "ScoreResult",
    "evoke",
    "noisy_cues",
    "recall_score",
    "retrieval_score",
    "generalization_score",
    # storage rules and recall tests (the capacity baselines)
    "hebbian",
    "hebbian_couplings",
    "storkey",
    "storkey_couplings",
    "projector",
    "projector_couplings",
    "retention",
    "basin_recall",
    "corrupt",
    "reconstruction",
    "BasinResult",
    "ReconstructionResult",
    # sweeps
    "Evaluation",
    "SweepGrid",
    "run_sweep",
    "save_sweep",
    "load_sweep",
    "network_key",
    "__version__",
]

# Names that moved; each still works for one release, with a DeprecationWarning.
_MOVED = {
    "params": ("kernels", "kernel_params", "fepnet.kernel_params"),
    "fused_update": ("learning", "fused_update", "fepnet.learning.fused_update"),
    "run_epochs": ("training", "run_epochs", "fepnet.training.run_epochs"),
    "parse_values": ("sweep", "parse_values", "fepnet.sweep.parse_values"),
}


def __getattr__(name):
    if name in _MOVED:
        module, attr, new = _MOVED[name]
        _warnings.warn(f"fepnet.{name} is deprecated; use {new}", DeprecationWarning, stacklevel=2)
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
