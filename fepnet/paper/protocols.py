"""The paper's published protocols and numbers (Spisak & Friston, Section 3 and Appendix).

Constants only: the settings of Simulations 1-5, the three named networks of
Simulation 2, the scoring protocol, and the values the paper reports
(``None`` where it reports none). :mod:`fepnet.paper.simulations` runs them.
"""

from __future__ import annotations

__all__ = ["PUBLISHED", "NETWORKS", "SIM1", "SIM2", "SIM3", "SIM4", "SIM5", "SCORING",
           "RECOGNITION_THRESHOLD", "SYM_MATCH_THRESHOLD"]

#: The paper's published values: "sim1" .. "sim5" -> metric -> value (None: the paper reports no number for it);
#: "sim2" nests them per named network, "sim5" holds tuples over K. :mod:`fepnet.paper.reproduce` compares with them.
PUBLISHED = {
    "sim1": {"train_corr": 0.77, "attractor_corr": -0.19},
    "sim2": {
        "balanced": {"retrieval": 0.292, "generalization": 0.07, "n_attractors": 10, "orthogonality": 17.34},
        "high": {"retrieval": 0.27, "generalization": -0.05, "n_attractors": None, "orthogonality": 27.6},
        "low": {"retrieval": 0.16, "generalization": 0.085, "n_attractors": 1, "orthogonality": None},
        "orthogonality_data": 29.94,
    },
    "sim3": {"asymmetry": 0.98, "sym_attractors_match": 3, "order_score": None},
    "sim4": {
        "retrieval_before": None,
        "retrieval_after": None,
        "generalization_before": None,
        "generalization_after": None,
        "coupling_corr": 0.973,
    },
    # Simulation 5 (capacity, random dense +-1 patterns, N = 100): mean over 20 repeats at each K.
    "sim5": {
        "K": (10, 20, 30, 40, 50, 60, 70, 80, 90),
        "retention": (1.000, 1.000, 0.99993, 0.9989, 0.9975, 0.9919, 0.9686, 0.8978, 0.8134),
        "reconstruction": (0.980, 0.898, 0.785, 0.683, 0.611, 0.572, 0.548, 0.534, 0.521),
    },
}

#: The three named networks of the paper's Simulation 2: name -> (evidence level, inverse temperature).
NETWORKS = {"balanced": (11.0, 0.1668), "high": (16.0, 0.359), "low": (6.0, 0.0278)}
#: The paper's Simulation 1 (two correlated bars, 25 nodes): training settings, keyword -> value, of
#: :func:`~fepnet.paper.simulations.simulation1`.
SIM1 = dict(evidence_level=30.0, inverse_temperature=0.1, learning_rate=0.01, n_epochs=500, steps_per_epoch=10)
#: The paper's Simulation 2 (the ten training digits): training settings shared by the :data:`NETWORKS`, which add
#: their evidence level and inverse temperature; also the sweep grid's, the demo's and Simulation 4's.
SIM2 = dict(learning_rate=0.001, n_epochs=5000, steps_per_epoch=10)
#: The paper's Simulation 3 (sequence attractors): the digits trained in fixed order, training settings and
#: ``free_steps`` (free-running steps after training) of :func:`~fepnet.paper.simulations.simulation3`.
SIM3 = dict(digits=(1, 2, 3), evidence_level=20.0, inverse_temperature=1.0, learning_rate=0.001,
            n_epochs=2000, steps_per_epoch=1, free_steps=100)
#: The paper's Simulation 4 (:func:`~fepnet.paper.simulations.simulation4`): the trained balanced network keeps
#: learning at ``learning_rate`` while it runs freely without evidence for ``n_steps`` steps at ``inverse_temperature``.
SIM4 = dict(n_steps=50_000, inverse_temperature=1.0, learning_rate=0.001)
#: The paper's Simulation 5 (capacity, :func:`~fepnet.paper.reproduce.sim5_settings`): training of the FEP network
#: (random epochs, state reset to 0 every epoch, zero diagonal, no precision weighting); retention starts AT the
#: pattern (zero bias, deterministic synchronous updates at retention_inverse_temperature for retention_steps);
#: reconstruction starts from the noisy cue pattern + N(0, (noise_sd * sd(pattern))^2), which is also the unscaled
#: bias (stochastic synchronous updates at inverse_temperature for reconstruction_steps; the response is the mean
#: state after burn_in steps).
SIM5 = dict(n_nodes=100, repeats=20, evidence_level=2.0, inverse_temperature=1.0, learning_rate=0.0005,
            n_epochs=10_000, steps_per_epoch=10, retention_inverse_temperature=100.0, retention_steps=150,
            noise_sd=2.0, reconstruction_steps=20, burn_in=5)
#: Retrieval / generalisation scoring and attractor search: median over n_trials noisy cues, n_steps steps at
#: inverse_temperature; attractor searches start from L(scale * evidence_level * x).
SCORING = dict(n_trials=100, n_steps=100, inverse_temperature=1.0, scale=0.1)
#: The Pearson correlation above which a free-running state counts as the pattern it correlates with most
#: (Simulation 3's ``order_score``, :func:`~fepnet.paper.analysis.sequence_order_score`).
RECOGNITION_THRESHOLD = 0.5  # a free-running state "is" the digit it correlates with most, if above this
#: Simulation 3's ``sym_attractors_match`` counts the trained digits whose largest Pearson correlation with a
#: fixed point of the symmetric part Js exceeds this.
SYM_MATCH_THRESHOLD = 0.8
