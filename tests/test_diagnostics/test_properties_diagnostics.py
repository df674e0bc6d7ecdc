"""Property-based tests of diagnostics.compare / summarize / from_chains / posterior_samples.

For arbitrary shapes and values (finite, non-finite, out of [-1, 1]) each function either returns
results of the documented shape and range, or raises ValueError / TypeError naming the argument;
an undefined Monte-Carlo error gives the verdict "cannot judge", never an infinite z.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fepnet
from diagnostics.compare import MIN_CHAINS, MIN_DRAWS, compare, summarize
from diagnostics.convert import from_chains, posterior_samples

VERDICTS = {"consistent", "biased", "cannot judge"}


shapes = st.tuples(st.integers(0, 3), st.integers(0, 7), st.integers(0, 2))
any_values = st.floats(allow_nan=True, allow_infinity=True)
states = st.floats(-1.0, 1.0)


@given(st.one_of(hnp.arrays(np.float64, shapes, elements=any_values),
                 hnp.arrays(np.float64, st.tuples(st.integers(0, 5), st.integers(0, 2)), elements=states),
                 st.none(), st.just("x"), st.just(np.zeros((2, 4, 2), complex)), st.just(np.zeros((2, 4, 2), bool))))
def test_from_chains_and_posterior_samples(call_checked, samples):
    x = call_checked(posterior_samples, ["samples"], samples)
    idata = call_checked(from_chains, ["samples"], samples)
    assert (x is None) == (idata is None)
    if x is not None:
        assert x.ndim == 3 and x.shape[0] >= 1 and x.shape[1] >= 2 and x.shape[2] >= 1
        assert np.all(np.isfinite(x)) and np.all(np.abs(x) <= 1)
        assert idata.posterior["sigma"].shape == x.shape


def _chains(c, d, n=2):
    return hnp.arrays(np.float64, (c, d, n), elements=states)


@given(st.integers(1, 3), st.integers(2, 9), st.data())
def test_compare_verdict_is_explicit_and_z_is_never_inf_from_an_undefined_error(call_checked, c, d, data):
    x = data.draw(_chains(c, d))
    y = data.draw(_chains(c, d))
    result = call_checked(compare, ["samples", "reference"], x, y, n_permutations=5, max_points=20)
    if c < MIN_CHAINS or d < MIN_DRAWS:
        assert result is None  # too short to judge: refused
        return
    assert result is not None
    assert result.verdict in VERDICTS
    assert (result.verdict == "cannot judge") == bool(result.undetermined)
    assert result.mean_z.shape == (2,) and result.second_moment_z.shape == (2, 2)
    se = np.sqrt(result.mean_mcse**2 + result.reference_mean_mcse**2)
    # an infinite z only where the error is exactly 0 (constant chains that differ), never where it is NaN
    assert not np.any(np.isinf(result.mean_z) & ~(se == 0))
    assert np.array_equal(np.isnan(result.mean_z), np.isnan(se))
    assert np.all(np.isnan(result.mean_mcse) | (result.mean_mcse >= 0))
    assert np.all(np.abs(result.correlation) <= 1) and np.all(np.abs(result.reference_correlation) <= 1)
    assert 0.0 <= result.energy_distance.p_value <= 1.0
    d_ = result.to_dict()
    assert d_["verdict"] == result.verdict and d_["undetermined"] == list(result.undetermined)


@given(st.integers(1, 3), st.integers(2, 9), st.data())
def test_summarize_is_finite_or_refused(call_checked, c, d, data):
    s = call_checked(summarize, ["samples"], data.draw(_chains(c, d)))
    if c < MIN_CHAINS or d < MIN_DRAWS:
        assert s is None
        return
    assert s.chains == c and s.draws == d and s.ess_bulk_min >= 0 and s.ess_tail_min >= 0
    assert np.isnan(s.rhat_max) or s.rhat_max > 0


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2, 2), st.booleans(), st.none(),
                 st.just("1")))
def test_from_chains_scalar_arguments(call_checked, value):
    x = np.zeros((2, 4, 2))
    x[:, ::2] = 0.5
    for kw, names in [({"inverse_temperature": value}, ["inverse_temperature"]), ({"wall_s": value}, ["wall_s"]),
                      ({"network": fepnet.Network.zeros(2), "evidence": [value, 0.0]}, ["evidence"])]:
        idata = call_checked(from_chains, names, x, **kw)
        if idata is not None:
            assert idata.posterior["sigma"].shape == (2, 4, 2)
