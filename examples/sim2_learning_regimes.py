"""
Simulation 2: the balanced, high- and low-complexity digits networks
====================================================================

Each network learns the ten training digits (one per class) with the FEP rule
at its own evidence level and inverse temperature; we count its attractors,
measure their orthogonality and score retrieval of noisy training digits and
one-shot generalisation to unseen test digits (the paper's Simulation 2).

Run: ``python examples/sim2_learning_regimes.py --out DIR``.
"""

import jax
import numpy as np

import fepnet
from fepnet import figures
from fepnet.paper import NETWORKS
from fepnet.paper.examples import example_args

args, out = example_args("Simulation 2: the balanced, high- and low-complexity digits networks", "examples-out/sim2")

digits = fepnet.data.load_digits()  # squared, standardised; first 10 images train, 1787 test
angles_data = np.asarray(fepnet.pairwise_angles(digits.train))
print(f"training digits: orthogonality {float(fepnet.orthogonality(digits.train)):.1f} degrees")

# %%
# The three networks: train, find the attractors, score, and draw each network's attractors
# and the angles between them.

# (evidence level, inverse temperature) of the paper's three example networks:
# balanced (11, 0.1668), high complexity (16, 0.359), low complexity (6, 0.0278).
scores = {}
for name, (level, it) in NETWORKS.items():
    k_train, k_ret, k_gen = jax.random.split(jax.random.fold_in(jax.random.key(args.seed), len(scores)), 3)
    net = fepnet.train(k_train, digits.train, n_epochs=5000, steps_per_epoch=10, inverse_temperature=it,
                       learning_rate=0.001, evidence_level=level, progress=False).network
    att = fepnet.find_attractors(net, fepnet.cb.langevin(0.1 * level * digits.train), 1.0)
    ret = fepnet.retrieval_score(k_ret, net, digits.train, evidence_level=level)
    gen = fepnet.generalization_score(k_gen, net, digits.test, evidence_level=level)
    scores[name] = {"retrieval": [float(ret.score)], "generalization": [float(gen.score)]}
    print(f"{name:>8}: {att.count:2d} attractors, orthogonality {att.orthogonality():5.1f} deg, "
          f"retrieval {float(ret.score):.3f}, generalisation {float(gen.score):+.3f}")
    iu = np.triu_indices(att.count, 1)
    out.figure(f"{name}_attractors.png",
               figures.plot_state_images(att.states, (8, 8), suptitle=f"{name} network: {att.count} attractors"))
    out.figure(f"{name}_angles.png",
               figures.plot_angle_histogram(att.angles()[iu], reference=angles_data[np.triu_indices(10, 1)],
                                            title=f"{name} network: angles between attractors",
                                            orthogonality=att.orthogonality(),
                                            reference_orthogonality=float(fepnet.orthogonality(digits.train))))
# %%
# The retrieval and generalisation scores of the three networks.

out.figure("scores.png", figures.plot_score_boxes(scores, title="Scores (one seed; `fepnet reproduce sim2` runs ten)"))
print(f"figures in {args.out}/")
