"""``fepnet compare``: Bayesian model comparison of symmetric and asymmetric coupling models."""

from __future__ import annotations

import os

from .common import positive_int

def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    cmp_ = sub.add_parser(
        "compare", help="Bayesian model comparison: do sequence / random-order data call for asymmetric couplings?",
        description="Fit the symmetric and the asymmetric coupling model (inference.coupling) to the states of "
                    "Simulation 3's protocol in fixed (sequence) and in random order, compare them by PSIS-LOO "
                    "(ArviZ), print ArviZ's comparison tables, rank networks trained on different digits by their "
                    "held-out AIS log-likelihood, and write DIR/compare.json, figures and DIR/report.md (+ .html).")
    cmp_.add_argument("--out", default="fepnet-compare", help="output directory (default: ./fepnet-compare)")
    cmp_.add_argument("--seed", type=int, default=0, help="PRNG seed (default: 0)")
    cmp_.add_argument("--source", choices=["evidence", "training"], default="evidence",
                      help="evidence: the clamped-evidence states x ~ CB(iT level p) (default); training: the "
                           "network's own states while it learns")
    cmp_.add_argument("--transitions", type=positive_int, default=1000,
                      help="transitions x_{t-1} -> x_t per data set (default: 1000)")
    cmp_.add_argument("--svi-steps", type=positive_int, default=2000, help="SVI steps per fit (default: 2000)")
    cmp_.add_argument("--draws", type=positive_int, default=200,
                      help="posterior draws from each SVI guide (default: 200; at least 2)")
    cmp_.add_argument("--no-heldout", action="store_true", help="skip the held-out AIS ranking of networks")
    cmp_.add_argument("--no-figures", action="store_true", help="skip the figures (faster)")
    cmp_.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def run(args) -> int:
    """Run the command for parsed ``args``; returns the exit status."""
    from diagnostics.sequence_comparison import compare_orders, format_comparison, write_comparison

    if args.draws < 2:
        raise SystemExit("fepnet compare: --draws must be >= 2")
    import jax

    result = compare_orders(jax.random.key(args.seed), n_transitions=args.transitions, source=args.source,
                            svi_steps=args.svi_steps, n_draws=args.draws, heldout=not args.no_heldout,
                            progress=not args.no_progress)
    write_comparison(result, args.out, figures=not args.no_figures)
    print(format_comparison(result))
    print(f"  wrote:       {os.path.join(args.out, 'compare.json')}, {os.path.join(args.out, 'report.md')}")
    return 0
