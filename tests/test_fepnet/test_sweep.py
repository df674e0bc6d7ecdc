"""fepnet.sweep: grids, the batched pipeline against the single-network one, chunking, devices, netCDF
(the command: tests/test_cli/test_sweep_command.py; the paper's grid: tests/test_paper/test_grids.py)."""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr

import fepnet
from fepnet.data import load_digits
from fepnet.sweep import (
    Evaluation,
    SweepGrid,
    load_sweep,
    network_bytes,
    network_key,
    parse_values,
    run_sweep,
    save_sweep,
)
from fepnet.sweep.engine import resolve_devices
from fepnet.sweep.memory import plan_chunk_size
from fepnet.sweep.pipeline import ChunkSettings, run_chunk

KEY = jax.random.key(7)
QUICK = Evaluation(n_trials=6, n_steps=12)
# Two evidence levels x two temperatures x two epoch counts (checkpoints of one run) x two seeds.
GRID = SweepGrid(evidence_level=[3.0, 12.0], inverse_temperature=[0.05, 0.4], n_epochs=[40, 15], seeds=2)
# Compilation is nearly all of a small sweep's time (running GRID's 8 networks takes milliseconds, compiling its
# chunk program several seconds). Every run below that can has GRID's static shape -- chunks of 4 networks,
# checkpoints (15, 40), 10 steps per epoch, QUICK scoring, couplings kept -- and so reuses the fixture's compiled
# program: evidence levels, temperatures, learning rates and keys are arguments of that program, not part of it.


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def result():
    return run_sweep(KEY, GRID, evaluation=QUICK, couplings=True, progress=False)


# --- grids ---------------------------------------------------------------------------------------------------------
def test_grid_normalises_and_reports_swept_and_fixed():
    g = SweepGrid(evidence_level=np.array([1, 2]), inverse_temperature=0.5, n_epochs=[10, 20], seeds=[3, 5])
    assert g.evidence_level == (1.0, 2.0) and g.inverse_temperature == 0.5
    assert g.n_epochs == (10, 20) and isinstance(g.n_epochs[0], int)
    assert g.dims == ("evidence_level", "n_epochs", "seed") and g.shape == (2, 2, 2)
    assert g.seeds == (3, 5) and g.values("inverse_temperature") == (0.5,)
    assert g.replace(seeds=1).seeds == (0,)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(evidence_level=[1.0, float("nan")]), ValueError, "evidence_level"),
    (dict(evidence_level=[1.0, 1.0]), ValueError, "distinct"),
    (dict(evidence_level=0.0), ValueError, "evidence_level must be positive"),
    (dict(inverse_temperature=[-1.0]), ValueError, "inverse_temperature"),
    (dict(learning_rate=-0.1), ValueError, "learning_rate"),
    (dict(n_epochs=[1.5]), ValueError, "n_epochs must be integers"),
    (dict(steps_per_epoch=0), ValueError, "steps_per_epoch must be >= 1"),
    (dict(evidence_level=[[1.0]]), ValueError, "evidence_level"),
    (dict(evidence_level=[]), ValueError, "evidence_level"),
    (dict(evidence_level="1:2:3"), TypeError, "parse_values"),
    (dict(evidence_level=True), TypeError, "bool"),
    (dict(seeds=0), ValueError, "seeds"),
    (dict(seeds=[1, 1]), ValueError, "seeds"),
    (dict(seeds=[-1]), ValueError, "seeds"),
])
def test_grid_rejects_bad_settings(kwargs, error, match):
    base = dict(evidence_level=1.0, inverse_temperature=1.0)
    with pytest.raises(error, match=match):
        SweepGrid(**{**base, **kwargs})


def test_parse_values():
    assert parse_values("1:20:20") == tuple(float(x) for x in range(1, 21))
    np.testing.assert_allclose(parse_values("log:0.01:1:19"), np.geomspace(0.01, 1, 19))
    assert parse_values("0.1,0.2") == (0.1, 0.2)
    assert parse_values("7") == 7.0
    assert parse_values("100:300:3", integer=True) == (100, 200, 300)
    assert parse_values("5", integer=True) == 5
    for bad in ("1:2", "log:0:1:3", "a,b", "1:2:0", ""):
        with pytest.raises(ValueError, match="evidence"):
            parse_values(bad, "evidence")
    with pytest.raises(ValueError, match="steps"):
        parse_values("1:2:3", "steps", integer=True)  # 1, 1.5, 2
    with pytest.raises(TypeError):
        parse_values(3, "x")


