"""Learning throughput of one network from N = 100 to N = 50,000, beside a plain JAX loop and the memory bandwidth.

What is measured, in one process, float32, for N = 100, 1000, 4096, 10,000, 20,000 and
50,000 (``--max-n`` stops earlier):

1. fepnet: learning steps per second of the paper's training loop (random-order epochs of 10
   fused synchronous stochastic steps with learning; 20 random +-1 patterns, evidence 2,
   iT 1, alpha 0.001: the paper's runtime protocol, as in ``bench_core.py``), computed as
   :func:`fepnet.train` computes each of its chunks: ``fepnet.training.run_epochs_in_place``,
   the jitted epochs with the state donated, so J is updated in place and each call's
   result is the next call's input. Compile excluded: one untimed call first.
   The same again with ``update="epoch"`` (``fepnet.train(update="epoch")``: the epoch's
   updates added to J once, at its end, :mod:`fepnet.deferred`; other rounding, one read of
   J per step): ``epoch_steps_per_s`` (``--no-epoch`` skips it).
2. plain: the same rule written as a user writes it first (``plain_epoch`` below): one
   jitted function per epoch that resets sigma to 0, ``lax.scan``s the 10 steps
   (h = J sigma, sample, J += alpha (sigma - L(h)) sigma^T, zero diagonal) and returns the
   new J, called from Python epoch after epoch, without donation. It is skipped (null)
   where its compiled memory (arguments + result + temporaries, from XLA's
   ``memory_analysis``) does not fit in the memory available.
3. ratio = fepnet / plain.
4. bandwidth_fraction = (bytes of one read and one write of J per step x steps/s) / copy
   bandwidth, the copy bandwidth being measured here, at each N (``copy_gb_per_s``): the
   best of ten jitted, donated ``J + 1.0`` over that N's J, in place (one read and one write
   per element, run by XLA's parallel elementwise loop like the step's own update of J).
   One read and one write of J is the floor of a learning step. ``epoch_bandwidth_fraction``
   is the same for ``update="epoch"``.
5. peak_rss_mb: the process's peak resident memory during the fepnet run at that N (the
   high-water mark is reset before each N where Linux allows it, /proc/self/clear_refs;
   otherwise it is the process's peak so far, which the largest N dominates).

The paper's figures (its JAX code, a laptop CPU, "10 updates") are printed beside:
N = 100 -> 2455, 1000 -> 1390, 5000 -> 39.1, 10,000 -> 25.5, 20,000 -> 6.69,
50,000 -> 0.167 steps/s.

Usage::

    python benchmarks/bench_scaling.py                   # all N, about 2.5 minutes on 2 cores; 10 GB at N = 50,000
                                                         # (20 GB while the plain loop runs there, if that fits)
    python benchmarks/bench_scaling.py --max-n 10000     # stop at N = 10,000 (under a minute)
    python benchmarks/bench_scaling.py --json out.json   # also write the table (keys below)

JSON keys (lists aligned on ``n``; null where not measured): ``n``, ``fepnet_steps_per_s``,
``plain_steps_per_s``, ``ratio``, ``bandwidth_fraction``, ``peak_rss_mb``, ``copy_gb_per_s``,
then ``epoch_steps_per_s``, ``epoch_ratio``, ``epoch_bandwidth_fraction``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

import fepnet
from fepnet import memory_plan
from fepnet.infra.resources import peak_rss_mb
from fepnet.training import run_epochs_in_place

SIZES = (100, 1000, 4096, 10_000, 20_000, 50_000)
PAPER = {100: 2455, 1000: 1390, 5000: 39.1, 10_000: 25.5, 20_000: 6.69, 50_000: 0.167}
STEPS = 10  # per epoch
LEARNING_RATE, EVIDENCE, INVERSE_TEMPERATURE, N_PATTERNS = 0.001, 2.0, 1.0, 20
# epochs per timed call (a call of about a second or more), and timed calls (the best counts)
EPOCHS = {100: 400, 1000: 100, 4096: 10, 10_000: 3, 20_000: 1, 50_000: 1}
REPEATS = {100: 3, 1000: 3, 4096: 3, 10_000: 3, 20_000: 2, 50_000: 1}


# ---------------------------------------------------------------- peak memory


def reset_peak() -> bool:
    """Reset this process's resident-memory high-water mark (Linux: /proc/self/clear_refs); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """Peak resident memory in MiB since the last :func:`reset_peak` (VmHWM), else the process's peak."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


# ---------------------------------------------------------------- the plain loop


