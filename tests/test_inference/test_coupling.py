"""The coupling model (inference.coupling): structures, observations, the likelihood, NUTS and SVI fits."""

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest
from numpyro.infer.util import log_density
from scipy import stats

import fepnet
from fepnet import cb
from inference.coupling import (
    CouplingData,
    coupling_data,
    coupling_model,
    coupling_structure,
    transition_log_likelihood,
)
from inference.coupling_fit import fit_couplings

OFF5 = ~np.eye(5, dtype=bool)


def _synchronous_stream(network, n_steps, key=0, it=1.0):
    kernel = fepnet.build_kernel("synchronous")
    _, x = fepnet.run(kernel, jax.random.key(key), fepnet.init_state(network), fepnet.kernel_params(network, it),
                      n_steps, trace=True)
    return x


@pytest.fixture(scope="module")
def truth():
    return fepnet.Network.random(jax.random.key(3), 5, coupling_scale=0.8, bias_scale=0.3, symmetric=False)


N_STEPS = 750  # observations per fit: N_STEPS - 1


@pytest.fixture(scope="module")
def stream(truth):
    return _synchronous_stream(truth, N_STEPS)


@pytest.fixture(scope="module")
def nuts_fit(stream):
    return fit_couplings(jax.random.key(0), stream, method="nuts", n_chains=2, n_warmup=200, n_samples=200)


def test_structures_count_and_place_free_entries():
    asym, sym = coupling_structure(5), coupling_structure(5, "symmetric")
    assert (asym.n_free, sym.n_free) == (20, 10)
    w = jnp.arange(1.0, 11.0)
    J = sym.to_matrix(w)
    np.testing.assert_array_equal(J, J.T)
    assert np.all(np.diag(J) == 0) and set(np.asarray(J[OFF5])) == set(range(1, 11))
    np.testing.assert_array_equal(sym.to_weights(J), w)
    Ja = asym.to_matrix(jnp.arange(1.0, 21.0))
    assert np.all(np.diag(Ja) == 0) and np.all(Ja[OFF5] > 0) and not np.allclose(Ja, Ja.T)
    # a path graph: 4 undirected edges; a directed path: 4 arcs j -> i allow J[i, j] only
    assert coupling_structure(5, "asymmetric", nx.path_graph(5)).n_free == 8
    assert coupling_structure(5, "symmetric", nx.path_graph(5)).n_free == 4
    directed = coupling_structure(5, "asymmetric", nx.DiGraph([(0, 1), (1, 2), (2, 3), (3, 4)]))
    assert directed.n_free == 4 and directed.free_mask()[1, 0] and not directed.free_mask()[0, 1]
    one_arc = nx.DiGraph()
    one_arc.add_nodes_from(range(5))
    one_arc.add_edge(0, 1)
    assert coupling_structure(5, "symmetric", one_arc).n_free == 1


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((5, "dense"), ValueError, "structure"),
        ((1,), ValueError, "n_nodes"),
        ((5, "asymmetric", nx.empty_graph(5)), ValueError, "no free coupling"),
        ((5, "asymmetric", np.ones((4, 4), bool)), ValueError, "mask"),
    ],
)
def test_structure_errors(args, error, match):
    with pytest.raises(error, match=match):
        coupling_structure(*args)


def test_observations_pair_consecutive_states_within_streams():
    x = np.linspace(-1, 1, 2 * 4 * 3, dtype=np.float32).reshape(2, 4, 3)
    d = coupling_data(x)
    assert d.n_observations == 6 and d.n_nodes == 3 and d.field == "previous"
    np.testing.assert_array_equal(d.inputs, np.concatenate([x[0, :-1], x[1, :-1]]))
    np.testing.assert_array_equal(d.targets, np.concatenate([x[0, 1:], x[1, 1:]]))
    same = coupling_data(x[0], field="same")
    np.testing.assert_array_equal(same.inputs, same.targets)
    assert same.n_observations == 4


@pytest.mark.parametrize(
    "states, field, match",
    [
        (np.zeros((1, 3)), "previous", "at least 2 states"),
        (np.full((4, 3), 1.5), "previous", "states"),
        (np.zeros(3), "previous", "states"),
        (np.zeros((4, 1)), "previous", "2 nodes"),
        (np.zeros((4, 3)), "later", "field"),
        (np.array([[0.0, np.nan], [0.0, 0.0]]), "previous", "states"),
    ],
)
def test_observation_errors(states, field, match):
    with pytest.raises(ValueError, match=match):
        coupling_data(states, field)


