"""docs/evidence.md documents every number radcalc ships, so none can land undocumented.

Every rule of every shipped constraint set (with its limit and α/β), every
schedule preset, every recovery preset and every public numeric constant of a
radcalc module must appear in its section of docs/evidence.md.
"""

from __future__ import annotations

import importlib
import numbers
import pkgutil
import re
from pathlib import Path

import pytest

import radcalc
import radcalc.organs
from radcalc.recovery import RECOVERY_PRESETS

EVIDENCE = Path(__file__).resolve().parents[1] / "docs" / "evidence.md"

#: Public numeric constants that are not clinical numbers (exit codes, unit
#: conversions fixed by definition). Any other constant must be documented.
NOT_CLINICAL = {
    "EXIT_CHECK_FAILED": "an exit status of radcalc check",
    "EXIT_OK": "an exit status of radcalc check",
    "EXIT_FAIL": "an exit status of radcalc check",
    "EXIT_NOT_EVALUABLE": "an exit status of radcalc check",
    "EXIT_TASK_ERRORS": "an exit status of radcalc cohort",
    "HOURS_PER_DAY": "24 hours in a day",
    "MAX_TEXT_BYTES": "a software bound on the size of a text input file",
    "MAX_BINARY_BYTES": "a software bound on the size of a DICOM input file",
    "GRID_THRESHOLD": "a software size threshold for the compiled fast path (radcalc._fused)",
    "THREAD_CHUNK": "a software size threshold for threads in the fast path (radcalc._fused)",
    "DEFAULT_POINTS": "the size of the alpha/beta search grid (radcalc.uncertainty), numerics",
}


def _sections(level: int) -> dict[str, str]:
    """Heading text -> body, for the headings of one level of docs/evidence.md."""
    text = EVIDENCE.read_text(encoding="utf-8")
    marker = "#" * level + " "
    parts = re.split(rf"^{marker}(.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def _row(section: str, key: str) -> str:
    """The table row of a section whose first cell is `key` (in backticks)."""
    rows = [line for line in section.splitlines() if line.startswith(f"| `{key}` ")]
    assert len(rows) == 1, f"expected one table row for `{key}`, found {len(rows)}"
    return rows[0]


def _has_number(text: str, value: float) -> bool:
    """True when `value` is written in `text` (as %g, not as part of another number)."""
    return re.search(rf"(?<![\d.]){re.escape(f'{value:g}')}(?![\d])", text) is not None


def _module_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(radcalc.__path__))


@pytest.mark.parametrize("set_name", radcalc.list_constraint_sets())
def test_every_shipped_rule_is_documented(set_name: str) -> None:
    sections = _sections(3)
    heading = f"`{set_name}`"
    assert heading in sections, f"docs/evidence.md has no section ### {heading}"
    section = sections[heading]
    for rule in radcalc.load_constraint_set(set_name).rules:
        row = _row(section, rule.id)
        for name in ("limit", "warn_limit"):
            value = getattr(rule, name)
            if value is not None:
                assert _has_number(row, value), (
                    f"{set_name}:{rule.id}: {name} {value:g} not in {row}"
                )
        if rule.alpha_beta is not None:
            assert _has_number(section, rule.alpha_beta), f"{set_name}:{rule.id}: α/β"
        assert rule.status in row, f"{set_name}:{rule.id}: status {rule.status} not in {row}"
        if rule.scope is not None:
            for bounds in (rule.scope.fractions, rule.scope.dose_per_fraction):
                for value in (bounds.gt, bounds.ge, bounds.lt, bounds.le) if bounds else ():
                    if value is not None:
                        assert _has_number(row, value), f"{set_name}:{rule.id}: scope {value:g}"
            for organ in rule.scope.exclude:
                assert organ in row, f"{set_name}:{rule.id}: scope excludes {organ}"


@pytest.mark.parametrize("name", sorted(radcalc.SCHEDULE_PRESETS))
def test_every_schedule_preset_is_documented(name: str) -> None:
    row = _row(_sections(2)["Schedule presets"], name)
    schedule = radcalc.SCHEDULE_PRESETS[name].schedule
    assert _has_number(row, schedule.dose) and _has_number(row, schedule.fractions), row
    if schedule.interval_hours is not None:
        assert _has_number(row, schedule.interval_hours), row


@pytest.mark.parametrize("name", sorted(RECOVERY_PRESETS))
def test_every_recovery_preset_is_documented(name: str) -> None:
    row = _row(_sections(2)["Recovery presets"], name)
    for value in (
        *getattr(RECOVERY_PRESETS[name], "thresholds_months", ()),
        *getattr(RECOVERY_PRESETS[name], "fractions", ()),
    ):
        assert _has_number(row, value), f"{name}: {value:g} not in {row}"


@pytest.mark.parametrize("module_name", _module_names())
def test_every_numeric_constant_is_documented(module_name: str) -> None:
    module = importlib.import_module(f"radcalc.{module_name}")
    section = _sections(2)["Numbers in the code"]
    for name, value in vars(module).items():
        if not name.isupper() or name.startswith("_") or name in NOT_CLINICAL:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            continue
        assert f"| `{name}` " in section, (
            f"radcalc.{module_name}.{name} = {value!r} is not in docs/evidence.md"
        )
        assert _has_number(_row(section, name), float(value)), _row(section, name)


def test_month_days_is_documented_with_its_value() -> None:
    row = _row(_sections(2)["Numbers in the code"], "MONTH_DAYS")
    assert "30.4375" in row and "365.25/12" in row


def test_organ_table_is_documented() -> None:
    section = _sections(2)["Organ names"]
    for text in ("organs.toml", "tg263-organs.csv", "2017-08-15", "TG-263", "variants"):
        assert text in section, text
    rows = radcalc.organs.tg263_names()
    assert f"{len(rows)} rows" in section
