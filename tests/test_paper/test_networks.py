"""fepnet.paper.networks: the named networks of ``fepnet validate`` and their evidence; acceptance on the paper's networks."""

import json

import jax
import numpy as np
import pytest

import fepnet
from diagnostics.validation import ValidationNetwork, validate, validation_keys
from fepnet.paper.networks import NETWORK_NAMES, loaded_network, resolve_network, validation_network


def _small_network():
    rng = np.random.default_rng(1)
    J = rng.normal(scale=0.6, size=(6, 6))
    return fepnet.Network(0.5 * (J + J.T) * (1 - np.eye(6)), rng.normal(scale=0.2, size=6))


def test_random_network_and_its_cue():
    vn = validation_network("random", jax.random.key(0))
    assert isinstance(vn, ValidationNetwork) and vn.name == "random" and vn.network.size == 64
    assert float(vn.network.asymmetry()) == 0 and vn.inverse_temperature == 1.0
    assert vn.evidence.shape == (64,) and vn.patterns.shape[1] == 64 and vn.grid_shape == (8, 8)
    assert "evidence: noisy cue 0.1 x 11 x digit '0'" in vn.description
    again = validation_network("random", jax.random.key(0))
    np.testing.assert_array_equal(vn.evidence, again.evidence)
    np.testing.assert_array_equal(np.asarray(vn.network.couplings), np.asarray(again.network.couplings))
    other = validation_network("random", jax.random.key(1))
    assert not np.array_equal(vn.evidence, other.evidence)


def test_a_given_network_is_only_cued():
    trained = fepnet.Network.random(jax.random.key(5), 64, coupling_scale=0.3, symmetric=False)
    vn = validation_network("digits-balanced", jax.random.key(0), network=trained)
    np.testing.assert_array_equal(np.asarray(vn.network.couplings), np.asarray(trained.symmetrized().couplings))
    assert "symmetrised" in vn.description
    kept = validation_network("digits-balanced", jax.random.key(0), network=trained, symmetrize=False)
    assert kept.network is trained
    np.testing.assert_array_equal(vn.evidence, kept.evidence)


def test_loaded_and_resolved_networks(tmp_path):
    path = tmp_path / "net.npz"
    _small_network().save(path)
    vn = loaded_network(path, jax.random.key(0))
    assert vn.name == "loaded" and vn.grid_shape is None and vn.patterns is None
    np.testing.assert_array_equal(vn.evidence, np.zeros(6))
    key = validation_keys(0)[0]
    assert resolve_network(str(path), key).description == vn.description
    assert resolve_network(vn, key) is vn
    np.testing.assert_array_equal(resolve_network("random", key).evidence, validation_network("random", key).evidence)
    assert set(NETWORK_NAMES) == {"digits-balanced", "sequence", "random"}


def test_bad_names_and_networks():
    with pytest.raises(ValueError, match="network must be one of"):
        validation_network("hopfield", jax.random.key(0))
    with pytest.raises(ValueError, match="64-node"):
        validation_network("digits-balanced", jax.random.key(0), network=_small_network())
    with pytest.raises(ValueError, match="network must be one of"):
        resolve_network("hopfield", jax.random.key(0))


# ----------------------------------------------------------------------------- acceptance (slow)


@pytest.mark.slow
def test_acceptance_balanced_network(tmp_path):
    """The issue's acceptance on the symmetrised balanced digits network, with the defaults of `fepnet validate`."""
    vn = resolve_network("digits-balanced", validation_keys(0)[0])
    result = validate(vn, out=tmp_path, n_sbc_replications=200, figures=False, progress=False)
    for schedule in ("sequential", "random-scan"):
        assert result[schedule]["verdict"] == "consistent", result[schedule]
        assert result[schedule]["max_abs_z"] < 4.5 and result[schedule]["energy_distance_p"] > 0.01
    assert result["synchronous"]["verdict"] == "biased"
    assert result["synchronous"]["pi_sync"]["verdict"] == "consistent"
    assert result["synchronous"]["samples"] == "pi_sync"
    details = json.loads((tmp_path / "details.json").read_text())
    assert details["sbc"]["exact_p"] > 0.01 and details["sbc"]["doubled_it_p"] < 0.001
    assert details["gibbs_vs_nuts"]["ratio"] >= 10


@pytest.mark.slow
def test_acceptance_sequence_network_is_not_boltzmann_of_js(tmp_path):
    vn = resolve_network("sequence", validation_keys(0)[0])
    result = validate(vn, ("sequential", "synchronous"), out=tmp_path, n_sbc_replications=0, figures=False,
                      progress=False)
    details = json.loads((tmp_path / "details.json").read_text())
    for schedule in ("sequential", "synchronous"):
        assert result[schedule]["verdict"] == "biased"
        assert result[schedule]["energy_difference_in_sd"] > 3
    r = details["posterior_mean_vs_patterns"]["pearson_r"]
    reference = details["references"]["boltzmann"]
    assert r[reference][0] > r[reference][1]  # the Js posterior shows the cued "1" ...
    assert r["sequential"][1] > r["sequential"][0]  # ... the asymmetric network the next digit, "2"
