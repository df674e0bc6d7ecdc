"""diagnostics.two_sample: energy distance, its permutation test, and thinning MCMC output."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from diagnostics import two_sample
from diagnostics.two_sample import (
    EnergyDistanceTest,
    energy_distance,
    energy_distance_test,
    thin_to_independent,
)


def _reference_energy(x, y):
    """V-statistic by brute-force broadcasting, float64."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)

    def mean_dist(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).mean()

    return 2 * mean_dist(x, y) - mean_dist(x, x) - mean_dist(y, y)


def _reference_energy_loop(x, y):
    """The same statistic as an explicit double loop over pairs (independent of broadcasting)."""
    def total(a, b):
        return sum(math.dist(ai, bj) for ai in a.tolist() for bj in b.tolist())

    n, m = len(x), len(y)
    return 2 * total(x, y) / (n * m) - total(x, x) / n**2 - total(y, y) / m**2


def _correlated_pairs(rng, n, d, rho):
    """d/2 independent pairs of N(0, 1) variables, each pair with correlation rho: unit marginals."""
    a = rng.standard_normal((n, d // 2))
    b = rho * a + math.sqrt(1 - rho**2) * rng.standard_normal((n, d // 2))
    return np.stack([a, b], axis=-1).reshape(n, d)


def _block_equicorrelated(rng, n, d, block, rho):
    """N(0, Sigma) with unit variances, correlation rho among the first ``block`` coordinates, 0 elsewhere."""
    x = rng.standard_normal((n, d))
    factor = rng.standard_normal((n, 1))
    x[:, :block] = math.sqrt(rho) * factor + math.sqrt(1 - rho) * x[:, :block]
    return x


# --- the statistic -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, m, d", [(7, 11, 3), (5, 5, 1), (12, 4, 64)])
def test_statistic_matches_double_loop_in_float64(n, m, d, x64):
    rng = np.random.default_rng(n * 100 + d)
    x = rng.normal(size=(n, d))
    y = rng.normal(0.3, 1.5, size=(m, d))
    expected = _reference_energy_loop(x, y)
    assert expected == pytest.approx(_reference_energy(x, y), rel=1e-12)
    got = energy_distance(x, y)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-13)


def test_statistic_matches_reference_in_default_precision():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 64))
    y = rng.normal(0.2, 1.0, size=(30, 64))
    assert energy_distance(x, y) == pytest.approx(_reference_energy(x, y), rel=1e-4)
    # large common offsets are removed in float64 before the float32 conversion
    assert energy_distance(x + 1e4, y + 1e4) == pytest.approx(_reference_energy(x, y), rel=1e-4)


def test_statistic_is_symmetric_and_invariant_under_rigid_motions(x64):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(30, 5))
    y = rng.laplace(size=(20, 5))
    e = energy_distance(x, y)
    assert e > 0
    assert energy_distance(y, x) == pytest.approx(e, rel=1e-12)
    rotation, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    shift = rng.normal(size=5)
    assert energy_distance(x @ rotation + shift, y @ rotation + shift) == pytest.approx(e, rel=1e-10)
    # Row order within a sample does not matter.
    assert energy_distance(x[::-1], y[rng.permutation(20)]) == pytest.approx(e, rel=1e-12)


def test_statistic_of_identical_samples_is_zero_and_otherwise_nonnegative():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(50, 64))
    scale = np.sqrt(2 * 64)  # typical distance
    assert abs(energy_distance(x, x.copy())) < 1e-5 * scale
    # The V-statistic depends on the empirical distributions only: every draw repeated twice (as after
    # rejected MCMC moves) is still at distance 0 -- direct differences, not |a|^2 + |b|^2 - 2 a.b.
    assert abs(energy_distance(x, np.repeat(x, 2, axis=0))) < 1e-5 * scale
    assert energy_distance(x, np.repeat(x[:25], 2, axis=0)) > 1e-3  # a different empirical distribution
    for seed in range(5):
        r = np.random.default_rng(seed)
        assert energy_distance(r.normal(size=(50, 64)), r.normal(size=(100, 64))) > -1e-6 * scale


def test_statistic_grows_with_the_mean_shift(x64):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(200, 2))
    y = rng.normal(size=(200, 2))
    values = [energy_distance(x, y + delta) for delta in (0.0, 0.5, 1.0, 2.0)]
    assert np.all(np.diff(values) > 0)
    # Large shifts: E -> 2 |shift| - E|X - X'| - E|Y - Y'| grows linearly in the shift.
    far = [energy_distance(x, y + np.array([s, 0.0])) for s in (50.0, 60.0)]
    assert far[1] - far[0] == pytest.approx(20.0, rel=1e-3)


