"""``fepnet compare``: Bayesian model comparison of symmetric and asymmetric coupling models."""

from __future__ import annotations

import os

from .common import add_out, add_seed, add_switches, integer, open_output, positive_int


def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    cmp_ = sub.add_parser(
        "compare", help="Bayesian model comparison: do sequence / random-order data call for asymmetric couplings?",
        description="""Fit the symmetric and the asymmetric coupling model (inference.coupling) to the states of
            Simulation 3's protocol in fixed (sequence) and in random order, compare them by PSIS-LOO (ArviZ),
            print ArviZ's comparison tables, rank networks trained on different digits by their held-out AIS
            log-likelihood, and write DIR/compare.json, figures and DIR/report.md (+ .html).""")
    add_out(cmp_, "fepnet-compare")
    add_seed(cmp_)
    cmp_.add_argument("--source", choices=["evidence", "training"], default="evidence",
                      help="evidence: the clamped-evidence states x ~ CB(iT level p) (default); training: the "
                           "network's own states while it learns")
    cmp_.add_argument("--transitions", type=positive_int, default=1000,
                      help="transitions x_{t-1} -> x_t per data set (default: 1000)")
    cmp_.add_argument("--svi-steps", type=positive_int, default=2000, help="SVI steps per fit (default: 2000)")
    cmp_.add_argument("--draws", type=integer(2), default=200,
                      help="posterior draws from each SVI guide (default: 200; at least 2)")
    cmp_.add_argument("--no-heldout", action="store_true", help="skip the held-out AIS ranking of networks")
    add_switches(cmp_, figures="skip the figures (faster)")


def paper_settings() -> dict:
    """The protocol arguments of ``compare_orders`` at the paper's values.

    The data follow Simulation 3 (digits, evidence level, iT, learning rate,
    epochs); the ranked networks are trained like Simulation 2's balanced
    network (evidence level, iT, learning rate, steps per epoch).

    Returns
    -------
    dict
        Keyword arguments of :func:`diagnostics.sequence_comparison.compare_orders`.
    """
    from ..paper.protocols import NETWORKS, SIM2, SIM3

    level, it = NETWORKS["balanced"]
    return dict(digits=SIM3["digits"], evidence_level=SIM3["evidence_level"],
                inverse_temperature=SIM3["inverse_temperature"], learning_rate=SIM3["learning_rate"],
                n_epochs=SIM3["n_epochs"], heldout_evidence_level=level, heldout_inverse_temperature=it,
                heldout_learning_rate=SIM2["learning_rate"], heldout_steps_per_epoch=SIM2["steps_per_epoch"])


def prepare(args):
    """Check ``args`` (the output directory now); return the work: a function returning the exit status."""
    from diagnostics.sequence_comparison import compare_orders, format_comparison, write_comparison

    out = open_output(args)

    def work() -> int:
        import jax

        result = compare_orders(jax.random.key(args.seed), n_transitions=args.transitions, source=args.source,
                                svi_steps=args.svi_steps, n_draws=args.draws, heldout=not args.no_heldout,
                                progress=not args.no_progress, **paper_settings())
        write_comparison(result, out, figures=not args.no_figures)
        print(format_comparison(result))
        print(f"  wrote:       {os.path.join(args.out, 'compare.json')}, {os.path.join(args.out, 'report.md')}")
        return 0

    return work
