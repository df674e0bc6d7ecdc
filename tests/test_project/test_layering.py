"""The layers: fepnet core <- inference <- diagnostics <- applications (fepnet.paper, fepnet.cli).

Two kinds of check:

- static (AST): every import statement of every module, at module level or inside a
  function, points to its own layer or a lower one; and no module imports another
  package's underscore module or underscore name;
- dynamic: importing a package loads nothing from the layers above it (what a user pays
  for ``import fepnet``).
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("fepnet", "inference", "diagnostics")

# Layer of a module, lowest first. fepnet.paper, fepnet.capacity and fepnet.cli are the application layer.
LAYERS = ("core", "inference", "diagnostics", "paper", "cli")


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "fepnet":
        if len(parts) > 1 and parts[1] in ("paper", "capacity"):
            return "paper"
        if len(parts) > 1 and parts[1] == "cli":
            return "cli"
        return "core"
    return parts[0]


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield _module_name(path), path


def _imports(module: str, path: pathlib.Path):
    """(imported module, imported names, line) for every import statement, relative ones resolved."""
    is_package = path.name == "__init__.py"
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)]
                target = ".".join(anchor + ([node.module] if node.module else []))
            else:
                target = node.module
            names = tuple(a.name for a in node.names)
            # ``from pkg import submodule`` imports the submodule
            yield target, names, node.lineno


MODULES = dict(_modules())


def _ours(target: str) -> bool:
    return target.split(".")[0] in PACKAGES


def test_every_import_points_down_the_layers():
    wrong = []
    for module, path in MODULES.items():
        mine = LAYERS.index(layer_of(module))
        for target, names, line in _imports(module, path):
            if not _ours(target):
                continue
            targets = [target] + [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            for t in targets:
                if LAYERS.index(layer_of(t)) > mine:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} ({layer_of(module)}) imports {t} ({layer_of(t)})")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def _private_parts(target: str, names) -> list[str]:
    """Underscore modules or names in an import (dunder names such as __version__ are public)."""
    found = [p for p in target.split(".") if p.startswith("_") and not p.startswith("__")]
    found += [n for n in names if n.startswith("_") and not n.startswith("__")]
    return found


def _scan_private(paths):
    wrong = []
    for module, path in paths:
        own = module.split(".")[0]
        for target, names, line in _imports(module, path):
            if not _ours(target) or target.split(".")[0] == own:
                continue
            private = _private_parts(target, names)
            if private:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target} {names}: {private}")
    return wrong


def test_no_package_imports_another_packages_private_module_or_name():
    wrong = _scan_private(MODULES.items())
    extra = [(f"{p.parent.name}.{p.stem}", p) for d in ("benchmarks", "examples") for p in (ROOT / d).glob("*.py")]
    wrong += _scan_private(extra)
    assert not wrong, "private imports across packages:\n" + "\n".join(wrong)


def test_the_static_check_sees_a_violation():
    """The checker itself: an upward and a private import in a synthetic module are both caught."""
    src = "from fepnet.paper import PUBLISHED\nfrom fepnet.infra import _secret\n"
    tree = ast.parse(src)
    found = [(n.module, tuple(a.name for a in n.names)) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert LAYERS.index(layer_of(found[0][0])) > LAYERS.index(layer_of("fepnet.network"))
    assert _private_parts(*found[1]) == ["_secret"]
    assert _private_parts("fepnet.version", ("__version__",)) == []


def _loaded_after_import(module: str) -> set:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize(
    "module, forbidden",
    [
        ("fepnet", {"numpyro", "arviz", "inference", "diagnostics", "fepnet.paper", "fepnet.cli", "matplotlib"}),
        ("fepnet.cli", {"numpyro", "arviz", "inference", "diagnostics"}),  # commands import them inside run()
        ("inference", {"arviz", "diagnostics", "fepnet.paper", "fepnet.cli"}),
        ("diagnostics", {"fepnet.paper", "fepnet.cli"}),
    ],
)
def test_package_does_not_import_the_layers_above(module, forbidden):
    loaded = _loaded_after_import(module)
    assert module in loaded
    top = {m.split(".")[0] for m in loaded}
    hit = {f for f in forbidden if (f in loaded if "." in f else f in top)}
    assert not hit, f"importing {module} pulled in {sorted(hit)}"


def test_diagnostics_imports_quietly_and_fully():
    """Every diagnostics module imports, with ArviZ's FutureWarning about its 1.x refactor silenced (not leaked)."""
    modules = ", ".join(m for m in MODULES if m.startswith("diagnostics"))
    code = f"import warnings; warnings.simplefilter('error', FutureWarning); import {modules}; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
