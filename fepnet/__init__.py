"""fepnet: free-energy-principle attractor networks of continuous-Bernoulli nodes, in JAX.

Core pieces (one concept per module):

- :mod:`fepnet.cb` continuous-Bernoulli math on [-1, 1]
- :class:`Network` couplings and biases, energy, log density
- :func:`build_kernel` / :func:`run` inference step kernels and the scan driver
- :func:`relax` deterministic relaxation to fixed points
- :func:`learn_step`, :func:`train`, :func:`free_run` FEP learning
- :func:`mean_field_free_energy` the naive mean-field free energy (and its terms)
- :func:`find_attractors`, :func:`orthogonality` attractors and their geometry
- :func:`retrieval_score`, :func:`generalization_score` the paper's scores
- :mod:`fepnet.data` the bundled digits with the paper's preprocessing, the bars
- :mod:`fepnet.paper` the paper's four simulations; ``fepnet reproduce`` runs them
- :func:`run_sweep` batched, sharded parameter sweeps into xarray (:mod:`fepnet.sweep`);
  :mod:`fepnet.landscapes` their landscapes; ``fepnet sweep`` runs the paper's grid
"""

from . import attractors, cb, data, paper, scores
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
    params,
)
from .learning import (
    LearningParams,
    LearningState,
    coupling_mask,
    learn_from_states,
    fused_update,
    init_learning_state,
    learn_step,
    learning_params,
)
from .network import Network
from .relax import RelaxResult, relax
from .run import run
from .scores import evoke, generalization_score, noisy_cues, recall_score, retrieval_score
from .sweep import Evaluation, SweepGrid, load_sweep, network_key, parse_values, run_sweep, save_sweep
from .training import EpochRecord, TrainResult, free_run, pattern_order, run_epochs, train

__version__ = "0.1.0"

__all__ = [
    "cb",
    "attractors",
    "data",
    "paper",
    "scores",
    "Attractors",
    "deduplicate",
    "find_attractors",
    "orthogonality",
    "pairwise_angles",
    "pairwise_correlations",
    "symmetric_fixed_points",
    "unique_mask",
    "evoke",
    "noisy_cues",
    "recall_score",
    "retrieval_score",
    "generalization_score",
    "FreeEnergyTerms",
    "free_energy_terms",
    "EpochRecord",
    "Network",
    "SCHEDULES",
    "ChainState",
    "Kernel",
    "KernelParams",
    "build_kernel",
    "coupling_graph",
    "greedy_coloring",
    "init_state",
    "params",
    "run",
    "relax",
    "RelaxResult",
    "mean_field_free_energy",
    "LearningParams",
    "LearningState",
    "coupling_mask",
    "learn_from_states",
    "fused_update",
    "init_learning_state",
    "learn_step",
    "learning_params",
    "TrainResult",
    "train",
    "free_run",
    "pattern_order",
    "run_epochs",
    "Evaluation",
    "SweepGrid",
    "run_sweep",
    "save_sweep",
    "load_sweep",
    "network_key",
    "parse_values",
    "__version__",
]
