"""The continuous Bernoulli (CB) distribution on [-1, 1], parameterised by its bias.

A node state ``sigma`` in [-1, 1] with bias (natural parameter) ``b`` has density

    p(sigma | b) = b / (2 sinh b) * exp(b * sigma)          (b = 0: uniform, 1/2)

and

    log normaliser  A(b)  = log(2 sinh(b) / b)               A(0) = log 2
    mean            L(b)  = coth(b) - 1/b   (Langevin)       L(0) = 0
    variance        L'(b) = 1/b^2 - 1/sinh(b)^2              L'(0) = 1/3
    entropy         H(b)  = A(b) - b L(b)
    KL(CB(q)||CB(p))      = (q - p) L(q) - A(q) + A(p)

Every function is elementwise, jittable, vmappable and differentiable, works in
float32 and float64 (the dtype of the input; JAX's default float for integer input), and is
finite for every finite ``b`` including exactly 0 and |b| in the thousands.

Numerics: for |b| < 0.5 each function is evaluated from its Taylor series
(coefficients 2^(2n) B_2n / (2n)! from the Bernoulli numbers, truncated where
the next term is below float64 round-off); for |b| >= 0.5 from closed forms
written in ``x = exp(-2|b|)``, which never overflow. The two branches are
combined with the "double where" idiom, so gradients are finite everywhere and
equal the analytic derivatives (grad of ``langevin`` is ``langevin_grad``).

Relation to the [0, 1] continuous Bernoulli of torch / TFP: ``y = (sigma + 1) / 2``
has logits ``2 b``.
"""

from __future__ import annotations

import math
from fractions import Fraction

import jax
import jax.numpy as jnp

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

# |b| below this uses the series; above it the closed forms lose at most ~12x
# round-off to cancellation (their worst case, at the switch point).
_SERIES_MAX = 0.5


def _small_bias_limit(dtype) -> float:
    """|b| below which cdf / icdf use a short series in b.

    Their closed forms are accurate in value, but their derivatives in b cancel
    like eps / |b|; the series (truncation ~ (|b| / (pi/2))^6) takes over where
    that cancellation would cost more than ~1e-6 absolute (float32) or
    ~1e-12 (float64); the series' truncation error there is below ~1e-8.
    """
    return 0.1 if jnp.finfo(dtype).eps > 1e-10 else 1e-4
# Series terms: the ratio of consecutive terms tends to (b / pi)^2, so 11 terms
# at |b| = 0.5 leave a relative truncation error of about (0.5 / pi)^22 ~ 1e-18.
_N_TERMS = 11


def _bernoulli_numbers(n: int) -> list[Fraction]:
    """B_0 .. B_n (with B_1 = -1/2) by the standard recurrence, exactly."""
    numbers = [Fraction(1)]
    for m in range(1, n + 1):
        acc = sum(math.comb(m + 1, k) * numbers[k] for k in range(m))
        numbers.append(-acc / (m + 1))
    return numbers


def _langevin_coefficients(n_terms: int) -> tuple[float, ...]:
    """c_n with L(b) = sum_{n>=1} c_n b^(2n-1), c_n = 2^(2n) B_2n / (2n)!."""
    bern = _bernoulli_numbers(2 * n_terms)
    return tuple(
        float(Fraction(4**n) * bern[2 * n] / math.factorial(2 * n))
        for n in range(1, n_terms + 1)
    )


_C = _langevin_coefficients(_N_TERMS)
# Series in z = b^2 for each function (lowest order first).
_MEAN_SERIES = _C  # L(b)  = b * sum c_n z^(n-1)
_VAR_SERIES = tuple(c * (2 * n - 1) for n, c in enumerate(_C, start=1))  # L'(b)
_LOGNORM_SERIES = tuple(c / (2 * n) for n, c in enumerate(_C, start=1))  # (A - log 2) / z
_ENTROPY_SERIES = tuple(c * (1 - 1 / (2 * n)) for n, c in enumerate(_C, start=1))  # (log 2 - H) / z

