"""The per-claim assessors of the claims page: one command's results JSON in, one claim's verdict out.

Each ``_claim_*`` function takes the results reader of :mod:`fepnet.paper.claims` (``json(path)``,
raising ``_Missing`` for an absent file, and ``figure(path, caption)``) and returns
``(verdict, lines, figure)``: the verdict ("supported", "partly supported", "not supported" or
"not tested by a command yet"), the Markdown lines with its numbers and the figure (Markdown or
None). :data:`fepnet.paper.claims.CLAIMS` names the assessor of each claim; claims 3 and 4 are
assessed in ``fepnet.paper._claims_free_energy``. The runtime claim fits :func:`loglog_slope`
over N >= :data:`SLOPE_MIN_N` and asks for a slope in :data:`SLOPE_RANGE`.
"""

from __future__ import annotations

import math

__all__ = ["SLOPE_MIN_N", "SLOPE_RANGE", "loglog_slope"]

#: The smallest network size N the runtime claim fits: :func:`loglog_slope`'s default ``min_n``.
SLOPE_MIN_N = 4096
#: ``(low, high)``: the runtime claim O(N^2) is supported when the log-log slope of learning steps per second
#: against N (:func:`loglog_slope`) lies in this closed interval; exactly O(N^2) per step is a slope of -2.
SLOPE_RANGE = (-2.3, -1.7)


class _Missing(Exception):
    """A result file a claim needs is absent."""


def _f(x, digits=3):
    """A number as text (``n/a`` for None / NaN)."""
    if x is None:
        return "n/a"
    x = float(x)
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.{digits}f}"


