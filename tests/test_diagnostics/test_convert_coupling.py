"""diagnostics.from_coupling_posterior: a coupling posterior as ArviZ InferenceData, ready for az.loo."""

import warnings

import jax
import numpy as np
import pytest

import fepnet
from diagnostics import convert
from diagnostics._arviz import az
from diagnostics.convert import from_coupling_posterior
from inference.coupling import coupling_data, coupling_structure, transition_log_likelihood
from inference.coupling_fit import CouplingPosterior, fit_couplings
from inference.distribution import ContinuousBernoulli


def _stream(seed=0, n=4, T=60, symmetric=False):
    net = fepnet.Network.random(jax.random.key(seed), n, coupling_scale=0.6, symmetric=symmetric)
    kernel = fepnet.build_kernel("synchronous")
    return np.asarray(fepnet.run(kernel, jax.random.key(seed + 1), fepnet.init_state(net), fepnet.kernel_params(net), T,
                                 trace=True)[1])


def fake_posterior(x, *, chains=3, draws=40, structure="asymmetric", mask=None, unit="state", seed=0):
    """A NUTS-like CouplingPosterior built by hand: random draws, their exact log-likelihoods, NUTS extras."""
    rng = np.random.default_rng(seed)
    data = coupling_data(x)
    st = coupling_structure(data.n_nodes, structure, mask)
    J = np.asarray(st.to_matrix(rng.normal(scale=0.3, size=(chains, draws, st.n_free)).astype(np.float32)))
    b = rng.normal(scale=0.1, size=(chains, draws, data.n_nodes)).astype(np.float32)
    tau = np.abs(rng.normal(size=(chains, draws))).astype(np.float32) + 0.1
    if unit == "state":
        ll = np.asarray(transition_log_likelihood(J, b, data))
    else:
        eta = np.einsum("cdij,nj->cdni", J, np.asarray(data.inputs)) + b[:, :, None, :]
        ll = np.asarray(ContinuousBernoulli(eta, validate_args=False).log_prob(np.asarray(data.targets)))
    settings = dict(prior="normal", prior_scale=1.0, bias_scale=1.0, inverse_temperature=1.0, fit_biases=True,
                    method="nuts", field="previous", guide=None, pointwise=unit)
    extra = {"diverging": rng.random((chains, draws)) < 0.05,
             "num_steps": rng.integers(1, 32, size=(chains, draws)).astype(np.int32)}
    return CouplingPosterior(J, b, tau, ll, data, st, settings, 1.25, extra)


@pytest.fixture(scope="module")
def svi_fit():
    # the sizes of test_diagnostics_model_selection's fits, so that a joint run compiles them once
    x = _stream(seed=1, n=6, T=200, symmetric=True)
    return fit_couplings(jax.random.key(3), x, structure="symmetric", method="svi", svi_steps=1000, n_draws=300)


def test_exported():
    assert "from_coupling_posterior" in convert.__all__


def test_layout_values_and_attributes_of_an_svi_fit(svi_fit):
    p = svi_fit
    idata = from_coupling_posterior(p)
    assert set(idata.groups()) == {"posterior", "log_likelihood", "observed_data", "constant_data"}  # no NUTS stats
    post = idata.posterior
    assert post["couplings"].dims == ("chain", "draw", "node", "from_node")
    assert post["biases"].dims == ("chain", "draw", "node")
    assert post["coupling_scale"].dims == ("chain", "draw")
    assert post["couplings"].shape == (1, 300, 6, 6)
    np.testing.assert_array_equal(post["couplings"].values, np.asarray(p.couplings, np.float64))
    np.testing.assert_array_equal(post["biases"].values, np.asarray(p.biases, np.float64))
    np.testing.assert_array_equal(post["coupling_scale"].values, np.asarray(p.coupling_scale, np.float64))
    ll = idata.log_likelihood["x"]
    assert ll.dims == ("chain", "draw", "observation") and ll.shape == (1, 300, 199)
    np.testing.assert_array_equal(ll.values, np.asarray(p.log_likelihood, np.float64))
    assert idata.observed_data["x"].dims == ("observation", "node")
    np.testing.assert_array_equal(idata.observed_data["x"].values, np.asarray(p.data.targets, np.float64))
    np.testing.assert_array_equal(idata.constant_data["inputs"].values, np.asarray(p.data.inputs, np.float64))
    np.testing.assert_array_equal(idata.constant_data["free"].values, p.structure.free_mask().astype(np.int8))
    for group in idata.groups():
        attrs = idata[group].attrs
        assert attrs["model"] == "symmetric" and attrs["structure"] == "symmetric"
        assert attrs["n_free"] == 15 and attrs["n_nodes"] == 6 and attrs["n_observations"] == 199
        assert attrs["method"] == "svi" and attrs["guide"] == "normal" and attrs["field"] == "previous"
        assert attrs["fit_biases"] == 1 and attrs["prior"] == "normal"
        assert attrs["wall_s"] == pytest.approx(p.wall_s)
        assert all(isinstance(val, (str, int, float)) for val in attrs.values())


