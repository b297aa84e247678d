"""Structures (ROIs) of a plan: closed planar contours per axial slice, no pydicom.

A :class:`StructureSet` holds the :class:`Structure` objects of one RT
Structure Set (read by :func:`radcalc.dicom.rtstruct.read_rtstruct`, or built
in memory); each structure is a tuple of :class:`Contour` polygons in the
patient frame [mm].

Conventions
-----------
* Contours are closed planar polygons on axial planes (constant z); the last
  point joins the first (a repeated closing point is harmless).
* **Several polygons on one plane** combine by the **even-odd (nesting)
  rule**: a point is inside the structure when it lies inside an odd number of
  that plane's polygons. So a polygon inside another is a hole, a polygon
  inside a hole is an island, and separate polygons are separate islands (as
  DICOM's ``CLOSEDPLANAR_XOR`` states, and as planning systems export holes).
  Polygons of one plane must not cross each other.
* **End-caps**: each contour plane stands for the slab reaching halfway to
  the neighbouring planes; the first and last planes (and the planes next to
  a gap in the contours) extend half a slice thickness beyond the plane, the
  usual convention of planning systems. The slice thickness is
  :attr:`Structure.slice_thickness_mm` when known (the structure set's
  typical plane spacing), else the structure's smallest plane spacing; a gap
  is a plane spacing larger than 1.5 slice thicknesses.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from radcalc._tables import html_table
from radcalc.errors import InvalidInputError

__all__ = ["Contour", "Structure", "StructureSet", "plane_slabs"]

_FloatArray = np.ndarray[Any, np.dtype[np.float64]]

#: Contours of one structure whose z differ by less than this are on one plane [mm].
PLANE_TOLERANCE_MM = 0.01
#: A plane spacing above this many slice thicknesses is a gap in the structure.
GAP_FACTOR = 1.5


@dataclass(frozen=True, eq=False)
class Contour:
    """One closed planar polygon on the axial plane ``z = z_mm``.

    Parameters
    ----------
    z_mm : float
        The plane [mm] in the patient frame.
    xy_mm : array_like
        The vertices, shape ``(N, 2)`` with ``N >= 3``, columns x and y [mm];
        stored as a read-only float64 copy.

    Raises
    ------
    InvalidInputError
        For fewer than 3 vertices, a wrong shape, non-finite coordinates or a
        polygon of zero area.

    Examples
    --------
    >>> Contour(0.0, [[0, 0], [10, 0], [10, 10], [0, 10]]).area_mm2
    100.0
    """

    z_mm: float
    xy_mm: _FloatArray

    def __post_init__(self) -> None:
        z = float(self.z_mm)
        if not math.isfinite(z):
            raise InvalidInputError(f"contour z_mm must be finite, got {self.z_mm!r}")
        try:
            xy = np.array(self.xy_mm, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"contour at z = {z:g} mm: xy_mm must be numbers") from exc
        if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 3:
            raise InvalidInputError(
                f"contour at z = {z:g} mm: xy_mm must have shape (N >= 3, 2), got {xy.shape}"
            )
        if not np.isfinite(xy).all():
            raise InvalidInputError(f"contour at z = {z:g} mm: the coordinates must be finite")
        xy.flags.writeable = False
        object.__setattr__(self, "z_mm", z)
        object.__setattr__(self, "xy_mm", xy)
        if self.signed_area_mm2 == 0.0:
            raise InvalidInputError(f"contour at z = {z:g} mm encloses no area")

    @property
    def signed_area_mm2(self) -> float:
        """Shoelace area [mm²]: > 0 counter-clockwise (x right, y up), < 0 clockwise."""
        x, y = (self.xy_mm - self.xy_mm.mean(axis=0)).T
        return float(0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)))

    @property
    def area_mm2(self) -> float:
        """Area enclosed by the polygon [mm²]."""
        return abs(self.signed_area_mm2)

    def contains(self, x_mm: Any, y_mm: Any) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Whether points lie inside the polygon (even-odd crossing test; vectorized)."""
        px = np.asarray(x_mm, dtype=np.float64)[..., None]
        py = np.asarray(y_mm, dtype=np.float64)[..., None]
        x0, y0 = self.xy_mm[:, 0], self.xy_mm[:, 1]
        x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
        straddles = (y0 > py) != (y1 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing_x = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        crossings = np.count_nonzero(straddles & (px < crossing_x), axis=-1)
        return np.asarray(crossings % 2 == 1)


def plane_slabs(
    planes_mm: _FloatArray, slice_thickness_mm: float
) -> tuple[_FloatArray, _FloatArray]:
    """The z-extent ``(low, high)`` [mm] each contour plane stands for (module conventions).

    Parameters
    ----------
    planes_mm : numpy.ndarray
        Ascending contour planes [mm].
    slice_thickness_mm : float
        The slice thickness s [mm]: end-caps are s/2; a spacing above 1.5 s
        is a gap.

    Examples
    --------
    >>> low, high = plane_slabs(np.array([0.0, 2.0, 4.0, 10.0]), 2.0)
    >>> low.tolist(), high.tolist()
    ([-1.0, 1.0, 3.0, 9.0], [1.0, 3.0, 5.0, 11.0])
    """
    half = slice_thickness_mm / 2
    gaps = np.diff(planes_mm)
    joined = gaps <= GAP_FACTOR * slice_thickness_mm
    middle = planes_mm[:-1] + gaps / 2
    high = np.append(np.where(joined, middle, planes_mm[:-1] + half), planes_mm[-1] + half)
    low = np.insert(np.where(joined, middle, planes_mm[1:] - half), 0, planes_mm[0] - half)
    return low, high


@dataclass(frozen=True, eq=False)
class Structure:
    """One structure (ROI): its number, name and closed planar contours.

    Parameters
    ----------
    number : int
        The ROI number of the structure set.
    name : str
        The ROI name as in the file.
    contours : tuple of Contour
        Its polygons, any order; several on one plane combine by the even-odd
        rule (see the module docstring). May be empty (an ROI without
        contours); a mask or DVH of it then raises.
    color : tuple of int, optional
        The display colour (r, g, b), 0-255.
    slice_thickness_mm : float, optional
        The slice thickness for end-caps [mm] (see the module docstring).
    source : str
        The file it was read from ("" in memory).

    Examples
    --------
    >>> square = [[0, 0], [10, 0], [10, 10], [0, 10]]
    >>> s = Structure(1, "box", tuple(Contour(z, square) for z in (0.0, 2.0, 4.0)))
    >>> s.planes_mm.tolist(), s.volume_cc  # 3 slabs of 2 mm x 100 mm²
    ([0.0, 2.0, 4.0], 0.6)
    """

    number: int
    name: str
    contours: tuple[Contour, ...]
    color: tuple[int, int, int] | None = None
    slice_thickness_mm: float | None = None
    source: str = ""

    def __post_init__(self) -> None:
        contours = tuple(self.contours)
        for index, contour in enumerate(contours):
            if not isinstance(contour, Contour):
                raise InvalidInputError(
                    f"structure {self.name!r}: contours[{index}] must be a Contour, got "
                    f"{type(contour).__name__}"
                )
        object.__setattr__(self, "contours", contours)
        thickness = self.slice_thickness_mm
        if thickness is not None and not (math.isfinite(thickness) and thickness > 0):
            raise InvalidInputError(
                f"structure {self.name!r}: slice_thickness_mm must be > 0, got {thickness!r}"
            )

    @property
    def label(self) -> str:
        """``'name' (ROI n, file)`` for messages."""
        where = f", {self.source}" if self.source else ""
        return f"structure {self.name!r} (ROI {self.number}{where})"

    @property
    def is_empty(self) -> bool:
        """True when the structure has no contour."""
        return not self.contours

    def planes(self) -> list[tuple[float, tuple[Contour, ...]]]:
        """The contour planes, ascending: ``(z [mm], contours on that plane)``.

        Contours whose z differ by less than 0.01 mm share a plane (DICOM
        decimal strings round differently); the plane's z is their mean.
        """
        ordered = sorted(self.contours, key=lambda c: c.z_mm)
        groups: list[list[Contour]] = []
        for contour in ordered:
            if groups and contour.z_mm - groups[-1][0].z_mm < PLANE_TOLERANCE_MM:
                groups[-1].append(contour)
            else:
                groups.append([contour])
        return [(float(np.mean([c.z_mm for c in g])), tuple(g)) for g in groups]

    @property
    def planes_mm(self) -> _FloatArray:
        """The ascending contour planes [mm]."""
        return np.array([z for z, _ in self.planes()], dtype=np.float64)

    def slab_thickness_mm(self, fallback_mm: float | None = None) -> float:
        """The slice thickness used for end-caps and gaps [mm] (module docstring).

        :attr:`slice_thickness_mm` if set, else the smallest plane spacing,
        else ``fallback_mm`` (a single plane: the dose grid's slice spacing).
        """
        if self.slice_thickness_mm is not None:
            return self.slice_thickness_mm
        planes = self.planes_mm
        if planes.size > 1:
            return float(np.diff(planes).min())
        if fallback_mm is None:
            raise InvalidInputError(
                f"{self.label} has a single contour plane and no slice thickness"
            )
        return fallback_mm

    def slabs(
        self, fallback_mm: float | None = None
    ) -> list[tuple[float, float, tuple[Contour, ...]]]:
        """``(z low, z high, contours)`` [mm] of each contour plane's slab (module conventions).

        Raises
        ------
        InvalidInputError
            For a structure without contours.
        """
        if self.is_empty:
            raise InvalidInputError(f"{self.label} has no contours (an empty structure)")
        planes = self.planes()
        low, high = plane_slabs(
            np.array([z for z, _ in planes]), self.slab_thickness_mm(fallback_mm)
        )
        return [
            (float(lo), float(hi), contours)
            for lo, hi, (_, contours) in zip(low, high, planes, strict=True)
        ]

    def plane_area_mm2(self, contours: tuple[Contour, ...]) -> float:
        """Area of one plane's polygons under the even-odd rule [mm²]."""
        return float(
            sum(
                sign * c.area_mm2 for sign, c in zip(nesting_signs(contours), contours, strict=True)
            )
        )

    @property
    def volume_cc(self) -> float:
        """Volume from the contours alone [cm³]: plane areas times slab thicknesses.

        This is the volume of the structure the masks represent (the same
        end-caps), independent of any dose grid.
        """
        return (
            sum((hi - lo) * self.plane_area_mm2(contours) for lo, hi, contours in self.slabs())
            / 1000.0
        )

    def extent_mm(
        self, fallback_mm: float | None = None
    ) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
        """``((z low, z high), (y low, y high), (x low, x high))`` [mm], end-caps included.

        ``fallback_mm`` as in :meth:`slab_thickness_mm`.
        """
        slabs = self.slabs(fallback_mm)
        points = np.concatenate([c.xy_mm for c in self.contours])
        return (
            (slabs[0][0], slabs[-1][1]),
            (float(points[:, 1].min()), float(points[:, 1].max())),
            (float(points[:, 0].min()), float(points[:, 0].max())),
        )


def nesting_signs(contours: tuple[Contour, ...]) -> list[int]:
    """+1 or -1 per polygon of one plane: (-1) ** (number of the others that contain it).

    With polygons that do not cross, summing ``sign * area`` gives the area
    under the even-odd rule (a hole subtracts, an island in a hole adds).
    """
    signs = []
    for index, contour in enumerate(contours):
        x, y = contour.xy_mm[0]
        depth = sum(bool(other.contains(x, y)) for j, other in enumerate(contours) if j != index)
        signs.append(-1 if depth % 2 else 1)
    return signs


@dataclass(frozen=True, eq=False)
class StructureSet:
    """The structures of one RT Structure Set.

    Parameters
    ----------
    structures : tuple of Structure
        In file order.
    frame_of_reference_uid : str
        The frame of reference of the contours ("" when unknown).
    source : str
        The file it was read from ("" in memory).

    Examples
    --------
    >>> square = [[0, 0], [10, 0], [10, 10], [0, 10]]
    >>> ss = StructureSet((Structure(1, "Cord", (Contour(0.0, square),)),))
    >>> ss.names, ss["Cord"].number, "cord" in ss
    (('Cord',), 1, False)
    """

    structures: tuple[Structure, ...]
    frame_of_reference_uid: str = ""
    source: str = ""
    _by_name: dict[str, Structure] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        structures = tuple(self.structures)
        by_name: dict[str, Structure] = {}
        for structure in structures:
            if not isinstance(structure, Structure):
                raise InvalidInputError(
                    f"structures must hold Structure objects, got {type(structure).__name__}"
                )
            if structure.name in by_name:
                where = f"{self.source}: " if self.source else ""
                raise InvalidInputError(
                    f"{where}two structures are named {structure.name!r} (ROI "
                    f"{by_name[structure.name].number} and {structure.number}); names must be "
                    "unique"
                )
            by_name[structure.name] = structure
        object.__setattr__(self, "structures", structures)
        object.__setattr__(self, "_by_name", by_name)

    @property
    def names(self) -> tuple[str, ...]:
        """The ROI names, as in the file and in file order."""
        return tuple(s.name for s in self.structures)

    def __getitem__(self, name: str) -> Structure:
        """The structure of this exact name.

        Raises
        ------
        InvalidInputError
            Listing the names when there is none (and a near match by case).
        """
        structure = self._by_name.get(name)
        if structure is not None:
            return structure
        where = self.source or "the structure set"
        close = [n for n in self.names if n.lower() == str(name).lower()]
        hint = f" (did you mean {close[0]!r}? names are case-sensitive)" if close else ""
        raise InvalidInputError(
            f"{where}: no structure named {name!r}{hint}; the structures are "
            f"{', '.join(map(repr, self.names)) or 'none'}"
        )

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Structure]:
        return iter(self.structures)

    def __len__(self) -> int:
        return len(self.structures)

    def __repr__(self) -> str:
        where = f", source={self.source!r}" if self.source else ""
        return f"StructureSet({len(self)} structures: {', '.join(self.names)}{where})"

    def _repr_html_(self) -> str:
        rows = [
            (
                str(s.number),
                s.name,
                str(len(s.planes())),
                "-" if s.is_empty else f"{s.volume_cc:.4g} cc",
            )
            for s in self.structures
        ]
        return html_table(
            f"Structure set {self.source}".strip(),
            ("ROI", "name", "planes", "volume"),
            rows,
            align=("right", "left", "right", "right"),
            footnotes=["Volumes from the contours, half-slice end-caps."],
        )
