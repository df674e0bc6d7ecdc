"""ArviZ ``InferenceData`` from fepnet chains and from the NUTS and SVI results of ``inference``.

One concept, the conversion to one ``InferenceData`` layout: every converter shares the layout's
builder and checks below.

Every conversion gives the same layout, so that ArviZ's summaries and plots
and :func:`diagnostics.compare` treat all samplers alike::

    posterior.sigma            (chain, draw, node)   node states in [-1, 1]
    sample_stats.network_energy (chain, draw)        E(sigma) = -((b + s)·sigma + 1/2 sigma^T Js sigma)
    constant_data              couplings (node, from_node), biases (node), evidence (node)
    attrs                      sampler, schedule / model, inverse_temperature, wall_s, ...

NUTS adds ``potential_energy`` (NumPyro's, on the unconstrained space),
``diverging`` and ``tree_size``; SVI adds ``free_energy``, the per-draw
log q(sigma) - log p(sigma) whose mean over q is the -ELBO (the mean-field free energy F(lambda)
plus the constant sum_i A(iT (b_i + s_i)) of the model's CB factors). ``network_energy`` is not ArviZ's
Hamiltonian ``energy`` (so ``az.bfmi`` does not misread it).
"""

from __future__ import annotations

import numpy as np

import fepnet
from fepnet.infra import checks as v
from fepnet.network import boltzmann_energy
from inference import NUTSResult, SVIResult
from inference.models import boltzmann_model, synchronous_stationary_model

from ._arviz import az

__all__ = ["from_chains", "from_nuts", "from_svi", "posterior_samples", "network_energy", "from_coupling_posterior"]

_MODEL_NAMES = {boltzmann_model: "boltzmann", synchronous_stationary_model: "synchronous"}


def posterior_samples(data, name: str = "samples") -> np.ndarray:
    """Node-state samples as a float64 array (chains, draws, N).

    The one entry point through which every diagnostic reads samples.

    Parameters
    ----------
    data : array_like, InferenceData or NUTSResult
        An array (chains, draws, N) or (draws, N) (one chain), an InferenceData with
        ``posterior.sigma``, or an :class:`inference.nuts.NUTSResult`.
    name : str, optional
        The name used in error messages (default "samples").

    Returns
    -------
    numpy.ndarray
        (chains, draws, N) float64.

    Raises
    ------
    TypeError
        ``data`` does not hold real numbers.
    ValueError
        No ``posterior.sigma``; a shape other than (chains >= 1, draws >= 2, N >= 1) or (draws >= 2, N >= 1);
        values outside [-1, 1] or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from diagnostics.convert import posterior_samples
    >>> posterior_samples(np.zeros((10, 3))).shape       # one chain
    (1, 10, 3)
    >>> posterior_samples(np.full((2, 10, 3), 1.5))
    Traceback (most recent call last):
        ...
    ValueError: samples must lie in [-1, 1] (node states)
    """
    if isinstance(data, NUTSResult):
        data = data.samples
    if isinstance(data, az.InferenceData):
        if "posterior" not in data.groups() or "sigma" not in data.posterior:
            raise ValueError(f"{name} must hold posterior.sigma (use diagnostics.from_chains / from_nuts)")
        data = data.posterior["sigma"].transpose("chain", "draw", ...).values
    x = v.as_float64(data, name)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[0] < 1 or x.shape[1] < 2 or x.shape[2] < 1:
        raise ValueError(f"{name} must have shape (chains >= 1, draws >= 2, N >= 1) or (draws >= 2, N >= 1), "
                         f"got {x.shape}")
    if np.any(np.abs(x) > 1):
        raise ValueError(f"{name} must lie in [-1, 1] (node states)")
    return x


