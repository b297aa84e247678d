"""Reading TOML files (plans, constraint sets) with errors that name the file and key.

Every problem is raised as the caller's error class (a subclass of
:class:`~radcalc.errors.InvalidInputError`) with a message of the form
``"<file>: <where> key '<key>': expected <what>, got <value>"``, so that a
user can find and fix the line without reading a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from radcalc._files import read_text
from radcalc._validate import Rule, _short, check_scalar
from radcalc.errors import InvalidInputError

__all__ = ["EARLIEST_DATE", "LATEST_DATE_AHEAD", "Table", "parse_toml_text", "read_toml_file"]

#: Dates before this day are refused as typing errors: X-rays were discovered on
#: 8 November 1895, so no radiotherapy course can be older (a software bound,
#: not a clinical number).
EARLIEST_DATE = dt.date(1895, 11, 8)
#: Dates more than this far after today are refused as typing errors (e.g. year
#: 2999): a plan may schedule a course ahead, but not beyond the coming year.
LATEST_DATE_AHEAD = dt.timedelta(days=366)


def read_toml_file(path: str | os.PathLike[str], error: type[InvalidInputError]) -> dict[str, Any]:
    """Read (a regular file, size-bounded) and parse a TOML file; errors name the file."""
    file = Path(path)
    text = read_text(file, error=error)
    return parse_toml_text(text, str(file), error)


def parse_toml_text(text: str, origin: str, error: type[InvalidInputError]) -> dict[str, Any]:
    """Parse TOML text; a syntax error or too deep nesting becomes ``error`` naming ``origin``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{origin}: not valid TOML: {exc}") from exc
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise error(
            f"{origin}: not a usable TOML file: arrays or tables are nested too deeply "
            "to read (hundreds of levels)"
        ) from None