def plain_langevin(x):
    """L(x) = coth(x) - 1/x, with its series x/3 - x^3/45 + 2x^5/945 near 0."""
    small = jnp.abs(x) < 0.5
    xs = jnp.where(small, 1.0, x)
    x2 = x * x
    return jnp.where(small, x * (1 / 3 - x2 * (1 / 45 - x2 * (2 / 945))), 1 / jnp.tanh(xs) - 1 / xs)


def plain_sample(u, c):
    """Inverse-CDF draw from CB(c) on [-1, 1]."""
    a = jnp.abs(c)
    tiny = a < 1e-6
    a_safe = jnp.where(tiny, 1.0, a)
    t = jnp.where(c >= 0, 1 - u, u)
    sigma = 1 + jnp.log1p(t * jnp.expm1(-2 * a_safe)) / a_safe
    sigma = jnp.where(c >= 0, sigma, -sigma)
    return jnp.clip(jnp.where(tiny, 2 * u - 1, sigma), -1, 1)


@jax.jit
def plain_epoch(J, key, b):
    """One epoch of the rule as first written: sigma reset to 0, a scan over the steps, the new J returned."""
    n = J.shape[0]
    u = jax.random.uniform(key, (STEPS, n), J.dtype)

    def step(carry, u_t):
        J, s = carry
        h = J @ s
        sigma = plain_sample(u_t, INVERSE_TEMPERATURE * (b + h))
        J = J + LEARNING_RATE * jnp.outer(sigma - plain_langevin(h), sigma)
        return (jnp.fill_diagonal(J, 0.0, inplace=False), sigma), None

    (J, _), _ = jax.lax.scan(step, (J, jnp.zeros((n,), J.dtype)), u)
    return J


# ---------------------------------------------------------------- measurements


def problem(n: int):
    patterns = EVIDENCE * fepnet.data.random_patterns(jax.random.key(1), N_PATTERNS, n, jnp.float32)
    k_order, k_steps = jax.random.split(jax.random.key(0))
    return patterns, k_order, k_steps


def time_fepnet(n: int, epochs: int, repeats: int, update: str = "step"):
    """(steps/s, final J): chained donated calls of ``epochs`` epochs each; the first call is untimed."""
    patterns, k_order, k_steps = problem(n)
    index = fepnet.pattern_order(k_order, N_PATTERNS, epochs * (repeats + 1))
    it, lr = jnp.float32(INVERSE_TEMPERATURE), jnp.float32(LEARNING_RATE)
    state = fepnet.init_learning_state(n)
    best = 0.0
    for r in range(repeats + 1):
        start = time.perf_counter()
        state, _, _ = run_epochs_in_place(k_steps, state, patterns, index[r * epochs:(r + 1) * epochs], it, lr,
                                          steps_per_epoch=STEPS, first_epoch=r * epochs, update=update)
        jax.block_until_ready(state)
        if r:
            best = max(best, epochs * STEPS / (time.perf_counter() - start))
    return best, state.couplings


def plain_bytes(n: int) -> int:
    """Bytes the plain epoch needs (its argument J, result and XLA temporaries), from the compiled program."""
    J = jax.ShapeDtypeStruct((n, n), jnp.float32)
    compiled = plain_epoch.lower(J, jax.random.key(0), jax.ShapeDtypeStruct((n,), jnp.float32)).compile()
    stats = compiled.memory_analysis()
    return int(stats.argument_size_in_bytes + stats.output_size_in_bytes + stats.temp_size_in_bytes
               - stats.alias_size_in_bytes)


def time_plain(n: int, epochs: int, repeats: int) -> float | None:
    """Steps/s of the plain loop (None where it cannot fit): ``epochs`` Python-level epoch calls per round."""
    available, _ = memory_plan.available_bytes()
    if available is not None and plain_bytes(n) + memory_plan.OVERHEAD_BYTES > available:
        return None
    patterns, k_order, k_steps = problem(n)
    index = np.asarray(fepnet.pattern_order(k_order, N_PATTERNS, epochs * (repeats + 1)))
    J = jnp.zeros((n, n), jnp.float32)
    best = 0.0
    for r in range(repeats + 1):
        start = time.perf_counter()
        for e in range(r * epochs, (r + 1) * epochs):
            J = plain_epoch(J, jax.random.fold_in(k_steps, e), patterns[index[e]])
        jax.block_until_ready(J)
        if r:
            best = max(best, epochs * STEPS / (time.perf_counter() - start))
    return best


_plus_one_donated = jax.jit(lambda J: J + 1.0, donate_argnums=0)


