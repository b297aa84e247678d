r"""Recovery of normal tissue between two courses of radiotherapy.

A recovery model gives the fraction :math:`r(t) \in [0, 1]` of an earlier
course's effect that is assumed repaired after an interval :math:`t` [months]
between the end of that course and the start of the newest one. The
cumulative dose of :mod:`radcalc.reirradiation` counts an earlier course as
:math:`(1 - r)\,\mathrm{EQD2}`.

Centres disagree about recovery (a 2025 survey of 17 centres found a median
recovery factor of 23 % with a 21 % spread), so radcalc never picks one for
you: the default everywhere is :func:`none` (no recovery, the conservative
choice), and every result names the model it used and its source.

Models (each a frozen dataclass with ``name``, ``source`` and a vectorized
:meth:`RecoveryModel.fraction_recovered`):

====================  =========================================================
``none()``            :math:`r = 0` at any interval (the default).
``constant(f)``       :math:`r = f` at any interval; user-defined.
``step(...)``         a table of (interval threshold, recovered fraction);
                      user-defined, or the preset :data:`STEP_CORD_2021`.
``linear(...)``       a ramp from an onset to a plateau; user-parameterised.
``exponential(...)``  a saturating rise with a half-time; user-parameterised.
``from_toml(path)``   a clinic's own policy, one table per organ.
====================  =========================================================

Time unit. One month is :data:`MONTH_DAYS` = 365.25/12 = 30.4375 days (a
Julian year of 365.25 days divided by 12), so ``"1y"`` is exactly 12 months
and ``"365d"`` is 11.99 months. :func:`parse_interval` converts ``"18m"``,
``"540d"``, ``"1.5y"`` and ``"24 months"`` to months.

References
----------
.. [1] Doi H, et al. Strahlenther Onkol 2021;197:463-473. States the stepwise
   spinal-cord rule of :data:`STEP_CORD_2021`, quoting earlier work
   (evidence status: abstract).
.. [2] Price et al. Adv Radiat Oncol 2021. doi:10.1016/j.adro.2020.09.027.
   No recovery under 6 months rising to 50 % beyond 1 year; the values in
   between are not given (evidence status: abstract), so radcalc ships no
   preset for it.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeAlias

import numpy as np

from radcalc._toml import read_toml_file
from radcalc._validate import Arg, check_scalar, finish, normalize_name, prepare
from radcalc.errors import InvalidInputError

__all__ = [
    "MONTH_DAYS",
    "RECOVERY_PRESETS",
    "STEP_CORD_2021",
    "USER_DEFINED",
    "ConstantRecovery",
    "ExponentialRecovery",
    "LinearRecovery",
    "NoRecovery",
    "RecoveryModel",
    "RecoverySpec",
    "StepRecovery",
    "constant",
    "exponential",
    "from_toml",
    "linear",
    "none",
    "parse_interval",
    "recovery_scope_note",
    "resolve_recovery",
    "same_organ",
    "step",
]

#: Days in one month: a Julian year (365.25 days) divided by 12. [days]
MONTH_DAYS = 365.25 / 12

#: The ``source`` of every model whose numbers come from the user, not the literature.
USER_DEFINED = "user-defined"

_DAYS_PER_WEEK = 7.0
_MONTHS_PER_YEAR = 12.0


# --------------------------------------------------------------------------- intervals

_UNITS: Mapping[str, float] = MappingProxyType(
    {
        **dict.fromkeys(("m", "mo", "mon", "month", "months"), 1.0),
        **dict.fromkeys(("d", "day", "days"), 1.0 / MONTH_DAYS),
        **dict.fromkeys(("w", "wk", "week", "weeks"), _DAYS_PER_WEEK / MONTH_DAYS),
        **dict.fromkeys(("y", "yr", "yrs", "year", "years"), _MONTHS_PER_YEAR),
    }
)
_INTERVAL_RE = re.compile(
    r"^(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(?P<unit>[a-z]*)$",
    re.IGNORECASE,
)
_INTERVAL_FORMS = (
    "expected a number of months or a number with a unit: m/months, d/days, w/weeks, "
    "y/years (e.g. '18m', '540d', '1.5y', '24 months'; 1 month = 30.4375 days)"
)


def parse_interval(text: str | float) -> float:
    """Convert an interval typed by a user into months.

    Parameters
    ----------
    text : str or float
        A number with an optional unit: ``m``/``mo``/``months``, ``d``/``days``,
        ``w``/``weeks`` or ``y``/``yr``/``years`` (case-insensitive, space
        optional). A bare number, or a number without a unit, is in months.

    Returns
    -------
    float
        The interval [months], with one month = :data:`MONTH_DAYS` =
        30.4375 days and one year = 12 months.

    Raises
    ------
    InvalidInputError
        For text that is not an interval, an unknown unit, or a negative, NaN
        or infinite value.

    Examples
    --------
    >>> parse_interval("18m")
    18.0
    >>> parse_interval("1.5y")
    18.0
    >>> round(parse_interval("540d"), 3)
    17.741
    >>> parse_interval("24 months"), parse_interval(6)
    (24.0, 6.0)
    """
    if isinstance(text, str):
        match = _INTERVAL_RE.match(" ".join(text.strip().split()))
        unit = match.group("unit").lower() if match else ""
        if match is None or unit not in {"", *_UNITS}:
            raise InvalidInputError(f"interval {text!r} not understood: {_INTERVAL_FORMS}")
        months = float(match.group("number")) * _UNITS.get(unit, 1.0)
        return check_scalar(f"interval {text!r}", months, ">= 0", "months")
    if isinstance(text, bool):
        raise InvalidInputError(f"interval must be a number or a string, got {text!r}")
    return check_scalar("interval", text, ">= 0", "months")


# --------------------------------------------------------------------------- models


def _fraction_in_unit_interval(name: str, value: object) -> float:
    number = check_scalar(name, value, ">= 0")
    if number > 1:
        raise InvalidInputError(f"{name} must be in [0, 1], got {number!r}")
    return number


def _label(value: float) -> str:
    """Shortest text that reads back as ``value`` (``6.0`` -> ``'6'``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True, kw_only=True)