class Table:
    """A TOML table being validated, remembering the file and where in it we are.

    Parameters
    ----------
    data : Mapping
        The parsed table.
    origin : str
        The file (or other origin) named in error messages.
    where : str
        Where the table is in the file, e.g. ``"[[course]] #2"``; ``""`` for
        the top level.
    error : type
        The error class to raise.
    """

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        origin: str,
        where: str,
        error: type[InvalidInputError],
    ) -> None:
        self.data = data
        self.origin = origin
        self.where = where
        self.error = error

    def _place(self, key: str | None) -> str:
        parts = [self.origin]
        if self.where and key is not None:
            parts.append(f"{self.where}, key '{key}'")
        elif self.where:
            parts.append(self.where)
        elif key is not None:
            parts.append(f"key '{key}'")
        return ": ".join(parts)

    def fail(self, key: str | None, message: str) -> NoReturn:
        """Raise the error class with the file, the place and ``message``."""
        raise self.error(f"{self._place(key)}: {message}")

    def expected(self, key: str, what: str, value: object) -> NoReturn:
        """Raise: ``key`` should have been ``what`` but was ``value``."""
        self.fail(key, f"expected {what}, got {_short(value)}")

    def has(self, key: str) -> bool:
        """True when ``key`` is present."""
        return key in self.data

    def check_keys(self, allowed: Iterable[str]) -> None:
        """Raise for any key not in ``allowed`` (a misspelt key must never be ignored)."""
        allowed_keys = list(allowed)
        for key in self.data:
            if key not in allowed_keys:
                self.fail(
                    key, "unknown key; expected one of " + ", ".join(repr(k) for k in allowed_keys)
                )

    def _get(self, key: str, required: bool, what: str) -> Any:
        if key not in self.data:
            if required:
                self.fail(key, f"missing; expected {what}")
            return None
        return self.data[key]

    def string(
        self, key: str, *, required: bool = True, choices: Iterable[str] | None = None
    ) -> str | None:
        """A non-empty string, optionally one of ``choices``."""
        options = list(choices) if choices is not None else None
        what = (
            "one of " + ", ".join(repr(c) for c in options)
            if options is not None
            else "a non-empty string"
        )
        value = self._get(key, required, what)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.expected(key, what, value)
        if options is not None and value not in options:
            self.expected(key, what, value)
        return value

    def required_string(self, key: str, *, choices: Iterable[str] | None = None) -> str:
        """Like :meth:`string` with ``required=True``, typed as ``str``."""
        value = self.string(key, required=True, choices=choices)
        if value is None:  # pragma: no cover - string() raises for a missing key
            self.fail(key, "missing")
        return value

    def number(
        self, key: str, *, rule: Rule = "finite", unit: str = "", required: bool = True
    ) -> float | None:
        """A finite number (int or float, not a boolean) obeying ``rule``."""
        unit_text = f" [{unit}]" if unit else ""
        what = f"a number{unit_text} ({'finite' if rule == 'finite' else 'finite, ' + rule})"
        value = self._get(key, required, what)
        if value is None:
            return None
        return self._number_value(key, key, value, rule, unit, what)

    def _number_value(
        self, key: str, name: str, value: object, rule: Rule, unit: str, what: str
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.expected(key, what, value)
        try:
            return check_scalar(name, value, rule, unit)
        except InvalidInputError as exc:
            self.fail(key, str(exc))

    def required_number(self, key: str, *, rule: Rule = "finite", unit: str = "") -> float:
        """Like :meth:`number` with ``required=True``, typed as ``float``."""
        value = self.number(key, rule=rule, unit=unit, required=True)
        if value is None:  # pragma: no cover - number() raises for a missing key
            self.fail(key, "missing")
        return value

    def integer(self, key: str, *, required: bool = True) -> int | None:
        """A whole number (not a boolean)."""
        value = self._get(key, required, "a whole number")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.expected(key, "a whole number", value)
        return value

    def boolean(self, key: str, *, required: bool = True) -> bool | None:
        """``true`` or ``false``."""
        value = self._get(key, required, "true or false")
        if value is None:
            return None
        if not isinstance(value, bool):
            self.expected(key, "true or false", value)
        return value

    def date(self, key: str, *, required: bool = True) -> dt.date | None:
        """A TOML local date such as ``2023-06-30`` (not a date-time, not a string).

        Dates before :data:`EARLIEST_DATE` or more than :data:`LATEST_DATE_AHEAD`
        after today are refused as typing errors.
        """
        what = "a date written as YYYY-MM-DD without quotes, e.g. 2023-06-30"
        value = self._get(key, required, what)
        if value is None:
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.expected(key, what, value)
        latest = dt.date.today() + LATEST_DATE_AHEAD
        if value > latest:
            self.fail(
                key,
                f"{value} is more than a year after today ({dt.date.today()}); radcalc accepts "
                f"dates up to {latest}: check the year",
            )
        if value < EARLIEST_DATE:
            self.fail(
                key,
                f"{value} is before X-rays were discovered ({EARLIEST_DATE}): check the year",
            )
        return value

    def number_list(
        self, key: str, *, rule: Rule = "finite", unit: str = "", required: bool = True
    ) -> tuple[float, ...] | None:
        """A non-empty array of numbers, each obeying ``rule``."""
        unit_text = f" [{unit}]" if unit else ""
        what = f"an array of numbers{unit_text}, e.g. [45.0, 20.0]"
        value = self._get(key, required, what)
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.expected(key, what, value)
        item_what = f"a number{unit_text} ({'finite' if rule == 'finite' else 'finite, ' + rule})"
        numbers = []
        for i, item in enumerate(value):
            label = f"{key}[{i}]"
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                self.fail(key, f"item {i} (counted from 0): expected {item_what}, got {item!r}")
            numbers.append(self._number_value(key, label, item, rule, unit, item_what))
        return tuple(numbers)

    def string_list(self, key: str, *, required: bool = True) -> tuple[str, ...] | None:
        """A non-empty array of non-empty strings."""
        what = 'an array of strings, e.g. ["a", "b"]'
        value = self._get(key, required, what)
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            self.expected(key, what, value)
        return tuple(value)

    def table(self, key: str, *, where: str, required: bool = True) -> Table | None:
        """A sub-table, e.g. ``[source]``."""
        value = self._get(key, required, "a table")
        if value is None:
            return None
        if not isinstance(value, dict):
            self.expected(key, "a table", value)
        return Table(value, origin=self.origin, where=where, error=self.error)

    def tables(self, key: str, *, label: str, required: bool = True) -> list[Table]:
        """An array of tables such as ``[[course]]``, numbered from 1 in messages."""
        what = f"one or more [[{label}]] tables"
        value = self._get(key, required, what)
        if value is None or (value == [] and not required):
            return []
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            self.expected(key, what, value)
        return [
            Table(v, origin=self.origin, where=f"[[{label}]] #{i}", error=self.error)
            for i, v in enumerate(value, start=1)
        ]
