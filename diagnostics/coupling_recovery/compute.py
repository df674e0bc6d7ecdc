"""Coupling recovery, the computation: a known network's stream, the coupling posterior and the FEP rule.

:func:`recover_couplings` runs the experiment of :mod:`diagnostics.coupling_recovery`
and returns a :class:`CouplingRecovery`; it writes no files and draws no figures
(:mod:`diagnostics.coupling_recovery.render` does).
"""

from __future__ import annotations

import dataclasses
import time

import jax
import numpy as np

import fepnet
from fepnet import Network
from fepnet.infra import checks as v
from fepnet.infra.files import json_safe
from fepnet.stats import pearson
from inference.coupling import STRUCTURES
from inference.coupling_fit import CouplingPosterior, fit_couplings

from .metrics import acceptance, off_diagonal, recovery_metrics, relative_error, slope
from .stream import BURN_IN_SWEEPS, gibbs_stream

__all__ = ["METHODS", "CONTROL_BURN_IN", "CouplingRecovery", "recover_couplings"]

#: Posterior methods of the coupling model.
METHODS = ("nuts", "svi")
#: Synchronous steps discarded before the control stream.
CONTROL_BURN_IN = 100


@dataclasses.dataclass(frozen=True)
class CouplingRecovery:
    """Everything :func:`recover_couplings` measured.

    Attributes
    ----------
    truth : fepnet.Network
        The network that generated the stream (couplings (N, N)).
    posterior : inference.coupling_fit.CouplingPosterior
        The coupling model's posterior from ``samples``.
    fep : fepnet.Network
        The FEP-learned couplings (a zero-bias network) from the full stream.
    samples : jax.Array, shape (n_states, N)
        The states the coupling model saw (one per sweep by default).
    stream_length : int
        Single-site states in the full stream the FEP rule learned from.
    settings : dict
        The settings of the run (n_nodes, n_states, thin, structure, method, prob, ...).
    metrics : dict
        :func:`~diagnostics.coupling_recovery.metrics.recovery_metrics` (Pearson r, relative errors,
        slopes, interval coverage and width, sampler diagnostics).
    wall_s : dict
        Seconds of "stream", the posterior method ("nuts" or "svi"), "fep", "control" and "total"
        (compilation included).
    control : dict or None
        The synchronous-stream control's metrics, or None when not run.
    n_nodes : int
        N (property).
    prob : float
        The credible-interval mass (property).
    passed : bool
        Whether every :data:`~diagnostics.coupling_recovery.metrics.ACCEPTANCE` check passed (property).
    """

    truth: Network
    posterior: CouplingPosterior
    fep: Network
    samples: jax.Array
    stream_length: int
    settings: dict
    metrics: dict
    wall_s: dict
    control: dict | None = None

    @property
    def n_nodes(self) -> int:
        return self.truth.size

    @property
    def prob(self) -> float:
        return self.settings["prob"]

    def acceptance(self) -> dict:
        """The metrics of :data:`~diagnostics.coupling_recovery.metrics.ACCEPTANCE`, thresholds and verdicts."""
        return acceptance(self.metrics)

    @property
    def passed(self) -> bool:
        return all(a["passed"] for a in self.acceptance().values())

    def to_dict(self) -> dict:
        """A strict-JSON-safe dict: settings, metrics, acceptance, control, wall_s and the matrices."""
        lo, hi = self.posterior.interval(self.prob)
        return json_safe({
            "settings": self.settings,
            "stream_length": self.stream_length,
            "metrics": self.metrics,
            "acceptance": self.acceptance(),
            "passed": self.passed,
            "control": self.control,
            "wall_s": self.wall_s,
            "matrices": {
                "truth": np.asarray(self.truth.couplings, np.float64),
                "posterior_mean": np.asarray(self.posterior.mean_couplings(), np.float64),
                "interval_lower": lo,
                "interval_upper": hi,
                "fep": np.asarray(self.fep.couplings, np.float64),
            },
        })


def _check_truth(truth, key, n_nodes, coupling_scale) -> tuple[Network, bool]:
    if truth is None:
        n = v.count(n_nodes, "n_nodes", minimum=2)
        v.positive_scalar(coupling_scale, "coupling_scale")
        return Network.random(jax.random.fold_in(key, 0), n, coupling_scale=float(coupling_scale),
                              symmetric=True), False
    if not isinstance(truth, Network):
        raise TypeError(f"truth must be None or a fepnet.Network, got {type(truth).__name__}")
    J = np.asarray(truth.couplings, np.float64)
    if J.ndim != 2 or J.shape[0] < 2:
        raise ValueError(f"truth must be a single network of at least 2 nodes, got couplings of shape {J.shape}")
    if np.max(np.abs(J - J.T)) > 1e-6 * max(1.0, float(np.max(np.abs(J)))):
        raise ValueError(
            "truth must have symmetric couplings (J == J^T): the pseudo-likelihood's conditionals "
            "x_i | x_-i ~ CB(b_i + sum_j J_ij x_j) are the Boltzmann density's only for symmetric J "
            f"(this truth has asymmetry ||J - J^T|| / ||J|| = {float(truth.asymmetry()):.3g})")
    if np.any(np.diag(J) != 0):
        raise ValueError("truth must have a zero diagonal")
    return truth, True


