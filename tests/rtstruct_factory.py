"""Synthetic DICOM RT Structure Set files for the tests: analytic shapes, no patient data.

``write_rtstruct_file`` writes the ROIs given (numbers, names, contours as
``(N, 3)`` arrays of x, y, z [mm]) with pydicom. ``disc_contours`` contours a
solid of revolution about the z axis (sphere, cylinder, cone) every
``spacing_mm``. Keyword arguments make the broken files the reader refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian

RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
FRAME_OF_REFERENCE = "1.2.826.0.1.3680043.8.498.12"  # as tests/dicom_rtdose_factory.py

#: One ROI: (number, name, contours); a contour is an (N, 3) array of x, y, z [mm],
#: or a (ContourGeometricType, array) pair.
Roi = tuple[int, str, Sequence[Any]]


def circle(x: float, y: float, z: float, radius: float, vertices: int = 128) -> np.ndarray:
    """A closed polygon of ``vertices`` points on a circle, at height z, as (N, 3) [mm]."""
    angle = 2 * np.pi * np.arange(vertices) / vertices
    return np.c_[x + radius * np.cos(angle), y + radius * np.sin(angle), np.full(vertices, z)]


def disc_contours(
    radius_at: Callable[[float], float],
    z_range: tuple[float, float],
    spacing_mm: float,
    *,
    centre: tuple[float, float] = (0.0, 0.0),
) -> list[np.ndarray]:
    """Circular contours of a solid of revolution on planes every ``spacing_mm`` in z_range."""
    planes = np.arange(z_range[0], z_range[1] + 1e-9, spacing_mm)
    return [circle(*centre, float(z), radius_at(float(z))) for z in planes if radius_at(z) > 0.2]


def write_linear_rtdose(path: Path) -> Path:
    """An RT Dose of 13³ voxels of 2 mm centred on 0: 30 Gy at x = 0, rising 1 Gy/mm along x."""
    from dicom_rtdose_factory import write_rtdose_file

    return write_rtdose_file(
        path,
        shape=(13, 13, 13),
        spacing_mm=(2.0, 2.0, 2.0),
        origin_mm=(-12.0, -12.0, -12.0),
        base=30.0,
        gradient=(1.0, 0.0, 0.0),
    )


def write_rtstruct_file(
    path: Path,
    rois: Sequence[Roi],
    *,
    modality: str = "RTSTRUCT",
    sop_class_uid: str = RT_STRUCTURE_SET_STORAGE,
    file_meta: bool = True,
    truncate_bytes: int = 0,
    declared_points: int | None = None,
    undeclared_roi: bool = False,
    without_roi_sequence: bool = False,
    frame_of_reference_uid: str = FRAME_OF_REFERENCE,
) -> Path:
    """Write a synthetic RT Structure Set file and return its path.

    ``declared_points`` overrides NumberOfContourPoints of every contour;
    ``undeclared_roi`` adds contours for ROI number 999 that the ROI list
    lacks; ``without_roi_sequence`` leaves out StructureSetROISequence.
    """
    ds = Dataset()
    ds.SOPClassUID = sop_class_uid
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.21"
    ds.Modality = modality
    ds.PatientName = "Phantom^Linear"
    ds.PatientID = "PHANTOM-001"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.11"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.22"
    ds.StructureSetLabel = "phantoms"
    frame = Dataset()
    frame.FrameOfReferenceUID = frame_of_reference_uid
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([frame])
    declared, contour_items = [], []
    for number, name, contours in rois:
        roi = Dataset()
        roi.ROINumber = number
        roi.ReferencedFrameOfReferenceUID = FRAME_OF_REFERENCE
        roi.ROIName = name
        roi.ROIGenerationAlgorithm = "MANUAL"
        declared.append(roi)
        contour_items.append(_roi_contour(number, contours, declared_points))
    if undeclared_roi:
        contour_items.append(_roi_contour(999, [circle(0, 0, 0, 5)], None))
    if not without_roi_sequence:
        ds.StructureSetROISequence = DicomSequence(declared)
    ds.ROIContourSequence = DicomSequence(contour_items)
    if file_meta:
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = sop_class_uid
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta = meta
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
    else:
        pydicom.dcmwrite(path, ds, implicit_vr=True, little_endian=True)
    if truncate_bytes:
        path.write_bytes(path.read_bytes()[:-truncate_bytes])
    return path


def _roi_contour(number: int, contours: Sequence[Any], declared_points: int | None) -> Dataset:
    item = Dataset()
    item.ReferencedROINumber = number
    item.ROIDisplayColor = [255, 0, number % 256]
    sequence = []
    for contour in contours:
        kind, points = contour if isinstance(contour, tuple) else ("CLOSED_PLANAR", contour)
        points = np.asarray(points, dtype=float)
        entry = Dataset()
        entry.ContourGeometricType = kind
        entry.NumberOfContourPoints = declared_points or len(points)
        entry.ContourData = [f"{v:.6f}" for v in points.ravel()]
        sequence.append(entry)
    if sequence:
        item.ContourSequence = DicomSequence(sequence)
    return item
