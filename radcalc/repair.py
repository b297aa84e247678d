r"""Incomplete repair between fractions given on the same day (Thames 1985).

Plain LQ assumes that sublethal damage is fully repaired between fractions.
With several fractions a day the gap may be too short for that, above all in
slowly repairing late-responding tissue (a repair half-time of hours). The
unrepaired part of one fraction's damage then interacts with the next
fraction's, which adds to the quadratic term of the LQ model [1]_:

.. math:: \mathrm{BED} = n d \left(1 + \frac{d\,(1 + h_m)}{\alpha/\beta}\right)

where :math:`h_m` is the incomplete-repair factor of :func:`repair_factor`.

References
----------
.. [1] Thames HD. An 'incomplete-repair' model for survival after fractionated
   and continuous irradiations. Int J Radiat Biol 1985;47:319-339.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from radcalc._validate import Arg, check_whole, require, validate

__all__ = ["repair_factor"]

#: Hours in a day: all fractions of one treatment day must fall within it. [h]
HOURS_PER_DAY = 24.0


def repair_factor(
    fractions_per_day: Any, *, interval_hours: Any, repair_half_time_hours: Any
) -> Any:
    r"""Incomplete-repair factor :math:`h_m` of ``m`` equally spaced fractions a day.

    Parameters
    ----------
    fractions_per_day : array_like
        Fractions given on one treatment day, :math:`m`, a whole number
        :math:`\ge 1` (2 for twice daily).
    interval_hours : array_like
        Time between consecutive fractions of the same day,
        :math:`\Delta t > 0`; keyword-only. All :math:`m` fractions must fit in
        one day: :math:`(m - 1)\,\Delta t < 24` h. [h]
    repair_half_time_hours : array_like
        Half-time of mono-exponential repair of sublethal damage in the tissue,
        :math:`T_{1/2} > 0`; keyword-only, no default (it is a tissue
        property the user must choose and cite). [h]

    Returns
    -------
    float or numpy.ndarray
        :math:`h_m`, dimensionless, with :math:`0 \le h_m < m - 1`; a float for
        scalar input, else an array of the broadcast shape.

    Raises
    ------
    InvalidInputError
        For NaN or infinite values, :math:`m` not a whole number :math:`\ge 1`
        or above 1000 (a software bound: the sum has :math:`m - 1` terms),
        :math:`\Delta t \le 0`, :math:`T_{1/2} \le 0`,
        :math:`(m - 1)\,\Delta t \ge 24` h, or shapes that do not broadcast.

    Notes
    -----
    With mono-exponential repair the fraction of damage still unrepaired after
    :math:`\Delta t` is

    .. math:: \theta = \exp\!\left(-\frac{\ln 2\,\Delta t}{T_{1/2}}\right)

    and [1]_ gives, for :math:`m` equally spaced fractions a day and complete
    repair overnight,

    .. math:: h_m = \frac{2}{m}\,\frac{\theta}{1-\theta}
              \left[m - \frac{1-\theta^m}{1-\theta}\right]

    *Derivation.* Fractions :math:`i < j` of one day are :math:`(j-i)\,\Delta t`
    apart, so their damage interacts with weight :math:`\theta^{\,j-i}`. There
    are :math:`m-k` pairs :math:`k` steps apart, so one day's quadratic term is
    :math:`\beta d^2 \left[m + 2\sum_{k=1}^{m-1}(m-k)\,\theta^k\right]
    = \beta\, m\, d^2 (1 + h_m)` with

    .. math:: h_m = \frac{2}{m}\sum_{k=1}^{m-1}(m-k)\,\theta^k

    and :math:`\sum_{k=1}^{m-1}(m-k)\theta^k
    = \frac{\theta}{1-\theta}\left[m - \frac{1-\theta^m}{1-\theta}\right]`
    (write :math:`m - \sum_{j=0}^{m-1}\theta^j = \sum_{j=1}^{m-1}(1-\theta^j)`
    and expand :math:`1-\theta^j = (1-\theta)\sum_{k=0}^{j-1}\theta^k`), which
    is the form of [1]_. Hence :math:`h_1 = 0` (once daily is plain LQ),
    :math:`h_2 = \theta` and :math:`h_3 = \tfrac{2}{3}(2\theta + \theta^2)`.
    Every term is :math:`\ge 0`, and with :math:`0 \le \theta < 1` each
    :math:`\theta^k < 1`, so
    :math:`0 \le h_m < \tfrac{2}{m}\sum_{k=1}^{m-1}(m-k) = m - 1`;
    :math:`h_m \to 0` as :math:`\Delta t/T_{1/2} \to \infty` (it is exactly 0
    once :math:`\theta` underflows).

    radcalc evaluates the finite sum, which has no cancellation as
    :math:`\theta \to 1` and gives :math:`h_2 = \theta` exactly. (In floating
    point, :math:`\theta` rounds to 1 and :math:`h_m` to :math:`m-1` only when
    :math:`\Delta t / T_{1/2} < 10^{-16}`.)

    Assumptions of the model: the :math:`m` fractions of a day are equally
    spaced and each is delivered instantly; repair overnight (and over
    weekends) is complete, so fractions of different days do not interact
    (for :math:`T_{1/2} = 5` h and an 18 h overnight gap, 8 % of the damage
    is in fact still unrepaired); every treatment day carries :math:`m`
    fractions.

    References
    ----------
    .. [1] Thames HD. An 'incomplete-repair' model for survival after
       fractionated and continuous irradiations. Int J Radiat Biol
       1985;47:319-339.

    Examples
    --------
    Twice daily, 6 h apart, half-time 4 h: :math:`h_2 = \theta = 2^{-1.5}`.

    >>> round(repair_factor(2, interval_hours=6, repair_half_time_hours=4), 4)
    0.3536
    >>> repair_factor([1, 2, 3], interval_hours=6, repair_half_time_hours=6)
    array([0.        , 0.5       , 0.83333333])
    """
    call = validate(
        "repair_factor",
        Arg("fractions_per_day", fractions_per_day, "> 0"),
        Arg("interval_hours", interval_hours, "> 0", "h"),
        Arg("repair_half_time_hours", repair_half_time_hours, "> 0", "h"),
    )
    m, interval, half_time = call.arrays
    check_fractions_per_day(m, interval)
    return call.finish(repair_factor_unchecked(m, interval, half_time))


#: Largest fractions_per_day radcalc accepts: a software bound, not a clinical
#: number. The Thames sum is evaluated term by term (m - 1 terms), so an
#: absurd m (1e9) would otherwise make a call run for hours.
_MAX_FRACTIONS_PER_DAY = 1000


def check_fractions_per_day(fractions_per_day: Any, interval_hours: Any) -> None:
    """Require whole fractions per day, at most 1000, that fit in one day (validated arrays)."""
    check_whole("fractions_per_day", fractions_per_day)
    require(
        fractions_per_day <= _MAX_FRACTIONS_PER_DAY,
        f"fractions_per_day must be <= {_MAX_FRACTIONS_PER_DAY} (a software bound: the "
        "incomplete-repair sum has fractions_per_day - 1 terms)",
        fractions_per_day=fractions_per_day,
    )
    if interval_hours is not None:
        require(
            (fractions_per_day - 1) * interval_hours < HOURS_PER_DAY,
            "all fractions of a day must fit in one day: interval_hours x "
            "(fractions_per_day - 1) must be < 24 h",
            interval_hours=interval_hours,
            fractions_per_day=fractions_per_day,
        )


def repair_factor_unchecked(
    fractions_per_day: Any, interval_hours: Any, half_time_hours: Any
) -> Any:
    """h_m of validated arrays, by the finite sum of the derivation in :func:`repair_factor`."""
    m = fractions_per_day
    # θ underflows to 0 (and Δt/T½ may overflow to inf) exactly when repair is complete
    # to float precision: h_m -> 0 is then the right value, not a loss of accuracy.
    with np.errstate(over="ignore", under="ignore"):
        theta = np.exp(-math.log(2) * (interval_hours / half_time_hours))  # θ of [1]
        total = np.zeros_like(theta * m)
        largest = int(np.max(m)) if np.size(m) else 0  # empty in, empty out
        for k in range(1, largest):
            total = total + np.where(k < m, (m - k) * theta**k, 0)  # Σ (m-k) θ^k
        return (2 / m) * total
