"""fepnet: free-energy-principle attractor networks of continuous-Bernoulli nodes, in JAX.

The core (pure JAX; every default is an argument):

- :mod:`fepnet.cb` continuous-Bernoulli maths on [-1, 1]
- :class:`Network` couplings J and biases b; energy E(s) = -(b.s + 1/2 s^T Js s), log density
- :func:`build_kernel`, :func:`kernel_params`, :func:`init_state`, :func:`run` (:mod:`fepnet.chain`)
  inference step kernels ``step(key, state, params) -> state`` and the scan driver
- :func:`relax` (:mod:`fepnet.relaxation`) deterministic relaxation to fixed points m = L(iT (b + J m))
- :func:`learn_step`, :func:`train`, :func:`free_run` the local FEP learning rule and its epoch drivers
- :func:`mean_field_free_energy` the naive mean-field free energy and its terms
- :func:`find_attractors`, :func:`orthogonality` attractors and their geometry
- :func:`retrieval_score`, :func:`generalization_score` the paper's recall scores
- :func:`hebbian`, :func:`storkey`, :func:`projector` (:mod:`fepnet.storage`) classic storage rules;
  :func:`retention`, :func:`basin_recall`, :func:`reconstruction` (:mod:`fepnet.recall`) recall tests
- :mod:`fepnet.data` the bundled digits with the paper's preprocessing, the bars
- :func:`run_sweep` (:mod:`fepnet.sweep`) batched, sharded parameter sweeps into xarray
- :mod:`fepnet.sharding` one network's J split by rows over devices (``devices=`` of ``train``, ``run``,
  ``relax``); :mod:`fepnet.distributed` several processes through ``jax.distributed``

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
