r"""Re-irradiation: cumulative dose over courses, with recovery, and the dose budget.

A patient's history is a list of courses, **oldest first, newest last**. For
one organ, each course contributes the EQD2 of the organ's own dose in that
course, converted with that course's number of fractions (the organ receives
:math:`D_\mathrm{organ}/n` per fraction). An earlier course counts only in
part when the interval allowed recovery:

.. math:: \mathrm{EQD2}_\mathrm{cum} = \sum_{i < N} (1 - r(t_i))\,\mathrm{EQD2}_i
          + \mathrm{EQD2}_N

where :math:`r` is a recovery model of :mod:`radcalc.recovery` (default
``"none"``, :math:`r = 0`) and :math:`t_i` is the time from the **end of
course** :math:`i` **to the start of the newest course** :math:`N`
[months]. With intervals :math:`\tau_j` between consecutive courses
(``intervals_months[j]``: end of course :math:`j` to start of course
:math:`j + 1`), :math:`t_i = \sum_{j \ge i} \tau_j`, i.e.
``sum(intervals_months[i:])``: an old course has had the whole time since it
ended to recover, not just the gap to the course after it. The treatment time
of the courses in between is not added (it is short against the intervals and
unknown when only intervals are given), which slightly understates
:math:`t_i` and so never overstates recovery for a non-decreasing model.

Functions here work on numbers and dose grids (numpy or dask arrays, one per
course, broadcastable): :func:`cumulative_eqd2`, :func:`cumulative_bed`,
:func:`remaining_eqd2`, :func:`max_new_dose`. :func:`cumulative_dose` and
:func:`dose_budget` take :class:`Course` objects and return small result
dataclasses that name every input, flag short intervals, print as a table and
render as HTML in Jupyter.

Each course's EQD2 is that of :func:`radcalc.eqd2` with the organ's tissue
options: with a repair half-time (``repair_half_time_hours``), a course given
several fractions a day (``fractions_per_day`` with ``interval_hours``, or a
schedule such as ``"65/54 bid 6h"``) gets the incomplete-repair correction of
Thames 1985 [4]_; without one, repair between same-day fractions is complete
and the results of :func:`cumulative_dose` and :func:`dose_budget` say so in
a note. ``model="lql"`` with a ``transition_dose`` uses LQ-L for every course
and for the new one. Overall treatment time is ignored.

Months are :data:`radcalc.recovery.MONTH_DAYS` = 30.4375 days.

References
----------
.. [1] Nieder C, et al. Int J Radiat Oncol Biol Phys 2006;66:1446-1449
   (cumulative spinal-cord BED, intervals >= 6 months; evidence status:
   abstract).
.. [2] Li JS, et al. International recommendations on postoperative
   management for potentially resectable locally recurrent nasopharyngeal
   carcinoma. Int J Radiat Oncol Biol Phys 2024.
   doi:10.1016/j.ijrobp.2024.07.2143 (latency under 6 to 12 months).
.. [3] Fowler JF. The linear-quadratic formula and progress in fractionated
   radiotherapy. Br J Radiol 1989;62:679-694.
.. [4] Thames HD. An 'incomplete-repair' model for survival after fractionated
   and continuous irradiations. Int J Radiat Biol 1985;47:319-339.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import inspect
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar

import numpy as np

from radcalc import _fused, lq
from radcalc._tables import html_table, text_table
from radcalc._validate import Arg, _short, check_scalar, is_duck_array, prepare, warn_caller
from radcalc.errors import InvalidInputError
from radcalc.recovery import (
    MONTH_DAYS,
    RecoveryModel,
    RecoverySpec,
    parse_interval,
    recovery_scope_note,
    resolve_recovery,
)
from radcalc.repair import repair_factor
from radcalc.schedules import Schedule, parse_schedule

if TYPE_CHECKING:  # pragma: no cover
    from radcalc.constraints import ConstraintRule, ConstraintSet

__all__ = [
    "MINIMUM_INTERVAL_MONTHS",
    "BudgetOption",
    "ConstraintLimit",
    "Course",
    "CourseDose",
    "CumulativeDose",
    "DoseBudget",
    "cumulative_bed",
    "cumulative_dose",
    "cumulative_eqd2",
    "dose_budget",
    "max_new_dose",
    "constraint_limit",
    "remaining_eqd2",
]

#: Intervals between courses under this many months are flagged on results:
#: Li et al. 2024 advise avoiding or deferring re-irradiation within 6 to 12
#: months of primary radiotherapy (citing Ng et al. 2021), and the cumulative
#: spinal-cord data of Nieder et al. 2006 assume intervals of at least 6 months.
MINIMUM_INTERVAL_MONTHS = 6.0

_SHORT_INTERVAL_SOURCES = (
    "Li JS et al. Int J Radiat Oncol Biol Phys 2024 advise avoiding or deferring "
    "re-irradiation within 6 to 12 months of primary radiotherapy; the cumulative "
    "spinal-cord data of Nieder C et al. Int J Radiat Oncol Biol Phys 2006;66:1446-1449 "
    "assume at least 6 months"
)


# --------------------------------------------------------------------------- finite results

_R = TypeVar("_R")


def _non_finite(value: Any) -> bool:
    """True when a numpy value or a result's ``to_dict()`` holds NaN or inf (lazy arrays:
    not checked here)."""
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(_non_finite(v) for v in value)
    if hasattr(value, "to_dict"):
        return _non_finite(value.to_dict())
    if isinstance(value, (bool, int, str)) or value is None:
        return False
    if isinstance(value, (float, np.floating, np.ndarray)):
        with np.errstate(invalid="ignore"):
            return not bool(np.all(np.isfinite(value)))
    return False


_ORGAN_OPTIONS_DOC = """    recovery : RecoveryModel, str or os.PathLike, optional
        Anything :func:`radcalc.recovery.resolve_recovery` accepts; default
        ``"none"`` (no recovery, the conservative choice).
    organ : str, optional
        The organ: picks the table of a recovery TOML file, and a shipped
        model for another organ (e.g. ``"step-cord-2021"``, spinal cord
        only) is refused for it.
    recovery_any_organ : bool, optional
        Allow a shipped recovery model for another organ than ``organ``
        (default False).
    repair_half_time_hours : float, optional
        The organ's repair half-time :math:`T_{1/2} > 0`: incomplete repair
        between same-day fractions of a course given several fractions a
        day (Thames 1985). Not given, repair is complete. [h]
    model : {"lq", "lql"}, optional
        ``"lql"`` uses LQ-L with ``transition_dose`` for every course.
    transition_dose : float, optional
        LQ-L transition dose :math:`d_T > 0`, with (and only with)
        ``model="lql"``. [Gy]
"""


def _finite_result(function: Callable[..., _R]) -> Callable[..., _R]:
    """Raise InvalidInputError instead of returning NaN or inf (an overflow of extreme inputs).

    Also puts the shared text of the organ options into the function's docstring.
    """
    if function.__doc__:
        function.__doc__ = function.__doc__.replace("    <organ-options>\n", _ORGAN_OPTIONS_DOC)

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> _R:
        try:
            with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
                result = function(*args, **kwargs)
        except InvalidInputError as exc:
            # An overflow inside the LQ core (or a NaN it handed on to the new course):
            # name this function's inputs, keeping the core's own words.
            text = str(exc)
            if "overflow" in text or text.startswith("the new course:"):
                raise InvalidInputError(
                    f"{_overflow_message(function, args, kwargs, None)} ({text})"
                ) from None
            raise
        if isinstance(result, _ProvenFinite):
            return result.value  # type: ignore[no-any-return]
        if is_duck_array(result) and hasattr(result, "map_blocks"):
            message = _overflow_message(function, args, kwargs, None)
            return result.map_blocks(_finite_block, message, dtype=result.dtype)  # type: ignore[no-any-return,attr-defined]
        if _non_finite(result):
            raise InvalidInputError(_overflow_message(function, args, kwargs, result))
        return result

    return checked


def _finish(result: Any, scalar: bool) -> Any:
    """``result`` as a float for scalar input; non-finite values are left to ``_finite_result``,
    whose error names the inputs."""
    if not scalar:
        return result
    value = np.asarray(result)[()]
    return float(value) if value.dtype == np.float64 else value


def _overflow_message(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], result: Any
) -> str:
    """The error of a result that overflowed, naming every numeric input (and the element)."""
    try:
        bound = inspect.signature(function).bind_partial(*args, **kwargs).arguments
    except TypeError:  # pragma: no cover - the call itself succeeded
        bound = dict(kwargs)
    given = []
    for name, value in bound.items():
        if isinstance(value, (str, bool)) or value is None or name in ("recovery", "organ"):
            continue
        if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
            given += [f"{name}[{i}] {_short(v)}" for i, v in enumerate(value) if _numeric(v)]
        elif _numeric(value):
            given.append(f"{name} {_short(value)}")
    where = ""
    if isinstance(result, np.ndarray) and result.ndim:
        with np.errstate(invalid="ignore"):
            index = np.argwhere(~np.isfinite(result))
        if len(index):
            where = f" at index {tuple(int(i) for i in index[0])}"
    return (
        f"{function.__name__} overflowed: the result is not a finite number{where} for "
        f"{', '.join(given)}; the doses are too large or alpha_beta too small for "
        "floating-point arithmetic"
    )


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float, np.number, np.ndarray)) and not isinstance(value, bool)


def _finite_block(block: Any, message: str) -> Any:
    with np.errstate(invalid="ignore"):
        if not np.isfinite(block).all():
            raise InvalidInputError(message)
    return block


# --------------------------------------------------------------------------- arrays


def _per_course(name: str, value: object) -> list[Any]:
    """A caller's sequence of per-course values as a list (never copies the arrays in it)."""
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        return list(value)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidInputError(
            f"{name} must be a sequence with one entry per course (oldest first), "
            f"got {_short(value)}"
        )
    return list(value)


