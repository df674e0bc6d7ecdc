"""Argument checks and JSON scalars shared by the model-selection routes (private to the package)."""

from __future__ import annotations

import numpy as np

import fepnet
from fepnet.infra import checks as v
from fepnet.infra.files import json_safe

__all__ = ["check_network", "inverse_temperature_value", "json_float"]


def json_float(x):
    """``x`` as a Python float for JSON, ``None`` for NaN, +-inf and ``None``.

    Parameters
    ----------
    x : real scalar or None

    Returns
    -------
    float or None
    """
    return None if x is None else json_safe(float(x))


def check_network(network, name: str = "network") -> fepnet.Network:
    """``network``, checked to be one :class:`fepnet.Network` (couplings (N, N)).

    Raises
    ------
    TypeError
        If it is not a Network.
    ValueError
        If it is a batch of networks.
    """
    if not isinstance(network, fepnet.Network):
        raise TypeError(f"{name} must be a fepnet.Network, got {type(network).__name__}")
    if network.couplings.ndim != 2:
        raise ValueError(f"{name} must be a single network (couplings (N, N)), got {tuple(network.couplings.shape)}")
    return network


def inverse_temperature_value(x, name: str = "inverse_temperature") -> float:
    """A positive inverse temperature iT as a Python float (checked as JAX's default dtype, then widened)."""
    return float(np.asarray(v.positive_scalar(x, name), np.float64))
