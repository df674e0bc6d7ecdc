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
    [("fepnet", {"numpyro", "arviz", "inference", "diagnostics"}), ("inference", {"arviz", "diagnostics"})],
)
def test_package_does_not_import_the_layers_above(module, forbidden):
    loaded = _loaded_after_import(module)
    assert module in loaded
    assert not loaded & forbidden, f"importing {module} pulled in {sorted(loaded & forbidden)}"
