"""Data sets of the paper: scikit-learn's bundled 8x8 digits with the paper's preprocessing, random patterns."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import _validation as v

__all__ = ["Digits", "load_digits", "preprocess_digits", "random_patterns"]


class Digits(NamedTuple):
    """train: (10, 64) the first image of each digit 0..9; test: (1787, 64) the rest;
    train_labels / test_labels: their digits. Each image squared then standardised."""

    train: jax.Array
    test: jax.Array
    train_labels: np.ndarray
    test_labels: np.ndarray


def preprocess_digits(images) -> np.ndarray:
    """Square the pixel values, then standardise each image (row) to mean 0 and std 1 (ddof = 0)."""
    x = np.asarray(images, dtype=np.float64) ** 2
    x = x - x.mean(axis=1, keepdims=True)
    return x / x.std(axis=1, keepdims=True)


def load_digits(dtype=None) -> Digits:
    """The bundled scikit-learn digits (1797 images, 64 nodes), split as in the paper (first 10 = train)."""
    from sklearn.datasets import load_digits as _sk_load_digits

    raw = _sk_load_digits()
    x = preprocess_digits(raw.data)
    dtype = jnp.result_type(float) if dtype is None else dtype
    return Digits(
        jnp.asarray(x[:10], dtype), jnp.asarray(x[10:], dtype), raw.target[:10].copy(), raw.target[10:].copy()
    )


def random_patterns(key, n_patterns: int, n_nodes: int, dtype=None) -> jax.Array:
    """K random dense +-1 patterns (K, N), each entry +1 or -1 with probability 1/2."""
    key = v.prng_key(key)
    n_patterns = v.count(n_patterns, "n_patterns", minimum=1)
    n_nodes = v.count(n_nodes, "n_nodes", minimum=1)
    dtype = jnp.result_type(float) if dtype is None else dtype
    return jnp.where(jax.random.bernoulli(key, 0.5, (n_patterns, n_nodes)), 1.0, -1.0).astype(dtype)
