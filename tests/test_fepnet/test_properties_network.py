"""Property-based tests (hypothesis) of Network's constructors, its file round trip, kernel_params and colourings.

Each public function, for arbitrary finite and non-finite floats, dtypes, shapes and sizes (N <= 6),
either returns a valid result (finite, of the documented shapes) or raises ValueError / TypeError
whose message names the argument. Where the rule is simple enough, an independent oracle says which
of the two must happen, so a valid input that is refused fails too.
"""

import io
import os
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import event, given, strategies as st
from hypothesis.extra import numpy as hnp

import fepnet
from fepnet import Network

FLOAT_DTYPES = [np.float16, np.float32, np.float64]
OTHER_DTYPES = [np.int8, np.int32, np.int64, np.uint8, np.bool_, np.complex64]
WORKING_FLOAT = np.dtype(jnp.result_type(float))  # float32 unless x64 is on


def _elements(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        width = 8 * dtype.itemsize
        special = [1e39, -1e39, 3e38, 1e-50] if width == 64 else [65504.0] if width == 16 else [3e38]
        return st.one_of(st.floats(width=width, allow_nan=True, allow_infinity=True),
                         st.floats(-2.0, 2.0, width=width), st.sampled_from(special))
    return None  # hypothesis' default for ints, bool, complex


def _arrays(shapes, dtypes=FLOAT_DTYPES + OTHER_DTYPES):
    return st.sampled_from(dtypes).flatmap(lambda dt: hnp.arrays(dt, shapes, elements=_elements(dt)))


SIZES = st.integers(0, 6)
SQUARE = SIZES.map(lambda n: (n, n))
ANY_SHAPE = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)
COUPLINGS = st.one_of(_arrays(SQUARE, FLOAT_DTYPES), _arrays(SQUARE), _arrays(ANY_SHAPE),
                      st.none(), st.text(max_size=3), st.lists(st.floats(), max_size=3))


def _working(dtype):
    """The dtype Network keeps for an input of ``dtype`` (ints become the default float)."""
    dtype = np.dtype(dtype)
    return jax.dtypes.canonicalize_dtype(dtype) if dtype.kind == "f" else WORKING_FLOAT


def _real(x):
    return isinstance(x, np.ndarray) and x.dtype.kind in "iuf"


def _finite_in(x, dtype):
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(x.astype(dtype)).all())


def _assert_valid(net, n=None):
    assert isinstance(net, Network)
    J, b = np.asarray(net.couplings), np.asarray(net.biases)
    assert J.ndim == 2 and J.shape[0] == J.shape[1] >= 1 and b.shape == (J.shape[0],)
    assert n is None or net.size == n
    assert np.issubdtype(J.dtype, np.floating) and b.dtype == J.dtype
    assert np.isfinite(J).all() and np.isfinite(b).all()
    assert np.all(np.diagonal(J) == 0)


def _names(exc, *names):
    message = str(exc)
    assert any(re.search(rf"\b{re.escape(name)}\b", message) for name in names), message


def _outcome(call, names, accept=None):
    """``call()``'s result, or None when it refused with TypeError / ValueError naming one of ``names``.

    ``accept``: True, the call must succeed; False, it must refuse; None, either (the result is checked).
    """
    try:
        result = call()
    except (TypeError, ValueError) as exc:
        assert accept is not True, f"valid input refused: {exc}"
        _names(exc, *names)
        event("refused")
        return None
    assert accept is not False, "invalid input accepted"
    event("accepted")
    return result


# --- constructors -----------------------------------------------------------------------------------


@st.composite
def _couplings_and_biases(draw):
    """Mostly well-formed square couplings (N = 1..6) with matching biases, often with bad values or dtypes."""
    dtype = draw(st.one_of(st.sampled_from(FLOAT_DTYPES), st.sampled_from(FLOAT_DTYPES + OTHER_DTYPES)))
    n = draw(st.integers(1, 6))
    tame = st.floats(-2.0, 2.0, width=8 * np.dtype(dtype).itemsize) if np.dtype(dtype).kind == "f" else None
    J = draw(st.one_of(hnp.arrays(dtype, (n, n), elements=tame), hnp.arrays(dtype, (n, n), elements=_elements(dtype)),
                       COUPLINGS))
    b = draw(st.one_of(st.none(), hnp.arrays(dtype, (n,), elements=tame), _arrays(st.just((n,))), _arrays(ANY_SHAPE)))
    return J, b


