"""Dose grids: a 3-D dose array with its geometry in the patient frame.

A :class:`DoseGrid` carries a dose distribution (physical dose, EQD2 or BED,
all in Gy) together with the voxel-centre coordinates [mm] of its axes, the
frame of reference it lives in and the identifiers needed to write a derived
DICOM RT Dose. It is what :func:`radcalc.dicom.read_rtdose` returns, and it can
be built directly in memory (phantoms, tests).

Conventions
-----------
* Arrays are in ``(z, y, x)`` order: slices, rows, columns. Only axial grids
  are represented: patient x runs along the columns, y along the rows, z along
  the slices (DICOM patient coordinates, LPS).
* Coordinates are voxel *centres* [mm]; each axis is strictly monotonic
  (increasing or decreasing) and evenly spaced (to 0.1 % of the step).
* A voxel is the box of one spacing around its centre, so the grid covers
  half a voxel beyond the first and last centre on every axis.

This module never imports pydicom or scipy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from radcalc._validate import Arg, _check_values
from radcalc.errors import InvalidInputError

__all__ = ["QUANTITIES", "DoseGrid"]

#: The dose quantities a grid can hold (all in Gy).
QUANTITIES = ("physical", "EQD2", "BED")

# Relative tolerance on the evenness of an axis' spacing. DICOM stores
# positions as decimal strings of at most 16 characters, so real exports are
# even to ~1e-6 of the step; 1e-3 leaves room for coarser writers.
_SPACING_RTOL = 1e-3


def _axis(name: str, value: object) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A 1-D, finite, strictly monotonic and evenly spaced float64 coordinate axis (a copy)."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} must be a 1-D array of coordinates [mm]") from exc
    if array.ndim != 1 or array.size == 0:
        raise InvalidInputError(
            f"{name} must be a non-empty 1-D array of coordinates [mm], got shape {array.shape}"
        )
    _check_values(Arg(name, array, "finite", "mm"), array)
    if array.size > 1:
        steps = np.diff(array)
        if not (np.all(steps > 0) or np.all(steps < 0)):
            raise InvalidInputError(f"{name} [mm] must be strictly monotonic, got {array.tolist()}")
        mean = (array[-1] - array[0]) / (array.size - 1)
        worst = int(np.argmax(np.abs(steps - mean)))
        if abs(steps[worst] - mean) > _SPACING_RTOL * abs(mean):
            raise InvalidInputError(
                f"{name} [mm] must be evenly spaced (to {_SPACING_RTOL:g} of the step), "
                f"got steps of {float(steps[worst])!r} and {float(mean)!r} mm on average; "
                "unevenly spaced grids are not supported"
            )
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class DoseGrid:
    """A dose distribution on an axial voxel grid in the patient frame.

    Parameters
    ----------
    dose : array_like
        Dose of every voxel, shape ``(nz, ny, nx)`` [Gy] (physical dose, EQD2 or
        BED, see ``quantity``). Finite and >= 0. float32 stays float32, any
        other number type becomes float64. Stored as a read-only copy (the
        caller's array is never modified).
    z_mm, y_mm, x_mm : array_like
        Voxel-centre coordinates of the slices, rows and columns [mm] in the
        patient frame; strictly monotonic and evenly spaced, of lengths
        ``nz``, ``ny``, ``nx``.
    frame_of_reference_uid : str
        DICOM Frame of Reference UID ("" when unknown). Grids in different
        frames are not comparable without a registration.
    quantity : {"physical", "EQD2", "BED"}
        What ``dose`` holds.
    identity : Mapping[str, str]
        DICOM identifiers of the source (patient, study, series, SOP instance
        UIDs, ...) kept to write a derived RT Dose. Stored read-only.
    source : str
        The file the grid was read from ("" when built in memory).
    slice_thickness_mm : float, optional
        Thickness of a single slice [mm]; only used (and then required for
        volumes) when the grid has one slice, so ``z_mm`` gives no spacing.

    Raises
    ------
    InvalidInputError
        Naming the field, the rule and the value: a dose that is not 3-D,
        contains NaN, inf or negative values; axes whose length does not match
        the dose, that are not monotonic or not evenly spaced; an unknown
        quantity.

    Examples
    --------
    A 3 x 4 x 5 grid of 2 mm voxels with a dose gradient along x:

    >>> import numpy as np
    >>> from radcalc.grid import DoseGrid
    >>> x = np.arange(5) * 2.0
    >>> dose = np.broadcast_to(x / 2, (3, 4, 5))
    >>> grid = DoseGrid(dose, z_mm=[0, 2, 4], y_mm=[0, 2, 4, 6], x_mm=x)
    >>> grid.shape, grid.spacing_mm, grid.voxel_volume_cc
    ((3, 4, 5), (2.0, 2.0, 2.0), 0.008)
    >>> grid.with_dose(grid.dose * 2, quantity="EQD2").quantity
    'EQD2'
    """

    dose: np.ndarray[Any, Any]
    z_mm: np.ndarray[Any, np.dtype[np.float64]]
    y_mm: np.ndarray[Any, np.dtype[np.float64]]
    x_mm: np.ndarray[Any, np.dtype[np.float64]]
    frame_of_reference_uid: str = ""
    quantity: str = "physical"
    identity: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    slice_thickness_mm: float | None = None

    def __post_init__(self) -> None:
        dose = self._checked_dose(self.dose)
        axes = {name: _axis(name, getattr(self, name)) for name in ("z_mm", "y_mm", "x_mm")}
        for axis, (name, coords) in enumerate(axes.items()):
            if coords.size != dose.shape[axis]:
                raise InvalidInputError(
                    f"{name} has {coords.size} coordinates but dose has {dose.shape[axis]} "
                    f"along axis {axis} (dose shape {dose.shape}, order (z, y, x))"
                )
        if self.quantity not in QUANTITIES:
            raise InvalidInputError(
                f"quantity must be one of {', '.join(QUANTITIES)}, got {self.quantity!r}"
            )
        if not isinstance(self.frame_of_reference_uid, str):
            raise InvalidInputError(
                f"frame_of_reference_uid must be a str, got {self.frame_of_reference_uid!r}"
            )
        if not isinstance(self.source, str):
            raise InvalidInputError(f"source must be a str, got {self.source!r}")
        identity = dict(self.identity)
        for key, value in identity.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise InvalidInputError(f"identity must map str to str, got {key!r}: {value!r}")
        thickness = self.slice_thickness_mm
        if thickness is not None:
            if isinstance(thickness, bool) or not isinstance(thickness, (int, float)):
                raise InvalidInputError(
                    f"slice_thickness_mm must be a number [mm], got {thickness!r}"
                )
            if not (np.isfinite(thickness) and thickness > 0):
                raise InvalidInputError(
                    f"slice_thickness_mm [mm] must be finite and > 0, got {thickness!r}"
                )
            thickness = float(thickness)
        set_ = object.__setattr__
        set_(self, "dose", dose)
        for name, coords in axes.items():
            set_(self, name, coords)
        set_(self, "identity", MappingProxyType(identity))
        set_(self, "slice_thickness_mm", thickness)

    @staticmethod
    def _checked_dose(value: object) -> np.ndarray[Any, Any]:
        try:
            array = np.asarray(value)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError("dose must be a 3-D array of numbers [Gy]") from exc
        if array.dtype.kind not in "fiu":
            raise InvalidInputError(
                f"dose must be a 3-D array of numbers [Gy], got dtype {array.dtype}"
            )
        if array.ndim != 3:
            raise InvalidInputError(
                f"dose must be a 3-D array in (z, y, x) order [Gy], got shape {array.shape}"
            )
        if 0 in array.shape:
            raise InvalidInputError(f"dose must not be empty, got shape {array.shape}")
        dtype = np.float32 if array.dtype == np.float32 else np.float64
        # A private, read-only, C-ordered copy: never a view of the caller's array.
        array = np.array(array, dtype=dtype, order="C", copy=True)
        _check_values(Arg("dose", array, ">= 0", "Gy"), array)
        array.setflags(write=False)
        return array

    # -- geometry ---------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int, int]:
        """``(nz, ny, nx)``."""
        nz, ny, nx = self.dose.shape
        return (int(nz), int(ny), int(nx))

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        """Voxel size ``(dz, dy, dx)`` [mm], positive.

        Raises :class:`InvalidInputError` for an axis with a single
        coordinate (no step), except z when ``slice_thickness_mm`` is given.
        """
        steps = []
        for name, coords in (("z_mm", self.z_mm), ("y_mm", self.y_mm), ("x_mm", self.x_mm)):
            if coords.size > 1:
                steps.append(abs(float(coords[-1] - coords[0])) / (coords.size - 1))
            elif name == "z_mm" and self.slice_thickness_mm is not None:
                steps.append(self.slice_thickness_mm)
            else:
                raise InvalidInputError(
                    f"the voxel size along {name[0]} is unknown: the grid has a single "
                    f"coordinate on that axis"
                    + (" (give slice_thickness_mm)" if name == "z_mm" else "")
                )
        return (steps[0], steps[1], steps[2])

    @property
    def voxel_volume_cc(self) -> float:
        """Volume of one voxel [cm³] (= dz dy dx / 1000)."""
        dz, dy, dx = self.spacing_mm
        return dz * dy * dx / 1000.0

    @property
    def max_gy(self) -> float:
        """Largest voxel dose [Gy]."""
        return float(self.dose.max())

    def with_dose(self, dose: Any, *, quantity: str | None = None) -> DoseGrid:
        """The same grid (geometry, frame, identity, source) holding another dose.

        Parameters
        ----------
        dose : array_like
            New voxel doses [Gy], same shape as :attr:`dose`.
        quantity : {"physical", "EQD2", "BED"}, optional
            What ``dose`` holds; by default this grid's quantity.
        """
        shape = np.shape(dose)
        if tuple(shape) != self.shape:
            raise InvalidInputError(
                f"dose must have the grid's shape {self.shape}, got {tuple(shape)}"
            )
        return DoseGrid(
            dose,
            z_mm=self.z_mm,
            y_mm=self.y_mm,
            x_mm=self.x_mm,
            frame_of_reference_uid=self.frame_of_reference_uid,
            quantity=self.quantity if quantity is None else quantity,
            identity=self.identity,
            source=self.source,
            slice_thickness_mm=self.slice_thickness_mm,
        )

    def same_geometry(self, other: DoseGrid, *, atol_mm: float = 1e-3) -> bool:
        """True when ``other`` has the same shape, frame and voxel centres (to ``atol_mm``)."""
        return (
            self.shape == other.shape
            and self.frame_of_reference_uid == other.frame_of_reference_uid
            and all(
                np.allclose(a, b, rtol=0.0, atol=atol_mm)
                for a, b in (
                    (self.z_mm, other.z_mm),
                    (self.y_mm, other.y_mm),
                    (self.x_mm, other.x_mm),
                )
            )
        )

    def __repr__(self) -> str:
        spacing: object
        try:
            spacing = tuple(round(s, 4) for s in self.spacing_mm)
        except InvalidInputError:
            spacing = "unknown"
        where = f", source={self.source!r}" if self.source else ""
        return (
            f"DoseGrid(shape={self.shape}, spacing_mm={spacing}, quantity={self.quantity!r}, "
            f"max={self.max_gy:.4g} Gy, dtype={self.dose.dtype}{where})"
        )
