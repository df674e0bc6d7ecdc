"""fepnet.paper.grids, and the sweep core's defaults against the paper's protocol constants they must equal."""

import dataclasses
import inspect

import jax
import jax.numpy as jnp
import numpy as np

import fepnet
from fepnet import paper
from fepnet.paper.grids import GRIDS
from fepnet.sweep import Evaluation, SweepGrid, network_bytes


def test_paper_grid_is_the_published_one():
    g = GRIDS["paper-sim2"]
    assert g.dims == ("evidence_level", "inverse_temperature", "seed")
    assert g.shape == (20, 19, 1) and g.n_networks == 380
    assert g.evidence_level == tuple(float(x) for x in range(1, 21))
    # The paper's named networks sit on the grid (their iT values are rounded to 4 digits in the paper).
    for level, it in paper.NETWORKS.values():
        assert level in g.evidence_level
        assert min(abs(t - it) for t in g.inverse_temperature) < 5e-4
    assert g.fixed == {"learning_rate": 0.001, "n_epochs": 5000, "steps_per_epoch": 10}


def test_sweep_grid_defaults_are_simulation_2():
    fields = {f.name: f.default for f in dataclasses.fields(SweepGrid)}
    assert {k: fields[k] for k in paper.SIM2} == paper.SIM2
    # SweepGrid.from_specs starts from the paper's grid when given no base.
    assert SweepGrid.from_specs() == GRIDS["paper-sim2"]


def test_evaluation_defaults_are_the_paper_scoring():
    ev = Evaluation()
    assert {k: getattr(ev, k) for k in paper.SCORING} == paper.SCORING
    assert inspect.signature(network_bytes).parameters["n_trials"].default == paper.SCORING["n_trials"]


def test_paper_attractors_are_the_sweep_evaluations_attractor_search():
    """The sweep relaxes from L(scale * level * pattern) with zero biases at iT 1 (Evaluation's max_steps,
    decimals): exactly ``paper_attractors``."""
    ev = Evaluation()
    digits = fepnet.data.load_digits()
    couplings = 0.05 * jax.random.normal(jax.random.key(3), (64, 64))
    net = fepnet.Network(couplings, 0.3 * jnp.ones(64), zero_diagonal=True)
    level = 11.0
    got = paper.paper_attractors(net, digits.train, level)
    starts = fepnet.cb.langevin(ev.scale * level * jnp.asarray(digits.train))
    want = fepnet.find_attractors(net.replace(biases=jnp.zeros(64, net.dtype)), starts, 1.0, max_steps=ev.max_steps,
                                  decimals=ev.decimals)
    assert got.count == want.count
    np.testing.assert_array_equal(np.asarray(got.relaxed.sigma), np.asarray(want.relaxed.sigma))