def copy_bandwidth(J, repeats: int = 10) -> float:
    """Bytes/s of one read and one write of every element of J: the best of ``repeats`` donated J + 1.0."""
    J = jax.block_until_ready(_plus_one_donated(J))  # compile
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        J = jax.block_until_ready(_plus_one_donated(J))
        best = min(best, time.perf_counter() - start)
    return 2 * J.nbytes / best


# ---------------------------------------------------------------- report


def header() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = "%.1f %.1f %.1f" % os.getloadavg() if hasattr(os, "getloadavg") else "n/a"
    return (f"fepnet {fepnet.__version__} | JAX {jax.__version__} | device {jax.devices()[0]} | float32 | "
            f"CPUs {cpus} | load avg {load}")


def fmt(x, spec: str) -> str:
    """``x`` formatted by ``spec``; a dash (as wide as ``spec`` asks) for None."""
    if x is None:
        width = "".join(c for c in spec.split(",")[0].split(".")[0] if c.isdigit())
        return "-".rjust(int(width or 1))
    return format(x, spec)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-n", type=int, default=SIZES[-1], help="largest N to run (default 50000)")
    parser.add_argument("--json", metavar="PATH", help="write the table to PATH (keys: see the module docstring)")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain loop")
    parser.add_argument("--no-epoch", action="store_true", help="skip fepnet's update='epoch' (J's updates added once "
                                                                "per epoch, fepnet.train(update='epoch'))")
    args = parser.parse_args(argv)
    sizes = [n for n in SIZES if n <= args.max_n]
    print(header())
    print(f"{STEPS} steps per epoch; compile excluded; best of the timed calls; copy bandwidth per N: best of ten "
          "donated J + 1.0\n")
    keys = ("n", "fepnet_steps_per_s", "plain_steps_per_s", "ratio", "bandwidth_fraction", "peak_rss_mb",
            "copy_gb_per_s", "epoch_steps_per_s", "epoch_ratio", "epoch_bandwidth_fraction")
    rows = {k: [] for k in keys}
    print(f"{'N':>7}{'paper':>9}{'fepnet steps/s':>16}{'plain steps/s':>15}{'ratio':>7}{'bw frac':>9}"
          f"{'epoch steps/s':>15}{'ratio':>7}{'bw frac':>9}{'copy GB/s':>11}{'peak RSS MB':>13}{'J MB':>9}", flush=True)
    for n in sizes:
        gc.collect()
        try:
            memory_plan.require_couplings(n, jnp.float32, f"bench_scaling at N={n}")
        except ValueError as exc:
            print(f"{n:>7}  skipped: {exc}", flush=True)
            for k in keys:
                rows[k].append(n if k == "n" else None)
            continue
        reset_peak()
        rate, J = time_fepnet(n, EPOCHS[n], REPEATS[n], "step")
        peak = peak_mb()
        copy = copy_bandwidth(J)  # in place over this N's J
        del J
        gc.collect()
        epoch = None
        if not args.no_epoch:
            epoch, J = time_fepnet(n, EPOCHS[n], REPEATS[n], "epoch")
            peak = max(peak, peak_mb())
            del J
            gc.collect()
        plain = None if args.no_plain else time_plain(n, EPOCHS[n], REPEATS[n])
        floor_bytes = 2 * n * n * 4  # one read and one write of J per step
        row = dict(n=n, fepnet_steps_per_s=rate, plain_steps_per_s=plain,
                   ratio=None if plain is None else rate / plain, bandwidth_fraction=floor_bytes * rate / copy,
                   peak_rss_mb=peak, copy_gb_per_s=copy / 1e9, epoch_steps_per_s=epoch,
                   epoch_ratio=None if plain is None or epoch is None else epoch / plain,
                   epoch_bandwidth_fraction=None if epoch is None else floor_bytes * epoch / copy)
        for k in keys:
            rows[k].append(row[k])
        print(f"{n:>7}{fmt(PAPER.get(n), '>9g')}{rate:>16,.2f}{fmt(plain, '>15,.2f')}{fmt(row['ratio'], '>7.2f')}"
              f"{row['bandwidth_fraction']:>9.2f}{fmt(epoch, '>15,.2f')}{fmt(row['epoch_ratio'], '>7.2f')}"
              f"{fmt(row['epoch_bandwidth_fraction'], '>9.2f')}{copy / 1e9:>11.1f}{peak:>13,.0f}"
              f"{n * n * 4 / 2**20:>9,.0f}", flush=True)
    print("\nbw frac: (one read + one write of J per step x steps/s) / the copy bandwidth at that N; "
          "epoch: fepnet.train(update='epoch')")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)
            fh.write("\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