_LOG2 = math.log(2.0)

# H(b) crosses zero at |b| = a0 ~ 2.6310; there its closed form cancels to
# nothing, so within |(|b| - a0)| < 0.25 it is evaluated from its Taylor series
# in d = |b| - a0 instead, with d formed exactly (a0 split into a float32 head
# and two small tails). Coefficients h_1..h_14 (h_0 = 0) computed with mpmath at 60
# digits; the truncation error in the window is below 1e-17 relative.
_ENTROPY_ROOT_HI = 2.631037950515747  # exactly representable in float32
_ENTROPY_ROOT_LO = -5.364198986643584e-08
_ENTROPY_ROOT_LO2 = 2.266629498847409e-24
_ENTROPY_ROOT_WINDOW = 0.25
_ENTROPY_ROOT_SERIES = (
    -0.32494515257810280187,
    0.026999472187533221282,
    0.0054931715004943059179,
    -0.0037126802687709441641,
    0.00094309612940537599064,
    -0.000074239661467169222591,
    -0.000036779492003142473544,
    0.000016566259533182749513,
    -2.9576231188697153479e-6,
    -9.3015032824327402412e-8,
    2.10485511956754269e-7,
    -6.0256538898411621658e-8,
    6.1081692577416907357e-9,
    1.7246664802337741049e-9,
)


def _as_float(x):
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    return x


def _horner(coefficients, z):
    out = jnp.zeros_like(z) + coefficients[-1]
    for c in reversed(coefficients[:-1]):
        out = out * z + c
    return out


def _split(b):
    """(small mask, b for the series branch, |b| for the closed-form branch, x = exp(-2|b|))."""
    small = jnp.abs(b) < _SERIES_MAX
    b_small = jnp.where(small, b, jnp.zeros_like(b))
    a = jnp.where(small, jnp.ones_like(b), jnp.abs(b))
    return small, b_small, a, jnp.exp(-2.0 * a)


def langevin(b):
    """Mean of CB(b): L(b) = coth(b) - 1/b, odd, L(0) = 0, L(+-inf) = +-1."""
    b = _as_float(b)
    small, bs, a, x = _split(b)
    series = bs * _horner(_MEAN_SERIES, bs * bs)
    # coth(a) - 1/a = 1 + 2x / (1 - x) - 1/a, with 1 - x = -expm1(-2a).
    closed = 1.0 - 1.0 / a - 2.0 * x / jnp.expm1(-2.0 * a)
    return jnp.where(small, series, jnp.sign(b) * closed)


def langevin_grad(b):
    """Variance of CB(b), the derivative of the mean: L'(b) = 1/b^2 - 1/sinh(b)^2, L'(0) = 1/3."""
    b = _as_float(b)
    small, bs, a, x = _split(b)
    series = _horner(_VAR_SERIES, bs * bs)
    closed = 1.0 / (a * a) - 4.0 * x / jnp.square(jnp.expm1(-2.0 * a))
    return jnp.where(small, series, closed)


def log_normalizer(b):
    """Log normaliser A(b) = log(2 sinh(b) / b) (even, A(0) = log 2); dA/db = L(b)."""
    b = _as_float(b)
    small, bs, a, x = _split(b)
    z = bs * bs
    series = _LOG2 + z * _horner(_LOGNORM_SERIES, z)
    closed = a + jnp.log1p(-x) - jnp.log(a)
    return jnp.where(small, series, closed)