def test_inputs_as_lists_and_jax_arrays():
    x = [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]
    y = jnp.asarray([[0.5, 0.5], [1.0, 1.0]])
    assert energy_distance(x, y) == pytest.approx(_reference_energy(x, np.asarray(y)), rel=1e-5)
    assert energy_distance(np.asarray(x, np.int64), y) == pytest.approx(energy_distance(x, y), rel=1e-6)


# --- the permutation test ------------------------------------------------------------------------------------


def test_result_fields_and_types():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(20, 3))
    y = rng.normal(size=(24, 3))
    res = energy_distance_test(jax.random.key(0), x, y, n_permutations=199)
    assert isinstance(res, EnergyDistanceTest)
    assert (res.n_permutations, res.n_x, res.n_y) == (199, 20, 24)
    assert all(isinstance(f, int) for f in res[2:])
    assert isinstance(res.statistic, float) and isinstance(res.p_value, float)
    assert res.statistic == pytest.approx(energy_distance(x, y), rel=1e-6)
    # p is a multiple of 1 / (1 + n_permutations) in [1/200, 1]
    assert 1 / 200 <= res.p_value <= 1
    assert (res.p_value * 200) == pytest.approx(round(res.p_value * 200), abs=1e-9)
    # same key, same answer; legacy uint32 keys are accepted too
    assert energy_distance_test(jax.random.key(0), x, y, n_permutations=199) == res
    legacy = energy_distance_test(jax.random.PRNGKey(0), x, y, n_permutations=199)
    assert legacy.statistic == res.statistic and 0 < legacy.p_value <= 1


def test_p_value_on_a_tiny_sample_matches_the_exact_permutation_distribution():
    """n = m = 2 in 1-D: of the 6 splits, the observed one and its mirror image have the largest
    statistic, so p -> 2/6. The mirror split reproduces the observed statistic only up to rounding,
    so this also checks that ties count as >= (else p -> 1/6)."""
    x = np.array([[0.0], [1.0]])
    y = np.array([[10.0], [11.3]])
    n_perm = 2000
    res = energy_distance_test(jax.random.key(1), x, y, n_permutations=n_perm)
    band = 4 * math.sqrt((1 / 3) * (2 / 3) / n_perm)
    assert abs(res.p_value - 1 / 3) < band


def test_tie_redraw_path_is_uniform_too(monkeypatch):
    """Force every relabelling through the rare exact-redraw path (ties among the random keys)."""
    real = two_sample._test_kernel

    def all_tied(*args, **kwargs):
        observed, mean, stats, ok, dc = real(*args, **kwargs)
        return observed, mean, stats * np.nan, jnp.zeros_like(ok), dc

    monkeypatch.setattr(two_sample, "_test_kernel", all_tied)
    x = np.array([[0.0], [1.0]])
    y = np.array([[10.0], [11.3]])
    n_perm = 2000
    res = energy_distance_test(jax.random.key(2), x, y, n_permutations=n_perm)
    assert abs(res.p_value - 1 / 3) < 4 * math.sqrt((1 / 3) * (2 / 3) / n_perm)


def test_split_from_bits_flags_ties_at_the_threshold_only():
    bits = jnp.asarray([[5, 1, 9, 3], [4, 4, 1, 7], [2, 2, 2, 9]], dtype=jnp.uint32)
    is_x, ok = two_sample._split_from_bits(bits, 2)
    np.testing.assert_array_equal(np.asarray(ok), [True, False, False])
    np.testing.assert_array_equal(np.asarray(is_x)[0], [False, True, False, True])
    # A tie below the threshold is harmless.
    is_x, ok = two_sample._split_from_bits(jnp.asarray([[1, 1, 3, 8]], dtype=jnp.uint32), 3)
    assert bool(ok[0]) and np.asarray(is_x)[0].tolist() == [True, True, True, False]


def _null_p_values(repeats, n, d, n_perm, seed):
    rng = np.random.default_rng(seed)
    return np.array([
        energy_distance_test(
            jax.random.key(seed * 100_000 + r), rng.normal(size=(n, d)), rng.normal(size=(n + 4, d)),
            n_permutations=n_perm,
        ).p_value
        for r in range(repeats)
    ])


