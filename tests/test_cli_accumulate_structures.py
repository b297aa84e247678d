"""``radcalc accumulate --structure``: the per-structure sum of metrics, without registration.

Uniform phantoms: every dose metric of a structure in a uniform dose is that
dose, so the sums are closed-form. α/β and fractions are examples for the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

pytest.importorskip("pydicom")

from dicom_rtdose_factory import write_rtdose_file
from rtstruct_factory import disc_contours, write_rtstruct_file

from radcalc.cli import main

CYLINDER = disc_contours(lambda z: 5.0, (-6, 6), 2.0)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("courses")
    out = {}
    for name, gy, frame, roi in (
        ("1", 20.0, "1.2.3.1", "SpinalCord"),
        ("2", 10.0, "1.2.3.2", "Cord"),  # another frame, and another ROI name
    ):
        out[f"rd{name}"] = str(
            write_rtdose_file(
                root / f"RD{name}.dcm",
                shape=(13, 13, 13),
                spacing_mm=(2.0, 2.0, 2.0),
                origin_mm=(-12.0, -12.0, -12.0),
                base=gy,
                gradient=(0.0, 0.0, 0.0),
                frame_of_reference_uid=frame,
                sop_instance_uid=f"1.2.3.4.{name}",
            )
        )
        out[f"rs{name}"] = str(
            write_rtstruct_file(
                root / f"RS{name}.dcm", [(1, roi, CYLINDER)], frame_of_reference_uid=frame
            )
        )
    return out


def base_args(files: dict[str, str]) -> list[str]:
    return [
        "accumulate",
        "--course",
        f"{files['rd1']}:20",
        "--course",
        f"{files['rd2']}:10",
        "--interval",
        "24m",
        "--ab",
        "2",
    ]


def test_per_structure_sum_of_dmax(files: dict[str, str]) -> None:
    args = [*base_args(files), "--struct", files["rs1"], "--struct", files["rs2"]]
    result = CliRunner().invoke(main, [*args, "--structure", "spinal cord"])
    assert result.exit_code == 0, result.output
    # EQD2 = D (d + a/b) / (2 + a/b): 20 Gy in 20 fx -> 15 Gy, 10 Gy in 10 fx -> 7.5 Gy
    assert "Dmax cumulative EQD2 = 1 x 15.00 + 1 x 7.50 = 22.50 Gy" in result.output
    assert "method: per-structure sum of metrics (no registration)" in result.output
    assert "upper bound" in result.output
    d003 = CliRunner().invoke(
        main, [*args, "--structure", "SpinalCord", "--metric", "D0.03cc", "--quantity", "bed"]
    )
    assert d003.exit_code == 0, d003.output
    # BED = D (1 + d / (a/b)): 20 x 1.5 + 10 x 1.5 = 45 Gy; not a strict bound
    assert "D0.03cc cumulative BED = 1 x 30.00 + 1 x 15.00 = 45.00 Gy" in d003.output
    assert "not a strict bound" in d003.output


@pytest.mark.parametrize(
    ("extra", "match", "code"),
    [
        ([], "give -o/--output (the voxel map) and/or --structure", 2),
        (["--struct", "RS.dcm", "-o", "x.dcm"], "--struct is for --structure", 2),
        (["--structure", "cord", "--struct", "RS.dcm"], "one --struct per --course (2), got 1", 2),
        (
            ["--structure", "brainstem", "--struct", "{rs1}", "--struct", "{rs2}"],
            "(course 1): no ROI matches organ 'brainstem'",
            1,
        ),
        (
            ["--structure", "cord", "--struct", "{rs2}", "--struct", "{rs2}"],
            "frame of reference 1.2.3.2 differs from the dose's 1.2.3.1",
            1,
        ),
        (
            ["--structure", "cord", "--struct", "{rs1}", "--struct", "{rs2}", "--metric", "V20Gy"],
            "volumes at a dose do not add up",
            1,
        ),
    ],
)
def test_per_structure_errors(
    files: dict[str, str], extra: list[str], match: str, code: int
) -> None:
    extra = [e.format(**files) for e in extra]
    result = CliRunner().invoke(main, [*base_args(files), *extra])
    assert result.exit_code == code, result.output
    assert match in result.output and "Traceback" not in result.output
