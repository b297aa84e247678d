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

A course may instead name its DICOM files (or a DVH export); the organ's dose
in that course then comes from the structure's DVH::

    [[course]]
    schedule = "30/10"
    rtdose = "course2/RD.dcm"       # relative to the plan file's folder
    rtstruct = "course2/RS.dcm"

    [[organ]]
    name = "spinal cord"            # matched to the ROI names (TG-263), or:
    structure = "SpinalCord"        # the ROI name as in the files
    metric = "D0.03cc"              # the DVH metric that stands for the max dose
    alpha_beta = 2
    max_dose = [45.0, "file"]       # typed in for course 1; course 2 from its files

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

Courses with files
------------------
``[[course]]`` may name ``rtdose`` and ``rtstruct`` (an RT Dose and an RT
Structure Set, both together) or ``dvh_export`` (a DVH export of a planning
system, read by :func:`radcalc.dosevolume.exports.read_dvh_export`); paths are
relative to the plan file's folder. For such a course each organ's dose is the
``metric`` (default ``"Dmax"``; ``"D0.03cc"``, ``"D2cc"``, ``"D1%"``, ``"Dmin"``
... a dose at a volume: every conversion to EQD2/BED is monotonic in dose, so the
EQD2 of the metric is the metric of the EQD2 DVH) of the physical-dose DVH of the
ROI named ``structure``; without ``structure`` the organ name is matched to the
file's ROI names, exactly (ignoring case, spaces, ``_``, ``-``) or as the same
TG-263 organ, side and kind (:func:`radcalc.organs.match_organ`; a PRV, partial or
``z`` structure is never taken for the organ). No match or several matches is a
:class:`~radcalc.errors.PlanFileError` listing the ROI names. ``Dmean`` and
volume metrics are refused: the EQD2 of a mean dose is not the mean EQD2.

Typed-in doses are read as the organ's ``metric`` too (default ``"Dmax"``), so
a rule stated on another metric is not evaluated for a typed-in course.
``max_dose`` may be omitted when every course has files; otherwise it has one
entry per course, a number for a course without files and the string
``"file"`` for a course with files (a number there would contradict the files).
Files are read by :func:`resolve_doses` (which :func:`radcalc.check.check_plan`
calls), never by :func:`load_plan`, so pydicom is imported only when a plan with
DICOM courses is checked.

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

__all__ = ["Plan", "PlanCourse", "PlanOrgan", "load_plan", "parse_plan", "resolve_doses"]

#: The entry of ``max_dose`` that stands for "from this course's files".
FROM_FILES = "file"

_METRIC_KINDS = ("Dmax", "Dmin", "D")

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


def max_dose_metric(text: object, *, where: str = "metric") -> str:
    """The canonical spelling of a DVH metric that can stand for an organ's max dose.

    Only dose metrics whose EQD2/BED is the metric of the EQD2/BED DVH are
    allowed: ``Dmax``, ``Dmin`` and doses at a volume (``D0.03cc``, ``D2cc``,
    ``D1%``); the LQ conversion is monotonic in dose, so it commutes with them.
    ``Dmean`` (the EQD2 of a mean dose is not the mean EQD2) and volume metrics
    (``V20Gy``) are refused.

    Examples
    --------
    >>> max_dose_metric("d0.03 cc")
    'D0.03cc'
    >>> max_dose_metric("Dmean")
    Traceback (most recent call last):
    ...
    radcalc.errors.InvalidInputError: metric 'Dmean': ...
    """
    from radcalc.dosevolume.metrics import parse_metric

    if not isinstance(text, str):
        raise InvalidInputError(f"{where} must be a DVH metric such as 'D0.03cc', got {text!r}")
    metric = parse_metric(text)
    if metric.kind not in _METRIC_KINDS:
        why = (
            "the EQD2 of a mean dose is not the mean EQD2 of the voxels"
            if metric.kind == "Dmean"
            else "a volume is not a dose"
        )
        raise InvalidInputError(
            f"{where} {text!r}: only Dmax, Dmin or a dose at a volume (D0.03cc, D2cc, D1%) "
            f"can stand for an organ's dose in an EQD2/BED sum ({why})"
        )
    return metric.text


