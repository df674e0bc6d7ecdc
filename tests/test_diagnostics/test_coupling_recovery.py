"""diagnostics.coupling_recovery: the exact Gibbs stream, the posterior and the FEP rule against a known network."""

import dataclasses
import json
import os

import jax
import numpy as np
import pytest

import fepnet
from diagnostics.coupling_recovery import (
    ACCEPTANCE,
    CouplingRecovery,
    format_recovery,
    gibbs_stream,
    plot_coupling_matrices,
    plot_interval_coverage,
    plot_recovery,
    recover_couplings,
    recovery_metrics,
    write_recovery,
)
from diagnostics.coupling_recovery.metrics import sampler_diagnostics
from fepnet.infra.artifacts import Artifacts
from fepnet.infra.plotting import pyplot
from inference.exact import boltzmann_quadrature, independent_moments, synchronous_quadrature
from inference.monte_carlo import moment_z_scores

# A small problem. With NUTS and the control (two big compiles, about 45 s): the slow tests. The default tests
# use one SVI fit without the control (one compile) and, for the report's NUTS and control parts, that result
# with made-up NUTS diagnostics and control metrics.
TRUTH = fepnet.Network.random(jax.random.key(0), 5, coupling_scale=0.5)  # measured: see test_recover_couplings_small_problem
SMALL = dict(n_states=500, n_chains=2, n_warmup=150, n_samples=150,
             n_passes=40, control=True, control_samples=300, svi_steps=300)
QUICK = dict(n_states=500, method="svi", svi_steps=300, n_passes=40, control=False)
CONTROL = {"n_steps": 300, "asymmetry": 1.41, "r_posterior_truth": 0.93, "relative_error_posterior": 0.4,
           "coverage_90": 0.85, "r_fep_posterior": 0.21, "r_fep_truth": 0.18, "relative_error_fep": 3.5,
           "fep_slope_truth": float("nan")}


@pytest.fixture(scope="module")
def small():
    return recover_couplings(jax.random.key(0), TRUTH, **SMALL)


@pytest.fixture(scope="module")
def quick():
    return recover_couplings(jax.random.key(0), TRUTH, **QUICK)


@pytest.fixture(scope="module")
def with_control(quick):
    """The quick result, rendered as if it came from NUTS with the control (made-up diagnostics and control)."""
    return dataclasses.replace(
        quick, metrics=dict(quick.metrics, max_rhat=1.01, min_ess=420.0, divergences=0), control=CONTROL,
        settings=dict(quick.settings, control=True, control_samples=300, control_coupling_scale=0.5))


def _offdiag(m):
    m = np.asarray(m)
    return m[~np.eye(m.shape[0], dtype=bool)]


def _slope(x, y):
    return float(x @ y / (x @ x))


# ----------------------------------------------------------------------------- gibbs_stream


def test_gibbs_stream_updates_one_node_per_step_in_scan_order():
    net = fepnet.Network.random(jax.random.key(3), 4, coupling_scale=0.5)
    xs = np.asarray(gibbs_stream(jax.random.key(0), net, 103))
    assert xs.shape == (103, 4) and xs.dtype == np.float32
    assert np.all(np.abs(xs) <= 1)
    changed = xs[1:] != xs[:-1]
    assert changed.sum(axis=1).max() == 1  # one single-site update between consecutive rows
    rows, cols = np.nonzero(changed)
    assert np.array_equal(cols, (rows + 1) % 4)  # the default burn-in is whole sweeps: row t updated node t mod N
    # the same key gives the same stream; the burn-in only shifts it
    assert np.array_equal(xs, np.asarray(gibbs_stream(jax.random.key(0), net, 103)))
    assert not np.array_equal(xs, np.asarray(gibbs_stream(jax.random.key(1), net, 103)))


