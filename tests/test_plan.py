"""Plan files: parsing into frozen dataclasses, intervals, and errors naming file and key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

from radcalc.errors import InvalidInputError, PlanFileError
from radcalc.plan import Plan, PlanCourse, PlanOrgan, load_plan, parse_plan
from radcalc.recovery import MONTH_DAYS
from radcalc.schedules import parse_schedule

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "plans" / "npc_reirradiation.toml"

ISSUE_PLAN = """
constraint_sets = ["li2024-npc-postop", "nieder2006-cord"]
recovery = "none"
[[course]]
schedule = "70/35"
ended = 2023-06-30
[[course]]
schedule = "65/54 bid"
starts = 2025-07-01
intent = "postoperative"
margin = "close"
[[organ]]
name = "spinal cord"
alpha_beta = 2
max_dose = [45.0, 20.0]
"""


def test_the_plan_of_the_issue() -> None:
    plan = parse_plan(tomllib.loads(ISSUE_PLAN), origin="plan.toml")
    assert plan.constraint_sets == ("li2024-npc-postop", "nieder2006-cord")
    assert plan.recovery == "none"
    assert [c.schedule.dose for c in plan.courses] == [70.0, 65.0]
    assert plan.newest.schedule.fractions_per_day == 2
    assert plan.newest.intent == "postoperative"
    assert plan.newest.margin == "close"
    days = (dt.date(2025, 7, 1) - dt.date(2023, 6, 30)).days
    assert plan.intervals_months == (days / MONTH_DAYS,)
    assert plan.interval_since_previous == days / MONTH_DAYS
    assert plan.organs == (PlanOrgan("spinal cord", (45.0, 20.0), alpha_beta=2.0),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.title = "x"  # type: ignore[misc]


def test_example_plan_loads() -> None:
    plan = load_plan(EXAMPLE)
    assert plan.origin == str(EXAMPLE)
    assert plan.folder == EXAMPLE.parent
    assert plan.newest.margin_mm == 0.8
    assert plan.title


@pytest.mark.parametrize(
    ("interval", "months"),
    [
        pytest.param("24m", 24.0, id="24m"),
        pytest.param("6m", 6.0, id="6m-exact"),
        pytest.param("1.5y", 18.0, id="1.5y"),
        pytest.param("183d", 183 / MONTH_DAYS, id="183d"),
        pytest.param(6, 6.0, id="bare-int-is-months"),
        pytest.param(5.5, 5.5, id="bare-float-is-months"),
    ],
)
def test_interval_to_next(interval: Any, months: float) -> None:
    plan = parse_plan(
        {"course": [{"schedule": "70/35", "interval_to_next": interval}, {"schedule": "60/30"}]}
    )
    assert plan.intervals_months == (months,)


def test_three_courses_mixed_intervals() -> None:
    plan = parse_plan(
        {
            "course": [
                {"schedule": "70/35", "interval_to_next": "24m"},
                {"schedule": "60/30", "ended": dt.date(2024, 1, 31)},
                {"schedule": "30/5", "starts": dt.date(2024, 8, 1)},
            ],
            "organ": [{"name": "cord", "max_dose": [40, 30, 10]}],
        }
    )
    assert plan.intervals_months == (
        24.0,
        (dt.date(2024, 8, 1) - dt.date(2024, 1, 31)).days / MONTH_DAYS,
    )


def test_single_course_and_relative_recovery_file(tmp_path: Path) -> None:
    (tmp_path / "policy.toml").write_text('[cord]\nmodel = "none"\n', encoding="utf-8")
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(
        'recovery = "policy.toml"\n[[course]]\nschedule = "60/30"\nintent = "salvage"\n',
        encoding="utf-8",
    )
    plan = load_plan(plan_file)
    assert plan.intervals_months == ()
    assert plan.interval_since_previous is None
    assert plan.recovery == tmp_path / "policy.toml"


def _two_courses(**newest: Any) -> dict[str, Any]:
    return {
        "course": [
            {"schedule": "70/35", "interval_to_next": "24m"},
            {"schedule": "65/54 bid", "intent": "postoperative", **newest},
        ]
    }


def _with(base: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {**base, **top}


CORD = {"name": "spinal cord", "max_dose": [45.0, 20.0]}

INVALID_PLANS = [
    pytest.param({"courses": []}, r"key 'courses': unknown key; expected one of", id="top-key"),
    pytest.param({}, r"key 'course': missing; expected one or more \[\[course\]\]", id="none"),
    pytest.param({"course": []}, r"key 'course': expected one or more", id="empty-courses"),
    pytest.param(
        {"course": [{"schedule": "70/35", "dose": 70}]},
        r"\[\[course\]\] #1, key 'dose': unknown key",
        id="course-key",
    ),
    pytest.param(
        {"course": [{"intent": "salvage"}]},
        r"\[\[course\]\] #1, key 'schedule': missing; expected a schedule string",
        id="schedule-missing",
    ),
    pytest.param(
        {"course": [{"schedule": 70}]},
        r"key 'schedule': got 70; expected a schedule string",
        id="schedule-int",
    ),
    pytest.param(
        {"course": [{"schedule": "70 Gy"}]},
        r"key 'schedule': schedule '70 Gy' not understood",
        id="schedule-text",
    ),
    pytest.param(
        {"course": [{"schedule": "70/0"}]},
        r"key 'schedule': fractions must be",
        id="schedule-zero-fractions",
    ),
    pytest.param(
        _two_courses(intent="adjuvant"), r"#2, key 'intent': expected one of", id="intent"
    ),
    pytest.param(
        _two_courses(margin="positive"), r"key 'margin': 'positive' is ambiguous", id="positive"
    ),
    pytest.param(_two_courses(margin="near"), r"key 'margin': expected one of", id="margin"),
    pytest.param(
        _two_courses(margin="close", margin_mm=0.8),
        r"key 'margin_mm': margin_mm 0.8 mm is 'under-1mm' .* not 'close'",
        id="margin-both-disagree",
    ),
    pytest.param(
        _two_courses(margin_mm=1.0),
        r"key 'margin_mm': margin_mm 1 mm lies between the Li 2024 consensus categories",
        id="margin-exactly-1mm",
    ),
    pytest.param(
        _two_courses(margin_mm=float("nan")),
        r"key 'margin_mm': margin_mm \[mm\] must be finite and >= 0, got nan",
        id="margin-mm-nan",
    ),
    pytest.param(
        _two_courses(margin_mm=-1), r"margin_mm \[mm\] must be finite and >= 0", id="margin-neg"
    ),
    pytest.param(
        _two_courses(margin_mm="0.8"), r"key 'margin_mm': expected a number", id="margin-str"
    ),
    pytest.param(
        {"course": [{"schedule": "70/35"}, {"schedule": "60/30"}]},
        r"#1, key 'interval_to_next': missing: the interval to the next course is unknown",
        id="interval-missing",
    ),
    pytest.param(
        {
            "course": [
                {"schedule": "70/35", "ended": dt.date(2023, 6, 30)},
                {"schedule": "60/30"},
            ]
        },
        r"#1, key 'interval_to_next': missing",
        id="interval-no-starts",
    ),
    pytest.param(
        {
            "course": [
                {"schedule": "70/35", "ended": dt.date(2023, 6, 30), "interval_to_next": "2y"},
                {"schedule": "60/30", "starts": dt.date(2025, 7, 1)},
            ]
        },
        r"give either interval_to_next here or the dates",
        id="interval-and-dates",
    ),
    pytest.param(
        {
            "course": [
                {"schedule": "70/35", "ended": dt.date(2023, 6, 30)},
                {"schedule": "60/30", "starts": dt.date(2023, 1, 1)},
            ]
        },
        r"#2, key 'starts': starts 2023-01-01 is before \[\[course\]\] #1 ended 2023-06-30",
        id="starts-before-ended",
    ),
    pytest.param(
        {
            "course": [
                {"schedule": "70/35", "starts": dt.date(2023, 6, 30), "ended": dt.date(2023, 5, 1)}
            ]
        },
        r"key 'ended': ended 2023-05-01 is before starts 2023-06-30",
        id="ended-before-starts",
    ),
    pytest.param(
        {"course": [{"schedule": "70/35", "interval_to_next": "6m"}]},
        r"key 'interval_to_next': the newest \(last\) course has no next course",
        id="newest-interval",
    ),
    pytest.param(
        {"course": [{"schedule": "70/35", "interval_to_next": "six months"}, {"schedule": "1/1"}]},
        r"key 'interval_to_next': interval 'six months' not understood",
        id="interval-text",
    ),
    pytest.param(
        {"course": [{"schedule": "70/35", "interval_to_next": "nan"}, {"schedule": "1/1"}]},
        r"key 'interval_to_next': interval 'nan' not understood",
        id="interval-nan-text",
    ),
    pytest.param(
        {"course": [{"schedule": "70/35", "interval_to_next": float("nan")}, {"schedule": "1/1"}]},
        r"key 'interval_to_next': interval \[months\] must be finite",
        id="interval-nan",
    ),
    pytest.param(
        {"course": [{"schedule": "70/35", "interval_to_next": -3}, {"schedule": "1/1"}]},
        r"key 'interval_to_next': interval \[months\] must be finite and >= 0",
        id="interval-negative",
    ),
    pytest.param(
        {"course": [{"schedule": "70/35", "interval_to_next": True}, {"schedule": "1/1"}]},
        r"key 'interval_to_next': expected a string such as '24m'",
        id="interval-bool",
    ),
    pytest.param(
        {"course": [{"schedule": "70/35", "ended": "2023-06-30"}]},
        r"key 'ended': expected a date written as YYYY-MM-DD without quotes",
        id="date-string",
    ),
    pytest.param(
        {"course": [{"schedule": "70/35", "ended": dt.datetime(2023, 6, 30, 12)}]},
        r"key 'ended': expected a date",
        id="date-time",
    ),
    pytest.param(
        _with(_two_courses(), organ=[{"max_dose": [1.0, 2.0]}]),
        r"\[\[organ\]\] #1, key 'name': missing",
        id="organ-name",
    ),
    pytest.param(
        _with(_two_courses(), organ=[{"name": "cord"}]),
        r"\[\[organ\]\] #1 \('cord'\), key 'max_dose': missing",
        id="max-dose-missing",
    ),
    pytest.param(
        _with(_two_courses(), organ=[{"name": "cord", "max_dose": [45.0]}]),
        r"key 'max_dose': expected 2 numbers \(the physical maximum dose in each \[\[course\]\]",
        id="max-dose-length",
    ),
    pytest.param(
        _with(_two_courses(), organ=[{"name": "cord", "max_dose": [45.0, float("nan")]}]),
        r"key 'max_dose': max_dose\[1\] \[Gy\] must be finite and >= 0, got nan",
        id="max-dose-nan",
    ),
    pytest.param(
        _with(_two_courses(), organ=[{"name": "cord", "max_dose": [float("inf"), 1.0]}]),
        r"max_dose\[0\] \[Gy\] must be finite and >= 0, got inf",
        id="max-dose-inf",
    ),
    pytest.param(
        _with(_two_courses(), organ=[{"name": "cord", "max_dose": [-1.0, 1.0]}]),
        r"max_dose\[0\] \[Gy\] must be finite and >= 0, got -1.0",
        id="max-dose-negative",
    ),
    pytest.param(
        _with(_two_courses(), organ=[{"name": "cord", "max_dose": [45.0, "20"]}]),
        r"key 'max_dose': item 1 \(counted from 0\): expected a number",
        id="max-dose-string",
    ),
    pytest.param(
        _with(_two_courses(), organ=[{"name": "cord", "max_dose": 45.0}]),
        r"key 'max_dose': expected an array of numbers",
        id="max-dose-scalar",
    ),
    pytest.param(
        _with(_two_courses(), organ=[{**CORD, "alpha_beta": 0}]),
        r"key 'alpha_beta': alpha_beta \[Gy\] must be finite and > 0, got 0",
        id="organ-alpha-beta",
    ),
    pytest.param(
        _with(_two_courses(), organ=[{**CORD, "dmax": 1}]),
        r"key 'dmax': unknown key",
        id="organ-key",
    ),
    pytest.param(
        _with(_two_courses(), organ=[CORD, {**CORD, "name": "Spinal_Cord"}]),
        r"key 'organ': \[\[organ\]\] #2 repeats the name of \[\[organ\]\] #1",
        id="organ-twice",
    ),
    pytest.param(
        _with(_two_courses(), target_alpha_beta=float("nan")),
        r"key 'target_alpha_beta': target_alpha_beta \[Gy\] must be finite and > 0, got nan",
        id="target-ab-nan",
    ),
    pytest.param(
        _with(_two_courses(), target_alpha_beta=True),
        r"key 'target_alpha_beta': expected a number",
        id="target-ab-bool",
    ),
    pytest.param(
        _with(_two_courses(), constraint_sets=["li2024"]),
        r"key 'constraint_sets': unknown constraint set 'li2024'; expected one of",
        id="unknown-set",
    ),
    pytest.param(
        _with(_two_courses(), constraint_sets="li2024-npc-postop"),
        r"key 'constraint_sets': expected an array of strings",
        id="sets-string",
    ),
    pytest.param(
        _with(_two_courses(), recovery="step-cord"),
        r"key 'recovery': recovery 'step-cord' not understood",
        id="unknown-recovery",
    ),
    pytest.param(
        _with(_two_courses(), recovery="missing.toml"),
        r"key 'recovery': recovery file '.*missing\.toml' not found",
        id="recovery-file-missing",
    ),
]


@pytest.mark.parametrize(("data", "match"), INVALID_PLANS)
def test_invalid_plans(data: dict[str, Any], match: str) -> None:
    with pytest.raises(PlanFileError, match=match) as info:
        parse_plan(data, origin="plan.toml")
    assert str(info.value).startswith("plan.toml: ")
    assert isinstance(info.value, InvalidInputError)


def test_nan_in_a_toml_file_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    file = tmp_path / "plan.toml"
    file.write_text(ISSUE_PLAN.replace("[45.0, 20.0]", "[45.0, nan]"), encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"plan\.toml: \[\[organ\]\] #1 \('spinal cord'\)"):
        load_plan(file)


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match=r"absent\.toml: cannot read the file"):
        load_plan(tmp_path / "absent.toml")
    with pytest.raises(PlanFileError, match=r"cannot read the file"):
        load_plan(tmp_path)  # a folder
    bad = tmp_path / "bad.toml"
    bad.write_text("[[course]\nschedule = '70/35'\n", encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"bad\.toml: not valid TOML"):
        load_plan(bad)


INVALID_OBJECTS = [
    pytest.param(lambda: Plan(()), r"courses must be one or more PlanCourse", id="no-courses"),
    pytest.param(
        lambda: Plan((PlanCourse(parse_schedule("70/35")), PlanCourse(parse_schedule("60/30")))),
        r"intervals_months must have 1 entries",
        id="intervals-length",
    ),
    pytest.param(
        lambda: Plan(
            (PlanCourse(parse_schedule("70/35")), PlanCourse(parse_schedule("60/30"))),
            intervals_months=(float("nan"),),
        ),
        r"intervals_months\[0\] \[months\] must be finite and >= 0, got nan",
        id="interval-nan",
    ),
    pytest.param(
        lambda: Plan(
            (PlanCourse(parse_schedule("70/35")),), organs=(PlanOrgan("cord", (1.0, 2.0)),)
        ),
        r"max_dose of organ 'cord' must have 1 numbers",
        id="organ-length",
    ),
    pytest.param(
        lambda: Plan(
            (PlanCourse(parse_schedule("70/35")),),
            organs=(PlanOrgan("cord", (1.0,)), PlanOrgan("Cord", (2.0,))),
        ),
        r"organ 'Cord' is listed twice",
        id="organ-twice",
    ),
    pytest.param(
        lambda: Plan((PlanCourse(parse_schedule("70/35")),), target_alpha_beta=float("inf")),
        r"target_alpha_beta \[Gy\] must be finite and > 0, got inf",
        id="target-ab-inf",
    ),
    pytest.param(
        lambda: PlanOrgan("cord", (float("nan"),)),
        r"max_dose\[0\] of organ 'cord' \[Gy\] must be finite and >= 0, got nan",
        id="organ-nan",
    ),
    pytest.param(
        lambda: PlanOrgan("cord", ()), r"max_dose of organ 'cord' must not be empty", id="e"
    ),
    pytest.param(
        lambda: PlanOrgan("", (1.0,)), r"organ name must be a non-empty string", id="name"
    ),
    pytest.param(
        lambda: PlanOrgan("cord", ("1",)),  # type: ignore[arg-type]
        r"max_dose\[0\] of organ 'cord' must be a number",
        id="organ-str",
    ),
    pytest.param(
        lambda: PlanOrgan("cord", (1.0,), alpha_beta=-2),
        r"alpha_beta of organ 'cord' \[Gy\] must be finite and > 0",
        id="organ-ab",
    ),
    pytest.param(
        lambda: PlanCourse("70/35"),  # type: ignore[arg-type]
        r"schedule must be a Schedule",
        id="course-schedule",
    ),
    pytest.param(
        lambda: PlanCourse(parse_schedule("70/35"), intent="adjuvant"),
        r"intent must be one of",
        id="course-intent",
    ),
    pytest.param(
        lambda: PlanCourse(parse_schedule("70/35"), margin="positive"),
        r"margin 'positive' is ambiguous",
        id="course-positive",
    ),
    pytest.param(
        lambda: PlanCourse(parse_schedule("70/35"), margin="near"),
        r"margin must be one of",
        id="course-margin",
    ),
    pytest.param(
        lambda: PlanCourse(parse_schedule("70/35"), margin="clear", margin_mm=2.0),
        r"margin_mm 2 mm is 'close' \(close \(> 1 mm and < 3 mm\)\), not 'clear'",
        id="course-margins-disagree",
    ),
    pytest.param(
        lambda: PlanCourse(parse_schedule("70/35"), margin_mm=float("nan")),
        r"margin_mm \[mm\] must be finite and >= 0, got nan",
        id="course-margin-nan",
    ),
    pytest.param(
        lambda: PlanCourse(parse_schedule("70/35"), interval_to_next_months=float("inf")),
        r"interval_to_next \[months\] must be finite",
        id="course-interval-inf",
    ),
    pytest.param(
        lambda: PlanCourse(
            parse_schedule("70/35"), starts=dt.date(2024, 2, 1), ended=dt.date(2024, 1, 1)
        ),
        r"ended \(2024-01-01\) must not be before starts \(2024-02-01\)",
        id="course-dates",
    ),
]


@pytest.mark.parametrize(("build", "match"), INVALID_OBJECTS)
def test_invalid_objects(build: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        build()