def _as_path(value: object, name: str) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise InvalidInputError(f"{name} must be a file path, got {value!r}")
    return Path(value)


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
    rtdose, rtstruct : pathlib.Path, optional
        The course's DICOM RT Dose and RT Structure Set (both or neither);
        organ doses then come from the structures' DVHs (:func:`resolve_doses`).
    dvh_export : pathlib.Path, optional
        A DVH export of the course (instead of ``rtdose``/``rtstruct``).

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
    rtdose: Path | None = None
    rtstruct: Path | None = None
    dvh_export: Path | None = None

    def __post_init__(self) -> None:
        for key in ("rtdose", "rtstruct", "dvh_export"):
            object.__setattr__(self, key, _as_path(getattr(self, key), key))
        if (self.rtdose is None) != (self.rtstruct is None):
            raise InvalidInputError(
                "rtdose and rtstruct go together (the dose grid and the structures on it), "
                f"got rtdose={self.rtdose!s} and rtstruct={self.rtstruct!s}"
            )
        if self.dvh_export is not None and self.rtdose is not None:
            raise InvalidInputError(
                "give either rtdose and rtstruct or dvh_export for a course, not both"
            )
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

    @property
    def has_files(self) -> bool:
        """True when organ doses of this course come from files (DICOM or a DVH export)."""
        return self.rtdose is not None or self.dvh_export is not None

    def files_text(self) -> str:
        """The course's files, e.g. ``'RD.dcm + RS.dcm'``; ``''`` without files."""
        if self.dvh_export is not None:
            return str(self.dvh_export)
        if self.rtdose is not None:
            return f"{self.rtdose} + {self.rtstruct}"
        return ""


