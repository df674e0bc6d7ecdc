"""The paper's claims, measured: ``docs/claims.md`` generated from the JSON that fepnet's commands write.

:func:`claims_markdown` reads a results directory (the layout below; every file is a
command's own output, copied unchanged) and returns the page as Markdown text: for each claim
of Spisak & Friston, "Self-orthogonalizing attractor neural networks emerging from the free
energy principle" (2025; Neurocomputing 2026), the claim, the fepnet command that tests it,
the verdict with its numbers (read from the JSON, never typed in) and the command's figure.
A claim whose file is missing says so, and a claim that no command's JSON decides says
"not tested by a command yet". ``fepnet claims`` (:mod:`fepnet.cli.claims`) writes the page.
This module holds the claim table (:data:`CLAIMS`), the decision rules and the page; the per-claim
assessors that read the JSON are in :mod:`fepnet.paper.claims_assessors`.

Results layout (paths relative to the results directory)::

    MANIFEST.json                      {"entries": [{"path", "command", "date", "machine", ...}, ...]}
    validate/validation.json           fepnet validate                     (claim 1)
    validate-sequence/validation.json  fepnet validate --network sequence  (claim 2)
    reproduce/sim1..sim5/summary.json  fepnet reproduce all                (claims 3 to 8)
    compare/compare.json               fepnet compare                      (claim 6)
    capacity/capacity.json             fepnet capacity                     (claim 8)
    scaling/scaling.json               python benchmarks/bench_scaling.py --json  (claim 9)

Figures are linked when the file named for a claim exists next to its JSON.

The decision rules, stated once (:data:`RULES`):

- a sampler "samples" a density when ``fepnet validate``'s verdict against it is
  "consistent" (every one of its four tests passes: means, second moments, energy, energy
  distance);
- a reproduction claim is "supported" when every acceptance check of ``fepnet reproduce``
  for it passes, "partly supported" when some do;
- runtime O(N^2): the least-squares slope of log(steps/s) against log N over N >= 4096 lies
  in [-2.3, -1.7] (:data:`~fepnet.paper.claims_assessors.SLOPE_RANGE`).
"""

from __future__ import annotations

import json
import os

from . import _claims_free_energy as _claim_free_energy
from .claims_assessors import (
    SLOPE_MIN_N,
    SLOPE_RANGE,
    _claim_antisymmetric,
    _claim_capacity,
    _claim_forgetting,
    _claim_orthogonal,
    _claim_runtime,
    _claim_sequences,
    _claim_sync,
    _Missing,
    loglog_slope,
)

__all__ = ["CLAIMS", "RULES", "SLOPE_MIN_N", "SLOPE_RANGE", "claims_markdown", "assess_claims", "loglog_slope"]

#: The decision rules of the claims page, one Markdown paragraph each; :func:`claims_markdown` lists them under
#: "Decision rules" (the runtime rule quotes :data:`SLOPE_MIN_N` and :data:`SLOPE_RANGE`).
RULES = (
    "A sampler samples a density when `fepnet validate`'s verdict against that density is *consistent*: "
    "all four of its tests pass (per-node means, every second moment, the mean energy and an energy-distance "
    "two-sample test; see the validation guide).",
    "A claim reproduced by `fepnet reproduce` is *supported* when every acceptance check of that command "
    "for it passes, *partly supported* when only some do.",
    "Free energy (claims 3 and 4, `meta.free_energy` of `fepnet reproduce sim1`): deterministic updates minimise "
    "F when sequential deterministic relaxation of every seed's trained network (on Js) never raises the naive "
    "mean-field F by more than 1e-5 x max(1, |F|) per single-node update; learning is local free-energy "
    "minimisation when every seed's mean F over the last 10 % of epochs lies below the first 10 % and the rule's "
    "Delta J equals -alpha dF_i/dJ_ij of the nodes' local free energies (relative difference <= 1e-5, no "
    "dependence of F_i on other rows of J); *supported* when all of a claim's checks pass, *partly supported* "
    "when some do.",
    "Capacity: the verdict of `fepnet capacity` itself (`fepnet.capacity.render.verdict`): \"approaches N\" "
    "when the 95 % bootstrap interval of the FEP network's alpha_c (random patterns, N = 100) reaches 0.9 N.",
    f"Runtime O(N^2): the least-squares slope of log(learning steps per second) against log N over "
    f"N >= {SLOPE_MIN_N} lies in [{SLOPE_RANGE[0]}, {SLOPE_RANGE[1]}] (a step that reads and writes the "
    f"N x N couplings once has slope -2).",
)