def entropy(b):
    """Differential entropy H(b) = A(b) - b L(b) (even, H(0) = log 2, H ~ 1 - log|b| for large |b|)."""
    b = _as_float(b)
    small, bs, a, x = _split(b)
    z = bs * bs
    series = _LOG2 - z * _horner(_ENTROPY_SERIES, z)
    # a x underflows to 0 long before a is huge; the cap keeps a x and its
    # derivative free of inf * 0 at the largest floats.
    ax = jnp.minimum(a, 1e6) * x
    closed = 1.0 - jnp.log(a) + jnp.log1p(-x) + 2.0 * ax / jnp.expm1(-2.0 * a)
    # The barrier stops XLA from folding the two constants into one (inexact) one.
    d = jax.lax.optimization_barrier(jax.lax.optimization_barrier(a - _ENTROPY_ROOT_HI) - _ENTROPY_ROOT_LO)
    d = d - _ENTROPY_ROOT_LO2
    near_root = jnp.abs(d) < _ENTROPY_ROOT_WINDOW
    d = jnp.where(near_root, d, jnp.zeros_like(d))
    at_root = d * _horner(_ENTROPY_ROOT_SERIES, d)
    return jnp.where(small, series, jnp.where(near_root, at_root, closed))


def kl(b_q, b_p):
    """KL(CB(b_q) || CB(b_p)) = (b_q - b_p) L(b_q) - A(b_q) + A(b_p) >= 0.

    The Bregman divergence of A; when b_q is close to b_p its absolute error is
    about machine epsilon times |A(b_q)| + |A(b_p)| (the value itself is O((b_q - b_p)^2)).
    """
    b_q, b_p = jnp.broadcast_arrays(_as_float(b_q), _as_float(b_p))
    return (b_q - b_p) * langevin(b_q) - log_normalizer(b_q) + log_normalizer(b_p)


def log_prob(sigma, b):
    """log p(sigma | b) = b sigma - A(b) for sigma in [-1, 1]."""
    sigma, b = jnp.broadcast_arrays(_as_float(sigma), _as_float(b))
    return b * sigma - log_normalizer(b)


def cdf(sigma, b):
    """CDF F(sigma | b) = expm1(b (sigma + 1)) / expm1(2 b), evaluated without overflow.

    Near b = 0 (see ``_small_bias_limit``) it is the ratio of the two series
    sum_k (b y)^k / (k+1)! and sum_k (2b)^k / (k+1)!, times y / 2 (y = sigma + 1).
    """
    sigma, b = jnp.broadcast_arrays(_as_float(sigma), _as_float(b))
    y = jnp.clip(sigma, -1.0, 1.0) + 1.0
    small = jnp.abs(b) < _small_bias_limit(b.dtype)
    a = jnp.where(small, jnp.ones_like(b), jnp.abs(b))
    ratio = jnp.expm1(-a * y) / jnp.expm1(-2.0 * a)  # exact for b < 0
    closed = jnp.where(b > 0, jnp.exp(a * (y - 2.0)) * ratio, ratio)
    bs = jnp.where(small, b, jnp.zeros_like(b))
    exp_series = (1.0, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320)  # (e^z - 1) / z
    series = 0.5 * y * _horner(exp_series, bs * y) / _horner(exp_series, 2.0 * bs)
    return jnp.clip(jnp.where(small, series, closed), 0.0, 1.0)


