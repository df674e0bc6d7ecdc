"""Tests of ``inference.distribution.ContinuousBernoulli``, the NumPyro wrapper of ``fepnet.cb``.

Patterned on NumPyro's own ``test_distributions.py``: moments, shapes, cdf/icdf,
gradients, pytree behaviour, goodness of fit, KL dispatch, validation. Exact
references are Gauss-Legendre quadrature of the density in float64; Monte-Carlo
checks use fixed seeds and tolerances of a few standard errors.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest
from numpyro.diagnostics import effective_sample_size
from numpyro.distributions.gof import auto_goodness_of_fit
from numpyro.infer import MCMC, NUTS, SVI, Trace_ELBO, TraceMeanField_ELBO
from scipy import stats

from fepnet import cb
from inference.distribution import ContinuousBernoulli as CB

N_MC = 100_000
NODES, WEIGHTS = np.polynomial.legendre.leggauss(100)  # exact to degree 199; converged to ~1e-13 for |b| <= 50 (more nodes lose accuracy)
QUAD_BIASES = [0.0, 1e-9, -1e-3, 0.3, -2.5, 10.0, 50.0, -50.0]


def _quad(fn):
    """Gauss-Legendre quadrature of fn(s) over [-1, 1] (fn vectorised over the nodes)."""
    return float(np.sum(WEIGHTS * fn(NODES)))


def _key(seed=0):
    return jax.random.PRNGKey(seed)


# --------------------------------------------------------------------------- #
# Maths against quadrature (float64)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("b", QUAD_BIASES)
def test_density_moments_entropy_match_quadrature(x64, b):
    d = CB(b)
    logp = lambda s: np.asarray(d.log_prob(s), dtype=np.float64)  # noqa: E731
    p = lambda s: np.exp(logp(s))  # noqa: E731
    assert _quad(p) == pytest.approx(1.0, abs=1e-12)
    mean = _quad(lambda s: s * p(s))
    assert float(d.mean) == pytest.approx(mean, abs=1e-12)
    assert float(d.variance) == pytest.approx(_quad(lambda s: (s - mean) ** 2 * p(s)), rel=1e-10, abs=1e-14)
    assert float(d.entropy()) == pytest.approx(-_quad(lambda s: p(s) * logp(s)), abs=1e-10)


@pytest.mark.parametrize("bq, bp", [(0.0, 1.3), (1.3, 0.0), (-4.0, 2.0), (50.0, 49.0), (1e-3, -1e-3)])
def test_kl_matches_quadrature(x64, bq, bp):
    q, p = CB(bq), CB(bp)
    ref = _quad(lambda s: np.exp(np.asarray(q.log_prob(s))) * np.asarray(q.log_prob(s) - p.log_prob(s)))
    kl = dist.kl_divergence(q, p)
    assert float(kl) == pytest.approx(ref, rel=1e-9, abs=1e-13)
    assert float(kl) > 0


# --------------------------------------------------------------------------- #
# Sampling: moments, goodness of fit, reparameterisation
# --------------------------------------------------------------------------- #

MC_BIASES = jnp.array([-3.0, -0.2, 0.0, 0.7, 5.0])


def test_sample_moments_match_mean_and_variance():
    d = CB(MC_BIASES)
    x = np.asarray(d.sample(_key(1), (N_MC,)), dtype=np.float64)
    assert x.shape == (N_MC, 5) and np.all(np.abs(x) <= 1)
    mean, var = np.asarray(d.mean, np.float64), np.asarray(d.variance, np.float64)
    m4 = np.mean((x - x.mean(0)) ** 4, axis=0)
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(var / N_MC))
    assert np.all(np.abs(x.var(0) - var) < 5 * np.sqrt((m4 - var**2) / N_MC))


@pytest.mark.parametrize("b", [-4.0, 0.0, 0.05, 1.5])
def test_goodness_of_fit(b):
    d = CB(b)
    x = d.sample(_key(2), (20_000,))
    probs = np.exp(np.asarray(d.log_prob(x), np.float64))
    assert auto_goodness_of_fit(np.asarray(x, np.float64), probs) > 1e-3
    assert stats.kstest(np.asarray(x, np.float64), lambda s: np.asarray(d.cdf(s), np.float64)).pvalue > 1e-3


def test_sample_is_reparameterised():
    """Per-draw ds/db averages to d/db E[s] = L'(b), and d/db E[s^2] = L''(b) + 2 L(b) L'(b)."""
    b = jnp.array([-1.5, 0.0, 0.8, 4.0])
    key = _key(3)
    draw = lambda b: CB(b).sample(key, (N_MC,))  # noqa: E731

    @jax.jit
    def estimates(b):
        x, dx = jax.jvp(draw, (b,), (jnp.ones_like(b),))  # dx[i, j] = d x[i, j] / d b[j]
        grad_of_mean = jax.grad(lambda b: draw(b).mean(0).sum())(b)
        d2_mean = jax.vmap(jax.grad(cb.langevin_grad))(b)
        return x, dx, grad_of_mean, d2_mean

    x, dx, grad_of_mean, d2_mean = estimates(b)
    mean, var = cb.langevin(b), cb.langevin_grad(b)
    for df, exact in [(dx, var), (2 * x * dx, d2_mean + 2 * mean * var)]:
        se = np.asarray(df.std(0)) / np.sqrt(N_MC)
        assert np.all(np.abs(np.asarray(df.mean(0) - exact)) < 5 * se + 1e-5)
    # jax.grad of the Monte-Carlo mean is the same per-draw estimate.
    np.testing.assert_allclose(grad_of_mean, dx.mean(0), rtol=1e-4, atol=1e-6)
    assert CB(b).has_rsample
    np.testing.assert_array_equal(CB(b).rsample(key, (3,)), CB(b).sample(key, (3,)))


@pytest.mark.parametrize("b", [-2.0, 0.0, 0.6, 3.0])
def test_entropy_and_kl_match_monte_carlo(b):
    p, q = CB(b), CB(1.3 - b)
    x = p.sample(_key(4), (N_MC,))
    for estimate, exact in [(-p.log_prob(x), p.entropy()), (p.log_prob(x) - q.log_prob(x), dist.kl_divergence(p, q))]:
        se = float(estimate.std()) / np.sqrt(N_MC)
        assert abs(float(estimate.mean() - exact)) < 5 * se + 1e-5


# --------------------------------------------------------------------------- #
# Shapes: batch, broadcasting, expand, to_event
# --------------------------------------------------------------------------- #


def test_batch_shapes_and_broadcasting():
    bias = jnp.array([[-1.0], [0.0], [2.0]])
    d = CB(bias)
    assert d.batch_shape == (3, 1) and d.event_shape == ()
    assert d.sample(_key(), (5,)).shape == (5, 3, 1)
    assert d.mean.shape == d.variance.shape == d.entropy().shape == (3, 1)
    value = jnp.linspace(-1.0, 1.0, 4)
    lp = d.log_prob(value)
    assert lp.shape == (3, 4)
    np.testing.assert_allclose(lp, bias * value - cb.log_normalizer(bias), rtol=1e-6)
    assert d.cdf(value).shape == d.icdf(jnp.full(4, 0.5)).shape == (3, 4)
    assert CB.infer_shapes(bias=(3, 1)) == ((3, 1), ())
    assert CB(mean=jnp.zeros((2, 7))).batch_shape == (2, 7)
    assert CB([0.1, 2]).batch_shape == (2,)
    np.testing.assert_array_equal(CB(jnp.array([-2.0, 0.0, 3.0])).mode, [-1.0, 0.0, 1.0])


def test_expand_and_to_event():
    bias = jnp.array([0.5, -1.0])
    e = CB(bias).expand((4, 2))
    assert e.batch_shape == (4, 2)
    x = e.sample(_key(), (7,))
    assert x.shape == (7, 4, 2)
    np.testing.assert_allclose(e.log_prob(x), CB(bias).log_prob(x), rtol=1e-6)
    np.testing.assert_allclose(e.mean, jnp.broadcast_to(CB(bias).mean, (4, 2)))
    with pytest.raises(ValueError):
        CB(bias).expand((4, 3))

    i = CB(jnp.array([0.5, -1.0, 2.0])).to_event(1)
    assert i.batch_shape == () and i.event_shape == (3,)
    x = i.sample(_key(), (6,))
    assert x.shape == (6, 3)
    np.testing.assert_allclose(i.log_prob(x), CB(jnp.array([0.5, -1.0, 2.0])).log_prob(x).sum(-1), rtol=1e-6)


# --------------------------------------------------------------------------- #
# cdf / icdf
# --------------------------------------------------------------------------- #

CDF_BIASES = [-20.0, -5.0, -0.3, 0.0, 1e-6, 0.05, 2.0, 20.0]


@pytest.mark.parametrize("b", CDF_BIASES)
def test_cdf_icdf_roundtrip_and_monotone(x64, b):
    d = CB(b)
    u = jnp.linspace(0.0, 1.0, 101)
    np.testing.assert_allclose(d.cdf(d.icdf(u)), u, atol=1e-12)
    s = jnp.linspace(-1.0, 1.0, 2001)
    if abs(b) <= 5:  # for large |b| the far tail of the cdf is below the resolution of 1 - u
        np.testing.assert_allclose(d.icdf(d.cdf(s)), s, atol=1e-9)
    f = np.asarray(d.cdf(s))
    assert np.all(np.diff(f) >= 0) and f[0] == 0.0 and f[-1] == 1.0
    assert float(d.cdf(-1.5)) == 0.0 and float(d.cdf(1.5)) == 1.0
    # dF/ds is the density (inside (-1, 1): at the end points the clips halve the gradient twice).
    np.testing.assert_allclose(jax.vmap(jax.grad(d.cdf))(s[25::50]), jnp.exp(d.log_prob(s[25::50])), rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- #
# Gradients of log_prob
# --------------------------------------------------------------------------- #


def test_log_prob_gradients_match_finite_differences(x64):
    b = jnp.array([-7.0, -0.5, 0.0, 1e-3, 0.3, 0.6, 3.0, 40.0])[:, None]
    s = jnp.array([-0.9, 0.2, 1.0])
    lp = lambda b, s: CB(b, validate_args=False).log_prob(s)  # noqa: E731  (s + h may leave [-1, 1])
    grads = jax.jit(jax.vmap(jax.vmap(jax.grad(lp, argnums=(0, 1)), (None, 0)), (0, None)))
    g_b, g_s = grads(b[:, 0], s)
    h = 1e-5
    np.testing.assert_allclose(g_b, (lp(b + h, s) - lp(b - h, s)) / (2 * h), rtol=0, atol=1e-7)
    np.testing.assert_allclose(g_s, (lp(b, s + h) - lp(b, s - h)) / (2 * h), rtol=0, atol=1e-7)
    np.testing.assert_allclose(g_b, s - cb.langevin(b), rtol=0, atol=1e-12)  # the score s - L(b)


# --------------------------------------------------------------------------- #
# mean= constructor
# --------------------------------------------------------------------------- #


def test_mean_constructor_roundtrip_x64(x64):
    m = np.array([-(1 - 1e-6), -0.5, 0.0, 1e-7, 0.3, 0.99, 1 - 1e-6])
    d = CB(mean=m)
    assert d.bias.dtype == jnp.float64 and np.all(np.isfinite(d.bias))
    np.testing.assert_allclose(d.mean, m, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(1 - np.abs(np.asarray(d.mean)), 1 - np.abs(m), rtol=1e-8)
    assert float(d.bias[-1]) == pytest.approx(1e6, rel=1e-5)  # L(b) ~ 1 - 1/b
    # Differentiable: d bias / d mean = 1 / L'(b), so d mean(bias(m)) / dm = 1.
    assert float(jax.grad(lambda m: CB(mean=m).mean)(0.3)) == pytest.approx(1.0, abs=1e-12)


def test_mean_constructor_roundtrip_x32(x32):
    m = np.array([-0.9, 0.0, 0.5, 0.999])
    d = CB(mean=m)
    assert d.bias.dtype == jnp.float32
    np.testing.assert_allclose(d.mean, m, atol=2e-6)


# --------------------------------------------------------------------------- #
# KL dispatch
# --------------------------------------------------------------------------- #


def test_kl_divergence_dispatch_and_broadcasting():
    bq, bp = jnp.array([[-1.0], [0.0], [2.5]]), jnp.array([0.0, 0.5, -3.0, 2.5])
    kl = dist.kl_divergence(CB(bq), CB(bp))
    assert kl.shape == (3, 4)
    np.testing.assert_array_equal(kl, cb.kl(bq, bp))
    assert np.all(kl >= 0)
    assert np.all(dist.kl_divergence(CB(bp), CB(bp)) == 0)
    assert float(kl[1, 0]) == 0.0 and float(kl[2, 3]) == 0.0
    # Through NumPyro's wrappers: Independent and ExpandedDistribution dispatch down to it.
    ind = dist.kl_divergence(CB(bp).to_event(1), CB(-bp).to_event(1))
    assert float(ind) == pytest.approx(float(cb.kl(bp, -bp).sum()), rel=1e-6)
    exp = dist.kl_divergence(CB(0.5).expand((2, 3)), CB(1.0))
    assert exp.shape == (2, 3) and np.allclose(exp, cb.kl(0.5, 1.0))


# --------------------------------------------------------------------------- #
# Pytree, jit, vmap, dtypes
# --------------------------------------------------------------------------- #


def test_pytree_jit_and_vmap():
    bias = jnp.array([-2.0, 0.0, 0.1, 3.0])
    d = CB(bias)
    assert len(jax.tree_util.tree_leaves(d)) == 1
    np.testing.assert_array_equal(jax.tree_util.tree_leaves(d)[0], bias)

    built = jax.jit(lambda b: CB(b))(bias)  # a distribution returned from jit
    assert isinstance(built, CB) and built.batch_shape == (4,)
    np.testing.assert_array_equal(built.mean, d.mean)
    from_mean = jax.jit(lambda m: CB(mean=m))(d.mean)
    np.testing.assert_allclose(from_mean.bias, bias, rtol=1e-4, atol=1e-5)

    x = jnp.array([0.3, -1.0, 1.0, 0.9])
    np.testing.assert_allclose(jax.jit(lambda d, x: d.log_prob(x))(d, x), d.log_prob(x), rtol=1e-6)
    np.testing.assert_allclose(jax.vmap(lambda b, x: CB(b).log_prob(x))(bias, x), d.log_prob(x), rtol=1e-6)
    np.testing.assert_allclose(jax.vmap(lambda b: CB(b).entropy())(bias), d.entropy(), rtol=1e-6)
    draws = jax.vmap(lambda k, b: CB(b).sample(k, (3,)))(jax.random.split(_key(), 4), bias)
    assert draws.shape == (4, 3) and np.all(np.abs(draws) <= 1)
    # A distribution is a valid jit argument after tree_map (e.g. as returned by a guide).
    doubled = jax.tree_util.tree_map(lambda b: 2 * b, d)
    np.testing.assert_array_equal(doubled.bias, 2 * bias)


def test_dtypes_float32_by_default(x32):
    for d in (CB(0.5), CB(1), CB(np.float64(0.5)), CB(mean=0.2)):
        assert d.bias.dtype == jnp.float32
        assert d.sample(_key(), (3,)).dtype == jnp.float32
        assert d.log_prob(0.3).dtype == d.mean.dtype == d.entropy().dtype == jnp.float32


def test_dtypes_float64_under_x64(x64):
    for d in (CB(0.5), CB(1), CB(mean=0.2)):
        assert d.bias.dtype == jnp.float64
        assert d.sample(_key(), (3,)).dtype == jnp.float64
        assert d.log_prob(0.3).dtype == d.mean.dtype == d.cdf(0.1).dtype == jnp.float64


# --------------------------------------------------------------------------- #
# Inference: NUTS and SVI
# --------------------------------------------------------------------------- #


@pytest.mark.slow  # statistical, ~8 s (NUTS compile); the CB is checked against quadrature and by goodness-of-fit in the default suite
def test_nuts_recovers_exact_mean():
    bias = jnp.array([-2.0, 0.0, 0.5, 3.0])

    def model():
        numpyro.sample("x", CB(bias=bias))

    mcmc = MCMC(NUTS(model), num_warmup=500, num_samples=1000, num_chains=2,
                chain_method="vectorized", progress_bar=False)
    mcmc.run(_key(5))
    x = np.asarray(mcmc.get_samples(group_by_chain=True)["x"], np.float64)  # (chains, draws, 4)
    assert x.shape == (2, 1000, 4) and np.all(np.abs(x) <= 1)
    mcse = x.std(axis=(0, 1)) / np.sqrt(effective_sample_size(x))
    err = np.abs(x.mean(axis=(0, 1)) - np.asarray(cb.langevin(bias)))
    assert np.all(err < 4 * mcse), (err, mcse)


def _prior():
    numpyro.sample("x", CB(1.3))


def _bias_guide():
    numpyro.sample("x", CB(numpyro.param("b", 0.0)))


def _mean_guide():
    m = numpyro.param("m", 0.0, constraint=dist.constraints.interval(-1.0, 1.0))
    numpyro.sample("x", CB(mean=m))


def test_svi_trace_mean_field_uses_closed_form_kl():
    elbo = TraceMeanField_ELBO()
    # Without an observed site the loss is exactly KL(q || p): no Monte-Carlo noise.
    assert float(elbo.loss(_key(), {"b": 0.2}, _prior, _bias_guide)) == pytest.approx(float(cb.kl(0.2, 1.3)), rel=1e-6)
    svi = SVI(_prior, _bias_guide, numpyro.optim.Adam(0.05), elbo)
    b = svi.run(_key(6), 1000, progress_bar=False).params["b"]
    assert float(b) == pytest.approx(1.3, abs=1e-3)


@pytest.mark.parametrize("guide, name, target, tol", [(_bias_guide, "b", 1.3, 0.03), (_mean_guide, "m", 0.39123476, 0.015)])
def test_svi_trace_elbo_recovers_prior(guide, name, target, tol):
    """Reparameterised Trace_ELBO: q = CB(b) (or CB(mean=m)) learns the prior CB(1.3), mean L(1.3) = 0.3912."""
    schedule = lambda i: 0.05 * 0.995**i  # noqa: E731  (decaying step: the gradient is stochastic)
    svi = SVI(_prior, guide, numpyro.optim.Adam(schedule), Trace_ELBO(num_particles=16))
    value = float(svi.run(_key(7), 1500, progress_bar=False).params[name])
    assert value == pytest.approx(target, abs=tol)


# --------------------------------------------------------------------------- #
# Bad input and validate_args
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("kwargs", [{}, {"bias": None}, {"bias": 1.0, "mean": 0.2}])
def test_exactly_one_of_bias_or_mean(kwargs):
    with pytest.raises(TypeError, match="exactly one of `bias` or `mean`"):
        CB(**kwargs)


@pytest.mark.parametrize("bias", [np.nan, np.inf, [0.0, -np.inf], jnp.array([1.0, jnp.nan])])
def test_non_finite_bias(bias):
    with pytest.raises(ValueError, match="bias"):
        CB(bias)


@pytest.mark.parametrize("mean", [1.0, -1.0, 1.5, np.nan, np.inf, [0.2, 1.5]])
def test_mean_outside_open_interval(mean):
    with pytest.raises(ValueError, match=r"mean must lie strictly inside \(-1, 1\)"):
        CB(mean=mean)


def test_mean_rounding_to_one_in_float32(x32):
    with pytest.raises(ValueError, match="mean.*float32"):
        CB(mean=1 - 1e-9)


@pytest.mark.parametrize("name", ["bias", "mean"])
@pytest.mark.parametrize("value", ["0.5", 0.5 + 1j, True, np.array([True, False]), object()])
def test_non_real_arguments(name, value):
    with pytest.raises(TypeError, match=name):
        CB(**{name: value})


def test_dtype_checked_under_jit():
    with pytest.raises(TypeError, match="bias"):
        jax.jit(lambda b: CB(b).mean)(jnp.array(0.5 + 1j))


def test_validate_args_log_prob_outside_support_warns_and_gives_minus_inf():
    d = CB(0.5, validate_args=True)
    with pytest.warns(UserWarning, match="Out-of-support"):
        lp = d.log_prob(jnp.array([0.3, 1.5, -1.2]))
    assert np.isfinite(lp[0]) and np.all(np.isneginf(lp[1:]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isfinite(d.log_prob(jnp.array([-1.0, 0.0, 1.0]))))  # closed interval
        # Without validation NumPyro just evaluates the formula b s - A(b).
        assert float(CB(0.5, validate_args=False).log_prob(1.5)) == pytest.approx(0.75 - float(cb.log_normalizer(0.5)))
        with numpyro.validation_enabled(False):
            assert np.isfinite(CB(0.5).log_prob(1.5))
    # Under jit the mask still applies, without the (host-side) warning.
    assert np.isneginf(jax.jit(lambda x: CB(0.5, validate_args=True).log_prob(x))(1.5))
    # validate_args=None follows numpyro.enable_validation (on by default in NumPyro 0.22).
    with numpyro.validation_enabled(), pytest.warns(UserWarning, match="Out-of-support"):
        assert np.isneginf(CB(0.5).log_prob(2.0))


def test_validate_args_parameter_check():
    d = CB(jnp.array([0.5, -1.0]), validate_args=True)
    d.validate_args()  # valid parameters pass NumPyro's constraint check
    bad = jax.tree_util.tree_map(lambda b: b * jnp.nan, d)  # unflattening skips __init__
    with pytest.raises(ValueError, match="ContinuousBernoulli distribution got invalid bias parameter"):
        bad.validate_args()
    with pytest.raises(ValueError, match="bias"):
        CB(jnp.nan, validate_args=True)


# --------------------------------------------------------------------------- #
# The boundary of the distribution (issue #16, cause 17)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("key", [0, 7, None, "key", np.zeros(2), jnp.zeros(2, jnp.float32)])
def test_cause17_sample_with_a_non_key_names_key(key):
    """``sample(0)`` passed 0 as the key and hit a bare AssertionError."""
    with pytest.raises(TypeError, match=r"^key must be a JAX PRNG key"):
        CB(0.5).sample(key)


def test_cause17_sample_keys_and_shapes():
    d = CB(jnp.array([0.5, -1.0]))
    with pytest.raises(TypeError, match=r"^key must be a single JAX PRNG key"):
        d.sample(jax.random.split(_key(), 3))  # a batch of keys: vmap over them instead
    with pytest.raises(TypeError, match=r"^sample_shape must be a tuple of non-negative integers such as \(n,\)"):
        d.sample(_key(), 3)
    with pytest.raises(ValueError, match=r"^sample_shape must be >= 0"):
        d.sample(_key(), (-1,))
    with pytest.raises(TypeError, match=r"^sample_shape must be an integer"):
        d.sample(_key(), (2.5,))
    # What NumPyro passes stays as it was: new- and old-style keys, tuples and lists.
    assert d.sample(jax.random.key(0)).shape == (2,)
    np.testing.assert_array_equal(d.sample(_key(3), [4]), d.sample(_key(3), (4,)))
    assert jax.vmap(lambda k: d.sample(k, (3,)))(jax.random.split(_key(), 5)).shape == (5, 3, 2)
    assert d.sample(_key(), ()).shape == (2,) and d.sample(_key(), (0,)).shape == (0, 2)


@pytest.mark.parametrize("method, name", [("log_prob", "value"), ("cdf", "value"), ("icdf", "q")])
def test_cause17_method_arguments_are_checked(method, name):
    d = CB(jnp.array([0.5, -1.0]), validate_args=False)
    call = getattr(d, method)
    for bad in ["0.5", None, 0.5 + 1j, True, np.array([True, False]), object()]:
        with pytest.raises(TypeError, match=rf"^{name} must"):
            call(bad)
    with pytest.raises(ValueError, match=rf"^{name} contains NaN"):
        call(np.array([0.2, np.nan]))
    with pytest.raises(ValueError, match=rf"^{name} \(shape \(3,\)\) does not broadcast with the batch shape \(2,\)"):
        call(jnp.full(3, 0.5))
    assert call(jnp.full((4, 1), 0.5)).shape == (4, 2)


def test_cause17_icdf_outside_the_unit_interval():
    d = CB(jnp.array([0.5, -1.0]))
    for q in (-0.5, 1.5):
        with pytest.raises(ValueError, match=r"^q must lie in \[0, 1\]"):
            d.icdf(q)
    assert np.all(np.isnan(jax.jit(lambda q: d.icdf(q))(jnp.array([[-0.5], [1.5]]))))  # NaN under jit, both sides


def test_cause17_constructor_boundary(x32):
    with pytest.raises(ValueError, match=r"^bias holds values beyond the range of float32"):
        CB(np.float64(1e39))  # would have become inf
    with pytest.raises(ValueError, match=r"mean must lie strictly inside"):
        CB(mean=np.float64(1e39))
    for bad in [np.array([0.5 + 0j]), np.array([True]), "1", object()]:
        with pytest.raises(TypeError, match="^bias"):
            CB(bad)
    with pytest.raises(ValueError, match="^bias contains non-finite"):
        CB(jnp.array([0.0, -jnp.inf]))
    # log_prob of a value outside [-1, 1]: NumPyro's convention (see the class docstring).
    with pytest.warns(UserWarning, match="Out-of-support"):
        assert np.isneginf(CB(0.5, validate_args=True).log_prob(np.inf))
