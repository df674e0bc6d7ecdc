"""The continuous Bernoulli distribution on [-1, 1] as a NumPyro distribution.

A state ``s`` in [-1, 1] with bias (natural parameter) ``b`` has density
::

    p(s | b) = b / (2 sinh b) * exp(b s)        (b = 0: uniform, 1/2)

so that ``log p(s | b) = b s - A(b)`` with ``A(b) = log(2 sinh(b) / b)``, and
::

    mean      L(b)  = coth(b) - 1/b                (Langevin function, L(0) = 0)
    variance  L'(b) = 1/b^2 - 1/sinh(b)^2          (L'(0) = 1/3)
    entropy   H(b)  = A(b) - b L(b)
    KL(CB(q) || CB(p)) = (q - p) L(q) - A(q) + A(p)
    CDF       F(s | b) = expm1(b (s + 1)) / expm1(2 b)

Relation to the [0, 1] continuous Bernoulli of torch / TFP: ``y = (s + 1) / 2``
is continuous Bernoulli with logits ``2 b``.

Every formula is evaluated by :mod:`fepnet.cb` (stable for b = 0 and ``abs(b)`` in the
thousands); this module only adapts it to NumPyro's ``Distribution`` interface
and registers the closed-form KL with :func:`numpyro.distributions.kl_divergence`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from numpyro.distributions import constraints
from numpyro.distributions.distribution import Distribution
from numpyro.distributions.kl import kl_divergence
from numpyro.distributions.util import validate_sample
from numpyro.util import is_prng_key

from fepnet import cb
from fepnet.infra import checks as v
from fepnet.infra.checks import as_real_array, is_concrete

__all__ = ["ContinuousBernoulli"]

# Compiled once per shape and dtype, so that eager calls cost one dispatch rather
# than one per primitive; under an outer trace they are simply inlined.
_langevin, _langevin_grad, _entropy, _kl, _log_prob, _cdf, _icdf, _inverse_langevin = map(
    jax.jit,
    (cb.langevin, cb.langevin_grad, cb.entropy, cb.kl, cb.log_prob, cb.cdf, cb.icdf, cb.inverse_langevin),
)


def _key(key):
    """A single PRNG key, as NumPyro's samplers expect (``jax.random.key(seed)`` or ``PRNGKey(seed)``)."""
    key = v.prng_key(key, "key")
    if not is_prng_key(key):
        raise TypeError(f"key must be a single JAX PRNG key (jax.random.key(seed)), got shape {tuple(key.shape)}")
    return key


def _sample_shape(sample_shape) -> tuple:
    if not isinstance(sample_shape, (tuple, list)):
        raise TypeError(f"sample_shape must be a tuple of non-negative integers such as (n,), got {sample_shape!r}")
    return tuple(v.count(n, "sample_shape") for n in sample_shape)


def _argument(x, name, batch_shape):
    """A real array (+-inf allowed, NaN refused when concrete) that broadcasts with ``batch_shape``."""
    return v.broadcastable(v.extended_real_array(x, name), name, batch_shape, "the batch shape")


def _mean_to_bias(mean):
    """Bias ``L^{-1}(mean)``; a concrete mean must lie strictly inside (-1, 1) (after dtype rounding)."""
    message = "mean must lie strictly inside (-1, 1) (the mean of a continuous Bernoulli on [-1, 1] always does)"
    try:
        m = as_real_array(mean, "mean")
    except ValueError:  # non-finite
        raise ValueError(f"{message}; got a non-finite value") from None
    if is_concrete(m):
        bad = ~(np.abs(np.asarray(m)) < 1.0)
        if np.any(bad):
            raise ValueError(f"{message}; got {float(np.asarray(m)[bad].ravel()[0])} in {m.dtype}")
    return _inverse_langevin(m)


