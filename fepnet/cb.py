"""The continuous Bernoulli (CB) distribution on [-1, 1], parameterised by its bias.

One concept, the checked public face of the distribution: each public function is a boundary
check in front of the one :mod:`fepnet.cb_math` implementation, and the length is their numpydoc
documentation.

A node state ``sigma`` in [-1, 1] with bias (natural parameter) ``b`` has density::

    p(sigma | b) = b / (2 sinh b) * exp(b * sigma)          (b = 0: uniform, 1/2)

and::

    log normaliser  A(b)  = log(2 sinh(b) / b)               A(0) = log 2
    mean            L(b)  = coth(b) - 1/b   (Langevin)       L(0) = 0
    variance        L'(b) = 1/b^2 - 1/sinh(b)^2              L'(0) = 1/3
    entropy         H(b)  = A(b) - b L(b)
    KL(CB(q) || CB(p))    = (q - p) L(q) - A(q) + A(p)

Every function is elementwise, jittable, vmappable and differentiable, works in
float32 and float64 (the dtype of the input; JAX's default float for integer input), and is
finite for every finite ``b``, from exactly 0 up to the largest float (but see ``kl`` below).

Numerics: for abs(b) < 0.5 each function is evaluated from its Taylor series
(coefficients 2^(2n) B_2n / (2n)! from the Bernoulli numbers, truncated where
the next term is below float64 round-off); for abs(b) >= 0.5 from closed forms
written in ``x = exp(-2 abs(b))``, which never overflow. The two branches are
combined with the "double where" idiom, so gradients are finite everywhere and
equal the analytic derivatives (grad of ``langevin`` is ``langevin_grad``).

Relation to the [0, 1] continuous Bernoulli of torch / TFP: ``y = (sigma + 1) / 2``
has logits ``2 b``.

``kl`` cancels the terms of order abs(b) analytically: for abs(b_q) >= 0.5 it is
A(b_p) - b_p L(b_q) - H(b_q), with the entropy's stable form, and when b_p is of the
same sign and abs(b_p) >= 0.5 the O(abs(b_p)) terms are cancelled too (in r = b_p / b_q,
with r - 1 - log r from a series near r = 1). So its error does not grow with abs(b):
``kl(1e30, 0)`` = log(1e30) - 1 + log 2 = 68.77 to round-off, and for large biases its
relative error is at round-off; when both abs(b) < 0.5 its error is absolute, about
eps (abs(A(b_q)) + abs(A(b_p))).

Infinite bias: ``b = +-inf`` is CB's limit as b -> +-inf, the point mass at +-1:
``langevin`` +-1, ``langevin_grad`` 0, ``cdf(sigma, +-inf)`` 1 for sigma >= +-1 and 0
below, ``icdf`` and ``sample`` +-1; where the point mass has no value, the limit:
``log_normalizer`` +inf, ``entropy`` -inf, ``log_prob`` +inf at sigma = +-1 and -inf
elsewhere; ``kl`` is 0 between equal infinities and +inf when only one argument is
infinite or they are of opposite sign. ``inverse_langevin(+-1) = +-inf``.
(Gradients are promised for finite b only.) A finite value overflows to inf only where
the exact result lies beyond the dtype's range (``kl`` of biases near its largest value).

Arguments and errors: every public function checks its arguments with
:mod:`fepnet.infra.checks` and raises ``TypeError`` for None, strings, bool, complex or
object input, a ``key`` that is not a JAX PRNG key or a non-float ``dtype``, and
``ValueError`` for NaN, a finite value beyond the range of its dtype (say float64 1e39
under float32), ``sigma`` outside [-1, 1] (``log_prob``; ``cdf`` takes any sigma), ``u``
outside [0, 1] (``icdf``), ``m`` outside [-1, 1] (``inverse_langevin``), arguments
whose shapes do not broadcast together, or a ``shape`` that is not a tuple of
non-negative integers which ``b``'s shape broadcasts to (``sample``). Under
``jit`` / ``vmap`` only the dtype and shape checks run (at trace time: nothing per
call); the value checks need concrete numbers and are skipped. There, NaN gives NaN,
``u`` outside [0, 1] gives NaN (on both sides), ``m`` outside [-1, 1] gives NaN, and
``log_prob`` of sigma outside [-1, 1] is the formula b sigma - A(b). The network
kernels (``fepnet.kernels``, ``fepnet.learning``, ``free_energy_terms``) call the
unchecked forms in :mod:`fepnet.cb_math`: no check costs anything per step.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import cb_math as cbm
from .infra import checks as v

__all__ = [
    "langevin",
    "langevin_grad",
    "inverse_langevin",
    "log_normalizer",
    "entropy",
    "kl",
    "log_prob",
    "cdf",
    "icdf",
    "sample",
]


# --------------------------------------------------------------------------- #
# Public functions: argument checks (see the module docstring), then the inner function
# --------------------------------------------------------------------------- #


def _bias(b, name="b", dtype=None):
    out = v.extended_real_array(b, name, dtype=dtype)
    if dtype is None and isinstance(b, float):
        return jnp.asarray(b)  # a Python float stays weakly typed, as in jnp's own functions
    return out


def _pair(x, y, x_name, y_name):
    """Shapes that broadcast; an argument whose dtype the other promotes (say a Python float
    with a float16 array) is cast, and checked, in the common dtype."""
    common = jnp.result_type(x, y)
    x = x if x.dtype == common else v.extended_real_array(x, x_name, dtype=common)
    y = y if y.dtype == common else v.extended_real_array(y, y_name, dtype=common)
    return v.broadcastable(x, x_name, y.shape, f"{y_name}'s shape"), y


def langevin(b):
    """Mean of CB(b), the Langevin function L(b) = coth(b) - 1/b.

    Parameters
    ----------
    b : array_like of float, any shape
        Bias (natural parameter) of CB(b) on [-1, 1]; dimensionless. Any finite value, or
        +-inf (the point mass at +-1). Integer input becomes JAX's default float.

    Returns
    -------
    jax.Array, same shape as ``b``
        E[sigma] = L(b) in [-1, 1]: odd, increasing, L(0) = 0, L(+-inf) = +-1.

    Raises
    ------
    TypeError
        ``b`` is not real (None, str, bool, complex or object input).
    ValueError
        ``b`` holds NaN, or a finite value beyond the range of its dtype (checked when
        concrete; skipped under ``jit`` / ``vmap``).

    See Also
    --------
    inverse_langevin : the bias of a given mean.
    langevin_grad : its derivative, the variance.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet import cb
    >>> cb.langevin(jnp.array([0.0, -2.0, jnp.inf])).tolist()
    [0.0, -0.5373, 1.0]
    """
    return cbm.langevin(_bias(b))


def langevin_grad(b):
    """Variance of CB(b), the derivative of its mean: L'(b) = 1/b^2 - 1/sinh(b)^2.

    Parameters
    ----------
    b : array_like of float, any shape
        Bias (natural parameter) of CB(b) on [-1, 1]; dimensionless. Any finite value, or
        +-inf (the point mass at +-1). Integer input becomes JAX's default float.

    Returns
    -------
    jax.Array, same shape as ``b``
        Var[sigma] = L'(b) in (0, 1/3]: even, L'(0) = 1/3, L'(b) ~ 1/b^2 for large abs(b),
        L'(+-inf) = 0. It equals ``jax.grad(langevin)``.

    Raises
    ------
    TypeError
        ``b`` is not real (None, str, bool, complex or object input).
    ValueError
        ``b`` holds NaN, or a finite value beyond the range of its dtype (checked when
        concrete; skipped under ``jit`` / ``vmap``).

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb
    >>> cb.langevin_grad(jnp.array([0.0, 1.0, 10.0])).tolist()
    [0.3333, 0.2759, 0.01]
    >>> round(float(jax.grad(cb.langevin)(1.0)), 5)  # the same, by autodiff
    0.27594
    """
    return cbm.langevin_grad(_bias(b))


def log_normalizer(b):
    """Log normaliser of CB(b): A(b) = log(2 sinh(b) / b), with dA/db = L(b).

    The density is p(sigma | b) = exp(b sigma - A(b)) on [-1, 1]. A is even and convex,
    A(b) >= A(0) = log 2, A(b) ~ abs(b) - log abs(b) for large abs(b) and A(+-inf) = +inf.

    Parameters
    ----------
    b : array_like of float, any shape
        Bias (natural parameter) of CB(b) on [-1, 1]; dimensionless. Any finite value, or
        +-inf (the point mass at +-1). Integer input becomes JAX's default float.

    Returns
    -------
    jax.Array, same shape as ``b``
        A(b), in nats.

    Raises
    ------
    TypeError
        ``b`` is not real (None, str, bool, complex or object input).
    ValueError
        ``b`` holds NaN, or a finite value beyond the range of its dtype (checked when
        concrete; skipped under ``jit`` / ``vmap``).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet import cb
    >>> cb.log_normalizer(jnp.array([0.0, 1.0, 100.0])).tolist()
    [0.6931, 0.8546, 95.3948]
    """
    return cbm.log_normalizer(_bias(b))


def entropy(b):
    """Differential entropy of CB(b): H(b) = A(b) - b L(b).

    Even, H(b) <= H(0) = log 2 (the uniform density on [-1, 1]), H(b) ~ 1 - log abs(b) for
    large abs(b) (negative beyond abs(b) = 2.631) and H(+-inf) = -inf.

    Parameters
    ----------
    b : array_like of float, any shape
        Bias (natural parameter) of CB(b) on [-1, 1]; dimensionless. Any finite value, or
        +-inf (the point mass at +-1). Integer input becomes JAX's default float.

    Returns
    -------
    jax.Array, same shape as ``b``
        H(b), in nats.

    Raises
    ------
    TypeError
        ``b`` is not real (None, str, bool, complex or object input).
    ValueError
        ``b`` holds NaN, or a finite value beyond the range of its dtype (checked when
        concrete; skipped under ``jit`` / ``vmap``).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet import cb
    >>> cb.entropy(jnp.array([0.0, 1.0, 10.0])).tolist()
    [0.6931, 0.5416, -1.3026]
    """
    return cbm.entropy(_bias(b))


def kl(b_q, b_p):
    """Kullback-Leibler divergence KL(CB(b_q) || CB(b_p)) = (b_q - b_p) L(b_q) - A(b_q) + A(b_p).

    The Bregman divergence of A: non-negative, zero only at b_q = b_p, and
    O((b_q - b_p)^2) near it. For abs(b_q) >= 0.5 it is computed as
    A(b_p) - b_p L(b_q) - H(b_q) without the O(abs(b)) terms that cancel (see the module
    docstring), so large biases keep full relative accuracy (``kl(1e30, 0)`` =
    log(1e30) - 1 + log 2); when both abs(b) < 0.5 its absolute error is about
    eps (abs(A(b_q)) + abs(A(b_p))). Between infinite biases: 0 when equal, +inf otherwise.

    Parameters
    ----------
    b_q : array_like of float
        Bias of the first argument q.
    b_p : array_like of float
        Bias of the reference p; broadcasts with ``b_q``.

    Returns
    -------
    jax.Array, the broadcast shape of ``b_q`` and ``b_p``
        KL in nats, >= 0.

    Raises
    ------
    TypeError
        ``b_q`` or ``b_p`` is not real.
    ValueError
        NaN or a value beyond the range of the dtype (when concrete), or shapes that do
        not broadcast.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet import cb
    >>> cb.kl(jnp.array([0.0, 1.0, 2.0]), 0.0).tolist()
    [0.0, 0.1516, 0.4794]
    >>> round(float(cb.kl(1e30, 0.0)), 2)
    68.77
    """
    return cbm.kl_compiled(*_pair(_bias(b_q, "b_q"), _bias(b_p, "b_p"), "b_q", "b_p"))


def log_prob(sigma, b):
    """Log density of CB(b) on [-1, 1]: log p(sigma | b) = b sigma - A(b).

    Parameters
    ----------
    sigma : array_like of float
        Node states in [-1, 1].
    b : array_like of float
        Bias; broadcasts with ``sigma``. At b = +-inf the result is +inf at sigma = +-1
        and -inf elsewhere (the point mass).

    Returns
    -------
    jax.Array, the broadcast shape of ``sigma`` and ``b``
        log p(sigma | b), in nats (a density on [-1, 1]: exp integrates to 1 over it).

    Raises
    ------
    TypeError
        ``sigma`` or ``b`` is not real.
    ValueError
        When concrete: ``sigma`` outside [-1, 1], NaN in either, a value beyond the
        range of the dtype; or shapes that do not broadcast. (Under ``jit`` sigma outside
        [-1, 1] gives the formula b sigma - A(b).)

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet import cb
    >>> cb.log_prob(jnp.array([-1.0, 0.0, 1.0]), 2.0).tolist()
    [-3.2884, -1.2884, 0.7116]
    >>> cb.log_prob(jnp.array([-1.0, 0.0, 1.0]), 0.0).tolist()  # uniform: log(1/2)
    [-0.6931, -0.6931, -0.6931]
    """
    sigma = v.in_interval(_bias(sigma, "sigma"), "sigma", -1.0, 1.0)
    return cbm.log_prob(*_pair(sigma, _bias(b), "sigma", "b"))


def cdf(sigma, b):
    """Cumulative distribution function of CB(b): F(sigma | b) = expm1(b (sigma + 1)) / expm1(2 b).

    Evaluated without overflow for any b; F = (sigma + 1) / 2 at b = 0. Near b = 0
    (abs(b) < 0.1 in float32, 1e-4 in float64) it is the ratio of the two series
    sum_k (b y)^k / (k+1)! and sum_k (2b)^k / (k+1)!, times y / 2 (y = sigma + 1), so that
    its derivative in b stays accurate. At b = +-inf it is the step of the point mass at +-1.

    Parameters
    ----------
    sigma : array_like of float
        Where to evaluate; any real or infinite value (0 below -1, 1 above 1).
    b : array_like of float
        Bias; broadcasts with ``sigma``.

    Returns
    -------
    jax.Array, the broadcast shape of ``sigma`` and ``b``
        P(S <= sigma) in [0, 1].

    Raises
    ------
    TypeError
        ``sigma`` or ``b`` is not real.
    ValueError
        NaN or a value beyond the range of the dtype (when concrete), or shapes that do
        not broadcast.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet import cb
    >>> cb.cdf(jnp.array([-1.0, 0.0, 0.5]), 0.0).tolist()
    [0.0, 0.5, 0.75]
    >>> cb.cdf(jnp.array([-1.0, 0.0, 0.5]), 3.0).tolist()
    [0.0, 0.0474, 0.2212]
    """
    return cbm.cdf(*_pair(_bias(sigma, "sigma"), _bias(b), "sigma", "b"))


def icdf(u, b):
    """Quantile function of CB(b): for b > 0, sigma = 1 + log(u + (1 - u) exp(-2b)) / b.

    Mirrored for b < 0 (sigma(b, u) = -sigma(-b, 1 - u)); sigma = 2u - 1 at b = 0 and
    +-1 at b = +-inf. Monotone in ``u``, always in [-1, 1] and differentiable in ``b``: the
    reparameterisation used by :func:`sample`. Near b = 0 it uses the series
    sigma = 1 + sum_n kappa_n (-2)^n b^(n-1) / n!, kappa_n the cumulants of a
    Bernoulli(1 - u) variable (so that its derivative in b stays accurate). For b > 0
    it works with 1 - u, so u below the float resolution of 1 - u (about 1e-16, or
    6e-8 in float32) is rounded.

    Parameters
    ----------
    u : array_like of float
        Probabilities in [0, 1].
    b : array_like of float
        Bias; broadcasts with ``u``.

    Returns
    -------
    jax.Array, the broadcast shape of ``u`` and ``b``
        sigma in [-1, 1] with F(sigma | b) = u. Under ``jit``, ``u`` outside [0, 1] gives NaN.

    Raises
    ------
    TypeError
        ``u`` or ``b`` is not real.
    ValueError
        When concrete: ``u`` outside [0, 1] or NaN, NaN in ``b``, a value beyond the
        range of the dtype; or shapes that do not broadcast.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet import cb
    >>> cb.icdf(jnp.array([0.0, 0.5, 1.0]), 0.0).tolist()
    [-1.0, 0.0, 1.0]
    >>> cb.cdf(cb.icdf(jnp.array([0.1, 0.3, 0.9]), 2.0), 2.0).tolist()
    [0.1, 0.3, 0.9]
    """
    u = v.in_interval(_bias(u, "u"), "u", 0.0, 1.0)
    return cbm.icdf(*_pair(u, _bias(b), "u", "b"))


def sample(key, b, shape=None, dtype=None):
    """Exact, reparameterised draws sigma ~ CB(b) on [-1, 1]: sigma = icdf(u, b), u ~ U(0, 1).

    Every draw gets its own uniform from ``jax.random.uniform(key, shape, dtype)``;
    the draws are differentiable in ``b`` (through :func:`icdf`).

    Parameters
    ----------
    key : jax.Array
        A JAX PRNG key (``jax.random.key(0)`` or a legacy ``jax.random.PRNGKey``).
    b : array_like of float
        Biases.
    shape : tuple of int, optional
        Shape of the draws; ``b``'s shape must broadcast to it. Default ``b.shape``.
    dtype : floating dtype, optional
        Dtype of the draws; default the floating dtype of ``b``.

    Returns
    -------
    jax.Array of shape ``shape``
        Draws in [-1, 1].

    Raises
    ------
    TypeError
        ``key`` is not a JAX PRNG key, ``b`` is not real, ``shape`` is not a sequence
        of integers, or ``dtype`` is not a floating dtype.
    ValueError
        NaN or a value beyond the range of the dtype in ``b`` (when concrete), a negative
        size in ``shape``, or a ``shape`` that ``b`` does not broadcast to.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb
    >>> x = cb.sample(jax.random.key(0), jnp.full((3,), 2.0), shape=(4000, 3))
    >>> x.shape, bool(jnp.all(jnp.abs(x) <= 1))
    ((4000, 3), True)
    >>> abs(float(x.mean()) - float(cb.langevin(2.0))) < 0.02  # the sample mean is close to L(2) = 0.537
    True
    """
    key = v.prng_key(key, "key")
    b = _bias(b, dtype=None if dtype is None else v.float_dtype(dtype, "dtype"))
    if shape is None:
        shape = b.shape
    else:
        if not isinstance(shape, (tuple, list)):
            raise TypeError(f"shape must be a tuple of non-negative integers, got {shape!r}")
        shape = tuple(v.count(n, "shape") for n in shape)
        try:
            ok = np.broadcast_shapes(b.shape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"shape {shape} must be one that b's shape {tuple(b.shape)} broadcasts to")
    return cbm.sample(key, b, shape)


def inverse_langevin(m):
    """Inverse of the mean map: the bias b with L(b) = m, for m in [-1, 1].

    Newton refinement of Cohen's Pade start b0 = m (3 - m^2) / (1 - m^2), with the
    residual taken in 1 - m for abs(m) >= 0.5 so that m = 1 - 1e-9 is still exact to
    round-off. Odd; +-inf at m = +-1. Its derivative is db/dm = 1 / L'(b) (a custom JVP).

    Parameters
    ----------
    m : array_like of float
        Means in [-1, 1].

    Returns
    -------
    jax.Array, same shape as ``m``
        b = L^{-1}(m). Under ``jit``, ``m`` outside [-1, 1] gives NaN.

    Raises
    ------
    TypeError
        ``m`` is not real.
    ValueError
        ``m`` outside [-1, 1] or NaN (when concrete), or a value beyond the range of the dtype.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet import cb
    >>> b = cb.inverse_langevin(jnp.array([0.5, -0.9, 1.0]))
    >>> b.tolist()
    [1.7968, -10.0, inf]
    >>> cb.langevin(b).tolist()
    [0.5, -0.9, 1.0]
    """
    return cbm.inverse_langevin(cbm.as_float(v.in_interval(_bias(m, "m"), "m", -1.0, 1.0)))
