"""Free-energy checks of a trained network, for the claims "deterministic updates minimise free energy" and
"learning is local free-energy minimisation" (``fepnet reproduce sim1`` writes them under ``meta.free_energy``).

- :func:`relaxation_descent`: from each start, deterministic single-node updates
  m_i <- L(iT (b_i + sum_j Js_ij m_j)) in sequential order (node 0, 1, ..., N-1, repeated) on the
  symmetrised couplings Js = (J + J^T) / 2; the naive mean-field free energy
  F(m) = -iT (b·m + 1/2 m^T Js m) - sum_i H(L^{-1}(m_i)) (:func:`fepnet.free_energy_terms`) is recorded
  after every single-node update. The synchronous schedule (all nodes at once) is recorded too, for
  comparison only: it need not descend F.
- :func:`learning_descent`: mean F of the training run's steps over the first and the last 10 % of epochs.
- :func:`local_gradient`: the rule's update (``fepnet.learning.prediction_error`` and ``apply_update``)
  against minus alpha times the gradient (``jax.grad``) of the nodes' local free energies
  F_i(J) = -log CB(sigma_i | h_i) = A(h_i) - sigma_i h_i, h_i = sum_j J_ij sigma_j.
"""

from __future__ import annotations

import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from .. import cb_math
from ..free_energy import free_energy_terms
from ..learning import apply_update, prediction_error

# F may rise by float32 rounding only: tolerance per update, relative to the scale of F.
RELAX_TOL = 1e-5
RELAX_SWEEPS = 30
GRAD_TOL = 1e-5
EDGE_FRACTION = 0.1


def _sequential_trace(J, b, m0, it, sweeps):
    n = m0.shape[-1]
    sites = jnp.tile(jnp.arange(n), sweeps)

    def step(m, i):
        m = m.at[i].set(cb_math.langevin(it * (b[i] + J[i] @ m)))
        return m, m

    _, ms = jax.lax.scan(step, m0, sites)
    return jnp.concatenate([m0[None], ms])


def _synchronous_trace(J, b, m0, it, steps):
    def step(m, _):
        m = cb_math.langevin(it * (b + J @ m))
        return m, m

    _, ms = jax.lax.scan(step, m0, None, length=steps)
    return jnp.concatenate([m0[None], ms])


def _free_energy(J, b, ms, it):
    natural = jnp.asarray(jax.vmap(lambda m: _inverse_langevin(m))(ms))
    return free_energy_terms(J, b, natural, it).free_energy


def _inverse_langevin(m):
    from ..cb import inverse_langevin
    return inverse_langevin(m)


@partial(jax.jit, static_argnames=("sweeps",))
def _traces(Ju, Js, b, starts, it, sweeps):  # updates with Ju, F with Js
    seq = jax.vmap(lambda m: _free_energy(Js, b, _sequential_trace(Ju, b, m, it, sweeps), it))(starts)
    syn = jax.vmap(lambda m: _free_energy(Js, b, _synchronous_trace(Ju, b, m, it, sweeps), it))(starts)
    return seq, syn


def _increase(f):
    f = np.asarray(f, dtype=np.float64)
    rises = np.diff(f, axis=-1)
    scale = np.maximum(1.0, np.abs(f[..., :-1]))
    return float(np.max(rises)), float(np.max(rises / scale)), (f[..., 0] - f[..., -1]).tolist()


def relaxation_descent(couplings, starts, inverse_temperature, *, biases=None, sweeps=RELAX_SWEEPS,
                       symmetrise=True):
    """F along deterministic relaxations from ``starts``: sequential (the check) and synchronous (reported).

    Returns a dict: ``schedule``, ``symmetrised``, ``inverse_temperature``, ``n_starts``, ``sweeps``,
    ``updates`` (single-node updates per start), ``max_increase`` (largest rise of F between consecutive
    single-node updates, nats), ``max_relative_increase``, ``total_decrease`` (F(start) - F(end) per start),
    ``tolerance``, ``pass`` (max_relative_increase <= tolerance), ``couplings_asymmetry`` (|J - J^T| / |J + J^T|,
    Frobenius), and ``synchronous``: the same numbers for synchronous updates (``sweeps`` steps), no pass.
    ``symmetrise=False`` updates with J itself (F still of Js): not a coordinate minimisation when J is
    asymmetric, so F can rise (the tests' failing case).
    """
    J = jnp.asarray(couplings)
    n = J.shape[-1]
    Js = 0.5 * (J + J.T)
    b = jnp.zeros(n, J.dtype) if biases is None else jnp.asarray(biases, J.dtype)
    starts = jnp.asarray(starts, J.dtype)
    it = float(inverse_temperature)
    seq, syn = _traces(Js if symmetrise else J, Js, b, starts, it, sweeps)
    inc, rel, dec = _increase(seq)
    s_inc, s_rel, s_dec = _increase(syn)
    den = float(jnp.linalg.norm(J + J.T))
    return {
        "schedule": "sequential (nodes 0..N-1 in order, one at a time), deterministic",
        "symmetrised": bool(symmetrise), "inverse_temperature": it, "n_starts": int(starts.shape[0]), "sweeps": sweeps,
        "updates": sweeps * n, "max_increase": inc, "max_relative_increase": rel, "total_decrease": dec,
        "tolerance": RELAX_TOL, "pass": bool(rel <= RELAX_TOL),
        "couplings_asymmetry": float(jnp.linalg.norm(J - J.T)) / den if den > 0 else 0.0,
        "synchronous": {"steps": sweeps, "max_increase": s_inc, "max_relative_increase": s_rel,
                        "total_decrease": s_dec},
    }