def test_gibbs_stream_is_inverse_cdf_single_site_updates_with_one_uniform_per_step():
    """Step t (burn-in included) updates node t mod N with u_t of uniform(key, (burn_in + n_steps,))."""
    net = fepnet.Network.random(jax.random.key(4), 3, coupling_scale=0.6, bias_scale=0.4)
    key, it, burn_in, n_steps = jax.random.key(9), 1.7, 4, 20
    xs = np.asarray(gibbs_stream(key, net, n_steps, inverse_temperature=it, burn_in=burn_in, initial=[0.5, -0.2, 0.1]))
    u = np.asarray(jax.random.uniform(key, (burn_in + n_steps,)), np.float64)
    J, b = np.asarray(net.couplings, np.float64), np.asarray(net.biases, np.float64)
    icdf = jax.jit(fepnet.cb.icdf)
    x, expected = np.array([0.5, -0.2, 0.1]), []
    for t in range(burn_in + n_steps):
        i = t % 3
        x[i] = float(icdf(np.float32(u[t]), np.float32(it * (b[i] + J[i] @ x))))
        expected.append(x.copy())
    np.testing.assert_allclose(xs, np.array(expected[burn_in:]), rtol=0, atol=1e-5)


def test_gibbs_stream_samples_the_boltzmann_density_of_a_coupled_pair():
    """N = 2 with strong coupling: moments match quadrature; pi_sync (zero covariance) is clearly rejected."""
    net = fepnet.Network(np.array([[0.0, 1.2], [1.2, 0.0]]), np.array([0.3, -0.4]))
    xs = np.asarray(gibbs_stream(jax.random.key(0), net, 40_000), np.float64)
    sweeps = xs[1::2][None]  # one state per sweep, (1, 20000, 2)
    assert moment_z_scores(sweeps, boltzmann_quadrature(net)).max_abs_z < 4.5
    assert moment_z_scores(sweeps, synchronous_quadrature(net)).max_abs_z > 10
    assert np.corrcoef(sweeps[0].T)[0, 1] > 0.2


def test_gibbs_stream_without_couplings_gives_independent_cb_nodes():
    b = np.array([0.8, -1.5, 0.0])
    net = fepnet.Network(np.zeros((3, 3)), b)
    xs = np.asarray(gibbs_stream(jax.random.key(1), net, 30_000, initial=np.full(3, 0.9), burn_in=7), np.float64)
    sweeps = xs[2::3]
    assert moment_z_scores(sweeps[None], independent_moments(b)).max_abs_z < 4.5
    assert abs(sweeps[:, 2].var() - 1 / 3) < 0.02  # CB(0) is uniform on [-1, 1]
    # inverse temperature scales the natural parameter: iT = 2 on b is iT = 1 on 2 b
    hot = np.asarray(gibbs_stream(jax.random.key(1), net, 30_000, inverse_temperature=2.0), np.float64)[2::3]
    assert moment_z_scores(hot[None], independent_moments(2 * b)).max_abs_z < 4.5


def test_gibbs_stream_rejects_bad_arguments():
    net = fepnet.Network.random(jax.random.key(0), 3)
    with pytest.raises(TypeError, match="key"):
        gibbs_stream(0, net, 10)
    with pytest.raises(TypeError, match="network"):
        gibbs_stream(jax.random.key(0), np.zeros((3, 3)), 10)
    with pytest.raises(ValueError, match="n_steps"):
        gibbs_stream(jax.random.key(0), net, 0)
    with pytest.raises(TypeError, match="n_steps"):
        gibbs_stream(jax.random.key(0), net, 10.0)
    with pytest.raises(ValueError, match="burn_in"):
        gibbs_stream(jax.random.key(0), net, 10, burn_in=-1)
    with pytest.raises(ValueError, match="inverse_temperature"):
        gibbs_stream(jax.random.key(0), net, 10, inverse_temperature=0.0)
    with pytest.raises(ValueError, match="initial"):
        gibbs_stream(jax.random.key(0), net, 10, initial=np.full(3, 1.5))
    with pytest.raises(ValueError, match="initial"):
        gibbs_stream(jax.random.key(0), net, 10, initial=np.zeros(4))