def _prepare_history(
    doses: Any,
    fractions: Any,
    intervals_months: Any,
    *,
    dose_name: str,
    fractions_name: str,
    newest_included: bool,
    extra: Sequence[Arg],
) -> tuple[list[Any], list[Any], list[Any], list[Any], bool]:
    """Validate a history and ``extra`` arguments together (one dtype, one broadcast check).

    With ``newest_included`` the intervals number one fewer than the courses
    (the gaps between them); otherwise they number as many (the last one is
    the gap to the new course).
    """
    dose_list = _per_course(dose_name, doses)
    fraction_list = _per_course(fractions_name, fractions)
    interval_list = _per_course("intervals_months", intervals_months)
    if newest_included and not dose_list:
        raise InvalidInputError(f"{dose_name} must hold at least one course, got none")
    if len(fraction_list) != len(dose_list):
        raise InvalidInputError(
            f"{fractions_name} must have one entry per course in {dose_name} "
            f"({len(dose_list)}), got {len(fraction_list)}"
        )
    expected = len(dose_list) - 1 if newest_included else len(dose_list)
    if len(interval_list) != expected:
        meaning = (
            f"one interval between each pair of consecutive courses, len({dose_name}) - 1"
            if newest_included
            else f"one interval after each course of {dose_name}, the last one up to the new course"
        )
        raise InvalidInputError(
            f"intervals_months must have {expected} {'entry' if expected == 1 else 'entries'} "
            f"({meaning}), got {len(interval_list)}"
        )
    args = [
        *(Arg(f"{dose_name}[{i}]", v, ">= 0", "Gy") for i, v in enumerate(dose_list)),
        *(Arg(f"{fractions_name}[{i}]", v, "> 0") for i, v in enumerate(fraction_list)),
        *(Arg(f"intervals_months[{i}]", v, ">= 0", "months") for i, v in enumerate(interval_list)),
        *extra,
    ]
    arrays, scalar = prepare(*args)
    k, m = len(dose_list), len(interval_list)
    return arrays[:k], arrays[k : 2 * k], arrays[2 * k : 2 * k + m], arrays[2 * k + m :], scalar


@dataclass(frozen=True)
class _Tissue:
    """The organ's options for every course: repair half-time [h], model and d_T [Gy]."""

    repair_half_time_hours: float | None = None
    model: str = "lq"
    transition_dose: float | None = None

    @classmethod
    def checked(cls, repair_half_time_hours: Any, model: Any, transition_dose: Any) -> _Tissue:
        if model not in lq.MODELS:
            raise InvalidInputError(f"model must be 'lq' or 'lql', got {model!r}")
        if model == "lql" and transition_dose is None:
            raise InvalidInputError(
                "model='lql' needs transition_dose (the dose per fraction d_T [Gy] above "
                "which LQ-L is linear); there is no default"
            )
        if model == "lq" and transition_dose is not None:
            raise InvalidInputError("transition_dose applies only to model='lql', got model='lq'")
        return cls(
            None
            if repair_half_time_hours is None
            else check_scalar("repair_half_time_hours", repair_half_time_hours, "> 0", "h"),
            model,
            None
            if transition_dose is None
            else check_scalar("transition_dose", transition_dose, "> 0", "Gy"),
        )

    def options(self, fractions_per_day: Any, interval_hours: Any) -> dict[str, Any]:
        """Keyword options of :func:`radcalc.eqd2` for a course given this way."""
        options: dict[str, Any] = {}
        if self.model == "lql":
            options.update(model="lql", transition_dose=self.transition_dose)
        if fractions_per_day is not None and np.any(np.asarray(fractions_per_day) > 1):
            options.update(fractions_per_day=fractions_per_day, interval_hours=interval_hours)
            if self.repair_half_time_hours is not None:
                options["repair_half_time_hours"] = self.repair_half_time_hours
        return options

    def eqd2(
        self, label: str, dose: Any, fractions: Any, alpha_beta: Any, per_day: Any, hours: Any
    ) -> Any:
        """EQD2 of one course (validated arrays), naming the course in any error."""
        options = self.options(per_day, hours)
        if not options:
            return lq._eqd2_of_validated(dose, fractions, alpha_beta)
        try:
            return lq.eqd2(dose, fractions, alpha_beta=alpha_beta, **options)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{label}: {exc}") from None

    def dose_for(
        self, remaining: Any, fractions: Any, alpha_beta: Any, per_day: Any, hours: Any
    ) -> Any:
        """The closed-form inverse of :meth:`eqd2` for the new course."""
        options = self.options(per_day, hours)
        try:
            return lq.dose_for_eqd2(remaining, fractions, alpha_beta=alpha_beta, **options)
        except InvalidInputError as exc:
            raise InvalidInputError(f"the new course: {exc}") from None

    def notes(self, label: str, per_day: int, hours: float | None) -> list[str]:
        """What a result says about repair (and LQ-L) for one course."""
        notes = []
        if per_day > 1 and self.repair_half_time_hours is not None and hours is not None:
            factor = repair_factor(
                per_day, interval_hours=hours, repair_half_time_hours=self.repair_half_time_hours
            )
            notes.append(
                f"{label}: incomplete repair (Thames 1985): {per_day} fx/day {hours:g} h apart, "
                f"repair half-time {self.repair_half_time_hours:g} h, h = {factor:.4f}"
            )
        elif per_day > 1:
            notes.append(
                f"{label}: full repair assumed between same-day fractions (no repair "
                "half-time given: --repair-half-time, repair_half_time_hours)"
            )
        return notes

    def model_note(self) -> list[str]:
        if self.model != "lql":
            return []
        return [f"LQ-L (Astrahan 2008) for every course, d_T {self.transition_dose:g} Gy"]


def _per_course_option(name: str, value: Any, count: int, rule: str, unit: str) -> list[Any]:
    """A per-course option (``fractions_per_day``, ``interval_hours``): None or one per course."""
    if value is None:
        return [None] * count
    values = _per_course(name, value)
    if len(values) != count:
        raise InvalidInputError(
            f"{name} must have one entry per course ({count}), got {len(values)}"
        )
    checked: list[Any] = []
    for i, item in enumerate(values):
        if item is None:
            checked.append(None)
            continue
        number = check_scalar(f"{name}[{i}]", item, "> 0", unit)
        if rule == "whole" and number != int(number):
            raise InvalidInputError(f"{name}[{i}] must be a whole number >= 1, got {number!r}")
        checked.append(int(number) if rule == "whole" else number)
    return checked


def _course_eqd2s(
    doses: list[Any],
    fractions: list[Any],
    alpha_beta: Any,
    tissue: _Tissue,
    per_day: Any,
    hours: Any,
    per_day_name: str,
    hours_name: str,
) -> list[Any]:
    """The EQD2 of each course, with the tissue's corrections."""
    days = _per_course_option(per_day_name, per_day, len(doses), "whole", "")
    gaps = _per_course_option(hours_name, hours, len(doses), "> 0", "h")
    return [
        tissue.eqd2(f"course {i + 1}", doses[i], fractions[i], alpha_beta, days[i], gaps[i])
        for i in range(len(doses))
    ]


def _discounted_history(eqd2s: list[Any], intervals: list[Any], model: RecoveryModel) -> Any:
    r""":math:`\sum_i (1 - r(t_i))\,\mathrm{EQD2}_i` with :math:`t_i` = ``sum(intervals[i:])``."""
    total: Any = 0
    elapsed: Any = 0
    for i in reversed(range(len(eqd2s))):
        elapsed = elapsed + intervals[i]
        recovered = model.fraction_recovered(elapsed)
        total = total + (1 - recovered) * eqd2s[i]
    return total


@dataclass(frozen=True)
class _OrganOptions:
    """What the public functions take about the organ, besides alpha/beta."""

    recovery: RecoverySpec = "none"
    organ: str | None = None
    recovery_any_organ: bool = False
    repair_half_time_hours: Any = None
    model: str = "lq"
    transition_dose: Any = None

    def resolved(self) -> tuple[RecoveryModel, _Tissue]:
        model = resolve_recovery(
            self.recovery, organ=self.organ, any_organ=bool(self.recovery_any_organ)
        )
        return model, _Tissue.checked(self.repair_half_time_hours, self.model, self.transition_dose)


def _cumulative(
    doses: Any,
    fractions: Any,
    intervals_months: Any,
    alpha_beta: Any,
    organ: _OrganOptions,
    fractions_per_day: Any,
    interval_hours: Any,
) -> tuple[Any, Any, bool]:
    model, tissue = organ.resolved()
    d, n, t, (ab,), scalar = _prepare_history(
        doses,
        fractions,
        intervals_months,
        dose_name="doses",
        fractions_name="fractions",
        newest_included=True,
        extra=(Arg("alpha_beta", alpha_beta, "> 0", "Gy"),),
    )
    eqd2s = _course_eqd2s(
        d, n, ab, tissue, fractions_per_day, interval_hours, "fractions_per_day", "interval_hours"
    )
    return _discounted_history(eqd2s[:-1], t, model) + eqd2s[-1], ab, scalar


class _ProvenFinite(NamedTuple):
    """A result the fused kernel proved finite: ``_finite_result`` skips its pass over it."""

    value: Any


