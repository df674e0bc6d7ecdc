"""``fepnet demo``: train the paper's balanced digits network, find its attractors, validate it."""

from __future__ import annotations

import os
import time

from ..paper.protocols import NETWORKS, SIM2
from .common import positive_int

# The "balanced" network of the paper's Simulation 2.
BALANCED = dict(evidence_level=NETWORKS["balanced"][0], inverse_temperature=NETWORKS["balanced"][1], **SIM2)

def demo(out: str = "fepnet-out", seed: int = 0, n_epochs: int = BALANCED["n_epochs"], progress: bool = True,
         validate: bool = True) -> dict:
    """Train the balanced digits network, find its attractors, write figures; return the summary.

    With ``validate`` the trained network (symmetrised) is then validated as by
    ``fepnet validate``: its sampling schedules against NUTS, into ``out/validation/``.
    """
    import jax
    import numpy as np

    from .. import figures
    from ..data import load_digits
    from ..paper.simulations import paper_attractors
    from ..training import train

    os.makedirs(out, exist_ok=True)
    digits = load_digits()
    settings = dict(BALANCED, n_epochs=n_epochs)
    t0 = time.perf_counter()
    result = train(
        jax.random.key(seed),
        digits.train,
        n_epochs=settings["n_epochs"],
        steps_per_epoch=settings["steps_per_epoch"],
        inverse_temperature=settings["inverse_temperature"],
        learning_rate=settings["learning_rate"],
        evidence_level=settings["evidence_level"],
        order="random",
        progress=progress,
    )
    t_train = time.perf_counter() - t0
    network = result.network
    # Attractors (SPEC §5): zero-bias deterministic synchronous relaxation at iT = 1 from L(0.1 x) for each
    # training pattern x times the evidence level, at most 1000 steps.
    t1 = time.perf_counter()
    attractors = paper_attractors(network, digits.train, settings["evidence_level"])
    t_relax = time.perf_counter() - t1

    network.save(os.path.join(out, "network.npz"))
    labels = [str(d) for d in digits.train_labels]
    figures.save_figure(
        figures.plot_couplings(network.couplings, "Learned couplings J (balanced digits network)"),
        os.path.join(out, "couplings.png"),
    )
    figures.save_figure(
        figures.plot_state_images(digits.train, (8, 8), titles=labels, suptitle="Training digits (preprocessed)",
                                  label="standardised pixel"),
        os.path.join(out, "training_digits.png"),
    )
    reached = [f"from {labels[np.flatnonzero(attractors.label == a)[0]]}" for a in range(attractors.count)]
    figures.save_figure(
        figures.plot_state_images(attractors.states, (8, 8), titles=reached,
                                  suptitle=f"{attractors.count} attractors (deterministic relaxation, iT = 1)"),
        os.path.join(out, "attractors.png"),
    )
    summary = {
        "settings": settings,
        "seed": seed,
        "n_attractors": attractors.count,
        "all_converged": bool(np.all(np.asarray(attractors.relaxed.converged))),
        "asymmetry": float(network.asymmetry()),
        "train_seconds": round(t_train, 3),
        "relax_seconds": round(t_relax, 3),
        "steps_per_second": round(settings["n_epochs"] * settings["steps_per_epoch"] / t_train, 1),
        "files": ["network.npz", "couplings.png", "training_digits.png", "attractors.png", "summary.json"],
    }
    if validate:
        from diagnostics.validation import validate as run_validation
        from diagnostics.validation import validation_network

        t2 = time.perf_counter()
        vn = validation_network("digits-balanced", jax.random.key(seed), network=network)
        result = run_validation(vn, out=os.path.join(out, "validation"), seed=seed, progress=progress)
        summary["validation"] = {schedule: e["verdict"] for schedule, e in result.items()}
        summary["validation"]["synchronous_samples"] = result["synchronous"]["samples"]
        summary["validate_seconds"] = round(time.perf_counter() - t2, 3)
        summary["files"].append("validation/")
    with open(os.path.join(out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    return summary



def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    p = sub.add_parser("demo", help="train the paper's balanced digits network and show its attractors")
    p.add_argument("--out", default="fepnet-out", help="output directory (default: ./fepnet-out)")
    p.add_argument("--seed", type=int, default=0, help="PRNG seed (default: 0)")
    p.add_argument("--epochs", type=positive_int, default=BALANCED["n_epochs"], help="training epochs (default: 5000)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--no-validate", action="store_true",
                   help="skip the validation of the network's sampling against NUTS (about a minute)")


def run(args) -> int:
    """Run the command for parsed ``args``; returns the exit status."""
    s = demo(args.out, args.seed, args.epochs, progress=not args.no_progress, validate=not args.no_validate)
    st = s["settings"]
    print(
        f"fepnet demo: balanced digits network (evidence {st['evidence_level']:g}, iT {st['inverse_temperature']:g}, "
        f"alpha {st['learning_rate']:g}, {st['n_epochs']} random epochs x {st['steps_per_epoch']} steps)\n"
        f"  attractors:  {s['n_attractors']} (all relaxations converged: {s['all_converged']})\n"
        f"  asymmetry:   ||J - J^T|| / ||J|| = {s['asymmetry']:.3f}\n"
        f"  time:        training {s['train_seconds']:.2f} s ({s['steps_per_second']:,.0f} steps/s incl. compile), "
        f"relaxation {s['relax_seconds']:.2f} s\n"
        f"  wrote:       {', '.join(os.path.join(args.out, f) for f in s['files'])}"
    )
    if "validation" in s:
        verdicts = ", ".join(f"{k} {val}" for k, val in s["validation"].items() if k != "synchronous_samples")
        print(f"  validation:  against NUTS: {verdicts}; the synchronous chain samples "
              f"{s['validation']['synchronous_samples']} "
              f"({s['validate_seconds']:.0f} s; report: {os.path.join(args.out, 'validation', 'report.md')})")
    return 0