class _Results:
    """The results directory: JSON files read on demand, figure links relative to the page."""

    def __init__(self, root, page_dir):
        self.root = os.fspath(root)
        self.page_dir = os.fspath(page_dir)
        self.used = []

    def json(self, path):
        full = os.path.join(self.root, path)
        if not os.path.isfile(full):
            raise _Missing(path)
        with open(full, encoding="utf-8") as f:
            data = json.load(f)
        if path not in self.used:
            self.used.append(path)
        return data

    def figure(self, path, caption):
        full = os.path.join(self.root, path)
        if not os.path.isfile(full):
            return None
        link = os.path.relpath(full, self.page_dir).replace(os.sep, "/")
        return f"![{caption}]({link})\n\n*{caption}*"

    def link(self, path):
        return os.path.relpath(os.path.join(self.root, path), self.page_dir).replace(os.sep, "/")


#: The paper's nine claims, in page order: dicts with ``title``, ``paper`` (the claim and where the paper makes it),
#: ``command`` (the fepnet command that tests it) and ``assess`` (its assessor), read by :func:`assess_claims`.
CLAIMS = (
    dict(title="Synchronous inference samples the posterior",
         paper="the paper's inference derivation: all nodes updated at once, each drawing "
               "σ_i ~ CB(iT (b_i + Σ_j J_ij σ_j)), sample the posterior; its simulations use this schedule",
         command="`fepnet validate` (the balanced digits network of Simulation 2, symmetrised, cued with a noisy "
                 "digit; every schedule and NUTS, 4 chains x 10,000 draws)",
         assess=_claim_sync),
    dict(title="The antisymmetric part leaves the Boltzmann density intact",
         paper="the paper's decomposition J = Js + Ja: the antisymmetric part Ja only drives probability "
               "currents (solenoidal flow), so the stationary density stays p(σ) ∝ exp(iT (b·σ + ½ σᵀ Js σ))",
         command="`fepnet validate --network sequence` (the asymmetric network of Simulation 3; reference: the "
                 "Boltzmann density of Js by NUTS, or parallel tempering where NUTS does not mix)",
         assess=_claim_antisymmetric),
    dict(title="Deterministic updates minimise free energy",
         paper="the paper's inference derivation: the deterministic update σ_i = L(iT (b_i + Σ_j J_ij σ_j)) "
               "descends the (mean-field) variational free energy",
         command="`fepnet reproduce sim1` (10 seeds; `meta.free_energy` of its summary)",
         assess=_claim_free_energy.claim_deterministic),
    dict(title="Learning is local free-energy minimisation",
         paper="the paper's learning rule ΔJ_ij = α (σ_i − L(h_i)) σ_j with h = J σ, derived as a gradient step on "
               "free energy that uses only local quantities",
         command="`fepnet reproduce sim1` (10 seeds; `meta.free_energy` of its summary)",
         assess=_claim_free_energy.claim_learning),
    dict(title="Attractors orthogonalise",
         paper="the paper's Simulations 1 and 2: learning stores correlated patterns as approximately "
               "orthogonal attractors",
         command="`fepnet reproduce sim1` and `fepnet reproduce sim2` (10 seeds)",
         assess=_claim_orthogonal),
    dict(title="Sequences give asymmetric couplings",
         paper="the paper's Simulation 3: patterns presented in a fixed order give asymmetric couplings and a "
               "network that replays the sequence; random order gives symmetric couplings",
         command="`fepnet reproduce sim3` (10 seeds) and `fepnet compare`",
         assess=_claim_sequences),
    dict(title="Resisting catastrophic forgetting",
         paper="the paper's Simulation 4: continued free-running learning leaves the learned couplings "
               "almost unchanged",
         command="`fepnet reproduce sim4` (10 seeds)",
         assess=_claim_forgetting),
    dict(title="Capacity approaching N",
         paper="the paper's Simulation 5: the FEP network's capacity substantially exceeds the Hopfield "
               "network's ~0.14 N and approaches N",
         command="`fepnet capacity` (full grid) and `fepnet reproduce sim5`",
         assess=_claim_capacity),
    dict(title="Runtime O(N^2)",
         paper="the paper's runtime figures: one learning step costs O(N^2) (it reads and updates the "
               "N x N couplings)",
         command="`python benchmarks/bench_scaling.py --json FILE`",
         assess=_claim_runtime),
)