@given(case=_couplings_and_biases(), zero_diagonal=st.booleans())
def test_constructor_accepts_exactly_the_valid_networks(case, zero_diagonal):
    J, b = case
    ok = _real(J) and J.ndim == 2 and J.shape[0] == J.shape[1] >= 1
    if ok:
        n, dtype = J.shape[0], _working(J.dtype)
        ok = _finite_in(J, dtype)
        if b is not None:
            ok = ok and _real(b) and b.shape == (n,) and _finite_in(b, _working(b.dtype))
            dtype = np.result_type(dtype, _working(b.dtype)) if ok else dtype
        ok = ok and (zero_diagonal or not np.any(np.diagonal(J.astype(dtype))))
    net = _outcome(lambda: Network(J, b, zero_diagonal=zero_diagonal), ("couplings", "biases"), ok)
    if net is None:
        return
    _assert_valid(net, J.shape[0])
    expected = J.astype(net.dtype)
    np.fill_diagonal(expected, 0)
    np.testing.assert_array_equal(np.asarray(net.couplings), expected)


GOOD_DTYPES = [None, np.float16, np.float32, np.float64, "float32", jnp.float32]
BAD_DTYPES = [np.int32, jnp.int32, bool, np.complex64, "xyz"]
ANY_NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 2**40), st.booleans(),
                       st.none(), st.sampled_from([1e39, 1e30, -1.0, 2.5, "1"]))
# node counts: never a large valid one (Network.zeros(10**5) would allocate 40 GB)
BAD_COUNTS = st.one_of(st.integers(-3, 0), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
                       st.sampled_from([2.0, "3", 2**40, np.int64(-1)]))


@st.composite
def _mostly_valid(draw, valid, bad):
    """Keyword arguments drawn from ``valid``, with none, one or two of them replaced by a draw from ``bad``."""
    kwargs = {name: draw(strategy) for name, strategy in valid.items()}
    for name in draw(st.lists(st.sampled_from(sorted(bad)), max_size=2, unique=True)):
        kwargs[name] = draw(bad[name])
    return kwargs


def _is_float_dtype(dtype):
    return any(dtype is d for d in GOOD_DTYPES)


def _is_scale(x):  # valid and small enough never to overflow, even in float16
    return type(x) in (int, float) and 0 <= x <= 1e3


@given(kwargs=_mostly_valid(dict(n=st.integers(1, 6), dtype=st.sampled_from(GOOD_DTYPES)),
                            dict(n=BAD_COUNTS, dtype=st.sampled_from(BAD_DTYPES))))
def test_zeros_gives_a_valid_network_or_names_the_argument(kwargs):
    n, dtype = kwargs["n"], kwargs["dtype"]
    ok = type(n) is int and 1 <= n <= 6 and _is_float_dtype(dtype)
    net = _outcome(lambda: Network.zeros(n, dtype), ("n", "dtype"), ok)
    if net is None:
        return
    _assert_valid(net, n)
    assert not np.any(np.asarray(net.couplings)) and not np.any(np.asarray(net.biases))


RANDOM_VALID = dict(n=st.sampled_from([1, 4]),  # few shapes: each new one compiles the draws
                    dtype=st.sampled_from(GOOD_DTYPES), coupling_scale=st.floats(0, 3),
                    bias_scale=st.floats(0, 3), density=st.floats(0, 1), symmetric=st.booleans())
RANDOM_BAD = dict(n=BAD_COUNTS, dtype=st.sampled_from(BAD_DTYPES), coupling_scale=ANY_NUMBER, bias_scale=ANY_NUMBER,
                  density=ANY_NUMBER)


@given(seed=st.integers(0, 3), kwargs=_mostly_valid(RANDOM_VALID, RANDOM_BAD))
def test_random_gives_a_valid_network_or_names_the_argument(seed, kwargs):
    n, density = kwargs["n"], kwargs["density"]
    ok = (type(n) is int and 1 <= n <= 6 and _is_float_dtype(kwargs["dtype"]) and _is_scale(kwargs["coupling_scale"])
          and _is_scale(kwargs["bias_scale"]) and type(density) in (int, float) and 0 <= density <= 1)
    net = _outcome(lambda: Network.random(jax.random.key(seed), **kwargs),
                   ("n", "dtype", "coupling_scale", "bias_scale", "density"), True if ok else None)
    if net is None:
        return
    _assert_valid(net, n)
    want = np.float32 if kwargs["dtype"] is None else kwargs["dtype"]
    assert net.dtype == jax.dtypes.canonicalize_dtype(want) or kwargs["dtype"] is None
    J = np.asarray(net.couplings)
    if kwargs["symmetric"]:
        np.testing.assert_array_equal(J, J.T)
    if kwargs["bias_scale"] == 0:
        assert not np.any(np.asarray(net.biases))
    if kwargs["coupling_scale"] == 0 or density == 0:
        assert not np.any(J)