def _assert_calibrated(p, n_perm, alpha=0.05):
    """Under the null P(p <= k / (1 + B)) = k / (1 + B) exactly; check P(p < alpha) and the mean of p."""
    repeats = len(p)
    level = math.ceil(alpha * (1 + n_perm) - 1e-9) - 1  # largest k with k / (1 + B) < alpha
    q = level / (1 + n_perm)
    sd = math.sqrt(repeats * q * (1 - q))
    hits = int(np.sum(p < alpha))
    assert abs(hits - repeats * q) < 4 * sd, (hits, repeats * q)
    # p is uniform on {1, ..., B + 1} / (B + 1): mean (B + 2) / (2 (B + 1)) ~ 1/2, sd ~ 1 / sqrt(12)
    assert abs(p.mean() - 0.5) < 4 / math.sqrt(12 * repeats)


def test_p_value_is_calibrated_under_the_null():
    n_perm = 199
    p = _null_p_values(repeats=200, n=20, d=3, n_perm=n_perm, seed=1)
    _assert_calibrated(p, n_perm)


@pytest.mark.slow
def test_p_value_is_calibrated_under_the_null_at_scale():
    n_perm = 199
    p = _null_p_values(repeats=2000, n=40, d=64, n_perm=n_perm, seed=2)
    _assert_calibrated(p, n_perm, alpha=0.05)
    _assert_calibrated(p, n_perm, alpha=0.01)
    # Whole-distribution check: deciles of the p-values are flat.
    counts = np.histogram(p, bins=10, range=(0, 1))[0]
    grid = np.arange(1, n_perm + 2) / (n_perm + 1)  # the possible p-values, equally likely
    expected = len(p) * np.histogram(grid, bins=10, range=(0, 1))[0] / len(grid)
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 30  # chi^2_9: P(> 30) ~ 4e-4


def test_detects_a_mean_shift_in_64_dimensions():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(1000, 64))
    y = rng.normal(size=(1000, 64)) + 0.1
    res = energy_distance_test(jax.random.key(3), x, y, n_permutations=199)
    assert res.p_value < 0.01


def test_detects_a_change_of_correlation_alone_in_two_dimensions():
    """Same N(0, 1) marginals, correlation 0 vs 0.5: a pure dependence change.

    Measured power (p < 0.01, n = m = 1000, 20-40 repeats): correlation 0.3 -> 0.2, 0.4 -> 0.8,
    0.5 -> 1.0; +rho vs -rho: 0.2 -> 0.6, 0.3 -> 1.0.
    """
    rng = np.random.default_rng(9)
    x = rng.normal(size=(1000, 2))
    y = _correlated_pairs(rng, 1000, 2, 0.5)
    np.testing.assert_allclose(y.std(axis=0), 1, atol=0.1)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=0.1)
    res = energy_distance_test(jax.random.key(4), x, y, n_permutations=199)
    assert res.p_value < 0.01
    # the sign of the correlation alone (+0.3 vs -0.3: same marginals, same |correlation|)
    res = energy_distance_test(
        jax.random.key(5), _correlated_pairs(rng, 1000, 2, 0.3), _correlated_pairs(rng, 1000, 2, -0.3),
        n_permutations=199,
    )
    assert res.p_value < 0.01


def test_detects_a_correlated_block_of_nodes_in_64_dimensions():
    """64 nodes with N(0, 1) marginals everywhere: independent vs a block of 16 equicorrelated at 0.5.

    Measured power (p < 0.01, n = m = 1000, 20-40 repeats), one equicorrelated block among 64
    otherwise independent nodes: 16 nodes at rho 0.2 / 0.25 / 0.3 / 0.35 / 0.4 -> 0.1 / 0.05 / 0.5-0.7 /
    0.9 / 1.0; 8 nodes at 0.5 / 0.6 / 0.7 / 0.8 -> 0.15 / 0.65 / 0.9 / 1.0; 2 nodes even at 0.8 -> 0.05;
    all 64 at 0.05 / 0.1 -> 0.2 / 1.0. 32 pairs, all at rho vs all independent: 0.4 / 0.6 / 0.8 ->
    0.1 / 0.8 / 1.0; 32 pairs at +rho vs -rho: 0.2 / 0.3 / 0.5 -> 0.1 / 0.8 / 1.0.
    """
    rng = np.random.default_rng(10)
    x = rng.normal(size=(1000, 64))
    y = _block_equicorrelated(rng, 1000, 64, 16, 0.5)
    res = energy_distance_test(jax.random.key(6), x, y, n_permutations=199)
    assert res.p_value < 0.01
    # every node correlated with a partner, the sign of the correlation flipped: same marginals
    res = energy_distance_test(
        jax.random.key(7), _correlated_pairs(rng, 1000, 64, 0.5), _correlated_pairs(rng, 1000, 64, -0.5),
        n_permutations=199,
    )
    assert res.p_value < 0.01
    # the same comparison with no change is not rejected
    res0 = energy_distance_test(jax.random.key(8), x, rng.normal(size=(1000, 64)), n_permutations=199)
    assert res0.p_value > 0.01


