"""``fepnet validate``: does the network's own stochastic dynamics sample the posterior it is said to?

For one network and a noisy digit as evidence, every chosen schedule of
fepnet's sampler runs ``chains`` chains; NUTS samples the Boltzmann posterior
p(sigma | s) ∝ exp(iT ((b + s)·sigma + 1/2 sigma^T Js sigma)) and, for the
synchronous schedule, also its closed-form stationary density pi_sync
(SPEC §3). :func:`diagnostics.compare` judges each pair; simulation-based
calibration checks the exact Gibbs sampler on a small network; the results go
to ``DIR/validation.json`` (one object per schedule), ``DIR/details.json``
(everything measured), figures and a one-page ``DIR/report.md`` /
``report.html``.

Networks (64 nodes, the 8 x 8 digit grid):

    digits-balanced  the paper's balanced network (Simulation 2: evidence 11,
                     iT 0.1668, 5000 random epochs), symmetrised by default;
                     evidence: the paper's noisy cue of the training "0"
    sequence         Simulation 3 (digits 1, 2, 3 in fixed order; strongly
                     asymmetric J, kept as trained); evidence: a noisy "1"
    random           a sparse random symmetric network (G(64, 0.1), weights
                     N(0, 0.5^2)); evidence: the noisy "0"
"""

from __future__ import annotations

import dataclasses
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

import fepnet
from fepnet.infra import checks as v
from fepnet.infra.progress import progress_bar
from fepnet.data import load_digits
from fepnet.figures import save_figure
from fepnet.paper.protocols import NETWORKS, SIM2, SIM3
from inference import run_nuts, run_tempering

from .compare import Comparison, SamplerSummary, compare, summarize
from .convert import from_chains, from_nuts
from .network_plots import plot_coupling_graph, plot_coupling_parts
from .plots import plot_correlations, plot_marginals, plot_moments, plot_trace_rank, worst_nodes
from fepnet.infra.report import Report
from .sbc import plot_rank_histograms, simulation_based_calibration
from fepnet.infra.files import write_json as _write_json

__all__ = ["NETWORK_NAMES", "ValidationNetwork", "validation_network", "sample_schedule", "sample_reference",
           "validate", "format_validation"]

NETWORK_NAMES = ("digits-balanced", "sequence", "random")
EXACT_SCHEDULES = ("sequential", "random-scan", "chromatic")  # exact Gibbs samplers for symmetric J
SBC_NETWORK = dict(n=8, coupling_scale=0.5, bias_scale=0.3, seed=0)  # the small network SBC calibrates on
CUE_SCALE = 0.1  # the paper's retrieval cue: 0.1 x level x digit + N(0, its sd)


@dataclasses.dataclass(frozen=True)
class ValidationNetwork:
    """A network to validate, the evidence it is cued with, and how both were made."""

    name: str
    network: fepnet.Network
    evidence: np.ndarray
    inverse_temperature: float
    description: str
    patterns: np.ndarray | None = None  # (K, N) training patterns, to read posterior means against
    pattern_labels: tuple = ()
    grid_shape: tuple | None = (8, 8)


def _cue(key, pattern, level):
    return np.asarray(fepnet.noisy_cues(key, level * jnp.asarray(pattern)[None], 1, scale=CUE_SCALE).noisy[0])


