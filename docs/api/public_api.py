"""The public API of fepnet, inference and diagnostics, as the docs and the docstring test see it.

Public modules: every module of the three packages whose dotted path has no part starting with
``_``, except ``fepnet.cli`` (and its submodules) and ``fepnet.version``. A module's public names
are its ``__all__``; each is documented once, in the module that defines it:

- a function or class (any callable with a ``__module__``, jitted functions included) in the module
  named by its ``__module__``;
- a constant (a tuple, dict, number, string...) in the module whose source assigns it at top level;
- a module listed in an ``__all__`` is not an object of that page (it has a page of its own).

``python docs/api/public_api.py`` rewrites ``docs/api/modules.txt`` (the list the docs build and
``tests/test_project/test_docstrings.py`` read); ``--check`` only compares.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
import types
from pathlib import Path

PACKAGES = ("fepnet", "inference", "diagnostics")
EXCLUDED = ("fepnet.cli", "fepnet.version")
MODULES_TXT = Path(__file__).with_name("modules.txt")


def excluded(name: str) -> bool:
    """Whether the dotted module ``name`` is left out of the API reference."""
    parts = name.split(".")
    return any(p.startswith("_") for p in parts) or any(name == e or name.startswith(e + ".") for e in EXCLUDED)


def public_modules() -> list[str]:
    """Every public module of the three packages, sorted (packages are imported to walk them)."""
    names = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.append(package)
        names.extend(info.name for info in pkgutil.walk_packages(module.__path__, package + ".")
                     if not excluded(info.name))
    return sorted(names)


def read_modules_txt(path: Path = MODULES_TXT) -> list[str]:
    """The modules listed in ``docs/api/modules.txt`` (one per line; ``#`` comments and blanks ignored)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def top_level_assignments(module: types.ModuleType) -> set[str]:
    """The names the module's source assigns at top level (``X = ...``, ``X: T = ...``)."""
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return set()
    names = set()
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    names.add(sub.id)
    return names


def constant_docs(module: types.ModuleType) -> dict[str, str]:
    """The doc comments of the module's top-level assignments, as Sphinx's autodoc reads them.

    A doc comment is one or more ``#:`` lines directly above the assignment (``#: text``), or a
    string literal directly below it. Without one, autodoc would show the docstring of the
    constant's type (``str(object='') -> str``...).
    """
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return {}
    lines = source.splitlines()
    body = ast.parse(source).body
    docs = {}
    for i, node in enumerate(body):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        comment = []
        row = node.lineno - 2
        while row >= 0 and lines[row].lstrip().startswith("#:"):
            comment.insert(0, lines[row].lstrip()[2:].strip())
            row -= 1
        text = " ".join(comment)
        nxt = body[i + 1] if i + 1 < len(body) else None
        if not text and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant) \
                and isinstance(nxt.value.value, str):
            text = nxt.value.value.strip()
        if text:
            for name in names:
                docs[name] = text
    return docs


def kind(obj) -> str:
    """``"module"``, ``"class"``, ``"function"`` (any other callable) or ``"data"``."""
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def documented_objects(modules: list[str]) -> dict[str, list[tuple[str, str, object]]]:
    """For each public module, ``(name, kind, object)`` of the public objects its page documents.

    A class or function goes to the module named by its ``__module__`` when that module is public
    (otherwise to the shallowest public module listing it); a constant to every listing module whose
    source assigns it (otherwise to the shallowest listing module). A page lists its objects in its
    module's ``__all__`` order.
    """
    public = set(modules)
    listings: dict[object, list[tuple[str, str, str, object]]] = {}
    for m in modules:
        module = importlib.import_module(m)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            k = kind(obj)
            if k == "module":
                continue
            key = id(obj) if k in ("class", "function") else (id(obj), name)
            listings.setdefault(key, []).append((m, name, k, obj))
    pages: dict[str, list[tuple[str, str, object]]] = {m: [] for m in modules}
    assigned: dict[str, set[str]] = {}
    shallowest = lambda names: min(names, key=lambda n: (n.count("."), n))  # noqa: E731
    for entries in listings.values():
        _, name, k, obj = entries[0]
        home = getattr(obj, "__module__", None) if k in ("class", "function") else None
        if isinstance(home, str):
            owners = [home] if home in public else [shallowest([e[0] for e in entries])]
            name = next((e[1] for e in entries if e[0] == home), getattr(obj, "__name__", name))
        else:
            for m, _, _, _ in entries:
                if m not in assigned:
                    assigned[m] = top_level_assignments(importlib.import_module(m))
            owners = [m for m, _, _, _ in entries if name in assigned[m]] or [shallowest([e[0] for e in entries])]
        for owner in owners:
            pages[owner].append((name, k, obj))
    for m in modules:
        order = {n: i for i, n in enumerate(getattr(importlib.import_module(m), "__all__", ()))}
        pages[m].sort(key=lambda item: order.get(item[0], len(order)))
    return pages


def undocumented_public_names(modules: list[str]) -> list[str]:
    """``module.name`` for each non-module name in a public ``__all__`` that no page documents."""
    pages = documented_objects(modules)
    documented = {id(obj) for items in pages.values() for _, _, obj in items}
    return [f"{m}.{name}" for m in modules for name in getattr(importlib.import_module(m), "__all__", ())
            if kind(getattr(importlib.import_module(m), name)) != "module"
            and id(getattr(importlib.import_module(m), name)) not in documented]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
    computed = public_modules()
    if "--check" in argv:
        listed = read_modules_txt()
        if listed != computed:
            print("docs/api/modules.txt is out of date; run python docs/api/public_api.py", file=sys.stderr)
            return 1
        return 0
    MODULES_TXT.write_text("\n".join(computed) + "\n")
    print(f"wrote {len(computed)} modules to {MODULES_TXT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