@dataclass(frozen=True)
class PlanOrgan:
    """An organ (or dose point) and its physical maximum dose in each course.

    Parameters
    ----------
    name : str
        E.g. ``"spinal cord"``; matched to rules ignoring case, ``_`` and ``-``.
    max_dose : tuple of float or None
        Physical maximum dose to the organ in each course, oldest first, one
        per course of the plan (0 if the course did not reach it); None for a
        course whose dose comes from its files (filled by
        :func:`resolve_doses`). [Gy]
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
    structure : str, optional
        The ROI name in the courses' files; default: the organ name matched to
        the ROI names (see the module docstring).
    metric : str, optional
        The DVH metric that stands for the organ's max dose (``"D0.03cc"``);
        None means ``"Dmax"``. See :func:`max_dose_metric`.
    dose_sources : tuple of str
        Set by :func:`resolve_doses`: where each course's dose came from (the
        metric, ROI and files, or "typed in"); empty before.
    metric_doses : tuple of (str, tuple of float or None)
        Set by :func:`resolve_doses`: other metrics (asked for by constraint
        rules) per course; None where a course gives only the typed-in metric.

    Examples
    --------
    >>> PlanOrgan("spinal cord", (45.0, 20.0), alpha_beta=2).max_dose
    (45.0, 20.0)
    >>> PlanOrgan("spinal cord", (45.0, None), metric="d0.03cc").metric
    'D0.03cc'
    """

    name: str
    max_dose: tuple[float | None, ...]
    alpha_beta: float | None = None
    recovery: RecoverySpec | None = None
    repair_half_time_hours: float | None = None
    recovery_any_organ: bool = False
    structure: str | None = None
    metric: str | None = None
    dose_sources: tuple[str, ...] = ()
    metric_doses: tuple[tuple[str, tuple[float | None, ...]], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInputError(f"organ name must be a non-empty string, got {self.name!r}")
        doses = tuple(self.max_dose)
        if not doses:
            raise InvalidInputError(f"max_dose of organ {self.name!r} must not be empty")
        for i, dose in enumerate(doses):
            if dose is None:
                continue
            if isinstance(dose, bool) or not isinstance(dose, (int, float)):
                raise InvalidInputError(
                    f"max_dose[{i}] of organ {self.name!r} must be a number, got {dose!r}"
                )
            _finite(f"max_dose[{i}] of organ {self.name!r} [Gy]", float(dose), ">= 0")
        object.__setattr__(self, "max_dose", tuple(None if d is None else float(d) for d in doses))
        if self.metric is not None:
            object.__setattr__(
                self,
                "metric",
                max_dose_metric(self.metric, where=f"metric of organ {self.name!r}"),
            )
        if self.structure is not None and (
            not isinstance(self.structure, str) or not self.structure.strip()
        ):
            raise InvalidInputError(
                f"structure of organ {self.name!r} must be a ROI name, got {self.structure!r}"
            )
        if self.alpha_beta is not None:
            _finite(f"alpha_beta of organ {self.name!r} [Gy]", self.alpha_beta, "> 0")
        if self.repair_half_time_hours is not None:
            _finite(
                f"repair_half_time_hours of organ {self.name!r} [h]",
                self.repair_half_time_hours,
                "> 0",
            )

    @property
    def metric_text(self) -> str:
        """The metric that stands for the max dose: ``metric``, or ``"Dmax"``."""
        return self.metric or "Dmax"

    @property
    def resolved(self) -> bool:
        """True when every course has a number (no dose left to read from files)."""
        return all(d is not None for d in self.max_dose)

    def doses_for(self, metric: str | None) -> tuple[float | None, ...] | None:
        """Each course's dose for ``metric`` (None: the organ's own metric).

        None when the metric was not computed (see :func:`resolve_doses`); a
        course entry is None when that course gives only another metric.
        """
        if metric is None or metric == self.metric_text:
            return self.max_dose
        return dict(self.metric_doses).get(metric)

    def sources_text(self) -> str:
        """Where each course's dose came from, e.g. ``'#1 Dmax 45 Gy typed in; #2 ...'``."""
        return "; ".join(f"#{i + 1} {text}" for i, text in enumerate(self.dose_sources))


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
            for i, dose in enumerate(organ.max_dose):
                if dose is None and not courses[i].has_files:
                    raise InvalidInputError(
                        f"max_dose[{i}] of organ {organ.name!r} is missing, but course "
                        f"#{i + 1} names no rtdose/rtstruct or dvh_export to read it from"
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
    def has_files(self) -> bool:
        """True when a course names files (organ doses to read with :func:`resolve_doses`)."""
        return any(course.has_files for course in self.courses)

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
    "rtdose",
    "rtstruct",
    "dvh_export",
)
_ORGAN_KEYS = (
    "name",
    "alpha_beta",
    "max_dose",
    "recovery",
    "repair_half_time_h",
    "recovery_any_organ",
    "structure",
    "metric",
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
    courses = [_parse_course(t, base) for t in course_tables]
    intervals = _intervals(course_tables, courses)
    organs = [
        _parse_organ(t, courses, base, recovery, any_organ)
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


def _file(table: Table, key: str, base: Path | None) -> Path | None:
    text = table.string(key, required=False)
    if text is None:
        return None
    if not text.strip():
        table.fail(key, "expected the path of a file, got an empty string")
    path = Path(text.strip())
    if base is not None and not path.is_absolute():
        path = base / path
    if not path.exists():
        table.fail(key, f"file {str(path)!r} not found (paths are relative to the plan's folder)")
    return path


def _parse_course(table: Table, base: Path | None = None) -> PlanCourse:
    table.check_keys(_COURSE_KEYS)
    rtdose = _file(table, "rtdose", base)
    rtstruct = _file(table, "rtstruct", base)
    dvh_export = _file(table, "dvh_export", base)
    if (rtdose is None) != (rtstruct is None):
        table.fail(
            "rtstruct" if rtstruct is None else "rtdose",
            "missing: rtdose and rtstruct go together (the dose grid and the structures "
            "contoured on it)",
        )
    if dvh_export is not None and rtdose is not None:
        table.fail("dvh_export", "give either rtdose and rtstruct or dvh_export, not both")
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
        rtdose=rtdose,
        rtstruct=rtstruct,
        dvh_export=dvh_export,
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


def _organ_doses(table: Table, courses: list[PlanCourse]) -> tuple[float | None, ...]:
    """``max_dose``: a number per course without files, ``"file"`` per course with files."""
    n_courses = len(courses)
    with_files = [c.has_files for c in courses]
    if not table.has("max_dose"):
        if all(with_files):
            return (None,) * n_courses
        typed = ", ".join(f"#{i + 1}" for i, f in enumerate(with_files) if not f)
        table.fail(
            "max_dose",
            f"missing: course(s) {typed} name no rtdose/rtstruct or dvh_export, so their "
            "physical maximum dose must be typed in (one entry per [[course]], oldest first; "
            f'"{FROM_FILES}" for a course with files)',
        )
    raw = table.data.get("max_dose")
    if not any(with_files) or not isinstance(raw, list):
        doses = table.number_list("max_dose", rule=">= 0", unit="Gy")
        if doses is None:  # pragma: no cover - number_list raises for a missing key
            table.fail("max_dose", "missing")
        values: list[float | None] = list(doses)
    else:
        values = []
        for i, value in enumerate(raw):
            if value == FROM_FILES:
                values.append(None)
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                table.fail(
                    "max_dose",
                    f"entry {i + 1} must be a number [Gy] or {FROM_FILES!r}, got {value!r}",
                )
            if not (math.isfinite(value) and value >= 0):
                table.fail("max_dose", f"entry {i + 1} must be finite and >= 0 Gy, got {value!r}")
            values.append(float(value))
    if len(values) != n_courses:
        files_note = f'; "{FROM_FILES}" for a course with files' if any(with_files) else ""
        table.fail(
            "max_dose",
            f"expected {n_courses} numbers (the physical maximum dose in each [[course]], "
            f"oldest first{files_note}), got {len(values)}",
        )
    for i, (value, files) in enumerate(zip(values, with_files, strict=True)):
        if value is None and not files:
            table.fail(
                "max_dose",
                f'entry {i + 1} is "{FROM_FILES}" but [[course]] #{i + 1} names no rtdose/'
                "rtstruct or dvh_export; type in its physical maximum dose [Gy]",
            )
        if value is not None and files:
            table.fail(
                "max_dose",
                f"entry {i + 1} is a number ({value:g} Gy) but [[course]] #{i + 1} names "
                f'files that give this dose; write "{FROM_FILES}" there (or drop the files)',
            )
    return tuple(values)


def _parse_organ(
    table: Table,
    courses: list[PlanCourse],
    base: Path | None,
    plan_recovery: RecoverySpec,
    any_organ: bool,
) -> PlanOrgan:
    table.check_keys(_ORGAN_KEYS)
    name = table.required_string("name")
    table.where = f"{table.where} ({name!r})"
    doses = _organ_doses(table, courses)
    metric = table.string("metric", required=False)
    if metric is not None:
        try:
            metric = max_dose_metric(metric)
        except InvalidInputError as exc:
            table.fail("metric", str(exc))
    structure = table.string("structure", required=False)
    if structure is not None and not structure.strip():
        table.fail("structure", "expected a ROI name as in the files, got an empty string")
    if structure is not None and not any(c.has_files for c in courses):
        table.fail(
            "structure",
            "only for plans whose courses name files (rtdose/rtstruct or dvh_export)",
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
        structure=None if structure is None else structure.strip(),
        metric=metric,
    )


# --- doses from files -------------------------------------------------------------


class _CourseFiles:
    """One course's files, read once: ROI names and a physical-dose DVH per ROI."""

    def __init__(self, plan: Plan, index: int) -> None:
        self.plan = plan
        self.index = index
        self.course = plan.courses[index]
        self.key = "dvh_export" if self.course.dvh_export is not None else "rtdose"
        self._dvhs: dict[str, Any] = {}
        self._export: Any = None
        self._grid: Any = None
        self._structures: Any = None
        try:
            self._read()
        except PlanFileError:
            raise
        except InvalidInputError as exc:
            raise self.error(str(exc)) from None

    def error(self, message: str, key: str | None = None) -> PlanFileError:
        return PlanFileError(
            f"{self.plan.origin}: [[course]] #{self.index + 1}, key {key or self.key!r}: {message}"
        )

    def _read(self) -> None:
        course = self.course
        if course.dvh_export is not None:
            from radcalc.dosevolume.exports import read_dvh_export

            export = read_dvh_export(course.dvh_export)
            fractions = export.fractions
            if fractions is not None and fractions != course.schedule.fractions:
                raise self.error(
                    f"{course.dvh_export} is a plan of {fractions} fractions but the course's "
                    f"schedule is {course.schedule.describe()}; is it the right file?"
                )
            self._export = export
            return
        from radcalc.dicom.rtdose import read_rtdose
        from radcalc.dicom.rtstruct import read_rtstruct

        if course.rtdose is None or course.rtstruct is None:  # pragma: no cover - checked
            raise self.error("missing rtdose/rtstruct")
        grid = read_rtdose(course.rtdose)
        if grid.quantity != "physical":
            raise self.error(
                f"{course.rtdose} holds {grid.quantity}, not physical dose; give the course's "
                "physical RT Dose (the plan converts it with the course's fractions)"
            )
        try:
            structures = read_rtstruct(course.rtstruct)
        except InvalidInputError as exc:
            raise self.error(str(exc), "rtstruct") from None
        mine, theirs = grid.frame_of_reference_uid, structures.frame_of_reference_uid
        if mine and theirs and mine != theirs:
            raise self.error(
                f"{course.rtstruct} is in frame of reference {theirs} but {course.rtdose} is "
                f"in {mine}: the structures were not contoured on this dose grid",
                "rtstruct",
            )
        self._grid, self._structures = grid, structures

    @property
    def names(self) -> tuple[str, ...]:
        """The ROI names as in the files."""
        source = self._export if self._export is not None else self._structures
        return tuple(source.names)

    @property
    def where(self) -> str:
        """The files, named relative to the plan's folder when possible."""
        course = self.course
        if course.dvh_export is not None:
            return f"DVH export {_short(course.dvh_export, self.plan.folder)}"
        return (
            f"{_short(course.rtstruct, self.plan.folder)} on "
            f"{_short(course.rtdose, self.plan.folder)}"
        )

    def dvh(self, roi: str) -> Any:
        """The physical-dose DVH of one ROI (computed once)."""
        if roi not in self._dvhs:
            try:
                if self._export is not None:
                    self._dvhs[roi] = self._export[roi]
                else:
                    from radcalc.dosevolume.histogram import dvh

                    self._dvhs[roi] = dvh(self._grid, self._structures[roi])
            except InvalidInputError as exc:
                raise self.error(
                    f"ROI {roi!r}: {exc}", "rtstruct" if self._grid else None
                ) from None
        return self._dvhs[roi]


def _short(path: Path | None, folder: Path | None) -> str:
    if path is None:  # pragma: no cover - callers pass a path
        return ""
    if folder is not None:
        try:
            return str(path.relative_to(folder))
        except ValueError:
            pass
    return str(path)


def _same_kind(organ: Any, roi: Any) -> bool:
    """Same organ, side, PRV and kind (partial, qualified, not for evaluation)."""
    return bool(
        organ.same_structure(roi)
        and organ.partial == roi.partial
        and organ.qualifier == roi.qualifier
        and organ.not_for_evaluation == roi.not_for_evaluation
    )


def match_structure(
    organ_name: str, names: tuple[str, ...], *, structure: str | None = None
) -> str:
    """The ROI name (one of ``names``) that holds the organ ``organ_name``.

    With ``structure``: that ROI (exact name, else the one name equal to it
    ignoring case, spaces, ``_`` and ``-``). Without: the one ROI whose name
    equals the organ's (ignoring case, spaces, ``_`` and ``-``), else the one
    ROI that is the same TG-263 organ, side and kind of structure
    (:func:`radcalc.organs.match_organ`; a PRV, partial, qualified or ``z``
    structure is never taken for the organ).

    Raises
    ------
    InvalidInputError
        No match or several matches; the message lists the ROI names.

    Examples
    --------
    >>> match_structure("spinal cord", ("PTV", "SpinalCord", "SpinalCord_PRV05"))
    'SpinalCord'
    >>> match_structure("brainstem", ("BrainStem", "Brainstem_PRV"), structure="BrainStem")
    'BrainStem'
    """
    from radcalc.organs import match_organ

    listed = ", ".join(repr(n) for n in names) or "none"
    if structure is not None:
        if structure in names:
            return structure
        same = [n for n in names if normalize_name(n) == normalize_name(structure)]
        if len(same) == 1:
            return same[0]
        raise InvalidInputError(f"no ROI named {structure!r}; the ROI names are {listed}")
    same = [n for n in names if normalize_name(n) == normalize_name(organ_name)]
    if len(same) == 1:
        return same[0]
    if not same:
        organ = match_organ(organ_name)
        same = [n for n in names if n.strip() and _same_kind(organ, match_organ(n))]
        how = f"as {organ.label()} (TG-263 names and variants)"
    else:
        how = "by name"
    if len(same) == 1:
        return same[0]
    if not same:
        raise InvalidInputError(
            f"no ROI matches organ {organ_name!r} {how}; the ROI names are {listed}; "
            'give structure = "ROI name" on the [[organ]]'
        )
    raise InvalidInputError(
        f"several ROIs match organ {organ_name!r} {how}: "
        f'{", ".join(repr(n) for n in same)}; give structure = "ROI name" on the [[organ]]'
    )


def resolve_doses(plan: Plan, *, metrics: Any = ()) -> Plan:
    """Read the courses' files and return the plan with every organ's dose typed in.

    For each course that names files (``rtdose`` + ``rtstruct`` or
    ``dvh_export``), each organ's dose in that course becomes its ``metric``
    (default ``"Dmax"``) of the physical-dose DVH of its ROI (``structure``,
    or the organ name matched to the ROI names, see :func:`match_structure`).
    Typed-in doses are kept. Each file is read once; pydicom is imported only
    here, and only for DICOM courses.

    Parameters
    ----------
    plan : Plan
    metrics : iterable of str, optional
        Other metrics to compute for every organ (e.g. those constraint rules
        are stated on), kept in :attr:`PlanOrgan.metric_doses`; for a typed-in
        course they are None unless equal to the organ's metric.

    Returns
    -------
    Plan
        The same plan with ``max_dose`` a number for every course, and
        :attr:`PlanOrgan.dose_sources` saying where each number came from. A
        plan without files is returned unchanged.

    Raises
    ------
    PlanFileError
        A file that cannot be read (the message names the plan, course, key
        and file), a ROI that does not match (listing the ROI names), a typed-in
        dose for a course with files, or a DVH export without
        :mod:`radcalc.dosevolume.exports`.

    Examples
    --------
    >>> plan = parse_plan({"course": [{"schedule": "60/30"}],
    ...                    "organ": [{"name": "cord", "max_dose": [40.0]}]})
    >>> resolve_doses(plan) is plan
    True
    """
    if not plan.has_files:
        return plan
    import dataclasses

    try:
        wanted = tuple(dict.fromkeys(max_dose_metric(m) for m in metrics))
    except InvalidInputError as exc:
        raise PlanFileError(f"{plan.origin}: {exc}") from None
    files: dict[int, _CourseFiles] = {}
    organs = []
    for organ in plan.organs:
        own = organ.metric_text
        extra = tuple(m for m in wanted if m != own)
        doses: list[float | None] = []
        sources: list[str] = []
        others: dict[str, list[float | None]] = {m: [] for m in extra}
        for i, course in enumerate(plan.courses):
            typed = organ.max_dose[i]
            if not course.has_files:
                doses.append(typed)
                sources.append(f"{own} {typed:g} Gy typed in")
                for m in extra:
                    others[m].append(None)
                continue
            if typed is not None and not organ.dose_sources:
                raise PlanFileError(
                    f"{plan.origin}: organ {organ.name!r}: max_dose[{i}] is typed in "
                    f"({typed:g} Gy) but course #{i + 1} names files that give it; "
                    "leave it None (or drop the files)"
                )
            if i not in files:
                files[i] = _CourseFiles(plan, i)
            course_files = files[i]
            try:
                roi = match_structure(organ.name, course_files.names, structure=organ.structure)
            except InvalidInputError as exc:
                raise PlanFileError(
                    f"{plan.origin}: [[organ]] {organ.name!r}, [[course]] #{i + 1} "
                    f"({course.files_text()}): {exc}"
                ) from None
            histogram = course_files.dvh(roi)
            value = float(histogram.metric(own))
            doses.append(value)
            named = "" if roi == organ.name else f" of ROI {roi!r}"
            sources.append(f"{own} {value:.2f} Gy{named} from {course_files.where}")
            for m in extra:
                others[m].append(float(histogram.metric(m)))
        organs.append(
            dataclasses.replace(
                organ,
                max_dose=tuple(doses),
                dose_sources=tuple(sources),
                metric_doses=tuple((m, tuple(v)) for m, v in others.items()),
            )
        )
    return dataclasses.replace(plan, organs=tuple(organs))
