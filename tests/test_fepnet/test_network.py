"""Network: densities vs hand computation, parts, asymmetry, files, immutability, pytree behaviour."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fepnet
from fepnet import Network


def _random_coupling(rng, n, symmetric=False):
    J = rng.normal(size=(n, n))
    if symmetric:
        J = 0.5 * (J + J.T)
    np.fill_diagonal(J, 0.0)
    return J


def _energy_by_hand(J, b, s):
    """E(s) = -(sum_i b_i s_i + 1/2 sum_ij s_i J_ij s_j), written as explicit loops."""
    n = len(b)
    lin = sum(b[i] * s[i] for i in range(n))
    quad = sum(s[i] * J[i][j] * s[j] for i in range(n) for j in range(n))
    return -(lin + 0.5 * quad)


# --- densities ---------------------------------------------------------------


def test_energy_and_log_density_match_hand_computation(x64):
    rng = np.random.default_rng(0)
    J = _random_coupling(rng, 4)  # deliberately NOT symmetric
    b = rng.normal(size=4)
    net = Network(J, b)
    states = rng.uniform(-1, 1, size=(6, 4))
    expected = np.array([_energy_by_hand(J, b, s) for s in states])
    np.testing.assert_allclose(np.asarray(net.energy(states)), expected, rtol=1e-13, atol=1e-13)
    # single state -> scalar
    e0 = net.energy(states[0])
    assert np.shape(e0) == ()
    np.testing.assert_allclose(float(e0), expected[0], rtol=1e-13)
    for it in (0.25, 1.0, 3.7):
        np.testing.assert_allclose(
            np.asarray(net.log_density(states, it)), -it * expected, rtol=1e-13, atol=1e-13
        )


def test_energy_only_depends_on_symmetric_part(x64):
    rng = np.random.default_rng(1)
    J = _random_coupling(rng, 5)
    b = rng.normal(size=5)
    net = Network(J, b)
    s = rng.uniform(-1, 1, size=(3, 5))
    np.testing.assert_allclose(
        np.asarray(net.energy(s)), np.asarray(net.symmetrized().energy(s)), rtol=1e-12, atol=1e-12
    )
    # while an antisymmetric-only network has a purely linear energy
    anti = Network(J - J.T, b)
    np.testing.assert_allclose(np.asarray(anti.energy(s)), -(s @ b), rtol=1e-12, atol=1e-12)


def test_energy_known_values():
    # two nodes, J12 = J21 = 2, b = (1, -1): E(1, 1) = -(1 - 1 + 2) = -2; E(1, -1) = -(1 + 1 - 2) = 0
    net = Network(np.array([[0.0, 2.0], [2.0, 0.0]]), np.array([1.0, -1.0]))
    np.testing.assert_allclose(np.asarray(net.energy(np.array([[1.0, 1.0], [1.0, -1.0], [0.0, 0.0]]))), [-2.0, 0.0, 0.0])
    np.testing.assert_allclose(float(net.log_density(np.array([1.0, 1.0]), 0.5)), 1.0)


# --- parts and asymmetry -------------------------------------------------------


def test_symmetric_and_antisymmetric_parts(x64):
    rng = np.random.default_rng(2)
    J = _random_coupling(rng, 6)
    net = Network(J)
    Js, Ja = np.asarray(net.symmetric_part()), np.asarray(net.antisymmetric_part())
    np.testing.assert_allclose(Js + Ja, J, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(Js, Js.T)
    np.testing.assert_array_equal(Ja, -Ja.T)
    np.testing.assert_allclose(Js, (J + J.T) / 2, atol=1e-15)
    sym = net.symmetrized()
    assert isinstance(sym, Network)
    np.testing.assert_array_equal(np.asarray(sym.couplings), Js)
    np.testing.assert_array_equal(np.asarray(sym.biases), np.asarray(net.biases))


def test_asymmetry_values(x64):
    rng = np.random.default_rng(3)
    S = _random_coupling(rng, 7, symmetric=True)
    A = np.triu(rng.normal(size=(7, 7)), 1)
    A = A - A.T
    assert float(Network(S).asymmetry()) == pytest.approx(0.0, abs=1e-15)
    assert float(Network(A).asymmetry()) == pytest.approx(2.0, rel=1e-14)
    assert float(Network.zeros(4).asymmetry()) == 0.0
    J = _random_coupling(rng, 7)
    expected = np.linalg.norm(J - J.T) / np.linalg.norm(J)
    assert float(Network(J).asymmetry()) == pytest.approx(expected, rel=1e-13)
    # a single directed edge: ||J - J^T|| / ||J|| = sqrt(2)
    D = np.zeros((3, 3))
    D[0, 1] = 0.7
    assert float(Network(D).asymmetry()) == pytest.approx(np.sqrt(2.0), rel=1e-14)


def test_with_evidence_with_biases_replace():
    J = np.array([[0.0, 0.5], [-0.25, 0.0]])
    net = Network(J, [1.0, 2.0])
    post = net.with_evidence([0.5, -3.0])
    np.testing.assert_allclose(np.asarray(post.biases), [1.5, -1.0])
    np.testing.assert_array_equal(np.asarray(post.couplings), J.astype(np.float32))
    np.testing.assert_allclose(np.asarray(net.biases), [1.0, 2.0])  # original untouched
    np.testing.assert_allclose(np.asarray(net.with_biases([7.0, 8.0]).biases), [7.0, 8.0])
    r = net.replace(biases=[0.0, 1.0])
    np.testing.assert_allclose(np.asarray(r.biases), [0.0, 1.0])
    np.testing.assert_array_equal(np.asarray(r.couplings), np.asarray(net.couplings))
    assert net.size == 2 and net.J is net.couplings and net.b is net.biases


def test_zero_diagonal_option_and_defaults():
    J = np.array([[3.0, 1.0], [2.0, -4.0]])
    net = Network(J, zero_diagonal=True)
    np.testing.assert_array_equal(np.asarray(net.couplings), [[0.0, 1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(np.asarray(net.biases), [0.0, 0.0])
    z = Network.zeros(3)
    assert z.couplings.shape == (3, 3) and z.biases.shape == (3,)
    assert not np.any(np.asarray(z.couplings)) and not np.any(np.asarray(z.biases))
    # integer input becomes floating point
    assert jnp.issubdtype(Network(np.zeros((2, 2), dtype=int)).dtype, jnp.floating)


# --- files -----------------------------------------------------------------------


def test_save_load_roundtrip_float32(tmp_path):
    rng = np.random.default_rng(4)
    net = Network(_random_coupling(rng, 5).astype(np.float32), rng.normal(size=5).astype(np.float32))
    path = tmp_path / "net.npz"
    net.save(path)
    back = Network.load(path)
    assert back.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(back.couplings), np.asarray(net.couplings))
    np.testing.assert_array_equal(np.asarray(back.biases), np.asarray(net.biases))
    # the directory holds just the file (no temporary left behind)
    assert [p.name for p in tmp_path.iterdir()] == ["net.npz"]


def test_save_load_roundtrip_float64_bit_exact(tmp_path, x64):
    rng = np.random.default_rng(5)
    J = _random_coupling(rng, 6)
    J[0, 1] = 1 / 3  # not representable in float32
    b = rng.normal(size=6)
    net = Network(J, b)
    assert net.dtype == jnp.float64
    path = tmp_path / "net64.npz"
    net.save(str(path))
    back = Network.load(str(path))
    assert back.dtype == jnp.float64
    assert np.asarray(back.couplings).tobytes() == J.tobytes()
    assert np.asarray(back.biases).tobytes() == b.tobytes()


def test_load_rejects_non_fepnet_file(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, couplings=np.zeros((2, 2)), biases=np.zeros(2))
    with pytest.raises(ValueError, match="not a saved fepnet Network"):
        Network.load(path)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, format=np.asarray("something else"), couplings=np.zeros((2, 2)), biases=np.zeros(2))
    with pytest.raises(ValueError, match="fepnet"):
        Network.load(wrong)


def test_load_validates_content(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, format=np.asarray("fepnet.Network/1"), couplings=np.ones((2, 2), np.float32), biases=np.zeros(2, np.float32))
    with pytest.raises(ValueError, match="diagonal"):
        Network.load(path)


# --- immutability and pytree -----------------------------------------------------------


def test_immutable():
    net = Network(np.zeros((2, 2)))
    with pytest.raises(AttributeError):
        net.couplings = jnp.ones((2, 2))
    with pytest.raises(AttributeError):
        net.biases = jnp.ones(2)
    with pytest.raises(AttributeError):
        net.extra = 1
    np.testing.assert_array_equal(np.asarray(net.couplings), 0.0)


def test_pytree_flatten_unflatten_tree_map():
    rng = np.random.default_rng(6)
    J, b = _random_coupling(rng, 3), rng.normal(size=3)
    net = Network(J, b)
    leaves, treedef = jax.tree_util.tree_flatten(net)
    assert len(leaves) == 2
    np.testing.assert_allclose(np.asarray(leaves[0]), J, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(leaves[1]), b, rtol=1e-6)
    again = jax.tree_util.tree_unflatten(treedef, leaves)
    assert isinstance(again, Network)
    doubled = jax.tree_util.tree_map(lambda x: 2 * x, net)
    assert isinstance(doubled, Network)
    np.testing.assert_allclose(np.asarray(doubled.couplings), 2 * J, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(doubled.biases), 2 * b, rtol=1e-6)


def test_jit_and_vmap_over_stacked_networks():
    rng = np.random.default_rng(7)
    nets = [Network(_random_coupling(rng, 4), rng.normal(size=4)) for _ in range(5)]
    batch = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *nets)
    assert isinstance(batch, Network)
    assert batch.couplings.shape == (5, 4, 4) and batch.biases.shape == (5, 4)
    assert batch.size == 4
    s = jnp.asarray(rng.uniform(-1, 1, size=4), jnp.float32)

    energies = jax.vmap(lambda n: n.energy(s))(batch)
    looped = np.array([float(n.energy(s)) for n in nets])
    np.testing.assert_allclose(np.asarray(energies), looped, rtol=1e-5, atol=1e-6)

    # batched parts and asymmetry work on the leading axis too
    np.testing.assert_allclose(
        np.asarray(batch.asymmetry()), [float(n.asymmetry()) for n in nets], rtol=1e-5
    )
    np.testing.assert_allclose(
        np.asarray(jax.vmap(lambda n: n.asymmetry())(batch)), [float(n.asymmetry()) for n in nets], rtol=1e-5
    )

    @jax.jit
    def f(n, x):
        return n.log_density(x, 2.0), n.with_evidence(x).biases

    for n in nets[:2]:
        ld, bb = f(n, s)
        np.testing.assert_allclose(float(ld), float(n.log_density(s, 2.0)), rtol=1e-5)
        np.testing.assert_allclose(np.asarray(bb), np.asarray(n.biases) + np.asarray(s), rtol=1e-6)

    # a network passes through jit as an argument and comes back a Network
    out = jax.jit(lambda n: n.symmetrized())(nets[0])
    assert isinstance(out, Network)
    np.testing.assert_allclose(np.asarray(out.couplings), np.asarray(nets[0].symmetric_part()))


def test_grad_of_log_density_with_respect_to_network(x64):
    """d/dJ of log density = iT * 1/2 s s^T; d/db = iT s (pytree gradients come back as a Network)."""
    rng = np.random.default_rng(8)
    net = Network(_random_coupling(rng, 3), rng.normal(size=3))
    s = rng.uniform(-1, 1, size=3)
    g = jax.grad(lambda n: n.log_density(s, 1.5))(net)
    assert isinstance(g, Network)
    np.testing.assert_allclose(np.asarray(g.couplings), 1.5 * 0.5 * np.outer(s, s), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(g.biases), 1.5 * s, rtol=1e-12)


# --- random networks ---------------------------------------------------------


def test_random_network_symmetric_sparse_and_reproducible():
    net = Network.random(jax.random.key(3), 40, coupling_scale=0.7, bias_scale=0.2, density=0.25)
    J, b = np.asarray(net.couplings), np.asarray(net.biases)
    np.testing.assert_array_equal(J, J.T)
    assert np.all(np.diag(J) == 0)
    frac = np.count_nonzero(np.triu(J, 1)) / (40 * 39 / 2)
    assert 0.18 < frac < 0.32  # G(40, 0.25): 780 edges, sd about 0.016
    nz = J[np.triu(J, 1) != 0]
    assert 0.55 < nz.std() < 0.85
    assert 0.1 < b.std() < 0.3
    again = Network.random(jax.random.key(3), 40, coupling_scale=0.7, bias_scale=0.2, density=0.25)
    np.testing.assert_array_equal(np.asarray(again.couplings), J)


def test_random_network_asymmetric_and_limits():
    net = Network.random(jax.random.key(0), 30, symmetric=False)
    J = np.asarray(net.couplings)
    assert float(net.asymmetry()) > 1.2  # independent J[i, j], J[j, i]: about sqrt(2)
    assert np.all(np.diag(J) == 0) and np.all(np.asarray(net.biases) == 0)
    assert np.count_nonzero(np.asarray(Network.random(jax.random.key(0), 5, density=0.0).couplings)) == 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=0), "n must be >= 1"),
        (dict(coupling_scale=-1.0), "coupling_scale"),
        (dict(bias_scale=float("nan")), "bias_scale"),
        (dict(density=1.5), "density"),
    ],
)
def test_random_network_rejects_bad_arguments(kwargs, match):
    args = dict(n=4) | kwargs
    with pytest.raises(ValueError, match=match):
        Network.random(jax.random.key(0), args.pop("n"), **args)
    with pytest.raises(TypeError, match="key"):
        Network.random(0, 4)


# --- issue #16: the public boundary ----------------------------------------------------------


def test_cause01_float64_beyond_float32_is_refused_by_every_constructor(x32):
    """1e39 is finite in float64 but inf in float32: refused after the cast, never stored as inf."""
    huge = np.array([[0.0, 1e39], [1e39, 0.0]])
    with pytest.raises(ValueError, match="couplings holds values beyond the range of float32"):
        Network(huge)
    with pytest.raises(ValueError, match="biases holds values beyond the range of float32"):
        Network(np.zeros((2, 2)), np.array([1e39, 0.0]))
    net = Network(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="couplings"):
        net.replace(couplings=huge)
    with pytest.raises(ValueError, match="biases"):
        net.with_biases(np.array([0.0, -1e39]))
    with pytest.raises(ValueError, match="evidence"):
        net.with_evidence(np.array([1e39, 0.0]))
    with pytest.raises(ValueError, match="coupling_scale"):
        Network.random(jax.random.key(0), 3, coupling_scale=1e39)
    with pytest.raises(ValueError, match="bias_scale"):
        Network.random(jax.random.key(0), 3, bias_scale=1e39)
    # finite in float32 but the biases + evidence sum overflows: refused too
    big = Network(np.zeros((2, 2)), np.array([3e38, 0.0]))
    with pytest.raises(ValueError, match="evidence overflows float32"):
        big.with_evidence(np.array([3e38, 0.0]))


def test_cause01_checks_use_the_networks_dtype_when_x64_is_on(x64):
    """With x64 on, a float32 network still refuses float64 values beyond float32 (no silent inf)."""
    net32 = Network(np.zeros((2, 2), np.float32))
    assert net32.dtype == jnp.float32
    with pytest.raises(ValueError, match="evidence holds values beyond the range of float32"):
        net32.with_evidence(np.array([1e39, 0.0]))
    with pytest.raises(ValueError, match="biases holds values beyond the range of float32"):
        net32.with_biases(np.array([1e39, 0.0]))
    with pytest.raises(ValueError, match="coupling_scale = 1e\\+39 is too large for float32"):
        Network.random(jax.random.key(0), 3, coupling_scale=1e39, dtype=jnp.float32)
    # float64 networks keep float64 range
    assert float(Network(np.zeros((2, 2))).with_evidence(np.array([1e39, 0.0])).biases[0]) == 1e39


@pytest.mark.parametrize("make", [
    lambda: Network(jnp.zeros((0, 0))),
    lambda: Network(np.zeros((0, 0)), np.zeros(0)),
    lambda: Network([[]]),
    lambda: Network(np.zeros((0, 0)), zero_diagonal=True),
    lambda: Network(np.zeros((1, 1))).replace(couplings=np.zeros((0, 0)), biases=np.zeros(0)),
], ids=["jax", "numpy+biases", "nested-list", "zero_diagonal", "replace"])
def test_cause02_zero_node_network_is_refused_by_the_constructor(make):
    with pytest.raises(ValueError, match=r"couplings must (describe at least one node|be square)"):
        make()


def test_cause02_every_constructor_has_the_same_node_rule(tmp_path):
    with pytest.raises(ValueError, match="n must be >= 1"):
        Network.zeros(0)
    with pytest.raises(ValueError, match="n must be >= 1"):
        Network.random(jax.random.key(0), 0)
    path = tmp_path / "empty.npz"
    np.savez(path, format=np.asarray("fepnet.Network/1"), couplings=np.zeros((0, 0), np.float32),
             biases=np.zeros(0, np.float32))
    with pytest.raises(ValueError, match="not a fepnet network file: .*empty.npz .*at least one node"):
        Network.load(path)
    # one node is the smallest network, everywhere
    for net in (Network(np.zeros((1, 1))), Network.zeros(1), Network.random(jax.random.key(0), 1)):
        assert net.size == 1 and net.couplings.shape == (1, 1) and net.biases.shape == (1,)


def _open_fds():
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None


def _bad_network_files(tmp_path):
    good = tmp_path / "good.npz"
    Network.random(jax.random.key(0), 3).save(good)
    raw = good.read_bytes()
    files = {}

    def put(name, data):
        files[name] = tmp_path / name
        files[name].write_bytes(data)

    put("truncated.npz", raw[: len(raw) // 2])
    put("cut-member.npz", raw[: len(raw) - 40])  # the central directory survives only in part
    member = raw.index(b"\x93NUMPY", raw.index(b"couplings"))  # the couplings' .npy inside the zip
    put("bad-crc.npz", raw[: member + 130] + bytes(b ^ 0xFF for b in raw[member + 130: member + 140])
        + raw[member + 140:])
    put("empty.npz", b"")
    put("random.npz", np.random.default_rng(0).bytes(300))
    put("pickle.npz", b"\x80\x04\x95" + b"\x00" * 50)
    np.save(tmp_path / "array.npy", np.zeros((3, 3)))
    files["array.npy"] = tmp_path / "array.npy"
    fmt = np.asarray("fepnet.Network/1")
    for name, arrays in {
        "no-biases.npz": dict(format=fmt, couplings=np.zeros((2, 2), np.float32)),
        "no-couplings.npz": dict(format=fmt, biases=np.zeros(2, np.float32)),
        "no-format.npz": dict(couplings=np.zeros((2, 2)), biases=np.zeros(2)),
        "wrong-format.npz": dict(format=np.asarray([1, 2]), couplings=np.zeros((2, 2)), biases=np.zeros(2)),
        "nonsquare.npz": dict(format=fmt, couplings=np.zeros((2, 3), np.float32), biases=np.zeros(2, np.float32)),
        "bias-shape.npz": dict(format=fmt, couplings=np.zeros((2, 2), np.float32), biases=np.zeros(3, np.float32)),
        "3d.npz": dict(format=fmt, couplings=np.zeros((2, 2, 2), np.float32), biases=np.zeros(2, np.float32)),
        "nan.npz": dict(format=fmt, couplings=np.array([[0, np.nan], [1, 0]], np.float32), biases=np.zeros(2, np.float32)),
        "huge64.npz": dict(format=fmt, couplings=np.array([[0, 1e39], [1e39, 0]]), biases=np.zeros(2)),
        "strings.npz": dict(format=fmt, couplings=np.array([["a", "b"], ["c", "d"]]), biases=np.zeros(2)),
        "complex.npz": dict(format=fmt, couplings=np.zeros((2, 2), complex), biases=np.zeros(2)),
        "objects.npz": dict(format=fmt, couplings=np.array([[0, None], [None, 0]], object), biases=np.zeros(2)),
    }.items():
        np.savez(tmp_path / name, **arrays)
        files[name] = tmp_path / name
    files["directory"] = tmp_path / "a-directory"
    files["directory"].mkdir()
    return files


def test_cause10_load_of_a_bad_file_raises_one_clear_error_and_closes_it(tmp_path, x32):
    files = _bad_network_files(tmp_path)
    before = _open_fds()
    for name, path in files.items():
        with pytest.raises(ValueError) as info:
            Network.load(path)
        message = str(info.value)
        assert message.startswith(f"not a fepnet network file: {path} ("), (name, message)
        assert message.endswith(")"), (name, message)
        assert "allow_pickle" not in message, (name, message)  # no advice to unpickle untrusted data
        assert "pickled" not in message or name == "objects.npz", (name, message)
        assert info.value.__cause__ is None or isinstance(info.value.__cause__, ValueError), name
    assert _open_fds() == before  # no file left open, whatever went wrong
    with pytest.raises(ValueError, match=r"\(the file is empty\)"):
        Network.load(files["empty.npz"])
    with pytest.raises(ValueError, match=r"\.npy"):
        Network.load(files["array.npy"])
    with pytest.raises(ValueError, match="'biases'"):
        Network.load(files["no-biases.npz"])
    with pytest.raises(ValueError, match="huge64.npz .*beyond the range of float32"):
        Network.load(files["huge64.npz"])
    missing = tmp_path / "missing.npz"
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        Network.load(missing)


def test_cause10_save_into_a_missing_directory_names_the_users_path(tmp_path):
    net = Network.zeros(2)
    target = tmp_path / "no-such-dir" / "net.npz"
    with pytest.raises(FileNotFoundError, match=f"directory of {target} does not exist"):
        net.save(target)
    assert not (tmp_path / "no-such-dir").exists()
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=f"{folder} is a directory"):
        net.save(folder)
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["folder"]
    # the path is used exactly as given (no .npz appended)
    net.save(tmp_path / "plain")
    assert Network.load(tmp_path / "plain").size == 2


@pytest.mark.parametrize("dtype", [jnp.int32, np.int64, bool, jnp.complex64, "int8", "not-a-dtype"])
def test_cause17_integer_and_other_non_float_dtypes_are_refused(dtype):
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        Network.random(jax.random.key(0), 3, dtype=dtype)
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        Network.zeros(3, dtype=dtype)


def test_cause17_float_dtypes_are_kept(x32):
    assert Network.random(jax.random.key(0), 3, dtype=jnp.float16).dtype == jnp.float16
    assert Network.zeros(3, dtype="float32").dtype == jnp.float32
    # float64 without x64 is the working float32, without a warning
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Network.zeros(2, dtype=np.float64).dtype == jnp.float32
        assert Network.random(jax.random.key(0), 2, dtype=jnp.float64).dtype == jnp.float32


def test_cause01_couplings_whose_field_overflows_the_dtype_are_refused():
    """Finite J and b whose field b_i + sum_j J_ij sigma_j overflows float32 would give NaN (inf - inf) in run."""
    big = np.array([[0.0, 3e38], [3e38, 0.0]])
    with pytest.raises(ValueError, match="field .* can overflow"):
        fepnet.Network(big, np.array([3e38, 0.0]))
    with pytest.raises(ValueError, match="field .* can overflow"):
        fepnet.Network(np.array([[0.0, 2e38, 2e38], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    net = fepnet.Network(big)  # |field| <= 3e38: representable, so accepted, and run stays finite
    kernel = fepnet.build_kernel("synchronous")
    state, _ = fepnet.run(kernel, jax.random.key(0), fepnet.init_state(net), fepnet.kernel_params(net, 1.0), 3)
    assert np.all(np.isfinite(np.asarray(state.sigma)))
