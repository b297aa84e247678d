"""examples/dicom_courses.py: two synthetic courses' DICOM files to a cumulative EQD2 map,
DVH metrics and a ``radcalc check`` report (run in-process; test_examples.py also runs it
as a script)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("pydicom")
pytest.importorskip("scipy")

ROOT = Path(__file__).resolve().parents[1]


def test_dicom_courses_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location(
        "dicom_courses", ROOT / "examples" / "dicom_courses.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUTPUT = tmp_path
    numbers = module.main()
    out = capsys.readouterr().out
    # max of a sum <= sum of maxima: the per-structure Dmax sum bounds the voxel sum's Dmax
    assert numbers["voxel_dmax"] <= numbers["sum_of_dmax"] + 1e-9
    assert numbers["voxel_d003"] <= numbers["voxel_dmax"]
    assert numbers["ok"] == 1.0
    import radcalc

    written = radcalc.read_rtdose(tmp_path / "RD_cumulative_eqd2.dcm")
    assert written.quantity == "EQD2"
    assert "dose per course: #1 D0.03cc" in out
    assert "OK: nothing FAILs" in out
