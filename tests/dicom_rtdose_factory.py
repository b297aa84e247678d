"""Synthetic DICOM RT Dose files for the tests: analytic phantoms, no patient data.

``write_rtdose_file`` builds an RT Dose with pydicom and writes it to a path
(usually under ``tmp_path``). The dose is a linear gradient

    D(x, y, z) = base + gx * x + gy * y + gz * z   [Gy, coordinates in mm]

sampled at the voxel centres, so every voxel's dose is known in closed form.
Keyword arguments reproduce the variants found in real exports (each named in
docs/howto/dicom.md) and the broken files the reader must refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, RTDoseStorage

RT_PLAN_STORAGE = "1.2.840.10008.5.1.4.1.1.481.5"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"

#: Identifiers every factory file carries (fixed, so tests can check they are kept).
PATIENT = {
    "PatientName": "Phantom^Linear",
    "PatientID": "PHANTOM-001",
    "PatientBirthDate": "19700101",
    "PatientSex": "O",
    "StudyInstanceUID": "1.2.826.0.1.3680043.8.498.11",
    "StudyDate": "20260101",
    "StudyTime": "120000",
    "StudyID": "S1",
    "AccessionNumber": "A1",
    "ReferringPhysicianName": "",
}
FRAME_OF_REFERENCE = "1.2.826.0.1.3680043.8.498.12"


def linear_dose(
    x_mm: np.ndarray[Any, Any],
    y_mm: np.ndarray[Any, Any],
    z_mm: np.ndarray[Any, Any],
    *,
    base: float = 10.0,
    gradient: tuple[float, float, float] = (0.5, 0.25, 0.1),
) -> np.ndarray[Any, Any]:
    """Dose [Gy] on the grid in (z, y, x) order: ``base + gx x + gy y + gz z``."""
    gx, gy, gz = gradient
    z, y, x = np.meshgrid(z_mm, y_mm, x_mm, indexing="ij")
    return base + gx * x + gy * y + gz * z


def write_rtdose_file(
    path: Path,
    *,
    shape: tuple[int, int, int] = (5, 6, 7),
    spacing_mm: tuple[float, float, float] = (2.5, 2.0, 3.0),
    origin_mm: tuple[float, float, float] = (-9.0, -5.0, -5.0),
    base: float = 10.0,
    gradient: tuple[float, float, float] = (0.5, 0.25, 0.1),
    dose: np.ndarray[Any, Any] | None = None,
    bits: int = 32,
    offsets: str = "relative",
    file_meta: bool = True,
    units: str = "GY",
    relative_reference_gy: float = 1.0,
    orientation: Sequence[float] = (1, 0, 0, 0, 1, 0),
    dose_type: str = "PHYSICAL",
    summation: str = "PLAN",
    plan_uids: Sequence[str] = ("1.2.826.0.1.3680043.8.498.13",),
    sop_instance_uid: str = "1.2.826.0.1.3680043.8.498.14",
    frame_of_reference_uid: str = FRAME_OF_REFERENCE,
    with_dvh: bool = False,
    sop_class_uid: str = RTDoseStorage,
    modality: str = "RTDOSE",
    pixel_data: str = "ok",
    scaling: str | None = None,
    truncate_bytes: int = 0,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a synthetic RT Dose file and return its path.

    Parameters (the variants)
    -------------------------
    shape, spacing_mm : (nz, ny, nx) and (dz, dy, dx) [mm]; ``nz == 1`` writes
        a single-frame file (no NumberOfFrames, no GridFrameOffsetVector).
    origin_mm : (x0, y0, z0), the ImagePositionPatient [mm].
    bits : 16 or 32 (unsigned pixels scaled by DoseGridScaling).
    offsets : "relative" (first value 0), "absolute" (z coordinates) or
        "missing" / "short" (broken: absent or one value too few).
    file_meta : False writes a bare implicit-VR little-endian dataset (no
        preamble, no file meta), as some older systems export.
    units : "GY" or "RELATIVE" (then the dose is divided by
        ``relative_reference_gy``).
    orientation : ImageOrientationPatient; (-1, 0, 0, 0, -1, 0) is head-first
        prone (axial, axes reversed); anything else non-axial is refused.
    pixel_data : "ok", "missing" (no PixelData) or "short" (100 bytes fewer).
    scaling : the DoseGridScaling text; by default max dose / (2**bits - 2).
    truncate_bytes : cut this many bytes off the end of the written file.
    with_dvh : add a (stale) DVHSequence, which a derived dose must drop.
    """
    nz, ny, nx = shape
    dz, dy, dx = spacing_mm
    x0, y0, z0 = origin_mm
    row_sign, col_sign = float(orientation[0]) or 1.0, float(orientation[4]) or 1.0
    x_mm = x0 + row_sign * dx * np.arange(nx)
    y_mm = y0 + col_sign * dy * np.arange(ny)
    normal_z = row_sign * col_sign
    z_mm = z0 + normal_z * dz * np.arange(nz)
    if dose is None:
        dose = linear_dose(x_mm, y_mm, z_mm, base=base, gradient=gradient)
    stored = dose / relative_reference_gy if units == "RELATIVE" else dose
    levels = 2**bits - 2
    scale_text = scaling or pydicom.valuerep.format_number_as_ds(
        max(float(stored.max()), 1e-9) / levels
    )
    pixels = np.rint(stored / float(scale_text)).astype(f"<u{bits // 8}")

    ds = Dataset()
    ds.SOPClassUID = sop_class_uid
    ds.SOPInstanceUID = sop_instance_uid
    ds.Modality = modality
    for key, value in PATIENT.items():
        setattr(ds, key, value)
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.15"
    ds.FrameOfReferenceUID = frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.Manufacturer = "radcalc test factory"
    ds.ImagePositionPatient = [x0, y0, z0]
    ds.ImageOrientationPatient = list(orientation)
    ds.PixelSpacing = [dy, dx]
    ds.SliceThickness = dz if nz == 1 else ""
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ny
    ds.Columns = nx
    ds.BitsAllocated = bits
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    if nz > 1:
        ds.NumberOfFrames = nz
        ds.FrameIncrementPointer = pydicom.tag.Tag("GridFrameOffsetVector")
        relative = [float(dz * k) for k in range(nz)]
        if offsets == "relative":
            ds.GridFrameOffsetVector = relative
        elif offsets == "absolute":
            ds.GridFrameOffsetVector = [float(z) for z in z_mm]
        elif offsets == "short":
            ds.GridFrameOffsetVector = relative[:-1]
        elif offsets == "shifted":
            ds.GridFrameOffsetVector = [v + 7.0 for v in relative]
        elif offsets != "missing":
            raise ValueError(offsets)
    ds.DoseUnits = units
    ds.DoseType = dose_type
    ds.DoseSummationType = summation
    if plan_uids:
        items = []
        for uid in plan_uids:
            item = Dataset()
            item.ReferencedSOPClassUID = RT_PLAN_STORAGE
            item.ReferencedSOPInstanceUID = uid
            items.append(item)
        ds.ReferencedRTPlanSequence = DicomSequence(items)
    ds.DoseGridScaling = scale_text
    if with_dvh:
        dvh = Dataset()
        dvh.DVHType = "CUMULATIVE"
        dvh.DoseUnits = "GY"
        dvh.DoseType = "PHYSICAL"
        dvh.DVHDoseScaling = 1
        dvh.DVHVolumeUnits = "CM3"
        dvh.DVHNumberOfBins = 2
        dvh.DVHData = [1, 10, 1, 5]
        ds.DVHSequence = DicomSequence([dvh])
    if pixel_data == "ok":
        ds.PixelData = pixels.tobytes()
    elif pixel_data == "short":
        ds.PixelData = pixels.tobytes()[:-100]
    elif pixel_data != "missing":
        raise ValueError(pixel_data)
    for key, value in (extra or {}).items():
        setattr(ds, key, value)

    if file_meta:
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = sop_class_uid
        meta.MediaStorageSOPInstanceUID = sop_instance_uid
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta = meta
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
    else:
        # A bare implicit VR little endian dataset, no preamble, no file meta.
        pydicom.dcmwrite(path, ds, implicit_vr=True, little_endian=True)
    if truncate_bytes:
        data = path.read_bytes()
        path.write_bytes(data[:-truncate_bytes])
    return path


def write_ct_file(path: Path) -> Path:
    """A tiny CT image file (wrong modality for the RT Dose reader)."""
    ds = Dataset()
    ds.SOPClassUID = CT_IMAGE_STORAGE
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.16"
    ds.Modality = "CT"
    ds.Rows = 2
    ds.Columns = 2
    ds.BitsAllocated = 16
    ds.PixelData = bytes(8)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    pydicom.dcmwrite(path, ds)
    return path
