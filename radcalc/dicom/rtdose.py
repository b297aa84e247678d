"""Reading and writing DICOM RT Dose files (grid doses).

:func:`read_rtdose` keeps every quirk of real exports in one place: multi- and
single-frame files, a ``GridFrameOffsetVector`` relative to the first frame or
absolute, 16- and 32-bit pixels scaled by ``DoseGridScaling``, files without
the file meta header. It refuses, naming the file and the problem, anything it
cannot read with certainty: a file that is not an RT Dose, doses in RELATIVE
units without a prescription, non-axial orientations, missing, truncated or
inconsistent pixel data.

:func:`write_rtdose` writes a *derived* dose (an EQD2 or BED map, a sum of
courses) as a new RT Dose instance of the same patient, study and frame of
reference, following DICOM PS3.3 C.8.8.3 (RT Dose Module):

* new SOP Instance UID (also in the file meta) and Series Instance UID;
* ``DoseType`` EFFECTIVE for EQD2/BED (PHYSICAL for a physical dose),
  ``DoseSummationType`` MULTI_PLAN for sums of several plans;
* ``DoseComment`` (LO, at most 64 characters) naming the model, α/β and
  fractions; the full provenance in ``DerivationDescription``;
* 32-bit unsigned pixels with a ``DoseGridScaling`` that fits DICOM's
  16-character decimal string, pixel values rounded (not truncated);
* no DVH sequences (they would describe the source dose, not this one);
* references to the source doses: ``ReferencedInstanceSequence`` (General
  Image module) lists the source RT Dose instances, and
  ``ReferencedRTPlanSequence`` (required for PLAN and MULTI_PLAN summation) the
  plans they reference; ``SpatialTransformOfDose`` says whether a rigid
  registration was applied.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, RTDoseStorage, generate_uid
from pydicom.valuerep import format_number_as_ds

from radcalc import __version__
from radcalc._files import MAX_BINARY_BYTES, read_bytes
from radcalc.errors import InvalidInputError
from radcalc.grid import QUANTITIES, DoseGrid

__all__ = ["read_rtdose", "write_rtdose", "IDENTITY_KEYS"]

#: DICOM attributes copied into :attr:`DoseGrid.identity` when reading, and
#: written back (patient, study, frame of reference) when writing a derived dose.
IDENTITY_KEYS = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "StudyID",
    "AccessionNumber",
    "ReferringPhysicianName",
    "StudyDescription",
    "SeriesInstanceUID",
    "SOPClassUID",
    "SOPInstanceUID",
    "FrameOfReferenceUID",
    "PositionReferenceIndicator",
    "DoseType",
    "DoseSummationType",
    "DoseComment",
)
# Written from `identity` when writing a derived dose (Patient and General Study
# modules); the rest identifies the source instance.
_KEPT_KEYS = IDENTITY_KEYS[:11]

#: identity key listing the SOP Instance UIDs of the RT Plans a dose references.
PLAN_UIDS_KEY = "ReferencedRTPlanSOPInstanceUIDs"
_RT_PLAN_STORAGE = "1.2.840.10008.5.1.4.1.1.481.5"
_UINT32_MAX = 2**32 - 1
# Target for the largest pixel value (a margin below 2**32 - 1 so that the
# rounding of DoseGridScaling to 16 characters can never overflow).
_UINT32_TARGET = 4.0e9
_AXIAL_ATOL = 1e-4  # direction cosines within this of (±1, 0, 0) / (0, ±1, 0)
_SUMMATION_TYPES = ("PLAN", "MULTI_PLAN", "FRACTION", "BEAM", "BRACHY", "RECORD")
_QUANTITY_RE = re.compile(r"\bquantity=(physical|EQD2|BED)\b")
# Relative doses are read as fractions of the prescription (1.0 = 100 %); a
# maximum above this looks like percent and is refused rather than guessed.
_RELATIVE_MAX = 5.0


def _fail(path: object, problem: str) -> InvalidInputError:
    return InvalidInputError(f"{path}: {problem}")


# ---------------------------------------------------------------- reading
def read_rtdose(path: str | os.PathLike[str], *, prescription_gy: float | None = None) -> DoseGrid:
    """Read a DICOM RT Dose file into a :class:`~radcalc.grid.DoseGrid`.

    Parameters
    ----------
    path : str or os.PathLike
        The RT Dose file (with or without the DICOM file meta header).
    prescription_gy : float, optional
        Only for files with ``DoseUnits`` RELATIVE: the dose [Gy] that a
        relative value of 1.0 stands for (the prescription). Refused for files
        in GY.

    Returns
    -------
    DoseGrid
        Dose [Gy] in ``(z, y, x)`` order (float64), voxel-centre coordinates
        [mm] in the patient frame, the frame of reference UID, the DICOM
        identifiers in ``identity`` (patient, study, series, SOP instance,
        frame of reference, dose type and summation, the referenced RT Plan
        UIDs) and ``source`` the file. ``quantity`` is "physical" unless the
        file is a map written by :func:`write_rtdose` (EQD2 or BED).

    Raises
    ------
    InvalidInputError
        Naming the file and the problem: unreadable or truncated file; not an
        RT Dose; ``DoseUnits`` RELATIVE without ``prescription_gy`` (or GY
        with it); ``DoseType`` ERROR; a non-axial orientation; missing pixel
        data or pixel data that do not match Rows x Columns x Number of Frames;
        a missing or inconsistent ``GridFrameOffsetVector``; a missing
        ``DoseGridScaling``; negative doses.

    Notes
    -----
    * Geometry: x runs along the columns (``ImagePositionPatient[0]`` plus the
      row direction cosine times the column spacing), y along the rows, z
      along the frames. Only axial orientations are read: row and column
      direction cosines (±1, 0, 0) and (0, ±1, 0).
    * ``GridFrameOffsetVector`` (PS3.3 C.8.8.3.2): when its first value is 0
      the offsets are relative to ``ImagePositionPatient`` along the slice
      normal; when it equals the z of ``ImagePositionPatient`` they are
      absolute z coordinates.
    * RELATIVE doses are read as fractions of the prescription (1.0 = 100 %):
      dose [Gy] = value x ``prescription_gy``. A file whose largest relative
      value exceeds 5 is refused (it probably stores percent; pass
      ``prescription_gy / 100`` if so).

    Examples
    --------
    >>> grid = read_rtdose("course1/RD.dcm")  # doctest: +SKIP
    >>> grid.shape, grid.spacing_mm  # doctest: +SKIP
    ((120, 150, 160), (2.5, 2.5, 2.5))
    """
    file = Path(path)
    data = read_bytes(file, max_bytes=MAX_BINARY_BYTES)
    ds = _parse(file, data)
    _require_rt_dose(file, ds)
    scale = _dose_units_scale(file, ds, prescription_gy)
    x_mm, y_mm, z_mm, thickness = _geometry(file, ds)
    pixels = _pixels(file, ds, (z_mm.size, y_mm.size, x_mm.size))
    scaling = _positive_ds(file, ds, "DoseGridScaling")
    dose = pixels.astype(np.float64) * (scaling * scale)
    if scale != 1.0 and float(np.max(pixels)) * scaling > _RELATIVE_MAX:
        raise _fail(
            file,
            f"DoseUnits RELATIVE with values up to {float(np.max(pixels)) * scaling:.4g}: "
            "radcalc reads relative doses as fractions of the prescription (1.0 = 100 %); "
            "if the file stores percent, pass prescription_gy divided by 100",
        )
    identity = _identity(ds)
    try:
        return DoseGrid(
            dose,
            z_mm=z_mm,
            y_mm=y_mm,
            x_mm=x_mm,
            frame_of_reference_uid=identity.get("FrameOfReferenceUID", ""),
            quantity=_quantity(ds),
            identity=identity,
            source=str(file),
            slice_thickness_mm=thickness,
        )
    except InvalidInputError as exc:
        raise _fail(file, str(exc)) from exc


def _parse(file: Path, data: bytes) -> Dataset:
    try:
        with warnings.catch_warnings():
            # pydicom warns about (and tolerates) minor encoding quirks of real
            # exports; what radcalc needs is validated below.
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(BytesIO(data), force=True)
            _check_not_truncated(file, ds)
            # Parse every element now so a malformed file fails here, not later.
            for _ in ds.iterall():
                pass
    except InvalidInputError:
        raise
    except Exception as exc:  # pydicom raises many types on malformed input
        raise _fail(file, f"not a readable DICOM file ({type(exc).__name__}: {exc})") from exc
    if len(ds) == 0:
        raise _fail(file, "not a readable DICOM file (no data elements)")
    return ds


def _check_not_truncated(file: Path, ds: Dataset) -> None:
    """pydicom (force=True) silently keeps a last element cut short; refuse it."""
    tags = list(ds.keys())
    if "SOPClassUID" not in ds and "Modality" not in ds:
        # Random bytes parse as nonsense elements: call that what it is.
        raise _fail(file, "not a readable DICOM file (no SOP Class UID or Modality found)")
    last = ds.get_item(tags[-1])  # still the raw element: declared length and bytes read
    length = getattr(last, "length", None)
    value = getattr(last, "value", None)
    undefined = 0xFFFFFFFF
    if isinstance(value, bytes) and isinstance(length, int) and undefined != length > len(value):
        raise _fail(
            file,
            f"the file is truncated: element {last.tag} declares {length} bytes "
            f"but the file ends after {len(value)}",
        )


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword)
    if value is None:
        return ""
    if isinstance(value, (MultiValue, list, tuple)):
        return "\\".join(str(v) for v in value)
    return str(value).strip()


def _require_rt_dose(file: Path, ds: Dataset) -> None:
    sop_class = _text(ds, "SOPClassUID")
    modality = _text(ds, "Modality")
    if sop_class == RTDoseStorage or (not sop_class and modality == "RTDOSE"):
        return
    found = ", ".join(
        part
        for part in (
            f"SOP Class UID {sop_class}" if sop_class else "",
            f"Modality {modality}" if modality else "",
        )
        if part
    )
    raise _fail(
        file,
        f"not an RT Dose file ({found or 'no SOP Class UID or Modality'}; "
        f"expected SOP Class UID {RTDoseStorage}, Modality RTDOSE)",
    )


def _dose_units_scale(file: Path, ds: Dataset, prescription_gy: float | None) -> float:
    units = _text(ds, "DoseUnits").upper()
    dose_type = _text(ds, "DoseType").upper()
    if dose_type == "ERROR":
        raise _fail(file, "DoseType ERROR (a dose difference) cannot be read as a dose")
    if units == "GY":
        if prescription_gy is not None:
            raise _fail(
                file,
                "prescription_gy applies only to DoseUnits RELATIVE; this file is in GY",
            )
        return 1.0
    if units == "RELATIVE":
        if prescription_gy is None:
            raise _fail(
                file,
                "DoseUnits RELATIVE: the doses are relative to an unstated reference; "
                "give the prescription [Gy] (prescription_gy=..., CLI --prescription) "
                "to read them in Gy",
            )
        if isinstance(prescription_gy, bool) or not isinstance(prescription_gy, (int, float)):
            raise InvalidInputError(
                f"prescription_gy must be a number [Gy], got {prescription_gy!r}"
            )
        if not (np.isfinite(prescription_gy) and prescription_gy > 0):
            raise InvalidInputError(
                f"prescription_gy [Gy] must be finite and > 0, got {prescription_gy!r}"
            )
        return float(prescription_gy)
    raise _fail(
        file, f"DoseUnits must be GY or RELATIVE, got {units or 'nothing (attribute missing)'}"
    )


def _numbers(file: Path, ds: Dataset, keyword: str, count: int | None) -> list[float]:
    value = ds.get(keyword)
    if value is None or value == "":
        raise _fail(file, f"{keyword} is missing")
    items = list(value) if isinstance(value, Iterable) and not isinstance(value, str) else [value]
    try:
        numbers = [float(v) for v in items]
    except (TypeError, ValueError) as exc:
        raise _fail(file, f"{keyword} must hold numbers, got {value!r}") from exc
    if count is not None and len(numbers) != count:
        raise _fail(file, f"{keyword} must hold {count} numbers, got {len(numbers)}")
    if not all(np.isfinite(numbers)):
        raise _fail(file, f"{keyword} must hold finite numbers, got {numbers}")
    return numbers


def _positive_ds(file: Path, ds: Dataset, keyword: str) -> float:
    (number,) = _numbers(file, ds, keyword, 1)
    if number <= 0:
        raise _fail(file, f"{keyword} must be > 0, got {number!r}")
    return number


def _whole(file: Path, ds: Dataset, keyword: str, default: int | None = None) -> int:
    value = ds.get(keyword)
    if value is None or value == "":
        if default is not None:
            return default
        raise _fail(file, f"{keyword} is missing")
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise _fail(file, f"{keyword} must be a whole number, got {value!r}") from exc
    if number < 1:
        raise _fail(file, f"{keyword} must be >= 1, got {number}")
    return number


def _geometry(
    file: Path, ds: Dataset
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any], float | None]:
    rows = _whole(file, ds, "Rows")
    columns = _whole(file, ds, "Columns")
    frames = _whole(file, ds, "NumberOfFrames", default=1)
    orientation = _numbers(file, ds, "ImageOrientationPatient", 6)
    row_cos, col_cos = np.array(orientation[:3]), np.array(orientation[3:])
    axial = (
        abs(abs(row_cos[0]) - 1) < _AXIAL_ATOL
        and abs(row_cos[1]) < _AXIAL_ATOL
        and abs(row_cos[2]) < _AXIAL_ATOL
        and abs(col_cos[0]) < _AXIAL_ATOL
        and abs(abs(col_cos[1]) - 1) < _AXIAL_ATOL
        and abs(col_cos[2]) < _AXIAL_ATOL
    )
    if not axial:
        raise _fail(
            file,
            f"ImageOrientationPatient {orientation} is not axial; radcalc reads only "
            "axial dose grids (row direction (±1, 0, 0), column direction (0, ±1, 0))",
        )
    row_sign, col_sign = float(np.sign(row_cos[0])), float(np.sign(col_cos[1]))
    normal_z = row_sign * col_sign  # z component of row x column
    position = _numbers(file, ds, "ImagePositionPatient", 3)
    spacing = _numbers(file, ds, "PixelSpacing", 2)  # (between rows, between columns)
    if min(spacing) <= 0:
        raise _fail(file, f"PixelSpacing must be > 0, got {spacing}")
    x_mm = position[0] + row_sign * spacing[1] * np.arange(columns)
    y_mm = position[1] + col_sign * spacing[0] * np.arange(rows)
    if ds.get("GridFrameOffsetVector") in (None, ""):
        if frames > 1:
            raise _fail(
                file,
                f"GridFrameOffsetVector is missing but the file has {frames} frames",
            )
        offsets = [0.0]
    else:
        offsets = _numbers(file, ds, "GridFrameOffsetVector", None)
    if len(offsets) != frames:
        raise _fail(
            file,
            f"GridFrameOffsetVector has {len(offsets)} values but NumberOfFrames is {frames}",
        )
    z0 = position[2]
    tol = 1e-3  # mm
    if abs(offsets[0]) <= tol:
        z_mm = z0 + normal_z * np.asarray(offsets)  # relative (PS3.3 C.8.8.3.2 a)
    elif abs(offsets[0] - z0) <= tol:
        z_mm = np.asarray(offsets, dtype=float)  # absolute (PS3.3 C.8.8.3.2 b)
    else:
        raise _fail(
            file,
            f"GridFrameOffsetVector starts at {offsets[0]!r}: neither 0 (relative offsets) "
            f"nor the z of ImagePositionPatient {z0!r} (absolute coordinates)",
        )
    thickness: float | None = None
    if frames == 1:
        value = ds.get("SliceThickness")
        try:
            number = float(value) if value not in (None, "") else 0.0
        except (TypeError, ValueError):
            number = 0.0
        thickness = number if np.isfinite(number) and number > 0 else None
    return x_mm, y_mm, z_mm, thickness


def _pixels(file: Path, ds: Dataset, shape: tuple[int, int, int]) -> np.ndarray[Any, Any]:
    if "PixelData" not in ds:
        if "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
            raise _fail(file, "float pixel data are not allowed in RT Dose; no PixelData")
        raise _fail(file, "no PixelData: the file holds no dose grid (DVH or points only?)")
    samples = _whole(file, ds, "SamplesPerPixel", default=1)
    if samples != 1:
        raise _fail(file, f"SamplesPerPixel must be 1 for a dose grid, got {samples}")
    bits = _whole(file, ds, "BitsAllocated")
    if bits not in (16, 32):
        raise _fail(file, f"BitsAllocated must be 16 or 32 for a dose grid, got {bits}")
    signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
    syntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    expected = int(np.prod(shape)) * bits // 8
    if syntax is None or not syntax.is_compressed:
        found = len(ds.PixelData)
        # One byte of padding to an even length is allowed (PS3.5 8.1.1).
        if found not in (expected, expected + 1):
            raise _fail(
                file,
                f"PixelData has {found} bytes, but Rows x Columns x NumberOfFrames = "
                f"{shape[1]} x {shape[2]} x {shape[0]} pixels of {bits} bits need {expected}",
            )
        if syntax is None:
            # No file meta: decode the raw little-endian bytes (the usual
            # implicit VR little endian of such files) without a transfer syntax.
            dtype = np.dtype(f"<{'i' if signed else 'u'}{bits // 8}")
            return np.frombuffer(ds.PixelData[:expected], dtype=dtype).reshape(shape)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = np.asarray(ds.pixel_array)
    except Exception as exc:  # decoders raise many types
        raise _fail(file, f"cannot decode PixelData ({type(exc).__name__}: {exc})") from exc
    if array.size != int(np.prod(shape)):
        raise _fail(
            file, f"PixelData decodes to {array.size} pixels, expected {int(np.prod(shape))}"
        )
    return array.reshape(shape)


def _identity(ds: Dataset) -> dict[str, str]:
    identity = {key: _text(ds, key) for key in IDENTITY_KEYS if key in ds}
    plans = [
        _text(item, "ReferencedSOPInstanceUID")
        for item in ds.get("ReferencedRTPlanSequence", [])
        if _text(item, "ReferencedSOPInstanceUID")
    ]
    if plans:
        identity[PLAN_UIDS_KEY] = "\\".join(plans)
    return identity


def _quantity(ds: Dataset) -> str:
    """EQD2/BED for maps written by radcalc (DoseType EFFECTIVE and the marker), else physical."""
    if _text(ds, "DoseType").upper() != "EFFECTIVE":
        return "physical"
    match = _QUANTITY_RE.search(_text(ds, "DerivationDescription"))
    return match.group(1) if match else "physical"


# ---------------------------------------------------------------- writing
def _check_comment(description: object) -> str:
    if not isinstance(description, str):
        raise InvalidInputError(f"description must be a str, got {description!r}")
    text = description.strip()
    if not text:
        raise InvalidInputError("description must not be empty (it becomes the DoseComment)")
    if len(text) > 64:
        raise InvalidInputError(
            f"description must be at most 64 characters (DICOM DoseComment, LO), "
            f"got {len(text)}: {text!r}"
        )
    if "\\" in text or any(ord(c) < 32 for c in text):
        raise InvalidInputError(
            f"description must not contain backslashes or control characters, got {text!r}"
        )
    return text


def _pick_quantity(dose: object, quantity: str | None, description: str) -> str:
    if quantity is not None:
        if quantity not in QUANTITIES:
            raise InvalidInputError(
                f"quantity must be one of {', '.join(QUANTITIES)}, got {quantity!r}"
            )
        return quantity
    if isinstance(dose, DoseGrid):
        return dose.quantity
    named = [q for q in ("EQD2", "BED") if re.search(rf"\b{q}\b", description, re.IGNORECASE)]
    if len(named) == 1:
        return named[0]
    raise InvalidInputError(
        "quantity must be given (physical, EQD2 or BED) when dose is an array and the "
        f"description does not name exactly one of EQD2 and BED: {description!r}"
    )


def dose_grid_scaling(max_dose_gy: float) -> str:
    """The ``DoseGridScaling`` [Gy per pixel unit] for a largest dose, as a DICOM DS.

    The largest dose maps to about 4e9 of the 2**32 - 1 levels of a 32-bit
    pixel, so the quantisation step is about ``max_dose_gy / 4e9`` (1.25e-8 Gy
    for 50 Gy). The value is written with at most 16 characters.

    Examples
    --------
    >>> dose_grid_scaling(60.0)
    '1.5e-08'
    >>> len(dose_grid_scaling(73.123456789)) <= 16
    True
    """
    if not (np.isfinite(max_dose_gy) and max_dose_gy >= 0):
        raise InvalidInputError(f"max_dose_gy must be finite and >= 0, got {max_dose_gy!r}")
    if max_dose_gy == 0:
        return "1"
    text = format_number_as_ds(max_dose_gy / _UINT32_TARGET)
    if max_dose_gy / float(text) > _UINT32_MAX:  # pragma: no cover - guarded by the margin
        raise InvalidInputError(f"cannot scale {max_dose_gy!r} Gy into 32-bit pixels")
    return text


def _ds(value: float) -> str:
    return format_number_as_ds(float(value))


def write_rtdose(
    path: str | os.PathLike[str],
    dose: Any,
    *,
    like: DoseGrid,
    description: str,
    quantity: str | None = None,
    sources: Sequence[DoseGrid] | None = None,
    summation: str | None = None,
    spatial_transform: str = "NONE",
    derivation: str = "",
    series_description: str | None = None,
) -> Path:
    """Write a derived dose (EQD2/BED map, sum of courses) as a DICOM RT Dose file.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (replaced atomically if it exists; never one of the
        ``sources``' files).
    dose : array_like or DoseGrid
        Voxel doses [Gy] on ``like``'s grid, shape ``like.shape``; finite and
        >= 0.
    like : DoseGrid
        The grid whose geometry, patient, study and frame of reference the new
        file keeps (usually the grid read from the source file).
    description : str
        The ``DoseComment`` (at most 64 characters): name the model, α/β and
        fractions, e.g. ``"EQD2 LQ a/b 3 Gy 35 fx"``.
    quantity : {"physical", "EQD2", "BED"}, optional
        What ``dose`` holds. By default the quantity of a :class:`DoseGrid`
        ``dose``, else the one of EQD2 and BED that ``description`` names.
    sources : sequence of DoseGrid, optional
        The doses this one is derived from (default ``[like]``); referenced in
        ``ReferencedInstanceSequence`` and, through their RT Plans, in
        ``ReferencedRTPlanSequence``.
    summation : str, optional
        ``DoseSummationType``: by default MULTI_PLAN for several sources, else
        the source's (PLAN when unknown).
    spatial_transform : {"NONE", "RIGID"}
        ``SpatialTransformOfDose``: RIGID when a source was resampled through
        a rigid registration.
    derivation : str
        Free text appended to ``DerivationDescription`` (the provenance).
    series_description : str, optional
        ``SeriesDescription`` (at most 64 characters); default ``description``.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InvalidInputError
        For a dose of another shape than ``like``, NaN/inf/negative doses, a
        description longer than 64 characters, an unknown quantity, summation
        or spatial transform, or a path that is one of the sources' files.

    Examples
    --------
    >>> import radcalc
    >>> grid = radcalc.read_rtdose("RD.dcm")  # doctest: +SKIP
    >>> eqd2 = radcalc.eqd2(grid.dose, 35, alpha_beta=3)  # doctest: +SKIP
    >>> radcalc.write_rtdose("RD_eqd2.dcm", eqd2, like=grid,
    ...                      description="EQD2 LQ a/b 3 Gy 35 fx")  # doctest: +SKIP
    """
    if not isinstance(like, DoseGrid):
        raise InvalidInputError(f"like must be a DoseGrid, got {type(like).__name__}")
    comment = _check_comment(description)
    series_text = _check_comment(comment if series_description is None else series_description)
    q = _pick_quantity(dose, quantity, comment)
    grid = like.with_dose(dose.dose if isinstance(dose, DoseGrid) else dose, quantity=q)
    if isinstance(dose, DoseGrid) and not dose.same_geometry(like):
        raise InvalidInputError("dose must be on like's grid (same shape, frame and voxel centres)")
    source_grids = [like] if sources is None else list(sources)
    if summation is None:
        summation = (
            "MULTI_PLAN"
            if len(source_grids) > 1
            else (like.identity.get("DoseSummationType") or "PLAN")
        )
    if summation not in _SUMMATION_TYPES:
        raise InvalidInputError(
            f"summation must be one of {', '.join(_SUMMATION_TYPES)}, got {summation!r}"
        )
    if spatial_transform not in ("NONE", "RIGID"):
        raise InvalidInputError(
            f"spatial_transform must be NONE or RIGID, got {spatial_transform!r}"
        )
    target = Path(path)
    for source in source_grids:
        if source.source and _same_file(Path(source.source), target):
            raise InvalidInputError(f"{target}: refusing to overwrite the source dose file")
    ds = _derived_dataset(
        grid,
        comment=comment,
        series_description=series_text,
        sources=source_grids,
        summation=summation,
        spatial_transform=spatial_transform,
        derivation=derivation,
    )
    _atomic_write(target, ds)
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:  # pragma: no cover - resolution failures (loops)
        return False


def _derived_dataset(
    grid: DoseGrid,
    *,
    comment: str,
    series_description: str,
    sources: Sequence[DoseGrid],
    summation: str,
    spatial_transform: str,
    derivation: str,
) -> Dataset:
    now = _dt.datetime.now()
    sop_uid = generate_uid()
    ident = grid.identity

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = RTDoseStorage
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationVersionName = f"RADCALC_{__version__}"[:16]

    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: patient names as in the source
    # SOP Common
    ds.SOPClassUID = RTDoseStorage
    ds.SOPInstanceUID = sop_uid
    ds.InstanceCreationDate = now.strftime("%Y%m%d")
    ds.InstanceCreationTime = now.strftime("%H%M%S")
    # Patient and General Study (kept; Type 2 attributes present even if empty)
    for key in _KEPT_KEYS:
        setattr(ds, key, ident.get(key, ""))
    if not ds.StudyInstanceUID:
        ds.StudyInstanceUID = generate_uid()
    # RT Series (new series)
    ds.Modality = "RTDOSE"
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = ""
    ds.SeriesDescription = series_description
    # Frame of Reference (kept)
    ds.FrameOfReferenceUID = grid.frame_of_reference_uid or generate_uid()
    ds.PositionReferenceIndicator = ident.get("PositionReferenceIndicator", "")
    # General Equipment
    ds.Manufacturer = "radcalc"
    ds.SoftwareVersions = __version__
    # General Image
    ds.InstanceNumber = 1
    ds.ContentDate = ds.InstanceCreationDate
    ds.ContentTime = ds.InstanceCreationTime
    ds.ImageType = ["DERIVED", "SECONDARY"]
    names = ", ".join(Path(s.source).name for s in sources if s.source)
    provenance = f"radcalc {__version__}: quantity={grid.quantity}; {comment}"
    if derivation:
        provenance += f"; {derivation}"
    if names:
        provenance += f"; from {names}"
    ds.DerivationDescription = provenance[:1024]
    referenced = [s.identity["SOPInstanceUID"] for s in sources if s.identity.get("SOPInstanceUID")]
    if referenced:
        ds.ReferencedInstanceSequence = _references(referenced, RTDoseStorage, with_purpose=True)
    # Image Plane
    dz, dy, dx = grid.spacing_mm
    row_sign = 1.0 if grid.x_mm.size < 2 or grid.x_mm[1] > grid.x_mm[0] else -1.0
    col_sign = 1.0 if grid.y_mm.size < 2 or grid.y_mm[1] > grid.y_mm[0] else -1.0
    normal_z = row_sign * col_sign
    ds.ImagePositionPatient = [_ds(grid.x_mm[0]), _ds(grid.y_mm[0]), _ds(grid.z_mm[0])]
    ds.ImageOrientationPatient = [_ds(row_sign), "0", "0", "0", _ds(col_sign), "0"]
    ds.PixelSpacing = [_ds(dy), _ds(dx)]
    ds.SliceThickness = _ds(dz)
    # Image Pixel and Multi-frame
    nz, ny, nx = grid.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ny
    ds.Columns = nx
    ds.BitsAllocated = 32
    ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = nz
    ds.FrameIncrementPointer = pydicom.tag.Tag("GridFrameOffsetVector")
    # RT Dose
    ds.DoseUnits = "GY"
    ds.DoseType = "PHYSICAL" if grid.quantity == "physical" else "EFFECTIVE"
    ds.DoseComment = comment
    ds.DoseSummationType = summation
    ds.SpatialTransformOfDose = spatial_transform
    if spatial_transform != "NONE":
        ds.ReferencedSpatialRegistrationSequence = DicomSequence([])  # Type 2C
    plans = [uid for s in sources for uid in s.identity.get(PLAN_UIDS_KEY, "").split("\\") if uid]
    if plans:
        ds.ReferencedRTPlanSequence = _references(plans, _RT_PLAN_STORAGE)
    ds.GridFrameOffsetVector = [_ds((z - grid.z_mm[0]) * normal_z) for z in grid.z_mm]
    scaling_text = dose_grid_scaling(grid.max_gy)
    ds.DoseGridScaling = scaling_text
    scaling = float(scaling_text)
    # Round to the nearest level (never truncate): error <= scaling / 2.
    levels = np.rint(np.asarray(grid.dose, dtype=np.float64) / scaling)
    ds.PixelData = np.clip(levels, 0, _UINT32_MAX).astype("<u4").tobytes()
    return ds


def _references(uids: Sequence[str], sop_class: str, *, with_purpose: bool = False) -> Any:
    """A sequence of SOP Instance references (duplicates dropped, order kept)."""
    items = []
    for uid in dict.fromkeys(uids):
        item = Dataset()
        item.ReferencedSOPClassUID = sop_class
        item.ReferencedSOPInstanceUID = uid
        if with_purpose:
            purpose = Dataset()
            # DCM 121322 (CID 7202 Source Image Purposes of Reference).
            purpose.CodeValue = "121322"
            purpose.CodingSchemeDesignator = "DCM"
            purpose.CodeMeaning = "Source image for image processing operation"
            item.PurposeOfReferenceCodeSequence = DicomSequence([purpose])
        items.append(item)
    return DicomSequence(items)


def _atomic_write(target: Path, ds: Dataset) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise _fail(target, f"cannot write the file ({exc.strerror or exc})") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            pydicom.dcmwrite(stream, ds, enforce_file_format=True)
        os.chmod(temp_name, 0o644)  # mkstemp creates 0600
        os.replace(temp_name, target)
    except OSError as exc:
        raise _fail(target, f"cannot write the file ({exc.strerror or exc})") from exc
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
