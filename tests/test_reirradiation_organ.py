"""Issue 8: per-organ parameters and incomplete repair in re-irradiation (library, CLI, check).

Observation 4: a twice-daily course was computed with full repair and no note in
``reirr``, ``budget`` and ``check``. Observation 5: one recovery model (a
spinal-cord rule) was applied to every organ without a word. Observation 8: the
LQ warning of ``budget`` advised ``model='lql'``, which ``budget`` and
``max_new_dose`` did not accept.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from click.testing import CliRunner

from radcalc import lq
from radcalc.check import check_plan
from radcalc.cli import main
from radcalc.errors import InvalidInputError, PlanFileError, RadcalcWarning
from radcalc.plan import parse_plan
from radcalc.recovery import STEP_CORD_2021, resolve_recovery
from radcalc.reirradiation import (
    Course,
    cumulative_bed,
    cumulative_dose,
    cumulative_eqd2,
    dose_budget,
    max_new_dose,
    remaining_eqd2,
)

BID = {"fractions_per_day": 2, "interval_hours": 6, "repair_half_time_hours": 4}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- observation 4: incomplete repair everywhere a schedule can carry it ---------------


def test_cumulative_eqd2_applies_incomplete_repair_per_course() -> None:
    value = cumulative_eqd2(
        [70, 65],
        [35, 54],
        [24],
        alpha_beta=2,
        fractions_per_day=[1, 2],
        interval_hours=[None, 6],
        repair_half_time_hours=4,
    )
    newest = lq.eqd2(65, 54, alpha_beta=2, **BID)
    assert value == pytest.approx(70 + newest, rel=1e-12)
    assert newest > lq.eqd2(65, 54, alpha_beta=2) + 6  # the repair correction is large here
    bed = cumulative_bed(
        [70, 65],
        [35, 54],
        [24],
        alpha_beta=2,
        fractions_per_day=[1, 2],
        interval_hours=[None, 6],
        repair_half_time_hours=4,
    )
    assert bed == pytest.approx(value * 2, rel=1e-12)


def test_max_new_dose_is_the_inverse_with_incomplete_repair() -> None:
    # Cord after 70/35 24 months ago, limit 100 Gy EQD2 (alpha/beta 2): 30 Gy EQD2 left.
    full = max_new_dose(100, [70], [35], [24], fractions=54, alpha_beta=2)
    bid = max_new_dose(
        100, [70], [35], [24], fractions=54, alpha_beta=2, fractions_per_day=2,
        interval_hours=6, repair_half_time_hours=4,
    )  # fmt: skip
    assert bid == pytest.approx(lq.dose_for_eqd2(30, 54, alpha_beta=2, **BID), rel=1e-12)
    assert lq.eqd2(bid, 54, alpha_beta=2, **BID) == pytest.approx(30, rel=1e-12)
    assert 2.5 < full - bid < 3.5  # the issue: overstated by about 3 Gy


def test_prior_bid_course_with_repair_in_the_remaining_eqd2() -> None:
    remaining = remaining_eqd2(
        150, [65], [54], [24], alpha_beta=2, prior_fractions_per_day=[2],
        prior_interval_hours=[6], repair_half_time_hours=4,
    )  # fmt: skip
    assert remaining == pytest.approx(150 - lq.eqd2(65, 54, alpha_beta=2, **BID), rel=1e-12)


def test_cumulative_dose_takes_repair_from_the_schedule_and_notes_it() -> None:
    courses = [Course("70/35", interval_months=24), Course("65/54 bid 6h")]
    repaired = cumulative_dose(courses, alpha_beta=2, repair_half_time_hours=4)
    assert repaired.cumulative_eqd2 == pytest.approx(
        70 + lq.eqd2(65, 54, alpha_beta=2, **BID), rel=1e-12
    )
    assert repaired.courses[1].eqd2 == pytest.approx(lq.eqd2(65, 54, alpha_beta=2, **BID))
    assert any("incomplete repair" in note and "h = 0.3536" in note for note in repaired.notes)
    full = cumulative_dose(courses, alpha_beta=2)
    assert any("full repair assumed" in note for note in full.notes)
    assert "full repair assumed" in str(full)
    assert full.to_dict()["notes"] == list(full.notes)


def test_dose_budget_new_course_twice_daily() -> None:
    result = dose_budget(
        [Course("70/35", interval_months=24)],
        fractions=[54],
        alpha_beta=2,
        limit_eqd2=100,
        fractions_per_day=2,
        interval_hours=6,
        repair_half_time_hours=4,
    )
    assert result.options[0].max_dose == pytest.approx(
        lq.dose_for_eqd2(30, 54, alpha_beta=2, **BID), rel=1e-12
    )
    assert any("new course" in note and "incomplete repair" in note for note in result.notes)
    full = dose_budget(
        [Course("70/35", interval_months=24)],
        fractions=[54],
        alpha_beta=2,
        limit_eqd2=100,
        fractions_per_day=2,
        interval_hours=6,
    )
    assert any("new course" in note and "full repair assumed" in note for note in full.notes)


def test_cli_budget_twice_daily_with_repair() -> None:
    args = ["budget", "--prior", "70/35", "--interval", "24m", "--limit", "100", "--ab", "2"]
    code, out, err = run(
        *args, "--fx", "54", "--per-day", "2", "--interval-hours", "6",
        "--repair-half-time", "4", "--json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["options"][0]["max_dose"] == pytest.approx(
        lq.dose_for_eqd2(30, 54, alpha_beta=2, **BID), rel=1e-12
    )
    code, out, _ = run(*args, "--fx", "54", "--per-day", "2", "--interval-hours", "6")
    assert code == 0
    assert "full repair assumed" in out


def test_cli_reirr_twice_daily_with_repair() -> None:
    args = ["reirr", "--prior", "70/35", "--interval", "24m", "--new", "65/54 bid 6h"]
    code, out, _ = run(*args, "--ab", "2", "--repair-half-time", "4", "--json")
    assert code == 0
    assert json.loads(out)["cumulative_eqd2"] == pytest.approx(
        70 + lq.eqd2(65, 54, alpha_beta=2, **BID), rel=1e-12
    )
    code, out, _ = run(*args, "--ab", "2")
    assert code == 0
    assert "full repair assumed" in out


def test_cli_reirr_bid_without_interval_hours_and_a_half_time_is_an_error() -> None:
    code, _, err = run(
        "reirr", "--prior", "70/35", "--interval", "24m", "--new", "65/54 bid", "--ab", "2",
        "--repair-half-time", "4",
    )  # fmt: skip
    assert code == 1
    assert err.count("Error:") == 1
    assert "interval" in err


def _cord_bid_plan(**organ: Any) -> dict[str, Any]:
    return {
        "constraint_sets": ["nieder2006-cord"],
        "course": [
            {"schedule": "45/25", "interval_to_next": "24m"},
            {"schedule": "54/45 bid 6h"},
        ],
        "organ": [{"name": "spinal cord", "max_dose": [45.0, 54.0], **organ}],
    }


def test_check_applies_the_organ_repair_half_time() -> None:
    report = check_plan(_cord_bid_plan(repair_half_time_h=4))
    row = next(r for r in report.rows if r.rule_id == "cumulative-bed")
    expected = lq.bed(45, 25, alpha_beta=2) + lq.bed(54, 45, alpha_beta=2, **BID)
    assert row.value == pytest.approx(expected, rel=1e-12)
    assert "incomplete repair" in row.detail
    full = check_plan(_cord_bid_plan())
    row = next(r for r in full.rows if r.rule_id == "cumulative-bed")
    assert row.value == pytest.approx(lq.bed(45, 25, alpha_beta=2) + lq.bed(54, 45, alpha_beta=2))
    assert "full repair assumed" in row.detail
    course = next(r for r in report.rows if r.rule_id == "course-bed")
    assert course.value == pytest.approx(lq.bed(54, 45, alpha_beta=2, **BID), rel=1e-12)


# --- observation 5: per-organ recovery, scoped shipped models -----------------------------


def test_shipped_cord_model_has_an_organ_scope() -> None:
    assert STEP_CORD_2021.organs == ("spinal cord",)
    assert "spinal cord" in STEP_CORD_2021.describe()


def test_cord_model_on_the_brainstem_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"step-cord-2021.*spinal cord.*brainstem"):
        cumulative_eqd2([50, 30], [25, 10], [24], alpha_beta=2, recovery="step-cord-2021",
                        organ="brainstem")  # fmt: skip
    with pytest.raises(InvalidInputError, match="recovery_any_organ"):
        resolve_recovery("step-cord-2021", organ="brainstem")
    assert resolve_recovery("step-cord-2021", organ="Spinal_Cord") is STEP_CORD_2021


def test_cord_model_on_the_brainstem_when_the_user_says_so() -> None:
    value = cumulative_eqd2(
        [50, 30], [25, 10], [24], alpha_beta=2, recovery="step-cord-2021", organ="brainstem",
        recovery_any_organ=True,
    )  # fmt: skip
    assert value == pytest.approx(
        0.5 * lq.eqd2(50, 25, alpha_beta=2) + lq.eqd2(30, 10, alpha_beta=2)
    )
    result = cumulative_dose(
        [Course("50/25", interval_months=24), Course("30/10")],
        alpha_beta=2, recovery="step-cord-2021", organ="brainstem", recovery_any_organ=True,
    )  # fmt: skip
    assert any("brainstem" in note and "spinal cord" in note for note in result.notes)


def _two_organ_plan(**top: Any) -> dict[str, Any]:
    return {
        "constraint_sets": ["lee2000-npc-late"],
        "course": [{"schedule": "70/35", "interval_to_next": "24m"}, {"schedule": "60/30"}],
        "organ": [
            {"name": "spinal cord", "alpha_beta": 2, "max_dose": [40.0, 30.0]},
            {"name": "brainstem", "alpha_beta": 2, "max_dose": [50.0, 30.0]},
        ],
        **top,
    }


def test_plan_refuses_the_cord_model_for_the_brainstem() -> None:
    with pytest.raises(PlanFileError, match=r"brainstem.*spinal cord.*recovery_any_organ"):
        parse_plan(_two_organ_plan(recovery="step-cord-2021"))


def test_plan_per_organ_recovery_and_alpha_beta() -> None:
    data = _two_organ_plan()
    data["organ"][0]["recovery"] = "step-cord-2021"
    data["organ"][1]["recovery"] = "constant:0.1"
    data["organ"][1]["alpha_beta"] = 2.5
    # Lee 2000 is not for the cord (issue 8 scopes): Nieder 2006 reads the cord.
    data["constraint_sets"] = [*data.get("constraint_sets", []), "nieder2006-cord"]
    plan = parse_plan(data)
    assert plan.organs[0].recovery == "step-cord-2021"
    report = check_plan(plan)
    rows = {
        r.applies_to: r
        for r in report.rows
        if r.quantity == "cumulative-bed" and r.status != "N/A"  # Lee 2000: not for the cord
    }
    assert rows["spinal cord"].recovery is not None
    assert rows["spinal cord"].recovery.startswith("step-cord-2021")
    assert rows["brainstem"].recovery is not None
    assert rows["brainstem"].recovery.startswith("constant:0.1")


def test_plan_any_organ_is_said_in_the_report() -> None:
    data = _two_organ_plan(recovery="step-cord-2021", recovery_any_organ=True)
    report = check_plan(data)
    row = next(
        r for r in report.rows if r.applies_to == "brainstem" and r.quantity == "cumulative-bed"
    )
    assert row.recovery is not None
    assert "recovery_any_organ" in row.recovery and "spinal cord" in row.recovery


def test_cli_recovery_any_organ() -> None:
    args = ["reirr", "--prior", "50/25", "--interval", "24m", "--new", "30/10", "--ab", "2"]
    code, _, err = run(*args, "--recovery", "step-cord-2021", "--organ", "brainstem")
    assert code == 1 and "--recovery-any-organ" in err
    code, out, _ = run(
        *args, "--recovery", "step-cord-2021", "--organ", "brainstem", "--recovery-any-organ"
    )
    assert code == 0 and "brainstem" in out


# --- observation 8: the advice of a warning can be followed --------------------------------


def test_budget_accepts_the_lql_model_its_warning_suggests() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        max_new_dose(100, [45], [25], [24], fractions=1, alpha_beta=2)
    assert any("model='lql'" in str(w.message) for w in caught if w.category is RadcalcWarning)
    value = max_new_dose(
        100, [45], [25], [24], fractions=1, alpha_beta=2, model="lql", transition_dose=6
    )
    remaining = 100 - lq.eqd2(45, 25, alpha_beta=2)
    assert value == pytest.approx(
        lq.dose_for_eqd2(remaining, 1, alpha_beta=2, model="lql", transition_dose=6), rel=1e-12
    )
    code, out, err = run(
        "budget", "--prior", "45/25", "--interval", "24m", "--limit", "100", "--ab", "2",
        "--fx", "1", "--model", "lql", "--transition-dose", "6", "--json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert json.loads(out)["options"][0]["max_dose"] == pytest.approx(value, rel=1e-12)
    code, _, err = run(
        "budget", "--prior", "45/25", "--interval", "24m", "--limit", "100", "--ab", "2",
        "--fx", "1",
    )  # fmt: skip
    assert code == 0 and "lql" in err


def test_a_tiny_alpha_beta_budget_is_right_not_an_error() -> None:
    # History 30 Gy in 5 fx at alpha/beta -> 0: EQD2 = 30 x 6 / 2 = 90 Gy; the remaining
    # 10 Gy in 5 fx: D^2 / 5 = 2 x 10, D = 10 Gy (computed with care since issue 14).
    assert max_new_dose(100, [30], [5], [18], fractions=5, alpha_beta=1e-320) == 10.0


# --- observation 9 (in the re-irradiation code): never a NaN or inf result --------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: cumulative_bed([30, 20], [5, 5], [18], alpha_beta=1e-320),
        lambda: cumulative_eqd2([1e308, 1e308], [1, 1], [18], alpha_beta=1e-3),
        lambda: dose_budget(
            [Course("30/5", interval_months=18)], fractions=[5], alpha_beta=1e-320, limit_eqd2=100
        ),
    ],
    ids=["cumulative_bed", "cumulative_eqd2", "dose_budget"],
)
def test_an_overflow_is_an_error_not_a_result(call: Any) -> None:
    with pytest.raises(InvalidInputError, match="overflowed: the result is not a finite number"):
        call()
