"""Tests of radcalc.reirradiation: cumulative dose over courses and the dose budget."""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import radcalc
from radcalc import lq
from radcalc.errors import InvalidInputError
from radcalc.recovery import STEP_CORD_2021, constant, none, step
from radcalc.reirradiation import (
    cumulative_bed,
    cumulative_eqd2,
    max_new_dose,
    remaining_eqd2,
)


def withers_eqd2(dose: float, fractions: float, alpha_beta: float) -> float:
    """EQD2 written out independently of radcalc (Withers 1983)."""
    return dose * (dose / fractions + alpha_beta) / (2 + alpha_beta)


# --------------------------------------------------------------------------- worked values


@pytest.mark.parametrize(
    ("recovery", "expected"),
    [
        # 70/35 (EQD2 70 at any alpha/beta) then 65/54 BID (54.648 Gy EQD2 at alpha/beta 3)
        ("none", 70 + 65 * (65 / 54 + 3) / 5),
        ("step-cord-2021", 0.5 * 70 + 65 * (65 / 54 + 3) / 5),
        (constant(1), 65 * (65 / 54 + 3) / 5),
    ],
    ids=["none", "step-cord-2021 at 24 months: 50 %", "constant 1"],
)
def test_npc_70_35_then_65_54_bid(recovery: Any, expected: float) -> None:
    result = cumulative_eqd2([70, 65], [35, 54], [24], alpha_beta=3, recovery=recovery)
    assert result == pytest.approx(expected, rel=1e-14)


def test_organ_dose_uses_its_own_course_fractions() -> None:
    # Organ got 50 Gy of a 70/35 course: 50/35 = 1.43 Gy per fraction, not 2 Gy.
    result = cumulative_eqd2([50, 30], [35, 5], [12], alpha_beta=2)
    assert result == pytest.approx(withers_eqd2(50, 35, 2) + withers_eqd2(30, 5, 2), rel=1e-14)


def test_recovery_uses_the_time_to_the_newest_course() -> None:
    # Course 1 ended 10 + 4 = 14 months before course 3 (50 % recovered by the
    # cord rule), course 2 only 4 months before (nothing recovered).
    result = cumulative_eqd2(
        [60, 20, 30], [30, 10, 10], [10, 4], alpha_beta=2, recovery=STEP_CORD_2021
    )
    expected = 0.5 * 60 + withers_eqd2(20, 10, 2) + withers_eqd2(30, 10, 2)
    assert result == pytest.approx(expected, rel=1e-14)


def test_a_single_course_is_its_eqd2() -> None:
    assert cumulative_eqd2([65], [54], [], alpha_beta=10) == lq.eqd2(65, 54, alpha_beta=10)


def test_nieder_limit_in_bed() -> None:
    # Nieder 2006 (abstract): cumulative cord BED <= 135.5 Gy (alpha/beta 2).
    bed = cumulative_bed([45, 20], [25, 10], [12], alpha_beta=2)
    assert bed == pytest.approx(45 * (1 + 1.8 / 2) + 20 * (1 + 2 / 2), rel=1e-14)
    assert bed == 125.5


def test_remaining_and_max_new_dose_worked_example() -> None:
    # Cord: 45 Gy / 25 fx 24 months ago; illustrative user limit 70 Gy EQD2, alpha/beta 2.
    assert remaining_eqd2(70, [45], [25], [24], alpha_beta=2) == 70 - 42.75
    doses = max_new_dose(70, [45], [25], [24], fractions=[1, 5, 30], alpha_beta=2)
    for dose, n in zip(doses, [1, 5, 30], strict=True):
        assert withers_eqd2(dose, n, 2) == pytest.approx(27.25, rel=1e-13)


def test_over_the_limit_remaining_is_negative_and_max_dose_zero() -> None:
    assert remaining_eqd2(50, [70], [35], [36], alpha_beta=2) == -20.0
    assert max_new_dose(50, [70], [35], [36], fractions=5, alpha_beta=2) == 0.0
    assert max_new_dose(70, [70], [35], [36], fractions=5, alpha_beta=2) == 0.0


def test_no_history_leaves_the_whole_limit() -> None:
    assert remaining_eqd2(60, [], [], [], alpha_beta=2) == 60.0
    assert max_new_dose(60, [], [], [], fractions=30, alpha_beta=2) == pytest.approx(60.0)


def test_public_names_are_exported() -> None:
    for name in ("cumulative_eqd2", "cumulative_bed", "remaining_eqd2", "max_new_dose"):
        assert getattr(radcalc, name) is getattr(radcalc.reirradiation, name)
    assert radcalc.recovery.STEP_CORD_2021 is STEP_CORD_2021


# --------------------------------------------------------------------------- properties