def test_nuts_like_posterior_keeps_sample_stats_and_skips_none_settings():
    p = fake_posterior(_stream(), chains=3, draws=40)
    idata = from_coupling_posterior(p, node_names=["a", "b", "c", "d"])
    stats = idata.sample_stats
    assert stats["diverging"].dims == ("chain", "draw") and stats["diverging"].dtype == bool
    np.testing.assert_array_equal(stats["diverging"].values, p.extra["diverging"])
    np.testing.assert_array_equal(stats["tree_size"].values, p.extra["num_steps"])
    assert "guide" not in idata.posterior.attrs  # None settings are left out
    assert list(idata.posterior["node"].values) == ["a", "b", "c", "d"]
    assert list(idata.posterior["from_node"].values) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("kind", ["svi", "nuts-like", "masked", "node-unit"])
def test_netcdf_round_trip_is_exact(kind, svi_fit, tmp_path):
    x = _stream()
    mask = np.ones((4, 4), bool)
    mask[0, 3] = mask[3, 0] = mask[1, 2] = False
    p = {"svi": svi_fit, "nuts-like": fake_posterior(x), "masked": fake_posterior(x, mask=mask),
         "node-unit": fake_posterior(x, unit="node")}[kind]
    idata = from_coupling_posterior(p)
    path = tmp_path / f"{kind}.nc"
    idata.to_netcdf(str(path))
    back = az.from_netcdf(str(path))
    assert set(back.groups()) == set(idata.groups())
    for group in idata.groups():
        assert back[group].identical(idata[group]), group  # values, dtypes, coordinates and attributes
    if kind == "masked":
        assert back.posterior.attrs["model"] == "asymmetric (masked)" and back.posterior.attrs["n_free"] == 9


def test_az_loo_works_on_single_and_multi_chain_posteriors(svi_fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # k-hat warnings are not the point here
        for p in (svi_fit, fake_posterior(_stream(), chains=3, draws=40)):
            loo = az.loo(from_coupling_posterior(p), pointwise=True)
            assert np.isfinite(loo.elpd_loo) and np.isfinite(loo.se) and np.isfinite(loo.p_loo)
            n = p.data.n_observations
            assert loo.n_data_points == n and loo.loo_i.shape == (n,)
            assert loo.n_samples == p.log_likelihood.shape[0] * p.log_likelihood.shape[1]
            # elpd_loo can not exceed the in-sample lppd (p_loo >= 0 up to PSIS noise)
            assert loo.p_loo > -1.0


def test_node_unit_log_likelihood():
    p = fake_posterior(_stream(), unit="node")
    idata = from_coupling_posterior(p)
    assert idata.log_likelihood["x"].dims == ("chain", "draw", "observation", "node")
    # per node value, summing over nodes gives the per-state log-likelihood
    np.testing.assert_allclose(idata.log_likelihood["x"].values.sum(-1),
                               np.asarray(fake_posterior(_stream()).log_likelihood, np.float64), rtol=1e-4, atol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert az.loo(idata).n_data_points == 59 * 4


def test_errors_name_the_argument():
    with pytest.raises(TypeError, match="posterior must be"):
        from_coupling_posterior({"couplings": np.zeros((1, 2, 3, 3))})
    p = fake_posterior(_stream())
    with pytest.raises(ValueError, match="node_names"):
        from_coupling_posterior(p, node_names=["a", "b"])
    with pytest.raises(ValueError, match="posterior arrays disagree"):
        from_coupling_posterior(p._replace(biases=p.biases[:, :-1]))
    with pytest.raises(ValueError, match="posterior.log_likelihood"):
        from_coupling_posterior(p._replace(log_likelihood=p.log_likelihood[..., None, None]))
    with pytest.raises(ValueError, match="non-finite"):
        bad = np.array(p.log_likelihood)
        bad[0, 0, 0] = np.nan
        from_coupling_posterior(p._replace(log_likelihood=bad))
