"""examples/repair_and_time.py runs as CI runs it, and its numbers are the library's."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

import radcalc

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "repair_and_time.py"


def test_example_writes_table_and_figure(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RADCALC_EXAMPLE_OUTPUT": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-W", "error", str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert (tmp_path / "repair_and_time.png").stat().st_size > 10_000
    assert (tmp_path / "repair_and_time.md").read_text().startswith("EQD2 [Gy]")
    with open(tmp_path / "repair_and_time.csv", newline="") as handle:
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
