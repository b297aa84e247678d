"""Issue 8: dates on the re-irradiation command line, and budgets from constraint sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from user_sets import user_set_toml

from radcalc import lq
from radcalc.cli import main
from radcalc.errors import InvalidInputError
from radcalc.recovery import MONTH_DAYS
from radcalc.reirradiation import ConstraintLimit, Course, constraint_limit, dose_budget


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


# --- dates instead of --interval ------------------------------------------------------------

DATES = ["--prior", "70/35", "--prior-ended", "2023-03-15", "--new-starts", "2025-01-10"]
DAYS = 667  # 2023-03-15 to 2025-01-10


def test_reirr_with_dates() -> None:
    code, out, err = run("reirr", *DATES, "--new", "30/10", "--ab", "2", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["courses"][0]["interval_months"] == pytest.approx(DAYS / MONTH_DAYS, rel=1e-12)


def test_budget_with_dates_equals_budget_with_the_interval() -> None:
    by_dates = run("budget", *DATES, "--limit", "100", "--ab", "2", "--fx", "5", "--json")
    months = f"{DAYS / MONTH_DAYS!r}"
    by_interval = run(
        "budget",
        "--prior",
        "70/35",
        "--interval",
        months,
        "--limit",
        "100",
        "--ab",
        "2",
        "--fx",
        "5",
        "--json",
    )
    assert by_dates[0] == by_interval[0] == 0
    assert json.loads(by_dates[1])["options"] == json.loads(by_interval[1])["options"]


def test_several_prior_courses_with_dates() -> None:
    code, out, err = run(
        "reirr",
        "--prior",
        "50/25",
        "--prior",
        "30/10",
        "--prior-started",
        "2020-01-06",
        "--prior-started",
        "2022-01-03",
        "--prior-ended",
        "2020-02-07",
        "--prior-ended",
        "2022-01-14",
        "--new-starts",
        "2024-01-15",
        "--new",
        "20/5",
        "--ab",
        "2",
        "--json",
    )
    assert (code, err) == (0, "")
    courses = json.loads(out)["courses"]
    # 2020-02-07 to 2022-01-03: 696 days; 2022-01-14 to 2024-01-15: 731 days. Course 1
    # recovers over the time to the newest course, the gaps summed (treatment time not added).
    assert courses[1]["interval_months"] == pytest.approx(731 / MONTH_DAYS, rel=1e-12)
    assert courses[0]["interval_months"] == pytest.approx((696 + 731) / MONTH_DAYS, rel=1e-12)


BAD_DATES = [
    pytest.param(
        ["reirr", *DATES, "--interval", "24m", "--new", "30/10", "--ab", "2"],
        2,
        "not both",
        id="interval and dates",
    ),
    pytest.param(
        ["reirr", "--prior", "70/35", "--new", "30/10", "--ab", "2"],
        2,
        "--interval (one per --prior",
        id="no interval and no dates",
    ),
    pytest.param(
        ["reirr", "--prior", "70/35", "--prior-ended", "2023-03-15", "--new", "3/1", "--ab", "2"],
        2,
        "give --new-starts",
        id="ended without new start",
    ),
    pytest.param(
        [
            "reirr",
            "--prior",
            "70/35",
            "--prior-ended",
            "2023-02-30",
            "--new-starts",
            "2025-01-10",
            "--new",
            "30/10",
            "--ab",
            "2",
        ],
        2,
        "--prior-ended",
        id="no such day",
    ),
    pytest.param(
        [
            "reirr",
            "--prior",
            "70/35",
            "--prior-ended",
            "2025-03-15",
            "--new-starts",
            "2025-01-10",
            "--new",
            "30/10",
            "--ab",
            "2",
        ],
        1,
        "time order",
        id="new course before the prior ended",
    ),
    pytest.param(
        [
            "reirr",
            "--prior",
            "70/35",
            "--prior",
            "30/10",
            "--prior-ended",
            "2020-01-01",
            "--prior-ended",
            "2022-01-01",
            "--new-starts",
            "2025-01-10",
            "--new",
            "30/10",
            "--ab",
            "2",
        ],
        2,
        "one --prior-started per --prior",
        id="several priors need their starts",
    ),
]


@pytest.mark.parametrize(("args", "code", "message"), BAD_DATES)
def test_bad_dates_are_one_clear_error(args: list[str], code: int, message: str) -> None:
    exit_code, out, err = run(*args)
    assert exit_code == code
    assert message in err
    assert err.count("Error:") == 1
    assert out == ""


# --- budgets from a constraint set ----------------------------------------------------------


def test_constraint_limit_from_a_shipped_set() -> None:
    rule = constraint_limit("nieder2006-cord", "Spinal_Cord")
    assert isinstance(rule, ConstraintLimit)
    assert (rule.set_name, rule.rule_id, rule.quantity, rule.limit, rule.alpha_beta) == (
        "nieder2006-cord",
        "cumulative-bed",
        "bed",
        135.5,
        2.0,
    )
    assert "Nieder" in rule.describe()


def test_constraint_limit_refuses_a_missing_organ_listing_candidates() -> None:
    with pytest.raises(InvalidInputError, match=r"no cumulative limit for organ 'brainstem'.*cord"):
        constraint_limit("nieder2006-cord", "brainstem")


SECOND_RULE = """
[[rule]]
id = "cumulative-dmax-strict"
applies_to = "spinal cord"
quantity = "cumulative-eqd2"
comparator = "<="
limit = 45.0
unit = "Gy"
alpha_beta = 2.0
alpha_beta_assumed = false
severity = "violation"
kind = "recommended-limit"
quote = "test value"
verbatim = false
"""


def test_constraint_limit_refuses_ambiguity_listing_candidates(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(user_set_toml() + SECOND_RULE, encoding="utf-8")
    with pytest.raises(
        InvalidInputError, match=r"2 cumulative limits.*cumulative-dmax, cumulative-dmax-strict"
    ):
        constraint_limit(str(path), "spinal cord")
    chosen = constraint_limit(str(path), "spinal cord", rule="cumulative-dmax-strict")
    assert (chosen.limit, chosen.quantity) == (45.0, "eqd2")
    code, out, err = run(
        "budget",
        "--prior",
        "45/25",
        "--interval",
        "24m",
        "--set",
        str(path),
        "--organ",
        "spinal cord",
        "--rule",
        "cumulative-dmax-strict",
        "--fx",
        "5",
        "--json",
    )
    assert (code, err) == (0, "")
    assert json.loads(out)["limit_eqd2"] == 45.0
    info = constraint_limit("nieder2006-cord", "cord", rule="cumulative-bed-no-myelopathy")
    assert info.limit == 120.0
    with pytest.raises(InvalidInputError, match="no rule 'nope'"):
        constraint_limit("nieder2006-cord", "cord", rule="nope")


def test_cli_budget_from_a_set() -> None:
    code, out, err = run(
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
        "--json",
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    expected = dose_budget(
        [Course("45/25", interval_months=24)], fractions=[5], alpha_beta=2, limit_bed=135.5
    )
    assert data["options"][0]["max_dose"] == expected.options[0].max_dose
    assert data["limit_bed"] == 135.5
    assert any("nieder2006-cord:cumulative-bed" in note for note in data["notes"])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--set", "nieder2006-cord"], "--organ"),
        (["--set", "nieder2006-cord", "--organ", "cord", "--limit", "50"], "not both"),
        (["--set", "nieder2006-cord", "--organ", "cord", "--ab", "3"], "alpha/beta 2"),
        (["--set", "nieder2006-cord", "--organ", "brainstem"], "cumulative-bed"),
        (["--set", "no-such-set", "--organ", "cord"], "no-such-set"),
    ],
    ids=["no organ", "limit and set", "other alpha/beta", "organ not in set", "unknown set"],
)
def test_cli_budget_set_errors(extra: list[str], message: str) -> None:
    code, _, err = run("budget", "--prior", "45/25", "--interval", "24m", "--fx", "5", *extra)
    assert code in (1, 2)
    assert message in err
    assert err.count("Error:") == 1


def test_lq_reference_for_the_set_budget() -> None:
    # The budget's history is the Nieder BED of 45/25 at alpha/beta 2 Gy.
    assert lq.bed(45, 25, alpha_beta=2) == pytest.approx(85.5)
