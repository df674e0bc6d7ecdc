"""The continuous-Bernoulli maths on [-1, 1] without argument checks: what hot paths call.

One concept, the distribution's numerics: the series and closed forms of each function share one
set of Bernoulli-number coefficients and one branch rule, so they stay in one file.

The same functions as :mod:`fepnet.cb` (whose docstring states the maths, the numerics and
the infinite-bias limits), minus the boundary checks: no ``TypeError``/``ValueError`` for
bad input, NaN in, NaN out. The network kernels (:mod:`fepnet.kernels`,
:mod:`fepnet.learning`, :func:`fepnet.free_energy.free_energy_terms`) call these, so no check
costs anything per step; users call :mod:`fepnet.cb`. ``kl_compiled`` is ``jax.jit(kl)``
(one compiled program, so that eager and jitted calls agree bit for bit; its docstring is
``kl``'s), and :func:`as_float` is the dtype rule every function applies to its input.

Every function is elementwise, jittable, vmappable and differentiable, and works in the
dtype of its input (JAX's default float for integer input). ``u`` outside [0, 1]
(``icdf``) and ``m`` outside [-1, 1] (``inverse_langevin``) give NaN.
"""

from __future__ import annotations

import math
from fractions import Fraction

import jax
import jax.numpy as jnp

__all__ = ["langevin", "langevin_grad", "inverse_langevin", "log_normalizer", "entropy", "kl",
           "kl_compiled", "log_prob", "cdf", "icdf", "sample", "as_float"]

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


def as_float(x):
    """``x`` as a JAX array of a floating dtype (integers and bools become JAX's default float).

    Parameters
    ----------
    x : array_like
        Any numeric input.

    Returns
    -------
    jax.Array
        ``x`` itself (as a JAX array) when floating, else cast to ``jnp.result_type(float)``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.as_float(3).dtype, cb_math.as_float(jnp.float16(1)).dtype
    (dtype('float32'), dtype('float16'))
    """
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
    """Mean of CB(b), L(b) = coth(b) - 1/b, without argument checks.

    Series in b^2 for abs(b) < 0.5, closed form in x = exp(-2 abs(b)) above; L(+-inf) = +-1.
    Unchecked: the argument checks of :func:`fepnet.cb.langevin` are skipped.

    Parameters
    ----------
    b : array_like of float
        Bias (natural parameter) of CB(b) on [-1, 1]; any shape. NaN gives NaN.

    Returns
    -------
    jax.Array, same shape as ``b``
        L(b) in [-1, 1].

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.langevin(jnp.array([0.0, 1.0, jnp.nan])).tolist()
    [0.0, 0.313, nan]
    """
    b = as_float(b)
    small, bs, a, x = _split(b)
    series = bs * _horner(_MEAN_SERIES, bs * bs)
    # coth(a) - 1/a = 1 + 2x / (1 - x) - 1/a, with 1 - x = -expm1(-2a).
    closed = 1.0 - 1.0 / a - 2.0 * x / jnp.expm1(-2.0 * a)
    return jnp.where(small, series, jnp.sign(b) * closed)


def langevin_grad(b):
    """Variance of CB(b), L'(b) = 1/b^2 - 1/sinh(b)^2, without argument checks.

    L'(0) = 1/3; L'(+-inf) = 0. Unchecked: the argument checks of
    :func:`fepnet.cb.langevin_grad` are skipped.

    Parameters
    ----------
    b : array_like of float
        Bias (natural parameter) of CB(b) on [-1, 1]; any shape. NaN gives NaN.

    Returns
    -------
    jax.Array, same shape as ``b``
        L'(b) in [0, 1/3].

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.langevin_grad(jnp.array([0.0, 1.0])).tolist()
    [0.3333, 0.2759]
    """
    b = as_float(b)
    small, bs, a, x = _split(b)
    series = _horner(_VAR_SERIES, bs * bs)
    closed = 1.0 / (a * a) - 4.0 * x / jnp.square(jnp.expm1(-2.0 * a))
    return jnp.where(small, series, closed)


def log_normalizer(b):
    """Log normaliser of CB(b), A(b) = log(2 sinh(b) / b), without argument checks.

    A(0) = log 2, A(+-inf) = +inf. Unchecked: the argument checks of
    :func:`fepnet.cb.log_normalizer` are skipped.

    Parameters
    ----------
    b : array_like of float
        Bias (natural parameter) of CB(b) on [-1, 1]; any shape. NaN gives NaN.

    Returns
    -------
    jax.Array, same shape as ``b``
        A(b) in nats.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.log_normalizer(jnp.array([0.0, 1.0])).tolist()
    [0.6931, 0.8546]
    """
    b = as_float(b)
    small, bs, a, x = _split(b)
    z = bs * bs
    series = _LOG2 + z * _horner(_LOGNORM_SERIES, z)
    closed = jnp.where(jnp.isinf(a), a, a + jnp.log1p(-x) - jnp.log(a))  # A(+-inf) = +inf, not inf - inf
    return jnp.where(small, series, closed)


def entropy(b):
    """Differential entropy of CB(b), H(b) = A(b) - b L(b), without argument checks.

    H(0) = log 2; near its root abs(b) = 2.631 it is evaluated from a Taylor series (full
    relative accuracy). Unchecked: the argument checks of :func:`fepnet.cb.entropy` are
    skipped.

    Parameters
    ----------
    b : array_like of float
        Bias (natural parameter) of CB(b) on [-1, 1]; any shape. NaN gives NaN.

    Returns
    -------
    jax.Array, same shape as ``b``
        H(b) in nats.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.entropy(jnp.array([0.0, 1.0])).tolist()
    [0.6931, 0.5416]
    """
    b = as_float(b)
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


