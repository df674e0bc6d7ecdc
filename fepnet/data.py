"""Data sets of the paper: the 8x8 digits with the paper's preprocessing, the 5x5 bars, random patterns."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .infra import checks as v
from .stats import pow2_scaled

__all__ = ["Digits", "load_digits", "preprocess_digits", "Bars", "load_bars", "standardize", "random_patterns"]


class Digits(NamedTuple):
    """train: (10, 64) the first image of each digit 0..9; test: (1787, 64) the rest;
    train_labels / test_labels: their digits. Each image squared then standardised."""

    train: jax.Array
    test: jax.Array
    train_labels: np.ndarray
    test_labels: np.ndarray


def _images(images) -> np.ndarray:
    """Images (..., P >= 1 pixels) of real numbers as finite float64, or a TypeError / ValueError naming them."""
    x = v.as_float64(images, "images")
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"images must have shape (..., pixels >= 1), got {x.shape}")
    return x


def standardize(images) -> np.ndarray:
    """Standardise each image (row) to mean 0 and std 1 over its pixels (ddof = 0).

    Each image is first divided by the power of two of its largest pixel (exact, so the
    same bits), so any finite magnitude works.

    Raises
    ------
    TypeError
        ``images`` are not real numbers (None, strings, bool, complex, objects).
    ValueError
        ``images`` are 0-d or have no pixels, are not finite, or an image is constant.
    """
    x = pow2_scaled(_images(images), -1)
    x = x - x.mean(axis=-1, keepdims=True)
    sd = x.std(axis=-1, keepdims=True)
    if np.any(sd == 0):
        raise ValueError("images must not be constant: a constant image has no standardised form")
    return x / sd


def preprocess_digits(images) -> np.ndarray:
    """The paper's preprocessing: square the pixel values, then :func:`standardize` each image.

    Each image is divided by a power of two before squaring (exact; the standardised result
    does not depend on it), so large pixel values cannot overflow. Raises as :func:`standardize`.
    """
    return standardize(pow2_scaled(_images(images), -1) ** 2)


def load_digits(dtype=None) -> Digits:
    """The bundled scikit-learn digits (1797 images, 64 nodes), split as in the paper (first 10 = train).

    ``dtype``: a floating dtype for ``train`` / ``test`` (default: JAX's default float).

    Raises
    ------
    TypeError
        ``dtype`` is not a floating dtype (an integer dtype would truncate the standardised pixels).
    """
    dtype = v.float_dtype(dtype, "dtype")
    from sklearn.datasets import load_digits as _sk_load_digits

    raw = _sk_load_digits()
    x = preprocess_digits(raw.data)
    return Digits(
        jnp.asarray(x[:10], dtype), jnp.asarray(x[10:], dtype), raw.target[:10].copy(), raw.target[10:].copy()
    )


class Bars(NamedTuple):
    """Simulation 1's 5x5 images, flattened row by row and standardised: train (2, 25) = the
    vertical and the horizontal bar through the centre; cross (25,) = both bars (never trained on)."""

    train: jax.Array
    cross: jax.Array
    labels: tuple


def load_bars(dtype=None) -> Bars:
    """Bar pixels 1, the centre pixel 4, background 0, each image standardised (corr(vertical, horizontal) = 0.77).

    The cross takes both bars at once (bar pixels 1, centre 4). ``dtype``: a floating dtype
    (default: JAX's default float).

    Raises
    ------
    TypeError
        ``dtype`` is not a floating dtype.
    """
    dtype = v.float_dtype(dtype, "dtype")
    vertical = np.zeros((5, 5))
    vertical[:, 2] = 1.0
    vertical[2, 2] = 4.0
    horizontal = vertical.T
    cross = np.maximum(vertical, horizontal)
    images = standardize(np.stack([vertical.ravel(), horizontal.ravel(), cross.ravel()]))
    return Bars(jnp.asarray(images[:2], dtype), jnp.asarray(images[2], dtype), ("vertical", "horizontal"))


def random_patterns(key, n_patterns: int, n_nodes: int, dtype=None) -> jax.Array:
    """K random dense +-1 patterns (K, N), each entry +1 or -1 with probability 1/2.

    Raises
    ------
    TypeError
        ``key`` is not a PRNG key, ``n_patterns`` / ``n_nodes`` not integers, ``dtype`` not a floating dtype.
    ValueError
        ``n_patterns`` or ``n_nodes`` < 1 (or beyond the int32 range).
    """
    key = v.prng_key(key)
    n_patterns = v.count(n_patterns, "n_patterns", minimum=1)
    n_nodes = v.count(n_nodes, "n_nodes", minimum=1)
    dtype = v.float_dtype(dtype, "dtype")
    return jnp.where(jax.random.bernoulli(key, 0.5, (n_patterns, n_nodes)), 1.0, -1.0).astype(dtype)
