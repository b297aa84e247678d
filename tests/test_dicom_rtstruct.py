"""radcalc.dicom.rtstruct: RT Structure Set files built with pydicom (tests/rtstruct_factory.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

pytest.importorskip("pydicom")

from rtstruct_factory import circle, disc_contours, write_linear_rtdose, write_rtstruct_file

import radcalc
from radcalc.errors import InvalidInputError

R = 8.0  # sphere radius [mm]


def sphere_rois() -> list[Any]:
    sphere = disc_contours(lambda z: float(np.sqrt(max(R**2 - z**2, 0))), (-9, 9), 2.0)
    ring = [circle(0, 0, z, 6) for z in (-2.0, 0.0, 2.0)] + [
        circle(0, 0, z, 3)[::-1] for z in (-2.0, 0.0, 2.0)
    ]
    markers = [("POINT", [[1.0, 2.0, 0.0]])]
    return [(1, "Sphere", sphere), (2, "Ring", ring), (3, "Marker", markers), (7, "Empty", [])]


@pytest.fixture
def rs_file(tmp_path: Path) -> Path:
    return write_rtstruct_file(tmp_path / "RS.dcm", sphere_rois())


def test_read_rtstruct(rs_file: Path) -> None:
    rs = radcalc.read_rtstruct(rs_file)
    assert rs.names == ("Sphere", "Ring", "Marker", "Empty")
    assert rs.source == str(rs_file)
    assert rs.frame_of_reference_uid == "1.2.826.0.1.3680043.8.498.12"
    sphere = rs["Sphere"]
    assert sphere.number == 1 and sphere.color == (255, 0, 1)
    assert sphere.slice_thickness_mm == 2.0
    assert sphere.planes_mm.tolist() == [-7.0 + 2 * k for k in range(8)]
    ring = rs["Ring"]
    area = np.pi * (36 - 9) * (128 / (2 * np.pi) * np.sin(2 * np.pi / 128))
    assert ring.volume_cc == pytest.approx(3 * 2 * area / 1000, rel=1e-6)
    assert rs["Marker"].is_empty and rs["Empty"].is_empty
    assert "Sphere" in rs and len(rs) == 4
    assert "Ring" in rs._repr_html_()


def test_dvh_from_files(tmp_path: Path, rs_file: Path) -> None:
    rd = write_linear_rtdose(tmp_path / "RD.dcm")
    grid = radcalc.read_rtdose(rd)
    rs = radcalc.read_rtstruct(rs_file)
    h = radcalc.dvh(grid, rs["Sphere"])
    # Symmetric about x = 0 on a linear dose: Dmean = 30 Gy; D50% = 30 Gy.
    assert h.metric("Dmean") == pytest.approx(30.0, abs=0.02)
    assert h.metric("D50%") == pytest.approx(30.0, abs=0.1)
    assert h.volume_cc == pytest.approx(rs["Sphere"].volume_cc, rel=1e-9)
    with pytest.raises(InvalidInputError, match=r"'Empty' \(ROI 7, .*RS.dcm\) has no contours"):
        radcalc.dvh(grid, rs["Empty"])


def test_closedplanar_xor_holes(tmp_path: Path) -> None:
    ring = [("CLOSEDPLANAR_XOR", circle(0, 0, 0, 6)), ("CLOSEDPLANAR_XOR", circle(0, 0, 0, 3))]
    path = write_rtstruct_file(tmp_path / "xor.dcm", [(1, "Ring", ring)])
    ring_structure = radcalc.read_rtstruct(path)["Ring"]
    factor = 128 / (2 * np.pi) * np.sin(2 * np.pi / 128)  # 128-gon area / circle area
    expected = np.pi * (36 - 9) * factor  # the ring's area [mm²]
    assert ring_structure.plane_area_mm2(ring_structure.contours) == pytest.approx(
        expected,
        rel=1e-6,  # ContourData is written with 6 decimals
    )


def test_file_without_meta(tmp_path: Path) -> None:
    path = write_rtstruct_file(tmp_path / "bare.dcm", sphere_rois(), file_meta=False)
    assert radcalc.read_rtstruct(path).names[0] == "Sphere"


def _nonplanar() -> list[Any]:
    points = circle(0, 0, 0, 5)
    points[3, 2] = 1.0
    return [(1, "Tilted", [points])]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"modality": "RTDOSE", "sop_class_uid": "1.2.840.10008.5.1.4.1.1.481.2"},
            "not an RT Structure Set",
        ),
        ({"truncate_bytes": 40}, "truncated|not a readable DICOM"),
        ({"without_roi_sequence": True}, "no StructureSetROISequence"),
        ({"undeclared_roi": True}, "refers to ROI 999, not declared"),
        ({"declared_points": 5}, "NumberOfContourPoints is 5 but ContourData holds 128 points"),
        ({"rois": _nonplanar()}, r"ROI 1 'Tilted', contour 0: the contour is not planar"),
        ({"rois": [(1, "Tiny", [circle(0, 0, 0, 1)[:2]])]}, "needs >= 3 points, got 2"),
        ({"rois": [(1, "A", []), (2, "A", [])]}, "two structures are named 'A'"),
        ({"rois": [(1, "A", []), (1, "B", [])]}, "ROI number 1 is declared twice"),
    ],
    ids=lambda v: "",
)
def test_bad_files(tmp_path: Path, kwargs: dict[str, Any], match: str) -> None:
    rois = kwargs.pop("rois", sphere_rois())
    path = write_rtstruct_file(tmp_path / "bad.dcm", rois, **kwargs)
    with pytest.raises(InvalidInputError, match=match) as info:
        radcalc.read_rtstruct(path)
    assert str(path) in str(info.value)


def test_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="cannot read the file"):
        radcalc.read_rtstruct(tmp_path / "missing.dcm")
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not dicom at all" * 10)
    with pytest.raises(InvalidInputError, match=r"junk\.dcm: not a readable DICOM"):
        radcalc.read_rtstruct(junk)
