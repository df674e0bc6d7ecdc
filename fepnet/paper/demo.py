"""The paper's balanced digits network, trained and relaxed to its attractors (what ``fepnet demo`` shows).

:func:`train_balanced` trains the "balanced" network of the paper's Simulation 2
(evidence 11, iT 0.1668, alpha 0.001, random order, 10 steps per epoch) on the
ten training digits with the local FEP rule ΔJ_ij = α (σ_i σ_j − L(h_i) σ_j),
then finds its attractors as the paper does, and returns a :class:`DemoResult`;
:func:`demo_summary` is its JSON summary. Nothing is written here:
:mod:`fepnet.paper.demo_render` draws the figures and the text,
:mod:`fepnet.cli.demo` writes them.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import jax
import numpy as np

from ..attractors import Attractors
from ..data import Digits, load_digits
from ..network import Network
from ..training import train
from .protocols import NETWORKS, SIM2
from .analysis import paper_attractors

__all__ = ["BALANCED", "DemoResult", "train_balanced", "demo_summary"]

#: The training settings of the "balanced" network of the paper's Simulation 2, keyword -> value: its evidence
#: level and inverse temperature (:data:`~fepnet.paper.protocols.NETWORKS`) plus :data:`~fepnet.paper.protocols.SIM2`.
BALANCED = dict(evidence_level=NETWORKS["balanced"][0], inverse_temperature=NETWORKS["balanced"][1], **SIM2)


class DemoResult(NamedTuple):
    """The trained balanced network of the paper's Simulation 2 and its attractors (:func:`train_balanced`).

    Attributes
    ----------
    settings : dict
        ``BALANCED`` with the ``n_epochs`` used: evidence_level 11, inverse_temperature 0.1668,
        learning_rate 0.001, n_epochs, steps_per_epoch 10.
    seed : int
        The training seed (``jax.random.key(seed)``).
    network : fepnet.Network
        The trained network, N = 64.
    digits : fepnet.data.Digits
        The digits data set (``train`` (10, 64), ``test``).
    attractors : fepnet.Attractors
        :func:`~fepnet.paper.analysis.paper_attractors` of the trained network.
    train_seconds, relax_seconds : float
        Wall time of the training and of the attractor search (compilation included).
    """

    settings: dict
    seed: int
    network: Network
    digits: Digits
    attractors: Attractors
    train_seconds: float
    relax_seconds: float


def train_balanced(seed: int = 0, n_epochs: int = BALANCED["n_epochs"], progress: bool = True) -> DemoResult:
    """Train the balanced digits network with ``jax.random.key(seed)``, then find its attractors.

    Attractors: zero-bias deterministic synchronous relaxation m <- L(J m) at iT = 1 from
    L(0.1 x evidence_level) for each training digit x, at most 1000 steps, distinct end states
    after rounding to 2 decimals (:func:`fepnet.paper.paper_attractors`).

    Parameters
    ----------
    seed : int
        PRNG seed.
    n_epochs : int
        Random-order training epochs of 10 synchronous steps (the paper: 5000).
    progress : bool
        Show a progress bar over the epochs.

    Returns
    -------
    DemoResult
        Fields ``settings``, ``seed``, ``network``, ``digits``, ``attractors``, ``train_seconds``,
        ``relax_seconds``.

    Raises
    ------
    TypeError, ValueError
        For a bad seed or ``n_epochs`` (from :func:`fepnet.train`).

    Examples
    --------
    A short run (about 8 s on a 2-core CPU, mostly compilation; not run as a doctest):

    >>> from fepnet.paper.demo import train_balanced
    >>> r = train_balanced(0, n_epochs=20, progress=False)  # doctest: +SKIP
    >>> r.network.size, r.attractors.count >= 1  # doctest: +SKIP
    (64, True)
    """
    digits = load_digits()
    settings = dict(BALANCED, n_epochs=n_epochs)
    t0 = time.perf_counter()
    result = train(
        jax.random.key(seed),
        digits.train,
        n_epochs=settings["n_epochs"],
        steps_per_epoch=settings["steps_per_epoch"],
        inverse_temperature=settings["inverse_temperature"],
        learning_rate=settings["learning_rate"],
        evidence_level=settings["evidence_level"],
        order="random",
        progress=progress,
    )
    t_train = time.perf_counter() - t0
    network = result.network
    t1 = time.perf_counter()
    attractors = paper_attractors(network, digits.train, settings["evidence_level"])
    t_relax = time.perf_counter() - t1
    return DemoResult(settings, seed, network, digits, attractors, t_train, t_relax)


def demo_summary(result: DemoResult, files) -> dict:
    """The JSON summary of a :class:`DemoResult`.

    Parameters
    ----------
    result : DemoResult
        A :func:`train_balanced` result.
    files : list of str
        The file names written (recorded under ``"files"``).

    Returns
    -------
    dict
        settings, seed, n_attractors, all_converged, asymmetry ||J − Jᵀ|| / ||J||, train_seconds,
        relax_seconds (rounded to ms), steps_per_second (training steps over training time), files.
    """
    settings = result.settings
    return {
        "settings": settings,
        "seed": result.seed,
        "n_attractors": result.attractors.count,
        "all_converged": bool(np.all(np.asarray(result.attractors.relaxed.converged))),
        "asymmetry": float(result.network.asymmetry()),
        "train_seconds": round(result.train_seconds, 3),
        "relax_seconds": round(result.relax_seconds, 3),
        "steps_per_second": round(settings["n_epochs"] * settings["steps_per_epoch"] / result.train_seconds, 1),
        "files": list(files),
    }
