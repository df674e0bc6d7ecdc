"""The paper's published protocols and numbers (Spisak & Friston, Section 3 and Appendix).

Constants only: the settings of Simulations 1-4, the three named networks of
Simulation 2, the scoring protocol, and the values the paper reports
(``None`` where it reports none). :mod:`fepnet.paper.simulations` runs them.
"""

from __future__ import annotations

__all__ = ["PUBLISHED", "NETWORKS", "SIM1", "SIM2", "SIM3", "SIM4", "SCORING",
           "RECOGNITION_THRESHOLD", "SYM_MATCH_THRESHOLD"]

# Published values (None: the paper reports no number for it).
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
}

# The three named networks of Simulation 2: (evidence level, inverse temperature).
NETWORKS = {"balanced": (11.0, 0.1668), "high": (16.0, 0.359), "low": (6.0, 0.0278)}
SIM1 = dict(evidence_level=30.0, inverse_temperature=0.1, learning_rate=0.01, n_epochs=500, steps_per_epoch=10)
SIM2 = dict(learning_rate=0.001, n_epochs=5000, steps_per_epoch=10)
SIM3 = dict(digits=(1, 2, 3), evidence_level=20.0, inverse_temperature=1.0, learning_rate=0.001,
            n_epochs=2000, steps_per_epoch=1, free_steps=100)
SIM4 = dict(n_steps=50_000, inverse_temperature=1.0, learning_rate=0.001)
# Retrieval / generalisation scoring and attractor search: median over n_trials noisy cues, n_steps steps at
# inverse_temperature; attractor searches start from L(scale * evidence_level * x).
SCORING = dict(n_trials=100, n_steps=100, inverse_temperature=1.0, scale=0.1)
RECOGNITION_THRESHOLD = 0.5  # a free-running state "is" the digit it correlates with most, if above this
SYM_MATCH_THRESHOLD = 0.8