def _g(x, sig=3):
    """A number with ``sig`` significant digits (large values in full)."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    x = float(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{sig}g}"


def _range(pair):
    return f"{_f(pair[0], 2)} - {_f(pair[1], 2)}" if pair else "n/a"


def _median_iqr(entry, digits=3):
    """``median [q25, q75]`` of a reproduce metric entry."""
    return f"{_f(entry['median'], digits)} [{_f(entry['q25'], digits)}, {_f(entry['q75'], digits)}]"


def _quick_note(summary):
    return " (`--quick` run: numbers not comparable with the paper)" if summary.get("meta", {}).get("quick") else ""


def loglog_slope(n, rate, min_n=SLOPE_MIN_N):
    """Least-squares slope of log(rate) against log(n) over the points with n >= ``min_n`` and a finite rate > 0.

    Parameters
    ----------
    n : sequence of int
        Network sizes.
    rate : sequence of float or None
        Steps per second at each size (None where not measured).
    min_n : int
        The smallest size fitted (default :data:`SLOPE_MIN_N`).

    Returns
    -------
    tuple
        ``(slope, sizes)``: the slope (None with fewer than two points) and the sizes fitted.

    Examples
    --------
    >>> slope, sizes = loglog_slope([1000, 4096, 10000], [1.0, 4.0, 4.0 * (4096 / 10000) ** 2])
    >>> round(slope, 6), sizes
    (-2.0, [4096, 10000])
    """
    pts = [(float(a), float(r)) for a, r in zip(n, rate)
           if a >= min_n and r is not None and math.isfinite(float(r)) and float(r) > 0]
    if len(pts) < 2:
        return None, [int(a) for a, _ in pts]
    xs = [math.log(a) for a, _ in pts]
    ys = [math.log(r) for _, r in pts]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return slope, [int(a) for a, _ in pts]


# --- the claims -------------------------------------------------------------------------------------------------


def _claim_sync(r):
    v = r.json("validate/validation.json")
    sync = v["synchronous"]
    pi = sync.get("pi_sync", {})
    exact = [s for s in v if s != "synchronous"]
    rows = ["| schedule | reference | max \\|z\\| of the means | variance ratio | max \\|Δ corr\\| | "
            "energy-distance p | verdict |", "|---|---|---:|---:|---:|---:|---|"]

    def row(name, e):
        rows.append(f"| {name} | {e['reference_sampler']} | {_f(e['max_abs_z'], 2)} | "
                    f"{_range(e['var_ratio_range'])} | {_f(e.get('max_abs_correlation_difference'), 3)} | "
                    f"{_f(e['energy_distance_p'], 3)} | {e['verdict']} |")

    row("synchronous", sync)
    if pi:
        row("synchronous", pi)
    for s in exact:
        row(s, v[s])
    sync_ok = sync["verdict"] == "consistent"
    exact_ok = [s for s in exact if v[s]["verdict"] == "consistent"]
    if sync_ok:
        verdict = "supported"
        words = "The synchronous schedule is consistent with the Boltzmann posterior on every test."
    else:
        verdict = "not supported"
        words = (f"The synchronous schedule is *{sync['verdict']}* against the Boltzmann posterior "
                 f"(max |z| of the means {_f(sync['max_abs_z'], 2)}, largest pair-correlation error "
                 f"{_f(sync.get('max_abs_correlation_difference'), 3)}, variance ratios {_range(sync['var_ratio_range'])})")
        if pi:
            words += (f"; against π_sync, the closed-form stationary density of the synchronous chain, it is "
                      f"*{pi['verdict']}* (max |z| {_f(pi['max_abs_z'], 2)}). fepnet's reading: it samples "
                      f"`{sync.get('samples', 'n/a')}`.")
        else:
            words += "."
    words += (f" The exact schedules ({', '.join(exact)}) are consistent with the Boltzmann posterior in "
              f"{len(exact_ok)} of {len(exact)} cases.")
    return verdict, [words, "", *rows], r.figure(
        "validate/moments_synchronous.png",
        "Synchronous schedule against the Boltzmann posterior: means, variance ratios, pair correlations "
        "(fepnet validate).")


def _claim_antisymmetric(r):
    v = r.json("validate-sequence/validation.json")
    rows = ["| schedule | reference | max \\|z\\| of the means | max \\|Δ mean\\| | energy shift (sd) | verdict |",
            "|---|---|---:|---:|---:|---|"]
    for s, e in v.items():
        rows.append(f"| {s} | {e['reference_sampler']}, density of Js | {_f(e['max_abs_z'], 1)} | "
                    f"{_f(e.get('max_abs_mean_difference'), 2)} | {_f(e.get('energy_difference_in_sd'), 2)} | "
                    f"{e['verdict']} |")
    consistent = [s for s, e in v.items() if e["verdict"] == "consistent"]
    if len(consistent) == len(v):
        verdict = "supported"
    elif consistent:
        verdict = "partly supported"
    else:
        verdict = "not supported"
    words = (f"On the asymmetric sequence network of Simulation 3, {len(consistent)} of {len(v)} schedules are "
             "consistent with the Boltzmann density of the symmetric part Js (the density that the claim says "
             "the network still samples).")
    try:
        details = r.json("validate-sequence/details.json")
    except _Missing:
        details = {}
    asym = (details.get("network") or {}).get("asymmetry")
    network = details.get("network") or {}
    if network.get("description"):
        words += f" The network: {network['description']}."
    if asym is not None:
        words += f" Its asymmetry ||J - Jᵀ|| / ||J|| is {_f(asym, 2)}."
    rows += _pattern_rows(details)
    return verdict, [words, "", *rows], r.figure(
        "validate-sequence/posterior_means.png",
        "Sequence network cued with a noisy digit: the Boltzmann posterior mean of Js beside each schedule's "
        "(fepnet validate --network sequence).")


def _pattern_rows(details):
    """The table "posterior mean vs training patterns" of a validation's details.json, if any."""
    pm = details.get("posterior_mean_vs_patterns")
    if not pm or not pm.get("pearson_r"):
        return []
    labels = pm["labels"]
    rows = ["", "Pearson r of each sampler's posterior mean with each training pattern:", "", "| sampler | " + " | ".join(f"r with '{x}'" for x in labels) + " |",
            "|---|" + "---:|" * len(labels)]
    for name, rs in pm["pearson_r"].items():
        rows.append(f"| {name} | " + " | ".join(_f(x, 2) for x in rs) + " |")
    return rows


def _checks(summary, needle=None):
    return [c for c in summary["meta"]["checks"] if needle is None or needle in c["check"]]


def _check_rows(checks):
    return [f"- `{c['check']}`: {_value(c['value'])} — {'pass' if c['pass'] else 'FAIL'}" for c in checks]


def _value(v):
    if isinstance(v, list):
        return " vs ".join(_f(x, 3) for x in v)
    return _f(v, 3)


