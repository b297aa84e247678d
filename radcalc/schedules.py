r"""Fractionation schedules: the ``Schedule`` dataclass, a parser and presets.

A schedule is always described by its **total** dose and its number of
fractions (``"65/54"`` is 65 Gy in 54 fractions, 1.204 Gy per fraction),
never by its dose per fraction, because mixing the two is the commonest error
in dose arithmetic.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from radcalc import lq, repair, repopulation
from radcalc._validate import check_scalar
from radcalc.errors import InvalidInputError, ScheduleParseError

__all__ = ["SCHEDULE_PRESETS", "Schedule", "SchedulePreset", "SchedulePresets", "parse_schedule"]


_REPOPULATION_OPTIONS = (
    "kickoff_days",
    "repopulation_bed_per_day",
    "alpha",
    "potential_doubling_days",
)
#: Keyword options of Schedule.bed/eqd2: the tissue's parameters.
_TISSUE_OPTIONS = ("repair_half_time_hours", *_REPOPULATION_OPTIONS, "model", "transition_dose")


@dataclass(frozen=True)
class Schedule:
    r"""A fractionated course of radiotherapy.

    Parameters
    ----------
    dose : float
        Total physical dose of the course, :math:`D = n d`. [Gy]
    fractions : int
        Number of fractions, a whole number :math:`\ge 1`.
    fractions_per_day : int, optional
        Fractions given on a treatment day (1 daily, 2 twice daily). Default 1.
    interval_hours : float, optional
        Time between fractions given on the same day; all fractions of a day
        must fit in it, (fractions_per_day - 1) x interval_hours < 24 h. [h]
    overall_days : float, optional
        Overall treatment time, first to last fraction, at least
        ``ceil(fractions / fractions_per_day) - 1`` (see
        :func:`radcalc.repopulation.minimum_overall_days`). [days]

    Raises
    ------
    InvalidInputError
        For a negative, NaN or infinite dose, fractions that are not a whole
        number :math:`\ge 1`, fractions per day that are not a whole number
        :math:`\ge 1` or exceed the number of fractions, a non-positive
        interval, an interval given for a once-daily schedule or too long for
        the fractions of a day to fit in one day, or an overall time that is
        negative or shorter than the fractions need.

    Notes
    -----
    The schedule knows its fractions per day, interval and overall time;
    :meth:`bed` and :meth:`eqd2` take the tissue's parameters (repair
    half-time, repopulation, LQ-L) and apply the corrections of
    :mod:`radcalc.lq`. Without a repair half-time, repair between same-day
    fractions is complete (plain LQ); the overall time is used only with the
    repopulation options.

    Examples
    --------
    >>> s = Schedule(65, 54, fractions_per_day=2)
    >>> round(s.dose_per_fraction, 4)
    1.2037
    >>> round(s.eqd2(10), 2)
    60.69
    >>> Schedule(30, 5).bed([3, 10])
    array([90., 48.])
    >>> bid = Schedule(65, 54, fractions_per_day=2, interval_hours=6)
    >>> round(bid.eqd2(3), 2), round(bid.eqd2(3, repair_half_time_hours=4), 2)
    (54.65, 60.18)
    """

    dose: float
    fractions: int
    fractions_per_day: int = 1
    interval_hours: float | None = None
    overall_days: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "dose", check_scalar("dose", self.dose, ">= 0", "Gy"))
        object.__setattr__(self, "fractions", _whole("fractions", self.fractions))
        per_day = _whole("fractions_per_day", self.fractions_per_day)
        object.__setattr__(self, "fractions_per_day", per_day)
        if per_day > self.fractions:
            raise InvalidInputError(
                f"fractions_per_day must be <= fractions ({self.fractions}), got {per_day}"
            )
        if self.interval_hours is not None:
            if per_day == 1:
                raise InvalidInputError(
                    "interval_hours is the gap between fractions on the same day and "
                    "needs fractions_per_day >= 2, got fractions_per_day 1"
                )
            hours = check_scalar("interval_hours", self.interval_hours, "> 0", "h")
            repair.check_fractions_per_day(per_day, hours)
            object.__setattr__(self, "interval_hours", hours)
        if self.overall_days is not None:
            days = check_scalar("overall_days", self.overall_days, ">= 0", "days")
            repopulation.check_overall_days(days, self.fractions, per_day)
            object.__setattr__(self, "overall_days", days)

    @property
    def dose_per_fraction(self) -> float:
        """Physical dose per fraction :math:`d = D/n`. [Gy]"""
        return self.dose / self.fractions

    def bed(
        self,
        alpha_beta: Any,
        *,
        repair_half_time_hours: Any = None,
        kickoff_days: Any = None,
        repopulation_bed_per_day: Any = None,
        alpha: Any = None,
        potential_doubling_days: Any = None,
        model: str = "lq",
        transition_dose: Any = None,
    ) -> Any:
        r"""BED of this schedule at ``alpha_beta`` [Gy]; see :func:`radcalc.bed`.

        The keyword-only tissue options are those of :func:`radcalc.bed`; the
        schedule supplies ``fractions_per_day``, ``interval_hours`` and (with
        the repopulation options) ``overall_days``.
        """
        options = self._corrections(locals())
        return lq.bed(self.dose, self.fractions, alpha_beta=alpha_beta, **options)

    def eqd2(
        self,
        alpha_beta: Any,
        *,
        repair_half_time_hours: Any = None,
        kickoff_days: Any = None,
        repopulation_bed_per_day: Any = None,
        alpha: Any = None,
        potential_doubling_days: Any = None,
        model: str = "lq",
        transition_dose: Any = None,
    ) -> Any:
        r"""EQD2 of this schedule at ``alpha_beta`` [Gy]; see :func:`radcalc.eqd2`.

        The keyword-only tissue options are those of :func:`radcalc.eqd2`; the
        schedule supplies ``fractions_per_day``, ``interval_hours`` and (with
        the repopulation options) ``overall_days``.
        """
        options = self._corrections(locals())
        return lq.eqd2(self.dose, self.fractions, alpha_beta=alpha_beta, **options)

    def _corrections(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The schedule's own correction options joined to the tissue's (from ``locals()``)."""
        tissue = {name: arguments[name] for name in _TISSUE_OPTIONS}
        repopulation_given = any(tissue[name] is not None for name in _REPOPULATION_OPTIONS)
        return {
            **tissue,
            "fractions_per_day": self.fractions_per_day,
            "interval_hours": self.interval_hours,
            # The overall time matters only to repopulation, a property of the tissue.
            "overall_days": self.overall_days if repopulation_given else None,
        }

    def describe(self) -> str:
        """A short human description, e.g. ``'65 Gy in 54 fx twice daily (1.204 Gy/fx)'``.

        Examples
        --------
        >>> Schedule(65, 54, fractions_per_day=2, interval_hours=6).describe()
        '65 Gy in 54 fx twice daily, 6 h apart (1.204 Gy/fx)'
        """
        per_day = {1: "", 2: " twice daily", 3: " three times daily"}.get(
            self.fractions_per_day, f" {self.fractions_per_day} times daily"
        )
        gap = f", {self.interval_hours:g} h apart" if self.interval_hours is not None else ""
        days = f", over {self.overall_days:g} days" if self.overall_days is not None else ""
        return (
            f"{self.dose:g} Gy in {self.fractions} fx{per_day}{gap}{days} "
            f"({self.dose_per_fraction:.4g} Gy/fx)"
        )

    def _repr_html_(self) -> str:
        from radcalc._tables import schedule_html  # only in Jupyter: keeps the CLI start fast

        return schedule_html(self)

    @classmethod
    def parse(cls, text: str) -> Schedule:
        """Parse a schedule string; see :func:`parse_schedule`."""
        return parse_schedule(text)