def network_energy(network: fepnet.Network, samples, evidence=None) -> np.ndarray:
    """Boltzmann energy E(sigma) = -((b + s)·sigma + 1/2 sigma^T Js sigma) per draw, in float64.

    Computed by :func:`fepnet.network.boltzmann_energy` on float64 NumPy arrays.

    Parameters
    ----------
    network : fepnet.Network
        J (N, N) (only Js enters) and b (N,).
    samples : array_like of shape (..., N)
        Node states.
    evidence : array_like of shape (N,), optional
        s, a bias shift.

    Returns
    -------
    numpy.ndarray
        (...) float64, E per draw.

    Raises
    ------
    TypeError
        If ``network`` is not a fepnet Network.
    ValueError
        If the samples' last axis is not N.

    Examples
    --------
    >>> import jax.numpy as jnp, numpy as np, fepnet
    >>> from diagnostics.convert import network_energy
    >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [1.0, 0.0]]), jnp.array([0.5, 0.0]))
    >>> network_energy(net, np.array([[1.0, 1.0], [1.0, -1.0]])).tolist()   # -(0.5 + 1), -(0.5 - 1)
    [-1.5, 0.5]
    """
    if not isinstance(network, fepnet.Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    x = np.asarray(samples, np.float64)
    if x.shape[-1:] != (network.size,):
        raise ValueError(f"samples must have last axis {network.size} (the network size), got {x.shape}")
    Js = np.asarray(network.symmetric_part(), np.float64)
    b = np.asarray(network.biases, np.float64)
    if evidence is not None:
        b = b + np.asarray(v.as_real_array(evidence, "evidence", shape=(network.size,)), np.float64)
    return boltzmann_energy(Js, b, x)  # all NumPy float64: summed in NumPy


def _coords(n: int, node_names):
    if node_names is None:
        return np.arange(n)
    names = [str(s) for s in node_names]
    if len(names) != n or len(set(names)) != n:
        raise ValueError(f"node_names must hold {n} distinct names, got {len(names)}")
    return np.asarray(names)


def _build(samples, stats, network, evidence, attrs, node_names, extra_groups=None):
    n = samples.shape[2]
    nodes = _coords(n, node_names)
    constant = {}
    if network is not None:
        constant = {
            "couplings": np.asarray(network.couplings, np.float64),
            "biases": np.asarray(network.biases, np.float64),
            "evidence": np.zeros(n) if evidence is None else np.asarray(evidence, np.float64),
        }
    idata = az.from_dict(
        posterior={"sigma": samples},
        sample_stats=stats or None,
        constant_data=constant or None,
        coords={"node": nodes, "from_node": nodes},
        dims={"sigma": ["node"], "couplings": ["node", "from_node"], "biases": ["node"], "evidence": ["node"]},
    )
    for name, group in (extra_groups or {}).items():
        idata.add_groups({name: group})
    for group in idata.groups():
        idata[group].attrs.update({k: val for k, val in attrs.items() if val is not None})
    return idata


def _check_network(network, evidence, n):
    if network is None:
        if evidence is not None:
            raise ValueError("evidence needs network (it shifts the network's biases)")
        return None
    if not isinstance(network, fepnet.Network):
        raise TypeError(f"network must be a fepnet.Network, got {type(network).__name__}")
    if network.size != n:
        raise ValueError(f"samples have {n} nodes but network has {network.size}")
    return None if evidence is None else np.asarray(v.as_real_array(evidence, "evidence", shape=(n,)), np.float64)


def _wall(wall_s):
    if wall_s is None:
        return None
    if isinstance(wall_s, (bool, np.bool_)) or not isinstance(wall_s, (int, float, np.integer, np.floating)):
        raise TypeError(f"wall_s must be a number of seconds, got {type(wall_s).__name__}")
    if not (np.isfinite(wall_s) and wall_s >= 0):
        raise ValueError(f"wall_s must be finite and >= 0, got {wall_s}")
    return float(wall_s)


def from_chains(
    samples,
    *,
    network: fepnet.Network | None = None,
    evidence=None,
    inverse_temperature=1.0,
    schedule: str | None = None,
    wall_s=None,
    node_names=None,
    sampler: str = "fepnet",
) -> "az.InferenceData":
    """InferenceData from fepnet chains ``samples`` (chains, draws, N), e.g. ``jax.vmap`` of ``fepnet.run``.

    With ``network`` (and the ``evidence`` the chains ran under) the sample
    statistics hold ``network_energy`` per draw,
    ``E(sigma) = -((b + s)·sigma + 1/2 sigma^T Js sigma)``, and ``constant_data`` holds J, b and s.

    Parameters
    ----------
    samples : array_like
        Node states (chains, draws, N) or (draws, N) in [-1, 1].
    network : fepnet.Network, optional, keyword-only
        The network the chains ran on (N nodes).
    evidence : array_like of shape (N,), optional
        The evidence s they ran under (needs ``network``).
    inverse_temperature : float, optional
        iT, kept as an attribute (default 1).
    schedule : str, optional
        The update schedule, one of ``fepnet.SCHEDULES``, kept as an attribute.
    wall_s : float, optional
        Seconds the sampling took (>= 0), kept for ESS per second.
    node_names : sequence of str, optional
        N distinct names for the ``node`` coordinate (default 0..N-1).
    sampler : str, optional
        The ``sampler`` attribute (default "fepnet").

    Returns
    -------
    arviz.InferenceData
        ``posterior.sigma`` (chain, draw, node); with a network ``sample_stats.network_energy``
        (chain, draw) and ``constant_data`` (couplings, biases, evidence); attributes sampler,
        schedule, inverse_temperature, wall_s (those given).

    Raises
    ------
    TypeError, ValueError
        As :func:`posterior_samples` for ``samples`` (at least one chain of two draws; too
        few to judge by :func:`diagnostics.compare` is its own error there); a ``network`` that is
        not a Network or of another size, ``evidence`` without a network, a bad
        ``inverse_temperature``, ``schedule`` or ``wall_s``.

    Examples
    --------
    >>> import jax.numpy as jnp, numpy as np, fepnet
    >>> from diagnostics.convert import from_chains
    >>> net = fepnet.Network(jnp.array([[0.0, 1.0], [1.0, 0.0]]))
    >>> x = np.random.default_rng(0).uniform(-1, 1, (2, 50, 2))
    >>> idata = from_chains(x, network=net, schedule="sequential", wall_s=0.5)
    >>> idata.posterior["sigma"].dims, idata.sample_stats["network_energy"].shape
    (('chain', 'draw', 'node'), (2, 50))
    >>> idata.posterior.attrs["schedule"], idata.posterior.attrs["wall_s"]
    ('sequential', 0.5)
    """
    x = posterior_samples(samples)
    ev = _check_network(network, evidence, x.shape[2])
    it = float(v.positive_scalar(inverse_temperature, "inverse_temperature"))
    if schedule is not None and schedule not in fepnet.SCHEDULES:
        raise ValueError(f"schedule must be one of {fepnet.SCHEDULES}, got {schedule!r}")
    stats = {} if network is None else {"network_energy": network_energy(network, x, ev)}
    attrs = dict(sampler=sampler, schedule=schedule, inverse_temperature=it, wall_s=_wall(wall_s))
    return _build(x, stats, network, ev, attrs, node_names)


def from_nuts(result: NUTSResult, *, wall_s=None, node_names=None) -> "az.InferenceData":
    """InferenceData from :func:`inference.nuts.run_nuts`: sigma, network energy and NUTS statistics per draw.

    Parameters
    ----------
    result : inference.nuts.NUTSResult
        The NUTS run (its network, evidence and iT give the energies).
    wall_s : float, optional, keyword-only
        Seconds the sampling took (>= 0).
    node_names : sequence of str, optional
        N distinct names for the ``node`` coordinate.

    Returns
    -------
    arviz.InferenceData
        ``posterior.sigma`` (chain, draw, node); ``sample_stats`` with ``network_energy``,
        ``potential_energy`` (NumPyro's, on the unconstrained space), ``diverging`` and
        ``tree_size`` (chain, draw); ``constant_data`` (couplings, biases, evidence); attributes
        sampler "nuts", model ("boltzmann", "synchronous" or the model's name),
        inverse_temperature and wall_s.

    Raises
    ------
    TypeError
        ``result`` not a NUTSResult; ``wall_s`` not a number.
    ValueError
        A negative or non-finite ``wall_s``; bad ``node_names``.

    Examples
    --------
    ``run_nuts`` takes 8-25 s on a 2-core CPU (skipped in the doctests):

    >>> import jax, jax.numpy as jnp, fepnet
    >>> from inference import run_nuts
    >>> from diagnostics.convert import from_nuts
    >>> net = fepnet.Network(jnp.array([[0.0, 0.5], [0.5, 0.0]]))
    >>> idata = from_nuts(run_nuts(jax.random.key(0), net, n_chains=2, n_warmup=100,
    ...                            n_samples=100))  # doctest: +SKIP
    >>> sorted(idata.sample_stats.data_vars)  # doctest: +SKIP
    ['diverging', 'network_energy', 'potential_energy', 'tree_size']
    """
    if not isinstance(result, NUTSResult):
        raise TypeError(f"result must be an inference.NUTSResult, got {type(result).__name__}")
    network, evidence, it = result.model_args
    x = posterior_samples(result.samples, "result.samples")
    ev = np.asarray(evidence, np.float64)
    stats = {"network_energy": network_energy(network, x, ev)}
    fields = result.mcmc.get_extra_fields(group_by_chain=True)
    for field, name in (("potential_energy", "potential_energy"), ("diverging", "diverging"), ("num_steps", "tree_size")):
        if field in fields:
            stats[name] = np.asarray(fields[field])
    model = _MODEL_NAMES.get(result.mcmc.sampler.model, getattr(result.mcmc.sampler.model, "__name__", "custom"))
    attrs = dict(sampler="nuts", model=model, inverse_temperature=float(it), wall_s=_wall(wall_s))
    return _build(x, stats, network, ev, attrs, node_names)


def from_svi(
    result: SVIResult,
    key,
    *,
    network: fepnet.Network,
    evidence=None,
    inverse_temperature=1.0,
    n_draws: int = 1000,
    node_names=None,
) -> "az.InferenceData":
    """InferenceData of the mean-field fits of :func:`inference.svi.run_svi`: one "chain" per start.

    Chain k holds ``n_draws`` independent draws from ``q_k = prod_i CB(lambda_ki)``;
    sample statistics: ``network_energy`` and the per-draw free energy
    ``log q_k(sigma) - log p(sigma)``, with ``log p(sigma) = -iT E(sigma) - sum_i A(iT (b_i + s_i))``
    the Boltzmann model of ``inference`` (its mean over q_k is the -ELBO, the
    ``result.free_energy`` of that start). The closed-form -ELBO per start and the mode each
    start reached are attributes; the loss curves are the extra group ``optimization``
    (chain, step).

    Parameters
    ----------
    result : inference.svi.SVIResult
        The fits of K starts.
    key : jax.Array
        PRNG key for the draws.
    network : fepnet.Network, keyword-only
        The network the fits were made for (N nodes).
    evidence : array_like of shape (N,), optional
        The evidence s of the fits.
    inverse_temperature : float, optional
        iT of the fits (default 1).
    n_draws : int, optional
        Draws per start, >= 2 (default 1000).
    node_names : sequence of str, optional
        N distinct names for the ``node`` coordinate.

    Returns
    -------
    arviz.InferenceData
        ``posterior.sigma`` (chain = start, draw, node); ``sample_stats`` ``network_energy`` and
        ``free_energy`` (chain, draw); ``constant_data``; group ``optimization`` with ``loss``
        (chain, step); attributes sampler "svi", model "mean-field", inverse_temperature,
        closed_form_free_energy (K floats) and mode_of (K ints).

    Raises
    ------
    TypeError
        ``result`` not an SVIResult; ``network`` not a Network; a bad key.
    ValueError
        A network of another size; bad evidence, ``inverse_temperature`` or ``n_draws``.

    Examples
    --------
    ``run_svi`` takes 5-30 s on a 2-core CPU (skipped in the doctests):

    >>> import jax, jax.numpy as jnp, fepnet
    >>> from inference import run_svi
    >>> from diagnostics.convert import from_svi
    >>> net = fepnet.Network(jnp.array([[0.0, 4.0], [4.0, 0.0]]))
    >>> fit = run_svi(jax.random.key(0), net, n_starts=3, n_steps=500)  # doctest: +SKIP
    >>> idata = from_svi(fit, jax.random.key(1), network=net, n_draws=100)  # doctest: +SKIP
    >>> idata.posterior["sigma"].shape, idata.optimization["loss"].shape  # doctest: +SKIP
    ((3, 100, 2), (3, 500))
    """
    if not isinstance(result, SVIResult):
        raise TypeError(f"result must be an inference.SVIResult, got {type(result).__name__}")
    import jax
    import jax.numpy as jnp

    key = v.prng_key(key)
    n_draws = v.count(n_draws, "n_draws", minimum=2)
    lam = np.asarray(result.natural)
    ev = _check_network(network, evidence, lam.shape[1])
    if network is None:
        raise TypeError("network must be a fepnet.Network (needed for the energies)")
    it = float(v.positive_scalar(inverse_temperature, "inverse_temperature"))
    lam_j = jnp.asarray(lam, network.dtype)
    draws = jax.vmap(lambda k, l: fepnet.cb.sample(k, l, (n_draws, l.shape[0])))(
        jax.random.split(key, lam.shape[0]), lam_j)
    log_q = np.asarray(jnp.sum(fepnet.cb.log_prob(draws, lam_j[:, None, :]), axis=-1), np.float64)
    x = np.clip(np.asarray(draws, np.float64), -1.0, 1.0)
    energy = network_energy(network, x, ev)
    b = np.asarray(network.biases, np.float64) + (0.0 if ev is None else ev)
    log_z0 = float(np.sum(np.asarray(fepnet.cb.log_normalizer(jnp.asarray(it * b, network.dtype)), np.float64)))
    stats = {"network_energy": energy, "free_energy": log_q + it * energy + log_z0}
    import xarray as xr

    losses = np.asarray(result.losses, np.float64)
    optimization = xr.Dataset(
        {"loss": (("chain", "step"), losses)},
        coords={"chain": np.arange(losses.shape[0]), "step": np.arange(losses.shape[1])},
    )
    attrs = dict(sampler="svi", model="mean-field", inverse_temperature=it,
                 closed_form_free_energy=[float(f) for f in np.asarray(result.free_energy)],
                 mode_of=[int(m) for m in np.asarray(result.mode_of)])
    return _build(x, stats, network, ev, attrs, node_names, {"optimization": optimization})


def from_coupling_posterior(posterior, *, node_names=None) -> "az.InferenceData":
    """InferenceData of a coupling posterior (:func:`inference.coupling_fit.fit_couplings`), ready for ``az.loo``.

    Groups (chains: NUTS chains, or one "chain" of SVI guide draws)::

        posterior        couplings (chain, draw, node, from_node), biases (chain, draw, node),
                         coupling_scale (chain, draw)
        log_likelihood   x (chain, draw, observation): log p(x_t | u_t, draw), the pointwise log-likelihood
                         (fitted with ``pointwise="node"``: x (chain, draw, observation, node), log p(x_t,i | u_t, draw))
        observed_data    x (observation, node): the targets x_t
        constant_data    inputs (observation, node): the inputs u_t; free (node, from_node): the
                         structure's free entries of J
        sample_stats     diverging (chain, draw), tree_size (chain, draw) (NUTS only)

    Attributes of every group: model (e.g. "asymmetric", "symmetric (masked)"),
    structure, n_free (free couplings), n_nodes, n_observations, wall_s and the
    fit's settings (prior, prior_scale, bias_scale, fit_biases as 0 / 1,
    inverse_temperature, method, field, guide, pointwise; None values left out), all
    netCDF-safe, so ``to_netcdf`` / ``az.from_netcdf`` round-trips exactly.

    Parameters
    ----------
    posterior : inference.coupling_fit.CouplingPosterior
        C chains of D draws, N nodes, n observations.
    node_names : sequence of str, optional, keyword-only
        N distinct names for the ``node`` and ``from_node`` coordinates.

    Returns
    -------
    arviz.InferenceData
        The groups above.

    Raises
    ------
    TypeError
        ``posterior`` not a CouplingPosterior.
    ValueError
        Its arrays disagree in shape or are not finite; bad ``node_names``.

    Examples
    --------
    Fitted by :func:`inference.coupling_fit.fit_couplings`; built by hand here (200 draws of one
    symmetric weight, 4 observations):

    >>> import jax.numpy as jnp, numpy as np
    >>> from inference.coupling import CouplingPosterior, coupling_data, coupling_structure
    >>> from diagnostics.convert import from_coupling_posterior
    >>> st, data = coupling_structure(2, "symmetric"), coupling_data(np.zeros((5, 2)))
    >>> w = np.random.default_rng(0).normal(0.5, 0.1, (1, 200, 1))
    >>> post = CouplingPosterior(st.to_matrix(w), jnp.zeros((1, 200, 2)), jnp.ones((1, 200)),
    ...                          jnp.full((1, 200, 4), -1.386), data, st, {"method": "nuts"}, 1.5, {})
    >>> idata = from_coupling_posterior(post)
    >>> idata.log_likelihood["x"].dims, idata.posterior.attrs["n_free"]
    (('chain', 'draw', 'observation'), 1)
    """
    from inference.coupling_fit import CouplingPosterior

    def netcdf_attr(value):  # netCDF attributes are str or numbers: bools become 0 / 1, other objects their str
        if isinstance(value, (bool, np.bool_)):
            return int(value)
        if isinstance(value, (int, np.integer, float, np.floating)):
            return value.item() if isinstance(value, np.generic) else value
        return str(value)

    if not isinstance(posterior, CouplingPosterior):
        raise TypeError(f"posterior must be an inference.coupling.CouplingPosterior, got {type(posterior).__name__}")
    import xarray as xr

    J = v.as_float64(posterior.couplings, "posterior.couplings")
    b = v.as_float64(posterior.biases, "posterior.biases")
    tau = v.as_float64(posterior.coupling_scale, "posterior.coupling_scale")
    ll = v.as_float64(posterior.log_likelihood, "posterior.log_likelihood")
    targets = v.as_float64(posterior.data.targets, "posterior.data.targets")
    inputs = v.as_float64(posterior.data.inputs, "posterior.data.inputs")
    n_obs, n_nodes = targets.shape
    if ll.ndim not in (3, 4) or (ll.ndim == 4 and ll.shape[3] != n_nodes):
        raise ValueError(f"posterior.log_likelihood must have shape (chain, draw, n) or (chain, draw, n, {n_nodes}), "
                         f"got {ll.shape}")
    c, d, n = ll.shape[:3]
    if n != n_obs or J.shape != (c, d, n_nodes, n_nodes) or b.shape != (c, d, n_nodes) or tau.shape != (c, d):
        raise ValueError(f"posterior arrays disagree: couplings {J.shape}, biases {b.shape}, coupling_scale "
                         f"{tau.shape}, log_likelihood {ll.shape}, targets {targets.shape}")
    nodes = _coords(n_nodes, node_names)
    chain, draw, obs = np.arange(c), np.arange(d), np.arange(n)
    cd = {"chain": chain, "draw": draw}
    groups = {
        "posterior": xr.Dataset(
            {"couplings": (("chain", "draw", "node", "from_node"), J),
             "biases": (("chain", "draw", "node"), b),
             "coupling_scale": (("chain", "draw"), tau)},
            coords={**cd, "node": nodes, "from_node": nodes}),
        "log_likelihood": xr.Dataset({"x": (("chain", "draw", "observation", "node")[: ll.ndim], ll)},
                                     coords={**cd, "observation": obs, **({"node": nodes} if ll.ndim == 4 else {})}),
        "observed_data": xr.Dataset({"x": (("observation", "node"), targets)},
                                    coords={"observation": obs, "node": nodes}),
        "constant_data": xr.Dataset(
            {"inputs": (("observation", "node"), inputs),
             "free": (("node", "from_node"), posterior.structure.free_mask().astype(np.int8))},
            coords={"observation": obs, "node": nodes, "from_node": nodes}),
    }
    stats = {}
    for field, name in (("diverging", "diverging"), ("num_steps", "tree_size")):
        if field in posterior.extra:
            a = np.asarray(posterior.extra[field])
            if a.shape == (c, d):
                stats[name] = (("chain", "draw"), a.astype(bool) if field == "diverging" else a.astype(np.int64))
    if stats:
        groups["sample_stats"] = xr.Dataset(stats, coords=cd)
    attrs = {key: netcdf_attr(val) for key, val in posterior.settings.items() if val is not None}
    attrs.update(model=posterior.name, structure=posterior.structure.name, n_free=posterior.structure.n_free,
                 n_nodes=int(n_nodes), n_observations=int(n))
    wall = _wall(posterior.wall_s)
    if wall is not None:
        attrs["wall_s"] = wall
    for ds in groups.values():
        ds.attrs.update(attrs)
    return az.InferenceData(**groups)
