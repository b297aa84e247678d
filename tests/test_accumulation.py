"""Voxel accumulation: trilinear resampling, rigid transforms, cumulative EQD2/BED maps."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("scipy")

from radcalc.accumulation import (
    accumulate_courses,
    resample_dose,
    rigid_transform,
)
from radcalc.errors import InvalidInputError
from radcalc.grid import DoseGrid
from radcalc.reirradiation import cumulative_bed, cumulative_eqd2

GRADIENT = np.array([0.5, 0.25, 0.1])  # Gy/mm along x, y, z


def linear(points: np.ndarray[Any, Any], base: float = 30.0) -> np.ndarray[Any, Any]:
    """Dose [Gy] at points (3, ...) given as (x, y, z) [mm]."""
    return base + np.tensordot(GRADIENT, points, axes=1)


def grid_of(
    x: Any, y: Any, z: Any, *, frame: str = "F1", base: float = 30.0, matrix: Any = None
) -> DoseGrid:
    """A linear-dose grid; with ``matrix`` the dose is linear in the frame it maps to."""
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    points = np.stack([xx, yy, zz])
    if matrix is not None:
        m = np.asarray(matrix, dtype=float)
        points = np.tensordot(m[:3, :3], points, axes=1) + m[:3, 3, None, None, None]
    return DoseGrid(linear(points, base), z_mm=z, y_mm=y, x_mm=x, frame_of_reference_uid=frame)


def rot_z(degrees: float, shift: Any = (0, 0, 0)) -> np.ndarray[Any, Any]:
    a = np.radians(degrees)
    m = np.eye(4)
    m[:2, :2] = [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]
    m[:3, 3] = shift
    return m


COARSE = grid_of(np.arange(-20, 21, 3.0), np.arange(-20, 21, 2.0), np.arange(-12, 13, 2.5))


def test_same_grid_is_the_cumulative_eqd2_of_the_arrays() -> None:
    second = COARSE.with_dose(COARSE.dose * 0.5)
    total = accumulate_courses(
        [COARSE, second], fractions=[35, 10], intervals_months=[24], alpha_beta=3
    )
    expected = cumulative_eqd2([COARSE.dose, second.dose], [35, 10], [24], alpha_beta=3)
    np.testing.assert_allclose(total.grid.dose, expected, rtol=1e-12)
    assert total.grid.quantity == "EQD2"
    assert total.weights == (1.0, 1.0)
    assert total.notes == ()
    assert total.grid.same_geometry(COARSE)
    assert "each voxel's own dose per fraction" in total.describe()


def test_each_voxel_uses_its_own_dose_per_fraction() -> None:
    # Voxel doses 70 Gy and 35 Gy in 35 fx: EQD2 at a/b 3 = D (D/35 + 3) / 5.
    grid = DoseGrid(np.array([[[70.0, 35.0]]]), z_mm=[0], y_mm=[0], x_mm=[0, 2])
    total = accumulate_courses([grid], fractions=[35], intervals_months=[], alpha_beta=3)
    np.testing.assert_allclose(total.grid.dose[0, 0], [70.0, 35 * 4 / 5], rtol=1e-12)


def test_trilinear_resampling_is_exact_for_linear_dose() -> None:
    finer = grid_of(np.arange(-10, 10, 1.3), np.arange(-9, 9, 1.1), np.arange(-7, 8, 1.7))
    resampled, n_out = resample_dose(COARSE, finer)
    zz, yy, xx = np.meshgrid(finer.z_mm, finer.y_mm, finer.x_mm, indexing="ij")
    np.testing.assert_allclose(resampled.dose, linear(np.stack([xx, yy, zz])), rtol=1e-12)
    assert n_out == 0
    assert resampled.same_geometry(finer)


def test_rigid_transform_rotation_and_shift() -> None:
    # The course's frame maps to the reference frame by M (90 degrees about z, shift).
    m = rot_z(90, shift=(4.0, -3.0, 2.0))
    # Dose of the course, defined in the course frame as linear(p).
    course = grid_of(
        np.arange(-20, 21, 2.0), np.arange(-20, 21, 2.0), np.arange(-10, 11, 2.0), frame="A"
    )
    ref = grid_of(np.arange(-8, 9, 2.0), np.arange(-8, 9, 2.0), np.arange(-4, 5, 2.0), frame="B")
    resampled, _ = resample_dose(course, ref, transform=m)
    # At reference point q the dose is linear(M^-1 q).
    zz, yy, xx = np.meshgrid(ref.z_mm, ref.y_mm, ref.x_mm, indexing="ij")
    q = np.stack([xx, yy, zz])
    inverse = np.linalg.inv(m)
    p = np.tensordot(inverse[:3, :3], q, axes=1) + inverse[:3, 3, None, None, None]
    np.testing.assert_allclose(resampled.dose, linear(p), rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    angle=st.floats(-180, 180),
    shift=st.tuples(*(st.floats(-3, 3),) * 3),
)
def test_resampling_through_any_rigid_transform_is_exact_for_linear_dose(
    angle: float, shift: tuple[float, float, float]
) -> None:
    m = rot_z(angle, shift)
    course = grid_of(
        np.arange(-20, 21, 2.5), np.arange(-20, 21, 2.5), np.arange(-10, 11, 2.5), frame="A"
    )
    ref = grid_of(np.arange(-6, 7, 3.0), np.arange(-6, 7, 3.0), np.arange(-3, 4, 3.0), frame="B")
    resampled, n_out = resample_dose(course, ref, transform=m)
    inverse = np.linalg.inv(m)
    zz, yy, xx = np.meshgrid(ref.z_mm, ref.y_mm, ref.x_mm, indexing="ij")
    p = np.tensordot(inverse[:3, :3], np.stack([xx, yy, zz]), axes=1)
    p = p + inverse[:3, 3, None, None, None]
    np.testing.assert_allclose(resampled.dose, linear(p), rtol=1e-10)
    assert n_out == 0


def test_recovery_weights_and_bed() -> None:
    second = COARSE.with_dose(COARSE.dose * 0.8)
    total = accumulate_courses(
        [COARSE, second],
        fractions=[30, 5],
        intervals_months=[12],
        alpha_beta=2,
        recovery="constant:0.25",
        quantity="BED",
    )
    expected = cumulative_bed(
        [COARSE.dose, second.dose], [30, 5], [12], alpha_beta=2, recovery="constant:0.25"
    )
    np.testing.assert_allclose(total.grid.dose, expected, rtol=1e-12)
    assert total.weights == (0.75, 1.0)
    assert total.grid.quantity == "BED"
    assert "constant" in total.recovery


def test_per_voxel_alpha_beta_map() -> None:
    ab = np.where(COARSE.dose > 32, 2.0, 10.0)
    total = accumulate_courses([COARSE], fractions=[5], intervals_months=[], alpha_beta=ab)
    np.testing.assert_allclose(
        total.grid.dose, cumulative_eqd2([COARSE.dose], [5], [], alpha_beta=ab), rtol=1e-12
    )
    assert total.alpha_beta is None
    assert "per-voxel map" in total.describe()


def test_reference_course_and_outside_zero() -> None:
    small = grid_of(np.arange(-4, 5, 2.0), np.arange(-4, 5, 2.0), np.arange(-2, 3, 2.0))
    # Reference = COARSE (course 1): most of it lies outside the small course 2 grid.
    with pytest.raises(InvalidInputError, match=r"course 2: .*lie outside its dose grid"):
        accumulate_courses(
            [COARSE, small], fractions=[30, 5], intervals_months=[6], alpha_beta=3, reference=0
        )
    total = accumulate_courses(
        [COARSE, small],
        fractions=[30, 5],
        intervals_months=[6],
        alpha_beta=3,
        reference=0,
        outside="zero",
    )
    zz, yy, xx = np.meshgrid(COARSE.z_mm, COARSE.y_mm, COARSE.x_mm, indexing="ij")
    out = (np.abs(xx) > 4) | (np.abs(yy) > 4) | (np.abs(zz) > 2)
    assert f"course 2: {int(out.sum())} reference voxels outside its grid taken as 0 Gy" in (
        total.notes
    )
    # Outside course 2 only course 1 counts (weight 1, no recovery).
    first = cumulative_eqd2([COARSE.dose], [30], [], alpha_beta=3)
    np.testing.assert_allclose(total.grid.dose[out], first[out], rtol=1e-12)
    assert np.all(total.grid.dose[~out] > first[~out])


def test_single_slice_course() -> None:
    plane = grid_of(np.arange(-4, 5, 2.0), np.arange(-4, 5, 2.0), [0.0])
    ref = grid_of(np.arange(-2, 3, 1.0), np.arange(-2, 3, 1.0), [0.0])
    resampled, n_out = resample_dose(plane, ref)
    assert n_out == 0
    with pytest.raises(InvalidInputError, match="outside its dose grid"):
        resample_dose(plane, grid_of([0.0, 1.0], [0.0, 1.0], [0.0, 1.0]))
    assert resampled.dose.shape == (1, 5, 5)


ACCUMULATE_ERRORS = [
    pytest.param({"grids": []}, "at least one course", id="no grids"),
    pytest.param(
        {"grids": [COARSE.with_dose(COARSE.dose, quantity="EQD2")]},
        "holds EQD2, not physical",
        id="EQD2 input",
    ),
    pytest.param({"quantity": "eqd2"}, "quantity must be 'EQD2' or 'BED'", id="quantity"),
    pytest.param({"reference": 5}, r"reference must be a course index in \[0, 0\]", id="ref"),
    pytest.param({"transforms": [None, None]}, "one entry per course", id="transforms"),
    pytest.param({"fractions": [0]}, r"fractions\[0\] must be finite and > 0", id="fractions"),
    pytest.param({"alpha_beta": -1}, r"alpha_beta \[Gy\] must be finite and > 0", id="alpha_beta"),
    pytest.param({"outside": "clip"}, "outside must be 'error' or 'zero'", id="outside"),
]


@pytest.mark.parametrize(("overrides", "match"), ACCUMULATE_ERRORS)
def test_accumulate_errors(overrides: dict[str, Any], match: str) -> None:
    kwargs: dict[str, Any] = {
        "grids": [COARSE],
        "fractions": [30],
        "intervals_months": [],
        "alpha_beta": 3,
    }
    kwargs.update(overrides)
    grids = kwargs.pop("grids")
    with pytest.raises(InvalidInputError, match=match):
        accumulate_courses(grids, **kwargs)


def test_different_frames_need_a_transform() -> None:
    other = grid_of(COARSE.x_mm, COARSE.y_mm, COARSE.z_mm, frame="F2")
    with pytest.raises(InvalidInputError, match=r"frame of reference F2 .* give a rigid"):
        accumulate_courses([other, COARSE], fractions=[30, 5], intervals_months=[6], alpha_beta=3)
    total = accumulate_courses(
        [other, COARSE],
        fractions=[30, 5],
        intervals_months=[6],
        alpha_beta=3,
        transforms=[np.eye(4), None],
    )
    assert "course 1: resampled through the given rigid transform" in total.notes


NOT_RIGID = [
    pytest.param(np.eye(3), r"4 x 4 matrix, got shape \(3, 3\)", id="3x3"),
    pytest.param(np.diag([2.0, 1, 1, 1]), "must be rigid: .* rotation", id="scaling"),
    pytest.param(
        np.array([[1, 0.1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]]),
        "must be rigid",
        id="shear",
    ),
    pytest.param(np.diag([-1.0, 1, 1, 1]), "determinant -1", id="reflection"),
    pytest.param(
        np.vstack([np.eye(4)[:3], [0, 0, 1, 1]]), r"last row \(0, 0, 0, 1\)", id="projective"
    ),
    pytest.param(np.full((4, 4), np.nan), "finite", id="NaN"),
    pytest.param("identity", "4 x 4 matrix", id="text"),
]


@pytest.mark.parametrize(("matrix", "match"), NOT_RIGID)
def test_transform_must_be_rigid(matrix: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        rigid_transform(matrix)


def test_inputs_unchanged() -> None:
    before = COARSE.dose.copy()
    m = rot_z(10)
    m_before = m.copy()
    resample_dose(COARSE, COARSE, transform=m, outside="zero")
    np.testing.assert_array_equal(COARSE.dose, before)
    np.testing.assert_array_equal(m, m_before)


def _box(name: str = "box") -> Any:
    from radcalc.structures import Contour, Structure

    square = [[-6.0, -6.0], [6.0, -6.0], [6.0, 6.0], [-6.0, 6.0]]
    return Structure(1, name, tuple(Contour(z, square) for z in (-5.0, -2.5, 0.0, 2.5, 5.0)))


def test_sum_of_dmax_without_registration() -> None:
    from radcalc.accumulation import sum_structure_metric
    from radcalc.dosevolume.histogram import dvh

    second = grid_of(COARSE.x_mm, COARSE.y_mm, COARSE.z_mm, frame="F2", base=20.0)
    result = sum_structure_metric(
        [(COARSE, _box()), (second, _box())],
        "Dmax",
        fractions=[30, 5],
        intervals_months=[12],
        alpha_beta=3,
        recovery="constant:0.25",
    )
    d1 = dvh(COARSE, _box(), fractions=30, alpha_beta=3).metric("Dmax")
    d2 = dvh(second, _box(), fractions=5, alpha_beta=3).metric("Dmax")
    assert result.values == (pytest.approx(d1), pytest.approx(d2))
    assert result.total == pytest.approx(0.75 * d1 + d2, rel=1e-12)
    assert "upper bound" in result.bound
    assert "per-structure sum of metrics" in result.describe()
    d2cc = sum_structure_metric(
        [(COARSE, _box())], "D0.03cc", fractions=[30], intervals_months=[], alpha_beta=3
    )
    assert "not a strict bound" in d2cc.bound


def test_sum_of_volume_metric_refused() -> None:
    from radcalc.accumulation import sum_structure_metric

    with pytest.raises(InvalidInputError, match="volumes at a dose do not add up"):
        sum_structure_metric(
            [(COARSE, _box())], "V20Gy", fractions=[30], intervals_months=[], alpha_beta=3
        )
    with pytest.raises(InvalidInputError, match="one fraction number per course"):
        sum_structure_metric(
            [(COARSE, _box())], "Dmax", fractions=[30, 5], intervals_months=[], alpha_beta=3
        )
