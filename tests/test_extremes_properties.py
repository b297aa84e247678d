"""Hypothesis properties over the whole float range (issue 14).

Every argument is drawn from subnormals to the largest float64. Each result
must be finite and match an exact reference (``fractions.Fraction``, or
``decimal`` with 60 digits where a square root or an exponential enters)
within the stated bound in units in the last place (ulp) of the reference, or
the call must raise an ``InvalidInputError`` because the true result overflows
float64. Never a wrong finite number.

Bounds (ulp of the exact value; an ulp of a subnormal is 2**-1074):

* BED, EQD2, EQDx, their inverses and LQ-L: 4 ulp (measured: at most 3). Every formula is a short
  chain of correctly rounded operations on positive terms (no cancellation),
  evaluated in :class:`radcalc._scaled.Scaled` numbers wherever plain float64
  would over- or underflow.
* repair_factor: (4 + 2 x) ulp with x = interval/half-time: theta =
  exp(-x ln 2) amplifies the rounding of x by x (the condition number of exp).
* repopulation: 4 ulp of the lost BED.
"""

from __future__ import annotations

import math
import sys
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from radcalc import InvalidInputError, lq
from radcalc.lql import bed_per_fraction_lql, dose_per_fraction_lql
from radcalc.repair import repair_factor
from radcalc.repopulation import repopulation_bed, repopulation_rate

pytestmark = pytest.mark.filterwarnings("ignore::radcalc.errors.RadcalcWarning")

FLOAT_MAX = sys.float_info.max
MAX = Fraction(FLOAT_MAX)
TINY = Fraction(2) ** -1074
ULPS = 4

positive = st.floats(
    min_value=math.ulp(0.0), max_value=FLOAT_MAX, allow_nan=False, allow_subnormal=True
)
non_negative = st.floats(min_value=0.0, max_value=FLOAT_MAX, allow_nan=False)
fast = settings(max_examples=200, deadline=None)
small = settings(max_examples=60, deadline=None)


def _ulp(value: Fraction) -> Fraction:
    nearest = float(min(abs(value), MAX))
    return max(Fraction(math.ulp(nearest)), TINY)


def _sqrt(value: Fraction) -> Fraction:
    """Square root of a Fraction to 60 significant digits (exact enough as a reference)."""
    with localcontext() as context:
        context.prec = 60
        root = (Decimal(value.numerator) / Decimal(value.denominator)).sqrt()
    return Fraction(root)


def _check(result: Any, exact: Fraction, ulps: float = ULPS) -> None:
    assert math.isfinite(result), result
    error = abs(Fraction(float(result)) - exact)
    assert error <= Fraction(ulps) * _ulp(exact), (float(result), float(exact))


def _overflows(exact: Fraction) -> bool:
    """True when the exact value is (within rounding) beyond the float64 range."""
    return abs(exact) > MAX * (1 - Fraction(1, 2**48))


def _agrees(call: Any, exact: Fraction, ulps: float = ULPS) -> None:
    """The call returns ``exact`` within ``ulps``, or raises because it overflows."""
    if abs(exact) > MAX * (1 + Fraction(1, 2**48)):
        with pytest.raises(InvalidInputError, match="overflows"):
            call()
    elif not _overflows(exact):
        _check(call(), exact, ulps)
    # else: within rounding of the largest float; either answer is right.


def _bed(dose: Fraction, n: Fraction, ab: Fraction) -> Fraction:
    return dose * (1 + dose / n / ab)


@fast
@given(dose=non_negative, n=positive, ab=positive)
@example(dose=1e-6, n=5.0, ab=1e-320)  # was inf (true 2.0e307)
@example(dose=70.0, n=35.0, ab=3.0)
def test_bed(dose: float, n: float, ab: float) -> None:
    _agrees(lambda: lq.bed(dose, n, alpha_beta=ab), _bed(Fraction(dose), Fraction(n), Fraction(ab)))


def _eqdx(dose: Fraction, n: Fraction, ab: Fraction, x: Fraction) -> Fraction:
    return dose * (dose / n + ab) / (x + ab)


@fast
@given(dose=non_negative, n=positive, ab=positive)
@example(dose=1e308, n=1.0, ab=1.0)  # was inf: now an error naming the inputs
@example(dose=1e-10, n=1e-320, ab=1e308)
def test_eqd2(dose: float, n: float, ab: float) -> None:
    exact = _eqdx(Fraction(dose), Fraction(n), Fraction(ab), Fraction(2))
    _agrees(lambda: lq.eqd2(dose, n, alpha_beta=ab), exact)


@fast
@given(dose=non_negative, n=positive, ab=positive, x=positive)
def test_eqdx(dose: float, n: float, ab: float, x: float) -> None:
    exact = _eqdx(Fraction(dose), Fraction(n), Fraction(ab), Fraction(x))
    _agrees(lambda: lq.eqdx(dose, n, alpha_beta=ab, reference_dose_per_fraction=x), exact)


