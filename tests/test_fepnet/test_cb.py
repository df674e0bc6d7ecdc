"""Tests of ``fepnet.cb``, the continuous Bernoulli distribution on [-1, 1].

Every accuracy test compares against a high-precision reference computed with
mpmath (50 significant digits) *at the exact same floating-point input* (a
float32 or float64 value converts to an mpmath number exactly), so the only
error measured is the error of the implementation, not of input rounding.

The references are written from the textbook definitions

    A(b) = log(2 sinh b / b),  L(b) = coth b - 1/b,  L'(b) = 1/b^2 - 1/sinh^2 b,
    H(b) = A(b) - b L(b),      KL(q||p) = (q - p) L(q) - A(q) + A(p),
    F(s | b) = expm1(b (s + 1)) / expm1(2 b),

evaluated naively in mpmath (the extra digits absorb every cancellation for the
inputs used here), and these definitions are themselves checked against
quadrature of the density ``b / (2 sinh b) exp(b s)``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

import fepnet
from fepnet import cb

DPS = 50
F32, F64 = np.float32, np.float64
EPS = {F32: float(np.finfo(F32).eps), F64: float(np.finfo(F64).eps)}
# The acceptance tolerances: relative error against the mpmath reference.
REL_TOL = {F32: 1e-5, F64: 1e-10}

# H(b) = 0 at |b| = ENTROPY_ROOT (the double nearest the true root 2.63103789687375720...).
ENTROPY_ROOT = 2.631037896873757
SWITCH = 0.5  # the series / closed-form switch point of cb.py

HYPOTHESIS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# --------------------------------------------------------------------------- #
# mpmath references (cached: the same floating inputs recur across tests)
# --------------------------------------------------------------------------- #


def _mp(fn):
    """Evaluate ``fn`` on exact float inputs at DPS digits, cached by value.

    For tiny nonzero inputs the working precision is raised by 2 |log10|x|| digits,
    so that the naive formulas (which cancel like 1/b^2 against O(1)) still leave
    at least DPS correct digits.
    """

    @functools.lru_cache(maxsize=None)
    def cached(*args):
        tiny = min([abs(a) for a in args if a != 0] + [1.0])
        extra = int(2 * max(0.0, -np.log10(tiny))) + 5
        with mp.workdps(DPS + extra):
            return +fn(*(mp.mpf(float(a)) for a in args))

    @functools.wraps(fn)
    def wrapper(*args):
        return cached(*(float(a) for a in args))

    return wrapper


@_mp
def mp_langevin(b):
    return mp.mpf(0) if b == 0 else mp.coth(b) - 1 / b


@_mp
def mp_langevin_grad(b):
    return mp.mpf(1) / 3 if b == 0 else 1 / b**2 - 1 / mp.sinh(b) ** 2


@_mp
def mp_langevin_grad2(b):
    """L''(b) = -2/b^3 + 2 cosh b / sinh^3 b (odd, L''(0) = 0)."""
    if b == 0:
        return mp.mpf(0)
    with mp.workdps(3 * DPS):  # the two terms cancel like 1/b^3 for tiny b
        return -2 / b**3 + 2 * mp.cosh(b) / mp.sinh(b) ** 3


@_mp
def mp_log_normalizer(b):
    return mp.log(2) if b == 0 else mp.log(2 * mp.sinh(b) / b)


@_mp
def mp_entropy(b):
    return mp_log_normalizer(b) - b * mp_langevin(b)


@_mp
def mp_kl(q, p):
    return (q - p) * mp_langevin(q) - mp_log_normalizer(q) + mp_log_normalizer(p)


@_mp
def mp_cdf(s, b):
    s = min(max(s, mp.mpf(-1)), mp.mpf(1))
    return (s + 1) / 2 if b == 0 else mp.expm1(b * (s + 1)) / mp.expm1(2 * b)


def _mp_icdf_exact(u, b):
    return 2 * u - 1 if b == 0 else -1 + mp.log1p(u * mp.expm1(2 * b)) / b


@_mp
def mp_icdf_db(u, b):
    """d icdf(u, b) / db at fixed u (the pathwise / reparameterisation derivative)."""
    if b == 0:
        return 2 * u * (1 - u)
    with mp.workdps(2 * DPS):
        return mp.diff(lambda bb: _mp_icdf_exact(u, bb), b)


@_mp
def mp_inverse_langevin(m):
    """The root b of L(b) = m, by mpmath's secant/Newton solver from a good start."""
    if m == 0:
        return mp.mpf(0)
    a = abs(m)
    start = 3 * a if a < 0.1 else a * (3 - a * a) / (1 - a * a)
    b = mp.findroot(lambda x: (mp.coth(x) - 1 / x) - a, mp.mpf(start), tol=mp.mpf(10) ** (-2 * mp.mp.dps))
    return mp.sign(m) * b


def _ref(fn, *arrays):
    """Elementwise mpmath reference, returned as float64 (ample for the tolerances here)."""
    arrays = np.broadcast_arrays(*[np.asarray(a) for a in arrays])
    out = np.array([float(fn(*vals)) for vals in zip(*(a.ravel() for a in arrays))])
    return out.reshape(arrays[0].shape)


def _rel_err(got, ref):
    """|got - ref| / |ref|, with ref == 0 demanding got == 0 exactly."""
    got = np.asarray(got, dtype=F64)
    ref = np.asarray(ref, dtype=F64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(got - ref) / np.abs(ref)
    return np.where(ref == 0, np.where(got == 0, 0.0, np.inf), rel)


def _assert_rel(got, ref, tol, inputs, what):
    rel = _rel_err(got, ref)
    bad = ~(rel <= tol)  # also catches NaN
    if bad.any():
        i = int(np.argmax(np.where(np.isnan(rel), np.inf, rel)))
        flat_in = [np.asarray(x).ravel()[i] for x in np.broadcast_arrays(*inputs)]
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {rel.size} points exceed relative error {tol:g}; "
            f"worst at input {[repr(v) for v in flat_in]}: got {np.ravel(got)[i]!r}, "
            f"expected {np.ravel(ref)[i]!r}, relative error {np.ravel(rel)[i]:.3g}"
        )


# --------------------------------------------------------------------------- #
# Grids
# --------------------------------------------------------------------------- #


def _neighbours(x, dtype, k=3):
    """x and its k nearest representable neighbours on each side, in ``dtype``."""
    x = dtype(x)
    out = [x]
    lo = hi = x
    for _ in range(k):
        lo = np.nextafter(lo, dtype(-np.inf))
        hi = np.nextafter(hi, dtype(np.inf))
        out += [lo, hi]
    return out


def dense_grid(dtype):
    """0, +-logspace(-12, 4), linspace(-3, 3), the series switch and the entropy-root neighbourhood."""
    pos = np.logspace(-12, 4, 401)
    offsets = 10.0 ** -np.arange(1, 13)  # the root approached down to 1e-12
    special = (
        _neighbours(SWITCH, dtype)
        + [dtype(ENTROPY_ROOT + s * o) for o in offsets for s in (-1, 1)]
        # edges of cb.py's series-about-the-root window (|b| - root = +-0.25)
        + _neighbours(ENTROPY_ROOT - 0.25, dtype)
        + _neighbours(ENTROPY_ROOT + 0.25, dtype)
        + [dtype(1e4), dtype(1e3), dtype(50.0), dtype(20.0)]
    )
    special = np.asarray(special, dtype=dtype)
    grid = np.concatenate([[0.0], pos, -pos, np.linspace(-3, 3, 301)]).astype(dtype)
    grid = np.concatenate([grid, special, -special])
    assert grid.dtype == dtype and np.all(np.abs(grid) <= 1e4)
    return grid


# --------------------------------------------------------------------------- #
# The references themselves are the right statistical quantities
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("b", [1e-3, 0.3, -2.5, 7.0, -40.0])
def test_reference_formulas_match_quadrature_of_the_density(b):
    """Mean, variance, normaliser, entropy and KL references agree with direct quadrature."""
    with mp.workdps(30):
        b_ = mp.mpf(b)
        edge = 1 if b > 0 else -1
        nodes = [-1, edge - mp.mpf(edge) * 20 / abs(b_) if abs(b) > 10 else 0, 1]
        nodes = sorted(nodes)
        z = mp.quad(lambda s: mp.exp(b_ * s), nodes)
        dens = lambda s: mp.exp(b_ * s) / z  # noqa: E731
        mean = mp.quad(lambda s: s * dens(s), nodes)
        var = mp.quad(lambda s: (s - mean) ** 2 * dens(s), nodes)
        ent = -mp.quad(lambda s: dens(s) * mp.log(dens(s)), nodes)
        p = b / 3 + 0.4
        kl = mp.quad(lambda s: dens(s) * (b_ * s - (p * s - mp_log_normalizer(p)) - mp.log(z)), nodes)
        cdf_half = mp.quad(dens, [-1, mp.mpf("0.5")])
        assert abs(mp.log(z) - mp_log_normalizer(b)) < 1e-20
        assert abs(mean - mp_langevin(b)) < 1e-20
        assert abs(var - mp_langevin_grad(b)) < 1e-20
        assert abs(ent - mp_entropy(b)) < 1e-20
        assert abs(kl - mp_kl(b, p)) < 1e-20
        assert abs(cdf_half - mp_cdf(0.5, b)) < 1e-20


