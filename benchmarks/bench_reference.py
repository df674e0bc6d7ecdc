"""Effective samples per second: fepnet's exact sequential Gibbs sampler against NUTS (NumPyro).

The posterior: the 64-node balanced digits network of the paper's Simulation 2 (seed 0, the
paper's training protocol), symmetrised (its Boltzmann density is that of Js
anyway, and the sequential Gibbs sampler is exact for symmetric couplings),
given a noisy digit as evidence (the paper's retrieval cue: 0.1 x 11 x the
training "0" plus Gaussian noise of the same standard deviation), at iT = 1.

Fair terms, as the issue states them: 4 chains each, 10,000 kept draws per
chain; NUTS after 1,000 warm-up steps (NumPyro defaults otherwise), Gibbs after
1,000 burn-in sweeps (one draw = one sweep over the 64 nodes); wall time
includes warm-up / burn-in and excludes compilation (each sampler runs once
untimed, then ``--repeats`` timed runs with fresh keys; the fastest counts).
ESS is ArviZ's bulk ESS per node; the figure of merit is its minimum over the
64 nodes divided by the wall time.

Both samplers get the same hardware: the script exposes two XLA host devices
per core (before JAX starts; XLA runs each device on one thread, so this is
how a computation uses several cores) and tries NUTS with
``chain_method="vectorized"`` (one device) and ``"parallel"`` (one chain per
device), and the Gibbs chains (``jax.vmap``) on one device and with their
chain axis sharded over 2 and 4 devices; each side's best configuration
counts, and every configuration is printed.

Usage::

    python benchmarks/bench_reference.py                  # about 1-2 minutes on 2 cores
    python benchmarks/bench_reference.py --quick          # smoke test (fewer draws)
    python benchmarks/bench_reference.py --json out.json  # nuts_wall_s, nuts_ess_per_s, gibbs_ess_per_s, ess_per_s_ratio
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={2 * _CPUS}"
    ).strip()

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # ArviZ's notice about its 1.x refactor
    import arviz as az

import fepnet
from fepnet.data import load_digits
from fepnet.paper import NETWORKS, SIM2
from inference import run_nuts


def posterior(seed: int = 0):
    """(symmetrised balanced network, noisy-digit evidence (64,))."""
    digits = load_digits()
    level, it = NETWORKS["balanced"]
    net = fepnet.train(jax.random.key(seed), digits.train, inverse_temperature=it, evidence_level=level,
                       **SIM2).network
    cues = fepnet.noisy_cues(jax.random.key(1000 + seed), level * digits.train[:1], 1)
    return net.symmetrized(), cues.noisy[0]


def min_bulk_ess(samples) -> float:
    """Minimum over nodes of ArviZ's bulk ESS; samples (chains, draws, N)."""
    ess = az.ess(az.convert_to_dataset({"sigma": np.asarray(samples, np.float64)}), method="bulk")
    return float(ess["sigma"].values.min())


def time_nuts(net, evidence, chains, draws, warmup, repeats, chain_method):
    first = run_nuts(jax.random.key(0), net, evidence, 1.0, n_chains=chains, n_warmup=warmup,
                     n_samples=draws, chain_method=chain_method)  # compiles
    best = None
    for r in range(repeats):
        t0 = time.perf_counter()
        res = first.rerun(jax.random.key(r + 1))
        res.samples.block_until_ready()
        wall = time.perf_counter() - t0
        if best is None or wall < best[0]:
            best = (wall, res.samples)
    wall, samples = best
    steps = np.asarray(res.mcmc.get_extra_fields()["num_steps"]).mean()
    return dict(wall_s=wall, min_ess=min_bulk_ess(samples), mean_leapfrog_steps=float(steps), samples=samples)


