"""check_plan: the founding schedules, boundaries, organ rules, NaN never PASS, the report."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from user_sets import user_set_toml

import radcalc
from radcalc import check as check_module
from radcalc.check import STATUSES, CheckReport, CheckRow, check_plan
from radcalc.constraints import compare
from radcalc.errors import ConstraintSetError, InvalidInputError, PlanFileError
from radcalc.plan import parse_plan
from radcalc.recovery import MONTH_DAYS
from radcalc.reirradiation import cumulative_bed, cumulative_eqd2

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PLAN = ROOT / "examples" / "plans" / "npc_reirradiation.toml"
LI = "li2024-npc-postop"


def _plan(
    schedule: str,
    *,
    interval: Any = "24m",
    sets: tuple[str, ...] = (LI,),
    organs: list[dict[str, Any]] | None = None,
    newest: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    newest_course: dict[str, Any] = {"schedule": schedule, "intent": "postoperative"}
    newest_course.update(newest or {})
    return {
        "constraint_sets": list(sets),
        "course": [{"schedule": "70/35", "interval_to_next": interval}, newest_course],
        "organ": organs or [],
        **extra,
    }


def _row(
    report: CheckReport, rule_id: str, set_name: str = LI, organ: str | None = None
) -> CheckRow:
    rows = [
        r
        for r in report.rows
        if r.rule_id == rule_id
        and r.set_name == set_name
        and (organ is None or r.applies_to == organ)
    ]
    assert len(rows) == 1, rows
    return rows[0]


def _statuses(report: CheckReport, *rule_ids: str, set_name: str = LI) -> tuple[str, ...]:
    return tuple(_row(report, rule_id, set_name).status for rule_id in rule_ids)


# --- the founding schedules of Li 2024 -----------------------------------------

FOUNDING = [
    pytest.param(
        "65/54 bid", "24m", ("PASS", "PASS", "PASS", "PASS"), id="Li2024-You2023-65/54bid-passes"
    ),
    pytest.param(
        "60/27", "24m", ("PASS", "PASS", "FAIL", "PASS"), id="Li2024-Table1-5d-60/27-dose-per-fx"
    ),
    pytest.param(
        "30/5", "24m", ("FAIL", "PASS", "FAIL", "PASS"), id="Li2024-Ozyigit2011-30/5-SBRT"
    ),
    pytest.param(
        "65/54 bid", "4m", ("PASS", "PASS", "PASS", "FAIL"), id="Li2024-text-latency-4-months"
    ),
]


@pytest.mark.parametrize(("schedule", "interval", "expected"), FOUNDING)
def test_founding_schedules(schedule: str, interval: str, expected: tuple[str, ...]) -> None:
    report = check_plan(_plan(schedule, interval=interval))
    assert _statuses(report, "eqd2-min", "eqd2-max", "dose-per-fraction", "latency") == expected
    assert report.ok is ("FAIL" not in expected)


def test_hyperfractionated_eqd2_value_at_alpha_beta_10() -> None:
    row = _row(check_plan(_plan("65/54 bid")), "eqd2-min")
    assert row.value == pytest.approx(65 * (65 / 54 + 10) / 12, rel=1e-12)
    assert row.alpha_beta == 10.0
    assert row.alpha_beta_basis == "assumption: tumour α/β 10 Gy, not stated by the source"
    assert row.alpha_beta_text() == "10*"


def test_sbrt_values() -> None:
    report = check_plan(_plan("30/5"))
    assert _row(report, "eqd2-min").value == 40.0
    assert _row(report, "dose-per-fraction").value == 6.0


# --- boundaries: exact floats, no rounding ----------------------------------------

BOUNDARIES = [
    pytest.param("60/30", "eqd2-min", 60.0, "PASS", id="EQD2-exactly-60-passes"),
    pytest.param("59.99/30", "eqd2-min", None, "FAIL", id="EQD2-just-below-60-fails"),
    pytest.param("66/33", "eqd2-max", 66.0, "PASS", id="EQD2-exactly-66-passes"),
    pytest.param("66.01/33", "eqd2-max", None, "FAIL", id="EQD2-just-above-66-fails"),
    pytest.param("60/30", "dose-per-fraction", 2.0, "PASS", id="exactly-2Gy/fx-passes"),
    pytest.param("66/33", "dose-per-fraction", 2.0, "PASS", id="66/33-exactly-2Gy/fx-passes"),
    pytest.param("60.00003/30", "dose-per-fraction", None, "FAIL", id="2.000001Gy/fx-fails"),
]


@pytest.mark.parametrize(("schedule", "rule_id", "value", "status"), BOUNDARIES)
def test_dose_boundaries(schedule: str, rule_id: str, value: float | None, status: str) -> None:
    row = _row(check_plan(_plan(schedule)), rule_id)
    assert row.status == status
    if value is not None:
        assert row.value == value


LATENCY = [
    pytest.param("6m", 6.0, "WARN", id="exactly-6-months-is-not-under-6-WARN"),
    pytest.param(5.999, 5.999, "FAIL", id="5.999-months-FAIL"),
    pytest.param("4m", 4.0, "FAIL", id="4-months-FAIL"),
    pytest.param(11.999, 11.999, "WARN", id="11.999-months-WARN"),
    pytest.param("12m", 12.0, "PASS", id="exactly-12-months-PASS"),
    pytest.param("1y", 12.0, "PASS", id="1y-PASS"),
]


@pytest.mark.parametrize(("interval", "months", "status"), LATENCY)
def test_latency_boundaries(interval: Any, months: float, status: str) -> None:
    report = check_plan(_plan("65/54 bid", interval=interval))
    row = _row(report, "latency")
    assert row.value == months
    assert row.status == status
    assert report.ok is (status != "FAIL")


@pytest.mark.parametrize(
    ("ended", "starts", "status"),
    [
        pytest.param(dt.date(2023, 6, 30), dt.date(2023, 12, 29), "FAIL", id="182-days-FAIL"),
        pytest.param(dt.date(2023, 6, 30), dt.date(2023, 12, 30), "WARN", id="183-days-WARN"),
    ],
)
def test_latency_from_dates_uses_month_days(ended: dt.date, starts: dt.date, status: str) -> None:
    data = {
        "constraint_sets": [LI],
        "course": [
            {"schedule": "70/35", "ended": ended},
            {"schedule": "65/54 bid", "starts": starts, "intent": "postoperative"},
        ],
    }
    row = _row(check_plan(data), "latency")
    assert row.value == (starts - ended).days / MONTH_DAYS
    assert row.status == status


def test_target_alpha_beta_override() -> None:
    report = check_plan(_plan("65/54 bid", target_alpha_beta=3))
    row = _row(report, "eqd2-min")
    assert row.alpha_beta == 3.0
    assert "plan's target_alpha_beta" in (row.alpha_beta_basis or "")
    assert row.value == pytest.approx(65 * (65 / 54 + 3) / 5, rel=1e-12)
    assert row.status == "FAIL"  # 54.65 Gy EQD2 at alpha/beta 3
    assert row.alpha_beta_text() == "3"


def test_li_rules_need_postoperative_intent() -> None:
    data = _plan("30/5", newest={"intent": "definitive"})
    report = check_plan(data)
    li_rows = [r for r in report.rows if r.set_name == LI]
    assert li_rows
    assert all(r.status == "N/A" for r in li_rows)
    assert "intent is 'postoperative'; it is 'definitive'" in li_rows[0].detail
    no_intent = _plan("30/5")
    del no_intent["course"][1]["intent"]
    assert _row(check_plan(no_intent), "eqd2-min").detail.endswith("it is not given")


def test_one_course_latency_is_not_evaluated() -> None:
    report = check_plan(
        {"constraint_sets": [LI], "course": [{"schedule": "60/30", "intent": "postoperative"}]}
    )
    row = _row(report, "latency")
    assert row.status == "N/A"
    assert row.value is None


# --- margin rules (Li 2024 Table 1, 3 and 4) --------------------------------------

MARGIN_RULES = (
    "indication-tumour-on-margin",
    "indication-margin-under-1mm",
    "margin-up-to-1mm-definition",
    "indication-close-margin",
    "indication-clear-margin",
)

MARGINS = [
    pytest.param({"margin_mm": 0.0}, ("INFO", "N/A", "N/A", "N/A", "N/A"), id="0mm-on-margin"),
    pytest.param({"margin": "on-margin"}, ("INFO", "N/A", "N/A", "N/A", "N/A"), id="on-margin"),
    pytest.param({"margin_mm": 0.8}, ("N/A", "INFO", "INFO", "N/A", "N/A"), id="0.8mm"),
    pytest.param({"margin": "under-1mm"}, ("N/A", "INFO", "INFO", "N/A", "N/A"), id="under-1mm"),
    pytest.param(
        {"margin_mm": 2.0, "margin": "close"}, ("N/A", "N/A", "N/A", "WARN", "N/A"), id="both"
    ),
    pytest.param({"margin_mm": 2.0}, ("N/A", "N/A", "N/A", "WARN", "N/A"), id="2mm-close"),
    pytest.param({"margin": "close"}, ("N/A", "N/A", "N/A", "WARN", "N/A"), id="close"),
    pytest.param({"margin_mm": 3.0}, ("N/A", "N/A", "N/A", "N/A", "WARN"), id="exactly-3mm"),
    pytest.param({"margin": "clear"}, ("N/A", "N/A", "N/A", "N/A", "WARN"), id="clear"),
    pytest.param({}, ("N/A", "N/A", "N/A", "N/A", "N/A"), id="no-margin-given"),
]


@pytest.mark.parametrize(("margin", "expected"), MARGINS)
def test_margin_rules(margin: dict[str, Any], expected: tuple[str, ...]) -> None:
    report = check_plan(_plan("65/54 bid", newest=margin))
    assert _statuses(report, *MARGIN_RULES) == expected
    assert report.ok  # margin rules WARN or INFO, never FAIL


# --- organ rules -----------------------------------------------------------------------

CORD_SETS = ("nieder2006-cord", "hytec2021-cord-sbrt", "sahgal2012-cord-sbrt", "lee2000-npc-late")


def _cord_plan(
    doses: list[float],
    newest: str = "30/5",
    interval: Any = "6m",
    organ: str = "spinal cord",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "constraint_sets": list(CORD_SETS),
        "course": [{"schedule": "50/25", "interval_to_next": interval}, {"schedule": newest}],
        "organ": [{"name": organ, "alpha_beta": 2, "max_dose": doses}],
        **extra,
    }


def test_no_organ_is_never_pass() -> None:
    data = _cord_plan([45.0, 12.0])
    data["organ"] = []
    report = check_plan(data)
    assert {r.status for r in report.rows} == {"N/A"}
    assert all(r.detail.startswith("not evaluated: the plan has no [[organ]]") for r in report.rows)


def test_nieder_2006_values() -> None:
    report = check_plan(_cord_plan([45.0, 12.0]))
    bed1, bed2 = 45 * (1 + (45 / 25) / 2), 12 * (1 + (12 / 5) / 2)
    cumulative = _row(report, "cumulative-bed", "nieder2006-cord")
    assert cumulative.value == pytest.approx(bed1 + bed2, rel=1e-12)
    assert cumulative.status == "PASS"
    assert cumulative.alpha_beta == 2.0
    assert cumulative.recovery is not None
    assert cumulative.recovery.startswith("none")
    course = _row(report, "course-bed", "nieder2006-cord")
    assert course.value == pytest.approx(bed1, rel=1e-12)
    assert "course #1" in course.detail
    assert _row(report, "interval", "nieder2006-cord").status == "PASS"
    assert _row(report, "cumulative-bed-no-myelopathy", "nieder2006-cord").status == "INFO"


def test_nieder_2006_failures() -> None:
    report = check_plan(_cord_plan([50.0, 50.0], newest="50/25", interval="4m"))
    assert _statuses(
        report, "cumulative-bed", "course-bed", "interval", set_name="nieder2006-cord"
    ) == ("FAIL", "FAIL", "FAIL")
    assert not report.ok


def test_recovery_model_is_used_and_named() -> None:
    data = _cord_plan([50.0, 50.0], newest="50/25", interval="24m", recovery="step-cord-2021")
    report = check_plan(data)
    row = _row(report, "cumulative-bed", "nieder2006-cord")
    expected = cumulative_bed(
        [50.0, 50.0], [25, 25], [24.0], alpha_beta=2, recovery="step-cord-2021"
    )
    assert row.value == expected == pytest.approx(0.5 * 100 + 100)
    assert row.recovery is not None
    assert row.recovery.startswith("step-cord-2021: Doi H")
    assert "recovery: step-cord-2021" in row.detail


def test_recovery_file_table_matched_by_organ_name(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[spinal_cord]\nmodel = "constant"\nfraction = 0.25\n'
        '[brainstem]\nmodel = "constant"\nfraction = 0.1\n',
        encoding="utf-8",
    )
    report = check_plan(_cord_plan([50.0, 50.0], newest="50/25", recovery=str(policy)))
    row = _row(report, "cumulative-bed", "nieder2006-cord")
    assert row.value == pytest.approx(0.75 * 100 + 100)
    assert row.recovery == "policy.toml:spinal_cord: user-defined"


def test_hytec_2021_pass_and_fail() -> None:
    report = check_plan(_cord_plan([45.0, 12.0], organ="thecal sac"))
    sbrt = 12 * (12 / 5 + 2) / 4
    conventional = 45 * (45 / 25 + 2) / 4
    rows = {r.rule_id: r for r in report.rows if r.set_name == "hytec2021-cord-sbrt"}
    assert rows["sbrt-course-dmax"].value == pytest.approx(sbrt, rel=1e-12)
    assert rows["cumulative-dmax"].value == pytest.approx(sbrt + conventional, rel=1e-12)
    assert rows["sbrt-to-cumulative-ratio"].value == pytest.approx(
        sbrt / (sbrt + conventional), rel=1e-12
    )
    assert {r.status for r in rows.values()} == {"PASS"}
    failing = check_plan(_cord_plan([45.0, 20.0], interval="4m", organ="ThecalSac"))
    assert _statuses(failing, "sbrt-course-dmax", "interval", set_name="hytec2021-cord-sbrt") == (
        "FAIL",
        "FAIL",
    )


def test_hytec_ratio_fails_above_half() -> None:
    report = check_plan(_cord_plan([10.0, 20.0], organ="thecal sac"))
    row = _row(report, "sbrt-to-cumulative-ratio", "hytec2021-cord-sbrt")
    assert row.value is not None
    assert row.value > 0.5
    assert row.status == "FAIL"


def test_ratio_not_evaluated_when_cumulative_is_zero() -> None:
    row = _row(
        check_plan(_cord_plan([0.0, 0.0], organ="thecal sac")),
        "sbrt-to-cumulative-ratio",
        "hytec2021-cord-sbrt",
    )
    assert row.status == "N/A"
    assert "ratio is undefined" in row.detail


def test_ratio_and_interval_not_evaluated_for_one_course() -> None:
    data = {
        "constraint_sets": ["hytec2021-cord-sbrt"],
        "course": [{"schedule": "30/5"}],
        "organ": [{"name": "ThecalSac", "max_dose": [12.0]}],
    }
    report = check_plan(data)
    assert _statuses(
        report, "sbrt-to-cumulative-ratio", "interval", set_name="hytec2021-cord-sbrt"
    ) == ("N/A", "N/A")
    assert _row(report, "cumulative-dmax", "hytec2021-cord-sbrt").status == "PASS"


def test_sahgal_2012_is_for_the_thecal_sac_only() -> None:
    report = check_plan(_cord_plan([45.0, 12.0]))
    sahgal = [r for r in report.rows if r.set_name == "sahgal2012-cord-sbrt"]
    assert [r.status for r in sahgal] == ["N/A"] * 4
    assert all("no [[organ]] named 'thecal sac'" in r.detail for r in sahgal)
    data = _cord_plan([45.0, 12.0])
    data["organ"].append({"name": "Thecal_Sac", "max_dose": [46.0, 13.0]})
    rows = [r for r in check_plan(data).rows if r.set_name == "sahgal2012-cord-sbrt"]
    assert [r.status for r in rows] == ["PASS"] * 4
    assert {r.applies_to for r in rows} == {"Thecal_Sac"}


def test_lee_2000_isoeffect_is_info_for_every_organ_at_its_own_alpha_beta() -> None:
    data = _cord_plan([45.0, 12.0], organ="Parotid_L")
    data["organ"].append({"name": "temporal lobe", "alpha_beta": 3, "max_dose": [70.0, 60.0]})
    report = check_plan(data)
    rows = [r for r in report.rows if r.set_name == "lee2000-npc-late"]
    assert [r.applies_to for r in rows] == ["Parotid_L", "temporal lobe"]
    assert {r.status for r in rows} == {"INFO"}
    assert {r.alpha_beta for r in rows} == {3.0}
    assert "the organ's alpha_beta 2 Gy is not used" in (rows[0].alpha_beta_basis or "")
    lobe = rows[1]
    assert lobe.value == cumulative_bed([70.0, 60.0], [25, 5], [6.0], alpha_beta=3)
    assert "does not meet <= 143 Gy" in lobe.detail


def test_esophageal_salvage_set_is_information_only() -> None:
    data = {
        "constraint_sets": ["nct03731442-esophagus-salvage", LI],
        "course": [{"schedule": "60/30", "intent": "salvage"}],
    }
    report = check_plan(data)
    assert _statuses(
        report, "prescription", "dose-above-54", set_name="nct03731442-esophagus-salvage"
    ) == ("INFO", "INFO")
    assert _row(report, "dose-above-54", "nct03731442-esophagus-salvage").value == 60.0
    assert all(r.status == "N/A" for r in report.rows if r.set_name == LI)
    assert report.ok


# --- NaN and missing doses never PASS -------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_cord_plan([float("nan"), 12.0]), id="max-dose-nan"),
        pytest.param(_cord_plan([45.0, float("inf")]), id="max-dose-inf"),
        pytest.param(_cord_plan([45.0, 12.0], interval=float("nan")), id="interval-nan"),
        pytest.param(_plan("65/54 bid", target_alpha_beta=float("nan")), id="target-ab-nan"),
        pytest.param(_plan("65/54 bid", newest={"margin_mm": float("nan")}), id="margin-nan"),
        pytest.param(_plan("nan/30"), id="schedule-nan"),
    ],
)
def test_nan_is_an_error_when_loading(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        check_plan(data)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_a_non_finite_computed_value_fails(monkeypatch: pytest.MonkeyPatch, bad: float) -> None:
    monkeypatch.setattr(check_module, "_cumulative", lambda *args, **kwargs: bad)
    report = check_plan(_cord_plan([45.0, 12.0]))
    cumulative_rows = [
        r
        for r in report.rows
        if r.quantity == "cumulative-bed" and r.set_name != "lee2000-npc-late"
    ]
    assert cumulative_rows
    for row in cumulative_rows:
        assert row.status == "FAIL"
        assert "not a finite number" in row.detail
        assert row.to_dict()["value"] is None
    json.dumps([row.to_dict() for row in report.rows], allow_nan=False)
    assert not report.ok


def test_missing_organ_dose_in_one_course_is_an_error() -> None:
    data = _cord_plan([45.0])
    with pytest.raises(PlanFileError, match="key 'max_dose': expected 2 numbers"):
        check_plan(data)


schedules = st.tuples(
    st.floats(min_value=0.5, max_value=90.0), st.integers(min_value=1, max_value=60)
).map(lambda t: f"{t[0]!r}/{t[1]}")


@pytest.mark.filterwarnings("ignore::radcalc.errors.RadcalcWarning")  # generated > 10 Gy/fx
@settings(max_examples=60, deadline=None)
@given(
    first=schedules,
    newest=schedules,
    interval=st.floats(min_value=0.0, max_value=60.0),
    cord=st.tuples(st.floats(0.0, 60.0), st.floats(0.0, 60.0)),
)
@example(first="70/35", newest="65/54", interval=24.0, cord=(45.0, 20.0))
@example(first="70/35", newest="60/27", interval=6.0, cord=(45.0, 20.0))
@example(first="70/35", newest="30/5", interval=4.0, cord=(0.0, 0.0))
def test_pass_only_when_the_rule_holds(
    first: str, newest: str, interval: float, cord: tuple[float, float]
) -> None:
    data = {
        "constraint_sets": [LI, *CORD_SETS],
        "course": [
            {"schedule": first, "interval_to_next": interval},
            {"schedule": newest, "intent": "postoperative", "margin_mm": 0.5},
        ],
        "organ": [{"name": "spinal cord", "max_dose": list(cord)}],
    }
    report = check_plan(data)
    for row in report.rows:
        assert row.status in STATUSES
        if row.status == "PASS":
            assert row.value is not None
            assert math.isfinite(row.value)
            assert row.comparator is not None
            assert row.limit is not None
            assert compare(row.value, row.comparator, row.limit)
            assert row.severity != "info"
        if row.value is None:
            assert row.status != "PASS"
    assert report.ok is all(row.status != "FAIL" for row in report.rows)


# --- sets: extra, replacement, duplicates, errors --------------------------------

USER_SET = user_set_toml()


def test_extra_user_set(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(USER_SET, encoding="utf-8")
    report = check_plan(_cord_plan([45.0, 12.0]), extra_sets=[path])
    row = _row(report, "cumulative-dmax", "my-clinic-cord")
    assert row.value == cumulative_eqd2([45.0, 12.0], [25, 5], [6.0], alpha_beta=2)
    assert row.status == "FAIL"
    assert row.source == "Our physics group et al. 2025, section 3"
    assert [s.name for s in report.sets][-1] == "my-clinic-cord"


def test_plan_lists_a_user_set_relative_to_its_folder(tmp_path: Path) -> None:
    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "mine.toml").write_text(USER_SET, encoding="utf-8")
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'constraint_sets = ["sets/mine.toml"]\n[[course]]\nschedule = "30/5"\n'
        '[[organ]]\nname = "spinal cord"\nmax_dose = [20.0]\n',
        encoding="utf-8",
    )
    report = check_plan(plan)
    assert [s.name for s in report.sets] == ["my-clinic-cord"]
    plan.write_text(plan.read_text().replace("sets/mine.toml", "sets/other.toml"))
    with pytest.raises(PlanFileError, match=r"plan\.toml: key 'constraint_sets': .*other\.toml"):
        check_plan(plan)


def test_replacing_and_deduplicating_sets(tmp_path: Path) -> None:
    data = _cord_plan([45.0, 12.0])
    report = check_plan(data, constraint_sets=["nieder2006-cord"], extra_sets=["nieder2006-cord"])
    assert [s.name for s in report.sets] == ["nieder2006-cord"]
    mine = tmp_path / "mine.toml"
    mine.write_text(USER_SET, encoding="utf-8")
    twice = check_plan(data, extra_sets=[mine, str(mine), tmp_path / "." / "mine.toml"])
    assert [s.name for s in twice.sets].count("my-clinic-cord") == 1
    clash = tmp_path / "clash.toml"
    clash.write_text(user_set_toml(limit=45.0), encoding="utf-8")
    with pytest.raises(ConstraintSetError, match="two constraint sets are named 'my-clinic-cord'"):
        check_plan(data, extra_sets=[mine, clash])


def test_no_set_to_check_against() -> None:
    with pytest.raises(InvalidInputError, match="no constraint set to check against"):
        check_plan({"course": [{"schedule": "60/30"}]})


def test_plan_argument_type() -> None:
    with pytest.raises(InvalidInputError, match="plan must be a Plan, a mapping or the path"):
        check_plan(42)  # type: ignore[arg-type]


def test_plan_object_and_path_give_the_same_rows() -> None:
    from_path = check_plan(EXAMPLE_PLAN)
    from_object = check_plan(radcalc.load_plan(EXAMPLE_PLAN))
    assert from_path.rows == from_object.rows
    assert from_path.ok


# --- the report ------------------------------------------------------------------------


def test_report_views() -> None:
    report = check_plan(_plan("60/27", interval="4m"))
    data = report.to_dict()
    assert data["ok"] is False
    assert data["counts"]["FAIL"] == 2
    assert set(data["counts"]) == set(STATUSES)
    assert json.loads(json.dumps(data)) == data
    for row in data["rows"]:
        assert {"rule", "set", "status", "value", "limit", "unit", "source"} <= set(row)
    assert [r.rule_id for r in report.failures] == ["dose-per-fraction", "latency"]
    text = str(report)
    assert "FAIL    li2024-npc-postop:dose-per-fraction" in text
    assert "2.22222 Gy/fx" in text
    assert "α/β* = radcalc's assumption" in text
    assert text.rstrip().endswith("NOT OK: at least one rule FAILs.")
    html_text = report._repr_html_()
    assert html_text.startswith("<table>")
    assert "background:#f8d7da" in html_text
    assert "&gt;= 60 Gy EQD2" in html_text


def test_html_escapes_user_text(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        USER_SET.replace('applies_to = "spinal cord"', 'applies_to = "<b>cord</b>"'),
        encoding="utf-8",
    )
    data = _cord_plan([45.0, 12.0])
    data["organ"][0]["name"] = "<b>cord</b>"
    html_text = check_plan(data, constraint_sets=[path])._repr_html_()
    assert "<b>" not in html_text
    assert "&lt;b&gt;cord&lt;/b&gt;" in html_text


def test_printed_value_never_looks_like_the_limit() -> None:
    row = CheckRow(
        set_name="s",
        rule_id="r",
        applies_to="target",
        status="FAIL",
        value=59.9999999,
        limit=60.0,
        warn_limit=None,
        comparator=">=",
        unit="Gy",
        quantity="prescribed-eqd2",
        alpha_beta=10.0,
        alpha_beta_basis="stated by the source",
        alpha_beta_assumed=False,
        severity="violation",
        kind="recommended-limit",
        consensus=None,
        source="x",
        source_status="verified",
        recovery=None,
        detail="",
        quote="q",
    )
    assert row.value_text() == "59.9999999 Gy EQD2"
    assert row.limit_text() == ">= 60 Gy EQD2"


# --- the example ---------------------------------------------------------------------------


def test_example_script_runs(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RADCALC_EXAMPLE_OUTPUT": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "check_plan.py")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "60-27-daily: ok=False" in result.stdout
    written = json.loads((tmp_path / "check_as-planned.json").read_text())
    assert written["ok"] is True


def test_parse_plan_then_check_is_check_of_mapping() -> None:
    data = _plan("65/54 bid")
    assert check_plan(parse_plan(data)).rows == check_plan(data).rows