def validation_network(name: str, key, *, network: fepnet.Network | None = None, symmetrize: bool | None = None,
                       progress: bool = False) -> ValidationNetwork:
    """The named network of :data:`NETWORK_NAMES` (trained or drawn from ``key``) and its noisy-digit evidence.

    ``network``: use this already trained 64-node network instead (e.g. the
    one ``fepnet demo`` trained) and only cue it. ``symmetrize``: replace J by
    Js (default: yes for "digits-balanced" and "random", no for "sequence").
    """
    if name not in NETWORK_NAMES:
        raise ValueError(f"network must be one of {NETWORK_NAMES}, got {name!r}")
    key = v.prng_key(key)
    k_net, k_cue = jax.random.split(key)
    if network is not None:
        if not isinstance(network, fepnet.Network) or network.size != 64:
            raise ValueError(f"network must be a 64-node fepnet.Network (the digit grid), got {network!r}")
    digits = load_digits()
    if name == "digits-balanced":
        level, it = NETWORKS["balanced"]
        net = network if network is not None else fepnet.train(
            k_net, digits.train, inverse_temperature=it, evidence_level=level, order="random", progress=progress,
            **SIM2).network
        desc = (f"the paper's balanced digits network (Simulation 2: evidence level {level:g}, iT {it:g}, "
                f"{SIM2['n_epochs']} random epochs of {SIM2['steps_per_epoch']} steps)")
        patterns, labels, cue_of, sym_default = digits.train, tuple(str(d) for d in digits.train_labels), 0, True
    elif name == "sequence":
        level = SIM3["evidence_level"]
        patterns = digits.train[jnp.asarray(SIM3["digits"])]
        net = network if network is not None else fepnet.train(
            k_net, patterns, n_epochs=SIM3["n_epochs"], steps_per_epoch=SIM3["steps_per_epoch"],
            inverse_temperature=SIM3["inverse_temperature"], learning_rate=SIM3["learning_rate"],
            evidence_level=level, order="fixed", progress=progress).network
        desc = (f"the paper's sequence network (Simulation 3: digits 1, 2, 3 in fixed order, evidence level {level:g}, "
                f"{SIM3['n_epochs']} epochs of one step)")
        labels, cue_of, sym_default = tuple(str(d) for d in SIM3["digits"]), 0, False
    else:
        level = NETWORKS["balanced"][0]
        net = network if network is not None else fepnet.Network.random(
            k_net, 64, coupling_scale=0.5, density=0.1, symmetric=True)
        desc = "a sparse random symmetric network (G(64, 0.1) graph, weights N(0, 0.5^2), zero biases)"
        patterns, labels, cue_of, sym_default = digits.train, tuple(str(d) for d in digits.train_labels), 0, True
    symmetrize = sym_default if symmetrize is None else bool(symmetrize)
    if symmetrize and float(net.asymmetry()) > 0:
        net = net.symmetrized()
        desc += ", symmetrised (J -> Js)"
    evidence = _cue(k_cue, patterns[cue_of], level)
    desc += f"; evidence: noisy cue 0.1 x {level:g} x digit '{labels[cue_of]}' + Gaussian noise (SNR 1)"
    return ValidationNetwork(name, net, evidence, 1.0, desc, np.asarray(patterns), labels)


def loaded_network(path, key, *, symmetrize: bool = False) -> ValidationNetwork:
    """A saved network (``Network.save``): cued with the noisy digit '0' when it has 64 nodes, else no evidence."""
    net = fepnet.Network.load(path)
    desc = f"network loaded from {os.fspath(path)}"
    if symmetrize:
        net = net.symmetrized()
        desc += ", symmetrised (J -> Js)"
    if net.size == 64:
        digits = load_digits()
        level = NETWORKS["balanced"][0]
        evidence = _cue(v.prng_key(key), digits.train[0], level)
        desc += f"; evidence: noisy cue 0.1 x {level:g} x digit '0' (SNR 1)"
        return ValidationNetwork("loaded", net, evidence, 1.0, desc, np.asarray(digits.train),
                                 tuple(str(d) for d in digits.train_labels))
    return ValidationNetwork("loaded", net, np.zeros(net.size), 1.0, desc + "; no evidence", None, (), None)


# --- sampling ---------------------------------------------------------------------------------------


def sample_schedule(key, network: fepnet.Network, evidence, inverse_temperature, schedule: str, *,
                    chains: int = 4, draws: int = 10_000, burn_in: int = 1_000):
    """``chains`` chains of fepnet's stochastic ``schedule`` from sigma = 0: (samples (chains, draws, N), wall_s).

    One draw per step (a sweep, for single-site schedules), after ``burn_in``
    steps. The chains run as one ``jax.vmap``; ``wall_s`` is the second,
    compiled run (compilation excluded).
    """
    kernel = fepnet.build_kernel(schedule, network=network if schedule == "chromatic" else None)
    prm = fepnet.kernel_params(network, inverse_temperature, evidence)
    state = fepnet.init_state(network)

    @jax.jit
    def sample(keys):
        return jax.vmap(lambda k: fepnet.run(kernel, k, state, prm, burn_in + draws, trace=True)[1][burn_in:])(keys)

    keys = jax.random.split(v.prng_key(key), chains)
    sample(keys).block_until_ready()  # compile
    t0 = time.perf_counter()
    out = sample(keys).block_until_ready()
    return np.asarray(out, np.float64), time.perf_counter() - t0


