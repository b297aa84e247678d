"""Sphinx configuration of the radcalc documentation site.

Build (warnings are errors, as in CI)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The notebooks of ``examples/`` are copied into ``docs/tutorials/`` and
executed by myst-nb during the build; a cell that raises fails the build.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import radcalc  # noqa: E402

project = "radcalc"
author = "the radcalc developers"
copyright = "radcalc developers, MIT licence"  # noqa: A001
release = radcalc.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]

# ---------------------------------------------------------------- sources
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
root_doc = "index"
# Module docstrings list their references as numbered citations ([1]_) that
# the module text does not always cite; an unreferenced citation is harmless.
suppress_warnings = ["ref.citation"]

# ---------------------------------------------------------------- API
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"  # the numpydoc sections carry the types and units
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# ---------------------------------------------------------------- MyST / notebooks
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # every build runs every notebook
nb_execution_raise_on_error = True  # a failing cell fails the build (and CI)
nb_execution_timeout = 120
nb_execution_show_tb = True
nb_merge_streams = True

# ---------------------------------------------------------------- HTML
html_theme = "sphinx_rtd_theme"
html_title = f"radcalc {release}"
html_static_path: list[str] = []



def _copy_notebooks() -> None:
    """Copy examples/*.ipynb into docs/tutorials/ (git-ignored), so they build as pages."""
    target = DOCS / "tutorials"
    target.mkdir(exist_ok=True)
    for stale in target.glob("*.ipynb"):
        stale.unlink()
    for notebook in sorted((ROOT / "examples").glob("*.ipynb")):
        shutil.copyfile(notebook, target / notebook.name)


_copy_notebooks()
