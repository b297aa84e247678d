"""Fuzz the command line and plan files (issue 8, observation 9).

Random argument lists for every subcommand (edge values: nan, inf, -0,
1e308, 1e-320, empty, huge integers, impossible dates) and random mutations
of a plan file. Every call must:

* raise no exception but ``SystemExit`` (no traceback);
* return within a time bound (no hang);
* on failure (exit status not 0), print exactly one ``Error:`` line on stderr;
* on success, print no NaN or infinity, and valid strict JSON with ``--json``;
* never PASS a rule whose dose is NaN or missing.

The examples are derandomized so that the suite is stable; set
``RADCALC_FUZZ_EXAMPLES`` (e.g. 10000) to explore further with random seeds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radcalc.cli import EXIT_CHECK_FAILED, main

#: Examples per test; more (and random seeds) with RADCALC_FUZZ_EXAMPLES.
_EXPLORE = int(os.environ.get("RADCALC_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_EXPLORE or 150,
    deadline=None,
    derandomize=not _EXPLORE,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)

#: Seconds a single command may take before it counts as a hang.
TIME_BOUND = 10.0

EDGE = (
    "nan",
    "NaN",
    "inf",
    "-inf",
    "-0",
    "0",
    "1e308",
    "-1e308",
    "1e-320",
    "1e400",
    "",
    " ",
    "-1",
    "99999999999999999999999999",
    "2023-02-30",
    "0000-00-00",
    "abc",
    "1/0",
    "0/0",
    "70/0",
    "1e308/1",
    "65/54 bid 0h",
    "-5m",
    "nan m",
    "inf/5",
)

GOOD = {
    "dose": ("70", "30", "65", "0.5"),
    "fx": ("35", "5", "1", "54"),
    "ab": ("2", "3", "10"),
    "schedule": ("70/35", "65/54 bid 6h", "30/5", "60/27", "65/54 bid"),
    "months": ("24m", "6", "540d", "1.5y"),
    "hours": ("6", "8"),
    "half": ("4", "1.5"),
    "day": ("2", "1"),
    "date": ("2023-03-15", "2025-01-10"),
    "recovery": (
        "none",
        "step-cord-2021",
        "constant:0.5",
        "linear:6,24,0.5",
        "exponential:1,6,0.5",
    ),
    "organ": ("spinal cord", "brainstem", "SpinalCord"),
    "set": ("nieder2006-cord", "li2024-npc-postop", "hytec2021-cord-sbrt"),
    "model": ("lq", "lql"),
    "dt": ("6",),
    "rule": ("cumulative-bed",),
    "days": ("40", "0"),
    "rate": ("0.9",),
    "limit": ("100", "135.5"),
}

CORRECTIONS = (
    ("--per-day", "day"),
    ("--interval", "hours"),
    ("--repair-half-time", "half"),
    ("--days", "days"),
    ("--kickoff", "days"),
    ("--repopulation", "rate"),
    ("--model", "model"),
    ("--transition-dose", "dt"),
    ("--json", None),
)
HISTORY = (
    ("--prior", "schedule"),
    ("--interval", "months"),
    ("--prior-ended", "date"),
    ("--prior-started", "date"),
    ("--new-starts", "date"),
    ("--prior-organ-dose", "dose"),
    ("--recovery", "recovery"),
    ("--organ", "organ"),
    ("--recovery-any-organ", None),
    ("--repair-half-time", "half"),
    ("--model", "model"),
    ("--transition-dose", "dt"),
    ("--json", None),
)
Options = tuple[tuple[str, str | None], ...]
#: Per command: the options of a valid call (each usually given), then optional ones.
COMMANDS: dict[str, tuple[Options, Options]] = {
    "eqd2": ((("--dose", "dose"), ("--fx", "fx"), ("--ab", "ab")), CORRECTIONS),
    "bed": ((("--schedule", "schedule"), ("--ab", "ab")), (("--ab", "ab"), *CORRECTIONS)),
    "solve": ((("--eqd2", "dose"), ("--fx", "fx"), ("--ab", "ab")), CORRECTIONS),
    "reirr": (
        (("--prior", "schedule"), ("--interval", "months"), ("--new", "schedule"), ("--ab", "ab")),
        (*HISTORY, ("--new-organ-dose", "dose")),
    ),
    "budget": (
        (
            ("--prior", "schedule"),
            ("--interval", "months"),
            ("--limit", "limit"),
            ("--ab", "ab"),
            ("--fx", "fx"),
        ),
        (
            *HISTORY,
            ("--limit-bed", "limit"),
            ("--set", "set"),
            ("--rule", "rule"),
            ("--fx", "fx"),
            ("--per-day", "day"),
            ("--interval-hours", "hours"),
        ),
    ),
    "constraints show": ((("", "set"),), (("--json", None),)),
    "constraints list": ((), (("--json", None),)),
}


class Hang(Exception):
    """A command ran longer than TIME_BOUND."""


@contextlib.contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Raise Hang in the main thread after ``seconds`` (SIGALRM; POSIX only)."""

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")


#: Exit statuses of a command that ran to its end (``check``: 3 = a rule FAILs).
COMPLETED = {"check": (0, EXIT_CHECK_FAILED)}


def _no_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


_NON_FINITE = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)


def _without_echo(text: str, args: list[str]) -> str:
    """The output without the user's own words echoed back (an organ named 'inf/5')."""
    for arg in sorted(args, key=len, reverse=True):
        if len(arg) > 1 and not arg.startswith("--"):
            text = text.replace(arg, " ").replace(json.dumps(arg), " ")
    return text


