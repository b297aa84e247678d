r"""Overall treatment time: repopulation of tumour clonogens during a course.

A course that lasts longer than the kick-off time :math:`T_k` loses effect to
accelerated repopulation, a constant amount :math:`K` of BED per day [1]_ [2]_:

.. math:: \mathrm{BED}_T = \mathrm{BED} - K \max(0,\ T - T_k)

It concerns proliferating tissue (tumour, acute reactions), not late
reactions. radcalc has no default :math:`T_k` or :math:`K`: both depend on the
tumour and must be chosen, with a source, by the user. For orientation, [2]_
reports for head and neck squamous cell carcinoma an onset near 4 weeks and a
loss of about 0.6 Gy a day in 2-Gy-fraction dose, i.e.
:math:`K = 0.6\,(1 + 2/(\alpha/\beta))` Gy/day of BED (0.72 at
:math:`\alpha/\beta = 10` Gy).

References
----------
.. [1] Fowler JF. The linear-quadratic formula and progress in fractionated
   radiotherapy. Br J Radiol 1989;62:679-694. doi:10.1259/0007-1285-62-740-679
.. [2] Withers HR, Taylor JMG, Maciejewski B. The hazard of accelerated tumor
   clonogen repopulation during radiotherapy. Acta Oncol 1988;27:131-146.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from radcalc._scaled import careful_and_proven
from radcalc._validate import Arg, check_whole, require, validate
from radcalc.errors import InvalidInputError

__all__ = ["minimum_overall_days", "repopulation_bed", "repopulation_rate"]


def repopulation_rate(*, alpha: Any, potential_doubling_days: Any) -> Any:
    r"""BED lost per day to repopulation, from :math:`\alpha` and :math:`T_{pot}`.

    Parameters
    ----------
    alpha : array_like
        Linear LQ coefficient :math:`\alpha > 0` of the tumour; keyword-only.
        [1/Gy]
    potential_doubling_days : array_like
        Potential doubling time of the clonogens, :math:`T_{pot} > 0`;
        keyword-only. [days]

    Returns
    -------
    float or numpy.ndarray
        :math:`K` [Gy/day of BED].

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, :math:`\alpha \le 0`,
        :math:`T_{pot} \le 0`, or shapes that do not broadcast.
        Also when the result overflows (its true value is not a finite float).

    Notes
    -----
    Clonogens doubling every :math:`T_{pot}` days need
    :math:`\ln 2/\alpha` Gy of BED per doubling to be killed again [1]_:

    .. math:: K = \frac{\ln 2}{\alpha\, T_{pot}}

    References
    ----------
    .. [1] Fowler JF. The linear-quadratic formula and progress in
       fractionated radiotherapy. Br J Radiol 1989;62:679-694.

    Examples
    --------
    >>> round(repopulation_rate(alpha=0.3, potential_doubling_days=3), 4)
    0.7702
    """
    call = validate("repopulation_rate", *_rate_args(alpha, potential_doubling_days))
    return call.finish(*careful_and_proven(_rate, *call.arrays, lazy=call.lazy))


def repopulation_bed(
    overall_days: Any,
    *,
    kickoff_days: Any,
    repopulation_bed_per_day: Any = None,
    alpha: Any = None,
    potential_doubling_days: Any = None,
) -> Any:
    r"""BED lost to repopulation over a course, :math:`K \max(0,\ T - T_k)`.

    Give the rate :math:`K` either directly (``repopulation_bed_per_day``) or
    through ``alpha`` and ``potential_doubling_days`` (see
    :func:`repopulation_rate`), not both.

    Parameters
    ----------
    overall_days : array_like
        Overall treatment time :math:`T \ge 0`, counted from the first to the
        last fraction (so 5 fractions on consecutive days take 4 days). [days]
    kickoff_days : array_like
        Time :math:`T_k \ge 0` after which repopulation starts; keyword-only,
        no default. [days]
    repopulation_bed_per_day : array_like, optional
        :math:`K \ge 0`, the BED lost per day after :math:`T_k`; keyword-only.
        [Gy/day]
    alpha : array_like, optional
        Linear LQ coefficient :math:`\alpha > 0` of the tumour; keyword-only.
        [1/Gy]
    potential_doubling_days : array_like, optional
        Potential doubling time :math:`T_{pot} > 0`; keyword-only. [days]

    Returns
    -------
    float or numpy.ndarray
        The BED to subtract, :math:`\ge 0` [Gy]; zero when
        :math:`T \le T_k`.

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, negative :math:`T`, :math:`T_k` or
        :math:`K`, non-positive :math:`\alpha` or :math:`T_{pot}`, neither or
        both ways of giving :math:`K`, or shapes that do not broadcast.
        Also when the result overflows (its true value is not a finite float).

    Notes
    -----
    The time factor of [1]_ with the onset of accelerated repopulation of
    [2]_:

    .. math:: \Delta\mathrm{BED} = K \max(0,\ T - T_k),
              \qquad K = \frac{\ln 2}{\alpha\, T_{pot}}

    References
    ----------
    .. [1] Fowler JF. The linear-quadratic formula and progress in
       fractionated radiotherapy. Br J Radiol 1989;62:679-694.
    .. [2] Withers HR, Taylor JMG, Maciejewski B. The hazard of accelerated
       tumor clonogen repopulation during radiotherapy. Acta Oncol
       1988;27:131-146.

    Examples
    --------
    >>> repopulation_bed([20, 28, 38], kickoff_days=28, repopulation_bed_per_day=0.72).round(2)
    array([0. , 0. , 7.2])
    """
    check_rate_options(repopulation_bed_per_day, alpha, potential_doubling_days)
    call = validate(
        "repopulation_bed",
        Arg("overall_days", overall_days, ">= 0", "days"),
        Arg("kickoff_days", kickoff_days, ">= 0", "days"),
        *rate_args(repopulation_bed_per_day, alpha, potential_doubling_days),
    )
    return call.finish(*careful_and_proven(_repopulation_bed, *call.arrays, lazy=call.lazy))


def _repopulation_bed(overall_days: Any, kickoff_days: Any, *rate: Any) -> Any:
    return repopulation_bed_unchecked(overall_days, kickoff_days, rate_from(list(rate)))


def minimum_overall_days(fractions: Any, fractions_per_day: Any = 1) -> Any:
    r"""Shortest overall time a schedule allows, first to last fraction.

    Parameters
    ----------
    fractions : array_like
        Number of fractions, :math:`n > 0`.
    fractions_per_day : array_like, optional
        Fractions a treatment day, :math:`m`, a whole number :math:`\ge 1`.
        Default 1.

    Returns
    -------
    float or numpy.ndarray
        :math:`\lceil n/m \rceil - 1` [days]: ``n`` fractions need
        :math:`\lceil n/m \rceil` treatment days, and the overall time is
        counted from the first to the last fraction, treating on every day
        (no weekend breaks).

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, :math:`n \le 0`, :math:`m` not a whole
        number :math:`\ge 1`, or shapes that do not broadcast.

    Examples
    --------
    >>> minimum_overall_days(5), minimum_overall_days(54, 2)
    (4.0, 26.0)
    """
    call = validate(
        "minimum_overall_days",
        Arg("fractions", fractions, "> 0"),
        Arg("fractions_per_day", fractions_per_day, "> 0"),
    )
    n, m = call.arrays
    check_whole("fractions_per_day", m)
    return call.finish(_minimum_overall_days(n, m))


def _minimum_overall_days(fractions: Any, fractions_per_day: Any) -> Any:
    return np.ceil(fractions / fractions_per_day) - 1


def check_overall_days(overall_days: Any, fractions: Any, fractions_per_day: Any) -> None:
    """Require ``overall_days`` to be at least :func:`minimum_overall_days` (validated arrays)."""
    per_day = 1 if fractions_per_day is None else fractions_per_day
    minimum = _minimum_overall_days(fractions, per_day)
    require(
        overall_days >= minimum,
        "overall_days is shorter than the schedule allows: n fractions at m a day need "
        "overall_days >= ceil(n/m) - 1 (first to last fraction, treating every day)",
        overall_days=overall_days,
        minimum=minimum,
        fractions=fractions,
        fractions_per_day=per_day,
    )


def check_rate_options(rate: Any, alpha: Any, potential_doubling_days: Any) -> None:
    """Require exactly one way of giving K: the rate, or alpha with T_pot."""
    if rate is not None and (alpha is not None or potential_doubling_days is not None):
        raise InvalidInputError(
            "give the repopulation rate either as repopulation_bed_per_day or through "
            "alpha and potential_doubling_days, not both"
        )
    if (alpha is None) != (potential_doubling_days is None):
        given = "alpha" if alpha is not None else "potential_doubling_days"
        raise InvalidInputError(
            "alpha and potential_doubling_days go together (K = ln 2 / (alpha T_pot)), "
            f"got {given} only"
        )
    if rate is None and alpha is None:
        raise InvalidInputError(
            "the repopulation correction needs repopulation_bed_per_day (K [Gy/day]) or "
            "alpha with potential_doubling_days; there is no default"
        )


def rate_args(rate: Any, alpha: Any, potential_doubling_days: Any) -> list[Arg]:
    """The arguments that give K, as checked by :func:`check_rate_options`."""
    if rate is not None:
        return [Arg("repopulation_bed_per_day", rate, ">= 0", "Gy/day")]
    return list(_rate_args(alpha, potential_doubling_days))


def rate_from(arrays: list[Any]) -> Any:
    """K from the prepared arrays of :func:`rate_args`."""
    return arrays[0] if len(arrays) == 1 else _rate(*arrays)


def _rate_args(alpha: Any, potential_doubling_days: Any) -> tuple[Arg, Arg]:
    return (
        Arg("alpha", alpha, "> 0", "1/Gy"),
        Arg("potential_doubling_days", potential_doubling_days, "> 0", "days"),
    )


def _rate(alpha: Any, potential_doubling_days: Any) -> Any:
    return math.log(2) / (alpha * potential_doubling_days)  # K of [1]


def repopulation_bed_unchecked(overall_days: Any, kickoff_days: Any, rate: Any) -> Any:
    return rate * np.maximum(overall_days - kickoff_days, 0)  # K max(0, T - T_k) of [1]