@pytest.mark.slow
def test_power_grows_with_the_correlation_of_a_block_in_64_dimensions():
    rng = np.random.default_rng(11)
    power = []
    for rho in (0.1, 0.5):
        p = [
            energy_distance_test(
                jax.random.key(1000 + r), rng.normal(size=(1000, 64)),
                _block_equicorrelated(rng, 1000, 64, 16, rho), n_permutations=199,
            ).p_value
            for r in range(20)
        ]
        power.append(np.mean(np.array(p) < 0.01))
    assert power[0] <= 0.2
    assert power[1] >= 0.9


def test_many_permutations_run_in_batches():
    """More relabellings than one batch holds: several lax.map steps, same p-value grid."""
    rng = np.random.default_rng(12)
    x = rng.normal(size=(30, 2))
    y = rng.normal(size=(30, 2)) + 3.0
    old = two_sample._PERM_BUDGET
    try:
        two_sample._PERM_BUDGET = 60 * 7  # batches of at most 7 relabellings
        res = energy_distance_test(jax.random.key(18), x, y, n_permutations=50)
    finally:
        two_sample._PERM_BUDGET = old
    assert res.p_value == pytest.approx(1 / 51)
    assert res.n_permutations == 50


# --- thinning -----------------------------------------------------------------------------------------------


def _coded_samples(chains, draws, n=3):
    """samples[c, t, :] = 1000 c + t, so the kept (chain, draw) can be read off the values."""
    c = np.arange(chains)[:, None, None]
    t = np.arange(draws)[None, :, None]
    return np.broadcast_to(1000.0 * c + t, (chains, draws, n)).copy()


