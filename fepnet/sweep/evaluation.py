"""How a sweep scores each trained network: the recall scores and the attractor search."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..infra import checks as v

__all__ = ["Evaluation"]


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """How each trained network of a sweep is scored (the defaults are the paper's scoring protocol).

    Scores: ``n_trials`` noisy cues (original = scale * level * pattern, noisy =
    original + noise * std(original) * N(0, 1)), each clamped for ``n_steps``
    stochastic synchronous steps at ``inverse_temperature``; the score is the
    median of corr(response, original)^2 - corr(noisy, original)^2. Attractors:
    zero-bias deterministic synchronous relaxation at iT = 1 from
    L(scale * level * pattern) (``max_steps``, ``tol``), distinct end states
    after rounding to ``decimals``.

    Parameters
    ----------
    n_trials : int
        Cues per score, >= 1 (default 100).
    n_steps : int
        Steps per cue, >= 1 (default 100).
    inverse_temperature : float
        Of the scoring dynamics, > 0 (default 1.0).
    scale : float
        Cue and attractor-start scale, > 0 (default 0.1).
    noise : float
        Cue noise in units of the cue's standard deviation, >= 0 (default 1.0).
    max_steps : int
        Relaxation step cap, >= 1 (default 1000).
    tol : float
        Relaxation tolerance on max abs(change), > 0 (default 1e-6).
    decimals : int
        Rounding of end states before they are deduplicated, >= 0 (default 2).

    Raises
    ------
    TypeError
        A real-valued field that is not a real number.
    ValueError
        A count below its minimum, or a non-finite or out-of-range real.

    Examples
    --------
    >>> from fepnet.sweep import Evaluation
    >>> Evaluation(n_trials=10).n_trials, Evaluation().scale
    (10, 0.1)
    >>> Evaluation(noise=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: evaluation.noise must be non-negative and finite, got -1.0
    """

    n_trials: int = 100
    n_steps: int = 100
    inverse_temperature: float = 1.0
    scale: float = 0.1
    noise: float = 1.0
    max_steps: int = 1000
    tol: float = 1e-6
    decimals: int = 2

    def __post_init__(self):  # plain Python checks: building the default must not start JAX's backends
        for name in ("n_trials", "n_steps", "max_steps"):
            v.count(getattr(self, name), f"evaluation.{name}", minimum=1)
        v.count(self.decimals, "evaluation.decimals")
        for name in ("inverse_temperature", "scale", "tol", "noise"):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise TypeError(f"evaluation.{name} must be a real number, got {type(value).__name__}")
            if not math.isfinite(value) or value < 0 or (value == 0 and name != "noise"):
                raise ValueError(f"evaluation.{name} must be {'non-negative' if name == 'noise' else 'positive'} "
                                 f"and finite, got {value}")
            object.__setattr__(self, name, float(value))