def test_from_specs_replaces_only_what_is_given():
    g = SweepGrid.from_specs(evidence_level="2,4", n_epochs="100")
    assert g.evidence_level == (2.0, 4.0) and g.n_epochs == 100
    assert g.inverse_temperature == tuple(np.geomspace(0.01, 1.0, 19).tolist())  # the default base's
    assert g.learning_rate == 0.001 and g.steps_per_epoch == 10 and g.seeds == (0,)
    base = SweepGrid(evidence_level=1.0, inverse_temperature=[0.2, 0.3], learning_rate=0.01)
    assert SweepGrid.from_specs(base, evidence_level="5").replace(evidence_level=1.0) == base
    with pytest.raises(ValueError, match="unknown setting"):
        SweepGrid.from_specs(temperature="1")


# --- the batched pipeline is the single-network pipeline ----------------------------------------------------------
def test_result_layout(result):
    assert result.retrieval.dims == ("evidence_level", "inverse_temperature", "n_epochs", "seed")
    assert result.couplings.dims[-2:] == ("target", "source") and result.couplings.shape[-1] == 64
    assert result["n_epochs"].values.tolist() == [40, 15]  # the order given, not the sorted checkpoint order
    assert result.n_attractors.dtype == np.int32
    for name in fepnet.sweep.METRICS:
        assert result[name].attrs["long_name"] and "units" in result[name].attrs
    a = result.attrs
    assert a["fixed_learning_rate"] == 0.001 and a["fixed_steps_per_epoch"] == 10
    assert a["evaluation_n_trials"] == 6 and a["patterns"] == "digits" and a["n_nodes"] == 64
    assert a["training_steps"] == 2 * 2 * 2 * 40 * 10  # one run per network to the last checkpoint
    assert np.all(np.isfinite(result.retrieval)) and np.all(result.n_attractors >= 1)


@pytest.mark.parametrize("level, it, n_epochs, seed", [(3.0, 0.4, 15, 0), (12.0, 0.05, 40, 1), (12.0, 0.4, 40, 0)])
def test_every_network_equals_the_single_network_pipeline(result, digits, level, it, n_epochs, seed):
    k_train, k_score = jax.random.split(network_key(KEY, seed))
    trained = fepnet.train(k_train, digits.train, n_epochs=n_epochs, steps_per_epoch=10, inverse_temperature=it,
                           learning_rate=0.001, evidence_level=level, progress=False)
    k_ret, k_gen = jax.random.split(k_score)
    kw = dict(evidence_level=level, n_trials=QUICK.n_trials, n_steps=QUICK.n_steps)
    ret = fepnet.retrieval_score(k_ret, trained.network, digits.train, **kw)
    gen = fepnet.generalization_score(k_gen, trained.network, digits.test, **kw)
    # The paper's attractor search: zero biases, deterministic synchronous relaxation at iT = 1 from
    # L(0.1 * level * pattern), at most 1000 steps, end states rounded to 2 decimals.
    net = trained.network
    starts = fepnet.cb.langevin(0.1 * level * jnp.asarray(digits.train))
    att = fepnet.find_attractors(net.replace(biases=jnp.zeros(net.size, net.dtype)), starts, 1.0, max_steps=1000,
                                 decimals=2)
    cell = result.sel(evidence_level=level, inverse_temperature=it, n_epochs=n_epochs, seed=seed)
    # Training: the same bits. Scores and metrics: the same numbers up to float32 rounding (the compiler may
    # contract a multiply-add differently inside the bigger program).
    np.testing.assert_array_equal(cell.couplings.values, np.asarray(trained.network.couplings))
    assert float(cell.retrieval) == pytest.approx(float(ret.score), abs=1e-5)
    assert float(cell.generalization) == pytest.approx(float(gen.score), abs=1e-5)
    assert int(cell.n_attractors) == att.count
    np.testing.assert_allclose(float(cell.orthogonality), att.orthogonality(), rtol=1e-5)  # NaN == NaN here
    assert float(cell.converged_fraction) == float(np.mean(np.asarray(att.relaxed.converged)))
    assert float(cell.asymmetry) == pytest.approx(float(trained.network.asymmetry()), rel=1e-5)
    assert float(cell.coupling_norm) == pytest.approx(float(np.linalg.norm(trained.network.couplings)), rel=1e-5)


