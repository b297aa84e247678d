r"""Re-irradiation plans: the plan file (TOML) and the frozen dataclasses it becomes.

A plan lists the courses of radiotherapy (oldest first, newest last), the
organs whose physical maximum dose is known in each course, the constraint
sets to check it against and the recovery model to use::

    constraint_sets = ["li2024-npc-postop", "nieder2006-cord"]
    recovery = "none"               # or "step-cord-2021", or a recovery TOML file
    target_alpha_beta = 10          # optional: overrides radcalc's assumed target α/β

    [[course]]                      # earlier courses first, newest last
    schedule = "70/35"
    ended = 2023-06-30              # or: interval_to_next = "24m"

    [[course]]
    schedule = "65/54 bid"
    starts = 2025-07-01
    intent = "postoperative"        # which target rules apply
    margin = "close"                # Li 2024: > 1 and < 3 mm; or margin_mm = 2.0

    [[organ]]
    name = "spinal cord"
    alpha_beta = 2
    max_dose = [45.0, 20.0]         # physical Dmax in each course [Gy]
    recovery = "step-cord-2021"     # optional: this organ's recovery model
    repair_half_time_h = 4          # optional: incomplete repair in twice-daily courses [h]

Keys
----
Top level: ``constraint_sets`` (shipped names or paths of constraint files,
relative to the plan file), ``recovery`` (default ``"none"``; anything
:func:`radcalc.recovery.resolve_recovery` accepts, a file path relative to the
plan file), ``target_alpha_beta`` [Gy] (replaces the α/β of target rules whose
α/β is radcalc's assumption, not the source's), ``title``, ``[[course]]``
(one or more) and ``[[organ]]`` (optional).

``[[course]]``: ``schedule`` (required; total dose/fractions, e.g.
``"65/54 bid"``, see :func:`radcalc.parse_schedule`), ``starts`` and
``ended`` (dates), ``interval_to_next`` (``"24m"``, ``"540d"``, ``"1.5y"`` or
a number of months), ``intent`` (one of
:data:`radcalc.constraints.INTENTS`), ``margin`` (one of
:data:`radcalc.constraints.MARGIN_CATEGORIES`, the Li 2024 categories) and/or
``margin_mm`` (distance of tumour from the resection margin, 0 = tumour cells
on the margin) [mm], read as its category by
:func:`radcalc.constraints.margin_category`; both together must agree,
``label``. Between two consecutive courses give either ``interval_to_next``
on the earlier one, or ``ended`` on the earlier and ``starts`` on the later
one; days become months with :data:`radcalc.recovery.MONTH_DAYS`.

``[[organ]]``: ``name`` (matched to the rules' ``applies_to`` ignoring case,
``_`` and ``-``), ``max_dose`` (the physical maximum dose to the organ in each
course, one number per course, oldest first) [Gy], and optionally
``alpha_beta`` [Gy], ``recovery`` (this organ's recovery model, replacing the
top-level one), ``repair_half_time_h`` (the organ's repair half-time [h]:
incomplete repair between same-day fractions of a course such as
``"65/54 bid 6h"``; without it repair is complete and the report says so) and
``recovery_any_organ``.

A shipped recovery model carries the organs its source is about
(``"step-cord-2021"``: spinal cord): used for another organ, the plan is
refused unless ``recovery_any_organ = true`` (on that ``[[organ]]`` or at the
top level, for every organ), and the report then says so.

Every error (unknown key, missing field, wrong type, NaN or infinite number,
unknown constraint set) is a :class:`~radcalc.errors.PlanFileError` naming the
file, the key and what was expected.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radcalc._files import read_bytes
from radcalc._toml import Table, read_toml_file
from radcalc.constraints import (
    INTENTS,
    MARGIN_CATEGORIES,
    list_constraint_sets,
    margin_category,
    margin_text,
    normalize_name,
)
from radcalc.errors import InvalidInputError, PlanFileError
from radcalc.recovery import MONTH_DAYS, RecoveryModel, parse_interval, resolve_recovery
from radcalc.schedules import Schedule, parse_schedule

__all__ = ["Plan", "PlanCourse", "PlanOrgan", "load_plan", "parse_plan"]

RecoverySpec = RecoveryModel | str | os.PathLike[str]

_POSITIVE_IS_AMBIGUOUS = (
    "'positive' is ambiguous: the Li 2024 panel did not agree whether a margin <= 1 mm "
    "that does not reach the ink is positive or close (Table 1, 3); give margin = "
    "'on-margin' (tumour cells on the margin), 'under-1mm', 'close' (> 1 and < 3 mm) "
    "or 'clear', or give margin_mm"
)


def _margin_mismatch(margin_mm: float, category: str, margin: str) -> str:
    return (
        f"margin_mm {margin_mm:g} mm is {category!r} ({margin_text(category)}), not "
        f"{margin!r} ({margin_text(margin)}) in the Li 2024 categories; margin and "
        "margin_mm must agree: give one of them, or correct the other"
    )


def _finite(name: str, value: float, rule: str) -> None:
    ok = math.isfinite(value) and (value >= 0 if rule == ">= 0" else value > 0)
    if not ok:
        raise InvalidInputError(f"{name} must be finite and {rule}, got {value!r}")


@dataclass(frozen=True)
class PlanCourse:
    """One course of radiotherapy in a plan.

    Parameters
    ----------
    schedule : Schedule
        The prescription: total dose [Gy] and number of fractions.
    starts, ended : datetime.date, optional
        First and last treatment day.
    interval_to_next_months : float, optional
        Time from the end of this course to the start of the next one. [months]
    intent : str, optional
        One of :data:`radcalc.constraints.INTENTS`; target rules read the
        newest course's intent.
    margin : str, optional
        Resection margin category, one of
        :data:`radcalc.constraints.MARGIN_CATEGORIES`; set from ``margin_mm``
        when only that is given.
    margin_mm : float, optional
        Distance of tumour from the resection margin, 0 = on the margin; it
        must be in the category ``margin`` when both are given. [mm]
    label : str, optional
        Free text shown on reports.

    Examples
    --------
    >>> c = PlanCourse(parse_schedule("65/54 bid"), intent="postoperative", margin_mm=0.8)
    >>> c.margin_mm, c.margin
    (0.8, 'under-1mm')
    """

    schedule: Schedule
    starts: dt.date | None = None
    ended: dt.date | None = None
    interval_to_next_months: float | None = None
    intent: str | None = None
    margin: str | None = None
    margin_mm: float | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.schedule, Schedule):
            raise InvalidInputError(f"schedule must be a Schedule, got {self.schedule!r}")
        if self.intent is not None and self.intent not in INTENTS:
            raise InvalidInputError(
                f"intent must be one of {', '.join(INTENTS)}, got {self.intent!r}"
            )
        if self.margin is not None and self.margin not in MARGIN_CATEGORIES:
            if self.margin == "positive":
                raise InvalidInputError(f"margin {_POSITIVE_IS_AMBIGUOUS}")
            raise InvalidInputError(
                f"margin must be one of {', '.join(MARGIN_CATEGORIES)}, got {self.margin!r}"
            )
        if self.margin_mm is not None:
            _finite("margin_mm [mm]", self.margin_mm, ">= 0")
            category = margin_category(self.margin_mm)
            if self.margin is None:
                object.__setattr__(self, "margin", category)
            elif self.margin != category:
                raise InvalidInputError(_margin_mismatch(self.margin_mm, category, self.margin))
        if self.interval_to_next_months is not None:
            _finite("interval_to_next [months]", self.interval_to_next_months, ">= 0")
        if self.starts is not None and self.ended is not None and self.ended < self.starts:
            raise InvalidInputError(
                f"ended ({self.ended}) must not be before starts ({self.starts})"
            )


@dataclass(frozen=True)
class PlanOrgan:
    """An organ (or dose point) and its physical maximum dose in each course.

    Parameters
    ----------
    name : str
        E.g. ``"spinal cord"``; matched to rules ignoring case, ``_`` and ``-``.
    max_dose : tuple of float
        Physical maximum dose to the organ in each course, oldest first, one
        per course of the plan (0 if the course did not reach it). [Gy]
    alpha_beta : float, optional
        The organ's α/β; used only by rules whose α/β is an assumption rather
        than the source's. [Gy]
    recovery : RecoveryModel, str or path-like, optional
        This organ's recovery model; default the plan's.
    repair_half_time_hours : float, optional
        The organ's repair half-time: incomplete repair between same-day
        fractions (Thames 1985). Default: complete repair. [h]
    recovery_any_organ : bool, optional
        Allow a shipped recovery model made for another organ.

    Examples
    --------
    >>> PlanOrgan("spinal cord", (45.0, 20.0), alpha_beta=2).max_dose
    (45.0, 20.0)
    """

    name: str
    max_dose: tuple[float, ...]
    alpha_beta: float | None = None
    recovery: RecoverySpec | None = None
    repair_half_time_hours: float | None = None
    recovery_any_organ: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInputError(f"organ name must be a non-empty string, got {self.name!r}")
        doses = tuple(self.max_dose)
        if not doses:
            raise InvalidInputError(f"max_dose of organ {self.name!r} must not be empty")
        for i, dose in enumerate(doses):
            if isinstance(dose, bool) or not isinstance(dose, (int, float)):
                raise InvalidInputError(
                    f"max_dose[{i}] of organ {self.name!r} must be a number, got {dose!r}"
                )
            _finite(f"max_dose[{i}] of organ {self.name!r} [Gy]", float(dose), ">= 0")
        object.__setattr__(self, "max_dose", tuple(float(d) for d in doses))
        if self.alpha_beta is not None:
            _finite(f"alpha_beta of organ {self.name!r} [Gy]", self.alpha_beta, "> 0")
        if self.repair_half_time_hours is not None:
            _finite(
                f"repair_half_time_hours of organ {self.name!r} [h]",
                self.repair_half_time_hours,
                "> 0",
            )


@dataclass(frozen=True)
class Plan:
    """A re-irradiation plan: courses (oldest first), organs, constraint sets, recovery.

    Build one with :func:`load_plan` (a TOML file) or :func:`parse_plan` (a
    mapping), or directly.

    Parameters
    ----------
    courses : tuple of PlanCourse
        Oldest first, newest last; at least one.
    intervals_months : tuple of float
        ``len(courses) - 1`` intervals; element ``i`` is the time from the end
        of course ``i`` to the start of course ``i + 1``. [months]
    organs : tuple of PlanOrgan
        Each with one ``max_dose`` per course.
    constraint_sets : tuple of str
        Shipped set names or constraint file paths.
    recovery : RecoveryModel, str or path-like
        Anything :func:`radcalc.recovery.resolve_recovery` accepts; default
        ``"none"``.
    target_alpha_beta : float, optional
        Replaces the α/β of target rules whose α/β is radcalc's assumption. [Gy]
    recovery_any_organ : bool, optional
        Allow ``recovery`` for every organ even when it was shipped for another
        organ (the report says so).
    title : str, optional
    origin : str
        The file the plan came from (named in messages).
    folder : pathlib.Path, optional
        Folder that relative paths in the plan are resolved against.

    Examples
    --------
    >>> plan = Plan((PlanCourse(parse_schedule("70/35")), PlanCourse(parse_schedule("65/54 bid"))),
    ...             intervals_months=(24.0,))
    >>> plan.newest.schedule.dose, plan.interval_since_previous
    (65.0, 24.0)
    """

    courses: tuple[PlanCourse, ...]
    intervals_months: tuple[float, ...] = ()
    organs: tuple[PlanOrgan, ...] = ()
    constraint_sets: tuple[str, ...] = ()
    recovery: RecoverySpec = "none"
    target_alpha_beta: float | None = None
    title: str | None = None
    recovery_any_organ: bool = False
    origin: str = "<plan>"
    folder: Path | None = None

    def __post_init__(self) -> None:
        courses = tuple(self.courses)
        if not courses or not all(isinstance(c, PlanCourse) for c in courses):
            raise InvalidInputError(
                f"courses must be one or more PlanCourse objects, got {courses!r}"
            )
        object.__setattr__(self, "courses", courses)
        intervals = tuple(float(t) for t in self.intervals_months)
        if len(intervals) != len(courses) - 1:
            raise InvalidInputError(
                f"intervals_months must have {len(courses) - 1} entries (one between each "
                f"pair of consecutive courses), got {len(intervals)}"
            )
        for i, t in enumerate(intervals):
            _finite(f"intervals_months[{i}] [months]", t, ">= 0")
        object.__setattr__(self, "intervals_months", intervals)
        organs = tuple(self.organs)
        seen: set[str] = set()
        for organ in organs:
            if not isinstance(organ, PlanOrgan):
                raise InvalidInputError(f"organs must be PlanOrgan objects, got {organ!r}")
            if len(organ.max_dose) != len(courses):
                raise InvalidInputError(
                    f"max_dose of organ {organ.name!r} must have {len(courses)} numbers "
                    f"(one per course, oldest first), got {len(organ.max_dose)}"
                )
            key = normalize_name(organ.name)
            if key in seen:
                raise InvalidInputError(f"organ {organ.name!r} is listed twice")
            seen.add(key)
        object.__setattr__(self, "organs", organs)
        object.__setattr__(self, "constraint_sets", tuple(self.constraint_sets))
        if self.target_alpha_beta is not None:
            _finite("target_alpha_beta [Gy]", self.target_alpha_beta, "> 0")

    def organ_recovery(self, organ: PlanOrgan) -> tuple[RecoverySpec, bool]:
        """The recovery spec of ``organ`` (its own, else the plan's) and whether any organ
        is allowed."""
        spec = self.recovery if organ.recovery is None else organ.recovery
        return spec, bool(self.recovery_any_organ or organ.recovery_any_organ)

    @property
    def newest(self) -> PlanCourse:
        """The newest course (the one being planned)."""
        return self.courses[-1]

    @property
    def interval_since_previous(self) -> float | None:
        """Months from the end of the previous course to the start of the newest.

        None for a plan of one course.
        """
        return self.intervals_months[-1] if self.intervals_months else None


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """Read and validate a plan file (TOML).

    Parameters
    ----------
    path : str or path-like
        The plan file; relative paths inside it are resolved against its folder.

    Returns
    -------
    Plan

    Raises
    ------
    PlanFileError
        When the file cannot be read, is not TOML, or breaks the plan schema;
        the message names the file, the key and what was expected.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "plan.toml"
    >>> _ = file.write_text('[[course]]\\nschedule = "60/30"\\nintent = "salvage"\\n')
    >>> load_plan(file).newest.schedule.fractions
    30
    """
    file = Path(path)
    data = read_toml_file(file, PlanFileError)
    return parse_plan(data, origin=str(file), folder=file.parent)


_TOP_KEYS = (
    "title",
    "constraint_sets",
    "recovery",
    "recovery_any_organ",
    "target_alpha_beta",
    "course",
    "organ",
)
_COURSE_KEYS = (
    "label",
    "schedule",
    "starts",
    "ended",
    "interval_to_next",
    "intent",
    "margin",
    "margin_mm",
)
_ORGAN_KEYS = (
    "name",
    "alpha_beta",
    "max_dose",
    "recovery",
    "repair_half_time_h",
    "recovery_any_organ",
)


def parse_plan(
    data: Mapping[str, Any],
    *,
    origin: str = "<plan>",
    folder: str | os.PathLike[str] | None = None,
) -> Plan:
    """Validate a parsed plan (a mapping with the plan-file keys) into a :class:`Plan`.

    Parameters
    ----------
    data : Mapping
        The plan as parsed TOML, or a dict written in Python.
    origin : str
        Named in error messages.
    folder : path-like, optional
        Folder that relative paths (constraint files, recovery file) are
        resolved against; default the current directory.

    Returns
    -------
    Plan

    Raises
    ------
    PlanFileError
        For any unknown, missing or invalid key.

    Examples
    --------
    >>> plan = parse_plan({
    ...     "constraint_sets": ["li2024-npc-postop"],
    ...     "course": [{"schedule": "70/35", "interval_to_next": "24m"},
    ...                {"schedule": "65/54 bid", "intent": "postoperative"}],
    ... })
    >>> plan.intervals_months
    (24.0,)
    >>> parse_plan({"course": [{"schedule": "70/35", "dose": 70}]}, origin="p.toml")
    Traceback (most recent call last):
    ...
    radcalc.errors.PlanFileError: p.toml: [[course]] #1, key 'dose': unknown key; ...
    """
    top = Table(data, origin=origin, where="", error=PlanFileError)
    top.check_keys(_TOP_KEYS)
    sets = top.string_list("constraint_sets", required=False) or ()
    shipped = list_constraint_sets()
    for name in sets:
        if name not in shipped and not (name.lower().endswith(".toml") or "/" in name):
            top.fail(
                "constraint_sets",
                f"unknown constraint set {name!r}; expected one of {', '.join(shipped)} "
                "or the path of a .toml constraint file",
            )
    base = Path(folder) if folder is not None else None
    recovery = _parse_recovery(top, base)
    any_organ = bool(top.boolean("recovery_any_organ", required=False))
    target_ab = top.number("target_alpha_beta", rule="> 0", unit="Gy", required=False)
    course_tables = top.tables("course", label="course")
    courses = [_parse_course(t) for t in course_tables]
    intervals = _intervals(course_tables, courses)
    organs = [
        _parse_organ(t, len(courses), base, recovery, any_organ)
        for t in top.tables("organ", label="organ", required=False)
    ]
    seen: dict[str, int] = {}
    for i, organ in enumerate(organs, start=1):
        key = normalize_name(organ.name)
        if key in seen:
            top.fail(
                "organ",
                f"[[organ]] #{i} repeats the name of [[organ]] #{seen[key]}: {organ.name!r}",
            )
        seen[key] = i
    try:
        return Plan(
            courses=tuple(courses),
            intervals_months=tuple(intervals),
            organs=tuple(organs),
            constraint_sets=tuple(sets),
            recovery=recovery,
            target_alpha_beta=target_ab,
            title=top.string("title", required=False),
            recovery_any_organ=any_organ,
            origin=origin,
            folder=base,
        )
    except InvalidInputError as exc:  # pragma: no cover - the checks above come first
        top.fail(None, str(exc))


def _parse_recovery(top: Table, base: Path | None) -> RecoverySpec:
    spec = top.string("recovery", required=False)
    if spec is None:
        return "none"
    return _recovery_spec(top, spec, base)


def _recovery_spec(top: Table, spec: str, base: Path | None) -> RecoverySpec:
    text = spec.strip()
    looks_like_file = text.lower().endswith(".toml") or "/" in text or os.sep in text
    if looks_like_file:
        path = Path(text)
        if base is not None and not path.is_absolute():
            path = base / path
        if not path.exists():
            top.fail("recovery", f"recovery file {str(path)!r} not found")
        if not path.is_file():  # say why: a folder, a FIFO, a device
            try:
                read_bytes(path, error=PlanFileError)
            except PlanFileError as exc:
                top.fail("recovery", f"recovery file {exc}")
        return path
    try:
        resolve_recovery(text)
    except InvalidInputError as exc:
        top.fail("recovery", str(exc))
    return text


def _parse_course(table: Table) -> PlanCourse:
    table.check_keys(_COURSE_KEYS)
    text = table.data.get("schedule")
    if not isinstance(text, str) or not text.strip():
        table.fail(
            "schedule",
            ("missing" if text is None else f"got {text!r}")
            + "; expected a schedule string of total dose/fractions, e.g. '70/35' or '65/54 bid'",
        )
    try:
        schedule = parse_schedule(text)
    except InvalidInputError as exc:
        table.fail("schedule", str(exc))
    interval = table.data.get("interval_to_next")
    months = None
    if interval is not None:
        if isinstance(interval, bool) or not isinstance(interval, (str, int, float)):
            table.expected(
                "interval_to_next",
                "a string such as '24m', '540d', '1.5y' or a number of months",
                interval,
            )
        try:
            months = parse_interval(interval)
        except InvalidInputError as exc:
            table.fail("interval_to_next", str(exc))
    margin_value = table.data.get("margin")
    if margin_value == "positive":
        table.fail("margin", _POSITIVE_IS_AMBIGUOUS)
    margin = table.string("margin", required=False, choices=MARGIN_CATEGORIES)
    margin_mm = table.number("margin_mm", rule=">= 0", unit="mm", required=False)
    if margin_mm is not None:
        try:
            category = margin_category(margin_mm)
        except InvalidInputError as exc:
            table.fail("margin_mm", str(exc))
        if margin is not None and margin != category:
            table.fail("margin_mm", _margin_mismatch(margin_mm, category, margin))
    starts = table.date("starts", required=False)
    ended = table.date("ended", required=False)
    if starts is not None and ended is not None and ended < starts:
        table.fail("ended", f"ended {ended} is before starts {starts}")
    return PlanCourse(
        schedule=schedule,
        starts=starts,
        ended=ended,
        interval_to_next_months=months,
        intent=table.string("intent", required=False, choices=INTENTS),
        margin=margin,
        margin_mm=margin_mm,
        label=table.string("label", required=False),
    )


def _intervals(tables: list[Table], courses: list[PlanCourse]) -> list[float]:
    intervals = []
    for i in range(len(courses) - 1):
        earlier, later = courses[i], courses[i + 1]
        table = tables[i]
        dates = earlier.ended is not None and later.starts is not None
        if earlier.interval_to_next_months is not None and dates:
            table.fail(
                "interval_to_next",
                f"give either interval_to_next here or the dates (ended here and starts on "
                f"[[course]] #{i + 2}), not both",
            )
        if earlier.interval_to_next_months is not None:
            intervals.append(earlier.interval_to_next_months)
        elif earlier.ended is not None and later.starts is not None:
            days = (later.starts - earlier.ended).days
            if days < 0:
                tables[i + 1].fail(
                    "starts",
                    f"starts {later.starts} is before [[course]] #{i + 1} ended {earlier.ended}; "
                    "courses must be listed oldest first",
                )
            intervals.append(days / MONTH_DAYS)
        else:
            table.fail(
                "interval_to_next",
                "missing: the interval to the next course is unknown; expected "
                f'interval_to_next = "24m" here, or ended = YYYY-MM-DD here with '
                f"starts = YYYY-MM-DD on [[course]] #{i + 2}",
            )
    last = tables[-1]
    if courses[-1].interval_to_next_months is not None:
        last.fail("interval_to_next", "the newest (last) course has no next course")
    return intervals


def _parse_organ(
    table: Table, n_courses: int, base: Path | None, plan_recovery: RecoverySpec, any_organ: bool
) -> PlanOrgan:
    table.check_keys(_ORGAN_KEYS)
    name = table.required_string("name")
    table.where = f"{table.where} ({name!r})"
    doses = table.number_list("max_dose", rule=">= 0", unit="Gy")
    if doses is None:  # pragma: no cover - number_list raises for a missing key
        table.fail("max_dose", "missing")
    if len(doses) != n_courses:
        table.fail(
            "max_dose",
            f"expected {n_courses} numbers (the physical maximum dose in each [[course]], "
            f"oldest first), got {len(doses)}",
        )
    alpha_beta = table.number("alpha_beta", rule="> 0", unit="Gy", required=False)
    text = table.string("recovery", required=False)
    own = None if text is None else _recovery_spec(table, text, base)
    organ_any = bool(table.boolean("recovery_any_organ", required=False))
    try:
        resolve_recovery(
            plan_recovery if own is None else own,
            organ=name.strip(),
            any_organ=any_organ or organ_any,
        )
    except InvalidInputError as exc:
        key = "recovery" if own is not None else None
        where = "" if own is not None else "the top-level recovery: "
        table.fail(key, f"{where}{exc}; or give this [[organ]] its own recovery")
    return PlanOrgan(
        name=name.strip(),
        max_dose=doses,
        alpha_beta=alpha_beta,
        recovery=own,
        repair_half_time_hours=table.number(
            "repair_half_time_h", rule="> 0", unit="h", required=False
        ),
        recovery_any_organ=organ_any,
    )
