"""
Validating emergent learning, and comparing networks by their evidence
======================================================================

1. Coupling recovery: a 12-node ground-truth network, states of its exact
   single-site Gibbs stream; the coupling model (``inference.coupling``, the
   continuous-Bernoulli pseudo-likelihood the FEP rule ascends) fitted by NUTS;
   the FEP rule on the same stream. Compares the FEP-learned J, the posterior
   mean and the truth, and shows the rule's N/(N-1) bias and its failure on a
   synchronous stream.
2. Model comparison (what ``fepnet compare`` runs): symmetric against
   asymmetric coupling models on Simulation 3's sequence data and on
   random-order data by PSIS-LOO, and networks trained on different digits
   ranked by their held-out AIS log-likelihood.

By default both parts run at reduced sizes (fewer states, shorter NUTS and SVI
runs, shorter training: about 55 s on an idle 2-core CPU, most of it compilation);
``--full`` runs the functions' default sizes (about 2-3 minutes).

Run: ``python examples/learning_and_model_comparison.py [--full] [--out DIR]``.
"""

import argparse
import os
import time

import jax

from diagnostics.coupling_recovery import format_recovery, recover_couplings, write_recovery
from diagnostics.sequence_comparison import compare_orders, format_comparison, write_comparison

parser = argparse.ArgumentParser(description="Validating emergent learning, and comparing networks by their evidence")
parser.add_argument("--out", default="examples-out/learning")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--no-progress", action="store_true")
parser.add_argument("--full", action="store_true", help="the full sizes (default: reduced sizes, for a quick look)")
args = parser.parse_args()
t0 = time.perf_counter()
k_recover, k_compare = jax.random.split(jax.random.key(args.seed))
# Reduced sizes unless --full (the functions' defaults).
recovery_size = {} if args.full else dict(n_states=1200, n_chains=2, n_warmup=150, n_samples=150, svi_steps=400)
comparison_size = {} if args.full else dict(n_transitions=200, svi_steps=300, n_draws=100, n_epochs=1000,
                                            heldout_epochs=200)

# %%
# Coupling recovery: the FEP rule's couplings beside the Bayesian posterior's and the truth.
recovery = recover_couplings(k_recover, truth=None, n_nodes=12, progress=not args.no_progress, **recovery_size)
write_recovery(recovery, os.path.join(args.out, "recovery"))
print(format_recovery(recovery))

# %%
# Model comparison: sequence against random-order data, by PSIS-LOO and held-out AIS evidence.
comparison = compare_orders(k_compare, progress=not args.no_progress, **comparison_size)
write_comparison(comparison, os.path.join(args.out, "compare"))
print(format_comparison(comparison))
print(f"total {time.perf_counter() - t0:.0f} s; wrote {args.out}/recovery and {args.out}/compare")
