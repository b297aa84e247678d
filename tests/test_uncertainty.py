"""α/β ranges: bounds bracket every α/β, width 0 is the point result, flips at the right α/β."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import radcalc
from radcalc.errors import InvalidInputError
from radcalc.reirradiation import Course
from radcalc.schedules import parse_schedule
from radcalc.uncertainty import (
    AlphaBetaRange,
    Bounds,
    alpha_beta_bounds,
    alpha_beta_flips,
    bounds,
    parse_alpha_beta,
)

ranges = st.tuples(st.floats(0.5, 20, allow_nan=False), st.floats(1.0, 4.0, allow_nan=False)).map(
    lambda t: AlphaBetaRange(t[0], t[0] * t[1])
)
fractions = st.integers(1, 60)
#: (total dose [Gy], fractions) with 0.5-10 Gy per fraction (inside LQ's range, no notes)
schedules = st.tuples(st.floats(0.5, 10.0), fractions).map(lambda t: (t[0] * t[1], t[1]))


def _sampled(rng: AlphaBetaRange, count: int = 25) -> np.ndarray:
    return np.random.default_rng(0).uniform(rng.low, rng.high, count)


# --------------------------------------------------------------------------- brackets


@settings(max_examples=40, deadline=None)
@given(schedules, ranges)
@example((70.0, 35), AlphaBetaRange(2, 4))
@example((30.0, 5), AlphaBetaRange(2, 4))
@example((65.0, 54), AlphaBetaRange(1.5, 6))
def test_eqd2_bounds_bracket_every_sampled_alpha_beta(
    schedule: tuple[float, int], rng: AlphaBetaRange
) -> None:
    dose, n = schedule
    b = bounds(radcalc.eqd2, dose, n, alpha_beta=rng)
    for ab in _sampled(rng):
        value = radcalc.eqd2(dose, n, alpha_beta=ab)
        assert b.low - 1e-12 * abs(value) <= value <= b.high + 1e-12 * abs(value)
    # monotone for a fixed schedule: the end points are the bounds
    ends = sorted(radcalc.eqd2(dose, n, alpha_beta=x) for x in (rng.low, rng.high))
    assert b.low == pytest.approx(ends[0], rel=1e-12)
    assert b.high == pytest.approx(ends[1], rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(schedules, schedules, st.floats(0, 48), ranges)
@example((30.0, 5), (36.0, 30), 12.0, AlphaBetaRange(1, 10))
def test_cumulative_and_budget_bounds_bracket_sampled_alpha_beta(
    first: tuple[float, int], second: tuple[float, int], months: float, rng: AlphaBetaRange
) -> None:
    (d1, n1), (d2, n2) = first, second
    with radcalc.collect_notes():  # a large new dose per fraction is noted, not judged here
        _bracket_cumulative_and_budget(d1, n1, d2, n2, months, rng)


def _bracket_cumulative_and_budget(
    d1: float, n1: int, d2: float, n2: int, months: float, rng: AlphaBetaRange
) -> None:
    cum = bounds(radcalc.cumulative_eqd2, [d1, d2], [n1, n2], [months], alpha_beta=rng)
    new = bounds(radcalc.max_new_dose, 120.0, [d1], [n1], [months], fractions=n2, alpha_beta=rng)
    for ab in _sampled(rng):
        c = radcalc.cumulative_eqd2([d1, d2], [n1, n2], [months], alpha_beta=ab)
        assert cum.low - 1e-11 * c <= c <= cum.high + 1e-11 * c
        m = radcalc.max_new_dose(120.0, [d1], [n1], [months], fractions=n2, alpha_beta=ab)
        assert new.low - 1e-11 * (m + 1) <= m <= new.high + 1e-11 * (m + 1)


def test_bounds_of_dose_budget_options_with_key() -> None:
    rng = AlphaBetaRange(2, 4)
    courses = [Course(parse_schedule("30/5"), interval_months=12)]
    b = bounds(
        radcalc.dose_budget,
        courses,
        fractions=[5, 30],
        limit_eqd2=100,
        alpha_beta=rng,
        key=lambda r: [o.max_dose for o in r.options],
    )
    direct = bounds(radcalc.max_new_dose, 100, [30], [5], [12], fractions=[5, 30], alpha_beta=rng)
    np.testing.assert_allclose(b.low, direct.low, rtol=1e-12)
    np.testing.assert_allclose(b.high, direct.high, rtol=1e-12)
    np.testing.assert_allclose(b.alpha_beta_high, direct.alpha_beta_high, rtol=1e-9)


def test_array_bounds_are_elementwise() -> None:
    rng = AlphaBetaRange(2, 10)
    dose = np.array([[20.0, 40.0], [60.0, 80.0]])
    b = bounds(radcalc.eqd2, dose, 20, alpha_beta=rng)
    np.testing.assert_allclose(b.low, radcalc.eqd2(dose, 20, alpha_beta=np.where(dose > 40, 10, 2)))
    np.testing.assert_array_equal(b.alpha_beta_low, np.where(dose > 40, 10.0, 2.0))
    assert b.to_dict()["low"][0][0] == pytest.approx(float(b.low[0, 0]))
    # dose 40 Gy in 20 fx is 2 Gy per fraction: EQD2 40 at every alpha/beta
    assert b.low[0, 1] == pytest.approx(40.0, rel=1e-12) == b.high[0, 1]
    scalar_only = alpha_beta_bounds(
        lambda ab: radcalc.eqd2(dose, 20, alpha_beta=float(ab)), rng, elementwise=False
    )
    np.testing.assert_allclose(scalar_only.low, b.low, rtol=1e-12)


# --------------------------------------------------------------------------- width 0


@settings(max_examples=30, deadline=None)
@given(schedules, st.floats(0.5, 20))
def test_width_zero_range_equals_the_point_result(schedule: tuple[float, int], ab: float) -> None:
    dose, n = schedule
    rng = AlphaBetaRange(ab, ab)
    for func, args in (
        (radcalc.eqd2, (dose, n)),
        (radcalc.bed, (dose, n)),
        (radcalc.dose_for_eqd2, (dose, n)),
        (radcalc.cumulative_eqd2, ([dose, 20.0], [n, 10], [12])),
    ):
        b = bounds(func, *args, alpha_beta=rng)
        point = func(*args, alpha_beta=ab)
        assert b.low == pytest.approx(point, rel=1e-12, abs=0)
        assert b.high == pytest.approx(point, rel=1e-12, abs=0)
        assert b.alpha_beta_low == b.alpha_beta_high == ab


def test_eqdx_and_dose_for_eqd2_through_the_wrapper() -> None:
    rng = AlphaBetaRange(2, 4)
    b = bounds(radcalc.eqdx, 30, 5, reference_dose_per_fraction=3, alpha_beta=rng)
    assert b.alpha_beta_low == 4.0 and b.alpha_beta_high == 2.0
    assert b.high == pytest.approx(
        radcalc.eqdx(30, 5, reference_dose_per_fraction=3, alpha_beta=2), rel=1e-12
    )
    d = bounds(radcalc.dose_for_eqd2, 60, 5, alpha_beta=rng)
    assert d.low == pytest.approx(radcalc.dose_for_eqd2(60, 5, alpha_beta=2), rel=1e-12)
    assert d.high == pytest.approx(radcalc.dose_for_eqd2(60, 5, alpha_beta=4), rel=1e-12)


# --------------------------------------------------------------------------- monotone or not


def test_budget_with_history_above_and_new_course_below_2gy_is_still_monotone() -> None:
    # The theorem of radcalc.uncertainty: the budget D(alpha/beta) turns only where the
    # cumulative physical dose equals the EQD2 limit, and there it is flat.
    ab = np.geomspace(0.5, 20, 2000)
    d = radcalc.max_new_dose(100, [30], [5], [12], fractions=60, alpha_beta=ab)
    assert np.all(np.diff(d) >= 0) or np.all(np.diff(d) <= 0)
    flat = radcalc.max_new_dose(40, [10], [2], [12], fractions=30, alpha_beta=ab)
    np.testing.assert_allclose(flat, 30.0, rtol=1e-12)  # 10 + 30 = 40 Gy physical = limit


def _two_organ_prescription(alpha_beta: object) -> object:
    a = radcalc.max_new_dose(100, [30], [5], [12], fractions=30, alpha_beta=alpha_beta)
    b = radcalc.max_new_dose(60, [30], [30], [12], fractions=30, alpha_beta=alpha_beta)
    return np.minimum(a, b / 0.7)


def test_search_finds_an_interior_maximum_of_a_two_organ_budget() -> None:
    # Organ A (history 6 Gy/fx): budget rises with alpha/beta; organ B (history 1 Gy/fx,
    # 70 % of the prescription): falls. The prescription respecting both is the
    # smaller one, highest where they cross, inside the range, not at an end point.
    rng = AlphaBetaRange(1, 10)
    b = alpha_beta_bounds(_two_organ_prescription, rng)
    ends = [float(_two_organ_prescription(x)) for x in (rng.low, rng.high)]  # type: ignore[arg-type]
    assert b.high > max(ends) + 4
    # the crossing, by bisection on the difference of the two budgets
    lo, hi = 1.0, 10.0
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        a = radcalc.max_new_dose(100, [30], [5], [12], fractions=30, alpha_beta=mid)
        c = radcalc.max_new_dose(60, [30], [30], [12], fractions=30, alpha_beta=mid) / 0.7
        lo, hi = (mid, hi) if a < c else (lo, mid)
    assert b.alpha_beta_high == pytest.approx(lo, rel=1e-9)
    assert b.high == pytest.approx(float(_two_organ_prescription(lo)), rel=1e-12)  # type: ignore[arg-type]
    dense = np.geomspace(1, 10, 20001)
    assert b.high >= np.max(_two_organ_prescription(dense)) - 1e-12  # type: ignore[operator]
    assert b.low == pytest.approx(min(ends), rel=1e-12)


def test_interior_minimum_of_a_smooth_function() -> None:
    b = alpha_beta_bounds(lambda ab: (np.log(ab) - np.log(3.3)) ** 2 + 5, AlphaBetaRange(1, 10))
    assert b.low == pytest.approx(5.0, abs=1e-15)
    assert b.alpha_beta_low == pytest.approx(3.3, rel=1e-6)
    assert b.alpha_beta_high == 1.0  # log(1/3.3)^2 > log(10/3.3)^2


# --------------------------------------------------------------------------- flips


def test_flip_at_equal_eqd2_of_two_schedules() -> None:
    # 30/5 and 45/15: 30(6 + a)/(2 + a) = 45(3 + a)/(2 + a)  <=>  a = 3 Gy
    flips = alpha_beta_flips(
        lambda ab: radcalc.eqd2(30, 5, alpha_beta=ab) > radcalc.eqd2(45, 15, alpha_beta=ab),
        AlphaBetaRange(1, 10),
    )
    assert len(flips) == 1
    assert flips[0] == pytest.approx(3.0, rel=1e-6)


def test_flip_against_a_limit_and_none_when_robust() -> None:
    # 30(6 + a)/(2 + a) = 55  <=>  a = 2.8 Gy
    met = lambda ab: radcalc.eqd2(30, 5, alpha_beta=ab) <= 55  # noqa: E731
    (flip,) = alpha_beta_flips(met, AlphaBetaRange(2, 4))
    assert flip == pytest.approx(2.8, rel=1e-6)
    assert alpha_beta_flips(met, AlphaBetaRange(3, 10)) == ()
    assert alpha_beta_flips(met, AlphaBetaRange(3, 3)) == ()


def test_two_flips() -> None:
    flips = alpha_beta_flips(lambda ab: 2 < ab < 5, AlphaBetaRange(1, 10))
    assert flips == pytest.approx((2.0, 5.0), rel=1e-6)


# --------------------------------------------------------------------------- parsing, invalid


def test_parse_alpha_beta() -> None:
    assert parse_alpha_beta("3") == 3.0
    assert parse_alpha_beta(" 2:4 ") == AlphaBetaRange(2, 4)
    assert parse_alpha_beta("3:3") == AlphaBetaRange(3, 3)
    assert AlphaBetaRange(2, 4).describe() == "2–4 Gy"
    assert isinstance(bounds(radcalc.bed, 30, 5, alpha_beta=AlphaBetaRange(2, 4)), Bounds)


INVALID = [
    ("low > high", lambda: AlphaBetaRange(4, 2), "low <= high, got low 4 > high 2"),
    ("zero", lambda: AlphaBetaRange(0, 2), r"low must be a finite number > 0 \[Gy\], got 0"),
    ("nan", lambda: AlphaBetaRange(2, float("nan")), "high must be a finite number > 0"),
    ("inf", lambda: AlphaBetaRange(float("inf"), 2), "low must be a finite number > 0"),
    ("text", lambda: AlphaBetaRange("2", 4), "low must be a number > 0"),  # type: ignore[arg-type]
    ("bool", lambda: AlphaBetaRange(True, 4), "low must be a number > 0"),
    ("parse three parts", lambda: parse_alpha_beta("1:2:3"), "number or LOW:HIGH"),
    ("parse word", lambda: parse_alpha_beta("two"), "number or LOW:HIGH.*'two'"),
    ("parse negative", lambda: parse_alpha_beta("-3"), "finite number > 0.*'-3'"),
    ("parse reversed", lambda: parse_alpha_beta("4:2"), "low <= high"),
    ("parse nan", lambda: parse_alpha_beta("nan"), "finite number > 0"),
    ("grid points", lambda: AlphaBetaRange(2, 4).grid(1), "points must be a whole number >= 2"),
    (
        "not a range",
        lambda: bounds(radcalc.eqd2, 30, 5, alpha_beta=3),  # type: ignore[arg-type]
        "alpha_beta must be an AlphaBetaRange",
    ),
    (
        "result object without key",
        lambda: bounds(
            radcalc.dose_budget,
            [Course(parse_schedule("30/5"), interval_months=12)],
            fractions=5,
            limit_eqd2=100,
            alpha_beta=AlphaBetaRange(2, 4),
        ),
        "pass key= to pick them",
    ),
    (
        "nan result",
        lambda: alpha_beta_bounds(lambda ab: float("nan"), AlphaBetaRange(2, 4)),
        "not a finite number at alpha/beta 2 Gy",
    ),
    (
        "predicate not bool",
        lambda: alpha_beta_flips(lambda ab: 1.0, AlphaBetaRange(2, 4)),  # type: ignore[arg-type, return-value]
        "must return True or False",
    ),
    (
        "rtol",
        lambda: alpha_beta_flips(lambda ab: True, AlphaBetaRange(2, 4), rtol=0),
        r"rtol must be a number in \(0, 1\)",
    ),
    (
        "describe array",
        lambda: bounds(radcalc.eqd2, [30, 40], 5, alpha_beta=AlphaBetaRange(2, 4)).describe(),
        "describe\\(\\) is for a scalar result",
    ),
]


@pytest.mark.parametrize(("call", "match"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid(call: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()  # type: ignore[operator]


# --------------------------------------------------------------------------- check_plan


NPC = {
    "constraint_sets": ["li2024-npc-postop", "nieder2006-cord"],
    "course": [
        {"schedule": "70/35", "interval_to_next": "24m"},
        {"schedule": "65/54 bid", "intent": "postoperative"},
    ],
    "organ": [{"name": "spinal cord", "max_dose": [45.0, 20.0], "alpha_beta": 2}],
}


def _rows(report: radcalc.CheckReport) -> dict[str, radcalc.CheckRow]:
    return {row.rule_id: row for row in report.rows}


def test_check_target_range_flips_at_the_closed_form_alpha_beta() -> None:
    # 65 Gy in 54 fx: EQD2 = 65 (d + a)/(2 + a) = 60 Gy  <=>  a = (120 - 65 d)/5, d = 65/54
    report = radcalc.check_plan(NPC, alpha_beta_ranges={"target": AlphaBetaRange(5, 15)})
    rows = _rows(report)
    low = rows["eqd2-min"]
    assert low.status == "WARN"
    assert low.detail.startswith("depends on α/β: FAIL for α/β 5 to 8.352 Gy, PASS")
    (flip,) = low.alpha_beta_flips
    assert flip == pytest.approx((120 - 65 * 65 / 54) / 5, rel=2e-6)
    assert low.alpha_beta == 5.0  # the least favourable end for a lower limit
    assert low.value == pytest.approx(radcalc.eqd2(65, 54, alpha_beta=5), rel=1e-12)
    assert low.value_range == pytest.approx(
        (radcalc.eqd2(65, 54, alpha_beta=5), radcalc.eqd2(65, 54, alpha_beta=15)), rel=1e-12
    )
    assert low.alpha_beta_text() == "5 to 15"
    high = rows["eqd2-max"]
    assert high.status == "PASS" and high.detail.startswith("robust PASS over α/β 5–15 Gy")
    assert high.alpha_beta == 15.0 and high.alpha_beta_flips == ()
    # rules without an alpha/beta are untouched
    assert rows["dose-per-fraction"].alpha_beta_range is None
    data = low.to_dict()
    assert data["alpha_beta_range"] == [5.0, 15.0] and len(data["alpha_beta_flips"]) == 1


def test_check_robust_fail_and_width_zero_equals_point_check() -> None:
    report = radcalc.check_plan(NPC, alpha_beta_ranges={"target": AlphaBetaRange(2, 5)})
    assert _rows(report)["eqd2-min"].status == "FAIL"
    assert _rows(report)["eqd2-min"].detail.startswith("robust FAIL over α/β 2–5 Gy")
    assert report.exit_status() == 3
    zero = _rows(radcalc.check_plan(NPC, alpha_beta_ranges={"target": AlphaBetaRange(9, 9)}))
    point = _rows(radcalc.check_plan({**NPC, "target_alpha_beta": 9}))
    for rule_id in ("eqd2-min", "eqd2-max"):
        assert zero[rule_id].status == point[rule_id].status
        assert zero[rule_id].value == pytest.approx(point[rule_id].value, rel=1e-12)


def test_check_range_not_used_where_the_source_states_alpha_beta() -> None:
    report = radcalc.check_plan(NPC, alpha_beta_ranges={"spinal cord": AlphaBetaRange(2, 4)})
    row = _rows(report)["cumulative-bed"]
    assert row.alpha_beta == 2.0 and row.alpha_beta_range is None
    assert "α/β range 2–4 Gy given for spinal cord not used" in row.detail


def _assumed_organ_set(tmp_path: object) -> str:
    from user_sets import user_set_toml

    text = user_set_toml(limit=75.0).replace(
        "alpha_beta_assumed = false",
        'alpha_beta_assumed = true\nalpha_beta_note = "assumption for the test"',
    )
    path = tmp_path / "assumed.toml"  # type: ignore[operator]
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_check_organ_range_with_an_assumed_alpha_beta(tmp_path: object) -> None:
    # cord: 30 Gy in 5 fx then 20 Gy in 20 fx (1 Gy/fx), no recovery:
    # cumulative EQD2 = (30 (6 + a) + 20 (1 + a))/(2 + a) = 75  <=>  a = 2
    plan = {
        "course": [
            {"schedule": "30/5", "interval_to_next": "24m"},
            {"schedule": "20/20"},
        ],
        "organ": [{"name": "spinal cord", "max_dose": [30.0, 20.0], "alpha_beta": 2}],
    }
    cset = _assumed_organ_set(tmp_path)
    report = radcalc.check_plan(
        plan,
        constraint_sets=[cset],
        alpha_beta_ranges={"spinal cord": AlphaBetaRange(1, 4)},
    )
    (row,) = report.rows
    assert row.status == "WARN"
    assert row.alpha_beta_flips == pytest.approx((2.0,), rel=2e-6)
    assert row.detail.startswith("depends on α/β: FAIL for α/β 1 to 2 Gy, PASS for α/β 2 to 4")
    assert row.alpha_beta == 1.0  # the highest cumulative EQD2 (an upper limit)


INVALID_CHECK = [
    ("unknown organ", {"cord": AlphaBetaRange(2, 4)}, "'cord' is not an organ of the plan"),
    ("not a range", {"target": 3}, r"alpha_beta_ranges\['target'\] must be an AlphaBetaRange"),
    ("not a mapping", [AlphaBetaRange(2, 4)], "alpha_beta_ranges must be a mapping"),
]


@pytest.mark.parametrize(
    ("ranges", "match"), [c[1:] for c in INVALID_CHECK], ids=[c[0] for c in INVALID_CHECK]
)
def test_check_invalid_ranges(ranges: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        radcalc.check_plan(NPC, alpha_beta_ranges=ranges)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def run():  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from radcalc.cli import main

    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_cli_eqd2_and_bed_range(run) -> None:  # type: ignore[no-untyped-def]
    result = run("eqd2", "--schedule", "30/5", "--ab", "2:4", "--ab", "3")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "30 Gy in 5 fx (6 Gy/fx), alpha/beta 2:4 Gy: EQD2 50.00 to 60.00 Gy (low at alpha/beta"
        " 4 Gy, high at alpha/beta 2 Gy), BED 75.00 to 120.00 Gy (low at alpha/beta 4 Gy, high"
        " at alpha/beta 2 Gy)",
        "30 Gy in 5 fx (6 Gy/fx), alpha/beta 3 Gy: EQD2 54.00 Gy, BED 90.00 Gy",
    ]
    data = json.loads(run("bed", "--dose", "30", "--fx", "5", "--ab", "2:4", "--json").output)
    assert data[0]["alpha_beta_range"] == [2.0, 4.0]
    assert data[0]["bed"] == {
        "low": 75.0,
        "high": 120.0,
        "alpha_beta_low": 4.0,
        "alpha_beta_high": 2.0,
    }


def test_cli_solve_range(run) -> None:  # type: ignore[no-untyped-def]
    result = run("solve", "--eqd2", "60", "--fx", "5", "--ab", "2:4", "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["dose"]["low"] == pytest.approx(radcalc.dose_for_eqd2(60, 5, alpha_beta=2))
    assert row["dose"]["alpha_beta_high"] == 4.0
    result = run("solve", "--eqd2", "60", "--dose-per-fraction", "3", "--ab", "2:4")
    assert "EQD2 60 Gy at 3 Gy/fx, alpha/beta 2:4 Gy: 16.00 to 17.14 fractions" in result.output


def test_cli_reirr_range(run) -> None:  # type: ignore[no-untyped-def]
    args = ["reirr", "--prior", "70/35", "--interval", "24m", "--new", "30/5", "--ab", "2:4"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    low = radcalc.cumulative_eqd2([70, 30], [35, 5], [24], alpha_beta=4)
    high = radcalc.cumulative_eqd2([70, 30], [35, 5], [24], alpha_beta=2)
    assert f"cumulative EQD2 {low:.2f} to {high:.2f} Gy (low at alpha/beta 4 Gy" in result.output
    data = json.loads(run(*args, "--json").output)
    assert data["cumulative_eqd2"]["high"] == pytest.approx(high, rel=1e-12)
    assert data["alpha_beta_range"] == [2.0, 4.0]


def test_cli_budget_range(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    args = ["budget", "--prior", "30/5", "--interval", "12m", "--limit", "100", "--ab", "1:10"]
    result = run(*args, "--fx", "5", "--fx", "30", "--plot", str(tmp_path / "b.png"))
    assert result.exit_code == 0, result.output
    assert "30 fx: max organ dose 39.08 to 60.00 Gy (low at alpha/beta 1 Gy" in result.output
    assert (tmp_path / "b.png").stat().st_size > 0
    data = json.loads(run(*args, "--fx", "30", "--json").output)
    (option,) = data["options"]
    assert option["fractions"] == 30
    assert option["max_dose"]["high"] == pytest.approx(
        radcalc.max_new_dose(100, [30], [5], [12], fractions=30, alpha_beta=10), rel=1e-12
    )
    assert data["remaining_eqd2"]["low"] == pytest.approx(30.0)


def test_cli_check_ab_range(run) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    plan = str(
        Path(__file__).resolve().parents[1] / "examples" / "plans" / "npc_reirradiation.toml"
    )
    result = run("check", plan, "--ab-range", "target=5:15", "--ab-range", "spinal cord=2:4")
    assert result.exit_code == 0, result.output
    assert "WARN    li2024-npc-postop:eqd2-min" in result.output
    assert "depends on α/β: FAIL for α/β 5 to 8.352 Gy" in result.output
    data = json.loads(run("check", plan, "--ab-range", "target=2:5", "--json").output)
    assert data["rows"][0]["status"] == "FAIL" and data["exit_status"] == 3


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["eqd2", "--schedule", "30/5", "--ab", "4:2"], 1, "Error: alpha_beta range must have low"),
        (["eqd2", "--schedule", "30/5", "--ab", "x"], 2, "'x' is not a number or a range"),
        (["eqd2", "--schedule", "30/5", "--ab", "0:2"], 1, "low must be a finite number > 0"),
        (["check", "plan.toml", "--ab-range", "cord"], 2, "--ab-range takes ORGAN=LOW:HIGH"),
        (["check", "plan.toml", "--ab-range", "cord=3"], 2, "--ab-range takes ORGAN=LOW:HIGH"),
        (
            [
                "budget",
                "--prior",
                "45/25",
                "--interval",
                "24m",
                "--set",
                "nieder2006-cord",
                "--organ",
                "spinal cord",
                "--fx",
                "5",
                "--ab",
                "2:4",
            ],
            2,
            "an alpha/beta range does not apply",
        ),
    ],
    ids=["reversed", "word", "zero", "no-range", "one-value", "stated-by-set"],
)
def test_cli_range_errors(run, args, code, message) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