def test_common_random_numbers_share_the_training_noise(result):
    # Same key at every grid point of a seed: two seeds differ, and the key does not depend on the grid. The other
    # grid shares one point with GRID (evidence 12, iT 0.4, seed 1), at another position in every dimension.
    other = run_sweep(KEY, SweepGrid(evidence_level=[12.0, 6.0], inverse_temperature=[0.4, 0.2], n_epochs=[15, 40],
                                     seeds=[1, 4]), evaluation=QUICK, couplings=True, progress=False)
    point = dict(evidence_level=12.0, inverse_temperature=0.4, seed=1)
    for n_epochs in (15, 40):
        np.testing.assert_array_equal(other.couplings.sel(**point, n_epochs=n_epochs).values,
                                      result.couplings.sel(**point, n_epochs=n_epochs).values)
    assert not np.array_equal(result.couplings.isel(seed=0).values, result.couplings.isel(seed=1).values)


def test_independent_keys_fold_in_the_grid_point(result, digits):
    ds = run_sweep(KEY, GRID, evaluation=QUICK, couplings=True, common_random_numbers=False, progress=False)
    assert ds.attrs["common_random_numbers"] == 0
    # point p: the flat C-order index over (evidence_level, inverse_temperature)
    for point, level, it, seed in ((1, 3.0, 0.4, 0), (2, 12.0, 0.05, 1)):
        k_train, _ = jax.random.split(network_key(KEY, seed, point))
        trained = fepnet.train(k_train, digits.train, n_epochs=15, inverse_temperature=it, evidence_level=level,
                               progress=False)
        cell = dict(evidence_level=level, inverse_temperature=it, n_epochs=15, seed=seed)
        np.testing.assert_array_equal(ds.couplings.sel(**cell).values, np.asarray(trained.network.couplings))
        assert not np.array_equal(ds.couplings.sel(**cell).values, result.couplings.sel(**cell).values)


def test_steps_per_epoch_is_swept_as_separate_programs(result, digits):
    # steps_per_epoch 10 is GRID (the fixture's program); 3 compiles a program of its own
    ds = run_sweep(KEY, GRID.replace(steps_per_epoch=[3, 10]), evaluation=QUICK, couplings=True, progress=False)
    assert ds.attrs["training_steps"] == 8 * 40 * (3 + 10)
    xr.testing.assert_identical(ds.sel(steps_per_epoch=10, drop=True).drop_attrs(), result.drop_attrs())
    k_train, _ = jax.random.split(network_key(KEY, 1))
    trained = fepnet.train(k_train, digits.train, n_epochs=15, steps_per_epoch=3, inverse_temperature=0.4,
                           evidence_level=12.0, progress=False)
    np.testing.assert_array_equal(
        ds.couplings.sel(steps_per_epoch=3, evidence_level=12.0, inverse_temperature=0.4, n_epochs=15, seed=1).values,
        np.asarray(trained.network.couplings))
    assert not np.array_equal(ds.couplings.sel(steps_per_epoch=3).values, ds.couplings.sel(steps_per_epoch=10).values)


def test_chunked_run_equals_unchunked_run(result):
    # GRID's seed 0: 4 networks, by default in one chunk (the fixture's program, which ran GRID in two chunks of
    # 4); chunk_size 3 leaves a padded last chunk (4 networks = 3 + 1).
    grid = GRID.replace(seeds=1)
    whole = run_sweep(KEY, grid, evaluation=QUICK, couplings=True, progress=False)
    assert whole.attrs["chunk_size"] == 4 and whole.attrs["n_chunks"] == 1
    assert result.attrs["chunk_size"] == 4 and result.attrs["n_chunks"] == 2
    chunked = run_sweep(KEY, grid, evaluation=QUICK, couplings=True, chunk_size=3, progress=False)
    assert chunked.attrs["chunk_size"] == 3 and chunked.attrs["n_chunks"] == 2
    for other in (chunked, whole):
        xr.testing.assert_identical(other.drop_attrs(), result.sel(seed=[0]).drop_attrs())