def _fused_history(
    doses: Any,
    fractions: Any,
    intervals_months: Any,
    alpha_beta: Any,
    organ: _OrganOptions,
    per_course_options: tuple[Any, ...],
    *,
    limit: Any = None,
    new_fractions: Any = None,
    out: Any = None,
) -> Any:
    """The one-pass kernel of :func:`cumulative_eqd2` (``limit`` None) or
    :func:`max_new_dose` on large dose grids, or None: then the numpy path runs.

    Taken only for plain LQ (no per-day options, model "lq"), every course a
    numpy grid of one shape and float dtype, everything else size 1. The
    scalars are validated here exactly as the numpy path does (any error: None,
    the numpy path raises it in its own order); the grids are checked by the
    kernel, which gives up on anything unusual (see :mod:`radcalc._fused`).
    """
    if organ.model != "lq" or any(option is not None for option in per_course_options):
        return None
    if not all(isinstance(v, (list, tuple)) for v in (doses, fractions, intervals_months)):
        return None
    grids = tuple(doses)
    if not grids or not all(isinstance(g, np.ndarray) and g.size > 1 for g in grids):
        return None
    singles = (*fractions, *intervals_months, alpha_beta, limit, new_fractions)
    if not _fused.wanted(grids, singles, out):
        return None
    dtype = grids[0].dtype
    one = dtype.type(1)  # stands in for the grids while the scalars are validated
    newest = limit is None
    extra = [Arg("alpha_beta", alpha_beta, "> 0", "Gy")]
    if not newest:
        extra = [Arg("limit", limit, "> 0", "Gy"), *extra, Arg("fractions", new_fractions, "> 0")]
    try:
        model, _ = organ.resolved()
        _, n, t, rest, _ = _prepare_history(
            [one] * len(grids),
            fractions,
            intervals_months,
            dose_name="doses" if newest else "prior_doses",
            fractions_name="fractions" if newest else "prior_fractions",
            newest_included=newest,
            extra=extra,
        )
        # The weights 1 - r(t_i) exactly as _discounted_history computes them.
        weights: list[Any] = []
        elapsed: Any = 0
        for i in reversed(range(len(t))):
            elapsed = elapsed + t[i]
            weights.insert(0, 1 - model.fraction_recovered(elapsed))
        if out is not None:
            _fused.check_out(
                out, grids[0].shape, dtype, **{f"doses[{i}]": g for i, g in enumerate(grids)}
            )
    except InvalidInputError:
        return None
    numbers = (*n, *rest, *weights)
    if not all(np.size(v) == 1 for v in numbers):
        return None
    if any(np.result_type(v, dtype) != dtype for v in numbers):
        return None  # the numpy path promotes (e.g. a float64 weight on float32 grids)
    if np.broadcast_shapes(*(np.shape(v) for v in (*grids, *numbers))) != grids[0].shape:
        return None
    if not _fused.ordinary(dtype, *numbers, lq.EQD2_REFERENCE_DOSE):
        return None
    if newest:
        weights.append(one)  # the newest course counts in full
        (ab,) = rest
        lim = n_new = None
    else:
        lim, ab, n_new = rest
    result, above = _fused.run_history(
        grids,
        tuple(n),
        tuple(weights),
        ab,
        limit=lim,
        new_fractions=n_new,
        lq_limit=lq.LQ_DOSE_PER_FRACTION_LIMIT * (1 - 1e-9),  # a pre-test, as in lq
        out=out,
    )
    if result is None:
        return None
    if above:  # lq.dose_for_eqd2's test and text, on the dose per fraction returned
        notes: list[str] = []
        lq._note_above_lq_range(result / n_new, notes)
        for note in notes:
            warn_caller(note)
    return _ProvenFinite(result)


def _deliver_out(result: Any, out: Any, scalar: bool, grids: Any) -> Any:
    """The numpy path's result as a float for scalar input, or copied into ``out=``."""
    if out is None:
        return _finish(result, scalar)
    if not isinstance(result, np.ndarray) or is_duck_array(result):
        raise InvalidInputError(
            "out= takes only plain numpy results, got a lazy or scalar result: leave out= away"
        )
    named = {f"doses[{i}]": g for i, g in enumerate(grids) if isinstance(g, np.ndarray)}
    _fused.check_out(out, result.shape, result.dtype, **named)
    return _fused.deliver(result, out)


@_finite_result
def cumulative_eqd2(
    doses: Any,
    fractions: Any,
    intervals_months: Any,
    *,
    alpha_beta: Any,
    recovery: RecoverySpec = "none",
    organ: str | None = None,
    recovery_any_organ: bool = False,
    repair_half_time_hours: Any = None,
    model: str = "lq",
    transition_dose: Any = None,
    fractions_per_day: Any = None,
    interval_hours: Any = None,
    out: Any = None,
) -> Any:
    r"""Cumulative EQD2 of an organ over courses, earlier courses discounted by recovery.

    Parameters
    ----------
    doses : sequence of array_like
        Each course's **total physical dose to the organ** (not the
        prescription, not per fraction), oldest course first, newest last;
        point doses or dose grids that broadcast together. [Gy]
    fractions : sequence of array_like
        Each course's number of fractions, :math:`n > 0`, same length as
        ``doses``.
    intervals_months : sequence of array_like
        ``len(doses) - 1`` intervals; element :math:`i` is the time from the
        end of course :math:`i` to the start of course :math:`i + 1`,
        :math:`\ge 0`. [months]
    alpha_beta : array_like
        The organ's :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    <organ-options>
    fractions_per_day : sequence, optional
        Each course's fractions per treatment day (2 = twice daily); default
        once daily for every course.
    interval_hours : sequence, optional
        Each course's hours between same-day fractions (None for a
        once-daily course); needed with ``repair_half_time_hours`` for a
        course given several fractions a day. [h]
    out : numpy.ndarray, optional
        A writeable array of the result's shape and dtype, sharing no memory
        with an input, to write the result into (and return); array input only.

    Returns
    -------
    float or numpy.ndarray
        Cumulative EQD2 [Gy] at ``alpha_beta``; a float for scalar input,
        else an array of the broadcast shape (float32 stays float32).

    Raises
    ------
    InvalidInputError
        For no courses, sequences of the wrong length, NaN or infinite
        values, a negative dose or interval, :math:`n \le 0`,
        :math:`\alpha/\beta \le 0`, shapes that do not broadcast, or a
        recovery spec that cannot be resolved.

    Notes
    -----
    With the Withers EQD2 of each course, :math:`\mathrm{EQD2}_i = D_i
    (D_i/n_i + \alpha/\beta)/(2 + \alpha/\beta)`, and :math:`t_i` the time
    from the end of course :math:`i` to the start of the newest course
    :math:`N` (``sum(intervals_months[i:])``):

    .. math:: \mathrm{EQD2}_\mathrm{cum} = \sum_{i < N} (1 - r(t_i))\,
              \mathrm{EQD2}_i + \mathrm{EQD2}_N

    References
    ----------
    .. [1] Withers HR, Thames HD, Peters LJ. A new isoeffect curve for change
       in dose per fraction. Radiother Oncol 1983;1:187-191.
    .. [2] Doi H, et al. Strahlenther Onkol 2021;197:463-473 (cumulative
       spinal-cord EQD2 and the stepwise recovery rule of
       :data:`radcalc.recovery.STEP_CORD_2021`; evidence status: abstract).

    Examples
    --------
    70 Gy in 35 fractions, then 24 months later 65 Gy in 54 fractions twice
    daily, for a late-reacting organ at alpha/beta 3 Gy:

    >>> round(cumulative_eqd2([70, 65], [35, 54], [24], alpha_beta=3), 2)
    124.65
    >>> round(cumulative_eqd2([70, 65], [35, 54], [24], alpha_beta=3,
    ...                       recovery="step-cord-2021"), 2)
    89.65

    One dose grid per course (the organ's own dose in each):

    >>> cumulative_eqd2([[50, 70], [20, 30]], [35, 5], [18], alpha_beta=2).round(2)
    array([ 72.86, 130.  ])
    """
    organ_options = _OrganOptions(
        recovery, organ, recovery_any_organ, repair_half_time_hours, model, transition_dose
    )
    fused = _fused_history(
        doses, fractions, intervals_months, alpha_beta, organ_options,
        (fractions_per_day, interval_hours), out=out,
    )  # fmt: skip
    if fused is not None:
        return fused
    result, _, scalar = _cumulative(
        doses, fractions, intervals_months, alpha_beta, organ_options, fractions_per_day,
        interval_hours,
    )  # fmt: skip
    return _deliver_out(result, out, scalar, doses)


