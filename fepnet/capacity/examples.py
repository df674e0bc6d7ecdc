"""Example recalls for the capacity figure: one pattern, its flipped cue, and the state each rule relaxes to.

The basin test of :func:`fepnet.recall.basin_recall` keeps only scores (exact, overlap); the
figure needs states. :func:`example_recalls` stores one pattern set with every rule (the FEP
network trained with the capacity protocol, :func:`~fepnet.capacity.training.train_networks`;
Hebbian, Storkey and projector couplings, :mod:`fepnet.storage`), starts from the first
pattern with rho N signs flipped (:func:`fepnet.recall.corrupt`: the basin test's starts) and
relaxes with :func:`fepnet.relax` (deterministic updates of ``schedule`` at iT 100 until
convergence, the basin test's dynamics; no second update rule).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..network import Network
from ..recall import corrupt
from ..relaxation import relax
from ..storage import hebbian_couplings, projector_couplings, storkey_couplings
from .patterns import DIGITS_NODES, pattern_family
from .training import PROTOCOL, Protocol, train_networks

__all__ = ["example_recalls"]

_BASELINES = {"hebbian": hebbian_couplings, "storkey": storkey_couplings, "projector": projector_couplings}


def example_recalls(key, *, family: str = "random", n_nodes: int = 100, n_patterns: int = 20,
                    flip_fraction: float = 0.1, schedule: str = "sequential", protocol: Protocol = PROTOCOL,
                    inverse_temperature: float = 100.0, max_sweeps: int = 200) -> dict:
    """One example of recall from a flipped cue for every rule, on the same K patterns.

    Parameters
    ----------
    key : PRNG key
        Split into the patterns', the FEP training's and the flips' keys.
    family : {"random", "biased", "digits"}
        The pattern family (digits: N = 64 whatever ``n_nodes``).
    n_nodes : int
        N >= 2.
    n_patterns : int
        K >= 1, the patterns stored (the example is the first).
    flip_fraction : float
        rho in [0, 0.5]: floor(rho N + 1/2) signs of the cue flipped.
    schedule : str
        The deterministic update schedule ("sequential", "synchronous").
    protocol : Protocol
        The FEP network's training.
    inverse_temperature : float
        iT of the relaxation (100).
    max_sweeps : int
        Sweep cap of the relaxation.

    Returns
    -------
    dict
        ``pattern`` (N,), ``cue`` (N,), ``final`` {rule: (N,)} (NumPy), and ``family``, ``n_nodes``,
        ``n_patterns``, ``flip_fraction``, ``schedule``: what :func:`fepnet.capacity.plots.plot_examples` draws.

    Raises
    ------
    TypeError, ValueError
        As the functions called (unknown family or schedule, K < 1, N < 2, rho outside [0, 0.5]).

    Examples
    --------
    Not run as a doctest (about 10 s on a loaded 2-core CPU, mostly compilation):

    >>> import jax
    >>> from fepnet.capacity import Protocol
    >>> from fepnet.capacity.examples import example_recalls
    >>> ex = example_recalls(jax.random.key(0), n_nodes=16, n_patterns=2,
    ...                      protocol=Protocol(n_epochs=5))  # doctest: +SKIP
    >>> sorted(ex["final"]), ex["cue"].shape  # doctest: +SKIP
    (['fep', 'hebbian', 'projector', 'storkey'], (16,))
    """
    n = DIGITS_NODES if family == "digits" else n_nodes
    k_pat, k_train, k_flip = jax.random.split(key, 3)
    P = pattern_family(k_pat, family, 1, n_patterns, n)  # (1, K, N)
    couplings = {"fep": jnp.asarray(train_networks(jax.random.split(k_train, 1), P, np.array([n_patterns]),
                                                   protocol=protocol, progress=False)[0])}
    couplings |= {rule: fn(P[0]) for rule, fn in _BASELINES.items()}
    cue = corrupt(k_flip, P[0], flip_fraction)[0]
    final = {}
    for rule, J in couplings.items():
        network = Network(J, jnp.zeros(n, J.dtype))
        final[rule] = np.asarray(relax(network, cue, inverse_temperature, schedule=schedule,
                                       max_steps=max_sweeps).sigma)
    return {"family": family, "n_nodes": n, "n_patterns": int(n_patterns), "flip_fraction": float(flip_fraction),
            "schedule": schedule, "pattern": np.asarray(P[0, 0]), "cue": np.asarray(cue), "final": final}