# ----------------------------------------------------------------------------- the FEP rule's bias


def test_fep_rule_on_a_single_site_stream_overshoots_by_about_n_over_n_minus_1():
    """Measured at N = 5, scale 0.3 (4 seeds): slopes 1.15 - 1.27, expected N / (N - 1) = 1.25 to first order.

    A rule without the bias would give a slope near 1; the mean over three seeds must sit near 1.25.
    """
    n, slopes = 5, []
    for seed in range(3):
        net = fepnet.Network.random(jax.random.key(seed), n, coupling_scale=0.3)
        xs = gibbs_stream(jax.random.key(100 + seed), net, 40_000)
        fep = fepnet.learn_from_states(xs, learning_rate=0.002, n_passes=5).couplings
        t, f = _offdiag(net.couplings), _offdiag(fep)
        assert np.corrcoef(t, f)[0, 1] > 0.95
        slopes.append(_slope(t, f))
    assert 1.12 < np.mean(slopes) < 1.38, slopes


# ----------------------------------------------------------------------------- recover_couplings


@pytest.mark.slow
def test_recover_couplings_small_problem(small):
    assert isinstance(small, CouplingRecovery)
    m, n = small.metrics, 5
    assert small.samples.shape == (500, n) and small.stream_length == 500 * n
    assert small.truth is TRUTH and small.settings["truth_given"] and small.settings["coupling_scale"] is None
    assert small.settings["thin"] == n and small.settings["method"] == "nuts"
    assert small.posterior.couplings.shape == (2, 150, n, n)
    # measured at this size over 5 seeds: r 0.93 - 0.98, coverage 0.70 - 0.90, FEP r 0.95 - 0.99, slope 1.24 - 1.37
    assert m["r_posterior_truth"] > 0.85
    assert 0.5 <= m["coverage"] <= 1.0  # 20 entries: coarse; 0.70 at this seed
    assert m["r_fep_posterior"] > 0.9 and m["r_fep_truth"] > 0.9
    assert 1.05 < m["fep_slope_posterior"] < 1.6
    assert m["expected_fep_slope"] == pytest.approx(1.25)
    assert m["max_rhat"] < 1.1 and m["min_ess"] > 50 and m["divergences"] >= 0
    assert set(small.wall_s) == {"stream", "nuts", "fep", "control", "total"}
    # control: on a synchronous stream the exact likelihood recovers J, the FEP rule does not
    c = small.control
    assert c["r_posterior_truth"] > 0.8
    assert c["r_fep_truth"] < 0.6 and c["r_fep_posterior"] < 0.6
    assert set(small.acceptance()) == set(ACCEPTANCE)
    d = small.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["control"]["n_steps"] == 300 and d["metrics"]["divergences"] == m["divergences"]


def test_recover_couplings_quick_svi_problem(quick):
    """SVI, no control. Measured at this size over 4 seeds: r 0.96 - 1.00, coverage 0.70 - 1.00, FEP r 0.97 - 0.99,
    FEP slope on the posterior mean 1.12 - 1.34."""
    assert isinstance(quick, CouplingRecovery)
    m, n = quick.metrics, 5
    assert quick.samples.shape == (500, n) and quick.stream_length == 500 * n
    assert np.array_equal(np.asarray(quick.samples), np.asarray(gibbs_stream(jax.random.fold_in(jax.random.key(0), 1),
                                                                             TRUTH, 500 * n))[n - 1::n])
    assert quick.truth is TRUTH and quick.settings["truth_given"] and quick.settings["method"] == "svi"
    assert quick.settings["n_chains"] is None and quick.settings["svi_steps"] == 300
    assert quick.settings["control_samples"] is None and quick.settings["burn_in"] == 50 * n
    assert m["r_posterior_truth"] > 0.85
    assert 0.5 <= m["coverage"] <= 1.0
    assert m["r_fep_posterior"] > 0.9 and m["r_fep_truth"] > 0.9
    assert 1.05 < m["fep_slope_posterior"] < 1.6
    assert m["expected_fep_slope"] == pytest.approx(1.25)
    assert m["max_rhat"] is None and m["min_ess"] is None and m["divergences"] is None
    assert set(quick.wall_s) == {"stream", "svi", "fep", "total"} and quick.control is None
    assert set(quick.acceptance()) == set(ACCEPTANCE)
    # the FEP rule saw the whole stream, the posterior one state per sweep: the metrics are recomputable
    again = recovery_metrics(np.asarray(TRUTH.couplings), quick.posterior, np.asarray(quick.fep.couplings), 0.9)
    assert again == m


