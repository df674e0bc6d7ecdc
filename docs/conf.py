"""Sphinx configuration of fepnet's documentation.

Build (warnings are errors)::

    pip install -e ".[docs]"
    sphinx-build -W --keep-going -b html docs docs/_build/html

The API reference is generated at the start of every build: one page per module listed in
``docs/api/modules.txt`` (``docs/api/generated/``, git-ignored), each with the module's docstring,
a summary table and the full docstring of every object the module defines (see
``docs/api/public_api.py`` for which module documents which object). The user guide
(``docs/guide/*.md``) is executed by MyST-NB; the gallery (``examples/*.py``) by sphinx-gallery.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
from pathlib import Path
from urllib.parse import urlparse

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "api"))
# Executed notebooks: the checkout's packages in the kernels, and no MPLBACKEND inherited (a kernel
# with MPLBACKEND=Agg would draw no inline figures); the gallery runs in this process, on Agg.
os.environ.pop("MPLBACKEND", None)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
# NumPyro imports tqdm.auto, which in a Jupyter kernel without ipywidgets warns "IProgress not found" (and
# uses the text bar): tqdm's notice about the build's kernel, not part of any page, so the kernels ignore it.
os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), "ignore:IProgress not found"]))

import jinja2  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")

import fepnet  # noqa: E402
import public_api  # noqa: E402

# -- Project -------------------------------------------------------------------------------------

project = "fepnet"
author = "fepnet developers"
copyright = "2026, fepnet developers"
release = fepnet.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "jupyter_execute",
    "README.md",
    # sphinx-gallery writes a notebook next to each example page; MyST-NB must not read it as a page.
    "auto_examples/*.ipynb",
    "auto_examples/**/*.ipynb",
    "**.ipynb_checkpoints",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
# sphinx_gallery_conf holds functions (reset_argv, the PNG scraper): Sphinx cannot pickle it, says
# so once per build, and rereads every page (no incremental builds of the docs, which CI does not use).
suppress_warnings = ["config.cache"]

# -- HTML ----------------------------------------------------------------------------------------

html_theme = "furo"
html_title = f"fepnet {release}"
html_static_path = ["_static"]
html_css_files = ["fepnet.css"]

# -- MyST and MyST-NB: the user guide is executed at every build ---------------------------------

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = os.environ.get("FEPNET_DOCS_EXECUTION", "force")
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_excludepatterns = ["auto_examples/*"]
nb_merge_streams = True

# -- autodoc, autosummary, numpydoc --------------------------------------------------------------

autodoc_default_options = {}
autodoc_typehints = "none"  # numpydoc's Parameters section carries the types
autodoc_member_order = "bysource"
autosummary_generate = False  # the module pages are written below, from docs/api/modules.txt
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = {"GL08"}  # every documented object has a docstring
numpydoc_validation_exclude = {r"\._[a-z]", r"\.__"}

# -- intersphinx: only the inventories this machine can reach ------------------------------------

_INVENTORIES = {
    "python": "https://docs.python.org/3",
    "numpy": "https://numpy.org/doc/stable",
    "jax": "https://docs.jax.dev/en/latest",
    "numpyro": "https://num.pyro.ai/en/stable",
    "arviz": "https://python.arviz.org/en/stable",
}


def _reachable(url: str, timeout: float = 2.0) -> bool:
    try:
        socket.create_connection((urlparse(url).hostname, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


# Offline (CI has package registries only) an unreachable inventory would be a warning, hence an
# error under -W: leave out each inventory whose host does not answer. FEPNET_DOCS_OFFLINE=1 skips the probe.
if os.environ.get("FEPNET_DOCS_OFFLINE") == "1":
    intersphinx_mapping = {}
else:
    intersphinx_mapping = {name: (url, None) for name, url in _INVENTORIES.items() if _reachable(url)}
intersphinx_timeout = 10

# -- sphinx-gallery ------------------------------------------------------------------------------

GALLERY_OUT = DOCS / "_build" / "gallery-out"


def _gallery_argv(gallery_conf, script_vars):
    """Each example writes its files under docs/_build/gallery-out/<name>, not into examples/."""
    name = Path(script_vars["src_file"]).stem
    argv = ["--out", str(GALLERY_OUT / name)]
    return argv + (["--no-progress"] if name == "learning_and_model_comparison" else [])


class PNGScraper:
    """Picks up the PNG files an example wrote (through ``--out``) during each code block."""

    def __repr__(self):  # stable, so that sphinx-gallery's cache key does not change between builds
        return "PNGScraper"

    def __call__(self, block, block_vars, gallery_conf):
        from sphinx_gallery.scrapers import figure_rst

        out = GALLERY_OUT / Path(block_vars["src_file"]).stem
        seen = block_vars.setdefault("fepnet_seen_png", set())
        new = sorted(p for p in out.rglob("*.png") if p not in seen) if out.is_dir() else []
        names = []
        for png, target in zip(new, block_vars["image_path_iterator"]):
            seen.add(png)
            Path(target).write_bytes(png.read_bytes())
            names.append(target)
        return figure_rst(names, gallery_conf["src_dir"])


sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r".*\.py$",  # execute every script
    "ignore_pattern": r"__init__\.py",
    "image_scrapers": ("matplotlib", PNGScraper()),
    "reset_argv": _gallery_argv,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "plot_gallery": "True",
}

# -- The API pages -------------------------------------------------------------------------------

API = DOCS / "api"
GENERATED = API / "generated"
PACKAGE_TITLES = {
    "fepnet": "fepnet: the core, the paper's protocols, capacity and sweeps",
    "inference": "inference: NumPyro references",
    "diagnostics": "diagnostics: ArviZ diagnostics, comparisons and plots",
}


def _summary(module) -> str:
    doc = (module.__doc__ or "").strip()
    return doc.split("\n\n", 1)[0].replace("\n", " ") if doc else ""


def _short_value(obj) -> bool:
    try:
        return len(repr(obj)) <= 120
    except Exception:  # noqa: BLE001 - a repr that fails is not shown
        return False


def write_api_pages() -> list[str]:
    """Write docs/api/generated/<module>.rst for every module of modules.txt, and one index per package."""
    modules = public_api.read_modules_txt()
    pages = public_api.documented_objects(modules)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(DOCS / "_templates" / "autosummary")),
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    module_template = env.get_template("module.rst")
    index_template = env.get_template("package_index.rst")
    GENERATED.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for name in modules:
        objects = pages[name]
        text = module_template.render(
            fullname=name,
            underline="=" * len(name),
            functions=[n for n, k, _ in objects if k == "function"],
            classes=[n for n, k, _ in objects if k == "class"],
            data=[(n, _short_value(o)) for n, k, o in objects if k == "data"],
            all_names=[n for n, _, _ in objects],
        )
        wanted.add(_write(GENERATED / f"{name}.rst", text))
    for package in public_api.PACKAGES:
        members = [m for m in modules if m == package or m.startswith(package + ".")]
        rows = [(m, _summary(importlib.import_module(m)), len(pages[m])) for m in members]
        wanted.add(_write(GENERATED / f"index_{package}.inc",
                          index_template.render(package=package, title=PACKAGE_TITLES[package], rows=rows)))
    for stale in [*GENERATED.glob("*.rst"), *GENERATED.glob("*.inc")]:
        if stale.name not in wanted:
            stale.unlink()
    return modules


def _write(path: Path, text: str) -> str:
    if not path.exists() or path.read_text() != text:  # unchanged pages keep their mtime: no rebuild
        path.write_text(text)
    return path.name


write_api_pages()

# -- Re-exported names (fepnet.train, inference.nuts_samples...) resolve to their defining page ---


def _canonical(target: str):
    """The documented (defining) name of an importable dotted ``target``, or None."""
    parts = target.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None)
        if isinstance(module, str) and isinstance(qualname, str):
            return f"{module}.{qualname}"
        return None
    return None


def _resolve_reexport(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if not target.startswith(public_api.PACKAGES):
        return None
    canonical = _canonical(target)
    if canonical is None or canonical == target:
        return None
    domain = env.get_domain("py")
    found = domain.objects.get(canonical)
    if found is None:
        return None
    from sphinx.util.nodes import make_refnode

    return make_refnode(app.builder, node["refdoc"], found.docname, found.node_id, contnode, canonical)


def _skip_member(app, what, name, obj, skip, options):
    """Leave out NamedTuple field aliases ("Alias for field number 0"): numpydoc's section lists them."""
    doc = getattr(obj, "__doc__", None) or ""
    if what == "class" and doc.startswith("Alias for field number"):
        return True
    return None


def setup(app):
    app.connect("missing-reference", _resolve_reexport)
    app.connect("autodoc-skip-member", _skip_member)
    return {"parallel_read_safe": True}