def test_likelihood_is_the_product_of_cb_densities(truth, stream):
    data = coupling_data(stream[:50])
    ll = transition_log_likelihood(truth.couplings, truth.biases, data, 0.7)
    eta = 0.7 * (truth.biases + data.inputs @ truth.couplings.T)
    np.testing.assert_allclose(ll, np.sum(cb.log_prob(data.targets, eta), axis=-1), rtol=1e-5)
    # the NumPyro model's log joint is prior + this likelihood, for both pointwise units
    structure = coupling_structure(5)
    w = structure.to_weights(truth.couplings)
    params = {"coupling_scale": jnp.asarray(0.8), "z": w / 0.8, "biases": truth.biases}
    kw = dict(structure=structure, inverse_temperature=0.7)
    lp_state, _ = log_density(coupling_model, (data.inputs, data.targets), kw, params)
    lp_node, _ = log_density(coupling_model, (data.inputs, data.targets), dict(kw, pointwise="node"), params)
    np.testing.assert_allclose(lp_state, lp_node, rtol=1e-5)
    prior = (stats.halfnorm.logpdf(0.8) + stats.norm.logpdf(np.asarray(w, np.float64) / 0.8).sum()
             + stats.norm.logpdf(np.asarray(truth.biases, np.float64)).sum())
    np.testing.assert_allclose(float(lp_state), prior + float(jnp.sum(ll)), rtol=1e-5)


def test_nuts_posterior_recovers_the_truth(truth, nuts_fit):
    fit = nuts_fit
    assert fit.couplings.shape == (2, 200, 5, 5) and fit.log_likelihood.shape == (2, 200, N_STEPS - 1)
    assert fit.settings["method"] == "nuts" and fit.name == "asymmetric"
    Jt, Jm = np.asarray(truth.couplings)[OFF5], np.asarray(fit.mean_couplings())[OFF5]
    assert np.corrcoef(Jt, Jm)[0, 1] > 0.95
    assert np.abs(np.asarray(fit.mean_network().biases) - np.asarray(truth.biases)).max() < 0.25
    lo, hi = fit.interval(0.9)
    covered = np.mean((Jt >= lo[OFF5]) & (Jt <= hi[OFF5]))
    assert 0.6 <= covered <= 1.0
    assert np.all(np.diagonal(np.asarray(fit.couplings), axis1=-2, axis2=-1) == 0)
    assert int(fit.extra["diverging"].sum()) == 0


def test_recorded_pointwise_log_likelihood_matches_the_draws(nuts_fit):
    fit = nuts_fit
    for c, d in [(0, 0), (1, 57)]:
        ll = transition_log_likelihood(fit.couplings[c, d], fit.biases[c, d], fit.data, 1.0)
        np.testing.assert_allclose(fit.log_likelihood[c, d], ll, rtol=2e-4, atol=2e-3)
    np.testing.assert_allclose(fit.total_log_likelihood(), fit.log_likelihood.sum(-1), rtol=1e-6)


def test_svi_symmetric_masked_and_node_pointwise(truth, stream):
    graph = nx.cycle_graph(5)
    fit = fit_couplings(jax.random.key(1), stream, structure="symmetric", mask=graph, method="svi",
                        svi_steps=200, step_size=0.02, n_draws=200, pointwise="node", prior="laplace")
    J = np.asarray(fit.couplings)
    assert J.shape == (1, 200, 5, 5) and fit.log_likelihood.shape == (1, 200, N_STEPS - 1, 5)
    np.testing.assert_array_equal(J, np.swapaxes(J, -1, -2))
    allowed = np.asarray(fepnet.coupling_mask(graph)) > 0
    assert np.all(J[..., ~allowed] == 0) and np.all(np.std(J[..., allowed], axis=1) > 0)
    assert fit.name == "symmetric (masked)" and fit.settings["guide"] == "normal"
    np.testing.assert_allclose(fit.state_log_likelihood(), fit.log_likelihood.sum(-1), rtol=1e-6)
    losses = np.asarray(fit.extra["losses"])
    assert losses.shape == (200,) and losses[-50:].mean() < losses[:50].mean()


@pytest.mark.slow  # ~10-15 s; the default suite's budget (run with -m slow)
def test_svi_without_biases_and_low_rank_guide(stream):
    fit = fit_couplings(jax.random.key(2), CouplingData(*coupling_data(stream[:400])), fit_biases=False,
                        method="svi", guide="lowrank", svi_steps=40, n_draws=50)
    assert np.all(np.asarray(fit.biases) == 0) and fit.log_likelihood.shape == (1, 50, 399)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(prior="cauchy"), ValueError, "prior"),
        (dict(method="mcmc"), ValueError, "method"),
        (dict(guide="flow"), ValueError, "guide"),
        (dict(pointwise="pixel"), ValueError, "pointwise"),
        (dict(prior_scale=0.0), ValueError, "prior_scale"),
        (dict(inverse_temperature=-1.0), ValueError, "inverse_temperature"),
        (dict(structure=coupling_structure(4)), ValueError, "nodes"),
        (dict(structure=coupling_structure(5), mask=nx.path_graph(5)), ValueError, "mask"),
        (dict(n_chains=0), ValueError, "n_chains"),
        (dict(method="svi", n_draws=1), ValueError, "n_draws"),
    ],
)
def test_fit_errors(stream, kwargs, error, match):
    with pytest.raises(error, match=match):
        fit_couplings(jax.random.key(0), stream[:20], **kwargs)


def test_interval_prob_is_checked(nuts_fit):
    with pytest.raises(ValueError, match="prob"):
        nuts_fit.interval(1.5)
