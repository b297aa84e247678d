"""Issue 8: an example that needs an optional extra says so in one line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script", ["plots.py", "repair_and_time.py"])
def test_example_without_matplotlib_says_so_in_one_line(script: str, tmp_path: Path) -> None:
    blocked = tmp_path / "blocked" / "matplotlib"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text('raise ImportError("matplotlib blocked by the test")\n')
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(blocked.parent), str(ROOT)]),
        "RADCALC_EXAMPLE_OUTPUT": str(tmp_path / "out"),
    }
    completed = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert completed.stderr.strip().splitlines() == [
        f'examples/{script} needs matplotlib: pip install ".[plot]" in a clone of radcalc'
    ]


def test_readme_install_lines_work_from_a_clone() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "radcalc[plot]" not in readme  # radcalc is not on PyPI: install from the clone
    assert 'pip install ".[plot]"' in readme