def test_custom_patterns_and_float64(x64):
    rng = np.random.default_rng(0)
    train, test = rng.normal(size=(3, 12)), rng.normal(size=(20, 12))
    ds = run_sweep(jax.random.key(0), SweepGrid(evidence_level=[2.0, 5.0], inverse_temperature=0.3, n_epochs=20),
                   train_patterns=train, test_patterns=test, evaluation=QUICK, couplings=True, progress=False)
    assert ds.attrs["patterns"] == "custom" and ds.attrs["dtype"] == "float64"
    assert ds.couplings.dtype == np.float64 and ds.couplings.shape == (2, 1, 12, 12)
    assert np.all(np.isfinite(ds.retrieval))


def test_overflowing_couplings_give_nan_metrics_and_a_warning():
    # 8 networks, checkpoints (15, 40): GRID's program (the learning rate is an argument of it). The warning names
    # the first bad network and checkpoint (swept epoch counts are not network settings).
    grid = SweepGrid(evidence_level=[12.0, 20.0], inverse_temperature=1.0, learning_rate=[0.001, 1e37],
                     n_epochs=[15, 40], seeds=2)
    named = r"^4 network\(s\) ended with non-finite couplings \(e\.g\. evidence_level=12, inverse_temperature=1, " \
            r"learning_rate=1e\+37, n_epochs=15, steps_per_epoch=10\)"
    with pytest.warns(RuntimeWarning, match=named):
        ds = run_sweep(KEY, grid, evaluation=QUICK, couplings=True, progress=False)
    bad, good = ds.sel(learning_rate=1e37), ds.sel(learning_rate=0.001)
    assert np.all(np.isinf(bad.coupling_norm)) and np.all(bad.n_attractors == -1)
    for name in ("retrieval", "generalization", "orthogonality", "converged_fraction", "asymmetry"):
        assert np.all(np.isnan(bad[name])), name
    assert np.all(np.isfinite(good.retrieval)) and np.all(good.n_attractors >= 1)


@pytest.mark.slow
def test_overflowing_couplings_at_one_epoch_count():
    # the fast test above sweeps n_epochs; here it is a fixed setting (its own compiled program)
    grid = SweepGrid(evidence_level=20.0, inverse_temperature=1.0, learning_rate=[0.001, 1e37], n_epochs=30)
    with pytest.warns(RuntimeWarning, match="^1 network\\(s\\) ended.*learning_rate=1e\\+37, n_epochs=30"):
        ds = run_sweep(KEY, grid, evaluation=QUICK, progress=False)
    bad, good = ds.sel(learning_rate=1e37, seed=0), ds.sel(learning_rate=0.001, seed=0)
    assert np.isinf(float(bad.coupling_norm)) and int(bad.n_attractors) == -1
    for name in ("retrieval", "generalization", "orthogonality", "converged_fraction", "asymmetry"):
        assert np.isnan(float(bad[name])), name
    assert np.isfinite(float(good.retrieval)) and int(good.n_attractors) >= 1


def test_bad_arguments_raise_clear_errors():
    grid = SweepGrid(evidence_level=2.0, inverse_temperature=0.3, n_epochs=2)
    with pytest.raises(TypeError, match="grid"):
        run_sweep(KEY, {"evidence_level": 1.0}, progress=False)
    with pytest.raises(TypeError, match="key"):
        run_sweep(3, grid, progress=False)
    with pytest.raises(ValueError, match="order"):
        run_sweep(KEY, grid, order="sorted", progress=False)
    with pytest.raises(ValueError, match="memory_limit_mb"):
        run_sweep(KEY, grid, memory_limit_mb=0.01, progress=False)
    with pytest.raises(ValueError, match="memory_limit_mb"):
        run_sweep(KEY, grid, memory_limit_mb=-1, progress=False)
    with pytest.raises(ValueError, match="chunk_size"):
        run_sweep(KEY, grid, memory_limit_mb=2, chunk_size=1000, progress=False)
    with pytest.raises(ValueError, match="devices"):
        run_sweep(KEY, grid, devices=len(jax.devices()) + 1, progress=False)
    with pytest.raises(ValueError, match="both"):
        run_sweep(KEY, grid, train_patterns=np.ones((2, 4)), progress=False)
    with pytest.raises(ValueError, match="test_patterns"):
        run_sweep(KEY, grid, train_patterns=np.ones((2, 4)), test_patterns=np.ones((3, 5)), progress=False)
    with pytest.raises(ValueError, match="train_patterns"):
        run_sweep(KEY, grid, train_patterns=np.full((2, 4), np.nan), test_patterns=np.ones((3, 4)), progress=False)
    with pytest.raises(ValueError, match="evaluation.n_trials"):
        Evaluation(n_trials=0)
    with pytest.raises(ValueError, match="evaluation.scale"):
        Evaluation(scale=float("inf"))
    with pytest.raises(TypeError, match="evaluation.noise"):
        Evaluation(noise="1")