def sample_reference(key, network: fepnet.Network, evidence, inverse_temperature, model: str = "boltzmann", *,
                     chains: int = 4, draws: int = 10_000, warmup: int = 1_000):
    """NUTS on ``model`` ("boltzmann" or "synchronous", i.e. pi_sync): (InferenceData, wall_s).

    The first run compiles; the timed second run (new key, same compiled code,
    warm-up included) is the one returned.
    """
    k1, k2 = jax.random.split(v.prng_key(key))
    first = run_nuts(k1, network, evidence, inverse_temperature, model=model, n_chains=chains,
                     n_warmup=warmup, n_samples=draws)
    t0 = time.perf_counter()
    result = first.rerun(k2)
    result.samples.block_until_ready()
    wall = time.perf_counter() - t0
    return from_nuts(result, wall_s=wall), wall


def sample_tempering(key, network: fepnet.Network, evidence, inverse_temperature, *, chains: int = 4,
                     draws: int = 10_000, burn_in: int = 1_000):
    """Parallel tempering (:func:`inference.run_tempering`) on the Boltzmann posterior: (InferenceData, wall_s).

    The reference when NUTS chains stay in different modes. Timed after a
    compiling run of the same shape.
    """
    k1, k2 = jax.random.split(v.prng_key(key))
    run_tempering(k1, network, evidence, inverse_temperature, n_chains=chains, n_samples=draws, burn_in=burn_in)
    t0 = time.perf_counter()
    result = run_tempering(k2, network, evidence, inverse_temperature, n_chains=chains, n_samples=draws,
                           burn_in=burn_in)
    wall = time.perf_counter() - t0
    idata = from_chains(result.samples, network=network, evidence=evidence, inverse_temperature=inverse_temperature,
                        wall_s=wall, sampler="parallel tempering")
    idata.posterior.attrs["swap_rate_min"] = float(result.swap_rate.min())
    return idata, wall


# --- the run ----------------------------------------------------------------------------------------


def _entry(c: Comparison, reference: str, nuts: SamplerSummary) -> dict:
    d = c.to_dict()
    return {
        "reference": reference,
        "reference_sampler": c.reference.name,
        "max_abs_z": d["max_abs_z"],
        "var_ratio_range": d["var_ratio_range"],
        "energy_distance_p": d["energy_distance_p"],
        "ess_per_s": d["ess_per_s"],
        "nuts_ess_per_s": nuts.ess_per_s,
        "nuts_converged": nuts.converged,
        "verdict": d["verdict"],
        "converged": d["converged"],
        "max_abs_second_moment_z": d["max_abs_second_moment_z"],
        "max_abs_correlation_difference": d["max_abs_correlation_difference"],
        "correlation_distance": d["correlation_distance"],
        "energy_difference_in_sd": d["energy_difference_in_sd"],
        "max_abs_mean_difference": d["max_abs_mean_difference"],
        "passed": d["passed"],
    }


def _which(vs_boltzmann: Comparison, vs_sync: Comparison) -> str:
    b, s = vs_boltzmann.verdict == "consistent", vs_sync.verdict == "consistent"
    return {(False, True): "pi_sync", (True, False): "boltzmann", (True, True): "indistinguishable"}.get((b, s), "neither")


def _check_schedules(schedules) -> tuple:
    if isinstance(schedules, str):
        schedules = (schedules,)
    schedules = tuple(schedules)
    bad = [s for s in schedules if s not in fepnet.SCHEDULES]
    if not schedules or bad:
        raise ValueError(f"schedules must be a non-empty selection of {fepnet.SCHEDULES}, got {schedules!r}")
    return tuple(s for s in fepnet.SCHEDULES if s in schedules)  # canonical order, no repeats


