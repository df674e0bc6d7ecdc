"""The three packages are layered: fepnet <- inference <- diagnostics, with no imports against the arrows."""

import subprocess
import sys

import pytest


def _loaded_after_import(module: str) -> set:
    code = f"import sys, {module}; print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize(
    "module, forbidden",
    [
        ("fepnet", {"numpyro", "arviz", "inference", "diagnostics"}),
        ("fepnet.cli", {"numpyro", "arviz", "inference", "diagnostics"}),  # imports them inside commands only
        ("inference", {"arviz", "diagnostics"}),
    ],
)
def test_package_does_not_import_the_layers_above(module, forbidden):
    loaded = _loaded_after_import(module)
    assert module.split(".")[0] in loaded
    assert not loaded & forbidden, f"importing {module} pulled in {sorted(loaded & forbidden)}"


def test_diagnostics_imports_quietly_and_fully():
    """Every diagnostics module imports, with ArviZ's FutureWarning about its 1.x refactor silenced (not leaked)."""
    modules = "diagnostics, diagnostics.convert, diagnostics.compare, diagnostics.two_sample, diagnostics.sbc, " \
              "diagnostics.plots, diagnostics.network_plots, fepnet.infra.report, diagnostics.validation, " \
              "diagnostics.coupling_recovery, diagnostics.model_selection, diagnostics.sequence_comparison"
    code = f"import warnings; warnings.simplefilter('error', FutureWarning); import {modules}; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