# --- chunks and memory -----------------------------------------------------------------------------------------------
def test_chunk_plan():
    assert plan_chunk_size(380, 2, 10_000, None) == 38  # 10 chunks, no padding
    assert plan_chunk_size(380, 4, 10_000, None) % 4 == 0
    assert plan_chunk_size(6, 1, 10_000, None) == 6  # few networks: one chunk
    assert plan_chunk_size(380, 2, 20, None) <= 20
    assert plan_chunk_size(100, 4, 10_000, 5) == 8  # requested sizes round up to the device count
    assert plan_chunk_size(3, 4, 10_000, 64) == 4  # ... and never beyond the (rounded) number of networks


def test_old_private_names_still_import():
    from fepnet.sweep import _Static, _chunk, _chunk_size

    assert (_Static, _chunk, _chunk_size) == (ChunkSettings, run_chunk, plan_chunk_size)


def _chunk_bytes(static: ChunkSettings, b: int, train, test) -> float:
    """XLA's own accounting of the compiled chunk program for b networks, per network, the shared patterns excluded.

    Lowered with run_sweep's shardings (the batch axis split over a mesh of this process's devices), so that a chunk
    program a sweep here already compiled is reused, not compiled again.
    """
    mesh = jax.sharding.Mesh(np.asarray(jax.devices()), ("batch",))
    batch = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("batch"))
    replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    per_network = [jax.ShapeDtypeStruct((b, 2), np.uint32, sharding=batch)]
    per_network += [jax.ShapeDtypeStruct((b,), np.float32, sharding=batch)] * 4
    shared = [jax.ShapeDtypeStruct(np.shape(x), np.float32, sharding=replicated) for x in (train, test, np.ones(4))]
    mem = run_chunk.lower(*per_network, *shared, static=static).compile().memory_analysis()
    shared_bytes = (np.size(train) + np.size(test) + 4) * 4
    return (mem.temp_size_in_bytes + mem.output_size_in_bytes + mem.argument_size_in_bytes - shared_bytes) / b


@pytest.mark.parametrize("n_epochs, couplings, checkpoints, trials, n_steps, b", [
    (40, True, (15, 40), 6, 12, 4),  # GRID's chunk program (the fixture compiled it)
    pytest.param(50, False, (50,), 20, 10, 8, marks=pytest.mark.slow),  # larger ones, compiled here
    pytest.param(300, True, (100, 200, 300), 60, 10, 8, marks=pytest.mark.slow),
])
def test_network_bytes_bounds_the_compiled_chunk(result, digits, n_epochs, couplings, checkpoints, trials, n_steps, b):
    # XLA's own accounting of the compiled chunk program, per network, stays under the estimate.
    static = ChunkSettings(checkpoints, 10, "random", trials, n_steps, 1000, couplings, "threefry2x32")
    used = _chunk_bytes(static, b, digits.train, digits.test)
    estimate = network_bytes(64, 10, n_epochs=n_epochs, steps_per_epoch=10, n_checkpoints=len(checkpoints),
                             n_trials=trials, couplings=couplings)
    assert 0 < used <= estimate, (used, estimate)
    assert estimate < 2 * used  # and not a vacuous bound


# --- netCDF --------------------------------------------------------------------------------------------------------
def test_netcdf_round_trip_is_exact(result, tmp_path):
    path = tmp_path / "sweep.nc"
    save_sweep(result, path)
    loaded = load_sweep(path)
    xr.testing.assert_identical(loaded, result)
    for name in result.variables:
        assert loaded[name].dtype == result[name].dtype, name
        np.testing.assert_array_equal(loaded[name].values, result[name].values)
    assert set(loaded.attrs) == set(result.attrs)
    for k, val in result.attrs.items():
        np.testing.assert_array_equal(loaded.attrs[k], val)
    assert not os.path.exists(str(path) + ".tmp")