def _check_prob(prob) -> float:
    if isinstance(prob, (bool, np.bool_)):
        raise TypeError("prob must be a real number in (0, 1), got a bool")
    v.positive_scalar(prob, "prob")
    p = float(prob)
    if not p < 1:
        raise ValueError(f"prob must lie in (0, 1), got {p}")
    return p


def _control(key, n, coupling_scale, n_steps, learning_rate, n_passes, svi_steps, progress) -> tuple[dict, float]:
    """Asymmetric truth, synchronous stream, coupling model (field="previous", SVI) and FEP rule on it."""
    t0 = time.perf_counter()
    k_net, k_run, k_fit = jax.random.split(key, 3)
    net = Network.random(k_net, n, coupling_scale=coupling_scale, symmetric=False)
    kernel = fepnet.build_kernel("synchronous")
    _, states = fepnet.run(kernel, k_run, fepnet.init_state(net), fepnet.kernel_params(net, 1.0),
                           CONTROL_BURN_IN + n_steps, trace=True)
    states = states[CONTROL_BURN_IN:]
    post = fit_couplings(k_fit, states, field="previous", structure="asymmetric", method="svi", guide="normal",
                         svi_steps=svi_steps, progress=progress)
    fep = fepnet.learn_from_states(states, learning_rate=learning_rate, n_passes=n_passes)
    t, m, f = off_diagonal(net.couplings), off_diagonal(post.mean_couplings()), off_diagonal(fep.couplings)
    lo, hi = (off_diagonal(a) for a in post.interval(0.9))
    metrics = {
        "n_steps": n_steps,
        "asymmetry": float(net.asymmetry()),
        "r_posterior_truth": pearson(m, t),
        "relative_error_posterior": relative_error(m, t),
        "coverage_90": float(np.mean((lo <= t) & (t <= hi))),
        "r_fep_posterior": pearson(f, m),
        "r_fep_truth": pearson(f, t),
        "relative_error_fep": relative_error(f, t),
        "fep_slope_truth": slope(t, f),
    }
    return metrics, time.perf_counter() - t0