# --- files ------------------------------------------------------------------------------------------


VALID_NETWORKS = st.tuples(SIZES.filter(bool), st.sampled_from([np.float16, np.float32]), st.integers(0, 2**31)).map(
    lambda a: Network(np.random.default_rng(a[2]).normal(size=(a[0], a[0])).astype(a[1]),
                      np.random.default_rng(a[2] + 1).normal(size=a[0]).astype(a[1]), zero_diagonal=True))


@given(net=VALID_NETWORKS)
def test_save_load_round_trip_is_exact(tmp_path, net):
    path = tmp_path / "net.npz"
    net.save(path)
    back = Network.load(path)
    assert back.dtype == net.dtype
    assert np.asarray(back.couplings).tobytes() == np.asarray(net.couplings).tobytes()
    assert np.asarray(back.biases).tobytes() == np.asarray(net.biases).tobytes()
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]


def _npz_bytes(entries):
    buffer = io.BytesIO()
    np.savez(buffer, **entries)
    return buffer.getvalue()


_GOOD_FILE = _npz_bytes(dict(format=np.asarray("fepnet.Network/1"), couplings=np.zeros((3, 3), np.float32),
                             biases=np.ones(3, np.float32)))
ENTRY = st.one_of(_arrays(st.one_of(SQUARE, ANY_SHAPE)), st.just(np.asarray("fepnet.Network/1")),
                  st.text(max_size=4).map(np.asarray))
VALID_FILES = VALID_NETWORKS.map(lambda net: _npz_bytes(dict(
    format=np.asarray("fepnet.Network/1"), couplings=np.asarray(net.couplings), biases=np.asarray(net.biases))))
FILE_CONTENTS = st.one_of(
    VALID_FILES,
    st.binary(max_size=300),
    st.dictionaries(st.sampled_from(["format", "couplings", "biases", "other"]), ENTRY, max_size=4).map(
        lambda d: _npz_bytes({"format": np.asarray("fepnet.Network/1"), **d})),
    st.tuples(st.integers(0, len(_GOOD_FILE) - 1), st.integers(1, 255)).map(  # one corrupted byte
        lambda a: _GOOD_FILE[: a[0]] + bytes([_GOOD_FILE[a[0]] ^ a[1]]) + _GOOD_FILE[a[0] + 1:]),
    st.integers(0, len(_GOOD_FILE) - 1).map(lambda k: _GOOD_FILE[:k]),  # truncated
)


@given(content=FILE_CONTENTS)
def test_load_of_arbitrary_content_gives_a_network_or_one_clear_error(tmp_path, content):
    path = tmp_path / "candidate.npz"
    path.write_bytes(content)
    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    try:
        net = Network.load(path)
    except ValueError as exc:
        assert str(exc).startswith(f"not a fepnet network file: {path} ("), exc
        event("refused")
    else:
        _assert_valid(net)
        event("accepted")
    if fds is not None:
        assert len(os.listdir("/proc/self/fd")) == fds  # the file is closed whatever happened


# --- kernel_params ----------------------------------------------------------------------------------


_NET3 = Network(np.array([[0.0, 0.5, 0.0], [0.5, 0.0, -0.2], [0.0, -0.2, 0.0]], np.float32), [0.1, -0.3, 3e38])
EVIDENCE_OK = st.one_of(st.none(), hnp.arrays(np.float32, (3,), elements=st.floats(-5, 5, width=32)))
SCALARS_BAD = st.one_of(st.sampled_from([1e-50, 3.5e38, 10**40, 1e39]),  # fine in float64, not in float32
                        ANY_NUMBER, st.text(max_size=2), st.complex_numbers(max_magnitude=2),
                        _arrays(st.one_of(st.just(()), ANY_SHAPE)))