def learning_descent(free_energy, fraction=EDGE_FRACTION):
    """Mean F per step over the first and the last ``fraction`` of epochs of a training run's record (E, steps).

    Returns a dict: ``first`` and ``last`` (means, nats), ``decrease`` (first - last), ``epochs`` (E),
    ``window_epochs``, ``pass`` (last < first).
    """
    f = np.asarray(free_energy, dtype=np.float64)
    k = max(1, int(round(fraction * f.shape[0])))
    first, last = float(f[:k].mean()), float(f[-k:].mean())
    return {"first": first, "last": last, "decrease": first - last, "epochs": int(f.shape[0]),
            "window_epochs": k, "fraction": fraction, "pass": bool(last < first)}


def _local_free_energy(J, sigma, x):
    h = J @ x  # node i's field: its own row of J and the states
    return -cb_math.log_prob(sigma, h)  # (N,): F_i = A(h_i) - sigma_i h_i


def rule_update(J, sigma, learning_rate, precision_weighted=False):
    """The learning rule's Delta J for states ``sigma`` with h = J sigma, by fepnet.learning's own functions."""
    err = learning_rate * prediction_error(sigma, J @ sigma, 1.0, precision_weighted)
    return apply_update(jnp.zeros_like(J), err, sigma)


def local_gradient(key, n=8, n_states=4, learning_rate=0.01, rule=rule_update):
    """Compare ``rule``'s Delta J with -alpha dF/dJ, F = sum_i F_i, on a random N-node network and random states.

    Also measures locality: the largest |dF_i / dJ_kl| over k != i (0 when node i's free energy depends only on
    row i of J). Returns a dict: ``n_nodes``, ``n_states``, ``learning_rate``, ``max_abs_difference`` (off the
    diagonal), ``max_abs_update``, ``relative_difference``, ``max_nonlocal_gradient``, ``tolerance``, ``pass``.
    """
    k1, k2 = jax.random.split(key)
    J = jax.random.normal(k1, (n, n)) / np.sqrt(n)
    J = J * (1.0 - jnp.eye(n))
    states = jax.random.uniform(k2, (n_states, n), minval=-1.0, maxval=1.0)
    off = 1.0 - jnp.eye(n)
    diff = scale = nonlocal_ = 0.0
    grad_fn = jax.jit(jax.grad(lambda M, s: jnp.sum(_local_free_energy(M, s, s))))
    jac_fn = jax.jit(jax.jacrev(lambda M, s: _local_free_energy(M, s, s)))
    for s in states:
        delta = rule(J, s, learning_rate)
        grad = grad_fn(J, s)
        diff = max(diff, float(jnp.max(jnp.abs((delta + learning_rate * grad) * off))))
        scale = max(scale, float(jnp.max(jnp.abs(delta))))
        jac = jac_fn(J, s)  # (i, k, l)
        mask = 1.0 - jnp.eye(n)[:, :, None]  # k != i
        nonlocal_ = max(nonlocal_, float(jnp.max(jnp.abs(jac * mask))))
    rel = diff / scale if scale > 0 else float("inf")
    return {"n_nodes": n, "n_states": n_states, "learning_rate": learning_rate, "max_abs_difference": diff,
            "max_abs_update": scale, "relative_difference": rel, "max_nonlocal_gradient": nonlocal_,
            "tolerance": GRAD_TOL, "pass": bool(rel <= GRAD_TOL and nonlocal_ == 0.0)}


def sim1_seed(result):
    """Both free-energy measurements of one seed of Simulation 1 (a ``Sim1Result``): relaxation from the
    paper's attractor starts L(0.1 lambda x) of the two bars at iT 1 with b = 0 (the setting of
    ``paper_attractors``), and the training run's F."""
    from ..data import load_bars
    from .protocols import SIM1
    from .analysis import attractor_starts

    t0 = time.perf_counter()
    starts = attractor_starts(load_bars().train, SIM1["evidence_level"])
    return {"relaxation": relaxation_descent(result.training.network.couplings, starts, 1.0),
            "learning": learning_descent(result.training.free_energy.free_energy),
            "wall_s": time.perf_counter() - t0}


def sim1_summary(per_seed, key=None):
    """``meta.free_energy`` of ``fepnet reproduce sim1``: per-seed measurements, the local-gradient check and
    the checks (claim 3: relaxation; claim 4: learning descent and the local gradient)."""
    grad = local_gradient(jax.random.key(0) if key is None else key)
    relax = [s["relaxation"] for s in per_seed]
    learn = [s["learning"] for s in per_seed]
    worst = max(r["max_relative_increase"] for r in relax)
    checks = [
        {"claim": "deterministic", "check": "sequential deterministic relaxation never raises F by more than "
                                            f"{RELAX_TOL:g} x max(1, |F|) per update (all seeds, both bars)",
         "value": worst, "pass": all(r["pass"] for r in relax)},
        {"claim": "learning", "check": "mean F over the last 10 % of epochs < over the first 10 % (all seeds)",
         "value": [float(np.median([x["first"] for x in learn])), float(np.median([x["last"] for x in learn]))],
         "pass": all(x["pass"] for x in learn)},
        {"claim": "learning", "check": f"rule Delta J == -alpha dF_i/dJ_ij (relative difference <= {GRAD_TOL:g}) "
                                       "and dF_i/dJ_kl == 0 for k != i",
         "value": grad["relative_difference"], "pass": grad["pass"]},
    ]
    return {"relaxation": relax, "learning": learn, "local_gradient": grad, "checks": checks}
