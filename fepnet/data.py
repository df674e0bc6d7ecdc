"""Data sets of the paper: the 8x8 digits with the paper's preprocessing (Simulation 2), the 5x5 bars (Simulation 1), random +-1 patterns.

Every image is standardised to mean 0 and standard deviation 1 over its pixels; the
digits' pixel values are squared first (the paper's preprocessing).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .infra import checks as v
from .stats import pow2_scaled

__all__ = ["Digits", "load_digits", "preprocess_digits", "Bars", "load_bars", "standardize", "random_patterns"]


class Digits(NamedTuple):
    """The scikit-learn digits split as in the paper (from :func:`load_digits`).

    Each image is squared then standardised (:func:`preprocess_digits`); 64 pixels, row by row.

    Attributes
    ----------
    train : jax.Array, shape (10, 64)
        The first image of each digit 0..9 (the first 10 images).
    test : jax.Array, shape (1787, 64)
        The rest.
    train_labels : numpy.ndarray of int, shape (10,)
        The digits of ``train`` (0..9 in order).
    test_labels : numpy.ndarray of int, shape (1787,)
        The digits of ``test``.
    """

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
    """Standardise each image (row) to mean 0 and standard deviation 1 over its pixels (ddof = 0).

    z = (x - mean x) / std x. Each image is first divided by the power of two of its
    largest pixel (exact, so the same bits), so any finite magnitude works.

    Parameters
    ----------
    images : array_like of float, shape (..., P)
        Images of P >= 1 pixels.

    Returns
    -------
    numpy.ndarray of float64, shape (..., P)

    Raises
    ------
    TypeError
        ``images`` are not real numbers (None, strings, bool, complex, objects).
    ValueError
        ``images`` are 0-d or have no pixels, are not finite, or an image is constant.

    Examples
    --------
    >>> from fepnet.data import standardize
    >>> standardize([[1.0, 2.0, 3.0]]).round(4).tolist()
    [[-1.2247, 0.0, 1.2247]]
    """
    x = pow2_scaled(_images(images), -1)
    x = x - x.mean(axis=-1, keepdims=True)
    sd = x.std(axis=-1, keepdims=True)
    if np.any(sd == 0):
        raise ValueError("images must not be constant: a constant image has no standardised form")
    return x / sd


def preprocess_digits(images) -> np.ndarray:
    """The paper's preprocessing: square the pixel values, then :func:`standardize` each image.

    z = standardize(x^2). Each image is divided by a power of two before squaring (exact;
    the standardised result does not depend on it), so large pixel values cannot overflow.

    Parameters
    ----------
    images : array_like of float, shape (..., P)
        Raw images (scikit-learn's digits: pixel values 0..16).

    Returns
    -------
    numpy.ndarray of float64, shape (..., P)

    Raises
    ------
    TypeError, ValueError
        As :func:`standardize`.

    Examples
    --------
    >>> from fepnet.data import preprocess_digits
    >>> preprocess_digits([[0.0, 1.0, 2.0]]).round(4).tolist()
    [[-0.9806, -0.3922, 1.3728]]
    """
    return standardize(pow2_scaled(_images(images), -1) ** 2)


def load_digits(dtype=None) -> Digits:
    """The bundled scikit-learn digits (1797 images of 8x8 = 64 pixels), preprocessed and split as in the paper.

    The first 10 images (one of each digit 0..9) are the training set, the other 1787 the
    test set; every image is squared and standardised (:func:`preprocess_digits`). Needs
    scikit-learn (the data ship with it; nothing is downloaded).

    Parameters
    ----------
    dtype : floating dtype, optional
        Of ``train`` and ``test``; default JAX's default float.

    Returns
    -------
    Digits
        ``train`` (10, 64), ``test`` (1787, 64), ``train_labels`` (10,), ``test_labels`` (1787,).

    Raises
    ------
    TypeError
        ``dtype`` is not a floating dtype (an integer dtype would truncate the standardised pixels).

    Examples
    --------
    >>> from fepnet.data import load_digits
    >>> digits = load_digits()
    >>> digits.train.shape, digits.test.shape, digits.train_labels.tolist()
    ((10, 64), (1787, 64), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    dtype = v.float_dtype(dtype, "dtype")
    from sklearn.datasets import load_digits as _sk_load_digits

    raw = _sk_load_digits()
    x = preprocess_digits(raw.data)
    return Digits(
        jnp.asarray(x[:10], dtype), jnp.asarray(x[10:], dtype), raw.target[:10].copy(), raw.target[10:].copy()
    )


class Bars(NamedTuple):
    """Simulation 1's 5x5 bar images, flattened row by row and standardised (from :func:`load_bars`).

    Attributes
    ----------
    train : jax.Array, shape (2, 25)
        The vertical and the horizontal bar through the centre.
    cross : jax.Array, shape (25,)
        Both bars at once (never trained on).
    labels : tuple of str
        ``("vertical", "horizontal")``, the rows of ``train``.
    """

    train: jax.Array
    cross: jax.Array
    labels: tuple


def load_bars(dtype=None) -> Bars:
    """The bars of the paper's Simulation 1: bar pixels 1, the centre pixel 4, background 0, each image standardised.

    The two training images (vertical, horizontal) correlate 0.77 after standardisation;
    the cross takes both bars at once (bar pixels 1, centre 4).

    Parameters
    ----------
    dtype : floating dtype, optional
        Default JAX's default float.

    Returns
    -------
    Bars
        ``train`` (2, 25), ``cross`` (25,), ``labels``.

    Raises
    ------
    TypeError
        ``dtype`` is not a floating dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from fepnet.data import load_bars
    >>> bars = load_bars()
    >>> bars.train.shape, bars.labels, round(float(np.corrcoef(bars.train)[0, 1]), 2)
    ((2, 25), ('vertical', 'horizontal'), 0.77)
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
    """K random dense +-1 patterns, each entry +1 or -1 with probability 1/2, independently.

    Parameters
    ----------
    key : jax.Array
        A JAX PRNG key.
    n_patterns : int
        K >= 1.
    n_nodes : int
        N >= 1.
    dtype : floating dtype, optional
        Default JAX's default float.

    Returns
    -------
    jax.Array, shape (K, N)
        Entries in {-1, +1}.

    Raises
    ------
    TypeError
        ``key`` is not a PRNG key, ``n_patterns`` / ``n_nodes`` not integers, ``dtype`` not a floating dtype.
    ValueError
        ``n_patterns`` or ``n_nodes`` < 1 (or beyond the int32 range).

    Examples
    --------
    >>> import jax
    >>> from fepnet.data import random_patterns
    >>> random_patterns(jax.random.key(0), 2, 5).tolist()
    [[-1.0, -1.0, 1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0, 1.0]]
    """
    key = v.prng_key(key)
    n_patterns = v.count(n_patterns, "n_patterns", minimum=1)
    n_nodes = v.count(n_nodes, "n_nodes", minimum=1)
    dtype = v.float_dtype(dtype, "dtype")
    return jnp.where(jax.random.bernoulli(key, 0.5, (n_patterns, n_nodes)), 1.0, -1.0).astype(dtype)