def _verdict_from(checks):
    passed = sum(bool(c["pass"]) for c in checks)
    return "supported" if passed == len(checks) else "partly supported" if passed else "not supported"


def _claim_orthogonal(r):
    s1 = r.json("reproduce/sim1/summary.json")
    s2 = r.json("reproduce/sim2/summary.json")
    att, data = s2["balanced"]["orthogonality"], s2["orthogonality_data"]
    checks = _checks(s1) + _checks(s2, "orthogonality")
    lines = [
        f"Simulation 1{_quick_note(s1)}: two bars correlated at r = {_f(s1['train_corr']['median'], 3)} are stored "
        f"as attractors correlated at r = {_median_iqr(s1['attractor_corr'])} (median [IQR] over "
        f"{len(s1['meta']['seeds'])} seeds; published {_f(s1['attractor_corr']['published'], 2)}).",
        "",
        f"Simulation 2{_quick_note(s2)} (balanced network): mean |90° - angle| between attractors "
        f"{_median_iqr(att, 2)} degrees (published {_f(att['published'], 2)}) against "
        f"{_f(data['median'], 2)} for the training digits themselves (published {_f(data['published'], 2)}); "
        "smaller is more orthogonal.",
        "",
        "Acceptance checks of `fepnet reproduce`:",
        *_check_rows(checks),
    ]
    if s2["meta"].get("notes"):
        lines += ["", f"The command's note on Simulation 2: {s2['meta']['notes']}"]
    return _verdict_from(checks), lines, r.figure(
        "reproduce/sim2/balanced_angles.png",
        "Simulation 2, balanced network: angles between attractors (fepnet reproduce sim2).")


def _claim_sequences(r):
    s3 = r.json("reproduce/sim3/summary.json")
    checks = _checks(s3)
    lines = [
        f"Simulation 3{_quick_note(s3)}: trained on digits 1, 2, 3 in a fixed order, the couplings reach an "
        f"asymmetry ||J - Jᵀ|| / ||J|| of {_median_iqr(s3['asymmetry'])} (published "
        f"{_f(s3['asymmetry']['published'], 2)}; 0 is symmetric); the free-running network visits the digits in "
        f"order (order score {_median_iqr(s3['order_score'], 2)}) and the symmetric part's attractors match "
        f"{_f(s3['sym_attractors_match']['median'], 0)} of the 3 digits.",
    ]
    try:
        c = r.json("compare/compare.json")
    except _Missing:
        c = None
        lines += ["", "(`compare/compare.json` is not in the results directory: `fepnet compare` not included.)"]
    if c is not None:
        lines += ["", "`fepnet compare` (PSIS-LOO of the symmetric against the asymmetric coupling model, "
                  "fitted to the states of Simulation 3's protocol):", "",
                  "| presentation | elpd asymmetric - symmetric | se of the difference | z | preferred |",
                  "|---|---:|---:|---:|---|"]
        for key, label in (("sequence", "fixed order (sequence)"), ("random", "random order")):
            e = c.get(key)
            if e:
                diff = e["elpd_asymmetric"] - e["elpd_symmetric"]
                lines.append(f"| {label} | {_g(diff, 4)} | {_g(e['se_diff'], 3)} | {_f(e.get('z'), 1)} | "
                             f"{e['preferred']} |")
                checks = checks + [{"check": f"compare: {label} prefers "
                                             f"{'asymmetric' if key == 'sequence' else 'symmetric'}",
                                    "value": diff,
                                    "pass": e["preferred"] == ("asymmetric" if key == "sequence" else "symmetric")}]
    lines += ["", "Checks:", *_check_rows(checks)]
    figure = r.figure("reproduce/sim3/couplings.png",
                      "Simulation 3: the couplings J, Js and Ja (fepnet reproduce sim3).")
    extra = r.figure("compare/pointwise_sequence.png",
                     "Pointwise elpd difference, asymmetric - symmetric, on sequence data (fepnet compare).")
    return _verdict_from(checks), lines, "\n\n".join(f for f in (figure, extra) if f) or None