@fast
@given(eqd2=non_negative, ab=positive)
def test_bed_from_eqd2(eqd2: float, ab: float) -> None:
    exact = Fraction(eqd2) * (1 + 2 / Fraction(ab))
    _agrees(lambda: lq.bed_from_eqd2(eqd2, alpha_beta=ab), exact)


@fast
@given(bed=non_negative, ab=positive)
@example(bed=1e308, ab=1e-320)  # was 0.0
def test_eqd2_from_bed(bed: float, ab: float) -> None:
    exact = Fraction(bed) / (1 + 2 / Fraction(ab))
    _agrees(lambda: lq.eqd2_from_bed(bed, alpha_beta=ab), exact)


def _dose_for_bed(target_bed: Fraction, n: Fraction, ab: Fraction) -> Fraction:
    """Positive root of D^2/(n ab) + D - B = 0 (60 digits)."""
    return 2 * target_bed / (1 + _sqrt(1 + 4 * target_bed / (n * ab)))


@fast
@given(target=non_negative, n=positive, ab=positive)
@example(target=15.0, n=30.0, ab=1e-200)  # was 0.0 (true 30)
@example(target=1.0, n=35.0, ab=1e-300)  # the CLI printed 0.00 Gy (true 8.37)
@example(target=1.79e308, n=1e308, ab=1.0)  # overflows: 1.87e308
def test_dose_for_eqd2(target: float, n: float, ab: float) -> None:
    b = Fraction(target) * (1 + 2 / Fraction(ab))
    exact = _dose_for_bed(b, Fraction(n), Fraction(ab))
    _agrees(lambda: lq.dose_for_eqd2(target, n, alpha_beta=ab), exact)


@fast
@given(target=non_negative, d=positive, ab=positive)
def test_fractions_for_eqd2(target: float, d: float, ab: float) -> None:
    t, dd, a = Fraction(target), Fraction(d), Fraction(ab)
    exact = t * (2 + a) / (dd * (dd + a))
    _agrees(lambda: lq.fractions_for_eqd2(target, d, alpha_beta=ab), exact)


def _q_lql(d: Fraction, d_t: Fraction) -> Fraction:
    return d - max(Fraction(0), d - d_t) ** 2 / d if d > 0 else Fraction(0)


@fast
@given(d=non_negative, ab=positive, d_t=positive)
@example(d=1e200, ab=1e10, d_t=6.0)  # the old q lost every digit here
def test_bed_per_fraction_lql(d: float, ab: float, d_t: float) -> None:
    dd = Fraction(d)
    exact = dd * (1 + _q_lql(dd, Fraction(d_t)) / Fraction(ab))
    _agrees(lambda: bed_per_fraction_lql(d, alpha_beta=ab, transition_dose=d_t), exact)


@fast
@given(b=non_negative, ab=positive, d_t=positive)
def test_dose_per_fraction_lql(b: float, ab: float, d_t: float) -> None:
    bb, a, t = Fraction(b), Fraction(ab), Fraction(d_t)
    b_t = t * (1 + t / a)
    exact = _dose_for_bed(bb, Fraction(1), a) if bb <= b_t else t + (bb - b_t) / (1 + 2 * t / a)
    _agrees(lambda: dose_per_fraction_lql(b, alpha_beta=ab, transition_dose=d_t), exact)


@fast
@given(dose=non_negative, n=positive, ab=positive, d_t=positive)
def test_eqd2_lql(dose: float, n: float, ab: float, d_t: float) -> None:
    dd, nn, a = Fraction(dose), Fraction(n), Fraction(ab)
    q = _q_lql(dd / nn, Fraction(d_t))
    exact = dd * (q + a) / (2 + a)
    _agrees(lambda: lq.eqd2(dose, n, alpha_beta=ab, model="lql", transition_dose=d_t), exact)


def _theta(x: Fraction) -> Fraction:
    """exp(-x ln 2) = 2**-x to 60 digits."""
    with localcontext() as context:
        context.prec = 60
        power = Decimal(x.numerator) / Decimal(x.denominator)
        return Fraction(Decimal(2) ** -power)


@fast
@given(
    m=st.integers(min_value=1, max_value=4),
    interval_fraction=st.floats(min_value=1e-300, max_value=1.0, exclude_max=True),
    half_time=positive,
)
def test_repair_factor(m: int, interval_fraction: float, half_time: float) -> None:
    interval = 23.9 * interval_fraction / max(m - 1, 1)  # the m fractions fit in a day
    x = Fraction(interval) / Fraction(half_time)
    theta = _theta(x) if x < 2000 else Fraction(0)
    exact = Fraction(2, m) * sum(((m - k) * theta**k for k in range(1, m)), Fraction(0))
    result = repair_factor(m, interval_hours=interval, repair_half_time_hours=half_time)
    _check(result, exact, ULPS + 2 * float(min(x, Fraction(10**6))))


