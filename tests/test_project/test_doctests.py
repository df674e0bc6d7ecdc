"""The Examples sections of every public module's docstrings run as doctests, one test per module.

The modules are those of ``docs/api/modules.txt``; each module's docstrings (the module's, its
functions', classes' and methods') are found by :class:`doctest.DocTestFinder` and run with the
option flags of ``doctest_optionflags`` in pyproject.toml (NORMALIZE_WHITESPACE, ELLIPSIS and
pytest's NUMBER), as ``pytest --doctest-modules`` would. One pytest item per module, so
pytest-xdist spreads them. Modules whose examples take seconds are listed in ``SLOW`` (marked
``slow``: ``pytest -m slow``).
"""

from __future__ import annotations

import doctest
import importlib
import io
import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[2]
MODULES_TXT = ROOT / "docs" / "api" / "modules.txt"

# Modules whose doctests take more than about a second (the lead measures and decides).
# Measured in the default suite on 2 cores: fepnet.recall 9 s and fepnet.scores 6 s, their examples over a second each.
SLOW: set[str] = {"fepnet.recall", "fepnet.scores"}


def _modules() -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in MODULES_TXT.read_text().splitlines())
    return [line for line in lines if line]


def _flags_and_checker(config) -> tuple[int, doctest.OutputChecker]:
    """pytest's own option flags (NUMBER included) and output checker, else the standard library's."""
    try:
        from _pytest.doctest import _get_checker, get_optionflags

        return get_optionflags(config), _get_checker()
    except ImportError:  # pragma: no cover - a pytest without these internals
        return doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, doctest.OutputChecker()


def run_module_doctests(name: str, flags: int, checker: doctest.OutputChecker) -> tuple[int, int, str]:
    """Run the doctests of module ``name``: (examples tried, examples failed, the failure report)."""
    import matplotlib.pyplot as plt

    module = importlib.import_module(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    runner = doctest.DocTestRunner(checker=checker, optionflags=flags, verbose=False)
    report = io.StringIO()
    for test in sorted(tests, key=lambda t: t.name):
        runner.run(test, out=report.write)
        plt.close("all")
    result = runner.summarize(verbose=False)
    return result.attempted, result.failed, report.getvalue()


@pytest.mark.parametrize("name", [pytest.param(m, marks=pytest.mark.slow) if m in SLOW else m for m in _modules()])
def test_module_examples_pass(name, pytestconfig):
    flags, checker = _flags_and_checker(pytestconfig)
    attempted, failed, report = run_module_doctests(name, flags, checker)
    assert failed == 0, f"{failed} of {attempted} examples of {name} failed:\n{report}"


def test_a_failing_example_fails(pytestconfig):
    """The runner reports a wrong output (so that a pass above means the examples ran and matched)."""
    flags, checker = _flags_and_checker(pytestconfig)
    test = doctest.DocTestParser().get_doctest(">>> print(round(1 / 3, 3))\n0.333\n>>> 1 + 1\n3\n", {}, "t", "t", 0)
    runner = doctest.DocTestRunner(checker=checker, optionflags=flags, verbose=False)
    out = io.StringIO()
    runner.run(test, out=out.write)
    assert runner.summarize(verbose=False) == (1, 2) and "Expected:\n    3" in out.getvalue()
