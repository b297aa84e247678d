"""The CLI's notes and errors: no hang, no traceback, one ``Error:`` line (issues 8 and 14)."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from radcalc import collect_notes
from radcalc.cli import main

ROOT = Path(__file__).resolve().parents[1]
OVERFLOW = ["eqd2", "--dose", "1e308", "--fx", "1", "--ab", "1"]


def _one_error_or_finite(result: Result) -> None:
    """Exit != 0 with exactly one ``Error:`` line, or exit 0 with finite numbers only."""
    assert not isinstance(result.exception, TimeoutError), "hang"
    assert "Traceback" not in result.output + result.stderr
    if result.exit_code != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, result.stderr
        assert isinstance(result.exception, SystemExit), result.exception
    else:
        assert "inf" not in result.output.lower() and "nan" not in result.output.lower()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy overflow, as outside pytest
def test_issue8_item1_overflow_does_not_hang_clirunner(alarm: None) -> None:
    result = CliRunner().invoke(main, OVERFLOW)
    _one_error_or_finite(result)


def test_issue8_item1_overflow_does_not_hang_subprocess() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "radcalc", *OVERFLOW],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:  # pragma: no cover - the defect
        pytest.fail("radcalc eqd2 --dose 1e308 --fx 1 --ab 1 did not return within 60 s")
    assert "Traceback" not in completed.stderr
    if completed.returncode != 0:
        errors = [line for line in completed.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, completed.stderr
        assert "1e+308" in errors[0] or "1e308" in errors[0]  # names the input
    else:
        assert "inf" not in completed.stdout.lower()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "args",
    [
        OVERFLOW,
        ["bed", "--dose", "1e308", "--fx", "1", "--ab", "1", "--json"],
        ["solve", "--eqd2", "1e308", "--fx", "1", "--ab", "1e-300"],
        ["solve", "--eqd2", "1e308", "--dose-per-fraction", "1e-300", "--ab", "1"],
    ],
    ids=["eqd2", "bed-json", "solve-dose", "solve-fractions"],
)
def test_overflow_is_one_error_line_or_finite(args: list[str], alarm: None) -> None:
    result = CliRunner().invoke(main, args)
    _one_error_or_finite(result)
    if result.exit_code == 0 and "--json" in args:
        json.loads(result.output, parse_constant=pytest.fail)  # strict JSON: no NaN/Infinity


def test_notes_still_reach_stderr_once() -> None:
    result = CliRunner().invoke(main, ["eqd2", "--dose", "24", "--fx", "1", "--ab", "3"])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "above 10 Gy" in notes[0]


@pytest.mark.parametrize(
    "args",
    [
        ["eqd2", "--dose", "-0", "--fx", "1", "--ab", "1"],
        ["bed", "--dose", "-0.0", "--fx", "3", "--ab", "2", "--ab", "-0"],
    ],
    ids=["eqd2", "bed"],
)
def test_issue14_negative_zero_dose_prints_zero(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert "-0" not in result.output + result.stderr, result.output + result.stderr


def test_issue14_negative_zero_dose_json_is_zero() -> None:
    result = CliRunner().invoke(main, ["eqd2", "--dose", "-0", "--fx", "1", "--ab", "1", "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)[0]
    assert math.copysign(1, row["dose"]) == 1 and math.copysign(1, row["eqd2"]) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["budget", "--prior", "70/35", "--interval", "24m", "--limit", "100", "--ab", "2",
         "--fx", "5", "--plot", "/nonexistent-folder/budget.png"],
        ["check", "/nonexistent-folder/plan.toml"],
        ["check", "/dev/null"],
        ["constraints", "show", "/dev/zero"],
        ["reirr", "--prior", "70/35", "--interval", "24m", "--new", "30/5", "--ab", "2",
         "--recovery", "/nonexistent.toml"],
    ],
    ids=["plot-missing-folder", "plan-missing", "plan-empty", "set-device", "recovery-missing"],
)  # fmt: skip
def test_error_paths_are_one_line(args: list[str], alarm: None) -> None:
    if args[0] == "budget":
        pytest.importorskip("matplotlib")
    result = CliRunner().invoke(main, args)
    assert result.exit_code not in (0, None), result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "args",
    [
        ["solve", "--eqd2", "3", "--dose-per-fraction", "1e-320", "--ab", "1"],
        ["solve", "--eqd2", "0", "--dose-per-fraction", "1e-320", "--ab", "1"],
    ],
    ids=["fractions-overflow", "fractions-nan"],
)
def test_solve_fractions_that_overflow_are_one_error_line(args: list[str]) -> None:
    # Was an OverflowError/ValueError traceback from rounding n = inf or NaN.
    result = CliRunner().invoke(main, args)
    _one_error_or_finite(result)


NUMBERS = ["0", "-0", "1", "3", "10", "70", "1e308", "-1e308", "1e-320", "5e-324", "nan", "inf"]
WHOLE = ["1", "2", "30", "0", "-1", "999999999999"]
SCHEDULES = ["70/35", "65/54 bid 6h", "1e308/1", "-0/1", "1/1e308", "1e-320/1"]
INTERVALS = ["24m", "0", "1e308", "1e-320y", "5d"]
RECOVERIES = [
    "none",
    "step-cord-2021",
    "constant:1",
    "linear:0,1e-320,1",
    "exponential:0,1e-320,0.5",
]


def _command(draw: Any) -> list[str]:
    pick = lambda options: draw(st.sampled_from(options))  # noqa: E731
    kind = pick(["eqd2", "bed", "solve-dose", "solve-fractions", "reirr", "budget"])
    if kind in ("eqd2", "bed"):
        return [kind, "--dose", pick(NUMBERS), "--fx", pick(WHOLE), "--ab", pick(NUMBERS)]
    if kind == "solve-dose":
        return ["solve", "--eqd2", pick(NUMBERS), "--fx", pick(WHOLE), "--ab", pick(NUMBERS)]
    if kind == "solve-fractions":
        return ["solve", "--eqd2", pick(NUMBERS), "--dose-per-fraction", pick(NUMBERS),
                "--ab", pick(NUMBERS)]  # fmt: skip
    history = ["--prior", pick(SCHEDULES), "--interval", pick(INTERVALS), "--ab", pick(NUMBERS),
               "--recovery", pick(RECOVERIES)]  # fmt: skip
    if kind == "reirr":
        return ["reirr", *history, "--new", pick(SCHEDULES)]
    return ["budget", *history, "--limit", pick(NUMBERS), "--fx", pick(WHOLE)]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's, shown as outside pytest
def test_fuzz_numeric_extremes_give_a_finite_answer_or_one_error_line() -> None:
    @settings(max_examples=120, deadline=None)
    @given(data=st.data(), as_json=st.booleans())
    def check(data: Any, as_json: bool) -> None:
        args = _command(data.draw) + (["--json"] if as_json else [])
        with collect_notes():
            result = CliRunner().invoke(main, args)
        assert isinstance(result.exception, (SystemExit, type(None))), (args, result.exception)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr, args
        if result.exit_code != 0:
            errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
            assert len(errors) == 1, (args, result.stderr)
            return
        assert "-0.00" not in result.stdout, args
        if as_json:
            json.loads(result.stdout, parse_constant=pytest.fail)  # strict: no NaN/Infinity
        else:
            assert not re.search(r"\b(nan|inf)\b", result.stdout.lower()), (args, result.stdout)

    check()
