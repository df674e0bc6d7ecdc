"""Every public object of fepnet, inference and diagnostics has a numpydoc docstring with its sections.

The public modules are those of ``docs/api/modules.txt`` (the API reference's pages), which must
equal the computed list (``docs/api/public_api.py``): a new module fails here until it is listed
(``python docs/api/public_api.py`` rewrites the file). Each object is checked once, in the module
that defines it (the page that documents it).

The rule, per object kind:

- every public function and class has a docstring (for jitted functions, the wrapped function's);
- a function has a ``Parameters`` section, unless its signature has no parameters (besides
  ``self`` / ``cls``);
- a function has a ``Returns`` or ``Yields`` section, unless it is annotated ``-> None``: a
  function that returns None may omit the section (or say ``None`` in it);
- a class has a ``Parameters`` or an ``Attributes`` section;
- a constant (tuple, dict, number, string) carries no docstring of its own: it has a doc comment
  (``#:`` lines directly above its assignment, read by Sphinx's autodoc) in the module whose page
  documents it; without one the API page would show the docstring of its type.

Sections are found as numpydoc headers: the name on its own line, underlined with dashes.
A failure lists every offending object as ``module.name: what is missing``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _public_api():
    spec = importlib.util.spec_from_file_location("fepnet_docs_public_api", ROOT / "docs" / "api" / "public_api.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


public_api = _public_api()
_SECTION = re.compile(r"^[ \t]*([A-Z][A-Za-z ]+?)[ \t]*\n[ \t]*-{3,}[ \t]*$", re.M)


def sections(doc: str) -> set[str]:
    """The numpydoc section names of a docstring (``Parameters``, ``Returns``...)."""
    return set(_SECTION.findall(doc or ""))


def docstring(obj) -> str:
    doc = inspect.getdoc(obj)
    if not doc:
        doc = inspect.getdoc(inspect.unwrap(obj)) if callable(obj) else None
    if doc and inspect.isclass(obj) and doc == inspect.getdoc(object):
        return ""
    return doc or ""


def _signature(obj):
    try:
        return inspect.signature(inspect.unwrap(obj))
    except (TypeError, ValueError):
        return None


def problems(module: str, name: str, kind: str, obj) -> list[str]:
    """What the docstring of ``module.name`` lacks, by the rule of this file's docstring."""
    doc = docstring(obj)
    if not doc.strip():
        return ["no docstring"]
    found = sections(doc)
    missing = []
    if kind == "class":
        if not found & {"Parameters", "Attributes"}:
            missing.append("Parameters or Attributes")
        return missing
    sig = _signature(obj)
    params = [p for p in (sig.parameters.values() if sig else ()) if p.name not in ("self", "cls")]
    if (params or sig is None) and "Parameters" not in found:
        missing.append("Parameters")
    returns_none = sig is not None and sig.return_annotation in (None, "None", "NoReturn")
    if not returns_none and not found & {"Returns", "Yields"}:
        missing.append("Returns (or Yields)")
    return missing


@pytest.fixture(scope="module")
def modules():
    return public_api.read_modules_txt()


def test_modules_txt_lists_every_public_module(modules):
    computed = public_api.public_modules()
    assert modules == computed, (
        "docs/api/modules.txt differs from the public modules (run python docs/api/public_api.py): "
        f"missing {sorted(set(computed) - set(modules))}, extra {sorted(set(modules) - set(computed))}")


def test_every_public_name_has_a_page(modules):
    assert public_api.undocumented_public_names(modules) == []


def test_modules_with_public_functions_have_all(modules):
    lacking = []
    for name in modules:
        module = importlib.import_module(name)
        if hasattr(module, "__all__"):
            continue
        defined = [n for n, v in vars(module).items() if not n.startswith("_")
                   and (inspect.isfunction(v) or inspect.isclass(v)) and getattr(v, "__module__", None) == name]
        if defined:
            lacking.append(f"{name} (defines {', '.join(sorted(defined))})")
    assert not lacking, "public modules without __all__: " + "; ".join(lacking)


def test_public_objects_have_numpydoc_sections(modules):
    pages = public_api.documented_objects(modules)
    offending, checked = [], 0
    for module in modules:
        for name, kind, obj in pages[module]:
            if kind == "data":
                continue
            checked += 1
            missing = problems(module, name, kind, obj)
            if missing:
                offending.append(f"{module}.{name}: missing {', '.join(missing)}")
    assert checked > 100, checked
    assert not offending, f"{len(offending)} of {checked} public objects lack numpydoc sections:\n" + "\n".join(offending)


def test_public_constants_have_doc_comments(modules):
    pages = public_api.documented_objects(modules)
    offending, checked = [], 0
    for module in modules:
        docs = public_api.constant_docs(importlib.import_module(module))
        for name, kind, _ in pages[module]:
            if kind != "data":
                continue
            checked += 1
            if not docs.get(name):
                offending.append(f"{module}.{name}")
    assert checked > 50, checked
    assert not offending, (f"{len(offending)} of {checked} public constants lack a '#:' doc comment above "
                           "their assignment:\n" + "\n".join(offending))


def test_constant_docs_reads_doc_comments(tmp_path, monkeypatch):
    """The doc-comment finder on a hand-made module (so that a pass above means something)."""
    (tmp_path / "hand_made_constants.py").write_text(
        "#: The first.\n#: Two lines.\nA = 1\n\n# a plain comment\nB = 2\n\nC: int = 3\n\"\"\"Below C.\"\"\"\n\n"
        "#: Above D.\n\nD = 4\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    docs = public_api.constant_docs(importlib.import_module("hand_made_constants"))
    assert docs == {"A": "The first. Two lines.", "C": "Below C."}


def test_the_rule_itself():
    """The section finder and the rule on hand-made objects (so that a pass above means something)."""

    def documented(x, y=1):
        """Sum.

        Parameters
        ----------
        x, y : float

        Returns
        -------
        float
        """

    def bare(x):
        """Only a summary."""

    def returns_nothing(x) -> None:
        """Nothing back.

        Parameters
        ----------
        x : int
        """

    class Point:
        """A point.

        Attributes
        ----------
        x : float
        """

    assert sections(documented.__doc__) == {"Parameters", "Returns"}
    assert problems("m", "documented", "function", documented) == []
    assert problems("m", "bare", "function", bare) == ["Parameters", "Returns (or Yields)"]
    assert problems("m", "returns_nothing", "function", returns_nothing) == []
    assert problems("m", "Point", "class", Point) == []
    assert problems("m", "f", "function", lambda: None) == ["no docstring"]
