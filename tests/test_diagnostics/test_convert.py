"""diagnostics.convert: fepnet chains, NUTS and SVI results as ArviZ InferenceData with one layout."""

import jax
import numpy as np
import pytest

import fepnet
from diagnostics._arviz import az
from diagnostics.convert import from_chains, from_nuts, from_svi, network_energy, posterior_samples
from inference import run_nuts, run_svi


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    J = rng.normal(scale=0.4, size=(4, 4))
    J = 0.5 * (J + J.T)
    np.fill_diagonal(J, 0.0)
    net = fepnet.Network(J, rng.normal(scale=0.2, size=4))
    ev = np.array([0.3, -0.2, 0.0, 0.5])
    kernel = fepnet.build_kernel("sequential")
    prm, st = fepnet.kernel_params(net, 1.3, ev), fepnet.init_state(net)
    x = jax.vmap(lambda k: fepnet.run(kernel, k, st, prm, 300, trace=True)[1])(jax.random.split(jax.random.key(1), 3))
    return net, ev, np.asarray(x)


def test_network_energy_matches_network_method(small):
    net, ev, x = small
    np.testing.assert_allclose(network_energy(net, x, ev), np.asarray(net.with_evidence(ev).energy(x)), rtol=1e-5,
                               atol=1e-5)
    # only the symmetric part enters: an antisymmetric addition changes nothing
    J = np.asarray(net.couplings)
    A = np.triu(np.ones((4, 4)), 1) - np.tril(np.ones((4, 4)), -1)
    skew = fepnet.Network(J + A, net.biases)
    np.testing.assert_allclose(network_energy(skew, x, ev), network_energy(net, x, ev), rtol=1e-5, atol=1e-5)


def test_from_chains_layout_stats_and_constant_data(small, tmp_path):
    net, ev, x = small
    idata = from_chains(x, network=net, evidence=ev, inverse_temperature=1.3, schedule="sequential", wall_s=0.25)
    post = idata.posterior["sigma"]
    assert post.dims == ("chain", "draw", "node")
    assert post.shape == (3, 300, 4)
    np.testing.assert_array_equal(post.values, x.astype(np.float64))
    e = idata.sample_stats["network_energy"]
    assert e.dims == ("chain", "draw")
    np.testing.assert_allclose(e.values, network_energy(net, x, ev))
    np.testing.assert_allclose(idata.constant_data["couplings"].values, np.asarray(net.couplings, np.float64))
    np.testing.assert_allclose(idata.constant_data["evidence"].values, ev)
    for group in ("posterior", "sample_stats"):
        attrs = idata[group].attrs
        assert attrs["schedule"] == "sequential" and attrs["sampler"] == "fepnet"
        assert attrs["wall_s"] == 0.25 and attrs["inverse_temperature"] == pytest.approx(1.3)
    # ArviZ understands it
    summary = az.summary(idata, var_names=["sigma"])
    assert list(summary.index) == [f"sigma[{i}]" for i in range(4)]
    # and the netCDF round trip is exact
    path = tmp_path / "chains.nc"
    idata.to_netcdf(path)
    back = az.from_netcdf(path)
    np.testing.assert_array_equal(back.posterior["sigma"].values, post.values)
    np.testing.assert_array_equal(back.sample_stats["network_energy"].values, e.values)
    assert back.posterior.attrs["schedule"] == "sequential"


def test_from_chains_without_network_and_with_node_names(small):
    _, _, x = small
    idata = from_chains(x[0], node_names=["a", "b", "c", "d"])  # (draws, N): one chain
    assert idata.posterior["sigma"].shape == (1, 300, 4)
    assert list(idata.posterior["node"].values) == ["a", "b", "c", "d"]
    assert "sample_stats" not in idata.groups()
    np.testing.assert_array_equal(posterior_samples(idata), x[:1].astype(np.float64))


