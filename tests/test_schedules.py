"""Tests of radcalc.schedules: the Schedule dataclass, its parser and presets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from radcalc import SCHEDULE_PRESETS, InvalidInputError, Schedule, ScheduleParseError, eqd2
from radcalc.schedules import parse_schedule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("65/54", Schedule(65, 54)),
        ("65/54 bid", Schedule(65, 54, fractions_per_day=2)),
        ("65 Gy in 54 fx bid", Schedule(65, 54, fractions_per_day=2)),
        ("65 Gy in 54 fractions twice daily", Schedule(65, 54, fractions_per_day=2)),
        ("65/54 BID 6h", Schedule(65, 54, fractions_per_day=2, interval_hours=6)),
        ("65/54 bid, 6 hours apart", Schedule(65, 54, fractions_per_day=2, interval_hours=6)),
        ("30Gy/5fx", Schedule(30, 5)),
        ("  30 Gy / 5 fx  ", Schedule(30, 5)),
        ("60Gy in 27fx daily", Schedule(60, 27)),
        ("45/30 tid", Schedule(45, 30, fractions_per_day=3)),
        ("19.5/3", Schedule(19.5, 3)),
        ("hyperfractionated-65-54-bid", Schedule(65, 54, fractions_per_day=2, interval_hours=6)),
        ("SBRT-30-5", Schedule(30, 5)),
    ],
)
def test_parse(text: str, expected: Schedule) -> None:
    assert parse_schedule(text) == expected
    assert Schedule.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", r"schedule '' not understood: expected '<total dose>/<fractions>'"),
        ("65", r"schedule '65' not understood"),
        ("65 per 54", r"schedule '65 per 54' not understood"),
        ("2 Gy x 35", r"not understood"),
        ("65/54 qid", r"not understood"),
        ("-65/54", r"not understood"),
        ("65/54.5", r"the number of fractions must be a whole number, got 54.5"),
        ("65/0", r"fractions must be finite and > 0, got 0\.0"),
        ("65/1 bid", r"fractions_per_day must be <= fractions \(1\), got 2"),
        ("65/54 6h", r"interval_hours .* needs fractions_per_day >= 2"),
    ],
)
def test_parse_errors(text: str, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        parse_schedule(text)


def test_parse_error_class_and_non_string() -> None:
    with pytest.raises(ScheduleParseError, match=r"schedule must be a string, got 65"):
        parse_schedule(65)  # type: ignore[arg-type]
    assert issubclass(ScheduleParseError, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dose": -1, "fractions": 5}, r"dose \[Gy\] must be finite and >= 0, got -1\.0"),
        ({"dose": float("nan"), "fractions": 5}, r"dose \[Gy\] must be finite and >= 0, got nan"),
        ({"dose": 60, "fractions": 0}, r"fractions must be finite and > 0, got 0\.0"),
        ({"dose": 60, "fractions": 2.5}, r"fractions must be a whole number >= 1, got 2\.5"),
        (
            {"dose": 60, "fractions": 30, "fractions_per_day": 0},
            r"fractions_per_day must be finite and > 0, got 0\.0",
        ),
        (
            {"dose": 60, "fractions": 30, "fractions_per_day": 2, "interval_hours": 0},
            r"interval_hours \[h\] must be finite and > 0, got 0\.0",
        ),
        (
            {"dose": 60, "fractions": 30, "overall_days": -1},
            r"overall_days \[days\] must be finite and >= 0, got -1\.0",
        ),
        ({"dose": [60, 70], "fractions": 30}, r"dose must be a single number"),
    ],
)
def test_schedule_validation(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        Schedule(**kwargs)  # type: ignore[arg-type]


def test_schedule_is_frozen_and_normalised() -> None:
    s = Schedule(np.int64(70), 35.0)  # type: ignore[arg-type]
    assert s.dose == 70.0 and type(s.dose) is float
    assert s.fractions == 35 and type(s.fractions) is int
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.dose = 60  # type: ignore[misc]


def test_schedule_methods_match_core() -> None:
    s = Schedule(65, 54, fractions_per_day=2)
    assert s.dose_per_fraction == 65 / 54
    assert s.eqd2(10) == eqd2(65, 54, alpha_beta=10)
    np.testing.assert_allclose(s.eqd2([3, 10]), [eqd2(65, 54, alpha_beta=3), s.eqd2(10)])


def test_presets_are_the_consensus_schedules() -> None:
    got = {
        name: (p.schedule.dose, p.schedule.fractions, p.schedule.fractions_per_day)
        for name, p in SCHEDULE_PRESETS.items()
    }
    assert got == {
        "conventional-70-35": (70, 35, 1),
        "conventional-60-30": (60, 30, 1),
        "standard-60-27": (60, 27, 1),
        "hyperfractionated-65-54-bid": (65, 54, 2),
        "sbrt-30-5": (30, 5, 1),
    }
    for preset in SCHEDULE_PRESETS.values():
        assert preset.source
    assert "You R" in SCHEDULE_PRESETS["hyperfractionated-65-54-bid"].source