@fast
@given(overall=non_negative, kickoff=non_negative, rate=non_negative)
def test_repopulation_bed(overall: float, kickoff: float, rate: float) -> None:
    lost = Fraction(rate) * max(Fraction(0), Fraction(overall) - Fraction(kickoff))
    _agrees(
        lambda: repopulation_bed(overall, kickoff_days=kickoff, repopulation_bed_per_day=rate),
        lost,
    )


@fast
@given(alpha=positive, t_pot=positive)
def test_repopulation_rate(alpha: float, t_pot: float) -> None:
    # ln 2 itself is rounded once in float64 (math.log(2)): one more ulp.
    exact = Fraction(math.log(2)) / (Fraction(alpha) * Fraction(t_pot))
    _agrees(lambda: repopulation_rate(alpha=alpha, potential_doubling_days=t_pot), exact)


@small
@given(
    dose=st.lists(non_negative, min_size=1, max_size=5),
    n=positive,
    ab=positive,
)
def test_arrays_match_the_scalar_calls(dose: list[float], n: float, ab: float) -> None:
    # An array with one extreme element is evaluated carefully as a whole: each
    # element equals its scalar call, or the call names the first overflow.
    try:
        array = lq.eqd2(np.array(dose), n, alpha_beta=ab)
    except InvalidInputError:
        assert any(
            _overflows(_eqdx(Fraction(v), Fraction(n), Fraction(ab), Fraction(2))) for v in dose
        )
        return
    for value, element in zip(dose, array, strict=True):
        assert element == lq.eqd2(value, n, alpha_beta=ab)


# --- correction paths of radcalc.lq ------------------------------------------------------

at_least_two = st.floats(min_value=2.0, max_value=FLOAT_MAX, allow_nan=False)


@fast
@given(
    dose=non_negative,
    n=at_least_two,
    ab=positive,
    interval_fraction=st.floats(min_value=1e-300, max_value=1.0, exclude_max=True),
    half_time=positive,
)
def test_eqd2_with_incomplete_repair(
    dose: float, n: float, ab: float, interval_fraction: float, half_time: float
) -> None:
    # Twice daily: h_2 = theta (Thames 1985); q = d (1 + h). Bound: that of h plus 4 ulp.
    interval = 23.9 * interval_fraction
    x = Fraction(interval) / Fraction(half_time)
    theta = _theta(x) if x < 2000 else Fraction(0)
    dd, nn, a = Fraction(dose), Fraction(n), Fraction(ab)
    exact = dd * (dd / nn * (1 + theta) + a) / (2 + a)
    _agrees(
        lambda: lq.eqd2(
            dose,
            n,
            alpha_beta=ab,
            fractions_per_day=2,
            interval_hours=interval,
            repair_half_time_hours=half_time,
        ),
        exact,
        2 * ULPS + 2 * float(min(x, Fraction(10**6))),
    )


@fast
@given(target=non_negative, n=positive, ab=positive, d_t=positive)
def test_dose_for_eqd2_lql(target: float, n: float, ab: float, d_t: float) -> None:
    nn, a, t = Fraction(n), Fraction(ab), Fraction(d_t)
    b = Fraction(target) * (1 + 2 / a) / nn  # BED per fraction
    b_t = t * (1 + t / a)
    per_fraction = _dose_for_bed(b, Fraction(1), a) if b <= b_t else t + (b - b_t) / (1 + 2 * t / a)
    _agrees(
        lambda: lq.dose_for_eqd2(target, n, alpha_beta=ab, model="lql", transition_dose=d_t),
        nn * per_fraction,
    )


@fast
@given(dose=non_negative, n=positive, ab=positive, days=non_negative, rate=non_negative)
def test_eqd2_with_repopulation(dose: float, n: float, ab: float, days: float, rate: float) -> None:
    # EQD2 - K max(0, T - T_k)/(1 + 2/(alpha/beta)) with T_k = 0 and T >= ceil(n) - 1
    # (so that the schedule fits). The two terms can cancel: the bound is 4 ulp of
    # the larger term, the conditioning of a difference.
    overall = max(days, math.ceil(n) - 1.0)
    if not math.isfinite(overall):
        return
    dd, nn, a = Fraction(dose), Fraction(n), Fraction(ab)
    plain = _eqdx(dd, nn, a, Fraction(2))
    lost = Fraction(rate) * Fraction(overall) / (1 + 2 / a)
    call = lambda: lq.eqd2(  # noqa: E731
        dose,
        n,
        alpha_beta=ab,
        overall_days=overall,
        kickoff_days=0,
        repopulation_bed_per_day=rate,
    )
    if _overflows(plain) or _overflows(lost):
        return  # each term alone: tested above (test_eqd2, test_repopulation_bed)
    result = call()
    assert math.isfinite(result)
    error = abs(Fraction(result) - (plain - lost))
    assert error <= ULPS * _ulp(max(plain, lost)), (result, float(plain - lost))