def kl(b_q, b_p):
    """KL(CB(b_q) || CB(b_p)) = (b_q - b_p) L(b_q) - A(b_q) + A(b_p), without argument checks.

    Computed without the O(abs(b)) terms that cancel (see :mod:`fepnet.cb`); clipped at 0
    from below; 0 between equal infinite biases and +inf between other infinite ones. Eager
    calls dispatch every branch separately: ``kl_compiled`` is the same function jitted (the
    one ``fepnet.cb.kl`` calls). Unchecked: the argument checks of :func:`fepnet.cb.kl` are
    skipped.

    Parameters
    ----------
    b_q : array_like of float
        Bias of q.
    b_p : array_like of float
        Bias of the reference p; broadcasts with ``b_q``.

    Returns
    -------
    jax.Array, the broadcast shape
        KL in nats, >= 0.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.kl(jnp.array([0.0, 1.0]), 0.5).tolist()
    [0.0413, 0.0364]
    """
    b_q, b_p = jnp.broadcast_arrays(as_float(b_q), as_float(b_p))
    near = jnp.abs(b_q) < _SERIES_MAX
    direct = (b_q - b_p) * langevin(b_q) - log_normalizer(b_q) + log_normalizer(b_p)
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
    general = log_normalizer(p) - p * langevin(q) - entropy(q)
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
kl_compiled = jax.jit(kl)


def log_prob(sigma, b):
    """log p(sigma | b) = b sigma - A(b), without argument checks.

    sigma outside [-1, 1] is not refused: the formula is evaluated as is. At b = +-inf: +inf
    at sigma = +-1, -inf elsewhere. Unchecked: the argument checks of
    :func:`fepnet.cb.log_prob` are skipped.

    Parameters
    ----------
    sigma : array_like of float
        States (meant to be in [-1, 1]).
    b : array_like of float
        Bias; broadcasts with ``sigma``.

    Returns
    -------
    jax.Array, the broadcast shape
        Log density in nats.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.log_prob(jnp.array([0.5, 2.0]), 1.0).tolist()  # 2.0 is outside [-1, 1]: not checked
    [-0.3546, 1.1454]
    """
    sigma, b = jnp.broadcast_arrays(as_float(sigma), as_float(b))
    out = b * sigma - log_normalizer(b)
    return jnp.where(jnp.isinf(b), jnp.where(sigma == jnp.sign(b), jnp.inf, -jnp.inf), out)


def cdf(sigma, b):
    """CDF F(sigma | b) = expm1(b (sigma + 1)) / expm1(2 b), without argument checks.

    sigma is clipped to [-1, 1]; a series near b = 0. Unchecked: the argument checks of
    :func:`fepnet.cb.cdf` are skipped.

    Parameters
    ----------
    sigma : array_like of float
        Where to evaluate.
    b : array_like of float
        Bias; broadcasts with ``sigma``.

    Returns
    -------
    jax.Array, the broadcast shape
        P(S <= sigma) in [0, 1].

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.cdf(jnp.array([0.0, 0.5]), 1.0).tolist()
    [0.2689, 0.5449]
    """
    sigma, b = jnp.broadcast_arrays(as_float(sigma), as_float(b))
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


def icdf(u, b):
    """Quantile sigma = 1 + log(u + (1 - u) exp(-2b)) / b (b > 0; mirrored for b < 0), without argument checks.

    u outside [0, 1] gives NaN. Unchecked: the argument checks of :func:`fepnet.cb.icdf` are
    skipped.

    Parameters
    ----------
    u : array_like of float
        Probabilities in [0, 1].
    b : array_like of float
        Bias; broadcasts with ``u``.

    Returns
    -------
    jax.Array, the broadcast shape
        sigma in [-1, 1] (or NaN).

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.icdf(jnp.array([0.5, 1.5]), 1.0).tolist()
    [0.4338, nan]
    """
    u, b = jnp.broadcast_arrays(as_float(u), as_float(b))
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


def sample(key, b, shape):
    """Draws sigma ~ CB(b) of shape ``shape``: ``icdf(uniform(key, shape, b.dtype), b)``, without argument checks.

    ``b`` must be a floating JAX array that broadcasts to ``shape``. Unchecked: the argument
    checks of :func:`fepnet.cb.sample` are skipped.

    Parameters
    ----------
    key : jax.Array
        A JAX PRNG key.
    b : jax.Array of float
        Biases (a floating array: its dtype is the draws').
    shape : tuple of int
        Shape of the draws.

    Returns
    -------
    jax.Array of shape ``shape`` and ``b``'s dtype
        Draws in [-1, 1].

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.sample(jax.random.key(0), jnp.zeros(3), (2, 3)).shape
    (2, 3)
    """
    return icdf(jax.random.uniform(key, shape, dtype=b.dtype), b)


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
def inverse_langevin(m):
    """The bias b with L(b) = m, without argument checks.

    Eight Newton steps from Cohen's Pade start m (3 - m^2) / (1 - m^2); +-inf at m = +-1,
    NaN outside [-1, 1]; custom JVP db/dm = 1 / L'(b). Unchecked: the argument checks of
    :func:`fepnet.cb.inverse_langevin` are skipped.

    Parameters
    ----------
    m : array_like of float
        Means in [-1, 1].

    Returns
    -------
    jax.Array, same shape as ``m``
        b = L^{-1}(m).

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from fepnet import cb_math
    >>> cb_math.inverse_langevin(jnp.array([0.313035, 2.0])).tolist()
    [1.0, nan]
    """
    return _inverse_langevin_newton(m, 8)


@inverse_langevin.defjvp
def _inverse_langevin_jvp(primals, tangents):
    (m,), (dm,) = primals, tangents
    b = inverse_langevin(m)
    return b, dm / langevin_grad(b)


