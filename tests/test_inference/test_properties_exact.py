"""Property-based tests of inference.exact's public functions.

For arbitrary floats, shapes and sizes each either returns finite moments in their documented
range, or raises ValueError / TypeError naming the argument; an undefined MCSE is NaN, and a z-score
is infinite only where the standard error is exactly 0.
"""

import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fepnet import Network
from inference import exact as ex
from inference import monte_carlo as mc

any_float = st.floats(allow_nan=True, allow_infinity=True)
F32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
any_scalar = st.one_of(any_float, st.integers(-2, 3), st.booleans(), st.none(), st.just("2"), st.floats(1e-3, 1e3))


def check_moments(m, n):
    assert m.mean.shape == (n,) and m.covariance.shape == (n, n)
    assert np.all(np.isfinite(m.mean)) and np.all(np.abs(m.mean) <= 1 + 1e-12)
    assert np.all(np.isfinite(m.covariance)) and np.allclose(m.covariance, m.covariance.T)
    d = np.diag(m.covariance)
    assert np.all((d >= -1e-12) & (d <= 1 + 1e-12))
    assert np.isfinite(m.log_partition)


@given(st.one_of(hnp.arrays(np.float64, st.integers(0, 4), elements=any_float), st.none(), st.just("b"),
                 st.just(np.zeros((2, 2)))), any_scalar)
def test_independent_moments(call_checked, biases, inverse_temperature):
    m = call_checked(ex.independent_moments, ["biases", "inverse_temperature"], biases, inverse_temperature)
    if m is not None:
        n = len(biases)
        check_moments(m, n)
        assert np.all(np.diag(m.covariance) <= 1 / 3 + 1e-12)
        assert m.log_partition >= n * np.log(2) - 1e-9  # A(c) >= A(0) = log 2


@given(st.integers(1, 2), st.data())
def test_boltzmann_and_synchronous_quadrature(call_checked, n, data):
    J = data.draw(hnp.arrays(np.float64, (n, n), elements=F32))
    np.fill_diagonal(J, 0.0)  # a network has no self-coupling
    b = data.draw(hnp.arrays(np.float64, (n,), elements=F32))
    it = data.draw(st.one_of(st.floats(1e-2, 50.0), any_scalar))
    evidence = data.draw(st.one_of(st.none(), hnp.arrays(np.float64, st.sampled_from([(n,), (n + 1,)]),
                                                          elements=st.one_of(st.floats(-10, 10), any_float))))
    net = Network(J.astype(np.float32), b.astype(np.float32))
    names = ["inverse_temperature", "evidence"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default grid never under-resolves silently or with a warning
        for f in (ex.boltzmann_quadrature, ex.synchronous_quadrature):
            m = call_checked(f, names, net, it, evidence)
            if m is not None:
                check_moments(m, n)


@given(st.one_of(hnp.arrays(np.float64, st.tuples(st.integers(0, 3), st.integers(0, 6), st.integers(1, 2)),
                            elements=st.floats(-1, 1)),
                 hnp.arrays(np.float64, st.tuples(st.integers(1, 2), st.integers(2, 6)), elements=any_float),
                 st.none(), st.just(np.zeros((2, 4), complex))))
def test_mcse_is_nonnegative_or_nan_never_inf(call_checked, samples):
    se = call_checked(mc.mcse, ["samples"], samples)
    if se is not None:
        assert se.shape == samples.shape[2:]
        assert not np.any(np.isinf(se)) and np.all(np.isnan(se) | (se >= 0))


@given(hnp.arrays(np.float64, 6, elements=any_float),
       hnp.arrays(np.float64, 6, elements=st.one_of(st.just(0.0), st.just(np.nan), st.floats(1e-300, 1e300))))
def test_z_score_is_infinite_only_for_a_zero_error(diff, se):
    z = mc.z_score(diff, se)
    assert z.shape == (6,)
    assert np.all(np.isnan(z[np.isnan(se)]))
    inf = np.isinf(z)
    with np.errstate(divide="ignore", over="ignore"):
        assert np.all((se[inf] == 0) | np.isinf(diff[inf]) | (np.abs(diff[inf]) / se[inf] > 1e300))


@given(hnp.arrays(np.float64, 5, elements=st.floats(allow_nan=False, allow_infinity=False)))
def test_log_normalizer_is_finite_and_at_least_log_two(c):
    a = ex.log_normalizer(c)
    assert a.shape == (5,) and np.all(np.isfinite(a)) and np.all(a >= np.log(2) - 1e-12)