def test_entropy_root_constant():
    """ENTROPY_ROOT used in the grids really is (the double nearest) the zero of H."""
    with mp.workdps(DPS):
        root = mp.findroot(lambda b: mp.log(2 * mp.sinh(b) / b) - b * (mp.coth(b) - 1 / b), 2.63)
    assert float(root) == ENTROPY_ROOT


def test_numpy_cdf_used_by_ks_matches_mpmath():
    for b in [0.0, 1e-6, 0.3, -2.5, 40.0, -1e3]:
        s = np.linspace(-1, 1, 41)
        _assert_rel(_np_cdf(s, b), _ref(mp_cdf, s, b), 1e-12, [s, b], f"numpy CDF b={b}")


# --------------------------------------------------------------------------- #
# Jitted entry points (compiling whole functions is much cheaper than running
# them op by op on many new shapes; eager execution is checked separately)
# --------------------------------------------------------------------------- #

JIT = {name: jax.jit(getattr(cb, name)) for name in cb.__all__ if name != "sample"}
jit_sample = jax.jit(cb.sample, static_argnames=("shape", "dtype"))


def _grads_of_everything(b):
    """d/db of every function of b in the module (b a scalar), as a tuple."""
    s, u, m = 0.4 * jnp.ones_like(b), 0.4 * jnp.ones_like(b), 0.5 * jnp.tanh(b)
    return (
        jax.grad(cb.langevin)(b),
        jax.grad(cb.langevin_grad)(b),
        jax.grad(cb.log_normalizer)(b),
        jax.grad(cb.entropy)(b),
        jax.grad(cb.inverse_langevin)(m),
        jax.grad(cb.kl, argnums=0)(b, 0.7 * b + 0.1),
        jax.grad(cb.kl, argnums=1)(0.3 * jnp.ones_like(b), b),
        jax.grad(cb.log_prob, argnums=1)(s, b),
        jax.grad(cb.cdf, argnums=1)(s, b),
        jax.grad(cb.icdf, argnums=1)(u, b),
        jax.grad(jax.grad(cb.log_normalizer))(b),
        jax.grad(lambda bb: jnp.mean(cb.sample(jax.random.key(0), bb, (16,))))(b),
    )


grads_of_everything = jax.jit(jax.vmap(_grads_of_everything))


# --------------------------------------------------------------------------- #
# Accuracy of the scalar functions on a dense grid
# --------------------------------------------------------------------------- #

SCALAR_FUNCTIONS = {
    "langevin": mp_langevin,
    "langevin_grad": mp_langevin_grad,
    "log_normalizer": mp_log_normalizer,
    "entropy": mp_entropy,
}


@pytest.mark.parametrize("name", list(SCALAR_FUNCTIONS))
def test_float64_accuracy_on_dense_grid(x64, name):
    b = dense_grid(F64)
    got = np.asarray(JIT[name](jnp.asarray(b)))
    assert got.dtype == F64
    assert np.all(np.isfinite(got))
    _assert_rel(got, _ref(SCALAR_FUNCTIONS[name], b), REL_TOL[F64], [b], f"{name} float64")


@pytest.mark.parametrize("mode", ["x32", "x64"])
@pytest.mark.parametrize("name", list(SCALAR_FUNCTIONS))
def test_float32_accuracy_on_dense_grid(request, mode, name):
    request.getfixturevalue(mode)  # float32 input must stay float32 (and accurate) either way
    b = dense_grid(F32)
    got = np.asarray(JIT[name](jnp.asarray(b)))
    assert got.dtype == F32
    assert np.all(np.isfinite(got))
    _assert_rel(got, _ref(SCALAR_FUNCTIONS[name], b), REL_TOL[F32], [b], f"{name} float32")


@pytest.mark.parametrize("dtype", [F32, F64])
def test_eager_matches_jit_on_dense_grid(x64, dtype):
    """Op-by-op (eager) execution gives the same numbers as the jitted function."""
    b = jnp.asarray(dense_grid(dtype))
    for name in SCALAR_FUNCTIONS:
        eager = np.asarray(getattr(cb, name)(b))
        assert eager.dtype == dtype
        np.testing.assert_allclose(eager, np.asarray(JIT[name](b)), rtol=8 * EPS[dtype], atol=0, err_msg=name)


def test_finite_for_huge_and_tiny_biases(x64):
    """Beyond the [-1e4, 1e4] accuracy range: still finite, with the right limits."""
    for dtype in (F32, F64):
        info = np.finfo(dtype)
        b = np.asarray([info.smallest_subnormal, info.tiny, 1e-30, 1e8, 1e30, float(info.max) / 4], dtype)
        b = jnp.asarray(np.concatenate([b, -b]))
        for name in SCALAR_FUNCTIONS:
            out = np.asarray(JIT[name](b))
            assert out.dtype == dtype and np.all(np.isfinite(out)), (name, out)
        L = np.asarray(JIT["langevin"](b))
        assert np.all(np.abs(L[[4, 5, 10, 11]]) == 1)
        # (L(b) ~ b / 3 may underflow / be flushed to zero for subnormal-range b)
        assert np.all(np.sign(L[2:6]) == 1) and np.all(np.sign(L[8:]) == -1)


def test_entropy_finite_up_to_the_largest_float(x64):
    """cb.py promises finite values for every finite b; H(b) ~ 1 - log|b| for huge |b|."""
    for dtype in (F32, F64):
        big = np.finfo(dtype).max
        b = jnp.asarray([big, -big, big / 2, big / 3], dtype)
        got = np.asarray(JIT["entropy"](b))
        np.testing.assert_allclose(got, 1 - np.log(np.abs(np.asarray(b, F64))), rtol=4 * EPS[dtype])
        assert np.all(np.isfinite(np.asarray(_vgrad(cb.entropy)(b))))


def test_entropy_relative_accuracy_within_a_few_ulps_of_its_root(x64):
    """H changes sign at |b| = 2.6310378968737572...; the requirement (relative error
    <= 1e-10 for *every* float64 b in [-1e4, 1e4]) includes the doubles right next
    to the root, where H is ~1e-16 and has to be computed from b - root to full
    relative precision: a root constant good to ~2e-24 (a double-double) leaves a
    relative error of ~2e-24 / |b - root| there.
    """
    b = np.asarray(_neighbours(ENTROPY_ROOT, F64, k=60))
    b = np.concatenate([b, -b])
    got = np.asarray(JIT["entropy"](jnp.asarray(b)))
    _assert_rel(got, _ref(mp_entropy, b), REL_TOL[F64], [b], "entropy next to its root")


def test_entropy_relative_accuracy_near_its_root_float32(x64):
    b = np.asarray(_neighbours(ENTROPY_ROOT, F32, k=20), dtype=F32)
    b = np.concatenate([b, -b])
    got = np.asarray(JIT["entropy"](jnp.asarray(b)))
    assert got.dtype == F32
    _assert_rel(got, _ref(mp_entropy, b), REL_TOL[F32], [b], "float32 entropy next to its root")


def test_entropy_changes_sign_at_its_root(x64):
    b = np.asarray([np.nextafter(ENTROPY_ROOT, 0.0) - 1e-12, ENTROPY_ROOT + 1e-12, 2.0, 3.0])
    b = np.concatenate([b, -b])
    h = np.asarray(JIT["entropy"](jnp.asarray(b)))
    assert np.all(np.sign(h) == np.sign(_ref(mp_entropy, b))), h
    assert np.all(np.sign(h) == [1, -1, 1, -1] * 2)


# --------------------------------------------------------------------------- #
# KL divergence
# --------------------------------------------------------------------------- #

KL_VALUES = [0.0, 1e-8, 1e-3, 0.1, 0.49, 0.5, 0.51, 1.0, 2.63, 10.0, 100.0, 1e3, 1e4]
KL_VALUES = KL_VALUES + [-v for v in KL_VALUES[1:]]


@pytest.mark.parametrize("dtype", [F32, F64])
def test_kl_accuracy(x64, dtype):
    """KL is the Bregman divergence of A: (q - p) L(q) - A(q) + A(p).

    When b_q ~ b_p the value is O((b_q - b_p)^2) while the three terms are O(1)
    (up to O(|b|) for large |b|), so the terms cancel and no formula built from
    them can give small *relative* error: a round-off of eps * scale in the terms
    (scale = |(q - p) L(q)| + |A(q)| + |A(p)|) is unavoidable. So: where
    KL >= `frac` * scale (most pairs), the relative error must meet the acceptance
    tolerance; everywhere the absolute error must be a few eps * scale.
    """
    vals = np.asarray(KL_VALUES, dtype=dtype)
    q, p = np.meshgrid(vals, vals, indexing="ij")
    got = np.asarray(JIT["kl"](jnp.asarray(q), jnp.asarray(p)))
    assert got.dtype == dtype
    assert np.all(np.isfinite(got))
    ref = _ref(mp_kl, q, p)
    scale = (
        np.abs((q.astype(F64) - p) * _ref(mp_langevin, q))
        + np.abs(_ref(mp_log_normalizer, q))
        + np.abs(_ref(mp_log_normalizer, p))
    )
    frac, coverage = {F64: (1e-4, 0.85), F32: (1e-2, 0.7)}[dtype]
    well = ref >= frac * scale
    assert well.sum() > coverage * well.size  # the relative check covers most pairs
    _assert_rel(got[well], ref[well], REL_TOL[dtype], [q[well], p[well]], "kl (relative)")
    bad = ~(np.abs(got - ref) <= 16 * EPS[dtype] * scale)
    assert not bad.any(), list(zip(q[bad], p[bad], got[bad], ref[bad]))


