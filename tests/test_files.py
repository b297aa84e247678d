"""User input files: only regular files, size-bounded, one error naming the file once (issue 14)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from radcalc import _files, recovery
from radcalc.cli import main
from radcalc.constraints import load_constraint_set
from radcalc.errors import ConstraintSetError, InvalidInputError, PlanFileError
from radcalc.plan import load_plan

PLAN = '[[course]]\nschedule = "60/30"\nintent = "salvage"\n'
SET = Path(__file__).resolve().parents[1] / "radcalc" / "data" / "nieder2006-cord.toml"
RECOVERY = '[cord]\nmodel = "constant"\nfraction = 0.25\n'


pytestmark = pytest.mark.usefixtures("alarm")  # a blocking read fails after 20 s


# Every reader of a user file, with a valid content and its error class.
READERS: dict[str, tuple[Callable[[Path], object], str, type[InvalidInputError]]] = {
    "plan": (load_plan, PLAN, PlanFileError),
    "constraint-set": (
        load_constraint_set,
        SET.read_text(encoding="utf-8").replace('name = "nieder2006-cord"', 'name = "mine"'),
        ConstraintSetError,
    ),
    "recovery": (lambda p: recovery.from_toml(p, organ="cord"), RECOVERY, InvalidInputError),
}


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "input.toml"
    os.mkfifo(path)
    return path


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "input.toml"
    path.mkdir()
    return path


def _deep(tmp_path: Path) -> Path:
    path = tmp_path / "input.toml"
    path.write_text("a = " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    return path


def _deep_tables(tmp_path: Path) -> Path:
    path = tmp_path / "input.toml"
    path.write_text("a = " + "{b = " * 500 + "1" + "}" * 500 + "\n", encoding="utf-8")
    return path


def _latin1(tmp_path: Path) -> Path:
    path = tmp_path / "input.toml"
    path.write_bytes(b'title = "\xe9"\n')
    return path


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "input.toml"


BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fifo": (_fifo, "not a regular file"),
    "dev-zero": (lambda _: Path("/dev/zero"), "not a regular file"),
    "folder": (_folder, "a folder"),
    "missing": (_missing, "No such file"),
    "nested-500-arrays": (_deep, "nested too deeply"),
    "nested-500-tables": (_deep_tables, "nested too deeply"),
    "not-utf8": (_latin1, "not a UTF-8 text file"),
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_issue14_bad_input_file_is_one_error_naming_the_file_once(
    reader: str, bad: str, tmp_path: Path
) -> None:
    make, reason = BAD_FILES[bad]
    path = make(tmp_path)
    read, _, error = READERS[reader]
    with pytest.raises(error, match=reason) as info:
        read(path)
    assert str(info.value).count(path.name) == 1, str(info.value)


@pytest.mark.parametrize("reader", list(READERS))
def test_too_large_file_is_refused(
    reader: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read, content, error = READERS[reader]
    path = tmp_path / "input.toml"
    path.write_text(content, encoding="utf-8")
    read(path)  # fine at the normal bound
    monkeypatch.setattr(_files, "MAX_TEXT_BYTES", 16)
    with pytest.raises(error, match="larger than the 16 bytes radcalc reads") as info:
        read(path)
    assert str(info.value).count(path.name) == 1


def test_size_bound_is_checked_while_reading(tmp_path: Path) -> None:
    # The file grows after the size check: at most max_bytes + 1 are read.
    path = tmp_path / "input.toml"
    path.write_text("x" * 100, encoding="utf-8")
    with pytest.raises(InvalidInputError, match="larger than the 10 bytes"):
        _files.read_bytes(path, max_bytes=10)


@pytest.mark.parametrize(
    "args",
    [
        ["check", "{path}"],
        ["constraints", "show", "{path}"],
        ["reirr", "--prior", "70/35", "--interval", "24m", "--new", "30/5", "--ab", "2",
         "--recovery", "{path}", "--organ", "cord"],
    ],
    ids=["check", "constraints-show", "reirr-recovery"],
)  # fmt: skip
@pytest.mark.parametrize("bad", ["fifo", "dev-zero", "nested-500-arrays"])
def test_cli_bad_input_file_is_one_error_line(args: list[str], bad: str, tmp_path: Path) -> None:
    path = BAD_FILES[bad][0](tmp_path)
    result = CliRunner().invoke(main, [a.replace("{path}", str(path)) for a in args])
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output


def test_plan_recovery_file_that_is_a_fifo_is_named_as_such(tmp_path: Path) -> None:
    _fifo(tmp_path)  # input.toml
    plan = tmp_path / "plan.toml"
    plan.write_text('recovery = "input.toml"\n' + PLAN, encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"key 'recovery': .*not a regular file") as info:
        load_plan(plan)
    assert str(info.value).count("input.toml") == 1


def _plan_with_dates(tmp_path: Path, starts: str) -> Path:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[[course]]\nschedule = "70/35"\nended = 2020-01-10\n'
        f'[[course]]\nschedule = "30/10"\nintent = "salvage"\nstarts = {starts}\n',
        encoding="utf-8",
    )
    return plan


@pytest.mark.parametrize(
    ("starts", "match"),
    [
        ("2999-01-10", r"\[\[course\]\] #2, key 'starts': 2999-01-10 is more than a year after"),
        ("1066-10-14", "before X-rays were discovered"),
    ],
    ids=["year-2999", "year-1066"],
)
def test_issue14_implausible_plan_dates_are_refused(
    starts: str, match: str, tmp_path: Path
) -> None:
    with pytest.raises(PlanFileError, match=match):
        load_plan(_plan_with_dates(tmp_path, starts))


def test_plan_date_next_month_is_accepted(tmp_path: Path) -> None:
    soon = dt.date.today() + dt.timedelta(days=30)
    plan = load_plan(_plan_with_dates(tmp_path, soon.isoformat()))
    assert plan.courses[1].starts == soon


def test_every_user_file_reader_goes_through_radcalc_files() -> None:
    """No module reads a file itself: only radcalc._files (regular files, size bound).

    The one exception is the shipped data of radcalc/data (read from the
    installed package with importlib.resources).
    """
    package = Path(__file__).resolve().parents[1] / "radcalc"
    pattern = re.compile(
        r"\bopen\(|\.read_text\(|\.read_bytes\(|tomllib\.load\(|np\.load\(|loadtxt\(|"
        r"read_csv\(|dcmread\("
    )
    allowed = {
        ("constraints.py", "entry.read_text("),  # shipped data files
        ("organs.py", 'resources.files("radcalc")'),  # shipped data files
        ("rtdose.py", "dcmread(BytesIO(data)"),  # bytes from _files.read_bytes
        ("cohort.py", "os.open(out, os.O_WRONLY | os.O_APPEND)"),  # the results file (output)
    }
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "_files.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
        and not any(path.name == name and text in line for name, text in allowed)
    ]
    assert offenders == []
