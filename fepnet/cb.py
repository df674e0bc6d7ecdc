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
finite for every finite ``b``, from exactly 0 up to the largest float (but see ``kl`` below).

Numerics: for |b| < 0.5 each function is evaluated from its Taylor series
(coefficients 2^(2n) B_2n / (2n)! from the Bernoulli numbers, truncated where
the next term is below float64 round-off); for |b| >= 0.5 from closed forms
written in ``x = exp(-2|b|)``, which never overflow. The two branches are
combined with the "double where" idiom, so gradients are finite everywhere and
equal the analytic derivatives (grad of ``langevin`` is ``langevin_grad``).

Relation to the [0, 1] continuous Bernoulli of torch / TFP: ``y = (sigma + 1) / 2``
has logits ``2 b``.

``kl`` cancels the terms of order |b| analytically: for |b_q| >= 0.5 it is
A(b_p) - b_p L(b_q) - H(b_q), with the entropy's stable form, and when b_p is of the
same sign and |b_p| >= 0.5 the O(|b_p|) terms are cancelled too (in r = b_p / b_q,
with r - 1 - log r from a series near r = 1). So its error does not grow with |b|:
``kl(1e30, 0)`` = log(1e30) - 1 + log 2 = 68.77 to round-off, and for large biases its
relative error is at round-off; when both |b| < 0.5 its error is absolute, about
eps (|A(b_q)| + |A(b_p)|).

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
unchecked inner functions (``_langevin``, ``_icdf``, ...): no check costs anything per step.
"""

from __future__ import annotations

import math
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np

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


# --------------------------------------------------------------------------- #
# Inner functions: unchecked, what jitted code (the network kernels) calls
# --------------------------------------------------------------------------- #


def _langevin(b):
    b = _as_float(b)
    small, bs, a, x = _split(b)
    series = bs * _horner(_MEAN_SERIES, bs * bs)
    # coth(a) - 1/a = 1 + 2x / (1 - x) - 1/a, with 1 - x = -expm1(-2a).
    closed = 1.0 - 1.0 / a - 2.0 * x / jnp.expm1(-2.0 * a)
    return jnp.where(small, series, jnp.sign(b) * closed)


def _langevin_grad(b):
    b = _as_float(b)
    small, bs, a, x = _split(b)
    series = _horner(_VAR_SERIES, bs * bs)
    closed = 1.0 / (a * a) - 4.0 * x / jnp.square(jnp.expm1(-2.0 * a))
    return jnp.where(small, series, closed)


def _log_normalizer(b):
    b = _as_float(b)
    small, bs, a, x = _split(b)
    z = bs * bs
    series = _LOG2 + z * _horner(_LOGNORM_SERIES, z)
    closed = jnp.where(jnp.isinf(a), a, a + jnp.log1p(-x) - jnp.log(a))  # A(+-inf) = +inf, not inf - inf
    return jnp.where(small, series, closed)


def _entropy(b):
    b = _as_float(b)
    small, bs, a, x = _split(b)
    z = bs * bs
    series = _LOG2 - z * _horner(_ENTROPY_SERIES, z)
    # a x underflows to 0 long before a is huge; the cap keeps a x and its
    # derivative free of inf * 0 at the largest floats.
    ax = jnp.minimum(a, min(1e6, float(jnp.finfo(a.dtype).max))) * x  # (1e6 is inf in float16)
    closed = 1.0 - jnp.log(a) + jnp.log1p(-x) + 2.0 * ax / jnp.expm1(-2.0 * a)
    # The barrier stops XLA from folding the two constants into one (inexact) one.
    d = jax.lax.optimization_barrier(jax.lax.optimization_barrier(a - _ENTROPY_ROOT_HI) - _ENTROPY_ROOT_LO)
    d = d - _ENTROPY_ROOT_LO2
    near_root = jnp.abs(d) < _ENTROPY_ROOT_WINDOW
    d = jnp.where(near_root, d, jnp.zeros_like(d))
    at_root = d * _horner(_ENTROPY_ROOT_SERIES, d)
    return jnp.where(small, series, jnp.where(near_root, at_root, closed))


# f = r - 1 - log r = d - log1p(d) = z (d - 2 z^2 S(z^2)), d = r - 1, z = d / (2 + d),
# S(w) = sum_k w^k / (2k + 3) (from log1p(d) = 2 atanh(z)); used for |d| < 0.1, where
# |z| < 0.053 and 7 terms reach float64 round-off; above it r - 1 - log r loses at most ~40 ulp.
_F_SERIES = tuple(1.0 / (2 * k + 3) for k in range(7))
_F_SWITCH = 0.1


def _kl(b_q, b_p):
    b_q, b_p = jnp.broadcast_arrays(_as_float(b_q), _as_float(b_p))
    near = jnp.abs(b_q) < _SERIES_MAX
    direct = (b_q - b_p) * _langevin(b_q) - _log_normalizer(b_q) + _log_normalizer(b_p)
    # |b_q| >= 0.5: KL = A(b_p) - b_p L(b_q) - H(b_q), with the entropy's stable form in
    # place of b_q L(b_q) - A(b_q), whose O(|b_q|) terms cancel. When b_p is also >= 0.5
    # in size and of the same sign, A(b_p) - b_p L(b_q) cancels too; with s = sign(b_q),
    # x = exp(-2|b_q|), g = 2x / (1 - x) (so L(b_q) = s (1 + g) - 1/b_q) and r = b_p / b_q,
    #   KL = (r - 1 - log r) + (|b_q| - |b_p|) g + log1p(-x_p) - log1p(-x)        (r <= 2)
    #      = |b_p| (1/|b_q| - g) - (1 - |b_q| g) - log r + log1p(-x_p) - log1p(-x)
    # (the second, for r > 2, free of overflow up to the largest floats).
    finite = jnp.isfinite(b_q) & jnp.isfinite(b_p)
    q = jnp.where(near | ~finite, jnp.ones_like(b_q), b_q)
    p = jnp.where(finite, b_p, jnp.ones_like(b_p))
    general = _log_normalizer(p) - p * _langevin(q) - _entropy(q)
    aq = jnp.abs(q)
    same = (jnp.abs(p) >= _SERIES_MAX) & (jnp.sign(p) == jnp.sign(q))
    ap = jnp.where(same, jnp.abs(p), aq)
    x = jnp.exp(-2.0 * aq)
    g = -2.0 * x / jnp.expm1(-2.0 * aq)
    edges = jnp.log1p(-jnp.exp(-2.0 * ap)) - jnp.log1p(-x)
    close = ap <= 2.0 * aq
    apc = jnp.where(close, ap, aq)
    d = (apc - aq) / aq  # apc - aq is exact near apc = aq
    tiny = jnp.abs(d) < _F_SWITCH
    ds = jnp.where(tiny, d, jnp.zeros_like(d))
    z = ds / (2.0 + ds)
    r = jnp.where(tiny, jnp.full_like(aq, 2.0), apc / aq)  # r itself, not 1 + d: r may be tiny
    normal = r >= 1e-30  # below, r may be subnormal (and flushed to 0): log r from the logs
    log_r = jnp.where(normal, jnp.log(jnp.where(normal, r, jnp.ones_like(r))), jnp.log(apc) - jnp.log(aq))
    f = jnp.where(tiny, z * (ds - 2.0 * z * z * _horner(_F_SERIES, z * z)), (r - 1.0) - log_r)
    # ap (1/aq - g) and log r, without overflow for aq < 1 nor a subnormal 1/aq near the largest float
    big = aq >= 1.0
    r_far = ap / jnp.maximum(aq, 1.0)
    lead = jnp.where(big, r_far - ap * g, ap * (1.0 / aq - g))
    far_apart = lead - (1.0 - aq * g) - jnp.where(big, jnp.log(r_far), jnp.log(ap) - jnp.log(aq))
    same_sign = jnp.where(close, f + (aq - ap) * g, far_apart) + edges
    out = jnp.where(near, direct, jnp.where(same, same_sign, general))
    out = jnp.where(out < 0, jnp.zeros_like(out), out)  # KL >= 0 (round-off near b_q = b_p)
    # Infinite biases (point masses at +-1): 0 between equal ones, +inf otherwise.
    return jnp.where(finite, out, jnp.where(b_q == b_p, jnp.zeros_like(out), jnp.full_like(out, jnp.inf)))


# One compiled program (eager, its many branches would cost one dispatch each), so that
# eager and jitted calls agree bit for bit.
_kl_compiled = jax.jit(_kl)


def _log_prob(sigma, b):
    sigma, b = jnp.broadcast_arrays(_as_float(sigma), _as_float(b))
    out = b * sigma - _log_normalizer(b)
    return jnp.where(jnp.isinf(b), jnp.where(sigma == jnp.sign(b), jnp.inf, -jnp.inf), out)


def _cdf(sigma, b):
    sigma, b = jnp.broadcast_arrays(_as_float(sigma), _as_float(b))
    y = jnp.clip(sigma, -1.0, 1.0) + 1.0
    small = jnp.abs(b) < _small_bias_limit(b.dtype)
    a = jnp.where(small, jnp.ones_like(b), jnp.abs(b))
    ratio = jnp.expm1(-a * y) / jnp.expm1(-2.0 * a)  # exact for b < 0
    closed = jnp.where(b > 0, jnp.exp(a * (y - 2.0)) * ratio, ratio)
    bs = jnp.where(small, b, jnp.zeros_like(b))
    exp_series = (1.0, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320)  # (e^z - 1) / z
    series = 0.5 * y * _horner(exp_series, bs * y) / _horner(exp_series, 2.0 * bs)
    out = jnp.clip(jnp.where(small, series, closed), 0.0, 1.0)
    # b = +-inf: the step of the point mass at +-1 (NaN sigma stays NaN).
    step = jnp.where(sigma >= jnp.sign(b), 1.0, jnp.where(sigma < jnp.sign(b), 0.0, sigma))
    return jnp.where(jnp.isinf(b), step.astype(out.dtype), out)


def _icdf(u, b):
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
    out = jnp.where(jnp.isinf(b), jnp.sign(b), jnp.clip(jnp.where(small, series, closed), -1.0, 1.0))
    return jnp.where((u >= 0.0) & (u <= 1.0), out, jnp.full_like(out, jnp.nan))  # u outside [0, 1]: NaN


def _sample(key, b, shape):
    return _icdf(jax.random.uniform(key, shape, dtype=b.dtype), b)


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
    """Mean of CB(b): L(b) = coth(b) - 1/b, odd, L(0) = 0, L(+-inf) = +-1.

    Raises
    ------
    TypeError
        ``b`` is not real (None, str, bool, complex, object).
    ValueError
        ``b`` holds NaN or a finite value beyond the range of its dtype (when concrete).
    """
    return _langevin(_bias(b))


def langevin_grad(b):
    """Variance of CB(b), the derivative of the mean: L'(b) = 1/b^2 - 1/sinh(b)^2, L'(0) = 1/3.

    Raises: as :func:`langevin`.
    """
    return _langevin_grad(_bias(b))


def log_normalizer(b):
    """Log normaliser A(b) = log(2 sinh(b) / b) (even, A(0) = log 2, A(+-inf) = +inf); dA/db = L(b).

    A(b) >= log 2, and A(b) ~ |b| - log|b| for large |b|. Raises: as :func:`langevin`.
    """
    return _log_normalizer(_bias(b))


def entropy(b):
    """Differential entropy H(b) = A(b) - b L(b) (even, H(0) = log 2, H ~ 1 - log|b| for large |b|).

    H(b) <= log 2; H(+-inf) = -inf. Raises: as :func:`langevin`.
    """
    return _entropy(_bias(b))


def kl(b_q, b_p):
    """KL(CB(b_q) || CB(b_p)) = (b_q - b_p) L(b_q) - A(b_q) + A(b_p) >= 0.

    The Bregman divergence of A; when b_q is close to b_p its absolute error is
    about machine epsilon times |A(b_q)| + |A(b_p)| (the value itself is O((b_q - b_p)^2)),
    and for |b_q| >= 0.5 it is computed without the O(|b|) terms that cancel (see the
    module docstring), so large biases keep full relative accuracy.

    Raises
    ------
    TypeError
        ``b_q`` or ``b_p`` is not real.
    ValueError
        NaN or overflow on the dtype cast (when concrete), or shapes that do not broadcast.
    """
    return _kl_compiled(*_pair(_bias(b_q, "b_q"), _bias(b_p, "b_p"), "b_q", "b_p"))


def log_prob(sigma, b):
    """log p(sigma | b) = b sigma - A(b) for sigma in [-1, 1].

    Raises
    ------
    TypeError
        ``sigma`` or ``b`` is not real.
    ValueError
        When concrete: ``sigma`` outside [-1, 1], NaN in either, overflow on the dtype
        cast; or shapes that do not broadcast.
    """
    sigma = v.in_interval(_bias(sigma, "sigma"), "sigma", -1.0, 1.0)
    return _log_prob(*_pair(sigma, _bias(b), "sigma", "b"))


def cdf(sigma, b):
    """CDF F(sigma | b) = expm1(b (sigma + 1)) / expm1(2 b), evaluated without overflow.

    0 below -1 and 1 above 1 (any real or infinite ``sigma`` is accepted). Near b = 0
    (see ``_small_bias_limit``) it is the ratio of the two series
    sum_k (b y)^k / (k+1)! and sum_k (2b)^k / (k+1)!, times y / 2 (y = sigma + 1).

    Raises: as :func:`kl` (for ``sigma`` and ``b``).
    """
    return _cdf(*_pair(_bias(sigma, "sigma"), _bias(b), "sigma", "b"))


def icdf(u, b):
    """Quantile function: for b > 0, sigma = 1 + log(u + (1 - u) exp(-2b)) / b; mirrored for b < 0.

    Monotone in ``u`` in [0, 1], always in [-1, 1], differentiable in ``b``
    (the reparameterisation used by :func:`sample`). Near b = 0 it uses the
    series sigma = 1 + sum_n kappa_n (-2)^n b^(n-1) / n!, kappa_n the cumulants
    of a Bernoulli(1 - u) variable (so that its derivative in b stays accurate).
    For b > 0 it works with 1 - u, so u below the float resolution of 1 - u
    (about 1e-16, or 6e-8 in float32) is rounded; uniforms from ``sample`` are
    multiples of that resolution. ``u`` outside [0, 1] is refused when concrete
    and gives NaN under ``jit``.

    Raises
    ------
    TypeError
        ``u`` or ``b`` is not real.
    ValueError
        When concrete: ``u`` outside [0, 1] or NaN, NaN in ``b``, overflow on the
        dtype cast; or shapes that do not broadcast.
    """
    u = v.in_interval(_bias(u, "u"), "u", 0.0, 1.0)
    return _icdf(*_pair(u, _bias(b), "u", "b"))


def sample(key, b, shape=None, dtype=None):
    """Exact, reparameterised draws sigma ~ CB(b) by the inverse CDF.

    ``shape`` (a tuple of non-negative integers) defaults to ``b.shape``; ``b`` must
    broadcast to it, so that every draw gets its own uniform. ``dtype`` defaults to
    the floating dtype of ``b``.

    Raises
    ------
    TypeError
        ``key`` is not a JAX PRNG key, ``b`` is not real, ``shape`` is not a sequence
        of integers, or ``dtype`` is not a floating dtype.
    ValueError
        NaN or overflow in ``b`` (when concrete), a negative size in ``shape``, or a
        ``shape`` that ``b`` does not broadcast to.
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
    return _sample(key, b, shape)


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
        return jnp.where(near_one, om_safe - one_minus_l, _langevin(b) - a_safe)

    for _ in range(n_iter):
        b = jnp.maximum(b - residual(b) / _langevin_grad(b), 0.0)
    b = jnp.sign(m) * b
    return jnp.where(inside, b, jnp.where(a == 1.0, jnp.sign(m) * jnp.inf, jnp.nan))


@jax.custom_jvp
def _inverse_langevin(m):
    return _inverse_langevin_newton(m, 8)


@_inverse_langevin.defjvp
def _inverse_langevin_jvp(primals, tangents):
    (m,), (dm,) = primals, tangents
    b = _inverse_langevin(m)
    return b, dm / _langevin_grad(b)


def inverse_langevin(m):
    """Inverse of the mean map: the bias b with L(b) = m, for m in (-1, 1).

    Newton refinement of the Pade start m (3 - m^2) / (1 - m^2), with the
    residual taken in 1 - m for |m| >= 0.5 so that m = 1 - 1e-9 is still exact
    to round-off. Returns +-inf at m = +-1; m outside [-1, 1] is refused when
    concrete and gives NaN under ``jit``. Derivative: db/dm = 1 / L'(b).

    Raises
    ------
    TypeError
        ``m`` is not real.
    ValueError
        ``m`` outside [-1, 1] or NaN (when concrete), or overflow on the dtype cast.
    """
    return _inverse_langevin(_as_float(v.in_interval(_bias(m, "m"), "m", -1.0, 1.0)))