def test_sampler_diagnostics_of_nuts_draws():
    """R-hat, bulk ESS and divergences of the off-diagonal draws (i.i.d. draws: R-hat near 1, ESS near their count)."""
    from inference.coupling_fit import CouplingPosterior

    draws = np.random.default_rng(0).normal(size=(2, 200, 3, 3)) * (1 - np.eye(3))
    diverging = np.zeros((2, 200), bool)
    diverging[1, :3] = True
    post = CouplingPosterior(draws, np.zeros((2, 200, 3)), np.ones((2, 200)), np.zeros((2, 200, 10)), None, None,
                             {"method": "nuts"}, 0.0, {"diverging": diverging})
    d = sampler_diagnostics(post)
    assert d["max_rhat"] < 1.03 and 250 < d["min_ess"] < 600 and d["divergences"] == 3
    svi = post._replace(settings={"method": "svi"})
    assert sampler_diagnostics(svi) == {"max_rhat": None, "min_ess": None, "divergences": None}


def test_no_control_serialises_without_sampler_diagnostics(quick):
    """An SVI posterior has no R-hat / ESS / divergences; a result without control still writes strict JSON."""
    d = quick.to_dict()
    assert d["control"] is None and d["metrics"]["min_ess"] is None
    json.dumps(d, allow_nan=False)
    text = format_recovery(quick)
    assert "NUTS" not in text and "control (synchronous" not in text


def test_recover_couplings_rejects_bad_arguments():
    key = jax.random.key(0)
    asym = fepnet.Network.random(key, 4, symmetric=False)
    with pytest.raises(ValueError, match="symmetric"):
        recover_couplings(key, asym)
    with pytest.raises(TypeError, match="truth"):
        recover_couplings(key, np.zeros((4, 4)))
    with pytest.raises(TypeError, match="key"):
        recover_couplings(1)
    cases = [
        (dict(n_states=0), ValueError, "n_states"),
        (dict(thin=0), ValueError, "thin"),
        (dict(prob=1.5), ValueError, "prob"),
        (dict(prob=0.0), ValueError, "prob"),
        (dict(n_nodes=1), ValueError, "n_nodes"),
        (dict(n_nodes=4.0), TypeError, "n_nodes"),
        (dict(coupling_scale=-1.0), ValueError, "coupling_scale"),
        (dict(structure="full"), ValueError, "structure"),
        (dict(method="gibbs"), ValueError, "method"),
        (dict(n_chains=0), ValueError, "n_chains"),
        (dict(learning_rate=-0.1), ValueError, "learning_rate"),
        (dict(n_passes=0), ValueError, "n_passes"),
        (dict(control="yes"), TypeError, "control"),
        (dict(control_samples=1), ValueError, "control_samples"),
    ]
    for kwargs, exc, name in cases:
        with pytest.raises(exc, match=name):
            recover_couplings(key, **kwargs)


# ----------------------------------------------------------------------------- output