def _whole(name: str, value: object) -> int:
    number = check_scalar(name, value, "> 0")
    if number != math.floor(number):
        raise InvalidInputError(f"{name} must be a whole number >= 1, got {number!r}")
    return int(number)


@dataclass(frozen=True)
class SchedulePreset:
    """A named schedule from the literature, with the source that names it."""

    name: str
    schedule: Schedule
    source: str

    def _repr_html_(self) -> str:
        from radcalc._tables import presets_html

        return presets_html([self])


class SchedulePresets(Mapping[str, SchedulePreset]):
    """A read-only mapping of preset name to :class:`SchedulePreset`, an HTML table in Jupyter."""

    def __init__(self, presets: Mapping[str, SchedulePreset]) -> None:
        self._presets = dict(presets)

    def __getitem__(self, name: str) -> SchedulePreset:
        return self._presets[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._presets)

    def __len__(self) -> int:
        return len(self._presets)

    def __repr__(self) -> str:
        return f"SchedulePresets({self._presets!r})"

    def _repr_html_(self) -> str:
        from radcalc._tables import presets_html

        return presets_html(self._presets.values())


_LI2024 = "Li JS et al. Int J Radiat Oncol Biol Phys 2024; doi:10.1016/j.ijrobp.2024.07.2143"
_YOU2023 = "You R et al. Lancet 2023;401:917-927"

