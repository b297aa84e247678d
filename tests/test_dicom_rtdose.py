"""DICOM RT Dose: reading the variants of real exports, refusing bad files, writing doses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")

from dicom_rtdose_factory import (  # noqa: E402
    FRAME_OF_REFERENCE,
    PATIENT,
    RT_PLAN_STORAGE,
    linear_dose,
    write_ct_file,
    write_rtdose_file,
)

from radcalc.dicom.rtdose import (  # noqa: E402
    PLAN_UIDS_KEY,
    dose_grid_scaling,
    read_rtdose,
    write_rtdose,
)
from radcalc.errors import InvalidInputError  # noqa: E402
from radcalc.grid import DoseGrid  # noqa: E402

RT_DOSE_STORAGE = "1.2.840.10008.5.1.4.1.1.481.2"


def _expected(grid: DoseGrid, **kwargs: Any) -> np.ndarray[Any, Any]:
    return linear_dose(grid.x_mm, grid.y_mm, grid.z_mm, **kwargs)


# ------------------------------------------------------------------ reading
VARIANTS = [
    pytest.param({}, id="multi-frame uint32, relative offsets, 2.5x2x3 mm"),
    pytest.param({"bits": 16}, id="uint16"),
    pytest.param({"offsets": "absolute"}, id="absolute GridFrameOffsetVector"),
    pytest.param({"file_meta": False}, id="no file meta (bare implicit VR)"),
    pytest.param({"file_meta": False, "bits": 16}, id="no file meta, uint16"),
    pytest.param({"shape": (1, 6, 7)}, id="single frame"),
    pytest.param({"spacing_mm": (1.0, 1.0, 1.0), "shape": (4, 5, 6)}, id="1 mm voxels"),
    pytest.param({"spacing_mm": (3.0, 3.0, 3.0)}, id="3 mm voxels"),
    pytest.param(
        {"orientation": (-1, 0, 0, 0, -1, 0), "base": 40.0}, id="head-first prone (axes reversed)"
    ),
    pytest.param(
        {"orientation": (-1, 0, 0, 0, -1, 0), "base": 40.0, "offsets": "absolute"},
        id="prone, absolute offsets",
    ),
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_read_variants_match_the_analytic_dose(tmp_path: Path, variant: dict[str, Any]) -> None:
    path = write_rtdose_file(tmp_path / "RD.dcm", **variant)
    grid = read_rtdose(path)
    base = variant.get("base", 10.0)
    expected = _expected(grid, base=base)
    bits = variant.get("bits", 32)
    step = float(expected.max()) / (2**bits - 2)
    np.testing.assert_allclose(grid.dose, expected, rtol=0, atol=step)  # half a step + DS
    nz = variant.get("shape", (5, 6, 7))[0]
    dz, dy, dx = variant.get("spacing_mm", (2.5, 2.0, 3.0))
    assert grid.spacing_mm == pytest.approx((dz, dy, dx), rel=1e-12)
    x0, y0, z0 = (-9.0, -5.0, -5.0)
    assert (grid.x_mm[0], grid.y_mm[0], grid.z_mm[0]) == pytest.approx((x0, y0, z0))
    assert grid.shape[0] == nz
    assert grid.dose.dtype == np.float64
    assert grid.quantity == "physical"
    assert grid.frame_of_reference_uid == FRAME_OF_REFERENCE
    assert grid.source == str(path)
    if nz == 1:
        assert grid.slice_thickness_mm == dz


def test_read_keeps_identity(tmp_path: Path) -> None:
    grid = read_rtdose(write_rtdose_file(tmp_path / "RD.dcm", plan_uids=("1.2.3", "1.2.4")))
    for key, value in PATIENT.items():
        assert grid.identity[key] == value, key
    assert grid.identity["SOPInstanceUID"] == "1.2.826.0.1.3680043.8.498.14"
    assert grid.identity["SOPClassUID"] == RT_DOSE_STORAGE
    assert grid.identity["DoseSummationType"] == "PLAN"
    assert grid.identity[PLAN_UIDS_KEY] == "1.2.3\\1.2.4"


def test_relative_units_with_prescription(tmp_path: Path) -> None:
    # Relative values are fractions of the prescription (1.0 = 100 %).
    path = write_rtdose_file(tmp_path / "RD.dcm", units="RELATIVE", relative_reference_gy=20.0)
    grid = read_rtdose(path, prescription_gy=20.0)
    np.testing.assert_allclose(grid.dose, _expected(grid), rtol=0, atol=1e-6)


def test_top_level_names() -> None:
    import radcalc

    assert radcalc.read_rtdose is read_rtdose
    assert radcalc.write_rtdose is write_rtdose


BAD_FILES = [
    pytest.param(
        {"truncate_bytes": 40}, r"truncated: element \(7FE0,0010\) declares 840", id="truncated"
    ),
    pytest.param({"truncate_bytes": 900}, "the file is truncated", id="truncated in a sequence"),
    pytest.param({"truncate_bytes": 1300}, "the file is truncated", id="truncated early"),
    pytest.param({"truncate_bytes": 1700}, "not a", id="only the header left"),
    pytest.param({"units": "RELATIVE"}, "DoseUnits RELATIVE.*give the prescription", id="RELATIVE"),
    pytest.param({"units": "CGY"}, "DoseUnits must be GY or RELATIVE, got CGY", id="cGy units"),
    pytest.param({"dose_type": "ERROR"}, "DoseType ERROR", id="dose difference"),
    pytest.param({"orientation": (0, 1, 0, 0, 0, -1)}, "is not axial", id="sagittal orientation"),
    pytest.param(
        {"orientation": (0.9, 0.43589, 0, -0.43589, 0.9, 0)}, "is not axial", id="oblique"
    ),
    pytest.param({"pixel_data": "missing"}, "no PixelData", id="no pixel data"),
    pytest.param(
        {"pixel_data": "short"}, r"PixelData has 740 bytes.*need 840", id="short pixel data"
    ),
    pytest.param({"pixel_data": "short", "file_meta": False}, "PixelData has", id="short, no meta"),
    pytest.param({"extra": {"Rows": 7}}, r"Rows x Columns .* 7 x 7", id="rows mismatch"),
    pytest.param(
        {"offsets": "missing"},
        "GridFrameOffsetVector is missing but the file has 5 frames",
        id="no offsets",
    ),
    pytest.param(
        {"offsets": "short"},
        "GridFrameOffsetVector has 4 values but NumberOfFrames is 5",
        id="offsets too short",
    ),
    pytest.param({"offsets": "shifted"}, "neither 0 .* nor the z", id="offsets inconsistent"),
    pytest.param({"extra": {"DoseGridScaling": None}}, "DoseGridScaling is missing", id="scale"),
    pytest.param({"scaling": "-1"}, r"DoseGridScaling must be > 0", id="negative scaling"),
    pytest.param({"extra": {"BitsAllocated": 8}}, "BitsAllocated must be 16 or 32", id="8 bit"),
    pytest.param({"extra": {"PixelSpacing": [0, 1]}}, "PixelSpacing must be > 0", id="spacing"),
    pytest.param(
        {"modality": "CT", "sop_class_uid": "1.2.840.10008.5.1.4.1.1.2"},
        "not an RT Dose file",
        id="wrong SOP class",
    ),
    pytest.param(
        {"extra": {"ImagePositionPatient": None}}, "ImagePositionPatient is missing", id="no IPP"
    ),
]


@pytest.mark.parametrize(("variant", "match"), BAD_FILES)
def test_bad_files_are_refused_naming_the_file(
    tmp_path: Path, variant: dict[str, Any], match: str
) -> None:
    path = write_rtdose_file(tmp_path / "bad.dcm", **variant)
    with pytest.raises(InvalidInputError, match=match) as info:
        read_rtdose(path)
    assert str(info.value).startswith(str(path))


def test_wrong_modality(tmp_path: Path) -> None:
    path = write_ct_file(tmp_path / "CT.dcm")
    with pytest.raises(InvalidInputError, match=r"CT.dcm: not an RT Dose file .*Modality CT"):
        read_rtdose(path)


@pytest.mark.parametrize(
    "content", [b"", b"hello, this is not DICOM\n" * 10, bytes(range(256)) * 4], ids=repr
)
def test_not_dicom(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.dcm"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError, match=r"junk.dcm: not (an RT Dose|a readable DICOM)"):
        read_rtdose(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="cannot read the file"):
        read_rtdose(tmp_path / "nope.dcm")
    with pytest.raises(InvalidInputError, match="it is a folder"):
        read_rtdose(tmp_path)


def test_prescription_rules(tmp_path: Path) -> None:
    gy = write_rtdose_file(tmp_path / "gy.dcm")
    with pytest.raises(InvalidInputError, match=r"prescription_gy applies only to .*RELATIVE"):
        read_rtdose(gy, prescription_gy=60.0)
    rel = write_rtdose_file(tmp_path / "rel.dcm", units="RELATIVE", relative_reference_gy=20.0)
    with pytest.raises(InvalidInputError, match=r"prescription_gy \[Gy\] must be finite and > 0"):
        read_rtdose(rel, prescription_gy=0.0)
    # Percent (values up to ~80) is refused rather than guessed.
    pct = write_rtdose_file(tmp_path / "pct.dcm", units="RELATIVE", relative_reference_gy=0.2)
    with pytest.raises(InvalidInputError, match="divided by 100"):
        read_rtdose(pct, prescription_gy=20.0)


# ------------------------------------------------------------------ writing
@pytest.fixture
def source(tmp_path: Path) -> DoseGrid:
    path = write_rtdose_file(tmp_path / "RD.dcm", with_dvh=True)
    return read_rtdose(path)


def test_write_every_attribute(tmp_path: Path, source: DoseGrid) -> None:
    eqd2 = source.dose * 1.2
    out = write_rtdose(
        tmp_path / "RD_eqd2.dcm", eqd2, like=source, description="EQD2 LQ a/b 3 Gy 35 fx"
    )
    ds = pydicom.dcmread(out)
    # new instance and series; file meta agrees
    assert ds.SOPInstanceUID != source.identity["SOPInstanceUID"]
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.file_meta.MediaStorageSOPClassUID == RT_DOSE_STORAGE == ds.SOPClassUID
    assert ds.SeriesInstanceUID != source.identity["SeriesInstanceUID"]
    assert ds.Modality == "RTDOSE"
    # patient, study and frame of reference kept
    for key, value in PATIENT.items():
        assert str(ds[key].value) == value, key
    assert ds.FrameOfReferenceUID == FRAME_OF_REFERENCE
    # RT Dose module
    assert ds.DoseType == "EFFECTIVE"
    assert ds.DoseUnits == "GY"
    assert ds.DoseSummationType == "PLAN"
    assert ds.DoseComment == "EQD2 LQ a/b 3 Gy 35 fx"
    assert ds.SpatialTransformOfDose == "NONE"
    assert "quantity=EQD2" in ds.DerivationDescription
    assert ds.BitsAllocated == 32 and ds.BitsStored == 32 and ds.PixelRepresentation == 0
    assert len(str(ds["DoseGridScaling"].value)) <= 16
    assert "DVHSequence" not in ds  # stale DVHs of the source are not carried over
    # references to the source dose and its plan
    (ref,) = ds.ReferencedInstanceSequence
    assert ref.ReferencedSOPClassUID == RT_DOSE_STORAGE
    assert ref.ReferencedSOPInstanceUID == source.identity["SOPInstanceUID"]
    assert ref.PurposeOfReferenceCodeSequence[0].CodeValue == "121322"
    (plan,) = ds.ReferencedRTPlanSequence
    assert plan.ReferencedSOPClassUID == RT_PLAN_STORAGE
    assert plan.ReferencedSOPInstanceUID == source.identity[PLAN_UIDS_KEY]
    # geometry
    assert [float(v) for v in ds.ImagePositionPatient] == [-9.0, -5.0, -5.0]
    assert [float(v) for v in ds.ImageOrientationPatient] == [1, 0, 0, 0, 1, 0]
    assert [float(v) for v in ds.GridFrameOffsetVector] == [0, 2.5, 5, 7.5, 10]
    assert ds.NumberOfFrames == 5 and ds.Rows == 6 and ds.Columns == 7


def test_written_file_passes_pydicom_validation(tmp_path: Path, source: DoseGrid) -> None:
    from pydicom.dataset import validate_file_meta

    out = write_rtdose(tmp_path / "o.dcm", source.dose, like=source, description="EQD2 x")
    with pydicom.config.strict_reading():
        ds = pydicom.dcmread(out)
    validate_file_meta(ds.file_meta, enforce_standard=True)
    ds.ensure_file_meta()
    assert out.read_bytes()[128:132] == b"DICM"
    # Every DS/LO/CS value obeys its VR when re-written strictly.
    old = pydicom.config.settings.writing_validation_mode
    pydicom.config.settings.writing_validation_mode = pydicom.config.RAISE
    try:
        pydicom.dcmwrite(tmp_path / "again.dcm", ds, enforce_file_format=True)
    finally:
        pydicom.config.settings.writing_validation_mode = old


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_within_quantisation(tmp_path: Path, source: DoseGrid, dtype: type) -> None:
    dose = (source.dose * 3.7).astype(dtype)
    out = write_rtdose(tmp_path / "o.dcm", dose, like=source, description="BED a/b 10")
    back = read_rtdose(out)
    step = float(pydicom.dcmread(out).DoseGridScaling)
    np.testing.assert_allclose(back.dose, dose.astype(float), rtol=0, atol=step / 2 + 1e-15)
    assert back.quantity == "BED"
    assert back.same_geometry(source)
    assert back.identity["PatientID"] == PATIENT["PatientID"]


def test_rounding_not_truncation(tmp_path: Path, source: DoseGrid) -> None:
    # 60 Gy sets the step to 1.5e-8 Gy; 2.6 steps must read back as 3 steps, not 2.
    dose = np.zeros(source.shape)
    dose[0, 0, 0] = 60.0
    dose[0, 0, 1] = 2.6 * 1.5e-8
    out = write_rtdose(tmp_path / "o.dcm", dose, like=source, description="EQD2")
    ds = pydicom.dcmread(out)
    assert ds.DoseGridScaling == pytest.approx(1.5e-8)
    assert ds.pixel_array[0, 0, 1] == 3


def test_prone_round_trip(tmp_path: Path) -> None:
    path = write_rtdose_file(tmp_path / "RD.dcm", orientation=(-1, 0, 0, 0, -1, 0), base=40.0)
    grid = read_rtdose(path)
    back = read_rtdose(
        write_rtdose(tmp_path / "o.dcm", grid, like=grid, description="x", quantity="physical")
    )
    assert back.same_geometry(grid)
    assert pydicom.dcmread(tmp_path / "o.dcm").DoseType == "PHYSICAL"


def test_sum_of_plans(tmp_path: Path) -> None:
    one = read_rtdose(write_rtdose_file(tmp_path / "RD1.dcm", plan_uids=("1.1",)))
    two = read_rtdose(
        write_rtdose_file(
            tmp_path / "RD2.dcm",
            plan_uids=("1.2",),
            sop_instance_uid="1.2.826.0.1.3680043.8.498.99",
        )
    )
    out = write_rtdose(
        tmp_path / "sum.dcm",
        one.dose + two.dose,
        like=one,
        sources=[one, two],
        description="EQD2 sum a/b 3",
        spatial_transform="RIGID",
    )
    ds = pydicom.dcmread(out)
    assert ds.DoseSummationType == "MULTI_PLAN"
    assert [p.ReferencedSOPInstanceUID for p in ds.ReferencedRTPlanSequence] == ["1.1", "1.2"]
    assert [r.ReferencedSOPInstanceUID for r in ds.ReferencedInstanceSequence] == [
        one.identity["SOPInstanceUID"],
        two.identity["SOPInstanceUID"],
    ]
    assert ds.SpatialTransformOfDose == "RIGID"
    assert "ReferencedSpatialRegistrationSequence" in ds
    assert "RD1.dcm, RD2.dcm" in ds.DerivationDescription


def test_in_memory_grid_can_be_written(tmp_path: Path) -> None:
    grid = DoseGrid(np.full((2, 3, 4), 2.0), z_mm=[0, 2], y_mm=[0, 2, 4], x_mm=[0, 2, 4, 6])
    out = write_rtdose(tmp_path / "o.dcm", grid.dose, like=grid, description="EQD2 phantom")
    back = read_rtdose(out)
    np.testing.assert_allclose(back.dose, 2.0, rtol=1e-9)
    assert back.frame_of_reference_uid  # a new frame of reference, never empty
    assert "ReferencedInstanceSequence" not in pydicom.dcmread(out)


@pytest.mark.parametrize(
    ("maximum", "levels"), [(60.0, 4.0e9), (0.01, 4.0e9), (1234.5678, 4.0e9), (7.3e-5, 4.0e9)]
)
def test_dose_grid_scaling_fits_ds_and_uint32(maximum: float, levels: float) -> None:
    text = dose_grid_scaling(maximum)
    assert len(text) <= 16
    assert maximum / float(text) <= 2**32 - 1
    assert maximum / float(text) == pytest.approx(levels, rel=1e-6)


WRITE_ERRORS = [
    pytest.param({"description": "x" * 65}, "at most 64 characters", id="long comment"),
    pytest.param({"description": "  "}, "must not be empty", id="empty comment"),
    pytest.param({"description": "a\\b"}, "backslashes", id="backslash"),
    pytest.param({"description": "no quantity"}, "quantity must be given", id="no quantity"),
    pytest.param({"quantity": "eqd2"}, "quantity must be one of", id="bad quantity"),
    pytest.param({"summation": "SUM"}, "summation must be one of", id="bad summation"),
    pytest.param({"spatial_transform": "AFFINE"}, "NONE or RIGID", id="bad transform"),
    pytest.param({"dose": np.ones((2, 2, 2))}, r"grid's shape \(5, 6, 7\)", id="shape"),
    pytest.param({"dose": np.full((5, 6, 7), np.nan)}, r"dose \[Gy\] must be finite", id="NaN"),
    pytest.param({"like": "RD.dcm"}, "like must be a DoseGrid", id="like"),
]


@pytest.mark.parametrize(("overrides", "match"), WRITE_ERRORS)
def test_write_errors(
    tmp_path: Path, source: DoseGrid, overrides: dict[str, Any], match: str
) -> None:
    kwargs: dict[str, Any] = {"like": source, "description": "EQD2 a/b 3"}
    dose = overrides.pop("dose", source.dose)
    kwargs.update(overrides)
    with pytest.raises(InvalidInputError, match=match):
        write_rtdose(tmp_path / "o.dcm", dose, **kwargs)
    assert not (tmp_path / "o.dcm").exists()


def test_refuses_to_overwrite_the_source(source: DoseGrid) -> None:
    with pytest.raises(InvalidInputError, match="refusing to overwrite the source"):
        write_rtdose(source.source, source.dose, like=source, description="EQD2")
    assert read_rtdose(source.source).quantity == "physical"
