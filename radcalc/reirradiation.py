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

The LQ model here assumes complete repair between fractions (twice-daily
schedules included) and ignores overall treatment time.

Months are :data:`radcalc.recovery.MONTH_DAYS` = 30.4375 days.

References
----------
.. [1] Nieder C, Grosu AL, Andratschke NH, Molls M. Update of human spinal
   cord reirradiation tolerance based on additional data from 38 patients.
   Int J Radiat Oncol Biol Phys 2006;66:1446-1449 (cumulative BED,
   intervals >= 6 months; evidence status: abstract).
.. [2] Li JS, et al. International recommendations on postoperative
   management for potentially resectable locally recurrent nasopharyngeal
   carcinoma. Int J Radiat Oncol Biol Phys 2024.
   doi:10.1016/j.ijrobp.2024.07.2143 (latency under 6 to 12 months).
.. [3] Fowler JF. The linear-quadratic formula and progress in fractionated
   radiotherapy. Br J Radiol 1989;62:679-694.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from radcalc import lq
from radcalc._validate import Arg, finish, prepare
from radcalc.errors import InvalidInputError
from radcalc.recovery import RecoveryModel, resolve_recovery

__all__ = [
    "MINIMUM_INTERVAL_MONTHS",
    "cumulative_bed",
    "cumulative_eqd2",
    "max_new_dose",
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

Recovery = RecoveryModel | str | os.PathLike[str]


# --------------------------------------------------------------------------- arrays


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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


def _eqd2(dose: Any, fractions: Any, alpha_beta: Any) -> Any:
    # Withers formula, the EQD2 of radcalc.lq.eqd2 on already validated arrays.
    return lq._eqdx(dose, fractions, alpha_beta, lq.EQD2_REFERENCE_DOSE)


def _discounted_history(
    doses: list[Any],
    fractions: list[Any],
    intervals: list[Any],
    alpha_beta: Any,
    model: RecoveryModel,
) -> Any:
    r""":math:`\sum_i (1 - r(t_i))\,\mathrm{EQD2}_i` with :math:`t_i` = ``sum(intervals[i:])``."""
    total: Any = 0
    elapsed: Any = 0
    for i in reversed(range(len(doses))):
        elapsed = elapsed + intervals[i]
        recovered = model.fraction_recovered(elapsed)
        total = total + (1 - recovered) * _eqd2(doses[i], fractions[i], alpha_beta)
    return total


def _cumulative(
    doses: Any,
    fractions: Any,
    intervals_months: Any,
    alpha_beta: Any,
    recovery: Recovery,
    organ: str | None,
) -> tuple[Any, Any, bool]:
    model = resolve_recovery(recovery, organ=organ)
    d, n, t, (ab,), scalar = _prepare_history(
        doses,
        fractions,
        intervals_months,
        dose_name="doses",
        fractions_name="fractions",
        newest_included=True,
        extra=(Arg("alpha_beta", alpha_beta, "> 0", "Gy"),),
    )
    history = _discounted_history(d[:-1], n[:-1], t, ab, model)
    return history + _eqd2(d[-1], n[-1], ab), ab, scalar


def cumulative_eqd2(
    doses: Any,
    fractions: Any,
    intervals_months: Any,
    *,
    alpha_beta: Any,
    recovery: Recovery = "none",
    organ: str | None = None,
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
    recovery : RecoveryModel, str or os.PathLike, optional
        Anything :func:`radcalc.recovery.resolve_recovery` accepts; default
        ``"none"`` (no recovery, the conservative choice).
    organ : str, optional
        The organ table to use when ``recovery`` is a TOML file.

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
    .. [2] Doi H, et al. Strahlenther Onkol 2021;197:463-473 (the summation
       with a recovery factor; evidence status: abstract).

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
    result, _, scalar = _cumulative(doses, fractions, intervals_months, alpha_beta, recovery, organ)
    return finish(result, scalar)


def cumulative_bed(
    doses: Any,
    fractions: Any,
    intervals_months: Any,
    *,
    alpha_beta: Any,
    recovery: Recovery = "none",
    organ: str | None = None,
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
    recovery : RecoveryModel, str or os.PathLike, optional
        Anything :func:`radcalc.recovery.resolve_recovery` accepts; default
        ``"none"`` (no recovery, the conservative choice).
    organ : str, optional
        The organ table to use when ``recovery`` is a TOML file.

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
    result, ab, scalar = _cumulative(
        doses, fractions, intervals_months, alpha_beta, recovery, organ
    )
    return finish(result * (1 + lq.EQD2_REFERENCE_DOSE / ab), scalar)


def _remaining(
    limit: Any,
    prior_doses: Any,
    prior_fractions: Any,
    intervals_months: Any,
    alpha_beta: Any,
    recovery: Recovery,
    organ: str | None,
    extra: Sequence[Arg] = (),
) -> tuple[Any, Any, list[Any], bool]:
    model = resolve_recovery(recovery, organ=organ)
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
    return lim - _discounted_history(d, n, t, ab, model), ab, rest, scalar


def remaining_eqd2(
    limit: Any,
    prior_doses: Any,
    prior_fractions: Any,
    intervals_months: Any,
    *,
    alpha_beta: Any,
    recovery: Recovery = "none",
    organ: str | None = None,
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
    recovery : RecoveryModel, str or os.PathLike, optional
        Anything :func:`radcalc.recovery.resolve_recovery` accepts; default
        ``"none"``.
    organ : str, optional
        The organ table to use when ``recovery`` is a TOML file.

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
    remaining, _, _, scalar = _remaining(
        limit, prior_doses, prior_fractions, intervals_months, alpha_beta, recovery, organ
    )
    return finish(remaining, scalar)


def max_new_dose(
    limit: Any,
    prior_doses: Any,
    prior_fractions: Any,
    intervals_months: Any,
    *,
    fractions: Any,
    alpha_beta: Any,
    recovery: Recovery = "none",
    organ: str | None = None,
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
    recovery : RecoveryModel, str or os.PathLike, optional
        Anything :func:`radcalc.recovery.resolve_recovery` accepts; default
        ``"none"``.
    organ : str, optional
        The organ table to use when ``recovery`` is a TOML file.

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

    References
    ----------
    .. [1] Fowler JF. The linear-quadratic formula and progress in
       fractionated radiotherapy. Br J Radiol 1989;62:679-694.

    Examples
    --------
    Cord after 45 Gy in 25 fractions 24 months ago, user-supplied
    illustrative limit 70 Gy EQD2 at alpha/beta 2 Gy, for 1, 5 and 30
    fractions:

    >>> max_new_dose(70, [45], [25], [24], fractions=[1, 5, 30], alpha_beta=2).round(2)
    array([ 9.49, 18.87, 34.58])
    """
    remaining, ab, (n_new,), scalar = _remaining(
        limit,
        prior_doses,
        prior_fractions,
        intervals_months,
        alpha_beta,
        recovery,
        organ,
        extra=(Arg("fractions", fractions, "> 0"),),
    )
    dose = lq.dose_for_eqd2(np.maximum(remaining, 0), n_new, alpha_beta=ab)
    return finish(dose, scalar)