def icdf(u, b):
    """Quantile function: for b > 0, sigma = 1 + log(u + (1 - u) exp(-2b)) / b; mirrored for b < 0.

    Monotone in ``u`` in [0, 1], always in [-1, 1], differentiable in ``b``
    (the reparameterisation used by :func:`sample`). Near b = 0 it uses the
    series sigma = 1 + sum_n kappa_n (-2)^n b^(n-1) / n!, kappa_n the cumulants
    of a Bernoulli(1 - u) variable (so that its derivative in b stays accurate).
    For b > 0 it works with 1 - u, so u below the float resolution of 1 - u
    (about 1e-16, or 6e-8 in float32) is rounded; uniforms from ``sample`` are
    multiples of that resolution.
    """
    u, b = jnp.broadcast_arrays(_as_float(u), _as_float(b))
    positive = b >= 0
    small = jnp.abs(b) < _small_bias_limit(b.dtype)
    a = jnp.where(small, jnp.ones_like(b), jnp.abs(b))
    # For b >= 0 the mass above sigma is t = 1 - u; the b < 0 case is the mirror
    # image sigma(b, u) = -sigma(|b|, 1 - u).
    t = jnp.where(positive, 1.0 - u, u)
    closed = 1.0 + jnp.log1p(t * jnp.expm1(-2.0 * a)) / a
    closed = jnp.where(positive, closed, -closed)
    # Series (valid for either sign of b): with w = 2u - 1, v = u (1 - u) the
    # cumulants of Bernoulli(t = 1 - u) are kappa_1 = t, kappa_2 = v, kappa_3 = v w,
    # kappa_4 = v (1 - 6v), kappa_5 = v w (1 - 12 v), kappa_6 = v (1 - 30 v + 120 v^2).
    bs = jnp.where(small, b, jnp.zeros_like(b))
    w = 2.0 * u - 1.0
    v = u * (1.0 - u)
    tail = _horner(
        (1.0, -(2.0 / 3.0) * w, (1.0 - 6.0 * v) / 3.0, -(2.0 / 15.0) * w * (1.0 - 12.0 * v),
         (2.0 / 45.0) * (1.0 - 30.0 * v + 120.0 * v * v)),
        bs,
    )
    series = w + 2.0 * v * bs * tail
    return jnp.clip(jnp.where(small, series, closed), -1.0, 1.0)


def sample(key, b, shape=None, dtype=None):
    """Exact, reparameterised draws sigma ~ CB(b) by the inverse CDF.

    ``shape`` defaults to ``b.shape`` and must broadcast with it; ``dtype``
    defaults to the floating dtype of ``b``.
    """
    b = _as_float(b)
    if dtype is not None:
        b = b.astype(dtype)
    shape = b.shape if shape is None else tuple(shape)
    u = jax.random.uniform(key, shape, dtype=b.dtype)
    return icdf(u, b)


def _inverse_langevin_newton(m, n_iter):
    a = jnp.abs(m)
    one_minus_a = 1.0 - a
    inside = a < 1.0
    a_safe = jnp.where(inside, a, jnp.zeros_like(a))
    om_safe = jnp.where(inside, one_minus_a, jnp.ones_like(a))
    # Cohen's Pade approximant as the starting point (a few % off at worst).
    b = a_safe * (3.0 - a_safe * a_safe) / (om_safe * (1.0 + a_safe))
    near_one = a_safe >= 0.5

    def residual(b):
        # L(b) - a; for a >= 0.5 (b >= ~1.6) as (1 - a) - (1 - L(b)) so that
        # means within 1e-9 of 1 keep their relative precision.
        bb = jnp.where(near_one, b, jnp.ones_like(b))
        x = jnp.exp(-2.0 * bb)
        one_minus_l = 1.0 / bb + 2.0 * x / jnp.expm1(-2.0 * bb)
        return jnp.where(near_one, om_safe - one_minus_l, langevin(b) - a_safe)

    for _ in range(n_iter):
        b = jnp.maximum(b - residual(b) / langevin_grad(b), 0.0)
    b = jnp.sign(m) * b
    return jnp.where(inside, b, jnp.where(a == 1.0, jnp.sign(m) * jnp.inf, jnp.nan))


@jax.custom_jvp
def _inverse_langevin(m):
    return _inverse_langevin_newton(m, 8)


@_inverse_langevin.defjvp
def _inverse_langevin_jvp(primals, tangents):
    (m,), (dm,) = primals, tangents
    b = _inverse_langevin(m)
    return b, dm / langevin_grad(b)


def inverse_langevin(m):
    """Inverse of the mean map: the bias b with L(b) = m, for m in (-1, 1).

    Newton refinement of the Pade start m (3 - m^2) / (1 - m^2), with the
    residual taken in 1 - m for |m| >= 0.5 so that m = 1 - 1e-9 is still exact
    to round-off. Returns +-inf at m = +-1 and NaN outside [-1, 1].
    Derivative: db/dm = 1 / L'(b).
    """
    return _inverse_langevin(_as_float(m))
