"""The files every release ships: LICENSE, CITATION.cff, CHANGELOG.md, py.typed, `fepnet --version`,
and pyproject's URLs and classifiers."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import fepnet

ROOT = Path(__file__).resolve().parents[2]

try:  # Python 3.11+
    import tomllib
except ImportError:  # pragma: no cover - Python 3.10
    tomllib = None


def test_license_is_the_mit_text():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 fepnet developers" in text
    assert "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND" in text


def test_citation_cff_parses_and_names_software_and_paper():
    text = (ROOT / "CITATION.cff").read_text()
    try:
        import yaml
    except ImportError:  # a light check without PyYAML
        for line in ("cff-version: 1.2.0", "title: fepnet", f"version: {fepnet.__version__}", "license: MIT",
                     "preferred-citation:", "arXiv:2505.22749"):
            assert line in text, line
        return
    cff = yaml.safe_load(text)
    assert cff["cff-version"] == "1.2.0"
    assert cff["title"] == "fepnet" and cff["type"] == "software"
    assert str(cff["version"]) == fepnet.__version__
    assert cff["license"] == "MIT" and str(cff["date-released"]) == "2026-11-28"
    assert cff["authors"] == [{"name": "fepnet developers"}]
    paper = cff["preferred-citation"]
    assert paper["type"] == "article" and "Self-orthogonalizing attractor neural networks" in paper["title"]
    assert [a["family-names"] for a in paper["authors"]] == ["Spisak", "Friston"]
    assert any(i["value"] == "arXiv:2505.22749" for i in paper["identifiers"])


def test_changelog_has_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog")
    assert re.search(rf"^## \[{re.escape(fepnet.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)
    assert "Keep a Changelog" in text


def test_fepnet_version_command(capsys):
    from fepnet.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"fepnet {fepnet.__version__}\n" == "fepnet 0.1.0\n"


@pytest.mark.parametrize("package", ["fepnet", "inference", "diagnostics"])
def test_py_typed_in_the_imported_package(package):
    module = importlib.import_module(package)
    assert (Path(module.__file__).parent / "py.typed").is_file()


@pytest.mark.skipif(tomllib is None, reason="tomllib needs Python 3.11")
def test_pyproject_urls_classifiers_and_package_data():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    meta = project["project"]
    assert set(meta["urls"]) >= {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert all(url.startswith("https://") for url in meta["urls"].values())
    classifiers = set(meta["classifiers"])
    assert {f"Programming Language :: Python :: 3.{minor}" for minor in (10, 11, 12)} <= classifiers
    assert {"Typing :: Typed", "Operating System :: OS Independent"} <= classifiers
    # the licence as an SPDX expression with its file (PEP 639), not a deprecated classifier
    assert meta["license"] == "MIT" and meta["license-files"] == ["LICENSE"]
    assert not any(c.startswith("License ::") for c in classifiers)
    assert meta["version"] == fepnet.__version__
    data = project["tool"]["setuptools"]["package-data"]
    assert all("py.typed" in data[p] for p in ("fepnet", "inference", "diagnostics"))
    assert {"sphinx", "myst-nb", "numpydoc", "sphinx-gallery", "furo"} <= {
        re.split(r"[<>=\[ ]", req)[0] for req in meta["optional-dependencies"]["docs"]}
