r"""Voxel accumulation of dose over courses: resampling and the cumulative EQD2/BED map.

Each course's physical dose grid is resampled onto one reference grid
(trilinear interpolation of the physical dose, optionally through a rigid
registration), then converted voxel by voxel with **that voxel's own dose per
fraction** in that course (:math:`d = D_\mathrm{voxel}/n`, never the
prescription's) and summed with each earlier course discounted by its
recovery factor (the models of :mod:`radcalc.recovery`):

.. math:: \mathrm{EQD2}_\mathrm{cum}(\mathbf{r}) = \sum_{i < N} (1 - r(t_i))\,
          \mathrm{EQD2}\!\left(D_i(\mathbf{r}), n_i\right)
          + \mathrm{EQD2}\!\left(D_N(\mathbf{r}), n_N\right)

(see :func:`radcalc.reirradiation.cumulative_eqd2`, which does the sum).

Conventions
-----------
* Registration: a ``transform`` is a 4 x 4 rigid matrix (rotation and
  translation, homogeneous coordinates, mm) mapping a point of the **course's
  frame** to the **reference frame**, like the Frame of Reference
  Transformation Matrix of a DICOM Spatial Registration for that course's
  frame. Grids in different frames of reference are refused without one.
* Interpolation: trilinear on the physical dose
  (:func:`scipy.ndimage.map_coordinates`, order 1), exact for dose that is
  linear between voxel centres. The EQD2 is computed after resampling.
* Outside a course's grid (beyond its first or last voxel centre, 1e-3 voxel
  tolerance) the dose is unknown: ``outside="error"`` (default) refuses,
  ``outside="zero"`` takes 0 Gy there and the result says how many voxels of
  which course were set to 0.

scipy is imported only when a grid has to be resampled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from radcalc.dosemap import check_converted_quantity, require_physical
from radcalc.errors import InvalidInputError
from radcalc.grid import DoseGrid
from radcalc.recovery import RecoverySpec, resolve_recovery
from radcalc.reirradiation import cumulative_bed, cumulative_eqd2

__all__ = [
    "AccumulatedDose",
    "MetricSum",
    "accumulate_courses",
    "resample_dose",
    "rigid_transform",
    "sum_structure_metric",
]

_RIGID_ATOL = 1e-6  # tolerance on R^T R = I, det R = 1 and the last row (0, 0, 0, 1)
_EDGE_TOL = 1e-3  # voxels: how far beyond the outer voxel centres still counts as inside
_OUTSIDE = ("error", "zero")


def rigid_transform(matrix: Any, *, name: str = "transform") -> np.ndarray[Any, Any]:
    """Validate a 4 x 4 rigid transform and return it as a read-only float64 copy.

    Parameters
    ----------
    matrix : array_like
        Homogeneous 4 x 4 matrix ``[[R, t], [0, 0, 0, 1]]`` with a rotation
        ``R`` (orthonormal, determinant +1) and a translation ``t`` [mm].
    name : str
        The argument name used in error messages.

    Raises
    ------
    InvalidInputError
        For another shape, NaN/inf, a last row other than (0, 0, 0, 1), or an
        ``R`` that is not a rotation (scaling, shear or reflection).

    Examples
    --------
    >>> rigid_transform([[1, 0, 0, 5], [0, 1, 0, 0], [0, 0, 1, -2], [0, 0, 0, 1]])[:3, 3]
    array([ 5.,  0., -2.])
    """
    try:
        m = np.array(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} must be a 4 x 4 matrix of numbers") from exc
    if m.shape != (4, 4):
        raise InvalidInputError(f"{name} must be a 4 x 4 matrix, got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise InvalidInputError(f"{name} must hold finite numbers, got {m.tolist()}")
    if not np.allclose(m[3], [0, 0, 0, 1], rtol=0, atol=_RIGID_ATOL):
        raise InvalidInputError(f"{name} must have the last row (0, 0, 0, 1), got {m[3].tolist()}")
    rotation = m[:3, :3]
    if not np.allclose(rotation.T @ rotation, np.eye(3), rtol=0, atol=_RIGID_ATOL):
        raise InvalidInputError(
            f"{name} must be rigid: its 3 x 3 part must be a rotation (R^T R = I), got "
            f"{rotation.tolist()} (scaling or shear is not a rigid registration)"
        )
    if np.linalg.det(rotation) < 0:
        raise InvalidInputError(
            f"{name} must be rigid: its 3 x 3 part has determinant -1 (a reflection)"
        )
    m[3] = (0, 0, 0, 1)
    m.setflags(write=False)
    return m


def _continuous_index(coords: np.ndarray[Any, Any], axis: np.ndarray[Any, Any]) -> Any:
    """Fractional voxel index of ``coords`` [mm] along an evenly spaced ``axis``."""
    if axis.size == 1:  # a single plane: only points on it are inside
        return np.where(np.abs(coords - axis[0]) <= 1e-6, 0.0, np.inf)
    step = (axis[-1] - axis[0]) / (axis.size - 1)
    return (coords - axis[0]) / step


def resample_dose(
    grid: DoseGrid,
    onto: DoseGrid,
    *,
    transform: Any = None,
    outside: str = "error",
) -> tuple[DoseGrid, int]:
    """Resample ``grid``'s dose onto ``onto``'s voxel centres (trilinear).

    Parameters
    ----------
    grid : DoseGrid
        The dose to resample [Gy].
    onto : DoseGrid
        The reference grid (its geometry and frame are kept; its dose is not
        used).
    transform : array_like, optional
        4 x 4 rigid matrix mapping ``grid``'s frame to ``onto``'s frame (see
        the module's conventions). Required when the frames of reference
        differ.
    outside : {"error", "zero"}
        What to do with reference voxels outside ``grid``: refuse, or take 0 Gy.

    Returns
    -------
    resampled : DoseGrid
        ``onto``'s geometry with ``grid``'s dose (same quantity, float64; the
        dose itself, not a copy, when the geometries already agree).
    n_outside : int
        How many reference voxels lay outside ``grid`` (set to 0).

    Raises
    ------
    InvalidInputError
        Different frames without a transform, a transform that is not rigid,
        an unknown ``outside``, or (with ``outside="error"``) reference voxels
        outside ``grid``.

    Examples
    --------
    Half a voxel shift of a linear dose gives the dose halfway between centres:

    >>> import numpy as np
    >>> from radcalc.grid import DoseGrid
    >>> x = np.arange(4) * 2.0
    >>> g = DoseGrid(np.broadcast_to(x, (2, 2, 4)), z_mm=[0, 2], y_mm=[0, 2], x_mm=x)
    >>> ref = DoseGrid(np.zeros((2, 2, 3)), z_mm=[0, 2], y_mm=[0, 2], x_mm=x[:3] + 1)
    >>> resample_dose(g, ref)[0].dose[0, 0]
    array([1., 3., 5.])
    """
    if outside not in _OUTSIDE:
        raise InvalidInputError(f"outside must be 'error' or 'zero', got {outside!r}")
    matrix = None if transform is None else rigid_transform(transform)
    if matrix is None and grid.frame_of_reference_uid != onto.frame_of_reference_uid:
        raise InvalidInputError(
            f"{grid.source or 'the grid'} is in frame of reference "
            f"{grid.frame_of_reference_uid or '(unknown)'} but the reference grid is in "
            f"{onto.frame_of_reference_uid or '(unknown)'}: give a rigid registration "
            "(transform) or use the per-structure sum of metrics"
        )
    if matrix is None or np.allclose(matrix, np.eye(4), rtol=0, atol=1e-12):
        if grid.same_geometry(onto, atol_mm=1e-6):
            return onto.with_dose(grid.dose, quantity=grid.quantity), 0
        matrix = np.eye(4)
    # Points of the reference grid in the course's frame: p = M^-1 q.
    rotation, shift = matrix[:3, :3], matrix[:3, 3]
    inverse_rotation = rotation.T
    from scipy.ndimage import map_coordinates

    nz, ny, nx = onto.shape
    result = np.empty(onto.shape, dtype=np.float64)
    n_outside = 0
    yy, xx = np.meshgrid(onto.y_mm, onto.x_mm, indexing="ij")
    source = np.asarray(grid.dose, dtype=np.float64)
    for k in range(nz):  # slab by slab keeps memory at a few slices
        q = np.stack([xx.ravel(), yy.ravel(), np.full(xx.size, onto.z_mm[k])])
        p = inverse_rotation @ (q - shift[:, None])
        index = np.stack(
            [
                _continuous_index(p[2], grid.z_mm),
                _continuous_index(p[1], grid.y_mm),
                _continuous_index(p[0], grid.x_mm),
            ]
        )
        inside = np.ones(index.shape[1], dtype=bool)
        for axis, size in enumerate(grid.shape):
            inside &= (index[axis] >= -_EDGE_TOL) & (index[axis] <= size - 1 + _EDGE_TOL)
            index[axis] = np.clip(np.nan_to_num(index[axis]), 0, size - 1)
        values = map_coordinates(source, index, order=1, mode="nearest")
        missing = int(inside.size - np.count_nonzero(inside))
        if missing:
            if outside == "error":
                raise InvalidInputError(
                    f"{grid.source or 'the grid'}: {missing} voxels of reference slice "
                    f"z = {onto.z_mm[k]:g} mm lie outside its dose grid (x {grid.x_mm[0]:g} to "
                    f"{grid.x_mm[-1]:g}, y {grid.y_mm[0]:g} to {grid.y_mm[-1]:g}, z "
                    f"{grid.z_mm[0]:g} to {grid.z_mm[-1]:g} mm); use outside='zero' to take "
                    "0 Gy there, or a smaller reference grid"
                )
            values[~inside] = 0.0
            n_outside += missing
        result[k] = values.reshape(ny, nx)
    return onto.with_dose(result, quantity=grid.quantity), n_outside


@dataclass(frozen=True, eq=False)
class AccumulatedDose:
    """A cumulative EQD2 or BED map over courses, with what was assumed to get it.

    Attributes
    ----------
    grid : DoseGrid
        The cumulative dose on the reference grid [Gy]; ``grid.quantity`` is
        "EQD2" or "BED".
    labels : tuple of str
        The courses, oldest first (file names when read from files).
    fractions : tuple of float
        Each course's number of fractions.
    intervals_months : tuple of float
        Time from the end of course i to the start of course i + 1 [months].
    alpha_beta : float or None
        The α/β [Gy] used everywhere, or None for a per-voxel α/β map.
    recovery : str
        The recovery model, with its source.
    weights : tuple of float
        Each course's weight :math:`1 - r(t_i)` (1 for the newest course).
    reference : int
        Index of the course whose grid is the reference.
    notes : tuple of str
        Resampling notes (transform used, voxels set to 0 outside a grid).
    method : str
        How the courses were combined ("voxel": resampled and summed per voxel).
    """

    grid: DoseGrid
    labels: tuple[str, ...]
    fractions: tuple[float, ...]
    intervals_months: tuple[float, ...]
    alpha_beta: float | None
    recovery: str
    weights: tuple[float, ...]
    reference: int
    notes: tuple[str, ...] = ()
    method: str = "voxel"

    def describe(self) -> str:
        """A few lines saying what was summed, how, and every assumption."""
        ab = "per-voxel map" if self.alpha_beta is None else f"{self.alpha_beta:g} Gy"
        lines = [
            f"Cumulative {self.grid.quantity} [Gy], voxel by voxel (each voxel's own dose per "
            f"fraction), alpha/beta {ab}; max {self.grid.max_gy:.2f} Gy",
            f"reference grid: course {self.reference + 1} ({self.labels[self.reference]}), "
            f"trilinear resampling of the physical dose",
            f"recovery: {self.recovery}",
        ]
        for i, label in enumerate(self.labels):
            lines.append(
                f"  course {i + 1}: {label}, {self.fractions[i]:g} fx, weight {self.weights[i]:.4g}"
            )
        lines.extend(self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def accumulate_courses(
    grids: Sequence[DoseGrid],
    *,
    fractions: Sequence[float],
    intervals_months: Sequence[float],
    alpha_beta: Any,
    recovery: RecoverySpec = "none",
    organ: str | None = None,
    quantity: str = "EQD2",
    reference: int = -1,
    transforms: Sequence[Any] | None = None,
    outside: str = "error",
) -> AccumulatedDose:
    """Cumulative EQD2 (or BED) map of several courses, voxel by voxel.

    Parameters
    ----------
    grids : sequence of DoseGrid
        Each course's **physical** dose grid, oldest first, newest last.
    fractions : sequence of float
        Each course's number of fractions, :math:`n > 0`.
    intervals_months : sequence of float
        ``len(grids) - 1`` intervals; element i is the time from the end of
        course i to the start of course i + 1 [months].
    alpha_beta : float or array_like
        α/β [Gy]: one number, or an array of the reference grid's shape (a
        per-voxel map, e.g. per structure). Keyword-only, no default.
    recovery : RecoveryModel, str or os.PathLike
        Anything :func:`radcalc.recovery.resolve_recovery` accepts; default
        "none" (no recovery, the conservative choice).
    organ : str, optional
        The organ table to use when ``recovery`` is a TOML file.
    quantity : {"EQD2", "BED"}
        The cumulative quantity.
    reference : int
        Index of the course whose grid is the reference (default -1, the
        newest course).
    transforms : sequence, optional
        One entry per course: None, or a 4 x 4 rigid matrix mapping that
        course's frame to the reference course's frame. Required for a course
        in another frame of reference.
    outside : {"error", "zero"}
        Reference voxels outside a course's grid: refuse (default) or 0 Gy.

    Returns
    -------
    AccumulatedDose
        The map (``.grid``) and every assumption (``.describe()``).

    Raises
    ------
    InvalidInputError
        For no grids, a grid that is not physical dose, per-course sequences of
        the wrong length, different frames without a transform, a non-rigid
        transform, voxels outside a grid (``outside="error"``), or any invalid
        number (see :func:`radcalc.reirradiation.cumulative_eqd2`).

    Examples
    --------
    Two courses on the same 2 x 2 x 2 grid, α/β 3 Gy, no recovery:

    >>> import numpy as np
    >>> from radcalc.grid import DoseGrid
    >>> axes = dict(z_mm=[0, 2], y_mm=[0, 2], x_mm=[0, 2])
    >>> c1 = DoseGrid(np.full((2, 2, 2), 70.0), **axes)
    >>> c2 = DoseGrid(np.full((2, 2, 2), 30.0), **axes)
    >>> total = accumulate_courses([c1, c2], fractions=[35, 10], intervals_months=[24],
    ...                            alpha_beta=3)
    >>> round(float(total.grid.dose[0, 0, 0]), 2)  # 70 + 30 * (3 + 3) / (2 + 3)
    106.0
    """
    grids = list(grids)
    if not grids:
        raise InvalidInputError("grids must hold at least one course, got none")
    for i, g in enumerate(grids):
        if not isinstance(g, DoseGrid):
            raise InvalidInputError(f"grids[{i}] must be a DoseGrid, got {type(g).__name__}")
        require_physical(g, f"grids[{i}]")
    check_converted_quantity(quantity)
    if isinstance(reference, bool) or not isinstance(reference, int):
        raise InvalidInputError(f"reference must be a course index, got {reference!r}")
    if not -len(grids) <= reference < len(grids):
        raise InvalidInputError(
            f"reference must be a course index in [0, {len(grids) - 1}], got {reference}"
        )
    ref = reference % len(grids)
    if transforms is None:
        transforms = [None] * len(grids)
    transforms = list(transforms)
    if len(transforms) != len(grids):
        raise InvalidInputError(
            f"transforms must have one entry per course ({len(grids)}), got {len(transforms)}"
        )
    model = resolve_recovery(recovery, organ=organ)
    labels = tuple(g.source or f"course {i + 1}" for i, g in enumerate(grids))
    onto = grids[ref]
    doses: list[np.ndarray[Any, Any]] = []
    notes: list[str] = []
    for i, (g, transform) in enumerate(zip(grids, transforms, strict=True)):
        try:
            resampled, n_out = resample_dose(g, onto, transform=transform, outside=outside)
        except InvalidInputError as exc:
            raise InvalidInputError(f"course {i + 1}: {exc}") from exc
        doses.append(resampled.dose)
        if transform is not None:
            notes.append(f"course {i + 1}: resampled through the given rigid transform")
        elif i != ref and not g.same_geometry(onto, atol_mm=1e-6):
            notes.append(f"course {i + 1}: resampled onto the reference grid (same frame)")
        if n_out:
            notes.append(f"course {i + 1}: {n_out} reference voxels outside its grid taken as 0 Gy")
    combine = cumulative_eqd2 if quantity == "EQD2" else cumulative_bed
    total = combine(
        doses,
        list(fractions),
        list(intervals_months),
        alpha_beta=alpha_beta,
        recovery=model,
    )
    elapsed = np.cumsum(np.asarray(list(intervals_months), dtype=float)[::-1])[::-1]
    weights = (*(float(1 - model.fraction_recovered(float(t))) for t in elapsed), 1.0)
    ab = np.asarray(alpha_beta, dtype=float)
    return AccumulatedDose(
        grid=onto.with_dose(total, quantity=quantity),
        labels=labels,
        fractions=tuple(float(n) for n in fractions),
        intervals_months=tuple(float(t) for t in intervals_months),
        alpha_beta=float(ab) if ab.ndim == 0 else None,
        recovery=model.describe(),
        weights=weights,
        reference=ref,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class MetricSum:
    """A per-structure sum of one DVH metric over courses, without registration.

    Attributes
    ----------
    structure : str
        The structure's name (in the newest course).
    metric : str
        The metric, e.g. ``"Dmax"`` or ``"D0.03cc"``.
    quantity : str
        "EQD2" or "BED" [Gy].
    values : tuple of float
        Each course's metric of its own EQD2/BED DVH (per voxel, each voxel's
        own dose per fraction), oldest first.
    weights : tuple of float
        Each course's weight :math:`1 - r(t_i)` (1 for the newest).
    total : float
        :math:`\\sum_i w_i\\, m_i` [Gy].
    method : str
        Always "per-structure sum of metrics (no registration)".
    bound : str
        Whether the total is an upper bound of the voxel sum's metric.
    """

    structure: str
    metric: str
    quantity: str
    values: tuple[float, ...]
    weights: tuple[float, ...]
    total: float
    recovery: str
    method: str = "per-structure sum of metrics (no registration)"
    bound: str = ""

    def describe(self) -> str:
        """One line: the total, how it was obtained, and what it bounds."""
        parts = " + ".join(
            f"{w:.4g} x {v:.2f}" for v, w in zip(self.values, self.weights, strict=True)
        )
        return (
            f"{self.structure} {self.metric} cumulative {self.quantity} = {parts} = "
            f"{self.total:.2f} Gy; {self.method}; {self.bound}; recovery: {self.recovery}"
        )


def sum_structure_metric(
    courses: Sequence[tuple[DoseGrid, Any]],
    metric: str,
    *,
    fractions: Sequence[float],
    intervals_months: Sequence[float],
    alpha_beta: float,
    recovery: RecoverySpec = "none",
    organ: str | None = None,
    quantity: str = "EQD2",
) -> MetricSum:
    r"""Conservative cumulative dose of a structure without registration: sum of course metrics.

    When the courses' grids cannot be registered, the usual conservative
    estimate assumes that the hottest regions of every course coincide: the
    structure's metric of each course (from its own EQD2/BED DVH, each voxel
    converted with its own dose per fraction) is weighted by the recovery
    factor and summed, e.g. Dmax + Dmax.

    Parameters
    ----------
    courses : sequence of (DoseGrid, Structure)
        Each course's physical dose grid and the structure contoured in that
        course's frame, oldest first.
    metric : str
        A dose metric (``Dmax``, ``Dmean``, ``D0.03cc``, ``D2cc``, ``D95%``,
        ...); volume metrics (``V20Gy``) do not add up and are refused.
    fractions, intervals_months, alpha_beta, recovery, organ, quantity
        As for :func:`accumulate_courses` (one α/β number).

    Returns
    -------
    MetricSum
        The total and every term; ``bound`` says that the total is an upper
        bound of the voxel sum's metric only for Dmax (max of a sum <= sum of
        maxima); for other metrics it is the sum under the assumption that the
        same tissue received each course's metric dose.

    Raises
    ------
    InvalidInputError
        For a volume metric, per-course sequences of the wrong length, or any
        invalid number.
    """
    from radcalc.dosevolume.histogram import dvh
    from radcalc.dosevolume.metrics import parse_metric

    parsed = parse_metric(metric)
    if parsed.kind == "V":
        raise InvalidInputError(
            f"metric {parsed.text}: volumes at a dose do not add up over courses; "
            "use a dose metric (Dmax, D0.03cc, D2cc, Dmean, ...)"
        )
    check_converted_quantity(quantity)
    courses = list(courses)
    if not courses:
        raise InvalidInputError("courses must hold at least one (grid, structure), got none")
    if len(fractions) != len(courses) or len(intervals_months) != len(courses) - 1:
        raise InvalidInputError(
            f"give one fraction number per course ({len(courses)}) and one interval fewer, "
            f"got {len(fractions)} and {len(intervals_months)}"
        )
    model = resolve_recovery(recovery, organ=organ)
    values = tuple(
        float(
            dvh(
                grid, structure, fractions=n, alpha_beta=alpha_beta, quantity=quantity.lower()
            ).metric(parsed)
        )
        for (grid, structure), n in zip(courses, fractions, strict=True)
    )
    # The weighted sum itself is the re-irradiation sum on numbers (fractions
    # already applied per voxel, so each term enters as a 2-Gy-equivalent dose).
    elapsed = np.cumsum(np.asarray(list(intervals_months), dtype=float)[::-1])[::-1]
    for t in elapsed:
        if not (np.isfinite(t) and t >= 0):
            raise InvalidInputError(f"intervals_months must be finite and >= 0, got {t!r}")
    weights = (*(float(1 - model.fraction_recovered(float(t))) for t in elapsed), 1.0)
    total = float(sum(w * v for w, v in zip(weights, values, strict=True)))
    bound = (
        "an upper bound of the registered voxel sum's Dmax (conservative)"
        if parsed.kind == "Dmax"
        else "assumes the same tissue received each course's metric dose (not a strict bound)"
    )
    return MetricSum(
        structure=courses[-1][1].name,
        metric=parsed.text,
        quantity=quantity,
        values=values,
        weights=weights,
        total=total,
        recovery=model.describe(),
        bound=bound,
    )