def assess_claims(results_dir, page_dir=None) -> list[dict]:
    """Each claim's verdict, read from the results directory.

    Parameters
    ----------
    results_dir : str or os.PathLike
        The results directory (layout in the module docstring).
    page_dir : str or os.PathLike, optional
        The directory of the page, for figure links (default: the parent of ``results_dir``).

    Returns
    -------
    list of dict
        One per claim of :data:`CLAIMS`, in order: ``title``, ``paper``, ``command``, ``verdict``
        ("supported", "partly supported", "not supported", "not tested by a command yet" or
        "no results"), ``lines`` (Markdown), ``figure`` (Markdown or None), ``files`` (the result
        files read).

    Raises
    ------
    FileNotFoundError
        If ``results_dir`` is not a directory.
    """
    root = os.fspath(results_dir)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"results directory {root!r} does not exist")
    page = os.path.dirname(os.path.abspath(root)) if page_dir is None else os.fspath(page_dir)
    out = []
    for claim in CLAIMS:
        r = _Results(root, page)
        try:
            verdict, lines, figure = claim["assess"](r)
        except _Missing as missing:
            verdict, lines, figure = "no results", [f"`{missing.args[0]}` is not in the results directory: "
                                                    f"run {claim['command']} and copy its output there."], None
        out.append(dict(title=claim["title"], paper=claim["paper"], command=claim["command"], verdict=verdict,
                        lines=lines, figure=figure, files=list(r.used)))
    return out


def _manifest(root):
    path = os.path.join(root, "MANIFEST.json")
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f).get("entries", [])


def claims_markdown(results_dir, page_dir=None) -> str:
    """The page "The paper's claims, measured" as Markdown, from the commands' JSON in ``results_dir``.

    Parameters
    ----------
    results_dir : str or os.PathLike
        The results directory (layout in the module docstring).
    page_dir : str or os.PathLike, optional
        The directory the page will be written to, for relative links (default: the parent of
        ``results_dir``).

    Returns
    -------
    str
        The page: a summary table, one section per claim (the claim and where the paper makes it,
        the command that tests it, the verdict with its numbers, the figure), the decision rules and
        the provenance of every result file (``MANIFEST.json``).

    Raises
    ------
    FileNotFoundError
        If ``results_dir`` is not a directory.
    """
    root = os.fspath(results_dir)
    page = os.path.dirname(os.path.abspath(root)) if page_dir is None else os.fspath(page_dir)
    claims = assess_claims(root, page)
    r = _Results(root, page)
    out = [
        "# The paper's claims, measured",
        "",
        "<!-- Generated by `fepnet claims --results docs/results --out docs/claims.md` from the JSON in "
        "docs/results/; do not edit by hand. -->",
        "",
        "Each claim of Spisak & Friston, *Self-orthogonalizing attractor neural networks emerging from the free "
        "energy principle* (2025; Neurocomputing 2026), the fepnet command that tests it, and the verdict with "
        "its numbers. Every number on this page is read from the JSON file a command wrote (listed under "
        "*Provenance* at the end); rerun the commands, copy their output into `docs/results/` and run "
        "`fepnet claims --results docs/results --out docs/claims.md` to refresh it.",
        "",
        "| # | claim | tested by | verdict |",
        "|---:|---|---|---|",
    ]
    for i, c in enumerate(claims, 1):
        out.append(f"| {i} | {c['title']} | {c['command']} | **{c['verdict']}** |")
    for i, c in enumerate(claims, 1):
        out += ["", f"## {i}. {c['title']}", "",
                f"**The claim.** {c['paper'][0].upper()}{c['paper'][1:]}.", "",
                f"**Tested by.** {c['command']}"
                + (f"; results: {', '.join(f'[`{p}`]({r.link(p)})' for p in c['files'])}" if c["files"] else "")
                + ".", "",
                f"**Verdict: {c['verdict']}.**", "", *c["lines"]]
        if c["figure"]:
            out += ["", c["figure"]]
    out += ["", "## Decision rules", "", *[f"- {rule}" for rule in RULES]]
    entries = _manifest(root)
    out += ["", "## Provenance", ""]
    if entries:
        out += ["| results | command | date (UTC) | machine | wall time |", "|---|---|---|---|---|"]
        for e in entries:
            wall = e.get("wall")
            out.append(f"| `{e['path']}` | `{e['command']}` | {e.get('date', 'n/a')} | {e.get('machine', 'n/a')} | "
                       f"{wall if wall else 'n/a'} |")
        notes = [f"- `{e['path']}`: {e['note']}" for e in entries if e.get("note")]
        if notes:
            out += ["", *notes]
    else:
        out.append("No `MANIFEST.json` in the results directory: the provenance of the files is unknown.")
    return "\n".join(out) + "\n"