@_finite_result
def cumulative_bed(
    doses: Any,
    fractions: Any,
    intervals_months: Any,
    *,
    alpha_beta: Any,
    recovery: RecoverySpec = "none",
    organ: str | None = None,
    recovery_any_organ: bool = False,
    repair_half_time_hours: Any = None,
    model: str = "lq",
    transition_dose: Any = None,
    fractions_per_day: Any = None,
    interval_hours: Any = None,
) -> Any:
    r"""Cumulative BED of an organ over courses, earlier courses discounted by recovery.

    For limits stated in BED, such as the cumulative spinal-cord BED of
    Nieder et al. 2006 [1]_ (135.5 Gy at :math:`\alpha/\beta` = 2 Gy, evidence
    status: abstract).

    Parameters
    ----------
    doses : sequence of array_like
        Each course's **total physical dose to the organ** (not the
        prescription, not per fraction), oldest course first, newest last;
        point doses or dose grids that broadcast together. [Gy]
    fractions : sequence of array_like
        Each course's number of fractions, :math:`n > 0`, same length as
        ``doses``.
    intervals_months : sequence of array_like
        ``len(doses) - 1`` intervals; element :math:`i` is the time from the
        end of course :math:`i` to the start of course :math:`i + 1`,
        :math:`\ge 0`. [months]
    alpha_beta : array_like
        The organ's :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    <organ-options>
    fractions_per_day : sequence, optional
        Each course's fractions per treatment day (2 = twice daily); default
        once daily for every course.
    interval_hours : sequence, optional
        Each course's hours between same-day fractions (None for a
        once-daily course); needed with ``repair_half_time_hours`` for a
        course given several fractions a day. [h]

    Returns
    -------
    float or numpy.ndarray
        Cumulative BED [Gy] at ``alpha_beta``; a float for scalar input, else
        an array of the broadcast shape (float32 stays float32).

    Raises
    ------
    InvalidInputError
        As :func:`cumulative_eqd2`.

    Notes
    -----
    .. math:: \mathrm{BED}_\mathrm{cum} = \sum_{i < N} (1 - r(t_i))\,
              \mathrm{BED}_i + \mathrm{BED}_N
              = \mathrm{EQD2}_\mathrm{cum}\,(1 + 2/(\alpha/\beta))

    since each course's BED is its EQD2 times :math:`1 + 2/(\alpha/\beta)`
    [2]_ and the sum is linear.

    References
    ----------
    .. [1] Nieder C, et al. Int J Radiat Oncol Biol Phys 2006;66:1446-1449.
    .. [2] Fowler JF. The linear-quadratic formula and progress in
       fractionated radiotherapy. Br J Radiol 1989;62:679-694.

    Examples
    --------
    >>> cumulative_bed([70, 30], [35, 10], [24], alpha_beta=2)
    215.0
    >>> cumulative_bed([70, 30], [35, 10], [24], alpha_beta=2, recovery="constant:0.5")
    145.0
    """
    organ_options = _OrganOptions(
        recovery, organ, recovery_any_organ, repair_half_time_hours, model, transition_dose
    )
    result, ab, scalar = _cumulative(
        doses, fractions, intervals_months, alpha_beta, organ_options, fractions_per_day,
        interval_hours,
    )  # fmt: skip
    return _finish(result * (1 + lq.EQD2_REFERENCE_DOSE / ab), scalar)


def _remaining(
    limit: Any,
    prior_doses: Any,
    prior_fractions: Any,
    intervals_months: Any,
    alpha_beta: Any,
    organ: _OrganOptions,
    prior_fractions_per_day: Any,
    prior_interval_hours: Any,
    extra: Sequence[Arg] = (),
) -> tuple[Any, Any, list[Any], bool, _Tissue, Any]:
    model, tissue = organ.resolved()
    d, n, t, (lim, ab, *rest), scalar = _prepare_history(
        prior_doses,
        prior_fractions,
        intervals_months,
        dose_name="prior_doses",
        fractions_name="prior_fractions",
        newest_included=False,
        extra=(
            Arg("limit", limit, "> 0", "Gy"),
            Arg("alpha_beta", alpha_beta, "> 0", "Gy"),
            *extra,
        ),
    )
    eqd2s = _course_eqd2s(
        d, n, ab, tissue, prior_fractions_per_day, prior_interval_hours,
        "prior_fractions_per_day", "prior_interval_hours",
    )  # fmt: skip
    # The history itself is returned too: limit - remaining loses it for a huge limit.
    history = _discounted_history(eqd2s, t, model)
    return lim - history, ab, rest, scalar, tissue, history


@_finite_result
def remaining_eqd2(
    limit: Any,
    prior_doses: Any,
    prior_fractions: Any,
    intervals_months: Any,
    *,
    alpha_beta: Any,
    recovery: RecoverySpec = "none",
    organ: str | None = None,
    recovery_any_organ: bool = False,
    repair_half_time_hours: Any = None,
    model: str = "lq",
    transition_dose: Any = None,
    prior_fractions_per_day: Any = None,
    prior_interval_hours: Any = None,
) -> Any:
    r"""EQD2 an organ may still receive: its cumulative limit minus the discounted history.

    Parameters
    ----------
    limit : array_like
        The organ's cumulative EQD2 limit at ``alpha_beta``, :math:`> 0`. A
        limit stated in BED converts with
        :func:`radcalc.eqd2_from_bed`. [Gy]
    prior_doses : sequence of array_like
        Each earlier course's **total physical dose to the organ**, oldest
        first; point doses or dose grids that broadcast together. [Gy]
    prior_fractions : sequence of array_like
        Each earlier course's number of fractions, :math:`n > 0`.
    intervals_months : sequence of array_like
        One interval per earlier course: element :math:`i` is the time from
        the end of course :math:`i` to the start of the next course (for the
        last one, the new course), :math:`\ge 0`. [months]
    alpha_beta : array_like
        The organ's :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    <organ-options>
    prior_fractions_per_day, prior_interval_hours : sequence, optional
        Each earlier course's fractions per day and hours between same-day
        fractions, as ``fractions_per_day`` and ``interval_hours`` of
        :func:`cumulative_eqd2`.

    Returns
    -------
    float or numpy.ndarray
        Remaining EQD2 [Gy]; **negative when the history already exceeds the
        limit**. A float for scalar input, else an array.

    Raises
    ------
    InvalidInputError
        For a limit :math:`\le 0`, sequences of the wrong length, NaN or
        infinite values, a negative dose or interval, :math:`n \le 0`,
        :math:`\alpha/\beta \le 0`, shapes that do not broadcast, or a
        recovery spec that cannot be resolved.

    Notes
    -----
    With :math:`t_i` the time from the end of earlier course :math:`i` to the
    start of the new course (``sum(intervals_months[i:])``):

    .. math:: R = L - \sum_i (1 - r(t_i))\,\mathrm{EQD2}_i

    References
    ----------
    .. [1] Withers HR, Thames HD, Peters LJ. A new isoeffect curve for change
       in dose per fraction. Radiother Oncol 1983;1:187-191.

    Examples
    --------
    Spinal cord after 45 Gy in 25 fractions, 24 months ago, against a
    user-supplied illustrative cumulative limit of 70 Gy EQD2 at
    alpha/beta 2 Gy:

    >>> remaining_eqd2(70, [45], [25], [24], alpha_beta=2)
    27.25
    >>> remaining_eqd2(70, [45], [25], [24], alpha_beta=2, recovery="step-cord-2021")
    48.625
    """
    organ_options = _OrganOptions(
        recovery, organ, recovery_any_organ, repair_half_time_hours, model, transition_dose
    )
    remaining, _, _, scalar, _, _ = _remaining(
        limit, prior_doses, prior_fractions, intervals_months, alpha_beta, organ_options,
        prior_fractions_per_day, prior_interval_hours,
    )  # fmt: skip
    return _finish(remaining, scalar)


@_finite_result
def max_new_dose(
    limit: Any,
    prior_doses: Any,
    prior_fractions: Any,
    intervals_months: Any,
    *,
    fractions: Any,
    alpha_beta: Any,
    recovery: RecoverySpec = "none",
    organ: str | None = None,
    recovery_any_organ: bool = False,
    repair_half_time_hours: Any = None,
    model: str = "lq",
    transition_dose: Any = None,
    prior_fractions_per_day: Any = None,
    prior_interval_hours: Any = None,
    fractions_per_day: Any = None,
    interval_hours: Any = None,
    out: Any = None,
) -> Any:
    r"""Largest total dose to the organ of a new course in ``fractions`` fractions.

    The dose that brings the organ's cumulative EQD2 (history discounted by
    recovery, plus the new course) exactly to ``limit``; 0 when the history
    has already reached or exceeded the limit (see :func:`remaining_eqd2`,
    or :func:`dose_budget` for a result that says so).

    Parameters
    ----------
    limit : array_like
        The organ's cumulative EQD2 limit at ``alpha_beta``, :math:`> 0`. [Gy]
    prior_doses : sequence of array_like
        Each earlier course's total physical dose to the organ, oldest
        first. [Gy]
    prior_fractions : sequence of array_like
        Each earlier course's number of fractions, :math:`n > 0`.
    intervals_months : sequence of array_like
        One interval per earlier course: element :math:`i` is the time from
        the end of course :math:`i` to the start of the next course (for the
        last one, the new course). [months]
    fractions : array_like
        Number of fractions of the **new** course, :math:`n > 0`;
        keyword-only. A list of candidates gives one dose each (broadcast
        against dose grids as usual, e.g. shape ``(k, 1, 1)`` for a 2-D
        grid).
    alpha_beta : array_like
        The organ's :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    <organ-options>
    prior_fractions_per_day, prior_interval_hours : sequence, optional
        Each earlier course's fractions per day and hours between same-day
        fractions, as ``fractions_per_day`` and ``interval_hours`` of
        :func:`cumulative_eqd2`.
    fractions_per_day, interval_hours : int and float, optional
        The new course's fractions per day and hours between same-day
        fractions [h]; with ``repair_half_time_hours`` its dose is solved
        with incomplete repair (the inverse of :func:`radcalc.dose_for_eqd2`).
    out : numpy.ndarray, optional
        As in :func:`cumulative_eqd2`.

    Returns
    -------
    float or numpy.ndarray
        Maximum total physical dose **to the organ** in the new course [Gy]
        (divide by ``fractions`` for the dose per fraction). If the organ gets
        a share :math:`s` of the new prescription, the largest prescription
        is this dose divided by :math:`s`.

    Raises
    ------
    InvalidInputError
        As :func:`remaining_eqd2`, and for new ``fractions`` :math:`\le 0`.

    Notes
    -----
    With the remaining EQD2 :math:`R` of :func:`remaining_eqd2`, the new
    course may have :math:`B = \max(R, 0)\,(1 + 2/(\alpha/\beta))` of BED;
    :func:`radcalc.dose_for_eqd2` solves :math:`D(1 + D/(n\,\alpha/\beta)) = B`
    for the positive root in the cancellation-free form

    .. math:: D = \frac{2B}{1 + \sqrt{1 + 4B/(n\,\alpha/\beta)}}

    Incomplete repair in a new course of :math:`m` fractions a day replaces
    :math:`4B` by :math:`4B\,(1 + h_m)` (Thames 1985 [2]_); LQ-L inverts
    :func:`radcalc.lql.dose_per_fraction_lql` at :math:`B/n` per fraction.

    References
    ----------
    .. [1] Fowler JF. The linear-quadratic formula and progress in
       fractionated radiotherapy. Br J Radiol 1989;62:679-694.
    .. [2] Thames HD. Int J Radiat Biol 1985;47:319-339.

    Examples
    --------
    Cord after 45 Gy in 25 fractions 24 months ago, user-supplied
    illustrative limit 70 Gy EQD2 at alpha/beta 2 Gy, for 1, 5 and 30
    fractions:

    >>> max_new_dose(70, [45], [25], [24], fractions=[1, 5, 30], alpha_beta=2).round(2)
    array([ 9.49, 18.87, 34.58])
    """
    organ_options = _OrganOptions(
        recovery, organ, recovery_any_organ, repair_half_time_hours, model, transition_dose
    )
    fused = _fused_history(
        prior_doses, prior_fractions, intervals_months, alpha_beta, organ_options,
        (prior_fractions_per_day, prior_interval_hours, fractions_per_day, interval_hours),
        limit=limit, new_fractions=fractions, out=out,
    )  # fmt: skip
    if fused is not None:
        return fused
    remaining, ab, (n_new,), scalar, tissue, _ = _remaining(
        limit,
        prior_doses,
        prior_fractions,
        intervals_months,
        alpha_beta,
        organ_options,
        prior_fractions_per_day,
        prior_interval_hours,
        extra=(Arg("fractions", fractions, "> 0"),),
    )
    dose = tissue.dose_for(np.maximum(remaining, 0), n_new, ab, fractions_per_day, interval_hours)
    return _deliver_out(dose, out, scalar, prior_doses)


