"""fepnet: free-energy-principle attractor networks of continuous-Bernoulli nodes, in JAX.

Core pieces (one concept per module):

- :mod:`fepnet.cb` continuous-Bernoulli math on [-1, 1]
- :class:`Network` couplings and biases, energy, log density
- :func:`build_kernel` / :func:`run` inference step kernels and the scan driver
- :func:`relax` deterministic relaxation to fixed points
- :func:`learn_step`, :func:`train`, :func:`free_run` FEP learning
- :func:`mean_field_free_energy` the naive mean-field free energy
- :mod:`fepnet.data` the bundled digits with the paper's preprocessing
"""

from . import attractors, cb, data
from .attractors import Attractors, deduplicate, find_attractors
from .free_energy import mean_field_free_energy
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
    fused_update,
    init_learning_state,
    learn_step,
    learning_params,
)
from .network import Network
from .relax import RelaxResult, relax
from .run import run
from .training import TrainResult, free_run, pattern_order, run_epochs, train

__version__ = "0.1.0"

__all__ = [
    "cb",
    "attractors",
    "data",
    "Attractors",
    "deduplicate",
    "find_attractors",
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
    "fused_update",
    "init_learning_state",
    "learn_step",
    "learning_params",
    "TrainResult",
    "train",
    "free_run",
    "pattern_order",
    "run_epochs",
    "__version__",
]
