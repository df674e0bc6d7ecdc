"""The free-energy checks of `fepnet reproduce sim1` (fepnet.paper._fe_checks) on tiny networks: each passes on
the case the derivation covers and fails on a constructed case it does not."""

import jax
import jax.numpy as jnp
import numpy as np

from fepnet.paper import _fe_checks as fc


def _asymmetric(n=6, seed=0):
    J = jax.random.normal(jax.random.key(seed), (n, n)) * 1.5
    return J * (1.0 - jnp.eye(n))


def test_sequential_relaxation_descends_F_and_the_unsymmetrised_update_does_not():
    J = _asymmetric()
    starts = jnp.array([[0.5, -0.5, 0.2, 0.0, -0.3, 0.9], [-0.9, 0.1, 0.4, -0.6, 0.3, 0.0]])
    ok = fc.relaxation_descent(J, starts, 2.0, sweeps=5)
    assert ok["pass"] and ok["max_relative_increase"] <= fc.RELAX_TOL and min(ok["total_decrease"]) > 0
    assert ok["updates"] == 30 and ok["couplings_asymmetry"] > 0.5
    # updating with the asymmetric J itself is no coordinate minimisation of F(Js): F rises
    bad = fc.relaxation_descent(J, starts, 2.0, sweeps=5, symmetrise=False)
    assert not bad["pass"] and bad["max_increase"] > 1e-2


def test_learning_descent_compares_the_first_and_last_tenth():
    f = np.linspace(0.0, -1.0, 20)[:, None] * np.ones((1, 3))
    down = fc.learning_descent(f)
    assert down["pass"] and down["window_epochs"] == 2 and np.isclose(down["decrease"], 1.0 - 1.0 / 19)
    assert not fc.learning_descent(-f)["pass"]


def test_rule_is_minus_alpha_times_the_local_gradient_and_a_wrong_rule_is_not():
    good = fc.local_gradient(jax.random.key(1), n=5, n_states=2)
    assert good["pass"] and good["relative_difference"] <= fc.GRAD_TOL and good["max_nonlocal_gradient"] == 0.0
    # the precision-weighted variant is not the gradient of F_i
    wrong = fc.local_gradient(jax.random.key(1), n=5, n_states=2,
                              rule=lambda J, s, a: fc.rule_update(J, s, a, precision_weighted=True))
    assert not wrong["pass"] and wrong["relative_difference"] > 0.1
