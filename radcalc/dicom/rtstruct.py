"""Reading DICOM RT Structure Set files into :class:`~radcalc.structures.StructureSet`.

Only this module (and :mod:`radcalc.dicom.rtdose`) imports pydicom.

What is read
------------
* ``StructureSetROISequence``: ROI numbers and names (names kept exactly as in
  the file; they must be unique).
* ``ROIContourSequence``: per ROI its colour and contours. ``CLOSED_PLANAR``
  and ``CLOSEDPLANAR_XOR`` contours become :class:`~radcalc.structures.Contour`
  polygons; several on one plane combine by the even-odd rule (holes,
  islands). ``POINT`` and ``OPEN_PLANAR``/``OPEN_NONPLANAR`` contours (markers,
  lines) carry no volume and are skipped.
* The frame of reference UID (``ReferencedFrameOfReferenceSequence``).
* The slice thickness for end-caps: the most common spacing of contour
  planes over all structures of the file (see :mod:`radcalc.structures`).

An ROI without contours is kept (its mask or DVH raises, naming the file).
Refused with :class:`~radcalc.errors.InvalidInputError` naming the file and
the problem: an unreadable or truncated file, a file that is not an RT
Structure Set, a missing ROI sequence, duplicate ROI names, contours of an ROI
number that is not declared, contour data that are not x, y, z triples or do
not match ``NumberOfContourPoints``, fewer than 3 points, and contours that are
not planar on an axial plane (z varying by more than 0.01 mm).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from radcalc._files import MAX_BINARY_BYTES, read_bytes
from radcalc.dicom.rtdose import _fail, _parse, _text
from radcalc.errors import InvalidInputError
from radcalc.structures import PLANE_TOLERANCE_MM, Contour, Structure, StructureSet

__all__ = ["RT_STRUCTURE_SET_STORAGE", "read_rtstruct"]

#: SOP Class UID of RT Structure Set Storage.
RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
_CLOSED = ("CLOSED_PLANAR", "CLOSEDPLANAR_XOR")


def read_rtstruct(path: str | os.PathLike[str]) -> StructureSet:
    """Read a DICOM RT Structure Set file.

    Parameters
    ----------
    path : str or os.PathLike
        The RT Structure Set file (with or without the DICOM file meta header).

    Returns
    -------
    StructureSet
        The ROIs in file order, with their numbers, names, colours and closed
        planar contours [mm, patient frame]; ``source`` is the file.

    Raises
    ------
    InvalidInputError
        Naming the file and the problem (see the module docstring).

    Examples
    --------
    >>> rs = read_rtstruct("RS.dcm")  # doctest: +SKIP
    >>> rs.names, rs["Brainstem"].volume_cc  # doctest: +SKIP
    """
    file = Path(path)
    data = read_bytes(file, max_bytes=MAX_BINARY_BYTES)
    ds = _parse(file, data)
    sop_class, modality = _text(ds, "SOPClassUID"), _text(ds, "Modality")
    if not (sop_class == RT_STRUCTURE_SET_STORAGE or (not sop_class and modality == "RTSTRUCT")):
        raise _fail(
            file,
            f"not an RT Structure Set (Modality {modality or 'missing'!r}, SOP Class UID "
            f"{sop_class or 'missing'!r})",
        )
    rois = ds.get("StructureSetROISequence")
    if rois is None:
        raise _fail(file, "no StructureSetROISequence (the list of ROIs) in the file")
    names: dict[int, str] = {}
    for index, item in enumerate(rois):
        number = _roi_number(file, item, "ROINumber", f"StructureSetROISequence[{index}]")
        if number in names:
            raise _fail(file, f"ROI number {number} is declared twice")
        names[number] = _text(item, "ROIName")
    contours: dict[int, list[Contour]] = {number: [] for number in names}
    colours: dict[int, tuple[int, int, int]] = {}
    for index, item in enumerate(ds.get("ROIContourSequence") or ()):
        number = _roi_number(file, item, "ReferencedROINumber", f"ROIContourSequence[{index}]")
        if number not in names:
            raise _fail(file, f"ROIContourSequence[{index}] refers to ROI {number}, not declared")
        colour = _colour(item.get("ROIDisplayColor"))
        if colour is not None:
            colours[number] = colour
        label = f"ROI {number} {names[number]!r}"
        for k, contour in enumerate(item.get("ContourSequence") or ()):
            read = _contour(file, contour, f"{label}, contour {k}")
            if read is not None:
                contours[number].append(read)
    thickness = _slice_thickness(list(contours.values()))
    structures = []
    try:
        for number, name in names.items():
            structures.append(
                Structure(
                    number,
                    name,
                    tuple(contours[number]),
                    color=colours.get(number),
                    slice_thickness_mm=thickness,
                    source=str(file),
                )
            )
        return StructureSet(
            tuple(structures),
            frame_of_reference_uid=_frame_of_reference(ds),
            source=str(file),
        )
    except InvalidInputError as exc:
        message = str(exc)
        raise (exc if message.startswith(str(file)) else _fail(file, message)) from None


def _roi_number(file: Path, item: Any, keyword: str, where: str) -> int:
    value = item.get(keyword)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _fail(file, f"{where}: {keyword} must be a whole number, got {value!r}") from None


def _colour(value: Any) -> tuple[int, int, int] | None:
    try:
        r, g, b = (int(v) for v in value)
    except (TypeError, ValueError):
        return None
    return (r, g, b)


def _contour(file: Path, item: Any, label: str) -> Contour | None:
    kind = _text(item, "ContourGeometricType").upper()
    if kind and kind not in _CLOSED:
        return None  # POINT and OPEN_* contours enclose no volume
    raw = item.get("ContourData")
    try:
        values = np.array([float(v) for v in (raw if raw is not None else ())], dtype=np.float64)
    except (TypeError, ValueError):
        raise _fail(file, f"{label}: ContourData must be numbers") from None
    if values.size % 3:
        raise _fail(file, f"{label}: ContourData must be x, y, z triples, got {values.size} values")
    points = values.reshape(-1, 3)
    declared = item.get("NumberOfContourPoints")
    if declared is not None and int(declared) != len(points):
        raise _fail(
            file,
            f"{label}: NumberOfContourPoints is {int(declared)} but ContourData holds "
            f"{len(points)} points",
        )
    if len(points) < 3:
        raise _fail(file, f"{label}: a closed contour needs >= 3 points, got {len(points)}")
    if not np.isfinite(points).all():
        raise _fail(file, f"{label}: ContourData must be finite")
    z = points[:, 2]
    if float(np.ptp(z)) > PLANE_TOLERANCE_MM:
        raise _fail(
            file,
            f"{label}: the contour is not planar on an axial plane (z from {z.min():g} to "
            f"{z.max():g} mm); only axial contours are supported",
        )
    try:
        return Contour(float(z.mean()), points[:, :2])
    except InvalidInputError as exc:
        raise _fail(file, f"{label}: {exc}") from None


def _slice_thickness(all_contours: list[list[Contour]]) -> float | None:
    """The most common spacing [mm] of contour planes in the file (rounded to 0.01 mm)."""
    gaps: list[float] = []
    for contours in all_contours:
        planes = np.unique(np.round([c.z_mm for c in contours], 2))
        gaps.extend(np.round(np.diff(planes), 2).tolist())
    positive = [g for g in gaps if g > 0]
    if not positive:
        return None
    values, counts = np.unique(positive, return_counts=True)
    return float(values[int(np.argmax(counts))])


def _frame_of_reference(ds: Any) -> str:
    for item in ds.get("ReferencedFrameOfReferenceSequence") or ():
        uid = _text(item, "FrameOfReferenceUID")
        if uid:
            return uid
    return ""
