"""Route (a): PSIS-LOO of coupling models fitted to the same observations.

Each model's pointwise log-likelihood (``inference.coupling_fit.fit_couplings``)
goes to ``az.loo`` (Pareto-smoothed importance-sampling leave-one-out,
Vehtari, Gelman & Gabry 2017) and ``az.compare``:

    elpd_loo = sum_t log p(x_t | u_t, data without t),   se_diff = sqrt(n var_t(loo_t[a] - loo_t[b])).

See :mod:`diagnostics.model_selection` for when to use it.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd

from .._arviz import az
from ..convert import from_coupling_posterior
from ._common import json_float

__all__ = ["KHAT_THRESHOLD", "DECISIVE_SE", "SCALES", "ModelComparison", "loo_compare", "pair_summary"]

#: Pareto k-hat above which the PSIS-LOO estimate of an observation is unreliable (Vehtari et al. 2024).
KHAT_THRESHOLD = 0.7
#: A difference is "decisive" when it exceeds this many standard errors of the paired difference.
DECISIVE_SE = 2.0
#: ArviZ's scales: the factor from the log scale to each.
SCALES = {"log": 1.0, "negative_log": -1.0, "deviance": -2.0}


@dataclasses.dataclass(frozen=True, eq=False)
class ModelComparison:
    r"""PSIS-LOO comparison of coupling models fitted to the same observations (:func:`loo_compare`).

    The dicts below are on the LOG scale whatever ``scale`` is (elpd = expected log predictive
    density, higher is better), keyed by model name. ``decisive``: the runner-up is worse by more
    than 2 se_diff. (The table's ``warning`` column uses ArviZ's sample-size-dependent threshold
    min(1 - 1/log10(S), 0.7), about 0.6 for S = 300 draws; ``khat_bad_fraction`` uses the fixed
    0.7.) With ``pointwise="node"`` fits every node value :math:`x_{t,i}` is one LOO point.

    Attributes
    ----------
    table : pandas.DataFrame
        ``az.compare``'s table (best first) on the requested ``scale``.
    loo : dict
        name -> ``az.loo`` ELPDData (pointwise, same scale).
    preferred : str
        The model with the highest elpd.
    elpd, se : dict
        elpd_loo and its standard error.
    p_loo : dict
        Effective number of parameters.
    elpd_diff, se_diff : dict
        elpd[preferred] - elpd[name] (>= 0) and the SE of that paired difference,
        :math:`\sqrt{n\,\mathrm{var}_t(loo_t[preferred] - loo_t[name])}` (0 for the preferred model).
    khat_bad_fraction : dict
        Fraction of observations with Pareto k-hat > 0.7 (LOO unreliable there).
    khat_max : dict
        The largest k-hat.
    n_free : dict
        Free couplings of each structure (None if unknown).
    method : dict
        "nuts" / "svi" (None if unknown).
    n_observations : int
        LOO points per model.
    scale : str
        The table's scale ("log", "negative_log" or "deviance").
    decisive : bool
        Whether the preferred model wins by more than 2 se_diff.
    """

    table: pd.DataFrame
    loo: dict
    preferred: str
    elpd: dict
    se: dict
    p_loo: dict
    elpd_diff: dict
    se_diff: dict
    khat_bad_fraction: dict
    khat_max: dict
    n_free: dict
    method: dict
    n_observations: int
    scale: str
    decisive: bool

    @property
    def names(self) -> list:
        """Model names, best first."""
        return [str(s) for s in self.table.index]

    @property
    def runner_up(self) -> str:
        return self.names[1]

    def pointwise(self, name: str) -> np.ndarray:
        """loo_t of model ``name`` on the log scale, (n,) float64 in observation order ((n N,) per node value)."""
        if name not in self.loo:
            raise ValueError(f"no model named {name!r}; models: {self.names}")
        return np.asarray(self.loo[name].loo_i.values, np.float64).ravel() / SCALES[self.scale]

    def per_observation(self, name: str) -> np.ndarray:
        """loo values of model ``name`` summed per observation (state), (n,) float64, log scale.

        Equal to :meth:`pointwise` unless the models were fitted with
        ``pointwise="node"`` (one LOO value per node value x_t,i).
        """
        p = self.pointwise(name)
        return p.reshape(self.n_observations, -1).sum(axis=1)

    def pareto_k(self, name: str) -> np.ndarray:
        """Pareto k-hat of every pointwise value of model ``name`` (as :meth:`pointwise`), float64."""
        if name not in self.loo:
            raise ValueError(f"no model named {name!r}; models: {self.names}")
        return np.asarray(self.loo[name].pareto_k.values, np.float64).ravel()

    def to_dict(self) -> dict:
        """Everything as plain JSON-able Python values (models best first)."""
        return {
            "preferred": self.preferred,
            "decisive": bool(self.decisive),
            "scale": self.scale,
            "n_observations": int(self.n_observations),
            "models": {
                name: {
                    "rank": i,
                    "elpd": json_float(self.elpd[name]),
                    "se": json_float(self.se[name]),
                    "p_loo": json_float(self.p_loo[name]),
                    "elpd_diff": json_float(self.elpd_diff[name]),
                    "se_diff": json_float(self.se_diff[name]),
                    "weight": json_float(self.table.loc[name, "weight"]),
                    "khat_bad_fraction": json_float(self.khat_bad_fraction[name]),
                    "khat_max": json_float(self.khat_max[name]),
                    "n_free": None if self.n_free[name] is None else int(self.n_free[name]),
                    "method": self.method[name],
                }
                for i, name in enumerate(self.names)
            },
        }

    def __str__(self) -> str:
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            table = self.table.to_string(float_format=lambda x: f"{x:.2f}")
        verdict = "decisively" if self.decisive else "not decisively (within 2 se_diff)"
        worst = max(self.khat_bad_fraction.values())
        lines = [f"PSIS-LOO comparison of {len(self.names)} models on {self.n_observations} observations "
                 f"(scale: {self.scale})", table,
                 f"preferred: {self.preferred}, {verdict} over {self.runner_up} "
                 f"(elpd_diff {self.elpd_diff[self.runner_up]:.2f} +- {self.se_diff[self.runner_up]:.2f})"]
        if worst > 0:
            lines.append(f"warning: up to {100 * worst:.1f}% of observations have Pareto k-hat > {KHAT_THRESHOLD}")
        return "\n".join(lines)


def _model_record(name, model):
    """(InferenceData, targets (n, N) float64, n_free or None, method or None) of one model."""
    from inference.coupling import OBSERVED
    from inference.coupling_fit import CouplingPosterior

    if isinstance(model, CouplingPosterior):
        idata = from_coupling_posterior(model)
        return idata, np.asarray(model.data.targets, np.float64), model.structure.n_free, model.method
    if isinstance(model, az.InferenceData):
        groups = model.groups()
        if "log_likelihood" not in groups or OBSERVED not in model.log_likelihood:
            raise ValueError(f"posteriors[{name!r}] must hold log_likelihood.{OBSERVED} "
                             "(use diagnostics.from_coupling_posterior)")
        if "observed_data" not in groups or OBSERVED not in model.observed_data:
            raise ValueError(f"posteriors[{name!r}] must hold observed_data.{OBSERVED} (the targets)")
        targets = np.asarray(model.observed_data[OBSERVED].values, np.float64)
        attrs = model.log_likelihood.attrs
        n_free = attrs.get("n_free")
        return model, targets, None if n_free is None else int(n_free), attrs.get("method")
    raise TypeError(f"posteriors[{name!r}] must be a CouplingPosterior or an InferenceData, "
                    f"got {type(model).__name__}")


def loo_compare(posteriors: dict, *, scale: str = "log") -> ModelComparison:
    """PSIS-LOO of every coupling model and ``az.compare`` of them (route (a)).

    elpd_loo = sum_t loo_t, loo_t = log p(x_t | u_t, data without t) by
    Pareto-smoothed importance sampling; se_diff = sqrt(n var_t(loo_t[best] - loo_t[m])).
    ArviZ's k-hat warnings are silenced: see ``khat_bad_fraction``.

    Parameters
    ----------
    posteriors : dict of str -> inference.coupling_fit.CouplingPosterior or arviz.InferenceData
        At least two models (InferenceData from :func:`diagnostics.from_coupling_posterior`),
        all fitted to the same observations (same number, identical targets) with the
        pointwise log-likelihood in the same unit (per state or per node value).
    scale : {"log", "negative_log", "deviance"}
        The scale of ``table`` and ``loo``; the summary dicts are always on the log scale.

    Returns
    -------
    ModelComparison

    Raises
    ------
    TypeError
        For a non-dict, non-string names or models of another type.
    ValueError
        For fewer than two models, an unknown scale, models fitted to different
        observations or with different pointwise units, InferenceData without
        the log-likelihood or the observed targets.

    Examples
    --------
    Two small SVI fits to a short stream (about 3 minutes on a busy 2-core CPU; not run as a doctest):

    >>> import jax
    >>> from diagnostics.model_selection import loo_compare, pair_summary
    >>> from diagnostics.sequence_comparison import sequence_data
    >>> from inference.coupling import fit_couplings
    >>> x = sequence_data(jax.random.key(0), "fixed", n_transitions=100)  # doctest: +SKIP
    >>> fits = {s: fit_couplings(jax.random.key(1), x, structure=s, method="svi", svi_steps=300,
    ...                          n_draws=50, pointwise="node")
    ...         for s in ("symmetric", "asymmetric")}  # doctest: +SKIP
    >>> pair_summary(loo_compare(fits))["preferred"]  # doctest: +SKIP
    'asymmetric'
    """
    if not isinstance(posteriors, dict):
        raise TypeError(f"posteriors must be a dict name -> CouplingPosterior, got {type(posteriors).__name__}")
    if len(posteriors) < 2:
        raise ValueError(f"posteriors must hold at least two models to compare, got {len(posteriors)}")
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {tuple(SCALES)}, got {scale!r}")
    for name in posteriors:
        if not isinstance(name, str) or not name:
            raise TypeError(f"posteriors must be keyed by non-empty model names (str), got {name!r}")
    from inference.coupling import OBSERVED

    records = {name: _model_record(name, model) for name, model in posteriors.items()}
    first, (_, ref_targets, _, _) = next(iter(records.items()))
    for name, (_, targets, _, _) in records.items():
        if targets.shape != ref_targets.shape:
            raise ValueError(f"posteriors must be fitted to the same observations: {first!r} has targets of shape "
                             f"{ref_targets.shape}, {name!r} has {targets.shape}")
        if not np.array_equal(targets, ref_targets):
            raise ValueError(f"posteriors must be fitted to the same observations: the targets of {name!r} "
                             f"differ from those of {first!r}")
    shapes = {name: rec[0].log_likelihood[OBSERVED].shape[2:] for name, rec in records.items()}
    if len(set(shapes.values())) != 1:
        raise ValueError("posteriors must record the pointwise log-likelihood in the same unit (per state or "
                         f"per node value: fit_couplings' pointwise), got shapes {shapes}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # k-hat warnings: reported in khat_bad_fraction
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="arviz")  # pandas API notices in ArviZ
        loo = {name: az.loo(idata, pointwise=True, scale=scale) for name, (idata, _, _, _) in records.items()}
        table = az.compare(loo, ic="loo", scale=scale)
    factor = SCALES[scale]
    pointwise = {name: np.asarray(e.loo_i.values, np.float64).ravel() / factor for name, e in loo.items()}
    n = ref_targets.shape[0]
    preferred = str(table.index[0])
    elpd = {name: float(p.sum()) for name, p in pointwise.items()}
    se = {name: float(math.sqrt(p.size * np.var(p))) for name, p in pointwise.items()}
    elpd_diff = {name: elpd[preferred] - elpd[name] for name in loo}
    se_diff = {name: float(math.sqrt(p.size * np.var(pointwise[preferred] - p))) for name, p in pointwise.items()}
    khat = {name: np.asarray(e.pareto_k.values, np.float64).ravel() for name, e in loo.items()}
    runner = str(table.index[1])
    return ModelComparison(
        table=table,
        loo=loo,
        preferred=preferred,
        elpd=elpd,
        se=se,
        p_loo={name: float(e.p_loo) for name, e in loo.items()},
        elpd_diff=elpd_diff,
        se_diff=se_diff,
        khat_bad_fraction={name: float(np.mean(k > KHAT_THRESHOLD)) for name, k in khat.items()},
        khat_max={name: float(np.max(k)) for name, k in khat.items()},
        n_free={name: rec[2] for name, rec in records.items()},
        method={name: rec[3] for name, rec in records.items()},
        n_observations=int(n),
        scale=scale,
        decisive=bool(elpd_diff[runner] > DECISIVE_SE * se_diff[runner]),
    )


def pair_summary(comparison: ModelComparison, a: str = "symmetric", b: str = "asymmetric") -> dict:
    """The head-to-head verdict of models ``a`` and ``b`` of a :func:`loo_compare`.

    elpd_diff = elpd_b - elpd_a, se_diff = sqrt(n var_t(loo_t[b] - loo_t[a])),
    z = elpd_diff / se_diff, decisive = ``|elpd_diff|`` > 2 se_diff.

    The rule for ``preferred``: if the difference is decisive, the model with
    the higher elpd; otherwise the SIMPLER model, the one with fewer free
    couplings (n_free; e.g. symmetric over asymmetric, masked over dense):
    when held-out prediction cannot tell them apart, the extra couplings are
    not supported by the data. With equal n_free, the higher elpd.

    Parameters
    ----------
    comparison : ModelComparison
        A :func:`loo_compare` result.
    a, b : str
        Two different compared models (neither named "diff").

    Returns
    -------
    dict
        JSON-safe: ``elpd_<a>``, ``elpd_<b>`` (log scale), ``elpd_diff`` (positive:
        b predicts better), ``se_diff``, ``z``, ``decisive``, ``preferred`` and
        ``khat_bad_fraction`` ({a: .., b: ..}).

    Raises
    ------
    TypeError
        If ``comparison`` is not a ModelComparison.
    ValueError
        For unknown, equal or "diff" model names, or an unknown free-coupling
        count when the simpler model must be chosen.
    """
    if not isinstance(comparison, ModelComparison):
        raise TypeError(f"comparison must be a ModelComparison (from loo_compare), got {type(comparison).__name__}")
    for arg, name in (("a", a), ("b", b)):
        if name not in comparison.loo:
            raise ValueError(f"{arg} must name a compared model {comparison.names}, got {name!r}")
        if name == "diff":
            raise ValueError(f"{arg} must not be 'diff' (its key elpd_diff is taken)")
    if a == b:
        raise ValueError(f"a and b must name two different models, got {a!r} twice")
    pa, pb = comparison.pointwise(a), comparison.pointwise(b)
    diff = float(pb.sum() - pa.sum())
    se = float(math.sqrt(pa.size * np.var(pb - pa)))
    z = diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    decisive = abs(diff) > DECISIVE_SE * se
    if decisive:
        preferred = b if diff > 0 else a
    else:
        na, nb = comparison.n_free[a], comparison.n_free[b]
        if na is None or nb is None:
            missing = a if na is None else b
            raise ValueError(f"the free-coupling count of {missing!r} is unknown, so the simpler model "
                             "cannot be chosen (compare CouplingPosterior objects)")
        preferred = (a if na < nb else b) if na != nb else (b if diff > 0 else a)
    return {
        f"elpd_{a}": float(pa.sum()),
        f"elpd_{b}": float(pb.sum()),
        "elpd_diff": diff,
        "se_diff": se,
        "z": json_float(z),
        "decisive": bool(decisive),
        "preferred": preferred,
        "khat_bad_fraction": {a: comparison.khat_bad_fraction[a], b: comparison.khat_bad_fraction[b]},
    }

