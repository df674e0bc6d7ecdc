"""Independent float64 NumPy references for the CB functions, shared by the tests (not fepnet code)."""

import numpy as np


def langevin_np(x):
    """L(x) = coth(x) - 1/x in numpy float64 (series near 0)."""
    x = np.asarray(x, dtype=np.float64)
    small = np.abs(x) < 1e-3
    xs = np.where(small, 1.0, x)
    return np.where(small, x / 3 - x**3 / 45, 1 / np.tanh(xs) - 1 / xs)


def langevin_grad_np(x):
    """L'(x) = 1/x^2 - 1/sinh(x)^2 in numpy float64 (series near 0)."""
    x = np.asarray(x, dtype=np.float64)
    small = np.abs(x) < 1e-2
    xs = np.where(small, 1.0, x)
    return np.where(small, 1 / 3 - x**2 / 15, 1 / xs**2 - 1 / np.sinh(xs) ** 2)
