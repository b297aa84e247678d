"""CLI tests with click's CliRunner: output, JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from radcalc.cli import main


@pytest.fixture
def run():  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args))

    return invoke


def test_eqd2_readable_line(run) -> None:  # type: ignore[no-untyped-def]
    result = run("eqd2", "--dose", "65", "--fx", "54", "--ab", "10")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "65 Gy in 54 fx (1.204 Gy/fx), alpha/beta 10 Gy: EQD2 60.69 Gy, BED 72.82 Gy\n"
    )
    assert result.stderr == ""  # a correct answer never prints a warning


def test_bed_leads_with_bed_and_repeats_ab(run) -> None:  # type: ignore[no-untyped-def]
    result = run("bed", "--schedule", "30Gy/5fx", "--ab", "3", "--ab", "10")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "30 Gy in 5 fx (6 Gy/fx), alpha/beta 3 Gy: BED 90.00 Gy, EQD2 54.00 Gy",
        "30 Gy in 5 fx (6 Gy/fx), alpha/beta 10 Gy: BED 48.00 Gy, EQD2 40.00 Gy",
    ]


@pytest.mark.parametrize("command", ["eqd2", "bed"])
def test_json_list_one_object_per_alpha_beta(run, command: str) -> None:  # type: ignore[no-untyped-def]
    result = run(command, "--schedule", "65/54 bid", "--ab", "3", "--ab", "10", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert isinstance(rows, list) and len(rows) == 2
    for row in rows:
        assert {"dose", "fractions", "dose_per_fraction", "alpha_beta", "bed", "eqd2"} <= set(row)
        assert row["dose"] == 65 and row["fractions"] == 54 and row["fractions_per_day"] == 2
    assert [r["alpha_beta"] for r in rows] == [3, 10]
    assert rows[1]["eqd2"] == pytest.approx(60.6867, abs=1e-4)


def test_solve_for_dose(run) -> None:  # type: ignore[no-untyped-def]
    result = run("solve", "--eqd2", "60", "--fx", "30", "--ab", "10")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "EQD2 60 Gy in 30 fx at alpha/beta 10 Gy: total dose 60.00 Gy (2 Gy/fx), BED 72.00 Gy\n"
    )
    rows = json.loads(run("solve", "--eqd2", "40", "--fx", "5", "--ab", "10", "--json").output)
    assert rows[0]["dose"] == pytest.approx(30.0, rel=1e-12)
    assert rows[0]["dose_per_fraction"] == pytest.approx(6.0, rel=1e-12)


def test_solve_for_fractions_shows_rounding(run) -> None:  # type: ignore[no-untyped-def]
    result = run("solve", "--eqd2", "60", "--dose-per-fraction", "2.2", "--ab", "10")
    assert result.exit_code == 0, result.output
    assert "26.83 fractions (26 fx -> EQD2 58.15 Gy; 27 fx -> EQD2 60.39 Gy)" in result.output
    row = json.loads(
        run("solve", "--eqd2", "60", "--dose-per-fraction", "2.2", "--ab", "10", "--json").output
    )[0]
    assert row["fractions_rounded_up"] == 27 and row["fractions_rounded_down"] == 26
    assert {"dose", "fractions", "dose_per_fraction", "alpha_beta", "bed", "eqd2"} <= set(row)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["eqd2", "--dose", "-65", "--fx", "54", "--ab", "10"],
            "Error: dose [Gy] must be finite and >= 0, got -65.0",
        ),
        (
            ["eqd2", "--dose", "nan", "--fx", "54", "--ab", "10"],
            "Error: dose [Gy] must be finite and >= 0, got nan",
        ),
        (
            ["eqd2", "--dose", "65", "--fx", "0", "--ab", "10"],
            "Error: fractions must be finite and > 0, got 0.0",
        ),
        (
            ["bed", "--dose", "65", "--fx", "-5", "--ab", "10"],
            "Error: fractions must be finite and > 0, got -5.0",
        ),
        (
            ["eqd2", "--dose", "65", "--fx", "54", "--ab", "0"],
            "Error: alpha_beta [Gy] must be finite and > 0, got 0.0",
        ),
        (
            ["eqd2", "--dose", "65", "--fx", "54", "--ab", "nan"],
            "Error: alpha_beta [Gy] must be finite and > 0, got nan",
        ),
        (
            ["eqd2", "--schedule", "65 per 54", "--ab", "10"],
            "Error: schedule '65 per 54' not understood",
        ),
        (
            ["solve", "--eqd2", "-1", "--fx", "5", "--ab", "10"],
            "Error: target_eqd2 [Gy] must be finite and >= 0, got -1.0",
        ),
        (
            ["solve", "--eqd2", "60", "--dose-per-fraction", "0", "--ab", "10"],
            "Error: dose_per_fraction [Gy] must be finite and > 0, got 0.0",
        ),
    ],
)
def test_bad_input_one_line_exit_1(run, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eqd2", "--dose", "65", "--ab", "10"], "give --dose and --fx (or --schedule)"),
        (
            ["eqd2", "--dose", "65", "--fx", "54", "--schedule", "65/54", "--ab", "10"],
            "give either --schedule or --dose with --fx, not both",
        ),
        (["eqd2", "--dose", "65", "--fx", "54"], "Missing option '--ab'"),
        (
            ["solve", "--eqd2", "60", "--ab", "10"],
            "give exactly one of --fx and --dose-per-fraction",
        ),
        (["eqd2", "--dose", "65", "--fx", "5.5", "--ab", "10"], "'5.5' is not a valid integer"),
    ],
)
def test_usage_errors_exit_2(run, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_python_dash_m_matches_console_script() -> None:
    root = Path(__file__).resolve().parents[1]
    completed = subprocess.run(
        [sys.executable, "-m", "radcalc", "eqd2", "--dose", "30", "--fx", "5", "--ab", "10"],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == (
        "30 Gy in 5 fx (6 Gy/fx), alpha/beta 10 Gy: EQD2 40.00 Gy, BED 48.00 Gy\n"
    )
    failed = subprocess.run(
        [sys.executable, "-m", "radcalc", "eqd2", "--dose", "nan", "--fx", "5", "--ab", "10"],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stderr.strip() == "Error: dose [Gy] must be finite and >= 0, got nan"
