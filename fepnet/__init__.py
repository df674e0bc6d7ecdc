"""fepnet: free-energy-principle attractor networks of continuous-Bernoulli nodes, in JAX.

N nodes with states sigma in [-1, 1], couplings J (N, N) and biases b (N,); at inverse
temperature iT the Boltzmann density is p(sigma) ∝ exp(-iT E(sigma)),
E(sigma) = -(b·sigma + 1/2 sigma^T J sigma), and a node's update draws from (or takes the
mean L(x) = coth(x) - 1/x of) the continuous Bernoulli CB(iT (b_i + sum_j J_ij sigma_j)).
Everything below is importable from ``fepnet`` itself; the core is pure JAX and every
default is an argument.

- :mod:`fepnet.cb`: continuous-Bernoulli maths on [-1, 1] (mean, variance, log normaliser, entropy,
  KL, log density, CDF, quantile, sampling); :mod:`fepnet.cb_math` the same unchecked
- :class:`~fepnet.network.Network`, :func:`~fepnet.network.boltzmann_energy`
  (:mod:`fepnet.network`): couplings and biases, the energy and log density, evidence as a bias
  shift, save and load
- :func:`~fepnet.kernels.build_kernel`, :class:`~fepnet.kernels.Kernel`,
  :func:`~fepnet.kernels.kernel_params`, :class:`~fepnet.kernels.KernelParams`,
  :func:`~fepnet.kernels.init_state`, :class:`~fepnet.kernels.ChainState`, ``SCHEDULES``
  (:mod:`fepnet.kernels`): inference step kernels ``step(key, state, params) -> state``
  (synchronous, sequential, random-scan, chromatic; stochastic or deterministic);
  :func:`~fepnet.coloring.coupling_graph`, :func:`~fepnet.coloring.greedy_coloring`
  (:mod:`fepnet.coloring`) the colourings of the chromatic schedule;
  :func:`~fepnet.chain.run` (:mod:`fepnet.chain`) the scan driver
- :func:`~fepnet.relaxation.relax`, :class:`~fepnet.relaxation.RelaxResult`
  (:mod:`fepnet.relaxation`): deterministic relaxation to fixed points m = L(iT (b + J m))
- :func:`~fepnet.free_energy.mean_field_free_energy`, :func:`~fepnet.free_energy.free_energy_terms`,
  :class:`~fepnet.free_energy.FreeEnergyTerms` (:mod:`fepnet.free_energy`): the naive mean-field
  free energy and its accuracy and complexity terms
- :func:`~fepnet.learning.learn_step`, :func:`~fepnet.learning.learn_from_states`,
  :func:`~fepnet.learning.learning_params`, :func:`~fepnet.learning.init_learning_state`,
  :func:`~fepnet.learning.coupling_mask`, :class:`~fepnet.learning.LearningParams`,
  :class:`~fepnet.learning.LearningState` (:mod:`fepnet.learning`): the local FEP learning rule;
  :func:`~fepnet.training.train`, :func:`~fepnet.training.free_run`,
  :func:`~fepnet.epochs.pattern_order`, :class:`~fepnet.training.TrainResult`,
  :class:`~fepnet.epochs.EpochRecord` (:mod:`fepnet.training`) its epoch drivers
- :func:`~fepnet.attractors.find_attractors`, :func:`~fepnet.attractors.symmetric_fixed_points`,
  :class:`~fepnet.attractors.Attractors`, :func:`~fepnet.attractors.deduplicate`,
  :func:`~fepnet.attractors.unique_mask` (:mod:`fepnet.attractors`): attractors;
  :func:`~fepnet.geometry.orthogonality`, :func:`~fepnet.geometry.pairwise_angles`,
  :func:`~fepnet.geometry.pairwise_correlations` (:mod:`fepnet.geometry`) their geometry
- :func:`~fepnet.scores.retrieval_score`, :func:`~fepnet.scores.generalization_score`,
  :func:`~fepnet.scores.recall_score`, :func:`~fepnet.scores.evoke`,
  :class:`~fepnet.scores.ScoreResult` (:mod:`fepnet.scores`): the paper's recall scores;
  :func:`~fepnet.cues.noisy_cues`, :class:`~fepnet.cues.Cues` (:mod:`fepnet.cues`) their noisy cues
- :func:`~fepnet.storage.hebbian`, :func:`~fepnet.storage.storkey`,
  :func:`~fepnet.storage.projector` and their ``*_couplings`` forms (:mod:`fepnet.storage`): classic
  storage rules; :func:`~fepnet.recall.retention`, :func:`~fepnet.recall.basin_recall`,
  :func:`~fepnet.recall.reconstruction`, :func:`~fepnet.recall.corrupt`,
  :class:`~fepnet.recall.BasinResult`, :class:`~fepnet.recall.ReconstructionResult`
  (:mod:`fepnet.recall`): recall tests
- :mod:`fepnet.data`: the bundled digits with the paper's preprocessing, the bars, random +-1
  patterns
- :func:`~fepnet.sweep.engine.run_sweep`, :func:`~fepnet.sweep.dataset.save_sweep`,
  :func:`~fepnet.sweep.dataset.load_sweep`, :func:`~fepnet.sweep.keys.network_key`,
  :class:`~fepnet.sweep.grid.SweepGrid`, :class:`~fepnet.sweep.evaluation.Evaluation`
  (:mod:`fepnet.sweep`): batched, sharded parameter sweeps into xarray
- :mod:`fepnet.sharding`: one network's J split by rows over devices (``devices=`` of ``train``,
  ``run``, ``relax``), on the mesh and layouts of :mod:`fepnet.placement`; :mod:`fepnet.distributed` several processes through ``jax.distributed``
- :mod:`fepnet.reductions` (batch-invariant tree sums), :mod:`fepnet.stats` (float64 correlations
  for reports), :mod:`fepnet.inplace` (whole-matrix operations on J that hold one N x N buffer),
  :mod:`fepnet.network_file` (the network file format)
- ``__version__``

Shared infrastructure (argument checks, atomic files, progress, plotting, reports)
is :mod:`fepnet.infra`; figures of arrays are :mod:`fepnet.figures`. The
applications sit on top and are imported on their own: :mod:`fepnet.paper` (the
published protocols, their reproduction and landscapes) and ``fepnet.cli``
(the ``fepnet`` command). See ``docs/architecture.md``.
"""

import warnings as _warnings

from . import attractors, cb, data, recall, scores, storage
from .attractors import Attractors, deduplicate, find_attractors, symmetric_fixed_points, unique_mask
from .chain import run
from .coloring import coupling_graph, greedy_coloring
from .cues import Cues, noisy_cues
from .free_energy import FreeEnergyTerms, free_energy_terms, mean_field_free_energy
from .geometry import orthogonality, pairwise_angles, pairwise_correlations
from .kernels import (
    SCHEDULES,
    ChainState,
    Kernel,
    KernelParams,
    build_kernel,
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
    ScoreResult,
    evoke,
    generalization_score,
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
from .version import __version__ as _version

#: fepnet's version, a PEP 440 string such as ``"0.1.0"`` (also ``fepnet --version``).
__version__ = _version

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
