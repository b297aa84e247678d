"""DoseGrid: validation, immutability and geometry."""

from __future__ import annotations

import numpy as np
import pytest

from radcalc.errors import InvalidInputError
from radcalc.grid import DoseGrid


def _grid(**overrides: object) -> DoseGrid:
    kwargs: dict[str, object] = {
        "dose": np.arange(24, dtype=float).reshape(2, 3, 4),
        "z_mm": [10.0, 12.5],
        "y_mm": [-2.0, 0.0, 2.0],
        "x_mm": [0.0, 3.0, 6.0, 9.0],
    }
    kwargs.update(overrides)
    dose = kwargs.pop("dose")
    return DoseGrid(dose, **kwargs)  # type: ignore[arg-type]


def test_geometry() -> None:
    grid = _grid()
    assert grid.shape == (2, 3, 4)
    assert grid.spacing_mm == (2.5, 2.0, 3.0)
    assert grid.voxel_volume_cc == pytest.approx(2.5 * 2 * 3 / 1000, rel=1e-12)
    assert grid.quantity == "physical"
    assert grid.frame_of_reference_uid == ""
    assert grid.max_gy == 23.0
    assert "shape=(2, 3, 4)" in repr(grid)


def test_decreasing_axes_have_positive_spacing() -> None:
    grid = _grid(z_mm=[5.0, 2.0], y_mm=[4.0, 2.0, 0.0])
    assert grid.spacing_mm == (3.0, 2.0, 3.0)


def test_caller_array_is_copied_and_not_modified() -> None:
    dose = np.ones((2, 3, 4))
    grid = _grid(dose=dose)
    assert dose.flags.writeable
    dose[0, 0, 0] = 5.0
    assert grid.dose[0, 0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        grid.dose[0, 0, 0] = 3.0
    with pytest.raises(ValueError, match="read-only"):
        grid.x_mm[0] = 3.0


def test_frozen_and_identity_read_only() -> None:
    grid = _grid(identity={"PatientID": "X"})
    with pytest.raises(AttributeError):
        grid.quantity = "BED"  # type: ignore[misc]
    with pytest.raises(TypeError):
        grid.identity["PatientID"] = "Y"  # type: ignore[index]


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float32, np.float32), (np.float64, np.float64), (np.uint16, np.float64)],
)
def test_dtype(dtype: type, expected: type) -> None:
    grid = _grid(dose=np.ones((2, 3, 4), dtype=dtype))
    assert grid.dose.dtype == expected


def test_with_dose_keeps_geometry() -> None:
    grid = _grid(frame_of_reference_uid="1.2.3", identity={"PatientID": "X"}, source="a.dcm")
    eqd2 = grid.with_dose(grid.dose * 2, quantity="EQD2")
    assert eqd2.quantity == "EQD2"
    assert eqd2.same_geometry(grid)
    assert eqd2.identity == {"PatientID": "X"}
    assert eqd2.source == "a.dcm"
    np.testing.assert_array_equal(eqd2.dose, grid.dose * 2)


def test_single_slice_needs_thickness_for_volume() -> None:
    grid = _grid(dose=np.ones((1, 3, 4)), z_mm=[0.0])
    with pytest.raises(InvalidInputError, match="voxel size along z is unknown"):
        _ = grid.voxel_volume_cc
    thick = _grid(dose=np.ones((1, 3, 4)), z_mm=[0.0], slice_thickness_mm=2.5)
    assert thick.spacing_mm == (2.5, 2.0, 3.0)


def test_same_geometry_detects_shift() -> None:
    assert not _grid().same_geometry(_grid(x_mm=[0.1, 3.1, 6.1, 9.1]))
    assert not _grid().same_geometry(_grid(frame_of_reference_uid="9"))


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        pytest.param({"dose": np.ones((3, 4))}, r"3-D array .* got shape \(3, 4\)", id="2-D dose"),
        pytest.param({"dose": np.ones((0, 3, 4))}, "must not be empty", id="empty"),
        pytest.param({"dose": np.full((2, 3, 4), "a")}, "array of numbers", id="strings"),
        pytest.param(
            {"dose": np.full((2, 3, 4), np.nan)}, r"dose \[Gy\] must be finite", id="NaN dose"
        ),
        pytest.param(
            {"dose": -np.ones((2, 3, 4))}, r"dose \[Gy\] must be finite and >= 0", id="negative"
        ),
        pytest.param({"z_mm": [0.0, 1.0, 2.0]}, "z_mm has 3 coordinates but dose has 2", id="len"),
        pytest.param({"x_mm": [0.0, 3.0, 3.0, 9.0]}, "strictly monotonic", id="repeated x"),
        pytest.param({"x_mm": [0.0, 3.0, 7.0, 9.0]}, "evenly spaced", id="uneven x"),
        pytest.param({"y_mm": [[0.0, 1.0, 2.0]]}, "1-D array", id="2-D axis"),
        pytest.param({"y_mm": [0.0, np.inf, 2.0]}, r"y_mm \[mm\] must be finite", id="inf axis"),
        pytest.param({"quantity": "eqd2"}, "quantity must be one of physical, EQD2, BED", id="q"),
        pytest.param({"identity": {"a": 1}}, "identity must map str to str", id="identity"),
        pytest.param({"slice_thickness_mm": 0.0}, "slice_thickness_mm", id="thickness"),
        pytest.param({"frame_of_reference_uid": 1}, "frame_of_reference_uid", id="frame"),
    ],
)
def test_invalid(overrides: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        _grid(**overrides)


def test_with_dose_shape_mismatch() -> None:
    with pytest.raises(InvalidInputError, match=r"grid's shape \(2, 3, 4\)"):
        _grid().with_dose(np.ones((2, 3, 5)))


def test_top_level_is_lazy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, radcalc; assert 'radcalc.grid' not in sys.modules; "
        "assert radcalc.DoseGrid.__module__ == 'radcalc.grid'; "
        "assert 'DoseGrid' in dir(radcalc); "
        "assert 'pydicom' not in sys.modules and 'scipy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
