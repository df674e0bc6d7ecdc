"""
Simulation 3: a fixed order makes asymmetric couplings and sequence attractors
==============================================================================

Digits 1, 2, 3 are shown in a fixed cycle, one synchronous step per epoch.
The couplings become strongly asymmetric; the fixed points of their symmetric
part are the three digits, and the free-running network (b = 0) visits them
in the trained order 1 -> 2 -> 3 -> 1 (the paper's Simulation 3).

Run: ``python examples/sim3_sequences.py --out DIR``.
"""

import jax
import numpy as np

import fepnet
from fepnet import figures
from fepnet.paper import sequence_order_score
from fepnet.paper.examples import example_args

args, out = example_args("Simulation 3: a fixed order makes asymmetric couplings and sequence attractors", "examples-out/sim3")
k_train, k_free = jax.random.split(jax.random.key(args.seed))

digits = fepnet.data.load_digits()
patterns = digits.train[1:4]  # the digits 1, 2, 3
level = 20.0
result = fepnet.train(k_train, patterns, n_epochs=2000, steps_per_epoch=1, inverse_temperature=1.0,
                      learning_rate=0.001, evidence_level=level, order="fixed")
net = result.network
print(f"asymmetry ||J - J^T|| / ||J|| = {float(net.asymmetry()):.3f} (published 0.98)")

# %%
# The symmetric part Js = (J + J^T) / 2 stores the digits as fixed points.

# Fixed points of the symmetric part, from the three digits' starting points.
sym = fepnet.symmetric_fixed_points(net, fepnet.cb.langevin(0.1 * level * patterns))
r = np.asarray(fepnet.pairwise_correlations(np.concatenate([patterns, sym.states])))[:3, 3:]
print(f"{sym.count} fixed points of Js; best correlation with digits 1, 2, 3: {np.round(r.max(axis=1), 2)}")

# %%
# The antisymmetric part drives the free-running network through the sequence.

# Free running: b = 0, iT 1, 100 stochastic synchronous steps from the last training state.
kernel = fepnet.build_kernel("synchronous")
_, states = fepnet.run(kernel, k_free, fepnet.init_state(net, result.state.sigma), fepnet.kernel_params(net, 1.0), 100, trace=True)
score, labels, n = sequence_order_score(states, patterns)
print(f"free running: {n} transitions between recognised digits, {score:.0%} in the order 1 -> 2 -> 3 -> 1")
print("visited:", "".join("." if k < 0 else str(k + 1) for k in labels))

# %%
# The couplings and their parts, and the free run's correlation with each digit.

out.figure("couplings.png", figures.plot_matrices([net.couplings, net.symmetric_part(), net.antisymmetric_part()],
                                                 ["J", "Js", "Ja"], suptitle="Sequence-trained couplings and their parts"))
out.figure("free_running.png",
           figures.plot_pattern_correlations(states, patterns, labels=["digit 1", "digit 2", "digit 3"]))
print(f"figures in {args.out}/")