EVIDENCE_BAD = st.one_of(_arrays(st.just((3,))), _arrays(ANY_SHAPE), st.lists(st.floats(), max_size=4),
                         st.just([0.0, 0.0, 3e38]))


@pytest.fixture(params=[False, True], ids=["x32", "x64"])
def x64_mode(request):
    old = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", request.param)
    try:
        yield request.param
    finally:
        jax.config.update("jax_enable_x64", old)


def _evidence_ok(evidence):
    if evidence is None:
        return True
    e = np.asarray(evidence) if isinstance(evidence, list) else evidence
    if not _real(e) or e.shape != (3,):
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        e = e.astype(np.float32)
        return bool(np.isfinite(e).all() and np.isfinite(np.asarray(_NET3.biases) + e).all())


@given(kwargs=_mostly_valid(dict(inverse_temperature=st.floats(1e-3, 1e3), evidence=EVIDENCE_OK),
                            dict(inverse_temperature=SCALARS_BAD, evidence=EVIDENCE_BAD)))
def test_kernel_params_are_valid_or_name_the_argument(x64_mode, kwargs):
    """The float32 network's dtype rules, with x64 off and on (float64 values are checked after the cast)."""
    it = kwargs["inverse_temperature"]
    ok = type(it) in (int, float) and _evidence_ok(kwargs["evidence"])
    if ok:
        with np.errstate(over="ignore"):
            ok = 0 < np.float32(it) < np.inf
    python_number = type(it) in (int, float)  # the oracle judges these; arrays and the rest: the result is checked
    prm = _outcome(lambda: fepnet.kernel_params(_NET3, **kwargs), ("inverse_temperature", "evidence"),
                   ok if python_number else (True if ok else None))
    if prm is None:
        return
    value = np.asarray(prm.inverse_temperature)
    assert value.shape == () and value.dtype == np.float32 and np.isfinite(value) and value > 0
    _assert_valid(prm.network, 3)
    assert prm.network.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(prm.network.couplings), np.asarray(_NET3.couplings))


# --- colourings -------------------------------------------------------------------------------------


def _split(perm, cuts):
    cuts = sorted(set(c % (len(perm) + 1) for c in cuts))
    return [list(perm[a:b]) for a, b in zip([0] + cuts, cuts + [len(perm)])]


@st.composite
def _network_and_coloring(draw):
    n = draw(st.integers(1, 6))
    J = np.zeros((n, n), np.float32)
    for i, j in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n)):
        J[i, j] = 0.0 if i == j else 0.5  # sparse, often one-way (asymmetric)
    partitions = st.tuples(st.permutations(range(n)), st.lists(st.integers(0, 6), max_size=6)).map(lambda a: _split(*a))
    coloring = draw(st.one_of(
        partitions, partitions, st.permutations(range(n)).map(lambda p: [[i] for i in p]),
        st.lists(st.lists(st.integers(-1, 7), max_size=4), max_size=5),
        st.lists(st.lists(st.one_of(st.integers(0, 5), st.floats(0, 5), st.text(max_size=1)), max_size=3), max_size=3),
        st.text(max_size=3)))
    return Network(J), coloring


def _proper_partition(coloring, J):
    """Oracle: every node exactly once, integer indices, no coupling (either direction) inside a colour."""
    n = J.shape[0]
    if isinstance(coloring, str):
        return False
    flat = [i for group in coloring for i in group]
    if any(type(i) is not int for i in flat) or sorted(flat) != list(range(n)):
        return False
    return all(J[i, j] == 0 for group in coloring for i in group for j in group if i != j)


@given(case=_network_and_coloring())
def test_coloring_is_accepted_exactly_when_it_is_a_proper_partition(case):
    net, coloring = case
    J = np.asarray(net.couplings)
    ok = _proper_partition(coloring, J + J.T)
    kernel = _outcome(lambda: fepnet.build_kernel("chromatic", network=net, coloring=coloring), ("coloring",), ok)
    if kernel is not None:
        assert kernel.coloring == tuple(tuple(group) for group in coloring)
    # the same colouring given alone, then met by the network (what run does), gives the same verdict
    _outcome(lambda: fepnet.build_kernel("chromatic", coloring=coloring).check_network(net), ("coloring",), ok)
    # the greedy colouring of the network is always accepted
    greedy = fepnet.build_kernel("chromatic", network=net).coloring
    assert _proper_partition([list(g) for g in greedy], J + J.T)