def test_kl_of_close_biases_is_accurate_in_absolute_terms(x64):
    b = np.asarray([0.0, 1e-6, 0.3, 0.5 - 1e-12, 2.0, ENTROPY_ROOT, 40.0, 1e3, 1e4])
    q = np.concatenate([b, -b])
    for delta in [0.0, 1e-12, 1e-8, 1e-4]:
        p = q + delta
        got = np.asarray(JIT["kl"](jnp.asarray(q), jnp.asarray(p)))
        ref = _ref(mp_kl, q, p)
        scale = np.abs(_ref(mp_log_normalizer, q)) + np.abs(_ref(mp_log_normalizer, p))
        assert np.all(np.abs(got - ref) <= 8 * EPS[F64] * scale), (delta, got, ref)
        if delta == 0.0:
            assert np.all(np.abs(got) <= 4 * EPS[F64] * scale)


def test_kl_matches_quadrature_of_the_log_density_ratio(x64):
    """An end-to-end check through log_prob: KL = E_q[log p_q - log p_p]."""
    kl_integrand = jax.jit(lambda s, q, p: jnp.exp(cb.log_prob(s, q)) * (cb.log_prob(s, q) - cb.log_prob(s, p)))
    for q, p in [(0.0, 1.0), (1.0, 0.0), (0.3, -2.5), (-2.5, 0.4), (7.0, 6.0), (0.1, 0.1001)]:
        val, _ = integrate.quad(lambda s: float(kl_integrand(s, q, p)), -1, 1, epsabs=1e-15, epsrel=1e-12)
        assert float(JIT["kl"](q, p)) == pytest.approx(val, rel=1e-9, abs=1e-15)


# --------------------------------------------------------------------------- #
# inverse_langevin
# --------------------------------------------------------------------------- #


def test_inverse_langevin_round_trip_dense(x64):
    pos = np.concatenate([np.linspace(0, 50, 2001)[1:], np.logspace(-12, np.log10(50), 400)])
    switch = np.asarray(_neighbours(SWITCH, F64))
    b = np.concatenate([[0.0], pos, -pos, switch, -switch])
    b_hat = np.asarray(JIT["inverse_langevin"](JIT["langevin"](jnp.asarray(b))))
    assert b_hat.dtype == F64
    _assert_rel(b_hat, b, 1e-8, [b], "inverse_langevin(langevin(b))")


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_inverse_langevin_accurate_near_one(x64, sign):
    """For m -> 1 the residual L(b_hat) - m, measured relative to 1 - |m|, is at round-off."""
    m = sign * (1.0 - np.logspace(-1, -9, 33))
    b_hat = np.asarray(JIT["inverse_langevin"](jnp.asarray(m)))
    assert np.all(np.isfinite(b_hat)) and np.all(np.sign(b_hat) == sign)
    with mp.workdps(DPS):
        resid = [
            float((mp_langevin(bh) - mp.mpf(float(mi))) / (1 - abs(mp.mpf(float(mi)))))
            for bh, mi in zip(b_hat, m)
        ]
    assert np.max(np.abs(resid)) <= 1e-12, resid
    _assert_rel(b_hat, _ref(mp_inverse_langevin, m), 1e-11, [m], "inverse_langevin vs mpmath root")


def test_inverse_langevin_matches_mpmath_root_over_the_range(x64):
    m = np.concatenate([np.linspace(-0.999, 0.999, 81), [1e-300, 1e-12, 1e-6, 0.5, np.nextafter(0.5, 0)]])
    b_hat = np.asarray(JIT["inverse_langevin"](jnp.asarray(m)))
    _assert_rel(b_hat, _ref(mp_inverse_langevin, m), 1e-12, [m], "inverse_langevin")


def test_inverse_langevin_beats_the_pade_start(x64):
    """Not just Cohen's Pade m (3 - m^2) / (1 - m^2): that is percent-level wrong in the middle."""
    m = np.asarray([0.2, 0.5, 0.7, 0.8, 0.9, 0.95])
    m = np.concatenate([m, -m])
    pade = m * (3 - m**2) / (1 - m**2)
    exact = _ref(mp_inverse_langevin, m)
    pade_err = np.abs(pade - exact) / np.abs(exact)
    assert np.all(pade_err > 1e-4)  # the test would notice a Pade-only implementation
    b_hat = np.asarray(JIT["inverse_langevin"](jnp.asarray(m)))
    err = np.abs(b_hat - exact) / np.abs(exact)
    assert np.all(err <= 1e-12), err
    assert np.all(err <= 1e-8 * pade_err)


def test_inverse_langevin_edges(x64):
    m = jnp.asarray([1.0, -1.0, 0.0, -0.0, 1.0 + 1e-15, -1.0 - 1e-15, 2.0, -7.0, np.inf, -np.inf, np.nan])
    b = np.asarray(JIT["inverse_langevin"](m))
    assert b[0] == np.inf and b[1] == -np.inf
    assert b[2] == 0.0 and b[3] == 0.0
    assert np.all(np.isnan(b[4:]))
    for dtype in (F32, F64):
        one = jnp.asarray([1.0, -1.0, 1.5, np.nextafter(dtype(1), dtype(2)), 0.5], dtype)
        out = np.asarray(JIT["inverse_langevin"](one))
        assert out.dtype == dtype
        assert out[0] == np.inf and out[1] == -np.inf and np.isnan(out[2]) and np.isnan(out[3])
        assert np.isfinite(out[4])


def test_inverse_langevin_float32(x64):
    m = np.concatenate([np.linspace(-0.999, 0.999, 81), 1 - np.logspace(-1, -6, 11)]).astype(F32)
    b_hat = np.asarray(JIT["inverse_langevin"](jnp.asarray(m)))
    assert b_hat.dtype == F32
    # The exact root at the float32 input; a float32 answer can only be as good as
    # the conditioning allows: |db| <~ eps * (|b| + |m| / L'(b)).
    exact = _ref(mp_inverse_langevin, m)
    cond = 8 * EPS[F32] * (np.abs(exact) + np.abs(m) / _ref(mp_langevin_grad, exact))
    assert np.all(np.abs(b_hat - exact) <= cond + 1e-5 * np.abs(exact)), (m, b_hat, exact)


# --------------------------------------------------------------------------- #
# Gradients
# --------------------------------------------------------------------------- #

GRAD_POINTS = [
    0.0, 1e-8, 0.1, float(np.nextafter(SWITCH, 0)), SWITCH, float(np.nextafter(SWITCH, 1)),
    1.0, ENTROPY_ROOT, ENTROPY_ROOT - 0.25, 10.0, 1e3, 1e4,
]  # fmt: skip
GRAD_POINTS = np.asarray(GRAD_POINTS + [-b for b in GRAD_POINTS[1:]])


def _vgrad(fn, argnums=0, in_axes=0):
    return jax.jit(jax.vmap(jax.grad(fn, argnums=argnums), in_axes=in_axes))