class ContinuousBernoulli(Distribution):
    r"""Continuous Bernoulli on [-1, 1]: ``p(s | b) = b / (2 sinh b) exp(b s)``.

    The distribution of one fepnet node given its field: ``log p(s | b) = b s - A(b)``,
    ``A(b) = log(2 sinh(b) / b)``, mean ``L(b) = coth(b) - 1/b``. Give exactly one of
    ``bias`` (the natural parameter b, any finite real) or ``mean`` (in the open
    interval (-1, 1); converted to ``b = L^{-1}(mean)``). The batch shape is the
    shape of the bias; the event shape is ``()``. Sampling is by the inverse CDF,
    so it is reparameterised in ``bias``.

    Concrete arguments are always checked (``TypeError`` for non-real dtypes,
    ``ValueError`` for a non-finite bias or a mean outside (-1, 1)); traced
    arguments get only the dtype check. The methods check theirs likewise:
    ``sample`` takes a single PRNG ``key`` and a tuple ``sample_shape``
    (``TypeError`` otherwise: ``sample(0)`` passes 0 as the key); ``log_prob`` /
    ``cdf`` take any real ``value`` broadcasting with the batch shape (NaN refused
    when concrete); ``icdf`` takes ``q`` in [0, 1] (NaN under ``jit`` outside it).
    ``validate_args`` (default: NumPyro's global setting, which NumPyro 0.22
    switches on) adds NumPyro's own checks: the ``bias`` constraint, and
    ``log_prob`` of a value outside [-1, 1] warns and returns ``-inf`` (under
    ``jit``: ``-inf`` without the warning); without it, ``log_prob`` evaluates
    ``b s - A(b)`` for any ``s`` (NumPyro's convention).

    Parameters
    ----------
    bias : array_like, optional
        Natural parameters b, any shape (the batch shape), finite reals (dimensionless:
        for a fepnet node, ``iT`` times its field). Exclusive with ``mean``.
    mean : array_like, optional, keyword-only
        Means in (-1, 1), any shape; the bias is ``L^{-1}(mean)`` (``fepnet.cb.inverse_langevin``).
    validate_args : bool, optional
        NumPyro's argument and support checks (default: NumPyro's global setting).

    Attributes
    ----------
    bias : jax.Array
        The natural parameters b, of the batch shape.

    Raises
    ------
    TypeError
        Neither or both of ``bias`` and ``mean`` given; an argument that is not real.
    ValueError
        A non-finite ``bias``, or a ``mean`` outside (-1, 1) (concrete arguments).

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from inference.distribution import ContinuousBernoulli
    >>> d = ContinuousBernoulli(bias=jnp.array([0.0, 2.0]))
    >>> d.sample(jax.random.key(0), (1000,)).shape   # values in [-1, 1]
    (1000, 2)
    >>> [round(float(m), 4) for m in d.mean]         # [0, coth(2) - 1/2]
    [0.0, 0.5373]
    >>> round(float(ContinuousBernoulli(mean=0.5).bias), 4)
    1.7968
    >>> round(float(d.log_prob(jnp.array([0.3, 1.0]))[1]), 4)   # 2 * 1 - log(sinh 2)
    0.7116
    """

    arg_constraints = {"bias": constraints.real}
    support = constraints.interval(-1.0, 1.0)
    reparametrized_params = ["bias"]

    def __init__(self, bias=None, *, mean=None, validate_args=None):
        if (bias is None) == (mean is None):
            raise TypeError("ContinuousBernoulli takes exactly one of `bias` or `mean`")
        self.bias = as_real_array(bias, "bias") if mean is None else _mean_to_bias(mean)
        super().__init__(batch_shape=jnp.shape(self.bias), validate_args=validate_args)

    def sample(self, key, sample_shape=()):
        """Draws of shape ``sample_shape + batch_shape`` by ``cb.icdf`` of uniforms (reparameterised).

        ``s = F^{-1}(u | b)`` with ``u ~ Uniform(0, 1)``, so ``ds/db`` exists (pathwise gradients).

        Parameters
        ----------
        key : jax.Array
            A single PRNG key (``jax.random.key(seed)`` or ``jax.random.PRNGKey(seed)``).
        sample_shape : tuple of int, optional
            Leading shape of the draws (default ``()``: one draw per batch element).

        Returns
        -------
        jax.Array
            Draws in [-1, 1], shape ``sample_shape + batch_shape``, the bias dtype.

        Raises
        ------
        TypeError
            ``key`` is not a single JAX PRNG key (``sample(0)`` passes 0 as the key), or
            ``sample_shape`` is not a tuple of integers (``(n,)``, not ``n``).
        ValueError
            A negative size in ``sample_shape``.
        """
        key = _key(key)
        shape = _sample_shape(sample_shape) + self.batch_shape
        u = jax.random.uniform(key, shape, dtype=self.bias.dtype)
        return _icdf(u, self.bias)

    @validate_sample
    def log_prob(self, value):
        """Log density ``log p(s | b) = b s - A(b)``, broadcasting ``value`` against the batch shape.

        NumPyro's convention for ``value`` outside [-1, 1]: with ``validate_args`` a
        warning and ``-inf``; without, the formula ``b s - A(b)`` unchecked.

        Parameters
        ----------
        value : array_like
            States s, any shape that broadcasts with the batch shape.

        Returns
        -------
        jax.Array
            The log densities (with respect to Lebesgue measure on [-1, 1]), broadcast shape.

        Raises
        ------
        TypeError
            ``value`` is not real (None, str, bool, complex, object).
        ValueError
            ``value`` holds NaN (when concrete) or does not broadcast with the batch shape.
        """
        return _log_prob(_argument(value, "value", self.batch_shape), self.bias)

    def cdf(self, value):
        """Cumulative distribution ``F(s | b) = expm1(b (s + 1)) / expm1(2 b)`` (0 below -1, 1 above 1).

        Parameters
        ----------
        value : array_like
            States s, any shape that broadcasts with the batch shape.

        Returns
        -------
        jax.Array
            ``F(s | b)`` in [0, 1], broadcast shape (``(s + 1) / 2`` for b = 0).

        Raises
        ------
        TypeError, ValueError
            As :meth:`log_prob`.
        """
        return _cdf(_argument(value, "value", self.batch_shape), self.bias)

    def icdf(self, q):
        """Quantile function ``F^{-1}(q | b)``, the inverse of :meth:`cdf` for ``q`` in [0, 1].

        ``q`` outside [0, 1] is refused when concrete and gives NaN under ``jit``.

        Parameters
        ----------
        q : array_like
            Probabilities in [0, 1], any shape that broadcasts with the batch shape.

        Returns
        -------
        jax.Array
            States s in [-1, 1] with ``F(s | b) = q``, broadcast shape.

        Raises
        ------
        TypeError
            ``q`` is not real.
        ValueError
            ``q`` outside [0, 1] or NaN (when concrete), or not broadcasting with the batch shape.
        """
        return _icdf(v.in_interval(_argument(q, "q", self.batch_shape), "q", 0.0, 1.0), self.bias)

    @property
    def mean(self):
        """``L(b) = coth(b) - 1/b``."""
        return _langevin(self.bias)

    @property
    def variance(self):
        """``L'(b) = 1/b^2 - 1/sinh(b)^2``."""
        return _langevin_grad(self.bias)

    @property
    def mode(self):
        """``sign(b)`` (every point of [-1, 1] is a mode when b = 0; 0 is returned)."""
        return jnp.sign(self.bias)

    def entropy(self):
        """Differential entropy ``H(b) = A(b) - b L(b)`` (nats; ``log 2`` at b = 0).

        Returns
        -------
        jax.Array
            H per batch element, the batch shape.
        """
        return _entropy(self.bias)


@kl_divergence.register(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli(p, q):
    """``KL(p || q) = (b_p - b_q) L(b_p) - A(b_p) + A(b_q)``, over the broadcast batch shape."""
    return _kl(p.bias, q.bias)