#: The schedules named in the founding consensus (Li et al. 2024), by name.
SCHEDULE_PRESETS: SchedulePresets = SchedulePresets(
    {
        p.name: p
        for p in (
            SchedulePreset(
                "conventional-70-35",
                Schedule(70, 35),
                "Conventional once-daily 2 Gy/fx schedule (a typical first, definitive course; "
                "not a schedule of Li 2024)",
            ),
            SchedulePreset(
                "conventional-60-30",
                Schedule(60, 30),
                "Conventional fractionation (acceptable, Table 1 5c) reaching EQD2 60 Gy "
                "(Table 1 5b) of " + _LI2024,
            ),
            SchedulePreset(
                "standard-60-27",
                Schedule(60, 27),
                "Standard-fractionation arm (once daily) of "
                + _YOU2023
                + ", as cited in "
                + _LI2024,
            ),
            SchedulePreset(
                "hyperfractionated-65-54-bid",
                Schedule(65, 54, fractions_per_day=2, interval_hours=6),
                "Hyperfractionation arm (twice daily, interval >= 6 h) of "
                + _YOU2023
                + ", as cited in "
                + _LI2024
                + "; 6 h is the trial's minimum interval",
            ),
            SchedulePreset(
                "sbrt-30-5",
                Schedule(30, 5),
                "SBRT 30 Gy in 5 consecutive daily fractions, Ozyigit G et al. "
                "Int J Radiat Oncol Biol Phys 2011;81:e263-e268, as cited in " + _LI2024,
            ),
        )
    }
)

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_DOSE = rf"{_NUMBER}\s*(?:gy)?"
_FRACTIONS = rf"{_NUMBER}\s*(?:fx|fractions?|fr)?"
_PER_DAY = {
    "qd": 1,
    "daily": 1,
    "once daily": 1,
    "bid": 2,
    "b.i.d.": 2,
    "twice daily": 2,
    "tid": 3,
    "t.i.d.": 3,
    "three times daily": 3,
}


@functools.cache
def _schedule_re() -> re.Pattern[str]:
    """The schedule pattern, compiled on first use (not at import: CLI start-up)."""
    per_day = "|".join(re.escape(k) for k in sorted(_PER_DAY, key=len, reverse=True))
    return re.compile(
        rf"^{_DOSE}\s*(?:/|\bin\b)\s*{_FRACTIONS}"
        rf"(?:\s*,?\s*(?P<per_day>{per_day}))?"
        rf"(?:\s*,?\s*{_NUMBER}\s*h(?:ours?)?(?:\s+apart)?)?$",
        re.IGNORECASE,
    )


_EXPECTED = (
    "expected '<total dose>/<fractions>' with optional 'bid' or 'tid' and interval, "
    "e.g. '65/54', '65 Gy in 54 fx bid', '65/54 bid 6h', '30Gy/5fx', or a preset name ("
    + ", ".join(SCHEDULE_PRESETS)
    + ")"
)


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule typed by a user.

    The dose is always the **total** dose [Gy]; the second number is the number
    of fractions. ``bid``/``twice daily`` sets two fractions a day and
    ``tid`` three; a trailing ``6h`` sets the interval between same-day
    fractions [h]. A preset name from :data:`SCHEDULE_PRESETS` is accepted too.

    Parameters
    ----------
    text : str
        E.g. ``"65/54"``, ``"65 Gy in 54 fx bid"``, ``"30Gy/5fx"``,
        ``"65/54 bid 6h"`` or ``"hyperfractionated-65-54-bid"``.

    Returns
    -------
    Schedule

    Raises
    ------
    ScheduleParseError
        When the text is not a schedule; the message shows the accepted forms.
    InvalidInputError
        When it parses but is impossible (e.g. 0 fractions).

    Examples
    --------
    >>> parse_schedule("65 Gy in 54 fx bid")
    Schedule(dose=65.0, fractions=54, fractions_per_day=2, interval_hours=None, overall_days=None)
    >>> parse_schedule("30Gy/5fx").dose_per_fraction
    6.0
    >>> parse_schedule("65/54 bid 6h").interval_hours
    6.0
    """
    if not isinstance(text, str):
        raise ScheduleParseError(f"schedule must be a string, got {text!r}")
    cleaned = " ".join(text.strip().split())
    preset = SCHEDULE_PRESETS.get(cleaned.lower())
    if preset is not None:
        return preset.schedule
    match = _schedule_re().match(cleaned)
    if match is None:
        raise ScheduleParseError(f"schedule {text!r} not understood: {_EXPECTED}")
    dose_text, fractions_text, per_day_text, hours_text = match.groups()
    per_day = _PER_DAY[per_day_text.lower()] if per_day_text else 1
    fractions = float(fractions_text)
    if fractions != math.floor(fractions):
        raise ScheduleParseError(
            f"schedule {text!r}: the number of fractions must be a whole number, "
            f"got {fractions_text}; {_EXPECTED}"
        )
    return Schedule(
        dose=float(dose_text),
        fractions=int(fractions),
        fractions_per_day=per_day,
        interval_hours=float(hours_text) if hours_text else None,
    )
