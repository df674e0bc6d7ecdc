"""``fepnet capacity``: memory capacity of FEP, Hebbian, Storkey and projector networks under one set of recall tests."""

from __future__ import annotations

from .common import UsageError, add_out, add_seed, add_switches, open_output


def add_parser(sub) -> None:
    """Register the command on the ``fepnet`` sub-command parser ``sub``."""
    c = sub.add_parser(
        "capacity", help="memory capacity of FEP, Hebbian, Storkey and projector networks (the paper's Simulation 5)",
        description="""Store K = 10..200 random, biased (mean activity 0.4) and sign-binarised digit patterns in
            N = 100 networks (and random patterns in N = 400 networks) with four rules: the FEP network trained with
            the paper's Simulation-5 protocol, Hebbian, Storkey and projector couplings; measure retention (the
            paper's measure, starting at the pattern), exact recall from cues with 5, 10 and 20 % of the signs
            flipped (sequential and synchronous updates) and noisy-cue reconstruction; write DIR/capacity.nc,
            DIR/capacity.json (alpha_c per rule and family with bootstrap intervals, the published table side by
            side with ours), the figures and DIR/report.md / report.html with the verdict on the paper's claim.""",
        epilog="example: fepnet capacity --out capacity --quick")
    add_out(c, "fepnet-capacity")
    add_seed(c, "root PRNG seed")
    c.add_argument("--quick", action="store_true",
                   help="a reduced grid for a smoke run, under a minute (numbers not comparable with the paper)")
    add_switches(c, figures="skip the figures", progress="hide the progress bar")


def _settings(quick: bool):
    """The grid: the issue's full one, or the reduced ``--quick`` one."""
    from ..capacity.settings import CapacitySettings

    return CapacitySettings.quick() if quick else CapacitySettings()


def prepare(args):
    """Check ``args`` (the settings, then the output directory); return the work: a function returning the status."""
    import jax

    from ..capacity.compute import run_capacity
    from ..capacity.examples import example_recalls
    from ..capacity.render import format_capacity, write_capacity

    try:
        settings = _settings(args.quick)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    out = open_output(args)

    def work() -> int:
        key = jax.random.key(args.seed)
        result = run_capacity(settings, key=key, progress=not args.no_progress)
        examples = None
        if not args.no_figures:  # one more FEP network (a few seconds): random patterns, K = 0.2 N, rho = 0.1
            examples = example_recalls(jax.random.fold_in(key, 1), n_nodes=settings.n_nodes,
                                       n_patterns=max(1, round(0.2 * settings.n_nodes)), flip_fraction=0.1,
                                       schedule="sequential", protocol=settings.protocol,
                                       inverse_temperature=settings.recall_inverse_temperature,
                                       max_sweeps=settings.max_sweeps)
        summary = write_capacity(result, out, make_figures=not args.no_figures, examples=examples)
        print(format_capacity(summary, args.out), flush=True)
        return 0

    return work