def recover_couplings(
    key,
    truth: Network | None = None,
    *,
    n_nodes: int = 12,
    coupling_scale=0.3,
    n_states: int = 2000,
    thin: int | None = None,
    structure: str = "asymmetric",
    method: str = "nuts",
    n_chains: int = 4,
    n_warmup: int = 500,
    n_samples: int = 500,
    svi_steps: int = 3000,
    learning_rate=0.001,
    n_passes: int = 10,
    prob: float = 0.9,
    control: bool = True,
    control_samples: int | None = None,
    progress: bool = False,
) -> CouplingRecovery:
    """Read the couplings of a known symmetric network back from its states, by posterior and by FEP rule.

    A Gibbs stream (:func:`gibbs_stream`, iT = 1) of ``n_states * thin``
    single-site steps feeds :func:`inference.coupling_fit.fit_couplings`
    (``field="same"``: x_t,i ~ CB(b_i + sum_j J_ij x_t,j), Besag's
    pseudo-likelihood) with its rows ``thin-1::thin``, and
    :func:`fepnet.learn_from_states` (J_ij += alpha (x_t,i - L(h_i)) x_t,j,
    h = J x_{t-1}) with all of it. The FEP rule has no bias term: a truth with
    non-zero biases adds a bias the learned couplings absorb.

    Parameters
    ----------
    key : jax.Array
        PRNG key (the default truth, the stream, the fits and the control derive from it).
    truth : fepnet.Network, optional
        Symmetric couplings (N, N) with a zero diagonal. Default:
        ``Network.random`` with ``n_nodes`` and ``coupling_scale``, symmetric,
        zero biases.
    n_nodes : int
        N of the default truth (>= 2).
    coupling_scale : float
        Coupling scale of the default truth, and of the control's asymmetric
        truth (for a given ``truth``: the RMS of its off-diagonal couplings).
    n_states : int
        States the coupling model sees (>= 2).
    thin : int, optional
        Single-site steps per state the model sees (default N: one per sweep).
    structure : str
        Coupling structure of the model (one of ``inference.coupling.STRUCTURES``).
    method : {"nuts", "svi"}
        Posterior method.
    n_chains, n_warmup, n_samples : int
        NUTS settings.
    svi_steps : int
        SVI steps (the "svi" method and the control).
    learning_rate : float
        alpha of the FEP rule (>= 0).
    n_passes : int
        Passes of the FEP rule over the stream.
    prob : float
        Credible-interval mass in (0, 1) for ``coverage``.
    control : bool
        Also run the synchronous-stream control (module docstring of
        :mod:`diagnostics.coupling_recovery`), fitted by SVI.
    control_samples : int, optional
        Steps of the control stream (default ``n_states``).
    progress : bool
        Show the fits' progress bars.

    Returns
    -------
    CouplingRecovery
        Fields ``truth``, ``posterior``, ``fep``, ``samples``, ``stream_length``, ``settings``,
        ``metrics``, ``wall_s``, ``control``.

    Raises
    ------
    TypeError, ValueError
        For a bad key, an asymmetric or non-Network truth, or any setting out of range.

    Examples
    --------
    A small SVI run (about 2 minutes on a busy 2-core CPU; not run as a doctest):

    >>> import jax
    >>> from diagnostics.coupling_recovery import recover_couplings
    >>> r = recover_couplings(jax.random.key(0), n_nodes=6, n_states=500, method="svi",
    ...                       svi_steps=500, control=False)  # doctest: +SKIP
    >>> sorted(r.acceptance())  # doctest: +SKIP
    ['coverage', 'r_fep_posterior', 'r_posterior_truth']
    """
    t_start = time.perf_counter()
    key = v.prng_key(key)
    truth, given = _check_truth(truth, key, n_nodes, coupling_scale)
    n = truth.size
    n_states = v.count(n_states, "n_states", minimum=2)
    thin = n if thin is None else v.count(thin, "thin", minimum=1)
    if structure not in STRUCTURES:
        raise ValueError(f"structure must be one of {STRUCTURES}, got {structure!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    n_chains = v.count(n_chains, "n_chains", minimum=1)
    n_warmup = v.count(n_warmup, "n_warmup")
    n_samples = v.count(n_samples, "n_samples", minimum=1)
    svi_steps = v.count(svi_steps, "svi_steps", minimum=1)
    v.nonnegative_scalar(learning_rate, "learning_rate")
    lr = float(learning_rate)
    n_passes = v.count(n_passes, "n_passes", minimum=1)
    prob = _check_prob(prob)
    if not isinstance(control, (bool, np.bool_)):
        raise TypeError(f"control must be a bool, got {type(control).__name__}")
    control_samples = n_states if control_samples is None else v.count(control_samples, "control_samples", minimum=2)
    v.positive_scalar(coupling_scale, "coupling_scale")
    # the control's asymmetric truth: coupling_scale, or the RMS of a given truth's off-diagonal couplings
    scale = float(np.sqrt(np.mean(off_diagonal(truth.couplings) ** 2))) if given else float(coupling_scale)
    if not scale > 0:
        scale = float(coupling_scale)

    k_stream, k_fit, k_control = (jax.random.fold_in(key, i) for i in (1, 2, 3))
    wall = {}
    t0 = time.perf_counter()
    stream_length = n_states * thin
    stream = jax.block_until_ready(gibbs_stream(k_stream, truth, stream_length))
    samples = stream[thin - 1::thin]
    wall["stream"] = time.perf_counter() - t0

    posterior = fit_couplings(k_fit, samples, field="same", structure=structure, method=method,
                              n_chains=n_chains, n_warmup=n_warmup, n_samples=n_samples,
                              svi_steps=svi_steps, progress=progress)
    wall[method] = float(posterior.wall_s)

    t0 = time.perf_counter()
    fep = fepnet.learn_from_states(stream, learning_rate=lr, n_passes=n_passes)
    jax.block_until_ready(fep.couplings)
    wall["fep"] = time.perf_counter() - t0

    metrics = recovery_metrics(np.asarray(truth.couplings), posterior, np.asarray(fep.couplings), prob)
    control_metrics = None
    if control:
        control_metrics, wall["control"] = _control(k_control, n, scale, control_samples, lr, n_passes, svi_steps,
                                                    progress)
    wall["total"] = time.perf_counter() - t_start
    settings = {
        "n_nodes": n,
        "truth_given": given,
        "coupling_scale": None if given else scale,
        "truth_norm": float(np.linalg.norm(np.asarray(truth.couplings))),
        "n_states": n_states,
        "thin": thin,
        "burn_in": BURN_IN_SWEEPS * n,
        "field": "same",
        "structure": structure,
        "method": method,
        "n_chains": n_chains if method == "nuts" else None,
        "n_warmup": n_warmup if method == "nuts" else None,
        "n_samples": n_samples if method == "nuts" else None,
        "svi_steps": svi_steps if (method == "svi" or control) else None,
        "learning_rate": lr,
        "n_passes": n_passes,
        "prob": prob,
        "control": bool(control),
        "control_samples": control_samples if control else None,
        "control_coupling_scale": scale if control else None,
    }
    return CouplingRecovery(truth, posterior, fep, samples, stream_length, settings, metrics, wall, control_metrics)