def time_gibbs(net, evidence, chains, draws, burn_in, repeats, n_devices):
    kernel = fepnet.build_kernel("sequential")
    prm = fepnet.kernel_params(net, 1.0, evidence)
    state = fepnet.init_state(net)

    @jax.jit
    def sample(keys):
        def chain(key):
            return fepnet.run(kernel, key, state, prm, burn_in + draws, trace=True)[1][burn_in:]

        return jax.vmap(chain)(keys)

    sharding = NamedSharding(Mesh(np.array(jax.devices()[:n_devices]), ("chain",)), PartitionSpec("chain"))

    def keys(seed):  # the chain axis, and so the whole computation, split over n_devices
        return jax.device_put(jax.random.split(jax.random.key(seed), chains), sharding)

    sample(keys(0)).block_until_ready()  # compiles
    best = None
    for r in range(repeats):
        k = keys(r + 1)
        t0 = time.perf_counter()
        out = sample(k).block_until_ready()
        wall = time.perf_counter() - t0
        if best is None or wall < best[0]:
            best = (wall, out)
    wall, samples = best
    return dict(wall_s=wall, min_ess=min_bulk_ess(samples), samples=samples)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer draws and one repeat (smoke test)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per configuration (fastest counts)")
    parser.add_argument("--json", metavar="PATH", help="write the headline numbers as JSON")
    args = parser.parse_args(argv)
    chains, draws, warmup = 4, 10_000, 1_000
    repeats = args.repeats
    if args.quick:
        draws, warmup, repeats = 1_000, 200, 1

    net, evidence = posterior()
    devices = len(jax.devices())
    print(f"posterior: N = {net.size}, iT = 1, noisy digit evidence; {chains} chains x {draws} draws, "
          f"{warmup} warm-up / burn-in; {devices} XLA host devices on {_CPUS} cores")

    nuts = {}
    for method in ("vectorized", "parallel") if devices >= chains else ("vectorized",):
        nuts[method] = time_nuts(net, evidence, chains, draws, warmup, repeats, method)
    gibbs = {}
    for n_devices in sorted({d for d in (1, 2, chains) if d <= devices and chains % d == 0}):
        name = f"{n_devices} device{'s' if n_devices > 1 else ''}"
        gibbs[name] = time_gibbs(net, evidence, chains, draws, warmup, repeats, n_devices)

    rows = [(f"NUTS ({k})", r) for k, r in nuts.items()] + [(f"Gibbs ({k})", r) for k, r in gibbs.items()]
    print(f"{'sampler':24s} {'wall s':>8s} {'min bulk ESS':>13s} {'ESS/s':>10s}")
    for name, r in rows:
        r["ess_per_s"] = r["min_ess"] / r["wall_s"]
        print(f"{name:24s} {r['wall_s']:8.2f} {r['min_ess']:13.0f} {r['ess_per_s']:10.0f}")
    best_nuts_name, best_nuts = max(nuts.items(), key=lambda kv: kv[1]["ess_per_s"])
    best_gibbs_name, best_gibbs = max(gibbs.items(), key=lambda kv: kv[1]["ess_per_s"])
    ratio = best_gibbs["ess_per_s"] / best_nuts["ess_per_s"]
    # the two samplers target the same posterior: their means agree within Monte-Carlo error
    diff = np.abs(np.asarray(best_nuts["samples"]).mean((0, 1)) - np.asarray(best_gibbs["samples"]).mean((0, 1)))
    print(f"NUTS mean leapfrog steps per draw: {best_nuts['mean_leapfrog_steps']:.1f}; "
          f"max |mean difference| over nodes, NUTS vs Gibbs: {diff.max():.4f}")
    print(f"ess_per_s_ratio (best Gibbs, {best_gibbs_name} / best NUTS, {best_nuts_name}): {ratio:.1f}")
    result = dict(
        nuts_wall_s=best_nuts["wall_s"],
        nuts_ess_per_s=best_nuts["ess_per_s"],
        gibbs_ess_per_s=best_gibbs["ess_per_s"],
        ess_per_s_ratio=ratio,
        nuts_chain_method=best_nuts_name,
        gibbs_wall_s=best_gibbs["wall_s"],
        gibbs_configuration=best_gibbs_name,
        all={name: {k: r[k] for k in ("wall_s", "min_ess", "ess_per_s")} for name, r in rows},
        chains=chains,
        draws=draws,
        warmup=warmup,
        quick=bool(args.quick),
        jax=jax.__version__,
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return result


if __name__ == "__main__":
    main()