# (total dose, fractions) of the real schedules named in EVIDENCE.md section 1.
REAL = {
    "70/35": (70.0, 35),
    "60/30": (60.0, 30),
    "65/54": (65.0, 54),
    "60/27": (60.0, 27),
    "30/5": (30.0, 5),
}

courses_st = st.lists(
    st.tuples(st.floats(0, 100), st.integers(1, 60), st.floats(0, 120)), min_size=1, max_size=4
)
alpha_beta_st = st.floats(0.5, 20)
fraction_st = st.floats(0, 1)


def split(courses: list[tuple[float, int, float]]) -> tuple[list[float], list[int], list[float]]:
    """(dose, fractions, interval after) rows -> three sequences, the newest's interval dropped."""
    return [c[0] for c in courses], [c[1] for c in courses], [c[2] for c in courses[:-1]]


def real(*names: str, interval: float = 24.0) -> list[tuple[float, int, float]]:
    return [(*REAL[name], interval) for name in names]


@given(courses_st, alpha_beta_st)
@example(real("70/35", "65/54"), 3.0)
@example(real("70/35", "60/27"), 2.0)
@example(real("70/35", "30/5"), 2.0)
@example(real("60/30", "65/54", "30/5"), 10.0)
def test_without_recovery_cumulative_is_the_plain_sum(
    courses: list[tuple[float, int, float]], alpha_beta: float
) -> None:
    doses, fractions, intervals = split(courses)
    plain = sum(lq.eqd2(d, n, alpha_beta=alpha_beta) for d, n in zip(doses, fractions, strict=True))
    assert cumulative_eqd2(doses, fractions, intervals, alpha_beta=alpha_beta) == pytest.approx(
        plain, rel=1e-12
    )
    plain_bed = sum(
        lq.bed(d, n, alpha_beta=alpha_beta) for d, n in zip(doses, fractions, strict=True)
    )
    assert cumulative_bed(doses, fractions, intervals, alpha_beta=alpha_beta) == pytest.approx(
        plain_bed, rel=1e-12
    )


@given(courses_st, alpha_beta_st)
@example(real("70/35", "65/54"), 3.0)
@example(real("60/30", "30/5"), 2.0)
def test_with_full_recovery_only_the_newest_course_counts(
    courses: list[tuple[float, int, float]], alpha_beta: float
) -> None:
    doses, fractions, intervals = split(courses)
    result = cumulative_eqd2(
        doses, fractions, intervals, alpha_beta=alpha_beta, recovery=constant(1)
    )
    assert result == pytest.approx(
        lq.eqd2(doses[-1], fractions[-1], alpha_beta=alpha_beta), rel=1e-12
    )


@given(courses_st, alpha_beta_st, fraction_st, fraction_st)
@example(real("70/35", "65/54"), 3.0, 0.25, 0.5)
@example(real("70/35", "60/27", interval=6), 2.0, 0.0, 0.25)
def test_more_recovery_never_raises_the_cumulative_dose(
    courses: list[tuple[float, int, float]], alpha_beta: float, f1: float, f2: float
) -> None:
    low, high = sorted((f1, f2))
    doses, fractions, intervals = split(courses)
    kwargs = {"alpha_beta": alpha_beta}
    more = cumulative_eqd2(doses, fractions, intervals, recovery=constant(high), **kwargs)
    less = cumulative_eqd2(doses, fractions, intervals, recovery=constant(low), **kwargs)
    assert more <= less
    assert cumulative_eqd2(doses, fractions, intervals, recovery=STEP_CORD_2021, **kwargs) <= (
        cumulative_eqd2(doses, fractions, intervals, recovery=none(), **kwargs)
    )


@given(courses_st, alpha_beta_st, st.floats(0.1, 100), st.integers(1, 60), st.floats(0, 1))
@example(real("70/35"), 2.0, 30.0, 1, 0.0)
@example(real("70/35"), 2.0, 30.0, 5, 0.5)
@example(real("70/35"), 3.0, 30.0, 54, 0.0)
@example(real("70/35", "30/5"), 2.0, 10.0, 30, 0.25)
def test_max_new_dose_then_cumulative_reproduces_the_limit(
    prior: list[tuple[float, int, float]],
    alpha_beta: float,
    headroom: float,
    new_fractions: int,
    recovered: float,
) -> None:
    doses = [c[0] for c in prior]
    fractions = [c[1] for c in prior]
    intervals = [c[2] for c in prior]
    model = constant(recovered)
    limit = headroom + sum(
        (1 - recovered) * lq.eqd2(d, n, alpha_beta=alpha_beta)
        for d, n in zip(doses, fractions, strict=True)
    )
    kwargs: dict[str, Any] = {"alpha_beta": alpha_beta, "recovery": model}
    dose = max_new_dose(limit, doses, fractions, intervals, fractions=new_fractions, **kwargs)
    assert dose > 0
    cumulative = cumulative_eqd2([*doses, dose], [*fractions, new_fractions], intervals, **kwargs)
    assert cumulative == pytest.approx(limit, rel=1e-10)
    remaining = remaining_eqd2(limit, doses, fractions, intervals, **kwargs)
    assert remaining == pytest.approx(headroom, rel=1e-9, abs=1e-9)