def test_save_sweep_rejects_non_datasets_and_leaves_no_file(tmp_path):
    with pytest.raises(TypeError, match="ds"):
        save_sweep({"a": 1}, tmp_path / "x.nc")
    assert not list(tmp_path.iterdir())


def test_cause17_load_sweep_of_a_file_that_is_not_a_sweep_names_the_path(tmp_path):
    # a non-netCDF file raised h5py's raw OSError ("file signature not found")
    pytest.importorskip("h5netcdf")  # a dependency of fepnet; without it load_sweep raises ImportError
    text = tmp_path / "notes.nc"
    text.write_text("not netCDF")
    with pytest.raises(ValueError, match=r"not a fepnet sweep file: .*notes\.nc \(.*signature"):
        load_sweep(text)
    other = tmp_path / "other.nc"
    xr.Dataset({"x": ("a", np.arange(3.0))}).to_netcdf(other, engine="h5netcdf")
    with pytest.raises(ValueError, match=r"not a fepnet sweep file: .*other\.nc \(none of the sweep's metrics"):
        load_sweep(other)
    with pytest.raises(ValueError, match="a directory"):
        load_sweep(tmp_path)
    with pytest.raises(FileNotFoundError, match="missing.nc"):
        load_sweep(tmp_path / "missing.nc")
    with pytest.raises(TypeError, match="path"):
        load_sweep(3)
    # the file is closed again: it can be replaced (and deleted) right away
    os.replace(other, text)
    text.unlink()


# --- several devices ---------------------------------------------------------------------------------------------
SHARDED = r"""
import sys, jax
from fepnet.sweep import Evaluation, SweepGrid, run_sweep, save_sweep
assert jax.device_count() == 4, jax.devices()
grid = SweepGrid(evidence_level=[3.0, 12.0], inverse_temperature=[0.05, 0.4], n_epochs=[40, 15], seeds=2)
sharded = run_sweep(jax.random.key(7), grid, evaluation=Evaluation(n_trials=6, n_steps=12), couplings=True,
                    progress=False)
assert sharded.attrs["n_devices"] == 4 and sharded.attrs["chunk_size"] % 4 == 0
save_sweep(sharded, sys.argv[1])
"""


def test_devices_choose_the_mesh(result):
    assert resolve_devices(None) == jax.devices() and resolve_devices(1) == jax.devices()[:1]
    assert resolve_devices(tuple(jax.devices())) == jax.devices()
    for bad in ([], "cpu"):
        with pytest.raises(TypeError, match="devices"):
            resolve_devices(bad)
    one = run_sweep(KEY, GRID, evaluation=QUICK, couplings=True, devices=1, progress=False)
    assert one.attrs["n_devices"] == 1
    xr.testing.assert_identical(one.drop_attrs(), result.drop_attrs())


@pytest.mark.slow
def test_sharded_over_four_devices_equals_single_device_bit_for_bit(result, tmp_path):
    # GRID over four host devices in a fresh process (the device count is fixed when JAX starts), against this
    # process's one-device run of GRID (the fixture): 8 networks, 2 per device.
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    path = tmp_path / "sharded.nc"
    subprocess.run([sys.executable, "-c", SHARDED, str(path)], check=True, env=env, timeout=600,
                   capture_output=True, text=True)
    sharded = load_sweep(path)
    assert sharded.attrs["n_devices"] == 4
    xr.testing.assert_identical(sharded.drop_attrs(), result.drop_attrs())
    for name in sharded.data_vars:  # bit for bit, NaN included
        assert sharded[name].values.tobytes() == result[name].values.tobytes(), name


def test_netcdf_round_trip_keeps_one_element_array_attributes(result, tmp_path):
    """netCDF reads a one-element array attribute back as a scalar; load_sweep restores the array (a one-seed sweep)."""
    one_seed = result.copy()
    one_seed.attrs = {**result.attrs, "seeds": np.array([0]), "plain": 3}
    save_sweep(one_seed, tmp_path / "one.nc")
    loaded = load_sweep(tmp_path / "one.nc")
    assert loaded.identical(one_seed)
    assert isinstance(loaded.attrs["seeds"], np.ndarray) and loaded.attrs["seeds"].shape == (1,)
    assert "fepnet_array_attrs" not in loaded.attrs
