"""The notebooks of examples/ are stored without outputs and executed by the docs build.

The execution itself happens in the Sphinx build (myst-nb, see docs/conf.py),
which CI runs with warnings as errors; these tests keep that set-up in place.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))


def test_there_is_a_notebook() -> None:
    assert NOTEBOOKS, "examples/ should hold the tutorial notebooks"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.name for n in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(notebook: Path) -> None:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for number, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{notebook.name} cell {number} has outputs"
            assert cell["execution_count"] is None, f"{notebook.name} cell {number} was run"


def test_docs_build_executes_notebooks_and_fails_on_an_error() -> None:
    tree = ast.parse((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"))
    settings = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert ast.literal_eval(settings["nb_execution_mode"]) == "force"
    assert ast.literal_eval(settings["nb_execution_raise_on_error"]) is True


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.name for n in NOTEBOOKS])
def test_notebook_is_a_tutorial_page(notebook: Path) -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert f"tutorials/{notebook.stem}" in index, f"{notebook.name} is not in docs/index.md"
