"""``radcalc dvh`` with CliRunner, on files from the RT Dose and RT Structure Set factories.

α/β values and fractions here are examples for the tests, not recommendations.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

pytest.importorskip("pydicom")

from rtstruct_factory import circle, disc_contours, write_linear_rtdose, write_rtstruct_file

from radcalc.cli import main


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    rd = write_linear_rtdose(tmp_path / "RD.dcm")
    sphere = disc_contours(lambda z: float(np.sqrt(max(64 - z**2, 0))), (-9, 9), 2.0)
    small = [circle(0, 0, z, 3) for z in (-2.0, 0.0, 2.0)]
    far = [circle(40, 0, 0, 3)]
    rs = write_rtstruct_file(
        tmp_path / "RS.dcm",
        [(1, "Sphere", sphere), (2, "Small", small), (3, "Far", far), (4, "Empty", [])],
    )
    return str(rd), str(rs)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_dvh_table(files: tuple[str, str]) -> None:
    code, out, err = run("dvh", *files, "--structure", "Sphere", "--structure", "Small")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["structure", "volume", "[cc]", "Dmax"]
    assert lines[1].startswith("Sphere") and lines[2].startswith("Small")
    assert "half-slice end-caps" in out


def test_dvh_json_eqd2_with_per_structure_alpha_beta(files: tuple[str, str]) -> None:
    code, out, err = run(
        "dvh", *files, "--structure", "Sphere", "--structure", "Small",
        "--metric", "Dmean", "--metric", "V30Gy%", "--fx", "15", "--ab", "3",
        "--ab-for", "Small=10", "--json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["quantity"] == "EQD2" and doc["fractions"] == 15
    sphere, small = doc["structures"]
    assert (sphere["alpha_beta"], small["alpha_beta"]) == (3, 10)
    assert sphere["metrics"]["Dmean"]["unit"] == "Gy EQD2"
    assert sphere["metrics"]["V30Gy%"]["unit"] == "%"
    # EQD2 per voxel with its own dose per fraction: above EQD2 of the mean dose (convex).
    assert sphere["metrics"]["Dmean"]["value"] > 30 * (2 + 3) / (2 + 3)  # 30 Gy in 15 fx


def test_dvh_all_structures_reports_failures(files: tuple[str, str]) -> None:
    code, out, err = run("dvh", *files)
    assert code == 1
    assert "Sphere" in out and "Small" in out
    assert "'Empty' has no contours; skipped" in err
    assert "'Far' (ROI 3" in err and "contours off the dose grid" in err
    assert "D2cc asks for more volume" in err  # 'Small' is 0.34 cc: a note, not a failure
    assert "Traceback" not in err


def test_dvh_plot(files: tuple[str, str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "dvh.png"
    code, _, err = run(
        "dvh", *files, "--structure", "Sphere", "--fx", "15", "--ab", "3", "--plot", str(png)
    )
    assert code == 0, err
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        (["--fx", "5"], 2, "--fx and --ab go together"),
        (["--ab-for", "Sphere=3"], 2, "--ab-for needs --fx"),
        (["--plot", "x.png"], 2, "--plot needs --fx and --ab"),
        (["--fx", "5", "--ab", "3", "--ab-for", "Cord=2"], 1, "no structure named 'Cord'"),
        (["--fx", "5", "--ab", "3", "--ab-for", "Sphere"], 1, "must be NAME=VALUE"),
        (["--structure", "sphere"], 1, "did you mean 'Sphere'"),
        (["--metric", "D95"], 1, "needs % or cc"),
        (["--structure", "Empty"], 1, "'Empty' .* has no contours"),
    ],
    ids=lambda v: str(v),
)
def test_dvh_errors(files: tuple[str, str], args: list[str], code: int, match: str) -> None:
    exit_code, _, err = run("dvh", *files, *args)
    assert exit_code == code
    assert re.search(match, err), err
    assert "Traceback" not in err


def test_dvh_wrong_file(files: tuple[str, str]) -> None:
    rd, rs = files
    code, _, err = run("dvh", rs, rd)
    assert (code == 1 and "not an RT Dose" in err) or "RT Dose" in err


def test_eqd2_does_not_import_pydicom() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from radcalc.cli import main; "
        "CliRunner().invoke(main, ['eqd2', '--dose', '60', '--fx', '30', '--ab', '3']); "
        "print('pydicom' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_dvh_refuses_another_frame_of_reference(files: tuple[str, str], tmp_path: Path) -> None:
    other = write_rtstruct_file(
        tmp_path / "RS_other.dcm",
        [(1, "Small", [circle(0, 0, 0, 3)])],
        frame_of_reference_uid="1.2.826.0.1.3680043.8.498.99",
    )
    code, _, err = run("dvh", files[0], str(other))
    assert code == 1 and "frame of reference 1.2.826.0.1.3680043.8.498.99 differs" in err