@given(courses_st, alpha_beta_st)
@example(real("70/35", "65/54"), 3.0)
def test_array_and_scalar_paths_agree(
    courses: list[tuple[float, int, float]], alpha_beta: float
) -> None:
    doses, fractions, intervals = split(courses)
    kwargs: dict[str, Any] = {"alpha_beta": alpha_beta, "recovery": STEP_CORD_2021}
    scalar = cumulative_eqd2(doses, fractions, intervals, **kwargs)
    assert type(scalar) is float
    for shape in [(6,), (2, 3), (2, 3, 1)]:
        grids = [np.full(shape, d) for d in doses]
        array = cumulative_eqd2(grids, fractions, intervals, **kwargs)
        assert array.shape == shape
        np.testing.assert_allclose(array, scalar, rtol=1e-15)
        bed = cumulative_bed(grids, fractions, intervals, **kwargs)
        np.testing.assert_allclose(
            bed, cumulative_bed(doses, fractions, intervals, **kwargs), rtol=1e-15
        )
    limit = scalar + 10
    for shape in [(6,), (2, 3)]:
        grids = [np.full(shape, d) for d in doses[:-1]]
        np.testing.assert_allclose(
            remaining_eqd2(limit, grids, fractions[:-1], intervals, **kwargs) if grids else limit,
            remaining_eqd2(limit, doses[:-1], fractions[:-1], intervals, **kwargs),
            rtol=1e-15,
        )


# --------------------------------------------------------------------------- array kinds


def test_dose_grids_broadcast_and_candidates_tabulate() -> None:
    prior = np.array([[40.0, 50.0], [60.0, 70.0]])
    fx = np.array([1, 5, 30]).reshape(3, 1, 1)
    doses = max_new_dose(100, [prior], [35], [24], fractions=fx, alpha_beta=2)
    assert doses.shape == (3, 2, 2)
    for k, n in enumerate([1, 5, 30]):
        for index in np.ndindex(2, 2):
            assert doses[(k, *index)] == max_new_dose(
                100, [prior[index]], [35], [24], fractions=n, alpha_beta=2
            )


def test_float32_stays_float32_and_inputs_are_not_modified() -> None:
    grid = np.array([50, 70], dtype=np.float32)
    new = np.array([20, 30], dtype=np.float32)
    copies = grid.copy(), new.copy()
    result = cumulative_eqd2([grid, new], [35, 5], [18], alpha_beta=2, recovery=STEP_CORD_2021)
    assert result.dtype == np.float32
    assert cumulative_bed([grid, new], [35, 5], [18], alpha_beta=2).dtype == np.float32
    assert remaining_eqd2(np.float32(100), [grid], [35], [18], alpha_beta=2).dtype == np.float32
    assert max_new_dose(100, [grid], [35], [18], fractions=5, alpha_beta=2).dtype == np.float32
    np.testing.assert_array_equal(grid, copies[0])
    np.testing.assert_array_equal(new, copies[1])
    np.testing.assert_allclose(
        result,
        cumulative_eqd2([[50, 70], [20, 30]], [35, 5], [18], alpha_beta=2, recovery=STEP_CORD_2021),
        rtol=1e-6,
    )


def test_dask_grids_stay_lazy_and_agree() -> None:
    grid = np.linspace(0, 70, 12).reshape(3, 4)
    lazy = da.from_array(grid, chunks=2)
    kwargs: dict[str, Any] = {"alpha_beta": 2, "recovery": step([6, 12], [0.25, 0.5])}
    result = cumulative_eqd2([lazy, 20], [35, 5], [9], **kwargs)
    assert isinstance(result, da.Array)
    np.testing.assert_allclose(
        result.compute(), cumulative_eqd2([grid, 20], [35, 5], [9], **kwargs)
    )
    dose = max_new_dose(120, [lazy], [35], [9], fractions=5, **kwargs)
    assert isinstance(dose, da.Array)
    np.testing.assert_allclose(
        dose.compute(), max_new_dose(120, [grid], [35], [9], fractions=5, **kwargs)
    )


# --------------------------------------------------------------------------- invalid input

