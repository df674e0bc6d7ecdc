"""Checks at the public boundary: clear ``TypeError`` / ``ValueError`` naming the argument.

Value checks run in NumPy on concrete inputs, so they also work for concrete
values closed over inside a ``jax.jit`` trace.

Jitted inner code assumes valid input; these run once, eagerly, on concrete
values. Under tracing (``jax.jit`` / ``vmap`` of a public function) the value
checks that need concrete numbers are skipped; shape and dtype checks still run.

Every check is importable from here; each lives in one submodule:

- :mod:`fepnet.infra.checks.dtypes`: the floating dtype (:func:`float_dtype`).
- :mod:`fepnet.infra.checks.arrays`: real arrays (:func:`as_real_array`, :func:`all_finite`,
  :func:`as_float64`, :func:`broadcastable`, :func:`is_concrete`).
- :mod:`fepnet.infra.checks.ranges`: values in a range (:func:`in_interval`, :func:`binary_mask`,
  :func:`states`, :func:`extended_real_array`).
- :mod:`fepnet.infra.checks.scalars`: scalars and counts (:func:`positive_scalar`,
  :func:`nonnegative_scalar`, :func:`count`, ``INT32_MAX``).
- :mod:`fepnet.infra.checks.prng`: randomness (:func:`seed`, :func:`prng_key`, ``SEED_MAX``).
- :mod:`fepnet.infra.checks.memory`: allocations (:func:`allocation`).
"""

from __future__ import annotations

from .arrays import all_finite, as_float64, as_real_array, broadcastable, is_concrete
from .dtypes import float_dtype
from .memory import allocation
from .prng import SEED_MAX, prng_key, seed  # noqa: F401  (SEED_MAX: the CLI's and tests' bound)
from .ranges import binary_mask, extended_real_array, in_interval, states
from .scalars import INT32_MAX, count, nonnegative_scalar, positive_scalar  # noqa: F401  (INT32_MAX: likewise)

__all__ = ["all_finite", "allocation", "as_float64", "as_real_array", "binary_mask", "broadcastable", "count",
           "extended_real_array", "float_dtype", "in_interval", "is_concrete", "nonnegative_scalar", "positive_scalar",
           "prng_key", "seed", "states"]
