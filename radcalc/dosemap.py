r"""EQD2/BED maps of a dose grid, voxel by voxel, with per-structure α/β.

Every voxel is converted with **its own dose per fraction**
(:math:`d = D_\mathrm{voxel}/n`), never the prescription's:

.. math:: \mathrm{EQD2} = D\,\frac{D/n + \alpha/\beta}{2 + \alpha/\beta}, \qquad
          \mathrm{BED} = D\left(1 + \frac{D/n}{\alpha/\beta}\right)

Per-structure α/β: a voxel takes a structure's α/β when at least half of it
lies inside the structure (exact partial volumes of
:func:`radcalc.dosevolume.mask.structure_mask`); elsewhere the required
default. Where structures with different α/β overlap, the voxel takes the
**larger** converted dose (the conservative choice: for
:math:`d > 2` Gy the lower α/β gives the larger EQD2, below 2 Gy the higher).

References
----------
.. [1] Withers HR, Thames HD, Peters LJ. A new isoeffect curve for change in
   dose per fraction. Radiother Oncol 1983;1:187-191.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from radcalc import lq
from radcalc.errors import InvalidInputError
from radcalc.grid import DoseGrid

__all__ = ["check_converted_quantity", "convert_grid", "require_physical"]

# A voxel belongs to a structure for its α/β when at least this fraction is inside.
_MAJORITY = 0.5


def require_physical(grid: DoseGrid, label: str) -> None:
    """Refuse a grid that already holds EQD2/BED (it must not be converted twice)."""
    if grid.quantity != "physical":
        raise InvalidInputError(
            f"{label} ({grid.source or 'in memory'}) holds {grid.quantity}, not physical dose: "
            "each course's physical dose is converted with its own fractions"
        )


def check_converted_quantity(quantity: str) -> None:
    """``quantity`` must be "EQD2" or "BED"."""
    if quantity not in ("EQD2", "BED"):
        raise InvalidInputError(f"quantity must be 'EQD2' or 'BED', got {quantity!r}")


def convert_grid(
    grid: DoseGrid,
    fractions: float,
    *,
    alpha_beta: float,
    quantity: str = "EQD2",
    alpha_beta_for: Mapping[Any, float] | None = None,
) -> tuple[DoseGrid, tuple[str, ...]]:
    """Convert a physical dose grid to EQD2 or BED, voxel by voxel.

    Parameters
    ----------
    grid : DoseGrid
        Physical dose of the whole course [Gy].
    fractions : float
        Number of fractions :math:`n > 0`.
    alpha_beta : float
        The default α/β [Gy] (required).
    quantity : {"EQD2", "BED"}
        The quantity of the map.
    alpha_beta_for : mapping of Structure to float, optional
        Structures (:class:`radcalc.structures.Structure`, in the grid's frame)
        with their own α/β [Gy].

    Returns
    -------
    grid : DoseGrid
        The map [Gy] on the same grid, ``quantity`` set.
    notes : tuple of str
        One line per structure: its α/β and how many voxels took it.

    Raises
    ------
    InvalidInputError
        For a grid that is not physical dose, an invalid number, an unknown
        quantity, or a structure that is empty or reaches beyond the grid.

    Examples
    --------
    >>> import numpy as np
    >>> g = DoseGrid(np.full((1, 1, 2), 70.0), z_mm=[0], y_mm=[0], x_mm=[0, 2])
    >>> convert_grid(g, 35, alpha_beta=3)[0].dose.tolist()
    [[[70.0, 70.0]]]
    """
    require_physical(grid, "the grid")
    check_converted_quantity(quantity)
    convert = lq.eqd2 if quantity == "EQD2" else lq.bed
    result = np.asarray(convert(grid.dose, fractions, alpha_beta=alpha_beta), dtype=float)
    notes: list[str] = []
    if alpha_beta_for:
        from radcalc.dosevolume.mask import structure_mask

        assigned = np.zeros(grid.shape, dtype=bool)
        for structure, value in alpha_beta_for.items():
            inside = structure_mask(grid, structure).fraction() >= _MAJORITY
            candidate = np.asarray(convert(grid.dose, fractions, alpha_beta=value), dtype=float)
            overlap = inside & assigned
            result = np.where(inside & ~assigned, candidate, result)
            result = np.where(overlap, np.maximum(result, candidate), result)
            assigned |= inside
            notes.append(
                f"{structure.name}: alpha/beta {value:g} Gy in {int(inside.sum())} voxels "
                f"(at least {_MAJORITY:.0%} inside)"
                + (
                    f"; {int(overlap.sum())} overlapping voxels take the larger value"
                    if overlap.any()
                    else ""
                )
            )
    return grid.with_dose(result, quantity=quantity), tuple(notes)