# --------------------------------------------------------------------------- courses


@dataclass(frozen=True)
class Course:
    r"""One course of a patient's radiotherapy history, as seen by one organ.

    Parameters
    ----------
    schedule : Schedule or str
        The course's prescription, e.g. ``Schedule(70, 35)``; a string such
        as ``"70/35"`` or ``"65/54 bid"`` is parsed with
        :func:`radcalc.parse_schedule`.
    organ_dose : float, optional
        Total physical dose **to the organ** in this course, when it differs
        from the prescription (e.g. the organ's Dmax). It is delivered in the
        schedule's number of fractions, :math:`D_\mathrm{organ}/n` per
        fraction. Default: the schedule's total dose. [Gy]
    interval_months : float or str, optional
        Time from the end of this course to the start of the **next** course
        [months]; a string such as ``"18m"``, ``"540d"`` or ``"1.5y"`` is
        parsed with :func:`radcalc.recovery.parse_interval`. Give this, or
        dates. Leave it out on the newest course.
    started, ended : datetime.date, optional
        First and last treatment day (a ``datetime`` keeps only its date).
        The interval to the next course is ``next.started - ended`` in
        months of 30.4375 days.

    Raises
    ------
    InvalidInputError
        For an unparseable schedule or interval, a negative or non-finite
        organ dose, dates that are not :class:`datetime.date`, or a course
        that ends before it starts.

    Examples
    --------
    >>> Course("70/35", interval_months="2y").interval_months
    24.0
    >>> Course(Schedule(70, 35), organ_dose=50).dose_to_organ
    50.0
    """

    schedule: Schedule
    organ_dose: float | None = None
    interval_months: float | None = None
    started: date | None = None
    ended: date | None = None

    def __post_init__(self) -> None:
        schedule: object = self.schedule
        if isinstance(schedule, str):
            schedule = parse_schedule(schedule)
        if not isinstance(schedule, Schedule):
            raise InvalidInputError(
                f"schedule must be a Schedule or a schedule string such as '70/35', "
                f"got {_short(schedule)}"
            )
        object.__setattr__(self, "schedule", schedule)
        if self.organ_dose is not None:
            dose = check_scalar("organ_dose", self.organ_dose, ">= 0", "Gy")
            object.__setattr__(self, "organ_dose", dose)
        if self.interval_months is not None:
            object.__setattr__(self, "interval_months", parse_interval(self.interval_months))
        for name in ("started", "ended"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                raise InvalidInputError(f"{name} must be a datetime.date, got {_short(value)}")
            if isinstance(value, datetime):  # a date and a datetime do not compare
                object.__setattr__(self, name, value.date())
        if self.started is not None and self.ended is not None and self.ended < self.started:
            raise InvalidInputError(
                f"ended ({self.ended}) must not be before started ({self.started})"
            )

    @property
    def dose_to_organ(self) -> float:
        """Total physical dose to the organ: ``organ_dose``, else the prescription. [Gy]"""
        return self.schedule.dose if self.organ_dose is None else self.organ_dose


def _course_list(name: str, courses: object) -> list[Course]:
    if isinstance(courses, Course):
        courses = [courses]
    if isinstance(courses, (str, bytes)) or not isinstance(courses, Sequence):
        raise InvalidInputError(
            f"{name} must be a list of Course objects, oldest first, got {_short(courses)}"
        )
    for i, course in enumerate(courses):
        if not isinstance(course, Course):
            raise InvalidInputError(f"{name}[{i}] must be a Course, got {_short(course)}")
    return list(courses)


def _gaps(courses: Sequence[Course], new_course_start: date | None, *, to_new: bool) -> list[float]:
    """Intervals [months] after each course; with ``to_new`` the last is the gap to a new course."""
    if not to_new and courses[-1].interval_months is not None:
        raise InvalidInputError(
            f"course {len(courses)} is the newest course: its interval_months (the time "
            "to a next course) must not be given"
        )
    for i in range(1, len(courses)):
        _check_order(courses[i], courses[i - 1], i + 1)
    # The course that follows each one: the next in the list, or the new course.
    following = [(f"course {i + 2}", c.started) for i, c in enumerate(courses[1:])]
    if to_new:
        following.append(("the new course", new_course_start))
    return [
        _gap(i, course, label, start)
        for i, (course, (label, start)) in enumerate(zip(courses, following, strict=False))
    ]


def _gap(index: int, course: Course, following: str, following_start: date | None) -> float:
    number = index + 1
    by_dates = course.ended is not None and following_start is not None
    if course.interval_months is not None:
        if by_dates:
            raise InvalidInputError(
                f"course {number}: give the interval to {following} either as "
                "interval_months or as dates, not both"
            )
        return course.interval_months
    if course.ended is None or following_start is None:
        start = "new_course_start" if following == "the new course" else f"started on {following}"
        raise InvalidInputError(
            f"the interval between course {number} and {following} is unknown: give "
            f"interval_months on course {number}, or ended on course {number} and {start}"
        )
    days = (following_start - course.ended).days
    if days < 0:
        raise InvalidInputError(
            f"courses must be in time order, oldest first: {following} starts "
            f"{following_start}, before course {number} ended ({course.ended})"
        )
    return days / MONTH_DAYS


def _check_order(later: Course, earlier: Course, number: int) -> None:
    earlier_end = earlier.ended or earlier.started
    later_begin = later.started or later.ended
    if earlier_end is not None and later_begin is not None and later_begin < earlier_end:
        raise InvalidInputError(
            f"courses must be in time order, oldest first: course {number} ({later_begin}) "
            f"comes before course {number - 1} ended ({earlier_end})"
        )


def _interval_warnings(gaps: Sequence[float], *, to_new: bool) -> tuple[str, ...]:
    warnings = []
    for i, gap in enumerate(gaps):
        if gap < MINIMUM_INTERVAL_MONTHS:
            later = "the new course" if to_new and i == len(gaps) - 1 else f"course {i + 2}"
            warnings.append(
                f"interval of {gap:.1f} months between course {i + 1} and {later} is under "
                f"{MINIMUM_INTERVAL_MONTHS:g} months: {_SHORT_INTERVAL_SOURCES}"
            )
    return tuple(warnings)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CourseDose:
    """One course's row in a result: its dose to the organ and how much of it counts.

    Attributes
    ----------
    course : int
        Position in the history, 1 = oldest.
    schedule : Schedule
        The course's prescription.
    organ_dose : float
        Total physical dose to the organ in this course. [Gy]
    eqd2, bed : float
        EQD2 and BED of the organ dose in the course's fractions. [Gy]
    interval_months : float or None
        Time from the end of this course to the start of the newest (or new)
        course, the interval that sets its recovery; None for the newest
        course. [months]
    recovered_fraction : float
        :math:`r` of the recovery model at ``interval_months`` (0 for the
        newest course).
    counted_eqd2 : float
        :math:`(1 - r)\\,\\mathrm{EQD2}`, what the course adds to the
        cumulative dose. [Gy]
    """

    course: int
    schedule: Schedule
    organ_dose: float
    eqd2: float
    bed: float
    interval_months: float | None
    recovered_fraction: float
    counted_eqd2: float

    def to_dict(self) -> dict[str, Any]:
        """The row as plain JSON-ready values."""
        return {
            "course": self.course,
            "schedule": self.schedule.describe(),
            "dose": self.schedule.dose,
            "fractions": self.schedule.fractions,
            "fractions_per_day": self.schedule.fractions_per_day,
            "organ_dose": self.organ_dose,
            "eqd2": self.eqd2,
            "bed": self.bed,
            "interval_months": self.interval_months,
            "recovered_fraction": self.recovered_fraction,
            "counted_eqd2": self.counted_eqd2,
        }

    def _cells(self, newest: bool = False) -> list[str]:
        return [
            f"{self.course}{' (new)' if newest else ''}",
            self.schedule.describe(),
            f"{self.organ_dose:.2f} Gy",
            f"{self.eqd2:.2f} Gy",
            "-" if self.interval_months is None else f"{self.interval_months:.1f} months",
            "-" if newest else f"{100 * self.recovered_fraction:.4g} %",
            f"{self.counted_eqd2:.2f} Gy",
        ]


_COURSE_HEADERS = (
    "course",
    "schedule",
    "organ dose",
    "EQD2",
    "interval to newest",
    "recovered",
    "counted EQD2",
)
_PRIOR_HEADERS = tuple(
    "interval to new course" if header == "interval to newest" else header
    for header in _COURSE_HEADERS
)


def _course_rows(
    courses: Sequence[Course],
    gaps: Sequence[float],
    alpha_beta: float,
    model: RecoveryModel,
    tissue: _Tissue,
) -> list[CourseDose]:
    """Rows for courses that each have a gap after them (the newest course excluded)."""
    rows: list[CourseDose] = []
    elapsed = 0.0
    for i in reversed(range(len(courses))):
        elapsed += gaps[i]
        recovered = model.fraction_recovered(elapsed)
        rows.append(_course_dose(i, courses[i], alpha_beta, elapsed, recovered, tissue))
    return rows[::-1]


def _course_dose(
    index: int,
    course: Course,
    alpha_beta: float,
    interval: float | None,
    recovered: float,
    tissue: _Tissue,
) -> CourseDose:
    schedule = course.schedule
    eqd2 = float(
        tissue.eqd2(
            f"course {index + 1}",
            course.dose_to_organ,
            schedule.fractions,
            alpha_beta,
            schedule.fractions_per_day,
            schedule.interval_hours,
        )
    )
    return CourseDose(
        course=index + 1,
        schedule=schedule,
        organ_dose=course.dose_to_organ,
        eqd2=eqd2,
        bed=float(lq.bed_from_eqd2(eqd2, alpha_beta=alpha_beta)),
        interval_months=interval,
        recovered_fraction=recovered,
        counted_eqd2=(1 - recovered) * eqd2,
    )


def _history_notes(
    courses: Sequence[Course], tissue: _Tissue, model: RecoveryModel, organ: str | None
) -> list[str]:
    """Repair, LQ-L and recovery-scope notes of a result."""
    notes = tissue.model_note()
    for i, course in enumerate(courses):
        schedule = course.schedule
        notes += tissue.notes(
            f"course {i + 1}, {schedule.describe()}",
            schedule.fractions_per_day,
            schedule.interval_hours,
        )
    scope = recovery_scope_note(model, organ)
    return notes + ([scope] if scope else [])


def _html_paragraphs(lines: Sequence[str], warnings: Sequence[str]) -> str:
    text = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return text + "".join(f"<p><strong>Warning:</strong> {html.escape(w)}</p>" for w in warnings)


def _recovery_line(model: RecoveryModel) -> str:
    return f"Recovery model: {model.describe()}"


@dataclass(frozen=True)
class CumulativeDose:
    r"""Cumulative dose to one organ over a patient's courses (see :func:`cumulative_dose`).

    Attributes
    ----------
    alpha_beta : float
        The organ's :math:`\alpha/\beta` used throughout. [Gy]
    recovery : RecoveryModel
        The recovery model, with its name and source.
    courses : tuple of CourseDose
        One row per course, oldest first; the last is the newest course.
    cumulative_eqd2, cumulative_bed : float
        :math:`\sum_{i<N}(1 - r_i)\,\mathrm{EQD2}_i + \mathrm{EQD2}_N` and the
        same in BED. [Gy]
    warnings : tuple of str
        Intervals under :data:`MINIMUM_INTERVAL_MONTHS`, with their sources.
    notes : tuple of str
        How each course was computed where it matters: incomplete repair or
        full repair assumed for a course of several fractions a day, LQ-L,
        a recovery model used outside its organ scope.
    organ : str or None
        The organ, when named.
    repair_half_time_hours : float or None
        The organ's repair half-time used, if any. [h]
    """

    alpha_beta: float
    recovery: RecoveryModel
    courses: tuple[CourseDose, ...]
    cumulative_eqd2: float
    cumulative_bed: float
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    organ: str | None = None
    repair_half_time_hours: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready values (the ``radcalc reirr --json`` object)."""
        return {
            "organ": self.organ,
            "alpha_beta": self.alpha_beta,
            "repair_half_time_hours": self.repair_half_time_hours,
            "recovery": self.recovery.name,
            "recovery_source": self.recovery.source,
            "recovery_organs": list(self.recovery.organs),
            "cumulative_eqd2": self.cumulative_eqd2,
            "cumulative_bed": self.cumulative_bed,
            "courses": [row.to_dict() for row in self.courses],
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }

    def _title(self) -> str:
        organ = "the organ" if self.organ is None else repr(self.organ)
        return f"Cumulative dose to {organ} at alpha/beta {self.alpha_beta:g} Gy"

    def _rows(self) -> list[list[str]]:
        last = len(self.courses) - 1
        return [row._cells(i == last) for i, row in enumerate(self.courses)]

    def _summary(self) -> str:
        return (
            f"Cumulative EQD2 {self.cumulative_eqd2:.2f} Gy, cumulative BED "
            f"{self.cumulative_bed:.2f} Gy (alpha/beta {self.alpha_beta:g} Gy)"
        )

    def __str__(self) -> str:
        lines = [self._title(), _recovery_line(self.recovery)]
        lines += text_table(_COURSE_HEADERS, self._rows())
        lines.append(self._summary())
        lines += [f"Note: {n}" for n in self.notes]
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_table(self._title(), _COURSE_HEADERS, self._rows()) + _html_paragraphs(
            [self._summary(), _recovery_line(self.recovery), *self.notes], self.warnings
        )


@dataclass(frozen=True)
class BudgetOption:
    """One candidate new course: the largest dose to the organ in ``fractions`` fractions.

    Attributes
    ----------
    fractions : int
        Number of fractions of the new course.
    max_dose : float
        Largest total physical dose to the organ in the new course. [Gy]
    dose_per_fraction : float
        ``max_dose / fractions``. [Gy]
    """

    fractions: int
    max_dose: float
    dose_per_fraction: float

    def to_dict(self) -> dict[str, Any]:
        """The option as plain JSON-ready values."""
        return {
            "fractions": self.fractions,
            "max_dose": self.max_dose,
            "dose_per_fraction": self.dose_per_fraction,
        }


_OPTION_HEADERS = ("new course fractions", "max organ dose", "dose per fraction")


@dataclass(frozen=True)
class DoseBudget:
    r"""How much dose a new course may still give an organ (see :func:`dose_budget`).

    Attributes
    ----------
    limit_eqd2, limit_bed : float
        The organ's cumulative limit, in EQD2 and in BED at ``alpha_beta``. [Gy]
    limit_quantity : str
        ``"eqd2"`` or ``"bed"``: how the limit was given.
    alpha_beta : float
        The organ's :math:`\alpha/\beta`. [Gy]
    recovery : RecoveryModel
        The recovery model, with its name and source.
    prior : tuple of CourseDose
        The earlier courses, oldest first, with the interval to the new
        course and the fraction recovered.
    history_eqd2 : float
        :math:`\sum_i (1 - r_i)\,\mathrm{EQD2}_i` of the earlier courses. [Gy]
    remaining_eqd2 : float
        ``limit_eqd2 - history_eqd2``; negative when the limit is exceeded. [Gy]
    options : tuple of BudgetOption
        The largest new-course dose for each candidate number of fractions
        (0 when the limit is already reached).
    warnings : tuple of str
        Intervals under :data:`MINIMUM_INTERVAL_MONTHS`, with their sources.
    notes : tuple of str
        As :attr:`CumulativeDose.notes`, for the earlier courses and the new
        one (its fractions per day), and the rule a limit came from.
    organ : str or None
        The organ, when named.
    repair_half_time_hours : float or None
        The organ's repair half-time used, if any. [h]
    fractions_per_day : int
        Fractions a day of the new course.
    """

    limit_eqd2: float
    limit_bed: float
    limit_quantity: str
    alpha_beta: float
    recovery: RecoveryModel
    prior: tuple[CourseDose, ...]
    history_eqd2: float
    remaining_eqd2: float
    options: tuple[BudgetOption, ...]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    organ: str | None = None
    repair_half_time_hours: float | None = None
    fractions_per_day: int = 1

    @property
    def limit_reached(self) -> bool:
        """True when the history alone reaches or exceeds the limit: no new dose fits."""
        return self.remaining_eqd2 <= 0

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready values (the ``radcalc budget --json`` object)."""
        return {
            "organ": self.organ,
            "alpha_beta": self.alpha_beta,
            "repair_half_time_hours": self.repair_half_time_hours,
            "fractions_per_day": self.fractions_per_day,
            "recovery": self.recovery.name,
            "recovery_source": self.recovery.source,
            "recovery_organs": list(self.recovery.organs),
            "limit_eqd2": self.limit_eqd2,
            "limit_bed": self.limit_bed,
            "limit_quantity": self.limit_quantity,
            "history_eqd2": self.history_eqd2,
            "remaining_eqd2": self.remaining_eqd2,
            "limit_reached": self.limit_reached,
            "courses": [row.to_dict() for row in self.prior],
            "options": [option.to_dict() for option in self.options],
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }

    def _title(self) -> str:
        given = (
            f"EQD2 {self.limit_eqd2:g} Gy"
            if self.limit_quantity == "eqd2"
            else f"BED {self.limit_bed:g} Gy (EQD2 {self.limit_eqd2:.2f} Gy)"
        )
        organ = "" if self.organ is None else f" of {self.organ!r}"
        return f"Dose budget{organ} at alpha/beta {self.alpha_beta:g} Gy, cumulative limit {given}"

    def _status(self) -> str:
        if self.remaining_eqd2 < 0:
            return (
                f"LIMIT ALREADY EXCEEDED by {-self.remaining_eqd2:.2f} Gy EQD2: the history "
                f"counts {self.history_eqd2:.2f} Gy EQD2; no new dose fits"
            )
        if self.remaining_eqd2 == 0:
            return "LIMIT ALREADY REACHED by the history: no new dose fits"
        return (
            f"History counts {self.history_eqd2:.2f} Gy EQD2; remaining EQD2 "
            f"{self.remaining_eqd2:.2f} Gy"
        )

    def _option_rows(self) -> list[list[str]]:
        return [
            [f"{o.fractions}", f"{o.max_dose:.2f} Gy", f"{o.dose_per_fraction:.3f} Gy"]
            for o in self.options
        ]

    def __str__(self) -> str:
        lines = [self._title(), _recovery_line(self.recovery)]
        if self.prior:
            lines += text_table(_PRIOR_HEADERS, [row._cells() for row in self.prior])
        lines.append(self._status())
        lines += text_table(_OPTION_HEADERS, self._option_rows())
        lines += [f"Note: {n}" for n in self.notes]
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        prior = (
            html_table("Earlier courses", _PRIOR_HEADERS, [r._cells() for r in self.prior])
            if self.prior
            else ""
        )
        options = html_table(self._title(), _OPTION_HEADERS, self._option_rows())
        return (
            options
            + _html_paragraphs([self._status(), _recovery_line(self.recovery), *self.notes], ())
            + prior
            + _html_paragraphs((), self.warnings)
        )


@_finite_result
def cumulative_dose(
    courses: Sequence[Course],
    *,
    alpha_beta: float,
    recovery: RecoverySpec = "none",
    organ: str | None = None,
    recovery_any_organ: bool = False,
    repair_half_time_hours: float | None = None,
    model: str = "lq",
    transition_dose: float | None = None,
) -> CumulativeDose:
    r"""Cumulative EQD2 and BED to one organ over a patient's courses, as a result table.

    Parameters
    ----------
    courses : sequence of Course
        The history, oldest first; the last course is the newest (its
        ``interval_months`` is left out). Each earlier course gives its
        interval to the next, as ``interval_months`` or as dates.
    alpha_beta : float
        The organ's :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    <organ-options>

    Returns
    -------
    CumulativeDose
        Per-course EQD2, interval, recovered fraction and counted EQD2, the
        cumulative EQD2 and BED, the model and :math:`\alpha/\beta` used, and
        a warning for every interval under 6 months. Prints as a table,
        renders as HTML in Jupyter, converts with ``to_dict()``.

    Raises
    ------
    InvalidInputError
        For no courses, something that is not a :class:`Course`, an
        interval given on the newest course, a missing interval, courses
        out of time order, an interval given both ways, or the errors of
        :func:`cumulative_eqd2`.

    Notes
    -----
    The numbers are those of :func:`cumulative_eqd2` and
    :func:`cumulative_bed` on the organ doses, each course in its own number
    of fractions.

    .. math:: \mathrm{EQD2}_\mathrm{cum} = \sum_{i < N} (1 - r(t_i))\,
              \mathrm{EQD2}_i + \mathrm{EQD2}_N

    References
    ----------
    .. [1] Withers HR, Thames HD, Peters LJ. Radiother Oncol 1983;1:187-191.
    .. [2] Li JS, et al. Int J Radiat Oncol Biol Phys 2024 (latency).

    Examples
    --------
    >>> result = cumulative_dose(
    ...     [Course("70/35", interval_months=24), Course("65/54 bid")],
    ...     alpha_beta=3, recovery="step-cord-2021")
    >>> round(result.cumulative_eqd2, 2), result.courses[0].recovered_fraction
    (89.65, 0.5)
    >>> print(result)  # doctest: +ELLIPSIS
    Cumulative dose to the organ at alpha/beta 3 Gy
    Recovery model: step-cord-2021: 0 below 6 months, 0.25 from 6 months, ...
    course   schedule                                  organ dose  EQD2      ...
    1        70 Gy in 35 fx (2 Gy/fx)                  70.00 Gy    70.00 Gy  ...
    2 (new)  65 Gy in 54 fx twice daily (1.204 Gy/fx)  65.00 Gy    54.65 Gy  ...
    Cumulative EQD2 89.65 Gy, cumulative BED 149.41 Gy (alpha/beta 3 Gy)
    Note: course 2, 65 Gy in 54 fx twice daily (1.204 Gy/fx): full repair assumed ...

    With the organ's repair half-time (Thames 1985), for a schedule that
    gives the hours between same-day fractions:

    >>> result = cumulative_dose(
    ...     [Course("70/35", interval_months=24), Course("65/54 bid 6h")],
    ...     alpha_beta=3, recovery="step-cord-2021", organ="spinal cord",
    ...     repair_half_time_hours=4)
    >>> round(result.cumulative_eqd2, 2)
    95.18
    >>> print(result.notes[0])
    course 2, 65 Gy in 54 fx twice daily, 6 h apart (1.204 Gy/fx): incomplete repair
    (Thames 1985): 2 fx/day 6 h apart, repair half-time 4 h, h = 0.3536
    """
    history = _course_list("courses", courses)
    if not history:
        raise InvalidInputError("courses must hold at least one course, got none")
    ab = check_scalar("alpha_beta", alpha_beta, "> 0", "Gy")
    organ_options = _OrganOptions(
        recovery, organ, recovery_any_organ, repair_half_time_hours, model, transition_dose
    )
    recovery_model, tissue = organ_options.resolved()
    gaps = _gaps(history, None, to_new=False)
    newest = _course_dose(len(history) - 1, history[-1], ab, None, 0.0, tissue)
    rows = (*_course_rows(history[:-1], gaps, ab, recovery_model, tissue), newest)
    total = _cumulative(
        [c.dose_to_organ for c in history],
        [c.schedule.fractions for c in history],
        gaps,
        ab,
        dataclasses.replace(organ_options, recovery=recovery_model),
        [c.schedule.fractions_per_day for c in history],
        [c.schedule.interval_hours for c in history],
    )[0]
    return CumulativeDose(
        alpha_beta=ab,
        recovery=recovery_model,
        courses=rows,
        cumulative_eqd2=float(total),
        cumulative_bed=float(total * (1 + lq.EQD2_REFERENCE_DOSE / ab)),
        warnings=_interval_warnings(gaps, to_new=False),
        notes=tuple(_history_notes(history, tissue, recovery_model, organ)),
        organ=organ,
        repair_half_time_hours=tissue.repair_half_time_hours,
    )


@_finite_result
def dose_budget(
    prior_courses: Sequence[Course],
    *,
    fractions: int | Sequence[int],
    alpha_beta: float,
    limit_eqd2: float | None = None,
    limit_bed: float | None = None,
    recovery: RecoverySpec = "none",
    organ: str | None = None,
    new_course_start: date | None = None,
    recovery_any_organ: bool = False,
    repair_half_time_hours: float | None = None,
    model: str = "lq",
    transition_dose: float | None = None,
    fractions_per_day: int = 1,
    interval_hours: float | None = None,
) -> DoseBudget:
    r"""The dose a new course may still give an organ, for candidate numbers of fractions.

    Parameters
    ----------
    prior_courses : sequence of Course
        The earlier courses, oldest first. Each gives its interval to the
        next course; the last one's is the interval to the new course (as
        ``interval_months``, or as ``ended`` with ``new_course_start``).
    fractions : int or sequence of int
        Candidate numbers of fractions of the new course (whole numbers
        :math:`\ge 1`), e.g. ``[1, 3, 5, 30, 54]``; keyword-only.
    alpha_beta : float
        The organ's :math:`\alpha/\beta > 0`; keyword-only, no default. [Gy]
    limit_eqd2 : float, optional
        The organ's cumulative limit in EQD2 at ``alpha_beta``. [Gy]
    limit_bed : float, optional
        The limit in BED instead (e.g. Nieder 2006's cumulative cord BED);
        give exactly one of ``limit_eqd2`` and ``limit_bed``. [Gy]
    <organ-options>
    new_course_start : datetime.date, optional
        Planned first day of the new course, when intervals come from dates.
    fractions_per_day : int, optional
        Fractions a day of the new course (2 = twice daily); default 1.
    interval_hours : float, optional
        Hours between same-day fractions of the new course; needed with
        ``repair_half_time_hours`` when ``fractions_per_day > 1``. [h]

    Returns
    -------
    DoseBudget
        The limit, the discounted history, the remaining EQD2 (negative when
        exceeded, with ``limit_reached`` True and every option 0) and one
        :class:`BudgetOption` per candidate, with interval warnings. Prints
        as a table, renders as HTML in Jupyter, converts with ``to_dict()``.

    Raises
    ------
    InvalidInputError
        For both or neither limit, a limit :math:`\le 0`, candidates that
        are not whole numbers :math:`\ge 1`, the errors of
        :func:`cumulative_dose` about courses, or those of
        :func:`max_new_dose`.

    Notes
    -----
    :math:`R = L - \sum_i (1 - r(t_i))\,\mathrm{EQD2}_i` (:func:`remaining_eqd2`)
    and, for each candidate :math:`n`, the dose of :func:`max_new_dose`:

    .. math:: D = \frac{2B}{1 + \sqrt{1 + 4B/(n\,\alpha/\beta)}}, \qquad
              B = \max(R, 0)\,(1 + 2/(\alpha/\beta))

    A BED limit is converted as :math:`L = \mathrm{BED}/(1 + 2/(\alpha/\beta))`.

    References
    ----------
    .. [1] Fowler JF. Br J Radiol 1989;62:679-694.
    .. [2] Nieder C, et al. Int J Radiat Oncol Biol Phys 2006;66:1446-1449.

    Examples
    --------
    Cord, 45 Gy in 25 fractions 24 months ago, against the cumulative cord
    BED of Nieder 2006 (135.5 Gy at alpha/beta 2 Gy; evidence status:
    abstract):

    >>> budget = dose_budget([Course("45/25", interval_months=24)], fractions=[1, 5, 30],
    ...                      alpha_beta=2, limit_bed=135.5)
    >>> round(budget.remaining_eqd2, 2), [round(o.max_dose, 2) for o in budget.options]
    (25.0, [9.05, 17.91, 32.45])
    """
    history = _course_list("prior_courses", prior_courses)
    ab = check_scalar("alpha_beta", alpha_beta, "> 0", "Gy")
    if (limit_eqd2 is None) == (limit_bed is None):
        raise InvalidInputError("give exactly one of limit_eqd2 and limit_bed")
    if limit_bed is not None:
        bed_limit = check_scalar("limit_bed", limit_bed, "> 0", "Gy")
        limit = lq.eqd2_from_bed(bed_limit, alpha_beta=ab)
        quantity = "bed"
    else:
        limit = check_scalar("limit_eqd2", limit_eqd2, "> 0", "Gy")
        bed_limit = lq.bed_from_eqd2(limit, alpha_beta=ab)
        quantity = "eqd2"
    candidates = _candidate_fractions(fractions)
    organ_options = _OrganOptions(
        recovery, organ, recovery_any_organ, repair_half_time_hours, model, transition_dose
    )
    recovery_model, tissue = organ_options.resolved()
    per_day = _candidate_fractions(fractions_per_day, "fractions_per_day")[0]
    hours = (
        None
        if interval_hours is None
        else check_scalar("interval_hours", interval_hours, "> 0", "h")
    )
    organ_options = dataclasses.replace(organ_options, recovery=recovery_model)
    gaps = _gaps(history, new_course_start, to_new=True) if history else []
    history_args = (
        [c.dose_to_organ for c in history],
        [c.schedule.fractions for c in history],
        gaps,
        ab,
        organ_options,
        [c.schedule.fractions_per_day for c in history],
        [c.schedule.interval_hours for c in history],
    )
    left, _, (n_new,), _, _, history_eqd2 = _remaining(
        limit, *history_args, extra=(Arg("fractions", list(candidates), "> 0"),)
    )
    remaining = float(left)
    doses = tissue.dose_for(max(remaining, 0.0), n_new, ab, per_day, hours)
    notes = _history_notes(history, tissue, recovery_model, organ)
    notes += tissue.notes("the new course", per_day, hours)
    return DoseBudget(
        limit_eqd2=limit,
        limit_bed=bed_limit,
        limit_quantity=quantity,
        alpha_beta=ab,
        recovery=recovery_model,
        prior=tuple(_course_rows(history, gaps, ab, recovery_model, tissue)),
        history_eqd2=float(history_eqd2),
        remaining_eqd2=remaining,
        options=tuple(
            BudgetOption(fractions=n, max_dose=float(d), dose_per_fraction=float(d) / n)
            for n, d in zip(candidates, np.atleast_1d(doses), strict=True)
        ),
        warnings=_interval_warnings(gaps, to_new=True),
        notes=tuple(notes),
        organ=organ,
        repair_half_time_hours=tissue.repair_half_time_hours,
        fractions_per_day=per_day,
    )


def _candidate_fractions(fractions: object, name: str = "fractions") -> tuple[int, ...]:
    values = [fractions] if not isinstance(fractions, (Sequence, np.ndarray)) else list(fractions)
    if isinstance(fractions, (str, bytes)) or not values:
        raise InvalidInputError(
            f"{name} must be a whole number >= 1 or a non-empty list of them, got "
            f"{_short(fractions)}"
        )
    checked = []
    for i, value in enumerate(values):
        number = check_scalar(f"{name}[{i}]", value, "> 0")
        if number != int(number) or number < 1:
            raise InvalidInputError(f"{name}[{i}] must be a whole number >= 1, got {number!r}")
        checked.append(int(number))
    return tuple(checked)


# --------------------------------------------------------------------------- limits from sets

_CUMULATIVE_QUANTITIES = MappingProxyType({"cumulative-eqd2": "eqd2", "cumulative-bed": "bed"})


@dataclass(frozen=True)
class ConstraintLimit:
    r"""A cumulative organ limit taken from a constraint set (see :func:`constraint_limit`).

    Attributes
    ----------
    set_name, rule_id : str
        The constraint set and the rule's id in it.
    quantity : {"eqd2", "bed"}
        What the limit is expressed in: pass ``limit`` as ``limit_eqd2`` or
        ``limit_bed`` of :func:`dose_budget`.
    limit : float
        The cumulative limit. [Gy]
    alpha_beta : float or None
        The :math:`\alpha/\beta` the limit is expressed at. [Gy]
    alpha_beta_assumed : bool
        True when that :math:`\alpha/\beta` is radcalc's assumption, not the
        source's (the organ's own may replace it).
    source, source_status, kind, severity : str
        The citation and its evidence status, what kind of number it is and
        how the rule is judged.
    """

    set_name: str
    rule_id: str
    quantity: Literal["eqd2", "bed"]
    limit: float
    alpha_beta: float | None
    alpha_beta_assumed: bool
    source: str
    source_status: str
    kind: str
    severity: str

    def describe(self) -> str:
        """One line naming the rule, its limit and its source."""
        at = "" if self.alpha_beta is None else f" at alpha/beta {self.alpha_beta:g} Gy"
        assumed = " (radcalc's assumption)" if self.alpha_beta_assumed else ""
        return (
            f"limit from {self.set_name}:{self.rule_id}: cumulative {self.quantity.upper()} <= "
            f"{self.limit:g} Gy{at}{assumed} ({self.kind}); source: {self.source} "
            f"[{self.source_status}]. The rule's other conditions of use are not checked "
            "here: see radcalc constraints show"
        )


def _rule_reads_organ(rule: ConstraintRule, organ: str) -> bool:
    """The one place a budget matches an organ name to a rule (the rule's own matcher)."""
    return rule.applies_to_organ(organ)


def _limit_rules(cset: ConstraintSet, organ: str) -> list[ConstraintRule]:
    """The set's cumulative upper limits (not information-only rows) read for ``organ``."""
    return [
        rule
        for rule in cset.rules
        if rule.quantity in _CUMULATIVE_QUANTITIES
        and rule.comparator in ("<=", "<")
        and rule.severity != "info"
        and _rule_reads_organ(rule, organ)
    ]


def constraint_limit(
    constraint_set: str | os.PathLike[str] | ConstraintSet, organ: str, *, rule: str | None = None
) -> ConstraintLimit:
    """The cumulative limit for ``organ`` in a shipped or user constraint set.

    Parameters
    ----------
    constraint_set : str, path-like or ConstraintSet
        A shipped set name (``radcalc constraints list``) or a constraint
        file of the same schema.
    organ : str
        The organ, matched to the rules as :func:`radcalc.check_plan` does.
    rule : str, optional
        The rule's id, to choose among several (or to take an
        information-only rule, which is otherwise not a limit).

    Returns
    -------
    ConstraintLimit

    Raises
    ------
    InvalidInputError
        When the set has no cumulative limit for the organ, or several and
        ``rule`` does not choose one (the message lists the candidates), or
        ``rule`` is not a cumulative organ limit of the set.
    ConstraintSetError
        When the set cannot be loaded.

    Examples
    --------
    >>> limit = constraint_limit("nieder2006-cord", "spinal cord")
    >>> limit.rule_id, limit.quantity, limit.limit, limit.alpha_beta
    ('cumulative-bed', 'bed', 135.5, 2.0)
    """
    from radcalc.constraints import load_constraint_set

    cset = load_constraint_set(constraint_set)
    if not isinstance(organ, str) or not organ.strip():
        raise InvalidInputError(f"organ must be a non-empty organ name, got {organ!r}")
    if rule is not None:
        chosen = [r for r in cset.rules if r.id == rule]
        if not chosen or chosen[0].quantity not in _CUMULATIVE_QUANTITIES:
            ids = ", ".join(r.id for r in cset.rules if r.quantity in _CUMULATIVE_QUANTITIES)
            raise InvalidInputError(
                f"constraint set {cset.name!r} has no rule {rule!r} with a cumulative limit; "
                f"its cumulative rules: {ids or 'none'}"
            )
        if not _rule_reads_organ(chosen[0], organ):
            raise InvalidInputError(
                f"rule {cset.name}:{rule} is for {' / '.join(chosen[0].applies_to)}, "
                f"not organ {organ!r}"
            )
        candidates = chosen
    else:
        candidates = _limit_rules(cset, organ)
    if not candidates:
        readable = [
            f"{r.id} ({' / '.join(r.applies_to)})"
            for r in cset.rules
            if r.quantity in _CUMULATIVE_QUANTITIES
        ]
        raise InvalidInputError(
            f"constraint set {cset.name!r} has no cumulative limit for organ {organ!r}; "
            f"its cumulative rules: {', '.join(readable) or 'none'}"
        )
    if len(candidates) > 1:
        raise InvalidInputError(
            f"constraint set {cset.name!r} has {len(candidates)} cumulative limits for organ "
            f"{organ!r}: {', '.join(r.id for r in candidates)}; choose one with rule= "
            "(--rule on the command line)"
        )
    found = candidates[0]
    if found.limit is None:  # pragma: no cover - the schema requires a limit here
        raise InvalidInputError(f"rule {cset.name}:{found.id} has no limit")
    return ConstraintLimit(
        set_name=cset.name,
        rule_id=found.id,
        quantity="eqd2" if _CUMULATIVE_QUANTITIES[found.quantity] == "eqd2" else "bed",
        limit=found.limit,
        alpha_beta=found.alpha_beta,
        alpha_beta_assumed=found.alpha_beta_assumed,
        source=f"{cset.source.short}, {found.table_page or cset.source.table_page}",
        source_status=found.status,
        kind=found.kind,
        severity=found.severity,
    )
