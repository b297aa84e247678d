"""radcalc.dosemap.convert_grid: per-voxel EQD2/BED maps."""

from __future__ import annotations

import numpy as np
import pytest

from radcalc.dosemap import convert_grid
from radcalc.errors import InvalidInputError
from radcalc.grid import DoseGrid
from radcalc.lq import bed, eqd2

GRID = DoseGrid(np.array([[[70.0, 35.0, 10.0]]]), z_mm=[0], y_mm=[0], x_mm=[0, 2, 4])


def test_each_voxel_its_own_dose_per_fraction() -> None:
    mapped, notes = convert_grid(GRID, 35, alpha_beta=3)
    expected = [eqd2(d, 35, alpha_beta=3) for d in (70.0, 35.0, 10.0)]
    np.testing.assert_allclose(mapped.dose[0, 0], expected, rtol=1e-12)
    assert mapped.quantity == "EQD2" and notes == ()
    as_bed, _ = convert_grid(GRID, 10, alpha_beta=10, quantity="BED")
    np.testing.assert_allclose(as_bed.dose[0, 0], bed(GRID.dose[0, 0], 10, alpha_beta=10))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"quantity": "eqd2"}, "quantity must be 'EQD2' or 'BED'"),
        ({"alpha_beta": 0}, r"alpha_beta \[Gy\] must be finite and > 0"),
    ],
)
def test_invalid(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"alpha_beta": 3, **kwargs}
    with pytest.raises(InvalidInputError, match=match):
        convert_grid(GRID, 35, **args)  # type: ignore[arg-type]


def test_refuses_a_map() -> None:
    with pytest.raises(InvalidInputError, match="holds EQD2, not physical dose"):
        convert_grid(GRID.with_dose(GRID.dose, quantity="EQD2"), 35, alpha_beta=3)
