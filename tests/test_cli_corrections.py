"""The correction options of the command line: eqd2, bed and solve."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

import radcalc
from radcalc.cli import main

BID = ["--per-day", "2", "--interval", "6"]
TIME = ["--days", "36", "--kickoff", "28", "--repopulation", "0.72"]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def rows(result: Result) -> list[dict[str, object]]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_incomplete_repair_is_applied_and_named() -> None:
    result = run("eqd2", "--dose", "65", "--fx", "54", *BID, "--repair-half-time", "4", "--ab", "3")
    assert result.exit_code == 0, result.output
    assert "EQD2 60.18 Gy, BED 100.30 Gy" in result.stdout
    assert "[incomplete repair (Thames 1985): 2 fx/day 6 h apart, repair half-time 4 h" in (
        result.stdout
    )
    assert "h = 0.3536]" in result.stdout


def test_twice_daily_without_half_time_says_full_repair_is_assumed() -> None:
    for args in (["--dose", "65", "--fx", "54", *BID], ["--schedule", "65/54 bid"]):
        result = run("eqd2", *args, "--ab", "3")
        assert result.exit_code == 0, result.output
        assert "EQD2 54.65 Gy" in result.stdout
        assert "[full repair assumed (no --repair-half-time)]" in result.stdout


def test_half_time_on_a_once_daily_schedule_is_said_to_do_nothing() -> None:
    result = run("eqd2", "--dose", "60", "--fx", "27", "--repair-half-time", "4", "--ab", "3")
    assert result.exit_code == 0, result.output
    assert "EQD2 62.67 Gy" in result.stdout
    assert "--repair-half-time has no effect" in result.stdout


def test_preset_schedule_with_repair_half_time() -> None:
    result = run(
        "bed", "--schedule", "hyperfractionated-65-54-bid", "--repair-half-time", "4", "--ab", "3"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("65 Gy in 54 fx twice daily, 6 h apart")
    assert "BED 100.30 Gy, EQD2 60.18 Gy [incomplete repair" in result.stdout


def test_overall_time_is_applied_and_named() -> None:
    result = run("bed", "--dose", "60", "--fx", "27", *TIME, "--ab", "10")
    assert result.exit_code == 0, result.output
    assert "BED 67.57 Gy, EQD2 56.31 Gy" in result.stdout
    assert "[repopulation (Fowler 1989): T 36 d, T_k 28 d, K 0.72 Gy/day, BED lost 5.76 Gy]" in (
        result.stdout
    )


def test_schedule_text_with_overall_time() -> None:
    result = run("eqd2", "--schedule", "standard-60-27", *TIME, "--ab", "10")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("60 Gy in 27 fx, over 36 days (2.222 Gy/fx)")
    assert "EQD2 56.31 Gy" in result.stdout


def test_overall_time_from_alpha_and_potential_doubling_time() -> None:
    args = ["--days", "36", "--kickoff", "28", "--alpha", "0.3", "--tpot", "3"]
    (row,) = rows(run("eqd2", "--dose", "60", "--fx", "27", *args, "--ab", "10", "--json"))
    expected = radcalc.eqd2(
        60,
        27,
        alpha_beta=10,
        overall_days=36,
        kickoff_days=28,
        alpha=0.3,
        potential_doubling_days=3,
    )
    assert row["eqd2"] == pytest.approx(expected, rel=1e-15)
    assert row["repopulation_bed"] == pytest.approx(8 * 0.6931471805599453 / 0.9)


def test_lql_is_applied_and_named() -> None:
    args = ["--model", "lql", "--transition-dose", "6"]
    result = run("eqd2", "--dose", "24", "--fx", "1", *args, "--ab", "10")
    assert result.exit_code == 0, result.output
    assert "EQD2 41.00 Gy, BED 49.20 Gy [LQ-L (Astrahan 2008), d_T 6 Gy" in result.stdout
    assert "linear part" in result.stdout
    assert result.stderr == ""  # no LQ warning under LQ-L


def test_plain_lq_above_10_gy_per_fraction_prints_a_one_line_note() -> None:
    result = run("eqd2", "--dose", "24", "--fx", "1", "--ab", "10")
    assert result.exit_code == 0
    assert "EQD2 68.00 Gy" in result.stdout
    notes = result.stderr.splitlines()
    assert len(notes) == 1
    assert notes[0].startswith("note: dose per fraction up to 24 Gy is above 10 Gy")
    assert "Brenner DJ, Semin Radiat Oncol 2008" in notes[0]
    assert "Warning" not in result.stderr
    assert "Traceback" not in result.output


def test_note_is_printed_once_for_several_alpha_betas_and_kept_in_json() -> None:
    result = run("eqd2", "--dose", "24", "--fx", "1", "--ab", "3", "--ab", "10", "--json")
    assert len(result.stderr.splitlines()) == 1
    for row in rows(result):
        assert row["notes"]
        assert "above 10 Gy" in row["notes"][0]


def test_json_names_every_correction() -> None:
    args = ["--dose", "65", "--fx", "54", *BID, "--repair-half-time", "4"]
    args += ["--days", "40", "--kickoff", "28", "--repopulation", "0.72", "--ab", "10", "--json"]
    (row,) = rows(run("eqd2", *args))
    corrections = row["corrections"]
    assert isinstance(corrections, list)
    assert len(corrections) == 2
    assert corrections[0].startswith("incomplete repair (Thames 1985)")
    assert corrections[1].startswith("repopulation (Fowler 1989)")
    assert row["repair_factor"] == pytest.approx(2**-1.5, rel=1e-15)
    assert row["repopulation_bed"] == pytest.approx(0.72 * 12)
    assert row["model"] == "lq"
    assert row["eqd2"] == radcalc.eqd2(
        65,
        54,
        alpha_beta=10,
        fractions_per_day=2,
        interval_hours=6,
        repair_half_time_hours=4,
        overall_days=40,
        kickoff_days=28,
        repopulation_bed_per_day=0.72,
    )


def test_plain_json_has_an_empty_corrections_list() -> None:
    (row,) = rows(run("eqd2", "--dose", "60", "--fx", "30", "--ab", "10", "--json"))
    assert row["corrections"] == []
    assert row["notes"] == []


def test_solve_dose_honours_the_options() -> None:
    result = run(
        "solve",
        "--eqd2",
        "40",
        "--fx",
        "1",
        "--model",
        "lql",
        "--transition-dose",
        "6",
        "--ab",
        "10",
    )
    assert result.exit_code == 0, result.output
    assert "total dose 23.45 Gy" in result.stdout
    assert "[LQ-L (Astrahan 2008), d_T 6 Gy" in result.stdout


def test_solve_fractions_honours_the_options_and_rounds_with_them() -> None:
    args = ["--dose-per-fraction", "1.2", *BID, "--repair-half-time", "4", "--ab", "3"]
    result = run("solve", "--eqd2", "60", *args)
    assert result.exit_code == 0, result.output
    assert "54.06 fractions (54 fx -> EQD2 59.93 Gy; 55 fx -> EQD2 61.04 Gy)" in result.stdout
    assert "[incomplete repair (Thames 1985)" in result.stdout
    (row,) = rows(run("solve", "--eqd2", "60", *args, "--json"))
    assert row["eqd2_rounded_down"] == pytest.approx(
        radcalc.eqd2(
            54 * 1.2,
            54,
            alpha_beta=3,
            fractions_per_day=2,
            interval_hours=6,
            repair_half_time_hours=4,
        )
    )


def test_solve_with_overall_time() -> None:
    result = run("solve", "--eqd2", "60", "--fx", "27", *TIME, "--ab", "10")
    assert result.exit_code == 0, result.output
    assert "[repopulation (Fowler 1989)" in result.stdout
    dose = radcalc.dose_for_eqd2(
        60, 27, alpha_beta=10, overall_days=36, kickoff_days=28, repopulation_bed_per_day=0.72
    )
    assert f"total dose {dose:.2f} Gy" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["eqd2", "--dose", "65", "--fx", "54", *BID, "--repair-half-time", "0", "--ab", "3"],
            "repair_half_time_hours [h] must be finite and > 0, got 0.0",
            id="half-time 0",
        ),
        pytest.param(
            [
                "eqd2",
                "--dose",
                "65",
                "--fx",
                "54",
                "--per-day",
                "2",
                "--interval",
                "-6",
                "--ab",
                "3",
            ],
            "interval_hours [h] must be finite and > 0, got -6.0",
            id="negative interval",
        ),
        pytest.param(
            [
                "eqd2",
                "--dose",
                "65",
                "--fx",
                "54",
                "--per-day",
                "3",
                "--interval",
                "12",
                "--ab",
                "3",
            ],
            "must be < 24 h",
            id="fractions do not fit in a day",
        ),
        pytest.param(
            ["eqd2", "--dose", "60", "--fx", "27", "--interval", "6", "--ab", "3"],
            "interval_hours is the gap between fractions on the same day",
            id="interval on a once-daily schedule",
        ),
        pytest.param(
            ["eqd2", "--schedule", "65/54 bid", "--repair-half-time", "4", "--ab", "3"],
            "repair_half_time_hours needs interval_hours",
            id="half-time without interval",
        ),
        pytest.param(
            [
                "eqd2",
                "--dose",
                "65",
                "--fx",
                "54",
                "--days",
                "20",
                "--kickoff",
                "28",
                "--repopulation",
                "0.7",
                "--ab",
                "10",
            ],
            "overall_days is shorter than the schedule allows",
            id="overall time too short",
        ),
        pytest.param(
            [
                "eqd2",
                "--dose",
                "60",
                "--fx",
                "27",
                "--kickoff",
                "28",
                "--repopulation",
                "0.7",
                "--ab",
                "10",
            ],
            "the repopulation correction needs overall_days",
            id="kickoff without days",
        ),
        pytest.param(
            ["eqd2", "--dose", "60", "--fx", "27", "--model", "lql", "--ab", "10"],
            "model='lql' needs transition_dose",
            id="lql without transition dose",
        ),
        pytest.param(
            ["eqd2", "--dose", "24", "--fx", "1", "--transition-dose", "6", "--ab", "10"],
            "transition_dose applies only to model='lql'",
            id="transition dose without lql",
        ),
        pytest.param(
            [
                "solve",
                "--eqd2",
                "60",
                "--fx",
                "54",
                "--interval",
                "6",
                "--repair-half-time",
                "4",
                "--ab",
                "3",
            ],
            "give fractions_per_day too",
            id="solve: repair without --per-day",
        ),
        pytest.param(
            [
                "solve",
                "--eqd2",
                "60",
                "--dose-per-fraction",
                "2",
                "--days",
                "20",
                "--kickoff",
                "28",
                "--repopulation",
                "0.7",
                "--ab",
                "10",
            ],
            "the number of fractions found does not fit the options",
            id="solve: too many fractions for the overall time",
        ),
    ],
)
def test_invalid_input_exits_1_with_one_line(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["eqd2", "--schedule", "65/54 bid", "--per-day", "2", "--ab", "3"],
            "give fractions per day and interval in the schedule text",
            id="--per-day with --schedule",
        ),
        pytest.param(
            ["eqd2", "--dose", "60", "--fx", "27", "--days", "36", "--ab", "10"],
            "--days is used only by the repopulation correction",
            id="--days alone",
        ),
        pytest.param(
            ["eqd2", "--dose", "60", "--fx", "27", "--model", "usc", "--ab", "10"],
            "'usc' is not one of 'lq', 'lql'",
            id="unknown model",
        ),
        pytest.param(
            ["bed", "--dose", "60", "--fx", "27", "--per-day", "two", "--ab", "10"],
            "'two' is not a valid integer",
            id="fractions per day not an integer",
        ),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_help_lists_the_corrections() -> None:
    for command in ("eqd2", "bed", "solve"):
        result = run(command, "--help")
        assert result.exit_code == 0
        for option in (
            "--per-day",
            "--interval",
            "--repair-half-time",
            "--days",
            "--kickoff",
            "--repopulation",
            "--model",
            "--transition-dose",
        ):
            assert option in result.stdout
