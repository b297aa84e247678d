"""Tests of radcalc.reirradiation: cumulative dose over courses and the dose budget."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import dask.array as da
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import radcalc
from radcalc import lq
from radcalc.errors import InvalidInputError, ScheduleParseError
from radcalc.recovery import STEP_CORD_2021, constant, none, step
from radcalc.reirradiation import (
    Course,
    cumulative_bed,
    cumulative_dose,
    cumulative_eqd2,
    dose_budget,
    max_new_dose,
    remaining_eqd2,
)
from radcalc.schedules import Schedule


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


@pytest.mark.filterwarnings("ignore::radcalc.errors.RadcalcWarning")  # > 10 Gy/fx examples
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


@pytest.mark.filterwarnings("ignore::radcalc.errors.RadcalcWarning")  # > 10 Gy/fx examples
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


@pytest.mark.filterwarnings("ignore::radcalc.errors.RadcalcWarning")  # > 10 Gy/fx examples
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


@pytest.mark.filterwarnings("ignore::radcalc.errors.RadcalcWarning")  # > 10 Gy/fx examples
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


# --------------------------------------------------------------------------- courses and results


def npc_history(interval: Any = 24) -> list[Course]:
    return [Course("70/35", interval_months=interval), Course("65/54 bid")]


def test_course_parses_schedule_and_interval_text() -> None:
    course = Course("70/35", organ_dose=50, interval_months="1.5y")
    assert course.schedule == Schedule(70, 35)
    assert (course.organ_dose, course.dose_to_organ, course.interval_months) == (50.0, 50.0, 18.0)
    assert Course(Schedule(30, 5)).dose_to_organ == 30.0


def test_cumulative_dose_agrees_with_the_functions() -> None:
    result = cumulative_dose(npc_history(), alpha_beta=3, recovery="step-cord-2021")
    args = ([70, 65], [35, 54], [24])
    kwargs: dict[str, Any] = {"alpha_beta": 3, "recovery": "step-cord-2021"}
    assert result.cumulative_eqd2 == cumulative_eqd2(*args, **kwargs)
    assert result.cumulative_bed == cumulative_bed(*args, **kwargs)
    first, newest = result.courses
    assert (first.course, first.interval_months, first.recovered_fraction) == (1, 24.0, 0.5)
    assert (first.eqd2, first.counted_eqd2) == (70.0, 35.0)
    assert (newest.course, newest.interval_months, newest.recovered_fraction) == (2, None, 0.0)
    assert newest.counted_eqd2 == newest.eqd2 == lq.eqd2(65, 54, alpha_beta=3)
    assert result.recovery is STEP_CORD_2021
    assert result.alpha_beta == 3.0
    assert result.warnings == ()


def test_organ_dose_differs_from_the_prescription() -> None:
    result = cumulative_dose(
        [Course("70/35", organ_dose=50, interval_months=12), Course("30/5", organ_dose=10)],
        alpha_beta=2,
    )
    assert result.cumulative_eqd2 == pytest.approx(withers_eqd2(50, 35, 2) + withers_eqd2(10, 5, 2))
    assert result.courses[0].organ_dose == 50.0


def test_three_courses_interval_to_newest_is_the_sum() -> None:
    result = cumulative_dose(
        [Course("60/30", interval_months=10), Course("20/10", interval_months=4), Course("30/10")],
        alpha_beta=2,
        recovery=STEP_CORD_2021,
    )
    assert [row.interval_months for row in result.courses] == [14.0, 4.0, None]
    assert [row.recovered_fraction for row in result.courses] == [0.5, 0.0, 0.0]
    assert len(result.warnings) == 1
    assert (
        "interval of 4.0 months between course 2 and course 3 is under 6 months"
        in (result.warnings[0])
    )


@pytest.mark.parametrize(("interval", "warned"), [(5.9, True), (6, False), (0, True), (24, False)])
def test_short_interval_warning_li2024_nieder2006(interval: float, warned: bool) -> None:
    result = cumulative_dose(npc_history(interval), alpha_beta=2)
    assert bool(result.warnings) is warned
    budget = dose_budget(
        [Course("70/35", interval_months=interval)], fractions=5, alpha_beta=2, limit_eqd2=150
    )
    assert bool(budget.warnings) is warned
    if warned:
        assert "course 1 and the new course is under 6 months" in budget.warnings[0]
        assert "Li JS et al." in budget.warnings[0]
        assert "Nieder C et al." in budget.warnings[0]
        assert "Warning: interval of" in str(result)
        assert "<strong>Warning:</strong>" in result._repr_html_()
        assert result.to_dict()["warnings"] == list(result.warnings)


def test_intervals_from_dates() -> None:
    history = [
        Course("70/35", started=date(2022, 1, 3), ended=date(2022, 2, 18)),
        Course("65/54 bid", started=date(2024, 2, 19)),
    ]
    result = cumulative_dose(history, alpha_beta=3, recovery="step-cord-2021")
    assert result.courses[0].interval_months == pytest.approx(731 / 30.4375)
    with_times = [
        Course("70/35", ended=datetime(2022, 2, 18, 16, 30)),
        Course("65/54 bid", started=date(2024, 2, 19)),
    ]
    assert cumulative_dose(with_times, alpha_beta=3) == cumulative_dose(history, alpha_beta=3)
    budget = dose_budget(
        history[:1], fractions=[5], alpha_beta=2, limit_eqd2=100, new_course_start=date(2022, 6, 1)
    )
    assert budget.prior[0].interval_months == pytest.approx(103 / 30.4375)
    assert budget.warnings


def test_dose_budget_bed_and_eqd2_limits_agree_nieder2006() -> None:
    prior = [Course("45/25", interval_months=24)]
    by_bed = dose_budget(prior, fractions=[1, 5, 30], alpha_beta=2, limit_bed=135.5)
    by_eqd2 = dose_budget(prior, fractions=[1, 5, 30], alpha_beta=2, limit_eqd2=67.75)
    assert by_bed.options == by_eqd2.options
    assert (by_bed.limit_quantity, by_bed.limit_eqd2, by_bed.limit_bed) == ("bed", 67.75, 135.5)
    assert (by_eqd2.limit_quantity, by_eqd2.limit_bed) == ("eqd2", 135.5)
    assert by_bed.remaining_eqd2 == 25.0
    assert by_bed.history_eqd2 == 42.75
    for option in by_bed.options:
        assert option.dose_per_fraction == option.max_dose / option.fractions
        cumulative = cumulative_bed(
            [45, option.max_dose], [25, option.fractions], [24], alpha_beta=2
        )
        assert cumulative == pytest.approx(135.5, rel=1e-10)
    assert "cumulative limit BED 135.5 Gy (EQD2 67.75 Gy)" in str(by_bed)


def test_dose_budget_says_when_the_limit_is_reached_or_exceeded() -> None:
    exceeded = dose_budget(
        [Course("70/35", interval_months=36)], fractions=[1, 30], alpha_beta=2, limit_eqd2=60
    )
    assert exceeded.limit_reached
    assert exceeded.remaining_eqd2 == -10.0
    assert [o.max_dose for o in exceeded.options] == [0.0, 0.0]
    assert "LIMIT ALREADY EXCEEDED by 10.00 Gy EQD2" in str(exceeded)
    assert exceeded.to_dict()["limit_reached"] is True
    reached = dose_budget(
        [Course("70/35", interval_months=36)], fractions=5, alpha_beta=2, limit_eqd2=70
    )
    assert reached.limit_reached
    assert "LIMIT ALREADY REACHED" in str(reached)
    assert not dose_budget([], fractions=5, alpha_beta=2, limit_eqd2=70).limit_reached


def test_results_convert_to_json_with_the_documented_keys() -> None:
    result = cumulative_dose(npc_history(), alpha_beta=3, recovery="step-cord-2021").to_dict()
    assert json.loads(json.dumps(result)) == result
    assert {"alpha_beta", "recovery", "cumulative_eqd2", "cumulative_bed", "courses"} <= set(result)
    assert {"eqd2", "interval_months", "recovered_fraction"} <= set(result["courses"][0])
    assert result["recovery"] == "step-cord-2021"
    budget = dose_budget(
        [Course("70/35", interval_months=24)], fractions=[1, 5], alpha_beta=2, limit_eqd2=100
    ).to_dict()
    assert json.loads(json.dumps(budget)) == budget
    assert {"remaining_eqd2", "options"} <= set(budget)
    assert set(budget["options"][0]) == {"fractions", "max_dose", "dose_per_fraction"}
    assert budget["options"][0]["fractions"] == 1


def test_results_print_their_inputs_and_escape_html() -> None:
    model = constant(0.2, name="<b>policy</b>")
    result = cumulative_dose(npc_history(), alpha_beta=3, recovery=model)
    text = str(result)
    assert "alpha/beta 3 Gy" in text
    assert "Recovery model: <b>policy</b>; source: user-defined" in text
    assert "24.0 months" in text
    assert "20 %" in text
    page = result._repr_html_()
    assert page.startswith("<table>")
    assert "&lt;b&gt;policy&lt;/b&gt;" in page
    assert "<b>policy" not in page
    budget = dose_budget(
        [Course("70/35", interval_months=24)], fractions=[1, 5], alpha_beta=2, limit_eqd2=100
    )
    assert "interval to new course" in str(budget)
    assert "<caption>Dose budget at alpha/beta 2 Gy" in budget._repr_html_()
    assert "recovery=NoRecovery(" in repr(budget)


COURSE_ERRORS = [
    (
        "bad schedule",
        lambda: Course("70 in"),
        ScheduleParseError,
        r"schedule '70 in' not understood",
    ),
    (
        "schedule type",
        lambda: Course(70),
        InvalidInputError,
        r"schedule must be a Schedule or a schedule string such as '70/35', got 70",
    ),  # type: ignore[arg-type]
    (
        "organ dose",
        lambda: Course("70/35", organ_dose=-1),
        InvalidInputError,
        r"organ_dose \[Gy\] must be finite and >= 0, got -1.0",
    ),
    (
        "interval text",
        lambda: Course("70/35", interval_months="soon"),
        InvalidInputError,
        r"interval 'soon' not understood",
    ),  # type: ignore[arg-type]
    (
        "negative interval",
        lambda: Course("70/35", interval_months=-2),
        InvalidInputError,
        r"interval \[months\] must be finite and >= 0, got -2.0",
    ),
    (
        "date type",
        lambda: Course("70/35", ended="2024-01-01"),
        InvalidInputError,
        r"ended must be a datetime.date, got '2024-01-01'",
    ),  # type: ignore[arg-type]
    (
        "ends before start",
        lambda: Course("70/35", started=date(2024, 2, 1), ended=date(2024, 1, 1)),
        InvalidInputError,
        r"ended \(2024-01-01\) must not be before started \(2024-02-01\)",
    ),
    (
        "no courses",
        lambda: cumulative_dose([], alpha_beta=2),
        InvalidInputError,
        r"courses must hold at least one course, got none",
    ),
    (
        "not courses",
        lambda: cumulative_dose(["70/35"], alpha_beta=2),
        InvalidInputError,
        r"courses\[0\] must be a Course, got '70/35'",
    ),  # type: ignore[list-item]
    (
        "interval on newest",
        lambda: cumulative_dose([Course("70/35", interval_months=12)], alpha_beta=2),
        InvalidInputError,
        r"course 1 is the newest course: its interval_months",
    ),
    (
        "missing interval",
        lambda: cumulative_dose([Course("70/35"), Course("30/5")], alpha_beta=2),
        InvalidInputError,
        r"the interval between course 1 and course 2 is unknown: give interval_months on "
        r"course 1, or ended on course 1 and started on course 2",
    ),
    (
        "missing interval to new",
        lambda: dose_budget(
            [Course("70/35", ended=date(2024, 1, 1))], fractions=5, alpha_beta=2, limit_eqd2=100
        ),
        InvalidInputError,
        r"the interval between course 1 and the new course is unknown: .* and new_course_start",
    ),
    (
        "both ways",
        lambda: cumulative_dose(
            [
                Course("70/35", interval_months=12, ended=date(2023, 1, 1)),
                Course("30/5", started=date(2024, 1, 1)),
            ],
            alpha_beta=2,
        ),
        InvalidInputError,
        r"course 1: give the interval to course 2 either as interval_months or as dates, not both",
    ),
    (
        "out of order by dates",
        lambda: cumulative_dose(
            [Course("70/35", ended=date(2024, 6, 1)), Course("30/5", started=date(2024, 1, 1))],
            alpha_beta=2,
        ),
        InvalidInputError,
        r"courses must be in time order, oldest first: course 2 \(2024-01-01\) comes before "
        r"course 1 ended \(2024-06-01\)",
    ),
    (
        "out of order with intervals",
        lambda: cumulative_dose(
            [
                Course("70/35", interval_months=6, ended=date(2024, 6, 1)),
                Course("30/5", ended=date(2023, 1, 1)),
            ],
            alpha_beta=2,
        ),
        InvalidInputError,
        r"courses must be in time order, oldest first: course 2 \(2023-01-01\)",
    ),
    (
        "new course before prior",
        lambda: dose_budget(
            [Course("70/35", ended=date(2024, 6, 1))],
            fractions=5,
            alpha_beta=2,
            limit_eqd2=100,
            new_course_start=date(2024, 1, 1),
        ),
        InvalidInputError,
        r"courses must be in time order, oldest first: the new course starts 2024-01-01, "
        r"before course 1 ended \(2024-06-01\)",
    ),
    (
        "no limit",
        lambda: dose_budget([], fractions=5, alpha_beta=2),
        InvalidInputError,
        r"give exactly one of limit_eqd2 and limit_bed",
    ),
    (
        "two limits",
        lambda: dose_budget([], fractions=5, alpha_beta=2, limit_eqd2=70, limit_bed=135),
        InvalidInputError,
        r"give exactly one of limit_eqd2 and limit_bed",
    ),
    (
        "limit zero",
        lambda: dose_budget([], fractions=5, alpha_beta=2, limit_eqd2=0),
        InvalidInputError,
        r"limit_eqd2 \[Gy\] must be finite and > 0, got 0.0",
    ),
    (
        "bed limit negative",
        lambda: dose_budget([], fractions=5, alpha_beta=2, limit_bed=-1),
        InvalidInputError,
        r"limit_bed \[Gy\] must be finite and > 0, got -1.0",
    ),
    (
        "fractions real",
        lambda: dose_budget([], fractions=[5, 2.5], alpha_beta=2, limit_eqd2=70),
        InvalidInputError,
        r"fractions\[1\] must be a whole number >= 1, got 2.5",
    ),
    (
        "fractions empty",
        lambda: dose_budget([], fractions=[], alpha_beta=2, limit_eqd2=70),
        InvalidInputError,
        r"fractions must be a whole number >= 1 or a non-empty list of them, got \[\]",
    ),
    (
        "fractions zero",
        lambda: dose_budget([], fractions=0, alpha_beta=2, limit_eqd2=70),
        InvalidInputError,
        r"fractions\[0\] must be finite and > 0, got 0.0",
    ),
    (
        "alpha_beta",
        lambda: cumulative_dose(npc_history(), alpha_beta=-3),
        InvalidInputError,
        r"alpha_beta \[Gy\] must be finite and > 0, got -3.0",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [row[1:] for row in COURSE_ERRORS],
    ids=[row[0] for row in COURSE_ERRORS],
)
def test_invalid_courses(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()