def test_from_nuts_keeps_sampler_statistics(small):
    net, ev, _ = small
    res = run_nuts(jax.random.key(2), net, ev, 1.3, n_chains=2, n_warmup=100, n_samples=150)
    idata = from_nuts(res, wall_s=1.5)
    assert idata.posterior["sigma"].shape == (2, 150, 4)
    stats = idata.sample_stats
    for name in ("network_energy", "potential_energy", "diverging", "tree_size"):
        assert stats[name].dims == ("chain", "draw"), name
    assert stats["diverging"].dtype == bool
    assert np.all(stats["tree_size"].values >= 1)
    np.testing.assert_allclose(stats["network_energy"].values,
                               network_energy(net, np.asarray(res.samples), ev), rtol=1e-12)
    assert idata.posterior.attrs["model"] == "boltzmann" and idata.posterior.attrs["sampler"] == "nuts"
    np.testing.assert_allclose(idata.constant_data["evidence"].values, ev, rtol=1e-6)


@pytest.mark.slow  # ~10-15 s; the default suite's budget (run with -m slow)
def test_from_svi_draws_from_each_start_and_free_energy_is_the_elbo(small):
    net, ev, _ = small
    res = run_svi(jax.random.key(4), net, ev, 1.3, n_starts=2, n_steps=200)
    idata = from_svi(res, jax.random.key(5), network=net, evidence=ev, inverse_temperature=1.3, n_draws=20_000)
    assert idata.posterior["sigma"].shape == (2, 20_000, 4)
    # the draws have the guide's means
    np.testing.assert_allclose(idata.posterior["sigma"].mean("draw").values, res.means, atol=0.02)
    # the per-draw free energy averages to the exact -ELBO of that start
    f = idata.sample_stats["free_energy"].mean("draw").values
    sd = idata.sample_stats["free_energy"].std("draw").values / np.sqrt(20_000)
    assert np.all(np.abs(f - res.free_energy) < 5 * sd + 1e-4)
    assert idata.optimization["loss"].shape == res.losses.shape
    assert idata.posterior.attrs["sampler"] == "svi"


def test_conversion_errors_name_the_argument(small):
    net, ev, x = small
    with pytest.raises(ValueError, match="samples must lie in"):
        from_chains(x * 2)
    with pytest.raises(ValueError, match="samples contains non-finite"):
        from_chains(np.full((2, 5, 4), np.nan))
    with pytest.raises(TypeError, match="samples must hold real numbers"):
        from_chains(np.zeros((2, 5, 4), bool))
    with pytest.raises(ValueError, match="samples must have shape"):
        from_chains(np.zeros((2, 1, 4)))
    with pytest.raises(ValueError, match="network has 5"):
        from_chains(x, network=fepnet.Network.zeros(5))
    with pytest.raises(TypeError, match="network must be a fepnet.Network"):
        from_chains(x, network=np.zeros((4, 4)))
    with pytest.raises(ValueError, match="evidence needs network"):
        from_chains(x, evidence=ev)
    with pytest.raises(ValueError, match="evidence must have shape"):
        from_chains(x, network=net, evidence=np.zeros(3))
    with pytest.raises(ValueError, match="schedule must be one of"):
        from_chains(x, schedule="gibbs")
    with pytest.raises(ValueError, match="wall_s must be finite"):
        from_chains(x, wall_s=-1.0)
    with pytest.raises(ValueError, match="node_names must hold 4 distinct"):
        from_chains(x, node_names=["a", "a", "b", "c"])
    with pytest.raises(ValueError, match="inverse_temperature must be positive"):
        from_chains(x, inverse_temperature=0.0)
    with pytest.raises(TypeError, match="result must be an inference.NUTSResult"):
        from_nuts(x)
    with pytest.raises(TypeError, match="result must be an inference.SVIResult"):
        from_svi(x, jax.random.key(0), network=net)


def test_cause05_from_chains_refuses_empty_samples():
    # from_chains accepted zero chains (an InferenceData with nothing in it)
    for shape in [(0, 5, 3), (2, 0, 3), (0, 3), (3, 0), (2, 5, 0)]:
        with pytest.raises(ValueError, match=r"samples must have shape \(chains >= 1, draws >= 2, N >= 1\)"):
            from_chains(np.zeros(shape))
    for bad in (None, "abc", [[0.1, 0.2], [0.3]]):
        with pytest.raises(TypeError, match="samples"):
            from_chains(bad)