def validate(
    network="digits-balanced",
    schedules=fepnet.SCHEDULES,
    out="fepnet-validate",
    *,
    seed: int = 0,
    symmetrize: bool | None = None,
    chains: int = 4,
    draws: int = 10_000,
    burn_in: int = 1_000,
    nuts_draws: int | None = None,
    nuts_warmup: int = 1_000,
    sbc_replications: int = 200,
    figures: bool = True,
    progress: bool = True,
) -> dict:
    """Run the validation and write ``out``; returns the content of ``validation.json``.

    ``network``: a name of :data:`NETWORK_NAMES`, a path to a saved network, or
    a :class:`ValidationNetwork`. ``draws`` per chain for fepnet's schedules
    and (unless ``nuts_draws``) for NUTS. ``sbc_replications=0`` skips SBC.
    """
    seed = v.count(seed, "seed")
    schedules = _check_schedules(schedules)
    chains = v.count(chains, "chains", minimum=2)
    draws = v.count(draws, "draws", minimum=100)
    burn_in = v.count(burn_in, "burn_in")
    nuts_draws = draws if nuts_draws is None else v.count(nuts_draws, "nuts_draws", minimum=100)
    nuts_warmup = v.count(nuts_warmup, "nuts_warmup", minimum=1)
    sbc_replications = v.count(sbc_replications, "sbc_replications")
    out = os.fspath(out)
    os.makedirs(out, exist_ok=True)
    t_start = time.perf_counter()
    keys = jax.random.split(jax.random.key(seed), 8)

    stages = (1 + len(schedules) + 1 + ("synchronous" in schedules) + 1 + (sbc_replications > 0)
              + (1 if figures else 0) + 1)
    with progress_bar(stages, "validate", unit="stage", enable=progress) as bar:

        def stage(text):
            bar.set_postfix_str(text, refresh=True)

        def done():
            bar.update(1)

        stage("network")
        if isinstance(network, ValidationNetwork):
            vn = network
        elif isinstance(network, str) and network in NETWORK_NAMES:
            vn = validation_network(network, keys[0], symmetrize=symmetrize, progress=False)
        elif isinstance(network, (str, os.PathLike)) and os.path.exists(network):
            vn = loaded_network(network, keys[0], symmetrize=bool(symmetrize))
        else:
            raise ValueError(f"network must be one of {NETWORK_NAMES}, a saved network's path or a "
                             f"ValidationNetwork, got {network!r}")
        net, ev, it = vn.network, vn.evidence, vn.inverse_temperature
        done()

        runs = {}
        for k, schedule in enumerate(schedules):
            stage(f"sampling ({schedule})")
            x, wall = sample_schedule(jax.random.fold_in(keys[1], k), net, ev, it, schedule,
                                      chains=chains, draws=draws, burn_in=burn_in)
            runs[schedule] = from_chains(x, network=net, evidence=ev, inverse_temperature=it, schedule=schedule,
                                         wall_s=wall)
            done()
        stage("NUTS (Boltzmann)")
        nuts = {"boltzmann": sample_reference(keys[2], net, ev, it, "boltzmann", chains=chains,
                                              draws=nuts_draws, warmup=nuts_warmup)[0]}
        done()
        if "synchronous" in schedules:
            stage("NUTS (pi_sync)")
            nuts["pi_sync"] = sample_reference(keys[3], net, ev, it, "synchronous", chains=chains,
                                               draws=nuts_draws, warmup=nuts_warmup)[0]
            done()
        nuts_summary = {name: summarize(data, f"NUTS ({name})") for name, data in nuts.items()}
        refs, ref_summary = dict(nuts), dict(nuts_summary)
        labels = {"boltzmann": "NUTS (Boltzmann)", "pi_sync": "NUTS (pi_sync)"}
        if not nuts_summary["boltzmann"].converged:
            # NUTS stuck in separate modes of a multimodal posterior: use replica exchange instead
            bar.total += 1
            stage("parallel tempering (Boltzmann)")
            refs["boltzmann"], _ = sample_tempering(keys[6], net, ev, it, chains=chains, draws=nuts_draws,
                                                    burn_in=burn_in)
            ref_summary["boltzmann"] = summarize(refs["boltzmann"], "PT (Boltzmann)")
            labels["boltzmann"] = "PT (Boltzmann)"
            done()

        stage("comparing")
        comparisons = {}
        for schedule, data in runs.items():
            for name in ("boltzmann", "pi_sync") if schedule == "synchronous" else ("boltzmann",):
                comparisons[(schedule, name)] = compare(
                    data, refs[name], key=keys[4], network=net, evidence=ev, reference_summary=ref_summary[name],
                    names=(schedule, labels[name]))
        done()

        sbc = sbc_wrong = None
        if sbc_replications:
            stage("SBC")
            sbc_net = fepnet.Network.random(jax.random.key(SBC_NETWORK["seed"]), SBC_NETWORK["n"],
                                            coupling_scale=SBC_NETWORK["coupling_scale"],
                                            bias_scale=SBC_NETWORK["bias_scale"])
            sbc = simulation_based_calibration(keys[5], sbc_net, n_replications=sbc_replications)
            sbc_wrong = simulation_based_calibration(keys[5], sbc_net, n_replications=sbc_replications,
                                                     sampler_inverse_temperature=2.0)
            done()

        result = {}
        for schedule in runs:
            entry = _entry(comparisons[(schedule, "boltzmann")], "boltzmann", nuts_summary["boltzmann"])
            if schedule == "synchronous":
                entry["pi_sync"] = _entry(comparisons[(schedule, "pi_sync")], "pi_sync", nuts_summary["pi_sync"])
                entry["samples"] = _which(comparisons[(schedule, "boltzmann")], comparisons[(schedule, "pi_sync")])
            result[schedule] = entry

        files = ["validation.json", "details.json", "report.md", "report.html"]
        if figures:
            stage("figures")
            files += _figures(out, vn, runs, refs, labels, comparisons, sbc, sbc_wrong)
            done()
        stage("report")
        details = _details(vn, result, comparisons, nuts, nuts_summary, labels, sbc, sbc_wrong, schedules,
                           dict(seed=seed, chains=chains, draws=draws, burn_in=burn_in, nuts_draws=nuts_draws,
                                nuts_warmup=nuts_warmup, sbc_replications=sbc_replications),
                           time.perf_counter() - t_start, files)
        _write_json(os.path.join(out, "validation.json"), result)
        _write_json(os.path.join(out, "details.json"), details)
        _report(vn, details, comparisons, files).write(out)
        done()
    return result



