"""Mean-field variational inference (NumPyro SVI) with independent continuous-Bernoulli factors.

Guide: q(sigma) = prod_i CB(lambda_i), means m = L(lambda). For the Boltzmann
model the negative ELBO is, exactly (Js has a zero diagonal, so E_q[s^T Js s] = m^T Js m),
::

    -ELBO(lambda) = -iT (b·m + 1/2 m^T Js m) - sum_i H(lambda_i) + sum_i A(iT b_i)
                  = F(lambda) + const,

the naive mean-field free energy F(lambda) of the inference dynamics
(:func:`fepnet.mean_field_free_energy`). Its stationary points satisfy
m = L(iT (b + Js m)): **deterministic relaxation is naive mean-field VI**, and
each attractor of the network's deterministic dynamics (with symmetric
couplings) is a mode SVI converges to from nearby starts.

Two objectives: ``"closed-form"`` (the exact expression above, no Monte-Carlo
noise; Boltzmann model only) and ``"monte-carlo"`` (NumPyro's
``TraceMeanField_ELBO``: the analytic CB KL to the base factors plus a
``n_particles`` reparameterised estimate of the coupling term; any model).
Single-particle SVI stalls at errors of about 1e-2 in the means; use the
closed form, or many particles with the decaying step size.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
from numpyro import handlers
from numpyro.infer import SVI, TraceMeanField_ELBO
from numpyro.infer.elbo import ELBO
from numpyro.optim import Adam

from fepnet import cb
from fepnet.infra import checks as v
from fepnet.infra.progress import even_bounds, run_in_chunks
from fepnet.attractors import deduplicate

from .distribution import ContinuousBernoulli
from .models import SITE, boltzmann_model, check_posterior_args, posterior_terms
from .nuts import resolve_model

__all__ = ["PARAM", "OBJECTIVES", "SVIResult", "MeanFieldFreeEnergy", "mean_field_guide", "run_svi"]

#: The guide's parameter name: the CB natural parameters lambda (N,).
PARAM = "natural"  # the guide's parameter: the CB natural parameters lambda (N,)
#: The objectives of :func:`run_svi`: the exact -ELBO or NumPyro's ``TraceMeanField_ELBO``.
OBJECTIVES = ("closed-form", "monte-carlo")


def mean_field_guide(network, evidence=None, inverse_temperature=1.0):
    """The mean-field guide ``q(sigma) = prod_i CB(lambda_i)``, ``numpyro.param("natural")`` initialised at iT b.

    Its means are ``m = L(lambda)``, ``L(x) = coth(x) - 1/x``; with lambda = iT b it is the
    uncoupled network's density.

    Parameters
    ----------
    network : fepnet.Network
        Couplings and biases b (N,) (only b and the dtype are used here).
    evidence : array_like of shape (N,), optional
        Bias shift; the initial lambda is iT (b + evidence).
    inverse_temperature : float, optional
        iT > 0 (default 1).

    Returns
    -------
    None
        A NumPyro guide: the parameter ``"natural"`` (N,) and the sample site ``"sigma"``
        (event shape (N,)).

    Examples
    --------
    >>> import jax, jax.numpy as jnp, fepnet
    >>> from numpyro import handlers
    >>> from inference.svi import mean_field_guide
    >>> net = fepnet.Network(jnp.zeros((2, 2)), jnp.array([1.0, -1.0]))
    >>> tr = handlers.trace(handlers.seed(mean_field_guide, 0)).get_trace(net, None, 2.0)
    >>> tr["natural"]["value"].tolist(), tr["sigma"]["value"].shape
    ([2.0, -2.0], (2,))
    """
    _, b, it = posterior_terms(network, evidence, inverse_temperature)
    lam = numpyro.param(PARAM, it * b)
    numpyro.sample(SITE, ContinuousBernoulli(lam).to_event(1))


class MeanFieldFreeEnergy(ELBO):
    """Exact negative ELBO of an independent-CB guide under :func:`~inference.models.boltzmann_model`.

    A NumPyro ``ELBO`` with no Monte-Carlo noise: ``loss = -E_q[log p_model(sigma)] - H(q)`` with
    ``E_q[log p_model] = iT (b·m + 1/2 m^T Js m) - sum_i A(iT b_i)``, m the guide's means and
    ``H(q) = sum_i H(lambda_i)``: the naive mean-field free energy F(lambda) plus the constant
    ``sum_i A(iT b_i)``. The guide is run once (seeded) to read its ``"sigma"`` distribution; no
    sample enters the loss. Use it as the ``loss`` of ``numpyro.infer.SVI`` (as
    :func:`run_svi` does with ``objective="closed-form"``).

    Parameters
    ----------
    num_particles : int, optional
        NumPyro's ``ELBO`` argument, unused (the loss has no Monte-Carlo term); default 1.
    vectorize_particles : bool, optional
        NumPyro's ``ELBO`` argument, unused; default True.

    Examples
    --------
    At lambda = iT b the guide equals the uncoupled prior, so with J = 0 the -ELBO is 0:

    >>> import jax, jax.numpy as jnp, fepnet
    >>> from inference.models import boltzmann_model
    >>> from inference.svi import MeanFieldFreeEnergy, mean_field_guide
    >>> net = fepnet.Network(jnp.zeros((2, 2)), jnp.array([1.0, -0.5]))
    >>> loss = MeanFieldFreeEnergy().loss(jax.random.key(0), {"natural": jnp.array([1.0, -0.5])},
    ...                                   boltzmann_model, mean_field_guide, net, None, 1.0)
    >>> round(float(loss), 5)
    0.0
    """

    can_infer_discrete = False

    def loss_with_mutable_state(self, rng_key, param_map, model, guide, *args, **kwargs):
        """The closed-form -ELBO, in NumPyro's ``ELBO`` interface.

        Parameters
        ----------
        rng_key : jax.Array
            Seeds the one run of the guide (no sample enters the loss).
        param_map : dict
            The guide's parameters, ``{"natural": lambda}`` with lambda (N,).
        model : callable
            Must be :func:`~inference.models.boltzmann_model`.
        guide : callable
            A guide whose ``"sigma"`` site is an (independent) :class:`ContinuousBernoulli`.
        *args, **kwargs
            ``(network, evidence, inverse_temperature)``, passed to the model and guide.

        Returns
        -------
        dict
            ``{"loss": -ELBO (scalar), "mutable_state": None}``.

        Raises
        ------
        ValueError
            ``model`` is not ``boltzmann_model``.
        TypeError
            The guide's ``"sigma"`` site is not a ContinuousBernoulli.
        """
        if model is not boltzmann_model:
            raise ValueError("MeanFieldFreeEnergy is the closed form for boltzmann_model only")
        with handlers.trace() as tr, handlers.seed(rng_seed=rng_key), handlers.substitute(data=param_map):
            guide(*args, **kwargs)
        q = tr[SITE]["fn"]
        base = getattr(q, "base_dist", q)
        if not isinstance(base, ContinuousBernoulli):
            raise TypeError("the guide's 'sigma' site must be an (independent) ContinuousBernoulli")
        js, b, it = posterior_terms(*args, **kwargs)
        m = base.mean
        expected_log_p = it * (m @ b + 0.5 * m @ js @ m) - jnp.sum(cb.log_normalizer(it * b))
        return {"loss": -(expected_log_p + jnp.sum(base.entropy())), "mutable_state": None}


class SVIResult(NamedTuple):
    """Mean-field fits from K starts (the result of :func:`run_svi`).

    Attributes
    ----------
    means : numpy.ndarray
        (K, N) final guide means ``m = L(lambda)``.
    natural : numpy.ndarray
        (K, N) final natural parameters lambda.
    losses : numpy.ndarray
        (K, n_steps) the objective at each step.
    free_energy : numpy.ndarray
        (K,) the exact -ELBO at the end (closed form, for ranking modes; NaN for non-Boltzmann models).
    modes : numpy.ndarray
        (M, N) the distinct final means (rounded to ``decimals``), lowest free energy first.
    mode_of : numpy.ndarray
        (K,) int, which mode each start reached.

    Examples
    --------
    ``run_svi`` takes 5-30 s on a 2-core CPU, mostly compilation (skipped in the doctests):

    >>> import jax, jax.numpy as jnp, fepnet
    >>> from inference import run_svi
    >>> net = fepnet.Network(jnp.array([[0.0, 2.0], [2.0, 0.0]]))
    >>> fit = run_svi(jax.random.key(0), net, n_starts=4, n_steps=500)  # doctest: +SKIP
    >>> fit.means.shape, fit.losses.shape, fit.modes.shape[1]  # doctest: +SKIP
    ((4, 2), (4, 500), 2)
    """

    means: np.ndarray
    natural: np.ndarray
    losses: np.ndarray
    free_energy: np.ndarray
    modes: np.ndarray
    mode_of: np.ndarray


def _starts(key, init_means, n_starts, n, dtype):
    if init_means is None:
        # spread over the cube, avoiding its faces
        return 0.9 * jax.random.uniform(key, (n_starts, n), dtype, -1.0, 1.0)
    m = v.as_real_array(init_means, "init_means", dtype=dtype)
    if m.ndim not in (1, 2) or m.shape[-1] != n:
        raise ValueError(f"init_means must have shape ({n},) or (K, {n}), got {tuple(m.shape)}")
    m = m.reshape(-1, n)
    if not np.all(np.abs(np.asarray(m)) < 1):
        raise ValueError("init_means must lie strictly inside (-1, 1) (the means of CB factors)")
    return m


def _schedule(step_size, final_step_size, n_steps):
    """Exponential decay from ``step_size`` to ``final_step_size`` over the run."""
    ratio = final_step_size / step_size

    def size(i):
        return step_size * ratio ** jnp.minimum(i / max(n_steps - 1, 1), 1.0)

    return size


def run_svi(
    key,
    network,
    evidence=None,
    inverse_temperature=1.0,
    *,
    model="boltzmann",
    init_means=None,
    n_starts: int = 1,
    objective: str = "closed-form",
    n_steps: int = 5000,
    n_particles: int = 1,
    step_size: float = 0.1,
    final_step_size: float = 1e-3,
    decimals: int = 2,
    progress: bool = False,
) -> SVIResult:
    """Fit the mean-field CB guide by SVI (Adam, step size decaying exponentially) from one or many starts.

    For the Boltzmann model the objective is ``-ELBO(lambda) = F(lambda) + sum_i A(iT b_i)``, F the
    naive mean-field free energy ``-iT (b·m + 1/2 m^T Js m) - sum_i H(lambda_i)``, ``m = L(lambda)``;
    its stationary points are the deterministic fixed points ``m = L(iT (b + Js m))``. All starts
    run together (``vmap``) in a jitted ``lax.scan``; with ``progress`` in 20 chunks (the result is
    identical either way). The step size at step t of T is
    ``step_size * (final_step_size / step_size)^(t / (T - 1))``.

    Parameters
    ----------
    key : jax.Array
        PRNG key: draws the random starts and drives SVI.
    network : fepnet.Network
        Couplings J (N, N) (only Js enters) and biases b (N,) of the posterior approximated by
        independent CB factors.
    evidence : array_like of shape (N,), optional
        Shifts the biases (the posterior given evidence).
    inverse_temperature : float, optional
        iT > 0 in the model and in the mean-field free energy (default 1).
    model : str or callable, optional
        "boltzmann" (default), "synchronous" or a NumPyro model (see
        :func:`inference.nuts.resolve_model`).
    init_means : array_like of shape (N,) or (K, N), optional
        Starting means in (-1, 1) (``lambda = L^{-1}(m)``); without it, ``n_starts`` random starts
        uniform in (-0.9, 0.9)^N.
    n_starts : int, optional
        Number of random starts K (default 1; ignored with ``init_means``).
    objective : {"closed-form", "monte-carlo"}, optional
        The exact -ELBO (Boltzmann model only; the default) or NumPyro's ``TraceMeanField_ELBO``.
    n_steps : int, optional
        Adam steps (default 5000).
    n_particles : int, optional
        Particles of the Monte-Carlo ELBO (default 1).
    step_size, final_step_size : float, optional
        The step size decays exponentially from the first (default 0.1) to the second (1e-3).
    decimals : int, optional
        Rounding before the final means are grouped into modes (default 2).
    progress : bool, optional
        Show a progress bar (default off).

    Returns
    -------
    SVIResult
        ``means`` and ``natural`` (K, N), ``losses`` (K, n_steps), ``free_energy`` (K,) (the
        closed-form -ELBO), ``modes`` (M, N) and ``mode_of`` (K,).

    Raises
    ------
    TypeError
        ``network`` not a Network; a bad key; non-real arguments.
    ValueError
        On an unknown objective, a closed form asked of another model, invalid starts, or
        counts and step sizes out of range.

    Examples
    --------
    Two nodes coupled by J_12 = 4 (b = 0; ``iT J_12 L'(0) = 4/3 > 1``, so m = 0 is unstable)
    have two symmetric attractors, ``m_1 = m_2 = ±m*`` with ``m* = L(4 m*) = 0.5998``; SVI from
    eight random starts finds both (5-30 s on a 2-core CPU, mostly compilation; skipped in
    the doctests):

    >>> import jax, jax.numpy as jnp, fepnet
    >>> from inference import run_svi
    >>> net = fepnet.Network(jnp.array([[0.0, 4.0], [4.0, 0.0]]))
    >>> fit = run_svi(jax.random.key(0), net, n_starts=8, n_steps=2000)  # doctest: +SKIP
    >>> sorted(fit.modes.round(2).tolist())  # doctest: +SKIP
    [[-0.6, -0.6], [0.6, 0.6]]
    """
    key = v.prng_key(key)
    model_args = check_posterior_args(network, evidence, inverse_temperature)
    fn = resolve_model(model)
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    if objective == "closed-form" and fn is not boltzmann_model:
        raise ValueError("objective='closed-form' is exact for the Boltzmann model only; use 'monte-carlo'")
    n_starts = v.count(n_starts, "n_starts", minimum=1)
    n_steps = v.count(n_steps, "n_steps", minimum=1)
    n_particles = v.count(n_particles, "n_particles", minimum=1)
    step_size = float(v.positive_scalar(step_size, "step_size"))
    final_step_size = float(v.positive_scalar(final_step_size, "final_step_size"))
    decimals = v.count(decimals, "decimals")

    k_init, k_run = jax.random.split(key)
    lam0 = cb.inverse_langevin(_starts(k_init, init_means, n_starts, network.size, network.dtype))
    loss = (
        MeanFieldFreeEnergy()
        if objective == "closed-form"
        else TraceMeanField_ELBO(num_particles=n_particles, vectorize_particles=True)
    )
    svi = SVI(fn, mean_field_guide, Adam(_schedule(step_size, final_step_size, n_steps)), loss)

    def init(k, lam):
        return svi.init(k, *model_args, init_params={PARAM: lam})

    def advance(states, length):
        def one(state):
            return jax.lax.scan(lambda st, _: svi.update(st, *model_args), state, None, length=length)

        return jax.vmap(one)(states)

    advance = jax.jit(advance, static_argnums=1)
    keys = jax.random.split(k_run, lam0.shape[0])
    states = jax.jit(jax.vmap(init))(keys, lam0)
    bounds = even_bounds(n_steps, min(20, n_steps) if progress else 1)
    states, losses = run_in_chunks(lambda st, start, stop: advance(st, stop - start), states, bounds,
                                   desc="svi", unit="step", progress=progress)
    lam = jax.vmap(svi.get_params)(states)[PARAM]
    means = np.asarray(cb.langevin(lam))
    exact = MeanFieldFreeEnergy()
    if fn is boltzmann_model:
        free_energy = np.asarray(
            jax.vmap(lambda p: exact.loss(k_run, {PARAM: p}, boltzmann_model, mean_field_guide, *model_args))(lam)
        )
    else:
        free_energy = np.full(lam.shape[0], np.nan)
    modes, mode_of = deduplicate(means, decimals)
    if fn is boltzmann_model:
        best = np.array([free_energy[mode_of == k].min() for k in range(len(modes))])
        order = np.argsort(best, kind="stable")
        modes, mode_of = modes[order], np.argsort(order)[mode_of]
    return SVIResult(means, np.asarray(lam), np.concatenate(losses, axis=1), free_energy, modes, mode_of)