def _claim_forgetting(r):
    s4 = r.json("reproduce/sim4/summary.json")
    checks = _checks(s4)
    rb, ra = s4["retrieval_before"]["median"], s4["retrieval_after"]["median"]
    gb, ga = s4["generalization_before"]["median"], s4["generalization_after"]["median"]
    lines = [
        f"Simulation 4{_quick_note(s4)}: after 50,000 further free-running learning steps the couplings correlate "
        f"with the trained ones at r = {_median_iqr(s4['coupling_corr'])} (published "
        f"{_f(s4['coupling_corr']['published'], 3)}); the retrieval score goes {_f(rb)} -> {_f(ra)} "
        f"(change {_f(ra - rb)}) and the generalisation score {_f(gb)} -> {_f(ga)} (change {_f(ga - gb)}), "
        "medians over seeds; the paper reports the coupling correlation only.",
        "",
        "Acceptance checks of `fepnet reproduce`:",
        *_check_rows(checks),
    ]
    notes = s4["meta"].get("notes")
    if notes:
        lines += ["", f"The command's note: {notes}"]
    return _verdict_from(checks), lines, r.figure(
        "reproduce/sim4/scores.png", "Simulation 4: scores before and after (fepnet reproduce sim4).")


def _claim_capacity(r):
    from ..capacity.render import verdict as capacity_verdict

    c = r.json("capacity/capacity.json")
    settings = c.get("settings", {})
    v = capacity_verdict(c["alpha_c"], level=settings.get("ci_level"))
    rows = ["| rule | alpha_c, random patterns, N = 100 [interval] | N = 400 |", "|---|---|---|"]
    for rule, fam in c["alpha_c"].items():
        e = fam.get("random")
        if e:
            ci = e.get("n100_ci") or [None, None]
            rows.append(f"| {rule} | {_f(e.get('n100'))} [{_f(ci[0])}, {_f(ci[1])}] | {_f(e.get('n400'))} |")
    if v["approaches_n"]:
        verdict = "supported"
    elif v["exceeds_hopfield"]:
        verdict = "partly supported"
    else:
        verdict = "not supported"
    lines = [v["text"] + " (This page says *partly supported* when only the first part of the claim, above "
             "0.138 N, holds.)", "", *rows]
    try:
        s5 = r.json("reproduce/sim5/summary.json")
    except _Missing:
        s5 = None
    if s5 is not None:
        checks = _checks(s5)
        passed = sum(bool(ch["pass"]) for ch in checks)
        lines += ["", f"`fepnet reproduce sim5`{_quick_note(s5)} (the paper's Simulation 5 table, K = 10..90): "
                  f"{passed} of {len(checks)} acceptance checks pass (ours against the published retention and "
                  "reconstruction at each K)."]
    return verdict, lines, r.figure(
        "capacity/exact_recall.png", "Exact recall from cues with flipped signs against K / N, per rule "
        "(fepnet capacity).")


def _claim_runtime(r):
    s = r.json("scaling/scaling.json")
    n = s["n"]
    slope, used = loglog_slope(n, s["fepnet_steps_per_s"])
    eslope, _ = loglog_slope(n, s.get("epoch_steps_per_s") or [None] * len(n))
    rows = ["| N | learning steps/s | steps/s, `update=\"epoch\"` | peak RSS (MB) |", "|---:|---:|---:|---:|"]
    epoch = s.get("epoch_steps_per_s") or [None] * len(n)
    rss = s.get("peak_rss_mb") or [None] * len(n)
    for i, size in enumerate(n):
        rows.append(f"| {size:,} | {_g(s['fepnet_steps_per_s'][i], 4)} | {_g(epoch[i], 4)} | {_g(rss[i], 4)} |")
    lo, hi = SLOPE_RANGE
    if slope is None:
        verdict = "not tested by a command yet"
        words = f"Fewer than two sizes N >= {SLOPE_MIN_N} were measured: no slope."
    else:
        verdict = "supported" if lo <= slope <= hi else "not supported"
        words = (f"The log-log slope of learning steps per second against N over N = "
                 f"{', '.join(f'{x:,}' for x in used)} is {_f(slope, 2)} (`update=\"epoch\"`: {_f(eslope, 2)}); "
                 f"the rule asks for [{lo}, {hi}], -2 being exactly O(N^2) per step.")
    return verdict, [words, "", *rows, "", "The benchmark writes no figure."], None