def _pattern_r(mean, patterns) -> list:
    """Pearson r of a posterior mean (N,) with each pattern (K, N)."""
    return [float(np.corrcoef(mean, p)[0, 1]) for p in patterns]


def _details(vn, result, comparisons, nuts, nuts_summary, labels, sbc, sbc_wrong, schedules, settings, wall, files):
    net = vn.network
    ref = nuts_summary["boltzmann"]
    exact = [s for s in schedules if s in EXACT_SCHEDULES]
    best = max(exact, key=lambda s: result[s]["ess_per_s"] or 0.0) if exact else None
    d = {
        "network": {
            "name": vn.name, "description": vn.description, "n_nodes": int(net.size),
            "asymmetry": float(net.asymmetry()), "inverse_temperature": vn.inverse_temperature,
            "evidence_norm": float(np.linalg.norm(vn.evidence)),
        },
        "settings": settings,
        "nuts": {name: {"ess_bulk_min": sm.ess_bulk_min, "ess_tail_min": sm.ess_tail_min, "rhat_max": sm.rhat_max,
                        "converged": sm.converged, "wall_s": sm.wall_s, "ess_per_s": sm.ess_per_s,
                        "divergences": int(np.asarray(nuts[name].sample_stats["diverging"].values).sum())}
                 for name, sm in nuts_summary.items()},
        "references": labels,
        "comparisons": {f"{s} vs {name}": c.to_dict() for (s, name), c in comparisons.items()},
        "posterior_mean_vs_patterns": None,
        "gibbs_vs_nuts": None if best is None else {
            "schedule": best, "gibbs_ess_per_s": result[best]["ess_per_s"], "nuts_ess_per_s": ref.ess_per_s,
            "ratio": (result[best]["ess_per_s"] or 0.0) / ref.ess_per_s if ref.ess_per_s and ref.converged else None,
            "devices": len(jax.devices()),
        },
        "sbc": None,
        "wall_s": round(wall, 2),
        "files": files,
    }
    if vn.patterns is not None:
        first = comparisons[(schedules[0], "boltzmann")]
        rows = {labels["boltzmann"]: _pattern_r(first.reference_mean, vn.patterns)}
        if "pi_sync" in nuts:
            rows["NUTS (pi_sync)"] = _pattern_r(comparisons[("synchronous", "pi_sync")].reference_mean, vn.patterns)
        rows.update({s: _pattern_r(comparisons[(s, "boltzmann")].mean, vn.patterns) for s in schedules})
        d["posterior_mean_vs_patterns"] = {"labels": list(vn.pattern_labels), "pearson_r": rows}
    if sbc is not None:
        d["sbc"] = {
            "network": SBC_NETWORK, "replications": int(sbc.ranks.shape[0]), "n_draws": int(sbc.n_draws),
            "exact_p": float(sbc.p_value), "doubled_it_p": float(sbc_wrong.p_value),
            "exact_node_p": [float(p) for p in sbc.p_values],
        }
    return d


# --- figures and report -----------------------------------------------------------------------------