GRAD_CASES = {
    # name: reference derivative
    "langevin": mp_langevin_grad,  # grad L = L'
    "langevin_grad": mp_langevin_grad2,  # grad L' = L''
    "log_normalizer": mp_langevin,  # grad A = L
    "entropy": lambda b: -mp.mpf(float(b)) * mp_langevin_grad(b),  # grad H = -b L'
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_grad_matches_analytic_derivative(x64, name):
    got = np.asarray(_vgrad(getattr(cb, name))(jnp.asarray(GRAD_POINTS)))
    assert np.all(np.isfinite(got))
    _assert_rel(got, _ref(GRAD_CASES[name], GRAD_POINTS), 1e-10, [GRAD_POINTS], f"grad {name}")


def test_second_derivative_of_log_normalizer_is_the_variance(x64):
    got = np.asarray(_vgrad(jax.grad(cb.log_normalizer))(jnp.asarray(GRAD_POINTS)))
    _assert_rel(got, _ref(mp_langevin_grad, GRAD_POINTS), 1e-10, [GRAD_POINTS], "grad grad A")


@pytest.mark.parametrize("dtype", [F32, F64])
def test_all_gradients_finite_everywhere_and_exact_at_zero(x64, dtype):
    """Every gradient is finite at b = 0 exactly (the "double where" must not leak
    NaN), over the whole grid, and for huge |b|; at 0 it equals the analytic limit."""
    extremes = [1e30, -1e30, 1e-30, -1e-30, -0.0]
    b = jnp.asarray(np.concatenate([[0.0], dense_grid(dtype)[::9], extremes]).astype(dtype))
    grads = [np.asarray(g) for g in grads_of_everything(b)]
    for i, g in enumerate(grads):
        assert g.dtype == dtype and np.all(np.isfinite(g)), (i, np.asarray(b)[~np.isfinite(g)])
    at_zero = [float(g[0]) for g in grads]
    h, u = 1e-3, float(dtype(0.4))
    expected = [
        1 / 3,  # L'(0)
        0.0,  # L''(0)
        0.0,  # A'(0) = L(0)
        0.0,  # H'(0) = -0 L'(0)
        3.0,  # d inverse_langevin / dm at m = 0: 1 / L'(0)
        -float(dtype(0.1)) / 3,  # d KL(q, p) / dq = (q - p) L'(q) at q = 0, p = 0.1
        -float(mp_langevin(dtype(0.3))),  # d KL(0.3, p) / dp = L(p) - L(0.3) at p = 0
        u,  # d log_prob(0.4, b) / db = 0.4 - L(0)
        float((mp_cdf(u, h) - mp_cdf(u, -h)) / (2 * h)),  # d cdf(0.4, b) / db, O(h^2) ~ 1e-7
        2 * u * (1 - u),  # d icdf(0.4, b) / db = 2 u (1 - u)
        1 / 3,  # A''(0) = L'(0)
        None,  # reparameterised sample mean: finite is all
    ]
    for i, (got, exp) in enumerate(zip(at_zero, expected)):
        if exp is not None:
            tol = 1e-6 if i == 8 else 16 * EPS[dtype]
            assert got == pytest.approx(exp, rel=tol, abs=tol), (i, got, exp)
    assert at_zero[1] == at_zero[2] == at_zero[3] == 0.0  # exact zeros stay exact


def test_vmapped_grad_of_langevin_is_langevin_grad(x64):
    b = jnp.asarray(dense_grid(F64))
    got = np.asarray(_vgrad(cb.langevin)(b))
    np.testing.assert_allclose(got, np.asarray(JIT["langevin_grad"](b)), rtol=1e-13, atol=0)


def test_grad_inverse_langevin(x64):
    m = [0.0, 1e-6, 0.1, 0.5, float(np.nextafter(0.5, 0)), 0.9, 0.999, 1 - 1e-6]
    m = np.asarray(m + [-v for v in m[1:]])
    got = np.asarray(_vgrad(cb.inverse_langevin)(jnp.asarray(m)))
    ref = [1 / float(mp_langevin_grad(mp_inverse_langevin(v))) for v in m]
    _assert_rel(got, ref, 1e-10, [m], "d inverse_langevin / dm = 1 / L'(b)")
    # ... and it is the derivative of the function actually computed (central difference).
    h = 1e-4 * (1 - np.abs(m))
    hi, lo = m + h, m - h
    fd = (np.asarray(JIT["inverse_langevin"](hi)) - np.asarray(JIT["inverse_langevin"](lo))) / (hi - lo)
    np.testing.assert_allclose(got, fd, rtol=1e-6)


KL_GRAD_PAIRS = np.asarray([
    (0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (0.5, -0.5), (float(np.nextafter(0.5, 0)), 0.3),
    (1e-8, 0.0), (ENTROPY_ROOT, -ENTROPY_ROOT), (1e3, -1e4), (1e4, 1e4 - 1.0), (-1e4, 2.0), (-3.0, -3.0),
])  # fmt: skip


def test_grad_kl_in_each_argument(x64):
    """d KL / d b_q = (b_q - b_p) L'(b_q);   d KL / d b_p = L(b_p) - L(b_q)."""
    q, p = KL_GRAD_PAIRS.T
    got_q = np.asarray(_vgrad(cb.kl, argnums=0)(jnp.asarray(q), jnp.asarray(p)))
    got_p = np.asarray(_vgrad(cb.kl, argnums=1)(jnp.asarray(q), jnp.asarray(p)))
    with mp.workdps(DPS):
        ref_q = np.asarray([float((mp.mpf(a) - mp.mpf(c)) * mp_langevin_grad(a)) for a, c in zip(q, p)])
        ref_p = np.asarray([float(mp_langevin(c) - mp_langevin(a)) for a, c in zip(q, p)])
    # The autodiff of (q - p) L(q) - A(q) forms L(q) + (q - p) L'(q) - L(q): allow
    # round-off relative to those terms on top of the acceptance tolerance.
    scale = np.abs(_ref(mp_langevin, q)) + np.abs(_ref(mp_langevin, p)) + np.abs(ref_q)
    for got, ref in [(got_q, ref_q), (got_p, ref_p)]:
        ok = np.abs(got - ref) <= 1e-10 * np.abs(ref) + 16 * EPS[F64] * scale
        assert ok.all(), (KL_GRAD_PAIRS[~ok], got[~ok], ref[~ok])
    assert got_q[0] == 0.0 and got_p[0] == 0.0  # at (0, 0)


def test_grad_log_prob(x64):
    s = np.asarray([-1.0, -0.3, 0.0, 0.7, 1.0])
    ss, bb = (x.ravel() for x in np.meshgrid(s, GRAD_POINTS, indexing="ij"))
    got_b = np.asarray(_vgrad(cb.log_prob, argnums=1)(jnp.asarray(ss), jnp.asarray(bb)))
    ref_b = ss - _ref(mp_langevin, bb)  # d/db (b s - A(b)) = s - L(b)
    np.testing.assert_allclose(got_b, ref_b, rtol=1e-10, atol=4 * EPS[F64])
    got_s = np.asarray(_vgrad(cb.log_prob, argnums=0)(jnp.asarray(ss), jnp.asarray(bb)))
    np.testing.assert_array_equal(got_s, bb)  # d/ds = b


ICDF_U = np.asarray([0.01, 0.3, 0.5, 0.9])
ICDF_GRAD_B = [0.0, 1e-12, 0.1, 0.3, float(np.nextafter(SWITCH, 0)), SWITCH, 2.5, 40.0, 1e3, 1e4]
ICDF_GRAD_B = ICDF_GRAD_B + [-b for b in ICDF_GRAD_B[1:]]
# Small but nonzero biases: either side of cb.py's 1e-9 switch to its first-order expansion.
ICDF_SMALL_B = [9e-10, 1.1e-9, 1e-8, 1e-6, 1e-4, 1e-2]
ICDF_SMALL_B = ICDF_SMALL_B + [-b for b in ICDF_SMALL_B]


def _icdf_grad_check(dtype, biases, rel_tol):
    u, b = (x.ravel() for x in np.meshgrid(ICDF_U.astype(dtype), np.asarray(biases, dtype), indexing="ij"))
    got = np.asarray(_vgrad(cb.icdf, argnums=1)(jnp.asarray(u), jnp.asarray(b)))
    assert got.dtype == dtype and np.all(np.isfinite(got))
    _assert_rel(got, _ref(mp_icdf_db, u, b), rel_tol, [u, b], f"d icdf(u, b) / db in {dtype.__name__}")


def test_grad_icdf_in_b_matches_analytic_derivative(x64):
    """At 0 (where it is 2 u (1 - u)), near |b| = 0.5 and for large |b|."""
    _icdf_grad_check(F64, ICDF_GRAD_B, 1e-10)


def test_grad_icdf_in_b_at_small_biases_float64(x64):
    """The pathwise derivative must also be accurate for small nonzero |b| (biases
    near zero, as at initialisation), not only at b = 0 exactly."""
    _icdf_grad_check(F64, ICDF_SMALL_B, 1e-9)


def test_grad_icdf_in_b_at_small_biases_float32(x64):
    _icdf_grad_check(F32, ICDF_SMALL_B + [0.0, 0.3, -2.5, 40.0], 1e-4)


def test_pathwise_grad_of_icdf_matches_finite_difference(x64):
    u = np.linspace(0.02, 0.98, 25)
    g = _vgrad(cb.icdf, argnums=1)
    for b in [0.0, 1e-3, 0.3, -0.7, 2.5, -40.0, 1e3]:
        h = 1e-5 * max(1.0, abs(b))
        bb = np.full_like(u, b)
        fd = (np.asarray(JIT["icdf"](u, bb + h)) - np.asarray(JIT["icdf"](u, bb - h))) / (2 * h)
        np.testing.assert_allclose(np.asarray(g(jnp.asarray(u), jnp.asarray(bb))), fd, rtol=1e-6, atol=1e-12)


# --------------------------------------------------------------------------- #
# log_prob, cdf, icdf
# --------------------------------------------------------------------------- #

DIST_B = [0.0, 1e-6, 0.3, -2.5, 40.0, -1e3]


def _np_cdf(s, b):
    """The CB CDF in numpy float64, written independently of fepnet.cb (overflow-safe)."""
    s = np.clip(np.asarray(s, dtype=F64), -1.0, 1.0)
    if b == 0:
        return (s + 1.0) / 2.0
    if b < 0:  # expm1(b (s + 1)) / expm1(2 b), both arguments <= 0: no overflow
        return np.expm1(b * (s + 1.0)) / np.expm1(2.0 * b)
    # b > 0: divide through by exp(2 b):  exp(b (s - 1)) (1 - exp(-b (s + 1))) / (1 - exp(-2 b))
    return np.exp(b * (s - 1.0)) * np.expm1(-b * (s + 1.0)) / np.expm1(-2.0 * b)


@pytest.mark.parametrize("b", DIST_B + [1e4, -0.5, 7.0])
def test_log_prob_integrates_to_one_with_right_moments(x64, b):
    lp = JIT["log_prob"]
    dens = lambda s: float(np.exp(lp(s, b)))  # noqa: E731
    peak = 1.0 if b > 0 else -1.0
    points = [peak - peak * k / abs(b) for k in (1, 10, 100) if abs(b) > 1 and k / abs(b) < 1]
    kw = dict(points=points or None, limit=200, epsabs=1e-14, epsrel=1e-12)
    total, _ = integrate.quad(dens, -1, 1, **kw)
    ref_mean = float(mp_langevin(b))
    mean, _ = integrate.quad(lambda s: s * dens(s), -1, 1, **kw)
    var, _ = integrate.quad(lambda s: (s - ref_mean) ** 2 * dens(s), -1, 1, **kw)
    assert total == pytest.approx(1.0, rel=1e-9)
    assert mean == pytest.approx(ref_mean, rel=1e-8, abs=1e-12)
    assert var == pytest.approx(float(mp_langevin_grad(b)), rel=1e-8)


def test_log_prob_values(x64):
    s, b = (x.ravel() for x in np.meshgrid(np.linspace(-1, 1, 9), DIST_B + [1e4, -1e4], indexing="ij"))
    got = np.asarray(JIT["log_prob"](jnp.asarray(s), jnp.asarray(b)))
    ref = [float(mp.mpf(bi) * mp.mpf(si) - mp_log_normalizer(bi)) for si, bi in zip(s, b)]
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [F32, F64])
def test_cdf_matches_mpmath(x64, dtype):
    s = np.concatenate([np.linspace(-1, 1, 201), [-1 + 1e-12, 1 - 1e-12, -1 + 1e-30]]).astype(dtype)
    for b in DIST_B + [1e-9, np.nextafter(1e-9, 0), -1e-12, 0.5, 1e4, -1e4, 1e-30]:
        b = dtype(b)
        got = np.asarray(JIT["cdf"](jnp.asarray(s), b))
        assert got.dtype == dtype
        ref = _ref(mp_cdf, s, b)
        # The CDF at a float s: the relative error grows like eps * |b| (exp(b s)
        # amplifies the rounding of b * s), plus the O(b^2) truncation of cb.py's
        # tiny-b expansion.
        tol = 64 * EPS[dtype] * (1 + abs(float(b))) + float(b) ** 2
        tiny = np.finfo(dtype).tiny
        ok = (np.abs(got - ref) <= tol * np.abs(ref)) | ((ref < tiny) & (got < tiny))
        assert ok.all(), (b, s[~ok], got[~ok], ref[~ok])
        assert got[0] == 0.0 and 1 - EPS[dtype] <= got[200] <= 1.0


def test_cdf_limits_and_clipping(x64):
    for dtype in (F32, F64):
        for b in [0.0, 1e-12, 0.3, -2.5, 1e4, -1e4]:
            out = np.asarray(JIT["cdf"](jnp.asarray([-1.0, 1.0, -3.0, 5.0], dtype), jnp.asarray(b, dtype)))
            assert out.dtype == dtype
            # exactly 0 at and below -1; 1 at and above 1 (to an ulp: XLA may evaluate
            # the numerator and denominator of expm1(.) / expm1(.) with different kernels)
            np.testing.assert_allclose(out, [0.0, 1.0, 0.0, 1.0], rtol=0, atol=EPS[dtype])
            assert out[0] == out[2] == 0.0


@pytest.mark.parametrize("dtype", [F32, F64])
def test_cdf_of_icdf_is_identity(x64, dtype):
    u = np.concatenate([[0.0, 1e-30, 1e-12], np.linspace(0, 1, 101), [1 - 1e-7, 1.0]]).astype(dtype)
    for b in DIST_B + [1e-9, -9e-10, 0.5, -0.5, 1e4, -1e4]:
        b = dtype(b)
        back = np.asarray(JIT["cdf"](JIT["icdf"](jnp.asarray(u), b), b))
        assert back.dtype == dtype
        # The conditioning of sigma -> F(sigma): density <= max(1/2, |b|), times the
        # round-off in sigma (a few eps; XLA's float64 log1p is only ~100 ulp accurate).
        tol = 256 * EPS[dtype] * max(1.0, abs(float(b)))
        err = np.abs(back.astype(F64) - u)
        assert np.all(err <= tol), (b, u[err > tol], back[err > tol])


@pytest.mark.parametrize("dtype", [F32, F64])
def test_icdf_matches_mpmath(x64, dtype):
    # u on the grid of jax.random.uniform (multiples of 2^-52 resp. 2^-23), as in sample()
    bits = {F64: 52, F32: 23}[dtype]
    u = np.concatenate([np.linspace(0, 1, 51), [2.0**-bits, 2.0**-20, 1 - 2.0**-20, 1 - 2.0**-bits]]).astype(dtype)
    for b in DIST_B + [1e-9, 9e-10, 1e4, -1e4, 0.5, -0.5]:
        b = dtype(b)
        got = np.asarray(JIT["icdf"](jnp.asarray(u), b))
        assert got.dtype == dtype
        with mp.workdps(DPS):
            ref = [min(max(_mp_icdf_exact(mp.mpf(float(v)), mp.mpf(float(b))), -1), 1) for v in u]
        # absolute: sigma is O(1); XLA's float64 log1p is only good to ~100 ulp
        atol = {F64: 1e-13, F32: 8 * EPS[F32]}[dtype]
        np.testing.assert_allclose(got, np.asarray(ref, dtype=F64), rtol=0, atol=atol, err_msg=str(b))


@pytest.mark.parametrize("dtype", [F32, F64])
def test_icdf_stays_in_support_for_extreme_inputs(x64, dtype):
    info = np.finfo(dtype)
    b = np.asarray(
        [0.0, info.smallest_subnormal, info.tiny, 1e-12, 9.999e-10, 1e-9, 1.0001e-9, 1e-6, 0.5, 40.0, 1e3, 1e4,
         1e8, 1e30, float(info.max) / 3, float(info.max)],
        dtype=dtype,
    )  # fmt: skip
    b = np.concatenate([b, -b])
    u = np.asarray([0.0, info.smallest_subnormal, info.tiny, 1e-30, 0.5, 1 - info.epsneg, 1.0], dtype=dtype)
    out = np.asarray(JIT["icdf"](jnp.asarray(u)[:, None], jnp.asarray(b)[None, :]))
    assert out.dtype == dtype
    assert np.all((out >= -1) & (out <= 1)), out
    assert np.all(out[0] == -1) and np.all(out[-1] == 1)


# --------------------------------------------------------------------------- #
# Sampling
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("b", DIST_B)
def test_sampler_passes_kolmogorov_smirnov(x64, b, dtype):
    draws = np.asarray(jit_sample(jax.random.key(20240611), jnp.asarray(b, dtype), shape=(20000,)))
    assert draws.dtype == dtype
    result = stats.kstest(draws.astype(F64), lambda s: _np_cdf(s, float(dtype(b))))
    assert result.pvalue > 1e-3, (b, result)


def test_kolmogorov_smirnov_detects_a_wrong_bias(x64):
    """The KS check above has power: draws for b = 0.3 are rejected as CB(0.4)."""
    draws = np.asarray(jit_sample(jax.random.key(20240611), jnp.float64(0.3), shape=(20000,)))
    assert stats.kstest(draws, lambda s: _np_cdf(s, 0.4)).pvalue < 1e-3


@pytest.mark.parametrize("dtype", [F32, F64])
def test_samples_never_leave_the_support(x64, dtype):
    info = np.finfo(dtype)
    b = np.asarray(
        [0.0, info.smallest_subnormal, 1e-30, 1e-9, 1e-6, 0.5, 40.0, 1e3, 1e4, 1e8, 1e30, float(info.max)],
        dtype=dtype,
    )
    b = np.concatenate([b, -b])
    draws = np.asarray(jit_sample(jax.random.key(7), jnp.asarray(b), shape=(40000, b.size)))
    assert draws.dtype == dtype and draws.shape == (40000, b.size)
    assert np.all((draws >= -1) & (draws <= 1))


@pytest.mark.parametrize("b", DIST_B + [-0.5, 7.0])
def test_sample_mean_and_variance(x64, b):
    n = 200_000
    draws = np.asarray(jit_sample(jax.random.key(3), jnp.float64(b), shape=(n,)))
    mean, var = float(mp_langevin(b)), float(mp_langevin_grad(b))
    fourth = np.mean((draws - mean) ** 4)
    assert abs(draws.mean() - mean) <= 5 * np.sqrt(var / n)
    assert abs(draws.var() - var) <= 5 * np.sqrt(max(fourth - var**2, 0.0) / n) + 1e-12
    np.testing.assert_allclose([mean, var], [float(JIT["langevin"](b)), float(JIT["langevin_grad"](b))], rtol=1e-12)


N_REPARAM = 100_000
mean_sample_grad = jax.jit(jax.grad(lambda b, key: jnp.mean(cb.sample(key, b, (N_REPARAM,)))))
per_draw_icdf_grad = _vgrad(cb.icdf, argnums=1, in_axes=(0, None))


@pytest.mark.parametrize(
    "dtype, b",
    [(F64, b) for b in [0.0, 1e-6, 0.3, -2.5, 40.0, -1e3]] + [(F32, b) for b in [0.0, 1e-8, 1e-6, 0.3, -2.5, 40.0]],
)
def test_reparameterised_gradient_of_sample_mean(x64, dtype, b):
    """d/db E[sigma] = L'(b), estimated by autodiff through the sampler with a fixed key."""
    key = jax.random.key(11)
    b = dtype(b)
    grad = float(mean_sample_grad(b, key))
    per_draw = np.asarray(per_draw_icdf_grad(jax.random.uniform(key, (N_REPARAM,), dtype), b), dtype=F64)
    se = per_draw.std() / np.sqrt(N_REPARAM)
    target = float(mp_langevin_grad(b))
    assert abs(grad - target) <= 5 * se, (grad, target, se)
    assert se < 0.02 * target  # the check is sharp enough to mean something
    assert grad == pytest.approx(per_draw.mean(), rel=1e-7 if dtype == F64 else 1e-4)  # sample = icdf(uniform)


def test_sample_shapes_dtypes_and_determinism(x64):
    key = jax.random.key(0)
    b = jnp.linspace(-3.0, 3.0, 4)
    shape_of = lambda *args, **kw: jax.eval_shape(functools.partial(cb.sample, **kw), *args)  # noqa: E731
    assert shape_of(key, b).shape == (4,)
    assert shape_of(key, b, shape=(10, 4)).shape == (10, 4)
    assert shape_of(key, jnp.float64(0.5), shape=(3, 2)).shape == (3, 2)
    assert shape_of(key, b).dtype == jnp.float64
    assert shape_of(key, b.astype(jnp.float32)).dtype == jnp.float32
    assert shape_of(key, b, dtype=jnp.float32).dtype == jnp.float32
    assert shape_of(key, jnp.asarray([0, 1, 2])).dtype == jnp.result_type(float)
    with pytest.raises(ValueError):
        shape_of(key, b, shape=(10, 3))  # must broadcast with b
    # deterministic in the key; different keys give different draws
    first = np.asarray(jit_sample(key, b, shape=(1000, 4)))
    np.testing.assert_array_equal(first, np.asarray(jit_sample(key, b, shape=(1000, 4))))
    assert not np.array_equal(first, np.asarray(jit_sample(jax.random.key(1), b, shape=(1000, 4))))
    # each column is drawn with its own bias
    np.testing.assert_allclose(first.mean(axis=0), np.asarray(JIT["langevin"](b)), atol=0.06)
    # op-by-op (eager) sampling agrees with the jitted sampler
    np.testing.assert_allclose(np.asarray(cb.sample(key, b, (1000, 4))), first, rtol=1e-14, atol=1e-15)


def test_sample_vmapped_over_keys(x64):
    keys = jax.random.split(jax.random.key(5), 6)
    b = jnp.float64(0.8)
    batched = np.asarray(jax.jit(jax.vmap(lambda k: cb.sample(k, b, (100,))))(keys))
    for i in range(6):
        single = np.asarray(jit_sample(keys[i], b, (100,)))
        np.testing.assert_allclose(batched[i], single, rtol=1e-14, atol=1e-15)
        assert not np.allclose(single, batched[(i + 1) % 6])


# --------------------------------------------------------------------------- #
# Transformations, dtypes, symmetry
# --------------------------------------------------------------------------- #

UNARY = ["langevin", "langevin_grad", "log_normalizer", "entropy"]
BINARY = ["kl", "log_prob", "cdf", "icdf"]


def _every_function_vmapped(b, m, x, y):
    """(vmapped, batched) result pairs for every function: plain vmap, vmap with a
    broadcast argument, and nested vmap against column-by-row broadcasting."""
    pairs = []
    for name in UNARY:
        fn = getattr(cb, name)
        pairs.append((jax.vmap(fn)(b), fn(b)))
    pairs.append((jax.vmap(cb.inverse_langevin)(m), cb.inverse_langevin(m)))
    for name in BINARY:
        fn = getattr(cb, name)
        pairs.append((jax.vmap(fn)(x, y), fn(x, y)))
        pairs.append((jax.vmap(fn, (0, None))(x, y[3]), fn(x, y[3])))
        pairs.append((jax.vmap(jax.vmap(fn, (None, 0)), (0, None))(x, y), fn(x[:, None], y[None, :])))
    return pairs


def test_vmap_agrees_with_batched_call(x64):
    b = jnp.asarray(dense_grid(F64))
    m = jnp.linspace(-0.99, 0.99, 51)
    x = jnp.linspace(0.01, 0.99, 33)
    y = jnp.linspace(-30.0, 30.0, 33)
    pairs = jax.jit(_every_function_vmapped)(b, m, x, y)
    assert len(pairs) == len(UNARY) + 1 + 3 * len(BINARY)
    for i, (vmapped, batched) in enumerate(pairs):
        assert vmapped.shape == batched.shape
        np.testing.assert_allclose(np.asarray(vmapped), np.asarray(batched), rtol=1e-13, atol=1e-14, err_msg=str(i))


ALL_CALLS = {
    "langevin": lambda v: cb.langevin(v),
    "langevin_grad": lambda v: cb.langevin_grad(v),
    "log_normalizer": lambda v: cb.log_normalizer(v),
    "entropy": lambda v: cb.entropy(v),
    "inverse_langevin": lambda v: cb.inverse_langevin(v * 0),
    "kl": lambda v: cb.kl(v, v + 1),
    "log_prob": lambda v: cb.log_prob(v * 0, v),
    "cdf": lambda v: cb.cdf(v * 0, v),
    "icdf": lambda v: cb.icdf(v * 0 + 1, v),
    "sample": lambda v: cb.sample(jax.random.key(0), v),
}


@pytest.mark.parametrize("name", list(ALL_CALLS))
def test_output_dtype_follows_input(x32, name):
    """float32 in -> float32 out, float64 in -> float64 out, integer -> the default float.

    (jax.eval_shape traces without compiling; executed dtypes are asserted
    throughout the accuracy tests above.)"""
    call = ALL_CALLS[name]

    def out_dtype(dtype):
        return jax.eval_shape(call, jax.ShapeDtypeStruct((2,), dtype)).dtype

    assert out_dtype(jnp.float32) == jnp.float32
    assert out_dtype(jnp.int32) == jnp.float32  # integer input -> default float (float32)
    jax.config.update("jax_enable_x64", True)  # restored by the x32 fixture
    assert out_dtype(jnp.float32) == jnp.float32
    assert out_dtype(jnp.float64) == jnp.float64
    assert out_dtype(jnp.int32) == jnp.float64  # integer input -> default float (float64 under x64)
    assert out_dtype(jnp.int64) == jnp.float64


def _from_integers(ints):
    out = [getattr(cb, name)(ints) for name in UNARY]
    out.append(cb.inverse_langevin(ints // 5))  # -1, 0, 1
    out.append(cb.kl(ints, -ints + 1))
    out.append(cb.log_prob(ints % 2, ints))
    out.append(cb.cdf(ints % 2, ints))
    out.append(cb.icdf(ints % 2, ints))
    return out


def test_integer_input_gives_the_float_values(x64):
    ints = np.arange(-5, 6)
    got = [np.asarray(v) for v in jax.jit(_from_integers)(jnp.asarray(ints))]
    assert all(v.dtype == F64 for v in got)
    refs = [_ref(SCALAR_FUNCTIONS[name], ints) for name in UNARY]
    refs.append(np.asarray([{-1: -np.inf, 0: 0.0, 1: np.inf}[v] for v in ints // 5]))
    refs.append(_ref(mp_kl, ints, -ints + 1))
    refs.append(np.asarray([float(mp.mpf(int(s)) * b - mp_log_normalizer(b)) for s, b in zip(ints % 2, ints)]))
    refs.append(_ref(mp_cdf, ints % 2, ints))
    refs.append(np.where(ints % 2 == 1, 1.0, -1.0))  # icdf(1, b) = 1, icdf(0, b) = -1
    for i, (v, ref) in enumerate(zip(got, refs)):
        np.testing.assert_allclose(v, ref, rtol=1e-13, atol=1e-300, err_msg=str(i))
    assert float(cb.langevin(3)) == pytest.approx(float(mp_langevin(3)), rel=1e-14)  # eager, python int


@pytest.mark.parametrize("dtype", [F32, F64])
def test_symmetries(x64, dtype):
    b = jnp.asarray(dense_grid(dtype))
    tol = 4 * EPS[dtype]
    L, dL, A, H = (np.asarray(JIT[name](b)) for name in UNARY)
    Ln, dLn, An, Hn = (np.asarray(JIT[name](-b)) for name in UNARY)
    np.testing.assert_allclose(Ln, -L, rtol=tol, atol=0)  # L odd
    np.testing.assert_allclose(dLn, dL, rtol=tol, atol=0)  # L' even
    np.testing.assert_allclose(An, A, rtol=tol, atol=0)  # A even
    np.testing.assert_allclose(Hn, H, rtol=tol, atol=0)  # H even
    assert np.all(np.sign(L) == np.sign(np.asarray(b)))
    assert np.all(dL > 0) and np.all(dL <= 1 / 3 + tol)
    m = jnp.linspace(-0.999, 0.999, 41, dtype=dtype)
    inv = JIT["inverse_langevin"]
    np.testing.assert_allclose(np.asarray(inv(-m)), -np.asarray(inv(m)), rtol=tol)
    q = b[::7]
    p = b[::-7][: q.size]
    np.testing.assert_allclose(np.asarray(JIT["kl"](-q, -p)), np.asarray(JIT["kl"](q, p)), rtol=tol, atol=tol)
    s = jnp.linspace(-1, 1, q.size, dtype=dtype)
    lp = JIT["log_prob"]
    np.testing.assert_allclose(np.asarray(lp(-s, -q)), np.asarray(lp(s, q)), rtol=tol, atol=tol)
    cdf_err = np.abs(np.asarray(JIT["cdf"](-s, -q)) - (1 - np.asarray(JIT["cdf"](s, q))))
    assert np.all(cdf_err <= 8 * tol * np.maximum(1, np.abs(np.asarray(q)))), cdf_err
    u = jnp.linspace(0, 1, q.size, dtype=dtype)
    icdf_err = np.abs(np.asarray(JIT["icdf"](1 - u, -q)) + np.asarray(JIT["icdf"](u, q)))
    assert np.all(icdf_err <= 8 * tol), icdf_err


# --------------------------------------------------------------------------- #
# Property-based tests
# --------------------------------------------------------------------------- #

biases = st.floats(-1e4, 1e4, allow_nan=False)
unit = st.floats(0.0, 1.0)


@HYPOTHESIS
@given(b=biases, u1=unit, u2=unit)
def test_icdf_monotone_in_u_and_inside_support(x64, b, u1, u2):
    lo, hi = min(u1, u2), max(u1, u2)
    for dtype in (F64, F32):
        s = np.asarray(JIT["icdf"](jnp.asarray([lo, hi], dtype), jnp.asarray(b, dtype)))
        assert np.all((s >= -1) & (s <= 1)), (b, lo, hi, s)
        assert s[0] <= s[1], (dtype, b, lo, hi, s)


@HYPOTHESIS
@given(b=biases, s1=st.floats(-1.5, 1.5), s2=st.floats(-1.5, 1.5))
def test_cdf_in_unit_interval_and_monotone(x64, b, s1, s2):
    lo, hi = min(s1, s2), max(s1, s2)
    for dtype in (F64, F32):
        f = np.asarray(JIT["cdf"](jnp.asarray([lo, hi], dtype), jnp.asarray(b, dtype)))
        assert np.all((f >= 0) & (f <= 1)), (b, lo, hi, f)
        assert f[0] <= f[1], (dtype, b, lo, hi, f)


@HYPOTHESIS
@given(b=st.floats(-50, 50, allow_nan=False))
def test_inverse_langevin_round_trip_property(x64, b):
    b_hat = float(JIT["inverse_langevin"](JIT["langevin"](jnp.float64(b))))
    assert b_hat == pytest.approx(b, rel=1e-8, abs=1e-300)


@HYPOTHESIS
@given(q=biases, p=biases)
def test_kl_property(x64, q, p):
    got = float(JIT["kl"](jnp.float64(q), jnp.float64(p)))
    ref = float(mp_kl(q, p))
    scale = abs((q - p) * float(mp_langevin(q))) + abs(float(mp_log_normalizer(q))) + abs(float(mp_log_normalizer(p)))
    assert ref >= 0
    assert abs(got - ref) <= 1e-10 * ref + 16 * EPS[F64] * scale, (q, p, got, ref)


# --------------------------------------------------------------------------- #
# The public boundary and the edges (issue #16, causes 11 and 12)
# --------------------------------------------------------------------------- #

# (call with one argument replaced by x, the argument's name in the message)
ONE_ARGUMENT = [
    (lambda x: cb.langevin(x), "b"),
    (lambda x: cb.langevin_grad(x), "b"),
    (lambda x: cb.log_normalizer(x), "b"),
    (lambda x: cb.entropy(x), "b"),
    (lambda x: cb.inverse_langevin(x), "m"),
    (lambda x: cb.kl(x, 0.5), "b_q"),
    (lambda x: cb.kl(0.5, x), "b_p"),
    (lambda x: cb.log_prob(x, 0.5), "sigma"),
    (lambda x: cb.log_prob(0.5, x), "b"),
    (lambda x: cb.cdf(x, 0.5), "sigma"),
    (lambda x: cb.cdf(0.5, x), "b"),
    (lambda x: cb.icdf(x, 0.5), "u"),
    (lambda x: cb.icdf(0.5, x), "b"),
    (lambda x: cb.sample(jax.random.key(0), x), "b"),
]


@pytest.mark.parametrize("bad", [0.5 + 1j, np.array([0.5, 1.0 + 2j]), True, np.array([True, False]), "0.5", None, object()],
                         ids=["complex", "complex-array", "bool", "bool-array", "str", "None", "object"])
@pytest.mark.parametrize("call, name", ONE_ARGUMENT, ids=[f"{i}-{n}" for i, (_, n) in enumerate(ONE_ARGUMENT)])
def test_cause11_non_real_arguments_are_refused_naming_them(call, name, bad):
    """Complex input used to be cut to its real part and bool taken as 0/1; strings and
    None gave raw JAX errors. Now: TypeError naming the argument."""
    with pytest.raises(TypeError, match=rf"^{name} must"):
        call(bad)


def test_cause11_shapes_keys_and_dtypes_of_the_boundary():
    key = jax.random.key(0)
    with pytest.raises(ValueError, match=r"^shape must be >= 0"):
        cb.sample(key, 0.5, shape=(-1,))  # used to be a raw MLIR error
    with pytest.raises(TypeError, match=r"^shape must be a tuple"):
        cb.sample(key, 0.5, shape=3)
    with pytest.raises(ValueError, match=r"^shape \(2,\) must be one that b's shape \(3,\) broadcasts to"):
        cb.sample(key, jnp.zeros(3), shape=(2,))
    with pytest.raises(ValueError, match=r"shape \(2, 1\) must be one that b's shape \(3,\)"):
        cb.sample(key, jnp.zeros(3), shape=(2, 1))  # broadcasting would reuse one uniform per row
    assert cb.sample(key, jnp.zeros((3, 1)), shape=(3, 4)).shape == (3, 4)
    with pytest.raises(TypeError, match=r"^key must be a JAX PRNG key"):
        cb.sample(0, 0.5)
    with pytest.raises(TypeError, match=r"^dtype must be a floating dtype"):
        cb.sample(key, 0.5, dtype=jnp.int32)
    for call, names in [(cb.kl, "b_q.*b_p"), (cb.log_prob, "sigma.*b"), (cb.cdf, "sigma.*b"), (cb.icdf, "u.*b")]:
        with pytest.raises(ValueError, match=rf"^{names}'s shape \(4,\)"):
            call(jnp.full(3, 0.5), jnp.full(4, 0.5))  # used to be a raw broadcasting error
    with pytest.raises(TypeError, match="^b must be an array of real numbers"):
        cb.langevin([[1.0, 2.0], [3.0]])  # ragged


def test_cause11_dtype_checks_run_under_jit_too():
    with pytest.raises(TypeError, match="^b must hold real numbers"):
        jax.jit(cb.langevin)(jnp.array([0.5 + 1j]))
    with pytest.raises(TypeError, match="^u must hold real numbers"):
        jax.jit(cb.icdf)(jnp.array([True]), 0.5)
    with pytest.raises(ValueError, match="^sigma"):
        jax.jit(cb.cdf)(jnp.zeros(3), jnp.zeros(4))  # shapes are static: checked while tracing


def test_cause11_values_beyond_the_working_dtype_are_refused(x32):
    with pytest.raises(ValueError, match="^b holds values beyond the range of float32"):
        cb.langevin(np.float64(1e39))
    with pytest.raises(ValueError, match="^b_p holds values beyond the range of float32"):
        cb.kl(0.0, np.array([np.inf, 1e39]))  # inf is a limit; 1e39 is not a stand-in for it


def test_cause11_network_kernels_call_the_unchecked_inner_functions(monkeypatch):
    """Kernel steps and learning steps, even called eagerly, run no boundary check of cb (no per-step cost)."""
    from fepnet import learning
    from fepnet.kernels import build_kernel, init_state, kernel_params

    net = fepnet.Network.random(jax.random.key(1), 4, coupling_scale=0.5, bias_scale=0.2)
    params, state = kernel_params(net, 1.5), init_state(net, jnp.full(4, 0.3))
    steps = {s: build_kernel(s, network=net) for s in ("synchronous", "sequential")}
    mean_field = build_kernel("synchronous", stochastic=False)
    lparams = learning.learning_params(net.biases, 1.5, 0.01)
    u, h = jnp.full(4, 0.3), jnp.linspace(-1.0, 1.0, 4)

    def everything():
        out = [k(jax.random.key(2), state, params).sigma for k in steps.values()]
        out += [mean_field(None, state, params).sigma]
        out += list(learning.sample_with_error(u, h, lparams, precision_weighted=True))
        return out + [learning.prediction_error(u, h, 1.5)]

    expected = everything()

    class NoChecks:
        def __getattr__(self, name):
            raise AssertionError(f"fepnet.cb ran checks.{name} on the hot path")

    monkeypatch.setattr(cb, "v", NoChecks())
    with pytest.raises(AssertionError, match="hot path"):
        cb.icdf(0.5, 0.5)  # the public function is checked ...
    for got, want in zip(everything(), expected):  # ... the kernels call the inner ones
        np.testing.assert_array_equal(got, want)


INF = np.inf


def test_cause12_infinite_bias_eagerly():
    """log_normalizer(+-inf) and kl(inf, 1) used to be NaN (the limits are +inf)."""
    np.testing.assert_array_equal(cb.log_normalizer(jnp.asarray([INF, -INF])), [INF, INF])
    assert float(cb.kl(INF, 1.0)) == INF and float(cb.kl(1.0, -INF)) == INF and float(cb.kl(-INF, -INF)) == 0.0
    assert float(cb.langevin(-INF)) == -1.0 and float(cb.icdf(0.0, INF)) == 1.0


@pytest.mark.parametrize("dtype", [F32, F64])
def test_cause12_infinite_bias_is_the_point_mass_limit(x64, dtype):
    """CB(+-inf) is the point mass at +-1; where that has no value, the limit b -> +-inf."""
    f = jax.jit
    b = jnp.asarray([INF, -INF], dtype)
    np.testing.assert_array_equal(f(cb.langevin)(b), [1.0, -1.0])
    np.testing.assert_array_equal(f(cb.langevin_grad)(b), [0.0, 0.0])
    np.testing.assert_array_equal(f(cb.log_normalizer)(b), [INF, INF])
    np.testing.assert_array_equal(f(cb.entropy)(b), [-INF, -INF])
    s = jnp.asarray([-1.0, 0.3, 1.0], dtype)[:, None]
    np.testing.assert_array_equal(f(cb.log_prob)(s, b), [[-INF, INF], [-INF, -INF], [INF, -INF]])
    s_cdf = jnp.asarray([-INF, -1.5, -1.0, 0.3, 1.0, 2.0], dtype)[:, None]
    np.testing.assert_array_equal(f(cb.cdf)(s_cdf, b), [[0, 0], [0, 0], [0, 1], [0, 1], [1, 1], [1, 1]])
    u = jnp.asarray([0.0, 0.3, 1.0], dtype)[:, None]
    np.testing.assert_array_equal(f(cb.icdf)(u, b), [[1, -1]] * 3)
    np.testing.assert_array_equal(cb.sample(jax.random.key(0), b, shape=(5, 2)), [[1, -1]] * 5)
    q = jnp.asarray([INF, INF, INF, -INF, INF, 1.0, -3.0, 0.0], dtype)
    p = jnp.asarray([INF, -INF, 1.0, -INF, 0.0, INF, -INF, -INF], dtype)
    np.testing.assert_array_equal(f(cb.kl)(q, p), [0, INF, INF, 0, INF, INF, INF, INF])
    np.testing.assert_array_equal(f(cb.inverse_langevin)(jnp.asarray([1.0, -1.0], dtype)), [INF, -INF])
    for out in (f(cb.log_normalizer)(b), f(cb.kl)(q, p)):
        assert out.dtype == dtype


@pytest.mark.parametrize("b", [1.0, -1.0, 0.0, 1e-3, -40.0])
def test_cause12_u_outside_the_unit_interval(b):
    """icdf(-0.5, 1) was NaN while icdf(1.5, 1) was 1.0: now refused on both sides
    when concrete, and NaN on both sides under jit."""
    for u in (-0.5, 1.5, -1e-30, np.inf):
        with pytest.raises(ValueError, match=r"^u must lie in \[0, 1\]"):
            cb.icdf(u, b)
    with pytest.raises(ValueError, match=r"^u contains NaN"):
        cb.icdf(np.nan, b)
    out = np.asarray(jax.jit(cb.icdf)(jnp.asarray([-0.5, 1.5, -1e-30, 1.0 + 1e-6, 0.0, 1.0]), b))
    assert np.all(np.isnan(out[:4])), out
    np.testing.assert_array_equal(out[4:], [-1.0, 1.0])


def test_cause12_other_out_of_range_values_and_nan():
    with pytest.raises(ValueError, match=r"^sigma must lie in \[-1, 1\], got 1.5"):
        cb.log_prob(1.5, 0.3)
    with pytest.raises(ValueError, match=r"^m must lie in \[-1, 1\], got -2"):
        cb.inverse_langevin(jnp.asarray([0.5, -2.0]))
    with pytest.raises(ValueError, match=r"^m must lie in \[-1, 1\], got inf"):
        cb.inverse_langevin(np.inf)
    for call, name in ONE_ARGUMENT:
        with pytest.raises(ValueError, match=rf"^{name} (contains NaN|must lie in .* got nan)"):
            call(np.asarray([0.1, np.nan]))
    assert float(cb.cdf(-np.inf, 0.3)) == 0.0 and float(cb.cdf(np.inf, 0.3)) == 1.0  # any sigma: a CDF
    # Under jit nothing is checked and the documented fallbacks hold.
    assert np.isnan(jax.jit(cb.inverse_langevin)(2.0)) and np.isnan(jax.jit(cb.langevin)(jnp.nan))
    assert float(jax.jit(cb.log_prob)(1.5, 0.3)) == pytest.approx(0.45 - float(cb.log_normalizer(0.3)))


def _mp_kl_wide(q, p):
    """KL at exact float inputs, with the precision raised for the digits that cancel at large |b|."""
    big = max(abs(q), abs(p), 1.0)
    tiny = min([abs(a) for a in (q, p) if a != 0] + [1.0])
    with mp.workdps(40 + int(np.log10(big)) + int(2 * max(0.0, -np.log10(tiny)))):
        q, p = mp.mpf(q), mp.mpf(p)
        mean = mp.coth(q) - 1 / q if q else mp.mpf(0)
        lognorm = lambda b: mp.log(2 * mp.sinh(b) / b) if b else mp.log(2)  # noqa: E731
        return +((q - p) * mean - lognorm(q) + lognorm(p))


@pytest.mark.parametrize("dtype", [F32, F64])
def test_cause12_kl_for_large_biases_matches_mpmath(x64, dtype):
    """kl(1e30, 0) was 0.693 (exact 68.77): the O(|b|) terms cancelled. Over b in
    +-[1e-6, 1e30] its relative error now meets the acceptance tolerance for large
    biases, and its absolute error is the documented eps (|A(b_q)| + |A(b_p)|) everywhere."""
    assert float(cb.kl(jnp.asarray(1e30, dtype), jnp.asarray(0.0, dtype))) == pytest.approx(
        np.log(1e30) - 1 + np.log(2), rel=REL_TOL[dtype])
    mags = 10.0 ** np.arange(-6, 31, 2)
    vals = np.concatenate([[0.0], mags, -mags, [0.5, 0.7, 2.63, -0.5, -7.0]]).astype(dtype)
    q, p = (x.ravel() for x in np.meshgrid(vals, vals, indexing="ij"))
    # and pairs close together at every size: b and b (1 + delta)
    b = np.concatenate([10.0 ** np.arange(0, 31, 3), [0.5, 0.7, 2.63]])
    for delta in (1e-4, 1e-2, 0.09, 0.11, 0.5, 1.5, -0.5, -0.99):
        for sign in (1, -1):
            q = np.concatenate([q, sign * b, sign * b * (1 + delta)]).astype(dtype)
            p = np.concatenate([p, sign * b * (1 + delta), sign * b]).astype(dtype)
    got = cb.kl(jnp.asarray(q), jnp.asarray(p))
    assert got.dtype == dtype
    got = np.asarray(got, F64)
    assert np.all(np.isfinite(got)) and np.all(got >= 0)
    ref = np.asarray([float(_mp_kl_wide(float(a), float(c))) for a, c in zip(q, p)])
    scale = np.abs(_ref(mp_log_normalizer, q)) + np.abs(_ref(mp_log_normalizer, p))
    # Relative accuracy: both |b| >= 20 (close or not), or one >= 0.5 and the value not
    # far below the O(1) terms that must cancel near b_q = b_p (as in test_kl_accuracy).
    frac = {F64: 1e-4, F32: 1e-2}[dtype]
    both_large = np.minimum(np.abs(q), np.abs(p)) >= 20
    well = both_large | ((np.maximum(np.abs(q), np.abs(p)) >= 0.5) & (ref >= frac * scale))
    assert well.sum() > 0.75 * well.size
    _assert_rel(got[well], ref[well], REL_TOL[dtype], [q[well], p[well]], f"kl {dtype.__name__}")
    # Everywhere: the documented absolute error, about eps (|A(b_q)| + |A(b_p)|).
    assert np.all(np.abs(got - ref) <= 4 * EPS[dtype] * scale)


@pytest.mark.parametrize("dtype", [F32, F64])
def test_cause12_kl_up_to_the_largest_float(x64, dtype):
    """Finite (and right) wherever the exact value is representable; +inf only beyond that."""
    big = float(np.finfo(dtype).max)
    vals = np.asarray([big, big / 2.5, big / 7, 1e20, 3.0, 0.6, 0.1], dtype)
    vals = np.concatenate([vals, -vals])
    q, p = (x.ravel() for x in np.meshgrid(vals, vals, indexing="ij"))
    got = np.asarray(cb.kl(jnp.asarray(q), jnp.asarray(p)), F64)
    assert not np.any(np.isnan(got))
    ref = np.asarray([float(_mp_kl_wide(float(a), float(c))) for a, c in zip(q, p)])
    fits = ref <= big * (1 - 1e-6)
    assert np.all(np.isinf(got[~fits]))
    _assert_rel(got[fits], ref[fits], REL_TOL[dtype], [q[fits], p[fits]], "kl at the largest floats")


# --------------------------------------------------------------------------- #
# Slow, more exhaustive versions (pytest -m slow)
# --------------------------------------------------------------------------- #


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [F32, F64])
def test_accuracy_on_a_very_fine_grid(x64, dtype):
    """20k log-spaced and 10k linear points in [-1e4, 1e4], all four functions."""
    pos = np.logspace(-12, 4, 10001)
    b = np.concatenate([[0.0], pos, -pos, np.linspace(-5, 5, 10001)]).astype(dtype)
    # leave out the ~100 doubles next to the entropy root (test_entropy_relative_accuracy_within_a_few_ulps_of_its_root)
    b = b[np.abs(np.abs(b.astype(F64)) - ENTROPY_ROOT) > 1e-13]
    for name, ref_fn in SCALAR_FUNCTIONS.items():
        got = np.asarray(JIT[name](jnp.asarray(b)))
        _assert_rel(got, _ref(ref_fn, b), REL_TOL[dtype], [b], f"{name} {dtype.__name__}")


@pytest.mark.slow
@pytest.mark.parametrize("b", DIST_B + [1e4, -1e4, 1e-9, 0.5])
def test_sampler_kolmogorov_smirnov_million_draws(x64, b):
    for dtype, seed in [(F64, 1), (F64, 2), (F32, 3)]:
        draws = np.asarray(jit_sample(jax.random.key(seed), jnp.asarray(b, dtype), shape=(1_000_000,)))
        assert np.all((draws >= -1) & (draws <= 1))
        result = stats.kstest(draws.astype(F64), lambda s: _np_cdf(s, float(dtype(b))))
        assert result.pvalue > 1e-3, (b, dtype, seed, result)
