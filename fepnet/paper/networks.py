"""The networks ``fepnet validate`` knows by name, each with its noisy-digit evidence.

    digits-balanced  the paper's balanced network (Simulation 2: evidence 11,
                     iT 0.1668, 5000 random epochs), symmetrised by default;
                     evidence: the paper's noisy cue of the training "0"
    sequence         Simulation 3 (digits 1, 2, 3 in fixed order; strongly
                     asymmetric J, kept as trained); evidence: a noisy "1"
    random           a sparse random symmetric network (G(64, 0.1), weights
                     N(0, 0.5^2)); evidence: the noisy "0"

All are 64-node networks on the 8 x 8 digit grid. The evidence is the paper's
retrieval cue 0.1 x level x digit + Gaussian noise of the same standard
deviation (:func:`fepnet.noisy_cues`). The key of a validation's network is
``diagnostics.validation.validation_keys(seed)[0]``.

Imports ``diagnostics`` (an application above it); :mod:`fepnet.paper` does not import this module.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np

from diagnostics.validation import ValidationNetwork

from ..cues import noisy_cues
from ..data import load_digits
from ..infra import checks as v
from ..network import Network
from ..training import train
from .protocols import NETWORKS, SIM2, SIM3

__all__ = ["CUE_SCALE", "NETWORK_NAMES", "loaded_network", "resolve_network", "validation_network"]

#: The networks ``fepnet validate --network`` knows by name (:func:`validation_network`), in the CLI's order.
NETWORK_NAMES = ("digits-balanced", "sequence", "random")
#: The scale of the evidence cue: ``CUE_SCALE`` x evidence level x digit, plus Gaussian noise of the same standard
#: deviation (:func:`fepnet.noisy_cues`'s ``scale``), as in the paper's retrieval cue.
CUE_SCALE = 0.1  # the paper's retrieval cue: 0.1 x level x digit + N(0, its sd)


def _cue(key, pattern, level):
    return np.asarray(noisy_cues(key, level * jnp.asarray(pattern)[None], 1, scale=CUE_SCALE).noisy[0])


def validation_network(name: str, key, *, network: Network | None = None, symmetrize: bool | None = None,
                       progress: bool = False) -> ValidationNetwork:
    """The named network of :data:`NETWORK_NAMES` (trained or drawn from ``key``) and its noisy-digit evidence.

    Parameters
    ----------
    name : str
        "digits-balanced", "sequence" or "random".
    key : jax.Array
        PRNG key, split into the network's (training or drawing) and the cue's.
    network : fepnet.Network, optional
        Use this already trained 64-node network instead (e.g. the one ``fepnet demo``
        trained) and only cue it.
    symmetrize : bool, optional
        Replace J by Js = (J + J^T) / 2 (default: yes for "digits-balanced" and "random",
        no for "sequence").
    progress : bool
        Show the training's progress bar.

    Returns
    -------
    diagnostics.validation.ValidationNetwork
        At iT = 1, with the training patterns and their labels.

    Raises
    ------
    ValueError
        For an unknown name, or a ``network`` that is not a 64-node Network.

    Examples
    --------
    The random network needs no training:

    >>> import jax
    >>> from fepnet.paper.networks import validation_network
    >>> vn = validation_network("random", jax.random.key(0))
    >>> vn.name, vn.network.size, vn.evidence.shape, vn.inverse_temperature, vn.grid_shape
    ('random', 64, (64,), 1.0, (8, 8))
    """
    if name not in NETWORK_NAMES:
        raise ValueError(f"network must be one of {NETWORK_NAMES}, got {name!r}")
    key = v.prng_key(key)
    k_net, k_cue = jax.random.split(key)
    if network is not None:
        if not isinstance(network, Network) or network.size != 64:
            raise ValueError(f"network must be a 64-node fepnet.Network (the digit grid), got {network!r}")
    digits = load_digits()
    if name == "digits-balanced":
        level, it = NETWORKS["balanced"]
        net = network if network is not None else train(
            k_net, digits.train, inverse_temperature=it, evidence_level=level, order="random", progress=progress,
            **SIM2).network
        desc = (f"the paper's balanced digits network (Simulation 2: evidence level {level:g}, iT {it:g}, "
                f"{SIM2['n_epochs']} random epochs of {SIM2['steps_per_epoch']} steps)")
        patterns, labels, cue_of, sym_default = digits.train, tuple(str(d) for d in digits.train_labels), 0, True
    elif name == "sequence":
        level = SIM3["evidence_level"]
        patterns = digits.train[jnp.asarray(SIM3["digits"])]
        net = network if network is not None else train(
            k_net, patterns, n_epochs=SIM3["n_epochs"], steps_per_epoch=SIM3["steps_per_epoch"],
            inverse_temperature=SIM3["inverse_temperature"], learning_rate=SIM3["learning_rate"],
            evidence_level=level, order="fixed", progress=progress).network
        desc = (f"the paper's sequence network (Simulation 3: digits 1, 2, 3 in fixed order, evidence level {level:g}, "
                f"{SIM3['n_epochs']} epochs of one step)")
        labels, cue_of, sym_default = tuple(str(d) for d in SIM3["digits"]), 0, False
    else:
        level = NETWORKS["balanced"][0]
        net = network if network is not None else Network.random(
            k_net, 64, coupling_scale=0.5, density=0.1, symmetric=True)
        desc = "a sparse random symmetric network (G(64, 0.1) graph, weights N(0, 0.5^2), zero biases)"
        patterns, labels, cue_of, sym_default = digits.train, tuple(str(d) for d in digits.train_labels), 0, True
    symmetrize = sym_default if symmetrize is None else bool(symmetrize)
    if symmetrize and float(net.asymmetry()) > 0:
        net = net.symmetrized()
        desc += ", symmetrised (J -> Js)"
    evidence = _cue(k_cue, patterns[cue_of], level)
    desc += f"; evidence: noisy cue 0.1 x {level:g} x digit '{labels[cue_of]}' + Gaussian noise (SNR 1)"
    return ValidationNetwork(name, net, evidence, 1.0, desc, np.asarray(patterns), labels)


def loaded_network(path, key, *, symmetrize: bool = False) -> ValidationNetwork:
    """A saved network (``Network.save``), cued with the noisy digit '0' when it has 64 nodes, else no evidence.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by ``Network.save``.
    key : jax.Array
        PRNG key of the cue.
    symmetrize : bool
        Replace J by Js = (J + J^T) / 2.

    Returns
    -------
    diagnostics.validation.ValidationNetwork
        Named "loaded", at iT = 1; with the digit patterns (64 nodes) or without
        evidence, patterns and grid (any other size).

    Examples
    --------
    >>> import os, tempfile
    >>> import jax, jax.numpy as jnp, fepnet
    >>> from fepnet.paper.networks import loaded_network
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> fepnet.Network(0.1 * (1 - jnp.eye(5)), jnp.zeros(5)).save(path)
    >>> vn = loaded_network(path, jax.random.key(0))
    >>> vn.name, vn.network.size, vn.evidence.tolist(), vn.grid_shape
    ('loaded', 5, [0.0, 0.0, 0.0, 0.0, 0.0], None)
    """
    net = Network.load(path)
    desc = f"network loaded from {os.fspath(path)}"
    if symmetrize:
        net = net.symmetrized()
        desc += ", symmetrised (J -> Js)"
    if net.size == 64:
        digits = load_digits()
        level = NETWORKS["balanced"][0]
        evidence = _cue(v.prng_key(key), digits.train[0], level)
        desc += f"; evidence: noisy cue 0.1 x {level:g} x digit '0' (SNR 1)"
        return ValidationNetwork("loaded", net, evidence, 1.0, desc, np.asarray(digits.train),
                                 tuple(str(d) for d in digits.train_labels))
    return ValidationNetwork("loaded", net, np.zeros(net.size), 1.0, desc + "; no evidence", None, (), None)


def resolve_network(network, key, *, symmetrize: bool | None = None, progress: bool = False) -> ValidationNetwork:
    """The network ``fepnet validate --network`` names: a :data:`NETWORK_NAMES` entry or a saved network's path.

    Parameters
    ----------
    network : str or os.PathLike or ValidationNetwork
        A name (:func:`validation_network`), the path of an existing saved network
        (:func:`loaded_network`; ``symmetrize`` None means no), or a ValidationNetwork (returned as is).
    key : jax.Array
        PRNG key of the network and its cue (``validation_keys(seed)[0]``).
    symmetrize : bool, optional
        As for :func:`validation_network`.
    progress : bool
        Show a training progress bar.

    Returns
    -------
    diagnostics.validation.ValidationNetwork
        As :func:`validation_network` or :func:`loaded_network` return it.

    Raises
    ------
    ValueError
        For anything else.

    Examples
    --------
    >>> import jax
    >>> from fepnet.paper.networks import resolve_network
    >>> resolve_network("random", jax.random.key(0)).description.split(";")[0]
    'a sparse random symmetric network (G(64, 0.1) graph, weights N(0, 0.5^2), zero biases)'
    >>> resolve_network("no-such-network", jax.random.key(0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: network must be one of ('digits-balanced', 'sequence', 'random'), ...
    """
    if isinstance(network, ValidationNetwork):
        return network
    if isinstance(network, str) and network in NETWORK_NAMES:
        return validation_network(network, key, symmetrize=symmetrize, progress=progress)
    if isinstance(network, (str, os.PathLike)) and os.path.exists(network):
        return loaded_network(network, key, symmetrize=bool(symmetrize))
    raise ValueError(f"network must be one of {NETWORK_NAMES}, a saved network's path or a "
                     f"ValidationNetwork, got {network!r}")