def _figures(out, vn, runs, refs, labels, comparisons, sbc, sbc_wrong) -> list[str]:
    """Write the report's figures into ``out``; returns their file names."""
    from fepnet.figures import plot_state_images

    net, ev = vn.network, vn.evidence
    written = []

    def save(fig, name):
        save_figure(fig, os.path.join(out, name))
        written.append(name)

    first = next(iter(runs))
    ref_mean = comparisons[(first, "boltzmann")].reference_mean
    save(plot_coupling_parts(net, title=f"Couplings of the {vn.name} network"), "couplings.png")
    grid = dict(layout="grid", grid_shape=vn.grid_shape) if vn.grid_shape else {}
    save(plot_coupling_graph(net, node_values=ref_mean, node_label=f"posterior mean, {labels['boltzmann']}", **grid),
         "coupling_graph.png")
    if vn.grid_shape:
        states = [ev / max(np.abs(ev).max(), 1e-12), ref_mean] + [comparisons[(s, "boltzmann")].mean for s in runs]
        titles = ["evidence (scaled)", labels["boltzmann"]] + list(runs)
        if "pi_sync" in refs:
            states.insert(2, comparisons[("synchronous", "pi_sync")].reference_mean)
            titles.insert(2, "NUTS (pi_sync)")
        save(plot_state_images(np.asarray(states), vn.grid_shape, titles=titles,
                               suptitle="Evidence and posterior means"), "posterior_means.png")
    for (schedule, ref), c in comparisons.items():
        tag = schedule if ref == "boltzmann" else f"{schedule}_pi_sync"
        save(plot_moments(c), f"moments_{tag}.png")
        if ref == "boltzmann":
            ex = np.asarray(runs[schedule].sample_stats["network_energy"].values)
            ey = np.asarray(refs["boltzmann"].sample_stats["network_energy"].values)
            save(plot_marginals(runs[schedule], refs["boltzmann"], nodes=worst_nodes(c, 7),
                                names=(schedule, labels["boltzmann"]),
                                energies=(ex, ey)), f"marginals_{tag}.png")
    if "synchronous" in runs:
        save(plot_correlations(comparisons[("synchronous", "boltzmann")]), "correlations_synchronous.png")
    shown = next((s for s in EXACT_SCHEDULES if s in runs), first)  # an exact sampler's traces, if there is one
    nodes = worst_nodes(comparisons[(shown, "boltzmann")], 4)
    save(plot_trace_rank(runs[shown], nodes=nodes, title=f"fepnet, {shown} schedule"), f"trace_{shown}.png")
    save(plot_trace_rank(refs["boltzmann"], nodes=nodes, title=labels["boltzmann"]), "trace_reference.png")
    if sbc is not None:
        save(plot_rank_histograms(sbc), "sbc_ranks.png")
        save(plot_rank_histograms(sbc_wrong), "sbc_ranks_doubled_it.png")
    return written


def _p(p: float) -> str:
    """A p-value for reading: 3 significant digits, '< 1e-16' below double precision's resolution."""
    return "< 1e-16" if p < 1e-16 else f"{p:.3g}"


def _fmt(x, spec=".2f"):
    return "–" if x is None else format(x, spec)


