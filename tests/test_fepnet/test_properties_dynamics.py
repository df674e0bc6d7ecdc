"""Property-based tests of the dynamics' public boundary: run, relax, train, free_run (#16).

For arbitrary (finite and non-finite) floats, dtypes, shapes and counts, each call either returns finite
results of the documented shape with states in [-1, 1], or raises ValueError / TypeError whose message
names an argument that is in fact invalid. Training may also stop with FloatingPointError naming the
epoch (a documented outcome for valid but extreme settings), never with a silent NaN. An independent
oracle (NumPy, float32: the tests run with x64 off) says which arguments are invalid.

Sizes are tiny (N = 4, a few steps) and the static arguments come from small sets, so the jitted
programs are compiled once and reused.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import fepnet
from fepnet import ChainState, KernelParams, Network

pytestmark = pytest.mark.usefixtures("x32")

N = 4
INT32_MAX = 2**31 - 1
_J = np.array([[0.0, 0.5, -0.3, 0.2], [0.5, 0.0, 0.4, -0.1], [-0.3, 0.4, 0.0, 0.6], [0.2, -0.1, 0.6, 0.0]])
NET = Network(_J, np.array([0.1, -0.2, 0.3, 0.0]))
PATTERNS = np.array([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]])
KEY = jax.random.key(0)

# --- strategies ----------------------------------------------------------------------------------------------
# Each argument has a valid and an invalid strategy (both wild: extremes, dtypes, Python and NumPy types). A test
# draws which argument to corrupt: none (the result is checked), one (its name must be in the error), or all.
# The oracle below, not the strategy, decides what is invalid.

F32_MAX, F32_TINY = float(np.finfo(np.float32).max), 1.4e-45  # the smallest float32 subnormal
_EDGE_INVALID = [np.nan, np.inf, -np.inf, 1e39, -1e39, 1e300, 3.5e38, 1e-50, -1.0, 0.0, None, True, "1.0", 1 + 1j,
                 np.ones(2), np.float64(np.nan), np.array([0.5])]
positive = st.one_of(st.floats(1e-30, 1e30), st.floats(F32_TINY, F32_MAX),
                     st.sampled_from([F32_TINY, 3e38, 1, 2, np.float32(0.5), np.float16(2.0), np.int64(3),
                                      np.array(0.7), 1e-5]))
nonnegative = st.one_of(positive, st.sampled_from([0.0, -0.0, 0, 1e-50, np.float32(0.0)]))
wild = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(_EDGE_INVALID),
                 st.integers(-3, 3), hnp.arrays(np.float64, (), elements=st.floats(allow_nan=True)))


def counts(valid):
    """(valid, invalid): a count from ``valid`` (a small set: compiled once each), or a negative, huge or
    non-integer one."""
    return st.sampled_from(valid), st.one_of(
        st.integers(-2**70, -1), st.integers(INT32_MAX + 1, 2**70),
        st.sampled_from([2**63, 1.0, 2.5, True, "3", None, np.int64(-1), np.uint64(2**40)]))


_STATE_KINDS = ["float16", "float32", "float64", "int8", "int32", "list"]


@st.composite
def state_arrays(draw, shapes, valid):
    """Node states of float or integer dtypes (or a list): in [-1, 1] of a right shape if ``valid``,
    else anything (out of range, NaN, inf, another shape, bool, complex)."""
    kind = draw(st.sampled_from(_STATE_KINDS + ([] if valid else ["bool", "complex64"])))
    shape = draw(st.sampled_from(shapes))
    if kind == "bool":
        return np.zeros(shape, bool)
    if kind == "complex64":
        return np.zeros(shape, np.complex64)
    dtype = np.dtype("float64" if kind == "list" else kind)
    if valid:
        elements = st.integers(-1, 1) if dtype.kind == "i" else st.floats(-1, 1, width=8 * dtype.itemsize)
    else:
        elements = None  # anything the dtype holds: NaN, inf, huge
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    return x.tolist() if kind == "list" else x


def _arguments(draw, spec):
    """Draw every argument of ``spec`` {name: (valid, invalid)}: all valid, one corrupted, or all wild."""
    corrupt = draw(st.sampled_from([None, None, "all", *spec]))
    return {name: draw(bad if corrupt in (name, "all") else good) for name, (good, bad) in spec.items()}


# --- the oracle ----------------------------------------------------------------------------------------------


def _scalar_ok(x, positive):
    if x is None or isinstance(x, (bool, np.bool_, str, complex)):
        return False
    a = np.asarray(x)
    if a.ndim != 0 or a.dtype.kind not in "iuf":
        return False
    with np.errstate(over="ignore"):
        f = np.float32(a)  # the working dtype
    return bool(np.isfinite(f) and (f > 0 if positive else f >= 0))


def _count_ok(x, minimum):
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool) and minimum <= x <= INT32_MAX


def _states_ok(x, shapes):
    a = np.asarray(x)
    if a.dtype.kind not in "iuf" or a.shape not in shapes:
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        f = a.astype(np.float32) if a.dtype.kind != "f" or a.dtype.itemsize > 4 else a
    return bool(np.all(np.isfinite(f)) and np.all(np.abs(f) <= 1))


def _outcome(call, bad, check, *, diverge_ok=False):
    """Run ``call``: an error must name an invalid argument; without invalid arguments ``check`` the result."""
    invalid = [name for name, is_bad in bad.items() if is_bad]
    try:
        out = call()
    except (ValueError, TypeError) as exc:
        assert invalid, f"valid arguments refused: {exc!r}"
        assert any(name in str(exc) for name in invalid), f"{exc!r} names none of the invalid {invalid}"
        return
    except FloatingPointError as exc:
        assert diverge_ok and not invalid and "counting from 0" in str(exc), repr(exc)
        return
    assert not invalid, f"invalid {invalid} accepted"
    check(out)


def _assert_states(x, shape):
    x = np.asarray(x)
    assert x.shape == shape and np.issubdtype(x.dtype, np.floating)
    assert np.all(np.isfinite(x)) and np.all(np.abs(x) <= 1), x


# --- run -----------------------------------------------------------------------------------------------------


@given(st.data())
def test_run_boundary(data):
    args = _arguments(data.draw, {
        "state.sigma": (state_arrays([(N,)], True), state_arrays([(N,), (3,), (2, N), ()], False)),
        "inverse_temperature": (positive, wild),
        "n_steps": counts([0, 1, 3]),
        "thin": counts([1, 2, INT32_MAX]),
    })
    trace = data.draw(st.booleans())
    sigma, it, n_steps, thin = args.values()
    kernel = fepnet.build_kernel("synchronous")
    bad = {"state.sigma": not _states_ok(sigma, [(N,)]), "inverse_temperature": not _scalar_ok(it, True),
           "n_steps": not _count_ok(n_steps, 0), "thin": not _count_ok(thin, 1)}

    def check(out):
        final, kept = out
        _assert_states(final.sigma, (N,))
        if trace:
            _assert_states(kept, (n_steps // thin, N))
        else:
            assert kept is None

    _outcome(lambda: fepnet.run(kernel, KEY, ChainState(sigma), KernelParams(NET, it), n_steps, thin=thin,
                                trace=trace), bad, check)


# --- relax ---------------------------------------------------------------------------------------------------


@given(st.data())
def test_relax_boundary(data):
    args = _arguments(data.draw, {
        "sigma": (state_arrays([(N,), (2, N)], True), state_arrays([(N,), (2, N), (3,), ()], False)),
        "inverse_temperature": (positive, wild),
        "tol": (positive, wild),
        "max_steps": counts([1, 5, 200]),
    })
    sigma, it, tol, max_steps = args.values()
    shape = np.shape(sigma)
    bad = {"sigma": not _states_ok(sigma, [(N,), (2, N)]), "inverse_temperature": not _scalar_ok(it, True),
           "tol": not _scalar_ok(tol, True), "max_steps": not _count_ok(max_steps, 1)}

    def check(out):
        _assert_states(out.sigma, shape)
        assert np.all(np.asarray(out.n_steps) <= max_steps)
        assert np.asarray(out.converged).shape == shape[:-1]

    _outcome(lambda: fepnet.relax(NET, sigma, it, tol=tol, max_steps=max_steps), bad, check)


# --- train and free_run --------------------------------------------------------------------------------------

_MASKS = [None, np.ones((N, N)), np.ones((N, N), bool), np.eye(N)[::-1],  # valid
          np.full((N, N), 0.5), np.ones((3, 3)), np.where(np.eye(N) > 0, np.nan, 1.0), "ones"]  # invalid
_INITIALS = [
    NET.with_biases(np.zeros(N)), fepnet.init_learning_state(NET, np.full(N, 0.5)),  # valid
    fepnet.LearningState(np.zeros((N, N), np.int32), np.zeros(N)),
    fepnet.LearningState(jnp.full((N, N), jnp.nan), jnp.zeros(N)),  # invalid
    fepnet.LearningState(jnp.zeros((N, N)), jnp.full(N, 2.0)),
    fepnet.LearningState(jnp.zeros((3, 3)), jnp.zeros(3)),
    np.zeros((N, N)), None,
]
_MASK_OK, _INITIAL_OK = 4, 3  # the first ones are valid
_FREE_OK, _FREE_BAD = [0, 1, 2, 5], [3, 4, 6, 7]  # free_run has no patterns: a 3-node state is valid


def _check_trained(n_epochs, steps, trace, n=N):
    def check(res):
        J = np.asarray(res.network.couplings)
        assert J.shape == (n, n) and np.all(np.isfinite(J))
        _assert_states(res.state.sigma, (n,))
        assert res.pattern_index.shape == (n_epochs,)
        if trace:
            _assert_states(res.states, (n_epochs, steps, n))
    return check


@given(st.data())
def test_train_boundary(data):
    args = _arguments(data.draw, {
        "evidence_level": (positive, wild),
        "inverse_temperature": (positive, wild),
        "learning_rate": (nonnegative, wild),
        "n_epochs": counts([0, 1, 2]),
        "steps_per_epoch": counts([1, 2]),
        "mask": (st.sampled_from(range(_MASK_OK)), st.sampled_from(range(_MASK_OK, len(_MASKS)))),
        "initial": (st.sampled_from([None, *range(_INITIAL_OK)]), st.sampled_from(range(_INITIAL_OK, 7))),
    })
    level, it, lr, n_epochs, steps, mask, initial = args.values()
    trace = data.draw(st.booleans())
    bad = {"evidence_level": not _scalar_ok(level, True), "inverse_temperature": not _scalar_ok(it, True),
           "learning_rate": not _scalar_ok(lr, False), "n_epochs": not _count_ok(n_epochs, 0),
           "steps_per_epoch": not _count_ok(steps, 1), "mask": mask >= _MASK_OK,
           "initial": initial is not None and initial >= _INITIAL_OK}
    _outcome(lambda: fepnet.train(KEY, PATTERNS, n_epochs=n_epochs, steps_per_epoch=steps, inverse_temperature=it,
                                  learning_rate=lr, evidence_level=level, mask=_MASKS[mask], trace=trace,
                                  initial=None if initial is None else _INITIALS[initial], progress=False),
             bad, _check_trained(n_epochs, steps, trace), diverge_ok=True)


@given(st.data())
def test_free_run_boundary(data):
    args = _arguments(data.draw, {
        "inverse_temperature": (positive, wild),
        "learning_rate": (nonnegative, wild),
        "n_steps": counts([0, 1, 3]),
        "chunk_steps": counts([1, 2]),
        "initial": (st.sampled_from(_FREE_OK), st.sampled_from(_FREE_BAD)),
    })
    it, lr, n_steps, chunk, initial = args.values()
    trace = data.draw(st.booleans())
    bad = {"inverse_temperature": not _scalar_ok(it, True), "learning_rate": not _scalar_ok(lr, False),
           "n_steps": not _count_ok(n_steps, 0), "chunk_steps": not _count_ok(chunk, 1),
           "initial": initial in _FREE_BAD}
    _outcome(lambda: fepnet.free_run(KEY, _INITIALS[initial], n_steps, inverse_temperature=it, learning_rate=lr,
                                     chunk_steps=chunk, trace=trace, progress=False),
             bad, _check_trained(n_steps, 1, trace, 3 if initial == 5 else N), diverge_ok=True)