EQD2 = cumulative_eqd2
AB: dict[str, Any] = {"alpha_beta": 2}
INVALID_CALLS = [
    (
        "negative interval",
        lambda: EQD2([70, 30], [35, 5], [-1], **AB),
        r"intervals_months\[0\] \[months\] must be finite and >= 0, got -1.0",
    ),
    (
        "nan interval",
        lambda: EQD2([70, 30], [35, 5], [np.nan], **AB),
        r"intervals_months\[0\] \[months\] must be finite and >= 0, got nan",
    ),
    (
        "interval text",
        lambda: EQD2([70, 30], [35, 5], ["2y"], **AB),
        r"intervals_months\[0\] must be a number or an array of numbers, got '2y'",
    ),
    (
        "too many intervals",
        lambda: EQD2([70, 30], [35, 5], [12, 6], **AB),
        r"intervals_months must have 1 entry \(one interval between each pair of consecutive "
        r"courses, len\(doses\) - 1\), got 2",
    ),
    (
        "too few intervals",
        lambda: EQD2([70, 30, 20], [35, 5, 5], [12], **AB),
        r"intervals_months must have 2 entries",
    ),
    (
        "fractions length",
        lambda: EQD2([70, 30], [35], [12], **AB),
        r"fractions must have one entry per course in doses \(2\), got 1",
    ),
    ("no course", lambda: EQD2([], [], [], **AB), r"doses must hold at least one course, got none"),
    (
        "doses not a sequence",
        lambda: EQD2(70, [35], [], **AB),
        r"doses must be a sequence with one entry per course \(oldest first\), got 70",
    ),
    (
        "doses a string",
        lambda: EQD2("70/35", [35], [], **AB),
        r"doses must be a sequence with one entry per course",
    ),
    (
        "negative dose",
        lambda: EQD2([70, -30], [35, 5], [12], **AB),
        r"doses\[1\] \[Gy\] must be finite and >= 0, got -30.0",
    ),
    (
        "dose grid with nan",
        lambda: EQD2([[70, np.nan], 30], [35, 5], [12], **AB),
        r"doses\[0\] \[Gy\] must be finite and >= 0, got nan at index \(1,\) "
        r"\(1 of 2 values invalid\)",
    ),
    (
        "zero fractions",
        lambda: EQD2([70, 30], [35, 0], [12], **AB),
        r"fractions\[1\] must be finite and > 0, got 0.0",
    ),
    (
        "alpha_beta zero",
        lambda: EQD2([70, 30], [35, 5], [12], alpha_beta=0),
        r"alpha_beta \[Gy\] must be finite and > 0, got 0.0",
    ),
    (
        "grids do not broadcast",
        lambda: EQD2([[1, 2], [1, 2, 3]], [35, 5], [12], **AB),
        r"arguments must broadcast to one shape, got doses\[0\] shape \(2,\), "
        r"doses\[1\] shape \(3,\)",
    ),
    (
        "unknown recovery",
        lambda: EQD2([70, 30], [35, 5], [12], recovery="cord", **AB),
        r"recovery 'cord' not understood",
    ),
    (
        "recovered fraction above 1",
        lambda: EQD2([70, 30], [35, 5], [12], recovery="constant:1.5", **AB),
        r"fraction must be in \[0, 1\], got 1.5",
    ),
    (
        "limit zero",
        lambda: remaining_eqd2(0, [70], [35], [12], **AB),
        r"limit \[Gy\] must be finite and > 0, got 0.0",
    ),
    (
        "limit negative",
        lambda: max_new_dose(-5, [70], [35], [12], fractions=5, **AB),
        r"limit \[Gy\] must be finite and > 0, got -5.0",
    ),
    (
        "limit inf",
        lambda: remaining_eqd2(np.inf, [70], [35], [12], **AB),
        r"limit \[Gy\] must be finite and > 0, got inf",
    ),
    (
        "budget intervals",
        lambda: remaining_eqd2(100, [70], [35], [], **AB),
        r"intervals_months must have 1 entry \(one interval after each course of "
        r"prior_doses, the last one up to the new course\), got 0",
    ),
    (
        "prior fractions length",
        lambda: remaining_eqd2(100, [70, 20], [35], [12, 6], **AB),
        r"prior_fractions must have one entry per course in prior_doses \(2\), got 1",
    ),
    (
        "new fractions zero",
        lambda: max_new_dose(100, [70], [35], [12], fractions=[5, 0], **AB),
        r"fractions must be finite and > 0, got 0.0 at index \(1,\)",
    ),
]


@pytest.mark.parametrize(
    ("call", "match"), [row[1:] for row in INVALID_CALLS], ids=[row[0] for row in INVALID_CALLS]
)
def test_invalid_calls(call: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()