def _report(vn, details, comparisons, files) -> Report:
    net = details["network"]
    st = details["settings"]
    r = Report(f"fepnet validation: {vn.name} network")
    r.text(f"**Network.** {vn.description}. N = {net['n_nodes']}, asymmetry ||J − Jᵀ|| / ||J|| = "
           f"{net['asymmetry']:.3f}, iT = {net['inverse_temperature']:g}.")
    r.text(f"**Sampling.** Each fepnet schedule: {st['chains']} chains × {st['draws']} draws (one draw per step) "
           f"after {st['burn_in']} burn-in steps, from sigma = 0. NUTS (NumPyro): {st['chains']} chains × "
           f"{st['nuts_draws']} draws after {st['nuts_warmup']} warm-up steps, on the Boltzmann posterior "
           f"p(σ | s) ∝ exp(iT((b + s)·σ + ½ σᵀJsσ)) and, for the synchronous schedule, on its stationary density "
           f"π_sync (SPEC §3). Total time {details['wall_s']:.0f} s.")
    nb = details["nuts"]["boltzmann"]
    if not nb["converged"]:
        r.text(f"**NUTS did not converge on the Boltzmann posterior** (R-hat {nb['rhat_max']:.2f}, smallest bulk ESS "
               f"{nb['ess_bulk_min']:.0f}: its chains stayed in different modes of a multimodal posterior). The "
               f"Boltzmann reference is therefore parallel tempering (`inference.run_tempering`: replica exchange "
               f"over 16 temperatures with exact Gibbs sweeps, {st['chains']} chains × {st['nuts_draws']} draws), "
               f"which mixes between the modes; NUTS's ESS/s is still reported.")
    r.heading("Verdicts")
    rows = []
    for (schedule, ref), c in comparisons.items():
        d = c.to_dict()
        rows.append([schedule, c.reference.name, _fmt(d["max_abs_z"]),
                     f"{d['var_ratio_range'][0]:.2f} – {d['var_ratio_range'][1]:.2f}",
                     f"{d['max_abs_correlation_difference']:.3f}", _fmt(d["energy_difference_in_sd"]),
                     f"{d['energy_distance_p']:.3g}", _fmt(d["ess_per_s"], ",.0f"),
                     _fmt(details["nuts"][ref]["ess_per_s"], ",.0f"),
                     f"**{d['verdict']}**" + ("" if d["converged"] else " (not converged)")])
    r.table(["schedule", "reference", "max |z| means", "var ratio", "max |Δ corr|", "Δ energy (sd)",
             "energy-dist. p", "ESS/s", "NUTS ESS/s", "verdict"], rows)
    c0 = next(iter(comparisons.values()))
    r.text(f"z: difference of posterior means over the combined Monte-Carlo standard error (consistent needs "
           f"max |z| < {c0.z_threshold:g}); all second moments (variances and covariances) are tested the same way "
           f"against a Bonferroni bound; Δ energy: difference of the mean network energy in units of the reference's "
           f"sd; energy distance: permutation test on draws thinned to about one per effective sample "
           f"(consistent needs p > {c0.alpha:g}). ESS/s: smallest bulk ESS over the nodes per second of sampling "
           f"(compilation excluded, {details['gibbs_vs_nuts']['devices'] if details['gibbs_vs_nuts'] else 1} "
           f"device(s)).")
    if ("synchronous", "pi_sync") in comparisons:
        b, s = comparisons[("synchronous", "boltzmann")], comparisons[("synchronous", "pi_sync")]
        which = _which(b, s)
        sentence = {
            "pi_sync": "The synchronous schedule (the paper's own) samples **π_sync, not the Boltzmann posterior**",
            "boltzmann": "The synchronous schedule is consistent with the Boltzmann posterior and not with π_sync",
            "indistinguishable": "At this network and sample size the synchronous schedule is consistent with both "
                                 "the Boltzmann posterior and π_sync (the two are too close to tell apart)",
            "neither": "The synchronous schedule is consistent with neither the Boltzmann posterior nor π_sync",
        }[which]
        bd = b.to_dict()
        r.heading("What the synchronous schedule samples")
        r.text(f"{sentence}: against π_sync max |z| = {s.max_abs_z:.2f} and energy-distance p = "
               f"{s.energy_distance.p_value:.3g}; against the Boltzmann posterior max |z| = {b.max_abs_z:.2f}, "
               f"p = {b.energy_distance.p_value:.3g}. Size of its bias relative to the Boltzmann posterior: "
               f"largest mean difference {bd['max_abs_mean_difference']:.3f}, variance ratios "
               f"{bd['var_ratio_range'][0]:.2f} – {bd['var_ratio_range'][1]:.2f}, largest correlation difference "
               f"{bd['max_abs_correlation_difference']:.3f} (correlation-matrix distance "
               f"{bd['correlation_distance']:.4f}), mean network energy shifted by "
               f"{_fmt(bd['energy_difference_in_sd'])} sd.")
    g = details["gibbs_vs_nuts"]
    if g and not nb["converged"]:
        r.heading("Speed: exact Gibbs against NUTS")
        r.text("Not measured here: NUTS did not converge on this posterior, so its ESS per second means nothing.")
    elif g and g["ratio"] is not None:
        r.heading("Speed: exact Gibbs against NUTS")
        r.text(f"Best exact schedule ({g['schedule']}): {g['gibbs_ess_per_s']:,.0f} ESS/s; NUTS: "
               f"{g['nuts_ess_per_s']:,.0f} ESS/s; ratio **{g['ratio']:.1f}×** on {g['devices']} device(s). "
               f"`benchmarks/bench_reference.py` measures the same on equal hardware with several devices and repeats.")
    if net["asymmetry"] > 0.05:
        exact = [(s, c) for (s, ref), c in comparisons.items() if ref == "boltzmann"]
        r.heading("Asymmetric couplings: is the stationary density the Boltzmann density of Js?")
        r.text("The paper claims the antisymmetric part Ja only drives probability currents, leaving the "
               "Boltzmann density of Js stationary. Measured distance of each schedule's stationary distribution "
               "from it: " + "; ".join(
                   f"{s}: max |z| = {c.max_abs_z:.1f}, largest mean difference "
                   f"{np.max(np.abs(c.mean - c.reference_mean)):.3f}, energy shifted by "
                   f"{_fmt(c.to_dict()['energy_difference_in_sd'])} sd, energy-distance p = "
                   f"{c.energy_distance.p_value:.3g} ({c.verdict})" for s, c in exact) + ".")
    pm = details["posterior_mean_vs_patterns"]
    if pm:
        r.heading("Posterior means against the training patterns")
        r.table(["sampler"] + [f"r with '{label}'" for label in pm["labels"]],
                [[name] + [f"{x:.2f}" for x in vals] for name, vals in pm["pearson_r"].items()])
    sbc = details["sbc"]
    if sbc:
        r.heading("Simulation-based calibration of the exact Gibbs sampler")
        r.text(f"{sbc['replications']} replications on a random {sbc['network']['n']}-node network, "
               f"{sbc['n_draws']} posterior draws each; uniformity of the rank histograms (chi-square per node and "
               f"for the energy, Bonferroni-combined): exact sampler p = {_p(sbc['exact_p'])} "
               f"({'calibrated' if sbc['exact_p'] > 0.01 else 'NOT calibrated'}); the same test on a deliberately "
               f"wrong sampler (iT doubled) gives p = {_p(sbc['doubled_it_p'])} "
               f"({'detected' if sbc['doubled_it_p'] < 0.001 else 'not detected'}).")
    captions = {
        "couplings.png": "Couplings J, symmetric part Js and antisymmetric part Ja.",
        "coupling_graph.png": "Coupling graph (strongest couplings), nodes coloured by the reference posterior mean.",
        "posterior_means.png": "The evidence and the posterior mean of every sampler, as 8 × 8 images.",
        "correlations_synchronous.png": "Node correlations: synchronous schedule, Boltzmann posterior (reference) and "
                                        "their difference.",
        "trace_reference.png": "Trace and rank plots of the Boltzmann reference sampler for the same nodes.",
        "sbc_ranks.png": "SBC rank histograms of the exact Gibbs sampler (band: 99 % of a uniform histogram).",
        "sbc_ranks_doubled_it.png": "SBC rank histograms of a deliberately wrong sampler (iT doubled).",
    }
    figs = [f for f in files if f.endswith(".png")]
    if figs:
        r.heading("Figures")
        for f in figs:
            if f.startswith("moments_"):
                cap = f"Means (±2 MCSE), variance ratios and pair correlations: {f[8:-4].replace('_', ' vs ')}."
            elif f.startswith("marginals_"):
                cap = f"Marginals of the nodes with the largest |z| and the network energy: {f[10:-4]} vs the reference."
            elif f.startswith("trace_") and f not in captions:
                cap = f"Trace and rank plots, fepnet {f[6:-4]} schedule (the nodes with the largest |z|)."
            else:
                cap = captions.get(f, f)
            r.figure(f, cap)
    return r


def format_validation(result: dict, out: str | None = None) -> str:
    """A few lines for the terminal: one per schedule (and reference)."""
    lines = [f"{'schedule':13s} {'reference':10s} {'max|z|':>7s} {'var ratio':>13s} {'ED p':>7s} "
             f"{'ESS/s':>9s} {'NUTS ESS/s':>10s}  verdict"]

    def line(name, e):
        lo, hi = e["var_ratio_range"]
        return (f"{name:13s} {e['reference']:10s} {e['max_abs_z']:7.2f} {lo:6.2f}-{hi:<6.2f} "
                f"{e['energy_distance_p']:7.3f} {_fmt(e['ess_per_s'], ',.0f'):>9s} "
                f"{_fmt(e['nuts_ess_per_s'], ',.0f'):>10s}  {e['verdict']}")

    for schedule, e in result.items():
        lines.append(line(schedule, e))
        if "pi_sync" in e:
            lines.append(line("", e["pi_sync"]))
            lines.append(f"{'':13s} -> the synchronous chain samples: {e['samples']}")
    if out:
        lines.append(f"wrote {os.path.join(out, 'validation.json')}, details.json, report.md, report.html and figures")
    return "\n".join(lines)