class RecoveryModel:
    r"""Base class of the recovery models: a name, a source and :math:`r(t)`.

    Subclasses implement ``_fraction(t)`` on a validated array of intervals
    [months] and must return values in :math:`[0, 1]` of the same dtype.

    Attributes
    ----------
    name : str
        Short name shown on every result (e.g. ``"step-cord-2021"``); an
        empty name is replaced by one derived from the parameters (e.g.
        ``"constant:0.25"``).
    source : str
        The citation the model's numbers come from, or exactly
        ``"user-defined"`` when the user supplied them.
    organs : tuple of str
        The organs the model's source is about (e.g. ``("spinal cord",)``);
        empty (the default) for a model that names no organ. A model with a
        scope is refused for another organ unless the caller allows it (see
        :func:`resolve_recovery`).
    """

    name: str
    source: str
    organs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Subclasses validate their parameters first, then call this.
        if isinstance(self.name, str) and not self.name.strip():
            object.__setattr__(self, "name", self._default_name())
        for field in ("name", "source"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                raise InvalidInputError(f"{field} must be a non-empty string, got {value!r}")
        organs = self.organs
        if isinstance(organs, str) or not all(
            isinstance(o, str) and o.strip() for o in tuple(organs)
        ):
            raise InvalidInputError(f"organs must be a tuple of organ names, got {organs!r}")
        object.__setattr__(self, "organs", tuple(organs))

    def fraction_recovered(self, interval_months: Any) -> Any:
        r"""Fraction :math:`r(t)` of an earlier course's effect recovered after ``t``.

        Parameters
        ----------
        interval_months : array_like
            Time from the end of the earlier course to the start of the newest
            course, :math:`t \ge 0`. [months]

        Returns
        -------
        float or numpy.ndarray
            :math:`r(t) \in [0, 1]`, non-decreasing in :math:`t`; a float for
            scalar input, else an array of the input's shape (float32 stays
            float32).

        Raises
        ------
        InvalidInputError
            For a negative, NaN or infinite interval.

        Examples
        --------
        >>> STEP_CORD_2021.fraction_recovered([3, 6, 12, 24])
        array([0.  , 0.25, 0.5 , 0.5 ])
        """
        (t,), scalar = prepare(Arg("interval_months", interval_months, ">= 0", "months"))
        return finish(self._fraction(t), scalar)

    def _fraction(self, t: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _default_name(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        """One line naming the model, its parameters, its organs and its source."""
        return f"{self.name}{self._scope()}; source: {self.source}"

    def _scope(self) -> str:
        return f" (for {', '.join(self.organs)} only)" if self.organs else ""


@dataclass(frozen=True, kw_only=True)
class NoRecovery(RecoveryModel):
    r"""No recovery: :math:`r(t) = 0` at any interval (the conservative default)."""

    name: str = "none"
    source: str = "no recovery assumed, the conservative default"

    def _fraction(self, t: Any) -> Any:
        return np.zeros_like(t)

    def _default_name(self) -> str:
        return "none"


@dataclass(frozen=True, kw_only=True)
class ConstantRecovery(RecoveryModel):
    r"""The same recovered fraction :math:`r(t) = f` at any interval."""

    fraction: float
    name: str = ""
    source: str = USER_DEFINED

    def __post_init__(self) -> None:
        object.__setattr__(self, "fraction", _fraction_in_unit_interval("fraction", self.fraction))
        super().__post_init__()

    def _fraction(self, t: Any) -> Any:
        return np.zeros_like(t) + t.dtype.type(self.fraction)

    def _default_name(self) -> str:
        return f"constant:{_label(self.fraction)}"


@dataclass(frozen=True, kw_only=True)
class StepRecovery(RecoveryModel):
    r"""A step table: :math:`r(t) = f_k` for :math:`t_k \le t < t_{k+1}`, 0 below :math:`t_1`.

    ``thresholds_months`` are strictly increasing and ``fractions`` are
    non-decreasing (more time never means less recovery), each in
    :math:`[0, 1]`. An interval equal to a threshold gets that threshold's
    fraction ("25 % from 6 months" means :math:`r(6) = 0.25`).
    """

    thresholds_months: tuple[float, ...]
    fractions: tuple[float, ...]
    name: str = ""
    source: str = USER_DEFINED

    def __post_init__(self) -> None:
        thresholds = _number_tuple("thresholds_months", self.thresholds_months)
        fractions = _number_tuple("fractions", self.fractions)
        if len(thresholds) != len(fractions):
            raise InvalidInputError(
                f"thresholds_months and fractions must have the same length, got "
                f"{len(thresholds)} and {len(fractions)}"
            )
        if not thresholds:
            raise InvalidInputError("a step model needs at least one (threshold, fraction) row")
        checked_t = [
            check_scalar(f"thresholds_months[{i}]", v, ">= 0", "months")
            for i, v in enumerate(thresholds)
        ]
        checked_f = [
            _fraction_in_unit_interval(f"fractions[{i}]", v) for i, v in enumerate(fractions)
        ]
        for i in range(1, len(checked_t)):
            if checked_t[i] <= checked_t[i - 1]:
                raise InvalidInputError(
                    f"thresholds_months must be strictly increasing, got {checked_t[i - 1]!r} "
                    f"then {checked_t[i]!r} at index {i}"
                )
            if checked_f[i] < checked_f[i - 1]:
                raise InvalidInputError(
                    f"fractions must be non-decreasing (more time never means less "
                    f"recovery), got {checked_f[i - 1]!r} then {checked_f[i]!r} at index {i}"
                )
        object.__setattr__(self, "thresholds_months", tuple(checked_t))
        object.__setattr__(self, "fractions", tuple(checked_f))
        super().__post_init__()

    def _default_name(self) -> str:
        return "step:" + ",".join(
            f"{_label(t)}m={_label(f)}"
            for t, f in zip(self.thresholds_months, self.fractions, strict=True)
        )

    def _fraction(self, t: Any) -> Any:
        result = np.zeros_like(t)
        wide = _as_float64(t)  # a threshold such as 1e-320 must not round to 0 in float32
        for threshold, fraction in zip(self.thresholds_months, self.fractions, strict=True):
            result = np.where(wide >= threshold, t.dtype.type(fraction), result)
        return result

    def describe(self) -> str:
        """One line naming the model, its table and its source.

        Examples
        --------
        >>> print(STEP_CORD_2021.describe())
        step-cord-2021: 0 below 6 months, 0.25 from 6 months, 0.5 from 12 months
        (for spinal cord only); source: Doi H et al. Strahlenther Onkol 2021;197:463-473, ...
        """
        rows = ", ".join(
            f"{_label(f)} from {_label(t)} months"
            for t, f in zip(self.thresholds_months, self.fractions, strict=True)
        )
        below = (
            f"0 below {_label(self.thresholds_months[0])} months, "
            if self.thresholds_months[0] > 0
            else ""
        )
        return f"{self.name}: {below}{rows}{self._scope()}; source: {self.source}"


@dataclass(frozen=True, kw_only=True)
class LinearRecovery(RecoveryModel):
    r"""A linear ramp from 0 at ``onset_months`` to ``maximum`` at ``plateau_months``.

    .. math:: r(t) = r_{max}\,\min\!\left(1, \max\!\left(0,
              \frac{t - t_0}{t_p - t_0}\right)\right)

    User-parameterised: no published default exists.
    """

    onset_months: float
    plateau_months: float
    maximum: float
    name: str = ""
    source: str = USER_DEFINED

    def __post_init__(self) -> None:
        onset = check_scalar("onset_months", self.onset_months, ">= 0", "months")
        plateau = check_scalar("plateau_months", self.plateau_months, ">= 0", "months")
        if plateau <= onset:
            raise InvalidInputError(
                f"plateau_months must be > onset_months ({onset!r}), got {plateau!r}"
            )
        object.__setattr__(self, "onset_months", onset)
        object.__setattr__(self, "plateau_months", plateau)
        object.__setattr__(self, "maximum", _fraction_in_unit_interval("maximum", self.maximum))
        super().__post_init__()

    def _default_name(self) -> str:
        return (
            f"linear:{_label(self.onset_months)},{_label(self.plateau_months)},"
            f"{_label(self.maximum)}"
        )

    def _fraction(self, t: Any) -> Any:
        # In float64 whatever the input dtype: a ramp width such as 1e-320 is 0 in
        # float32 (0/0 = NaN at the onset). The width of two distinct float64 is
        # never 0, so the ratio is never NaN; overflow to inf is clipped to 1.
        with np.errstate(over="ignore"):
            ramp = (_as_float64(t) - self.onset_months) / (self.plateau_months - self.onset_months)
        return (self.maximum * np.clip(ramp, 0.0, 1.0)).astype(t.dtype)

    def describe(self) -> str:
        """One line naming the model, its parameters and its source."""
        return (
            f"{self.name}: 0 until {_label(self.onset_months)} months, rising linearly to "
            f"{_label(self.maximum)} at {_label(self.plateau_months)} months{self._scope()}; "
            f"source: {self.source}"
        )


@dataclass(frozen=True, kw_only=True)
class ExponentialRecovery(RecoveryModel):
    r"""A saturating rise after an onset, with a half-time, towards ``maximum``.

    .. math:: r(t) = r_{max}\left(1 - 2^{-\max(0,\,t - t_0)/T_{1/2}}\right)

    User-parameterised: kinetic models of this shape exist (Woolley et al.
    Int J Radiat Biol 2018;94:515-531), but their parameters are not checked,
    so radcalc ships no default.
    """

    onset_months: float
    half_time_months: float
    maximum: float
    name: str = ""
    source: str = USER_DEFINED

    def __post_init__(self) -> None:
        onset = check_scalar("onset_months", self.onset_months, ">= 0", "months")
        half = check_scalar("half_time_months", self.half_time_months, "> 0", "months")
        object.__setattr__(self, "onset_months", onset)
        object.__setattr__(self, "half_time_months", half)
        object.__setattr__(self, "maximum", _fraction_in_unit_interval("maximum", self.maximum))
        super().__post_init__()

    def _default_name(self) -> str:
        return (
            f"exponential:{_label(self.onset_months)},{_label(self.half_time_months)},"
            f"{_label(self.maximum)}"
        )

    def _fraction(self, t: Any) -> Any:
        # In float64 whatever the input dtype (a half-time such as 1e-320 is 0 in
        # float32: 0/0 = NaN at the onset). elapsed/half-time is >= 0 and never
        # NaN; it may overflow to inf, where 1 - 2**-inf = 1 exactly.
        elapsed = np.maximum(_as_float64(t) - self.onset_months, 0.0)
        with np.errstate(over="ignore"):
            # 1 - 2**(-x) written as -expm1(-ln2 x), exact for small x.
            recovered = -np.expm1(-math.log(2) * (elapsed / self.half_time_months))
        return (self.maximum * recovered).astype(t.dtype)

    def describe(self) -> str:
        """One line naming the model, its parameters and its source."""
        return (
            f"{self.name}: 0 until {_label(self.onset_months)} months, then rising towards "
            f"{_label(self.maximum)} with a half-time of {_label(self.half_time_months)} "
            f"months{self._scope()}; source: {self.source}"
        )


def _as_float64(t: Any) -> Any:
    """``t`` in float64 (exact for float16/float32; a duck array stays lazy)."""
    return t if t.dtype == np.float64 else t.astype(np.float64)


def _number_tuple(name: str, value: object) -> tuple[Any, ...]:
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return tuple(value.tolist())
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidInputError(f"{name} must be a list of numbers, got {value!r}")
    return tuple(value)


# --------------------------------------------------------------------------- constructors


def none() -> NoRecovery:
    r"""No recovery between courses: :math:`r(t) = 0` (the conservative default).

    Returns
    -------
    NoRecovery

    Examples
    --------
    >>> none().fraction_recovered(36)
    0.0
    """
    return NoRecovery()


def constant(
    fraction: float, *, name: str | None = None, source: str = USER_DEFINED
) -> ConstantRecovery:
    r"""The same recovered fraction at any interval: :math:`r(t) = f`.

    Parameters
    ----------
    fraction : float
        Recovered fraction :math:`f \in [0, 1]`.
    name : str, optional
        Name shown on results; default ``"constant:<f>"``.
    source : str, optional
        The citation of ``fraction``; default ``"user-defined"``.

    Returns
    -------
    ConstantRecovery

    Raises
    ------
    InvalidInputError
        For a fraction outside :math:`[0, 1]`, NaN or infinite.

    Examples
    --------
    >>> model = constant(0.25)
    >>> model.name, model.source, model.fraction_recovered(2)
    ('constant:0.25', 'user-defined', 0.25)
    """
    return ConstantRecovery(fraction=fraction, name=name or "", source=source)


def step(
    thresholds_months: Sequence[float],
    fractions: Sequence[float],
    *,
    name: str | None = None,
    source: str = USER_DEFINED,
) -> StepRecovery:
    r"""A step table of (interval threshold, recovered fraction).

    Parameters
    ----------
    thresholds_months : sequence of float
        Interval thresholds, strictly increasing, :math:`\ge 0`. [months]
    fractions : sequence of float
        Recovered fraction from each threshold on, non-decreasing, in
        :math:`[0, 1]`. Below the first threshold nothing is recovered.
    name : str, optional
        Name shown on results; default ``"step:<t1>m=<f1>,..."``.
    source : str, optional
        The citation of the table; default ``"user-defined"``.

    Returns
    -------
    StepRecovery

    Raises
    ------
    InvalidInputError
        For tables of different lengths, empty tables, thresholds that are
        negative or not strictly increasing, fractions outside :math:`[0, 1]`
        or decreasing.

    Notes
    -----
    .. math:: r(t) = f_k \quad \text{for } t_k \le t < t_{k+1}, \qquad r(t) = 0
              \text{ for } t < t_1

    Examples
    --------
    >>> model = step([6, 12], [0.25, 0.5])
    >>> model.name
    'step:6m=0.25,12m=0.5'
    >>> model.fraction_recovered([5.9, 6, 11.9, 12])
    array([0.  , 0.25, 0.25, 0.5 ])
    """
    return StepRecovery(
        thresholds_months=_number_tuple("thresholds_months", thresholds_months),
        fractions=_number_tuple("fractions", fractions),
        name=name or "",
        source=source,
    )


def linear(
    onset_months: float,
    plateau_months: float,
    maximum: float,
    *,
    name: str | None = None,
    source: str = USER_DEFINED,
) -> LinearRecovery:
    r"""A linear recovery ramp; user-parameterised (no published default).

    Parameters
    ----------
    onset_months : float
        Interval before which nothing is recovered, :math:`t_0 \ge 0`. [months]
    plateau_months : float
        Interval from which the maximum is recovered, :math:`t_p > t_0`. [months]
    maximum : float
        Largest recovered fraction :math:`r_{max} \in [0, 1]`.
    name : str, optional
        Name shown on results; default ``"linear:<t0>,<tp>,<rmax>"``.
    source : str, optional
        The citation of the parameters; default ``"user-defined"``.

    Returns
    -------
    LinearRecovery

    Raises
    ------
    InvalidInputError
        For negative or non-finite times, :math:`t_p \le t_0`, or a maximum
        outside :math:`[0, 1]`.

    Notes
    -----
    .. math:: r(t) = r_{max}\,\min\!\left(1, \max\!\left(0,
              \frac{t - t_0}{t_p - t_0}\right)\right)

    Examples
    --------
    >>> model = linear(6, 24, 0.5)
    >>> model.fraction_recovered([0, 6, 15, 24, 60])
    array([0.  , 0.  , 0.25, 0.5 , 0.5 ])
    """
    return LinearRecovery(
        onset_months=onset_months,
        plateau_months=plateau_months,
        maximum=maximum,
        name=name or "",
        source=source,
    )


def exponential(
    onset_months: float,
    half_time_months: float,
    maximum: float,
    *,
    name: str | None = None,
    source: str = USER_DEFINED,
) -> ExponentialRecovery:
    r"""A saturating exponential recovery; user-parameterised (no published default).

    Parameters
    ----------
    onset_months : float
        Interval before which nothing is recovered, :math:`t_0 \ge 0`. [months]
    half_time_months : float
        Time after the onset to recover half of the maximum,
        :math:`T_{1/2} > 0`. [months]
    maximum : float
        Recovered fraction approached at long intervals,
        :math:`r_{max} \in [0, 1]`.
    name : str, optional
        Name shown on results; default ``"exponential:<t0>,<T1/2>,<rmax>"``.
    source : str, optional
        The citation of the parameters; default ``"user-defined"``.

    Returns
    -------
    ExponentialRecovery

    Raises
    ------
    InvalidInputError
        For a negative or non-finite onset, :math:`T_{1/2} \le 0`, or a
        maximum outside :math:`[0, 1]`.

    Notes
    -----
    .. math:: r(t) = r_{max}\left(1 - 2^{-\max(0,\,t - t_0)/T_{1/2}}\right)

    Examples
    --------
    >>> model = exponential(2, 12, 0.5)
    >>> model.fraction_recovered([0, 2, 14, 26])
    array([0.   , 0.   , 0.25 , 0.375])
    """
    return ExponentialRecovery(
        onset_months=onset_months,
        half_time_months=half_time_months,
        maximum=maximum,
        name=name or "",
        source=source,
    )


#: What ``recovery=`` accepts everywhere: a model, a name or spec string, or a TOML path.
RecoverySpec: TypeAlias = "RecoveryModel | str | os.PathLike[str]"


# --------------------------------------------------------------------------- presets

#: Spinal cord, stepwise: 0 under 6 months, 25 % from 6 months, 50 % from 12 months.
#: Stated in Doi H et al. Strahlenther Onkol 2021;197:463-473, quoting earlier
#: work; evidence status: abstract (docs/evidence.md).
STEP_CORD_2021 = StepRecovery(
    name="step-cord-2021",
    thresholds_months=(6.0, 12.0),
    fractions=(0.25, 0.5),
    organs=("spinal cord",),
    source=(
        "Doi H et al. Strahlenther Onkol 2021;197:463-473, quoting earlier work "
        "(spinal cord; evidence status: abstract)"
    ),
)

#: Named models accepted by :func:`resolve_recovery` and the CLI's ``--recovery``.
RECOVERY_PRESETS: MappingProxyType[str, RecoveryModel] = MappingProxyType(
    {model.name: model for model in (NoRecovery(), STEP_CORD_2021)}
)


# --------------------------------------------------------------------------- files

_TABLE_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "none": (),
        "constant": ("fraction",),
        "step": ("thresholds_months", "fractions"),
        "linear": ("onset_months", "plateau_months", "maximum"),
        "exponential": ("onset_months", "half_time_months", "maximum"),
    }
)
_COMMON_KEYS = ("model", "name", "source")


def from_toml(path: str | os.PathLike[str], *, organ: str | None = None) -> RecoveryModel:
    r"""Load a clinic's recovery policy from a TOML file, one table per organ.

    Parameters
    ----------
    path : str or os.PathLike
        The TOML file. Each top-level table is an organ; its keys are
        ``model`` (``"step"`` by default, or ``"none"``, ``"constant"``,
        ``"linear"``, ``"exponential"``), that model's parameters (named as in
        :func:`step`, :func:`constant`, :func:`linear`, :func:`exponential`),
        and optionally ``name`` and ``source``. A top-level ``source`` string
        applies to every table that has none; without one the source is
        ``"user-defined"``.
    organ : str, optional
        The table to use. May be omitted when the file holds a single table.

    Returns
    -------
    RecoveryModel
        Named ``"<file name>:<organ>"`` unless the table gives a ``name``.

    Raises
    ------
    InvalidInputError
        When the file is missing or is not TOML, when ``organ`` is not one of
        its tables (or is needed and missing), or when a table has an unknown
        model, an unknown or missing key, or invalid values. The message names
        the file, the table and the key.

    Examples
    --------
    A file ``policy.toml`` holding::

        source = "Our clinic's re-irradiation policy, 2025"

        [spinal_cord]
        model = "step"
        thresholds_months = [6, 12]
        fractions = [0.25, 0.5]

        [brainstem]
        model = "linear"
        onset_months = 6
        plateau_months = 24
        maximum = 0.3

    >>> import pathlib, tempfile
    >>> policy = pathlib.Path(tempfile.mkdtemp()) / "policy.toml"
    >>> _ = policy.write_text('[brainstem]\nmodel = "constant"\nfraction = 0.2\n')
    >>> model = from_toml(policy, organ="brainstem")
    >>> model.name, model.source, model.fraction_recovered(12)
    ('policy.toml:brainstem', 'user-defined', 0.2)
    """
    file = Path(path)
    where = f"recovery file {str(file)!r}"
    try:
        document = read_toml_file(file, InvalidInputError)
    except InvalidInputError as exc:
        raise InvalidInputError(f"recovery file {exc}") from None
    default_source = document.get("source", USER_DEFINED)
    if not isinstance(default_source, str):
        raise InvalidInputError(
            f"{where}: top-level 'source' must be a string, got {default_source!r}"
        )
    tables = {key: value for key, value in document.items() if isinstance(value, dict)}
    stray = [key for key in document if key not in tables and key != "source"]
    if stray:
        raise InvalidInputError(
            f"{where}: unexpected top-level key {stray[0]!r}; expected 'source' and one "
            "table per organ, e.g. [spinal_cord]"
        )
    if not tables:
        raise InvalidInputError(f"{where} has no organ table; expected e.g. [spinal_cord]")
    if organ is None:
        if len(tables) > 1:
            raise InvalidInputError(
                f"{where} has several organ tables ({', '.join(tables)}): choose one with organ"
            )
        organ = next(iter(tables))
    if organ not in tables:
        # "spinal cord", "Spinal_Cord" and "spinal-cord" name the same table.
        matches = [key for key in tables if same_organ(key, organ)]
        if len(matches) != 1:
            raise InvalidInputError(
                f"{where} has no table for organ {organ!r}; it has: {', '.join(tables)}"
            )
        organ = matches[0]
    return _model_from_table(
        tables[organ], f"{where}, table [{organ}]", f"{file.name}:{organ}", default_source
    )


def _model_from_table(
    table: Mapping[str, Any], where: str, default_name: str, default_source: str
) -> RecoveryModel:
    kind = table.get("model", "step")
    if kind not in _TABLE_KEYS:
        raise InvalidInputError(
            f"{where}: 'model' must be one of {', '.join(_TABLE_KEYS)}, got {kind!r}"
        )
    expected = _TABLE_KEYS[kind]
    for key in table:
        if key not in expected and key not in _COMMON_KEYS:
            raise InvalidInputError(
                f"{where}: unknown key {key!r} for model {kind!r}; expected "
                f"{', '.join(expected + _COMMON_KEYS)}"
            )
    missing = [key for key in expected if key not in table]
    if missing:
        raise InvalidInputError(f"{where}: model {kind!r} needs key {missing[0]!r}")
    name = table.get("name") or default_name
    source = table.get("source", default_source)
    params = {key: table[key] for key in expected}
    try:
        if kind == "none":
            return NoRecovery(name=name, source=source)
        if kind == "constant":
            return ConstantRecovery(name=name, source=source, **params)
        if kind == "step":
            return StepRecovery(name=name, source=source, **params)
        if kind == "linear":
            return LinearRecovery(name=name, source=source, **params)
        return ExponentialRecovery(name=name, source=source, **params)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{where}: {exc}") from None


# --------------------------------------------------------------------------- resolving

_PARAMETRIC = MappingProxyType({"constant": 1, "linear": 3, "exponential": 3})
_SPEC_FORMS = (
    "expected a model name ("
    + ", ".join(RECOVERY_PRESETS)
    + "), 'constant:<f>', 'linear:<onset>,<plateau>,<max>', "
    "'exponential:<onset>,<half-time>,<max>' (months), or the path of a TOML file"
)


def same_organ(name: str, other: str) -> bool:
    """True when two organ names name the same whole organ.

    Names are read as :func:`radcalc.organs.match_organ` reads them (TG-263
    names, radcalc's names and common variants; case, ``_`` and ``-``
    ignored). A PRV, a partial or a qualified structure is never the organ.
    The one place :mod:`radcalc.recovery` and the re-irradiation commands match
    organ names.

    Examples
    --------
    >>> same_organ("Spinal_Cord", "spinal cord"), same_organ("SpinalCord", "spinal cord")
    (True, True)
    >>> same_organ("brainstem", "spinal cord"), same_organ("SpinalCord_PRV05", "spinal cord")
    (False, False)
    """
    from radcalc.organs import match_organ

    if normalize_name(name) == normalize_name(other):
        return True
    first, second = match_organ(name), match_organ(other)
    return (
        first.organ is not None
        and first.organ == second.organ
        and first.is_whole_organ
        and second.is_whole_organ
        and first.laterality == second.laterality
    )


def _scope_check(model: RecoveryModel, organ: str | None, any_organ: bool) -> None:
    if not model.organs or organ is None or any_organ:
        return
    if any(same_organ(organ, scope) for scope in model.organs):
        return
    raise InvalidInputError(
        f"recovery model {model.name!r} was shipped for {' / '.join(model.organs)} only, "
        f"not for organ {organ!r}: give a recovery model for {organ!r}, or allow it "
        "explicitly (recovery_any_organ=True; --recovery-any-organ on the command line; "
        "recovery_any_organ = true in a plan file)"
    )


def recovery_scope_note(model: RecoveryModel, organ: str | None) -> str | None:
    """The note a result carries when ``model`` is used outside its organ scope, else None.

    Examples
    --------
    >>> print(recovery_scope_note(STEP_CORD_2021, "brainstem"))
    recovery model 'step-cord-2021' was shipped for spinal cord only and is applied to
    'brainstem' because the user allowed it (recovery_any_organ)
    >>> recovery_scope_note(STEP_CORD_2021, "spinal cord") is None
    True
    """
    if not model.organs or organ is None:
        return None
    if any(same_organ(organ, scope) for scope in model.organs):
        return None
    return (
        f"recovery model {model.name!r} was shipped for {' / '.join(model.organs)} only and "
        f"is applied to {organ!r} because the user allowed it (recovery_any_organ)"
    )


def resolve_recovery(
    spec: RecoverySpec, *, organ: str | None = None, any_organ: bool = False
) -> RecoveryModel:
    r"""Turn what a user typed (or passed) into a recovery model.

    Parameters
    ----------
    spec : RecoveryModel, str or os.PathLike
        A model object (returned as is); a preset name (``"none"``,
        ``"step-cord-2021"``); ``"constant:<f>"``, ``"linear:<onset>,<plateau>,
        <max>"`` or ``"exponential:<onset>,<half-time>,<max>"`` with times in
        months; or the path of a TOML file (see :func:`from_toml`).
    organ : str, optional
        The organ the model is for: it picks the table of a TOML file, and a
        model with an organ scope (e.g. ``"step-cord-2021"``, spinal cord)
        is refused for another organ.
    any_organ : bool, optional
        Allow a model with an organ scope for another organ (default False);
        :func:`recovery_scope_note` then gives the note to show.

    Returns
    -------
    RecoveryModel

    Raises
    ------
    InvalidInputError
        For an unknown name, bad parameters, a file that cannot be used, or
        a model shipped for another organ than ``organ`` (without
        ``any_organ``).

    Examples
    --------
    >>> resolve_recovery("step-cord-2021") is STEP_CORD_2021
    True
    >>> resolve_recovery("constant:0.25").fraction_recovered(3)
    0.25
    >>> resolve_recovery("linear:6,24,0.5").name
    'linear:6,24,0.5'
    >>> resolve_recovery("step-cord-2021", organ="brainstem")
    Traceback (most recent call last):
    ...
    radcalc.errors.InvalidInputError: recovery model 'step-cord-2021' was shipped for spinal ...
    """
    model = _resolve(spec, organ)
    _scope_check(model, organ, any_organ)
    return model


def _resolve(spec: RecoverySpec, organ: str | None) -> RecoveryModel:
    if isinstance(spec, RecoveryModel):
        return spec
    if isinstance(spec, os.PathLike):
        return from_toml(spec, organ=organ)
    if not isinstance(spec, str):
        raise InvalidInputError(f"recovery must be a model, a name or a file path, got {spec!r}")
    text = spec.strip()
    preset = RECOVERY_PRESETS.get(text.lower())
    if preset is not None:
        return preset
    kind, colon, rest = text.partition(":")
    if colon and kind.strip().lower() in _PARAMETRIC:
        return _parametric(text, kind.strip().lower(), rest)
    if text.lower().endswith(".toml") or _is_file(text):
        return from_toml(text, organ=organ)
    raise InvalidInputError(f"recovery {spec!r} not understood: {_SPEC_FORMS}")


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # e.g. a name too long for the file system
        return False


def _parametric(text: str, kind: str, rest: str) -> RecoveryModel:
    parts = [part.strip() for part in rest.split(",")]
    expected = _PARAMETRIC[kind]
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) != expected:
        raise InvalidInputError(
            f"recovery {text!r}: {kind!r} needs {expected} comma-separated number(s); "
            + _SPEC_FORMS
        )
    if kind == "constant":
        return constant(numbers[0])
    if kind == "linear":
        return linear(*numbers)
    return exponential(*numbers)
