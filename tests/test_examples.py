"""Every script in examples/ runs to completion as CI runs it, once, warnings as errors."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

import radcalc

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "examples").glob("*.py"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, str, Path]]:
    """Run each example once: name -> (exit status, stdout, stderr, output folder)."""
    results = {}
    for script in SCRIPTS:
        output = tmp_path_factory.mktemp(script.stem)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RADCALC_EXAMPLE_OUTPUT": str(output),
            "MPLBACKEND": "Agg",
        }
        completed = subprocess.run(
            [sys.executable, "-W", "error", str(script)],
            capture_output=True,
            text=True,
            cwd=output,
            env=env,
            timeout=120,
            check=False,
        )
        assert completed.stdout.strip(), f"{script.name} should show its result"
        results[script.name] = (completed.returncode, completed.stdout, completed.stderr, output)
    return results


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_example_runs(script: Path, runs: dict[str, tuple[int, str, str, Path]]) -> None:
    status, stdout, stderr, _ = runs[script.name]
    assert status == 0, stdout + stderr


def test_repair_and_time_writes_table_and_figure(
    runs: dict[str, tuple[int, str, str, Path]],
) -> None:
    pytest.importorskip("matplotlib")
    status, stdout, stderr, folder = runs["repair_and_time.py"]
    assert status == 0, stdout + stderr
    assert stderr == ""
    assert (folder / "repair_and_time.png").stat().st_size > 10_000
    assert (folder / "repair_and_time.md").read_text().startswith("EQD2 [Gy]")
    with open(folder / "repair_and_time.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 9  # 3 schedules x 3 tissues
    bid_late = next(
        row for row in rows if row["schedule"].startswith("65") and row["alpha_beta_gy"] == "3.0"
    )
    expected = radcalc.eqd2(
        65, 54, alpha_beta=3, fractions_per_day=2, interval_hours=6, repair_half_time_hours=4
    )
    assert float(bid_late["t_half_4h"]) == round(expected, 2)
    assert float(bid_late["full_repair"]) == round(radcalc.eqd2(65, 54, alpha_beta=3), 2)


def test_plots_example_writes_the_figures(runs: dict[str, tuple[int, str, str, Path]]) -> None:
    pytest.importorskip("matplotlib")
    status, stdout, stderr, folder = runs["plots.py"]
    assert status == 0, stdout + stderr
    assert stderr == ""
    for name in ("dvh.png", "eqd2_map.png", "budget.png"):
        assert (folder / name).read_bytes()[:4] == b"\x89PNG", name
        assert (folder / name).stat().st_size > 10_000, name
    # 45 Gy in 25 fx, limit 70 Gy EQD2 at alpha/beta 2 Gy (example): max_new_dose docstring.
    assert "5                     18.87 Gy" in stdout
    assert "30                    34.58 Gy" in stdout