def _decode(rows):
    return (rows[:, 0] // 1000).astype(int), (rows[:, 0] % 1000).astype(int)


def test_thin_equal_share_per_chain_evenly_spaced_ending_at_the_last_draw():
    out = thin_to_independent(_coded_samples(4, 500), max_points=100)
    assert out.shape == (100, 3)
    chain, draw = _decode(out)
    np.testing.assert_array_equal(np.bincount(chain), [25, 25, 25, 25])
    for c in range(4):
        d = draw[chain == c]
        np.testing.assert_array_equal(np.diff(d), 20)  # stride 500 // 25
        assert d[-1] == 499
    np.testing.assert_array_equal(chain, np.repeat(np.arange(4), 25))  # chain by chain


def test_thin_uses_the_ess_and_rounds_down_to_a_multiple_of_the_chains():
    samples = _coded_samples(4, 500)
    out = thin_to_independent(samples, max_points=1000, ess=123.9)
    assert out.shape == (120, 3)  # floor(123.9) = 123 -> 30 per chain
    chain, draw = _decode(out)
    for c in range(4):
        d = draw[chain == c]
        assert len(d) == 30 and np.all(np.diff(d) == 16) and d[-1] == 499
    assert thin_to_independent(samples, max_points=50, ess=123.9).shape == (48, 3)  # max_points wins
    assert thin_to_independent(samples, ess=np.float64(2000.0)).shape == (1000, 3)  # max_points default


def test_thin_keeps_every_draw_when_asked_for_more():
    samples = _coded_samples(2, 7)
    out = thin_to_independent(samples, max_points=1000)
    np.testing.assert_array_equal(out, samples.reshape(14, 3))
    assert out.dtype == np.float64
    ints = thin_to_independent(np.ones((2, 5, 3), np.int32), max_points=4)
    assert ints.shape == (4, 3) and ints.dtype == np.float64
    f32 = thin_to_independent(np.ones((1, 5, 3), np.float32), max_points=2)
    assert f32.dtype == np.float32


def test_thinned_draws_feed_the_test():
    rng = np.random.default_rng(13)
    a = thin_to_independent(rng.normal(size=(4, 300, 3)), max_points=20)
    b = thin_to_independent(rng.normal(size=(4, 300, 3)) + 3.0, max_points=1000, ess=25.5)
    assert a.shape == (20, 3) and b.shape == (24, 3)
    assert energy_distance_test(jax.random.key(9), a, b, n_permutations=199).p_value == pytest.approx(1 / 200)


# --- errors --------------------------------------------------------------------------------------------------

_GOOD = np.zeros((5, 3)) + np.arange(3)


@pytest.mark.parametrize(
    "x, y, exc, match",
    [
        (np.zeros(5), _GOOD, ValueError, r"x must be 2-dimensional.*reshape\(-1, 1\)"),
        (np.zeros((2, 5, 3)), _GOOD, ValueError, "x must be 2-dimensional"),
        (_GOOD, np.zeros((5, 4)), ValueError, "y must have the same dimension d as x"),
        (_GOOD[:1], _GOOD, ValueError, "x must hold at least 2 points"),
        (_GOOD, _GOOD[:1], ValueError, "y must hold at least 2 points"),
        (np.zeros((5, 0)), np.zeros((5, 0)), ValueError, "x must have at least 1 dimension"),
        (np.where(_GOOD > 1, np.nan, _GOOD), _GOOD, ValueError, "x contains non-finite"),
        (_GOOD, np.where(_GOOD > 1, np.inf, _GOOD), ValueError, "y contains non-finite"),
        (_GOOD.astype(complex), _GOOD, TypeError, "x must hold real numbers"),
        (_GOOD, _GOOD > 0, TypeError, "y must hold real numbers"),
        (None, _GOOD, TypeError, "x must be an array"),
        (_GOOD, [[0.0, 1.0], [1.0]], TypeError, "y must be an array"),
    ],
    ids=["x1d", "x3d", "dmismatch", "x1row", "y1row", "d0", "xnan", "yinf", "complex", "bool", "none", "ragged"],
)
def test_bad_samples_are_refused_naming_the_argument(x, y, exc, match):
    with pytest.raises(exc, match=match):
        energy_distance(x, y)
    with pytest.raises(exc, match=match):
        energy_distance_test(jax.random.key(0), x, y, n_permutations=9)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(n_permutations=0), ValueError, "n_permutations must be >= 1"),
        (dict(n_permutations=10.0), TypeError, "n_permutations must be an integer"),
        (dict(n_permutations=True), TypeError, "n_permutations must be an integer"),
        (dict(key=0), TypeError, "key must be a JAX PRNG key"),
        (dict(key=np.zeros(2, np.float32)), TypeError, "key must be a JAX PRNG key"),
    ],
)
def test_bad_test_arguments_are_refused(kwargs, exc, match):
    key = kwargs.pop("key", jax.random.key(0))
    with pytest.raises(exc, match=match):
        energy_distance_test(key, _GOOD, _GOOD + 1, **kwargs)


@pytest.mark.parametrize(
    "samples, kwargs, exc, match",
    [
        (np.zeros((10, 3)), {}, ValueError, r"samples must be 3-dimensional \(chains, draws, N\)"),
        (np.zeros((1, 1, 3)), {}, ValueError, "samples is too short"),
        (np.zeros((2, 0, 3)), {}, ValueError, "samples is too short"),
        (np.zeros((2, 5, 0)), {}, ValueError, "samples is too short"),
        (np.full((2, 5, 3), np.nan), {}, ValueError, "samples contains non-finite"),
        (np.zeros((2, 5, 3), complex), {}, TypeError, "samples must hold real numbers"),
        (np.zeros((2, 5, 3)), dict(max_points=1), ValueError, "max_points must be >= 2"),
        (np.zeros((2, 5, 3)), dict(max_points=2.5), TypeError, "max_points must be an integer"),
        (np.zeros((2, 5, 3)), dict(ess=0.0), ValueError, "ess must be positive"),
        (np.zeros((2, 5, 3)), dict(ess=float("nan")), ValueError, "ess contains non-finite"),
        (np.zeros((2, 5, 3)), dict(ess=1.5), ValueError, "ess must be >= 2"),
        (np.zeros((2, 5, 3)), dict(ess=[3.0, 4.0]), ValueError, "ess must be a scalar"),
        (np.zeros((4, 5, 3)), dict(max_points=3), ValueError, "k must be >= the number of chains"),
        (np.zeros((4, 5, 3)), dict(ess=3.7), ValueError, "k = 3 draws"),
    ],
)
def test_thin_refuses_bad_input(samples, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        thin_to_independent(samples, **kwargs)