def test_to_dict_is_strict_json(with_control):
    res = with_control
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back == d
    assert set(d) >= {"settings", "metrics", "acceptance", "passed", "control", "wall_s", "matrices"}
    assert isinstance(d["metrics"]["r_posterior_truth"], float) and isinstance(d["settings"]["n_nodes"], int)
    assert d["settings"]["prob"] == 0.9 and d["settings"]["learning_rate"] == 0.001
    truth = np.array(d["matrices"]["truth"])
    assert np.allclose(truth, np.asarray(res.truth.couplings))
    lo, hi = np.array(d["matrices"]["interval_lower"]), np.array(d["matrices"]["interval_upper"])
    covered = (_offdiag(lo) <= _offdiag(truth)) & (_offdiag(truth) <= _offdiag(hi))
    assert covered.mean() == pytest.approx(d["metrics"]["coverage"])
    assert d["control"]["fep_slope_truth"] is None  # NaN -> null


def test_write_recovery_round_trips(with_control, tmp_path):
    res = with_control
    out = tmp_path / "rec"
    d = write_recovery(res, out)
    on_disk = json.loads((out / "recovery.json").read_text())
    assert on_disk == d
    for name in d["files"]:
        assert (out / name).exists(), name
    pngs = [f for f in d["files"] if f.endswith(".png")]
    assert len(pngs) == 3
    for f in pngs:
        assert (out / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.md").read_text()
    assert "## Acceptance" in report and "| r_posterior_truth |" in report and "N / (N − 1)" in report
    assert "synchronous" in report and all(f"]({f})" in report for f in pngs)
    assert "r with the truth 0.930" in report and "(slope –)" in report  # the control's numbers, NaN as a dash
    assert (out / "report.html").exists()
    bare = write_recovery(res, tmp_path / "bare", figures=False)
    assert not any(f.endswith(".png") for f in bare["files"])
    assert not list((tmp_path / "bare").glob("*.png"))
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))
    # through a checked output directory (what a command passes): the same files, listed in write order
    artifacts = Artifacts(tmp_path / "via")
    assert write_recovery(res, artifacts, figures=False)["files"] == bare["files"]
    assert [os.path.basename(f) for f in artifacts.files] == ["recovery.json", "report.md", "report.html"]
    with pytest.raises(ValueError, match="not a directory"):
        write_recovery(res, out / "recovery.json")


def test_plots_and_format(with_control):
    res = with_control
    from matplotlib.figure import Figure

    for plot in (plot_recovery, plot_coupling_matrices, plot_interval_coverage):
        fig = plot(res)
        assert isinstance(fig, Figure)
        pyplot().close(fig)
        with pytest.raises(TypeError, match="result"):
            plot({"metrics": {}})
    text = format_recovery(res)
    assert "coupling recovery: N = 5" in text and "control" in text and "acceptance" in text
    assert "NUTS: max R-hat = 1.010, min ESS = 420, divergences = 0" in text and "posterior r = 0.930" in text
    with pytest.raises(TypeError, match="result"):
        write_recovery(res.to_dict(), "unused")


# ----------------------------------------------------------------------------- full size


@pytest.mark.slow
def test_coupling_recovery_full_size_acceptance(tmp_path):
    """12 nodes, 2000 samples, NUTS 4 x 500/500, FEP on the 24,000-state stream (about 1.5 - 2 min on 2 cores)."""
    truth = fepnet.Network.random(jax.random.key(1), 12, coupling_scale=0.3, symmetric=True)
    res = recover_couplings(jax.random.key(0), truth)
    m = res.metrics
    assert m["r_posterior_truth"] >= 0.95
    assert 0.80 <= m["coverage"] <= 0.98
    assert m["r_fep_posterior"] >= 0.9
    assert res.passed
    assert m["max_rhat"] < 1.05 and m["divergences"] == 0
    assert 1.0 < m["fep_slope_posterior"] < 1.25
    assert res.control["r_posterior_truth"] > 0.9 and res.control["r_fep_posterior"] < 0.5
    d = write_recovery(res, tmp_path)
    assert d["passed"] is True
