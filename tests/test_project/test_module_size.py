"""One concept per file, about 400 lines at most: a longer module says in its docstring why it is one concept."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("fepnet", "inference", "diagnostics")
SOFT_LIMIT = 450   # above this a module's docstring must say why it is one concept
HARD_LIMIT = 650   # above this a module must be split


def modules():
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_walk_sees_the_packages():
    names = {p.relative_to(ROOT).as_posix() for p in modules()}
    assert {"fepnet/network.py", "inference/exact.py", "diagnostics/convert.py"} <= names
    assert len(names) > 100


def test_no_module_is_longer_than_the_hard_limit():
    long = {p.relative_to(ROOT).as_posix(): n for p in modules()
            if (n := len(p.read_text().splitlines())) > HARD_LIMIT}
    assert not long, f"split these modules by concept: {long}"


def test_a_long_module_says_why_it_is_one_concept():
    unexplained = []
    for p in modules():
        text = p.read_text()
        if len(text.splitlines()) <= SOFT_LIMIT:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if "\nOne concept, " not in "\n" + doc:
            unexplained.append(p.relative_to(ROOT).as_posix())
    assert not unexplained, (
        f"modules over {SOFT_LIMIT} lines without a paragraph 'One concept, ...' in their docstring: "
        f"{unexplained}")