def _strings(value: Any) -> list[str]:
    """Every string of a plan (names and labels the user wrote, echoed by the report)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def invoke(args: list[str], echoed: list[str] | None = None) -> Result:
    """Run the CLI once and check the contract of every call.

    ``echoed``: words of the user's files (an organ named 'nan') that the output
    may repeat; like the command line's own words they are not numbers radcalc printed.
    """
    with time_bound(TIME_BOUND):
        result = CliRunner().invoke(main, args)
    if isinstance(result.exception, Hang):
        pytest.fail(f"hang: radcalc {args}")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback for radcalc {args}: {result.exception!r}"
    )
    if result.exit_code not in COMPLETED.get(args[0], (0,)):
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, f"radcalc {args}: stderr {result.stderr!r}"
        return result
    words = [*args, *(echoed or [])]
    out, err = _without_echo(result.stdout, words), _without_echo(result.stderr, words)
    assert not _NON_FINITE.search(out), f"radcalc {args} printed {result.stdout!r}"
    assert not _NON_FINITE.search(err), f"radcalc {args} noted {result.stderr!r}"
    if "--json" in args:
        json.loads(result.stdout, parse_constant=_no_constant)
    return result


def _value(draw: st.DrawFn, kind: str) -> str:
    edge = draw(st.integers(0, 6)) == 0
    return draw(st.sampled_from(EDGE) if edge else st.sampled_from(GOOD[kind]))


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A command line near a valid one: options dropped or added, values spoiled."""
    command = draw(st.sampled_from(sorted(COMMANDS)))
    required, optional = COMMANDS[command]
    args = command.split()
    chosen = [o for o in required if draw(st.integers(0, 9)) > 0]
    chosen += [o for o in optional if draw(st.integers(0, 3)) == 0]
    for option, kind in chosen:
        if kind is None:
            args.append(option)
        else:
            value = _value(draw, kind)
            args += [option, value] if option else [value]
    return args


@FUZZ
@given(command_lines())
def test_fuzzed_command_lines(args: list[str]) -> None:
    invoke(args)


# --- plan files --------------------------------------------------------------------------------

PLAN: dict[str, Any] = {
    "constraint_sets": ["li2024-npc-postop", "nieder2006-cord"],
    "recovery": "none",
    "course": [
        {"schedule": "70/35", "ended": dt.date(2023, 3, 15)},
        {
            "schedule": "65/54 bid 6h",
            "starts": dt.date(2025, 1, 10),
            "intent": "postoperative",
            "margin": "close",
        },
    ],
    "organ": [
        {"name": "spinal cord", "alpha_beta": 2, "max_dose": [45.0, 20.0]},
        {"name": "brainstem", "max_dose": [50.0, 10.0], "repair_half_time_h": 4},
    ],
}

PLAN_EDGE: tuple[Any, ...] = (
    math.nan,
    math.inf,
    -math.inf,
    -0.0,
    0,
    1e308,
    1e-320,
    -1,
    2**62,
    "",
    "nan",
    "2023-02-30",
    True,
    [],
    [math.nan, 20.0],
    [45.0],
    [60.0, 40.0],
    [1e308, 1.0],
    [2.0**62, -0.0],
    [1e-320, 0.0],
    dt.date(1, 1, 1),
    "step-cord-2021",
    "65/54 bid 0h",
)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (int, dt.date)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(value)  # pragma: no cover - the strategies make no other value


def toml_text(plan: dict[str, Any]) -> str:
    """The plan as TOML (top-level keys, then arrays of tables)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in plan.items() if not _is_tables(v)]
    for key, tables in plan.items():
        if _is_tables(tables):
            for table in tables:
                lines += ["", f"[[{key}]]"]
                lines += [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _two_finite_doses(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and math.isfinite(v) for v in value)
    )


@st.composite
def plans(draw: st.DrawFn) -> tuple[dict[str, Any], set[str]]:
    """A mutated plan and the organs whose dose was made NaN, removed or otherwise spoiled."""
    plan = json.loads(json.dumps(PLAN, default=str))  # a deep copy (dates as strings)
    plan["course"][0]["ended"] = PLAN["course"][0]["ended"]
    plan["course"][1]["starts"] = PLAN["course"][1]["starts"]
    spoiled_tables: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["top", "course", "organ"]))
        if where == "top":
            table = plan
            keys = ["constraint_sets", "recovery", "recovery_any_organ", "target_alpha_beta"]
        else:
            table = draw(st.sampled_from(plan[where]))
            keys = [*sorted(table), "interval_to_next", "recovery", "alpha_beta", "unknown"]
        key = draw(st.sampled_from(keys))
        if draw(st.integers(0, 4)) == 0:
            table.pop(key, None)
        else:
            table[key] = draw(st.sampled_from(PLAN_EDGE))
        if where == "organ" and key == "max_dose" and not _two_finite_doses(table.get(key)):
            spoiled_tables.append(table)
    spoiled = {t["name"] for t in spoiled_tables if isinstance(t.get("name"), str)}
    return plan, spoiled


@FUZZ
@given(plans())
def test_fuzzed_plan_files(case: tuple[dict[str, Any], set[str]]) -> None:
    plan, spoiled = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.toml"
        try:
            path.write_text(toml_text(plan), encoding="utf-8")
        except (TypeError, ValueError):  # pragma: no cover - not representable in TOML
            return
        invoke(["check", str(path)], _strings(plan))
        result = invoke(["check", str(path), "--json"], _strings(plan))
    if result.exit_code not in COMPLETED["check"]:
        return
    data = json.loads(result.stdout, parse_constant=_no_constant)
    rows = data["rows"] if isinstance(data, dict) else data
    for row in rows:
        if row["applies_to"] in spoiled and row["quantity"] != "interval-since-previous":
            assert row["status"] != "PASS", row
        if row["status"] == "PASS":
            assert row["value"] is None or math.isfinite(row["value"]), row
