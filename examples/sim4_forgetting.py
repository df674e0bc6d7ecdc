"""
Simulation 4: the balanced network keeps learning while free running, and barely forgets
========================================================================================

After training the balanced digits network (evidence 11, iT 0.1668) we let it
run freely (b = 0) at iT 1 for 50,000 steps with learning still on, then
compare its couplings and scores with those right after training (the paper's
Simulation 4).

Run: ``python examples/sim4_forgetting.py --out DIR``.
"""

import jax
import numpy as np

import fepnet
from fepnet import figures
from fepnet.paper.examples import example_args

args, out = example_args("Simulation 4: the balanced network keeps learning while free running, and barely forgets", "examples-out/sim4")
k_train, k_free, k_score = jax.random.split(jax.random.key(args.seed), 3)

digits = fepnet.data.load_digits()
level = 11.0
trained = fepnet.train(k_train, digits.train, n_epochs=5000, steps_per_epoch=10, inverse_temperature=0.1668,
                       learning_rate=0.001, evidence_level=level)
# Continue from the trained state (couplings and node states), b = 0, iT raised to 1.
after = fepnet.free_run(k_free, trained.state, 50_000, inverse_temperature=1.0, learning_rate=0.001)

# %%
# How much the couplings moved, and the scores before and after, beside an isotropic
# perturbation of the same size.

J0, J1 = np.asarray(trained.network.couplings), np.asarray(after.network.couplings)
iu = np.triu_indices(64, 1)
print(f"correlation of the couplings before vs after: {np.corrcoef(J0[iu], J1[iu])[0, 1]:.3f} (published 0.973)")
# Why scores fall: at iT 1 and b = 0 the rule's expected change is zero, so dJ is pure noise, but noise
# alpha sum_t e_t sigma_t^T lying along the visited states. An isotropic perturbation of the same size:
rng = np.random.default_rng(args.seed)
noise = rng.normal(size=J0.shape)
np.fill_diagonal(noise, 0.0)
isotropic = fepnet.Network(J0 + noise * np.linalg.norm(J1 - J0) / np.linalg.norm(noise))
print(f"||dJ|| / ||J|| = {np.linalg.norm(J1 - J0) / np.linalg.norm(J0):.3f}")
for label, net in (("after training", trained.network), ("after free running", after.network),
                   ("isotropic same-size dJ", isotropic)):
    k_ret, k_gen = jax.random.split(k_score)  # the same cues and noise for both networks
    ret = fepnet.retrieval_score(k_ret, net, digits.train, evidence_level=level)
    gen = fepnet.generalization_score(k_gen, net, digits.test, evidence_level=level)
    print(f"{label:>22}: retrieval {float(ret.score):.3f}, generalisation {float(gen.score):+.3f}")

# %%
# The couplings after training, after free running, and their difference.

out.figure("couplings.png", figures.plot_matrices([J0, J1, J1 - J0], ["after training", "after free running", "change"],
                                                 suptitle="Couplings before and after 50,000 free-running steps"))
print(f"figures in {args.out}/")
